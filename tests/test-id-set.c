/* test-id-set.c
 *
 * The ID parser's set: every change checked against a GHashTable doing
 * the same, with real hashes and with hashes made to collide (a few
 * values, so that runs of taken slots wrap around the table's end and a
 * removal has to move the slots after it back).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-id-hash.h"
#include "dailies-id-set.h"

typedef guint (*HashFunc) (const char *id,
                           gsize       length);

static guint
real_hash (const char *id,
           gsize       length)
{
  return dailies_id_hash_len (id, length);
}

/* Seven values near the top of any table size: every run wraps. */
static guint
colliding_hash (const char *id,
                gsize       length)
{
  return G_MAXUINT - dailies_id_hash_len (id, length) % 7;
}

static void
assert_same (DailiesIdSet *set,
             GHashTable   *reference,
             GPtrArray    *names,
             HashFunc      hash)
{
  g_assert_cmpuint (dailies_id_set_size (set), ==, g_hash_table_size (reference));
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      gsize length = strlen (name);

      g_assert_cmpint (dailies_id_set_contains (set, name, length, hash (name, length)), ==,
                       g_hash_table_contains (reference, name));
    }
}

static void
run_against_reference (HashFunc hash,
                       guint32  seed)
{
  g_autoptr(DailiesIdSet) set = dailies_id_set_new ();
  g_autoptr(GHashTable) reference = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  /* IDs that share a long prefix, as a script's batch does. */
  for (guint i = 0; i < 3000; i++)
    g_ptr_array_add (names, g_strdup_printf ("asyntask_Batch%08u", i));

  for (guint step = 0; step < 60000; step++)
    {
      const char *name = g_ptr_array_index (names, g_rand_int_range (rand, 0, names->len));
      gsize length = strlen (name);
      guint h = hash (name, length);
      gboolean in = g_hash_table_contains (reference, name);

      /* Adds win two times in three until the set is large, then removals
       * catch up: it grows, then empties nearly, then grows again. */
      if (!in && (step % 20000 < 12000 ? g_rand_int_range (rand, 0, 3) > 0 : g_rand_int_range (rand, 0, 3) == 0))
        {
          dailies_id_set_add (set, name, length, h);
          g_hash_table_add (reference, (gpointer) name);
        }
      else if (in)
        {
          g_assert_true (dailies_id_set_remove (set, name, length, h));
          g_hash_table_remove (reference, name);
        }
      else
        g_assert_false (dailies_id_set_remove (set, name, length, h));

      if (step % 5000 == 0)
        assert_same (set, reference, names, hash);
    }
  assert_same (set, reference, names, hash);

  dailies_id_set_remove_all (set);
  g_hash_table_remove_all (reference);
  assert_same (set, reference, names, hash);
}

static void
test_real_hashes (void)
{
  run_against_reference (real_hash, 1);
  run_against_reference (real_hash, 2);
}

static void
test_colliding_hashes (void)
{
  run_against_reference (colliding_hash, 3);
  run_against_reference (colliding_hash, 4);
}

/* An ID is compared whole: not by its hash alone, not as a prefix of a
 * longer one, and not past the length given (the parser looks up IDs in
 * the middle of the text it reads). */
static void
test_compares_whole_ids (void)
{
  g_autoptr(DailiesIdSet) set = dailies_id_set_new ();
  const char *text = "asyntask_Abc123 and more";

  dailies_id_set_add (set, "asyntask_Abc123", 15, 42);
  g_assert_true (dailies_id_set_contains (set, text, 15, 42));
  g_assert_false (dailies_id_set_contains (set, text, 14, 42));
  g_assert_false (dailies_id_set_contains (set, text, 16, 42));
  g_assert_false (dailies_id_set_contains (set, "asyntask_Abc124", 15, 42));
  g_assert_false (dailies_id_set_contains (set, "asyntask_Abc123", 15, 43));
  g_assert_false (dailies_id_set_remove (set, "asyntask_Abc124", 15, 42));
  g_assert_cmpuint (dailies_id_set_size (set), ==, 1);
  g_assert_true (dailies_id_set_remove (set, text, 15, 42));
  g_assert_cmpuint (dailies_id_set_size (set), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/id-set/real-hashes", test_real_hashes);
  g_test_add_func ("/dailies/id-set/colliding-hashes", test_colliding_hashes);
  g_test_add_func ("/dailies/id-set/compares-whole-ids", test_compares_whole_ids);

  return g_test_run ();
}
