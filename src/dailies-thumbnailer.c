/* dailies-thumbnailer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "dailies-thumbnailer.h"

/* A request goes through two steps, each in a GTask thread:
 *   1. lookup: stat the video, compute the cache key, look for the PNG.
 *      Cheap, never waits, so cache hits come back at once.
 *   2. make: run a GStreamer pipeline for the first frame and write the PNG.
 *      At most DAILIES_THUMBNAILER_MAX_RUNNING at once; the rest wait in
 *      @waiting, which only the thread that called get_async() touches. */
struct _DailiesThumbnailer
{
  GObject  parent_instance;

  char    *cache_dir;
  GQueue   waiting;    /* owned GTask of requests that missed the cache, oldest first */
  guint    n_running;
};

G_DEFINE_FINAL_TYPE (DailiesThumbnailer, dailies_thumbnailer, G_TYPE_OBJECT)

G_DEFINE_QUARK (dailies-thumbnailer-error-quark, dailies_thumbnailer_error)

typedef struct
{
  GFile *video;
  char  *cache_dir;
  char  *png_path;   /* set by the lookup step */
  guint  max_size;
} Request;

static void pump_queue (DailiesThumbnailer *self);

static void
request_free (gpointer data)
{
  Request *request = data;

  g_clear_object (&request->video);
  g_clear_pointer (&request->cache_dir, g_free);
  g_clear_pointer (&request->png_path, g_free);
  g_free (request);
}

static char *
describe_file (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    return g_filename_display_basename (path);

  return g_file_get_parse_name (file);
}

/* Step 1, in a thread. Returns TRUE on a cache hit. */
static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Request *request = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *identity = NULL;
  g_autofree char *key = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *png_name = NULL;

  g_assert (G_IS_TASK (task));
  g_assert (request != NULL);

  info = g_file_query_info (request->video,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_TIME_MODIFIED ","
                            G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
                            G_FILE_QUERY_INFO_NONE,
                            cancellable,
                            &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_autofree char *name = describe_file (request->video);

      g_task_return_new_error (task,
                               DAILIES_THUMBNAILER_ERROR,
                               DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,
                               _("“%s” is not a video file"),
                               name);
      return;
    }

  /* A changed file (new size or mtime) gets a new key, so stale
   * thumbnails are never shown; old ones are left for the cache cleaner. */
  identity = g_file_get_path (request->video);
  if (identity == NULL)
    identity = g_file_get_uri (request->video);

  key = g_strdup_printf ("%s\n%" G_GUINT64_FORMAT "\n%" G_GUINT64_FORMAT ".%06u\n%u",
                         identity,
                         g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_STANDARD_SIZE),
                         g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED),
                         g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC),
                         request->max_size);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  png_name = g_strconcat (hash, ".png", NULL);
  request->png_path = g_build_filename (request->cache_dir, png_name, NULL);

  g_task_return_boolean (task, g_file_test (request->png_path, G_FILE_TEST_IS_REGULAR));
}

static void
fit_size (int   width,
          int   height,
          guint max_size,
          int  *out_width,
          int  *out_height)
{
  double scale;

  g_assert (width > 0 && height > 0 && max_size > 0);

  /* Thumbnails are never scaled up. */
  scale = MIN (1.0, (double) max_size / MAX (width, height));
  *out_width = CLAMP ((int) (width * scale + 0.5), 1, (int) max_size);
  *out_height = CLAMP ((int) (height * scale + 0.5), 1, (int) max_size);
}

static GError *
error_from_message (GstMessage *message,
                    GFile      *video)
{
  g_autoptr(GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  g_autofree char *name = describe_file (video);

  gst_message_parse_error (message, &gst_error, &debug);
  g_debug ("thumbnailer: %s: %s (%s)", name, gst_error->message, debug ? debug : "");

  return g_error_new (DAILIES_THUMBNAILER_ERROR,
                      DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,
                      _("“%s” could not be read as a video: %s"),
                      name, gst_error->message);
}

#define NO_VIDEO_MESSAGE "dailies-thumbnailer-no-video"

static gboolean
pad_is_video (GstPad *pad)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  GstStructure *structure;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return FALSE;

  structure = gst_caps_get_structure (caps, 0);
  return g_str_has_prefix (gst_structure_get_name (structure), "video/");
}

/* Streaming thread. */
static void
decode_pad_added_cb (GstElement *decode,
                     GstPad     *pad,
                     GstElement *convert)
{
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad (convert, "sink");

  g_assert (GST_IS_ELEMENT (decode));
  g_assert (GST_IS_ELEMENT (convert));

  if (gst_pad_is_linked (sink_pad) || !pad_is_video (pad))
    return;

  if (GST_PAD_LINK_FAILED (gst_pad_link (pad, sink_pad)))
    g_debug ("thumbnailer: could not link %s:%s", GST_DEBUG_PAD_NAME (pad));
}

/* Streaming thread. Without a linked video pad the pipeline would never
 * preroll: say so on the bus instead of waiting for the timeout. */
static void
decode_no_more_pads_cb (GstElement *decode,
                        GstElement *convert)
{
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad (convert, "sink");

  g_assert (GST_IS_ELEMENT (decode));

  if (!gst_pad_is_linked (sink_pad))
    gst_element_post_message (decode,
                              gst_message_new_application (GST_OBJECT (decode),
                                                           gst_structure_new_empty (NO_VIDEO_MESSAGE)));
}

/* Runs the pipeline up to its first frame and returns that frame. The
 * pipeline is back in NULL whatever happens. */
static GstSample *
pull_first_frame (GFile         *video,
                  gint64         deadline,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) decode = NULL;
  g_autoptr(GstElement) convert = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *uri = NULL;
  GstSample *sample = NULL;
  GError *result_error = NULL;
  gboolean prerolled = FALSE;

  g_assert (G_IS_FILE (video));

  /* uridecodebin is linked by hand in decode_pad_added_cb: only its first
   * video pad. Audio and subtitle pads stay unlinked, which demuxers
   * tolerate. */
  pipeline = gst_parse_launch_full ("uridecodebin name=decode "
                                    "videoconvert name=convert "
                                    "! appsink name=sink sync=false max-buffers=1 caps=video/x-raw",
                                    NULL,
                                    GST_PARSE_FLAG_FATAL_ERRORS,
                                    &local_error);
  if (pipeline == NULL)
    {
      g_set_error (error,
                   DAILIES_THUMBNAILER_ERROR,
                   DAILIES_THUMBNAILER_ERROR_FAILED,
                   _("Cannot make thumbnails: %s"),
                   local_error->message);
      return NULL;
    }
  gst_object_ref_sink (pipeline);

  decode = gst_bin_get_by_name (GST_BIN (pipeline), "decode");
  convert = gst_bin_get_by_name (GST_BIN (pipeline), "convert");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert (decode != NULL && convert != NULL && sink != NULL);

  uri = g_file_get_uri (video);
  g_object_set (decode, "uri", uri, NULL);
  g_signal_connect (decode, "pad-added", G_CALLBACK (decode_pad_added_cb), convert);
  g_signal_connect (decode, "no-more-pads", G_CALLBACK (decode_no_more_pads_cb), convert);

  bus = gst_element_get_bus (pipeline);

  if (gst_element_set_state (pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

      if (message != NULL)
        result_error = error_from_message (message, video);
      else
        {
          g_autofree char *name = describe_file (video);

          result_error = g_error_new (DAILIES_THUMBNAILER_ERROR,
                                      DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,
                                      _("“%s” could not be read as a video"),
                                      name);
        }
    }

  while (result_error == NULL && !prerolled)
    {
      g_autoptr(GstMessage) message = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, &result_error))
        break;

      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *name = describe_file (video);

          result_error = g_error_new (DAILIES_THUMBNAILER_ERROR,
                                      DAILIES_THUMBNAILER_ERROR_TIMEOUT,
                                      _("“%s” did not show a first frame within %d seconds"),
                                      name, DAILIES_THUMBNAILER_TIMEOUT_S);
          break;
        }

      /* Short slices so that cancellation is noticed quickly. */
      message = gst_bus_timed_pop_filtered (bus,
                                            100 * GST_MSECOND,
                                            GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE |
                                            GST_MESSAGE_EOS | GST_MESSAGE_APPLICATION);
      if (message == NULL)
        continue;

      if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
        result_error = error_from_message (message, video);
      else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_APPLICATION)
        {
          if (gst_message_has_name (message, NO_VIDEO_MESSAGE))
            {
              g_autofree char *name = describe_file (video);

              result_error = g_error_new (DAILIES_THUMBNAILER_ERROR,
                                          DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,
                                          _("“%s” has no video stream"),
                                          name);
            }
        }
      else
        prerolled = TRUE;
    }

  if (prerolled)
    {
      /* NULL when the stream ended before any video frame (an audio-only
       * or empty file). */
      sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (sink), 0);
      if (sample == NULL)
        {
          g_autofree char *name = describe_file (video);

          result_error = g_error_new (DAILIES_THUMBNAILER_ERROR,
                                      DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,
                                      _("“%s” has no video frame"),
                                      name);
        }
    }
  else if (result_error == NULL)
    {
      g_autofree char *name = describe_file (video);

      result_error = g_error_new (DAILIES_THUMBNAILER_ERROR,
                                  DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,
                                  _("“%s” could not be read as a video"),
                                  name);
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);

  if (result_error != NULL)
    {
      g_clear_pointer (&sample, gst_sample_unref);
      g_propagate_error (error, result_error);
      return NULL;
    }

  return sample;
}

static GBytes *
encode_png (GstSample     *frame,
            guint          max_size,
            gint64         deadline,
            GError       **error)
{
  g_autoptr(GstCaps) png_caps = NULL;
  g_autoptr(GstSample) png = NULL;
  g_autoptr(GError) local_error = NULL;
  GstVideoInfo info;
  GstBuffer *buffer;
  GstMapInfo map;
  GBytes *bytes;
  int display_width;
  int width;
  int height;

  g_assert (frame != NULL);

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (frame)) ||
      GST_VIDEO_INFO_WIDTH (&info) <= 0 ||
      GST_VIDEO_INFO_HEIGHT (&info) <= 0)
    {
      g_set_error_literal (error,
                           DAILIES_THUMBNAILER_ERROR,
                           DAILIES_THUMBNAILER_ERROR_NOT_VIDEO,
                           _("The video frame has no usable size"));
      return NULL;
    }

  /* Anamorphic video: the thumbnail shows the display aspect ratio. */
  display_width = GST_VIDEO_INFO_WIDTH (&info);
  if (GST_VIDEO_INFO_PAR_N (&info) > 0 && GST_VIDEO_INFO_PAR_D (&info) > 0)
    display_width = (int) gst_util_uint64_scale_int_round (display_width,
                                                           GST_VIDEO_INFO_PAR_N (&info),
                                                           GST_VIDEO_INFO_PAR_D (&info));
  fit_size (MAX (display_width, 1), GST_VIDEO_INFO_HEIGHT (&info), max_size, &width, &height);

  png_caps = gst_caps_new_simple ("image/png",
                                  "width", G_TYPE_INT, width,
                                  "height", G_TYPE_INT, height,
                                  "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
                                  NULL);
  png = gst_video_convert_sample (frame,
                                  png_caps,
                                  MAX (deadline - g_get_monotonic_time (), G_USEC_PER_SEC) * GST_USECOND,
                                  &local_error);
  if (png == NULL || gst_sample_get_buffer (png) == NULL)
    {
      g_set_error (error,
                   DAILIES_THUMBNAILER_ERROR,
                   DAILIES_THUMBNAILER_ERROR_FAILED,
                   _("The first frame could not be encoded as PNG: %s"),
                   local_error ? local_error->message : _("no image"));
      return NULL;
    }

  buffer = gst_sample_get_buffer (png);
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      g_set_error_literal (error,
                           DAILIES_THUMBNAILER_ERROR,
                           DAILIES_THUMBNAILER_ERROR_FAILED,
                           _("The encoded thumbnail could not be read"));
      return NULL;
    }
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);

  return bytes;
}

/* Step 2, in a thread, at most DAILIES_THUMBNAILER_MAX_RUNNING at once. */
static void
make_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Request *request = task_data;
  g_autoptr(GstSample) frame = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  gint64 deadline = started + DAILIES_THUMBNAILER_TIMEOUT_S * G_USEC_PER_SEC;

  g_assert (G_IS_TASK (task));
  g_assert (request != NULL && request->png_path != NULL);

  /* An earlier request for the same video may have made it meanwhile. */
  if (g_file_test (request->png_path, G_FILE_TEST_IS_REGULAR))
    {
      g_task_return_pointer (task, g_strdup (request->png_path), g_free);
      return;
    }

  frame = pull_first_frame (request->video, deadline, cancellable, &error);
  if (frame != NULL)
    png = encode_png (frame, request->max_size, deadline, &error);

  if (png == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_mkdir_with_parents (request->cache_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task,
                               DAILIES_THUMBNAILER_ERROR,
                               DAILIES_THUMBNAILER_ERROR_FAILED,
                               _("Cannot create the thumbnail folder: %s"),
                               g_strerror (saved_errno));
      return;
    }

  /* A temporary file renamed into place: readers never see half a PNG. */
  if (!g_file_set_contents_full (request->png_path,
                                 g_bytes_get_data (png, NULL),
                                 g_bytes_get_size (png),
                                 G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600,
                                 &error))
    {
      g_task_return_new_error (task,
                               DAILIES_THUMBNAILER_ERROR,
                               DAILIES_THUMBNAILER_ERROR_FAILED,
                               _("Cannot write the thumbnail: %s"),
                               error->message);
      return;
    }

  g_debug ("thumbnailer: made %s in %" G_GINT64_FORMAT " ms",
           request->png_path, (g_get_monotonic_time () - started) / 1000);

  g_task_return_pointer (task, g_strdup (request->png_path), g_free);
}

static void
make_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  DailiesThumbnailer *self;
  char *path;

  g_assert (G_IS_TASK (task));

  self = g_task_get_source_object (task);
  g_assert (DAILIES_IS_THUMBNAILER (self));
  g_assert (self->n_running > 0);

  self->n_running--;

  path = g_task_propagate_pointer (G_TASK (result), &error);
  if (path == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, path, g_free);

  pump_queue (self);
}

static void
pump_queue (DailiesThumbnailer *self)
{
  g_assert (DAILIES_IS_THUMBNAILER (self));

  while (self->n_running < DAILIES_THUMBNAILER_MAX_RUNNING)
    {
      g_autoptr(GTask) task = g_queue_pop_head (&self->waiting);
      g_autoptr(GTask) make = NULL;

      if (task == NULL)
        break;

      /* Cancelled while waiting: answer without taking a slot. */
      if (g_task_return_error_if_cancelled (task))
        continue;

      self->n_running++;
      make = g_task_new (NULL, g_task_get_cancellable (task), make_cb, g_object_ref (task));
      g_task_set_source_tag (make, make_thread);
      g_task_set_task_data (make, g_task_get_task_data (task), NULL);
      g_task_run_in_thread (make, make_thread);
    }
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  DailiesThumbnailer *self;
  Request *request;
  gboolean hit;

  g_assert (G_IS_TASK (task));

  self = g_task_get_source_object (task);
  g_assert (DAILIES_IS_THUMBNAILER (self));

  request = g_task_get_task_data (task);
  hit = g_task_propagate_boolean (G_TASK (result), &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (hit)
    g_task_return_pointer (task, g_strdup (request->png_path), g_free);
  else
    {
      g_queue_push_tail (&self->waiting, g_steal_pointer (&task));
      pump_queue (self);
    }
}

void
dailies_thumbnailer_get_async (DailiesThumbnailer  *self,
                               GFile               *video,
                               guint                max_size,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) lookup = NULL;
  Request *request;

  g_return_if_fail (DAILIES_IS_THUMBNAILER (self));
  g_return_if_fail (G_IS_FILE (video));
  g_return_if_fail (max_size > 0);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  request = g_new0 (Request, 1);
  request->video = g_object_ref (video);
  request->cache_dir = g_strdup (self->cache_dir);
  request->max_size = max_size;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_thumbnailer_get_async);
  g_task_set_task_data (task, request, request_free);

  /* The inner tasks borrow the request, which the outer task owns. They
   * have no source object: a worker thread may drop the last reference on
   * an inner task, and that must not be the last one on @self. */
  lookup = g_task_new (NULL, cancellable, lookup_cb, g_object_ref (task));
  g_task_set_source_tag (lookup, lookup_thread);
  g_task_set_task_data (lookup, request, NULL);
  g_task_run_in_thread (lookup, lookup_thread);
}

char *
dailies_thumbnailer_get_finish (DailiesThumbnailer  *self,
                                GAsyncResult        *result,
                                GError             **error)
{
  g_return_val_if_fail (DAILIES_IS_THUMBNAILER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_thumbnailer_get_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
dailies_thumbnailer_get_cache_dir (DailiesThumbnailer *self)
{
  g_return_val_if_fail (DAILIES_IS_THUMBNAILER (self), NULL);

  return self->cache_dir;
}

DailiesThumbnailer *
dailies_thumbnailer_new (const char *cache_dir)
{
  DailiesThumbnailer *self;

  g_return_val_if_fail (cache_dir != NULL && *cache_dir != '\0', NULL);

  self = g_object_new (DAILIES_TYPE_THUMBNAILER, NULL);
  self->cache_dir = g_strdup (cache_dir);

  return self;
}

static void
dailies_thumbnailer_finalize (GObject *object)
{
  DailiesThumbnailer *self = DAILIES_THUMBNAILER (object);

  /* Every waiting or running request holds a reference on us. */
  g_assert (g_queue_is_empty (&self->waiting));
  g_assert (self->n_running == 0);

  g_clear_pointer (&self->cache_dir, g_free);

  G_OBJECT_CLASS (dailies_thumbnailer_parent_class)->finalize (object);
}

static void
dailies_thumbnailer_class_init (DailiesThumbnailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dailies_thumbnailer_finalize;

  /* Idempotent; the application may have initialised GStreamer already. */
  gst_init (NULL, NULL);
}

static void
dailies_thumbnailer_init (DailiesThumbnailer *self)
{
  g_queue_init (&self->waiting);
}
