/* dailies-task-list-model.c
 *
 * The list as the window shows it: the store's tasks, narrowed by a search
 * and a state, in the order the user chose. A GtkFilterListModel under a
 * GtkSortListModel checked every task again at each answer (120-140 ms at
 * 100,000 tasks); here every task keeps its sort key and its folded search
 * text, so an answer costs two binary searches and at most one move.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-deque.h"
#include "dailies-indices.h"
#include "dailies-search-key.h"
#include "dailies-task-list-model.h"
#include "dailies-task-store.h"
#include "dailies-task.h"

/* Batches added in this run, below the first_seen second in the "added"
 * key: two additions within one second still list the newer one first. */
#define BATCH_BITS 20
#define BATCH_MAX  ((G_GINT64_CONSTANT (1) << BATCH_BITS) - 1)

/* Above every live deadline (Unix seconds) and below "no link". */
#define LAPSED_BASE (G_GINT64_CONSTANT (1) << 62)

/* Where a task came in, shared by every list of the process and kept on
 * the task itself (dailies_task_set_list_order), so that an undone removal
 * goes back to its place: "added" is first_seen << BATCH_BITS | the batch
 * of this run (0 = loaded); seq the order of arrival, the store's order,
 * then each addition's. */
static guint64 next_seq = 1;
static gint64  next_batch = 1;
/* An open group (an import fed in slices over several seconds) lists as
 * one addition: every task takes the "added" key of its first. */
static guint   group_depth;
static gint64  group_added = -1;
/* The lists alive, whose waiting tasks the end of a group lists. */
static GPtrArray *live_models;

/* Within a group, the list takes in what came at most this often: each
 * addition costs the view a fixed amount (GTK 4.8 binds its 200 rows
 * again, and draws), whatever its size, and an import of 100,000 comes
 * in dozens of slices. */
#define LIST_INTERVAL_US (200 * 1000)
/* Fewer than this are listed at once all the same: a short list pasted
 * shows at once, whatever came just before. */
#define LIST_WAIT_MIN 1000

/* An addition or a removal told over this many places or more says where
 * each task was (get_replaced_position), so that the rows in view keep
 * their places, as for a search. Told over fewer, GTK 4.8 moves each row
 * with its task, so that the focus and the view stay on their tasks: when
 * a row it follows (the view's first, the focused one) is in the span,
 * it looks for the row's task in every place the change brings, which
 * costs about what the change does. Past this, that looking cost more
 * than the change (150,000 items asked for after an Undo of 50,000). */
#define HAND_OVER_MIN_PLACES 10000

typedef struct
{
  DailiesTask          *task;
  DailiesTaskListModel *model;    /* whose entry it is (see get_entry) */
  gint64                k1;       /* the sort key, for the current order: k1, k2, then seq */
  gint64                k2;
  guint64               seq;
  char                 *folded;   /* ID, model, reason and problem casefolded: made on the
                                   * store's loading thread for the tasks it read, else
                                   * ahead in idle slices, or when first searched if none
                                   * got to it */
  guint                 shown : 1;
  guint                 doomed : 1;
  guint                 waiting : 1;   /* in waiting, not yet in all */
} Entry;

/* While a change is told, the tasks it takes out of the list for good
 * (see dailies_task_list_model_foreach_leaving): these entries (a
 * removal's, an answer's), or those of a span of the list before that
 * are no longer shown (a search's). */
typedef struct
{
  Entry * const *entries;
  guint          n_entries;
  DailiesDeque  *before;
  guint          first;
  guint          n_before;
} Leaving;

struct _DailiesTaskListModel
{
  GObject            parent_instance;

  DailiesTaskStore  *store;
  GQuark             entry_quark;   /* each task's Entry, kept on the task (see
                                     * get_entry): a hash table of 100,000 cost
                                     * more than the entries */
  DailiesDeque      *all;           /* Entry, every task, by key */
  DailiesDeque      *shown;         /* Entry, the matching ones, by key: the model */
  DailiesDeque      *replaced;      /* the shown list before, while a search or
                                     * filter's change is told */
  GPtrArray         *told_added;    /* while an addition is told: the entries it
                                     * lists, by key */
  GPtrArray         *told_removed;  /* while a removal is told: the shown entries
                                     * it takes out, by key */
  DailiesTask       *moving;        /* while an answered task's leaving its place
                                     * is told: it comes back elsewhere next */
  Leaving            leaving;
  gulong             load_handler;

  DailiesTaskSort    sort;
  DailiesTaskFilter  state_filter;
  char              *search;        /* casefolded, or NULL */

  guint              fold_source;   /* folds search keys ahead, a slice at a time */
  guint              fold_next;     /* where in all the next slice starts */
  gboolean           fold_again;    /* tasks came in behind fold_next */
  gboolean           fold_later;    /* asked for during a group: at its end */

  GPtrArray         *waiting;       /* Entry, added in a group, listed at the next take_waiting */
  guint              waiting_source;
  gint64             last_taken;    /* monotonic µs of the last addition listed */

  guint              n_match_checks; /* for tests: what each change cost */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DailiesTaskListModel, dailies_task_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_SORT,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const sort_nicks[] = { "newest", "oldest", "status", "finished", "deadline" };

DailiesTaskSort
dailies_task_sort_from_nick (const char *nick)
{
  for (guint i = 0; i < G_N_ELEMENTS (sort_nicks); i++)
    if (g_strcmp0 (nick, sort_nicks[i]) == 0)
      return i;

  return DAILIES_TASK_SORT_NEWEST;
}

const char *
dailies_task_sort_to_nick (DailiesTaskSort sort)
{
  return sort < G_N_ELEMENTS (sort_nicks) ? sort_nicks[sort] : sort_nicks[0];
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

/* @batch 0 for tasks found in the store, else the addition they came
 * with. A task keeps the first it was given. Returns its seq. */
static guint64
ensure_order (DailiesTask *task,
              gint64       batch)
{
  gint64 added;
  guint64 seq;

  if (dailies_task_get_list_order (task, NULL, &seq))
    return seq;

  added = dailies_task_get_first_seen (task) * (BATCH_MAX + 1) + MIN (batch, BATCH_MAX);
  if (group_depth > 0 && batch != 0)
    {
      if (group_added < 0)
        group_added = added;
      added = group_added;
    }
  seq = next_seq++;
  dailies_task_set_list_order (task, added, seq);

  return seq;
}

static gint64
get_added (DailiesTask *task)
{
  gint64 added = 0;

  dailies_task_get_list_order (task, &added, NULL);

  return added;
}

/* In flight first, then what ended badly, then the videos. */
static gint64
status_rank (DailiesTask *task)
{
  switch (dailies_task_get_status (task))
    {
    case DAILIES_TASK_STATUS_IN_PROGRESS: return 0;
    case DAILIES_TASK_STATUS_QUEUED:      return 1;
    case DAILIES_TASK_STATUS_NOT_START:   return 2;
    case DAILIES_TASK_STATUS_UNKNOWN:     return 3;
    case DAILIES_TASK_STATUS_OTHER:       return 4;
    case DAILIES_TASK_STATUS_FAILURE:     return 5;
    case DAILIES_TASK_STATUS_NOT_FOUND:   return 6;
    case DAILIES_TASK_STATUS_SUCCESS:     return 7;
    default:                              return 8;
    }
}

/* Live links by deadline, then lapsed ones, the latest lapsed first (the
 * likeliest to come back fresh), then tasks without a link. Whether a
 * link is live is read when the key is made: keys are cached, so the list
 * stays consistently sorted while the clock runs on, and choosing the
 * order again brings it up to date. */
static gint64
deadline_key (DailiesTask *task,
              gint64       now)
{
  gint64 expires_at;

  if (!dailies_task_has_usable_link (task))
    return G_MAXINT64;

  expires_at = dailies_task_get_link_expires_at (task);
  if (expires_at <= 0)
    return G_MAXINT64;

  if (dailies_task_is_link_expired (task, now))
    return LAPSED_BASE - MIN (expires_at, LAPSED_BASE / 2);

  return MIN (expires_at, LAPSED_BASE / 2);
}

static void
make_key (DailiesTaskSort  sort,
          DailiesTask     *task,
          gint64           now,
          gint64          *k1,
          gint64          *k2)
{
  gint64 added = get_added (task);
  gint64 finish;

  switch (sort)
    {
    case DAILIES_TASK_SORT_OLDEST:
      *k1 = added;
      *k2 = 0;
      break;

    case DAILIES_TASK_SORT_STATUS:
      *k1 = status_rank (task);
      *k2 = -added;
      break;

    case DAILIES_TASK_SORT_FINISHED:
      finish = dailies_task_get_finish_time (task);
      *k1 = finish > 0 ? -finish : G_MAXINT64;
      *k2 = -added;
      break;

    case DAILIES_TASK_SORT_DEADLINE:
      *k1 = deadline_key (task, now);
      *k2 = -added;
      break;

    case DAILIES_TASK_SORT_NEWEST:
    default:
      *k1 = -added;
      *k2 = 0;
      break;
    }
}

static inline int
compare_keys (gint64  a1,
              gint64  a2,
              guint64 aseq,
              const Entry *b)
{
  if (a1 != b->k1)
    return a1 < b->k1 ? -1 : 1;
  if (a2 != b->k2)
    return a2 < b->k2 ? -1 : 1;
  if (aseq != b->seq)
    return aseq < b->seq ? -1 : 1;
  return 0;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const Entry *ea = *(const Entry * const *) a;

  return compare_keys (ea->k1, ea->k2, ea->seq, *(const Entry * const *) b);
}

/* The first index whose entry sorts at or after the key. */
static guint
lower_bound (gpointer const *items,
             guint           len,
             gint64          k1,
             gint64          k2,
             guint64         seq)
{
  guint lo = 0;
  guint hi = len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (compare_keys (k1, k2, seq, items[mid]) > 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* Where @entry is, found by its cached key. */
static guint
find_entry (const DailiesDeque *array,
            Entry              *entry)
{
  guint index = lower_bound ((gpointer const *) array->pdata, array->len, entry->k1, entry->k2, entry->seq);

  g_assert (index < array->len && dailies_deque_index (array, index) == entry);
  return index;
}

/* Tells of a change, with what it takes out for good. */
static void
tell_change (DailiesTaskListModel *self,
             guint                 position,
             guint                 removed,
             guint                 added,
             const Leaving        *leaving)
{
  Leaving outer = self->leaving;  /* a handler's change, told within */

  self->leaving = leaving != NULL ? *leaving : (Leaving) { 0 };
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  self->leaving = outer;
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */
/* ------------------------------------------------------------------ */

static const char *
entry_get_folded (Entry *entry)
{
  /* Made when the store read the task, unless it changed since. */
  if (entry->folded == NULL)
    entry->folded = dailies_task_steal_search_key (entry->task);
  if (entry->folded == NULL)
    entry->folded = dailies_search_key_for_task (entry->task);

  return entry->folded;
}

/* The first keystroke of a search would otherwise fold every task at once
 * (250 ms at 100,000): the keys the loading thread did not make (tasks
 * added or answered since) are folded ahead, a few milliseconds of an
 * idle main loop at a time. */
#define FOLD_SLICE_US 3000

static gboolean
fold_slice_cb (gpointer user_data)
{
  DailiesTaskListModel *self = user_data;
  gint64 end = g_get_monotonic_time () + FOLD_SLICE_US;
  guint n = 0;

  if (group_depth > 0)
    {
      self->fold_source = 0;
      self->fold_later = TRUE;
      return G_SOURCE_REMOVE;
    }

  for (;;)
    {
      if (self->fold_next >= self->all->len)
        {
          if (!self->fold_again)
            {
              self->fold_source = 0;
              return G_SOURCE_REMOVE;
            }
          self->fold_again = FALSE;
          self->fold_next = 0;
        }

      entry_get_folded (dailies_deque_index (self->all, self->fold_next++));
      if (++n % 256 == 0 && g_get_monotonic_time () >= end)
        return G_SOURCE_CONTINUE;
    }
}

static void
fold_ahead (DailiesTaskListModel *self)
{
  /* Not between an import's slices: each would wait for a fold slice. */
  if (group_depth > 0)
    {
      self->fold_later = TRUE;
      return;
    }
  self->fold_later = FALSE;

  if (self->fold_source != 0)
    {
      self->fold_again = TRUE;
      return;
    }

  self->fold_next = 0;
  self->fold_again = FALSE;
  self->fold_source = g_idle_add_full (G_PRIORITY_LOW, fold_slice_cb, self, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->fold_source),
                            "[dailies] fold search keys");
}

static gboolean
state_matches (DailiesTask       *task,
               DailiesTaskFilter  filter,
               gint64             now)
{
  DailiesTaskStatus status = dailies_task_get_status (task);

  switch (filter)
    {
    case DAILIES_TASK_FILTER_RUNNING:
      return !dailies_task_is_terminal (task);
    case DAILIES_TASK_FILTER_SUCCEEDED:
      return status == DAILIES_TASK_STATUS_SUCCESS;
    case DAILIES_TASK_FILTER_FAILED:
      return status == DAILIES_TASK_STATUS_FAILURE || status == DAILIES_TASK_STATUS_NOT_FOUND;
    case DAILIES_TASK_FILTER_LINK_EXPIRED:
      return status == DAILIES_TASK_STATUS_SUCCESS && dailies_task_get_local_path (task) == NULL &&
             dailies_task_is_link_expired (task, now);
    case DAILIES_TASK_FILTER_ALL:
    default:
      return TRUE;
    }
}

static gboolean
entry_matches (DailiesTaskListModel *self,
               Entry                *entry,
               gint64                now)
{
  self->n_match_checks++;

  /* Not even a read of the task for "all": a search over 100,000 then
   * touches the entries and their keys, not 100,000 scattered objects. */
  if (self->state_filter != DAILIES_TASK_FILTER_ALL && !state_matches (entry->task, self->state_filter, now))
    return FALSE;

  return self->search == NULL || strstr (entry_get_folded (entry), self->search) != NULL;
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ------------------------------------------------------------------ */
/* Changes                                                             */
/* ------------------------------------------------------------------ */

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_object_unref (entry->task);
  g_free (entry->folded);
  g_free (entry);
}

/* The task's entry in this model. The first model to list a task keeps
 * its entry in the task's own pointer; any other (there is one per window)
 * in object data, which costs an allocation per task. */
static Entry *
get_entry (DailiesTaskListModel *self,
           DailiesTask          *task)
{
  Entry *entry = dailies_task_get_list_entry (task);

  if (entry != NULL && entry->model == self)
    return entry;
  return g_object_get_qdata (G_OBJECT (task), self->entry_quark);
}

static void
set_entry (DailiesTaskListModel *self,
           DailiesTask          *task,
           Entry                *entry)
{
  Entry *in_task = dailies_task_get_list_entry (task);

  if (entry != NULL && in_task == NULL)
    dailies_task_set_list_entry (task, entry);
  else if (entry == NULL && in_task != NULL && in_task->model == self)
    dailies_task_set_list_entry (task, NULL);
  else
    g_object_set_qdata (G_OBJECT (task), self->entry_quark, entry);
}

static Entry *
entry_new (DailiesTaskListModel *self,
           DailiesTask          *task,
           gint64                batch,
           gint64                now)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->task = g_object_ref (task);
  entry->model = self;
  /* Taken now: left on the task, it would be one more copy. */
  entry->folded = dailies_task_steal_search_key (task);
  entry->seq = ensure_order (task, batch);
  make_key (self->sort, task, now, &entry->k1, &entry->k2);
  entry->shown = entry_matches (self, entry, now);
  set_entry (self, task, entry);

  return entry;
}

/* Replaces the shown list by @shown (taking it) and says what changed:
 * the span between what both lists share at their start and at their end.
 *
 * In one change. Said in two (the old items that had rows first moved
 * below the new ones, so that GTK 4.8 would move their rows over rather
 * than build new ones), GTK 4.8 went on showing old tasks in place of a
 * search's matches. */
static void
replace_shown (DailiesTaskListModel *self,
               DailiesDeque         *shown,
               gboolean              keys_kept)
{
  g_autoptr(DailiesDeque) old = self->shown;
  guint prefix = 0;
  guint suffix = 0;
  guint n_old, n_new;

  while (prefix < old->len && prefix < shown->len && old->pdata[prefix] == shown->pdata[prefix])
    prefix++;
  while (suffix < old->len - prefix && suffix < shown->len - prefix &&
         old->pdata[old->len - 1 - suffix] == shown->pdata[shown->len - 1 - suffix])
    suffix++;

  n_old = old->len - prefix - suffix;
  n_new = shown->len - prefix - suffix;
  self->shown = shown;
  if (n_old == 0 && n_new == 0)
    return;

  /* With the keys unchanged, the old list can still be searched by them. */
  self->replaced = keys_kept ? old : NULL;
  /* A new order takes no task out. */
  tell_change (self, prefix, n_old, n_new,
               keys_kept ? &(Leaving) { .before = old, .first = prefix, .n_before = n_old } : NULL);
  self->replaced = NULL;
  if (old->len != shown->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static DailiesDeque *
collect_shown (DailiesTaskListModel *self)
{
  DailiesDeque *shown = dailies_deque_new (self->shown->len);

  for (guint i = 0; i < self->all->len; i++)
    {
      Entry *entry = dailies_deque_index (self->all, i);

      if (entry->shown)
        dailies_deque_append (shown, entry);
    }

  return shown;
}

static void take_waiting (DailiesTaskListModel *self);

/* A new search or state: every task is matched once, nothing sorted. */
static void
refilter (DailiesTaskListModel *self)
{
  gint64 now = now_seconds ();

  take_waiting (self);

  for (guint i = 0; i < self->all->len; i++)
    {
      Entry *entry = dailies_deque_index (self->all, i);

      entry->shown = entry_matches (self, entry, now);
    }

  replace_shown (self, collect_shown (self), TRUE);
}

/* A search that only grew (a key typed into it): what it finds is among
 * what the old one found, so only those are matched again. */
static void
narrow (DailiesTaskListModel *self)
{
  gint64 now = now_seconds ();
  DailiesDeque *shown;

  take_waiting (self);

  shown = dailies_deque_new (self->shown->len);
  for (guint i = 0; i < self->shown->len; i++)
    {
      Entry *entry = dailies_deque_index (self->shown, i);

      entry->shown = entry_matches (self, entry, now);
      if (entry->shown)
        dailies_deque_append (shown, entry);
    }

  replace_shown (self, shown, TRUE);
}

static void
resort (DailiesTaskListModel *self)
{
  gint64 now = now_seconds ();

  take_waiting (self);

  for (guint i = 0; i < self->all->len; i++)
    {
      Entry *entry = dailies_deque_index (self->all, i);

      make_key (self->sort, entry->task, now, &entry->k1, &entry->k2);
    }
  dailies_deque_sort (self->all, compare_entries);

  replace_shown (self, collect_shown (self), FALSE);
}

static gboolean
entry_sorts_after (gconstpointer item,
                   gconstpointer key)
{
  return compare_entries (&item, &key) > 0;
}

/* Lists the waiting entries: merged in by their keys, with one
 * items-changed. */
static void
take_waiting (DailiesTaskListModel *self)
{
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GPtrArray) fresh_shown = NULL;
  guint first, last;

  if (self->waiting->len == 0)
    return;

  fresh = g_steal_pointer (&self->waiting);
  self->waiting = g_ptr_array_new ();
  g_clear_handle_id (&self->waiting_source, g_source_remove);
  self->last_taken = g_get_monotonic_time ();

  for (guint i = 0; i < fresh->len; i++)
    ((Entry *) g_ptr_array_index (fresh, i))->waiting = FALSE;
  fold_ahead (self);

  /* An addition in the default order comes sorted already; an answer
   * while waiting may have moved one. */
  dailies_indices_sort_stable (fresh, compare_entries);
  /* From the nearer end: an addition lands at the top in the default
   * order, an Undo where its tasks were; what lies beyond stays put. */
  dailies_deque_merge (self->all, (gpointer const *) fresh->pdata, fresh->len, entry_sorts_after, &first, &last);

  fresh_shown = g_ptr_array_sized_new (fresh->len);
  for (guint i = 0; i < fresh->len; i++)
    if (((Entry *) g_ptr_array_index (fresh, i))->shown)
      g_ptr_array_add (fresh_shown, g_ptr_array_index (fresh, i));
  if (fresh_shown->len == 0)
    return;

  dailies_deque_merge (self->shown, (gpointer const *) fresh_shown->pdata, fresh_shown->len, entry_sorts_after,
                       &first, &last);
  if (last + 1 - first >= HAND_OVER_MIN_PLACES)
    self->told_added = fresh_shown;
  tell_change (self, first, last + 1 - first - fresh_shown->len, last + 1 - first, NULL);
  self->told_added = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static gboolean
take_waiting_cb (gpointer user_data)
{
  DailiesTaskListModel *self = user_data;

  self->waiting_source = 0;
  take_waiting (self);

  return G_SOURCE_REMOVE;
}

/* Outside a group, a few tasks, or the first addition in a while, are
 * listed at once; the rest of a group waits for the next turn (or the
 * group's end). */
static void
add_tasks (DailiesTaskListModel *self,
           GPtrArray            *tasks)
{
  gint64 now = now_seconds ();
  gint64 batch = 0;
  gint64 since;

  for (guint i = 0; i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);
      Entry *entry;

      if (get_entry (self, task) != NULL)
        continue;

      /* One batch number per addition, taken only if a task needs it. */
      if (batch == 0 && !dailies_task_get_list_order (task, NULL, NULL))
        batch = next_batch++;

      entry = entry_new (self, task, batch, now);
      entry->waiting = TRUE;
      g_ptr_array_add (self->waiting, entry);
    }
  if (self->waiting->len == 0)
    return;

  since = g_get_monotonic_time () - self->last_taken;
  if (group_depth == 0 || self->waiting->len < LIST_WAIT_MIN || since >= LIST_INTERVAL_US)
    take_waiting (self);
  else if (self->waiting_source == 0)
    {
      self->waiting_source = g_timeout_add ((LIST_INTERVAL_US - since) / 1000 + 1, take_waiting_cb, self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->waiting_source),
                                "[dailies] list waiting tasks");
    }
}

static gboolean
entry_is_doomed (gpointer item,
                 gpointer user_data)
{
  return ((Entry *) item)->doomed;
}

/* Drops the doomed entries from @array, which are at @indices. A few (a
 * removal near the top of 100,000) cost a block move each, toward the
 * nearer end; many, one pass over the span they are in. */
static void
compact (DailiesDeque *array,
         GArray       *indices)
{
  guint first = G_MAXUINT;
  guint last = 0;

  if (indices->len <= 64)
    {
      dailies_indices_sort (indices);
      dailies_deque_remove_sorted (array, (const guint *) indices->data, indices->len);
      return;
    }

  for (guint i = 0; i < indices->len; i++)
    {
      first = MIN (first, g_array_index (indices, guint, i));
      last = MAX (last, g_array_index (indices, guint, i));
    }
  dailies_deque_remove_if (array, first, last, entry_is_doomed, NULL);
}

static void
tasks_removed_cb (DailiesTaskListModel *self,
                  GPtrArray            *tasks)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  g_autoptr(GArray) in_all = g_array_sized_new (FALSE, FALSE, sizeof (guint), tasks->len);
  g_autoptr(GArray) in_shown = g_array_sized_new (FALSE, FALSE, sizeof (guint), tasks->len);
  guint n_all = 0;
  guint n_shown = 0;
  guint first = G_MAXUINT;
  guint last = 0;

  /* Rare in the middle of an import: what waits is listed first. */
  take_waiting (self);
  g_array_set_size (in_all, tasks->len);
  g_array_set_size (in_shown, tasks->len);

  for (guint i = 0; i < tasks->len; i++)
    {
      Entry *entry = get_entry (self, g_ptr_array_index (tasks, i));
      guint index;

      if (entry == NULL || entry->doomed)
        continue;

      g_array_index (in_all, guint, n_all++) = find_entry (self->all, entry);
      if (entry->shown)
        {
          index = find_entry (self->shown, entry);
          g_array_index (in_shown, guint, n_shown++) = index;
          first = MIN (first, index);
          last = MAX (last, index);
        }
      entry->doomed = TRUE;
      g_ptr_array_add (doomed, entry);
    }
  if (doomed->len == 0)
    return;
  g_array_set_size (in_all, n_all);
  g_array_set_size (in_shown, n_shown);

  compact (self->all, in_all);
  if (in_shown->len > 0)
    compact (self->shown, in_shown);

  /* The entries go after the signal: a handler may still ask for them,
   * and where they were (get_replaced_position). */
  if (in_shown->len > 0)
    {
      g_autoptr(GPtrArray) removed_shown = g_ptr_array_sized_new (in_shown->len);

      for (guint i = 0; i < doomed->len; i++)
        if (((Entry *) g_ptr_array_index (doomed, i))->shown)
          g_ptr_array_add (removed_shown, g_ptr_array_index (doomed, i));
      if (last + 1 - first - in_shown->len >= HAND_OVER_MIN_PLACES)
        {
          g_ptr_array_sort (removed_shown, compare_entries);
          self->told_removed = removed_shown;
        }

      tell_change (self, first, last + 1 - first, last + 1 - first - in_shown->len,
                   &(Leaving) { .entries = (Entry * const *) removed_shown->pdata, .n_entries = removed_shown->len });
      self->told_removed = NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }

  for (guint i = 0; i < doomed->len; i++)
    {
      Entry *entry = g_ptr_array_index (doomed, i);

      set_entry (self, entry->task, NULL);
      entry_free (entry);
    }
}

static void
tasks_added_cb (DailiesTaskListModel *self,
                GPtrArray            *tasks)
{
  add_tasks (self, tasks);
}

/* An answer may change the task's state, model, failure reason or times:
 * only its own match and place are looked at again. */
static void
task_answered_cb (DailiesTaskListModel *self,
                  DailiesTask          *task)
{
  Entry *entry = get_entry (self, task);
  gint64 now = now_seconds ();
  gboolean was_shown;
  gboolean keep_place;
  guint old_index = 0;
  guint new_index = 0;
  gint64 k1, k2;

  if (entry == NULL)
    return;

  g_clear_pointer (&entry->folded, g_free);
  make_key (self->sort, task, now, &k1, &k2);
  if (entry->waiting)
    {
      /* Placed when it is listed. */
      entry->k1 = k1;
      entry->k2 = k2;
      entry->shown = entry_matches (self, entry, now);
      return;
    }

  was_shown = entry->shown;
  keep_place = k1 == entry->k1 && k2 == entry->k2;
  entry->shown = entry_matches (self, entry, now);

  if (was_shown)
    old_index = find_entry (self->shown, entry);

  if (!keep_place)
    {
      dailies_deque_remove_index (self->all, find_entry (self->all, entry));
      if (was_shown)
        dailies_deque_remove_index (self->shown, old_index);
      entry->k1 = k1;
      entry->k2 = k2;
      dailies_deque_insert (self->all,
                            lower_bound ((gpointer const *) self->all->pdata, self->all->len, k1, k2, entry->seq),
                            entry);
    }
  else if (was_shown && !entry->shown)
    dailies_deque_remove_index (self->shown, old_index);

  /* A task that moves is told as leaving its place, then as coming to
   * its new one. Told as one span over every place between (up to the
   * whole list), it had GTK 4.8 and the selection look at each of them. */
  if (was_shown && !keep_place)
    {
      DailiesTask *outer = self->moving;  /* a handler's answer, told within */

      if (entry->shown)
        {
          new_index = lower_bound ((gpointer const *) self->shown->pdata, self->shown->len, k1, k2, entry->seq);
          if (new_index == old_index)
            {
              dailies_deque_insert (self->shown, new_index, entry);
              return;
            }
          self->moving = task;
        }
      tell_change (self, old_index, 1, 0,
                   entry->shown ? NULL : &(Leaving) { .entries = (Entry * const *) &entry, .n_entries = 1 });
      self->moving = outer;
    }
  else if (was_shown && !entry->shown)
    {
      tell_change (self, old_index, 1, 0, &(Leaving) { .entries = (Entry * const *) &entry, .n_entries = 1 });
    }

  if (entry->shown && (!was_shown || !keep_place))
    {
      new_index = lower_bound ((gpointer const *) self->shown->pdata, self->shown->len, k1, k2, entry->seq);
      dailies_deque_insert (self->shown, new_index, entry);
      tell_change (self, new_index, 0, 1, NULL);
    }

  if (was_shown != entry->shown)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Every task of the store, in its order: the arrival order of those
 * that no list has seen yet. */
static void
take_store (DailiesTaskListModel *self)
{
  g_autoptr(GPtrArray) tasks = NULL;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  tasks = g_ptr_array_new_full (n_items, g_object_unref);
  for (guint i = 0; i < n_items; i++)
    {
      DailiesTask *task = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      ensure_order (task, 0);
      g_ptr_array_add (tasks, task);
    }

  add_tasks (self, tasks);
}

/* The store fills itself at load with one items-changed and no
 * tasks-added; anything added afterwards comes with tasks-added. */
static void
store_items_changed_cb (DailiesTaskListModel *self)
{
  if (!dailies_task_store_is_loaded (self->store))
    return;

  g_clear_signal_handler (&self->load_handler, self->store);
  take_store (self);
}

/* ------------------------------------------------------------------ */
/* GListModel                                                          */
/* ------------------------------------------------------------------ */

static GType
dailies_task_list_model_get_item_type (GListModel *model)
{
  return DAILIES_TYPE_TASK;
}

static guint
dailies_task_list_model_get_n_items (GListModel *model)
{
  return DAILIES_TASK_LIST_MODEL (model)->shown->len;
}

static gpointer
dailies_task_list_model_get_item (GListModel *model,
                                  guint       position)
{
  DailiesTask *task = dailies_task_list_model_peek_task (DAILIES_TASK_LIST_MODEL (model), position);

  return task != NULL ? g_object_ref (task) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dailies_task_list_model_get_item_type;
  iface->get_n_items = dailies_task_list_model_get_n_items;
  iface->get_item = dailies_task_list_model_get_item;
}

/* No type check: GTK 4.8 asks for every place of a big change. */
DailiesTask *
dailies_task_list_model_peek_task (DailiesTaskListModel *self,
                                   guint                 position)
{
  if (position >= self->shown->len)
    return NULL;

  return ((Entry *) dailies_deque_index (self->shown, position))->task;
}

guint
dailies_task_list_model_count_match_checks (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), 0);

  return self->n_match_checks;
}

gboolean
dailies_task_list_model_is_replacing (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), FALSE);

  return self->replaced != NULL || self->told_added != NULL || self->told_removed != NULL;
}

DailiesTask *
dailies_task_list_model_get_moving_task (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), NULL);

  return self->moving;
}

gboolean
dailies_task_list_model_is_refiltering (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), FALSE);

  return self->replaced != NULL;
}

/* How many of @items' entries sort before @entry, and whether @entry is
 * one of them (at that index). */
static guint
count_before (gpointer const *items,
              guint           len,
              Entry          *entry,
              gboolean       *is_in)
{
  guint index = lower_bound (items, len, entry->k1, entry->k2, entry->seq);

  *is_in = index < len && items[index] == entry;
  return index;
}

static guint
count_before_told (GPtrArray *told,
                   Entry     *entry,
                   gboolean  *is_in)
{
  if (told == NULL)
    {
      *is_in = FALSE;
      return 0;
    }

  return count_before ((gpointer const *) told->pdata, told->len, entry, is_in);
}

gboolean
dailies_task_list_model_get_replaced_position (DailiesTaskListModel *self,
                                               DailiesTask          *task,
                                               guint                *position)
{
  Entry *entry;
  guint index;

  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), FALSE);
  g_return_val_if_fail (DAILIES_IS_TASK (task), FALSE);

  if ((entry = get_entry (self, task)) == NULL)
    return FALSE;

  /* An addition or a removal: the places before are those of the list
   * now, less what came in before, plus what went before. */
  if (self->told_added != NULL || self->told_removed != NULL)
    {
      gboolean added, removed, listed;
      guint n_added = count_before_told (self->told_added, entry, &added);
      guint n_removed = count_before_told (self->told_removed, entry, &removed);

      index = count_before ((gpointer const *) self->shown->pdata, self->shown->len, entry, &listed);
      if (added || (!removed && !listed))
        return FALSE;

      *position = index - n_added + n_removed;
      return TRUE;
    }

  if (self->replaced == NULL)
    return FALSE;

  index = lower_bound ((gpointer const *) self->replaced->pdata, self->replaced->len,
                       entry->k1, entry->k2, entry->seq);
  if (index >= self->replaced->len || dailies_deque_index (self->replaced, index) != entry)
    return FALSE;

  *position = index;
  return TRUE;
}

gboolean
dailies_task_list_model_find_task (DailiesTaskListModel *self,
                                   DailiesTask          *task,
                                   guint                *position)
{
  Entry *entry;
  gboolean listed;
  guint index;

  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), FALSE);
  g_return_val_if_fail (DAILIES_IS_TASK (task), FALSE);

  entry = get_entry (self, task);
  if (entry == NULL || !entry->shown || entry->waiting || entry->doomed)
    return FALSE;

  /* Not found while an answer moves it. */
  index = count_before ((gpointer const *) self->shown->pdata, self->shown->len, entry, &listed);
  if (!listed)
    return FALSE;

  if (position != NULL)
    *position = index;
  return TRUE;
}

guint
dailies_task_list_model_count_may_leave (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), 0);

  return self->leaving.n_entries + self->leaving.n_before;
}

void
dailies_task_list_model_foreach_leaving (DailiesTaskListModel *self,
                                         GFunc                 func,
                                         gpointer              user_data)
{
  const Leaving *leaving;

  g_return_if_fail (DAILIES_IS_TASK_LIST_MODEL (self));
  g_return_if_fail (func != NULL);

  leaving = &self->leaving;
  for (guint i = 0; i < leaving->n_entries; i++)
    func (leaving->entries[i]->task, user_data);
  for (guint i = leaving->first; i < leaving->first + leaving->n_before; i++)
    {
      Entry *entry = dailies_deque_index (leaving->before, i);

      if (!entry->shown)
        func (entry->task, user_data);
    }
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

static void
dailies_task_list_model_dispose (GObject *object)
{
  DailiesTaskListModel *self = DAILIES_TASK_LIST_MODEL (object);

  if (self->store != NULL)
    {
      g_clear_signal_handler (&self->load_handler, self->store);
      g_signal_handlers_disconnect_by_data (self->store, self);
    }
  g_clear_object (&self->store);
  g_clear_handle_id (&self->fold_source, g_source_remove);
  g_clear_handle_id (&self->waiting_source, g_source_remove);

  G_OBJECT_CLASS (dailies_task_list_model_parent_class)->dispose (object);
}

static void
dailies_task_list_model_finalize (GObject *object)
{
  DailiesTaskListModel *self = DAILIES_TASK_LIST_MODEL (object);

  for (guint i = 0; i < self->all->len; i++)
    {
      Entry *entry = dailies_deque_index (self->all, i);

      set_entry (self, entry->task, NULL);
      entry_free (entry);
    }
  for (guint i = 0; i < self->waiting->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->waiting, i);

      set_entry (self, entry->task, NULL);
      entry_free (entry);
    }
  g_ptr_array_remove_fast (live_models, self);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->shown, dailies_deque_free);
  g_clear_pointer (&self->all, dailies_deque_free);
  g_clear_pointer (&self->search, g_free);

  G_OBJECT_CLASS (dailies_task_list_model_parent_class)->finalize (object);
}

static void
dailies_task_list_model_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  DailiesTaskListModel *self = DAILIES_TASK_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_SORT:
      g_value_set_string (value, dailies_task_sort_to_nick (self->sort));
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, self->shown->len);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_list_model_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  DailiesTaskListModel *self = DAILIES_TASK_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_SORT:
      dailies_task_list_model_set_sort (self, dailies_task_sort_from_nick (g_value_get_string (value)));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_list_model_class_init (DailiesTaskListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_task_list_model_dispose;
  object_class->finalize = dailies_task_list_model_finalize;
  object_class->get_property = dailies_task_list_model_get_property;
  object_class->set_property = dailies_task_list_model_set_property;


  /* The nick, so that a setting binds to it as it is. */
  properties[PROP_SORT] =
    g_param_spec_string ("sort", NULL, NULL, "newest",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dailies_task_list_model_init (DailiesTaskListModel *self)
{
  g_autofree char *quark_name = g_strdup_printf ("dailies-task-list-model-entry-%p", self);

  /* A model at the same address later has cleared it from every task. */
  self->entry_quark = g_quark_from_string (quark_name);
  self->all = dailies_deque_new (0);
  self->shown = dailies_deque_new (0);
  self->waiting = g_ptr_array_new ();

  if (live_models == NULL)
    live_models = g_ptr_array_new ();
  g_ptr_array_add (live_models, self);
}

DailiesTaskListModel *
dailies_task_list_model_new (DailiesTaskStore *store)
{
  DailiesTaskListModel *self;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (store), NULL);

  self = g_object_new (DAILIES_TYPE_TASK_LIST_MODEL, NULL);
  self->store = g_object_ref (store);

  g_signal_connect_object (store, "tasks-added", G_CALLBACK (tasks_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "tasks-removed", G_CALLBACK (tasks_removed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "task-answered", G_CALLBACK (task_answered_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "task-changed", G_CALLBACK (task_answered_cb), self, G_CONNECT_SWAPPED);

  if (dailies_task_store_is_loaded (store))
    take_store (self);
  else
    self->load_handler = g_signal_connect_object (store, "items-changed",
                                                  G_CALLBACK (store_items_changed_cb), self, G_CONNECT_SWAPPED);

  return self;
}

DailiesTaskStore *
dailies_task_list_model_get_store (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), NULL);

  return self->store;
}

void
dailies_task_list_model_begin_group (void)
{
  group_depth++;
}

static gpointer
ref_model (gconstpointer model,
           gpointer      user_data)
{
  return g_object_ref ((gpointer) model);
}

void
dailies_task_list_model_end_group (void)
{
  g_autoptr(GPtrArray) models = NULL;

  g_return_if_fail (group_depth > 0);

  if (--group_depth > 0)
    return;

  group_added = -1;
  if (live_models == NULL)
    return;

  /* A copy, with references: a handler of the items-changed said here
   * may drop a model, which reorders live_models. */
  models = g_ptr_array_copy (live_models, ref_model, NULL);
  g_ptr_array_set_free_func (models, g_object_unref);
  for (guint i = 0; i < models->len; i++)
    {
      DailiesTaskListModel *model = g_ptr_array_index (models, i);

      take_waiting (model);
      if (model->fold_later)
        fold_ahead (model);
    }
}

DailiesTaskSort
dailies_task_list_model_get_sort (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), DAILIES_TASK_SORT_NEWEST);

  return self->sort;
}

/* Choosing the order again sorts again: the deadline order reads the
 * clock when it sorts. */
void
dailies_task_list_model_set_sort (DailiesTaskListModel *self,
                                  DailiesTaskSort       sort)
{
  g_return_if_fail (DAILIES_IS_TASK_LIST_MODEL (self));
  g_return_if_fail (sort <= DAILIES_TASK_SORT_DEADLINE);

  if (self->sort == sort && sort != DAILIES_TASK_SORT_DEADLINE)
    return;

  self->sort = sort;
  resort (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
}

void
dailies_task_list_model_set_search (DailiesTaskListModel *self,
                                    const char           *text)
{
  g_autofree char *stripped = NULL;
  g_autofree char *folded = NULL;
  gboolean narrower;

  g_return_if_fail (DAILIES_IS_TASK_LIST_MODEL (self));

  stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  if (*stripped != '\0')
    folded = g_utf8_casefold (stripped, -1);

  if (g_strcmp0 (folded, self->search) == 0)
    return;

  /* The state "link expired" is read against the clock, so that filter
   * is matched again over every task. */
  narrower = self->search != NULL && folded != NULL && strstr (folded, self->search) != NULL &&
             self->state_filter != DAILIES_TASK_FILTER_LINK_EXPIRED;
  g_free (self->search);
  self->search = g_steal_pointer (&folded);
  if (narrower)
    narrow (self);
  else
    refilter (self);
}

const char *
dailies_task_list_model_get_search (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), NULL);

  return self->search;
}

DailiesTaskFilter
dailies_task_list_model_get_state_filter (DailiesTaskListModel *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (self), DAILIES_TASK_FILTER_ALL);

  return self->state_filter;
}

/* Choosing a state again filters again: whether a link lapsed depends on
 * the clock. */
void
dailies_task_list_model_set_state_filter (DailiesTaskListModel *self,
                                          DailiesTaskFilter     filter)
{
  g_return_if_fail (DAILIES_IS_TASK_LIST_MODEL (self));

  if (filter > DAILIES_TASK_FILTER_LINK_EXPIRED)
    filter = DAILIES_TASK_FILTER_ALL;

  if (self->state_filter == filter && filter != DAILIES_TASK_FILTER_LINK_EXPIRED)
    return;

  self->state_filter = filter;
  refilter (self);
}
