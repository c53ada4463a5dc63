/* dailies-downloader.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DAILIES_TYPE_DOWNLOADER (dailies_downloader_get_type ())

G_DECLARE_FINAL_TYPE (DailiesDownloader, dailies_downloader, DAILIES, DOWNLOADER, GObject)

#define DAILIES_DOWNLOAD_ERROR (dailies_download_error_quark ())

typedef enum
{
  DAILIES_DOWNLOAD_ERROR_EXPIRED,           /* 403, 404 or 410 from the CDN: ask the API for a fresh link */
  DAILIES_DOWNLOAD_ERROR_HTTP,              /* any other unexpected status */
  DAILIES_DOWNLOAD_ERROR_NETWORK,           /* no answer at all: connection refused, DNS, TLS, … */
  DAILIES_DOWNLOAD_ERROR_SIZE_MISMATCH,     /* the file does not have the announced size */
  DAILIES_DOWNLOAD_ERROR_NO_SPACE,          /* the disk is full */
  DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE,      /* the folder cannot be written to, or the name is a folder */
  DAILIES_DOWNLOAD_ERROR_INVALID_URL,       /* not an http(s) URL with a host: nothing was fetched */
  DAILIES_DOWNLOAD_ERROR_TOO_MANY_RETRIES,  /* the connection kept dropping */
  DAILIES_DOWNLOAD_ERROR_BUSY,              /* another download to the same file is running */
  DAILIES_DOWNLOAD_ERROR_READ,              /* copy: the source file cannot be read */
} DailiesDownloadError;

typedef enum
{
  DAILIES_DOWNLOAD_FLAGS_NONE          = 0,
  /* Continue from a "DESTINATION.part" left by an earlier run (a Range
   * request from its size) instead of starting again. */
  DAILIES_DOWNLOAD_RESUME              = 1 << 0,
  /* When the answer's Content-Type names a video container (video/quicktime,
   * video/mp4, video/webm), the file is renamed into place with that
   * container's extension instead of @destination's. */
  DAILIES_DOWNLOAD_EXTENSION_FROM_TYPE = 1 << 1,
  /* A file already under the final name is left alone: the download ends
   * with G_IO_ERROR_EXISTS. Checked by the rename itself (or a hard link),
   * so a file that appears while the download runs is not replaced either;
   * only where the file system has neither call (or the file is not a
   * local path) is it GIO's look just before the rename. */
  DAILIES_DOWNLOAD_NO_REPLACE          = 1 << 2,
  /* @destination's folder is made first, with its parents, where it is
   * missing: on the downloader's thread, as the folder may be on a share
   * that takes long to answer. */
  DAILIES_DOWNLOAD_MAKE_FOLDER         = 1 << 3,
} DailiesDownloadFlags;

/* How many times a dropped connection is resumed before giving up. */
#define DAILIES_DOWNLOAD_MAX_RETRIES 5

/* Called on the main context at most about ten times a second, and once
 * more when all bytes are in. @total is -1 when the size is unknown;
 * @bytes_per_second is a smoothed recent rate (0 until known). */
typedef void (*DailiesDownloadProgress) (goffset  received,
                                         goffset  total,
                                         double   bytes_per_second,
                                         gpointer user_data);

GQuark             dailies_download_error_quark        (void);

/* Owns one SoupSession without auth manager, content decoder or cookies:
 * a pre-signed link needs none, and no Authorization header is ever sent. */
DailiesDownloader *dailies_downloader_new              (void);

/* Whether the file is flushed to disk (fsync) before it is renamed into
 * place, so that a crash never leaves a short file under the final name.
 * TRUE by default. */
void               dailies_downloader_set_sync_to_disk (DailiesDownloader       *self,
                                                        gboolean                 sync_to_disk);
gboolean           dailies_downloader_get_sync_to_disk (DailiesDownloader       *self);
/* Downloads and copies not ended yet (their .part files not yet removed
 * or renamed), Save As included: quitting waits for 0. */
guint              dailies_downloader_get_n_running    (DailiesDownloader       *self);

/* Streams @url (http or https only) into "DESTINATION.part" next to
 * @destination, resuming a dropped connection with Range requests, then
 * renames it to @destination, replacing any file there. On failure or cancel
 * the .part file is removed and @destination is left untouched. */
void               dailies_downloader_download_async   (DailiesDownloader       *self,
                                                        const char              *url,
                                                        GFile                   *destination,
                                                        GCancellable            *cancellable,
                                                        DailiesDownloadProgress  progress_cb,
                                                        gpointer                 progress_data,
                                                        GDestroyNotify           progress_notify,
                                                        GAsyncReadyCallback      callback,
                                                        gpointer                 user_data);
gboolean           dailies_downloader_download_finish  (DailiesDownloader       *self,
                                                        GAsyncResult            *result,
                                                        GError                 **error);

/* The same, with @flags; the result is the file written (@destination,
 * or its sibling with the extension the Content-Type named). */
void               dailies_downloader_download_full_async  (DailiesDownloader       *self,
                                                            const char              *url,
                                                            GFile                   *destination,
                                                            DailiesDownloadFlags     flags,
                                                            GCancellable            *cancellable,
                                                            DailiesDownloadProgress  progress_cb,
                                                            gpointer                 progress_data,
                                                            GDestroyNotify           progress_notify,
                                                            GAsyncReadyCallback      callback,
                                                            gpointer                 user_data);
GFile             *dailies_downloader_download_full_finish (DailiesDownloader       *self,
                                                            GAsyncResult            *result,
                                                            GError                 **error);

/* Save As from a kept copy: the same .part, rename and progress contract.
 * Of @flags, only DAILIES_DOWNLOAD_NO_REPLACE applies. */
void               dailies_downloader_copy_async       (DailiesDownloader       *self,
                                                        GFile                   *source,
                                                        GFile                   *destination,
                                                        DailiesDownloadFlags     flags,
                                                        GCancellable            *cancellable,
                                                        DailiesDownloadProgress  progress_cb,
                                                        gpointer                 progress_data,
                                                        GDestroyNotify           progress_notify,
                                                        GAsyncReadyCallback      callback,
                                                        gpointer                 user_data);
gboolean           dailies_downloader_copy_finish      (DailiesDownloader       *self,
                                                        GAsyncResult            *result,
                                                        GError                 **error);

/* A file name for a task's video, safe to join to any folder: "TASKID.EXT"
 * with no path separator, no leading dot, no control or reserved character,
 * valid UTF-8 and at most 200 bytes. @extension may be NULL ("mp4"). */
char              *dailies_downloader_suggest_name     (const char              *task_id,
                                                        const char              *extension);

/* The extension of a video's real container ("mov", "mp4" or "webm"), or
 * NULL when none of these tells: the API's output_format first, then the
 * extension of the link's path, then a Content-Type. Any may be NULL. */
const char        *dailies_video_extension             (const char              *output_format,
                                                        const char              *url,
                                                        const char              *content_type);

G_END_DECLS
