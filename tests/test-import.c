/* test-import.c
 *
 * Lists of task IDs coming in as a user gives them: dropped, pasted,
 * opened, piped to `dailies -`; read off the main thread, with one
 * summary for every path, progress and Cancel for long lists, the order
 * of the file kept and the first new task shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <X11/Xlib.h>
#include <gdk/x11/gdkx.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dailies-demo-server.h"
#include "dailies-id-parser.h"
#include "dailies-import.h"
#include "dailies-poller.h"
#include "dailies-quitting.h"
#include "dailies-player.h"
#include "dailies-task-store.h"
#include "dailies-task-view.h"
#include "dailies-test-audio-sink.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"
#include "dailies-window-private.h"

#define WAIT_MS 20000
/* What each part of an import's Details is, said under its title. */
#define NOTE_IN_COMMENTS "These task IDs were in comments (after # or //) and were read like the others, so they " \
                         "are in the list: remove any you had commented out to leave alone. At most 50 are named here."
#define NOTE_LINES "These lines held no task ID and were skipped. At most 50 are kept here, each cut to 80 characters."
#define NOTE_PROBLEMS "These lists could not be read, or were read only in part."
/* A demo task: always in the list. */
#define LISTED_ID "asyntask_DemoHarbourSunrise00000000000001"
/* What every path says for a list of two new IDs, one listed, one stray line. */
#define SUMMARY "Added 2 tasks · 1 already listed · 1 line without a task ID"

typedef void (*AppTestFunc) (DailiesApplication *app);

static void
call_body (DailiesApplication *app,
           gpointer            func)
{
  ((AppTestFunc) func) (app);
}

static void
run_app_test (AppTestFunc func)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, call_body, func);
}

static char *
list_for (const char *path)
{
  return g_strdup_printf ("asyntask_%sNumber00000001\nnot a task at all\n" LISTED_ID "\nasyntask_%sNumber00000002\n",
                          path, path);
}

static gboolean
store_loaded (gpointer user_data)
{
  DailiesApplication *app = user_data;

  return dailies_task_store_lookup (dailies_application_get_store (app), LISTED_ID) != NULL;
}

static DailiesWindow *
wait_for_app (DailiesApplication *app)
{
  dailies_test_wait_for_window (GTK_APPLICATION (app));
  g_assert_true (dailies_test_wait_until (store_loaded, app, WAIT_MS));

  return DAILIES_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
}

/* The toast says @summary, then a new one can be told apart. */
static void
assert_summary (DailiesWindow *window,
                const char    *summary)
{
  dailies_test_wait_for_toast (window, summary, WAIT_MS);
  g_assert_cmpstr (dailies_window_get_last_toast (window), ==, summary);
  dailies_window_add_toast (window, "-");
}

static gboolean
has_message_dialog (gpointer user_data)
{
  return dailies_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

/* Adds the text of every label under @widget, in order, a line each. */
static void
collect_labels (GtkWidget *widget,
                GString   *text)
{
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "", gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, text);
}

/* Waits for the last summary's Details: once opened, checks that its
 * heading is @heading and returns what its list shows: each part's title
 * (when there are several) and lines. */
static char *
wait_for_details (const char *heading)
{
  AdwMessageDialog *dialog;
  GtkWidget *list;
  GString *text = g_string_new (NULL);

  g_assert_true (dailies_test_wait_until (has_message_dialog, NULL, WAIT_MS));
  dialog = ADW_MESSAGE_DIALOG (dailies_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
  list = adw_message_dialog_get_extra_child (dialog);
  g_assert_nonnull (list);
  g_assert_nonnull (dailies_test_find_widget (list, GTK_TYPE_LABEL, "monospace"));
  collect_labels (list, text);
  gtk_window_destroy (GTK_WINDOW (dialog));

  return g_string_free (text, FALSE);
}

/* The same, opened as the summary's button opens it. */
static char *
open_details (DailiesWindow *window,
              const char    *heading)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-rejected", NULL));

  return wait_for_details (heading);
}

/* The Details button of the toast that says what the last import did. */
static GtkWidget *
find_details_button (DailiesWindow *window)
{
  GtkWidget *toast = dailies_test_find_toast (GTK_WIDGET (window), dailies_window_get_last_toast (window), TRUE);

  return toast != NULL ? dailies_test_find_button (toast, "Details") : NULL;
}

static gboolean
has_details_button (gpointer user_data)
{
  return find_details_button (user_data) != NULL;
}

typedef struct
{
  DailiesWindow *window;
  const char    *title;
} ToastOf;

static gboolean
toast_is_up (gpointer user_data)
{
  const ToastOf *toast = user_data;

  return dailies_test_find_toast (GTK_WIDGET (toast->window), toast->title, TRUE) != NULL;
}

static gboolean
toast_is_gone (gpointer user_data)
{
  const ToastOf *toast = user_data;

  return dailies_test_find_toast (GTK_WIDGET (toast->window), toast->title, FALSE) == NULL;
}

/* The same, for a list that starts with @first_line. */
static void
assert_details (DailiesWindow *window,
                const char    *heading,
                const char    *first_line)
{
  g_autofree char *text = open_details (window, heading);

  g_assert_true (g_str_has_prefix (text, first_line));
}

static char *
write_list (const char *dir,
            const char *path)
{
  g_autofree char *text = list_for (path);
  char *file = g_build_filename (dir, path, NULL);

  g_assert_true (g_file_set_contents (file, text, -1, NULL));

  return file;
}

static void
drop_value (DailiesWindow *window,
            const GValue  *value)
{
  GtkEventController *target = dailies_test_find_controller (GTK_WIDGET (window), GTK_TYPE_DROP_TARGET);
  gboolean handled = FALSE;

  g_signal_emit_by_name (target, "drop", value, 10.0, 10.0, &handled);
  g_assert_true (handled);
}

/* Drop (text and a file), paste (text and a file), Open, the desktop's Open: one summary. */
static void
test_paths_body (DailiesApplication *app)
{
  DailiesWindow *window = wait_for_app (app);
  GtkWidget *widget = GTK_WIDGET (window);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  GValue value = G_VALUE_INIT;

  /* First, while no other toast is up (each waits for the one before):
   * a script pasted whole. The ID in its comment is added too, and the
   * summary says so, in case it was commented out to be left alone. */
  gdk_clipboard_set_text (clipboard, "#!/bin/sh\n# submitted asyntask_CommentNumber00000001 yesterday\n"
                                     "asyntask_CommentNumber00000002\necho \"all sent\"\n");
  g_assert_true (gtk_widget_activate_action (widget, "win.paste", NULL));
  {
    ToastOf first = { window, "Added 2 tasks · 1 ID read from a comment · 1 line without a task ID" };
    ToastOf next = { window, "Added 3 tasks · 1 ID read from a comment" };
    g_autofree char *details = NULL;

    g_assert_true (dailies_test_wait_until (toast_is_up, &first, WAIT_MS));
    /* Its Details: each part under its title, with what it is. */
    details = open_details (window, "Import Details");
    g_assert_cmpstr (details, ==, "Task IDs read from comments\n" NOTE_IN_COMMENTS "\n"
                                  "asyntask_CommentNumber00000001\n"
                                  "Lines without a task ID\n" NOTE_LINES "\n"
                                  "echo \"all sent\"");
    g_clear_pointer (&details, g_free);

    /* Another list at once: its summary takes the place of that one,
     * which libadwaita would otherwise keep up for its 10 s first. */
    gdk_clipboard_set_text (clipboard, "asyntask_CommentNumber00000003\n// asyntask_CommentNumber00000004\n"
                                       "asyntask_CommentNumber00000005\n");
    g_assert_true (gtk_widget_activate_action (widget, "win.paste", NULL));
    g_assert_true (dailies_test_wait_until (toast_is_up, &next, 5000));
    g_assert_true (dailies_test_wait_until (toast_is_gone, &first, 5000));

    /* Its Details, from the toast's button, name the ID read from a
     * comment, and nothing else. */
    g_assert_true (dailies_test_wait_until (has_details_button, window, WAIT_MS));
    gtk_widget_activate (find_details_button (window));
    details = wait_for_details ("Task IDs Read From Comments");
    g_assert_cmpstr (details, ==, "asyntask_CommentNumber00000004");
    g_clear_pointer (&details, g_free);

    /* And the next list's, without comments, only what it left. */
    gdk_clipboard_set_text (clipboard, "asyntask_CommentNumber00000006\nsee above\n");
    g_assert_true (gtk_widget_activate_action (widget, "win.paste", NULL));
    dailies_test_wait_for_toast (window, "Added 1 task · 1 line without a task ID", WAIT_MS);
    details = open_details (window, "Lines Without a Task ID");
    g_assert_cmpstr (details, ==, "see above");
  }
  dailies_window_add_toast (window, "-");

  {
    g_autofree char *text = list_for ("DropText");

    g_value_init (&value, G_TYPE_STRING);
    g_value_set_string (&value, text);
    drop_value (window, &value);
    g_value_unset (&value);
    assert_summary (window, SUMMARY);
  }

  {
    g_autofree char *file = write_list (dir, "DropFile");

    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_take_boxed (&value, g_slist_append (NULL, g_file_new_for_path (file)));
    drop_value (window, &value);
    g_value_unset (&value);
    assert_summary (window, SUMMARY);
  }

  {
    g_autofree char *text = list_for ("PasteText");

    gdk_clipboard_set_text (clipboard, text);
    g_assert_true (gtk_widget_activate_action (widget, "win.paste", NULL));
    assert_summary (window, SUMMARY);
  }

  {
    g_autofree char *file = write_list (dir, "PasteFile");
    GSList *files = g_slist_append (NULL, g_file_new_for_path (file));

    gdk_clipboard_set (clipboard, GDK_TYPE_FILE_LIST, files);
    g_slist_free_full (files, g_object_unref);
    g_assert_true (gtk_widget_activate_action (widget, "win.paste", NULL));
    assert_summary (window, SUMMARY);
  }

  {
    g_autofree char *file = write_list (dir, "Open");
    g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
    g_autoptr(GFile) gfile = g_file_new_for_path (file);

    g_list_store_append (files, gfile);
    _dailies_window_import_files (window, G_LIST_MODEL (files));
    assert_summary (window, SUMMARY);
  }

  /* The desktop opening a list with Dailies (D-Bus activation's Open). */
  {
    g_autofree char *file = write_list (dir, "DesktopOpen");
    g_autoptr(GFile) gfile = g_file_new_for_path (file);

    g_application_open (G_APPLICATION (app), &gfile, 1, "");
    assert_summary (window, SUMMARY);
  }

  /* A directory and /dev/zero are refused before reading. */
  {
    g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
    g_autoptr(GFile) folder = g_file_new_for_path (dir);
    g_autoptr(GFile) zero = g_file_new_for_path ("/dev/zero");
    guint n_items = g_list_model_get_n_items (G_LIST_MODEL (dailies_application_get_store (app)));
    g_autofree char *name = g_path_get_basename (dir);
    g_autofree char *refused = g_strdup_printf ("“%s” holds no task IDs: it is not a file", name);

    g_list_store_append (files, folder);
    _dailies_window_import_files (window, G_LIST_MODEL (files));
    assert_summary (window, refused);
    g_list_store_remove_all (files);
    g_list_store_append (files, zero);
    _dailies_window_import_files (window, G_LIST_MODEL (files));
    assert_summary (window, "“zero” holds no task IDs: it is not a file");
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (dailies_application_get_store (app))), ==, n_items);
  }

  dailies_test_rm_rf (dir);
}

static void
test_paths (void)
{
  run_app_test (test_paths_body);
}

/* ------------------------------------------------------------------ */
/* A long list                                                         */
/* ------------------------------------------------------------------ */

#define LONG_LINES 20000

static char *
long_id (const char *what,
         guint       i)
{
  /* Not in alphabetical order: the file's order is what is kept. Each
   * of the first million is another. */
  return g_strdup_printf ("asyntask_%s%08uLongList", what, (guint) (((guint64) i * 7919u) % 1000000u));
}

typedef struct
{
  GOutputStream *out;
  const char    *what;
  guint          from;
  guint          to;
  gboolean       close;
} Writer;

static gpointer
write_lines_thread (gpointer data)
{
  Writer *writer = data;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = writer->from; i < writer->to; i++)
    {
      g_autofree char *id = long_id (writer->what, i);

      g_string_append_printf (text, "%s\n", id);
    }

  g_output_stream_write_all (writer->out, text->str, text->len, NULL, NULL, &error);
  g_assert_no_error (error);
  if (writer->close)
    g_output_stream_close (writer->out, NULL, NULL);

  return NULL;
}

static gboolean
progress_shown (gpointer user_data)
{
  DailiesWindow *window = user_data;

  return gtk_revealer_get_reveal_child (window->import_revealer) &&
         gtk_widget_get_mapped (GTK_WIDGET (window->import_progress));
}

static gboolean
progress_hidden (gpointer user_data)
{
  return !progress_shown (user_data);
}

/* The worst gap between two turns of the main loop. */
typedef struct
{
  gint64 last;
  gint64 worst;
} Probe;

static gboolean
probe_cb (gpointer user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();

  if (probe->last != 0)
    probe->worst = MAX (probe->worst, now - probe->last);

  probe->last = now;

  return G_SOURCE_CONTINUE;
}

static gboolean
import_done (gpointer user_data)
{
  return !dailies_import_get_running (user_data);
}

/* @task is selected, and its row is drawn inside the list's viewport. */
static void
assert_shown (DailiesWindow *window,
              DailiesTask   *task)
{
  GtkSelectionModel *model = gtk_list_view_get_model (window->list_view);
  GtkWidget *scroller = gtk_widget_get_parent (GTK_WIDGET (window->list_view));
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(DailiesTask) item = NULL;
  GtkWidget *row;
  GtkWidget *focus;
  graphene_rect_t bounds;

  selected = gtk_selection_model_get_selection (model);
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 1);
  item = dailies_test_listed_task (G_LIST_MODEL (model), gtk_bitset_get_nth (selected, 0));
  g_assert_true (item == task);

  dailies_test_wait_for_frames (GTK_WIDGET (window));
  dailies_test_wait_for_frames (GTK_WIDGET (window));
  row = dailies_test_find_row_of (GTK_WIDGET (window->list_view), task);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_mapped (row));
  /* The keys go on from there: its row has the focus. */
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (focus == row || gtk_widget_is_ancestor (row, focus));
  g_assert_true (gtk_widget_compute_bounds (row, scroller, &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, -1.0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (scroller) + 1.0);
}

/* 20,000 lines piped in: progress shows, the main loop keeps turning,
 * the order of the file is kept, the first new task is shown. Then
 * another long list, cancelled half way: what was added stays. */
static void
test_long_body (DailiesApplication *app)
{
  DailiesWindow *window = wait_for_app (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  guint old_n_items;
  Probe probe = { 0 };
  guint probe_id;
  int fds[2];

  /* Nothing polls: what the main loop does is the import's. */
  dailies_poller_stop (dailies_application_get_poller (app));
  old_n_items = g_list_model_get_n_items (G_LIST_MODEL (store));

  {
    g_autoptr(DailiesImport) import = dailies_import_new (store);
    g_autoptr(GInputStream) in = NULL;
    g_autoptr(GOutputStream) out = NULL;
    Writer writer = { NULL, "Whole", 0, 15000, FALSE };
    Writer rest = { NULL, "Whole", 15000, LONG_LINES, TRUE };
    GThread *thread;
    g_autofree char *first_id = long_id ("Whole", 0);
    g_autofree char *summary = NULL;

    /* Not inherited by what the app spawns, which would keep it open. */
    g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
    in = g_unix_input_stream_new (fds[0], TRUE);
    out = g_unix_output_stream_new (fds[1], TRUE);
    writer.out = out;
    rest.out = out;

    dailies_import_add_stream (import, in, "a pipe");
    dailies_window_run_import (window, import);

    /* Past 10,000 lines and not done (the rest is still to come): shown. */
    probe_id = g_timeout_add (5, probe_cb, &probe);
    thread = g_thread_new ("writer", write_lines_thread, &writer);
    g_assert_true (dailies_test_wait_until (progress_shown, window, WAIT_MS));
    g_thread_join (thread);
    thread = g_thread_new ("writer", write_lines_thread, &rest);
    g_assert_true (dailies_test_wait_until (import_done, import, WAIT_MS));
    g_source_remove (probe_id);
    g_thread_join (thread);

    g_test_message ("worst main-loop gap while importing %u lines: %" G_GINT64_FORMAT " ms",
                    LONG_LINES, probe.worst / 1000);
    /* A behavioural bound, not a benchmark (`build-aux/dev bench import`
     * measures the stall): loose enough for a loaded 2-core CI machine
     * running two tests at once, tight enough to catch a list parsed or
     * added in one go on the main thread. */
    g_assert_cmpint (probe.worst, <, 500000 * dailies_test_time_scale ());

    summary = g_strdup_printf ("Added %u tasks", LONG_LINES);
    assert_summary (window, summary);
    g_assert_true (dailies_test_wait_until (progress_hidden, window, WAIT_MS));

    /* In the order of the file. */
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, old_n_items + LONG_LINES);
    for (guint i = 0; i < LONG_LINES; i++)
      {
        g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (store), old_n_items + i);
        g_autofree char *id = long_id ("Whole", i);

        g_assert_cmpstr (dailies_task_get_id (task), ==, id);
      }

    /* In the default order (newest added first), the list's first rows,
     * in the file's order. */
    {
      GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (window->list_view));

      for (guint i = 0; i < 100; i++)
        {
          g_autoptr(DailiesTask) task = dailies_test_listed_task (shown, i);
          g_autofree char *id = long_id ("Whole", i);

          g_assert_cmpstr (dailies_task_get_id (task), ==, id);
        }
    }
    assert_shown (window, dailies_task_store_lookup (store, first_id));
  }

  /* Cancelled: a first part is written, the rest never comes. */
  {
    g_autoptr(DailiesImport) import = dailies_import_new (store);
    g_autoptr(GInputStream) in = NULL;
    g_autoptr(GOutputStream) out = NULL;
    Writer writer = { NULL, "Part", 0, 15000, FALSE };
    GThread *thread;
    g_autofree char *summary = NULL;
    guint n_added;

    old_n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
    /* Not inherited by what the app spawns, which would keep it open. */
    g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
    in = g_unix_input_stream_new (fds[0], TRUE);
    out = g_unix_output_stream_new (fds[1], TRUE);
    writer.out = out;

    /* Typing a search meanwhile: the import leaves the focus there. */
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
    g_assert_true (gtk_widget_has_focus (GTK_WIDGET (window->search_entry)) ||
                   gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), GTK_WIDGET (window->search_entry)));

    dailies_import_add_stream (import, in, "a pipe");
    dailies_window_run_import (window, import);
    thread = g_thread_new ("writer", write_lines_thread, &writer);
    g_assert_true (dailies_test_wait_until (progress_shown, window, WAIT_MS));
    g_thread_join (thread);

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-import", NULL));
    g_assert_true (dailies_test_wait_until (import_done, import, WAIT_MS));
    g_assert_true (dailies_import_get_cancelled (import));

    n_added = g_list_model_get_n_items (G_LIST_MODEL (store)) - old_n_items;
    g_assert_cmpuint (n_added, ==, dailies_import_get_n_added (import));
    g_assert_cmpuint (n_added, <=, 15000);
    summary = g_strdup_printf (n_added == 1 ? "Import cancelled: Added %u task" : "Import cancelled: Added %u tasks", n_added);
    assert_summary (window, summary);
    g_assert_true (dailies_test_wait_until (progress_hidden, window, WAIT_MS));
    dailies_test_wait_for_frames (GTK_WIDGET (window));
    dailies_test_wait_for_frames (GTK_WIDGET (window));
    g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), GTK_WIDGET (window->search_entry)));
  }
}

static void
test_long (void)
{
  run_app_test (test_long_body);
}

/* What the progress bar showed while a list was read, in turn. */
typedef struct
{
  GArray   *fractions;
  gboolean  revealed;
} ProgressSeen;

static void
fraction_shown_cb (GtkProgressBar *bar,
                   GParamSpec     *pspec,
                   ProgressSeen   *seen)
{
  double fraction = gtk_progress_bar_get_fraction (bar);

  g_array_append_val (seen->fractions, fraction);
}

static void
reveal_cb (GtkRevealer  *revealer,
           GParamSpec   *pspec,
           ProgressSeen *seen)
{
  seen->revealed |= gtk_revealer_get_reveal_child (revealer);
}

/* Enough that adding them takes several of the import's 100 ms progress
 * turns, however fast the machine. */
#define LONG_FILE_LINES 300000

/* A file past 10,000 lines, opened as Open opens it: its size is known,
 * so the bar shows how far the import has come, never going back, and
 * the summary follows. */
static void
test_long_file_body (DailiesApplication *app)
{
  DailiesWindow *window = wait_for_app (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "long.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL);
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autoptr(GArray) fractions = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(DailiesImport) import = NULL;
  g_autofree char *summary = g_strdup_printf ("Added %u tasks", LONG_FILE_LINES);
  Writer writer = { G_OUTPUT_STREAM (out), "File", 0, LONG_FILE_LINES, TRUE };
  ProgressSeen seen = { fractions, FALSE };
  guint n_between = 0;
  guint old_n_items;

  g_assert_nonnull (out);
  write_lines_thread (&writer);

  /* Nothing polls: the tasks are the import's alone. */
  dailies_poller_stop (dailies_application_get_poller (app));
  old_n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_signal_connect (window->import_progress, "notify::fraction", G_CALLBACK (fraction_shown_cb), &seen);
  g_signal_connect (window->import_revealer, "notify::reveal-child", G_CALLBACK (reveal_cb), &seen);

  g_list_store_append (files, file);
  _dailies_window_import_files (window, G_LIST_MODEL (files));
  import = g_object_ref (window->import);
  g_assert_true (dailies_test_wait_until (import_done, import, WAIT_MS));
  g_signal_handlers_disconnect_by_data (window->import_progress, &seen);
  g_signal_handlers_disconnect_by_data (window->import_revealer, &seen);

  g_assert_true (seen.revealed);
  for (guint i = 0; i < fractions->len; i++)
    {
      double fraction = g_array_index (fractions, double, i);

      if (fraction > 0.0 && fraction < 1.0)
        n_between++;
      if (i > 0)
        g_assert_cmpfloat (fraction, >=, g_array_index (fractions, double, i - 1));
    }
  g_test_message ("the bar showed %u fractions, %u of them between 0 and 1", fractions->len, n_between);
  g_assert_cmpuint (n_between, >, 0);

  assert_summary (window, summary);
  g_assert_true (dailies_test_wait_until (progress_hidden, window, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, old_n_items + LONG_FILE_LINES);

  dailies_test_rm_rf (dir);
}

static void
test_long_file (void)
{
  run_app_test (test_long_file_body);
}

/* Ctrl+O, a list picked in the chooser GTK shows (its own: the portal's
 * is test-portal's) and opened: its tasks listed, the first new one shown,
 * one summary. */
static void
test_open_chooser_body (DailiesApplication *app)
{
#ifdef GDK_WINDOWING_X11
  DailiesWindow *window = wait_for_app (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "picked.txt", NULL);
  g_autofree char *text = list_for ("Chooser");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_null (dailies_task_store_lookup (store, "asyntask_ChooserNumber00000001"));

  dailies_test_xdotool (GTK_WIDGET (window), "key", "ctrl+o", NULL);
  dailies_test_open_in_file_chooser (file);
  assert_summary (window, SUMMARY);
  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_ChooserNumber00000002"));
  assert_shown (window, dailies_task_store_lookup (store, "asyntask_ChooserNumber00000001"));

  dailies_test_rm_rf (dir);
#else
  g_test_skip ("needs X11");
#endif
}

static void
test_open_chooser (void)
{
  run_app_test (test_open_chooser_body);
}

/* Runs @import in @window to its end; returns the summary it showed. */
static const char *
run_to_summary (DailiesWindow *window,
                DailiesImport *import)
{
  const char *toast;

  dailies_window_run_import (window, import);
  g_assert_true (dailies_test_wait_until (import_done, import, WAIT_MS));
  toast = dailies_window_get_last_toast (window);
  g_test_message ("summary: %s", toast);

  return toast;
}

/* Writes @text to @file and imports it anew into @window, in a new
 * import put in *@import; returns the summary it showed. */
static const char *
import_file_again (DailiesWindow    *window,
                   DailiesTaskStore *store,
                   DailiesImport   **import,
                   GFile            *file,
                   GString          *text)
{
  g_assert_true (g_file_replace_contents (file, text->str, text->len, NULL, FALSE, G_FILE_CREATE_NONE,
                                          NULL, NULL, NULL));
  g_clear_object (import);
  *import = dailies_import_new (store);
  dailies_import_add_file (*import, file);

  return run_to_summary (window, *import);
}

/* Standard input past 64 MiB (its size is not known ahead): the IDs
 * before the limit are added, one after it is not, and the summary says
 * the list was read only in part. */
static void
test_stdin_too_large_body (DailiesApplication *app)
{
  DailiesWindow *window = wait_for_app (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autoptr(DailiesImport) import = dailies_import_new (store);
  static const char head[] = "asyntask_BigStdinFirst00000001\nasyntask_BigStdinFirst00000002\n";
  static const char tail[] = "asyntask_BigStdinLast000000001\n";
  gsize size = DAILIES_ID_PARSER_MAX_BYTES + 1024 * 1024;
  char *text = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) in = NULL;
  const char *toast;

  memset (text, '\n', size);
  memcpy (text, head, strlen (head));
  memcpy (text + size - strlen (tail), tail, strlen (tail));
  bytes = g_bytes_new_take (text, size);
  in = g_memory_input_stream_new_from_bytes (bytes);

  dailies_import_add_stream (import, in, "standard input");
  toast = run_to_summary (window, import);

  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_BigStdinFirst00000001"));
  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_BigStdinFirst00000002"));
  g_assert_null (dailies_task_store_lookup (store, "asyntask_BigStdinLast000000001"));
  g_assert_cmpstr (toast, ==, "Added 2 tasks · 1 list read only in part");
  /* Details say why. */
  {
    g_autofree char *limit = g_format_size (DAILIES_ID_PARSER_MAX_BYTES);
    g_autofree char *why = g_strdup_printf ("Only the first %s of “standard input” were read: "
                                            "a list of task IDs is never longer", limit);

    g_assert_cmpstr (dailies_import_get_problems (import)[0], ==, why);
  }
}

static void
test_stdin_too_large (void)
{
  run_app_test (test_stdin_too_large_body);
}

/* A file that stops being text after its first part (a log with a core
 * dump appended, say): the IDs read before stay added, and the summary
 * says the list was read only in part, not that it holds none. */
static void
test_partly_text_body (DailiesApplication *app)
{
  DailiesWindow *window = wait_for_app (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autoptr(DailiesImport) import = dailies_import_new (store);
  g_autoptr(GFileIOStream) io = NULL;
  g_autoptr(GFile) file = g_file_new_tmp ("dailies-partly-text-XXXXXX.txt", &io, NULL);
  g_autoptr(GString) text = g_string_new ("asyntask_PartlyText0000000001\nasyntask_PartlyText0000000002\n");
  g_autofree char *name = NULL;
  g_autofree char *why = NULL;
  const char *toast;

  g_assert_nonnull (file);
  /* Past the reading's first chunk, then bytes that are not UTF-8. */
  while (text->len < 200 * 1024)
    g_string_append (text, "# padding\n");
  /* One more in the same part of the reading as those bytes, and one on
   * the line they cut. */
  g_string_append (text, "asyntask_PartlyText0000000003\nasyntask_PartlyTextCut000001");
  {
    static const char binary[] = "\xff\xfe\x00\x01 asyntask_PartlyTextAfter00001\n";

    g_string_append_len (text, binary, sizeof binary - 1);
  }
  toast = import_file_again (window, store, &import, file, text);

  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_PartlyText0000000001"));
  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_PartlyText0000000002"));
  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_PartlyText0000000003"));
  g_assert_null (dailies_task_store_lookup (store, "asyntask_PartlyTextCut000001"));
  g_assert_null (dailies_task_store_lookup (store, "asyntask_PartlyTextAfter00001"));
  g_assert_cmpstr (toast, ==, "Added 3 tasks · 1 list read only in part");
  name = g_file_get_basename (file);
  why = g_strdup_printf ("Only part of “%s” was read: The file is not text", name);
  g_assert_cmpstr (dailies_import_get_problems (import)[0], ==, why);
  assert_details (window, "Lists Not Read in Full", why);

  /* With a line that held no ID too: both, the list first. */
  g_string_prepend (text, "asyntask_abc (cut short)\n");
  g_string_replace (text, "PartlyText00", "PartlyText01", 0);
  toast = import_file_again (window, store, &import, file, text);
  g_assert_cmpstr (toast, ==, "Added 3 tasks · 1 line without a task ID · 1 list read only in part");
  {
    g_autofree char *details = open_details (window, "Import Details");
    g_autofree char *expected = g_strdup_printf ("Lists not read in full\n" NOTE_PROBLEMS "\n%s\n"
                                                 "Lines without a task ID\n" NOTE_LINES "\nasyntask_abc", why);

    g_assert_cmpstr (details, ==, expected);
  }

  /* And an ID read from a comment: all three, each under its title. */
  {
    g_autoptr(GString) noted = g_string_new_len (text->str, text->len);
    g_autofree char *details = NULL;
    g_autofree char *expected = NULL;

    g_string_prepend (noted, "# retry of asyntask_PartlyTextNoted000001\n");
    g_string_replace (noted, "PartlyText01", "PartlyText02", 0);
    toast = import_file_again (window, store, &import, file, noted);
    g_assert_cmpstr (toast, ==, "Added 4 tasks · 1 ID read from a comment · 1 line without a task ID · "
                                "1 list read only in part");
    details = open_details (window, "Import Details");
    expected = g_strdup_printf ("Lists not read in full\n" NOTE_PROBLEMS "\n%s\n"
                                "Task IDs read from comments\n" NOTE_IN_COMMENTS "\nasyntask_PartlyTextNoted000001\n"
                                "Lines without a task ID\n" NOTE_LINES "\nasyntask_abc", why);
    g_assert_cmpstr (details, ==, expected);
  }

  /* No ID before it stopped being text: the summary says why at once. */
  g_string_replace (text, "asyntask_PartlyText01", "asyntask_x-", 0);
  toast = import_file_again (window, store, &import, file, text);
  g_clear_pointer (&why, g_free);
  why = g_strdup_printf ("“%s” holds no task IDs: The file is not text", name);
  g_assert_cmpstr (toast, ==, why);

  g_file_delete (file, NULL, NULL);
}

static void
test_partly_text (void)
{
  run_app_test (test_partly_text_body);
}

/* The IDs read from comments, as Details names them (a comment line's,
 * and one after a line's own text): one that two lists name is one, and
 * only those the list holds are named (a cancelled import read some that
 * it never added). */
static void
test_comment_ids_body (DailiesApplication *app)
{
  DailiesWindow *window = wait_for_app (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autoptr(DailiesImport) import = dailies_import_new (store);
  g_auto(GStrv) named = NULL;
  static const char script[] = "# retry of asyntask_SharedComment0000000001\nasyntask_SharedPlain00000000001\n"
                               "asyntask_SharedPlain00000000002  # was asyntask_SharedComment0000000002\n";

  /* The same script given twice in one go. */
  dailies_import_add_text (import, script);
  dailies_import_add_text (import, script);
  g_assert_cmpstr (run_to_summary (window, import), ==,
                   "Added 4 tasks · 4 already listed · 2 IDs read from comments");
  named = dailies_import_dup_in_comments (import);
  g_assert_cmpstrv (named, ((const char * const[]) { "asyntask_SharedComment0000000001",
                                                     "asyntask_SharedComment0000000002", NULL }));
  g_clear_pointer (&named, g_strfreev);

  dailies_task_store_remove (store, dailies_task_store_lookup (store, "asyntask_SharedComment0000000001"));
  named = dailies_import_dup_in_comments (import);
  g_assert_cmpstrv (named, ((const char * const[]) { "asyntask_SharedComment0000000002", NULL }));
}

static void
test_comment_ids (void)
{
  run_app_test (test_comment_ids_body);
}

/* An import that has added @n_added tasks (and found @n_listed listed). */
typedef struct
{
  DailiesImport *import;
  guint          n_added;
  guint          n_listed;
} ImportCounts;

static gboolean
counts_reached (gpointer user_data)
{
  ImportCounts *counts = user_data;

  return dailies_import_get_n_added (counts->import) >= counts->n_added &&
         dailies_import_get_n_listed (counts->import) >= counts->n_listed;
}

static gboolean
all_lines_read (gpointer user_data)
{
  return dailies_import_get_n_lines (user_data) >= 4;
}

/* A cancelled import says only what it did: the repeats and comment IDs
 * the worker had read, but that never reached the list, are not counted;
 * those of a list added whole are. First the store is not loaded until
 * the cancel, so the worker has read the whole list while nothing of it
 * was added. */
static void
test_cancelled_counts (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (path);
  g_autoptr(DailiesImport) import = dailies_import_new (store);
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  g_auto(GStrv) named = NULL;

  dailies_import_add_text (import,
                           "asyntask_CancelledFirst000000001\n"
                           "asyntask_CancelledFirst000000001\n"
                           "# retry of asyntask_CancelledComment0000001\n"
                           "not an ID\n");
  dailies_import_run_async (import, NULL, NULL, NULL);
  g_assert_true (dailies_test_wait_until (all_lines_read, import, WAIT_MS));

  dailies_import_cancel (import);
  g_assert_true (dailies_task_store_load (store, &error));
  g_assert_no_error (error);
  g_assert_true (dailies_test_wait_until (import_done, import, WAIT_MS));

  g_assert_true (dailies_import_get_cancelled (import));
  g_assert_cmpuint (dailies_import_get_n_added (import), ==, 0);
  g_assert_cmpuint (dailies_import_get_n_listed (import), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  summary = dailies_import_dup_summary (import);
  /* The line read without an ID stays: Details names it. */
  g_assert_cmpstr (summary, ==, "Import cancelled: Added 0 tasks · 1 line without a task ID");

  g_clear_object (&import);

  /* Cancelled after a first list was added whole, while a second (a
   * pipe) is still being read: that list's repeat and comment ID count. */
  {
    g_autoptr(GInputStream) in = NULL;
    g_autoptr(GOutputStream) out = NULL;
    int fds[2];

    g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
    in = g_unix_input_stream_new (fds[0], TRUE);
    out = g_unix_output_stream_new (fds[1], TRUE);
    import = dailies_import_new (store);
    dailies_import_add_text (import,
                             "asyntask_CancelledSecond00000001\n"
                             "asyntask_CancelledSecond00000001\n"
                             "# retry of asyntask_CancelledSecondComment1\n");
    dailies_import_add_stream (import, in, "a pipe");
    dailies_import_run_async (import, NULL, NULL, NULL);
    g_assert_true (dailies_test_wait_until (counts_reached, &(ImportCounts) { import, 2, 0 }, WAIT_MS));

    dailies_import_cancel (import);
    g_assert_true (dailies_test_wait_until (import_done, import, WAIT_MS));
    g_clear_pointer (&summary, g_free);
    summary = dailies_import_dup_summary (import);
    g_assert_cmpstr (summary, ==, "Import cancelled: Added 2 tasks · 1 already listed · 1 ID read from a comment");
    g_assert_cmpuint (dailies_import_get_n_listed (import), ==, 1);
    named = dailies_import_dup_in_comments (import);
    g_assert_cmpstrv (named, ((const char * const[]) { "asyntask_CancelledSecondComment1", NULL }));
    g_clear_object (&import);
  }

  /* A piece of a list that holds only a repeat: counted once given, with
   * no task of its own. */
  {
    g_autoptr(GInputStream) in = NULL;
    g_autoptr(GOutputStream) out = NULL;
    static const char first[] = "asyntask_CancelledThird000000001\n";
    int fds[2];

    g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
    in = g_unix_input_stream_new (fds[0], TRUE);
    out = g_unix_output_stream_new (fds[1], TRUE);
    import = dailies_import_new (store);
    dailies_import_add_stream (import, in, "a pipe");
    dailies_import_run_async (import, NULL, NULL, NULL);
    g_assert_true (g_output_stream_write_all (out, first, strlen (first), NULL, NULL, NULL));
    g_assert_true (dailies_test_wait_until (counts_reached, &(ImportCounts) { import, 1, 0 }, WAIT_MS));
    g_assert_true (g_output_stream_write_all (out, first, strlen (first), NULL, NULL, NULL));
    g_assert_true (dailies_test_wait_until (counts_reached, &(ImportCounts) { import, 1, 1 }, WAIT_MS));

    dailies_import_cancel (import);
    g_assert_true (dailies_test_wait_until (import_done, import, WAIT_MS));
    g_clear_pointer (&summary, g_free);
    summary = dailies_import_dup_summary (import);
    g_assert_cmpstr (summary, ==, "Import cancelled: Added 1 task · 1 already listed");
    g_clear_object (&import);
  }

  g_clear_object (&store);
  dailies_test_rm_rf (dir);
}

/* While an import's tasks wait to be listed (five times a second), the
 * title counts every task, not "20 of 5020" as if a search were on, and
 * no "No Matching Tasks" page shows; a search still says what it shows. */
static void
test_title_counts_waiting_body (DailiesApplication *app)
{
  DailiesWindow *window = wait_for_app (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rest = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subtitle = NULL;
  guint n_tasks;

  dailies_poller_stop (dailies_application_get_poller (app));
  for (guint i = 0; i < 10; i++)
    g_ptr_array_add (first, g_strdup_printf ("asyntask_TitleFirst%06u", i));
  for (guint i = 0; i < 5000; i++)
    g_ptr_array_add (rest, g_strdup_printf ("asyntask_TitleRest%06u", i));

  dailies_task_list_model_begin_group ();
  /* A few are listed at once; the many that follow within 0.2 s wait. */
  g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) first->pdata, first->len), ==, 10);
  g_assert_cmpuint (dailies_task_store_add_ids (store, (const char * const *) rest->pdata, rest->len), ==, 5000);
  n_tasks = g_list_model_get_n_items (G_LIST_MODEL (store));
  /* On a slow machine more than 0.2 s may have passed since the first
   * ten were listed: then the 5,000 were listed at once too. */
  if (g_list_model_get_n_items (G_LIST_MODEL (window->shown)) == n_tasks)
    {
      dailies_task_list_model_end_group ();
      g_test_skip ("the list took in the 5,000 at once");
      return;
    }

  subtitle = g_strdup_printf ("%u tasks", n_tasks);
  g_assert_cmpstr (adw_window_title_get_subtitle (window->sidebar_title), ==, subtitle);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->list_stack), ==, "list");

  dailies_task_list_model_end_group ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->shown)), ==, n_tasks);
  g_assert_cmpstr (adw_window_title_get_subtitle (window->sidebar_title), ==, subtitle);

  /* A search (set on the list as the search entry does) counts what it
   * shows, and one that finds nothing shows its page. */
  g_clear_pointer (&subtitle, g_free);
  subtitle = g_strdup_printf ("10 of %u tasks", n_tasks);
  dailies_task_list_model_set_search (window->shown, "TitleFirst");
  g_assert_cmpstr (adw_window_title_get_subtitle (window->sidebar_title), ==, subtitle);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->list_stack), ==, "list");
  dailies_task_list_model_set_search (window->shown, "asyntask_NoSuchTaskAnywhere");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->list_stack), ==, "no-match");
  dailies_task_list_model_set_search (window->shown, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->list_stack), ==, "list");
}

static void
test_title_counts_waiting (void)
{
  run_app_test (test_title_counts_waiting_body);
}

/* ------------------------------------------------------------------ */
/* `dailies -`, the real binary                                        */
/* ------------------------------------------------------------------ */

static GSubprocess *
spawn_with_stdin (GSubprocessLauncher *launcher,
                  DailiesTestRun      *run,
                  const char          *dailies,
                  const char          *input)
{
  const char * const argv[] = { dailies, "-", NULL };

  return dailies_test_spawn (launcher, argv, input, run);
}

/* What a click on Quit does, asked over D-Bus of the Dailies running. */
static void
quit_running_app (GDBusConnection *bus)
{
  dailies_test_call_application (bus, "ActivateAction", g_variant_new_parsed ("('quit', @av [], @a{sv} {})"), WAIT_MS);
}

static gboolean
has_line (const char *text,
          const char *line)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  return g_strv_contains ((const char * const *) lines, line);
}

/* Whether the heap of process @pid asked the kernel for huge pages
 * (madvise: "hg" among the flags of its [heap] mapping). */
static gboolean
heap_asks_for_huge_pages (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "smaps", NULL);
  g_autofree char *smaps = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_heap = FALSE;

  g_assert_true (g_file_get_contents (path, &smaps, NULL, NULL));
  lines = g_strsplit (smaps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_suffix (lines[i], " [heap]"))
        in_heap = TRUE;
      else if (in_heap && g_str_has_prefix (lines[i], "VmFlags:"))
        return strstr (lines[i], " hg") != NULL;
    }

  return FALSE;
}

/* Whether process @pid was started with GLIBC_TUNABLES asking for huge
 * pages (its environment as it was at the start). */
static gboolean
started_asking_for_huge_pages (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "environ", NULL);
  g_autofree char *environ_block = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &environ_block, &length, NULL));
  for (gsize i = 0; i < length; i += strlen (environ_block + i) + 1)
    if (g_str_has_prefix (environ_block + i, "GLIBC_TUNABLES="))
      return strstr (environ_block + i, "glibc.malloc.hugetlb=1") != NULL;

  return FALSE;
}

/* Whether `dailies` asks for huge pages here: with glibc, unless the
 * tests run with a choice of their own (dailies-huge-pages.c). */
static gboolean
launcher_asks_for_huge_pages (void)
{
#ifdef __GLIBC__
  const char *tunables = g_getenv ("GLIBC_TUNABLES");

  return tunables == NULL || strstr (tunables, "glibc.malloc.hugetlb=") == NULL;
#else
  return FALSE;
#endif
}

/* Where the kernel gives huge pages on request only (most distributions),
 * and glibc's allocator is the one in use. */
static gboolean
huge_pages_on_request (void)
{
#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
  return FALSE;
#else
  g_autofree char *mode = NULL;

  return g_file_get_contents ("/sys/kernel/mm/transparent_hugepage/enabled", &mode, NULL, NULL) &&
         strstr (mode, "[madvise]") != NULL;
#endif
}

/* The first instance reads its own standard input; a second one hands
 * its standard input to the first, and says what it gave. The second is
 * the launcher alone, with no application beside it to become: it can
 * only hand the list over. */
static void
test_stdin (void)
{
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *cache_dir = g_build_filename (root, "cache", NULL);
  g_autofree char *config_dir = g_build_filename (root, "config", NULL);
  g_autofree char *dailies = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies", NULL);
  g_autofree char *launcher_dir = g_build_filename (root, "launcher", NULL);
  g_autofree char *launcher_only = g_build_filename (launcher_dir, "dailies", NULL);
  g_autoptr(GFile) launcher_source = g_file_new_for_path (dailies);
  g_autoptr(GFile) launcher_copy = g_file_new_for_path (launcher_only);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GSubprocess) first = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GSubprocess) third = NULL;
  g_autoptr(GSubprocess) fourth = NULL;
  g_autoptr(GSubprocess) fifth = NULL;
  DailiesTestRun first_run = { 0 };
  DailiesTestRun second_run = { 0 };
  DailiesTestRun third_run = { 0 };
  DailiesTestRun fourth_run = { 0 };
  DailiesTestRun fifth_run = { 0 };
  gboolean appeared = FALSE;
  guint watch;

  g_assert_nonnull (bus);
  g_assert_cmpint (g_mkdir_with_parents (launcher_dir, 0700), ==, 0);
  g_assert_true (g_file_copy (launcher_source, launcher_copy, G_FILE_COPY_NONE, NULL, NULL, NULL, NULL));
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_dir, TRUE);
  /* Nothing to poll against: no key, a closed port. */
  g_subprocess_launcher_setenv (launcher, "DAILIES_API_KEY", "", TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_API_BASE", "http://127.0.0.1:9", TRUE);

  first = spawn_with_stdin (launcher, &first_run, dailies,
                            "asyntask_StdinFirstOne00000001\nnot a task\nasyntask_StdinFirstTwo00000002\n");

  /* Once the first owns the name, a second one hands it its list and
   * leaves, having said what it gave. */
  watch = g_bus_watch_name_on_connection (bus, APP_ID, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          dailies_test_name_appeared_cb, NULL, &appeared, NULL);
  g_assert_true (dailies_test_wait_for_flag (&appeared, WAIT_MS));
  g_bus_unwatch_name (watch);

  /* The launcher started the application asking for huge pages for its
   * heap, and glibc asked the kernel for them where it gives them on
   * request. */
  if (launcher_asks_for_huge_pages ())
    {
      g_assert_true (started_asking_for_huge_pages (g_subprocess_get_identifier (first)));
      if (huge_pages_on_request ())
        g_assert_true (heap_asks_for_huge_pages (g_subprocess_get_identifier (first)));
      else
        g_test_message ("huge pages: the heap not checked (the kernel's mode, or another allocator)");
    }
  else
    {
      g_test_message ("huge pages: not asked for (not glibc, or the tests run with a choice of their own)");
    }

  second = spawn_with_stdin (launcher, &second_run, launcher_only,
                             "asyntask_StdinSecond00000003\n# a comment\nstray\nasyntask_StdinSecond00000003\n");
  g_assert_true (dailies_test_wait_for_flag (&second_run.done, WAIT_MS));
  g_assert_true (second_run.ok);
  g_assert_true (has_line (second_run.out, "Added 1 task · 1 already listed · 1 line without a task ID"));
  g_assert_false (first_run.done);

  /* A list with no task ID is an error, said once, on standard error. */
  third = spawn_with_stdin (launcher, &third_run, launcher_only, "no task here\nnor here\n");
  g_assert_true (dailies_test_wait_for_flag (&third_run.done, WAIT_MS));
  g_assert_cmpint (third_run.status, ==, 1);
  g_assert_true (third_run.out == NULL || third_run.out[0] == '\0');
  g_assert_true (has_line (third_run.err, "No task IDs found. Task IDs look like asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E."));
  g_assert_null (strstr (strstr (third_run.err, "No task IDs found") + 1, "No task IDs found"));

  /* So is an argument that is neither a task ID nor a file (looked for
   * off the first instance's main thread): named by its place, once. */
  {
    const char * const argv[] = { launcher_only, "no-such-list.txt", NULL };

    fourth = dailies_test_spawn (launcher, argv, "", &fourth_run);
    g_assert_true (dailies_test_wait_for_flag (&fourth_run.done, WAIT_MS));
    g_assert_cmpint (fourth_run.status, ==, 1);
    g_assert_true (fourth_run.out == NULL || fourth_run.out[0] == '\0');
    g_assert_cmpstr (fourth_run.err, ==, "Argument 1 is neither a task ID nor a file\n");
  }

  /* Two: each named, in order, then counted. */
  {
    const char * const argv[] = { launcher_only, "no-such-list.txt", "nor-this.csv", NULL };

    fifth = dailies_test_spawn (launcher, argv, "", &fifth_run);
    g_assert_true (dailies_test_wait_for_flag (&fifth_run.done, WAIT_MS));
    g_assert_cmpint (fifth_run.status, ==, 1);
    g_assert_cmpstr (fifth_run.err, ==,
                     "Argument 1 is neither a task ID nor a file\n"
                     "Argument 2 is neither a task ID nor a file\n"
                     "No task IDs found · 2 unknown arguments\n");
  }

  quit_running_app (bus);
  g_assert_true (dailies_test_wait_for_flag (&first_run.done, WAIT_MS));
  g_assert_true (first_run.ok);
  g_assert_true (has_line (first_run.out, "Added 2 tasks · 1 line without a task ID"));
  /* The stray lines go to their owner's window, not to any output. */
  g_assert_null (strstr (first_run.out, "not a task"));
  g_assert_null (strstr (first_run.err, "not a task"));
  g_assert_null (strstr (second_run.err, "stray"));

  dailies_test_run_clear (&first_run);
  dailies_test_run_clear (&second_run);
  dailies_test_run_clear (&third_run);
  dailies_test_run_clear (&fourth_run);
  dailies_test_run_clear (&fifth_run);
  dailies_test_rm_rf (root);
}

/* ------------------------------------------------------------------ */
/* A list sent while Dailies quits                                     */
/* ------------------------------------------------------------------ */

#define QUITTING_LIST "asyntask_WhileQuitting0000000001\nnot a task\nasyntask_WhileQuitting0000000002\n"
/* The file opened from the desktop meanwhile. */
#define QUITTING_OPENED "asyntask_WhileQuitting0000000003\nasyntask_WhileQuitting0000000004\n"
#define QUITTING_TOKEN "dailies-test-activation-token"
/* A launch while the app runs, whose token it does use up. */
#define RUNNING_TOKEN "dailies-test-running-token"

/* X11's startup notifications as a desktop sees them: messages broadcast
 * on the root window in 20-byte pieces (_NET_STARTUP_INFO_BEGIN, then
 * _NET_STARTUP_INFO), read on a connection of the test's own. */
typedef struct
{
  Display   *display;
  Atom       begin;
  Atom       more;
  GString   *piece;
  gboolean   in_message;  /* a BEGIN has come, its end not yet */
  GPtrArray *messages;
} StartupWatch;

static StartupWatch *
startup_watch_new (void)
{
  StartupWatch *watch = g_new0 (StartupWatch, 1);

  watch->display = XOpenDisplay (NULL);
  g_assert_nonnull (watch->display);
  watch->begin = XInternAtom (watch->display, "_NET_STARTUP_INFO_BEGIN", False);
  watch->more = XInternAtom (watch->display, "_NET_STARTUP_INFO", False);
  XSelectInput (watch->display, DefaultRootWindow (watch->display), PropertyChangeMask);
  XSync (watch->display, False);
  watch->piece = g_string_new (NULL);
  watch->messages = g_ptr_array_new_with_free_func (g_free);

  return watch;
}

static void
startup_watch_free (StartupWatch *watch)
{
  XCloseDisplay (watch->display);
  g_string_free (watch->piece, TRUE);
  g_ptr_array_unref (watch->messages);
  g_free (watch);
}

/* Takes in what the app has sent so far: a round trip on its connection
 * (the server has then handled its requests), then on this one. */
static void
startup_watch_read (StartupWatch *watch)
{
  XSync (gdk_x11_display_get_xdisplay (gdk_display_get_default ()), False);
  XSync (watch->display, False);
  while (XPending (watch->display) > 0)
    {
      XEvent event;

      XNextEvent (watch->display, &event);
      if (event.type != ClientMessage || event.xclient.format != 8 ||
          (event.xclient.message_type != watch->begin && event.xclient.message_type != watch->more))
        continue;
      /* One sender here (the app): pieces come in order. */
      if (event.xclient.message_type == watch->begin)
        {
          g_string_truncate (watch->piece, 0);
          watch->in_message = TRUE;
        }
      else if (!watch->in_message)
        continue;
      for (guint i = 0; i < 20; i++)
        {
          if (event.xclient.data.b[i] == '\0')
            {
              g_ptr_array_add (watch->messages, g_strdup (watch->piece->str));
              watch->in_message = FALSE;
              break;
            }
          g_string_append_c (watch->piece, event.xclient.data.b[i]);
        }
    }
}

/* How many times the launch of @token was said to be complete. */
static guint
startup_watch_count_complete (StartupWatch *watch,
                              const char   *token)
{
  g_autofree char *id = g_strdup_printf ("ID=\"%s\"", token);
  guint n = 0;

  startup_watch_read (watch);
  for (guint i = 0; i < watch->messages->len; i++)
    {
      const char *message = g_ptr_array_index (watch->messages, i);

      if (g_str_has_prefix (message, "remove:") && strstr (message, id) != NULL)
        n++;
    }

  return n;
}

static gboolean
startup_watch_saw_complete (StartupWatch *watch,
                            const char   *token)
{
  return startup_watch_count_complete (watch, token) > 0;
}

static gboolean
running_launch_complete (gpointer user_data)
{
  return startup_watch_saw_complete (user_data, RUNNING_TOKEN);
}

static gboolean
kept_launch_complete (gpointer user_data)
{
  return startup_watch_saw_complete (user_data, QUITTING_TOKEN);
}

/* Nothing is asked of it: no key. */
#define QUITTING_API_BASE "http://127.0.0.1:9"

static struct
{
  GSubprocessLauncher *launcher;
  char                *dailies;
  GSubprocess         *sender;        /* `dailies -`, the list on its standard input */
  DailiesTestRun       run;
  GSubprocess         *starter;       /* `dailies`, as from a menu */
  DailiesTestRun       starter_run;
  GSubprocess         *relaunched;    /* what the desktop asked, run once it has quit */
  DailiesTestRun       relaunched_run;
  char                *opened;        /* a list opened from the desktop (a URI) */
  gboolean             from_desktop;  /* whether the desktop asks too */
  gboolean             stuck;         /* the stop goes on once both have ended */
  guint                handed_back;   /* command lines the quitting app handed back */
  guint                kept;          /* the desktop's launches it kept for the next */
  guint                ended;         /* of sender and starter */
  gint64               sent_at;       /* when they were started */
  gint64               waited_us[2];  /* how long each took, stuck */
  StartupWatch        *startup;       /* the desktop's view, if watched */
} quitting;

/* Whatever the quitting app was sent has come: its video's stop goes on. */
static void
release_when_all_came (void)
{
  if (!quitting.stuck && quitting.handed_back == 2 && quitting.kept == (quitting.from_desktop ? 2 : 0))
    hold_sink (&sink_stops_held, FALSE);
}

/* A Dailies stuck quitting: what it handed back has given up. */
static void
quitting_process_ended_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  quitting.waited_us[G_SUBPROCESS (object) == quitting.sender ? 0 : 1] = g_get_monotonic_time () - quitting.sent_at;
  if (++quitting.ended == 2)
    hold_sink (&sink_stops_held, FALSE);
}

/* In the quitting app's wait for its video to stop: its main loop. */
static gboolean
send_list_cb (gpointer user_data)
{
  const char * const list_argv[] = { quitting.dailies, "-", NULL };
  const char * const plain_argv[] = { quitting.dailies, NULL };
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  const char * const uris[] = { quitting.opened, NULL };

  /* A notification's Show and Play would open a window or start a video
   * in the app that is quitting. */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (g_application_get_default ()), "show-task"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (g_application_get_default ()), "play-task"));

  quitting.sent_at = g_get_monotonic_time ();
  quitting.sender = dailies_test_spawn (quitting.launcher, list_argv, QUITTING_LIST, &quitting.run);
  quitting.starter = dailies_test_spawn (quitting.launcher, plain_argv, NULL, &quitting.starter_run);
  if (quitting.stuck)
    {
      g_subprocess_wait_async (quitting.sender, NULL, quitting_process_ended_cb, NULL);
      g_subprocess_wait_async (quitting.starter, NULL, quitting_process_ended_cb, NULL);
    }
  if (!quitting.from_desktop)
    return G_SOURCE_REMOVE;

  /* A click on the icon and a list opened from the file manager, as the
   * desktop sends them. Not waited for: the app answers on this thread. */
  g_dbus_connection_call (bus, APP_ID, "/io/github/dailies/Dailies", "org.freedesktop.Application",
                          "Activate", g_variant_new_parsed ("({'desktop-startup-id': <%s>},)", QUITTING_TOKEN),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  g_dbus_connection_call (bus, APP_ID, "/io/github/dailies/Dailies", "org.freedesktop.Application",
                          "Open", g_variant_new ("(^as@a{sv})", uris, g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);

  return G_SOURCE_REMOVE;
}

/* On the thread that stops the video, its stop held. */
static void
stop_held_cb (void)
{
  sink_on_held_stop = NULL;
  g_idle_add (send_list_cb, NULL);
}

/* The app's log, as the tests' writer has it: the command lines handed
 * back, and the desktop's launches kept. */
static GLogWriterOutput
quitting_log_writer (GLogLevelFlags   log_level,
                     const GLogField *fields,
                     gsize            n_fields,
                     gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      {
        if (g_str_has_prefix (fields[i].value, "command line: arrived while quitting"))
          quitting.handed_back++;
        else if (g_str_has_prefix (fields[i].value, "application: a launch with") &&
                 strstr (fields[i].value, "starts again once it has quit") != NULL)
          quitting.kept++;
        else
          continue;
        release_when_all_came ();
      }

  return dailies_test_log_writer (log_level, fields, n_fields, user_data);
}

static gboolean
audio_readied (gpointer user_data)
{
  return g_atomic_pointer_get (&sink_readied) != NULL &&
         dailies_player_get_state (user_data) >= GST_STATE_PAUSED;
}

/* A video plays, from a CDN of the test's own; its stop will hang until
 * the list has come. */
static void
test_list_while_quitting_body (DailiesApplication *app,
                               gpointer            user_data)
{
  DailiesDemoServer *cdn = user_data;
  DailiesWindow *window = DAILIES_WINDOW (dailies_test_wait_for_window (GTK_APPLICATION (app)));
  DailiesPlayer *player = DAILIES_PLAYER (dailies_task_view_get_player (DAILIES_TASK_VIEW (dailies_window_get_task_view (window))));
  g_autofree char *url = g_strdup_printf ("%s/videos/%s.mp4?Expires=1&Signature=demo",
                                          dailies_demo_server_get_cdn_url (cdn), LISTED_ID);

  g_atomic_pointer_set (&sink_readied, NULL);
  dailies_player_set_uri (player, url);
  g_assert_true (dailies_test_wait_until (audio_readied, player, WAIT_MS));

  /* While it runs, a launch's token is used up as GTK does: what the
   * watch would see of one left unused while quitting. */
  if (quitting.startup != NULL)
    {
      g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

      g_dbus_connection_call (bus, APP_ID, "/io/github/dailies/Dailies", "org.freedesktop.Application",
                              "Activate", g_variant_new_parsed ("({'desktop-startup-id': <%s>},)", RUNNING_TOKEN),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
      g_assert_true (dailies_test_wait_until (running_launch_complete, quitting.startup, WAIT_MS));
    }

  hold_sink (&sink_stops_held, TRUE);
  sink_on_held_stop = stop_held_cb;
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

/* Whether @process is the one whose ID is @pid. */
static gboolean
is_process (GSubprocess *process,
            guint32      pid)
{
  return process != NULL && pid == g_ascii_strtoull (g_subprocess_get_identifier (process), NULL, 10);
}

/* The process that owns the app's name, or 0. */
static guint32
name_owner_pid (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", APP_ID), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);

  return pid;
}

/* Whether one of the three Dailies started owns the name. */
static gboolean
name_owned_by_one_started (gpointer user_data)
{
  guint32 pid = name_owner_pid (user_data);

  return pid != 0 &&
         (is_process (quitting.sender, pid) || is_process (quitting.starter, pid) ||
          is_process (quitting.relaunched, pid));
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = FALSE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* How many tasks whose IDs begin with @prefix the database at @path
 * holds (0 when there is none). */
static int
count_stored (const char *path,
              const char *prefix)
{
  g_autofree char *pattern = g_strconcat (prefix, "%", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *count = NULL;
  int stored = 0;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_busy_timeout (db, 2000) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM tasks WHERE id LIKE ?1", -1, &count, NULL) == SQLITE_OK &&
      sqlite3_bind_text (count, 1, pattern, -1, SQLITE_STATIC) == SQLITE_OK &&
      sqlite3_step (count) == SQLITE_ROW)
    stored = sqlite3_column_int (count, 0);
  sqlite3_finalize (count);
  sqlite3_close (db);

  return stored;
}

static int
count_sent_while_quitting (const char *path)
{
  return count_stored (path, "asyntask_WhileQuitting");
}

/* Whether both lists are in the database at @user_data. */
static gboolean
lists_stored (gpointer user_data)
{
  return count_sent_while_quitting (user_data) == 4;
}

/* Whether all but the one that became the next Dailies have ended. */
static gboolean
all_but_one_ended (gpointer user_data)
{
  return quitting.run.done + quitting.starter_run.done + quitting.relaunched_run.done == 2;
}

/* Whatever a test that fails leaves running dies with it: a Dailies left
 * would own the name on the bus the next tests share. */
static void
die_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* What starts `dailies`, with its data in @data_dir. */
static GSubprocessLauncher *
quitting_launcher_new (const char *data_dir)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                             G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_API_BASE", QUITTING_API_BASE, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DAILIES_AUDIO_SINK");
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);

  return launcher;
}

static void
quitting_clear (void)
{
  dailies_test_run_clear (&quitting.run);
  dailies_test_run_clear (&quitting.starter_run);
  dailies_test_run_clear (&quitting.relaunched_run);
  g_clear_object (&quitting.sender);
  g_clear_object (&quitting.starter);
  g_clear_object (&quitting.relaunched);
  g_clear_object (&quitting.launcher);
  g_clear_pointer (&quitting.dailies, g_free);
  g_clear_pointer (&quitting.opened, g_free);
  quitting.from_desktop = FALSE;
  quitting.stuck = FALSE;
}

/* Runs a Dailies (not the demo, which runs apart from any other) that
 * plays a video and quits; the video's stop hangs until what
 * send_list_cb() sent has come (or, stuck, has ended). Then, as main.c
 * does, asks it what the desktop asked meanwhile, into @argv and @envp. */
static gboolean
run_quitting_app (guint         wait_ms,
                  char       ***argv,
                  char       ***envp)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  g_autoptr(DailiesDemoServer) cdn = dailies_demo_server_new ();
  g_autoptr(GError) error = NULL;
  const char * const app_argv[] = { "dailies", NULL };
  gboolean relaunch;

  quitting.handed_back = 0;
  quitting.kept = 0;
  quitting.ended = 0;
  g_assert_true (dailies_demo_server_start (cdn, &error));
  /* Long enough for all to arrive (or end) on a machine made slow: it
   * ends when the video has stopped. */
  dailies_application_set_quit_wait (app, wait_ms);
  dailies_test_run_app (app, app_argv, test_list_while_quitting_body, cdn);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));

  relaunch = dailies_application_dup_relaunch (app, app_argv[0], argv, envp);
  g_clear_object (&app);

  return relaunch;
}

/* `dailies -` and a plain `dailies` reaching a Dailies that is quitting
 * (it waits for a video to stop, here one whose audio output hangs) are
 * handed back, standard input unread. A click on the icon and a list
 * opened from the file manager (D-Bus Activate and Open) cannot be: the
 * app keeps them, and once it has quit, runs them as the next Dailies in
 * the same process (main.c; here the test runs what the app returns, as
 * a process of its own). One of the three becomes the next Dailies and
 * the others hand it their command lines. Both lists are added there,
 * and nothing opens in the one quitting. */
static void
test_list_while_quitting (void)
{
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *db_path = g_build_filename (data_dir, "dailies", "tasks.db", NULL);
  g_autofree char *opened_path = g_build_filename (root, "opened.txt", NULL);
  g_autofree char *program = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies-app", NULL);
  g_autoptr(GSubprocessLauncher) relauncher = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) envp = NULL;
  gboolean appeared = FALSE;
  guint watch;
  guint tick;

  quitting.launcher = quitting_launcher_new (data_dir);
  quitting.dailies = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies", NULL);
  g_assert_true (g_file_set_contents (opened_path, QUITTING_OPENED, -1, NULL));
  quitting.opened = g_filename_to_uri (opened_path, NULL, NULL);
  quitting.from_desktop = TRUE;
  /* X11's notifications, where GDK runs on X11 (xvfb-run, as the tests). */
  if (GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    quitting.startup = startup_watch_new ();
  else
    g_test_message ("not on X11: the startup notifications are not watched");

  /* The hold ends by itself after this: time for all to come. */
  sink_hold_limit_s = (guint) (10 * dailies_test_time_scale ());
  g_assert_true (run_quitting_app ((guint) (20000 * dailies_test_time_scale ()), &argv, &envp));
  sink_hold_limit_s = 10;

  /* It handed the command lines back, kept the two launches from the
   * desktop, opened no window, and was not held up past the video's stop. */
  g_assert_cmpuint (quitting.handed_back, ==, 2);
  g_assert_cmpuint (quitting.kept, ==, 2);
  /* The launch kept is not said to be complete: its token is left for
   * the next Dailies. */
  if (quitting.startup != NULL)
    g_assert_false (startup_watch_saw_complete (quitting.startup, QUITTING_TOKEN));
  g_clear_pointer (&quitting.startup, startup_watch_free);
  g_assert_nonnull (quitting.sender);
  g_assert_true (none_under_way (&sink_stops_under_way));

  /* What is to run next: Dailies with the file opened, its window raised
   * with the desktop's token. */
  g_assert_cmpuint (g_strv_length (argv), ==, 2);
  g_assert_cmpstr (argv[0], ==, "dailies");
  g_assert_cmpstr (argv[1], ==, quitting.opened);
  g_assert_cmpstr (g_environ_getenv (envp, "DESKTOP_STARTUP_ID"), ==, QUITTING_TOKEN);
  g_assert_cmpstr (g_environ_getenv (envp, "XDG_ACTIVATION_TOKEN"), ==, QUITTING_TOKEN);
  /* main.c runs it as this program, in its own process. */
  g_free (argv[0]);
  argv[0] = g_strdup (program);
  relauncher = quitting_launcher_new (data_dir);
  g_subprocess_launcher_set_environ (relauncher, envp);
  g_subprocess_launcher_setenv (relauncher, "XDG_DATA_HOME", data_dir, TRUE);
  g_subprocess_launcher_setenv (relauncher, "DAILIES_API_BASE", QUITTING_API_BASE, TRUE);
  g_subprocess_launcher_unsetenv (relauncher, "DAILIES_AUDIO_SINK");
  quitting.relaunched = dailies_test_spawn (relauncher, (const char * const *) argv, NULL, &quitting.relaunched_run);

  /* One of them became the next Dailies, which added both lists. Each
   * change of the name's owner wakes the wait; the other processes'
   * writes and ends do not, so a tick looks again. */
  watch = g_bus_watch_name_on_connection (bus, APP_ID, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          dailies_test_name_appeared_cb, name_vanished_cb, &appeared, NULL);
  g_assert_true (dailies_test_wait_until (name_owned_by_one_started, bus, WAIT_MS));
  g_bus_unwatch_name (watch);
  tick = g_timeout_add (20, tick_cb, NULL);
  g_assert_true (dailies_test_wait_until (lists_stored, db_path, WAIT_MS));
  /* The other two handed over and ended: no command line can reach the
   * next Dailies as it quits, to start one more. */
  g_assert_true (dailies_test_wait_until (all_but_one_ended, NULL, WAIT_MS));
  g_source_remove (tick);
  quit_running_app (bus);
  g_assert_true (dailies_test_wait_for_flag (&quitting.run.done, WAIT_MS));
  g_assert_true (dailies_test_wait_for_flag (&quitting.starter_run.done, WAIT_MS));
  g_assert_true (dailies_test_wait_for_flag (&quitting.relaunched_run.done, WAIT_MS));
  g_assert_true (quitting.run.ok);
  g_assert_true (quitting.starter_run.ok);
  g_assert_true (quitting.relaunched_run.ok);
  g_assert_true (has_line (quitting.run.out, "Added 2 tasks · 1 line without a task ID"));
  g_assert_true (has_line (quitting.relaunched_run.out, "Added 2 tasks"));

  quitting_clear ();
  dailies_test_rm_rf (root);
}

/* A Dailies stuck quitting (its video's stop hangs): `dailies -` and a
 * plain `dailies` wait 15 s for it to go, then give up and say so, with
 * status 75; nothing was read, and no Dailies took the list. */
static void
test_stuck_quit (void)
{
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *db_path = g_build_filename (data_dir, "dailies", "tasks.db", NULL);
  DailiesTestRun *runs[] = { &quitting.run, &quitting.starter_run };
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) envp = NULL;

  quitting.launcher = quitting_launcher_new (data_dir);
  quitting.dailies = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies", NULL);
  quitting.stuck = TRUE;
  /* Past the 15 s they wait, and the time to start them on a machine
   * made slow; should they wait on, the test fails rather than hangs. */
  sink_hold_limit_s = (guint) (15 + 10 * dailies_test_time_scale ());
  g_assert_false (run_quitting_app ((guint) (sink_hold_limit_s + 30) * 1000, &argv, &envp));
  sink_hold_limit_s = 10;

  g_assert_cmpuint (quitting.handed_back, ==, 2);
  g_assert_cmpuint (quitting.ended, ==, 2);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_assert_true (dailies_test_wait_for_flag (&runs[i]->done, WAIT_MS));
      g_assert_cmpint (runs[i]->status, ==, 75);
      /* They waited the 15 s (less what it took them to come). */
      g_assert_cmpint (quitting.waited_us[i], >=, 14 * G_TIME_SPAN_SECOND);
      g_assert_true (has_line (runs[i]->err, "Dailies is still closing. Run the command again once it has closed."));
    }
  g_assert_cmpint (count_sent_while_quitting (db_path), ==, 0);

  quitting_clear ();
  dailies_test_rm_rf (root);
}

/* --- the real program, run again in place ------------------------------ */

/* What a desktop sends Dailies while it quits: a click on the icon, with
 * its token, and a list opened from the file manager (@uri). Each flag is
 * set once it is answered. */
static void
send_desktop_launches (GDBusConnection *bus,
                       const char      *uri,
                       gboolean        *activated,
                       gboolean        *opened)
{
  const char *uris[] = { uri, NULL };

  dailies_test_call_application_async (bus, "Activate",
                                       g_variant_new_parsed ("({'desktop-startup-id': <%s>},)", QUITTING_TOKEN),
                                       activated);
  dailies_test_call_application_async (bus, "Open",
                                       g_variant_new ("(^as@a{sv})", uris,
                                                      g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                                       opened);
}

#define IN_PLACE_FIRST "asyntask_InPlace00000000000001\n"
#define IN_PLACE_OPENED "asyntask_InPlace00000000000002\nasyntask_InPlace00000000000003\n"

static gboolean
file_exists (gpointer user_data)
{
  return g_file_test (user_data, G_FILE_TEST_EXISTS);
}

static gboolean
in_place_lists_stored (gpointer user_data)
{
  return count_stored (user_data, "asyntask_InPlace") == 3;
}

/* Whether the app's name has an owner other than @user_data (a unique
 * name), whose process the test then checks. */
static gboolean
owned_anew (gpointer user_data)
{
  g_autofree char *owner = dailies_dup_running_app ();

  return owner != NULL && !g_str_equal (owner, user_data);
}

/* The NUL-separated strings of /proc/@pid/@what. */
static GStrv
read_proc_strings (guint32     pid,
                   const char *what)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/%s", pid, what);
  g_autofree char *contents = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  for (gsize at = 0; at < length; at += strlen (contents + at) + 1)
    g_strv_builder_add (builder, contents + at);

  return g_strv_builder_end (builder);
}

/* The registry of the tests' own GStreamer, for the program they run:
 * unshared, GStreamer would look at every plugin again in it, where it
 * does so itself (see below), as slow as the sanitizers make it. */
static char *
dup_registry_path (void)
{
  struct utsname machine;
  g_autofree char *name = NULL;

  g_assert_true (uname (&machine) == 0);
  name = g_strdup_printf ("registry.%s.bin", machine.machine);

  return g_build_filename (g_get_user_cache_dir (), "gstreamer-1.0", name, NULL);
}

/* main.c's own path, as a user meets it: the real program plays a video
 * (its audio output, a plugin of the tests, hangs on stop while the test
 * says so) and is asked to quit; a click on the icon and a list opened
 * from the file manager arrive while it waits for the video. Once the
 * video has stopped and it has quit, the same process runs again as the
 * next Dailies (execve() of itself, a new connection to the bus, the
 * launch's token, the list as its argument), adds the list, and
 * completes the launch, which the one quitting left unused; then it
 * quits as usual. */
static void
test_launch_while_quitting_in_place (void)
{
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *cache_dir = g_build_filename (root, "cache", NULL);
  g_autofree char *hold_dir = g_build_filename (root, "hold", NULL);
  g_autofree char *readied = g_build_filename (hold_dir, "readied", NULL);
  g_autofree char *hold = g_build_filename (hold_dir, "hold", NULL);
  g_autofree char *held = g_build_filename (hold_dir, "held", NULL);
  g_autofree char *stopped = g_build_filename (hold_dir, "stopped", NULL);
  g_autofree char *db_path = g_build_filename (data_dir, "dailies", "tasks.db", NULL);
  g_autofree char *first_path = g_build_filename (root, "first.txt", NULL);
  g_autofree char *opened_path = g_build_filename (root, "opened.txt", NULL);
  g_autofree char *opened = NULL;
  g_autofree char *program = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies-app", NULL);
  g_autofree char *program_path = NULL;
  g_autofree char *plugins = g_test_build_filename (G_TEST_BUILT, "gst", NULL);
  g_autofree char *registry = dup_registry_path ();
  g_autofree char *owner_before = NULL;
  g_autofree char *exe_link = NULL;
  g_autofree char *exe = NULL;
  g_autoptr(DailiesDemoServer) server = dailies_demo_server_new ();
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) cmdline = NULL;
  g_auto(GStrv) environ_now = NULL;
  const char *argv[] = { NULL, NULL, NULL };
  DailiesTestRun run = { 0 };
  StartupWatch *startup = NULL;
  gboolean activated = FALSE;
  gboolean opened_files = FALSE;
  guint32 pid;
  guint tick;

  g_assert_true (g_mkdir_with_parents (hold_dir, 0700) == 0);
  g_assert_true (g_file_set_contents (first_path, IN_PLACE_FIRST, -1, NULL));
  g_assert_true (g_file_set_contents (opened_path, IN_PLACE_OPENED, -1, NULL));
  opened = g_filename_to_uri (opened_path, NULL, NULL);
  program_path = realpath (program, NULL);
  g_assert_nonnull (program_path);
  dailies_demo_server_set_answer_any (server, TRUE);
  g_assert_true (dailies_demo_server_start (server, &error));
  if (GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    startup = startup_watch_new ();
  else
    g_test_message ("not on X11: the startup notifications are not watched");

  launcher = quitting_launcher_new (data_dir);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_API_BASE", dailies_demo_server_get_base_url (server), TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_API_KEY", "in-place", TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_AUDIO_SINK", "dailiesholdsink", TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_TEST_HOLD_DIR", hold_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_PLUGIN_PATH", plugins, TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_REGISTRY", registry, TRUE);
  /* Scanned in the program itself: GStreamer's scanner, a program of its
   * own, cannot load a plugin built with the sanitizers. */
  g_subprocess_launcher_setenv (launcher, "GST_REGISTRY_FORK", "no", TRUE);
  argv[0] = program;
  argv[1] = first_path;
  process = dailies_test_spawn (launcher, argv, NULL, &run);
  pid = (guint32) g_ascii_strtoull (g_subprocess_get_identifier (process), NULL, 10);

  /* It added its list, and the task, finished, loads its video (a
   * pipeline took the audio output to PAUSED). */
  tick = g_timeout_add (20, tick_cb, NULL);
  g_assert_true (dailies_test_wait_until (file_exists, readied, WAIT_MS));
  g_assert_cmpuint (name_owner_pid (bus), ==, pid);
  owner_before = dailies_dup_running_app ();
  g_assert_nonnull (owner_before);

  /* Quit, then at once the desktop's two: a click on the icon, with its
   * token, and a list opened. The app is quitting from the moment Quit
   * has run, and answers them while it waits for the video to stop (3 s
   * at most; sent early, they are sure to come within it). */
  g_assert_true (g_file_set_contents (hold, "", 0, NULL));
  quit_running_app (bus);
  send_desktop_launches (bus, opened, &activated, &opened_files);
  g_assert_true (dailies_test_wait_until (file_exists, held, WAIT_MS));
  g_assert_true (dailies_test_wait_for_flag (&activated, WAIT_MS));
  g_assert_true (dailies_test_wait_for_flag (&opened_files, WAIT_MS));
  /* The one quitting leaves the launch's token to the next. */
  if (startup != NULL)
    g_assert_cmpuint (startup_watch_count_complete (startup, QUITTING_TOKEN), ==, 0);
  /* Its stop may go on now: the rest of the quit, then main.c. */
  g_assert_true (g_unlink (hold) == 0);

  /* The same process owns the name again, on a new connection, once the
   * video had stopped: the program, run again with the list, and the
   * launch's token in its environment. */
  g_assert_true (dailies_test_wait_until (owned_anew, owner_before, WAIT_MS));
  g_assert_cmpuint (name_owner_pid (bus), ==, pid);
  g_assert_false (run.done);
  g_assert_true (file_exists (stopped));
  exe_link = g_strdup_printf ("/proc/%u/exe", pid);
  exe = g_file_read_link (exe_link, NULL);
  g_assert_cmpstr (exe, ==, program_path);
  cmdline = read_proc_strings (pid, "cmdline");
  g_assert_cmpuint (g_strv_length (cmdline), ==, 2);
  g_assert_cmpstr (cmdline[0], ==, program);
  g_assert_cmpstr (cmdline[1], ==, opened);
  environ_now = read_proc_strings (pid, "environ");
  g_assert_cmpstr (g_environ_getenv (environ_now, "DESKTOP_STARTUP_ID"), ==, QUITTING_TOKEN);
  g_assert_cmpstr (g_environ_getenv (environ_now, "XDG_ACTIVATION_TOKEN"), ==, QUITTING_TOKEN);

  /* Both lists are in, and its window came up with the desktop's token:
   * the launch said complete once, by it. */
  g_assert_true (dailies_test_wait_until (in_place_lists_stored, db_path, WAIT_MS));
  if (startup != NULL)
    {
      g_assert_true (dailies_test_wait_until (kept_launch_complete, startup, WAIT_MS));
      g_assert_cmpuint (startup_watch_count_complete (startup, QUITTING_TOKEN), ==, 1);
    }
  g_clear_pointer (&startup, startup_watch_free);

  quit_running_app (bus);
  g_assert_true (dailies_test_wait_for_flag (&run.done, WAIT_MS));
  g_source_remove (tick);
  g_assert_true (run.ok);
  g_assert_true (has_line (run.out, "Added 2 tasks"));
  /* It waited for the video to stop, rather than give up on it. */
  g_assert_null (strstr (run.err, "a video was still stopping at exit"));

  dailies_test_run_clear (&run);
  dailies_test_rm_rf (root);
}

/* --- a launch while the list is saved ---------------------------------- */

#define SAVING_FIRST "asyntask_WhileSaving0000000001\n"
#define SAVING_SECOND "asyntask_WhileSaving0000000002\n"
#define SAVING_OPENED "asyntask_WhileSaving0000000003\nasyntask_WhileSaving0000000004\n"

static gboolean
first_list_saved (gpointer user_data)
{
  return count_stored (user_data, "asyntask_WhileSaving") == 1;
}

static gboolean
command_line_answered (gpointer user_data)
{
  return *(int *) user_data != -1;
}

static gboolean
saved_lists_stored (gpointer user_data)
{
  return count_stored (user_data, "asyntask_WhileSaving") == 4;
}

/* For a command line sent as `dailies` sends one: its exit status. */
static void
command_line_done_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(i)", (int *) user_data);
}

/* The last wait of quitting is the list's save, which holds the main
 * thread (a slow disk, a database locked by a backup). A click on the icon
 * and a list opened from the file manager meanwhile wait for it; once it
 * is done they are kept for the next Dailies, as during the waits before,
 * not refused because the app was gone from the bus by then; a command
 * line is handed back unread, for `dailies` to run again. The test holds
 * SQLite's write lock, so that the app's save at quit waits for it. */
static void
test_launch_while_saving (void)
{
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *db_path = g_build_filename (data_dir, "dailies", "tasks.db", NULL);
  g_autofree char *first_path = g_build_filename (root, "first.txt", NULL);
  g_autofree char *second_path = g_build_filename (root, "second.txt", NULL);
  g_autofree char *opened_path = g_build_filename (root, "opened.txt", NULL);
  g_autofree char *opened = NULL;
  g_autofree char *program = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies-app", NULL);
  g_autofree char *owner_before = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GVariant) pong = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) cmdline = NULL;
  const char *argv[] = { NULL, NULL, NULL };
  DailiesTestRun run = { 0 };
  DailiesTestRun second_run = { 0 };
  sqlite3 *lock = NULL;
  gboolean activated = FALSE;
  gboolean opened_files = FALSE;
  const char *command_line[] = { "dailies", "asyntask_WhileSaving0000000009", NULL };
  int command_line_status = -1;
  guint32 pid;
  guint tick;

  g_assert_true (g_file_set_contents (first_path, SAVING_FIRST, -1, NULL));
  g_assert_true (g_file_set_contents (second_path, SAVING_SECOND, -1, NULL));
  g_assert_true (g_file_set_contents (opened_path, SAVING_OPENED, -1, NULL));
  opened = g_filename_to_uri (opened_path, NULL, NULL);

  launcher = quitting_launcher_new (data_dir);
  argv[0] = program;
  argv[1] = first_path;
  process = dailies_test_spawn (launcher, argv, NULL, &run);
  pid = (guint32) g_ascii_strtoull (g_subprocess_get_identifier (process), NULL, 10);

  /* Another process's writes do not wake the loop: a tick looks again. */
  tick = g_timeout_add (20, tick_cb, NULL);
  g_assert_true (dailies_test_wait_until (file_exists, db_path, WAIT_MS));
  g_assert_true (dailies_test_wait_until (first_list_saved, db_path, WAIT_MS));
  g_assert_cmpuint (name_owner_pid (bus), ==, pid);
  owner_before = dailies_dup_running_app ();
  g_assert_nonnull (owner_before);

  /* From here the app's writer waits for the test's lock (5 s at most). */
  g_assert_cmpint (sqlite3_open_v2 (db_path, &lock, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  /* A second list is in the window, not yet in the file. */
  argv[1] = second_path;
  second = dailies_test_spawn (launcher, argv, NULL, &second_run);
  g_assert_true (dailies_test_wait_for_flag (&second_run.done, WAIT_MS));
  g_assert_true (second_run.ok);
  g_assert_true (has_line (second_run.out, "Added 1 task"));

  /* Quit: with no video and no download to wait for, the app goes
   * straight to saving, and waits there. Then the desktop's two, and a
   * ping, which the app's D-Bus thread answers once both have come. */
  quit_running_app (bus);
  send_desktop_launches (bus, opened, &activated, &opened_files);
  /* Its object is not there: a Dailies quitting reads nothing of it. */
  g_dbus_connection_call (bus, APP_ID, "/io/github/dailies/Dailies", "org.gtk.Application", "CommandLine",
                          g_variant_new ("(o^aay@a{sv})", "/io/github/dailies/Test/CommandLine", command_line,
                                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL,
                          command_line_done_cb, &command_line_status);
  pong = g_dbus_connection_call_sync (bus, owner_before, "/", "org.freedesktop.DBus.Peer", "Ping",
                                      NULL, NULL, G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  /* Still saving: the main thread has answered none. */
  g_assert_false (activated);
  g_assert_false (opened_files);
  g_assert_cmpint (command_line_status, ==, -1);
  g_assert_cmpint (count_stored (db_path, "asyntask_WhileSaving"), ==, 1);

  /* The save goes on; both are answered (an error would fail the test),
   * and the same process runs again, with the list, once it has quit. */
  g_assert_cmpint (sqlite3_exec (lock, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_pointer (&lock, sqlite3_close);
  g_assert_true (dailies_test_wait_for_flag (&activated, WAIT_MS));
  g_assert_true (dailies_test_wait_for_flag (&opened_files, WAIT_MS));
  g_assert_true (dailies_test_wait_until (command_line_answered, &command_line_status, WAIT_MS));
  g_assert_cmpint (command_line_status, ==, DAILIES_EXIT_QUITTING);
  g_assert_true (dailies_test_wait_until (owned_anew, owner_before, WAIT_MS));
  g_assert_cmpuint (name_owner_pid (bus), ==, pid);
  cmdline = read_proc_strings (pid, "cmdline");
  g_assert_cmpuint (g_strv_length (cmdline), ==, 2);
  g_assert_cmpstr (cmdline[1], ==, opened);

  /* Nothing lost: the list saved at quit, and the one opened meanwhile. */
  g_assert_true (dailies_test_wait_until (saved_lists_stored, db_path, WAIT_MS));

  quit_running_app (bus);
  g_assert_true (dailies_test_wait_for_flag (&run.done, WAIT_MS));
  g_source_remove (tick);
  g_assert_true (run.ok);
  g_assert_null (strstr (run.err, "could not save tasks"));

  dailies_test_run_clear (&second_run);
  dailies_test_run_clear (&run);
  dailies_test_rm_rf (root);
}

/* --- handed back, and another Dailies started meanwhile ----------------- */

#define HANDED_ON_LIST "asyntask_HandedOn0000000000001\nasyntask_HandedOn0000000000002\n"

/* A Dailies quitting, played by the test on a bus connection of its own so
 * that the moment the next one starts is the test's: at a command line it
 * gives up the name, starts a real Dailies, and answers as a Dailies
 * quitting does (DAILIES_EXIT_QUITTING, nothing read) only once that one
 * owns the name. It stays on the bus until the test ends, as one still
 * closing does. */
static const char quitting_owner_xml[] =
  "<node>"
  "  <interface name='org.gtk.Application'>"
  "    <method name='Activate'><arg type='a{sv}' direction='in'/></method>"
  "    <method name='Open'><arg type='as' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/></method>"
  "    <method name='CommandLine'><arg type='o' direction='in'/><arg type='aay' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='out'/></method>"
  "  </interface>"
  "  <interface name='org.gtk.Actions'>"
  "    <method name='DescribeAll'><arg type='a{s(bgav)}' direction='out'/></method>"
  "  </interface>"
  "</node>";

typedef struct
{
  GDBusConnection       *connection;
  GSubprocessLauncher   *launcher;       /* starts the next Dailies */
  char                  *program;
  GSubprocess           *next;
  DailiesTestRun         next_run;
  GDBusMethodInvocation *command_line;   /* answered once the next owns the name */
  guint                  n_command_lines;
  guint                  n_other_calls;  /* an Activate or Open: none is sent */
} QuittingOwner;

static void
next_owns_name_cb (GDBusConnection *connection,
                   const char      *name,
                   const char      *owner,
                   gpointer         user_data)
{
  QuittingOwner *self = user_data;

  if (self->command_line == NULL || g_str_equal (owner, g_dbus_connection_get_unique_name (connection)))
    return;
  g_dbus_method_invocation_return_value (g_steal_pointer (&self->command_line),
                                         g_variant_new ("(i)", DAILIES_EXIT_QUITTING));
}

static void
quitting_owner_method_cb (GDBusConnection       *connection,
                          const char            *sender,
                          const char            *object_path,
                          const char            *interface_name,
                          const char            *method_name,
                          GVariant              *parameters,
                          GDBusMethodInvocation *invocation,
                          gpointer               user_data)
{
  QuittingOwner *self = user_data;
  const char * const argv[] = { self->program, NULL };

  /* A second instance asks what actions there are as it registers. */
  if (g_str_equal (method_name, "DescribeAll"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed ("(@a{s(bgav)} {},)"));
      return;
    }
  if (!g_str_equal (method_name, "CommandLine"))
    {
      self->n_other_calls++;
      g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.Failed", "quitting");
      return;
    }

  /* Asked a second time, it is still quitting. */
  if (++self->n_command_lines > 1)
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(i)", DAILIES_EXIT_QUITTING));
      return;
    }
  dailies_release_app_name (connection);
  self->command_line = g_object_ref (invocation);
  self->next = dailies_test_spawn (self->launcher, argv, NULL, &self->next_run);
}

static gboolean
handed_on_stored (gpointer user_data)
{
  return count_stored (user_data, "asyntask_HandedOn") == 2;
}

/* `dailies LIST` (the launcher) or `dailies-app LIST` (the application,
 * main.c) reaching a Dailies that quits, which hands the command line
 * back only after another Dailies has started and owns the name: each
 * waits for the one it found, not for the name to be free, and hands its
 * list to the one started meanwhile, at once (the one it found is still
 * on the bus, and a wait for the new one would last 15 s and fail). */
static void
test_handed_to_the_next (gconstpointer data)
{
  gboolean through_launcher = GPOINTER_TO_INT (data);
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *db_path = g_build_filename (data_dir, "dailies", "tasks.db", NULL);
  g_autofree char *list_path = g_build_filename (root, "list.txt", NULL);
  g_autofree char *address = NULL;
  g_autofree char *sender_program = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) sender = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const GDBusInterfaceVTable vtable = { quitting_owner_method_cb, NULL, NULL, { 0 } };
  const char *argv[] = { NULL, list_path, NULL };
  QuittingOwner owner = { 0 };
  DailiesTestRun run = { 0 };
  guint registrations[2];
  guint32 owner_request;
  guint watch;
  guint tick;

  g_assert_true (g_file_set_contents (list_path, HANDED_ON_LIST, -1, NULL));
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  owner.connection = g_dbus_connection_new_for_address_sync (address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  owner.launcher = quitting_launcher_new (data_dir);
  owner.program = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies-app", NULL);
  node = g_dbus_node_info_new_for_xml (quitting_owner_xml, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (registrations); i++)
    {
      registrations[i] = g_dbus_connection_register_object (owner.connection, "/io/github/dailies/Dailies",
                                                            node->interfaces[i], &vtable, &owner, NULL, &error);
      g_assert_no_error (error);
    }
  reply = g_dbus_connection_call_sync (owner.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", APP_ID, 4 /* DBUS_NAME_FLAG_DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &owner_request);
  g_assert_cmpuint (owner_request, ==, 1 /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */);
  watch = g_bus_watch_name_on_connection (owner.connection, APP_ID, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          next_owns_name_cb, NULL, &owner, NULL);

  sender_program = through_launcher ? g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies", NULL)
                                    : g_strdup (owner.program);
  argv[0] = sender_program;
  launcher = quitting_launcher_new (data_dir);
  sender = dailies_test_spawn (launcher, argv, NULL, &run);

  /* Ended at once, well within the 15 s a wait for the next would take,
   * its list added there. */
  g_assert_true (dailies_test_wait_for_flag (&run.done, WAIT_MS));
  g_assert_true (run.ok);
  g_assert_true (has_line (run.out, "Added 2 tasks"));
  g_assert_null (strstr (run.err, "still closing"));
  g_assert_cmpuint (owner.n_command_lines, ==, 1);
  g_assert_cmpuint (owner.n_other_calls, ==, 0);
  g_assert_nonnull (owner.next);
  g_assert_false (owner.next_run.done);
  g_assert_cmpuint (name_owner_pid (bus), ==, g_ascii_strtoull (g_subprocess_get_identifier (owner.next), NULL, 10));
  /* Another process's writes do not wake this loop: a tick looks again. */
  tick = g_timeout_add (20, tick_cb, NULL);
  g_assert_true (dailies_test_wait_until (handed_on_stored, db_path, WAIT_MS));
  g_source_remove (tick);

  quit_running_app (bus);
  g_assert_true (dailies_test_wait_for_flag (&owner.next_run.done, WAIT_MS));
  g_assert_true (owner.next_run.ok);

  g_bus_unwatch_name (watch);
  for (guint i = 0; i < G_N_ELEMENTS (registrations); i++)
    g_dbus_connection_unregister_object (owner.connection, registrations[i]);
  g_dbus_connection_close_sync (owner.connection, NULL, NULL);
  g_object_unref (owner.connection);
  g_object_unref (owner.launcher);
  g_object_unref (owner.next);
  g_free (owner.program);
  dailies_test_run_clear (&owner.next_run);
  dailies_test_run_clear (&run);
  dailies_test_rm_rf (root);
}

int
main (int   argc,
      char *argv[])
{
  DailiesTestNotifications *notifications;
  int status;

  dailies_test_audio_sink_use ();
  gtk_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  dailies_test_audio_sink_register ();
  dailies_test_set_log_writer (quitting_log_writer);
  /* Demo tasks may finish while the window is not the focused one:
   * their notifications need somewhere to go. */
  notifications = dailies_test_notifications_start ();

  g_test_add_func ("/dailies/import/paths", test_paths);
  g_test_add_func ("/dailies/import/long", test_long);
  g_test_add_func ("/dailies/import/long-file", test_long_file);
  g_test_add_func ("/dailies/import/open-chooser", test_open_chooser);
  g_test_add_func ("/dailies/import/stdin", test_stdin);
  g_test_add_func ("/dailies/import/stdin-too-large", test_stdin_too_large);
  g_test_add_func ("/dailies/import/partly-text", test_partly_text);
  g_test_add_func ("/dailies/import/comment-ids", test_comment_ids);
  g_test_add_func ("/dailies/import/cancelled-counts", test_cancelled_counts);
  g_test_add_func ("/dailies/import/title-counts-waiting", test_title_counts_waiting);
  g_test_add_func ("/dailies/import/list-while-quitting", test_list_while_quitting);
  g_test_add_func ("/dailies/import/stuck-quit", test_stuck_quit);
  g_test_add_func ("/dailies/import/launch-while-quitting-in-place", test_launch_while_quitting_in_place);
  g_test_add_func ("/dailies/import/launch-while-saving", test_launch_while_saving);
  g_test_add_data_func ("/dailies/import/handed-to-the-next/launcher", GINT_TO_POINTER (TRUE), test_handed_to_the_next);
  g_test_add_data_func ("/dailies/import/handed-to-the-next/application", GINT_TO_POINTER (FALSE), test_handed_to_the_next);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);

  return status;
}
