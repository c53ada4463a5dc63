/* fuzz-stored-json.c
 *
 * Any bytes as an answer: packed only when that makes them shorter, and
 * read back byte for byte. Any bytes as a stored form read from a damaged
 * file: never a crash, and nothing but UTF-8 from what claims to be packed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"

#include "dailies-stored-json.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  gsize packed_length = 0;
  g_autofree char *packed = dailies_stored_json_pack (text, size, &packed_length);
  g_autofree char *read_back = dailies_stored_json_unpack (text, size);

  if (packed != NULL)
    {
      g_autofree char *unpacked = dailies_stored_json_unpack (packed, packed_length);

      FUZZ_CHECK (packed_length < size, "packed only when shorter");
      FUZZ_CHECK (unpacked != NULL && memcmp (unpacked, text, size) == 0 && unpacked[size] == '\0',
                  "read back as it was");
    }

  if (size > 0 && data[0] == 0xFF)
    FUZZ_CHECK (read_back == NULL || g_utf8_validate (read_back, -1, NULL), "a packed form reads as UTF-8 or nothing");
  else
    FUZZ_CHECK (read_back != NULL && memcmp (read_back, text, size) == 0, "anything else read as it is");

  return 0;
}
