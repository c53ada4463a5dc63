/* dailies-search-key.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "dailies-task.h"

G_BEGIN_DECLS

/* What a search looks in for @task: its ID, model, failure reason and
 * upstream problem, joined by newlines (which a search text never holds)
 * and casefolded. Safe on a thread that alone holds @task. */
char *dailies_search_key_for_task (DailiesTask *task);

G_END_DECLS
