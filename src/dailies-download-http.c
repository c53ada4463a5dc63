/* dailies-download-http.c
 *
 * The HTTP transfer of a download: one GET (and Range requests to resume
 * it), streamed into the .part file through two buffers, with retries
 * when the connection drops.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dailies-downloader-private.h"

#define FIRST_BACKOFF_MS  100

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
  _dailies_download_fail (task, _dailies_download_cancelled_error ());
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
      _dailies_download_fail (task,
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
      *error = _dailies_download_write_error (d, local_error);
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

static void
attempt_done (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  if (d->stop_error != NULL)
    {
      _dailies_download_fail (task, g_steal_pointer (&d->stop_error));
      return;
    }

  if (_dailies_download_is_cancelled (d))
    {
      _dailies_download_fail (task, _dailies_download_cancelled_error ());
      return;
    }

  if (d->read_error != NULL)
    {
      g_autoptr(GError) error = g_steal_pointer (&d->read_error);

      retry_or_fail (task, error);
      return;
    }

  g_assert (d->eof);

  if (d->total < 0 || d->received == d->total)
    {
      _dailies_download_finish_file (task);
    }
  else if (d->received < d->total)
    {
      g_autoptr(GError) early =
        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, _("the server closed the connection early"));

      retry_or_fail (task, early);
    }
  else
    {
      g_autofree char *received = g_strdup_printf ("%" G_GOFFSET_FORMAT, d->received);
      g_autofree char *total = g_strdup_printf ("%" G_GOFFSET_FORMAT, d->total);

      _dailies_download_fail (task,
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
          d->stop_error = _dailies_download_write_error (d, error);
          /* Stops the read in flight too: there is no point in it now. */
          g_cancellable_cancel (d->cancellable);
        }
    }
  else
    {
      d->received += written;
      _dailies_download_report_progress (d, FALSE);
    }

  pump (task);
}

/* Starts whatever can run: a write of a full buffer, a read into a free one.
 * When nothing is left in flight, the attempt is over. */
static void
pump (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  gboolean stopping = d->stop_error != NULL || d->read_error != NULL || _dailies_download_is_cancelled (d);
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

/* With DAILIES_DOWNLOAD_EXTENSION_FROM_TYPE, a container named by the
 * Content-Type gives the file its extension: a .mov is never named .mp4. */
static void
follow_content_type (Download           *d,
                     SoupMessageHeaders *headers)
{
  const char *extension;
  g_autofree char *basename = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GFile) parent = NULL;
  char *dot;

  if ((d->flags & DAILIES_DOWNLOAD_EXTENSION_FROM_TYPE) == 0)
    return;

  extension = dailies_video_extension (NULL, NULL, soup_message_headers_get_content_type (headers, NULL));
  if (extension == NULL)
    return;

  basename = g_file_get_basename (d->destination);
  parent = g_file_get_parent (d->destination);
  dot = strrchr (basename, '.');
  if (dot != NULL && dot != basename)
    *dot = '\0';
  name = g_strconcat (basename, ".", extension, NULL);

  g_debug ("downloader: %s is %s: saving it as %s", d->log_url,
           soup_message_headers_get_content_type (headers, NULL), name);
  g_set_object (&d->destination, g_file_get_child (parent, name));
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
      if (_dailies_download_is_cancelled (d))
        _dailies_download_fail (task, _dailies_download_cancelled_error ());
      else if (d->got_response)
        retry_or_fail (task, error);
      else
        _dailies_download_fail (task,
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
          _dailies_download_fail (task, g_steal_pointer (&error));
          return;
        }

      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
        d->total = soup_message_headers_get_content_length (headers);
      else
        d->total = -1;
      remember_validator (d, headers);
      follow_content_type (d, headers);
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
              g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("unexpected Content-Range"));

            if (!restart_from_zero (d, &error))
              _dailies_download_fail (task, g_steal_pointer (&error));
            else
              retry_or_fail (task, odd);
            return;
          }

        d->total = total;
        follow_content_type (d, headers);
        pump_start (task);
        return;
      }

    case SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE:
      if (d->received > 0)
        {
          g_autoptr(GError) odd =
            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("range not satisfiable"));

          /* We had it all; only the end of the first answer got lost. */
          if (unsatisfied_range_total (headers) == d->received)
            {
              d->total = d->received;
              _dailies_download_finish_file (task);
            }
          else if (!restart_from_zero (d, &error))
            _dailies_download_fail (task, g_steal_pointer (&error));
          else
            retry_or_fail (task, odd);
          return;
        }
      break;

    case SOUP_STATUS_FORBIDDEN:
    case SOUP_STATUS_NOT_FOUND:
    case SOUP_STATUS_GONE:
      _dailies_download_fail (task,
                              g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_EXPIRED,
                                           _("The video link has expired (HTTP %u). Only a copy kept in time has this video now."),
                                           status));
      return;

    default:
      break;
    }

  _dailies_download_fail (task,
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

  if (_dailies_download_is_cancelled (d))
    {
      _dailies_download_fail (task, _dailies_download_cancelled_error ());
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

void
_dailies_download_http_start (GTask *task)
{
  send_request (task);
}
