/* dailies-keeper.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-downloader.h"
#include "dailies-thumbnailer.h"
#include "dailies-types.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_KEEPER (dailies_keeper_get_type ())

G_DECLARE_FINAL_TYPE (DailiesKeeper, dailies_keeper, DAILIES, KEEPER, GObject)

/* Keeps a local copy of every finished video before its link lapses: the
 * link that expires soonest is fetched first, a sidecar TASKID.json goes
 * next to each file, and a thumbnail is made for the list. */
DailiesKeeper *dailies_keeper_new               (DailiesTaskStore    *store,
                                                 DailiesDownloader   *downloader,
                                                 DailiesThumbnailer  *thumbnailer,
                                                 GSettings           *settings);
void           dailies_keeper_start             (DailiesKeeper       *self);
/* The folder copies go to: the save-folder setting, else Videos/Dailies. */
char          *dailies_keeper_dup_folder        (DailiesKeeper       *self);
/* For tests: a folder and the auto-save switch that win over GSettings. */
void           dailies_keeper_set_folder        (DailiesKeeper       *self,
                                                 const char          *folder);
void           dailies_keeper_set_auto_save     (DailiesKeeper       *self,
                                                 gboolean             auto_save);
/* How many downloads run at once (default 2). */
void           dailies_keeper_set_max_running   (DailiesKeeper       *self,
                                                 guint                max_running);
guint          dailies_keeper_get_n_running     (DailiesKeeper       *self);
guint          dailies_keeper_get_n_waiting     (DailiesKeeper       *self);
/* The start-up look at leftover .part files and their removals still under
 * way: quitting waits for 0, so a crash's leftovers do not outlive a quick
 * start and quit. */
guint          dailies_keeper_get_n_cleaning    (DailiesKeeper       *self);
DailiesDownloader *dailies_keeper_get_downloader (DailiesKeeper      *self);
/* Keep Now: starts keeping @task at once, whatever the auto-save switch
 * says (the warning before a link lapses offers it). */
void           dailies_keeper_keep_now          (DailiesKeeper       *self,
                                                 DailiesTask         *task);
/* Quitting: the queue is emptied and running downloads are cancelled (their
 * .part files removed); get_n_running() reaches 0 once they are gone. */
void           dailies_keeper_stop              (DailiesKeeper       *self);
/* The file name Save As suggests: "TASKID.EXT" with the real container's
 * extension (the kept file's, else the service's output_format, else the
 * link's, else "mp4"). */
char          *dailies_keeper_suggest_name      (DailiesKeeper       *self,
                                                 DailiesTask         *task);
/* Save As: copies the kept file when there is one, else downloads the link.
 * With DAILIES_DOWNLOAD_NO_REPLACE in @flags (the only flag it takes), a
 * file already under @destination's name is left alone: G_IO_ERROR_EXISTS. */
void           dailies_keeper_save_as_async     (DailiesKeeper       *self,
                                                 DailiesTask         *task,
                                                 GFile               *destination,
                                                 DailiesDownloadFlags flags,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean       dailies_keeper_save_as_finish    (DailiesKeeper       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
