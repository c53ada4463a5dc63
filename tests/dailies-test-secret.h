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

G_END_DECLS
