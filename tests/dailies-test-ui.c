/* dailies-test-ui.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dailies-poller.h"
#include "dailies-task-slot.h"
#include "dailies-test-ui.h"
#include "dailies-task-row.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

GtkWidget *
dailies_test_find_widget_where (GtkWidget              *widget,
                                DailiesTestWidgetMatch  match,
                                gconstpointer           data)
{
  if (match (widget, data))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = dailies_test_find_widget_where (child, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

GtkWidget *
dailies_test_find_button (GtkWidget  *widget,
                          const char *label)
{
  return dailies_test_find_widget_where (widget, is_button_labelled, label);
}

static gboolean
is_label_saying (GtkWidget     *widget,
                 gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

static gboolean
is_toast_titled (GtkWidget     *widget,
                 gconstpointer  title)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, g_type_from_name ("AdwToastWidget")) &&
         gtk_widget_get_mapped (widget) && dailies_test_find_widget_where (widget, is_label_saying, title) != NULL;
}

/* Up: one fading out takes no clicks. */
static gboolean
is_toast_up (GtkWidget     *widget,
             gconstpointer  title)
{
  return is_toast_titled (widget, title) && gtk_widget_get_can_target (widget);
}

GtkWidget *
dailies_test_find_toast (GtkWidget  *widget,
                         const char *title,
                         gboolean    up)
{
  return dailies_test_find_widget_where (widget, up ? is_toast_up : is_toast_titled, title);
}

typedef struct
{
  GType       type;
  const char *css_class;
} TypeAndClass;

static gboolean
is_type_with_class (GtkWidget     *widget,
                    gconstpointer  data)
{
  const TypeAndClass *wanted = data;

  return G_TYPE_CHECK_INSTANCE_TYPE (widget, wanted->type) &&
         (wanted->css_class == NULL || gtk_widget_has_css_class (widget, wanted->css_class));
}

GtkWidget *
dailies_test_find_widget (GtkWidget  *widget,
                          GType       type,
                          const char *css_class)
{
  TypeAndClass wanted = { type, css_class };

  return dailies_test_find_widget_where (widget, is_type_with_class, &wanted);
}

static gboolean
is_row_of (GtkWidget     *widget,
           gconstpointer  task)
{
  return DAILIES_IS_TASK_ROW (widget) && dailies_task_row_get_task (DAILIES_TASK_ROW (widget)) == task;
}

DailiesTask *
dailies_test_listed_task (GListModel *model,
                          guint       position)
{
  g_autoptr(DailiesTaskSlot) slot = g_list_model_get_item (model, position);

  g_assert_true (g_list_model_get_item_type (model) == DAILIES_TYPE_TASK_SLOT);
  return slot != NULL ? g_object_ref (dailies_task_slot_get_task (slot)) : NULL;
}

GtkWidget *
dailies_test_find_row_of (GtkWidget   *widget,
                          DailiesTask *task)
{
  return dailies_test_find_widget_where (widget, is_row_of, task);
}

GtkWindow *
dailies_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (g_type_is_a (G_OBJECT_TYPE (window), type))
        return window;
    }

  return NULL;
}

GtkEventController *
dailies_test_find_controller (GtkWidget *widget,
                              GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_type_is_a (G_OBJECT_TYPE (controller), type))
        return controller;
    }

  return NULL;
}

typedef struct
{
  DailiesTestAppFunc func;
  gpointer           data;
  gboolean           ran;
} AppRun;

static gboolean
run_app_func_cb (gpointer user_data)
{
  DailiesApplication *app = user_data;
  AppRun *run = g_object_get_data (G_OBJECT (app), "dailies-test-run");

  run->func (app, run->data);
  run->ran = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);

  return G_SOURCE_REMOVE;
}

static void
app_activated_cb (GApplication *app,
                  AppRun       *run)
{
  /* Once: a second instance's command line activates the app again. */
  if (g_object_get_data (G_OBJECT (app), "dailies-test-run") != NULL)
    return;

  g_object_set_data (G_OBJECT (app), "dailies-test-run", run);
  /* From the main loop, once the window is up. */
  g_idle_add_full (G_PRIORITY_LOW, run_app_func_cb, g_object_ref (app), g_object_unref);
}

/* GTK 4.8 warns when a folding AdwLeaflet has a page snapshotted in the
 * frame before it is allocated (a loaded machine makes it likelier); the
 * frame after is right. GTK logs through structured logging, which
 * g_test_log_set_fatal_handler() never sees: this writer is the default
 * one, fatal warnings and all, but for that one warning, which it only
 * prints. */
static gboolean
is_unallocated_snapshot (GLogLevelFlags   log_level,
                         const GLogField *fields,
                         gsize            n_fields)
{
  const char *domain = NULL;
  const char *message = NULL;

  if ((log_level & G_LOG_LEVEL_WARNING) == 0)
    return FALSE;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
    }

  return g_strcmp0 (domain, "Gtk") == 0 && message != NULL &&
         g_str_has_prefix (message, "Trying to snapshot ") &&
         strstr (message, " without a current allocation") != NULL;
}

GLogWriterOutput
dailies_test_log_writer (GLogLevelFlags   log_level,
                         const GLogField *fields,
                         gsize            n_fields,
                         gpointer         user_data)
{
  if (is_unallocated_snapshot (log_level, fields, n_fields))
    return g_log_writer_standard_streams (log_level, fields, n_fields, user_data);

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

void
dailies_test_set_log_writer (GLogWriterFunc func)
{
  static gboolean set;

  if (set)
    return;
  set = TRUE;
  g_log_set_writer_func (func != NULL ? func : dailies_test_log_writer, NULL, NULL);
}

/* What the app prints for a command line run in this process (the
 * summary of the tasks it was given) goes to the test's stdout, which
 * is TAP: as comments. */
static void
print_as_tap_comment (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      printf ("# %s\n", lines[i]);
  fflush (stdout);
}

void
dailies_test_run_app (DailiesApplication *app,
                      const char * const *argv,
                      DailiesTestAppFunc  func,
                      gpointer            data)
{
  AppRun run = { func, data, FALSE };
  g_auto(GStrv) args = g_strdupv ((char **) argv);

  GPrintFunc old_print = g_set_print_handler (print_as_tap_comment);

  dailies_test_set_log_writer (NULL);
  g_signal_connect_after (app, "activate", G_CALLBACK (app_activated_cb), &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), g_strv_length (args), args), ==, 0);
  g_set_print_handler (old_print);
  g_assert_true (run.ran);
}

static gboolean
active_window_is_mapped (gpointer user_data)
{
  GtkWindow *window = gtk_application_get_active_window (user_data);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

GtkWindow *
dailies_test_wait_for_window (GtkApplication *app)
{
  g_assert_true (dailies_test_wait_until (active_window_is_mapped, app, 10000));

  return gtk_application_get_active_window (app);
}

typedef struct
{
  DailiesWindow *window;
  const char    *words;
} ToastWait;

static gboolean
toast_says (gpointer user_data)
{
  ToastWait *wait = user_data;
  const char *toast = dailies_window_get_last_toast (wait->window);

  return toast != NULL && strstr (toast, wait->words) != NULL;
}

void
dailies_test_wait_for_toast (DailiesWindow *window,
                             const char    *words,
                             guint          timeout_ms)
{
  ToastWait wait = { window, words };

  if (!dailies_test_wait_until (toast_says, &wait, timeout_ms))
    g_error ("no toast saying “%s”; the last said “%s”", words, dailies_window_get_last_toast (window));
}

static gboolean
count_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
two_frames_drawn (gpointer user_data)
{
  return *(guint *) user_data >= 2;
}

void
dailies_test_wait_for_frames (GtkWidget *widget)
{
  guint n_frames = 0;
  guint tick_id = gtk_widget_add_tick_callback (widget, count_frame_cb, &n_frames, NULL);

  gtk_widget_queue_draw (widget);
  g_assert_true (dailies_test_wait_until (two_frames_drawn, &n_frames, 5000));
  gtk_widget_remove_tick_callback (widget, tick_id);
}

char *
dailies_test_xid (GtkWidget *window)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  g_assert_true (GDK_IS_X11_SURFACE (surface));
  return g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
#else
  g_assert_not_reached ();
#endif
}

static void
process_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* `xdotool windowfocus --sync XID ARGS…`, run to its end. */
static void
xdotool_on_valist (const char *xid,
                   const char *first,
                   va_list     args)
{
  /* build-aux/dev installs xdotool; the suite runs on Xvfb. */
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  g_assert_nonnull (xdotool);
  g_ptr_array_add (argv, xdotool);
  g_ptr_array_add (argv, (char *) "windowfocus");
  g_ptr_array_add (argv, (char *) "--sync");
  g_ptr_array_add (argv, (char *) xid);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, process_done_cb, &done);
  g_assert_true (dailies_test_wait_for_flag (&done, 10000));
}

void
dailies_test_xdotool_valist (GtkWidget  *window,
                             const char *first,
                             va_list     args)
{
  g_autofree char *xid = dailies_test_xid (window);

  xdotool_on_valist (xid, first, args);
  dailies_test_wait_for_frames (window);
}

void
dailies_test_xdotool_on (const char *xid,
                         const char *first,
                         ...)
{
  va_list args;

  va_start (args, first);
  xdotool_on_valist (xid, first, args);
  va_end (args);
}

void
dailies_test_xdotool (GtkWidget  *window,
                      const char *first,
                      ...)
{
  va_list args;

  va_start (args, first);
  dailies_test_xdotool_valist (window, first, args);
  va_end (args);
}

GdkTexture *
dailies_test_screenshot (GtkWidget  *window,
                         const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  GdkTexture *texture;

  dailies_test_wait_for_frames (window);
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window), gtk_widget_get_height (window));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);

  return texture;
}

gboolean
dailies_test_app_has_demo_tasks (gpointer app)
{
  DailiesTaskStore *store = dailies_application_get_store (app);

  return g_list_model_get_n_items (G_LIST_MODEL (store)) == DAILIES_TEST_N_DEMO_TASKS;
}

gboolean
dailies_test_app_tasks_settled (gpointer app)
{
  GListModel *model = G_LIST_MODEL (dailies_application_get_store (app));
  guint n_items = g_list_model_get_n_items (model);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);

      if (!dailies_task_is_terminal (task) && dailies_task_get_upstream_problem (task) == NULL)
        return FALSE;
    }

  return n_items > 0;
}

gboolean
dailies_test_task_has_video (DailiesTask *task)
{
  return dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS &&
         (dailies_task_get_local_path (task) != NULL || dailies_task_has_usable_link (task));
}

static gboolean
task_has_link (gpointer user_data)
{
  return dailies_task_get_result_url (user_data) != NULL;
}

DailiesTask *
dailies_test_add_answered_task (DailiesApplication *app,
                                const char         *id)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  DailiesTask *task;

  g_assert_cmpuint (dailies_task_store_add_ids (store, &id, 1), ==, 1);
  task = dailies_task_store_lookup (store, id);
  dailies_poller_wake (dailies_application_get_poller (app));
  g_assert_true (dailies_test_wait_until (task_has_link, task, 15000));

  return task;
}

/* A window of that type on screen; closed ones may linger a moment. */
static gpointer
toplevel_of_type (gpointer user_data)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (const GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, GPOINTER_TO_SIZE (user_data)) && gtk_widget_get_mapped (l->data))
      return l->data;

  return NULL;
}

static gboolean
has_toplevel (gpointer user_data)
{
  return toplevel_of_type (user_data) != NULL;
}

GtkWindow *
dailies_test_wait_for_toplevel (GType type)
{
  g_assert_true (dailies_test_wait_until (has_toplevel, GSIZE_TO_POINTER (type), 10000));
  return toplevel_of_type (GSIZE_TO_POINTER (type));
}

static gboolean
toplevel_gone (gpointer user_data)
{
  return toplevel_of_type (user_data) == NULL;
}

/* The chooser goes to a folder once it has looked it up; its own first
 * look-up may land after ours, so ours is asked again then. */
static gboolean
chooser_is_in (gpointer user_data)
{
  gpointer *chooser_and_folder = user_data;
  g_autoptr(GFile) current = gtk_file_chooser_get_current_folder (chooser_and_folder[0]);

  if (current == NULL || g_file_equal (current, chooser_and_folder[1]))
    return current != NULL;

  g_assert_true (gtk_file_chooser_set_current_folder (chooser_and_folder[0], chooser_and_folder[1], NULL));
  return FALSE;
}

static void
go_to_folder (GtkWindow *chooser,
              GFile     *folder)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, &error));
  g_assert_no_error (error);
  g_assert_true (dailies_test_wait_until (chooser_is_in, (gpointer[]) { chooser, folder }, 10000));
}

/* Its Accept, then it goes. */
static void
accept_file_chooser (GtkWindow *chooser)
{
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  g_assert_true (dailies_test_wait_until (toplevel_gone, GSIZE_TO_POINTER (GTK_TYPE_FILE_CHOOSER_DIALOG), 10000));
}

void
dailies_test_choose_in_file_chooser (GFile      *folder,
                                     const char *name)
{
  GtkWindow *chooser = dailies_test_wait_for_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);

  if (name != NULL)
    {
      g_autoptr(GFile) file = g_file_get_child (folder, name);
      g_autofree char *path = g_file_get_path (file);

      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), path);
    }
  else
    go_to_folder (chooser, folder);
  accept_file_chooser (chooser);
}

/* Selected once its folder is listed. */
static gboolean
chooser_has_file (gpointer user_data)
{
  gpointer *chooser_and_file = user_data;
  g_autoptr(GFile) chosen = gtk_file_chooser_get_file (chooser_and_file[0]);

  return chosen != NULL && g_file_equal (chosen, chooser_and_file[1]);
}

void
dailies_test_open_in_file_chooser (GFile *file)
{
  GtkWindow *chooser = dailies_test_wait_for_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
  g_autoptr(GFile) folder = g_file_get_parent (file);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)), ==, GTK_FILE_CHOOSER_ACTION_OPEN);
  go_to_folder (chooser, folder);
  g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), file, &error));
  g_assert_no_error (error);
  g_assert_true (dailies_test_wait_until (chooser_has_file, (gpointer[]) { chooser, file }, 10000));
  accept_file_chooser (chooser);
}
