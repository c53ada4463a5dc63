/* dailies-sidecar.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "dailies-sidecar.h"
#include "dailies-task.h"

/* The sidecar sits next to the video for as long as the user keeps it, is
 * copied and shared with it: nothing that opens a link or unlocks an account
 * may end up there, whatever a future API puts into a field. */
static gboolean
is_safe_text (const char *text)
{
  static const char * const forbidden[] = {
    "://", "signature", "expires", "bearer", "token=", "key=", "credential",
  };
  g_autofree char *folded = NULL;

  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    return FALSE;

  folded = g_ascii_strdown (text, -1);
  for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
    if (strstr (folded, forbidden[i]) != NULL)
      return FALSE;

  /* API keys of the OpenAI-style family. */
  if (g_str_has_prefix (folded, "sk-"))
    return FALSE;

  return TRUE;
}

static void
add_text (JsonBuilder *builder,
          const char  *name,
          const char  *value)
{
  g_assert (JSON_IS_BUILDER (builder));

  if (value == NULL)
    return;

  if (!is_safe_text (value))
    {
      /* Never log the value itself: it may be the very thing kept out. */
      g_debug ("sidecar: left out %s: not plain text", name);
      return;
    }

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  g_assert (JSON_IS_BUILDER (builder));

  if (value < 0)
    return;

  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* "name": Unix seconds and "name_iso": the same in ISO 8601 UTC. */
static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       unix_seconds)
{
  g_autoptr(GDateTime) date_time = NULL;
  g_autofree char *iso = NULL;
  g_autofree char *iso_name = NULL;

  g_assert (JSON_IS_BUILDER (builder));

  if (unix_seconds <= 0)
    return;

  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, unix_seconds);

  date_time = g_date_time_new_from_unix_utc (unix_seconds);
  if (date_time == NULL || (iso = g_date_time_format_iso8601 (date_time)) == NULL)
    return;

  iso_name = g_strconcat (name, "_iso", NULL);
  json_builder_set_member_name (builder, iso_name);
  json_builder_add_string_value (builder, iso);
}

static const char *
status_name (DailiesTaskStatus status)
{
  switch (status)
    {
    case DAILIES_TASK_STATUS_NOT_START:   return "NOT_START";
    case DAILIES_TASK_STATUS_QUEUED:      return "QUEUED";
    case DAILIES_TASK_STATUS_IN_PROGRESS: return "IN_PROGRESS";
    case DAILIES_TASK_STATUS_SUCCESS:     return "SUCCESS";
    case DAILIES_TASK_STATUS_FAILURE:     return "FAILURE";
    case DAILIES_TASK_STATUS_NOT_FOUND:   return "NOT_FOUND";
    case DAILIES_TASK_STATUS_UNKNOWN:
    case DAILIES_TASK_STATUS_OTHER:
    default:                              return NULL;
    }
}

static const char *
first_text (const char *preferred,
            const char *fallback)
{
  return preferred != NULL ? preferred : fallback;
}

static gint64
first_time (gint64 preferred,
            gint64 fallback)
{
  return preferred > 0 ? preferred : fallback;
}

static char *
build (DailiesTask               *task,
       const DailiesTaskResponse *response,
       const char                *container)
{
  g_autoptr(DailiesTaskResponse) parsed = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *status;

  g_return_val_if_fail (DAILIES_IS_TASK (task), NULL);

  if (response == NULL)
    response = parsed = dailies_task_dup_response (task);

  /* The task's own state first: it is what the app last stored. */
  status = dailies_task_get_status_text (task);
  if (status == NULL)
    status = status_name (dailies_task_get_status (task));

  builder = json_builder_new ();
  json_builder_begin_object (builder);

  add_text (builder, "task_id", dailies_task_get_id (task));
  add_text (builder, "request_id", first_text (dailies_task_get_request_id (task),
                                               response ? response->request_id : NULL));
  add_text (builder, "status", status);

  if (response != NULL)
    add_text (builder, "action", response->action);

  add_text (builder, "model", first_text (dailies_task_get_model (task),
                                          response ? response->model : NULL));

  if (response != NULL)
    {
      add_int (builder, "seed", response->seed);
      add_text (builder, "ratio", response->ratio);
      add_text (builder, "resolution", response->resolution);
      add_text (builder, "upstream_resolution", response->upstream_resolution);
      add_int (builder, "fps", response->fps);
      add_int (builder, "duration", response->duration);

      if (response->generate_audio >= 0)
        {
          json_builder_set_member_name (builder, "generate_audio");
          json_builder_add_boolean_value (builder, response->generate_audio != 0);
        }

      if (response->completion_tokens >= 0 ||
          response->total_tokens >= 0 ||
          response->billed_tokens >= 0)
        {
          json_builder_set_member_name (builder, "tokens");
          json_builder_begin_object (builder);
          add_int (builder, "completion", response->completion_tokens);
          add_int (builder, "total", response->total_tokens);
          add_int (builder, "billed", response->billed_tokens);
          json_builder_end_object (builder);
        }
    }

  add_time (builder, "submit_time", first_time (dailies_task_get_submit_time (task),
                                                response ? response->submit_time : 0));
  add_time (builder, "start_time", first_time (dailies_task_get_start_time (task),
                                               response ? response->start_time : 0));
  add_time (builder, "finish_time", first_time (dailies_task_get_finish_time (task),
                                                response ? response->finish_time : 0));

  if (response != NULL)
    add_text (builder, "upstream_id", response->upstream_id);

  /* What the file is, whatever it is named: "mov" or "mp4". */
  add_text (builder, "container", container);
  if (response != NULL)
    add_text (builder, "output_format", response->output_format);

  add_time (builder, "saved_at", g_get_real_time () / G_USEC_PER_SEC);
  add_text (builder, "app", "Dailies " PACKAGE_VERSION);
  add_int (builder, "sidecar_version", DAILIES_SIDECAR_VERSION);

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

char *
dailies_sidecar_build (DailiesTask               *task,
                       const DailiesTaskResponse *response)
{
  g_return_val_if_fail (DAILIES_IS_TASK (task), NULL);

  return build (task, response, NULL);
}

/* Task IDs come from user input: only a plain name may become a file name. */
static gboolean
is_safe_file_stem (const char *id)
{
  if (id == NULL || *id == '\0' || *id == '.' || strlen (id) > 200)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;

  return TRUE;
}

/* The sidecar's path and text for @video_path, built here on the
 * caller's thread, where @task lives. */
static gboolean
prepare (const char   *video_path,
         DailiesTask  *task,
         char        **out_path,
         char        **out_json,
         GError      **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *basename = NULL;
  const char *id;
  const char *dot;

  id = dailies_task_get_id (task);
  if (!is_safe_file_stem (id))
    {
      g_set_error_literal (error,
                           G_IO_ERROR,
                           G_IO_ERROR_INVALID_FILENAME,
                           _("This task ID cannot be used as a file name"));
      return FALSE;
    }

  dir = g_path_get_dirname (video_path);
  name = g_strconcat (id, ".json", NULL);
  basename = g_path_get_basename (video_path);
  dot = strrchr (basename, '.');
  *out_path = g_build_filename (dir, name, NULL);
  *out_json = build (task, NULL, dot != NULL && dot != basename ? dot + 1 : NULL);

  return TRUE;
}

gboolean
dailies_sidecar_write (const char   *video_path,
                       DailiesTask  *task,
                       GError      **error)
{
  g_autofree char *path = NULL;
  g_autofree char *json = NULL;

  g_return_val_if_fail (video_path != NULL, FALSE);
  g_return_val_if_fail (DAILIES_IS_TASK (task), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!prepare (video_path, task, &path, &json, error))
    return FALSE;

  /* g_file_set_contents() writes a temporary file and renames it. */
  return g_file_set_contents (path, json, -1, error);
}

typedef struct
{
  char *path;
  char *json;
} Write;

static void
write_free (Write *write)
{
  g_free (write->path);
  g_free (write->json);
  g_free (write);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Write *write = task_data;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!g_file_set_contents (write->path, write->json, -1, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
dailies_sidecar_write_async (const char          *video_path,
                             DailiesTask         *task,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) gtask = NULL;
  g_autoptr(GError) error = NULL;
  Write *write;

  g_return_if_fail (video_path != NULL);
  g_return_if_fail (DAILIES_IS_TASK (task));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  gtask = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, dailies_sidecar_write_async);
  /* Cancelled once written still says it was written. */
  g_task_set_check_cancellable (gtask, FALSE);

  write = g_new0 (Write, 1);
  g_task_set_task_data (gtask, write, (GDestroyNotify) write_free);
  if (!prepare (video_path, task, &write->path, &write->json, &error))
    {
      g_task_return_error (gtask, g_steal_pointer (&error));
      return;
    }

  g_task_run_in_thread (gtask, write_thread);
}

gboolean
dailies_sidecar_write_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, dailies_sidecar_write_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
