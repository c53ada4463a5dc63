/* dailies-quitting.c
 *
 * A command line (`dailies ids.txt`, or a plain `dailies`) that reaches a
 * Dailies while it quits would open a window and start an import in a
 * process about to end. That Dailies answers DAILIES_EXIT_QUITTING
 * instead, and the caller, the launcher or a second instance of the
 * application, waits here until it has gone, then runs again: as the
 * first instance, or handing its command line to whichever started
 * meanwhile.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "dailies-quitting.h"

/* Quitting waits for videos, then downloads, for QUIT_WAIT_MS (3 s)
 * each at most, then saves the list. */
#define GONE_WAIT_MS 15000

typedef struct
{
  char     *quitting;   /* the unique name of the Dailies quitting */
  gboolean  gone;
} Wait;

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  Wait *wait = user_data;

  /* Gone already, and another started: that one takes the command line. */
  if (g_strcmp0 (owner, wait->quitting) != 0)
    wait->gone = TRUE;
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Wait *wait = user_data;

  wait->gone = TRUE;
}

/* The unique name of the Dailies that owns the application's name on
 * @bus now, or NULL when none runs. */
static char *
dup_app_owner (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  char *owner = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", APP_ID), G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &owner);

  return owner;
}

/* The unique name of the Dailies running, or NULL. */
char *
dailies_dup_running_app (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  return bus != NULL ? dup_app_owner (bus) : NULL;
}

/**
 * dailies_release_app_name:
 * @bus: (nullable): the application's connection to the session bus
 *
 * Gives up the application's name on @bus, if it owns it there, and waits
 * until the bus has done so. Dailies does it at the end of quitting: what
 * reached it before is in its queue then, and nothing can come after; a
 * Dailies that runs again in the same process (execve() closes the
 * connection, but the bus may see that later than the new program asks
 * for the name) finds it free.
 */
void
dailies_release_app_name (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;

  if (bus != NULL)
    reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "ReleaseName",
                                         g_variant_new ("(s)", APP_ID), G_VARIANT_TYPE ("(u)"),
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
}

static gboolean
wait_over_cb (gpointer user_data)
{
  gboolean *over = user_data;

  *over = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * dailies_wait_until_quit:
 * @quitting: (nullable): the unique name of the Dailies that handed a
 *   command line back, if known; else the one that owns the name now
 *
 * Waits until that Dailies no longer owns the application's name on the
 * session bus, for 15 s at most; then says on standard error that it is
 * still closing.
 *
 * Returns: whether it has gone
 */
gboolean
dailies_wait_until_quit (const char *quitting)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  Wait wait = { NULL, FALSE };
  gboolean over = FALSE;
  guint watch;
  guint timeout;

  if (bus == NULL)
    return TRUE;

  wait.quitting = quitting != NULL ? g_strdup (quitting) : dup_app_owner (bus);
  if (wait.quitting == NULL)
    return TRUE;

  watch = g_bus_watch_name_on_connection (bus, APP_ID, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          name_appeared_cb, name_vanished_cb, &wait, NULL);
  timeout = g_timeout_add (GONE_WAIT_MS, wait_over_cb, &over);
  while (!wait.gone && !over)
    g_main_context_iteration (NULL, TRUE);
  if (!over)
    g_source_remove (timeout);
  g_bus_unwatch_name (watch);
  g_free (wait.quitting);

  if (!wait.gone)
    g_printerr ("%s\n", _("Dailies is still closing. Run the command again once it has closed."));

  return wait.gone;
}
