/* test-secret.c
 *
 * DailiesSecret: the environment override, and a round trip through the
 * real keyring when a secret service is on the session bus (CI runs this
 * inside dbus-run-session with an unlocked gnome-keyring).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <unistd.h>

#include "dailies-test-secret.h"
#include "dailies-test-utils.h"

#define ENV_KEY  "DAILIES_API_KEY"

typedef struct
{
  char     *key;
  GError   *error;
} Call;

static void
call_clear (Call *call)
{
  g_clear_pointer (&call->key, g_free);
  g_clear_error (&call->error);
}

static void
lookup_with_flags (const char               *host,
                   DailiesSecretLookupFlags  flags,
                   GCancellable             *cancellable,
                   Call                     *call)
{
  call_clear (call);
  call->key = dailies_test_secret_lookup (host, flags, cancellable, &call->error);
}

static void
lookup (const char   *host,
        GCancellable *cancellable,
        Call         *call)
{
  lookup_with_flags (host, DAILIES_SECRET_LOOKUP_NONE, cancellable, call);
}

static void
store (const char *key,
       const char *host,
       Call       *call)
{
  call_clear (call);
  g_assert_true (dailies_test_secret_store (key, host, &call->error) == (call->error == NULL));
}

static void
clear (const char *host,
       Call       *call)
{
  call_clear (call);
  g_assert_true (dailies_test_secret_clear (host, &call->error) == (call->error == NULL));
}

/* Skips (and says why) when no secret service can answer. */
static gboolean
require_secret_service (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = FALSE;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("no session bus (%s); run under dbus-run-session "
                                                 "with an unlocked gnome-keyring", error->message);
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        g_error ("%s", reason);
      g_test_skip (reason);
      return FALSE;
    }

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  if (has_owner)
    return TRUE;

  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListActivatableNames",
                                       NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree const char **names = NULL;

    g_variant_get (reply, "(^a&s)", &names);
    if (names != NULL && g_strv_contains (names, "org.freedesktop.secrets"))
      return TRUE;
  }

  /* build-aux/dev starts one: under CI its absence is a failure. */
  if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
    g_error ("no secret service (org.freedesktop.secrets) on the session bus");
  g_test_skip ("no secret service (org.freedesktop.secrets) on the session bus");
  return FALSE;
}

static char *
test_host (const char *name)
{
  /* Unique and never a real host: a developer's own keyring stays clean. */
  return g_strdup_printf ("%s-%d.dailies-test.invalid", name, (int) getpid ());
}

/* ------------------------------------------------------------------ */

static void
test_environment (void)
{
  Call call = { 0 };

  g_setenv (ENV_KEY, "sk-from-the-environment", TRUE);
  g_assert_true (dailies_secret_from_environment ());

  lookup ("127.0.0.1:8080", NULL, &call);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.key, ==, "sk-from-the-environment");

  /* It wins over whatever the keyring holds for any host. */
  lookup ("www.anyfast.ai", NULL, &call);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.key, ==, "sk-from-the-environment");

  g_setenv (ENV_KEY, "  sk-padded \n", TRUE);
  g_assert_true (dailies_secret_from_environment ());
  lookup ("www.anyfast.ai", NULL, &call);
  g_assert_cmpstr (call.key, ==, "sk-padded");

  g_setenv (ENV_KEY, "", TRUE);
  g_assert_false (dailies_secret_from_environment ());
  g_setenv (ENV_KEY, " \t ", TRUE);
  g_assert_false (dailies_secret_from_environment ());
  g_unsetenv (ENV_KEY);
  g_assert_false (dailies_secret_from_environment ());

  call_clear (&call);
}

static void
test_store_empty_key (void)
{
  Call call = { 0 };

  store ("", "www.anyfast.ai", &call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  call_clear (&call);
}

/* A broken bus must come back as an error with words, not a hang or crash. */
static void
test_no_bus (void)
{
  if (g_test_subprocess ())
    {
      Call call = { 0 };

      /* Before anything here touched the bus: this process never had one. */
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/dailies-test-bus", TRUE);
      g_unsetenv ("DISPLAY");
      g_unsetenv (ENV_KEY);

      lookup ("www.anyfast.ai", NULL, &call);
      g_assert_nonnull (call.error);
      g_assert_null (call.key);
      g_assert_true (g_str_has_prefix (call.error->message, "Could not read the API key from the keyring: "));

      store ("sk-x", "www.anyfast.ai", &call);
      g_assert_nonnull (call.error);
      g_assert_true (g_str_has_prefix (call.error->message, "Could not save the API key in the keyring: "));

      clear ("www.anyfast.ai", &call);
      g_assert_nonnull (call.error);

      call_clear (&call);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_round_trip (void)
{
  g_autofree char *host = test_host ("api");
  g_autofree char *other_host = test_host ("other");
  Call call = { 0 };

  g_unsetenv (ENV_KEY);
  if (!require_secret_service ())
    return;

  /* Nothing there yet. */
  lookup (host, NULL, &call);
  g_assert_no_error (call.error);
  g_assert_null (call.key);

  store ("sk-test-first", host, &call);
  g_assert_no_error (call.error);
  lookup (host, NULL, &call);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.key, ==, "sk-test-first");

  /* Storing again for the same host replaces. */
  store ("sk-test-second", host, &call);
  g_assert_no_error (call.error);
  lookup (host, NULL, &call);
  g_assert_cmpstr (call.key, ==, "sk-test-second");

  /* Another host keeps its own key. */
  store ("sk-test-other", other_host, &call);
  g_assert_no_error (call.error);
  lookup (other_host, NULL, &call);
  g_assert_cmpstr (call.key, ==, "sk-test-other");
  lookup (host, NULL, &call);
  g_assert_cmpstr (call.key, ==, "sk-test-second");

  clear (host, &call);
  g_assert_no_error (call.error);
  lookup (host, NULL, &call);
  g_assert_no_error (call.error);
  g_assert_null (call.key);
  lookup (other_host, NULL, &call);
  g_assert_cmpstr (call.key, ==, "sk-test-other");

  /* Clearing what is not there is fine. */
  clear (host, &call);
  g_assert_no_error (call.error);

  clear (other_host, &call);
  g_assert_no_error (call.error);
  lookup (other_host, NULL, &call);
  g_assert_null (call.key);

  call_clear (&call);
}

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *host = test_host ("cancel");
  Call call = { 0 };

  g_unsetenv (ENV_KEY);
  if (!require_secret_service ())
    return;

  g_cancellable_cancel (cancellable);
  lookup (host, cancellable, &call);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (call.key);

  call_clear (&call);
}

/* One host, two ports: two listeners, maybe two owners. */
static void
test_port_is_part_of_the_host (void)
{
  g_autofree char *name = test_host ("port");
  g_autofree char *port_a = g_strdup_printf ("%s:8080", name);
  g_autofree char *port_b = g_strdup_printf ("%s:8081", name);
  Call call = { 0 };

  g_unsetenv (ENV_KEY);
  if (!require_secret_service ())
    return;

  store ("sk-test-port-a", port_a, &call);
  g_assert_no_error (call.error);

  lookup (port_a, NULL, &call);
  g_assert_cmpstr (call.key, ==, "sk-test-port-a");
  lookup (port_b, NULL, &call);
  g_assert_no_error (call.error);
  g_assert_null (call.key);
  lookup (name, NULL, &call);
  g_assert_null (call.key);

  clear (port_a, &call);
  g_assert_no_error (call.error);
  call_clear (&call);
}

/* A key from an early version, stored without a host, is never found
 * for a host unless the caller adopts it (for the default host); then it
 * is filed under that host and no other host can have it. */
static void
test_hostless_key_adopted_once (void)
{
  g_autofree char *host = test_host ("default");
  g_autofree char *other_host = test_host ("elsewhere");
  Call call = { 0 };

  g_unsetenv (ENV_KEY);
  if (!require_secret_service ())
    return;
  /* Someone's real key from an early version: not ours to move. */
  if (dailies_test_secret_has_hostless_key ())
    {
      g_test_skip ("the keyring holds a Dailies key without a host; it is left alone");
      return;
    }

  dailies_test_secret_store_hostless ("sk-test-hostless");
  g_assert_true (dailies_test_secret_has_hostless_key ());

  lookup (other_host, NULL, &call);
  g_assert_no_error (call.error);
  g_assert_null (call.key);

  lookup_with_flags (host, DAILIES_SECRET_LOOKUP_ADOPT_HOSTLESS, NULL, &call);
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.key, ==, "sk-test-hostless");

  /* Moved, not copied. */
  g_assert_false (dailies_test_secret_has_hostless_key ());
  lookup (host, NULL, &call);
  g_assert_cmpstr (call.key, ==, "sk-test-hostless");
  lookup_with_flags (other_host, DAILIES_SECRET_LOOKUP_ADOPT_HOSTLESS, NULL, &call);
  g_assert_no_error (call.error);
  g_assert_null (call.key);

  clear (host, &call);
  g_assert_no_error (call.error);
  call_clear (&call);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/secret/environment", test_environment);
  g_test_add_func ("/dailies/secret/store-empty-key", test_store_empty_key);
  g_test_add_func ("/dailies/secret/no-bus", test_no_bus);
  g_test_add_func ("/dailies/secret/round-trip", test_round_trip);
  g_test_add_func ("/dailies/secret/cancelled", test_cancelled);
  g_test_add_func ("/dailies/secret/port-is-part-of-the-host", test_port_is_part_of_the_host);
  g_test_add_func ("/dailies/secret/hostless-key-adopted-once", test_hostless_key_adopted_once);

  return g_test_run ();
}
