/* dailies-test-secret.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-test-secret.h"
#include "dailies-test-utils.h"

#define WAIT_MS 30000

typedef gpointer (*FinishFunc) (GAsyncResult  *result,
                                GError       **error);

typedef struct
{
  gboolean    done;
  FinishFunc  finish;
  gpointer    value;
  GError     *error;
} Call;

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;

  call->value = call->finish (result, &call->error);
  call->done = TRUE;
}

/* Never answered before the call returns: callbacks come from the main loop. */
static gpointer
call_wait (Call    *call,
           GError **error)
{
  g_assert_false (call->done);
  g_assert_true (dailies_test_wait_for_flag (&call->done, WAIT_MS));
  g_assert_true (call->error == NULL || call->value == NULL);

  if (call->error != NULL)
    g_propagate_error (error, call->error);

  return call->value;
}

static gpointer
lookup_finish (GAsyncResult  *result,
               GError       **error)
{
  return dailies_secret_lookup_finish (result, error);
}

static gpointer
store_finish (GAsyncResult  *result,
              GError       **error)
{
  return GINT_TO_POINTER (dailies_secret_store_finish (result, error));
}

static gpointer
clear_finish (GAsyncResult  *result,
              GError       **error)
{
  return GINT_TO_POINTER (dailies_secret_clear_finish (result, error));
}

char *
dailies_test_secret_lookup (const char                *host,
                            DailiesSecretLookupFlags   flags,
                            GCancellable              *cancellable,
                            GError                   **error)
{
  Call call = { FALSE, lookup_finish, NULL, NULL };

  dailies_secret_lookup_async (host, flags, cancellable, call_done_cb, &call);

  return call_wait (&call, error);
}

gboolean
dailies_test_secret_store (const char  *key,
                           const char  *host,
                           GError     **error)
{
  Call call = { FALSE, store_finish, NULL, NULL };

  dailies_secret_store_async (key, host, NULL, call_done_cb, &call);

  return GPOINTER_TO_INT (call_wait (&call, error));
}

gboolean
dailies_test_secret_clear (const char  *host,
                           GError     **error)
{
  Call call = { FALSE, clear_finish, NULL, NULL };

  dailies_secret_clear_async (host, NULL, call_done_cb, &call);

  return GPOINTER_TO_INT (call_wait (&call, error));
}
