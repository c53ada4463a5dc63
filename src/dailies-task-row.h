/* dailies-task-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dailies-task.h"
#include "dailies-task-slot.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_TASK_ROW (dailies_task_row_get_type ())

G_DECLARE_FINAL_TYPE (DailiesTaskRow, dailies_task_row, DAILIES, TASK_ROW, GtkWidget)

GtkWidget   *dailies_task_row_new      (void);
DailiesTask *dailies_task_row_get_task (DailiesTaskRow *self);
/* For tests: the second line as shown. */
const char  *dailies_task_row_get_detail (DailiesTaskRow *self);
void         dailies_task_row_set_task (DailiesTaskRow *self,
                                        DailiesTask    *task);
/* Shows @slot's task, and the next one it is handed (a search); NULL lets
 * go of both. */
void         dailies_task_row_set_slot (DailiesTaskRow  *self,
                                        DailiesTaskSlot *slot);
/* Recomputes the relative age ("5 min ago"); the row does so itself when
 * its task changes or its window becomes active. */
void         dailies_task_row_update_age (DailiesTaskRow *self);
void         dailies_task_row_popup_menu (DailiesTaskRow *self,
                                          GMenuModel     *menu_model,
                                          double          x,
                                          double          y);

G_END_DECLS
