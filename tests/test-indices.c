/* test-indices.c
 *
 * What the store and the list model use to merge many tasks in from
 * either end: the search, where it lands and what it costs, and the sort
 * before.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-indices.h"

/* Items and keys are small numbers in pointers; each comparison counts. */
static guint n_comparisons;

static gboolean
number_sorts_after (gconstpointer item,
                    gconstpointer key)
{
  n_comparisons++;
  return GPOINTER_TO_UINT (item) > GPOINTER_TO_UINT (key);
}

static guint
linear_upper_bound (gpointer const *items,
                    guint           start,
                    guint           end,
                    gconstpointer   key)
{
  for (guint i = start; i < end; i++)
    if (GPOINTER_TO_UINT (items[i]) > GPOINTER_TO_UINT (key))
      return i;
  return end;
}

/* Against a plain scan, on sorted lists with runs of equal items, for
 * every end (and, galloping forward, every start) and every key from
 * below the first to above the last. */
static void
test_gallop_lands (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261203);

  for (guint round = 0; round < 200; round++)
    {
      guint n = g_rand_int_range (rand, 0, 70);
      g_autofree gpointer *items = g_new (gpointer, MAX (n, 1));
      guint value = 1;

      for (guint i = 0; i < n; i++)
        {
          value += g_rand_int_range (rand, 0, 3);   /* 0: a tie */
          items[i] = GUINT_TO_POINTER (value);
        }

      for (guint end = 0; end <= n; end++)
        for (guint key = 0; key <= value + 1; key++)
          {
            g_assert_cmpuint (dailies_indices_gallop_back ((gpointer const *) items, end, GUINT_TO_POINTER (key),
                                                           number_sorts_after),
                              ==, linear_upper_bound ((gpointer const *) items, 0, end, GUINT_TO_POINTER (key)));
            for (guint start = 0; start <= end; start++)
              g_assert_cmpuint (dailies_indices_gallop_forward ((gpointer const *) items, start, end,
                                                                GUINT_TO_POINTER (key), number_sorts_after),
                                ==, linear_upper_bound ((gpointer const *) items, start, end,
                                                        GUINT_TO_POINTER (key)));
          }
    }
}

/* A key that lands k items before the end of 1,000,000 costs about
 * 2 log2 k comparisons, not the 20 of a search of the whole list: what
 * makes an Undo of every other task cost the gaps between them. */
static void
test_gallop_cost (void)
{
  const guint n = 1000000;
  g_autofree gpointer *items = g_new (gpointer, n);

  for (guint i = 0; i < n; i++)
    items[i] = GUINT_TO_POINTER (2 * i + 2);

  for (guint k = 0; k <= 4096; k = k == 0 ? 1 : 2 * k + 1)
    {
      /* Between the item k + 1 from the end and the one after it. */
      guint key = 2 * (n - k) + 1;
      guint bound = 2 * (guint) g_bit_storage (k) + 2;

      n_comparisons = 0;
      g_assert_cmpuint (dailies_indices_gallop_back ((gpointer const *) items, n, GUINT_TO_POINTER (key),
                                                     number_sorts_after),
                        ==, n - k);
      g_test_message ("%u before the end: %u comparisons", k, n_comparisons);
      g_assert_cmpuint (n_comparisons, <=, bound);

      /* The same from the front, for keys merged in there. */
      n_comparisons = 0;
      g_assert_cmpuint (dailies_indices_gallop_forward ((gpointer const *) items, 0, n, GUINT_TO_POINTER (2 * k + 3),
                                                        number_sorts_after),
                        ==, k + 1);
      g_assert_cmpuint (n_comparisons, <=, bound);
    }

  /* Before every item: all of them move, in about 2 log2 n. */
  n_comparisons = 0;
  g_assert_cmpuint (dailies_indices_gallop_back ((gpointer const *) items, n, GUINT_TO_POINTER (0),
                                                 number_sorts_after),
                    ==, 0);
  g_assert_cmpuint (n_comparisons, <=, 2 * g_bit_storage (n) + 2);
}

typedef struct
{
  guint key;
  guint seen;   /* where it was: ties must keep this order */
} Item;

static int
compare_items (gconstpointer a,
               gconstpointer b)
{
  const Item *ia = *(const Item * const *) a;
  const Item *ib = *(const Item * const *) b;

  return ia->key < ib->key ? -1 : ia->key > ib->key;
}

/* The same order as GLib's stable sort, for lists in order, in reverse
 * order with and without ties, and shuffled. */
static void
test_sort_stable (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261204);

  for (guint round = 0; round < 400; round++)
    {
      guint n = g_rand_int_range (rand, 0, 40);
      guint shape = round % 4;
      g_autofree Item *items = g_new0 (Item, MAX (n, 1));
      g_autoptr(GPtrArray) array = g_ptr_array_new ();
      g_autoptr(GPtrArray) expected = NULL;

      for (guint i = 0; i < n; i++)
        {
          switch (shape)
            {
            case 0: items[i].key = i; break;                                   /* in order */
            case 1: items[i].key = n - i; break;                               /* reversed */
            case 2: items[i].key = (n - i) / 2; break;                         /* reversed, ties */
            default: items[i].key = g_rand_int_range (rand, 0, 10); break;     /* shuffled */
            }
          items[i].seen = i;
          g_ptr_array_add (array, &items[i]);
        }
      expected = g_ptr_array_copy (array, NULL, NULL);
      g_ptr_array_sort (expected, compare_items);

      dailies_indices_sort_stable (array, compare_items);
      for (guint i = 0; i < n; i++)
        g_assert_true (g_ptr_array_index (array, i) == g_ptr_array_index (expected, i));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/indices/gallop-lands", test_gallop_lands);
  g_test_add_func ("/dailies/indices/gallop-cost", test_gallop_cost);
  g_test_add_func ("/dailies/indices/sort-stable", test_sort_stable);

  return g_test_run ();
}
