/* dailies-player.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gst/gst.h>
#include <gtk/gtk.h>

#include "dailies-paintable.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_PLAYER (dailies_player_get_type ())

G_DECLARE_FINAL_TYPE (DailiesPlayer, dailies_player, DAILIES, PLAYER, GtkWidget)

GtkWidget        *dailies_player_new             (void);
void              dailies_player_warm_up         (void);
gboolean          dailies_player_is_warmed_up    (void);
guint             dailies_player_get_n_pending_changes (void);
/* Plays @uri, an http(s) link with a host; anything else (file:, data:, …)
 * is refused with a message. NULL stops and clears. */
void              dailies_player_set_uri         (DailiesPlayer *self,
                                                  const char    *uri);
/* Plays a local copy Dailies saved itself. */
void              dailies_player_set_local_file  (DailiesPlayer *self,
                                                  const char    *path);
const char       *dailies_player_get_uri         (DailiesPlayer *self);
/* The file name offered by Save Frame, without extension. */
void              dailies_player_set_title       (DailiesPlayer *self,
                                                  const char    *title);
void              dailies_player_play            (DailiesPlayer *self);
void              dailies_player_pause           (DailiesPlayer *self);
/* Stops: the pipeline goes to NULL and frees its threads. */
void              dailies_player_stop            (DailiesPlayer *self);
/* Asks for a seek, made off the main thread in turn with the changes of
 * state; one asked for before the video is ready waits until it is. */
void              dailies_player_seek            (DailiesPlayer *self,
                                                  gint64         position_ns);
gint64            dailies_player_get_position    (DailiesPlayer *self);
gint64            dailies_player_get_duration    (DailiesPlayer *self);
GstState          dailies_player_get_state       (DailiesPlayer *self);
/* The error shown to the user, or NULL. */
const char       *dailies_player_get_error_text  (DailiesPlayer *self);
/* The HTTP status the link's host answered with the last error, else 0.
 * A 403, 404 or 410 also emits ::link-refused. */
guint             dailies_player_get_http_status (DailiesPlayer *self);
DailiesPaintable *dailies_player_get_paintable   (DailiesPlayer *self);
char             *dailies_player_dup_media_info  (DailiesPlayer *self);
gboolean          dailies_player_get_muted       (DailiesPlayer *self);
gboolean          dailies_player_save_frame      (DailiesPlayer *self,
                                                  GFile         *file,
                                                  GError       **error);

G_END_DECLS
