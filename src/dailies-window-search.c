/* dailies-window-search.c
 *
 * Finding tasks among thousands: words to look for in the ID, model and
 * failure reason, the state to show, and the order, all kept by a
 * DailiesTaskListModel between the store and the list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-a11y.h"
#include "dailies-poller.h"
#include "dailies-task-list-model.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-window-private.h"

/* "N of M tasks" in the title, and the "No Matching Tasks" page when a
 * search finds nothing. Without a search, the list may be behind the
 * store for a moment (an import's tasks are listed five times a second):
 * the title then counts them all, as the import's progress does. */
static void
update_shown (DailiesWindow *self)
{
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->shown));
  guint n_tasks = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  const char *search = dailies_task_list_model_get_search (self->shown);
  gboolean narrowed = search != NULL ||
                      dailies_task_list_model_get_state_filter (self->shown) != DAILIES_TASK_FILTER_ALL;
  g_autofree char *subtitle = NULL;

  gtk_stack_set_visible_child_name (self->list_stack, narrowed && n_shown == 0 && n_tasks > 0 ? "no-match" : "list");

  if (n_shown == n_tasks || !narrowed)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u task", "%u tasks", n_tasks), n_tasks);
  else
    /* Translators: tasks shown by a search, out of all tasks */
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u task", "%u of %u tasks", n_tasks),
                                n_shown, n_tasks);
  adw_window_title_set_subtitle (self->sidebar_title, n_tasks > 0 ? subtitle : "");
}

static void
search_changed_cb (DailiesWindow *self)
{
  dailies_task_list_model_set_search (self->shown, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

/* The drop-down lists the states in DailiesTaskFilter's order. */
static void
status_selected_cb (DailiesWindow *self)
{
  guint filter = gtk_drop_down_get_selected (self->status_dropdown);

  dailies_task_list_model_set_state_filter (self->shown, filter);
  adw_status_page_set_description (self->no_match_page, filter == DAILIES_TASK_FILTER_ALL
                                                         ? _("Try other words.")
                                                         : _("Try other words, or show tasks in every state."));
}

/* Closing the search shows every task again, and gives the focus back to
 * the list at once: GTK moves it out of the entry only once the bar has
 * slid shut, and until then the next keys still went to the entry and its
 * blinking cursor kept the window drawing. */
static void
search_mode_cb (DailiesWindow *self)
{
  GtkWidget *focus;

  if (gtk_search_bar_get_search_mode (self->search_bar))
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_drop_down_set_selected (self->status_dropdown, DAILIES_TASK_FILTER_ALL);

  focus = gtk_root_get_focus (GTK_ROOT (self));
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->search_bar)))
    gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

/* Say, every task whose link lapsed while the computer was off: a server
 * that hands out fresh links brings them, and the keeper keeps them (the
 * service's own gateway repeats the lapsed ones). The poller sends them a
 * few at a time. */
static void
refresh_shown_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  g_autoptr(GPtrArray) tasks = _dailies_window_dup_shown_tasks (DAILIES_WINDOW (widget));

  _dailies_window_refresh_tasks (DAILIES_WINDOW (widget), tasks);
}

/* For a script to submit again, say, every failed one. */
static void
copy_shown_ids_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  g_autoptr(GPtrArray) tasks = _dailies_window_dup_shown_tasks (DAILIES_WINDOW (widget));

  _dailies_window_copy_ids (DAILIES_WINDOW (widget), tasks);
}

static void
remove_shown_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  g_autoptr(GPtrArray) tasks = _dailies_window_dup_shown_tasks (DAILIES_WINDOW (widget));

  _dailies_window_confirm_remove (DAILIES_WINDOW (widget), tasks);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);

  /* One pane at a time: the search is on the list's. */
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  /* Words typed next replace the last search's, as in other apps. */
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

void
_dailies_window_class_init_search (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.refresh-shown", NULL, refresh_shown_action);
  gtk_widget_class_install_action (widget_class, "win.copy-shown-ids", NULL, copy_shown_ids_action);
  gtk_widget_class_install_action (widget_class, "win.remove-shown", NULL, remove_shown_action);
}

/* Returns the store as the list shows it: searched, filtered and sorted. */
GListModel *
_dailies_window_init_search (DailiesWindow *self)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();
  g_autoptr(GAction) sort_action = NULL;

  /* Ctrl+F is taken on its way down to the focus: a focused selectable
   * label (the task's ID, where the focus is after a notification shows
   * a task) binds it to move-cursor, so a binding on the window, which
   * only sees what bubbles up, would never get it. */
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("win.search")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  self->shown = dailies_task_list_model_new (self->store);
  /* The order chosen in the Sort menu, kept for the next start. */
  g_settings_bind (self->settings, "sort-order", self->shown, "sort", G_SETTINGS_BIND_GET);
  sort_action = g_settings_create_action (self->settings, "sort-order");
  g_action_map_add_action (G_ACTION_MAP (self), sort_action);

  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  dailies_a11y_name_drop_down (self->status_dropdown, _("Show tasks in this state"));

  g_signal_connect_object (self->search_entry, "search-changed",
                           G_CALLBACK (search_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->status_dropdown, "notify::selected",
                           G_CALLBACK (status_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->shown, "items-changed",
                           G_CALLBACK (update_shown), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "items-changed",
                           G_CALLBACK (update_shown), self, G_CONNECT_SWAPPED);

  return G_LIST_MODEL (self->shown);
}
