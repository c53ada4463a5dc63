/* dailies-api-client.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-types.h"
#include "dailies-task-response.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_API_CLIENT (dailies_api_client_get_type ())

G_DECLARE_FINAL_TYPE (DailiesApiClient, dailies_api_client, DAILIES, API_CLIENT, GObject)

#define DAILIES_API_ERROR (dailies_api_error_quark ())

typedef enum
{
  DAILIES_API_ERROR_UNAUTHORIZED,      /* 401 */
  DAILIES_API_ERROR_NOT_FOUND,         /* 404, or 400 with code "task_not_exist" (new-api) */
  DAILIES_API_ERROR_RATE_LIMITED,      /* 429; see DailiesApiResult.retry_after_s */
  DAILIES_API_ERROR_BAD_REQUEST,       /* 400 */
  DAILIES_API_ERROR_SERVER,            /* 5xx */
  DAILIES_API_ERROR_HTTP,              /* any other status (403 "no access to model" included) */
  DAILIES_API_ERROR_NETWORK,           /* connection refused, DNS, TLS, …: libsoup's text */
  DAILIES_API_ERROR_TIMEOUT,           /* no complete answer within the timeout */
  DAILIES_API_ERROR_INVALID_RESPONSE,  /* 200, but the body is too large or does not parse
                                        * (and is no web page) */
  DAILIES_API_ERROR_NO_KEY,            /* no API key set: nothing was sent */
  DAILIES_API_ERROR_INVALID_ID,        /* not a task ID: nothing was sent */
  DAILIES_API_ERROR_INVALID_BASE,      /* the base URL is not usable: nothing was sent */
  DAILIES_API_ERROR_REDIRECTED,        /* a redirect that was not followed (another origin, too
                                        * many hops); DailiesApiResult.redirect_url says where */
  DAILIES_API_ERROR_WRONG_TASK,        /* the answer is about another task ID than the one asked */
  DAILIES_API_ERROR_KEY_REJECTED,      /* this key got a 401 before: nothing was sent */
  DAILIES_API_ERROR_NO_API_HERE,       /* a 404 not in the API's words (a web page, nothing, or
                                        * new-api's "Invalid URL"), or a web page with a 200,
                                        * about a task: the address is wrong */
} DailiesApiError;

#define DAILIES_API_CLIENT_DEFAULT_TIMEOUT 30

/* Retry-After values are capped at this many seconds: a longer wait is
 * more likely a misconfigured proxy than a plan. */
#define DAILIES_API_MAX_RETRY_AFTER (60 * 60)

/* Redirects from the API base are followed at most this many times. */
#define DAILIES_API_MAX_REDIRECTS 3

/* What one fetch learnt. dailies_api_client_fetch_task_finish() returns one
 * on success AND on failure, so that a caller can see the HTTP status and
 * Retry-After of a failed request next to the GError:
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(DailiesApiResult) res = dailies_api_client_fetch_task_finish (client, result, &error);
 *
 *   if (error == NULL)
 *     use (res->response, res->raw_json, res->http_status);
 *   else
 *     report (error->code, error->message, res->http_status, res->retry_after_s);
 */
typedef struct
{
  DailiesTaskResponse *response;       /* non-NULL exactly when the fetch succeeded (and the body was
                                        * not ->unchanged) */
  char                *raw_json;       /* the body as received (made valid UTF-8), NULL when none was read;
                                        * on failure only its first part may be kept */
  guint                http_status;    /* 0 when no HTTP answer came */
  gint64               retry_after_s;  /* Retry-After in seconds (0..DAILIES_API_MAX_RETRY_AFTER), -1 when absent */
  char                *request_id;     /* the gateway's X-Oneapi-Request-Id, NULL when absent */
  char                *redirect_url;   /* DAILIES_API_ERROR_REDIRECTED: the Location, redacted */
  gboolean             web_page;       /* the body was an HTML page, which the API never sends */
  gboolean             json_object;    /* an error's body was a JSON object, as the API's are */

  /* A task's 200 body: its length and dailies_api_body_hash(), to be handed
   * back to dailies_api_client_fetch_task_if_changed_async(). When it
   * matched the one handed in, @unchanged is TRUE and the body was neither
   * parsed nor kept: no error, but @response and @raw_json are NULL. */
  guint64              body_hash;
  gsize                body_length;
  gboolean             unchanged;

  /* dailies_api_client_fetch_usage_async(): -1 when not given. */
  gint64               quota_granted;
  gint64               quota_used;
  gint64               quota_available;
  gboolean             quota_unlimited;

  /* dailies_api_client_list_models_async(): the model IDs, NULL on failure. */
  GStrv                models;
} DailiesApiResult;

GQuark            dailies_api_error_quark              (void);
/* A Retry-After value (delta-seconds or an HTTP date, read against
 * @now_unix) as seconds to wait, 0..DAILIES_API_MAX_RETRY_AFTER; -1 when
 * absent or invalid. */
gint64            dailies_api_parse_retry_after        (const char           *value,
                                                        gint64                now_unix);

void              dailies_api_result_free              (DailiesApiResult     *result);
/* A 64-bit hash of a body (FNV-1a), to tell a repeated answer from a new one. */
guint64           dailies_api_body_hash                (const char           *body,
                                                        gsize                 length);

/* A Retry-After value, delta-seconds or an HTTP date, as seconds to wait
 * from @now_unix, capped at DAILIES_API_MAX_RETRY_AFTER; -1 when absent or
 * invalid. A date in the past is 0. */
gint64            dailies_api_parse_retry_after        (const char           *value,
                                                        gint64                now_unix);
/* Whether a redirect from @from to @to may be followed with the key: the
 * same host (or one differing only by a leading "www."), the same scheme
 * and port, or http upgraded to https on the default port. */
gboolean          dailies_api_may_follow_redirect      (GUri                 *from,
                                                        GUri                 *to);

DailiesApiClient *dailies_api_client_new               (const char           *base_url);
/* Only what dailies_api_base_is_acceptable() takes (https, or plain http
 * to this computer) is accepted; trailing slashes are trimmed. Any other value leaves the client
 * without a base: requests then fail with DAILIES_API_ERROR_INVALID_BASE. */
void              dailies_api_client_set_base_url      (DailiesApiClient     *self,
                                                        const char           *base_url);
/* The normalized base URL, or "" (never NULL) when none is usable. */
const char       *dailies_api_client_get_base_url      (DailiesApiClient     *self);
/* NULL or "" means no key. The key is kept in memory only and is sent
 * solely to the origin (scheme, host, port) of the base URL. */
void              dailies_api_client_set_api_key       (DailiesApiClient     *self,
                                                        const char           *key);
/* Whether @key (surrounding white space aside) can be sent at all: only
 * printable ASCII may go in a header. A key that cannot is refused by
 * dailies_api_client_set_api_key() at once, as the service would. */
gboolean          dailies_api_client_key_is_sendable   (const char           *key);
gboolean          dailies_api_client_has_api_key       (DailiesApiClient     *self);
/* TRUE once a task request with the current key got a 401. Task requests
 * then fail with DAILIES_API_ERROR_KEY_REJECTED without being sent, until a
 * key is set again (even the same one: a user may have topped it up) or
 * the base URL changes. Notifies "key-rejected". */
gboolean          dailies_api_client_get_key_rejected  (DailiesApiClient     *self);
/* The deadline of a whole request, body included; 0 restores the default. */
void              dailies_api_client_set_timeout       (DailiesApiClient     *self,
                                                        guint                 seconds);
guint             dailies_api_client_get_timeout       (DailiesApiClient     *self);

/* GET {base}/v1/video/generations/{task_id}. Cancelling @cancellable ends
 * the request with G_IO_ERROR_CANCELLED. */
void              dailies_api_client_fetch_task_async  (DailiesApiClient     *self,
                                                        const char           *task_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
/* The same, but a 200 body of @known_length bytes whose hash is
 * @known_hash is taken for the answer seen before: not parsed, and
 * reported as ->unchanged. @known_length 0 means none is known. */
void              dailies_api_client_fetch_task_if_changed_async (DailiesApiClient   *self,
                                                        const char           *task_id,
                                                        guint64               known_hash,
                                                        gsize                 known_length,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
/* Returns: (transfer full) (not nullable): the result, also when @error is set. */
DailiesApiResult *dailies_api_client_fetch_task_finish (DailiesApiClient     *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* GET {base}/api/usage/token/ with the client's key, even a rejected one:
 * the quota of the key (quota_* in the result). The gateway rate-limits
 * it: ask when a user looks or after a 401, never on a timer. */
void              dailies_api_client_fetch_usage_async (DailiesApiClient     *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
DailiesApiResult *dailies_api_client_fetch_usage_finish (DailiesApiClient    *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* GET {base}/v1/models with @key (NULL: the client's own): it answers only
 * for a valid key with quota, so it tests a key. The IDs are in ->models. */
void              dailies_api_client_list_models_async (DailiesApiClient     *self,
                                                        const char           *key,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
DailiesApiResult *dailies_api_client_list_models_finish (DailiesApiClient    *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* For log lines: "scheme://host[:port]/path", plus "?…" when @url had a
 * query. User info and fragment are dropped. Never NULL. */
char             *dailies_redact_url                   (const char           *url);
/* For log lines holding free text (a GStreamer debug string, say): every
 * http(s) URL in @text loses its query string, like dailies_redact_url(). */
char             *dailies_redact_text                  (const char           *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesApiResult, dailies_api_result_free)

G_END_DECLS
