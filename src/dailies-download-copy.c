/* dailies-download-copy.c
 *
 * Save As from a kept copy: g_file_copy_async() over the reserved .part
 * file, with the same progress reports, check and rename as a download.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-downloader-private.h"

static void
copy_progress_cb (goffset  current_num_bytes,
                  goffset  total_num_bytes,
                  gpointer user_data)
{
  Download *d = user_data;

  d->received = current_num_bytes;
  _dailies_download_report_progress (d, FALSE);
}

static void
copy_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_file_copy_finish (G_FILE (object), result, &error))
    {
      /* The size is checked against the source's before the rename. */
      d->received = d->total;
      _dailies_download_finish_file (task);
      return;
    }

  if (_dailies_download_is_cancelled (d))
    {
      _dailies_download_fail (task, _dailies_download_cancelled_error ());
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY))
    {
      _dailies_download_fail (task, _dailies_download_write_error (d, error));
    }
  else
    {
      g_autofree char *name = g_file_get_parse_name (d->source);

      _dailies_download_fail (task,
                              g_error_new (DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_READ,
                                           _("The kept copy “%s” cannot be read: %s"), name, error->message));
    }
}

void
_dailies_download_copy_start (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  g_file_copy_async (d->source, d->part,
                     G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS,
                     G_PRIORITY_DEFAULT, d->cancellable,
                     copy_progress_cb, d,
                     copy_done_cb, g_object_ref (task));
}
