/* dailies-downloader-private.h
 *
 * The state that the downloader's files share: dailies-downloader.c (the
 * object and its public calls), dailies-download-file.c (the .part file,
 * its check and rename, progress and the end of every download),
 * dailies-download-http.c (the HTTP transfer) and dailies-download-copy.c
 * (the copy of a kept file).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "dailies-downloader.h"

G_BEGIN_DECLS

/* Big enough to keep syscalls and thread hops rare, small enough that two
 * of them are all the memory a download of any size needs. */
#define CHUNK_SIZE        (256 * 1024)
#define N_BUFFERS         2
#define PART_SUFFIX       ".part"

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
  DailiesDownloadFlags     flags;

  /* What and where */
  GUri                    *uri;             /* KIND_HTTP */
  char                    *log_url;         /* redacted: never the query string */
  GFile                   *source;          /* KIND_COPY */
  GFile                   *destination;     /* may change once: see DAILIES_DOWNLOAD_EXTENSION_FROM_TYPE */
  GFile                   *part;
  gboolean                 part_created;    /* ours to delete */
  gboolean                 sync_to_disk;

  /* Streams */
  GFileOutputStream       *output;          /* KIND_HTTP */
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

/* dailies-download-file.c */
GError   *_dailies_download_write_error     (Download      *d,
                                             const GError  *error);
GError   *_dailies_download_cancelled_error (void);
gboolean  _dailies_download_is_cancelled    (Download      *d);
void      _dailies_download_report_progress (Download      *d,
                                             gboolean       force);
/* Creates (or adopts, when resuming) the .part file in a thread, then
 * hands over to the transfer. Takes @task. */
void      _dailies_download_prepare         (GTask         *task);
/* Closes, checks and renames the .part file, then reports. */
void      _dailies_download_finish_file     (GTask         *task);

/* The ways DAILIES_DOWNLOAD_NO_REPLACE moves the .part into place, each
 * the fallback of the one before (tests start further down the list). */
typedef enum
{
  DAILIES_NO_REPLACE_RENAME,
  DAILIES_NO_REPLACE_LINK,
  DAILIES_NO_REPLACE_LOOK_FIRST,
} DailiesNoReplaceWay;

gboolean  _dailies_download_move_no_replace (GFile               *from,
                                             GFile               *to,
                                             DailiesNoReplaceWay  way,
                                             GError             **error);
/* Removes the .part file, then reports @error (taken). Nothing may be
 * pending on the streams. */
void      _dailies_download_fail            (GTask         *task,
                                             GError        *error);

/* dailies-download-http.c */
void      _dailies_download_http_start      (GTask         *task);

/* dailies-download-copy.c */
void      _dailies_download_copy_start      (GTask         *task);

G_END_DECLS
