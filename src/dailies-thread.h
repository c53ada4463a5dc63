/* dailies-thread.h
 *
 * For the threads that do bulk work beside the main thread (loading the
 * store, reading an import): a little nicer than it, so that on two
 * cores the window (and the display server) keep theirs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#ifdef __linux__
# include <errno.h>
# include <sys/resource.h>
# include <sys/syscall.h>
# include <unistd.h>
#endif

G_BEGIN_DECLS

/* How much nicer than the main thread such a thread runs. */
#define DAILIES_THREAD_NICE 5

/* Lowers the priority of the calling thread, which must be one of its
 * own: a pool thread would keep it for whatever it runs next. Nor may
 * it start work on GLib's shared pools (GStreamer's streaming threads,
 * GTask's): a new pool thread inherits its nice value, GLib tries to
 * raise it back, and for a user who may not it logs a critical (fatal in
 * the tests) and the thread stays niced. */
static inline void
dailies_thread_lower_priority (const char *who)
{
#ifdef __linux__
  /* On Linux the nice value is per thread. */
  id_t tid = (id_t) syscall (SYS_gettid);

  errno = 0;
  if (setpriority (PRIO_PROCESS, tid, getpriority (PRIO_PROCESS, tid) + DAILIES_THREAD_NICE) != 0)
    g_debug ("%s: could not lower the thread's priority: %s", who, g_strerror (errno));
#endif
}

G_END_DECLS
