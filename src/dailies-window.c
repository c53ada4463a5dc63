/* dailies-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-api-client.h"
#include "dailies-application.h"
#include "dailies-downloader.h"
#include "dailies-id-parser.h"
#include "dailies-keeper.h"
#include "dailies-poller.h"
#include "dailies-secret.h"
#include "dailies-task-row.h"
#include "dailies-task-store.h"
#include "dailies-task-view.h"
#include "dailies-window.h"

struct _DailiesWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwLeaflet           *leaflet;
  AdwWindowTitle       *sidebar_title;
  GtkRevealer          *banner;
  GtkLabel             *banner_label;
  GtkButton            *banner_button;
  GtkListView          *list_view;
  GtkStack             *content_stack;
  DailiesTaskView      *task_view;

  /* Owned */
  GSettings            *settings;
  GtkSingleSelection   *selection;
  GCancellable         *cancellable;
  GtkWidget            *key_dialog;
  DailiesTask          *watched_task;      /* the selection, for its actions */
  gulong                watched_handler;
  gboolean              asked_for_key;

  /* Borrowed from the application */
  DailiesTaskStore     *store;
  DailiesPoller        *poller;
  DailiesApiClient     *client;
};

G_DEFINE_FINAL_TYPE (DailiesWindow, dailies_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void show_api_key_dialog (DailiesWindow *self,
                                 gboolean       rejected);

static void
add_toast (DailiesWindow *self,
           const char    *text)
{
  AdwToast *toast = adw_toast_new (text);

  /* Long messages (paths, reasons) must stay readable. */
  if (g_utf8_strlen (text, -1) > 60)
    adw_toast_set_timeout (toast, 10);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
store_write_failed_cb (DailiesWindow *self,
                       GError        *error)
{
  g_autofree char *text = g_strdup_printf (_("Changes could not be saved: %s. Dailies keeps trying."), error->message);

  add_toast (self, text);
}

static DailiesTask *
get_selected_task (DailiesWindow *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
update_actions (DailiesWindow *self)
{
  gboolean has_task = get_selected_task (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove", has_task);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", has_task);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as",
                                 has_task && dailies_task_get_status (get_selected_task (self)) == DAILIES_TASK_STATUS_SUCCESS);
}

static void
selection_changed_cb (DailiesWindow *self)
{
  DailiesTask *task = get_selected_task (self);

  if (self->watched_task != NULL)
    g_clear_signal_handler (&self->watched_handler, self->watched_task);
  g_set_object (&self->watched_task, task);
  if (task != NULL)
    self->watched_handler = g_signal_connect_object (task, "notify::status",
                                                     G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);

  dailies_task_view_set_task (self->task_view, task);
  gtk_stack_set_visible_child_name (self->content_stack, task != NULL ? "task" : "none");
  update_actions (self);
}

static void
list_activate_cb (DailiesWindow *self,
                  guint          position)
{
  gtk_single_selection_set_selected (self->selection, position);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
items_changed_cb (DailiesWindow *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autofree char *subtitle = NULL;

  gtk_stack_set_visible_child_name (self->main_stack, n_items > 0 ? "tasks" : "empty");

  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u task", "%u tasks", n_items), n_items);
  adw_window_title_set_subtitle (self->sidebar_title, n_items > 0 ? subtitle : "");
}

static void
banner_button_clicked_cb (DailiesWindow *self)
{
  show_api_key_dialog (self, dailies_poller_get_state (self->poller) == DAILIES_POLLER_STATE_UNAUTHORIZED);
}

static void
poller_state_changed_cb (DailiesWindow *self)
{
  DailiesPollerState state = dailies_poller_get_state (self->poller);
  const char *text = NULL;
  const char *button = NULL;

  switch (state)
    {
    case DAILIES_POLLER_STATE_NEEDS_KEY:
      text = _("Dailies needs your API key to ask about these tasks.");
      button = _("_Enter Key…");
      break;
    case DAILIES_POLLER_STATE_UNAUTHORIZED:
      text = _("The API key was rejected. Checking is paused until you enter a valid key.");
      button = _("_Enter Key…");
      break;
    case DAILIES_POLLER_STATE_OFFLINE:
      text = _("You are offline. Checking resumes when the network is back.");
      break;
    case DAILIES_POLLER_STATE_STOPPED:
    case DAILIES_POLLER_STATE_IDLE:
    case DAILIES_POLLER_STATE_POLLING:
    default:
      break;
    }

  if (text != NULL)
    gtk_label_set_label (self->banner_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->banner_button), button != NULL);
  if (button != NULL)
    gtk_button_set_label (self->banner_button, button);
  gtk_revealer_set_reveal_child (self->banner, text != NULL);

  /* Ask once, not per task: when the key was rejected, or the first time
   * there is something to ask about and no key at all. */
  if (state == DAILIES_POLLER_STATE_UNAUTHORIZED && self->key_dialog == NULL)
    show_api_key_dialog (self, TRUE);
  else if (state == DAILIES_POLLER_STATE_NEEDS_KEY && self->key_dialog == NULL && !self->asked_for_key)
    show_api_key_dialog (self, FALSE);
}

/* ------------------------------------------------------------------ */
/* Adding tasks                                                        */
/* ------------------------------------------------------------------ */

static void
add_parsed_ids (DailiesWindow        *self,
                DailiesIdParseResult *parsed)
{
  g_autofree char *message = NULL;
  guint added;

  added = dailies_task_store_add_ids (self->store, (const char * const *) parsed->ids->pdata, parsed->ids->len);
  dailies_poller_wake (self->poller);

  if (parsed->ids->len == 0)
    message = g_strdup (_("No task IDs found. Task IDs look like asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E."));
  else if (parsed->n_rejected > 0)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Added %u task; %u line held no task ID",
                                            "Added %u tasks; %u lines held no task ID",
                                            added),
                               added, parsed->n_rejected);
  else if (added < parsed->ids->len)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Added %u task; the others were already in the list",
                                            "Added %u tasks; the others were already in the list",
                                            added),
                               added);
  else
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Added %u task", "Added %u tasks", added), added);

  for (guint i = 0; i < parsed->rejected->len; i++)
    g_message ("add: not a task ID: %s", (const char *) g_ptr_array_index (parsed->rejected, i));

  add_toast (self, message);
}

static void
add_dialog_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        DailiesWindow    *self)
{
  GtkTextView *text_view = g_object_get_data (G_OBJECT (dialog), "text-view");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (text_view);
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  if (g_strcmp0 (response, "add") != 0)
    return;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  parsed = dailies_id_parser_parse_text (text, -1);
  add_parsed_ids (self, parsed);
}

static void
add_tasks_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  GtkWidget *dialog;
  GtkWidget *scroller;
  GtkWidget *text_view;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Add Task IDs"),
                                   _("Paste one or more task IDs, one per line or separated by spaces or commas. Lists copied from a script or a CSV file work too."));
  text_view = g_object_new (GTK_TYPE_TEXT_VIEW,
                            "monospace", TRUE,
                            "wrap-mode", GTK_WRAP_CHAR,
                            "top-margin", 6, "bottom-margin", 6,
                            "left-margin", 6, "right-margin", 6,
                            NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (text_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Task IDs"),
                                  -1);
  scroller = g_object_new (GTK_TYPE_SCROLLED_WINDOW,
                           "child", text_view,
                           "min-content-height", 140,
                           "min-content-width", 360,
                           "hscrollbar-policy", GTK_POLICY_NEVER,
                           NULL);
  gtk_widget_add_css_class (scroller, "card");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);
  /* What the response handler reads back. */
  g_object_set_data (G_OBJECT (dialog), "text-view", text_view);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "add", _("_Add"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "add");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (add_dialog_response_cb), self);

  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (text_view);
}

/* Dropped files are read off the main thread, one after the other. */
static void
dropped_file_loaded_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = g_file_get_basename (G_FILE (object));

  bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, &error);
  if (bytes != NULL)
    parsed = dailies_id_parser_parse_bytes (bytes, &error);

  if (parsed == NULL)
    {
      /* Translators: a dropped file could not be used; %s are its name and the reason */
      g_autofree char *text = g_strdup_printf (_("“%s” holds no task IDs: %s"), name, error->message);

      g_message ("drop: %s: %s", name, error->message);
      add_toast (self, text);
      return;
    }

  add_parsed_ids (self, parsed);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         DailiesWindow *self)
{
  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      g_autoptr(DailiesIdParseResult) parsed = dailies_id_parser_parse_text (g_value_get_string (value), -1);

      add_parsed_ids (self, parsed);
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        g_file_load_bytes_async (l->data, self->cancellable, dropped_file_loaded_cb, g_object_ref (self));
      return TRUE;
    }

  return FALSE;
}

static void
setup_drop_target (DailiesWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

/* ------------------------------------------------------------------ */
/* The API key                                                         */
/* ------------------------------------------------------------------ */

static void
key_stored_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!dailies_secret_store_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("secret: could not store the key: %s", error->message);
      add_toast (self, _("The key works for now, but the keyring did not keep it: you will be asked again next time"));
    }
}

static void
key_dialog_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        DailiesWindow    *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *key = NULL;
  g_autoptr(GUri) base = NULL;

  self->key_dialog = NULL;

  if (g_strcmp0 (response, "save") != 0)
    return;

  key = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  if (*key == '\0')
    return;

  dailies_api_client_set_api_key (self->client, key);
  dailies_poller_wake (self->poller);

  base = g_uri_parse (dailies_api_client_get_base_url (self->client), G_URI_FLAGS_NONE, NULL);
  dailies_secret_store_async (key, base != NULL ? g_uri_get_host (base) : NULL,
                              self->cancellable, key_stored_cb, g_object_ref (self));
}

static void
key_entry_changed_cb (GtkEditable      *entry,
                      AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (entry);

  adw_message_dialog_set_response_enabled (dialog, "save", text != NULL && *text != '\0');
}

static void
show_api_key_dialog (DailiesWindow *self,
                     gboolean       rejected)
{
  GtkWidget *dialog;
  GtkWidget *entry;

  if (self->key_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->key_dialog));
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   rejected ? _("API Key Rejected") : _("Enter Your API Key"),
                                   rejected ? _("The service did not accept the key. Enter a valid AnyFast API key; it is kept in your keyring and sent only to the API.")
                                            : _("Dailies asks the AnyFast API about your tasks with your API key. It is kept in your keyring and sent only to the API."));
  entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("API key"), -1);
  g_object_set (entry, "activates-default", TRUE, NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "save", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (entry, "changed", G_CALLBACK (key_entry_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (key_dialog_response_cb), self);

  self->key_dialog = dialog;
  self->asked_for_key = TRUE;
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
set_api_key_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  show_api_key_dialog (DAILIES_WINDOW (widget), FALSE);
}

/* ------------------------------------------------------------------ */
/* Task actions                                                        */
/* ------------------------------------------------------------------ */

static void
undo_remove_cb (AdwToast    *toast,
                DailiesTask *task)
{
  DailiesWindow *self = g_object_get_data (G_OBJECT (toast), "window");

  dailies_task_store_restore (self->store, task);
  dailies_poller_wake (self->poller);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesTask *task = get_selected_task (self);
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (task == NULL)
    return;

  g_object_ref (task);
  dailies_task_store_remove (self->store, task);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);

  /* Translators: %s is a task ID */
  title = g_strdup_printf (_("Removed %s"), dailies_task_get_id (task));
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data (G_OBJECT (toast), "window", self);
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (undo_remove_cb),
                         task, (GClosureNotify) (void (*)(void)) g_object_unref, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesTask *task = get_selected_task (self);

  if (task != NULL)
    dailies_poller_refresh (self->poller, task);
}

static void
saved_as_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!dailies_keeper_save_as_finish (DAILIES_KEEPER (object), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("save-as: %s", error->message);
      /* Translators: %s is an error message */
      text = g_strdup_printf (_("Could not save the video: %s"), error->message);
      add_toast (self, text);
      return;
    }

  add_toast (self, _("Video saved"));
}

static void
save_as_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  DailiesWindow *self = DAILIES_WINDOW (user_data);
  DailiesTask *task = g_object_get_data (G_OBJECT (dialog), "task");
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    {
      DailiesKeeper *keeper = dailies_application_get_keeper (DAILIES_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));

      add_toast (self, _("Saving the video…"));
      dailies_keeper_save_as_async (keeper, task, file, self->cancellable, saved_as_cb, g_object_ref (self));
    }

  g_object_unref (dialog);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesTask *task = get_selected_task (self);
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;

  if (task == NULL || dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS)
    return;

  name = dailies_downloader_suggest_name (dailies_task_get_id (task), "mp4");
  dialog = gtk_file_chooser_native_new (_("Save Video"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data_full (G_OBJECT (dialog), "task", g_object_ref (task), g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (save_as_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
show_list_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* ------------------------------------------------------------------ */
/* List                                                                */
/* ------------------------------------------------------------------ */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  gtk_list_item_set_child (item, dailies_task_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  dailies_task_row_set_task (DAILIES_TASK_ROW (gtk_list_item_get_child (item)),
                             gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  dailies_task_row_set_task (DAILIES_TASK_ROW (gtk_list_item_get_child (item)), NULL);
}

/* Newest first: the tasks just added are the ones a user looks for. */
static int
compare_tasks (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  gint64 seen_a = dailies_task_get_first_seen ((DailiesTask *) a);
  gint64 seen_b = dailies_task_get_first_seen ((DailiesTask *) b);

  if (seen_a != seen_b)
    return seen_a < seen_b ? 1 : -1;

  return g_strcmp0 (dailies_task_get_id ((DailiesTask *) a), dailies_task_get_id ((DailiesTask *) b));
}

static void
setup_list (DailiesWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkSortListModel *sorted;
  GtkSorter *sorter;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);

  sorter = GTK_SORTER (gtk_custom_sorter_new (compare_tasks, NULL, NULL));
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->store)), sorter);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->list_view, "activate",
                           G_CALLBACK (list_activate_cb), self, G_CONNECT_SWAPPED);
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
  g_signal_connect_object (self->store, "write-failed",
                           G_CALLBACK (store_write_failed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->banner_button, "clicked",
                           G_CALLBACK (banner_button_clicked_cb), self, G_CONNECT_SWAPPED);
  poller_state_changed_cb (self);
}

static void
dailies_window_dispose (GObject *object)
{
  DailiesWindow *self = (DailiesWindow *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->watched_task != NULL)
    g_clear_signal_handler (&self->watched_handler, self->watched_task);
  g_clear_object (&self->watched_task);
  gtk_widget_dispose_template (GTK_WIDGET (self), DAILIES_TYPE_WINDOW);
  g_clear_object (&self->selection);

  G_OBJECT_CLASS (dailies_window_parent_class)->dispose (object);
}

static void
dailies_window_finalize (GObject *object)
{
  DailiesWindow *self = (DailiesWindow *)object;

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

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

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "win.add-tasks", NULL, add_tasks_action);
  gtk_widget_class_install_action (widget_class, "win.set-api-key", NULL, set_api_key_action);
  gtk_widget_class_install_action (widget_class, "win.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.show-list", NULL, show_list_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.add-tasks", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-as", NULL);

  g_type_ensure (DAILIES_TYPE_TASK_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/dailies/Dailies/dailies-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, banner_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, DailiesWindow, task_view);
}

static void
dailies_window_init (DailiesWindow *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  setup_drop_target (self);
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

  model = G_LIST_MODEL (self->selection);
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

  add_toast (self, text);
}
