/* dailies-id-hash.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GHashFunc for task IDs (any NUL-terminated string), for use with
 * g_str_equal: 8 bytes a step where g_str_hash takes one. The store's
 * tables hash an ID for each task removed, restored or answered. */
guint dailies_id_hash     (gconstpointer  id);
/* The same of @length bytes at @id, which need not end there. */
guint dailies_id_hash_len (const char    *id,
                           gsize          length);

G_END_DECLS
