/* dailies-types.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _DailiesTask         DailiesTask;
typedef struct _DailiesTaskStore    DailiesTaskStore;
typedef struct _DailiesApiClient    DailiesApiClient;
typedef struct _DailiesPoller       DailiesPoller;
typedef struct _DailiesKeeper       DailiesKeeper;
typedef struct _DailiesDemoServer   DailiesDemoServer;
typedef struct _DailiesTaskResponse DailiesTaskResponse;

/* The lifecycle of a task as Dailies sees it. The first six come from the
 * API's "status" field (matched case-insensitively); the others are
 * states of our own. Values are stored in SQLite: only append. */
typedef enum
{
  DAILIES_TASK_STATUS_UNKNOWN = 0,   /* added, never answered yet */
  DAILIES_TASK_STATUS_NOT_START,
  DAILIES_TASK_STATUS_QUEUED,
  DAILIES_TASK_STATUS_IN_PROGRESS,
  DAILIES_TASK_STATUS_SUCCESS,
  DAILIES_TASK_STATUS_FAILURE,
  DAILIES_TASK_STATUS_OTHER,         /* a status string we do not know; see status-text */
  DAILIES_TASK_STATUS_NOT_FOUND,     /* the API answered 404 */
} DailiesTaskStatus;

/* Why the poller is or is not asking the API right now. */
typedef enum
{
  DAILIES_POLLER_STATE_STOPPED = 0,
  DAILIES_POLLER_STATE_IDLE,          /* nothing left to poll: no timer runs */
  DAILIES_POLLER_STATE_POLLING,
  DAILIES_POLLER_STATE_NEEDS_KEY,     /* no API key yet */
  DAILIES_POLLER_STATE_UNAUTHORIZED,  /* the key was rejected (401): all polling paused */
  DAILIES_POLLER_STATE_OFFLINE,       /* GNetworkMonitor says there is no network */
} DailiesPollerState;

/* Why no task is being asked about right now, for the window's banner. */
typedef enum
{
  DAILIES_POLLER_PAUSE_NONE = 0,
  DAILIES_POLLER_PAUSE_NEEDS_KEY,     /* no API key yet */
  DAILIES_POLLER_PAUSE_KEY_REJECTED,  /* a 401: invalid, expired or disabled key */
  DAILIES_POLLER_PAUSE_NO_QUOTA,      /* a 401, and the usage query says nothing is left */
  DAILIES_POLLER_PAUSE_OFFLINE,       /* until the network is back */
  DAILIES_POLLER_PAUSE_RATE_LIMITED,  /* a 429 (or a Retry-After): until pause-until */
} DailiesPollerPause;

G_END_DECLS
