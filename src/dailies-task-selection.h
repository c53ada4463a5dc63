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
 * tasks as GtkMultiSelection's does. The selection is kept by task, not
 * by place, so that a change that moves tasks costs it nothing. When a
 * search or a state filter replaces the tasks in view, the slots of the
 * rows there take the new tasks, and only the rest of the change, after
 * the last of those rows, is told: GTK 4.8 would otherwise take down
 * every row it keeps (about 200) and build as many. Slots are taken for
 * rows: one held by anything else may be handed another task too.
 * Positions are @model's. Main thread only. */
DailiesTaskSelection *dailies_task_selection_new      (DailiesTaskListModel *model);
/* How many tasks are selected: costs nothing, where the selection's
 * bitset costs the places of its tasks after a change. A task an answer
 * moves is counted, and stays selected, while it is out of the list. */
guint                 dailies_task_selection_get_n_selected   (DailiesTaskSelection *self);
/* The selected task when exactly one is, else NULL. */
DailiesTask          *dailies_task_selection_get_selected_task (DailiesTaskSelection *self);
/* The selected tasks (references), in the list's order. */
GPtrArray            *dailies_task_selection_dup_selected_tasks (DailiesTaskSelection *self);
/* A reference to the task at @position, or NULL; no slot is made. */
DailiesTask          *dailies_task_selection_get_task (DailiesTaskSelection *self,
                                                       guint                 position);

G_END_DECLS
