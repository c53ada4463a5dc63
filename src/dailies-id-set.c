/* dailies-id-set.c
 *
 * Open addressing with linear probing over two arrays: the IDs (borrowed:
 * the caller keeps each alive while it is in the set) and their hashes,
 * so that a probe compares numbers, 16 to a cache line, before bytes.
 * Kept at most three quarters full: 12 bytes a slot, as GHashTable's
 * set takes at its own fill. A removal moves the slots after it back, so
 * there are no tombstones to skip.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-id-set.h"

/* Slots when the first ID comes: the parser makes a set for every JSON
 * object it reads, most of which never hold one. */
#define MIN_SLOTS 8

struct _DailiesIdSet
{
  const char **ids;     /* NULL: empty */
  guint       *hashes;
  guint        mask;    /* slots - 1, a power of two minus one */
  guint        size;
};

static void
alloc_slots (DailiesIdSet *self,
             guint         n_slots)
{
  self->ids = g_new0 (const char *, n_slots);
  self->hashes = g_new (guint, n_slots);
  self->mask = n_slots - 1;
}

DailiesIdSet *
dailies_id_set_new (void)
{
  return g_new0 (DailiesIdSet, 1);
}

void
dailies_id_set_free (DailiesIdSet *self)
{
  if (self == NULL)
    return;

  g_free (self->ids);
  g_free (self->hashes);
  g_free (self);
}

guint
dailies_id_set_size (const DailiesIdSet *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

/* The slot of @id, or the empty one where it would go. The stored ID is
 * compared up to its own end (strncmp): @id need not end at @length. */
static guint
find_slot (const DailiesIdSet *self,
           const char         *id,
           gsize               length,
           guint               hash)
{
  guint i = hash & self->mask;

  while (self->ids[i] != NULL &&
         !(self->hashes[i] == hash && strncmp (self->ids[i], id, length) == 0 && self->ids[i][length] == '\0'))
    i = (i + 1) & self->mask;

  return i;
}

gboolean
dailies_id_set_contains (const DailiesIdSet *self,
                         const char         *id,
                         gsize               length,
                         guint               hash)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return self->size > 0 && self->ids[find_slot (self, id, length, hash)] != NULL;
}

static void
grow (DailiesIdSet *self)
{
  const char **old_ids = self->ids;
  guint *old_hashes = self->hashes;
  guint n_old = self->mask + 1;

  alloc_slots (self, 2 * n_old);
  for (guint i = 0; i < n_old; i++)
    if (old_ids[i] != NULL)
      {
        guint j = old_hashes[i] & self->mask;

        while (self->ids[j] != NULL)
          j = (j + 1) & self->mask;
        self->ids[j] = old_ids[i];
        self->hashes[j] = old_hashes[i];
      }
  g_free (old_ids);
  g_free (old_hashes);
}

/* @id (borrowed, NUL-terminated after @length bytes) must not be in the
 * set already. */
void
dailies_id_set_add (DailiesIdSet *self,
                    const char   *id,
                    gsize         length,
                    guint         hash)
{
  guint i;

  g_return_if_fail (self != NULL);
  g_return_if_fail (id != NULL && id[length] == '\0');

  if (self->ids == NULL)
    alloc_slots (self, MIN_SLOTS);
  else if (4 * ((gsize) self->size + 1) > 3 * ((gsize) self->mask + 1))
    grow (self);

  i = find_slot (self, id, length, hash);
  g_return_if_fail (self->ids[i] == NULL);
  self->ids[i] = id;
  self->hashes[i] = hash;
  self->size++;
}

gboolean
dailies_id_set_remove (DailiesIdSet *self,
                       const char   *id,
                       gsize         length,
                       guint         hash)
{
  guint hole;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (self->size == 0)
    return FALSE;
  hole = find_slot (self, id, length, hash);
  if (self->ids[hole] == NULL)
    return FALSE;

  /* The slots after it that would no longer be found past the hole move
   * back into it, until an empty slot ends the run. */
  for (guint j = (hole + 1) & self->mask; self->ids[j] != NULL; j = (j + 1) & self->mask)
    {
      guint home = self->hashes[j] & self->mask;

      /* Whether home lies cyclically in (hole, j]: then it stays. */
      if (((j - home) & self->mask) < ((j - hole) & self->mask))
        continue;
      self->ids[hole] = self->ids[j];
      self->hashes[hole] = self->hashes[j];
      hole = j;
    }
  self->ids[hole] = NULL;
  self->size--;

  return TRUE;
}

void
dailies_id_set_remove_all (DailiesIdSet *self)
{
  g_return_if_fail (self != NULL);

  /* Its memory goes too: a reading dropped or committed held every ID
   * of a document. */
  g_clear_pointer (&self->ids, g_free);
  g_clear_pointer (&self->hashes, g_free);
  self->mask = 0;
  self->size = 0;
}
