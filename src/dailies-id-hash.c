/* dailies-id-hash.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-id-hash.h"

/* 2^64 divided by the golden ratio; each word is folded in with a
 * multiply, and MurmurHash3's 64-bit finaliser mixes the end, so that
 * IDs that differ only in a few characters (a script's batch) spread over
 * all the buckets, low bits included (test-id-hash). */
#define SEED 0x9e3779b97f4a7c15ull
#define MIX_1 0xff51afd7ed558ccdull
#define MIX_2 0xc4ceb9fe1a85ec53ull

static inline guint64
mix_word (guint64 hash,
          guint64 word)
{
  hash = (hash ^ word) * MIX_1;
  return hash ^ (hash >> 32);
}

guint
dailies_id_hash (gconstpointer id)
{
  return dailies_id_hash_len (id, strlen (id));
}

guint
dailies_id_hash_len (const char *id,
                     gsize       length)
{
  const char *at = id;
  guint64 hash = SEED ^ length;

  for (; length >= 8; at += 8, length -= 8)
    {
      guint64 word;

      memcpy (&word, at, 8);
      hash = mix_word (hash, word);
    }
  if (length > 0)
    {
      guint64 word = 0;

      memcpy (&word, at, length);
      hash = mix_word (hash, word);
    }

  hash ^= hash >> 33;
  hash *= MIX_2;
  hash ^= hash >> 33;

  return (guint) hash;
}
