/* dailies-ready-source.h
 *
 * A main-loop source that fires once each time its ready time is set
 * (g_source_set_ready_time()), and otherwise sleeps: the timers that wake
 * only while there is work. A timeout source would set its own next time
 * after each dispatch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Attached to @context (NULL: the global default), not armed; @name
 * must be static. */
GSource *dailies_ready_source_new (const char   *name,
                                   int           priority,
                                   GSourceFunc   callback,
                                   gpointer      user_data,
                                   GMainContext *context);

G_END_DECLS
