/* dailies-export.h
 *
 * Writing tasks out as CSV or JSON, for a spreadsheet or a script. Pure
 * model code: the window takes a snapshot of plain rows on the main
 * thread, and the writing happens on a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-types.h"
#include "dailies-task.h"

G_BEGIN_DECLS

typedef enum
{
  DAILIES_EXPORT_FORMAT_CSV,
  DAILIES_EXPORT_FORMAT_JSON,
} DailiesExportFormat;

typedef enum
{
  DAILIES_EXPORT_FLAGS_NONE  = 0,
  /* The signed result link and when it lapses: only when the user asks,
   * since anyone holding the file can fetch the video until then. */
  DAILIES_EXPORT_VIDEO_LINKS = 1 << 0,
} DailiesExportFlags;

/* One task as exported: plain copies, safe to hand to another thread. */
typedef struct
{
  char              *task_id;
  DailiesTaskStatus  status;
  char              *status_text;      /* the API's own word, for a status we do not know */
  char              *fail_reason;
  gint64             submit_time;      /* Unix seconds, 0 when unknown */
  gint64             start_time;
  gint64             finish_time;
  char              *model;
  /* The last answer: resolution, duration and tokens are read from it on
   * the worker thread, where parsing 100,000 answers costs the window
   * nothing. May be NULL. */
  char              *raw_json;
  /* Else where it waits, read on the worker thread and not kept: an
   * export of 100,000 finished tasks reads nothing on the main thread
   * and leaves their answers in the database. May be NULL. */
  DailiesTaskJsonSource *json_source;
  char              *local_path;
  char              *video_link;       /* set only for DAILIES_EXPORT_VIDEO_LINKS */
  gint64             link_expires_at;  /* 0 when unknown */
} DailiesExportRow;

DailiesExportRow *dailies_export_row_new          (void);
void              dailies_export_row_free         (DailiesExportRow     *row);

/* The status as the API spells it ("SUCCESS", "IN_PROGRESS", …), or
 * @status_text for one we do not know. */
const char       *dailies_export_status_name      (DailiesTaskStatus     status,
                                                   const char           *status_text);

/* One CSV field per RFC 4180: quoted when it holds a quote, comma, CR or
 * LF, quotes doubled. A text that a spreadsheet would run as a formula
 * (a leading '=', '+', '-', '@', tab or CR) gets a leading apostrophe. */
char             *dailies_export_csv_field        (const char           *value);

/* Writes @rows (DailiesExportRow*) to @stream at once. Blocking: for
 * tests and tools. Checks @cancellable between rows; @n_done, when not
 * NULL, counts the rows written. */
gboolean          dailies_export_write            (GOutputStream        *stream,
                                                   GPtrArray            *rows,
                                                   DailiesExportFormat   format,
                                                   DailiesExportFlags    flags,
                                                   gint64                now,
                                                   GCancellable         *cancellable,
                                                   guint                *n_done,
                                                   GError              **error);

/* Writing @file on a worker thread, from rows handed over a chunk at a
 * time: the caller copies its tasks in small steps, never stalls, and
 * keeps only a few chunks in memory (pushing more while get_n_pending()
 * is small). The file is replaced once all is written (the file chooser
 * has asked); on failure or cancel, a file already there is left as it
 * was. @callback follows close(), on the caller's main context. */
typedef struct _DailiesExportJob DailiesExportJob;

DailiesExportJob *dailies_export_job_start        (GFile                *file,
                                                   DailiesExportFormat   format,
                                                   DailiesExportFlags    flags,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
/* Takes @rows (DailiesExportRow*), which must not change after. */
void              dailies_export_job_push         (DailiesExportJob     *job,
                                                   GPtrArray            *rows);
/* No more rows. @job must not be used after this. */
void              dailies_export_job_close        (DailiesExportJob     *job);
/* Chunks pushed and not written yet, and rows written so far. */
guint             dailies_export_job_get_n_pending (DailiesExportJob    *job);
guint             dailies_export_job_get_n_written (DailiesExportJob    *job);
gboolean          dailies_export_job_finish       (GAsyncResult         *result,
                                                   GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesExportRow, dailies_export_row_free)

G_END_DECLS
