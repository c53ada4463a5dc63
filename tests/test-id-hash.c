/* test-id-hash.c
 *
 * The hash of the store's ID tables: equal IDs hash alike wherever they
 * lie in memory, and a script's batch of IDs, alike but for a few
 * characters anywhere (the last ones included), spreads over a table's
 * buckets as well as random numbers would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dailies-id-hash.h"

#define N_IDS 100000

/* Every length up to 3 words and a bit, at every alignment. */
static void
test_equal_ids_hash_alike (void)
{
  const char text[] = "asyntask_Pr0gressK3epP0ll1ngAbCdEfGh12345678";
  char buffer[sizeof text + 8];

  for (gsize length = 0; length < sizeof text; length++)
    {
      g_autofree char *copy = g_strndup (text, length);
      guint hash = dailies_id_hash (copy);

      for (gsize offset = 0; offset < 8; offset++)
        {
          memset (buffer, 'x', sizeof buffer);
          memcpy (buffer + offset, text, length);
          buffer[offset + length] = '\0';
          g_assert_cmpuint (dailies_id_hash (buffer + offset), ==, hash);
        }
    }
}

/* The IDs a script's run gives: one shape, a counter in one place. */
typedef struct
{
  const char *before;
  const char *after;
  int         width;
  gboolean    hex;
} Shape;

static GPtrArray *
batch_ids (const Shape *shape)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < N_IDS; i++)
    g_ptr_array_add (ids, shape->hex ? g_strdup_printf ("%s%0*x%s", shape->before, shape->width, i, shape->after)
                                     : g_strdup_printf ("%s%0*u%s", shape->before, shape->width, i, shape->after));

  return ids;
}

static int
compare_hashes (gconstpointer a,
                gconstpointer b)
{
  guint ha = *(const guint *) a, hb = *(const guint *) b;

  return ha < hb ? -1 : ha > hb;
}

/* The IDs into @n_buckets buckets by the remainder of the hash times
 * @times: GHashTable's index is (hash * 11) % a prime (GLib's
 * g_hash_table_hash_to_index()); times 1, the low bits alone, a stricter
 * test when @n_buckets is a power of two. The share of empty
 * buckets is near what random hashes leave, e^(-load), and no bucket
 * holds many; of the 32-bit hashes, hardly two alike (about one pair is
 * expected among 100,000 random ones). */
static void
assert_spread (GPtrArray *ids,
               guint      times,
               guint      n_buckets)
{
  g_autofree guint *counts = g_new0 (guint, n_buckets);
  g_autofree guint *hashes = g_new (guint, ids->len);
  guint n_empty = 0, most = 0, n_same = 0;
  double expected_empty = exp (-(double) ids->len / n_buckets);

  for (guint i = 0; i < ids->len; i++)
    {
      hashes[i] = dailies_id_hash (g_ptr_array_index (ids, i));
      counts[(hashes[i] * times) % n_buckets]++;
    }
  for (guint b = 0; b < n_buckets; b++)
    {
      n_empty += counts[b] == 0;
      most = MAX (most, counts[b]);
    }
  qsort (hashes, ids->len, sizeof (guint), compare_hashes);
  for (guint i = 1; i < ids->len; i++)
    n_same += hashes[i] == hashes[i - 1];

  g_assert_cmpfloat_with_epsilon ((double) n_empty / n_buckets, expected_empty, 0.01);
  g_assert_cmpuint (most, <=, 10);
  g_assert_cmpuint (n_same, <=, 6);
}

static void
test_batches_spread (void)
{
  /* The counter at the end (the bytes after the last whole word), in the
   * middle, and at the start of IDs of the service's two shapes. */
  const Shape shapes[] = {
    { "asyntask_Pr0gressK3epP0ll1ngAbCdEfGh", "", 8, FALSE },
    { "asyntask_Pr0gressK3epP0ll1ngAbCdEfGh", "", 7, FALSE },
    { "asyntask_Pr0gress", "K3epP0ll1ngAbCdEfGh", 8, FALSE },
    { "", "_asyntask_Pr0gressK3epP0ll1ngAbCdEf", 8, FALSE },
    { "cgt-20260427191505-", "", 5, TRUE },
  };
  /* GHashTable's divisor for 2^17 buckets, 100,000 IDs' table, and a
   * power of two: the low bits alone. */
  const guint n_buckets[] = { 131071, 65536 };
  const guint times[] = { 11, 1 };

  for (guint f = 0; f < G_N_ELEMENTS (shapes); f++)
    {
      g_autoptr(GPtrArray) ids = batch_ids (&shapes[f]);

      for (guint b = 0; b < G_N_ELEMENTS (n_buckets); b++)
        {
          g_test_message ("%s...%s into %u buckets", shapes[f].before, shapes[f].after, n_buckets[b]);
          assert_spread (ids, times[b], n_buckets[b]);
        }
    }
}

/* What the store does with it: every ID of a batch found again, by a
 * copy of its text. */
static void
test_table_finds_ids (void)
{
  const Shape shape = { "asyntask_h81e", "", 1, FALSE };
  g_autoptr(GPtrArray) ids = batch_ids (&shape);
  g_autoptr(GHashTable) table = g_hash_table_new (dailies_id_hash, g_str_equal);

  for (guint i = 0; i < ids->len; i++)
    g_hash_table_insert (table, g_ptr_array_index (ids, i), GUINT_TO_POINTER (i + 1));
  g_assert_cmpuint (g_hash_table_size (table), ==, N_IDS);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *copy = g_strdup (g_ptr_array_index (ids, i));

      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (table, copy)), ==, i + 1);
    }
  g_assert_null (g_hash_table_lookup (table, "asyntask_h81e"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/id-hash/equal-ids-hash-alike", test_equal_ids_hash_alike);
  g_test_add_func ("/id-hash/batches-spread", test_batches_spread);
  g_test_add_func ("/id-hash/table-finds-ids", test_table_finds_ids);

  return g_test_run ();
}
