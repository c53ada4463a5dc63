/* test-api-client.c
 *
 * DailiesApiClient against real SoupServers on 127.0.0.1, in the test's
 * own main context: every status, body shape and transport failure the
 * client has to turn into a result or a DAILIES_API_ERROR.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "dailies-api-client.h"
#include "dailies-test-utils.h"

#define TEST_KEY  "sk-test-SECRET-never-in-logs-4711"
#define TASK_ID   "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E"
#define WAIT_MS   10000
/* The documented answer for an ID the service does not know. */
#define NOT_FOUND_BODY \
  "{\"error\":{\"message\":\"task not found\",\"type\":\"invalid_request_error\",\"code\":\"task_not_found\"}}"

/* ------------------------------------------------------------------ */
/* Every log line, debug included, to prove the key never shows up     */
/* ------------------------------------------------------------------ */

static GPtrArray   *log_lines;
static gboolean     forward_debug;
static GLogFunc     test_log_handler;  /* GTest's, chained to */

static GLogWriterOutput
record_writer (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  char *message = dailies_test_log_message (fields, n_fields);

  if (message != NULL)
    g_ptr_array_add (log_lines, message);

  /* Debug lines are only recorded, unless asked for: TAP owns stdout. */
  if ((log_level & G_LOG_LEVEL_DEBUG) != 0 && !forward_debug)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* Unstructured messages (GLib, GIO, libsoup) go through the default handler. */
static void
record_handler (const char     *log_domain,
                GLogLevelFlags  log_level,
                const char     *message,
                gpointer        user_data)
{
  g_ptr_array_add (log_lines, g_strdup (message));
  test_log_handler (log_domain, log_level, message, NULL);
}

static void
assert_key_never_logged (void)
{
  for (guint i = 0; i < log_lines->len; i++)
    {
      const char *line = g_ptr_array_index (log_lines, i);

      if (strstr (line, TEST_KEY) != NULL)
        g_error ("the API key reached log line %u", i);
    }
}

static gboolean
log_has_line_containing (const char *needle)
{
  for (guint i = 0; i < log_lines->len; i++)
    {
      if (strstr (g_ptr_array_index (log_lines, i), needle) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* ------------------------------------------------------------------ */
/* A scripted API server                                               */
/* ------------------------------------------------------------------ */

typedef enum
{
  REPLY_BODY,      /* status + body (+ headers) */
  REPLY_CHUNKED,   /* status 200, body sent chunked: no Content-Length */
  REPLY_HANG,      /* never answer */
} ReplyKind;

typedef struct
{
  SoupServer *server;
  char       *base_url;

  /* What every request gets. */
  ReplyKind   kind;
  guint       status;
  const char *content_type;
  GBytes     *body;
  char       *retry_after;
  char       *location;
  char       *request_id;         /* X-Oneapi-Request-Id on every answer */
  char       *redirect_path;      /* a request for this path gets a 308 … */
  char       *redirect_location;  /* … to here */

  /* What came in. */
  guint       n_requests;
  char       *last_path;
  char       *last_query;
  char       *last_authorization;
  char       *last_user_agent;
  char       *last_accept;
} TestServer;

static void
server_cb (SoupServer        *soup_server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  TestServer *server = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);

  server->n_requests++;
  g_free (server->last_path);
  server->last_path = g_strdup (g_uri_get_path (uri));
  g_free (server->last_query);
  server->last_query = g_strdup (g_uri_get_query (uri));
  g_free (server->last_authorization);
  server->last_authorization = g_strdup (soup_message_headers_get_one (request_headers, "Authorization"));
  g_free (server->last_user_agent);
  server->last_user_agent = g_strdup (soup_message_headers_get_one (request_headers, "User-Agent"));
  g_free (server->last_accept);
  server->last_accept = g_strdup (soup_message_headers_get_one (request_headers, "Accept"));

  if (server->request_id != NULL)
    soup_message_headers_replace (response_headers, "X-Oneapi-Request-Id", server->request_id);

  if (server->redirect_path != NULL && g_str_equal (g_uri_get_path (uri), server->redirect_path))
    {
      soup_server_message_set_status (msg, 308, NULL);
      soup_message_headers_replace (response_headers, "Location", server->redirect_location);
      return;
    }

  switch (server->kind)
    {
    case REPLY_HANG:
      soup_server_message_pause (msg);
      return;

    case REPLY_CHUNKED:
      {
        SoupMessageBody *body = soup_server_message_get_response_body (msg);
        gsize size = server->body != NULL ? g_bytes_get_size (server->body) : 0;
        const guint8 *data = server->body != NULL ? g_bytes_get_data (server->body, NULL) : NULL;

        soup_server_message_set_status (msg, server->status, NULL);
        soup_message_headers_set_encoding (response_headers, SOUP_ENCODING_CHUNKED);
        soup_message_headers_replace (response_headers, "Content-Type", server->content_type);
        for (gsize offset = 0; offset < size; offset += 64 * 1024)
          soup_message_body_append (body, SOUP_MEMORY_COPY, data + offset, MIN (64 * 1024, size - offset));
        soup_message_body_complete (body);
      }
      return;

    case REPLY_BODY:
    default:
      soup_server_message_set_status (msg, server->status, NULL);
      if (server->retry_after != NULL)
        soup_message_headers_replace (response_headers, "Retry-After", server->retry_after);
      if (server->location != NULL)
        soup_message_headers_replace (response_headers, "Location", server->location);
      if (server->body != NULL)
        soup_server_message_set_response (msg, server->content_type, SOUP_MEMORY_COPY,
                                          g_bytes_get_data (server->body, NULL),
                                          g_bytes_get_size (server->body));
      return;
    }
}

static TestServer *
test_server_new (void)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  g_autofree char *url = NULL;

  server->server = soup_server_new ("server-header", "dailies-test ", NULL);
  soup_server_add_handler (server->server, NULL, server_cb, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* "http://127.0.0.1:PORT/" → without the slash, like a configured base. */
  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  server->base_url = g_steal_pointer (&url);

  server->kind = REPLY_BODY;
  server->status = 200;
  server->content_type = "application/json";

  return server;
}

static void
test_server_reply (TestServer *server,
                   guint       status,
                   const char *content_type,
                   const char *body)
{
  server->kind = REPLY_BODY;
  server->status = status;
  server->content_type = content_type;
  g_clear_pointer (&server->body, g_bytes_unref);
  if (body != NULL)
    server->body = g_bytes_new (body, strlen (body));
  g_clear_pointer (&server->retry_after, g_free);
  g_clear_pointer (&server->location, g_free);
}

static void
test_server_free (TestServer *server)
{
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_clear_pointer (&server->body, g_bytes_unref);
  g_free (server->retry_after);
  g_free (server->location);
  g_free (server->request_id);
  g_free (server->redirect_path);
  g_free (server->redirect_location);
  g_free (server->base_url);
  g_free (server->last_path);
  g_free (server->last_query);
  g_free (server->last_authorization);
  g_free (server->last_user_agent);
  g_free (server->last_accept);
  g_free (server);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  TestServer       *server;
  DailiesApiClient *client;
} Fixture;

typedef struct
{
  gboolean          done;
  DailiesApiResult *result;
  GError           *error;
} Fetch;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->server = test_server_new ();
  f->client = dailies_api_client_new (f->server->base_url);
  dailies_api_client_set_api_key (f->client, TEST_KEY);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  assert_key_never_logged ();
  g_assert_finalize_object (f->client);
  test_server_free (f->server);
}

static void
fetch_clear (Fetch *fetch)
{
  g_clear_pointer (&fetch->result, dailies_api_result_free);
  g_clear_error (&fetch->error);
  fetch->done = FALSE;
}

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fetch *fetch = user_data;

  g_assert_false (fetch->done);
  fetch->result = dailies_api_client_fetch_task_finish (DAILIES_API_CLIENT (object), result, &fetch->error);
  fetch->done = TRUE;
}

static void
fetch_start (DailiesApiClient *client,
             const char       *task_id,
             GCancellable     *cancellable,
             Fetch            *fetch)
{
  fetch_clear (fetch);
  dailies_api_client_fetch_task_async (client, task_id, cancellable, fetch_cb, fetch);
  /* GIO style: never a callback from inside the _async call. */
  g_assert_false (fetch->done);
}

static void
fetch_wait (Fetch *fetch)
{
  g_assert_true (dailies_test_wait_for_flag (&fetch->done, WAIT_MS));
  g_assert_nonnull (fetch->result);
  if (fetch->error == NULL)
    g_assert_nonnull (fetch->result->response);
  else
    g_assert_null (fetch->result->response);
}

static void
fetch (DailiesApiClient *client,
       const char       *task_id,
       Fetch            *out)
{
  fetch_start (client, task_id, NULL, out);
  fetch_wait (out);
}

static void
usage_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fetch *fetch = user_data;

  g_assert_false (fetch->done);
  fetch->result = dailies_api_client_fetch_usage_finish (DAILIES_API_CLIENT (object), result, &fetch->error);
  fetch->done = TRUE;
}

static void
models_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fetch *fetch = user_data;

  g_assert_false (fetch->done);
  fetch->result = dailies_api_client_list_models_finish (DAILIES_API_CLIENT (object), result, &fetch->error);
  fetch->done = TRUE;
}

static void
fetch_wait_any (Fetch *fetch)
{
  g_assert_true (dailies_test_wait_for_flag (&fetch->done, WAIT_MS));
  g_assert_nonnull (fetch->result);
}

static char *
task_body (const char *task_id,
           const char *status)
{
  return g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{"
                          "\"task_id\":\"%s\",\"action\":\"generate\",\"status\":\"%s\","
                          "\"fail_reason\":\"\",\"submit_time\":1777288506,\"start_time\":0,"
                          "\"finish_time\":0,\"progress\":\"0%%\",\"request_id\":\"req-1\",\"data\":{}}}",
                          task_id, status);
}

/* ------------------------------------------------------------------ */
/* Success                                                             */
/* ------------------------------------------------------------------ */

static const char *success_bodies[][2] = {
  { TASK_ID,
    "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"" TASK_ID "\",\"action\":\"generate\","
    "\"status\":\"SUCCESS\",\"result_url\":\"https://cdn.example/v.mp4?Expires=1&Signature=abc\","
    "\"fail_reason\":\"https://cdn.example/v.mp4?Expires=1&Signature=abc\",\"submit_time\":1777288506,"
    "\"start_time\":1777288508,\"finish_time\":1777288800,\"progress\":\"100%\",\"request_id\":\"r1\","
    "\"data\":{\"content\":{\"video_url\":\"https://cdn.example/v.mp4\"},\"id\":\"cgt-20260427191505-9j2q7\","
    "\"model\":\"doubao-seedance-2-0-260128\",\"status\":\"succeeded\"}}}" },
  { "asyntask_Fa1ledM0derat10nAbCdEfGhIjKlMnOpQ",
    "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"asyntask_Fa1ledM0derat10nAbCdEfGhIjKlMnOpQ\","
    "\"action\":\"generate\",\"status\":\"FAILURE\",\"fail_reason\":\"The input text may contain sensitive information.\","
    "\"submit_time\":1777288506,\"start_time\":1777288508,\"finish_time\":1777288530,\"progress\":\"100%\","
    "\"request_id\":\"r2\",\"data\":{\"status\":\"failed\",\"error\":{\"code\":\"InputTextSensitiveContentDetected\"}}}}" },
  { "asyntask_Qu3uedWa1t1ngAbCdEfGhIjKlMnOpQrSt",
    "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"asyntask_Qu3uedWa1t1ngAbCdEfGhIjKlMnOpQrSt\","
    "\"action\":\"firstTailGenerate\",\"status\":\"QUEUED\",\"fail_reason\":\"\",\"submit_time\":1777288506,"
    "\"start_time\":0,\"finish_time\":0,\"progress\":\"0%\",\"request_id\":\"r3\",\"data\":{}}}" },
  { "cgt-20260427191505-9j2q7",
    "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"cgt-20260427191505-9j2q7\",\"action\":\"generate\","
    "\"status\":\"IN_PROGRESS\",\"fail_reason\":\"\",\"submit_time\":1777343862,\"start_time\":1777343866,"
    "\"finish_time\":0,\"progress\":\"50%\",\"request_id\":\"r4\","
    "\"data\":{\"output\":{\"task_id\":\"e45a6a1b\",\"task_status\":\"RUNNING\"},\"usage\":{\"SR\":720}}}}" },
};

static void
test_success (Fixture       *f,
              gconstpointer  data)
{
  Fetch out = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (success_bodies); i++)
    {
      const char *task_id = success_bodies[i][0];
      const char *body = success_bodies[i][1];
      g_autofree char *expected_path = g_strconcat ("/v1/video/generations/", task_id, NULL);

      test_server_reply (f->server, 200, "application/json", body);
      fetch (f->client, task_id, &out);

      g_assert_no_error (out.error);
      g_assert_cmpstr (out.result->response->task_id, ==, task_id);
      g_assert_cmpstr (out.result->raw_json, ==, body);
      g_assert_cmpuint (out.result->http_status, ==, 200);
      g_assert_cmpint (out.result->retry_after_s, ==, -1);

      g_assert_cmpuint (f->server->n_requests, ==, i + 1);
      g_assert_cmpstr (f->server->last_path, ==, expected_path);
      g_assert_null (f->server->last_query);
      g_assert_cmpstr (f->server->last_authorization, ==, "Bearer " TEST_KEY);
      g_assert_cmpstr (f->server->last_user_agent, ==, "Dailies/" PACKAGE_VERSION);
      g_assert_cmpstr (f->server->last_accept, ==, "application/json");
    }

  fetch_clear (&out);
}

/* Handed the hash and length of the body before, a byte-identical body is
 * reported unchanged and not parsed; any other byte is a new answer. */
static void
test_unchanged_body (Fixture       *f,
                     gconstpointer  data)
{
  const char *body = success_bodies[0][1];
  g_autofree char *changed = g_strdup (body);
  guint64 hash;
  gsize length;
  Fetch out = { 0 };

  test_server_reply (f->server, 200, "application/json", body);
  fetch (f->client, TASK_ID, &out);
  g_assert_no_error (out.error);
  g_assert_false (out.result->unchanged);
  g_assert_cmpuint (out.result->body_length, ==, strlen (body));
  g_assert_cmpuint (out.result->body_hash, ==, dailies_api_body_hash (body, strlen (body)));
  hash = out.result->body_hash;
  length = out.result->body_length;

  /* The same bytes: success, nothing parsed or kept. */
  fetch_clear (&out);
  dailies_api_client_fetch_task_if_changed_async (f->client, TASK_ID, hash, length, NULL, fetch_cb, &out);
  g_assert_true (dailies_test_wait_for_flag (&out.done, WAIT_MS));
  g_assert_no_error (out.error);
  g_assert_true (out.result->unchanged);
  g_assert_null (out.result->response);
  g_assert_null (out.result->raw_json);

  /* One byte differs, the length does not: parsed. */
  *strstr (changed, "SUCCESS") = 's';
  test_server_reply (f->server, 200, "application/json", changed);
  fetch_clear (&out);
  dailies_api_client_fetch_task_if_changed_async (f->client, TASK_ID, hash, length, NULL, fetch_cb, &out);
  fetch_wait (&out);
  g_assert_no_error (out.error);
  g_assert_false (out.result->unchanged);
  g_assert_cmpstr (out.result->raw_json, ==, changed);
  g_assert_cmpuint (out.result->body_hash, !=, hash);

  fetch_clear (&out);
}

/* Whatever fixtures the parser's tests use: the client must agree with the
 * parser on each, served as a 200 body. */
static void
test_fixtures (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n_fixtures = 0;
  Fetch out = { 0 };

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(DailiesTaskResponse) expected = NULL;
      g_autoptr(GError) parse_error = NULL;
      g_autofree char *body = NULL;
      gsize size;

      if (!g_str_has_prefix (name, "response-") || !g_str_has_suffix (name, ".json"))
        continue;

      bytes = dailies_test_load_fixture (name);
      size = g_bytes_get_size (bytes);
      body = g_strndup (g_bytes_get_data (bytes, NULL), size);
      expected = dailies_task_response_parse (body, size, &parse_error);

      g_test_message ("fixture %s", name);
      test_server_reply (f->server, 200, "application/json", NULL);
      f->server->body = g_bytes_ref (bytes);
      /* Asked about the task the fixture is about, as the poller would. */
      fetch (f->client, expected != NULL ? expected->task_id : TASK_ID, &out);
      g_assert_cmpuint (out.result->http_status, ==, 200);

      if (expected != NULL)
        {
          g_assert_no_error (out.error);
          g_assert_cmpstr (out.result->response->task_id, ==, expected->task_id);
          g_assert_cmpint (out.result->response->status, ==, expected->status);
          if (g_utf8_validate_len (body, size, NULL))
            g_assert_cmpstr (out.result->raw_json, ==, body);
        }
      else if (size <= DAILIES_TASK_RESPONSE_MAX_BODY)
        {
          g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
          g_assert_cmpstr (out.error->message, ==, parse_error->message);
        }
      else
        {
          g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
        }

      n_fixtures++;
    }

  fetch_clear (&out);

  if (n_fixtures == 0)
    g_test_skip ("no tests/data/response-*.json fixtures yet");
}

static void
test_parallel (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *body = task_body (TASK_ID, "IN_PROGRESS");
  Fetch out[4] = { { 0 } };

  test_server_reply (f->server, 200, "application/json", body);

  for (guint i = 0; i < G_N_ELEMENTS (out); i++)
    fetch_start (f->client, TASK_ID, NULL, &out[i]);
  for (guint i = 0; i < G_N_ELEMENTS (out); i++)
    {
      fetch_wait (&out[i]);
      g_assert_no_error (out[i].error);
      g_assert_cmpstr (out[i].result->response->task_id, ==, TASK_ID);
      fetch_clear (&out[i]);
    }

  g_assert_cmpuint (f->server->n_requests, ==, G_N_ELEMENTS (out));
}

/* ------------------------------------------------------------------ */
/* HTTP errors                                                         */
/* ------------------------------------------------------------------ */

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  const char *body = "{ \"error\": { \"message\": \"Invalid API key provided.\", "
                     "\"type\": \"authentication_error\", \"code\": \"invalid_api_key\" } }";
  Fetch out = { 0 };

  test_server_reply (f->server, 401, "application/json", body);
  fetch (f->client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (out.error->message, ==, "HTTP 401: Invalid API key provided.");
  g_assert_cmpuint (out.result->http_status, ==, 401);
  g_assert_cmpint (out.result->retry_after_s, ==, -1);
  g_assert_cmpstr (out.result->raw_json, ==, body);
  g_assert_cmpstr (f->server->last_authorization, ==, "Bearer " TEST_KEY);

  fetch_clear (&out);
}

static void
key_rejected_notify_cb (GObject    *object,
                        GParamSpec *pspec,
                        guint      *n_notifies)
{
  (*n_notifies)++;
}

/* new-api says 401 for an invalid, expired, disabled or exhausted key,
 * with a localised message: the status decides, and the key is not sent
 * with a task request again until a key is set. */
static void
test_rejected_key_not_sent_again (Fixture       *f,
                                  gconstpointer  data)
{
  const char *body = "{\"error\":{\"message\":\"无效的令牌 (request id: 20261202041503123)\","
                     "\"type\":\"new_api_error\",\"code\":\"\"}}";
  g_autofree char *queued = NULL;
  guint n_notifies = 0;
  Fetch out = { 0 };

  g_signal_connect (f->client, "notify::key-rejected", G_CALLBACK (key_rejected_notify_cb), &n_notifies);
  test_server_reply (f->server, 401, "application/json", body);
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED);
  g_assert_true (g_str_has_prefix (out.error->message, "HTTP 401: 无效的令牌"));
  g_assert_true (dailies_api_client_get_key_rejected (f->client));
  g_assert_cmpuint (n_notifies, ==, 1);
  g_assert_cmpuint (f->server->n_requests, ==, 1);

  /* Asked again (a timer, Check Again): refused here, nothing sent. */
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_KEY_REJECTED);
  g_assert_cmpuint (out.result->http_status, ==, 0);
  g_assert_cmpuint (f->server->n_requests, ==, 1);

  /* The usage query still goes out with it: it answers for spent keys. */
  test_server_reply (f->server, 200, "application/json",
                     "{\"code\":true,\"message\":\"ok\",\"data\":{\"object\":\"token_usage\",\"name\":\"ci\","
                     "\"total_granted\":500000,\"total_used\":500000,\"total_available\":0,"
                     "\"unlimited_quota\":false,\"model_limits\":{},\"model_limits_enabled\":false,\"expires_at\":0}}");
  fetch_clear (&out);
  dailies_api_client_fetch_usage_async (f->client, NULL, usage_cb, &out);
  fetch_wait_any (&out);
  g_assert_no_error (out.error);
  g_assert_cmpuint (f->server->n_requests, ==, 2);
  g_assert_cmpstr (f->server->last_path, ==, "/api/usage/token/");
  g_assert_cmpstr (f->server->last_authorization, ==, "Bearer " TEST_KEY);
  g_assert_cmpint (out.result->quota_granted, ==, 500000);
  g_assert_cmpint (out.result->quota_used, ==, 500000);
  g_assert_cmpint (out.result->quota_available, ==, 0);
  g_assert_false (out.result->quota_unlimited);

  /* Setting a key, even the same one topped up, lets it out again. */
  queued = task_body (TASK_ID, "QUEUED");
  test_server_reply (f->server, 200, "application/json", queued);
  dailies_api_client_set_api_key (f->client, TEST_KEY);
  g_assert_false (dailies_api_client_get_key_rejected (f->client));
  g_assert_cmpuint (n_notifies, ==, 2);
  fetch (f->client, TASK_ID, &out);
  g_assert_no_error (out.error);
  g_assert_cmpuint (f->server->n_requests, ==, 3);

  fetch_clear (&out);
}

/* A 401 that answers a request made with the old key does not reject the
 * new one. */
static void
test_late_401_spares_new_key (Fixture       *f,
                              gconstpointer  data)
{
  Fetch out = { 0 };

  test_server_reply (f->server, 401, "application/json", "{\"error\":{\"type\":\"new_api_error\"}}");
  fetch_start (f->client, TASK_ID, NULL, &out);
  dailies_api_client_set_api_key (f->client, "sk-another-key");
  fetch_wait (&out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED);
  g_assert_false (dailies_api_client_get_key_rejected (f->client));

  fetch_clear (&out);
}

/* A service that quotes the key back must not get it into messages. */
static void
test_unauthorized_echoes_key (Fixture       *f,
                              gconstpointer  data)
{
  const char *body = "{\"error\":{\"message\":\"Incorrect API key provided: " TEST_KEY ".\"}}";
  Fetch out = { 0 };

  test_server_reply (f->server, 401, "application/json", body);
  fetch (f->client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED);
  g_assert_null (strstr (out.error->message, TEST_KEY));
  g_assert_cmpstr (out.error->message, ==, "HTTP 401: Incorrect API key provided: ***.");
  g_assert_nonnull (out.result->raw_json);
  g_assert_null (strstr (out.result->raw_json, TEST_KEY));
  g_debug ("test: the client said: %s", out.error->message);

  fetch_clear (&out);
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  Fetch out = { 0 };

  test_server_reply (f->server, 404, "application/json",
                     "{ \"error\": { \"message\": \"task not found\", \"type\": \"invalid_request_error\", "
                     "\"code\": \"task_not_found\" } }");
  fetch (f->client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND);
  g_assert_cmpstr (out.error->message, ==, "HTTP 404: task not found");
  g_assert_cmpuint (out.result->http_status, ==, 404);

  fetch_clear (&out);
}

/* A 404 is a task's Not found only in the API's words. A web page, an
 * empty answer, or new-api's answer for a path it has no route for (a
 * base ending in "/api") say the address is wrong: every task would
 * otherwise be marked Not found and never asked again. */
static void
test_not_found_only_from_the_api (Fixture       *f,
                                  gconstpointer  data)
{
  const struct {
    const char *content_type;
    const char *body;
  } wrong_address[] = {
    { "text/html", "<html><body><h1>404 Not Found</h1><hr>nginx</body></html>" },
    { "text/plain", "" },
    { "application/json",
      "{\"error\":{\"message\":\"Invalid URL (GET /api/v1/video/generations/" TASK_ID ")\","
      "\"type\":\"invalid_request_error\",\"param\":\"\",\"code\":\"\"}}" },
    { "application/json", "[\"not\", \"an\", \"object\"]" },
    { "application/json", "{}" },
    { "application/json", "{\"detail\":\"Not Found\"}" },
    { "application/json", "{\"status\":404,\"error\":\"Not Found\",\"path\":\"/api/v1/video/generations\"}" },
    { "application/json", "{\"message\":\"no Route matched with those values\"}" },
  };
  Fetch out = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (wrong_address); i++)
    {
      test_server_reply (f->server, 404, wrong_address[i].content_type, wrong_address[i].body);
      fetch (f->client, TASK_ID, &out);

      g_test_message ("404 with %s", wrong_address[i].body);
      g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NO_API_HERE);
      g_assert_true (g_str_has_prefix (out.error->message, "HTTP 404: "));
      g_assert_nonnull (strstr (out.error->message, "check the API address in Preferences"));
      g_assert_cmpuint (out.result->http_status, ==, 404);
      /* Only a JSON object may be a task's Not found in another shape:
       * never a page, nothing, text, or new-api's "Invalid URL". */
      g_assert_true (out.result->json_object == (wrong_address[i].body[0] == '{' && i != 2));
      g_assert_true (out.result->web_page == (wrong_address[i].body[0] == '<'));
      fetch_clear (&out);
    }

  /* new-api's route answer names the path asked, worth reading. */
  test_server_reply (f->server, 404, wrong_address[2].content_type, wrong_address[2].body);
  fetch (f->client, TASK_ID, &out);
  g_assert_nonnull (strstr (out.error->message, "Invalid URL (GET /api/v1/video/generations/"));
  fetch_clear (&out);

  /* The API's own shapes, even one without a message, stay Not found. */
  {
    const char *api_words[] = {
      NOT_FOUND_BODY,
      "{\"error\":{\"code\":\"task_not_found\"}}",
      "{\"error\":{\"message\":\"no such task\"}}",
      "{\"code\":\"task_not_exist\",\"message\":\"task_not_exist\",\"data\":null}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (api_words); i++)
      {
        test_server_reply (f->server, 404, "application/json", api_words[i]);
        fetch (f->client, TASK_ID, &out);
        g_test_message ("404 with %s", api_words[i]);
        g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND);
        fetch_clear (&out);
      }
  }
}

/* An address whose server answers with its site (new-api serves its
 * pages at every path outside the API's: a base copied from the
 * browser's address bar) has no task API: said so, whether the page says
 * it is HTML or only starts like it. Other unreadable answers stay
 * unreadable; a key the page echoes is masked. */
static void
test_web_page_is_no_api (Fixture       *f,
                         gconstpointer  data)
{
  const struct {
    const char *content_type;
    const char *body;
  } pages[] = {
    { "text/html; charset=utf-8", "<!doctype html><html><head><title>AnyFast</title></head><body>" TEST_KEY "</body></html>" },
    { "application/octet-stream", "\r\n  <!DOCTYPE html><div id=\"root\"></div>" },
    { "application/xhtml+xml", "Not the API" },
    { "text/html", "" },
  };
  Fetch out = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      test_server_reply (f->server, 200, pages[i].content_type, pages[i].body);
      fetch (f->client, TASK_ID, &out);

      g_test_message ("200 with %s", pages[i].body);
      g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NO_API_HERE);
      g_assert_cmpstr (out.error->message, ==,
                       "HTTP 200: a web page. There is no task API at this address: check the API address in Preferences.");
      g_assert_null (out.result->response);
      g_assert_nonnull (out.result->raw_json);
      g_assert_null (strstr (out.result->raw_json, TEST_KEY));
      fetch_clear (&out);
    }

  test_server_reply (f->server, 200, "text/plain", "Service Unavailable");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
  fetch_clear (&out);

  /* JSON said to be HTML is the API's answer, mislabelled. */
  test_server_reply (f->server, 200, "text/html", "{\"code\":\"success\",\"data\":");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
  fetch_clear (&out);

  /* A region's page as the address is asked at the region's root. */
  dailies_api_client_set_base_url (f->client, "https://www.anyfast.ai/console/task?p=1");
  g_assert_cmpstr (dailies_api_client_get_base_url (f->client), ==, "https://www.anyfast.ai");
}

/* A base copied from an OpenAI-style tool ends in "/v1"; one copied from
 * the documentation ends in the endpoint. Either is asked where the
 * API is, not at /v1/v1/…, and a proxy's own path prefix is kept. */
static void
test_base_with_endpoint_path (Fixture       *f,
                              gconstpointer  data)
{
  const struct {
    const char *suffix;
    const char *path;
  } cases[] = {
    { "/v1",                             "/v1/video/generations/" TASK_ID },
    { "/v1/",                            "/v1/video/generations/" TASK_ID },
    { "/v1/video/generations",           "/v1/video/generations/" TASK_ID },
    { "/v1/video/generations/",          "/v1/video/generations/" TASK_ID },
    { "/anyfast/v1",                     "/anyfast/v1/video/generations/" TASK_ID },
    { "/anyfast",                        "/anyfast/v1/video/generations/" TASK_ID },
    { "/v1x",                            "/v1x/v1/video/generations/" TASK_ID },
  };
  Fetch out = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *base = g_strconcat (f->server->base_url, cases[i].suffix, NULL);

      g_test_message ("base %s", base);
      dailies_api_client_set_base_url (f->client, base);
      test_server_reply (f->server, 404, "application/json", "{}");
      fetch (f->client, TASK_ID, &out);
      g_assert_cmpstr (f->server->last_path, ==, cases[i].path);
      fetch_clear (&out);
    }
}

/* new-api's "no such task" (also a task of another account) is a 400. */
static void
test_not_exist_400 (Fixture       *f,
                    gconstpointer  data)
{
  Fetch out = { 0 };

  test_server_reply (f->server, 400, "application/json",
                     "{\"code\":\"task_not_exist\",\"message\":\"task_not_exist\",\"data\":null}");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND);
  g_assert_cmpuint (out.result->http_status, ==, 400);
  g_assert_cmpstr (out.error->message, ==, "HTTP 400: task_not_exist");

  /* Any other 400 stays a bad request. */
  test_server_reply (f->server, 400, "application/json",
                     "{\"code\":\"invalid_request\",\"message\":\"task_id is required\",\"data\":null}");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_BAD_REQUEST);
  test_server_reply (f->server, 400, "text/plain", "task_not_exist");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_BAD_REQUEST);

  fetch_clear (&out);
}

/* A key limited to some models: an error for this task, with its text,
 * that leaves the key alone. */
static void
test_no_access_to_model (Fixture       *f,
                         gconstpointer  data)
{
  Fetch out = { 0 };

  test_server_reply (f->server, 403, "application/json",
                     "{\"error\":{\"message\":\"This token has no access to model doubao-seedance-2-0\","
                     "\"type\":\"new_api_error\",\"code\":\"\"}}");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_HTTP);
  g_assert_cmpstr (out.error->message, ==, "HTTP 403: This token has no access to model doubao-seedance-2-0");
  g_assert_false (dailies_api_client_get_key_rejected (f->client));

  fetch_clear (&out);
}

/* The gateway's request ID comes with every answer: kept and logged. */
static void
test_request_id (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *body = task_body (TASK_ID, "QUEUED");
  Fetch out = { 0 };

  f->server->request_id = g_strdup ("2026120204150312345678ABCDEF");
  test_server_reply (f->server, 200, "application/json", body);
  fetch (f->client, TASK_ID, &out);
  g_assert_no_error (out.error);
  g_assert_cmpstr (out.result->request_id, ==, "2026120204150312345678ABCDEF");
  g_assert_true (log_has_line_containing ("HTTP 200, request 2026120204150312345678ABCDEF"));

  test_server_reply (f->server, 500, "text/plain", "oops");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_SERVER);
  g_assert_cmpstr (out.result->request_id, ==, "2026120204150312345678ABCDEF");

  g_clear_pointer (&f->server->request_id, g_free);
  fetch (f->client, TASK_ID, &out);
  g_assert_null (out.result->request_id);

  fetch_clear (&out);
}

/* An answer about another task is an error, never that task's state. */
static void
test_wrong_task (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *body = task_body ("asyntask_SomebodyElse0000000000000000001", "SUCCESS");
  Fetch out = { 0 };

  test_server_reply (f->server, 200, "application/json", body);
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_WRONG_TASK);
  g_assert_nonnull (strstr (out.error->message, "asyntask_SomebodyElse0000000000000000001"));
  g_assert_null (out.result->response);

  fetch_clear (&out);
}

/* The key dialog's Test: /v1/models with the key typed, not the stored one. */
static void
test_list_models (Fixture       *f,
                  gconstpointer  data)
{
  Fetch out = { 0 };

  test_server_reply (f->server, 200, "application/json",
                     "{\"success\":true,\"object\":\"list\",\"data\":[{\"id\":\"doubao-seedance-2-0-260128\","
                     "\"object\":\"model\",\"owned_by\":\"custom\"},{\"id\":\"seedance-turbo\"},{\"nope\":1}]}");
  dailies_api_client_list_models_async (f->client, "  sk-typed-in-the-dialog ", NULL, models_cb, &out);
  fetch_wait_any (&out);
  g_assert_no_error (out.error);
  g_assert_cmpstr (f->server->last_path, ==, "/v1/models");
  g_assert_cmpstr (f->server->last_authorization, ==, "Bearer sk-typed-in-the-dialog");
  g_assert_cmpuint (g_strv_length (out.result->models), ==, 2);
  g_assert_cmpstr (out.result->models[0], ==, "doubao-seedance-2-0-260128");

  /* A refused test key says so, and leaves the client's key alone. */
  test_server_reply (f->server, 401, "application/json",
                     "{\"error\":{\"message\":\"Invalid token\",\"type\":\"new_api_error\",\"code\":\"\"}}");
  fetch_clear (&out);
  dailies_api_client_list_models_async (f->client, "sk-bad", NULL, models_cb, &out);
  fetch_wait_any (&out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED);
  g_assert_null (out.result->models);
  g_assert_false (dailies_api_client_get_key_rejected (f->client));

  fetch_clear (&out);
}

static void
test_parse_retry_after (void)
{
  const gint64 now = 1764648000;  /* Tue, 02 Dec 2025 04:00:00 GMT */

  g_assert_cmpint (dailies_api_parse_retry_after (NULL, now), ==, -1);
  g_assert_cmpint (dailies_api_parse_retry_after ("", now), ==, -1);
  g_assert_cmpint (dailies_api_parse_retry_after ("abc", now), ==, -1);
  g_assert_cmpint (dailies_api_parse_retry_after ("-1", now), ==, -1);
  g_assert_cmpint (dailies_api_parse_retry_after ("1.5", now), ==, -1);
  g_assert_cmpint (dailies_api_parse_retry_after ("0", now), ==, 0);
  g_assert_cmpint (dailies_api_parse_retry_after (" 120 ", now), ==, 120);
  g_assert_cmpint (dailies_api_parse_retry_after ("3600", now), ==, 3600);
  /* A day, or a number that overflows: capped at an hour. */
  g_assert_cmpint (DAILIES_API_MAX_RETRY_AFTER, ==, 3600);
  g_assert_cmpint (dailies_api_parse_retry_after ("86400", now), ==, 3600);
  g_assert_cmpint (dailies_api_parse_retry_after ("184467440737095516160", now), ==, 3600);
  /* HTTP dates, in all three forms HTTP allows. */
  g_assert_cmpint (dailies_api_parse_retry_after ("Tue, 02 Dec 2025 04:05:00 GMT", now), ==, 300);
  g_assert_cmpint (dailies_api_parse_retry_after ("Tuesday, 02-Dec-25 04:05:00 GMT", now), ==, 300);
  g_assert_cmpint (dailies_api_parse_retry_after ("Tue Dec  2 04:05:00 2025", now), ==, 300);
  g_assert_cmpint (dailies_api_parse_retry_after ("Tue, 02 Dec 2025 03:00:00 GMT", now), ==, 0);
  g_assert_cmpint (dailies_api_parse_retry_after ("Wed, 03 Dec 2025 04:00:00 GMT", now), ==, 3600);
  g_assert_cmpint (dailies_api_parse_retry_after ("Tue, 32 Dec 2025 04:05:00 GMT", now), ==, -1);
  /* Whatever clock the caller has, no overflow. */
  g_assert_cmpint (dailies_api_parse_retry_after ("Tue, 02 Dec 2025 04:05:00 GMT", G_MININT64), ==, 3600);
  g_assert_cmpint (dailies_api_parse_retry_after ("Tue, 02 Dec 2025 04:05:00 GMT", G_MAXINT64), ==, 0);
}

/* Found by fuzz-retry-after: a date read against a clock far in the past
 * overflowed the difference (UBSan) and came out as "retry now". */
static void
test_retry_after_any_clock (void)
{
  const char *date = "Wed, 21 Oct 2015 07:28:00 GMT";  /* 1445412480 */

  g_assert_cmpint (dailies_api_parse_retry_after (date, 1445412480 - 60), ==, 60);
  g_assert_cmpint (dailies_api_parse_retry_after (date, 1445412480 + 60), ==, 0);
  g_assert_cmpint (dailies_api_parse_retry_after (date, G_MININT64), ==, DAILIES_API_MAX_RETRY_AFTER);
  g_assert_cmpint (dailies_api_parse_retry_after (date, G_MAXINT64), ==, 0);
  g_assert_cmpint (dailies_api_parse_retry_after ("Fri, 31 Dec 9999 23:59:59 GMT", G_MININT64), ==,
                   DAILIES_API_MAX_RETRY_AFTER);
  g_assert_cmpint (dailies_api_parse_retry_after ("120", G_MININT64), ==, 120);
  g_assert_cmpint (dailies_api_parse_retry_after ("", 0), ==, -1);
}

static void
test_rate_limited (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 120);
  struct {
    const char *header;
    gint64      min;
    gint64      max;
  } cases[] = {
    { "7",                        7,   7 },
    { " 0 ",                      0,   0 },
    { NULL,                       -1,  -1 },
    { "soon",                     -1,  -1 },
    { "-5",                       -1,  -1 },
    { "12abc",                    -1,  -1 },
    { "99999999999999999999999",  DAILIES_API_MAX_RETRY_AFTER, DAILIES_API_MAX_RETRY_AFTER },
    { "Wed, 21 Oct 2015 07:28:00 GMT", 0, 0 },  /* in the past */
    { "(date)",                   100, 121 },    /* filled in below */
  };
  g_autofree char *date = soup_date_time_to_string (later, SOUP_DATE_HTTP);
  Fetch out = { 0 };

  cases[G_N_ELEMENTS (cases) - 1].header = date;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("Retry-After: %s", cases[i].header ? cases[i].header : "(none)");
      test_server_reply (f->server, 429, "text/plain", "slow down");
      f->server->retry_after = g_strdup (cases[i].header);
      fetch (f->client, TASK_ID, &out);

      g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_RATE_LIMITED);
      g_assert_cmpuint (out.result->http_status, ==, 429);
      g_assert_cmpint (out.result->retry_after_s, >=, cases[i].min);
      g_assert_cmpint (out.result->retry_after_s, <=, cases[i].max);
      g_assert_true (g_str_has_prefix (out.error->message, "HTTP 429: "));
    }

  /* Retry-After on a 503 is reported too. */
  test_server_reply (f->server, 503, "text/plain", NULL);
  f->server->retry_after = g_strdup ("30");
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_SERVER);
  g_assert_cmpint (out.result->retry_after_s, ==, 30);
  g_assert_cmpstr (out.error->message, ==, "HTTP 503: Service Unavailable");
  g_assert_null (out.result->raw_json);

  fetch_clear (&out);
}

static void
test_server_error_html (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GString) big = g_string_new ("<html><body><h1>502 Bad Gateway</h1>");
  Fetch out = { 0 };

  test_server_reply (f->server, 500, "text/html",
                     "<html><head><title>500</title></head><body><h1>Internal Server Error</h1>\n"
                     "<p>nginx</p></body></html>");
  fetch (f->client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_SERVER);
  g_assert_cmpuint (out.result->http_status, ==, 500);
  g_assert_true (g_str_has_prefix (out.error->message, "HTTP 500: "));
  g_assert_cmpuint (strlen (out.error->message), >, strlen ("HTTP 500: "));
  g_assert_null (strchr (out.error->message, '\n'));

  /* A huge error page: read only in part, still one short message. */
  while (big->len < 3 * 1024 * 1024)
    g_string_append (big, "<p>upstream went away, please try again later</p>\n");
  test_server_reply (f->server, 502, "text/html", big->str);
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_SERVER);
  g_assert_cmpuint (out.result->http_status, ==, 502);
  g_assert_cmpuint (strlen (out.error->message), <, 1024);
  g_assert_cmpuint (strlen (out.result->raw_json), <=, 64 * 1024);

  fetch_clear (&out);
}

static void
test_other_statuses (Fixture       *f,
                     gconstpointer  data)
{
  struct {
    guint            status;
    DailiesApiError  code;
    const char      *body;
  } cases[] = {
    { 400, DAILIES_API_ERROR_BAD_REQUEST, "{\"message\":\"task_id is required\"}" },
    { 403, DAILIES_API_ERROR_HTTP,        "" },
    { 418, DAILIES_API_ERROR_HTTP,        "[1, 2, 3]" },
    { 599, DAILIES_API_ERROR_SERVER,      "\xff\xfe garbage \x01" },
    { 204, DAILIES_API_ERROR_HTTP,        NULL },
    { 304, DAILIES_API_ERROR_HTTP,        NULL },
  };
  Fetch out = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("HTTP %u: ", cases[i].status);

      test_server_reply (f->server, cases[i].status, "text/plain", cases[i].body);
      fetch (f->client, TASK_ID, &out);

      g_assert_error (out.error, DAILIES_API_ERROR, (int) cases[i].code);
      g_assert_cmpuint (out.result->http_status, ==, cases[i].status);
      g_assert_true (g_str_has_prefix (out.error->message, prefix));
      g_assert_true (g_utf8_validate (out.error->message, -1, NULL));
      if (out.result->raw_json != NULL)
        g_assert_true (g_utf8_validate (out.result->raw_json, -1, NULL));
    }

  fetch_clear (&out);
}

/* A redirect to another origin is not followed: the key must not travel
 * to the Location, and the error names it. */
static void
test_redirect_cross_origin (Fixture       *f,
                            gconstpointer  data)
{
  TestServer *other = test_server_new ();
  g_autofree char *body = task_body (TASK_ID, "SUCCESS");
  g_autofree char *target = NULL;
  Fetch out = { 0 };

  test_server_reply (other, 200, "application/json", body);
  test_server_reply (f->server, 302, "text/plain", "moved");
  target = g_strconcat (other->base_url, "/v1/video/generations/" TASK_ID, NULL);
  f->server->location = g_strconcat (target, "?sig=secret", NULL);

  fetch (f->client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_REDIRECTED);
  g_assert_cmpuint (out.result->http_status, ==, 302);
  g_assert_nonnull (strstr (out.error->message, target));
  g_assert_null (strstr (out.error->message, "secret"));
  g_assert_true (g_str_has_prefix (out.result->redirect_url, target));
  g_assert_cmpuint (f->server->n_requests, ==, 1);
  g_assert_cmpstr (f->server->last_authorization, ==, "Bearer " TEST_KEY);
  g_assert_cmpuint (other->n_requests, ==, 0);
  g_assert_null (other->last_authorization);

  /* The same holds for 307 and 301. */
  f->server->status = 307;
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_REDIRECTED);
  f->server->status = 301;
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_REDIRECTED);
  g_assert_cmpuint (other->n_requests, ==, 0);

  /* With the other server as base, it gets the key: the base decides. */
  dailies_api_client_set_base_url (f->client, other->base_url);
  fetch (f->client, TASK_ID, &out);
  g_assert_no_error (out.error);
  g_assert_cmpuint (other->n_requests, ==, 1);
  g_assert_cmpstr (other->last_authorization, ==, "Bearer " TEST_KEY);

  fetch_clear (&out);
  test_server_free (other);
}

/* A redirect within the API's own origin (a moved path) is followed, with
 * the key, a few hops at most. */
static void
test_redirect_same_origin (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *body = task_body (TASK_ID, "QUEUED");
  g_autofree char *old_base = g_strconcat (f->server->base_url, "/old", NULL);
  Fetch out = { 0 };

  test_server_reply (f->server, 200, "application/json", body);
  dailies_api_client_set_base_url (f->client, old_base);
  f->server->redirect_path = g_strdup ("/old/v1/video/generations/" TASK_ID);
  f->server->redirect_location = g_strdup ("/v1/video/generations/" TASK_ID);

  fetch (f->client, TASK_ID, &out);
  g_assert_no_error (out.error);
  g_assert_cmpstr (out.result->response->task_id, ==, TASK_ID);
  g_assert_cmpuint (f->server->n_requests, ==, 2);
  g_assert_cmpstr (f->server->last_path, ==, "/v1/video/generations/" TASK_ID);
  g_assert_cmpstr (f->server->last_authorization, ==, "Bearer " TEST_KEY);

  /* A loop ends after a few hops with a clear error. */
  g_free (f->server->redirect_location);
  f->server->redirect_location = g_strdup (f->server->redirect_path);
  f->server->n_requests = 0;
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_REDIRECTED);
  g_assert_cmpuint (f->server->n_requests, ==, DAILIES_API_MAX_REDIRECTS + 1);

  fetch_clear (&out);
}

static gboolean
may_follow (const char *from,
            const char *to)
{
  g_autoptr(GUri) from_uri = g_uri_parse (from, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) to_uri = g_uri_parse (to, G_URI_FLAGS_NONE, NULL);

  g_assert_nonnull (from_uri);
  g_assert_nonnull (to_uri);

  return dailies_api_may_follow_redirect (from_uri, to_uri);
}

static void
test_redirect_rules (void)
{
  /* Followed: the same origin, TLS upgrade, apex ↔ www. */
  g_assert_true (may_follow ("https://www.anyfast.ai/v1/x", "https://www.anyfast.ai/v2/x"));
  g_assert_true (may_follow ("http://www.anyfast.ai/v1/x", "https://www.anyfast.ai/v1/x"));
  g_assert_true (may_follow ("http://anyfast.ai:80/v1/x", "https://anyfast.ai/v1/x"));
  g_assert_true (may_follow ("https://anyfast.ai/v1/x", "https://www.anyfast.ai/v1/x"));
  g_assert_true (may_follow ("https://www.anyfast.ai/v1/x", "https://ANYFAST.ai/v1/x"));
  g_assert_true (may_follow ("http://anyfast.ai/v1/x", "https://www.anyfast.ai/v1/x"));
  /* Not followed: another host, a look-alike, a downgrade, another port. */
  g_assert_false (may_follow ("https://www.anyfast.ai/v1/x", "https://api.anyfast.ai/v1/x"));
  g_assert_false (may_follow ("https://anyfast.ai/v1/x", "https://evilanyfast.ai/v1/x"));
  g_assert_false (may_follow ("https://anyfast.ai/v1/x", "https://www.www.anyfast.ai/v1/x"));
  g_assert_false (may_follow ("https://anyfast.ai/v1/x", "https://anyfast.ai.evil.example/v1/x"));
  g_assert_false (may_follow ("https://www.anyfast.ai/v1/x", "http://www.anyfast.ai/v1/x"));
  g_assert_false (may_follow ("https://www.anyfast.ai/v1/x", "https://www.anyfast.ai:8443/v1/x"));
  g_assert_false (may_follow ("http://127.0.0.1:8080/v1/x", "https://127.0.0.1:8443/v1/x"));
  g_assert_false (may_follow ("http://127.0.0.1:8080/v1/x", "http://127.0.0.1:8081/v1/x"));
  g_assert_false (may_follow ("https://www.anyfast.ai/v1/x", "https://user:pw@www.anyfast.ai/v1/x"));
  g_assert_false (may_follow ("https://www.anyfast.ai/v1/x", "ftp://www.anyfast.ai/v1/x"));
  g_assert_false (may_follow ("https://www./v1/x", "https:///v1/x"));
}

/* ------------------------------------------------------------------ */
/* Bad bodies                                                          */
/* ------------------------------------------------------------------ */

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *body = task_body (TASK_ID, "IN_PROGRESS");
  Fetch out = { 0 };

  body[strlen (body) / 2] = '\0';
  test_server_reply (f->server, 200, "application/json", body);
  fetch (f->client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
  g_assert_cmpuint (out.result->http_status, ==, 200);
  g_assert_cmpstr (out.result->raw_json, ==, body);
  g_assert_cmpstr (out.error->message, !=, "");

  fetch_clear (&out);
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  Fetch out = { 0 };

  test_server_reply (f->server, 200, "application/json", "");
  fetch (f->client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
  g_assert_cmpuint (out.result->http_status, ==, 200);
  g_assert_cmpstr (out.error->message, !=, "");

  fetch_clear (&out);
}

static GBytes *
padded_task_body (gsize size)
{
  g_autofree char *body = task_body (TASK_ID, "QUEUED");
  GString *str = g_string_new (body);

  g_assert_cmpuint (str->len, <=, size);
  /* Whitespace after the object is still valid JSON. */
  while (str->len < size)
    g_string_append_c (str, ' ');

  return g_string_free_to_bytes (str);
}

static void
test_too_large (Fixture       *f,
                gconstpointer  data)
{
  Fetch out = { 0 };

  /* 3 MiB announced by Content-Length: refused before reading. */
  test_server_reply (f->server, 200, "application/json", NULL);
  f->server->body = padded_task_body (3 * 1024 * 1024);
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (out.error->message, "too large"));
  g_assert_cmpuint (out.result->http_status, ==, 200);
  g_assert_null (out.result->raw_json);

  /* 3 MiB chunked, no length known: the read stops at the cap. */
  f->server->kind = REPLY_CHUNKED;
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (out.error->message, "too large"));
  g_assert_null (out.result->raw_json);

  /* One byte over the cap. */
  g_clear_pointer (&f->server->body, g_bytes_unref);
  f->server->body = padded_task_body (DAILIES_TASK_RESPONSE_MAX_BODY + 1);
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (out.error->message, "too large"));

  /* Exactly the cap is fine, chunked or not. */
  g_clear_pointer (&f->server->body, g_bytes_unref);
  f->server->body = padded_task_body (DAILIES_TASK_RESPONSE_MAX_BODY);
  fetch (f->client, TASK_ID, &out);
  g_assert_no_error (out.error);
  g_assert_cmpuint (strlen (out.result->raw_json), ==, DAILIES_TASK_RESPONSE_MAX_BODY);
  f->server->kind = REPLY_BODY;
  fetch (f->client, TASK_ID, &out);
  g_assert_no_error (out.error);
  g_assert_cmpstr (out.result->response->task_id, ==, TASK_ID);

  fetch_clear (&out);
}

/* Read buffers serve one request after another, and several at once: a
 * short body after a long one is itself only, chunked or not. */
static void
test_reused_read_buffers (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) long_body = padded_task_body (100 * 1024);
  g_autofree char *short_body = task_body (TASK_ID, "IN_PROGRESS");
  Fetch out[4] = { { 0 } };

  test_server_reply (f->server, 200, "application/json", NULL);
  for (guint round = 0; round < 4; round++)
    {
      GBytes *body = round % 2 == 0 ? long_body : NULL;

      f->server->kind = round < 2 ? REPLY_BODY : REPLY_CHUNKED;
      g_clear_pointer (&f->server->body, g_bytes_unref);
      f->server->body = body != NULL ? g_bytes_ref (body) : g_bytes_new (short_body, strlen (short_body));

      for (guint i = 0; i < G_N_ELEMENTS (out); i++)
        fetch_start (f->client, TASK_ID, NULL, &out[i]);
      for (guint i = 0; i < G_N_ELEMENTS (out); i++)
        {
          fetch_wait (&out[i]);
          g_assert_no_error (out[i].error);
          if (body != NULL)
            g_assert_cmpmem (out[i].result->raw_json, strlen (out[i].result->raw_json),
                             g_bytes_get_data (body, NULL), g_bytes_get_size (body));
          else
            g_assert_cmpstr (out[i].result->raw_json, ==, short_body);
          fetch_clear (&out[i]);
        }
    }

  g_assert_cmpuint (f->server->n_requests, ==, 4 * G_N_ELEMENTS (out));
}

/* ------------------------------------------------------------------ */
/* Transport                                                           */
/* ------------------------------------------------------------------ */

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  Fetch out = { 0 };
  gint64 start;
  gint64 elapsed_ms;

  dailies_api_client_set_timeout (f->client, 1);
  g_assert_cmpuint (dailies_api_client_get_timeout (f->client), ==, 1);
  f->server->kind = REPLY_HANG;

  start = g_get_monotonic_time ();
  fetch (f->client, TASK_ID, &out);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_TIMEOUT);
  g_assert_cmpuint (out.result->http_status, ==, 0);
  g_assert_cmpuint (f->server->n_requests, ==, 1);
  g_assert_cmpint (elapsed_ms, >=, 900);
  g_assert_cmpint (elapsed_ms, <, 5000);

  /* The client still works afterwards. */
  dailies_api_client_set_timeout (f->client, 0);
  g_assert_cmpuint (dailies_api_client_get_timeout (f->client), ==, DAILIES_API_CLIENT_DEFAULT_TIMEOUT);
  test_server_reply (f->server, 404, "application/json", NOT_FOUND_BODY);
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND);

  fetch_clear (&out);
}

static guint
closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, &error);
  g_assert_no_error (error);

  return port;
}

static void
test_connection_refused (void)
{
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_autoptr(DailiesApiClient) client = dailies_api_client_new (base);
  Fetch out = { 0 };

  dailies_api_client_set_api_key (client, TEST_KEY);
  dailies_api_client_set_timeout (client, 5);
  fetch (client, TASK_ID, &out);

  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NETWORK);
  g_assert_cmpstr (out.error->message, !=, "");
  g_assert_cmpuint (out.result->http_status, ==, 0);
  g_assert_cmpint (out.result->retry_after_s, ==, -1);
  g_assert_null (out.result->raw_json);

  fetch_clear (&out);
  assert_key_never_logged ();
}

static gboolean
server_has_request (gpointer user_data)
{
  TestServer *server = user_data;

  return server->n_requests > 0;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  Fetch out = { 0 };

  /* While the server holds the request. */
  f->server->kind = REPLY_HANG;
  fetch_start (f->client, TASK_ID, cancellable, &out);
  g_assert_true (dailies_test_wait_until (server_has_request, f->server, WAIT_MS));
  g_assert_false (out.done);
  g_assert_cmpuint (f->server->n_requests, ==, 1);
  g_cancellable_cancel (cancellable);
  fetch_wait (&out);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (out.result->http_status, ==, 0);

  /* Already cancelled: nothing is sent. */
  g_cancellable_cancel (cancelled);
  fetch_start (f->client, TASK_ID, cancelled, &out);
  fetch_wait (&out);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->server->n_requests, ==, 1);

  fetch_clear (&out);
}

static void
test_dispose_aborts (Fixture       *f,
                     gconstpointer  data)
{
  Fetch out = { 0 };

  f->server->kind = REPLY_HANG;
  fetch_start (f->client, TASK_ID, NULL, &out);
  g_assert_true (dailies_test_wait_until (server_has_request, f->server, WAIT_MS));
  g_assert_false (out.done);

  g_object_run_dispose (G_OBJECT (f->client));
  fetch_wait (&out);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* And a disposed client refuses politely. */
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->server->n_requests, ==, 1);

  fetch_clear (&out);
}

/* ------------------------------------------------------------------ */
/* Nothing sent                                                        */
/* ------------------------------------------------------------------ */

static void
test_hostile_ids (Fixture       *f,
                  gconstpointer  data)
{
  const char *ids[] = {
    "../../x", "a?b", "a/b", "", "a#b", "a b", "..", "%2e%2e%2fx",
    "asyntask_abc/../../v1/admin", "asyntask_abc?key=1", "asyntask_abc\r\nX-Evil: 1",
  };
  Fetch out = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      fetch (f->client, ids[i], &out);
      g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_ID);
      g_assert_cmpuint (out.result->http_status, ==, 0);
    }

  g_assert_cmpuint (f->server->n_requests, ==, 0);
  fetch_clear (&out);
}

static void
test_no_key (Fixture       *f,
             gconstpointer  data)
{
  Fetch out = { 0 };

  g_assert_true (dailies_api_client_has_api_key (f->client));

  dailies_api_client_set_api_key (f->client, NULL);
  g_assert_false (dailies_api_client_has_api_key (f->client));
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NO_KEY);

  dailies_api_client_set_api_key (f->client, "");
  g_assert_false (dailies_api_client_has_api_key (f->client));
  dailies_api_client_set_api_key (f->client, "  \t ");
  g_assert_false (dailies_api_client_has_api_key (f->client));
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NO_KEY);

  /* A key that would break the header line is never sent: it counts as
   * refused as soon as it is set, as the service would refuse it. */
  dailies_api_client_set_api_key (f->client, "sk-abc\r\nX-Evil: 1");
  g_assert_true (dailies_api_client_has_api_key (f->client));
  g_assert_true (dailies_api_client_get_key_rejected (f->client));
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_KEY_REJECTED);

  g_assert_cmpuint (f->server->n_requests, ==, 0);

  /* Surrounding whitespace (a pasted key) is dropped. */
  dailies_api_client_set_api_key (f->client, " " TEST_KEY "\n");
  test_server_reply (f->server, 404, "application/json", NOT_FOUND_BODY);
  fetch (f->client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND);
  g_assert_cmpstr (f->server->last_authorization, ==, "Bearer " TEST_KEY);

  fetch_clear (&out);
}

static void
test_base_url (void)
{
  struct {
    const char *in;
    const char *out;
  } cases[] = {
    { "https://www.anyfast.ai",               "https://www.anyfast.ai" },
    { "https://www.anyfast.ai/",              "https://www.anyfast.ai" },
    { " https://www.anyfast.com.cn// ",       "https://www.anyfast.com.cn" },
    { "HTTPS://www.anyfast.ai",               "https://www.anyfast.ai" },
    { "http://127.0.0.1:8080/",               "http://127.0.0.1:8080" },
    { "http://[::1]:8080",                    "http://[::1]:8080" },
    { "https://proxy.example/anyfast///",     "https://proxy.example/anyfast" },
    { "ftp://www.anyfast.ai",                 "" },
    { "file:///etc/passwd",                   "" },
    { "https://user:secret@www.anyfast.ai",   "" },
    { "https://user@www.anyfast.ai",          "" },
    { "https://proxy.example/?key=1",         "" },
    { "https://proxy.example/#x",             "" },
    /* A region's own host: a page of its site means its root. */
    { "https://www.anyfast.ai/?key=1",        "https://www.anyfast.ai" },
    { "https://www.anyfast.ai/#x",            "https://www.anyfast.ai" },
    { "www.anyfast.ai",                       "" },
    { "https://",                             "" },
    { "",                                     "" },
    { NULL,                                   "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DailiesApiClient) client = dailies_api_client_new (cases[i].in);

      g_test_message ("base %s", cases[i].in ? cases[i].in : "(null)");
      g_assert_cmpstr (dailies_api_client_get_base_url (client), ==, cases[i].out);

      dailies_api_client_set_base_url (client, "https://www.anyfast.ai");
      dailies_api_client_set_base_url (client, cases[i].in);
      g_assert_cmpstr (dailies_api_client_get_base_url (client), ==, cases[i].out);
    }
}

static void
test_invalid_base (void)
{
  g_autoptr(DailiesApiClient) client = dailies_api_client_new ("https://user:secret@www.anyfast.ai");
  Fetch out = { 0 };

  dailies_api_client_set_api_key (client, TEST_KEY);
  fetch (client, TASK_ID, &out);
  g_assert_error (out.error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_BASE);
  g_assert_cmpuint (out.result->http_status, ==, 0);
  g_assert_false (log_has_line_containing ("secret@"));

  fetch_clear (&out);
}

static void
test_redact_text (void)
{
  g_autofree char *debug = dailies_redact_text ("gstsouphttpsrc.c(1688): Forbidden (403), URL: "
                                                "http://127.0.0.1:35785/videos/a.mp4?Expires=1&Signature=s3cr3t, "
                                                "Redirect to: https://cdn.example.com/x.mp4?X-Tos-Signature=abc");
  g_autofree char *plain = dailies_redact_text ("no link here? none");

  g_assert_null (dailies_redact_text (NULL));
  g_assert_null (strstr (debug, "s3cr3t"));
  g_assert_null (strstr (debug, "X-Tos-Signature"));
  g_assert_nonnull (strstr (debug, "http://127.0.0.1:35785/videos/a.mp4?…"));
  g_assert_nonnull (strstr (debug, "https://cdn.example.com/x.mp4?…"));
  g_assert_cmpstr (plain, ==, "no link here? none");
}

static void
test_redact_url (void)
{
  struct {
    const char *in;
    const char *out;
  } cases[] = {
    { "https://cdn.example/v.mp4?Expires=1&Signature=abc", "https://cdn.example/v.mp4?…" },
    { "https://cdn.example/v.mp4",                         "https://cdn.example/v.mp4" },
    { "http://127.0.0.1:8080/a/b?x",                       "http://127.0.0.1:8080/a/b?…" },
    { "https://user:pw@cdn.example/v.mp4#frag",            "https://cdn.example/v.mp4" },
    { "https://cdn.example/v.mp4?",                        "https://cdn.example/v.mp4?…" },
    { "not a url",                                         "(not a URL)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *redacted = dailies_redact_url (cases[i].in);

      g_assert_cmpstr (redacted, ==, cases[i].out);
    }
}

/* A debug line nobody would see is not even formatted; one the default
 * writer keeps (G_MESSAGES_DEBUG, or debug turned on) is. */
static void
test_debug_only_when_kept (Fixture       *f,
                           gconstpointer  data)
{
  Fetch out = { 0 };
  guint n_before;

  if (forward_debug)
    {
      g_test_skip ("G_MESSAGES_DEBUG is set: every debug line is kept");
      return;
    }

  test_server_reply (f->server, 200, "application/json", success_bodies[0][1]);

  g_log_set_debug_enabled (FALSE);
  n_before = log_lines->len;
  fetch (f->client, success_bodies[0][0], &out);
  g_log_set_debug_enabled (TRUE);
  g_assert_no_error (out.error);
  for (guint i = n_before; i < log_lines->len; i++)
    g_assert_null (strstr (g_ptr_array_index (log_lines, i), "api: GET"));

  fetch_clear (&out);
  n_before = log_lines->len;
  fetch (f->client, success_bodies[0][0], &out);
  g_assert_no_error (out.error);
  g_assert_cmpuint (log_lines->len, >, n_before);
  g_assert_true (log_has_line_containing ("api: GET http://127.0.0.1:"));

  fetch_clear (&out);
}

/* Runs last: the fetches above logged, the key was never in a line. */
static void
test_key_never_logged (void)
{
  g_assert_cmpuint (log_lines->len, >, 0);
  g_assert_true (log_has_line_containing ("api: GET http://127.0.0.1:"));
  g_assert_true (log_has_line_containing ("HTTP 401"));
  assert_key_never_logged ();
}

int
main (int   argc,
      char *argv[])
{
  log_lines = g_ptr_array_new_with_free_func (g_free);
  forward_debug = g_getenv ("G_MESSAGES_DEBUG") != NULL;
  g_log_set_writer_func (record_writer, NULL, NULL);
  /* The client formats debug lines only when the default writer would
   * keep them: these are all recorded, whatever G_MESSAGES_DEBUG says. */
  g_log_set_debug_enabled (TRUE);

  g_test_init (&argc, &argv, NULL);
  test_log_handler = g_log_set_default_handler (record_handler, NULL);

#define ADD(path, func) \
  g_test_add ("/dailies/api-client/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("success", test_success);
  ADD ("unchanged-body", test_unchanged_body);
  ADD ("debug-only-when-kept", test_debug_only_when_kept);
  ADD ("fixtures", test_fixtures);
  ADD ("parallel", test_parallel);
  ADD ("reused-read-buffers", test_reused_read_buffers);
  ADD ("unauthorized", test_unauthorized);
  ADD ("unauthorized-echoes-key", test_unauthorized_echoes_key);
  ADD ("not-found", test_not_found);
  ADD ("not-found-only-from-the-api", test_not_found_only_from_the_api);
  ADD ("web-page-is-no-api", test_web_page_is_no_api);
  ADD ("base-with-endpoint-path", test_base_with_endpoint_path);
  ADD ("rate-limited", test_rate_limited);
  ADD ("server-error-html", test_server_error_html);
  ADD ("other-statuses", test_other_statuses);
  ADD ("rejected-key-not-sent-again", test_rejected_key_not_sent_again);
  ADD ("late-401-spares-new-key", test_late_401_spares_new_key);
  ADD ("not-exist-400", test_not_exist_400);
  ADD ("no-access-to-model", test_no_access_to_model);
  ADD ("request-id", test_request_id);
  ADD ("wrong-task", test_wrong_task);
  ADD ("list-models", test_list_models);
  ADD ("redirect-cross-origin", test_redirect_cross_origin);
  ADD ("redirect-same-origin", test_redirect_same_origin);
  ADD ("truncated", test_truncated);
  ADD ("empty", test_empty);
  ADD ("too-large", test_too_large);
  ADD ("timeout", test_timeout);
  ADD ("cancel", test_cancel);
  ADD ("dispose-aborts", test_dispose_aborts);
  ADD ("hostile-ids", test_hostile_ids);
  ADD ("no-key", test_no_key);
#undef ADD

  g_test_add_func ("/dailies/api-client/connection-refused", test_connection_refused);
  g_test_add_func ("/dailies/api-client/parse-retry-after", test_parse_retry_after);
  g_test_add_func ("/dailies/api-client/redirect-rules", test_redirect_rules);
  g_test_add_func ("/dailies/api-client/retry-after-any-clock", test_retry_after_any_clock);
  g_test_add_func ("/dailies/api-client/base-url", test_base_url);
  g_test_add_func ("/dailies/api-client/invalid-base", test_invalid_base);
  g_test_add_func ("/dailies/api-client/redact-url", test_redact_url);
  g_test_add_func ("/dailies/api-client/redact-text", test_redact_text);
  g_test_add_func ("/dailies/api-client/key-never-logged", test_key_never_logged);

  return g_test_run ();
}
