/* dailies-notifier.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-task-store.h"

G_BEGIN_DECLS

/* The id of the one notification Dailies shows, replaced as more finish. */
#define DAILIES_NOTIFICATION_ID "finished"

#define DAILIES_TYPE_NOTIFIER (dailies_notifier_get_type ())

G_DECLARE_FINAL_TYPE (DailiesNotifier, dailies_notifier, DAILIES, NOTIFIER, GObject)

DailiesNotifier *dailies_notifier_new              (GApplication     *application,
                                                    DailiesTaskStore *store);
void             dailies_notifier_set_user_present (DailiesNotifier  *self,
                                                    gboolean          present);

G_END_DECLS
