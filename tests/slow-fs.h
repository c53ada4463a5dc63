/* slow-fs.h
 *
 * A folder made slow, as a network share that has stopped answering
 * is: linked into a test program, the C library's calls that name a
 * path (open, stat, mkdir, rename, …) take @delay_ms longer for paths
 * under the watched folder, on every thread, and those made on the main
 * thread are counted, for the test to say which blocked the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void        slow_fs_watch                 (const char *folder,
                                           guint       delay_ms);
guint       slow_fs_get_main_thread_calls (void);
guint       slow_fs_get_calls             (void);
/* The first few calls made on the main thread, with their paths. */
char       *slow_fs_dup_main_calls        (void);

G_END_DECLS
