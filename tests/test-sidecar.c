/* test-sidecar.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dailies-sidecar.h"
#include "dailies-task.h"
#include "dailies-task-response.h"
#include "dailies-test-utils.h"

/* A task as the store would hold it after one answer from the API. */
static DailiesTask *
task_from_body (const char           *raw,
                DailiesTaskResponse **out_response)
{
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  DailiesTask *task;
  gsize length = strlen (raw);

  response = dailies_task_response_parse (raw, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);

  task = dailies_task_new (response->task_id);
  dailies_task_apply_response (task, response, raw, 200, g_get_real_time () / G_USEC_PER_SEC);

  if (out_response != NULL)
    *out_response = g_steal_pointer (&response);

  return task;
}

static DailiesTask *
task_from_fixture (const char           *fixture,
                   DailiesTaskResponse **out_response)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (fixture);
  g_autofree char *raw = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  return task_from_body (raw, out_response);
}

/* No value anywhere in the tree may be null: absent means left out. */
static void
assert_no_nulls (JsonNode *node)
{
  g_assert_false (JSON_NODE_HOLDS_NULL (node));

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GList) members = json_object_get_values (json_node_get_object (node));

      for (const GList *l = members; l != NULL; l = l->next)
        assert_no_nulls (l->data);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autoptr(GList) elements = json_array_get_elements (json_node_get_array (node));

      for (const GList *l = elements; l != NULL; l = l->next)
        assert_no_nulls (l->data);
    }
}

static void
assert_no_links (const char *json)
{
  g_assert_null (strstr (json, "http"));
  g_assert_null (strstr (json, "://"));
  g_assert_null (strstr (json, "Signature"));
  g_assert_null (strstr (json, "Expires"));
}

/* Parses @json, checks what every sidecar must satisfy, returns the object. */
static JsonObject *
parse_sidecar (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_nonnull (json);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);

  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  assert_no_nulls (root);
  assert_no_links (json);

  /* Pretty-printed, for people who open it in a text editor. */
  g_assert_nonnull (strstr (json, "\n  \"task_id\""));

  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "app"), ==, "Dailies " PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (object, "sidecar_version"), ==, DAILIES_SIDECAR_VERSION);
  g_assert_cmpint (json_object_get_int_member (object, "saved_at"), >=, now - 60);
  g_assert_cmpint (json_object_get_int_member (object, "saved_at"), <=, now + 60);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "saved_at_iso"), "Z"));

  return json_object_ref (object);
}

static void
test_success (void)
{
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(DailiesTask) task = task_from_fixture ("response-success.json", &response);
  g_autofree char *json = dailies_sidecar_build (task, response);
  g_autoptr(JsonObject) object = parse_sidecar (json);
  JsonObject *tokens;

  g_assert_cmpstr (json_object_get_string_member (object, "task_id"), ==, "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E");
  g_assert_cmpstr (json_object_get_string_member (object, "request_id"), ==, "20260427111505260254000NBdvZFoP");
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (object, "action"), ==, "generate");
  g_assert_cmpstr (json_object_get_string_member (object, "model"), ==, "doubao-seedance-2-0-260128");
  g_assert_cmpstr (json_object_get_string_member (object, "upstream_id"), ==, "cgt-20260427191505-9j2q7");
  g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, 4304);
  g_assert_cmpstr (json_object_get_string_member (object, "ratio"), ==, "16:9");
  g_assert_cmpstr (json_object_get_string_member (object, "resolution"), ==, "720p");
  g_assert_false (json_object_has_member (object, "upstream_resolution"));
  g_assert_cmpint (json_object_get_int_member (object, "fps"), ==, 24);
  g_assert_cmpint (json_object_get_int_member (object, "duration"), ==, 5);
  g_assert_true (json_object_get_boolean_member (object, "generate_audio"));

  tokens = json_object_get_object_member (object, "tokens");
  g_assert_nonnull (tokens);
  g_assert_cmpint (json_object_get_int_member (tokens, "completion"), ==, 108900);
  g_assert_cmpint (json_object_get_int_member (tokens, "total"), ==, 108900);
  g_assert_cmpint (json_object_get_int_member (tokens, "billed"), ==, 108900);

  g_assert_cmpint (json_object_get_int_member (object, "submit_time"), ==, 1777288506);
  g_assert_cmpstr (json_object_get_string_member (object, "submit_time_iso"), ==, "2026-04-27T11:15:06Z");
  g_assert_cmpint (json_object_get_int_member (object, "start_time"), ==, 1777288508);
  g_assert_cmpstr (json_object_get_string_member (object, "start_time_iso"), ==, "2026-04-27T11:15:08Z");
  g_assert_cmpint (json_object_get_int_member (object, "finish_time"), ==, 1777288800);
  g_assert_cmpstr (json_object_get_string_member (object, "finish_time_iso"), ==, "2026-04-27T11:20:00Z");

  /* Nothing of the links or the copy of result_url in fail_reason. */
  g_assert_false (json_object_has_member (object, "result_url"));
  g_assert_false (json_object_has_member (object, "fail_reason"));
  g_assert_false (json_object_has_member (object, "video_url"));
}

static void
test_ultra (void)
{
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(DailiesTask) task = task_from_fixture ("response-success-ultra.json", &response);
  g_autofree char *json = dailies_sidecar_build (task, response);
  g_autoptr(JsonObject) object = parse_sidecar (json);
  JsonObject *tokens;

  g_assert_cmpstr (json_object_get_string_member (object, "task_id"), ==, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE");
  g_assert_cmpstr (json_object_get_string_member (object, "request_id"), ==, "20260427111505260254000UltraSR");

  /* The user got 720p; the upstream render was 480p. */
  g_assert_cmpstr (json_object_get_string_member (object, "resolution"), ==, "720p");
  g_assert_cmpstr (json_object_get_string_member (object, "upstream_resolution"), ==, "480p");

  /* Billed: the super-resolution tokens. */
  tokens = json_object_get_object_member (object, "tokens");
  g_assert_cmpint (json_object_get_int_member (tokens, "completion"), ==, 108900);
  g_assert_cmpint (json_object_get_int_member (tokens, "total"), ==, 108900);
  g_assert_cmpint (json_object_get_int_member (tokens, "billed"), ==, 245025);

  g_assert_cmpstr (json_object_get_string_member (object, "finish_time_iso"), ==, "2026-04-27T11:23:10Z");
  g_assert_cmpstr (json_object_get_string_member (object, "upstream_id"), ==, "cgt-20260427191505-u1tra");
  g_assert_false (json_object_has_member (object, "original_result_url"));
}

static void
test_other_model (void)
{
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(DailiesTask) task = task_from_fixture ("response-other-model-success.json", &response);
  g_autofree char *json = dailies_sidecar_build (task, response);
  g_autoptr(JsonObject) object = parse_sidecar (json);

  g_assert_cmpstr (json_object_get_string_member (object, "task_id"), ==, "asyntask_jwgfhsG0m2aDjLmiiELRf74eoWmss6ya");
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (object, "upstream_id"), ==, "e45a6a1b-6f05-43e5-ab06-ddfdc97587a7");
  g_assert_cmpstr (json_object_get_string_member (object, "resolution"), ==, "720p");
  g_assert_cmpint (json_object_get_int_member (object, "duration"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (object, "submit_time_iso"), ==, "2026-04-28T02:37:42Z");

  /* What this model does not say is left out, not null. */
  g_assert_false (json_object_has_member (object, "seed"));
  g_assert_false (json_object_has_member (object, "fps"));
  g_assert_false (json_object_has_member (object, "generate_audio"));
  g_assert_false (json_object_has_member (object, "upstream_resolution"));
}

static void
test_from_raw_json (void)
{
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(DailiesTask) task = task_from_fixture ("response-success-ultra.json", &response);
  g_autofree char *with_response = dailies_sidecar_build (task, response);
  g_autofree char *from_raw = dailies_sidecar_build (task, NULL);
  g_autoptr(JsonObject) expected = parse_sidecar (with_response);
  g_autoptr(JsonObject) object = parse_sidecar (from_raw);
  g_autoptr(GList) names = json_object_get_members (expected);

  /* Without a response the task's raw JSON gives the same sidecar. */
  g_assert_cmpuint (json_object_get_size (object), ==, json_object_get_size (expected));
  for (const GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (g_str_has_prefix (name, "saved_at"))
        continue;
      g_assert_true (json_node_equal (json_object_get_member (object, name),
                                      json_object_get_member (expected, name)));
    }
}

static void
test_bare_task (void)
{
  g_autoptr(DailiesTask) task = dailies_task_new ("asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E");
  g_autofree char *json = dailies_sidecar_build (task, NULL);
  g_autoptr(JsonObject) object = parse_sidecar (json);

  /* Never answered: the ID and our own fields, nothing else. */
  g_assert_cmpstr (json_object_get_string_member (object, "task_id"), ==, "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E");
  g_assert_false (json_object_has_member (object, "tokens"));
  g_assert_false (json_object_has_member (object, "submit_time"));
  g_assert_false (json_object_has_member (object, "start_time_iso"));
  g_assert_false (json_object_has_member (object, "resolution"));
  g_assert_false (json_object_has_member (object, "generate_audio"));
}

static void
test_keeps_out_links_and_keys (void)
{
  g_autoptr(DailiesTaskResponse) parsed = NULL;
  g_autoptr(DailiesTask) answered = task_from_fixture ("response-success.json", &parsed);
  g_autoptr(DailiesTask) task = dailies_task_new ("asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E");
  g_autoptr(DailiesTaskResponse) response = dailies_task_response_copy (parsed);
  g_autofree char *json = NULL;
  g_autoptr(JsonObject) object = NULL;

  /* A future API could put anything anywhere. */
  g_free (response->request_id);
  response->request_id = g_strdup ("https://cdn.example.com/v.mp4?Expires=1&Signature=abc");
  g_free (response->model);
  response->model = g_strdup ("sk-0123456789abcdef0123456789abcdef");
  g_free (response->upstream_id);
  response->upstream_id = g_strdup ("s3://bucket/object");
  g_free (response->ratio);
  response->ratio = g_strdup ("Bearer abc");

  json = dailies_sidecar_build (task, response);
  object = parse_sidecar (json);

  g_assert_null (strstr (json, "sk-"));
  g_assert_null (strstr (json, "Bearer"));
  g_assert_false (json_object_has_member (object, "request_id"));
  g_assert_false (json_object_has_member (object, "model"));
  g_assert_false (json_object_has_member (object, "upstream_id"));
  g_assert_false (json_object_has_member (object, "ratio"));

  /* The plain fields around them are still there. */
  g_assert_cmpstr (json_object_get_string_member (object, "resolution"), ==, "720p");
  g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, 4304);
}

static guint
count_files (const char *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

static void
test_write (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(DailiesTask) task = task_from_fixture ("response-success-ultra.json", NULL);
  g_autofree char *video = g_build_filename (dir, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE.mp4", NULL);
  g_autofree char *sidecar = g_build_filename (dir, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonObject) object = NULL;

  g_assert_true (g_file_set_contents (video, "not really a video", -1, NULL));

  g_assert_true (dailies_sidecar_write (video, task, &error));
  g_assert_no_error (error);

  /* Written again (saving twice) replaces it; no temporary file stays. */
  g_assert_true (dailies_sidecar_write (video, task, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir), ==, 2);

  g_assert_true (g_file_get_contents (sidecar, &json, NULL, &error));
  g_assert_no_error (error);
  object = parse_sidecar (json);
  g_assert_cmpstr (json_object_get_string_member (object, "task_id"), ==, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE");
  g_assert_cmpstr (json_object_get_string_member (object, "upstream_resolution"), ==, "480p");

  dailies_test_rm_rf (dir);
}

/* A QuickTime result: the sidecar says what the file is. */
static void
test_write_mov (void)
{
  static const char body[] =
    "{\"code\":\"success\",\"data\":{\"task_id\":\"asyntask_Mov0000000000001\",\"status\":\"SUCCESS\","
    "\"progress\":\"100%\",\"finish_time\":1777288506,\"data\":{\"id\":\"cgt-1\",\"model\":\"seedance-2.5\","
    "\"status\":\"succeeded\",\"duration\":30,\"resolution\":\"4k\",\"content\":{\"output_format\":\"mov\"}}}}";
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(DailiesTask) task = task_from_body (body, &response);
  g_autofree char *video = g_build_filename (dir, "asyntask_Mov0000000000001.mov", NULL);
  g_autofree char *sidecar = g_build_filename (dir, "asyntask_Mov0000000000001.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonObject) object = NULL;

  /* data.data.content.output_format counts when data.data has none. */
  g_assert_cmpstr (response->output_format, ==, "mov");

  g_assert_true (dailies_sidecar_write (video, task, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (sidecar, &json, NULL, &error));
  g_assert_no_error (error);
  object = parse_sidecar (json);
  g_assert_cmpstr (json_object_get_string_member (object, "container"), ==, "mov");
  g_assert_cmpstr (json_object_get_string_member (object, "output_format"), ==, "mov");
  g_assert_cmpstr (json_object_get_string_member (object, "resolution"), ==, "4k");
  g_assert_cmpint (json_object_get_int_member (object, "duration"), ==, 30);

  dailies_test_rm_rf (dir);
}

static void
test_write_error (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(DailiesTask) task = task_from_fixture ("response-success.json", NULL);
  g_autofree char *video = g_build_filename (dir, "gone", "TASK.mp4", NULL);
  g_autoptr(GError) error = NULL;

  /* The folder of the video does not exist: an error, not a crash. */
  g_assert_false (dailies_sidecar_write (video, task, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpuint (count_files (dir), ==, 0);

  dailies_test_rm_rf (dir);
}

typedef struct
{
  gboolean  done;
  gboolean  written;
  GError   *error;
} AsyncWrite;

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncWrite *write = user_data;

  write->written = dailies_sidecar_write_finish (result, &write->error);
  write->done = TRUE;
}

/* Written on a worker thread: the call returns at once, the answer comes
 * through the main loop, and the file says what the task said at the
 * call. (A slow network share cannot be simulated honestly here; that the
 * caller never waits for the disk is what this shows.) */
static void
test_write_async (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(DailiesTask) task = task_from_fixture ("response-success-ultra.json", NULL);
  g_autofree char *video = g_build_filename (dir, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE.mov", NULL);
  g_autofree char *sidecar = g_build_filename (dir, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "gone", "TASK.mp4", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *json = NULL;
  AsyncWrite write = { 0 };
  AsyncWrite failed = { 0 };
  AsyncWrite cancelled = { 0 };

  dailies_sidecar_write_async (video, task, NULL, written_cb, &write);
  g_assert_false (write.done);
  /* Built at the call: what changes afterwards is not in this file. */
  dailies_task_set_request_id (task, "changed-after-the-call");
  g_assert_true (dailies_test_wait_for_flag (&write.done, 5000));
  g_assert_no_error (write.error);
  g_assert_true (write.written);

  g_assert_true (g_file_get_contents (sidecar, &json, NULL, NULL));
  object = parse_sidecar (json);
  g_assert_cmpstr (json_object_get_string_member (object, "task_id"), ==, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE");
  g_assert_cmpstr (json_object_get_string_member (object, "container"), ==, "mov");
  g_assert_cmpstr (json_object_get_string_member (object, "upstream_resolution"), ==, "480p");
  g_assert_cmpstr (json_object_get_string_member (object, "request_id"), !=, "changed-after-the-call");
  g_assert_cmpuint (count_files (dir), ==, 1);

  /* A folder that is not there: the error of the sync write, through the callback. */
  dailies_sidecar_write_async (missing, task, NULL, written_cb, &failed);
  g_assert_false (failed.done);
  g_assert_true (dailies_test_wait_for_flag (&failed.done, 5000));
  g_assert_false (failed.written);
  g_assert_error (failed.error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&failed.error);

  /* Cancelled before the worker ran (the keeper going away): nothing written. */
  g_assert_cmpint (g_unlink (sidecar), ==, 0);
  dailies_sidecar_write_async (video, task, cancellable, written_cb, &cancelled);
  g_cancellable_cancel (cancellable);
  g_assert_true (dailies_test_wait_for_flag (&cancelled.done, 5000));
  /* Or the worker was quicker: then it says so. */
  g_assert_true (cancelled.written == g_file_test (sidecar, G_FILE_TEST_EXISTS));
  if (!cancelled.written)
    g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&cancelled.error);

  dailies_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/sidecar/success", test_success);
  g_test_add_func ("/dailies/sidecar/ultra", test_ultra);
  g_test_add_func ("/dailies/sidecar/other-model", test_other_model);
  g_test_add_func ("/dailies/sidecar/from-raw-json", test_from_raw_json);
  g_test_add_func ("/dailies/sidecar/bare-task", test_bare_task);
  g_test_add_func ("/dailies/sidecar/keeps-out-links-and-keys", test_keeps_out_links_and_keys);
  g_test_add_func ("/dailies/sidecar/write", test_write);
  g_test_add_func ("/dailies/sidecar/write-mov", test_write_mov);
  g_test_add_func ("/dailies/sidecar/write-error", test_write_error);
  g_test_add_func ("/dailies/sidecar/write-async", test_write_async);

  return g_test_run ();
}
