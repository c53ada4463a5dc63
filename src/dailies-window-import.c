/* dailies-window-import.c
 *
 * Task ID lists coming in: dropped on the window, pasted, or opened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-window-private.h"

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

static void
tell_unusable_file (DailiesWindow *self,
                    GFile         *file,
                    const char    *reason)
{
  g_autofree char *name = g_file_get_basename (file);
  /* Translators: a file given to Dailies could not be used; %s are its name and the reason */
  g_autofree char *text = g_strdup_printf (_("“%s” holds no task IDs: %s"), name, reason);

  g_message ("import: %s: %s", name, reason);
  _dailies_window_add_toast (self, text);
}

/* Files are read off the main thread, each on its own. */
static void
file_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, &error);
  if (bytes != NULL)
    parsed = dailies_id_parser_parse_bytes (bytes, &error);

  if (parsed == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tell_unusable_file (self, G_FILE (object), error->message);
      return;
    }

  _dailies_window_add_parsed_ids (self, parsed);
}

/* The size is checked before anything is read: a dropped disk image is
 * refused, not loaded into memory. */
static void
file_info_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  GFile *file = G_FILE (object);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_file_query_info_finish (file, result, &error);
  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tell_unusable_file (self, file, error->message);
      return;
    }

  if (!dailies_id_parser_check_file_info (info, &error))
    {
      tell_unusable_file (self, file, error->message);
      return;
    }

  g_file_load_bytes_async (file, self->cancellable, file_loaded_cb, g_object_ref (self));
}

static void
import_file (DailiesWindow *self,
             GFile         *file)
{
  g_file_query_info_async (file, DAILIES_ID_PARSER_FILE_ATTRIBUTES,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, self->cancellable,
                           file_info_cb, g_object_ref (self));
}

void
_dailies_window_import_text (DailiesWindow *self,
                             const char    *text)
{
  g_autoptr(DailiesIdParseResult) parsed = dailies_id_parser_parse_text (text, -1);

  _dailies_window_add_parsed_ids (self, parsed);
}

/* ------------------------------------------------------------------ */
/* Summary                                                             */
/* ------------------------------------------------------------------ */

/* The lines that held no ID are shown on request to the person who gave
 * them, and kept nowhere else: one may be a key. */
void
_dailies_window_show_import_summary (DailiesWindow        *self,
                                     const char           *message,
                                     DailiesIdParseResult *parsed)
{
  AdwToast *toast = adw_toast_new (message);

  g_clear_pointer (&self->rejected_lines, g_strfreev);

  if (parsed->rejected->len > 0)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < parsed->rejected->len; i++)
        g_strv_builder_add (builder, g_ptr_array_index (parsed->rejected, i));
      self->rejected_lines = g_strv_builder_end (builder);

      adw_toast_set_button_label (toast, _("Details"));
      adw_toast_set_action_name (toast, "win.show-rejected");
      adw_toast_set_timeout (toast, 10);
    }

  _dailies_window_show_toast (self, toast);
}

static void
show_rejected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  g_autofree char *lines = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  GtkWidget *label;
  GtkWidget *scroller;

  if (self->rejected_lines == NULL)
    return;

  lines = g_strjoinv ("\n", self->rejected_lines);
  /* Translators: the numbers are a count of lines and a count of characters */
  body = g_strdup_printf (_("These lines held no task ID and were skipped. At most %d are kept here, each cut to %d characters."),
                          DAILIES_ID_PARSER_MAX_REJECTED, DAILIES_ID_PARSER_REJECTED_CHARS);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Lines Without a Task ID"), body);
  label = g_object_new (GTK_TYPE_LABEL,
                        "label", lines,
                        "selectable", TRUE,
                        "xalign", 0.0f,
                        "yalign", 0.0f,
                        "wrap", TRUE,
                        "wrap-mode", PANGO_WRAP_WORD_CHAR,
                        "margin-top", 6, "margin-bottom", 6,
                        "margin-start", 6, "margin-end", 6,
                        NULL);
  gtk_widget_add_css_class (label, "monospace");
  scroller = g_object_new (GTK_TYPE_SCROLLED_WINDOW,
                           "child", label,
                           "min-content-height", 140,
                           "max-content-height", 320,
                           "propagate-natural-height", TRUE,
                           "hscrollbar-policy", GTK_POLICY_NEVER,
                           NULL);
  gtk_widget_add_css_class (scroller, "card");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ */
/* Drop                                                                */
/* ------------------------------------------------------------------ */

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         DailiesWindow *self)
{
  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      _dailies_window_import_text (self, g_value_get_string (value));
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        import_file (self, l->data);
      return TRUE;
    }

  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Paste                                                               */
/* ------------------------------------------------------------------ */

static void
pasted_files_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);
  if (value == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_message ("paste: %s", error->message);
          _dailies_window_add_toast (self, _("The copied files could not be read"));
        }
      return;
    }

  for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
    import_file (self, l->data);
}

static void
pasted_text_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  if (text == NULL || *g_strstrip (text) == '\0')
    {
      if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (error != NULL)
        g_message ("paste: %s", error->message);
      _dailies_window_add_toast (self, _("There is no text to paste task IDs from"));
      return;
    }

  _dailies_window_import_text (self, text);
}

/* Ctrl+V anywhere but in a text field: copied files, or copied text. */
static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);

  if (gdk_content_formats_contain_gtype (gdk_clipboard_get_formats (clipboard), GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, self->cancellable,
                                    pasted_files_cb, g_object_ref (self));
  else
    gdk_clipboard_read_text_async (clipboard, self->cancellable, pasted_text_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ */
/* Open                                                                */
/* ------------------------------------------------------------------ */

static void
open_response_cb (GtkNativeDialog *chooser,
                  int              response,
                  DailiesWindow   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      _dailies_window_import_files (self, files);
    }

  g_object_unref (chooser);
}

/* What Open does with the chosen files. */
void
_dailies_window_import_files (DailiesWindow *self,
                              GListModel    *files)
{
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);
      import_file (self, file);
    }
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  const char *patterns[] = { "*.txt", "*.csv", "*.json", "*.jsonl", "*.ndjson", "*.log" };
  g_autoptr(GtkFileFilter) lists = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  gtk_file_filter_set_name (lists, _("Task ID lists"));
  gtk_file_filter_add_mime_type (lists, "text/plain");
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    gtk_file_filter_add_pattern (lists, patterns[i]);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");

  chooser = gtk_file_chooser_native_new (_("Open Task ID Lists"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), lists);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_signal_connect (chooser, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */
/* ------------------------------------------------------------------ */

void
_dailies_window_class_init_import (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.show-rejected", NULL, show_rejected_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
}

void
_dailies_window_init_import (DailiesWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
