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
  dailies_task_json_source_unref (row->json_source);
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
  g_autofree char *stored = NULL;
  const char *json = row->raw_json;

  details->resolution = NULL;
  details->duration = -1;
  details->tokens = -1;

  if (json == NULL && row->json_source != NULL)
    json = stored = row->json_source->read (row->json_source, row->task_id);
  if (json == NULL ||
      (response = dailies_task_response_parse (json, strlen (json), NULL)) == NULL)
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

/* Where a file being written is: rows may come in several chunks. */
typedef struct
{
  GOutputStream       *stream;
  GString             *out;
  DailiesExportFormat  format;
  DailiesExportFlags   flags;
  guint                n_rows;
} Writer;

static void
writer_begin (Writer              *writer,
              GOutputStream       *stream,
              DailiesExportFormat  format,
              DailiesExportFlags   flags,
              gint64               now)
{
  writer->stream = stream;
  writer->out = g_string_sized_new (FLUSH_BYTES + 4096);
  writer->format = format;
  writer->flags = flags;
  writer->n_rows = 0;

  if (format == DAILIES_EXPORT_FORMAT_CSV)
    {
      for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
        g_string_append_printf (writer->out, i == 0 ? "%s" : ",%s", csv_columns[i]);
      if (flags & DAILIES_EXPORT_VIDEO_LINKS)
        g_string_append (writer->out, ",video_link,video_link_expires");
      g_string_append (writer->out, "\r\n");
    }
  else
    {
      g_autofree char *exported = format_time (now);

      g_string_append (writer->out, "{\n  \"exported_at\": ");
      append_json_string (writer->out, exported);
      if (flags & DAILIES_EXPORT_VIDEO_LINKS)
        {
          g_string_append (writer->out, ",\n  \"video_links_note\": ");
          append_json_string (writer->out, LINKS_NOTE);
        }
      g_string_append (writer->out, ",\n  \"tasks\": [");
    }
}

static gboolean
writer_add_row (Writer                  *writer,
                const DailiesExportRow  *row,
                GCancellable            *cancellable,
                GError                 **error)
{
  Details details;

  read_details (row, &details);
  if (writer->format == DAILIES_EXPORT_FORMAT_CSV)
    append_csv_row (writer->out, row, &details, writer->flags);
  else
    append_json_row (writer->out, row, &details, writer->flags, writer->n_rows == 0);
  g_free (details.resolution);
  writer->n_rows++;

  return writer->out->len < FLUSH_BYTES || flush (writer->stream, writer->out, cancellable, error);
}

static gboolean
writer_end (Writer        *writer,
            GCancellable  *cancellable,
            GError       **error)
{
  if (writer->format == DAILIES_EXPORT_FORMAT_JSON)
    g_string_append (writer->out, writer->n_rows > 0 ? "\n  ]\n}\n" : "]\n}\n");

  return flush (writer->stream, writer->out, cancellable, error);
}

static void
writer_clear (Writer *writer)
{
  g_string_free (writer->out, TRUE);
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
  Writer writer;
  gboolean ok = TRUE;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (rows != NULL, FALSE);

  writer_begin (&writer, stream, format, flags, now);
  for (guint i = 0; ok && i < rows->len; i++)
    {
      ok = !g_cancellable_set_error_if_cancelled (cancellable, error) &&
           writer_add_row (&writer, g_ptr_array_index (rows, i), cancellable, error);
      if (ok && n_done != NULL)
        *n_done = i + 1;
    }
  ok = ok && writer_end (&writer, cancellable, error);
  writer_clear (&writer);

  return ok;
}

/* ------------------------------------------------------------------ */
/* On a worker thread, fed in chunks                                    */
/* ------------------------------------------------------------------ */

struct _DailiesExportJob
{
  GFile               *file;
  DailiesExportFormat  format;
  DailiesExportFlags   flags;
  gint64               now;
  GAsyncQueue         *chunks;      /* GPtrArray* of rows, then the end marker */
  guint                n_pending;   /* atomic: chunks pushed, not yet written */
  guint                n_written;   /* atomic: rows written */
};

/* Pushed after the last chunk. */
static GPtrArray end_marker;

static void
export_job_free (DailiesExportJob *job)
{
  GPtrArray *chunk;

  while ((chunk = g_async_queue_try_pop (job->chunks)) != NULL)
    if (chunk != &end_marker)
      g_ptr_array_unref (chunk);
  g_async_queue_unref (job->chunks);
  g_object_unref (job->file);
  g_free (job);
}

/* Takes every chunk until the end marker, also after a failure, so that
 * the caller never waits on a queue nobody reads. */
static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DailiesExportJob *job = task_data;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *chunk;
  Writer writer = { 0 };

  stream = g_file_replace (job->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, cancellable, &error);
  if (stream != NULL)
    writer_begin (&writer, G_OUTPUT_STREAM (stream), job->format, job->flags, job->now);

  while ((chunk = g_async_queue_pop (job->chunks)) != &end_marker)
    {
      for (guint i = 0; error == NULL && i < chunk->len; i++)
        if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
          writer_add_row (&writer, g_ptr_array_index (chunk, i), cancellable, &error);
      g_atomic_int_add ((int *) &job->n_written, (int) chunk->len);
      g_atomic_int_add ((int *) &job->n_pending, -1);
      g_ptr_array_unref (chunk);
    }

  if (stream != NULL)
    {
      if (error == NULL)
        writer_end (&writer, cancellable, &error);
      writer_clear (&writer);

      if (error == NULL)
        g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &error);
      else
        {
          /* Closing with a cancelled cancellable drops the temporary
           * file, so a failed export leaves any earlier file as it was. */
          g_autoptr(GCancellable) abort = g_cancellable_new ();

          g_cancellable_cancel (abort);
          g_output_stream_close (G_OUTPUT_STREAM (stream), abort, NULL);
        }
    }

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

DailiesExportJob *
dailies_export_job_start (GFile               *file,
                          DailiesExportFormat  format,
                          DailiesExportFlags   flags,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  DailiesExportJob *job;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  job = g_new0 (DailiesExportJob, 1);
  job->file = g_object_ref (file);
  job->format = format;
  job->flags = flags;
  job->now = g_get_real_time () / G_USEC_PER_SEC;
  job->chunks = g_async_queue_new ();

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_export_job_start);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);

  return job;
}

void
dailies_export_job_push (DailiesExportJob *job,
                         GPtrArray        *rows)
{
  g_return_if_fail (job != NULL);
  g_return_if_fail (rows != NULL);

  g_atomic_int_inc ((int *) &job->n_pending);
  g_async_queue_push (job->chunks, rows);
}

void
dailies_export_job_close (DailiesExportJob *job)
{
  g_return_if_fail (job != NULL);

  g_async_queue_push (job->chunks, &end_marker);
}

guint
dailies_export_job_get_n_pending (DailiesExportJob *job)
{
  return (guint) g_atomic_int_get ((int *) &job->n_pending);
}

guint
dailies_export_job_get_n_written (DailiesExportJob *job)
{
  return (guint) g_atomic_int_get ((int *) &job->n_written);
}

gboolean
dailies_export_job_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
