/* dailies-test-gtk-utils.h
 *
 * Helpers for the UI tests, which run on a real display.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dailies-application.h"

G_BEGIN_DECLS

typedef gboolean (*DailiesTestWidgetMatch) (GtkWidget     *widget,
                                            gconstpointer  data);

/* Waits for @widget's window to lay out and draw what changed. */
void       dailies_test_wait_for_frames    (GtkWidget              *widget);
/* The first widget under @widget, itself included, that @match accepts,
 * depth first, or NULL. */
GtkWidget *dailies_test_find_widget_where  (GtkWidget              *widget,
                                            DailiesTestWidgetMatch  match,
                                            gconstpointer           data);

/* The first widget of @type under @widget with the CSS class @css_class
 * (if not NULL), or NULL. */
GtkWidget *dailies_test_find_widget        (GtkWidget              *widget,
                                            GType                   type,
                                            const char             *css_class);
/* Renders @window, frame and background included, as its renderer draws
 * it, and saves it as @name in the build dir to look at by hand. */
GdkTexture *dailies_test_screenshot        (GtkWidget              *window,
                                            const char             *name);

typedef void (*DailiesTestAppFunc) (DailiesApplication *app);

/* Runs the app with the command-line arguments that follow @func, up to a
 * NULL, calls @func from the main loop once it has started, then quits. */
void        dailies_test_run_app           (DailiesTestAppFunc      func,
                                            ...) G_GNUC_NULL_TERMINATED;
/* A condition for dailies_test_wait_until(): the GtkApplication
 * @user_data has an active window, mapped. */
gboolean    dailies_test_app_window_is_mapped (gpointer             user_data);

G_END_DECLS
