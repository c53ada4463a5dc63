/* dailies-stored-json.h
 *
 * A finished task's answer repeats its video link: three times in the
 * documented one (result_url, fail_reason by a documented quirk, and
 * data.content.video_url). Stored, the copies after the first take a byte
 * each: with the demo's links, an answer of 1,326 bytes is stored in 763.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The stored form of the @length bytes of @json, and its length in
 * @packed_length; or NULL, @packed_length untouched, when it is stored as
 * it is (no link repeated; not UTF-8 without a NUL; longer than an answer
 * can be). The stored form is not UTF-8: it starts with a byte UTF-8
 * never has. */
char *dailies_stored_json_pack   (const char *json,
                                  gsize       length,
                                  gsize      *packed_length);

/* The answer that @length bytes read from the file stand for: a copy of
 * @text when it was stored as it is, the answer packed otherwise, or NULL
 * when @text is a stored form that is not as written (cut short, marked
 * where no copy can be, of another length than it says). */
char *dailies_stored_json_unpack (const char *text,
                                  gsize       length);

G_END_DECLS
