/* dailies-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dailies-types.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_APPLICATION (dailies_application_get_type ())

G_DECLARE_FINAL_TYPE (DailiesApplication, dailies_application, DAILIES, APPLICATION, AdwApplication)

DailiesApplication *dailies_application_new            (void);
GSettings          *dailies_application_get_settings   (DailiesApplication *self);
DailiesTaskStore   *dailies_application_get_store      (DailiesApplication *self);
DailiesPoller      *dailies_application_get_poller     (DailiesApplication *self);
DailiesApiClient   *dailies_application_get_api_client (DailiesApplication *self);
DailiesKeeper      *dailies_application_get_keeper     (DailiesApplication *self);
void                dailies_application_set_quit_wait  (DailiesApplication *self,
                                                        guint               timeout_ms);
const char         *dailies_application_get_owner_at_start (DailiesApplication *self);
char               *dailies_application_dup_api_base_override (DailiesApplication *self,
                                                               gboolean           *demo);
gboolean            dailies_application_dup_relaunch   (DailiesApplication   *self,
                                                        const char           *argv0,
                                                        char               ***argv,
                                                        char               ***envp);
/* NULL unless the app runs with --demo. */
DailiesDemoServer  *dailies_application_get_demo_server (DailiesApplication *self);

G_END_DECLS
