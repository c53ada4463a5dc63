/* dailies-paintable.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gst/video/video.h>

#include "dailies-paintable.h"

struct _DailiesPaintable
{
  GObject     parent_instance;

  GMutex      lock;
  GstSample  *pending;        /* newest frame from the streaming thread, under lock */
  guint       invalidate_id;  /* the one idle that asks for a redraw, under lock */
  guint       n_pushed;       /* under lock */

  /* Main thread only */
  GdkTexture *texture;
  int         width;
  int         height;
  double      pixel_aspect;
  guint       n_textures;
};

static void paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DailiesPaintable, dailies_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE, paintable_iface_init))

typedef struct
{
  GstBuffer    *buffer;
  GstVideoFrame frame;
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *mapped = data;

  gst_video_frame_unmap (&mapped->frame);
  gst_buffer_unref (mapped->buffer);
  g_free (mapped);
}

/* Wraps the frame's memory in a texture; the GBytes keeps the buffer mapped
 * and alive for as long as GTK uses the texture. */
static GdkTexture *
texture_from_sample (GstSample *sample,
                     int       *width,
                     int       *height,
                     double    *pixel_aspect)
{
  GstVideoInfo info;
  MappedFrame *mapped;
  g_autoptr(GBytes) bytes = NULL;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;
  if (GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_BGRA)
    return NULL;

  mapped = g_new0 (MappedFrame, 1);
  mapped->buffer = gst_buffer_ref (buffer);
  if (!gst_video_frame_map (&mapped->frame, &info, mapped->buffer, GST_MAP_READ))
    {
      gst_buffer_unref (mapped->buffer);
      g_free (mapped);
      return NULL;
    }

  *width = GST_VIDEO_FRAME_WIDTH (&mapped->frame);
  *height = GST_VIDEO_FRAME_HEIGHT (&mapped->frame);
  *pixel_aspect = (double) GST_VIDEO_INFO_PAR_N (&info) / MAX (1, GST_VIDEO_INFO_PAR_D (&info));

  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (&mapped->frame, 0),
                                      (gsize) GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0) * *height,
                                      mapped_frame_free, mapped);

  return gdk_memory_texture_new (*width, *height, GDK_MEMORY_B8G8R8A8, bytes,
                                 GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0));
}

/* Swaps in the pending sample, if any; runs on the main thread. */
static void
take_pending (DailiesPaintable *self)
{
  g_autoptr(GstSample) sample = NULL;
  GdkTexture *texture;
  int width = 0, height = 0;
  double pixel_aspect = 1.0;

  g_mutex_lock (&self->lock);
  sample = g_steal_pointer (&self->pending);
  g_mutex_unlock (&self->lock);

  if (sample == NULL)
    return;

  texture = texture_from_sample (sample, &width, &height, &pixel_aspect);
  if (texture == NULL)
    return;

  g_clear_object (&self->texture);
  self->texture = texture;
  self->n_textures++;

  if (width != self->width || height != self->height || pixel_aspect != self->pixel_aspect)
    {
      self->width = width;
      self->height = height;
      self->pixel_aspect = pixel_aspect;
      gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
    }
}

static void
dailies_paintable_snapshot (GdkPaintable *paintable,
                            GdkSnapshot  *snapshot,
                            double        width,
                            double        height)
{
  DailiesPaintable *self = DAILIES_PAINTABLE (paintable);

  take_pending (self);

  if (self->texture != NULL)
    gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
  else
    gtk_snapshot_append_color (GTK_SNAPSHOT (snapshot), &(GdkRGBA) { 0, 0, 0, 1 },
                               &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static GdkPaintable *
dailies_paintable_get_current_image (GdkPaintable *paintable)
{
  DailiesPaintable *self = DAILIES_PAINTABLE (paintable);

  take_pending (self);

  if (self->texture != NULL)
    return GDK_PAINTABLE (g_object_ref (self->texture));

  return gdk_paintable_new_empty (self->width, self->height);
}

static int
dailies_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  DailiesPaintable *self = DAILIES_PAINTABLE (paintable);

  return (int) (self->width * self->pixel_aspect);
}

static int
dailies_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return DAILIES_PAINTABLE (paintable)->height;
}

static double
dailies_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  DailiesPaintable *self = DAILIES_PAINTABLE (paintable);

  if (self->height == 0)
    return 0.0;

  return self->width * self->pixel_aspect / self->height;
}

static void
paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = dailies_paintable_snapshot;
  iface->get_current_image = dailies_paintable_get_current_image;
  iface->get_intrinsic_width = dailies_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = dailies_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = dailies_paintable_get_intrinsic_aspect_ratio;
}

static gboolean
invalidate_cb (gpointer user_data)
{
  DailiesPaintable *self = user_data;
  GstCaps *caps = NULL;

  g_mutex_lock (&self->lock);
  self->invalidate_id = 0;
  if (self->pending != NULL)
    caps = gst_sample_get_caps (self->pending);
  g_mutex_unlock (&self->lock);

  /* A new size must be known before the next layout, not at snapshot. */
  if (caps != NULL)
    {
      GstVideoInfo info;

      if (gst_video_info_from_caps (&info, caps) &&
          (GST_VIDEO_INFO_WIDTH (&info) != self->width || GST_VIDEO_INFO_HEIGHT (&info) != self->height))
        take_pending (self);
    }

  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));

  return G_SOURCE_REMOVE;
}

void
dailies_paintable_push_sample (DailiesPaintable *self,
                               GstSample        *sample)
{
  g_return_if_fail (DAILIES_IS_PAINTABLE (self));
  g_return_if_fail (sample != NULL);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->pending, gst_sample_unref);
  self->pending = gst_sample_ref (sample);
  self->n_pushed++;
  /* Bursts of frames collapse into one redraw. */
  if (self->invalidate_id == 0)
    self->invalidate_id = g_idle_add_full (G_PRIORITY_DEFAULT, invalidate_cb,
                                           g_object_ref (self), g_object_unref);
  g_mutex_unlock (&self->lock);
}

void
dailies_paintable_clear (DailiesPaintable *self)
{
  g_return_if_fail (DAILIES_IS_PAINTABLE (self));

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->pending, gst_sample_unref);
  g_mutex_unlock (&self->lock);

  g_clear_object (&self->texture);
  self->width = self->height = 0;
  gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

GdkTexture *
dailies_paintable_dup_texture (DailiesPaintable *self)
{
  g_return_val_if_fail (DAILIES_IS_PAINTABLE (self), NULL);

  take_pending (self);

  return self->texture != NULL ? g_object_ref (self->texture) : NULL;
}

guint
dailies_paintable_get_n_pushed (DailiesPaintable *self)
{
  guint n;

  g_return_val_if_fail (DAILIES_IS_PAINTABLE (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_pushed;
  g_mutex_unlock (&self->lock);

  return n;
}

guint
dailies_paintable_get_n_textures (DailiesPaintable *self)
{
  g_return_val_if_fail (DAILIES_IS_PAINTABLE (self), 0);

  return self->n_textures;
}

static void
dailies_paintable_finalize (GObject *object)
{
  DailiesPaintable *self = (DailiesPaintable *)object;

  g_clear_pointer (&self->pending, gst_sample_unref);
  g_clear_object (&self->texture);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (dailies_paintable_parent_class)->finalize (object);
}

static void
dailies_paintable_class_init (DailiesPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dailies_paintable_finalize;
}

static void
dailies_paintable_init (DailiesPaintable *self)
{
  g_mutex_init (&self->lock);
  self->pixel_aspect = 1.0;
}

DailiesPaintable *
dailies_paintable_new (void)
{
  return g_object_new (DAILIES_TYPE_PAINTABLE, NULL);
}
