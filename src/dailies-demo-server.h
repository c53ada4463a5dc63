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
/* Video links are pre-signed like the object store's (X-Tos-Date +
 * X-Tos-Expires, 24 h): signed when the task finished, and refused with 403
 * once lapsed by the server's clock (which advance() moves too). */

/* From now on, video links answer 403 like an expired pre-signed URL;
 * those handed out so far stay refused for good. */
void                dailies_demo_server_expire_links         (DailiesDemoServer  *self);
/* Links work again: answers carry newly signed links (new X-Tos-Date),
 * as from a server that hands out a fresh one when asked again. */
void                dailies_demo_server_renew_links          (DailiesDemoServer  *self);
/* When TRUE, every answer signs its link afresh (a new X-Tos-Date each
 * time), while the task's finish_time stays what it was. The real gateway
 * does not do this (API.md); other servers may. */
void                dailies_demo_server_set_resign_links     (DailiesDemoServer  *self,
                                                              gboolean            resign);
/* How long before the server started the tasks of set_answer_any()
 * finished (0 by default): a finish_time days old, say. */
void                dailies_demo_server_set_any_finished_ago (DailiesDemoServer  *self,
                                                              guint               seconds);
/* A link to the video of @task_id, signed now by the server's clock. */
char               *dailies_demo_server_sign_link            (DailiesDemoServer  *self,
                                                              const char         *task_id);
guint               dailies_demo_server_get_n_api_requests   (DailiesDemoServer  *self);
guint               dailies_demo_server_get_n_video_requests (DailiesDemoServer  *self);
/* Video requests that carried an Authorization header: always 0 for a correct client. */
guint               dailies_demo_server_get_n_video_requests_with_auth (DailiesDemoServer *self);

G_END_DECLS
