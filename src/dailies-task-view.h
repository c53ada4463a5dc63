/* dailies-task-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dailies-task.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_TASK_VIEW (dailies_task_view_get_type ())

G_DECLARE_FINAL_TYPE (DailiesTaskView, dailies_task_view, DAILIES, TASK_VIEW, GtkWidget)

GtkWidget   *dailies_task_view_new                  (void);
DailiesTask *dailies_task_view_get_task             (DailiesTaskView *self);
void         dailies_task_view_set_task             (DailiesTaskView *self,
                                                     DailiesTask     *task);
GtkWidget   *dailies_task_view_get_player           (DailiesTaskView *self);
const char  *dailies_task_view_get_shown_fail_reason (DailiesTaskView *self);
const char  *dailies_task_view_get_shown_attention  (DailiesTaskView *self);
/* For tests: the status line, and why nothing plays (or NULL). */
const char  *dailies_task_view_get_shown_status     (DailiesTaskView *self);
const char  *dailies_task_view_get_shown_link_state (DailiesTaskView *self);
/* ID, request ID, status, HTTP code and times: never the key, never a signed URL. */
char        *dailies_task_view_dup_support_details  (DailiesTask     *task);

G_END_DECLS
