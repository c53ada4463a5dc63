/* dailies-deque.h
 *
 * An array of pointers that has room at both ends, so that a change moves
 * the items between it and the nearer end only. The task lists hold
 * 100,000 pointers; a task removed near the top of the list moved all the
 * ones below it (800 KB an array, three arrays a removal, as much again
 * for its Undo).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <string.h>

#include "dailies-indices.h"

G_BEGIN_DECLS

typedef struct
{
  gpointer *pdata;   /* the first item; valid until the next change (which,
                      * unlike GPtrArray's, may move it on a removal) */
  guint     len;

  /*< private >*/
  gpointer *base;
  guint     head;    /* free slots before pdata */
  guint     alloc;   /* slots at base */
} DailiesDeque;

typedef gboolean (*DailiesDequeTest) (gpointer item,
                                      gpointer user_data);

DailiesDeque *dailies_deque_new           (guint               reserve);
void          dailies_deque_free          (DailiesDeque       *self);
void          dailies_deque_append        (DailiesDeque       *self,
                                           gpointer            item);
void          dailies_deque_append_many   (DailiesDeque       *self,
                                           gpointer const     *items,
                                           guint               n_items);
void          dailies_deque_truncate      (DailiesDeque       *self,
                                           guint               len);
void          dailies_deque_insert        (DailiesDeque       *self,
                                           guint               index,
                                           gpointer            item);
void          dailies_deque_remove_index  (DailiesDeque       *self,
                                           guint               index);
void          dailies_deque_remove_sorted (DailiesDeque       *self,
                                           const guint        *indices,
                                           guint               n_indices);
void          dailies_deque_sort          (DailiesDeque       *self,
                                           GCompareFunc        compare);
void          dailies_deque_reserve_back  (DailiesDeque       *self,
                                           guint               n);
void          dailies_deque_grow_front    (DailiesDeque       *self,
                                           guint               n);

static inline gpointer
dailies_deque_index (const DailiesDeque *self,
                     guint               index)
{
  return self->pdata[index];
}

/* Drops the first @n slots. */
static inline void
dailies_deque_shrink_front (DailiesDeque *self,
                            guint         n)
{
  self->head += n;
  self->pdata += n;
  self->len -= n;
}

/* The two below take a function: inline, so that each caller's own
 * comparison is inlined in turn (called through a pointer, it cost an
 * Undo of 50,000 7 M instructions more: 235.1 M against 228.0 M). */

/* Removes every item in [@first, @last] for which @doomed returns TRUE
 * (none outside), in one pass from whichever end has fewer to move, so in
 * either order: @doomed must only look. */
static inline void
dailies_deque_remove_if (DailiesDeque     *self,
                         guint             first,
                         guint             last,
                         DailiesDequeTest  doomed,
                         gpointer          user_data)
{
  gpointer *items = self->pdata;
  guint w;

  g_return_if_fail (first <= last && last < self->len);

  if (last + 1 <= self->len - first)
    {
      w = last + 1;
      for (guint i = last + 1; i-- > 0;)
        if (i < first || !doomed (items[i], user_data))
          items[--w] = items[i];
      dailies_deque_shrink_front (self, w);
      return;
    }

  w = first;
  for (guint i = first; i < self->len; i++)
    if (i > last || !doomed (items[i], user_data))
      items[w++] = items[i];
  self->len = w;
}

/* Merges @fresh (sorted) into the items (sorted): each fresh item lands
 * before the first item that sorts after it, after the fresh ones before
 * it. The items between the span they land in and the nearer end move,
 * each block between two fresh ones once; the rest stay. Each landing is
 * galloped to from the one before: fresh ones that land together (an
 * import's slice) cost a comparison or two each, ones spread out (an Undo
 * of every other task) a few for the gap between them. The span goes to
 * @out_first and @out_last. */
static inline void
dailies_deque_merge (DailiesDeque      *self,
                     gpointer const    *fresh,
                     guint              n_fresh,
                     DailiesSortsAfter  sorts_after,
                     guint             *out_first,
                     guint             *out_last)
{
  guint lands_first, lands_last;
  guint len = self->len;
  gpointer *items;

  *out_first = *out_last = 0;
  g_return_if_fail (n_fresh > 0);

  lands_first = dailies_indices_first_after ((gpointer const *) self->pdata, 0, len, fresh[0], sorts_after);
  lands_last = dailies_indices_first_after ((gpointer const *) self->pdata, 0, len, fresh[n_fresh - 1],
                                           sorts_after);

  if (lands_last <= len - lands_first)
    {
      /* From the front: the items before each fresh one move down. */
      guint r = n_fresh;
      guint w = 0;

      dailies_deque_grow_front (self, n_fresh);
      items = self->pdata;
      len = self->len;
      for (guint j = 0; j < n_fresh; j++)
        {
          guint hi = dailies_indices_gallop_forward ((gpointer const *) items, r, len, fresh[j], sorts_after);

          memmove (&items[w], &items[r], (hi - r) * sizeof (gpointer));
          w += hi - r;
          r = hi;
          if (j == 0)
            *out_first = w;
          items[w++] = fresh[j];
        }
      *out_last = w - 1;
    }
  else
    {
      /* From the back: the items after each fresh one move up. */
      guint i = len;
      guint w = len + n_fresh;

      dailies_deque_reserve_back (self, n_fresh);
      self->len += n_fresh;
      items = self->pdata;
      for (guint j = n_fresh; j-- > 0;)
        {
          guint lo = dailies_indices_gallop_back ((gpointer const *) items, i, fresh[j], sorts_after);

          memmove (&items[w - (i - lo)], &items[lo], (i - lo) * sizeof (gpointer));
          w -= i - lo;
          i = lo;
          items[--w] = fresh[j];
          if (j == n_fresh - 1)
            *out_last = w;
        }
      *out_first = w;
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesDeque, dailies_deque_free)

G_END_DECLS
