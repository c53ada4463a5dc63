/* fuzz-link.c
 *
 * Any text as a result URL: reading its expiry never crashes, gives the
 * same answer twice (it is pure), finds an expiry only in a usable
 * http(s) link, and only one within the years a real link can carry; and
 * it reads the link's query as g_uri_parse() does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include "dailies-link.h"
#include "../dailies-test-link.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *url = g_strndup ((const char *) data, size);
  gint64 first = 0;
  gint64 second = 0;
  gint64 as_guri = 0;
  gboolean found;

  found = dailies_link_parse_expiry (url, &first);
  FUZZ_CHECK (dailies_link_parse_expiry (url, &second) == found, "the same answer twice");
  FUZZ_CHECK (!found || first == second, "the same time twice");
  FUZZ_CHECK (!found || dailies_link_is_usable (url), "an expiry only in a usable link");
  /* 2000-01-01 to 2100-01-01, plus the longest lifetime a signature may state. */
  FUZZ_CHECK (!found || (first >= G_GINT64_CONSTANT (946684800) &&
                         first <= G_GINT64_CONSTANT (4102444800) + DAILIES_LINK_MAX_LIFETIME),
              "an expiry within the years a link can carry");
  FUZZ_CHECK (dailies_test_link_expiry_as_guri_reads (url, &as_guri) == found && (!found || as_guri == first),
              "the query read as g_uri_parse() reads it");

  return 0;
}
