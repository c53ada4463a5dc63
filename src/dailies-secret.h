/* dailies-secret.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The libsecret schema of the stored keys; items carry a "host" attribute
 * (the API base's host) when they were stored with one. */
#define DAILIES_SECRET_SCHEMA_NAME "io.github.dailies.Dailies.ApiKey"

/* The API key: DAILIES_API_KEY from the environment when it is set and not
 * empty, else the keyring (libsecret). Keys are never logged. Keyring
 * failures (no secret service, a locked keyring, …) come back as GErrors
 * whose message says what went wrong; G_IO_ERROR_CANCELLED on cancel. */

/* Whether the key comes from DAILIES_API_KEY (so storing one changes nothing). */
gboolean  dailies_secret_from_environment           (void);

/* Any stored Dailies key, whatever its host. */
void      dailies_secret_lookup_async               (GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
/* The key stored for @host (NULL: any). */
void      dailies_secret_lookup_for_host_async      (const char           *host,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
/* Returns: (transfer full) (nullable): the key, or NULL when there is none
 * (then @error is set only when the keyring failed). */
char     *dailies_secret_lookup_finish              (GAsyncResult         *result,
                                                     GError              **error);

/* Stores @key for @host (nullable), replacing the one stored for that host. */
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
