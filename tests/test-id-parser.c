/* test-id-parser.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "dailies-id-parser.h"
#include "dailies-test-utils.h"

#define ID_SUCCESS "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E"
#define ID_FAILURE "asyntask_Fa1ledM0derat10nAbCdEfGhIjKlMnOpQ"
#define ID_QUEUED  "asyntask_Qu3uedWa1t1ngAbCdEfGhIjKlMnOpQrSt"
#define ID_ULTRA   "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE"
#define ID_CGT     "cgt-20260427191505-9j2q7"

/* Asserts the IDs found, in order; the list ends with NULL. */
static void
assert_ids (const DailiesIdParseResult *result,
            ...)
{
  va_list args;
  const char *id;
  guint i = 0;

  va_start (args, result);
  while ((id = va_arg (args, const char *)) != NULL)
    {
      g_assert_cmpuint (i, <, result->ids->len);
      g_assert_cmpstr (g_ptr_array_index (result->ids, i), ==, id);
      i++;
    }
  va_end (args);

  g_assert_cmpuint (result->ids->len, ==, i);
}

static void
assert_rejected (const DailiesIdParseResult *result,
                 ...)
{
  va_list args;
  const char *text;
  guint i = 0;

  va_start (args, result);
  while ((text = va_arg (args, const char *)) != NULL)
    {
      g_assert_cmpuint (i, <, result->rejected->len);
      g_assert_cmpstr (g_ptr_array_index (result->rejected, i), ==, text);
      i++;
    }
  va_end (args);

  g_assert_cmpuint (result->rejected->len, ==, i);
  g_assert_cmpuint (result->n_rejected, ==, i);
}

static DailiesIdParseResult *
parse_fixture (const char *name)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);
  g_autoptr(GError) error = NULL;
  DailiesIdParseResult *result = dailies_id_parser_parse_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);

  return result;
}

static void
test_valid_ids (void)
{
  const char *valid[] = {
    ID_SUCCESS, ID_FAILURE, ID_CGT,
    "asyntask_12345678",
    "asyntask_ABCDEFGH",
    "cgt-20260427191505-abc",
    "cgt-20260427191505-ABC9",
    "cgt-20260427191505-0123456789abcdef0123456789abcdef",
  };
  g_autofree char *run = g_strnfill (128, 'a');
  g_autofree char *longest = g_strconcat ("asyntask_", run, NULL);
  g_autofree char *too_long = g_strconcat ("asyntask_", run, "a", NULL);
  g_autofree char *huge = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_test_message ("valid: %s", valid[i]);
      g_assert_true (dailies_task_id_is_valid (valid[i]));
    }

  g_assert_true (dailies_task_id_is_valid (longest));
  g_assert_false (dailies_task_id_is_valid (too_long));

  /* 10 kB of ID-looking text is not an ID. */
  huge = g_strnfill (10 * 1024, 'A');
  memcpy (huge, "asyntask_", 9);
  g_assert_false (dailies_task_id_is_valid (huge));
}

static void
test_hostile_ids (void)
{
  const char *invalid[] = {
    "",
    "asyntask_",
    "asyntask_1234567",
    "asyntask_../../etc/passwd",
    "../asyntask_12345678",
    "asyntask_12345678/../x",
    "asyntask_12345678%2F..",
    "asyntask_1234%2F5678",
    "asyntask_12345678 ",
    " asyntask_12345678",
    "asyntask_1234 5678",
    "asyntask_12345678?x=1",
    "asyntask_12345678#frag",
    "asyntask_12345678\n",
    "asyntask_12345678\r\nX-Header: 1",
    "asyntask_12345678;",
    "asyntask_12345678-",
    "asyntask_1234_5678",
    "ASYNTASK_12345678",
    "Asyntask_12345678",
    "xasyntask_12345678",
    "asyntask_１２３４５６７８",     /* fullwidth digits */
    "аsyntask_12345678",          /* Cyrillic а */
    "asyntask_12345678\xe2\x80\x8b", /* zero-width space */
    "asyntask_1234\xc3\xa9" "5678",    /* é */
    "asyntask_12345678\xff",
    "cgt-",
    "cgt-2026042719150-9j2q7",
    "cgt-202604271915055-9j2q7",
    "cgt-20260427191505-9j",
    "cgt-20260427191505_9j2q7",
    "cgt-20260427191505-9j2q7/..",
    "cgt-2026042719150a-9j2q7",
    "CGT-20260427191505-9j2q7",
    "cgt-20260427191505-0123456789abcdef0123456789abcdef0",
    "task_12345678",
    "12345678",
    "%2e%2e%2f",
    "?",
    "#",
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autofree char *escaped = g_strescape (invalid[i], NULL);

      g_test_message ("invalid: %s", escaped);
      g_assert_false (dailies_task_id_is_valid (invalid[i]));
    }

  g_assert_false (dailies_task_id_is_valid (NULL));
}

static void
test_lines (void)
{
  g_autoptr(DailiesIdParseResult) result = parse_fixture ("ids-lines.txt");

  assert_ids (result, ID_SUCCESS, ID_QUEUED, ID_CGT, ID_ULTRA, NULL);
  g_assert_cmpuint (result->n_duplicates, ==, 1);
  /* The comment and the blank line are not rejected; the prose and the cut ID are. */
  assert_rejected (result, "not a task id at all", "asyntask_short", NULL);
}

static void assert_cut_same (const char  *data,
                             gsize        size,
                             gboolean     check_text,
                             const gsize *cuts);

/* A script's comments name the tasks it made: their IDs are read; a
 * comment without one is no skipped line. */
static void
test_comment_ids (void)
{
  g_autoptr(DailiesIdParseResult) result = NULL;

  result = dailies_id_parser_parse_text ("#!/bin/sh\n"
                                         "# submitted " ID_SUCCESS "\n"
                                         "  // retry of " ID_FAILURE ", was asyntask_short\n"
                                         "# a note without one\n"
                                         ID_QUEUED "\n"
                                         "# done: " ID_QUEUED ", " ID_SUCCESS "\n", -1);
  assert_ids (result, ID_SUCCESS, ID_FAILURE, ID_QUEUED, NULL);
  /* Counted for the summary: those first seen in a comment, once. */
  g_assert_cmpuint (result->n_in_comments, ==, 2);
  g_assert_cmpuint (result->n_duplicates, ==, 2);
  /* And named, for Details: a repeat in a comment is not. */
  g_assert_cmpuint (result->in_comments->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (result->in_comments, 0), ==, ID_SUCCESS);
  g_assert_cmpstr (g_ptr_array_index (result->in_comments, 1), ==, ID_FAILURE);

  /* The same in what starts like JSON and is not, and in pieces. */
  {
    const char text[] = "[\n# submitted " ID_SUCCESS "\n\"" ID_FAILURE "\"\n// " ID_FAILURE " " ID_QUEUED "\n";
    g_autoptr(DailiesIdParseResult) not_json = dailies_id_parser_parse_text (text, -1);

    assert_ids (not_json, ID_SUCCESS, ID_FAILURE, ID_QUEUED, NULL);
    g_assert_cmpuint (not_json->n_in_comments, ==, 2);
    g_assert_cmpuint (not_json->in_comments->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (not_json->in_comments, 0), ==, ID_SUCCESS);
    g_assert_cmpstr (g_ptr_array_index (not_json->in_comments, 1), ==, ID_QUEUED);
    for (gsize at = 1; at < sizeof text - 1; at++)
      {
        gsize one[] = { at, 0 };

        assert_cut_same (text, sizeof text - 1, TRUE, one);
      }
  }
  /* As on any line with an ID, a cut one beside it is shown. */
  assert_rejected (result, "asyntask_short", NULL);

  /* A script that names 60 in its comments: all counted, the first 50
   * named, as many as of the skipped lines. */
  {
    g_autoptr(GString) text = g_string_new (NULL);
    g_autoptr(DailiesIdParseResult) many = NULL;

    for (guint i = 0; i < 60; i++)
      g_string_append_printf (text, "# asyntask_Commented%08u\n", i);
    many = dailies_id_parser_parse_text (text->str, -1);
    g_assert_cmpuint (many->ids->len, ==, 60);
    g_assert_cmpuint (many->n_in_comments, ==, 60);
    g_assert_cmpuint (many->in_comments->len, ==, DAILIES_ID_PARSER_MAX_REJECTED);
    g_assert_cmpstr (g_ptr_array_index (many->in_comments, 49), ==, "asyntask_Commented00000049");
  }
}

/* A comment after a line's own text, as scripts write them: its IDs are
 * read and counted as a comment's; a link's "https://", "#fragment" or
 * "//host", an issue's "#3" and a quoted field's "#" are no comments,
 * and an ID the line names is the line's. */
static void
test_trailing_comment_ids (void)
{
  static const char text[] =
    ID_QUEUED "   # resubmitted, was " ID_FAILURE "\n"
    ID_SUCCESS "\t// " ID_SUCCESS " again, and " ID_FAILURE "\n"
    "echo " ID_CGT " >> ids.txt # first try\n"
    "https://example.com/#/tasks/" ID_ULTRA "?from=https://example.com//x\n"
    "asyntask_Trail0000000001 # note # asyntask_Trail0000000002 // asyntask_Trail0000000003\n"
    "Job #3: asyntask_Plain00000000004, fixes #12 asyntask_Plain00000000005\n"
    "asyntask_Plain00000000006,\"retry # 2 // asyntask_Plain00000000007\",SUCCESS\n"
    "see //host/share asyntask_Plain00000000008\n"
    "asyntask_Plain00000000009 # was asyntask_h81e\n"
    "echo 'retry # 2' asyntask_Plain00000000010 >> ids.txt\n"
    "asyntask_Plain00000000011 # \n"
    "asyntask_Plain00000000012 #\tasyntask_Trail0000000004\n"
    "asyntask_cut1 # asyntask_cut2\n"
    "a note # asyntask_cut3\n"
    "echo \"it's # 1\" asyntask_Plain00000000013\n"
    "don't # asyntask_Plain00000000014\n";
  g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);
  g_autofree char *as_document = g_strconcat ("[\n", text, NULL);
  g_autoptr(DailiesIdParseResult) not_json = dailies_id_parser_parse_text (as_document, -1);

  assert_ids (result, ID_QUEUED, ID_FAILURE, ID_SUCCESS, ID_CGT, ID_ULTRA,
              "asyntask_Trail0000000001", "asyntask_Trail0000000002", "asyntask_Trail0000000003",
              "asyntask_Plain00000000004", "asyntask_Plain00000000005", "asyntask_Plain00000000006",
              "asyntask_Plain00000000007", "asyntask_Plain00000000008", "asyntask_Plain00000000009",
              "asyntask_Plain00000000010", "asyntask_Plain00000000011", "asyntask_Plain00000000012",
              "asyntask_Trail0000000004", "asyntask_Plain00000000013", "asyntask_Plain00000000014", NULL);
  g_assert_cmpuint (result->n_in_comments, ==, 4);
  g_assert_cmpuint (result->in_comments->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (result->in_comments, 0), ==, ID_FAILURE);
  g_assert_cmpstr (g_ptr_array_index (result->in_comments, 1), ==, "asyntask_Trail0000000002");
  g_assert_cmpstr (g_ptr_array_index (result->in_comments, 2), ==, "asyntask_Trail0000000003");
  g_assert_cmpstr (g_ptr_array_index (result->in_comments, 3), ==, "asyntask_Trail0000000004");
  /* The repeats: ID_SUCCESS and ID_FAILURE in the second line's comment. */
  g_assert_cmpuint (result->n_duplicates, ==, 2);
  /* Cut IDs in a comment are shown as any line's: each, not the line
   * whole, whether the line held an ID or not. */
  assert_rejected (result, "asyntask_h81e", "asyntask_cut1", "asyntask_cut2", "asyntask_cut3", NULL);

  /* The same in what starts like JSON and is not, and in pieces. */
  g_assert_cmpuint (not_json->ids->len, ==, result->ids->len);
  g_assert_cmpuint (not_json->n_in_comments, ==, 4);
  for (gsize at = 1; at < sizeof text - 1; at++)
    {
      gsize one[] = { at, 0 };

      assert_cut_same (text, sizeof text - 1, TRUE, one);
      assert_cut_same (as_document, strlen (as_document), TRUE, one);
    }
}

/* Skipped lines are shown to the person who pasted them (Details), who
 * may be sharing the screen: the keys in them are not. */
static void
test_secrets_masked (void)
{
  g_autoptr(DailiesIdParseResult) result = NULL;
  const char *secrets[] = { "SECRET" };

  result = dailies_id_parser_parse_text ("export ANYFAST_API_KEY=sk-live-0123456789SECRET\n"
                                         "Authorization: Bearer eyJhbGciOi.SECRET\n"
                                         "X-Api-Key: 'hunter2SECRET'\n"
                                         "token = \"abc def SECRET\"\n"
                                         "--key sk-proj-ABCDEFGHSECRET\n"
                                         "{\"api_key\": \"0123456789SECRETabcdef\"}\n"
                                         "ANYFAST_KEY_CN=abcdefSECRET\n"
                                         "curl --api-key abcdefghSECRET https://example.com\n"
                                         "Authorization: Basic dXNlcjpwYXNzSECRET\n"
                                         "Authorization: Token tokSECRET1234\n"
                                         "curl -u me:passSECRET https://example.com\n"
                                         "https://me:passSECRET2@proxy.example.com/x\n"
                                         "sk_live_0123456789SECRET3\n"
                                         "the key is under the mat\n"
                                         "task_key: asyntask_trunc\n"
                                         ID_SUCCESS "\n", -1);
  assert_ids (result, ID_SUCCESS, NULL);
  assert_rejected (result,
                   "export ANYFAST_API_KEY=•••",
                   "Authorization: Bearer •••",
                   "X-Api-Key: •••",
                   "token = •••",
                   "--key •••",
                   "{\"api_key\": •••}",
                   "ANYFAST_KEY_CN=•••",
                   "curl --api-key ••• https://example.com",
                   "Authorization: Basic •••",
                   "Authorization: Token •••",
                   "curl -u me:••• https://example.com",
                   "https://me:•••@proxy.example.com/x",
                   "•••",
                   /* Words stay, and a cut task ID. */
                   "the key is under the mat",
                   "asyntask_trunc",
                   NULL);
  for (guint i = 0; i < result->rejected->len; i++)
    for (guint j = 0; j < G_N_ELEMENTS (secrets); j++)
      g_assert_null (strstr (g_ptr_array_index (result->rejected, i), secrets[j]));

  /* A short secret near the end of a long line: masked, still cut to 80
   * characters (masked after the cut, it made 81). */
  {
    g_autoptr(DailiesIdParseResult) long_line = NULL;
    g_autofree char *expected = NULL;
    const char *line = "a long line of a script, with many words before its end, and then token=x, then more words";

    long_line = dailies_id_parser_parse_text (line, -1);
    g_assert_cmpuint (long_line->rejected->len, ==, 1);
    expected = g_strdup ("a long line of a script, with many words before its end, and then token=•••, the");
    g_assert_cmpuint (g_utf8_strlen (expected, -1), ==, DAILIES_ID_PARSER_REJECTED_CHARS);
    g_assert_cmpstr (g_ptr_array_index (long_line->rejected, 0), ==, expected);
  }

  /* Nothing past the cut comes into view where a mask is shorter than
   * what it hides (masked before the cut, the password below showed). */
  {
    g_autoptr(DailiesIdParseResult) long_key = NULL;

    long_key = dailies_id_parser_parse_text ("ANYFAST_API_KEY=sk-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e "
                                             "mysql -h db -u root -pHunter2Hunter2 tasks", -1);
    assert_rejected (long_key, "ANYFAST_API_KEY=••• mysql -h db", NULL);
  }
}

static void
test_separators (void)
{
  const char *text = ID_SUCCESS ", " ID_FAILURE ";" ID_QUEUED "\t" ID_ULTRA "   " ID_CGT "|asyntask_PipeSeparated1";
  g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);

  assert_ids (result, ID_SUCCESS, ID_FAILURE, ID_QUEUED, ID_ULTRA, ID_CGT, "asyntask_PipeSeparated1", NULL);
  assert_rejected (result, NULL);
  g_assert_cmpuint (result->n_duplicates, ==, 0);
}

/* An ID starts a word, or follows a '_' or '-' in it (a file name, a log
 * tag); glued to letters or digits before it, it is no ID but a word that
 * looks like one, reported beside the IDs found. */
static void
test_ids_in_words (void)
{
  const char *text = "run_asyntask_12345678 xasyntask_87654321 log-cgt-20260427191505-9j2q7"
                     " abccgt-20260427191505-9j2q8 asyntask_11111111_asyntask_22222222 9asyntask_33333333\n";
  g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);

  assert_ids (result, "asyntask_12345678", "cgt-20260427191505-9j2q7", "asyntask_11111111", "asyntask_22222222",
              NULL);
  assert_rejected (result, "xasyntask_87654321", "9asyntask_33333333", NULL);
}

static void
test_mixed_line (void)
{
  /* A truncated ID beside good ones is reported, other words are not. */
  const char *text = "done: " ID_SUCCESS " and " ID_FAILURE " but asyntask_h81ef was cut\n";
  g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);

  assert_ids (result, ID_SUCCESS, ID_FAILURE, NULL);
  assert_rejected (result, "asyntask_h81ef", NULL);
}

static void
test_csv (void)
{
  g_autoptr(DailiesIdParseResult) result = parse_fixture ("ids-tasks.csv");

  assert_ids (result, ID_SUCCESS, ID_FAILURE, NULL);
  /* The header and the empty row are not rejected. */
  assert_rejected (result, "oops,QUEUED,2026-04-28,\"no id here\"", NULL);
}

static void
test_headers (void)
{
  const char *headers[] = { "task_id", "Task ID", "\"id\",\"created\"", "TaskId;Status", "ids:" };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *text = g_strdup_printf ("%s\n%s\n", headers[i], ID_SUCCESS);
      g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);

      g_test_message ("header: %s", headers[i]);
      assert_ids (result, ID_SUCCESS, NULL);
      assert_rejected (result, NULL);
    }

  /* A header only counts as the first line. */
  {
    g_autofree char *text = g_strdup_printf ("%s\ntask_id\n", ID_SUCCESS);
    g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);

    assert_ids (result, ID_SUCCESS, NULL);
    assert_rejected (result, "task_id", NULL);
  }
}

static void
test_json_list (void)
{
  g_autoptr(DailiesIdParseResult) result = parse_fixture ("ids-list.json");

  assert_ids (result, ID_SUCCESS, ID_FAILURE, NULL);
  g_assert_cmpuint (result->n_duplicates, ==, 1);
  /* Pretty-printed punctuation is not rejected; the stray element is. */
  assert_rejected (result, "hello", NULL);
}

static void
test_json_objects (void)
{
  g_autoptr(DailiesIdParseResult) result = parse_fixture ("ids-objects.json");

  /* A task's own ID wins over the upstream ID inside its data. */
  assert_ids (result, ID_SUCCESS, "cgt-20260427191505-abc12", NULL);
  assert_rejected (result, "{\"name\":\"no id in here\"}", NULL);
}

static void
test_json_creation (void)
{
  g_autoptr(DailiesIdParseResult) result = parse_fixture ("ids-creation.json");
  g_autoptr(DailiesIdParseResult) compact = NULL;

  assert_ids (result, "asyntask_Cr3at10nAnsw3rAbCdEfGhIjKlMnOp", NULL);
  assert_rejected (result, NULL);

  compact = dailies_id_parser_parse_text ("{\"code\":\"success\",\"data\":{\"task_id\":\"" ID_CGT "\",\"status\":\"QUEUED\",\"progress\":0}}", -1);
  assert_ids (compact, ID_CGT, NULL);
  assert_rejected (compact, NULL);
}

static void
test_json_lines (void)
{
  g_autoptr(DailiesIdParseResult) result = parse_fixture ("ids-tasks.jsonl");

  assert_ids (result,
              "asyntask_J50nL1nes0neAbCdEfGhIjKlMnOp",
              "asyntask_J50nL1nesTw0AbCdEfGhIjKlMnOp",
              "asyntask_J50nL1nesThr33AbCdEfGhIjKlMnO",
              NULL);
  assert_rejected (result, "{\"code\":\"error\",\"message\":\"quota\"}", NULL);

  /* A line may be a list too: read as JSON, its element without an ID is
   * skipped (as words, "not an ID" would not be). */
  {
    g_autoptr(DailiesIdParseResult) lists = NULL;

    lists = dailies_id_parser_parse_text ("[\"" ID_SUCCESS "\", \"not an ID\"]\n{\"task_id\": \"" ID_FAILURE "\"}\n", -1);
    assert_ids (lists, ID_SUCCESS, ID_FAILURE, NULL);
    assert_rejected (lists, "not an ID", NULL);
  }
}

static void
test_json_broken (void)
{
  /* Truncated JSON still yields the IDs it holds, line by line. */
  const char *text = "[\n  \"" ID_SUCCESS "\",\n  \"" ID_FAILURE "\",\n  \"asyn";
  g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(DailiesIdParseResult) deep_result = NULL;

  assert_ids (result, ID_SUCCESS, ID_FAILURE, NULL);
  assert_rejected (result, "\"asyn", NULL);

  /* Nesting too deep for json-glib is read as text, not parsed. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_string_append (deep, "\"" ID_SUCCESS "\"");
  deep_result = dailies_id_parser_parse_text (deep->str, deep->len);
  assert_ids (deep_result, ID_SUCCESS, NULL);
}

static void
test_urls (void)
{
  const char *text =
    "https://www.anyfast.ai/v1/video/generations/" ID_SUCCESS "\n"
    "https://www.anyfast.com.cn/v1/video/generations/" ID_FAILURE "?x=1#y\n"
    "<https://example.com/tasks/" ID_QUEUED ">\n"
    "[link](https://example.com/" ID_ULTRA ")\n"
    "https://example.com/no/id/here\n";
  g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text (text, -1);

  assert_ids (result, ID_SUCCESS, ID_FAILURE, ID_QUEUED, ID_ULTRA, NULL);
  assert_rejected (result, "https://example.com/no/id/here", NULL);
}

static void
test_crlf_bom (void)
{
  const char text[] = "\xEF\xBB\xBF" ID_SUCCESS "\r\n" ID_FAILURE "\r\nbogus\r\n\r\n" ID_QUEUED "\rold mac line\r";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_bytes (bytes, &error);
  g_autoptr(DailiesIdParseResult) bom_json = NULL;

  g_assert_no_error (error);
  assert_ids (result, ID_SUCCESS, ID_FAILURE, ID_QUEUED, NULL);
  assert_rejected (result, "bogus", "old mac line", NULL);

  bom_json = dailies_id_parser_parse_text ("\xEF\xBB\xBF[\"" ID_SUCCESS "\"]", -1);
  assert_ids (bom_json, ID_SUCCESS, NULL);
}

static void
test_utf16 (void)
{
  g_autofree char *utf16 = NULL;
  g_autofree char *with_bom = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesIdParseResult) result = NULL;
  gsize size = 0;

  utf16 = g_convert (ID_SUCCESS "\r\n" ID_FAILURE "\r\n", -1, "UTF-16LE", "UTF-8", NULL, &size, &error);
  g_assert_no_error (error);
  with_bom = g_malloc (size + 2);
  with_bom[0] = (char) 0xFF;
  with_bom[1] = (char) 0xFE;
  memcpy (with_bom + 2, utf16, size);
  bytes = g_bytes_new (with_bom, size + 2);

  result = dailies_id_parser_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  assert_ids (result, ID_SUCCESS, ID_FAILURE, NULL);
}

/* Found by fuzz-id-parser: a BOM and an odd number of bytes make
 * g_convert() fail, and the size it reported was then read from the
 * unconverted data, past its end (an overflow under ASan). */
static void
test_utf16_odd_length (void)
{
  const char odd[] = "\xff\xfe" "a{\"code\":\"success\"}";
  g_autoptr(GBytes) bytes = g_bytes_new (odd, sizeof odd - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesIdParseResult) result = NULL;

  g_assert_cmpuint ((sizeof odd - 1 - 2) % 2, ==, 1);
  result = dailies_id_parser_parse_bytes (bytes, &error);
  g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT);
  g_assert_null (result);
}

static void
test_not_text (void)
{
  const char with_nul[] = ID_SUCCESS "\n\0\n" ID_FAILURE;
  const char invalid[] = ID_SUCCESS "\n\xff\xfe\x80\n";
  guchar png[64] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  struct { const void *data; gsize size; } cases[] = {
    { with_nul, sizeof with_nul - 1 },
    { invalid, sizeof invalid - 1 },
    { png, sizeof png },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (cases[i].data, cases[i].size);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_bytes (bytes, &error);

      g_assert_null (result);
      g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT);
    }

  /* Random bytes: an error, never a crash. */
  {
    g_autoptr(GRand) rand = g_rand_new_with_seed (4304);
    guchar garbage[4096];

    for (guint i = 0; i < sizeof garbage; i++)
      garbage[i] = (guchar) g_rand_int_range (rand, 0, 256);
    garbage[100] = 0;

    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (garbage, sizeof garbage);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_bytes (bytes, &error);

      g_assert_null (result);
      g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT);
    }

    /* Text given directly may hold anything: rejected entries stay valid UTF-8. */
    {
      g_autoptr(DailiesIdParseResult) result = dailies_id_parser_parse_text ((const char *) garbage, sizeof garbage);

      for (guint i = 0; i < result->rejected->len; i++)
        {
          const char *text = g_ptr_array_index (result->rejected, i);

          g_assert_true (g_utf8_validate (text, -1, NULL));
          g_assert_cmpuint (g_utf8_strlen (text, -1), <=, DAILIES_ID_PARSER_REJECTED_CHARS);
        }
    }
  }
}

static void
test_too_large (void)
{
  gsize size = DAILIES_ID_PARSER_MAX_BYTES + 1;
  char *data = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesIdParseResult) result = NULL;

  memset (data, '\n', size);
  bytes = g_bytes_new_take (data, size);
  result = dailies_id_parser_parse_bytes (bytes, &error);
  g_assert_null (result);
  g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_TOO_LARGE);
}

static void
test_empty (void)
{
  g_autoptr(DailiesIdParseResult) empty = dailies_id_parser_parse_text ("", -1);
  g_autoptr(DailiesIdParseResult) blank = dailies_id_parser_parse_text ("\n\n  \t\r\n# only a comment\n// another\n", -1);
  g_autoptr(DailiesIdParseResult) null_text = dailies_id_parser_parse_text (NULL, 0);
  g_autoptr(GBytes) bytes = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesIdParseResult) no_bytes = dailies_id_parser_parse_bytes (bytes, &error);

  g_assert_no_error (error);
  assert_ids (empty, NULL);
  assert_rejected (empty, NULL);
  assert_ids (blank, NULL);
  assert_rejected (blank, NULL);
  assert_ids (null_text, NULL);
  assert_ids (no_bytes, NULL);

  /* An explicit length stops before the rest of the buffer. */
  {
    g_autoptr(DailiesIdParseResult) part = dailies_id_parser_parse_text (ID_SUCCESS "\n" ID_FAILURE, strlen (ID_SUCCESS) + 1);

    assert_ids (part, ID_SUCCESS, NULL);
  }
}

static void
test_rejected_limits (void)
{
  g_autoptr(GString) text = g_string_new (ID_SUCCESS "\n");
  g_autoptr(DailiesIdParseResult) result = NULL;
  g_autofree char *long_line = g_strnfill (500, 'x');
  const char *first;

  g_string_append_printf (text, "  %s  \n", long_line);
  for (guint i = 0; i < 120; i++)
    g_string_append_printf (text, "line %u\twith\x01" "control\n", i);

  result = dailies_id_parser_parse_text (text->str, text->len);
  assert_ids (result, ID_SUCCESS, NULL);
  g_assert_cmpuint (result->n_rejected, ==, 121);
  g_assert_cmpuint (result->rejected->len, ==, DAILIES_ID_PARSER_MAX_REJECTED);

  first = g_ptr_array_index (result->rejected, 0);
  g_assert_cmpuint (strlen (first), ==, DAILIES_ID_PARSER_REJECTED_CHARS);
  g_assert_true (first[0] == 'x');
  g_assert_cmpstr (g_ptr_array_index (result->rejected, 1), ==, "line 0 with control");
}

static void
test_huge (void)
{
  g_autoptr(GString) text = g_string_sized_new (6 * 1024 * 1024);
  g_autoptr(GString) jsonl = g_string_sized_new (6 * 1024 * 1024);
  g_autoptr(DailiesIdParseResult) result = NULL;
  g_autoptr(DailiesIdParseResult) jsonl_result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  double elapsed;

  for (guint i = 0; i < 100000; i++)
    {
      g_string_append_printf (text, "asyntask_Bulk%08uAbCdEfGhIjKlMnOpQrSt\r\n", i % 90000);
      g_string_append_printf (jsonl, "{\"task_id\":\"asyntask_Bulk%08uAbCdEfGh\",\"status\":\"QUEUED\",\"data\":{\"id\":\"cgt-20260427191505-x%04u\"}}\n",
                              i, i % 10000);
    }
  g_string_append (text, "the end\n");
  bytes = g_bytes_new (text->str, text->len);

  g_timer_start (timer);
  result = dailies_id_parser_parse_bytes (bytes, &error);
  elapsed = g_timer_elapsed (timer, NULL);
  g_test_message ("100k lines: %.3f s", elapsed);
  g_assert_no_error (error);
  g_assert_cmpuint (result->ids->len, ==, 90000);
  g_assert_cmpuint (result->n_duplicates, ==, 10000);
  g_assert_cmpstr (g_ptr_array_index (result->ids, 0), ==, "asyntask_Bulk00000000AbCdEfGhIjKlMnOpQrSt");
  g_assert_cmpstr (g_ptr_array_index (result->ids, 89999), ==, "asyntask_Bulk00089999AbCdEfGhIjKlMnOpQrSt");
  assert_rejected (result, "the end", NULL);
  /* Generous for slow CI machines; it takes a few tens of ms. */
  g_assert_cmpfloat (elapsed, <, 2.0 * dailies_test_time_scale ());

  g_timer_start (timer);
  jsonl_result = dailies_id_parser_parse_text (jsonl->str, jsonl->len);
  elapsed = g_timer_elapsed (timer, NULL);
  g_test_message ("100k JSON lines: %.3f s", elapsed);
  g_assert_cmpuint (jsonl_result->ids->len, ==, 100000);
  g_assert_cmpuint (jsonl_result->n_rejected, ==, 0);
  g_assert_cmpfloat (elapsed, <, 4.0 * dailies_test_time_scale ());
}

static GFileInfo *
query (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  GFileInfo *info = g_file_query_info (file, DAILIES_ID_PARSER_FILE_ATTRIBUTES, G_FILE_QUERY_INFO_NONE, NULL, &error);

  g_assert_no_error (error);
  return info;
}

/* Before a file is read: a list is fine; a directory, a device and a
 * file over the limit are refused, each with its reason. */
static void
test_check_file_info (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *list = g_build_filename (dir, "ids.txt", NULL);
  g_autofree char *huge = g_build_filename (dir, "huge.txt", NULL);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_true (g_file_set_contents (list, "asyntask_CheckedFile0001\n", -1, NULL));
  info = query (list);
  g_assert_true (dailies_id_parser_check_file_info (info, &error));
  g_assert_no_error (error);
  g_clear_object (&info);

  info = query (dir);
  g_assert_false (dailies_id_parser_check_file_info (info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);
  g_clear_object (&info);

  info = query ("/dev/zero");
  g_assert_false (dailies_id_parser_check_file_info (info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);
  g_clear_object (&info);

  fd = g_open (huge, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, DAILIES_ID_PARSER_MAX_BYTES + 1), ==, 0);
  close (fd);
  info = query (huge);
  g_assert_false (dailies_id_parser_check_file_info (info, &error));
  g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "larger than"));

  dailies_test_rm_rf (dir);
}

/* ------------------------------------------------------------------ */
/* The stream                                                          */
/* ------------------------------------------------------------------ */

static void
assert_same_result (const DailiesIdParseResult *a,
                    const DailiesIdParseResult *b)
{
  g_assert_cmpuint (a->ids->len, ==, b->ids->len);
  for (guint i = 0; i < a->ids->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a->ids, i), ==, g_ptr_array_index (b->ids, i));
  g_assert_cmpuint (a->rejected->len, ==, b->rejected->len);
  for (guint i = 0; i < a->rejected->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a->rejected, i), ==, g_ptr_array_index (b->rejected, i));
  g_assert_cmpuint (a->n_rejected, ==, b->n_rejected);
  g_assert_cmpuint (a->n_duplicates, ==, b->n_duplicates);
  g_assert_cmpuint (a->n_in_comments, ==, b->n_in_comments);
  g_assert_cmpuint (a->in_comments->len, ==, b->in_comments->len);
  for (guint i = 0; i < a->in_comments->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a->in_comments, i), ==, g_ptr_array_index (b->in_comments, i));
}

/* @data fed in pieces cut at @cuts (ascending, ending with 0). NULL
 * with @error when it is not text. */
static DailiesIdParseResult *
parse_cut (const char  *data,
           gsize        size,
           gboolean     check_text,
           const gsize *cuts,
           GError     **error)
{
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (check_text);
  g_autoptr(GPtrArray) taken = g_ptr_array_new_with_free_func (g_free);
  DailiesIdParseResult *result;
  gsize from = 0;

  for (guint i = 0; ; i++)
    {
      gsize to = cuts[i] != 0 ? cuts[i] : size;
      g_autoptr(GPtrArray) ids = NULL;

      if (!dailies_id_stream_feed (stream, data + from, to - from, error))
        return NULL;
      if ((ids = dailies_id_stream_take_ids (stream)) != NULL)
        g_ptr_array_extend_and_steal (taken, g_steal_pointer (&ids));
      from = to;
      if (cuts[i] == 0)
        break;
    }

  if (!dailies_id_stream_finish (stream, error))
    return NULL;

  {
    g_autoptr(GPtrArray) ids = dailies_id_stream_take_ids (stream);

    if (ids != NULL)
      g_ptr_array_extend_and_steal (taken, g_steal_pointer (&ids));
  }

  result = dailies_id_stream_steal_result (stream);

  /* What was handed over as it came is every ID, in the same order: none
   * is left in the result, which the caller compares with the whole-text
   * parser's. */
  g_assert_cmpuint (result->ids->len, ==, 0);
  g_ptr_array_unref (result->ids);
  result->ids = g_steal_pointer (&taken);

  return result;
}

/* Compares the stream cut at @cuts with the whole-text parser. */
static void
assert_cut_same (const char  *data,
                 gsize        size,
                 gboolean     check_text,
                 const gsize *cuts)
{
  g_autoptr(DailiesIdParseResult) whole = NULL;
  g_autoptr(DailiesIdParseResult) cut = NULL;
  g_autoptr(GError) whole_error = NULL;
  g_autoptr(GError) cut_error = NULL;

  if (check_text)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);

      whole = dailies_id_parser_parse_bytes (bytes, &whole_error);
    }
  else
    whole = dailies_id_parser_parse_text (data, size);

  cut = parse_cut (data, size, check_text, cuts, &cut_error);

  if (whole == NULL)
    {
      g_assert_null (cut);
      g_assert_nonnull (cut_error);
      g_assert_true (g_error_matches (cut_error, whole_error->domain, whole_error->code));
      return;
    }

  g_assert_no_error (cut_error);
  assert_same_result (whole, cut);
}

/* Every fixture, in pieces of many sizes: the same IDs, rejected lines
 * and counts as the whole file at once. */
static void
test_stream_fixtures (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const gsize sizes[] = { 1, 2, 3, 5, 7, 13, 64, 1000 };
  const char *name;
  guint n_files = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);
      gsize size;
      const char *data = g_bytes_get_data (bytes, &size);

      for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          g_autoptr(GArray) cuts = g_array_new (TRUE, TRUE, sizeof (gsize));

          for (gsize at = sizes[s]; at < size; at += sizes[s])
            g_array_append_val (cuts, at);

          assert_cut_same (data, size, TRUE, (const gsize *) cuts->data);
          assert_cut_same (data, size, FALSE, (const gsize *) cuts->data);
        }
      n_files++;
    }

  g_assert_cmpuint (n_files, >=, 20);
}

/* Small inputs of every kind, cut once at every offset and twice at
 * every pair of offsets: chunks may end anywhere, even inside a
 * character, a CRLF or a JSON string. */
static void
test_stream_every_offset (void)
{
  const char *texts[] = {
    "\xEF\xBB\xBF" ID_SUCCESS "\r\n" ID_FAILURE "\r\nbogus \xC3\xA9t\xC3\xA9\r\n\r\n" ID_QUEUED "\rold mac line\r",
    "task_id,status\n" ID_SUCCESS ",queued\n\"" ID_FAILURE "\",failed\nnot one,\xF0\x9F\x98\x80\n",
    "[\n  {\"task_id\": \"" ID_SUCCESS "\", \"data\": {\"id\": \"" ID_CGT "\"}},\n  \"" ID_FAILURE "\",\n  42, null,\n  \"asyntask_short\"\n]\n",
    "{\"code\":\"success\",\"data\":[\"" ID_ULTRA "\",{\"id\":\"x\"}]}",
    "{\"task_id\":\"" ID_SUCCESS "\"}\n{\"code\":\"error\",\"message\":\"quota\"}\n[\"" ID_QUEUED "\"]\n",
    "[\n  \"" ID_SUCCESS "\",\n  \"" ID_FAILURE "\",\n  \"asyn",
    "  \n\t[\"" ID_SUCCESS "\", \"a \\\"quoted\\\" ]\"]  \n",
    "https://example.com/v1/tasks/" ID_SUCCESS "?x=1 ; " ID_CGT " , x" ID_QUEUED,
    "with a NUL\n\0" ID_SUCCESS "\n",
    /* Flat objects of plain strings are read without JsonParser when
     * streamed: the same as JsonParser's reading of the whole, also for
     * a name given twice, "{}", escapes (left to it) and non-ASCII. */
    "[{\"status\": \"SUCCESS\"}, {\"task_id\": \"bad id\", \"note\": \"see " ID_QUEUED "\"},\n"
    " {\"a\": \"1\", \"a\": \"" ID_FAILURE "\"}, {}, {\"task_id\": \" " ID_SUCCESS " \", \"m\": \"d\\u00e9\"},\n"
    " \"plain\", {\"k\": \"\xC3\xA9 " ID_CGT "\"}, {\"x\":\"y\" , \"task_id\" :\"" ID_ULTRA "\"}]",
  };
  const gsize text_sizes[] = { 0, 0, 0, 0, 0, 0, 0, 0, sizeof "with a NUL\n\0" ID_SUCCESS "\n" - 1, 0 };

  for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
    {
      gsize size = text_sizes[t] != 0 ? text_sizes[t] : strlen (texts[t]);

      for (gsize i = 1; i < size; i++)
        {
          gsize one[] = { i, 0 };

          assert_cut_same (texts[t], size, TRUE, one);
          assert_cut_same (texts[t], size, FALSE, one);

          for (gsize j = i + 1; j < size && size <= 200; j += 3)
            {
              gsize two[] = { i, j, 0 };

              assert_cut_same (texts[t], size, TRUE, two);
            }
        }
    }

  /* UTF-16 with a byte order mark, cut inside its characters. */
  {
    g_autofree char *utf16 = NULL;
    g_autoptr(GString) with_bom = g_string_new ("\xFF\xFE");
    gsize size = 0;

    utf16 = g_convert (ID_SUCCESS "\r\nnot an ID \xC3\xA9\r\n" ID_FAILURE "\r\n", -1, "UTF-16LE", "UTF-8", NULL, &size, NULL);
    g_assert_nonnull (utf16);
    g_string_append_len (with_bom, utf16, size);

    for (gsize i = 1; i < with_bom->len; i++)
      {
        gsize one[] = { i, 0 };

        assert_cut_same (with_bom->str, with_bom->len, TRUE, one);
      }
  }
}

/* A document bigger than what is parsed whole is opened up element by
 * element, an object's task_id still standing for the whole object. */
static void
test_stream_big_document (void)
{
  g_autoptr(GString) text = g_string_new ("{\"code\": \"success\", \"data\": [\n");
  g_autoptr(DailiesIdParseResult) whole = NULL;
  g_autoptr(DailiesIdParseResult) cut = NULL;
  g_autoptr(GArray) cuts = g_array_new (TRUE, TRUE, sizeof (gsize));
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;

  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (text, "  {\"task_id\": \"asyntask_Big%05uAbCdEfGhIjKl\", \"data\": {\"id\": \"cgt-20260427191505-x%04u\"}},\n",
                            i, i);
  g_string_append (text, "  \"asyntask_short\", [\"no id here\"]\n]}\n");
  g_assert_cmpuint (text->len, >, 200 * 1024);

  whole = dailies_id_parser_parse_text (text->str, text->len);
  g_assert_cmpuint (whole->ids->len, ==, 3000);
  first = g_strdup_printf ("asyntask_Big%05uAbCdEfGhIjKl", 0);
  last = g_strdup_printf ("asyntask_Big%05uAbCdEfGhIjKl", 2999);
  g_assert_cmpstr (g_ptr_array_index (whole->ids, 0), ==, first);
  g_assert_cmpstr (g_ptr_array_index (whole->ids, 2999), ==, last);
  /* No upstream cgt- ID: each object is its task_id alone. */
  for (guint i = 0; i < whole->ids->len; i++)
    g_assert_true (g_str_has_prefix (g_ptr_array_index (whole->ids, i), "asyntask_Big"));
  assert_rejected (whole, "asyntask_short", "no id here", NULL);

  for (gsize at = 4093; at < text->len; at += 4093)
    g_array_append_val (cuts, at);
  cut = parse_cut (text->str, text->len, TRUE, (const gsize *) cuts->data, NULL);
  assert_same_result (whole, cut);
}

/* Past a document's first 512 bytes, a plain child (a string, or a flat
 * object of strings) whole in the text at hand is read in place rather
 * than a byte at a time: the same IDs, rejected children, repeats and
 * verdict on the document as when every byte comes on its own (when no
 * child is ever whole in hand), for tricky children and broken
 * documents alike, and inside an element big enough to be opened up. */
static void
test_stream_in_place (void)
{
  g_autoptr(GString) pad = g_string_new ("padding " ID_SUCCESS);
  g_autoptr(GString) no_id = g_string_new ("padding");
  g_autoptr(GString) big = g_string_new ("{\"code\": \"success\", \"data\": [\n");
  const char *children =
    "{\"status\": \"SUCCESS\"}, {\"task_id\": \"bad id\", \"note\": \"see " ID_QUEUED "\"},\n"
    " {\"a\": \"1\", \"a\": \"" ID_FAILURE "\"}, {}, {\"task_id\": \" " ID_ULTRA " \", \"m\": \"d\\u00e9\"},\n"
    " \"plain\", {\"k\": \"\xC3\xA9 " ID_CGT "\"}, {\"x\":\"y\" , \"task_id\" :\"" ID_ULTRA "\"},\n"
    " \"asyntask_short\", 42, null, true, [\"" ID_QUEUED "\", {\"task_id\": \"" ID_FAILURE "\"}],\n"
    " {\"task_id\": \"" ID_SUCCESS "\", \"task_id\": \"nope\"}, {\"n\": {\"task_id\": \"" ID_CGT "\"}},\n"
    "\t\"a \\\"quoted\\\" ] }\", {\"task_id\":\"asyntask_AbCdEfGhIjKlMnOpQrStUv\"}\r\n";
  const char *documents[] = {
    "[\"PAD\", KIDS]",
    "[\"PAD\", KIDS]  \n",
    "{\"pad\": \"PAD\", \"list\": [KIDS], \"task_id\": \"" ID_SUCCESS "\", \"b\": \"" ID_QUEUED "\"}",
    "{\"pad\": \"PAD\", \"task_id\": \"nope\", \"list\": [KIDS], \"b\": \"" ID_QUEUED "\", \"c\": \"x\"}",
    /* Not JSON: read as lines. */
    "[\"PAD\", KIDS,]",
    "[\"PAD\", KIDS, , \"" ID_QUEUED "\"]",
    "[\"PAD\", KIDS}",
    "[\"PAD\", KIDS",
    "[\"PAD\", KIDS] \"" ID_QUEUED "\"",
    "[\"PAD\", KIDS, 4\"" ID_QUEUED "\", \"y\"]",
    /* No ID at all: an object document is skipped whole, shown by its
     * first bytes, which reading in place must not have passed over. */
    "{\"a\": \"x\",\n \"b\": \"y\", \"pad\": \"NOID\", \"c\": \"z\"}",
    "{\"pad\": \"PAD\", \"list\": [KIDS], \"b\" \"" ID_QUEUED "\"}",
    "{\"pad\": \"PAD\", \"list\": [KIDS], \"b\": \"" ID_QUEUED "\",}",
  };

  while (pad->len < 700)
    g_string_append (pad, " more padding");
  while (no_id->len < 700)
    g_string_append (no_id, " no ID here");

  for (guint d = 0; d < G_N_ELEMENTS (documents); d++)
    {
      g_autoptr(GString) document = g_string_new (documents[d]);
      const char *text = document->str;
      gsize size;

      g_string_replace (document, "PAD", pad->str, 1);
      g_string_replace (document, "KIDS", children, 1);
      g_string_replace (document, "NOID", no_id->str, 1);
      text = document->str;
      size = document->len;
      g_autoptr(GArray) bytes = g_array_new (TRUE, TRUE, sizeof (gsize));

      for (gsize at = 1; at < size; at++)
        g_array_append_val (bytes, at);

      /* The whole text at once against a byte at a time… */
      assert_cut_same (text, size, TRUE, (const gsize *) bytes->data);
      assert_cut_same (text, size, FALSE, (const gsize *) bytes->data);
      /* …and against the text cut once, anywhere past the padding. */
      for (gsize at = pad->len; at < size; at++)
        {
          gsize one[] = { at, 0 };

          assert_cut_same (text, size, TRUE, one);
        }
    }

  /* Deeper than JsonParser goes, its children whole in hand: not JSON. */
  {
    g_autoptr(GString) deep = g_string_new ("[\"");
    g_autoptr(GArray) bytes = g_array_new (TRUE, TRUE, sizeof (gsize));

    /* Its first line not JSON by itself, so that the rest comes in
     * pieces rather than held until the end. */
    g_string_append_printf (deep, "%s\",\n", pad->str);
    for (guint i = 0; i < 63; i++)
      g_string_append_c (deep, '[');
    g_string_append_c (deep, '"');
    for (guint i = 0; i < 70 * 1024; i++)
      g_string_append_c (deep, 'z');
    g_string_append (deep, "\", {\"task_id\": \"asyntask_DeepAbCdEfGhIjKl\"}");
    for (guint i = 0; i < 64; i++)
      g_string_append_c (deep, ']');
    for (gsize at = 1; at < deep->len; at++)
      g_array_append_val (bytes, at);
    assert_cut_same (deep->str, deep->len, TRUE, (const gsize *) bytes->data);
  }

  /* A child bigger than what is parsed whole is opened up, never read in
   * place: how it is shown when skipped says which. */
  {
    g_autoptr(GString) wide = g_string_new ("[\"");
    g_autoptr(DailiesIdParseResult) whole = NULL;
    g_autoptr(GArray) bytes = g_array_new (TRUE, TRUE, sizeof (gsize));

    g_string_append_printf (wide, "%s\", {\"note\": \"", pad->str);
    for (guint i = 0; i < 70 * 1024; i++)
      g_string_append_c (wide, 'z');
    g_string_append (wide, "\", \"n\": 5}]");
    whole = dailies_id_parser_parse_text (wide->str, wide->len);
    g_assert_cmpuint (whole->rejected->len, ==, 1);
    g_assert_true (g_str_has_prefix (g_ptr_array_index (whole->rejected, 0), "{\"note\": \"zzz"));
    for (gsize at = 4096; at < wide->len; at += 4096)
      g_array_append_val (bytes, at);
    assert_cut_same (wide->str, wide->len, TRUE, (const gsize *) bytes->data);
  }

  /* An element bigger than what is parsed whole, opened up: its own
   * children read in place too. */
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (big, "  {\"task_id\": \"asyntask_Big%05uAbCdEfGhIjKl\", \"status\": \"SUCCESS\", \"n\": %u, \"p\": null}, \"x%u\",\n",
                            i, i, i % 7);
  g_string_append_printf (big, "  %s\n]}\n", children);
  g_assert_cmpuint (big->len, >, 64 * 1024);
  {
    g_autoptr(GArray) bytes = g_array_new (TRUE, TRUE, sizeof (gsize));
    g_autoptr(DailiesIdParseResult) whole = dailies_id_parser_parse_text (big->str, big->len);

    for (gsize at = 1; at < big->len; at++)
      g_array_append_val (bytes, at);
    assert_cut_same (big->str, big->len, TRUE, (const gsize *) bytes->data);
    g_assert_cmpuint (whole->ids->len, >, 2000);
    g_assert_cmpuint (whole->n_rejected, >=, 2000);
  }
}

/* Objects with numbers, null, true or false beside a task_id, as
 * Dailies' own JSON export writes them (a re-import of 100,000 took 1.6 s
 * to parse when each went through JsonParser): read in place, they give
 * what JsonParser gives for the same document on one line, tricky
 * literals included. */
static void
test_json_export_shapes (void)
{
  const char *children[] = {
    "{\"task_id\": \"" ID_SUCCESS "\", \"status\": \"SUCCESS\", \"fail_reason\": null, \"duration_seconds\": 5, "
      "\"tokens\": 108900, \"ok\": true, \"bad\": false, \"neg\": -3, \"zero\": 0}",
    "{\"task_id\": \"bad id\", \"n\": 5}",
    "{\"n\": 5, \"note\": \"see " ID_QUEUED "\"}",
    "{\"n\": null}",
    "{\"task_id\": 7, \"m\": \"x\"}",
    "{\"task_id\": \"" ID_FAILURE "\", \"big\": 123456789012345678901234}",
    "{\"task_id\": \"" ID_ULTRA "\", \"x\": 1.5, \"y\": 1e3, \"z\": -0}",
    "{\"task_id\":\"" ID_CGT "\",\"a\":null,\"b\":true,\"c\":-15}",
    "{\"task_id\": \"" ID_SUCCESS "\", \"again\": 1}",
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrStUv\", \"n\": 007}",
    /* JsonParser keeps the last of a name given twice. */
    "{\"a\": \"asyntask_AbCdEfGhIjKlMnOpQrStUz\", \"a\": \"y\"}",
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrSt00\", \"task_id\": \"bad\"}",
    /* A path in a translated Videos folder. */
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrSt01\", \"local_path\": \"Vid\xC3\xA9os/x.mp4\"}",
    "{\"note\": \"Vid\xC3\xA9os \xE8\xA7\x86\xE9\xA2\x91\", \"n\": 2}",
    /* Not JSON from here on. */
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrStUw\", \"t\": truex}",
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrStUx\", \"t\": nul}",
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrStUy\", \"m\": -}",
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrSt02\", \"t\": nulx}",
    "{\"task_id\": \"asyntask_AbCdEfGhIjKlMnOpQrSt03\", \"bad\": \"\xC3(\"}",
  };
  const guint n_json = 14;
  g_autoptr(GString) pad = g_string_new ("\"padding");

  while (pad->len < 600)
    g_string_append (pad, " more padding");
  g_string_append_c (pad, '"');

  /* Each child alone after the padding, then the first n_json together
   * (the others are not JSON: such a document is read as lines). */
  for (guint c = 0; c <= G_N_ELEMENTS (children); c++)
    {
      guint first = c < G_N_ELEMENTS (children) ? c : 0;
      guint last = c < G_N_ELEMENTS (children) ? c : n_json - 1;
      gboolean is_json = last < n_json;
      g_autoptr(GString) one_line = g_string_new ("[");
      g_autoptr(GString) pretty = g_string_new ("[\n  ");
      g_autoptr(GArray) bytes = g_array_new (TRUE, TRUE, sizeof (gsize));

      g_string_append (one_line, pad->str);
      g_string_append (pretty, pad->str);
      for (guint i = first; i <= last; i++)
        {
          g_string_append_printf (one_line, ", %s", children[i]);
          g_string_append_printf (pretty, ",\n  %s", children[i]);
        }
      g_string_append (one_line, "]\n");
      g_string_append (pretty, "\n]\n");
      g_assert_cmpuint (one_line->len, <, 64 * 1024);

      /* One line of JSON is JsonParser's to read whole. */
      if (is_json)
        {
          g_autoptr(DailiesIdParseResult) reference = dailies_id_parser_parse_text (one_line->str, one_line->len);
          g_autoptr(DailiesIdParseResult) in_place = dailies_id_parser_parse_text (pretty->str, pretty->len);

          assert_same_result (reference, in_place);
          if (c == G_N_ELEMENTS (children))
            {
              assert_ids (in_place, ID_SUCCESS, ID_QUEUED, ID_FAILURE, ID_ULTRA, ID_CGT,
                          "asyntask_AbCdEfGhIjKlMnOpQrStUv", "asyntask_AbCdEfGhIjKlMnOpQrSt01", NULL);
              g_assert_cmpuint (in_place->n_duplicates, ==, 1);
            }
        }

      /* Not JSON: the padding is a line skipped, quotes and all. */
      else
        {
          g_autoptr(DailiesIdParseResult) as_lines = dailies_id_parser_parse_text (pretty->str, pretty->len);

          g_assert_cmpuint (as_lines->rejected->len, >, 0);
          g_assert_true (g_str_has_prefix (g_ptr_array_index (as_lines->rejected, 0), "\"padding"));
        }

      for (gsize at = 1; at < pretty->len; at++)
        g_array_append_val (bytes, at);
      assert_cut_same (pretty->str, pretty->len, TRUE, (const gsize *) bytes->data);
    }
}

/* A list that stops being text part way through a chunk (a log with a
 * core dump at its end) still hands over the IDs of its whole lines before
 * that point, as lines and as a JSON document read so far; the line the
 * binary cuts, and anything after, are not taken. */
static void
test_stream_stops_at_binary (void)
{
  const char lines[] = ID_SUCCESS "\n" ID_FAILURE "\n" ID_QUEUED "\x80\x01\n" ID_ULTRA "\n";
  const char document[] = "[\n  {\"task_id\": \"" ID_SUCCESS "\"},\n  {\"task_id\": \"" ID_FAILURE "\"},\n"
                          "  {\"task_id\": \"" ID_QUEUED "\"\0}\n]\n";
  const char mac_document[] = "[\r  {\"task_id\": \"" ID_SUCCESS "\"},\r  {\"task_id\": \"" ID_FAILURE "\"},\r"
                              "  {\"task_id\": \"" ID_QUEUED "\"\0}\r]\r";
  /* Old Mac line ends: a lone \r ends a line as \n does. */
  const char mac_lines[] = ID_SUCCESS "\r" ID_FAILURE "\r" ID_QUEUED "\x80\x01\r" ID_ULTRA "\r";
  const char utf16[] = "\xff\xfe" "a\0\n\0" "b\0\0\0\n\0";
  struct { const char *data; gsize size; guint n_expected; } cases[] = {
    { lines, sizeof lines - 1, 2 },
    { mac_lines, sizeof mac_lines - 1, 2 },
    { document, sizeof document - 1, 2 },
    { mac_document, sizeof mac_document - 1, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
      g_autoptr(GPtrArray) ids = NULL;
      g_autoptr(GError) error = NULL;

      /* One chunk: the IDs and the bytes that are not text together. */
      g_assert_false (dailies_id_stream_feed (stream, cases[i].data, cases[i].size, &error));
      g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT);
      ids = dailies_id_stream_take_ids (stream);
      g_assert_nonnull (ids);
      g_assert_cmpuint (ids->len, ==, cases[i].n_expected);
      g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, ID_SUCCESS);
      g_assert_cmpstr (g_ptr_array_index (ids, 1), ==, ID_FAILURE);
      g_clear_error (&error);
      g_assert_false (dailies_id_stream_finish (stream, &error));
      g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT);
      g_assert_null (dailies_id_stream_take_ids (stream));
    }

  /* UTF-16 that decodes to a NUL: no whole line with an ID, none taken,
   * and no crash on the way; then the same after a whole line with one. */
  {
    g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
    g_autoptr(GError) error = NULL;

    g_assert_false (dailies_id_stream_feed (stream, utf16, sizeof utf16 - 1, &error));
    g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT);
    g_assert_null (dailies_id_stream_take_ids (stream));
  }
  {
    g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
    g_autoptr(GByteArray) encoded = g_byte_array_new ();
    g_autoptr(GPtrArray) ids = NULL;
    g_autoptr(GError) error = NULL;
    const char *text = ID_SUCCESS "\n" ID_FAILURE;

    g_byte_array_append (encoded, (const guint8 *) "\xff\xfe", 2);
    for (const char *c = text; *c != '\0'; c++)
      g_byte_array_append (encoded, (const guint8[]) { (guint8) *c, 0 }, 2);
    /* A NUL on the line of the second ID. */
    g_byte_array_append (encoded, (const guint8 *) "\0\0\n\0", 4);

    g_assert_false (dailies_id_stream_feed (stream, (const char *) encoded->data, encoded->len, &error));
    g_assert_error (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_NOT_TEXT);
    ids = dailies_id_stream_take_ids (stream);
    g_assert_nonnull (ids);
    g_assert_cmpuint (ids->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, ID_SUCCESS);
  }
}

/* A JSON array of task objects, one a line, is handed over as it comes,
 * not once it has been read to its end; cut off half way, or with an
 * object whose line holds a second ID, it still ends as the whole text
 * read at once. */
static void
test_stream_json_as_it_comes (void)
{
  g_autoptr(GString) text = g_string_new ("[\n");
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
  g_autoptr(GPtrArray) early = NULL;
  g_autoptr(GPtrArray) rest = NULL;
  g_autoptr(GError) error = NULL;
  gsize half;
  const gsize cuts[] = { 1000, 20000, 31000, 0 };

  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (text, "  {\"task_id\": \"asyntask_Flow%05uAbCdEfGh\", \"status\": \"SUCCESS\"},\n", i);
  g_string_append (text, "  {\"task_id\": \"asyntask_FlowLastAbCdEfGh\"}\n]\n");

  half = text->len / 2;
  g_assert_true (dailies_id_stream_feed (stream, text->str, half, &error));
  early = dailies_id_stream_take_ids (stream);
  g_assert_nonnull (early);
  g_assert_cmpuint (early->len, >, 400);
  for (guint i = 0; i < early->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("asyntask_Flow%05uAbCdEfGh", i);

      g_assert_cmpstr (g_ptr_array_index (early, i), ==, expected);
    }

  g_assert_true (dailies_id_stream_feed (stream, text->str + half, text->len - half, &error));
  g_assert_true (dailies_id_stream_finish (stream, &error));
  rest = dailies_id_stream_take_ids (stream);
  g_assert_nonnull (rest);
  g_assert_cmpuint (early->len + rest->len, ==, 1001);
  g_assert_cmpstr (g_ptr_array_index (rest, rest->len - 1), ==, "asyntask_FlowLastAbCdEfGh");

  /* Each handed over once, and a repeat later in the document is one. */
  assert_cut_same (text->str, text->len, TRUE, cuts);
  g_string_truncate (text, text->len - 3);
  g_string_append (text, ",\n  {\"task_id\": \"asyntask_Flow00007AbCdEfGh\"}\n]\n");
  assert_cut_same (text->str, text->len, TRUE, cuts);

  /* Not JSON after all: cut off, then text. */
  g_string_truncate (text, half);
  g_string_append (text, "\nasyntask_FlowAfterAbCdEfGh and then asyntask_FlowAfter2AbCdEfGh\n");
  assert_cut_same (text->str, text->len, TRUE, cuts);

  /* The readings part ways half way: an upstream ID beside a task's. */
  g_string_truncate (text, half);
  g_string_append (text, "\n  {\"task_id\": \"asyntask_FlowNestAbCdEfGh\", \"data\": {\"id\": \"cgt-20260427191505-x0001\"}},\n"
                         "  {\"task_id\": \"asyntask_FlowTailAbCdEfGh\"}\n]\n");
  assert_cut_same (text->str, text->len, TRUE, cuts);
}

static long
read_status_kb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, field)) == NULL)
    return -1;

  return strtol (line + strlen (field), NULL, 10);
}

typedef void (*MakeChunk) (GString *chunk,
                           guint    i);

static void
make_json_chunk (GString *chunk,
                 guint    i)
{
  if (i == 0)
    g_string_append (chunk, "{\"code\": \"success\", \"data\": [\n");
  g_string_append_printf (chunk, "  {\"task_id\": \"asyntask_Mem%04uAbCdEfGhIjKlMn\", \"status\": \"QUEUED\", \"progress\": \"%u%%\"},\n",
                          i % 1000, i % 100);
}

/* Every ID a new one: what each costs while a document is read. */
static void
make_json_distinct_chunk (GString *chunk,
                          guint    i)
{
  if (i == 0)
    g_string_append (chunk, "{\"code\": \"success\", \"data\": [\n");
  g_string_append_printf (chunk, "  {\"task_id\": \"asyntask_Mem%08uAbCdEfGhIjKlMnOp\", \"status\": \"QUEUED\"},\n", i);
}

static void
make_csv_chunk (GString *chunk,
                guint    i)
{
  if (i == 0)
    g_string_append (chunk, "task_id,status,submitted\n");
  g_string_append_printf (chunk, "asyntask_Mem%04uAbCdEfGhIjKlMn,QUEUED,2026-04-27T19:15:%02u\n", i % 1000, i % 60);
}

/* @total bytes made a chunk at a time (never held whole) and streamed:
 * the peak grows by far less than the input. */
static void
assert_bounded (MakeChunk   make,
                const char *end,
                gsize       total)
{
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
  g_autoptr(DailiesIdParseResult) result = NULL;
  g_autoptr(GString) chunk = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  long start_kb = read_status_kb ("VmHWM:");
  gsize fed = 0;
  guint i = 0;
  long peak;

  while (fed < total)
    {
      g_string_truncate (chunk, 0);
      while (chunk->len < 60000)
        make (chunk, i++);
      g_assert_true (dailies_id_stream_feed (stream, chunk->str, chunk->len, &error));
      fed += chunk->len;
    }
  g_assert_true (dailies_id_stream_feed (stream, end, strlen (end), &error));
  g_assert_true (dailies_id_stream_finish (stream, &error));
  g_assert_no_error (error);
  result = dailies_id_stream_steal_result (stream);
  peak = read_status_kb ("VmHWM:");

  g_test_message ("%" G_GSIZE_FORMAT " MiB streamed in %.2f s: peak %ld KiB",
                  fed / (1024 * 1024), g_timer_elapsed (timer, NULL), peak);
  if (make == make_json_distinct_chunk)
    {
      /* Each ID is kept once in the result and once to find repeats,
       * and read two ways while the document is not yet known to be JSON:
       * about 160 bytes an ID at the peak. Every reading keeping copies of
       * its own made it 290. */
      g_test_message ("%u IDs: %.0f bytes an ID", i, (peak - start_kb) * 1024.0 / i);
      g_assert_cmpuint (result->ids->len, ==, i);
      g_assert_cmpint ((peak - start_kb) * 1024, <, (long) i * 220);
      return;
    }
  g_assert_cmpuint (result->ids->len, ==, 1000);
  g_assert_cmpuint (result->n_duplicates, ==, i - 1000);
  g_assert_cmpuint (result->n_rejected, ==, 0);
  /* The whole process, in a quarter of the input: json-glib's tree of
   * it alone took ten times the input. */
  g_assert_cmpint (peak * 1024, <, (long) (total / 4));
}

/* In a process of its own, whose peak is the stream's. */
static void
test_stream_bounded_memory_child (void)
{
  const gsize total = 48 * 1024 * 1024;

  if (!g_test_subprocess ())
    {
      g_test_skip ("run by /dailies/id-parser/stream-bounded-memory");
      return;
    }

  if (g_str_has_suffix (g_test_get_path (), "json-distinct"))
    assert_bounded (make_json_distinct_chunk, "  null\n]}\n", total);
  else if (g_str_has_suffix (g_test_get_path (), "json"))
    assert_bounded (make_json_chunk, "  null\n]}\n", total);
  else
    assert_bounded (make_csv_chunk, "", total);
}

static void
test_stream_bounded_memory (void)
{
#ifdef __SANITIZE_ADDRESS__
  /* AddressSanitizer's shadow memory and quarantine are what the peak
   * would measure: the plain build holds this promise. */
  g_test_skip ("the peak means nothing under AddressSanitizer");
  return;
#endif
  g_test_trap_subprocess ("/dailies/id-parser/stream-bounded-memory/json", 0,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_subprocess ("/dailies/id-parser/stream-bounded-memory/csv", 0,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_subprocess ("/dailies/id-parser/stream-bounded-memory/json-distinct", 0,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/id-parser/valid-ids", test_valid_ids);
  g_test_add_func ("/dailies/id-parser/hostile-ids", test_hostile_ids);
  g_test_add_func ("/dailies/id-parser/lines", test_lines);
  g_test_add_func ("/dailies/id-parser/comment-ids", test_comment_ids);
  g_test_add_func ("/dailies/id-parser/trailing-comment-ids", test_trailing_comment_ids);
  g_test_add_func ("/dailies/id-parser/secrets-masked", test_secrets_masked);
  g_test_add_func ("/dailies/id-parser/separators", test_separators);
  g_test_add_func ("/dailies/id-parser/ids-in-words", test_ids_in_words);
  g_test_add_func ("/dailies/id-parser/mixed-line", test_mixed_line);
  g_test_add_func ("/dailies/id-parser/csv", test_csv);
  g_test_add_func ("/dailies/id-parser/headers", test_headers);
  g_test_add_func ("/dailies/id-parser/json-list", test_json_list);
  g_test_add_func ("/dailies/id-parser/json-objects", test_json_objects);
  g_test_add_func ("/dailies/id-parser/json-creation", test_json_creation);
  g_test_add_func ("/dailies/id-parser/json-lines", test_json_lines);
  g_test_add_func ("/dailies/id-parser/json-broken", test_json_broken);
  g_test_add_func ("/dailies/id-parser/urls", test_urls);
  g_test_add_func ("/dailies/id-parser/crlf-bom", test_crlf_bom);
  g_test_add_func ("/dailies/id-parser/utf16", test_utf16);
  g_test_add_func ("/dailies/id-parser/utf16-odd-length", test_utf16_odd_length);
  g_test_add_func ("/dailies/id-parser/not-text", test_not_text);
  g_test_add_func ("/dailies/id-parser/stream-stops-at-binary", test_stream_stops_at_binary);
  g_test_add_func ("/dailies/id-parser/too-large", test_too_large);
  g_test_add_func ("/dailies/id-parser/empty", test_empty);
  g_test_add_func ("/dailies/id-parser/rejected-limits", test_rejected_limits);
  g_test_add_func ("/dailies/id-parser/huge", test_huge);
  g_test_add_func ("/dailies/id-parser/check-file-info", test_check_file_info);
  g_test_add_func ("/dailies/id-parser/stream-fixtures", test_stream_fixtures);
  g_test_add_func ("/dailies/id-parser/stream-every-offset", test_stream_every_offset);
  g_test_add_func ("/dailies/id-parser/stream-in-place", test_stream_in_place);
  g_test_add_func ("/dailies/id-parser/json-export-shapes", test_json_export_shapes);
  g_test_add_func ("/dailies/id-parser/stream-big-document", test_stream_big_document);
  g_test_add_func ("/dailies/id-parser/stream-json-as-it-comes", test_stream_json_as_it_comes);
  g_test_add_func ("/dailies/id-parser/stream-bounded-memory", test_stream_bounded_memory);
  g_test_add_func ("/dailies/id-parser/stream-bounded-memory/json", test_stream_bounded_memory_child);
  g_test_add_func ("/dailies/id-parser/stream-bounded-memory/csv", test_stream_bounded_memory_child);
  g_test_add_func ("/dailies/id-parser/stream-bounded-memory/json-distinct", test_stream_bounded_memory_child);

  return g_test_run ();
}
