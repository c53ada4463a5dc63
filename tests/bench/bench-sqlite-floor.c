/* bench-sqlite-floor.c
 *
 * What SQLite alone takes to store the new rows of an import: the IDs of
 * LIST (one a line) inserted into DB_PATH, an empty store the app made,
 * the way the store's writer does it (sorted, 64 rows a statement, one
 * transaction, or one per N rows), and nothing else. Prints the
 * milliseconds. With --usual-log, SQLite copies its log back into the
 * database every 1,000 pages, as before the writer left that to an
 * import's end.
 *   bench-sqlite-floor [--usual-log] DB_PATH LIST [N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-task-store-private.h"

#define PER_STATEMENT DAILIES_TASK_STORE_FRESH_PER_STATEMENT

static void
check (sqlite3    *db,
       int         rc,
       const char *what)
{
  if (rc != SQLITE_OK && rc != SQLITE_DONE)
    g_error ("bench: %s: %s", what, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GString) sql = g_string_new ("INSERT OR REPLACE INTO tasks (id, position, first_seen, link_expires) VALUES ");
  g_autofree char *text = NULL;
  g_auto(GStrv) ids = NULL;
  guint n = 0;
  guint per_transaction = G_MAXUINT;
  gboolean usual_log = FALSE;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 start;

  if (argc > 1 && g_str_equal (argv[1], "--usual-log"))
    {
      usual_log = TRUE;
      argv[1] = argv[0];
      argv++;
      argc--;
    }
  if (argc != 3 && argc != 4)
    {
      g_printerr ("usage: %s [--usual-log] DB_PATH LIST [ROWS_PER_TRANSACTION]\n", argv[0]);
      return 2;
    }
  if (argc == 4)
    per_transaction = (guint) g_ascii_strtoull (argv[3], NULL, 10) / PER_STATEMENT * PER_STATEMENT;
  if (per_transaction == 0)
    per_transaction = PER_STATEMENT;
  if (!g_file_get_contents (argv[2], &text, NULL, NULL))
    g_error ("bench: cannot read %s", argv[2]);
  ids = g_strsplit (g_strchomp (text), "\n", -1);
  n = g_strv_length (ids);

  check (db, sqlite3_open_v2 (argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL), "open");
  /* As the store sets up its connection, and as its writer stores an
   * import: the log copied back once the import is over, not timed here. */
  check (db, sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -512",
                           NULL, NULL, NULL), "pragmas");
  if (!usual_log)
    sqlite3_wal_autocheckpoint (db, DAILIES_TASK_STORE_BULK_WAL_PAGES);
  for (guint j = 0; j < PER_STATEMENT; j++)
    g_string_append (sql, j == 0 ? "(?, ?, ?, 0)" : ", (?, ?, ?, 0)");
  check (db, sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL), "prepare");

  start = g_get_monotonic_time ();
  qsort (ids, n, sizeof (char *), compare_ids);
  check (db, sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
  for (guint i = 0; i + PER_STATEMENT <= n; i += PER_STATEMENT)
    {
      if (i > 0 && i % per_transaction == 0)
        check (db, sqlite3_exec (db, "COMMIT; BEGIN IMMEDIATE", NULL, NULL, NULL), "commit");
      for (guint j = 0; j < PER_STATEMENT; j++)
        {
          sqlite3_bind_text (stmt, 3 * j + 1, ids[i + j], -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 3 * j + 2, i + j);
          sqlite3_bind_int64 (stmt, 3 * j + 3, 1);
        }
      check (db, sqlite3_step (stmt), "insert");
      sqlite3_reset (stmt);
    }
  /* The last rows (fewer than a statement's) are left out: a few dozen. */
  check (db, sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), "commit");
  g_print ("%.1f\n", (g_get_monotonic_time () - start) / 1000.0);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return 0;
}
