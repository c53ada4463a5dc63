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

void
dailies_test_xdotool_valist (GtkWidget  *window,
                             const char *first,
                             va_list     args)
{
  /* build-aux/dev installs xdotool; the suite runs on Xvfb. */
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *xid = dailies_test_xid (window);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  g_assert_nonnull (xdotool);
  g_ptr_array_add (argv, xdotool);
  g_ptr_array_add (argv, (char *) "windowfocus");
  g_ptr_array_add (argv, (char *) "--sync");
  g_ptr_array_add (argv, xid);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, process_done_cb, &done);
  g_assert_true (dailies_test_wait_for_flag (&done, 10000));
  dailies_test_wait_for_frames (window);
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
