/* dailies-test-hold-plugin.c
 *
 * A GStreamer plugin for the tests that run the real program
 * (src/dailies-app) in a process of its own, where the in-process test
 * sink cannot reach: "dailiesholdsink", an audio output whose stop hangs
 * as one that does not answer would. The program uses it through
 * DAILIES_AUDIO_SINK, found on GST_PLUGIN_PATH. The test talks to it
 * through files in the folder DAILIES_TEST_HOLD_DIR:
 *   "readied"  written once a pipeline has taken it to PAUSED (a video
 *              loads);
 *   "hold"     written by the test: while it is there, a stop (READY to
 *              NULL) waits;
 *   "held"     written as such a stop begins to wait;
 *   "stopped"  written once a stop that waited goes on.
 * A stop waits 60 s at most, so that a test that fails never hangs the
 * process for good.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gst/gst.h>

/* GST_PLUGIN_DEFINE names the package its plugin comes from. */
#define PACKAGE "dailies-tests"

#define HOLD_LIMIT_US (60 * G_TIME_SPAN_SECOND)
#define LOOK_AGAIN_US (10 * G_TIME_SPAN_MILLISECOND)

G_DECLARE_FINAL_TYPE (HoldSink, hold_sink, HOLD, SINK, GstBin)

struct _HoldSink
{
  GstBin parent_instance;
};

G_DEFINE_FINAL_TYPE (HoldSink, hold_sink, GST_TYPE_BIN)

static char *
dup_signal_path (const char *name)
{
  const char *dir = g_getenv ("DAILIES_TEST_HOLD_DIR");

  return dir != NULL ? g_build_filename (dir, name, NULL) : NULL;
}

static void
write_signal (const char *name)
{
  g_autofree char *path = dup_signal_path (name);

  if (path != NULL && !g_file_set_contents (path, "", 0, NULL))
    g_printerr ("dailiesholdsink: could not write %s\n", path);
}

static gboolean
is_held (const char *path)
{
  return path != NULL && g_file_test (path, G_FILE_TEST_EXISTS);
}

static GstStateChangeReturn
hold_sink_change_state (GstElement     *element,
                        GstStateChange  transition)
{
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    {
      g_autofree char *hold = dup_signal_path ("hold");
      gint64 end = g_get_monotonic_time () + HOLD_LIMIT_US;

      /* The test's "hold" is a file on disk: looked at again every 10 ms,
       * as a device would be polled. */
      if (is_held (hold))
        {
          write_signal ("held");
          while (is_held (hold) && g_get_monotonic_time () < end)
            g_usleep (LOOK_AGAIN_US);
          write_signal ("stopped");
        }
    }

  ret = GST_ELEMENT_CLASS (hold_sink_parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret != GST_STATE_CHANGE_FAILURE)
    write_signal ("readied");

  return ret;
}

static void
hold_sink_class_init (HoldSinkClass *klass)
{
  GST_ELEMENT_CLASS (klass)->change_state = hold_sink_change_state;
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "Held audio sink", "Sink/Audio",
                                         "A fakesink whose stop waits for the test", "Dailies");
}

static void
hold_sink_init (HoldSink *self)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr(GstPad) pad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "sync", TRUE, NULL);
  gst_bin_add (GST_BIN (self), sink);
  gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new ("sink", pad));
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "dailiesholdsink", GST_RANK_NONE, hold_sink_get_type ());
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, dailieshold,
                   "An audio output for Dailies' tests whose stop hangs",
                   plugin_init, PACKAGE_VERSION, "GPL", "dailies-tests", "https://github.com/dailies/dailies")
