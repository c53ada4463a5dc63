/* dailies-notifier.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-keeper.h"
#include "dailies-task-store.h"

G_BEGIN_DECLS

/* The id of the one notification about finished generations, replaced as
 * more finish. */
#define DAILIES_NOTIFICATION_ID "finished"
/* The id of the warning that links without a local copy lapse soon. */
#define DAILIES_NOTIFICATION_EXPIRING_ID "link-expiring"
/* How long before a link lapses the warning goes out. */
#define DAILIES_NOTIFIER_WARNING_LEAD (2 * 60 * 60)

#define DAILIES_TYPE_NOTIFIER (dailies_notifier_get_type ())

G_DECLARE_FINAL_TYPE (DailiesNotifier, dailies_notifier, DAILIES, NOTIFIER, GObject)

/* Adds the actions its notifications use and it can run itself to
 * @application: app.keep-now (as: task IDs) and app.show-in-files (s: task
 * ID). The notifications also use app.show-task and app.play-task (s: task
 * ID, "" for the window as it is), which the application provides.
 * @keeper and @settings may be NULL (no Keep Now; notifications on). */
DailiesNotifier *dailies_notifier_new               (GApplication     *application,
                                                     DailiesTaskStore *store,
                                                     DailiesKeeper    *keeper,
                                                     GSettings        *settings);
void             dailies_notifier_set_user_present  (DailiesNotifier  *self,
                                                     gboolean          present);
/* For tests: seconds before a link lapses that the warning goes out. */
void             dailies_notifier_set_warning_lead  (DailiesNotifier  *self,
                                                     gint64            seconds);
/* How many links wait for their warning; one timer serves them all. */
guint            dailies_notifier_get_n_watched     (DailiesNotifier  *self);
gboolean         dailies_notifier_has_timer         (DailiesNotifier  *self);
/* Whether the notification of finished generations waits to go out. */
gboolean         dailies_notifier_has_pending_finished (DailiesNotifier *self);

G_END_DECLS
