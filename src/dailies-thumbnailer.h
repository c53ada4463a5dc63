/* dailies-thumbnailer.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DAILIES_TYPE_THUMBNAILER (dailies_thumbnailer_get_type ())

G_DECLARE_FINAL_TYPE (DailiesThumbnailer, dailies_thumbnailer, DAILIES, THUMBNAILER, GObject)

#define DAILIES_THUMBNAILER_ERROR (dailies_thumbnailer_error_quark ())

/* A missing or unreadable video file is reported with its G_IO_ERROR
 * (G_IO_ERROR_NOT_FOUND, …); a cancelled request with G_IO_ERROR_CANCELLED. */
typedef enum
{
  DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,  /* not a media file, broken, or without a video frame */
  DAILIES_THUMBNAILER_ERROR_TIMEOUT,    /* no first frame within DAILIES_THUMBNAILER_TIMEOUT_S */
  DAILIES_THUMBNAILER_ERROR_FAILED,     /* the PNG could not be encoded or written */
} DailiesThumbnailerError;

/* How long one pipeline may take to show its first frame. */
#define DAILIES_THUMBNAILER_TIMEOUT_S 8

/* How many pipelines run at once; further requests wait in a queue. */
#define DAILIES_THUMBNAILER_MAX_RUNNING 2

GQuark              dailies_thumbnailer_error_quark (void);
/* @cache_dir is created (mode 0700) when the first thumbnail is written,
 * e.g. $XDG_CACHE_HOME/dailies/thumbnails. */
DailiesThumbnailer *dailies_thumbnailer_new         (const char           *cache_dir);
const char         *dailies_thumbnailer_get_cache_dir (DailiesThumbnailer *self);
/* The first frame of @video as a PNG that fits in @max_size × @max_size
 * pixels, keeping the aspect ratio (never scaled up). Cached by path, size,
 * modification time and @max_size: a cache hit does not start GStreamer. */
void                dailies_thumbnailer_get_async   (DailiesThumbnailer   *self,
                                                     GFile                *video,
                                                     guint                 max_size,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
/* Returns the path of the PNG in the cache directory, or NULL with @error set. */
char               *dailies_thumbnailer_get_finish  (DailiesThumbnailer   *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
