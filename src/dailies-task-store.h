/* dailies-task-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-types.h"
#include "dailies-task.h"
#include "dailies-task-response.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_TASK_STORE (dailies_task_store_get_type ())

G_DECLARE_FINAL_TYPE (DailiesTaskStore, dailies_task_store, DAILIES, TASK_STORE, GObject)

#define DAILIES_STORE_ERROR (dailies_store_error_quark ())

typedef enum
{
  DAILIES_STORE_ERROR_OPEN,        /* the file or its folder cannot be opened or created */
  DAILIES_STORE_ERROR_CORRUPT,     /* not a database, or a damaged one (it is moved aside at load) */
  DAILIES_STORE_ERROR_TOO_NEW,     /* written by a newer Dailies: left alone, nothing is saved */
  DAILIES_STORE_ERROR_IO,          /* a read or a write failed (disk full, permissions, …) */
  DAILIES_STORE_ERROR_NOT_LOADED,  /* used before load finished */
} DailiesStoreError;

/* The schema version this build writes (PRAGMA user_version). */
#define DAILIES_TASK_STORE_SCHEMA_VERSION 6

GQuark            dailies_store_error_quark                  (void);

/* NULL path = a database in memory. Nothing is opened before load. */
DailiesTaskStore *dailies_task_store_new                     (const char           *db_path);
const char       *dailies_task_store_get_path                (DailiesTaskStore     *self);

/* Opens (creating folders and the file), migrates and reads every row in a
 * thread, then fills the model with one items-changed. A corrupt file is
 * moved aside first and the store starts empty; that is not an error. On an
 * error the store still works, in memory only, so the app stays usable. */
void              dailies_task_store_load_async              (DailiesTaskStore     *self,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
gboolean          dailies_task_store_load_finish             (DailiesTaskStore     *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
/* The same, blocking: for tests and benchmarks. */
gboolean          dailies_task_store_load                    (DailiesTaskStore     *self,
                                                              GError              **error);
gboolean          dailies_task_store_is_loaded               (DailiesTaskStore     *self);
/* Where a corrupt database was moved at load, else NULL. */
const char       *dailies_task_store_get_moved_aside_path    (DailiesTaskStore     *self);

/* From any thread: a task for @id (taken; a non-empty string) that no
 * store holds yet, for dailies_task_store_add_new_tasks(), first seen
 * now. An import builds its tasks off the main thread this way. */
DailiesTask      *dailies_task_store_new_task                (char                 *id);

/* Everything below needs a finished load and runs on the main thread. The
 * objects change at once (properties notify); the rows are written by a
 * worker thread in batched transactions. */

/* Adds the IDs not known yet, in order; returns how many were new. One
 * items-changed and one transaction however many there are. */
guint             dailies_task_store_add_ids                 (DailiesTaskStore     *self,
                                                              const char * const   *ids,
                                                              guint                 n_ids);
/* The same for tasks made by dailies_task_store_new_task() and held by
 * no store: those whose IDs are new are added (the store takes a
 * reference), the others left out. A task not seen before is seen now. */
guint             dailies_task_store_add_new_tasks           (DailiesTaskStore     *self,
                                                              DailiesTask * const  *tasks,
                                                              guint                 n_tasks);
/* Borrowed; NULL when the store does not hold it. O(1). */
DailiesTask      *dailies_task_store_lookup                  (DailiesTaskStore     *self,
                                                              const char           *id);
void              dailies_task_store_apply_response          (DailiesTaskStore     *self,
                                                              DailiesTask          *task,
                                                              const DailiesTaskResponse *response,
                                                              const char           *raw_json,
                                                              guint                 http_status);
/* The same, taking @raw_json (g_malloc'd), for an answer whose
 * X-Oneapi-Request-Id was @gateway_request_id (NULL: none). The task
 * changes once (one "changed"), before the store's task-answered. */
void              dailies_task_store_apply_response_take_json (DailiesTaskStore    *self,
                                                              DailiesTask          *task,
                                                              const DailiesTaskResponse *response,
                                                              char                 *raw_json,
                                                              guint                 http_status,
                                                              const char           *gateway_request_id);
/* Keeps the last answer; sets last-error and last-polled, and for an
 * HTTP answer (http_status not 0) the gateway's request ID it named, as
 * one change. The status stays: an error, even a 404 (a wrong address
 * gives one for every task), says nothing of the task itself. */
void              dailies_task_store_record_error            (DailiesTaskStore     *self,
                                                              DailiesTask          *task,
                                                              const char           *message,
                                                              guint                 http_status,
                                                              const char           *gateway_request_id);
/* The result host refused @url (403, 404, 410): if it is still @task's
 * result_url, the link counts as lapsed, whatever the clock says, until
 * another link arrives. Saved. Returns whether it was marked just now. */
gboolean          dailies_task_store_mark_link_lapsed        (DailiesTaskStore     *self,
                                                              DailiesTask          *task,
                                                              const char           *url);
/* The service said there is no such task, whatever the status (new-api
 * says it with a 400): the task becomes NOT_FOUND. */
void              dailies_task_store_record_not_found        (DailiesTaskStore     *self,
                                                              DailiesTask          *task,
                                                              const char           *message,
                                                              guint                 http_status,
                                                              const char           *gateway_request_id);
void              dailies_task_store_set_local_path          (DailiesTaskStore     *self,
                                                              DailiesTask          *task,
                                                              const char           *path);
/* Drops the task from the model and the database. Keep a reference to it
 * to undo with restore(), which puts it back where it was. */
void              dailies_task_store_remove                  (DailiesTaskStore     *self,
                                                              DailiesTask          *task);
void              dailies_task_store_restore                 (DailiesTaskStore     *self,
                                                              DailiesTask          *task);
/* The same for many tasks at once (DailiesTask*), with one items-changed. */
void              dailies_task_store_remove_tasks            (DailiesTaskStore     *self,
                                                              GPtrArray            *tasks);
void              dailies_task_store_restore_tasks           (DailiesTaskStore     *self,
                                                              GPtrArray            *tasks);
/* The removal of @tasks is final (its Undo has lapsed): what the database
 * kept of them for restore() goes. A task listed again since (the same ID
 * added anew) is left alone. */
void              dailies_task_store_forget_removed          (DailiesTaskStore     *self,
                                                              GPtrArray            *tasks);
/* Blocks until every change made so far is committed. FALSE when a write
 * failed since the previous flush (the rows stay queued and are retried
 * with the next change). */
gboolean          dailies_task_store_flush                   (DailiesTaskStore     *self,
                                                              GError              **error);

G_END_DECLS
