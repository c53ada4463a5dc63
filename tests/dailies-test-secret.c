/* dailies-test-secret.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>

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

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    .name = DAILIES_SECRET_SCHEMA_NAME,
    .flags = SECRET_SCHEMA_NONE,
    .attributes = { { "host", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
  };

  return &schema;
}

gboolean
dailies_test_secret_has_hostless_key (void)
{
  g_autoptr(GHashTable) any = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  GList *items;

  items = secret_password_searchv_sync (get_schema (), any, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (l->data);
      found |= !g_hash_table_contains (attributes, "host");
    }
  g_list_free_full (items, g_object_unref);

  return found;
}

/* Not secret_password_store(): gnome-keyring replaces whatever item its
 * attributes match, and no host matches every Dailies key. */
void
dailies_test_secret_store_hostless (const char *key)
{
  g_autoptr(GHashTable) no_host = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(SecretValue) value = secret_value_new (key, -1, "text/plain");
  g_autoptr(SecretItem) item = NULL;
  g_autoptr(GError) error = NULL;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  item = secret_item_create_sync (collection, get_schema (), no_host, "Dailies API key", value,
                                  SECRET_ITEM_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
}
