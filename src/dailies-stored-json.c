/* dailies-stored-json.c
 *
 * The stored form: the byte 0xFF, the answer's length (4 bytes, little
 * endian), then the answer with each copy of the link's JSON string
 * (quotes and escapes as the service wrote them) after its first, the
 * value of "result_url", replaced by 0xFF. The first copy stays, so
 * reading finds it the way writing did; the length tells a form cut short
 * or changed from the one written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* memmem() */
#define _GNU_SOURCE

#include "config.h"

#include <string.h>

#include "dailies-stored-json.h"
#include "dailies-task-response.h"
#include "dailies-utf8.h"

/* Never in UTF-8, so never in an answer, which is stored as UTF-8. */
#define MARK '\xff'
#define HEADER_LENGTH 5

/* Shorter strings are not worth looking for again. */
#define MIN_LINK_TOKEN 16
/* Longer ones are looked for with memmem(), whose set-up costs about
 * three times packing a usual answer: from quote to quote, a link made
 * of quotes would cost up to its length at each quote of the answer. */
#define LONG_LINK_TOKEN 2048

G_STATIC_ASSERT (DAILIES_TASK_RESPONSE_MAX_BODY <= G_MAXUINT32);

static gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The first copy of the @length bytes of @quoted, which start with a
 * quote, in @from up to @end. An answer has a few dozen quotes: going from
 * one to the next is cheaper than memmem(), whose set-up for a long
 * needle cost more than the rest of packing an answer (callgrind). */
static const char *
find_quoted (const char *from,
             const char *end,
             const char *quoted,
             gsize       length)
{
  while ((gsize) (end - from) >= length &&
         (from = memchr (from, '"', end - from - length + 1)) != NULL)
    {
      if (from[1] == quoted[1] && memcmp (from, quoted, length) == 0)
        return from;
      from++;
    }

  return NULL;
}

/* The next copy of the link's @token in @from up to @end. */
static const char *
find_link_copy (const char *from,
                const char *end,
                const char *token,
                gsize       length)
{
  if (length > LONG_LINK_TOKEN)
    return memmem (from, end - from, token, length);

  return find_quoted (from, end, token, length);
}

/* Where the string after the first "result_url": in @text starts, and
 * where it ends (past its closing quote). */
static gboolean
find_link_token (const char  *text,
                 gsize        length,
                 const char **start,
                 const char **end)
{
  static const char key[] = "\"result_url\"";
  const char *text_end = text + length;
  const char *p = text;

  /* The key, not the same word as a value. */
  for (;;)
    {
      p = find_quoted (p, text_end, key, sizeof key - 1);
      if (p == NULL)
        return FALSE;
      p += sizeof key - 1;
      while (p < text_end && is_json_space (*p))
        p++;
      if (p < text_end && *p == ':')
        break;
    }
  p++;
  while (p < text_end && is_json_space (*p))
    p++;
  if (p == text_end || *p != '"')
    return FALSE;

  /* Its end: the first quote after it with an even run of backslashes
   * before. */
  *start = p;
  for (;;)
    {
      const char *backslash;

      p = memchr (p + 1, '"', text_end - p - 1);
      if (p == NULL)
        return FALSE;
      for (backslash = p - 1; backslash > *start && *backslash == '\\'; backslash--)
        ;
      if ((p - 1 - backslash) % 2 == 0)
        break;
    }
  *end = p + 1;

  return *end - *start >= MIN_LINK_TOKEN;
}

char *
dailies_stored_json_pack (const char *json,
                          gsize       length,
                          gsize      *packed_length)
{
  const char *token, *token_end, *json_end = json + length;
  const char *from, *copy;
  gsize token_length;
  GString *packed;

  /* Read back, it must be what it was: UTF-8, where MARK never is, and no
   * longer than an answer can be. */
  if (length > DAILIES_TASK_RESPONSE_MAX_BODY || !dailies_utf8_is_valid (json, length) ||
      !find_link_token (json, length, &token, &token_end))
    return NULL;
  token_length = token_end - token;
  copy = find_link_copy (token_end, json_end, token, token_length);
  if (copy == NULL)
    return NULL;

  packed = g_string_sized_new (length);
  g_string_append_c (packed, MARK);
  for (guint i = 0; i < 4; i++)
    g_string_append_c (packed, (char) ((length >> (8 * i)) & 0xFF));
  from = json;
  do
    {
      g_string_append_len (packed, from, copy - from);
      g_string_append_c (packed, MARK);
      from = copy + token_length;
      copy = find_link_copy (from, json_end, token, token_length);
    }
  while (copy != NULL);
  g_string_append_len (packed, from, json_end - from);

  *packed_length = packed->len;
  return g_string_free (packed, FALSE);
}

char *
dailies_stored_json_unpack (const char *text,
                            gsize       length)
{
  const char *token, *token_end, *body, *body_end, *mark, *from;
  gsize token_length, n_marks = 0, json_length = 0;
  char *json, *to;

  if (length == 0 || text[0] != MARK)
    {
      json = g_malloc (length + 1);
      memcpy (json, text, length);
      json[length] = '\0';
      return json;
    }

  if (length < HEADER_LENGTH)
    return NULL;
  for (guint i = 0; i < 4; i++)
    json_length |= (gsize) (guchar) text[1 + i] << (8 * i);
  body = text + HEADER_LENGTH;
  body_end = text + length;
  /* Each mark stands for more than itself: a form longer than the answer
   * it says is not one, and no search goes through more than an answer. */
  if (json_length > DAILIES_TASK_RESPONSE_MAX_BODY || (gsize) (body_end - body) > json_length ||
      !find_link_token (body, body_end - body, &token, &token_end))
    return NULL;
  token_length = token_end - token;

  /* As written: marks only for copies after the first, at least one, no
   * copy left as it is, and the length said. Checked before anything is
   * made, as a damaged form of many marks would stand for gigabytes. */
  for (from = body; (mark = memchr (from, MARK, body_end - from)) != NULL; from = mark + 1)
    {
      if (mark < token_end)
        return NULL;
      n_marks++;
    }
  if (n_marks == 0 || token_length > json_length / n_marks ||
      (gsize) (body_end - body) - n_marks + n_marks * token_length != json_length ||
      find_link_copy (token_end, body_end, token, token_length) != NULL)
    return NULL;

  json = to = g_malloc (json_length + 1);
  for (from = body; (mark = memchr (from, MARK, body_end - from)) != NULL; from = mark + 1)
    {
      memcpy (to, from, mark - from);
      to += mark - from;
      memcpy (to, token, token_length);
      to += token_length;
    }
  memcpy (to, from, body_end - from);
  to[body_end - from] = '\0';

  if (!dailies_utf8_is_valid (json, json_length))
    g_clear_pointer (&json, g_free);

  return json;
}
