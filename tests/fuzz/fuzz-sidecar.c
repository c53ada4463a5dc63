/* fuzz-sidecar.c
 *
 * Any bytes as a task's stored raw JSON, read back into the sidecar of a
 * kept video: it never crashes, is valid JSON, and never carries a URL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "fuzz-common.h"

#include "dailies-sidecar.h"
#include "dailies-task.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(DailiesTask) task = dailies_task_new ("asyntask_fuzz0123456789");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *raw = NULL;
  g_autofree char *sidecar = NULL;
  g_autofree char *sidecar_parsed = NULL;
  g_autoptr(DailiesTaskResponse) response = NULL;

  /* The store keeps raw JSON as text: what the app hands the task is
   * valid UTF-8 without NULs. */
  raw = g_utf8_make_valid ((const char *) data, size);
  dailies_task_set_raw_json (task, raw);

  sidecar = dailies_sidecar_build (task, NULL);
  FUZZ_CHECK (sidecar != NULL, "a sidecar is always built");
  FUZZ_CHECK (json_parser_load_from_data (parser, sidecar, -1, NULL), "the sidecar is valid JSON");
  FUZZ_CHECK (strstr (sidecar, "://") == NULL, "the sidecar never holds a URL");

  response = dailies_task_response_parse (raw, strlen (raw), NULL);
  if (response != NULL)
    {
      sidecar_parsed = dailies_sidecar_build (task, response);
      FUZZ_CHECK (sidecar_parsed != NULL, "a sidecar from a parsed response");
      FUZZ_CHECK (strstr (sidecar_parsed, "://") == NULL, "the sidecar never holds a URL");
    }

  return 0;
}
