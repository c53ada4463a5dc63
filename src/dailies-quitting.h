/* dailies-quitting.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a Dailies that is quitting answers a command line with (sysexits'
 * EX_TEMPFAIL): the caller waits for it to be gone and runs again, so
 * that the list reaches the next Dailies. */
#define DAILIES_EXIT_QUITTING 75

char     *dailies_dup_running_app  (void);
gboolean  dailies_wait_until_quit  (const char      *quitting);
void      dailies_release_app_name (GDBusConnection *bus);

G_END_DECLS
