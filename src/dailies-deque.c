/* dailies-deque.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-deque.h"

/* Room made at an end that ran out: half the length more than asked, so
 * that a run of changes at one end moves everything about once. */
#define SLACK(len) ((len) / 2 + 16)

DailiesDeque *
dailies_deque_new (guint reserve)
{
  DailiesDeque *self = g_new0 (DailiesDeque, 1);

  self->alloc = MAX (reserve, 16);
  self->base = g_new (gpointer, self->alloc);
  self->pdata = self->base;

  return self;
}

void
dailies_deque_free (DailiesDeque *self)
{
  if (self == NULL)
    return;

  g_free (self->base);
  g_free (self);
}

static guint
tail_room (const DailiesDeque *self)
{
  return self->alloc - self->head - self->len;
}

/* Slots for @len items and @n more with room at both ends, which must
 * fit in a guint, as GPtrArray's do. */
static void
check_size (guint len,
            guint n)
{
  if ((guint64) len + n + 2 * (guint64) SLACK ((guint64) len + n) > G_MAXUINT)
    g_error ("dailies-deque: adding %u items to %u would overflow", n, len);
}

/* Moves the items to a new block with @head free slots before them and
 * @tail after. Room an end does not ask for is cut to the usual slack:
 * removing half the list from the front leaves as many free slots there,
 * which an addition at the back would otherwise keep for good. */
static void
relocate (DailiesDeque *self,
          guint         head,
          guint         tail)
{
  gpointer *base;

  base = g_new (gpointer, head + self->len + tail);
  memcpy (base + head, self->pdata, self->len * sizeof (gpointer));
  g_free (self->base);
  self->alloc = head + self->len + tail;
  self->base = base;
  self->head = head;
  self->pdata = base + head;
}

/* Makes room for @n more items after the last. */
void
dailies_deque_reserve_back (DailiesDeque *self,
                            guint         n)
{
  if (tail_room (self) >= n)
    return;

  check_size (self->len, n);
  if (self->head > SLACK (self->len))
    relocate (self, SLACK (self->len), n + SLACK (self->len));
  else
    {
      /* In place when it can be: realloc may not copy a big block. */
      self->alloc = self->head + self->len + n + SLACK (self->len);
      self->base = g_renew (gpointer, self->base, self->alloc);
      self->pdata = self->base + self->head;
    }
}

/* Makes room for @n more items before the first. */
static void
reserve_front (DailiesDeque *self,
               guint         n)
{
  if (self->head >= n)
    return;

  check_size (self->len, n);
  relocate (self, n + SLACK (self->len), MIN (tail_room (self), SLACK (self->len)));
}

/* Opens @n slots before the first item (their contents undefined). */
void
dailies_deque_grow_front (DailiesDeque *self,
                          guint         n)
{
  reserve_front (self, n);
  self->head -= n;
  self->pdata -= n;
  self->len += n;
}

void
dailies_deque_append (DailiesDeque *self,
                      gpointer      item)
{
  dailies_deque_reserve_back (self, 1);
  self->pdata[self->len++] = item;
}

void
dailies_deque_append_many (DailiesDeque   *self,
                           gpointer const *items,
                           guint           n_items)
{
  if (n_items == 0)
    return;

  dailies_deque_reserve_back (self, n_items);
  memcpy (self->pdata + self->len, items, n_items * sizeof (gpointer));
  self->len += n_items;
}

/* Drops the items from @len on; their room stays. */
void
dailies_deque_truncate (DailiesDeque *self,
                        guint         len)
{
  g_return_if_fail (len <= self->len);

  self->len = len;
}

void
dailies_deque_insert (DailiesDeque *self,
                      guint         index,
                      gpointer      item)
{
  g_return_if_fail (index <= self->len);

  if (index <= self->len - index)
    {
      dailies_deque_grow_front (self, 1);
      memmove (self->pdata, self->pdata + 1, index * sizeof (gpointer));
    }
  else
    {
      dailies_deque_reserve_back (self, 1);
      memmove (self->pdata + index + 1, self->pdata + index, (self->len - index) * sizeof (gpointer));
      self->len++;
    }
  self->pdata[index] = item;
}

void
dailies_deque_remove_index (DailiesDeque *self,
                            guint         index)
{
  g_return_if_fail (index < self->len);

  dailies_deque_remove_sorted (self, &index, 1);
}

/* Removes the items at @indices (ascending, each once): the items kept
 * between them move in blocks toward the end that has fewer to move. */
void
dailies_deque_remove_sorted (DailiesDeque *self,
                             const guint  *indices,
                             guint         n_indices)
{
  guint first, last;
  guint w;

  if (n_indices == 0)
    return;

  first = indices[0];
  last = indices[n_indices - 1];
  g_return_if_fail (last < self->len);

  if (last + 1 - n_indices <= self->len - first - n_indices)
    {
      /* The items before the last one removed move up, from the back. */
      w = last + 1;
      for (guint i = n_indices; i-- > 0;)
        {
          guint prev = i > 0 ? indices[i - 1] + 1 : 0;

          memmove (&self->pdata[w - (indices[i] - prev)], &self->pdata[prev],
                   (indices[i] - prev) * sizeof (gpointer));
          w -= indices[i] - prev;
        }
      dailies_deque_shrink_front (self, n_indices);
      return;
    }

  w = first;
  for (guint i = 0; i < n_indices; i++)
    {
      guint next = i + 1 < n_indices ? indices[i + 1] : self->len;

      memmove (&self->pdata[w], &self->pdata[indices[i] + 1], (next - indices[i] - 1) * sizeof (gpointer));
      w += next - indices[i] - 1;
    }
  self->len = w;
}

typedef struct
{
  GCompareFunc compare;
} SortData;

static int
compare_with_data (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  return ((SortData *) user_data)->compare (a, b);
}

/* A stable sort, as g_ptr_array_sort(): @compare gets pointers to items. */
void
dailies_deque_sort (DailiesDeque *self,
                    GCompareFunc  compare)
{
  SortData data = { compare };

#if GLIB_CHECK_VERSION (2, 82, 0)
  g_sort_array (self->pdata, self->len, sizeof (gpointer), compare_with_data, &data);
#else
  g_qsort_with_data (self->pdata, self->len, sizeof (gpointer), compare_with_data, &data);
#endif
}
