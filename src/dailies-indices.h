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

G_END_DECLS
