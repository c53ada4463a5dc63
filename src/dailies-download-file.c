/* dailies-download-file.c
 *
 * The .part file of a download or copy: created (or adopted to resume),
 * flushed, checked and renamed into place, or removed; progress reports;
 * and the one place where every download ends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* For renameat2 () and RENAME_NOREPLACE. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "dailies-downloader-private.h"

#define PROGRESS_INTERVAL (G_USEC_PER_SEC / 10)

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
GError *
_dailies_download_write_error (Download     *d,
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

GError *
_dailies_download_cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The download was cancelled"));
}

gboolean
_dailies_download_is_cancelled (Download *d)
{
  return g_cancellable_is_cancelled (d->cancellable);
}

/* ------------------------------------------------------------------ */
/* Progress                                                            */
/* ------------------------------------------------------------------ */

static gboolean
progress_timeout_cb (gpointer user_data)
{
  Download *d = user_data;

  g_clear_pointer (&d->progress_source, g_source_unref);
  _dailies_download_report_progress (d, TRUE);

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
void
_dailies_download_report_progress (Download *d,
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
      g_task_return_pointer (task, g_object_ref (d->destination), g_object_unref);
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

void
_dailies_download_fail (GTask  *task,
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
  g_task_set_source_tag (subtask, _dailies_download_fail);
  g_task_set_task_data (subtask, d, NULL);
  g_task_run_in_thread (subtask, cleanup_thread);
}

static gboolean
set_exists_error (GFile   *to,
                  GError **error)
{
  g_autofree char *name = g_file_get_parse_name (to);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("“%s” already exists"), name);
  return FALSE;
}

static gboolean
is_unsupported (int error_code)
{
  return error_code == EINVAL || error_code == ENOSYS || error_code == ENOTSUP ||
         error_code == EOPNOTSUPP || error_code == EPERM;
}

/* Moves @from to @to without replacing a file there, starting with @way
 * and going on to the next where the file system has no such call: a
 * rename with RENAME_NOREPLACE; else a hard link, which fails on a name
 * that exists, then an unlink; else GIO's look before its rename, where a
 * file appearing between the two is the one case replaced. A file without
 * a local path (no such calls) goes to GIO at once. */
gboolean
_dailies_download_move_no_replace (GFile                *from,
                                   GFile                *to,
                                   DailiesNoReplaceWay   way,
                                   GError              **error)
{
  const char *from_path = g_file_peek_path (from);
  const char *to_path = g_file_peek_path (to);
  g_autoptr(GError) local_error = NULL;
  int saved_errno = ENOTSUP;

  if (from_path == NULL || to_path == NULL)
    way = DAILIES_NO_REPLACE_LOOK_FIRST;

#ifdef RENAME_NOREPLACE
  if (way == DAILIES_NO_REPLACE_RENAME)
    {
      if (renameat2 (AT_FDCWD, from_path, AT_FDCWD, to_path, RENAME_NOREPLACE) == 0)
        return TRUE;
      saved_errno = errno;
      if (!is_unsupported (saved_errno))
        goto failed;
    }
#endif

  if (way <= DAILIES_NO_REPLACE_LINK)
    {
      if (link (from_path, to_path) == 0)
        {
          /* Left, it would share the video's data: a later resume of it
           * would write into the saved file (see adopt_part). */
          if (g_unlink (from_path) != 0)
            g_warning ("downloader: the .part file beside a saved video cannot be removed: %s",
                       g_strerror (errno));
          return TRUE;
        }
      saved_errno = errno;
      if (!is_unsupported (saved_errno))
        goto failed;
    }

  if (g_file_move (from, to, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    return set_exists_error (to, error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;

failed:
  if (saved_errno == EEXIST)
    return set_exists_error (to, error);
  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), g_strerror (saved_errno));
  return FALSE;
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

  if (d->output != NULL && !g_output_stream_close (G_OUTPUT_STREAM (d->output), NULL, &error))
    {
      g_task_return_error (subtask, _dailies_download_write_error (d, error));
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
          g_task_return_error (subtask, _dailies_download_write_error (d, sync_error));
          return;
        }
    }

  info = g_file_query_info (d->part, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
  if (info == NULL)
    {
      g_task_return_error (subtask, _dailies_download_write_error (d, error));
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
      g_task_return_error (subtask, _dailies_download_cancelled_error ());
      return;
    }

  if ((d->flags & DAILIES_DOWNLOAD_NO_REPLACE) != 0
      ? !_dailies_download_move_no_replace (d->part, d->destination, DAILIES_NO_REPLACE_RENAME, &error)
      : !g_file_move (d->part, d->destination, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS,
                      NULL, NULL, NULL, &error))
    {
      /* A file that was there is no failure to write: the caller counts it. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        g_task_return_error (subtask, g_steal_pointer (&error));
      else
        g_task_return_error (subtask, _dailies_download_write_error (d, error));
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
    _dailies_download_fail (task, g_steal_pointer (&error));
  else
    download_return (task, NULL);
}

void
_dailies_download_finish_file (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  g_autoptr(GTask) subtask = NULL;

  if (d->input != NULL)
    {
      g_input_stream_close_async (d->input, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&d->input);
    }
  g_clear_object (&d->msg);

  _dailies_download_report_progress (d, TRUE);

  subtask = g_task_new (NULL, NULL, finish_cb, g_object_ref (task));
  g_task_set_source_tag (subtask, _dailies_download_finish_file);
  g_task_set_task_data (subtask, d, NULL);
  g_task_run_in_thread (subtask, finish_thread);
}

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
    *error = _dailies_download_write_error (d, local_error);

  return output;
}

/* The .part file an earlier run left, opened to append to, or NULL when
 * there is none to take up (missing, empty, or not a plain file). */
static GFileOutputStream *
adopt_part (Download     *d,
            GCancellable *cancellable)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  GFileOutputStream *output;
  goffset size;

  info = g_file_query_info (d->part, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_UNIX_NLINK,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, NULL);
  if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    return NULL;
  /* Another name for the same data (a saved video whose .part could not
   * be removed): appending would change that file too. */
  if (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_NLINK) > 1)
    return NULL;

  size = g_file_info_get_size (info);
  if (size <= 0)
    return NULL;

  output = g_file_append_to (d->part, G_FILE_CREATE_NONE, cancellable, &error);
  if (output == NULL)
    {
      g_debug ("downloader: cannot resume the .part file: %s", error->message);
      return NULL;
    }

  g_debug ("downloader: resuming a .part file from byte %" G_GOFFSET_FORMAT, size);
  d->received = size;

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

  if ((d->flags & DAILIES_DOWNLOAD_MAKE_FOLDER) != 0)
    {
      g_autoptr(GFile) folder = g_file_get_parent (d->destination);
      const char *path = folder != NULL ? g_file_peek_path (folder) : NULL;

      if (path != NULL && g_mkdir_with_parents (path, 0755) != 0)
        {
          int saved_errno = errno;

          g_task_return_new_error (subtask, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE,
                                   /* Translators: %s are a folder's path and the reason, e.g. “Permission denied” */
                                   _("The folder “%s” cannot be made: %s"), path, g_strerror (saved_errno));
          return;
        }
    }

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
      /* Readable: g_file_copy_async() opens it again. */
      g_input_stream_close (d->input, NULL, NULL);
      g_clear_object (&d->input);
    }

  if ((d->flags & DAILIES_DOWNLOAD_RESUME) != 0)
    d->output = adopt_part (d, cancellable);
  if (d->output == NULL)
    d->output = create_part (d, cancellable, &error);
  if (d->output == NULL)
    {
      g_task_return_error (subtask, g_steal_pointer (&error));
      return;
    }

  d->part_created = TRUE;

  /* A copy replaces the reserved .part file as a whole. */
  if (d->kind == KIND_COPY)
    {
      g_output_stream_close (G_OUTPUT_STREAM (d->output), NULL, NULL);
      g_clear_object (&d->output);
    }

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

  if (!g_task_propagate_boolean (G_TASK (result), &error) && !_dailies_download_is_cancelled (d))
    {
      _dailies_download_fail (task, g_steal_pointer (&error));
      return;
    }

  if (_dailies_download_is_cancelled (d))
    {
      _dailies_download_fail (task, _dailies_download_cancelled_error ());
      return;
    }

  if (d->kind == KIND_HTTP)
    _dailies_download_http_start (task);
  else
    _dailies_download_copy_start (task);
}

void
_dailies_download_prepare (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  g_autoptr(GTask) subtask = NULL;

  subtask = g_task_new (NULL, d->cancellable, prepare_cb, task);
  g_task_set_source_tag (subtask, _dailies_download_prepare);
  g_task_set_task_data (subtask, d, NULL);
  g_task_run_in_thread (subtask, prepare_thread);
}

