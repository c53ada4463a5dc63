/* dailies-import.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-task-store.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_IMPORT (dailies_import_get_type ())

G_DECLARE_FINAL_TYPE (DailiesImport, dailies_import, DAILIES, IMPORT, GObject)

/* Above this many lines (or IDs), an import shows its progress. */
#define DAILIES_IMPORT_PROGRESS_LINES 10000

/* Task IDs from text, files and streams, found by a worker thread and
 * added to the store on the main thread a slice at a time, in the order
 * they came. Sources are read one after the other. */
DailiesImport *dailies_import_new            (DailiesTaskStore     *store);
void           dailies_import_add_text       (DailiesImport        *self,
                                              const char           *text);
/* Checked before it is read: a directory, a device or a file over
 * DAILIES_ID_PARSER_MAX_BYTES is refused. */
void           dailies_import_add_file       (DailiesImport        *self,
                                              GFile                *file);
/* The same for @file named on a command line, where a word that is no
 * file may not have been meant as one (it may be a key): when it cannot
 * be looked at, for whatever reason, @if_missing is the problem reported
 * instead of one that would repeat it. */
void           dailies_import_add_argument   (DailiesImport        *self,
                                              GFile                *file,
                                              const char           *if_missing);
/* Standard input, say; @name is what problems call it. */
void           dailies_import_add_stream     (DailiesImport        *self,
                                              GInputStream         *stream,
                                              const char           *name);
/* IDs already known to be task IDs (command-line arguments). */
void           dailies_import_add_ids        (DailiesImport        *self,
                                              const char * const   *ids);
void           dailies_import_run_async      (DailiesImport        *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
/* FALSE only when it was cancelled; what was added before stays. */
gboolean       dailies_import_run_finish     (DailiesImport        *self,
                                              GAsyncResult         *result,
                                              GError              **error);
void           dailies_import_cancel         (DailiesImport        *self);

/* While it runs (also as properties, notified on the main thread). */
guint64        dailies_import_get_n_lines    (DailiesImport        *self);
/* 0 to 1, or -1 when the size is unknown (standard input). */
double         dailies_import_get_fraction   (DailiesImport        *self);
gboolean       dailies_import_get_running    (DailiesImport        *self);

/* Once it has run. */
guint          dailies_import_get_n_added    (DailiesImport        *self);
/* IDs that were in the list already, or repeated in what was given. */
guint          dailies_import_get_n_listed   (DailiesImport        *self);
guint          dailies_import_get_n_rejected (DailiesImport        *self);
gboolean       dailies_import_get_cancelled  (DailiesImport        *self);
/* The lines without an ID (at most DAILIES_ID_PARSER_MAX_REJECTED, cut),
 * for their owner only: never log them. */
GStrv          dailies_import_dup_rejected   (DailiesImport        *self);
/* The IDs read from comments (after # or //) that the list holds: of the
 * first DAILIES_ID_PARSER_MAX_REJECTED this import read, in order. Main
 * thread, once it has run. */
GStrv          dailies_import_dup_in_comments (DailiesImport       *self);
/* "“name” holds no task IDs: reason", one per file that could not be read. */
const char * const *dailies_import_get_problems (DailiesImport     *self);
/* The first task this import added, or NULL. */
DailiesTask   *dailies_import_get_first_added (DailiesImport       *self);
/* "Added 9,812 tasks · 188 already listed · 3 lines without a task ID" */
char          *dailies_import_dup_summary    (DailiesImport        *self);

G_END_DECLS
