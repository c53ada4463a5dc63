/* dailies-link.c
 *
 * What a pre-signed result link says about itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-link.h"

/* Signing times and expiries outside these bounds are not real links:
 * 2000-01-01 and 2100-01-01, in Unix seconds. */
#define EARLIEST_TIME G_GINT64_CONSTANT (946684800)
#define LATEST_TIME   G_GINT64_CONSTANT (4102444800)

/* The signature parameters looked for, each to be given at most once. */
enum {
  PARAM_TOS_DATE,
  PARAM_TOS_EXPIRES,
  PARAM_AMZ_DATE,
  PARAM_AMZ_EXPIRES,
  PARAM_EXPIRES,
  N_PARAMS
};

static const char * const param_names[N_PARAMS] = {
  "X-Tos-Date",
  "X-Tos-Expires",
  "X-Amz-Date",
  "X-Amz-Expires",
  "Expires",
};

static gboolean
is_http_uri (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);

  return (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0) &&
         host != NULL && *host != '\0';
}

gboolean
dailies_link_is_usable (const char *url)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL || *url == '\0')
    return FALSE;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  return uri != NULL && is_http_uri (uri);
}

/* A compact ISO 8601 UTC time, exactly as signers write it
 * (20260427T111505Z): parsed by GDateTime, and accepted only when it
 * formats back to the same text, which rules out every other ISO form,
 * time zones and out-of-range fields. */
static gboolean
parse_compact_time (const char *text,
                    gint64     *out_time)
{
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *again = NULL;
  gint64 unix_time;

  if (text == NULL)
    return FALSE;

  time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    return FALSE;

  again = g_date_time_format (time, "%Y%m%dT%H%M%SZ");
  if (g_strcmp0 (again, text) != 0)
    return FALSE;

  unix_time = g_date_time_to_unix (time);
  if (unix_time < EARLIEST_TIME || unix_time > LATEST_TIME)
    return FALSE;

  *out_time = unix_time;
  return TRUE;
}

/* Plain decimal digits only: no sign, no spaces, no overflow. */
static gboolean
parse_seconds (const char *text,
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

static gboolean
signed_time_plus_lifetime (const char *date,
                           const char *expires,
                           gint64     *out_expires_at)
{
  gint64 signed_at;
  gint64 lifetime;

  if (!parse_compact_time (date, &signed_at) ||
      !parse_seconds (expires, 1, DAILIES_LINK_MAX_LIFETIME, &lifetime))
    return FALSE;

  *out_expires_at = signed_at + lifetime;
  return TRUE;
}

/* g_uri_params_iter_next()'s decoding of one part (G_URI_PARAMS_NONE), into
 * @out, which holds at least @end - @start + 1 bytes: each %-escape must be
 * two hex digits, and the result valid UTF-8 with no NUL. Returns the
 * decoded length, -1 when it does not decode. */
static gssize
decode_part (const char *start,
             const char *end,
             char       *out)
{
  char *d = out;

  for (const char *s = start; s < end; s++)
    {
      if (*s != '%')
        {
          *d++ = *s;
          continue;
        }
      if (s + 2 >= end || !g_ascii_isxdigit (s[1]) || !g_ascii_isxdigit (s[2]))
        return -1;
      *d++ = (char) (g_ascii_xdigit_value (s[1]) * 16 + g_ascii_xdigit_value (s[2]));
      s += 2;
    }
  *d = '\0';

  if (!g_utf8_validate_len (out, d - out, NULL))
    return -1;

  return d - out;
}

/* The signature parameters of @query ("&"-separated, as GUriParamsIter
 * reads it with G_URI_PARAMS_NONE, but with no string per part: every
 * link of every answer goes through here). FALSE when a part does not
 * decode or has no "="; @ambiguous when one is given twice. */
static gboolean
find_params (const char *query,
             char       *values[N_PARAMS],
             gboolean   *ambiguous)
{
  const char *p = query;
  const char *end = query + strlen (query);
  g_autofree char *name = g_malloc (end - p + 1);
  g_autofree char *value = g_malloc (end - p + 1);

  while (p < end)
    {
      const char *part_end = memchr (p, '&', end - p);
      const char *equals;
      gssize value_length;

      if (part_end == NULL)
        part_end = end;
      equals = memchr (p, '=', part_end - p);
      if (equals == NULL ||
          decode_part (p, equals, name) < 0 ||
          (value_length = decode_part (equals + 1, part_end, value)) < 0)
        return FALSE;

      for (guint i = 0; i < N_PARAMS; i++)
        {
          if (g_ascii_strcasecmp (name, param_names[i]) != 0)
            continue;

          /* Given twice: which one the host reads is anyone's guess. */
          if (values[i] != NULL)
            *ambiguous = TRUE;
          g_free (values[i]);
          values[i] = g_strndup (value, value_length);
          break;
        }

      p = part_end + 1;
    }

  return TRUE;
}

gboolean
dailies_link_parse_expiry (const char *url,
                           gint64     *out_expires_at)
{
  g_autoptr(GUri) uri = NULL;
  char *values[N_PARAMS] = { NULL, };
  const char *query;
  gboolean ambiguous = FALSE;
  gboolean found = FALSE;
  gint64 expires_at = 0;

  if (url == NULL)
    return FALSE;

  /* The query stays encoded here; find_params() decodes each part. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  if (uri == NULL || !is_http_uri (uri))
    return FALSE;

  query = g_uri_get_query (uri);
  if (query == NULL)
    return FALSE;

  /* A query that does not decode (a bad %-escape) is not judged on the
   * half of it before that. */
  if (!find_params (query, values, &ambiguous) || ambiguous)
    found = FALSE;
  else if (values[PARAM_TOS_DATE] != NULL || values[PARAM_TOS_EXPIRES] != NULL)
    found = signed_time_plus_lifetime (values[PARAM_TOS_DATE], values[PARAM_TOS_EXPIRES], &expires_at);
  else if (values[PARAM_AMZ_DATE] != NULL || values[PARAM_AMZ_EXPIRES] != NULL)
    found = signed_time_plus_lifetime (values[PARAM_AMZ_DATE], values[PARAM_AMZ_EXPIRES], &expires_at);
  else if (values[PARAM_EXPIRES] != NULL)
    found = parse_seconds (values[PARAM_EXPIRES], EARLIEST_TIME, LATEST_TIME, &expires_at);

  for (guint i = 0; i < N_PARAMS; i++)
    g_free (values[i]);

  if (found && out_expires_at != NULL)
    *out_expires_at = expires_at;

  return found;
}
