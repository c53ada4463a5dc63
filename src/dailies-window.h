/* dailies-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dailies-import.h"

#include "dailies-types.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_WINDOW (dailies_window_get_type ())

G_DECLARE_FINAL_TYPE (DailiesWindow, dailies_window, DAILIES, WINDOW, AdwApplicationWindow)

DailiesWindow *dailies_window_new (AdwApplication *application,
                                   GSettings      *settings);

/* Selects the task with @task_id and shows it; FALSE when it is not in the list. */
gboolean       dailies_window_select_task   (DailiesWindow  *self,
                                             const char     *task_id);
GtkWidget     *dailies_window_get_task_view (DailiesWindow  *self);
void           dailies_window_add_toast     (DailiesWindow  *self,
                                             const char     *text);
const char    *dailies_window_get_last_toast (DailiesWindow *self);
/* What the banner over the list says, or NULL while it is hidden. */
const char    *dailies_window_get_banner_text (DailiesWindow *self);
void           dailies_window_ask_for_api_key (DailiesWindow *self);
/* Runs @import, showing its progress when it is long and its summary at
 * the end, with the first task it added selected and scrolled to. */
void           dailies_window_run_import      (DailiesWindow *self,
                                               DailiesImport *import);

G_END_DECLS
