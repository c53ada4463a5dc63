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
#include "bench-stats.h"
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

/* When a run's first frame reached the video sink. Stamped on the
 * streaming thread as it happens: the main loop that waits for it may wake
 * much later (nothing wakes it), which counted idle time before. */
typedef struct
{
  int    state;   /* atomic: 0 idle, 1 armed, 2 stamped */
  gint64 at;      /* written before state becomes 2 */
} FirstFrame;

static void
first_frame_arm (FirstFrame *first)
{
  first->at = 0;
  g_atomic_int_set (&first->state, 1);
}

static gboolean
first_frame_stamped (gpointer user_data)
{
  return g_atomic_int_get (&((FirstFrame *) user_data)->state) == 2;
}

static GstPadProbeReturn
first_frame_probe_cb (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         user_data)
{
  FirstFrame *first = user_data;
  gint64 now = g_get_monotonic_time ();

  /* One streaming thread per sink: no other writer between get and set. */
  if (g_atomic_int_get (&first->state) == 1)
    {
      first->at = now;
      g_atomic_int_set (&first->state, 2);
    }

  return GST_PAD_PROBE_OK;
}

/* Both sides are stamped the same way: a buffer probe on the video sink's
 * own sink pad, the moment before fakesink's handoff or our appsink's
 * new-preroll. */
static void
watch_first_frame (GstElement *sink,
                   FirstFrame *first)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (sink, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, first_frame_probe_cb, first, NULL);
}

static FirstFrame player_first;

/* The player's appsink is private to it: catch it as its bin takes it. */
static gboolean
element_added_hook (GSignalInvocationHint *hint,
                    guint                  n_params,
                    const GValue          *params,
                    gpointer               user_data)
{
  GstElement *element = g_value_get_object (&params[1]);
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "appsink"))
    watch_first_frame (element, &player_first);

  return TRUE;
}

/* The reference: gst-launch-1.0's pipeline, first buffer at the fakesink. */
static double
reference_first_frame_ms (const char *uri)
{
  g_autofree char *description = g_strdup_printf ("playbin uri=%s video-sink=\"fakesink name=vsink\" "
                                                  "audio-sink=\"fakesink sync=true\"", uri);
  g_autoptr(GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstElement *sink = NULL;
  FirstFrame first = { 0 };
  gint64 start;
  double ms;

  if (pipeline == NULL)
    g_error ("bench: %s", error->message);

  g_object_get (pipeline, "video-sink", &sink, NULL);
  watch_first_frame (sink, &first);
  first_frame_arm (&first);

  start = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (!dailies_test_wait_until (first_frame_stamped, &first, 20000))
    g_error ("bench: the reference pipeline showed no frame");
  ms = (first.at - start) / 1000.0;

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);

  return ms;
}

/* Returns the time to the first frame at our sink; @on_screen_ms gets the
 * time to the first texture, made at snapshot: the frame on screen. */
static double
player_first_frame_ms (DailiesPlayer *player,
                       const char    *uri,
                       double        *on_screen_ms)
{
  TextureWait wait = { dailies_player_get_paintable (player), 0 };
  gint64 start;

  wait.before = dailies_paintable_get_n_textures (wait.paintable);
  first_frame_arm (&player_first);
  start = g_get_monotonic_time ();
  dailies_player_set_uri (player, uri);
  dailies_player_play (player);
  if (!dailies_test_wait_until (has_new_texture, &wait, 20000) ||
      !dailies_test_wait_until (first_frame_stamped, &player_first, 20000))
    g_error ("bench: the player showed no frame");
  /* The texture is counted at the snapshot, so this wake is no later than it. */
  *on_screen_ms = (g_get_monotonic_time () - start) / 1000.0;

  dailies_player_set_uri (player, NULL);

  return (player_first.at - start) / 1000.0;
}

static void
bench_first_frame (void)
{
  BenchServerThread *server = bench_server_thread_start (0);
  g_autofree char *uri = g_strdup_printf ("%s/videos/asyntask_FirstFrame0001.mp4?Signature=bench",
                                          bench_server_thread_get_cdn (server));
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  DailiesPlayer *player = DAILIES_PLAYER (dailies_player_new ());
  double reference[RUNS], at_sink[RUNS], on_screen[RUNS];

  gtk_window_set_default_size (window, 854, 480);
  gtk_window_set_child (window, GTK_WIDGET (player));
  gtk_window_present (window);

  /* Warm up both (plugin loading, decoder setup). */
  reference_first_frame_ms (uri);
  player_first_frame_ms (player, uri, &on_screen[0]);

  for (guint i = 0; i < RUNS; i++)
    {
      reference[i] = reference_first_frame_ms (uri);
      at_sink[i] = player_first_frame_ms (player, uri, &on_screen[i]);
    }

  g_print ("first-frame: median of %d over HTTP, first frame at the video sink (stamped on the streaming thread): "
           "gst-launch playbin+fakesink %.1f ms, Dailies player %.1f ms, ratio %.2f (goal <= 1.5); "
           "Dailies on screen (first texture) %.1f ms\n",
           RUNS, bench_median (reference, RUNS), bench_median (at_sink, RUNS), bench_median (at_sink, RUNS) / bench_median (reference, RUNS),
           bench_median (on_screen, RUNS));

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
  g_signal_add_emission_hook (g_signal_lookup ("element-added", GST_TYPE_BIN), 0,
                              element_added_hook, NULL, NULL);

  if (g_str_equal (which, "first-frame") || g_str_equal (which, "all"))
    bench_first_frame ();
  if (g_str_equal (which, "cpu") || g_str_equal (which, "all"))
    bench_cpu ();

  return 0;
}
