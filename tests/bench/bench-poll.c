/* bench-poll.c
 *
 * 1,000 tasks asked about once each, by the poller (client + store) and by
 * curl --parallel with the same concurrency, against the same local server
 * in the same run. Prints both times and their ratio.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "bench-server-thread.h"
#include "dailies-api-client.h"
#include "dailies-poller.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

#define N_TASKS 1000

static char *
task_id (guint i)
{
  return g_strdup_printf ("asyntask_Bench%08u", i);
}

static double
run_curl (const char *base,
          guint       concurrency,
          const char *dir)
{
  g_autofree char *config = g_build_filename (dir, "curl.config", NULL);
  g_autofree char *parallel = g_strdup_printf ("%u", concurrency);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GSubprocess) curl = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  for (guint i = 0; i < N_TASKS; i++)
    {
      g_autofree char *id = task_id (i);
      g_string_append_printf (lines, "url = \"%s/v1/video/generations/%s\"\noutput = \"/dev/null\"\n", base, id);
    }
  g_file_set_contents (config, lines->str, -1, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  curl = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                           "curl", "--silent", "--show-error", "--fail", "--no-progress-meter",
                           "--parallel", "--parallel-max", parallel,
                           "-H", "Authorization: Bearer bench",
                           "-K", config, NULL);
  if (curl == NULL || !g_subprocess_wait_check (curl, NULL, &error))
    g_error ("bench: curl failed: %s", error->message);

  return (g_get_monotonic_time () - start) / 1e6;
}

static void
task_terminal_cb (DailiesTask *task,
                  GParamSpec  *pspec,
                  guint       *n_terminal)
{
  if (dailies_task_is_terminal (task))
    (*n_terminal)++;
}

static double
run_poller (const char *base,
            guint       concurrency,
            const char *dir)
{
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db);
  g_autoptr(DailiesApiClient) client = dailies_api_client_new (base);
  g_autoptr(DailiesPoller) poller = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gint64 start, deadline;
  guint n_terminal = 0;

  if (!dailies_task_store_load (store, &error))
    g_error ("bench: store: %s", error->message);
  dailies_api_client_set_api_key (client, "bench");
  poller = dailies_poller_new (store, client, NULL);
  dailies_poller_set_max_concurrent (poller, concurrency);

  for (guint i = 0; i < N_TASKS; i++)
    g_ptr_array_add (ids, task_id (i));

  start = g_get_monotonic_time ();
  deadline = start + 120 * G_USEC_PER_SEC;
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  for (guint i = 0; i < N_TASKS; i++)
    g_signal_connect (dailies_task_store_lookup (store, g_ptr_array_index (ids, i)), "notify::terminal",
                      G_CALLBACK (task_terminal_cb), &n_terminal);
  dailies_poller_start (poller);

  while (n_terminal < N_TASKS)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("bench: the poller did not finish within 120 s");
      g_main_context_iteration (NULL, TRUE);
    }

  return (g_get_monotonic_time () - start) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  guint concurrency = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 4;
  /* First as the issue asks (a server that answers at once), then with a
   * delay like a real API's, where the client's own cost matters less. */
  guint latencies[] = { 0, 20 };

  for (guint i = 0; i < G_N_ELEMENTS (latencies); i++)
    {
      BenchServerThread *server = bench_server_thread_start (latencies[i]);
      const char *base = bench_server_thread_get_base (server);
      g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
      double curl_s, poller_s;

      /* Warm up curl's path once (connections, page cache). */
      run_curl (base, concurrency, dir);

      curl_s = run_curl (base, concurrency, dir);
      poller_s = run_poller (base, concurrency, dir);

      g_print ("poll: %d tasks, %u in flight, server latency %u ms: curl --parallel %.3f s, Dailies poller %.3f s, ratio %.2f%s\n",
               N_TASKS, concurrency, latencies[i], curl_s, poller_s, poller_s / curl_s,
               latencies[i] == 0 ? " (goal <= 1.5)" : "");

      bench_server_thread_stop (server);
      dailies_test_rm_rf (dir);
      g_mkdir_with_parents (dir, 0700);
    }

  dailies_test_rm_rf (dir);

  return 0;
}
