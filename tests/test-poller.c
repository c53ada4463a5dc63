/* test-poller.c
 *
 * The poller, client and store together against real SoupServers on
 * 127.0.0.1: the demo server for whole lifecycles, and a scripted server for
 * every kind of failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "dailies-api-client.h"
#include "dailies-demo-server.h"
#include "dailies-poller.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

#define TEST_KEY "sk-test-SECRET-never-in-logs-4711"

/* ------------------------------------------------------------------ */
/* A scripted API server                                               */
/* ------------------------------------------------------------------ */

typedef enum
{
  REPLY_TASK,         /* 200 with a task in @status */
  REPLY_STATUS,       /* @http_status with an error body */
  REPLY_TRUNCATED,    /* 200 with half a JSON document */
  REPLY_HANG,         /* never answer: the client times out */
  REPLY_WRONG_TASK,   /* 200 about another task */
  REPLY_UPSTREAM_CANCELLED, /* 200, IN_PROGRESS 30%, the model's service cancelled it */
  REPLY_PROGRESS,     /* 200, IN_PROGRESS at @body ("50%") */
  REPLY_HELD,         /* as REPLY_STATUS with @http_status, else REPLY_PROGRESS, once
                       * release_held() lets it go */
} ReplyKind;

typedef struct
{
  ReplyKind   kind;
  const char *status;       /* REPLY_TASK */
  guint       http_status;  /* REPLY_STATUS */
  int         retry_after;  /* REPLY_STATUS, -1 for none */
  const char *body;         /* REPLY_STATUS, NULL for an HTML page; "" for none */
} Reply;

typedef struct _TestServer TestServer;
typedef Reply (*ScriptFunc) (TestServer *server, const char *task_id, guint n_for_task);

struct _TestServer
{
  SoupServer  *server;
  char        *base_url;
  ScriptFunc   script;
  GHashTable  *counts;         /* task id → requests for it */
  GPtrArray   *request_times;  /* gint64* monotonic µs of each request */
  GPtrArray   *request_ids;    /* the task asked about by each request, in order */
  GPtrArray   *held;           /* Held, of REPLY_HELD, until release_held() */
  guint        hold_ms;
  guint        n_requests;
  guint        in_flight;
  guint        max_in_flight;
  guint        n_with_wrong_auth;
  guint        n_usage;        /* GET /api/usage/token/ */
  guint        n_during_pause; /* requests while @poller said it was paused */
  gboolean     failing;        /* for scripts that fail until told otherwise */
  gboolean     holding;        /* for scripts that hold a request until told otherwise */
  DailiesPoller *poller;       /* nullable */
};

static char *
task_body (const char *task_id,
           const char *status)
{
  gboolean success = g_ascii_strcasecmp (status, "SUCCESS") == 0;
  gboolean failure = g_ascii_strcasecmp (status, "FAILURE") == 0;

  return g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{"
                          "\"task_id\":\"%s\",\"action\":\"generate\",\"status\":\"%s\","
                          "%s\"fail_reason\":\"%s\",\"submit_time\":1777288506,"
                          "\"start_time\":%s,\"finish_time\":%s,\"progress\":\"%s\","
                          "\"request_id\":\"req-%s\",\"data\":null}}",
                          task_id, status,
                          success ? "\"result_url\":\"http://127.0.0.1:9/v.mp4?Signature=s\"," : "",
                          failure ? "Moderation said no." : (success ? "http://127.0.0.1:9/v.mp4?Signature=s" : ""),
                          g_str_equal (status, "NOT_START") ? "0" : "1777288508",
                          success || failure ? "1777288530" : "0",
                          success || failure ? "100%" : "50%",
                          task_id);
}

static void
respond (SoupServerMessage *msg,
         Reply              reply,
         const char        *task_id)
{
  switch (reply.kind)
    {
    case REPLY_TASK:
      {
        char *body = task_body (task_id, reply.status);
        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
      }
      break;
    case REPLY_STATUS:
      {
        const char *body = reply.body != NULL ? reply.body : "<html><body><h1>Bad Gateway</h1></body></html>";
        if (reply.retry_after >= 0)
          {
            g_autofree char *value = g_strdup_printf ("%d", reply.retry_after);
            soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", value);
          }
        if (reply.http_status == 401)
          body = "{\"error\":{\"message\":\"Invalid token (request id: 20261202041503123)\",\"type\":\"new_api_error\",\"code\":\"\"}}";
        soup_server_message_set_status (msg, reply.http_status, NULL);
        /* Typed as a server would: a page, JSON, or plain text. */
        soup_server_message_set_response (msg,
                                          body[0] == '<' ? "text/html" : body[0] == '{' ? "application/json" : "text/plain",
                                          SOUP_MEMORY_STATIC, body, strlen (body));
      }
      break;
    case REPLY_TRUNCATED:
      {
        g_autofree char *body = task_body (task_id, "IN_PROGRESS");
        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body) / 2);
      }
      break;
    case REPLY_WRONG_TASK:
      {
        char *body = task_body ("asyntask_SomeoneElse00000000001", "SUCCESS");
        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
      }
      break;
    case REPLY_UPSTREAM_CANCELLED:
      {
        /* As new-api passes it on until its own timeout a day later. */
        char *body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{"
                                      "\"task_id\":\"%s\",\"action\":\"generate\",\"status\":\"IN_PROGRESS\","
                                      "\"fail_reason\":\"\",\"submit_time\":1777288506,\"start_time\":1777288508,"
                                      "\"finish_time\":0,\"progress\":\"30%%\",\"data\":{\"id\":\"cgt-1\","
                                      "\"status\":\"cancelled\"}}}", task_id);
        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
      }
      break;
    case REPLY_PROGRESS:
      {
        char *body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{"
                                      "\"task_id\":\"%s\",\"action\":\"generate\",\"status\":\"IN_PROGRESS\","
                                      "\"fail_reason\":\"\",\"submit_time\":1777288506,\"start_time\":1777288508,"
                                      "\"finish_time\":0,\"progress\":\"%s\",\"data\":null}}", task_id, reply.body);
        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
      }
      break;
    case REPLY_HANG:
    default:
      soup_server_message_pause (msg);
      break;
    }
}

typedef struct
{
  TestServer        *server;
  SoupServerMessage *msg;
  Reply              reply;
  char              *task_id;
} Held;

static void
answer_held (Held *held)
{
  respond (held->msg, held->reply, held->task_id);
  soup_server_message_unpause (held->msg);
  g_object_unref (held->msg);
  g_free (held->task_id);
  g_free (held);
}

static gboolean
release_held_cb (gpointer user_data)
{
  Held *held = user_data;

  held->server->in_flight--;
  answer_held (held);

  return G_SOURCE_REMOVE;
}

/* Answers the requests of REPLY_HELD, in the order they came. */
static void
release_held (TestServer *server)
{
  for (guint i = 0; i < server->held->len; i++)
    answer_held (g_ptr_array_index (server->held, i));
  g_ptr_array_set_size (server->held, 0);
}

/* Answers the held request about @task_id alone. */
static void
release_held_one (TestServer *server,
                  const char *task_id)
{
  for (guint i = 0; i < server->held->len; i++)
    {
      Held *held = g_ptr_array_index (server->held, i);

      if (g_str_equal (held->task_id, task_id))
        {
          g_ptr_array_remove_index (server->held, i);
          answer_held (held);
          return;
        }
    }
  g_assert_not_reached ();
}

static void
api_handler_cb (SoupServer        *soup_server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  TestServer *server = user_data;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  const char *task_id = strrchr (path, '/') + 1;
  gint64 *now = g_new (gint64, 1);
  guint n_for_task;
  Reply reply;

  *now = g_get_monotonic_time ();
  g_ptr_array_add (server->request_times, now);
  g_ptr_array_add (server->request_ids, g_strdup (task_id));
  server->n_requests++;
  if (server->poller != NULL && dailies_poller_get_pause_reason (server->poller) != DAILIES_POLLER_PAUSE_NONE)
    server->n_during_pause++;

  /* Every gateway answer carries one. */
  {
    g_autofree char *request_id = g_strdup_printf ("gw-%s-%u", task_id, server->n_requests);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Oneapi-Request-Id", request_id);
  }
  n_for_task = GPOINTER_TO_UINT (g_hash_table_lookup (server->counts, task_id)) + 1;
  g_hash_table_insert (server->counts, g_strdup (task_id), GUINT_TO_POINTER (n_for_task));

  if (g_strcmp0 (auth, "Bearer " TEST_KEY) != 0)
    {
      server->n_with_wrong_auth++;
      respond (msg, (Reply) { REPLY_STATUS, NULL, 401, -1 }, task_id);
      return;
    }

  reply = server->script (server, task_id, n_for_task);

  if (reply.kind == REPLY_HELD)
    {
      Held *held = g_new0 (Held, 1);

      held->server = server;
      held->msg = g_object_ref (msg);
      held->reply = reply;
      held->reply.kind = reply.http_status != 0 ? REPLY_STATUS : REPLY_PROGRESS;
      held->task_id = g_strdup (task_id);
      soup_server_message_pause (msg);
      g_ptr_array_add (server->held, held);
      return;
    }

  if (server->hold_ms > 0 && reply.kind != REPLY_HANG)
    {
      Held *held = g_new0 (Held, 1);

      /* Keep it open a moment so overlapping requests can be counted. */
      held->server = server;
      held->msg = g_object_ref (msg);
      held->reply = reply;
      held->task_id = g_strdup (task_id);
      server->in_flight++;
      server->max_in_flight = MAX (server->max_in_flight, server->in_flight);
      soup_server_message_pause (msg);
      g_timeout_add (server->hold_ms, release_held_cb, held);
      return;
    }

  respond (msg, reply, task_id);
}

/* new-api's token usage: it answers even for a spent key, not for a wrong one. */
static void
usage_handler_cb (SoupServer        *soup_server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  TestServer *server = user_data;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  const char *body;

  server->n_usage++;
  if (g_strcmp0 (auth, "Bearer sk-spent") == 0)
    {
      body = "{\"code\":true,\"message\":\"ok\",\"data\":{\"object\":\"token_usage\",\"name\":\"ci\","
             "\"total_granted\":500000,\"total_used\":500000,\"total_available\":0,\"unlimited_quota\":false,"
             "\"model_limits\":{},\"model_limits_enabled\":false,\"expires_at\":0}}";
      soup_server_message_set_status (msg, 200, NULL);
    }
  else
    {
      body = "{\"error\":{\"message\":\"无效的令牌\",\"type\":\"new_api_error\",\"code\":\"\"}}";
      soup_server_message_set_status (msg, 401, NULL);
    }
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
}

static TestServer *
test_server_new (ScriptFunc script)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  server->script = script;
  server->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->request_times = g_ptr_array_new_with_free_func (g_free);
  server->request_ids = g_ptr_array_new_with_free_func (g_free);
  server->held = g_ptr_array_new ();
  server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, "/v1/video/generations/", api_handler_cb, server, NULL);
  soup_server_add_handler (server->server, "/api/usage/token/", usage_handler_cb, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  server->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));

  return server;
}

static void
test_server_free (TestServer *server)
{
  release_held (server);
  g_ptr_array_unref (server->held);
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_hash_table_unref (server->counts);
  g_ptr_array_unref (server->request_times);
  g_ptr_array_unref (server->request_ids);
  g_free (server->base_url);
  g_free (server);
}

/* The server was asked about @want first, in that order. */
static void
assert_asked_first (TestServer         *server,
                    const char * const *want,
                    guint               n)
{
  g_assert_cmpuint (server->request_ids->len, >=, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (g_ptr_array_index (server->request_ids, i), ==, want[i]);
}

static guint
count_for (TestServer *server,
           const char *task_id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (server->counts, task_id));
}

/* When the server saw the @i-th request about @task_id (from 0), or -1. */
static gint64
request_time_of (TestServer *server,
                 const char *task_id,
                 guint       i)
{
  for (guint k = 0; k < server->request_ids->len; k++)
    if (g_str_equal (g_ptr_array_index (server->request_ids, k), task_id) && i-- == 0)
      return *(gint64 *) g_ptr_array_index (server->request_times, k);

  return -1;
}

/* ------------------------------------------------------------------ */
/* Fixture: store + client + poller                                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  char             *dir;
  DailiesTaskStore *store;
  DailiesApiClient *client;
  DailiesPoller    *poller;
} Fixture;

static void
fixture_init (Fixture    *f,
              const char *base_url)
{
  g_autofree char *db = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = dailies_test_make_temp_dir ();
  db = g_build_filename (f->dir, "tasks.db", NULL);
  f->store = dailies_task_store_new (db);
  g_assert_true (dailies_task_store_load (f->store, &error));
  g_assert_no_error (error);

  f->client = dailies_api_client_new (base_url);
  dailies_api_client_set_api_key (f->client, TEST_KEY);
  dailies_api_client_set_timeout (f->client, 1);

  f->poller = dailies_poller_new (f->store, f->client, NULL);
  dailies_poller_set_interval (f->poller, 1);
  dailies_poller_set_backoff (f->poller, 50, 400);
  dailies_poller_set_rate_limit_pause (f->poller, 200, 800);
}

static void
fixture_clear (Fixture *f)
{
  g_clear_object (&f->poller);
  g_clear_object (&f->client);
  g_clear_object (&f->store);
  dailies_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
add_ids (Fixture  *f,
         guint     n_ids,
         ...)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  va_list args;

  va_start (args, n_ids);
  for (guint i = 0; i < n_ids; i++)
    g_ptr_array_add (ids, va_arg (args, char *));
  va_end (args);

  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
}

typedef struct
{
  Fixture           *f;
  const char        *task_id;
  DailiesTaskStatus  status;
} StatusWait;

static gboolean
task_has_status (gpointer user_data)
{
  StatusWait *wait = user_data;
  DailiesTask *task = dailies_task_store_lookup (wait->f->store, wait->task_id);

  return task != NULL && dailies_task_get_status (task) == wait->status;
}

static gboolean
wait_for_status (Fixture           *f,
                 const char        *task_id,
                 DailiesTaskStatus  status,
                 guint              timeout_ms)
{
  StatusWait wait = { f, task_id, status };

  return dailies_test_wait_until (task_has_status, &wait, timeout_ms);
}

static gboolean
poller_is_unauthorized (gpointer user_data)
{
  return dailies_poller_get_state (user_data) == DAILIES_POLLER_STATE_UNAUTHORIZED;
}

static gboolean
poller_is_idle (gpointer user_data)
{
  return dailies_poller_get_state (user_data) == DAILIES_POLLER_STATE_IDLE;
}

/* ------------------------------------------------------------------ */
/* Lifecycles on the demo server                                       */
/* ------------------------------------------------------------------ */

static void
test_demo_lifecycle (void)
{
  g_autoptr(DailiesDemoServer) demo = dailies_demo_server_new ();
  g_autoptr(GError) error = NULL;
  const char *success_id = "asyntask_DemoCityTimelapse000000000000002";
  const char *failure_id = "asyntask_DemoModerationFail0000000000003";
  DailiesTask *success;
  DailiesTask *failure;
  Fixture f;

  g_assert_true (dailies_demo_server_start (demo, &error));
  fixture_init (&f, dailies_demo_server_get_base_url (demo));
  dailies_api_client_set_api_key (f.client, "demo");
  add_ids (&f, 2, success_id, failure_id);
  dailies_poller_start (f.poller);

  /* Step the demo clock; the poller follows every state on the way. */
  g_assert_true (wait_for_status (&f, success_id, DAILIES_TASK_STATUS_NOT_START, 5000));
  dailies_demo_server_advance (demo, 4);
  g_assert_true (wait_for_status (&f, success_id, DAILIES_TASK_STATUS_QUEUED, 5000));
  dailies_demo_server_advance (demo, 4);
  g_assert_true (wait_for_status (&f, success_id, DAILIES_TASK_STATUS_IN_PROGRESS, 5000));
  success = dailies_task_store_lookup (f.store, success_id);
  g_assert_cmpint (dailies_task_get_progress (success), ==, 50);
  g_assert_cmpint (dailies_task_get_start_time (success), >, 0);

  dailies_demo_server_advance (demo, 60);
  g_assert_true (wait_for_status (&f, success_id, DAILIES_TASK_STATUS_SUCCESS, 5000));
  g_assert_true (wait_for_status (&f, failure_id, DAILIES_TASK_STATUS_FAILURE, 5000));

  failure = dailies_task_store_lookup (f.store, failure_id);
  g_assert_cmpstr (dailies_task_get_fail_reason (failure), ==,
                   "The request failed because the input text may contain sensitive information.");
  g_assert_null (dailies_task_get_fail_reason (success));
  g_assert_nonnull (dailies_task_get_result_url (success));
  g_assert_cmpint (dailies_task_get_progress (success), ==, 100);

  /* Nothing left to poll: no timer is armed. */
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 5000));
  g_assert_cmpint (dailies_poller_get_next_wakeup_ms (f.poller), ==, -1);

  fixture_clear (&f);
}

/* ------------------------------------------------------------------ */
/* Scripted failures                                                   */
/* ------------------------------------------------------------------ */

static Reply
script_always_success (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static Reply
script_in_progress_then_success (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_TASK, n < 3 ? "IN_PROGRESS" : "SUCCESS", 0, -1 };
}

static Reply
script_in_progress_forever (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_TASK, "IN_PROGRESS", 0, -1 };
}

static gboolean
n_requests_at_least (gpointer user_data)
{
  TestServer *server = ((gpointer *) user_data)[0];
  guint n = GPOINTER_TO_UINT (((gpointer *) user_data)[1]);

  return server->n_requests >= n;
}

static gboolean
every_task (Fixture  *f,
            gboolean (*check) (DailiesTask *task))
{
  GListModel *model = G_LIST_MODEL (f->store);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);
      if (!check (task))
        return FALSE;
    }

  return TRUE;
}

static gboolean
succeeded (DailiesTask *task)
{
  return dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS;
}

static gboolean
all_succeeded (gpointer user_data)
{
  return every_task (user_data, succeeded);
}

static gboolean
usage_answered (gpointer user_data)
{
  Fixture *f = user_data;
  gint64 used;

  dailies_poller_get_quota (f->poller, &used, NULL);

  return dailies_poller_get_pause_reason (f->poller) == DAILIES_POLLER_PAUSE_NO_QUOTA || used >= 0;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

/* After a 401 the key is never sent again, whatever asks: the timer, Check
 * Again on each task, a refresh of all, a wake. Only a new key resumes. */
static void
test_rejected_key_never_sent_again (gconstpointer data)
{
  const char *key = data;
  gboolean spent = g_str_equal (key, "sk-spent");
  TestServer *server = test_server_new (script_always_success);
  gpointer until[2] = { server, GUINT_TO_POINTER (1) };
  guint after_401;
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_api_client_set_api_key (f.client, key);
  dailies_poller_set_max_concurrent (f.poller, 1);
  add_ids (&f, 5, "asyntask_Unauth00000001", "asyntask_Unauth00000002", "asyntask_Unauth00000003",
           "asyntask_Unauth00000004", "asyntask_Unauth00000005");
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 5000));
  g_assert_true (dailies_test_wait_until (poller_is_unauthorized, f.poller, 5000));

  /* The usage query, once, tells a spent key from a wrong one. */
  if (spent)
    {
      gint64 used, granted;

      g_assert_true (dailies_test_wait_until (usage_answered, &f, 5000));
      g_assert_cmpint (dailies_poller_get_pause_reason (f.poller), ==, DAILIES_POLLER_PAUSE_NO_QUOTA);
      dailies_poller_get_quota (f.poller, &used, &granted);
      g_assert_cmpint (used, ==, 500000);
      g_assert_cmpint (granted, ==, 500000);
    }
  else
    {
      g_assert_false (dailies_test_wait_until (usage_answered, &f, 300));
      g_assert_cmpint (dailies_poller_get_pause_reason (f.poller), ==, DAILIES_POLLER_PAUSE_KEY_REJECTED);
    }
  g_assert_cmpuint (server->n_usage, ==, 1);
  g_assert_cmpint (dailies_poller_get_pause_until (f.poller), ==, 0);

  /* Paused: one rejected request, not one per task, and no timer. */
  after_401 = server->n_requests;
  g_assert_cmpuint (after_401, ==, 1);
  g_assert_cmpint (dailies_poller_get_next_wakeup_ms (f.poller), ==, -1);

  /* Every way of asking again: Check Again on each task (and "Check Them
   * Again", which does that for all shown), a wake (as a base URL change
   * or the keyring answering late would), and time passing. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f.store)); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f.store), i);
      dailies_poller_refresh (f.poller, task);
    }
  dailies_poller_wake (f.poller);
  g_assert_false (dailies_test_wait_until (never, NULL, 2500));  /* over two poll intervals */
  g_assert_cmpuint (server->n_requests, ==, after_401);
  g_assert_cmpuint (server->n_usage, ==, 1);
  g_assert_cmpint (dailies_poller_get_state (f.poller), ==, DAILIES_POLLER_STATE_UNAUTHORIZED);

  /* A new key resumes everything, with no wake needed. */
  dailies_api_client_set_api_key (f.client, TEST_KEY);
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_Unauth0000000%u", i);
      g_assert_true (wait_for_status (&f, id, DAILIES_TASK_STATUS_SUCCESS, 15000));
    }
  g_assert_cmpuint (server->n_with_wrong_auth, ==, 1);
  g_assert_cmpint (dailies_poller_get_pause_reason (f.poller), ==, DAILIES_POLLER_PAUSE_NONE);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_not_found (TestServer *server, const char *task_id, guint n)
{
  if (strstr (task_id, "Missing") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 404, -1,
                     "{\"error\":{\"message\":\"task not found\",\"type\":\"invalid_request_error\",\"code\":\"task_not_found\"}}" };
  /* new-api's way of saying it, for a task of another account too */
  if (strstr (task_id, "NotExist") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 400, -1, "{\"code\":\"task_not_exist\",\"message\":\"task_not_exist\",\"data\":null}" };
  if (strstr (task_id, "BadRequest") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 400, -1, "{\"code\":\"invalid_request\",\"message\":\"bad\",\"data\":null}" };
  if (strstr (task_id, "NoAccess") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 403, -1,
                     "{\"error\":{\"message\":\"This token has no access to model seedance-turbo\",\"type\":\"new_api_error\",\"code\":\"\"}}" };
  if (strstr (task_id, "Wrong") != NULL)
    return (Reply) { REPLY_WRONG_TASK, NULL, 0, -1 };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static void
test_not_found (void)
{
  TestServer *server = test_server_new (script_not_found);
  Fixture f;

  fixture_init (&f, server->base_url);
  add_ids (&f, 2, "asyntask_Missing000000001", "asyntask_Present000000001");
  dailies_poller_start (f.poller);

  g_assert_true (wait_for_status (&f, "asyntask_Missing000000001", DAILIES_TASK_STATUS_NOT_FOUND, 5000));
  g_assert_true (wait_for_status (&f, "asyntask_Present000000001", DAILIES_TASK_STATUS_SUCCESS, 5000));
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 5000));
  /* A 404 is a final answer about that ID: asked once. */
  g_assert_cmpuint (count_for (server, "asyntask_Missing000000001"), ==, 1);
  g_assert_cmpuint (dailies_task_get_http_status (dailies_task_store_lookup (f.store, "asyntask_Missing000000001")), ==, 404);

  fixture_clear (&f);
  test_server_free (server);
}

typedef struct
{
  TestServer *server;
  const char *task_id;
} AskWait;

static gboolean
asked_at_least_twice (gpointer user_data)
{
  AskWait *wait = user_data;

  return count_for (wait->server, wait->task_id) >= 2;
}

static void
count_up (guint *count)
{
  (*count)++;
}

/* new-api's 400 task_not_exist is "not found"; a 403 for a model the key
 * may not use and an answer about another task are errors of that one
 * task: shown, logged, backed off, never applied, and the others go on. */
static void
test_gateway_answers (void)
{
  TestServer *server = test_server_new (script_not_found);
  const char *not_exist = "asyntask_NotExist00000001";
  const char *bad = "asyntask_BadRequest000001";
  const char *no_access = "asyntask_NoAccess00000001";
  const char *wrong = "asyntask_Wrong00000000001";
  const char *fine = "asyntask_Present000000002";
  AskWait twice;
  DailiesTask *task;
  guint n_changed_fine = 0;
  guint n_changed_not_exist = 0;
  Fixture f;

  fixture_init (&f, server->base_url);
  add_ids (&f, 5, not_exist, bad, no_access, wrong, fine);
  /* A row redraws once an answer: its request ID is part of the change. */
  g_signal_connect_swapped (dailies_task_store_lookup (f.store, fine), "changed",
                            G_CALLBACK (count_up), &n_changed_fine);
  g_signal_connect_swapped (dailies_task_store_lookup (f.store, not_exist), "changed",
                            G_CALLBACK (count_up), &n_changed_not_exist);
  dailies_poller_start (f.poller);

  g_assert_true (wait_for_status (&f, not_exist, DAILIES_TASK_STATUS_NOT_FOUND, 5000));
  g_assert_true (wait_for_status (&f, fine, DAILIES_TASK_STATUS_SUCCESS, 5000));
  task = dailies_task_store_lookup (f.store, not_exist);
  g_assert_cmpuint (dailies_task_get_http_status (task), ==, 400);

  /* The others are asked again (backed off), and stay as they were. */
  for (guint i = 0; i < 3; i++)
    {
      const char *id = (const char *[]) { bad, no_access, wrong }[i];

      twice = (AskWait) { server, id };
      g_assert_true (dailies_test_wait_until (asked_at_least_twice, &twice, 5000));
      task = dailies_task_store_lookup (f.store, id);
      g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_UNKNOWN);
      g_assert_nonnull (dailies_task_get_last_error (task));
    }
  g_assert_cmpstr (dailies_task_get_last_error (dailies_task_store_lookup (f.store, no_access)), ==,
                   "HTTP 403: This token has no access to model seedance-turbo");
  g_assert_nonnull (strstr (dailies_task_get_last_error (dailies_task_store_lookup (f.store, wrong)),
                            "asyntask_SomeoneElse00000000001"));
  g_assert_null (dailies_task_get_result_url (dailies_task_store_lookup (f.store, wrong)));
  g_assert_cmpuint (count_for (server, not_exist), ==, 1);
  g_assert_false (dailies_api_client_get_key_rejected (f.client));

  /* The gateway's request ID of the last answer, kept for support, on
   * success and on error alike. */
  g_assert_true (g_str_has_prefix (dailies_task_get_gateway_request_id (dailies_task_store_lookup (f.store, fine)),
                                   "gw-asyntask_Present000000002-"));
  g_assert_true (g_str_has_prefix (dailies_task_get_gateway_request_id (dailies_task_store_lookup (f.store, no_access)),
                                   "gw-asyntask_NoAccess00000001-"));
  g_assert_cmpuint (count_for (server, fine), ==, 1);
  g_assert_cmpuint (n_changed_fine, ==, 1);
  g_assert_cmpuint (n_changed_not_exist, ==, 1);
  g_assert_true (g_str_has_prefix (dailies_task_get_gateway_request_id (dailies_task_store_lookup (f.store, not_exist)),
                                   "gw-asyntask_NotExist00000001-"));

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_one_upstream_cancelled (TestServer *server, const char *task_id, guint n)
{
  if (strstr (task_id, "Cancelled") != NULL)
    return (Reply) { REPLY_UPSTREAM_CANCELLED, NULL, 0, -1 };

  return (Reply) { REPLY_TASK, "IN_PROGRESS", 0, -1 };
}

static gboolean
asked_four_times (gpointer user_data)
{
  AskWait *wait = user_data;

  return count_for (wait->server, wait->task_id) >= 4;
}

/* A task whose model's service cancelled it stays IN_PROGRESS at the
 * gateway for a day: it is asked about at a slow pace, while a task
 * really running is asked about every interval. */
static void
test_upstream_problem_slow_pace (void)
{
  TestServer *server = test_server_new (script_one_upstream_cancelled);
  const char *cancelled = "asyntask_Cancelled0000001";
  const char *running = "asyntask_Running000000001";
  AskWait four = { server, running };
  Fixture f;

  fixture_init (&f, server->base_url);
  add_ids (&f, 2, cancelled, running);
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (asked_four_times, &four, 10000));
  g_assert_nonnull (dailies_task_get_upstream_problem (dailies_task_store_lookup (f.store, cancelled)));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, cancelled)), ==,
                   DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpuint (count_for (server, cancelled), ==, 1);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_rate_limited_once (TestServer *server, const char *task_id, guint n)
{
  if (n == 1)
    return (Reply) { REPLY_STATUS, NULL, 429, 2 };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static void
test_retry_after (void)
{
  TestServer *server = test_server_new (script_rate_limited_once);
  gint64 first, second;
  Fixture f;

  fixture_init (&f, server->base_url);
  add_ids (&f, 1, "asyntask_RateLimited0001");
  dailies_poller_start (f.poller);

  g_assert_true (wait_for_status (&f, "asyntask_RateLimited0001", DAILIES_TASK_STATUS_SUCCESS, 10000));
  g_assert_cmpuint (server->request_times->len, ==, 2);

  /* The backoffs alone would be 50 and 200 ms: Retry-After: 2 must win. */
  first = *(gint64 *) g_ptr_array_index (server->request_times, 0);
  second = *(gint64 *) g_ptr_array_index (server->request_times, 1);
  g_assert_cmpint (second - first, >=, 2 * G_USEC_PER_SEC);

  fixture_clear (&f);
  test_server_free (server);
}

/* The first request meets a 429 with an empty body and no Retry-After,
 * as new-api sends it; the rest succeed. */
static Reply
script_first_rate_limited (TestServer *server, const char *task_id, guint n)
{
  if (server->n_requests == 1)
    return (Reply) { REPLY_STATUS, NULL, 429, -1, "" };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static gboolean
poller_is_rate_limited (gpointer user_data)
{
  return dailies_poller_get_pause_reason (user_data) == DAILIES_POLLER_PAUSE_RATE_LIMITED;
}

static gboolean
poller_not_paused (gpointer user_data)
{
  return dailies_poller_get_pause_reason (user_data) == DAILIES_POLLER_PAUSE_NONE;
}

/* A 429 pauses every task, not only the one that met it, and the poller
 * says until when; after it, all are asked. */
static void
test_rate_limit_pauses_all (void)
{
  TestServer *server = test_server_new (script_first_rate_limited);
  gpointer until[2] = { server, GUINT_TO_POINTER (1) };
  gint64 before, pause_until, limited_at, next;
  Fixture f;

  fixture_init (&f, server->base_url);
  /* Longer than the per-task backoff (50 ms) and the interval stretch. */
  dailies_poller_set_rate_limit_pause (f.poller, 700, 5000);
  dailies_poller_set_max_concurrent (f.poller, 1);
  server->poller = f.poller;
  add_ids (&f, 6, "asyntask_Pause00000001", "asyntask_Pause00000002", "asyntask_Pause00000003",
           "asyntask_Pause00000004", "asyntask_Pause00000005", "asyntask_Pause00000006");
  before = g_get_real_time () / G_USEC_PER_SEC;
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 5000));
  g_assert_true (dailies_test_wait_until (poller_is_rate_limited, f.poller, 5000));
  limited_at = g_get_monotonic_time ();
  pause_until = dailies_poller_get_pause_until (f.poller);
  g_assert_cmpint (pause_until, >=, before);
  g_assert_cmpint (pause_until, <=, before + 2);
  g_assert_cmpint (dailies_poller_get_next_wakeup_ms (f.poller), <=, 700);

  /* Checks Again during the pause wait for it too. */
  dailies_poller_refresh (f.poller, dailies_task_store_lookup (f.store, "asyntask_Pause00000006"));

  /* The pause ends on its own, and no request came during it. */
  g_assert_true (dailies_test_wait_until (poller_not_paused, f.poller, 5000));
  g_assert_cmpint (g_get_monotonic_time () - limited_at, >=, 600 * 1000);
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 15000));
  g_assert_cmpuint (server->n_during_pause, ==, 0);
  g_assert_cmpuint (server->n_requests, ==, 7);
  next = *(gint64 *) g_ptr_array_index (server->request_times, 1);
  g_assert_cmpint (next - *(gint64 *) g_ptr_array_index (server->request_times, 0), >=, 700 * 1000);
  g_assert_cmpint (dailies_poller_get_pause_until (f.poller), ==, 0);

  fixture_clear (&f);
  test_server_free (server);
}

/* 429s in a row: the pause doubles (up to the cap); a success resets it. */
static Reply
script_rate_limited_twice (TestServer *server, const char *task_id, guint n)
{
  if (server->n_requests <= 2 || server->n_requests == 4)
    return (Reply) { REPLY_STATUS, NULL, 429, -1, "" };

  return (Reply) { REPLY_TASK, "IN_PROGRESS", 0, -1 };
}

static void
test_rate_limit_doubles_and_resets (void)
{
  TestServer *server = test_server_new (script_rate_limited_twice);
  g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  gpointer until[2] = { server, GUINT_TO_POINTER (5) };
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_rate_limit_pause (f.poller, 300, 10000);
  dailies_poller_set_interval (f.poller, 1);
  add_ids (&f, 1, "asyntask_Doubling000001");
  dailies_poller_start (f.poller);

  /* 429, 429, 200, 429, 200 */
  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 15000));
  for (guint i = 1; i < 5; i++)
    {
      gint64 gap = *(gint64 *) g_ptr_array_index (server->request_times, i) -
                   *(gint64 *) g_ptr_array_index (server->request_times, i - 1);
      g_array_append_val (gaps, gap);
    }

  g_assert_cmpint (g_array_index (gaps, gint64, 0), >=, 300 * 1000);
  g_assert_cmpint (g_array_index (gaps, gint64, 1), >=, 600 * 1000);
  /* After the success: the next 429 pauses for the first span again. */
  g_assert_cmpint (g_array_index (gaps, gint64, 3), >=, 300 * 1000);
  g_assert_cmpint (g_array_index (gaps, gint64, 3), <, 600 * 1000 + 200 * 1000);

  fixture_clear (&f);
  test_server_free (server);
}

/* Four requests in flight all meet the 429: one pause, not four doublings. */
static Reply
script_first_four_rate_limited (TestServer *server, const char *task_id, guint n)
{
  if (server->n_requests <= 4)
    return (Reply) { REPLY_STATUS, NULL, 429, -1, "" };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static void
test_rate_limit_in_flight_counts_once (void)
{
  TestServer *server = test_server_new (script_first_four_rate_limited);
  gpointer until[2] = { server, GUINT_TO_POINTER (5) };
  gint64 gap;
  Fixture f;

  server->hold_ms = 50;
  fixture_init (&f, server->base_url);
  dailies_poller_set_rate_limit_pause (f.poller, 300, 60000);
  dailies_poller_set_max_concurrent (f.poller, 4);
  add_ids (&f, 4, "asyntask_InFlight0000001", "asyntask_InFlight0000002", "asyntask_InFlight0000003",
           "asyntask_InFlight0000004");
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 10000));
  g_assert_cmpuint (server->max_in_flight, ==, 4);
  gap = *(gint64 *) g_ptr_array_index (server->request_times, 4) -
        *(gint64 *) g_ptr_array_index (server->request_times, 3);
  /* 300 ms, not 300 × 2 × 2 × 2. */
  g_assert_cmpint (gap, >=, 300 * 1000);
  g_assert_cmpint (gap, <, 1200 * 1000);
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 10000));

  fixture_clear (&f);
  test_server_free (server);
}

/* A Retry-After of a day is capped at an hour, and that is what is shown. */
static Reply
script_retry_tomorrow (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_STATUS, NULL, 429, 86400, "" };
}

static void
test_huge_retry_after_capped (void)
{
  TestServer *server = test_server_new (script_retry_tomorrow);
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 until;
  Fixture f;

  fixture_init (&f, server->base_url);
  add_ids (&f, 1, "asyntask_Tomorrow0000001");
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (poller_is_rate_limited, f.poller, 5000));
  until = dailies_poller_get_pause_until (f.poller);
  g_assert_cmpint (until, >=, before + 3600);
  g_assert_cmpint (until, <=, before + 3600 + 5);
  g_assert_cmpint (dailies_poller_get_next_wakeup_ms (f.poller), >, 3590 * 1000);
  g_assert_cmpint (dailies_poller_get_next_wakeup_ms (f.poller), <=, 3600 * 1000);
  g_assert_cmpuint (server->n_requests, ==, 1);

  fixture_clear (&f);
  test_server_free (server);
}

/* Each task meets a different failure first, then the server recovers. */
static Reply
script_flaky (TestServer *server, const char *task_id, guint n)
{
  if (n <= 2)
    {
      if (strstr (task_id, "Err500") != NULL)
        return (Reply) { REPLY_STATUS, NULL, 500, -1 };
      if (strstr (task_id, "Truncated") != NULL)
        return (Reply) { REPLY_TRUNCATED, NULL, 0, -1 };
      if (strstr (task_id, "Hang") != NULL && n == 1)
        return (Reply) { REPLY_HANG, NULL, 0, -1 };
    }

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static gboolean
task_has_error (gpointer user_data)
{
  StatusWait *wait = user_data;
  DailiesTask *task = dailies_task_store_lookup (wait->f->store, wait->task_id);

  return task != NULL && dailies_task_get_last_error (task) != NULL;
}

static void
last_error_notify_cb (DailiesTask *task,
                      GParamSpec  *pspec,
                      gboolean    *saw_error)
{
  if (dailies_task_get_last_error (task) != NULL)
    *saw_error = TRUE;
}

static void
test_errors_back_off_and_recover (void)
{
  TestServer *server = test_server_new (script_flaky);
  const char *ids[] = { "asyntask_Err500000000001", "asyntask_Truncated000001", "asyntask_Hang000000000001" };
  gboolean saw_error[G_N_ELEMENTS (ids)] = { FALSE, };
  Fixture f;

  fixture_init (&f, server->base_url);
  /* Regular checks may start a twentieth of the interval early, here
   * 150 ms, more than either backoff below: a retry must not. */
  dailies_poller_set_interval (f.poller, 3);
  add_ids (&f, 3, ids[0], ids[1], ids[2]);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_signal_connect (dailies_task_store_lookup (f.store, ids[i]), "notify::last-error",
                      G_CALLBACK (last_error_notify_cb), &saw_error[i]);
  dailies_poller_start (f.poller);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      /* Each recovers, and the error it met was shown on the way. */
      g_assert_true (wait_for_status (&f, ids[i], DAILIES_TASK_STATUS_SUCCESS, 15000));
      g_assert_true (saw_error[i]);
      g_assert_null (dailies_task_get_last_error (dailies_task_store_lookup (f.store, ids[i])));
    }

  g_assert_cmpuint (count_for (server, ids[0]), ==, 3);
  g_assert_cmpuint (count_for (server, ids[1]), ==, 3);
  g_assert_cmpuint (count_for (server, ids[2]), ==, 2);

  /* A retry waits its whole backoff (50 ms, then 100, each ±25 %). */
  g_assert_cmpint (request_time_of (server, ids[0], 1) - request_time_of (server, ids[0], 0), >=, 37500);
  g_assert_cmpint (request_time_of (server, ids[0], 2) - request_time_of (server, ids[0], 1), >=, 75000);

  fixture_clear (&f);
  test_server_free (server);
}

static void
test_connection_refused_recovers (void)
{
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *closed_base = NULL;
  g_autoptr(GError) error = NULL;
  StatusWait wait;
  Fixture f;

  /* A port that was just free: nothing listens there. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  closed_base = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  fixture_init (&f, closed_base);
  add_ids (&f, 1, "asyntask_Refused00000001");
  dailies_poller_start (f.poller);

  wait = (StatusWait) { &f, "asyntask_Refused00000001", 0 };
  g_assert_true (dailies_test_wait_until (task_has_error, &wait, 10000));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, wait.task_id)), ==,
                   DAILIES_TASK_STATUS_UNKNOWN);

  /* The server comes back (here: at another address); polling goes on. */
  dailies_api_client_set_base_url (f.client, server->base_url);
  g_assert_true (wait_for_status (&f, wait.task_id, DAILIES_TASK_STATUS_SUCCESS, 10000));

  fixture_clear (&f);
  test_server_free (server);
}

static void
test_concurrency_limit (void)
{
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  Fixture f;

  server->hold_ms = 20;
  fixture_init (&f, server->base_url);
  dailies_poller_set_max_concurrent (f.poller, 3);

  for (guint i = 0; i < 40; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Concurrent%05u", i));
  dailies_task_store_add_ids (f.store, (const char * const *) ids->pdata, ids->len);
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 60000));

  /* The server counted: never more than the setting, and the setting used. */
  g_assert_cmpuint (server->max_in_flight, ==, 3);
  g_assert_cmpuint (server->n_requests, ==, 40);

  fixture_clear (&f);
  test_server_free (server);
}

static gboolean
nothing_in_flight (gpointer user_data)
{
  return dailies_poller_get_n_in_flight (user_data) == 0;
}

/* A thousand tasks at once: the first pass runs at full concurrency, then
 * the per-task interval stretches so requests stay spread out. */
static void
test_many_tasks_spread (void)
{
  TestServer *server = test_server_new (script_in_progress_then_success);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gpointer until[2] = { server, GUINT_TO_POINTER (1000) };
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_interval (f.poller, 15);
  dailies_poller_set_max_concurrent (f.poller, 4);

  for (guint i = 0; i < 1000; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Many%06u", i));
  dailies_task_store_add_ids (f.store, (const char * const *) ids->pdata, ids->len);
  dailies_poller_start (f.poller);

  g_assert_cmpuint (dailies_poller_get_n_in_flight (f.poller), <=, 4);
  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 60000));
  g_assert_cmpuint (server->n_requests, ==, 1000);
  g_assert_true (dailies_test_wait_until (nothing_in_flight, f.poller, 10000));

  /* 1000 tasks / 4 per second: each task waits about 250 s, not 15; a
   * slow first pass (sanitizers) eats into that wait. */
  g_assert_cmpint (dailies_poller_get_next_wakeup_ms (f.poller), >, 200 * 1000 / dailies_test_time_scale ());

  fixture_clear (&f);
  test_server_free (server);
}


/* ------------------------------------------------------------------ */
/* The requests-per-second budget                                      */
/* ------------------------------------------------------------------ */

/* The most requests the server saw within any one second. */
static guint
max_per_second (TestServer *server,
                guint       from)
{
  guint most = 0;

  for (guint i = from; i < server->request_times->len; i++)
    {
      gint64 start = *(gint64 *) g_ptr_array_index (server->request_times, i);
      guint n = 0;

      for (guint j = i; j < server->request_times->len; j++)
        if (*(gint64 *) g_ptr_array_index (server->request_times, j) < start + G_USEC_PER_SEC)
          n++;
      most = MAX (most, n);
    }

  return most;
}

static double
span_s (TestServer *server,
        guint       from,
        guint       to)
{
  return (*(gint64 *) g_ptr_array_index (server->request_times, to) -
          *(gint64 *) g_ptr_array_index (server->request_times, from)) / (double) G_USEC_PER_SEC;
}

/* For tests of the order tasks are asked in: one at a time, so that the
 * server sees them in the order they were sent, with no budget between
 * them, and the waiting ones' next turn long after the test. */
static void
ask_one_at_a_time (Fixture *f)
{
  dailies_poller_set_interval (f->poller, 60);
  dailies_poller_set_max_concurrent (f->poller, 1);
  dailies_poller_set_requests_per_second (f->poller, 0);
}

static void
add_numbered (Fixture    *f,
              const char *prefix,
              guint       n)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_%s%06u", prefix, i));
  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
}

/* An import hands its tasks over in slices, a main-loop pass apart: the
 * first turns still follow the list's order, not slice after slice
 * interleaved. */
static gboolean
later_cb (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_true (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static void
test_first_pass_in_order (void)
{
  TestServer *server = test_server_new (script_always_success);
  gpointer until[2] = { server, GUINT_TO_POINTER (20) };
  gboolean later = FALSE;
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_interval (f.poller, 15);
  dailies_poller_set_max_concurrent (f.poller, 8);
  dailies_poller_set_requests_per_second (f.poller, 20);
  dailies_poller_start (f.poller);
  add_numbered (&f, "SliceA", 10);
  g_timeout_add (30, later_cb, &later);
  g_assert_true (dailies_test_wait_until (is_true, &later, 5000));
  add_numbered (&f, "SliceB", 10);

  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 20000));
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *expected = g_strdup_printf ("asyntask_%s%06u", i < 10 ? "SliceA" : "SliceB", i % 10);

      g_assert_cmpstr (g_ptr_array_index (server->request_ids, i), ==, expected);
    }
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 5000));

  fixture_clear (&f);
  test_server_free (server);
}

/* The first pass over new tasks keeps to the budget, as the steady state
 * does: today's burst was the concurrency limit alone. */
static void
test_first_pass_spread (void)
{
  TestServer *server = test_server_new (script_always_success);
  gpointer until[2] = { server, GUINT_TO_POINTER (60) };
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_interval (f.poller, 15);
  dailies_poller_set_max_concurrent (f.poller, 8);
  dailies_poller_set_requests_per_second (f.poller, 20);
  add_numbered (&f, "Spread", 60);
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 20000));
  g_assert_cmpuint (max_per_second (server, 0), <=, 21);
  /* 59 steps of 50 ms, not a burst at the speed of the loopback. */
  g_assert_cmpfloat (span_s (server, 0, 59), >=, 2.7);
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 5000));

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_always_in_progress (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_TASK, "IN_PROGRESS", 0, -1 };
}

typedef struct
{
  TestServer *server;
  const char *task_id;
  guint       count;
} CountWait;

static gboolean
count_above (gpointer user_data)
{
  CountWait *wait = user_data;

  return count_for (wait->server, wait->task_id) > wait->count;
}

static gboolean
keep_ticking_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Checks due close together go out one after another: a task whose turn
 * falls within a twentieth of the interval is asked as soon as the
 * poller is awake anyway, not after a sleep of its own, and none is
 * asked more than that early. */
static void
test_due_checks_go_out_back_to_back (void)
{
  TestServer *server = test_server_new (script_always_in_progress);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gint64 deadline;
  guint tick;
  guint n_wakeups = 0, previous = 0;
  Fixture f;

  fixture_init (&f, server->base_url);
  /* Turns spread over 1.8-2.2 s after each first answer, 0.4 s for 20
   * tasks: some 20 ms apart, where a check takes a few. */
  dailies_poller_set_interval (f.poller, 2);
  dailies_poller_set_max_concurrent (f.poller, 4);
  dailies_poller_set_requests_per_second (f.poller, 1000000);
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Together%06u", i));
  dailies_task_store_add_ids (f.store, (const char * const *) ids->pdata, ids->len);
  dailies_poller_start (f.poller);

  /* Counts each time the poller goes from nothing in flight to asking,
   * over the second turn of each task. The tick only makes sure the loop
   * reaches its deadline should the poller stop waking. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  tick = g_timeout_add (100, keep_ticking_cb, NULL);
  while (server->n_requests < 40 && g_get_monotonic_time () < deadline)
    {
      guint n_in_flight;

      g_main_context_iteration (NULL, TRUE);
      n_in_flight = dailies_poller_get_n_in_flight (f.poller);
      if (server->n_requests > 20 && previous == 0 && n_in_flight > 0)
        n_wakeups++;
      previous = n_in_flight;
    }
  g_source_remove (tick);
  g_assert_cmpuint (server->n_requests, >=, 40);

  /* A wake-up each 0.1 s of the 0.4 s spread (and one more for a slow
   * first turn), against one for nearly every task when each waits for
   * its own time. */
  g_assert_cmpuint (n_wakeups, <=, 8);
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);

      /* 0.9 × 2 s, less 0.1 s early at most. */
      g_assert_cmpint (request_time_of (server, id, 1) - request_time_of (server, id, 0), >=, 1700000);
    }

  fixture_clear (&f);
  test_server_free (server);
}

/* A bulk add does not push the tasks already polling behind all of it:
 * their next turn comes between the new tasks' first ones. */
static void
test_bulk_add_keeps_others_turn (void)
{
  TestServer *server = test_server_new (script_in_progress_forever);
  CountWait wait = { server, "asyntask_AlreadyPolling01", 1 };
  guint n_before;
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_requests_per_second (f.poller, 20);
  add_ids (&f, 1, wait.task_id);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (count_above, &wait, 5000));
  /* Its answer is in, and its next turn planned with one task polling. */
  g_assert_true (dailies_test_wait_until (nothing_in_flight, f.poller, 5000));

  n_before = server->n_requests;
  wait.count = count_for (server, wait.task_id);
  add_numbered (&f, "Bulk", 200);

  /* Its interval is 1 s; the 200 take 10 s at 20 a second. */
  g_assert_true (dailies_test_wait_until (count_above, &wait, 5000));
  g_assert_cmpuint (server->n_requests - n_before, <, 100);
  g_assert_cmpuint (max_per_second (server, n_before), <=, 21);

  fixture_clear (&f);
  test_server_free (server);
}

/* The setting applies while tasks wait: faster and slower. */
static void
test_budget_setting_live (void)
{
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.dailies.Dailies");
  gpointer until[2] = { server, GUINT_TO_POINTER (4) };
  guint n_slow;
  Fixture f;

  g_assert_cmpuint (g_settings_get_uint (settings, "requests-per-second"), ==, 10);
  g_settings_set_uint (settings, "requests-per-second", 2);
  g_settings_set_uint (settings, "poll-interval", 15);

  fixture_init (&f, server->base_url);
  g_clear_object (&f.poller);
  f.poller = dailies_poller_new (f.store, f.client, settings);
  add_numbered (&f, "Live", 40);
  dailies_poller_start (f.poller);

  /* Two a second: four requests take 1.5 s at least. */
  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 5000));
  g_assert_cmpfloat (span_s (server, 0, 3), >=, 1.4);
  g_assert_cmpuint (max_per_second (server, 0), <=, 3);

  /* Fifty a second: the rest come within a second or so. */
  n_slow = server->n_requests;
  g_settings_set_uint (settings, "requests-per-second", 50);
  until[1] = GUINT_TO_POINTER (40);
  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 5000));
  g_assert_cmpfloat (span_s (server, n_slow, 39), <, 1.5);
  g_assert_cmpuint (max_per_second (server, n_slow), <=, 51);
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 5000));

  fixture_clear (&f);
  test_server_free (server);
  g_settings_reset (settings, "requests-per-second");
  g_settings_reset (settings, "poll-interval");
}

/* Check Again goes before the tasks waiting for their first turn, and
 * still counts against the budget. */
static void
test_check_again_jumps_queue (void)
{
  TestServer *server = test_server_new (script_always_success);
  gpointer until[2] = { server, GUINT_TO_POINTER (3) };
  CountWait wait = { server, "asyntask_Queue000049", 0 };
  guint n_before;
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_interval (f.poller, 15);
  dailies_poller_set_requests_per_second (f.poller, 10);
  add_numbered (&f, "Queue", 50);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 5000));

  /* The last of fifty, asked for now. */
  n_before = server->n_requests;
  dailies_poller_refresh (f.poller, dailies_task_store_lookup (f.store, wait.task_id));
  g_assert_true (dailies_test_wait_until (count_above, &wait, 2000));
  g_assert_cmpuint (server->n_requests - n_before, <=, 2);
  g_assert_cmpuint (max_per_second (server, 0), <=, 11);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_done_or_waiting (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_TASK, strstr (task_id, "Done") != NULL ? "SUCCESS" : "IN_PROGRESS", 0, -1 };
}

/* Check Again on many tasks at once (a selection, or every task shown)
 * asks them in the order given, finished or waiting, each once. */
static void
test_check_again_in_order_given (void)
{
  TestServer *server = test_server_new (script_done_or_waiting);
  gpointer first_pass[2] = { server, GUINT_TO_POINTER (20) };
  gpointer again[2] = { server, GUINT_TO_POINTER (40) };
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  Fixture f;

  fixture_init (&f, server->base_url);
  ask_one_at_a_time (&f);
  add_numbered (&f, "AgainDone", 10);
  add_numbered (&f, "AgainWait", 10);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (n_requests_at_least, first_pass, 10000));
  g_assert_false (dailies_test_wait_until (never, NULL, 300));
  g_assert_cmpuint (server->n_requests, ==, 20);

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *done = g_strdup_printf ("asyntask_AgainDone%06u", i);
      g_autofree char *waiting = g_strdup_printf ("asyntask_AgainWait%06u", i);

      g_ptr_array_add (added, g_object_ref (dailies_task_store_lookup (f.store, done)));
      g_assert_true (dailies_task_is_terminal (g_ptr_array_index (added, added->len - 1)));
      g_ptr_array_add (added, g_object_ref (dailies_task_store_lookup (f.store, waiting)));
      g_assert_false (dailies_task_is_terminal (g_ptr_array_index (added, added->len - 1)));
    }
  /* From both ends inwards (19, 0, 18, 1, …): neither the order they were
   * added in nor its reverse, which their entries' places in memory
   * might follow. */
  for (guint i = 0; i < 10; i++)
    {
      g_ptr_array_add (tasks, g_ptr_array_index (added, 19 - i));
      g_ptr_array_add (tasks, g_ptr_array_index (added, i));
    }
  dailies_poller_refresh_tasks (f.poller, tasks);

  g_assert_true (dailies_test_wait_until (n_requests_at_least, again, 10000));
  g_assert_false (dailies_test_wait_until (never, NULL, 300));
  g_assert_cmpuint (server->n_requests, ==, 40);
  for (guint i = 0; i < 20; i++)
    g_assert_cmpstr (g_ptr_array_index (server->request_ids, 20 + i), ==,
                     dailies_task_get_id (g_ptr_array_index (tasks, i)));

  fixture_clear (&f);
  test_server_free (server);
}

/* Check Agains made while new tasks wait for their first turns keep
 * their order when a change of the budget paces those turns again. */
static void
test_check_again_order_through_budget_change (void)
{
  TestServer *server = test_server_new (script_always_success);
  gpointer first[2] = { server, GUINT_TO_POINTER (1) };
  gpointer again[2] = { server, GUINT_TO_POINTER (6) };
  const guint order[] = { 11, 2, 9, 4, 7 };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_interval (f.poller, 60);
  dailies_poller_set_max_concurrent (f.poller, 1);
  dailies_poller_set_requests_per_second (f.poller, 2);
  add_numbered (&f, "Budget", 12);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (n_requests_at_least, first, 5000));
  g_assert_cmpuint (server->n_requests, ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_Budget%06u", order[i]);

      g_ptr_array_add (tasks, dailies_task_store_lookup (f.store, id));
    }
  dailies_poller_refresh_tasks (f.poller, tasks);
  /* The new tasks still waiting are paced again, and the queue sorted. */
  dailies_poller_set_requests_per_second (f.poller, 20);

  g_assert_true (dailies_test_wait_until (n_requests_at_least, again, 10000));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpstr (g_ptr_array_index (server->request_ids, 1 + i), ==,
                     dailies_task_get_id (g_ptr_array_index (tasks, i)));

  fixture_clear (&f);
  test_server_free (server);
}

/* Twenty new tasks at one request a second: their first turns are paced
 * twenty seconds ahead. */
static void
start_slow_first_turns (Fixture    *f,
                        TestServer *server)
{
  gpointer first[2] = { server, GUINT_TO_POINTER (1) };

  fixture_init (f, server->base_url);
  dailies_poller_set_interval (f->poller, 60);
  dailies_poller_set_requests_per_second (f->poller, 1);
  add_numbered (f, "Slow", 20);
  dailies_poller_start (f->poller);
  g_assert_true (dailies_test_wait_until (n_requests_at_least, first, 5000));
}

static gboolean
late_asked (gpointer user_data)
{
  return count_for (user_data, "asyntask_Late000000") > 0;
}

/* A budget raised while new tasks wait paces the tasks added after them
 * on the new budget too, not behind the old one's turns. */
static void
test_new_task_after_budget_raised (void)
{
  TestServer *server = test_server_new (script_always_success);
  Fixture f;

  start_slow_first_turns (&f, server);
  dailies_poller_set_requests_per_second (f.poller, 1000);
  add_numbered (&f, "Late", 1);
  g_assert_true (dailies_test_wait_until (late_asked, server, 3000));

  fixture_clear (&f);
  test_server_free (server);
}

/* A stop drops the turns planned: at the next start the tasks left are
 * paced afresh, from now. */
static void
test_first_turns_afresh_after_restart (void)
{
  TestServer *server = test_server_new (script_always_success);
  gpointer second[2] = { server, GUINT_TO_POINTER (2) };
  Fixture f;

  start_slow_first_turns (&f, server);
  dailies_poller_stop (f.poller);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (n_requests_at_least, second, 3000));

  fixture_clear (&f);
  test_server_free (server);
}

/* Removes the tasks add_numbered() added as @prefix, numbers @from <= i
 * < @to, every @step-th one, from the store. */
static void
remove_numbered (Fixture    *f,
                 const char *prefix,
                 guint       from,
                 guint       to,
                 guint       step)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = from; i < to; i += step)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_%s%06u", prefix, i);

      g_ptr_array_add (gone, g_object_ref (dailies_task_store_lookup (f->store, id)));
    }
  dailies_task_store_remove_tasks (f->store, gone);
}

/* New tasks wait for their first turn in the order they came; tasks
 * removed while waiting there are never asked about, and the rest keep
 * their order, also once the first thousand turns are behind. */
static void
test_removed_while_waiting_first_turn (void)
{
  TestServer *server = test_server_new (script_always_success);
  gpointer until[2] = { server, GUINT_TO_POINTER (600) };
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_poller_set_interval (f.poller, 15);
  /* One at a time: the server sees them in the order they were sent. */
  dailies_poller_set_max_concurrent (f.poller, 1);
  dailies_poller_set_requests_per_second (f.poller, 0);
  add_numbered (&f, "Gaps", 2000);
  /* Every other one of the first 1,500, once they wait in the running
   * poller's queue and before any is asked about (the main loop has not
   * run yet). */
  dailies_poller_start (f.poller);
  remove_numbered (&f, "Gaps", 1, 1500, 2);

  /* 600 asked: over a thousand of the first turns are behind, and the
   * last 200 still wait. */
  g_assert_true (dailies_test_wait_until (n_requests_at_least, until, 20000));
  remove_numbered (&f, "Gaps", 1800, 2000, 1);

  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 20000));
  for (guint i = 0; i < 1800; i++)
    if (i >= 1500 || i % 2 == 0)
      g_ptr_array_add (expected, g_strdup_printf ("asyntask_Gaps%06u", i));
  g_assert_cmpuint (server->request_ids->len, ==, expected->len);
  assert_asked_first (server, (const char * const *) expected->pdata, expected->len);

  fixture_clear (&f);
  test_server_free (server);
}

/* ------------------------------------------------------------------ */
/* An answer the same as the last one is not parsed or stored again   */
/* ------------------------------------------------------------------ */

static Reply
script_repeats (TestServer *server, const char *task_id, guint n)
{
  switch (n)
    {
    case 1: case 2:
      return (Reply) { REPLY_PROGRESS, NULL, 0, -1, "50%" };
    case 3:
      return (Reply) { REPLY_STATUS, NULL, 502, -1, NULL };
    case 4:
      return (Reply) { REPLY_PROGRESS, NULL, 0, -1, "50%" };
    case 5: case 6:
      /* As long as before: only the bytes tell them apart. */
      return (Reply) { REPLY_PROGRESS, NULL, 0, -1, "60%" };
    default:
      return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
    }
}

static void
answered_cb (DailiesTaskStore *store,
             DailiesTask      *task,
             gboolean          link_changed,
             gboolean          finished,
             GPtrArray        *seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%d%% %s", dailies_task_get_progress (task),
                                          dailies_task_get_last_error (task) != NULL ? "error" : "ok"));
}

static void
test_same_answer_skipped (void)
{
  TestServer *server = test_server_new (script_repeats);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  const char *id = "asyntask_Repeats00000001";
  gint64 polled;
  Fixture f;

  fixture_init (&f, server->base_url);
  g_signal_connect (f.store, "task-answered", G_CALLBACK (answered_cb), seen);
  add_ids (&f, 1, id);
  dailies_poller_start (f.poller);

  g_assert_true (wait_for_status (&f, id, DAILIES_TASK_STATUS_SUCCESS, 20000));
  g_assert_cmpuint (count_for (server, id), ==, 7);

  /* Applied: the first, the one after the error (which it clears), the
   * changed one and the last; the two repeats were not. */
  g_assert_cmpuint (seen->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "50% ok");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "50% ok");
  g_assert_cmpstr (g_ptr_array_index (seen, 2), ==, "60% ok");
  g_assert_cmpstr (g_ptr_array_index (seen, 3), ==, "100% ok");

  /* A repeat still says when the task was last checked. */
  polled = dailies_task_get_last_polled (dailies_task_store_lookup (f.store, id));
  g_assert_cmpint (polled, >=, g_get_real_time () / G_USEC_PER_SEC - 30);

  fixture_clear (&f);
  test_server_free (server);
}

/* ------------------------------------------------------------------ */
/* Errors of many tasks: one log line per streak                       */
/* ------------------------------------------------------------------ */

static GPtrArray *shown_lines;  /* lines above debug, as a user's log gets them */

static Reply
script_down_until_told (TestServer *server, const char *task_id, guint n)
{
  if (server->failing)
    return (Reply) { REPLY_STATUS, NULL, 502, -1, NULL };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static gboolean
has_error (DailiesTask *task)
{
  return dailies_task_get_last_error (task) != NULL;
}

static gboolean
all_have_error (gpointer user_data)
{
  return every_task (user_data, has_error);
}

/* A poller asking @server, down for now, about @n tasks per prefix of
 * @prefixes, its log lines counted from here. Returns the host as a line
 * names it, "127.0.0.1:PORT: " (with the colon after, so that no other
 * port's lines match it). */
static char *
start_while_down (Fixture            *f,
                  TestServer         *server,
                  const char * const *prefixes,
                  guint               n)
{
  server->failing = TRUE;
  fixture_init (f, server->base_url);
  dailies_poller_set_max_concurrent (f->poller, 16);
  for (guint i = 0; prefixes[i] != NULL; i++)
    add_numbered (f, prefixes[i], n);
  g_ptr_array_set_size (shown_lines, 0);
  dailies_poller_start (f->poller);

  return g_strdup_printf ("%s: ", server->base_url + strlen ("http://"));
}

static void
test_error_streak_logged_once (void)
{
  TestServer *server = test_server_new (script_down_until_told);
  const char *prefixes[] = { "Down", NULL };
  g_autofree char *host = NULL;
  const char *line;
  Fixture f;

  host = start_while_down (&f, server, prefixes, 500);

  /* Every task failed, most more than once: one line. */
  g_assert_true (dailies_test_wait_until (all_have_error, &f, 30000));
  g_assert_cmpuint (server->n_requests, >=, 500);
  g_assert_cmpuint (shown_lines->len, ==, 1);
  line = g_ptr_array_index (shown_lines, 0);
  g_assert_nonnull (strstr (line, host));
  g_assert_nonnull (strstr (line, "502"));

  /* It comes back: one more line, with the count. */
  server->failing = FALSE;
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 30000));
  g_assert_cmpuint (shown_lines->len, ==, 2);
  line = g_ptr_array_index (shown_lines, 1);
  g_assert_nonnull (strstr (line, host));
  g_assert_nonnull (strstr (line, "recovered"));
  g_assert_nonnull (strstr (line, "of 500 tasks"));

  fixture_clear (&f);
  test_server_free (server);
}

/* Two kinds of error at once: a bad gateway for some tasks, a server
 * error for the others. */
static Reply
script_two_errors_until_told (TestServer *server, const char *task_id, guint n)
{
  if (server->failing)
    return (Reply) { REPLY_STATUS, NULL, strstr (task_id, "Gateway") != NULL ? 502 : 500, -1, NULL };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static guint
count_lines_with (const char *a,
                  const char *b)
{
  guint n = 0;

  for (guint i = 0; i < shown_lines->len; i++)
    {
      const char *line = g_ptr_array_index (shown_lines, i);

      if (strstr (line, a) != NULL && strstr (line, b) != NULL)
        n++;
    }

  return n;
}

/* One line per kind of error and host, however many tasks share it; each
 * kind's end has its own line too. */
static void
test_error_kinds_logged_once_each (void)
{
  TestServer *server = test_server_new (script_two_errors_until_told);
  const char *prefixes[] = { "Gateway", "Broken", NULL };
  g_autofree char *host = NULL;
  Fixture f;

  host = start_while_down (&f, server, prefixes, 200);

  g_assert_true (dailies_test_wait_until (all_have_error, &f, 30000));
  g_assert_cmpuint (shown_lines->len, ==, 2);
  /* "HTTP 502:", not "502" alone: the server's port may hold those digits. */
  g_assert_cmpuint (count_lines_with (host, "HTTP 502:"), ==, 1);
  g_assert_cmpuint (count_lines_with (host, "HTTP 500:"), ==, 1);

  server->failing = FALSE;
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 30000));
  g_assert_cmpuint (shown_lines->len, ==, 4);
  g_assert_cmpuint (count_lines_with ("recovered", "of 200 tasks"), ==, 2);

  fixture_clear (&f);
  test_server_free (server);
}

/* A wrong region's list: the service does not know these IDs (new-api's
 * 400 task_not_exist), while the other tasks are answered. */
static Reply
script_gone_or_generating (TestServer *server, const char *task_id, guint n)
{
  if (strstr (task_id, "Gone") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 400, -1, "{\"code\":\"task_not_exist\",\"message\":\"task_not_exist\",\"data\":null}" };

  return (Reply) { REPLY_TASK, "IN_PROGRESS", 0, -1 };
}

static gboolean
has_answer (DailiesTask *task)
{
  return dailies_task_get_status (task) != DAILIES_TASK_STATUS_UNKNOWN;
}

static gboolean
all_have_answer (gpointer user_data)
{
  return every_task (user_data, has_answer);
}

static gboolean
is_not_found (DailiesTask *task)
{
  return !g_str_has_prefix (dailies_task_get_id (task), "asyntask_Gone") ||
         dailies_task_get_status (task) == DAILIES_TASK_STATUS_NOT_FOUND;
}

static gboolean
all_gone_not_found (gpointer user_data)
{
  return every_task (user_data, is_not_found);
}

static gboolean
gone_streak_ended (gpointer user_data)
{
  return count_lines_with ("no more", "of 400 tasks") > 0;
}

/* IDs the service does not know, answered between the successes of the
 * tasks it does: the log gets the first and, once a whole interval has
 * passed without one, the count. Another task's success is no recovery
 * from an ID that does not exist, and must not log each of them. */
static void
test_error_streak_between_successes (void)
{
  TestServer *server = test_server_new (script_gone_or_generating);
  g_autofree char *host = NULL;
  Fixture f;

  fixture_init (&f, server->base_url);
  /* No timeout on a busy machine: it would be a line of its own. */
  dailies_api_client_set_timeout (f.client, 30);
  host = g_strdup_printf ("%s: ", server->base_url + strlen ("http://"));
  /* The unknown IDs spread over four seconds by the budget, the live
   * tasks asked again three seconds or more after their first answer,
   * among them; only a stall of three seconds would look like the end. */
  dailies_poller_set_interval (f.poller, 3);
  dailies_poller_set_requests_per_second (f.poller, 100);
  add_numbered (&f, "Live", 20);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (all_have_answer, &f, 10000));

  g_ptr_array_set_size (shown_lines, 0);
  add_numbered (&f, "Gone", 400);
  g_assert_true (dailies_test_wait_until (all_gone_not_found, &f, 30000));
  g_assert_cmpuint (server->n_requests, >=, 400 + 2 * 20);
  g_assert_cmpuint (shown_lines->len, ==, 1);
  g_assert_cmpuint (count_lines_with (host, "HTTP 400:"), ==, 1);

  g_assert_true (dailies_test_wait_until (gone_streak_ended, NULL, 30000));
  g_assert_cmpuint (shown_lines->len, ==, 2);
  g_assert_cmpuint (count_lines_with (host, "no more \"HTTP 400:"), ==, 1);

  fixture_clear (&f);
  test_server_free (server);
}

/* Global knows the "Done" tasks, China the "Known" ones. */
static Reply
script_knows (TestServer *server, const char *task_id, const char *prefix)
{
  if (strstr (task_id, prefix) == NULL)
    return (Reply) { REPLY_STATUS, NULL, 400, -1, "{\"code\":\"task_not_exist\",\"message\":\"task_not_exist\",\"data\":null}" };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static Reply
script_knows_done (TestServer *server, const char *task_id, guint n)
{
  return script_knows (server, task_id, "Done");
}

static Reply
script_knows_known (TestServer *server, const char *task_id, guint n)
{
  return script_knows (server, task_id, "Known");
}

static gboolean
is_terminal (DailiesTask *task)
{
  return dailies_task_is_terminal (task);
}

static gboolean
all_terminal (gpointer user_data)
{
  return every_task (user_data, is_terminal);
}

/* Five tasks each that Global knows ("Done"), that only China knows
 * ("Known") and that neither knows, all answered at Global. Long client
 * timeouts: the request counts are compared exactly. */
static void
answer_all_at_global (Fixture    *f,
                      TestServer *global)
{
  fixture_init (f, global->base_url);
  dailies_api_client_set_timeout (f->client, 30);
  add_numbered (f, "Known", 5);
  add_numbered (f, "Unknown", 5);
  add_numbered (f, "Done", 5);
  dailies_poller_start (f->poller);
  g_assert_true (dailies_test_wait_until (all_terminal, f, 10000));
  g_assert_true (dailies_test_wait_until (poller_is_idle, f->poller, 10000));
  g_assert_cmpuint (global->n_requests, ==, 15);
}

/* Each task as China answers it, Done ones left as Global did. */
static void
assert_answered_at_china (Fixture *f)
{
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *known_id = g_strdup_printf ("asyntask_Known%06u", i);
      g_autofree char *unknown_id = g_strdup_printf ("asyntask_Unknown%06u", i);
      g_autofree char *done_id = g_strdup_printf ("asyntask_Done%06u", i);

      g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f->store, known_id)), ==,
                       DAILIES_TASK_STATUS_SUCCESS);
      g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f->store, unknown_id)), ==,
                       DAILIES_TASK_STATUS_NOT_FOUND);
      g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f->store, done_id)), ==,
                       DAILIES_TASK_STATUS_SUCCESS);
    }
}

static char *
dup_not_found_address (DailiesPoller *poller)
{
  char *address = NULL;

  g_object_get (poller, "not-found-address", &address, NULL);

  return address;
}

/* The tasks still Not found were found missing at the address in use. */
static void
assert_missing_at_current_address (Fixture *f)
{
  g_autofree char *address = dup_not_found_address (f->poller);

  g_assert_cmpstr (address, ==, dailies_api_client_get_base_url (f->client));
}

/* "Not found" is what one address said: after a change of region, the
 * tasks it did not know are asked about once more at the new one; those
 * it knows take their state, the others are left alone again. */
static void
test_not_found_asked_again_at_new_address (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  g_autofree char *china_host = g_strdup_printf ("%s: ", china->base_url + strlen ("http://"));
  Fixture f;

  answer_all_at_global (&f, global);
  assert_missing_at_current_address (&f);

  /* The same address again asks nothing. */
  dailies_api_client_set_base_url (f.client, global->base_url);
  dailies_poller_wake (f.poller);
  g_assert_cmpint (dailies_poller_get_state (f.poller), ==, DAILIES_POLLER_STATE_IDLE);

  g_ptr_array_set_size (shown_lines, 0);
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 10000));
  g_assert_cmpuint (china->n_requests, ==, 10);
  g_assert_cmpuint (global->n_requests, ==, 15);
  assert_answered_at_china (&f);
  g_assert_cmpuint (count_lines_with (china_host, "asking again about 10 Not found tasks"), ==, 1);
  assert_missing_at_current_address (&f);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

/* The region changed between two runs: the app gives the new poller the
 * address kept from before (not-found-address, in its settings). */
static void
test_not_found_asked_again_after_restart (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  g_autofree char *address = NULL;
  Fixture f;

  answer_all_at_global (&f, global);
  address = dup_not_found_address (f.poller);
  g_clear_object (&f.poller);

  /* The same address as before: nothing to ask. */
  f.poller = dailies_poller_new (f.store, f.client, NULL);
  g_object_set (f.poller, "not-found-address", address, NULL);
  dailies_poller_start (f.poller);
  g_assert_cmpint (dailies_poller_get_state (f.poller), ==, DAILIES_POLLER_STATE_IDLE);
  g_clear_object (&f.poller);

  /* None kept (a build before kept none): the address in use, most
   * likely the one that said so, and nothing asked. */
  f.poller = dailies_poller_new (f.store, f.client, NULL);
  dailies_poller_start (f.poller);
  g_assert_cmpint (dailies_poller_get_state (f.poller), ==, DAILIES_POLLER_STATE_IDLE);
  assert_missing_at_current_address (&f);
  g_clear_object (&f.poller);

  dailies_api_client_set_base_url (f.client, china->base_url);
  f.poller = dailies_poller_new (f.store, f.client, NULL);
  dailies_poller_set_interval (f.poller, 1);
  g_object_set (f.poller, "not-found-address", address, NULL);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 10000));
  g_assert_cmpuint (china->n_requests, ==, 10);
  g_assert_cmpuint (global->n_requests, ==, 15);
  assert_answered_at_china (&f);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

/* China behind a proxy that refuses every request with a 403 until told,
 * then China itself. */
static Reply
script_knows_known_behind_proxy (TestServer *server, const char *task_id, guint n)
{
  if (server->failing)
    return (Reply) { REPLY_STATUS, NULL, 403, -1, "<html>Forbidden</html>" };

  return script_knows_known (server, task_id, n);
}

/* China, refusing the Unknown tasks themselves for good. */
static Reply
script_knows_known_refuses_unknown (TestServer *server, const char *task_id, guint n)
{
  if (strstr (task_id, "Unknown") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 403, -1,
                     "{\"error\":{\"message\":\"This token has no access to model seedance-turbo\",\"type\":\"new_api_error\"}}" };

  return script_knows_known (server, task_id, n);
}

static gboolean
unknown_refused_twice_once (gpointer user_data)
{
  return count_for (user_data, "asyntask_Unknown000000") >= 2;
}

static gboolean
unknown_refused_twice (gpointer user_data)
{
  TestServer *server = user_data;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *unknown_id = g_strdup_printf ("asyntask_Unknown%06u", i);

      if (count_for (server, unknown_id) < 2)
        return FALSE;
    }

  return TRUE;
}

/* A refusal that is not the new address's answer about the task (a
 * proxy's 403 to every request) leaves it asked for again, the address
 * the tasks were found missing at as it was, and their details too. */
static void
test_not_found_recheck_waits_for_answers (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known_behind_proxy);
  g_autofree char *address = NULL;
  Fixture f;

  answer_all_at_global (&f, global);
  china->failing = TRUE;
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (dailies_test_wait_until (unknown_refused_twice, china, 20000));
  address = dup_not_found_address (f.poller);
  g_assert_cmpstr (address, ==, global->base_url);
  g_assert_cmpint (dailies_task_get_http_status (dailies_task_store_lookup (f.store, "asyntask_Unknown000000")), ==, 400);

  china->failing = FALSE;
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  assert_answered_at_china (&f);
  assert_missing_at_current_address (&f);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

/* Once the new address has answered about other tasks, its lasting
 * refusal of one is that task's: asked, it stays as it was. */
static void
test_not_found_recheck_ends_at_own_refusal (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known_refuses_unknown);
  Fixture f;

  answer_all_at_global (&f, global);
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  assert_missing_at_current_address (&f);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *known_id = g_strdup_printf ("asyntask_Known%06u", i);
      g_autofree char *unknown_id = g_strdup_printf ("asyntask_Unknown%06u", i);
      DailiesTask *unknown = dailies_task_store_lookup (f.store, unknown_id);

      g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, known_id)), ==,
                       DAILIES_TASK_STATUS_SUCCESS);
      g_assert_cmpint (dailies_task_get_status (unknown), ==, DAILIES_TASK_STATUS_NOT_FOUND);
      g_assert_cmpint (dailies_task_get_http_status (unknown), ==, 400);
      g_assert_cmpuint (count_for (china, unknown_id), >=, 1);
    }

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

static gboolean
fresh_asked (gpointer user_data)
{
  return count_for (user_data, "asyntask_Fresh000000") > 0;
}

/* Re-checks have their own pace: a task added during one is asked about
 * among them, not after them. */
static void
test_not_found_recheck_beside_new_tasks (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  guint position = 0;
  Fixture f;

  answer_all_at_global (&f, global);
  /* Ten a second: the ten re-checks take a second. */
  dailies_poller_set_requests_per_second (f.poller, 10);
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_wake (f.poller);
  add_numbered (&f, "Fresh", 1);
  g_assert_true (dailies_test_wait_until (fresh_asked, china, 10000));
  while (position < china->request_ids->len &&
         g_strcmp0 (g_ptr_array_index (china->request_ids, position), "asyntask_Fresh000000") != 0)
    position++;
  g_assert_cmpuint (position, <, 5);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

/* A Not found task asked again by hand (Check Again) as the address
 * changes is one of the re-checks: the address is not taken as known
 * before it answers. */
static void
test_not_found_recheck_counts_check_again (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known_behind_proxy);
  g_autofree char *address = NULL;
  Fixture f;

  fixture_init (&f, global->base_url);
  dailies_api_client_set_timeout (f.client, 30);
  add_numbered (&f, "Unknown", 1);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (all_terminal, &f, 10000));
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 10000));

  china->failing = TRUE;
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_refresh (f.poller, dailies_task_store_lookup (f.store, "asyntask_Unknown000000"));
  address = dup_not_found_address (f.poller);
  g_assert_cmpstr (address, ==, global->base_url);
  g_assert_true (dailies_test_wait_until (unknown_refused_twice_once, china, 20000));
  g_free (address);
  address = dup_not_found_address (f.poller);
  g_assert_cmpstr (address, ==, global->base_url);

  china->failing = FALSE;
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  assert_missing_at_current_address (&f);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

static gboolean
china_asked (gpointer user_data)
{
  return ((TestServer *) user_data)->n_requests > 0;
}

/* A change of region stops the poller while the key is looked up, and the
 * app may quit: a re-check cut short is done again at the next start. */
static void
test_not_found_recheck_survives_stop (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  g_autofree char *address = NULL;
  Fixture f;

  answer_all_at_global (&f, global);
  /* Two a second: the re-check takes five. */
  dailies_poller_set_requests_per_second (f.poller, 2);
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (dailies_test_wait_until (china_asked, china, 10000));
  dailies_poller_stop (f.poller);
  g_assert_cmpuint (china->n_requests, <, 10);
  address = dup_not_found_address (f.poller);
  g_assert_cmpstr (address, ==, global->base_url);

  dailies_poller_set_requests_per_second (f.poller, 0);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  g_assert_cmpuint (global->n_requests, ==, 15);
  assert_answered_at_china (&f);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *unknown_id = g_strdup_printf ("asyntask_Unknown%06u", i);

      g_assert_cmpuint (count_for (china, unknown_id), >=, 1);
    }
  assert_missing_at_current_address (&f);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

static gboolean
china_asked_twice (gpointer user_data)
{
  return ((TestServer *) user_data)->n_requests >= 2;
}

/* A Not found task removed before a re-check or while it waits for its
 * turn in one, and brought back by Undo once the address moved on
 * without it: it is asked about at the new address. */
static void
test_not_found_recheck_after_undo (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  const char *ids[] = { "asyntask_Known000000", "asyntask_Known000004" };
  g_autofree char *china_host = g_strdup_printf ("%s: ", china->base_url + strlen ("http://"));
  g_autoptr(DailiesTask) removed_before = NULL;
  g_autoptr(DailiesTask) removed_during = NULL;
  Fixture f;

  answer_all_at_global (&f, global);
  removed_before = g_object_ref (dailies_task_store_lookup (f.store, ids[0]));
  dailies_task_store_remove (f.store, removed_before);

  /* Four a second: the nine re-checks take two, in the list's order;
   * Known000004 is the fourth. */
  dailies_poller_set_requests_per_second (f.poller, 4);
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (dailies_test_wait_until (china_asked_twice, china, 10000));
  g_assert_cmpuint (count_for (china, ids[1]), ==, 0);
  removed_during = g_object_ref (dailies_task_store_lookup (f.store, ids[1]));
  dailies_task_store_remove (f.store, removed_during);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  assert_missing_at_current_address (&f);
  g_assert_cmpuint (count_for (china, ids[0]), ==, 0);
  g_assert_cmpuint (count_for (china, ids[1]), ==, 0);

  g_ptr_array_set_size (shown_lines, 0);
  dailies_task_store_restore (f.store, removed_before);
  dailies_task_store_restore (f.store, removed_during);
  g_assert_cmpuint (count_lines_with (china_host, "asking again about 1 Not found task brought back"), ==, 2);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  assert_answered_at_china (&f);
  g_assert_cmpuint (count_for (china, ids[0]), ==, 1);
  g_assert_cmpuint (count_for (china, ids[1]), ==, 1);
  assert_missing_at_current_address (&f);

  /* Removed and brought back with the address unchanged: nothing to ask
   * (a request would be under way at once). */
  g_object_unref (removed_before);
  removed_before = g_object_ref (dailies_task_store_lookup (f.store, "asyntask_Unknown000000"));
  dailies_task_store_remove (f.store, removed_before);
  dailies_task_store_restore (f.store, removed_before);
  g_assert_cmpint (dailies_poller_get_state (f.poller), ==, DAILIES_POLLER_STATE_IDLE);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

/* A change of region stops the poller while the key is looked up: a Not
 * found task removed then, and brought back after the re-check without
 * it, is asked about at the new address too. */
static void
test_not_found_removed_while_stopped_after_undo (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  g_autoptr(DailiesTask) removed = NULL;
  Fixture f;

  answer_all_at_global (&f, global);
  dailies_poller_stop (f.poller);
  dailies_api_client_set_base_url (f.client, china->base_url);
  removed = g_object_ref (dailies_task_store_lookup (f.store, "asyntask_Known000000"));
  dailies_task_store_remove (f.store, removed);

  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  g_assert_cmpuint (china->n_requests, ==, 9);
  assert_missing_at_current_address (&f);

  dailies_task_store_restore (f.store, removed);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  g_assert_cmpuint (china->n_requests, ==, 10);
  assert_answered_at_china (&f);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

/* A Not found task brought back (Undo) while a re-check runs, removed
 * when no poller was there to mark it, joins the re-check: it is asked at
 * the new address, and the address it was found missing at waits for it. */
static void
test_not_found_restored_joins_recheck (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  g_autoptr(DailiesTask) removed = NULL;
  g_autofree char *address = NULL;
  Fixture f;

  answer_all_at_global (&f, global);
  address = dup_not_found_address (f.poller);
  g_clear_object (&f.poller);
  removed = g_object_ref (dailies_task_store_lookup (f.store, "asyntask_Known000000"));
  dailies_task_store_remove (f.store, removed);

  dailies_api_client_set_base_url (f.client, china->base_url);
  f.poller = dailies_poller_new (f.store, f.client, NULL);
  dailies_api_client_set_timeout (f.client, 30);
  /* Four a second: the nine re-checks take two. */
  dailies_poller_set_requests_per_second (f.poller, 4);
  g_object_set (f.poller, "not-found-address", address, NULL);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (china_asked, china, 10000));
  dailies_task_store_restore (f.store, removed);
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 20000));
  g_assert_cmpuint (china->n_requests, ==, 10);
  assert_answered_at_china (&f);
  assert_missing_at_current_address (&f);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

static gboolean
global_asked (gpointer user_data)
{
  return ((TestServer *) user_data)->n_requests > 0;
}

/* "Not found" from the address in use before a change of region, arriving
 * after it, is not the new address's word: the task is asked there. */
static void
test_not_found_from_old_address_asked_again (void)
{
  TestServer *global = test_server_new (script_knows_done);
  TestServer *china = test_server_new (script_knows_known);
  Fixture f;

  /* Global's answer is on its way for half a second. */
  global->hold_ms = 500;
  fixture_init (&f, global->base_url);
  dailies_api_client_set_timeout (f.client, 30);
  add_numbered (&f, "Known", 1);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (global_asked, global, 10000));
  dailies_api_client_set_base_url (f.client, china->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (dailies_test_wait_until (all_terminal, &f, 10000));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, "asyntask_Known000000")), ==,
                   DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpuint (global->n_requests, ==, 1);
  g_assert_cmpuint (count_for (china, "asyntask_Known000000"), ==, 1);

  fixture_clear (&f);
  test_server_free (global);
  test_server_free (china);
}

#define NOT_FOUND_JSON \
  "{\"error\":{\"message\":\"task not found\",\"type\":\"invalid_request_error\",\"code\":\"task_not_found\"}}"

/* A proxy's page for the first two requests (the API behind it not up
 * yet), then the API's own "not found". */
static Reply
script_page_then_not_found (TestServer *server, const char *task_id, guint n)
{
  if (n <= 2)
    return (Reply) { REPLY_STATUS, NULL, 404, -1 };

  return (Reply) { REPLY_STATUS, NULL, 404, -1, NOT_FOUND_JSON };
}

/* Every request answered with new-api's 404 for a path it has no route for. */
static Reply
script_no_route (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_STATUS, NULL, 404, -1,
                   "{\"error\":{\"message\":\"Invalid URL (GET /api/v1/video/generations/x)\","
                   "\"type\":\"invalid_request_error\",\"param\":\"\",\"code\":\"\"}}" };
}

static gboolean
says_wrong_address (gpointer user_data)
{
  return dailies_poller_get_wrong_address (user_data) != NULL;
}

/* A 404 page is no Not found: the poller names the address ("wrong-
 * address", once for the streak) and asks again; the API's own answer
 * from the same address clears it. */
static void
test_wrong_address_said_and_cleared (void)
{
  TestServer *server = test_server_new (script_page_then_not_found);
  const char *id = "asyntask_PageFirst0000000001";
  guint n_notifies = 0;
  DailiesTask *task;
  Fixture f;

  fixture_init (&f, server->base_url);
  add_ids (&f, 1, id);
  task = dailies_task_store_lookup (f.store, id);
  g_signal_connect_swapped (f.poller, "notify::wrong-address", G_CALLBACK (count_up), &n_notifies);
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (says_wrong_address, f.poller, 5000));
  g_assert_cmpstr (dailies_poller_get_wrong_address (f.poller), ==, dailies_api_client_get_base_url (f.client));
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_UNKNOWN);
  g_assert_nonnull (strstr (dailies_task_get_last_error (task), "check the API address in Preferences"));

  g_assert_true (wait_for_status (&f, id, DAILIES_TASK_STATUS_NOT_FOUND, 5000));
  g_assert_cmpuint (count_for (server, id), ==, 3);
  g_assert_null (dailies_poller_get_wrong_address (f.poller));
  g_assert_cmpuint (n_notifies, ==, 2);

  fixture_clear (&f);
  test_server_free (server);
}

/* Backoffs earned at an address with no task API behind it are void at
 * the address that replaces it: the tasks are asked there at once, not
 * when the backoff ends. */
static void
test_wrong_address_fixed_asks_at_once (void)
{
  TestServer *wrong = test_server_new (script_no_route);
  TestServer *right = test_server_new (script_always_success);
  const char *id = "asyntask_FixedAddress000001";
  Fixture f;

  fixture_init (&f, wrong->base_url);
  dailies_poller_set_backoff (f.poller, 600000, 600000);
  add_ids (&f, 1, id);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (says_wrong_address, f.poller, 5000));
  g_assert_cmpuint (count_for (wrong, id), ==, 1);

  /* As the app does when the address setting changes. */
  dailies_api_client_set_base_url (f.client, right->base_url);
  dailies_poller_wake (f.poller);
  g_assert_null (dailies_poller_get_wrong_address (f.poller));
  g_assert_true (wait_for_status (&f, id, DAILIES_TASK_STATUS_SUCCESS, 5000));
  g_assert_null (dailies_task_get_last_error (dailies_task_store_lookup (f.store, id)));

  fixture_clear (&f);
  test_server_free (wrong);
  test_server_free (right);
}

static Reply
script_bad_gateway (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_STATUS, NULL, 502, -1 };
}

/* The same when the old address's answer, an error, arrives after the
 * change: it is not the new address's word, and the task is asked there
 * at once. */
/* @min_ms: how long the new address must not be asked (a pause the old
 * one asked for); 0 for none. */
static void
answer_after_change (ScriptFunc script,
                     guint      min_ms)
{
  TestServer *wrong = test_server_new (script);
  TestServer *right = test_server_new (script_always_success);
  const char *id = "asyntask_LateNoRoute0000001";
  gint64 changed;
  Fixture f;

  wrong->hold_ms = 500;
  fixture_init (&f, wrong->base_url);
  dailies_api_client_set_timeout (f.client, 30);
  dailies_poller_set_backoff (f.poller, 600000, 600000);
  add_ids (&f, 1, id);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (global_asked, wrong, 10000));
  changed = g_get_monotonic_time ();
  dailies_api_client_set_base_url (f.client, right->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (wait_for_status (&f, id, DAILIES_TASK_STATUS_SUCCESS, 10000));
  g_assert_cmpint (g_get_monotonic_time () - changed, >=, (gint64) min_ms * 1000);
  g_assert_cmpuint (wrong->n_requests, ==, 1);
  g_assert_cmpuint (count_for (right, id), ==, 1);
  g_assert_null (dailies_poller_get_wrong_address (f.poller));
  g_assert_null (dailies_task_get_last_error (dailies_task_store_lookup (f.store, id)));

  fixture_clear (&f);
  test_server_free (wrong);
  test_server_free (right);
}

static void
test_wrong_address_answer_after_change (void)
{
  answer_after_change (script_no_route, 0);
}

static void
test_error_after_change (void)
{
  answer_after_change (script_bad_gateway, 0);
}

static Reply
script_unavailable_retry_after (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_STATUS, NULL, 503, 2 };
}

static Reply
script_not_found_retry_after (TestServer *server, const char *task_id, guint n)
{
  return (Reply) { REPLY_STATUS, NULL, 404, 2, NOT_FOUND_JSON };
}

/* One with a Retry-After still pauses every request for as long (2 s
 * from its answer, half a second after the change), and is not recorded
 * either: not even a "no such task". */
static void
test_retry_after_after_change (void)
{
  answer_after_change (script_unavailable_retry_after, 2000);
  answer_after_change (script_not_found_retry_after, 2000);
}

/* Found missing, in another shape than the API's, by an address that
 * has answered about other tasks: its task API is there, so the 404 is
 * this task's Not found, and no banner; so is it at a Check Again of the
 * Not found task. */
static Reply
script_odd_not_found (TestServer *server, const char *task_id, guint n)
{
  if (strstr (task_id, "Odd") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 404, -1, "{\"detail\":\"Not Found\"}" };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

static void
test_odd_not_found_after_answers (void)
{
  TestServer *server = test_server_new (script_odd_not_found);
  const char *good = "asyntask_Good000000000001";
  const char *odd = "asyntask_Odd0000000000001";
  guint n_notifies = 0;
  Fixture f;

  fixture_init (&f, server->base_url);
  g_signal_connect_swapped (f.poller, "notify::wrong-address", G_CALLBACK (count_up), &n_notifies);
  add_ids (&f, 1, good);
  dailies_poller_start (f.poller);
  g_assert_true (wait_for_status (&f, good, DAILIES_TASK_STATUS_SUCCESS, 5000));

  add_ids (&f, 1, odd);
  g_assert_true (wait_for_status (&f, odd, DAILIES_TASK_STATUS_NOT_FOUND, 5000));
  g_assert_cmpuint (count_for (server, odd), ==, 1);
  g_assert_cmpstr (dailies_task_get_last_error (dailies_task_store_lookup (f.store, odd)), ==,
                   "HTTP 404: no such task at this address");
  g_assert_null (dailies_poller_get_wrong_address (f.poller));

  /* Check Again on both: the Not found one is answered so again, and is
   * still Not found. */
  dailies_poller_refresh (f.poller, dailies_task_store_lookup (f.store, good));
  dailies_poller_refresh (f.poller, dailies_task_store_lookup (f.store, odd));
  g_assert_true (dailies_test_wait_until (poller_is_idle, f.poller, 5000));
  g_assert_cmpuint (count_for (server, odd), ==, 2);
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, odd)), ==,
                   DAILIES_TASK_STATUS_NOT_FOUND);
  g_assert_null (dailies_poller_get_wrong_address (f.poller));
  g_assert_cmpuint (n_notifies, ==, 0);

  fixture_clear (&f);
  test_server_free (server);
}

/* Running tasks, until the address starts serving a 404 page for every
 * request (a proxy restarting, say). */
static Reply
script_running_until_broken (TestServer *server, const char *task_id, guint n)
{
  if (server->failing)
    return (Reply) { REPLY_STATUS, NULL, 404, -1 };

  return (Reply) { REPLY_TASK, "IN_PROGRESS", 0, -1 };
}

typedef struct
{
  Fixture    *f;
  TestServer *server;
  const char *id;
} ErrorWait;

static gboolean
asked_and_has_error (gpointer user_data)
{
  ErrorWait *wait = user_data;

  return count_for (wait->server, wait->id) > 0 &&
         dailies_task_get_last_error (dailies_task_store_lookup (wait->f->store, wait->id)) != NULL;
}

/* A task added while the address is broken is asked, and neither Not
 * found nor the banner's end. */
static void
assert_added_while_broken (Fixture    *f,
                           TestServer *server)
{
  const char *added = "asyntask_AddedWhileBroken1";
  ErrorWait wait = { f, server, added };

  add_ids (f, 1, added);
  g_assert_true (dailies_test_wait_until (asked_and_has_error, &wait, 10000));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f->store, added)), ==,
                   DAILIES_TASK_STATUS_UNKNOWN);
  g_assert_nonnull (dailies_poller_get_wrong_address (f->poller));
}

/* An address that answered about tasks and then serves a 404 page: it
 * broke, and neither its tasks nor one added meanwhile are Not found. */
static void
test_address_broken_after_answers (void)
{
  TestServer *server = test_server_new (script_running_until_broken);
  const char *running = "asyntask_RunningBefore0001";
  Fixture f;

  fixture_init (&f, server->base_url);
  add_ids (&f, 1, running);
  dailies_poller_start (f.poller);
  g_assert_true (wait_for_status (&f, running, DAILIES_TASK_STATUS_IN_PROGRESS, 5000));

  server->failing = TRUE;
  g_assert_true (dailies_test_wait_until (says_wrong_address, f.poller, 10000));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, running)), ==,
                   DAILIES_TASK_STATUS_IN_PROGRESS);

  assert_added_while_broken (&f, server);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_held_until_broken (TestServer *server, const char *task_id, guint n)
{
  if (server->holding && g_str_equal (task_id, "asyntask_AnsweredLate0001"))
    return (Reply) { REPLY_HELD, NULL, 0, -1, "77%" };

  return script_running_until_broken (server, task_id, n);
}

static gboolean
has_held (gpointer user_data)
{
  TestServer *server = user_data;

  return server->held->len > 0;
}

typedef struct
{
  Fixture    *f;
  const char *id;
  int         progress;
} ProgressWait;

static gboolean
has_progress (gpointer user_data)
{
  ProgressWait *wait = user_data;

  return dailies_task_get_progress (dailies_task_store_lookup (wait->f->store, wait->id)) == wait->progress;
}

/* An answer to a request sent before the address broke, arriving after,
 * is the task's news but not the address's: it neither clears the
 * banner nor lets a 404 page about a new task count as Not found. */
static void
test_address_broken_old_answer (void)
{
  TestServer *server = test_server_new (script_held_until_broken);
  const char *running = "asyntask_RunningBefore0001";
  const char *late = "asyntask_AnsweredLate0001";
  ProgressWait progress;
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_api_client_set_timeout (f.client, 60);
  add_ids (&f, 2, running, late);
  dailies_poller_start (f.poller);
  g_assert_true (wait_for_status (&f, running, DAILIES_TASK_STATUS_IN_PROGRESS, 5000));
  g_assert_true (wait_for_status (&f, late, DAILIES_TASK_STATUS_IN_PROGRESS, 5000));

  server->holding = TRUE;
  g_assert_true (dailies_test_wait_until (has_held, server, 10000));
  server->holding = FALSE;
  g_ptr_array_set_size (shown_lines, 0);
  server->failing = TRUE;
  g_assert_true (dailies_test_wait_until (says_wrong_address, f.poller, 10000));

  release_held (server);
  progress = (ProgressWait) { &f, late, 77 };
  g_assert_true (dailies_test_wait_until (has_progress, &progress, 10000));
  g_assert_nonnull (dailies_poller_get_wrong_address (f.poller));

  assert_added_while_broken (&f, server);
  /* One streak, never said to have ended. */
  g_assert_cmpuint (count_lines_with ("HTTP 404", "There is no task API at this address"), ==, 1);
  g_assert_cmpuint (count_lines_with ("recovered", ""), ==, 0);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_old_answers_held (TestServer *server, const char *task_id, guint n)
{
  if (server->holding && g_str_equal (task_id, "asyntask_OldPage000000001"))
    return (Reply) { REPLY_HELD, NULL, 404, -1 };
  if (server->holding && g_str_equal (task_id, "asyntask_OldMissing000001"))
    return (Reply) { REPLY_HELD, NULL, 404, -1, NOT_FOUND_JSON };
  if (server->holding && g_str_equal (task_id, "asyntask_LatePage00000001"))
    return (Reply) { REPLY_HELD, NULL, 404, -1 };

  return script_running_until_broken (server, task_id, n);
}

static gboolean
says_no_wrong_address (gpointer user_data)
{
  return dailies_poller_get_wrong_address (user_data) == NULL;
}

/* Polling a running task, answered; answers may be held a while. */
static void
start_with_running (Fixture    *f,
                    TestServer *server)
{
  const char *running = "asyntask_RunningBefore0001";

  fixture_init (f, server->base_url);
  dailies_api_client_set_timeout (f->client, 60);
  add_ids (f, 1, running);
  dailies_poller_start (f->poller);
  g_assert_true (wait_for_status (f, running, DAILIES_TASK_STATUS_IN_PROGRESS, 5000));
}

/* A running task answered; then @held_id asked, its answer held, and
 * the address broken. */
static void
break_while_held (Fixture    *f,
                  TestServer *server,
                  const char *held_id)
{
  start_with_running (f, server);
  server->holding = TRUE;
  add_ids (f, 1, held_id);
  g_assert_true (dailies_test_wait_until (has_held, server, 10000));
  server->holding = FALSE;
  server->failing = TRUE;
  g_assert_true (dailies_test_wait_until (says_wrong_address, f->poller, 10000));
}

/* A 404 page asked for before the address broke and came back, arriving
 * after: old news, neither the task's Not found nor the address broken
 * again; the task is asked again, and answered. */
static void
test_old_page_after_recovery (void)
{
  TestServer *server = test_server_new (script_old_answers_held);
  const char *old = "asyntask_OldPage000000001";
  guint n_notifies = 0;
  Fixture f;

  break_while_held (&f, server, old);
  server->failing = FALSE;
  g_assert_true (dailies_test_wait_until (says_no_wrong_address, f.poller, 10000));
  g_signal_connect_swapped (f.poller, "notify::wrong-address", G_CALLBACK (count_up), &n_notifies);

  release_held (server);
  g_assert_true (wait_for_status (&f, old, DAILIES_TASK_STATUS_IN_PROGRESS, 10000));
  g_assert_cmpuint (count_for (server, old), ==, 2);
  g_assert_null (dailies_task_get_last_error (dailies_task_store_lookup (f.store, old)));
  g_assert_cmpuint (n_notifies, ==, 0);

  fixture_clear (&f);
  test_server_free (server);
}

/* The API's own "no such task", asked before the address broke and
 * arriving after: that task is Not found, but the address is not trusted
 * again by it, so a 404 page about a new task is no Not found. */
static void
test_old_not_found_after_break (void)
{
  TestServer *server = test_server_new (script_old_answers_held);
  const char *missing = "asyntask_OldMissing000001";
  Fixture f;

  break_while_held (&f, server, missing);

  release_held (server);
  g_assert_true (wait_for_status (&f, missing, DAILIES_TASK_STATUS_NOT_FOUND, 10000));
  g_assert_nonnull (dailies_poller_get_wrong_address (f.poller));
  assert_added_while_broken (&f, server);

  fixture_clear (&f);
  test_server_free (server);
}

/* A page about a new task, asked while the address was broken and
 * answered once it works again: that address was not known to work
 * when it was asked, so it says nothing; the task is asked again, and
 * answered. */
static void
test_page_asked_while_broken (void)
{
  TestServer *server = test_server_new (script_old_answers_held);
  const char *late = "asyntask_LatePage00000001";
  guint n_notifies = 0;
  Fixture f;

  start_with_running (&f, server);
  server->failing = TRUE;
  g_assert_true (dailies_test_wait_until (says_wrong_address, f.poller, 10000));

  server->holding = TRUE;
  add_ids (&f, 1, late);
  g_assert_true (dailies_test_wait_until (has_held, server, 10000));
  server->holding = FALSE;
  server->failing = FALSE;
  g_assert_true (dailies_test_wait_until (says_no_wrong_address, f.poller, 10000));
  g_signal_connect_swapped (f.poller, "notify::wrong-address", G_CALLBACK (count_up), &n_notifies);

  release_held (server);
  g_assert_true (wait_for_status (&f, late, DAILIES_TASK_STATUS_IN_PROGRESS, 10000));
  g_assert_cmpuint (count_for (server, late), ==, 2);
  g_assert_cmpuint (n_notifies, ==, 0);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_odd_held (TestServer *server, const char *task_id, guint n)
{
  if (server->holding && strstr (task_id, "Odd") != NULL)
    return (Reply) { REPLY_HELD, NULL, 404, -1, "{\"detail\":\"Not Found\"}" };

  return script_odd_not_found (server, task_id, n);
}

/* Found missing in another shape, asked while the address works, and
 * answered only after other answers came: still this task's Not found,
 * at once, with no banner. */
static void
test_odd_not_found_answered_late (void)
{
  TestServer *server = test_server_new (script_odd_held);
  const char *good = "asyntask_Good000000000001";
  const char *later = "asyntask_Good000000000002";
  const char *odd = "asyntask_Odd0000000000001";
  guint n_notifies = 0;
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_api_client_set_timeout (f.client, 60);
  g_signal_connect_swapped (f.poller, "notify::wrong-address", G_CALLBACK (count_up), &n_notifies);
  add_ids (&f, 1, good);
  dailies_poller_start (f.poller);
  g_assert_true (wait_for_status (&f, good, DAILIES_TASK_STATUS_SUCCESS, 5000));

  server->holding = TRUE;
  add_ids (&f, 1, odd);
  g_assert_true (dailies_test_wait_until (has_held, server, 10000));
  server->holding = FALSE;
  add_ids (&f, 1, later);
  g_assert_true (wait_for_status (&f, later, DAILIES_TASK_STATUS_SUCCESS, 5000));

  release_held (server);
  g_assert_true (wait_for_status (&f, odd, DAILIES_TASK_STATUS_NOT_FOUND, 5000));
  g_assert_cmpuint (count_for (server, odd), ==, 1);
  g_assert_cmpuint (n_notifies, ==, 0);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_first_pass_held (TestServer *server, const char *task_id, guint n)
{
  if (server->holding)
    return strstr (task_id, "Odd") != NULL ? (Reply) { REPLY_HELD, NULL, 404, -1, "{\"detail\":\"Not Found\"}" }
                                            : (Reply) { REPLY_HELD, NULL, 0, -1, "50%" };

  return script_odd_not_found (server, task_id, n);
}

static gboolean
has_two_held (gpointer user_data)
{
  TestServer *server = user_data;

  return server->held->len == 2;
}

/* At the first pass, a 404 of another shape asked before any answer came,
 * answered after one did: the address was not known to work when it was
 * asked, so that says nothing yet; asked again, it is Not found. */
/* Starts @f's poller with @good and then @odd asked together, both
 * answers held; answers @good (IN_PROGRESS) first, then @odd (a JSON 404
 * of another shape), which must be Not found only when asked again. */
static void
answer_good_then_odd (Fixture    *f,
                      TestServer *server,
                      const char *good,
                      const char *odd)
{
  ProgressWait progress = { f, good, 50 };

  server->holding = TRUE;
  add_ids (f, 2, good, odd);
  dailies_poller_start (f->poller);
  g_assert_true (dailies_test_wait_until (has_two_held, server, 10000));
  server->holding = FALSE;

  release_held_one (server, good);
  g_assert_true (dailies_test_wait_until (has_progress, &progress, 10000));
  release_held_one (server, odd);
  g_assert_true (wait_for_status (f, odd, DAILIES_TASK_STATUS_NOT_FOUND, 10000));
  g_assert_cmpuint (count_for (server, odd), ==, 2);
}

static void
test_odd_not_found_asked_before_trust (void)
{
  TestServer *server = test_server_new (script_first_pass_held);
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_api_client_set_timeout (f.client, 60);
  answer_good_then_odd (&f, server, "asyntask_Good000000000001", "asyntask_Odd0000000000001");

  fixture_clear (&f);
  test_server_free (server);
}

/* Stopped and started again, the poller does not trust the address
 * until it answers again: it may have changed and changed back. */
static void
test_restart_forgets_trust (void)
{
  TestServer *server = test_server_new (script_first_pass_held);
  const char *before = "asyntask_Good000000000009";
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_api_client_set_timeout (f.client, 60);
  add_ids (&f, 1, before);
  dailies_poller_start (f.poller);
  g_assert_true (wait_for_status (&f, before, DAILIES_TASK_STATUS_SUCCESS, 5000));
  dailies_poller_stop (f.poller);

  answer_good_then_odd (&f, server, "asyntask_Good000000000001", "asyntask_Odd0000000000001");

  fixture_clear (&f);
  test_server_free (server);
}

/* A proxy's 404 page, or its text ("404 page not found"), about a task
 * never answered, at an address that answered about others, before any
 * page about those: the API answers in JSON, so the address broke, and
 * the task is no Not found. */
static Reply
script_running_until_text_404 (TestServer *server, const char *task_id, guint n)
{
  if (server->failing)
    return (Reply) { REPLY_STATUS, NULL, 404, -1, "404 page not found" };

  return (Reply) { REPLY_TASK, "IN_PROGRESS", 0, -1 };
}

static void
test_proxy_page_for_new_task (gconstpointer data)
{
  TestServer *server = test_server_new ((ScriptFunc) data);
  Fixture f;

  const char *running = "asyntask_RunningBefore0001";

  /* The running task is not asked again: the new task's page comes
   * before any about it. */
  fixture_init (&f, server->base_url);
  dailies_poller_set_interval (f.poller, 3600);
  add_ids (&f, 1, running);
  dailies_poller_start (f.poller);
  g_assert_true (wait_for_status (&f, running, DAILIES_TASK_STATUS_IN_PROGRESS, 5000));

  server->failing = TRUE;
  assert_added_while_broken (&f, server);
  g_assert_cmpuint (count_for (server, running), ==, 1);

  fixture_clear (&f);
  test_server_free (server);
}

static Reply
script_page_for_some (TestServer *server, const char *task_id, guint n)
{
  if (strstr (task_id, "Page") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 200, -1 };
  if (strstr (task_id, "Odd") != NULL)
    return (Reply) { REPLY_STATUS, NULL, 404, -1, "{\"detail\":\"Not Found\"}" };

  return (Reply) { REPLY_TASK, "SUCCESS", 0, -1 };
}

/* A web page as the answer about a task, from an address that has
 * answered about others, is no Not found (the API never answers so):
 * the address broke, and the banner says so. */
static void
test_web_page_after_answers (void)
{
  TestServer *server = test_server_new (script_page_for_some);
  const char *good = "asyntask_Good000000000001";
  const char *page = "asyntask_Page000000000001";
  const char *odd = "asyntask_Odd0000000000001";
  Fixture f;
  ErrorWait wait = { &f, server, page };

  fixture_init (&f, server->base_url);
  add_ids (&f, 1, good);
  dailies_poller_start (f.poller);
  g_assert_true (wait_for_status (&f, good, DAILIES_TASK_STATUS_SUCCESS, 5000));

  add_ids (&f, 1, page);
  g_assert_true (dailies_test_wait_until (asked_and_has_error, &wait, 5000));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, page)), ==,
                   DAILIES_TASK_STATUS_UNKNOWN);
  g_assert_nonnull (strstr (dailies_task_get_last_error (dailies_task_store_lookup (f.store, page)),
                            "a web page. There is no task API at this address"));
  g_assert_nonnull (dailies_poller_get_wrong_address (f.poller));

  /* Nor is the address trusted since: a 404 in another shape than the
   * API's about a new task is no Not found either. */
  add_ids (&f, 1, odd);
  wait.id = odd;
  g_assert_true (dailies_test_wait_until (asked_and_has_error, &wait, 5000));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (f.store, odd)), ==,
                   DAILIES_TASK_STATUS_UNKNOWN);

  fixture_clear (&f);
  test_server_free (server);
}

/* A key with characters no HTTP header may carry (a pasted look-alike
 * letter) can never work: nothing is sent, and checking pauses as for a
 * key refused, instead of failing at the budget's pace. A good key
 * resumes. */
static void
test_unsendable_key_pauses (void)
{
  TestServer *server = test_server_new (script_always_success);
  const char *id = "asyntask_UnsendableKey0001";
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_api_client_set_api_key (f.client, "sk-\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87");
  g_assert_true (dailies_api_client_get_key_rejected (f.client));
  add_ids (&f, 1, id);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (poller_is_unauthorized, f.poller, 5000));
  g_assert_true (dailies_api_client_get_key_rejected (f.client));

  /* Another address on the same host keeps the key, still refused. */
  {
    g_autofree char *other = g_strconcat (server->base_url, "/proxy", NULL);

    dailies_api_client_set_base_url (f.client, other);
    dailies_poller_wake (f.poller);
    g_assert_true (dailies_api_client_get_key_rejected (f.client));
    g_assert_cmpint (dailies_poller_get_state (f.poller), ==, DAILIES_POLLER_STATE_UNAUTHORIZED);
    dailies_api_client_set_base_url (f.client, server->base_url);
  }
  g_assert_null (dailies_task_get_last_error (dailies_task_store_lookup (f.store, id)));
  g_assert_cmpint (dailies_poller_get_pause_reason (f.poller), ==, DAILIES_POLLER_PAUSE_KEY_REJECTED);
  g_assert_cmpuint (server->n_requests, ==, 0);
  g_assert_cmpuint (server->n_usage, ==, 0);
  g_assert_true (dailies_api_client_key_is_sendable (" " TEST_KEY "\n"));
  g_assert_false (dailies_api_client_key_is_sendable ("sk-a\tb"));

  /* The new key alone resumes checking. */
  dailies_api_client_set_api_key (f.client, TEST_KEY);
  g_assert_true (wait_for_status (&f, id, DAILIES_TASK_STATUS_SUCCESS, 5000));

  fixture_clear (&f);
  test_server_free (server);
}

static gboolean
asked_at_least_100 (gpointer user_data)
{
  TestServer *server = user_data;

  return server->n_requests >= 100;
}

/* The same error from another host is another line: a new base's failures
 * end the old host's streak ("no longer asked") and start their own. */
static void
test_error_hosts_logged_once_each (void)
{
  TestServer *first = test_server_new (script_down_until_told);
  TestServer *second = test_server_new (script_down_until_told);
  const char *prefixes[] = { "Hosts", NULL };
  g_autofree char *first_host = NULL;
  g_autofree char *second_host = g_strdup_printf ("%s: ", second->base_url + strlen ("http://"));
  Fixture f;

  first_host = start_while_down (&f, first, prefixes, 100);
  g_assert_true (dailies_test_wait_until (all_have_error, &f, 30000));
  g_assert_cmpuint (shown_lines->len, ==, 1);
  g_assert_cmpuint (count_lines_with (first_host, "HTTP 502:"), ==, 1);

  second->failing = TRUE;
  dailies_api_client_set_base_url (f.client, second->base_url);
  dailies_poller_wake (f.poller);
  g_assert_true (dailies_test_wait_until (asked_at_least_100, second, 30000));
  g_assert_cmpuint (shown_lines->len, ==, 3);
  g_assert_cmpuint (count_lines_with (first_host, "no longer asked"), ==, 1);
  g_assert_cmpuint (count_lines_with (second_host, "HTTP 502:"), ==, 1);

  second->failing = FALSE;
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 30000));
  g_assert_cmpuint (shown_lines->len, ==, 4);
  g_assert_cmpuint (count_lines_with (second_host, "recovered"), ==, 1);

  fixture_clear (&f);
  test_server_free (first);
  test_server_free (second);
}

static gboolean
count_at_least (gpointer user_data)
{
  CountWait *wait = user_data;

  return count_for (wait->server, wait->task_id) >= wait->count;
}

static gboolean
idle_with_count_at_least (gpointer user_data)
{
  CountWait *wait = user_data;

  return count_at_least (wait) && dailies_poller_get_n_in_flight (wait->server->poller) == 0;
}

/* A removed task is no longer asked about while the others go on; restored
 * unfinished, it is asked about again. */
static void
test_remove_restore_tracking (void)
{
  TestServer *server = test_server_new (script_always_in_progress);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  const char *kept_id = "asyntask_KeptPolling0001";
  const char *gone_id = "asyntask_GonePolling0002";
  CountWait wait;
  guint n_gone;
  Fixture f;

  fixture_init (&f, server->base_url);
  server->poller = f.poller;
  add_ids (&f, 2, kept_id, gone_id);
  dailies_poller_start (f.poller);

  /* Removed between two requests, so that none is under way for it. */
  wait = (CountWait) { server, gone_id, 2 };
  g_assert_true (dailies_test_wait_until (idle_with_count_at_least, &wait, 10000));
  g_ptr_array_add (gone, g_object_ref (dailies_task_store_lookup (f.store, gone_id)));
  dailies_task_store_remove_tasks (f.store, gone);
  n_gone = count_for (server, gone_id);

  wait = (CountWait) { server, kept_id, count_for (server, kept_id) + 3 };
  g_assert_true (dailies_test_wait_until (count_at_least, &wait, 15000));
  g_assert_cmpuint (count_for (server, gone_id), ==, n_gone);

  dailies_task_store_restore_tasks (f.store, gone);
  wait = (CountWait) { server, gone_id, n_gone + 2 };
  g_assert_true (dailies_test_wait_until (count_at_least, &wait, 15000));

  server->poller = NULL;
  fixture_clear (&f);
  test_server_free (server);
}

/* ------------------------------------------------------------------ */
/* Offline: a network monitor whose answer the test decides            */
/* ------------------------------------------------------------------ */

static gboolean
poller_is_offline (gpointer user_data)
{
  return dailies_poller_get_state (user_data) == DAILIES_POLLER_STATE_OFFLINE;
}

static gboolean
server_got_request (gpointer user_data)
{
  return ((TestServer *) user_data)->n_requests > 0;
}

static void
test_offline_pauses_and_resumes (void)
{
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GNetworkMonitor) monitor = dailies_test_monitor_new (TRUE);
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_test_monitor_set_available (monitor, FALSE);
  dailies_poller_set_network_monitor (f.poller, monitor);
  add_ids (&f, 1, "asyntask_Offline000000001");
  dailies_poller_start (f.poller);

  /* Offline: nothing is sent, no timer is armed. */
  g_assert_true (dailies_test_wait_until (poller_is_offline, f.poller, 5000));
  g_assert_false (dailies_test_wait_until (server_got_request, server, 300));
  g_assert_cmpint (dailies_poller_get_next_wakeup_ms (f.poller), ==, -1);

  /* Back online: it asks at once. */
  dailies_test_monitor_set_available (monitor, TRUE);
  g_assert_true (wait_for_status (&f, "asyntask_Offline000000001", DAILIES_TASK_STATUS_SUCCESS, 5000));

  fixture_clear (&f);
  test_server_free (server);
}

/* ------------------------------------------------------------------ */
/* The key never reaches a log line                                    */
/* ------------------------------------------------------------------ */

static GPtrArray *log_lines;

static GLogWriterOutput
record_log_writer (GLogLevelFlags   log_level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      {
        char *line = fields[i].length < 0 ? g_strdup (fields[i].value) : g_strndup (fields[i].value, fields[i].length);

        if (!(log_level & G_LOG_LEVEL_DEBUG))
          g_ptr_array_add (shown_lines, g_strdup (line));
        g_ptr_array_add (log_lines, line);
      }

  /* Debug lines are only recorded; the rest is shown as usual. */
  if (log_level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
test_key_never_logged (void)
{
  TestServer *server = test_server_new (script_flaky);
  Fixture f;

  g_assert_nonnull (log_lines);
  fixture_init (&f, server->base_url);
  add_ids (&f, 3, "asyntask_Err500000000009", "asyntask_Truncated000009", "asyntask_LogCheck0000009");
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 20000));

  /* The debug log was on the whole time and did say things. */
  g_assert_cmpuint (log_lines->len, >, 0);
  for (guint i = 0; i < log_lines->len; i++)
    g_assert_null (strstr (g_ptr_array_index (log_lines, i), TEST_KEY));

  fixture_clear (&f);
  test_server_free (server);
}

/* The task add_numbered() added as number @i. */
static DailiesTask *
lookup_numbered (Fixture    *f,
                 const char *prefix,
                 guint       i)
{
  g_autofree char *id = g_strdup_printf ("asyntask_%s%06u", prefix, i);
  DailiesTask *task = dailies_task_store_lookup (f->store, id);

  g_assert_nonnull (task);
  return task;
}

/* Tasks removed while waiting for Check Again's turn are never asked;
 * the rest keep the order asked, also after the urgent array compacted
 * moved its entries up (1,500 gone from its head, then every other one
 * of the rest). */
static void
test_check_again_removed_while_waiting (void)
{
  const guint n = 3000;
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  Fixture f;

  fixture_init (&f, server->base_url);
  ask_one_at_a_time (&f);
  add_numbered (&f, "Urg", n);
  dailies_poller_start (f.poller);   /* Urg0 goes at once */

  /* Checked again from the last to the second. */
  for (guint i = n - 1; i >= 1; i--)
    g_ptr_array_add (tasks, lookup_numbered (&f, "Urg", i));
  dailies_poller_refresh_tasks (f.poller, tasks);

  /* The first half of that line leaves, then every other one of the
   * rest: 1,499 down to 1. */
  remove_numbered (&f, "Urg", n / 2, n, 1);
  remove_numbered (&f, "Urg", 1, n / 2, 2);

  g_ptr_array_add (expected, g_strdup ("asyntask_Urg000000"));
  for (guint i = 1498; i >= 2; i -= 2)
    g_ptr_array_add (expected, g_strdup_printf ("asyntask_Urg%06u", i));

  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 30000));
  g_assert_false (dailies_test_wait_until (never, NULL, 300));
  g_assert_cmpuint (server->request_ids->len, ==, expected->len);
  assert_asked_first (server, (const char * const *) expected->pdata, expected->len);

  fixture_clear (&f);
  test_server_free (server);
}

/* Check Agains moved into the sorted queue (network back) and later
 * ones in the urgent array: one order, by when each was asked. */
static void
test_check_again_across_queues (void)
{
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GNetworkMonitor) monitor = dailies_test_monitor_new (TRUE);
  g_autoptr(GPtrArray) first = g_ptr_array_new ();
  g_autoptr(GPtrArray) second = g_ptr_array_new ();
  const char *want[] = { "asyntask_Mix000005", "asyntask_Mix000008", "asyntask_Mix000001", "asyntask_Mix000003" };
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_test_monitor_set_available (monitor, FALSE);
  dailies_poller_set_network_monitor (f.poller, monitor);
  ask_one_at_a_time (&f);
  add_numbered (&f, "Mix", 20);
  dailies_poller_start (f.poller);

  g_ptr_array_add (first, lookup_numbered (&f, "Mix", 5));
  g_ptr_array_add (first, lookup_numbered (&f, "Mix", 3));
  g_ptr_array_add (first, lookup_numbered (&f, "Mix", 8));
  dailies_poller_refresh_tasks (f.poller, first);
  /* Back online: every entry, the three included, goes to the queue
   * (queue_entry_soon keeps their Check Again dues); 5 goes at once. */
  dailies_test_monitor_set_available (monitor, TRUE);
  g_assert_cmpuint (dailies_poller_get_n_in_flight (f.poller), ==, 1);

  g_ptr_array_add (second, lookup_numbered (&f, "Mix", 1));
  g_ptr_array_add (second, lookup_numbered (&f, "Mix", 3));
  dailies_poller_refresh_tasks (f.poller, second);

  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 10000));
  g_assert_cmpuint (server->request_ids->len, ==, 20);
  assert_asked_first (server, want, G_N_ELEMENTS (want));

  fixture_clear (&f);
  test_server_free (server);
}

/* A Check Again refused by a 401 for the key before the current one
 * keeps its turn before the Check Agains still waiting in the array. */
static void
test_check_again_refused_keeps_turn (void)
{
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  const char *want[] = { "asyntask_Ref000002", "asyntask_Ref000002", "asyntask_Ref000000",
                         "asyntask_Ref000001", "asyntask_Ref000003" };
  Fixture f;

  fixture_init (&f, server->base_url);
  dailies_api_client_set_api_key (f.client, "sk-old-key");
  ask_one_at_a_time (&f);
  add_numbered (&f, "Ref", 4);
  g_ptr_array_add (tasks, lookup_numbered (&f, "Ref", 2));
  g_ptr_array_add (tasks, lookup_numbered (&f, "Ref", 0));
  g_ptr_array_add (tasks, lookup_numbered (&f, "Ref", 1));
  g_ptr_array_add (tasks, lookup_numbered (&f, "Ref", 3));
  dailies_poller_refresh_tasks (f.poller, tasks);
  dailies_poller_start (f.poller);     /* Ref2 goes, with the old key */
  g_assert_cmpuint (dailies_poller_get_n_in_flight (f.poller), ==, 1);
  dailies_api_client_set_api_key (f.client, TEST_KEY);

  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 10000));
  g_assert_cmpuint (server->n_with_wrong_auth, ==, 1);
  g_assert_cmpuint (server->request_ids->len, ==, G_N_ELEMENTS (want));
  assert_asked_first (server, want, G_N_ELEMENTS (want));

  fixture_clear (&f);
  test_server_free (server);
}

/* Stopped while Check Agains wait (a finished task among them), started
 * again: each unfinished task is asked, the finished one not again. */
static void
test_check_again_stop_start (void)
{
  TestServer *server = test_server_new (script_always_success);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  Fixture f;

  fixture_init (&f, server->base_url);
  ask_one_at_a_time (&f);
  add_numbered (&f, "StopDone", 1);
  dailies_poller_start (f.poller);
  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 5000));
  g_assert_true (dailies_test_wait_until (nothing_in_flight, f.poller, 5000));
  server->hold_ms = 100;
  add_numbered (&f, "Stop", 5);        /* Stop0 goes */
  g_ptr_array_add (tasks, lookup_numbered (&f, "StopDone", 0));
  for (guint i = 4; i >= 1; i--)
    g_ptr_array_add (tasks, lookup_numbered (&f, "Stop", i));
  dailies_poller_refresh_tasks (f.poller, tasks);
  dailies_poller_stop (f.poller);
  dailies_poller_start (f.poller);
  /* And once more, with Check Agains waiting again. */
  dailies_poller_refresh_tasks (f.poller, tasks);
  dailies_poller_stop (f.poller);
  dailies_poller_start (f.poller);

  g_assert_true (dailies_test_wait_until (all_succeeded, &f, 10000));
  g_assert_false (dailies_test_wait_until (never, NULL, 500));
  g_assert_cmpuint (count_for (server, "asyntask_StopDone000000"), ==, 1);
  for (guint i = 1; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_Stop%06u", i);
      g_assert_cmpuint (count_for (server, id), ==, 1);
    }

  fixture_clear (&f);
  test_server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  /* Every debug line is produced and recorded, to look for the key. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_lines = g_ptr_array_new_with_free_func (g_free);
  shown_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (record_log_writer, NULL, NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/poller/demo-lifecycle", test_demo_lifecycle);
  g_test_add_data_func ("/dailies/poller/rejected-key-never-sent-again/wrong", "sk-wrong",
                        test_rejected_key_never_sent_again);
  g_test_add_data_func ("/dailies/poller/rejected-key-never-sent-again/no-quota", "sk-spent",
                        test_rejected_key_never_sent_again);
  g_test_add_func ("/dailies/poller/not-found", test_not_found);
  g_test_add_func ("/dailies/poller/gateway-answers", test_gateway_answers);
  g_test_add_func ("/dailies/poller/upstream-problem-slow-pace", test_upstream_problem_slow_pace);
  g_test_add_func ("/dailies/poller/retry-after", test_retry_after);
  g_test_add_func ("/dailies/poller/rate-limit-pauses-all", test_rate_limit_pauses_all);
  g_test_add_func ("/dailies/poller/rate-limit-doubles-and-resets", test_rate_limit_doubles_and_resets);
  g_test_add_func ("/dailies/poller/rate-limit-in-flight-counts-once", test_rate_limit_in_flight_counts_once);
  g_test_add_func ("/dailies/poller/huge-retry-after-capped", test_huge_retry_after_capped);
  g_test_add_func ("/dailies/poller/errors-back-off-and-recover", test_errors_back_off_and_recover);
  g_test_add_func ("/dailies/poller/connection-refused-recovers", test_connection_refused_recovers);
  g_test_add_func ("/dailies/poller/concurrency-limit", test_concurrency_limit);
  g_test_add_func ("/dailies/poller/many-tasks-spread", test_many_tasks_spread);
  g_test_add_func ("/dailies/poller/first-pass-spread", test_first_pass_spread);
  g_test_add_func ("/dailies/poller/first-pass-in-order", test_first_pass_in_order);
  g_test_add_func ("/dailies/poller/bulk-add-keeps-others-turn", test_bulk_add_keeps_others_turn);
  g_test_add_func ("/dailies/poller/due-checks-go-out-back-to-back", test_due_checks_go_out_back_to_back);
  g_test_add_func ("/dailies/poller/budget-setting-live", test_budget_setting_live);
  g_test_add_func ("/dailies/poller/new-task-after-budget-raised", test_new_task_after_budget_raised);
  g_test_add_func ("/dailies/poller/first-turns-afresh-after-restart", test_first_turns_afresh_after_restart);
  g_test_add_func ("/dailies/poller/check-again-jumps-queue", test_check_again_jumps_queue);
  g_test_add_func ("/dailies/poller/check-again-in-order-given", test_check_again_in_order_given);
  g_test_add_func ("/dailies/poller/check-again-order-through-budget-change",
                   test_check_again_order_through_budget_change);
  g_test_add_func ("/dailies/poller/check-again-removed-while-waiting", test_check_again_removed_while_waiting);
  g_test_add_func ("/dailies/poller/check-again-across-queues", test_check_again_across_queues);
  g_test_add_func ("/dailies/poller/check-again-refused-keeps-turn", test_check_again_refused_keeps_turn);
  g_test_add_func ("/dailies/poller/check-again-stop-start", test_check_again_stop_start);
  g_test_add_func ("/dailies/poller/removed-while-waiting-first-turn", test_removed_while_waiting_first_turn);
  g_test_add_func ("/dailies/poller/same-answer-skipped", test_same_answer_skipped);
  g_test_add_func ("/dailies/poller/error-streak-logged-once", test_error_streak_logged_once);
  g_test_add_func ("/dailies/poller/error-kinds-logged-once-each", test_error_kinds_logged_once_each);
  g_test_add_func ("/dailies/poller/error-hosts-logged-once-each", test_error_hosts_logged_once_each);
  g_test_add_func ("/dailies/poller/error-streak-between-successes", test_error_streak_between_successes);
  g_test_add_func ("/dailies/poller/not-found-asked-again-at-new-address", test_not_found_asked_again_at_new_address);
  g_test_add_func ("/dailies/poller/not-found-asked-again-after-restart", test_not_found_asked_again_after_restart);
  g_test_add_func ("/dailies/poller/not-found-recheck-survives-stop", test_not_found_recheck_survives_stop);
  g_test_add_func ("/dailies/poller/not-found-recheck-waits-for-answers", test_not_found_recheck_waits_for_answers);
  g_test_add_func ("/dailies/poller/not-found-recheck-ends-at-own-refusal", test_not_found_recheck_ends_at_own_refusal);
  g_test_add_func ("/dailies/poller/not-found-recheck-beside-new-tasks", test_not_found_recheck_beside_new_tasks);
  g_test_add_func ("/dailies/poller/not-found-recheck-counts-check-again", test_not_found_recheck_counts_check_again);
  g_test_add_func ("/dailies/poller/not-found-recheck-after-undo", test_not_found_recheck_after_undo);
  g_test_add_func ("/dailies/poller/not-found-removed-while-stopped-after-undo",
                   test_not_found_removed_while_stopped_after_undo);
  g_test_add_func ("/dailies/poller/not-found-restored-joins-recheck", test_not_found_restored_joins_recheck);
  g_test_add_func ("/dailies/poller/not-found-from-old-address-asked-again", test_not_found_from_old_address_asked_again);
  g_test_add_func ("/dailies/poller/wrong-address-said-and-cleared", test_wrong_address_said_and_cleared);
  g_test_add_func ("/dailies/poller/wrong-address-fixed-asks-at-once", test_wrong_address_fixed_asks_at_once);
  g_test_add_func ("/dailies/poller/wrong-address-answer-after-change", test_wrong_address_answer_after_change);
  g_test_add_func ("/dailies/poller/error-after-change-asked-at-once", test_error_after_change);
  g_test_add_func ("/dailies/poller/retry-after-after-change", test_retry_after_after_change);
  g_test_add_func ("/dailies/poller/odd-not-found-after-answers", test_odd_not_found_after_answers);
  g_test_add_func ("/dailies/poller/address-broken-after-answers", test_address_broken_after_answers);
  g_test_add_func ("/dailies/poller/address-broken-old-answer", test_address_broken_old_answer);
  g_test_add_func ("/dailies/poller/web-page-after-answers", test_web_page_after_answers);
  g_test_add_func ("/dailies/poller/old-page-after-recovery", test_old_page_after_recovery);
  g_test_add_func ("/dailies/poller/old-not-found-after-break", test_old_not_found_after_break);
  g_test_add_func ("/dailies/poller/page-asked-while-broken", test_page_asked_while_broken);
  g_test_add_func ("/dailies/poller/odd-not-found-answered-late", test_odd_not_found_answered_late);
  g_test_add_data_func ("/dailies/poller/proxy-page-for-new-task/page", script_running_until_broken,
                        test_proxy_page_for_new_task);
  g_test_add_data_func ("/dailies/poller/proxy-page-for-new-task/text", script_running_until_text_404,
                        test_proxy_page_for_new_task);
  g_test_add_func ("/dailies/poller/odd-not-found-asked-before-trust", test_odd_not_found_asked_before_trust);
  g_test_add_func ("/dailies/poller/restart-forgets-trust", test_restart_forgets_trust);
  g_test_add_func ("/dailies/poller/unsendable-key-pauses", test_unsendable_key_pauses);
  g_test_add_func ("/dailies/poller/remove-restore-tracking", test_remove_restore_tracking);
  g_test_add_func ("/dailies/poller/offline-pauses-and-resumes", test_offline_pauses_and_resumes);
  g_test_add_func ("/dailies/poller/key-never-logged", test_key_never_logged);

  return g_test_run ();
}
