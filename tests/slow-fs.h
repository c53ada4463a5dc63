/* slow-fs.h
 *
 * Folders made slow, as on a network share that is slow to answer:
 * linked into a test program, the C library's calls that name a path
 * (open, stat, mkdir, rename, statfs, the xattr calls, …) take @delay_ms
 * longer for paths under a watched folder, on every thread, and those
 * made on the main thread are counted, for the test to say which would
 * have blocked the window. slow_fs_watch() is called before the threads
 * that may make such calls start, once per folder (up to four).
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
