/* test-look.c
 *
 * How the app looks on --demo, on a real X display (Xvfb): in light, dark
 * and high contrast, judged from the pixels it renders, and at 360 px and
 * 1,920 px wide. Each case saves a PNG in the build dir to look at.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <math.h>

#include "dailies-application.h"
#include "dailies-demo-server.h"
#include "dailies-icon.h"
#include "dailies-poller.h"
#include "dailies-task-row.h"
#include "dailies-task-store.h"
#include "dailies-task-view.h"
#include "dailies-task.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"

#define FAILURE_ID "asyntask_DemoModerationFail0000000000003"

/* Every task finished, and every one with a video kept. */
static gboolean
demo_settled (gpointer user_data)
{
  GListModel *model = G_LIST_MODEL (dailies_application_get_store (user_data));
  guint n_items = g_list_model_get_n_items (model);
  guint n_kept = 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);

      /* The demo's task whose model stopped stays running for good. */
      if (!dailies_task_is_terminal (task) && dailies_task_get_upstream_problem (task) == NULL)
        return FALSE;
      if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS &&
          dailies_task_has_usable_link (task))
        {
          if (dailies_task_get_local_path (task) == NULL)
            return FALSE;
          n_kept++;
        }
    }

  return n_kept > 0;
}

typedef struct
{
  GtkWidget *window;
  int        width;
} SizeWait;

static gboolean
window_has_width (gpointer user_data)
{
  SizeWait *wait = user_data;

  return gtk_widget_get_width (wait->window) == wait->width;
}

/* Shows @window again with @width px for the window itself (a default
 * size only counts when a window is mapped), and waits until it has it.
 * The surface is wider by the frame GTK draws around a window that has
 * no window manager; a phone's maximized window has none. GTK keeps a
 * default size within the monitor (Xvfb's is 1,280 px wide), not a size
 * request, so that is set too. */
static void
resize_window (GtkWidget *window,
               int        width,
               int        height)
{
  SizeWait wait = { window, width };
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  int frame = gdk_surface_get_width (surface) - gtk_widget_get_width (window);

  gtk_widget_set_visible (window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), width + frame, height + frame);
  gtk_widget_set_size_request (window, width + frame, height + frame);
  gtk_window_present (GTK_WINDOW (window));
  if (!dailies_test_wait_until (window_has_width, &wait, 5000))
    g_error ("asked for %d px, the window has %d", width, gtk_widget_get_width (window));
  dailies_test_wait_for_frames (window);
}

/* The pixels of a rendered texture, to sample. */
typedef struct
{
  int     width;
  int     height;
  guchar *data;   /* GDK_MEMORY_DEFAULT: B, G, R, A; opaque where sampled */
} Pixels;

static void
pixels_load (Pixels     *pixels,
             GdkTexture *texture)
{
  pixels->width = gdk_texture_get_width (texture);
  pixels->height = gdk_texture_get_height (texture);
  pixels->data = g_malloc ((gsize) pixels->width * pixels->height * 4);
  gdk_texture_download (texture, pixels->data, pixels->width * 4);
}

/* WCAG's relative luminance of the pixel at @x, @y. */
static double
pixels_luminance (const Pixels *pixels,
                  int           x,
                  int           y)
{
  const guchar *p;
  double rgb[3];

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, pixels->width);
  g_assert_cmpint (y, <, pixels->height);
  p = pixels->data + ((gsize) y * pixels->width + x) * 4;
  g_assert_cmpuint (p[3], ==, 255);

  for (guint i = 0; i < 3; i++)
    {
      double c = p[2 - i] / 255.0;
      rgb[i] = c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
    }

  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}

static double
contrast_ratio (double a,
                double b)
{
  return (MAX (a, b) + 0.05) / (MIN (a, b) + 0.05);
}

/* @widget's box in the window's coordinates, which are the texture's. */
static graphene_rect_t
bounds_in_window (GtkWidget *widget)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (gtk_widget_get_root (widget)), &bounds));
  return bounds;
}

/* The highest contrast between @background and any pixel inside @box: a
 * text's darkest (or lightest) stem shows its colour, whatever the
 * antialiasing does at its edges. */
static double
best_contrast_in (const Pixels          *pixels,
                  const graphene_rect_t *box,
                  double                 background)
{
  double best = 1;

  for (int y = box->origin.y; y < box->origin.y + box->size.height; y++)
    for (int x = box->origin.x; x < box->origin.x + box->size.width; x++)
      best = MAX (best, contrast_ratio (background, pixels_luminance (pixels, x, y)));

  return best;
}

typedef struct
{
  double window_background;
  double card_background;
  double reason_contrast;
  double card_edge_contrast;
  double row_reason_contrast;
} Look;

/* The failed task's row on screen (GTK 4.8 keeps rows for items out of
 * view too). */
static gboolean
is_failed_row (GtkWidget     *widget,
               gconstpointer  data)
{
  DailiesTask *task;

  return DAILIES_IS_TASK_ROW (widget) && gtk_widget_get_mapped (widget) &&
         (task = dailies_task_row_get_task (DAILIES_TASK_ROW (widget))) != NULL &&
         g_strcmp0 (dailies_task_get_id (task), FAILURE_ID) == 0;
}

/* Renders the window and measures it: the window's background beside the
 * failure reason, the reason card's own background and the contrast of its
 * text, and how much the card's edge stands out from the window. */
static void
measure_look (DailiesWindow *window,
              const char    *name,
              Look          *look)
{
  GtkWidget *view = dailies_window_get_task_view (window);
  GtkWidget *reason = dailies_test_find_widget (view, GTK_TYPE_LABEL, "failure-reason");
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *data = NULL;
  graphene_rect_t card, text;
  Pixels pixels;
  int middle;

  g_assert_nonnull (reason);
  g_assert_true (gtk_widget_get_mapped (reason));
  texture = dailies_test_screenshot (GTK_WIDGET (window), name);
  pixels_load (&pixels, texture);
  data = pixels.data;

  card = bounds_in_window (reason);
  middle = card.origin.y + card.size.height / 2;
  /* Left of the card is the view's margin, showing the window. */
  look->window_background = pixels_luminance (&pixels, card.origin.x - 6, middle);
  /* Inside the card's padding, clear of its rounded corners. */
  look->card_background = pixels_luminance (&pixels, card.origin.x + 6, middle);
  /* The text, inside the 12 px of padding. */
  graphene_rect_inset_r (&card, 12, 12, &text);
  look->reason_contrast = best_contrast_in (&pixels, &text, look->card_background);
  /* The card's left edge: its border, or its shadow. */
  {
    graphene_rect_t edge = GRAPHENE_RECT_INIT (card.origin.x - 2, middle, 4, 1);
    look->card_edge_contrast = best_contrast_in (&pixels, &edge, look->window_background);
  }

  /* The row's first line of the reason, in the error colour, on the
   * selected row: its background shows in the gap before the text. */
  {
    GtkWidget *row = dailies_test_find_widget_where (GTK_WIDGET (window), is_failed_row, NULL);
    GtkWidget *detail;
    graphene_rect_t line;

    g_assert_nonnull (row);
    detail = dailies_test_find_widget (row, GTK_TYPE_INSCRIPTION, "error");
    g_assert_nonnull (detail);
    line = bounds_in_window (detail);
    look->row_reason_contrast = best_contrast_in (&pixels, &line,
                                                  pixels_luminance (&pixels, line.origin.x - 2, line.origin.y + line.size.height / 2));
  }

  g_test_message ("%s: window %.3f, card %.3f, reason contrast %.2f, card edge contrast %.2f, row reason contrast %.2f",
                  name, look->window_background, look->card_background,
                  look->reason_contrast, look->card_edge_contrast, look->row_reason_contrast);
}

typedef struct
{
  AdwStyleManager *manager;
  gboolean         dark;
  gboolean         high_contrast;
} StyleWait;

static gboolean
style_is (gpointer user_data)
{
  StyleWait *wait = user_data;

  return adw_style_manager_get_dark (wait->manager) == wait->dark &&
         adw_style_manager_get_high_contrast (wait->manager) == wait->high_contrast;
}

/* libadwaita 1.2 takes high contrast from the settings portal, else from
 * org.gnome.desktop.a11y.interface (its GTK theme name only when that
 * schema is missing). Tests run with no portal (see main) and the memory
 * GSettings backend, so this is the switch a user's desktop flips. */
static void
set_style (gboolean dark,
           gboolean high_contrast)
{
  StyleWait wait = { adw_style_manager_get_default (), dark, high_contrast };
  g_autoptr(GSettings) a11y = g_settings_new ("org.gnome.desktop.a11y.interface");

  adw_style_manager_set_color_scheme (wait.manager, dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_settings_set_boolean (a11y, "high-contrast", high_contrast);
  g_assert_true (dailies_test_wait_until (style_is, &wait, 5000));
}

/* Runs the demo to its end, with the failed task selected. */
static DailiesWindow *
settle_demo (DailiesApplication *app)
{
  DailiesPoller *poller = dailies_application_get_poller (app);
  DailiesDemoServer *server = dailies_application_get_demo_server (app);
  DailiesWindow *window;

  dailies_test_wait_for_window (GTK_APPLICATION (app));
  window = DAILIES_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));

  /* Fast-forward the demo to its end: failures with reasons, and kept
   * videos whose rows wear the badge. */
  dailies_poller_set_interval (poller, 1);
  dailies_demo_server_advance (server, 120);
  dailies_poller_wake (poller);
  g_assert_true (dailies_test_wait_until (demo_settled, app, 30000));
  g_assert_true (dailies_window_select_task (window, FAILURE_ID));

  return window;
}

/* Light, dark and high contrast each paint the window in their own
 * colours, the failure reason stays readable (WCAG AA, 4.5:1), and high
 * contrast outlines the card. */
static void
test_modes_body (DailiesApplication *app,
                 gpointer            data)
{
  DailiesWindow *window = settle_demo (app);
  Look light, dark, high_contrast, high_contrast_dark;

  resize_window (GTK_WIDGET (window), 1000, 720);

  set_style (FALSE, FALSE);
  measure_look (window, "look-light.png", &light);
  set_style (TRUE, FALSE);
  measure_look (window, "look-dark.png", &dark);
  set_style (FALSE, TRUE);
  measure_look (window, "look-high-contrast.png", &high_contrast);
  set_style (TRUE, TRUE);
  measure_look (window, "look-high-contrast-dark.png", &high_contrast_dark);
  set_style (FALSE, FALSE);

  g_assert_cmpfloat (light.window_background, >, 0.7);
  g_assert_cmpfloat (high_contrast.window_background, >, 0.7);
  g_assert_cmpfloat (dark.window_background, <, 0.1);
  g_assert_cmpfloat (high_contrast_dark.window_background, <, 0.1);

  g_assert_cmpfloat (light.reason_contrast, >=, 4.5);
  g_assert_cmpfloat (dark.reason_contrast, >=, 4.5);
  g_assert_cmpfloat (high_contrast.reason_contrast, >=, 7);
  g_assert_cmpfloat (high_contrast_dark.reason_contrast, >=, 7);
  g_assert_cmpfloat (light.row_reason_contrast, >=, 4.5);
  g_assert_cmpfloat (dark.row_reason_contrast, >=, 4.5);
  g_assert_cmpfloat (high_contrast.row_reason_contrast, >=, 4.5);
  g_assert_cmpfloat (high_contrast_dark.row_reason_contrast, >=, 4.5);

  g_assert_cmpfloat (high_contrast.card_edge_contrast, >, light.card_edge_contrast);
  g_assert_cmpfloat (high_contrast_dark.card_edge_contrast, >, dark.card_edge_contrast);
}

typedef struct
{
  GtkWidget *window;
  int        width;
  guint      n_checked;
} FitCheck;

/* Every mapped widget under @widget lies within the window's width, and
 * has at least the width it asks for: nothing is cut off at the edge or
 * squeezed below its minimum. (Text inside may ellipsize: that is its
 * minimum's promise.) */
static void
check_fits (GtkWidget *widget,
            FitCheck  *check)
{
  graphene_rect_t bounds;
  GtkAllocation allocation;
  int minimum;

  /* Popovers and dialogs are sized on their own; an overlay scrollbar's
   * slider reaches past the edge it hugs by design. */
  if (!gtk_widget_get_mapped (widget) || GTK_IS_NATIVE (widget) || GTK_IS_SCROLLBAR (widget))
    return;

  g_assert_true (gtk_widget_compute_bounds (widget, check->window, &bounds));
  /* The allocation counts CSS margins as the minimum does; the widget's
   * own margins it leaves out. */
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  minimum -= gtk_widget_get_margin_start (widget) + gtk_widget_get_margin_end (widget);
  gtk_widget_get_allocation (widget, &allocation);
  /* 1 px of slack: libadwaita lets a pane's header bar overlap the
   * hairline beside it. */
  if (bounds.origin.x < -1 || bounds.origin.x + bounds.size.width > check->width + 1 ||
      allocation.width < minimum)
    g_error ("%s.%s at x %.0f, %.0f wide (needs %d), in a window %d wide",
             G_OBJECT_TYPE_NAME (widget), gtk_widget_get_css_name (widget),
             bounds.origin.x, bounds.size.width, minimum, check->width);
  check->n_checked++;

  /* A leaflet's panes, not its transition's shadow; folded, only the
   * pane it shows. */
  if (ADW_IS_LEAFLET (widget))
    {
      AdwLeaflet *leaflet = ADW_LEAFLET (widget);
      g_autoptr(GListModel) pages = G_LIST_MODEL (adw_leaflet_get_pages (leaflet));

      for (guint i = 0; i < g_list_model_get_n_items (pages); i++)
        {
          g_autoptr(AdwLeafletPage) page = g_list_model_get_item (pages, i);
          GtkWidget *child = adw_leaflet_page_get_child (page);

          if (!adw_leaflet_get_folded (leaflet) || child == adw_leaflet_get_visible_child (leaflet))
            check_fits (child, check);
        }
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check_fits (child, check);
}

static void
assert_fits (DailiesWindow *window)
{
  FitCheck check = { GTK_WIDGET (window), gtk_widget_get_width (GTK_WIDGET (window)), 0 };

  /* From the window's children: its own box takes in the frame. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (window));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check_fits (child, &check);
  g_assert_cmpuint (check.n_checked, >, 50);
}

static gboolean
is_icon_with_tooltip (GtkWidget     *widget,
                      gconstpointer  tooltip)
{
  return DAILIES_IS_ICON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

/* Every row on screen wears the kept badge, with a real icon, exactly when
 * its task's video is kept. Returns how many do. */
static guint
check_rows (GtkWidget *widget)
{
  guint n_kept = 0;

  if (!gtk_widget_get_mapped (widget))
    return 0;

  if (DAILIES_IS_TASK_ROW (widget))
    {
      DailiesTask *task = dailies_task_row_get_task (DAILIES_TASK_ROW (widget));
      GtkWidget *badge = dailies_test_find_widget_where (widget, is_icon_with_tooltip, "Kept on this computer");
      gboolean kept = dailies_task_get_local_path (task) != NULL;

      g_assert_cmpint (kept, ==, badge != NULL && gtk_widget_get_mapped (badge));
      if (kept)
        {
          GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (badge));

          GIcon *icon = dailies_icon_get_gicon (DAILIES_ICON (badge));

          /* A real icon, not the missing-image one. */
          g_assert_true (gtk_icon_theme_has_gicon (theme, icon));
          /* A place the file is in, not something to press to download. */
          g_assert_true (G_IS_THEMED_ICON (icon));
          for (const char * const *name = g_themed_icon_get_names (G_THEMED_ICON (icon)); *name != NULL; name++)
            g_assert_true (strstr (*name, "download") == NULL && strstr (*name, "arrow") == NULL &&
                           strstr (*name, "save") == NULL);
          n_kept++;
        }
      return n_kept;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n_kept += check_rows (child);

  return n_kept;
}

static gboolean
is_button_for_action (GtkWidget     *widget,
                      gconstpointer  action)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

static gboolean
leaflet_settled (gpointer user_data)
{
  return !adw_leaflet_get_child_transition_running (user_data);
}

/* At 360 px the leaflet shows one pane at a time, with a way back to the
 * list, and everything fits; at 1,920 px both panes show side by side. */
static void
test_widths_body (DailiesApplication *app,
                  gpointer            data)
{
  DailiesWindow *window = settle_demo (app);
  GtkWidget *view = dailies_window_get_task_view (window);
  AdwLeaflet *leaflet = ADW_LEAFLET (dailies_test_find_widget (GTK_WIDGET (window), ADW_TYPE_LEAFLET, NULL));
  GtkWidget *list = dailies_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_VIEW, "navigation-sidebar");
  GtkWidget *content = gtk_window_get_child (GTK_WINDOW (window));
  GtkWidget *back = dailies_test_find_widget_where (GTK_WIDGET (window), is_button_for_action, "win.show-list");
  int minimum;

  g_assert_nonnull (leaflet);
  g_assert_nonnull (list);
  g_assert_nonnull (back);

  /* Judge the layout the leaflet settles on, not its fold and unfold
   * animation. For 250 ms after a resize across the fold, libadwaita 1.2
   * widens the visible pane (the list, after win.show-list) by the part
   * of that animation still to run, and pushes the panes after it right
   * by as much, clipped at the leaflet's edge: the task pane, allocated
   * to end at the window's edge, showed up a few px past it, by however
   * far the animation had got. leaflet_settled() cannot wait for it (1.2
   * only tells child-transition-running), and a few frames after a
   * resize may or may not be 250 ms under Xvfb on a busy machine. The
   * sidebar's own width did not change meanwhile. */
  adw_leaflet_set_mode_transition_duration (leaflet, 0);

  /* A phone's width fits the window's content. */
  gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_test_message ("content's minimum width: %d px", minimum);
  g_assert_cmpint (minimum, <=, 360);

  resize_window (GTK_WIDGET (window), 360, 720);
  g_assert_true (dailies_test_wait_until (leaflet_settled, leaflet, 5000));
  g_object_unref (dailies_test_screenshot (GTK_WIDGET (window), "look-360-task.png"));
  g_assert_true (adw_leaflet_get_folded (leaflet));
  /* The selected task's pane, alone, with the way back. (A folded 4.8
   * leaflet keeps the other pane mapped, but draws only this one.) */
  g_assert_true (gtk_widget_is_ancestor (view, adw_leaflet_get_visible_child (leaflet)));
  g_assert_true (gtk_widget_is_visible (back));
  g_assert_true (gtk_widget_get_mapped (dailies_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "failure-reason")));
  assert_fits (window);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-list", NULL));
  g_assert_true (dailies_test_wait_until (leaflet_settled, leaflet, 5000));
  dailies_test_wait_for_frames (GTK_WIDGET (window));
  g_assert_true (gtk_widget_is_ancestor (list, adw_leaflet_get_visible_child (leaflet)));
  g_object_unref (dailies_test_screenshot (GTK_WIDGET (window), "look-360-list.png"));
  assert_fits (window);
  g_assert_cmpuint (check_rows (list), >, 0);

  resize_window (GTK_WIDGET (window), 1920, 1080);
  g_assert_true (dailies_test_wait_until (leaflet_settled, leaflet, 5000));
  g_object_unref (dailies_test_screenshot (GTK_WIDGET (window), "look-1920.png"));
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_true (gtk_widget_get_mapped (list));
  g_assert_true (gtk_widget_get_mapped (view));
  g_assert_false (gtk_widget_is_visible (back));
  {
    graphene_rect_t list_bounds, view_bounds;

    /* Side by side, each with room to spare. */
    g_assert_true (gtk_widget_compute_bounds (list, GTK_WIDGET (window), &list_bounds));
    g_assert_true (gtk_widget_compute_bounds (view, GTK_WIDGET (window), &view_bounds));
    g_assert_cmpfloat (list_bounds.origin.x + list_bounds.size.width, <=, view_bounds.origin.x);
    g_assert_cmpfloat (view_bounds.size.width, >, 1000);
  }
  assert_fits (window);
  g_assert_cmpuint (check_rows (list), >, 0);

  /* Back to the window's own size request, from its template. */
  resize_window (GTK_WIDGET (window), 1000, 720);
  gtk_widget_set_size_request (GTK_WIDGET (window), 360, 294);
}

/* Runs `dailies --demo` with @body called once the window is up. */
static void
run_demo (DailiesTestAppFunc body)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, body, NULL);
}

static void
test_modes (void)
{
  run_demo (test_modes_body);
}

static void
test_widths (void)
{
  run_demo (test_widths_body);
}

int
main (int   argc,
      char *argv[])
{
  DailiesTestNotifications *notifications;
  int status;

  /* The portal the test bus would start has no display (test-portal runs
   * its own): libadwaita is not to ask it, as in every test (meson.build). */
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  /* Tasks finish while the window is not the focused one. */
  notifications = dailies_test_notifications_start ();

  g_test_add_func ("/dailies/look/modes", test_modes);
  g_test_add_func ("/dailies/look/widths", test_widths);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);

  return status;
}
