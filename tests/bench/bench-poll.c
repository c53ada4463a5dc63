/* bench-poll.c
 *
 * 1,000 tasks asked about once each, by the poller (client + store) and by
 * curl --parallel with the same concurrency, against the same local server
 * in the same run. Prints both times and their ratio.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "bench-spawn.h"
#include "dailies-api-client.h"
#include "dailies-poller.h"
#include "dailies-ready-source.h"
#include "dailies-task-store.h"
#include "dailies-task-store-private.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

#define N_TASKS 1000
/* Rounds at most, in any of the runs below. */
#define MAX_ROUNDS 15

/* CPU seconds used so far by this process or by the calling thread alone. */
static double
cpu_seconds (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds used so far by another process of ours. */
static double
process_cpu_seconds (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL) ||
      (after_name = strrchr (contents, ')')) == NULL)
    return 0.0;

  /* After "pid (name) ": state is field 0, utime 11 and stime 12. */
  fields = g_strsplit (after_name + 2, " ", 14);
  if (g_strv_length (fields) < 14)
    return 0.0;

  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

/* The CPU seconds so far of this process's thread named @name, or 0 when
 * there is none. Linux makes a thread's CPU clock from its ID, as glibc's
 * pthread_getcpuclockid() does: CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD_MASK. */
static double
thread_cpu_seconds (const char *name)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", entry, "comm", NULL);
      g_autofree char *comm = NULL;
      clockid_t clock = (~(clockid_t) atoi (entry) << 3) | 2 | 4;
      struct timespec now;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_equal (g_strchomp (comm), name) &&
          clock_gettime (clock, &now) == 0)
        return now.tv_sec + now.tv_nsec / 1e9;
    }

  return 0.0;
}

/* The local server: the demo server in a process of its own, as a real
 * server would be, so that it shares neither cores' worth of locks nor an
 * allocator with the poller. */
typedef struct
{
  GPid              pid;
  GOutputStream    *input;
  GDataInputStream *output;
  char             *base;
} Server;

/* @latency_ms < 0: this program as a server of unfinished tasks, whose
 * answers repeat (SERVE_SAME) or whose progress moves (SERVE_MOVING). */
enum { SERVE_SAME = -1, SERVE_MOVING = -2 };

static Server *
server_start (const char *bench_path,
              int         latency_ms)
{
  g_autofree char *dir = g_path_get_dirname (bench_path);
  g_autofree char *program = latency_ms < 0 ? g_strdup (bench_path) : g_build_filename (dir, "bench-server", NULL);
  g_autofree char *latency = latency_ms == SERVE_MOVING ? g_strdup ("serve-moving")
                             : latency_ms < 0 ? g_strdup ("serve-unfinished")
                             : g_strdup_printf ("%d", latency_ms);
  const char *argv[] = { program, latency, NULL };
  g_autoptr(GInputStream) stdout_stream = NULL;
  g_autoptr(GError) error = NULL;
  Server *server = g_new0 (Server, 1);
  int stdin_fd, stdout_fd;

  server->pid = bench_spawn_without_fork (argv, &stdin_fd, &stdout_fd);
  server->input = g_unix_output_stream_new (stdin_fd, TRUE);
  stdout_stream = g_unix_input_stream_new (stdout_fd, TRUE);
  server->output = g_data_input_stream_new (stdout_stream);
  server->base = g_data_input_stream_read_line_utf8 (server->output, NULL, NULL, &error);
  if (server->base == NULL)
    g_error ("bench: the server gave no address: %s", error != NULL ? error->message : "it ended");

  return server;
}

static double
server_cpu_seconds (Server *server)
{
  g_autofree char *pid = g_strdup_printf ("%d", server->pid);

  return process_cpu_seconds (pid);
}

/* Closing its stdin ends the server. Returns what it said last: the
 * server of unfinished tasks says how many it answered. */
static guint
server_stop (Server *server)
{
  g_autofree char *last = NULL;

  g_output_stream_close (server->input, NULL, NULL);
  last = g_data_input_stream_read_line_utf8 (server->output, NULL, NULL, NULL);
  bench_wait_child (server->pid, NULL);
  g_object_unref (server->output);
  g_object_unref (server->input);
  g_free (server->base);
  g_free (server);

  return last != NULL ? (guint) g_ascii_strtoull (last, NULL, 10) : 0;
}

/* The steady state of a real API: every task still running, and every
 * answer about it the same as the one before until something changes;
 * or, while the tasks generate, each answer's progress a new one. */
static guint n_served;
static gboolean progress_moves;
static GHashTable *answers_per_task;   /* ID → answers given about it */

static void
unfinished_handler_cb (SoupServer        *soup_server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  const char *task_id = strrchr (path, '/') + 1;
  guint n_before = GPOINTER_TO_UINT (g_hash_table_lookup (answers_per_task, task_id));
  char *body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{"
                                "\"task_id\":\"%s\",\"action\":\"generate\",\"status\":\"IN_PROGRESS\","
                                "\"fail_reason\":\"\",\"submit_time\":1777288506,\"start_time\":1777288508,"
                                "\"finish_time\":0,\"progress\":\"%u%%\",\"request_id\":\"req-%s\","
                                "\"data\":{\"id\":\"cgt-20260427191505-9j2q7\",\"model\":\"seedance-1-0-pro\","
                                "\"status\":\"running\",\"content\":{},\"usage\":null,"
                                "\"created_at\":1777288506,\"updated_at\":1777288508,\"seed\":42,"
                                "\"resolution\":\"1080p\",\"ratio\":\"16:9\",\"duration\":5,"
                                "\"framespersecond\":24}}}", task_id,
                                /* Each answer about a task another progress than its last. */
                                progress_moves ? 1 + n_before % 99 : 50, task_id);

  n_served++;
  g_hash_table_replace (answers_per_task, g_strdup (task_id), GUINT_TO_POINTER (n_before + 1));
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

/* Each byte on stdin asks for the count so far; its end ends the server. */
static void
stdin_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  static char buffer[1];
  gboolean *closed = user_data;

  if (g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL) <= 0)
    {
      *closed = TRUE;
      return;
    }

  g_print ("%u\n", n_served);
  fflush (stdout);
  g_input_stream_read_async (G_INPUT_STREAM (object), buffer, sizeof buffer, G_PRIORITY_DEFAULT, NULL,
                             stdin_read_cb, closed);
}

static guint
server_count (Server *server)
{
  g_autofree char *line = NULL;

  g_output_stream_write_all (server->input, "?", 1, NULL, NULL, NULL);
  line = g_data_input_stream_read_line_utf8 (server->output, NULL, NULL, NULL);

  return line != NULL ? (guint) g_ascii_strtoull (line, NULL, 10) : 0;
}

static int
serve_unfinished (gboolean moving)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GInputStream) input = g_unix_input_stream_new (0, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  static char buffer[1];
  gboolean closed = FALSE;

  progress_moves = moving;
  answers_per_task = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  soup_server_add_handler (server, "/v1/video/generations/", unfinished_handler_cb, NULL, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("bench: %s", error->message);
  uris = soup_server_get_uris (server);
  g_print ("http://127.0.0.1:%d\n", g_uri_get_port (uris->data));
  fflush (stdout);

  g_input_stream_read_async (input, buffer, sizeof buffer, G_PRIORITY_DEFAULT, NULL, stdin_read_cb, &closed);
  while (!closed)
    g_main_context_iteration (NULL, TRUE);

  g_print ("%u\n", n_served);
  g_hash_table_unref (answers_per_task);
  return 0;
}

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
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "curl", "--silent", "--show-error", "--fail", "--no-progress-meter",
                         "--parallel", "--parallel-max", parallel,
                         "-H", "Authorization: Bearer bench",
                         "-K", config, NULL };
  gint64 start;

  for (guint i = 0; i < N_TASKS; i++)
    {
      g_autofree char *id = task_id (i);
      g_string_append_printf (lines, "url = \"%s/v1/video/generations/%s\"\noutput = \"/dev/null\"\n", base, id);
    }
  g_file_set_contents (config, lines->str, -1, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  if (!bench_wait_child (bench_spawn_without_fork (argv, NULL, NULL), &error))
    g_error ("bench: curl failed: %s", error->message);

  return (g_get_monotonic_time () - start) / 1e6;
}

/* The floor the stack sets: the same session settings and requests, each
 * body parsed by json-glib (or not, for libsoup's share alone) and dropped.
 * No store, no model, no scheduling. */
typedef struct
{
  SoupSession *session;
  const char  *base;
  gboolean     parse;
  guint        concurrency;
  guint        next;
  guint        in_flight;
  guint        done;
  /* Paced, as the poller's steady state: each task asked again @interval
   * after its answer, give or take a tenth as the poller does (@due holds
   * them in the order they come due), none from @end on. Else each task
   * once, as fast as it may. */
  gboolean     paced;
  gint64       interval;
  gint64       end;
  GSequence   *due;
  GSource     *due_source;
} Floor;

typedef struct
{
  guint  task;
  gint64 when;
} Due;

/* As DailiesApiClient sets it up. */
static SoupSession *
floor_session_new (void)
{
  SoupSession *session = soup_session_new_with_options ("user-agent", "Dailies/" PACKAGE_VERSION,
                                                        "timeout", 30,
                                                        "max-conns-per-host", 16,
                                                        "max-conns", 32,
                                                        NULL);

  soup_session_remove_feature_by_type (session, SOUP_TYPE_AUTH_MANAGER);
  return session;
}

static void floor_send_more (Floor *floor);

static int
compare_due (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  const Due *first = a, *second = b;

  return (first->when > second->when) - (first->when < second->when);
}

static void
floor_read_cb (GObject      *object,
               GAsyncResult *res,
               gpointer      user_data)
{
  Floor *floor = user_data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), res, NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length;
  const char *data;

  if (body == NULL)
    g_error ("bench: a request of the floor run failed");
  data = g_bytes_get_data (body, &length);
  if (floor->parse && !json_parser_load_from_data (parser, data, length, NULL))
    g_error ("bench: the floor run got a body that is not JSON");

  floor->in_flight--;
  floor->done++;
  if (floor->paced)
    {
      SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), res);
      Due *again = g_new (Due, 1);

      again->task = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), "bench-task"));
      again->when = g_get_monotonic_time () + (gint64) (floor->interval * g_random_double_range (0.9, 1.1));
      g_sequence_insert_sorted (floor->due, again, compare_due, NULL);
    }
  floor_send_more (floor);
}

/* The task to ask next, or -1: none is due yet (the source is then armed
 * for the first that will be), or the run is over. */
static gint64
floor_next_task (Floor *floor)
{
  Due *first;
  gint64 now;
  guint task;

  if (!floor->paced)
    return floor->next < N_TASKS ? (gint64) floor->next++ : -1;

  first = g_sequence_get_length (floor->due) > 0
          ? g_sequence_get (g_sequence_get_begin_iter (floor->due)) : NULL;
  now = g_get_monotonic_time ();
  if (first == NULL || first->when >= floor->end)
    {
      /* Woken at the end, so that a run with nothing in flight ends. */
      if (floor->end > now)
        g_source_set_ready_time (floor->due_source, floor->end);
      return -1;
    }
  if (first->when > now)
    {
      g_source_set_ready_time (floor->due_source, first->when);
      return -1;
    }

  task = first->task;
  g_sequence_remove (g_sequence_get_begin_iter (floor->due));
  return task;
}

static void
floor_send_more (Floor *floor)
{
  gint64 task;

  while (floor->in_flight < floor->concurrency && (task = floor_next_task (floor)) >= 0)
    {
      g_autofree char *id = task_id ((guint) task);
      g_autofree char *url = g_strdup_printf ("%s/v1/video/generations/%s", floor->base, id);
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

      soup_message_headers_replace (headers, "Authorization", "Bearer bench");
      soup_message_headers_replace (headers, "Accept", "application/json");
      g_object_set_data (G_OBJECT (msg), "bench-task", GUINT_TO_POINTER ((guint) task));
      soup_session_send_and_read_async (floor->session, msg, G_PRIORITY_DEFAULT, NULL,
                                        floor_read_cb, floor);
      floor->in_flight++;
    }
}

/* The CPU seconds of the last run_floor() from its first request to its
 * last answer: what the poller's answers-only figure is held against. */
static double floor_answers_cpu;

/* Not inlined, for callgrind --toggle-collect=run_floor. */
G_GNUC_NO_INLINE static double
run_floor (const char *base,
           guint       concurrency,
           gboolean    parse)
{
  Floor floor = { .base = base, .parse = parse, .concurrency = concurrency };
  gint64 start;

  floor.session = floor_session_new ();

  start = g_get_monotonic_time ();
  floor_answers_cpu = cpu_seconds (RUSAGE_SELF);
  floor_send_more (&floor);
  while (floor.done < N_TASKS)
    g_main_context_iteration (NULL, TRUE);
  floor_answers_cpu = cpu_seconds (RUSAGE_SELF) - floor_answers_cpu;

  g_object_unref (floor.session);

  return (g_get_monotonic_time () - start) / 1e6;
}

static gboolean
floor_due_cb (gpointer user_data)
{
  floor_send_more (user_data);
  return G_SOURCE_CONTINUE;
}

/* Beside the floor, which the goal is held against: the stack alone asked
 * as the poller asks in its steady state, every task again @interval
 * seconds after its answer (give or take a tenth), as many at once. The
 * floor asks as fast as it may and never sleeps and wakes between
 * answers; this tells how much of the poller's cost any client asking at
 * that pace pays. After a first pass over the tasks, returns the CPU
 * seconds of @seconds of that, the answers in @n_answers. */
G_GNUC_NO_INLINE static double
run_floor_paced (const char *base,
                 guint       concurrency,
                 double      interval,
                 double      seconds,
                 guint      *n_answers)
{
  Floor floor = { .base = base, .parse = TRUE, .concurrency = concurrency, .paced = TRUE };
  gint64 now = g_get_monotonic_time ();
  guint n_before;
  double cpu;

  floor.session = floor_session_new ();
  /* Fires at its ready time and stays put until set again (a timeout
   * source would set its own next time after each dispatch). */
  floor.due_source = dailies_ready_source_new ("[bench] floor due", G_PRIORITY_DEFAULT,
                                               floor_due_cb, &floor, NULL);
  floor.interval = (gint64) (interval * G_USEC_PER_SEC);
  floor.end = G_MAXINT64;
  floor.due = g_sequence_new (g_free);
  for (guint i = 0; i < N_TASKS; i++)
    {
      Due *first = g_new (Due, 1);

      first->task = i;
      first->when = now;
      g_sequence_append (floor.due, first);
    }

  /* The first pass, as the poller's, is not counted. */
  floor_send_more (&floor);
  while (floor.done < N_TASKS)
    g_main_context_iteration (NULL, TRUE);

  n_before = floor.done;
  cpu = cpu_seconds (RUSAGE_SELF);
  floor.end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < floor.end)
    g_main_context_iteration (NULL, TRUE);
  cpu = cpu_seconds (RUSAGE_SELF) - cpu;
  *n_answers = floor.done - n_before;

  /* The answers still on their way are let go with the session. */
  floor.end = 0;
  while (floor.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_sequence_free (floor.due);
  g_source_destroy (floor.due_source);
  g_source_unref (floor.due_source);
  g_object_unref (floor.session);

  return cpu;
}

/* Apart, so that callgrind --toggle-collect can take each alone. */
G_GNUC_NO_INLINE static double
run_floor_json (const char *base,
                guint       concurrency)
{
  double seconds = run_floor (base, concurrency, TRUE);

  /* Something after the call: a tail call would hide this frame from callgrind. */
  g_debug ("bench: floor with json-glib %.3f s", seconds);
  return seconds;
}

G_GNUC_NO_INLINE static double
run_floor_soup (const char *base,
                guint       concurrency)
{
  double seconds = run_floor (base, concurrency, FALSE);

  g_debug ("bench: floor without json-glib %.3f s", seconds);
  return seconds;
}

static double
median (double *values,
        guint   n)
{
  double sorted[n];

  memcpy (sorted, values, n * sizeof *values);
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
      {
        double t = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = t;
      }

  return sorted[n / 2];
}

/* The lowest and the highest of @values. */
static void
value_range (const double *values,
             guint         n,
             double       *low,
             double       *high)
{
  *low = *high = values[0];
  for (guint i = 1; i < n; i++)
    {
      *low = MIN (*low, values[i]);
      *high = MAX (*high, values[i]);
    }
}

/* The system CPU seconds and the context switches (voluntary or not) of
 * this process: threads and wakeups cost more than their instructions. */
typedef struct
{
  double sys_s;
  double switches;
  double faults;
  double main_sys_s;
  double main_faults;
} Usage;

static Usage
usage_now (void)
{
  struct rusage usage, main_usage;

  getrusage (RUSAGE_SELF, &usage);
  getrusage (RUSAGE_THREAD, &main_usage);
  return (Usage) {
    .sys_s = usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6,
    .switches = usage.ru_nvcsw + usage.ru_nivcsw,
    .faults = usage.ru_minflt + usage.ru_majflt,
    .main_sys_s = main_usage.ru_stime.tv_sec + main_usage.ru_stime.tv_usec / 1e6,
    .main_faults = main_usage.ru_minflt + main_usage.ru_majflt,
  };
}

static Usage
usage_since (Usage before)
{
  Usage now = usage_now ();

  return (Usage) {
    now.sys_s - before.sys_s,
    now.switches - before.switches,
    now.faults - before.faults,
    now.main_sys_s - before.main_sys_s,
    now.main_faults - before.main_faults,
  };
}

/* What a round's usage comes to per task: medians over the rounds. */
typedef struct
{
  double sys_us;
  double switches;
  double faults;
  double main_sys_us;
  double main_faults;
} UsagePerTask;

static UsagePerTask
usage_per_task (const Usage *usage,
                guint        n)
{
  double sys_s[MAX_ROUNDS], counts[MAX_ROUNDS], faults[MAX_ROUNDS], main_sys_s[MAX_ROUNDS], main_faults[MAX_ROUNDS];

  for (guint i = 0; i < n; i++)
    {
      sys_s[i] = usage[i].sys_s;
      counts[i] = usage[i].switches;
      faults[i] = usage[i].faults;
      main_sys_s[i] = usage[i].main_sys_s;
      main_faults[i] = usage[i].main_faults;
    }

  return (UsagePerTask) {
    median (sys_s, n) * 1e6 / N_TASKS,
    median (counts, n) / N_TASKS,
    median (faults, n) / N_TASKS,
    median (main_sys_s, n) * 1e6 / N_TASKS,
    median (main_faults, n) / N_TASKS,
  };
}

/* One handler on the store, as the app's own followers of answers have:
 * a notify handler on each task made every notification of every task
 * a signal emission, which the app does not pay. */
static void
task_finished_cb (DailiesTaskStore *store,
                  DailiesTask      *task,
                  gboolean          link_changed,
                  gboolean          finished,
                  guint            *n_finished)
{
  if (finished)
    (*n_finished)++;
}

/* Where a round of the poller spends its CPU (all threads), in seconds:
 * what happens outside the answers is paid once a round here, once per
 * install or start in the app. */
typedef struct
{
  double open;      /* the store made and loaded */
  double client;    /* the client and the poller made */
  double add;       /* the tasks added, and their rows written */
  double answers;   /* the first request to the last answer saved */
  double close;     /* the poller, the client and the store let go */
  double writer;    /* the store's writer thread, until closing */
} Phases;

/* Not inlined, so that callgrind --toggle-collect=run_poller can take it alone.
 * @phases: the CPU seconds of each part of the round. */
G_GNUC_NO_INLINE static double
run_poller (const char *base,
            guint       concurrency,
            const char *dir,
            Phases     *phases)
{
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  DailiesTaskStore *store;
  DailiesApiClient *client;
  DailiesPoller *poller;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gint64 start, deadline;
  double elapsed, cpu;
  guint n_terminal = 0;

  for (guint i = 0; i < N_TASKS; i++)
    g_ptr_array_add (ids, task_id (i));

  cpu = cpu_seconds (RUSAGE_SELF);
  store = dailies_task_store_new (db);
  if (!dailies_task_store_load (store, &error))
    g_error ("bench: store: %s", error->message);
  phases->open = cpu_seconds (RUSAGE_SELF) - cpu;

  cpu = cpu_seconds (RUSAGE_SELF);
  client = dailies_api_client_new (base);
  dailies_api_client_set_api_key (client, "bench");
  poller = dailies_poller_new (store, client, NULL);
  dailies_poller_set_max_concurrent (poller, concurrency);
  phases->client = cpu_seconds (RUSAGE_SELF) - cpu;

  cpu = cpu_seconds (RUSAGE_SELF);
  start = g_get_monotonic_time ();
  deadline = start + 120 * G_USEC_PER_SEC;
  g_signal_connect (store, "task-answered", G_CALLBACK (task_finished_cb), &n_terminal);
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  /* The added tasks' rows are written before the answers are timed. */
  if (!dailies_task_store_flush (store, &error))
    g_error ("bench: store: %s", error->message);
  phases->add = cpu_seconds (RUSAGE_SELF) - cpu;

  cpu = cpu_seconds (RUSAGE_SELF);
  dailies_poller_start (poller);

  while (n_terminal < N_TASKS)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("bench: the poller did not finish within 120 s");
      g_main_context_iteration (NULL, TRUE);
    }

  elapsed = (g_get_monotonic_time () - start) / 1e6;
  /* The last answers' rows are written too: the writer is in the process. */
  if (!dailies_task_store_flush (store, &error))
    g_error ("bench: store: %s", error->message);
  phases->answers = cpu_seconds (RUSAGE_SELF) - cpu;
  phases->writer = thread_cpu_seconds ("dailies-store");

  cpu = cpu_seconds (RUSAGE_SELF);
  g_object_unref (poller);
  g_object_unref (client);
  g_object_unref (store);
  phases->close = cpu_seconds (RUSAGE_SELF) - cpu;

  return elapsed;
}

static void
count_answer_cb (DailiesTaskStore *store,
                 DailiesTask      *task,
                 gboolean          link_changed,
                 gboolean          finished,
                 guint            *n_answered)
{
  (*n_answered)++;
}

/* Not inlined, for callgrind --toggle-collect=steady_state. */
G_GNUC_NO_INLINE static void
steady_state (gint64 end)
{
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

/* The poller asking about unfinished tasks at a 1 s interval with no
 * budget: after the first answer about each, every answer repeats the one
 * before. Returns the CPU seconds of @seconds of that steady state, and
 * the answers the server gave meanwhile in @n_answers. */
G_GNUC_NO_INLINE static double
run_poller_repeats (Server     *server,
                    guint       concurrency,
                    const char *dir,
                    double      seconds,
                    guint      *n_answers,
                    double     *writer_cpu)
{
  const char *base = server->base;
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db);
  g_autoptr(DailiesApiClient) client = dailies_api_client_new (base);
  g_autoptr(DailiesPoller) poller = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint n_answered = 0;
  guint n_before;
  double cpu;

  if (!dailies_task_store_load (store, &error))
    g_error ("bench: store: %s", error->message);
  dailies_api_client_set_api_key (client, "bench");
  poller = dailies_poller_new (store, client, NULL);
  dailies_poller_set_max_concurrent (poller, concurrency);
  dailies_poller_set_interval (poller, 1);
  /* No budget, and no stretching of the interval by the concurrency. */
  dailies_poller_set_requests_per_second (poller, 1000000);

  for (guint i = 0; i < N_TASKS; i++)
    g_ptr_array_add (ids, task_id (i));
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  g_signal_connect (store, "task-answered", G_CALLBACK (count_answer_cb), &n_answered);
  dailies_poller_start (poller);

  /* The first pass parses and stores every task once. */
  while (n_answered < N_TASKS)
    g_main_context_iteration (NULL, TRUE);

  n_before = server_count (server);
  cpu = cpu_seconds (RUSAGE_SELF);
  *writer_cpu = thread_cpu_seconds ("dailies-store");
  steady_state (g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC));
  cpu = cpu_seconds (RUSAGE_SELF) - cpu;
  *writer_cpu = thread_cpu_seconds ("dailies-store") - *writer_cpu;
  *n_answers = server_count (server) - n_before;

  dailies_poller_stop (poller);

  return cpu;
}

/* The steady state: the same tasks asked again and again, their answers
 * the same as before or, with @moving, each with a new progress (parsed
 * and written). Prints CPU per answer of the poller and of the stack
 * alone, with their ratio. */
static void
bench_repeats (const char *bench_path,
               guint       concurrency,
               const char *dir,
               guint       n_rounds,
               gboolean    moving)
{
  double poller_us[5], writer_us[5], floor_us[5], paced_us[5], ratio[5], paced_ratio[5];

  for (guint round = 0; round < n_rounds; round++)
    {
      Server *server = server_start (bench_path, moving ? SERVE_MOVING : SERVE_SAME);
      double cpu, writer_cpu;
      guint n_answers, n_paced = 0;

      cpu = cpu_seconds (RUSAGE_SELF);
      run_floor_json (server->base, concurrency);
      floor_us[round] = (cpu_seconds (RUSAGE_SELF) - cpu) * 1e6 / N_TASKS;

      /* The stack alone asking in the poller's way, over as long: before
       * the poller in every other round, so that a slow spell of the
       * machine does not land on one side only (a run of one round, as
       * "repeats" makes, has it after). */
      if (round % 2 == 1)
        paced_us[round] = run_floor_paced (server->base, concurrency, 1.0, 3.0, &n_paced);
      cpu = run_poller_repeats (server, concurrency, dir, 3.0, &n_answers, &writer_cpu);
      if (round % 2 == 0)
        paced_us[round] = run_floor_paced (server->base, concurrency, 1.0, 3.0, &n_paced);
      server_stop (server);

      poller_us[round] = cpu * 1e6 / MAX (n_answers, 1);
      writer_us[round] = writer_cpu * 1e6 / MAX (n_answers, 1);
      paced_us[round] = paced_us[round] * 1e6 / MAX (n_paced, 1);
      ratio[round] = poller_us[round] / floor_us[round];
      paced_ratio[round] = poller_us[round] / paced_us[round];
      g_print ("poll:   steady state: %u answers in 3 s, %.0f us each (its writer thread %.0f), ratio %.2f; "
               "the stack alone asking in the same way %u, %.0f us each, ratio %.2f\n",
               n_answers, poller_us[round], writer_us[round], ratio[round],
               n_paced, paced_us[round], paced_ratio[round]);
      dailies_test_rm_rf (dir);
      g_mkdir_with_parents (dir, 0700);
    }

  g_print ("poll: steady state, %d unfinished tasks asked again and again, %s, %u in flight, medians of %u: "
           "CPU per answer: the poller %.0f us (its writer thread %.0f), the stack alone %.0f us, ratio %.2f (goal <= 1.15); "
           "the stack alone asking in the same way (each task again 0.9-1.1 s after its answer) %.0f us, ratio %.2f\n",
           N_TASKS, moving ? "each answer's progress new (every answer parsed and written)"
                           : "each answer the same as the last (neither parsed nor written)",
           concurrency, n_rounds, median (poller_us, n_rounds), median (writer_us, n_rounds),
           median (floor_us, n_rounds), median (ratio, n_rounds),
           median (paced_us, n_rounds), median (paced_ratio, n_rounds));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  guint concurrency;

  if (argc > 1 && g_str_equal (argv[1], "serve-unfinished"))
    return serve_unfinished (FALSE);
  if (argc > 1 && g_str_equal (argv[1], "serve-moving"))
    return serve_unfinished (TRUE);

  dir = dailies_test_make_temp_dir ();
  concurrency = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 4;
  /* First as the issue asks (a server that answers at once), then with a
   * delay like a real API's, where the client's own cost matters less.
   * "quick" skips the second, for profiling under callgrind. */
  guint latencies[] = { 0, 20 };
  gboolean quick = argc > 2 && g_str_equal (argv[2], "quick");
  /* "answers": the answering server's rounds alone, for comparing
   * two builds run one after the other. */
  gboolean answers_only = argc > 2 && g_str_equal (argv[2], "answers");
  guint n_latencies = quick || answers_only ? 1 : G_N_ELEMENTS (latencies);
  /* "slow": one round against the server with a real API's latency alone,
   * for profiling. */
  gboolean slow_only = argc > 2 && g_str_equal (argv[2], "slow");
  guint first_latency = slow_only ? 1 : 0;

  /* "repeats", "repeats-moving": a steady state alone, for profiling
   * under callgrind. */
  if (argc > 2 && g_str_has_prefix (argv[2], "repeats"))
    {
      bench_repeats (argv[0], concurrency, dir, 1, g_str_equal (argv[2], "repeats-moving"));
      dailies_test_rm_rf (dir);
      return 0;
    }

  for (guint i = first_latency; i < n_latencies; i++)
    {
      Server *server = server_start (argv[0], (int) latencies[i]);
      const char *base = server->base;
      /* Rounds alternate the runs so that a slow moment of the machine
       * does not land on one of them only; medians are printed. Fifteen
       * against the answering server, as its CPU figures are the goal's. */
      guint n_rounds = quick || slow_only ? 1 : (latencies[i] == 0 ? MAX_ROUNDS : 3);
      double curl_s[MAX_ROUNDS], poller_s[MAX_ROUNDS], floor_s[MAX_ROUNDS], soup_s[MAX_ROUNDS];
      double cpu_server_curl[MAX_ROUNDS], cpu_server_poller[MAX_ROUNDS], cpu_server_floor[MAX_ROUNDS], cpu_poller[MAX_ROUNDS], cpu_main[MAX_ROUNDS], cpu_floor[MAX_ROUNDS];
      double cpu_answers[MAX_ROUNDS], cpu_floor_answers[MAX_ROUNDS];
      double cpu_open[MAX_ROUNDS], cpu_client[MAX_ROUNDS], cpu_add[MAX_ROUNDS], cpu_close[MAX_ROUNDS];
      double cpu_writer[MAX_ROUNDS], cpu_others[MAX_ROUNDS], main_ratio[MAX_ROUNDS], round_ratio[MAX_ROUNDS];
      Phases phases;
      Usage usage_poller[MAX_ROUNDS], usage_floor[MAX_ROUNDS];
      UsagePerTask per_poller, per_floor;
      double curl_m, poller_m, floor_m, soup_m, low_ratio, high_ratio;

      /* Warm up curl's path once (connections, page cache). */
      run_curl (base, concurrency, dir);

      for (guint round = 0; round < n_rounds; round++)
        {
          cpu_server_curl[round] = server_cpu_seconds (server);
          curl_s[round] = run_curl (base, concurrency, dir);
          cpu_server_curl[round] = server_cpu_seconds (server) - cpu_server_curl[round];

          /* The stack alone first in every other round, as in bench_repeats:
           * whichever runs second finds the caches as the first left them. */
          for (guint step = 0; step < 2; step++)
            {
              if ((step == 0) != (round % 2 == 0))
                {
                  cpu_server_floor[round] = server_cpu_seconds (server);
                  cpu_floor[round] = cpu_seconds (RUSAGE_SELF);
                  usage_floor[round] = usage_now ();
                  floor_s[round] = run_floor_json (base, concurrency);
                  cpu_server_floor[round] = server_cpu_seconds (server) - cpu_server_floor[round];
                  cpu_floor_answers[round] = floor_answers_cpu;
                  usage_floor[round] = usage_since (usage_floor[round]);
                  cpu_floor[round] = cpu_seconds (RUSAGE_SELF) - cpu_floor[round];
                  continue;
                }

              cpu_server_poller[round] = server_cpu_seconds (server);
              cpu_poller[round] = cpu_seconds (RUSAGE_SELF);
              cpu_main[round] = cpu_seconds (RUSAGE_THREAD);
              usage_poller[round] = usage_now ();
              poller_s[round] = run_poller (base, concurrency, dir, &phases);
              usage_poller[round] = usage_since (usage_poller[round]);
              cpu_poller[round] = cpu_seconds (RUSAGE_SELF) - cpu_poller[round];
              cpu_main[round] = cpu_seconds (RUSAGE_THREAD) - cpu_main[round];
              cpu_server_poller[round] = server_cpu_seconds (server) - cpu_server_poller[round];
              cpu_open[round] = phases.open;
              cpu_client[round] = phases.client;
              cpu_add[round] = phases.add;
              cpu_answers[round] = phases.answers;
              cpu_close[round] = phases.close;
              cpu_writer[round] = phases.writer;
              dailies_test_rm_rf (dir);
              g_mkdir_with_parents (dir, 0700);
            }
          soup_s[round] = run_floor_soup (base, concurrency);
          g_print ("poll:   round %u, %s first: CPU per answer: the poller %.0f us, the stack alone %.0f us, ratio %.2f\n",
                   round + 1, round % 2 == 0 ? "the poller" : "the stack alone",
                   cpu_poller[round] * 1e6 / N_TASKS, cpu_floor[round] * 1e6 / N_TASKS,
                   cpu_poller[round] / cpu_floor[round]);
          /* Each round's own shares, then their medians. */
          round_ratio[round] = cpu_poller[round] / cpu_floor[round];
          main_ratio[round] = cpu_main[round] / cpu_floor[round];
          cpu_others[round] = cpu_poller[round] - cpu_main[round] - cpu_writer[round];
        }

      curl_m = median (curl_s, n_rounds);
      poller_m = median (poller_s, n_rounds);
      floor_m = median (floor_s, n_rounds);
      soup_m = median (soup_s, n_rounds);
      g_print ("poll: %d tasks, %u in flight, server latency %u ms, median of %u: curl --parallel %.3f s, Dailies poller %.3f s, ratio %.2f%s\n",
               N_TASKS, concurrency, latencies[i], n_rounds,
               curl_m, poller_m, poller_m / curl_m,
               latencies[i] == 0 ? " (goal <= 1.5)" : " (goal <= 1.05)");
      /* In wall time: the goal of 1.15 is the CPU's, below. */
      g_print ("poll:   the stack alone (libsoup fetch + json-glib parse, nothing kept): %.3f s, ratio %.2f to curl; the poller is %.2f times that\n",
               floor_m, floor_m / curl_m, poller_m / floor_m);
      /* The machine's speed can change by half from one round to the next
       * (seen on the 2-core machine here): the median of each round's own
       * ratio, the two measured side by side, is the figure to go by. */
      value_range (round_ratio, n_rounds, &low_ratio, &high_ratio);
      g_print ("poll:   CPU per answer: the poller %.0f us, the stack alone %.0f us (medians), ratio %.2f; "
               "the median of each round's own ratio %.2f (goal <= 1.15; rounds from %.2f to %.2f)\n",
               median (cpu_poller, n_rounds) * 1e6 / N_TASKS, median (cpu_floor, n_rounds) * 1e6 / N_TASKS,
               median (cpu_poller, n_rounds) / median (cpu_floor, n_rounds),
               median (round_ratio, n_rounds), low_ratio, high_ratio);
      g_print ("poll:   of the poller's CPU per answer (medians of each round's): its main thread %.0f us, %.2f times the stack alone's whole CPU; "
               "its writer thread until closing (the tasks' rows and the answers') %.0f us; the rest, closing the writer's SQLite file among it, %.0f us\n",
               median (cpu_main, n_rounds) * 1e6 / N_TASKS, median (main_ratio, n_rounds),
               median (cpu_writer, n_rounds) * 1e6 / N_TASKS, median (cpu_others, n_rounds) * 1e6 / N_TASKS);
      g_print ("poll:   CPU per answer from the first request to the last answer (saved, for the poller; no making of the store or the session, no adding of the tasks, no closing): the poller %.0f us, the stack alone %.0f us, ratio %.2f\n",
               median (cpu_answers, n_rounds) * 1e6 / N_TASKS,
               median (cpu_floor_answers, n_rounds) * 1e6 / N_TASKS,
               median (cpu_answers, n_rounds) / median (cpu_floor_answers, n_rounds));
      g_print ("poll:   of the poller's CPU per answer (medians, us): making and loading the store %.1f, the client and the poller %.1f, adding the tasks %.1f, the answers %.1f, closing %.1f\n",
               median (cpu_open, n_rounds) * 1e6 / N_TASKS, median (cpu_client, n_rounds) * 1e6 / N_TASKS,
               median (cpu_add, n_rounds) * 1e6 / N_TASKS, median (cpu_answers, n_rounds) * 1e6 / N_TASKS,
               median (cpu_close, n_rounds) * 1e6 / N_TASKS);
      per_poller = usage_per_task (usage_poller, n_rounds);
      per_floor = usage_per_task (usage_floor, n_rounds);
      g_print ("poll:   of the CPU per answer, system time: the poller %.0f us (main thread %.0f), the stack alone %.0f us (main thread %.0f); context switches per answer: %.2f and %.2f; page faults per answer: %.2f (main thread %.2f) and %.2f (main thread %.2f)\n",
               per_poller.sys_us, per_poller.main_sys_us, per_floor.sys_us, per_floor.main_sys_us,
               per_poller.switches, per_floor.switches,
               per_poller.faults, per_poller.main_faults, per_floor.faults, per_floor.main_faults);
      g_print ("poll:   libsoup alone (the same fetches, no parse): %.3f s, ratio %.2f to curl\n",
               soup_m, soup_m / curl_m);
      g_print ("poll:   CPU: the server %.0f ms for curl, %.0f ms for the stack alone, %.0f ms for the poller; the poller %.0f ms, of which its main thread %.0f ms\n",
               median (cpu_server_curl, n_rounds) * 1000, median (cpu_server_floor, n_rounds) * 1000,
               median (cpu_server_poller, n_rounds) * 1000,
               median (cpu_poller, n_rounds) * 1000, median (cpu_main, n_rounds) * 1000);

      server_stop (server);
    }

  if (!quick && !answers_only && !slow_only)
    {
      bench_repeats (argv[0], concurrency, dir, 3, FALSE);
      bench_repeats (argv[0], concurrency, dir, 3, TRUE);
    }

  dailies_test_rm_rf (dir);

  return 0;
}
