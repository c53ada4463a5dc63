/* dailies-task-store-private.h
 *
 * What the parts of DailiesTaskStore share: the model and public API
 * (dailies-task-store.c), the database (dailies-task-store-db.c) and the
 * writer thread (dailies-task-store-writer.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "dailies-deque.h"
#include "dailies-task-store.h"

G_BEGIN_DECLS

/* The state of one task as a row: a copy taken on the main thread, so that
 * the writer thread never touches a DailiesTask. */
typedef struct
{
  DailiesTaskFields fields;            /* raw_json NULL: it is json */
  GBytes           *json;              /* the task's raw JSON, shared with it; NULL when none */
  gboolean          deleted;
  gboolean          delete_first;      /* not deleted, but replaced a removal not written yet */
  gboolean          forget_stash;      /* deleted (first), and its JSON kept for an undo goes too */
  guint             deleted_position;  /* the place of the task deleted (first) */
  gboolean          keep_stored_json;  /* the JSON was not loaded: keep the stored one */
  gboolean          answer;            /* an answer's: may wait for the next ones */
  gboolean          grows;             /* the stored row has no answer's JSON yet (see write_row) */
  guint             position;
  guint64           gen;               /* queued_gen when it was queued */
} Row;

/* A task just added: all but these as a new task has them. */
typedef struct
{
  const char *id;         /* in the block's own copy of the IDs */
  guint       position;
  gint64      first_seen;
} FreshRow;

/* The rows of the tasks one addition brought, in one allocation: an import
 * of 100,000 costs the main thread no allocation and no hash table insert
 * per task. A row in pending of the same task replaces it when newer (an
 * answer), and is replaced by it when older (a removal before the ID was
 * added again). */
typedef struct
{
  guint64  gen;           /* queued_gen when it was queued */
  guint    n_rows;
  FreshRow rows[];        /* followed by the IDs */
} FreshBlock;

/* Fresh rows written by one statement of the writer. */
#define DAILIES_TASK_STORE_FRESH_PER_STATEMENT 64

/* How far SQLite's log may grow, in pages, while the writer stores an
 * import of thousands (see dailies-task-store-writer.c). */
#define DAILIES_TASK_STORE_BULK_WAL_PAGES 4096

/* The SET clause of the writer's upserts, for a test that every column is
 * in it. */
extern const char dailies_task_store_upsert_set[];

/* Copies of an import's log into the database the writer tries, this far
 * apart, before it leaves the rest to SQLite's usual ways (see
 * dailies-task-store-writer.c). */
#define DAILIES_TASK_STORE_BULK_TRIES 25
#define DAILIES_TASK_STORE_BULK_QUIET_US (200 * 1000)

/* The wait before the writer tries again to move a whole import journal
 * whose move failed, doubled at each failure up to a minute. */
#define DAILIES_TASK_STORE_MOVE_RETRY_MS 1000

/* The writer's prepared statements. */
typedef struct
{
  sqlite3_stmt *upsert;
  sqlite3_stmt *replace;             /* the same row, written at the table's end */
  sqlite3_stmt *upsert_keep_json;
  sqlite3_stmt *delete;
  sqlite3_stmt *forget_stash;
  sqlite3_stmt *insert_fresh;
  sqlite3_stmt *insert_fresh_many;   /* DAILIES_TASK_STORE_FRESH_PER_STATEMENT rows */
  sqlite3_stmt *journal_insert;
  sqlite3_stmt *journal_delete;
} Statements;

/* A task's JSON its writer committed: the task can let it go. */
typedef struct
{
  char   *id;
  GBytes *json;
} StoredJson;

/* What the load thread hands to the main thread. */
typedef struct
{
  char                  *path;
  sqlite3               *db;
  Statements             stmts;
  DailiesTaskJsonSource *json_source;    /* NULL in memory */
  GPtrArray             *tasks;
  GHashTable            *by_id;          /* as in DailiesTaskStore, built off the main thread */
  guint                  next_position;
  char                  *moved_aside_path;
  GError                *error;
} LoadData;

struct _DailiesTaskStore
{
  GObject       parent_instance;

  char         *path;
  char         *moved_aside_path;
  GMainContext *main_context;

  /* Main thread only. */
  DailiesDeque *items;          /* DailiesTask (a reference each), ascending position */
  GHashTable   *by_id;          /* id (owned by the task) → task */
  guint         next_position;
  guint         loading : 1;
  guint         loaded : 1;

  /* Shared with the writer thread, under mutex. */
  GMutex        mutex;
  GCond         work_cond;
  GCond         done_cond;
  GHashTable   *pending;        /* id → Row: the newest state of each changed task */
  GQueue        fresh;          /* FreshBlock, oldest first */
  guint         n_fresh;        /* rows in them */
  guint64       queued_gen;     /* bumped by every change */
  guint64       done_gen;       /* the newest change the writer has dealt with */
  gboolean      wake;
  gboolean      quit;
  gboolean      failing;        /* the last batch failed */
  GError       *failure;        /* why, while failing */
  GQueue        failures;       /* GError, for write-failed on the main thread */
  GSource      *failed_source;
  GSource      *wake_source;      /* wakes the writer once per main-loop pass */
  GPtrArray    *stored_json;      /* StoredJson, committed since the last stored_source */
  GSource      *stored_source;

  /* Set by the load, then read-only: where tasks' JSON is read from once
   * committed; NULL in memory. */
  DailiesTaskJsonSource *json_source;

  /* Written by the writer thread, atomically, for tests: the copies of
   * imports' logs it tried, the imports whose way of storing ended (both
   * bumped once more at closing when an import was still going on), its
   * gifts of free memory back to the system, and its tries at moving the
   * whole import journal. */
  guint         n_bulk_copy_tries;
  guint         n_bulk_ends;
  guint         n_trims;
  guint         n_journal_moves;
  /* The wait after a first failed move of the whole import journal, in
   * milliseconds (DAILIES_TASK_STORE_MOVE_RETRY_MS; tests change it);
   * read by the writer, atomically. */
  guint         journal_retry_ms;

  /* Writer thread only, once started. */
  GThread      *thread;
  sqlite3      *db;
  Statements    stmts;
};

/* dailies-task-store-db.c: the load thread and the writer thread. */
gboolean  dailies_task_store_set_sqlite_error (GError       **error,
                                               sqlite3       *db,
                                               int            code,
                                               const char    *what);
gboolean  dailies_task_store_exec_sql         (sqlite3       *db,
                                               const char    *sql,
                                               GError       **error);
void      dailies_task_store_close_database   (sqlite3      **db,
                                               Statements    *stmts);
LoadData *dailies_task_store_load_database    (const char    *path);
/* Reads of tasks' JSON from the file so far, for tests. */
guint     dailies_task_store_count_json_reads (DailiesTaskStore *self);
void      dailies_task_store_load_data_free   (LoadData      *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadData, dailies_task_store_load_data_free)

/* dailies-task-store-writer.c */
Row        *dailies_task_store_row_new_from_task   (DailiesTask       *task);
Row        *dailies_task_store_row_new_deleted     (DailiesTask       *task);
GHashTable *dailies_task_store_pending_table_new   (void);
gpointer    dailies_task_store_writer_thread       (gpointer           user_data);
void        dailies_task_store_wake_writer_locked  (DailiesTaskStore  *self);
gboolean    dailies_task_store_wake_source_cb      (gpointer           user_data);
gboolean    dailies_task_store_failed_source_cb    (gpointer           user_data);
gboolean    dailies_task_store_stored_source_cb    (gpointer           user_data);
void        dailies_task_store_stored_json_free    (StoredJson        *stored);
void        dailies_task_store_queue_rows          (DailiesTaskStore  *self,
                                                    Row              **rows,
                                                    guint              n_rows);
void        dailies_task_store_queue_fresh         (DailiesTaskStore  *self,
                                                    DailiesTask * const *tasks,
                                                    guint              n_tasks);
gboolean    dailies_task_store_has_queued_locked   (DailiesTaskStore  *self);
void        dailies_task_store_queue_task          (DailiesTaskStore  *self,
                                                    DailiesTask       *task);
/* @first_json: the task had no answer's JSON before this one. */
void        dailies_task_store_queue_answer        (DailiesTaskStore  *self,
                                                    DailiesTask       *task,
                                                    gboolean           first_json);

/* dailies-task-store.c, for the writer's failures. */
void        dailies_task_store_emit_write_failed   (DailiesTaskStore  *self,
                                                    const GError      *error);

G_END_DECLS
