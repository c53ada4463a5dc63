/* dailies-window-search.c
 *
 * Finding tasks among thousands: words to look for in the ID, model and
 * failure reason, and the state to show, as a filter between the store and
 * the sorted list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-a11y.h"
#include "dailies-poller.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-window-private.h"

/* The entries of the state drop-down, in its order. */
typedef enum
{
  STATUS_FILTER_ALL,
  STATUS_FILTER_RUNNING,
  STATUS_FILTER_SUCCEEDED,
  STATUS_FILTER_FAILED,
  STATUS_FILTER_LINK_EXPIRED,   /* succeeded, not kept, and the link lapsed */
} DailiesStatusFilter;

static gboolean
contains_casefolded (const char *haystack,
                     const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;

  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
status_matches (DailiesTask         *task,
                DailiesStatusFilter  filter)
{
  DailiesTaskStatus status = dailies_task_get_status (task);

  switch (filter)
    {
    case STATUS_FILTER_RUNNING:
      return !dailies_task_is_terminal (task);
    case STATUS_FILTER_SUCCEEDED:
      return status == DAILIES_TASK_STATUS_SUCCESS;
    case STATUS_FILTER_FAILED:
      return status == DAILIES_TASK_STATUS_FAILURE || status == DAILIES_TASK_STATUS_NOT_FOUND;
    case STATUS_FILTER_LINK_EXPIRED:
      return status == DAILIES_TASK_STATUS_SUCCESS && dailies_task_get_local_path (task) == NULL &&
             dailies_task_is_link_expired (task, g_get_real_time () / G_USEC_PER_SEC);
    case STATUS_FILTER_ALL:
    default:
      return TRUE;
    }
}

static gboolean
task_matches (gpointer item,
              gpointer user_data)
{
  DailiesWindow *self = user_data;
  DailiesTask *task = item;

  if (!status_matches (task, self->status_filter))
    return FALSE;

  if (self->search_text == NULL)
    return TRUE;

  return contains_casefolded (dailies_task_get_id (task), self->search_text) ||
         contains_casefolded (dailies_task_get_model (task), self->search_text) ||
         contains_casefolded (dailies_task_get_fail_reason (task), self->search_text) ||
         /* NULL at once for a finished task, and read once for a running one. */
         contains_casefolded (dailies_task_get_upstream_problem (task), self->search_text);
}

/* With nothing to look for, the filter matches all: the list model passes
 * the store through untouched, which keeps a start with thousands of
 * tasks as quick as before. */
static void
update_filter (DailiesWindow *self)
{
  if (self->search_text == NULL && self->status_filter == STATUS_FILTER_ALL)
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);
  else
    gtk_custom_filter_set_filter_func (self->filter, task_matches, self, NULL);
}

/* "N of M tasks" in the title, and the "No Matching Tasks" page when a
 * search finds nothing. */
static void
update_shown (DailiesWindow *self)
{
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint n_tasks = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autofree char *subtitle = NULL;

  gtk_stack_set_visible_child_name (self->list_stack, n_shown == 0 && n_tasks > 0 ? "no-match" : "list");

  if (n_shown == n_tasks)
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
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));

  g_clear_pointer (&self->search_text, g_free);
  if (*text != '\0')
    self->search_text = g_utf8_casefold (text, -1);

  update_filter (self);
}

static void
status_selected_cb (DailiesWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->status_dropdown);

  self->status_filter = selected <= STATUS_FILTER_LINK_EXPIRED ? selected : STATUS_FILTER_ALL;
  update_filter (self);
}

/* An answer may move a task in or out of what is shown: its state, its
 * model or its failure reason may be new. */
static void
task_answered_cb (DailiesWindow *self)
{
  if (self->search_text != NULL || self->status_filter != STATUS_FILTER_ALL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* Closing the search shows every task again. */
static void
search_mode_cb (DailiesWindow *self)
{
  if (gtk_search_bar_get_search_mode (self->search_bar))
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_drop_down_set_selected (self->status_dropdown, STATUS_FILTER_ALL);
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

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
_dailies_window_class_init_search (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.refresh-shown", NULL, refresh_shown_action);
  gtk_widget_class_install_action (widget_class, "win.copy-shown-ids", NULL, copy_shown_ids_action);
  gtk_widget_class_install_action (widget_class, "win.remove-shown", NULL, remove_shown_action);
}

/* Returns the store as the list shows it: filtered. */
GListModel *
_dailies_window_init_search (DailiesWindow *self)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  /* Ctrl+F is taken on its way down to the focus: a focused selectable
   * label (the task's ID, where the focus is after a notification shows
   * a task) binds it to move-cursor, so a binding on the window, which
   * only sees what bubbles up, would never get it. */
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("win.search")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  self->filter = gtk_custom_filter_new (NULL, NULL, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                              g_object_ref (GTK_FILTER (self->filter)));

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
  g_signal_connect_object (self->store, "task-answered",
                           G_CALLBACK (task_answered_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->filtered, "items-changed",
                           G_CALLBACK (update_shown), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "items-changed",
                           G_CALLBACK (update_shown), self, G_CONNECT_SWAPPED);

  return G_LIST_MODEL (self->filtered);
}
