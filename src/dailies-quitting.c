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

/* Quitting waits for videos and downloads for a few seconds at most,
 * then saves the list. */
#define GONE_WAIT_MS 15000

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  gboolean *gone = user_data;

  *gone = TRUE;
  g_main_context_wakeup (NULL);
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
 *
 * Waits until no Dailies owns the application's name on the session bus,
 * for 15 s at most; then says on standard error that it is still closing.
 *
 * Returns: whether it has gone
 */
gboolean
dailies_wait_until_quit (void)
{
  gboolean gone = FALSE;
  gboolean over = FALSE;
  guint watch;
  guint timeout;

  watch = g_bus_watch_name (G_BUS_TYPE_SESSION, APP_ID, G_BUS_NAME_WATCHER_FLAGS_NONE,
                            NULL, name_vanished_cb, &gone, NULL);
  timeout = g_timeout_add (GONE_WAIT_MS, wait_over_cb, &over);
  while (!gone && !over)
    g_main_context_iteration (NULL, TRUE);
  if (!over)
    g_source_remove (timeout);
  g_bus_unwatch_name (watch);

  if (!gone)
    g_printerr ("%s\n", _("Dailies is still closing. Run the command again once it has closed."));

  return gone;
}
