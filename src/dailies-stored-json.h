/* dailies-stored-json.h
 *
 * A finished task's answer names its video link three times (result_url,
 * fail_reason by a documented quirk, data.content.video_url). Stored, the
 * copies after the first are one byte each: the answer takes about half
 * the room in the task file, and half the writing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The stored form of the @length bytes of @json, or NULL when it is
 * stored as it is (no link repeated, or not UTF-8 without a NUL).
 * The stored form is not UTF-8: it starts with a byte UTF-8 never has. */
char *dailies_stored_json_pack   (const char *json,
                                  gsize       length,
                                  gsize      *packed_length);

/* The answer that @length bytes read from the file stand for: a copy of
 * @text when it was stored as it is, the answer packed otherwise, or NULL
 * when @text is a damaged stored form. */
char *dailies_stored_json_unpack (const char *text,
                                  gsize       length);

G_END_DECLS
