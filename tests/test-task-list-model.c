/* test-task-list-model.c
 *
 * The list the window shows, over a real store in a temporary SQLite
 * file: each order, the search and state filter, answers moving tasks,
 * removal and undo. A mirror built only from items-changed is compared
 * with a brute-force filtered and sorted copy after every change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "dailies-search-key.h"
#include "dailies-task-list-model.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  char                 *dir;
  DailiesTaskStore     *store;
  DailiesTaskListModel *model;
  GPtrArray            *mirror;       /* DailiesTask, kept from items-changed alone */
  guint                 n_signals;
  guint                 position;     /* of the last items-changed */
  guint                 removed;
  guint                 added;
  guint                 n_places;     /* removed and added, over the changes since the reset */
  guint                 first_position;  /* of the first items-changed since the reset */
  GHashTable           *batch_of;     /* task → its addition, counted by the test (0 = loaded) */
  GHashTable           *index_of;     /* task → its place in that addition */
  guint                 n_batches;
  guint                 next_id;      /* of run_property's tasks */
  guint                 n_replacing;  /* items-changed that said where tasks were */
} Fixture;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  g_assert_cmpuint (position + removed, <=, f->mirror->len);

  /* Where the list says each task was (the list view's model hands its
   * rows over by it): the mirror is the list before this change; a task
   * it does not hold was not listed. */
  if (dailies_task_list_model_is_replacing (DAILIES_TASK_LIST_MODEL (model)))
    {
      g_autoptr(GHashTable) before = g_hash_table_new (NULL, NULL);
      guint old;

      f->n_replacing++;
      for (guint i = 0; i < f->mirror->len; i++)
        {
          DailiesTask *task = g_ptr_array_index (f->mirror, i);

          g_hash_table_add (before, task);
          g_assert_true (dailies_task_list_model_get_replaced_position (DAILIES_TASK_LIST_MODEL (model), task, &old));
          g_assert_cmpuint (old, ==, i);
        }
      for (guint i = 0; i < added; i++)
        {
          g_autoptr(DailiesTask) task = g_list_model_get_item (model, position + i);

          if (!g_hash_table_contains (before, task))
            g_assert_false (dailies_task_list_model_get_replaced_position (DAILIES_TASK_LIST_MODEL (model), task, &old));
        }
    }

  if (f->n_signals == 0)
    f->first_position = position;
  f->n_signals++;
  f->n_places += removed + added;
  f->position = position;
  f->removed = removed;
  f->added = added;

  g_ptr_array_remove_range (f->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (f->mirror, position + i, g_list_model_get_item (model, position + i));
}

static void
reset_signals (Fixture *f)
{
  f->n_signals = 0;
  f->position = f->removed = f->added = 0;
  f->n_places = f->first_position = 0;
}

static void
assert_one_change (Fixture *f,
                   guint    position,
                   guint    removed,
                   guint    added)
{
  g_assert_cmpuint (f->n_signals, ==, 1);
  g_assert_cmpuint (f->position, ==, position);
  g_assert_cmpuint (f->removed, ==, removed);
  g_assert_cmpuint (f->added, ==, added);
  reset_signals (f);
}

/* A task moved from @from to @to: told as two changes of one place each,
 * whatever lies between. */
static void
assert_moved (Fixture *f,
              guint    from,
              guint    to)
{
  g_assert_cmpuint (f->n_signals, ==, 2);
  g_assert_cmpuint (f->n_places, ==, 2);
  g_assert_cmpuint (f->first_position, ==, from);
  g_assert_cmpuint (f->position, ==, to);
  g_assert_cmpuint (f->added, ==, 1);
  reset_signals (f);
}

static void
open_model (Fixture *f)
{
  f->model = dailies_task_list_model_new (f->store);
  f->mirror = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->model)); i++)
    g_ptr_array_add (f->mirror, g_list_model_get_item (G_LIST_MODEL (f->model), i));
  g_signal_connect (f->model, "items-changed", G_CALLBACK (items_changed_cb), f);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *db_path = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = dailies_test_make_temp_dir ();
  db_path = g_build_filename (f->dir, "tasks.db", NULL);
  f->store = dailies_task_store_new (db_path);
  g_assert_true (dailies_task_store_load (f->store, &error));
  g_assert_no_error (error);
  f->batch_of = g_hash_table_new (NULL, NULL);
  f->index_of = g_hash_table_new (NULL, NULL);
  open_model (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&f->mirror, g_ptr_array_unref);
  g_assert_finalize_object (f->model);
  g_assert_true (dailies_task_store_flush (f->store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (f->store);
  g_hash_table_unref (f->batch_of);
  g_hash_table_unref (f->index_of);
  dailies_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* Returns the tasks, held (the test may remove them). */
static GPtrArray *
add_id_array (Fixture   *f,
              GPtrArray *ids)
{
  GPtrArray *tasks = g_ptr_array_new_with_free_func (g_object_unref);

  f->n_batches++;
  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      DailiesTask *task = dailies_task_store_lookup (f->store, ids->pdata[i]);

      g_hash_table_insert (f->batch_of, task, GUINT_TO_POINTER (f->n_batches));
      g_hash_table_insert (f->index_of, task, GUINT_TO_POINTER (i));
      g_ptr_array_add (tasks, g_object_ref (task));
    }

  return tasks;
}

static GPtrArray *
add_ids (Fixture    *f,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  va_list args;

  va_start (args, first);
  for (const char *id = first; id != NULL; id = va_arg (args, const char *))
    g_ptr_array_add (ids, (gpointer) id);
  va_end (args);

  return add_id_array (f, ids);
}

static DailiesTask *
lookup (Fixture    *f,
        const char *id)
{
  DailiesTask *task = dailies_task_store_lookup (f->store, id);

  g_assert_nonnull (task);
  return task;
}

/* An answer of the service. @link_expires: 0 none, else the Expires= of
 * the result link. */
static void
answer (Fixture    *f,
        const char *id,
        const char *status,
        const char *model,
        const char *fail_reason,
        gint64      finish_time,
        gint64      link_expires)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  g_string_append_printf (body, "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                          "\"action\":\"generate\",\"status\":\"%s\",\"progress\":\"50%%\","
                          "\"submit_time\":1777288506,\"finish_time\":%" G_GINT64_FORMAT,
                          id, status, finish_time);
  if (link_expires > 0)
    g_string_append_printf (body, ",\"result_url\":\"https://cdn.example.com/v/%s.mp4?Expires=%" G_GINT64_FORMAT "\"",
                            id, link_expires);
  if (fail_reason != NULL)
    g_string_append_printf (body, ",\"fail_reason\":\"%s\"", fail_reason);
  g_string_append_printf (body, ",\"data\":{\"model\":\"%s\"}}}", model != NULL ? model : "");

  response = dailies_task_response_parse (body->str, body->len, &error);
  g_assert_no_error (error);
  dailies_task_store_apply_response (f->store, lookup (f, id), response, body->str, 200);
}

static char *
ids_of (GListModel *model)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);

      g_string_append_printf (ids, "%s%s", i > 0 ? " " : "", dailies_task_get_id (task));
    }

  return g_string_free (g_steal_pointer (&ids), FALSE);
}

#define assert_ids(f, expected) G_STMT_START {                      \
    g_autofree char *_ids = ids_of (G_LIST_MODEL ((f)->model));      \
    g_assert_cmpstr (_ids, ==, (expected));                          \
  } G_STMT_END

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ------------------------------------------------------------------ */
/* The brute-force reference                                           */
/* ------------------------------------------------------------------ */

typedef struct
{
  Fixture *f;
  gint64   now;
  DailiesTaskSort sort;
} RefContext;

static int
ref_rank (DailiesTask *task)
{
  static const DailiesTaskStatus order[] = {
    DAILIES_TASK_STATUS_IN_PROGRESS, DAILIES_TASK_STATUS_QUEUED, DAILIES_TASK_STATUS_NOT_START,
    DAILIES_TASK_STATUS_UNKNOWN, DAILIES_TASK_STATUS_OTHER, DAILIES_TASK_STATUS_FAILURE,
    DAILIES_TASK_STATUS_NOT_FOUND, DAILIES_TASK_STATUS_SUCCESS,
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (dailies_task_get_status (task) == order[i])
      return i;
  g_assert_not_reached ();
}

/* 0 live, 1 lapsed, 2 none. */
static int
ref_link_group (DailiesTask *task,
                gint64       now)
{
  if (!dailies_task_has_usable_link (task) || dailies_task_get_link_expires_at (task) <= 0)
    return 2;
  return dailies_task_is_link_expired (task, now) ? 1 : 0;
}

#define CMP(a, b) G_STMT_START { if ((a) != (b)) return (a) < (b) ? -1 : 1; } G_STMT_END

/* Newer additions first (older with @oldest); one addition in its given
 * order either way. */
static int
ref_compare_added (RefContext  *ctx,
                   DailiesTask *a,
                   DailiesTask *b,
                   gboolean     oldest)
{
  if (oldest)
    {
      DailiesTask *swap = a;

      a = b;
      b = swap;
    }
  CMP (dailies_task_get_first_seen (b), dailies_task_get_first_seen (a));
  CMP (GPOINTER_TO_UINT (g_hash_table_lookup (ctx->f->batch_of, b)),
       GPOINTER_TO_UINT (g_hash_table_lookup (ctx->f->batch_of, a)));
  if (oldest)
    {
      DailiesTask *swap = a;

      a = b;
      b = swap;
    }
  CMP (GPOINTER_TO_UINT (g_hash_table_lookup (ctx->f->index_of, a)),
       GPOINTER_TO_UINT (g_hash_table_lookup (ctx->f->index_of, b)));
  return 0;
}

static int
ref_compare (gconstpointer pa,
             gconstpointer pb,
             gpointer      user_data)
{
  RefContext *ctx = user_data;
  DailiesTask *a = *(DailiesTask **) pa;
  DailiesTask *b = *(DailiesTask **) pb;
  gint64 fa, fb;

  switch (ctx->sort)
    {
    case DAILIES_TASK_SORT_OLDEST:
      return ref_compare_added (ctx, a, b, TRUE);

    case DAILIES_TASK_SORT_STATUS:
      CMP (ref_rank (a), ref_rank (b));
      break;

    case DAILIES_TASK_SORT_FINISHED:
      fa = dailies_task_get_finish_time (a);
      fb = dailies_task_get_finish_time (b);
      CMP (fa > 0 ? 0 : 1, fb > 0 ? 0 : 1);
      CMP (fb, fa);
      break;

    case DAILIES_TASK_SORT_DEADLINE:
      CMP (ref_link_group (a, ctx->now), ref_link_group (b, ctx->now));
      if (ref_link_group (a, ctx->now) == 0)
        CMP (dailies_task_get_link_expires_at (a), dailies_task_get_link_expires_at (b));
      else if (ref_link_group (a, ctx->now) == 1)
        CMP (dailies_task_get_link_expires_at (b), dailies_task_get_link_expires_at (a));
      break;

    case DAILIES_TASK_SORT_NEWEST:
    default:
      break;
    }

  return ref_compare_added (ctx, a, b, FALSE);
}

static gboolean
ref_contains (const char *field,
              const char *needle)
{
  g_autofree char *folded = field != NULL ? g_utf8_casefold (field, -1) : NULL;

  return folded != NULL && strstr (folded, needle) != NULL;
}

static gboolean
ref_matches (Fixture     *f,
             DailiesTask *task,
             gint64       now)
{
  DailiesTaskStatus status = dailies_task_get_status (task);
  const char *search = dailies_task_list_model_get_search (f->model);
  gboolean state_ok;

  switch (dailies_task_list_model_get_state_filter (f->model))
    {
    case DAILIES_TASK_FILTER_RUNNING:
      state_ok = !dailies_task_is_terminal (task);
      break;
    case DAILIES_TASK_FILTER_SUCCEEDED:
      state_ok = status == DAILIES_TASK_STATUS_SUCCESS;
      break;
    case DAILIES_TASK_FILTER_FAILED:
      state_ok = status == DAILIES_TASK_STATUS_FAILURE || status == DAILIES_TASK_STATUS_NOT_FOUND;
      break;
    case DAILIES_TASK_FILTER_LINK_EXPIRED:
      state_ok = status == DAILIES_TASK_STATUS_SUCCESS && dailies_task_get_local_path (task) == NULL &&
                 dailies_task_is_link_expired (task, now);
      break;
    case DAILIES_TASK_FILTER_ALL:
    default:
      state_ok = TRUE;
    }

  if (!state_ok)
    return FALSE;
  if (search == NULL)
    return TRUE;

  return ref_contains (dailies_task_get_id (task), search) ||
         ref_contains (dailies_task_get_model (task), search) ||
         ref_contains (dailies_task_get_fail_reason (task), search) ||
         ref_contains (dailies_task_get_upstream_problem (task), search);
}

/* The model, the mirror built from its signals and the brute-force copy
 * list the same tasks in the same order. */
static void
assert_consistent (Fixture *f)
{
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  GListModel *store = G_LIST_MODEL (f->store);
  RefContext ctx = { f, now_seconds (), dailies_task_list_model_get_sort (f->model) };
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (f->model));

  for (guint i = 0; i < g_list_model_get_n_items (store); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (store, i);

      if (ref_matches (f, task, ctx.now))
        g_ptr_array_add (expected, task);
    }
  g_ptr_array_sort_with_data (expected, ref_compare, &ctx);

  g_assert_cmpuint (f->mirror->len, ==, n_items);
  g_assert_cmpuint (expected->len, ==, n_items);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), i);

      g_assert_true (task == g_ptr_array_index (f->mirror, i));
      if (task != g_ptr_array_index (expected, i))
        g_error ("at %u the list shows %s, expected %s", i, dailies_task_get_id (task),
                 dailies_task_get_id (g_ptr_array_index (expected, i)));
    }
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* a, b, c added first; d, e then: newest added lists d e a b c. */
static void
add_five (Fixture *f)
{
  gint64 now = now_seconds ();

  g_ptr_array_unref (add_ids (f, "a", "b", "c", NULL));
  g_ptr_array_unref (add_ids (f, "d", "e", NULL));

  answer (f, "a", "SUCCESS", "kling-v2", NULL, 1000, now + 7200);
  answer (f, "b", "FAILURE", "Seedance", "Timeout upstream", 2000, 0);
  answer (f, "c", "IN_PROGRESS", "kling-v2", NULL, 0, 0);
  answer (f, "d", "SUCCESS", "Seedance", NULL, 3000, now + 600);
  answer (f, "e", "SUCCESS", "Veo", NULL, 500, now - 3600);
}

static void
test_sort_orders (Fixture       *f,
                  gconstpointer  data)
{
  static const struct
  {
    DailiesTaskSort  sort;
    const char      *ids;
  } orders[] = {
    { DAILIES_TASK_SORT_NEWEST, "d e a b c" },
    { DAILIES_TASK_SORT_OLDEST, "a b c d e" },
    /* Unfinished first, then failed, then succeeded, each newest added first. */
    { DAILIES_TASK_SORT_STATUS, "c b d e a" },
    /* Last finished first; unfinished last. */
    { DAILIES_TASK_SORT_FINISHED, "d b a e c" },
    /* Live links soonest first, then the lapsed one, then those without. */
    { DAILIES_TASK_SORT_DEADLINE, "d a e b c" },
  };

  add_five (f);

  for (guint i = 0; i < G_N_ELEMENTS (orders); i++)
    {
      dailies_task_list_model_set_sort (f->model, orders[i].sort);
      assert_ids (f, orders[i].ids);
      assert_consistent (f);
    }

  g_assert_cmpint (dailies_task_sort_from_nick ("deadline"), ==, DAILIES_TASK_SORT_DEADLINE);
  g_assert_cmpint (dailies_task_sort_from_nick ("nonsense"), ==, DAILIES_TASK_SORT_NEWEST);
  g_assert_cmpstr (dailies_task_sort_to_nick (DAILIES_TASK_SORT_FINISHED), ==, "finished");
}

/* Two additions within one second: the newer one on top, each in the
 * order it was given; with one items-changed at the top each time. */
static void
test_batches (Fixture       *f,
              gconstpointer  data)
{
  g_ptr_array_unref (add_ids (f, "x3", "x1", "x2", NULL));
  assert_one_change (f, 0, 0, 3);
  g_ptr_array_unref (add_ids (f, "y2", "y1", NULL));
  assert_one_change (f, 0, 0, 2);
  /* Known IDs are not added again: nothing changes. */
  g_ptr_array_unref (add_ids (f, "x1", NULL));
  g_assert_cmpuint (f->n_signals, ==, 0);
  assert_ids (f, "y2 y1 x3 x1 x2");

  dailies_task_list_model_set_sort (f->model, DAILIES_TASK_SORT_OLDEST);
  assert_ids (f, "x3 x1 x2 y2 y1");
  assert_one_change (f, 0, 5, 5);
}

static GPtrArray *
add_numbered (Fixture    *f,
              const char *prefix,
              guint       from,
              guint       n)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = from; i < from + n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("%s%05u", prefix, i));

  return add_id_array (f, ids);
}

/* Within a group (an import fed in slices) an addition of 1,000 or more
 * soon after the last one listed waits, and is listed with what follows
 * in one items-changed: each costs the view a rebind of its rows. The
 * end of the group lists what waits, and so does a removal first. */
static void
test_group_waits (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GPtrArray) third = NULL;
  g_autoptr(GPtrArray) fourth = NULL;

  dailies_task_list_model_begin_group ();
  first = add_numbered (f, "g", 0, 1000);
  assert_one_change (f, 0, 0, 1000);
  second = add_numbered (f, "g", 1000, 1000);
  g_assert_cmpuint (f->n_signals, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 1000);
  /* An answer to a waiting task is kept for when it is listed. */
  answer (f, "g01500", "SUCCESS", "doubao-seedance-2-0-260128", NULL, now_seconds (), 0);
  third = add_numbered (f, "g", 2000, 1000);
  g_assert_cmpuint (f->n_signals, ==, 0);
  dailies_task_list_model_end_group ();
  assert_one_change (f, 1000, 0, 2000);

  /* In the file's order, the mirror built from the signals alike. */
  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), i);
      g_autofree char *id = g_strdup_printf ("g%05u", i);

      g_assert_cmpstr (dailies_task_get_id (task), ==, id);
      g_assert_true (task == g_ptr_array_index (f->mirror, i));
    }

  dailies_task_list_model_begin_group ();
  fourth = add_numbered (f, "h", 0, 1000);
  g_assert_cmpuint (f->n_signals, ==, 0);
  dailies_task_store_remove (f->store, g_ptr_array_index (fourth, 0));
  g_assert_cmpuint (f->n_signals, ==, 2);
  dailies_task_list_model_end_group ();
  g_assert_cmpuint (f->n_signals, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 3999);
  for (guint i = 0; i < 3999; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), i);
      g_autofree char *id = i < 999 ? g_strdup_printf ("h%05u", i + 1) : g_strdup_printf ("g%05u", i - 999);

      g_assert_cmpstr (dailies_task_get_id (task), ==, id);
      g_assert_true (task == g_ptr_array_index (f->mirror, i));
    }

  /* A new search while tasks wait: they are judged by it, not by the
   * search they came in under. */
  dailies_task_list_model_begin_group ();
  g_clear_pointer (&fourth, g_ptr_array_unref);
  fourth = add_numbered (f, "k", 0, 1000);
  g_clear_pointer (&third, g_ptr_array_unref);
  third = add_numbered (f, "k", 1000, 2000);
  dailies_task_list_model_set_search (f->model, "k01");
  dailies_task_list_model_end_group ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 1000);
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), i);

      g_assert_true (g_str_has_prefix (dailies_task_get_id (task), "k01"));
    }
  dailies_task_list_model_set_search (f->model, "");

  /* A new order while tasks wait: they are placed by it. */
  dailies_task_list_model_begin_group ();
  g_clear_pointer (&fourth, g_ptr_array_unref);
  fourth = add_numbered (f, "m", 0, 1000);
  g_clear_pointer (&third, g_ptr_array_unref);
  third = add_numbered (f, "m", 1000, 1000);
  dailies_task_list_model_set_sort (f->model, DAILIES_TASK_SORT_OLDEST);
  dailies_task_list_model_end_group ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 3999 + 3000 + 2000);
  for (guint i = 1; i < g_list_model_get_n_items (G_LIST_MODEL (f->model)); i++)
    {
      g_autoptr(DailiesTask) before = g_list_model_get_item (G_LIST_MODEL (f->model), i - 1);
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), i);

      g_assert_cmpuint (dailies_task_get_store_position (before), <, dailies_task_get_store_position (task));
      g_assert_true (task == g_ptr_array_index (f->mirror, i));
    }
}

static void
test_filter (Fixture       *f,
             gconstpointer  data)
{
  add_five (f);
  reset_signals (f);

  /* Folded, in the model, the ID or the failure reason. */
  dailies_task_list_model_set_search (f->model, "  KLING ");
  assert_ids (f, "a c");
  g_assert_cmpuint (f->n_signals, ==, 1);
  assert_consistent (f);

  dailies_task_list_model_set_search (f->model, "timeout");
  assert_ids (f, "b");
  assert_consistent (f);

  dailies_task_list_model_set_search (f->model, "");
  assert_ids (f, "d e a b c");
  assert_consistent (f);

  for (DailiesTaskFilter filter = DAILIES_TASK_FILTER_ALL; filter <= DAILIES_TASK_FILTER_LINK_EXPIRED; filter++)
    {
      dailies_task_list_model_set_state_filter (f->model, filter);
      assert_consistent (f);
    }
  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_LINK_EXPIRED);
  assert_ids (f, "e");
  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_RUNNING);
  assert_ids (f, "c");

  /* The same text again changes nothing. */
  reset_signals (f);
  dailies_task_list_model_set_search (f->model, NULL);
  g_assert_cmpuint (f->n_signals, ==, 0);
}

static gboolean
second_passed (gpointer user_data)
{
  return now_seconds () >= *(gint64 *) user_data;
}

/* A key typed narrows a search among the tasks it showed, except under
 * "link expired", which reads the clock: a link that lapsed between two
 * keys shows at the second. */
static void
test_narrow_reads_clock (Fixture       *f,
                         gconstpointer  data)
{
  gint64 lapses = now_seconds () + 1;

  g_ptr_array_unref (add_ids (f, "lapsing", "lapsed", NULL));
  answer (f, "lapsing", "SUCCESS", "Seedance", NULL, 1000, lapses);
  answer (f, "lapsed", "SUCCESS", "Seedance", NULL, 1000, lapses - 7200);
  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_LINK_EXPIRED);
  dailies_task_list_model_set_search (f->model, "l");
  assert_ids (f, "lapsed");

  /* The clock itself is what the test waits for. */
  g_assert_true (dailies_test_wait_until (second_passed, &lapses, 5000));
  dailies_task_list_model_set_search (f->model, "la");
  assert_ids (f, "lapsing lapsed");
  assert_consistent (f);
}

/* An answer moves its task alone, told as two changes of one place (the
 * place left, the place come to), or none when it stays put; a search
 * takes it in or out. */
static void
test_answer (Fixture       *f,
             gconstpointer  data)
{
  add_five (f);
  dailies_task_list_model_set_sort (f->model, DAILIES_TASK_SORT_STATUS);
  assert_ids (f, "c b d e a");
  reset_signals (f);

  /* c finishes: from the top to among the succeeded, newest added first. */
  answer (f, "c", "SUCCESS", "kling-v2", NULL, 4000, now_seconds () + 100);
  assert_ids (f, "b d e a c");
  assert_moved (f, 0, 4);
  assert_consistent (f);

  /* Its progress alone: no change. */
  answer (f, "c", "SUCCESS", "kling-v2", NULL, 4000, now_seconds () + 100);
  g_assert_cmpuint (f->n_signals, ==, 0);

  /* Searching for kling: a new model takes d in, another takes c out. */
  dailies_task_list_model_set_search (f->model, "kling");
  assert_ids (f, "a c");
  reset_signals (f);
  answer (f, "d", "SUCCESS", "Kling-v3", NULL, 3000, now_seconds () + 600);
  assert_ids (f, "d a c");
  assert_one_change (f, 0, 0, 1);
  answer (f, "c", "SUCCESS", "veo-3", NULL, 4000, now_seconds () + 100);
  assert_ids (f, "d a");
  assert_one_change (f, 2, 1, 0);
  assert_consistent (f);

  /* Under a state filter: failing takes a task out of the succeeded. */
  dailies_task_list_model_set_search (f->model, NULL);
  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_SUCCEEDED);
  assert_ids (f, "d e a c");
  reset_signals (f);
  answer (f, "e", "FAILURE", "Veo", "moderation", 600, 0);
  assert_ids (f, "d a c");
  assert_one_change (f, 1, 1, 0);
  assert_consistent (f);

  /* No answer, but what the list shows changes all the same: the video
   * host refuses d's link (it becomes Link Expired), then a copy is kept
   * (it no longer is). */
  {
    DailiesTask *d = dailies_task_store_lookup (f->store, "d");

    g_assert_nonnull (d);
    dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_LINK_EXPIRED);
    assert_ids (f, "");
    g_assert_true (dailies_task_store_mark_link_lapsed (f->store, d, dailies_task_get_result_url (d)));
    assert_ids (f, "d");
    dailies_task_store_set_local_path (f->store, d, "/kept/d.mp4");
    assert_ids (f, "");
    assert_consistent (f);
  }
}

static void
test_remove_restore (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = add_ids (f, "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", NULL);
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();

  reset_signals (f);
  g_ptr_array_add (doomed, g_ptr_array_index (tasks, 5));
  g_ptr_array_add (doomed, g_ptr_array_index (tasks, 2));
  g_ptr_array_add (doomed, g_ptr_array_index (tasks, 3));

  dailies_task_store_remove_tasks (f->store, doomed);
  assert_ids (f, "t0 t1 t4 t6 t7");
  assert_one_change (f, 2, 4, 1);
  assert_consistent (f);

  /* Undo: each back where it was, with one change. */
  dailies_task_store_restore_tasks (f->store, doomed);
  assert_ids (f, "t0 t1 t2 t3 t4 t5 t6 t7");
  assert_one_change (f, 2, 1, 4);
  assert_consistent (f);

  /* One, while a search hides some. */
  dailies_task_list_model_set_search (f->model, "t7");
  reset_signals (f);
  dailies_task_store_remove (f->store, g_ptr_array_index (tasks, 0));
  g_assert_cmpuint (f->n_signals, ==, 0);
  dailies_task_store_remove (f->store, g_ptr_array_index (tasks, 7));
  assert_one_change (f, 0, 1, 0);
  dailies_task_store_restore (f->store, g_ptr_array_index (tasks, 7));
  assert_one_change (f, 0, 0, 1);
  assert_consistent (f);
}

/* A removal and an Undo spread over 10,000 places or more say, while
 * told, where each task was (checked in items_changed_cb for every task
 * listed before): every other task of 30,000, then of the 24,000 a
 * search shows, so that tasks it hides are among them. Smaller ones say
 * nothing of the kind. */
static void
test_spread_change_old_places (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);
  const char * const searches[] = { "", "shown" };

  for (guint i = 0; i < 30000; i++)
    g_ptr_array_add (ids, g_strdup_printf ("spread-%05u-%s", i, i % 5 == 0 ? "hidden" : "shown"));
  dailies_task_list_model_begin_group ();
  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
  dailies_task_list_model_end_group ();
  assert_consistent (f);

  for (guint s = 0; s < G_N_ELEMENTS (searches); s++)
    {
      dailies_task_list_model_set_search (f->model, searches[s]);
      f->n_replacing = 0;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->model)); i += 2)
        g_ptr_array_add (doomed, g_list_model_get_item (G_LIST_MODEL (f->model), i));
      dailies_task_store_remove_tasks (f->store, doomed);
      assert_consistent (f);
      dailies_task_store_restore_tasks (f->store, doomed);
      assert_consistent (f);
      g_assert_cmpuint (f->n_replacing, ==, 2);
      g_ptr_array_set_size (doomed, 0);
    }

  /* Twenty places: told as they are. */
  dailies_task_list_model_set_search (f->model, "");
  f->n_replacing = 0;
  for (guint i = 0; i < 20; i += 2)
    g_ptr_array_add (doomed, g_list_model_get_item (G_LIST_MODEL (f->model), i));
  dailies_task_store_remove_tasks (f->store, doomed);
  dailies_task_store_restore_tasks (f->store, doomed);
  assert_consistent (f);
  g_assert_cmpuint (f->n_replacing, ==, 0);
}

/* The limit itself: a change told over 10,000 places or more says where
 * its tasks were, one told over 9,999 does not. The first task and the
 * one at @last go: the removal is told as @last - 1 places, its Undo as
 * @last + 1. */
static void
test_hand_over_limit (Fixture       *f,
                      gconstpointer  data)
{
  static const struct { guint last; guint removal_says; guint undo_says; } cases[] = {
    { 9997, 0, 0 },
    { 9998, 0, 0 },
    { 9999, 0, 1 },
    { 10000, 0, 1 },
    { 10001, 1, 1 },
    { 10002, 1, 1 },
  };
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 10010; i++)
    g_ptr_array_add (ids, g_strdup_printf ("limit-%05u", i));
  dailies_task_list_model_begin_group ();
  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
  dailies_task_list_model_end_group ();
  assert_consistent (f);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);

      g_ptr_array_add (doomed, g_list_model_get_item (G_LIST_MODEL (f->model), 0));
      g_ptr_array_add (doomed, g_list_model_get_item (G_LIST_MODEL (f->model), cases[c].last));
      f->n_replacing = 0;
      reset_signals (f);
      dailies_task_store_remove_tasks (f->store, doomed);
      assert_one_change (f, 0, cases[c].last + 1, cases[c].last - 1);
      g_assert_cmpuint (f->n_replacing, ==, cases[c].removal_says);
      reset_signals (f);
      dailies_task_store_restore_tasks (f->store, doomed);
      assert_one_change (f, 0, cases[c].last - 1, cases[c].last + 1);
      g_assert_cmpuint (f->n_replacing, ==, cases[c].removal_says + cases[c].undo_says);
      assert_consistent (f);
    }
}

/* Each list the model shows, at each of its signals, holds a task once. */
static void
no_twice_cb (GListModel *model,
             guint       position,
             guint       removed,
             guint       added,
             Fixture    *f)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_assert_true (g_hash_table_add (seen, g_list_model_get_item (model, i)));
}

/* A change of any size is said in one signal, over the span between what
 * the old and new lists share at their ends. (Said in two, with the old
 * rows moved out of view first, GTK 4.8 kept showing old tasks.) */
static void
test_big_change (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tasks = NULL;

  /* In the order given: 500 to hide, then 100 to keep. */
  for (guint i = 0; i < 500; i++)
    g_ptr_array_add (ids, g_strdup_printf ("gone_%03u", i));
  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (ids, g_strdup_printf ("keep_%03u", i));
  tasks = add_id_array (f, ids);
  assert_consistent (f);
  g_signal_connect (f->model, "items-changed", G_CALLBACK (no_twice_cb), f);
  reset_signals (f);

  /* The top 500 go; the 100 at the end stay where they are. */
  dailies_task_list_model_set_search (f->model, "keep");
  assert_one_change (f, 0, 500, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 100);
  assert_consistent (f);

  /* What comes back on top is one insertion. */
  reset_signals (f);
  dailies_task_list_model_set_search (f->model, NULL);
  assert_one_change (f, 0, 0, 500);
  assert_consistent (f);

  /* 600 become 100 from the middle, with nothing shared at either end. */
  reset_signals (f);
  dailies_task_list_model_set_search (f->model, "gone_4");
  assert_one_change (f, 0, 600, 100);
  assert_consistent (f);

  /* And back, each kept where it is. */
  reset_signals (f);
  dailies_task_list_model_set_search (f->model, "gone");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 500);
  assert_consistent (f);
  dailies_task_list_model_set_sort (f->model, DAILIES_TASK_SORT_OLDEST);
  assert_consistent (f);

  g_signal_handlers_disconnect_by_func (f->model, no_twice_cb, f);
}

/* A list made before the store loads takes the tasks in when it has,
 * in the order they were added. */
static void
test_before_load (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(DailiesTaskStore) store = NULL;
  g_autoptr(DailiesTaskListModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;

  g_ptr_array_unref (add_ids (f, "p1", "p3", "p2", NULL));
  g_assert_true (dailies_task_store_flush (f->store, &error));
  g_assert_no_error (error);

  store = dailies_task_store_new (dailies_task_store_get_path (f->store));
  model = dailies_task_list_model_new (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_true (dailies_task_store_load (store, &error));
  g_assert_no_error (error);

  ids = ids_of (G_LIST_MODEL (model));
  g_assert_cmpstr (ids, ==, "p1 p3 p2");
  g_clear_object (&model);
  g_assert_true (dailies_task_store_flush (store, &error));
}

/* Tasks read from the file come with their search keys made on the
 * loading thread: a search right after the load finds them by model and
 * reason, and an answer that changes a task before the list takes it in
 * leaves no trace of what it said before. */
static void
test_search_after_load (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = g_strdup (dailies_task_store_get_path (f->store));
  g_autoptr(GError) error = NULL;

  g_ptr_array_unref (add_ids (f, "p1", "p2", "p3", NULL));
  answer (f, "p1", "FAILURE", "Seedance-Pro", "Moderation Blocked", 600, 0);
  answer (f, "p2", "SUCCESS", "Veo-3", NULL, 700, now_seconds () + 600);
  g_assert_true (dailies_task_store_flush (f->store, &error));
  g_assert_no_error (error);
  g_clear_pointer (&f->mirror, g_ptr_array_unref);
  g_assert_finalize_object (f->model);
  g_assert_finalize_object (f->store);

  /* A list made before the load, searched at once: no idle has run. */
  f->store = dailies_task_store_new (path);
  open_model (f);
  g_assert_true (dailies_task_store_load (f->store, &error));
  g_assert_no_error (error);
  dailies_task_list_model_set_search (f->model, "moderation");
  assert_ids (f, "p1");
  dailies_task_list_model_set_search (f->model, "VEO");
  assert_ids (f, "p2");
  dailies_task_list_model_set_search (f->model, NULL);
  g_clear_pointer (&f->mirror, g_ptr_array_unref);
  g_assert_finalize_object (f->model);
  g_assert_true (dailies_task_store_flush (f->store, &error));
  g_assert_finalize_object (f->store);

  /* Loaded, then answered, then listed. */
  g_hash_table_remove_all (f->batch_of);
  g_hash_table_remove_all (f->index_of);
  f->store = dailies_task_store_new (path);
  g_assert_true (dailies_task_store_load (f->store, &error));
  g_assert_no_error (error);
  {
    DailiesTask *p2 = lookup (f, "p2");
    g_autofree char *key = NULL;
    g_autofree char *expected = NULL;

    /* The loader folded each task's key (put back as it was). */
    key = dailies_task_steal_search_key (p2);
    expected = dailies_search_key_for_task (p2);
    g_assert_cmpstr (key, ==, expected);
    dailies_task_set_search_key (p2, g_steal_pointer (&key));
  }
  answer (f, "p1", "FAILURE", "Kling-v2", "Quota exceeded", 600, 0);
  {
    DailiesTask *p1 = lookup (f, "p1");
    g_autofree char *stale = dailies_task_steal_search_key (p1);

    /* The answer changed what the key folds: it is gone. */
    g_assert_null (stale);
  }
  open_model (f);
  dailies_task_list_model_set_search (f->model, "moderation");
  assert_ids (f, "");
  dailies_task_list_model_set_search (f->model, "seedance");
  assert_ids (f, "");
  dailies_task_list_model_set_search (f->model, "quota");
  assert_ids (f, "p1");
  dailies_task_list_model_set_search (f->model, "kling");
  assert_ids (f, "p1");
  dailies_task_list_model_set_search (f->model, "p");
  assert_consistent (f);
}

/* Undoes the removal of @removed, and empties it. */
static void
restore_removed (Fixture   *f,
                 GPtrArray *removed)
{
  if (removed->len == 0)
    return;

  dailies_task_store_restore_tasks (f->store, removed);
  /* Those whose ID was added again meanwhile stay out, and go: another
   * task may take their address. */
  for (guint i = 0; i < removed->len; i++)
    if (dailies_task_store_lookup (f->store, dailies_task_get_id (removed->pdata[i])) != removed->pdata[i])
      {
        g_hash_table_remove (f->batch_of, removed->pdata[i]);
        g_hash_table_remove (f->index_of, removed->pdata[i]);
      }
  g_ptr_array_set_size (removed, 0);
}

/* Random additions, removals, undos, answers, searches, states and
 * orders: after each, the mirror kept from items-changed alone equals a
 * brute-force filtered and sorted copy. Ends with every removal undone. */
static void
run_property (Fixture *f,
              Fixture *other,
              guint    n_steps)
{
  static const char * const statuses[] = { "NOT_START", "QUEUED", "IN_PROGRESS", "SUCCESS", "FAILURE" };
  static const char * const models[] = { "kling-v2", "Seedance-Pro", "veo-3", "ÉCLAIR" };
  static const char * const searches[] = { "", "kling", "SEED", "5", "éclair", "timeout", "id-1" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint step = 0; step < n_steps; step++)
    {
      guint n_tasks = g_list_model_get_n_items (G_LIST_MODEL (f->store));
      guint op = g_rand_int_range (rand, 0, 100);

      if (op < 15 || n_tasks < 5)
        {
          g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
          guint n = g_rand_int_range (rand, 1, 12);

          f->n_batches++;
          for (guint i = 0; i < n; i++)
            g_ptr_array_add (ids, g_strdup_printf ("id-%u", g_rand_int_range (rand, 0, 4) == 0 ? f->next_id / 2 : f->next_id++));
          dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
          for (guint i = 0; i < ids->len; i++)
            {
              DailiesTask *task = lookup (f, ids->pdata[i]);

              if (!g_hash_table_contains (f->batch_of, task))
                {
                  g_hash_table_insert (f->batch_of, task, GUINT_TO_POINTER (f->n_batches));
                  g_hash_table_insert (f->index_of, task, GUINT_TO_POINTER (i));
                }
            }
        }
      else if (op < 25 && removed->len == 0)
        {
          guint n = g_rand_int_range (rand, 1, 6);

          for (guint i = 0; i < n; i++)
            {
              DailiesTask *task = g_list_model_get_item (G_LIST_MODEL (f->store),
                                                         g_rand_int_range (rand, 0, n_tasks));

              g_ptr_array_add (removed, task);
            }
          dailies_task_store_remove_tasks (f->store, removed);
        }
      else if (op < 32 && removed->len > 0)
        {
          restore_removed (f, removed);
        }
      else if (op < 85)
        {
          g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->store),
                                                               g_rand_int_range (rand, 0, n_tasks));
          const char *status = statuses[g_rand_int_range (rand, 0, G_N_ELEMENTS (statuses))];
          gboolean done = g_str_equal (status, "SUCCESS") || g_str_equal (status, "FAILURE");
          gint64 link = 0;

          if (g_str_equal (status, "SUCCESS"))
            link = now_seconds () + (g_rand_boolean (rand) ? 1 : -1) * g_rand_int_range (rand, 60, 20000);
          answer (f, dailies_task_get_id (task), status, models[g_rand_int_range (rand, 0, G_N_ELEMENTS (models))],
                  g_str_equal (status, "FAILURE") && g_rand_boolean (rand) ? "Timeout upstream" : NULL,
                  done ? g_rand_int_range (rand, 1, 50) * 100 : 0, link);
        }
      else if (op < 91)
        {
          /* Half the time a key typed: the search grows by one letter. */
          static const char typed[] = "id-12";
          const char *search = dailies_task_list_model_get_search (f->model);
          gsize n_typed = search != NULL && g_str_has_prefix (typed, search) ? strlen (search) : 0;

          if (g_rand_boolean (rand) && n_typed < strlen (typed))
            {
              g_autofree char *longer = g_strndup (typed, n_typed + 1);

              dailies_task_list_model_set_search (f->model, longer);
            }
          else
            dailies_task_list_model_set_search (f->model, searches[g_rand_int_range (rand, 0, G_N_ELEMENTS (searches))]);
        }
      else if (op < 96)
        dailies_task_list_model_set_state_filter (f->model, g_rand_int_range (rand, 0, DAILIES_TASK_FILTER_LINK_EXPIRED + 1));
      else
        dailies_task_list_model_set_sort (f->model, g_rand_int_range (rand, 0, DAILIES_TASK_SORT_DEADLINE + 1));

      assert_consistent (f);
      if (other != NULL)
        assert_consistent (other);
    }

  restore_removed (f, removed);
  assert_consistent (f);
}

static void
test_property (Fixture       *f,
               gconstpointer  data)
{
  run_property (f, NULL, 600);
}

/* The same with another list of the same tasks, as a second window would
 * have: made first, it keeps its entries where a task has room for one,
 * and this one keeps them apart; once it has gone, this one takes the
 * room for the tasks that come next. */
static void
test_property_behind_another (Fixture       *f,
                              gconstpointer  data)
{
  /* The other list: the same store and test bookkeeping, a model and
   * mirror of its own, searched and sorted its own way. */
  Fixture other;

  g_clear_pointer (&f->mirror, g_ptr_array_unref);
  g_assert_finalize_object (f->model);
  other = *f;
  open_model (&other);
  dailies_task_list_model_set_search (other.model, "id-1");
  dailies_task_list_model_set_sort (other.model, DAILIES_TASK_SORT_STATUS);

  /* Tasks from before this list is made, answered. */
  g_ptr_array_unref (add_ids (f, "early-1", "early-2", "early-3", "early-4", NULL));
  answer (f, "early-2", "SUCCESS", "veo-3", NULL, 500, now_seconds () + 600);
  answer (f, "early-3", "FAILURE", "kling-v2", "Timeout upstream", 400, 0);
  open_model (f);
  assert_consistent (f);
  assert_consistent (&other);

  run_property (f, &other, 300);

  /* A third list, made last, keeps all its entries apart; it goes while
   * the other two stay, and must take nothing of theirs with it. */
  {
    Fixture third = *f;

    open_model (&third);
    run_property (f, &other, 100);
    g_clear_pointer (&third.mirror, g_ptr_array_unref);
    g_assert_finalize_object (third.model);
    run_property (f, &other, 100);
  }

  g_clear_pointer (&other.mirror, g_ptr_array_unref);
  g_assert_finalize_object (other.model);
  run_property (f, NULL, 300);
}

/* Milliseconds of this thread's CPU: the machine may be busy with
 * other work, which wall time would count. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

typedef struct
{
  double start;
  double total;
} Clock;

static void
clock_start (Clock *clock)
{
  clock->start = cpu_ms ();
}

static void
clock_stop (Clock *clock)
{
  clock->total += cpu_ms () - clock->start;
}

/* Times what a list model of its own spends in the store's signals:
 * handlers run in the order they were connected. */
static DailiesTaskListModel *
timed_model_new (DailiesTaskStore *store,
                 Clock            *clock)
{
  static const char * const signals[] = { "tasks-added", "tasks-removed", "task-answered" };
  DailiesTaskListModel *model;

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_signal_connect_swapped (store, signals[i], G_CALLBACK (clock_start), clock);
  model = dailies_task_list_model_new (store);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_signal_connect_swapped (store, signals[i], G_CALLBACK (clock_stop), clock);

  return model;
}

static double
clock_take_ms (Clock *clock)
{
  double ms = clock->total;

  clock->total = 0;
  return ms;
}

/* What each change costs, counted in matches worked out (the search and
 * the state filter against one task), at 10,000 tasks: a new search looks
 * at every task once, a longer one only at those it showed, an answer at
 * its own task, a removal at none and its Undo at the tasks it brings
 * back. */
static void
test_costs_follow_the_change (Fixture       *f,
                              gconstpointer  data)
{
  const guint n = 10000;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  guint before;
  guint n_shown;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("task_%05u_%s", i, i % 10 == 0 ? "kling" : "veo"));
  tasks = add_id_array (f, ids);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, n);

  before = dailies_task_list_model_count_match_checks (f->model);
  dailies_task_list_model_set_search (f->model, "_kling");
  g_assert_cmpuint (dailies_task_list_model_count_match_checks (f->model) - before, ==, n);
  n_shown = g_list_model_get_n_items (G_LIST_MODEL (f->model));
  g_assert_cmpuint (n_shown, ==, n / 10);

  /* Keys more: among those shown only. */
  before = dailies_task_list_model_count_match_checks (f->model);
  dailies_task_list_model_set_search (f->model, "00_kling");
  g_assert_cmpuint (dailies_task_list_model_count_match_checks (f->model) - before, ==, n_shown);
  n_shown = g_list_model_get_n_items (G_LIST_MODEL (f->model));
  g_assert_cmpuint (n_shown, ==, n / 100);

  /* An answer: its own task, shown or not. */
  before = dailies_task_list_model_count_match_checks (f->model);
  answer (f, "task_00010_kling", "SUCCESS", "kling-v2", NULL, 1000, now_seconds () + 600);
  answer (f, "task_05000_kling", "FAILURE", "veo-3", "Timeout", 2000, 0);
  g_assert_cmpuint (dailies_task_list_model_count_match_checks (f->model) - before, ==, 2);
  assert_consistent (f);

  /* A removal looks at nothing; its Undo at what comes back. */
  g_ptr_array_add (one, lookup (f, "task_00100_kling"));
  before = dailies_task_list_model_count_match_checks (f->model);
  dailies_task_store_remove_tasks (f->store, one);
  g_assert_cmpuint (dailies_task_list_model_count_match_checks (f->model) - before, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, n_shown - 1);
  dailies_task_store_restore_tasks (f->store, one);
  g_assert_cmpuint (dailies_task_list_model_count_match_checks (f->model) - before, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, n_shown);
  assert_consistent (f);
}

/* Timings at 100,000 tasks of the model alone, printed, never asserted:
 * run with -m perf. */
static void
test_perf (Fixture       *f,
           gconstpointer  data)
{
  const guint n = 100000;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) half = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  g_autoptr(DailiesTask) task = NULL;
  g_autoptr(DailiesTaskListModel) model = NULL;
  Clock clock = { 0, 0 };
  double start;

  if (!g_test_perf ())
    {
      g_test_skip ("timings only with -m perf");
      return;
    }

  /* Neither the fixture's list nor its mirror: this one is timed. */
  g_signal_handlers_disconnect_by_func (f->model, items_changed_cb, f);
  g_signal_handlers_disconnect_by_data (f->store, f->model);
  model = timed_model_new (f->store, &clock);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("task_%08x%08x", g_test_rand_int (), i));
  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
  g_test_message ("add %u: %.1f ms", n, clock_take_ms (&clock));

  start = cpu_ms ();
  dailies_task_list_model_set_search (model, "task_0");
  g_test_message ("first search (folding every task): %.1f ms, %u shown",
                  cpu_ms () - start, g_list_model_get_n_items (G_LIST_MODEL (model)));
  start = cpu_ms ();
  dailies_task_list_model_set_search (model, "task_00");
  g_test_message ("next keystroke: %.1f ms, %u shown",
                  cpu_ms () - start, g_list_model_get_n_items (G_LIST_MODEL (model)));
  start = cpu_ms ();
  dailies_task_list_model_set_search (model, NULL);
  g_test_message ("search cleared: %.1f ms", cpu_ms () - start);
  dailies_task_list_model_set_search (model, "task_0");

  dailies_task_list_model_set_sort (model, DAILIES_TASK_SORT_STATUS);
  task = g_list_model_get_item (G_LIST_MODEL (f->store), n / 2);
  for (guint i = 0; i < 100; i++)
    answer (f, dailies_task_get_id (task), i % 2 ? "SUCCESS" : "IN_PROGRESS", "kling", NULL, i % 2 ? 100 : 0,
            i % 2 ? now_seconds () + 3600 : 0);
  g_test_message ("answer during a search: %.3f ms each", clock_take_ms (&clock) / 100);

  g_ptr_array_add (one, task);
  dailies_task_store_remove_tasks (f->store, one);
  g_test_message ("remove 1: %.2f ms", clock_take_ms (&clock));
  dailies_task_store_restore_tasks (f->store, one);
  g_test_message ("restore 1: %.2f ms", clock_take_ms (&clock));

  for (guint i = 0; i < n; i += 2)
    g_ptr_array_add (half, g_object_ref (dailies_task_store_lookup (f->store, ids->pdata[i])));
  dailies_task_store_remove_tasks (f->store, half);
  g_test_message ("remove %u: %.1f ms", half->len, clock_take_ms (&clock));
  dailies_task_store_restore_tasks (f->store, half);
  g_test_message ("restore %u: %.1f ms", half->len, clock_take_ms (&clock));

  start = cpu_ms ();
  dailies_task_list_model_set_sort (model, DAILIES_TASK_SORT_NEWEST);
  g_test_message ("sort again: %.1f ms", cpu_ms () - start);

#ifdef __GLIBC__
  {
    size_t before = mallinfo2 ().uordblks;
    g_autoptr(DailiesTaskListModel) other = dailies_task_list_model_new (f->store);

    g_test_message ("a list of %u tasks holds %.1f MB", n, (mallinfo2 ().uordblks - before) / 1e6);
    dailies_task_list_model_set_search (other, "task_0");
    g_test_message ("with their search keys: %.1f MB", (mallinfo2 ().uordblks - before) / 1e6);
  }
#endif

  g_signal_handlers_disconnect_by_data (f->store, &clock);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/task-list-model/sort-orders", test_sort_orders);
  ADD ("/task-list-model/batches", test_batches);
  ADD ("/task-list-model/group-waits", test_group_waits);
  ADD ("/task-list-model/filter", test_filter);
  ADD ("/task-list-model/narrow-reads-clock", test_narrow_reads_clock);
  ADD ("/task-list-model/answer", test_answer);
  ADD ("/task-list-model/costs-follow-the-change", test_costs_follow_the_change);
  ADD ("/task-list-model/remove-restore", test_remove_restore);
  ADD ("/task-list-model/spread-change-old-places", test_spread_change_old_places);
  ADD ("/task-list-model/hand-over-limit", test_hand_over_limit);
  ADD ("/task-list-model/big-change", test_big_change);
  ADD ("/task-list-model/before-load", test_before_load);
  ADD ("/task-list-model/search-after-load", test_search_after_load);
  ADD ("/task-list-model/property", test_property);
  ADD ("/task-list-model/property-behind-another", test_property_behind_another);
  ADD ("/task-list-model/perf", test_perf);
#undef ADD

  return g_test_run ();
}
