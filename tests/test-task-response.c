/* test-task-response.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-task.h"
#include "dailies-task-response.h"
#include "dailies-test-utils.h"
#include "dailies-utf8.h"

static DailiesTaskResponse *
parse_string (const char  *body,
              GError     **error)
{
  return dailies_task_response_parse (body, strlen (body), error);
}

static DailiesTaskResponse *
parse_fixture (const char  *name,
               GError     **error)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return dailies_task_response_parse (data, size, error);
}

static DailiesTaskResponse *
parse_fixture_ok (const char *name)
{
  g_autoptr(GError) error = NULL;
  DailiesTaskResponse *response = parse_fixture (name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_nonnull (response->warnings);

  return response;
}

static char *
fixture_error_message (const char *name)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return dailies_task_response_error_message (data, size);
}

/* A task body around one "data" member text, for table tests. */
static char *
task_body (const char *status,
           const char *extra)
{
  return g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{"
                          "\"task_id\":\"asyntask_TabL3T3stAbCdEfGhIjKlMnOpQrStUv\","
                          "\"status\":\"%s\"%s%s}}",
                          status, extra[0] != '\0' ? "," : "", extra);
}

static gboolean
has_warning (const DailiesTaskResponse *response,
             const char                *field)
{
  for (guint i = 0; i < response->warnings->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (response->warnings, i), field))
      return TRUE;

  return FALSE;
}

static void
test_success (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-success.json");
  const char *url = "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/video.mp4?X-Tos-Expires=86400&X-Tos-Signature=abc";

  g_assert_cmpstr (r->task_id, ==, "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E");
  g_assert_cmpstr (r->action, ==, "generate");
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (r->status_text, ==, "SUCCESS");
  g_assert_cmpint (r->progress, ==, 100);
  g_assert_cmpstr (r->result_url, ==, url);
  g_assert_null (r->original_result_url);
  /* The documented quirk: fail_reason repeats result_url on success. */
  g_assert_null (r->fail_reason);
  g_assert_cmpint (r->submit_time, ==, 1777288506);
  g_assert_cmpint (r->start_time, ==, 1777288508);
  g_assert_cmpint (r->finish_time, ==, 1777288800);
  g_assert_cmpstr (r->request_id, ==, "20260427111505260254000NBdvZFoP");

  g_assert_cmpstr (r->upstream_id, ==, "cgt-20260427191505-9j2q7");
  g_assert_cmpstr (r->upstream_status, ==, "succeeded");
  g_assert_cmpstr (r->model, ==, "doubao-seedance-2-0-260128");
  g_assert_cmpstr (r->video_url, ==, url);
  g_assert_cmpstr (r->ratio, ==, "16:9");
  g_assert_cmpstr (r->resolution, ==, "720p");
  g_assert_null (r->upstream_resolution);
  g_assert_cmpint (r->duration, ==, 5);
  g_assert_cmpint (r->fps, ==, 24);
  g_assert_cmpint (r->generate_audio, ==, 1);
  g_assert_cmpint (r->seed, ==, 4304);
  g_assert_cmpint (r->completion_tokens, ==, 108900);
  g_assert_cmpint (r->total_tokens, ==, 108900);
  g_assert_cmpint (r->billed_tokens, ==, 108900);
  g_assert_null (r->upstream_error_code);
  g_assert_cmpuint (r->warnings->len, ==, 0);
  g_assert_true (dailies_task_status_is_terminal (r->status));
}

static void
test_success_ultra (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-success-ultra.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (r->result_url, ==, "https://media.example-cdn.com/sr/final-720p.mp4?Expires=1777375200&Signature=def");
  g_assert_cmpstr (r->original_result_url, ==,
                   "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/raw-480p.mp4?X-Tos-Signature=ghi");
  g_assert_null (r->fail_reason);
  /* What the user gets is the super resolution; the raw one is the lower render. */
  g_assert_cmpstr (r->resolution, ==, "720p");
  g_assert_cmpstr (r->upstream_resolution, ==, "480p");
  g_assert_cmpstr (r->video_url, ==, r->original_result_url);
  g_assert_cmpint (r->total_tokens, ==, 108900);
  g_assert_cmpint (r->completion_tokens, ==, 108900);
  g_assert_cmpint (r->billed_tokens, ==, 245025);
  g_assert_cmpstr (r->upstream_id, ==, "cgt-20260427191505-u1tra");
  g_assert_cmpstr (r->request_id, ==, "20260427111505260254000UltraSR");
  g_assert_cmpint (r->finish_time, ==, 1777288990);
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_other_model (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-other-model-success.json");
  const char *url = "https://dashscope-a717.oss-accelerate.aliyuncs.com/example/refiner.mp4?Expires=1777430361&Signature=jkl";

  g_assert_cmpstr (r->task_id, ==, "asyntask_jwgfhsG0m2aDjLmiiELRf74eoWmss6ya");
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpint (r->progress, ==, 100);
  g_assert_cmpstr (r->result_url, ==, url);
  g_assert_null (r->fail_reason);
  g_assert_cmpstr (r->video_url, ==, url);
  g_assert_cmpstr (r->upstream_id, ==, "e45a6a1b-6f05-43e5-ab06-ddfdc97587a7");
  g_assert_cmpstr (r->upstream_status, ==, "SUCCEEDED");
  g_assert_cmpstr (r->resolution, ==, "720p");
  g_assert_null (r->upstream_resolution);
  g_assert_cmpint (r->duration, ==, 5);
  g_assert_cmpstr (r->ratio, ==, "16:9");
  g_assert_null (r->model);
  g_assert_cmpint (r->fps, ==, -1);
  g_assert_cmpint (r->generate_audio, ==, -1);
  g_assert_cmpint (r->seed, ==, -1);
  g_assert_cmpint (r->total_tokens, ==, -1);
  g_assert_cmpint (r->billed_tokens, ==, -1);
  g_assert_cmpstr (r->request_id, ==, "20260428023742441081000FMrSbjcs");
  g_assert_cmpint (r->submit_time, ==, 1777343862);
  g_assert_cmpint (r->finish_time, ==, 1777343961);
  /* Unknown inner fields (orig_prompt, video_count, …) are not an error. */
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_failure (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-failure.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpstr (r->status_text, ==, "FAILURE");
  g_assert_cmpstr (r->fail_reason, ==, "The request failed because the input text may contain sensitive information.");
  g_assert_null (r->result_url);
  g_assert_null (r->video_url);
  g_assert_cmpstr (r->upstream_error_code, ==, "InputTextSensitiveContentDetected");
  g_assert_cmpstr (r->upstream_status, ==, "failed");
  g_assert_cmpint (r->progress, ==, 100);
  g_assert_cmpint (r->finish_time, ==, 1777288530);
  g_assert_cmpint (r->duration, ==, -1);
  g_assert_null (r->resolution);
  g_assert_true (dailies_task_status_is_terminal (r->status));
}

static void
test_in_progress (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-in-progress.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpstr (r->action, ==, "referenceGenerate");
  g_assert_cmpint (r->progress, ==, 50);
  g_assert_null (r->fail_reason);
  g_assert_null (r->result_url);
  g_assert_cmpint (r->start_time, ==, 1777288508);
  g_assert_cmpint (r->finish_time, ==, 0);
  g_assert_cmpstr (r->upstream_status, ==, "running");
  g_assert_cmpstr (r->request_id, ==, "20260427111505260254000Running");
  g_assert_false (dailies_task_status_is_terminal (r->status));
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_queued (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-queued.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_QUEUED);
  g_assert_cmpint (r->progress, ==, 0);
  /* start_time 0 means "not started". */
  g_assert_cmpint (r->start_time, ==, 0);
  g_assert_cmpint (r->submit_time, ==, 1777288506);
  g_assert_null (r->fail_reason);
  /* An empty inner object is fine and sets nothing. */
  g_assert_null (r->upstream_id);
  g_assert_null (r->resolution);
  g_assert_cmpint (r->duration, ==, -1);
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_not_start (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-not-start.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_NOT_START);
  g_assert_cmpstr (r->action, ==, "omniGenerate");
  g_assert_cmpint (r->progress, ==, -1);
  g_assert_cmpint (r->start_time, ==, 0);
  g_assert_null (r->upstream_id);
  g_assert_false (dailies_task_status_is_terminal (r->status));
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_error_bodies (void)
{
  g_autofree char *message_401 = fixture_error_message ("response-error-401.json");
  g_autofree char *message_404 = fixture_error_message ("response-error-404.json");
  g_autoptr(DailiesTaskResponse) r = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (message_401, ==, "Invalid API key provided.");
  g_assert_cmpstr (message_404, ==, "task not found");

  /* An error body given to the task parser is an API error, not a crash. */
  r = parse_fixture ("response-error-401.json", &error);
  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_API);
  g_assert_cmpstr (error->message, ==, "Invalid API key provided.");
}

static void
test_error_message_shapes (void)
{
  struct { const char *body; const char *message; } cases[] = {
    { "{\"error\":{\"message\":\"Invalid API key provided.\",\"type\":\"authentication_error\"}}", "Invalid API key provided." },
    { "{\"message\":\"rate limited\"}", "rate limited" },
    { "{\"msg\":\"too many requests\"}", "too many requests" },
    { "{\"error\":\"upstream timeout\"}", "upstream timeout" },
    { "{\"detail\":\"Not Found\"}", "Not Found" },
    { "{\"errors\":[{\"message\":\"first problem\"},{\"message\":\"second\"}]}", "first problem" },
    { "{\"error\":{\"code\":\"invalid_api_key\"}}", "invalid_api_key" },
    { "{\"code\":\"error\",\"message\":\"\"}", "error" },
    { "{\"code\":\"success\",\"message\":\"\"}", NULL },
    { "{\"error\":{\"message\":\"line one\\nline two\\ttabbed\"}}", "line one line two tabbed" },
    { "\"just a string\"", "just a string" },
    { "[{\"message\":\"in a list\"}]", "in a list" },
    { "Service Unavailable\r\n\r\nPlease retry later.\n", "Service Unavailable Please retry later." },
    { "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", "502 Bad Gateway" },
    { "<html><body><script>var x = '<b>';</script><h1>Forbidden</h1><p>Ask &amp; wait</p></body></html>", "Forbidden Ask & wait" },
    { "<html><body>", NULL },
    { "{\"unrelated\":true}", NULL },
    { "42", NULL },
    { "", NULL },
    { "   \n\t ", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *message = dailies_task_response_error_message (cases[i].body, strlen (cases[i].body));

      g_test_message ("case %u: %s", i, cases[i].body);
      g_assert_cmpstr (message, ==, cases[i].message);
    }

  g_assert_null (dailies_task_response_error_message (NULL, 0));
}

static void
test_error_message_garbage (void)
{
  g_autofree char *html = fixture_error_message ("response-html-502.html");
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autofree char *long_message = NULL;
  g_autofree char *deep_message = NULL;
  g_autofree char *binary_message = NULL;
  g_autofree char *big_message = NULL;
  g_autofree char *big = NULL;
  const char binary[] = "\x00\x01\xff\xfe\x80garbage\x00\x1b[31m";
  gsize big_size = 2 * 1024 * 1024;

  g_assert_cmpstr (html, ==, "502 Bad Gateway");

  /* Plain text is cut to one short line. */
  for (guint i = 0; i < 100; i++)
    g_string_append (long_text, "An overly long error line.\n");
  long_message = dailies_task_response_error_message (long_text->str, long_text->len);
  g_assert_nonnull (long_message);
  g_assert_null (strchr (long_message, '\n'));
  g_assert_cmpuint (g_utf8_strlen (long_message, -1), <=, 201);
  g_assert_true (g_str_has_prefix (long_message, "An overly long error line. An overly"));
  g_assert_true (g_str_has_suffix (long_message, "…"));

  /* json-glib recurses: nesting this deep must not reach it. */
  for (guint i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  deep_message = dailies_task_response_error_message (deep->str, deep->len);
  g_assert_nonnull (deep_message);

  binary_message = dailies_task_response_error_message (binary, sizeof binary - 1);
  g_assert_nonnull (binary_message);
  g_assert_true (g_utf8_validate (binary_message, -1, NULL));
  g_assert_nonnull (strstr (binary_message, "garbage"));

  big = g_malloc (big_size);
  memset (big, 'x', big_size);
  big_message = dailies_task_response_error_message (big, big_size);
  g_assert_nonnull (big_message);
  g_assert_cmpuint (g_utf8_strlen (big_message, -1), <=, 201);
}

static void
assert_parse_error (const char *body,
                    gsize       length,
                    int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) r = dailies_task_response_parse (body, length, &error);

  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

/* Found by fuzz-response: json-glib quotes the string it choked on in its
 * error, raw; a lone surrogate made the error message invalid UTF-8, which
 * the window would then show. The body is not NUL-terminated, as a
 * network body is not. */
static void
test_malformed_message_utf8 (void)
{
  const char text[] = "{\"fail_reason\":\"\\u2000 \\ud800\",\"b\":1}";
  g_autofree char *body = g_memdup2 (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) response = NULL;

  response = dailies_task_response_parse (body, sizeof text - 1, &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED);
  g_assert_null (response);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* Found by fuzz-response: json-glib 1.6 takes "\ud80`" (a \u escape
 * cut short, at a surrogate) and hands back bytes that are not UTF-8. Every
 * text of the task is made valid, as a label or the database wants it. */
static void
test_broken_escape_utf8 (void)
{
  const char text[] = "{\"code\":\"success\",\"data\":{\"task_id\":\"asyntask_24691356\","
                      "\"status\":\"Feration: \\u0004 \\ud80`0\",\"action\":\"gen\\ud83d`\","
                      "\"fail_reason\":\"bad \\udbff` reason\","
                      "\"data\":{\"model\":\"m\\ud800`\",\"video_url\":\"https://example.com/v\\ud800`.mp4\"}}}";
  g_autofree char *body = g_memdup2 (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, sizeof text - 1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_nonnull (response->status_text);
  g_assert_true (g_utf8_validate (response->status_text, -1, NULL));
  g_assert_true (response->action == NULL || g_utf8_validate (response->action, -1, NULL));
  g_assert_true (response->fail_reason == NULL || g_utf8_validate (response->fail_reason, -1, NULL));
  g_assert_true (response->model == NULL || g_utf8_validate (response->model, -1, NULL));
  g_assert_true (response->result_url == NULL || g_utf8_validate (response->result_url, -1, NULL));
}

/* The copies every text of an answer goes through: ASCII is found a word
 * at a time, and a byte past ASCII, a NUL or a broken sequence in any
 * place of a word (and in the tail after the last whole word) still sends
 * the text through the full check. Each copy is byte for byte what
 * g_utf8_make_valid() makes, with the length given and with -1. */
static void
assert_copy_as_glib (const char *text,
                     gssize      length)
{
  g_autofree char *copy = dailies_utf8_dup_valid (text, length);
  g_autofree char *expected = g_utf8_make_valid (text, length);

  g_assert_cmpstr (copy, ==, expected);
}

static void
test_utf8_copies (void)
{
  const char *valid[] = { "", "a", "abcdefgh", "abcdefghi", "caf\xc3\xa9", "abcdefg\xc3\xa9xyz", "\xe4\xbb\xbb\xe5\x8a\xa1" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      gboolean ascii = TRUE;

      for (const char *c = valid[i]; *c != '\0'; c++)
        ascii = ascii && (guchar) *c < 0x80;

      assert_copy_as_glib (valid[i], -1);
      assert_copy_as_glib (valid[i], strlen (valid[i]));
      g_assert_true (dailies_utf8_is_valid (valid[i], strlen (valid[i])));
      g_assert_cmpint (dailies_utf8_is_plain_ascii (valid[i], strlen (valid[i])), ==, ascii);
    }

  for (gsize at = 0; at < 17; at++)
    {
      const char *breaks[] = { "\x80", "\xc3", "\xff", "\xed\xa0\x80" /* a surrogate */ };
      char text[21];

      for (guint b = 0; b < G_N_ELEMENTS (breaks); b++)
        {
          memset (text, 'x', sizeof text - 1);
          text[sizeof text - 1] = '\0';
          memcpy (text + at, breaks[b], strlen (breaks[b]));

          g_assert_false (dailies_utf8_is_plain_ascii (text, sizeof text - 1));
          g_assert_false (dailies_utf8_is_valid (text, sizeof text - 1));
          assert_copy_as_glib (text, -1);
          assert_copy_as_glib (text, sizeof text - 1);
        }

      /* A NUL at @at, inside the length given: not valid, and copied
       * as GLib copies it. */
      memset (text, 'x', sizeof text - 1);
      text[sizeof text - 1] = '\0';
      text[at] = '\0';
      g_assert_false (dailies_utf8_is_plain_ascii (text, sizeof text - 1));
      g_assert_false (dailies_utf8_is_valid (text, sizeof text - 1));
      {
        g_autofree char *copy = dailies_utf8_dup_valid (text, sizeof text - 1);
        g_autofree char *expected = g_utf8_make_valid (text, sizeof text - 1);

        g_assert_cmpmem (copy, strlen (copy), expected, strlen (expected));
        g_assert_cmpuint (strlen (copy), >, at);
      }
    }
}

static void
test_malformed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) r = NULL;
  g_autoptr(GString) deep = g_string_new ("{\"data\":");
  const char bad_utf8[] = "{\"code\":\"success\",\"data\":{\"task_id\":\"asyntask_\xff\xfe\"}}";
  const char with_nul[] = "{\"code\":\"success\"\0,\"data\":{\"task_id\":\"asyntask_AbCdEfGh12345678\"}}";

  assert_parse_error ("", 0, DAILIES_RESPONSE_ERROR_EMPTY);
  assert_parse_error (NULL, 0, DAILIES_RESPONSE_ERROR_EMPTY);
  assert_parse_error (" \r\n\t", 4, DAILIES_RESPONSE_ERROR_EMPTY);
  assert_parse_error ("[]", 2, DAILIES_RESPONSE_ERROR_MALFORMED);
  assert_parse_error ("42", 2, DAILIES_RESPONSE_ERROR_MALFORMED);
  assert_parse_error ("\"task\"", 6, DAILIES_RESPONSE_ERROR_MALFORMED);
  assert_parse_error ("null", 4, DAILIES_RESPONSE_ERROR_MALFORMED);
  assert_parse_error (bad_utf8, sizeof bad_utf8 - 1, DAILIES_RESPONSE_ERROR_MALFORMED);
  assert_parse_error (with_nul, sizeof with_nul - 1, DAILIES_RESPONSE_ERROR_MALFORMED);

  /* Truncated: the message carries json-glib's reason. */
  r = parse_fixture ("response-truncated.json", &error);
  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "Parse error"));
  g_clear_error (&error);

  /* A proxy's HTML page. */
  r = parse_fixture ("response-html-502.html", &error);
  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "502 Bad Gateway"));
  g_assert_nonnull (strstr (error->message, "unexpected character"));
  g_clear_error (&error);

  /* Deep nesting would overflow json-glib's recursion. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_parse_error (deep->str, deep->len, DAILIES_RESPONSE_ERROR_MALFORMED);

  /* Each case is one whole sentence, not English words spliced into a
   * translated one. */
  r = dailies_task_response_parse (deep->str, deep->len, &error);
  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED);
  g_assert_cmpstr (error->message, ==, "The service sent JSON nested deeper than 64 levels");
  g_clear_error (&error);

  /* json-glib takes a lone comment as a document with no value. */
  r = dailies_task_response_parse ("/* nothing */", 13, &error);
  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED);
  g_assert_cmpstr (error->message, ==, "The service sent an answer with no JSON value in it");
  g_clear_error (&error);
}

static void
test_too_large (void)
{
  g_autoptr(GBytes) success = dailies_test_load_fixture ("response-success.json");
  g_autoptr(DailiesTaskResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gsize max = DAILIES_TASK_RESPONSE_MAX_BODY;
  gsize size;
  const char *data = g_bytes_get_data (success, &size);
  g_autofree char *body = g_malloc (2 * max);

  /* A valid answer padded to 2 MiB is refused before any parsing. */
  memcpy (body, data, size);
  memset (body + size, ' ', 2 * max - size);
  assert_parse_error (body, 2 * max, DAILIES_RESPONSE_ERROR_TOO_LARGE);
  assert_parse_error (body, max + 1, DAILIES_RESPONSE_ERROR_TOO_LARGE);

  /* The limit itself is still fine. */
  r = dailies_task_response_parse (body, max, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_SUCCESS);
}

static void
test_envelope (void)
{
  g_autoptr(DailiesTaskResponse) r = NULL;
  g_autoptr(GError) error = NULL;

  r = parse_fixture ("response-code-error.json", &error);
  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_API);
  g_assert_cmpstr (error->message, ==, "Insufficient quota for this request.");
  g_clear_error (&error);

  /* No message: the code is the best there is. */
  r = parse_string ("{\"code\":\"rate_limited\",\"message\":\"\"}", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_API);
  g_assert_cmpstr (error->message, ==, "rate_limited");
  g_clear_error (&error);

  r = parse_string ("{\"code\":500,\"data\":{\"task_id\":\"asyntask_AbCdEfGh12345678\"}}", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_API);
  g_clear_error (&error);

  r = parse_fixture ("response-data-null.json", &error);
  g_assert_null (r);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA);
  g_clear_error (&error);

  r = parse_fixture ("response-data-array.json", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA);
  g_clear_error (&error);

  r = parse_string ("{\"code\":\"success\",\"message\":\"\"}", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA);
  g_clear_error (&error);

  r = parse_string ("{\"code\":\"success\",\"data\":{\"status\":\"SUCCESS\"}}", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA);
  g_clear_error (&error);

  r = parse_string ("{\"code\":\"success\",\"data\":{\"task_id\":12345}}", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA);
  g_clear_error (&error);

  r = parse_string ("{\"code\":\"success\",\"data\":{\"task_id\":\"\"}}", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA);
  g_clear_error (&error);

  r = parse_string ("{}", &error);
  g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA);
  g_clear_error (&error);

  /* A missing code is tolerated when data is a task; so is "SUCCESS". */
  r = parse_string ("{\"data\":{\"task_id\":\"asyntask_AbCdEfGh12345678\",\"status\":\"QUEUED\"}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->task_id, ==, "asyntask_AbCdEfGh12345678");
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_QUEUED);
  g_clear_pointer (&r, dailies_task_response_free);

  r = parse_string ("{\"code\":\"SUCCESS\",\"data\":{\"task_id\":\"asyntask_AbCdEfGh12345678\"}}", &error);
  g_assert_no_error (error);
  /* No status at all: OTHER, with nothing to show. */
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_OTHER);
  g_assert_null (r->status_text);
  g_assert_cmpint (r->progress, ==, -1);
  g_assert_cmpint (r->submit_time, ==, 0);
  g_assert_null (r->action);
}

static void
test_wrong_types (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-wrong-types.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_null (r->action);
  g_assert_true (has_warning (r, "action:"));
  g_assert_null (r->result_url);
  g_assert_true (has_warning (r, "result_url:"));
  g_assert_cmpint (r->submit_time, ==, 0);
  g_assert_true (has_warning (r, "submit_time:"));
  /* Numeric strings and doubles are fine. */
  g_assert_cmpint (r->start_time, ==, 1777288508);
  g_assert_false (has_warning (r, "start_time:"));
  g_assert_cmpint (r->finish_time, ==, 1777288800);
  g_assert_cmpint (r->progress, ==, -1);
  g_assert_true (has_warning (r, "progress:"));
  g_assert_null (r->request_id);
  g_assert_true (has_warning (r, "request_id:"));

  g_assert_null (r->video_url);
  g_assert_true (has_warning (r, "data.data.content:"));
  g_assert_null (r->upstream_id);
  g_assert_true (has_warning (r, "data.data.id:"));
  g_assert_cmpstr (r->model, ==, "doubao-seedance-2-0-260128");
  g_assert_cmpint (r->duration, ==, 5);
  g_assert_cmpint (r->fps, ==, -1);
  g_assert_true (has_warning (r, "data.data.framespersecond:"));
  g_assert_cmpint (r->generate_audio, ==, -1);
  g_assert_true (has_warning (r, "data.data.generate_audio:"));
  g_assert_cmpint (r->seed, ==, -1);
  g_assert_cmpint (r->completion_tokens, ==, -1);
  g_assert_true (has_warning (r, "data.data.usage.completion_tokens:"));
  g_assert_cmpint (r->total_tokens, ==, 1000);
  g_assert_cmpint (r->billed_tokens, ==, 1000);
  g_assert_false (has_warning (r, "data.data.some_future_field"));
}

static void
test_fixture_variants (void)
{
  g_autoptr(DailiesTaskResponse) lower = parse_fixture_ok ("response-lowercase.json");
  g_autoptr(DailiesTaskResponse) paused = parse_fixture_ok ("response-paused.json");
  g_autoptr(DailiesTaskResponse) numeric = parse_fixture_ok ("response-numeric-progress.json");

  g_assert_cmpint (lower->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (lower->status_text, ==, "succeeded");
  /* Success with an empty progress: done is 100%. */
  g_assert_cmpint (lower->progress, ==, 100);
  g_assert_null (lower->fail_reason);

  /* An unknown status is kept as it came and is not terminal. */
  g_assert_cmpint (paused->status, ==, DAILIES_TASK_STATUS_OTHER);
  g_assert_cmpstr (paused->status_text, ==, "PAUSED");
  g_assert_false (dailies_task_status_is_terminal (paused->status));
  g_assert_cmpint (paused->progress, ==, 60);
  g_assert_true (has_warning (paused, "data.data:"));

  g_assert_cmpint (numeric->status, ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpint (numeric->progress, ==, 75);
  g_assert_cmpint (numeric->submit_time, ==, 1777288506);
  g_assert_cmpint (numeric->start_time, ==, 1777288508);
  g_assert_cmpint (numeric->finish_time, ==, 0);
  g_assert_cmpuint (numeric->warnings->len, ==, 0);
}

static void
test_status_strings (void)
{
  struct { const char *text; DailiesTaskStatus status; } cases[] = {
    { "NOT_START", DAILIES_TASK_STATUS_NOT_START },
    { "not_start", DAILIES_TASK_STATUS_NOT_START },
    { "QUEUED", DAILIES_TASK_STATUS_QUEUED },
    { "queued", DAILIES_TASK_STATUS_QUEUED },
    { "IN_PROGRESS", DAILIES_TASK_STATUS_IN_PROGRESS },
    { "In Progress", DAILIES_TASK_STATUS_IN_PROGRESS },
    { "in-progress", DAILIES_TASK_STATUS_IN_PROGRESS },
    { "running", DAILIES_TASK_STATUS_IN_PROGRESS },
    { "SUCCESS", DAILIES_TASK_STATUS_SUCCESS },
    { "Success", DAILIES_TASK_STATUS_SUCCESS },
    { "succeeded", DAILIES_TASK_STATUS_SUCCESS },
    { " SUCCEEDED ", DAILIES_TASK_STATUS_SUCCESS },
    { "FAILURE", DAILIES_TASK_STATUS_FAILURE },
    { "failed", DAILIES_TASK_STATUS_FAILURE },
    { "PAUSED", DAILIES_TASK_STATUS_OTHER },
    { "SUCCESSFUL_ISH", DAILIES_TASK_STATUS_OTHER },
    { "NOT_FOUND", DAILIES_TASK_STATUS_OTHER },
    { "", DAILIES_TASK_STATUS_OTHER },
    { "an extremely long status string that goes on and on", DAILIES_TASK_STATUS_OTHER },
    { NULL, DAILIES_TASK_STATUS_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (dailies_task_status_from_string (cases[i].text), ==, cases[i].status);

  g_assert_false (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_UNKNOWN));
  g_assert_false (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_NOT_START));
  g_assert_false (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_QUEUED));
  g_assert_false (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_IN_PROGRESS));
  g_assert_false (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_OTHER));
  g_assert_true (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_SUCCESS));
  g_assert_true (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_FAILURE));
  g_assert_true (dailies_task_status_is_terminal (DAILIES_TASK_STATUS_NOT_FOUND));
}

static void
test_progress (void)
{
  struct { const char *status; const char *value; int progress; gboolean warns; } cases[] = {
    { "IN_PROGRESS", "\"50%\"", 50, FALSE },
    { "IN_PROGRESS", "\"50\"", 50, FALSE },
    { "IN_PROGRESS", "\" 75 % \"", 75, FALSE },
    { "IN_PROGRESS", "\"62.9%\"", 62, FALSE },
    { "IN_PROGRESS", "\"\"", -1, FALSE },
    { "IN_PROGRESS", "null", -1, FALSE },
    { "IN_PROGRESS", "50", 50, FALSE },
    { "IN_PROGRESS", "0.5", 0, FALSE },
    { "IN_PROGRESS", "250", 100, FALSE },
    { "IN_PROGRESS", "-3", 0, FALSE },
    { "IN_PROGRESS", "\"-3%\"", 0, FALSE },
    { "IN_PROGRESS", "\"1e9%\"", 100, FALSE },
    { "IN_PROGRESS", "\"half\"", -1, TRUE },
    { "IN_PROGRESS", "\"nan\"", -1, TRUE },
    { "IN_PROGRESS", "\"inf\"", -1, TRUE },
    { "IN_PROGRESS", "true", -1, TRUE },
    { "IN_PROGRESS", "{}", -1, TRUE },
    { "SUCCESS", "\"\"", 100, FALSE },
    { "SUCCESS", "\"half\"", 100, TRUE },
    { "SUCCESS", "\"90%\"", 90, FALSE },
    { "FAILURE", "\"\"", -1, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *extra = g_strdup_printf ("\"progress\":%s", cases[i].value);
      g_autofree char *body = task_body (cases[i].status, extra);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesTaskResponse) r = parse_string (body, &error);

      g_test_message ("case %u: %s", i, body);
      g_assert_no_error (error);
      g_assert_cmpint (r->progress, ==, cases[i].progress);
      g_assert_cmpint (has_warning (r, "progress:"), ==, cases[i].warns);
    }

  /* Absent progress. */
  {
    g_autofree char *body = task_body ("QUEUED", "");
    g_autoptr(DailiesTaskResponse) r = parse_string (body, NULL);

    g_assert_cmpint (r->progress, ==, -1);
  }
}

static void
test_times (void)
{
  struct { const char *value; gint64 time; gboolean warns; } cases[] = {
    { "1777288506", 1777288506, FALSE },
    { "1777288506.9", 1777288506, FALSE },
    { "\"1777288506\"", 1777288506, FALSE },
    { "\" 1777288506 \"", 1777288506, FALSE },
    { "0", 0, FALSE },
    { "\"0\"", 0, FALSE },
    { "\"\"", 0, FALSE },
    { "null", 0, FALSE },
    { "\"abc\"", 0, TRUE },
    { "\"2026-04-27 10:37:42\"", 0, TRUE },
    { "true", 0, TRUE },
    { "[]", 0, TRUE },
    { "{}", 0, TRUE },
    { "-5", 0, TRUE },
    { "1e300", 0, TRUE },
    { "1777288506123", 1777288506, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *extra = g_strdup_printf ("\"submit_time\":%s,\"start_time\":%s,\"finish_time\":%s",
                                                cases[i].value, cases[i].value, cases[i].value);
      g_autofree char *body = task_body ("SUCCESS", extra);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesTaskResponse) r = parse_string (body, &error);

      g_test_message ("case %u: %s", i, body);
      g_assert_no_error (error);
      g_assert_cmpint (r->submit_time, ==, cases[i].time);
      g_assert_cmpint (r->start_time, ==, cases[i].time);
      g_assert_cmpint (r->finish_time, ==, cases[i].time);
      g_assert_cmpint (has_warning (r, "submit_time:"), ==, cases[i].warns);
      g_assert_cmpint (has_warning (r, "finish_time:"), ==, cases[i].warns);
    }
}

static void
test_fail_reason (void)
{
  struct { const char *status; const char *extra; const char *reason; } cases[] = {
    /* Success: a URL there is the quirk, whichever URL it is. */
    { "SUCCESS", "\"result_url\":\"https://a/x.mp4\",\"fail_reason\":\"https://a/x.mp4\"", NULL },
    { "SUCCESS", "\"result_url\":\"https://a/x.mp4\",\"fail_reason\":\"HTTPS://other/y.mp4\"", NULL },
    { "SUCCESS", "\"result_url\":\"https://a/x.mp4\",\"original_result_url\":\"https://b/raw.mp4\",\"fail_reason\":\"https://b/raw.mp4\"", NULL },
    { "SUCCESS", "\"fail_reason\":\"  \"", NULL },
    { "SUCCESS", "\"fail_reason\":\"\"", NULL },
    /* A real text is kept even on success (odd, but it is not the quirk). */
    { "SUCCESS", "\"result_url\":\"https://a/x.mp4\",\"fail_reason\":\"watermark skipped\"", "watermark skipped" },
    { "FAILURE", "\"fail_reason\":\"content policy\"", "content policy" },
    { "FAILURE", "\"fail_reason\":\"see https://help.example.com\"", "see https://help.example.com" },
    { "FAILURE", "\"fail_reason\":\"\"", NULL },
    /* No outer reason: the upstream error message is better than none. */
    { "FAILURE", "\"fail_reason\":\"\",\"data\":{\"error\":{\"code\":\"E1\",\"message\":\"upstream said no\"}}", "upstream said no (E1)" },
    { "FAILURE", "\"data\":{\"output\":{\"code\":\"DataInspectionFailed\",\"message\":\"inspection failed\"}}", "inspection failed (DataInspectionFailed)" },
    /* "task failed" says nothing: the upstream's words say more. */
    { "FAILURE", "\"fail_reason\":\"TASK FAILED\",\"data\":{\"error\":{\"message\":\"quota of the channel used up\"}}", "quota of the channel used up" },
    { "FAILURE", "\"fail_reason\":\" task failed. \",\"data\":{\"error\":{\"code\":\"E2\"}}", "E2" },
    { "FAILURE", "\"fail_reason\":\"task failed\"", "task failed" },
    { "FAILURE", "\"fail_reason\":\"task failed\",\"result_url\":\"task failed\"", "task failed" },
    /* On failure result_url holds the text, never a link. */
    { "FAILURE", "\"fail_reason\":\"\",\"result_url\":\"image too small\"", "image too small" },
    { "FAILURE", "\"result_url\":\"image too small\",\"data\":{\"error\":{\"code\":\"E3\",\"message\":\"min 300 px\"}}", "image too small: min 300 px (E3)" },
    { "FAILURE", "\"fail_reason\":\"task failed\",\"result_url\":\"image too small\",\"data\":{\"error\":{\"message\":\"image too small\"}}", "image too small" },
    { "FAILURE", "\"fail_reason\":\"image too small\",\"result_url\":\"image too small\"", "image too small" },
    { "FAILURE", "\"fail_reason\":\"\",\"result_url\":\"https://cdn.example.com/x.mp4\"", NULL },
    { "FAILURE", "\"fail_reason\":\"content policy\",\"data\":{\"error\":{\"code\":\"E4\",\"message\":\"other words\"}}", "content policy" },
    { "FAILURE", "\"fail_reason\":\"task failed\",\"data\":{\"error\":{\"message\":\"Task failed\"}}", "task failed" },
    { "IN_PROGRESS", "\"fail_reason\":\"\"", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = task_body (cases[i].status, cases[i].extra);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesTaskResponse) r = parse_string (body, &error);

      g_test_message ("case %u: %s", i, body);
      g_assert_no_error (error);
      g_assert_cmpstr (r->fail_reason, ==, cases[i].reason);
    }
}

static void
test_failure_generic (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-failure-generic.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_FAILURE);
  /* fail_reason and result_url say only "task failed": the upstream's error says why. */
  g_assert_cmpstr (r->fail_reason, ==,
                   "The request failed because the output video may contain sensitive information. "
                   "(OutputVideoSensitiveContentDetected)");
  g_assert_null (r->result_url);
  g_assert_null (r->upstream_problem);
  g_assert_cmpstr (r->upstream_error_code, ==, "OutputVideoSensitiveContentDetected");
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_failure_result_text (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-failure-result-text.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpstr (r->fail_reason, ==, "The first frame image could not be downloaded: HTTP 403");
  /* The text in result_url is not a link. */
  g_assert_null (r->result_url);
  g_assert_null (r->video_url);
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_failure_timeout (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-failure-timeout.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpstr (r->fail_reason, ==, "任务超时（1440分钟）");
  g_assert_null (r->result_url);
  /* Failed for good: no longer a problem to warn about. */
  g_assert_null (r->upstream_problem);
  g_assert_true (dailies_task_status_is_terminal (r->status));
}

static void
test_result_url_only_a_link_on_success (void)
{
  struct { const char *status; const char *url; gboolean kept; } cases[] = {
    { "SUCCESS", "https://cdn.example.com/v.mp4", TRUE },
    { "success", "HTTP://cdn.example.com/v.mp4", TRUE },
    { "SUCCESS", "ftp://cdn.example.com/v.mp4", FALSE },
    { "SUCCESS", "file:///etc/passwd", FALSE },
    { "SUCCESS", "task failed", FALSE },
    { "FAILURE", "https://cdn.example.com/v.mp4", FALSE },
    { "IN_PROGRESS", "https://cdn.example.com/v.mp4", FALSE },
    { "QUEUED", "https://cdn.example.com/v.mp4", FALSE },
    { "PAUSED", "https://cdn.example.com/v.mp4", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *extra = g_strdup_printf ("\"result_url\":\"%s\",\"original_result_url\":\"%s\","
                                                "\"data\":{\"content\":{\"last_frame_url\":\"%s\"}}",
                                                cases[i].url, cases[i].url, cases[i].url);
      g_autofree char *body = task_body (cases[i].status, extra);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesTaskResponse) r = parse_string (body, &error);

      g_test_message ("case %u: %s", i, body);
      g_assert_no_error (error);
      g_assert_cmpstr (r->result_url, ==, cases[i].kept ? cases[i].url : NULL);
      g_assert_cmpstr (r->original_result_url, ==, cases[i].kept ? cases[i].url : NULL);
      g_assert_cmpstr (r->last_frame_url, ==, cases[i].kept ? cases[i].url : NULL);
      /* A success without a usable link is odd enough for the log. */
      g_assert_cmpint (has_warning (r, "result_url:"), ==, !cases[i].kept && g_ascii_strcasecmp (cases[i].status, "success") == 0);
    }
}

static void
test_upstream_cancelled (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-upstream-cancelled.json");

  /* The gateway does not know "cancelled": IN_PROGRESS 30% until its timeout. */
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpint (r->progress, ==, 30);
  g_assert_cmpstr (r->upstream_status, ==, "cancelled");
  g_assert_cmpstr (r->upstream_problem, ==, "Cancelled by the model’s service");
  g_assert_null (r->fail_reason);
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_upstream_error (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-upstream-error.json");

  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpint (r->progress, ==, 30);
  g_assert_null (r->upstream_status);
  g_assert_cmpstr (r->upstream_problem, ==,
                   "Error at the model’s service: The specified task was not found or has expired. (ResourceNotFound)");
  g_assert_null (r->fail_reason);
}

static void
test_upstream_problems (void)
{
  struct { const char *status; const char *inner; const char *problem; } cases[] = {
    { "IN_PROGRESS", "{\"status\":\"running\"}", NULL },
    { "IN_PROGRESS", "{\"status\":\"queued\",\"error\":null}", NULL },
    { "IN_PROGRESS", "{\"status\":\"succeeded\"}", NULL },
    { "IN_PROGRESS", "{\"status\":\"running\",\"error\":{}}", NULL },
    { "IN_PROGRESS", "{\"status\":\"running\",\"error\":{\"code\":\"\",\"message\":\"\"}}", NULL },
    { "IN_PROGRESS", "{\"status\":\"cancelled\"}", "Cancelled by the model’s service" },
    { "IN_PROGRESS", "{\"status\":\"Canceled\"}", "Cancelled by the model’s service" },
    { "IN_PROGRESS", "{\"status\":\"EXPIRED\"}", "Expired at the model’s service" },
    { "QUEUED", "{\"status\":\"expired\"}", "Expired at the model’s service" },
    { "NOT_START", "{\"status\":\"failed\",\"error\":{\"code\":\"E5\",\"message\":\"bad prompt\"}}",
      "Failed at the model’s service: bad prompt (E5)" },
    { "IN_PROGRESS", "{\"error\":{\"message\":\"internal error\"}}", "Error at the model’s service: internal error" },
    /* Other models: output.task_status, output.code and output.message. */
    { "IN_PROGRESS", "{\"output\":{\"task_status\":\"CANCELED\"}}", "Cancelled by the model’s service" },
    { "IN_PROGRESS", "{\"output\":{\"task_status\":\"UNKNOWN\"}}", "Unknown to the model’s service" },
    { "IN_PROGRESS", "{\"output\":{\"task_status\":\"FAILED\",\"code\":\"InternalError\",\"message\":\"oops\"}}",
      "Failed at the model’s service: oops (InternalError)" },
    /* Finished, or a status of its own: not this kind of problem. */
    { "SUCCESS", "{\"status\":\"cancelled\"}", NULL },
    { "FAILURE", "{\"status\":\"cancelled\",\"error\":{\"message\":\"x\"}}", NULL },
    { "PAUSED", "{\"status\":\"cancelled\"}", NULL },
    /* The creation answer, before the first upstream poll. */
    { "IN_PROGRESS", "{\"id\":\"cgt-20260427191505-cr34t\"}", NULL },
    { "IN_PROGRESS", "{\"status\":7,\"error\":\"text\"}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *extra = g_strdup_printf ("\"progress\":\"30%%\",\"data\":%s", cases[i].inner);
      g_autofree char *body = task_body (cases[i].status, extra);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesTaskResponse) r = parse_string (body, &error);
      g_autoptr(DailiesTaskResponse) copy = NULL;

      g_test_message ("case %u: %s", i, body);
      g_assert_no_error (error);
      g_assert_cmpstr (r->upstream_problem, ==, cases[i].problem);
      copy = dailies_task_response_copy (r);
      g_assert_cmpstr (copy->upstream_problem, ==, cases[i].problem);
    }
}

static void
test_creation_data (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-creation-data.json");

  /* Before the first upstream poll, data.data is the creation answer. */
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_NOT_START);
  g_assert_cmpint (r->progress, ==, 0);
  g_assert_cmpstr (r->upstream_id, ==, "cgt-20260427191505-cr34t");
  g_assert_null (r->upstream_status);
  g_assert_null (r->upstream_problem);
  g_assert_null (r->video_url);
  g_assert_null (r->model);
  g_assert_cmpint (r->duration, ==, -1);
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_reserialised (void)
{
  g_autoptr(DailiesTaskResponse) r = parse_fixture_ok ("response-reserialised.json");
  const char *url = "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/video.mp4"
                    "?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Date=20260427T111955Z&X-Tos-Expires=86400&X-Tos-Signature=abc";

  /* Keys in reverse order and "&" written as \u0026 change nothing. */
  g_assert_cmpstr (r->task_id, ==, "asyntask_La5tFram3R3s3r1al1s3dAbCdEfGhIjK");
  g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_SUCCESS);
  g_assert_cmpstr (r->result_url, ==, url);
  g_assert_cmpstr (r->video_url, ==, url);
  g_assert_null (r->fail_reason);
  g_assert_cmpstr (r->last_frame_url, ==,
                   "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/last.png"
                   "?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Date=20260427T111955Z&X-Tos-Expires=86400&X-Tos-Signature=f00");
  g_assert_cmpint (r->finish_time, ==, 1777288800);
  g_assert_cmpint (r->progress, ==, 100);
  g_assert_cmpstr (r->resolution, ==, "720p");
  g_assert_cmpint (r->total_tokens, ==, 108900);
  g_assert_null (r->upstream_problem);
  g_assert_cmpuint (r->warnings->len, ==, 0);
}

static void
test_copy_new_fields (void)
{
  g_autoptr(DailiesTaskResponse) frame = parse_fixture_ok ("response-reserialised.json");
  g_autoptr(DailiesTaskResponse) error = parse_fixture_ok ("response-upstream-error.json");
  g_autoptr(DailiesTaskResponse) frame_copy = dailies_task_response_copy (frame);
  g_autoptr(DailiesTaskResponse) error_copy = dailies_task_response_copy (error);

  g_assert_true (frame_copy->last_frame_url != frame->last_frame_url);
  g_assert_cmpstr (frame_copy->last_frame_url, ==, frame->last_frame_url);
  g_assert_true (error_copy->upstream_problem != error->upstream_problem);
  g_assert_cmpstr (error_copy->upstream_problem, ==, error->upstream_problem);
  g_assert_cmpstr (error_copy->upstream_error_message, ==, "The specified task was not found or has expired.");
  g_assert_cmpstr (error_copy->upstream_error_code, ==, "ResourceNotFound");
}

static void
test_timeout_minutes (void)
{
  g_assert_cmpint (dailies_task_reason_timeout_minutes ("任务超时（1440分钟）"), ==, 1440);
  g_assert_cmpint (dailies_task_reason_timeout_minutes (" 任务超时（60分钟） "), ==, 60);
  /* The legacy variant is not refunded: not this one. */
  g_assert_cmpint (dailies_task_reason_timeout_minutes ("任务超时（旧系统遗留任务，不进行退款，请联系管理员）"), ==, -1);
  g_assert_cmpint (dailies_task_reason_timeout_minutes ("任务超时（分钟）"), ==, -1);
  g_assert_cmpint (dailies_task_reason_timeout_minutes ("任务超时（1440"), ==, -1);
  g_assert_cmpint (dailies_task_reason_timeout_minutes ("任务超时（99999999999999分钟）"), ==, -1);
  g_assert_cmpint (dailies_task_reason_timeout_minutes ("task failed"), ==, -1);
  g_assert_cmpint (dailies_task_reason_timeout_minutes (""), ==, -1);
  g_assert_cmpint (dailies_task_reason_timeout_minutes (NULL), ==, -1);
}

static void
test_stuck_for (void)
{
  gint64 now = 1777300000;
  gint64 hours_3 = 3 * 60 * 60;

  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_IN_PROGRESS, now - hours_3, now - hours_3, now), ==, hours_3);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_IN_PROGRESS, now - 600, now - 300, now), ==, 0);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_IN_PROGRESS, now - hours_3, now - 600, now), ==, 0);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_IN_PROGRESS, 0, now - DAILIES_TASK_STUCK_AFTER, now), ==, 0);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_IN_PROGRESS, 0, now - DAILIES_TASK_STUCK_AFTER - 1, now),
                   ==, DAILIES_TASK_STUCK_AFTER + 1);
  /* Not started: counted from the submission. */
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_QUEUED, now - hours_3, 0, now), ==, hours_3);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_OTHER, now - hours_3, 0, now), ==, hours_3);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_QUEUED, 0, 0, now), ==, 0);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_UNKNOWN, now - hours_3, 0, now), ==, 0);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_SUCCESS, now - hours_3, now - hours_3, now), ==, 0);
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_FAILURE, now - hours_3, now - hours_3, now), ==, 0);
  /* A clock behind the server's. */
  g_assert_cmpint (dailies_task_stuck_for (DAILIES_TASK_STATUS_IN_PROGRESS, now + 60, now + 60, now), ==, 0);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* A task follows each answer as it comes: progress may go down and
 * QUEUED may follow IN_PROGRESS, as the gateway's steps do. */
static void
test_task_follows_answers (void)
{
  struct { const char *status; const char *progress; const char *inner; const char *problem; } steps[] = {
    { "NOT_START", "0%", "{\"id\":\"cgt-20260427191505-s3qu3\"}", NULL },
    { "IN_PROGRESS", "50%", "{\"id\":\"cgt-20260427191505-s3qu3\",\"status\":\"running\"}", NULL },
    { "QUEUED", "10%", "{\"id\":\"cgt-20260427191505-s3qu3\",\"status\":\"queued\"}", NULL },
    { "IN_PROGRESS", "50%", "{\"status\":\"running\",\"id\":\"cgt-20260427191505-s3qu3\"}", NULL },
    { "IN_PROGRESS", "30%", "{\"id\":\"cgt-20260427191505-s3qu3\",\"status\":\"expired\"}", "Expired at the model’s service" },
    { "IN_PROGRESS", "30%", "{\"id\":\"cgt-20260427191505-s3qu3\",\"status\":\"running\"}", NULL },
  };
  g_autoptr(DailiesTask) task = dailies_task_new ("asyntask_TabL3T3stAbCdEfGhIjKlMnOpQrStUv");
  g_autofree char *timeout = dailies_test_load_fixture_text ("response-failure-timeout.json");
  g_autoptr(DailiesTaskResponse) failed = parse_string (timeout, NULL);
  guint n_problem = 0;

  g_signal_connect (task, "notify::upstream-problem", G_CALLBACK (count_notify_cb), &n_problem);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *extra = g_strdup_printf ("\"progress\":\"%s\",\"data\":%s", steps[i].progress, steps[i].inner);
      g_autofree char *body = task_body (steps[i].status, extra);
      g_autoptr(DailiesTaskResponse) r = parse_string (body, NULL);
      guint n_before = n_problem;

      g_test_message ("step %u: %s", i, body);
      dailies_task_apply_response (task, r, body, 200, 1777288600 + i);
      g_assert_cmpint (dailies_task_get_status (task), ==, dailies_task_status_from_string (steps[i].status));
      g_assert_cmpint (dailies_task_get_progress (task), ==, r->progress);
      g_assert_cmpstr (dailies_task_get_upstream_problem (task), ==, steps[i].problem);
      g_assert_false (dailies_task_is_terminal (task));
      /* Told once when it comes and once when it goes, not at every answer. */
      g_assert_cmpuint (n_problem - n_before, ==, i == 4 || i == 5 ? 1 : 0);
    }

  g_assert_cmpint (dailies_task_get_progress (task), ==, 30);

  /* The gateway's own timeout ends it, with the words of that timeout. */
  dailies_task_apply_response (task, failed, timeout, 200, 1777374920);
  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpstr (dailies_task_get_fail_reason (task), ==, "任务超时（1440分钟）");
  g_assert_null (dailies_task_get_result_url (task));
  g_assert_null (dailies_task_get_upstream_problem (task));
}

/* A task loaded from the store knows its problem from raw-json alone. */
static void
test_task_problem_from_stored_json (void)
{
  DailiesTaskFields fields = { 0 };
  g_autoptr(DailiesTask) task = NULL;
  g_autoptr(DailiesTask) finished = NULL;
  g_autoptr(DailiesTask) plain = NULL;

  fields.id = g_strdup ("asyntask_Upstr3amErr0rAbCdEfGhIjKlMnOpQrSt");
  fields.status = DAILIES_TASK_STATUS_IN_PROGRESS;
  fields.status_text = g_strdup ("IN_PROGRESS");
  fields.progress = 30;
  fields.raw_json = dailies_test_load_fixture_text ("response-upstream-error.json");
  task = dailies_task_new_take_fields (&fields);
  dailies_task_fields_clear (&fields);

  g_assert_cmpstr (dailies_task_get_upstream_problem (task), ==,
                   "Error at the model’s service: The specified task was not found or has expired. (ResourceNotFound)");

  /* New raw JSON is read again. */
  {
    g_autofree char *running = dailies_test_load_fixture_text ("response-in-progress.json");
    dailies_task_set_raw_json (task, running);
  }
  g_assert_null (dailies_task_get_upstream_problem (task));

  /* Finished tasks are not parsed at all. */
  fields.id = g_strdup ("asyntask_Canc3ll3dUpstr3amAbCdEfGhIjKlMnOp");
  fields.status = DAILIES_TASK_STATUS_FAILURE;
  fields.raw_json = dailies_test_load_fixture_text ("response-upstream-cancelled.json");
  finished = dailies_task_new_take_fields (&fields);
  dailies_task_fields_clear (&fields);
  g_assert_null (dailies_task_get_upstream_problem (finished));

  fields.id = g_strdup ("asyntask_N0J50nY3tAbCdEfGhIjKlMnOpQrStUvWx");
  plain = dailies_task_new_take_fields (&fields);
  dailies_task_fields_clear (&fields);
  g_assert_null (dailies_task_get_upstream_problem (plain));
}

static void
test_inner_shapes (void)
{
  struct { const char *inner; const char *resolution; const char *upstream_resolution; int duration; gboolean warns; } cases[] = {
    { "null", NULL, NULL, -1, FALSE },
    { "{}", NULL, NULL, -1, FALSE },
    { "[]", NULL, NULL, -1, TRUE },
    { "\"text\"", NULL, NULL, -1, TRUE },
    { "42", NULL, NULL, -1, TRUE },
    { "{\"usage\":{\"SR\":1080,\"output_video_duration\":8}}", "1080p", NULL, 8, FALSE },
    { "{\"usage\":{\"SR\":\"480\",\"duration\":4}}", "480p", NULL, 4, FALSE },
    { "{\"usage\":{\"SR\":\"720P\"}}", "720P", NULL, -1, FALSE },
    { "{\"usage\":{\"SR\":true}}", NULL, NULL, -1, TRUE },
    { "{\"resolution\":\"720p\",\"super_resolution\":\"720p\"}", "720p", NULL, -1, FALSE },
    { "{\"super_resolution\":\"1080p\"}", "1080p", NULL, -1, FALSE },
    { "{\"resolution\":\"480p\",\"super_resolution\":\"1080p\",\"usage\":{\"SR\":720}}", "1080p", "480p", -1, FALSE },
    { "{\"duration\":5.0,\"usage\":{\"duration\":9}}", NULL, NULL, 5, FALSE },
    { "{\"duration\":-7}", NULL, NULL, -1, TRUE },
    { "{\"content\":{\"video_url\":[]},\"usage\":[],\"output\":\"x\",\"error\":7}", NULL, NULL, -1, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *extra = g_strdup_printf ("\"data\":%s", cases[i].inner);
      g_autofree char *body = task_body ("SUCCESS", extra);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesTaskResponse) r = parse_string (body, &error);

      g_test_message ("case %u: %s", i, body);
      g_assert_no_error (error);
      g_assert_cmpint (r->status, ==, DAILIES_TASK_STATUS_SUCCESS);
      g_assert_cmpstr (r->resolution, ==, cases[i].resolution);
      g_assert_cmpstr (r->upstream_resolution, ==, cases[i].upstream_resolution);
      g_assert_cmpint (r->duration, ==, cases[i].duration);
      g_assert_cmpint (r->warnings->len > 0, ==, cases[i].warns);
    }

  /* Big integers stay exact; booleans may come as 0/1. */
  {
    g_autofree char *body = task_body ("SUCCESS", "\"data\":{\"seed\":9007199254740993,\"generate_audio\":0,"
                                                  "\"usage\":{\"total_tokens\":\"500\",\"super_resolution_tokens\":0}}");
    g_autoptr(DailiesTaskResponse) r = parse_string (body, NULL);

    g_assert_cmpint (r->seed, ==, G_GINT64_CONSTANT (9007199254740993));
    g_assert_cmpint (r->generate_audio, ==, 0);
    g_assert_cmpint (r->total_tokens, ==, 500);
    g_assert_cmpint (r->billed_tokens, ==, 0);
  }
}

static void
test_copy (void)
{
  g_autoptr(DailiesTaskResponse) ultra = parse_fixture_ok ("response-success-ultra.json");
  g_autoptr(DailiesTaskResponse) wrong = parse_fixture_ok ("response-wrong-types.json");
  g_autoptr(DailiesTaskResponse) ultra_copy = dailies_task_response_copy (ultra);
  g_autoptr(DailiesTaskResponse) wrong_copy = dailies_task_response_copy (wrong);
  g_autofree char *result_url = g_strdup (ultra->result_url);
  guint n_warnings = wrong->warnings->len;
  g_autofree char *first_warning = g_strdup (g_ptr_array_index (wrong->warnings, 0));

  g_assert_true (ultra_copy->result_url != ultra->result_url);
  g_assert_true (ultra_copy->warnings != ultra->warnings);
  g_assert_true (wrong_copy->warnings != wrong->warnings);

  /* The copies outlive their originals. */
  g_clear_pointer (&ultra, dailies_task_response_free);
  g_clear_pointer (&wrong, dailies_task_response_free);

  g_assert_cmpstr (ultra_copy->task_id, ==, "asyntask_Ult7aR3s0lut10nXq2Zk8PpM4nVbC1dE");
  g_assert_cmpstr (ultra_copy->result_url, ==, result_url);
  g_assert_cmpstr (ultra_copy->original_result_url, !=, NULL);
  g_assert_cmpstr (ultra_copy->resolution, ==, "720p");
  g_assert_cmpstr (ultra_copy->upstream_resolution, ==, "480p");
  g_assert_cmpstr (ultra_copy->upstream_id, ==, "cgt-20260427191505-u1tra");
  g_assert_cmpstr (ultra_copy->upstream_status, ==, "succeeded");
  g_assert_cmpstr (ultra_copy->model, ==, "doubao-seedance-2-0-260128");
  g_assert_cmpstr (ultra_copy->ratio, ==, "16:9");
  g_assert_cmpstr (ultra_copy->request_id, ==, "20260427111505260254000UltraSR");
  g_assert_cmpint (ultra_copy->billed_tokens, ==, 245025);
  g_assert_cmpint (ultra_copy->finish_time, ==, 1777288990);
  g_assert_cmpint (ultra_copy->status, ==, DAILIES_TASK_STATUS_SUCCESS);

  g_assert_cmpuint (wrong_copy->warnings->len, ==, n_warnings);
  g_assert_cmpstr (g_ptr_array_index (wrong_copy->warnings, 0), ==, first_warning);
  g_assert_cmpstr (wrong_copy->model, ==, "doubao-seedance-2-0-260128");
}

/* Every prefix of a real answer: an error or a struct, never a crash. */
static void
test_truncations (void)
{
  const char *names[] = { "response-success.json", "response-success-ultra.json",
                          "response-other-model-success.json", "response-failure.json" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      g_autoptr(GBytes) bytes = dailies_test_load_fixture (names[n]);
      gsize size;
      const char *data = g_bytes_get_data (bytes, &size);
      guint n_ok = 0;

      for (gsize len = 0; len <= size; len++)
        {
          g_autofree char *copy = g_memdup2 (data, len);
          g_autoptr(GError) error = NULL;
          g_autoptr(DailiesTaskResponse) r = dailies_task_response_parse (copy, len, &error);
          g_autofree char *message = dailies_task_response_error_message (copy, len);

          g_assert_true ((r == NULL) != (error == NULL));
          if (r != NULL)
            {
              g_assert_nonnull (r->task_id);
              n_ok++;
            }
          else if (len == 0 || data[0] == '\n')
            g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_EMPTY);
          else
            g_assert_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED);
        }

      /* Only the whole answer (and the whole answer minus its final newline) parses. */
      g_assert_cmpuint (n_ok, >=, 1);
      g_assert_cmpuint (n_ok, <=, 2);
    }
}

/* Random byte changes to a real answer, from a fixed seed. */
static void
test_mutations (void)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture ("response-success-ultra.json");
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260427);
  const char alphabet[] = "{}[]\",:0123456789.-eE tfnul\\" "\xff" "\x00" "a";
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *copy = g_memdup2 (data, size);
      guint n_changes = g_rand_int_range (rand, 1, 6);
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesTaskResponse) r = NULL;
      g_autofree char *message = NULL;
      g_autoptr(DailiesTaskResponse) r_copy = NULL;

      for (guint c = 0; c < n_changes; c++)
        copy[g_rand_int_range (rand, 0, size)] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];

      r = dailies_task_response_parse (copy, size, &error);
      message = dailies_task_response_error_message (copy, size);
      g_assert_true ((r == NULL) != (error == NULL));
      if (r != NULL)
        {
          r_copy = dailies_task_response_copy (r);
          g_assert_cmpstr (r_copy->task_id, ==, r->task_id);
          g_assert_cmpint (r->progress, >=, -1);
          g_assert_cmpint (r->progress, <=, 100);
          g_assert_cmpint (r->submit_time, >=, 0);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/task-response/success", test_success);
  g_test_add_func ("/dailies/task-response/utf8-copies", test_utf8_copies);
  g_test_add_func ("/dailies/task-response/success-ultra", test_success_ultra);
  g_test_add_func ("/dailies/task-response/other-model", test_other_model);
  g_test_add_func ("/dailies/task-response/failure", test_failure);
  g_test_add_func ("/dailies/task-response/in-progress", test_in_progress);
  g_test_add_func ("/dailies/task-response/queued", test_queued);
  g_test_add_func ("/dailies/task-response/not-start", test_not_start);
  g_test_add_func ("/dailies/task-response/error-bodies", test_error_bodies);
  g_test_add_func ("/dailies/task-response/error-message-shapes", test_error_message_shapes);
  g_test_add_func ("/dailies/task-response/error-message-garbage", test_error_message_garbage);
  g_test_add_func ("/dailies/task-response/malformed", test_malformed);
  g_test_add_func ("/dailies/task-response/malformed-message-utf8", test_malformed_message_utf8);
  g_test_add_func ("/dailies/task-response/broken-escape-utf8", test_broken_escape_utf8);
  g_test_add_func ("/dailies/task-response/too-large", test_too_large);
  g_test_add_func ("/dailies/task-response/envelope", test_envelope);
  g_test_add_func ("/dailies/task-response/wrong-types", test_wrong_types);
  g_test_add_func ("/dailies/task-response/fixture-variants", test_fixture_variants);
  g_test_add_func ("/dailies/task-response/status-strings", test_status_strings);
  g_test_add_func ("/dailies/task-response/progress", test_progress);
  g_test_add_func ("/dailies/task-response/times", test_times);
  g_test_add_func ("/dailies/task-response/fail-reason", test_fail_reason);
  g_test_add_func ("/dailies/task-response/failure-generic", test_failure_generic);
  g_test_add_func ("/dailies/task-response/failure-result-text", test_failure_result_text);
  g_test_add_func ("/dailies/task-response/failure-timeout", test_failure_timeout);
  g_test_add_func ("/dailies/task-response/result-url-only-a-link-on-success", test_result_url_only_a_link_on_success);
  g_test_add_func ("/dailies/task-response/upstream-cancelled", test_upstream_cancelled);
  g_test_add_func ("/dailies/task-response/upstream-error", test_upstream_error);
  g_test_add_func ("/dailies/task-response/upstream-problems", test_upstream_problems);
  g_test_add_func ("/dailies/task-response/creation-data", test_creation_data);
  g_test_add_func ("/dailies/task-response/reserialised", test_reserialised);
  g_test_add_func ("/dailies/task-response/copy-new-fields", test_copy_new_fields);
  g_test_add_func ("/dailies/task-response/stuck-for", test_stuck_for);
  g_test_add_func ("/dailies/task-response/timeout-minutes", test_timeout_minutes);
  g_test_add_func ("/dailies/task-response/task-follows-answers", test_task_follows_answers);
  g_test_add_func ("/dailies/task-response/task-problem-from-stored-json", test_task_problem_from_stored_json);
  g_test_add_func ("/dailies/task-response/inner-shapes", test_inner_shapes);
  g_test_add_func ("/dailies/task-response/copy", test_copy);
  g_test_add_func ("/dailies/task-response/truncations", test_truncations);
  g_test_add_func ("/dailies/task-response/mutations", test_mutations);

  return g_test_run ();
}
