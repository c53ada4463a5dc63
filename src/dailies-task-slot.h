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
/* NULL only while no one but its model holds it. */
DailiesTask     *dailies_task_slot_get_task (DailiesTaskSlot *self);
/* Notifies "task" when it changes to another. */
void             dailies_task_slot_set_task (DailiesTaskSlot *self,
                                             DailiesTask     *task);
/* For a slot no one but its model holds, so no one to tell: no notify. */
void             dailies_task_slot_reuse    (DailiesTaskSlot *self,
                                             DailiesTask     *task);

/* Called as the slot goes, with its task still set. */
typedef void (*DailiesTaskSlotGone) (gpointer         owner,
                                     DailiesTaskSlot *slot);
/* For the model that made the slot: cheaper than a weak reference, which
 * costs an allocation, and GTK 4.8 asks for an item (a slot made and let
 * go of at once) for every place an Undo of many brings back. */
void             dailies_task_slot_set_owner (DailiesTaskSlot     *self,
                                              DailiesTaskSlotGone  gone,
                                              gpointer             owner);

G_END_DECLS
