/* dailies-link.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest lifetime a signature may claim (X-Tos-Expires, X-Amz-Expires):
 * the object stores in use cap pre-signed links at seven days. */
#define DAILIES_LINK_MAX_LIFETIME (7 * 24 * 60 * 60)

/* TRUE, and the Unix time in @out_expires_at, when @url is an http(s) link
 * whose own signature says when it lapses: X-Tos-Date + X-Tos-Expires,
 * X-Amz-Date + X-Amz-Expires, or Expires=<Unix seconds> (names in any
 * case). FALSE for anything else: no such parameters, half a pair, a
 * parameter given twice, garbage, negative, overflowing or absurd values.
 * Pure: safe on any input. */
gboolean  dailies_link_parse_expiry  (const char *url,
                                      gint64     *out_expires_at);

/* Whether @url is a link a video can be fetched from: http or https with a
 * host. NULL and "" are not. */
gboolean  dailies_link_is_usable     (const char *url);

G_END_DECLS
