/* test-player.c
 *
 * The embedded player on a real display (Xvfb): a real playbin pipeline
 * streaming H.264/AAC MP4 over HTTP from the demo server on 127.0.0.1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <libsoup/soup.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dailies-demo-server.h"
#include "dailies-player.h"
#include "dailies-test-audio-sink.h"
#include "dailies-test-utils.h"

#define TASK_ID "asyntask_DemoHarbourSunrise00000000000001"

typedef struct
{
  DailiesDemoServer *server;
  GtkWindow         *window;
  AdwToastOverlay   *toasts;
  DailiesPlayer     *player;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = dailies_demo_server_new ();
  g_assert_true (dailies_demo_server_start (f->server, &error));
  g_assert_no_error (error);

  f->window = GTK_WINDOW (gtk_window_new ());
  f->player = DAILIES_PLAYER (dailies_player_new ());
  /* As in the app's window: the toasts of the player go here. */
  f->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (f->toasts, GTK_WIDGET (f->player));
  gtk_window_set_default_size (f->window, 640, 420);
  gtk_window_set_child (f->window, GTK_WIDGET (f->toasts));
  gtk_window_present (f->window);
}

static gboolean
changes_made (gpointer user_data)
{
  return dailies_player_get_n_pending_changes () == 0;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  /* No stop of this test's videos lands in the next one's. */
  g_assert_true (dailies_test_wait_until (changes_made, NULL, 15000));
  g_clear_object (&f->server);
}

static char *
video_url (Fixture *f)
{
  /* The same shape of pre-signed link the demo API hands out. */
  return g_strdup_printf ("%s/videos/%s.mp4?Expires=1&Signature=demo", dailies_demo_server_get_cdn_url (f->server), TASK_ID);
}

static gboolean
is_playing (gpointer user_data)
{
  return dailies_player_get_state (user_data) == GST_STATE_PLAYING;
}

static void
play_until_playing (DailiesPlayer *player,
                    const char    *url)
{
  dailies_player_set_uri (player, url);
  dailies_player_play (player);
  g_assert_true (dailies_test_wait_until (is_playing, player, 15000));
}

static gboolean
has_error (gpointer user_data)
{
  return dailies_player_get_error_text (user_data) != NULL;
}

static gboolean
enough_frames (gpointer user_data)
{
  DailiesPaintable *paintable = dailies_player_get_paintable (user_data);

  return dailies_paintable_get_n_textures (paintable) >= 24;
}

typedef struct
{
  DailiesPlayer *player;
  gint64         target;
} SeekWait;

static gboolean
position_near_target (gpointer user_data)
{
  SeekWait *wait = user_data;
  gint64 position = dailies_player_get_position (wait->player);

  return position >= wait->target && position < wait->target + GST_SECOND;
}

static void
test_plays_and_seeks (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  DailiesPaintable *paintable = dailies_player_get_paintable (f->player);
  SeekWait wait;
  gint64 duration;

  play_until_playing (f->player, url);

  /* At least a second of real frames, each turned into a texture on screen. */
  g_assert_true (dailies_test_wait_until (enough_frames, f->player, 15000));
  g_assert_cmpuint (dailies_paintable_get_n_pushed (paintable), >=, 24);
  g_assert_null (dailies_player_get_error_text (f->player));

  duration = dailies_player_get_duration (f->player);
  g_assert_cmpint (duration, >, 3 * GST_SECOND);
  g_assert_cmpint (duration, <, 5 * GST_SECOND);

  /* Seek to the middle and see the position land there. */
  dailies_player_pause (f->player);
  wait = (SeekWait) { f->player, duration / 2 };
  dailies_player_seek (f->player, wait.target);
  g_assert_true (dailies_test_wait_until (position_near_target, &wait, 10000));

  /* The link is no longer wanted: the pipeline goes to NULL. */
  dailies_player_set_uri (f->player, NULL);
  g_assert_cmpint (dailies_player_get_state (f->player), ==, GST_STATE_NULL);

  /* Fetched without a key. */
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (f->server), ==, 0);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), >, 0);
}

static gboolean
is_paused (gpointer user_data)
{
  return dailies_player_get_state (user_data) == GST_STATE_PAUSED;
}

static gboolean
media_info_known (gpointer user_data)
{
  g_autofree char *info = dailies_player_dup_media_info (user_data);

  return strstr (info, "Size") != NULL && strstr (info, "Audio") != NULL;
}

/* Whether a label under @widget shows text that starts with @prefix. */
static gboolean
shows_text (GtkWidget  *widget,
            const char *prefix)
{
  if (GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), prefix))
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, prefix))
      return TRUE;

  return FALSE;
}

/* The first widget of @type under @widget with tooltip @tooltip, or NULL. */
static GtkWidget *
find_with_tooltip (GtkWidget  *widget,
                   GType       type,
                   const char *tooltip)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_with_tooltip (child, type, tooltip);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  DailiesPlayer *player;
  gint64         from;
  int            direction;   /* +1: wait for a later position, -1: an earlier one */
} StepWait;

static gboolean
position_moved (gpointer user_data)
{
  StepWait *wait = user_data;
  gint64 position = dailies_player_get_position (wait->player);

  return wait->direction > 0 ? position > wait->from : position >= 0 && position < wait->from;
}

/* The controls behind the buttons and keys (space, comma, period, m),
 * driven through their actions, and what Save Frame and the media
 * information show. */
static void
test_controls (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *png_path = g_build_filename (dir, "frame.png", NULL);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autoptr(GdkTexture) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *info = NULL;
  g_autofree char *size = NULL;
  GdkPaintable *paintable = GDK_PAINTABLE (dailies_player_get_paintable (f->player));
  GtkWidget *widget = GTK_WIDGET (f->player);
  GtkMenuButton *volume;
  StepWait step;
  gsize stride;
  gboolean uniform = TRUE;
  int width, height;

  /* Nothing shown yet: nothing to save, and a clear error. */
  g_assert_false (dailies_player_save_frame (f->player, png, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_file_query_exists (png, NULL));

  dailies_player_set_uri (f->player, url);
  dailies_player_play (f->player);
  g_assert_true (dailies_test_wait_until (enough_frames, f->player, 15000));

  /* Media information: size as decoded, and the audio track. */
  g_assert_true (dailies_test_wait_until (media_info_known, f->player, 10000));
  width = gdk_paintable_get_intrinsic_width (paintable);
  height = gdk_paintable_get_intrinsic_height (paintable);
  g_assert_cmpint (width, >, 0);
  info = dailies_player_dup_media_info (f->player);
  size = g_strdup_printf ("\nSize: %d × %d, ", width, height);
  g_assert_nonnull (strstr (info, size));
  g_assert_true (g_str_has_prefix (info, "Video: "));
  g_assert_nonnull (strstr (info, "\nAudio: "));

  /* Space: pause, and play again. */
  g_assert_true (gtk_widget_activate_action (widget, "player.toggle-play", NULL));
  g_assert_true (dailies_test_wait_until (is_paused, f->player, 10000));
  g_assert_true (gtk_widget_activate_action (widget, "player.toggle-play", NULL));
  g_assert_true (dailies_test_wait_until (is_playing, f->player, 10000));

  /* M: mute, and unmute; the volume button shows which. */
  volume = GTK_MENU_BUTTON (find_with_tooltip (widget, GTK_TYPE_MENU_BUTTON, "Volume"));
  g_assert_nonnull (volume);
  g_assert_false (dailies_player_get_muted (f->player));
  g_assert_true (gtk_widget_activate_action (widget, "player.toggle-mute", NULL));
  g_assert_true (dailies_player_get_muted (f->player));
  g_assert_cmpstr (gtk_menu_button_get_icon_name (volume), ==, "audio-volume-muted-symbolic");
  g_assert_true (gtk_widget_activate_action (widget, "player.toggle-mute", NULL));
  g_assert_false (dailies_player_get_muted (f->player));
  g_assert_cmpstr (gtk_menu_button_get_icon_name (volume), ==, "audio-volume-high-symbolic");

  /* Period and comma: a frame forward pauses and moves on; a frame back
   * returns. From the middle, so both have room. */
  dailies_player_pause (f->player);
  dailies_player_seek (f->player, 2 * GST_SECOND);
  step = (StepWait) { f->player, GST_SECOND, +1 };
  g_assert_true (dailies_test_wait_until (position_moved, &step, 10000));
  step = (StepWait) { f->player, dailies_player_get_position (f->player), +1 };
  g_assert_true (gtk_widget_activate_action (widget, "player.frame-forward", NULL));
  g_assert_true (dailies_test_wait_until (position_moved, &step, 10000));
  /* The pause is asynchronous: on a slow machine (sanitizers) the new frame
   * can show before the pipeline reports PAUSED. */
  g_assert_true (dailies_test_wait_until (is_paused, f->player, 10000));
  step = (StepWait) { f->player, dailies_player_get_position (f->player), -1 };
  g_assert_true (gtk_widget_activate_action (widget, "player.frame-back", NULL));
  g_assert_true (dailies_test_wait_until (position_moved, &step, 10000));

  /* Save Frame: a PNG of the frame on screen, at its size, not blank. */
  g_assert_true (dailies_player_save_frame (f->player, png, &error));
  g_assert_no_error (error);
  saved = gdk_texture_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (saved), ==, width);
  g_assert_cmpint (gdk_texture_get_height (saved), ==, height);
  stride = (gsize) width * 4;
  pixels = g_malloc (stride * height);
  gdk_texture_download (saved, pixels, stride);
  for (gsize i = 4; i < stride * height && uniform; i++)
    uniform = pixels[i] == pixels[i % 4];
  g_assert_false (uniform);

  /* A frame that cannot be saved is told in a toast, not only the log. */
  {
    g_autofree char *nowhere_path = g_build_filename (dir, "no-such-folder", "frame.png", NULL);
    g_autoptr(GFile) nowhere = g_file_new_for_path (nowhere_path);

    g_assert_false (shows_text (GTK_WIDGET (f->toasts), "Could not save the frame"));
    g_assert_false (dailies_player_save_frame (f->player, nowhere, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_true (shows_text (GTK_WIDGET (f->toasts), "Could not save the frame"));
  }

  dailies_test_rm_rf (dir);
}

typedef struct
{
  char  *uri;
  guint  http_status;
  guint  n_emitted;
} Refusal;

static void
link_refused_cb (DailiesPlayer *player,
                 const char    *uri,
                 guint          http_status,
                 Refusal       *refusal)
{
  g_free (refusal->uri);
  refusal->uri = g_strdup (uri);
  refusal->http_status = http_status;
  refusal->n_emitted++;
}

/* The plugin of the best element of @type for @caps is loaded. */
static gboolean
best_loaded (GstElementFactoryListType  type,
             const char                *caps_text)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string (caps_text);
  GList *all = gst_element_factory_list_get_elements (type, GST_RANK_MARGINAL);
  GList *fit = gst_element_factory_list_filter (all, caps, GST_PAD_SINK, FALSE);
  gboolean loaded = FALSE;

  fit = g_list_sort (fit, gst_plugin_feature_rank_compare_func);
  if (fit != NULL)
    {
      g_autoptr(GstPlugin) plugin = gst_plugin_feature_get_plugin (fit->data);

      loaded = plugin != NULL && gst_plugin_is_loaded (plugin);
    }
  gst_plugin_feature_list_free (fit);
  gst_plugin_feature_list_free (all);

  return loaded;
}

static gboolean
video_plugins_loaded (gpointer user_data)
{
  return best_loaded (GST_ELEMENT_FACTORY_TYPE_DEMUXER, "video/quicktime") &&
         best_loaded (GST_ELEMENT_FACTORY_TYPE_DECODER, "video/x-h264, stream-format=(string)avc, alignment=(string)au") &&
         best_loaded (GST_ELEMENT_FACTORY_TYPE_DECODER, "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw");
}

static gboolean
warmed_up (gpointer user_data)
{
  return dailies_player_is_warmed_up ();
}

/* Before any video (this runs first): the warm-up loads the demuxer and
 * decoders of the video the service sends, off the main thread, which
 * the first video's streaming thread loaded while the window waited. */
static void
test_warm_up (void)
{
  g_assert_false (video_plugins_loaded (NULL));
  g_assert_false (dailies_player_is_warmed_up ());
  dailies_player_warm_up ();
  g_assert_true (dailies_test_wait_until (video_plugins_loaded, NULL, 15000));
  g_assert_true (dailies_test_wait_until (warmed_up, NULL, 15000));
}

static gboolean
audio_fed (gpointer user_data)
{
  return g_atomic_int_get (&sink_fed_nice) != 0;
}

/* Starting a video makes and readies its elements (loading plugins) on
 * another thread than the window's. */
static void
test_pipeline_work_off_main_thread (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  int main_nice;

  g_atomic_pointer_set (&sink_readied_by, NULL);
  g_atomic_int_set (&sink_fed_nice, 0);
  g_atomic_int_set (&sink_readied_nice, 0);
  errno = 0;
  main_nice = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
  g_assert_cmpint (errno, ==, 0);

  play_until_playing (f->player, url);
  g_assert_true (dailies_test_wait_until (audio_fed, NULL, 15000));

  g_assert_nonnull (g_atomic_pointer_get (&sink_readied_by));
  g_assert_true (g_atomic_pointer_get (&sink_readied_by) != g_thread_self ());
  /* Streaming threads come from GLib's shared pool: none is left niced
   * (a user may not raise a thread's priority back: GLib logs a critical,
   * fatal here, and the thread stays niced). */
  g_assert_cmpint (g_atomic_int_get (&sink_fed_nice) - 100, ==, main_nice);
  /* Nor is the state thread, which starts them: as root GLib puts a new
   * pool thread back to the window's priority, so only this tells. */
  g_assert_cmpint (g_atomic_int_get (&sink_readied_nice) - 100, ==, main_nice);

  /* The next video starts while this one stops on that thread: it plays,
   * on threads as nice as the first's. */
  g_atomic_int_set (&sink_fed_nice, 0);
  dailies_player_set_uri (f->player, NULL);
  play_until_playing (f->player, url);
  g_assert_true (dailies_test_wait_until (audio_fed, NULL, 15000));
  g_assert_null (dailies_player_get_error_text (f->player));
  g_assert_cmpint (g_atomic_int_get (&sink_fed_nice) - 100, ==, main_nice);
}

static gboolean
sink_stopped (gpointer user_data)
{
  return g_atomic_pointer_get (&sink_stopped_by) != NULL;
}

/* A player that goes away stops its pipeline on the state thread: NULL
 * joins the streaming threads, which may wait for this main loop (here
 * the demo's CDN serves them) or for a host gone silent. */
static void
test_stops_off_main_thread (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *url = video_url (f);

  play_until_playing (f->player, url);

  g_atomic_pointer_set (&sink_stopped_by, NULL);
  gtk_window_destroy (f->window);
  f->window = NULL;
  f->player = NULL;
  /* As the application waits at its end: the main loop turns (it serves
   * the stream) until no change is left. */
  g_assert_true (dailies_test_wait_until (changes_made, NULL, 15000));
  g_assert_true (sink_stopped (NULL));
  g_assert_true (g_atomic_pointer_get (&sink_stopped_by) != g_thread_self ());
}

/* A video whose stop hangs (its audio output does not answer) holds up
 * neither the window nor the next video. */
static void
test_stuck_stop (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *url = video_url (f);

  play_until_playing (f->player, url);

  hold_sink (&sink_stops_held, TRUE);
  dailies_player_set_uri (f->player, NULL);
  g_assert_true (dailies_test_wait_until (any_under_way, &sink_stops_under_way, 15000));

  /* The same video again, in a new pipeline, while the old one's stop
   * still hangs. */
  play_until_playing (f->player, url);
  g_assert_true (g_atomic_int_get (&sink_stops_under_way) > 0);
  g_assert_false (changes_made (NULL));

  hold_sink (&sink_stops_held, FALSE);
  g_assert_true (dailies_test_wait_until (none_under_way, &sink_stops_under_way, 15000));
}

/* A seek while a change of state hangs (its audio output slow to answer)
 * waits for it on the state thread: the window goes on, and the seek
 * lands once the change is made. Sending a seek takes the pipeline's
 * state lock, which the change holds. */
static void
test_seek_during_stuck_change (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  SeekWait wait;

  play_until_playing (f->player, url);
  g_assert_true (dailies_test_wait_until (enough_frames, f->player, 15000));

  g_atomic_pointer_set (&sink_flushed_by, NULL);
  hold_sink (&sink_pauses_held, TRUE);
  dailies_player_pause (f->player);
  g_assert_true (dailies_test_wait_until (any_under_way, &sink_pauses_under_way, 15000));
  g_atomic_int_set (&sink_flushes, 0);

  /* A seek, another that takes its place (as a drag of the scale does),
   * then a frame step: each back at once, the pause still hanging (it
   * lets go by itself after 10 s). */
  dailies_player_seek (f->player, dailies_player_get_duration (f->player) / 4);
  g_assert_true (any_under_way (&sink_pauses_under_way));
  wait = (SeekWait) { f->player, dailies_player_get_duration (f->player) / 2 };
  dailies_player_seek (f->player, wait.target);
  g_assert_true (any_under_way (&sink_pauses_under_way));
  gtk_widget_activate_action (GTK_WIDGET (f->player), "player.frame-forward", NULL);
  g_assert_true (any_under_way (&sink_pauses_under_way));

  /* Then the later seek alone is made, and the step after it. */
  hold_sink (&sink_pauses_held, FALSE);
  g_assert_true (dailies_test_wait_until (none_under_way, &sink_pauses_under_way, 15000));
  g_assert_true (dailies_test_wait_until (position_near_target, &wait, 10000));
  g_assert_true (dailies_test_wait_until (changes_made, NULL, 10000));
  g_assert_cmpuint (g_atomic_int_get (&sink_flushes), ==, 1);
  g_assert_nonnull (g_atomic_pointer_get (&sink_flushed_by));
  g_assert_true (g_atomic_pointer_get (&sink_flushed_by) != g_thread_self ());
  g_assert_null (dailies_player_get_error_text (f->player));
}

/* A seek asked for before the video is ready (a key pressed as it
 * loads) lands once it is. */
static void
test_seek_before_ready (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  SeekWait wait = { f->player, 2 * GST_SECOND };

  dailies_player_set_uri (f->player, url);
  g_assert_cmpint (dailies_player_get_state (f->player), <, GST_STATE_PAUSED);
  dailies_player_seek (f->player, wait.target);
  g_assert_true (dailies_test_wait_until (is_paused, f->player, 15000));
  g_assert_true (dailies_test_wait_until (position_near_target, &wait, 10000));
  g_assert_null (dailies_player_get_error_text (f->player));
}

/* ← and → count from where the last seek goes, made or not: two presses
 * of → while the video loads go 2 s (1 s each here), not 1 s. */
static void
test_relative_seeks_add_up (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  SeekWait wait = { f->player, 2 * GST_SECOND };

  dailies_player_set_uri (f->player, url);
  g_assert_cmpint (dailies_player_get_state (f->player), <, GST_STATE_PAUSED);
  gtk_widget_activate_action (GTK_WIDGET (f->player), "player.seek", "i", 1);
  gtk_widget_activate_action (GTK_WIDGET (f->player), "player.seek", "i", 1);
  g_assert_true (dailies_test_wait_until (is_paused, f->player, 15000));
  g_assert_true (dailies_test_wait_until (position_near_target, &wait, 10000));
  g_assert_null (dailies_player_get_error_text (f->player));
}

static gboolean
is_paused_or_playing (gpointer user_data)
{
  return dailies_player_get_state (user_data) >= GST_STATE_PAUSED;
}

/* A host that cannot seek: the whole file, whatever was asked. */
static void
unseekable_handler_cb (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Accept-Ranges", "none");
  soup_server_message_set_response (msg, "video/mp4", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (user_data, NULL), g_bytes_get_size (user_data));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* A seek in a stream its host cannot seek in changes nothing, and no
 * ASYNC_DONE comes for it: the player lets it go, and the end of the
 * video still pauses it. */
static void
test_seek_in_unseekable_stream (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  GBytes *video = dailies_demo_server_get_video (f->server);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;

  soup_server_add_handler (server, "/", unseekable_handler_cb, video, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base = g_uri_to_string (uris->data);
  url = g_strdup_printf ("%sclip.mp4", base);

  play_until_playing (f->player, url);
  dailies_player_seek (f->player, GST_SECOND);
  g_assert_true (dailies_test_wait_until (changes_made, NULL, 10000));
  g_assert_true (dailies_test_wait_until (is_paused, f->player, 20000));
  g_assert_null (dailies_player_get_error_text (f->player));

  /* A seek as the video becomes ready to play, Play pressed: it may land
   * while GStreamer finishes going to PLAYING on its own, when no
   * ASYNC_DONE follows. */
  dailies_player_set_uri (f->player, NULL);
  dailies_player_set_uri (f->player, url);
  dailies_player_play (f->player);
  g_assert_true (dailies_test_wait_until (is_paused_or_playing, f->player, 15000));
  dailies_player_seek (f->player, GST_SECOND);
  g_assert_true (dailies_test_wait_until (is_playing, f->player, 15000));
  g_assert_true (dailies_test_wait_until (is_paused, f->player, 20000));

  /* With Loop on, the seek back to the start changes nothing either: the
   * video pauses at its end rather than stay "playing" there. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_with_tooltip (GTK_WIDGET (f->player), GTK_TYPE_TOGGLE_BUTTON, "Loop")), TRUE);
  dailies_player_set_uri (f->player, NULL);
  play_until_playing (f->player, url);
  g_assert_true (dailies_test_wait_until (is_paused, f->player, 20000));
  g_assert_null (dailies_player_get_error_text (f->player));
}

static void
test_expired_link (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  g_autofree char *error_text = NULL;
  Refusal refusal = { NULL, 0, 0 };
  guint n_requests;

  g_signal_connect (f->player, "link-refused", G_CALLBACK (link_refused_cb), &refusal);
  dailies_demo_server_expire_links (f->server);
  g_atomic_pointer_set (&sink_readied_by, NULL);
  g_atomic_pointer_set (&sink_stopped_by, NULL);
  dailies_player_set_uri (f->player, url);
  dailies_player_play (f->player);

  g_assert_true (dailies_test_wait_until (has_error, f->player, 15000));
  error_text = g_strdup (dailies_player_get_error_text (f->player));
  g_assert_nonnull (strstr (error_text, "expired"));
  g_assert_cmpint (dailies_player_get_state (f->player), ==, GST_STATE_NULL);

  /* The failed pipeline is stopped on the state thread too: the main
   * thread stopping it here hung the window for good, once in a CI run. */
  g_assert_nonnull (g_atomic_pointer_get (&sink_readied_by));
  g_assert_true (dailies_test_wait_until (sink_stopped, NULL, 15000));
  g_assert_true (g_atomic_pointer_get (&sink_stopped_by) != g_thread_self ());

  /* The host's answer is told, with the link it was about. */
  g_assert_cmpuint (dailies_player_get_http_status (f->player), ==, 403);
  g_assert_cmpuint (refusal.n_emitted, ==, 1);
  g_assert_cmpuint (refusal.http_status, ==, 403);
  g_assert_cmpstr (refusal.uri, ==, url);
  g_free (refusal.uri);
  g_signal_handlers_disconnect_by_func (f->player, link_refused_cb, &refusal);

  /* The same link set again stays failed, and is not asked for again;
   * Play asks for it anew, in a fresh pipeline. */
  n_requests = dailies_demo_server_get_n_video_requests (f->server);
  dailies_player_set_uri (f->player, url);
  g_assert_cmpstr (dailies_player_get_error_text (f->player), ==, error_text);
  dailies_demo_server_renew_links (f->server);
  dailies_player_play (f->player);
  g_assert_null (dailies_player_get_error_text (f->player));
  g_assert_true (dailies_test_wait_until (is_playing, f->player, 15000));
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), >, n_requests);
}

/* A link lapsed by its own signature is refused by the CDN too; a link
 * that is merely unreachable is not a refusal. */
static void
test_lapsed_signature (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *lapsed = dailies_demo_server_sign_link (f->server, TASK_ID);
  Refusal refusal = { NULL, 0, 0 };

  /* A day and an hour later by the CDN's clock. */
  dailies_demo_server_advance (f->server, 25 * 60 * 60);
  g_signal_connect (f->player, "link-refused", G_CALLBACK (link_refused_cb), &refusal);

  dailies_player_set_uri (f->player, lapsed);
  dailies_player_play (f->player);
  g_assert_true (dailies_test_wait_until (has_error, f->player, 15000));
  g_assert_cmpuint (refusal.http_status, ==, 403);

  dailies_player_set_uri (f->player, "http://127.0.0.1:9/videos/x.mp4?X-Tos-Signature=s");
  dailies_player_play (f->player);
  g_assert_true (dailies_test_wait_until (has_error, f->player, 15000));
  g_assert_cmpuint (dailies_player_get_http_status (f->player), ==, 0);
  g_assert_cmpuint (refusal.n_emitted, ==, 1);

  g_free (refusal.uri);
  g_signal_handlers_disconnect_by_func (f->player, link_refused_cb, &refusal);
}

static void
test_refuses_other_schemes (Fixture       *f,
                            gconstpointer  data)
{
  const char *hostile[] = { "data:video/mp4;base64,AAAA", "ftp://example.com/x.mp4", "not a url", "http:///nohost",
                            "file:///etc/passwd", "FILE:///dev/zero" };

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      dailies_player_set_uri (f->player, hostile[i]);
      g_assert_nonnull (dailies_player_get_error_text (f->player));
      g_assert_cmpint (dailies_player_get_state (f->player), ==, GST_STATE_NULL);
      /* Play, as after any failure, tries the link again: as a link. */
      dailies_player_play (f->player);
      g_assert_nonnull (dailies_player_get_error_text (f->player));
    }

  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  dailies_test_audio_sink_use ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  gst_init (&argc, &argv);
  dailies_test_audio_sink_register ();

  g_test_add_func ("/dailies/player/warm-up", test_warm_up);
  g_test_add ("/dailies/player/plays-and-seeks", Fixture, NULL, fixture_set_up, test_plays_and_seeks, fixture_tear_down);
  g_test_add ("/dailies/player/controls", Fixture, NULL, fixture_set_up, test_controls, fixture_tear_down);
  g_test_add ("/dailies/player/pipeline-work-off-main-thread", Fixture, NULL, fixture_set_up,
              test_pipeline_work_off_main_thread, fixture_tear_down);
  g_test_add ("/dailies/player/stops-off-main-thread", Fixture, NULL, fixture_set_up,
              test_stops_off_main_thread, fixture_tear_down);
  g_test_add ("/dailies/player/stuck-stop", Fixture, NULL, fixture_set_up, test_stuck_stop, fixture_tear_down);
  g_test_add ("/dailies/player/seek-during-stuck-change", Fixture, NULL, fixture_set_up,
              test_seek_during_stuck_change, fixture_tear_down);
  g_test_add ("/dailies/player/seek-before-ready", Fixture, NULL, fixture_set_up,
              test_seek_before_ready, fixture_tear_down);
  g_test_add ("/dailies/player/relative-seeks-add-up", Fixture, NULL, fixture_set_up,
              test_relative_seeks_add_up, fixture_tear_down);
  g_test_add ("/dailies/player/seek-in-unseekable-stream", Fixture, NULL, fixture_set_up,
              test_seek_in_unseekable_stream, fixture_tear_down);
  g_test_add ("/dailies/player/expired-link", Fixture, NULL, fixture_set_up, test_expired_link, fixture_tear_down);
  g_test_add ("/dailies/player/lapsed-signature", Fixture, NULL, fixture_set_up, test_lapsed_signature, fixture_tear_down);
  g_test_add ("/dailies/player/refuses-other-schemes", Fixture, NULL, fixture_set_up, test_refuses_other_schemes, fixture_tear_down);

  return g_test_run ();
}
