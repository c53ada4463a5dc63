/* test-task-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "dailies-task-store.h"
#include "dailies-task-store-private.h"
#include "dailies-test-utils.h"

#define WRITER_CHILD_ARG "--writer-child"
#define IMPORT_CHILD_ARG "--import-child"
#define KILL_BATCH 50

static char *self_exe;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  guint n_signals;
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *changed)
{
  changed->n_signals++;
  changed->position = position;
  changed->removed = removed;
  changed->added = added;
}

static void
assert_items_changed (ItemsChanged *changed,
                      guint         position,
                      guint         removed,
                      guint         added)
{
  g_assert_cmpuint (changed->n_signals, ==, 1);
  g_assert_cmpuint (changed->position, ==, position);
  g_assert_cmpuint (changed->removed, ==, removed);
  g_assert_cmpuint (changed->added, ==, added);
  memset (changed, 0, sizeof *changed);
}

typedef struct
{
  char *dir;
  char *db_path;
} Fixture;

static void
fixture_init (Fixture *f)
{
  f->dir = dailies_test_make_temp_dir ();
  /* Folders that do not exist yet: the store makes them. */
  f->db_path = g_build_filename (f->dir, "data", "dailies", "tasks.db", NULL);
}

static void
fixture_clear (Fixture *f)
{
  dailies_test_rm_rf (f->dir);
  g_clear_pointer (&f->dir, g_free);
  g_clear_pointer (&f->db_path, g_free);
}

static DailiesTaskStore *
open_store (const char *path)
{
  DailiesTaskStore *store = dailies_task_store_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (dailies_task_store_load (store, &error));
  g_assert_no_error (error);

  return store;
}

static void
close_store (DailiesTaskStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
}

static char *
response_body (const char *id,
               const char *status,
               const char *progress)
{
  return g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                          "\"action\":\"generate\",\"status\":\"%s\","
                          "\"result_url\":\"https://cdn.example.com/v/%s.mp4?Signature=x\","
                          "\"original_result_url\":\"https://cdn.example.com/o/%s.mp4\","
                          "\"submit_time\":1777288506,\"start_time\":1777288508,\"finish_time\":1777288800,"
                          "\"progress\":\"%s\",\"request_id\":\"req-%s\","
                          "\"data\":{\"model\":\"doubao-seedance-2-0-260128\",\"resolution\":\"720p\"}}}",
                          id, status, id, id, progress, id);
}

/* A finished task's answer as the service gives it: its link three times
 * (result_url, fail_reason by the documented quirk, and the video_url). */
static char *
finished_body (const char *id,
               const char *status)
{
  g_autofree char *link = g_strdup_printf ("\"https://cdn.example.com/v/%s.mp4?X-Tos-Expires=86400"
                                           "\\u0026X-Tos-Signature=0123456789abcdef\"", id);

  return g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                          "\"action\":\"generate\",\"status\":\"%s\",\"result_url\":%s,\"fail_reason\":%s,"
                          "\"submit_time\":1777288506,\"start_time\":1777288508,\"finish_time\":1777288800,"
                          "\"progress\":\"100%%\",\"request_id\":\"req-%s\",\"data\":{\"content\":{\"video_url\":%s},"
                          "\"model\":\"doubao-seedance-2-0-260128\",\"resolution\":\"720p\"}}}",
                          id, status, link, link, id, link);
}

static void
apply_body (DailiesTaskStore *store,
            DailiesTask      *task,
            const char       *body,
            guint             http_status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), &error);

  g_assert_no_error (error);
  dailies_task_store_apply_response (store, task, response, body, http_status);
}

static void
apply_fixture (DailiesTaskStore *store,
               DailiesTask      *task,
               const char       *name)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);
  g_autofree char *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  apply_body (store, task, body, 200);
}

static DailiesTask *
get_task (DailiesTaskStore *store,
          guint             position)
{
  g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_assert_nonnull (task);
  /* The store keeps its own reference. */
  return task;
}

/* Every property of @a equals the same property of @b. */
static void
assert_tasks_equal (DailiesTask *a,
                    DailiesTask *b)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (a);
  guint n_pspecs;
  g_autofree GParamSpec **pspecs = g_object_class_list_properties (klass, &n_pspecs);

  for (guint i = 0; i < n_pspecs; i++)
    {
      g_auto(GValue) value_a = G_VALUE_INIT;
      g_auto(GValue) value_b = G_VALUE_INIT;

      g_value_init (&value_a, pspecs[i]->value_type);
      g_value_init (&value_b, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (a), pspecs[i]->name, &value_a);
      g_object_get_property (G_OBJECT (b), pspecs[i]->name, &value_b);

      if (g_param_values_cmp (pspecs[i], &value_a, &value_b) != 0)
        {
          g_autofree char *text_a = g_strdup_value_contents (&value_a);
          g_autofree char *text_b = g_strdup_value_contents (&value_b);

          g_error ("%s: %s differs: %s != %s", dailies_task_get_id (a), pspecs[i]->name, text_a, text_b);
        }
    }
}

static gint64
query_int (const char *db_path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static void
exec_on (const char *db_path,
         const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static guint
count_store_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", name, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "dailies-store"))
        n++;
    }

  return n;
}

/* The kernel names a thread a moment after it starts and drops it a
 * moment after it is joined: poll /proc, with a deadline. */
static gboolean
wait_for_store_threads (guint n)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (count_store_threads () != n)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_thread_yield ();
    }

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void
test_round_trip (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = {
    "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E",
    "asyntask_Fa1ledM0derat10nAbCdEfGhIjKlMnOpQ",
    "",
    "cgt-20260427191505-9j2q7",
    "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E",  /* twice in one batch */
    "asyntask_U1traT4sk0000000000000000000000",
  };
  g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *progress_body = response_body ("cgt-20260427191505-9j2q7", "IN_PROGRESS", "50%");
  ItemsChanged changed = { 0 };
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  fixture_init (&f);
  store = open_store (f.db_path);
  g_assert_true (g_file_test (f.db_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (dailies_task_store_is_loaded (store));
  g_assert_null (dailies_task_store_get_moved_aside_path (store));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == DAILIES_TYPE_TASK);
  g_assert_true (wait_for_store_threads (1));

  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);
  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids)), ==, 4);
  assert_items_changed (&changed, 0, 0, 4);
  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, 2), ==, 0);
  g_assert_cmpuint (changed.n_signals, ==, 0);

  /* Insertion order, and each one is found by ID. */
  for (guint i = 0, j = 0; i < G_N_ELEMENTS (ids); i++)
    {
      DailiesTask *task = dailies_task_store_lookup (store, ids[i]);

      if (*ids[i] == '\0' || i == 4)
        continue;
      g_assert_nonnull (task);
      g_assert_true (get_task (store, j++) == task);
      g_assert_cmpint (dailies_task_get_first_seen (task), >=, before);
      g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_UNKNOWN);
    }
  g_assert_null (dailies_task_store_lookup (store, "asyntask_Unknown"));
  g_assert_null (dailies_task_store_lookup (store, NULL));

  apply_fixture (store, dailies_task_store_lookup (store, ids[0]), "response-success.json");
  apply_fixture (store, dailies_task_store_lookup (store, ids[1]), "response-failure.json");
  apply_body (store, dailies_task_store_lookup (store, ids[3]), progress_body, 200);
  dailies_task_store_record_error (store, dailies_task_store_lookup (store, ids[3]), "Bad Gateway", 502, NULL);
  apply_fixture (store, dailies_task_store_lookup (store, ids[5]), "response-success-ultra.json");
  dailies_task_store_set_local_path (store, dailies_task_store_lookup (store, ids[0]), "/videos/harbour.mp4");

  g_assert_cmpstr (dailies_task_get_last_error (dailies_task_store_lookup (store, ids[3])), ==, "Bad Gateway");
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (store, ids[3])), ==,
                   DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpuint (changed.n_signals, ==, 0);

  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (saved, g_object_ref (get_task (store, i)));

  close_store (store);
  g_assert_true (wait_for_store_threads (0));

  /* Schema version and WAL, seen from outside. */
  g_assert_cmpint (query_int (f.db_path, "PRAGMA user_version"), ==, DAILIES_TASK_STORE_SCHEMA_VERSION);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 4);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (f.db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }

  /* Reopen: everything as it was, in the same order, in one items-changed. */
  store = dailies_task_store_new (f.db_path);
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);
  g_assert_true (dailies_task_store_load (store, NULL));
  assert_items_changed (&changed, 0, 0, 4);

  for (guint i = 0; i < saved->len; i++)
    {
      DailiesTask *task = get_task (store, i);

      g_assert_true (task != g_ptr_array_index (saved, i));
      assert_tasks_equal (task, g_ptr_array_index (saved, i));
    }

  /* Spot checks that the comparison compared something. */
  g_assert_cmpstr (dailies_task_get_local_path (get_task (store, 0)), ==, "/videos/harbour.mp4");
  g_assert_cmpint (dailies_task_get_status (get_task (store, 1)), ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpuint (dailies_task_get_http_status (get_task (store, 2)), ==, 502);
  g_assert_cmpint (dailies_task_get_progress (get_task (store, 2)), ==, 50);
  g_assert_nonnull (dailies_task_get_original_result_url (get_task (store, 3)));
  g_assert_nonnull (dailies_task_get_raw_json (get_task (store, 3)));

  /* New IDs go after the loaded ones. */
  {
    const char *more[] = { "asyntask_AfterReload000000000000000000000" };

    g_assert_cmpuint (dailies_task_store_add_ids (store, more, 1), ==, 1);
    assert_items_changed (&changed, 4, 0, 1);
  }

  close_store (store);
  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 5);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 4)), ==, "asyntask_AfterReload000000000000000000000");
  close_store (store);

  fixture_clear (&f);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_record_error_not_found (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_Missing000000001", "asyntask_Offline000000001" };
  DailiesTask *missing;
  DailiesTask *offline;
  guint n_terminal_notifies = 0;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, 2);
  missing = dailies_task_store_lookup (store, ids[0]);
  offline = dailies_task_store_lookup (store, ids[1]);

  g_signal_connect (missing, "notify::terminal", G_CALLBACK (count_notify_cb), &n_terminal_notifies);

  dailies_task_store_record_not_found (store, missing, "No such task", 404, NULL);
  dailies_task_store_record_error (store, offline, "Could not connect", 0, NULL);

  g_assert_cmpint (dailies_task_get_status (missing), ==, DAILIES_TASK_STATUS_NOT_FOUND);
  g_assert_true (dailies_task_is_terminal (missing));
  g_assert_cmpuint (n_terminal_notifies, ==, 1);
  g_assert_cmpuint (dailies_task_get_http_status (missing), ==, 404);
  g_assert_cmpint (dailies_task_get_last_polled (missing), >, 0);
  g_assert_cmpint (dailies_task_get_status (offline), ==, DAILIES_TASK_STATUS_UNKNOWN);
  g_assert_cmpstr (dailies_task_get_last_error (offline), ==, "Could not connect");
  g_assert_cmpuint (dailies_task_get_http_status (offline), ==, 0);

  /* An error is not the service's word on the task, even a 404: a wrong
   * address gives one for every task. */
  dailies_task_store_record_error (store, offline, "HTTP 404: Not Found. There is no task API at this address", 404, NULL);
  g_assert_cmpint (dailies_task_get_status (offline), ==, DAILIES_TASK_STATUS_UNKNOWN);
  g_assert_false (dailies_task_is_terminal (offline));
  dailies_task_store_record_error (store, offline, "Could not connect", 0, NULL);

  g_signal_handlers_disconnect_matched (missing, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, &n_terminal_notifies);
  close_store (store);

  store = open_store (f.db_path);
  missing = dailies_task_store_lookup (store, ids[0]);
  g_assert_cmpint (dailies_task_get_status (missing), ==, DAILIES_TASK_STATUS_NOT_FOUND);
  g_assert_cmpstr (dailies_task_get_last_error (missing), ==, "No such task");
  g_assert_cmpstr (dailies_task_get_last_error (dailies_task_store_lookup (store, ids[1])), ==, "Could not connect");
  close_store (store);

  fixture_clear (&f);
}

/* A task made for an import is first seen when it is read, and keeps
 * that when added; one made otherwise is first seen when added. */
static void
test_new_task_first_seen (void)
{
  Fixture f;
  DailiesTaskStore *store;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(DailiesTask) made = dailies_task_store_new_task (g_strdup ("asyntask_Made"));
  g_autoptr(DailiesTask) plain = dailies_task_new ("asyntask_Plain");
  DailiesTaskFields fields = { .id = g_strdup ("asyntask_Earlier"), .progress = -1, .first_seen = 1000 };
  g_autoptr(DailiesTask) earlier = dailies_task_new_take_fields (&fields);
  DailiesTask *tasks[3];

  g_assert_cmpint (dailies_task_get_first_seen (made), >=, before);
  g_assert_cmpint (dailies_task_get_first_seen (made), <=, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpint (dailies_task_get_first_seen (plain), ==, 0);

  fixture_init (&f);
  store = open_store (f.db_path);
  tasks[0] = made;
  tasks[1] = plain;
  tasks[2] = earlier;
  g_assert_cmpuint (dailies_task_store_add_new_tasks (store, tasks, 3), ==, 3);
  g_assert_cmpint (dailies_task_get_first_seen (made), >=, before);
  g_assert_cmpint (dailies_task_get_first_seen (plain), >=, before);
  g_assert_cmpint (dailies_task_get_first_seen (earlier), ==, 1000);
  close_store (store);

  /* As saved. */
  store = open_store (f.db_path);
  g_assert_cmpint (dailies_task_get_first_seen (dailies_task_store_lookup (store, "asyntask_Earlier")), ==, 1000);
  close_store (store);

  fixture_clear (&f);
}

static void
test_remove_restore (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_A", "asyntask_B", "asyntask_C", "asyntask_D", "asyntask_E" };
  g_autoptr(DailiesTask) c = NULL;
  g_autoptr(DailiesTask) a = NULL;
  g_autoptr(DailiesTask) e = NULL;
  g_autofree char *body = response_body ("asyntask_C", "SUCCESS", "100%");
  ItemsChanged changed = { 0 };

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);

  c = g_object_ref (dailies_task_store_lookup (store, "asyntask_C"));
  dailies_task_store_remove (store, c);
  assert_items_changed (&changed, 2, 1, 0);
  g_assert_null (dailies_task_store_lookup (store, "asyntask_C"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 4);

  /* Removing again, or applying an answer meanwhile, does not bring it back. */
  dailies_task_store_remove (store, c);
  g_assert_cmpuint (changed.n_signals, ==, 0);
  apply_body (store, c, body, 200);
  g_assert_cmpint (dailies_task_get_status (c), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE id = 'asyntask_C'"), ==, 0);

  /* Undo: back where it was, with what it learned meanwhile. */
  dailies_task_store_restore (store, c);
  assert_items_changed (&changed, 2, 0, 1);
  g_assert_true (dailies_task_store_lookup (store, "asyntask_C") == c);
  g_assert_true (get_task (store, 2) == c);
  dailies_task_store_restore (store, c);
  g_assert_cmpuint (changed.n_signals, ==, 0);

  /* First and last, then only the first comes back. */
  a = g_object_ref (get_task (store, 0));
  e = g_object_ref (get_task (store, 4));
  dailies_task_store_remove (store, a);
  assert_items_changed (&changed, 0, 1, 0);
  dailies_task_store_remove (store, e);
  assert_items_changed (&changed, 3, 1, 0);
  dailies_task_store_restore (store, a);
  assert_items_changed (&changed, 0, 0, 1);

  g_signal_handlers_disconnect_by_func (store, items_changed_cb, &changed);
  close_store (store);

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 4);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 0)), ==, "asyntask_A");
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 1)), ==, "asyntask_B");
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 2)), ==, "asyntask_C");
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 3)), ==, "asyntask_D");
  g_assert_null (dailies_task_store_lookup (store, "asyntask_E"));
  assert_tasks_equal (get_task (store, 2), c);

  /* A removed ID that is added again is a new task, at the end. */
  g_assert_cmpuint (dailies_task_store_add_ids (store, &ids[4], 1), ==, 1);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 4)), ==, "asyntask_E");
  close_store (store);

  fixture_clear (&f);
}

/* Many at once: one items-changed over the span of the changes, each task
 * back in its place, and the database follows. */
/* What tasks-added / tasks-removed carried, as "ID ID …". */
static void
record_tasks_cb (DailiesTaskStore *store,
                 GPtrArray        *tasks,
                 GString          *seen)
{
  g_string_truncate (seen, 0);
  for (guint i = 0; i < tasks->len; i++)
    {
      g_assert_true (DAILIES_IS_TASK (g_ptr_array_index (tasks, i)));
      g_string_append_printf (seen, "%s%s", i > 0 ? " " : "",
                              dailies_task_get_id (g_ptr_array_index (tasks, i)));
    }
}

static void
test_remove_restore_many (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_A", "asyntask_B", "asyntask_C", "asyntask_D", "asyntask_E" };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) added = g_string_new (NULL);
  g_autoptr(GString) removed = g_string_new (NULL);
  ItemsChanged changed = { 0 };

  fixture_init (&f);
  store = open_store (f.db_path);
  g_signal_connect (store, "tasks-added", G_CALLBACK (record_tasks_cb), added);
  g_signal_connect (store, "tasks-removed", G_CALLBACK (record_tasks_cb), removed);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  g_assert_cmpstr (added->str, ==, "asyntask_A asyntask_B asyntask_C asyntask_D asyntask_E");
  g_string_truncate (added, 0);
  /* Only what is new is announced. */
  dailies_task_store_add_ids (store, ids, 2);
  g_assert_cmpstr (added->str, ==, "");
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);

  /* D and B (in any order): positions 1 to 3 become C alone. */
  g_ptr_array_add (tasks, g_object_ref (get_task (store, 3)));
  g_ptr_array_add (tasks, g_object_ref (get_task (store, 1)));
  dailies_task_store_remove_tasks (store, tasks);
  assert_items_changed (&changed, 1, 3, 1);
  g_assert_cmpstr (removed->str, ==, "asyntask_B asyntask_D");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 1)), ==, "asyntask_C");
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 3);

  /* Removing them again changes nothing. */
  dailies_task_store_remove_tasks (store, tasks);
  g_assert_cmpuint (changed.n_signals, ==, 0);

  /* Undo: both back where they were. */
  dailies_task_store_restore_tasks (store, tasks);
  assert_items_changed (&changed, 1, 1, 3);
  g_assert_cmpstr (added->str, ==, "asyntask_D asyntask_B");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpstr (dailies_task_get_id (get_task (store, i)), ==, ids[i]);
  dailies_task_store_restore_tasks (store, tasks);
  g_assert_cmpuint (changed.n_signals, ==, 0);

  /* Every other one, oldest first, as a list in that order hands them
   * over: back where they were too. */
  g_ptr_array_set_size (tasks, 0);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i += 2)
    g_ptr_array_add (tasks, g_object_ref (get_task (store, i)));
  dailies_task_store_remove_tasks (store, tasks);
  assert_items_changed (&changed, 0, 5, 2);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 0)), ==, "asyntask_B");
  dailies_task_store_restore_tasks (store, tasks);
  assert_items_changed (&changed, 0, 2, 5);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpstr (dailies_task_get_id (get_task (store, i)), ==, ids[i]);

  /* And newest first (E, C, A), as the default order hands them over. */
  for (guint i = 0; i < tasks->len / 2; i++)
    {
      gpointer swap = tasks->pdata[i];

      tasks->pdata[i] = tasks->pdata[tasks->len - 1 - i];
      tasks->pdata[tasks->len - 1 - i] = swap;
    }
  g_assert_cmpstr (dailies_task_get_id (g_ptr_array_index (tasks, 0)), ==, "asyntask_E");
  dailies_task_store_remove_tasks (store, tasks);
  assert_items_changed (&changed, 0, 5, 2);
  dailies_task_store_restore_tasks (store, tasks);
  assert_items_changed (&changed, 0, 2, 5);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpstr (dailies_task_get_id (get_task (store, i)), ==, ids[i]);

  g_signal_handlers_disconnect_by_func (store, items_changed_cb, &changed);
  g_signal_handlers_disconnect_by_func (store, record_tasks_cb, added);
  g_signal_handlers_disconnect_by_func (store, record_tasks_cb, removed);
  close_store (store);

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 5);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpstr (dailies_task_get_id (get_task (store, i)), ==, ids[i]);
  close_store (store);

  fixture_clear (&f);
}

/* The model holds exactly the tasks of @order whose flag in @present is
 * set, in that order. */
static void
assert_order (DailiesTaskStore *store,
              GPtrArray        *order,
              const gboolean   *present)
{
  guint n = 0;

  for (guint i = 0; i < order->len; i++)
    {
      if (!present[i])
        continue;
      g_assert_true (get_task (store, n) == g_ptr_array_index (order, i));
      n++;
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n);
}

/* The same, for a store reopened from the file: by ID. */
static void
assert_order_by_id (DailiesTaskStore *store,
                    GPtrArray        *order,
                    const gboolean   *present)
{
  guint n = 0;

  for (guint i = 0; i < order->len; i++)
    {
      if (!present[i])
        continue;
      g_assert_cmpstr (dailies_task_get_id (get_task (store, n)), ==,
                       dailies_task_get_id (g_ptr_array_index (order, i)));
      n++;
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n);
}

/* Scattered removals and restores, given in any order, in several steps:
 * every task ends where it was, the signals name the span and the tasks,
 * and the file agrees. */
static void
test_remove_restore_scattered (void)
{
  const guint n_tasks = 2000;
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) first_back = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rest_back = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) removed = g_string_new (NULL);
  g_autofree gboolean *present = g_new0 (gboolean, n_tasks);
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  ItemsChanged changed = { 0 };
  guint first = G_MAXUINT;
  guint last = 0;
  guint n_doomed = 0;
  guint n_before;

  fixture_init (&f);
  store = open_store (f.db_path);
  for (guint i = 0; i < n_tasks; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_S%05u", i));
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  for (guint i = 0; i < n_tasks; i++)
    {
      g_ptr_array_add (order, g_object_ref (get_task (store, i)));
      present[i] = TRUE;
    }

  /* About a third, with both ends and a run of neighbours. */
  for (guint i = 0; i < n_tasks; i++)
    if (i == 0 || i == n_tasks - 1 || (i >= 700 && i < 720) || g_rand_int_range (rand, 0, 3) == 0)
      {
        g_ptr_array_add (doomed, g_object_ref (g_ptr_array_index (order, i)));
        present[i] = FALSE;
        first = MIN (first, i);
        last = i;
        n_doomed++;
      }
  /* Given shuffled, one of them twice, and a task the store never held. */
  for (guint i = doomed->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      gpointer swap = doomed->pdata[i - 1];

      doomed->pdata[i - 1] = doomed->pdata[j];
      doomed->pdata[j] = swap;
    }
  g_ptr_array_add (doomed, g_object_ref (g_ptr_array_index (doomed, 5)));
  g_ptr_array_add (doomed, dailies_task_new ("asyntask_Stranger"));

  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);
  g_signal_connect (store, "tasks-removed", G_CALLBACK (record_tasks_cb), removed);
  dailies_task_store_remove_tasks (store, doomed);
  assert_items_changed (&changed, first, last + 1 - first, last + 1 - first - n_doomed);
  assert_order (store, order, present);
  /* In the list's order, each once. */
  {
    g_autoptr(GString) expected = g_string_new (NULL);

    for (guint i = 0; i < n_tasks; i++)
      if (!present[i])
        g_string_append_printf (expected, "%s%s", expected->len > 0 ? " " : "",
                                dailies_task_get_id (g_ptr_array_index (order, i)));
    g_assert_cmpstr (removed->str, ==, expected->str);
  }
  for (guint i = 0; i < n_tasks; i++)
    g_assert_true ((dailies_task_store_lookup (store, g_ptr_array_index (ids, i)) != NULL) == present[i]);
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, n_tasks - n_doomed);

  /* The file holds the same list. */
  {
    DailiesTaskStore *reopened = open_store (f.db_path);

    assert_order_by_id (reopened, order, present);
    close_store (reopened);
  }

  /* Undo in two steps, each shuffled: every other one first. */
  for (guint i = 0; i < doomed->len - 2; i++)
    g_ptr_array_add (i % 2 == 0 ? first_back : rest_back, g_object_ref (g_ptr_array_index (doomed, i)));
  first = G_MAXUINT;
  last = 0;
  n_before = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = 0, n = 0; i < n_tasks; i++)
    {
      gboolean back = !present[i] && g_ptr_array_find (first_back, g_ptr_array_index (order, i), NULL);

      if (back)
        {
          present[i] = TRUE;
          first = MIN (first, n);
          last = n;
        }
      n += present[i];
    }
  dailies_task_store_restore_tasks (store, first_back);
  assert_items_changed (&changed, first, last + 1 - first - first_back->len, last + 1 - first);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_before + first_back->len);
  assert_order (store, order, present);

  /* The rest, with some of the first step again: those are skipped. */
  g_ptr_array_add (rest_back, g_object_ref (g_ptr_array_index (first_back, 0)));
  dailies_task_store_restore_tasks (store, rest_back);
  g_assert_cmpuint (changed.n_signals, ==, 1);
  memset (&changed, 0, sizeof changed);
  for (guint i = 0; i < n_tasks; i++)
    present[i] = TRUE;
  assert_order (store, order, present);
  for (guint i = 0; i < n_tasks; i++)
    g_assert_true (dailies_task_store_lookup (store, g_ptr_array_index (ids, i)) == g_ptr_array_index (order, i));

  g_signal_handlers_disconnect_by_func (store, items_changed_cb, &changed);
  g_signal_handlers_disconnect_by_func (store, record_tasks_cb, removed);
  close_store (store);
  store = open_store (f.db_path);
  assert_order_by_id (store, order, present);
  close_store (store);

  fixture_clear (&f);
}

/* Dispatches what is ready: after a flush, the writer has already made its
 * committed-JSON source ready, so one pass is enough. */
static void
dispatch_ready (void)
{
  /* One pass: the committed-JSON source (default priority) goes before
   * the writer's idle wake, which would start another commit. */
  g_main_context_iteration (NULL, FALSE);
}

/* The store's read-back lines, counted (every line still goes out). */
static guint n_read_back_failures;
static guint n_read_back_recoveries;
static guint n_damaged_answers;
static guint n_damaged_at_load;

static GLogWriterOutput
count_read_back_lines (GLogLevelFlags   log_level,
                       const GLogField *fields,
                       gsize            n_fields,
                       gpointer         user_data)
{
  g_autofree char *message = dailies_test_log_message (fields, n_fields);

  if (message != NULL && g_str_has_prefix (message, "store: cannot read a task's stored answer"))
    n_read_back_failures++;
  else if (message != NULL && g_str_has_prefix (message, "store: stored answers can be read again"))
    n_read_back_recoveries++;
  else if (message != NULL && g_str_has_prefix (message, "store: the stored answer of "))
    n_damaged_answers++;
  else if (message != NULL && g_str_has_prefix (message, "store: the stored answers of "))
    n_damaged_at_load++;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* A stored answer that cannot be read back (another program took the
 * table away) leaves the view without it and says so once, not once per
 * task shown; once the file reads again, the answers come back. */
static void
test_read_back_errors_logged_once (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_ReadBack00000001", "asyntask_ReadBack00000002", "asyntask_ReadBack00000003" };
  char *bodies[G_N_ELEMENTS (ids)];
  DailiesTask *tasks[G_N_ELEMENTS (ids)];
  guint failures_before = n_read_back_failures;
  guint recoveries_before = n_read_back_recoveries;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      bodies[i] = response_body (ids[i], "SUCCESS", "100%");
      tasks[i] = dailies_task_store_lookup (store, ids[i]);
      apply_body (store, tasks[i], bodies[i], 200);
    }
  g_assert_true (dailies_task_store_flush (store, NULL));
  dispatch_ready ();
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_false (dailies_task_has_raw_json_in_memory (tasks[i]));

  exec_on (f.db_path, "ALTER TABLE tasks RENAME TO tasks_away");
  g_assert_null (dailies_task_get_raw_json (tasks[0]));
  g_assert_null (dailies_task_get_raw_json (tasks[1]));
  g_assert_cmpuint (n_read_back_failures - failures_before, ==, 1);
  g_assert_cmpuint (n_read_back_recoveries - recoveries_before, ==, 0);

  exec_on (f.db_path, "ALTER TABLE tasks_away RENAME TO tasks");
  g_assert_cmpstr (dailies_task_get_raw_json (tasks[2]), ==, bodies[2]);
  g_assert_cmpstr (dailies_task_get_raw_json (tasks[0]), ==, bodies[0]);
  g_assert_cmpuint (n_read_back_failures - failures_before, ==, 1);
  g_assert_cmpuint (n_read_back_recoveries - recoveries_before, ==, 1);

  close_store (store);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_free (bodies[i]);
  fixture_clear (&f);
}

/* What @sql finds in the database file alone, as a copy without its -wal
 * would show it: what is there once SQLite has copied its log back. 0
 * while the file does not hold the table yet. */
static gint64
query_in_file_alone (const char *db_path,
                     const char *copy_path,
                     const char *sql)
{
  g_autofree char *contents = NULL;
  g_autofree char *copy_wal = g_strconcat (copy_path, "-wal", NULL);
  g_autofree char *copy_shm = g_strconcat (copy_path, "-shm", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;
  gsize length;

  g_assert_true (g_file_get_contents (db_path, &contents, &length, &error));
  g_assert_no_error (error);
  g_unlink (copy_wal);
  g_unlink (copy_shm);
  g_assert_true (g_file_set_contents_full (copy_path, contents, (gssize) length,
                                           G_FILE_SET_CONTENTS_NONE, 0644, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_open_v2 (copy_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return n;
}

static gint64
count_rows_in_file_alone (const char *db_path,
                          const char *copy_path)
{
  return query_in_file_alone (db_path, copy_path, "SELECT count(*) FROM tasks");
}

/* The tasks stored, in tasks and in the import journal (one ID a line). */
#define STORED_COUNT_SQL \
  "SELECT (SELECT count(*) FROM tasks) + (SELECT COALESCE (SUM (length (ids) - length (replace (ids, char (10), '')) + 1), 0)" \
  " FROM import_journal)"

/* An import of @n IDs named after @name, added in slices as the window
 * adds them (of adaptive size there). Returns the IDs. */
enum { IMPORT_N = 5000, IMPORT_SLICE = 2500 };

static GPtrArray *
add_import_of (DailiesTaskStore *store,
               const char       *name,
               guint             n)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpuint (n % IMPORT_SLICE, ==, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_%s%06u", name, i));
  for (guint i = 0; i < n; i += IMPORT_SLICE)
    g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) ids->pdata + i, IMPORT_SLICE),
                      ==, IMPORT_SLICE);

  return ids;
}

static GPtrArray *
add_import_in_slices (DailiesTaskStore *store,
                      const char       *name)
{
  return add_import_of (store, name, IMPORT_N);
}

typedef struct
{
  const char *db_path;
  const char *copy_path;
  gint64      n_rows;
} FileAloneWatch;

static gboolean
file_alone_holds (gpointer user_data)
{
  FileAloneWatch *watch = user_data;

  return count_rows_in_file_alone (watch->db_path, watch->copy_path) == watch->n_rows;
}

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* The writer's thread works on its own time, which the main loop does
 * not hear of: @condition is looked at again every 20 ms, for
 * @timeout_ms. */
static gboolean
wait_looking_again (DailiesTestCondition condition,
                    gpointer             user_data,
                    guint                timeout_ms)
{
  guint wake_id = g_timeout_add (20, wake_cb, NULL);
  gboolean held = dailies_test_wait_until (condition, user_data, timeout_ms);

  g_source_remove (wake_id);

  return held;
}

static gboolean
wait_for_file_alone (FileAloneWatch *watch,
                     gint64          n_rows)
{
  watch->n_rows = n_rows;

  return wait_looking_again (file_alone_holds, watch, 5000);
}

typedef struct
{
  DailiesTaskStore *store;
  GPtrArray        *ids;
  FileAloneWatch    file;
  guint             n_answers;
} ImportWatch;

/* Every 50 ms: an answer about one of the first tasks, as polling goes on. */
static gboolean
answer_one_cb (gpointer user_data)
{
  ImportWatch *watch = user_data;
  const char *id = g_ptr_array_index (watch->ids, watch->n_answers % 10);
  g_autofree char *progress = g_strdup_printf ("%u%%", 1 + watch->n_answers % 99);
  g_autofree char *body = response_body (id, "IN_PROGRESS", progress);

  apply_body (watch->store, dailies_task_store_lookup (watch->store, id), body, 200);
  watch->n_answers++;

  return G_SOURCE_CONTINUE;
}

/* An import of thousands is copied from SQLite's log into the database
 * file once it is over, and not only when 1,000 pages of later changes
 * have gathered there or the store closes; answers still coming in (one
 * every 50 ms) do not put that off. */
static void
test_import_reaches_file (void)
{
  Fixture f;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy_path = NULL;
  ImportWatch watch = { 0 };
  guint answers_id;

  fixture_init (&f);
  copy_path = g_build_filename (f.dir, "copy.db", NULL);
  watch.store = open_store (f.db_path);
  watch.file.db_path = f.db_path;
  watch.file.copy_path = copy_path;

  watch.ids = ids = add_import_in_slices (watch.store, "InFile");
  g_assert_true (dailies_task_store_flush (watch.store, &error));
  g_assert_no_error (error);
  /* Committed: a connection of its own sees them, in the import's
   * journal first. */
  g_assert_cmpint (query_int (f.db_path, STORED_COUNT_SQL), ==, IMPORT_N);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), >, 0);

  /* The writer's thread copies them over on its own, the store still open,
   * while the first tasks' answers go on arriving. */
  answers_id = g_timeout_add (50, answer_one_cb, &watch);
  g_assert_true (wait_for_file_alone (&watch.file, IMPORT_N));
  g_source_remove (answers_id);
  g_assert_cmpuint (watch.n_answers, >, 0);

  close_store (watch.store);
  fixture_clear (&f);
}

/* The same when the store closes within that time, another connection
 * open (as the JSON reader's can be): SQLite's own copy at closing is only
 * for the last one. */
static void
test_import_reaches_file_at_close (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *copy_path = NULL;
  sqlite3 *reader = NULL;

  fixture_init (&f);
  copy_path = g_build_filename (f.dir, "copy.db", NULL);
  store = open_store (f.db_path);
  g_assert_cmpint (sqlite3_open_v2 (f.db_path, &reader, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);

  ids = add_import_in_slices (store, "AtClose");
  /* A read makes the other connection one of the log's, as the app's is. */
  g_assert_cmpint (sqlite3_exec (reader, "SELECT count(*) FROM tasks", NULL, NULL, NULL), ==, SQLITE_OK);
  /* On a slow machine the writer may have copied it already, after its
   * 0.2 s: then this would not test the copy at closing. */
  if (count_rows_in_file_alone (f.db_path, copy_path) == IMPORT_N)
    {
      g_test_skip ("the import was copied before the store closed");
      close_store (store);
      sqlite3_close (reader);
      fixture_clear (&f);
      return;
    }
  close_store (store);

  g_assert_cmpint (count_rows_in_file_alone (f.db_path, copy_path), ==, IMPORT_N);

  sqlite3_close (reader);
  fixture_clear (&f);
}

/* How far SQLite last tried to copy its log back: nBackfillAttempted, at
 * byte 128 of the -shm file, in the machine's byte order (the WAL-index
 * format, https://www.sqlite.org/walformat.html). */
static gboolean
copy_tried (gpointer user_data)
{
  const char *db_path = user_data;
  g_autofree char *shm_path = g_strconcat (db_path, "-shm", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint32 attempted = 0;

  if (g_file_get_contents (shm_path, &contents, &length, NULL) && length >= 132)
    memcpy (&attempted, contents + 128, sizeof attempted);

  return attempted > 0;
}

/* A reader that holds its view of the database from before an import
 * (the JSON reader's connection can) keeps SQLite from copying the import
 * back; once it lets go, the copy is tried again, and made. */
static void
test_import_reaches_file_after_reader (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *before[] = { "asyntask_BeforeRead000001", "asyntask_BeforeRead000002", "asyntask_BeforeRead000003" };
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy_path = NULL;
  FileAloneWatch watch = { 0 };
  sqlite3 *reader = NULL;

  fixture_init (&f);
  copy_path = g_build_filename (f.dir, "copy.db", NULL);
  watch.db_path = f.db_path;
  watch.copy_path = copy_path;
  store = open_store (f.db_path);

  /* Three tasks in the log only, none of it copied yet, then a reader's
   * view that holds them. */
  g_assert_cmpuint (dailies_task_store_add_ids (store, before, G_N_ELEMENTS (before)), ==, G_N_ELEMENTS (before));
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_false (copy_tried ((gpointer) f.db_path));
  g_assert_cmpint (sqlite3_open_v2 (f.db_path, &reader, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (reader, "BEGIN; SELECT count(*) FROM tasks", NULL, NULL, NULL), ==, SQLITE_OK);

  ids = add_import_in_slices (store, "AfterRead");
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);

  /* The writer's copy stops at the reader's view, and the import stays in
   * the log. */
  g_assert_true (wait_looking_again (copy_tried, f.db_path, 5000));
  g_assert_cmpint (count_rows_in_file_alone (f.db_path, copy_path), <, G_N_ELEMENTS (before) + IMPORT_N);

  /* Let go: a later try copies the rest, the store still open. */
  g_assert_cmpint (sqlite3_exec (reader, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (wait_for_file_alone (&watch, G_N_ELEMENTS (before) + IMPORT_N));

  sqlite3_close (reader);
  close_store (store);
  fixture_clear (&f);
}

/* One of the counters the writer keeps for tests, past a bound. */
typedef struct
{
  guint *counter;
  guint  above;
} CounterWatch;

static gboolean
counter_above (gpointer user_data)
{
  CounterWatch *watch = user_data;

  return (guint) g_atomic_int_get (watch->counter) > watch->above;
}

/* A reader that never lets go of its view from before an import: the
 * writer tries to copy the import's log DAILIES_TASK_STORE_BULK_TRIES
 * times, DAILIES_TASK_STORE_BULK_QUIET_US apart, then stops trying rather
 * than wake for ever. Nothing is lost meanwhile: every row is in the log,
 * and once the reader has gone, closing copies them into the file. */
static void
test_import_copy_given_up_while_reader_holds (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *before[] = { "asyntask_HeldBefore0001", "asyntask_HeldBefore0002" };
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *copy_path = NULL;
  sqlite3 *reader = NULL;
  gint64 n_all = G_N_ELEMENTS (before) + IMPORT_N;
  gint64 stored_at;
  CounterWatch way_ended, tried_after_end;

  fixture_init (&f);
  copy_path = g_build_filename (f.dir, "copy.db", NULL);
  store = open_store (f.db_path);
  way_ended = (CounterWatch) { &store->n_bulk_ends, 0 };
  tried_after_end = (CounterWatch) { &store->n_bulk_copy_tries, DAILIES_TASK_STORE_BULK_TRIES };

  g_assert_cmpuint (dailies_task_store_add_ids (store, before, G_N_ELEMENTS (before)), ==, G_N_ELEMENTS (before));
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open_v2 (f.db_path, &reader, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (reader, "BEGIN; SELECT count(*) FROM tasks", NULL, NULL, NULL), ==, SQLITE_OK);

  /* In one piece, so that one commit starts the tries: a second one
   * would start them again. */
  for (guint i = 0; i < IMPORT_N; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_HeldRead%06u", i));
  g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len), ==, IMPORT_N);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  stored_at = g_get_monotonic_time ();

  g_assert_true (wait_looking_again (counter_above, &way_ended, 20000));
  g_assert_cmpuint (g_atomic_int_get (&store->n_bulk_copy_tries), ==, DAILIES_TASK_STORE_BULK_TRIES);
  /* The first try comes one quiet spell after the commit, as each after it. */
  g_assert_cmpint (g_get_monotonic_time () - stored_at, >=,
                   (DAILIES_TASK_STORE_BULK_TRIES - 1) * DAILIES_TASK_STORE_BULK_QUIET_US);
  /* No more tries: three spells pass without one. */
  g_assert_false (wait_looking_again (counter_above, &tried_after_end,
                                      3 * DAILIES_TASK_STORE_BULK_QUIET_US / 1000));

  /* Held back all along, and all there for anyone who reads it now. */
  g_assert_cmpint (count_rows_in_file_alone (f.db_path, copy_path), <, n_all);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, n_all);

  g_assert_cmpint (sqlite3_exec (reader, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (reader);
  close_store (store);
  g_assert_cmpint (count_rows_in_file_alone (f.db_path, copy_path), ==, n_all);

  fixture_clear (&f);
}

static void
apply_progress (DailiesTaskStore *store,
                const char       *id,
                const char       *progress)
{
  g_autofree char *body = response_body (id, "IN_PROGRESS", progress);

  apply_body (store, dailies_task_store_lookup (store, id), body, 200);
}

/* What an import freed on every thread is handed back to the system
 * (malloc_trim) once it is stored; `bench scale` measures what that gives
 * back. Answers alone, which come all day, do not pay for that walk
 * through every arena. */
static void
test_import_gives_memory_back (void)
{
#ifndef __GLIBC__
  g_test_skip ("malloc_trim() is glibc's");
#else
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_TrimAnswer000001", "asyntask_TrimAnswer000002" };
  g_autoptr(GPtrArray) imported = NULL;
  g_autoptr(GError) error = NULL;
  CounterWatch trimmed;

  fixture_init (&f);
  store = open_store (f.db_path);
  trimmed = (CounterWatch) { &store->n_trims, 0 };

  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids)), ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    apply_progress (store, ids[i], "10%");
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  /* The writer trims, if it does, after it has said a batch is done: the
   * next batch is taken only once that is over. */
  apply_progress (store, ids[0], "20%");
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_atomic_int_get (&store->n_trims), ==, 0);

  imported = add_import_in_slices (store, "TrimImport");
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (wait_looking_again (counter_above, &trimmed, 5000));

  close_store (store);
  fixture_clear (&f);
#endif
}

static goffset
file_size (const char *path)
{
  GStatBuf buf;

  g_assert_cmpint (g_stat (path, &buf), ==, 0);
  return buf.st_size;
}

/* A failure's answer with a long reason: about two pages of the database. */
static char *
long_failure_body (const char *id)
{
  g_autofree char *reason = g_strnfill (3000, 'r');

  return g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                          "\"action\":\"generate\",\"status\":\"FAILURE\",\"fail_reason\":\"%s\","
                          "\"submit_time\":1777288506,\"start_time\":1777288508,\"finish_time\":1777288800,"
                          "\"progress\":\"100%%\",\"data\":{\"model\":\"doubao-seedance-2-0-260128\"}}}",
                          id, reason);
}

enum { LOG_IMPORT_N = 50000, LOG_ANSWERS_N = 1000, PAGE = 4096, LOG_LIMIT = 4 * 1024 * 1024 };

/* Once an import is copied back, SQLite's log goes back to its usual
 * ways: its file is cut back to 4 MiB when it starts over, and later
 * changes are copied into the database at 1,000 pages, as before the
 * import (which let it grow to 4,096). */
static void
test_log_back_to_usual_after_import (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy_path = NULL;
  g_autofree char *wal_path = NULL;
  g_autofree char *small_body = NULL;
  FileAloneWatch watch = { 0 };
  goffset answers_log;

  fixture_init (&f);
  copy_path = g_build_filename (f.dir, "copy.db", NULL);
  wal_path = g_strconcat (f.db_path, "-wal", NULL);
  watch.db_path = f.db_path;
  watch.copy_path = copy_path;
  store = open_store (f.db_path);

  ids = add_import_of (store, "LogUsual", LOG_IMPORT_N);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for_file_alone (&watch, LOG_IMPORT_N));
  /* Larger than the limit it is cut back to, and than 1,000 pages: the
   * import's journal, then its rows moved into tasks. */
  g_assert_cmpint (file_size (wal_path), >, LOG_LIMIT);

  /* The next change starts the log over: its file is cut back. */
  small_body = response_body (g_ptr_array_index (ids, 0), "IN_PROGRESS", "10%");
  apply_body (store, dailies_task_store_lookup (store, g_ptr_array_index (ids, 0)), small_body, 200);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (file_size (wal_path), <=, LOG_LIMIT);

  /* Answers that make more than 1,000 pages of log and fewer than 4,096
   * (in one commit or a few): copied into the file once the log passes
   * 1,000 pages, where the import's limit would have kept them all in the
   * log. */
  for (guint i = 1; i <= LOG_ANSWERS_N; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autofree char *body = long_failure_body (id);

      apply_body (store, dailies_task_store_lookup (store, id), body, 200);
    }
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  /* Fewer pages than the import's limit: held to it, none would be
   * copied. (That they pass 1,000 pages shows in the count below: SQLite
   * copies nothing before.) */
  answers_log = file_size (wal_path);
  g_assert_cmpint (answers_log, <, DAILIES_TASK_STORE_BULK_WAL_PAGES * PAGE);
  g_assert_cmpint (query_in_file_alone (f.db_path, copy_path,
                                        "SELECT count(*) FROM tasks WHERE status_text = 'FAILURE'"),
                   >, 0);

  close_store (store);
  fixture_clear (&f);
}

/* The frames in SQLite's log: mxFrame, at byte 16 of the -shm file (the
 * WAL-index format, as above). */
static guint32
log_frames (const char *db_path)
{
  g_autofree char *shm_path = g_strconcat (db_path, "-shm", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint32 frames = 0;

  g_assert_true (g_file_get_contents (shm_path, &contents, &length, NULL));
  g_assert_cmpuint (length, >=, 20);
  memcpy (&frames, contents + 16, sizeof frames);

  return frames;
}

enum { LONE_TASKS_N = 600, LONE_ANSWERS_N = 30 };

/* An answer on its own, as they come at the default 10 requests a second,
 * changes its task's row where the row is: one page of log. A row deleted
 * and added again at the table's end, with its ID's index entry, took 3.3
 * on average here. */
static void
test_lone_answer_writes_its_page (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint32 frames_before, frames_after;

  fixture_init (&f);
  store = open_store (f.db_path);
  for (guint i = 0; i < LONE_TASKS_N; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_LoneAnswer%06u", i));
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  for (guint i = 0; i < LONE_TASKS_N; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autofree char *body = response_body (id, "IN_PROGRESS", "10%");

      apply_body (store, dailies_task_store_lookup (store, id), body, 200);
    }
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);

  frames_before = log_frames (f.db_path);
  for (guint i = 0; i < LONE_ANSWERS_N; i++)
    {
      const char *id = g_ptr_array_index (ids, i * (LONE_TASKS_N / LONE_ANSWERS_N));
      g_autofree char *body = response_body (id, "IN_PROGRESS", "20%");

      apply_body (store, dailies_task_store_lookup (store, id), body, 200);
      g_assert_true (dailies_task_store_flush (store, &error));
      g_assert_no_error (error);
    }
  frames_after = log_frames (f.db_path);

  /* Far below SQLite's 1,000 pages: the log was not started over. */
  g_assert_cmpuint (frames_after, >, frames_before);
  g_assert_cmpuint (frames_after - frames_before, <=, LONE_ANSWERS_N + LONE_ANSWERS_N / 5);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE progress = 20"), ==, LONE_ANSWERS_N);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE instr (raw_json, '\"20%\"') > 0"),
                   ==, LONE_ANSWERS_N);

  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, LONE_TASKS_N);
  fixture_clear (&f);
}

/* Once its writer has committed a task's answer, finished or not, the
 * JSON leaves memory and is read back from the file; an answer newer than
 * the one committed stays, and so does every answer of a store in memory. */
static void
test_committed_json_leaves_memory (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_LeaveJson0000001", "asyntask_LeaveJson0000002", "asyntask_LeaveJson0000003" };
  g_autofree char *done_body = response_body (ids[0], "SUCCESS", "100%");
  g_autofree char *running_body = response_body (ids[1], "IN_PROGRESS", "40%");
  g_autofree char *first_body = response_body (ids[2], "FAILURE", "100%");
  g_autofree char *second_body = response_body (ids[2], "SUCCESS", "100%");
  DailiesTask *done, *running, *changed;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  done = dailies_task_store_lookup (store, ids[0]);
  running = dailies_task_store_lookup (store, ids[1]);
  changed = dailies_task_store_lookup (store, ids[2]);
  apply_body (store, done, done_body, 200);
  apply_body (store, running, running_body, 200);
  apply_body (store, changed, first_body, 200);
  g_assert_true (dailies_task_store_flush (store, NULL));
  /* Another answer after the first was committed, before the main
   * thread heard of it: the newer one is not let go for the older. */
  apply_body (store, changed, second_body, 200);
  dispatch_ready ();

  g_assert_false (dailies_task_has_raw_json_in_memory (done));
  g_assert_false (dailies_task_has_raw_json_in_memory (running));
  g_assert_true (dailies_task_has_raw_json_in_memory (changed));
  g_assert_cmpstr (dailies_task_get_raw_json (changed), ==, second_body);

  /* Read back from the file when asked for. */
  g_assert_cmpstr (dailies_task_get_raw_json (done), ==, done_body);
  g_assert_true (dailies_task_has_raw_json_in_memory (done));

  g_assert_true (dailies_task_store_flush (store, NULL));
  dispatch_ready ();
  g_assert_false (dailies_task_has_raw_json_in_memory (changed));
  g_assert_cmpstr (dailies_task_get_raw_json (changed), ==, second_body);
  g_assert_cmpstr (dailies_task_get_raw_json (running), ==, running_body);
  close_store (store);

  /* What was let go is in the file, as committed. */
  store = open_store (f.db_path);
  g_assert_cmpstr (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[0])), ==, done_body);
  g_assert_cmpstr (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[2])), ==, second_body);
  close_store (store);

  /* In memory only: nowhere else to read it from. */
  store = open_store (NULL);
  dailies_task_store_add_ids (store, ids, 1);
  done = dailies_task_store_lookup (store, ids[0]);
  apply_body (store, done, done_body, 200);
  g_assert_true (dailies_task_store_flush (store, NULL));
  dispatch_ready ();
  g_assert_true (dailies_task_has_raw_json_in_memory (done));
  g_assert_cmpstr (dailies_task_get_raw_json (done), ==, done_body);
  close_store (store);

  fixture_clear (&f);
}

/* A finished task's answer stays in the file until asked for, and is
 * neither lost by later writes nor by a removal that is undone. One that
 * names its link three times, as the service's do, is stored with it
 * once. One damaged in the file reads as no answer, with a line in the
 * log, and its task stays. */
static void
test_stored_json (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_StoredJson000001", "asyntask_StoredJson000002", "asyntask_StoredJson000003" };
  g_autofree char *done_body = response_body (ids[0], "SUCCESS", "100%");
  g_autofree char *other_body = finished_body (ids[1], "SUCCESS");
  g_autofree char *link = g_strdup_printf ("\"https://cdn.example.com/v/%s.mp4?X-Tos-Expires=86400"
                                           "\\u0026X-Tos-Signature=0123456789abcdef\"", ids[1]);
  g_autofree char *stored_size = g_strdup_printf ("SELECT length (raw_json) FROM tasks WHERE id = '%s'"
                                                  " AND typeof (raw_json) = 'blob'", ids[1]);
  guint damaged_before = n_damaged_answers;
  g_autofree char *running_body = response_body (ids[2], "IN_PROGRESS", "40%");
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(DailiesTaskResponse) response = NULL;
  DailiesTask *task;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  apply_body (store, dailies_task_store_lookup (store, ids[0]), done_body, 200);
  apply_body (store, dailies_task_store_lookup (store, ids[1]), other_body, 200);
  apply_body (store, dailies_task_store_lookup (store, ids[2]), running_body, 200);
  close_store (store);
  g_assert_cmpint (query_int (f.db_path, stored_size), ==, strlen (other_body) + 5 - 2 * (strlen (link) - 1));

  /* Finished: left in the file, read when asked for, then kept. */
  store = open_store (f.db_path);
  task = dailies_task_store_lookup (store, ids[0]);
  g_assert_false (dailies_task_has_raw_json_in_memory (task));
  response = dailies_task_dup_response (task);
  g_assert_nonnull (response);
  g_assert_cmpstr (response->request_id, ==, "req-asyntask_StoredJson000001");
  g_assert_false (dailies_task_has_raw_json_in_memory (task));
  g_assert_cmpstr (dailies_task_get_raw_json (task), ==, done_body);
  g_assert_true (dailies_task_has_raw_json_in_memory (task));
  /* Unfinished: left in the file too (its upstream problem is stored). */
  g_assert_false (dailies_task_has_raw_json_in_memory (dailies_task_store_lookup (store, ids[2])));
  g_assert_cmpstr (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[2])), ==, running_body);

  /* Another change of a task whose JSON is still in the file keeps it;
   * so does a removal undone. */
  task = dailies_task_store_lookup (store, ids[1]);
  dailies_task_store_set_local_path (store, task, "/videos/second.mp4");
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_ptr_array_add (gone, g_object_ref (task));
  dailies_task_store_remove_tasks (store, gone);
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 2);
  dailies_task_store_restore_tasks (store, gone);
  g_assert_false (dailies_task_has_raw_json_in_memory (task));
  close_store (store);
  g_clear_pointer (&gone, g_ptr_array_unref);

  store = open_store (f.db_path);
  task = dailies_task_store_lookup (store, ids[1]);
  g_assert_true (get_task (store, 1) == task);
  g_assert_cmpstr (dailies_task_get_local_path (task), ==, "/videos/second.mp4");
  g_assert_cmpstr (dailies_task_get_raw_json (task), ==, other_body);
  g_assert_cmpstr (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[0])), ==, done_body);
  close_store (store);
  /* Through the removal and its Undo, still stored once. */
  g_assert_cmpint (query_int (f.db_path, stored_size), ==, strlen (other_body) + 5 - 2 * (strlen (link) - 1));

  /* Its link cut short in the file. */
  exec_on (f.db_path, "UPDATE tasks SET raw_json = substr (raw_json, 1, 80) WHERE id = 'asyntask_StoredJson000002'");
  store = open_store (f.db_path);
  task = dailies_task_store_lookup (store, ids[1]);
  g_assert_nonnull (task);
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_null (dailies_task_get_raw_json (task));
  g_assert_null (dailies_task_dup_response (task));
  g_assert_cmpstr (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[0])), ==, done_body);
  /* Asked for again (the view asks twice each time it shows the task):
   * said once. */
  g_assert_null (dailies_task_get_raw_json (task));
  g_assert_cmpuint (n_damaged_answers - damaged_before, ==, 1);
  close_store (store);

  fixture_clear (&f);
}

/* An unfinished task's answer that names a link three times, and the
 * problem the model's service reports. */
static char *
running_body_with_link (const char *id)
{
  g_autofree char *link = g_strdup_printf ("\"https://cdn.example.com/v/%s.mp4?X-Tos-Signature=0123456789abcdef\"", id);

  return g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                          "\"action\":\"generate\",\"status\":\"IN_PROGRESS\",\"result_url\":%s,\"fail_reason\":%s,"
                          "\"progress\":\"30%%\",\"data\":{\"content\":{\"video_url\":%s},"
                          "\"error\":{\"code\":\"ResourceNotFound\","
                          "\"message\":\"The specified task was not found or has expired.\"}}}}",
                          id, link, link, link);
}

/* An unfinished task's answer read while loading, for its upstream
 * problem (not stored): packed, it is read whole and the problem found;
 * damaged, it is left out, with one line for the whole load. */
static void
test_stored_json_at_load (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_LoadPacked000001", "asyntask_LoadPacked000002", "asyntask_LoadPacked000003" };
  char *bodies[G_N_ELEMENTS (ids)];
  guint damaged_before = n_damaged_at_load;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      bodies[i] = running_body_with_link (ids[i]);
      apply_body (store, dailies_task_store_lookup (store, ids[i]), bodies[i], 200);
    }
  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE typeof (raw_json) = 'blob'"), ==, 3);

  exec_on (f.db_path, "UPDATE tasks SET upstream_problem = NULL");
  store = open_store (f.db_path);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      DailiesTask *task = dailies_task_store_lookup (store, ids[i]);

      g_assert_nonnull (strstr (dailies_task_get_upstream_problem (task), "not found or has expired"));
      g_assert_cmpstr (dailies_task_get_raw_json (task), ==, bodies[i]);
    }
  close_store (store);
  g_assert_cmpuint (n_damaged_at_load - damaged_before, ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE upstream_problem LIKE '%has expired%'"),
                   ==, 3);

  /* Two of them cut short. */
  exec_on (f.db_path, "UPDATE tasks SET upstream_problem = NULL;"
                      "UPDATE tasks SET raw_json = substr (raw_json, 1, length (raw_json) - 1)"
                      " WHERE id <> 'asyntask_LoadPacked000002'");
  store = open_store (f.db_path);
  g_assert_null (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[0])));
  g_assert_cmpstr (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[1])), ==, bodies[1]);
  g_assert_null (dailies_task_get_raw_json (dailies_task_store_lookup (store, ids[2])));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (store, ids[2])), ==,
                   DAILIES_TASK_STATUS_IN_PROGRESS);
  close_store (store);
  g_assert_cmpuint (n_damaged_at_load - damaged_before, ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_free (bodies[i]);
  fixture_clear (&f);
}

/* The fixture's answer of a task stopped at the model's service (the
 * gateway still says IN_PROGRESS), under @id. */
static char *
cancelled_body (const char *id)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture ("response-upstream-cancelled.json");
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_auto(GStrv) parts = g_strsplit (text, "asyntask_Canc3ll3dUpstr3amAbCdEfGhIjKlMnOp", -1);

  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  return g_strjoinv (id, parts);
}

/* An unfinished task's upstream problem is stored with its answer, so that
 * its JSON stays in the file when loaded, as a finished task's does: 100,000
 * tasks still generating held their JSON in memory (about 50 MB) and parsed
 * it all at start-up. A problem not stored (a row from before), or made by
 * other rules or in another language, is read from the JSON while loading
 * and stored, and that JSON stays in the file too. */
static void
test_unfinished_json_left_in_file (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_UpstreamStored01", "asyntask_UpstreamBefore02", "asyntask_UpstreamNone0003",
                        "asyntask_UpstreamOther004" };
  g_autofree char *stored_body = cancelled_body (ids[0]);
  g_autofree char *before_body = cancelled_body (ids[1]);
  g_autofree char *none_body = response_body (ids[2], "IN_PROGRESS", "30%");
  g_autofree char *other_body = cancelled_body (ids[3]);
  const char *problem = "Cancelled by the model’s service";
  g_autofree char *stored_key = NULL;
  g_autofree char *before_key = NULL;
  g_autofree char *maker = NULL;
  char *made_now;
  DailiesTask *tasks[G_N_ELEMENTS (ids)];

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  apply_body (store, dailies_task_store_lookup (store, ids[0]), stored_body, 200);
  apply_body (store, dailies_task_store_lookup (store, ids[1]), before_body, 200);
  apply_body (store, dailies_task_store_lookup (store, ids[2]), none_body, 200);
  apply_body (store, dailies_task_store_lookup (store, ids[3]), other_body, 200);
  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE upstream_problem = ''"), ==, 1);

  /* The stored problem is what is read, not the JSON: this one's JSON no
   * longer says it. The second has none stored; the fourth has words made
   * otherwise (older rules, another language), which are not trusted. */
  exec_on (f.db_path, "UPDATE tasks SET raw_json = '{}' WHERE id = 'asyntask_UpstreamStored01';"
                      "UPDATE tasks SET upstream_problem = NULL WHERE id = 'asyntask_UpstreamBefore02';"
                      "UPDATE tasks SET upstream_problem = 'Stale words', upstream_problem_made = '1 0123456789abcdef'"
                      " WHERE id = 'asyntask_UpstreamOther004'");

  store = open_store (f.db_path);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      tasks[i] = dailies_task_store_lookup (store, ids[i]);
      g_assert_false (dailies_task_has_raw_json_in_memory (tasks[i]));
    }
  g_assert_cmpstr (dailies_task_get_upstream_problem (tasks[0]), ==, problem);
  g_assert_cmpstr (dailies_task_get_upstream_problem (tasks[1]), ==, problem);
  g_assert_null (dailies_task_get_upstream_problem (tasks[2]));
  g_assert_cmpstr (dailies_task_get_upstream_problem (tasks[3]), ==, problem);
  /* The search finds them by what stopped them, as before: the keys made
   * while loading hold it. */
  stored_key = dailies_task_steal_search_key (tasks[0]);
  before_key = dailies_task_steal_search_key (tasks[1]);
  g_assert_nonnull (strstr (stored_key, "cancelled"));
  g_assert_nonnull (strstr (before_key, "cancelled"));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_false (dailies_task_has_raw_json_in_memory (tasks[i]));
  g_assert_cmpstr (dailies_task_get_raw_json (tasks[0]), ==, "{}");
  g_assert_cmpstr (dailies_task_get_raw_json (tasks[1]), ==, before_body);

  /* Read while loading, and stored then, as made now. */
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE upstream_problem IS NULL"
                                         " OR upstream_problem = 'Stale words'"), ==, 0);
  maker = dailies_task_response_upstream_problem_maker ();
  made_now = sqlite3_mprintf ("SELECT count(*) FROM tasks WHERE upstream_problem_made = %Q", maker);
  g_assert_cmpint (query_int (f.db_path, made_now), ==, G_N_ELEMENTS (ids));
  sqlite3_free (made_now);
  close_store (store);

  fixture_clear (&f);
}

/* Every column of @id's row, by name, as text. */
static char *
row_as_text (const char *db_path,
             const char *id)
{
  GString *text = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT * FROM tasks WHERE id = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  for (int i = 0; i < sqlite3_column_count (stmt); i++)
    g_string_append_printf (text, "%s=%s\n", sqlite3_column_name (stmt, i),
                            sqlite3_column_type (stmt, i) == SQLITE_NULL
                            ? "NULL" : (const char *) sqlite3_column_text (stmt, i));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return g_string_free (text, FALSE);
}

/* A later answer changes its task's row in place, setting each column: the
 * row it leaves is the one written whole (as an Undo of a removal writes
 * it) would be. A column left out of the upsert would keep the first
 * answer's value. */
static void
test_upsert_sets_every_column (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *id = "asyntask_EveryColumn00001";
  g_autofree char *first_body = cancelled_body (id);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *answered = NULL;
  g_autofree char *written_whole = NULL;
  DailiesTask *task;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, &id, 1);
  task = dailies_task_store_lookup (store, id);
  /* Unfinished, stopped upstream, no link; then failed, with another
   * request ID, times, a reason, a local copy's path. */
  apply_body (store, task, first_body, 200);
  g_assert_true (dailies_task_store_flush (store, NULL));
  dailies_task_store_set_local_path (store, task, "/videos/every.mp4");
  apply_fixture (store, task, "response-failure.json");
  g_assert_true (dailies_task_store_flush (store, NULL));
  answered = row_as_text (f.db_path, id);
  g_assert_nonnull (strstr (answered, "upstream_problem=\n"));
  g_assert_nonnull (strstr (answered, "local_path=/videos/every.mp4\n"));

  g_ptr_array_add (gone, g_object_ref (task));
  dailies_task_store_remove_tasks (store, gone);
  g_assert_true (dailies_task_store_flush (store, NULL));
  dailies_task_store_restore_tasks (store, gone);
  g_assert_true (dailies_task_store_flush (store, NULL));
  written_whole = row_as_text (f.db_path, id);
  g_assert_cmpstr (answered, ==, written_whole);

  /* And every column of the table, whether the two answers differ in it
   * or not, is set from the new row. */
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    guint n_columns = 0;

    g_assert_cmpint (sqlite3_open_v2 (f.db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM pragma_table_info ('tasks') WHERE name != 'id'",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        const char *name = (const char *) sqlite3_column_text (stmt, 0);
        g_autofree char *set = g_strdup_printf (" %s = excluded.%s", name, name);

        g_test_message ("column %s", name);
        g_assert_nonnull (strstr (dailies_task_store_upsert_set, set));
        n_columns++;
      }
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    g_assert_cmpuint (n_columns, ==, 23);
  }

  close_store (store);
  fixture_clear (&f);
}

/* A file of schema 2, with a task stopped at the model's service that
 * Dailies still showed as generating: loaded, its problem is read from its
 * JSON and stored, and its JSON stays in the file. */
static void
test_migrate_from_version_2 (void)
{
  g_autofree char *folder = NULL;
  g_autofree char *body = cancelled_body ("asyntask_StoppedUpstream01");
  g_autofree char *sql = NULL;
  char *quoted;
  DailiesTaskStore *store;
  DailiesTask *task;
  Fixture f;

  fixture_init (&f);
  folder = g_path_get_dirname (f.db_path);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  quoted = sqlite3_mprintf ("%Q", body);
  /* The second schema, as Dailies wrote it until 2026-12-04. */
  sql = g_strdup_printf ("CREATE TABLE tasks (id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL,"
                         " status INTEGER NOT NULL DEFAULT 0, status_text TEXT, progress INTEGER NOT NULL DEFAULT -1,"
                         " submit_time INTEGER NOT NULL DEFAULT 0, start_time INTEGER NOT NULL DEFAULT 0,"
                         " finish_time INTEGER NOT NULL DEFAULT 0, fail_reason TEXT, result_url TEXT,"
                         " original_result_url TEXT, request_id TEXT, model TEXT, raw_json TEXT,"
                         " first_seen INTEGER NOT NULL DEFAULT 0, last_polled INTEGER NOT NULL DEFAULT 0,"
                         " last_error TEXT, http_status INTEGER NOT NULL DEFAULT 0, local_path TEXT,"
                         " link_seen INTEGER NOT NULL DEFAULT 0, link_lapsed INTEGER NOT NULL DEFAULT 0,"
                         " link_expires INTEGER NOT NULL DEFAULT -1);"
                         "INSERT INTO tasks (id, position, status, status_text, progress, raw_json, first_seen,"
                         " last_polled, link_expires) VALUES"
                         " ('asyntask_StoppedUpstream01', 0, 3, 'IN_PROGRESS', 30, %s, 1777288000, 1777300000, 0);"
                         "PRAGMA user_version = 2;", quoted);
  sqlite3_free (quoted);
  exec_on (f.db_path, sql);

  store = open_store (f.db_path);
  task = dailies_task_store_lookup (store, "asyntask_StoppedUpstream01");
  g_assert_nonnull (task);
  g_assert_false (dailies_task_has_raw_json_in_memory (task));
  g_assert_cmpstr (dailies_task_get_upstream_problem (task), ==, "Cancelled by the model’s service");
  g_assert_cmpstr (dailies_task_get_raw_json (task), ==, body);
  close_store (store);

  g_assert_cmpint (query_int (f.db_path, "PRAGMA user_version"), ==, DAILIES_TASK_STORE_SCHEMA_VERSION);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE upstream_problem = "
                                         "'Cancelled by the model’s service' AND upstream_problem_made IS NOT NULL"),
                   ==, 1);

  fixture_clear (&f);
}

/* Once a removal is final, the JSON the file kept for its undo goes: a
 * restore after that (no longer offered) finds none. Whether the removal
 * was written yet or not, and whether its ID was listed anew before the
 * forget was written; a task listed again meanwhile keeps its own. */
/* The store holds one reference to each task it lists, and none once it
 * is removed: a removed task lives as long as its Undo does, a restored
 * one as long as the store. Near both ends and in the middle of the list,
 * where the store's array moves its front or its back. */
static void
test_removed_tasks_released (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  DailiesTask *weak[40] = { NULL };
  const guint doomed[] = { 0, 1, 20, 38, 39 };

  fixture_init (&f);
  store = open_store (f.db_path);
  for (guint i = 0; i < G_N_ELEMENTS (weak); i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Released%08u", i));
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  for (guint i = 0; i < G_N_ELEMENTS (weak); i++)
    {
      weak[i] = dailies_task_store_lookup (store, g_ptr_array_index (ids, i));
      g_object_add_weak_pointer (G_OBJECT (weak[i]), (gpointer *) &weak[i]);
    }

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < G_N_ELEMENTS (doomed); i++)
        g_ptr_array_add (removed, g_object_ref (weak[doomed[i]]));
      dailies_task_store_remove_tasks (store, removed);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, G_N_ELEMENTS (weak) - 5);

      /* The first time they come back; the second, the Undo is let go. */
      if (round == 0)
        {
          dailies_task_store_restore_tasks (store, removed);
          for (guint i = 0; i < G_N_ELEMENTS (weak); i++)
            {
              g_autoptr(DailiesTask) item = g_list_model_get_item (G_LIST_MODEL (store), i);

              g_assert_true (item == weak[i]);
            }
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (doomed); i++)
    g_assert_null (weak[doomed[i]]);
  g_assert_nonnull (weak[2]);

  close_store (store);
  for (guint i = 0; i < G_N_ELEMENTS (weak); i++)
    g_assert_null (weak[i]);
  fixture_clear (&f);
}

static void
test_forget_removed (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_Forgotten0000001", "asyntask_Forgotten0000002", "asyntask_Forgotten0000003" };
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func (g_object_unref);

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *body = response_body (ids[i], "SUCCESS", "100%");

      apply_body (store, dailies_task_store_lookup (store, ids[i]), body, 200);
    }
  close_store (store);

  /* The answers stay in the file: only the stash can bring them back. */
  store = open_store (f.db_path);
  g_ptr_array_add (gone, g_object_ref (dailies_task_store_lookup (store, ids[0])));
  g_ptr_array_add (kept, g_object_ref (dailies_task_store_lookup (store, ids[1])));
  g_ptr_array_add (again, g_object_ref (dailies_task_store_lookup (store, ids[2])));
  g_assert_false (dailies_task_has_raw_json_in_memory (g_ptr_array_index (gone, 0)));

  /* Removed and written, then forgotten. */
  dailies_task_store_remove_tasks (store, gone);
  g_assert_true (dailies_task_store_flush (store, NULL));
  dailies_task_store_forget_removed (store, gone);
  /* Removed and forgotten before the writer saw the removal. */
  dailies_task_store_remove_tasks (store, again);
  dailies_task_store_forget_removed (store, again);
  /* Removed, not forgotten: its undo still works. */
  dailies_task_store_remove_tasks (store, kept);
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 0);

  dailies_task_store_restore_tasks (store, gone);
  dailies_task_store_restore_tasks (store, kept);
  dailies_task_store_restore_tasks (store, again);
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE raw_json IS NULL"), ==, 2);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE raw_json IS NOT NULL AND id = 'asyntask_Forgotten0000002'"), ==, 1);

  /* A forget that comes after the ID was listed anew touches nothing. */
  dailies_task_store_forget_removed (store, gone);
  dailies_task_store_forget_removed (store, kept);
  g_assert_true (dailies_task_store_flush (store, NULL));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 3);

  /* Removed and written (its JSON stashed), forgotten, and its ID listed
   * anew before the writer saw the forget: the stash still goes. Seen by
   * putting the old task back once the new one is removed too. */
  {
    g_autoptr(GPtrArray) listed_anew = g_ptr_array_new_with_free_func (g_object_unref);
    const char *id = ids[1];

    dailies_task_store_remove_tasks (store, kept);
    g_assert_true (dailies_task_store_flush (store, NULL));
    dailies_task_store_forget_removed (store, kept);
    dailies_task_store_add_ids (store, &id, 1);
    g_assert_true (dailies_task_store_flush (store, NULL));
    g_ptr_array_add (listed_anew, g_object_ref (dailies_task_store_lookup (store, id)));
    g_assert_true (g_ptr_array_index (listed_anew, 0) != g_ptr_array_index (kept, 0));
    dailies_task_store_remove_tasks (store, listed_anew);
    dailies_task_store_restore_tasks (store, kept);
    g_assert_true (dailies_task_store_flush (store, NULL));
    g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE raw_json IS NOT NULL"), ==, 0);
  }
  close_store (store);

  fixture_clear (&f);
}

static void
write_garbage (const char *path,
               gsize       size)
{
  g_autofree char *garbage = g_malloc (size);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  for (gsize i = 0; i < size; i++)
    garbage[i] = (char) g_random_int_range (0, 256);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, garbage, size, &error);
  g_assert_no_error (error);
}

/* The store moved the file aside, starts empty and saves again. */
static void
assert_moved_aside_and_works (const char *db_path,
                              const char *expected_contents,
                              gsize       expected_size)
{
  DailiesTaskStore *store = dailies_task_store_new (db_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *basename = g_path_get_basename (db_path);
  g_autofree char *prefix = g_strconcat (basename, ".corrupt-", NULL);
  g_autofree char *aside = NULL;
  g_autofree char *aside_name = NULL;
  g_autofree char *contents = NULL;
  gsize size;
  const char *ids[] = { "asyntask_AfterCorruption" };

  g_assert_true (dailies_task_store_load (store, &error));
  g_assert_no_error (error);

  aside = g_strdup (dailies_task_store_get_moved_aside_path (store));
  g_assert_nonnull (aside);
  aside_name = g_path_get_basename (aside);
  g_assert_true (g_str_has_prefix (aside_name, prefix));
  /* tasks.db.corrupt-YYYYMMDD-HHMMSS */
  g_assert_cmpuint (strlen (aside_name), >=, strlen (prefix) + 15);
  g_assert_true (g_ascii_isdigit (aside_name[strlen (prefix)]));
  g_assert_cmpint (aside_name[strlen (prefix) + 8], ==, '-');

  g_assert_true (g_file_get_contents (aside, &contents, &size, NULL));
  if (expected_contents != NULL)
    {
      g_assert_cmpuint (size, ==, expected_size);
      g_assert_true (memcmp (contents, expected_contents, size) == 0);
    }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, 1), ==, 1);
  close_store (store);

  store = open_store (db_path);
  g_assert_null (dailies_task_store_get_moved_aside_path (store));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_nonnull (dailies_task_store_lookup (store, ids[0]));
  close_store (store);

  /* The damaged file is kept for the user. */
  g_assert_true (g_file_test (aside, G_FILE_TEST_IS_REGULAR));
}

static void
test_corrupt_garbage (void)
{
  Fixture f;
  g_autofree char *garbage = NULL;
  gsize size;
  g_autofree char *wal = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *folder = NULL;
  const char *name;
  guint n_wal = 0;

  fixture_init (&f);
  write_garbage (f.db_path, 64 * 1024);
  wal = g_strconcat (f.db_path, "-wal", NULL);
  write_garbage (wal, 4096);
  g_assert_true (g_file_get_contents (f.db_path, &garbage, &size, NULL));

  assert_moved_aside_and_works (f.db_path, garbage, size);

  /* Its -wal went along. */
  folder = g_path_get_dirname (f.db_path);
  dir = g_dir_open (folder, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "tasks.db.corrupt-") && g_str_has_suffix (name, "-wal"))
      n_wal++;
  g_assert_cmpuint (n_wal, ==, 1);

  fixture_clear (&f);
}

static void
test_corrupt_text_file (void)
{
  Fixture f;
  const char text[] = "This is not a database, just a note someone saved here.\n";
  g_autofree char *folder = NULL;

  fixture_init (&f);
  folder = g_path_get_dirname (f.db_path);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (f.db_path, text, sizeof text - 1, NULL));

  assert_moved_aside_and_works (f.db_path, text, sizeof text - 1);

  fixture_clear (&f);
}

static void
test_corrupt_truncated (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *contents = NULL;
  gsize size;

  fixture_init (&f);
  store = open_store (f.db_path);
  for (guint i = 0; i < 2000; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Trunc%06u", i));
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *body = response_body (g_ptr_array_index (ids, i), "SUCCESS", "100%");
      apply_body (store, dailies_task_store_lookup (store, g_ptr_array_index (ids, i)), body, 200);
    }
  close_store (store);

  /* Closing checkpointed the WAL: all the data is in the main file. */
  g_assert_true (g_file_get_contents (f.db_path, &contents, &size, NULL));
  g_assert_cmpuint (size, >, 64 * 1024);
  g_assert_true (g_file_set_contents (f.db_path, contents, size / 2, NULL));

  assert_moved_aside_and_works (f.db_path, contents, size / 2);

  fixture_clear (&f);
}

static void
test_foreign_schema (void)
{
  Fixture f;
  g_autofree char *folder = NULL;

  /* A real SQLite file, but not ours: a "tasks" table of another shape. */
  fixture_init (&f);
  folder = g_path_get_dirname (f.db_path);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  exec_on (f.db_path, "CREATE TABLE tasks (title TEXT, done INTEGER); INSERT INTO tasks VALUES ('milk', 0);");

  assert_moved_aside_and_works (f.db_path, NULL, 0);

  fixture_clear (&f);
}

static void
test_too_new (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  const char *ids[] = { "asyntask_InMemoryOnly" };

  /* Written by a later Dailies: left alone, and the app still runs. */
  fixture_init (&f);
  folder = g_path_get_dirname (f.db_path);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  exec_on (f.db_path, "CREATE TABLE future (x); PRAGMA user_version = 99;");

  store = dailies_task_store_new (f.db_path);
  g_assert_false (dailies_task_store_load (store, &error));
  g_assert_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_TOO_NEW);
  g_assert_null (dailies_task_store_get_moved_aside_path (store));
  g_assert_true (dailies_task_store_is_loaded (store));
  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, 1), ==, 1);
  close_store (store);

  g_assert_cmpint (query_int (f.db_path, "PRAGMA user_version"), ==, 99);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM sqlite_master WHERE name = 'tasks'"), ==, 0);

  fixture_clear (&f);
}

static void
test_in_memory (void)
{
  DailiesTaskStore *store = open_store (NULL);
  const char *ids[] = { "asyntask_Mem1", "asyntask_Mem2" };

  g_assert_null (dailies_task_store_get_path (store));
  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, 2), ==, 2);
  dailies_task_store_record_error (store, dailies_task_store_lookup (store, ids[0]), "x", 500, NULL);
  close_store (store);
}

typedef struct
{
  gboolean      done;
  gboolean      ok;
  GError       *error;
  guint         n_items_at_callback;
} LoadWait;

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  LoadWait *wait = user_data;

  wait->ok = dailies_task_store_load_finish (DAILIES_TASK_STORE (object), result, &wait->error);
  wait->n_items_at_callback = g_list_model_get_n_items (G_LIST_MODEL (object));
  wait->done = TRUE;
}

static void
test_load_async (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = { "asyntask_Async1", "asyntask_Async2", "asyntask_Async3" };
  ItemsChanged changed = { 0 };
  LoadWait wait = { 0 };
  gulong handler;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, 3);
  close_store (store);

  store = dailies_task_store_new (f.db_path);
  handler = g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);
  dailies_task_store_load_async (store, NULL, load_cb, &wait);
  g_assert_false (dailies_task_store_is_loaded (store));
  g_assert_true (dailies_test_wait_for_flag (&wait.done, 10000));

  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
  /* The model is filled before the caller hears back. */
  g_assert_cmpuint (wait.n_items_at_callback, ==, 3);
  assert_items_changed (&changed, 0, 0, 3);
  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_Async2"));

  g_signal_handler_disconnect (store, handler);
  close_store (store);

  /* A corrupt file, loaded asynchronously: not an error either. */
  write_garbage (f.db_path, 8192);
  store = dailies_task_store_new (f.db_path);
  memset (&wait, 0, sizeof wait);
  dailies_task_store_load_async (store, NULL, load_cb, &wait);
  g_assert_true (dailies_test_wait_for_flag (&wait.done, 10000));
  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
  g_assert_nonnull (dailies_task_store_get_moved_aside_path (store));
  close_store (store);

  fixture_clear (&f);
}

typedef struct
{
  gboolean  failed;
  GError   *error;
} WriteFailed;

static void
write_failed_cb (DailiesTaskStore *store,
                 const GError     *error,
                 WriteFailed      *failed)
{
  g_assert_null (failed->error);
  failed->failed = TRUE;
  failed->error = g_error_copy (error);
}

static void
test_write_failed (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GError) error = NULL;
  const char *first[] = { "asyntask_BeforeTrouble" };
  const char *during[] = { "asyntask_DuringTrouble1", "asyntask_DuringTrouble2" };
  const char *after[] = { "asyntask_AfterTrouble" };
  WriteFailed failed = { 0 };

  fixture_init (&f);
  store = open_store (f.db_path);
  g_signal_connect (store, "write-failed", G_CALLBACK (write_failed_cb), &failed);
  dailies_task_store_add_ids (store, first, 1);
  g_assert_true (dailies_task_store_flush (store, NULL));

  /* Someone else takes the table away: writes fail for real. */
  exec_on (f.db_path, "ALTER TABLE tasks RENAME TO tasks_away");
  dailies_task_store_add_ids (store, during, 1);
  g_assert_false (dailies_task_store_flush (store, &error));
  g_assert_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_IO);
  g_clear_error (&error);

  g_assert_true (dailies_test_wait_for_flag (&failed.failed, 10000));
  g_assert_error (failed.error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_IO);
  g_clear_error (&failed.error);

  /* Still failing: no second signal for the retry. The objects changed anyway. */
  dailies_task_store_add_ids (store, &during[1], 1);
  g_assert_false (dailies_task_store_flush (store, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);

  /* It comes back: the queued rows are saved with the next flush. */
  exec_on (f.db_path, "ALTER TABLE tasks_away RENAME TO tasks");
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  dailies_task_store_add_ids (store, after, 1);

  failed.failed = FALSE;
  g_signal_handlers_disconnect_by_func (store, write_failed_cb, &failed);
  close_store (store);

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 4);
  g_assert_nonnull (dailies_task_store_lookup (store, during[0]));
  g_assert_nonnull (dailies_task_store_lookup (store, during[1]));
  g_assert_nonnull (dailies_task_store_lookup (store, after[0]));
  close_store (store);

  fixture_clear (&f);
}

static void
test_many (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  ItemsChanged changed = { 0 };
  const guint n = 10000;
  gint64 begin;
  double add_ms, flush_ms, load_ms;

  fixture_init (&f);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Many%010u", i));

  store = open_store (f.db_path);
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);

  begin = g_get_monotonic_time ();
  g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) ids->pdata, n), ==, n);
  add_ms = (g_get_monotonic_time () - begin) / 1000.0;
  assert_items_changed (&changed, 0, 0, n);

  begin = g_get_monotonic_time ();
  g_assert_true (dailies_task_store_flush (store, NULL));
  flush_ms = (g_get_monotonic_time () - begin) / 1000.0;

  for (guint i = 0; i < n; i += 97)
    {
      DailiesTask *task = dailies_task_store_lookup (store, g_ptr_array_index (ids, i));

      g_assert_nonnull (task);
      g_assert_true (get_task (store, i) == task);
    }

  /* Answers for all of them: the rows are rewritten, not duplicated. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = response_body (g_ptr_array_index (ids, i), "SUCCESS", "100%");
      apply_body (store, dailies_task_store_lookup (store, g_ptr_array_index (ids, i)), body, 200);
    }
  g_assert_cmpuint (changed.n_signals, ==, 0);
  g_signal_handlers_disconnect_by_func (store, items_changed_cb, &changed);
  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, n);

  store = dailies_task_store_new (f.db_path);
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changed);
  begin = g_get_monotonic_time ();
  g_assert_true (dailies_task_store_load (store, NULL));
  load_ms = (g_get_monotonic_time () - begin) / 1000.0;
  assert_items_changed (&changed, 0, 0, n);

  for (guint i = 0; i < n; i++)
    {
      DailiesTask *task = get_task (store, i);

      g_assert_cmpstr (dailies_task_get_id (task), ==, g_ptr_array_index (ids, i));
      g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
    }

  g_test_message ("10000 ids: add %.1f ms, first flush %.1f ms, load with answers %.1f ms",
                  add_ms, flush_ms, load_ms);
  /* Generous: catches a per-row transaction or notify storm, not jitter. */
  g_assert_cmpfloat (add_ms, <, 2000 * dailies_test_time_scale ());
  g_assert_cmpfloat (load_ms, <, 5000 * dailies_test_time_scale ());

  g_signal_handlers_disconnect_by_func (store, items_changed_cb, &changed);
  close_store (store);
  fixture_clear (&f);
}

/* Tasks just added are written in a short form, several rows to a
 * statement and sorted by ID: read back, each is as it was added, in the
 * order added, and an ID removed (answered, then gone) and added again
 * replaces the old row. 150 rows: two full statements and the rest one
 * at a time, the IDs given out of alphabetical order. */
static void
test_fresh_rows (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) first_seen = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *body = NULL;
  const char *again = "asyntask_FreshAgain";
  const guint n = 150;

  fixture_init (&f);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Fresh%05u", (i * 37u) % 1000u));

  store = open_store (f.db_path);
  g_assert_cmpuint (dailies_task_store_add_ids (store, &again, 1), ==, 1);
  body = response_body (again, "SUCCESS", "100%");
  apply_body (store, dailies_task_store_lookup (store, again), body, 200);
  g_assert_true (dailies_task_store_flush (store, NULL));
  dailies_task_store_remove (store, dailies_task_store_lookup (store, again));

  /* In one batch with the removal still waiting. */
  g_ptr_array_add (ids, g_strdup (again));
  g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len), ==, ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 seen = dailies_task_get_first_seen (get_task (store, i));

      g_assert_cmpint (seen, >, 0);
      g_array_append_val (first_seen, seen);
    }
  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, ids->len);

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      DailiesTask *task = get_task (store, i);
      g_autoptr(DailiesTask) made = dailies_task_new (g_ptr_array_index (ids, i));

      g_assert_cmpstr (dailies_task_get_id (task), ==, g_ptr_array_index (ids, i));
      g_assert_cmpint (dailies_task_get_first_seen (task), ==, g_array_index (first_seen, gint64, i));
      g_assert_cmpint (dailies_task_get_status (task), ==, dailies_task_get_status (made));
      g_assert_cmpint (dailies_task_get_progress (task), ==, dailies_task_get_progress (made));
      g_assert_null (dailies_task_get_status_text (task));
      g_assert_null (dailies_task_get_result_url (task));
      g_assert_null (dailies_task_get_raw_json (task));
      g_assert_cmpint (dailies_task_get_finish_time (task), ==, 0);
      g_assert_cmpint (dailies_task_get_last_polled (task), ==, 0);
    }
  close_store (store);
  fixture_clear (&f);
}

/* The rows of tasks just added wait as one block beside the other changes,
 * and what happens to those tasks before the writer gets to them still
 * wins: an answer, a removal, a removal with the ID added again. All go
 * in one batch with the additions: the writer waits for the main loop,
 * which does not run here, or for the flush. */
static void
test_fresh_then_changed (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = {
    "asyntask_FreshAnswered", "asyntask_FreshRemoved", "asyntask_FreshAgain", "asyntask_FreshKept",
  };
  g_autofree char *body = response_body (ids[0], "SUCCESS", "100%");
  g_autoptr(DailiesTask) removed = NULL;

  fixture_init (&f);
  store = open_store (f.db_path);
  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids)), ==, G_N_ELEMENTS (ids));
  apply_body (store, dailies_task_store_lookup (store, ids[0]), body, 200);
  dailies_task_store_remove (store, dailies_task_store_lookup (store, ids[1]));
  removed = g_object_ref (dailies_task_store_lookup (store, ids[2]));
  dailies_task_store_remove (store, removed);
  g_assert_cmpuint (dailies_task_store_add_ids (store, &ids[2], 1), ==, 1);
  g_assert_true (dailies_task_store_lookup (store, ids[2]) != removed);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 0);
  g_assert_true (dailies_task_store_flush (store, NULL));

  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 3);
  g_assert_cmpint (query_int (f.db_path, "SELECT status FROM tasks WHERE id = 'asyntask_FreshAnswered'"),
                   ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE id = 'asyntask_FreshRemoved'"), ==, 0);
  /* The second one, after the four first. */
  g_assert_cmpint (query_int (f.db_path, "SELECT position FROM tasks WHERE id = 'asyntask_FreshAgain'"), ==, 4);
  g_assert_cmpint (query_int (f.db_path, "SELECT status FROM tasks WHERE id = 'asyntask_FreshKept'"),
                   ==, DAILIES_TASK_STATUS_UNKNOWN);
  close_store (store);
  fixture_clear (&f);
}

/* A bulk add with an answer to one of its tasks in the same batch, and
 * SQLite refusing one of its rows: nothing of the batch is saved, then
 * all of it once the refusal is gone, the answer too, in order. */
static void
test_fresh_rows_refused (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const guint n = 20000;
  const char *answered = "asyntask_ManyRows00001";
  g_autofree char *body = response_body (answered, "SUCCESS", "100%");

  fixture_init (&f);
  /* Added in reverse: the writer sorts them by ID. */
  for (guint i = n; i > 0; i--)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_ManyRows%05u", i));

  store = open_store (f.db_path);
  exec_on (f.db_path,
           "CREATE TRIGGER refuse BEFORE INSERT ON tasks WHEN new.id = 'asyntask_ManyRows15000'"
           " BEGIN SELECT RAISE (ABORT, 'refused'); END");
  g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) ids->pdata, n), ==, n);
  apply_body (store, dailies_task_store_lookup (store, answered), body, 200);
  g_assert_false (dailies_task_store_flush (store, &error));
  g_assert_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE id = 'asyntask_ManyRows15000'"), ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 0);

  exec_on (f.db_path, "DROP TRIGGER refuse");
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, n);
  g_assert_cmpint (query_int (f.db_path, "SELECT status FROM tasks WHERE id = 'asyntask_ManyRows00001'"),
                   ==, DAILIES_TASK_STATUS_SUCCESS);
  close_store (store);

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (dailies_task_get_id (get_task (store, i)), ==, g_ptr_array_index (ids, i));
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (store, answered)), ==,
                   DAILIES_TASK_STATUS_SUCCESS);
  close_store (store);
  fixture_clear (&f);
}

/* A finished task whose JSON is only in the database is removed (into
 * @olds) and its ID added again; none of it is written yet. */
static DailiesTaskStore *
open_readded (Fixture    *f,
              const char *id,
              const char *body,
              GPtrArray  *olds)
{
  DailiesTaskStore *store = open_store (f->db_path);

  dailies_task_store_add_ids (store, &id, 1);
  apply_body (store, dailies_task_store_lookup (store, id), body, 200);
  close_store (store);

  store = open_store (f->db_path);
  g_ptr_array_add (olds, g_object_ref (dailies_task_store_lookup (store, id)));
  g_assert_false (dailies_task_has_raw_json_in_memory (g_ptr_array_index (olds, 0)));
  dailies_task_store_remove_tasks (store, olds);
  g_assert_cmpuint (dailies_task_store_add_ids (store, &id, 1), ==, 1);

  return store;
}

/* The task that has @id now is removed and the first one's removal
 * (@olds) undone; once written and loaded again, the first task is back
 * with its status and its own JSON, @body. */
static void
assert_first_comes_back (Fixture          *f,
                         DailiesTaskStore *store,
                         const char       *id,
                         GPtrArray        *olds,
                         const char       *body)
{
  g_autoptr(GPtrArray) news = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (news, g_object_ref (dailies_task_store_lookup (store, id)));
  dailies_task_store_remove_tasks (store, news);
  dailies_task_store_restore_tasks (store, olds);
  g_assert_true (dailies_task_store_flush (store, NULL));
  close_store (store);

  store = open_store (f->db_path);
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (store, id)), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (dailies_task_get_raw_json (dailies_task_store_lookup (store, id)), ==, body);
  close_store (store);
}

/* Before the writer runs: a task whose answer is still only in the file
 * is removed, its ID added again and that task removed too, then the first
 * removal is undone. The task comes back with its answer. */
static void
test_undo_after_readd (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *id = "asyntask_UndoAfterReadd00001";
  g_autofree char *body = response_body (id, "SUCCESS", "100%");
  g_autoptr(GPtrArray) olds = g_ptr_array_new_with_free_func (g_object_unref);

  fixture_init (&f);
  store = open_readded (&f, id, body, olds);
  assert_first_comes_back (&f, store, id, olds, body);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE raw_json IS NOT NULL"), ==, 1);
  fixture_clear (&f);
}

/* As undo-after-readd, with the removal and the ID added again (in a
 * bulk add) written before the Undo, once with SQLite refusing a row of
 * the bulk add first. The task comes back with the JSON only the
 * database held. */
static void
test_undo_after_readd_written (void)
{
  const char *refused[] = { NULL, "asyntask_UndoAfterReaddMany15000" };

  for (guint refuse = 0; refuse < G_N_ELEMENTS (refused); refuse++)
    {
      Fixture f;
      DailiesTaskStore *store;
      const char *id = "asyntask_UndoAfterReaddWritten1";
      g_autofree char *body = response_body (id, "SUCCESS", "100%");
      g_autoptr(GPtrArray) olds = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) error = NULL;

      fixture_init (&f);
      store = open_store (f.db_path);
      dailies_task_store_add_ids (store, &id, 1);
      apply_body (store, dailies_task_store_lookup (store, id), body, 200);
      close_store (store);

      for (guint i = 0; i < 20000; i++)
        g_ptr_array_add (ids, g_strdup_printf ("asyntask_UndoAfterReaddMany%05u", i));
      g_ptr_array_add (ids, g_strdup (id));

      store = open_store (f.db_path);
      g_ptr_array_add (olds, g_object_ref (dailies_task_store_lookup (store, id)));
      g_assert_false (dailies_task_has_raw_json_in_memory (g_ptr_array_index (olds, 0)));
      /* Before the bulk add: that many rows wake the writer at once. */
      if (refused[refuse] != NULL)
        {
          /* The bulk add holds the ID whose removal shares its batch:
           * it goes into tasks at once, not through the import journal. */
          g_autofree char *trigger = g_strdup_printf ("CREATE TRIGGER refuse BEFORE INSERT ON tasks WHEN new.id = '%s'"
                                                      " BEGIN SELECT RAISE (ABORT, 'refused'); END", refused[refuse]);

          exec_on (f.db_path, trigger);
        }
      /* In one batch: the removal waits for the main loop, which does not
       * run here; the bulk add wakes the writer. */
      dailies_task_store_remove_tasks (store, olds);
      g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len), ==, ids->len);
      if (refused[refuse] != NULL)
        {
          g_assert_false (dailies_task_store_flush (store, &error));
          g_clear_error (&error);
          exec_on (f.db_path, "DROP TRIGGER refuse");
        }
      g_assert_true (dailies_task_store_flush (store, &error));
      g_assert_no_error (error);

      assert_first_comes_back (&f, store, id, olds, body);
      g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 20001);
      fixture_clear (&f);
    }
}

/* A task whose JSON is only in the database is removed, its ID added
 * again and that new task answered, all before the writer runs; the new
 * one is written, removed, and the first removal undone. The first task
 * comes back with its own JSON, not none and not the new one's. */
static void
test_undo_after_readd_answered (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *id = "asyntask_UndoAfterReaddAnswered1";
  g_autofree char *body = response_body (id, "SUCCESS", "100%");
  g_autofree char *new_body = response_body (id, "FAILURE", "100%");
  g_autoptr(GPtrArray) olds = g_ptr_array_new_with_free_func (g_object_unref);

  fixture_init (&f);
  store = open_readded (&f, id, body, olds);
  apply_body (store, dailies_task_store_lookup (store, id), new_body, 200);
  g_assert_true (dailies_task_store_flush (store, NULL));

  assert_first_comes_back (&f, store, id, olds, body);
  fixture_clear (&f);
}

/* The list keeps its order however SQLite happens to store the rows: here
 * the table is rewritten so that the newest rows come first on disk. */
static void
test_load_order (void)
{
  Fixture f;
  DailiesTaskStore *store;
  const char *ids[] = {
    "asyntask_Order0", "asyntask_Order1", "asyntask_Order2", "asyntask_Order3", "asyntask_Order4",
  };
  const char *more[] = { "asyntask_Order5" };
  g_autofree char *body = response_body (ids[2], "SUCCESS", "100%");

  fixture_init (&f);
  store = open_store (f.db_path);
  g_assert_cmpuint (dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids)), ==, G_N_ELEMENTS (ids));
  apply_body (store, dailies_task_store_lookup (store, ids[2]), body, 200);
  close_store (store);

  exec_on (f.db_path,
           "CREATE TEMP TABLE copy AS SELECT * FROM tasks ORDER BY position DESC;"
           "DELETE FROM tasks;"
           "INSERT INTO tasks SELECT * FROM copy;");
  g_assert_cmpint (query_int (f.db_path, "SELECT position FROM tasks ORDER BY rowid LIMIT 1"), ==, 4);

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      DailiesTask *task = get_task (store, i);

      g_assert_cmpstr (dailies_task_get_id (task), ==, ids[i]);
      g_assert_true (dailies_task_store_lookup (store, ids[i]) == task);
    }
  g_assert_cmpint (dailies_task_get_status (get_task (store, 2)), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (dailies_task_get_raw_json (get_task (store, 2)), ==, body);

  /* A new ID still goes last, and a removed one comes back in its place. */
  g_assert_cmpuint (dailies_task_store_add_ids (store, more, 1), ==, 1);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 5)), ==, more[0]);
  {
    g_autoptr(DailiesTask) task = g_object_ref (dailies_task_store_lookup (store, ids[1]));

    dailies_task_store_remove (store, task);
    g_assert_cmpstr (dailies_task_get_id (get_task (store, 1)), ==, ids[2]);
    dailies_task_store_restore (store, task);
    g_assert_true (get_task (store, 1) == task);
  }
  close_store (store);

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 6);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 1)), ==, ids[1]);
  g_assert_cmpstr (dailies_task_get_id (get_task (store, 5)), ==, more[0]);
  close_store (store);

  fixture_clear (&f);
}

/* ------------------------------------------------------------------ */
/* kill -9                                                             */
/* ------------------------------------------------------------------ */

/* The child: adds tasks in batches, each with an answer, and after each
 * flush reports how many tasks are committed. Runs until killed. */
static int
run_writer_child (const char *db_path)
{
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db_path);
  g_autoptr(GError) error = NULL;
  guint committed = 0;

  if (!dailies_task_store_load (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }

  for (guint batch = 0; batch < 100000; batch++)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < KILL_BATCH; i++)
        g_ptr_array_add (ids, g_strdup_printf ("asyntask_Kill%08u", committed + i));
      if (dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len) != KILL_BATCH)
        return 1;

      for (guint i = 0; i < KILL_BATCH; i++)
        {
          const char *id = g_ptr_array_index (ids, i);
          g_autofree char *body = response_body (id, "SUCCESS", "100%");

          apply_body (store, dailies_task_store_lookup (store, id), body, 200);
        }

      if (!dailies_task_store_flush (store, &error))
        {
          g_printerr ("child: %s\n", error->message);
          return 1;
        }

      committed += KILL_BATCH;
      printf ("%u\n", committed);
      fflush (stdout);
    }

  return 0;
}

typedef struct
{
  GDataInputStream *input;
  guint             reported;
  gboolean          eof;
} ChildOutput;

static void read_next_line (ChildOutput *output);

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ChildOutput *output = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, &error);

  if (line == NULL)
    {
      output->eof = TRUE;
      return;
    }

  output->reported = (guint) g_ascii_strtoull (line, NULL, 10);
  read_next_line (output);
}

static void
read_next_line (ChildOutput *output)
{
  g_data_input_stream_read_line_async (output->input, G_PRIORITY_DEFAULT, NULL, line_read_cb, output);
}

static gboolean
enough_reported (gpointer user_data)
{
  ChildOutput *output = user_data;

  return output->reported >= 40 * KILL_BATCH || output->eof;
}

static gboolean
enough_reported_for_journal (gpointer user_data)
{
  ChildOutput *output = user_data;

  return output->reported >= 5 || output->eof;
}

/* This program run as the child @arg on @db_path, killed (SIGKILL) once
 * @enough holds of what it reported, in the middle of what it does next.
 * Returns the last number it reported. */
static guint
run_child_until_killed (const char           *arg,
                        const char           *db_path,
                        DailiesTestCondition  enough)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  ChildOutput output = { 0 };

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe, arg, db_path, NULL);
  g_assert_no_error (error);

  output.input = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  read_next_line (&output);

  g_assert_true (dailies_test_wait_until (enough, &output, 30000));
  g_assert_false (output.eof);

  g_subprocess_send_signal (child, SIGKILL);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  /* Lines it wrote before dying are still in the pipe. */
  g_assert_true (dailies_test_wait_for_flag (&output.eof, 10000));
  g_clear_object (&output.input);

  return output.reported;
}

static void
test_kill_during_writes (void)
{
  Fixture f;
  DailiesTaskStore *store;
  guint reported;

  fixture_init (&f);

  /* Killed in the middle of its next batch. */
  reported = run_child_until_killed (WRITER_CHILD_ARG, f.db_path, enough_reported);
  g_test_message ("child reported %u committed tasks before SIGKILL", reported);

  /* The WAL was not checkpointed by a clean close. */
  {
    g_autofree char *wal = g_strconcat (f.db_path, "-wal", NULL);
    g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  }

  store = open_store (f.db_path);
  g_assert_null (dailies_task_store_get_moved_aside_path (store));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), >=, reported);

  for (guint i = 0; i < reported; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_Kill%08u", i);
      g_autofree char *body = response_body (id, "SUCCESS", "100%");
      DailiesTask *task = dailies_task_store_lookup (store, id);

      if (task == NULL)
        g_error ("%s was reported committed but is missing", id);
      g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
      g_assert_cmpstr (dailies_task_get_raw_json (task), ==, body);
    }

  close_store (store);
  fixture_clear (&f);
}

/* The import of the journal test, in three additions; the task answered
 * while the journal holds it (of the first) and the one removed (of the
 * second): each takes its own addition into tasks, the third stays. */
enum { JOURNAL_N = 3 * IMPORT_SLICE, JOURNAL_ANSWERED = 10, JOURNAL_REMOVED = IMPORT_SLICE + 20 };

/* An import of JOURNAL_N goes into the store at @db_path; one of its tasks
 * is answered and one removed while the journal holds them; then more IDs
 * come, one at a time, each flushed and reported by how many, as an import
 * still going on: the parent kills it before the journal is moved into
 * tasks. */
static int
run_import_child (const char *db_path)
{
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db_path);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  if (!dailies_task_store_load (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }

  ids = add_import_of (store, "Journal", JOURNAL_N);
  if (!dailies_task_store_flush (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }

  /* Each in a batch of its own. */
  body = response_body (g_ptr_array_index (ids, JOURNAL_ANSWERED), "SUCCESS", "100%");
  apply_body (store, dailies_task_store_lookup (store, g_ptr_array_index (ids, JOURNAL_ANSWERED)), body, 200);
  if (!dailies_task_store_flush (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  g_ptr_array_add (doomed, g_object_ref (dailies_task_store_lookup (store, g_ptr_array_index (ids, JOURNAL_REMOVED))));
  dailies_task_store_remove_tasks (store, doomed);

  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_JournalMore%06u", i);
      const char *one[] = { id };

      if (dailies_task_store_add_ids (store, one, 1) != 1)
        return 1;
      if (!dailies_task_store_flush (store, &error))
        {
          g_printerr ("child: %s\n", error->message);
          return 1;
        }
      printf ("%u\n", i + 1);
      fflush (stdout);
    }

  return 0;
}

/* An import killed while its journal holds its tasks (one of them
 * answered, one removed): the next start has every one of them, in the
 * order they came, the answer kept and the removed one gone; and the
 * journal is moved into tasks. */
static void
test_import_journal_after_kill (void)
{
  Fixture f;
  g_autofree char *body = NULL;
  DailiesTaskStore *store;
  DailiesTask *answered;
  guint reported;
  guint place = 0;
  guint n_items;

  fixture_init (&f);
  reported = run_child_until_killed (IMPORT_CHILD_ARG, f.db_path, enough_reported_for_journal);

  /* What this is about: the kill left tasks in the journal alone, the
   * third addition among them. */
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE id = 'asyntask_Journal000010'"), ==, 1);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"
                                         " WHERE instr (ids, 'asyntask_Journal007499') > 0"), ==, 1);

  store = open_store (f.db_path);
  g_assert_null (dailies_task_store_get_moved_aside_path (store));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), >=, JOURNAL_N - 1 + reported);
  for (guint i = 0; i < JOURNAL_N; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_Journal%06u", i);
      g_autoptr(DailiesTask) task = NULL;

      if (i == JOURNAL_REMOVED)
        {
          g_assert_null (dailies_task_store_lookup (store, id));
          continue;
        }
      task = g_list_model_get_item (G_LIST_MODEL (store), place++);
      g_assert_cmpstr (dailies_task_get_id (task), ==, id);
    }
  for (guint i = 0; i < reported; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_JournalMore%06u", i);

      if (dailies_task_store_lookup (store, id) == NULL)
        g_error ("%s was reported stored but is missing", id);
    }
  answered = dailies_task_store_lookup (store, "asyntask_Journal000010");
  body = response_body ("asyntask_Journal000010", "SUCCESS", "100%");
  g_assert_cmpint (dailies_task_get_status (answered), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (dailies_task_get_raw_json (answered), ==, body);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  close_store (store);

  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, n_items);
  fixture_clear (&f);
}

/* An import that comes a few hundred IDs at a time (a JSON list, read a
 * piece at a time), each batch written on its own, is an import all the
 * same: journaled once enough have come close together, and moved into
 * tasks once it is over. */
static void
test_import_journal_small_batches (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *copy_path = NULL;
  FileAloneWatch watch = { 0 };

  fixture_init (&f);
  copy_path = g_build_filename (f.dir, "copy.db", NULL);
  watch.db_path = f.db_path;
  watch.copy_path = copy_path;
  store = open_store (f.db_path);

  for (guint i = 0; i < 12 * 500; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Batches%06u", i));
  for (guint i = 0; i < ids->len; i += 500)
    {
      g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) ids->pdata + i, 500), ==, 500);
      g_assert_true (dailies_task_store_flush (store, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (query_int (f.db_path, STORED_COUNT_SQL), ==, ids->len);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), >, 0);

  g_assert_true (wait_for_file_alone (&watch, ids->len));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);

  close_store (store);
  fixture_clear (&f);
}

/* An addition whose tasks were seen in different seconds (an import's
 * worker crossing one): its rows go into tasks at once, each with its own
 * first_seen, which one journal row could not keep. */
static void
test_import_journal_mixed_seconds (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;

  fixture_init (&f);
  store = open_store (f.db_path);
  for (guint i = 0; i < 3000; i++)
    {
      DailiesTask *task = dailies_task_store_new_task (g_strdup_printf ("asyntask_Seconds%06u", i));

      dailies_task_set_first_seen (task, 1777000000 + (i >= 1500));
      g_ptr_array_add (tasks, task);
    }
  g_assert_cmpuint (dailies_task_store_add_new_tasks (store, (DailiesTask * const *) tasks->pdata, tasks->len), ==, 3000);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);

  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE first_seen = 1777000001"), ==, 1500);
  close_store (store);
  fixture_clear (&f);
}

/* What a crash now would leave, opened as the next start would: a
 * consistent copy of the database (VACUUM INTO), import journal and all.
 * Returns the store of the copy; its path in @copy_path. */
static DailiesTaskStore *
open_crash_copy (Fixture  *f,
                 char    **copy_path)
{
  g_autofree char *sql = NULL;

  *copy_path = g_build_filename (f->dir, "crash-copy.db", NULL);
  g_unlink (*copy_path);
  sql = g_strdup_printf ("VACUUM INTO '%s'", *copy_path);
  exec_on (f->db_path, sql);

  return open_store (*copy_path);
}

/* Removes the task of @id from @store. */
static void
remove_one (DailiesTaskStore *store,
            const char       *id)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (doomed, g_object_ref (dailies_task_store_lookup (store, id)));
  dailies_task_store_remove_tasks (store, doomed);
}

static void
add_one (DailiesTaskStore *store,
         const char       *id)
{
  const char *one[] = { id };

  g_assert_cmpuint (dailies_task_store_add_ids (store, one, 1), ==, 1);
}

/* A task of the journal removed, its ID added again and removed again
 * before the writer runs, once with the first removal refused by SQLite
 * first: the second removal takes the place of the first in the queue,
 * and says nothing of the first task's place. The ID is gone for good:
 * not put back when the journal is moved at closing, nor at the next
 * start. */
static void
test_import_journal_removed_twice (void)
{
  for (guint refuse = 0; refuse < 2; refuse++)
    {
      Fixture f;
      DailiesTaskStore *store;
      DailiesTaskStore *copy;
      g_autoptr(GPtrArray) ids = NULL;
      g_autoptr(GError) error = NULL;
      char *copy_path = NULL;
      const char *id;

      fixture_init (&f);
      store = open_store (f.db_path);
      ids = add_import_of (store, "Twice", IMPORT_N);
      g_assert_true (dailies_task_store_flush (store, &error));
      g_assert_no_error (error);
      id = g_ptr_array_index (ids, 7);
      g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal WHERE instr (ids, 'asyntask_Twice000007') > 0"),
                       ==, 1);

      if (refuse)
        {
          /* The removal takes the task's addition out of the journal. */
          exec_on (f.db_path, "CREATE TRIGGER refuse BEFORE DELETE ON import_journal BEGIN SELECT RAISE (ABORT, 'refused'); END");
          remove_one (store, id);
          g_assert_false (dailies_task_store_flush (store, &error));
          g_clear_error (&error);
          exec_on (f.db_path, "DROP TRIGGER refuse");
        }
      else
        remove_one (store, id);
      add_one (store, id);
      remove_one (store, id);
      g_assert_true (dailies_task_store_flush (store, &error));
      g_assert_no_error (error);

      /* A crash now: the start moves the journal. */
      copy = open_crash_copy (&f, &copy_path);
      g_assert_null (dailies_task_store_lookup (copy, id));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (copy)), ==, IMPORT_N - 1);
      close_store (copy);
      g_clear_pointer (&copy_path, g_free);

      /* Closing moves it. */
      close_store (store);
      g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks WHERE id = 'asyntask_Twice000007'"), ==, 0);
      g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, IMPORT_N - 1);
      store = open_store (f.db_path);
      g_assert_null (dailies_task_store_lookup (store, id));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, IMPORT_N - 1);
      close_store (store);
      fixture_clear (&f);
    }
}

/* The same, the second removal undone and that task answered: it keeps
 * its place and its answer; the journal's bare row of the first task does
 * not take them. */
static void
test_import_journal_readded_answered (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *copy_path = NULL;
  DailiesTaskStore *copy;
  DailiesTask *task;
  const char *id;
  guint position;

  fixture_init (&f);
  store = open_store (f.db_path);
  ids = add_import_of (store, "Readded", IMPORT_N);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  id = g_ptr_array_index (ids, 7);
  body = response_body (id, "SUCCESS", "100%");

  remove_one (store, id);
  add_one (store, id);
  task = dailies_task_store_lookup (store, id);
  position = dailies_task_get_store_position (task);
  g_ptr_array_add (doomed, g_object_ref (task));
  dailies_task_store_remove_tasks (store, doomed);
  dailies_task_store_restore_tasks (store, doomed);
  apply_body (store, task, body, 200);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);

  /* A crash now, and then closing: both keep the answered task. */
  copy = open_crash_copy (&f, &copy_path);
  g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (copy, id)), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpuint (dailies_task_get_store_position (dailies_task_store_lookup (copy, id)), ==, position);
  close_store (copy);
  close_store (store);

  g_assert_cmpint (query_int (f.db_path, "SELECT position FROM tasks WHERE id = 'asyntask_Readded000007'"), ==, position - 1);
  g_assert_cmpint (query_int (f.db_path, "SELECT status FROM tasks WHERE id = 'asyntask_Readded000007'"), ==,
                   DAILIES_TASK_STATUS_SUCCESS);
  store = open_store (f.db_path);
  task = dailies_task_store_lookup (store, id);
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (dailies_task_get_raw_json (task), ==, body);
  close_store (store);
  fixture_clear (&f);
}

/* The import's journal row refused by SQLite: its additions are queued
 * again, in front of what came since (a removal of one of its tasks),
 * and stored in order once it is allowed. */
static void
test_import_journal_refused (void)
{
  Fixture f;
  DailiesTaskStore *store;
  DailiesTaskStore *copy;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy_path = NULL;

  fixture_init (&f);
  store = open_store (f.db_path);
  exec_on (f.db_path, "CREATE TRIGGER refuse BEFORE INSERT ON import_journal BEGIN SELECT RAISE (ABORT, 'refused'); END");
  ids = add_import_of (store, "Refused", IMPORT_N);
  g_assert_false (dailies_task_store_flush (store, &error));
  g_clear_error (&error);
  remove_one (store, g_ptr_array_index (ids, 4000));
  exec_on (f.db_path, "DROP TRIGGER refuse");
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);

  copy = open_crash_copy (&f, &copy_path);
  g_assert_null (dailies_task_store_lookup (copy, g_ptr_array_index (ids, 4000)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (copy)), ==, IMPORT_N - 1);
  close_store (copy);
  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, IMPORT_N - 1);
  fixture_clear (&f);
}

/* A store whose import's journal SQLite refuses to move, as a disk too
 * full for every row might, once the import is over: its tasks are all
 * in the journal. The wait before another try is @retry_ms. */
static DailiesTaskStore *
open_with_refused_move (Fixture    *f,
                        const char *prefix,
                        guint       retry_ms)
{
  DailiesTaskStore *store = open_store (f->db_path);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  CounterWatch import_ended = { &store->n_bulk_ends, 0 };

  g_atomic_int_set (&store->journal_retry_ms, retry_ms);
  exec_on (f->db_path, "CREATE TRIGGER refuse BEFORE DELETE ON import_journal BEGIN SELECT RAISE (ABORT, 'refused'); END");
  ids = add_import_of (store, prefix, IMPORT_N);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (wait_looking_again (counter_above, &import_ended, 5000));
  g_assert_cmpint (query_int (f->db_path, STORED_COUNT_SQL), ==, IMPORT_N);
  g_assert_cmpint (query_int (f->db_path, "SELECT count(*) FROM import_journal"), >, 0);

  return store;
}

/* The move out of the journal at the import's end refused: the tasks
 * stay safe in the journal, the changes that follow are saved all the
 * same without each trying the whole journal again (the wait before the
 * next try is ten minutes here), and closing moves it without waiting. */
static void
test_import_journal_move_refused (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GError) error = NULL;

  fixture_init (&f);
  store = open_with_refused_move (&f, "MoveRefused", 600000);
  g_assert_cmpuint (g_atomic_int_get (&store->n_journal_moves), ==, 1);

  /* Twenty new tasks one after the other, and an answer, each saved. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_MoveRefusedLone%02u", i);
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM tasks WHERE id = '%s'", id);

      add_one (store, id);
      g_assert_true (dailies_task_store_flush (store, &error));
      g_assert_no_error (error);
      g_assert_cmpint (query_int (f.db_path, sql), ==, 1);
    }
  {
    g_autofree char *body = response_body ("asyntask_MoveRefusedLone00", "IN_PROGRESS", "40%");

    apply_body (store, dailies_task_store_lookup (store, "asyntask_MoveRefusedLone00"), body, 200);
    g_assert_true (dailies_task_store_flush (store, &error));
    g_assert_no_error (error);
    g_assert_cmpint (query_int (f.db_path, "SELECT progress FROM tasks WHERE id = 'asyntask_MoveRefusedLone00'"), ==, 40);
  }
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), >, 0);
  g_assert_cmpuint (g_atomic_int_get (&store->n_journal_moves), ==, 1);

  exec_on (f.db_path, "DROP TRIGGER refuse");
  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, IMPORT_N + 20);
  fixture_clear (&f);
}

static gboolean
journal_empty (gpointer user_data)
{
  return query_int (user_data, "SELECT count(*) FROM import_journal") == 0;
}

/* A refused move, then every task of that import removed once allowed:
 * the removals take the journal's additions with them, and the wait after
 * the failure goes too, so the next import's move is not put off. */
static void
test_import_journal_emptied_by_changes (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  CounterWatch import_ended;

  fixture_init (&f);
  store = open_with_refused_move (&f, "Emptied", 600000);
  g_assert_cmpuint (g_atomic_int_get (&store->n_journal_moves), ==, 1);

  exec_on (f.db_path, "DROP TRIGGER refuse");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    g_ptr_array_add (tasks, g_list_model_get_item (G_LIST_MODEL (store), i));
  dailies_task_store_remove_tasks (store, tasks);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, 0);

  import_ended = (CounterWatch) { &store->n_bulk_ends, g_atomic_int_get (&store->n_bulk_ends) };
  ids = add_import_of (store, "EmptiedNext", IMPORT_N);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (wait_looking_again (counter_above, &import_ended, 5000));
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, IMPORT_N);
  close_store (store);
  fixture_clear (&f);
}

/* The same refusal, lasting while nothing changes: the writer tries the
 * move again by itself, 50, 100, then 200 ms after each failure (not at
 * once); lifted, the move is done at the next try. */
static void
test_import_journal_move_retried (void)
{
  Fixture f;
  DailiesTaskStore *store;
  CounterWatch tries;
  gint64 second_try;

  fixture_init (&f);
  store = open_with_refused_move (&f, "MoveRetried", 50);
  tries = (CounterWatch) { &store->n_journal_moves, 1 };
  g_assert_true (wait_looking_again (counter_above, &tries, 5000));
  second_try = g_get_monotonic_time ();
  /* From the second try (seen before the third, 100 ms on) to the fourth:
   * the wait before it at least. */
  tries.above = 3;
  g_assert_true (wait_looking_again (counter_above, &tries, 5000));
  g_assert_cmpint (g_get_monotonic_time () - second_try, >=, 200 * 1000);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), >, 0);

  exec_on (f.db_path, "DROP TRIGGER refuse");
  g_assert_true (wait_looking_again (journal_empty, f.db_path, 5000));
  g_assert_cmpuint (g_atomic_int_get (&store->n_journal_moves), >=, 2);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM tasks"), ==, IMPORT_N);
  close_store (store);
  fixture_clear (&f);
}

/* A journal row as a crash left it, one line of it damaged: the start
 * adds the IDs in their places, the damaged line keeping its own. */
static void
test_import_journal_damaged_line (void)
{
  Fixture f;
  DailiesTaskStore *store;
  g_autoptr(DailiesTask) first = NULL;
  g_autoptr(DailiesTask) second = NULL;

  fixture_init (&f);
  store = open_store (f.db_path);
  close_store (store);
  exec_on (f.db_path, "INSERT INTO import_journal (first_position, first_seen, ids) VALUES"
                      " (7, 1777000000, 'asyntask_Damaged1' || char (10) || 'not an ID' || char (10) || 'asyntask_Damaged3')");

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  first = g_list_model_get_item (G_LIST_MODEL (store), 0);
  second = g_list_model_get_item (G_LIST_MODEL (store), 1);
  g_assert_cmpstr (dailies_task_get_id (first), ==, "asyntask_Damaged1");
  g_assert_cmpstr (dailies_task_get_id (second), ==, "asyntask_Damaged3");
  g_assert_cmpint (dailies_task_get_first_seen (first), ==, 1777000000);
  g_assert_cmpint (dailies_task_get_status (first), ==, DAILIES_TASK_STATUS_UNKNOWN);
  g_clear_object (&first);
  g_clear_object (&second);
  close_store (store);

  g_assert_cmpint (query_int (f.db_path, "SELECT position FROM tasks WHERE id = 'asyntask_Damaged3'"), ==, 9);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);
  fixture_clear (&f);
}

static char *
success_body_with_link (const char *id,
                        const char *url)
{
  return g_strdup_printf ("{\"code\":\"success\",\"data\":{\"task_id\":\"%s\",\"status\":\"SUCCESS\","
                          "\"result_url\":\"%s\",\"submit_time\":1777288506,\"start_time\":1777288508,"
                          "\"finish_time\":1777288800,\"progress\":\"100%%\"}}", id, url);
}

/* A refusal by the result host sticks to that link: saved, kept when the
 * same link comes again, gone when another one arrives. */
static void
test_link_lapsed (void)
{
  const char *id = "asyntask_Lapsed00000000000000000000000001";
  const char *ids[] = { id };
  const char *first = "https://cdn.example.com/v/a.mp4?Signature=one";
  const char *second = "https://cdn.example.com/v/a.mp4?Signature=two";
  g_autofree char *first_body = success_body_with_link (id, first);
  g_autofree char *second_body = success_body_with_link (id, second);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  DailiesTaskStore *store;
  DailiesTask *task;
  gint64 seen;
  Fixture f;

  fixture_init (&f);
  store = open_store (f.db_path);
  dailies_task_store_add_ids (store, ids, 1);
  task = dailies_task_store_lookup (store, id);
  apply_body (store, task, first_body, 200);

  /* Days after finish_time, but the link arrived just now: valid. */
  seen = dailies_task_get_link_seen (task);
  g_assert_cmpint (seen, >=, now);
  g_assert_cmpint (dailies_task_get_link_expires_at (task), ==, seen + DAILIES_TASK_RESULT_URL_LIFETIME);
  g_assert_false (dailies_task_is_link_expired (task, now));

  /* A refusal of some other link changes nothing. */
  g_assert_false (dailies_task_store_mark_link_lapsed (store, task, second));
  g_assert_false (dailies_task_store_mark_link_lapsed (store, task, NULL));
  g_assert_false (dailies_task_is_link_expired (task, now));

  g_assert_true (dailies_task_store_mark_link_lapsed (store, task, first));
  g_assert_false (dailies_task_store_mark_link_lapsed (store, task, first));
  g_assert_cmpint (dailies_task_get_link_lapsed (task), >=, now);
  /* Whatever the clock says, even a clock turned back. */
  g_assert_true (dailies_task_is_link_expired (task, now));
  g_assert_true (dailies_task_is_link_expired (task, 0));
  g_assert_cmpint (dailies_task_get_link_expires_at (task), <=, dailies_task_get_link_lapsed (task));

  close_store (store);
  g_assert_cmpint (query_int (f.db_path, "SELECT link_lapsed > 0 FROM tasks"), ==, 1);
  g_assert_cmpint (query_int (f.db_path, "SELECT link_expires FROM tasks"), ==, 0);

  /* Across a restart. */
  store = open_store (f.db_path);
  task = dailies_task_store_lookup (store, id);
  g_assert_true (dailies_task_is_link_expired (task, now));
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, seen);

  /* The same link again is still the refused link. */
  apply_body (store, task, first_body, 200);
  g_assert_true (dailies_task_is_link_expired (task, now));
  g_assert_cmpint (dailies_task_get_link_seen (task), ==, seen);

  /* Another link is judged afresh. */
  apply_body (store, task, second_body, 200);
  g_assert_cmpint (dailies_task_get_link_lapsed (task), ==, 0);
  g_assert_false (dailies_task_is_link_expired (task, now));
  close_store (store);

  store = open_store (f.db_path);
  task = dailies_task_store_lookup (store, id);
  g_assert_cmpstr (dailies_task_get_result_url (task), ==, second);
  g_assert_cmpint (dailies_task_get_link_lapsed (task), ==, 0);
  g_assert_false (dailies_task_is_link_expired (task, now));
  close_store (store);

  fixture_clear (&f);
}

/* A database of the first schema gets the new columns, and each stored
 * link the earliest time Dailies can have received it. */
static void
test_migrate_from_version_1 (void)
{
  g_autofree char *folder = NULL;
  DailiesTaskStore *store;
  Fixture f;

  fixture_init (&f);
  folder = g_path_get_dirname (f.db_path);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  /* The first schema, as Dailies 1 wrote it. */
  exec_on (f.db_path,
           "CREATE TABLE tasks (id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL,"
           " status INTEGER NOT NULL DEFAULT 0, status_text TEXT, progress INTEGER NOT NULL DEFAULT -1,"
           " submit_time INTEGER NOT NULL DEFAULT 0, start_time INTEGER NOT NULL DEFAULT 0,"
           " finish_time INTEGER NOT NULL DEFAULT 0, fail_reason TEXT, result_url TEXT,"
           " original_result_url TEXT, request_id TEXT, model TEXT, raw_json TEXT,"
           " first_seen INTEGER NOT NULL DEFAULT 0, last_polled INTEGER NOT NULL DEFAULT 0,"
           " last_error TEXT, http_status INTEGER NOT NULL DEFAULT 0, local_path TEXT);"
           "INSERT INTO tasks (id, position, status, finish_time, first_seen, last_polled, result_url) VALUES"
           " ('asyntask_Finished', 0, 4, 1777288800, 1777288000, 1777300000, 'https://cdn.example.com/a.mp4'),"
           " ('asyntask_AddedLater', 1, 4, 1777288800, 1777290000, 1777300000, 'https://cdn.example.com/b.mp4'),"
           " ('asyntask_NoTimes', 2, 4, 0, 0, 1777300000, 'https://cdn.example.com/c.mp4'),"
           " ('asyntask_Running', 3, 3, 0, 1777288000, 1777300000, NULL),"
           " ('asyntask_Signed', 4, 4, 1777288800, 1777288000, 1777300000,"
           "  'https://cdn.example.com/d.mp4?Expires=1777375200&Signature=x');"
           "PRAGMA user_version = 1;");

  store = open_store (f.db_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 5);
  /* A link that says when it lapses is judged by that. */
  g_assert_cmpint (dailies_task_get_link_expires_at (dailies_task_store_lookup (store, "asyntask_Signed")), ==, 1777375200);
  g_assert_cmpint (dailies_task_get_link_seen (dailies_task_store_lookup (store, "asyntask_Finished")), ==, 1777288800);
  g_assert_cmpint (dailies_task_get_link_seen (dailies_task_store_lookup (store, "asyntask_AddedLater")), ==, 1777290000);
  g_assert_cmpint (dailies_task_get_link_seen (dailies_task_store_lookup (store, "asyntask_NoTimes")), ==, 1777300000);
  g_assert_cmpint (dailies_task_get_link_seen (dailies_task_store_lookup (store, "asyntask_Running")), ==, 0);
  g_assert_cmpint (dailies_task_get_link_lapsed (dailies_task_store_lookup (store, "asyntask_Finished")), ==, 0);
  g_assert_cmpint (dailies_task_get_link_expires_at (dailies_task_store_lookup (store, "asyntask_AddedLater")), ==,
                   1777290000 + DAILIES_TASK_RESULT_URL_LIFETIME);
  close_store (store);

  g_assert_cmpint (query_int (f.db_path, "PRAGMA user_version"), ==, DAILIES_TASK_STORE_SCHEMA_VERSION);
  g_assert_cmpint (DAILIES_TASK_STORE_SCHEMA_VERSION, ==, 6);
  g_assert_cmpint (query_int (f.db_path, "SELECT count(*) FROM import_journal"), ==, 0);
  g_assert_cmpint (query_int (f.db_path, "SELECT link_expires FROM tasks WHERE id = 'asyntask_Finished'"), ==, -1);

  fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (argc == 3 && g_str_equal (argv[1], WRITER_CHILD_ARG))
    return run_writer_child (argv[2]);
  if (argc == 3 && g_str_equal (argv[1], IMPORT_CHILD_ARG))
    return run_import_child (argv[2]);

  self_exe = g_canonicalize_filename (argv[0], NULL);
  g_log_set_writer_func (count_read_back_lines, NULL, NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/task-store/round-trip", test_round_trip);
  g_test_add_func ("/dailies/task-store/record-error-not-found", test_record_error_not_found);
  g_test_add_func ("/dailies/task-store/new-task-first-seen", test_new_task_first_seen);
  g_test_add_func ("/dailies/task-store/remove-restore", test_remove_restore);
  g_test_add_func ("/dailies/task-store/remove-restore-many", test_remove_restore_many);
  g_test_add_func ("/dailies/task-store/remove-restore-scattered", test_remove_restore_scattered);
  g_test_add_func ("/dailies/task-store/forget-removed", test_forget_removed);
  g_test_add_func ("/dailies/task-store/removed-tasks-released", test_removed_tasks_released);
  g_test_add_func ("/dailies/task-store/stored-json", test_stored_json);
  g_test_add_func ("/dailies/task-store/stored-json-at-load", test_stored_json_at_load);
  g_test_add_func ("/dailies/task-store/corrupt/garbage", test_corrupt_garbage);
  g_test_add_func ("/dailies/task-store/corrupt/text-file", test_corrupt_text_file);
  g_test_add_func ("/dailies/task-store/corrupt/truncated", test_corrupt_truncated);
  g_test_add_func ("/dailies/task-store/corrupt/foreign-schema", test_foreign_schema);
  g_test_add_func ("/dailies/task-store/too-new", test_too_new);
  g_test_add_func ("/dailies/task-store/migrate-from-version-1", test_migrate_from_version_1);
  g_test_add_func ("/dailies/task-store/migrate-from-version-2", test_migrate_from_version_2);
  g_test_add_func ("/dailies/task-store/upsert-sets-every-column", test_upsert_sets_every_column);
  g_test_add_func ("/dailies/task-store/link-lapsed", test_link_lapsed);
  g_test_add_func ("/dailies/task-store/in-memory", test_in_memory);
  g_test_add_func ("/dailies/task-store/load-async", test_load_async);
  g_test_add_func ("/dailies/task-store/write-failed", test_write_failed);
  g_test_add_func ("/dailies/task-store/many", test_many);
  g_test_add_func ("/dailies/task-store/load-order", test_load_order);
  g_test_add_func ("/dailies/task-store/fresh-rows", test_fresh_rows);
  g_test_add_func ("/dailies/task-store/fresh-then-changed", test_fresh_then_changed);
  g_test_add_func ("/dailies/task-store/fresh-rows-refused", test_fresh_rows_refused);
  g_test_add_func ("/dailies/task-store/undo-after-readd", test_undo_after_readd);
  g_test_add_func ("/dailies/task-store/undo-after-readd-written", test_undo_after_readd_written);
  g_test_add_func ("/dailies/task-store/undo-after-readd-answered", test_undo_after_readd_answered);
  g_test_add_func ("/dailies/task-store/committed-json-leaves-memory", test_committed_json_leaves_memory);
  g_test_add_func ("/dailies/task-store/import-journal/after-kill", test_import_journal_after_kill);
  g_test_add_func ("/dailies/task-store/import-journal/damaged-line", test_import_journal_damaged_line);
  g_test_add_func ("/dailies/task-store/import-journal/small-batches", test_import_journal_small_batches);
  g_test_add_func ("/dailies/task-store/import-journal/removed-twice", test_import_journal_removed_twice);
  g_test_add_func ("/dailies/task-store/import-journal/mixed-seconds", test_import_journal_mixed_seconds);
  g_test_add_func ("/dailies/task-store/import-journal/refused", test_import_journal_refused);
  g_test_add_func ("/dailies/task-store/import-journal/move-refused", test_import_journal_move_refused);
  g_test_add_func ("/dailies/task-store/import-journal/move-retried", test_import_journal_move_retried);
  g_test_add_func ("/dailies/task-store/import-journal/emptied-by-changes", test_import_journal_emptied_by_changes);
  g_test_add_func ("/dailies/task-store/import-journal/readded-answered", test_import_journal_readded_answered);
  g_test_add_func ("/dailies/task-store/import-reaches-file", test_import_reaches_file);
  g_test_add_func ("/dailies/task-store/import-reaches-file-at-close", test_import_reaches_file_at_close);
  g_test_add_func ("/dailies/task-store/import-reaches-file-after-reader", test_import_reaches_file_after_reader);
  g_test_add_func ("/dailies/task-store/import-copy-given-up-while-reader-holds", test_import_copy_given_up_while_reader_holds);
  g_test_add_func ("/dailies/task-store/import-gives-memory-back", test_import_gives_memory_back);
  g_test_add_func ("/dailies/task-store/log-back-to-usual-after-import", test_log_back_to_usual_after_import);
  g_test_add_func ("/dailies/task-store/lone-answer-writes-its-page", test_lone_answer_writes_its_page);
  g_test_add_func ("/dailies/task-store/unfinished-json-left-in-file", test_unfinished_json_left_in_file);
  g_test_add_func ("/dailies/task-store/read-back-errors-logged-once", test_read_back_errors_logged_once);
  g_test_add_func ("/dailies/task-store/kill-during-writes", test_kill_during_writes);

  ret = g_test_run ();
  g_free (self_exe);

  return ret;
}
