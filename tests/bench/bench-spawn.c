/* bench-spawn.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/wait.h>

#include "bench-spawn.h"

/* GSubprocess forks, and after a fork the first write to each page of
 * this process takes a fault (copy-on-write), however soon the child
 * execs: the run timed next pays for it (bench poll: 0.8 faults per
 * answer, none of them the poller's). GLib spawns with posix_spawn(),
 * which copies no pages, only when no descriptor is closed in the child;
 * its pipes are close-on-exec. */
/* This environment without the request for huge pages this program was
 * started with, as Dailies is: the references run as they are installed.
 * The other tunables stay. */
static char **
environ_as_installed (void)
{
  char **envp = g_get_environ ();
  const char *tunables = g_environ_getenv (envp, "GLIBC_TUNABLES");
  g_auto(GStrv) items = NULL;
  g_autoptr(GStrvBuilder) kept = NULL;
  g_auto(GStrv) kept_items = NULL;
  g_autofree char *joined = NULL;

  if (tunables == NULL)
    return envp;

  items = g_strsplit (tunables, ":", -1);
  kept = g_strv_builder_new ();
  for (guint i = 0; items[i] != NULL; i++)
    if (!g_str_has_prefix (items[i], "glibc.malloc.hugetlb="))
      g_strv_builder_add (kept, items[i]);
  kept_items = g_strv_builder_end (kept);
  if (kept_items[0] == NULL)
    return g_environ_unsetenv (envp, "GLIBC_TUNABLES");

  joined = g_strjoinv (":", kept_items);
  return g_environ_setenv (envp, "GLIBC_TUNABLES", joined, TRUE);
}

GPid
bench_spawn_without_fork (const char * const *argv,
                          int                *stdin_fd,
                          int                *stdout_fd)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = environ_as_installed ();
  GPid pid;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, envp,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                 G_SPAWN_LEAVE_DESCRIPTORS_OPEN | G_SPAWN_CLOEXEC_PIPES,
                                 NULL, NULL, &pid, stdin_fd, stdout_fd, NULL, &error))
    g_error ("bench: could not start %s: %s", argv[0], error->message);

  return pid;
}

gboolean
bench_wait_child (GPid     pid,
                  GError **error)
{
  int status;

  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      g_error ("bench: waitpid: %s", g_strerror (errno));
  g_spawn_close_pid (pid);

  return g_spawn_check_wait_status (status, error);
}
