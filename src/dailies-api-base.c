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

static void
drop_trailing_slashes (char *path)
{
  gsize len = strlen (path);

  while (len > 0 && path[len - 1] == '/')
    path[--len] = '\0';
}

static void
drop_suffix (char       *path,
             const char *suffix)
{
  if (g_str_has_suffix (path, suffix))
    path[strlen (path) - strlen (suffix)] = '\0';
  drop_trailing_slashes (path);
}

char *
dailies_api_base_dup_tidy (const char *url)
{
  g_autofree char *stripped = g_strstrip (g_strdup (url != NULL ? url : ""));
  g_autoptr(GUri) uri = g_uri_parse (stripped, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *path = NULL;

  if (uri == NULL)
    return g_steal_pointer (&stripped);

  path = g_strdup (g_uri_get_path (uri));
  drop_trailing_slashes (path);
  drop_suffix (path, "/v1/video/generations");
  drop_suffix (path, "/v1");

  /* Untouched, it stays as typed (joining again may respell it). */
  if (strcmp (path, g_uri_get_path (uri)) == 0)
    return g_steal_pointer (&stripped);

  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                     g_uri_get_host (uri), g_uri_get_port (uri), path,
                     g_uri_get_query (uri), g_uri_get_fragment (uri));
}
