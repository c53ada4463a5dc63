/* dailies-test-link.h
 *
 * The reference that test-link and fuzz-link hold the reading of a
 * link's query by hand to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "dailies-link.h"

/* What reading @url with GUri gives: its query, if it is an http(s) link
 * with a host, judged on a plain link of our own. The reading by hand
 * must agree with it on every link. */
static inline gboolean
dailies_test_link_expiry_as_guri_reads (const char *url,
                                        gint64     *out_expires_at)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autofree char *plain = NULL;
  const char *scheme;
  const char *host;

  if (uri == NULL || g_uri_get_query (uri) == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      host == NULL || *host == '\0')
    return FALSE;

  plain = g_strconcat ("https://h.example/v.mp4?", g_uri_get_query (uri), NULL);
  return dailies_link_parse_expiry (plain, out_expires_at);
}
