/* dailies-sidecar.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-types.h"
#include "dailies-task-response.h"

G_BEGIN_DECLS

/* Bumped when a field changes meaning; new fields do not bump it. */
#define DAILIES_SIDECAR_VERSION 1

/* The sidecar of a kept video: what it is, so that it stays traceable
 * after its link lapsed. A pretty-printed JSON object with these members,
 * each left out when unknown (never null):
 *
 *   task_id, request_id, status, action, model, upstream_id    strings
 *   seed, fps, duration                                        integers (duration in seconds)
 *   ratio, resolution (what the user got), upstream_resolution (ultra only)   strings
 *   generate_audio                                             boolean
 *   tokens { completion, total, billed }                       integers
 *   container (the kept file's extension, "mov", "mp4", …; written by
 *     dailies_sidecar_write only), output_format (as the service said it)   strings
 *   submit_time, start_time, finish_time, saved_at             Unix seconds
 *   submit_time_iso, start_time_iso, finish_time_iso, saved_at_iso   ISO 8601 UTC ("2026-04-27T11:15:06Z")
 *   app ("Dailies 0.1.0"), sidecar_version (DAILIES_SIDECAR_VERSION)
 *
 * It never holds a URL, a failure reason or anything key-like: a string
 * that looks like one is left out.
 *
 * @response may be NULL: then the task's raw JSON is parsed again. */
char     *dailies_sidecar_build (DailiesTask                *task,
                                 const DailiesTaskResponse  *response);
/* Writes the sidecar as TASKID.json in the folder of @video_path,
 * atomically (a crash leaves the old file or the new one). */
gboolean  dailies_sidecar_write (const char                 *video_path,
                                 DailiesTask                *task,
                                 GError                    **error);
/* The same, with the file written on a worker thread: a keep folder on a
 * slow share does not hold up the caller. The text is built before this
 * returns, from @task as it is then. */
void      dailies_sidecar_write_async  (const char           *video_path,
                                        DailiesTask          *task,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  dailies_sidecar_write_finish (GAsyncResult         *result,
                                        GError              **error);

G_END_DECLS
