/* dailies-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-export.h"
#include "dailies-task-response.h"

/* Written out in pieces of about this size: few writes, little memory. */
#define FLUSH_BYTES (64 * 1024)

/* What the JSON says next to signed links: whoever holds the file can
 * fetch the videos until then. Data, not interface: not translated. */
#define LINKS_NOTE "video_link is a signed link: anyone holding it can fetch the video until it expires (video_link_expires), after which it no longer works."

DailiesExportRow *
dailies_export_row_new (void)
{
  return g_new0 (DailiesExportRow, 1);
}

void
dailies_export_row_free (DailiesExportRow *row)
{
  if (row == NULL)
    return;

  g_free (row->task_id);
  g_free (row->status_text);
  g_free (row->fail_reason);
  g_free (row->model);
  g_free (row->raw_json);
  g_free (row->local_path);
  g_free (row->video_link);
  g_free (row);
}

const char *
dailies_export_status_name (DailiesTaskStatus  status,
                            const char        *status_text)
{
  switch (status)
    {
    case DAILIES_TASK_STATUS_UNKNOWN:
      return "UNKNOWN";
    case DAILIES_TASK_STATUS_NOT_START:
      return "NOT_START";
    case DAILIES_TASK_STATUS_QUEUED:
      return "QUEUED";
    case DAILIES_TASK_STATUS_IN_PROGRESS:
      return "IN_PROGRESS";
    case DAILIES_TASK_STATUS_SUCCESS:
      return "SUCCESS";
    case DAILIES_TASK_STATUS_FAILURE:
      return "FAILURE";
    case DAILIES_TASK_STATUS_NOT_FOUND:
      return "NOT_FOUND";
    case DAILIES_TASK_STATUS_OTHER:
    default:
      return status_text != NULL ? status_text : "OTHER";
    }
}

static void
append_csv_field (GString    *out,
                  const char *value)
{
  gboolean guard;

  if (value == NULL || *value == '\0')
    return;

  /* A spreadsheet runs "=HYPERLINK(…)" from a failure reason as a formula. */
  guard = strchr ("=+-@\t\r", value[0]) != NULL;

  if (!guard && strpbrk (value, "\",\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  if (guard)
    g_string_append_c (out, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char *
dailies_export_csv_field (const char *value)
{
  GString *out = g_string_new (NULL);

  append_csv_field (out, value);
  return g_string_free (out, FALSE);
}

static void
append_json_string (GString    *out,
                    const char *value)
{
  g_autofree char *valid = NULL;

  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  /* A stored answer is UTF-8 already; a local path may not be. */
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

/* ISO 8601 in UTC, as in 2026-12-02T06:51:03Z; NULL for 0 (unknown). */
static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) date = NULL;

  if (unix_seconds <= 0 || (date = g_date_time_new_from_unix_utc (unix_seconds)) == NULL)
    return NULL;

  return g_date_time_format (date, "%Y-%m-%dT%H:%M:%SZ");
}

/* What is read from the last answer. */
typedef struct
{
  char   *resolution;
  int     duration;
  gint64  tokens;
} Details;

static void
read_details (const DailiesExportRow *row,
              Details                *details)
{
  g_autoptr(DailiesTaskResponse) response = NULL;

  details->resolution = NULL;
  details->duration = -1;
  details->tokens = -1;

  if (row->raw_json == NULL ||
      (response = dailies_task_response_parse (row->raw_json, strlen (row->raw_json), NULL)) == NULL)
    return;

  details->resolution = g_steal_pointer (&response->resolution);
  details->duration = response->duration;
  /* What the user paid for: super-resolution tokens when there are some. */
  details->tokens = response->billed_tokens >= 0 ? response->billed_tokens : response->total_tokens;
}

static const char * const csv_columns[] = {
  "task_id", "status", "fail_reason", "submit_time", "start_time", "finish_time",
  "model", "resolution", "duration_seconds", "tokens", "local_path",
};

static void
append_csv_row (GString                *out,
                const DailiesExportRow *row,
                const Details          *details,
                DailiesExportFlags      flags)
{
  g_autofree char *submit = format_time (row->submit_time);
  g_autofree char *start = format_time (row->start_time);
  g_autofree char *finish = format_time (row->finish_time);
  const char *fields[] = {
    row->task_id, dailies_export_status_name (row->status, row->status_text), row->fail_reason,
    submit, start, finish, row->model, details->resolution,
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      append_csv_field (out, fields[i]);
      g_string_append_c (out, ',');
    }
  if (details->duration >= 0)
    g_string_append_printf (out, "%d", details->duration);
  g_string_append_c (out, ',');
  if (details->tokens >= 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, details->tokens);
  g_string_append_c (out, ',');
  append_csv_field (out, row->local_path);

  if (flags & DAILIES_EXPORT_VIDEO_LINKS)
    {
      g_autofree char *expires = format_time (row->link_expires_at);

      g_string_append_c (out, ',');
      append_csv_field (out, row->video_link);
      g_string_append_c (out, ',');
      append_csv_field (out, expires);
    }
  g_string_append (out, "\r\n");
}

static void
append_json_member (GString    *out,
                    const char *name,
                    const char *value)
{
  g_string_append_printf (out, ", \"%s\": ", name);
  append_json_string (out, value);
}

static void
append_json_number (GString    *out,
                    const char *name,
                    gint64      value)
{
  if (value >= 0)
    g_string_append_printf (out, ", \"%s\": %" G_GINT64_FORMAT, name, value);
  else
    g_string_append_printf (out, ", \"%s\": null", name);
}

static void
append_json_row (GString                *out,
                 const DailiesExportRow *row,
                 const Details          *details,
                 DailiesExportFlags      flags,
                 gboolean                first)
{
  g_autofree char *submit = format_time (row->submit_time);
  g_autofree char *start = format_time (row->start_time);
  g_autofree char *finish = format_time (row->finish_time);

  g_string_append (out, first ? "\n    {\"task_id\": " : ",\n    {\"task_id\": ");
  append_json_string (out, row->task_id);
  append_json_member (out, "status", dailies_export_status_name (row->status, row->status_text));
  append_json_member (out, "fail_reason", row->fail_reason);
  append_json_member (out, "submit_time", submit);
  append_json_member (out, "start_time", start);
  append_json_member (out, "finish_time", finish);
  append_json_member (out, "model", row->model);
  append_json_member (out, "resolution", details->resolution);
  append_json_number (out, "duration_seconds", details->duration);
  append_json_number (out, "tokens", details->tokens);
  append_json_member (out, "local_path", row->local_path);
  if (flags & DAILIES_EXPORT_VIDEO_LINKS)
    {
      g_autofree char *expires = format_time (row->link_expires_at);

      append_json_member (out, "video_link", row->video_link);
      append_json_member (out, "video_link_expires", expires);
    }
  g_string_append_c (out, '}');
}

static gboolean
flush (GOutputStream  *stream,
       GString        *out,
       GCancellable   *cancellable,
       GError        **error)
{
  if (out->len > 0 && !g_output_stream_write_all (stream, out->str, out->len, NULL, cancellable, error))
    return FALSE;

  g_string_truncate (out, 0);
  return TRUE;
}

gboolean
dailies_export_write (GOutputStream        *stream,
                      GPtrArray            *rows,
                      DailiesExportFormat   format,
                      DailiesExportFlags    flags,
                      gint64                now,
                      GCancellable         *cancellable,
                      guint                *n_done,
                      GError              **error)
{
  g_autoptr(GString) out = g_string_sized_new (FLUSH_BYTES + 4096);
  gboolean csv = format == DAILIES_EXPORT_FORMAT_CSV;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (rows != NULL, FALSE);

  if (csv)
    {
      for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
        g_string_append_printf (out, i == 0 ? "%s" : ",%s", csv_columns[i]);
      if (flags & DAILIES_EXPORT_VIDEO_LINKS)
        g_string_append (out, ",video_link,video_link_expires");
      g_string_append (out, "\r\n");
    }
  else
    {
      g_autofree char *exported = format_time (now);

      g_string_append (out, "{\n  \"exported_at\": ");
      append_json_string (out, exported);
      if (flags & DAILIES_EXPORT_VIDEO_LINKS)
        {
          g_string_append (out, ",\n  \"video_links_note\": ");
          append_json_string (out, LINKS_NOTE);
        }
      g_string_append (out, ",\n  \"tasks\": [");
    }

  for (guint i = 0; i < rows->len; i++)
    {
      const DailiesExportRow *row = g_ptr_array_index (rows, i);
      Details details;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      read_details (row, &details);
      if (csv)
        append_csv_row (out, row, &details, flags);
      else
        append_json_row (out, row, &details, flags, i == 0);
      g_free (details.resolution);

      if (out->len >= FLUSH_BYTES && !flush (stream, out, cancellable, error))
        return FALSE;
      if (n_done != NULL)
        g_atomic_int_set ((int *) n_done, (int) i + 1);
    }

  if (!csv)
    g_string_append (out, rows->len > 0 ? "\n  ]\n}\n" : "]\n}\n");

  return flush (stream, out, cancellable, error);
}

/* ------------------------------------------------------------------ */
/* On a worker thread                                                  */
/* ------------------------------------------------------------------ */

typedef struct
{
  GFile                 *file;
  GPtrArray             *rows;
  DailiesExportFormat    format;
  DailiesExportFlags     flags;
  gint64                 now;
  guint                  n_done;         /* atomic: raised by the worker */
  GSource               *progress_source;
  DailiesExportProgress  progress_cb;
  gpointer               progress_data;
} ExportData;

static void
export_data_free (ExportData *data)
{
  if (data->progress_source != NULL)
    {
      g_source_destroy (data->progress_source);
      g_source_unref (data->progress_source);
    }
  g_object_unref (data->file);
  g_ptr_array_unref (data->rows);
  g_free (data);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportData *data = task_data;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = g_file_replace (data->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, cancellable, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Closing with a cancelled cancellable drops the temporary file, so a
   * failed export leaves any earlier file as it was. */
  if (!dailies_export_write (G_OUTPUT_STREAM (stream), data->rows, data->format, data->flags, data->now,
                             cancellable, &data->n_done, &error))
    {
      g_autoptr(GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (G_OUTPUT_STREAM (stream), abort, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static gboolean
progress_tick_cb (gpointer user_data)
{
  ExportData *data = user_data;

  data->progress_cb ((guint) g_atomic_int_get ((int *) &data->n_done), data->rows->len, data->progress_data);
  return G_SOURCE_CONTINUE;
}

void
dailies_export_to_file_async (GFile                 *file,
                              GPtrArray             *rows,
                              DailiesExportFormat    format,
                              DailiesExportFlags     flags,
                              GCancellable          *cancellable,
                              DailiesExportProgress  progress_cb,
                              gpointer               progress_data,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportData *data;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (rows != NULL);

  data = g_new0 (ExportData, 1);
  data->file = g_object_ref (file);
  data->rows = g_ptr_array_ref (rows);
  data->format = format;
  data->flags = flags;
  data->now = g_get_real_time () / G_USEC_PER_SEC;
  data->progress_cb = progress_cb;
  data->progress_data = progress_data;

  /* The worker only raises a counter; the caller's context reads it a few
   * times a second, which costs nothing per row. */
  if (progress_cb != NULL)
    {
      data->progress_source = g_timeout_source_new (250);
      g_source_set_callback (data->progress_source, progress_tick_cb, data, NULL);
      g_source_set_static_name (data->progress_source, "[dailies] export progress");
      g_source_attach (data->progress_source, g_main_context_get_thread_default ());
    }

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_export_to_file_async);
  g_task_set_task_data (task, data, (GDestroyNotify) export_data_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
dailies_export_to_file_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
