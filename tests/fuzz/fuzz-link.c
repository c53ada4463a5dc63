/* fuzz-link.c
 *
 * Any text as a result URL: reading its expiry never crashes and gives
 * the same answer twice (it is pure).
 *
 * Built only once src/dailies-link.c is in the tree (tests/fuzz/meson.build).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include "dailies-link.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *url = g_strndup ((const char *) data, size);
  gint64 first = 0;
  gint64 second = 0;
  gboolean found;

  found = dailies_link_parse_expiry (url, &first);
  FUZZ_CHECK (dailies_link_parse_expiry (url, &second) == found, "the same answer twice");
  FUZZ_CHECK (!found || first == second, "the same time twice");

  return 0;
}
