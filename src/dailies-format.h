/* dailies-format.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "dailies-types.h"

G_BEGIN_DECLS

/* Words for a status; @status_text is shown as it came for OTHER. */
char       *dailies_format_status          (DailiesTaskStatus status,
                                            const char       *status_text);
const char *dailies_format_status_icon     (DailiesTaskStatus status);
/* CSS class for the status colour: "success", "error", "warning", "accent" or NULL. */
const char *dailies_format_status_class    (DailiesTaskStatus status);
/* "just now", "5 minutes ago", "3 hours ago", "2 days ago", or a date. */
char       *dailies_format_relative_time   (gint64            then,
                                            gint64            now);
/* Two (@then, @now) pairs with equal keys get the same text from
 * dailies_format_relative_time() (within a week, the same text has the
 * same key too): a row rebound to another task of the same age keeps its
 * label without formatting or translating anything. */
gint64      dailies_format_relative_time_key (gint64          then,
                                              gint64          now);
/* "45 s", "4 min 05 s", "2 h 03 min". */
char       *dailies_format_duration        (gint64            seconds);
/* A date and time in the locale's format (%x %X), e.g. "11/29/2026 10:15:00 AM". */
char       *dailies_format_timestamp       (gint64            unix_seconds);
/* The same in ISO 8601 with the UTC offset, for text that support staff or programs read. */
char       *dailies_format_timestamp_iso8601 (gint64          unix_seconds);
/* "Link expires in 5 h 02 min" or "Link expired"; NULL when there is no link. */
char       *dailies_format_link_time_left  (gint64            expires_at,
                                            gint64            now);
/* @path for display: under the home folder as "~/…", else as it is. */
char       *dailies_format_path            (const char       *path);

G_END_DECLS
