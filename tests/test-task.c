/* test-task.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-task.h"
#include "dailies-test-utils.h"

#define SUCCESS_ID "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E"
#define SUCCESS_URL "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/video.mp4?X-Tos-Expires=86400&X-Tos-Signature=abc"

/* Counts notifies per property name. */
typedef struct
{
  GHashTable *counts;
  guint       total;
} Notifies;

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           Notifies   *notifies)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (notifies->counts, pspec->name));

  g_hash_table_insert (notifies->counts, (gpointer) pspec->name, GUINT_TO_POINTER (count + 1));
  notifies->total++;
}

static void
notifies_init (Notifies    *notifies,
               DailiesTask *task)
{
  notifies->counts = g_hash_table_new (g_str_hash, g_str_equal);
  notifies->total = 0;
  g_signal_connect (task, "notify", G_CALLBACK (notify_cb), notifies);
}

static void
notifies_reset (Notifies *notifies)
{
  g_hash_table_remove_all (notifies->counts);
  notifies->total = 0;
}

static guint
notifies_get (Notifies   *notifies,
              const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (notifies->counts, name));
}

static void
notifies_clear (Notifies    *notifies,
                DailiesTask *task)
{
  g_signal_handlers_disconnect_by_func (task, notify_cb, notifies);
  g_clear_pointer (&notifies->counts, g_hash_table_unref);
}

/* Asserts that exactly the properties in @names (NULL-terminated) were
 * notified, each once, and resets the counts. */
static void
assert_notified (Notifies *notifies,
                 ...)
{
  guint expected = 0;
  const char *name;
  va_list args;

  va_start (args, notifies);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      if (notifies_get (notifies, name) != 1)
        g_error ("property %s notified %u times, expected once", name, notifies_get (notifies, name));
      expected++;
    }
  va_end (args);

  if (notifies->total != expected)
    {
      GHashTableIter iter;
      gpointer key;
      gpointer value;

      g_hash_table_iter_init (&iter, notifies->counts);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_test_message ("notified: %s ×%u", (const char *) key, GPOINTER_TO_UINT (value));
      g_error ("%u notifies, expected %u", notifies->total, expected);
    }

  notifies_reset (notifies);
}

static DailiesTaskResponse *
parse_fixture (const char  *name,
               char       **body_out)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  DailiesTaskResponse *response = dailies_task_response_parse (data, size, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  if (body_out != NULL)
    *body_out = g_strndup (data, size);

  return response;
}

static void
test_defaults (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new (SUCCESS_ID);
  g_autofree char *id = NULL;
  DailiesTaskStatus status;
  gboolean terminal;
  int progress;

  g_assert_cmpstr (dailies_task_get_id (task), ==, SUCCESS_ID);
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_UNKNOWN);
  g_assert_cmpint (dailies_task_get_progress (task), ==, -1);
  g_assert_false (dailies_task_is_terminal (task));
  g_assert_null (dailies_task_get_status_text (task));
  g_assert_null (dailies_task_get_raw_json (task));
  g_assert_null (dailies_task_get_last_error (task));
  g_assert_cmpuint (dailies_task_get_http_status (task), ==, 0);
  g_assert_cmpint (dailies_task_get_first_seen (task), ==, 0);
  g_assert_null (dailies_task_dup_response (task));

  g_object_get (task, "id", &id, "status", &status, "progress", &progress, "terminal", &terminal, NULL);
  g_assert_cmpstr (id, ==, SUCCESS_ID);
  g_assert_cmpint (status, ==, DAILIES_TASK_STATUS_UNKNOWN);
  g_assert_cmpint (progress, ==, -1);
  g_assert_false (terminal);

  g_assert_finalize_object (g_steal_pointer (&task));
}

static void
test_properties_are_read_only (void)
{
  GObjectClass *klass = g_type_class_ref (DAILIES_TYPE_TASK);
  guint n_pspecs;
  g_autofree GParamSpec **pspecs = g_object_class_list_properties (klass, &n_pspecs);
  static const char * const expected[] = {
    "id", "status", "status-text", "progress", "submit-time", "start-time", "finish-time",
    "fail-reason", "result-url", "original-result-url", "request-id", "model", "raw-json",
    "first-seen", "last-polled", "last-error", "http-status", "local-path", "link-seen",
    "link-lapsed", "terminal",
    "download-fraction", "keep-message", "thumbnail-path", "upstream-problem",
    "gateway-request-id",
  };

  g_assert_cmpuint (n_pspecs, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (klass, expected[i]);

      g_assert_nonnull (pspec);
      g_assert_true (pspec->flags & G_PARAM_READABLE);
      if (g_str_equal (expected[i], "id"))
        g_assert_true (pspec->flags & G_PARAM_CONSTRUCT_ONLY);
      else
        {
          g_assert_false (pspec->flags & G_PARAM_WRITABLE);
          g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);
        }
    }

  g_type_class_unref (klass);
}

static void
test_notify_once_per_change (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new (SUCCESS_ID);
  g_autofree char *text = g_strdup ("QUEUED");
  Notifies n;

  notifies_init (&n, task);

  /* Status and its text; terminal only when crossing into a final state. */
  dailies_task_set_status (task, DAILIES_TASK_STATUS_QUEUED, text);
  assert_notified (&n, "status", "status-text", NULL);
  dailies_task_set_status (task, DAILIES_TASK_STATUS_QUEUED, "QUEUED");  /* equal, other pointer */
  assert_notified (&n, NULL);
  dailies_task_set_status (task, DAILIES_TASK_STATUS_QUEUED, "queued");
  assert_notified (&n, "status-text", NULL);
  dailies_task_set_status (task, DAILIES_TASK_STATUS_SUCCESS, "queued");
  assert_notified (&n, "status", "terminal", NULL);
  g_assert_true (dailies_task_is_terminal (task));
  dailies_task_set_status (task, DAILIES_TASK_STATUS_FAILURE, "FAILURE");
  assert_notified (&n, "status", "status-text", NULL);
  dailies_task_set_status (task, DAILIES_TASK_STATUS_NOT_FOUND, NULL);
  assert_notified (&n, "status", "status-text", NULL);
  dailies_task_set_status (task, DAILIES_TASK_STATUS_IN_PROGRESS, NULL);
  assert_notified (&n, "status", "terminal", NULL);
  g_assert_false (dailies_task_is_terminal (task));

  dailies_task_set_progress (task, 50);
  assert_notified (&n, "progress", NULL);
  dailies_task_set_progress (task, 50);
  assert_notified (&n, NULL);
  dailies_task_set_progress (task, 250);  /* clamped */
  assert_notified (&n, "progress", NULL);
  g_assert_cmpint (dailies_task_get_progress (task), ==, 100);

  dailies_task_set_times (task, 10, 0, 0);
  assert_notified (&n, "submit-time", NULL);
  dailies_task_set_times (task, 10, 12, 30);
  assert_notified (&n, "start-time", "finish-time", NULL);
  dailies_task_set_times (task, 10, 12, 30);
  assert_notified (&n, NULL);

  dailies_task_set_fail_reason (task, "nope");
  assert_notified (&n, "fail-reason", NULL);
  dailies_task_set_fail_reason (task, "nope");
  assert_notified (&n, NULL);
  dailies_task_set_fail_reason (task, NULL);
  assert_notified (&n, "fail-reason", NULL);
  dailies_task_set_fail_reason (task, "");  /* "" is a value too */
  assert_notified (&n, "fail-reason", NULL);

  dailies_task_set_result_urls (task, "https://a/v.mp4", NULL);
  assert_notified (&n, "result-url", NULL);
  dailies_task_set_result_urls (task, "https://a/v.mp4", "https://a/o.mp4");
  assert_notified (&n, "original-result-url", NULL);
  dailies_task_set_result_urls (task, "https://a/v.mp4", "https://a/o.mp4");
  assert_notified (&n, NULL);

  dailies_task_set_request_id (task, "req");
  assert_notified (&n, "request-id", NULL);
  dailies_task_set_model (task, "m");
  assert_notified (&n, "model", NULL);
  dailies_task_set_raw_json (task, "{}");
  assert_notified (&n, "raw-json", NULL);
  dailies_task_set_first_seen (task, 5);
  assert_notified (&n, "first-seen", NULL);
  dailies_task_set_last_polled (task, 6);
  assert_notified (&n, "last-polled", NULL);
  dailies_task_set_local_path (task, "/x/y.mp4");
  assert_notified (&n, "local-path", NULL);

  dailies_task_set_request_id (task, "req");
  dailies_task_set_model (task, "m");
  dailies_task_set_raw_json (task, "{}");
  dailies_task_set_first_seen (task, 5);
  dailies_task_set_last_polled (task, 6);
  dailies_task_set_local_path (task, "/x/y.mp4");
  assert_notified (&n, NULL);

  dailies_task_set_last_error (task, "timeout", 0);
  assert_notified (&n, "last-error", NULL);
  dailies_task_set_last_error (task, "Bad Gateway", 502);
  assert_notified (&n, "last-error", "http-status", NULL);
  dailies_task_set_last_error (task, "Bad Gateway", 502);
  assert_notified (&n, NULL);
  dailies_task_set_last_error (task, NULL, 502);
  assert_notified (&n, "last-error", NULL);

  notifies_clear (&n, task);
  g_assert_finalize_object (g_steal_pointer (&task));
}

/* Inside any notify of apply_response, every field is already updated:
 * the notifies come as one batch after all changes. */
static void
check_consistent_cb (DailiesTask *task,
                     GParamSpec  *pspec,
                     guint       *n_checked)
{
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpint (dailies_task_get_progress (task), ==, 100);
  g_assert_nonnull (dailies_task_get_raw_json (task));
  g_assert_null (dailies_task_get_last_error (task));
  (*n_checked)++;
}

static void
test_apply_response (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new (SUCCESS_ID);
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autofree char *body = NULL;
  guint n_checked = 0;
  gulong handler;
  Notifies n;

  response = parse_fixture ("response-success.json", &body);

  dailies_task_set_first_seen (task, 1777288000);
  dailies_task_set_last_error (task, "Bad Gateway", 502);
  notifies_init (&n, task);
  handler = g_signal_connect (task, "notify", G_CALLBACK (check_consistent_cb), &n_checked);

  dailies_task_apply_response (task, response, body, 200, 1777288900);

  assert_notified (&n, "status", "status-text", "progress", "submit-time", "start-time",
                   "finish-time", "result-url", "link-seen", "request-id", "model", "raw-json",
                   "last-polled", "last-error", "http-status", "terminal", NULL);
  g_assert_cmpuint (n_checked, ==, 15);
  g_signal_handler_disconnect (task, handler);

  g_assert_cmpstr (dailies_task_get_id (task), ==, SUCCESS_ID);
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (dailies_task_get_status_text (task), ==, "SUCCESS");
  g_assert_cmpint (dailies_task_get_progress (task), ==, 100);
  g_assert_cmpint (dailies_task_get_submit_time (task), ==, 1777288506);
  g_assert_cmpint (dailies_task_get_start_time (task), ==, 1777288508);
  g_assert_cmpint (dailies_task_get_finish_time (task), ==, 1777288800);
  /* On success the API repeats result_url in fail_reason; the parser drops it. */
  g_assert_null (dailies_task_get_fail_reason (task));
  g_assert_cmpstr (dailies_task_get_result_url (task), ==, SUCCESS_URL);
  g_assert_null (dailies_task_get_original_result_url (task));
  g_assert_cmpstr (dailies_task_get_request_id (task), ==, "20260427111505260254000NBdvZFoP");
  g_assert_cmpstr (dailies_task_get_model (task), ==, "doubao-seedance-2-0-260128");
  g_assert_cmpstr (dailies_task_get_raw_json (task), ==, body);
  g_assert_cmpint (dailies_task_get_first_seen (task), ==, 1777288000);
  g_assert_cmpint (dailies_task_get_last_polled (task), ==, 1777288900);
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, 1777288900);
  g_assert_null (dailies_task_get_last_error (task));
  g_assert_cmpuint (dailies_task_get_http_status (task), ==, 200);
  g_assert_true (dailies_task_is_terminal (task));

  /* The same answer again changes nothing… */
  dailies_task_apply_response (task, response, body, 200, 1777288900);
  assert_notified (&n, NULL);
  /* …but a later poll moves last-polled. */
  dailies_task_apply_response (task, response, body, 200, 1777288960);
  assert_notified (&n, "last-polled", NULL);

  notifies_clear (&n, task);
  g_assert_finalize_object (g_steal_pointer (&task));
}

/* "changed" comes once for all an answer changed, after its notifies,
 * every field updated; once for a lone change; never for none. */
typedef struct
{
  Notifies *notifies;
  guint     n_changed;
} ChangedCount;

static void
count_changed_cb (DailiesTask  *task,
                  ChangedCount *count)
{
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_nonnull (dailies_task_get_raw_json (task));
  /* The answer's notifies have all gone out before it. */
  if (count->n_changed == 0)
    g_assert_cmpuint (count->notifies->total, ==, 15);
  count->n_changed++;
}

/* A handler that changes the task again, once: one more "changed", no loop. */
static void
change_again_cb (DailiesTask *task,
                 guint       *n_changed)
{
  if ((*n_changed)++ == 0)
    dailies_task_set_model (task, "changed-in-handler");
}

static void
test_changed_once_per_answer (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new (SUCCESS_ID);
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autofree char *body = NULL;
  ChangedCount count = { NULL, 0 };
  guint n_again = 0;
  gulong handler;
  Notifies n;

  response = parse_fixture ("response-success.json", &body);
  dailies_task_set_last_error (task, "Bad Gateway", 502);
  notifies_init (&n, task);
  count.notifies = &n;
  g_signal_connect (task, "changed", G_CALLBACK (count_changed_cb), &count);

  /* Fifteen properties, one "changed". */
  dailies_task_apply_response (task, response, body, 200, 1777288900);
  g_assert_cmpuint (n.total, ==, 15);
  g_assert_cmpuint (count.n_changed, ==, 1);
  notifies_reset (&n);

  /* The same answer: nothing. */
  dailies_task_apply_response (task, response, body, 200, 1777288900);
  g_assert_cmpuint (count.n_changed, ==, 1);

  /* One field, on its own. */
  dailies_task_set_local_path (task, "/videos/kept.mp4");
  g_assert_cmpuint (count.n_changed, ==, 2);

  /* Changes made together, nested, as the store records an error. */
  dailies_task_begin_changes (task);
  dailies_task_set_last_error (task, "HTTP 404: task not found", 404);
  dailies_task_set_last_polled (task, 1777289000);
  g_assert_cmpuint (count.n_changed, ==, 2);
  dailies_task_end_changes (task);
  g_assert_cmpuint (count.n_changed, ==, 3);

  /* A handler that changes the task hears of that change too, once. */
  handler = g_signal_connect (task, "changed", G_CALLBACK (change_again_cb), &n_again);
  dailies_task_set_local_path (task, "/videos/kept-again.mp4");
  g_assert_cmpuint (n_again, ==, 2);
  g_assert_cmpuint (count.n_changed, ==, 5);
  g_assert_cmpstr (dailies_task_get_model (task), ==, "changed-in-handler");
  g_signal_handler_disconnect (task, handler);

  notifies_clear (&n, task);
  g_assert_finalize_object (g_steal_pointer (&task));
}

static void
test_apply_failure_then_progress (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new ("asyntask_Fa1ledM0derat10nAbCdEfGhIjKlMnOpQ");
  g_autoptr(DailiesTaskResponse) failure = NULL;
  g_autofree char *body = NULL;
  /* A hand-built answer: an unknown status string in progress. */
  DailiesTaskResponse running = {
    .task_id = (char *) "asyntask_Fa1ledM0derat10nAbCdEfGhIjKlMnOpQ",
    .status = DAILIES_TASK_STATUS_OTHER,
    .status_text = (char *) "PAUSED",
    .progress = -1,
    .submit_time = 1777288506,
    .model = (char *) "wan-2.5",
    .upstream_error_code = NULL,
  };
  Notifies n;

  failure = parse_fixture ("response-failure.json", &body);
  dailies_task_apply_response (task, failure, body, 200, 100);

  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpstr (dailies_task_get_fail_reason (task), ==,
                   "The request failed because the input text may contain sensitive information.");
  g_assert_null (dailies_task_get_result_url (task));
  g_assert_cmpint (dailies_task_get_finish_time (task), ==, 1777288530);
  g_assert_true (dailies_task_is_terminal (task));

  notifies_init (&n, task);
  dailies_task_apply_response (task, &running, "{\"paused\":true}", 200, 200);
  assert_notified (&n, "status", "status-text", "progress", "start-time", "finish-time",
                   "fail-reason", "request-id", "model", "raw-json", "last-polled", "terminal", NULL);
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_OTHER);
  g_assert_cmpstr (dailies_task_get_status_text (task), ==, "PAUSED");
  g_assert_cmpint (dailies_task_get_progress (task), ==, -1);
  g_assert_cmpint (dailies_task_get_start_time (task), ==, 0);
  g_assert_null (dailies_task_get_fail_reason (task));
  g_assert_null (dailies_task_get_request_id (task));
  g_assert_cmpstr (dailies_task_get_model (task), ==, "wan-2.5");
  g_assert_false (dailies_task_is_terminal (task));

  notifies_clear (&n, task);
  g_assert_finalize_object (g_steal_pointer (&task));
}

/* The writer's copy of a task shares the answer's JSON rather than copying
 * it, and keeps it whole when the task takes the next answer or lets go. */
static void
test_dup_fields_shares_json (void)
{
  DailiesTask *task = dailies_task_new (SUCCESS_ID);
  g_autofree char *body = NULL;
  g_autofree char *next_body = NULL;
  DailiesTaskResponse *response = parse_fixture ("response-success.json", &body);
  DailiesTaskResponse *next = parse_fixture ("response-in-progress.json", &next_body);
  DailiesTaskFields fields;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GBytes) again = NULL;
  const char *taken = body;

  dailies_task_dup_fields (task, &fields, &json);
  g_assert_null (fields.raw_json);
  g_assert_null (json);
  dailies_task_fields_clear (&fields);

  dailies_task_apply_response_take_json (task, response, g_steal_pointer (&body), 200, 1777288900);
  dailies_task_dup_fields (task, &fields, &json);
  g_assert_null (fields.raw_json);
  g_assert_cmpstr (fields.id, ==, SUCCESS_ID);
  g_assert_nonnull (json);
  /* The very bytes the task took, its NUL included. */
  g_assert_true (g_bytes_get_data (json, NULL) == (gconstpointer) taken);
  g_assert_true (dailies_task_get_raw_json (task) == taken);
  g_assert_cmpuint (g_bytes_get_size (json), ==, strlen (taken) + 1);
  dailies_task_fields_clear (&fields);

  /* A second copy shares the same bytes. */
  dailies_task_dup_fields (task, &fields, &again);
  g_assert_true (again == json);
  dailies_task_fields_clear (&fields);

  /* The next answer replaces the task's JSON, not the shared one. */
  dailies_task_apply_response_take_json (task, next, g_strdup (next_body), 200, 1777288950);
  g_assert_cmpstr (dailies_task_get_raw_json (task), ==, next_body);
  g_assert_cmpmem (g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                   g_bytes_get_data (again, NULL), g_bytes_get_size (again));
  g_assert_true (strstr (g_bytes_get_data (json, NULL), "SUCCESS") != NULL);

  /* And outlives the task. */
  g_assert_finalize_object (task);
  g_assert_true (strstr (g_bytes_get_data (json, NULL), "SUCCESS") != NULL);

  dailies_task_response_free (response);
  dailies_task_response_free (next);
}

static void
test_dup_response (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new ("asyntask_U1traT4sk0000000000000000000000");
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(DailiesTaskResponse) copy = NULL;
  g_autofree char *body = NULL;

  response = parse_fixture ("response-success-ultra.json", &body);
  dailies_task_apply_response (task, response, body, 200, 1);

  copy = dailies_task_dup_response (task);
  g_assert_nonnull (copy);
  g_assert_true (copy != response);
  g_assert_cmpstr (copy->task_id, ==, response->task_id);
  g_assert_cmpint (copy->status, ==, response->status);
  g_assert_cmpstr (copy->result_url, ==, response->result_url);
  g_assert_cmpstr (copy->original_result_url, ==, response->original_result_url);
  g_assert_nonnull (copy->original_result_url);
  g_assert_cmpstr (copy->resolution, ==, response->resolution);
  g_assert_cmpstr (copy->upstream_resolution, ==, response->upstream_resolution);
  g_assert_cmpint (copy->billed_tokens, ==, response->billed_tokens);
  g_assert_cmpstr (dailies_task_get_original_result_url (task), ==, response->original_result_url);
  g_clear_pointer (&copy, dailies_task_response_free);

  /* What does not parse gives NULL, not a crash. */
  dailies_task_set_raw_json (task, "{\"code\":\"success\",\"data\":");
  g_assert_null (dailies_task_dup_response (task));
  dailies_task_set_raw_json (task, NULL);
  g_assert_null (dailies_task_dup_response (task));

  g_assert_finalize_object (g_steal_pointer (&task));
}

/* A task built from a stored row has every field, owns the strings it was
 * given, and agrees with the setters about what a change is. */
static void
test_new_take_fields (void)
{
  g_autoptr(DailiesTask) task = NULL;
  DailiesTaskFields fields = { 0 };
  Notifies n;
  gboolean terminal;

  fields.id = g_strdup (SUCCESS_ID);
  fields.status = DAILIES_TASK_STATUS_SUCCESS;
  fields.status_text = g_strdup ("SUCCESS");
  fields.progress = 250;  /* out of range: clamped like the setter does */
  fields.submit_time = 1777288506;
  fields.start_time = 1777288508;
  fields.finish_time = 1777288800;
  fields.fail_reason = g_strdup ("none really");
  fields.result_url = g_strdup (SUCCESS_URL);
  fields.original_result_url = g_strdup ("https://cdn.example.com/o/video.mp4");
  fields.request_id = g_strdup ("req-1");
  fields.model = g_strdup ("doubao-seedance-2-0-260128");
  fields.raw_json = g_strdup ("{\"code\":\"success\"}");
  fields.first_seen = 1777288000;
  fields.last_polled = 1777288900;
  fields.last_error = g_strdup ("Bad Gateway");
  fields.http_status = 502;
  fields.local_path = g_strdup ("/videos/harbour.mp4");
  fields.link_seen = 1777288900;
  fields.link_lapsed = 1777289000;

  task = dailies_task_new_take_fields (&fields);
  g_assert_nonnull (task);

  /* Taken, not copied. */
  g_assert_null (fields.id);
  g_assert_null (fields.status_text);
  g_assert_null (fields.fail_reason);
  g_assert_null (fields.result_url);
  g_assert_null (fields.original_result_url);
  g_assert_null (fields.request_id);
  g_assert_null (fields.model);
  g_assert_null (fields.raw_json);
  g_assert_null (fields.last_error);
  g_assert_null (fields.local_path);

  g_assert_cmpstr (dailies_task_get_id (task), ==, SUCCESS_ID);
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (dailies_task_get_status_text (task), ==, "SUCCESS");
  g_assert_cmpint (dailies_task_get_progress (task), ==, 100);
  g_assert_cmpint (dailies_task_get_submit_time (task), ==, 1777288506);
  g_assert_cmpint (dailies_task_get_start_time (task), ==, 1777288508);
  g_assert_cmpint (dailies_task_get_finish_time (task), ==, 1777288800);
  g_assert_cmpstr (dailies_task_get_fail_reason (task), ==, "none really");
  g_assert_cmpstr (dailies_task_get_result_url (task), ==, SUCCESS_URL);
  g_assert_cmpstr (dailies_task_get_original_result_url (task), ==, "https://cdn.example.com/o/video.mp4");
  g_assert_cmpstr (dailies_task_get_request_id (task), ==, "req-1");
  g_assert_cmpstr (dailies_task_get_model (task), ==, "doubao-seedance-2-0-260128");
  g_assert_cmpstr (dailies_task_get_raw_json (task), ==, "{\"code\":\"success\"}");
  g_assert_cmpint (dailies_task_get_first_seen (task), ==, 1777288000);
  g_assert_cmpint (dailies_task_get_last_polled (task), ==, 1777288900);
  g_assert_cmpstr (dailies_task_get_last_error (task), ==, "Bad Gateway");
  g_assert_cmpuint (dailies_task_get_http_status (task), ==, 502);
  g_assert_cmpstr (dailies_task_get_local_path (task), ==, "/videos/harbour.mp4");
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, 1777288900);
  g_assert_cmpint (dailies_task_get_link_lapsed (task), ==, 1777289000);
  g_assert_true (dailies_task_is_terminal (task));
  g_object_get (task, "terminal", &terminal, NULL);
  g_assert_true (terminal);

  /* Not stored, so left at their defaults. */
  g_assert_cmpfloat (dailies_task_get_download_fraction (task), ==, -1.0);
  g_assert_null (dailies_task_get_keep_message (task));
  g_assert_null (dailies_task_get_thumbnail_path (task));

  /* Setting what it already has is no change. */
  notifies_init (&n, task);
  dailies_task_set_status (task, DAILIES_TASK_STATUS_SUCCESS, "SUCCESS");
  dailies_task_set_progress (task, 100);
  dailies_task_set_times (task, 1777288506, 1777288508, 1777288800);
  dailies_task_set_result_urls (task, SUCCESS_URL, "https://cdn.example.com/o/video.mp4");
  dailies_task_set_last_error (task, "Bad Gateway", 502);
  dailies_task_set_local_path (task, "/videos/harbour.mp4");
  assert_notified (&n, NULL);

  dailies_task_set_status (task, DAILIES_TASK_STATUS_IN_PROGRESS, "IN_PROGRESS");
  assert_notified (&n, "status", "status-text", "terminal", NULL);

  notifies_clear (&n, task);
  g_assert_finalize_object (g_steal_pointer (&task));
}

/* A SUCCESS answer carrying @url, finished @finished_days ago, as seen at
 * @polled_at. */
static void
apply_success (DailiesTask *task,
               const char  *url,
               gint64       finish_time,
               gint64       polled_at)
{
  DailiesTaskResponse response = {
    .task_id = (char *) SUCCESS_ID,
    .status = DAILIES_TASK_STATUS_SUCCESS,
    .status_text = (char *) "SUCCESS",
    .progress = 100,
    .submit_time = finish_time - 300,
    .start_time = finish_time - 290,
    .finish_time = finish_time,
    .result_url = (char *) url,
  };

  dailies_task_apply_response (task, &response, "{}", 200, polled_at);
}

static char *
tos_link (gint64 signed_at,
          guint  lifetime)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (signed_at);
  g_autofree char *stamp = g_date_time_format (date, "%Y%m%dT%H%M%SZ");

  return g_strdup_printf ("https://tos.example.com/v.mp4?X-Tos-Date=%s&X-Tos-Expires=%u&X-Tos-Signature=s%"
                          G_GINT64_FORMAT, stamp, lifetime, signed_at);
}

/* The stored fields one at a time: a task built from a row that has only
 * that one (besides its ID) gives it back to the writer, whatever the
 * task keeps apart for tasks that were only listed. */
#define N_STORED_FIELDS 24
#define STORED_JSON "{\"code\":\"success\",\"data\":{\"status\":\"SUCCESS\"}}"

#if GLIB_SIZEOF_VOID_P == 8
/* A field added to DailiesTaskFields needs its case below (the last
 * member, strings, only holds the others' copies). */
G_STATIC_ASSERT (sizeof (DailiesTaskFields) == 184);
#endif

static void
set_one_field (DailiesTaskFields *fields,
               guint              which)
{
  switch (which)
    {
    case 0: break;   /* only the ID: a task listed, never answered */
    case 1: fields->status = DAILIES_TASK_STATUS_FAILURE; break;
    case 2: fields->status_text = g_strdup ("FAILURE"); break;
    case 3: fields->progress = 40; break;
    case 4: fields->submit_time = 1777288506; break;
    case 5: fields->start_time = 1777288508; break;
    case 6: fields->finish_time = 1777288800; break;
    case 7: fields->fail_reason = g_strdup ("content policy"); break;
    case 8: fields->result_url = g_strdup (SUCCESS_URL); break;
    case 9: fields->original_result_url = g_strdup ("https://cdn.example.com/o/video.mp4"); break;
    case 10: fields->request_id = g_strdup ("req-1"); break;
    case 11: fields->model = g_strdup ("doubao-seedance-2-0-260128"); break;
    case 12: fields->first_seen = 1777288000; break;
    case 13: fields->last_polled = 1777288900; break;
    case 14: fields->last_error = g_strdup ("Bad Gateway"); break;
    case 15: fields->http_status = 502; break;
    case 16: fields->local_path = g_strdup ("/videos/harbour.mp4"); break;
    case 17: fields->link_seen = 1777288900; break;
    case 18: fields->link_lapsed = 1777289000; break;
    case 19: fields->link_expires = 1777375300; break;
    case 20: fields->link_expires = -1; fields->result_url = g_strdup (SUCCESS_URL); break;   /* not read yet */
    case 21: fields->raw_json = g_strdup (STORED_JSON); break;
    case 22: fields->link_expires = -1; break;   /* a row from before 0.1.0 without a link */
    case 23: fields->upstream_problem = g_strdup ("Cancelled by the model's service"); break;
    default: g_assert_not_reached ();
    }
}

static void
test_fields_round_trip_each (void)
{
  for (guint which = 0; which < N_STORED_FIELDS; which++)
    {
      g_autoptr(DailiesTask) task = NULL;
      g_autoptr(GBytes) json = NULL;
      DailiesTaskFields given = { .id = g_strdup (SUCCESS_ID), .status = DAILIES_TASK_STATUS_UNKNOWN, .progress = -1 };
      DailiesTaskFields expected = { .id = g_strdup (SUCCESS_ID), .status = DAILIES_TASK_STATUS_UNKNOWN, .progress = -1 };
      DailiesTaskFields back;

      g_test_message ("stored field %u alone", which);
      set_one_field (&given, which);
      set_one_field (&expected, which);
      /* Without a link there is no expiry to read. */
      if (expected.result_url == NULL && expected.link_expires < 0)
        expected.link_expires = 0;
      task = dailies_task_new_take_fields (&given);
      dailies_task_dup_fields (task, &back, &json);

      /* The JSON is shared with the writer, not copied into the row. */
      if (which == 21)
        g_assert_cmpstr (g_bytes_get_data (json, NULL), ==, STORED_JSON);
      else
        g_assert_null (json);
      g_assert_cmpstr (back.id, ==, expected.id);
      g_assert_cmpint (back.status, ==, expected.status);
      g_assert_cmpstr (back.status_text, ==, expected.status_text);
      g_assert_cmpint (back.progress, ==, expected.progress);
      g_assert_cmpint (back.submit_time, ==, expected.submit_time);
      g_assert_cmpint (back.start_time, ==, expected.start_time);
      g_assert_cmpint (back.finish_time, ==, expected.finish_time);
      g_assert_cmpstr (back.fail_reason, ==, expected.fail_reason);
      g_assert_cmpstr (back.result_url, ==, expected.result_url);
      g_assert_cmpstr (back.original_result_url, ==, expected.original_result_url);
      g_assert_cmpstr (back.request_id, ==, expected.request_id);
      g_assert_cmpstr (back.model, ==, expected.model);
      g_assert_null (back.raw_json);
      g_assert_cmpint (back.first_seen, ==, expected.first_seen);
      g_assert_cmpint (back.last_polled, ==, expected.last_polled);
      g_assert_cmpstr (back.last_error, ==, expected.last_error);
      g_assert_cmpuint (back.http_status, ==, expected.http_status);
      g_assert_cmpstr (back.local_path, ==, expected.local_path);
      g_assert_cmpint (back.link_seen, ==, expected.link_seen);
      g_assert_cmpint (back.link_lapsed, ==, expected.link_lapsed);
      g_assert_cmpint (back.link_expires, ==, expected.link_expires);
      /* Stored as known: "" for none. */
      g_assert_cmpstr (back.upstream_problem, ==, expected.upstream_problem != NULL ? expected.upstream_problem : "");

      /* What is not stored reads as for any new task. */
      g_assert_cmpfloat (dailies_task_get_download_fraction (task), ==, -1.0);
      g_assert_null (dailies_task_get_keep_message (task));
      g_assert_null (dailies_task_get_thumbnail_path (task));
      g_assert_null (dailies_task_get_gateway_request_id (task));

      dailies_task_fields_clear (&back);
      dailies_task_fields_clear (&expected);
      g_assert_finalize_object (g_steal_pointer (&task));
    }
}

/* A task only listed reads as a new one, and setting anything to what it
 * already reads as is no change. */
static void
test_listed_task_defaults (void)
{
  g_autoptr(DailiesTask) task = NULL;
  DailiesTaskFields fields = { .id = g_strdup (SUCCESS_ID), .status = DAILIES_TASK_STATUS_UNKNOWN, .progress = -1 };
  Notifies n;

  task = dailies_task_new_take_fields (&fields);
  notifies_init (&n, task);
  dailies_task_set_times (task, 0, 0, 0);
  dailies_task_set_fail_reason (task, NULL);
  dailies_task_set_result_urls (task, NULL, NULL);
  dailies_task_set_request_id (task, NULL);
  dailies_task_set_model (task, NULL);
  dailies_task_set_raw_json (task, NULL);
  dailies_task_set_last_polled (task, 0);
  dailies_task_set_last_error (task, NULL, 0);
  dailies_task_set_local_path (task, NULL);
  dailies_task_set_link_lapsed (task, 0);
  dailies_task_set_keep_state (task, -1.0, NULL);
  dailies_task_set_thumbnail_path (task, NULL);
  dailies_task_set_gateway_request_id (task, NULL);
  assert_notified (&n, NULL);

  g_assert_null (dailies_task_get_upstream_problem (task));
  g_assert_false (dailies_task_has_usable_link (task));
  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, 0);
  g_assert_false (dailies_task_is_link_expired (task, G_MAXINT64));
  g_assert_true (dailies_task_has_raw_json_in_memory (task));
  g_assert_null (dailies_task_ref_json_source (task));

  /* The first real change is one, and reads back. */
  dailies_task_set_keep_state (task, 0.5, "Keeping a copy");
  assert_notified (&n, "download-fraction", "keep-message", NULL);
  g_assert_cmpfloat (dailies_task_get_download_fraction (task), ==, 0.5);
  g_assert_cmpint (dailies_task_get_submit_time (task), ==, 0);
  g_assert_null (dailies_task_get_status_text (task));

  notifies_clear (&n, task);
  g_assert_finalize_object (g_steal_pointer (&task));
}

/* The link is judged by itself, never by the task's finish_time: the
 * service hands out a freshly signed link and keeps the old finish_time. */
static void
test_link_expiry (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new (SUCCESS_ID);
  const gint64 now = 1777600000;
  const gint64 three_days_ago = now - 3 * 24 * 3600;
  g_autofree char *fresh = tos_link (now - 60, 86400);
  g_autofree char *stale = tos_link (now - 86400 - 60, 86400);
  const char *unsigned_link = "https://cdn.example.com/v.mp4?Signature=abc";
  const char *other_unsigned = "https://cdn.example.com/v.mp4?Signature=def";

  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, 0);
  g_assert_false (dailies_task_is_link_expired (task, now));

  /* Signed a minute ago for a day: valid, though the task finished days ago. */
  apply_success (task, fresh, three_days_ago, now);
  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, now - 60 + 86400);
  g_assert_false (dailies_task_is_link_expired (task, now));
  g_assert_true (dailies_task_is_link_expired (task, now - 60 + 86400));

  /* Its signature lapsed: expired, though it arrived just now. */
  apply_success (task, stale, three_days_ago, now);
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, now);
  g_assert_true (dailies_task_is_link_expired (task, now));

  /* No expiry in the link: 24 h from when that link first arrived. */
  apply_success (task, unsigned_link, three_days_ago, now);
  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, now + DAILIES_TASK_RESULT_URL_LIFETIME);
  /* The same link again keeps its clock… */
  apply_success (task, unsigned_link, three_days_ago, now + 3600);
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, now);
  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, now + DAILIES_TASK_RESULT_URL_LIFETIME);
  g_assert_true (dailies_task_is_link_expired (task, now + DAILIES_TASK_RESULT_URL_LIFETIME));
  /* …another one starts its own. */
  apply_success (task, other_unsigned, three_days_ago, now + 7200);
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, now + 7200);
  g_assert_false (dailies_task_is_link_expired (task, now + DAILIES_TASK_RESULT_URL_LIFETIME));

  /* Refused by the host: expired whatever the clock says, until another
   * link comes. */
  dailies_task_set_link_lapsed (task, now + 7300);
  g_assert_true (dailies_task_is_link_expired (task, now));
  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, now + 7300);
  apply_success (task, other_unsigned, three_days_ago, now + 7400);
  g_assert_true (dailies_task_is_link_expired (task, now));
  apply_success (task, fresh, three_days_ago, now + 7500);
  g_assert_cmpint (dailies_task_get_link_lapsed (task), ==, 0);
  g_assert_false (dailies_task_is_link_expired (task, now));

  /* No link at all: nothing to expire. */
  apply_success (task, NULL, three_days_ago, now);
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, 0);
  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, 0);
  g_assert_false (dailies_task_is_link_expired (task, now));

  g_assert_finalize_object (g_steal_pointer (&task));
}

static void
test_usable_link (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new (SUCCESS_ID);
  const char *not_links[] = { NULL, "", "task failed", "ftp://h.example/v.mp4", "file:///tmp/v.mp4", "https://" };

  for (guint i = 0; i < G_N_ELEMENTS (not_links); i++)
    {
      apply_success (task, not_links[i], 1777288800, 1777288900);
      g_assert_false (dailies_task_has_usable_link (task));
    }

  apply_success (task, SUCCESS_URL, 1777288800, 1777288900);
  g_assert_true (dailies_task_has_usable_link (task));

  /* Only a success has a result link: on failure the API puts text there. */
  dailies_task_set_status (task, DAILIES_TASK_STATUS_FAILURE, "FAILURE");
  g_assert_false (dailies_task_has_usable_link (task));

  g_assert_finalize_object (g_steal_pointer (&task));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/task/defaults", test_defaults);
  g_test_add_func ("/dailies/task/read-only-properties", test_properties_are_read_only);
  g_test_add_func ("/dailies/task/notify-once-per-change", test_notify_once_per_change);
  g_test_add_func ("/dailies/task/apply-response", test_apply_response);
  g_test_add_func ("/dailies/task/changed-once-per-answer", test_changed_once_per_answer);
  g_test_add_func ("/dailies/task/apply-failure-then-progress", test_apply_failure_then_progress);
  g_test_add_func ("/dailies/task/dup-response", test_dup_response);
  g_test_add_func ("/dailies/task/dup-fields-shares-json", test_dup_fields_shares_json);
  g_test_add_func ("/dailies/task/new-take-fields", test_new_take_fields);
  g_test_add_func ("/dailies/task/fields-round-trip-each", test_fields_round_trip_each);
  g_test_add_func ("/dailies/task/listed-task-defaults", test_listed_task_defaults);
  g_test_add_func ("/dailies/task/link-expiry", test_link_expiry);
  g_test_add_func ("/dailies/task/usable-link", test_usable_link);

  return g_test_run ();
}
