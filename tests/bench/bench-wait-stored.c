/* bench-wait-stored.c
 *
 * Waits for an import to be stored: until the task database holds the
 * list's last ID and at least N tasks, then prints
 *
 *   stored real_us=T
 *
 * (the wall clock when it saw them) and exits; exits 1 after TIMEOUT_S.
 *
 *   bench-wait-stored DB N LAST_ID [TIMEOUT_S]
 *
 * One process with one read-only connection, checking every 5 ms with an
 * indexed lookup and counting only once that ID is in: a sqlite3 process
 * counting 100,000 rows every 50 ms was both late by up to 60 ms and a load
 * on the machine the import ran on. An import's tasks are stored first in
 * its journal (one row per addition, its IDs one a line), as the app
 * reads them back after a crash: those count, and so does the list's last
 * ID at the end of the journal's last row. One read transaction for it
 * all, so that a move from the journal into tasks is not counted twice;
 * the whole journal is read only once the last ID is in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define PERIOD_US 5000

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *lookup;
  sqlite3_stmt *count;
  sqlite3_stmt *journal;
  sqlite3_stmt *journal_last;
} Reader;

static void
reader_close (Reader *reader)
{
  sqlite3_finalize (reader->lookup);
  sqlite3_finalize (reader->count);
  sqlite3_finalize (reader->journal);
  sqlite3_finalize (reader->journal_last);
  sqlite3_close (reader->db);
  *reader = (Reader) { 0 };
}

/* The database appears when the app starts; its table with the schema. */
static gboolean
reader_open (Reader     *reader,
             const char *path)
{
  if (sqlite3_open_v2 (path, &reader->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_busy_timeout (reader->db, 2000) != SQLITE_OK ||
      sqlite3_prepare_v2 (reader->db, "SELECT 1 FROM tasks WHERE id = ?1", -1, &reader->lookup, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (reader->db, "SELECT count(*) FROM tasks", -1, &reader->count, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (reader->db, "SELECT ids FROM import_journal", -1, &reader->journal, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (reader->db, "SELECT ids FROM import_journal ORDER BY rowid DESC LIMIT 1", -1,
                          &reader->journal_last, NULL) != SQLITE_OK)
    {
      reader_close (reader);
      return FALSE;
    }

  return TRUE;
}

/* Whether @ids, lines, ends with the line @id. */
static gboolean
ends_with_line (const char *ids,
                gsize       length,
                const char *id)
{
  gsize id_length = strlen (id);

  return length >= id_length && memcmp (ids + length - id_length, id, id_length) == 0 &&
         (length == id_length || ids[length - id_length - 1] == '\n');
}

static gboolean
all_stored_locked (Reader     *reader,
                   const char *last_id,
                   gint64      n)
{
  gboolean found;
  gint64 count = 0;

  sqlite3_bind_text (reader->lookup, 1, last_id, -1, SQLITE_STATIC);
  found = sqlite3_step (reader->lookup) == SQLITE_ROW;
  sqlite3_reset (reader->lookup);
  if (!found && sqlite3_step (reader->journal_last) == SQLITE_ROW)
    found = ends_with_line ((const char *) sqlite3_column_text (reader->journal_last, 0),
                            sqlite3_column_bytes (reader->journal_last, 0), last_id);
  sqlite3_reset (reader->journal_last);
  if (!found)
    return FALSE;

  while (sqlite3_step (reader->journal) == SQLITE_ROW)
    {
      const char *ids = (const char *) sqlite3_column_text (reader->journal, 0);
      gsize length = sqlite3_column_bytes (reader->journal, 0);

      count++;
      for (const char *p = ids; (p = memchr (p, '\n', ids + length - p)) != NULL; p++)
        count++;
    }
  sqlite3_reset (reader->journal);
  if (sqlite3_step (reader->count) == SQLITE_ROW)
    count += sqlite3_column_int64 (reader->count, 0);
  sqlite3_reset (reader->count);

  return count >= n;
}

static gboolean
all_stored (Reader     *reader,
            const char *last_id,
            gint64      n)
{
  gboolean stored;

  if (sqlite3_exec (reader->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return FALSE;
  stored = all_stored_locked (reader, last_id, n);
  sqlite3_exec (reader->db, "COMMIT", NULL, NULL, NULL);

  return stored;
}

int
main (int   argc,
      char *argv[])
{
  Reader reader = { 0 };
  gint64 n;
  gint64 deadline;

  if (argc < 4)
    {
      g_printerr ("usage: %s DB N LAST_ID [TIMEOUT_S]\n", argv[0]);
      return 2;
    }

  n = g_ascii_strtoll (argv[2], NULL, 10);
  deadline = g_get_monotonic_time () + (argc > 4 ? g_ascii_strtoll (argv[4], NULL, 10) : 120) * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      /* When the check starts: the count itself takes a few ms. */
      gint64 now = g_get_real_time ();

      if (reader.db != NULL || reader_open (&reader, argv[1]))
        {
          if (all_stored (&reader, argv[3], n))
            {
              printf ("stored real_us=%" G_GINT64_FORMAT "\n", now);
              reader_close (&reader);
              return 0;
            }
        }
      /* A measuring tool's own pace, not a test's synchronisation. */
      g_usleep (PERIOD_US);
    }

  reader_close (&reader);
  return 1;
}
