/* dailies-test-secret.h
 *
 * DailiesSecret's calls, waited for: each returns once its callback ran.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "dailies-secret.h"

G_BEGIN_DECLS

/* Returns: (transfer full) (nullable): the key for @host, or NULL. */
char     *dailies_test_secret_lookup  (const char                *host,
                                       DailiesSecretLookupFlags   flags,
                                       GCancellable              *cancellable,
                                       GError                   **error);
gboolean  dailies_test_secret_store   (const char                *key,
                                       const char                *host,
                                       GError                   **error);
gboolean  dailies_test_secret_clear   (const char                *host,
                                       GError                   **error);

/* Whether the keyring holds a Dailies key stored without a host (by an
 * early version): someone's real key, which tests must leave alone. */
gboolean  dailies_test_secret_has_hostless_key (void);
/* Stores @key without a host, as early versions did, replacing nothing. */
void      dailies_test_secret_store_hostless   (const char *key);

G_END_DECLS
