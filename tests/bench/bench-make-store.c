/* bench-make-store.c
 *
 * Writes a tasks.db with N finished tasks, as if tracked for a while, or
 * with "running", N tasks still generating, each answered once:
 *   bench-make-store DB_PATH N [running]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-task-response.h"
#include "dailies-task-store.h"
#include "dailies-task.h"

static const char body_template[] =
  "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\",\"action\":\"generate\","
  "\"status\":\"SUCCESS\",\"result_url\":\"https://cdn.example.com/v/%s.mp4?Expires=1777375200&Signature=x\","
  "\"fail_reason\":\"https://cdn.example.com/v/%s.mp4?Expires=1777375200&Signature=x\","
  "\"submit_time\":1777288506,\"start_time\":1777288508,\"finish_time\":1777288800,\"progress\":\"100%%\","
  "\"request_id\":\"20260427111505260254000NBdvZFoP\",\"data\":{\"content\":{\"video_url\":"
  "\"https://cdn.example.com/v/%s.mp4?Expires=1777375200&Signature=x\"},\"created_at\":1777288506,"
  "\"duration\":5,\"framespersecond\":24,\"generate_audio\":true,\"id\":\"cgt-20260427191505-9j2q7\","
  "\"model\":\"doubao-seedance-2-0-260128\",\"ratio\":\"16:9\",\"resolution\":\"720p\",\"seed\":4304,"
  "\"status\":\"succeeded\",\"usage\":{\"completion_tokens\":108900,\"total_tokens\":108900}}}}";

/* The real API's answer about a task still generating. */
static const char running_template[] =
  "{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\",\"action\":\"generate\","
  "\"status\":\"IN_PROGRESS\",\"fail_reason\":\"\",\"submit_time\":1777288506,\"start_time\":1777288508,"
  "\"finish_time\":0,\"progress\":\"30%%\",\"request_id\":\"20260427111505260254000NBdvZFoP\","
  "\"data\":{\"id\":\"cgt-20260427191505-9j2q7\",\"model\":\"doubao-seedance-2-0-260128\","
  "\"status\":\"running\",\"content\":{},\"usage\":null,\"created_at\":1777288506,"
  "\"updated_at\":1777288508,\"seed\":4304,\"resolution\":\"720p\",\"ratio\":\"16:9\","
  "\"duration\":5,\"framespersecond\":24}}}";

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DailiesTaskStore) store = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gboolean running = argc == 4 && g_str_equal (argv[3], "running");
  guint n;

  if (argc != 3 && !running)
    {
      g_printerr ("usage: %s DB_PATH N [running]\n", argv[0]);
      return 2;
    }

  n = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  store = dailies_task_store_new (argv[1]);
  if (!dailies_task_store_load (store, &error))
    g_error ("bench: %s", error->message);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Kept%010u", i));
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);

  for (guint i = 0; i < n; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autofree char *body = running ? g_strdup_printf (running_template, id)
                                      : g_strdup_printf (body_template, id, id, id, id);
      g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), &error);

      if (response == NULL)
        g_error ("bench: %s", error->message);
      dailies_task_store_apply_response (store, dailies_task_store_lookup (store, id), response, body, 200);
    }

  if (!dailies_task_store_flush (store, &error))
    g_error ("bench: %s", error->message);

  return 0;
}
