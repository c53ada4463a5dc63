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
  DAILIES_API_ERROR_NOT_FOUND,         /* 404 */
  DAILIES_API_ERROR_RATE_LIMITED,      /* 429; see DailiesApiResult.retry_after_s */
  DAILIES_API_ERROR_BAD_REQUEST,       /* 400 */
  DAILIES_API_ERROR_SERVER,            /* 5xx */
  DAILIES_API_ERROR_HTTP,              /* any other status, 3xx included (redirects are not followed) */
  DAILIES_API_ERROR_NETWORK,           /* connection refused, DNS, TLS, …: libsoup's text */
  DAILIES_API_ERROR_TIMEOUT,           /* no complete answer within the timeout */
  DAILIES_API_ERROR_INVALID_RESPONSE,  /* 200, but the body is too large or does not parse */
  DAILIES_API_ERROR_NO_KEY,            /* no API key set: nothing was sent */
  DAILIES_API_ERROR_INVALID_ID,        /* not a task ID: nothing was sent */
  DAILIES_API_ERROR_INVALID_BASE,      /* the base URL is not usable: nothing was sent */
} DailiesApiError;

#define DAILIES_API_CLIENT_DEFAULT_TIMEOUT 30

/* Retry-After values are capped at this many seconds. */
#define DAILIES_API_MAX_RETRY_AFTER (24 * 60 * 60)

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
  DailiesTaskResponse *response;       /* non-NULL exactly when the fetch succeeded */
  char                *raw_json;       /* the body as received (made valid UTF-8), NULL when none was read;
                                        * on failure only its first part may be kept */
  guint                http_status;    /* 0 when no HTTP answer came */
  gint64               retry_after_s;  /* Retry-After in seconds (0..DAILIES_API_MAX_RETRY_AFTER), -1 when absent */
} DailiesApiResult;

GQuark            dailies_api_error_quark              (void);
/* A Retry-After value (delta-seconds or an HTTP date, read against
 * @now_unix) as seconds to wait, 0..DAILIES_API_MAX_RETRY_AFTER; -1 when
 * absent or invalid. */
gint64            dailies_api_parse_retry_after        (const char           *value,
                                                        gint64                now_unix);

void              dailies_api_result_free              (DailiesApiResult     *result);

DailiesApiClient *dailies_api_client_new               (const char           *base_url);
/* Only http:// and https:// URLs without user info, query or fragment are
 * accepted; trailing slashes are trimmed. Any other value leaves the client
 * without a base: requests then fail with DAILIES_API_ERROR_INVALID_BASE. */
void              dailies_api_client_set_base_url      (DailiesApiClient     *self,
                                                        const char           *base_url);
/* The normalized base URL, or "" (never NULL) when none is usable. */
const char       *dailies_api_client_get_base_url      (DailiesApiClient     *self);
/* NULL or "" means no key. The key is kept in memory only and is sent
 * solely to the origin (scheme, host, port) of the base URL. */
void              dailies_api_client_set_api_key       (DailiesApiClient     *self,
                                                        const char           *key);
gboolean          dailies_api_client_has_api_key       (DailiesApiClient     *self);
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
/* Returns: (transfer full) (not nullable): the result, also when @error is set. */
DailiesApiResult *dailies_api_client_fetch_task_finish (DailiesApiClient     *self,
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
