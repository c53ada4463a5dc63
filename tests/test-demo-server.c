/* test-demo-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dailies-demo-server.h"
#include "dailies-link.h"
#include "dailies-task-response.h"
#include "dailies-test-utils.h"

#define SUCCESS_ID "asyntask_DemoHarbourSunrise00000000000001"
#define FAILURE_ID "asyntask_DemoModerationFail0000000000003"
#define ULTRA_ID   "asyntask_DemoUltraMountains000000000004"
#define OTHER_ID   "asyntask_DemoOtherModelCat00000000000005"
#define CANCELLED_ID  "asyntask_DemoGatewayStillRunning0000007"
#define GENERIC_ID    "asyntask_DemoGenericFailure0000000000008"
#define LAST_FRAME_ID "asyntask_DemoLastFrameLighthouse0000009"
#define MOV_ID        "asyntask_DemoQuickTimeRiver000000000010"

typedef struct
{
  guint   status;
  GBytes *body;
  char   *content_range;
  char   *content_type;
  gboolean done;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->content_range, g_free);
  g_clear_pointer (&reply->content_type, g_free);
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reply *reply = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GError) error = NULL;

  reply->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->content_range = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                                 "Content-Range"));
  reply->content_type = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL));
  reply->done = TRUE;
}

/* GET @url with a plain SoupSession, optionally with a bearer key and a Range. */
static void
fetch (const char *url,
       const char *key,
       const char *range,
       Reply      *reply)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  g_assert_nonnull (msg);
  if (key != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", key);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);

  memset (reply, 0, sizeof *reply);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, reply);
  g_assert_true (dailies_test_wait_for_flag (&reply->done, 10000));
}

static DailiesTaskResponse *
query (DailiesDemoServer *server,
       const char        *task_id)
{
  g_autofree char *url = g_strdup_printf ("%s/v1/video/generations/%s",
                                          dailies_demo_server_get_base_url (server), task_id);
  g_autoptr(GError) error = NULL;
  DailiesTaskResponse *response;
  gconstpointer data;
  gsize size;
  Reply reply;

  fetch (url, "demo", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  data = g_bytes_get_data (reply.body, &size);
  response = dailies_task_response_parse (data, size, &error);
  g_assert_no_error (error);
  reply_clear (&reply);

  return response;
}

static DailiesDemoServer *
start_server (void)
{
  g_autoptr(GError) error = NULL;
  DailiesDemoServer *server = dailies_demo_server_new ();

  g_assert_true (dailies_demo_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (dailies_demo_server_get_base_url (server), "http://127.0.0.1:"));
  g_assert_cmpstr (dailies_demo_server_get_base_url (server), !=, dailies_demo_server_get_cdn_url (server));

  return server;
}

/* Walks one task through its timeline and sees every documented status. */
static void
test_lifecycle (void)
{
  g_autoptr(DailiesDemoServer) server = start_server ();
  DailiesTaskStatus seen[8] = { 0 };
  guint n_seen = 0;
  guint finish = dailies_demo_server_get_finish_offset (server, SUCCESS_ID);

  g_assert_cmpuint (finish, >, 0);
  g_assert_cmpuint (finish, <=, 60);

  for (guint t = 0; t <= finish; t++)
    {
      g_autoptr(DailiesTaskResponse) r = query (server, SUCCESS_ID);

      g_assert_cmpstr (r->task_id, ==, SUCCESS_ID);
      if (n_seen == 0 || seen[n_seen - 1] != r->status)
        seen[n_seen++] = r->status;

      if (r->status == DAILIES_TASK_STATUS_NOT_START || r->status == DAILIES_TASK_STATUS_QUEUED)
        g_assert_cmpint (r->start_time, ==, 0);
      if (r->status == DAILIES_TASK_STATUS_IN_PROGRESS)
        {
          g_assert_cmpint (r->start_time, >, 0);
          g_assert_true (r->progress == 50 || r->progress == 75);
        }

      dailies_demo_server_advance (server, 1);
    }

  g_assert_cmpuint (n_seen, ==, 4);
  g_assert_cmpint (seen[0], ==, DAILIES_TASK_STATUS_NOT_START);
  g_assert_cmpint (seen[1], ==, DAILIES_TASK_STATUS_QUEUED);
  g_assert_cmpint (seen[2], ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpint (seen[3], ==, DAILIES_TASK_STATUS_SUCCESS);
}

static void
test_final_states (void)
{
  g_autoptr(DailiesDemoServer) server = start_server ();
  g_autoptr(DailiesTaskResponse) success = NULL;
  g_autoptr(DailiesTaskResponse) failure = NULL;
  g_autoptr(DailiesTaskResponse) ultra = NULL;
  g_autoptr(DailiesTaskResponse) other = NULL;

  dailies_demo_server_advance (server, 120);

  success = query (server, SUCCESS_ID);
  g_assert_cmpint (success->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpint (success->progress, ==, 100);
  g_assert_nonnull (success->result_url);
  g_assert_true (g_str_has_prefix (success->result_url, dailies_demo_server_get_cdn_url (server)));
  /* The quirk: fail_reason repeats the URL on success and is not a reason. */
  g_assert_null (success->fail_reason);
  g_assert_cmpint (success->finish_time, >=, success->start_time);

  failure = query (server, FAILURE_ID);
  g_assert_cmpint (failure->status, ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpstr (failure->fail_reason, ==,
                   "The request failed because the input text may contain sensitive information.");
  g_assert_null (failure->result_url);
  g_assert_cmpstr (failure->upstream_error_code, ==, "InputTextSensitiveContentDetected");

  ultra = query (server, ULTRA_ID);
  g_assert_cmpint (ultra->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (ultra->resolution, ==, "720p");
  g_assert_cmpstr (ultra->upstream_resolution, ==, "480p");
  g_assert_nonnull (ultra->original_result_url);
  g_assert_cmpint (ultra->billed_tokens, ==, 245025);

  other = query (server, OTHER_ID);
  g_assert_cmpint (other->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_nonnull (other->video_url);
  g_assert_cmpstr (other->resolution, ==, "720p");
}

/* The shapes new-api passes on from the model's service, each in a demo
 * task of its own. */
static void
test_new_shapes (void)
{
  g_autoptr(DailiesDemoServer) server = start_server ();
  g_autoptr(DailiesTaskResponse) cancelled = NULL;
  g_autoptr(DailiesTaskResponse) generic = NULL;
  g_autoptr(DailiesTaskResponse) last_frame = NULL;
  g_autoptr(DailiesTaskResponse) mov = NULL;
  g_autofree char *unsigned_frame = NULL;
  Reply reply;

  /* Within the demo's minute, and still stuck a day after. */
  g_assert_cmpuint (dailies_demo_server_get_finish_offset (server, GENERIC_ID), <=, 60);
  g_assert_cmpuint (dailies_demo_server_get_finish_offset (server, LAST_FRAME_ID), <=, 60);
  g_assert_cmpuint (dailies_demo_server_get_finish_offset (server, MOV_ID), <=, 60);
  dailies_demo_server_advance (server, 24 * 60 * 60);

  /* Cancelled by the model's service while the gateway says 30%. */
  cancelled = query (server, CANCELLED_ID);
  g_assert_cmpint (cancelled->status, ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpint (cancelled->progress, ==, 30);
  g_assert_cmpstr (cancelled->upstream_status, ==, "cancelled");
  g_assert_nonnull (cancelled->upstream_problem);
  g_assert_null (cancelled->result_url);

  /* "task failed", completed from the model's own error. */
  generic = query (server, GENERIC_ID);
  g_assert_cmpint (generic->status, ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_nonnull (generic->fail_reason);
  g_assert_nonnull (strstr (generic->fail_reason, "The video could not be rendered in time."));
  g_assert_cmpstr (generic->upstream_error_code, ==, "OutputVideoRenderTimeout");

  /* A last frame, signed like the video and served as a PNG. */
  last_frame = query (server, LAST_FRAME_ID);
  g_assert_cmpint (last_frame->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_nonnull (last_frame->last_frame_url);
  g_assert_true (g_str_has_prefix (last_frame->last_frame_url, dailies_demo_server_get_cdn_url (server)));
  g_assert_nonnull (strstr (last_frame->last_frame_url, "X-Tos-Signature="));
  fetch (last_frame->last_frame_url, NULL, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.content_type, ==, "image/png");
  g_assert_cmpuint (g_bytes_get_size (reply.body), >, 8);
  g_assert_cmpmem (g_bytes_get_data (reply.body, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
  reply_clear (&reply);
  unsigned_frame = g_strndup (last_frame->last_frame_url, strchr (last_frame->last_frame_url, '?') - last_frame->last_frame_url);
  fetch (unsigned_frame, NULL, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 403);
  reply_clear (&reply);
  {
    /* Only that task has one. */
    g_autoptr(DailiesTaskResponse) plain = query (server, SUCCESS_ID);
    g_assert_null (plain->last_frame_url);
  }

  /* output_format "mov": a real QuickTime file, named and typed so. */
  mov = query (server, MOV_ID);
  g_assert_cmpint (mov->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (mov->output_format, ==, "mov");
  g_assert_nonnull (strstr (mov->result_url, ".mov?"));
  fetch (mov->result_url, NULL, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.content_type, ==, "video/quicktime");
  g_assert_cmpuint (g_bytes_get_size (reply.body), >, 12);
  /* The QuickTime brand, not mp4's. */
  g_assert_cmpmem ((const char *) g_bytes_get_data (reply.body, NULL) + 4, 8, "ftypqt  ", 8);
  g_assert_false (g_bytes_equal (reply.body, dailies_demo_server_get_video (server)));
  reply_clear (&reply);
}

static void
test_errors (void)
{
  g_autoptr(DailiesDemoServer) server = start_server ();
  const char *base = dailies_demo_server_get_base_url (server);
  g_autofree char *known = g_strdup_printf ("%s/v1/video/generations/%s", base, SUCCESS_ID);
  g_autofree char *unknown = g_strdup_printf ("%s/v1/video/generations/asyntask_NoSuchTask0000", base);
  g_autofree char *message = NULL;
  Reply reply;

  fetch (known, NULL, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 401);
  message = dailies_task_response_error_message (g_bytes_get_data (reply.body, NULL), g_bytes_get_size (reply.body));
  g_assert_cmpstr (message, ==, "Invalid API key provided.");
  reply_clear (&reply);

  dailies_demo_server_set_api_key (server, "right");
  fetch (known, "wrong", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 401);
  reply_clear (&reply);
  fetch (known, "right", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  reply_clear (&reply);

  fetch (unknown, "right", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 404);
  reply_clear (&reply);

  g_assert_cmpuint (dailies_demo_server_get_n_api_requests (server), ==, 4);
}

static void
test_video_range (void)
{
  g_autoptr(DailiesDemoServer) server = start_server ();
  g_autoptr(DailiesTaskResponse) success = NULL;
  GBytes *video = dailies_demo_server_get_video (server);
  gsize total = g_bytes_get_size (video);
  g_autofree char *expected_range = NULL;
  g_autofree char *unsigned_url = NULL;
  Reply reply;

  dailies_demo_server_advance (server, 120);
  success = query (server, SUCCESS_ID);

  /* Real media: an MP4 starts with an ftyp box. */
  g_assert_cmpuint (total, >, 10000);
  g_assert_cmpmem ((const char *) g_bytes_get_data (video, NULL) + 4, 4, "ftyp", 4);

  fetch (success->result_url, NULL, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_true (g_bytes_equal (reply.body, video));
  reply_clear (&reply);

  fetch (success->result_url, NULL, "bytes=100-199", &reply);
  g_assert_cmpuint (reply.status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (reply.body), ==, 100);
  g_assert_cmpmem (g_bytes_get_data (reply.body, NULL), 100, (const char *) g_bytes_get_data (video, NULL) + 100, 100);
  expected_range = g_strdup_printf ("bytes 100-199/%" G_GSIZE_FORMAT, total);
  g_assert_cmpstr (reply.content_range, ==, expected_range);
  reply_clear (&reply);

  fetch (success->result_url, NULL, "bytes=100-", &reply);
  g_assert_cmpuint (reply.status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (reply.body), ==, total - 100);
  reply_clear (&reply);

  /* A link without its signature, or after expiry, is refused like a CDN does. */
  unsigned_url = g_strndup (success->result_url, strchr (success->result_url, '?') - success->result_url);
  fetch (unsigned_url, NULL, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 403);
  reply_clear (&reply);

  dailies_demo_server_expire_links (server);
  fetch (success->result_url, NULL, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 403);
  reply_clear (&reply);

  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (server), ==, 5);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (server), ==, 0);

  fetch (success->result_url, "key", NULL, &reply);
  reply_clear (&reply);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (server), ==, 1);
}

static guint
fetch_status (const char *url)
{
  Reply reply;
  guint status;

  fetch (url, NULL, NULL, &reply);
  status = reply.status;
  reply_clear (&reply);

  return status;
}

/* Links are signed like the object store's, lapse by the server's clock
 * 24 h after the task finished, and renewed ones differ from the old. */
static void
test_signed_links (void)
{
  g_autoptr(DailiesDemoServer) server = start_server ();
  g_autoptr(DailiesTaskResponse) first = NULL;
  g_autoptr(DailiesTaskResponse) again = NULL;
  g_autoptr(DailiesTaskResponse) renewed = NULL;
  gint64 expires_at = 0;

  dailies_demo_server_advance (server, 120);
  first = query (server, SUCCESS_ID);
  g_assert_nonnull (strstr (first->result_url, "X-Tos-Date="));
  g_assert_nonnull (strstr (first->result_url, "X-Tos-Signature="));
  g_assert_true (dailies_link_parse_expiry (first->result_url, &expires_at));
  g_assert_cmpint (expires_at, ==, first->finish_time + 24 * 60 * 60);
  g_assert_cmpuint (fetch_status (first->result_url), ==, 200);

  /* Asked again, the same link, as the real gateway does. */
  again = query (server, SUCCESS_ID);
  g_assert_cmpstr (again->result_url, ==, first->result_url);
  g_clear_pointer (&again, dailies_task_response_free);

  /* A day later by the server's clock the signature has lapsed. */
  dailies_demo_server_advance (server, 24 * 60 * 60);
  g_assert_cmpuint (fetch_status (first->result_url), ==, 403);

  /* Revoked and renewed: another link that works, the old one refused. */
  dailies_demo_server_expire_links (server);
  dailies_demo_server_renew_links (server);
  renewed = query (server, SUCCESS_ID);
  g_assert_cmpstr (renewed->result_url, !=, first->result_url);
  g_assert_cmpint (renewed->finish_time, ==, first->finish_time);
  g_assert_cmpuint (fetch_status (renewed->result_url), ==, 200);
  g_assert_cmpuint (fetch_status (first->result_url), ==, 403);
}

/* A server that signs each answer afresh, for a task finished days ago. */
static void
test_resigned_links (void)
{
  g_autoptr(DailiesDemoServer) server = start_server ();
  g_autoptr(DailiesTaskResponse) old = NULL;
  g_autoptr(DailiesTaskResponse) fresh = NULL;
  const char *id = "asyntask_AnyOldTask0000000001";
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 expires_at = 0;

  dailies_demo_server_set_answer_any (server, TRUE);
  dailies_demo_server_set_any_finished_ago (server, 3 * 24 * 60 * 60);

  /* Signed once, when it finished: lapsed days ago. */
  old = query (server, id);
  g_assert_cmpint (old->finish_time, <=, now - 3 * 24 * 60 * 60 + 5);
  g_assert_true (dailies_link_parse_expiry (old->result_url, &expires_at));
  g_assert_cmpint (expires_at, <, now);
  g_assert_cmpuint (fetch_status (old->result_url), ==, 403);

  dailies_demo_server_set_resign_links (server, TRUE);
  fresh = query (server, id);
  g_assert_cmpint (fresh->finish_time, ==, old->finish_time);
  g_assert_true (dailies_link_parse_expiry (fresh->result_url, &expires_at));
  g_assert_cmpint (expires_at, >=, now + 24 * 60 * 60 - 5);
  g_assert_cmpuint (fetch_status (fresh->result_url), ==, 200);

  /* sign_link gives the same kind of link. */
  {
    g_autofree char *signed_url = dailies_demo_server_sign_link (server, id);
    g_assert_true (dailies_link_parse_expiry (signed_url, &expires_at));
    g_assert_cmpuint (fetch_status (signed_url), ==, 200);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/demo-server/lifecycle", test_lifecycle);
  g_test_add_func ("/dailies/demo-server/final-states", test_final_states);
  g_test_add_func ("/dailies/demo-server/new-shapes", test_new_shapes);
  g_test_add_func ("/dailies/demo-server/errors", test_errors);
  g_test_add_func ("/dailies/demo-server/video-range", test_video_range);
  g_test_add_func ("/dailies/demo-server/signed-links", test_signed_links);
  g_test_add_func ("/dailies/demo-server/resigned-links", test_resigned_links);

  return g_test_run ();
}
