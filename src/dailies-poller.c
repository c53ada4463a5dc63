/* dailies-poller.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include "dailies-api-base.h"
#include "dailies-api-client.h"
#include "dailies-poller.h"
#include "dailies-ready-source.h"
#include "dailies-task-store.h"
#include "dailies-task.h"

#define DEFAULT_INTERVAL_S     15
#define DEFAULT_MAX_CONCURRENT 4
#define DEFAULT_BACKOFF_MS     5000
#define DEFAULT_BACKOFF_CAP_MS (15 * 60 * 1000)
#define DEFAULT_RATE_PAUSE_MS     (30 * 1000)
#define DEFAULT_RATE_PAUSE_CAP_MS (10 * 60 * 1000)
/* A status we do not know is still polled, but slowly. */
#define UNKNOWN_STATUS_FACTOR  4
/* A task whose model's service stopped only ends at the gateway's 24 h
 * timeout: asking every interval would change nothing for a day. */
#define UPSTREAM_PROBLEM_FACTOR 40
#define UPSTREAM_PROBLEM_CAP_S  (10 * 60)
/* Check Again goes before everything due: its dues count up from here,
 * far below any monotonic time, so that several keep the order they were
 * asked in, in self->urgent and once put back in the queue. */
#define FIRST_URGENT_DUE (G_MININT64 / 2)

/* A run of one kind of error from one host: logged when it starts and
 * when it ends, counted in between. */
typedef struct
{
  char   *host;
  char   *message;   /* the first one's */
  GQuark  domain;
  int     code;
  guint   http_status;
  guint   serial;
  guint   n_failures;
  guint   n_tasks;
  gint64  started;   /* monotonic µs */
  gint64  last;      /* the last failure's, monotonic µs */
  /* An answer about the task alone (not found, say): another task's
   * success says nothing about it. */
  guint   tasks_own : 1;
} Streak;

/* One unfinished task the poller looks after; there may be 100,000, so
 * the fields are ordered to leave no padding (56 bytes, 64 with malloc's
 * header, where 64 bytes took 80). */
typedef struct
{
  DailiesTask   *task;
  gint64         due;        /* monotonic µs */
  guint64        body_hash;  /* of the last answer applied, if body_length > 0 */
  gsize          body_length;
  GSequenceIter *iter;       /* while waiting in self->queue, else NULL */
  guint          attempts;   /* errors in a row, for the backoff */
  guint          streak;     /* the error streak this task was last counted in */
  guint          line_slot;  /* its place in self->fifo, self->urgent or self->rechecks */
  guint          in_flight : 1;
  guint          removed : 1;
  guint          fresh : 1;  /* never asked yet: its first turn may be re-paced */
  guint          in_fifo : 1;  /* waiting in self->fifo */
  guint          in_urgent : 1;  /* waiting in self->urgent */
  guint          recheck : 1;  /* a Not found task, asked again at a new address */
  guint          in_rechecks : 1;  /* waiting in self->rechecks */
} Entry;

G_STATIC_ASSERT (sizeof (Entry) <= 56);

/* Entries waiting in the order they were appended, each due no earlier
 * than the one before: the first is taken, any may leave (its slot is
 * then NULL). */
typedef struct
{
  GPtrArray *slots;      /* Entry* or NULL */
  guint      head;       /* the first entry still there, or slots->len */
  guint      n_waiting;  /* slots not NULL */
} Line;

struct _DailiesPoller
{
  GObject             parent_instance;

  DailiesTaskStore   *store;
  DailiesApiClient   *client;
  GSettings          *settings;
  GNetworkMonitor    *monitor;
  GCancellable       *cancellable;

  GHashTable         *entries;     /* DailiesTask* → Entry*, unfinished tasks only */
  GSequence          *queue;       /* Entry* waiting, ordered by due */
  /* New tasks' entries waiting for their first turn, which come one
   * budget step apart in the order the tasks came: appended in that
   * order, not sorted into the queue (a node and a tree insertion each,
   * 100,000 times for an import). */
  Line                fifo;
  gint64              fifo_last_due;  /* of the last appended, for the order */
  /* The same for re-checks (a Not found task at a new address), on their
   * own pace: sorted into the queue, 100,000 of them took 60–90 ms when
   * as many new tasks held the FIFO's tail. */
  Line                rechecks;
  gint64              rechecks_last_due;
  /* Check Again's entries, in the order asked: each has the next urgent
   * due, so appending keeps them in order, where sorting 100,000 into
   * the queue took half of a Check Again of them all. */
  Line                urgent;
  GSource            *timer;       /* one ready-time source; -1 when nothing is due */

  guint               interval_s;
  guint               max_concurrent;
  guint               backoff_ms;
  guint               backoff_cap_ms;
  guint               n_in_flight;
  guint               generation;  /* bumped by stop: older answers are dropped */
  gint64              not_before;  /* global pause after a 429, monotonic µs */
  gint64              not_before_unix;  /* the same, for the banner */
  guint               rate_pause_ms;
  guint               rate_pause_cap_ms;
  guint               n_rate_limited;   /* 429s since the last success */
  guint               requests_per_second;  /* 0: no budget */
  /* The settings as last read: GSettings costs tens of thousands of
   * instructions a read, and each answer would read them. */
  guint               setting_interval_s;
  guint               setting_max_concurrent;
  guint               setting_rps;
  gint64              next_send;   /* the budget: no request starts before, monotonic µs */
  gint64              last_fresh_due; /* the first turn given to the newest new task */
  gint64              next_urgent_due; /* the next Check Again's, from FIRST_URGENT_DUE */
  GPtrArray          *streaks;     /* Streak*, a handful at most */
  guint               streak_serial;

  DailiesPollerState  state;
  DailiesPollerPause  pause_reason;
  gint64              pause_until;
  gint64              quota_used;       /* from the usage query after a 401 */
  gint64              quota_granted;
  char               *checked_base;
  char               *base_host;   /* "host[:port]" of checked_base, for log lines */
  char               *wrong_address;  /* checked_base, once it said it has no task API */
  /* The address the list's Not found tasks were found missing at (the
   * not-found-address property, kept by the app): another address (the
   * other region) is asked about them again, and becomes it once they
   * have all been answered there. */
  char               *not_found_base;
  gboolean            recheck_not_found;  /* the walk is due */
  guint               n_rechecking;       /* entries with recheck set */
  gint64              last_recheck_due;   /* their own pace, beside new tasks' */
  guint               base_serial;        /* bumped when the address changes */
  guint               answered_serial;    /* the last address that answered about a task */
  /* Requests sent so far; how many had been when the address last said
   * it has no task API (an answer to one sent before that is old news,
   * and does not vouch for the address); and how many had been when an
   * answer last armed answered_serial (only those sent after were asked
   * while the address was known to work). */
  guint64             n_sent;
  guint64             n_sent_at_break;
  guint64             trusted_since;
  gboolean            base_is_loopback;
  guint               started : 1;
  guint               unauthorized : 1;  /* entries were parked by a rejected key */
  guint               retry_failed : 1;  /* the address changed: backoffs earned before are void */
  guint               no_quota : 1;
  guint               offline : 1;
  guint               interval_overridden : 1;
  guint               monitor_trusted : 1;  /* injected: it speaks for loopback too */
  guint               max_concurrent_overridden : 1;
  guint               rps_overridden : 1;
};

G_DEFINE_FINAL_TYPE (DailiesPoller, dailies_poller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PAUSE_REASON,
  PROP_PAUSE_UNTIL,
  PROP_NOT_FOUND_ADDRESS,
  PROP_WRONG_ADDRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Set on a Not found task as it is removed: the address it was found
 * missing at, interned. Undo brings the same object back. */
static GQuark found_missing_at_quark;

static void schedule (DailiesPoller *self);
static void key_rejected_changed_cb (DailiesPoller *self);

static void
streak_free (gpointer data)
{
  Streak *streak = data;

  g_free (streak->host);
  g_free (streak->message);
  g_free (streak);
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->task);
  g_free (entry);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const Entry *ea = a;
  const Entry *eb = b;

  if (ea->due != eb->due)
    return ea->due < eb->due ? -1 : 1;

  return ea < eb ? -1 : (ea > eb ? 1 : 0);
}

static gboolean
is_waiting (Entry *entry)
{
  return entry->iter != NULL || entry->in_fifo || entry->in_urgent || entry->in_rechecks;
}

static void
line_init (Line *line)
{
  line->slots = g_ptr_array_new ();
  line->head = 0;
  line->n_waiting = 0;
}

static void
line_clear (Line *line)
{
  g_clear_pointer (&line->slots, g_ptr_array_unref);
}

static void
line_append (Line  *line,
             Entry *entry)
{
  entry->line_slot = line->slots->len;
  g_ptr_array_add (line->slots, entry);
  line->n_waiting++;
}

/* Keeps the head on an entry: every slot is passed once. Once most
 * slots are empty (behind the head, or left in the middle, as repeated
 * Check Agains leave them while the first one waits), the entries move
 * up together, which each slot pays for once. */
static void
line_tidy (Line *line)
{
  GPtrArray *slots = line->slots;
  guint n = 0;

  while (line->head < slots->len && g_ptr_array_index (slots, line->head) == NULL)
    line->head++;

  if (slots->len < 1024 || slots->len < 2 * line->n_waiting)
    return;

  for (guint i = line->head; i < slots->len; i++)
    {
      Entry *entry = g_ptr_array_index (slots, i);

      if (entry == NULL)
        continue;
      entry->line_slot = n;
      g_ptr_array_index (slots, n++) = entry;
    }
  g_ptr_array_set_size (slots, n);
  line->head = 0;
}

static void
line_leave (Line  *line,
            Entry *entry)
{
  g_ptr_array_index (line->slots, entry->line_slot) = NULL;
  line->n_waiting--;
  line_tidy (line);
}

/* The entry whose turn comes first in @line, or NULL. */
static Entry *
line_peek (Line *line)
{
  return line->head < line->slots->len ? g_ptr_array_index (line->slots, line->head) : NULL;
}

static void
unqueue_entry (DailiesPoller *self,
               Entry         *entry)
{
  if (entry->iter != NULL)
    g_sequence_remove (entry->iter);
  entry->iter = NULL;

  if (entry->in_fifo)
    {
      line_leave (&self->fifo, entry);
      entry->in_fifo = FALSE;
    }

  if (entry->in_urgent)
    {
      line_leave (&self->urgent, entry);
      entry->in_urgent = FALSE;
    }

  if (entry->in_rechecks)
    {
      line_leave (&self->rechecks, entry);
      entry->in_rechecks = FALSE;
    }
}

static void
queue_entry (DailiesPoller *self,
             Entry         *entry,
             gint64         due)
{
  unqueue_entry (self, entry);
  entry->due = due;
  entry->iter = g_sequence_insert_sorted (self->queue, entry, compare_entries, NULL);
}

/* Puts @entry back to be asked at @now, or at the due it had if that is
 * earlier (a refusal before sending, the network or a key coming back):
 * a Check Again keeps its turn, before everything else. */
static void
queue_entry_soon (DailiesPoller *self,
                  Entry         *entry,
                  gint64         now)
{
  queue_entry (self, entry, MIN (entry->due, now));
}

/* Of @a and @b (either may be NULL), the one due first; of the same
 * due, @a. */
static Entry *
due_first (Entry *a,
           Entry *b)
{
  if (a == NULL || b == NULL)
    return a != NULL ? a : b;

  return a->due <= b->due ? a : b;
}

/* The entry whose turn comes first, or NULL when none waits. */
static Entry *
first_waiting (DailiesPoller *self)
{
  Entry *in_queue = g_sequence_is_empty (self->queue) ? NULL : g_sequence_get (g_sequence_get_begin_iter (self->queue));

  /* Of the same due, the queue's goes first, then Check Again's, new
   * tasks' and re-checks'. */
  return due_first (due_first (due_first (in_queue, line_peek (&self->urgent)), line_peek (&self->fifo)),
                    line_peek (&self->rechecks));
}

static void
set_state (DailiesPoller      *self,
           DailiesPollerState  state)
{
  if (self->state == state)
    return;

  g_debug ("poller: state %d → %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static guint
get_interval_s (DailiesPoller *self)
{
  if (!self->interval_overridden && self->settings != NULL)
    return self->setting_interval_s;

  return self->interval_s;
}

static guint
get_max_concurrent (DailiesPoller *self)
{
  if (!self->max_concurrent_overridden && self->settings != NULL)
    return self->setting_max_concurrent;

  return self->max_concurrent;
}

/* The budget of the whole app, in task requests started per second; 0
 * when there is none (no settings: tests and benchmarks). */
static guint
get_requests_per_second (DailiesPoller *self)
{
  if (!self->rps_overridden && self->settings != NULL)
    return self->setting_rps;

  return self->requests_per_second;
}

/* The time between two request starts a budget allows, 0 for none. */
static gint64
step_for (guint rps)
{
  return rps > 0 ? (G_USEC_PER_SEC + rps - 1) / rps : 0;
}

static gint64
budget_step_us (DailiesPoller *self)
{
  return step_for (get_requests_per_second (self));
}

/* The gap between two queries of one task. With many tasks it stretches so
 * that, on average, requests start no faster than the budget allows (or,
 * without one, than max-concurrent a second); a little jitter keeps tasks
 * added together from staying in lockstep. */
static gint64
next_interval_us (DailiesPoller *self,
                  DailiesTask   *task)
{
  guint n_active = g_hash_table_size (self->entries);
  double interval = get_interval_s (self);
  guint rate = get_requests_per_second (self);
  double stretched = (double) n_active / MAX (1, rate > 0 ? rate : get_max_concurrent (self));

  interval = MAX (interval, stretched);
  if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_OTHER)
    interval *= UNKNOWN_STATUS_FACTOR;
  if (dailies_task_get_upstream_problem (task) != NULL)
    interval = MAX (interval, MIN (interval * UPSTREAM_PROBLEM_FACTOR, UPSTREAM_PROBLEM_CAP_S));

  interval *= g_random_double_range (0.9, 1.1);

  return (gint64) (interval * G_USEC_PER_SEC);
}

/* Exponential backoff with full jitter around the doubling, capped so a
 * task that is not finished is never given up on. */
static gint64
backoff_us (DailiesPoller *self,
            guint          attempts)
{
  double ms = self->backoff_ms;

  for (guint i = 1; i < attempts && ms < self->backoff_cap_ms; i++)
    ms *= 2;
  ms = MIN (ms, (double) self->backoff_cap_ms);
  ms *= g_random_double_range (0.75, 1.25);

  return (gint64) (ms * 1000);
}

/* Whether the list's Not found tasks were found missing at another
 * address than the one asked now: then they are asked again here. */
static void
plan_recheck (DailiesPoller *self)
{
  self->recheck_not_found = self->not_found_base != NULL && *self->not_found_base != '\0' &&
                            self->checked_base != NULL && *self->checked_base != '\0' &&
                            g_strcmp0 (self->checked_base, self->not_found_base) != 0;
}

static gboolean
set_not_found_base (DailiesPoller *self,
                    const char    *base)
{
  if (base != NULL && *base == '\0')
    base = NULL;
  if (g_strcmp0 (base, self->not_found_base) == 0)
    return FALSE;

  g_free (self->not_found_base);
  self->not_found_base = g_strdup (base);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOT_FOUND_ADDRESS]);

  return TRUE;
}

/* @address: the address in use, or NULL for none wrong. */
static void
set_wrong_address (DailiesPoller *self,
                   const char    *address)
{
  if (g_strcmp0 (self->wrong_address, address) == 0)
    return;

  g_free (self->wrong_address);
  self->wrong_address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WRONG_ADDRESS]);
}

/* Whether an answer to a request sent at @sent to the address of
 * @base_serial speaks for the address now: it went to the address in
 * use, after the address last broke (an answer to a request sent before
 * is old news). */
static gboolean
answer_is_news (DailiesPoller *self,
                guint          base_serial,
                guint64        sent)
{
  return base_serial == self->base_serial && sent > self->n_sent_at_break;
}

/* Whether a request sent at @sent went to the address of @base_serial
 * while it was known to serve the API. */
static gboolean
asked_while_trusted (DailiesPoller *self,
                     guint          base_serial,
                     guint64        sent)
{
  return self->answered_serial == base_serial && sent > self->trusted_since;
}

/* The API answered, in its own words: the address serves it. Trust
 * counts from the first such answer since it broke, for the requests
 * sent after it came; a page about a task asked before that says nothing
 * of the task. */
static void
trust_address (DailiesPoller *self,
               guint          base_serial,
               guint64        sent)
{
  if (!answer_is_news (self, base_serial, sent))
    return;

  /* Requests in flight now were sent before it was known. */
  if (self->answered_serial != base_serial)
    {
      self->answered_serial = base_serial;
      self->trusted_since = self->n_sent;
    }
  set_wrong_address (self, NULL);
}

/* Something other than the API answered about a task: the address is not
 * trusted until the API answers a request sent from now on. */
static void
distrust_address (DailiesPoller *self)
{
  self->answered_serial = 0;
  self->n_sent_at_break = self->n_sent;
  set_wrong_address (self, self->checked_base);
}

/* Errors at the address before a change (one with no task API behind
 * it, say) say nothing of the new one: the tasks they backed off are
 * asked again at once, paced by the budget. Once per change. */
static void
retry_failed_soon (DailiesPoller *self)
{
  GHashTableIter iter;
  Entry *entry;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (!entry->in_flight && entry->attempts > 0)
      {
        entry->attempts = 0;
        queue_entry_soon (self, entry, now);
      }
}

/* Asked on every scheduling step: parse the base only when it changed. */
static void
check_base (DailiesPoller *self)
{
  const char *base = dailies_api_client_get_base_url (self->client);
  g_autoptr(GUri) uri = NULL;

  if (g_strcmp0 (base, self->checked_base) == 0)
    return;

  /* The first address has no backoffs before it to void. */
  self->retry_failed = self->checked_base != NULL;
  g_free (self->checked_base);
  self->checked_base = g_strdup (base);
  self->base_serial++;
  set_wrong_address (self, NULL);
  plan_recheck (self);
  self->base_is_loopback = dailies_api_base_is_loopback (base);

  g_clear_pointer (&self->base_host, g_free);
  uri = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL)
    self->base_host = g_uri_get_port (uri) > 0
                      ? g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri))
                      : g_strdup (g_uri_get_host (uri));
  else
    self->base_host = g_strdup ("(no address)");
}

static gboolean
is_loopback_base (DailiesPoller *self)
{
  check_base (self);

  return self->base_is_loopback;
}

static const char *
get_base_host (DailiesPoller *self)
{
  check_base (self);

  return self->base_host;
}

static void
end_streak (DailiesPoller *self,
            guint          index,
            const char    *why,
            gint64         until)
{
  Streak *streak = g_ptr_array_index (self->streaks, index);
  gint64 seconds = (until - streak->started + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC;

  /* A single failure was told in full by its first line. */
  if (streak->n_failures > 1)
    g_message ("poller: %s: %s \"%s\" after %u failed requests of %u %s in %" G_GINT64_FORMAT " s",
               streak->host, why, streak->message, streak->n_failures,
               streak->n_tasks, streak->n_tasks == 1 ? "task" : "tasks", seconds);
  g_ptr_array_remove_index_fast (self->streaks, index);
}

/* Whether @error is the service's answer about the task asked, which
 * says nothing of the service: an ID it does not know (a list from the
 * wrong region fails so between the successes of the others, which must
 * not log each of them), a request it refuses. A 403, an unreadable
 * answer or one about another task may come from a proxy in front of
 * it, for every task: those stay the service's. */
static gboolean
is_tasks_own_error (const GError *error)
{
  return g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND) ||
         g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_BAD_REQUEST);
}

/* A success from @host ends its streaks; any answer ends the streaks of
 * an address no longer asked. Errors of other kinds do not end a streak:
 * tasks failing in two ways at once would otherwise log every switch. A
 * streak of tasks' own errors ends at a success only once a whole
 * interval has passed without one. */
static void
end_streaks (DailiesPoller *self,
             const char    *host,
             gboolean       success)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = self->streaks->len; i > 0; i--)
    {
      Streak *streak = g_ptr_array_index (self->streaks, i - 1);

      if (g_strcmp0 (streak->host, host) != 0)
        end_streak (self, i - 1, "no longer asked from", now);
      else if (success && !streak->tasks_own)
        end_streak (self, i - 1, "recovered from", now);
      else if (success && now - streak->last >= (gint64) get_interval_s (self) * G_USEC_PER_SEC)
        end_streak (self, i - 1, "no more", streak->last);
    }
}

/* With the service down, every task fails the same way: the log gets the
 * first failure of each kind and host, then the count when it ends; each
 * task's own error is in its last-error, and at most in the debug log. */
static void
log_failure (DailiesPoller *self,
             Entry         *entry,
             const GError  *error,
             guint          http_status)
{
  const char *host = get_base_host (self);
  Streak *streak = NULL;

  end_streaks (self, host, FALSE);

  for (guint i = 0; i < self->streaks->len && streak == NULL; i++)
    {
      Streak *candidate = g_ptr_array_index (self->streaks, i);

      if (g_strcmp0 (candidate->host, host) == 0 && candidate->domain == error->domain &&
          candidate->code == error->code && candidate->http_status == http_status)
        streak = candidate;
    }

  g_debug ("poller: %s: %s", dailies_task_get_id (entry->task), error->message);

  if (streak == NULL)
    {
      streak = g_new0 (Streak, 1);
      streak->host = g_strdup (host);
      streak->message = g_strdup (error->message);
      streak->domain = error->domain;
      streak->code = error->code;
      streak->http_status = http_status;
      streak->serial = ++self->streak_serial;
      streak->started = g_get_monotonic_time ();
      streak->tasks_own = is_tasks_own_error (error);
      g_ptr_array_add (self->streaks, streak);
      g_message ("poller: %s: %s (the same error for other tasks is counted, not logged, until it ends)",
                 host, error->message);
    }

  streak->n_failures++;
  streak->last = g_get_monotonic_time ();
  if (entry->streak != streak->serial)
    {
      entry->streak = streak->serial;
      streak->n_tasks++;
    }
}

static DailiesPollerState
compute_state (DailiesPoller *self)
{
  if (!self->started)
    return DAILIES_POLLER_STATE_STOPPED;
  if (g_hash_table_size (self->entries) == 0 && self->n_in_flight == 0)
    return DAILIES_POLLER_STATE_IDLE;
  if (!dailies_api_client_has_api_key (self->client))
    return DAILIES_POLLER_STATE_NEEDS_KEY;
  if (dailies_api_client_get_key_rejected (self->client))
    return DAILIES_POLLER_STATE_UNAUTHORIZED;
  /* The demo server on this machine is reachable offline; the system's
   * monitor speaks of routes to the world, not of loopback. */
  if (self->offline && (self->monitor_trusted || !is_loopback_base (self)))
    return DAILIES_POLLER_STATE_OFFLINE;

  return DAILIES_POLLER_STATE_POLLING;
}

static DailiesPollerPause
compute_pause (DailiesPoller      *self,
               DailiesPollerState  state,
               gint64              now)
{
  switch (state)
    {
    case DAILIES_POLLER_STATE_NEEDS_KEY:
      return DAILIES_POLLER_PAUSE_NEEDS_KEY;
    case DAILIES_POLLER_STATE_UNAUTHORIZED:
      return self->no_quota ? DAILIES_POLLER_PAUSE_NO_QUOTA : DAILIES_POLLER_PAUSE_KEY_REJECTED;
    case DAILIES_POLLER_STATE_OFFLINE:
      return DAILIES_POLLER_PAUSE_OFFLINE;
    case DAILIES_POLLER_STATE_POLLING:
      return now < self->not_before ? DAILIES_POLLER_PAUSE_RATE_LIMITED : DAILIES_POLLER_PAUSE_NONE;
    case DAILIES_POLLER_STATE_STOPPED:
    case DAILIES_POLLER_STATE_IDLE:
    default:
      return DAILIES_POLLER_PAUSE_NONE;
    }
}

static void
set_pause (DailiesPoller      *self,
           DailiesPollerPause  reason)
{
  gint64 until = reason == DAILIES_POLLER_PAUSE_RATE_LIMITED ? self->not_before_unix : 0;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->pause_until != until)
    {
      self->pause_until = until;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSE_UNTIL]);
    }
  if (self->pause_reason != reason)
    {
      g_debug ("poller: pause %d → %d", self->pause_reason, reason);
      self->pause_reason = reason;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSE_REASON]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* After a 429 (or any Retry-After) nothing is asked until @delay_us passed. */
static void
pause_all (DailiesPoller *self,
           gint64         now,
           gint64         delay_us)
{
  if (now + delay_us <= self->not_before)
    return;

  self->not_before = now + delay_us;
  self->not_before_unix = (g_get_real_time () + delay_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  g_message ("poller: the service asked to slow down: pausing all checks for %" G_GINT64_FORMAT " s",
             (delay_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

/* Queues a new task's entry at the end of the FIFO (a re-check's, at the
 * end of their line): new tasks' turns come in the order they came. One
 * due earlier than the last there (which the pacing never gives) is
 * sorted into the queue instead. */
static void
queue_fresh_entry (DailiesPoller *self,
                   Entry         *entry,
                   gint64         due)
{
  Line *line = entry->recheck ? &self->rechecks : &self->fifo;
  gint64 *last_due = entry->recheck ? &self->rechecks_last_due : &self->fifo_last_due;

  entry->due = due;
  if (line_peek (line) != NULL && due < *last_due)
    {
      entry->iter = g_sequence_insert_sorted (self->queue, entry, compare_entries, NULL);
      return;
    }

  if (entry->recheck)
    entry->in_rechecks = TRUE;
  else
    entry->in_fifo = TRUE;
  line_append (line, entry);
  *last_due = due;
}

/* Queues a Check Again at the end of its line, with the next urgent
 * due: before everything else, after the Check Agains asked before. */
static void
queue_urgent_entry (DailiesPoller *self,
                    Entry         *entry)
{
  unqueue_entry (self, entry);
  entry->due = self->next_urgent_due++;
  entry->in_urgent = TRUE;
  line_append (&self->urgent, entry);
}

/* Tracks @task, not tracked yet, as a new one: its first turn one budget
 * step after the newest new task's, or with @recheck, the newest
 * re-check's. */
static void
track_fresh_task (DailiesPoller *self,
                  DailiesTask   *task,
                  gint64         due,
                  gint64         step,
                  gboolean       recheck)
{
  gint64 *last_due = recheck ? &self->last_recheck_due : &self->last_fresh_due;
  Entry *entry;

  /* New tasks (a start, a bulk add, the slices of one import) take their
   * first turns one budget step apart, in the order they came, as they
   * would in the steady state: tasks already polling keep their place
   * between them instead of waiting behind the whole list. A lone new
   * task is due at once. */
  due = MAX (due, *last_due + step);
  *last_due = due;

  entry = g_new0 (Entry, 1);
  entry->task = g_object_ref (task);
  entry->fresh = TRUE;
  entry->recheck = recheck;
  if (recheck)
    self->n_rechecking++;
  g_hash_table_insert (self->entries, task, entry);
  queue_fresh_entry (self, entry, due);
}

/* @step is budget_step_us(), read once by the caller: a bulk add would
 * otherwise read the setting once per task. */
static void
track_task (DailiesPoller *self,
            DailiesTask   *task,
            gint64         due,
            gint64         step)
{
  Entry *entry;

  if (dailies_task_is_terminal (task))
    {
      /* One brought back (Undo) while Not found tasks are asked again
       * at a new address joins them. */
      if (self->n_rechecking > 0 && dailies_task_get_status (task) == DAILIES_TASK_STATUS_NOT_FOUND &&
          g_strcmp0 (self->not_found_base, self->checked_base) != 0 &&
          !g_hash_table_contains (self->entries, task))
        {
          track_fresh_task (self, task, due, step, TRUE);
        }
      return;
    }

  entry = g_hash_table_lookup (self->entries, task);
  if (entry != NULL)
    {
      if (!entry->in_flight && due < entry->due)
        queue_entry (self, entry, due);
      return;
    }

  track_fresh_task (self, task, due, step, FALSE);
}

/* Once every Not found task has been answered at the new address, the
 * tasks still Not found were found missing there. */
static void
recheck_answered (DailiesPoller *self,
                  Entry         *entry)
{
  if (!entry->recheck)
    return;

  entry->recheck = FALSE;
  /* Not when yet another address is to be asked. */
  if (--self->n_rechecking == 0 && !self->recheck_not_found)
    set_not_found_base (self, self->checked_base);
}

/* After a change of address, every Not found task is asked about once
 * more, on a pace of its own beside new tasks'. A walk over the list,
 * once per change of region (or per start, when one was not finished). */
static void
recheck_not_found (DailiesPoller *self)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n_items = g_list_model_get_n_items (model);
  gint64 now = g_get_monotonic_time ();
  gint64 step = budget_step_us (self);
  guint n = 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);
      Entry *entry;

      if (dailies_task_get_status (task) != DAILIES_TASK_STATUS_NOT_FOUND)
        continue;

      /* One already asked again (Check Again) counts among them. */
      entry = g_hash_table_lookup (self->entries, task);
      if (entry == NULL)
        {
          track_fresh_task (self, task, now, step, TRUE);
          n++;
        }
      else if (!entry->recheck)
        {
          entry->recheck = TRUE;
          self->n_rechecking++;
        }
    }

  if (n > 0)
    g_message ("poller: %s: asking again about %u Not found %s",
               get_base_host (self), n, n == 1 ? "task" : "tasks");
  if (self->n_rechecking == 0)
    set_not_found_base (self, self->checked_base);
}

/* Stops asking about @task; an answer under way is dropped. */
static void
untrack_task (DailiesPoller *self,
              DailiesTask   *task)
{
  Entry *entry = g_hash_table_lookup (self->entries, task);

  if (entry == NULL)
    return;

  recheck_answered (self, entry);
  unqueue_entry (self, entry);
  if (entry->in_flight)
    {
      entry->removed = TRUE;
      g_hash_table_steal (self->entries, task);
    }
  else
    {
      g_hash_table_remove (self->entries, task);
    }
}

/* At start: every unfinished task the store holds is tracked, and nothing
 * else. Later changes come as tasks-added and tasks-removed. Returns
 * whether it holds Not found tasks. */
static gboolean
sync_with_store (DailiesPoller *self)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n_items = g_list_model_get_n_items (model);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();
  gint64 step = budget_step_us (self);
  GHashTableIter iter;
  gpointer key;

  gboolean holds_not_found = FALSE;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);

      track_task (self, task, now, step);
      holds_not_found |= dailies_task_get_status (task) == DAILIES_TASK_STATUS_NOT_FOUND;
    }

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (dailies_task_store_lookup (self->store, dailies_task_get_id (key)) != key)
      g_ptr_array_add (gone, key);
  for (guint i = 0; i < gone->len; i++)
    untrack_task (self, g_ptr_array_index (gone, i));

  return holds_not_found;
}

/* Whether @task is a Not found task brought back (Undo) that was found
 * missing at another address than the one in use: then it is tracked as
 * a re-check, asked about here. The address it was found missing at may
 * have given way to this one since its removal, without it. */
static gboolean
track_restored_not_found (DailiesPoller *self,
                          DailiesTask   *task,
                          gint64         now,
                          gint64         step)
{
  const char *found_missing_at;

  if (dailies_task_get_status (task) != DAILIES_TASK_STATUS_NOT_FOUND)
    return FALSE;

  found_missing_at = g_object_steal_qdata (G_OBJECT (task), found_missing_at_quark);
  if (found_missing_at == NULL || g_strcmp0 (found_missing_at, self->checked_base) == 0 ||
      g_hash_table_contains (self->entries, task))
    return FALSE;

  track_fresh_task (self, task, now, step, TRUE);
  return TRUE;
}

/* Costs what was added or removed, not what the store holds. */
static void
store_tasks_added_cb (DailiesPoller *self,
                      GPtrArray     *tasks)
{
  gint64 now = g_get_monotonic_time ();
  gint64 step = budget_step_us (self);
  guint n_restored = 0;

  check_base (self);
  for (guint i = 0; i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);

      if (track_restored_not_found (self, task, now, step))
        n_restored++;
      else
        track_task (self, task, now, step);
    }
  if (n_restored > 0)
    g_message ("poller: %s: asking again about %u Not found %s brought back", get_base_host (self),
               n_restored, n_restored == 1 ? "task" : "tasks");

  schedule (self);
}

/* Connected for the poller's whole life: a region change stops it while
 * the key is looked up, and what is removed then may come back later. */
static void
store_tasks_removed_cb (DailiesPoller *self,
                        GPtrArray     *tasks)
{
  /* Where they were found missing, before untracking the last re-check
   * may move that to the address in use. */
  const char *found_missing_at = g_intern_string (self->not_found_base != NULL ? self->not_found_base
                                                                                : self->checked_base);

  for (guint i = 0; i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);

      if (found_missing_at != NULL && dailies_task_get_status (task) == DAILIES_TASK_STATUS_NOT_FOUND)
        g_object_set_qdata (G_OBJECT (task), found_missing_at_quark, (gpointer) found_missing_at);
      if (self->started)
        untrack_task (self, task);
    }
  if (!self->started)
    return;

  schedule (self);
}

/* A 429 or a Retry-After speaks for the whole account: nothing is asked
 * until the pause it asks for (a 429's grows) ends. Returns whether
 * @error was one. */
static gboolean
pause_for_answer (DailiesPoller          *self,
                  const GError           *error,
                  const DailiesApiResult *api_result,
                  gint64                  now)
{
  gint64 pause = MAX (api_result->retry_after_s, 0) * G_USEC_PER_SEC;

  if (!g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_RATE_LIMITED) &&
      api_result->retry_after_s < 0)
    return FALSE;

  /* Several requests in flight meet the same 429: the pause grows only
   * with one that was sent after the last pause ended. */
  if (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_RATE_LIMITED) &&
      now >= self->not_before)
    {
      double ms = self->rate_pause_ms;

      for (guint i = 0; i < self->n_rate_limited && ms < self->rate_pause_cap_ms; i++)
        ms *= 2;
      self->n_rate_limited++;
      pause = MAX (pause, (gint64) (MIN (ms, (double) self->rate_pause_cap_ms) * 1000));
    }

  pause_all (self, now, pause);
  return TRUE;
}

/* What a request's callback needs; the poller may be gone by then. */
typedef struct
{
  GWeakRef  poller;
  Entry    *entry;
  guint     generation;
  guint     base_serial;  /* the address it went to */
  guint64   sent;         /* its place in the poller's n_sent */
} Request;

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  DailiesApiClient *client = DAILIES_API_CLIENT (object);
  Request *request = user_data;
  Entry *entry = request->entry;
  g_autoptr(DailiesPoller) self = g_weak_ref_get (&request->poller);
  g_autoptr(DailiesApiResult) api_result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  guint generation = request->generation;
  guint base_serial = request->base_serial;
  guint64 sent = request->sent;

  g_weak_ref_clear (&request->poller);
  g_free (request);

  api_result = dailies_api_client_fetch_task_finish (client, result, &error);
  entry->in_flight = FALSE;

  /* Stopped or gone: the entry was handed over to us, let it go. */
  if (self == NULL || generation != self->generation ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (entry->removed)
        entry_free (entry);
      return;
    }

  self->n_in_flight--;

  if (entry->removed)
    {
      entry_free (entry);
      schedule (self);
      return;
    }

  /* An error from the address before a change says nothing of the task
   * at the new one, which asks it at once, its backoff forgotten; a 429
   * or a Retry-After still speaks for the account. */
  if (error != NULL)
    {
      check_base (self);
      if (base_serial != self->base_serial)
        {
          pause_for_answer (self, error, api_result, now);
          entry->attempts = 0;
          queue_entry_soon (self, entry, now);
          schedule (self);
          return;
        }
    }

  /* An answer not in the API's words. */
  if (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_NO_API_HERE))
    {
      DailiesTaskStatus status = dailies_task_get_status (entry->task);
      gboolean unanswered = status == DAILIES_TASK_STATUS_UNKNOWN || status == DAILIES_TASK_STATUS_NOT_FOUND;

      /* Asked before the address was last known to work: it says nothing
       * of the task or the address now. Asked again after its backoff. */
      if (self->answered_serial == base_serial && sent <= self->trusted_since)
        {
          pause_for_answer (self, error, api_result, now);
          queue_entry (self, entry, now + backoff_us (self, MAX (entry->attempts, 1)));
          schedule (self);
          return;
        }

      /* A JSON object about a task never answered, or found missing
       * before, asked once the address was known to answer about others:
       * its task API is there, so this 404 is the task's own. */
      if (unanswered && api_result->json_object && asked_while_trusted (self, base_serial, sent))
        {
          g_clear_error (&error);
          error = g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND,
                               /* Translators: %u is an HTTP status code, such as 404 */
                               _("HTTP %u: no such task at this address"), api_result->http_status);
        }
      /* A web page, an empty or text answer (the API's are JSON), or a 404
       * about a task it has answered with its state: the address is
       * wrong, or broke (a proxy's page as it restarts). */
      else if (!unanswered || !api_result->json_object)
        {
          distrust_address (self);
        }
      /* Another 404 about a task never answered, the address not known to
       * work: it may be wrong; a success, if one comes, says otherwise. */
      else
        {
          set_wrong_address (self, self->checked_base);
        }
    }
  else if (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_BAD_REQUEST) &&
           !api_result->web_page && answer_is_news (self, base_serial, sent))
    {
      set_wrong_address (self, NULL);
    }

  if (error == NULL)
    {
      if (self->streaks->len > 0)
        end_streaks (self, get_base_host (self), answer_is_news (self, base_serial, sent));
      trust_address (self, base_serial, sent);
      recheck_answered (self, entry);

      /* The same bytes as the answer applied last time: nothing to parse,
       * store or write; only when it was asked changes. */
      if (api_result->unchanged)
        {
          /* One change for the row to show. */
          dailies_task_begin_changes (entry->task);
          dailies_task_set_gateway_request_id (entry->task, api_result->request_id);
          dailies_task_set_last_polled (entry->task, g_get_real_time () / G_USEC_PER_SEC);
          dailies_task_end_changes (entry->task);
        }
      else
        {
          dailies_task_store_apply_response_take_json (self->store, entry->task,
                                                       api_result->response,
                                                       g_steal_pointer (&api_result->raw_json),
                                                       api_result->http_status,
                                                       api_result->request_id);
          entry->body_hash = api_result->body_hash;
          entry->body_length = api_result->body_length;
        }
      entry->attempts = 0;
      self->n_rate_limited = 0;

      if (dailies_task_is_terminal (entry->task))
        g_hash_table_remove (self->entries, entry->task);
      else
        queue_entry (self, entry, now + next_interval_us (self, entry->task));

      schedule (self);
      return;
    }

  /* Refused unsent (the key was rejected meanwhile), or a 401 that
   * answered the key before the current one: nothing to tell the task. */
  if (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_KEY_REJECTED) ||
      (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED) &&
       !dailies_api_client_get_key_rejected (self->client) && api_result->http_status == 401))
    {
      queue_entry_soon (self, entry, now);
      schedule (self);
      return;
    }

  /* The task now shows an error: the next answer, even one the same as
   * before, is applied again to clear it. */
  entry->body_length = 0;
  log_failure (self, entry, error, api_result->http_status);

  if (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_NOT_FOUND))
    {
      /* A final answer about this ID, whether 404 or new-api's 400; from
       * this address only. */
      trust_address (self, base_serial, sent);
      recheck_answered (self, entry);
      if (self->n_rechecking == 0 && !self->recheck_not_found)
        set_not_found_base (self, self->checked_base);
      dailies_task_store_record_not_found (self->store, entry->task, error->message, api_result->http_status,
                                           api_result->request_id);
      g_hash_table_remove (self->entries, entry->task);
      schedule (self);
      return;
    }

  /* A Not found task asked again that the new address refuses (a 400
   * other than "no such task") was answered there: it stays as it was.
   * So is one it refuses otherwise (a 403, an unreadable answer) once it
   * has answered about other tasks: the refusal is this task's. Before
   * that, it may be a proxy's to every request; that, a server down or
   * busy, is retried, the address not yet asked for real. A re-asked
   * task keeps its Not found details meanwhile. */
  if (entry->recheck)
    {
      if ((g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_BAD_REQUEST) && !api_result->web_page) ||
          (asked_while_trusted (self, base_serial, sent) && !api_result->web_page &&
           (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_HTTP) ||
            g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE) ||
            g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_WRONG_TASK))))
        {
          recheck_answered (self, entry);
          g_hash_table_remove (self->entries, entry->task);
          schedule (self);
          return;
        }
    }
  else
    {
      dailies_task_store_record_error (self->store, entry->task, error->message, api_result->http_status,
                                       api_result->request_id);
    }

  if (g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED) ||
      g_error_matches (error, DAILIES_API_ERROR, DAILIES_API_ERROR_NO_KEY))
    {
      /* One bad key fails every task the same way: pause all, ask once. */
      self->unauthorized = TRUE;
      queue_entry_soon (self, entry, now);
    }
  else
    {
      gint64 delay;

      entry->attempts++;
      delay = backoff_us (self, entry->attempts);

      /* A 429 speaks for the whole account, not this one task. */
      if (pause_for_answer (self, error, api_result, now))
        delay = MAX (delay, self->not_before - now);

      queue_entry (self, entry, now + delay);
    }

  schedule (self);
}

static void
start_request (DailiesPoller *self,
               Entry         *entry)
{
  Request *request;

  unqueue_entry (self, entry);
  entry->in_flight = TRUE;
  entry->fresh = FALSE;
  self->n_in_flight++;

  request = g_new0 (Request, 1);
  g_weak_ref_init (&request->poller, self);
  request->entry = entry;
  request->generation = self->generation;
  check_base (self);
  request->base_serial = self->base_serial;
  request->sent = ++self->n_sent;
  dailies_api_client_fetch_task_if_changed_async (self->client,
                                                  dailies_task_get_id (entry->task),
                                                  entry->body_hash,
                                                  entry->body_length,
                                                  self->cancellable,
                                                  fetch_cb,
                                                  request);
}

/* How early a regular check may start when the poller is awake anyway
 * (its timer fired, or an answer came in) and the concurrency limit and
 * the budget allow: checks due close together then go out one after
 * another rather than each after a sleep of its own. A twentieth of the
 * interval, at most a second; a task's interval already varies by ±10%.
 * A task backing off after an error waits its whole delay. */
static gint64
coalesce_us (DailiesPoller *self)
{
  return MIN ((gint64) (get_interval_s (self) * G_USEC_PER_SEC / 20), G_USEC_PER_SEC);
}

/* Starts what is due, within the concurrency limit and the budget, and
 * arms the timer for the next due task or the budget's next step. When
 * nothing is waiting the timer is disarmed. */
static void
schedule (DailiesPoller *self)
{
  gint64 now = g_get_monotonic_time ();
  guint max_concurrent = get_max_concurrent (self);
  gint64 step = budget_step_us (self);
  gint64 slack = coalesce_us (self);
  DailiesPollerState state;
  gint64 ready_time = -1;

  /* A new address may know the tasks the old one did not. */
  if (self->started && self->not_found_base != NULL)
    {
      check_base (self);
      if (self->recheck_not_found)
        {
          self->recheck_not_found = FALSE;
          recheck_not_found (self);
        }
    }
  if (self->started)
    {
      check_base (self);
      if (self->retry_failed)
        {
          self->retry_failed = FALSE;
          retry_failed_soon (self);
        }
    }

  state = compute_state (self);
  set_state (self, state);
  set_pause (self, compute_pause (self, state, now));

  if (state == DAILIES_POLLER_STATE_POLLING && now >= self->not_before)
    {
      Entry *entry;

      while (self->n_in_flight < max_concurrent && now >= self->next_send &&
             (entry = first_waiting (self)) != NULL)
        {
          if (entry->due > now + (entry->attempts == 0 ? slack : 0))
            break;
          /* A bucket one request deep: an idle spell earns no burst. */
          if (step > 0)
            self->next_send = MAX (self->next_send, now) + step;
          start_request (self, entry);
        }
    }

  if (state == DAILIES_POLLER_STATE_POLLING && self->n_in_flight < max_concurrent)
    {
      Entry *first = first_waiting (self);

      if (first != NULL)
        ready_time = MAX (MAX (first->due, self->not_before), self->next_send);
    }

  /* The banner says when checking resumes: wake then, come what may. */
  if (state == DAILIES_POLLER_STATE_POLLING && now < self->not_before)
    ready_time = self->not_before;

  g_source_set_ready_time (self->timer, ready_time);
}

static gboolean
timer_cb (gpointer user_data)
{
  schedule (DAILIES_POLLER (user_data));

  return G_SOURCE_CONTINUE;
}

static void
network_changed_cb (DailiesPoller *self)
{
  gboolean offline = !g_network_monitor_get_network_available (self->monitor);

  if (offline == self->offline)
    return;

  self->offline = offline;
  g_debug ("poller: network %s", offline ? "lost" : "back");

  /* Coming back online, ask about everything soon rather than wait out
   * backoffs that grew while we were away. */
  if (!offline)
    {
      GHashTableIter iter;
      Entry *entry;
      gint64 now = g_get_monotonic_time ();

      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
        {
          entry->attempts = 0;
          if (!entry->in_flight)
            queue_entry_soon (self, entry, now);
        }
    }

  schedule (self);
}

/* A shorter interval applies now, not after the waits already planned. */
static void
reschedule_within_interval (DailiesPoller *self)
{
  gint64 latest = g_get_monotonic_time () + (gint64) get_interval_s (self) * G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (!entry->in_flight && entry->attempts == 0 && entry->due > latest)
        queue_entry (self, entry, latest);
    }

  schedule (self);
}

static void
read_settings (DailiesPoller *self)
{
  self->setting_interval_s = g_settings_get_uint (self->settings, "poll-interval");
  self->setting_max_concurrent = g_settings_get_uint (self->settings, "max-concurrent-requests");
  self->setting_rps = g_settings_get_uint (self->settings, "requests-per-second");
}

static void
settings_changed_cb (DailiesPoller *self)
{
  read_settings (self);
  reschedule_within_interval (self);
}

/* @due, a turn still ahead that was paced @old_step apart from the one
 * before, paced @step apart instead: as far from @now in new steps as it
 * was in old ones. */
static gint64
repace (gint64 due,
        gint64 now,
        gint64 step,
        gint64 old_step)
{
  return old_step > 0 ? now + (gint64) ((double) (due - now) * step / old_step) : now;
}

/* A new budget applies now: the first turns still ahead, which were spread
 * one old step apart, are spread one new step apart, in the same order;
 * the next request may start one new step after the last. Costs a pass
 * over the tasks, but only when the setting changes. */
static void
apply_budget (DailiesPoller *self,
              gint64         old_step)
{
  gint64 step = budget_step_us (self);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;
  gboolean moved = FALSE;

  if (step == old_step)
    return;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (!entry->fresh || entry->in_flight || !is_waiting (entry) || entry->due <= now)
        continue;
      entry->due = repace (entry->due, now, step, old_step);
      moved = TRUE;
    }
  if (self->last_fresh_due > now)
    self->last_fresh_due = repace (self->last_fresh_due, now, step, old_step);
  if (self->last_recheck_due > now)
    self->last_recheck_due = repace (self->last_recheck_due, now, step, old_step);
  /* Moved as their entries were: both lines stay in order. */
  if (self->fifo_last_due > now)
    self->fifo_last_due = repace (self->fifo_last_due, now, step, old_step);
  if (self->rechecks_last_due > now)
    self->rechecks_last_due = repace (self->rechecks_last_due, now, step, old_step);
  /* The order among them is unchanged, but not against the others. */
  if (moved)
    g_sequence_sort (self->queue, compare_entries, NULL);

  self->next_send = MIN (self->next_send, now + step);
  schedule (self);
}

static void
budget_changed_cb (DailiesPoller *self)
{
  /* GSettings does not say the old value: the last one read is kept. */
  gint64 old_step = step_for (self->requests_per_second);

  read_settings (self);
  self->requests_per_second = get_requests_per_second (self);
  apply_budget (self, old_step);
}

static void
dailies_poller_dispose (GObject *object)
{
  DailiesPoller *self = (DailiesPoller *)object;

  dailies_poller_stop (self);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, store_tasks_removed_cb, self);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  g_clear_object (&self->store);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (dailies_poller_parent_class)->dispose (object);
}

static void
dailies_poller_finalize (GObject *object)
{
  DailiesPoller *self = (DailiesPoller *)object;

  g_clear_pointer (&self->queue, g_sequence_free);
  line_clear (&self->fifo);
  line_clear (&self->urgent);
  line_clear (&self->rechecks);
  g_clear_pointer (&self->checked_base, g_free);
  g_clear_pointer (&self->not_found_base, g_free);
  g_clear_pointer (&self->base_host, g_free);
  g_clear_pointer (&self->wrong_address, g_free);
  g_clear_pointer (&self->streaks, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (dailies_poller_parent_class)->finalize (object);
}

static void
dailies_poller_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DailiesPoller *self = DAILIES_POLLER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PAUSE_REASON:
      g_value_set_enum (value, self->pause_reason);
      break;
    case PROP_PAUSE_UNTIL:
      g_value_set_int64 (value, self->pause_until);
      break;
    case PROP_NOT_FOUND_ADDRESS:
      g_value_set_string (value, self->not_found_base != NULL ? self->not_found_base : "");
      break;
    case PROP_WRONG_ADDRESS:
      g_value_set_string (value, self->wrong_address);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_poller_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DailiesPoller *self = DAILIES_POLLER (object);

  switch (prop_id)
    {
    case PROP_NOT_FOUND_ADDRESS:
      /* Kept from before, and compared with the address at the next
       * start; changed from outside meanwhile, at once. */
      if (set_not_found_base (self, g_value_get_string (value)) && self->started)
        {
          check_base (self);
          plan_recheck (self);
          schedule (self);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_poller_class_init (DailiesPollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_poller_dispose;
  object_class->finalize = dailies_poller_finalize;
  object_class->get_property = dailies_poller_get_property;
  object_class->set_property = dailies_poller_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       DAILIES_TYPE_POLLER_STATE,
                       DAILIES_POLLER_STATE_STOPPED,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PAUSE_REASON] =
    g_param_spec_enum ("pause-reason", NULL, NULL,
                       DAILIES_TYPE_POLLER_PAUSE,
                       DAILIES_POLLER_PAUSE_NONE,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PAUSE_UNTIL] =
    g_param_spec_int64 ("pause-until", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The address the list's Not found tasks were found missing at ("" for
   * none known): the app keeps it across restarts. */
  properties[PROP_NOT_FOUND_ADDRESS] =
    g_param_spec_string ("not-found-address", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_WRONG_ADDRESS] =
    g_param_spec_string ("wrong-address", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  found_missing_at_quark = g_quark_from_static_string ("dailies-poller-found-missing-at");
}

static void
dailies_poller_init (DailiesPoller *self)
{
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, entry_free);
  self->queue = g_sequence_new (NULL);
  self->next_urgent_due = FIRST_URGENT_DUE;
  line_init (&self->fifo);
  line_init (&self->urgent);
  line_init (&self->rechecks);
  self->streaks = g_ptr_array_new_with_free_func (streak_free);
  self->last_fresh_due = G_MININT64 / 2;
  self->last_recheck_due = G_MININT64 / 2;
  self->interval_s = DEFAULT_INTERVAL_S;
  self->max_concurrent = DEFAULT_MAX_CONCURRENT;
  self->backoff_ms = DEFAULT_BACKOFF_MS;
  self->backoff_cap_ms = DEFAULT_BACKOFF_CAP_MS;
  self->rate_pause_ms = DEFAULT_RATE_PAUSE_MS;
  self->rate_pause_cap_ms = DEFAULT_RATE_PAUSE_CAP_MS;
  self->quota_used = -1;
  self->quota_granted = -1;
  self->cancellable = g_cancellable_new ();

  self->timer = dailies_ready_source_new ("[dailies] poller", G_PRIORITY_DEFAULT, timer_cb, self, NULL);
}

DailiesPoller *
dailies_poller_new (DailiesTaskStore *store,
                    DailiesApiClient *client,
                    GSettings        *settings)
{
  DailiesPoller *self;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (store), NULL);
  g_return_val_if_fail (DAILIES_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (DAILIES_TYPE_POLLER, NULL);
  self->store = g_object_ref (store);
  self->client = g_object_ref (client);
  g_signal_connect_object (store, "tasks-removed",
                           G_CALLBACK (store_tasks_removed_cb), self, G_CONNECT_SWAPPED);
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_signal_connect_object (settings, "changed::poll-interval",
                               G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (settings, "changed::max-concurrent-requests",
                               G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (settings, "changed::requests-per-second",
                               G_CALLBACK (budget_changed_cb), self, G_CONNECT_SWAPPED);
      read_settings (self);
      self->requests_per_second = self->setting_rps;
    }

  /* Whoever sets a new key (the dialog, the keyring, Preferences), checking
   * resumes; a rejected one parks everything. */
  g_signal_connect_object (client, "notify::key-rejected",
                           G_CALLBACK (key_rejected_changed_cb), self, G_CONNECT_SWAPPED);

  dailies_poller_set_network_monitor (self, g_network_monitor_get_default ());
  self->monitor_trusted = FALSE;

  return self;
}

void
dailies_poller_start (DailiesPoller *self)
{
  gboolean holds_not_found;

  g_return_if_fail (DAILIES_IS_POLLER (self));

  if (self->started)
    return;

  self->started = TRUE;
  g_signal_connect_object (self->store, "tasks-added",
                           G_CALLBACK (store_tasks_added_cb), self, G_CONNECT_SWAPPED);

  /* After a restart every unfinished task is asked about again, and the
   * Not found ones when another address said so. Where Not found tasks
   * were found missing is not known when a build before this kept them:
   * then here, as it most likely was. */
  holds_not_found = sync_with_store (self);
  check_base (self);
  if (holds_not_found && self->not_found_base == NULL)
    set_not_found_base (self, self->checked_base);
  plan_recheck (self);
  schedule (self);
}

void
dailies_poller_stop (DailiesPoller *self)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));

  if (!self->started)
    return;

  self->started = FALSE;
  self->generation++;
  g_signal_handlers_disconnect_by_func (self->store, store_tasks_added_cb, self);
  /* Said again by the next answer, if still so, after the next start;
   * nor is the address trusted then until it answers (it may have
   * changed and changed back meanwhile). */
  set_wrong_address (self, NULL);
  self->answered_serial = 0;
  self->n_sent_at_break = self->n_sent;

  /* In-flight callbacks see the cancellation and free their entries. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  {
    GHashTableIter iter;
    Entry *entry;

    g_hash_table_iter_init (&iter, self->entries);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
      {
        unqueue_entry (self, entry);
        if (entry->in_flight)
          {
            entry->removed = TRUE;
            g_hash_table_iter_steal (&iter);
          }
        else
          {
            g_hash_table_iter_remove (&iter);
          }
      }
  }

  self->n_in_flight = 0;
  /* A re-check cut short is done again at the next start: the address
   * the tasks were found missing at is still the old one. */
  self->n_rechecking = 0;
  self->recheck_not_found = FALSE;
  /* Their turns went with the entries: the next start paces afresh. */
  self->last_fresh_due = G_MININT64 / 2;
  self->last_recheck_due = G_MININT64 / 2;
  g_ptr_array_set_size (self->streaks, 0);
  if (self->timer != NULL)
    g_source_set_ready_time (self->timer, -1);
  set_state (self, DAILIES_POLLER_STATE_STOPPED);
}

/* A new key (or base) gets a fresh chance right away for every task a
 * rejected or missing key held back; a key still rejected holds them. */
static void
resume_parked (DailiesPoller *self)
{
  GHashTableIter iter;
  Entry *entry;
  gint64 now = g_get_monotonic_time ();

  if (!self->unauthorized || dailies_api_client_get_key_rejected (self->client))
    return;

  self->unauthorized = FALSE;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (!entry->in_flight)
      queue_entry_soon (self, entry, now);
}

static void
usage_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(DailiesPoller) self = g_weak_ref_get (user_data);
  g_autoptr(DailiesApiResult) usage = NULL;
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (user_data);
  g_free (user_data);

  usage = dailies_api_client_fetch_usage_finish (DAILIES_API_CLIENT (object), result, &error);
  /* A poller disposed meanwhile has no client any more. */
  if (self == NULL || self->client == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      !dailies_api_client_get_key_rejected (self->client))
    return;

  if (error != NULL)
    {
      g_message ("poller: the key's usage is unknown: %s", error->message);
      return;
    }

  g_message ("poller: the rejected key has used %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
             ", %" G_GINT64_FORMAT " left%s",
             usage->quota_used, usage->quota_granted, usage->quota_available,
             usage->quota_unlimited ? " (unlimited)" : "");
  self->quota_used = usage->quota_used;
  self->quota_granted = usage->quota_granted;
  self->no_quota = !usage->quota_unlimited && usage->quota_available >= 0 && usage->quota_available <= 0;
  schedule (self);
}

static void
key_rejected_changed_cb (DailiesPoller *self)
{
  self->no_quota = FALSE;
  self->quota_used = -1;
  self->quota_granted = -1;

  if (dailies_api_client_get_key_rejected (self->client))
    {
      GWeakRef *ref = g_new0 (GWeakRef, 1);

      /* Once per rejection, never on a timer: the gateway rate-limits it.
       * It tells a spent key from a wrong one. */
      g_weak_ref_init (ref, self);
      dailies_api_client_fetch_usage_async (self->client, self->cancellable, usage_cb, ref);
    }
  else
    {
      resume_parked (self);
    }

  if (self->started)
    schedule (self);
}

void
dailies_poller_wake (DailiesPoller *self)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));

  if (!self->started)
    return;

  resume_parked (self);
  schedule (self);
}

/* Check Again for @task, without looking for what may start now. */
static void
refresh_entry (DailiesPoller *self,
               DailiesTask   *task)
{
  Entry *entry = g_hash_table_lookup (self->entries, task);

  if (entry == NULL)
    {
      /* Finished tasks are asked about once more, then left alone again. */
      entry = g_new0 (Entry, 1);
      entry->task = g_object_ref (task);
      g_hash_table_insert (self->entries, task, entry);
    }
  else if (entry->in_flight)
    {
      return;
    }

  /* Before everything due, but a rejected key, a pause, a free slot and
   * the budget still hold it back: it counts like any other request. */
  entry->attempts = 0;
  queue_urgent_entry (self, entry);
}

void
dailies_poller_refresh (DailiesPoller *self,
                        DailiesTask   *task)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));
  g_return_if_fail (DAILIES_IS_TASK (task));

  refresh_entry (self, task);
  schedule (self);
}

/* Check Again for a selection of up to every task: what may start is
 * looked for once, not once a task. */
void
dailies_poller_refresh_tasks (DailiesPoller *self,
                              GPtrArray     *tasks)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));
  g_return_if_fail (tasks != NULL);

  for (guint i = 0; i < tasks->len; i++)
    g_return_if_fail (DAILIES_IS_TASK (g_ptr_array_index (tasks, i)));

  for (guint i = 0; i < tasks->len; i++)
    refresh_entry (self, g_ptr_array_index (tasks, i));
  schedule (self);
}

DailiesPollerState
dailies_poller_get_state (DailiesPoller *self)
{
  g_return_val_if_fail (DAILIES_IS_POLLER (self), DAILIES_POLLER_STATE_STOPPED);

  return self->state;
}

void
dailies_poller_set_interval (DailiesPoller *self,
                             guint          seconds)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));

  self->interval_s = MAX (seconds, 1);
  self->interval_overridden = TRUE;
  reschedule_within_interval (self);
}

void
dailies_poller_set_max_concurrent (DailiesPoller *self,
                                   guint          max_concurrent)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));

  self->max_concurrent = MAX (max_concurrent, 1);
  self->max_concurrent_overridden = TRUE;
  schedule (self);
}

void
dailies_poller_set_requests_per_second (DailiesPoller *self,
                                        guint          requests_per_second)
{
  gint64 old_step;

  g_return_if_fail (DAILIES_IS_POLLER (self));

  old_step = budget_step_us (self);
  self->requests_per_second = requests_per_second;
  self->rps_overridden = TRUE;
  apply_budget (self, old_step);
}

void
dailies_poller_set_backoff (DailiesPoller *self,
                            guint          first_ms,
                            guint          cap_ms)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));

  self->backoff_ms = MAX (first_ms, 1);
  self->backoff_cap_ms = MAX (cap_ms, self->backoff_ms);
}

void
dailies_poller_set_network_monitor (DailiesPoller   *self,
                                    GNetworkMonitor *monitor)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));
  g_return_if_fail (G_IS_NETWORK_MONITOR (monitor));

  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_func (self->monitor, network_changed_cb, self);
  g_set_object (&self->monitor, monitor);
  self->monitor_trusted = TRUE;
  g_signal_connect_object (monitor, "notify::network-available",
                           G_CALLBACK (network_changed_cb), self, G_CONNECT_SWAPPED);
  self->offline = !g_network_monitor_get_network_available (monitor);
  schedule (self);
}

DailiesPollerPause
dailies_poller_get_pause_reason (DailiesPoller *self)
{
  g_return_val_if_fail (DAILIES_IS_POLLER (self), DAILIES_POLLER_PAUSE_NONE);

  return self->pause_reason;
}

const char *
dailies_poller_get_wrong_address (DailiesPoller *self)
{
  g_return_val_if_fail (DAILIES_IS_POLLER (self), NULL);

  return self->wrong_address;
}

gint64
dailies_poller_get_pause_until (DailiesPoller *self)
{
  g_return_val_if_fail (DAILIES_IS_POLLER (self), 0);

  return self->pause_until;
}

void
dailies_poller_get_quota (DailiesPoller *self,
                          gint64        *used,
                          gint64        *granted)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));

  if (used != NULL)
    *used = self->quota_used;
  if (granted != NULL)
    *granted = self->quota_granted;
}

void
dailies_poller_set_rate_limit_pause (DailiesPoller *self,
                                     guint          first_ms,
                                     guint          cap_ms)
{
  g_return_if_fail (DAILIES_IS_POLLER (self));

  self->rate_pause_ms = MAX (first_ms, 1);
  self->rate_pause_cap_ms = MAX (cap_ms, self->rate_pause_ms);
}

guint
dailies_poller_get_n_in_flight (DailiesPoller *self)
{
  g_return_val_if_fail (DAILIES_IS_POLLER (self), 0);

  return self->n_in_flight;
}

gint64
dailies_poller_get_next_wakeup_ms (DailiesPoller *self)
{
  gint64 ready;

  g_return_val_if_fail (DAILIES_IS_POLLER (self), -1);

  ready = g_source_get_ready_time (self->timer);
  if (ready < 0)
    return -1;

  return MAX (0, (ready - g_get_monotonic_time ()) / 1000);
}
