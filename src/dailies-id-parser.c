/* dailies-id-parser.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dailies-id-parser.h"

#define ASYNTASK_PREFIX "asyntask_"
#define ASYNTASK_PREFIX_LEN 9
#define ASYNTASK_MIN 8
#define ASYNTASK_MAX 128
#define CGT_PREFIX "cgt-"
#define CGT_PREFIX_LEN 4
#define CGT_DIGITS 14
#define CGT_TAIL_MIN 3
#define CGT_TAIL_MAX 32

/* json-glib recurses once per nesting level; deeper input is read as text. */
#define MAX_NESTING 64

/* Lines made of these alone are JSON or table scaffolding, not input. */
#define PUNCTUATION "[]{}(),;:\"' \t\r\n"

G_DEFINE_QUARK (dailies-id-parser-error-quark, dailies_id_parser_error)

typedef struct
{
  DailiesIdParseResult *result;
  GHashTable           *seen;            /* borrowed char* from result->ids */
  JsonParser           *parser;          /* reused for every JSON line */
  gboolean              seen_content;    /* a line other than blanks and comments came */
} Parser;

/* What a JSON value held, so that an array reports an element only once. */
typedef struct
{
  const char *start;
  const char *end;
} Span;

typedef enum
{
  HELD_NOTHING,
  HELD_ID,
  HELD_REJECTED,
} Held;

static inline gboolean
is_alnum (char c)
{
  return g_ascii_isalnum (c);
}

/* Characters a token (an ID and what sticks to it) is made of. */
static inline gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

static gsize
count_alnum (const char *p,
             const char *end)
{
  const char *q = p;

  while (q < end && is_alnum (*q))
    q++;

  return q - p;
}

/* The length of the task ID starting exactly at @p, or 0 if there is none.
 * The caller checks what comes before @p. */
static gsize
match_id (const char *p,
          const char *end)
{
  gsize avail = end - p;

  if (avail > ASYNTASK_PREFIX_LEN && memcmp (p, ASYNTASK_PREFIX, ASYNTASK_PREFIX_LEN) == 0)
    {
      gsize n = count_alnum (p + ASYNTASK_PREFIX_LEN, end);

      if (n >= ASYNTASK_MIN && n <= ASYNTASK_MAX)
        return ASYNTASK_PREFIX_LEN + n;
      return 0;
    }

  if (avail > CGT_PREFIX_LEN + CGT_DIGITS + 1 && memcmp (p, CGT_PREFIX, CGT_PREFIX_LEN) == 0)
    {
      const char *q = p + CGT_PREFIX_LEN;
      gsize tail;

      for (guint i = 0; i < CGT_DIGITS; i++, q++)
        if (!g_ascii_isdigit (*q))
          return 0;
      if (*q++ != '-')
        return 0;

      /* Lenient on the tail: upper case passes too. */
      tail = count_alnum (q, end);
      if (tail >= CGT_TAIL_MIN && tail <= CGT_TAIL_MAX)
        return (q - p) + tail;
    }

  return 0;
}

gboolean
dailies_task_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;

  /* Longer than any ID: no need to look further (and no need to strlen 10 MB). */
  len = strnlen (id, ASYNTASK_PREFIX_LEN + ASYNTASK_MAX + 1);
  if (len == 0 || len > ASYNTASK_PREFIX_LEN + ASYNTASK_MAX)
    return FALSE;

  return match_id (id, id + len) == len;
}

/* Copies a piece of input for display: valid UTF-8, control characters
 * as spaces, trimmed, at most @max characters. */
static char *
clean_copy (const char *text,
            gsize       length,
            guint       max)
{
  GString *out = g_string_sized_new (MIN (length, (gsize) max * 4) + 1);
  const char *p = text;
  const char *end = text + length;
  guint n = 0;

  while (p < end && n < max)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_unichar (out, 0xFFFD);
          p++;
        }
      else
        {
          if (c < 0x20 || c == 0x7F)
            g_string_append_c (out, ' ');
          else
            g_string_append_unichar (out, c);
          p = g_utf8_next_char (p);
        }
      n++;
    }

  g_strstrip (out->str);
  out->len = strlen (out->str);

  return g_string_free (out, FALSE);
}

static void
add_rejected (Parser     *parser,
              const char *text,
              gsize       length)
{
  g_autofree char *copy = NULL;

  g_assert (parser != NULL);

  copy = clean_copy (text, length, DAILIES_ID_PARSER_REJECTED_CHARS);
  if (copy[0] == '\0')
    return;

  parser->result->n_rejected++;
  if (parser->result->rejected->len < DAILIES_ID_PARSER_MAX_REJECTED)
    g_ptr_array_add (parser->result->rejected, g_steal_pointer (&copy));
}

static void
add_id (Parser     *parser,
        const char *id,
        gsize       length)
{
  char *copy;

  g_assert (parser != NULL);

  copy = g_strndup (id, length);
  if (g_hash_table_contains (parser->seen, copy))
    {
      parser->result->n_duplicates++;
      g_free (copy);
      return;
    }

  g_ptr_array_add (parser->result->ids, copy);
  g_hash_table_add (parser->seen, copy);
}

/* A token that was meant to be an ID but is not one: "asyntask_h81e" cut
 * short, "xasyntask_…", "cgt-2026…" with a bad tail. */
static gboolean
looks_like_attempt (const char *token,
                    gsize       length)
{
  if (length >= CGT_PREFIX_LEN + 1 && g_ascii_strncasecmp (token, CGT_PREFIX, CGT_PREFIX_LEN) == 0 &&
      g_ascii_isdigit (token[CGT_PREFIX_LEN]))
    return TRUE;

  for (gsize i = 0; i + 8 <= length; i++)
    if (g_ascii_strncasecmp (token + i, "asyntask", 8) == 0)
      return TRUE;

  return FALSE;
}

/* Adds every ID in @text. Tokens that look like failed IDs are rejected
 * when @reject_attempts is set, or when the text held an ID (so that a
 * truncated ID beside good ones is not lost silently). */
static Held
scan_text (Parser     *parser,
           const char *text,
           gsize       length,
           gboolean    reject_attempts)
{
  const char *end = text + length;
  const char *p = text;
  GArray *attempts = NULL;
  gboolean found = FALSE;
  Held held;

  while (p < end)
    {
      const char *token;
      gboolean token_found = FALSE;

      while (p < end && !is_token_char (*p))
        p++;
      if (p >= end)
        break;

      token = p;
      while (p < end && is_token_char (*p))
        p++;

      for (const char *q = token; q < p; q++)
        {
          gsize n;

          if ((*q != 'a' && *q != 'c') || (q > token && is_alnum (q[-1])))
            continue;
          if ((n = match_id (q, p)) > 0)
            {
              add_id (parser, q, n);
              token_found = TRUE;
              q += n - 1;
            }
        }

      if (token_found)
        found = TRUE;
      else if (looks_like_attempt (token, p - token))
        {
          Span span = { token, p };

          if (attempts == NULL)
            attempts = g_array_new (FALSE, FALSE, sizeof (Span));
          g_array_append_val (attempts, span);
        }
    }

  held = found ? HELD_ID : HELD_NOTHING;

  if (attempts != NULL)
    {
      if (found || reject_attempts)
        {
          for (guint i = 0; i < attempts->len; i++)
            {
              const Span *span = &g_array_index (attempts, Span, i);

              add_rejected (parser, span->start, span->end - span->start);
            }
          if (!found)
            held = HELD_REJECTED;
        }
      g_array_unref (attempts);
    }

  return held;
}

static Held
walk_json (Parser   *parser,
           JsonNode *node,
           gboolean  object_member)
{
  g_assert (parser != NULL);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonNode *task_id = json_object_get_member (object, "task_id");
      g_autoptr(GList) members = NULL;
      Held held = HELD_NOTHING;

      /* A task (or a creation answer's data): its own ID is the one wanted,
       * not the upstream "cgt-…" ID that may sit in its inner data. */
      if (task_id != NULL && JSON_NODE_HOLDS_VALUE (task_id) &&
          json_node_get_value_type (task_id) == G_TYPE_STRING)
        {
          g_autofree char *id = g_strstrip (g_strdup (json_node_get_string (task_id)));

          if (dailies_task_id_is_valid (id))
            {
              add_id (parser, id, strlen (id));
              return HELD_ID;
            }
        }

      members = json_object_get_values (object);
      for (const GList *l = members; l != NULL; l = l->next)
        {
          Held member_held = walk_json (parser, l->data, TRUE);

          if (member_held == HELD_ID || (member_held == HELD_REJECTED && held == HELD_NOTHING))
            held = member_held;
        }

      return held;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);
      gboolean found = FALSE;
      gboolean rejected = FALSE;

      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          Held held = walk_json (parser, element, FALSE);

          if (held == HELD_ID)
            found = TRUE;
          else if (held == HELD_REJECTED)
            rejected = TRUE;
          else if (!JSON_NODE_HOLDS_NULL (element))
            {
              g_autofree char *text = NULL;

              if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
                text = g_strdup (json_node_get_string (element));
              else
                text = json_to_string (element, FALSE);

              add_rejected (parser, text, strlen (text));
              rejected = TRUE;
            }
        }

      return found ? HELD_ID : rejected ? HELD_REJECTED : HELD_NOTHING;
    }

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      return scan_text (parser, text, strlen (text), object_member);
    }

  return HELD_NOTHING;
}

/* Whether @text is one JSON document that json-glib may parse: not nested
 * too deep, and not several documents in a row (json-glib would read the
 * first and silently drop the rest, which would lose JSON Lines). */
static gboolean
is_single_json_document (const char *text,
                         gsize       length)
{
  gboolean in_string = FALSE;
  gboolean closed = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (closed && !g_ascii_isspace (c))
        return FALSE;

      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_NESTING)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        {
          if (depth == 0)
            return FALSE;
          if (--depth == 0)
            closed = TRUE;
        }
    }

  return closed;
}

static gboolean
is_only (const char *text,
         gsize       length,
         const char *chars)
{
  for (gsize i = 0; i < length; i++)
    if (strchr (chars, text[i]) == NULL || text[i] == '\0')
      return FALSE;

  return TRUE;
}

/* Walks @text if it is a JSON object or list; a document that holds no ID
 * at all is rejected as a whole. FALSE when it is not JSON. */
static gboolean
try_json (Parser     *parser,
          const char *text,
          gsize       length)
{
  JsonNode *root;

  g_assert (parser != NULL);

  if (length > G_MAXSSIZE || !is_single_json_document (text, length))
    return FALSE;

  if (!json_parser_load_from_data (parser->parser, text, (gssize) length, NULL))
    return FALSE;

  root = json_parser_get_root (parser->parser);
  if (root == NULL || !(JSON_NODE_HOLDS_OBJECT (root) || JSON_NODE_HOLDS_ARRAY (root)))
    return FALSE;

  if (walk_json (parser, root, FALSE) == HELD_NOTHING && !is_only (text, length, PUNCTUATION))
    add_rejected (parser, text, length);
  return TRUE;
}

/* "task_id,status,created_at" or "Task ID": a column header, not a
 * rejected line. */
static gboolean
is_header (const char *line,
           gsize       length)
{
  static const char * const names[] = {
    "task_id", "taskid", "task id", "task-id", "task_ids", "task ids",
    "task", "tasks", "id", "ids",
  };
  g_autofree char *copy = g_strndup (line, length);
  g_auto(GStrv) fields = g_strsplit_set (copy, ",;\t|", -1);

  for (guint i = 0; fields[i] != NULL; i++)
    {
      char *field = g_strstrip (g_strdelimit (fields[i], "\"'`:", ' '));

      for (guint j = 0; j < G_N_ELEMENTS (names); j++)
        if (g_ascii_strcasecmp (field, names[j]) == 0)
          return TRUE;
    }

  return FALSE;
}

static void
parse_line (Parser     *parser,
            const char *line,
            gsize       length)
{
  gboolean first;

  g_assert (parser != NULL);

  while (length > 0 && g_ascii_isspace (*line))
    {
      line++;
      length--;
    }
  while (length > 0 && g_ascii_isspace (line[length - 1]))
    length--;

  if (length == 0 || line[0] == '#' || (length >= 2 && line[0] == '/' && line[1] == '/'))
    return;

  first = !parser->seen_content;
  parser->seen_content = TRUE;

  /* JSON Lines: one object (or list) per line. */
  if ((line[0] == '{' || line[0] == '[') && try_json (parser, line, length))
    return;

  if (scan_text (parser, line, length, TRUE) != HELD_NOTHING)
    return;

  /* Lines of pretty-printed JSON, Markdown table rules, Excel's "sep=". */
  if (is_only (line, length, PUNCTUATION) ||
      is_only (line, length, "-|:=+ \t") ||
      (first && length <= 5 && g_ascii_strncasecmp (line, "sep=", 4) == 0))
    return;

  if (first && is_header (line, length))
    return;

  add_rejected (parser, line, length);
}

static void
parse_lines (Parser     *parser,
             const char *text,
             gsize       length)
{
  const char *end = text + length;
  const char *p = text;

  while (p < end)
    {
      const char *eol = p;

      /* \n, \r\n and a lone \r all end a line; so does a stray NUL. */
      while (eol < end && *eol != '\n' && *eol != '\r' && *eol != '\0')
        eol++;

      parse_line (parser, p, eol - p);

      p = eol;
      if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
        p += 2;
      else if (p < end)
        p++;
    }
}

/* One JSON document (pretty-printed or not) is walked as a whole, so that
 * its punctuation lines are not taken for rejected lines. A first line
 * that is complete JSON by itself means JSON Lines instead. */
static gboolean
parse_document (Parser     *parser,
                const char *text,
                gsize       length)
{
  const char *eol;

  while (length > 0 && g_ascii_isspace (*text))
    {
      text++;
      length--;
    }

  if (length == 0 || (text[0] != '{' && text[0] != '['))
    return FALSE;

  eol = memchr (text, '\n', length);
  if (eol != NULL && is_single_json_document (text, eol - text))
    return FALSE;

  return try_json (parser, text, length);
}

DailiesIdParseResult *
dailies_id_parser_parse_text (const char *text,
                              gssize      length)
{
  DailiesIdParseResult *result;
  Parser parser = { 0 };
  gsize len;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  result = g_new0 (DailiesIdParseResult, 1);
  result->ids = g_ptr_array_new_with_free_func (g_free);
  result->rejected = g_ptr_array_new_with_free_func (g_free);

  if (text == NULL)
    return result;

  len = length < 0 ? strlen (text) : (gsize) length;

  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    {
      text += 3;
      len -= 3;
    }

  parser.result = result;
  parser.seen = g_hash_table_new (g_str_hash, g_str_equal);
  parser.parser = json_parser_new_immutable ();

  if (!parse_document (&parser, text, len))
    parse_lines (&parser, text, len);

  g_hash_table_unref (parser.seen);
  g_object_unref (parser.parser);

  return result;
}

DailiesIdParseResult *
dailies_id_parser_parse_bytes (GBytes  *bytes,
                               GError **error)
{
  g_autofree char *converted = NULL;
  const char *data;
  gsize size;
  gsize converted_size = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &size);

  if (size > DAILIES_ID_PARSER_MAX_BYTES)
    {
      g_autofree char *shown = g_format_size (size);

      /* Translators: %s is a size, such as “67.1 MB” */
      g_set_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_TOO_LARGE,
                   _("The file is too large to hold a list of task IDs (%s)"), shown);
      return NULL;
    }

  /* Windows editors save "Unicode" text as UTF-16 with a byte order mark. */
  if (size >= 2 && ((guchar) data[0] == 0xFF && (guchar) data[1] == 0xFE))
    converted = g_convert (data + 2, size - 2, "UTF-8", "UTF-16LE", NULL, &converted_size, NULL);
  else if (size >= 2 && ((guchar) data[0] == 0xFE && (guchar) data[1] == 0xFF))
    converted = g_convert (data + 2, size - 2, "UTF-8", "UTF-16BE", NULL, &converted_size, NULL);

  /* A failed g_convert() still reports what it wrote: that size is not
   * the size of @data. */
  if (converted != NULL)
    {
      data = converted;
      size = converted_size;
    }

  if (size > 0 && (memchr (data, '\0', size) != NULL || !g_utf8_validate_len (data, size, NULL)))
    {
      g_set_error_literal (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT,
                           _("The file is not text"));
      return NULL;
    }

  return dailies_id_parser_parse_text (data, size);
}

gboolean
dailies_id_parser_check_file_info (GFileInfo  *info,
                                   GError    **error)
{
  g_return_val_if_fail (G_IS_FILE_INFO (info), FALSE);

  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, _("it is not a file"));
      return FALSE;
    }

  if (g_file_info_get_size (info) > DAILIES_ID_PARSER_MAX_BYTES)
    {
      g_autofree char *limit = g_format_size (DAILIES_ID_PARSER_MAX_BYTES);

      /* Translators: %s is a size, such as “67.1 MB” */
      g_set_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_TOO_LARGE,
                   _("it is larger than %s"), limit);
      return FALSE;
    }

  return TRUE;
}

void
dailies_id_parse_result_free (DailiesIdParseResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->ids, g_ptr_array_unref);
  g_clear_pointer (&result->rejected, g_ptr_array_unref);
  g_free (result);
}
