/* fuzz-stored-json.c
 *
 * Any bytes as an answer: packed only when that makes them shorter, read
 * back byte for byte, and as nothing once cut short. Any bytes as a
 * stored form read from a damaged file: never a crash, and from what
 * claims to be packed nothing but UTF-8 no longer than an answer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"

#include "dailies-stored-json.h"
#include "dailies-task-response.h"

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

      g_autofree char *cut = dailies_stored_json_unpack (packed, 1 + size % (packed_length - 1));

      FUZZ_CHECK (packed_length < size, "packed only when shorter");
      FUZZ_CHECK (unpacked != NULL && memcmp (unpacked, text, size) == 0 && unpacked[size] == '\0',
                  "read back as it was");
      FUZZ_CHECK (cut == NULL, "a stored form cut short reads as nothing");
    }

  if (size > 0 && data[0] == 0xFF)
    FUZZ_CHECK (read_back == NULL || (g_utf8_validate (read_back, -1, NULL) &&
                                      strlen (read_back) <= DAILIES_TASK_RESPONSE_MAX_BODY),
                "a packed form reads as UTF-8 no longer than an answer, or as nothing");
  else
    FUZZ_CHECK (read_back != NULL && memcmp (read_back, text, size) == 0, "anything else read as it is");

  return 0;
}
