/* dailies-utf8.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when the @length bytes of @text are ASCII without a NUL: then they
 * are valid UTF-8, found 8 bytes at a time rather than byte by byte. */
gboolean dailies_utf8_is_plain_ascii (const char *text,
                                      gsize       length);

/* How many of the @length bytes at @text's start are ASCII without a NUL,
 * found the same way: a list's text is validated past them only. */
gsize    dailies_utf8_plain_ascii_length (const char *text,
                                          gsize       length);

/* TRUE when the @length bytes of @text are valid UTF-8 without a NUL. */
gboolean dailies_utf8_is_valid       (const char *text,
                                      gsize       length);

/* A copy of the @length bytes of @text (-1: up to its NUL) that is valid
 * UTF-8: itself when it is, else with U+FFFD for what is not. */
char    *dailies_utf8_dup_valid      (const char *text,
                                      gssize      length);

G_END_DECLS
