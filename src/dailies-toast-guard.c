/* dailies-toast-guard.c
 *
 * libadwaita before 1.7 aborts when a toast is dismissed while a toast of
 * the same overlay is still coming up (300 ms, or 500 ms while another
 * fades out):
 * - if the toast's fade-out (300 ms) ends before its slide-in, or in the
 *   same frame (dismissed before the slide-in's first frame), the overlay frees
 *   the toast's state, and the slide-in's "done" handler then writes to
 *   it: a use after free in adw_animation_skip() (fixed in 1.3: "Fix a
 *   use-after-free when quickly creating and dismissing toasts");
 * - a toast pushed back by a high-priority one fades out over 300 ms with
 *   its widget; dismissing the new one in that time shows the old one
 *   again, widget and all: "show_toast: assertion failed: (!info->widget)"
 *   (fixed after 1.5, which still has it; 1.7 has the fix, 1.6 is not
 *   checked).
 * Both take a dismissal while a slide-in or a push-back runs, and both
 * start only when a toast comes up: when one is added, or after a
 * dismissal (the overlay brings up the next). The guard notes each such
 * moment and holds any dismissal until the frame clock has passed it by
 * the longest slide-in: every animation of that moment ends in that
 * frame. Once the frame is out, the held dismissals are emitted again.
 * Unmapping the overlay ends every animation too (libadwaita skips them),
 * so it lets them go as well.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-toast-guard.h"

#define LONGEST_SHOW_MS 500   /* adw-toast-overlay.c's REPLACE_DURATION */
#define GUARD_KEY       "dailies-toast-guard"
#define PREPARED_KEY    "dailies-toast-guard-prepared"

struct _DailiesToastGuard
{
  GObject    parent_instance;

  GtkWidget *overlay;          /* weak: the overlay keeps the guard */
  gint64     settled_at;       /* frame time (ms) by which all has come up */
  gboolean   unsettled;        /* until then, dismissals wait */
  GPtrArray *held;             /* AdwToast, each dismissed once, in order */
  guint      tick_id;          /* watches the frame clock for settled_at */
  guint      release_source;   /* emits the held dismissals again */
};

G_DEFINE_FINAL_TYPE (DailiesToastGuard, dailies_toast_guard, G_TYPE_OBJECT)

gboolean
dailies_toast_guard_is_needed (void)
{
  return adw_get_major_version () == 1 && adw_get_minor_version () < 7;
}

/* Emitted, not adw_toast_dismiss(): the toast's own first handler has
 * already cut it from its overlay, which makes that a no-op. Each may bring
 * the next toast up, which holds the rest again. */
static void
emit_dismissed (GPtrArray *toasts)
{
  for (guint i = 0; i < toasts->len; i++)
    g_signal_emit_by_name (g_ptr_array_index (toasts, i), "dismissed");
}

static gboolean
release_cb (gpointer user_data)
{
  DailiesToastGuard *self = user_data;
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  self->release_source = 0;
  self->unsettled = FALSE;
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  emit_dismissed (held);

  return G_SOURCE_REMOVE;
}

/* After the frame being drawn: its animations may end after us in it. */
static void
schedule_release (DailiesToastGuard *self)
{
  if (self->release_source != 0)
    return;

  self->release_source = g_idle_add_full (G_PRIORITY_DEFAULT, release_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->release_source), "[dailies] toast guard");
}

static gboolean
settle_tick_cb (GtkWidget     *overlay,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  DailiesToastGuard *self = user_data;

  /* As AdwAnimation counts: whole ms of frame time. */
  if (gdk_frame_clock_get_frame_time (clock) / 1000 < self->settled_at)
    return G_SOURCE_CONTINUE;

  self->tick_id = 0;
  schedule_release (self);

  return G_SOURCE_REMOVE;
}

/* A toast of the overlay may be coming up from now on. */
static void
note_show (DailiesToastGuard *self)
{
  GdkFrameClock *clock;

  /* libadwaita animates nothing then. */
  if (self->overlay == NULL || !gtk_widget_get_mapped (self->overlay) || !adw_get_enable_animations (self->overlay))
    return;

  /* Read after the animations started: never earlier than their start. */
  clock = gtk_widget_get_frame_clock (self->overlay);
  self->settled_at = gdk_frame_clock_get_frame_time (clock) / 1000 + LONGEST_SHOW_MS;
  self->unsettled = TRUE;
  g_clear_handle_id (&self->release_source, g_source_remove);
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (self->overlay, settle_tick_cb, self, NULL);
}

/* libadwaita skips the overlay's animations as it unmaps. */
static void
overlay_unmap_cb (DailiesToastGuard *self)
{
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (self->overlay, self->tick_id);
  self->tick_id = 0;
  if (self->unsettled)
    schedule_release (self);
}

/* The overlay's dispose dismissed its toasts, bar the held ones (see
 * emit_dismissed()): their handlers still have to hear of it. */
static void
overlay_gone_cb (gpointer  user_data,
                 GObject  *overlay)
{
  DailiesToastGuard *self = user_data;
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  self->overlay = NULL;
  self->tick_id = 0;
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  emit_dismissed (held);
}

/* Whether @toast is the one the overlay shows and takes clicks for. Only
 * its dismissal races an animation: a queued toast is only taken out of
 * the queue, and one fading after a push-back (it takes no clicks then)
 * is freed when its fade ends. Held, a queued one would come up once the
 * current one's dismissal went through. Unknown, it counts as current. */
static gboolean
is_current (DailiesToastGuard *self,
            AdwToast          *toast)
{
  gboolean known = FALSE;

  for (GtkWidget *child = gtk_widget_get_first_child (self->overlay); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (child), "toast");
      g_autoptr(AdwToast) shown = NULL;

      if (pspec == NULL || pspec->value_type != ADW_TYPE_TOAST || !(pspec->flags & G_PARAM_READABLE))
        continue;
      known = TRUE;
      if (!gtk_widget_get_can_target (child))
        continue;
      g_object_get (child, "toast", &shown, NULL);
      if (shown == toast)
        return TRUE;
    }

  return !known;
}

/* Runs after the toast's own handler, before the overlay's and the
 * app's: a dismissal that waits reaches neither. */
static void
toast_dismissed_cb (AdwToast *toast,
                    gpointer  user_data)
{
  DailiesToastGuard *self = g_object_get_data (G_OBJECT (toast), GUARD_KEY);

  /* Never shown. */
  if (self == NULL)
    return;

  if (self->unsettled && self->overlay != NULL && gtk_widget_get_mapped (self->overlay) && is_current (self, toast))
    {
      g_signal_stop_emission_by_name (toast, "dismissed");
      if (!g_ptr_array_find (self->held, toast, NULL))
        g_ptr_array_add (self->held, g_object_ref (toast));
      return;
    }

  g_ptr_array_remove (self->held, toast);
}

/* Runs after the overlay's handler, which may have brought the next one up. */
static void
toast_dismissed_after_cb (AdwToast *toast,
                          gpointer  user_data)
{
  DailiesToastGuard *self = g_object_get_data (G_OBJECT (toast), GUARD_KEY);

  if (self != NULL)
    note_show (self);
}

void
dailies_toast_guard_prepare (AdwToast *toast)
{
  g_return_if_fail (ADW_IS_TOAST (toast));

  if (!dailies_toast_guard_is_needed () || g_object_get_data (G_OBJECT (toast), PREPARED_KEY) != NULL)
    return;

  g_object_set_data (G_OBJECT (toast), PREPARED_KEY, GINT_TO_POINTER (TRUE));
  g_signal_connect (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), NULL);
  g_signal_connect_after (toast, "dismissed", G_CALLBACK (toast_dismissed_after_cb), NULL);
}

void
dailies_toast_guard_add_toast (AdwToastOverlay *overlay,
                               AdwToast        *toast)
{
  DailiesToastGuard *self;

  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));
  g_return_if_fail (ADW_IS_TOAST (toast));

  if (!dailies_toast_guard_is_needed ())
    {
      adw_toast_overlay_add_toast (overlay, toast);
      return;
    }

  self = g_object_get_data (G_OBJECT (overlay), GUARD_KEY);
  if (self == NULL)
    {
      self = g_object_new (DAILIES_TYPE_TOAST_GUARD, NULL);
      self->overlay = GTK_WIDGET (overlay);
      g_object_weak_ref (G_OBJECT (overlay), overlay_gone_cb, self);
      g_signal_connect_swapped (overlay, "unmap", G_CALLBACK (overlay_unmap_cb), self);
      g_object_set_data_full (G_OBJECT (overlay), GUARD_KEY, self, g_object_unref);
    }

  dailies_toast_guard_prepare (toast);
  g_object_set_data_full (G_OBJECT (toast), GUARD_KEY, g_object_ref (self), g_object_unref);
  adw_toast_overlay_add_toast (overlay, toast);
  note_show (self);
}

static void
dailies_toast_guard_finalize (GObject *object)
{
  DailiesToastGuard *self = (DailiesToastGuard *)object;

  /* The overlay keeps us: it is gone. */
  g_assert (self->overlay == NULL);
  g_clear_handle_id (&self->release_source, g_source_remove);
  g_ptr_array_unref (self->held);

  G_OBJECT_CLASS (dailies_toast_guard_parent_class)->finalize (object);
}

static void
dailies_toast_guard_class_init (DailiesToastGuardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dailies_toast_guard_finalize;
}

static void
dailies_toast_guard_init (DailiesToastGuard *self)
{
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
}
