/* dailies-task-selection.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dailies-task-list-model.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_TASK_SELECTION (dailies_task_selection_get_type ())

G_DECLARE_FINAL_TYPE (DailiesTaskSelection, dailies_task_selection, DAILIES, TASK_SELECTION, GObject)

/* The list view's model: @model's tasks as DailiesTaskSlots, one per task
 * while something holds it, with a multiple selection that stays with its
 * tasks as GtkMultiSelection's does. When a search or a state filter
 * replaces the tasks in view, the slots of the rows there take the new
 * tasks, and only the rest of the change, after the last of those rows,
 * is told: GTK 4.8 would otherwise take down every row it keeps (about
 * 200) and build as many. Slots are taken for rows: one held by anything
 * else may be handed another task too. Positions are @model's. Main
 * thread only. */
DailiesTaskSelection *dailies_task_selection_new      (DailiesTaskListModel *model);
/* A reference to the task at @position, or NULL; no slot is made. */
DailiesTask          *dailies_task_selection_get_task (DailiesTaskSelection *self,
                                                       guint                 position);

G_END_DECLS
