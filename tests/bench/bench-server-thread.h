/* bench-server-thread.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "dailies-demo-server.h"

G_BEGIN_DECLS

typedef struct _BenchServerThread BenchServerThread;

/* The demo server on a thread of its own (own GMainContext), answering any
 * asyntask_ ID as a finished task, so the client side and the reference
 * (curl) measure against the same server under the same conditions. */
/* Every API answer is held back by @latency_ms (0: at once). */
BenchServerThread *bench_server_thread_start    (guint latency_ms);
const char        *bench_server_thread_get_cdn  (BenchServerThread *self);
void               bench_server_thread_stop     (BenchServerThread *self);

G_END_DECLS
