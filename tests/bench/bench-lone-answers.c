/* bench-lone-answers.c
 *
 * What storing one answer costs when answers come one at a time, as they
 * do at the default budget of 10 requests a second: each applied to its
 * task and committed by the store's writer on its own. Against SQLite
 * alone doing the same in the same run: one UPDATE of the task's
 * progress and JSON a transaction, on a database of the same tasks.
 * Prints CPU time and bytes written per answer for both, and the ratio:
 * for tasks answered before (the answer replaces one), and for tasks
 * only listed (each its first answer).
 *   bench-lone-answers [N_TASKS [N_ANSWERS]]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-stats.h"
#include "dailies-task-response.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

#define N_ROUNDS 3

/* An answer about a task still generating, as the real API gives it. */
static const char body_template[] =
  "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\",\"action\":\"generate\","
  "\"status\":\"IN_PROGRESS\",\"fail_reason\":\"\",\"submit_time\":1777288506,\"start_time\":1777288508,"
  "\"finish_time\":0,\"progress\":\"%u%%\",\"request_id\":\"20260427111505260254000NBdvZFoP\","
  "\"data\":{\"id\":\"cgt-20260427191505-9j2q7\",\"model\":\"doubao-seedance-2-0-260128\","
  "\"status\":\"running\",\"content\":{},\"usage\":null,\"created_at\":1777288506,"
  "\"updated_at\":1777288508,\"seed\":4304,\"resolution\":\"720p\",\"ratio\":\"16:9\","
  "\"duration\":5,\"framespersecond\":24}}}";

typedef struct
{
  const char          *id;
  char                *body;
  DailiesTaskResponse *response;
  guint                progress;
} Answer;

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* Bytes this process has handed to write() and its kind so far. */
static double
bytes_written (void)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/io", &contents, NULL, NULL) ||
      (line = strstr (contents, "wchar: ")) == NULL)
    return 0.0;

  return g_ascii_strtod (line + strlen ("wchar: "), NULL);
}

static char *
task_id (guint i)
{
  return g_strdup_printf ("asyntask_Lone%010u", i);
}

/* A store of the tasks of @ids, each answered once (10 %) if @answered,
 * closed. */
static void
make_store (const char *db_path,
            GPtrArray  *ids,
            gboolean    answered)
{
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db_path);
  g_autoptr(GError) error = NULL;

  if (!dailies_task_store_load (store, &error))
    g_error ("bench: %s", error->message);
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  for (guint i = 0; i < ids->len && answered; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autofree char *body = g_strdup_printf (body_template, id, 10);
      g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), &error);

      if (response == NULL)
        g_error ("bench: %s", error->message);
      dailies_task_store_apply_response (store, dailies_task_store_lookup (store, id), response, body, 200);
    }
  if (!dailies_task_store_flush (store, &error))
    g_error ("bench: %s", error->message);
}

/* The store: each answer applied, then the writer let commit it alone.
 * Returns CPU seconds; the store's opening is not counted, its closing
 * (the last copy of the log into the file) is. */
static double
run_store (const char *db_path,
           Answer     *answers,
           guint       n_answers,
           double     *written)
{
  DailiesTaskStore *store = dailies_task_store_new (db_path);
  g_autoptr(GError) error = NULL;
  double cpu, bytes;

  if (!dailies_task_store_load (store, &error))
    g_error ("bench: %s", error->message);

  bytes = bytes_written ();
  cpu = cpu_seconds ();
  for (guint i = 0; i < n_answers; i++)
    {
      dailies_task_store_apply_response (store, dailies_task_store_lookup (store, answers[i].id),
                                         answers[i].response, answers[i].body, 200);
      if (!dailies_task_store_flush (store, &error))
        g_error ("bench: %s", error->message);
      /* As the app's main loop does: the committed JSON leaves memory. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_object_unref (store);
  *written = bytes_written () - bytes;

  return cpu_seconds () - cpu;
}

static void
check (sqlite3    *db,
       int         rc,
       const char *what)
{
  if (rc != SQLITE_OK && rc != SQLITE_DONE)
    g_error ("bench: %s: %s", what, sqlite3_errmsg (db));
}

/* SQLite alone, as the store opens it (WAL, synchronous NORMAL): the
 * task's status, progress and JSON updated, one transaction each. */
static double
run_sqlite (const char *db_path,
            Answer     *answers,
            guint       n_answers,
            double     *written)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *update = NULL;
  double cpu, bytes;

  check (db, sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), "open");
  check (db, sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", NULL, NULL, NULL),
         "pragmas");
  check (db, sqlite3_prepare_v2 (db, "UPDATE tasks SET status = 1, progress = ?1, raw_json = ?2 WHERE id = ?3",
                                 -1, &update, NULL), "prepare");

  bytes = bytes_written ();
  cpu = cpu_seconds ();
  for (guint i = 0; i < n_answers; i++)
    {
      check (db, sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
      sqlite3_bind_int (update, 1, answers[i].progress);
      sqlite3_bind_text (update, 2, answers[i].body, -1, SQLITE_STATIC);
      sqlite3_bind_text (update, 3, answers[i].id, -1, SQLITE_STATIC);
      check (db, sqlite3_step (update), "update");
      sqlite3_reset (update);
      check (db, sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), "commit");
    }
  sqlite3_finalize (update);
  check (db, sqlite3_close (db), "close");
  *written = bytes_written () - bytes;

  return cpu_seconds () - cpu;
}

/* @n_answers answers about the tasks of @ids, answered before or not
 * (@answered), stored by the store and by SQLite alone, alternated so that a
 * slow moment of the machine does not land on one side only. */
static void
compare (const char *dir,
         GPtrArray  *ids,
         Answer     *answers,
         guint       n_answers,
         gboolean    answered)
{
  double store_s[N_ROUNDS], sqlite_s[N_ROUNDS], store_b[N_ROUNDS], sqlite_b[N_ROUNDS];

  for (guint round = 0; round < N_ROUNDS; round++)
    {
      g_autofree char *store_db = g_strdup_printf ("%s/store-%d-%u.db", dir, answered, round);
      g_autofree char *sqlite_db = g_strdup_printf ("%s/sqlite-%d-%u.db", dir, answered, round);

      make_store (store_db, ids, answered);
      make_store (sqlite_db, ids, answered);
      store_s[round] = run_store (store_db, answers, n_answers, &store_b[round]);
      sqlite_s[round] = run_sqlite (sqlite_db, answers, n_answers, &sqlite_b[round]);
    }

  g_print ("lone answers: %u of %u tasks, %s, each stored on its own (its own commit), medians of %d: "
           "the store %.1f us and %.1f KiB written per answer; SQLite alone (one UPDATE a transaction) "
           "%.1f us and %.1f KiB; ratio %.2f in CPU, %.2f in bytes\n",
           n_answers, ids->len, answered ? "each answered before" : "each only listed (its first answer)",
           N_ROUNDS,
           bench_median (store_s, N_ROUNDS) * 1e6 / n_answers, bench_median (store_b, N_ROUNDS) / 1024 / n_answers,
           bench_median (sqlite_s, N_ROUNDS) * 1e6 / n_answers, bench_median (sqlite_b, N_ROUNDS) / 1024 / n_answers,
           bench_median (store_s, N_ROUNDS) / bench_median (sqlite_s, N_ROUNDS),
           bench_median (store_b, N_ROUNDS) / bench_median (sqlite_b, N_ROUNDS));
}

int
main (int   argc,
      char *argv[])
{
  guint n_tasks = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  guint n_answers = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 2000;
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree Answer *answers = NULL;
  g_autoptr(GError) error = NULL;

  /* Each answer about another task: 7,919 is prime. */
  if (n_tasks == 0 || n_answers > n_tasks || n_tasks % 7919 == 0)
    g_error ("bench: give more tasks than answers, and not a multiple of 7,919");

  answers = g_new0 (Answer, n_answers);
  for (guint i = 0; i < n_tasks; i++)
    g_ptr_array_add (ids, task_id (i));
  /* Tasks all over the table, each with a progress of its own. */
  for (guint i = 0; i < n_answers; i++)
    {
      answers[i].id = g_ptr_array_index (ids, (i * 7919u) % n_tasks);
      answers[i].progress = 11 + i % 89;
      answers[i].body = g_strdup_printf (body_template, answers[i].id, answers[i].progress);
      answers[i].response = dailies_task_response_parse (answers[i].body, strlen (answers[i].body), &error);
      if (answers[i].response == NULL)
        g_error ("bench: %s", error->message);
    }

  compare (dir, ids, answers, n_answers, TRUE);
  compare (dir, ids, answers, n_answers, FALSE);

  for (guint i = 0; i < n_answers; i++)
    {
      g_free (answers[i].body);
      g_clear_pointer (&answers[i].response, dailies_task_response_free);
    }
  dailies_test_rm_rf (dir);

  return 0;
}
