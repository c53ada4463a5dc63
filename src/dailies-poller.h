/* dailies-poller.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dailies-types.h"
#include "dailies-enums.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_POLLER (dailies_poller_get_type ())

G_DECLARE_FINAL_TYPE (DailiesPoller, dailies_poller, DAILIES, POLLER, GObject)

/* Decides when each unfinished task of @store is asked about through
 * @client, and hands every answer to the store. @settings (nullable) gives
 * poll-interval, max-concurrent-requests and requests-per-second. */
DailiesPoller      *dailies_poller_new                 (DailiesTaskStore  *store,
                                                        DailiesApiClient  *client,
                                                        GSettings         *settings);
void                dailies_poller_start               (DailiesPoller     *self);
void                dailies_poller_stop                (DailiesPoller     *self);
/* Something changed (tasks added, a new key, a new base URL): look again. */
void                dailies_poller_wake                (DailiesPoller     *self);
/* Ask about @task now, finished or not, and reset its backoff. */
void                dailies_poller_refresh             (DailiesPoller     *self,
                                                        DailiesTask       *task);
/* The same for each of @tasks (DailiesTask*), asked in this order, after
 * the Check Agains before them. */
void                dailies_poller_refresh_tasks       (DailiesPoller     *self,
                                                        GPtrArray         *tasks);
DailiesPollerState  dailies_poller_get_state           (DailiesPoller     *self);
/* Why checking is paused ("pause-reason"), and until when ("pause-until",
 * Unix seconds; 0 when it ends on an event rather than at a time: a new
 * key, the network coming back). */
DailiesPollerPause  dailies_poller_get_pause_reason    (DailiesPoller     *self);
gint64              dailies_poller_get_pause_until     (DailiesPoller     *self);
/* The API address in use when its last answer said there is no task API
 * there (DAILIES_API_ERROR_NO_API_HERE), "wrong-address"; NULL once an
 * answer from the API itself came, or the address changed. */
const char         *dailies_poller_get_wrong_address   (DailiesPoller     *self);
/* For DAILIES_POLLER_PAUSE_NO_QUOTA: the key's quota as the usage query
 * gave it, in the gateway's units; -1 when not given. */
void                dailies_poller_get_quota           (DailiesPoller     *self,
                                                        gint64            *used,
                                                        gint64            *granted);
/* For tests and benchmarks; by default GSettings (or 15 s and 4). */
void                dailies_poller_set_interval        (DailiesPoller     *self,
                                                        guint              seconds);
void                dailies_poller_set_max_concurrent  (DailiesPoller     *self,
                                                        guint              max_concurrent);
/* Task requests started per second, at most, by the whole poller (Check
 * Again included); 0 means no budget, the default without GSettings. */
void                dailies_poller_set_requests_per_second (DailiesPoller *self,
                                                        guint              requests_per_second);
/* Backoff after the first error; doubles up to the cap. Default 5 s and 15 min. */
void                dailies_poller_set_backoff         (DailiesPoller     *self,
                                                        guint              first_ms,
                                                        guint              cap_ms);
/* The global pause after a 429: the first, doubling up to the cap, reset
 * by a success. A Retry-After longer than that wins. Default 30 s and 10 min. */
void                dailies_poller_set_rate_limit_pause (DailiesPoller    *self,
                                                        guint              first_ms,
                                                        guint              cap_ms);
/* A monitor set here is trusted for every base URL, loopback included;
 * the system's default one is not trusted for loopback bases. */
void                dailies_poller_set_network_monitor (DailiesPoller     *self,
                                                        GNetworkMonitor   *monitor);
guint               dailies_poller_get_n_in_flight     (DailiesPoller     *self);
/* Milliseconds until the next timer, -1 when none is armed. */
gint64              dailies_poller_get_next_wakeup_ms  (DailiesPoller     *self);

G_END_DECLS
