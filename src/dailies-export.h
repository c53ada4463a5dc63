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
  char              *local_path;
  char              *video_link;       /* set only for DAILIES_EXPORT_VIDEO_LINKS */
  gint64             link_expires_at;  /* 0 when unknown */
} DailiesExportRow;

/* Called on the caller's main context a few times a second while a file
 * is written. */
typedef void (*DailiesExportProgress) (guint    done,
                                       guint    total,
                                       gpointer user_data);

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

/* Writes @rows (DailiesExportRow*) to @stream. Blocking: for a worker
 * thread, or tests. Checks @cancellable between rows; @n_done, when not
 * NULL, is raised atomically as rows are written. */
gboolean          dailies_export_write            (GOutputStream        *stream,
                                                   GPtrArray            *rows,
                                                   DailiesExportFormat   format,
                                                   DailiesExportFlags    flags,
                                                   gint64                now,
                                                   GCancellable         *cancellable,
                                                   guint                *n_done,
                                                   GError              **error);

/* Writes @rows to @file on a worker thread, replacing it (the file chooser
 * has asked). Keeps a reference to @rows, which must not change after. */
void              dailies_export_to_file_async    (GFile                *file,
                                                   GPtrArray            *rows,
                                                   DailiesExportFormat   format,
                                                   DailiesExportFlags    flags,
                                                   GCancellable         *cancellable,
                                                   DailiesExportProgress progress_cb,
                                                   gpointer              progress_data,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean          dailies_export_to_file_finish   (GAsyncResult         *result,
                                                   GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesExportRow, dailies_export_row_free)

G_END_DECLS
