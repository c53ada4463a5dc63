/* dailies-thumbnail.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DAILIES_TYPE_THUMBNAIL (dailies_thumbnail_get_type ())

G_DECLARE_FINAL_TYPE (DailiesThumbnail, dailies_thumbnail, DAILIES, THUMBNAIL, GtkWidget)

GtkWidget  *dailies_thumbnail_new          (void);
/* Loads @filename (a small PNG; NULL shows nothing). One that cannot be
 * read shows nothing, and says why in the log. */
void        dailies_thumbnail_set_filename (DailiesThumbnail *self,
                                            const char       *filename);

G_END_DECLS
