/* dailies-secret.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The libsecret schema of the stored keys; items carry a "host" attribute:
 * the API base's host, with ":port" unless the port is 443 (see
 * dailies_api_base_dup_key_host()). Early versions stored one without. */
#define DAILIES_SECRET_SCHEMA_NAME "io.github.dailies.Dailies.ApiKey"

/* The API key: DAILIES_API_KEY from the environment when it is set and not
 * empty, else the keyring (libsecret). Keys are never logged. Keyring
 * failures (no secret service, a locked keyring, …) come back as GErrors
 * whose message says what went wrong; G_IO_ERROR_CANCELLED on cancel. */

/* Whether the key comes from DAILIES_API_KEY (so storing one changes nothing). */
gboolean  dailies_secret_from_environment           (void);

typedef enum
{
  DAILIES_SECRET_LOOKUP_NONE           = 0,
  /* When @host has no key, take the one stored without a host (by early
   * versions) and file it under @host from now on. The caller passes this
   * for the default API host only: such a key was made for it. */
  DAILIES_SECRET_LOOKUP_ADOPT_HOSTLESS = 1 << 0,
} DailiesSecretLookupFlags;

/* The key stored for @host, as dailies_api_base_dup_key_host() names it
 * ("www.anyfast.ai", "127.0.0.1:8080"). Never another host's key. */
void      dailies_secret_lookup_async               (const char               *host,
                                                     DailiesSecretLookupFlags  flags,
                                                     GCancellable             *cancellable,
                                                     GAsyncReadyCallback       callback,
                                                     gpointer                  user_data);
/* Returns: (transfer full) (nullable): the key, or NULL when there is none
 * (then @error is set only when the keyring failed). */
char     *dailies_secret_lookup_finish              (GAsyncResult         *result,
                                                     GError              **error);

/* Stores @key for @host (required), replacing the one stored for that host. */
void      dailies_secret_store_async                (const char           *key,
                                                     const char           *host,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean  dailies_secret_store_finish               (GAsyncResult         *result,
                                                     GError              **error);

/* Removes the key stored for @host, or every Dailies key when @host is NULL.
 * Removing nothing is not an error. */
void      dailies_secret_clear_async                (const char           *host,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean  dailies_secret_clear_finish               (GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
