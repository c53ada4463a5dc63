/* test-link.c
 *
 * What a pre-signed result link says about its own expiry.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-link.h"
#include "dailies-test-link.h"

/* 20260427T111505Z */
#define SIGNED_AT G_GINT64_CONSTANT (1777288505)

typedef struct
{
  const char *url;
  gint64      expires_at;
} Case;

static void
check_parses (const Case *cases,
              gsize       n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      gint64 expires_at = -1;

      g_test_message ("%s", cases[i].url);
      g_assert_true (dailies_link_parse_expiry (cases[i].url, &expires_at));
      g_assert_cmpint (expires_at, ==, cases[i].expires_at);
    }
}

static void
check_refuses (const char * const *urls,
               gsize               n_urls)
{
  for (gsize i = 0; i < n_urls; i++)
    {
      gint64 expires_at = 12345;

      g_test_message ("%s", urls[i] != NULL ? urls[i] : "(null)");
      g_assert_false (dailies_link_parse_expiry (urls[i], &expires_at));
      /* Untouched on FALSE. */
      g_assert_cmpint (expires_at, ==, 12345);
    }
}

static void
test_tos (void)
{
  const Case cases[] = {
    /* The shape of the object store the service uses today. */
    { "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/x/video.mp4?X-Tos-Algorithm=TOS4-HMAC-SHA256"
      "&X-Tos-Credential=AK%2F20260427%2Fcn-beijing%2Ftos%2Frequest&X-Tos-Date=20260427T111505Z"
      "&X-Tos-Expires=86400&X-Tos-Signature=abc&X-Tos-SignedHeaders=host", SIGNED_AT + 86400 },
    /* Names in any case, in any order. */
    { "https://h.example/v.mp4?x-tos-expires=3600&x-tos-date=20260427T111505Z", SIGNED_AT + 3600 },
    { "HTTP://h.example/v.mp4?X-TOS-DATE=20260427T111505Z&X-TOS-EXPIRES=1", SIGNED_AT + 1 },
    /* The longest lifetime object stores allow. */
    { "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=604800", SIGNED_AT + 604800 },
    /* Encoded characters in the value decode before parsing. */
    { "https://h.example/v.mp4?X-Tos-Date=20260427T111505%5A&X-Tos-Expires=%38%36%34%30%30", SIGNED_AT + 86400 },
    /* A fragment does not count as the query. */
    { "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=60#X-Tos-Expires=999", SIGNED_AT + 60 },
  };

  check_parses (cases, G_N_ELEMENTS (cases));
}

static void
test_amz (void)
{
  const Case cases[] = {
    { "https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20260427"
      "&X-Amz-Date=20260427T111505Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=f00",
      SIGNED_AT + 86400 },
    { "http://127.0.0.1:8080/v.mp4?x-amz-date=20260427T111505Z&x-amz-expires=900", SIGNED_AT + 900 },
  };

  check_parses (cases, G_N_ELEMENTS (cases));
}

static void
test_expires (void)
{
  const Case cases[] = {
    /* The sample answers of other models and ultra tasks. */
    { "https://dashscope-a717.oss-accelerate.aliyuncs.com/example/refiner.mp4?Expires=1777430361&Signature=jkl", 1777430361 },
    { "https://media.example-cdn.com/sr/final-720p.mp4?Expires=1777375200&Signature=def", 1777375200 },
    { "https://h.example/v.mp4?OSSAccessKeyId=x&expires=1777375200&signature=def", 1777375200 },
    /* The bounds themselves. */
    { "https://h.example/v.mp4?Expires=946684800", 946684800 },
    { "https://h.example/v.mp4?Expires=4102444800", 4102444800 },
  };

  check_parses (cases, G_N_ELEMENTS (cases));
}

static void
test_precedence (void)
{
  const Case cases[] = {
    /* A link signed for the object store, and carrying a CDN's Expires too:
     * the signature of the store that serves it wins. */
    { "https://h.example/v.mp4?Expires=1777375200&X-Tos-Date=20260427T111505Z&X-Tos-Expires=60", SIGNED_AT + 60 },
    { "https://h.example/v.mp4?X-Amz-Date=20260427T111505Z&X-Amz-Expires=60&Expires=1777375200", SIGNED_AT + 60 },
  };

  check_parses (cases, G_N_ELEMENTS (cases));
}

static void
test_refuses (void)
{
  const char * const urls[] = {
    NULL,
    "",
    "garbage",
    "https://",
    "https:///v.mp4?Expires=1777375200",                       /* no host */
    "file:///tmp/v.mp4?Expires=1777375200",                    /* not a web link */
    "ftp://h.example/v.mp4?Expires=1777375200",
    "data:video/mp4;base64,AAAA?Expires=1777375200",
    "https://h.example/v.mp4",                                 /* nothing signed */
    "https://h.example/v.mp4?",
    "https://h.example/v.mp4?Signature=abc",
    "https://h.example/v.mp4#Expires=1777375200",              /* fragment only */
    "https://h.example/v.mp4?X-Tos-Expires=86400&X-Tos-Signature=abc",  /* the API sample: no date */
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z",     /* half a pair */
    "https://h.example/v.mp4?X-Amz-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=86400&X-Tos-Expires=60",  /* twice */
    "https://h.example/v.mp4?Expires=1777375200&expires=1777375201",
    /* Dates that are not the compact UTC form. */
    "https://h.example/v.mp4?X-Tos-Date=2026-04-27T11:15:05Z&X-Tos-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505&X-Tos-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505+0100&X-Tos-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505.5Z&X-Tos-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=20261327T111505Z&X-Tos-Expires=60",   /* month 13 */
    "https://h.example/v.mp4?X-Tos-Date=20260230T111505Z&X-Tos-Expires=60",   /* 30 February */
    "https://h.example/v.mp4?X-Tos-Date=20260427T251505Z&X-Tos-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=19700101T000000Z&X-Tos-Expires=60",   /* absurdly old */
    "https://h.example/v.mp4?X-Tos-Date=99991231T235959Z&X-Tos-Expires=60",   /* absurdly late */
    "https://h.example/v.mp4?X-Tos-Date=&X-Tos-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=%00&X-Tos-Expires=60",
    /* Lifetimes that are not plain, positive, sane numbers of seconds. */
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=-60",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=+60",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=%2060",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=0",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=60s",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=0x3c",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=604801",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=18446744073709551616",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=99999999999999999999999999",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=",
    "https://h.example/v.mp4?Expires=-1777375200",
    "https://h.example/v.mp4?Expires=0",
    "https://h.example/v.mp4?Expires=1",
    "https://h.example/v.mp4?Expires=4102444801",
    "https://h.example/v.mp4?Expires=9223372036854775808",
    "https://h.example/v.mp4?Expires=1777375200.5",
    "https://h.example/v.mp4?Expires=",
    "https://h.example/v.mp4?Expires",
    /* A query that does not decode. */
    "https://h.example/v.mp4?Expires=1777375200&Signature=%zz",
    "https://h.example/v.mp4?Expires=17773%0075200",
  };

  check_refuses (urls, G_N_ELEMENTS (urls));
}

static void
test_out_may_be_null (void)
{
  g_assert_true (dailies_link_parse_expiry ("https://h.example/v.mp4?Expires=1777375200", NULL));
  g_assert_false (dailies_link_parse_expiry ("https://h.example/v.mp4", NULL));
}

/* Whatever bytes come, no crash and a plain yes or no: a taste of what
 * the fuzzer does, with a fixed seed so that a failure repeats. */
static void
test_random_bytes (void)
{
  static const char alphabet[] = "htps:/?&=%#XxTtOoSsAaMmZzEeDd-0123456789.+ \x01\xff";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261202);
  char buffer[96];

  for (guint n = 0; n < 20000; n++)
    {
      gsize length = g_rand_int_range (rand, 0, sizeof buffer - 1);
      gint64 expires_at = 0;

      for (gsize i = 0; i < length; i++)
        buffer[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      buffer[length] = '\0';

      if (dailies_link_parse_expiry (buffer, &expires_at))
        g_assert_true (expires_at >= 946684800 && expires_at <= 4102444800 + 604800);
    }
}

static void
check_as_guri_reads (const char *url)
{
  gint64 expected = 0;
  gint64 got = 0;
  gboolean expected_found = dailies_test_link_expiry_as_guri_reads (url, &expected);
  gboolean got_found = dailies_link_parse_expiry (url, &got);

  if (got_found != expected_found || got != expected)
    g_error ("%s: read as %s %" G_GINT64_FORMAT ", GUri reads %s %" G_GINT64_FORMAT, url,
             got_found ? "found" : "not found", got, expected_found ? "found" : "not found", expected);
}

/* The links of the API's samples and of hostile ones: each is read as
 * g_uri_parse() reads it, whether by hand or through GUri. */
static void
test_as_guri_reads (void)
{
  static const char * const urls[] = {
    "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/video.mp4?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Date=20260427T111955Z&X-Tos-Expires=86400&X-Tos-Signature=abc",
    "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/video.mp4?X-Tos-Expires=86400&X-Tos-Signature=abc",
    "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/raw-480p.mp4?X-Tos-Signature=ghi",
    "https://dashscope-a717.oss-accelerate.aliyuncs.com/example/refiner.mp4?Expires=1777430361&Signature=jkl",
    "https://media.example-cdn.com/sr/final-720p.mp4?Expires=1777375200&Signature=def",
    "https://s3.example.com/b/v.mp4?X-Amz-Date=20260427T111505Z&X-Amz-Expires=3600&X-Amz-Signature=x",
    "HTTPS://H.EXAMPLE/v.mp4?Expires=1777375200",
    "Http://h.example?Expires=1777375200",
    "https://h.example?Expires=1777375200#frag",
    "https://h.example#?Expires=1777375200",
    "https://h.example/v.mp4#frag?Expires=1777375200",
    "https://h.example/v.mp4?Expires=1777375200#x%zz",
    "https://h.example/v.mp4?Expires=1777375200#x%41",
    "https://h.example/v.mp4?Expires=1777375200#a#b",
    "https://h.example/v%zz.mp4?Expires=1777375200",
    "https://h.example/v%41.mp4?Expires=1777375200",
    "https://h.example/v%00.mp4?Expires=1777375200",
    "https://h.example/v\xc3\xa9.mp4?Expires=1777375200",
    "https://h.example/v\xff.mp4?Expires=1777375200",
    "https://h.example/v mp4?Expires=1777375200",
    "https://h.example/v.mp4?Expires=1777375200&x=\xff",
    "https://h.example/v.mp4?%45xpires=1777375200",
    "https://h.example/v.mp4?Expires=%31777375200",
    "https://h.example/v.mp4?Expires=1777375200&%zz=1",
    "https://h.example/v.mp4?ExpiresAt=1777375200",
    "https://h.example/v.mp4?Expire=1777375200",
    "https://h.example/v.mp4?Expires =1777375200",
    "https://h.example/v.mp4?xExpires=1777375200",
    "https://h.example/v.mp4?expires=1777375200",
    "https://h.example/v.mp4?X-Tos-DateX=20260427T111505Z&X-Tos-Expires=60",
    "https://h.example/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-ExpiresX=60",
    "https://h.example/v.mp4?Expires=1777375200&Expires=1777375200",
    "https://h.example/v.mp4?Expires=1777375200&",
    "https://h.example/v.mp4?&Expires=1777375200",
    "https://h.example/v.mp4?a=1&&Expires=1777375200",
    "https://h.example/v.mp4?Expires",
    "https://h.example/v.mp4?Expires=1777375200=1",
    "https://h.example/v.mp4?Expires=1777375200&a=%",
    "https://h.example/v.mp4?Expires=1777375200?Signature=x",
    "https://h.example/v.mp4??Expires=1777375200",
    "https://h.example:443/v.mp4?Expires=1777375200",
    "https://h.example:/v.mp4?Expires=1777375200",
    "https://h.example:99999/v.mp4?Expires=1777375200",
    "https://h.example:x/v.mp4?Expires=1777375200",
    "https://h.example:0/v.mp4?Expires=1777375200",
    "https://h.example:65535?Expires=1777375200",
    "https://h.example:65536/v.mp4?Expires=1777375200",
    "https://h.example:00080/v.mp4?Expires=1777375200",
    "https://h.example:000080/v.mp4?Expires=1777375200",
    "https://h.example:+80/v.mp4?Expires=1777375200",
    "https://h.example:80:80/v.mp4?Expires=1777375200",
    "http://127.0.0.1:8080/videos/v.mp4?X-Tos-Date=20260427T111505Z&X-Tos-Expires=86400",
    "https://user@h.example/v.mp4?Expires=1777375200",
    "https://user:pw@h.example/v.mp4?Expires=1777375200",
    "https://@h.example/v.mp4?Expires=1777375200",
    "https://[::1]/v.mp4?Expires=1777375200",
    "https://[::1/v.mp4?Expires=1777375200",
    "https://127.0.0.1/v.mp4?Expires=1777375200",
    "https://999.1.1.1/v.mp4?Expires=1777375200",
    "https://h%41.example/v.mp4?Expires=1777375200",
    "https://h_x.example/v.mp4?Expires=1777375200",
    "https://\xc3\xa9.example/v.mp4?Expires=1777375200",
    "https://-/v.mp4?Expires=1777375200",
    "https://./v.mp4?Expires=1777375200",
    "https://?Expires=1777375200",
    "https:///v.mp4?Expires=1777375200",
    "https:/h.example/v.mp4?Expires=1777375200",
    "https:h.example/v.mp4?Expires=1777375200",
    "https//h.example/v.mp4?Expires=1777375200",
    "httpx://h.example/v.mp4?Expires=1777375200",
    "http+s://h.example/v.mp4?Expires=1777375200",
    " https://h.example/v.mp4?Expires=1777375200",
    "ftp://h.example/v.mp4?Expires=1777375200",
    "https://h.example/v.mp4?",
    "https://h.example/v.mp4",
    "https://h.example",
    "https://",
    "",
  };
  static const char alphabet[] = "hH.-_:@[]/?#&=%41zZ \x01\xc3\xa9\xff" "Expires=1777375200:655369";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261203);

  for (gsize i = 0; i < G_N_ELEMENTS (urls); i++)
    check_as_guri_reads (urls[i]);

  /* Runs of the characters that steer the reading, around a valid link. */
  for (guint n = 0; n < 20000; n++)
    {
      g_autoptr(GString) url = g_string_new (g_rand_boolean (rand) ? "https://" : "http://");
      guint length = g_rand_int_range (rand, 0, 12);

      for (guint i = 0; i < length; i++)
        g_string_append_c (url, alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)]);
      g_string_append (url, g_rand_boolean (rand) ? "h.example/v.mp4?Expires=1777375200" : "?Expires=1777375200");
      length = g_rand_int_range (rand, 0, 6);
      for (guint i = 0; i < length; i++)
        g_string_insert_c (url, g_rand_int_range (rand, 0, url->len + 1),
                           alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)]);

      check_as_guri_reads (url->str);
    }
}

static void
check_compact_time (const char *text)
{
  g_autofree char *url = g_strdup_printf ("https://h.example/v.mp4?X-Tos-Date=%s&X-Tos-Expires=60", text);
  gint64 signed_at = 0;
  gint64 expires_at = 0;
  gboolean valid = dailies_test_link_compact_time (text, &signed_at);

  if (dailies_link_parse_expiry (url, &expires_at) != valid || (valid && expires_at != signed_at + 60))
    g_error ("X-Tos-Date=%s: read as %s, GDateTime reads %s", text,
             valid ? "not valid" : "valid", valid ? "valid" : "not valid");
}

/* The signing date is read as GDateTime reads it: every day of the years
 * around the bounds (leap years, 2000 and 2100 among them), fields out of
 * range and text that is not the compact form. */
static void
test_compact_time (void)
{
  static const char * const others[] = {
    "20260427T111505z", "20260427t111505Z", "20260427 111505Z", "2026-04-27T11:15:05Z",
    "20260427T111505", "20260427T1115050Z", "2026042T111505Z", "+0260427T111505Z",
    "20260427T111505+01", "20260427T11150Z", "2026042711T1505Z", "20260427T111505.0Z",
    "20260427T240000Z", "20260427T236000Z", "20260427T235960Z", "20260427T-11505Z",
    "19991231T235959Z", "20000101T000000Z", "21000101T000000Z", "21000101T000001Z",
    "\xef\xbc\x92""0260427T111505Z", "",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261204);

  for (gsize i = 0; i < G_N_ELEMENTS (others); i++)
    check_compact_time (others[i]);

  for (int year = 1999; year <= 2101; year++)
    for (int month = 0; month <= 13; month++)
      for (int day = 0; day <= 32; day++)
        {
          char text[32];

          g_snprintf (text, sizeof text, "%04d%02d%02dT%02d%02d%02dZ", year, month, day,
                      g_rand_int_range (rand, 0, 25), g_rand_int_range (rand, 0, 61),
                      g_rand_int_range (rand, 0, 61));
          check_compact_time (text);
        }
}

static void
test_usable (void)
{
  g_assert_true (dailies_link_is_usable ("https://h.example/v.mp4?X-Tos-Signature=abc"));
  g_assert_true (dailies_link_is_usable ("http://127.0.0.1:8080/v.mp4"));
  g_assert_true (dailies_link_is_usable ("HTTPS://H.EXAMPLE/v.mp4"));

  g_assert_false (dailies_link_is_usable (NULL));
  g_assert_false (dailies_link_is_usable (""));
  g_assert_false (dailies_link_is_usable ("   "));
  g_assert_false (dailies_link_is_usable ("task failed"));
  g_assert_false (dailies_link_is_usable ("file:///etc/passwd"));
  g_assert_false (dailies_link_is_usable ("data:video/mp4;base64,AAAA"));
  g_assert_false (dailies_link_is_usable ("javascript:alert(1)"));
  g_assert_false (dailies_link_is_usable ("https://"));
  g_assert_false (dailies_link_is_usable ("https:///v.mp4"));
  g_assert_false (dailies_link_is_usable ("/videos/v.mp4"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/link/tos", test_tos);
  g_test_add_func ("/dailies/link/amz", test_amz);
  g_test_add_func ("/dailies/link/expires", test_expires);
  g_test_add_func ("/dailies/link/precedence", test_precedence);
  g_test_add_func ("/dailies/link/refuses", test_refuses);
  g_test_add_func ("/dailies/link/out-may-be-null", test_out_may_be_null);
  g_test_add_func ("/dailies/link/random-bytes", test_random_bytes);
  g_test_add_func ("/dailies/link/as-guri-reads", test_as_guri_reads);
  g_test_add_func ("/dailies/link/compact-time", test_compact_time);
  g_test_add_func ("/dailies/link/usable", test_usable);

  return g_test_run ();
}
