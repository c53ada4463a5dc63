/* dailies-indices.h
 *
 * Positions in a list, as the store and the list model pass them around
 * when many tasks change at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline int
dailies_indices_compare (gconstpointer a,
                         gconstpointer b)
{
  guint ia = *(const guint *) a;
  guint ib = *(const guint *) b;

  return ia < ib ? -1 : ia > ib;
}

/* Sorts @indices, a GArray of guint, in ascending order. */
static inline void
dailies_indices_sort (GArray *indices)
{
  g_array_sort (indices, dailies_indices_compare);
}

/* Sorts @array by @compare as a stable sort would, in a pass when it is
 * in order already, or in the reverse order (no two equal): tasks mostly
 * come in a list's order, oldest or newest first, and a sort of 50,000
 * led the profile of an Undo. */
static inline void
dailies_indices_sort_stable (GPtrArray    *array,
                             GCompareFunc  compare)
{
  gboolean ascending = TRUE;
  gboolean descending = TRUE;

  for (guint i = 1; i < array->len && (ascending || descending); i++)
    {
      int order = compare (&array->pdata[i - 1], &array->pdata[i]);

      ascending = ascending && order <= 0;
      descending = descending && order > 0;
    }

  if (descending)
    for (guint i = 0; i < array->len / 2; i++)
      {
        gpointer swap = array->pdata[i];

        array->pdata[i] = array->pdata[array->len - 1 - i];
        array->pdata[array->len - 1 - i] = swap;
      }
  else if (!ascending)
    g_ptr_array_sort (array, compare);
}

/* Whether @item sorts after @key, in a list sorted so that once this
 * holds, it holds for every later item. */
typedef gboolean (*DailiesSortsAfter) (gconstpointer item,
                                       gconstpointer key);

/* The first index in @items[@lo, @hi) whose item sorts after @key (@hi if
 * none does), by bisection. */
static inline guint
dailies_indices_first_after (gpointer const    *items,
                             guint              lo,
                             guint              hi,
                             gconstpointer      key,
                             DailiesSortsAfter  sorts_after)
{
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (sorts_after (items[mid], key))
        hi = mid;
      else
        lo = mid + 1;
    }

  return hi;
}

/* The first index in @items[0, @end) whose item sorts after @key (@end if
 * none does), found by galloping back from @end: a key that lands k items
 * before @end costs about 2 log2 k comparisons. Many keys merged in from
 * the back, such as an Undo of every other task of 100,000, then pay for
 * the gaps between them, not for a search of the whole list each. */
static inline guint
dailies_indices_gallop_back (gpointer const    *items,
                             guint              end,
                             gconstpointer      key,
                             DailiesSortsAfter  sorts_after)
{
  guint hi = end;   /* items[hi, end) sort after @key */
  guint step = 1;

  while (hi > 0)
    {
      guint probe = hi > step ? hi - step : 0;

      /* The first one after is in (probe, hi]. */
      if (!sorts_after (items[probe], key))
        return dailies_indices_first_after (items, probe + 1, hi, key, sorts_after);
      hi = probe;
      step *= 2;
    }

  return 0;
}

/* The first index in @items[@start, @end) whose item sorts after @key
 * (@end if none does), found by galloping forward from @start: the mirror
 * of dailies_indices_gallop_back(), for keys merged in from the front. */
static inline guint
dailies_indices_gallop_forward (gpointer const    *items,
                                guint              start,
                                guint              end,
                                gconstpointer      key,
                                DailiesSortsAfter  sorts_after)
{
  guint lo = start;   /* items[start, lo) do not sort after @key */
  guint step = 1;

  while (lo < end)
    {
      guint probe = end - lo > step ? lo + step - 1 : end - 1;

      /* The first one after is in [lo, probe]. */
      if (sorts_after (items[probe], key))
        return dailies_indices_first_after (items, lo, probe, key, sorts_after);
      lo = probe + 1;
      step *= 2;
    }

  return end;
}

G_END_DECLS
