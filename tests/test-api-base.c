/* test-api-base.c
 *
 * Where the API key may go: https anywhere, plain http only to this
 * computer, judged by address and not by spelling; and the name the
 * keyring files a key under.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-api-base.h"
#include "dailies-api-client.h"

static void
test_acceptable (void)
{
  const char *accepted[] = {
    "http://127.0.0.1:8080",
    "http://127.0.0.1:8080/",
    "http://127.1.2.3:9",
    "http://[::1]:9",
    "http://localhost",
    "http://LocalHost:3000/api",
    " https://www.anyfast.ai ",
    "https://www.anyfast.com.cn",
    "https://proxy.example/anyfast",
    "https://10.0.0.1:8443",
    "HTTPS://example.com",
  };
  const char *refused[] = {
    "http://example.com",
    "http://www.anyfast.ai",
    "http://127.0.0.1.nip.io",
    "http://127.0.0.1.nip.io:8080",
    "http://10.0.0.1",
    "http://192.168.1.20:8080",
    "http://localhost.evil.com",
    "http://localhost@evil.com",
    "http://evil.com#@127.0.0.1",
    "http://2130706433",
    "http://[::ffff:8.8.8.8]",
    "http://0.0.0.0:8080",
    "https://user:secret@www.anyfast.ai",
    "https://proxy.example/?key=1",
    "https://proxy.example/#x",
    "ftp://www.anyfast.ai",
    "file:///etc/passwd",
    "www.anyfast.ai",
    "https://",
    "http://",
    "not a url at all",
    "",
    "   ",
    NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("accepted: %s", accepted[i]);
      g_assert_true (dailies_api_base_is_acceptable (accepted[i], &error));
      g_assert_no_error (error);
      /* Every plain http address taken is on this computer. */
      if (g_str_has_prefix (accepted[i], "http:") || g_str_has_prefix (accepted[i], "HTTP:"))
        g_assert_true (dailies_api_base_is_loopback (accepted[i]));
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DailiesApiClient) client = NULL;

      g_test_message ("refused: %s", refused[i] != NULL ? refused[i] : "(null)");
      g_assert_false (dailies_api_base_is_acceptable (refused[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      /* Words for a person, and never the address (it may hold a password). */
      g_assert_cmpuint (strlen (error->message), >, 20);
      g_assert_null (strstr (error->message, "secret"));
      g_assert_null (dailies_api_base_dup_key_host (refused[i]));
      g_assert_false (dailies_api_base_is_loopback (refused[i]));

      /* The client takes the same rule: it keeps no base to send a key to. */
      client = dailies_api_client_new ("https://www.anyfast.ai");
      dailies_api_client_set_base_url (client, refused[i]);
      g_assert_cmpstr (dailies_api_client_get_base_url (client), ==, "");
    }
}

static void
test_http_says_why (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (dailies_api_base_is_acceptable ("http://example.com", &error));
  g_assert_nonnull (strstr (error->message, "https://"));
  g_assert_nonnull (strstr (error->message, "unencrypted"));
}

static void
test_loopback (void)
{
  g_assert_true (dailies_api_base_is_loopback ("https://localhost:8443"));
  g_assert_true (dailies_api_base_is_loopback ("http://127.0.0.2"));
  g_assert_false (dailies_api_base_is_loopback ("https://www.anyfast.ai"));
  g_assert_false (dailies_api_base_is_loopback ("https://127.0.0.1.nip.io"));
  g_assert_false (dailies_api_base_is_loopback ("https://10.0.0.1"));
}

static void
test_key_host (void)
{
  struct {
    const char *url;
    const char *host;
  } cases[] = {
    { "https://www.anyfast.ai",          "www.anyfast.ai" },
    { "https://WWW.AnyFast.ai/",         "www.anyfast.ai" },
    { "https://www.anyfast.ai:443/v",    "www.anyfast.ai" },
    { "https://www.anyfast.com.cn",      "www.anyfast.com.cn" },
    { "https://proxy.example:8443",      "proxy.example:8443" },
    { "http://127.0.0.1:8080",           "127.0.0.1:8080" },
    { "http://127.0.0.1:8081/",          "127.0.0.1:8081" },
    { "http://localhost",                "localhost:80" },
    { "http://[::1]:9",                  "[::1]:9" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = dailies_api_base_dup_key_host (cases[i].url);

      g_assert_cmpstr (host, ==, cases[i].host);
    }
}

/* The endpoint's own path is taken off the end of the address, and
 * nothing else is touched; the regions' own hosts keep no path at all. */
static void
test_tidy (void)
{
  const struct { const char *in, *out; } cases[] = {
    { "https://www.anyfast.ai",                         "https://www.anyfast.ai" },
    { "  https://www.anyfast.ai/  ",                    "https://www.anyfast.ai" },
    { "https://www.anyfast.ai/v1",                      "https://www.anyfast.ai" },
    { "https://www.anyfast.ai/v1/",                     "https://www.anyfast.ai" },
    { "https://www.anyfast.ai/v1/video/generations",    "https://www.anyfast.ai" },
    { "https://www.anyfast.ai/v1/video/generations//",  "https://www.anyfast.ai" },
    { "https://proxy.example:8443/anyfast/v1",          "https://proxy.example:8443/anyfast" },
    { "http://[::1]:8080/v1",                           "http://[::1]:8080" },
    { "https://v1",                                     "https://v1" },
    { "https://proxy.example/v10",                      "https://proxy.example/v10" },
    { "https://proxy.example/api/v1x",                  "https://proxy.example/api/v1x" },
    { "https://proxy.example/video/generations",        "https://proxy.example/video/generations" },
    { "https://www.anyfast.ai/v1/v1",                   "https://www.anyfast.ai" },
    { "HTTPS://www.AnyFast.ai:443/v1",                  "HTTPS://www.AnyFast.ai:443" },
    { "https://[fe80::1%25eth0]:8443/v1",               "https://[fe80::1%25eth0]:8443" },
    { "https://proxy.example/a%2Fb/v1/",                "https://proxy.example/a%2Fb" },
    { "https://proxy.example/v1?x=1",                   "https://proxy.example/v1?x=1" },
    /* The regions' hosts: the API is at their root, their pages elsewhere. */
    { "https://www.anyfast.ai/console/task?p=1",        "https://www.anyfast.ai" },
    { "https://www.anyfast.com.cn/#/console",           "https://www.anyfast.com.cn" },
    { "https://WWW.ANYFAST.AI/Console/",                "https://WWW.ANYFAST.AI" },
    { "https://anyfast.ai/docs",                        "https://anyfast.ai" },
    { "https://www.anyfast.ai/v10",                     "https://www.anyfast.ai" },
    { "https://www.anyfast.ai:443/log",                 "https://www.anyfast.ai:443" },
    { "https://www.anyfast.ai:/console",                "https://www.anyfast.ai" },
    { "https://www.anyfast.ai?x",                       "https://www.anyfast.ai" },
    { "https://www.anyfast.ai:8443/console",            "https://www.anyfast.ai:8443/console" },
    { "http://www.anyfast.ai/console",                  "http://www.anyfast.ai/console" },
    { "https://www.anyfast.ai.example/console",         "https://www.anyfast.ai.example/console" },
    { "not an address /v1",                             "not an address /v1" },
    { "",                                               "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *tidy = dailies_api_base_dup_tidy (cases[i].in);
      g_autofree char *again = dailies_api_base_dup_tidy (tidy);

      g_test_message ("%s", cases[i].in);
      g_assert_cmpstr (tidy, ==, cases[i].out);
      /* What Preferences keep is what the client asks at. */
      g_assert_cmpstr (again, ==, tidy);
    }

  {
    g_autofree char *none = dailies_api_base_dup_tidy (NULL);

    g_assert_cmpstr (none, ==, "");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/api-base/acceptable", test_acceptable);
  g_test_add_func ("/dailies/api-base/http-says-why", test_http_says_why);
  g_test_add_func ("/dailies/api-base/loopback", test_loopback);
  g_test_add_func ("/dailies/api-base/key-host", test_key_host);
  g_test_add_func ("/dailies/api-base/tidy", test_tidy);

  return g_test_run ();
}
