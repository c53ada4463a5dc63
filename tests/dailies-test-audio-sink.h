/* dailies-test-audio-sink.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define DAILIES_TEST_AUDIO_SINK_NAME "dailiestestaudiosink"

void      dailies_test_audio_sink_use      (void);
void      dailies_test_audio_sink_register (void);

/* What the sink notes, read atomically. */
extern GThread    *sink_readied_by;        /* the thread that readied the last one */
extern int         sink_fed_nice;          /* the nice value + 100 of its feeding thread, 0 until fed */
extern int         sink_readied_nice;      /* the nice value + 100 of the readying thread */
extern GstElement *sink_readied;           /* the last one readied (not a reference) */
extern GThread    *sink_stopped_by;        /* the thread that took that one from READY to NULL */
extern guint       sink_stops_under_way;   /* in READY to NULL */
extern guint       sink_pauses_under_way;  /* in PLAYING to PAUSED */
extern GThread    *sink_flushed_by;        /* the thread a seek's flush came in on */
extern guint       sink_flushes;           /* the seeks' flushes that came in */

/* Set with hold_sink(): while TRUE, READY to NULL (a stop) or PLAYING to
 * PAUSED waits, for sink_hold_limit_s at most. */
extern gboolean    sink_stops_held;
extern guint       sink_hold_limit_s;      /* a hold ends by itself after this (10 s) */
extern gboolean    sink_pauses_held;
void      hold_sink      (gboolean *what,
                          gboolean  held);
/* Called on the stopping thread as a held stop begins, if set. */
extern void      (*sink_on_held_stop) (void);

/* For dailies_test_wait_until(): whether one of the counts above is above 0, or 0. */
gboolean  any_under_way  (gpointer counter);
gboolean  none_under_way (gpointer counter);

G_END_DECLS
