/* bench-server.c
 *
 * The demo server in a process of its own, answering any asyntask_ ID, as
 * the local server of the poll benchmark: curl and the poller then both
 * talk to another process, as they would to a real server, and the server
 * does not share the poller's process (its locks, its allocator).
 *
 * Prints its base URL on the first line of stdout, and serves until its
 * stdin is closed. VIDEO_FILE replaces the served clip (build-aux/torture
 * serves a large one, so that a kill lands mid-download).
 *
 *   bench-server [LATENCY_MS [VIDEO_FILE]]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include <gio/gunixinputstream.h>

#include "dailies-demo-server.h"

static void
stdin_closed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  /* Anything but more bytes (end of file, an error) ends the server. */
  g_main_loop_quit (user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DailiesDemoServer) server = dailies_demo_server_new ();
  g_autoptr(GInputStream) input = g_unix_input_stream_new (0, FALSE);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  static char buffer[1];

  dailies_demo_server_set_answer_any (server, TRUE);
  dailies_demo_server_set_latency (server, argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 0);
  if (argc > 2)
    {
      g_autoptr(GMappedFile) video = g_mapped_file_new (argv[2], FALSE, &error);
      g_autoptr(GBytes) bytes = NULL;

      if (video == NULL)
        {
          g_printerr ("bench-server: %s\n", error->message);
          return 1;
        }
      bytes = g_mapped_file_get_bytes (video);
      dailies_demo_server_set_video (server, bytes);
    }
  if (!dailies_demo_server_start (server, &error))
    {
      g_printerr ("bench-server: %s\n", error->message);
      return 1;
    }

  g_print ("%s\n", dailies_demo_server_get_base_url (server));
  fflush (stdout);

  g_input_stream_read_async (input, buffer, sizeof buffer, G_PRIORITY_DEFAULT, NULL, stdin_closed_cb, loop);
  g_main_loop_run (loop);

  return 0;
}
