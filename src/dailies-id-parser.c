/* dailies-id-parser.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dailies-id-hash.h"
#include "dailies-id-parser.h"
#include "dailies-id-set.h"
#include "dailies-utf8.h"

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

typedef struct _Parser Parser;

/* Where findings go. A parser with a base is tentative: what it finds is
 * kept apart (checked against the base for repeats) until it is committed
 * to the base or dropped, so that a JSON document can be read as it comes
 * and still be read as lines if it turns out not to be JSON. */
struct _Parser
{
  DailiesIdParseResult *result;
  /* The IDs found so far, to find repeats. The root parser (no base)
   * hands its result->ids over as they are, so it keeps copies of its
   * own, packed in seen_keys; a tentative one borrows its result's. */
  DailiesIdSet         *seen;
  GStringChunk         *seen_keys;       /* root only */
  Parser               *base;            /* or NULL */
  JsonParser           *json;            /* borrowed, reused for every piece */
  gboolean              seen_content;    /* a line other than blanks and comments came */
};

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

/* What each byte is to the readings, looked up once: every byte of a
 * list goes through these tests, 33 MB of them in an export of 100,000. */
enum
{
  CLASS_ALNUM = 1 << 0,
  CLASS_TOKEN = 1 << 1,          /* an ID and what sticks to it */
  CLASS_STRING_STOP = 1 << 2,    /* ends a plain JSON string's run */
};

static const guint8 char_class[256] = {
  [0x00 ... 0x1f] = CLASS_STRING_STOP,
  ['"'] = CLASS_STRING_STOP,
  ['\\'] = CLASS_STRING_STOP,
  ['-'] = CLASS_TOKEN,
  ['_'] = CLASS_TOKEN,
  ['0' ... '9'] = CLASS_ALNUM | CLASS_TOKEN,
  ['A' ... 'Z'] = CLASS_ALNUM | CLASS_TOKEN,
  ['a' ... 'z'] = CLASS_ALNUM | CLASS_TOKEN,
  [0x80 ... 0xff] = CLASS_STRING_STOP,
};

static inline gboolean
is_alnum (char c)
{
  return char_class[(guchar) c] & CLASS_ALNUM;
}

static inline gboolean
is_token_char (char c)
{
  return char_class[(guchar) c] & CLASS_TOKEN;
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

/* What a secret looks like in a pasted script, group 1 kept and group 2
 * masked: a value named key, token, secret or password
 * (ANYFAST_API_KEY=…, ANYFAST_KEY_CN=…, "X-Api-Key: …", --api-key …),
 * an Authorization header's credentials (Bearer, Basic, Token), curl's
 * -u user:password, a URL's user:password@, and an sk- or sk_ key on its
 * own. (A line holding a task ID, even one cut short, is never skipped
 * whole: only the cut ID is shown, so no ID is masked.) */
static const char * const secret_patterns[] = {
  "((?<![A-Za-z0-9])-{0,2}[A-Za-z0-9_-]*(?:key|token|secret|password|passwd)[A-Za-z0-9_-]*[\"']?(?:\\s*[:=]\\s*|\\s+(?=[\"']?[A-Za-z0-9_./+=-]{8,})))"
  "(\"[^\"]*\"?|'[^']*'?|[^\\s\"',}]+)",
  "(\\bauthorization[\"']?\\s*[:=]\\s*[\"']?(?:[A-Za-z]+\\s+)?)([^\\s\"']+)",
  "(\\bbearer\\s+)([^\\s\"']+)",
  "((?:^|\\s)-u\\s*[\"']?[^\\s:\"']+:)([^\\s\"'@]+)",
  "(://[^\\s/:@]+:)([^\\s/@]+)(?=@)",
  "((?<![A-Za-z0-9_-]))(sk[-_][A-Za-z0-9_-]{6,})",
};

/* @line with the secrets in it masked: a skipped line is shown to the
 * person who pasted it (Details), who may be sharing the screen. */
static char *
mask_secrets (char *line)
{
  static GRegex *regexes[G_N_ELEMENTS (secret_patterns)];
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      for (guint i = 0; i < G_N_ELEMENTS (secret_patterns); i++)
        {
          g_autoptr(GError) error = NULL;

          regexes[i] = g_regex_new (secret_patterns[i], G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &error);
          if (regexes[i] == NULL)
            g_critical ("id-parser: a secret's pattern does not compile: %s", error->message);
        }
      g_once_init_leave (&initialized, 1);
    }

  for (guint i = 0; i < G_N_ELEMENTS (regexes); i++)
    {
      char *masked = regexes[i] != NULL
        ? g_regex_replace (regexes[i], line, -1, 0, "\\1•••", 0, NULL)
        : NULL;

      if (masked != NULL)
        {
          g_free (line);
          line = masked;
        }
    }

  return line;
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
    {
      /* Masked once cut, so that nothing past the cut comes into view
       * where a mask is shorter than what it hides; cut again, as "•••"
       * can be longer. */
      g_autofree char *masked = mask_secrets (g_steal_pointer (&copy));

      g_ptr_array_add (parser->result->rejected, clean_copy (masked, strlen (masked), DAILIES_ID_PARSER_REJECTED_CHARS));
    }
}

/* @hash: dailies_id_hash_len (@id, @length), worked out once for every
 * set an ID is looked up in or added to. */
static gboolean
parser_has_seen (Parser     *parser,
                 const char *id,
                 gsize       length,
                 guint       hash)
{
  for (Parser *p = parser; p != NULL; p = p->base)
    if (dailies_id_set_contains (p->seen, id, length, hash))
      return TRUE;

  return FALSE;
}

/* @id: valid, @length bytes, with no NUL among them. */
static void
parser_add_seen (Parser     *parser,
                 const char *id,
                 gsize       length,
                 guint       hash)
{
  dailies_id_set_add (parser->seen,
                      parser->seen_keys != NULL ? g_string_chunk_insert_len (parser->seen_keys, id, length) : id,
                      length, hash);
}

static void
add_id (Parser     *parser,
        const char *id,
        gsize       length)
{
  guint hash = dailies_id_hash_len (id, length);
  char *copy;

  g_assert (parser != NULL);

  if (parser_has_seen (parser, id, length, hash))
    {
      parser->result->n_duplicates++;
      return;
    }

  copy = g_strndup (id, length);
  g_ptr_array_add (parser->result->ids, copy);
  parser_add_seen (parser, copy, length, hash);
}

/* A token that was meant to be an ID but is not one: "asyntask_h81e" cut
 * short, "xasyntask_…", "cgt-2026…" with a bad tail. */
static gboolean
looks_like_attempt (const char *token,
                    gsize       length)
{
  if (length >= CGT_PREFIX_LEN + 1 && (token[0] | 0x20) == 'c' &&
      g_ascii_strncasecmp (token, CGT_PREFIX, CGT_PREFIX_LEN) == 0 && g_ascii_isdigit (token[CGT_PREFIX_LEN]))
    return TRUE;

  /* "as" before the call: most tokens have an a, few an "as". */
  for (gsize i = 0; i + 8 <= length; i++)
    if ((token[i] | 0x20) == 'a' && (token[i + 1] | 0x20) == 's' &&
        g_ascii_strncasecmp (token + i, "asyntask", 8) == 0)
      return TRUE;

  return FALSE;
}

/* scan_text(), and with @comment set, only up to a comment after the
 * text, whose start it is set to (else left NULL). */
static Held
scan_text_until_comment (Parser      *parser,
                         const char  *text,
                         gsize        length,
                         gboolean     reject_attempts,
                         const char **comment)
{
  const char *end = text + length;
  const char *p = text;
  GArray *attempts = NULL;
  gboolean found = FALSE;
  char quote = 0;       /* the quote a field is open with */
  Held held;

  while (p < end)
    {
      const char *token;
      gboolean token_found = FALSE;

      while (p < end && !is_token_char (*p))
        {
          /* A "#" or "//" between blanks (or at the end), outside quotes:
           * the rest is a comment. Not a link's "https://", "#fragment" or
           * "//host", nor "#3", nor a quoted "retry # 2". An unpaired
           * apostrophe or quote leaves the rest of the line without one: its
           * IDs are still read, only not counted as a comment's. Looked for
           * among the separators only, which a plain list has none of. */
          if (G_UNLIKELY (comment != NULL && (*p == '"' || *p == '\'' || *p == '#' || *p == '/')))
            {
              gsize mark = *p == '#' ? 1 : *p == '/' && p + 1 < end && p[1] == '/' ? 2 : 0;

              if (*p == '"' || *p == '\'')
                quote = quote == 0 ? *p : quote == *p ? 0 : quote;
              else if (mark > 0 && quote == 0 && p > text && (p[-1] == ' ' || p[-1] == '\t') &&
                       (p + mark == end || p[mark] == ' ' || p[mark] == '\t'))
                {
                  *comment = p;
                  end = p;
                  break;
                }
            }
          p++;
        }
      if (p >= end)
        break;

      token = p;
      while (p < end && is_token_char (*p))
        p++;

      /* An ID starts the token or follows a '_' or '-' in it: from one
       * such place to the next, over the letters and digits between. */
      for (const char *q = token; q < p; q++)
        {
          gsize n;

          if ((*q == 'a' || *q == 'c') && (n = match_id (q, p)) > 0)
            {
              add_id (parser, q, n);
              token_found = TRUE;
              /* An ID ends where its letters and digits do. */
              q += n;
              continue;
            }
          while (q < p && is_alnum (*q))
            q++;
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

/* Adds every ID in @text. Tokens that look like failed IDs are rejected
 * when @reject_attempts is set, or when the text held an ID (so that a
 * truncated ID beside good ones is not lost silently). */
static Held
scan_text (Parser     *parser,
           const char *text,
           gsize       length,
           gboolean    reject_attempts)
{
  return scan_text_until_comment (parser, text, length, reject_attempts, NULL);
}

/* Reads the IDs of a comment (@text, from its "#" or "//"): they are
 * added, counted, and the first named, so that the summary says a
 * commented-out ID was added and its Details which. Its cut IDs are
 * rejected when it held an ID or @reject_attempts is set (a comment after
 * a line's text: shown as that line's would be). */
static Held
scan_comment (Parser     *parser,
              const char *text,
              gsize       length,
              gboolean    reject_attempts)
{
  GPtrArray *ids = parser->result->ids;
  GPtrArray *in_comments = parser->result->in_comments;
  guint n_ids = ids->len;
  Held held = scan_text (parser, text, length, reject_attempts);

  parser->result->n_in_comments += ids->len - n_ids;
  for (guint i = n_ids; i < ids->len && in_comments->len < DAILIES_ID_PARSER_MAX_REJECTED; i++)
    g_ptr_array_add (in_comments, g_strdup (g_ptr_array_index (ids, i)));

  return held;
}

/* A line of a list: its text, then a comment after it ("asyntask_…  #
 * resubmitted, was asyntask_…"), whose IDs count as a comment's. The
 * line's own are read first, so that an ID both name is the line's. A
 * line whose comment names an ID is not one without an ID. */
static Held
scan_line (Parser     *parser,
           const char *line,
           gsize       length)
{
  const char *comment = NULL;
  Held held = scan_text_until_comment (parser, line, length, TRUE, &comment);

  if (comment == NULL)
    return held;

  /* Its cut IDs are shown as any line's: the line is not listed whole
   * when they are. */
  switch (scan_comment (parser, comment, line + length - comment, TRUE))
    {
    case HELD_ID:
      return HELD_ID;
    case HELD_REJECTED:
      return held == HELD_NOTHING ? HELD_REJECTED : held;
    case HELD_NOTHING:
    default:
      return held;
    }
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

/* ------------------------------------------------------------------ */
/* Parsers that hold findings apart                                   */
/* ------------------------------------------------------------------ */

static DailiesIdParseResult *
result_new (void)
{
  DailiesIdParseResult *result = g_new0 (DailiesIdParseResult, 1);

  result->ids = g_ptr_array_new_with_free_func (g_free);
  result->rejected = g_ptr_array_new_with_free_func (g_free);
  result->in_comments = g_ptr_array_new_with_free_func (g_free);

  return result;
}

static Parser *
parser_new (Parser     *base,
            JsonParser *json)
{
  Parser *parser = g_new0 (Parser, 1);

  parser->result = result_new ();
  parser->seen = dailies_id_set_new ();
  if (base == NULL)
    parser->seen_keys = g_string_chunk_new (16 * 1024);
  parser->base = base;
  parser->json = json;

  return parser;
}

static void
parser_free (Parser *parser)
{
  if (parser == NULL)
    return;

  dailies_id_set_free (parser->seen);
  if (parser->seen_keys != NULL)
    g_string_chunk_free (parser->seen_keys);
  dailies_id_parse_result_free (parser->result);
  g_free (parser);
}

/* Hands what @parser found to its base, in order, and frees it. */
static void
parser_commit (Parser *parser)
{
  Parser *base = parser->base;
  DailiesIdParseResult *from = parser->result;
  DailiesIdParseResult *to = base->result;

  dailies_id_set_remove_all (parser->seen);
  for (guint i = 0; i < from->ids->len; i++)
    {
      char *id = g_ptr_array_index (from->ids, i);
      gsize length;
      guint hash;

      /* Handed over already (see take_agreed_ids). */
      if (id == NULL)
        continue;
      g_ptr_array_index (from->ids, i) = NULL;
      length = strlen (id);
      hash = dailies_id_hash_len (id, length);
      if (parser_has_seen (base, id, length, hash))
        {
          to->n_duplicates++;
          g_free (id);
          continue;
        }
      g_ptr_array_add (to->ids, id);
      parser_add_seen (base, id, length, hash);
    }

  for (guint i = 0; i < from->rejected->len && to->rejected->len < DAILIES_ID_PARSER_MAX_REJECTED; i++)
    {
      g_ptr_array_add (to->rejected, g_ptr_array_index (from->rejected, i));
      g_ptr_array_index (from->rejected, i) = NULL;
    }
  to->n_rejected += from->n_rejected;
  to->n_duplicates += from->n_duplicates;
  to->n_in_comments += from->n_in_comments;
  for (guint i = 0; i < from->in_comments->len && to->in_comments->len < DAILIES_ID_PARSER_MAX_REJECTED; i++)
    {
      g_ptr_array_add (to->in_comments, g_ptr_array_index (from->in_comments, i));
      g_ptr_array_index (from->in_comments, i) = NULL;
    }

  parser_free (parser);
}

/* ------------------------------------------------------------------ */
/* JSON read piece by piece                                            */
/* ------------------------------------------------------------------ */

/* A JSON document is read one element (or member) at a time, each parsed
 * by json-glib on its own, so that a 60 MB list never becomes one tree.
 * An element bigger than this is opened up and read the same way. */
#define SEGMENT_MAX (64 * 1024)
/* What is kept of a document's start, to reject it whole: 80 characters. */
#define HEAD_MAX 512

typedef struct
{
  gboolean  is_object;
  Parser   *out;          /* an object's own tentative parser; an array's parent's */
  gboolean  owns_out;
  gboolean  found;
  gboolean  rejected;
  gboolean  after_comma;
  gboolean  has_child;
  char     *task_id;      /* an object's valid "task_id" member */
  GString  *head;         /* an opened-up element's first bytes */
} Frame;

typedef struct
{
  Parser     *out;
  JsonParser *json;
  GArray     *frames;     /* Frame */
  GString    *segment;    /* the element being read */
  guint       seg_depth;
  gboolean    in_string;
  gboolean    escaped;
  gboolean    started;
  gboolean    closed;
  gboolean    invalid;
  gboolean    only_punctuation;
  Held        held;
  GString    *head;
} Walker;

static void
frame_clear (Frame *frame)
{
  if (frame->owns_out)
    parser_free (frame->out);
  g_free (frame->task_id);
  if (frame->head != NULL)
    g_string_free (frame->head, TRUE);
}

static Walker *
walker_new (Parser *out)
{
  Walker *walker = g_new0 (Walker, 1);

  walker->out = out;
  walker->json = out->json;
  walker->frames = g_array_new (FALSE, TRUE, sizeof (Frame));
  walker->segment = g_string_new (NULL);
  walker->head = g_string_new (NULL);
  walker->only_punctuation = TRUE;

  return walker;
}

static void
walker_free (Walker *walker)
{
  if (walker == NULL)
    return;

  for (guint i = 0; i < walker->frames->len; i++)
    frame_clear (&g_array_index (walker->frames, Frame, i));
  g_array_unref (walker->frames);
  g_string_free (walker->segment, TRUE);
  g_string_free (walker->head, TRUE);
  g_free (walker);
}

static void
push_frame (Walker   *walker,
            gboolean  is_object)
{
  Frame frame = { 0 };
  Parser *parent = walker->frames->len > 0
    ? g_array_index (walker->frames, Frame, walker->frames->len - 1).out
    : walker->out;

  frame.is_object = is_object;
  /* An object with a valid task_id stands for that ID alone: what its
   * other members hold waits until the object closes. */
  if (is_object)
    {
      frame.out = parser_new (parent, walker->json);
      frame.owns_out = TRUE;
    }
  else
    frame.out = parent;

  g_array_append_val (walker->frames, frame);
}

static void
frame_took (Frame *frame,
            Held   held)
{
  if (held == HELD_ID)
    frame->found = TRUE;
  else if (held == HELD_REJECTED)
    frame->rejected = TRUE;
}

static const char *
skip_json_space (const char *p,
                 const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;

  return p;
}

/* A string of UTF-8 without escapes or control characters at *@p (a
 * path in a translated Videos folder, say): its contents in @start and
 * @length, *@p moved past it. */
static gboolean
read_plain_string (const char **p,
                   const char  *end,
                   const char **start,
                   gsize       *length)
{
  const char *s = *p;
  gboolean ascii = TRUE;

  if (s >= end || *s != '"')
    return FALSE;

  *start = ++s;
  for (; s < end && *s != '"'; s++)
    {
      /* Plain ASCII, the usual run, in one test a byte. */
      while (s < end && !(char_class[(guchar) *s] & CLASS_STRING_STOP))
        s++;
      if (s >= end || *s == '"')
        break;
      if (*s == '\\' || (guchar) *s < 0x20)
        return FALSE;
      ascii = FALSE;
    }
  /* JsonParser refuses a document that is not UTF-8 throughout. */
  if (s >= end || (!ascii && !g_utf8_validate_len (*start, s - *start, NULL)))
    return FALSE;

  *length = s - *start;
  *p = s + 1;

  return TRUE;
}

/* A segment read without JsonParser: a string, or a flat object of
 * strings, pointing into the segment. */
#define PLAIN_MAX_MEMBERS 16

typedef struct
{
  const char *name;
  gsize       name_length;
  const char *value;
  gsize       value_length;
  gboolean    is_string;       /* or a literal: read_plain_literal() */
} PlainMember;

typedef struct
{
  gboolean    is_object;
  const char *value;           /* a string's */
  gsize       value_length;
  guint       n_members;
  PlainMember members[PLAIN_MAX_MEMBERS];
} Plain;

/* A member's name as read_plain_string() takes it, its colon and the
 * blanks after: *@p moved to its value. */
static gboolean
read_plain_name (const char  **p,
                 const char   *end,
                 PlainMember  *member)
{
  const char *s = *p;

  if (!read_plain_string (&s, end, &member->name, &member->name_length))
    return FALSE;
  s = skip_json_space (s, end);
  if (s >= end || *s != ':')
    return FALSE;

  *p = skip_json_space (s + 1, end);
  return TRUE;
}

/* null, true, false or an integer at *@p: its text in @start and @length,
 * *@p moved past it. JsonParser reads it (json_from_string() does, to
 * show a rejected child); what stands after it is the caller's to check. */
static gboolean
read_plain_literal (const char **p,
                    const char  *end,
                    const char **start,
                    gsize       *length)
{
  static const char * const words[] = { "null", "true", "false" };
  const char *s = *p;
  const char *q = s;

  for (guint i = 0; i < G_N_ELEMENTS (words) && q == s; i++)
    if ((gsize) (end - s) >= strlen (words[i]) && memcmp (s, words[i], strlen (words[i])) == 0)
      q = s + strlen (words[i]);

  if (q == s)
    {
      if (q < end && *q == '-')
        q++;
      while (q < end && g_ascii_isdigit (*q))
        q++;
      if (q == s || !g_ascii_isdigit (q[-1]))
        return FALSE;
    }

  *start = s;
  *length = q - s;
  *p = q;
  return TRUE;
}

/* A string as read_plain_string() takes it, or an object of such strings
 * and literals (read_plain_literal(): Dailies' own export has numbers and
 * nulls), each name once, into @plain; *@p moved past it. */
static gboolean
read_plain_value (const char **p,
                  const char  *end,
                  Plain       *plain)
{
  const char *s = *p;

  plain->n_members = 0;
  plain->is_object = s < end && *s == '{';
  if (!plain->is_object)
    {
      if (!read_plain_string (&s, end, &plain->value, &plain->value_length))
        return FALSE;
      *p = s;
      return TRUE;
    }

  s = skip_json_space (s + 1, end);
  /* "{}" and anything but strings go the long way. */
  for (;;)
    {
      PlainMember *member;

      if (plain->n_members == PLAIN_MAX_MEMBERS)
        return FALSE;
      member = &plain->members[plain->n_members];
      if (!read_plain_name (&s, end, member))
        return FALSE;
      member->is_string = read_plain_string (&s, end, &member->value, &member->value_length);
      if (!member->is_string && !read_plain_literal (&s, end, &member->value, &member->value_length))
        return FALSE;
      /* json-glib keeps the last of a name given twice: the long way. */
      for (guint i = 0; i < plain->n_members; i++)
        if (plain->members[i].name_length == member->name_length &&
            memcmp (plain->members[i].name, member->name, member->name_length) == 0)
          return FALSE;
      plain->n_members++;

      s = skip_json_space (s, end);
      if (s < end && *s == '}')
        break;
      if (s >= end || *s != ',')
        return FALSE;
      s = skip_json_space (s + 1, end);
    }

  *p = s + 1;
  return TRUE;
}

static gboolean
plain_name_is (const char *name,
               gsize       length,
               const char *wanted)
{
  return length == strlen (wanted) && memcmp (name, wanted, length) == 0;
}

/* A valid ID in a task_id string, stripped, or NULL. */
static char *
plain_task_id (const char *value,
               gsize       length)
{
  char *id = g_strstrip (g_strndup (value, length));

  if (dailies_task_id_is_valid (id))
    return id;

  g_free (id);
  return NULL;
}

/* What walk_json() does with the node @plain stands for. */
static Held
plain_walk (Parser      *parser,
            const Plain *plain,
            gboolean     object_member)
{
  Held held = HELD_NOTHING;

  if (!plain->is_object)
    return scan_text (parser, plain->value, plain->value_length, object_member);

  for (guint i = 0; i < plain->n_members; i++)
    if (plain_name_is (plain->members[i].name, plain->members[i].name_length, "task_id"))
      {
        g_autofree char *id = plain_task_id (plain->members[i].value, plain->members[i].value_length);

        if (id != NULL)
          {
            add_id (parser, id, strlen (id));
            return HELD_ID;
          }
      }

  /* A literal's text holds no ID, nor anything like one. */
  for (guint i = 0; i < plain->n_members; i++)
    {
      Held member_held = scan_text (parser, plain->members[i].value, plain->members[i].value_length, TRUE);

      if (member_held == HELD_ID || (member_held == HELD_REJECTED && held == HELD_NOTHING))
        held = member_held;
    }

  return held;
}

/* How a rejected element is shown: as the JSON it was, like JsonParser's. */
static char *
plain_to_text (const Plain *plain)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (!plain->is_object)
    return g_strndup (plain->value, plain->value_length);

  object = json_object_new ();
  for (guint i = 0; i < plain->n_members; i++)
    {
      g_autofree char *name = g_strndup (plain->members[i].name, plain->members[i].name_length);
      g_autofree char *value = g_strndup (plain->members[i].value, plain->members[i].value_length);

      if (plain->members[i].is_string)
        json_object_set_string_member (object, name, value);
      else
        json_object_set_member (object, name, json_from_string (value, NULL));
    }
  node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* The common elements, a string, a member holding one ("task_id": "…")
 * or a flat object of them (an export's {"task_id": "…", "status": "…"}),
 * read without a JsonParser run, which costs some 12,000 instructions a
 * member, and without building nodes: most of the time of a JSON
 * export's import. Anything else (escapes, non-ASCII, numbers, nesting)
 * is left to JsonParser, so both ways read the same. */
static gboolean
read_plain_child (const char  **p,
                  const char   *end,
                  gboolean      is_object,
                  PlainMember  *member,
                  Plain        *plain)
{
  const char *s = skip_json_space (*p, end);

  if (is_object && !read_plain_name (&s, end, member))
    return FALSE;

  if (!read_plain_value (&s, end, plain))
    return FALSE;

  *p = skip_json_space (s, end);
  return TRUE;
}

static gboolean
read_plain_segment (const GString  *segment,
                    gboolean        is_object,
                    PlainMember    *member,
                    Plain          *plain)
{
  const char *p = segment->str;
  const char *end = p + segment->len;

  return read_plain_child (&p, end, is_object, member, plain) && p == end;
}

/* What end_segment() does with a child read the plain way. */
static void
take_plain_child (Frame             *frame,
                  const PlainMember *member,
                  const Plain       *plain)
{
  if (frame->is_object)
    {
      if (plain_name_is (member->name, member->name_length, "task_id"))
        {
          g_clear_pointer (&frame->task_id, g_free);
          if (!plain->is_object)
            frame->task_id = plain_task_id (plain->value, plain->value_length);
        }
      frame_took (frame, plain_walk (frame->out, plain, TRUE));
    }
  else
    {
      Held held = plain_walk (frame->out, plain, FALSE);

      if (held == HELD_NOTHING)
        {
          g_autofree char *text = plain_to_text (plain);

          add_rejected (frame->out, text, strlen (text));
          held = HELD_REJECTED;
        }
      frame_took (frame, held);
    }
}

/* One array element or object member, complete in walker->segment. */
static void
end_segment (Walker *walker)
{
  Frame *frame = &g_array_index (walker->frames, Frame, walker->frames->len - 1);
  g_autoptr(GString) wrapped = NULL;
  PlainMember member;
  Plain plain;
  JsonNode *root;
  JsonNode *value;

  if (read_plain_segment (walker->segment, frame->is_object, &member, &plain))
    {
      take_plain_child (frame, &member, &plain);
      g_string_truncate (walker->segment, 0);
      return;
    }

  wrapped = g_string_sized_new (walker->segment->len + 2);
  g_string_append_c (wrapped, frame->is_object ? '{' : '[');
  g_string_append_len (wrapped, walker->segment->str, walker->segment->len);
  g_string_append_c (wrapped, frame->is_object ? '}' : ']');
  g_string_truncate (walker->segment, 0);

  if (wrapped->len > G_MAXSSIZE ||
      !json_parser_load_from_data (walker->json, wrapped->str, (gssize) wrapped->len, NULL) ||
      (root = json_parser_get_root (walker->json)) == NULL)
    {
      walker->invalid = TRUE;
      return;
    }

  if (frame->is_object)
    {
      JsonObject *object = json_node_get_object (root);
      g_autoptr(GList) names = json_object_get_members (object);

      if (names == NULL || names->next != NULL)
        {
          walker->invalid = TRUE;
          return;
        }

      value = json_object_get_member (object, names->data);
      if (g_strcmp0 (names->data, "task_id") == 0)
        {
          g_clear_pointer (&frame->task_id, g_free);
          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
            {
              char *id = g_strstrip (g_strdup (json_node_get_string (value)));

              if (dailies_task_id_is_valid (id))
                frame->task_id = id;
              else
                g_free (id);
            }
        }
      frame_took (frame, walk_json (frame->out, value, TRUE));
    }
  else
    {
      JsonArray *array = json_node_get_array (root);
      Held held;

      if (json_array_get_length (array) != 1)
        {
          walker->invalid = TRUE;
          return;
        }

      value = json_array_get_element (array, 0);
      held = walk_json (frame->out, value, FALSE);
      if (held == HELD_NOTHING && !JSON_NODE_HOLDS_NULL (value))
        {
          g_autofree char *text = NULL;

          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
            text = g_strdup (json_node_get_string (value));
          else
            text = json_to_string (value, FALSE);

          add_rejected (frame->out, text, strlen (text));
          held = HELD_REJECTED;
        }
      frame_took (frame, held);
    }
}

static void
end_child (Walker   *walker,
           gboolean  closing)
{
  Frame *frame = &g_array_index (walker->frames, Frame, walker->frames->len - 1);
  gboolean empty = TRUE;

  for (gsize i = 0; i < walker->segment->len && empty; i++)
    empty = g_ascii_isspace (walker->segment->str[i]);

  if (empty)
    {
      /* "[]" is fine; "[,", "[1,]" and "[1,,2]" are not JSON. A child
       * that was opened up has already been taken. */
      if (!(closing && !frame->after_comma) && !(frame->has_child && !frame->after_comma))
        walker->invalid = TRUE;
      g_string_truncate (walker->segment, 0);
    }
  else
    {
      end_segment (walker);
      frame->has_child = TRUE;
    }

  frame->after_comma = !closing;
}

static void
pop_frame (Walker *walker)
{
  Frame frame = g_array_index (walker->frames, Frame, walker->frames->len - 1);
  Held held;

  g_array_set_size (walker->frames, walker->frames->len - 1);

  if (frame.task_id != NULL)
    {
      Parser *parent = frame.out->base;

      add_id (parent, frame.task_id, strlen (frame.task_id));
      held = HELD_ID;
    }
  else
    {
      if (frame.owns_out)
        parser_commit (frame.out);
      held = frame.found ? HELD_ID : frame.rejected ? HELD_REJECTED : HELD_NOTHING;
    }
  frame.owns_out = frame.owns_out && frame.task_id != NULL;

  if (walker->frames->len > 0)
    {
      Frame *parent = &g_array_index (walker->frames, Frame, walker->frames->len - 1);

      /* An opened-up element that held nothing: its start stands for it. */
      if (held == HELD_NOTHING && !parent->is_object && frame.head != NULL)
        {
          add_rejected (parent->out, frame.head->str, frame.head->len);
          held = HELD_REJECTED;
        }
      frame_took (parent, held);
      parent->has_child = TRUE;
      parent->after_comma = FALSE;
    }
  else
    {
      walker->closed = TRUE;
      walker->held = held;
    }

  frame_clear (&frame);
}

static void walker_step (Walker *walker,
                         char    c);

/* The element being read grew too big to parse whole: if it is a list or
 * an object (after its member name), read its children one by one. */
static void
open_up_segment (Walker *walker)
{
  Frame *frame = &g_array_index (walker->frames, Frame, walker->frames->len - 1);
  const char *p = walker->segment->str;
  const char *end = p + walker->segment->len;
  g_autoptr(GString) rest = NULL;
  gboolean is_object;

  while (p < end && g_ascii_isspace (*p))
    p++;

  if (frame->is_object)
    {
      /* "name" : … (a member name that is not a string is not JSON). */
      if (p >= end || *p++ != '"')
        return;
      while (p < end && *p != '"')
        p += *p == '\\' ? 2 : 1;
      if (p >= end)
        return;
      p++;
      while (p < end && g_ascii_isspace (*p))
        p++;
      if (p >= end || *p++ != ':')
        return;
      while (p < end && g_ascii_isspace (*p))
        p++;
    }

  if (p >= end || (*p != '[' && *p != '{'))
    return;

  is_object = *p == '{';
  rest = g_string_new_len (p + 1, end - (p + 1));
  g_string_truncate (walker->segment, 0);
  walker->seg_depth = 0;
  walker->in_string = FALSE;
  walker->escaped = FALSE;

  push_frame (walker, is_object);
  frame = &g_array_index (walker->frames, Frame, walker->frames->len - 1);
  frame->head = g_string_new_len (p, MIN ((gsize) HEAD_MAX, (gsize) (end - p)));

  for (gsize i = 0; i < rest->len && !walker->invalid; i++)
    walker_step (walker, rest->str[i]);
}

static void
walker_step (Walker *walker,
             char    c)
{
  Frame *frame;

  if (walker->closed)
    {
      if (!g_ascii_isspace (c))
        walker->invalid = TRUE;
      return;
    }

  if (!walker->started)
    {
      if (g_ascii_isspace (c))
        return;
      if (c != '[' && c != '{')
        {
          walker->invalid = TRUE;
          return;
        }
      walker->started = TRUE;
      push_frame (walker, c == '{');
      return;
    }

  if (walker->in_string)
    {
      g_string_append_c (walker->segment, c);
      if (walker->escaped)
        walker->escaped = FALSE;
      else if (c == '\\')
        walker->escaped = TRUE;
      else if (c == '"')
        walker->in_string = FALSE;
      return;
    }

  frame = &g_array_index (walker->frames, Frame, walker->frames->len - 1);

  if (walker->seg_depth == 0)
    {
      if (c == ',')
        {
          end_child (walker, FALSE);
          return;
        }
      if (c == ']' || c == '}')
        {
          if (c != (frame->is_object ? '}' : ']'))
            {
              walker->invalid = TRUE;
              return;
            }
          end_child (walker, TRUE);
          if (!walker->invalid)
            pop_frame (walker);
          return;
        }
    }

  if (c == '"')
    walker->in_string = TRUE;
  else if (c == '[' || c == '{')
    {
      /* json-glib recurses once per level. */
      if (walker->frames->len + ++walker->seg_depth > MAX_NESTING)
        {
          walker->invalid = TRUE;
          return;
        }
    }
  else if (c == ']' || c == '}')
    walker->seg_depth--;

  g_string_append_c (walker->segment, c);

  if (walker->seg_depth > 0 && walker->segment->len > SEGMENT_MAX)
    open_up_segment (walker);
}

/* A whole child at @text, read in place: a plain one (see
 * read_plain_segment()) followed by its comma or the closing bracket, as
 * walker_step() would have taken it a byte at a time into the segment.
 * Returns how many bytes it took, closing punctuation included, or 0 for
 * the byte-at-a-time way: past the document's first bytes (kept for
 * rejecting it whole), with nothing of the child read yet, and within
 * what the byte-at-a-time way parses whole. A 6 MB array of task objects
 * was read in half the time. */
static gsize
walker_take_plain_child (Walker     *walker,
                         const char *text,
                         gsize       length)
{
  const char *p = text;
  const char *end = text + MIN (length, (gsize) SEGMENT_MAX);
  Frame *frame;
  PlainMember member;
  Plain plain;
  char c;

  if (!walker->started || walker->closed || walker->in_string || walker->seg_depth > 0 ||
      walker->segment->len > 0 || walker->only_punctuation || walker->head->len < HEAD_MAX ||
      walker->frames->len >= MAX_NESTING)
    return 0;

  frame = &g_array_index (walker->frames, Frame, walker->frames->len - 1);
  if (!read_plain_child (&p, end, frame->is_object, &member, &plain) || p >= end)
    return 0;

  c = *p;
  if (c != ',' && c != (frame->is_object ? '}' : ']'))
    return 0;

  take_plain_child (frame, &member, &plain);
  frame->has_child = TRUE;
  frame->after_comma = c == ',';
  if (c != ',')
    pop_frame (walker);

  return p + 1 - text;
}

static void
walker_feed (Walker     *walker,
             const char *text,
             gsize       length)
{
  for (gsize i = 0; i < length && !walker->invalid; i++)
    {
      gsize taken = walker_take_plain_child (walker, text + i, length - i);
      char c;

      if (taken > 0)
        {
          i += taken - 1;
          continue;
        }

      c = text[i];

      if (walker->started || !g_ascii_isspace (c))
        {
          if (walker->head->len < HEAD_MAX)
            g_string_append_c (walker->head, c);
          if (walker->only_punctuation && (c == '\0' || strchr (PUNCTUATION, c) == NULL))
            walker->only_punctuation = FALSE;
        }
      walker_step (walker, c);
    }
}

/* Whether what was fed is one JSON object or list; if so, what it holds
 * went to the walker's parser (a document that holds no ID at all is
 * rejected as a whole). */
static gboolean
walker_finish (Walker *walker)
{
  if (walker->invalid || !walker->closed)
    return FALSE;

  if (walker->held == HELD_NOTHING && !walker->only_punctuation)
    add_rejected (walker->out, walker->head->str, walker->head->len);

  return TRUE;
}

/* Walks @text if it is a JSON object or list; a document that holds no ID
 * at all is rejected as a whole. FALSE when it is not JSON, and then
 * nothing was found. */
static gboolean
try_json (Parser     *parser,
          const char *text,
          gsize       length)
{
  Parser *tentative;
  Walker *walker;
  gboolean is_json;

  /* A JSON line of usual size: parsed whole, which is quicker. */
  if (length <= SEGMENT_MAX)
    {
      JsonNode *root;

      if (!is_single_json_document (text, length) ||
          !json_parser_load_from_data (parser->json, text, (gssize) length, NULL))
        return FALSE;

      root = json_parser_get_root (parser->json);
      if (root == NULL || !(JSON_NODE_HOLDS_OBJECT (root) || JSON_NODE_HOLDS_ARRAY (root)))
        return FALSE;

      if (walk_json (parser, root, FALSE) == HELD_NOTHING && !is_only (text, length, PUNCTUATION))
        add_rejected (parser, text, length);
      return TRUE;
    }

  tentative = parser_new (parser, parser->json);
  walker = walker_new (tentative);
  walker_feed (walker, text, length);
  is_json = walker_finish (walker);
  walker_free (walker);

  if (is_json)
    parser_commit (tentative);
  else
    parser_free (tentative);

  return is_json;
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

  if (length == 0)
    return;
  /* A comment is not a line of the list, but a script's "# submitted
   * asyntask_…" names a task: its IDs are read, and a comment without
   * one is no line skipped. */
  if (line[0] == '#' || (length >= 2 && line[0] == '/' && line[1] == '/'))
    {
      scan_comment (parser, line, length, FALSE);
      return;
    }

  first = !parser->seen_content;
  parser->seen_content = TRUE;

  /* JSON Lines: one object (or list) per line, ending with its bracket
   * (not, say, an element of a pretty-printed list with its comma). */
  if ((line[0] == '{' || line[0] == '[') && (line[length - 1] == '}' || line[length - 1] == ']') &&
      try_json (parser, line, length))
    return;

  if (scan_line (parser, line, length) != HELD_NOTHING)
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

/* ------------------------------------------------------------------ */
/* Streams                                                             */
/* ------------------------------------------------------------------ */

typedef enum
{
  MODE_START,       /* only blanks so far */
  MODE_FIRST_LINE,  /* it starts like JSON: one document, or JSON Lines? */
  MODE_LINES,
  MODE_DOCUMENT,    /* one JSON document, read as lines too until it proves to be JSON */
} Mode;

struct _DailiesIdStream
{
  gboolean    check_text;
  guint64     n_bytes;        /* as given, before any conversion */
  guint64     n_lines;
  GByteArray *prefix;         /* the first bytes, until the byte order mark is known */
  GIConv      iconv;          /* from UTF-16, or (GIConv) -1 */
  GByteArray *undecoded;      /* the bytes of a character cut by the end of a chunk */
  JsonParser *json;
  Parser     *parser;         /* what was found for sure */
  Mode        mode;
  GString    *held;           /* MODE_FIRST_LINE: the text so far */
  GString    *line;           /* the start of a line cut by the end of a chunk */
  Parser     *as_lines;       /* MODE_DOCUMENT: the same text read as lines */
  Walker     *walker;         /* MODE_DOCUMENT */
  guint       n_agreed;       /* MODE_DOCUMENT: the IDs both readings found alike, handed over */
  GError     *error;
};

DailiesIdStream *
dailies_id_stream_new (gboolean check_text)
{
  DailiesIdStream *self = g_new0 (DailiesIdStream, 1);

  self->check_text = check_text;
  self->prefix = g_byte_array_new ();
  self->iconv = (GIConv) -1;
  self->undecoded = g_byte_array_new ();
  self->json = json_parser_new_immutable ();
  self->parser = parser_new (NULL, self->json);
  self->line = g_string_new (NULL);

  return self;
}

void
dailies_id_stream_free (DailiesIdStream *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->prefix, g_byte_array_unref);
  if (self->iconv != (GIConv) -1)
    g_iconv_close (self->iconv);
  g_byte_array_unref (self->undecoded);
  if (self->walker != NULL)
    parser_free (self->walker->out);
  walker_free (self->walker);
  parser_free (self->as_lines);
  parser_free (self->parser);
  g_clear_object (&self->json);
  if (self->held != NULL)
    g_string_free (self->held, TRUE);
  g_string_free (self->line, TRUE);
  g_clear_error (&self->error);
  g_free (self);
}

/* The first \n, \r or NUL in [@p, @end), or @end. */
static const char *
find_line_break (const char *p,
                 const char *end)
{
  const char *eol = memchr (p, '\n', end - p);
  const char *other;

  if (eol == NULL)
    eol = end;
  if ((other = memchr (p, '\r', eol - p)) != NULL)
    eol = other;
  if ((other = memchr (p, '\0', eol - p)) != NULL)
    eol = other;

  return eol;
}

static void
split_lines (DailiesIdStream *self,
             Parser          *target,
             const char      *text,
             gsize            length)
{
  const char *end = text + length;
  const char *p = text;

  while (p < end)
    {
      const char *eol = p;

      /* \n, \r\n and a lone \r all end a line; so does a stray NUL. An
       * empty line between \r and \n is skipped like any blank line.
       * memchr() goes through a long line many bytes a step. */
      eol = find_line_break (p, end);

      if (eol == end)
        {
          g_string_append_len (self->line, p, end - p);
          break;
        }

      self->n_lines++;
      if (self->line->len > 0)
        {
          g_string_append_len (self->line, p, eol - p);
          parse_line (target, self->line->str, self->line->len);
          g_string_truncate (self->line, 0);
        }
      else
        parse_line (target, p, eol - p);

      p = eol + 1;
    }
}

static void
take_text (DailiesIdStream *self,
           const char      *text,
           gsize            length);

/* The first \n or \r (a line's end, as split_lines() reads it), or NULL. */
static const char *
find_line_end (const char *text,
               gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (text[i] == '\n' || text[i] == '\r')
      return text + i;
  return NULL;
}

/* One JSON document, pretty-printed or not, is walked as a whole, so that
 * its punctuation lines are not taken for rejected lines. A first line
 * that is complete JSON by itself means JSON Lines instead. */
static void
choose_mode (DailiesIdStream *self,
             gboolean         first_line_ended)
{
  g_autoptr(GString) held = g_steal_pointer (&self->held);
  const char *eol = find_line_end (held->str, held->len);

  if (first_line_ended && is_single_json_document (held->str, eol - held->str))
    self->mode = MODE_LINES;
  else
    {
      self->mode = MODE_DOCUMENT;
      self->as_lines = parser_new (self->parser, self->json);
      self->walker = walker_new (parser_new (self->parser, self->json));
    }

  take_text (self, held->str, held->len);
}

static void
take_text (DailiesIdStream *self,
           const char      *text,
           gsize            length)
{
  switch (self->mode)
    {
    case MODE_START:
      /* Leading blanks hold nothing in any mode. */
      while (length > 0 && g_ascii_isspace (*text))
        {
          text++;
          length--;
        }
      if (length == 0)
        return;
      if (*text == '{' || *text == '[')
        {
          self->mode = MODE_FIRST_LINE;
          self->held = g_string_new (NULL);
        }
      else
        self->mode = MODE_LINES;
      take_text (self, text, length);
      return;

    case MODE_FIRST_LINE:
      g_string_append_len (self->held, text, length);
      if (find_line_end (text, length) != NULL)
        choose_mode (self, TRUE);
      return;

    case MODE_LINES:
      split_lines (self, self->parser, text, length);
      return;

    case MODE_DOCUMENT:
      walker_feed (self->walker, text, length);
      split_lines (self, self->as_lines, text, length);
      return;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
fail_not_text (DailiesIdStream *self)
{
  g_set_error_literal (&self->error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT,
                       _("The file is not text"));
  return FALSE;
}

/* Text from a file: UTF-8 without NUL bytes. A character cut by the end
 * of a chunk waits for the rest. */
static gboolean
take_checked (DailiesIdStream *self,
              const char      *text,
              gsize            length)
{
  g_autoptr(GByteArray) joined = NULL;
  const char *valid_end;
  gsize ascii;

  if (self->undecoded->len > 0)
    {
      joined = g_steal_pointer (&self->undecoded);
      self->undecoded = g_byte_array_new ();
      g_byte_array_append (joined, (const guint8 *) text, length);
      text = (const char *) joined->data;
      length = joined->len;
    }

  ascii = dailies_utf8_plain_ascii_length (text, length);
  if (ascii < length && !g_utf8_validate_len (text + ascii, length - ascii, &valid_end))
    {
      gsize rest = text + length - valid_end;

      if (*valid_end == '\0' || rest >= 4 ||
          g_utf8_get_char_validated (valid_end, rest) != (gunichar) -2)
        {
          /* The whole lines before it still count (a log with a core dump
           * at its end); the line it cuts does not. */
          const char *line_end = valid_end;

          /* \n, \r\n or a lone \r, as split_lines() reads them. */
          while (line_end > text && line_end[-1] != '\n' && line_end[-1] != '\r')
            line_end--;
          if (line_end > text)
            take_text (self, text, line_end - text);
          return fail_not_text (self);
        }

      g_byte_array_append (self->undecoded, (const guint8 *) valid_end, rest);
      length = valid_end - text;
    }

  take_text (self, text, length);
  return TRUE;
}

static gboolean
take_decoded (DailiesIdStream *self,
              const char      *data,
              gsize            length)
{
  g_autoptr(GByteArray) joined = NULL;
  char out[16384];
  char *in;
  gsize in_left;

  if (self->iconv == (GIConv) -1 && self->check_text)
    return take_checked (self, data, length);
  if (self->iconv == (GIConv) -1)
    {
      take_text (self, data, length);
      return TRUE;
    }

  joined = g_steal_pointer (&self->undecoded);
  self->undecoded = g_byte_array_new ();
  g_byte_array_append (joined, (const guint8 *) data, length);
  in = (char *) joined->data;
  in_left = joined->len;

  while (in_left > 0)
    {
      char *out_p = out;
      gsize out_left = sizeof out;
      gsize done = g_iconv (self->iconv, &in, &in_left, &out_p, &out_left);
      int saved_errno = errno;

      if (out_p > out && !take_checked (self, out, out_p - out))
        return FALSE;

      if (done != (gsize) -1 || saved_errno == E2BIG)
        continue;
      if (saved_errno == EINVAL)
        {
          /* Half a character: the rest comes with the next chunk. */
          g_byte_array_append (self->undecoded, (const guint8 *) in, in_left);
          break;
        }
      return fail_not_text (self);
    }

  return TRUE;
}

/* The byte order mark, once the first bytes are here. */
static gboolean
take_prefix (DailiesIdStream *self)
{
  g_autoptr(GByteArray) prefix = g_steal_pointer (&self->prefix);
  const guchar *data = prefix->data;
  gsize size = prefix->len;

  /* Windows editors save "Unicode" text as UTF-16 with a byte order mark. */
  if (self->check_text && size >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF)))
    {
      self->iconv = g_iconv_open ("UTF-8", data[0] == 0xFF ? "UTF-16LE" : "UTF-16BE");
      if (self->iconv == (GIConv) -1)
        return fail_not_text (self);
      data += 2;
      size -= 2;
    }
  else if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      size -= 3;
    }

  return take_decoded (self, (const char *) data, size);
}

gboolean
dailies_id_stream_feed (DailiesIdStream  *self,
                        const char       *data,
                        gsize             length,
                        GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->error == NULL)
    {
      self->n_bytes += length;
      if (self->check_text && self->n_bytes > DAILIES_ID_PARSER_MAX_BYTES)
        {
          g_autofree char *shown = g_format_size (self->n_bytes);

          /* Translators: %s is a size, such as “67.1 MB” */
          g_set_error (&self->error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_TOO_LARGE,
                       _("The file is too large to hold a list of task IDs (%s)"), shown);
        }
      else if (self->prefix != NULL)
        {
          g_byte_array_append (self->prefix, (const guint8 *) data, length);
          if (self->prefix->len >= 3)
            take_prefix (self);
        }
      else
        take_decoded (self, data, length);
    }

  if (self->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return FALSE;
    }

  return TRUE;
}

gboolean
dailies_id_stream_finish (DailiesIdStream  *self,
                          GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->error == NULL && self->prefix != NULL)
    take_prefix (self);

  if (self->error == NULL && self->undecoded->len > 0 && self->check_text)
    fail_not_text (self);

  if (self->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return FALSE;
    }

  if (self->mode == MODE_FIRST_LINE)
    choose_mode (self, FALSE);

  if (self->mode == MODE_DOCUMENT)
    {
      Parser *as_json = self->walker->out;

      if (self->line->len > 0)
        parse_line (self->as_lines, self->line->str, self->line->len);

      /* The reading that lost goes first: its IDs are copies too, and a
       * document of 600,000 would hold three of each at once. */
      if (walker_finish (self->walker))
        {
          parser_free (self->as_lines);
          parser_commit (as_json);
        }
      else
        {
          parser_free (as_json);
          parser_commit (self->as_lines);
        }
      g_clear_pointer (&self->walker, walker_free);
      self->as_lines = NULL;
      self->mode = MODE_LINES;
    }
  else if (self->line->len > 0)
    parse_line (self->parser, self->line->str, self->line->len);

  g_string_truncate (self->line, 0);
  /* Finished: nothing more may come. */
  self->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "finished");

  return TRUE;
}

/* Moves @id, found by both readings of a document, to the root parser's
 * keys: repeats later in the document are still found there. */
static char *
take_agreed_id (Parser *from_json,
                Parser *from_lines,
                Parser *root,
                guint   i)
{
  char *json_id = g_ptr_array_index (from_json->result->ids, i);
  char *lines_id = g_ptr_array_index (from_lines->result->ids, i);
  /* The same ID (see take_agreed_ids). */
  gsize length = strlen (lines_id);
  guint hash = dailies_id_hash_len (lines_id, length);

  g_ptr_array_index (from_json->result->ids, i) = NULL;
  g_ptr_array_index (from_lines->result->ids, i) = NULL;
  dailies_id_set_remove (from_json->seen, json_id, length, hash);
  dailies_id_set_remove (from_lines->seen, lines_id, length, hash);
  parser_add_seen (root, lines_id, length, hash);
  g_free (json_id);

  return lines_id;
}

/* While a document is not yet known to be JSON, the IDs that both
 * readings found, in the same order, are certain whichever wins: each
 * reading only ever adds to its IDs. A list of 100,000 as a JSON array
 * of objects was listed only once it had been read to its end. */
static GPtrArray *
take_agreed_ids (DailiesIdStream *self)
{
  Parser *as_json = self->walker->out;
  GPtrArray *json_ids = as_json->result->ids;
  GPtrArray *lines_ids = self->as_lines->result->ids;
  guint n = MIN (json_ids->len, lines_ids->len);
  guint agreed = self->n_agreed;
  GPtrArray *ids;

  while (agreed < n && strcmp (g_ptr_array_index (json_ids, agreed), g_ptr_array_index (lines_ids, agreed)) == 0)
    agreed++;
  if (agreed == self->n_agreed)
    return NULL;

  ids = g_ptr_array_new_full (agreed - self->n_agreed, g_free);
  for (guint i = self->n_agreed; i < agreed; i++)
    g_ptr_array_add (ids, take_agreed_id (as_json, self->as_lines, self->parser, i));
  self->n_agreed = agreed;

  return ids;
}

GPtrArray *
dailies_id_stream_take_ids (DailiesIdStream *self)
{
  GPtrArray *ids;

  g_return_val_if_fail (self != NULL, NULL);

  /* Also after an error: what both readings found before it is certain. */
  if (self->mode == MODE_DOCUMENT)
    return take_agreed_ids (self);

  if (self->mode != MODE_LINES || self->parser == NULL)
    return NULL;

  if (self->parser->result->ids->len == 0)
    return NULL;

  /* Handed over, not copied: 100,000 IDs were 100,000 more allocations
   * on the import's worker. Repeats are found in the parser's own keys. */
  ids = g_steal_pointer (&self->parser->result->ids);
  self->parser->result->ids = g_ptr_array_new_with_free_func (g_free);

  return ids;
}

guint64
dailies_id_stream_get_n_lines (DailiesIdStream *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_lines;
}

void
dailies_id_stream_get_counts (DailiesIdStream *self,
                              guint           *n_duplicates,
                              guint           *n_in_comments)
{
  g_return_if_fail (self != NULL);

  /* The root's: a document's readings add theirs when they agree, at the end. */
  *n_duplicates = self->parser != NULL ? self->parser->result->n_duplicates : 0;
  *n_in_comments = self->parser != NULL ? self->parser->result->n_in_comments : 0;
}

DailiesIdParseResult *
dailies_id_stream_steal_result (DailiesIdStream *self)
{
  DailiesIdParseResult *result;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->parser != NULL, NULL);

  result = g_steal_pointer (&self->parser->result);
  self->parser->result = result_new ();
  dailies_id_set_remove_all (self->parser->seen);
  g_string_chunk_clear (self->parser->seen_keys);

  return result;
}

DailiesIdParseResult *
dailies_id_parser_parse_text (const char *text,
                              gssize      length)
{
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (FALSE);

  g_return_val_if_fail (text != NULL || length <= 0, NULL);

  if (text != NULL)
    dailies_id_stream_feed (stream, text, length < 0 ? strlen (text) : (gsize) length, NULL);
  dailies_id_stream_finish (stream, NULL);

  return dailies_id_stream_steal_result (stream);
}

DailiesIdParseResult *
dailies_id_parser_parse_bytes (GBytes  *bytes,
                               GError **error)
{
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
  const char *data;
  gsize size;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &size);

  if (!dailies_id_stream_feed (stream, data, size, error) ||
      !dailies_id_stream_finish (stream, error))
    return NULL;

  return dailies_id_stream_steal_result (stream);
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
  g_clear_pointer (&result->in_comments, g_ptr_array_unref);
  g_free (result);
}
