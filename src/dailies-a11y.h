/* dailies-a11y.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Fixes what GTK 4.8 tells screen readers about the widgets under @root. */
void dailies_a11y_fix_button_names  (GtkWidget   *root);
/* GTK 4.8 leaves the button inside a drop-down nameless. */
void dailies_a11y_name_drop_down     (GtkDropDown *drop_down,
                                      const char  *label);

G_END_DECLS
