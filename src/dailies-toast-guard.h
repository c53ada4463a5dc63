/* dailies-toast-guard.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DAILIES_TYPE_TOAST_GUARD (dailies_toast_guard_get_type ())

G_DECLARE_FINAL_TYPE (DailiesToastGuard, dailies_toast_guard, DAILIES, TOAST_GUARD, GObject)

/* Shows @toast (taking it) in @overlay: adw_toast_overlay_add_toast(),
 * but on a libadwaita that aborts when a toast is dismissed while one is
 * still coming up (before 1.7), such a dismissal waits until the toasts
 * of @overlay have come up. Every toast of @overlay goes through here. */
void     dailies_toast_guard_add_toast  (AdwToastOverlay *overlay,
                                         AdwToast        *toast);
/* For a toast given its own "dismissed" handlers before it is shown:
 * call this first, so that a dismissal that waits reaches them only
 * once, when it happens. */
void     dailies_toast_guard_prepare    (AdwToast        *toast);
/* Whether this libadwaita needs the guard. */
gboolean dailies_toast_guard_is_needed  (void);

G_END_DECLS
