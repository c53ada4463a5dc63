/* dailies-player.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>

#include "dailies-api-client.h"
#include "dailies-player.h"
#include "dailies-thread.h"
#include "dailies-toast-guard.h"

#define POSITION_TICK_MS 250
#define SEEK_STEP_NS     (5 * GST_SECOND)
/* GstPlayFlags: playbin converts no video itself. */
#define PLAY_FLAG_NATIVE_VIDEO (1 << 6)

/* What the appsink's callbacks reach the paintable through: cut when its
 * pipeline is let go, so that a pipeline still stopping on the state
 * thread shows no frame of its video in the next one's. */
typedef struct
{
  GMutex            lock;
  DailiesPaintable *paintable;   /* NULL once cut */
} SinkLink;

struct _DailiesPlayer
{
  GtkWidget         parent_instance;

  /* Template widgets */
  GtkOverlay       *overlay;
  GtkPicture       *picture;
  GtkWidget        *message_box;
  GtkSpinner       *spinner;
  GtkLabel         *message_label;
  GtkWidget        *controls;
  GtkButton        *play_button;
  GtkLabel         *position_label;
  GtkScale         *seek_scale;
  GtkAdjustment    *seek_adjustment;
  GtkLabel         *duration_label;
  GtkToggleButton  *loop_button;
  GtkToggleButton  *mute_button;
  GtkMenuButton    *volume_button;
  GtkAdjustment    *volume_adjustment;
  GtkLabel         *info_label;

  /* Owned */
  DailiesPaintable *paintable;
  GstElement       *pipeline;
  SinkLink         *sink_link;       /* the pipeline's appsink to the paintable */
  GBinding         *volume_binding;
  GBinding         *mute_binding;
  guint             bus_watch;
  guint             position_source;
  char             *uri;
  gboolean          local;           /* uri is a copy Dailies saved itself */
  char             *title;
  char             *error_text;
  guint             http_status;     /* of the last error from the link's host, else 0 */
  GstState          state;           /* the pipeline's, as last reported */
  GstState          target;          /* what the user asked for */
  gint64            pending_seek;    /* asked for before the pipeline was paused, else -1 */
  gint64            seek_target;     /* of the last seek until it is made, else -1 */
  guint             seek_begun;      /* the serial of the last seek begun, from the bus */
  gboolean          at_end;          /* an EOS came, and no seek flushed it since */
  gint64            last_position;   /* the last one the pipeline told */
  gint64            duration;
  double            fps;
  gboolean          buffering;
  gboolean          updating_scale;
};

G_DEFINE_FINAL_TYPE (DailiesPlayer, dailies_player, GTK_TYPE_WIDGET)

enum {
  LINK_REFUSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
format_time (gint64 ns)
{
  gint64 s = ns > 0 ? ns / GST_SECOND : 0;

  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (s / 3600), (int) ((s / 60) % 60), (int) (s % 60));

  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

static void
show_message (DailiesPlayer *self,
              const char    *text,
              gboolean       busy)
{
  gtk_widget_set_visible (self->message_box, text != NULL);
  gtk_label_set_label (self->message_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
update_play_button (DailiesPlayer *self)
{
  gboolean playing = self->target == GST_STATE_PLAYING;

  gtk_button_set_icon_name (self->play_button,
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               playing ? _("Pause (Space)") : _("Play (Space)"));
  /* A screen reader says what a press does, as the icon shows. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, playing ? _("Pause") : _("Play"),
                                  -1);
}

/* Where the video is, or will be once the last seek asked for is made:
 * what the scale shows, and where a relative seek or a step back counts
 * from (two presses of → before the first is made go 10 s). */
static gint64
intended_position (DailiesPlayer *self)
{
  return self->seek_target >= 0 ? self->seek_target : dailies_player_get_position (self);
}

static void
update_position (DailiesPlayer *self)
{
  g_autofree char *position_text = NULL;
  g_autofree char *duration_text = NULL;
  gint64 position = intended_position (self);

  if (self->duration <= 0 && self->pipeline != NULL)
    gst_element_query_duration (self->pipeline, GST_FORMAT_TIME, &self->duration);

  position_text = format_time (position);
  duration_text = format_time (self->duration);
  gtk_label_set_label (self->position_label, position_text);
  gtk_label_set_label (self->duration_label, duration_text);

  self->updating_scale = TRUE;
  gtk_adjustment_set_upper (self->seek_adjustment, MAX (1.0, (double) self->duration / GST_SECOND));
  gtk_adjustment_set_value (self->seek_adjustment, (double) position / GST_SECOND);
  self->updating_scale = FALSE;
}

static gboolean
position_tick_cb (gpointer user_data)
{
  update_position (DAILIES_PLAYER (user_data));

  return G_SOURCE_CONTINUE;
}

/* The position only moves while playing: no tick otherwise. */
static void
update_position_tick (DailiesPlayer *self)
{
  gboolean wanted = self->state == GST_STATE_PLAYING;

  if (wanted && self->position_source == 0)
    self->position_source = g_timeout_add (POSITION_TICK_MS, position_tick_cb, self);
  else if (!wanted)
    g_clear_handle_id (&self->position_source, g_source_remove);
}

/* The pipelines' state changes run on one thread, in the order they are
 * asked for: going to READY makes and probes elements (the audio sink
 * tries each output, loading its plugins). On the main thread they made
 * its longest stall while a task finished during an import (70-140 ms
 * with two busy cores). Their results come back as bus messages.
 *
 * Seeks and frame steps go the same way, in turn with the changes:
 * sending an event to a pipeline takes its state lock, which a change
 * waiting for an audio output or a silent host holds.
 *
 * A pipeline let go of goes to NULL on a thread of its own: NULL joins
 * the streaming threads, and one may wait for a host gone silent or for
 * a sound server that does not answer. Such a stop holds up neither the
 * window nor the next video. */
typedef struct
{
  GstElement *pipeline;
  GstState    state;         /* GST_STATE_VOID_PENDING for an event */
  GstEvent   *event;         /* a seek or a step to send, or NULL */
  guint       seek_serial;   /* of a seek: skipped once a later one is asked for */
  guint       era;
} StateChange;

/* Changes asked for and not yet made. */
static GMutex changes_lock;
static guint  changes_pending;

/* A pipeline's era: a change asked for in an earlier one is skipped (but
 * for NULL). It moves on when the player lets the pipeline go. */
static GQuark era_quark;

static guint
pipeline_get_era (GstElement *pipeline)
{
  return GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (pipeline), era_quark));
}

static void
pipeline_next_era (GstElement *pipeline)
{
  g_object_set_qdata (G_OBJECT (pipeline), era_quark, GUINT_TO_POINTER (pipeline_get_era (pipeline) + 1));
}

/* The pipeline's latest seek: dragging the position asks for many, and
 * those still queued behind a later one need not be made. */
static GQuark seek_serial_quark;

static guint
pipeline_get_seek_serial (GstElement *pipeline)
{
  return GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (pipeline), seek_serial_quark));
}

/* What the state thread tells of a seek, on the pipeline's bus: "begun"
 * before sending it (an ASYNC_DONE after that one is the seek's, or
 * later), "settled" when the pipeline had nothing to do for it (a stream
 * that cannot seek: no ASYNC_DONE comes). */
#define SEEK_MESSAGE "dailies-seek"

static void
post_seek_message (GstElement *pipeline,
                   guint       serial,
                   const char *what)
{
  gst_element_post_message (pipeline,
                            gst_message_new_application (GST_OBJECT (pipeline),
                                                         gst_structure_new (SEEK_MESSAGE,
                                                                            "serial", G_TYPE_UINT, serial,
                                                                            "what", G_TYPE_STRING, what,
                                                                            NULL)));
}

/* Takes the pipeline's state lock for @change: not for a change of a
 * pipeline let go of, without waiting for the lock, which its stop may
 * hold (and hang). Under the lock the era is looked at again, so that the
 * stop cannot come between the check and the change. */
static gboolean
lock_for_change (StateChange *change)
{
  if (change->state == GST_STATE_NULL)
    {
      GST_STATE_LOCK (change->pipeline);
      return TRUE;
    }

  if (change->era != pipeline_get_era (change->pipeline))
    return FALSE;
  if (!GST_STATE_TRYLOCK (change->pipeline))
    {
      /* Held by the stop, asked for once the era had moved on, or by
       * GStreamer's own work on the pipeline. */
      if (change->era != pipeline_get_era (change->pipeline))
        return FALSE;
      GST_STATE_LOCK (change->pipeline);
    }

  return TRUE;
}

static void
state_change_run (gpointer data,
                  gpointer user_data)
{
  StateChange *change = data;

  if (lock_for_change (change))
    {
      if (change->event != NULL)
        {
          if (change->era == pipeline_get_era (change->pipeline) &&
              (change->seek_serial == 0 || change->seek_serial == pipeline_get_seek_serial (change->pipeline)))
            {
              guint serial = change->seek_serial;

              if (serial != 0)
                post_seek_message (change->pipeline, serial, "begun");
              gst_element_send_event (change->pipeline, g_steal_pointer (&change->event));
              if (serial != 0 &&
                  gst_element_get_state (change->pipeline, NULL, NULL, 0) != GST_STATE_CHANGE_ASYNC)
                post_seek_message (change->pipeline, serial, "settled");
            }
        }
      else if (change->state == GST_STATE_NULL || change->era == pipeline_get_era (change->pipeline))
        {
          gst_element_set_state (change->pipeline, change->state);
        }
      GST_STATE_UNLOCK (change->pipeline);
    }
  g_clear_pointer (&change->event, gst_event_unref);
  gst_object_unref (change->pipeline);
  g_free (change);

  g_mutex_lock (&changes_lock);
  if (--changes_pending == 0)
    g_main_context_wakeup (NULL);
  g_mutex_unlock (&changes_lock);
}

static void
push_change (GThreadPool *pool,
             StateChange *change)
{
  change->era = pipeline_get_era (change->pipeline);

  g_mutex_lock (&changes_lock);
  changes_pending++;
  g_mutex_unlock (&changes_lock);
  g_thread_pool_push (pool, change, NULL);
}

static StateChange *
state_change_new (GstElement *pipeline,
                  GstState    state,
                  GstEvent   *event)
{
  StateChange *change = g_new0 (StateChange, 1);

  change->pipeline = gst_object_ref (pipeline);
  change->state = state;
  change->event = event;

  return change;
}

static void
push_in_turn (StateChange *change)
{
  static GThreadPool *pool;

  /* One thread of its own, so that each pipeline's changes keep their
   * order. It keeps the window's priority: the streaming threads it starts
   * come from GLib's shared pool, which a nicer thread would leave niced
   * (GLib tries to give a new pool thread the first pool's priority; a
   * user may not raise it, so GLib logs a critical, fatal in the tests,
   * and the thread stays niced). */
  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (state_change_run, NULL, 1, TRUE, NULL));

  push_change (pool, change);
}

static void
change_state_later (GstElement *pipeline,
                    GstState    state)
{
  push_in_turn (state_change_new (pipeline, state, NULL));
}

/* Takes @event, a step or a seek; a seek has a @seek_serial, above any
 * before it. */
static void
send_event_later (GstElement *pipeline,
                  GstEvent   *event,
                  guint       seek_serial)
{
  StateChange *change = state_change_new (pipeline, GST_STATE_VOID_PENDING, event);

  change->seek_serial = seek_serial;
  push_in_turn (change);
}

/* @pipeline, let go of, to NULL on a thread of GLib's shared pool: as
 * many at once as there are stops under way. */
static void
stop_later (GstElement *pipeline)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (state_change_run, NULL, -1, FALSE, NULL));

  push_change (pool, state_change_new (pipeline, GST_STATE_NULL, NULL));
}

/**
 * dailies_player_get_n_pending_changes:
 *
 * The state changes, seeks and steps asked for and not yet made, stops
 * included: the application's end waits for them (turning the main loop,
 * which the last one wakes), so that no stream still runs while the
 * libraries it uses go away.
 *
 * Returns: how many there are
 */
guint
dailies_player_get_n_pending_changes (void)
{
  guint n;

  g_mutex_lock (&changes_lock);
  n = changes_pending;
  g_mutex_unlock (&changes_lock);

  return n;
}

static void
apply_target_state (DailiesPlayer *self)
{
  if (self->pipeline == NULL)
    return;

  /* While buffering a stream, stay paused until the buffer is full; with
   * a seek waiting for the pipeline to be paused, until it is sent. */
  if ((self->buffering || self->pending_seek >= 0) && self->target == GST_STATE_PLAYING)
    change_state_later (self->pipeline, GST_STATE_PAUSED);
  else
    change_state_later (self->pipeline, self->target);

  update_play_button (self);
}

/* Words for a pipeline error: what happened and what to do next. */
static char *
describe_error (GError     *error,
                const char *debug)
{
  const char *hint;

  if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED) ||
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND) ||
      (debug != NULL && (strstr (debug, "403") != NULL || strstr (debug, "404") != NULL)))
    hint = _("The video link has expired or is no longer valid. Check Again asks the service whether it has a new one.");
  else if (error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_MISSING_PLUGIN)
    hint = _("A codec needed for this video is missing. Install the GStreamer codecs for H.264 and AAC (gstreamer1.0-libav).");
  else if (error->domain == GST_STREAM_ERROR &&
           (error->code == GST_STREAM_ERROR_CODEC_NOT_FOUND || error->code == GST_STREAM_ERROR_DECODE ||
            error->code == GST_STREAM_ERROR_TYPE_NOT_FOUND || error->code == GST_STREAM_ERROR_WRONG_TYPE))
    hint = _("This video cannot be decoded: a codec may be missing, or the file is not a video.");
  else if (error->domain == GST_RESOURCE_ERROR)
    hint = _("The video could not be fetched. Check the network connection and try again.");
  else
    hint = _("The video could not be played.");

  {
    g_autofree char *message = dailies_redact_text (error->message);
    return g_strdup_printf ("%s\n%s", hint, message);
  }
}

/* Writes @texture to @file as a PNG, through GIO so any writable GFile
 * will do, and replaces @file only once the whole image is written. */
static gboolean
save_texture (GdkTexture  *texture,
              GFile       *file,
              GError     **error)
{
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);

  return g_file_replace_contents (file, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                                  NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL, error);
}

/* Saves @texture, and tells the user (a toast in the window) when it
 * cannot be saved, not only the log. */
static gboolean
save_frame (DailiesPlayer  *self,
            GdkTexture     *texture,
            GFile          *file,
            GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  GtkWidget *overlay;

  if (save_texture (texture, file, &local_error))
    return TRUE;

  name = g_file_get_parse_name (file);
  g_message ("player: could not save the frame as %s: %s", name, local_error->message);

  /* Translators: %s is an error message, which names the file */
  text = g_strdup_printf (_("Could not save the frame: %s"), local_error->message);
  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    {
      AdwToast *toast = adw_toast_new (text);

      adw_toast_set_timeout (toast, 10);
      dailies_toast_guard_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static void
update_media_info (DailiesPlayer *self)
{
  g_autoptr(GString) info = g_string_new (NULL);
  GstElement *pipeline = self->pipeline;
  int n_video = 0, n_audio = 0;

  if (pipeline == NULL)
    return;

  g_object_get (pipeline, "n-video", &n_video, "n-audio", &n_audio, NULL);

  if (n_video > 0)
    {
      g_autoptr(GstTagList) tags = NULL;
      g_autoptr(GstPad) pad = NULL;
      g_autoptr(GstCaps) caps = NULL;
      g_autofree char *codec = NULL;
      guint bitrate = 0;

      g_signal_emit_by_name (pipeline, "get-video-tags", 0, &tags);
      g_signal_emit_by_name (pipeline, "get-video-pad", 0, &pad);
      if (tags != NULL)
        {
          gst_tag_list_get_string (tags, GST_TAG_VIDEO_CODEC, &codec);
          if (!gst_tag_list_get_uint (tags, GST_TAG_BITRATE, &bitrate))
            gst_tag_list_get_uint (tags, GST_TAG_NOMINAL_BITRATE, &bitrate);
        }
      if (pad != NULL)
        caps = gst_pad_get_current_caps (pad);
      /* Translators: the first line of the media information; %s is a codec
         name, such as “H.264 (High Profile)”, or “unknown codec” */
      g_string_append_printf (info, _("Video: %s"), codec != NULL ? codec : _("unknown codec"));
      if (caps != NULL)
        {
          GstStructure *s = gst_caps_get_structure (caps, 0);
          int width = 0, height = 0, fps_n = 0, fps_d = 1;

          gst_structure_get_int (s, "width", &width);
          gst_structure_get_int (s, "height", &height);
          gst_structure_get_fraction (s, "framerate", &fps_n, &fps_d);
          if (fps_d > 0 && fps_n > 0)
            self->fps = (double) fps_n / fps_d;
          g_string_append_c (info, '\n');
          /* Translators: a line of the media information: width × height in
             pixels, then frames per second, such as “1280 × 720, 24 fps” */
          g_string_append_printf (info, _("Size: %d × %d, %.3g fps"), width, height, self->fps);
        }
      if (bitrate > 0)
        {
          g_string_append_c (info, '\n');
          /* Translators: a line of the media information, in kilobits per second */
          g_string_append_printf (info, _("Bitrate: %u kbit/s"), bitrate / 1000);
        }
    }

  if (n_audio > 0)
    {
      g_autoptr(GstTagList) tags = NULL;
      g_autofree char *codec = NULL;

      g_signal_emit_by_name (pipeline, "get-audio-tags", 0, &tags);
      if (tags != NULL)
        gst_tag_list_get_string (tags, GST_TAG_AUDIO_CODEC, &codec);
      if (info->len > 0)
        g_string_append_c (info, '\n');
      /* Translators: a line of the media information; %s is a codec name,
         such as “MPEG-4 AAC”, or “unknown codec” */
      g_string_append_printf (info, _("Audio: %s"), codec != NULL ? codec : _("unknown codec"));
    }
  else if (n_video > 0)
    {
      g_string_append_c (info, '\n');
      /* Translators: a line of the media information */
      g_string_append (info, _("No audio"));
    }

  gtk_label_set_label (self->info_label, info->len > 0 ? info->str : _("No media information yet"));
}

static void destroy_pipeline (DailiesPlayer *self);

/* The last seek asked for is made. One that flushed the pipeline undid
 * any end of stream; one that changed nothing (a host that cannot seek)
 * leaves the video at its end, if it was there: it pauses (an EOS
 * ignored meanwhile, or Loop's seek back to the start, which changed
 * nothing either). */
static void
seek_made (DailiesPlayer *self,
           gboolean       flushed)
{
  self->seek_target = -1;
  if (self->at_end && !flushed)
    {
      self->target = GST_STATE_PAUSED;
      apply_target_state (self);
    }
  self->at_end = FALSE;
}

/* Within the video, short of its very end: a seek there leaves qtdemux
 * without a segment ("data flow before segment event"), and the next
 * Play logs a critical. */
static gint64
clamp_seek (DailiesPlayer *self,
            gint64         position_ns)
{
  /* Asked of the pipeline only once paused: while it loads, playbin
   * answers queries under the lock its loading holds. */
  gint64 duration = self->state >= GST_STATE_PAUSED ? dailies_player_get_duration (self) : self->duration;
  gint64 frame = self->fps > 0 ? (gint64) (GST_SECOND / self->fps) : 40 * GST_MSECOND;

  position_ns = MAX (0, position_ns);
  if (duration > 0)
    position_ns = MIN (position_ns, MAX (0, duration - frame));

  return position_ns;
}

/* A flushing seek, made on the state thread. A pipeline not yet paused
 * has nothing to seek in: the position waits until it is. */
static void
seek_later (DailiesPlayer *self,
            gint64         position_ns,
            GstSeekFlags   flags)
{
  guint serial;

  position_ns = clamp_seek (self, position_ns);
  /* Where the next relative seek counts from, and what the scale shows,
   * until the seek is made. */
  self->seek_target = position_ns;
  if (self->state < GST_STATE_PAUSED)
    {
      self->pending_seek = position_ns;
      return;
    }

  self->pending_seek = -1;
  serial = pipeline_get_seek_serial (self->pipeline) + 1;
  g_object_set_qdata (G_OBJECT (self->pipeline), seek_serial_quark, GUINT_TO_POINTER (serial));
  send_event_later (self->pipeline,
                    gst_event_new_seek (1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | flags,
                                        GST_SEEK_TYPE_SET, position_ns, GST_SEEK_TYPE_NONE, -1),
                    serial);
}

static gboolean
bus_message_cb (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  DailiesPlayer *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;
        const GstStructure *details = NULL;

        gst_message_parse_error (message, &error, &debug);
        gst_message_parse_error_details (message, &details);
        /* souphttpsrc says which HTTP status the host answered. */
        if (details == NULL || !gst_structure_get_uint (details, "http-status-code", &self->http_status))
          self->http_status = 0;
        {
          g_autofree char *safe_message = dailies_redact_text (error->message);
          g_autofree char *safe_debug = dailies_redact_text (debug);

          g_message ("player: %s (%s)", safe_message, safe_debug != NULL ? safe_debug : "");
        }
        g_free (self->error_text);
        self->error_text = describe_error (error, debug);
        show_message (self, self->error_text, FALSE);
        self->target = GST_STATE_NULL;
        /* Let go of at once, so that no message of the failed start
         * follows; Play makes a fresh pipeline. */
        destroy_pipeline (self);
        update_play_button (self);

        /* What a pre-signed link's host answers once it lapsed. */
        if (self->http_status == 403 || self->http_status == 404 ||
            self->http_status == 410)
          g_signal_emit (self, signals[LINK_REFUSED], 0, self->uri, self->http_status);
      }
      break;

    case GST_MESSAGE_EOS:
      self->at_end = TRUE;
      /* From before a seek still to be made: the seek goes on from there
       * (unless it changes nothing: seek_made). */
      if (self->seek_target >= 0)
        break;
      if (gtk_toggle_button_get_active (self->loop_button))
        seek_later (self, 0, GST_SEEK_FLAG_KEY_UNIT);
      else
        {
          self->target = GST_STATE_PAUSED;
          apply_target_state (self);
        }
      break;

    case GST_MESSAGE_BUFFERING:
      {
        int percent = 100;
        g_autofree char *text = NULL;

        gst_message_parse_buffering (message, &percent);
        self->buffering = percent < 100;
        if (self->buffering)
          {
            /* Translators: %d is a percentage */
            text = g_strdup_printf (_("Buffering… %d%%"), percent);
            show_message (self, text, TRUE);
          }
        else if (self->error_text == NULL)
          {
            show_message (self, NULL, FALSE);
          }
        apply_target_state (self);
      }
      break;

    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->pipeline))
        {
          GstState old_state, new_state, pending;

          gst_message_parse_state_changed (message, &old_state, &new_state, &pending);
          self->state = new_state;
          /* Settled after the last seek began, with no ASYNC_DONE for it:
           * a seek that changed nothing, sent as GStreamer finished a
           * change of its own (a flushing one posts ASYNC_DONE first). */
          if (pending == GST_STATE_VOID_PENDING && new_state >= GST_STATE_PAUSED &&
              self->seek_target >= 0 && self->pending_seek < 0 &&
              self->seek_begun == pipeline_get_seek_serial (self->pipeline))
            seek_made (self, FALSE);
          if (new_state >= GST_STATE_PAUSED && !self->buffering && self->error_text == NULL)
            show_message (self, NULL, FALSE);
          if (old_state == GST_STATE_READY && new_state == GST_STATE_PAUSED)
            update_media_info (self);
          if (new_state >= GST_STATE_PAUSED && self->pending_seek >= 0)
            {
              seek_later (self, self->pending_seek, GST_SEEK_FLAG_ACCURATE);
              /* Play, if asked for meanwhile, once the seek is under way. */
              apply_target_state (self);
            }
          update_position (self);
          update_position_tick (self);
        }
      break;

    case GST_MESSAGE_APPLICATION:
      {
        const GstStructure *structure = gst_message_get_structure (message);
        guint serial = 0;

        if (!gst_structure_has_name (structure, SEEK_MESSAGE) ||
            !gst_structure_get_uint (structure, "serial", &serial))
          break;
        if (g_strcmp0 (gst_structure_get_string (structure, "what"), "begun") == 0)
          self->seek_begun = serial;
        else if (self->seek_target >= 0 && serial == pipeline_get_seek_serial (self->pipeline) &&
                 self->pending_seek < 0)
          seek_made (self, FALSE);
        update_position (self);
      }
      break;

    case GST_MESSAGE_DURATION_CHANGED:
      self->duration = 0;
      update_position (self);
      break;

    case GST_MESSAGE_ASYNC_DONE:
      /* Posted after the last seek began: it is made. */
      if (self->seek_target >= 0 && self->pending_seek < 0 &&
          self->seek_begun == pipeline_get_seek_serial (self->pipeline))
        seek_made (self, TRUE);
      update_position (self);
      break;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

static void
sink_link_clear (SinkLink *link)
{
  g_clear_object (&link->paintable);
  g_mutex_clear (&link->lock);
}

static void
sink_link_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) sink_link_clear);
}

/* Main thread: no frame of this pipeline reaches the paintable any more. */
static void
sink_link_cut (SinkLink *link)
{
  g_mutex_lock (&link->lock);
  g_clear_object (&link->paintable);
  g_mutex_unlock (&link->lock);
}

static void
sink_link_push (SinkLink  *link,
                GstSample *sample)
{
  g_mutex_lock (&link->lock);
  if (link->paintable != NULL)
    dailies_paintable_push_sample (link->paintable, sample);
  g_mutex_unlock (&link->lock);
}

/* Streaming thread: hand the newest frame to the paintable, touch no GTK. */
static GstFlowReturn
new_sample_cb (GstAppSink *sink,
               gpointer    user_data)
{
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;

  sink_link_push (user_data, sample);

  return GST_FLOW_OK;
}

static GstFlowReturn
new_preroll_cb (GstAppSink *sink,
                gpointer    user_data)
{
  g_autoptr(GstSample) sample = gst_app_sink_pull_preroll (sink);

  if (sample != NULL)
    sink_link_push (user_data, sample);

  return GST_FLOW_OK;
}

static const char *
audio_sink_name (void)
{
  const char *name = g_getenv ("DAILIES_AUDIO_SINK");

  return name != NULL ? name : "autoaudiosink";
}

static GstElement *
make_audio_sink (void)
{
  GstElement *sink = gst_element_factory_make (audio_sink_name (), NULL);

  if (sink == NULL)
    sink = gst_element_factory_make ("fakesink", NULL);
  /* A fake sink must still keep time, or audio races ahead of the video. */
  if (sink != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "sync") != NULL)
    g_object_set (sink, "sync", TRUE, NULL);

  return sink;
}

/* Makes the element GStreamer would pick for @caps_text: loading its
 * plugin (gst-libav maps libavcodec and a dozen libraries) holds the
 * dynamic loader's lock, which the window then waited on when the first
 * video's streaming thread did it (50-70 ms asleep during an import, seen
 * with perf). Only made, never run: a decoder that ran keeps its threads'
 * memory for good (15-20 MB more at rest, measured). */
static void
make_best_element (GstElementFactoryListType  type,
                   const char                *caps_text)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string (caps_text);
  GList *all = gst_element_factory_list_get_elements (type, GST_RANK_MARGINAL);
  GList *fit = gst_element_factory_list_filter (all, caps, GST_PAD_SINK, FALSE);

  fit = g_list_sort (fit, gst_plugin_feature_rank_compare_func);
  if (fit != NULL)
    {
      GstElement *element = gst_element_factory_create (fit->data, NULL);

      if (element != NULL)
        gst_object_unref (gst_object_ref_sink (element));
    }
  gst_plugin_feature_list_free (fit);
  gst_plugin_feature_list_free (all);
}

static int warmed_up;   /* atomic */

/* Makes one of each of the elements the first video makes on the main
 * thread (the pipeline, its source), and of its largest ones (the demuxer
 * and decoders of what the service sends, H.264 and AAC in MP4), on a
 * thread of its own after start-up: the dynamic loader maps their plugins
 * and their classes are built there rather than in the window's time
 * (17 ms on a quiet machine, 1 ms once warm; a perf trace of a task
 * finishing during an import found it in a stall of the window). The
 * parsers, typefinders and audio chain still load with the first video.
 * Nicer than the window: it starts no work on GLib's shared pools. */
static gpointer
warm_up_thread (gpointer user_data)
{
  const char * const factories[] = {
    "playbin", "uridecodebin", "souphttpsrc", "videoconvert", "appsink", audio_sink_name (),
  };

  dailies_thread_lower_priority ("player");

  for (guint i = 0; i < G_N_ELEMENTS (factories); i++)
    {
      GstElement *element = gst_element_factory_make (factories[i], NULL);

      if (element != NULL)
        gst_object_unref (gst_object_ref_sink (element));
    }
  make_best_element (GST_ELEMENT_FACTORY_TYPE_DEMUXER, "video/quicktime");
  make_best_element (GST_ELEMENT_FACTORY_TYPE_DECODER,
                     "video/x-h264, stream-format=(string)avc, alignment=(string)au");
  make_best_element (GST_ELEMENT_FACTORY_TYPE_DECODER,
                     "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw");

  /* Done: whoever waits for it in the main loop looks again. */
  g_atomic_int_set (&warmed_up, TRUE);
  g_main_context_wakeup (NULL);

  return NULL;
}

/* Whether the warm-up has ended (for benchmarks: what a window does just
 * after start-up shares the machine with it). */
gboolean
dailies_player_is_warmed_up (void)
{
  return g_atomic_int_get (&warmed_up);
}

void
dailies_player_warm_up (void)
{
  static gsize started;

  if (g_once_init_enter (&started))
    {
      g_thread_unref (g_thread_new ("dailies-player-warm-up", warm_up_thread, NULL));
      g_once_init_leave (&started, 1);
    }
}

static gboolean
create_pipeline (DailiesPlayer *self)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string ("video/x-raw,format=BGRA");
  GstAppSinkCallbacks callbacks = { NULL, new_preroll_cb, new_sample_cb };
  GstElement *video_bin;
  GstElement *video_sink;
  g_autoptr(GstBus) bus = NULL;
  guint flags = 0;

  self->pipeline = gst_element_factory_make ("playbin", NULL);
  /* Our own conversion, without chroma resampling or dithering (invisible
   * for 8-bit video, and a third of the CPU); playbin then adds none. */
  video_bin = gst_parse_bin_from_description ("videoconvert chroma-mode=none dither=none ! appsink name=sink",
                                              TRUE, NULL);
  if (self->pipeline == NULL || video_bin == NULL)
    {
      gst_clear_object (&video_bin);
      gst_clear_object (&self->pipeline);
      return FALSE;
    }

  video_sink = gst_bin_get_by_name (GST_BIN (video_bin), "sink");
  g_object_set (video_sink,
                "caps", caps,
                "max-buffers", 2,
                "drop", TRUE,
                "sync", TRUE,
                "enable-last-sample", FALSE,
                NULL);
  self->sink_link = g_atomic_rc_box_new0 (SinkLink);
  g_mutex_init (&self->sink_link->lock);
  self->sink_link->paintable = g_object_ref (self->paintable);
  gst_app_sink_set_callbacks (GST_APP_SINK (video_sink), &callbacks,
                              g_atomic_rc_box_acquire (self->sink_link), sink_link_release);
  gst_object_unref (video_sink);

  g_object_get (self->pipeline, "flags", &flags, NULL);
  g_object_set (self->pipeline,
                "flags", flags | PLAY_FLAG_NATIVE_VIDEO,
                "video-sink", video_bin,
                "audio-sink", make_audio_sink (),
                NULL);
  self->volume_binding = g_object_bind_property (self->volume_adjustment, "value", self->pipeline, "volume",
                                                G_BINDING_SYNC_CREATE);
  self->mute_binding = g_object_bind_property (self->mute_button, "active", self->pipeline, "mute",
                                              G_BINDING_SYNC_CREATE);

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, bus_message_cb, self);

  return TRUE;
}

/* The pipeline goes to NULL off the main thread (stop_later), cut off
 * from the player first: no message, frame or property of it reaches the
 * player any more. Never here: NULL joins the streaming threads, and one
 * may be waiting for an answer this main loop serves (the demo's CDN) or
 * for a host gone silent; the window would hang with it. */
static void
destroy_pipeline (DailiesPlayer *self)
{
  g_autoptr(GstElement) pipeline = NULL;

  if (self->pipeline == NULL)
    return;

  pipeline = g_steal_pointer (&self->pipeline);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_pointer (&self->volume_binding, g_binding_unbind);
  g_clear_pointer (&self->mute_binding, g_binding_unbind);
  sink_link_cut (self->sink_link);
  g_clear_pointer (&self->sink_link, sink_link_release);
  self->state = GST_STATE_NULL;
  self->pending_seek = -1;
  self->seek_target = -1;
  self->seek_begun = 0;
  self->at_end = FALSE;
  self->last_position = 0;
  update_position_tick (self);

  /* A change asked for before and not yet made is skipped. */
  pipeline_next_era (pipeline);
  stop_later (pipeline);
}

/* Only links we can vouch for reach GStreamer: http(s) with a host from the
 * API; file:// only for a copy Dailies saved itself (set_local_file). */
static gboolean
uri_is_allowed (const char *uri,
                gboolean    local)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *scheme;

  if (parsed == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (parsed);
  if (local)
    return g_ascii_strcasecmp (scheme, "file") == 0;

  if (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    return g_uri_get_host (parsed) != NULL && *g_uri_get_host (parsed) != '\0';

  return FALSE;
}

static void load_uri (DailiesPlayer *self,
                      const char    *uri,
                      gboolean       local);

void
dailies_player_set_uri (DailiesPlayer *self,
                        const char    *uri)
{
  g_return_if_fail (DAILIES_IS_PLAYER (self));

  load_uri (self, uri, FALSE);
}

void
dailies_player_set_local_file (DailiesPlayer *self,
                               const char    *path)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (DAILIES_IS_PLAYER (self));

  if (path != NULL)
    uri = g_filename_to_uri (path, NULL, NULL);
  load_uri (self, uri, TRUE);
}

static void
load_uri (DailiesPlayer *self,
          const char    *uri,
          gboolean       local)
{

  /* The same link again: what plays goes on, and a failed one stays
   * failed until Play asks for it anew. */
  if (g_strcmp0 (uri, self->uri) == 0 && local == self->local &&
      (self->pipeline != NULL || self->error_text != NULL))
    return;

  destroy_pipeline (self);
  dailies_paintable_clear (self->paintable);
  g_clear_pointer (&self->error_text, g_free);
  self->http_status = 0;
  g_free (self->uri);
  self->uri = g_strdup (uri);
  self->local = local;
  self->duration = 0;
  self->fps = 0;
  self->buffering = FALSE;
  self->target = GST_STATE_NULL;
  show_message (self, NULL, FALSE);
  gtk_label_set_label (self->info_label, _("No media information yet"));

  if (uri == NULL)
    {
      update_position (self);
      update_play_button (self);
      return;
    }

  if (!uri_is_allowed (uri, local))
    {
      g_message ("player: refusing a link that is not http, https or a local copy");
      self->error_text = g_strdup (_("This video link is not a web address Dailies can play safely."));
      show_message (self, self->error_text, FALSE);
      return;
    }

  if (!create_pipeline (self))
    {
      self->error_text = g_strdup (_("GStreamer’s playbin or appsink is missing: install gstreamer1.0-plugins-base."));
      show_message (self, self->error_text, FALSE);
      return;
    }

  g_object_set (self->pipeline, "uri", uri, NULL);
  show_message (self, _("Loading…"), TRUE);
  self->target = GST_STATE_PAUSED;
  apply_target_state (self);
}

const char *
dailies_player_get_uri (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), NULL);

  return self->uri;
}

void
dailies_player_set_title (DailiesPlayer *self,
                          const char    *title)
{
  g_return_if_fail (DAILIES_IS_PLAYER (self));

  g_free (self->title);
  self->title = g_strdup (title);
}

void
dailies_player_play (DailiesPlayer *self)
{
  g_return_if_fail (DAILIES_IS_PLAYER (self));

  if (self->pipeline == NULL && self->uri != NULL && self->error_text != NULL)
    {
      /* Try again after an error: a fresh pipeline. */
      g_autofree char *uri = g_strdup (self->uri);

      g_clear_pointer (&self->uri, g_free);
      load_uri (self, uri, self->local);
    }
  if (self->pipeline == NULL)
    return;

  self->target = GST_STATE_PLAYING;
  apply_target_state (self);
}

void
dailies_player_pause (DailiesPlayer *self)
{
  g_return_if_fail (DAILIES_IS_PLAYER (self));

  if (self->pipeline == NULL)
    return;

  self->target = GST_STATE_PAUSED;
  apply_target_state (self);
}

void
dailies_player_stop (DailiesPlayer *self)
{
  g_return_if_fail (DAILIES_IS_PLAYER (self));

  destroy_pipeline (self);
  self->target = GST_STATE_NULL;
  update_play_button (self);
}

void
dailies_player_seek (DailiesPlayer *self,
                     gint64         position_ns)
{
  g_return_if_fail (DAILIES_IS_PLAYER (self));

  if (self->pipeline == NULL)
    return;

  seek_later (self, position_ns, GST_SEEK_FLAG_ACCURATE);
}

gint64
dailies_player_get_position (DailiesPlayer *self)
{
  gint64 position = 0;

  g_return_val_if_fail (DAILIES_IS_PLAYER (self), 0);

  if (self->pipeline == NULL)
    return 0;
  /* Not told in the middle of a flush: where it last was. */
  if (!gst_element_query_position (self->pipeline, GST_FORMAT_TIME, &position))
    return self->last_position;

  self->last_position = position;
  return position;
}

gint64
dailies_player_get_duration (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), 0);

  if (self->duration <= 0 && self->pipeline != NULL)
    gst_element_query_duration (self->pipeline, GST_FORMAT_TIME, &self->duration);

  return self->duration;
}

GstState
dailies_player_get_state (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), GST_STATE_NULL);

  return self->pipeline != NULL ? self->state : GST_STATE_NULL;
}

guint
dailies_player_get_http_status (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), 0);

  return self->http_status;
}

const char *
dailies_player_get_error_text (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), NULL);

  return self->error_text;
}

/* What the media information popover shows. */
char *
dailies_player_dup_media_info (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), NULL);

  return g_strdup (gtk_label_get_label (self->info_label));
}

gboolean
dailies_player_get_muted (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), FALSE);

  return gtk_toggle_button_get_active (self->mute_button);
}

/**
 * dailies_player_save_frame:
 *
 * Saves the frame on screen to @file as a PNG, as *Save Frame* does once a
 * file is chosen: a file that cannot be written is also shown in a toast.
 * Fails when no frame has been shown yet.
 */
gboolean
dailies_player_save_frame (DailiesPlayer  *self,
                           GFile          *file,
                           GError        **error)
{
  g_autoptr(GdkTexture) texture = NULL;

  g_return_val_if_fail (DAILIES_IS_PLAYER (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  texture = dailies_paintable_dup_texture (self->paintable);
  if (texture == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No frame has been shown yet"));
      return FALSE;
    }

  return save_frame (self, texture, file, error);
}

DailiesPaintable *
dailies_player_get_paintable (DailiesPlayer *self)
{
  g_return_val_if_fail (DAILIES_IS_PLAYER (self), NULL);

  return self->paintable;
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

static void
toggle_play_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DailiesPlayer *self = DAILIES_PLAYER (widget);

  if (self->target == GST_STATE_PLAYING)
    dailies_player_pause (self);
  else
    dailies_player_play (self);
}

static void
seek_relative_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DailiesPlayer *self = DAILIES_PLAYER (widget);
  gint64 delta = g_variant_get_int32 (parameter) * SEEK_STEP_NS / 5;

  dailies_player_seek (self, intended_position (self) + delta);
}

static void
frame_forward_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DailiesPlayer *self = DAILIES_PLAYER (widget);

  /* Not yet paused, it has no frame to step from: the step would be lost. */
  if (self->pipeline == NULL || self->state < GST_STATE_PAUSED)
    return;

  dailies_player_pause (self);
  send_event_later (self->pipeline, gst_event_new_step (GST_FORMAT_BUFFERS, 1, 1.0, TRUE, FALSE), 0);
}

static void
frame_back_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DailiesPlayer *self = DAILIES_PLAYER (widget);
  double fps = self->fps > 0 ? self->fps : 24.0;

  if (self->pipeline == NULL)
    return;

  /* Stepping backwards is an accurate seek to one frame earlier. */
  dailies_player_pause (self);
  dailies_player_seek (self, intended_position (self) - (gint64) (GST_SECOND / fps));
}

static void
toggle_mute_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DailiesPlayer *self = DAILIES_PLAYER (widget);

  gtk_toggle_button_set_active (self->mute_button, !gtk_toggle_button_get_active (self->mute_button));
}

static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (gtk_widget_get_root (widget));

  if (window == NULL)
    return;

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
save_frame_response_cb (GtkNativeDialog *dialog,
                        int              response,
                        DailiesPlayer   *self)
{
  GdkTexture *texture = g_object_get_data (G_OBJECT (dialog), "texture");
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    save_frame (self, texture, file, NULL);

  g_object_unref (dialog);
}

static void
save_frame_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DailiesPlayer *self = DAILIES_PLAYER (widget);
  g_autoptr(GdkTexture) texture = dailies_paintable_dup_texture (self->paintable);
  g_autofree char *name = NULL;
  g_autofree char *position = NULL;
  GtkFileChooserNative *dialog;

  if (texture == NULL)
    return;

  dailies_player_pause (self);
  position = format_time (dailies_player_get_position (self));
  g_strdelimit (position, ":", '-');
  name = g_strdup_printf ("%s-%s.png", self->title != NULL ? self->title : "frame", position);

  dialog = gtk_file_chooser_native_new (_("Save Frame"), GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data_full (G_OBJECT (dialog), "texture", g_steal_pointer (&texture), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (save_frame_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
seek_value_changed_cb (DailiesPlayer *self)
{
  if (self->updating_scale)
    return;

  dailies_player_seek (self, (gint64) (gtk_adjustment_get_value (self->seek_adjustment) * GST_SECOND));
}

/* The volume button's icon shows the sound as it is: muted, or the level.
 * A screen reader hears "Muted" with the button's name, as M gives no
 * other sign. */
static void
update_volume_icon (DailiesPlayer *self)
{
  double volume = gtk_adjustment_get_value (self->volume_adjustment);
  gboolean muted = gtk_toggle_button_get_active (self->mute_button) || volume <= 0.0;
  const char *icon;

  if (muted)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->volume_button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("Muted"), -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->volume_button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);

  if (muted)
    icon = "audio-volume-muted-symbolic";
  else if (volume < 0.34)
    icon = "audio-volume-low-symbolic";
  else if (volume < 0.67)
    icon = "audio-volume-medium-symbolic";
  else
    icon = "audio-volume-high-symbolic";

  gtk_menu_button_set_icon_name (self->volume_button, icon);
}

static void
dailies_player_unmap (GtkWidget *widget)
{
  /* Out of sight, nothing plays. */
  dailies_player_pause (DAILIES_PLAYER (widget));

  GTK_WIDGET_CLASS (dailies_player_parent_class)->unmap (widget);
}

static void
dailies_player_dispose (GObject *object)
{
  DailiesPlayer *self = (DailiesPlayer *)object;

  destroy_pipeline (self);
  g_clear_handle_id (&self->position_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), DAILIES_TYPE_PLAYER);
  g_clear_object (&self->paintable);

  G_OBJECT_CLASS (dailies_player_parent_class)->dispose (object);
}

static void
dailies_player_finalize (GObject *object)
{
  DailiesPlayer *self = (DailiesPlayer *)object;

  g_clear_pointer (&self->uri, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->error_text, g_free);

  G_OBJECT_CLASS (dailies_player_parent_class)->finalize (object);
}

static void
dailies_player_class_init (DailiesPlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dailies_player_dispose;
  object_class->finalize = dailies_player_finalize;
  widget_class->unmap = dailies_player_unmap;

  era_quark = g_quark_from_static_string ("dailies-player-era");
  seek_serial_quark = g_quark_from_static_string ("dailies-player-seek-serial");

  /**
   * DailiesPlayer::link-refused:
   * @uri: the link played
   * @http_status: 403, 404 or 410
   *
   * The host of the link played answered that it has no such video for
   * it: a lapsed pre-signed link.
   */
  signals[LINK_REFUSED] =
    g_signal_new ("link-refused",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);

  gtk_widget_class_install_action (widget_class, "player.toggle-play", NULL, toggle_play_action);
  gtk_widget_class_install_action (widget_class, "player.seek", "i", seek_relative_action);
  gtk_widget_class_install_action (widget_class, "player.frame-forward", NULL, frame_forward_action);
  gtk_widget_class_install_action (widget_class, "player.frame-back", NULL, frame_back_action);
  gtk_widget_class_install_action (widget_class, "player.toggle-mute", NULL, toggle_mute_action);
  gtk_widget_class_install_action (widget_class, "player.fullscreen", NULL, fullscreen_action);
  gtk_widget_class_install_action (widget_class, "player.save-frame", NULL, save_frame_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "player.toggle-play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "player.seek", "i", -5);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "player.seek", "i", 5);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, 0, "player.frame-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, 0, "player.frame-forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "player.fullscreen", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0, "player.toggle-mute", NULL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/dailies/Dailies/dailies-player.ui");
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, overlay);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, picture);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, message_box);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, spinner);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, message_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, controls);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, play_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, position_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, seek_scale);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, seek_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, duration_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, loop_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, mute_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, volume_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, volume_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DailiesPlayer, info_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dailies-player");
}

static void
picture_pressed_cb (DailiesPlayer *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
dailies_player_init (DailiesPlayer *self)
{
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->pending_seek = -1;
  self->seek_target = -1;
  self->paintable = dailies_paintable_new ();
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->paintable));

  /* A click on the video puts the focus in the player, whose keys
   * (Space, the arrows) then act on it, as in any video player. */
  click = gtk_gesture_click_new ();
  g_signal_connect_object (click, "pressed", G_CALLBACK (picture_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->picture), GTK_EVENT_CONTROLLER (click));

  g_signal_connect_object (self->seek_adjustment, "value-changed",
                           G_CALLBACK (seek_value_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->mute_button, "toggled",
                           G_CALLBACK (update_volume_icon), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->volume_adjustment, "value-changed",
                           G_CALLBACK (update_volume_icon), self, G_CONNECT_SWAPPED);
}

GtkWidget *
dailies_player_new (void)
{
  return g_object_new (DAILIES_TYPE_PLAYER, NULL);
}
