/* dailies-window-bulk.c
 *
 * Working with many tasks at once: the actions on a selection of several
 * (Check Again, Copy IDs, Save Videos To…, Remove) and exporting the shown
 * or selected tasks as CSV or JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-a11y.h"
#include "dailies-application.h"
#include "dailies-export.h"
#include "dailies-keeper.h"
#include "dailies-poller.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-window-private.h"

/* ------------------------------------------------------------------ */
/* The selection                                                        */
/* ------------------------------------------------------------------ */

GPtrArray *
_dailies_window_dup_selected_tasks (DailiesWindow *self)
{
  return dailies_task_selection_dup_selected_tasks (self->selection);
}

void
_dailies_window_update_bulk_actions (DailiesWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean several = self->n_selected > 1;

  gtk_widget_action_set_enabled (widget, "win.select-none", several);
  gtk_widget_action_set_enabled (widget, "win.refresh-selected", several);
  /* Ctrl+C copies the ID of one selected task too. */
  gtk_widget_action_set_enabled (widget, "win.copy-selected-ids", self->n_selected > 0);
  gtk_widget_action_set_enabled (widget, "win.save-selected", several && self->saving == NULL);
  gtk_widget_action_set_enabled (widget, "win.remove-selected", several);
  gtk_widget_action_set_enabled (widget, "win.export-selected", several);
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);

  gtk_selection_model_select_all (GTK_SELECTION_MODEL (self->selection));
}

static void
select_none_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);

  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
}

/* ------------------------------------------------------------------ */
/* Check Again, Copy IDs, Remove                                        */
/* ------------------------------------------------------------------ */

/* Check Again for each of @tasks; the poller sends them a few at a time. */
void
_dailies_window_refresh_tasks (DailiesWindow *self,
                               GPtrArray     *tasks)
{
  g_autofree char *message = NULL;

  dailies_poller_refresh_tasks (self->poller, tasks);

  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Checking %u task again", "Checking %u tasks again",
                                          tasks->len),
                             tasks->len);
  _dailies_window_add_toast (self, message);
}

/* One ID a line, for a script to submit again. */
void
_dailies_window_copy_ids (DailiesWindow *self,
                          GPtrArray     *tasks)
{
  g_autoptr(GString) ids = g_string_new (NULL);
  g_autofree char *message = NULL;

  for (guint i = 0; i < tasks->len; i++)
    {
      g_string_append (ids, dailies_task_get_id (g_ptr_array_index (tasks, i)));
      g_string_append_c (ids, '\n');
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), ids->str);
  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Copied %u task ID", "Copied %u task IDs", tasks->len),
                             tasks->len);
  _dailies_window_add_toast (self, message);
}

static void
refresh_selected_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  g_autoptr(GPtrArray) tasks = _dailies_window_dup_selected_tasks (DAILIES_WINDOW (widget));

  _dailies_window_refresh_tasks (DAILIES_WINDOW (widget), tasks);
}

static void
copy_selected_ids_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  g_autoptr(GPtrArray) tasks = _dailies_window_dup_selected_tasks (DAILIES_WINDOW (widget));

  _dailies_window_copy_ids (DAILIES_WINDOW (widget), tasks);
}

static void
confirm_remove_response_cb (AdwMessageDialog *dialog,
                            const char       *response,
                            DailiesWindow    *self)
{
  GPtrArray *tasks = g_object_get_data (G_OBJECT (dialog), "tasks");

  if (g_strcmp0 (response, "remove") == 0)
    _dailies_window_remove_tasks (self, tasks);
}

void
_dailies_window_confirm_remove (DailiesWindow *self,
                                GPtrArray     *tasks)
{
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (tasks->len == 0)
    return;

  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Remove %u Task?", "Remove %u Tasks?", tasks->len),
                             tasks->len);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("They leave the list and are no longer checked. Videos already kept stay in their folder."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  /* What the response handler removes: the tasks there were when asked. */
  g_object_set_data_full (G_OBJECT (dialog), "tasks", g_ptr_array_ref (tasks), (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_remove_response_cb), self, 0);
  /* Its response buttons read "_Cancel Cancel" otherwise. */
  dailies_a11y_fix_button_names (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  g_autoptr(GPtrArray) tasks = _dailies_window_dup_selected_tasks (self);

  _dailies_window_confirm_remove (self, tasks);
}

/* ------------------------------------------------------------------ */
/* Save Videos To…                                                      */
/* ------------------------------------------------------------------ */

/* One folder, the selected tasks saved into it one after the other. */
typedef struct
{
  DailiesWindow *window;
  DailiesKeeper *keeper;
  GFile         *folder;
  GPtrArray     *tasks;          /* those with a video */
  guint          next;
  guint          n_saved;
  guint          n_existing;     /* a file of that name was there: left alone */
  guint          n_failed;
  guint          n_no_video;
  char          *first_error;
  GFile         *destination;    /* the one being saved */
  AdwToast      *toast;          /* "Saving 3 of 12…", with Stop */
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_object_unref (job->window);
  g_object_unref (job->keeper);
  g_object_unref (job->folder);
  g_ptr_array_unref (job->tasks);
  g_free (job->first_error);
  g_clear_object (&job->destination);
  g_clear_object (&job->toast);
  g_free (job);
}

/* Disposed: the template's widgets are gone, a late answer must not
 * reach them. */
static gboolean
window_is_gone (DailiesWindow *self)
{
  return self->toast_overlay == NULL;
}

static gboolean
has_video (DailiesTask *task)
{
  return dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS &&
         (dailies_task_get_local_path (task) != NULL || dailies_task_has_usable_link (task));
}

static void
save_next (SaveJob *job);

static void
save_finished (SaveJob *job,
               gboolean cancelled)
{
  DailiesWindow *self = job->window;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *summary = NULL;

  adw_toast_dismiss (job->toast);
  g_clear_object (&self->saving);

  /* The window closed while saving: nothing left to tell. */
  if (window_is_gone (self))
    {
      save_job_free (job);
      return;
    }

  if (cancelled)
    /* Translators: Save Videos To… was stopped */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Stopped after %u video",
                                                          "Stopped after %u videos", job->n_saved),
                                             job->n_saved));
  else
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saved %u video", "Saved %u videos",
                                                          job->n_saved),
                                             job->n_saved));
  if (job->n_existing > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                          "%u already in the folder, left as it was",
                                                          "%u already in the folder, left as they were",
                                                          job->n_existing),
                                             job->n_existing));
  if (job->n_no_video > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u task has no video",
                                                          "%u tasks have no video", job->n_no_video),
                                             job->n_no_video));
  if (job->n_failed > 0)
    /* Translators: the last %s is the first error message */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failed: %s", "%u failed, first: %s",
                                                          job->n_failed),
                                             job->n_failed, job->first_error));
  g_ptr_array_add (parts, NULL);

  /* Translators: separates the parts of a summary */
  summary = g_strjoinv (_(" · "), (char **) parts->pdata);
  _dailies_window_update_bulk_actions (self);
  _dailies_window_add_toast (self, summary);
  save_job_free (job);
}

static void
video_saved_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SaveJob *job = user_data;
  g_autoptr(GError) error = NULL;

  if (!dailies_keeper_save_as_finish (DAILIES_KEEPER (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          save_finished (job, TRUE);
          return;
        }
      /* A file of that name appeared while this one was saved. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          job->n_existing++;
          save_next (job);
          return;
        }
      g_message ("save videos: %s", error->message);
      job->n_failed++;
      if (job->first_error == NULL)
        job->first_error = g_strdup (error->message);
    }
  else
    job->n_saved++;

  save_next (job);
}

/* Asked off the main thread: the folder may be on a slow share. */
static void
destination_checked_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  SaveJob *job = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_file_query_info_finish (G_FILE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      save_finished (job, TRUE);
      return;
    }

  if (info != NULL)
    {
      /* Never replaced silently: said in the summary instead. */
      job->n_existing++;
      save_next (job);
      return;
    }

  dailies_keeper_save_as_async (job->keeper, g_ptr_array_index (job->tasks, job->next - 1), job->destination,
                                DAILIES_DOWNLOAD_NO_REPLACE, job->window->saving, video_saved_cb, job);
}

static void
save_next (SaveJob *job)
{
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  DailiesTask *task;

  if (job->next >= job->tasks->len)
    {
      save_finished (job, FALSE);
      return;
    }

  task = g_ptr_array_index (job->tasks, job->next++);
  title = g_strdup_printf (_("Saving %u of %u…"), job->next, job->tasks->len);
  adw_toast_set_title (job->toast, title);

  name = dailies_keeper_suggest_name (job->keeper, task);
  g_set_object (&job->destination, NULL);
  job->destination = g_file_get_child (job->folder, name);
  g_file_query_info_async (job->destination, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                           G_PRIORITY_DEFAULT, job->window->saving, destination_checked_cb, job);
}

static void
stop_saving_cb (AdwToast      *toast,
                DailiesWindow *self)
{
  if (self->saving != NULL)
    g_cancellable_cancel (self->saving);
}

static void
save_folder_chosen_cb (GtkNativeDialog *dialog,
                       int              response,
                       gpointer         user_data)
{
  DailiesWindow *self = DAILIES_WINDOW (user_data);
  GPtrArray *selected = g_object_get_data (G_OBJECT (dialog), "tasks");
  g_autoptr(GFile) folder = NULL;
  SaveJob *job;

  if (response != GTK_RESPONSE_ACCEPT || self->saving != NULL ||
      (folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) == NULL)
    {
      g_object_unref (dialog);
      return;
    }

  job = g_new0 (SaveJob, 1);
  job->window = g_object_ref (self);
  job->keeper = g_object_ref (dailies_application_get_keeper (DAILIES_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)))));
  job->folder = g_steal_pointer (&folder);
  job->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < selected->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (selected, i);

      if (has_video (task))
        g_ptr_array_add (job->tasks, g_object_ref (task));
      else
        job->n_no_video++;
    }
  g_object_unref (dialog);

  self->saving = g_cancellable_new ();
  _dailies_window_update_bulk_actions (self);
  job->toast = adw_toast_new ("");
  adw_toast_set_timeout (job->toast, 0);
  adw_toast_set_button_label (job->toast, _("_Stop"));
  g_signal_connect_object (job->toast, "button-clicked", G_CALLBACK (stop_saving_cb), self, 0);
  _dailies_window_show_toast (self, g_object_ref (job->toast));
  save_next (job);
}

static void
save_selected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  GtkFileChooserNative *dialog;

  if (self->saving != NULL)
    return;

  /* A portal under Flatpak: the folder is granted as it is picked. */
  dialog = gtk_file_chooser_native_new (_("Save Videos To"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Save Here"), _("_Cancel"));
  g_object_set_data_full (G_OBJECT (dialog), "tasks", _dailies_window_dup_selected_tasks (self),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (save_folder_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ------------------------------------------------------------------ */
/* Export                                                               */
/* ------------------------------------------------------------------ */

/* How many rows are copied at a time on the main thread (about a
 * millisecond's work), and how many such chunks may wait for the writer. */
#define EXPORT_CHUNK 1000
#define EXPORT_MAX_PENDING 4

/* Plain copies of @n of @tasks from @start, made here on the main thread;
 * the answers are parsed and the file written on a worker thread. */
static GPtrArray *
snapshot_rows (GPtrArray *tasks,
               guint      start,
               guint      n,
               gboolean   links)
{
  guint end = MIN (start + n, tasks->len);
  GPtrArray *rows = g_ptr_array_new_full (end - start, (GDestroyNotify) dailies_export_row_free);

  for (guint i = start; i < end; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);
      DailiesExportRow *row = dailies_export_row_new ();

      row->task_id = g_strdup (dailies_task_get_id (task));
      row->status = dailies_task_get_status (task);
      if (row->status == DAILIES_TASK_STATUS_OTHER)
        row->status_text = g_strdup (dailies_task_get_status_text (task));
      row->fail_reason = g_strdup (dailies_task_get_fail_reason (task));
      row->submit_time = dailies_task_get_submit_time (task);
      row->start_time = dailies_task_get_start_time (task);
      row->finish_time = dailies_task_get_finish_time (task);
      row->model = g_strdup (dailies_task_get_model (task));
      /* Resolution, duration and tokens come with a finished video. */
      if (row->status == DAILIES_TASK_STATUS_SUCCESS)
        {
          row->json_source = dailies_task_ref_json_source (task);
          if (row->json_source == NULL)
            row->raw_json = g_strdup (dailies_task_get_raw_json (task));
        }
      row->local_path = g_strdup (dailies_task_get_local_path (task));
      if (links && dailies_task_has_usable_link (task))
        {
          row->video_link = g_strdup (dailies_task_get_result_url (task));
          row->link_expires_at = dailies_task_get_link_expires_at (task);
        }
      g_ptr_array_add (rows, row);
    }

  return rows;
}

typedef struct
{
  DailiesWindow    *window;
  GFile            *file;
  GPtrArray        *tasks;
  gboolean          links;
  guint             next;       /* the first task not copied yet */
  DailiesExportJob *export;     /* until every row is handed over */
  guint             feed_source;
  gint64            started;
  AdwToast         *toast;      /* "Exporting 20,000 of 100,000 tasks…" */
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_assert (job->export == NULL && job->feed_source == 0);

  g_object_unref (job->window);
  g_object_unref (job->file);
  g_ptr_array_unref (job->tasks);
  if (job->toast != NULL)
    adw_toast_dismiss (job->toast);
  g_clear_object (&job->toast);
  g_free (job);
}

/* Only exports that last show how far they are. */
static void
show_export_progress (ExportJob *job)
{
  guint done = dailies_export_job_get_n_written (job->export);
  g_autofree char *done_text = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *title = NULL;

  if (g_get_monotonic_time () - job->started < G_USEC_PER_SEC / 2 || window_is_gone (job->window))
    return;

  /* The locale's digit grouping, as in 100,000 */
  done_text = g_strdup_printf ("%'u", done);
  total_text = g_strdup_printf ("%'u", job->tasks->len);
  /* Translators: as in "Exporting 20,000 of 100,000 tasks…" */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exporting %s of %s task…", "Exporting %s of %s tasks…",
                                        job->tasks->len),
                           done_text, total_text);
  if (job->toast == NULL)
    {
      job->toast = adw_toast_new (title);
      adw_toast_set_timeout (job->toast, 0);
      _dailies_window_show_toast (job->window, g_object_ref (job->toast));
    }
  adw_toast_set_title (job->toast, title);
}

/* Copies one more chunk when the writer is nearly through the others:
 * each step costs about a millisecond, and memory holds a few chunks. */
static gboolean
export_feed_cb (gpointer user_data)
{
  ExportJob *job = user_data;

  if (!g_cancellable_is_cancelled (job->window->cancellable) &&
      dailies_export_job_get_n_pending (job->export) < EXPORT_MAX_PENDING)
    {
      dailies_export_job_push (job->export, snapshot_rows (job->tasks, job->next, EXPORT_CHUNK, job->links));
      job->next = MIN (job->next + EXPORT_CHUNK, job->tasks->len);
    }
  show_export_progress (job);

  if (job->next < job->tasks->len && !g_cancellable_is_cancelled (job->window->cancellable))
    return G_SOURCE_CONTINUE;

  /* The writer sees the cancel itself, and answers. */
  dailies_export_job_close (g_steal_pointer (&job->export));
  job->feed_source = 0;
  return G_SOURCE_REMOVE;
}

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  ExportJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (job->file);
  g_autofree char *text = NULL;

  if (!dailies_export_job_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_message ("export: %s", error->message);
          /* Translators: %s is an error message */
          text = g_strdup_printf (_("Could not export the tasks: %s"), error->message);
        }
    }
  else
    /* Translators: %u tasks, %s a file name */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u task to %s", "Exported %u tasks to %s",
                                         job->tasks->len),
                            job->tasks->len, name);

  if (text != NULL && !window_is_gone (job->window))
    _dailies_window_add_toast (job->window, text);
  export_job_free (job);
}

static void
export_file_chosen_cb (GtkNativeDialog *dialog,
                       int              response,
                       gpointer         user_data)
{
  DailiesWindow *self = DAILIES_WINDOW (user_data);
  DailiesExportFormat format = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "format"));
  g_autoptr(GFile) file = NULL;
  ExportJob *job;

  if (response != GTK_RESPONSE_ACCEPT || (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) == NULL)
    {
      g_object_unref (dialog);
      return;
    }

  job = g_new0 (ExportJob, 1);
  job->window = g_object_ref (self);
  job->file = g_steal_pointer (&file);
  job->tasks = g_ptr_array_ref (g_object_get_data (G_OBJECT (dialog), "tasks"));
  job->links = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "links"));
  job->started = g_get_monotonic_time ();
  g_object_unref (dialog);

  job->export = dailies_export_job_start (job->file, format,
                                          job->links ? DAILIES_EXPORT_VIDEO_LINKS : DAILIES_EXPORT_FLAGS_NONE,
                                          self->cancellable, exported_cb, job);
  /* A short list goes at once; a long one a chunk every few milliseconds. */
  if (export_feed_cb (job) == G_SOURCE_CONTINUE)
    job->feed_source = g_timeout_add (5, export_feed_cb, job);
}

static void
export_dialog_response_cb (AdwMessageDialog *dialog,
                           const char       *response,
                           DailiesWindow    *self)
{
  GtkCheckButton *json = g_object_get_data (G_OBJECT (dialog), "json");
  GtkCheckButton *links = g_object_get_data (G_OBJECT (dialog), "links");
  gboolean as_json = gtk_check_button_get_active (json);
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;

  if (g_strcmp0 (response, "export") != 0)
    return;

  chooser = gtk_file_chooser_native_new (_("Export Tasks"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), as_json ? "dailies-tasks.json" : "dailies-tasks.csv");
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, as_json ? _("JSON") : _("CSV (spreadsheets)"));
  gtk_file_filter_add_mime_type (filter, as_json ? "application/json" : "text/csv");
  gtk_file_filter_add_suffix (filter, as_json ? "json" : "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);

  g_object_set_data_full (G_OBJECT (chooser), "tasks",
                          g_ptr_array_ref (g_object_get_data (G_OBJECT (dialog), "tasks")),
                          (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (chooser), "format",
                     GUINT_TO_POINTER (as_json ? DAILIES_EXPORT_FORMAT_JSON : DAILIES_EXPORT_FORMAT_CSV));
  g_object_set_data (G_OBJECT (chooser), "links", GUINT_TO_POINTER (gtk_check_button_get_active (links)));
  g_signal_connect (chooser, "response", G_CALLBACK (export_file_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Asks the format and whether to include the signed links, then where. */
static void
export_tasks (DailiesWindow *self,
              GPtrArray     *tasks)
{
  g_autofree char *heading = NULL;
  GtkWidget *dialog;
  GtkWidget *box;
  GtkWidget *csv;
  GtkWidget *json;
  GtkWidget *links;
  GtkWidget *note;

  if (tasks->len == 0)
    return;

  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Export %u Task", "Export %u Tasks", tasks->len),
                             tasks->len);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Each task’s ID, state, failure reason, times, model, resolution, duration, tokens and kept file."));

  csv = gtk_check_button_new_with_mnemonic (_("C_SV, for a spreadsheet"));
  json = gtk_check_button_new_with_mnemonic (_("_JSON, for a script"));
  gtk_check_button_set_group (GTK_CHECK_BUTTON (json), GTK_CHECK_BUTTON (csv));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (csv), TRUE);
  links = gtk_check_button_new_with_mnemonic (_("Include _video links"));
  note = g_object_new (GTK_TYPE_LABEL,
                       "label", _("Video links are signed: anyone with the file can download the videos until the links expire, usually a day after they finished."),
                       "wrap", TRUE,
                       "xalign", 0.0f,
                       "margin-start", 28,
                       NULL);
  gtk_widget_add_css_class (note, "dim-label");
  gtk_widget_add_css_class (note, "caption");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (links), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, note, NULL, -1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), csv);
  gtk_box_append (GTK_BOX (box), json);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), links);
  gtk_box_append (GTK_BOX (box), note);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  /* What the response handler (and tests) read back. */
  g_object_set_data (G_OBJECT (dialog), "json", json);
  g_object_set_data (G_OBJECT (dialog), "links", links);
  g_object_set_data_full (G_OBJECT (dialog), "tasks", g_ptr_array_ref (tasks), (GDestroyNotify) g_ptr_array_unref);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "export", _("_Export…"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "export", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "export");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (export_dialog_response_cb), self, 0);
  /* Its response buttons read "_Cancel Cancel" otherwise. */
  dailies_a11y_fix_button_names (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The tasks the list shows, after search and filter, in list order. */
GPtrArray *
_dailies_window_dup_shown_tasks (DailiesWindow *self)
{
  GListModel *shown = G_LIST_MODEL (self->shown);
  guint n_items = g_list_model_get_n_items (shown);
  GPtrArray *tasks = g_ptr_array_new_full (n_items, g_object_unref);

  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (tasks, g_list_model_get_item (shown, i));

  return tasks;
}

static void
export_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  g_autoptr(GPtrArray) tasks = _dailies_window_dup_selected_tasks (DAILIES_WINDOW (widget));

  export_tasks (DAILIES_WINDOW (widget), tasks);
}

/* The selection when there is one of several, else every task shown. */
static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DailiesWindow *self = DAILIES_WINDOW (widget);
  g_autoptr(GPtrArray) tasks = self->n_selected > 1 ? _dailies_window_dup_selected_tasks (self)
                                                    : _dailies_window_dup_shown_tasks (self);

  export_tasks (self, tasks);
}

void
_dailies_window_class_init_bulk (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "win.select-none", NULL, select_none_action);
  gtk_widget_class_install_action (widget_class, "win.refresh-selected", NULL, refresh_selected_action);
  gtk_widget_class_install_action (widget_class, "win.copy-selected-ids", NULL, copy_selected_ids_action);
  gtk_widget_class_install_action (widget_class, "win.save-selected", NULL, save_selected_action);
  gtk_widget_class_install_action (widget_class, "win.remove-selected", NULL, remove_selected_action);
  gtk_widget_class_install_action (widget_class, "win.export-selected", NULL, export_selected_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);

  /* A text entry with the focus takes Ctrl+A and Ctrl+C first; the
   * per-task actions share their keys, and a disabled action lets the
   * key go on to the enabled one. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK, "win.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.select-none", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.select-none", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "win.copy-selected-ids", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.remove-selected", NULL);
}

void
_dailies_window_init_bulk (DailiesWindow *self)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  /* Ctrl+E is taken on its way down to the focus: typed in the search
   * field, it would never come back up to a binding on the window. */
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_e, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("win.export")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}
