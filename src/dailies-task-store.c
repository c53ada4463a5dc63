/* dailies-task-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#ifdef __linux__
# include <sys/resource.h>
# include <sys/syscall.h>
# include <unistd.h>
#endif

#include "dailies-task-store.h"

/* How much nicer than the main thread the loading thread runs. */
#define LOAD_THREAD_NICE 5

/* Rows waiting before the writer is woken without waiting for the main
 * loop to go idle. */
#define WAKE_BACKLOG 256

/* The state of one task as a row: a copy taken on the main thread, so that
 * the writer thread never touches a DailiesTask. */
typedef struct
{
  DailiesTaskFields fields;
  gboolean          deleted;
  guint             position;
} Row;

/* What the load thread hands to the main thread. */
typedef struct
{
  char         *path;
  sqlite3      *db;
  sqlite3_stmt *upsert;
  sqlite3_stmt *delete;
  GPtrArray    *tasks;
  GHashTable   *by_id;          /* as in DailiesTaskStore, built off the main thread */
  guint         next_position;
  char         *moved_aside_path;
  GError       *error;
} LoadData;

struct _DailiesTaskStore
{
  GObject       parent_instance;

  char         *path;
  char         *moved_aside_path;
  GMainContext *main_context;

  /* Main thread only. */
  GPtrArray    *items;          /* DailiesTask, ascending position */
  GHashTable   *by_id;          /* id (owned by the task) → task */
  guint         next_position;
  guint         loading : 1;
  guint         loaded : 1;

  /* Shared with the writer thread, under mutex. */
  GMutex        mutex;
  GCond         work_cond;
  GCond         done_cond;
  GHashTable   *pending;        /* id → Row: the newest state of each changed task */
  guint64       queued_gen;     /* bumped by every change */
  guint64       done_gen;       /* the newest change the writer has dealt with */
  gboolean      wake;
  gboolean      quit;
  gboolean      failing;        /* the last batch failed */
  GError       *failure;        /* why, while failing */
  GQueue        failures;       /* GError, for write-failed on the main thread */
  GSource      *failed_source;
  GSource      *wake_source;      /* wakes the writer once per main-loop pass */

  /* Writer thread only, once started. */
  GThread      *thread;
  sqlite3      *db;
  sqlite3_stmt *upsert;
  sqlite3_stmt *delete;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DailiesTaskStore, dailies_task_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (dailies-store-error-quark, dailies_store_error)

enum {
  PROP_0,
  PROP_PATH,
  PROP_ITEM_TYPE,
  PROP_N_ITEMS,
  N_PROPS
};

enum {
  WRITE_FAILED,
  TASK_ANSWERED,
  TASKS_ADDED,
  TASKS_REMOVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GQuark position_quark;

/* One step per schema version: migrations[N] takes a database from version
 * N to N + 1. Version 3 will be one more string at the end. */
static const char * const migrations[] = {
  /* 0 → 1 */
  "CREATE TABLE tasks ("
  "  id                  TEXT PRIMARY KEY NOT NULL,"
  "  position            INTEGER NOT NULL,"
  "  status              INTEGER NOT NULL DEFAULT 0,"
  "  status_text         TEXT,"
  "  progress            INTEGER NOT NULL DEFAULT -1,"
  "  submit_time         INTEGER NOT NULL DEFAULT 0,"
  "  start_time          INTEGER NOT NULL DEFAULT 0,"
  "  finish_time         INTEGER NOT NULL DEFAULT 0,"
  "  fail_reason         TEXT,"
  "  result_url          TEXT,"
  "  original_result_url TEXT,"
  "  request_id          TEXT,"
  "  model               TEXT,"
  "  raw_json            TEXT,"
  "  first_seen          INTEGER NOT NULL DEFAULT 0,"
  "  last_polled         INTEGER NOT NULL DEFAULT 0,"
  "  last_error          TEXT,"
  "  http_status         INTEGER NOT NULL DEFAULT 0,"
  "  local_path          TEXT"
  ");",
  /* 1 → 2: when the current link was first received, when its host
   * refused it, and the expiry its signature states. For the links already
   * stored, the earliest time Dailies can have received them: not before
   * the task finished, nor before Dailies knew the task. The service's
   * gateway issues a link once, at the finish, and never re-signs it, so
   * that is when such a link really started; what schema 1 showed as
   * lapsed stays so. Links that state their own expiry are judged by it. */
  "ALTER TABLE tasks ADD COLUMN link_seen INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE tasks ADD COLUMN link_lapsed INTEGER NOT NULL DEFAULT 0;"
  /* Read from the link when first needed: no URL parsing in SQL. */
  "ALTER TABLE tasks ADD COLUMN link_expires INTEGER NOT NULL DEFAULT -1;"
  "UPDATE tasks SET link_seen = CASE"
  "  WHEN MAX (finish_time, first_seen) > 0 THEN MAX (finish_time, first_seen)"
  "  ELSE last_polled END"
  " WHERE result_url IS NOT NULL;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == DAILIES_TASK_STORE_SCHEMA_VERSION);

#define TASK_COLUMNS \
  "id, position, status, status_text, progress, submit_time, start_time, finish_time, " \
  "fail_reason, result_url, original_result_url, request_id, model, raw_json, " \
  "first_seen, last_polled, last_error, http_status, local_path, link_seen, link_lapsed, link_expires"

static const char select_sql[] =
  "SELECT " TASK_COLUMNS " FROM tasks";
static const char upsert_sql[] =
  "INSERT OR REPLACE INTO tasks (" TASK_COLUMNS ") "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)";
static const char delete_sql[] =
  "DELETE FROM tasks WHERE id = ?1";

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

static void
row_free (Row *row)
{
  dailies_task_fields_clear (&row->fields);
  g_free (row);
}

static guint
get_position (DailiesTask *task)
{
  /* Stored as position + 1, so that 0 means "never had one". */
  return GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (task), position_quark));
}

static void
set_position (DailiesTask *task,
              guint        position)
{
  g_object_set_qdata (G_OBJECT (task), position_quark, GUINT_TO_POINTER (position + 1));
}

static Row *
row_new_from_task (DailiesTask *task)
{
  Row *row = g_new0 (Row, 1);

  g_assert (get_position (task) > 0);

  dailies_task_dup_fields (task, &row->fields);
  row->position = get_position (task) - 1;

  return row;
}

static Row *
row_new_deleted (DailiesTask *task)
{
  Row *row = g_new0 (Row, 1);

  row->fields.id = g_strdup (dailies_task_get_id (task));
  row->deleted = TRUE;

  return row;
}

static GHashTable *
pending_table_new (void)
{
  /* The key belongs to the row. */
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) row_free);
}

/* ------------------------------------------------------------------ */
/* SQLite helpers (load thread and writer thread)                      */
/* ------------------------------------------------------------------ */

static gboolean
is_corruption (int code)
{
  code &= 0xff;
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

static gboolean
set_sqlite_error (GError     **error,
                  sqlite3     *db,
                  int          code,
                  const char  *what)
{
  int domain_code = is_corruption (code) ? DAILIES_STORE_ERROR_CORRUPT : DAILIES_STORE_ERROR_IO;

  g_set_error (error, DAILIES_STORE_ERROR, domain_code, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code));
  return FALSE;
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return set_sqlite_error (error, db, rc, sql);

  return TRUE;
}

/* Runs a statement that returns one row of one column. */
static gboolean
query_value (sqlite3     *db,
             const char  *sql,
             char       **text,
             gint64      *number,
             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return set_sqlite_error (error, db, rc, sql);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (error, db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, sql);
      sqlite3_finalize (stmt);
      return FALSE;
    }

  if (text != NULL)
    *text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (number != NULL)
    *number = sqlite3_column_int64 (stmt, 0);

  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
migrate (sqlite3  *db,
         GError  **error)
{
  gint64 version = 0;

  if (!query_value (db, "PRAGMA user_version", NULL, &version, error))
    return FALSE;

  if (version == DAILIES_TASK_STORE_SCHEMA_VERSION)
    return TRUE;

  if (version < 0 || version > DAILIES_TASK_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_TOO_NEW,
                   _("The task database was written by a newer version of Dailies (schema %d)"),
                   (int) version);
      return FALSE;
    }

  if (!exec_sql (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (gint64 v = version; v < DAILIES_TASK_STORE_SCHEMA_VERSION; v++)
    {
      int rc;

      g_debug ("store: migrating the schema from version %d", (int) v);
      rc = sqlite3_exec (db, migrations[v], NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          /* A plain SQL error here means a database of another shape
           * (a "tasks" table that is not ours): as good as damaged. */
          set_sqlite_error (error, db, rc == SQLITE_ERROR ? SQLITE_CORRUPT : rc, "migrating");
          goto rollback;
        }
    }

  {
    g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", DAILIES_TASK_STORE_SCHEMA_VERSION);

    if (!exec_sql (db, sql, error) || !exec_sql (db, "COMMIT", error))
      goto rollback;
  }

  return TRUE;

rollback:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* One copy, straight from SQLite's buffer into the task. */
static char *
dup_column_text (sqlite3_stmt *stmt,
                 int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  int length;
  char *copy;

  if (text == NULL)
    return NULL;

  length = sqlite3_column_bytes (stmt, column);
  copy = g_malloc (length + 1);
  memcpy (copy, text, length);
  copy[length] = '\0';

  return copy;
}

static DailiesTaskStatus
status_from_column (GEnumClass *status_class,
                    gint64      value)
{
  if (value < G_MININT || value > G_MAXINT || g_enum_get_value (status_class, (int) value) == NULL)
    return DAILIES_TASK_STATUS_OTHER;

  return (DailiesTaskStatus) value;
}

typedef struct
{
  guint        position;
  guint        index;     /* read order: ties keep it */
  DailiesTask *task;
} LoadedTask;

static int
compare_loaded_tasks (gconstpointer a,
                      gconstpointer b)
{
  const LoadedTask *la = a;
  const LoadedTask *lb = b;

  if (la->position != lb->position)
    return la->position < lb->position ? -1 : 1;

  return la->index < lb->index ? -1 : (la->index > lb->index ? 1 : 0);
}

static gboolean
read_tasks (sqlite3     *db,
            GPtrArray   *tasks,
            GHashTable  *by_id,
            guint       *next_position,
            GError     **error)
{
  g_autoptr(GEnumClass) status_class = g_type_class_ref (DAILIES_TYPE_TASK_STATUS);
  g_autoptr(GArray) loaded = g_array_new (FALSE, FALSE, sizeof (LoadedTask));
  gboolean sorted = TRUE;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert (tasks->len == 0);
  g_assert (g_hash_table_size (by_id) == 0);

  rc = sqlite3_prepare_v2 (db, select_sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      /* A database of ours without our table is damaged, not merely unreadable. */
      return set_sqlite_error (error, db, rc == SQLITE_ERROR ? SQLITE_CORRUPT : rc,
                               "reading tasks");
    }

  /* Held across the loop: otherwise each of the 22 column calls of each
   * row takes and drops the connection's mutex. */
  sqlite3_mutex_enter (sqlite3_db_mutex (db));

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DailiesTaskFields fields = { 0 };
      LoadedTask item;
      gint64 position;

      fields.id = dup_column_text (stmt, 0);
      if (fields.id == NULL || *fields.id == '\0')
        {
          g_free (fields.id);
          continue;
        }

      position = CLAMP (sqlite3_column_int64 (stmt, 1), 0, G_MAXUINT - 2);
      fields.status = status_from_column (status_class, sqlite3_column_int64 (stmt, 2));
      fields.status_text = dup_column_text (stmt, 3);
      fields.progress = sqlite3_column_int (stmt, 4);
      fields.submit_time = sqlite3_column_int64 (stmt, 5);
      fields.start_time = sqlite3_column_int64 (stmt, 6);
      fields.finish_time = sqlite3_column_int64 (stmt, 7);
      fields.fail_reason = dup_column_text (stmt, 8);
      fields.result_url = dup_column_text (stmt, 9);
      fields.original_result_url = dup_column_text (stmt, 10);
      fields.request_id = dup_column_text (stmt, 11);
      fields.model = dup_column_text (stmt, 12);
      fields.raw_json = dup_column_text (stmt, 13);
      fields.first_seen = sqlite3_column_int64 (stmt, 14);
      fields.last_polled = sqlite3_column_int64 (stmt, 15);
      fields.last_error = dup_column_text (stmt, 16);
      fields.http_status = (guint) CLAMP (sqlite3_column_int64 (stmt, 17), 0, G_MAXUINT);
      fields.local_path = dup_column_text (stmt, 18);
      fields.link_seen = sqlite3_column_int64 (stmt, 19);
      fields.link_lapsed = sqlite3_column_int64 (stmt, 20);
      fields.link_expires = sqlite3_column_int64 (stmt, 21);

      item.position = (guint) position;
      item.index = loaded->len;
      item.task = dailies_task_new_take_fields (&fields);

      if (loaded->len > 0 && g_array_index (loaded, LoadedTask, loaded->len - 1).position > item.position)
        sorted = FALSE;
      g_array_append_val (loaded, item);
    }

  sqlite3_mutex_leave (sqlite3_db_mutex (db));

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, rc, "reading tasks");
      sqlite3_finalize (stmt);
      for (guint i = 0; i < loaded->len; i++)
        g_object_unref (g_array_index (loaded, LoadedTask, i).task);
      return FALSE;
    }

  sqlite3_finalize (stmt);

  /* Sorted here rather than by ORDER BY: without an index on position,
   * SQLite would copy every row, raw JSON and all, through its sorter. */
  if (!sorted)
    g_array_sort (loaded, compare_loaded_tasks);

  for (guint i = 0; i < loaded->len; i++)
    {
      LoadedTask *item = &g_array_index (loaded, LoadedTask, i);

      set_position (item->task, item->position);
      *next_position = MAX (*next_position, item->position + 1);
      g_ptr_array_add (tasks, item->task);
      g_hash_table_insert (by_id, (gpointer) dailies_task_get_id (item->task), item->task);
    }

  return TRUE;
}

static void
close_database (sqlite3      **db,
                sqlite3_stmt **upsert,
                sqlite3_stmt **delete)
{
  g_clear_pointer (upsert, sqlite3_finalize);
  g_clear_pointer (delete, sqlite3_finalize);

  if (*db != NULL)
    {
      int rc = sqlite3_close (*db);

      if (rc != SQLITE_OK)
        g_warning ("store: closing the database: %s", sqlite3_errstr (rc));
      *db = NULL;
    }
}

static void
load_data_free (LoadData *data)
{
  close_database (&data->db, &data->upsert, &data->delete);
  g_clear_pointer (&data->by_id, g_hash_table_unref);
  g_clear_pointer (&data->tasks, g_ptr_array_unref);
  g_clear_pointer (&data->path, g_free);
  g_clear_pointer (&data->moved_aside_path, g_free);
  g_clear_error (&data->error);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadData, load_data_free)

/* Opens @path (or memory), sets up WAL, migrates and reads every row. On
 * failure nothing stays open. */
static gboolean
try_open (LoadData    *data,
          const char  *path,
          GError     **error)
{
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  g_autofree char *journal_mode = NULL;
  g_autofree char *check = NULL;
  int rc;

  g_assert (data->db == NULL);

  rc = sqlite3_open_v2 (path != NULL ? path : ":memory:", &data->db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_OPEN,
                   _("Could not open the task database: %s"),
                   data->db != NULL ? sqlite3_errmsg (data->db) : sqlite3_errstr (rc));
      goto fail;
    }

  sqlite3_extended_result_codes (data->db, TRUE);
  sqlite3_busy_timeout (data->db, 5000);

  /* WAL: a commit is one append, and it survives the process being killed.
   * NORMAL skips the fsync per commit, which only matters for power loss. */
  if (!query_value (data->db, "PRAGMA journal_mode = WAL", &journal_mode, NULL, error) ||
      !exec_sql (data->db, "PRAGMA synchronous = NORMAL", error))
    goto fail;

  if (path != NULL && g_ascii_strcasecmp (journal_mode, "wal") != 0)
    g_warning ("store: journal mode is %s, not WAL", journal_mode);

  /* The check and the read below each go through every page: mapped, SQLite
   * reads them in place rather than copying each out of the page cache.
   * Only while loading: a mapped file cut short by someone else faults. */
  if (path != NULL && !exec_sql (data->db, "PRAGMA mmap_size = 268435456", error))
    goto fail;

  /* Catches truncated and damaged files now, not at the first write. */
  if (!query_value (data->db, "PRAGMA quick_check", &check, NULL, error))
    goto fail;
  if (g_strcmp0 (check, "ok") != 0)
    {
      g_set_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_CORRUPT,
                   "integrity check: %s", check);
      goto fail;
    }

  if (!migrate (data->db, error))
    goto fail;

  if (!read_tasks (data->db, data->tasks, data->by_id, &data->next_position, error))
    goto fail;

  if (path != NULL && !exec_sql (data->db, "PRAGMA mmap_size = 0", error))
    goto fail;

  rc = sqlite3_prepare_v3 (data->db, upsert_sql, -1, SQLITE_PREPARE_PERSISTENT, &data->upsert, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, delete_sql, -1, SQLITE_PREPARE_PERSISTENT, &data->delete, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, data->db, rc, "preparing statements");
      goto fail;
    }

  return TRUE;

fail:
  close_database (&data->db, &data->upsert, &data->delete);
  g_hash_table_remove_all (data->by_id);
  g_ptr_array_set_size (data->tasks, 0);
  data->next_position = 0;
  return FALSE;
}

static gboolean
move_aside (const char  *path,
            char       **aside_path,
            GError     **error)
{
  static const char * const suffixes[] = { "", "-wal", "-shm" };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *base = NULL;

  base = g_strdup_printf ("%s.corrupt-%s", path, stamp);
  for (guint i = 2; g_file_test (base, G_FILE_TEST_EXISTS); i++)
    {
      g_free (base);
      base = g_strdup_printf ("%s.corrupt-%s-%u", path, stamp, i);
    }

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (base, suffixes[i], NULL);

      if (g_rename (from, to) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_set_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_OPEN,
                       _("Could not move the damaged task database aside: %s"),
                       g_strerror (saved_errno));
          return FALSE;
        }
    }

  *aside_path = g_steal_pointer (&base);
  return TRUE;
}

/* A file that does not even start like a database is refused before
 * SQLite opens it: SQLite would delete its -wal on close, and that belongs
 * with the damaged file for whoever wants to look at it. */
static gboolean
check_header (const char  *path,
              GError     **error)
{
  static const char magic[16] = "SQLite format 3";
  char header[sizeof magic] = { 0 };
  FILE *file;
  size_t n_read;

  file = g_fopen (path, "rb");
  if (file == NULL)
    return TRUE;  /* missing: created; unreadable: sqlite3_open says why */

  n_read = fread (header, 1, sizeof header, file);
  fclose (file);

  if (n_read == 0 || memcmp (header, magic, sizeof magic) == 0)
    return TRUE;

  g_set_error_literal (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_CORRUPT,
                       "not an SQLite database");
  return FALSE;
}

/* Runs in a GTask thread (or in the caller's, for a blocking load). Always
 * ends with an open database: the file, a fresh one in place of a corrupt
 * file, or one in memory when the file cannot be used. */
static LoadData *
load_database (const char *path)
{
  g_autoptr(LoadData) data = g_new0 (LoadData, 1);
  g_autoptr(GError) error = NULL;
  gint64 begin = g_get_monotonic_time ();

  data->path = g_strdup (path);
  data->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  data->by_id = g_hash_table_new (g_str_hash, g_str_equal);

  if (path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (&error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_OPEN,
                       _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
        }
      else if ((!check_header (path, &error) || !try_open (data, path, &error)) &&
               g_error_matches (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_CORRUPT))
        {
          g_message ("store: %s is damaged (%s); moving it aside", path, error->message);
          g_clear_error (&error);

          if (move_aside (path, &data->moved_aside_path, &error))
            {
              g_message ("store: the damaged database is now %s", data->moved_aside_path);
              try_open (data, path, &error);
            }
        }
    }

  if (data->db == NULL)
    {
      g_autoptr(GError) memory_error = NULL;

      /* The caller gets the error and decides how loud to be. */
      if (error != NULL)
        g_message ("store: %s; keeping tasks in memory only", error->message);

      if (!try_open (data, NULL, &memory_error))
        g_error ("store: cannot open a database in memory: %s", memory_error->message);
    }

  g_debug ("store: loaded %u tasks in %.1f ms", data->tasks->len,
           (g_get_monotonic_time () - begin) / 1000.0);

  data->error = g_steal_pointer (&error);
  return g_steal_pointer (&data);
}

/* ------------------------------------------------------------------ */
/* Writer thread                                                       */
/* ------------------------------------------------------------------ */

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static int
write_row (DailiesTaskStore *self,
           const Row        *row)
{
  sqlite3_stmt *stmt;
  int rc;

  if (row->deleted)
    {
      stmt = self->delete;
      sqlite3_bind_text (stmt, 1, row->fields.id, -1, SQLITE_STATIC);
    }
  else
    {
      stmt = self->upsert;
      sqlite3_bind_text (stmt, 1, row->fields.id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, row->position);
      sqlite3_bind_int (stmt, 3, row->fields.status);
      bind_text (stmt, 4, row->fields.status_text);
      sqlite3_bind_int (stmt, 5, row->fields.progress);
      sqlite3_bind_int64 (stmt, 6, row->fields.submit_time);
      sqlite3_bind_int64 (stmt, 7, row->fields.start_time);
      sqlite3_bind_int64 (stmt, 8, row->fields.finish_time);
      bind_text (stmt, 9, row->fields.fail_reason);
      bind_text (stmt, 10, row->fields.result_url);
      bind_text (stmt, 11, row->fields.original_result_url);
      bind_text (stmt, 12, row->fields.request_id);
      bind_text (stmt, 13, row->fields.model);
      bind_text (stmt, 14, row->fields.raw_json);
      sqlite3_bind_int64 (stmt, 15, row->fields.first_seen);
      sqlite3_bind_int64 (stmt, 16, row->fields.last_polled);
      bind_text (stmt, 17, row->fields.last_error);
      sqlite3_bind_int64 (stmt, 18, row->fields.http_status);
      bind_text (stmt, 19, row->fields.local_path);
      sqlite3_bind_int64 (stmt, 20, row->fields.link_seen);
      sqlite3_bind_int64 (stmt, 21, row->fields.link_lapsed);
      sqlite3_bind_int64 (stmt, 22, row->fields.link_expires);
    }

  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* One transaction for the whole batch: all of it is saved, or none. */
static gboolean
commit_batch (DailiesTaskStore  *self,
              GHashTable        *batch,
              GError           **error)
{
  GHashTableIter iter;
  gpointer value;
  int rc;

  if (!exec_sql (self->db, "BEGIN IMMEDIATE", error))
    return FALSE;

  g_hash_table_iter_init (&iter, batch);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      rc = write_row (self, value);
      if (rc != SQLITE_OK)
        {
          set_sqlite_error (error, self->db, rc, "saving a task");
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }

  rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, rc, "saving tasks");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  return TRUE;
}

static gpointer
writer_thread (gpointer user_data)
{
  DailiesTaskStore *self = user_data;
  gboolean quit = FALSE;

  while (!quit)
    {
      g_autoptr(GHashTable) batch = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok = TRUE;
      guint64 gen;

      g_mutex_lock (&self->mutex);
      while (!self->wake && !self->quit)
        g_cond_wait (&self->work_cond, &self->mutex);
      quit = self->quit;
      self->wake = FALSE;
      gen = self->queued_gen;
      if (g_hash_table_size (self->pending) > 0)
        {
          batch = g_steal_pointer (&self->pending);
          self->pending = pending_table_new ();
        }
      g_mutex_unlock (&self->mutex);

      if (batch != NULL)
        ok = commit_batch (self, batch, &error);

      g_mutex_lock (&self->mutex);
      if (!ok)
        {
          GHashTableIter iter;
          gpointer key;
          gpointer value;

          /* Keep what newer changes did not replace, for the next try. */
          g_hash_table_iter_init (&iter, batch);
          while (g_hash_table_iter_next (&iter, &key, &value))
            {
              if (!g_hash_table_contains (self->pending, key))
                {
                  g_hash_table_iter_steal (&iter);
                  g_hash_table_insert (self->pending, key, value);
                }
            }

          /* Tell the UI when saving starts to fail, not at every retry. */
          if (!self->failing)
            {
              g_queue_push_tail (&self->failures, g_error_copy (error));
              g_source_set_ready_time (self->failed_source, 0);
            }
          g_clear_error (&self->failure);
          self->failure = g_error_copy (error);
          self->failing = TRUE;

          if (quit)
            g_warning ("store: %u changes could not be saved: %s",
                       g_hash_table_size (self->pending), error->message);
        }
      else if (batch != NULL)
        {
          self->failing = FALSE;
          g_clear_error (&self->failure);
        }
      self->done_gen = gen;
      g_cond_broadcast (&self->done_cond);
      g_mutex_unlock (&self->mutex);
    }

  close_database (&self->db, &self->upsert, &self->delete);

  return NULL;
}

/* A source that fires once each time its ready time is set to 0. */
static gboolean
ready_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs ready_source_funcs = {
  .dispatch = ready_source_dispatch,
};

static GSource *
ready_source_new (const char   *name,
                  int           priority,
                  GSourceFunc   callback,
                  gpointer      user_data,
                  GMainContext *context)
{
  GSource *source = g_source_new (&ready_source_funcs, sizeof (GSource));

  g_source_set_static_name (source, name);
  g_source_set_priority (source, priority);
  g_source_set_callback (source, callback, user_data, NULL);
  g_source_attach (source, context);

  return source;
}

static void
wake_writer_locked (DailiesTaskStore *self)
{
  self->wake = TRUE;
  g_cond_signal (&self->work_cond);
}

static gboolean
wake_source_cb (gpointer user_data)
{
  DailiesTaskStore *self = user_data;

  g_mutex_lock (&self->mutex);
  wake_writer_locked (self);
  g_mutex_unlock (&self->mutex);

  return G_SOURCE_CONTINUE;
}

static gboolean
failed_source_cb (gpointer user_data)
{
  DailiesTaskStore *self = user_data;
  GError *error;

  for (;;)
    {
      g_mutex_lock (&self->mutex);
      error = g_queue_pop_head (&self->failures);
      g_mutex_unlock (&self->mutex);

      if (error == NULL)
        break;

      g_message ("store: saving failed: %s", error->message);
      g_signal_emit (self, signals[WRITE_FAILED], 0, error);
      g_error_free (error);
    }

  return G_SOURCE_CONTINUE;
}

/* Hands @rows to the writer; a newer row of a task replaces the older one
 * still waiting, so a burst of changes costs one write. The writer is woken
 * when the main loop has handled what is ready (after drawing, too), so the
 * answers that arrive together share one transaction instead of one each;
 * a large backlog wakes it at once. */
static void
queue_rows (DailiesTaskStore  *self,
            Row              **rows,
            guint              n_rows)
{
  if (n_rows == 0)
    return;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < n_rows; i++)
    g_hash_table_replace (self->pending, rows[i]->fields.id, rows[i]);
  self->queued_gen++;
  if (g_hash_table_size (self->pending) >= WAKE_BACKLOG || self->wake_source == NULL)
    wake_writer_locked (self);
  g_mutex_unlock (&self->mutex);

  if (self->wake_source != NULL)
    g_source_set_ready_time (self->wake_source, 0);
}

static void
queue_task (DailiesTaskStore *self,
            DailiesTask      *task)
{
  Row *row = row_new_from_task (task);

  queue_rows (self, &row, 1);
}

/* ------------------------------------------------------------------ */
/* Model                                                               */
/* ------------------------------------------------------------------ */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
holds (DailiesTaskStore *self,
       DailiesTask      *task)
{
  return g_hash_table_lookup (self->by_id, dailies_task_get_id (task)) == task;
}

static void
apply_loaded (DailiesTaskStore *self,
              LoadData         *data)
{
  guint n_items;

  g_assert (self->thread == NULL);
  g_assert (self->items->len == 0);

  self->loading = FALSE;
  self->loaded = TRUE;

  self->db = g_steal_pointer (&data->db);
  self->upsert = g_steal_pointer (&data->upsert);
  self->delete = g_steal_pointer (&data->delete);
  g_clear_pointer (&self->moved_aside_path, g_free);
  self->moved_aside_path = g_steal_pointer (&data->moved_aside_path);
  self->next_position = data->next_position;

  /* Both were empty: nothing can be added before loading. */
  g_assert (g_hash_table_size (self->by_id) == 0);
  g_ptr_array_extend_and_steal (self->items, g_steal_pointer (&data->tasks));
  g_hash_table_unref (self->by_id);
  self->by_id = g_steal_pointer (&data->by_id);

  self->thread = g_thread_new ("dailies-store", writer_thread, self);

  n_items = self->items->len;
  if (n_items > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n_items);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

static GType
dailies_task_store_get_item_type (GListModel *model)
{
  return DAILIES_TYPE_TASK;
}

static guint
dailies_task_store_get_n_items (GListModel *model)
{
  return DAILIES_TASK_STORE (model)->items->len;
}

static gpointer
dailies_task_store_get_item (GListModel *model,
                             guint       position)
{
  DailiesTaskStore *self = DAILIES_TASK_STORE (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dailies_task_store_get_item_type;
  iface->get_n_items = dailies_task_store_get_n_items;
  iface->get_item = dailies_task_store_get_item;
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

static void
dailies_task_store_dispose (GObject *object)
{
  DailiesTaskStore *self = (DailiesTaskStore *) object;

  /* Whatever was queued is committed before the thread goes. */
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->mutex);
      self->quit = TRUE;
      g_cond_signal (&self->work_cond);
      g_mutex_unlock (&self->mutex);

      g_thread_join (g_steal_pointer (&self->thread));
    }

  if (self->failed_source != NULL)
    {
      g_source_destroy (self->failed_source);
      g_clear_pointer (&self->failed_source, g_source_unref);
    }
  if (self->wake_source != NULL)
    {
      g_source_destroy (self->wake_source);
      g_clear_pointer (&self->wake_source, g_source_unref);
    }

  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (dailies_task_store_parent_class)->dispose (object);
}

static void
dailies_task_store_finalize (GObject *object)
{
  DailiesTaskStore *self = (DailiesTaskStore *) object;

  g_assert (self->db == NULL);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->moved_aside_path, g_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_error (&self->failure);
  g_queue_clear_full (&self->failures, (GDestroyNotify) g_error_free);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->work_cond);
  g_cond_clear (&self->done_cond);

  G_OBJECT_CLASS (dailies_task_store_parent_class)->finalize (object);
}

static void
dailies_task_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DailiesTaskStore *self = DAILIES_TASK_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, DAILIES_TYPE_TASK);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_store_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DailiesTaskStore *self = DAILIES_TASK_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_store_class_init (DailiesTaskStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_task_store_dispose;
  object_class->finalize = dailies_task_store_finalize;
  object_class->get_property = dailies_task_store_get_property;
  object_class->set_property = dailies_task_store_set_property;

  position_quark = g_quark_from_static_string ("dailies-task-store-position");

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, DAILIES_TYPE_TASK,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DailiesTaskStore::write-failed:
   * @error: why
   *
   * Saving started to fail. Emitted on the main context once per run of
   * failures, not at every retry; the changes stay queued.
   */
  signals[WRITE_FAILED] =
    g_signal_new ("write-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * DailiesTaskStore::task-answered:
   * @task: the task, held by the store
   * @link_changed: whether the answer brought another result link
   * @finished: whether the task reached an end (success, failure, not
   *   found) with this answer
   *
   * An answer of the service was applied to @task: a task's state, or that
   * the service does not know it (404). One handler here stands in for a
   * property handler on each of thousands of tasks.
   */
  signals[TASK_ANSWERED] =
    g_signal_new ("task-answered",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, DAILIES_TYPE_TASK, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);

  /**
   * DailiesTaskStore::tasks-added:
   * @tasks: (element-type DailiesTask): the tasks now held, in the order
   *   they were given (new IDs of an add, or the tasks restored)
   *
   * Emitted after items-changed. Followers of the store (poller, keeper,
   * lists) use it rather than items-changed, so that what they do costs
   * what was added, not what the store holds.
   */
  signals[TASKS_ADDED] =
    g_signal_new ("tasks-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);

  /**
   * DailiesTaskStore::tasks-removed:
   * @tasks: (element-type DailiesTask): the tasks no longer held
   *
   * Emitted after items-changed; the tasks are still alive during the
   * emission.
   */
  signals[TASKS_REMOVED] =
    g_signal_new ("tasks-removed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
}

static void
dailies_task_store_init (DailiesTaskStore *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->pending = pending_table_new ();
  g_mutex_init (&self->mutex);
  g_cond_init (&self->work_cond);
  g_cond_init (&self->done_cond);
  g_queue_init (&self->failures);

  self->main_context = g_main_context_ref_thread_default ();
  self->failed_source = ready_source_new ("[dailies] store write-failed", G_PRIORITY_DEFAULT,
                                          failed_source_cb, self, self->main_context);
  self->wake_source = ready_source_new ("[dailies] store wake writer", G_PRIORITY_DEFAULT_IDLE,
                                        wake_source_cb, self, self->main_context);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */
/* ------------------------------------------------------------------ */

DailiesTaskStore *
dailies_task_store_new (const char *db_path)
{
  return g_object_new (DAILIES_TYPE_TASK_STORE, "path", db_path, NULL);
}

const char *
dailies_task_store_get_path (DailiesTaskStore *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), NULL);
  return self->path;
}

/* A thread of its own, a little nicer than the main thread: at start-up
 * the window is being built and mapped at the same time, and on two cores
 * the display server needs one of them. */
static gpointer
load_thread (gpointer data)
{
  g_autoptr(GTask) task = data;
  const char *path = g_task_get_task_data (task);

#ifdef __linux__
  /* On Linux the nice value is per thread. */
  id_t tid = (id_t) syscall (SYS_gettid);

  errno = 0;
  if (setpriority (PRIO_PROCESS, tid, getpriority (PRIO_PROCESS, tid) + LOAD_THREAD_NICE) != 0)
    g_debug ("store: could not lower the loader's priority: %s", g_strerror (errno));
#endif

  g_task_return_pointer (task, load_database (path), (GDestroyNotify) load_data_free);

  return NULL;
}

static void
load_thread_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DailiesTaskStore *self = g_task_get_source_object (task);
  g_autoptr(LoadData) data = g_task_propagate_pointer (G_TASK (result), NULL);

  g_assert (data != NULL);

  /* The database is open either way: fill the model even when the caller
   * has given up waiting. */
  apply_loaded (self, data);

  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_boolean (task, TRUE);
}

void
dailies_task_store_load_async (DailiesTaskStore    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) thread_task = NULL;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->loading && !self->loaded);

  self->loading = TRUE;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_task_store_load_async);

  /* Not cancellable: once the file is open, the model is filled. No
   * source object: the pool thread may drop this task after the callback,
   * and it must not hold the store then. */
  thread_task = g_task_new (NULL, NULL, load_thread_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (thread_task, load_thread);
  g_task_set_task_data (thread_task, g_strdup (self->path), g_free);
  g_thread_unref (g_thread_new ("dailies-load", load_thread, g_steal_pointer (&thread_task)));
}

gboolean
dailies_task_store_load_finish (DailiesTaskStore  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_task_store_load_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
dailies_task_store_load (DailiesTaskStore  *self,
                         GError           **error)
{
  g_autoptr(LoadData) data = NULL;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  g_return_val_if_fail (!self->loading && !self->loaded, FALSE);

  data = load_database (self->path);
  apply_loaded (self, data);

  if (data->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&data->error));
      return FALSE;
    }

  return TRUE;
}

gboolean
dailies_task_store_is_loaded (DailiesTaskStore *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  return self->loaded;
}

const char *
dailies_task_store_get_moved_aside_path (DailiesTaskStore *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), NULL);
  return self->moved_aside_path;
}

guint
dailies_task_store_add_ids (DailiesTaskStore   *self,
                            const char * const *ids,
                            guint               n_ids)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) added = NULL;
  gint64 now = now_seconds ();
  guint old_n_items;
  guint n_added;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), 0);
  g_return_val_if_fail (ids != NULL || n_ids == 0, 0);
  g_return_val_if_fail (self->loaded, 0);

  old_n_items = self->items->len;
  rows = g_ptr_array_new ();
  added = g_ptr_array_new ();

  for (guint i = 0; i < n_ids; i++)
    {
      DailiesTask *task;

      if (ids[i] == NULL || *ids[i] == '\0' || g_hash_table_contains (self->by_id, ids[i]))
        continue;

      task = dailies_task_new (ids[i]);
      set_position (task, self->next_position++);
      dailies_task_set_first_seen (task, now);

      g_ptr_array_add (self->items, task);
      g_hash_table_insert (self->by_id, (gpointer) dailies_task_get_id (task), task);
      g_ptr_array_add (rows, row_new_from_task (task));
      g_ptr_array_add (added, task);
    }

  queue_rows (self, (Row **) rows->pdata, rows->len);

  n_added = self->items->len - old_n_items;
  if (n_added > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old_n_items, 0, n_added);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
      g_signal_emit (self, signals[TASKS_ADDED], 0, added);
    }

  return n_added;
}

DailiesTask *
dailies_task_store_lookup (DailiesTaskStore *self,
                           const char       *id)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), NULL);

  if (id == NULL)
    return NULL;

  return g_hash_table_lookup (self->by_id, id);
}

void
dailies_task_store_apply_response (DailiesTaskStore          *self,
                                   DailiesTask               *task,
                                   const DailiesTaskResponse *response,
                                   const char                *raw_json,
                                   guint                      http_status)
{
  gboolean link_changed;
  gboolean was_terminal;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (DAILIES_IS_TASK (task));
  g_return_if_fail (response != NULL);

  link_changed = g_strcmp0 (dailies_task_get_result_url (task), response->result_url) != 0;
  was_terminal = dailies_task_is_terminal (task);
  dailies_task_apply_response (task, response, raw_json, http_status, now_seconds ());

  /* A removed task may still get its last answer; it is written again
   * only if it is restored. */
  if (holds (self, task))
    {
      queue_task (self, task);
      g_signal_emit (self, signals[TASK_ANSWERED], 0, task, link_changed,
                     !was_terminal && dailies_task_is_terminal (task));
    }
}

static void
record_error (DailiesTaskStore *self,
              DailiesTask      *task,
              const char       *message,
              guint             http_status,
              gboolean          not_found)
{
  gboolean was_terminal;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (DAILIES_IS_TASK (task));

  was_terminal = dailies_task_is_terminal (task);
  g_object_freeze_notify (G_OBJECT (task));
  dailies_task_set_last_error (task, message, http_status);
  dailies_task_set_last_polled (task, now_seconds ());
  if (not_found)
    dailies_task_set_status (task, DAILIES_TASK_STATUS_NOT_FOUND, NULL);
  g_object_thaw_notify (G_OBJECT (task));

  if (holds (self, task))
    {
      queue_task (self, task);
      /* "Not found" is the service's answer too. */
      if (not_found)
        g_signal_emit (self, signals[TASK_ANSWERED], 0, task, FALSE,
                       !was_terminal && dailies_task_is_terminal (task));
    }
}

gboolean
dailies_task_store_mark_link_lapsed (DailiesTaskStore *self,
                                     DailiesTask      *task,
                                     const char       *url)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  g_return_val_if_fail (DAILIES_IS_TASK (task), FALSE);

  /* A refusal of an older link says nothing about the one held now. */
  if (url == NULL || g_strcmp0 (dailies_task_get_result_url (task), url) != 0 ||
      dailies_task_get_link_lapsed (task) > 0)
    return FALSE;

  g_debug ("store: %s: the result host refused its link", dailies_task_get_id (task));
  dailies_task_set_link_lapsed (task, MAX (now_seconds (), 1));

  if (holds (self, task))
    queue_task (self, task);

  return TRUE;
}

void
dailies_task_store_record_error (DailiesTaskStore *self,
                                 DailiesTask      *task,
                                 const char       *message,
                                 guint             http_status)
{
  record_error (self, task, message, http_status, http_status == 404);
}

void
dailies_task_store_record_not_found (DailiesTaskStore *self,
                                     DailiesTask      *task,
                                     const char       *message,
                                     guint             http_status)
{
  record_error (self, task, message, http_status, TRUE);
}

void
dailies_task_store_set_local_path (DailiesTaskStore *self,
                                   DailiesTask      *task,
                                   const char       *path)
{
  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (DAILIES_IS_TASK (task));

  if (g_strcmp0 (dailies_task_get_local_path (task), path) == 0)
    return;

  dailies_task_set_local_path (task, path);

  if (holds (self, task))
    queue_task (self, task);
}

static int
compare_positions (gconstpointer a,
                   gconstpointer b)
{
  guint pa = get_position (*(DailiesTask * const *) a);
  guint pb = get_position (*(DailiesTask * const *) b);

  return pa < pb ? -1 : pa > pb;
}

/* Removing or restoring many tasks emits one items-changed, over the
 * smallest span that holds every change: a list of thousands is not
 * rebuilt once per task. */
void
dailies_task_store_remove_tasks (DailiesTaskStore *self,
                                 GPtrArray        *tasks)
{
  g_autoptr(GHashTable) doomed = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  gpointer *old_items;
  gsize n_old;
  guint first = G_MAXUINT;
  guint last = 0;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (tasks != NULL);

  for (guint i = 0; i < tasks->len; i++)
    if (holds (self, g_ptr_array_index (tasks, i)))
      g_hash_table_add (doomed, g_ptr_array_index (tasks, i));
  if (g_hash_table_size (doomed) == 0)
    return;

  rows = g_ptr_array_new ();
  removed = g_ptr_array_new_with_free_func (g_object_unref);
  old_items = g_ptr_array_steal (self->items, &n_old);
  for (guint i = 0; i < n_old; i++)
    {
      DailiesTask *task = old_items[i];

      if (!g_hash_table_contains (doomed, task))
        {
          g_ptr_array_add (self->items, task);
          continue;
        }

      first = MIN (first, i);
      last = i;
      g_hash_table_remove (self->by_id, dailies_task_get_id (task));
      g_ptr_array_add (rows, row_new_deleted (task));
      /* The store's reference, kept alive through tasks-removed. */
      g_ptr_array_add (removed, task);
    }
  g_free (old_items);

  queue_rows (self, (Row **) rows->pdata, rows->len);

  g_list_model_items_changed (G_LIST_MODEL (self), first, last + 1 - first,
                              last + 1 - first - g_hash_table_size (doomed));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  g_signal_emit (self, signals[TASKS_REMOVED], 0, removed);
}

void
dailies_task_store_restore_tasks (DailiesTaskStore *self,
                                  GPtrArray        *tasks)
{
  g_autoptr(GHashTable) restored = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) added = NULL;
  guint lo = G_MAXUINT;
  guint hi = 0;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (tasks != NULL);
  g_return_if_fail (self->loaded);

  rows = g_ptr_array_new ();
  added = g_ptr_array_new ();
  for (guint i = 0; i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);

      /* Already back, or the same ID was added again meanwhile. */
      if (g_hash_table_contains (self->by_id, dailies_task_get_id (task)))
        continue;

      if (get_position (task) == 0)
        set_position (task, self->next_position++);
      g_ptr_array_add (self->items, g_object_ref (task));
      g_hash_table_insert (self->by_id, (gpointer) dailies_task_get_id (task), task);
      g_hash_table_add (restored, task);
      g_ptr_array_add (rows, row_new_from_task (task));
      g_ptr_array_add (added, task);
    }
  if (rows->len == 0)
    return;

  /* Each back where it was. */
  g_ptr_array_sort (self->items, compare_positions);
  for (guint i = 0; i < self->items->len; i++)
    if (g_hash_table_contains (restored, g_ptr_array_index (self->items, i)))
      {
        lo = MIN (lo, i);
        hi = i;
      }

  queue_rows (self, (Row **) rows->pdata, rows->len);

  g_list_model_items_changed (G_LIST_MODEL (self), lo, hi + 1 - lo - rows->len, hi + 1 - lo);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  g_signal_emit (self, signals[TASKS_ADDED], 0, added);
}

void
dailies_task_store_remove (DailiesTaskStore *self,
                           DailiesTask      *task)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_return_if_fail (DAILIES_IS_TASK (task));

  g_ptr_array_add (one, task);
  dailies_task_store_remove_tasks (self, one);
}

void
dailies_task_store_restore (DailiesTaskStore *self,
                            DailiesTask      *task)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_return_if_fail (DAILIES_IS_TASK (task));

  g_ptr_array_add (one, task);
  dailies_task_store_restore_tasks (self, one);
}

gboolean
dailies_task_store_flush (DailiesTaskStore  *self,
                          GError           **error)
{
  gboolean ok;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);

  if (self->thread == NULL)
    {
      if (g_hash_table_size (self->pending) == 0)
        return TRUE;

      g_set_error_literal (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_NOT_LOADED,
                           _("The task database is not open yet"));
      return FALSE;
    }

  g_mutex_lock (&self->mutex);

  /* Rows left over from a failed batch get another try now. */
  if (g_hash_table_size (self->pending) > 0)
    {
      self->queued_gen++;
      wake_writer_locked (self);
    }

  {
    guint64 target = self->queued_gen;

    while (self->done_gen < target)
      g_cond_wait (&self->done_cond, &self->mutex);
  }

  ok = !self->failing;
  if (!ok)
    g_set_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_IO,
                 _("Could not save tasks: %s"),
                 self->failure != NULL ? self->failure->message : "unknown error");

  g_mutex_unlock (&self->mutex);

  return ok;
}
