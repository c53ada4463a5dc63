/* test-thumbnailer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <utime.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "dailies-test-utils.h"
#include "dailies-thumbnailer.h"

#define WAIT_MS 30000

typedef struct
{
  char               *dir;
  char               *cache_dir;
  DailiesThumbnailer *thumbnailer;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->dir = dailies_test_make_temp_dir ();
  fixture->cache_dir = g_build_filename (fixture->dir, "cache", "thumbnails", NULL);
  fixture->thumbnailer = dailies_thumbnailer_new (fixture->cache_dir);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  /* Every request has answered, so nothing may still hold the thumbnailer
   * (worker threads included). */
  g_assert_finalize_object (g_steal_pointer (&fixture->thumbnailer));

  dailies_test_rm_rf (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->cache_dir, g_free);
}

static char *
demo_clip_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "src", "dailies-demo.mp4", NULL);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static char *
get_thumbnail (DailiesThumbnailer  *thumbnailer,
               const char          *video_path,
               guint                max_size,
               GError             **error)
{
  g_autoptr(GFile) video = g_file_new_for_path (video_path);
  g_autoptr(GAsyncResult) result = NULL;

  dailies_thumbnailer_get_async (thumbnailer, video, max_size, NULL, store_result_cb, &result);
  g_assert_true (dailies_test_wait_for_pointer ((gpointer *) &result, WAIT_MS));

  return dailies_thumbnailer_get_finish (thumbnailer, result, error);
}

/* Checks the PNG signature and reads the IHDR size (big-endian at 16 and 20). */
static void
read_png_size (const char *path,
               guint      *width,
               guint      *height)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = NULL;
  gsize length = 0;

  g_file_get_contents (path, (char **) &data, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 24);
  g_assert_cmpmem (data, sizeof signature, signature, sizeof signature);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);

  *width = (guint) data[16] << 24 | (guint) data[17] << 16 | (guint) data[18] << 8 | data[19];
  *height = (guint) data[20] << 24 | (guint) data[21] << 16 | (guint) data[22] << 8 | data[23];
}

static guint
count_files (const char *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) destination = g_file_new_for_path (to);
  g_autoptr(GError) error = NULL;

  g_file_copy (source, destination, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
set_mtime (const char *path,
           gint64      seconds)
{
  struct utimbuf times = { .actime = seconds, .modtime = seconds };

  g_assert_cmpint (g_utime (path, &times), ==, 0);
}

static gint64
get_mtime (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mtime;
}

/* Runs @description, whose last element is "filesink name=out", to its
 * end; or returns FALSE when this machine lacks one of @needed. */
static gboolean
make_clip (const char         *description,
           const char * const *needed,
           const char         *path,
           char              **skip_reason)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; needed[i] != NULL; i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (needed[i]);

      if (factory == NULL)
        {
          *skip_reason = g_strdup_printf ("GStreamer element %s is not installed", needed[i]);
          return FALSE;
        }
    }

  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  gst_object_ref_sink (pipeline);

  sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_object_set (sink, "location", path, NULL);

  bus = gst_element_get_bus (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  message = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_EOS);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  return TRUE;
}

/* A 180×320 (portrait) H.264 MP4. */
static gboolean
make_portrait_clip (const char  *path,
                    char       **skip_reason)
{
  static const char * const needed[] = { "videotestsrc", "x264enc", "mp4mux", "filesink", NULL };

  return make_clip ("videotestsrc num-buffers=10 "
                    "! video/x-raw,format=I420,width=180,height=320,framerate=10/1 "
                    "! x264enc speed-preset=ultrafast "
                    "! mp4mux ! filesink name=out",
                    needed, path, skip_reason);
}

/* An AAC MP4 without any video. */
static gboolean
make_audio_clip (const char  *path,
                 char       **skip_reason)
{
  static const char * const needed[] = { "audiotestsrc", "audioconvert", "avenc_aac", "mp4mux", "filesink", NULL };

  return make_clip ("audiotestsrc num-buffers=20 "
                    "! audioconvert ! avenc_aac "
                    "! mp4mux ! filesink name=out",
                    needed, path, skip_reason);
}

static void
test_landscape (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *clip = demo_clip_path ();
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;
  g_autofree char *dir = NULL;
  guint width = 0;
  guint height = 0;

  png = get_thumbnail (fixture->thumbnailer, clip, 128, &error);
  g_assert_no_error (error);
  g_assert_nonnull (png);
  g_assert_true (g_str_has_suffix (png, ".png"));
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));

  /* In the cache, and no temporary file left beside it. */
  dir = g_path_get_dirname (png);
  g_assert_cmpstr (dir, ==, fixture->cache_dir);
  g_assert_cmpuint (count_files (fixture->cache_dir), ==, 1);

  /* 640×360 into 128: 128×72. */
  read_png_size (png, &width, &height);
  g_assert_cmpuint (width, ==, 128);
  g_assert_cmpuint (height, ==, 72);
}

static void
test_portrait (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *clip = g_build_filename (fixture->dir, "portrait.mp4", NULL);
  g_autofree char *skip_reason = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *small = NULL;
  g_autofree char *large = NULL;
  guint width = 0;
  guint height = 0;

  if (!make_portrait_clip (clip, &skip_reason))
    {
      g_test_skip (skip_reason);
      return;
    }

  /* 180×320 into 64: 36×64. */
  small = get_thumbnail (fixture->thumbnailer, clip, 64, &error);
  g_assert_no_error (error);
  read_png_size (small, &width, &height);
  g_assert_cmpuint (width, ==, 36);
  g_assert_cmpuint (height, ==, 64);

  /* A box larger than the video: never scaled up. */
  large = get_thumbnail (fixture->thumbnailer, clip, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (large, !=, small);
  read_png_size (large, &width, &height);
  g_assert_cmpuint (width, ==, 180);
  g_assert_cmpuint (height, ==, 320);
}

static void
test_cache_hit (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *demo = demo_clip_path ();
  g_autofree char *clip = g_build_filename (fixture->dir, "TASK.mp4", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *other_size = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *garbage = NULL;
  gsize clip_size = 0;
  const gint64 clip_mtime = 1700000000;
  const gint64 png_mtime = 1000000000;

  copy_file (demo, clip);
  set_mtime (clip, clip_mtime);

  first = get_thumbnail (fixture->thumbnailer, clip, 96, &error);
  g_assert_no_error (error);

  /* An old mtime on the PNG shows whether it gets written again. */
  set_mtime (first, png_mtime);

  /* Same path, size and mtime, but the content is no video any more: only a
   * cache hit that never opens the video can still answer. */
  g_assert_true (g_file_get_contents (clip, &garbage, &clip_size, NULL));
  memset (garbage, 'x', clip_size);
  g_assert_true (g_file_set_contents (clip, garbage, clip_size, NULL));
  set_mtime (clip, clip_mtime);

  second = get_thumbnail (fixture->thumbnailer, clip, 96, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, first);
  g_assert_cmpint (get_mtime (second), ==, png_mtime);

  /* Another size is another thumbnail. */
  copy_file (demo, clip);
  set_mtime (clip, clip_mtime);
  other_size = get_thumbnail (fixture->thumbnailer, clip, 48, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (other_size, !=, first);

  /* A changed file (new mtime) is looked at again. */
  set_mtime (clip, clip_mtime + 60);
  changed = get_thumbnail (fixture->thumbnailer, clip, 96, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (changed, !=, first);
  g_assert_cmpint (get_mtime (first), ==, png_mtime);
}

static void
test_garbage (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *garbage = g_build_filename (fixture->dir, "garbage.mp4", NULL);
  g_autofree char *text = g_build_filename (fixture->dir, "notes.mp4", NULL);
  g_autofree char *subtitles = g_build_filename (fixture->dir, "subtitles.mp4", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;
  guint8 bytes[4096];

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_test_rand_int_range (0, 256);
  g_assert_true (g_file_set_contents (garbage, (const char *) bytes, sizeof bytes, NULL));

  png = get_thumbnail (fixture->thumbnailer, garbage, 128, &error);
  g_assert_null (png);
  g_assert_error (error, DAILIES_THUMBNAILER_ERROR, DAILIES_THUMBNAILER_ERROR_NOT_VIDEO);
  g_assert_nonnull (strstr (error->message, "garbage.mp4"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (text, "just some words, not a video\n", -1, NULL));
  png = get_thumbnail (fixture->thumbnailer, text, 128, &error);
  g_assert_null (png);
  g_assert_error (error, DAILIES_THUMBNAILER_ERROR, DAILIES_THUMBNAILER_ERROR_NOT_VIDEO);
  g_clear_error (&error);

  /* Bytes that GStreamer 1.22 takes for LRC subtitles (a '[' then noise):
   * a stream, but no video. Once seen as a random case that hung until the
   * timeout. */
  bytes[0] = '[';
  for (guint i = 1; i < sizeof bytes; i++)
    bytes[i] = (guint8) ((i * 7919 + 13) & 0xff);
  g_assert_true (g_file_set_contents (subtitles, (const char *) bytes, sizeof bytes, NULL));
  png = get_thumbnail (fixture->thumbnailer, subtitles, 128, &error);
  g_assert_null (png);
  g_assert_error (error, DAILIES_THUMBNAILER_ERROR, DAILIES_THUMBNAILER_ERROR_NOT_VIDEO);
  g_clear_error (&error);

  /* A folder is not a video either. */
  png = get_thumbnail (fixture->thumbnailer, fixture->dir, 128, &error);
  g_assert_null (png);
  g_assert_error (error, DAILIES_THUMBNAILER_ERROR, DAILIES_THUMBNAILER_ERROR_NOT_VIDEO);
  g_clear_error (&error);

  /* Nothing, not even half a file, was left in the cache. */
  g_assert_cmpuint (count_files (fixture->cache_dir), ==, 0);
}

static void
test_audio_only (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *clip = g_build_filename (fixture->dir, "audio.mp4", NULL);
  g_autofree char *skip_reason = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;

  if (!make_audio_clip (clip, &skip_reason))
    {
      g_test_skip (skip_reason);
      return;
    }

  /* Answered at once, not after DAILIES_THUMBNAILER_TIMEOUT_S. */
  png = get_thumbnail (fixture->thumbnailer, clip, 128, &error);
  g_assert_null (png);
  g_assert_error (error, DAILIES_THUMBNAILER_ERROR, DAILIES_THUMBNAILER_ERROR_NOT_VIDEO);
  g_assert_nonnull (strstr (error->message, "audio.mp4"));
  g_assert_cmpuint (count_files (fixture->cache_dir), ==, 0);
}

static void
test_missing (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "gone.mp4", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;

  png = get_thumbnail (fixture->thumbnailer, missing, 128, &error);
  g_assert_null (png);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpuint (count_files (fixture->cache_dir), ==, 0);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *clip = demo_clip_path ();
  g_autoptr(GFile) video = g_file_new_for_path (clip);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;

  g_cancellable_cancel (cancellable);
  dailies_thumbnailer_get_async (fixture->thumbnailer, video, 128, cancellable, store_result_cb, &result);
  g_assert_true (dailies_test_wait_for_pointer ((gpointer *) &result, WAIT_MS));

  png = dailies_thumbnailer_get_finish (fixture->thumbnailer, result, &error);
  g_assert_null (png);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

#define N_AT_ONCE 5

typedef struct
{
  DailiesThumbnailer *thumbnailer;
  char               *paths[N_AT_ONCE];
  GError             *errors[N_AT_ONCE];
  guint               n_done;
} Batch;

typedef struct
{
  Batch *batch;
  guint  index;
} BatchItem;

static void
batch_item_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  BatchItem *item = user_data;
  Batch *batch = item->batch;

  batch->paths[item->index] = dailies_thumbnailer_get_finish (batch->thumbnailer,
                                                              result,
                                                              &batch->errors[item->index]);
  batch->n_done++;
}

static gboolean
batch_is_done (gpointer user_data)
{
  Batch *batch = user_data;

  return batch->n_done == N_AT_ONCE;
}

static void
test_many_at_once (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *clip = demo_clip_path ();
  g_autoptr(GFile) video = g_file_new_for_path (clip);
  BatchItem items[N_AT_ONCE];
  Batch batch = { .thumbnailer = fixture->thumbnailer };

  /* Five sizes, five cache misses: more than may run at once, so some wait. */
  for (guint i = 0; i < N_AT_ONCE; i++)
    {
      items[i].batch = &batch;
      items[i].index = i;
      dailies_thumbnailer_get_async (fixture->thumbnailer, video, 32 + 16 * i, NULL, batch_item_cb, &items[i]);
    }

  g_assert_true (dailies_test_wait_until (batch_is_done, &batch, WAIT_MS));

  for (guint i = 0; i < N_AT_ONCE; i++)
    {
      guint width = 0;
      guint height = 0;

      g_assert_no_error (batch.errors[i]);
      g_assert_nonnull (batch.paths[i]);
      read_png_size (batch.paths[i], &width, &height);
      g_assert_cmpuint (width, ==, 32 + 16 * i);
      g_assert_cmpuint (height, ==, (guint) ((32 + 16 * i) * 9.0 / 16.0 + 0.5));

      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (batch.paths[i], !=, batch.paths[j]);
    }

  g_assert_cmpuint (count_files (fixture->cache_dir), ==, N_AT_ONCE);

  for (guint i = 0; i < N_AT_ONCE; i++)
    g_free (batch.paths[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/dailies/thumbnailer/landscape", test_landscape);
  ADD ("/dailies/thumbnailer/portrait", test_portrait);
  ADD ("/dailies/thumbnailer/cache-hit", test_cache_hit);
  ADD ("/dailies/thumbnailer/garbage", test_garbage);
  ADD ("/dailies/thumbnailer/audio-only", test_audio_only);
  ADD ("/dailies/thumbnailer/missing", test_missing);
  ADD ("/dailies/thumbnailer/cancelled", test_cancelled);
  ADD ("/dailies/thumbnailer/many-at-once", test_many_at_once);

#undef ADD

  return g_test_run ();
}
