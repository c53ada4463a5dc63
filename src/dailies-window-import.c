/* dailies-window-import.c
 *
 * Task ID lists coming in: dropped on the window, pasted, or opened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-a11y.h"
#include "dailies-import.h"
#include "dailies-task-row.h"
#include "dailies-window-private.h"

/* ------------------------------------------------------------------ */
/* Running an import                                                   */
/* ------------------------------------------------------------------ */

/* Frames to wait for the new task's row to be laid out. */
#define FOCUS_ROW_FRAMES 10

typedef struct
{
  DailiesTask *task;
  guint        n_frames;
} FocusRow;

static void
focus_row_free (FocusRow *focus_row)
{
  g_object_unref (focus_row->task);
  g_free (focus_row);
}

static gboolean
focus_row_cb (GtkWidget     *list_view,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  FocusRow *focus_row = user_data;
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (list_view));

  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return G_SOURCE_REMOVE;

  /* The rows on screen, the task's among them once laid out. */
  for (GtkWidget *item = gtk_widget_get_first_child (list_view); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *row = gtk_widget_get_first_child (item);

      if (DAILIES_IS_TASK_ROW (row) && dailies_task_row_get_task (DAILIES_TASK_ROW (row)) == focus_row->task)
        {
          gtk_widget_grab_focus (item);
          return G_SOURCE_REMOVE;
        }
    }

  return ++focus_row->n_frames < FOCUS_ROW_FRAMES ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The focus goes to the new task's row, from the button or the dialog
 * that added it, so that the arrow keys go on from there; not from a
 * field the user is typing in. */
static void
focus_row_unless_typing (DailiesWindow *self,
                         DailiesTask   *task)
{
  FocusRow *focus_row = g_new0 (FocusRow, 1);

  focus_row->task = g_object_ref (task);
  gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), focus_row_cb, focus_row,
                                (GDestroyNotify) focus_row_free);
}

/* Selects @task and scrolls to it, in the list as the user sees it,
 * whatever sorts or filters it. */
void
_dailies_window_show_task (DailiesWindow *self,
                           DailiesTask   *task)
{
  GListModel *model = G_LIST_MODEL (self->shown);
  guint n_items = g_list_model_get_n_items (model);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DailiesTask) item = g_list_model_get_item (model, i);

      if (item != task)
        continue;

      /* The list's own action, so that its keyboard cursor is there too:
       * the arrow keys then go on from the new task. */
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.select-item", "(ubb)", i, FALSE, FALSE);
#if GTK_CHECK_VERSION (4, 12, 0)
      gtk_list_view_scroll_to (self->list_view, i, GTK_LIST_SCROLL_NONE, NULL);
#else
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
#endif
      focus_row_unless_typing (self, task);
      return;
    }
}

static void
update_import_progress (DailiesWindow *self)
{
  DailiesImport *import = self->import;
  g_autofree char *text = NULL;
  guint64 n_lines;
  double fraction;

  if (import == NULL || self->import_revealer == NULL)
    return;

  n_lines = dailies_import_get_n_lines (import);
  if (n_lines <= DAILIES_IMPORT_PROGRESS_LINES || !dailies_import_get_running (import))
    return;

  /* Translators: a count of lines read so far, such as “12,000” */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Importing task IDs: %'lu line read…",
                                       "Importing task IDs: %'lu lines read…", (gulong) n_lines),
                          (unsigned long) n_lines);
  gtk_label_set_label (self->import_label, text);

  fraction = dailies_import_get_fraction (import);
  if (fraction < 0)
    gtk_progress_bar_pulse (self->import_progress);
  else
    gtk_progress_bar_set_fraction (self->import_progress, fraction);

  gtk_revealer_set_reveal_child (self->import_revealer, TRUE);
}

static void
summary_toast_dismissed_cb (DailiesWindow *self,
                            AdwToast      *toast)
{
  if (self->summary_toast == toast)
    g_clear_weak_pointer (&self->summary_toast);
}

/* The summary before gives way to a new one: its Details are gone, and
 * libadwaita 1.2 would show one after the other, the old one first for
 * up to 10 s. */
static void
dismiss_summary (DailiesWindow *self)
{
  AdwToast *toast = self->summary_toast;

  if (toast == NULL)
    return;

  g_clear_weak_pointer (&self->summary_toast);
  /* Still waiting for a frame, it is in no overlay, which would ignore
   * its dismissal. */
  if (g_queue_remove (&self->waiting_toasts, toast))
    g_object_unref (toast);
  else
    adw_toast_dismiss (toast);
}

/* The lines that held no ID are shown on request to the person who gave
 * them, and kept nowhere else: one may be a key. */
static void
show_import_summary (DailiesWindow *self,
                     DailiesImport *import)
{
  g_autofree char *summary = dailies_import_dup_summary (import);
  const char * const *problems = dailies_import_get_problems (import);
  AdwToast *toast = adw_toast_new (summary);

  dismiss_summary (self);
  g_set_weak_pointer (&self->summary_toast, toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (summary_toast_dismissed_cb), self, G_CONNECT_SWAPPED);

  g_strfreev (self->import_problems);
  self->import_problems = g_strdupv ((char **) problems);
  g_strfreev (self->import_in_comments);
  self->import_in_comments = dailies_import_dup_in_comments (import);
  g_strfreev (self->import_rejected);
  self->import_rejected = dailies_import_dup_rejected (import);

  /* Details, unless the summary already says all (one unreadable file). */
  if (self->import_rejected[0] != NULL || self->import_in_comments[0] != NULL ||
      (problems[0] != NULL && g_strcmp0 (summary, problems[0]) != 0))
    {
      adw_toast_set_button_label (toast, _("Details"));
      adw_toast_set_action_name (toast, "win.show-rejected");
      adw_toast_set_timeout (toast, 10);
    }

  _dailies_window_show_toast (self, toast);
}

static void
import_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  DailiesImport *import = DAILIES_IMPORT (object);
  DailiesTask *first;

  dailies_import_run_finish (import, result, NULL);

  if (self->import == import)
    g_clear_object (&self->import);

  /* Closed meanwhile: its widgets are gone. */
  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || self->import_revealer == NULL)
    {
      g_queue_clear_full (&self->waiting_imports, g_object_unref);
      return;
    }

  if (self->import == NULL)
    gtk_revealer_set_reveal_child (self->import_revealer, FALSE);

  show_import_summary (self, import);

  first = dailies_import_get_first_added (import);
  if (first != NULL)
    _dailies_window_show_task (self, first);

  if (self->import == NULL && !g_queue_is_empty (&self->waiting_imports))
    {
      g_autoptr(DailiesImport) next = g_queue_pop_head (&self->waiting_imports);

      dailies_window_run_import (self, next);
    }
}

/* Runs @import with its progress shown in the window (when it is long)
 * and its summary told when it is done. */
void
dailies_window_run_import (DailiesWindow *self,
                           DailiesImport *import)
{
  g_return_if_fail (DAILIES_IS_WINDOW (self));
  g_return_if_fail (DAILIES_IS_IMPORT (import));

  /* One at a time, in the order they came: each keeps its progress, its
   * Cancel and its place at the top of the list. */
  if (self->import != NULL)
    {
      g_queue_push_tail (&self->waiting_imports, g_object_ref (import));
      return;
    }

  g_set_object (&self->import, import);
  gtk_progress_bar_set_fraction (self->import_progress, 0.0);
  g_signal_connect_object (import, "notify::n-lines", G_CALLBACK (update_import_progress), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (import, "notify::fraction", G_CALLBACK (update_import_progress), self, G_CONNECT_SWAPPED);

  dailies_import_run_async (import, self->cancellable, import_done_cb, g_object_ref (self));
}

static void
cancel_import_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);

  if (self->import != NULL)
    dailies_import_cancel (self->import);
}

static void
import_files (DailiesWindow *self,
              GSList        *files)
{
  g_autoptr(DailiesImport) import = dailies_import_new (self->store);

  for (GSList *l = files; l != NULL; l = l->next)
    dailies_import_add_file (import, l->data);

  dailies_window_run_import (self, import);
}

void
_dailies_window_import_text (DailiesWindow *self,
                             const char    *text)
{
  g_autoptr(DailiesImport) import = dailies_import_new (self->store);

  dailies_import_add_text (import, text);
  dailies_window_run_import (self, import);
}

/* ------------------------------------------------------------------ */
/* Details                                                             */
/* ------------------------------------------------------------------ */

/* One part of Details. With a title (when there are several parts), its
 * note says what the part is; then its lines, which may be selected and
 * copied. */
static void
add_details_part (GtkBox             *box,
                  const char         *title,
                  const char         *note,
                  const char * const *lines)
{
  g_autofree char *text = g_strjoinv ("\n", (char **) lines);
  PangoAttrList *attributes = pango_attr_list_new ();
  GtkWidget *title_label = NULL;
  GtkWidget *label;

  if (title != NULL)
    {
      title_label = g_object_new (GTK_TYPE_LABEL,
                                  "label", title,
                                  "accessible-role", GTK_ACCESSIBLE_ROLE_HEADING,
                                  "xalign", 0.0f,
                                  "wrap", TRUE,
                                  "margin-top", 6, "margin-start", 6, "margin-end", 6,
                                  NULL);
      gtk_widget_add_css_class (title_label, "heading");
      gtk_box_append (box, title_label);
      label = g_object_new (GTK_TYPE_LABEL,
                            "label", note,
                            "xalign", 0.0f,
                            "wrap", TRUE,
                            "margin-start", 6, "margin-end", 6,
                            NULL);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (box, label);
    }

  /* A task ID broken over two lines must not read as one with a hyphen. */
  pango_attr_list_insert (attributes, pango_attr_insert_hyphens_new (FALSE));
  label = g_object_new (GTK_TYPE_LABEL,
                        "label", text,
                        "selectable", TRUE,
                        "xalign", 0.0f,
                        "yalign", 0.0f,
                        "wrap", TRUE,
                        "wrap-mode", PANGO_WRAP_WORD_CHAR,
                        "attributes", attributes,
                        "margin-top", 6, "margin-bottom", 6,
                        "margin-start", 6, "margin-end", 6,
                        NULL);
  pango_attr_list_unref (attributes);
  gtk_widget_add_css_class (label, "monospace");
  /* Small enough that a task ID fits in the dialog's width (372 px). */
  gtk_widget_add_css_class (label, "caption");
  if (title_label != NULL)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (label),
                                    GTK_ACCESSIBLE_RELATION_LABELLED_BY, title_label, NULL,
                                    -1);
  gtk_box_append (box, label);
}

static void
show_rejected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  g_autofree char *problems_note = NULL;
  g_autofree char *in_comments_note = NULL;
  g_autofree char *lines_note = NULL;
  const char *heading;
  const char *body;
  gboolean has_problems, has_in_comments, has_lines, several;
  GtkWidget *dialog;
  GtkBox *box;
  GtkWidget *scroller;

  if (self->import_problems == NULL)
    return;

  has_problems = self->import_problems[0] != NULL;
  has_in_comments = self->import_in_comments[0] != NULL;
  has_lines = self->import_rejected[0] != NULL;
  several = has_problems + has_in_comments + has_lines > 1;

  /* What each part is: the body when it is alone, its note otherwise. */
  problems_note = g_strdup (_("These lists could not be read, or were read only in part."));
  /* Translators: %d is a count of task IDs */
  in_comments_note = g_strdup_printf (_("These task IDs were in comments (after # or //) and were read like the "
                                        "others, so they are in the list: remove any you had commented out to "
                                        "leave alone. At most %d are named here."),
                                      DAILIES_ID_PARSER_MAX_REJECTED);
  /* Translators: the numbers are a count of lines and a count of characters */
  lines_note = g_strdup_printf (_("These lines held no task ID and were skipped. At most %d are kept here, each cut to %d characters."),
                                DAILIES_ID_PARSER_MAX_REJECTED, DAILIES_ID_PARSER_REJECTED_CHARS);
  if (several)
    {
      heading = _("Import Details");
      body = _("This import left more than one thing to look at, each under its own title.");
    }
  else if (has_lines)
    {
      heading = _("Lines Without a Task ID");
      body = lines_note;
    }
  else if (has_in_comments)
    {
      heading = _("Task IDs Read From Comments");
      body = in_comments_note;
    }
  else
    {
      heading = _("Lists Not Read in Full");
      body = problems_note;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
  if (has_problems)
    add_details_part (box,
                      /* Translators: a title in Details, over the lists that could not be read in full */
                      several ? _("Lists not read in full") : NULL, problems_note,
                      (const char * const *) self->import_problems);
  if (has_in_comments)
    add_details_part (box,
                      /* Translators: a title in Details, over the task IDs read from a script's comments */
                      several ? _("Task IDs read from comments") : NULL, in_comments_note,
                      (const char * const *) self->import_in_comments);
  if (has_lines)
    add_details_part (box,
                      /* Translators: a title in Details, over the lines that were skipped */
                      several ? _("Lines without a task ID") : NULL, lines_note,
                      (const char * const *) self->import_rejected);
  scroller = g_object_new (GTK_TYPE_SCROLLED_WINDOW,
                           "child", box,
                           "min-content-height", several ? 200 : 140,
                           "max-content-height", 320,
                           "propagate-natural-height", TRUE,
                           "hscrollbar-policy", GTK_POLICY_NEVER,
                           NULL);
  gtk_widget_add_css_class (scroller, "card");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  /* Its response buttons read "_Cancel Cancel" otherwise. */
  dailies_a11y_fix_button_names (dialog);
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
      import_files (self, g_value_get_boxed (value));
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

  import_files (self, g_value_get_boxed (value));
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
  g_autoptr(DailiesImport) import = dailies_import_new (self->store);

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);
      dailies_import_add_file (import, file);
    }

  dailies_window_run_import (self, import);
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
  gtk_widget_class_install_action (widget_class, "win.cancel-import", NULL, cancel_import_action);
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
