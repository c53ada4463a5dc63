/* bench-probe.c
 *
 * Measures an application's main-loop stalls from outside: every 10 ms it
 * calls org.gtk.Actions.List on the application's object path, which
 * GApplication answers on its main thread, and records each round trip.
 * A call still waiting when the next is due is not doubled: its own round
 * trip is the stall. On SIGTERM or SIGINT it prints
 *
 *   probe: calls=N median_us=M p99_us=P max_us=X
 *
 * and exits.
 *
 *   bench-probe BUS_NAME OBJECT_PATH
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <gio/gio.h>

#define PERIOD_MS 10

typedef struct
{
  GDBusConnection *bus;
  const char      *name;
  const char      *path;
  GArray          *round_trips;   /* gint64 µs */
  gint64           sent_at;       /* 0: no call waiting */
  GMainLoop       *loop;
} Probe;

static void
list_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 round_trip = g_get_monotonic_time () - probe->sent_at;

  probe->sent_at = 0;
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      /* Not there yet (starting) or gone (quitting): no stall to count. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("probe: %s", error->message);
      return;
    }
  g_array_append_val (probe->round_trips, round_trip);
}

static gboolean
tick_cb (gpointer user_data)
{
  Probe *probe = user_data;

  if (probe->sent_at != 0)
    return G_SOURCE_CONTINUE;

  probe->sent_at = g_get_monotonic_time ();
  g_dbus_connection_call (probe->bus, probe->name, probe->path, "org.gtk.Actions", "List",
                          NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          G_MAXINT, NULL, list_done_cb, probe);
  return G_SOURCE_CONTINUE;
}

static gboolean
stop_cb (gpointer user_data)
{
  Probe *probe = user_data;

  g_main_loop_quit (probe->loop);
  return G_SOURCE_REMOVE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GArray) round_trips = g_array_new (FALSE, FALSE, sizeof (gint64));
  Probe probe = { 0 };
  guint n;

  if (argc != 3)
    {
      g_printerr ("usage: %s BUS_NAME OBJECT_PATH\n", argv[0]);
      return 2;
    }

  probe.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (probe.bus == NULL)
    {
      g_printerr ("bench-probe: %s\n", error->message);
      return 1;
    }
  probe.name = argv[1];
  probe.path = argv[2];
  probe.round_trips = round_trips;
  probe.loop = loop;

  g_timeout_add (PERIOD_MS, tick_cb, &probe);
  g_unix_signal_add (SIGTERM, stop_cb, &probe);
  g_unix_signal_add (SIGINT, stop_cb, &probe);
  g_main_loop_run (loop);

  /* A call still unanswered at the end is a stall at least that long. */
  if (probe.sent_at != 0)
    {
      gint64 waited = g_get_monotonic_time () - probe.sent_at;

      g_array_append_val (round_trips, waited);
    }

  n = round_trips->len;
  if (n == 0)
    {
      g_print ("probe: calls=0 median_us=0 p99_us=0 max_us=0\n");
      return 0;
    }
  g_array_sort (round_trips, compare_gint64);
  g_print ("probe: calls=%u median_us=%" G_GINT64_FORMAT " p99_us=%" G_GINT64_FORMAT
           " max_us=%" G_GINT64_FORMAT "\n", n,
           g_array_index (round_trips, gint64, n / 2),
           g_array_index (round_trips, gint64, MIN (n - 1, n * 99 / 100)),
           g_array_index (round_trips, gint64, n - 1));
  g_object_unref (probe.bus);
  return 0;
}
