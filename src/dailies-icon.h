/* dailies-icon.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DAILIES_TYPE_ICON (dailies_icon_get_type ())

G_DECLARE_FINAL_TYPE (DailiesIcon, dailies_icon, DAILIES, ICON, GtkWidget)

GtkWidget  *dailies_icon_new           (void);
/* The icon by name, or (NULL) none. */
const char *dailies_icon_get_icon_name (DailiesIcon *self);
void        dailies_icon_set_icon_name (DailiesIcon *self,
                                        const char  *icon_name);
/* The icon as set (by name: a GThemedIcon of that name), or NULL. Of a
 * GThemedIcon's names, the first the theme has is drawn. */
GIcon      *dailies_icon_get_gicon     (DailiesIcon *self);
void        dailies_icon_set_gicon     (DailiesIcon *self,
                                        GIcon       *gicon);

G_END_DECLS
