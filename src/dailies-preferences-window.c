/* dailies-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-api-base.h"
#include "dailies-a11y.h"
#include "dailies-keeper.h"
#include "dailies-preferences-window.h"
#include "dailies-window.h"

#define GLOBAL_BASE "https://www.anyfast.ai"
#define CHINA_BASE  "https://www.anyfast.com.cn"

struct _DailiesPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Template widgets */
  AdwEntryRow          *base_row;
  AdwActionRow         *base_error_row;
  AdwActionRow         *base_note_row;     /* the address in use, when not this one */
  GtkToggleButton      *global_button;
  GtkToggleButton      *china_button;
  GtkButton            *key_button;
  GtkSpinButton        *interval_spin;
  GtkSpinButton        *concurrent_spin;
  GtkSpinButton        *rate_spin;
  GtkSwitch            *keep_switch;
  GtkSwitch            *notify_switch;
  AdwActionRow         *folder_row;
  GtkButton            *folder_button;

  /* Owned */
  GSettings            *settings;
  DailiesKeeper        *keeper;
  char                 *base_in_use;       /* see dailies_preferences_window_set_base_in_use() */
  gboolean              base_in_use_is_demo;

  gboolean              updating_region;
};

G_DEFINE_FINAL_TYPE (DailiesPreferencesWindow, dailies_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void show_base_error (DailiesPreferencesWindow *self,
                             const char               *message);

/* The setting as the app reads it: one made elsewhere (gsettings) may
 * hold a region's page, whose root is in use. */
static char *
dup_base_setting (DailiesPreferencesWindow *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "api-base-url");

  return dailies_api_base_dup_tidy (setting);
}

/* A setting made elsewhere may be one the app does not use: say so here,
 * where it can be corrected. */
static void
update_base_row (DailiesPreferencesWindow *self)
{
  g_autofree char *base = dup_base_setting (self);
  g_autoptr(GError) error = NULL;

  gtk_editable_set_text (GTK_EDITABLE (self->base_row), base);
  if (!dailies_api_base_is_acceptable (base, &error))
    show_base_error (self, error->message);
}

/* Which address is in use, under the one shown, when they differ. */
static void
update_base_note (DailiesPreferencesWindow *self)
{
  g_autofree char *setting = dup_base_setting (self);
  g_autofree char *note = NULL;

  if (self->base_in_use_is_demo)
    /* Translators: %s is an address such as http://127.0.0.1:41234 */
    note = g_strdup_printf (_("The demo’s own server at %s is in use. The address above is used when Dailies runs without --demo."),
                            self->base_in_use);
  else if (self->base_in_use != NULL && g_strcmp0 (self->base_in_use, setting) != 0)
    /* Translators: %s is an address; DAILIES_API_BASE is the name of a variable, not to be translated */
    note = g_strdup_printf (_("%s is in use, from the DAILIES_API_BASE variable. The address above is used when it is not set."),
                            self->base_in_use);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->base_note_row), note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->base_note_row), note != NULL);
}

/* The shortcut in use reads as pressed; a custom address presses none. */
static void
update_region_buttons (DailiesPreferencesWindow *self)
{
  g_autofree char *base = dup_base_setting (self);

  self->updating_region = TRUE;
  gtk_toggle_button_set_active (self->global_button, g_strcmp0 (base, GLOBAL_BASE) == 0);
  gtk_toggle_button_set_active (self->china_button, g_strcmp0 (base, CHINA_BASE) == 0);
  self->updating_region = FALSE;
}

static void
update_folder_row (DailiesPreferencesWindow *self)
{
  g_autofree char *folder = dailies_keeper_dup_folder (self->keeper);
  g_autofree char *display = g_filename_display_name (folder);

  adw_action_row_set_subtitle (self->folder_row, display);
}

/* Says under the address why it was not taken; NULL clears it. */
static void
show_base_error (DailiesPreferencesWindow *self,
                 const char               *message)
{
  if (message != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->base_error_row), message);
      gtk_widget_add_css_class (GTK_WIDGET (self->base_row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->base_row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->base_row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->base_row), GTK_ACCESSIBLE_STATE_INVALID);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->base_error_row), message != NULL);
}

/* The key goes to this address: a refused one stays in the entry, to be
 * corrected, and is not applied. */
static void
base_applied_cb (DailiesPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->base_row));
  g_autofree char *tidy = dailies_api_base_dup_tidy (text);
  g_autoptr(GError) error = NULL;

  if (!dailies_api_base_is_acceptable (tidy, &error))
    {
      g_debug ("preferences: API address refused: %s", error->message);
      show_base_error (self, error->message);
      return;
    }

  show_base_error (self, NULL);
  g_settings_set_string (self->settings, "api-base-url", tidy);
  /* The field shows what is kept, also when the setting was that already. */
  update_base_row (self);
}

static void
base_changed_cb (DailiesPreferencesWindow *self)
{
  show_base_error (self, NULL);
}

static void
region_toggled_cb (GtkToggleButton          *button,
                   DailiesPreferencesWindow *self)
{
  if (self->updating_region)
    return;

  if (gtk_toggle_button_get_active (button))
    g_settings_set_string (self->settings, "api-base-url",
                           button == self->global_button ? GLOBAL_BASE : CHINA_BASE);
  /* Pressing the active one again leaves it on. */
  update_region_buttons (self);
}

static void
key_clicked_cb (DailiesPreferencesWindow *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (DAILIES_IS_WINDOW (parent))
    dailies_window_ask_for_api_key (DAILIES_WINDOW (parent));
}

static void
folder_chosen_cb (GtkNativeDialog          *dialog,
                  int                       response,
                  DailiesPreferencesWindow *self)
{
  g_autoptr(GFile) folder = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL &&
      (path = g_file_get_path (folder)) != NULL)
    g_settings_set_string (self->settings, "save-folder", path);

  g_object_unref (dialog);
}

static void
folder_clicked_cb (DailiesPreferencesWindow *self)
{
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Folder for Local Copies"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"), _("_Cancel"));
  g_signal_connect (dialog, "response", G_CALLBACK (folder_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
dailies_preferences_window_dispose (GObject *object)
{
  DailiesPreferencesWindow *self = (DailiesPreferencesWindow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), DAILIES_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->keeper);
  g_clear_pointer (&self->base_in_use, g_free);

  G_OBJECT_CLASS (dailies_preferences_window_parent_class)->dispose (object);
}

static void
dailies_preferences_window_class_init (DailiesPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dailies_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/dailies/Dailies/dailies-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, base_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, base_note_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, base_error_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, global_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, china_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, key_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, concurrent_spin);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, keep_switch);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesPreferencesWindow, folder_button);
}

/* With search disabled, AdwPreferencesWindow's search entry is never
 * shown, yet GTK 4.8 lists it to screen readers as an unnamed entry. */
static void
hide_search_entry (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SEARCH_ENTRY (child))
        gtk_accessible_update_state (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      else
        hide_search_entry (child);
    }
}

static void
dailies_preferences_window_init (DailiesPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  dailies_a11y_fix_button_names (GTK_WIDGET (self));
  if (!adw_preferences_window_get_search_enabled (ADW_PREFERENCES_WINDOW (self)))
    hide_search_entry (GTK_WIDGET (self));
}

GtkWidget *
dailies_preferences_window_new (GtkWindow     *parent,
                                GSettings     *settings,
                                DailiesKeeper *keeper)
{
  DailiesPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (DAILIES_IS_KEEPER (keeper), NULL);

  self = g_object_new (DAILIES_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
  self->settings = g_object_ref (settings);
  self->keeper = g_object_ref (keeper);

  g_settings_bind (settings, "poll-interval", self->interval_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "max-concurrent-requests", self->concurrent_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "requests-per-second", self->rate_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "auto-save", self->keep_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notifications", self->notify_switch, "active", G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (settings, "changed::api-base-url", G_CALLBACK (update_base_row), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::api-base-url", G_CALLBACK (update_region_buttons), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::api-base-url", G_CALLBACK (update_base_note), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::save-folder", G_CALLBACK (update_folder_row), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->base_row, "apply", G_CALLBACK (base_applied_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->base_row, "changed", G_CALLBACK (base_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->global_button, "toggled", G_CALLBACK (region_toggled_cb), self, 0);
  g_signal_connect_object (self->china_button, "toggled", G_CALLBACK (region_toggled_cb), self, 0);
  g_signal_connect_object (self->key_button, "clicked", G_CALLBACK (key_clicked_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->folder_button, "clicked", G_CALLBACK (folder_clicked_cb), self, G_CONNECT_SWAPPED);

  update_base_row (self);
  update_region_buttons (self);
  update_folder_row (self);

  /* Not the address's field, whose text would be selected: the first
   * key typed would replace it. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (gtk_toggle_button_get_active (self->china_button)
                                                        ? self->china_button : self->global_button));

  return GTK_WIDGET (self);
}

/**
 * dailies_preferences_window_set_base_in_use:
 * @base: (nullable): the API address in use when it need not be the
 *   setting's (the demo's server, DAILIES_API_BASE), or NULL
 * @demo: whether @base is the demo's own server
 *
 * Then a note under the address says which is in use, while it is not
 * the one shown there.
 */
void
dailies_preferences_window_set_base_in_use (DailiesPreferencesWindow *self,
                                            const char               *base,
                                            gboolean                  demo)
{
  g_return_if_fail (DAILIES_IS_PREFERENCES_WINDOW (self));

  g_free (self->base_in_use);
  self->base_in_use = g_strdup (base);
  self->base_in_use_is_demo = demo;
  update_base_note (self);
}
