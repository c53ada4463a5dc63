/* test-deque.c
 *
 * The array with room at both ends that holds the store's and the list's
 * tasks: every change against a plain GPtrArray doing the same, and that
 * a change near one end leaves the items toward the other end where they
 * were.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-deque.h"

/* Items are (key << 16 | serial) in a pointer: sorted and merged by key
 * alone, so that ties show where each item lands. */
#define KEY(item) ((guint) (GPOINTER_TO_SIZE (item) >> 16))

static guint next_serial = 1;

static gpointer
make_item (guint key)
{
  return GSIZE_TO_POINTER ((gsize) key << 16 | (next_serial++ % 0xffff + 1));
}

static gboolean
key_sorts_after (gconstpointer item,
                 gconstpointer key)
{
  return KEY (item) > KEY (key);
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  guint ka = KEY (*(gpointer const *) a);
  guint kb = KEY (*(gpointer const *) b);

  return ka < kb ? -1 : ka > kb;
}

static gboolean
is_odd (gpointer item,
        gpointer user_data)
{
  return GPOINTER_TO_SIZE (item) & 1;
}

static void
assert_same (const DailiesDeque *deque,
             const GPtrArray    *reference)
{
  g_assert_cmpuint (deque->len, ==, reference->len);
  for (guint i = 0; i < reference->len; i++)
    g_assert_true (dailies_deque_index (deque, i) == g_ptr_array_index (reference, i));
}

/* An index near the front, near the back, or anywhere. */
static guint
pick_index (GRand *rand,
            guint  len)
{
  guint near = MIN (len, 4);

  switch (g_rand_int_range (rand, 0, 3))
    {
    case 0:
      return g_rand_int_range (rand, 0, near);
    case 1:
      return len - 1 - g_rand_int_range (rand, 0, near);
    default:
      return g_rand_int_range (rand, 0, len);
    }
}

static void
reference_merge (GPtrArray      *reference,
                 gpointer const *fresh,
                 guint           n_fresh,
                 guint          *first,
                 guint          *last)
{
  g_autoptr(GPtrArray) merged = g_ptr_array_new ();
  guint i = 0, j = 0;

  while (i < reference->len || j < n_fresh)
    {
      if (j < n_fresh && (i == reference->len || key_sorts_after (reference->pdata[i], fresh[j])))
        {
          if (j == 0)
            *first = merged->len;
          if (j == n_fresh - 1)
            *last = merged->len;
          g_ptr_array_add (merged, fresh[j++]);
        }
      else
        g_ptr_array_add (merged, reference->pdata[i++]);
    }

  g_ptr_array_set_size (reference, 0);
  g_ptr_array_extend (reference, merged, NULL, NULL);
}

/* Random changes, biased to the ends where tasks come and go, each done to
 * both; the deque starts small, so that both ends run out of room often. */
static void
test_deque_as_array (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261205);
  g_autoptr(DailiesDeque) deque = dailies_deque_new (0);
  g_autoptr(GPtrArray) reference = g_ptr_array_new ();
  gboolean sorted = TRUE;

  for (guint step = 0; step < 20000; step++)
    {
      guint op = g_rand_int_range (rand, 0, 9);
      guint len = reference->len;

      switch (op)
        {
        case 0: /* append */
          {
            gpointer item = make_item (len == 0 ? 1 : KEY (reference->pdata[len - 1]));

            dailies_deque_append (deque, item);
            g_ptr_array_add (reference, item);
          }
          break;

        case 1: /* append many */
          {
            guint n = g_rand_int_range (rand, 0, 40);
            g_autoptr(GPtrArray) items = g_ptr_array_new ();

            for (guint i = 0; i < n; i++)
              g_ptr_array_add (items, make_item (len == 0 ? 1 : KEY (reference->pdata[len - 1]) + i));
            dailies_deque_append_many (deque, (gpointer const *) items->pdata, items->len);
            g_ptr_array_extend (reference, items, NULL, NULL);
          }
          break;

        case 2: /* insert, keeping the order by key */
          {
            guint at = len == 0 ? 0 : pick_index (rand, len + 1);
            guint key = at == 0 ? (len == 0 ? 100 : KEY (reference->pdata[0])) : KEY (reference->pdata[at - 1]);
            gpointer item = make_item (key);

            dailies_deque_insert (deque, at, item);
            g_ptr_array_insert (reference, at, item);
          }
          break;

        case 3: /* remove one */
          if (len > 0)
            {
              guint at = pick_index (rand, len);

              dailies_deque_remove_index (deque, at);
              g_ptr_array_remove_index (reference, at);
            }
          break;

        case 4: /* remove some, in a cluster or spread out */
          if (len > 0)
            {
              g_autoptr(GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
              guint centre = pick_index (rand, len);
              guint spread = g_rand_boolean (rand) ? 8 : len;
              guint n = g_rand_int_range (rand, 1, 12);

              for (guint i = 0; i < n; i++)
                {
                  gint64 at = (gint64) centre + g_rand_int_range (rand, -(gint) spread, (gint) spread + 1);

                  at = CLAMP (at, 0, (gint64) len - 1);
                  g_array_append_val (indices, at);
                }
              dailies_indices_sort (indices);
              /* Each once. */
              for (guint i = indices->len; i-- > 1;)
                if (g_array_index (indices, guint, i) == g_array_index (indices, guint, i - 1))
                  g_array_remove_index (indices, i);

              dailies_deque_remove_sorted (deque, (const guint *) indices->data, indices->len);
              for (guint i = indices->len; i-- > 0;)
                g_ptr_array_remove_index (reference, g_array_index (indices, guint, i));
            }
          break;

        case 5: /* remove the odd ones of a span */
          if (len > 0)
            {
              guint first = pick_index (rand, len);
              guint last = first + g_rand_int_range (rand, 0, len - first);

              dailies_deque_remove_if (deque, first, last, is_odd, NULL);
              for (guint i = last + 1; i-- > first;)
                if (is_odd (reference->pdata[i], NULL))
                  g_ptr_array_remove_index (reference, i);
            }
          break;

        case 6: /* merge fresh ones in */
          if (sorted)
            {
              guint n = g_rand_int_range (rand, 1, g_rand_boolean (rand) ? 4 : 60);
              guint lo = len == 0 ? 1 : KEY (reference->pdata[pick_index (rand, len)]);
              guint width = g_rand_boolean (rand) ? 2 : 200;
              g_autoptr(GPtrArray) fresh = g_ptr_array_new ();
              guint first = 0, last = 0, ref_first = 0, ref_last = 0;

              for (guint i = 0; i < n; i++)
                {
                  guint key = lo + g_rand_int_range (rand, 0, width);

                  /* Around lo, from a little below it. */
                  g_ptr_array_add (fresh, make_item (key > width / 2 ? key - width / 2 : 1));
                }
              g_ptr_array_sort (fresh, compare_keys);

              dailies_deque_merge (deque, (gpointer const *) fresh->pdata, fresh->len, key_sorts_after,
                                   &first, &last);
              reference_merge (reference, (gpointer const *) fresh->pdata, fresh->len, &ref_first, &ref_last);
              g_assert_cmpuint (first, ==, ref_first);
              g_assert_cmpuint (last, ==, ref_last);
            }
          break;

        case 7: /* sort (stable: ties keep their order) */
          dailies_deque_sort (deque, compare_keys);
          g_ptr_array_sort (reference, compare_keys);
          sorted = TRUE;
          break;

        case 8: /* cut at the end, or put a few out of order */
          if (g_rand_boolean (rand))
            {
              guint new_len = g_rand_int_range (rand, 0, len + 1);

              dailies_deque_truncate (deque, new_len);
              g_ptr_array_set_size (reference, new_len);
            }
          else
            for (guint i = 0; i < MIN (len, 3); i++)
              {
                guint at = g_rand_int_range (rand, 0, len);

                deque->pdata[at] = reference->pdata[at] = make_item (g_rand_int_range (rand, 1, 1000));
              }
          break;

        default:
          g_assert_not_reached ();
        }

      /* Until the next sort, merges wait for an order to merge into. */
      for (guint i = 1; i < reference->len && sorted; i++)
        sorted = KEY (reference->pdata[i - 1]) <= KEY (reference->pdata[i]);

      assert_same (deque, reference);
    }
}

/* A change near one end leaves the items toward the other end in the same
 * slots: a removal from the top of 100,000 does not move the 99,996 below. */
static void
test_deque_far_end_stays (void)
{
  const guint n = 100000;
  g_autoptr(DailiesDeque) deque = dailies_deque_new (n);
  gpointer *tail_slot, *head_slot;
  guint first, last;
  gpointer fresh;

  for (guint i = 0; i < n; i++)
    dailies_deque_append (deque, make_item (i / 2 + 1));

  tail_slot = &deque->pdata[n - 10];
  dailies_deque_remove_index (deque, 3);
  g_assert_true (&deque->pdata[n - 11] == tail_slot);

  head_slot = &deque->pdata[10];
  dailies_deque_remove_index (deque, deque->len - 4);
  g_assert_true (&deque->pdata[10] == head_slot);

  /* Put back at the top, and a few tied with the last ones. */
  tail_slot = &deque->pdata[deque->len - 10];
  fresh = make_item (2);
  dailies_deque_merge (deque, &fresh, 1, key_sorts_after, &first, &last);
  g_assert_cmpuint (first, ==, 3);
  g_assert_true (&deque->pdata[deque->len - 10] == tail_slot);

  head_slot = &deque->pdata[10];
  fresh = make_item (n / 2);
  dailies_deque_merge (deque, &fresh, 1, key_sorts_after, &first, &last);
  g_assert_cmpuint (last, ==, deque->len - 1);
  g_assert_true (&deque->pdata[10] == head_slot);

  /* Inserts near the top: the first with no room before the items makes
   * room for half of them (moving all once), the next move only the items
   * above them. */
  dailies_deque_insert (deque, 2, make_item (1));
  tail_slot = &deque->pdata[deque->len - 10];
  for (guint i = 0; i < n / 2; i++)
    dailies_deque_insert (deque, 2, make_item (1));
  g_assert_true (&deque->pdata[deque->len - 10] == tail_slot);
  g_assert_cmpuint (deque->len, ==, n + 1 + n / 2);

  /* And near the bottom. */
  dailies_deque_insert (deque, deque->len - 2, make_item (n / 2));
  head_slot = &deque->pdata[10];
  for (guint i = 0; i < n / 2; i++)
    dailies_deque_insert (deque, deque->len - 2, make_item (n / 2));
  g_assert_true (&deque->pdata[10] == head_slot);

  /* Several merged in near the bottom, spread over its last thousand. */
  {
    gpointer several[5];
    guint last_key = KEY (deque->pdata[deque->len - 1]);

    for (guint i = 0; i < G_N_ELEMENTS (several); i++)
      several[i] = make_item (last_key - 200 + 50 * i);
    head_slot = &deque->pdata[10];
    dailies_deque_merge (deque, (gpointer const *) several, G_N_ELEMENTS (several), key_sorts_after,
                         &first, &last);
    g_assert_true (&deque->pdata[10] == head_slot);
    g_assert_true (deque->pdata[first] == several[0]);
    g_assert_true (deque->pdata[last] == several[G_N_ELEMENTS (several) - 1]);
  }

  /* A marked span removed near either end (the list model's way for
   * more than 64 at once). */
  for (guint i = 0; i < 200; i++)
    deque->pdata[5 + i] = make_item (1);
  tail_slot = &deque->pdata[deque->len - 10];
  {
    guint n_odd = 0;
    guint len = deque->len;

    for (guint i = 5; i < 205; i++)
      n_odd += is_odd (deque->pdata[i], NULL);
    dailies_deque_remove_if (deque, 5, 204, is_odd, NULL);
    g_assert_true (&deque->pdata[deque->len - 10] == tail_slot);
    g_assert_cmpuint (deque->len, ==, len - n_odd);
  }
  head_slot = &deque->pdata[10];
  dailies_deque_remove_if (deque, deque->len - 300, deque->len - 1, is_odd, NULL);
  g_assert_true (&deque->pdata[10] == head_slot);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/deque/as-array", test_deque_as_array);
  g_test_add_func ("/dailies/deque/far-end-stays", test_deque_far_end_stays);

  return g_test_run ();
}
