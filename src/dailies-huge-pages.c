/* dailies-huge-pages.c
 *
 * The window's drawing buffers, imports and the tasks themselves come
 * from the heap, and each new 4 KiB page of it costs a page fault: about
 * 23-35 us each on the virtual machine the benchmarks run on, 1,400-2,500
 * of them in the first search key after start-up. glibc backs its main
 * heap with huge pages, 2 MiB a fault, where the kernel gives them on
 * request (as most distributions set it) and when asked before the
 * program starts (GLIBC_TUNABLES). So the launcher asks for the
 * application it becomes, in the environment it hands execve() (a thread
 * may run by then: no setenv()), and the application puts the variable
 * back as it was, so that the programs it starts (a browser, a file
 * manager) run as they would have.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-huge-pages.h"

#define TUNABLES        "GLIBC_TUNABLES"
#define HUGE_PAGES_ITEM "glibc.malloc.hugetlb="
/* What GLIBC_TUNABLES was before it was asked: "+" and its value, or "-"
 * when it was not set. */
#define BEFORE          "DAILIES_GLIBC_TUNABLES_BEFORE"

/* The environment for a program about to be started, @envp (taken),
 * with GLIBC_TUNABLES asking that its heap get huge pages: the user's own
 * tunables stay, and so does a choice of theirs about huge pages. */
char **
dailies_huge_pages_ask (char **envp)
{
#ifdef __GLIBC__
  const char *tunables;
  g_autofree char *before = NULL;
  g_autofree char *asked = NULL;

  /* Only ever what this function set says what to put back. */
  envp = g_environ_unsetenv (envp, BEFORE);
  tunables = g_environ_getenv (envp, TUNABLES);
  if (tunables != NULL && strstr (tunables, HUGE_PAGES_ITEM) != NULL)
    return envp;

  before = tunables != NULL ? g_strconcat ("+", tunables, NULL) : g_strdup ("-");
  if (tunables != NULL && tunables[0] != '\0')
    asked = g_strconcat (tunables, ":" HUGE_PAGES_ITEM "1", NULL);
  else
    asked = g_strdup (HUGE_PAGES_ITEM "1");
  envp = g_environ_setenv (envp, BEFORE, before, TRUE);
  envp = g_environ_setenv (envp, TUNABLES, asked, TRUE);
#endif

  return envp;
}

/* In the program started: GLIBC_TUNABLES as it was before it was asked.
 * First thing in main(), before any thread: glibc has read it by then. */
void
dailies_huge_pages_restore_env (void)
{
  const char *before = g_getenv (BEFORE);

  if (before == NULL)
    return;

  if (before[0] == '+')
    g_setenv (TUNABLES, before + 1, TRUE);
  else
    g_unsetenv (TUNABLES);
  g_unsetenv (BEFORE);
}
