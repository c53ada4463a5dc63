/* dailies-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-a11y.h"
#include "dailies-application.h"
#include "dailies-poller.h"
#include "dailies-task-row.h"
#include "dailies-task-store.h"
#include "dailies-task-view.h"
#include "dailies-toast-guard.h"
#include "dailies-window-private.h"


G_DEFINE_FINAL_TYPE (DailiesWindow, dailies_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
show_waiting_toasts_cb (gpointer user_data)
{
  DailiesWindow *self = user_data;
  AdwToast *toast;

  self->toast_source = 0;
  while ((toast = g_queue_pop_head (&self->waiting_toasts)) != NULL)
    dailies_toast_guard_add_toast (self->toast_overlay, toast);

  return G_SOURCE_REMOVE;
}

/* The frame is out: the toasts go up once the frame clock has returned,
 * not from inside its signal. */
static void
toast_after_paint_cb (DailiesWindow *self)
{
  g_clear_signal_handler (&self->toast_paint_handler, self->toast_clock);
  g_clear_object (&self->toast_clock);
  self->toast_source = g_idle_add_full (G_PRIORITY_DEFAULT, show_waiting_toasts_cb, self, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->toast_source), "[dailies] toasts");
}

/* Shows @toast (taking it), and remembers what it said. */
void
_dailies_window_show_toast (DailiesWindow *self,
                            AdwToast      *toast)
{
  g_free (self->last_toast);
  self->last_toast = g_strdup (adw_toast_get_title (toast));

  /* After any that wait for a frame: in the order they were given. */
  if (!g_queue_is_empty (&self->waiting_toasts))
    g_queue_push_tail (&self->waiting_toasts, toast);
  else
    dailies_toast_guard_add_toast (self->toast_overlay, toast);
}

/* Shows @toast (taking it) once the next frame is drawn: the change it
 * tells of reaches the screen first. A new toast's widgets, layout and
 * first glyphs cost about three times the rest of removing a task from
 * 100,000 and drawing the list again; it slides in from below the
 * window's edge over 300 ms, so starting a frame later shows no
 * difference. */
void
_dailies_window_show_toast_after_frame (DailiesWindow *self,
                                        AdwToast      *toast)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (clock == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      _dailies_window_show_toast (self, toast);
      return;
    }

  g_free (self->last_toast);
  self->last_toast = g_strdup (adw_toast_get_title (toast));
  g_queue_push_tail (&self->waiting_toasts, toast);

  if (self->toast_clock == NULL && self->toast_source == 0)
    {
      self->toast_clock = g_object_ref (clock);
      self->toast_paint_handler = g_signal_connect_swapped (clock, "after-paint",
                                                            G_CALLBACK (toast_after_paint_cb), self);
      gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
    }
}

static void
text_toast_dismissed_cb (DailiesWindow *self,
                         AdwToast      *toast)
{
  if (self->text_toast == toast)
    g_clear_weak_pointer (&self->text_toast);
}

void
_dailies_window_add_toast (DailiesWindow *self,
                           const char    *text)
{
  AdwToast *toast;

  /* Said once while it shows: F5 held down repeats its key thirty times
   * a second, and libadwaita 1.2 would show each toast in turn. */
  if (self->text_toast != NULL && g_strcmp0 (adw_toast_get_title (self->text_toast), text) == 0)
    {
      /* Still what was said last. */
      g_free (self->last_toast);
      self->last_toast = g_strdup (text);
      return;
    }

  toast = adw_toast_new (text);
  /* Long messages (paths, reasons) must stay readable. */
  if (g_utf8_strlen (text, -1) > 60)
    adw_toast_set_timeout (toast, 10);
  g_set_weak_pointer (&self->text_toast, toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (text_toast_dismissed_cb), self, G_CONNECT_SWAPPED);
  _dailies_window_show_toast (self, toast);
}

/* What the newest toast said, or NULL: for tests and accessibility checks. */
const char *
dailies_window_get_last_toast (DailiesWindow *self)
{
  g_return_val_if_fail (DAILIES_IS_WINDOW (self), NULL);

  return self->last_toast;
}

static void
store_write_failed_cb (DailiesWindow *self,
                       GError        *error)
{
  g_autofree char *text = g_strdup_printf (_("Changes could not be saved: %s. Dailies keeps trying."), error->message);

  _dailies_window_add_toast (self, text);
}

/* The one task the pane shows: NULL when none or several are selected. */
DailiesTask *
_dailies_window_get_selected_task (DailiesWindow *self)
{
  return self->watched_task;
}

static void
update_actions (DailiesWindow *self)
{
  gboolean has_task = _dailies_window_get_selected_task (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove", has_task);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", has_task);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-id", has_task);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as",
                                 has_task && dailies_task_get_status (_dailies_window_get_selected_task (self)) == DAILIES_TASK_STATUS_SUCCESS);
  _dailies_window_update_bulk_actions (self);
}

static void
show_task (DailiesWindow *self,
           DailiesTask   *task)
{
  if (task == self->watched_task)
    return;

  if (self->watched_task != NULL)
    g_clear_signal_handler (&self->watched_handler, self->watched_task);
  g_set_object (&self->watched_task, task);
  if (task != NULL)
    self->watched_handler = g_signal_connect_object (task, "notify::status",
                                                     G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);

  dailies_task_view_set_task (self->task_view, task);
}

/* Called for each change of the selection and of the list under it (a
 * selected task removed): the selection counts its tasks as it goes, so
 * this costs nothing per answer, whatever is selected. */
static void
selection_changed_cb (DailiesWindow *self)
{
  DailiesTask *task = NULL;
  const char *page = "none";
  guint n_selected;

  /* A task an answer moves is out of the list until the next change puts
   * it back, still selected if it was: the pane stays as it is meanwhile. */
  if (dailies_task_list_model_get_moving_task (self->shown) != NULL)
    {
      self->task_moved = TRUE;
      return;
    }

  /* GTK 4.8 leaves the keyboard's focus on the row the task left, now out
   * of the window: back to the list, at the place the task left. */
  if (self->task_moved)
    {
      GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

      self->task_moved = FALSE;
      if (focus != NULL && gtk_widget_get_root (focus) == NULL)
        gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
    }

  n_selected = dailies_task_selection_get_n_selected (self->selection);
  if (n_selected == 1)
    task = dailies_task_selection_get_selected_task (self->selection);

  /* The list changed under the same selection (an answer moved a task, an
   * import added some): nothing here changes, and GTK would tell every
   * button of each action again, changed or not. */
  if (n_selected == self->n_selected && task == self->watched_task)
    return;
  self->n_selected = n_selected;

  if (self->n_selected == 1)
    page = "task";
  else if (self->n_selected > 1)
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Task Selected", "%u Tasks Selected",
                                                             self->n_selected),
                                                self->n_selected);

      adw_status_page_set_title (self->selection_page, title);
      page = "selection";
    }

  show_task (self, task);
  gtk_stack_set_visible_child_name (self->content_stack, page);
  update_actions (self);
}

/* The video host refused the link played: the store marks it lapsed. */
static void
task_view_link_refused_cb (DailiesWindow *self,
                           DailiesTask   *task,
                           const char    *url)
{
  dailies_task_store_mark_link_lapsed (self->store, task, url);
}

static void
list_activate_cb (DailiesWindow *self,
                  guint          position)
{
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
items_changed_cb (DailiesWindow *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  gtk_stack_set_visible_child_name (self->main_stack, n_items > 0 ? "tasks" : "empty");
}

/* The banner's button: the key, for a pause the key ends; else the
 * address, which is all the other banner with a button is about. */
static void
banner_button_clicked_cb (DailiesWindow *self)
{
  if (dailies_poller_get_pause_reason (self->poller) == DAILIES_POLLER_PAUSE_NONE &&
      dailies_poller_get_wrong_address (self->poller) != NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.preferences", NULL);
      return;
    }

  _dailies_window_show_api_key_dialog (self, dailies_poller_get_state (self->poller) == DAILIES_POLLER_STATE_UNAUTHORIZED);
}

static char *
describe_no_quota (DailiesWindow *self)
{
  gint64 used, granted;

  dailies_poller_get_quota (self->poller, &used, &granted);
  if (used >= 0 && granted >= 0)
    {
      /* The locale's digit grouping, as in 500,000 */
      g_autofree char *used_text = g_strdup_printf ("%'" G_GINT64_FORMAT, used);
      g_autofree char *granted_text = g_strdup_printf ("%'" G_GINT64_FORMAT, granted);

      /* Translators: quota units as the service counts them, as in "500,000 of 500,000 used" */
      return g_strdup_printf (_("The API key has no quota left (%s of %s used). Top it up or enter another key to resume checking."),
                              used_text, granted_text);
    }

  return g_strdup (_("The API key has no quota left. Top it up or enter another key to resume checking."));
}

/* Every pause says why, and when checking resumes. */
static void
update_banner (DailiesWindow *self)
{
  g_autofree char *text = NULL;
  const char *button = NULL;

  switch (dailies_poller_get_pause_reason (self->poller))
    {
    case DAILIES_POLLER_PAUSE_NEEDS_KEY:
      text = g_strdup (_("Dailies needs your API key to ask about these tasks."));
      button = _("_Enter Key…");
      break;
    case DAILIES_POLLER_PAUSE_KEY_REJECTED:
      text = g_strdup (_("The API key was rejected. Checking is paused until you enter a valid key."));
      button = _("_Enter Key…");
      break;
    case DAILIES_POLLER_PAUSE_NO_QUOTA:
      text = describe_no_quota (self);
      button = _("_Enter Key…");
      break;
    case DAILIES_POLLER_PAUSE_OFFLINE:
      text = g_strdup (_("Offline. Checking resumes when the network is back."));
      break;
    case DAILIES_POLLER_PAUSE_RATE_LIMITED:
      {
        g_autoptr(GDateTime) until = g_date_time_new_from_unix_local (dailies_poller_get_pause_until (self->poller));
        /* The locale's own way of writing a time of day */
        g_autofree char *time = until != NULL ? g_date_time_format (until, "%X") : NULL;

        /* Translators: %s is a time of day, such as 14:05:00 */
        text = g_strdup_printf (_("The service asked Dailies to slow down. Checking resumes at %s."),
                                time != NULL ? time : "?");
      }
      break;
    case DAILIES_POLLER_PAUSE_NONE:
    default:
      /* Not a pause: every task is asked again, backed off, meanwhile. */
      if (dailies_poller_get_wrong_address (self->poller) != NULL)
        {
          /* Translators: %s is a web address, such as https://www.anyfast.ai/api */
          text = g_strdup_printf (_("There is no task API at %s. Check the API address in Preferences."),
                                  dailies_poller_get_wrong_address (self->poller));
          button = _("_Preferences");
        }
      break;
    }

  if (text != NULL)
    gtk_label_set_label (self->banner_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->banner_button), button != NULL);
  if (button != NULL)
    gtk_button_set_label (self->banner_button, button);
  gtk_revealer_set_reveal_child (self->banner, text != NULL);
}

const char *
dailies_window_get_banner_text (DailiesWindow *self)
{
  g_return_val_if_fail (DAILIES_IS_WINDOW (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->banner))
    return NULL;

  return gtk_label_get_label (self->banner_label);
}

static void
poller_state_changed_cb (DailiesWindow *self)
{
  DailiesPollerState state = dailies_poller_get_state (self->poller);

  /* Ask once, not per task: when the key was rejected, or the first time
   * there is something to ask about and no key at all. */
  if (state == DAILIES_POLLER_STATE_UNAUTHORIZED && self->key_dialog == NULL)
    _dailies_window_show_api_key_dialog (self, TRUE);
  else if (state == DAILIES_POLLER_STATE_NEEDS_KEY && self->key_dialog == NULL && !self->asked_for_key)
    _dailies_window_show_api_key_dialog (self, FALSE);
}

/* ------------------------------------------------------------------ */
/* List                                                                */
/* ------------------------------------------------------------------ */

/* About as many rows as GTK 4.8's list view keeps at once. */
#define ROW_POOL_MAX 256
/* GTK 4.8 builds about 200 rows as soon as the list has that many tasks,
 * and about as many new ones when a change (a search) replaces the tasks
 * in view: it asks for the new rows before it lets go of the old ones.
 * As many rows wait spare, made one by one in idle time from the first
 * frame on and again after each such change, instead of stalling the
 * window then (some 100 ms on a small machine). */
#define ROW_PREFILL 200
#define ROW_PREFILL_SLICE_US 3000

/* GTK 4.8 drops the rows of items that leave the list and builds new ones
 * for the items that come into view (a search that empties the top of
 * the list replaces all 200 rows it keeps): a row the list lets go of is
 * kept for the next one asked for, which then costs a bind, not a build. */
static void
row_parent_cb (GtkWidget     *row,
               GParamSpec    *pspec,
               DailiesWindow *self)
{
  if (gtk_widget_get_parent (row) != NULL)
    return;

  /* Rows are not unbound (below): this is where a row lets go of its task. */
  dailies_task_row_set_slot (DAILIES_TASK_ROW (row), NULL);
  if (self->row_pool == NULL || self->row_pool->len >= ROW_POOL_MAX)
    return;

  g_object_set_data (G_OBJECT (row), "list-item", NULL);
  g_ptr_array_add (self->row_pool, g_object_ref (row));
}

static GtkWidget *
make_row (DailiesWindow *self)
{
  GtkWidget *row = g_object_ref_sink (dailies_task_row_new ());

  g_signal_connect_object (row, "notify::parent", G_CALLBACK (row_parent_cb), self, 0);

  return row;
}

static gboolean
prefill_rows_cb (gpointer user_data)
{
  DailiesWindow *self = user_data;
  gint64 deadline = g_get_monotonic_time () + ROW_PREFILL_SLICE_US;

  while (self->row_pool->len < ROW_PREFILL)
    {
      g_ptr_array_add (self->row_pool, make_row (self));
      if (g_get_monotonic_time () >= deadline)
        return G_SOURCE_CONTINUE;
    }

  self->prefill_source = 0;
  return G_SOURCE_REMOVE;
}

/* In idle time, once the first frame is out. */
static void
make_spare_rows (DailiesWindow *self)
{
  if (self->keep_spare_rows && self->row_pool != NULL && self->row_pool->len < ROW_PREFILL &&
      self->prefill_source == 0)
    self->prefill_source = g_idle_add_full (G_PRIORITY_LOW, prefill_rows_cb, self, NULL);
}

static void
prefill_after_paint_cb (GdkFrameClock *clock,
                        DailiesWindow *self)
{
  g_clear_signal_handler (&self->prefill_paint_handler, self->prefill_clock);
  g_clear_object (&self->prefill_clock);
  self->keep_spare_rows = TRUE;
  make_spare_rows (self);
}

/* Once, at the first map: the prefill waits for the first frame. */
static void
start_row_prefill_cb (DailiesWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  g_signal_handlers_disconnect_by_func (self, start_row_prefill_cb, NULL);
  if (clock == NULL)
    return;
  self->prefill_clock = g_object_ref (clock);
  self->prefill_paint_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (prefill_after_paint_cb), self);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              DailiesWindow            *self)
{
  g_autoptr(GtkWidget) row = NULL;

  if (self->row_pool != NULL && self->row_pool->len > 0)
    row = g_ptr_array_steal_index_fast (self->row_pool, self->row_pool->len - 1);
  else
    row = make_row (self);

  /* A row's place in the list, for a right click: the item knows it. */
  g_object_set_data (G_OBJECT (row), "list-item", item);
  gtk_list_item_set_child (item, row);
  make_spare_rows (self);
}

/* Right click or long press on a row: its task is selected, and the menu
 * of what can be done with it opens there. On a row that is part of a
 * selection of several, the selection stays and its menu opens. */
static void
open_row_menu (DailiesWindow *self,
               double         x,
               double         y)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->list_view), x, y, GTK_PICK_DEFAULT);
  GtkWidget *row = picked != NULL ? gtk_widget_get_ancestor (picked, DAILIES_TYPE_TASK_ROW) : NULL;
  GtkListItem *item = row != NULL ? g_object_get_data (G_OBJECT (row), "list-item") : NULL;
  guint position;
  double row_x, row_y;

  if (item == NULL || (position = gtk_list_item_get_position (item)) == GTK_INVALID_LIST_POSITION ||
      !gtk_widget_translate_coordinates (GTK_WIDGET (self->list_view), row, x, y, &row_x, &row_y))
    return;

  if (self->n_selected > 1 && gtk_list_item_get_selected (item))
    {
      dailies_task_row_popup_menu (DAILIES_TASK_ROW (row), self->selection_menu, row_x, row_y);
      return;
    }

  list_activate_cb (self, position);
  dailies_task_row_popup_menu (DAILIES_TASK_ROW (row), self->row_menu, row_x, row_y);
}

/* A plain click (or tap) on a row shows its task: in a narrow window
 * that means going on to the pane. Ctrl and Shift clicks only select.
 * Seen on its way down, before the row selects. */
static void
primary_released_cb (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     DailiesWindow   *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *picked;

  if (n_press != 1 || (state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) != 0 ||
      !adw_leaflet_get_folded (self->leaflet))
    return;

  picked = gtk_widget_pick (GTK_WIDGET (self->list_view), x, y, GTK_PICK_DEFAULT);
  if (picked != NULL && gtk_widget_get_ancestor (picked, DAILIES_TYPE_TASK_ROW) != NULL)
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
secondary_pressed_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      DailiesWindow   *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  open_row_menu (self, x, y);
}

static void
long_pressed_cb (GtkGestureLongPress *gesture,
                 double               x,
                 double               y,
                 DailiesWindow       *self)
{
  open_row_menu (self, x, y);
}

/* No unbind: GTK 4.8 unbinds and binds again each of its 200 rows, most
 * to the task they had, when one task above them goes or comes back. A
 * row keeps its task until it gets another, or leaves the list
 * (row_parent_cb), which makes that rebind free. */
static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  dailies_task_row_set_slot (DAILIES_TASK_ROW (gtk_list_item_get_child (item)),
                             gtk_list_item_get_item (item));
}

/* GTK 4.8's list view takes Tab from row to row, so leaving 100,000 tasks
 * took as many presses: Tab goes on to the task shown, Shift+Tab back to
 * what is above the list; arrows still move through it. */
static gboolean
list_key_pressed_cb (GtkEventControllerKey *controller,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     DailiesWindow         *self)
{
  GtkWidget *list_stack = GTK_WIDGET (self->list_stack);
  gboolean backward = keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK) != 0;
  GtkWidget *sibling;

  if ((keyval != GDK_KEY_Tab && keyval != GDK_KEY_KP_Tab && keyval != GDK_KEY_ISO_Left_Tab) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;

  if (!backward && gtk_widget_get_mapped (GTK_WIDGET (self->content_stack)) &&
      gtk_widget_child_focus (GTK_WIDGET (self->content_stack), GTK_DIR_TAB_FORWARD))
    return TRUE;

  /* Backward, or forward round to the top when the list is all there is. */
  sibling = backward ? gtk_widget_get_prev_sibling (list_stack)
                     : gtk_widget_get_first_child (gtk_widget_get_parent (list_stack));
  for (; sibling != NULL && sibling != list_stack;
       sibling = backward ? gtk_widget_get_prev_sibling (sibling) : gtk_widget_get_next_sibling (sibling))
    if (gtk_widget_get_mapped (sibling) &&
        gtk_widget_child_focus (sibling, backward ? GTK_DIR_TAB_BACKWARD : GTK_DIR_TAB_FORWARD))
      return TRUE;

  return FALSE;
}

static void
setup_list (DailiesWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->row_pool = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (self, "map", G_CALLBACK (start_row_prefill_cb), NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);

  /* Ctrl/Shift-click, Shift+arrows and Ctrl+A select several; a plain
   * click selects one, which the pane shows. */
  self->selection = dailies_task_selection_new (DAILIES_TASK_LIST_MODEL (_dailies_window_init_search (self)));

  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "items-changed",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->list_view, "activate",
                           G_CALLBACK (list_activate_cb), self, G_CONNECT_SWAPPED);

  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect_object (keys, "key-pressed", G_CALLBACK (list_key_pressed_cb), self, 0);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), keys);
  }

  {
    GtkGesture *secondary = gtk_gesture_click_new ();
    GtkGesture *long_press = gtk_gesture_long_press_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (secondary), GDK_BUTTON_SECONDARY);
    g_signal_connect (secondary, "pressed", G_CALLBACK (secondary_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (secondary));

    {
      GtkGesture *primary = gtk_gesture_click_new ();

      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (primary), GDK_BUTTON_PRIMARY);
      gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (primary), GTK_PHASE_CAPTURE);
      g_signal_connect (primary, "released", G_CALLBACK (primary_released_cb), self);
      gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (primary));
    }

    gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (long_press), TRUE);
    g_signal_connect (long_press, "pressed", G_CALLBACK (long_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (long_press));
  }
  g_signal_connect_object (self->store, "items-changed",
                           G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
}

/* ------------------------------------------------------------------ */
/* Window                                                              */
/* ------------------------------------------------------------------ */

static gboolean
dailies_window_close_request (GtkWindow *window)
{
  DailiesWindow *self = DAILIES_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (dailies_window_parent_class)->close_request (window);
}

/* Connects the window to the application's store and poller; the
 * application property is only set after construction. */
static void
setup (DailiesWindow      *self,
       DailiesApplication *app)
{
  g_assert (DAILIES_IS_APPLICATION (app));
  g_assert (self->settings != NULL);

  self->store = dailies_application_get_store (app);
  self->poller = dailies_application_get_poller (app);
  self->client = dailies_application_get_api_client (app);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  setup_list (self);
  items_changed_cb (self);
  update_actions (self);

  g_signal_connect_object (self->poller, "notify::state",
                           G_CALLBACK (poller_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->poller, "notify::pause-reason",
                           G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->poller, "notify::pause-until",
                           G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->poller, "notify::wrong-address",
                           G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "write-failed",
                           G_CALLBACK (store_write_failed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->task_view, "link-refused",
                           G_CALLBACK (task_view_link_refused_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->banner_button, "clicked",
                           G_CALLBACK (banner_button_clicked_cb), self, G_CONNECT_SWAPPED);
  update_banner (self);
  poller_state_changed_cb (self);
}

static void
dailies_window_dispose (GObject *object)
{
  DailiesWindow *self = (DailiesWindow *)object;

  /* Before GTK destroys it with this window (quitting with it open): its
   * password entry must not have the focus then (key_dialog_response_cb). */
  if (self->key_dialog != NULL)
    {
      GtkWindow *dialog = GTK_WINDOW (self->key_dialog);

      g_clear_weak_pointer (&self->key_dialog);
      gtk_window_set_focus (dialog, NULL);
      gtk_window_destroy (dialog);
    }

  g_clear_weak_pointer (&self->undo_toast);
  g_clear_weak_pointer (&self->text_toast);
  g_clear_weak_pointer (&self->summary_toast);
  g_cancellable_cancel (self->cancellable);
  if (self->saving != NULL)
    g_cancellable_cancel (self->saving);
  g_clear_object (&self->saving);
  if (self->watched_task != NULL)
    g_clear_signal_handler (&self->watched_handler, self->watched_task);
  g_clear_object (&self->watched_task);
  g_queue_clear_full (&self->waiting_imports, g_object_unref);
  if (self->toast_clock != NULL)
    g_clear_signal_handler (&self->toast_paint_handler, self->toast_clock);
  g_clear_object (&self->toast_clock);
  g_clear_handle_id (&self->toast_source, g_source_remove);
  /* Never shown, but over all the same: an Undo's toast lets its
   * removal go for good when it is dismissed. libadwaita 1.2 ignores
   * adw_toast_dismiss() on a toast no overlay holds, so the signal is
   * emitted here. */
  for (GList *l = self->waiting_toasts.head; l != NULL; l = l->next)
    g_signal_emit_by_name (l->data, "dismissed");
  g_queue_clear_full (&self->waiting_toasts, g_object_unref);
  if (self->prefill_clock != NULL)
    g_clear_signal_handler (&self->prefill_paint_handler, self->prefill_clock);
  g_clear_object (&self->prefill_clock);
  /* No spare rows asked for while the list lets its rows go. */
  self->keep_spare_rows = FALSE;
  g_clear_handle_id (&self->prefill_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), DAILIES_TYPE_WINDOW);
  g_clear_pointer (&self->row_pool, g_ptr_array_unref);
  g_clear_object (&self->selection);
  g_clear_object (&self->shown);

  G_OBJECT_CLASS (dailies_window_parent_class)->dispose (object);
}

static void
dailies_window_finalize (GObject *object)
{
  DailiesWindow *self = (DailiesWindow *)object;

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->last_toast);
  g_strfreev (self->import_problems);
  g_strfreev (self->import_in_comments);
  g_strfreev (self->import_rejected);

  G_OBJECT_CLASS (dailies_window_parent_class)->finalize (object);
}

static void
dailies_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DailiesWindow *self = DAILIES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DailiesWindow *self = DAILIES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_window_class_init (DailiesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = dailies_window_dispose;
  object_class->finalize = dailies_window_finalize;
  object_class->get_property = dailies_window_get_property;
  object_class->set_property = dailies_window_set_property;

  window_class->close_request = dailies_window_close_request;

  _dailies_window_class_init_actions (widget_class);
  _dailies_window_class_init_import (widget_class);
  _dailies_window_class_init_search (widget_class);
  _dailies_window_class_init_bulk (widget_class);

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);



  g_type_ensure (DAILIES_TYPE_TASK_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/dailies/Dailies/dailies-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, no_match_page);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, banner_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, task_view);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, row_menu);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, selection_menu);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, selection_page);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, import_revealer);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, import_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, import_progress);
}

static void
dailies_window_init (DailiesWindow *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  dailies_a11y_fix_button_names (GTK_WIDGET (self));
  _dailies_window_init_import (self);
  _dailies_window_init_bulk (self);
}

DailiesWindow *
dailies_window_new (AdwApplication *application,
                    GSettings      *settings)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  DailiesWindow *self;

  self = g_object_new (DAILIES_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       NULL);
  setup (self, DAILIES_APPLICATION (application));

  return self;
}

gboolean
dailies_window_select_task (DailiesWindow *self,
                            const char    *task_id)
{
  GListModel *model;
  guint n_items;

  g_return_val_if_fail (DAILIES_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (task_id != NULL, FALSE);

  model = G_LIST_MODEL (self->shown);
  n_items = g_list_model_get_n_items (model);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);

      if (g_strcmp0 (dailies_task_get_id (task), task_id) == 0)
        {
          list_activate_cb (self, i);
          return TRUE;
        }
    }

  return FALSE;
}

GtkWidget *
dailies_window_get_task_view (DailiesWindow *self)
{
  g_return_val_if_fail (DAILIES_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->task_view);
}

void
dailies_window_add_toast (DailiesWindow *self,
                          const char    *text)
{
  g_return_if_fail (DAILIES_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  _dailies_window_add_toast (self, text);
}

void
dailies_window_ask_for_api_key (DailiesWindow *self)
{
  g_return_if_fail (DAILIES_IS_WINDOW (self));

  _dailies_window_show_api_key_dialog (self, FALSE);
}
