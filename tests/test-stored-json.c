/* test-stored-json.c
 *
 * The stored form of an answer: a link's copies after the first are a
 * byte each, every answer reads back as it came, and a damaged stored
 * form reads as nothing rather than as a wrong answer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "dailies-stored-json.h"
#include "dailies-task-response.h"
#include "dailies-test-utils.h"

/* The mark and the answer's length. */
#define HEADER 5

static char *
pack (const char *json,
      gsize      *packed_length)
{
  return dailies_stored_json_pack (json, strlen (json), packed_length);
}

/* Packs @json, checks that it was packed, and that it reads back. */
static gsize
packed_size (const char *json)
{
  gsize length = 0;
  g_autofree char *packed = pack (json, &length);
  g_autofree char *unpacked = NULL;

  g_assert_nonnull (packed);
  g_assert_cmpuint ((guchar) packed[0], ==, 0xFF);
  unpacked = dailies_stored_json_unpack (packed, length);
  g_assert_cmpstr (unpacked, ==, json);

  return length;
}

static void
assert_stored_as_it_is (const char *json)
{
  gsize length = 0;
  g_autofree char *packed = pack (json, &length);
  g_autofree char *unpacked = dailies_stored_json_unpack (json, strlen (json));

  g_assert_null (packed);
  g_assert_cmpstr (unpacked, ==, json);
}

static gsize
count (const char *text,
       const char *part)
{
  gsize n = 0;

  for (const char *p = strstr (text, part); p != NULL; p = strstr (p + 1, part))
    n++;

  return n;
}

/* The documented answers: a success names its link three times, and is
 * stored with it once; the others are stored as they are. */
static void
test_answers (void)
{
  static const char * const finished[] = {
    "response-success.json", "response-success-ultra.json", "response-other-model-success.json",
  };
  static const char * const others[] = {
    "response-in-progress.json", "response-queued.json", "response-not-start.json",
    "response-failure.json", "response-error-401.json",
  };

  for (guint i = 0; i < G_N_ELEMENTS (finished); i++)
    {
      g_autofree char *json = dailies_test_load_fixture_text (finished[i]);
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *link;
      g_autofree char *quoted = NULL;
      gsize copies;

      g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
      link = json_object_get_string_member (json_object_get_object_member (
                                              json_node_get_object (json_parser_get_root (parser)), "data"),
                                            "result_url");
      quoted = g_strdup_printf ("\"%s\"", link);
      copies = count (json, quoted);
      g_assert_cmpuint (copies, >=, 2);
      g_test_message ("%s: %zu bytes, link %zu bytes, %zu times", finished[i], strlen (json),
                      strlen (quoted), copies);
      g_assert_cmpuint (packed_size (json), ==, strlen (json) + HEADER - (copies - 1) * (strlen (quoted) - 1));
    }

  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autofree char *json = dailies_test_load_fixture_text (others[i]);

      assert_stored_as_it_is (json);
    }
}

/* A link over 2 KiB (looked for with memmem()), and one made of
 * escaped quotes, whose one copy ends a string of them: packed and read
 * back. */
static void
test_long_links (void)
{
  g_autoptr(GString) link = g_string_new ("https://cdn.example.com/v.mp4?X-Tos-Signature=");
  g_autoptr(GString) quotes = g_string_new (NULL);
  g_autoptr(GString) many_quotes = g_string_new (NULL);
  g_autofree char *json = NULL;
  g_autofree char *quoted = NULL;

  while (link->len < 2100)
    g_string_append (link, "0123456789abcdef");
  json = g_strdup_printf ("{\"result_url\":\"%s\",\"fail_reason\":\"%s\",\"video_url\":\"%s\"}",
                          link->str, link->str, link->str);
  g_assert_cmpuint (packed_size (json), ==, strlen (json) + HEADER - 2 * (link->len + 1));

  for (guint i = 0; i < 2048; i++)
    g_string_append (quotes, "\\\"");
  for (guint i = 0; i < 16; i++)
    g_string_append (many_quotes, quotes->str);
  quoted = g_strdup_printf ("{\"result_url\":\"%s\",\"x\":\"%s\"}", quotes->str, many_quotes->str);
  g_assert_cmpuint (packed_size (quoted), ==, strlen (quoted) + HEADER - (quotes->len + 1));
}

/* The link as the service may escape it (Go writes & as \u0026), with
 * quotes and backslashes in it, and a longer string that starts like it. */
static void
test_escapes (void)
{
  static const char * const links[] = {
    "https://cdn.example.com/v.mp4?X-Tos-Expires=86400\\u0026X-Tos-Signature=abc",
    "https:\\/\\/cdn.example.com\\/v.mp4?s=\\\"quoted\\\"",
    "https://cdn.example.com/v.mp4?s=ends-with-backslash\\\\",
    "https://cdn.example.com/v.mp4?s=\\\\\\\"odd",
  };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"data\":{\"result_url\" : \"%s\",\"fail_reason\":\"%s\","
                                               "\"other\":\"%s-longer\","
                                               "\"data\":{\"content\":{\"video_url\":\"%s\"}}}}",
                                               links[i], links[i], links[i], links[i]);
      g_autoptr(JsonParser) parser = json_parser_new ();

      /* Each is an answer json-glib reads. */
      g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
      g_assert_cmpuint (packed_size (json), ==, strlen (json) + HEADER - 2 * (strlen (links[i]) + 1));
    }
}

/* What has no link to spare is stored as it is. */
static void
test_as_it_is (void)
{
  /* No result_url, not a string, named once, too short to be worth it. */
  assert_stored_as_it_is ("{\"data\":{\"status\":\"SUCCESS\"}}");
  assert_stored_as_it_is ("{\"result_url\":null,\"x\":null}");
  assert_stored_as_it_is ("{\"result_url\":42,\"fail_reason\":42}");
  assert_stored_as_it_is ("{\"result_url\":\"https://cdn.example.com/a-long-enough-link.mp4\"}");
  assert_stored_as_it_is ("{\"result_url\":\"http://a/b\",\"fail_reason\":\"http://a/b\"}");
  /* Cut off in the link. */
  assert_stored_as_it_is ("{\"result_url\":\"https://cdn.example.com/a-long-enough-link.mp4");
  assert_stored_as_it_is ("{\"result_url\":\"https://cdn.example.com/a-long-enough-link.mp4\\\"");
  assert_stored_as_it_is ("");
  /* The key as a value, before the member. */
  g_assert_cmpuint (packed_size ("{\"x\":\"result_url\",\"result_url\":\"https://cdn.example.com/a.mp4\","
                                 "\"y\":\"https://cdn.example.com/a.mp4\"}"), <, 80);
  /* Never a byte that UTF-8 does not have, which the stored form uses. */
  assert_stored_as_it_is ("{\"result_url\":\"https://cdn.example.com/a.mp4\",\"y\":\"https://cdn.example.com/a.mp4\","
                          "\"z\":\"\xff\"}");
}

/* A stored form with @n_marks marks after the link, and the length that
 * @n_marks copies of it would give. */
static GString *
forge (gsize n_marks)
{
  static const char head[] = "{\"result_url\":\"https://cdn.example.com/a.mp4\",\"y\":[";
  gsize length = strlen (head) + n_marks * (strlen ("\"https://cdn.example.com/a.mp4\"") + 1) + 2;
  GString *form = g_string_new (NULL);

  g_string_append_c (form, '\xff');
  for (guint i = 0; i < 4; i++)
    g_string_append_c (form, (char) ((length >> (8 * i)) & 0xFF));
  g_string_append (form, head);
  for (gsize i = 0; i < n_marks; i++)
    g_string_append (form, "\xff,");
  g_string_append (form, "]}");

  return form;
}

/* Read back from a damaged file: a stored form not as written reads as
 * nothing. */
static void
test_damaged (void)
{
  const char *json = "{\"result_url\":\"https://cdn.example.com/a.mp4\",\"fail_reason\":\"https://cdn.example.com/a.mp4\"}";
  gsize length = 0;
  g_autofree char *packed = pack (json, &length);
  g_autofree char *whole = NULL;
  g_autofree char *forged = NULL;
  GString *form;

  g_assert_nonnull (packed);
  whole = dailies_stored_json_unpack (packed, length);
  g_assert_cmpstr (whole, ==, json);

  /* Cut anywhere. */
  for (gsize cut = 1; cut < length; cut++)
    g_assert_null (dailies_stored_json_unpack (packed, cut));

  /* Any byte of the form changed to a mark, or a mark to a space: in its
   * length, in the link, before it, or where a copy was. */
  for (gsize at = 1; at < length; at++)
    {
      g_autofree char *changed = g_memdup2 (packed, length);
      g_autofree char *unpacked = NULL;

      changed[at] = changed[at] == '\xff' ? ' ' : '\xff';
      unpacked = dailies_stored_json_unpack (changed, length);
      /* Only a changed byte of the length can still say the same. */
      if (unpacked != NULL)
        g_assert_cmpstr (unpacked, ==, json);
      g_assert_true (unpacked == NULL || at < HEADER);
    }

  /* Forged: as written, it reads. */
  form = forge (3);
  forged = dailies_stored_json_unpack (form->str, form->len);
  g_assert_nonnull (forged);
  g_string_free (form, TRUE);

  /* A mark before the link, its length as if it stood for a copy. */
  form = forge (1);
  g_string_insert_c (form, HEADER, '\xff');
  form->str[1] += strlen ("\"https://cdn.example.com/a.mp4\"");
  g_assert_null (dailies_stored_json_unpack (form->str, form->len));
  g_string_free (form, TRUE);

  /* No mark at all. */
  form = forge (0);
  g_assert_null (dailies_stored_json_unpack (form->str, form->len));
  g_string_free (form, TRUE);

  /* A copy left as it is, beside a mark. */
  form = forge (1);
  g_string_insert (form, form->len - 2, ",\"https://cdn.example.com/a.mp4\"");
  form->str[1] += strlen (",\"https://cdn.example.com/a.mp4\"");
  g_assert_null (dailies_stored_json_unpack (form->str, form->len));
  g_string_free (form, TRUE);

  /* Many marks that would stand for more than an answer can be: refused
   * before anything is made. */
  form = forge (DAILIES_TASK_RESPONSE_MAX_BODY / 16);
  g_assert_null (dailies_stored_json_unpack (form->str, form->len));
  g_string_free (form, TRUE);

  /* Too short for its length, and not UTF-8 once read. */
  g_assert_null (dailies_stored_json_unpack ("\xff", 1));
  g_assert_null (dailies_stored_json_unpack ("\xff\x01\x00", 3));
  form = forge (1);
  g_string_insert (form, form->len - 2, ",\"\xfe\"");
  form->str[1] += 4;
  g_assert_null (dailies_stored_json_unpack (form->str, form->len));
  g_string_free (form, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/stored-json/answers", test_answers);
  g_test_add_func ("/dailies/stored-json/escapes", test_escapes);
  g_test_add_func ("/dailies/stored-json/long-links", test_long_links);
  g_test_add_func ("/dailies/stored-json/as-it-is", test_as_it_is);
  g_test_add_func ("/dailies/stored-json/damaged", test_damaged);

  return g_test_run ();
}
