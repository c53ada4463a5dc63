/* dailies-secret.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "dailies-secret.h"

#define ENV_KEY "DAILIES_API_KEY"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    .name = DAILIES_SECRET_SCHEMA_NAME,
    .flags = SECRET_SCHEMA_NONE,
    .attributes = {
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* No host means "any": the schema name alone then matches. The values
 * are copies: libsecret keeps the table past the call, the caller may not
 * keep @host. */
static GHashTable *
new_attributes (const char *host)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  if (host != NULL && *host != '\0')
    g_hash_table_insert (attributes, (gpointer) "host", g_strdup (host));

  return attributes;
}

static char *
dup_environment_key (void)
{
  const char *value = g_getenv (ENV_KEY);
  g_autofree char *key = NULL;

  if (value == NULL)
    return NULL;

  key = g_strstrip (g_strdup (value));
  if (*key == '\0')
    return NULL;

  return g_steal_pointer (&key);
}

static void
wipe_free (gpointer data)
{
  char *str = data;

  if (str != NULL)
    {
      memset (str, 0, strlen (str));
      g_free (str);
    }
}

/* Keeps cancellation recognisable and says which step failed. */
static void
return_keyring_error (GTask      *task,
                      GError     *error,
                      const char *what)
{
  g_assert (error != NULL);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("secret: %s: %s", what, error->message);
      g_prefix_error (&error, "%s: ", what);
    }

  g_task_return_error (task, error);
}

gboolean
dailies_secret_from_environment (void)
{
  g_autofree char *key = dup_environment_key ();

  return key != NULL;
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */
/* ------------------------------------------------------------------ */

typedef struct
{
  char                     *host;
  DailiesSecretLookupFlags  flags;
} LookupData;

static void
lookup_data_free (gpointer data)
{
  LookupData *lookup = data;

  g_free (lookup->host);
  g_free (lookup);
}

static char *
new_label (const char *host)
{
  /* Translators: shown in the keyring manager (Seahorse); %s is a host name */
  return g_strdup_printf (_("Dailies API key for %s"), host);
}

/* A key stored without a host by early versions: used for @host (the
 * caller knows it is the default one) and moved there, so that it is
 * never offered to another host. Sync calls: this runs in a thread. */
static void
adopt_hostless_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  const char *host = ((LookupData *) task_data)->host;
  g_autoptr(GHashTable) any = new_attributes (NULL);
  g_autoptr(GHashTable) attributes = new_attributes (host);
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  SecretRetrievable *hostless = NULL;
  GList *items;
  char *key;

  items = secret_password_searchv_sync (get_schema (), any, SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK,
                                        cancellable, &error);
  if (error != NULL)
    {
      return_keyring_error (task, g_steal_pointer (&error),
                            _("Could not read the API key from the keyring"));
      return;
    }

  for (GList *l = items; l != NULL && hostless == NULL; l = l->next)
    {
      g_autoptr(GHashTable) item_attributes = secret_retrievable_get_attributes (l->data);

      if (!g_hash_table_contains (item_attributes, "host"))
        hostless = l->data;
    }

  if (hostless != NULL)
    value = secret_retrievable_retrieve_secret_sync (hostless, cancellable, &error);

  if (value == NULL || secret_value_get_text (value) == NULL || *secret_value_get_text (value) == '\0')
    {
      g_list_free_full (items, g_object_unref);
      if (error != NULL)
        return_keyring_error (task, g_steal_pointer (&error),
                              _("Could not read the API key from the keyring"));
      else
        {
          g_debug ("secret: no key in the keyring");
          g_task_return_pointer (task, NULL, NULL);
        }
      return;
    }

  key = g_strdup (secret_value_get_text (value));

  /* Copied first, removed after: a failure keeps the key somewhere. */
  label = new_label (host);
  if (!secret_password_storev_sync (get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                                    label, key, cancellable, &error))
    g_debug ("secret: could not file the key stored without a host under %s: %s", host, error->message);
  else if (SECRET_IS_ITEM (hostless) && !secret_item_delete_sync (SECRET_ITEM (hostless), cancellable, &error))
    g_debug ("secret: could not remove the key stored without a host: %s", error->message);
  else
    g_debug ("secret: the key stored without a host is now filed under %s", host);

  g_list_free_full (items, g_object_unref);
  g_task_return_pointer (task, key, wipe_free);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *password;

  password = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      return_keyring_error (task, g_steal_pointer (&error),
                            _("Could not read the API key from the keyring"));
      return;
    }

  if (password == NULL || *password == '\0')
    {
      secret_password_free (password);
      LookupData *data = g_task_get_task_data (task);

      if (data->flags & DAILIES_SECRET_LOOKUP_ADOPT_HOSTLESS)
        {
          g_task_run_in_thread (task, adopt_hostless_thread);
          return;
        }
      g_debug ("secret: no key in the keyring");
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  g_debug ("secret: found a key in the keyring");
  g_task_return_pointer (task, g_strdup (password), wipe_free);
  secret_password_free (password);
}

void
dailies_secret_lookup_async (const char               *host,
                             DailiesSecretLookupFlags  flags,
                             GCancellable             *cancellable,
                             GAsyncReadyCallback       callback,
                             gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  LookupData *data;
  char *key;

  g_return_if_fail (host != NULL && *host != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_secret_lookup_async);
  g_task_set_name (task, "[dailies] secret lookup");
  data = g_new0 (LookupData, 1);
  data->host = g_strdup (host);
  data->flags = flags;
  g_task_set_task_data (task, data, lookup_data_free);

  if ((key = dup_environment_key ()) != NULL)
    {
      g_debug ("secret: using the key from %s", ENV_KEY);
      g_task_return_pointer (task, key, wipe_free);
      return;
    }

  g_debug ("secret: looking up the key for %s", host);

  /* The host is always given: no host would match any stored key. */
  attributes = new_attributes (host);
  secret_password_lookupv (get_schema (), attributes, cancellable,
                           lookup_cb, g_steal_pointer (&task));
}

char *
dailies_secret_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_secret_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Store                                                               */
/* ------------------------------------------------------------------ */

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      return_keyring_error (task, g_steal_pointer (&error),
                            _("Could not save the API key in the keyring"));
      return;
    }

  g_debug ("secret: key stored in the keyring");
  g_task_return_boolean (task, TRUE);
}

void
dailies_secret_store_async (const char          *key,
                            const char          *host,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (key != NULL);
  /* Without one, gnome-keyring would replace any Dailies key. */
  g_return_if_fail (host != NULL && *host != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_secret_store_async);
  g_task_set_name (task, "[dailies] secret store");

  if (*key == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("An empty API key cannot be saved"));
      return;
    }

  label = new_label (host);

  g_debug ("secret: storing the key for %s", host);

  attributes = new_attributes (host);
  secret_password_storev (get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                          label, key, cancellable, store_cb, g_steal_pointer (&task));
}

gboolean
dailies_secret_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_secret_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Clear                                                               */
/* ------------------------------------------------------------------ */

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gboolean removed;

  removed = secret_password_clear_finish (result, &error);

  if (error != NULL)
    {
      return_keyring_error (task, g_steal_pointer (&error),
                            _("Could not remove the API key from the keyring"));
      return;
    }

  g_debug ("secret: %s", removed ? "key removed from the keyring" : "no key to remove");
  g_task_return_boolean (task, TRUE);
}

void
dailies_secret_clear_async (const char          *host,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_secret_clear_async);
  g_task_set_name (task, "[dailies] secret clear");

  attributes = new_attributes (host);
  secret_password_clearv (get_schema (), attributes, cancellable,
                          clear_cb, g_steal_pointer (&task));
}

gboolean
dailies_secret_clear_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_secret_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
