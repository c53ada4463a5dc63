/* dailies-task-response.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "dailies-types.h"

G_BEGIN_DECLS

/* Bodies larger than this are refused before parsing. */
#define DAILIES_TASK_RESPONSE_MAX_BODY (1024 * 1024)

#define DAILIES_RESPONSE_ERROR (dailies_response_error_quark ())

typedef enum
{
  DAILIES_RESPONSE_ERROR_EMPTY,       /* empty body */
  DAILIES_RESPONSE_ERROR_TOO_LARGE,   /* over DAILIES_TASK_RESPONSE_MAX_BODY */
  DAILIES_RESPONSE_ERROR_MALFORMED,   /* not JSON, truncated JSON, not an object */
  DAILIES_RESPONSE_ERROR_API,         /* envelope "code" is not "success"; message holds the API's text */
  DAILIES_RESPONSE_ERROR_NO_DATA,     /* envelope without a usable "data" object or task_id */
} DailiesResponseError;

/* One parsed answer of GET /v1/video/generations/{id}. Pure data. Strings
 * are NULL when absent (never ""), numbers are 0 (times) or -1 (the rest)
 * when absent. */
struct _DailiesTaskResponse
{
  char              *task_id;
  char              *action;
  DailiesTaskStatus  status;
  char              *status_text;          /* "status" exactly as it came */
  int                progress;             /* 0..100, -1 when unknown */
  char              *result_url;           /* only on SUCCESS and only http(s): on FAILURE the field holds text */
  char              *original_result_url;  /* ultra tasks only, same rule */
  char              *fail_reason;          /* the most specific reason there is; NULL when it merely repeats result_url */
  gint64             submit_time;          /* Unix seconds, 0 when absent */
  gint64             start_time;           /* 0 = not started */
  gint64             finish_time;          /* 0 = not finished */
  char              *request_id;

  /* From the upstream model's inner "data"; any of it may be missing. */
  char              *upstream_id;          /* data.data.id or output.task_id */
  char              *upstream_status;      /* data.data.status or output.task_status */
  char              *model;
  char              *video_url;            /* content.video_url or output.video_url */
  char              *ratio;
  char              *resolution;           /* what the user gets: super_resolution if present, else resolution, else usage.SR as "720p" */
  char              *upstream_resolution;  /* ultra: the lower upstream render, else NULL */
  int                duration;             /* seconds */
  int                fps;
  int                generate_audio;       /* -1 unknown, 0, 1 */
  gint64             seed;                 /* -1 unknown */
  gint64             completion_tokens;
  gint64             total_tokens;
  gint64             billed_tokens;        /* super_resolution_tokens if present, else total_tokens */
  char              *upstream_error_code;  /* data.data.error.code */
  char              *upstream_error_message; /* data.data.error.message */
  char              *last_frame_url;       /* content.last_frame_url (return_last_frame), SUCCESS only */
  /* Not finished at the gateway, yet the upstream has stopped (cancelled,
   * expired, failed, an error body): one short human line, else NULL. The
   * gateway shows such a task IN_PROGRESS until its own 24 h timeout. */
  char              *upstream_problem;

  /* Fields of the wrong type that were skipped, for the log ("submit_time: expected a number"). */
  GPtrArray         *warnings;

  char              *output_format;        /* data.data.output_format ("mp4", "mov"), else content.output_format */
};

GQuark               dailies_response_error_quark     (void);
DailiesTaskResponse *dailies_task_response_parse      (const char           *body,
                                                       gsize                 length,
                                                       GError              **error);
DailiesTaskResponse *dailies_task_response_copy       (const DailiesTaskResponse *response);
void                 dailies_task_response_free       (DailiesTaskResponse  *response);
/* What made an upstream_problem: the version of its rules and a digest
 * of its words as translated now. A problem stored with another is made
 * again from its answer. Newly allocated. */
char                *dailies_task_response_upstream_problem_maker (void);
DailiesTaskStatus    dailies_task_status_from_string  (const char           *text);
gboolean             dailies_task_status_is_terminal  (DailiesTaskStatus     status);

/* The minutes of the gateway's own timeout in a reason such as
 * "任务超时（1440分钟）" (such a task is refunded), else -1. */
int                  dailies_task_reason_timeout_minutes (const char     *reason);

/* Longer than any generation takes: an unfinished task this old is probably stuck. */
#define DAILIES_TASK_STUCK_AFTER (2 * 60 * 60)

/* Seconds since an unfinished task started (or was submitted, when it has
 * not started) when that is over DAILIES_TASK_STUCK_AFTER, else 0. */
gint64               dailies_task_stuck_for           (DailiesTaskStatus     status,
                                                       gint64                submit_time,
                                                       gint64                start_time,
                                                       gint64                now);
/* The most useful message in an error body of any shape ({"error":{"message"}},
 * {"message"}, {"msg"}, {"error":"..."}, plain text cut to one line), or NULL. */
char                *dailies_task_response_error_message (const char        *body,
                                                          gsize              length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DailiesTaskResponse, dailies_task_response_free)

G_END_DECLS
