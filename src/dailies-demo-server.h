/* dailies-demo-server.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-types.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_DEMO_SERVER (dailies_demo_server_get_type ())

G_DECLARE_FINAL_TYPE (DailiesDemoServer, dailies_demo_server, DAILIES, DEMO_SERVER, GObject)

/* A stand-in for the task API on 127.0.0.1, used by `dailies --demo` and by
 * the tests. It serves a handful of tasks that walk from NOT_START to SUCCESS
 * or FAILURE within a minute, and their videos from a second listener (a
 * different origin, like the CDN of the real service), with Range support. */
DailiesDemoServer  *dailies_demo_server_new                  (void);
gboolean            dailies_demo_server_start                (DailiesDemoServer  *self,
                                                              GError            **error);
const char         *dailies_demo_server_get_base_url         (DailiesDemoServer  *self);
const char         *dailies_demo_server_get_cdn_url          (DailiesDemoServer  *self);
const char * const *dailies_demo_server_get_task_ids         (DailiesDemoServer  *self);
/* Moves the server's clock forward, so tests need not wait for the timeline. */
void                dailies_demo_server_advance              (DailiesDemoServer  *self,
                                                              guint               seconds);
/* Seconds after start at which @task_id reaches its final state, or 0 when unknown. */
guint               dailies_demo_server_get_finish_offset    (DailiesDemoServer  *self,
                                                              const char         *task_id);
/* NULL (the default) accepts any non-empty bearer key. */
void                dailies_demo_server_set_api_key          (DailiesDemoServer  *self,
                                                              const char         *api_key);
/* When TRUE, any other task ID is answered as a finished SUCCESS task rather
 * than 404, and its video is served: for benchmarks and tests that track
 * tasks of their own. */
void                dailies_demo_server_set_answer_any       (DailiesDemoServer  *self,
                                                              gboolean            answer_any);
/* Holds every API answer back by @latency_ms, like a server far away. */
void                dailies_demo_server_set_latency          (DailiesDemoServer  *self,
                                                              guint               latency_ms);
/* Replaces the served clip (the default is the demo clip in the GResource). */
void                dailies_demo_server_set_video            (DailiesDemoServer  *self,
                                                              GBytes             *video);
GBytes             *dailies_demo_server_get_video            (DailiesDemoServer  *self);
/* From now on, video links answer 403 like an expired pre-signed URL. */
void                dailies_demo_server_expire_links         (DailiesDemoServer  *self);
/* Links work again, as after the task was checked for a fresh one. */
void                dailies_demo_server_renew_links          (DailiesDemoServer  *self);
guint               dailies_demo_server_get_n_api_requests   (DailiesDemoServer  *self);
guint               dailies_demo_server_get_n_video_requests (DailiesDemoServer  *self);
/* Video requests that carried an Authorization header: always 0 for a correct client. */
guint               dailies_demo_server_get_n_video_requests_with_auth (DailiesDemoServer *self);

G_END_DECLS
