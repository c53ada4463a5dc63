/* fuzz-retry-after.c
 *
 * Any Retry-After header value (delta-seconds or an HTTP date), read
 * against any clock: the wait is -1 or within 0..DAILIES_API_MAX_RETRY_AFTER.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"

#include "dailies-api-client.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  gint64 now = 1777288506;  /* 2026-04-27, when no clock comes with the input */
  g_autofree char *value = NULL;
  gint64 wait;

  /* The first 8 bytes, when there are more, are the clock: far past and
   * far future clocks must not overflow the difference. */
  if (size > sizeof now)
    {
      memcpy (&now, data, sizeof now);
      data += sizeof now;
      size -= sizeof now;
    }

  /* A header value is a C string: it ends at the first NUL. */
  value = g_strndup ((const char *) data, size);

  wait = dailies_api_parse_retry_after (value, now);
  FUZZ_CHECK (wait == -1 || (wait >= 0 && wait <= DAILIES_API_MAX_RETRY_AFTER), "the wait is -1 or 0..max");

  return 0;
}
