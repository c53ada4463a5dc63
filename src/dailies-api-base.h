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

/* Returns: (transfer full): @url as a person meant it, with surrounding
 * white space and trailing slashes gone, and with the endpoint's own path
 * taken off its end: "/v1" (OpenAI-style tools ask for the base so) or
 * "/v1/video/generations" (the endpoint pasted from the documentation).
 * Dailies appends "/v1/video/generations/{task_id}" itself, so either
 * would be asked for twice. The regions' own hosts (www.anyfast.ai,
 * www.anyfast.com.cn, and both without "www.", https on its own port)
 * serve the API at their root
 * and web pages elsewhere: any path, query or fragment is taken off them.
 * Only the path is touched otherwise; anything that does not parse comes
 * back only stripped. */
char     *dailies_api_base_dup_tidy       (const char  *url);

G_END_DECLS
