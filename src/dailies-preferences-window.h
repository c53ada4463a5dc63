/* dailies-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dailies-types.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_PREFERENCES_WINDOW (dailies_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (DailiesPreferencesWindow, dailies_preferences_window, DAILIES, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Settings bound both ways; @keeper tells the folder copies go to. */
GtkWidget *dailies_preferences_window_new (GtkWindow     *parent,
                                           GSettings     *settings,
                                           DailiesKeeper *keeper);
void       dailies_preferences_window_set_base_in_use (DailiesPreferencesWindow *self,
                                                       const char               *base,
                                                       gboolean                  demo);

G_END_DECLS
