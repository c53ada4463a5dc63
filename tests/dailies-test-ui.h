/* dailies-test-ui.h
 *
 * Finding the widgets a UI test drives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*DailiesTestWidgetMatch) (GtkWidget     *widget,
                                            gconstpointer  data);

/* The first widget under @widget, itself included, that @match accepts. */
GtkWidget          *dailies_test_find_widget_where (GtkWidget              *widget,
                                                    DailiesTestWidgetMatch  match,
                                                    gconstpointer           data);
/* The first widget of @type under @widget with the CSS class @css_class
 * (if not NULL), or NULL. */
GtkWidget          *dailies_test_find_widget       (GtkWidget              *widget,
                                                    GType                   type,
                                                    const char             *css_class);
/* The first toplevel window of @type, or NULL. */
GtkWindow          *dailies_test_find_toplevel    (GType      type);
/* The first event controller of @type on @widget, or NULL. */
GtkEventController *dailies_test_find_controller  (GtkWidget *widget,
                                                   GType      type);

G_END_DECLS
