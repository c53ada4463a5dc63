/* dailies-id-set.h
 *
 * A set of task IDs whose hash the caller works out once and passes to
 * every call. The ID parser looks each ID it finds up in two or three
 * sets and adds it to one or two: with GHashTable each of those hashed it
 * again, and hashing was two fifths of reading a JSON list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DailiesIdSet DailiesIdSet;

DailiesIdSet *dailies_id_set_new        (void);
void          dailies_id_set_free       (DailiesIdSet *self);
guint         dailies_id_set_size       (const DailiesIdSet *self);
gboolean      dailies_id_set_contains   (const DailiesIdSet *self,
                                         const char         *id,
                                         gsize               length,
                                         guint               hash);
void          dailies_id_set_add        (DailiesIdSet       *self,
                                         const char         *id,
                                         gsize               length,
                                         guint               hash);
gboolean      dailies_id_set_remove     (DailiesIdSet       *self,
                                         const char         *id,
                                         gsize               length,
                                         guint               hash);
void          dailies_id_set_remove_all (DailiesIdSet       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesIdSet, dailies_id_set_free)

G_END_DECLS
