/* test-toast-guard.c
 *
 * DailiesToastGuard on a real toast overlay on the Xvfb display, with
 * animations on: a dismissal it holds (libadwaita before 1.7 aborts on a
 * toast closed while one comes up) goes through once, and a queued toast
 * closed meanwhile never comes up. test-promises drives the window's own
 * toasts (Undo) through it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-toast-guard.h"

typedef struct
{
  GtkWindow       *window;
  AdwToastOverlay *overlay;
  AdwToast        *queued;          /* the toast that must not come up */
  gboolean         queued_shown;    /* it took clicks once dismissed */
  guint            n_dismissed[2];  /* the app's handler, per toast */
} Fixture;

static void
dismissed_cb (AdwToast *toast,
              guint    *count)
{
  (*count)++;
}

static gboolean
watch_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  Fixture *f = user_data;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (f->overlay)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_autoptr(AdwToast) shown = NULL;

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "toast") == NULL)
        continue;
      g_object_get (child, "toast", &shown, NULL);
      if (shown == f->queued && gtk_widget_get_can_target (child))
        f->queued_shown = TRUE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
both_dismissed (gpointer user_data)
{
  Fixture *f = user_data;

  return f->n_dismissed[0] > 0 && f->n_dismissed[1] > 0;
}

static gboolean
no_toast_shown (gpointer user_data)
{
  Fixture *f = user_data;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (f->overlay)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "toast") != NULL)
      return FALSE;

  return TRUE;
}

static AdwToast *
new_toast (Fixture    *f,
           const char *title,
           guint       index)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 0);
  dailies_toast_guard_prepare (toast);
  g_signal_connect (toast, "dismissed", G_CALLBACK (dismissed_cb), &f->n_dismissed[index]);

  return toast;
}

/* The shown toast is closed and the one waiting behind it is withdrawn
 * (its job ended) in the same moment, while the first still slides in:
 * the first is held, the second goes at once; each handler runs once and
 * the withdrawn toast never comes up. */
static void
test_queued_dismissed (void)
{
  Fixture f = { 0 };
  g_autoptr(AdwToast) shown = NULL;
  g_autoptr(AdwToast) queued = NULL;
  guint tick;

  if (!dailies_toast_guard_is_needed ())
    {
      g_test_skip ("this libadwaita needs no guard");
      return;
    }

  f.window = GTK_WINDOW (gtk_window_new ());
  f.overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (f.overlay, gtk_label_new ("content"));
  gtk_window_set_child (f.window, GTK_WIDGET (f.overlay));
  gtk_window_set_default_size (f.window, 600, 400);
  gtk_window_present (f.window);
  dailies_test_wait_for_frames (GTK_WIDGET (f.window));
  g_assert_true (adw_get_enable_animations (GTK_WIDGET (f.overlay)));
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (f.overlay), watch_tick_cb, &f, NULL);

  shown = g_object_ref (new_toast (&f, "Shown", 0));
  queued = g_object_ref (new_toast (&f, "Queued", 1));
  f.queued = queued;
  dailies_toast_guard_add_toast (f.overlay, shown);
  dailies_toast_guard_add_toast (f.overlay, queued);
  adw_toast_dismiss (shown);
  adw_toast_dismiss (queued);

  g_assert_true (dailies_test_wait_until (both_dismissed, &f, 5000));
  g_assert_true (dailies_test_wait_until (no_toast_shown, &f, 5000));
  g_assert_false (f.queued_shown);
  g_assert_cmpuint (f.n_dismissed[0], ==, 1);
  g_assert_cmpuint (f.n_dismissed[1], ==, 1);

  gtk_widget_remove_tick_callback (GTK_WIDGET (f.overlay), tick);
  gtk_window_destroy (f.window);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  dailies_test_set_log_writer (dailies_test_log_writer);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/dailies/toast-guard/queued-dismissed", test_queued_dismissed);

  return g_test_run ();
}
