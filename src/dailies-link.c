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

static gboolean
is_leap_year (int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Days from 1970-01-01 to @year-@month-@day of the proleptic Gregorian
 * calendar (Howard Hinnant's days_from_civil). */
static gint64
days_from_civil (int year,
                 int month,
                 int day)
{
  int era, year_of_era, day_of_year, day_of_era;

  year -= month <= 2;
  era = (year >= 0 ? year : year - 399) / 400;
  year_of_era = year - era * 400;
  day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

  return (gint64) era * 146097 + day_of_era - 719468;
}

/* @length digits at @text as a number; -1 when one is not a digit. */
static int
read_digits (const char *text,
             guint       length)
{
  int value = 0;

  for (guint i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return -1;
      value = value * 10 + (text[i] - '0');
    }

  return value;
}

/* A compact ISO 8601 UTC time, exactly as signers write it
 * (20260427T111505Z), and nothing else: no other ISO form, no time zone,
 * no fraction, no field out of range (what GDateTime parses and formats
 * back to the same text, read here by hand: every link of every answer
 * goes through this). */
static gboolean
parse_compact_time (const char *text,
                    gint64     *out_time)
{
  static const int days_in_month[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int year, month, day, hour, minute, second;
  gint64 unix_time;

  if (text == NULL || strlen (text) != 16 || text[8] != 'T' || text[15] != 'Z')
    return FALSE;

  year = read_digits (text, 4);
  month = read_digits (text + 4, 2);
  day = read_digits (text + 6, 2);
  hour = read_digits (text + 9, 2);
  minute = read_digits (text + 11, 2);
  second = read_digits (text + 13, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > days_in_month[month - 1] + (month == 2 && is_leap_year (year)) ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return FALSE;

  unix_time = days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
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

/* The part from @start to @end as decode_part() decodes it: itself when
 * it holds no "%" and nothing past ASCII (most parts), else decoded into
 * @buffer. NULL when it does not decode; its length in @out_length. */
static const char *
read_part (const char *start,
           const char *end,
           char       *buffer,
           gsize      *out_length)
{
  gssize length;

  for (const char *s = start; s < end; s++)
    {
      if (*s == '%' || (guchar) *s >= 0x80)
        {
          length = decode_part (start, end, buffer);
          if (length < 0)
            return NULL;
          *out_length = length;
          return buffer;
        }
    }

  *out_length = end - start;
  return start;
}

/* The signature parameters of the @length bytes of @query ("&"-separated,
 * as GUriParamsIter reads it with G_URI_PARAMS_NONE, but with no string per
 * part: every link of every answer goes through here). FALSE when a part
 * does not decode or has no "="; @ambiguous when one is given twice. */
static gboolean
find_params (const char *query,
             gsize       length,
             char       *values[N_PARAMS],
             gboolean   *ambiguous)
{
  const char *p = query;
  const char *end = query + length;
  g_autofree char *name_buffer = g_malloc (end - p + 1);
  g_autofree char *value_buffer = g_malloc (end - p + 1);

  while (p < end)
    {
      const char *part_end = memchr (p, '&', end - p);
      const char *equals;
      const char *name;
      const char *value;
      gsize name_length;
      gsize value_length;

      if (part_end == NULL)
        part_end = end;
      equals = memchr (p, '=', part_end - p);
      if (equals == NULL ||
          (name = read_part (p, equals, name_buffer, &name_length)) == NULL ||
          (value = read_part (equals + 1, part_end, value_buffer, &value_length)) == NULL)
        return FALSE;

      for (guint i = 0; i < N_PARAMS; i++)
        {
          if (name_length != strlen (param_names[i]) ||
              g_ascii_strncasecmp (name, param_names[i], name_length) != 0)
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

/* What find_query() makes of a link. */
typedef enum
{
  SCAN_QUERY,     /* an http(s) link with a host and this query */
  SCAN_NO_QUERY,  /* an http(s) link with a host and no query */
  SCAN_UNSURE,    /* anything else: g_uri_parse() decides */
} Scan;

/* The query of @url, read without GUri for the links hosts hand out:
 * "http" or "https" (any case), "//", a host of letters, digits, dots and
 * hyphens (an IPv4 address among them), perhaps a port, then a path and a
 * fragment of ASCII without "%". g_uri_parse() accepts every such link,
 * and gives the query found here (the text between the first "?" after
 * the host and the first "#" after that, or the end): what it changes in
 * a query ("%41" to "A") decodes the same. A user, a bracketed IPv6
 * address, an escape or a byte past ASCII outside the query is UNSURE. */
static Scan
find_query (const char  *url,
            const char **out_query,
            gsize       *out_length)
{
  const char *p;
  const char *host;
  const char *query;

  if (g_ascii_strncasecmp (url, "http://", 7) == 0)
    p = url + 7;
  else if (g_ascii_strncasecmp (url, "https://", 8) == 0)
    p = url + 8;
  else
    return SCAN_UNSURE;

  for (host = p; g_ascii_isalnum (*p) || *p == '.' || *p == '-'; p++)
    ;
  if (p == host)
    return SCAN_UNSURE;

  /* A port of one to five digits, up to 65535 (a local server's). */
  if (*p == ':')
    {
      guint port = 0;
      guint n_digits = 0;

      for (p++; g_ascii_isdigit (*p) && n_digits < 6; p++, n_digits++)
        port = port * 10 + (*p - '0');
      if (n_digits == 0 || n_digits > 5 || port > 65535)
        return SCAN_UNSURE;
    }

  if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
    return SCAN_UNSURE;

  /* The path. */
  for (; *p != '\0' && *p != '?' && *p != '#'; p++)
    if (*p == '%' || (guchar) *p >= 0x80)
      return SCAN_UNSURE;

  query = NULL;
  if (*p == '?')
    {
      query = ++p;
      while (*p != '\0' && *p != '#')
        p++;
      *out_query = query;
      *out_length = p - query;
    }

  /* The fragment. */
  for (; *p != '\0'; p++)
    if (*p == '%' || (guchar) *p >= 0x80)
      return SCAN_UNSURE;

  return query != NULL ? SCAN_QUERY : SCAN_NO_QUERY;
}

gboolean
dailies_link_parse_expiry (const char *url,
                           gint64     *out_expires_at)
{
  g_autoptr(GUri) uri = NULL;
  const char *query = NULL;
  gsize query_length = 0;
  char *values[N_PARAMS] = { NULL, };
  gboolean ambiguous = FALSE;
  gboolean found = FALSE;
  gint64 expires_at = 0;

  if (url == NULL)
    return FALSE;

  switch (find_query (url, &query, &query_length))
    {
    case SCAN_QUERY:
      break;

    case SCAN_NO_QUERY:
      return FALSE;

    case SCAN_UNSURE:
    default:
      /* The query stays encoded here; find_params() decodes each part. */
      uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
      if (uri == NULL || !is_http_uri (uri) || g_uri_get_query (uri) == NULL)
        return FALSE;
      query = g_uri_get_query (uri);
      query_length = strlen (query);
      break;
    }

  /* A query that does not decode (a bad %-escape) is not judged on the
   * half of it before that. */
  if (!find_params (query, query_length, values, &ambiguous) || ambiguous)
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
