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
#include "dailies-test-utils.h"

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
  g_assert_false (g_utf8_validate (packed, length, NULL));
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
      g_assert_cmpuint (packed_size (json), ==, strlen (json) + 1 - (copies - 1) * (strlen (quoted) - 1));
    }

  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autofree char *json = dailies_test_load_fixture_text (others[i]);

      assert_stored_as_it_is (json);
    }
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
                                               "\"other\":\"%s-longer\",\"data\":{\"content\":{\"video_url\":\"%s\"}}}}",
                                               links[i], links[i], links[i], links[i]);
      g_autoptr(JsonParser) parser = json_parser_new ();

      /* Each is an answer json-glib reads. */
      g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
      g_assert_cmpuint (packed_size (json), ==, strlen (json) + 1 - 2 * (strlen (links[i]) + 1));
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

/* Read back from a damaged file: nothing, never a wrong answer. */
static void
test_damaged (void)
{
  const char *json = "{\"result_url\":\"https://cdn.example.com/a.mp4\",\"fail_reason\":\"https://cdn.example.com/a.mp4\"}";
  gsize length = 0;
  g_autofree char *packed = pack (json, &length);
  static const struct { const char *text; gsize length; } damaged[] = {
    { "\xff", 1 },
    { "\xff{\"status\":\"SUCCESS\",\"x\":\xff}", 27 },
    /* A mark in the link itself, or before it. */
    { "\xff{\"result_url\":\"https://cdn\xff.example.com/a.mp4\",\"y\":\xff}", 54 },
    { "\xff\xff{\"result_url\":\"https://cdn.example.com/a.mp4\",\"y\":\xff}", 54 },
    /* What the marks stand for would not be UTF-8. */
    { "\xff{\"result_url\":\"https://cdn.example.com/a.mp4\",\"y\":\xff,\"z\":\"\xfe\"}", 61 },
  };

  g_assert_nonnull (packed);
  for (gsize cut = 1; cut < length; cut++)
    {
      g_autofree char *unpacked = dailies_stored_json_unpack (packed, cut);

      /* Cut before its last mark: its link is cut, or a copy is missing. */
      if (unpacked != NULL)
        g_assert_true (g_str_has_prefix (json, unpacked));
    }

  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_assert_cmpuint (strlen (damaged[i].text), ==, damaged[i].length);
      g_assert_null (dailies_stored_json_unpack (damaged[i].text, damaged[i].length));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/stored-json/answers", test_answers);
  g_test_add_func ("/dailies/stored-json/escapes", test_escapes);
  g_test_add_func ("/dailies/stored-json/as-it-is", test_as_it_is);
  g_test_add_func ("/dailies/stored-json/damaged", test_damaged);

  return g_test_run ();
}
