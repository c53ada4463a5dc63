/* dailies-api-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dailies-api-base.h"
#include "dailies-api-client.h"
#include "dailies-id-parser.h"
#include "dailies-utf8.h"

#define GENERATIONS_PATH "/v1/video/generations/"
#define USAGE_PATH       "/api/usage/token/"
#define MODELS_PATH      "/v1/models"
#define READ_CHUNK       (32 * 1024)
/* Read buffers kept for the next requests: a fresh 32 KiB malloc() each
 * time went through glibc's sorting of freed memory, up to 14,000
 * instructions a request. */
#define SPARE_CHUNKS_MAX 8
/* Error bodies only feed a one-line message: the start of them is enough. */
#define ERROR_BODY_MAX   (64 * 1024)
#define MESSAGE_MAX      300

/* g_debug() formats its line even when the default writer drops it: three
 * lines an answer, about 6,000 instructions. Format only lines it keeps.
 * A test that records debug lines through its own writer turns them on
 * with g_log_set_debug_enabled(), before the requests it records start
 * (request_debug() below). */
#define api_debug(...) \
  G_STMT_START { \
    if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)) \
      g_debug (__VA_ARGS__); \
  } G_STMT_END

/* The same for a request's lines, asked once when it starts: each asking
 * reads the whole environment (G_MESSAGES_DEBUG). */
#define request_debug(request, ...) \
  G_STMT_START { \
    if ((request)->debug) \
      g_debug (__VA_ARGS__); \
  } G_STMT_END

struct _DailiesApiClient
{
  GObject      parent_instance;

  SoupSession *session;
  GUri        *base;       /* NULL when the base URL is not usable */
  char        *base_url;   /* normalized; "" when not usable */
  char        *log_base;   /* base_url redacted, for the log lines of requests; NULL when not usable */
  char        *api_key;    /* NULL when none; wiped when replaced */
  guint        timeout;    /* seconds */
  guint        key_serial; /* bumped by a new key or base: a 401 speaks for one serial */
  guint        key_rejected : 1;
  guint8      *spare_chunks[SPARE_CHUNKS_MAX];
  guint        n_spare_chunks;
};

G_DEFINE_FINAL_TYPE (DailiesApiClient, dailies_api_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KEY_REJECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  REQUEST_TASK,
  REQUEST_USAGE,
  REQUEST_MODELS,
} RequestKind;

G_DEFINE_QUARK (dailies-api-error-quark, dailies_api_error)

/* The state of one fetch, the task data of its GTask. */
typedef struct
{
  DailiesApiClient *client;           /* the GTask's source object keeps it alive */
  RequestKind       kind;
  char             *task_id;          /* REQUEST_TASK: the ID asked about */
  guint64           known_hash;       /* REQUEST_TASK: the body seen before, if known_length > 0 */
  gsize             known_length;
  guint             key_serial;
  guint             n_redirects;
  GUri             *redirect_target;  /* a followed redirect's origin also gets the key */
  DailiesApiResult *result;
  SoupMessage      *msg;
  GInputStream     *stream;
  GByteArray       *body;
  gsize             limit;            /* read at most this many bytes */
  /* The caller's cancellable, the timeout and dispose all end here. */
  GCancellable     *cancellable;
  GSource          *timeout_source;
  GSource          *cancelled_source;
  GUri             *base;             /* the only origin that gets the key */
  char             *authorization;    /* "Bearer …", wiped on free */
  char             *log_url;          /* redacted, for api_debug() */
  guint             timeout;
  guint             timed_out : 1;
  guint             debug : 1;        /* whether request_debug() keeps its lines: asked once */
  guint8           *chunk;            /* READ_CHUNK bytes, not zeroed: only read into; NULL before the first read */
} Request;

static void
wipe_string (char *str)
{
  if (str != NULL)
    {
      memset (str, 0, strlen (str));
      g_free (str);
    }
}

static void
clear_sources (Request *request)
{
  if (request->timeout_source != NULL)
    {
      g_source_destroy (request->timeout_source);
      g_clear_pointer (&request->timeout_source, g_source_unref);
    }

  if (request->cancelled_source != NULL)
    {
      g_source_destroy (request->cancelled_source);
      g_clear_pointer (&request->cancelled_source, g_source_unref);
    }
}

/* Keeps @chunk for another request, or frees it. */
static void
give_back_chunk (DailiesApiClient *self,
                 guint8           *chunk)
{
  if (chunk == NULL)
    return;

  if (self != NULL && self->n_spare_chunks < SPARE_CHUNKS_MAX)
    self->spare_chunks[self->n_spare_chunks++] = chunk;
  else
    g_free (chunk);
}

static void
request_free (gpointer data)
{
  Request *request = data;

  clear_sources (request);
  if (request->msg != NULL)
    g_signal_handlers_disconnect_by_data (request->msg, request);
  g_clear_object (&request->msg);
  g_clear_object (&request->stream);
  g_clear_pointer (&request->body, g_byte_array_unref);
  g_clear_object (&request->cancellable);
  g_clear_pointer (&request->base, g_uri_unref);
  g_clear_pointer (&request->redirect_target, g_uri_unref);
  g_clear_pointer (&request->result, dailies_api_result_free);
  g_free (request->task_id);
  wipe_string (request->authorization);
  g_free (request->log_url);
  g_free (request->chunk);
  g_free (request);
}

void
dailies_api_result_free (DailiesApiResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->response, dailies_task_response_free);
  g_free (result->raw_json);
  g_free (result->request_id);
  g_free (result->redirect_url);
  g_strfreev (result->models);
  g_free (result);
}

static DailiesApiResult *
result_new (void)
{
  DailiesApiResult *result = g_new0 (DailiesApiResult, 1);

  result->retry_after_s = -1;
  result->quota_granted = -1;
  result->quota_used = -1;
  result->quota_available = -1;

  return result;
}

/* ------------------------------------------------------------------ */
/* URLs                                                                */
/* ------------------------------------------------------------------ */

char *
dailies_redact_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *bare = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return g_strdup ("(not a URL)");

  bare = g_uri_join (G_URI_FLAGS_ENCODED,
                     g_uri_get_scheme (uri),
                     NULL,
                     g_uri_get_host (uri),
                     g_uri_get_port (uri),
                     g_uri_get_path (uri),
                     NULL,
                     NULL);

  if (g_uri_get_query (uri) != NULL)
    return g_strconcat (bare, "?…", NULL);

  return g_steal_pointer (&bare);
}

static int
effective_port (GUri *uri)
{
  int port = g_uri_get_port (uri);

  if (port > 0)
    return port;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return 443;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0)
    return 80;

  return -1;
}

static gboolean
same_origin (GUri *a,
             GUri *b)
{
  g_assert (a != NULL);
  g_assert (b != NULL);

  return g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_uri_get_host (a) != NULL && g_uri_get_host (b) != NULL &&
         g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0 &&
         effective_port (a) == effective_port (b);
}

/* Returns the normalized base URL, or NULL when @text is not an http(s)
 * URL we dare send a key to. */
static char *
normalize_base_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *path = NULL;
  const char *scheme;
  gsize len;

  if (text == NULL)
    return NULL;

  stripped = dailies_api_base_dup_tidy (text);
  uri = g_uri_parse (stripped, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return NULL;

  scheme = g_uri_get_scheme (uri);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    return NULL;

  /* A password in the setting would travel with every request and log line. */
  if (g_uri_get_userinfo (uri) != NULL)
    return NULL;
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;
  /* The task path is appended: a query or fragment would swallow it. */
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return NULL;

  path = g_strdup (g_uri_get_path (uri));
  len = strlen (path);
  while (len > 0 && path[len - 1] == '/')
    path[--len] = '\0';

  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), path, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

/* delta-seconds or an HTTP date; -1 when absent or unreadable. */
gint64
dailies_api_parse_retry_after (const char *value,
                               gint64      now_unix)
{
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) date = NULL;
  guint64 seconds;

  if (value == NULL)
    return -1;

  text = g_strstrip (g_strdup (value));
  if (*text == '\0')
    return -1;

  if (g_ascii_isdigit (*text))
    {
      const char *p;

      for (p = text; g_ascii_isdigit (*p); p++)
        ;
      if (*p != '\0')
        return -1;

      /* Too many digits overflow: that is "very long" too. */
      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &seconds, NULL))
        return DAILIES_API_MAX_RETRY_AFTER;

      return (gint64) MIN (seconds, (guint64) DAILIES_API_MAX_RETRY_AFTER);
    }

  date = soup_date_time_new_from_http_string (text);
  if (date == NULL)
    return -1;

  /* Subtracting first could overflow for dates near the ends of time. */
  if (g_date_time_to_unix (date) <= now_unix)
    return 0;
  if (g_date_time_to_unix (date) - DAILIES_API_MAX_RETRY_AFTER >= now_unix)
    return DAILIES_API_MAX_RETRY_AFTER;

  return g_date_time_to_unix (date) - now_unix;
}

static DailiesApiError
error_code_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:       return DAILIES_API_ERROR_BAD_REQUEST;
    case SOUP_STATUS_UNAUTHORIZED:      return DAILIES_API_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_NOT_FOUND:         return DAILIES_API_ERROR_NOT_FOUND;
    case 429 /* Too Many Requests */:   return DAILIES_API_ERROR_RATE_LIMITED;
    default:
      if (status >= 500 && status <= 599)
        return DAILIES_API_ERROR_SERVER;
      return DAILIES_API_ERROR_HTTP;
    }
}

/* Server text ends up in a one-line label: keep it short and valid. */
static char *
shorten (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  const char *cut;

  if (g_utf8_strlen (valid, -1) <= MESSAGE_MAX)
    return g_steal_pointer (&valid);

  cut = g_utf8_offset_to_pointer (valid, MESSAGE_MAX);
  return g_strdup_printf ("%.*s…", (int) (cut - valid), valid);
}

/* Some services echo the key in their error text ("Incorrect API key
 * provided: sk-…"); that text reaches labels, the database and the log. */
static char *
redact_key (const char *text,
            const char *key)
{
  GString *str = g_string_new (text);

  if (key != NULL && *key != '\0')
    g_string_replace (str, key, "***", 0);

  return g_string_free (str, FALSE);
}

static char *
describe_status (SoupMessage *msg,
                 const char  *body,
                 gsize        length,
                 const char  *key)
{
  g_autofree char *message = dailies_task_response_error_message (body, length);
  g_autofree char *redacted = NULL;
  const char *reason;

  if (message == NULL || *message == '\0')
    {
      reason = soup_message_get_reason_phrase (msg);
      if (reason == NULL || *reason == '\0')
        reason = soup_status_get_phrase (soup_message_get_status (msg));
      g_free (message);
      message = g_strdup (reason);
    }

  redacted = redact_key (message, key);

  return shorten (redacted);
}

/* ------------------------------------------------------------------ */
/* Fetching                                                            */
/* ------------------------------------------------------------------ */

static void read_more (GTask *task);

/* Ends the fetch: success when @error is NULL. Takes @error. */
static void
request_complete (GTask  *task,
                  GError *error)
{
  Request *request = g_task_get_task_data (task);

  clear_sources (request);
  /* No read is pending: its buffer can serve the next request. The client
   * is alive while the task is (it is the source object). */
  give_back_chunk (request->client, g_steal_pointer (&request->chunk));

  /* Stops the body early when we did not read to the end. */
  if (request->stream != NULL)
    {
      g_input_stream_close_async (request->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&request->stream);
    }

  if (error != NULL)
    {
      request_debug (request, "api: GET %s failed: %s", request->log_url, error->message);
      g_task_return_error (task, error);
    }
  else
    {
      g_task_return_boolean (task, TRUE);
    }
}

static GError *
transport_error (GTask  *task,
                 GError *error)
{
  Request *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_cancellable_is_cancelled (cancellable))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The request was cancelled"));

  if (request->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_TIMEOUT,
                        ngettext ("The server did not answer within %u second",
                                  "The server did not answer within %u seconds",
                                  request->timeout),
                        request->timeout);

  /* Only dispose cancels otherwise (soup_session_abort). */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  return g_error_new_literal (DAILIES_API_ERROR, DAILIES_API_ERROR_NETWORK, error->message);
}

/* The body read so far as text, taken from @request: NUL-terminated by
 * finish_response(), so a valid body is handed over rather than copied. */
static char *
take_body_text (Request *request,
                gsize    length)
{
  g_assert (request->body->len == length + 1);

  if (!dailies_utf8_is_valid ((const char *) request->body->data, length))
    return g_utf8_make_valid ((const char *) request->body->data, length);

  /* Shrinking gives back what growing the array reserved, in place. */
  return g_realloc (g_byte_array_free (g_steal_pointer (&request->body), FALSE), length + 1);
}

/* The body's top-level object, owned by @parser; NULL when it is not one. */
static JsonObject *
parse_object (JsonParser *parser,
              const char *body,
              gsize       length)
{
  JsonNode *root;

  if (length == 0 || !json_parser_load_from_data (parser, body, length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_node_get_object (root);
}

/* @node's text when it is a string; NULL otherwise (or no @node). */
static const char *
node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* The "error" object of an answer, or NULL. */
static JsonObject *
error_object (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "error");

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* new-api's message for a path it has no route for. */
static gboolean
is_route_missing (const char *message)
{
  return message != NULL && g_str_has_prefix (message, "Invalid URL (");
}

/* Whether a 404's @body is the API's word about the task asked: its
 * error object ({"error":{"message":…}}, as documented) or new-api's
 * task error ({"code":"…",…}). A web server or proxy answers an address
 * with no API behind it with a page of its own (or any other JSON), and
 * new-api a path it has no route for (a base ending in "/api", say) with
 * {"error":{"message":"Invalid URL (GET …)"}}: those say the address is
 * wrong, for every task, not that this one is gone. */
static gboolean
is_answer_about_task (const char *body,
                      gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object = parse_object (parser, body, length);
  JsonObject *error;
  const char *text;

  if (object == NULL)
    return FALSE;

  text = node_string (json_object_get_member (object, "code"));
  if (text != NULL && *text != '\0')
    return TRUE;

  if ((error = error_object (object)) == NULL)
    return FALSE;
  text = node_string (json_object_get_member (error, "message"));
  if (text != NULL)
    return !is_route_missing (text);

  /* No message: an error object the API's shape, by its code. */
  text = node_string (json_object_get_member (error, "code"));
  return text != NULL && *text != '\0';
}

/* A JSON object, as the API's answers are, other than new-api's own
 * answer for a path it has no route for. */
static gboolean
is_json_object_not_route (const char *body,
                          gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object = parse_object (parser, body, length);
  JsonObject *error;

  if (object == NULL)
    return FALSE;
  error = error_object (object);

  return error == NULL || !is_route_missing (node_string (json_object_get_member (error, "message")));
}

/* new-api's answers: {"code":"task_not_exist",…} or {"error":{"code":…}}. */
static char *
dup_error_code (const char *body,
                gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object = parse_object (parser, body, length);
  JsonNode *code;

  if (object == NULL)
    return NULL;

  code = json_object_get_member (object, "code");
  if (code == NULL && json_object_has_member (object, "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "error")))
    code = json_object_get_member (json_object_get_object_member (object, "error"), "code");

  return g_strdup (node_string (code));
}

static gint64
get_quota (JsonObject *data,
           const char *name)
{
  JsonNode *node = json_object_get_member (data, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) CLAMP (json_node_get_double (node), (double) G_MININT64, (double) G_MAXINT64);

  return -1;
}

/* {"code":true,"message":"ok","data":{"total_granted":…,"total_used":…,
 * "total_available":…,"unlimited_quota":false,…}} */
static gboolean
parse_usage (DailiesApiResult *result,
             const char       *body,
             gsize             length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *root = parse_object (parser, body, length);
  JsonNode *data;
  JsonObject *object;
  JsonNode *unlimited;

  if (root == NULL)
    return FALSE;

  data = json_object_get_member (root, "data");
  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    return FALSE;

  object = json_node_get_object (data);
  result->quota_granted = get_quota (object, "total_granted");
  result->quota_used = get_quota (object, "total_used");
  result->quota_available = get_quota (object, "total_available");
  unlimited = json_object_get_member (object, "unlimited_quota");
  result->quota_unlimited = unlimited != NULL && JSON_NODE_HOLDS_VALUE (unlimited) &&
                            json_node_get_value_type (unlimited) == G_TYPE_BOOLEAN &&
                            json_node_get_boolean (unlimited);

  return TRUE;
}

/* {"object":"list","data":[{"id":"…",…},…]} (new-api adds "success"). */
static gboolean
parse_models (DailiesApiResult *result,
              const char       *body,
              gsize             length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonObject *root = parse_object (parser, body, length);
  JsonNode *data;
  JsonArray *array;

  if (root == NULL)
    return FALSE;

  data = json_object_get_member (root, "data");
  if (data == NULL || !JSON_NODE_HOLDS_ARRAY (data))
    return FALSE;

  array = json_node_get_array (data);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonNode *id;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      id = json_object_get_member (json_node_get_object (item), "id");
      if (id != NULL && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING)
        {
          g_autofree char *valid = g_utf8_make_valid (json_node_get_string (id), -1);
          g_strv_builder_add (builder, valid);
        }
    }

  result->models = g_strv_builder_end (builder);

  return TRUE;
}

/* FNV-1a's constants over 8-byte words, with a shift to carry the high
 * bits down: each step is a bijection, so a change in any one word always
 * changes the hash, at an eighth of the byte-wise cost. */
guint64
dailies_api_body_hash (const char *body,
                       gsize       length)
{
  const guint64 prime = G_GUINT64_CONSTANT (0x100000001b3);
  guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325) ^ length;
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, body + i, sizeof word);
      hash = (hash ^ word) * prime;
      hash ^= hash >> 29;
    }
  for (; i < length; i++)
    {
      hash = (hash ^ (guint8) body[i]) * prime;
      hash ^= hash >> 29;
    }

  return hash;
}

/* An HTML document: starting with a tag, or said to be one and not
 * starting like JSON (the API's answer, mislabelled, stays unreadable). */
static gboolean
is_web_page (SoupMessage *msg,
             const char  *body,
             gsize        length)
{
  const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  gsize i = 0;

  while (i < length && g_ascii_isspace (body[i]))
    i++;

  if (i < length && body[i] == '<')
    return TRUE;
  if (i < length && (body[i] == '{' || body[i] == '['))
    return FALSE;

  return type != NULL && (g_ascii_strcasecmp (type, "text/html") == 0 ||
                          g_ascii_strcasecmp (type, "application/xhtml+xml") == 0);
}

static void
finish_task_body (GTask      *task,
                  const char *body,
                  gsize       length)
{
  Request *request = g_task_get_task_data (task);
  DailiesApiResult *result = request->result;
  g_autoptr(GError) parse_error = NULL;
  DailiesTaskResponse *response;

  result->body_hash = dailies_api_body_hash (body, length);
  result->body_length = length;

  /* Most answers about an unfinished task repeat the last one byte for
   * byte: parsing it again would only say what is already known. The ID
   * was checked when that body was parsed. */
  if (request->known_length > 0 && length == request->known_length &&
      result->body_hash == request->known_hash)
    {
      result->unchanged = TRUE;
      request_debug (request, "api: GET %s: the same answer as before", request->log_url);
      request_complete (task, NULL);
      return;
    }

  response = dailies_task_response_parse (body, length, &parse_error);
  if (response == NULL && is_web_page (request->msg, body, length))
    {
      result->web_page = TRUE;
      /* The site of the address's server (new-api serves its pages at
       * every path outside the API's), never the API: https and the
       * loopback alone are allowed, so no captive portal answers here. */
      request_debug (request, "api: GET %s: a web page, not the API's answer: the address is wrong",
                     request->log_url);
      g_autofree char *text = take_body_text (request, length);

      result->raw_json = redact_key (text, request->authorization + strlen ("Bearer "));
      request_complete (task,
                        g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_NO_API_HERE,
                                     _("HTTP %u: %s. There is no task API at this address: check the API address in Preferences."),
                                     result->http_status,
                                     /* Translators: what an address answered with, after "HTTP 200: " */
                                     _("a web page")));
      return;
    }

  /* @body is not read after this. */
  result->raw_json = take_body_text (request, length);
  if (response == NULL)
    {
      request_complete (task,
                        g_error_new_literal (DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE,
                                             parse_error->message));
      return;
    }

  /* A proxy's cache or a server bug must not put one task's state on another. */
  if (g_strcmp0 (response->task_id, request->task_id) != 0)
    {
      g_autofree char *other = shorten (response->task_id);

      request_debug (request, "api: GET %s answered about task %s", request->log_url, other);
      dailies_task_response_free (response);
      request_complete (task,
                        g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_WRONG_TASK,
                                     /* Translators: %s is another task ID */
                                     _("The service answered about another task (%s)"), other));
      return;
    }

  result->response = response;
  request_debug (request, "api: GET %s: task %s is %s", request->log_url,
                 response->task_id, response->status_text != NULL ? response->status_text : "(no status)");
  request_complete (task, NULL);
}

static void
finish_response (GTask *task)
{
  Request *request = g_task_get_task_data (task);
  DailiesApiResult *result = request->result;
  const char *body;
  gsize length;

  length = request->body->len;
  /* NUL-terminate for the parser, not counted in @length. */
  g_byte_array_append (request->body, (const guint8 *) "", 1);
  body = (const char *) request->body->data;

  if (result->http_status == SOUP_STATUS_OK)
    {
      if (length > DAILIES_TASK_RESPONSE_MAX_BODY)
        {
          g_autofree char *limit = g_format_size (DAILIES_TASK_RESPONSE_MAX_BODY);

          /* Translators: %s is a size, such as “1.0 MB” */
          request_complete (task,
                            g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE,
                                         _("The response is too large (over %s)"), limit));
          return;
        }

      switch (request->kind)
        {
        case REQUEST_TASK:
          finish_task_body (task, body, length);
          return;
        case REQUEST_USAGE:
          if (!parse_usage (result, body, length))
            break;
          request_complete (task, NULL);
          return;
        case REQUEST_MODELS:
        default:
          if (!parse_models (result, body, length))
            break;
          request_complete (task, NULL);
          return;
        }

      request_complete (task,
                        g_error_new_literal (DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE,
                                             _("The service's answer could not be read")));
    }
  else
    {
      const char *key = request->authorization + strlen ("Bearer ");
      g_autofree char *message = describe_status (request->msg, body, length, key);
      DailiesApiError code = error_code_for_status (result->http_status);

      if (length > 0)
        {
          g_autofree char *text = dailies_utf8_dup_valid (body, length);
          result->raw_json = redact_key (text, key);
        }
      result->web_page = is_web_page (request->msg, body, length);

      /* new-api says "no such task" with a 400; other 400s stay errors. */
      if (code == DAILIES_API_ERROR_BAD_REQUEST)
        {
          g_autofree char *error_code = dup_error_code (body, length);

          if (g_strcmp0 (error_code, "task_not_exist") == 0)
            code = DAILIES_API_ERROR_NOT_FOUND;
        }

      if (code == DAILIES_API_ERROR_NOT_FOUND && request->kind == REQUEST_TASK &&
          !is_answer_about_task (body, length))
        {
          request_debug (request, "api: GET %s: a 404 that is not the API's answer: the address is wrong",
                         request->log_url);
          result->json_object = is_json_object_not_route (body, length);
          request_complete (task,
                            g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_NO_API_HERE,
                                         /* Translators: HTTP status code, then the server's message */
                                         _("HTTP %u: %s. There is no task API at this address: check the API address in Preferences."),
                                         result->http_status, message));
          return;
        }

      /* Only a task request speaks for the key: the test of another key
       * or a usage query do not. */
      if (code == DAILIES_API_ERROR_UNAUTHORIZED && request->kind == REQUEST_TASK &&
          request->client != NULL && request->key_serial == request->client->key_serial &&
          !request->client->key_rejected)
        {
          request->client->key_rejected = TRUE;
          g_object_notify_by_pspec (G_OBJECT (request->client), properties[PROP_KEY_REJECTED]);
        }

      request_complete (task,
                        g_error_new (DAILIES_API_ERROR, code,
                                     /* Translators: HTTP status code, then the server's message */
                                     _("HTTP %u: %s"), result->http_status, message));
    }
}

static void
read_cb (GObject      *object,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n_read;

  n_read = g_input_stream_read_finish (G_INPUT_STREAM (object), res, &error);
  if (n_read < 0)
    {
      request_complete (task, transport_error (task, error));
      return;
    }

  if (n_read > 0)
    {
      gsize room = request->limit - request->body->len;

      g_byte_array_append (request->body, request->chunk, MIN ((gsize) n_read, room));
      if (request->body->len < request->limit)
        {
          read_more (g_steal_pointer (&task));
          return;
        }
    }

  finish_response (task);
}

/* Takes @task. */
static void
read_more (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  g_assert (request->body->len < request->limit);

  if (request->chunk == NULL)
    {
      DailiesApiClient *client = request->client;

      request->chunk = client->n_spare_chunks > 0 ? client->spare_chunks[--client->n_spare_chunks]
                                                  : g_malloc (READ_CHUNK);
    }

  /* Always ask for a whole chunk: libsoup's chunked decoder cannot serve
   * reads shorter than its "\r\n" boundary. The excess is dropped. */
  g_input_stream_read_async (request->stream,
                             request->chunk,
                             READ_CHUNK,
                             G_PRIORITY_DEFAULT,
                             request->cancellable,
                             read_cb,
                             task);
}

static gboolean
is_default_port (GUri *uri)
{
  int port = g_uri_get_port (uri);
  gboolean https = g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0;

  return port < 0 || port == (https ? 443 : 80);
}

static const char *
without_www (const char *host)
{
  return g_ascii_strncasecmp (host, "www.", 4) == 0 ? host + 4 : host;
}

gboolean
dailies_api_may_follow_redirect (GUri *from,
                                 GUri *to)
{
  const char *from_scheme;
  const char *to_scheme;
  const char *from_host;
  const char *to_host;

  g_return_val_if_fail (from != NULL, FALSE);
  g_return_val_if_fail (to != NULL, FALSE);

  from_scheme = g_uri_get_scheme (from);
  to_scheme = g_uri_get_scheme (to);
  from_host = g_uri_get_host (from);
  to_host = g_uri_get_host (to);

  if (from_host == NULL || to_host == NULL || *to_host == '\0' || g_uri_get_userinfo (to) != NULL)
    return FALSE;

  /* Exactly one leading "www." may come or go: example.com and
   * www.example.com, never evil-example.com or www.www.example.com. */
  if (g_ascii_strcasecmp (from_host, to_host) != 0 &&
      (g_ascii_strcasecmp (without_www (from_host), without_www (to_host)) != 0 ||
       *without_www (from_host) == '\0' ||
       g_ascii_strncasecmp (without_www (from_host), "www.", 4) == 0 ||
       g_ascii_strncasecmp (without_www (to_host), "www.", 4) == 0))
    return FALSE;

  if (g_ascii_strcasecmp (from_scheme, to_scheme) == 0)
    return (g_ascii_strcasecmp (to_scheme, "http") == 0 || g_ascii_strcasecmp (to_scheme, "https") == 0) &&
           effective_port (from) == effective_port (to);

  /* An upgrade to TLS on the usual ports; never a downgrade. */
  return g_ascii_strcasecmp (from_scheme, "http") == 0 && g_ascii_strcasecmp (to_scheme, "https") == 0 &&
         is_default_port (from) && is_default_port (to);
}

static void send_message (GTask *task);

/* A 3xx with a Location: follows it when the key may go there, else ends
 * the request with an error that names the new address. Takes @task. */
static void
handle_redirect (GTask      *task,
                 const char *location)
{
  Request *request = g_task_get_task_data (task);
  GUri *current = soup_message_get_uri (request->msg);
  g_autoptr(GUri) target = g_uri_parse_relative (current, location, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *target_text = target != NULL ? g_uri_to_string (target) : g_strdup (location);

  g_free (request->result->redirect_url);
  request->result->redirect_url = dailies_redact_url (target_text);

  if (target != NULL && request->n_redirects < DAILIES_API_MAX_REDIRECTS &&
      dailies_api_may_follow_redirect (current, target))
    {
      g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_GET, target);

      request->n_redirects++;
      request_debug (request, "api: GET %s: following a redirect to %s", request->log_url, request->result->redirect_url);

      g_signal_handlers_disconnect_by_data (request->msg, request);
      g_set_object (&request->msg, msg);
      g_clear_pointer (&request->redirect_target, g_uri_unref);
      request->redirect_target = g_uri_ref (target);
      g_free (request->log_url);
      request->log_url = g_strdup (request->result->redirect_url);
      send_message (task);
      return;
    }

  /* Per request: the poller logs the first of a run of these. */
  request_debug (request, "api: GET %s: not following a redirect to %s", request->log_url, request->result->redirect_url);
  request_complete (task,
                    request->n_redirects >= DAILIES_API_MAX_REDIRECTS
                      ? g_error_new_literal (DAILIES_API_ERROR, DAILIES_API_ERROR_REDIRECTED,
                                             _("The service redirected too many times"))
                      : g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_REDIRECTED,
                                     /* Translators: %s is a web address */
                                     _("The service redirected to %s, which is not the API base: check the API base URL in Preferences"),
                                     request->result->redirect_url));
  g_object_unref (task);
}

static void
send_cb (GObject      *object,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *location;
  guint status;

  request->stream = soup_session_send_finish (SOUP_SESSION (object), res, &error);
  if (request->stream == NULL)
    {
      request_complete (task, transport_error (task, error));
      return;
    }

  status = soup_message_get_status (request->msg);
  headers = soup_message_get_response_headers (request->msg);
  request->result->http_status = status;
  request->result->retry_after_s = dailies_api_parse_retry_after (soup_message_headers_get_one (headers, "Retry-After"),
                                                                  g_get_real_time () / G_USEC_PER_SEC);
  /* It reaches the log and Copy Details: short, valid text only. */
  g_free (request->result->request_id);
  request->result->request_id = shorten (soup_message_headers_get_one (headers, "X-Oneapi-Request-Id") ?: "");
  if (*request->result->request_id == '\0')
    g_clear_pointer (&request->result->request_id, g_free);

  request_debug (request, "api: GET %s: HTTP %u, request %s", request->log_url, status,
                 request->result->request_id != NULL ? request->result->request_id : "(none)");

  location = soup_message_headers_get_one (headers, "Location");
  if (SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED && location != NULL)
    {
      /* Drop this answer's body; the next one is read instead. */
      g_input_stream_close_async (request->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&request->stream);
      handle_redirect (g_steal_pointer (&task), location);
      return;
    }

  if (status == SOUP_STATUS_OK)
    {
      /* One byte more than allowed tells "too large" from "just fits". */
      request->limit = DAILIES_TASK_RESPONSE_MAX_BODY + 1;

      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
          soup_message_headers_get_content_length (headers) > DAILIES_TASK_RESPONSE_MAX_BODY)
        {
          g_autofree char *limit = g_format_size (DAILIES_TASK_RESPONSE_MAX_BODY);

          /* Translators: %s is a size, such as “1.0 MB” */
          request_complete (task,
                            g_error_new (DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_RESPONSE,
                                         _("The response is too large (over %s)"), limit));
          return;
        }
    }
  else
    {
      request->limit = ERROR_BODY_MAX;
    }

  read_more (g_steal_pointer (&task));
}

/* Sets or removes the key each time the message is about to go out, so that
 * it can only ever reach the base's origin, or one a vetted redirect led to. */
static void
message_starting_cb (SoupMessage *msg,
                     Request     *request)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  GUri *uri = soup_message_get_uri (msg);

  if (same_origin (uri, request->base) ||
      (request->redirect_target != NULL && same_origin (uri, request->redirect_target)))
    soup_message_headers_replace (headers, "Authorization", request->authorization);
  else
    soup_message_headers_remove (headers, "Authorization");
}

static gboolean
timeout_cb (gpointer user_data)
{
  Request *request = user_data;

  /* Cancelling may complete and free the request: touch nothing after. */
  request->timed_out = TRUE;
  g_clear_pointer (&request->timeout_source, g_source_unref);
  g_cancellable_cancel (request->cancellable);

  return G_SOURCE_REMOVE;
}

/* Runs from its own source rather than a "cancelled" handler, so that
 * nothing completes or disconnects inside the caller's g_cancellable_cancel(). */
static gboolean
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  Request *request = user_data;

  g_clear_pointer (&request->cancelled_source, g_source_unref);
  g_cancellable_cancel (request->cancellable);

  return G_SOURCE_REMOVE;
}

static gboolean
is_header_safe (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
        return FALSE;
    }

  return TRUE;
}

/* Sends request->msg (the first one or a redirect's); takes @task. */
static void
send_message (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  /* Redirects are vetted above; libsoup would follow any of them. */
  soup_message_add_flags (request->msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (request->msg),
                                "Accept", "application/json");
  g_signal_connect (request->msg, "starting", G_CALLBACK (message_starting_cb), request);

  soup_session_send_async (request->client->session,
                           request->msg,
                           G_PRIORITY_DEFAULT,
                           request->cancellable,
                           send_cb,
                           task);
}

/* The checks and the sending every kind of request shares. @key NULL means
 * the client's own; @path is appended to the base. */
static void
start_request (DailiesApiClient    *self,
               RequestKind          kind,
               const char          *path,
               const char          *key,
               const char          *task_id,
               guint64              known_hash,
               gsize                known_length,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  GMainContext *context;
  Request *request;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, "[dailies] api request");

  request = g_new0 (Request, 1);
  request->client = self;
  request->kind = kind;
  request->task_id = g_strdup (task_id);
  request->known_hash = known_hash;
  request->known_length = known_length;
  request->key_serial = self->key_serial;
  request->result = result_new ();
  request->body = g_byte_array_new ();
  request->timeout = self->timeout;
  g_task_set_task_data (task, request, request_free);

  if (key == NULL)
    key = self->api_key;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (self->session == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The request was cancelled"));
      return;
    }

  if (task_id != NULL && !dailies_task_id_is_valid (task_id))
    {
      api_debug ("api: refusing to fetch a malformed task ID");
      g_task_return_new_error (task, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_ID,
                               _("This is not a valid task ID"));
      return;
    }

  if (self->base == NULL)
    {
      g_task_return_new_error (task, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_BASE,
                               _("The API base URL must be an http:// or https:// address without a user name, query or fragment"));
      return;
    }

  if (key == NULL || *key == '\0')
    {
      g_task_return_new_error (task, DAILIES_API_ERROR, DAILIES_API_ERROR_NO_KEY,
                               _("No API key is set"));
      return;
    }

  /* Whatever asks (a timer, Check Again, a refresh of all), a rejected
   * key is not sent again with a task request. */
  if (kind == REQUEST_TASK && self->key_rejected)
    {
      g_task_return_new_error (task, DAILIES_API_ERROR, DAILIES_API_ERROR_KEY_REJECTED,
                               _("The API key was rejected: enter a new one to resume checking"));
      return;
    }

  if (!is_header_safe (key))
    {
      g_task_return_new_error (task, DAILIES_API_ERROR, DAILIES_API_ERROR_UNAUTHORIZED,
                               _("The API key contains characters that cannot be sent"));
      return;
    }

  url = g_strconcat (self->base_url, path, NULL);
  /* The base has no query nor fragment: with none in @path either, the
   * redacted base plus @path is what redacting the whole gives, without
   * parsing it again for every request. */
  if (self->log_base != NULL && strpbrk (path, "?#") == NULL)
    request->log_url = g_strconcat (self->log_base, path, NULL);
  else
    request->log_url = dailies_redact_url (url);

  request->msg = soup_message_new (SOUP_METHOD_GET, url);
  if (request->msg == NULL)
    {
      g_task_return_new_error (task, DAILIES_API_ERROR, DAILIES_API_ERROR_INVALID_BASE,
                               _("The API base URL does not make a valid request address"));
      return;
    }

  request->base = g_uri_ref (self->base);
  request->authorization = g_strconcat ("Bearer ", key, NULL);

  context = g_task_get_context (task);
  request->cancellable = g_cancellable_new ();

  request->debug = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);

  request->timeout_source = g_timeout_source_new ((guint) MIN ((guint64) request->timeout * 1000, G_MAXUINT));
  g_source_set_name (request->timeout_source, "[dailies] api request timeout");
  g_source_set_callback (request->timeout_source, timeout_cb, request, NULL);
  g_source_attach (request->timeout_source, context);

  if (cancellable != NULL)
    {
      request->cancelled_source = g_cancellable_source_new (cancellable);
      g_source_set_name (request->cancelled_source, "[dailies] api request cancelled");
      g_source_set_callback (request->cancelled_source,
                             G_SOURCE_FUNC (caller_cancelled_cb), request, NULL);
      g_source_attach (request->cancelled_source, context);
    }

  request_debug (request, "api: GET %s", request->log_url);

  send_message (g_steal_pointer (&task));
}

static DailiesApiResult *
finish_request (DailiesApiClient  *self,
                GAsyncResult      *result,
                gpointer           source_tag,
                GError           **error)
{
  Request *request;
  DailiesApiResult *api_result;

  g_return_val_if_fail (DAILIES_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  request = g_task_get_task_data (G_TASK (result));
  api_result = g_steal_pointer (&request->result);

  /* A second call is a caller bug; still never return NULL. */
  if (api_result == NULL)
    api_result = result_new ();

  /* A cancel after a successful answer still reports CANCELLED. */
  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      g_clear_pointer (&api_result->response, dailies_task_response_free);
      g_clear_pointer (&api_result->models, g_strfreev);
    }

  return api_result;
}

void
dailies_api_client_fetch_task_async (DailiesApiClient    *self,
                                     const char          *task_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  dailies_api_client_fetch_task_if_changed_async (self, task_id, 0, 0, cancellable, callback, user_data);
}

void
dailies_api_client_fetch_task_if_changed_async (DailiesApiClient    *self,
                                                const char          *task_id,
                                                guint64              known_hash,
                                                gsize                known_length,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (DAILIES_IS_API_CLIENT (self));
  g_return_if_fail (task_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* The ID is checked before sending; escaping anyway keeps any future
   * loosening of that check from reaching the path. */
  escaped = g_uri_escape_string (task_id, NULL, FALSE);
  path = g_strconcat (GENERATIONS_PATH, escaped, NULL);
  start_request (self, REQUEST_TASK, path, NULL, task_id, known_hash, known_length,
                 cancellable, callback, user_data, dailies_api_client_fetch_task_async);
}

DailiesApiResult *
dailies_api_client_fetch_task_finish (DailiesApiClient  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  return finish_request (self, result, dailies_api_client_fetch_task_async, error);
}

void
dailies_api_client_fetch_usage_async (DailiesApiClient    *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (DAILIES_IS_API_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_request (self, REQUEST_USAGE, USAGE_PATH, NULL, NULL, 0, 0, cancellable, callback, user_data,
                 dailies_api_client_fetch_usage_async);
}

DailiesApiResult *
dailies_api_client_fetch_usage_finish (DailiesApiClient  *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  return finish_request (self, result, dailies_api_client_fetch_usage_async, error);
}

void
dailies_api_client_list_models_async (DailiesApiClient    *self,
                                      const char          *key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (DAILIES_IS_API_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (key != NULL)
    stripped = g_strstrip (g_strdup (key));
  start_request (self, REQUEST_MODELS, MODELS_PATH, stripped, NULL, 0, 0, cancellable, callback, user_data,
                 dailies_api_client_list_models_async);
  if (stripped != NULL)
    wipe_string (g_steal_pointer (&stripped));
}

DailiesApiResult *
dailies_api_client_list_models_finish (DailiesApiClient  *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  return finish_request (self, result, dailies_api_client_list_models_async, error);
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */
/* ------------------------------------------------------------------ */

/* A new key or base: answers to requests made before speak for the old
 * one. A key no header may carry can never work anywhere: it counts as
 * refused at once, as a service would refuse it, and is never sent. */
static void
forget_rejection (DailiesApiClient *self)
{
  gboolean rejected = self->api_key != NULL && !is_header_safe (self->api_key);

  self->key_serial++;
  if (self->key_rejected != rejected)
    {
      self->key_rejected = rejected;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_REJECTED]);
    }
}

void
dailies_api_client_set_base_url (DailiesApiClient *self,
                                 const char       *base_url)
{
  g_autofree char *tidy = NULL;
  g_autofree char *normalized = NULL;
  gboolean changed;

  g_return_if_fail (DAILIES_IS_API_CLIENT (self));

  /* The one rule for where the key may go, on the address as meant;
   * normalizing only tidies. */
  tidy = dailies_api_base_dup_tidy (base_url);
  if (dailies_api_base_is_acceptable (tidy, NULL))
    normalized = normalize_base_url (tidy);
  changed = g_strcmp0 (normalized != NULL ? normalized : "", self->base_url) != 0;

  g_clear_pointer (&self->base, g_uri_unref);
  g_free (self->base_url);
  g_clear_pointer (&self->log_base, g_free);

  if (normalized != NULL)
    {
      self->base = g_uri_parse (normalized, G_URI_FLAGS_ENCODED, NULL);
      g_assert (self->base != NULL);
      self->log_base = dailies_redact_url (normalized);
      self->base_url = g_steal_pointer (&normalized);
      api_debug ("api: base URL is %s", self->base_url);
    }
  else
    {
      self->base_url = g_strdup ("");
      /* The rejected text may hold a password: do not print it. */
      api_debug ("api: the base URL was rejected; requests will fail until a valid one is set");
    }

  /* Another service may well take the key the old one refused. */
  if (changed)
    forget_rejection (self);
}

const char *
dailies_api_client_get_base_url (DailiesApiClient *self)
{
  g_return_val_if_fail (DAILIES_IS_API_CLIENT (self), "");

  return self->base_url;
}

void
dailies_api_client_set_api_key (DailiesApiClient *self,
                                const char       *key)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (DAILIES_IS_API_CLIENT (self));

  wipe_string (g_steal_pointer (&self->api_key));

  if (key != NULL)
    {
      stripped = g_strstrip (g_strdup (key));
      if (*stripped != '\0')
        self->api_key = g_steal_pointer (&stripped);
      else
        g_clear_pointer (&stripped, g_free);
    }

  /* Last: whoever hears of it sees the new key in place. */
  forget_rejection (self);
}

gboolean
dailies_api_client_key_is_sendable (const char *key)
{
  g_autofree char *stripped = NULL;
  gboolean sendable;

  if (key == NULL)
    return TRUE;

  stripped = g_strstrip (g_strdup (key));
  sendable = is_header_safe (stripped);
  wipe_string (g_steal_pointer (&stripped));

  return sendable;
}

gboolean
dailies_api_client_has_api_key (DailiesApiClient *self)
{
  g_return_val_if_fail (DAILIES_IS_API_CLIENT (self), FALSE);

  return self->api_key != NULL;
}

gboolean
dailies_api_client_get_key_rejected (DailiesApiClient *self)
{
  g_return_val_if_fail (DAILIES_IS_API_CLIENT (self), FALSE);

  return self->key_rejected;
}

void
dailies_api_client_set_timeout (DailiesApiClient *self,
                                guint             seconds)
{
  g_return_if_fail (DAILIES_IS_API_CLIENT (self));

  self->timeout = seconds > 0 ? seconds : DAILIES_API_CLIENT_DEFAULT_TIMEOUT;

  /* libsoup's own I/O timeout matches; ours covers the whole request. */
  if (self->session != NULL)
    soup_session_set_timeout (self->session, self->timeout);
}

guint
dailies_api_client_get_timeout (DailiesApiClient *self)
{
  g_return_val_if_fail (DAILIES_IS_API_CLIENT (self), 0);

  return self->timeout;
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

static void
dailies_api_client_dispose (GObject *object)
{
  DailiesApiClient *self = DAILIES_API_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (dailies_api_client_parent_class)->dispose (object);
}

static void
dailies_api_client_finalize (GObject *object)
{
  DailiesApiClient *self = DAILIES_API_CLIENT (object);

  wipe_string (g_steal_pointer (&self->api_key));
  while (self->n_spare_chunks > 0)
    g_free (self->spare_chunks[--self->n_spare_chunks]);
  g_clear_pointer (&self->base, g_uri_unref);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->log_base, g_free);

  G_OBJECT_CLASS (dailies_api_client_parent_class)->finalize (object);
}

static void
dailies_api_client_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DailiesApiClient *self = DAILIES_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_KEY_REJECTED:
      g_value_set_boolean (value, self->key_rejected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_api_client_class_init (DailiesApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_api_client_dispose;
  object_class->finalize = dailies_api_client_finalize;
  object_class->get_property = dailies_api_client_get_property;

  properties[PROP_KEY_REJECTED] =
    g_param_spec_boolean ("key-rejected", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dailies_api_client_init (DailiesApiClient *self)
{
  self->timeout = DAILIES_API_CLIENT_DEFAULT_TIMEOUT;
  self->base_url = g_strdup ("");
  /* libsoup allows 2 connections per host by default; the poller decides
   * how many requests are in flight (max-concurrent-requests, up to 16). */
  self->session = soup_session_new_with_options ("user-agent", "Dailies/" PACKAGE_VERSION,
                                                 "timeout", self->timeout,
                                                 "max-conns-per-host", 16,
                                                 "max-conns", 32,
                                                 NULL);
  /* We set the bearer header ourselves and answer a 401 by asking the user,
   * so libsoup's authentication manager has nothing to do but cost each
   * message its signal handlers. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_AUTH_MANAGER);
}

DailiesApiClient *
dailies_api_client_new (const char *base_url)
{
  DailiesApiClient *self = g_object_new (DAILIES_TYPE_API_CLIENT, NULL);

  dailies_api_client_set_base_url (self, base_url);

  return self;
}

char *
dailies_redact_text (const char *text)
{
  static GRegex *query_regex;

  if (text == NULL)
    return NULL;

  /* A signed link's secret is its query string. */
  if (g_once_init_enter (&query_regex))
    g_once_init_leave (&query_regex,
                       g_regex_new ("(https?://[^\\s?#\"'<>]+)\\?[^\\s\"'<>]*",
                                    G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));

  return g_regex_replace (query_regex, text, -1, 0, "\\1?…", 0, NULL);
}
