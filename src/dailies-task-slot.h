/* dailies-task-slot.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "dailies-types.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_TASK_SLOT (dailies_task_slot_get_type ())

G_DECLARE_FINAL_TYPE (DailiesTaskSlot, dailies_task_slot, DAILIES, TASK_SLOT, GObject)

/* An item of the list view's model (DailiesTaskSelection): the task a row
 * shows. A search hands a row's slot another task rather than taking the
 * row down and building another; "task" is notified then. */
DailiesTaskSlot *dailies_task_slot_new      (DailiesTask     *task);
DailiesTask     *dailies_task_slot_get_task (DailiesTaskSlot *self);
/* Notifies "task" when it changes. */
void             dailies_task_slot_set_task (DailiesTaskSlot *self,
                                             DailiesTask     *task);

G_END_DECLS
