/* dailies-test-link.h
 *
 * The reference that test-link and fuzz-link hold dailies_link_parse_expiry()
 * to: GLib's own readers throughout (GUri for the link and its query,
 * GUriParamsIter for the parameters, GDateTime for the signing date), with
 * the rules the API's links are read by. No code of the reading itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "dailies-link.h"

/* Signing times and expiries outside these are not real links:
 * 2000-01-01 and 2100-01-01. */
#define DAILIES_TEST_LINK_EARLIEST G_GINT64_CONSTANT (946684800)
#define DAILIES_TEST_LINK_LATEST   G_GINT64_CONSTANT (4102444800)

/* A compact ISO 8601 UTC time (20260427T111505Z), as GDateTime reads it:
 * parsed, and only when it formats back the same. */
static inline gboolean
dailies_test_link_compact_time (const char *text,
                                gint64     *out_time)
{
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *again = NULL;

  if (text == NULL || (time = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return FALSE;
  again = g_date_time_format (time, "%Y%m%dT%H%M%SZ");
  if (g_strcmp0 (again, text) != 0)
    return FALSE;

  *out_time = g_date_time_to_unix (time);
  return *out_time >= DAILIES_TEST_LINK_EARLIEST && *out_time <= DAILIES_TEST_LINK_LATEST;
}

static inline gboolean
dailies_test_link_seconds (const char *text,
                           guint64     min,
                           guint64     max,
                           gint64     *out_seconds)
{
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;
  *out_seconds = (gint64) value;
  return TRUE;
}

static inline gboolean
dailies_test_link_date_plus (const char *date,
                             const char *lifetime,
                             gint64     *out_expires_at)
{
  gint64 signed_at;
  gint64 seconds;

  if (!dailies_test_link_compact_time (date, &signed_at) ||
      !dailies_test_link_seconds (lifetime, 1, DAILIES_LINK_MAX_LIFETIME, &seconds))
    return FALSE;
  *out_expires_at = signed_at + seconds;
  return TRUE;
}

/* When @url, an http(s) link with a host, says when it expires: its
 * X-Tos-Date and X-Tos-Expires, else X-Amz-Date and X-Amz-Expires, else
 * Expires (names in any case, each at most once; a query with a part that
 * does not decode says nothing). */
static inline gboolean
dailies_test_link_expiry_as_guri_reads (const char *url,
                                        gint64     *out_expires_at)
{
  static const char * const names[] = { "X-Tos-Date", "X-Tos-Expires", "X-Amz-Date", "X-Amz-Expires", "Expires" };
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  char *values[G_N_ELEMENTS (names)] = { NULL, };
  GUriParamsIter iter;
  const char *scheme;
  const char *host;
  char *name;
  char *value;
  g_autoptr(GError) error = NULL;
  gboolean readable = TRUE;
  gboolean found = FALSE;

  if (uri == NULL || g_uri_get_query (uri) == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      host == NULL || *host == '\0')
    return FALSE;

  g_uri_params_iter_init (&iter, g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE);
  while (readable && g_uri_params_iter_next (&iter, &name, &value, &error))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
        if (g_ascii_strcasecmp (name, names[i]) == 0)
          {
            /* Given twice: not judged. */
            readable = values[i] == NULL;
            g_free (values[i]);
            values[i] = g_strdup (value);
          }
      g_free (name);
      g_free (value);
    }

  if (!readable || error != NULL)
    found = FALSE;
  else if (values[0] != NULL || values[1] != NULL)
    found = dailies_test_link_date_plus (values[0], values[1], out_expires_at);
  else if (values[2] != NULL || values[3] != NULL)
    found = dailies_test_link_date_plus (values[2], values[3], out_expires_at);
  else if (values[4] != NULL)
    found = dailies_test_link_seconds (values[4], DAILIES_TEST_LINK_EARLIEST, DAILIES_TEST_LINK_LATEST,
                                       out_expires_at);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (values[i]);

  return found;
}
