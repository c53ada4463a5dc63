/* test-task-view.c
 *
 * A real DailiesTaskView in a window on a real display (Xvfb), showing a
 * real DailiesTask: each property change updates what shows it, and only
 * that; a group with nothing to show hides. A download's progress
 * rewrites neither the raw JSON (a selection in it survives) nor looks at
 * the kept file again. A task whose answer is in the database only has it
 * read from the file once when shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dailies-format.h"
#include "dailies-player.h"
#include "dailies-task-store-private.h"
#include "dailies-task-view.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"

typedef struct
{
  GtkWindow       *window;
  DailiesTaskView *view;
  DailiesTask     *task;
  char            *dir;
  guint            n_raw_changes;
} Fixture;

static gboolean
window_is_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  f->view = DAILIES_TASK_VIEW (dailies_task_view_new ());
  gtk_window_set_default_size (f->window, 720, 800);
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  gtk_window_present (f->window);
  g_assert_true (dailies_test_wait_until (window_is_mapped, f->window, 5000));
  f->dir = dailies_test_make_temp_dir ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  dailies_task_view_set_task (f->view, NULL);
  gtk_window_destroy (f->window);
  g_clear_object (&f->task);
  dailies_test_rm_rf (f->dir);
  g_free (f->dir);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* The task as the poller leaves it after the answer in @name, shown. */
static void
show_fixture (Fixture    *f,
              const char *name)
{
  g_autofree char *fixture = dailies_test_load_fixture_text (name);
  g_auto(GStrv) parts = g_strsplit (fixture, "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com", -1);
  /* The player opens the result link of a finished task: a closed port on
   * loopback rather than the real storage host, so nothing leaves the machine. */
  g_autofree char *body = g_strjoinv ("http://127.0.0.1:9", parts);
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), &error);

  g_assert_no_error (error);
  if (f->task == NULL)
    {
      f->task = dailies_task_new (response->task_id);
      dailies_task_view_set_task (f->view, f->task);
    }
  dailies_task_apply_response (f->task, response, body, 200, now_seconds ());
}

static GtkTextView *
raw_view (Fixture *f)
{
  GtkWidget *view = dailies_test_find_widget (GTK_WIDGET (f->view), GTK_TYPE_TEXT_VIEW, NULL);

  g_assert_nonnull (view);
  return GTK_TEXT_VIEW (view);
}

static char *
dup_raw_text (Fixture *f)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (raw_view (f));
  GtkTextIter begin, end;

  gtk_text_buffer_get_bounds (buffer, &begin, &end);
  return gtk_text_buffer_get_text (buffer, &begin, &end, TRUE);
}

static void
raw_changed_cb (GtkTextBuffer *buffer,
                Fixture       *f)
{
  f->n_raw_changes++;
}

/* Opens Raw Response as the user does, and counts each rewrite of its
 * buffer from then on. */
static void
open_raw (Fixture *f)
{
  GtkWidget *expander = dailies_test_find_widget (GTK_WIDGET (f->view), GTK_TYPE_EXPANDER, NULL);
  g_autofree char *shown = NULL;

  g_assert_nonnull (expander);
  g_assert_true (gtk_widget_get_visible (expander));
  gtk_expander_set_expanded (GTK_EXPANDER (expander), TRUE);
  shown = dup_raw_text (f);
  g_assert_cmpstr (shown, ==, dailies_task_get_raw_json (f->task));

  g_signal_connect (gtk_text_view_get_buffer (raw_view (f)), "changed", G_CALLBACK (raw_changed_cb), f);
  f->n_raw_changes = 0;
}

static double
shown_fraction (Fixture *f)
{
  GtkWidget *bar = dailies_test_find_widget (GTK_WIDGET (f->view), GTK_TYPE_PROGRESS_BAR, NULL);

  g_assert_nonnull (bar);
  g_assert_true (gtk_widget_get_visible (bar));
  return gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar));
}

static gboolean
is_row_titled (GtkWidget     *widget,
               gconstpointer  title)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

/* A row's text, or NULL when it is hidden, or its group is. */
static const char *
shown_row (Fixture    *f,
           const char *title)
{
  GtkWidget *row = dailies_test_find_widget_where (GTK_WIDGET (f->view), is_row_titled, title);

  g_assert_nonnull (row);
  if (!gtk_widget_is_visible (row))
    return NULL;
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static gboolean
is_label_starting (GtkWidget     *widget,
                   gconstpointer  prefix)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) &&
         g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix);
}

static const char *
player_uri (Fixture *f)
{
  return dailies_player_get_uri (DAILIES_PLAYER (dailies_task_view_get_player (f->view)));
}

typedef struct
{
  Fixture    *f;
  const char *uri;
} PlayerWait;

static gboolean
player_has_uri (gpointer user_data)
{
  PlayerWait *wait = user_data;

  return g_strcmp0 (player_uri (wait->f), wait->uri) == 0;
}

static gboolean
link_state_shown (gpointer user_data)
{
  Fixture *f = user_data;

  return dailies_task_view_get_shown_link_state (f->view) != NULL;
}

static gboolean
answer_left_memory (gpointer user_data)
{
  return !dailies_task_has_raw_json_in_memory (user_data);
}

/* A task whose answer is in the database only (every committed answer's
 * is): showing it reads that answer from the file once, for the details
 * and the raw view both, and opening the raw view does not read it again.
 * The answer names its link three times, so it was stored packed: the
 * raw view shows it as it came. */
static void
test_stored_answer_read_once (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (path);
  g_autofree char *body = dailies_test_load_fixture_text ("response-success.json");
  g_autofree char *shown = NULL;
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *id;
  DailiesTask *task;
  guint reads;

  g_assert_true (dailies_task_store_load (store, &error));
  g_assert_no_error (error);
  response = dailies_task_response_parse (body, strlen (body), &error);
  g_assert_no_error (error);
  id = response->task_id;
  g_assert_cmpuint (dailies_task_store_add_ids (store, &id, 1), ==, 1);
  task = dailies_task_store_lookup (store, id);
  dailies_task_store_apply_response (store, task, response, body, 200);
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (dailies_test_wait_until (answer_left_memory, task, 5000));

  reads = dailies_task_store_count_json_reads (store);
  f->task = g_object_ref (task);
  dailies_task_view_set_task (f->view, f->task);
  g_assert_cmpuint (dailies_task_store_count_json_reads (store), ==, reads + 1);
  /* Read from the answer alone, not kept with the task. */
  g_assert_nonnull (response->resolution);
  g_assert_cmpstr (shown_row (f, "Resolution"), ==, response->resolution);

  open_raw (f);
  g_assert_cmpuint (dailies_task_store_count_json_reads (store), ==, reads + 1);
  shown = dup_raw_text (f);
  g_assert_cmpstr (shown, ==, body);
}

/* 1,000 progress answers for a running task: the bar follows each, the
 * raw JSON is not set once. */
static void
test_progress_only (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *raw_before = NULL;
  g_autofree char *raw_after = NULL;

  show_fixture (f, "response-in-progress.json");
  open_raw (f);
  raw_before = dup_raw_text (f);
  g_assert_cmpfloat_with_epsilon (shown_fraction (f), 0.5, 1e-9);

  for (int i = 0; i < 1000; i++)
    {
      int progress = i % 100;

      /* 50 is the value it has: a change each time. */
      dailies_task_set_progress (f->task, progress == 50 ? 51 : progress);
      if (i % 97 == 0)
        g_assert_cmpfloat_with_epsilon (shown_fraction (f), (progress == 50 ? 51 : progress) / 100.0, 1e-9);
    }
  dailies_test_wait_for_frames (GTK_WIDGET (f->view));

  g_assert_cmpfloat_with_epsilon (shown_fraction (f), 0.99, 1e-9);
  g_assert_cmpuint (f->n_raw_changes, ==, 0);
  raw_after = dup_raw_text (f);
  g_assert_cmpstr (raw_after, ==, raw_before);
}

/* A kept video: while another copy downloads, 1,000 progress updates
 * neither rewrite the raw JSON nor look at the kept file. The file going
 * away is noticed only when the local path changes. */
static void
test_download_progress (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *source = g_test_build_filename (G_TEST_DIST, "..", "src", "dailies-demo.mp4", NULL);
  g_autofree char *path = g_build_filename (f->dir, "kept.mp4", NULL);
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *message = NULL;
  gsize length = 0;
  PlayerWait wait = { f, uri };

  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (path, contents, length, NULL));

  show_fixture (f, "response-success.json");
  /* Its link refused: only the copy can play. */
  dailies_task_set_link_lapsed (f->task, now_seconds ());
  g_assert_true (dailies_task_is_link_expired (f->task, now_seconds ()));
  dailies_task_set_local_path (f->task, path);
  g_assert_true (dailies_test_wait_until (player_has_uri, &wait, 5000));
  g_assert_null (dailies_task_view_get_shown_link_state (f->view));
  open_raw (f);

  /* Gone behind the view's back: a stat would show "Link expired". */
  g_assert_cmpint (g_unlink (path), ==, 0);

  for (int i = 1; i <= 1000; i++)
    {
      g_free (message);
      message = g_strdup_printf ("Keeping a copy… %d kB", i);
      dailies_task_set_keep_state (f->task, i / 1000.0, message);
      if (i % 100 == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  dailies_task_set_keep_state (f->task, -1.0, message);
  /* Any stat started would have answered by now. */
  dailies_test_wait_for_frames (GTK_WIDGET (f->view));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  /* The last message is what the user reads; nothing else moved. */
  g_assert_nonnull (dailies_test_find_widget_where (GTK_WIDGET (f->view), is_label_starting, message));
  g_assert_cmpuint (f->n_raw_changes, ==, 0);
  g_assert_cmpstr (player_uri (f), ==, uri);
  g_assert_null (dailies_task_view_get_shown_link_state (f->view));

  /* A new local path (here: none, then the same again) is looked at. */
  dailies_task_set_keep_state (f->task, -1.0, NULL);
  dailies_task_set_local_path (f->task, NULL);
  dailies_task_set_local_path (f->task, path);
  g_assert_true (dailies_test_wait_until (link_state_shown, f, 5000));
  g_assert_nonnull (strstr (dailies_task_view_get_shown_link_state (f->view), "no local copy"));
  g_assert_null (player_uri (f));
  g_assert_cmpuint (f->n_raw_changes, ==, 0);
}

static void
progress_updates (Fixture *f,
                  int      n)
{
  for (int i = 1; i <= n; i++)
    {
      g_autofree char *message = g_strdup_printf ("Keeping a copy… %d kB", i);

      dailies_task_set_keep_state (f->task, (double) i / n, message);
      dailies_task_set_last_polled (f->task, now_seconds () + i);
      if (i % 10 == 0)
        dailies_test_wait_for_frames (GTK_WIDGET (f->view));
    }
}

/* Text selected in Raw Response, or in the task ID, stays selected
 * through 100 progress updates. (One at a time: like any two selections,
 * the second one takes the primary selection from the first.) */
static void
test_selection_survives (Fixture       *f,
                         gconstpointer  data)
{
  GtkTextBuffer *buffer;
  GtkTextIter begin, end;
  GtkWidget *id_label;
  int start = -1, stop = -1;

  show_fixture (f, "response-success.json");
  open_raw (f);
  buffer = gtk_text_view_get_buffer (raw_view (f));
  gtk_text_buffer_get_iter_at_offset (buffer, &begin, 10);
  gtk_text_buffer_get_iter_at_offset (buffer, &end, 60);
  gtk_text_buffer_select_range (buffer, &begin, &end);
  dailies_test_wait_for_frames (GTK_WIDGET (f->view));

  progress_updates (f, 100);

  g_assert_cmpuint (f->n_raw_changes, ==, 0);
  g_assert_true (gtk_text_buffer_get_selection_bounds (buffer, &begin, &end));
  g_assert_cmpint (gtk_text_iter_get_offset (&begin), ==, 10);
  g_assert_cmpint (gtk_text_iter_get_offset (&end), ==, 60);

  id_label = dailies_test_find_widget_where (GTK_WIDGET (f->view), is_label_starting,
                                             dailies_task_get_id (f->task));
  g_assert_nonnull (id_label);
  gtk_label_select_region (GTK_LABEL (id_label), 3, 12);
  dailies_test_wait_for_frames (GTK_WIDGET (f->view));

  progress_updates (f, 100);

  g_assert_true (gtk_label_get_selection_bounds (GTK_LABEL (id_label), &start, &stop));
  g_assert_cmpint (start, ==, 3);
  g_assert_cmpint (stop, ==, 12);
}

/* Each property shows where the user looks for it. */
static void
test_each_property (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *submitted = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *shown_raw = NULL;
  g_autofree char *failed_words = NULL;
  const char *reason = "The content was flagged by the safety system.";
  gint64 now = now_seconds ();

  show_fixture (f, "response-in-progress.json");
  open_raw (f);
  g_assert_null (strstr (dailies_task_view_get_shown_status (f->view), "Failed"));

  /* Times */
  dailies_task_set_times (f->task, now - 600, now - 500, 0);
  submitted = dailies_format_timestamp (now - 600);
  g_assert_cmpstr (shown_row (f, "Submitted"), ==, submitted);
  g_assert_null (shown_row (f, "Finished"));
  dailies_task_set_times (f->task, now - 600, now - 500, now - 10);
  finished = dailies_format_timestamp (now - 10);
  g_assert_cmpstr (shown_row (f, "Finished"), ==, finished);

  /* Progress */
  dailies_task_set_progress (f->task, 73);
  g_assert_cmpfloat_with_epsilon (shown_fraction (f), 0.73, 1e-9);

  /* Status, and the failure reason with it */
  dailies_task_set_fail_reason (f->task, reason);
  g_assert_null (dailies_task_view_get_shown_fail_reason (f->view));
  dailies_task_set_status (f->task, DAILIES_TASK_STATUS_FAILURE, "FAILURE");
  failed_words = dailies_format_status (DAILIES_TASK_STATUS_FAILURE, "FAILURE");
  g_assert_cmpstr (dailies_task_view_get_shown_status (f->view), ==, failed_words);
  g_assert_cmpstr (dailies_task_view_get_shown_fail_reason (f->view), ==, reason);
  /* Finished: no progress bar any more. */
  g_assert_false (gtk_widget_get_visible (dailies_test_find_widget (GTK_WIDGET (f->view),
                                                                    GTK_TYPE_PROGRESS_BAR, NULL)));
  dailies_task_set_fail_reason (f->task, "Another reason");
  g_assert_cmpstr (dailies_task_view_get_shown_fail_reason (f->view), ==, "Another reason");
  g_assert_cmpuint (f->n_raw_changes, ==, 0);

  /* New raw JSON is shown, once. */
  raw = g_strdup_printf ("{\"code\":\"success\",\"data\":{\"task_id\":\"%s\",\"status\":\"FAILURE\"}}",
                         dailies_task_get_id (f->task));
  dailies_task_set_raw_json (f->task, raw);
  shown_raw = dup_raw_text (f);
  g_assert_cmpstr (shown_raw, ==, raw);
  g_assert_cmpuint (f->n_raw_changes, >=, 1);
}

static gboolean
is_group_titled (GtkWidget     *widget,
                 gconstpointer  title)
{
  return ADW_IS_PREFERENCES_GROUP (widget) &&
         g_strcmp0 (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget)), title) == 0;
}

static gboolean
group_shown (Fixture    *f,
             const char *title)
{
  GtkWidget *group = dailies_test_find_widget_where (GTK_WIDGET (f->view), is_group_titled, title);

  g_assert_nonnull (group);
  return gtk_widget_is_visible (group);
}

/* A group with nothing to show is not shown: no title over an empty box
 * for a task not answered yet, or one the service does not know. */
static void
test_empty_groups_hidden (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(DailiesTask) waiting = dailies_task_new ("asyntask_EmptyGroups000000000001");
  g_autoptr(DailiesTask) fresh = dailies_task_new ("asyntask_EmptyGroups000000000002");

  dailies_task_view_set_task (f->view, waiting);
  g_assert_false (group_shown (f, "Timing"));
  g_assert_false (group_shown (f, "Details"));
  g_assert_false (group_shown (f, "Connection"));

  /* Not found: the connection says so; still no times, no details. */
  dailies_task_begin_changes (waiting);
  dailies_task_set_last_error (waiting, "HTTP 404: task not found", 404);
  dailies_task_set_last_polled (waiting, now_seconds ());
  dailies_task_set_status (waiting, DAILIES_TASK_STATUS_NOT_FOUND, NULL);
  dailies_task_end_changes (waiting);
  g_assert_true (group_shown (f, "Connection"));
  g_assert_cmpstr (shown_row (f, "HTTP status"), ==, "404");
  /* It did not fail: the service never had it. */
  g_assert_true (group_shown (f, "Why It Was Not Found"));
  g_assert_false (group_shown (f, "Timing"));
  g_assert_false (group_shown (f, "Details"));

  /* A finished task has all three, and one of each group shows. */
  show_fixture (f, "response-success.json");
  g_assert_true (group_shown (f, "Timing"));
  g_assert_true (group_shown (f, "Details"));
  g_assert_true (group_shown (f, "Connection"));
  g_assert_nonnull (shown_row (f, "Finished"));

  show_fixture (f, "response-failure.json");
  g_assert_true (group_shown (f, "Why It Failed"));

  /* Another task not answered yet: hidden again. */
  dailies_task_view_set_task (f->view, fresh);
  g_assert_false (group_shown (f, "Timing"));
  g_assert_false (group_shown (f, "Details"));
  g_assert_false (group_shown (f, "Connection"));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* A kept copy starts the view's player. */
  gst_init (&argc, &argv);

  g_test_add ("/dailies/task-view/progress-only", Fixture, NULL, fixture_set_up, test_progress_only, fixture_tear_down);
  g_test_add ("/dailies/task-view/download-progress", Fixture, NULL, fixture_set_up, test_download_progress, fixture_tear_down);
  g_test_add ("/dailies/task-view/selection-survives", Fixture, NULL, fixture_set_up, test_selection_survives, fixture_tear_down);
  g_test_add ("/dailies/task-view/stored-answer-read-once", Fixture, NULL, fixture_set_up, test_stored_answer_read_once, fixture_tear_down);
  g_test_add ("/dailies/task-view/empty-groups-hidden", Fixture, NULL, fixture_set_up, test_empty_groups_hidden, fixture_tear_down);
  g_test_add ("/dailies/task-view/each-property", Fixture, NULL, fixture_set_up, test_each_property, fixture_tear_down);

  return g_test_run ();
}
