/* dailies-task-list-model.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-types.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_TASK_LIST_MODEL (dailies_task_list_model_get_type ())

G_DECLARE_FINAL_TYPE (DailiesTaskListModel, dailies_task_list_model, DAILIES, TASK_LIST_MODEL, GObject)

/* The orders the list can show. Their nicks are the values of the
 * "sort-order" setting. */
typedef enum
{
  DAILIES_TASK_SORT_NEWEST = 0,  /* newer additions first; one addition in its given order */
  DAILIES_TASK_SORT_OLDEST,      /* older additions first; one addition in its given order */
  DAILIES_TASK_SORT_STATUS,      /* unfinished first, then failed, then succeeded */
  DAILIES_TASK_SORT_FINISHED,    /* last finished first; unfinished last */
  DAILIES_TASK_SORT_DEADLINE,    /* live links lapsing soonest first, then lapsed, then none */
} DailiesTaskSort;

/* The states a list can be narrowed to, in the window's drop-down order. */
typedef enum
{
  DAILIES_TASK_FILTER_ALL = 0,
  DAILIES_TASK_FILTER_RUNNING,
  DAILIES_TASK_FILTER_SUCCEEDED,
  DAILIES_TASK_FILTER_FAILED,
  DAILIES_TASK_FILTER_LINK_EXPIRED,   /* succeeded, not kept, and the link lapsed */
} DailiesTaskFilter;

/* "newest", "oldest", "status", "finished", "deadline"; unknown names
 * are NEWEST. */
DailiesTaskSort       dailies_task_sort_from_nick                 (const char           *nick);
const char           *dailies_task_sort_to_nick                   (DailiesTaskSort       sort);

/* The store's tasks, filtered and sorted. It follows the store's
 * tasks-added, tasks-removed and task-answered signals, so that each change
 * costs what it touches rather than what the store holds; a store that
 * has not loaded yet is taken in once it has. Main thread only. */
DailiesTaskListModel *dailies_task_list_model_new                 (DailiesTaskStore     *store);
DailiesTaskStore     *dailies_task_list_model_get_store           (DailiesTaskListModel *self);
/* The task at @position, not referenced (NULL past the end): for the
 * list view's model, which GTK 4.8 asks for every place of a big change. */
DailiesTask          *dailies_task_list_model_peek_task           (DailiesTaskListModel *self,
                                                                   guint                 position);

/* Tasks added to the store between these (an import fed in slices, over
 * several seconds) list as one addition, in the order they came. They
 * nest; process-wide, like the order of arrival. */
void                  dailies_task_list_model_begin_group         (void);
void                  dailies_task_list_model_end_group           (void);

DailiesTaskSort       dailies_task_list_model_get_sort            (DailiesTaskListModel *self);
void                  dailies_task_list_model_set_sort            (DailiesTaskListModel *self,
                                                                   DailiesTaskSort       sort);
/* Words looked for, case-insensitively, in the ID, model, failure reason
 * and the service's problem. Surrounding space is ignored; NULL or ""
 * shows every task. */
void                  dailies_task_list_model_set_search          (DailiesTaskListModel *self,
                                                                   const char           *text);
/* The folded search text, or NULL when nothing is searched. */
const char           *dailies_task_list_model_get_search          (DailiesTaskListModel *self);
DailiesTaskFilter     dailies_task_list_model_get_state_filter    (DailiesTaskListModel *self);
void                  dailies_task_list_model_set_state_filter    (DailiesTaskListModel *self,
                                                                   DailiesTaskFilter     filter);

/* How many times a task's match against the search and the state filter
 * has been worked out since the list was made: for tests, which check
 * that a change costs what it changes. */
guint                 dailies_task_list_model_count_match_checks  (DailiesTaskListModel *self);

/* While the list tells of a change (its items-changed) made by a search
 * or a state filter, which replaces the span it names at once, or by
 * tasks added or removed spread over 10,000 places or more, which it
 * names as one span. */
gboolean              dailies_task_list_model_is_replacing        (DailiesTaskListModel *self);
/* While the list tells of an answered task leaving its place: the task,
 * which the next change puts back at its new place; else NULL. */
DailiesTask          *dailies_task_list_model_get_moving_task     (DailiesTaskListModel *self);
/* The first kind alone: a search or a state filter. */
gboolean              dailies_task_list_model_is_refiltering      (DailiesTaskListModel *self);
/* Then: whether @task was listed before the change, and where. */
gboolean              dailies_task_list_model_get_replaced_position (DailiesTaskListModel *self,
                                                                     DailiesTask          *task,
                                                                     guint                *position);

/* Whether @task is listed, and where. Costs a binary search; FALSE while
 * an answer moves it. */
gboolean              dailies_task_list_model_find_task           (DailiesTaskListModel *self,
                                                                   DailiesTask          *task,
                                                                   guint                *position);
/* While the list tells of a change: calls @func with each task the
 * change takes out of the list (a removal's, a search's, an answer's
 * that no longer matches), not one it puts back, nor a moving task.
 * Costs what the change does. */
void                  dailies_task_list_model_foreach_leaving     (DailiesTaskListModel *self,
                                                                   GFunc                 func,
                                                                   gpointer              user_data);
/* Then: how many tasks foreach_leaving() looks at, at most (0 when the
 * change takes none out: an addition, a move, a new order). */
guint                 dailies_task_list_model_count_may_leave     (DailiesTaskListModel *self);

G_END_DECLS
