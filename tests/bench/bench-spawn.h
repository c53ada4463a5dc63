/* bench-spawn.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Starts @argv (searched in PATH) without a fork(), with pipes to its
 * stdin and from its stdout where @stdin_fd and @stdout_fd are given. */
GPid     bench_spawn_without_fork (const char * const  *argv,
                                   int                 *stdin_fd,
                                   int                 *stdout_fd);

/* Waits for @pid to end; FALSE with @error if it failed. */
gboolean bench_wait_child         (GPid                 pid,
                                   GError             **error);

G_END_DECLS
