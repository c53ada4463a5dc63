/* dailies-task-store-writer.c
 *
 * The writer thread: rows queued on the main thread are written in
 * batched transactions; failures are kept and retried.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-id-hash.h"
#include "dailies-task-store-private.h"
#include "dailies-stored-json.h"
#include "dailies-task-response.h"

/* After the first header, which tells whether this is glibc. */
#ifdef __GLIBC__
# include <malloc.h>
#endif

/* Rows waiting before the writer is woken without waiting for the main
 * loop to go idle. */
#define WAKE_BACKLOG 256

/* How long the rows of answers may wait for more: on a real server's
 * latency answers arrive one by one, and the main loop goes idle between
 * them, so an idle wake alone would commit each on its own. */
#define ANSWER_DELAY_US (100 * 1000)

/* After a move of the whole journal failed, the next waits
 * DAILIES_TASK_STORE_MOVE_RETRY_MS (the store's journal_retry_ms), doubling
 * with each failure up to MOVE_RETRY_MAX_US: a lasting cause (a full disk)
 * would otherwise have every answer try 100,000 rows again. */
#define MOVE_RETRY_MAX_US G_GINT64_CONSTANT (60000000)

/* A batch this big (a bulk add or removal) is followed by a trim. */
#define TRIM_BATCH 10000

/* New rows in one batch that start an import's way of storing. While an
 * import goes on, SQLite's log (WAL) may grow to
 * DAILIES_TASK_STORE_BULK_WAL_PAGES rather than be copied into the
 * database at SQLite's usual 1,000 pages: 100,000 new rows made two such
 * copies, each with its syncs (20-30 ms each in bench-sqlite-floor). Once
 * no new rows have come for BULK_QUIET_US (an import hands them over every
 * few milliseconds; answers do not count), one copy does it all, and the
 * import is then in the database file, synced. A copy a reader held up is
 * tried again after as long, BULK_TRIES tries in all. An import is
 * BULK_ROWS new rows that came no more than BULK_QUIET_US apart, in one
 * batch or in many (a JSON list comes a few hundred at a time); a paste of
 * 1,000 IDs is none. */
#define BULK_ROWS 2000
#define BULK_QUIET_US DAILIES_TASK_STORE_BULK_QUIET_US
#define BULK_TRIES DAILIES_TASK_STORE_BULK_TRIES

/* While an import goes on, its new tasks are stored first as one row of
 * import_journal per addition (their IDs, one a line): 100,000 took the
 * writer 18-23 ms of CPU, with the table of their IDs below, where their
 * rows in tasks took 130-170 ms. A crash from then on loses none of
 * them. They go into tasks once the
 * import is over (before its log is copied back), or when the store
 * closes, or, after a crash, when the next start loads
 * (dailies-task-store-db.c). A change to any task of an ID in the journal
 * (an answer, a removal, an Undo, the ID added again) takes the whole
 * addition into tasks first, in the same transaction: matched by ID, as a
 * removal that took the place of an older one in pending no longer says
 * where that one was. So no row of tasks is ever newer than the
 * journal's, which is what lets the start move them blindly. */
typedef struct
{
  FreshBlock    *block;
  sqlite3_int64  rowid;
} Journaled;

/* The additions in import_journal, on the writer thread. */
typedef struct
{
  GQueue      items;          /* Journaled, oldest first */
  GHashTable *by_id;          /* ID (the block's copy) → Journaled */
  guint       n_failed_moves; /* moves of them all failed in a row */
  gint64      next_move;      /* after those, none before this (monotonic µs) */
} Journal;

static void
journaled_free (Journaled *journaled)
{
  g_free (journaled->block);
  g_free (journaled);
}

static gint
compare_journaled (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  const Journaled *ja = a;
  const Journaled *jb = b;

  return ja->block->gen < jb->block->gen ? -1 : ja->block->gen > jb->block->gen;
}

/* @item, committed to the journal, is kept until it is moved. */
static void
journal_keep (Journal   *journal,
              Journaled *item)
{
  for (guint i = 0; i < item->block->n_rows; i++)
    g_hash_table_replace (journal->by_id, (gpointer) item->block->rows[i].id, item);
  g_queue_push_tail (&journal->items, item);
}

/* @item, taken out of the journal's queue and moved into tasks (committed),
 * is forgotten and freed. */
static void
journal_forget (Journal   *journal,
                Journaled *item)
{
  if (journal->items.length == 0)
    {
      g_hash_table_remove_all (journal->by_id);
      /* Emptied by changes: the next import's move starts afresh. */
      journal->n_failed_moves = 0;
    }
  else
    for (guint i = 0; i < item->block->n_rows; i++)
      if (g_hash_table_lookup (journal->by_id, item->block->rows[i].id) == item)
        g_hash_table_remove (journal->by_id, item->block->rows[i].id);
  journaled_free (item);
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

static void
row_free (Row *row)
{
  dailies_task_fields_clear (&row->fields);
  g_clear_pointer (&row->json, g_bytes_unref);
  g_free (row);
}

Row *
dailies_task_store_row_new_from_task (DailiesTask *task)
{
  Row *row = g_new0 (Row, 1);

  g_assert (dailies_task_get_store_position (task) > 0);

  dailies_task_dup_fields (task, &row->fields, &row->json);
  row->position = dailies_task_get_store_position (task) - 1;
  row->keep_stored_json = !dailies_task_has_raw_json_in_memory (task);

  return row;
}

Row *
dailies_task_store_row_new_deleted (DailiesTask *task)
{
  Row *row = g_new0 (Row, 1);

  row->fields.id = g_strdup (dailies_task_get_id (task));
  row->deleted = TRUE;
  row->deleted_position = dailies_task_get_store_position (task) - 1;

  return row;
}

GHashTable *
dailies_task_store_pending_table_new (void)
{
  /* The key belongs to the row. */
  return g_hash_table_new_full (dailies_id_hash, g_str_equal, NULL, (GDestroyNotify) row_free);
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
step_statement (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The stored row of @row's ID goes: its trigger stashes the JSON for an
 * Undo, under the ID and the task's place (two tasks of one ID may both
 * wait for one), and the stash goes too if the removal was final. */
static int
delete_stored (DailiesTaskStore *self,
               const Row        *row)
{
  int rc = SQLITE_OK;

  sqlite3_bind_text (self->stmts.delete, 1, row->fields.id, -1, SQLITE_STATIC);
  rc = step_statement (self->stmts.delete);
  if (rc == SQLITE_OK && row->forget_stash)
    {
      sqlite3_bind_text (self->stmts.forget_stash, 1, row->fields.id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (self->stmts.forget_stash, 2, row->deleted_position);
      rc = step_statement (self->stmts.forget_stash);
    }

  return rc;
}

/* @maker: what made the upstream problems of this batch's rows. */
static int
write_row (DailiesTaskStore *self,
           const Row        *row,
           const char       *maker)
{
  g_autofree char *packed_json = NULL;
  sqlite3_stmt *stmt;
  int rc;

  /* The removal this row replaced, which its upsert (the stored row of
   * the ID changed in place) would not stash: of a task whose ID came
   * again, or undone. */
  if (row->delete_first && (rc = delete_stored (self, row)) != SQLITE_OK)
    return rc;

  if (row->deleted)
    return delete_stored (self, row);

  /* A task's first answer grows its row from a bare ID to the whole
   * answer: written anew at the table's end, it cost 86-95 us and 17.4 KiB
   * written against 101-108 us and 19.5 KiB grown in its page (bench lone,
   * tasks never answered). Later answers change the row where it is. */
  if (row->keep_stored_json)
    stmt = self->stmts.upsert_keep_json;
  else
    stmt = row->grows ? self->stmts.replace : self->stmts.upsert;
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
  if (row->json != NULL)
    {
      gsize length = g_bytes_get_size (row->json) - 1;
      gsize packed_length = 0;

      packed_json = dailies_stored_json_pack (g_bytes_get_data (row->json, NULL), length, &packed_length);
      /* Packed, not UTF-8: a blob. */
      if (packed_json != NULL)
        sqlite3_bind_blob (stmt, 14, packed_json, packed_length, SQLITE_STATIC);
      else
        sqlite3_bind_text (stmt, 14, g_bytes_get_data (row->json, NULL), length, SQLITE_STATIC);
    }
  else
    sqlite3_bind_null (stmt, 14);
  sqlite3_bind_int64 (stmt, 15, row->fields.first_seen);
  sqlite3_bind_int64 (stmt, 16, row->fields.last_polled);
  bind_text (stmt, 17, row->fields.last_error);
  sqlite3_bind_int64 (stmt, 18, row->fields.http_status);
  bind_text (stmt, 19, row->fields.local_path);
  sqlite3_bind_int64 (stmt, 20, row->fields.link_seen);
  sqlite3_bind_int64 (stmt, 21, row->fields.link_lapsed);
  sqlite3_bind_int64 (stmt, 22, row->fields.link_expires);
  bind_text (stmt, 23, row->fields.upstream_problem);
  bind_text (stmt, 24, row->fields.upstream_problem != NULL ? maker : NULL);

  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* @row takes the place of @older, of the same ID, in the queue: a
 * removal not written yet still goes first when a row of a task (listed
 * again with that ID, or undone) comes after it, or its upsert would
 * overwrite the stored JSON without stashing it. */
static void
take_place_of (Row       *row,
               const Row *older)
{
  if (row->deleted || !(older->deleted || older->delete_first))
    return;

  row->delete_first = TRUE;
  row->forget_stash = older->forget_stash;
  row->deleted_position = older->deleted_position;
}

/* A row of a batch that failed goes back in the queue, unless a newer
 * one of its task took its place meanwhile. Returns whether it was taken. */
static gboolean
queue_again_locked (DailiesTaskStore *self,
                    Row              *row)
{
  Row *newer = g_hash_table_lookup (self->pending, row->fields.id);

  if (newer != NULL)
    {
      take_place_of (newer, row);
      newer->grows |= row->grows;
      return FALSE;
    }

  g_hash_table_insert (self->pending, row->fields.id, row);
  return TRUE;
}

/* By ID; an ID added twice (removed in between) by its place, the newer
 * last, so that its row is the one that stays. */
static int
compare_fresh_rows (gconstpointer a,
                    gconstpointer b)
{
  const FreshRow *ra = *(const FreshRow * const *) a;
  const FreshRow *rb = *(const FreshRow * const *) b;
  int cmp = strcmp (ra->id, rb->id);

  if (cmp != 0)
    return cmp;
  return ra->position < rb->position ? -1 : ra->position > rb->position;
}

/* The rows of tasks just added, DAILIES_TASK_STORE_FRESH_PER_STATEMENT a
 * statement, in the order of their IDs, so that the ID index grows at
 * one end rather than all over (an import of 100,000 is mostly these). */
static int
write_fresh_rows (DailiesTaskStore *self,
                  GPtrArray        *fresh)
{
  sqlite3_stmt *many = self->stmts.insert_fresh_many;
  guint i = 0;

  g_ptr_array_sort (fresh, compare_fresh_rows);

  for (; i + DAILIES_TASK_STORE_FRESH_PER_STATEMENT <= fresh->len; i += DAILIES_TASK_STORE_FRESH_PER_STATEMENT)
    {
      int rc;

      for (guint j = 0; j < DAILIES_TASK_STORE_FRESH_PER_STATEMENT; j++)
        {
          const FreshRow *row = g_ptr_array_index (fresh, i + j);

          sqlite3_bind_text (many, 3 * j + 1, row->id, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (many, 3 * j + 2, row->position);
          sqlite3_bind_int64 (many, 3 * j + 3, row->first_seen);
        }
      if ((rc = step_statement (many)) != SQLITE_OK)
        return rc;
    }

  for (; i < fresh->len; i++)
    {
      const FreshRow *row = g_ptr_array_index (fresh, i);
      sqlite3_stmt *one = self->stmts.insert_fresh;
      int rc;

      sqlite3_bind_text (one, 1, row->id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (one, 2, row->position);
      sqlite3_bind_int64 (one, 3, row->first_seen);
      if ((rc = step_statement (one)) != SQLITE_OK)
        return rc;
    }

  return SQLITE_OK;
}

/* The fresh rows of @blocks; where @batch holds a row of the same ID, the
 * newer of the two says what the task is, as when one row per ID waited.
 * A newer row (an answer, a removal, an Undo of the task that had the ID
 * before) says all there is, and its fresh row goes: written first, its
 * INSERT OR REPLACE would drop that older task's stored JSON, which an
 * Undo still needs. An older one (the removal of the task that had the ID
 * before) moves from @batch to @earlier, to be written before the fresh
 * rows: its DELETE stashes that task's stored JSON for an Undo (or, if
 * the removal was final, lets it go), which the INSERT OR REPLACE of the
 * fresh row would not. */
static GPtrArray *
gather_fresh_rows (GHashTable *batch,
                   GQueue     *blocks,
                   GPtrArray  *earlier)
{
  GPtrArray *fresh = g_ptr_array_new ();

  for (GList *l = blocks->head; l != NULL; l = l->next)
    {
      FreshBlock *block = l->data;

      for (guint i = 0; i < block->n_rows; i++)
        {
          FreshRow *row = &block->rows[i];

          if (batch != NULL && g_hash_table_size (batch) > 0)
            {
              Row *other = g_hash_table_lookup (batch, row->id);

              if (other != NULL && other->gen > block->gen)
                continue;
              if (other != NULL)
                {
                  g_hash_table_steal (batch, row->id);
                  g_ptr_array_add (earlier, other);
                }
            }
          g_ptr_array_add (fresh, row);
        }
    }

  return fresh;
}

/* Whether one journal row can hold @block exactly: its places follow on
 * (one addition's always do) and its tasks were seen in the same second,
 * so that the row need only say the first of each, and no ID holds a line
 * break. An import's worker can cross a second within a block: that one
 * goes into tasks at once. */
static gboolean
block_fits_journal (const FreshBlock *block)
{
  for (guint i = 0; i < block->n_rows; i++)
    if (block->rows[i].position != block->rows[0].position + i ||
        block->rows[i].first_seen != block->rows[0].first_seen ||
        strchr (block->rows[i].id, '\n') != NULL)
      return FALSE;

  return block->n_rows > 0;
}

/* Whether @batch changes a task of an ID of @block. */
static gboolean
batch_has_id_of (GHashTable       *batch,
                 const FreshBlock *block)
{
  if (batch == NULL || g_hash_table_size (batch) == 0)
    return FALSE;

  for (guint i = 0; i < block->n_rows; i++)
    if (g_hash_table_contains (batch, block->rows[i].id))
      return TRUE;

  return FALSE;
}

/* @block's IDs as one journal row, one a line, from the block's own
 * copy of them (in the rows' order, one after the other). */
static int
journal_block (DailiesTaskStore *self,
               const FreshBlock *block)
{
  const FreshRow *last = &block->rows[block->n_rows - 1];
  const char *start = block->rows[0].id;
  gsize length = (last->id + strlen (last->id)) - start;
  g_autofree char *lines = g_memdup2 (start, length);

  for (gsize i = 0; i < length; i++)
    if (lines[i] == '\0')
      lines[i] = '\n';

  sqlite3_bind_int64 (self->stmts.journal_insert, 1, block->rows[0].position);
  sqlite3_bind_int64 (self->stmts.journal_insert, 2, block->rows[0].first_seen);
  sqlite3_bind_text (self->stmts.journal_insert, 3, lines, length, SQLITE_STATIC);

  return step_statement (self->stmts.journal_insert);
}

/* One transaction for the whole batch: all of it is saved, or none. The
 * rows older than the fresh ones go first, then the fresh rows; then each
 * task has one row, so the order of the rest does not matter. @earlier
 * gets the older rows, to queue again should this fail. @maker: what made
 * the upstream problems of the rows. The journal rows of @moved go (their
 * blocks are among @blocks), and @journal's blocks get theirs. */
static gboolean
commit_batch (DailiesTaskStore  *self,
              GHashTable        *batch,
              GQueue            *blocks,
              GQueue            *moved,
              GQueue            *journal,
              GPtrArray         *earlier,
              const char        *maker,
              GError           **error)
{
  g_autoptr(GPtrArray) fresh = gather_fresh_rows (batch, blocks, earlier);
  int rc = SQLITE_OK;

  if (!dailies_task_store_exec_sql (self->db, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (GList *l = moved != NULL ? moved->head : NULL; rc == SQLITE_OK && l != NULL; l = l->next)
    {
      const Journaled *journaled = l->data;

      sqlite3_bind_int64 (self->stmts.journal_delete, 1, journaled->rowid);
      rc = step_statement (self->stmts.journal_delete);
    }
  for (guint i = 0; rc == SQLITE_OK && i < earlier->len; i++)
    rc = write_row (self, g_ptr_array_index (earlier, i), maker);
  if (rc == SQLITE_OK)
    rc = write_fresh_rows (self, fresh);
  if (batch != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, batch);
      while (rc == SQLITE_OK && g_hash_table_iter_next (&iter, NULL, &value))
        rc = write_row (self, value, maker);
    }
  for (GList *l = journal != NULL ? journal->head : NULL; rc == SQLITE_OK && l != NULL; l = l->next)
    {
      Journaled *journaled = l->data;

      rc = journal_block (self, journaled->block);
      journaled->rowid = sqlite3_last_insert_rowid (self->db);
    }
  if (rc != SQLITE_OK)
    {
      dailies_task_store_set_sqlite_error (error, self->db, rc, "saving a task");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      dailies_task_store_set_sqlite_error (error, self->db, rc, "saving tasks");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  return TRUE;
}

/* The JSON of the tasks in @batch, just committed, for the main thread to
 * let go: 1,000 answers kept 1.4 MB that nobody reads, and memory touched
 * for the first time costs a page fault per 4 KiB. */
static gboolean
note_stored_json_locked (DailiesTaskStore *self,
                         GHashTable       *batch)
{
  GHashTableIter iter;
  gpointer value;
  gboolean any = FALSE;

  if (self->json_source == NULL || batch == NULL)
    return FALSE;

  g_hash_table_iter_init (&iter, batch);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const Row *row = value;
      StoredJson *stored;

      if (row->deleted || row->json == NULL)
        continue;

      stored = g_new (StoredJson, 1);
      stored->id = g_strdup (row->fields.id);
      stored->json = g_bytes_ref (row->json);
      g_ptr_array_add (self->stored_json, stored);
      any = TRUE;
    }

  return any;
}

void
dailies_task_store_stored_json_free (StoredJson *stored)
{
  g_free (stored->id);
  g_bytes_unref (stored->json);
  g_free (stored);
}

gboolean
dailies_task_store_has_queued_locked (DailiesTaskStore *self)
{
  return g_hash_table_size (self->pending) > 0 || self->fresh.length > 0;
}

/* The log's own limit, to come back to after an import; 0 for a store
 * with no log (in memory), which has nothing to copy. */
static int
usual_wal_pages (sqlite3 *db)
{
  const char *file = db != NULL ? sqlite3_db_filename (db, "main") : NULL;
  sqlite3_stmt *stmt = NULL;
  int pages = 0;

  if (file == NULL || *file == '\0')
    return 0;
  if (sqlite3_prepare_v2 (db, "PRAGMA wal_autocheckpoint", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    pages = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return pages;
}

/* An import's way of storing, on the writer thread: when to copy its log
 * back (0: no import going on), how often that has been tried, and the
 * log's usual limit to come back to. */
typedef struct
{
  gint64 until;
  guint tries;
  int wal_pages;
} Bulk;

/* Every addition still in the journal into tasks, in one transaction:
 * the import is over, or the store closes (@now_or_never). What fails
 * stays in the journal, safe there, for the next try or the next start;
 * after a failure, the next try waits (the store's journal_retry_ms,
 * doubled at each failure), except at closing. */
static void
move_journaled (DailiesTaskStore *self,
                Journal          *journal,
                const char       *maker,
                gboolean          now_or_never)
{
  g_autoptr(GPtrArray) earlier = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  g_autoptr(GError) error = NULL;
  GQueue blocks = G_QUEUE_INIT;
  gint64 wait;

  if (journal->items.length == 0 ||
      (!now_or_never && journal->n_failed_moves > 0 && g_get_monotonic_time () < journal->next_move))
    return;

  g_atomic_int_inc (&self->n_journal_moves);
  for (GList *l = journal->items.head; l != NULL; l = l->next)
    g_queue_push_tail (&blocks, ((Journaled *) l->data)->block);
  if (commit_batch (self, NULL, &blocks, &journal->items, NULL, earlier, maker, &error))
    {
      g_queue_clear_full (&journal->items, (GDestroyNotify) journaled_free);
      g_hash_table_remove_all (journal->by_id);
      journal->n_failed_moves = 0;
      g_queue_clear (&blocks);
      return;
    }

  /* Once a streak. */
  if (journal->n_failed_moves == 0)
    g_message ("store: moving an import's new tasks out of its journal: %s", error->message);
  /* A millisecond at least: the writer wakes for the next try. */
  wait = (gint64) MAX (g_atomic_int_get (&self->journal_retry_ms), 1) * 1000;
  for (guint i = 0; i < journal->n_failed_moves && wait < MOVE_RETRY_MAX_US; i++)
    wait *= 2;
  journal->next_move = g_get_monotonic_time () + MIN (wait, MOVE_RETRY_MAX_US);
  journal->n_failed_moves++;
  g_queue_clear (&blocks);
}

/* When the writer is to try the whole journal again by itself, 0 for
 * never: none failed, or nothing is left in it. */
static gint64
journal_retry_time (const Journal *journal)
{
  return journal->items.length > 0 && journal->n_failed_moves > 0 ? journal->next_move : 0;
}

/* Copies the log of an import into the database file and gives SQLite
 * back its usual limit. When a reader's snapshot held part of it back,
 * or another connection was copying it (busy), the import's limit stays
 * and the copy is tried again BULK_QUIET_US later: BULK_TRIES tries in
 * all. TRUE once the import's way of storing has ended. */
static gboolean
end_bulk (DailiesTaskStore *self,
          Bulk             *bulk)
{
  gboolean last_try = ++bulk->tries >= BULK_TRIES;
  int n_log = 0, n_copied = 0;
  int rc;

  g_atomic_int_inc (&self->n_bulk_copy_tries);
  rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &n_log, &n_copied);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    g_debug ("store: copying an import's log into the database: %s", sqlite3_errstr (rc));
  if ((rc == SQLITE_BUSY || (rc == SQLITE_OK && n_copied < n_log)) && !last_try)
    {
      bulk->until = g_get_monotonic_time () + BULK_QUIET_US;
      return FALSE;
    }

  sqlite3_wal_autocheckpoint (self->db, bulk->wal_pages);
  bulk->until = 0;
  bulk->tries = 0;
  g_atomic_int_inc (&self->n_bulk_ends);
  return TRUE;
}

/* Gives glibc's arenas back what they hold free, once nothing waits to be
 * stored: malloc_trim() goes through every arena, the main thread's too,
 * holding each one's lock, and in the middle of an import that stalls the
 * window. FALSE when something waits: then later. */
static gboolean
trim_when_idle (DailiesTaskStore *self)
{
  gboolean more;

  g_mutex_lock (&self->mutex);
  more = self->wake || dailies_task_store_has_queued_locked (self);
  g_mutex_unlock (&self->mutex);
#ifdef __GLIBC__
  if (!more)
    {
      malloc_trim (0);
      g_atomic_int_inc (&self->n_trims);
    }
#endif

  return !more;
}

gpointer
dailies_task_store_writer_thread (gpointer user_data)
{
  DailiesTaskStore *self = user_data;
  gboolean quit = FALSE;
  Bulk bulk = { .until = 0, .tries = 0, .wal_pages = usual_wal_pages (self->db) };
  Journal journal = { G_QUEUE_INIT, g_hash_table_new (dailies_id_hash, g_str_equal), 0, 0 };
  /* New rows that came no more than BULK_QUIET_US apart, and until when
   * more would add to them. */
  guint recent_fresh = 0;
  gint64 recent_until = 0;
  gboolean trim_due = FALSE;
  /* The language, and so the words, stay what they were at the start. */
  g_autofree char *maker = dailies_task_response_upstream_problem_maker ();

  while (!quit)
    {
      g_autoptr(GHashTable) batch = NULL;
      g_autoptr(GPtrArray) earlier = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
      g_autoptr(GError) error = NULL;
      GQueue blocks = G_QUEUE_INIT;
      GQueue to_write = G_QUEUE_INIT;    /* FreshBlock, borrowed */
      GQueue moved = G_QUEUE_INIT;       /* Journaled, out of the journal now */
      GQueue to_journal = G_QUEUE_INIT;  /* Journaled, of blocks */
      guint n_rows = 0;
      guint n_fresh;
      gboolean bulk_rows;
      gboolean ok = TRUE;
      guint64 gen;

      g_mutex_lock (&self->mutex);
      while (!self->wake && !self->quit)
        {
          /* Woken by the end of an import, or for another try at a
           * journal whose move failed, when no change comes before. */
          gint64 deadline = bulk.until != 0 ? bulk.until : journal_retry_time (&journal);

          if (deadline == 0)
            g_cond_wait (&self->work_cond, &self->mutex);
          else if (!g_cond_wait_until (&self->work_cond, &self->mutex, deadline) &&
                   !self->wake && !self->quit)
            {
              g_mutex_unlock (&self->mutex);
              move_journaled (self, &journal, maker, FALSE);
              /* The import is over: what it freed on every thread (its
               * reading, its batches, these rows) is given back now rather
               * than kept for the life of the app (2.6-14.5 MiB after
               * 100,000 IDs). */
              if (bulk.until != 0 && end_bulk (self, &bulk))
                trim_due = TRUE;
              if (trim_due && trim_when_idle (self))
                trim_due = FALSE;
              g_mutex_lock (&self->mutex);
            }
        }
      quit = self->quit;
      self->wake = FALSE;
      gen = self->queued_gen;
      if (g_hash_table_size (self->pending) > 0)
        {
          batch = g_steal_pointer (&self->pending);
          self->pending = dailies_task_store_pending_table_new ();
          n_rows += g_hash_table_size (batch);
        }
      blocks = self->fresh;
      g_queue_init (&self->fresh);
      n_fresh = self->n_fresh;
      n_rows += self->n_fresh;
      self->n_fresh = 0;
      g_mutex_unlock (&self->mutex);

      if (n_fresh > 0)
        {
          gint64 now = g_get_monotonic_time ();

          if (now > recent_until)
            recent_fresh = 0;
          recent_fresh += n_fresh;
          recent_until = now + BULK_QUIET_US;
        }
      bulk_rows = bulk.wal_pages > 0 && n_fresh > 0 && (bulk.until != 0 || recent_fresh >= BULK_ROWS);
      if (bulk_rows && bulk.until == 0)
        sqlite3_wal_autocheckpoint (self->db, DAILIES_TASK_STORE_BULK_WAL_PAGES);

      /* With no import going on, what a failed move left in the journal
       * goes on its own, so that a lasting cause (a disk too full for
       * 100,000 rows) fails no other change, and once the wait after the
       * last failure is over. Then the journal's additions
       * that hold an ID this batch changes go into tasks, first, in its
       * transaction; an import's new additions go into the journal,
       * unless this batch changes one of their IDs. */
      if (!bulk_rows && bulk.until == 0)
        move_journaled (self, &journal, maker, FALSE);
      if (batch != NULL && journal.items.length > 0)
        {
          GHashTableIter iter;
          gpointer key;

          g_hash_table_iter_init (&iter, batch);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            {
              Journaled *item = g_hash_table_lookup (journal.by_id, key);

              if (item != NULL && g_queue_remove (&journal.items, item))
                g_queue_push_tail (&moved, item);
            }
          g_queue_sort (&moved, compare_journaled, NULL);
        }
      for (GList *l = moved.head; l != NULL; l = l->next)
        g_queue_push_tail (&to_write, ((Journaled *) l->data)->block);
      for (GList *l = blocks.head; l != NULL; l = l->next)
        {
          FreshBlock *block = l->data;

          if (bulk_rows && block_fits_journal (block) && !batch_has_id_of (batch, block))
            {
              Journaled *item = g_new0 (Journaled, 1);

              item->block = block;
              g_queue_push_tail (&to_journal, item);
            }
          else
            g_queue_push_tail (&to_write, block);
        }

      if (n_rows > 0)
        ok = commit_batch (self, batch, &to_write, &moved, &to_journal, earlier, maker, &error);

      if (ok)
        {
          Journaled *item;

          while ((item = g_queue_pop_head (&moved)) != NULL)
            journal_forget (&journal, item);
          while ((item = g_queue_pop_head (&to_journal)) != NULL)
            {
              g_queue_remove (&blocks, item->block);
              journal_keep (&journal, item);
            }
        }
      else
        {
          Journaled *item;

          /* Still in the journal; the new blocks are queued again below. */
          while ((item = g_queue_pop_head (&moved)) != NULL)
            g_queue_push_tail (&journal.items, item);
          g_queue_sort (&journal.items, compare_journaled, NULL);
          g_queue_clear_full (&to_journal, g_free);
        }
      g_queue_clear (&to_write);

      /* Counted from the end of a commit of new rows (a slow one is not
       * the import's end); answers still coming in do not put it off,
       * nor do rows put back after a failure. */
      if (bulk_rows && (ok || bulk.until == 0))
        {
          bulk.until = g_get_monotonic_time () + BULK_QUIET_US;
          if (ok)
            bulk.tries = 0;
        }
      else if (bulk.until != 0 && g_get_monotonic_time () >= bulk.until)
        {
          /* As above, below once nothing more waits. */
          move_journaled (self, &journal, maker, FALSE);
          if (end_bulk (self, &bulk))
            trim_due = TRUE;
        }

      g_mutex_lock (&self->mutex);
      if (!ok)
        {
          GHashTableIter iter;
          gpointer value;
          FreshBlock *block;

          /* Keep what newer changes did not replace, for the next try. */
          if (batch != NULL)
            g_hash_table_iter_init (&iter, batch);
          while (batch != NULL && g_hash_table_iter_next (&iter, NULL, &value))
            {
              if (queue_again_locked (self, value))
                g_hash_table_iter_steal (&iter);
            }
          for (guint i = earlier->len; i > 0; i--)
            {
              if (queue_again_locked (self, g_ptr_array_index (earlier, i - 1)))
                g_ptr_array_steal_index_fast (earlier, i - 1);
            }
          /* Older than any queued since: in front of them. */
          while ((block = g_queue_pop_tail (&blocks)) != NULL)
            {
              g_queue_push_head (&self->fresh, block);
              self->n_fresh += block->n_rows;
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
                       g_hash_table_size (self->pending) + self->n_fresh, error->message);
        }
      else if (n_rows > 0)
        {
          self->failing = FALSE;
          g_clear_error (&self->failure);
          if (note_stored_json_locked (self, batch))
            g_source_set_ready_time (self->stored_source, 0);
        }
      self->done_gen = gen;
      g_cond_broadcast (&self->done_cond);
      g_mutex_unlock (&self->mutex);

      g_clear_pointer (&batch, g_hash_table_unref);
      g_queue_clear_full (&blocks, g_free);

      /* The rows of a bulk change were copies, freed here: glibc would
       * keep this thread's arena at its largest otherwise. */
      if (ok && n_rows >= TRIM_BATCH)
        trim_due = TRUE;
      if (trim_due && trim_when_idle (self))
        trim_due = FALSE;
    }

  /* Closing copies the log only when no other connection is open (the
   * JSON reader's may be): an import still in it would stay unsynced. */
  move_journaled (self, &journal, maker, TRUE);
  if (bulk.until != 0)
    {
      bulk.tries = BULK_TRIES;
      end_bulk (self, &bulk);
    }
  /* What could not be moved is the next start's. */
  g_queue_clear_full (&journal.items, (GDestroyNotify) journaled_free);
  g_hash_table_unref (journal.by_id);
  dailies_task_store_close_database (&self->db, &self->stmts);

  return NULL;
}

/* Main thread: the tasks whose JSON the writer committed read it from the
 * database from now on, as if loaded. The work is the batch's. */
gboolean
dailies_task_store_stored_source_cb (gpointer user_data)
{
  DailiesTaskStore *self = user_data;
  g_autoptr(GPtrArray) stored = NULL;

  g_mutex_lock (&self->mutex);
  stored = g_steal_pointer (&self->stored_json);
  self->stored_json = g_ptr_array_new_with_free_func ((GDestroyNotify) dailies_task_store_stored_json_free);
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < stored->len; i++)
    {
      StoredJson *item = g_ptr_array_index (stored, i);
      DailiesTask *task = g_hash_table_lookup (self->by_id, item->id);

      if (task != NULL)
        dailies_task_leave_json_stored (task, item->json, self->json_source);
    }

  return G_SOURCE_CONTINUE;
}

void
dailies_task_store_wake_writer_locked (DailiesTaskStore *self)
{
  self->wake = TRUE;
  g_cond_signal (&self->work_cond);
}

gboolean
dailies_task_store_wake_source_cb (gpointer user_data)
{
  DailiesTaskStore *self = user_data;

  g_mutex_lock (&self->mutex);
  dailies_task_store_wake_writer_locked (self);
  g_mutex_unlock (&self->mutex);

  return G_SOURCE_CONTINUE;
}

gboolean
dailies_task_store_failed_source_cb (gpointer user_data)
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
      dailies_task_store_emit_write_failed (self, error);
      g_error_free (error);
    }

  return G_SOURCE_CONTINUE;
}

/* Hands @rows to the writer; a newer row of a task replaces the older one
 * still waiting, so a burst of changes costs one write. The writer is woken
 * when the main loop has handled what is ready (after drawing, too), so the
 * answers that arrive together share one transaction instead of one each;
 * rows of answers alone wait up to ANSWER_DELAY_US for that; a large
 * backlog wakes it at once. */
void
dailies_task_store_queue_rows (DailiesTaskStore  *self,
                               Row              **rows,
                               guint              n_rows)
{
  gboolean urgent = FALSE;

  if (n_rows == 0)
    return;

  g_mutex_lock (&self->mutex);
  self->queued_gen++;
  for (guint i = 0; i < n_rows; i++)
    {
      Row *older = g_hash_table_lookup (self->pending, rows[i]->fields.id);

      if (older != NULL)
        {
          take_place_of (rows[i], older);
          /* The stored row is still the one before the older. */
          rows[i]->grows |= older->grows;
        }
      urgent |= !rows[i]->answer;
      rows[i]->gen = self->queued_gen;
      g_hash_table_replace (self->pending, rows[i]->fields.id, rows[i]);
    }
  if (g_hash_table_size (self->pending) + self->n_fresh >= WAKE_BACKLOG || self->wake_source == NULL)
    dailies_task_store_wake_writer_locked (self);
  g_mutex_unlock (&self->mutex);

  if (self->wake_source == NULL)
    return;

  if (urgent)
    g_source_set_ready_time (self->wake_source, 0);
  else if (g_source_get_ready_time (self->wake_source) < 0)
    g_source_set_ready_time (self->wake_source, g_get_monotonic_time () + ANSWER_DELAY_US);
}

/* Hands the rows of @tasks, just added and given their places, to the
 * writer as one block, woken as for any other change but an answer. */
void
dailies_task_store_queue_fresh (DailiesTaskStore    *self,
                                DailiesTask * const *tasks,
                                guint                n_tasks)
{
  FreshBlock *block;
  gsize ids_length = 0;
  char *ids;

  if (n_tasks == 0)
    return;

  for (guint i = 0; i < n_tasks; i++)
    ids_length += strlen (dailies_task_get_id (tasks[i])) + 1;

  block = g_malloc (sizeof (FreshBlock) + n_tasks * sizeof (FreshRow) + ids_length);
  block->n_rows = n_tasks;
  ids = (char *) &block->rows[n_tasks];
  for (guint i = 0; i < n_tasks; i++)
    {
      const char *id = dailies_task_get_id (tasks[i]);
      gsize length = strlen (id) + 1;

      g_assert (dailies_task_get_store_position (tasks[i]) > 0);
      block->rows[i].id = memcpy (ids, id, length);
      block->rows[i].position = dailies_task_get_store_position (tasks[i]) - 1;
      block->rows[i].first_seen = dailies_task_get_first_seen (tasks[i]);
      ids += length;
    }

  g_mutex_lock (&self->mutex);
  block->gen = ++self->queued_gen;
  g_queue_push_tail (&self->fresh, block);
  self->n_fresh += n_tasks;
  if (g_hash_table_size (self->pending) + self->n_fresh >= WAKE_BACKLOG || self->wake_source == NULL)
    dailies_task_store_wake_writer_locked (self);
  g_mutex_unlock (&self->mutex);

  if (self->wake_source != NULL)
    g_source_set_ready_time (self->wake_source, 0);
}

void
dailies_task_store_queue_task (DailiesTaskStore *self,
                               DailiesTask      *task)
{
  Row *row = dailies_task_store_row_new_from_task (task);

  dailies_task_store_queue_rows (self, &row, 1);
}

void
dailies_task_store_queue_answer (DailiesTaskStore *self,
                                 DailiesTask      *task,
                                 gboolean          first_json)
{
  Row *row = dailies_task_store_row_new_from_task (task);

  row->answer = TRUE;
  row->grows = first_json && dailies_task_has_raw_json (task);
  dailies_task_store_queue_rows (self, &row, 1);
}
