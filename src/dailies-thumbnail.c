/* dailies-thumbnail.c
 *
 * A task row's still of its video, always 64 by 36 pixels whatever the
 * video's shape: fitted and centred, so that every row's text starts at
 * the same place. (A GtkPicture is as wide as its image asks: a
 * landscape still took 96 pixels, a portrait one 54.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-thumbnail.h"

#define THUMBNAIL_WIDTH  64
#define THUMBNAIL_HEIGHT 36

struct _DailiesThumbnail
{
  GtkWidget   parent_instance;

  char       *filename;
  GdkTexture *texture;
};

G_DEFINE_FINAL_TYPE (DailiesThumbnail, dailies_thumbnail, GTK_TYPE_WIDGET)

static void
dailies_thumbnail_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? THUMBNAIL_WIDTH : THUMBNAIL_HEIGHT;
}

static void
dailies_thumbnail_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  DailiesThumbnail *self = DAILIES_THUMBNAIL (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double texture_width, texture_height, scale;

  if (self->texture == NULL || width <= 0 || height <= 0)
    return;

  texture_width = gdk_texture_get_width (self->texture);
  texture_height = gdk_texture_get_height (self->texture);
  scale = MIN (width / texture_width, height / texture_height);
  texture_width *= scale;
  texture_height *= scale;

  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT ((width - texture_width) / 2, (height - texture_height) / 2,
                                                    texture_width, texture_height));
}

static void
dailies_thumbnail_finalize (GObject *object)
{
  DailiesThumbnail *self = DAILIES_THUMBNAIL (object);

  g_free (self->filename);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (dailies_thumbnail_parent_class)->finalize (object);
}

static void
dailies_thumbnail_class_init (DailiesThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dailies_thumbnail_finalize;
  widget_class->measure = dailies_thumbnail_measure;
  widget_class->snapshot = dailies_thumbnail_snapshot;
  gtk_widget_class_set_css_name (widget_class, "picture");
  /* The row says the task in words; its still adds nothing to them. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
dailies_thumbnail_init (DailiesThumbnail *self)
{
  /* The style's rounded corners cut the still too. */
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
dailies_thumbnail_new (void)
{
  return g_object_new (DAILIES_TYPE_THUMBNAIL, NULL);
}

void
dailies_thumbnail_set_filename (DailiesThumbnail *self,
                                const char       *filename)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (DAILIES_IS_THUMBNAIL (self));

  if (g_strcmp0 (self->filename, filename) == 0)
    return;

  g_free (self->filename);
  self->filename = g_strdup (filename);
  g_clear_object (&self->texture);
  if (filename != NULL)
    {
      self->texture = gdk_texture_new_from_filename (filename, &error);
      if (self->texture == NULL)
        g_debug ("row: a thumbnail could not be read: %s", error->message);
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}
