/* fuzz-id-parser.c
 *
 * Any bytes pasted, dropped or opened: every ID found is a valid task ID,
 * and what is kept of the rest stays within its bounds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include "dailies-id-parser.h"

static void
check_result (DailiesIdParseResult *result)
{
  guint i;

  FUZZ_CHECK (result->ids != NULL && result->rejected != NULL, "arrays are never NULL");
  for (i = 0; i < result->ids->len; i++)
    FUZZ_CHECK (dailies_task_id_is_valid (g_ptr_array_index (result->ids, i)), "every ID found is valid");

  FUZZ_CHECK (result->rejected->len <= DAILIES_ID_PARSER_MAX_REJECTED, "at most 50 rejected kept");
  FUZZ_CHECK (result->rejected->len <= result->n_rejected, "kept rejected <= their count");
  FUZZ_CHECK (result->n_in_comments <= result->ids->len, "IDs from comments are among those found");
  FUZZ_CHECK (result->in_comments->len == MIN (result->n_in_comments, DAILIES_ID_PARSER_MAX_REJECTED),
              "the first 50 IDs from comments are kept");
  if (result->in_comments->len > 0)
    {
      g_autoptr(GHashTable) found = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GHashTable) named = g_hash_table_new (g_str_hash, g_str_equal);

      for (i = 0; i < result->ids->len; i++)
        g_hash_table_add (found, g_ptr_array_index (result->ids, i));
      for (i = 0; i < result->in_comments->len; i++)
        {
          char *id = g_ptr_array_index (result->in_comments, i);

          FUZZ_CHECK (g_hash_table_contains (found, id), "IDs from comments are among those found");
          FUZZ_CHECK (g_hash_table_add (named, id), "IDs from comments are named once");
        }
    }
  for (i = 0; i < result->rejected->len; i++)
    {
      const char *line = g_ptr_array_index (result->rejected, i);

      FUZZ_CHECK (g_utf8_validate (line, -1, NULL), "a rejected line is UTF-8");
      FUZZ_CHECK (g_utf8_strlen (line, -1) <= DAILIES_ID_PARSER_REJECTED_CHARS, "a rejected line is cut");
    }
}

/* As the stream decides: a first character of { or [ (after a UTF-8
 * byte order mark and blanks) may start a JSON document. */
static gboolean
starts_like_json (const uint8_t *data,
                  size_t         size)
{
  size_t at = size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

  while (at < size && g_ascii_isspace (data[at]))
    at++;
  return at < size && (data[at] == '{' || data[at] == '[');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(DailiesIdParseResult) text_result = NULL;
  g_autoptr(DailiesIdParseResult) bytes_result = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autofree char *string = g_strndup ((const char *) data, size);

  text_result = dailies_id_parser_parse_text ((const char *) data, size);
  FUZZ_CHECK (text_result != NULL, "parse_text never fails");
  check_result (text_result);

  bytes_result = dailies_id_parser_parse_bytes (bytes, &error);
  FUZZ_CHECK ((bytes_result == NULL) != (error == NULL), "parse_bytes: a result or an error");
  if (bytes_result != NULL)
    check_result (bytes_result);

  /* The same text in pieces finds the same IDs, in the same order. */
  {
    g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (FALSE);
    g_autoptr(DailiesIdParseResult) streamed = NULL;
    size_t piece = size > 0 ? data[0] % 13 + 1 : 1;
    guint i;

    g_autoptr(GPtrArray) taken = g_ptr_array_new_with_free_func (g_free);
    /* Taken as they come on every other input, as an import does. */
    gboolean take = size > 1 && data[1] % 2 == 0;

    for (size_t at = 0; at < size; at += piece)
      {
        dailies_id_stream_feed (stream, (const char *) data + at, MIN (piece, size - at), NULL);
        if (take)
          {
            GPtrArray *ids = dailies_id_stream_take_ids (stream);

            if (ids != NULL)
              g_ptr_array_extend_and_steal (taken, ids);
          }
      }
    dailies_id_stream_finish (stream, NULL);
    {
      GPtrArray *ids = dailies_id_stream_take_ids (stream);

      if (ids != NULL)
        g_ptr_array_extend_and_steal (taken, ids);
    }
    streamed = dailies_id_stream_steal_result (stream);
    FUZZ_CHECK (streamed->ids->len == 0, "every ID is taken");
    g_ptr_array_unref (streamed->ids);
    streamed->ids = g_steal_pointer (&taken);
    check_result (streamed);
    FUZZ_CHECK (streamed->ids->len == text_result->ids->len, "pieces find as many IDs");
    FUZZ_CHECK (streamed->n_duplicates == text_result->n_duplicates, "pieces find as many repeats");
    FUZZ_CHECK (streamed->n_rejected == text_result->n_rejected, "pieces reject as many lines");
    FUZZ_CHECK (streamed->n_in_comments == text_result->n_in_comments, "pieces find as many IDs in comments");
    FUZZ_CHECK (streamed->in_comments->len == text_result->in_comments->len, "pieces name as many IDs in comments");
    for (i = 0; i < streamed->in_comments->len; i++)
      FUZZ_CHECK (strcmp (g_ptr_array_index (streamed->in_comments, i), g_ptr_array_index (text_result->in_comments, i)) == 0,
                  "pieces name the same IDs in comments");
    for (i = 0; i < streamed->ids->len; i++)
      FUZZ_CHECK (strcmp (g_ptr_array_index (streamed->ids, i), g_ptr_array_index (text_result->ids, i)) == 0,
                  "pieces find the same IDs");
  }

  /* Read as a file is, which stops at the first byte that is not text:
   * what it hands over, as it comes and whether or not it fails, is where
   * the same bytes read at once as text begin. (Not for UTF-16, which
   * only the file reading decodes.) */
  if (!(size >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF))))
    {
      g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
      g_autoptr(GPtrArray) taken = g_ptr_array_new_with_free_func (g_free);
      size_t piece = size > 2 ? data[2] % 29 + 1 : 1;
      gboolean ok = TRUE;
      GPtrArray *ids;

      for (size_t at = 0; at < size && ok; at += piece)
        {
          ok = dailies_id_stream_feed (stream, (const char *) data + at, MIN (piece, size - at), NULL);
          if ((ids = dailies_id_stream_take_ids (stream)) != NULL)
            g_ptr_array_extend_and_steal (taken, ids);
        }
      if (ok)
        dailies_id_stream_finish (stream, NULL);
      if ((ids = dailies_id_stream_take_ids (stream)) != NULL)
        g_ptr_array_extend_and_steal (taken, ids);

      /* Text through and through, with no NUL either (a file's reading
       * stops there): read in full, so all of the IDs, none lost. */
      if (g_utf8_validate_len ((const char *) data, size, NULL))
        FUZZ_CHECK (ok && taken->len == text_result->ids->len, "a file of text is read in full");
      /* Lines (not a JSON document, where only what both readings agree
       * on is kept): every ID on the whole lines before the first byte
       * that is not text, none lost. */
      if (!starts_like_json (data, size))
        {
          g_autoptr(DailiesIdParseResult) before = NULL;
          const char *valid_end;
          gsize line_end;

          g_utf8_validate_len ((const char *) data, size, &valid_end);
          line_end = valid_end - (const char *) data;
          while (line_end > 0 && data[line_end - 1] != '\n' && data[line_end - 1] != '\r')
            line_end--;
          if (valid_end == (const char *) data + size)
            line_end = size;
          before = dailies_id_parser_parse_text ((const char *) data, line_end);
          FUZZ_CHECK (taken->len == before->ids->len, "a file's reading keeps every ID of its whole lines of text");
        }
      FUZZ_CHECK (taken->len <= text_result->ids->len, "a file's reading finds no more IDs than the text");
      for (guint i = 0; i < taken->len; i++)
        FUZZ_CHECK (strcmp (g_ptr_array_index (taken, i), g_ptr_array_index (text_result->ids, i)) == 0,
                    "a file's reading hands over where the text's IDs begin");
    }

  /* The guard of the URL path: whatever it passes has no byte that would
   * need escaping. */
  if (dailies_task_id_is_valid (string))
    FUZZ_CHECK (strspn (string, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen (string),
                "a valid ID is letters, digits, '_' and '-'");

  return 0;
}
