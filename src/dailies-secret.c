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

/* No host means "any": the schema name alone then matches. */
static GHashTable *
new_attributes (const char *host)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  if (host != NULL && *host != '\0')
    g_hash_table_insert (attributes, (gpointer) "host", (gpointer) host);

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
      g_debug ("secret: no key in the keyring");
      secret_password_free (password);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  g_debug ("secret: found a key in the keyring");
  g_task_return_pointer (task, g_strdup (password), wipe_free);
  secret_password_free (password);
}

void
dailies_secret_lookup_for_host_async (const char          *host,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  char *key;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_secret_lookup_async);
  g_task_set_name (task, "[dailies] secret lookup");

  if ((key = dup_environment_key ()) != NULL)
    {
      g_debug ("secret: using the key from %s", ENV_KEY);
      g_task_return_pointer (task, key, wipe_free);
      return;
    }

  g_debug ("secret: looking up the key for %s", host != NULL && *host != '\0' ? host : "any host");

  attributes = new_attributes (host);
  secret_password_lookupv (get_schema (), attributes, cancellable,
                           lookup_cb, g_steal_pointer (&task));
}

void
dailies_secret_lookup_async (GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  dailies_secret_lookup_for_host_async (NULL, cancellable, callback, user_data);
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

  if (host != NULL && *host != '\0')
    /* Translators: shown in the keyring manager (Seahorse); %s is a host name */
    label = g_strdup_printf (_("Dailies API key for %s"), host);
  else
    label = g_strdup (_("Dailies API key"));

  g_debug ("secret: storing the key for %s", host != NULL && *host != '\0' ? host : "any host");

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
