/* dailies-demo-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dailies-demo-resources.h"
#include "dailies-demo-server.h"
#include "dailies-link.h"

#define DEMO_VIDEO_RESOURCE "/io/github/dailies/Dailies/demo/dailies-demo.mp4"
#define DEMO_MOV_RESOURCE   "/io/github/dailies/Dailies/demo/dailies-demo.mov"
#define DEMO_FRAME_RESOURCE "/io/github/dailies/Dailies/demo/dailies-demo-last-frame.png"
#define GENERATIONS_PREFIX  "/v1/video/generations/"
#define VIDEOS_PREFIX       "/videos/"
#define FRAMES_PREFIX       "/frames/"
/* How long a demo link stays valid, as the object store signs them. */
#define LINK_LIFETIME       (24 * 60 * 60)

typedef enum
{
  DEMO_KIND_SEEDANCE,
  DEMO_KIND_ULTRA,
  DEMO_KIND_OTHER_MODEL,
} DemoKind;

/* The answer shapes new-api passes on beyond the plain ones. */
typedef enum
{
  DEMO_SHAPE_PLAIN,
  /* The model's service cancelled it; the gateway still says IN_PROGRESS
   * 30% until its own timeout, a day later. */
  DEMO_SHAPE_UPSTREAM_CANCELLED,
  /* fail_reason is only "task failed"; data.data.error has the words. */
  DEMO_SHAPE_GENERIC_FAILURE,
  /* Asked with return_last_frame: data.data.content.last_frame_url. */
  DEMO_SHAPE_LAST_FRAME,
  /* Asked with output_format "mov": a QuickTime file. */
  DEMO_SHAPE_MOV,
} DemoShape;

/* One scripted task. Offsets are seconds after the server started. */
typedef struct
{
  const char *id;
  const char *action;
  DemoKind    kind;
  guint       queued_at;
  guint       started_at;
  guint       progress_75_at;
  guint       finished_at;
  const char *fail_reason;   /* NULL: ends in SUCCESS */
  const char *ratio;
  guint       seed;
  DemoShape   shape;
} DemoTask;

static const DemoTask demo_tasks[] = {
  { "asyntask_DemoHarbourSunrise00000000000001", "generate", DEMO_KIND_SEEDANCE,
    4, 10, 20, 32, NULL, "16:9", 4304 },
  { "asyntask_DemoCityTimelapse000000000000002", "referenceGenerate", DEMO_KIND_SEEDANCE,
    2, 6, 12, 20, NULL, "9:16", 1187 },
  { "asyntask_DemoModerationFail0000000000003", "generate", DEMO_KIND_SEEDANCE,
    3, 8, 14, 24,
    "The request failed because the input text may contain sensitive information.", "16:9", 77 },
  { "asyntask_DemoUltraMountains000000000004", "generate", DEMO_KIND_ULTRA,
    6, 14, 30, 55, NULL, "16:9", 9021 },
  { "asyntask_DemoOtherModelCat00000000000005", "generate", DEMO_KIND_OTHER_MODEL,
    5, 12, 26, 44, NULL, "16:9", 0 },
  { "cgt-20261129101500-demo6", "omniGenerate", DEMO_KIND_SEEDANCE,
    8, 16, 28, 40, NULL, "1:1", 31337 },
  { "asyntask_DemoGatewayStillRunning0000007", "generate", DEMO_KIND_SEEDANCE,
    2, 5, G_MAXUINT, G_MAXUINT, NULL, "16:9", 2718, DEMO_SHAPE_UPSTREAM_CANCELLED },
  { "asyntask_DemoGenericFailure0000000000008", "generate", DEMO_KIND_SEEDANCE,
    3, 7, 13, 22, "task failed", "4:3", 1618, DEMO_SHAPE_GENERIC_FAILURE },
  { "asyntask_DemoLastFrameLighthouse0000009", "generate", DEMO_KIND_SEEDANCE,
    4, 9, 18, 30, NULL, "16:9", 1414, DEMO_SHAPE_LAST_FRAME },
  { "asyntask_DemoQuickTimeRiver000000000010", "generate", DEMO_KIND_SEEDANCE,
    5, 11, 22, 36, NULL, "21:9", 1732, DEMO_SHAPE_MOV },
};

struct _DailiesDemoServer
{
  GObject      parent_instance;

  SoupServer  *api_server;
  SoupServer  *video_server;
  char        *base_url;
  char        *cdn_url;
  GBytes      *video;
  GBytes      *mov;
  GBytes      *last_frame;
  char        *api_key;
  const char **task_ids;

  gint64       started_at;      /* monotonic, µs */
  gint64       wall_started_at; /* Unix seconds */
  guint        advanced_by;
  gboolean     links_expired;
  gint64       revoked_until;   /* server time: links signed up to then are refused */
  gint64       signed_from;     /* server time: links are signed no earlier */
  gboolean     resign;          /* sign each answer's link afresh */
  guint        any_finished_ago;
  gboolean     answer_any;
  guint        latency_ms;

  guint        n_api_requests;
  guint        n_video_requests;
  guint        n_video_requests_with_auth;
};

G_DEFINE_FINAL_TYPE (DailiesDemoServer, dailies_demo_server, G_TYPE_OBJECT)

static const DemoTask *
find_demo_task (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (demo_tasks); i++)
    if (g_strcmp0 (demo_tasks[i].id, id) == 0)
      return &demo_tasks[i];

  return NULL;
}

static guint
elapsed_seconds (DailiesDemoServer *self)
{
  return (guint) ((g_get_monotonic_time () - self->started_at) / G_USEC_PER_SEC) + self->advanced_by;
}

/* The server's own clock, in Unix seconds: the wall clock at start, moved
 * on by the time since and by dailies_demo_server_advance(). */
static gint64
server_now (DailiesDemoServer *self)
{
  return self->wall_started_at + elapsed_seconds (self);
}

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   JsonNode          *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  char *body;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, FALSE);
  body = json_generator_to_data (generator, &length);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, length);
}

static void
set_error_response (SoupServerMessage *msg,
                    guint              status,
                    const char        *message,
                    const char        *type,
                    const char        *code)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  set_json_response (msg, status, root);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static char *
signed_url_for (DailiesDemoServer *self,
                const DemoTask    *task,
                gint64             finish_time,
                const char        *prefix,
                const char        *variant,
                const char        *extension)
{
  gint64 signed_at = self->resign ? server_now (self) : finish_time;
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *stamp = NULL;

  /* Signed when the task finished, as the service does once and for all,
   * unless the links were renewed since, or are signed afresh each time. */
  signed_at = MAX (signed_at, self->signed_from);
  date = g_date_time_new_from_unix_utc (signed_at);
  stamp = g_date_time_format (date, "%Y%m%dT%H%M%SZ");

  /* Shaped like the object store's pre-signed links: the query string is
   * the secret part, and says when it lapses. */
  return g_strdup_printf ("%s%s%s%s.%s?X-Tos-Algorithm=TOS4-HMAC-SHA256"
                          "&X-Tos-Credential=DEMO%%2F%.8s%%2Flocal%%2Ftos%%2Frequest&X-Tos-Date=%s"
                          "&X-Tos-Expires=%d&X-Tos-SignedHeaders=host&X-Tos-Signature=demo%u",
                          self->cdn_url, prefix, task->id, variant, extension,
                          stamp, stamp, LINK_LIFETIME, task->seed);
}

static char *
video_url_for (DailiesDemoServer *self,
               const DemoTask    *task,
               gint64             finish_time,
               const char        *variant)
{
  return signed_url_for (self, task, finish_time, VIDEOS_PREFIX, variant,
                         task->shape == DEMO_SHAPE_MOV ? "mov" : "mp4");
}

/* The upstream model's raw output, in the shape each kind of model uses. */
static void
add_upstream_data (DailiesDemoServer *self,
                   JsonBuilder       *builder,
                   const DemoTask    *task,
                   gboolean           finished,
                   const char        *video_url,
                   const char        *original_url,
                   const char        *last_frame_url)
{
  gint64 created = self->wall_started_at;

  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);

  if (task->kind == DEMO_KIND_OTHER_MODEL)
    {
      json_builder_set_member_name (builder, "output");
      json_builder_begin_object (builder);
      add_string (builder, "task_id", "e45a6a1b-6f05-43e5-ab06-ddfdc97587a7");
      add_string (builder, "task_status", finished ? "SUCCEEDED" : "RUNNING");
      if (video_url != NULL)
        add_string (builder, "video_url", video_url);
      add_string (builder, "orig_prompt", "A cat running on grass");
      json_builder_end_object (builder);
      add_string (builder, "request_id", "53121cad-c008-9b96-af1d-4289a4fc714b");
      if (finished)
        {
          json_builder_set_member_name (builder, "usage");
          json_builder_begin_object (builder);
          add_int (builder, "SR", 720);
          add_int (builder, "duration", 4);
          add_int (builder, "output_video_duration", 4);
          add_string (builder, "ratio", task->ratio);
          add_int (builder, "video_count", 1);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
      return;
    }

  if (video_url != NULL)
    {
      json_builder_set_member_name (builder, "content");
      json_builder_begin_object (builder);
      /* For ultra tasks the upstream link is the pre-enhancement render. */
      add_string (builder, "video_url", original_url != NULL ? original_url : video_url);
      if (last_frame_url != NULL)
        add_string (builder, "last_frame_url", last_frame_url);
      json_builder_end_object (builder);
    }
  add_int (builder, "created_at", created);
  add_string (builder, "id", "cgt-20261129101500-d3m0x");
  add_string (builder, "model", "doubao-seedance-2-0-260128");
  add_int (builder, "duration", 4);
  add_int (builder, "framespersecond", 24);
  json_builder_set_member_name (builder, "generate_audio");
  json_builder_add_boolean_value (builder, TRUE);
  add_string (builder, "ratio", task->ratio);
  add_string (builder, "resolution", task->kind == DEMO_KIND_ULTRA ? "480p" : "720p");
  if (task->kind == DEMO_KIND_ULTRA)
    add_string (builder, "super_resolution", "720p");
  add_int (builder, "seed", task->seed);
  add_string (builder, "service_tier", "default");
  if (task->shape == DEMO_SHAPE_LAST_FRAME)
    {
      json_builder_set_member_name (builder, "return_last_frame");
      json_builder_add_boolean_value (builder, TRUE);
    }
  if (task->shape == DEMO_SHAPE_MOV)
    add_string (builder, "output_format", "mov");

  if (task->shape == DEMO_SHAPE_UPSTREAM_CANCELLED)
    {
      add_string (builder, "status", "cancelled");
    }
  else if (task->fail_reason != NULL && finished)
    {
      gboolean generic = task->shape == DEMO_SHAPE_GENERIC_FAILURE;

      add_string (builder, "status", "failed");
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      add_string (builder, "code", generic ? "OutputVideoRenderTimeout" : "InputTextSensitiveContentDetected");
      add_string (builder, "message", generic ? "The video could not be rendered in time." : task->fail_reason);
      json_builder_end_object (builder);
    }
  else
    {
      add_string (builder, "status", finished ? "succeeded" : "running");
    }

  if (finished && task->fail_reason == NULL)
    {
      json_builder_set_member_name (builder, "usage");
      json_builder_begin_object (builder);
      add_int (builder, "completion_tokens", 108900);
      add_int (builder, "total_tokens", 108900);
      if (task->kind == DEMO_KIND_ULTRA)
        add_int (builder, "super_resolution_tokens", 245025);
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);
}

/* @submit_time: when @task was submitted, in Unix seconds; its other
 * times are offsets from the server's start, applied to it. */
static JsonNode *
build_task_envelope (DailiesDemoServer *self,
                     const DemoTask    *task,
                     gint64             submit_time)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *video_url = NULL;
  g_autofree char *original_url = NULL;
  g_autofree char *last_frame_url = NULL;
  guint elapsed = elapsed_seconds (self);
  gboolean started = elapsed >= task->started_at;
  gboolean finished = elapsed >= task->finished_at;
  gboolean succeeded = finished && task->fail_reason == NULL;
  const char *status;
  const char *progress;

  if (task->shape == DEMO_SHAPE_UPSTREAM_CANCELLED && started)
    status = "IN_PROGRESS", progress = "30%";
  else if (finished)
    status = task->fail_reason != NULL ? "FAILURE" : "SUCCESS", progress = "100%";
  else if (elapsed >= task->progress_75_at)
    status = "IN_PROGRESS", progress = "75%";
  else if (started)
    status = "IN_PROGRESS", progress = "50%";
  else if (elapsed >= task->queued_at)
    status = "QUEUED", progress = "0%";
  else
    status = "NOT_START", progress = "";

  if (succeeded)
    {
      video_url = video_url_for (self, task, submit_time + task->finished_at, "");
      if (task->kind == DEMO_KIND_ULTRA)
        original_url = video_url_for (self, task, submit_time + task->finished_at, "-original");
      /* Signed with the video, and lapsing with it. */
      if (task->shape == DEMO_SHAPE_LAST_FRAME)
        last_frame_url = signed_url_for (self, task, submit_time + task->finished_at, FRAMES_PREFIX, "", "png");
    }

  json_builder_begin_object (builder);
  add_string (builder, "code", "success");
  add_string (builder, "message", "");
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);

  add_string (builder, "task_id", task->id);
  add_string (builder, "action", task->action);
  add_string (builder, "status", status);
  if (video_url != NULL)
    add_string (builder, "result_url", video_url);
  if (original_url != NULL)
    add_string (builder, "original_result_url", original_url);

  /* The documented quirk: on success fail_reason repeats result_url. */
  if (succeeded)
    add_string (builder, "fail_reason", video_url);
  else if (finished)
    add_string (builder, "fail_reason", task->fail_reason);
  else
    add_string (builder, "fail_reason", "");

  add_int (builder, "submit_time", submit_time);
  add_int (builder, "start_time", started ? submit_time + task->started_at : 0);
  add_int (builder, "finish_time", finished ? submit_time + task->finished_at : 0);
  add_string (builder, "progress", progress);
  add_string (builder, "request_id", "20261129101500000000000DemoReq");

  if (!started && elapsed < task->queued_at)
    {
      json_builder_set_member_name (builder, "data");
      json_builder_add_null_value (builder);
    }
  else if (!started)
    {
      json_builder_set_member_name (builder, "data");
      json_builder_begin_object (builder);
      json_builder_end_object (builder);
    }
  else
    {
      add_upstream_data (self, builder, task, finished, video_url, original_url, last_frame_url);
    }

  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
is_authorized (DailiesDemoServer *self,
               SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *key;

  if (authorization == NULL || !g_str_has_prefix (authorization, "Bearer "))
    return FALSE;

  key = authorization + strlen ("Bearer ");
  if (*key == '\0')
    return FALSE;

  return self->api_key == NULL || g_strcmp0 (self->api_key, key) == 0;
}

static gboolean
unpause_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  soup_server_message_unpause (msg);
  g_object_unref (msg);

  return G_SOURCE_REMOVE;
}

static void
api_respond (DailiesDemoServer *self,
             SoupServerMessage *msg,
             const char        *path)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *task_id = NULL;
  const DemoTask *task;

  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") != 0)
    {
      set_error_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Only GET is served here.",
                          "invalid_request_error", "method_not_allowed");
      return;
    }

  if (!is_authorized (self, msg))
    {
      set_error_response (msg, SOUP_STATUS_UNAUTHORIZED, "Invalid API key provided.",
                          "authentication_error", "invalid_api_key");
      return;
    }

  task_id = g_uri_unescape_string (path + strlen (GENERATIONS_PREFIX), NULL);
  task = find_demo_task (task_id);
  if (task == NULL && self->answer_any && g_str_has_prefix (task_id, "asyntask_"))
    {
      /* Shaped like the first demo task, finished long ago, under its own ID. */
      DemoTask any = demo_tasks[0];

      any.id = task_id;
      any.queued_at = any.started_at = any.progress_75_at = any.finished_at = 0;
      root = build_task_envelope (self, &any, self->wall_started_at - self->any_finished_ago);
      set_json_response (msg, SOUP_STATUS_OK, root);
      return;
    }
  if (task == NULL)
    {
      set_error_response (msg, SOUP_STATUS_NOT_FOUND, "task not found",
                          "invalid_request_error", "task_not_found");
      return;
    }

  root = build_task_envelope (self, task, self->wall_started_at);
  set_json_response (msg, SOUP_STATUS_OK, root);
}

static void
api_handler_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  DailiesDemoServer *self = user_data;

  g_assert (DAILIES_IS_DEMO_SERVER (self));

  self->n_api_requests++;
  api_respond (self, msg, path);

  if (self->latency_ms > 0)
    {
      GSource *source = g_timeout_source_new (self->latency_ms);

      /* The answer is ready; it leaves after the delay. */
      soup_server_message_pause (msg);
      g_source_set_callback (source, unpause_cb, g_object_ref (msg), NULL);
      g_source_attach (source, g_main_context_get_thread_default ());
      g_source_unref (source);
    }
}

/* What the CDN holds at @path, and its type, or NULL. Videos are
 * VIDEOS_PREFIX TASK_ID ".mp4" (".mov" for a QuickTime task) or TASK_ID
 * "-original.mp4"; last frames FRAMES_PREFIX TASK_ID ".png". */
static GBytes *
find_cdn_file (DailiesDemoServer  *self,
               const char         *path,
               const char        **content_type)
{
  g_autofree char *name = NULL;
  const char *extension = strrchr (path, '.');
  gboolean frame = g_str_has_prefix (path, FRAMES_PREFIX);
  const char *prefix = frame ? FRAMES_PREFIX : VIDEOS_PREFIX;
  const DemoTask *task;

  if (!g_str_has_prefix (path, prefix) || extension == NULL ||
      extension < path + strlen (prefix))
    return NULL;

  name = g_strndup (path + strlen (prefix), extension - path - strlen (prefix));
  if (g_str_has_suffix (name, "-original"))
    name[strlen (name) - strlen ("-original")] = '\0';

  task = find_demo_task (name);
  if (task == NULL && self->answer_any && g_str_has_prefix (name, "asyntask_"))
    task = &demo_tasks[0];
  if (task == NULL)
    return NULL;

  if (frame)
    {
      if (task->shape != DEMO_SHAPE_LAST_FRAME || strcmp (extension, ".png") != 0)
        return NULL;
      *content_type = "image/png";
      return self->last_frame;
    }

  if (task->shape == DEMO_SHAPE_MOV)
    {
      if (strcmp (extension, ".mov") != 0)
        return NULL;
      *content_type = "video/quicktime";
      return self->mov;
    }

  if (strcmp (extension, ".mp4") != 0)
    return NULL;
  *content_type = "video/mp4";
  return self->video;
}

/* Signed, and by the server's clock not lapsed nor revoked. A signed link
 * that does not say when it lapses (as in older tests) is taken as valid. */
static gboolean
link_is_valid (DailiesDemoServer *self,
               SoupServerMessage *msg,
               GHashTable        *query)
{
  g_autofree char *url = NULL;
  const char *date;
  gint64 expires_at;

  if (query == NULL ||
      (g_hash_table_lookup (query, "X-Tos-Signature") == NULL && g_hash_table_lookup (query, "Signature") == NULL))
    return FALSE;

  url = g_uri_to_string (soup_server_message_get_uri (msg));
  if (dailies_link_parse_expiry (url, &expires_at) && server_now (self) >= expires_at)
    return FALSE;

  /* Signed before the links were revoked: refused for good, as a link
   * whose key was rotated. */
  date = g_hash_table_lookup (query, "X-Tos-Date");
  if (date != NULL && self->revoked_until > 0)
    {
      g_autoptr(GDateTime) signed_at = g_date_time_new_from_iso8601 (date, NULL);

      if (signed_at == NULL || g_date_time_to_unix (signed_at) <= self->revoked_until)
        return FALSE;
    }

  return TRUE;
}

static void
video_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  DailiesDemoServer *self = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GBytes) body = NULL;
  const char *content_type = NULL;
  GBytes *file;
  SoupRange *ranges = NULL;
  int n_ranges = 0;
  gsize total;

  g_assert (DAILIES_IS_DEMO_SERVER (self));

  self->n_video_requests++;
  if (soup_message_headers_get_one (request_headers, "Authorization") != NULL)
    self->n_video_requests_with_auth++;

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  /* Real CDNs answer an expired or unsigned link with 403. */
  if (self->links_expired || !link_is_valid (self, msg, query))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_STATIC,
                                        "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                                        strlen ("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"));
      return;
    }

  file = find_cdn_file (self, path, &content_type);
  if (file == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  total = g_bytes_get_size (file);
  soup_message_headers_replace (response_headers, "Accept-Ranges", "bytes");

  if (soup_message_headers_get_ranges (request_headers, total, &ranges, &n_ranges))
    {
      goffset start = ranges[0].start;
      goffset end = ranges[0].end;

      soup_message_headers_free_ranges (request_headers, ranges);
      if (n_ranges != 1 || start < 0 || start > end || (gsize) end >= total)
        {
          soup_message_headers_set_content_range (response_headers, -1, -1, total);
          soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
          return;
        }

      body = g_bytes_new_from_bytes (file, start, end - start + 1);
      soup_message_headers_set_content_range (response_headers, start, end, total);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
    }
  else
    {
      body = g_bytes_ref (file);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }

  soup_message_headers_set_content_type (response_headers, content_type, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
}

static void
dailies_demo_server_dispose (GObject *object)
{
  DailiesDemoServer *self = (DailiesDemoServer *)object;

  if (self->api_server != NULL)
    soup_server_disconnect (self->api_server);
  if (self->video_server != NULL)
    soup_server_disconnect (self->video_server);
  g_clear_object (&self->api_server);
  g_clear_object (&self->video_server);

  G_OBJECT_CLASS (dailies_demo_server_parent_class)->dispose (object);
}

static void
dailies_demo_server_finalize (GObject *object)
{
  DailiesDemoServer *self = (DailiesDemoServer *)object;

  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->cdn_url, g_free);
  g_clear_pointer (&self->video, g_bytes_unref);
  g_clear_pointer (&self->mov, g_bytes_unref);
  g_clear_pointer (&self->last_frame, g_bytes_unref);
  g_clear_pointer (&self->api_key, g_free);
  g_clear_pointer (&self->task_ids, g_free);

  G_OBJECT_CLASS (dailies_demo_server_parent_class)->finalize (object);
}

static void
dailies_demo_server_class_init (DailiesDemoServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_demo_server_dispose;
  object_class->finalize = dailies_demo_server_finalize;
}

static void
dailies_demo_server_init (DailiesDemoServer *self)
{
  self->task_ids = g_new0 (const char *, G_N_ELEMENTS (demo_tasks) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (demo_tasks); i++)
    self->task_ids[i] = demo_tasks[i].id;
}

DailiesDemoServer *
dailies_demo_server_new (void)
{
  return g_object_new (DAILIES_TYPE_DEMO_SERVER, NULL);
}

static char *
listen_on_loopback (SoupServer  *server,
                    GError     **error)
{
  g_autoslist(GUri) uris = NULL;

  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return NULL;

  uris = soup_server_get_uris (server);
  g_assert (uris != NULL);

  return g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
}

gboolean
dailies_demo_server_start (DailiesDemoServer  *self,
                           GError            **error)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), FALSE);
  g_return_val_if_fail (self->api_server == NULL, FALSE);

  if (self->video == NULL)
    {
      self->video = g_resource_lookup_data (dailies_demo_get_resource (), DEMO_VIDEO_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (self->video == NULL)
        return FALSE;
    }
  if (self->mov == NULL &&
      !(self->mov = g_resource_lookup_data (dailies_demo_get_resource (), DEMO_MOV_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error)))
    return FALSE;
  if (self->last_frame == NULL &&
      !(self->last_frame = g_resource_lookup_data (dailies_demo_get_resource (), DEMO_FRAME_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error)))
    return FALSE;

  self->api_server = soup_server_new ("server-header", "DailiesDemo/" PACKAGE_VERSION " ", NULL);
  self->video_server = soup_server_new ("server-header", "DailiesDemoCDN/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (self->api_server, GENERATIONS_PREFIX, api_handler_cb, self, NULL);
  soup_server_add_handler (self->video_server, VIDEOS_PREFIX, video_handler_cb, self, NULL);
  soup_server_add_handler (self->video_server, FRAMES_PREFIX, video_handler_cb, self, NULL);

  if (!(self->base_url = listen_on_loopback (self->api_server, error)) ||
      !(self->cdn_url = listen_on_loopback (self->video_server, error)))
    {
      soup_server_disconnect (self->api_server);
      soup_server_disconnect (self->video_server);
      g_clear_object (&self->api_server);
      g_clear_object (&self->video_server);
      g_clear_pointer (&self->base_url, g_free);
      return FALSE;
    }

  self->started_at = g_get_monotonic_time ();
  self->wall_started_at = g_get_real_time () / G_USEC_PER_SEC;

  g_debug ("demo-server: API at %s, videos at %s", self->base_url, self->cdn_url);

  return TRUE;
}

const char *
dailies_demo_server_get_base_url (DailiesDemoServer *self)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), NULL);

  return self->base_url;
}

const char *
dailies_demo_server_get_cdn_url (DailiesDemoServer *self)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), NULL);

  return self->cdn_url;
}

const char * const *
dailies_demo_server_get_task_ids (DailiesDemoServer *self)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), NULL);

  return self->task_ids;
}

void
dailies_demo_server_advance (DailiesDemoServer *self,
                             guint              seconds)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  self->advanced_by += seconds;
}

guint
dailies_demo_server_get_finish_offset (DailiesDemoServer *self,
                                       const char        *task_id)
{
  const DemoTask *task;

  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), 0);

  task = find_demo_task (task_id);

  return task != NULL ? task->finished_at : 0;
}

void
dailies_demo_server_set_api_key (DailiesDemoServer *self,
                                 const char        *api_key)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  g_free (self->api_key);
  self->api_key = g_strdup (api_key);
}

void
dailies_demo_server_set_answer_any (DailiesDemoServer *self,
                                    gboolean           answer_any)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  self->answer_any = !!answer_any;
}

void
dailies_demo_server_set_latency (DailiesDemoServer *self,
                                 guint              latency_ms)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  self->latency_ms = latency_ms;
}

void
dailies_demo_server_set_video (DailiesDemoServer *self,
                               GBytes            *video)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));
  g_return_if_fail (video != NULL);

  g_clear_pointer (&self->video, g_bytes_unref);
  self->video = g_bytes_ref (video);
}

GBytes *
dailies_demo_server_get_video (DailiesDemoServer *self)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), NULL);

  return self->video;
}

void
dailies_demo_server_expire_links (DailiesDemoServer *self)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  self->links_expired = TRUE;
  self->revoked_until = server_now (self);
}

void
dailies_demo_server_renew_links (DailiesDemoServer *self)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  self->links_expired = FALSE;
  /* Links handed out from now on are signed after the revoked ones, so
   * they differ from them; the revoked ones stay refused. */
  self->signed_from = MAX (server_now (self), self->revoked_until + 1);
}

void
dailies_demo_server_set_resign_links (DailiesDemoServer *self,
                                      gboolean           resign)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  self->resign = !!resign;
}

void
dailies_demo_server_set_any_finished_ago (DailiesDemoServer *self,
                                          guint              seconds)
{
  g_return_if_fail (DAILIES_IS_DEMO_SERVER (self));

  self->any_finished_ago = seconds;
}

char *
dailies_demo_server_sign_link (DailiesDemoServer *self,
                               const char        *task_id)
{
  DemoTask any = demo_tasks[0];

  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), NULL);
  g_return_val_if_fail (task_id != NULL, NULL);

  any.id = task_id;
  return video_url_for (self, &any, server_now (self), "");
}

guint
dailies_demo_server_get_n_api_requests (DailiesDemoServer *self)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), 0);

  return self->n_api_requests;
}

guint
dailies_demo_server_get_n_video_requests (DailiesDemoServer *self)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), 0);

  return self->n_video_requests;
}

guint
dailies_demo_server_get_n_video_requests_with_auth (DailiesDemoServer *self)
{
  g_return_val_if_fail (DAILIES_IS_DEMO_SERVER (self), 0);

  return self->n_video_requests_with_auth;
}
