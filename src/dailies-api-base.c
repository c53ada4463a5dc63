/* dailies-api-base.c
 *
 * Which API addresses the key may go to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dailies-api-base.h"

/* By address, never by spelling: "127.0.0.1.nip.io" is somebody's host. */
static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

static GUri *
parse_acceptable (const char  *url,
                  GError     **error)
{
  g_autofree char *stripped = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url != NULL)
    {
      stripped = g_strstrip (g_strdup (url));
      uri = g_uri_parse (stripped, G_URI_FLAGS_NONE, NULL);
    }

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL || *host == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("This is not a web address such as https://www.anyfast.ai"));
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The address must start with https://"));
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The address must not hold a user name or password"));
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The address must not end in a query (?…) or a fragment (#…)"));
      return NULL;
    }

  if (g_ascii_strcasecmp (scheme, "http") == 0 && !host_is_loopback (host))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Plain http:// would send your API key unencrypted. Use https://, or http:// only for this computer (localhost, 127.0.0.1 or ::1)"));
      return NULL;
    }

  return g_steal_pointer (&uri);
}

gboolean
dailies_api_base_is_acceptable (const char  *url,
                                GError     **error)
{
  g_autoptr(GUri) uri = parse_acceptable (url, error);

  return uri != NULL;
}

gboolean
dailies_api_base_is_loopback (const char *url)
{
  g_autoptr(GUri) uri = parse_acceptable (url, NULL);

  return uri != NULL && host_is_loopback (g_uri_get_host (uri));
}

char *
dailies_api_base_dup_key_host (const char *url)
{
  g_autoptr(GUri) uri = parse_acceptable (url, NULL);
  g_autofree char *host = NULL;
  gboolean https;
  int port;

  if (uri == NULL)
    return NULL;

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  https = g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0;
  port = g_uri_get_port (uri);
  if (port < 0)
    port = https ? 443 : 80;

  if (port == 443)
    return g_steal_pointer (&host);
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%d", host, port);

  return g_strdup_printf ("%s:%d", host, port);
}

/* Cuts @suffix off @text's end when it is there and, with @min_length
 * of @text left, does not reach into what comes before the path. */
static gboolean
drop_suffix (char       *text,
             gsize       min_length,
             const char *suffix)
{
  gsize length = strlen (text);
  gsize cut = strlen (suffix);

  if (length < min_length + cut || !g_str_has_suffix (text, suffix))
    return FALSE;

  text[length - cut] = '\0';
  return TRUE;
}

/* The regions' own hosts, on https's own port: they serve the API at
 * their root and their web pages at every other path. */
static gboolean
is_region_host (GUri *uri)
{
  static const char * const hosts[] = { "www.anyfast.ai", "anyfast.ai", "www.anyfast.com.cn", "anyfast.com.cn" };
  const char *host = g_uri_get_host (uri);

  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 || g_uri_get_userinfo (uri) != NULL ||
      (g_uri_get_port (uri) != -1 && g_uri_get_port (uri) != 443) || host == NULL)
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (hosts); i++)
    if (g_ascii_strcasecmp (host, hosts[i]) == 0)
      return TRUE;

  return FALSE;
}

char *
dailies_api_base_dup_tidy (const char *url)
{
  g_autofree char *stripped = g_strstrip (g_strdup (url != NULL ? url : ""));
  g_autoptr(GUri) uri = g_uri_parse (stripped, G_URI_FLAGS_ENCODED, NULL);
  gsize before_path;
  gboolean cut;

  /* An address copied from the browser's address bar while signed in
   * ("https://www.anyfast.ai/console/task?p=1") means the root. */
  if (uri != NULL && is_region_host (uri))
    {
      char *authority = strstr (stripped, "://");

      if (authority != NULL)
        {
          gsize end = 3 + strcspn (authority + 3, "/?#");

          /* "host:" is the port left empty: https's own. */
          if (authority[end - 1] == ':')
            end--;
          authority[end] = '\0';
        }
      return g_steal_pointer (&stripped);
    }

  /* With a query or fragment the path is not at the end (and the address
   * is refused anyway). */
  if (uri == NULL || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      !g_str_has_suffix (stripped, g_uri_get_path (uri)))
    return g_steal_pointer (&stripped);

  /* Cut in place, as typed: joining the parts again would respell them. */
  before_path = strlen (stripped) - strlen (g_uri_get_path (uri));
  do
    {
      cut = drop_suffix (stripped, before_path, "/");
      cut = drop_suffix (stripped, before_path, "/v1/video/generations") || cut;
      cut = drop_suffix (stripped, before_path, "/v1") || cut;
    }
  while (cut);

  return g_steal_pointer (&stripped);
}
