/* dailies-task-response.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "dailies-task-response.h"
#include "dailies-utf8.h"

/* json-glib parses recursively: a body of nothing but "[[[[…" would blow
 * the stack, so anything nested deeper than this is refused unparsed. */
#define MAX_NESTING 64

/* An ms timestamp is > 1e11 (year 5138 in seconds). */
#define MILLISECONDS_THRESHOLD G_GINT64_CONSTANT (100000000000)

#define TEXT_MESSAGE_MAX 200
#define JSON_MESSAGE_MAX 500

G_DEFINE_QUARK (dailies-response-error-quark, dailies_response_error)

static void warn (GPtrArray  *warnings,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

static void
warn (GPtrArray  *warnings,
      const char *format,
      ...)
{
  va_list args;
  char *text;

  g_assert (warnings != NULL);

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("task-response: %s", text);
  g_ptr_array_add (warnings, text);
}

static const char *
node_kind (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_STRING:
      return "a string";
    default:
      return "a number";
    }
}

static gboolean
node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  /* NULL when absent: one hash lookup, not has_member's and get's. */
  if (object == NULL)
    return NULL;
  return json_object_get_member (object, name);
}

/* NULL for absent, null and empty; a warning for any other type. */
static char *
get_string (GPtrArray  *warnings,
            JsonObject *object,
            const char *name,
            const char *path)
{
  JsonNode *node = member (object, name);
  const char *value;

  g_assert (warnings != NULL);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (!node_is_string (node))
    {
      warn (warnings, "%s%s: expected a string, got %s", path, name, node_kind (node));
      return NULL;
    }

  value = json_node_get_string (node);
  if (value == NULL || value[0] == '\0')
    return NULL;

  /* json-glib 1.6 lets a \u escape cut short at a surrogate ("\ud80`")
   * through as bytes that are not UTF-8; labels and the database want it. */
  return dailies_utf8_dup_valid (value, -1);
}

static JsonObject *
get_object (GPtrArray  *warnings,
            JsonObject *object,
            const char *name,
            const char *path)
{
  JsonNode *node = member (object, name);

  g_assert (warnings != NULL);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      warn (warnings, "%s%s: expected an object, got %s", path, name, node_kind (node));
      return NULL;
    }

  return json_node_get_object (node);
}

/* Parses a whole decimal number, surrounding blanks allowed. */
static gboolean
parse_number_text (const char *text,
                   double     *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double d;

  if (copy[0] == '\0')
    return FALSE;

  /* strtod would also take "inf", "nan" and hex: only plain decimals. */
  for (const char *p = copy; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && strchr ("+-.eE", *p) == NULL)
      return FALSE;

  d = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (d))
    return FALSE;

  *value = d;
  return TRUE;
}

/* A number that may come as an integer, a double or a numeric string.
 * Returns FALSE (with a warning for a wrong type) when there is none. */
static gboolean
get_number (GPtrArray  *warnings,
            JsonObject *object,
            const char *name,
            const char *path,
            double     *value)
{
  JsonNode *node = member (object, name);

  g_assert (warnings != NULL);
  g_assert (value != NULL);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return FALSE;

  if (node_is_number (node))
    {
      if (json_node_get_value_type (node) == G_TYPE_INT64)
        *value = (double) json_node_get_int (node);
      else
        *value = json_node_get_double (node);

      if (isfinite (*value))
        return TRUE;
    }
  else if (node_is_string (node))
    {
      const char *text = json_node_get_string (node);

      /* "" is how this API says "nothing yet". */
      if (text == NULL || text[0] == '\0')
        return FALSE;
      if (parse_number_text (text, value))
        return TRUE;

      warn (warnings, "%s%s: expected a number, got the string \"%.40s\"", path, name, text);
      return FALSE;
    }

  warn (warnings, "%s%s: expected a number, got %s", path, name, node_kind (node));
  return FALSE;
}

/* An integer field; @fallback when absent or unusable. */
static gint64
get_int (GPtrArray  *warnings,
         JsonObject *object,
         const char *name,
         const char *path,
         gint64      fallback)
{
  JsonNode *node = member (object, name);
  double value;

  /* Exact path for real integers: doubles lose precision above 2^53. */
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);

  if (!get_number (warnings, object, name, path, &value))
    return fallback;

  if (value >= 9.2e18 || value <= -9.2e18)
    {
      warn (warnings, "%s%s: number out of range", path, name);
      return fallback;
    }

  return (gint64) value;
}

/* A small non-negative count (seconds, fps): -1 when unknown. */
static int
get_count (GPtrArray  *warnings,
           JsonObject *object,
           const char *name,
           const char *path)
{
  gint64 value = get_int (warnings, object, name, path, -1);

  if (value < -1 || value > G_MAXINT)
    {
      warn (warnings, "%s%s: %" G_GINT64_FORMAT " is out of range", path, name, value);
      return -1;
    }

  return (int) value;
}

/* Unix seconds; 0 when absent, unusable or not set yet. */
static gint64
get_time (GPtrArray  *warnings,
          JsonObject *object,
          const char *name)
{
  gint64 value = get_int (warnings, object, name, "", 0);

  if (value < 0)
    {
      warn (warnings, "%s: negative time %" G_GINT64_FORMAT " ignored", name, value);
      return 0;
    }

  if (value > MILLISECONDS_THRESHOLD)
    {
      warn (warnings, "%s: %" G_GINT64_FORMAT " looks like milliseconds", name, value);
      value /= 1000;
    }

  return value;
}

static int
get_progress (GPtrArray  *warnings,
              JsonObject *object)
{
  JsonNode *node = member (object, "progress");
  double value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return -1;

  if (node_is_string (node))
    {
      g_autofree char *text = g_strstrip (g_strdup (json_node_get_string (node)));
      gsize len = strlen (text);

      if (len == 0)
        return -1;
      if (text[len - 1] == '%')
        text[len - 1] = '\0';
      if (!parse_number_text (text, &value))
        {
          warn (warnings, "progress: cannot read \"%.40s\"", json_node_get_string (node));
          return -1;
        }
    }
  else if (node_is_number (node))
    {
      if (json_node_get_value_type (node) == G_TYPE_INT64)
        value = (double) json_node_get_int (node);
      else
        value = json_node_get_double (node);
      if (!isfinite (value))
        return -1;
    }
  else
    {
      warn (warnings, "progress: expected a string or a number, got %s", node_kind (node));
      return -1;
    }

  return (int) CLAMP (value, 0.0, 100.0);
}

static int
get_boolean (GPtrArray  *warnings,
             JsonObject *object,
             const char *name,
             const char *path)
{
  JsonNode *node = member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return -1;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? 1 : 0;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node) != 0 ? 1 : 0;

  if (node_is_string (node))
    {
      const char *text = json_node_get_string (node);

      if (g_ascii_strcasecmp (text, "true") == 0)
        return 1;
      if (g_ascii_strcasecmp (text, "false") == 0)
        return 0;
    }

  warn (warnings, "%s%s: expected a boolean, got %s", path, name, node_kind (node));
  return -1;
}

/* usage.SR comes as 720 or "720": show it the way Seedance does, "720p". */
static char *
get_resolution_number (GPtrArray  *warnings,
                       JsonObject *object,
                       const char *name,
                       const char *path)
{
  JsonNode *node = member (object, name);

  if (node_is_string (node))
    {
      const char *text = json_node_get_string (node);
      double value;

      if (text[0] == '\0')
        return NULL;
      if (parse_number_text (text, &value))
        return g_strdup_printf ("%" G_GINT64_FORMAT "p", (gint64) value);
      return dailies_utf8_dup_valid (text, -1);
    }
  else
    {
      gint64 value = get_int (warnings, object, name, path, -1);

      if (value <= 0)
        return NULL;
      return g_strdup_printf ("%" G_GINT64_FORMAT "p", value);
    }
}

static gboolean
looks_like_url (const char *text)
{
  return g_ascii_strncasecmp (text, "http://", 7) == 0 ||
         g_ascii_strncasecmp (text, "https://", 8) == 0;
}

static void
take_if_unset (char **field,
               char  *value)
{
  if (*field == NULL)
    *field = value;
  else
    g_free (value);
}

/* data.data: the upstream model's own answer. Seedance and the other
 * models disagree on its shape; take what is there. */
static void
parse_inner (DailiesTaskResponse *response,
             JsonObject          *task)
{
  GPtrArray *warnings = response->warnings;
  JsonNode *node = member (task, "data");
  JsonObject *inner;
  JsonObject *content;
  JsonObject *output;
  JsonObject *usage;
  JsonObject *error;
  g_autofree char *raw_resolution = NULL;
  g_autofree char *super_resolution = NULL;
  g_autofree char *sr = NULL;
  gint64 sr_tokens;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      warn (warnings, "data.data: expected an object, got %s", node_kind (node));
      return;
    }

  inner = json_node_get_object (node);
  content = get_object (warnings, inner, "content", "data.data.");
  output = get_object (warnings, inner, "output", "data.data.");
  usage = get_object (warnings, inner, "usage", "data.data.");
  error = get_object (warnings, inner, "error", "data.data.");

  /* Seedance */
  response->upstream_id = get_string (warnings, inner, "id", "data.data.");
  response->upstream_status = get_string (warnings, inner, "status", "data.data.");
  response->model = get_string (warnings, inner, "model", "data.data.");
  response->ratio = get_string (warnings, inner, "ratio", "data.data.");
  response->duration = get_count (warnings, inner, "duration", "data.data.");
  response->fps = get_count (warnings, inner, "framespersecond", "data.data.");
  response->generate_audio = get_boolean (warnings, inner, "generate_audio", "data.data.");
  response->seed = get_int (warnings, inner, "seed", "data.data.", -1);
  raw_resolution = get_string (warnings, inner, "resolution", "data.data.");
  super_resolution = get_string (warnings, inner, "super_resolution", "data.data.");
  response->output_format = get_string (warnings, inner, "output_format", "data.data.");
  if (content != NULL)
    {
      response->video_url = get_string (warnings, content, "video_url", "data.data.content.");
      response->last_frame_url = get_string (warnings, content, "last_frame_url", "data.data.content.");
      take_if_unset (&response->output_format, get_string (warnings, content, "output_format", "data.data.content."));
    }
  if (error != NULL)
    {
      response->upstream_error_code = get_string (warnings, error, "code", "data.data.error.");
      response->upstream_error_message = get_string (warnings, error, "message", "data.data.error.");
    }

  /* Other models (HappyHorse, Wan, …) */
  if (output != NULL)
    {
      take_if_unset (&response->video_url, get_string (warnings, output, "video_url", "data.data.output."));
      take_if_unset (&response->upstream_id, get_string (warnings, output, "task_id", "data.data.output."));
      take_if_unset (&response->upstream_status, get_string (warnings, output, "task_status", "data.data.output."));
      take_if_unset (&response->upstream_error_code, get_string (warnings, output, "code", "data.data.output."));
      take_if_unset (&response->upstream_error_message, get_string (warnings, output, "message", "data.data.output."));
    }

  if (usage != NULL)
    {
      response->completion_tokens = get_int (warnings, usage, "completion_tokens", "data.data.usage.", -1);
      response->total_tokens = get_int (warnings, usage, "total_tokens", "data.data.usage.", -1);
      sr_tokens = get_int (warnings, usage, "super_resolution_tokens", "data.data.usage.", -1);
      response->billed_tokens = sr_tokens >= 0 ? sr_tokens : response->total_tokens;

      sr = get_resolution_number (warnings, usage, "SR", "data.data.usage.");
      if (response->duration < 0)
        response->duration = get_count (warnings, usage, "duration", "data.data.usage.");
      if (response->duration < 0)
        response->duration = get_count (warnings, usage, "output_video_duration", "data.data.usage.");
      take_if_unset (&response->ratio, get_string (warnings, usage, "ratio", "data.data.usage."));
    }

  /* Ultra: the user gets super_resolution; resolution is the lower render. */
  if (super_resolution != NULL)
    {
      response->resolution = g_steal_pointer (&super_resolution);
      if (raw_resolution != NULL && g_ascii_strcasecmp (raw_resolution, response->resolution) != 0)
        response->upstream_resolution = g_steal_pointer (&raw_resolution);
    }
  else if (raw_resolution != NULL)
    response->resolution = g_steal_pointer (&raw_resolution);
  else
    response->resolution = g_steal_pointer (&sr);
}

/* Words that say only that it failed: "task failed", any case, and the like. */
static gboolean
is_generic_reason (const char *text)
{
  static const char * const generic[] = { "task failed", "failed", "failure", "error", "unknown error" };
  g_autofree char *copy = NULL;
  gsize len;

  if (text == NULL)
    return TRUE;

  copy = g_strstrip (g_strdup (text));
  len = strlen (copy);
  while (len > 0 && strchr (".!", copy[len - 1]) != NULL)
    copy[--len] = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (generic); i++)
    if (g_ascii_strcasecmp (copy, generic[i]) == 0)
      return TRUE;

  return copy[0] == '\0';
}

/* @text, then the upstream's message and code where they add something. */
static char *
complete_with_upstream (const char                *text,
                        const DailiesTaskResponse *response)
{
  const char *message = response->upstream_error_message;
  const char *code = response->upstream_error_code;
  GString *out = g_string_new (text);

  if (message != NULL && !is_generic_reason (message) && strstr (out->str, message) == NULL)
    {
      if (out->len > 0)
        g_string_append (out, ": ");
      g_string_append (out, message);
    }

  if (code != NULL && strstr (out->str, code) == NULL)
    {
      if (out->len > 0)
        g_string_append_printf (out, " (%s)", code);
      else
        g_string_append (out, code);
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

/* On FAILURE the gateway may say only "task failed" (or nothing) in
 * fail_reason and put the real text in result_url; the upstream's own
 * error has the rest. */
static void
choose_fail_reason (DailiesTaskResponse *response,
                    const char          *result_text)
{
  g_autofree char *generic = NULL;
  const char *text = result_text;

  if (response->fail_reason != NULL && !is_generic_reason (response->fail_reason))
    return;

  generic = g_steal_pointer (&response->fail_reason);
  if (text != NULL && is_generic_reason (text))
    text = NULL;

  if (text != NULL || response->upstream_error_message != NULL || response->upstream_error_code != NULL)
    response->fail_reason = complete_with_upstream (text, response);

  /* "task failed" still beats no reason at all. */
  if (response->fail_reason == NULL && (generic != NULL || result_text != NULL))
    {
      response->fail_reason = g_strstrip (g_strdup (generic != NULL ? generic : result_text));
      if (response->fail_reason[0] == '\0')
        g_clear_pointer (&response->fail_reason, g_free);
    }
}

/* Bump when find_upstream_problem () would say something else of an
 * answer: the problems stored with tasks are then made again. */
#define UPSTREAM_PROBLEM_RULES 1

/* Upstream states the gateway does not know and shows as IN_PROGRESS. */
static const struct { const char *status; const char *words; } upstream_stopped[] = {
  { "cancelled", N_("Cancelled by the model’s service") },
  { "canceled", N_("Cancelled by the model’s service") },
  { "cancel", N_("Cancelled by the model’s service") },
  { "expired", N_("Expired at the model’s service") },
  { "failed", N_("Failed at the model’s service") },
  { "failure", N_("Failed at the model’s service") },
  { "fail", N_("Failed at the model’s service") },
  { "error", N_("Failed at the model’s service") },
  /* DashScope: the task is gone (expired after 24 h, or never existed). */
  { "unknown", N_("Unknown to the model’s service") },
};
static const char upstream_error_words[] = N_("Error at the model’s service");
/* Translators: what the model's service did, then its own error text */
static const char upstream_details_format[] = N_("%s: %s");

char *
dailies_task_response_upstream_problem_maker (void)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *digest = NULL;

  /* The words as this process translates them, whatever chose their
   * language (the locale, LANGUAGE, an installed translation). */
  for (guint i = 0; i < G_N_ELEMENTS (upstream_stopped); i++)
    g_checksum_update (checksum, (const guchar *) _(upstream_stopped[i].words), -1);
  g_checksum_update (checksum, (const guchar *) _(upstream_error_words), -1);
  g_checksum_update (checksum, (const guchar *) _(upstream_details_format), -1);
  digest = g_strndup (g_checksum_get_string (checksum), 16);

  return g_strdup_printf ("%d %s", UPSTREAM_PROBLEM_RULES, digest);
}

static void
find_upstream_problem (DailiesTaskResponse *response)
{
  const char *words = NULL;
  g_autofree char *details = NULL;

  if (response->status != DAILIES_TASK_STATUS_NOT_START &&
      response->status != DAILIES_TASK_STATUS_QUEUED &&
      response->status != DAILIES_TASK_STATUS_IN_PROGRESS)
    return;

  if (response->upstream_status != NULL)
    {
      g_autofree char *status = g_strstrip (g_strdup (response->upstream_status));

      for (guint i = 0; i < G_N_ELEMENTS (upstream_stopped) && words == NULL; i++)
        if (g_ascii_strcasecmp (status, upstream_stopped[i].status) == 0)
          words = _(upstream_stopped[i].words);
    }

  if (words == NULL && response->upstream_error_message == NULL && response->upstream_error_code == NULL)
    return;

  details = complete_with_upstream (NULL, response);
  if (words == NULL)
    words = _(upstream_error_words);

  response->upstream_problem = details != NULL
    ? g_strdup_printf (_(upstream_details_format), words, details)
    : g_strdup (words);
}

static void
parse_task (DailiesTaskResponse *response,
            JsonObject          *task)
{
  GPtrArray *warnings = response->warnings;
  JsonNode *status = member (task, "status");
  g_autofree char *result_text = NULL;
  g_autofree char *original_text = NULL;
  gboolean success;

  response->action = get_string (warnings, task, "action", "");

  if (node_is_string (status))
    {
      const char *text = json_node_get_string (status);

      if (text[0] != '\0')
        response->status_text = dailies_utf8_dup_valid (text, -1);
    }
  else if (status != NULL && !JSON_NODE_HOLDS_NULL (status))
    warn (warnings, "status: expected a string, got %s", node_kind (status));
  response->status = dailies_task_status_from_string (response->status_text);
  success = response->status == DAILIES_TASK_STATUS_SUCCESS;

  response->progress = get_progress (warnings, task);
  if (response->status == DAILIES_TASK_STATUS_SUCCESS && response->progress < 0)
    response->progress = 100;

  result_text = get_string (warnings, task, "result_url", "");
  original_text = get_string (warnings, task, "original_result_url", "");
  response->fail_reason = get_string (warnings, task, "fail_reason", "");
  response->request_id = get_string (warnings, task, "request_id", "");
  response->submit_time = get_time (warnings, task, "submit_time");
  response->start_time = get_time (warnings, task, "start_time");
  response->finish_time = get_time (warnings, task, "finish_time");

  /* The documented quirk: on success fail_reason repeats result_url. */
  if (response->fail_reason != NULL)
    {
      g_autofree char *reason = g_strstrip (g_strdup (response->fail_reason));

      if (reason[0] == '\0' ||
          g_strcmp0 (reason, result_text) == 0 ||
          g_strcmp0 (reason, original_text) == 0 ||
          (response->status == DAILIES_TASK_STATUS_SUCCESS && looks_like_url (reason)))
        g_clear_pointer (&response->fail_reason, g_free);
    }

  /* And the same path backwards: result_url is a link only on success;
   * on failure it holds the failure text. */
  if (success && result_text != NULL && looks_like_url (result_text))
    response->result_url = g_steal_pointer (&result_text);
  if (success && original_text != NULL && looks_like_url (original_text))
    response->original_result_url = g_steal_pointer (&original_text);
  if (success && result_text != NULL)
    warn (warnings, "result_url: not an http(s) link on success: \"%.40s\"", result_text);
  if (result_text != NULL && looks_like_url (result_text))
    g_clear_pointer (&result_text, g_free);

  parse_inner (response, task);

  if (response->fail_reason != NULL && g_strcmp0 (response->fail_reason, response->video_url) == 0)
    g_clear_pointer (&response->fail_reason, g_free);
  if (!success || (response->last_frame_url != NULL && !looks_like_url (response->last_frame_url)))
    g_clear_pointer (&response->last_frame_url, g_free);

  if (response->status == DAILIES_TASK_STATUS_FAILURE)
    choose_fail_reason (response, result_text);
  else
    find_upstream_problem (response);
}

static DailiesTaskResponse *
response_new (void)
{
  DailiesTaskResponse *response = g_new0 (DailiesTaskResponse, 1);

  response->status = DAILIES_TASK_STATUS_OTHER;
  response->progress = -1;
  response->duration = -1;
  response->fps = -1;
  response->generate_audio = -1;
  response->seed = -1;
  response->completion_tokens = -1;
  response->total_tokens = -1;
  response->billed_tokens = -1;
  response->warnings = g_ptr_array_new_with_free_func (g_free);

  return response;
}

static gboolean
is_blank (const char *body,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (body[i]))
      return FALSE;
  return TRUE;
}

/* How many times @c occurs in @text, counting no further than @max + 1. */
static gsize
count_byte (const char *text,
            gsize       length,
            char        c,
            gsize       max)
{
  const char *end = text + length;
  gsize n = 0;

  while (n <= max && (text = memchr (text, c, end - text)) != NULL)
    {
      n++;
      text++;
    }

  return n;
}

/* Whether brackets nest deeper than json-glib can safely recurse. */
static gboolean
nests_too_deep (const char *body,
                gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;
  gsize n_open;

  /* A real answer opens a dozen brackets in all: too few to nest too
   * deep, whatever its strings hold. memchr() finds them many bytes at a
   * time, where the walk below looks at each byte. */
  n_open = count_byte (body, length, '[', MAX_NESTING);
  if (n_open <= MAX_NESTING)
    n_open += count_byte (body, length, '{', MAX_NESTING - n_open);
  if (n_open <= MAX_NESTING)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = body[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_NESTING)
            return TRUE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }

  return FALSE;
}

/* Why parse_json() found no value, so that each case gets a whole
 * translated sentence. */
typedef enum
{
  JSON_FAULT_SYNTAX,   /* json-glib's own (English) words in @detail */
  JSON_FAULT_TOO_DEEP,
  JSON_FAULT_NO_VALUE,
} JsonFault;

/* Both callers refuse a body over the limit before parsing. */
G_STATIC_ASSERT (DAILIES_TASK_RESPONSE_MAX_BODY <= G_MAXSSIZE);

/* Parses @body into a root node; NULL with @fault set when it is not JSON,
 * and @detail too for a syntax error. */
static JsonNode *
parse_json (const char  *body,
            gsize        length,
            JsonFault   *fault,
            char       **detail)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert (length <= DAILIES_TASK_RESPONSE_MAX_BODY);

  if (nests_too_deep (body, length))
    {
      *fault = JSON_FAULT_TOO_DEEP;
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, body, (gssize) length, &error))
    {
      *fault = JSON_FAULT_SYNTAX;
      /* json-glib quotes the input it choked on, which need not be UTF-8
       * (a lone \ud800 comes back as its raw bytes). */
      *detail = g_utf8_make_valid (error->message, -1);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      *fault = JSON_FAULT_NO_VALUE;
      return NULL;
    }

  return json_node_ref (root);
}

/* One short line: control characters and runs of blanks become one space,
 * cut at @max characters. NULL when nothing is left. */
static char *
one_line (const char *text,
          gssize      length,
          guint       max)
{
  g_autofree char *valid = g_utf8_make_valid (text, length);
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  guint n_chars = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          space = out->len > 0;
          continue;
        }

      if (n_chars >= max)
        {
          g_string_append (out, "…");
          break;
        }

      if (space)
        {
          g_string_append_c (out, ' ');
          n_chars++;
          space = FALSE;
        }
      g_string_append_unichar (out, c);
      n_chars++;
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

static const char *
find_ci (const char *haystack,
         const char *end,
         const char *needle)
{
  gsize n = strlen (needle);

  for (const char *p = haystack; p + n <= end; p++)
    if (g_ascii_strncasecmp (p, needle, n) == 0)
      return p;

  return NULL;
}

static gboolean
has_prefix_ci (const char *p,
               const char *end,
               const char *prefix)
{
  gsize n = strlen (prefix);

  return (gsize) (end - p) >= n && g_ascii_strncasecmp (p, prefix, n) == 0;
}

/* Crude tag stripping for an HTML error page: its <title> if it has one,
 * else the text outside tags, scripts and styles. */
static char *
html_to_text (const char *body,
              gsize       length)
{
  const char *end = body + length;
  const char *title = find_ci (body, end, "<title");
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = body;

  if (title != NULL)
    {
      const char *open_end = memchr (title, '>', end - title);
      const char *close = open_end ? find_ci (open_end, end, "</title") : NULL;

      if (close != NULL)
        {
          g_autofree char *text = one_line (open_end + 1, close - open_end - 1, TEXT_MESSAGE_MAX);

          if (text != NULL)
            return g_steal_pointer (&text);
        }
    }

  while (p < end)
    {
      if (*p == '<')
        {
          const char *skip_to = NULL;
          const char *close;

          if (has_prefix_ci (p, end, "<script"))
            skip_to = find_ci (p, end, "</script");
          else if (has_prefix_ci (p, end, "<style"))
            skip_to = find_ci (p, end, "</style");
          if (skip_to != NULL)
            p = skip_to;

          close = memchr (p, '>', end - p);
          if (close == NULL)
            break;
          p = close + 1;
          g_string_append_c (out, ' ');
          continue;
        }

      if (*p == '&')
        {
          static const struct { const char *name; char c; } entities[] = {
            { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
            { "&quot;", '"' }, { "&#39;", '\'' }, { "&nbsp;", ' ' },
          };
          gboolean done = FALSE;

          for (guint i = 0; i < G_N_ELEMENTS (entities) && !done; i++)
            {
              if (has_prefix_ci (p, end, entities[i].name))
                {
                  g_string_append_c (out, entities[i].c);
                  p += strlen (entities[i].name);
                  done = TRUE;
                }
            }
          if (done)
            continue;
        }

      g_string_append_c (out, *p);
      p++;

      /* Enough for one line, even after collapsing blanks. */
      if (out->len > 16 * TEXT_MESSAGE_MAX)
        break;
    }

  return one_line (out->str, out->len, TEXT_MESSAGE_MAX);
}

static gboolean
looks_like_html (const char *body,
                 gsize       length)
{
  gsize i = 0;

  while (i < length && g_ascii_isspace (body[i]))
    i++;

  return i < length && body[i] == '<';
}

static char *
text_message (const char *body,
              gsize       length)
{
  if (looks_like_html (body, length))
    return html_to_text (body, MIN (length, (gsize) DAILIES_TASK_RESPONSE_MAX_BODY));

  return one_line (body, MIN (length, 16 * TEXT_MESSAGE_MAX), TEXT_MESSAGE_MAX);
}

static char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = member (object, name);

  if (!node_is_string (node))
    return NULL;

  return one_line (json_node_get_string (node), -1, JSON_MESSAGE_MAX);
}

static char *
object_message (JsonObject *object)
{
  static const char * const message_keys[] = { "message", "msg", "detail", "error_description", "error_message" };
  JsonNode *error = member (object, "error");
  JsonNode *errors = member (object, "errors");
  char *message;

  if (error != NULL && JSON_NODE_HOLDS_OBJECT (error))
    {
      JsonObject *error_object = json_node_get_object (error);

      for (guint i = 0; i < G_N_ELEMENTS (message_keys); i++)
        if ((message = string_member (error_object, message_keys[i])) != NULL)
          return message;
    }
  else if ((message = string_member (object, "error")) != NULL)
    return message;

  for (guint i = 0; i < G_N_ELEMENTS (message_keys); i++)
    if ((message = string_member (object, message_keys[i])) != NULL)
      return message;

  if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) && json_array_get_length (json_node_get_array (errors)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (errors), 0);

      if (JSON_NODE_HOLDS_OBJECT (first) && (message = object_message (json_node_get_object (first))) != NULL)
        return message;
      if (node_is_string (first))
        return one_line (json_node_get_string (first), -1, JSON_MESSAGE_MAX);
    }

  /* No words at all: a machine code still beats nothing. */
  if (error != NULL && JSON_NODE_HOLDS_OBJECT (error))
    {
      if ((message = string_member (json_node_get_object (error), "code")) != NULL)
        return message;
      if ((message = string_member (json_node_get_object (error), "type")) != NULL)
        return message;
    }

  message = string_member (object, "code");
  if (message != NULL && g_ascii_strcasecmp (message, "success") == 0)
    g_clear_pointer (&message, g_free);

  return message;
}

char *
dailies_task_response_error_message (const char *body,
                                     gsize       length)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *detail = NULL;
  JsonFault fault;

  if (body == NULL || length == 0 || is_blank (body, length))
    return NULL;

  if (length <= DAILIES_TASK_RESPONSE_MAX_BODY)
    root = parse_json (body, length, &fault, &detail);

  if (root == NULL)
    return text_message (body, length);

  if (JSON_NODE_HOLDS_OBJECT (root))
    return object_message (json_node_get_object (root));

  if (node_is_string (root))
    return one_line (json_node_get_string (root), -1, JSON_MESSAGE_MAX);

  if (JSON_NODE_HOLDS_ARRAY (root) && json_array_get_length (json_node_get_array (root)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (root), 0);

      if (JSON_NODE_HOLDS_OBJECT (first))
        return object_message (json_node_get_object (first));
      if (node_is_string (first))
        return one_line (json_node_get_string (first), -1, JSON_MESSAGE_MAX);
    }

  return NULL;
}

/* Says why @body is not JSON: one whole sentence per case. */
static void
set_not_json_error (GError     **error,
                    const char  *body,
                    gsize        length,
                    JsonFault    fault,
                    const char  *detail)
{
  if (looks_like_html (body, length))
    {
      g_autofree char *title = html_to_text (body, length);

      if (fault == JSON_FAULT_SYNTAX)
        /* Translators: the first %s is the web page's title, the second
           why it is not JSON, in English (json-glib's words) */
        g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED,
                     _("The service sent a web page instead of data (“%s”): %s"),
                     title != NULL ? title : "", detail);
      else
        /* Translators: %s is the web page's title */
        g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED,
                     _("The service sent a web page instead of data (“%s”)"),
                     title != NULL ? title : "");
      return;
    }

  switch (fault)
    {
    case JSON_FAULT_SYNTAX:
      /* Translators: %s says where and why, in English (json-glib's words),
         such as “<data>:1:1: Parse error: unexpected character …” */
      g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED,
                   _("The service sent an answer that is not valid JSON: %s"), detail);
      break;
    case JSON_FAULT_TOO_DEEP:
      g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The service sent JSON nested deeper than %d level",
                                "The service sent JSON nested deeper than %d levels", MAX_NESTING),
                   MAX_NESTING);
      break;
    case JSON_FAULT_NO_VALUE:
    default:
      g_set_error_literal (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED,
                           _("The service sent an answer with no JSON value in it"));
      break;
    }
}

DailiesTaskResponse *
dailies_task_response_parse (const char  *body,
                             gsize        length,
                             GError     **error)
{
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *detail = NULL;
  JsonFault fault;
  JsonObject *envelope;
  JsonNode *code;
  JsonNode *data;
  JsonNode *task_id;

  g_return_val_if_fail (body != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (body == NULL || length == 0 || is_blank (body, length))
    {
      g_set_error_literal (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_EMPTY,
                           _("The service sent an empty answer"));
      return NULL;
    }

  if (length > DAILIES_TASK_RESPONSE_MAX_BODY)
    {
      g_autofree char *size = g_format_size (length);

      /* Translators: %s is a size, such as “1.2 MB” */
      g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_TOO_LARGE,
                   _("The service sent an answer too large to read (%s)"), size);
      return NULL;
    }

  root = parse_json (body, length, &fault, &detail);
  if (root == NULL)
    {
      set_not_json_error (error, body, length, fault, detail);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_MALFORMED,
                   _("The service sent JSON that is not an object (%s)"), node_kind (root));
      return NULL;
    }

  envelope = json_node_get_object (root);
  code = member (envelope, "code");
  data = member (envelope, "data");

  if (code != NULL && !JSON_NODE_HOLDS_NULL (code) &&
      !(node_is_string (code) && g_ascii_strcasecmp (json_node_get_string (code), "success") == 0))
    {
      g_autofree char *message = object_message (envelope);

      g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_API,
                   "%s", message != NULL ? message : _("The service reported an error"));
      return NULL;
    }

  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data) ||
      !node_is_string (task_id = member (json_node_get_object (data), "task_id")) ||
      json_node_get_string (task_id)[0] == '\0')
    {
      g_autofree char *message = NULL;

      /* An error body with HTTP 200: say what it says. */
      if (code == NULL && member (envelope, "error") != NULL &&
          (message = object_message (envelope)) != NULL)
        {
          g_set_error (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_API, "%s", message);
          return NULL;
        }

      g_set_error_literal (error, DAILIES_RESPONSE_ERROR, DAILIES_RESPONSE_ERROR_NO_DATA,
                           _("The service’s answer holds no task"));
      return NULL;
    }

  response = response_new ();
  response->task_id = g_strdup (json_node_get_string (task_id));
  parse_task (response, json_node_get_object (data));

  return g_steal_pointer (&response);
}

DailiesTaskResponse *
dailies_task_response_copy (const DailiesTaskResponse *response)
{
  DailiesTaskResponse *copy;

  g_return_val_if_fail (response != NULL, NULL);

  copy = g_memdup2 (response, sizeof *response);
  copy->task_id = g_strdup (response->task_id);
  copy->action = g_strdup (response->action);
  copy->status_text = g_strdup (response->status_text);
  copy->result_url = g_strdup (response->result_url);
  copy->original_result_url = g_strdup (response->original_result_url);
  copy->fail_reason = g_strdup (response->fail_reason);
  copy->request_id = g_strdup (response->request_id);
  copy->upstream_id = g_strdup (response->upstream_id);
  copy->upstream_status = g_strdup (response->upstream_status);
  copy->model = g_strdup (response->model);
  copy->video_url = g_strdup (response->video_url);
  copy->ratio = g_strdup (response->ratio);
  copy->resolution = g_strdup (response->resolution);
  copy->upstream_resolution = g_strdup (response->upstream_resolution);
  copy->upstream_error_code = g_strdup (response->upstream_error_code);
  copy->upstream_error_message = g_strdup (response->upstream_error_message);
  copy->last_frame_url = g_strdup (response->last_frame_url);
  copy->upstream_problem = g_strdup (response->upstream_problem);
  copy->output_format = g_strdup (response->output_format);
  copy->warnings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; response->warnings != NULL && i < response->warnings->len; i++)
    g_ptr_array_add (copy->warnings, g_strdup (g_ptr_array_index (response->warnings, i)));

  return copy;
}

void
dailies_task_response_free (DailiesTaskResponse *response)
{
  if (response == NULL)
    return;

  g_free (response->task_id);
  g_free (response->action);
  g_free (response->status_text);
  g_free (response->result_url);
  g_free (response->original_result_url);
  g_free (response->fail_reason);
  g_free (response->request_id);
  g_free (response->upstream_id);
  g_free (response->upstream_status);
  g_free (response->model);
  g_free (response->video_url);
  g_free (response->ratio);
  g_free (response->resolution);
  g_free (response->upstream_resolution);
  g_free (response->upstream_error_code);
  g_free (response->upstream_error_message);
  g_free (response->last_frame_url);
  g_free (response->upstream_problem);
  g_free (response->output_format);
  g_clear_pointer (&response->warnings, g_ptr_array_unref);
  g_free (response);
}

DailiesTaskStatus
dailies_task_status_from_string (const char *text)
{
  static const struct { const char *name; DailiesTaskStatus status; } names[] = {
    { "not_start", DAILIES_TASK_STATUS_NOT_START },
    { "not_started", DAILIES_TASK_STATUS_NOT_START },
    { "queued", DAILIES_TASK_STATUS_QUEUED },
    { "pending", DAILIES_TASK_STATUS_QUEUED },
    { "in_progress", DAILIES_TASK_STATUS_IN_PROGRESS },
    { "running", DAILIES_TASK_STATUS_IN_PROGRESS },
    { "processing", DAILIES_TASK_STATUS_IN_PROGRESS },
    { "success", DAILIES_TASK_STATUS_SUCCESS },
    { "succeeded", DAILIES_TASK_STATUS_SUCCESS },
    { "failure", DAILIES_TASK_STATUS_FAILURE },
    { "failed", DAILIES_TASK_STATUS_FAILURE },
  };
  char normal[32];
  gsize len = 0;

  if (text == NULL)
    return DAILIES_TASK_STATUS_OTHER;

  while (g_ascii_isspace (*text))
    text++;

  /* "In Progress", "in-progress" and "IN_PROGRESS" are the same status. */
  for (; *text != '\0'; text++)
    {
      if (len + 1 >= sizeof normal)
        return DAILIES_TASK_STATUS_OTHER;
      normal[len++] = (*text == ' ' || *text == '-') ? '_' : g_ascii_tolower (*text);
    }
  while (len > 0 && normal[len - 1] == '_')
    len--;
  normal[len] = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (normal, names[i].name) == 0)
      return names[i].status;

  return DAILIES_TASK_STATUS_OTHER;
}

gboolean
dailies_task_status_is_terminal (DailiesTaskStatus status)
{
  return status == DAILIES_TASK_STATUS_SUCCESS ||
         status == DAILIES_TASK_STATUS_FAILURE ||
         status == DAILIES_TASK_STATUS_NOT_FOUND;
}

int
dailies_task_reason_timeout_minutes (const char *reason)
{
  /* Full-width brackets as the gateway writes them; its "legacy task, no
   * refund" variant has no number and is not matched. */
  static const char prefix[] = "任务超时（";
  static const char suffix[] = "分钟）";
  const char *p;
  gint64 minutes = 0;

  if (reason == NULL)
    return -1;

  while (g_ascii_isspace (*reason))
    reason++;
  if (!g_str_has_prefix (reason, prefix))
    return -1;

  p = reason + strlen (prefix);
  if (!g_ascii_isdigit (*p))
    return -1;
  for (; g_ascii_isdigit (*p); p++)
    {
      minutes = minutes * 10 + (*p - '0');
      if (minutes > G_MAXINT)
        return -1;
    }

  if (!g_str_has_prefix (p, suffix))
    return -1;

  return (int) minutes;
}

gint64
dailies_task_stuck_for (DailiesTaskStatus status,
                        gint64            submit_time,
                        gint64            start_time,
                        gint64            now)
{
  gint64 since = start_time > 0 ? start_time : submit_time;

  if (dailies_task_status_is_terminal (status) || status == DAILIES_TASK_STATUS_UNKNOWN || since <= 0)
    return 0;

  return now - since > DAILIES_TASK_STUCK_AFTER ? now - since : 0;
}
