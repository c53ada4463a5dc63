/* dailies-paintable.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gst/gst.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DAILIES_TYPE_PAINTABLE (dailies_paintable_get_type ())

G_DECLARE_FINAL_TYPE (DailiesPaintable, dailies_paintable, DAILIES, PAINTABLE, GObject)

/* The bridge from GStreamer frames to GTK: the streaming thread hands over
 * the newest sample under a lock, one idle per burst asks for a redraw, and
 * the texture is made at snapshot time, wrapping the mapped buffer without
 * a copy. Frames replaced before they were drawn are never converted. */
DailiesPaintable *dailies_paintable_new               (void);
/* Thread-safe; @sample must hold BGRA video/x-raw with GstVideoMeta or plain strides. */
void              dailies_paintable_push_sample       (DailiesPaintable *self,
                                                       GstSample        *sample);
void              dailies_paintable_clear             (DailiesPaintable *self);
/* The frame on screen as a texture, or NULL (for Save Frame). */
GdkTexture       *dailies_paintable_dup_texture       (DailiesPaintable *self);
/* Frames handed over and frames that became a texture (for tests). */
guint             dailies_paintable_get_n_pushed      (DailiesPaintable *self);
guint             dailies_paintable_get_n_textures    (DailiesPaintable *self);

G_END_DECLS
