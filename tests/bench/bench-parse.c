/* bench-parse.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ID parser alone on a list file, as an import's worker feeds it:
 * 64 KiB at a time, the IDs taken after each piece. Prints the best of
 * @runs in milliseconds, then the IDs found; build-aux/bench compares it
 * with `sort -u` on the same file. The file is read into memory first,
 * so that only parsing is timed.
 */

#include "config.h"

#include "dailies-id-parser.h"

#define PIECE (64 * 1024)

static guint
parse_once (const char *text,
            gsize       length)
{
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
  GPtrArray *ids;
  guint n_ids = 0;

  for (gsize at = 0; at < length; at += PIECE)
    {
      if (!dailies_id_stream_feed (stream, text + at, MIN ((gsize) PIECE, length - at), NULL))
        break;
      if ((ids = dailies_id_stream_take_ids (stream)) != NULL)
        {
          n_ids += ids->len;
          g_ptr_array_unref (ids);
        }
    }
  dailies_id_stream_finish (stream, NULL);
  if ((ids = dailies_id_stream_take_ids (stream)) != NULL)
    {
      n_ids += ids->len;
      g_ptr_array_unref (ids);
    }

  return n_ids;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *text = NULL;
  gsize length;
  guint runs;
  guint n_ids = 0;
  double best = G_MAXDOUBLE;

  if (argc != 3)
    {
      g_printerr ("usage: %s LIST RUNS\n", argv[0]);
      return 2;
    }
  if (!g_file_get_contents (argv[1], &text, &length, NULL))
    g_error ("bench: cannot read %s", argv[1]);
  runs = MAX ((guint) g_ascii_strtoull (argv[2], NULL, 10), 1);

  for (guint i = 0; i < runs; i++)
    {
      gint64 start = g_get_monotonic_time ();

      n_ids = parse_once (text, length);
      best = MIN (best, (g_get_monotonic_time () - start) / 1000.0);
    }

  g_print ("%.1f %u\n", best, n_ids);
  return 0;
}
