/* dailies-test-gtk-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-test-gtk-utils.h"
#include "dailies-test-utils.h"

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

static gboolean
run_test_func_cb (gpointer user_data)
{
  DailiesApplication *app = user_data;
  DailiesTestAppFunc func = g_object_get_data (G_OBJECT (app), "test-func");
  gboolean *ran = g_object_get_data (G_OBJECT (app), "ran");

  func (app);
  *ran = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);

  return G_SOURCE_REMOVE;
}

static void
activate_after_cb (GApplication *app)
{
  /* Once: opening files activates the app too. Run the body from the main
   * loop once the window is up. */
  if (g_object_get_data (G_OBJECT (app), "started") != NULL)
    return;
  g_object_set_data (G_OBJECT (app), "started", GINT_TO_POINTER (TRUE));
  g_idle_add_full (G_PRIORITY_LOW, run_test_func_cb, g_object_ref (app), g_object_unref);
}

void
dailies_test_run_app (DailiesTestAppFunc func,
                      ...)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  gboolean ran = FALSE;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (gpointer) "dailies");
  va_start (args, func);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_signal_connect (app, "activate", G_CALLBACK (activate_after_cb), NULL);
  g_object_set_data (G_OBJECT (app), "test-func", func);
  g_object_set_data (G_OBJECT (app), "ran", &ran);

  status = g_application_run (G_APPLICATION (app), argv->len - 1, (char **) argv->pdata);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (ran);
}

gboolean
dailies_test_app_window_is_mapped (gpointer user_data)
{
  GtkWindow *window = gtk_application_get_active_window (user_data);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}
