/* fuzz-response.c
 *
 * Any bytes as the body of a task answer: the parser and the error-message
 * reader never crash, and keep their promises on what they return.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include "dailies-task-response.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *body = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(DailiesTaskResponse) copy = NULL;
  g_autofree char *message = NULL;

  response = dailies_task_response_parse (body, size, &error);
  FUZZ_CHECK ((response == NULL) != (error == NULL), "parse: exactly one of a response or an error");

  if (response != NULL)
    {
      FUZZ_CHECK (response->task_id != NULL && *response->task_id != '\0', "parse: a response has a task_id");
      FUZZ_CHECK (response->progress >= -1 && response->progress <= 100, "parse: progress is -1..100");
      FUZZ_CHECK (response->status_text == NULL || g_utf8_validate (response->status_text, -1, NULL),
                  "parse: status text is UTF-8");
      FUZZ_CHECK (response->fail_reason == NULL || response->result_url == NULL ||
                  g_strcmp0 (response->fail_reason, response->result_url) != 0,
                  "parse: a fail_reason repeating result_url is dropped");
      dailies_task_status_is_terminal (response->status);
      copy = dailies_task_response_copy (response);
      FUZZ_CHECK (g_strcmp0 (copy->task_id, response->task_id) == 0, "copy: same task_id");
    }
  else
    {
      FUZZ_CHECK (error->domain == DAILIES_RESPONSE_ERROR, "parse: errors are in DAILIES_RESPONSE_ERROR");
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "parse: the error message is UTF-8");
    }

  message = dailies_task_response_error_message (body, size);
  FUZZ_CHECK (message == NULL || g_utf8_validate (message, -1, NULL), "error_message: UTF-8");
  FUZZ_CHECK (message == NULL || strchr (message, '\n') == NULL, "error_message: one line");

  return 0;
}
