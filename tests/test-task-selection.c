/* test-task-selection.c
 *
 * The list view's model over a real store in a temporary SQLite file,
 * watched by a view that keeps rows as GTK 4.8's list view does: one
 * slot held per place in a window of the list, a new one asked for only
 * where a change was told. After every change, each held slot must show
 * the task at its place, and a search that replaces the tasks in view
 * must hand the held slots over rather than have new ones asked for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-task-list-model.h"
#include "dailies-task-response.h"
#include "dailies-task-selection.h"
#include "dailies-task-slot.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

#define N_TASKS 200
#define WINDOW  30

typedef struct
{
  char                 *dir;
  DailiesTaskStore     *store;
  DailiesTaskListModel *model;
  DailiesTaskSelection *selection;
  GPtrArray            *held;        /* per place: its slot, or NULL; as long as the list */
  guint                 first;       /* the window of places the view holds */
  guint                 n_asked;     /* slots asked for since reset */
  guint                 n_tasks;
} Fixture;

/* Holds a slot for each place of the window that has none. */
static void
fill_window (Fixture *f)
{
  for (guint i = f->first; i < MIN (f->first + WINDOW, f->held->len); i++)
    if (g_ptr_array_index (f->held, i) == NULL)
      {
        f->held->pdata[i] = g_list_model_get_item (G_LIST_MODEL (f->selection), i);
        f->n_asked++;
      }
  /* The rest is let go of, as rows that leave the view are. */
  for (guint i = 0; i < f->held->len; i++)
    if ((i < f->first || i >= f->first + WINDOW) && f->held->pdata[i] != NULL)
      g_clear_object ((DailiesTaskSlot **) &f->held->pdata[i]);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  g_assert_cmpuint (position + removed, <=, f->held->len);

  g_ptr_array_remove_range (f->held, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (f->held, position + i, NULL);
  g_assert_cmpuint (f->held->len, ==, g_list_model_get_n_items (model));
  fill_window (f);
}

/* Each held slot shows the task the list has at its place. */
static void
assert_view_right (Fixture *f)
{
  g_assert_cmpuint (f->held->len, ==, g_list_model_get_n_items (G_LIST_MODEL (f->model)));
  for (guint i = 0; i < f->held->len; i++)
    {
      DailiesTaskSlot *slot = g_ptr_array_index (f->held, i);
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), i);

      if (slot != NULL)
        g_assert_true (dailies_task_slot_get_task (slot) == task);
    }
}

static void
unref_if_held (gpointer slot)
{
  if (slot != NULL)
    g_object_unref (slot);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *db_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  f->n_tasks = data != NULL ? GPOINTER_TO_UINT (data) : N_TASKS;
  f->dir = dailies_test_make_temp_dir ();
  db_path = g_build_filename (f->dir, "tasks.db", NULL);
  f->store = dailies_task_store_new (db_path);
  g_assert_true (dailies_task_store_load (f->store, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < f->n_tasks; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Sel%05u", i));
  dailies_task_list_model_begin_group ();
  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
  dailies_task_list_model_end_group ();

  f->model = dailies_task_list_model_new (f->store);
  f->selection = dailies_task_selection_new (f->model);
  f->held = g_ptr_array_new_with_free_func (unref_if_held);
  g_ptr_array_set_size (f->held, g_list_model_get_n_items (G_LIST_MODEL (f->selection)));
  g_assert_cmpuint (f->held->len, ==, f->n_tasks);
  g_signal_connect (f->selection, "items-changed", G_CALLBACK (items_changed_cb), f);
  fill_window (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&f->held, g_ptr_array_unref);
  if (f->selection != NULL)
    g_assert_finalize_object (f->selection);
  g_assert_finalize_object (f->model);
  g_assert_true (dailies_task_store_flush (f->store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (f->store);
  dailies_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
search (Fixture    *f,
        const char *text)
{
  f->n_asked = 0;
  dailies_task_list_model_set_search (f->model, text);
  assert_view_right (f);
}

/* The list in file order, newest addition first: place i is Sel i. */
static void
assert_first_is (Fixture *f,
                 guint    number)
{
  g_autoptr(DailiesTask) task = dailies_task_selection_get_task (f->selection, 0);
  g_autofree char *id = g_strdup_printf ("asyntask_Sel%05u", number);

  g_assert_cmpstr (dailies_task_get_id (task), ==, id);
}

/* A search whose matches come up from below the view, told by the list as
 * a removal above them: the rows in view take them. Then one that leaves
 * fewer than the view, and the whole list again. */
static void
test_search_hands_rows_over (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < WINDOW; i++)
    g_ptr_array_add (before, g_object_ref (g_ptr_array_index (f->held, i)));

  search (f, "sel001");   /* 100 to 199 */
  g_assert_cmpuint (f->held->len, ==, 100);
  assert_first_is (f, 100);
  g_assert_cmpuint (f->n_asked, ==, 0);
  for (guint i = 0; i < WINDOW; i++)
    g_assert_true (g_ptr_array_index (f->held, i) == g_ptr_array_index (before, i));

  search (f, "sel0015");  /* 150 to 159: fewer than the view holds */
  g_assert_cmpuint (f->held->len, ==, 10);
  assert_first_is (f, 150);
  g_assert_cmpuint (f->n_asked, ==, 0);

  search (f, "");
  g_assert_cmpuint (f->held->len, ==, N_TASKS);
  assert_first_is (f, 0);
  /* The 10 held took the first 10; the rest of the view is new. */
  g_assert_cmpuint (f->n_asked, ==, WINDOW - 10);

  search (f, "no such task");
  g_assert_cmpuint (f->held->len, ==, 0);
  search (f, "");
  g_assert_cmpuint (f->n_asked, ==, WINDOW);
}

/* A view further down, and a search that keeps the top: only what
 * changed is told or handed over, and every slot shows its task. */
static void
test_search_below_the_top (Fixture       *f,
                           gconstpointer  data)
{
  f->first = 120;
  fill_window (f);

  search (f, "sel00");    /* everything: no change */
  g_assert_cmpuint (f->held->len, ==, N_TASKS);
  search (f, "sel001");   /* the view, at 120, is now past the end: let go */
  g_assert_cmpuint (f->held->len, ==, 100);
  search (f, "");
  assert_first_is (f, 0);

  f->first = 5;
  fill_window (f);
  search (f, "sel0000");  /* 0 to 9: the top stays, the rest goes */
  g_assert_cmpuint (f->held->len, ==, 10);
  search (f, "");
  g_assert_cmpuint (f->held->len, ==, N_TASKS);
}

/* Tasks removed and restored, and a state filter, between searches: the
 * slots follow their tasks through the ordinary changes too. */
static void
test_changes_between_searches (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 12; i += 3)
    g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, i));
  dailies_task_store_remove_tasks (f->store, removed);
  assert_view_right (f);
  search (f, "sel001");
  dailies_task_store_restore_tasks (f->store, removed);
  assert_view_right (f);
  search (f, "");
  g_assert_cmpuint (f->held->len, ==, N_TASKS);

  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_FAILED);
  assert_view_right (f);
  g_assert_cmpuint (f->held->len, ==, 0);
  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_ALL);
  assert_view_right (f);
  g_assert_cmpuint (f->held->len, ==, N_TASKS);
}

/* A removal or an Undo of tasks spread over the list is told as one
 * span. Over 10,000 places or more, where GTK 4.8 would look for the item
 * of each row it takes down in every place the span brings back (150,000
 * items for an Undo of 50,000), the rows in view take the tasks now at
 * their places instead, and the change told starts after them: no slot is
 * asked for again, and each row shows the task at its place. */
static void
test_spread_changes_hand_rows_over (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  /* Over fewer places, the change is told as it is, and GTK 4.8 moves
   * each row with its task: the rows of the span are asked for again. */
  for (guint i = 0; i < 20; i += 2)
    g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, i));
  f->n_asked = 0;
  dailies_task_store_remove_tasks (f->store, removed);
  assert_view_right (f);
  g_assert_cmpuint (f->n_asked, >, 0);
  dailies_task_store_restore_tasks (f->store, removed);
  assert_view_right (f);
  g_ptr_array_set_size (removed, 0);

  for (guint i = 0; i < WINDOW; i++)
    g_ptr_array_add (rows, g_object_ref (g_ptr_array_index (f->held, i)));
  for (guint i = 0; i < f->n_tasks; i += 2)
    g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, i));

  f->n_asked = 0;
  dailies_task_store_remove_tasks (f->store, removed);
  assert_view_right (f);
  g_assert_cmpuint (f->held->len, ==, f->n_tasks / 2);
  assert_first_is (f, 1);
  g_assert_cmpuint (f->n_asked, ==, 0);

  dailies_task_store_restore_tasks (f->store, removed);
  assert_view_right (f);
  g_assert_cmpuint (f->held->len, ==, f->n_tasks);
  assert_first_is (f, 0);
  g_assert_cmpuint (f->n_asked, ==, 0);
  for (guint i = 0; i < WINDOW; i++)
    g_assert_true (g_ptr_array_index (f->held, i) == g_ptr_array_index (rows, i));
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* The selection stays with tasks: a search that brings tasks up into
 * rows that showed selected ones leaves those rows unselected, and the
 * selected tasks that come up are still selected. */
static void
test_selection_follows_tasks (Fixture       *f,
                              gconstpointer  data)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (f->selection);
  g_autoptr(GHashTable) chosen = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  g_autoptr(GtkBitset) selected = NULL;
  guint n_changed = 0;

  /* Five in view, and two the search below brings up into it. */
  for (guint i = 0; i < N_TASKS; i += (i == 4 ? 146 : 1))
    {
      if (i > 151)
        break;
      gtk_selection_model_select_item (model, i, FALSE);
      g_hash_table_add (chosen, dailies_task_selection_get_task (f->selection, i));
    }
  selected = gtk_selection_model_get_selection (model);
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 7);
  g_clear_pointer (&selected, gtk_bitset_unref);

  g_signal_connect_swapped (model, "selection-changed", G_CALLBACK (count_cb), &n_changed);
  search (f, "sel001");   /* 100 to 199 come up */
  g_assert_cmpuint (f->n_asked, ==, 0);
  for (guint i = 0; i < f->held->len; i++)
    {
      g_autoptr(DailiesTask) task = dailies_task_selection_get_task (f->selection, i);

      g_assert_cmpint (gtk_selection_model_is_selected (model, i), ==, g_hash_table_contains (chosen, task));
    }
  /* The rows that showed 0 to 4, selected, were told to look again. */
  g_assert_cmpuint (n_changed, >, 0);
  selected = gtk_selection_model_get_selection (model);
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 2);
  g_clear_pointer (&selected, gtk_bitset_unref);

  /* Narrower: 150 and 151 are taken out of the span replaced and put
   * back at its top, into rows that showed others, and stay selected. */
  n_changed = 0;
  search (f, "sel0015");
  g_assert_cmpuint (f->held->len, ==, 10);
  for (guint i = 0; i < f->held->len; i++)
    {
      g_autoptr(DailiesTask) task = dailies_task_selection_get_task (f->selection, i);

      g_assert_cmpint (gtk_selection_model_is_selected (model, i), ==, g_hash_table_contains (chosen, task));
    }
  g_assert_cmpuint (n_changed, >, 0);
  g_clear_pointer (&selected, gtk_bitset_unref);
  selected = gtk_selection_model_get_selection (model);
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 2);
  g_clear_pointer (&selected, gtk_bitset_unref);

  gtk_selection_model_unselect_all (model);
  selected = gtk_selection_model_get_selection (model);
  g_assert_true (gtk_bitset_is_empty (selected));
}

/* A selected task stays selected through an Undo that brings back tasks
 * around it (told as one change over the span). */
static void
test_selection_through_undo (Fixture       *f,
                             gconstpointer  data)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (f->selection);
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(DailiesTask) picked = dailies_task_selection_get_task (f->selection, 10);
  g_autoptr(GtkBitset) selected = NULL;

  g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, 5));
  g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, 20));
  gtk_selection_model_select_item (model, 10, TRUE);
  dailies_task_store_remove_tasks (f->store, removed);
  assert_view_right (f);
  g_assert_true (gtk_selection_model_is_selected (model, 9));
  dailies_task_store_restore_tasks (f->store, removed);
  assert_view_right (f);

  selected = gtk_selection_model_get_selection (model);
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 1);
  {
    g_autoptr(DailiesTask) task = dailies_task_selection_get_task (f->selection, gtk_bitset_get_minimum (selected));

    g_assert_true (task == picked);
  }
}

static void
count_places_cb (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 guint      *n_places)
{
  *n_places += removed + added;
}

/* The service's answer that @task failed, as the poller applies it. */
static void
answer_failed (Fixture     *f,
               DailiesTask *task)
{
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autofree char *body = NULL;

  body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                          "\"action\":\"generate\",\"status\":\"FAILURE\",\"progress\":\"100%%\","
                          "\"submit_time\":1777288506,\"finish_time\":1777288530,"
                          "\"fail_reason\":\"moderation\",\"data\":{\"model\":\"veo-3\"}}}",
                          dailies_task_get_id (task));
  response = dailies_task_response_parse (body, strlen (body), NULL);
  g_assert_nonnull (response);
  dailies_task_store_apply_response (f->store, task, response, body, 200);
  assert_view_right (f);
}

/* Every way of reading the selection agrees with what each place says:
 * its bitset (worked out by looking up each task selected when there are
 * few, else by looking at each place), its count, and its tasks in the
 * list's order. */
static void
assert_selection_agrees (Fixture *f)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (f->selection);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (f->selection));
  g_autoptr(GtkBitset) whole = gtk_selection_model_get_selection (model);
  g_autoptr(GPtrArray) tasks = dailies_task_selection_dup_selected_tasks (f->selection);
  guint n_seen = 0;

  for (guint i = 0; i < n_items; i++)
    {
      gboolean selected = gtk_selection_model_is_selected (model, i);

      g_assert_cmpint (gtk_bitset_contains (whole, i), ==, selected);
      if (selected)
        {
          g_autoptr(DailiesTask) task = dailies_task_selection_get_task (f->selection, i);

          g_assert_cmpuint (n_seen, <, tasks->len);
          g_assert_true (g_ptr_array_index (tasks, n_seen) == task);
          n_seen++;
        }
    }
  g_assert_cmpuint (gtk_bitset_get_size (whole), ==, n_seen);
  g_assert_cmpuint (tasks->len, ==, n_seen);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, n_seen);
}

typedef struct
{
  Fixture  *f;
  gboolean *before;   /* each place's state before the change */
  GArray   *told;     /* guint pairs: position, n_items */
} Watch;

static void
told_cb (GtkSelectionModel *model,
         guint              position,
         guint              n_items,
         Watch             *watch)
{
  g_array_append_val (watch->told, position);
  g_array_append_val (watch->told, n_items);
}

static void
watch_begin (Watch   *watch,
             Fixture *f)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (f->selection));

  watch->f = f;
  watch->before = g_new (gboolean, n_items);
  for (guint i = 0; i < n_items; i++)
    watch->before[i] = gtk_selection_model_is_selected (GTK_SELECTION_MODEL (f->selection), i);
  watch->told = g_array_new (FALSE, FALSE, sizeof (guint));
  g_signal_connect (f->selection, "selection-changed", G_CALLBACK (told_cb), watch);
}

/* Every place whose state the change made differ was told of. */
static void
watch_end (Watch *watch)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (watch->f->selection);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_signal_handlers_disconnect_by_func (model, told_cb, watch);
  for (guint i = 0; i < n_items; i++)
    if (watch->before[i] != gtk_selection_model_is_selected (model, i))
      {
        gboolean covered = FALSE;

        for (guint r = 0; r + 1 < watch->told->len && !covered; r += 2)
          covered = i >= g_array_index (watch->told, guint, r) &&
                    i - g_array_index (watch->told, guint, r) < g_array_index (watch->told, guint, r + 1);
        g_assert_true (covered);
      }
  g_clear_pointer (&watch->before, g_free);
  g_clear_pointer (&watch->told, g_array_unref);
  assert_selection_agrees (watch->f);
}

/* The selection is kept by task: a task a change takes out of the list
 * (a search, a state filter after an answer, a removal) loses it and
 * comes back unselected, and a removed selected task is not kept alive
 * by it; a task a change moves keeps it. */
static void
test_selection_by_task (Fixture       *f,
                        gconstpointer  data)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (f->selection);
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(DailiesTask) failing = NULL;
  g_autoptr(DailiesTask) clicked = NULL;
  DailiesTask *gone;

  Watch watch;

  /* Every third place: Sel i is at place i. */
  for (guint i = 0; i < N_TASKS; i += 3)
    {
      watch_begin (&watch, f);
      gtk_selection_model_select_item (model, i, FALSE);
      watch_end (&watch);
    }
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, 67);

  /* 100 to 199 come up; 0 to 99 leave, and come back unselected. */
  search (f, "sel001");
  assert_selection_agrees (f);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, 33);
  search (f, "");
  assert_selection_agrees (f);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, 33);
  g_assert_false (gtk_selection_model_is_selected (model, 0));
  g_assert_true (gtk_selection_model_is_selected (model, 102));

  /* A range, Shift+click's, and the rest let go of. */
  watch_begin (&watch, f);
  gtk_selection_model_select_range (model, 20, 15, TRUE);
  watch_end (&watch);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, 15);

  /* Every task, only the unfinished shown: one fails and leaves. */
  watch_begin (&watch, f);
  gtk_selection_model_select_all (model);
  watch_end (&watch);
  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_RUNNING);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, N_TASKS);
  failing = dailies_task_selection_get_task (f->selection, 50);
  answer_failed (f, failing);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, N_TASKS - 1);
  assert_selection_agrees (f);
  dailies_task_list_model_set_state_filter (f->model, DAILIES_TASK_FILTER_ALL);
  assert_selection_agrees (f);
  g_assert_false (gtk_selection_model_is_selected (model, 50));

  /* Sorted by status, another fails and moves down among the failed
   * (the last two places), selected. */
  dailies_task_list_model_set_sort (f->model, DAILIES_TASK_SORT_STATUS);
  assert_view_right (f);
  assert_selection_agrees (f);
  {
    g_autoptr(DailiesTask) moving = dailies_task_selection_get_task (f->selection, 10);
    guint place;

    answer_failed (f, moving);
    g_assert_true (dailies_task_list_model_find_task (f->model, moving, &place));
    g_assert_cmpuint (place, >=, N_TASKS - 2);
    g_assert_true (gtk_selection_model_is_selected (model, place));
  }
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, N_TASKS - 1);
  assert_selection_agrees (f);

  /* Two removed and put back: unselected; one removed for good: freed. */
  g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, 20));
  g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, 30));
  dailies_task_store_remove_tasks (f->store, removed);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, N_TASKS - 3);
  assert_selection_agrees (f);
  dailies_task_store_restore_tasks (f->store, removed);
  assert_view_right (f);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, N_TASKS - 3);
  assert_selection_agrees (f);
  g_ptr_array_set_size (removed, 0);

  gone = dailies_task_selection_get_task (f->selection, 40);
  g_assert_true (gtk_selection_model_is_selected (model, 40));
  g_object_add_weak_pointer (G_OBJECT (gone), (gpointer *) &gone);
  g_ptr_array_add (removed, gone);
  dailies_task_store_remove_tasks (f->store, removed);
  dailies_task_store_forget_removed (f->store, removed);
  g_ptr_array_set_size (removed, 0);
  g_assert_null (gone);
  assert_view_right (f);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, N_TASKS - 4);
  assert_selection_agrees (f);

  /* A click: that task alone. Ctrl+click another, then let go of it. */
  clicked = dailies_task_selection_get_task (f->selection, 7);
  watch_begin (&watch, f);
  gtk_selection_model_select_item (model, 7, TRUE);
  watch_end (&watch);
  g_assert_true (dailies_task_selection_get_selected_task (f->selection) == clicked);
  watch_begin (&watch, f);
  gtk_selection_model_select_item (model, 150, FALSE);
  watch_end (&watch);
  g_assert_null (dailies_task_selection_get_selected_task (f->selection));
  watch_begin (&watch, f);
  gtk_selection_model_unselect_item (model, 150);
  watch_end (&watch);
  g_assert_true (dailies_task_selection_get_selected_task (f->selection) == clicked);

  /* Escape. */
  watch_begin (&watch, f);
  gtk_selection_model_unselect_all (model);
  watch_end (&watch);
  g_assert_null (dailies_task_selection_get_selected_task (f->selection));
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, 0);
}

static void
count_any_cb (guint *count)
{
  (*count)++;
}

/* A search that swaps ten tasks for ten others, whose change the rows in
 * view take whole (the rows the last five places, the list telling
 * nothing else): a selected task without a row that the search leaves
 * out is let go of, and the window is told. */
static void
test_selection_left_without_row (Fixture       *f,
                                 gconstpointer  data)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (f->selection);
  guint n_told = 0;

  search (f, "sel0000");
  g_assert_cmpuint (f->held->len, ==, 10);
  f->first = 5;
  fill_window (f);
  gtk_selection_model_select_item (model, 2, FALSE);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, 1);

  g_signal_connect_swapped (model, "selection-changed", G_CALLBACK (count_any_cb), &n_told);
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (count_any_cb), &n_told);
  search (f, "sel0001");
  g_assert_cmpuint (f->n_asked, ==, 0);
  g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, 0);
  g_assert_cmpuint (n_told, >, 0);
  assert_selection_agrees (f);
}

/* Selected tasks through a removal and an Undo spread over 10,000 places
 * or more, told as one span with the places each task had: those removed
 * come back unselected, the others stay selected, whether the selection
 * looks at the tasks that left (many selected) or at its own (few). */
static void
test_selection_through_spread_removal (Fixture       *f,
                                       gconstpointer  data)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (f->selection);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);
      guint n_selected = 0, n_removed_selected = 0;

      /* Many (a third of the tasks) or few (six, three of them among the
       * 26 removed below, fewer than a quarter of those): the selection
       * takes the list's tasks that left, or looks at its own. */
      gtk_selection_model_unselect_all (model);
      for (guint i = 0; i < f->n_tasks; i++)
        if (round == 0 ? i % 3 == 0 : i % 10000 == 10 || i % 10000 == 510)
          {
            gtk_selection_model_select_item (model, i, FALSE);
            n_selected++;
          }
      /* Every 1,000th task, from 10 to 25,010. */
      for (guint i = 10; i < 25020; i += 1000)
        {
          g_ptr_array_add (removed, dailies_task_selection_get_task (f->selection, i));
          if (gtk_selection_model_is_selected (model, i))
            n_removed_selected++;
        }
      g_assert_cmpuint (n_removed_selected, >, 0);

      dailies_task_store_remove_tasks (f->store, removed);
      assert_view_right (f);
      g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, n_selected - n_removed_selected);
      assert_selection_agrees (f);

      dailies_task_store_restore_tasks (f->store, removed);
      assert_view_right (f);
      g_assert_cmpuint (dailies_task_selection_get_n_selected (f->selection), ==, n_selected - n_removed_selected);
      assert_selection_agrees (f);
      for (guint i = 0; i < removed->len; i++)
        {
          guint place;

          g_assert_true (dailies_task_list_model_find_task (f->model, g_ptr_array_index (removed, i), &place));
          g_assert_false (gtk_selection_model_is_selected (model, place));
        }
    }
}

/* An answer that moves a selected task (sorted by status, it fails and
 * goes from the top to the end) leaves it selected at its new place, the
 * others as they were; the list tells of the place it left and the one
 * it came to, not of every place between. */
static void
test_selection_through_answer (Fixture       *f,
                               gconstpointer  data)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (f->selection);
  g_autoptr(DailiesTask) moving = NULL;
  g_autoptr(DailiesTask) staying = NULL;
  g_autoptr(DailiesTask) last = NULL;
  g_autoptr(DailiesTask) sixth = NULL;
  g_autoptr(GtkBitset) selected = NULL;
  guint n_places = 0;

  dailies_task_list_model_set_sort (f->model, DAILIES_TASK_SORT_STATUS);
  assert_view_right (f);
  moving = dailies_task_selection_get_task (f->selection, 3);
  staying = dailies_task_selection_get_task (f->selection, 7);
  gtk_selection_model_select_item (model, 3, FALSE);
  gtk_selection_model_select_item (model, 7, FALSE);

  g_signal_connect (f->selection, "items-changed", G_CALLBACK (count_places_cb), &n_places);
  answer_failed (f, moving);

  g_assert_cmpuint (n_places, ==, 2);
  last = dailies_task_selection_get_task (f->selection, f->n_tasks - 1);
  sixth = dailies_task_selection_get_task (f->selection, 6);
  g_assert_true (last == moving);
  g_assert_true (sixth == staying);
  selected = gtk_selection_model_get_selection (model);
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 2);
  g_assert_true (gtk_bitset_contains (selected, 6));
  g_assert_true (gtk_bitset_contains (selected, f->n_tasks - 1));
}

/* As GTK 4.8 looks for its rows after a big change: the item of every
 * place is asked for and let go of at once. Such asking must not take a
 * slot from a place whose slot is held, whichever was asked for last,
 * and a slot let go of must not keep a removed task alive. */
static void
test_asked_and_let_go (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(DailiesTaskSlot) kept_last = NULL;
  g_autoptr(DailiesTaskSlot) again = NULL;
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);
  DailiesTask *gone;

  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < N_TASKS; i++)
      {
        g_autoptr(DailiesTaskSlot) slot = g_list_model_get_item (G_LIST_MODEL (f->selection), i);
        g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), i);

        g_assert_true (dailies_task_slot_get_task (slot) == task);
        if (i < WINDOW)
          g_assert_true (slot == g_ptr_array_index (f->held, i));
      }
  assert_view_right (f);

  /* The last one asked for, kept: the next asked for is another slot. */
  kept_last = g_list_model_get_item (G_LIST_MODEL (f->selection), 100);
  for (guint i = 101; i < 150; i++)
    {
      g_autoptr(DailiesTaskSlot) slot = g_list_model_get_item (G_LIST_MODEL (f->selection), i);

      g_assert_true (slot != kept_last);
    }
  {
    g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (f->model), 100);

    g_assert_true (dailies_task_slot_get_task (kept_last) == task);
  }
  again = g_list_model_get_item (G_LIST_MODEL (f->selection), 100);
  g_assert_true (again == kept_last);

  /* Asked for, let go of, then removed for good: it is freed. */
  g_object_unref (g_list_model_get_item (G_LIST_MODEL (f->selection), 160));
  gone = g_list_model_get_item (G_LIST_MODEL (f->model), 160);
  g_object_add_weak_pointer (G_OBJECT (gone), (gpointer *) &gone);
  g_ptr_array_add (removed, gone);
  dailies_task_store_remove_tasks (f->store, removed);
  dailies_task_store_forget_removed (f->store, removed);
  g_clear_pointer (&removed, g_ptr_array_unref);
  g_assert_null (gone);
  assert_view_right (f);
}

/* Slots held by others than rows (here: the test) may outlive the model
 * and go after it: nothing of the model is touched then (ASan checks). */
static void
test_slot_outlives_model (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(DailiesTaskSlot) kept = g_list_model_get_item (G_LIST_MODEL (f->selection), 20);
  g_autoptr(DailiesTaskSlot) other = g_list_model_get_item (G_LIST_MODEL (f->selection), 60);

  search (f, "sel0015");
  search (f, "");
  g_signal_handlers_disconnect_by_data (f->selection, f);
  g_clear_pointer (&f->held, g_ptr_array_unref);
  g_assert_finalize_object (f->selection);
  f->selection = NULL;
  g_clear_object (&kept);
  g_clear_object (&other);
  f->held = g_ptr_array_new ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/dailies/task-selection/search-hands-rows-over", test_search_hands_rows_over);
  ADD ("/dailies/task-selection/search-below-the-top", test_search_below_the_top);
  ADD ("/dailies/task-selection/changes-between-searches", test_changes_between_searches);
  g_test_add ("/dailies/task-selection/spread-changes-hand-rows-over", Fixture, GUINT_TO_POINTER (30000),
              fixture_setup, test_spread_changes_hand_rows_over, fixture_teardown);
  ADD ("/dailies/task-selection/selection-follows-tasks", test_selection_follows_tasks);
  ADD ("/dailies/task-selection/selection-through-undo", test_selection_through_undo);
  ADD ("/dailies/task-selection/selection-through-answer", test_selection_through_answer);
  ADD ("/dailies/task-selection/selection-by-task", test_selection_by_task);
  ADD ("/dailies/task-selection/selection-left-without-row", test_selection_left_without_row);
  g_test_add ("/dailies/task-selection/selection-through-spread-removal", Fixture, GUINT_TO_POINTER (30000),
              fixture_setup, test_selection_through_spread_removal, fixture_teardown);
  ADD ("/dailies/task-selection/asked-and-let-go", test_asked_and_let_go);
  ADD ("/dailies/task-selection/slot-outlives-model", test_slot_outlives_model);
#undef ADD

  return g_test_run ();
}
