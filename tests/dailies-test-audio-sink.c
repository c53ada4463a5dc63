/* dailies-test-audio-sink.c
 *
 * The audio output of the tests that play videos: a fakesink in a bin,
 * which notes the threads that ready, feed, stop and flush it, and whose
 * stops and pauses can be held, as an audio output that does not answer
 * would hold them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dailies-test-audio-sink.h"

G_DECLARE_FINAL_TYPE (TestAudioSink, test_audio_sink, TEST, AUDIO_SINK, GstBin)

struct _TestAudioSink
{
  GstBin parent_instance;
};

G_DEFINE_FINAL_TYPE (TestAudioSink, test_audio_sink, GST_TYPE_BIN)

GThread *sink_readied_by;   /* atomic */
int sink_fed_nice;          /* atomic: the nice value + 100, 0 until fed */
int sink_readied_nice;      /* atomic: the nice value + 100 of the readying thread */
GstElement *sink_readied;   /* atomic: the last one readied (not a reference) */
GThread *sink_stopped_by;   /* atomic: the thread that took that one from READY to NULL */
guint sink_stops_under_way; /* atomic: in READY to NULL */
gboolean sink_stops_held;   /* under stop_lock: READY to NULL waits while TRUE */
guint sink_hold_limit_s = 10; /* set before a hold */
static GMutex stop_lock;
static GCond stop_released;
void (*sink_on_held_stop) (void);
guint sink_pauses_under_way; /* atomic: in PLAYING to PAUSED */
gboolean sink_pauses_held;  /* under stop_lock: PLAYING to PAUSED waits while TRUE */
GThread *sink_flushed_by;   /* atomic: the thread a seek's flush came in on */
guint sink_flushes;         /* atomic: the seeks' flushes that came in */

static gboolean
sink_is_held (gboolean *held)
{
  gboolean is_held;

  g_mutex_lock (&stop_lock);
  is_held = *held;
  g_mutex_unlock (&stop_lock);

  return is_held;
}

/* Waits while *@held, under stop_lock, for at most sink_hold_limit_s: a
 * test that blocks on it itself fails rather than hangs. */
static void
wait_while_held (gboolean *held)
{
  gint64 end = g_get_monotonic_time () + sink_hold_limit_s * G_TIME_SPAN_SECOND;

  g_mutex_lock (&stop_lock);
  while (*held)
    if (!g_cond_wait_until (&stop_released, &stop_lock, end))
      *held = FALSE;
  g_mutex_unlock (&stop_lock);
}

static GstStateChangeReturn
test_audio_sink_change_state (GstElement     *element,
                              GstStateChange  transition)
{
  if (transition == GST_STATE_CHANGE_NULL_TO_READY)
    {
      g_atomic_pointer_set (&sink_readied_by, g_thread_self ());
      g_atomic_int_set (&sink_readied_nice, getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)) + 100);
      g_atomic_pointer_set (&sink_readied, element);
    }
  else if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    {
      /* As an audio output that does not answer would: the stop waits. */
      g_atomic_int_inc (&sink_stops_under_way);
      g_main_context_wakeup (NULL);
      if (sink_on_held_stop != NULL && sink_is_held (&sink_stops_held))
        sink_on_held_stop ();
      wait_while_held (&sink_stops_held);

      if (element == g_atomic_pointer_get (&sink_readied))
        g_atomic_pointer_set (&sink_stopped_by, g_thread_self ());
      g_atomic_int_dec_and_test (&sink_stops_under_way);
      /* The tests wait in the main loop: it looks again. */
      g_main_context_wakeup (NULL);
    }
  else if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    {
      /* As a sound server slow to answer would hold a pause. */
      g_atomic_int_inc (&sink_pauses_under_way);
      g_main_context_wakeup (NULL);
      wait_while_held (&sink_pauses_held);
      g_atomic_int_dec_and_test (&sink_pauses_under_way);
      g_main_context_wakeup (NULL);
    }

  return GST_ELEMENT_CLASS (test_audio_sink_parent_class)->change_state (element, transition);
}

static GstPadProbeReturn
test_audio_sink_fed_cb (GstPad          *pad,
                        GstPadProbeInfo *info,
                        gpointer         user_data)
{
  errno = 0;
  int nice_value = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));

  if (errno == 0)
    g_atomic_int_compare_and_exchange (&sink_fed_nice, 0, nice_value + 100);

  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
test_audio_sink_flush_cb (GstPad          *pad,
                          GstPadProbeInfo *info,
                          gpointer         user_data)
{
  if (GST_EVENT_TYPE (gst_pad_probe_info_get_event (info)) == GST_EVENT_FLUSH_START)
    {
      g_atomic_pointer_set (&sink_flushed_by, g_thread_self ());
      g_atomic_int_inc (&sink_flushes);
    }

  return GST_PAD_PROBE_OK;
}

static void
test_audio_sink_class_init (TestAudioSinkClass *klass)
{
  GST_ELEMENT_CLASS (klass)->change_state = test_audio_sink_change_state;
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "Test audio sink", "Sink/Audio",
                                         "A fakesink that notes its threads", "Dailies");
}

static void
test_audio_sink_init (TestAudioSink *self)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr(GstPad) pad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "sync", TRUE, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, test_audio_sink_fed_cb, NULL, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_FLUSH, test_audio_sink_flush_cb, NULL, NULL);
  gst_bin_add (GST_BIN (self), sink);
  gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new ("sink", pad));
}

void
hold_sink (gboolean *what,
           gboolean  held)
{
  g_mutex_lock (&stop_lock);
  *what = held;
  g_cond_broadcast (&stop_released);
  g_mutex_unlock (&stop_lock);
}

/* For one of the sink's counts of changes under way. */
gboolean
any_under_way (gpointer counter)
{
  return g_atomic_int_get ((guint *) counter) > 0;
}

gboolean
none_under_way (gpointer counter)
{
  return g_atomic_int_get ((guint *) counter) == 0;
}


/* Before any thread runs: the player reads the variable for each pipeline. */
void
dailies_test_audio_sink_use (void)
{
  g_setenv ("DAILIES_AUDIO_SINK", DAILIES_TEST_AUDIO_SINK_NAME, TRUE);
}

/* Once GStreamer is initialised. */
void
dailies_test_audio_sink_register (void)
{
  gst_element_register (NULL, DAILIES_TEST_AUDIO_SINK_NAME, GST_RANK_NONE, test_audio_sink_get_type ());
}
