/* dailies-utf8.c
 *
 * Every answer's text passes through here: most of it is ASCII, which
 * needs no walk through g_utf8_validate_len() byte by byte.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-utf8.h"

#define ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

gsize
dailies_utf8_plain_ascii_length (const char *text,
                                 gsize       length)
{
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, text + i, sizeof word);
      /* A high bit set, or a zero byte. */
      if ((word & HIGHS) != 0 || ((word - ONES) & ~word & HIGHS) != 0)
        break;
    }
  while (i < length && text[i] != '\0' && (text[i] & 0x80) == 0)
    i++;

  return i;
}

gboolean
dailies_utf8_is_plain_ascii (const char *text,
                             gsize       length)
{
  return dailies_utf8_plain_ascii_length (text, length) == length;
}

gboolean
dailies_utf8_is_valid (const char *text,
                       gsize       length)
{
  return dailies_utf8_is_plain_ascii (text, length) || g_utf8_validate_len (text, length, NULL);
}

char *
dailies_utf8_dup_valid (const char *text,
                        gssize      length)
{
  gsize size = length < 0 ? strlen (text) : (gsize) length;

  if (dailies_utf8_is_valid (text, size))
    return g_strndup (text, size);

  return g_utf8_make_valid (text, size);
}
