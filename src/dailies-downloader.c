/* dailies-downloader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "dailies-api-client.h"
#include "dailies-downloader.h"

/* Big enough to keep syscalls and thread hops rare, small enough that two
 * of them are all the memory a download of any size needs. */
#define CHUNK_SIZE        (256 * 1024)
#define N_BUFFERS         2
#define PROGRESS_INTERVAL (G_USEC_PER_SEC / 10)
#define FIRST_BACKOFF_MS  100
#define IO_TIMEOUT_S      60
#define PART_SUFFIX       ".part"
#define NAME_MAX_BYTES    200
#define EXTENSION_MAX     16

struct _DailiesDownloader
{
  GObject      parent_instance;

  SoupSession *session;
  /* GFile of each .part being written (also the key): one writer each. */
  GHashTable  *active_parts;
  /* Download*, borrowed: cancelled in dispose. */
  GPtrArray   *downloads;
  gboolean     sync_to_disk;
};

G_DEFINE_FINAL_TYPE (DailiesDownloader, dailies_downloader, G_TYPE_OBJECT)

G_DEFINE_QUARK (dailies-download-error-quark, dailies_download_error)

typedef enum
{
  KIND_HTTP,
  KIND_COPY,
} DownloadKind;

typedef enum
{
  BUFFER_FREE,
  BUFFER_READING,
  BUFFER_FULL,
  BUFFER_WRITING,
} BufferState;

typedef struct
{
  guint8      *data;
  gsize        length;
  BufferState  state;
} Buffer;

/* The state of one download or copy, the task data of its GTask. */
typedef struct
{
  DailiesDownloader       *self;            /* borrowed: the task's source object */
  DownloadKind             kind;

  /* What and where */
  GUri                    *uri;             /* KIND_HTTP */
  char                    *log_url;         /* redacted: never the query string */
  GFile                   *source;          /* KIND_COPY */
  GFile                   *destination;
  GFile                   *part;
  gboolean                 part_created;    /* ours to delete */
  gboolean                 sync_to_disk;

  /* Streams */
  GFileOutputStream       *output;
  GInputStream            *input;
  SoupMessage             *msg;

  /* Our own cancellable: the caller's, dispose and fatal write errors all
   * end here. */
  GCancellable            *cancellable;
  GCancellable            *caller_cancellable;
  gulong                   caller_handler;

  /* Progress of the file */
  goffset                  received;        /* bytes in .part */
  goffset                  total;           /* -1 when unknown */
  char                    *validator;       /* ETag or Last-Modified for If-Range */
  guint                    n_retries;
  gboolean                 got_response;    /* any HTTP answer so far */
  GSource                 *retry_source;
  GSource                 *retry_cancel_source;

  /* The pump of the current attempt */
  Buffer                   buffers[N_BUFFERS];
  gboolean                 eof;
  GError                  *read_error;      /* the attempt ended; maybe retried */
  GError                  *stop_error;      /* fatal: reported once nothing is pending */
  GError                  *final_error;     /* reported once cleaned up */

  /* Progress reports */
  DailiesDownloadProgress  progress_cb;
  gpointer                 progress_data;
  GDestroyNotify           progress_notify;
  GSource                 *progress_source;
  GMainContext            *context;         /* the task's */
  gint64                   last_progress_us;
  goffset                  last_progress_bytes;
  double                   rate;
} Download;

static void
download_free (gpointer data)
{
  Download *d = data;

  g_assert (d->retry_source == NULL);
  g_assert (d->progress_source == NULL);

  if (d->progress_notify != NULL)
    d->progress_notify (d->progress_data);

  if (d->caller_cancellable != NULL && d->caller_handler != 0)
    g_cancellable_disconnect (d->caller_cancellable, d->caller_handler);
  g_clear_object (&d->caller_cancellable);
  g_clear_object (&d->cancellable);

  g_clear_pointer (&d->uri, g_uri_unref);
  g_clear_pointer (&d->log_url, g_free);
  g_clear_object (&d->source);
  g_clear_object (&d->destination);
  g_clear_object (&d->part);
  g_clear_object (&d->output);
  g_clear_object (&d->input);
  g_clear_object (&d->msg);
  g_clear_pointer (&d->validator, g_free);
  g_clear_error (&d->read_error);
  g_clear_error (&d->stop_error);
  g_clear_error (&d->final_error);

  for (guint i = 0; i < N_BUFFERS; i++)
    g_free (d->buffers[i].data);

  g_free (d);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static char *
folder_name (GFile *file)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);

  return g_file_get_parse_name (parent != NULL ? parent : file);
}

/* An error while creating, writing or renaming the file. */
static GError *
write_error (Download     *d,
             const GError *error)
{
  g_autofree char *folder = folder_name (d->destination);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NO_SPACE,
                        _("There is not enough free space in “%s” to save the video."),
                        folder);

  return g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE,
                      _("The video cannot be saved in “%s”: %s"),
                      folder, error->message);
}

static GError *
cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The download was cancelled"));
}

/* ------------------------------------------------------------------ */
/* Progress                                                            */
/* ------------------------------------------------------------------ */

static void report_progress (Download *d,
                             gboolean  force);

static gboolean
progress_timeout_cb (gpointer user_data)
{
  Download *d = user_data;

  g_clear_pointer (&d->progress_source, g_source_unref);
  report_progress (d, TRUE);

  return G_SOURCE_REMOVE;
}

static void
clear_progress_source (Download *d)
{
  if (d->progress_source != NULL)
    {
      g_source_destroy (d->progress_source);
      g_clear_pointer (&d->progress_source, g_source_unref);
    }
}

/* At most one report per PROGRESS_INTERVAL. A change that comes too soon
 * is reported when the interval is over, so that the last state before a
 * stall is never left unreported; no timer runs while nothing changes. */
static void
report_progress (Download *d,
                 gboolean  force)
{
  gint64 now = g_get_monotonic_time ();
  gint64 elapsed = now - d->last_progress_us;

  if (d->progress_cb == NULL)
    return;

  if (!force && elapsed < PROGRESS_INTERVAL)
    {
      if (d->progress_source == NULL)
        {
          d->progress_source = g_timeout_source_new ((PROGRESS_INTERVAL - elapsed) / 1000 + 1);
          g_source_set_name (d->progress_source, "[dailies] download progress");
          g_source_set_callback (d->progress_source, progress_timeout_cb, d, NULL);
          g_source_attach (d->progress_source, d->context);
        }
      return;
    }

  clear_progress_source (d);

  if (elapsed > 0 && d->received >= d->last_progress_bytes)
    {
      double instant = (d->received - d->last_progress_bytes) * (double) G_USEC_PER_SEC / elapsed;

      /* Smoothed, so that a label showing it does not flicker. */
      d->rate = d->rate > 0 ? 0.7 * d->rate + 0.3 * instant : instant;
    }

  d->last_progress_us = now;
  d->last_progress_bytes = d->received;

  d->progress_cb (d->received, d->total, d->rate, d->progress_data);
}

/* ------------------------------------------------------------------ */
/* Ending                                                              */
/* ------------------------------------------------------------------ */

/* Reports the result; @error NULL means success (taken otherwise). */
static void
download_return (GTask  *task,
                 GError *error)
{
  Download *d = g_task_get_task_data (task);
  DailiesDownloader *self = d->self;

  clear_progress_source (d);
  g_hash_table_remove (self->active_parts, d->part);
  g_ptr_array_remove_fast (self->downloads, d);

  if (error != NULL)
    {
      g_debug ("downloader: %s failed: %s", d->log_url, error->message);
      g_task_return_error (task, error);
    }
  else
    {
      g_debug ("downloader: %s saved (%" G_GOFFSET_FORMAT " bytes)", d->log_url, d->received);
      g_task_return_boolean (task, TRUE);
    }
}

static void
cleanup_thread (GTask        *subtask,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Download *d = task_data;
  g_autoptr(GError) error = NULL;

  if (d->output != NULL)
    g_output_stream_close (G_OUTPUT_STREAM (d->output), NULL, NULL);

  if (d->part_created &&
      !g_file_delete (d->part, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_autofree char *name = g_file_get_parse_name (d->part);
      g_warning ("downloader: could not remove %s: %s", name, error->message);
    }

  d->part_created = FALSE;
  g_task_return_boolean (subtask, TRUE);
}

static void
cleanup_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *d = g_task_get_task_data (task);

  download_return (task, g_steal_pointer (&d->final_error));
}

/* Removes the .part file, then reports @error (taken). Nothing may be
 * pending on the streams. */
static void
download_fail (GTask  *task,
               GError *error)
{
  Download *d = g_task_get_task_data (task);
  g_autoptr(GTask) subtask = NULL;

  g_assert (error != NULL);
  g_assert (d->final_error == NULL);

  d->final_error = error;
  clear_progress_source (d);

  if (d->input != NULL)
    {
      /* Closing a body early drops the connection rather than reading on. */
      g_input_stream_close_async (d->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&d->input);
    }
  g_clear_object (&d->msg);

  /* Not cancellable: the file must go even when the download was cancelled.
   * No source object (here and in the other subtasks): the worker thread
   * may drop its reference after the callback ran, and must not keep the
   * downloader alive then. */
  subtask = g_task_new (NULL, NULL, cleanup_cb, g_object_ref (task));
  g_task_set_source_tag (subtask, download_fail);
  g_task_set_task_data (subtask, d, NULL);
  g_task_run_in_thread (subtask, cleanup_thread);
}

/* Flushes, checks and renames the .part file. */
static void
finish_thread (GTask        *subtask,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Download *d = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;
  goffset size;

  if (!g_output_stream_close (G_OUTPUT_STREAM (d->output), NULL, &error))
    {
      g_task_return_error (subtask, write_error (d, error));
      return;
    }

  /* The rename must never publish data that is not on disk yet, or a crash
   * right after it could leave a short file under the final name. */
  path = g_file_peek_path (d->part);
  if (d->sync_to_disk && path != NULL)
    {
      int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
      int saved_errno = 0;

      if (fd < 0 || fsync (fd) != 0)
        saved_errno = errno;
      if (fd >= 0)
        close (fd);

      if (saved_errno != 0)
        {
          g_autoptr(GError) sync_error =
            g_error_new_literal (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                                 g_strerror (saved_errno));
          g_task_return_error (subtask, write_error (d, sync_error));
          return;
        }
    }

  info = g_file_query_info (d->part, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
  if (info == NULL)
    {
      g_task_return_error (subtask, write_error (d, error));
      return;
    }

  size = g_file_info_get_size (info);
  if (size != d->received || (d->total >= 0 && size != d->total))
    {
      g_autofree char *has = g_strdup_printf ("%" G_GOFFSET_FORMAT, size);
      g_autofree char *wanted = g_strdup_printf ("%" G_GOFFSET_FORMAT, d->total >= 0 ? d->total : d->received);

      g_task_return_new_error (subtask, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_SIZE_MISMATCH,
                               /* Translators: two byte counts */
                               _("The saved file has %s bytes instead of %s."), has, wanted);
      return;
    }

  /* The last point where a cancel still counts: after the rename the
   * complete file is there, and that is a success. */
  if (g_cancellable_is_cancelled (d->cancellable))
    {
      g_task_return_error (subtask, cancelled_error ());
      return;
    }

  if (!g_file_move (d->part, d->destination, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS,
                    NULL, NULL, NULL, &error))
    {
      g_task_return_error (subtask, write_error (d, error));
      return;
    }

  d->part_created = FALSE;
  g_task_return_boolean (subtask, TRUE);
}

static void
finish_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    download_fail (task, g_steal_pointer (&error));
  else
    download_return (task, NULL);
}

static void
download_finish_file (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  g_autoptr(GTask) subtask = NULL;

  if (d->input != NULL)
    {
      g_input_stream_close_async (d->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&d->input);
    }
  g_clear_object (&d->msg);

  report_progress (d, TRUE);

  subtask = g_task_new (NULL, NULL, finish_cb, g_object_ref (task));
  g_task_set_source_tag (subtask, download_finish_file);
  g_task_set_task_data (subtask, d, NULL);
  g_task_run_in_thread (subtask, finish_thread);
}

/* ------------------------------------------------------------------ */
/* Retrying                                                            */
/* ------------------------------------------------------------------ */

static void send_request (GTask *task);

static void
clear_retry_sources (Download *d)
{
  if (d->retry_source != NULL)
    {
      g_source_destroy (d->retry_source);
      g_clear_pointer (&d->retry_source, g_source_unref);
    }
  if (d->retry_cancel_source != NULL)
    {
      g_source_destroy (d->retry_cancel_source);
      g_clear_pointer (&d->retry_cancel_source, g_source_unref);
    }
}

static gboolean
retry_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);

  /* Keeps the task alive past the sources that hold it. */
  g_object_ref (task);
  clear_retry_sources (d);
  send_request (task);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

static gboolean
retry_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);

  g_object_ref (task);
  clear_retry_sources (d);
  download_fail (task, cancelled_error ());
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

/* The attempt ended early because of @reason: ask again for the rest after
 * a short wait, unless we asked too often already. */
static void
retry_or_fail (GTask        *task,
               const GError *reason)
{
  Download *d = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);
  guint delay_ms;

  if (d->input != NULL)
    {
      g_input_stream_close_async (d->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&d->input);
    }
  g_clear_object (&d->msg);

  if (d->n_retries >= DAILIES_DOWNLOAD_MAX_RETRIES)
    {
      download_fail (task,
                     g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_TOO_MANY_RETRIES,
                                  _("The connection kept dropping; gave up after %u attempts (%s)."),
                                  d->n_retries + 1, reason->message));
      return;
    }

  d->n_retries++;
  delay_ms = FIRST_BACKOFF_MS << (d->n_retries - 1);

  g_debug ("downloader: %s: %s; retry %u in %u ms from byte %" G_GOFFSET_FORMAT,
           d->log_url, reason->message, d->n_retries, delay_ms, d->received);

  d->retry_source = g_timeout_source_new (delay_ms);
  g_source_set_name (d->retry_source, "[dailies] download retry");
  g_source_set_callback (d->retry_source, retry_timeout_cb, g_object_ref (task), g_object_unref);
  g_source_attach (d->retry_source, context);

  d->retry_cancel_source = g_cancellable_source_new (d->cancellable);
  g_source_set_name (d->retry_cancel_source, "[dailies] download retry cancelled");
  g_source_set_callback (d->retry_cancel_source, G_SOURCE_FUNC (retry_cancelled_cb),
                         g_object_ref (task), g_object_unref);
  g_source_attach (d->retry_cancel_source, context);
}

/* Empties .part for a fresh start. A rare path, and ftruncate to zero is
 * quick, so it runs here rather than in a thread. */
static gboolean
restart_from_zero (Download  *d,
                   GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_debug ("downloader: %s: starting over from byte 0", d->log_url);

  if (!g_seekable_seek (G_SEEKABLE (d->output), 0, G_SEEK_SET, NULL, &local_error) ||
      !g_seekable_truncate (G_SEEKABLE (d->output), 0, NULL, &local_error))
    {
      *error = write_error (d, local_error);
      return FALSE;
    }

  d->received = 0;
  d->total = -1;
  g_clear_pointer (&d->validator, g_free);

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The pump: one read and one write in flight, two buffers             */
/* ------------------------------------------------------------------ */

static void pump (GTask *task);

static gboolean
is_cancelled (Download *d)
{
  return g_cancellable_is_cancelled (d->cancellable);
}

static void
attempt_done (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  if (d->stop_error != NULL)
    {
      download_fail (task, g_steal_pointer (&d->stop_error));
      return;
    }

  if (is_cancelled (d))
    {
      download_fail (task, cancelled_error ());
      return;
    }

  if (d->read_error != NULL)
    {
      g_autoptr(GError) error = g_steal_pointer (&d->read_error);

      if (d->kind == KIND_COPY)
        {
          g_autofree char *name = g_file_get_parse_name (d->source);

          download_fail (task,
                         g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_READ,
                                      _("The kept copy “%s” cannot be read: %s"), name, error->message));
          return;
        }

      retry_or_fail (task, error);
      return;
    }

  g_assert (d->eof);

  if (d->total < 0 || d->received == d->total)
    {
      download_finish_file (task);
    }
  else if (d->received < d->total && d->kind == KIND_HTTP)
    {
      g_autoptr(GError) early =
        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "the server closed the connection early");

      retry_or_fail (task, early);
    }
  else
    {
      g_autofree char *received = g_strdup_printf ("%" G_GOFFSET_FORMAT, d->received);
      g_autofree char *total = g_strdup_printf ("%" G_GOFFSET_FORMAT, d->total);

      download_fail (task,
                     g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_SIZE_MISMATCH,
                                  /* Translators: two byte counts */
                                  _("Received %s bytes, but %s were announced."), received, total));
    }
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n_read;
  guint i;

  n_read = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  for (i = 0; i < N_BUFFERS; i++)
    if (d->buffers[i].state == BUFFER_READING)
      break;
  g_assert (i < N_BUFFERS);

  if (n_read < 0)
    {
      d->buffers[i].state = BUFFER_FREE;
      d->read_error = g_steal_pointer (&error);
    }
  else if (n_read == 0)
    {
      d->buffers[i].state = BUFFER_FREE;
      d->eof = TRUE;
    }
  else
    {
      d->buffers[i].length = n_read;
      d->buffers[i].state = BUFFER_FULL;
    }

  pump (task);
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gsize written = 0;
  guint i;

  for (i = 0; i < N_BUFFERS; i++)
    if (d->buffers[i].state == BUFFER_WRITING)
      break;
  g_assert (i < N_BUFFERS);

  d->buffers[i].state = BUFFER_FREE;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, &written, &error))
    {
      /* A cancel is reported as such by attempt_done(). */
      if (d->stop_error == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          d->stop_error = write_error (d, error);
          /* Stops the read in flight too: there is no point in it now. */
          g_cancellable_cancel (d->cancellable);
        }
    }
  else
    {
      d->received += written;
      report_progress (d, FALSE);
    }

  pump (task);
}

/* Starts whatever can run: a write of a full buffer, a read into a free one.
 * When nothing is left in flight, the attempt is over. */
static void
pump (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  gboolean stopping = d->stop_error != NULL || d->read_error != NULL || is_cancelled (d);
  gboolean reading = FALSE;
  gboolean writing = FALSE;
  gboolean full = FALSE;

  for (guint i = 0; i < N_BUFFERS; i++)
    {
      reading |= d->buffers[i].state == BUFFER_READING;
      writing |= d->buffers[i].state == BUFFER_WRITING;
    }

  if (!stopping && !writing)
    {
      for (guint i = 0; i < N_BUFFERS; i++)
        {
          if (d->buffers[i].state == BUFFER_FULL)
            {
              d->buffers[i].state = BUFFER_WRITING;
              writing = TRUE;
              g_output_stream_write_all_async (G_OUTPUT_STREAM (d->output),
                                               d->buffers[i].data,
                                               d->buffers[i].length,
                                               G_PRIORITY_DEFAULT,
                                               d->cancellable,
                                               write_cb,
                                               g_object_ref (task));
              break;
            }
        }
    }

  for (guint i = 0; i < N_BUFFERS; i++)
    full |= d->buffers[i].state == BUFFER_FULL;

  if (!stopping && !reading && !full && !d->eof)
    {
      for (guint i = 0; i < N_BUFFERS; i++)
        {
          if (d->buffers[i].state == BUFFER_FREE)
            {
              d->buffers[i].state = BUFFER_READING;
              reading = TRUE;
              /* Always a whole chunk: libsoup's chunked decoder cannot
               * serve reads shorter than its "\r\n" boundary. */
              g_input_stream_read_async (d->input,
                                         d->buffers[i].data,
                                         CHUNK_SIZE,
                                         G_PRIORITY_DEFAULT,
                                         d->cancellable,
                                         read_cb,
                                         g_object_ref (task));
              break;
            }
        }
    }

  if (reading || writing)
    return;

  /* Data read but never written (we stopped) is dropped with the attempt. */
  for (guint i = 0; i < N_BUFFERS; i++)
    d->buffers[i].state = BUFFER_FREE;

  attempt_done (task);
}

static void
pump_start (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  d->eof = FALSE;
  g_clear_error (&d->read_error);

  for (guint i = 0; i < N_BUFFERS; i++)
    {
      if (d->buffers[i].data == NULL)
        d->buffers[i].data = g_malloc (CHUNK_SIZE);
      d->buffers[i].state = BUFFER_FREE;
    }

  pump (task);
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                */
/* ------------------------------------------------------------------ */

/* The total size that a 416 answer names in its Content-Range, or -1. */
static goffset
unsatisfied_range_total (SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_one (headers, "Content-Range");
  guint64 total;

  if (value == NULL || !g_str_has_prefix (value, "bytes */"))
    return -1;
  if (!g_ascii_string_to_unsigned (value + strlen ("bytes */"), 10, 0, G_MAXINT64, &total, NULL))
    return -1;

  return (goffset) total;
}

static void
remember_validator (Download           *d,
                    SoupMessageHeaders *headers)
{
  const char *etag = soup_message_headers_get_one (headers, "ETag");
  const char *modified = soup_message_headers_get_one (headers, "Last-Modified");

  g_clear_pointer (&d->validator, g_free);

  /* If-Range takes only strong validators. */
  if (etag != NULL && !g_str_has_prefix (etag, "W/"))
    d->validator = g_strdup (etag);
  else if (modified != NULL)
    d->validator = g_strdup (modified);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  guint status;

  d->input = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (d->input == NULL)
    {
      if (is_cancelled (d))
        download_fail (task, cancelled_error ());
      else if (d->got_response)
        retry_or_fail (task, error);
      else
        download_fail (task,
                       g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NETWORK,
                                    _("The video server cannot be reached: %s"), error->message));
      return;
    }

  d->got_response = TRUE;
  status = soup_message_get_status (d->msg);
  headers = soup_message_get_response_headers (d->msg);

  g_debug ("downloader: GET %s from byte %" G_GOFFSET_FORMAT ": HTTP %u",
           d->log_url, d->received, status);

  switch (status)
    {
    case SOUP_STATUS_OK:
      if (d->received > 0 && !restart_from_zero (d, &error))
        {
          download_fail (task, g_steal_pointer (&error));
          return;
        }

      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
        d->total = soup_message_headers_get_content_length (headers);
      else
        d->total = -1;
      remember_validator (d, headers);
      pump_start (task);
      return;

    case SOUP_STATUS_PARTIAL_CONTENT:
      {
        goffset start = -1, end = -1, total = -1;

        if (!soup_message_headers_get_content_range (headers, &start, &end, &total) ||
            start != d->received ||
            (d->total >= 0 && total != d->total))
          {
            /* Not the part we asked for, or the file changed under us. */
            g_autoptr(GError) odd =
              g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unexpected Content-Range");

            if (!restart_from_zero (d, &error))
              download_fail (task, g_steal_pointer (&error));
            else
              retry_or_fail (task, odd);
            return;
          }

        d->total = total;
        pump_start (task);
        return;
      }

    case SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE:
      if (d->received > 0)
        {
          g_autoptr(GError) odd =
            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "range not satisfiable");

          /* We had it all; only the end of the first answer got lost. */
          if (unsatisfied_range_total (headers) == d->received)
            {
              d->total = d->received;
              download_finish_file (task);
            }
          else if (!restart_from_zero (d, &error))
            download_fail (task, g_steal_pointer (&error));
          else
            retry_or_fail (task, odd);
          return;
        }
      break;

    case SOUP_STATUS_FORBIDDEN:
    case SOUP_STATUS_NOT_FOUND:
    case SOUP_STATUS_GONE:
      download_fail (task,
                     g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_EXPIRED,
                                  _("The video link has expired (HTTP %u). Check the task again for a fresh link."),
                                  status));
      return;

    default:
      break;
    }

  download_fail (task,
                 g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_HTTP,
                              /* Translators: HTTP status code and its reason phrase */
                              _("The video server answered HTTP %u (%s)."),
                              status, soup_status_get_phrase (status)));
}

/* Runs before each send, redirects included. Nothing in our session adds
 * credentials; this makes sure nothing ever will, unnoticed. */
static void
message_starting_cb (SoupMessage *msg,
                     gpointer     user_data)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  if (soup_message_headers_get_one (headers, "Authorization") != NULL)
    {
      g_warning ("downloader: removing an Authorization header from a video request");
      soup_message_headers_remove (headers, "Authorization");
    }
}

static void
send_request (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  SoupMessageHeaders *headers;

  if (is_cancelled (d))
    {
      download_fail (task, cancelled_error ());
      return;
    }

  d->msg = soup_message_new_from_uri (SOUP_METHOD_GET, d->uri);
  headers = soup_message_get_request_headers (d->msg);
  soup_message_headers_replace (headers, "Accept-Encoding", "identity");

  if (d->received > 0)
    {
      soup_message_headers_set_range (headers, d->received, -1);
      if (d->validator != NULL)
        soup_message_headers_replace (headers, "If-Range", d->validator);
    }

  g_signal_connect (d->msg, "starting", G_CALLBACK (message_starting_cb), NULL);

  g_debug ("downloader: GET %s from byte %" G_GOFFSET_FORMAT, d->log_url, d->received);

  soup_session_send_async (d->self->session,
                           d->msg,
                           G_PRIORITY_DEFAULT,
                           d->cancellable,
                           send_cb,
                           g_object_ref (task));
}

/* ------------------------------------------------------------------ */
/* Preparing the .part file                                            */
/* ------------------------------------------------------------------ */

static GFileOutputStream *
create_part (Download      *d,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFileInfo) info = NULL;
  GFileOutputStream *output;

  output = g_file_create (d->part, G_FILE_CREATE_NONE, cancellable, &local_error);
  if (output != NULL || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    goto out;

  /* A leftover of an earlier run that did not finish (no download of
   * ours writes it now: see active_parts). A file or a link is removed
   * (never what a link points to); anything else is left alone. */
  g_clear_error (&local_error);
  info = g_file_query_info (d->part, G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, &local_error);
  if (info == NULL)
    goto out;

  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR &&
      g_file_info_get_file_type (info) != G_FILE_TYPE_SYMBOLIC_LINK)
    {
      g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("“%s” is in the way"), g_file_peek_path (d->part));
      goto out;
    }

  g_debug ("downloader: replacing a leftover .part file");
  if (g_file_delete (d->part, cancellable, &local_error))
    output = g_file_create (d->part, G_FILE_CREATE_NONE, cancellable, &local_error);

out:
  if (output == NULL)
    *error = write_error (d, local_error);

  return output;
}

static void
prepare_thread (GTask        *subtask,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Download *d = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_file_query_info (d->destination, G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, NULL);
  if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autofree char *name = g_file_get_parse_name (d->destination);

      g_task_return_new_error (subtask, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE,
                               _("“%s” is a folder; choose a file name."), name);
      return;
    }

  if (d->kind == KIND_COPY)
    {
      g_autoptr(GFileInfo) source_info = NULL;

      d->input = G_INPUT_STREAM (g_file_read (d->source, cancellable, &error));
      if (d->input != NULL)
        source_info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (d->input),
                                                      G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                      cancellable, &error);
      if (source_info == NULL)
        {
          g_autofree char *name = g_file_get_parse_name (d->source);

          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_task_return_error (subtask, g_steal_pointer (&error));
          else
            g_task_return_new_error (subtask, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_READ,
                                     _("The kept copy “%s” cannot be read: %s"), name, error->message);
          return;
        }

      d->total = g_file_info_get_size (source_info);
    }

  d->output = create_part (d, cancellable, &error);
  if (d->output == NULL)
    {
      g_task_return_error (subtask, g_steal_pointer (&error));
      return;
    }

  d->part_created = TRUE;
  g_task_return_boolean (subtask, TRUE);
}

static void
prepare_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) && !is_cancelled (d))
    {
      download_fail (task, g_steal_pointer (&error));
      return;
    }

  if (is_cancelled (d))
    {
      download_fail (task, cancelled_error ());
      return;
    }

  if (d->kind == KIND_HTTP)
    send_request (task);
  else
    pump_start (task);
}

/* ------------------------------------------------------------------ */
/* Starting                                                            */
/* ------------------------------------------------------------------ */

static void
caller_cancelled_cb (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static GFile *
part_file_for (GFile *destination)
{
  g_autoptr(GFile) parent = g_file_get_parent (destination);
  g_autofree char *basename = g_file_get_basename (destination);
  g_autofree char *name = NULL;

  if (parent == NULL || basename == NULL)
    return NULL;

  name = g_strconcat (basename, PART_SUFFIX, NULL);

  return g_file_get_child (parent, name);
}

/* Only http(s) with a host, and no user info (which would both leak into
 * logs and invite credentials on the wire). */
static GUri *
parse_download_url (const char *url)
{
  g_autofree char *stripped = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL)
    return NULL;

  stripped = g_strstrip (g_strdup (url));
  uri = g_uri_parse (stripped, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    return NULL;

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return NULL;

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return NULL;

  if (g_uri_get_user (uri) != NULL || g_uri_get_password (uri) != NULL)
    return NULL;

  return g_steal_pointer (&uri);
}

static GTask *
download_task_new (DailiesDownloader       *self,
                   DownloadKind             kind,
                   GFile                   *destination,
                   GCancellable            *cancellable,
                   DailiesDownloadProgress  progress_cb,
                   gpointer                 progress_data,
                   GDestroyNotify           progress_notify,
                   gpointer                 source_tag,
                   GAsyncReadyCallback      callback,
                   gpointer                 user_data)
{
  GTask *task;
  Download *d;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, kind == KIND_HTTP ? "[dailies] download" : "[dailies] copy");
  /* A cancel that comes after the rename must not hide a finished file. */
  g_task_set_check_cancellable (task, FALSE);

  d = g_new0 (Download, 1);
  d->self = self;
  d->kind = kind;
  d->destination = g_object_ref (destination);
  d->total = -1;
  d->sync_to_disk = self->sync_to_disk;
  d->cancellable = g_cancellable_new ();
  d->progress_cb = progress_cb;
  d->progress_data = progress_data;
  d->progress_notify = progress_notify;
  d->last_progress_us = g_get_monotonic_time ();
  d->context = g_task_get_context (task);
  g_task_set_task_data (task, d, download_free);

  if (cancellable != NULL)
    {
      d->caller_cancellable = g_object_ref (cancellable);
      d->caller_handler = g_cancellable_connect (cancellable,
                                                 G_CALLBACK (caller_cancelled_cb),
                                                 g_object_ref (d->cancellable),
                                                 g_object_unref);
    }

  return task;
}

/* Checks what can be checked without touching disk or network, then starts
 * preparing the .part file. Takes @task. */
static void
download_start (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  DailiesDownloader *self = d->self;
  g_autoptr(GTask) subtask = NULL;

  if (is_cancelled (d))
    {
      g_task_return_error (task, cancelled_error ());
      g_object_unref (task);
      return;
    }

  d->part = part_file_for (d->destination);
  if (d->part == NULL)
    {
      g_task_return_new_error (task, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE,
                               _("The video cannot be saved there: choose a file name in a folder."));
      g_object_unref (task);
      return;
    }

  if (g_hash_table_contains (self->active_parts, d->part))
    {
      g_task_return_new_error (task, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_BUSY,
                               _("This file is already being saved."));
      g_object_unref (task);
      return;
    }

  g_hash_table_add (self->active_parts, g_object_ref (d->part));
  g_ptr_array_add (self->downloads, d);

  subtask = g_task_new (NULL, d->cancellable, prepare_cb, task);
  g_task_set_source_tag (subtask, download_start);
  g_task_set_task_data (subtask, d, NULL);
  g_task_run_in_thread (subtask, prepare_thread);
}

void
dailies_downloader_download_async (DailiesDownloader       *self,
                                   const char              *url,
                                   GFile                   *destination,
                                   GCancellable            *cancellable,
                                   DailiesDownloadProgress  progress_cb,
                                   gpointer                 progress_data,
                                   GDestroyNotify           progress_notify,
                                   GAsyncReadyCallback      callback,
                                   gpointer                 user_data)
{
  GTask *task;
  Download *d;

  g_return_if_fail (DAILIES_IS_DOWNLOADER (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (G_IS_FILE (destination));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = download_task_new (self, KIND_HTTP, destination, cancellable,
                            progress_cb, progress_data, progress_notify,
                            dailies_downloader_download_async, callback, user_data);
  d = g_task_get_task_data (task);
  d->log_url = dailies_redact_url (url);
  d->uri = parse_download_url (url);

  if (d->uri == NULL)
    {
      g_debug ("downloader: refusing %s: not an http(s) URL with a host", d->log_url);
      g_task_return_new_error (task, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_INVALID_URL,
                               _("This is not an http:// or https:// video link."));
      g_object_unref (task);
      return;
    }

  download_start (task);
}

gboolean
dailies_downloader_download_finish (DailiesDownloader  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_downloader_download_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
dailies_downloader_copy_async (DailiesDownloader       *self,
                               GFile                   *source,
                               GFile                   *destination,
                               GCancellable            *cancellable,
                               DailiesDownloadProgress  progress_cb,
                               gpointer                 progress_data,
                               GDestroyNotify           progress_notify,
                               GAsyncReadyCallback      callback,
                               gpointer                 user_data)
{
  GTask *task;
  Download *d;

  g_return_if_fail (DAILIES_IS_DOWNLOADER (self));
  g_return_if_fail (G_IS_FILE (source));
  g_return_if_fail (G_IS_FILE (destination));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = download_task_new (self, KIND_COPY, destination, cancellable,
                            progress_cb, progress_data, progress_notify,
                            dailies_downloader_copy_async, callback, user_data);
  d = g_task_get_task_data (task);
  d->source = g_object_ref (source);
  d->log_url = g_strdup ("(kept copy)");

  download_start (task);
}

gboolean
dailies_downloader_copy_finish (DailiesDownloader  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_downloader_copy_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* File names                                                          */
/* ------------------------------------------------------------------ */

static gboolean
is_unsafe_char (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:          /* bidi overrides can disguise an extension */
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
      return TRUE;
    default:
      break;
    }

  /* Separators, and what other systems reserve (the file may travel). */
  return c < 0x80 && strchr ("/\\:*?\"<>|", (int) c) != NULL;
}

static char *
sanitize_extension (const char *extension)
{
  GString *ext = g_string_new (NULL);

  if (extension == NULL)
    extension = "mp4";
  while (*extension == '.')
    extension++;

  for (const char *p = extension; *p != '\0' && ext->len < EXTENSION_MAX; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (ext, g_ascii_tolower (*p));

  if (ext->len == 0)
    g_string_append (ext, "mp4");

  return g_string_free (ext, FALSE);
}

/* Leading dots hide the file, leading dashes look like options, and
 * trailing dots and spaces are dropped by some file systems. */
static void
trim_name (GString *name)
{
  gsize start = 0;

  while (start < name->len && strchr (".- _", name->str[start]) != NULL)
    start++;
  g_string_erase (name, 0, start);

  while (name->len > 0 && strchr (". ", name->str[name->len - 1]) != NULL)
    g_string_truncate (name, name->len - 1);
}

char *
dailies_downloader_suggest_name (const char *task_id,
                                 const char *extension)
{
  g_autofree char *ext = sanitize_extension (extension);
  g_autofree char *valid = g_utf8_make_valid (task_id != NULL ? task_id : "", -1);
  g_autoptr(GString) base = g_string_new (NULL);
  gsize max_base = NAME_MAX_BYTES - 1 - strlen (ext);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_unsafe_char (c))
        g_string_append_c (base, '_');
      else
        g_string_append_unichar (base, c);
    }

  trim_name (base);

  if (base->len > max_base)
    {
      /* Cut on a character boundary. */
      const char *end = base->str + max_base;

      while (end > base->str && (*end & 0xC0) == 0x80)
        end--;
      g_string_truncate (base, end - base->str);
      trim_name (base);
    }

  if (base->len == 0)
    g_string_assign (base, "video");

  return g_strdup_printf ("%s.%s", base->str, ext);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

void
dailies_downloader_set_sync_to_disk (DailiesDownloader *self,
                                     gboolean           sync_to_disk)
{
  g_return_if_fail (DAILIES_IS_DOWNLOADER (self));

  self->sync_to_disk = !!sync_to_disk;
}

gboolean
dailies_downloader_get_sync_to_disk (DailiesDownloader *self)
{
  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (self), FALSE);

  return self->sync_to_disk;
}

static void
dailies_downloader_dispose (GObject *object)
{
  DailiesDownloader *self = DAILIES_DOWNLOADER (object);

  for (guint i = 0; i < self->downloads->len; i++)
    {
      Download *d = g_ptr_array_index (self->downloads, i);
      g_cancellable_cancel (d->cancellable);
    }

  if (self->session != NULL)
    soup_session_abort (self->session);

  G_OBJECT_CLASS (dailies_downloader_parent_class)->dispose (object);
}

static void
dailies_downloader_finalize (GObject *object)
{
  DailiesDownloader *self = DAILIES_DOWNLOADER (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->active_parts, g_hash_table_unref);
  g_clear_pointer (&self->downloads, g_ptr_array_unref);

  G_OBJECT_CLASS (dailies_downloader_parent_class)->finalize (object);
}

static void
dailies_downloader_class_init (DailiesDownloaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_downloader_dispose;
  object_class->finalize = dailies_downloader_finalize;
}

static void
dailies_downloader_init (DailiesDownloader *self)
{
  self->sync_to_disk = TRUE;
  self->active_parts = g_hash_table_new_full (g_file_hash, (GEqualFunc) g_file_equal, g_object_unref, NULL);
  self->downloads = g_ptr_array_new ();
  self->session = soup_session_new_with_options ("user-agent", "Dailies/" PACKAGE_VERSION,
                                                 "timeout", IO_TIMEOUT_S,
                                                 NULL);

  /* A pre-signed link needs no credentials: without an auth manager nothing
   * can answer a 401 with an Authorization header. Without the content
   * decoder, byte counts and ranges refer to the bytes on the wire. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_AUTH_MANAGER);
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
  g_assert (!soup_session_has_feature (self->session, SOUP_TYPE_AUTH_MANAGER));
  g_assert (!soup_session_has_feature (self->session, SOUP_TYPE_AUTH));
}

DailiesDownloader *
dailies_downloader_new (void)
{
  return g_object_new (DAILIES_TYPE_DOWNLOADER, NULL);
}
