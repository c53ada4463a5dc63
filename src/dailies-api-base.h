/* dailies-api-base.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether the API key may be sent to @url: an https:// address, or a
 * plain http:// one on this computer only (a loopback address or
 * "localhost"), with a host and no user info, query or fragment. When not,
 * @error (G_IO_ERROR_INVALID_ARGUMENT) says why in words for the user; it
 * never repeats @url, which may hold a password. */
gboolean  dailies_api_base_is_acceptable  (const char  *url,
                                           GError     **error);

/* Whether @url's host is this computer: a loopback address or
 * "localhost". For the poller's "offline, but the server is local". */
gboolean  dailies_api_base_is_loopback    (const char  *url);

/* Returns: (transfer full) (nullable): the name the keyring files the
 * key for @url under: the host for https on port 443 ("www.anyfast.ai"),
 * else "host:port" ("127.0.0.1:8080", "[::1]:9"), lower case. A port is
 * one listener, so one owner: a key for one port is never offered to
 * another. NULL when @url is not acceptable. */
char     *dailies_api_base_dup_key_host   (const char  *url);

G_END_DECLS
