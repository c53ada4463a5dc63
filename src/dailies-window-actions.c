/* dailies-window-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-a11y.h"
#include "dailies-api-base.h"
#include "dailies-api-client.h"
#include "dailies-application.h"
#include "dailies-keeper.h"
#include "dailies-poller.h"
#include "dailies-preferences-window.h"
#include "dailies-secret.h"
#include "dailies-task-store.h"
#include "dailies-toast-guard.h"
#include "dailies-window-private.h"

/* ------------------------------------------------------------------ */
/* Adding tasks                                                        */
/* ------------------------------------------------------------------ */

/* Cancel, and one suggested response that Enter activates. */
static void
add_cancel_and_response (AdwMessageDialog *dialog,
                         const char       *response,
                         const char       *label)
{
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), response, label, NULL);
  adw_message_dialog_set_response_appearance (dialog, response, ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, response);
  adw_message_dialog_set_close_response (dialog, "cancel");
}

static void
add_dialog_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        DailiesWindow    *self)
{
  GtkTextView *text_view = g_object_get_data (G_OBJECT (dialog), "text-view");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (text_view);
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  if (g_strcmp0 (response, "add") != 0)
    return;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  _dailies_window_import_text (self, text);
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
                            /* Tab goes on to the buttons, as everywhere else. */
                            "accepts-tab", FALSE,
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

  add_cancel_and_response (ADW_MESSAGE_DIALOG (dialog), "add", _("_Add"));
  g_signal_connect (dialog, "response", G_CALLBACK (add_dialog_response_cb), self);

  /* Its response buttons read "_Cancel Cancel" otherwise. */
  dailies_a11y_fix_button_names (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (text_view);
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
      _dailies_window_add_toast (self, _("The key works for now, but the keyring did not keep it: you will be asked again next time"));
    }
}

static void
key_dialog_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        DailiesWindow    *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *key = NULL;
  g_autofree char *key_host = NULL;

  g_clear_weak_pointer (&self->key_dialog);

  /* GTK 4.8's password entry leaves a focus handler on its text behind:
   * with the focus still there, destroying the dialog crashes. */
  gtk_window_set_focus (GTK_WINDOW (dialog), NULL);

  if (g_strcmp0 (response, "save") != 0)
    return;

  key = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  if (*key == '\0')
    return;

  dailies_api_client_set_api_key (self->client, key);
  dailies_poller_wake (self->poller);

  /* Filed under the host and port it is sent to, as the look-up expects. */
  key_host = dailies_api_base_dup_key_host (dailies_api_client_get_base_url (self->client));
  if (key_host != NULL)
    dailies_secret_store_async (key, key_host, self->cancellable, key_stored_cb, g_object_ref (self));
}

static void
key_entry_changed_cb (GtkEditable      *entry,
                      AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (entry);
  gboolean sendable = dailies_api_client_key_is_sendable (text);
  gboolean usable = text != NULL && *text != '\0' && sendable;
  GtkLabel *label = g_object_get_data (G_OBJECT (dialog), "test-label");

  adw_message_dialog_set_response_enabled (dialog, "save", usable);
  gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (dialog), "test-button"), usable);

  /* Said as it is typed: no service would ever see such a key. */
  if (!sendable)
    {
      gtk_label_set_label (label, _("An API key has only plain letters (A–Z), digits and signs such as “-”: this one has other characters (a look-alike or accented letter, or an invisible space, pasted in?)."));
      gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
    }
  else if (g_object_get_data (G_OBJECT (label), "unsendable-shown") != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
    }
  g_object_set_data (G_OBJECT (label), "unsendable-shown", GINT_TO_POINTER (!sendable));
}

static void
key_tested_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GtkLabel) label = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesApiResult) answer = NULL;
  g_autofree char *text = NULL;

  answer = dailies_api_client_list_models_finish (DAILIES_API_CLIENT (object), result, &error);
  /* A key typed since that cannot be sent keeps saying so. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_object_get_data (G_OBJECT (label), "unsendable-shown") != NULL)
    return;

  if (error == NULL)
    {
      guint n_models = g_strv_length (answer->models);

      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The key works: it may use %u model.",
                                           "The key works: it may use %u models.",
                                           n_models),
                              n_models);
    }
  else if (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED))
    {
      text = g_strdup (_("The service refused this key: it is wrong, expired, disabled or out of quota."));
    }
  else
    {
      /* Translators: %s is an error message */
      text = g_strdup_printf (_("The key could not be tested: %s"), error->message);
    }

  g_message ("key test: %s", error != NULL ? error->message : "the key works");
  gtk_label_set_label (label, text);
}

/* Asks the service's model list with the key typed: it answers only for a
 * valid key with quota, and costs nothing. */
static void
test_key_clicked_cb (GtkButton        *button,
                     AdwMessageDialog *dialog)
{
  DailiesWindow *self = DAILIES_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  GtkLabel *label = g_object_get_data (G_OBJECT (dialog), "test-label");

  gtk_label_set_label (label, _("Testing the key…"));
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
  dailies_api_client_list_models_async (self->client, gtk_editable_get_text (entry), self->cancellable,
                                        key_tested_cb, g_object_ref (label));
}

void
_dailies_window_show_api_key_dialog (DailiesWindow *self,
                                     gboolean       rejected)
{
  GtkWidget *dialog;
  GtkWidget *entry;
  GtkWidget *box;
  GtkWidget *test_button;
  GtkWidget *test_label;

  if (self->key_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->key_dialog));
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   rejected ? _("API Key Rejected") : _("Enter Your API Key"),
                                   rejected ? _("The service did not accept the key: it is wrong, expired, disabled or out of quota. Enter a valid AnyFast API key; it is kept in your keyring and sent only to the API.")
                                            : _("Dailies asks the AnyFast API about your tasks with your API key. It is kept in your keyring and sent only to the API."));
  entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("API key"), -1);
  g_object_set (entry, "activates-default", TRUE, NULL);

  /* Not a response: those close the dialog. */
  test_button = gtk_button_new_with_mnemonic (_("_Test"));
  gtk_widget_set_halign (test_button, GTK_ALIGN_START);
  gtk_widget_set_sensitive (test_button, FALSE);
  gtk_widget_set_tooltip_text (test_button, _("Ask the service whether it accepts this key"));
  test_label = g_object_new (GTK_TYPE_LABEL,
                             "visible", FALSE,
                             "wrap", TRUE,
                             "xalign", 0.0f,
                             "hexpand", TRUE,
                             NULL);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), test_button);
  gtk_box_append (GTK_BOX (box), test_label);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  /* What the handlers (and tests) read back. */
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_object_set_data (G_OBJECT (dialog), "test-button", test_button);
  g_object_set_data (G_OBJECT (dialog), "test-label", test_label);
  g_signal_connect (test_button, "clicked", G_CALLBACK (test_key_clicked_cb), dialog);

  add_cancel_and_response (ADW_MESSAGE_DIALOG (dialog), "save", _("_Save"));
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "save", FALSE);
  g_signal_connect (entry, "changed", G_CALLBACK (key_entry_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (key_dialog_response_cb), self);

  /* Weak: it may go without a response (a test, or GTK at exit). */
  g_set_weak_pointer (&self->key_dialog, dialog);
  self->asked_for_key = TRUE;
  /* Its response buttons read "_Cancel Cancel" otherwise. */
  dailies_a11y_fix_button_names (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
set_api_key_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  _dailies_window_show_api_key_dialog (DAILIES_WINDOW (widget), FALSE);
}

/* ------------------------------------------------------------------ */
/* Task actions                                                        */
/* ------------------------------------------------------------------ */

static void
undo_toast_dismissed_cb (DailiesWindow *self,
                         AdwToast      *toast)
{
  if (self->undo_toast == toast)
    g_clear_weak_pointer (&self->undo_toast);
}

static void
undo_remove_cb (AdwToast  *toast,
                GPtrArray *tasks)
{
  DailiesWindow *self = g_object_get_data (G_OBJECT (toast), "window");

  /* Once: the toast may stay up a moment after (dailies-toast-guard.c). */
  if (g_object_get_data (G_OBJECT (toast), "undone") != NULL)
    return;

  g_object_set_data (G_OBJECT (toast), "undone", GINT_TO_POINTER (TRUE));
  dailies_task_store_restore_tasks (self->store, tasks);
}

/* The Undo is gone with its toast: so is what the database kept for it.
 * The store outlives the window (the application's). */
static void
remove_toast_dismissed_cb (AdwToast  *toast,
                           GPtrArray *tasks)
{
  DailiesTaskStore *store = g_object_get_data (G_OBJECT (toast), "store");

  if (g_object_get_data (G_OBJECT (toast), "undone") == NULL)
    dailies_task_store_forget_removed (store, tasks);
}

/* Removes @tasks from the list, with an Undo toast that brings them back
 * where they were. */
void
_dailies_window_remove_tasks (DailiesWindow *self,
                              GPtrArray     *tasks)
{
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (tasks->len == 0)
    return;

  dailies_task_store_remove_tasks (self->store, tasks);

  if (tasks->len == 1)
    /* Translators: %s is a task ID */
    title = g_strdup_printf (_("Removed %s"), dailies_task_get_id (g_ptr_array_index (tasks, 0)));
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Removed %u task", "Removed %u tasks", tasks->len),
                             tasks->len);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  /* Before our "dismissed" handler: a dismissal may have to wait. */
  dailies_toast_guard_prepare (toast);
  g_object_set_data (G_OBJECT (toast), "window", self);
  g_object_set_data_full (G_OBJECT (toast), "store", g_object_ref (self->store), g_object_unref);
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (undo_remove_cb),
                         g_ptr_array_ref (tasks), (GClosureNotify) (void (*)(void)) g_ptr_array_unref, 0);
  g_signal_connect_data (toast, "dismissed", G_CALLBACK (remove_toast_dismissed_cb),
                         g_ptr_array_ref (tasks), (GClosureNotify) (void (*)(void)) g_ptr_array_unref, 0);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (undo_toast_dismissed_cb), self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->undo_toast, toast);
  _dailies_window_show_toast_after_frame (self, toast);
}

/* Ctrl+Z: the Undo of the last removal, while its toast is up. (A text
 * field with the focus takes Ctrl+Z for its own undo first.) */
static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  AdwToast *toast = self->undo_toast;

  if (toast == NULL)
    return;

  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesTask *task = _dailies_window_get_selected_task (self);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) selected = NULL;
  guint position;
  guint n_items;

  if (task == NULL)
    return;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  position = gtk_bitset_get_minimum (selected);
  g_ptr_array_add (tasks, g_object_ref (task));
  _dailies_window_remove_tasks (self, tasks);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);

  /* As in a file manager: the next task is selected, and has the list's
   * cursor, so that Delete goes on from there. */
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  if (n_items > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.select-item", "(ubb)",
                                MIN (position, n_items - 1), FALSE, FALSE);
}

static void
copy_id_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesTask *task = _dailies_window_get_selected_task (self);
  g_autofree char *message = NULL;

  if (task == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), dailies_task_get_id (task));
  /* Translators: %s is a task ID */
  message = g_strdup_printf (_("Copied %s"), dailies_task_get_id (task));
  _dailies_window_add_toast (self, message);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesTask *task = _dailies_window_get_selected_task (self);
  g_autoptr(GPtrArray) tasks = NULL;

  if (task == NULL)
    return;

  /* With its toast, as for several: a finished task's answer may change
   * nothing on screen, and the press must show it was heard. */
  tasks = g_ptr_array_new ();
  g_ptr_array_add (tasks, task);
  _dailies_window_refresh_tasks (self, tasks);
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
      _dailies_window_add_toast (self, text);
      return;
    }

  _dailies_window_add_toast (self, _("Video saved"));
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

      _dailies_window_add_toast (self, _("Saving the video…"));
      /* The file chooser has asked before replacing a file. */
      dailies_keeper_save_as_async (keeper, task, file, DAILIES_DOWNLOAD_FLAGS_NONE, self->cancellable,
                                    saved_as_cb, g_object_ref (self));
    }

  g_object_unref (dialog);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesApplication *app = DAILIES_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  DailiesTask *task = _dailies_window_get_selected_task (self);
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;

  if (task == NULL || dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS)
    return;

  name = dailies_keeper_suggest_name (dailies_application_get_keeper (app), task);
  dialog = gtk_file_chooser_native_new (_("Save Video"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data_full (G_OBJECT (dialog), "task", g_object_ref (task), g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (save_as_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Ctrl+Shift+C wherever the focus is, the list's rows most often. */
static void
copy_details_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);

  if (_dailies_window_get_selected_task (self) != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self->task_view), "view.copy-details", NULL);
}

static void
show_list_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  DailiesApplication *app = DAILIES_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  gboolean demo = FALSE;
  g_autofree char *base_in_use = dailies_application_dup_api_base_override (app, &demo);
  GtkWidget *preferences;

  preferences = dailies_preferences_window_new (GTK_WINDOW (self), self->settings,
                                                dailies_application_get_keeper (app));
  dailies_preferences_window_set_base_in_use (DAILIES_PREFERENCES_WINDOW (preferences), base_in_use, demo);
  gtk_window_present (GTK_WINDOW (preferences));
}

void
_dailies_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
  gtk_widget_class_install_action (widget_class, "win.add-tasks", NULL, add_tasks_action);
  gtk_widget_class_install_action (widget_class, "win.set-api-key", NULL, set_api_key_action);
  gtk_widget_class_install_action (widget_class, "win.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.copy-id", NULL, copy_id_action);
  gtk_widget_class_install_action (widget_class, "win.show-list", NULL, show_list_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "win.copy-details", NULL, copy_details_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.add-tasks", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.copy-details", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
}
