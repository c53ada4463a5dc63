/* dailies-task-selection.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-task.h"
#include "dailies-task-selection.h"
#include "dailies-task-slot.h"

struct _DailiesTaskSelection
{
  GObject               parent_instance;

  DailiesTaskListModel *model;
  GHashTable           *slots;   /* DailiesTask → its DailiesTaskSlot while one lives:
                                  * the view's rows, about 200, hold them */
  DailiesTaskSlot      *spare;   /* the last slot made, ours; not filed in slots
                                  * while no one else holds it (see settle_spare) */
  GHashTable           *chosen;  /* the selected DailiesTasks (references), each
                                  * listed: kept by task rather than by place, a
                                  * change that moves tasks (an answer, an Undo
                                  * around them) costs the selection nothing */
  GtkBitset            *places;  /* the places of the chosen tasks, worked out when
                                  * asked for and kept until the list changes;
                                  * NULL until then */
};

/* A selected task's place costs a binary search, about this many times
 * what looking at one place costs. */
#define PLACE_LOOKUP_COST 4

static void list_model_iface_init      (GListModelInterface        *iface);
static void selection_model_iface_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DailiesTaskSelection, dailies_task_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, selection_model_iface_init))

/* ------------------------------------------------------------------ */
/* Slots                                                               */
/* ------------------------------------------------------------------ */

static void
slot_gone_cb (gpointer         owner,
              DailiesTaskSlot *slot)
{
  DailiesTaskSelection *self = owner;
  DailiesTask *task = dailies_task_slot_get_task (slot);

  /* A slot handed another task was filed again under it. */
  if (g_hash_table_lookup (self->slots, task) == slot)
    g_hash_table_remove (self->slots, task);
}

/* @slot is the one of @task from now on; one it replaces is not followed
 * any more (a slot someone other than a row held). */
static void
file_slot (DailiesTaskSelection *self,
           DailiesTask          *task,
           DailiesTaskSlot      *slot)
{
  DailiesTaskSlot *other = g_hash_table_lookup (self->slots, task);

  if (other != NULL && other != slot)
    dailies_task_slot_set_owner (other, NULL, NULL);
  g_hash_table_insert (self->slots, task, slot);
  dailies_task_slot_set_owner (slot, slot_gone_cb, self);
}

/* The spare is handed out without being filed: GTK 4.8 asks for the
 * item of every place a big change brings back (an Undo of 50,000:
 * 150,000 items), to look for its row, and lets go of it at once. Reading
 * the count of references costs nothing, where a toggle reference cost a
 * callback, a filing and an unfiling per item asked for. Main thread
 * only. */
static gboolean
spare_is_ours_alone (DailiesTaskSelection *self)
{
  return self->spare != NULL && g_atomic_int_get (&G_OBJECT (self->spare)->ref_count) == 1;
}

/* A spare someone kept since (a row took it) is filed now, as any other
 * slot, and the next one is made when asked for. */
static void
settle_spare (DailiesTaskSelection *self)
{
  DailiesTask *task;

  if (self->spare == NULL || spare_is_ours_alone (self))
    return;

  task = dailies_task_slot_get_task (self->spare);
  if (task != NULL)
    file_slot (self, task, self->spare);
  g_clear_object (&self->spare);
}

/* A spare no one else holds lets go of its task: a removed one is freed. */
static void
release_spare_task (DailiesTaskSelection *self)
{
  if (spare_is_ours_alone (self))
    dailies_task_slot_set_task (self->spare, NULL);
}

static DailiesTaskSlot *
slot_for_task (DailiesTaskSelection *self,
               DailiesTask          *task)
{
  DailiesTaskSlot *slot;

  settle_spare (self);
  slot = g_hash_table_lookup (self->slots, task);
  if (slot != NULL)
    return g_object_ref (slot);

  if (self->spare == NULL)
    self->spare = dailies_task_slot_new (task);
  else
    dailies_task_slot_reuse (self->spare, task);

  return g_object_ref (self->spare);
}

typedef struct
{
  DailiesTaskSlot *slot;
  guint            position;
} Move;

/* A search or filter replaced @removed tasks at @position by @added, or
 * tasks spread over 10,000 places or more were removed or put back, told
 * as one span (NULL for any other change): each slot of the replaced
 * span, with its place before. A search's matches often come up from
 * below what it left out, which the list tells as a removal alone: when
 * more rows would go with the tasks left out than would move up with the
 * rest, the span is widened to the end of the list, so that those rows
 * take the tasks that come up. */
static GArray *
take_slots_off (DailiesTaskSelection *self,
                guint                 position,
                guint                *removed,
                guint                *added)
{
  guint n_after = g_list_model_get_n_items (G_LIST_MODEL (self->model)) - position - *added;
  guint n_left_out = 0, n_moving_up = 0;
  g_autoptr(GArray) moves = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint old;

  /* Places only added (an Undo of one) move every row after them down:
   * none to hand over, and no slot looked up. */
  if (!dailies_task_list_model_is_replacing (self->model) || *removed == 0)
    return NULL;

  moves = g_array_new (FALSE, FALSE, sizeof (Move));
  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (dailies_task_list_model_get_replaced_position (self->model, key, &old) && old >= position)
      {
        if (old - position >= *removed)
          n_moving_up++;
        else if (old - position >= *added)
          n_left_out++;
        g_array_append_val (moves, ((Move) { value, old }));
      }

  /* A search's alone: an addition or a removal keeps its rows' places
   * only within its own span. */
  if (n_left_out > n_moving_up && dailies_task_list_model_is_refiltering (self->model))
    {
      *removed += n_after;
      *added += n_after;
    }

  for (guint i = 0; i < moves->len;)
    if (g_array_index (moves, Move, i).position - position >= *removed)
      g_array_remove_index_fast (moves, i);
    else
      i++;

  return g_steal_pointer (&moves);
}

/* The slots of the first MIN (@removed, @added) places, up to the last
 * with a row, take the tasks now there. Returns how many places kept
 * their slots: the change left to tell starts after them; sets
 * @showed_chosen when one of those rows showed or shows a selected task.
 * Costs the slots alive (the rows, about 200), not the tasks listed.
 *
 * The change left starts right after a row: GTK 4.8 drops the wrong
 * items when a removal starts inside a run of places without rows and
 * goes past its end (gtk_list_item_manager_remove_items() does not split
 * the run), and a row is a run of its own. */
static guint
hand_over_slots (DailiesTaskSelection *self,
                 GArray               *moves,
                 guint                 position,
                 guint                 removed,
                 guint                 added,
                 gboolean             *showed_chosen)
{
  guint limit = MIN (removed, added);
  guint kept = 0;

  for (guint i = 0; i < moves->len; i++)
    if (g_array_index (moves, Move, i).position - position < limit)
      kept = MAX (kept, g_array_index (moves, Move, i).position - position + 1);
  if (kept == 0)
    return 0;

  /* Every slot of the span is taken off its old task first: a task of
   * the new span may have had a slot of its own in the old one. Those
   * past @kept go with the change told, followed no more. */
  for (guint i = 0; i < moves->len; i++)
    {
      DailiesTaskSlot *slot = g_array_index (moves, Move, i).slot;

      g_hash_table_remove (self->slots, dailies_task_slot_get_task (slot));
      dailies_task_slot_set_owner (slot, NULL, NULL);
    }

  for (guint i = 0; i < moves->len; i++)
    {
      const Move *move = &g_array_index (moves, Move, i);
      g_autoptr(DailiesTask) task = NULL;

      if (move->position - position >= kept)
        continue;

      task = g_list_model_get_item (G_LIST_MODEL (self->model), move->position);
      if (g_hash_table_contains (self->chosen, dailies_task_slot_get_task (move->slot)) ||
          g_hash_table_contains (self->chosen, task))
        *showed_chosen = TRUE;
      file_slot (self, task, move->slot);
      dailies_task_slot_set_task (move->slot, task);
    }

  return kept;
}

static void
unchoose_cb (gpointer task,
             gpointer user_data)
{
  DailiesTaskSelection *self = user_data;

  g_hash_table_remove (self->chosen, task);
}

/* As GtkMultiSelection does, a task a change takes out of the list loses
 * its selection; one it moves keeps it. Costs the tasks the change may
 * take out, or, when fewer, the tasks selected (a search's key with one
 * selected). Returns whether any lost it. */
static gboolean
drop_leaving (DailiesTaskSelection *self)
{
  guint n_chosen = g_hash_table_size (self->chosen);
  guint n_may_leave = dailies_task_list_model_count_may_leave (self->model);
  DailiesTask *moving;
  g_autoptr(GPtrArray) gone = NULL;
  GHashTableIter iter;
  gpointer task;

  if (n_may_leave == 0 || n_chosen == 0)
    return FALSE;

  if ((guint64) n_chosen * PLACE_LOOKUP_COST >= n_may_leave)
    {
      dailies_task_list_model_foreach_leaving (self->model, unchoose_cb, self);
      return g_hash_table_size (self->chosen) != n_chosen;
    }

  moving = dailies_task_list_model_get_moving_task (self->model);
  gone = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->chosen);
  while (g_hash_table_iter_next (&iter, &task, NULL))
    if (task != moving && !dailies_task_list_model_find_task (self->model, task, NULL))
      g_ptr_array_add (gone, task);
  for (guint i = 0; i < gone->len; i++)
    g_hash_table_remove (self->chosen, g_ptr_array_index (gone, i));

  return gone->len > 0;
}

static void
tell_change (DailiesTaskSelection *self,
             guint                 position,
             guint                 removed,
             guint                 added)
{
  guint told_removed = removed, told_added = added;
  g_autoptr(GArray) moves = take_slots_off (self, position, &told_removed, &told_added);
  gboolean showed_chosen = FALSE;
  gboolean dropped;
  guint kept = 0;

  if (moves != NULL && moves->len > 0)
    kept = hand_over_slots (self, moves, position, told_removed, told_added, &showed_chosen);

  dropped = drop_leaving (self);

  if (kept == 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }

  if (told_removed > kept || told_added > kept)
    g_list_model_items_changed (G_LIST_MODEL (self), position + kept, told_removed - kept, told_added - kept);

  /* The rows that took other tasks show whether those are selected; a
   * selected task without a row that left is told too, when the rows
   * took the whole change and nothing else would be. */
  if (showed_chosen || dropped)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position, kept);
}

/* A spare a row kept is one of the slots the change hands over; one no
 * one holds lets go of its task once GTK has asked what it wanted. */
static void
model_items_changed_cb (DailiesTaskSelection *self,
                        guint                 position,
                        guint                 removed,
                        guint                 added)
{
  /* Worked out again when next asked for (shifting them cost each
   * place), and never from the places before, while the change is told. */
  g_clear_pointer (&self->places, gtk_bitset_unref);
  settle_spare (self);
  tell_change (self, position, removed, added);
  release_spare_task (self);
}

/* ------------------------------------------------------------------ */
/* GListModel                                                          */
/* ------------------------------------------------------------------ */

static GType
dailies_task_selection_get_item_type (GListModel *model)
{
  return DAILIES_TYPE_TASK_SLOT;
}

static guint
dailies_task_selection_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (DAILIES_TASK_SELECTION (model)->model));
}

static gpointer
dailies_task_selection_get_item (GListModel *model,
                                 guint       position)
{
  DailiesTaskSelection *self = DAILIES_TASK_SELECTION (model);
  DailiesTask *task = dailies_task_list_model_peek_task (self->model, position);

  return task != NULL ? slot_for_task (self, task) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dailies_task_selection_get_item_type;
  iface->get_n_items = dailies_task_selection_get_n_items;
  iface->get_item = dailies_task_selection_get_item;
}

/* ------------------------------------------------------------------ */
/* GtkSelectionModel: the rest comes from the interface's defaults,    */
/* which go through set_selection()                                    */
/* ------------------------------------------------------------------ */

static gboolean
is_chosen_at (DailiesTaskSelection *self,
              guint                 position)
{
  DailiesTask *task = dailies_task_list_model_peek_task (self->model, position);

  return task != NULL && g_hash_table_contains (self->chosen, task);
}

static gboolean
dailies_task_selection_is_selected (GtkSelectionModel *model,
                                    guint              position)
{
  return is_chosen_at (DAILIES_TASK_SELECTION (model), position);
}

/* The places of the selected tasks: each looked up when there are few of
 * them, else each place looked at. */
static GtkBitset *
get_places (DailiesTaskSelection *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint n_chosen = g_hash_table_size (self->chosen);

  if (self->places != NULL)
    return self->places;

  self->places = gtk_bitset_new_empty ();
  if (n_chosen == 0)
    return self->places;

  if ((guint64) n_chosen * PLACE_LOOKUP_COST < n_items)
    {
      GHashTableIter iter;
      gpointer task;
      guint at;

      g_hash_table_iter_init (&iter, self->chosen);
      while (g_hash_table_iter_next (&iter, &task, NULL))
        if (dailies_task_list_model_find_task (self->model, task, &at))
          gtk_bitset_add (self->places, at);
      return self->places;
    }

  for (guint at = 0; at < n_items;)
    {
      guint run = at;

      while (run < n_items && is_chosen_at (self, run))
        run++;
      if (run > at)
        gtk_bitset_add_range (self->places, at, run - at);
      at = run + 1;
    }

  return self->places;
}

/* All of them. A holder sees later selections but not later changes to
 * the list (the bitset is let go of then), where GtkMultiSelection's
 * follows both. */
static GtkBitset *
dailies_task_selection_get_selection_in_range (GtkSelectionModel *model,
                                               guint              position,
                                               guint              n_items)
{
  return gtk_bitset_ref (get_places (DAILIES_TASK_SELECTION (model)));
}

/* The places in @mask take their state from @selected: costs the places
 * whose state changes, once the selection's places are known, or, for a
 * click or Escape, the tasks let go of. */
static gboolean
dailies_task_selection_set_selection (GtkSelectionModel *model,
                                      GtkBitset         *selected,
                                      GtkBitset         *mask)
{
  DailiesTaskSelection *self = DAILIES_TASK_SELECTION (model);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  GtkBitset *places;
  g_autoptr(GtkBitset) within = gtk_bitset_copy (mask);
  g_autoptr(GtkBitset) wanted = NULL;
  g_autoptr(GtkBitset) changed = NULL;
  GtkBitsetIter iter;
  guint first, last, at;

  /* Never past the end: a task added there later would come selected. */
  if (n_items < G_MAXUINT)
    gtk_bitset_remove_range_closed (within, n_items, G_MAXUINT);
  wanted = gtk_bitset_copy (selected);
  gtk_bitset_intersect (wanted, within);

  /* Escape, or a click (one task, the rest let go of): the selection is
   * made anew, without working out where the tasks let go of were. */
  if (n_items > 0 && gtk_bitset_get_size (within) == n_items && gtk_bitset_get_size (wanted) <= 1)
    {
      DailiesTask *task = NULL;

      if (!gtk_bitset_is_empty (wanted))
        task = dailies_task_list_model_peek_task (self->model, gtk_bitset_get_minimum (wanted));
      if (g_hash_table_size (self->chosen) == (task != NULL ? 1 : 0) &&
          (task == NULL || g_hash_table_contains (self->chosen, task)))
        return TRUE;

      g_hash_table_remove_all (self->chosen);
      if (task != NULL)
        g_hash_table_add (self->chosen, g_object_ref (task));
      g_clear_pointer (&self->places, gtk_bitset_unref);
      self->places = gtk_bitset_copy (wanted);
      gtk_selection_model_selection_changed (model, 0, n_items);
      return TRUE;
    }

  places = get_places (self);
  changed = gtk_bitset_copy (places);
  gtk_bitset_intersect (changed, within);
  gtk_bitset_difference (changed, wanted);
  if (gtk_bitset_is_empty (changed))
    return TRUE;
  first = gtk_bitset_get_minimum (changed);
  last = gtk_bitset_get_maximum (changed);

  for (gboolean valid = gtk_bitset_iter_init_first (&iter, changed, &at); valid;
       valid = gtk_bitset_iter_next (&iter, &at))
    {
      DailiesTask *task = dailies_task_list_model_peek_task (self->model, at);

      if (gtk_bitset_contains (wanted, at))
        {
          g_hash_table_add (self->chosen, g_object_ref (task));
          gtk_bitset_add (places, at);
        }
      else
        {
          g_hash_table_remove (self->chosen, task);
          gtk_bitset_remove (places, at);
        }
    }

  gtk_selection_model_selection_changed (model, first, last - first + 1);

  return TRUE;
}

static void
selection_model_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = dailies_task_selection_is_selected;
  iface->get_selection_in_range = dailies_task_selection_get_selection_in_range;
  iface->set_selection = dailies_task_selection_set_selection;
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

static void
dailies_task_selection_dispose (GObject *object)
{
  DailiesTaskSelection *self = DAILIES_TASK_SELECTION (object);
  GHashTableIter iter;
  gpointer slot;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, &slot))
    dailies_task_slot_set_owner (slot, NULL, NULL);
  g_hash_table_remove_all (self->slots);
  g_hash_table_remove_all (self->chosen);
  g_clear_pointer (&self->places, gtk_bitset_unref);
  g_clear_object (&self->spare);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (dailies_task_selection_parent_class)->dispose (object);
}

static void
dailies_task_selection_finalize (GObject *object)
{
  DailiesTaskSelection *self = DAILIES_TASK_SELECTION (object);

  g_clear_pointer (&self->slots, g_hash_table_unref);
  g_clear_pointer (&self->chosen, g_hash_table_unref);

  G_OBJECT_CLASS (dailies_task_selection_parent_class)->finalize (object);
}

static void
dailies_task_selection_class_init (DailiesTaskSelectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_task_selection_dispose;
  object_class->finalize = dailies_task_selection_finalize;
}

static void
dailies_task_selection_init (DailiesTaskSelection *self)
{
  self->slots = g_hash_table_new (NULL, NULL);
  self->chosen = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

DailiesTaskSelection *
dailies_task_selection_new (DailiesTaskListModel *model)
{
  DailiesTaskSelection *self;

  g_return_val_if_fail (DAILIES_IS_TASK_LIST_MODEL (model), NULL);

  self = g_object_new (DAILIES_TYPE_TASK_SELECTION, NULL);
  self->model = g_object_ref (model);
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (model_items_changed_cb), self);

  return self;
}

DailiesTask *
dailies_task_selection_get_task (DailiesTaskSelection *self,
                                 guint                 position)
{
  g_return_val_if_fail (DAILIES_IS_TASK_SELECTION (self), NULL);

  return g_list_model_get_item (G_LIST_MODEL (self->model), position);
}

guint
dailies_task_selection_get_n_selected (DailiesTaskSelection *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_SELECTION (self), 0);

  return g_hash_table_size (self->chosen);
}

DailiesTask *
dailies_task_selection_get_selected_task (DailiesTaskSelection *self)
{
  GHashTableIter iter;
  gpointer task;

  g_return_val_if_fail (DAILIES_IS_TASK_SELECTION (self), NULL);

  if (g_hash_table_size (self->chosen) != 1)
    return NULL;

  g_hash_table_iter_init (&iter, self->chosen);
  g_hash_table_iter_next (&iter, &task, NULL);
  return task;
}

GPtrArray *
dailies_task_selection_dup_selected_tasks (DailiesTaskSelection *self)
{
  GtkBitset *places;
  GPtrArray *tasks;
  GtkBitsetIter iter;
  guint at;

  g_return_val_if_fail (DAILIES_IS_TASK_SELECTION (self), NULL);

  places = get_places (self);
  tasks = g_ptr_array_new_full (g_hash_table_size (self->chosen), g_object_unref);
  for (gboolean valid = gtk_bitset_iter_init_first (&iter, places, &at); valid;
       valid = gtk_bitset_iter_next (&iter, &at))
    g_ptr_array_add (tasks, g_object_ref (dailies_task_list_model_peek_task (self->model, at)));

  return tasks;
}
