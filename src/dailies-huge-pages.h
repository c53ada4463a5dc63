/* dailies-huge-pages.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char   **dailies_huge_pages_ask         (char **envp);
void     dailies_huge_pages_restore_env (void);

G_END_DECLS
