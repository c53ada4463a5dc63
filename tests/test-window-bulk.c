/* test-window-bulk.c
 *
 * Many tasks at once, as a person works with them: `dailies --demo` on the
 * Xvfb display, rows picked with real Ctrl- and Shift-clicks and keys
 * (XTEST through xdotool), then each action on the selection and its
 * effect: IDs on the clipboard, videos in a folder, an exported file, and
 * Remove with one confirmation and one Undo.
 *
 * The file choosers are GTK's own dialog here (test-portal drives the
 * portal's); the test picks the folder in it and presses its Accept, through
 * the dialog's API rather than by typing a path.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "dailies-application.h"
#include "dailies-demo-server.h"
#include "dailies-id-parser.h"
#include "dailies-task-selection.h"
#include "dailies-keeper.h"
#include "dailies-player.h"
#include "dailies-poller.h"
#include "dailies-task-row.h"
#include "dailies-task-store.h"
#include "dailies-task-view.h"
#include "dailies-task.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"


typedef struct
{
  DailiesApplication *app;
  DailiesWindow      *window;
  GtkListView        *list_view;
  GtkSelectionModel  *selection;
  char               *xid;
  char               *exported;     /* check_export's JSON file */
  GPtrArray          *exported_ids; /* and the IDs it holds */
} Fixture;

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Runs xdotool on the window with @args (NULL-terminated), and waits
 * until it is done and the window has drawn what changed. */
static void
xdotool (Fixture    *f,
         const char *first,
         ...)
{
  va_list args;

  va_start (args, first);
  dailies_test_xdotool_valist (GTK_WIDGET (f->window), first, args);
  va_end (args);
}

static gboolean
is_mapped_row_of (GtkWidget     *widget,
                  gconstpointer  task)
{
  return DAILIES_IS_TASK_ROW (widget) && gtk_widget_get_mapped (widget) &&
         dailies_task_row_get_task (DAILIES_TASK_ROW (widget)) == task;
}

static DailiesTask *
task_at (Fixture *f,
         guint    position)
{
  DailiesTask *task = dailies_test_listed_task (G_LIST_MODEL (f->selection), position);

  /* The store keeps it. */
  g_object_unref (task);
  return task;
}

/* A click at @x, @y in @widget, with @modifier ("ctrl", "shift") held or
 * NULL, where the pointer really goes. */
static void
click_widget (Fixture    *f,
              GtkWidget  *widget,
              float       x,
              float       y,
              const char *modifier)
{
  g_autofree char *x_text = NULL;
  g_autofree char *y_text = NULL;
  g_autofree char *beside_y_text = NULL;
  double surface_x, surface_y;
  graphene_point_t point;

  g_assert_nonnull (widget);
  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (f->window), &GRAPHENE_POINT_INIT (x, y), &point));
  gtk_native_get_surface_transform (GTK_NATIVE (f->window), &surface_x, &surface_y);
  x_text = g_strdup_printf ("%d", (int) (point.x + surface_x));
  y_text = g_strdup_printf ("%d", (int) (point.y + surface_y));
  beside_y_text = g_strdup_printf ("%d", (int) (point.y + surface_y) + 1);

  /* --sync waits for the pointer to move, so it must not be there yet:
   * a pixel below first, without waiting. */
  if (modifier != NULL)
    xdotool (f, "mousemove", "--window", f->xid, x_text, beside_y_text,
             "mousemove", "--window", f->xid, "--sync", x_text, y_text,
             "keydown", modifier, "click", "1", "keyup", modifier, NULL);
  else
    xdotool (f, "mousemove", "--window", f->xid, x_text, beside_y_text,
             "mousemove", "--window", f->xid, "--sync", x_text, y_text, "click", "1", NULL);
}

/* A click on the row at @position. */
static void
click_row (Fixture    *f,
           guint       position,
           const char *modifier)
{
  GtkWidget *row = dailies_test_find_widget_where (GTK_WIDGET (f->list_view), is_mapped_row_of, task_at (f, position));

  click_widget (f, row, 24, 12, modifier);
}

static guint
n_selected (Fixture *f)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (f->selection);

  return (guint) gtk_bitset_get_size (selected);
}

/* Whether exactly the positions @first to @last are selected. */
static gboolean
selected_range_is (Fixture *f,
                   guint    first,
                   guint    last)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (f->selection);

  return gtk_bitset_get_size (selected) == last - first + 1 &&
         gtk_bitset_get_minimum (selected) == first && gtk_bitset_get_maximum (selected) == last;
}

static const char *
content_page (Fixture *f)
{
  GtkWidget *view = dailies_window_get_task_view (f->window);
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (view, GTK_TYPE_STACK));

  return gtk_stack_get_visible_child_name (stack);
}

static void
clipboard_text_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(char **) user_data = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
}

/* ------------------------------------------------------------------ */
/* The steps                                                            */
/* ------------------------------------------------------------------ */

/* Click, Ctrl-click, Shift-click, Shift+Down: the pane follows. */
static void
check_select_with_pointer_and_keys (Fixture *f)
{
  DailiesTaskView *view = DAILIES_TASK_VIEW (dailies_window_get_task_view (f->window));

  click_row (f, 0, NULL);
  g_assert_true (selected_range_is (f, 0, 0));
  g_assert_cmpstr (content_page (f), ==, "task");
  g_assert_true (dailies_task_view_get_task (view) == task_at (f, 0));

  /* Ctrl adds a row: two tasks, the pane says so. */
  click_row (f, 2, "ctrl");
  g_assert_cmpuint (n_selected (f), ==, 2);
  g_assert_cmpstr (content_page (f), ==, "selection");

  /* Shift selects from the last clicked row. */
  click_row (f, 4, "shift");
  g_assert_true (selected_range_is (f, 2, 4));
  xdotool (f, "key", "shift+Down", NULL);
  g_assert_true (selected_range_is (f, 2, 5));
  g_assert_cmpstr (content_page (f), ==, "selection");
  g_object_unref (dailies_test_screenshot (GTK_WIDGET (f->window), "window-bulk-selection.png"));

  /* Escape clears a selection of several. */
  xdotool (f, "key", "Escape", NULL);
  g_assert_cmpuint (n_selected (f), ==, 0);
  g_assert_cmpstr (content_page (f), ==, "none");

  /* And a plain click shows one task again. */
  click_row (f, 3, NULL);
  g_assert_true (selected_range_is (f, 3, 3));
  g_assert_true (dailies_task_view_get_task (view) == task_at (f, 3));
}

static void
check_copy_ids (Fixture *f)
{
  g_autofree char *copied = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);

  click_row (f, 1, NULL);
  click_row (f, 4, "shift");
  g_assert_true (selected_range_is (f, 1, 4));
  for (guint i = 1; i <= 4; i++)
    g_string_append_printf (expected, "%s\n", dailies_task_get_id (task_at (f, i)));

  xdotool (f, "key", "ctrl+c", NULL);
  dailies_test_wait_for_toast (f->window, "Copied 4 task IDs", 20000);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), NULL, clipboard_text_cb, &copied);
  g_assert_true (dailies_test_wait_for_pointer ((gpointer *) &copied, 5000));
  g_assert_cmpstr (copied, ==, expected->str);
}

typedef struct
{
  GPtrArray *tasks;
  gint64     since;
} PolledWait;

static gboolean
all_polled_since (gpointer user_data)
{
  PolledWait *wait = user_data;

  for (guint i = 0; i < wait->tasks->len; i++)
    if (dailies_task_get_last_polled (g_ptr_array_index (wait->tasks, i)) < wait->since)
      return FALSE;

  return TRUE;
}

static gboolean
second_began (gpointer user_data)
{
  return g_get_real_time () / G_USEC_PER_SEC >= *(gint64 *) user_data;
}

/* @key checks the selected tasks, @tasks, again: the toast counts them,
 * each is asked about anew, and no other finished task is. */
static void
check_again_with_key (Fixture    *f,
                      const char *key,
                      GPtrArray  *tasks)
{
  g_autoptr(GPtrArray) others = g_ptr_array_new ();
  g_autofree char *toast = g_strdup_printf ("Checking %u tasks again", tasks->len);
  PolledWait wait = { tasks, 0 };

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->selection)); i++)
    if (!g_ptr_array_find (tasks, task_at (f, i), NULL) && dailies_task_is_terminal (task_at (f, i)))
      g_ptr_array_add (others, task_at (f, i));

  /* last_polled counts whole seconds: from the next one on, a poll is
   * surely a new one. */
  wait.since = g_get_real_time () / G_USEC_PER_SEC + 1;
  g_assert_true (dailies_test_wait_until (second_began, &wait.since, 3000));

  xdotool (f, "key", key, NULL);
  dailies_test_wait_for_toast (f->window, toast, 20000);
  g_assert_true (dailies_test_wait_until (all_polled_since, &wait, 20000));
  for (guint i = 0; i < others->len; i++)
    g_assert_cmpint (dailies_task_get_last_polled (g_ptr_array_index (others, i)), <, wait.since);
}

/* Ctrl+A, then F5: every task asked about again, finished ones too. */
static void
check_select_all_and_check_again (Fixture *f)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();

  xdotool (f, "key", "ctrl+a", NULL);
  g_assert_true (selected_range_is (f, 0, DAILIES_TEST_N_DEMO_TASKS - 1));
  g_assert_cmpstr (content_page (f), ==, "selection");

  for (guint i = 0; i < DAILIES_TEST_N_DEMO_TASKS; i++)
    g_ptr_array_add (tasks, task_at (f, i));
  check_again_with_key (f, "F5", tasks);
}

/* Shift+Up from a clicked row takes in the rows above it, then Ctrl+R
 * checks just those again (finished tasks, asked about only when told). */
static void
check_select_upward_and_check_again (Fixture *f)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();

  /* Row 4, where the last click left the pointer. */
  click_row (f, 4, NULL);
  g_assert_true (selected_range_is (f, 4, 4));
  xdotool (f, "key", "shift+Up", NULL);
  g_assert_true (selected_range_is (f, 3, 4));
  xdotool (f, "key", "shift+Up", NULL);
  g_assert_true (selected_range_is (f, 2, 4));
  g_assert_cmpstr (content_page (f), ==, "selection");

  for (guint i = 2; i <= 4; i++)
    {
      g_assert_true (dailies_task_is_terminal (task_at (f, i)));
      g_ptr_array_add (tasks, task_at (f, i));
    }
  check_again_with_key (f, "ctrl+r", tasks);
}

static void
check_save_videos (Fixture *f)
{
  DailiesKeeper *keeper = dailies_application_get_keeper (f->app);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *summary = NULL;
  g_autofree char *kept_name = NULL;
  g_autofree char *kept_path = NULL;
  g_autofree char *contents = NULL;
  guint n_videos = 0, n_without = 0, n_files = 0;
  DailiesTask *first_video = NULL;
  GDir *listing;

  xdotool (f, "key", "ctrl+a", NULL);
  for (guint i = 0; i < DAILIES_TEST_N_DEMO_TASKS; i++)
    {
      if (dailies_test_task_has_video (task_at (f, i)))
        {
          n_videos++;
          if (first_video == NULL)
            first_video = task_at (f, i);
        }
      else
        n_without++;
    }
  g_assert_cmpuint (n_videos, >=, 2);
  g_assert_cmpuint (n_without, >=, 1);

  /* A file of the same name is there already: it stays as it was. */
  kept_name = dailies_keeper_suggest_name (keeper, first_video);
  kept_path = g_build_filename (dir, kept_name, NULL);
  g_assert_true (g_file_set_contents (kept_path, "mine", -1, NULL));

  xdotool (f, "key", "ctrl+s", NULL);
  dailies_test_choose_in_file_chooser (folder, NULL);
  summary = g_strdup_printf ("Saved %u videos", n_videos - 1);
  dailies_test_wait_for_toast (f->window, summary, 20000);
  g_assert_nonnull (strstr (dailies_window_get_last_toast (f->window), "1 already in the folder"));
  g_clear_pointer (&summary, g_free);
  summary = g_strdup_printf ("%u tasks have no video", n_without);
  if (n_without == 1)
    summary[strlen ("1 task")] = '\0';
  g_assert_nonnull (strstr (dailies_window_get_last_toast (f->window), summary));

  g_assert_true (g_file_get_contents (kept_path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  listing = g_dir_open (dir, 0, NULL);
  for (const char *name; (name = g_dir_read_name (listing)) != NULL;)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      struct stat st;

      g_assert_false (g_str_has_suffix (name, ".part"));
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      /* Whole videos, not empty files. */
      if (g_strcmp0 (name, kept_name) != 0)
        g_assert_cmpint (st.st_size, >, 1000);
      n_files++;
    }
  g_dir_close (listing);
  g_assert_cmpuint (n_files, ==, n_videos);

  dailies_test_rm_rf (dir);
}

/* Menu items are buttons whose label (mnemonic stripped) is on a child label. */
static gboolean
is_button_labelled_any (GtkWidget     *widget,
                        gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* Clicks the button labelled @label under @widget, as a person does. */
static void
press_button (GtkWidget  *widget,
              const char *label)
{
  GtkWidget *button = dailies_test_find_button (widget, label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

static void
check_export (Fixture *f)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *path = g_build_filename (dir, "picked.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  AdwMessageDialog *dialog;

  click_row (f, 2, NULL);
  click_row (f, 6, "shift");
  g_assert_true (selected_range_is (f, 2, 6));

  xdotool (f, "key", "ctrl+e", NULL);
  dialog = ADW_MESSAGE_DIALOG (dailies_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Export 5 Tasks");
  gtk_check_button_set_active (g_object_get_data (G_OBJECT (dialog), "json"), TRUE);
  press_button (GTK_WIDGET (dialog), "_Export…");
  dailies_test_choose_in_file_chooser (folder, "picked.json");
  dailies_test_wait_for_toast (f->window, "Exported 5 tasks to picked.json", 20000);

  /* Read back as Open reads a list: the same tasks, in the list's order. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "X-Tos-Signature"));
  parsed = dailies_id_parser_parse_text (contents, -1);
  g_assert_cmpuint (parsed->ids->len, ==, 5);
  f->exported_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpstr (g_ptr_array_index (parsed->ids, i), ==, dailies_task_get_id (task_at (f, 2 + i)));
      g_ptr_array_add (f->exported_ids, g_strdup (g_ptr_array_index (parsed->ids, i)));
    }

  /* Opened again at the end, by check_open_export. */
  f->exported = g_steal_pointer (&path);
}

static gboolean
exported_tasks_back (gpointer user_data)
{
  Fixture *f = user_data;
  DailiesTaskStore *store = dailies_application_get_store (f->app);

  for (guint i = 0; i < f->exported_ids->len; i++)
    if (dailies_task_store_lookup (store, g_ptr_array_index (f->exported_ids, i)) == NULL)
      return FALSE;

  return TRUE;
}

/* An export opened in Dailies, as the desktop opens a file with it, finds
 * the same tasks: removed meanwhile, they are listed again. */
static void
check_open_export (Fixture *f)
{
  DailiesTaskStore *store = dailies_application_get_store (f->app);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GFile) exported = g_file_new_for_path (f->exported);
  g_autofree char *dir = g_path_get_dirname (f->exported);

  for (guint i = 0; i < f->exported_ids->len; i++)
    {
      DailiesTask *task = dailies_task_store_lookup (store, g_ptr_array_index (f->exported_ids, i));

      g_assert_nonnull (task);
      g_ptr_array_add (gone, g_object_ref (task));
    }
  dailies_task_store_remove_tasks (store, gone);
  g_assert_false (exported_tasks_back (f));

  g_application_open (G_APPLICATION (f->app), &exported, 1, "");
  g_assert_true (dailies_test_wait_until (exported_tasks_back, f, 10000));

  dailies_test_rm_rf (dir);
  g_clear_pointer (&f->exported, g_free);
  g_clear_pointer (&f->exported_ids, g_ptr_array_unref);
}

/* With nothing selected, Export takes the tasks the search shows; the
 * signed links only when asked, and said to be signed. */
static void
check_export_shown_with_links (Fixture *f)
{
  GtkDropDown *states = GTK_DROP_DOWN (dailies_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_DROP_DOWN, NULL));
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *path = g_build_filename (dir, "succeeded.csv", NULL);
  g_autofree char *heading = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  AdwMessageDialog *dialog;
  guint n_shown;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  gtk_drop_down_set_selected (states, 2);  /* Succeeded */
  n_shown = g_list_model_get_n_items (G_LIST_MODEL (f->selection));
  g_assert_cmpuint (n_shown, >, 1);
  g_assert_cmpuint (n_shown, <, DAILIES_TEST_N_DEMO_TASKS);
  g_assert_cmpuint (n_selected (f), <=, 1);

  /* Typed in the search field, where the focus is. */
  g_assert_true (GTK_IS_TEXT (gtk_root_get_focus (GTK_ROOT (f->window))));
  xdotool (f, "key", "ctrl+e", NULL);
  dialog = ADW_MESSAGE_DIALOG (dailies_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  heading = g_strdup_printf ("Export %u Tasks", n_shown);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
  g_assert_nonnull (dailies_test_find_widget_where (GTK_WIDGET (dialog), is_button_labelled_any,
                                                    "Video links are signed: anyone with the file can download the videos until the links expire, usually a day after they finished."));
  gtk_check_button_set_active (g_object_get_data (G_OBJECT (dialog), "links"), TRUE);
  press_button (GTK_WIDGET (dialog), "_Export…");
  dailies_test_choose_in_file_chooser (folder, "succeeded.csv");
  dailies_test_wait_for_toast (f->window, "to succeeded.csv", 20000);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "task_id,status,"));
  g_assert_nonnull (strstr (contents, ",video_link,video_link_expires\r\n"));
  g_assert_nonnull (strstr (contents, "X-Tos-Signature"));
  parsed = dailies_id_parser_parse_text (contents, -1);
  g_assert_cmpuint (parsed->ids->len, ==, n_shown);
  for (guint i = 0; i < n_shown; i++)
    g_assert_cmpstr (g_ptr_array_index (parsed->ids, i), ==, dailies_task_get_id (task_at (f, i)));

  gtk_drop_down_set_selected (states, 0);
  dailies_test_rm_rf (dir);
}

/* The toasts shown in @widget and below it. */
static guint
count_toasts (GtkWidget *widget)
{
  guint n_toasts = g_strcmp0 (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget") == 0 ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    n_toasts += count_toasts (child);

  return n_toasts;
}

static gboolean
one_toast_on_screen (gpointer user_data)
{
  return count_toasts (user_data) == 1;
}

static gboolean
window_shows_undo (gpointer user_data)
{
  return dailies_test_find_button (user_data, "_Undo") != NULL;
}

/* A right click on a selected row keeps the selection and opens the
 * menu of what can be done with all of it. */
static void
check_menu_on_selection (Fixture *f,
                         guint    position)
{
  GListModel *controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->list_view));
  GtkWidget *row = dailies_test_find_widget_where (GTK_WIDGET (f->list_view), is_mapped_row_of, task_at (f, position));
  GtkGesture *secondary = NULL;
  GtkWidget *menu;
  double x, y;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && secondary == NULL; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller) &&
          gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == GDK_BUTTON_SECONDARY)
        secondary = GTK_GESTURE (controller);
    }
  g_object_unref (controllers);
  g_assert_nonnull (secondary);
  g_assert_nonnull (row);

  g_assert_true (gtk_widget_translate_coordinates (row, GTK_WIDGET (f->list_view), 20, 10, &x, &y));
  g_signal_emit_by_name (secondary, "pressed", 1, x, y);
  g_assert_cmpuint (n_selected (f), ==, 3);
  menu = dailies_test_find_widget (row, GTK_TYPE_POPOVER_MENU, NULL);
  g_assert_nonnull (menu);
  g_assert_true (gtk_widget_get_visible (menu));
  g_assert_nonnull (dailies_test_find_widget_where (menu, is_button_labelled_any, "Save Videos To…"));
  gtk_popover_popdown (GTK_POPOVER (menu));
  /* The popup lets go of the keyboard once the window has drawn again. */
  dailies_test_wait_for_frames (GTK_WIDGET (f->window));
  g_assert_false (gtk_widget_get_mapped (menu));
}

/* Delete: one question naming the count, then one Undo for all. */
static void
check_remove_and_undo (Fixture *f)
{
  DailiesTaskStore *store = dailies_application_get_store (f->app);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  AdwMessageDialog *dialog;
  GtkWidget *undo;

  click_row (f, 1, NULL);
  click_row (f, 3, "ctrl");
  click_row (f, 5, "ctrl");
  g_assert_cmpuint (n_selected (f), ==, 3);
  for (guint i = 1; i <= 5; i += 2)
    g_ptr_array_add (ids, g_strdup (dailies_task_get_id (task_at (f, i))));

  check_menu_on_selection (f, 3);

  xdotool (f, "key", "Delete", NULL);
  dialog = ADW_MESSAGE_DIALOG (dailies_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Remove 3 Tasks?");
  press_button (GTK_WIDGET (dialog), "_Remove");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, DAILIES_TEST_N_DEMO_TASKS - 3);
  for (guint i = 0; i < ids->len; i++)
    g_assert_null (dailies_task_store_lookup (store, g_ptr_array_index (ids, i)));
  g_assert_cmpuint (n_selected (f), ==, 0);
  g_assert_cmpstr (dailies_window_get_last_toast (f->window), ==, "Removed 3 tasks");

  g_assert_true (dailies_test_wait_until (window_shows_undo, f->window, 5000));
  /* libadwaita 1.2 asserts when a toast that the Undo toast pushed aside
   * comes back before it has finished sliding out: a person's click
   * comes later than that. */
  g_assert_true (dailies_test_wait_until (one_toast_on_screen, f->window, 5000));
  undo = dailies_test_find_button (GTK_WIDGET (f->window), "_Undo");
  g_signal_emit_by_name (undo, "clicked");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, DAILIES_TEST_N_DEMO_TASKS);
  for (guint i = 0; i < ids->len; i++)
    g_assert_nonnull (dailies_task_store_lookup (store, g_ptr_array_index (ids, i)));
  /* Back where they were in the list. */
  for (guint i = 1, k = 0; i <= 5; i += 2, k++)
    g_assert_cmpstr (dailies_task_get_id (task_at (f, i)), ==, g_ptr_array_index (ids, k));
}

static gboolean
leaflet_folded (gpointer user_data)
{
  return adw_leaflet_get_folded (user_data);
}

/* The window made 400 px wide, one pane at a time; its size before in
 * @width and @height, to give back. */
static void
make_narrow (Fixture    *f,
             AdwLeaflet *leaflet,
             int        *width,
             int        *height)
{
  gtk_window_get_default_size (GTK_WINDOW (f->window), width, height);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 400, *height);
  g_assert_true (dailies_test_wait_until (leaflet_folded, leaflet, 5000));
}

/* In a narrow window a plain click goes on to the task; a Ctrl-click
 * only selects. */
static void
check_narrow_click (Fixture *f)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (dailies_test_find_widget (GTK_WIDGET (f->window), ADW_TYPE_LEAFLET, NULL));
  GtkWidget *sidebar = gtk_widget_get_ancestor (GTK_WIDGET (f->list_view), GTK_TYPE_BOX);
  int width, height;

  while (gtk_widget_get_parent (sidebar) != GTK_WIDGET (leaflet))
    sidebar = gtk_widget_get_ancestor (gtk_widget_get_parent (sidebar), GTK_TYPE_BOX);
  make_narrow (f, leaflet, &width, &height);
  dailies_test_wait_for_frames (GTK_WIDGET (f->window));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == sidebar);

  click_row (f, 0, NULL);
  g_assert_true (selected_range_is (f, 0, 0));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) != sidebar);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-list", NULL));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == sidebar);
  click_row (f, 1, "ctrl");
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == sidebar);
  g_assert_cmpuint (n_selected (f), ==, 2);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-list", NULL));
  gtk_window_set_default_size (GTK_WINDOW (f->window), width, height);
}

/* The demo's window, once every task has reached its final state and
 * each video is kept (quickly: the server's clock moved on). */
static void
fixture_settle (Fixture *f)
{
  DailiesDemoServer *server = dailies_application_get_demo_server (f->app);
  DailiesPoller *poller = dailies_application_get_poller (f->app);

  f->window = DAILIES_WINDOW (dailies_test_wait_for_window (GTK_APPLICATION (f->app)));
  g_assert_true (dailies_test_wait_until (dailies_test_app_has_demo_tasks, f->app, 10000));
  dailies_poller_set_interval (poller, 1);
  dailies_demo_server_advance (server, 120);
  dailies_poller_wake (poller);
  g_assert_true (dailies_test_wait_until (dailies_test_app_tasks_settled, f->app, 20000));

  f->list_view = GTK_LIST_VIEW (dailies_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW, "navigation-sidebar"));
  f->selection = gtk_list_view_get_model (f->list_view);
  g_assert_true (DAILIES_IS_TASK_SELECTION (f->selection));
  f->xid = dailies_test_xid (GTK_WIDGET (f->window));
  dailies_test_wait_for_frames (GTK_WIDGET (f->window));
}

/* ------------------------------------------------------------------ */
/* Keys wherever the focus is                                           */
/* ------------------------------------------------------------------ */

static gboolean
player_in_state (gpointer user_data)
{
  DailiesPlayer *player = g_object_get_data (user_data, "test-player");

  return dailies_player_get_state (player) == (GstState) GPOINTER_TO_UINT (g_object_get_data (user_data, "test-state"));
}

static void
wait_for_player_state (DailiesPlayer *player,
                       GstState       state)
{
  g_object_set_data (G_OBJECT (player), "test-player", player);
  g_object_set_data (G_OBJECT (player), "test-state", GUINT_TO_POINTER (state));
  g_assert_true (dailies_test_wait_until (player_in_state, player, 20000));
}

/* The first task with a video to play, by its place in the list. */
static guint
first_with_video (Fixture *f)
{
  for (guint i = 0; i < DAILIES_TEST_N_DEMO_TASKS; i++)
    if (dailies_test_task_has_video (task_at (f, i)))
      return i;

  g_assert_not_reached ();
}

/* A click on the video gives the player the keys: Space pauses it
 * rather than reaching the list behind, which unselected the task. */
static void
check_space_after_clicking_video (Fixture *f)
{
  guint position = first_with_video (f);
  DailiesPlayer *player;
  GtkWidget *picture;

  click_row (f, position, NULL);
  player = DAILIES_PLAYER (dailies_test_find_widget (GTK_WIDGET (f->window), DAILIES_TYPE_PLAYER, NULL));
  wait_for_player_state (player, GST_STATE_PLAYING);
  picture = dailies_test_find_widget (GTK_WIDGET (player), GTK_TYPE_PICTURE, NULL);
  click_widget (f, picture, gtk_widget_get_width (picture) / 2.0f, 20, NULL);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (player)));

  xdotool (f, "key", "space", NULL);
  g_assert_true (selected_range_is (f, position, position));
  g_assert_cmpstr (content_page (f), ==, "task");
  wait_for_player_state (player, GST_STATE_PAUSED);
  xdotool (f, "key", "space", NULL);
  wait_for_player_state (player, GST_STATE_PLAYING);
}

/* Copy Details from the list, where the focus is after a click. */
static void
check_copy_details_from_list (Fixture *f)
{
  g_autofree char *copied = NULL;
  g_autofree char *expected = NULL;

  click_row (f, 2, NULL);
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (f->window)), GTK_WIDGET (f->list_view)));
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), "before");
  xdotool (f, "key", "ctrl+shift+c", NULL);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), NULL, clipboard_text_cb, &copied);
  g_assert_true (dailies_test_wait_for_pointer ((gpointer *) &copied, 5000));
  expected = g_strdup_printf ("Task ID: %s\n", dailies_task_get_id (task_at (f, 2)));
  g_assert_nonnull (strstr (copied, expected));
}

static gboolean
is_toast_close_button (GtkWidget     *widget,
                       gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_ancestor (widget, g_type_from_name ("AdwToastWidget")) != NULL &&
         g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "window-close-symbolic") == 0;
}

static gboolean
no_toast_on_screen (gpointer user_data)
{
  return count_toasts (user_data) == 0;
}

static gboolean
toast_on_screen (gpointer user_data)
{
  return !no_toast_on_screen (user_data);
}

/* Closes the toast on screen with its close button, as a person would. */
static void
close_toast (Fixture *f)
{
  GtkWidget *close = dailies_test_find_widget_where (GTK_WIDGET (f->window), is_toast_close_button, NULL);

  g_assert_nonnull (close);
  g_signal_emit_by_name (close, "clicked");
  g_assert_true (dailies_test_wait_until (no_toast_on_screen, f->window, 5000));
}

/* F5 held down repeats: one toast says so, not one a key (libadwaita
 * shows toasts one after the other: the next would come once this one
 * is closed). */
static void
check_again_held_down (Fixture *f)
{
  click_row (f, first_with_video (f), NULL);
  /* Those of the steps before, and any waiting behind them. */
  while (dailies_test_wait_until (toast_on_screen, f->window, 1000))
    close_toast (f);

  xdotool (f, "key", "F5", "key", "F5", "key", "F5", "key", "F5", NULL);
  g_assert_true (dailies_test_wait_until (toast_on_screen, f->window, 5000));
  g_assert_cmpstr (dailies_window_get_last_toast (f->window), ==, "Checking 1 task again");
  close_toast (f);
  g_assert_false (dailies_test_wait_until (toast_on_screen, f->window, 1500));
}

/* Ctrl+Z is the removal's Undo while its toast is up. */
static void
check_undo_with_key (Fixture *f)
{
  DailiesTaskStore *store = dailies_application_get_store (f->app);
  g_autofree char *id = NULL;

  click_row (f, 1, NULL);
  id = g_strdup (dailies_task_get_id (task_at (f, 1)));
  /* One task goes at once, with its Undo; the next is selected. */
  xdotool (f, "key", "Delete", NULL);
  g_assert_null (dailies_task_store_lookup (store, id));
  g_assert_true (selected_range_is (f, 1, 1));
  g_assert_cmpstr (content_page (f), ==, "task");
  g_assert_true (dailies_test_wait_until (window_shows_undo, f->window, 5000));
  g_assert_true (dailies_test_wait_until (one_toast_on_screen, f->window, 5000));

  xdotool (f, "key", "ctrl+z", NULL);
  g_assert_nonnull (dailies_task_store_lookup (store, id));
  g_assert_cmpstr (dailies_task_get_id (task_at (f, 1)), ==, id);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, DAILIES_TEST_N_DEMO_TASKS);
}

static gboolean
widget_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data);
}

/* In a narrow window, Ctrl+F on a task's page goes back to the list and
 * its search; a second Ctrl+F selects the words, which typing replaces. */
static void
check_search_when_narrow (Fixture *f)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (dailies_test_find_widget (GTK_WIDGET (f->window), ADW_TYPE_LEAFLET, NULL));
  GtkSearchBar *search_bar = GTK_SEARCH_BAR (dailies_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_BAR, NULL));
  GtkEditable *entry = GTK_EDITABLE (dailies_test_find_widget (GTK_WIDGET (search_bar), GTK_TYPE_SEARCH_ENTRY, NULL));
  int width, height;

  make_narrow (f, leaflet, &width, &height);
  dailies_test_wait_for_frames (GTK_WIDGET (f->window));
  click_row (f, 0, NULL);
  g_assert_false (gtk_widget_is_ancestor (GTK_WIDGET (f->list_view), adw_leaflet_get_visible_child (leaflet)));

  /* The list slides in: the words come once it is there. */
  xdotool (f, "key", "ctrl+f", NULL);
  g_assert_true (dailies_test_wait_until (widget_mapped, entry, 5000));
  xdotool (f, "type", "demo", NULL);
  g_assert_true (gtk_widget_is_ancestor (GTK_WIDGET (f->list_view), adw_leaflet_get_visible_child (leaflet)));
  g_assert_true (gtk_search_bar_get_search_mode (search_bar));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "demo");

  /* Away from the search, then back: new words replace the old. */
  gtk_widget_grab_focus (GTK_WIDGET (f->list_view));
  xdotool (f, "key", "ctrl+f", "type", "0001", NULL);
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "0001");

  xdotool (f, "key", "Escape", NULL);
  g_assert_false (gtk_search_bar_get_search_mode (search_bar));
  gtk_window_set_default_size (GTK_WINDOW (f->window), width, height);
}

static void
keys_body (DailiesApplication *app,
           gpointer            data)
{
#ifdef GDK_WINDOWING_X11
  Fixture f = { app, };

  fixture_settle (&f);
  g_test_message ("space_after_clicking_video");
  check_space_after_clicking_video (&f);
  g_test_message ("copy_details_from_list");
  check_copy_details_from_list (&f);
  g_test_message ("check_again_held_down");
  check_again_held_down (&f);
  g_test_message ("undo_with_key");
  check_undo_with_key (&f);
  g_test_message ("search_when_narrow");
  check_search_when_narrow (&f);

  g_free (f.xid);
#else
  g_test_skip ("needs X11");
#endif
}

static void
test_keys (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, keys_body, NULL);
}

static void
bulk_body (DailiesApplication *app,
           gpointer            data)
{
#ifdef GDK_WINDOWING_X11
  Fixture f = { app, };

  fixture_settle (&f);

  g_test_message ("select_with_pointer_and_keys");
  check_select_with_pointer_and_keys (&f);
  g_test_message ("copy_ids");
  check_copy_ids (&f);
  g_test_message ("select_all_and_check_again");
  check_select_all_and_check_again (&f);
  g_test_message ("select_upward_and_check_again");
  check_select_upward_and_check_again (&f);
  g_test_message ("save_videos");
  check_save_videos (&f);
  g_test_message ("export");
  check_export (&f);
  g_test_message ("remove_and_undo");
  check_remove_and_undo (&f);
  g_test_message ("export_shown_with_links");
  check_export_shown_with_links (&f);
  g_test_message ("narrow_click");
  check_narrow_click (&f);
  g_test_message ("open_export");
  check_open_export (&f);

  g_free (f.xid);
#else
  g_test_skip ("needs X11");
#endif
}

static void
test_bulk (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, bulk_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  DailiesTestNotifications *notifications;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  /* Tasks finish while the window is not the focused one. */
  notifications = dailies_test_notifications_start ();

  g_test_add_func ("/dailies/window-bulk/select-act-export-remove", test_bulk);
  g_test_add_func ("/dailies/window-bulk/keys-wherever-the-focus-is", test_keys);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);

  return status;
}
