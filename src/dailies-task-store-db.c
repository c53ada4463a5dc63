/* dailies-task-store-db.c
 *
 * The task database: opening, checking and moving aside a damaged file,
 * the schema and its migrations, the statements, and reading every row.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "dailies-id-hash.h"
#include "dailies-id-parser.h"
#include "dailies-task-store-private.h"
#include "dailies-search-key.h"
#include "dailies-stored-json.h"
#include "dailies-task-response.h"

/* One step per schema version: migrations[N] takes a database from version
 * N to N + 1. Version 7 will be one more string at the end. */
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
  /* 2 → 3: what an unfinished task's answer says stopped it at the model's
   * service ("" nothing), so that its JSON can stay in the file like a
   * finished task's rather than be loaded to be parsed for this. */
  "ALTER TABLE tasks ADD COLUMN upstream_problem TEXT;",
  /* 3 → 4: what made those words (dailies_task_response_upstream_problem_maker ()),
   * which are translated. Rows without (stored before), or whose words
   * were made by other rules or in another language, are read from their
   * JSON when loaded, and stored then. */
  "ALTER TABLE tasks ADD COLUMN upstream_problem_made TEXT;",
  /* 4 → 5: a finished task's answer may be stored packed
   * (dailies-stored-json.h), which a build before it would show as it
   * is: those must refuse the file as too new. Nothing to change. */
  "",
  /* 5 → 6: an import's new tasks as the writer stores them first, one
   * row per addition: their IDs, one a line, at first_position onward.
   * They are moved into tasks once the import is over, or by the next
   * start after a crash (see dailies-task-store-writer.c). */
  "CREATE TABLE import_journal ("
  "  first_position INTEGER NOT NULL,"
  "  first_seen     INTEGER NOT NULL,"
  "  ids            TEXT NOT NULL"
  ");",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == DAILIES_TASK_STORE_SCHEMA_VERSION);

#define TASK_COLUMNS \
  "id, position, status, status_text, progress, submit_time, start_time, finish_time, " \
  "fail_reason, result_url, original_result_url, request_id, model, raw_json, " \
  "first_seen, last_polled, last_error, http_status, local_path, link_seen, link_lapsed, link_expires, " \
  "upstream_problem, upstream_problem_made"

static const char select_sql[] =
  "SELECT " TASK_COLUMNS " FROM tasks";
/* A task's row, whole. An ID already stored has its row changed where it
 * is: INSERT OR REPLACE deleted it and added it again at the table's end,
 * which for an answer on its own (one every 0.1 s at the default budget)
 * wrote 3-5 pages to the log where one does. Every column is set, so the
 * row is the same as a replaced one would be. */
#define UPSERT_SET \
  " ON CONFLICT (id) DO UPDATE SET position = excluded.position, status = excluded.status," \
  " status_text = excluded.status_text, progress = excluded.progress," \
  " submit_time = excluded.submit_time, start_time = excluded.start_time," \
  " finish_time = excluded.finish_time, fail_reason = excluded.fail_reason," \
  " result_url = excluded.result_url, original_result_url = excluded.original_result_url," \
  " request_id = excluded.request_id, model = excluded.model, raw_json = excluded.raw_json," \
  " first_seen = excluded.first_seen, last_polled = excluded.last_polled," \
  " last_error = excluded.last_error, http_status = excluded.http_status," \
  " local_path = excluded.local_path, link_seen = excluded.link_seen," \
  " link_lapsed = excluded.link_lapsed, link_expires = excluded.link_expires," \
  " upstream_problem = excluded.upstream_problem, upstream_problem_made = excluded.upstream_problem_made"
const char dailies_task_store_upsert_set[] = UPSERT_SET;

static const char upsert_sql[] =
  "INSERT INTO tasks (" TASK_COLUMNS ") "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
  UPSERT_SET;
/* The same row deleted and added again at the table's end: for a task's
 * first answer (see write_row). */
static const char replace_sql[] =
  "INSERT OR REPLACE INTO tasks (" TASK_COLUMNS ") "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)";
/* For a task whose JSON was left in the database: the JSON stored, or the
 * one its removal stashed. ?14 stays unbound. */
static const char upsert_keep_json_sql[] =
  "INSERT INTO tasks (" TASK_COLUMNS ") "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
  "COALESCE ((SELECT raw_json FROM main.tasks WHERE id = ?1 AND position = ?2),"
  "          (SELECT raw_json FROM temp.removed_json WHERE id = ?1 AND position = ?2)), "
  "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
  UPSERT_SET;
/* A task just added: every other column as a new task has it (the
 * defaults; link_expires is 0, nothing, rather than not read). A bulk
 * import writes 100,000 of these: 4 bindings instead of 22. */
static const char insert_fresh_sql[] =
  "INSERT OR REPLACE INTO tasks (id, position, first_seen, link_expires) VALUES (?1, ?2, ?3, 0)";
/* The same for DAILIES_TASK_STORE_FRESH_PER_STATEMENT rows at once: a
 * statement's own cost (cursors, its journal, its end) is shared. */
#define FRESH_VALUES "(?, ?, ?, 0)"
/* An import's new tasks stored at once (see the writer), and taken out
 * once moved into tasks. */
static const char journal_insert_sql[] =
  "INSERT INTO import_journal (first_position, first_seen, ids) VALUES (?1, ?2, ?3)";
static const char journal_delete_sql[] =
  "DELETE FROM import_journal WHERE rowid = ?1";
/* A task of the journal at the start: a row of its ID in tasks would be
 * newer (see the writer), so it stays. The writer's own moves go through
 * the fresh rows' INSERT OR REPLACE; while no row of tasks is newer than
 * the journal's, which the writer keeps so, the two agree. */
static const char journal_move_sql[] =
  "INSERT INTO tasks (id, position, first_seen, link_expires) VALUES (?1, ?2, ?3, 0)"
  " ON CONFLICT (id) DO NOTHING";
static const char delete_sql[] =
  "DELETE FROM tasks WHERE id = ?1";
static const char forget_stash_sql[] =
  "DELETE FROM temp.removed_json WHERE id = ?1 AND position = ?2";
/* Neither an upsert's update nor INSERT OR REPLACE (recursive triggers
 * are off) fires it. */
static const char stash_sql[] =
  "PRAGMA temp_store = FILE;"
  "CREATE TEMP TABLE removed_json (id TEXT NOT NULL, position INTEGER NOT NULL, raw_json TEXT,"
  "                                 PRIMARY KEY (id, position));"
  "CREATE TEMP TRIGGER stash_removed_json BEFORE DELETE ON main.tasks"
  " WHEN old.raw_json IS NOT NULL BEGIN"
  "  INSERT OR REPLACE INTO removed_json (id, position, raw_json) VALUES (old.id, old.position, old.raw_json);"
  " END;";
static const char read_json_sql[] =
  "SELECT raw_json FROM tasks WHERE id = ?1";

/* ------------------------------------------------------------------ */
/* SQLite helpers (load thread and writer thread)                      */
/* ------------------------------------------------------------------ */

static gboolean
is_corruption (int code)
{
  code &= 0xff;
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

gboolean
dailies_task_store_set_sqlite_error (GError     **error,
                                     sqlite3     *db,
                                     int          code,
                                     const char  *what)
{
  int domain_code = is_corruption (code) ? DAILIES_STORE_ERROR_CORRUPT : DAILIES_STORE_ERROR_IO;

  g_set_error (error, DAILIES_STORE_ERROR, domain_code, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code));
  return FALSE;
}

gboolean
dailies_task_store_exec_sql (sqlite3     *db,
                             const char  *sql,
                             GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return dailies_task_store_set_sqlite_error (error, db, rc, sql);

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
    return dailies_task_store_set_sqlite_error (error, db, rc, sql);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      dailies_task_store_set_sqlite_error (error, db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, sql);
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

  if (!dailies_task_store_exec_sql (db, "BEGIN IMMEDIATE", error))
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
          dailies_task_store_set_sqlite_error (error, db, rc == SQLITE_ERROR ? SQLITE_CORRUPT : rc, "migrating");
          goto rollback;
        }
    }

  {
    g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", DAILIES_TASK_STORE_SCHEMA_VERSION);

    if (!dailies_task_store_exec_sql (db, sql, error) || !dailies_task_store_exec_sql (db, "COMMIT", error))
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

/* A stored answer, packed or not (dailies-stored-json.h); NULL for a
 * damaged one, counted in @n_damaged for the caller's line in the log. */
static char *
dup_column_json (sqlite3_stmt *stmt,
                 int           column,
                 guint        *n_damaged)
{
  const char *text;
  char *json;

  switch (sqlite3_column_type (stmt, column))
    {
    case SQLITE_NULL:
      return NULL;
    case SQLITE_BLOB:
      text = sqlite3_column_blob (stmt, column);
      break;
    default:
      text = (const char *) sqlite3_column_text (stmt, column);
      break;
    }
  /* Its length after the text or blob, as SQLite asks. */
  json = dailies_stored_json_unpack (text != NULL ? text : "", sqlite3_column_bytes (stmt, column));
  if (json == NULL)
    (*n_damaged)++;

  return json;
}

static DailiesTaskStatus
status_from_column (GEnumClass *status_class,
                    gint64      value)
{
  if (value < G_MININT || value > G_MAXINT || g_enum_get_value (status_class, (int) value) == NULL)
    return DAILIES_TASK_STATUS_OTHER;

  return (DailiesTaskStatus) value;
}

/* ------------------------------------------------------------------ */
/* The JSON left in the database                                       */
/* ------------------------------------------------------------------ */

/* A read-only connection of its own, opened at the first read: for the
 * one task being shown, not on the writer's way. */
typedef struct
{
  DailiesTaskJsonSource  parent;
  GMutex                 mutex;
  char                  *path;
  sqlite3               *db;
  sqlite3_stmt          *stmt;
  gboolean               failing;   /* logged once per streak of failures */
  GHashTable            *damaged;   /* IDs whose damaged answer was logged */
  guint                  n_reads;   /* atomic, for tests */
} JsonReader;

/* One line when reading starts failing and one when it works again, not
 * one per task shown. */
static void
json_reader_note (JsonReader *reader,
                  const char *error_text)
{
  if (error_text != NULL && !reader->failing)
    g_message ("store: cannot read a task's stored answer: %s", error_text);
  else if (error_text == NULL && reader->failing)
    g_message ("store: stored answers can be read again");
  reader->failing = error_text != NULL;
}

static char *
json_reader_read (DailiesTaskJsonSource *source,
                  const char            *id)
{
  JsonReader *reader = (JsonReader *) source;
  char *json = NULL;
  guint n_damaged = 0;
  int rc;

  g_atomic_int_inc (&reader->n_reads);
  g_mutex_lock (&reader->mutex);

  if (reader->db == NULL)
    {
      rc = sqlite3_open_v2 (reader->path, &reader->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_busy_timeout (reader->db, 5000);
          rc = sqlite3_prepare_v3 (reader->db, read_json_sql, -1, SQLITE_PREPARE_PERSISTENT,
                                   &reader->stmt, NULL);
        }
      if (rc != SQLITE_OK)
        {
          json_reader_note (reader, reader->db != NULL ? sqlite3_errmsg (reader->db) : sqlite3_errstr (rc));
          g_clear_pointer (&reader->stmt, sqlite3_finalize);
          g_clear_pointer (&reader->db, sqlite3_close);
          g_mutex_unlock (&reader->mutex);
          return NULL;
        }
    }

  sqlite3_bind_text (reader->stmt, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step (reader->stmt);
  if (rc == SQLITE_ROW)
    json = dup_column_json (reader->stmt, 0, &n_damaged);
  json_reader_note (reader, rc == SQLITE_ROW || rc == SQLITE_DONE ? NULL : sqlite3_errmsg (reader->db));
  /* Asked for again each time the task is shown: said once. */
  if (n_damaged > 0 && g_hash_table_add (reader->damaged, g_strdup (id)))
    g_message ("store: the stored answer of %s is damaged; it is left out", id);
  sqlite3_reset (reader->stmt);
  sqlite3_clear_bindings (reader->stmt);

  g_mutex_unlock (&reader->mutex);

  return json;
}

static void
json_reader_clear (DailiesTaskJsonSource *source)
{
  JsonReader *reader = (JsonReader *) source;

  g_clear_pointer (&reader->stmt, sqlite3_finalize);
  g_clear_pointer (&reader->db, sqlite3_close);
  g_clear_pointer (&reader->path, g_free);
  g_clear_pointer (&reader->damaged, g_hash_table_unref);
  g_mutex_clear (&reader->mutex);
}

static DailiesTaskJsonSource *
json_reader_new (const char *path)
{
  JsonReader *reader = g_atomic_rc_box_new0 (JsonReader);

  reader->parent.read = json_reader_read;
  reader->parent.clear = json_reader_clear;
  g_mutex_init (&reader->mutex);
  reader->path = g_strdup (path);
  reader->damaged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return &reader->parent;
}

guint
dailies_task_store_count_json_reads (DailiesTaskStore *self)
{
  JsonReader *reader = (JsonReader *) self->json_source;

  return reader != NULL ? g_atomic_int_get (&reader->n_reads) : 0;
}

static void
json_source_release (DailiesTaskJsonSource *source)
{
  g_atomic_rc_box_release_full (source, (GDestroyNotify) source->clear);
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

/* The upstream problems the loader read from the JSON of @tasks, stored,
 * so that their JSON can stay in the file at the next start too. One
 * transaction, on the loading thread; should it fail, the next start
 * reads them again. */
static void
store_upstream_problems (sqlite3    *db,
                         GPtrArray  *tasks,
                         const char *maker)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "UPDATE tasks SET upstream_problem = ?1, upstream_problem_made = ?2 WHERE id = ?3",
                             -1, &stmt, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);
      const char *problem = dailies_task_get_upstream_problem (task);

      sqlite3_bind_text (stmt, 1, problem != NULL ? problem : "", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, maker, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, dailies_task_get_id (task), -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      g_message ("store: could not store the upstream problems of %u tasks: %s", tasks->len, sqlite3_errstr (rc));
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
    }
}

static gboolean
read_tasks (sqlite3               *db,
            DailiesTaskJsonSource *json_source,
            GPtrArray             *tasks,
            GHashTable  *by_id,
            guint       *next_position,
            GError     **error)
{
  g_autoptr(GEnumClass) status_class = g_type_class_ref (DAILIES_TYPE_TASK_STATUS);
  g_autoptr(GArray) loaded = g_array_new (FALSE, FALSE, sizeof (LoadedTask));
  g_autoptr(GPtrArray) problems_due = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *maker = dailies_task_response_upstream_problem_maker ();
  guint n_damaged = 0;
  gboolean sorted = TRUE;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert (tasks->len == 0);
  g_assert (g_hash_table_size (by_id) == 0);

  rc = sqlite3_prepare_v2 (db, select_sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      /* A database of ours without our table is damaged, not merely unreadable. */
      return dailies_task_store_set_sqlite_error (error, db, rc == SQLITE_ERROR ? SQLITE_CORRUPT : rc,
                                                  "reading tasks");
    }

  /* Held across the loop: otherwise each of the 24 column calls of each
   * row takes and drops the connection's mutex. */
  sqlite3_mutex_enter (sqlite3_db_mutex (db));

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DailiesTaskFields fields = { 0 };
      LoadedTask item;
      gint64 position;
      gboolean json_left;
      gboolean problem_due;

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
      /* Trusted only if made as this build would make it now. */
      if (sqlite3_column_type (stmt, 22) != SQLITE_NULL &&
          g_strcmp0 ((const char *) sqlite3_column_text (stmt, 23), maker) == 0)
        fields.upstream_problem = dup_column_text (stmt, 22);
      /* An answer is rarely looked at again: it stays in the file (most
       * of what a task weighs), unless in memory only. An unfinished
       * task's upstream problem not stored (or not trusted) is read from
       * it first, and stored below. */
      json_left = json_source != NULL && sqlite3_column_type (stmt, 13) != SQLITE_NULL;
      problem_due = json_left && !dailies_task_status_is_terminal (fields.status) &&
                    fields.upstream_problem == NULL;
      if (!json_left || problem_due)
        fields.raw_json = dup_column_json (stmt, 13, &n_damaged);
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
      if (problem_due)
        g_ptr_array_add (problems_due, g_object_ref (item.task));
      else if (json_left)
        dailies_task_set_json_source (item.task, json_source);
      /* Judged here, on the loading thread, and kept: the keeper and the
       * lists ask for every task they are handed, and a URL parse for each
       * of 50,000 restored tasks was a quarter of an Undo. */
      dailies_task_has_usable_link (item.task);
      /* And its search key: the first key typed after start-up would
       * otherwise fold every task on the main thread. */
      dailies_task_set_search_key (item.task, dailies_search_key_for_task (item.task));
      if (problem_due)
        {
          /* Read from the JSON in memory (the search key may have), then
           * the JSON goes to the file like the others'. */
          dailies_task_get_upstream_problem (item.task);
          dailies_task_set_json_source (item.task, json_source);
        }

      if (loaded->len > 0 && g_array_index (loaded, LoadedTask, loaded->len - 1).position > item.position)
        sorted = FALSE;
      g_array_append_val (loaded, item);
    }

  sqlite3_mutex_leave (sqlite3_db_mutex (db));

  if (rc != SQLITE_DONE)
    {
      dailies_task_store_set_sqlite_error (error, db, rc, "reading tasks");
      sqlite3_finalize (stmt);
      for (guint i = 0; i < loaded->len; i++)
        g_object_unref (g_array_index (loaded, LoadedTask, i).task);
      return FALSE;
    }

  sqlite3_finalize (stmt);

  if (n_damaged > 0)
    g_message ("store: the stored answers of %u tasks are damaged; they are left out", n_damaged);
  if (problems_due->len > 0)
    store_upstream_problems (db, problems_due, maker);

  /* Sorted here rather than by ORDER BY: without an index on position,
   * SQLite would copy every row, raw JSON and all, through its sorter. */
  if (!sorted)
    g_array_sort (loaded, compare_loaded_tasks);

  for (guint i = 0; i < loaded->len; i++)
    {
      LoadedTask *item = &g_array_index (loaded, LoadedTask, i);

      dailies_task_set_store_position (item->task, item->position + 1);
      *next_position = MAX (*next_position, item->position + 1);
      g_ptr_array_add (tasks, item->task);
      g_hash_table_insert (by_id, (gpointer) dailies_task_get_id (item->task), item->task);
    }

  return TRUE;
}

void
dailies_task_store_close_database (sqlite3    **db,
                                   Statements  *stmts)
{
  g_clear_pointer (&stmts->upsert, sqlite3_finalize);
  g_clear_pointer (&stmts->replace, sqlite3_finalize);
  g_clear_pointer (&stmts->upsert_keep_json, sqlite3_finalize);
  g_clear_pointer (&stmts->delete, sqlite3_finalize);
  g_clear_pointer (&stmts->forget_stash, sqlite3_finalize);
  g_clear_pointer (&stmts->insert_fresh, sqlite3_finalize);
  g_clear_pointer (&stmts->insert_fresh_many, sqlite3_finalize);
  g_clear_pointer (&stmts->journal_insert, sqlite3_finalize);
  g_clear_pointer (&stmts->journal_delete, sqlite3_finalize);

  if (*db != NULL)
    {
      int rc = sqlite3_close (*db);

      if (rc != SQLITE_OK)
        g_warning ("store: closing the database: %s", sqlite3_errstr (rc));
      *db = NULL;
    }
}

void
dailies_task_store_load_data_free (LoadData *data)
{
  dailies_task_store_close_database (&data->db, &data->stmts);
  g_clear_pointer (&data->json_source, json_source_release);
  g_clear_pointer (&data->by_id, g_hash_table_unref);
  g_clear_pointer (&data->tasks, g_ptr_array_unref);
  g_clear_pointer (&data->path, g_free);
  g_clear_pointer (&data->moved_aside_path, g_free);
  g_clear_error (&data->error);
  g_free (data);
}

/* The new tasks of an import the writer had stored in import_journal
 * but not yet moved into tasks when Dailies stopped (killed, or a crash):
 * moved now, as the writer would have, before the rows are read. Each
 * journal row holds one addition's IDs, one a line, at first_position
 * onward; no row of tasks is newer than them (the writer moves an
 * addition in with any change to a task of its IDs). */
static gboolean
move_import_journal (sqlite3  *db,
                     GError  **error)
{
  sqlite3_stmt *select = NULL;
  sqlite3_stmt *insert = NULL;
  gint64 n_rows = 0;
  guint n_moved = 0;
  int rc;

  if (!query_value (db, "SELECT count(*) FROM import_journal", NULL, &n_rows, error))
    return FALSE;
  if (n_rows == 0)
    return TRUE;

  if (!dailies_task_store_exec_sql (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  rc = sqlite3_prepare_v2 (db, "SELECT first_position, first_seen, ids FROM import_journal ORDER BY rowid",
                           -1, &select, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, journal_move_sql, -1, &insert, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (select)) == SQLITE_ROW)
    {
      gint64 position = sqlite3_column_int64 (select, 0);
      gint64 first_seen = sqlite3_column_int64 (select, 1);
      const char *ids = (const char *) sqlite3_column_text (select, 2);
      g_auto(GStrv) lines = g_strsplit (ids != NULL ? ids : "", "\n", -1);

      /* A line is a place, even one that is no ID (a damaged row). */
      rc = SQLITE_OK;
      for (guint i = 0; rc == SQLITE_OK && lines[i] != NULL; i++, position++)
        {
          if (!dailies_task_id_is_valid (lines[i]))
            continue;
          sqlite3_bind_text (insert, 1, lines[i], -1, SQLITE_STATIC);
          sqlite3_bind_int64 (insert, 2, position);
          sqlite3_bind_int64 (insert, 3, first_seen);
          rc = sqlite3_step (insert);
          sqlite3_reset (insert);
          if (rc == SQLITE_DONE)
            {
              rc = SQLITE_OK;
              n_moved += sqlite3_changes (db);
            }
        }
    }
  if (rc == SQLITE_DONE)
    rc = sqlite3_exec (db, "DELETE FROM import_journal", NULL, NULL, NULL);
  sqlite3_finalize (select);
  sqlite3_finalize (insert);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      dailies_task_store_set_sqlite_error (error, db, rc, "moving an import's new tasks");
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  g_message ("store: %u tasks of an import that had not been moved yet are in the list", n_moved);
  return TRUE;
}

/* Opens @path (or memory), sets up WAL, migrates and reads every row. On
 * failure nothing stays open. */
static gboolean
try_open (LoadData    *data,
          const char  *path,
          GError     **error)
{
  /* One thread at a time uses it (the loader, then the writer): no
   * mutex taken by every bind and step. */
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
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
      !dailies_task_store_exec_sql (data->db, "PRAGMA synchronous = NORMAL", error))
    goto fail;
  /* The log of a large import grows past SQLite's usual 4 MiB (see the
   * writer); once copied back, its file is cut to that again. */
  if (!dailies_task_store_exec_sql (data->db, "PRAGMA journal_size_limit = 4194304", error))
    goto fail;

  if (path != NULL && g_ascii_strcasecmp (journal_mode, "wal") != 0)
    g_warning ("store: journal mode is %s, not WAL", journal_mode);

  /* The check and the read below each go through every page: mapped, SQLite
   * reads them in place rather than copying each out of the page cache.
   * Only while loading: a mapped file cut short by someone else faults. */
  if (path != NULL && !dailies_task_store_exec_sql (data->db, "PRAGMA mmap_size = 268435456", error))
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

  if (!move_import_journal (data->db, error))
    goto fail;

  if (path != NULL)
    data->json_source = json_reader_new (path);
  if (!read_tasks (data->db, data->json_source, data->tasks, data->by_id, &data->next_position, error))
    goto fail;

  if (path != NULL && !dailies_task_store_exec_sql (data->db, "PRAGMA mmap_size = 0", error))
    goto fail;

  /* The writer's own pages: the ID index's upper levels and the pages a
   * batch changes. SQLite's default (2 MiB) grew by one new page of memory
   * per 2.5 answers until full, each a page fault (12 us on a VM), and held
   * pages it seldom reads again: a task's next answer comes a poll interval
   * later, after the other tasks' answers. */
  if (!dailies_task_store_exec_sql (data->db, "PRAGMA cache_size = -512", error))
    goto fail;

  /* This connection's own: what a removal deletes of the JSON that was not
   * loaded, for an undo to put back. Gone with the connection. */
  if (!dailies_task_store_exec_sql (data->db, stash_sql, error))
    goto fail;

  rc = sqlite3_prepare_v3 (data->db, upsert_sql, -1, SQLITE_PREPARE_PERSISTENT, &data->stmts.upsert, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, replace_sql, -1, SQLITE_PREPARE_PERSISTENT, &data->stmts.replace, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, upsert_keep_json_sql, -1, SQLITE_PREPARE_PERSISTENT,
                             &data->stmts.upsert_keep_json, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, delete_sql, -1, SQLITE_PREPARE_PERSISTENT, &data->stmts.delete, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, forget_stash_sql, -1, SQLITE_PREPARE_PERSISTENT,
                             &data->stmts.forget_stash, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, insert_fresh_sql, -1, SQLITE_PREPARE_PERSISTENT,
                             &data->stmts.insert_fresh, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, journal_insert_sql, -1, SQLITE_PREPARE_PERSISTENT,
                             &data->stmts.journal_insert, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3 (data->db, journal_delete_sql, -1, SQLITE_PREPARE_PERSISTENT,
                             &data->stmts.journal_delete, NULL);
  if (rc == SQLITE_OK)
    {
      g_autoptr(GString) sql = g_string_new ("INSERT OR REPLACE INTO tasks (id, position, first_seen, link_expires) VALUES ");

      for (guint i = 0; i < DAILIES_TASK_STORE_FRESH_PER_STATEMENT; i++)
        g_string_append (sql, i == 0 ? FRESH_VALUES : ", " FRESH_VALUES);
      rc = sqlite3_prepare_v3 (data->db, sql->str, -1, SQLITE_PREPARE_PERSISTENT,
                               &data->stmts.insert_fresh_many, NULL);
    }
  if (rc != SQLITE_OK)
    {
      dailies_task_store_set_sqlite_error (error, data->db, rc, "preparing statements");
      goto fail;
    }

  return TRUE;

fail:
  dailies_task_store_close_database (&data->db, &data->stmts);
  g_clear_pointer (&data->json_source, json_source_release);
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
LoadData *
dailies_task_store_load_database (const char *path)
{
  g_autoptr(LoadData) data = g_new0 (LoadData, 1);
  g_autoptr(GError) error = NULL;
  gint64 begin = g_get_monotonic_time ();

  data->path = g_strdup (path);
  data->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  data->by_id = g_hash_table_new (dailies_id_hash, g_str_equal);

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
