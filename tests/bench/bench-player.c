/* bench-player.c
 *
 * The player against references measured in the same process:
 *   first-frame  from set_uri+play to the first frame on screen, vs the
 *                pipeline "playbin uri=… video-sink=fakesink" reaching its
 *                first frame on the same URL (what gst-launch-1.0 runs)
 *   cpu          CPU used playing a 720p24 clip for a few seconds, vs GTK's
 *                own GtkVideo playing the same file at the same size
 * Needs a display (build-aux/bench runs it under Xvfb).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <sys/resource.h>

#include "bench-server-thread.h"
#include "dailies-player.h"
#include "dailies-test-utils.h"

#define RUNS 7

static gint64
cpu_time_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);

  return (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec +
         (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double da = *(const double *) a, db = *(const double *) b;

  return da < db ? -1 : da > db;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);

  return values[n / 2];
}

typedef struct
{
  DailiesPaintable *paintable;
  guint             before;
} TextureWait;

static gboolean
has_new_texture (gpointer user_data)
{
  TextureWait *wait = user_data;

  return dailies_paintable_get_n_textures (wait->paintable) > wait->before;
}

static void
handoff_cb (GstElement *sink,
            GstBuffer  *buffer,
            GstPad     *pad,
            gpointer    user_data)
{
  g_atomic_int_set ((int *) user_data, 1);
}

static gboolean
flag_set (gpointer user_data)
{
  return g_atomic_int_get ((int *) user_data) != 0;
}

/* The reference: gst-launch-1.0's pipeline, first buffer at the fakesink. */
static double
reference_first_frame_ms (const char *uri)
{
  g_autofree char *description = g_strdup_printf ("playbin uri=%s video-sink=\"fakesink name=vsink signal-handoffs=true\" "
                                                  "audio-sink=\"fakesink sync=true\"", uri);
  g_autoptr(GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstElement *sink = NULL;
  int got_frame = 0;
  gint64 start;
  double ms;

  if (pipeline == NULL)
    g_error ("bench: %s", error->message);

  g_object_get (pipeline, "video-sink", &sink, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (handoff_cb), &got_frame);

  start = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (!dailies_test_wait_until (flag_set, &got_frame, 20000))
    g_error ("bench: the reference pipeline showed no frame");
  ms = (g_get_monotonic_time () - start) / 1000.0;

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);

  return ms;
}

static double
player_first_frame_ms (DailiesPlayer *player,
                       const char    *uri)
{
  TextureWait wait = { dailies_player_get_paintable (player), 0 };
  gint64 start;
  double ms;

  wait.before = dailies_paintable_get_n_textures (wait.paintable);
  start = g_get_monotonic_time ();
  dailies_player_set_uri (player, uri);
  dailies_player_play (player);
  /* A texture is made at snapshot time: this is a frame on screen. */
  if (!dailies_test_wait_until (has_new_texture, &wait, 20000))
    g_error ("bench: the player showed no frame");
  ms = (g_get_monotonic_time () - start) / 1000.0;

  dailies_player_set_uri (player, NULL);

  return ms;
}

static void
bench_first_frame (void)
{
  BenchServerThread *server = bench_server_thread_start (0);
  g_autofree char *uri = g_strdup_printf ("%s/videos/asyntask_FirstFrame0001.mp4?Signature=bench",
                                          bench_server_thread_get_cdn (server));
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  DailiesPlayer *player = DAILIES_PLAYER (dailies_player_new ());
  double reference[RUNS], ours[RUNS];

  gtk_window_set_default_size (window, 854, 480);
  gtk_window_set_child (window, GTK_WIDGET (player));
  gtk_window_present (window);

  /* Warm up both (plugin loading, decoder setup). */
  reference_first_frame_ms (uri);
  player_first_frame_ms (player, uri);

  for (guint i = 0; i < RUNS; i++)
    {
      reference[i] = reference_first_frame_ms (uri);
      ours[i] = player_first_frame_ms (player, uri);
    }

  g_print ("first-frame: median of %d over HTTP: gst-launch playbin+fakesink %.1f ms, Dailies player on screen %.1f ms, "
           "ratio %.2f (goal <= 1.5)\n",
           RUNS, median (reference, RUNS), median (ours, RUNS), median (ours, RUNS) / median (reference, RUNS));

  gtk_window_destroy (window);
  bench_server_thread_stop (server);
}

static char *
make_clip (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "clip-720p24.mp4", NULL);
  g_autofree char *description = g_strdup_printf (
      "videotestsrc num-buffers=240 pattern=smpte ! video/x-raw,format=I420,width=1280,height=720,framerate=24/1 "
      "! timeoverlay font-desc=\"Sans 48\" ! x264enc speed-preset=ultrafast ! video/x-h264,profile=main ! h264parse "
      "! mp4mux name=m ! filesink location=\"%s\" "
      "audiotestsrc num-buffers=430 ! audioconvert ! avenc_aac ! aacparse ! m.", path);
  g_autoptr(GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;

  if (pipeline == NULL)
    g_error ("bench: cannot make the clip: %s", error->message);

  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (message == NULL || GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    g_error ("bench: making the clip failed");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  return g_steal_pointer (&path);
}

typedef struct
{
  gint64 until;
} Deadline;

static gboolean
deadline_passed (gpointer user_data)
{
  return g_get_monotonic_time () >= ((Deadline *) user_data)->until;
}

/* Plays for @seconds with everything already set up; returns CPU %. */
static double
measure_cpu (guint seconds)
{
  Deadline deadline;
  gint64 cpu_start = cpu_time_us ();
  gint64 wall_start = g_get_monotonic_time ();

  deadline.until = wall_start + (gint64) seconds * G_USEC_PER_SEC;
  dailies_test_wait_until (deadline_passed, &deadline, (seconds + 1) * 1000);

  return 100.0 * (cpu_time_us () - cpu_start) / (g_get_monotonic_time () - wall_start);
}

static void
bench_cpu (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *clip = make_clip (dir);
  const guint seconds = 6;
  GtkWindow *window;
  double ours, reference;

  /* Ours: playbin + appsink + our paintable. */
  {
    DailiesPlayer *player = DAILIES_PLAYER (dailies_player_new ());
    TextureWait wait = { dailies_player_get_paintable (player), 0 };

    window = GTK_WINDOW (gtk_window_new ());
    gtk_window_set_default_size (window, 854, 480);
    gtk_window_set_child (window, GTK_WIDGET (player));
    gtk_window_present (window);
    dailies_player_set_local_file (player, clip);
    dailies_player_play (player);
    if (!dailies_test_wait_until (has_new_texture, &wait, 20000))
      g_error ("bench: no frame");
    ours = measure_cpu (seconds);
    gtk_window_destroy (window);
  }

  /* The floor: GtkVideo with GTK's own GStreamer media file. */
  {
    g_autoptr(GtkMediaStream) stream = gtk_media_file_new_for_filename (clip);
    GtkWidget *video = gtk_video_new_for_media_stream (stream);

    window = GTK_WINDOW (gtk_window_new ());
    gtk_window_set_default_size (window, 854, 480);
    gtk_window_set_child (window, video);
    gtk_window_present (window);
    gtk_media_stream_play (stream);
    reference = measure_cpu (1);   /* let it start */
    reference = measure_cpu (seconds);
    gtk_window_destroy (window);
  }

  g_print ("cpu: 720p24 H.264/AAC for %u s at 854x480: GtkVideo %.0f%% of a core, Dailies player %.0f%%, "
           "ratio %.2f (goal <= 1.2)\n", seconds, reference, ours, ours / reference);

  dailies_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *which = argc > 1 ? argv[1] : "all";

  gtk_init ();
  adw_init ();
  gst_init (&argc, &argv);

  if (g_str_equal (which, "first-frame") || g_str_equal (which, "all"))
    bench_first_frame ();
  if (g_str_equal (which, "cpu") || g_str_equal (which, "all"))
    bench_cpu ();

  return 0;
}
