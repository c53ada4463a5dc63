/* dailies-test-utils.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*DailiesTestCondition) (gpointer user_data);

/* Iterates the thread-default main context until @condition holds or
 * @timeout_ms (times dailies_test_time_scale()) passes. Returns whether the condition held; tests assert it.
 * This is the only way tests wait: no sleeps. */
gboolean  dailies_test_wait_until        (DailiesTestCondition  condition,
                                          gpointer              user_data,
                                          guint                 timeout_ms);
/* Waits until *flag is TRUE. */
gboolean  dailies_test_wait_for_flag     (const gboolean       *flag,
                                          guint                 timeout_ms);
/* Waits until *pointer is non-NULL. */
gboolean  dailies_test_wait_for_pointer  (gpointer const       *pointer,
                                          guint                 timeout_ms);
/* How much longer than normal a time budget may be: DAILIES_TEST_TIME_SCALE
 * (set for sanitizer builds, which run several times slower), else 1. */
double    dailies_test_time_scale        (void);
/* A fresh temporary directory, removed with its contents by dailies_test_rm_rf(). */
char     *dailies_test_make_temp_dir     (void);
void      dailies_test_rm_rf             (const char           *path);
/* Reads a fixture from tests/data/ (G_TEST_SRCDIR aware). Aborts when missing. */
GBytes   *dailies_test_load_fixture      (const char           *name);
/* The same as a string, for fixtures that are text. */
char     *dailies_test_load_fixture_text (const char           *name);
/* The text of a structured log line (its MESSAGE field), or NULL. */
char     *dailies_test_log_message       (const GLogField      *fields,
                                          gsize                 n_fields);

/* A notification server (org.freedesktop.Notifications) on the session bus,
 * in this process: it counts what it is sent and keeps the last one. */
typedef struct _DailiesTestNotifications DailiesTestNotifications;

DailiesTestNotifications *dailies_test_notifications_start       (void);
guint                     dailies_test_notifications_get_n_sent  (DailiesTestNotifications *self);
guint                     dailies_test_notifications_get_n_closed (DailiesTestNotifications *self);
const char               *dailies_test_notifications_get_summary (DailiesTestNotifications *self);
/* Whether a notification with @summary was sent since the last reset. */
gboolean                  dailies_test_notifications_was_sent   (DailiesTestNotifications *self,
                                                                  const char               *summary);
const char               *dailies_test_notifications_get_body    (DailiesTestNotifications *self);
/* Forgets what was sent so far: counts start again from 0. */
void                      dailies_test_notifications_reset      (DailiesTestNotifications *self);
/* The last notification's buttons: the action key of the one labelled
 * @label (NULL when none is), and how many there are. */
const char               *dailies_test_notifications_find_action (DailiesTestNotifications *self,
                                                                  const char               *label);
guint                     dailies_test_notifications_get_n_buttons (DailiesTestNotifications *self);
/* Clicks @action_key ("default" or a button's key) on the last
 * notification, as a notification server does: ActionInvoked. */
void                      dailies_test_notifications_invoke      (DailiesTestNotifications *self,
                                                                  const char               *action_key);
void                      dailies_test_notifications_sync        (DailiesTestNotifications *self);
void                      dailies_test_notifications_stop        (DailiesTestNotifications *self);

/* A process run to its end, what it wrote kept: started by
 * dailies_test_spawn() with @input (or NULL) as its standard input when
 * the launcher pipes it; done is set once it has exited. */
typedef struct
{
  gboolean  done;
  gboolean  ok;        /* exited with 0 */
  int       status;    /* its exit status, or -1 if a signal ended it */
  char     *out;
  char     *err;
} DailiesTestRun;

GSubprocess              *dailies_test_spawn                     (GSubprocessLauncher      *launcher,
                                                                  const char * const       *argv,
                                                                  const char               *input,
                                                                  DailiesTestRun           *run);
void                      dailies_test_run_clear                 (DailiesTestRun           *run);
/* Calls @method of org.freedesktop.Application on the app's bus name and
 * waits for the reply, asserting it is not an error. */
void                      dailies_test_call_application          (GDBusConnection          *bus,
                                                                  const char               *method,
                                                                  GVariant                 *parameters,
                                                                  guint                     timeout_ms);
/* The same, not waited for: *@done is set once it is answered (an error
 * fails the test). */
void                      dailies_test_call_application_async    (GDBusConnection          *bus,
                                                                  const char               *method,
                                                                  GVariant                 *parameters,
                                                                  gboolean                 *done);
/* For g_bus_watch_name(): sets the gboolean at @user_data. */
void                      dailies_test_name_appeared_cb          (GDBusConnection          *connection,
                                                                  const char               *name,
                                                                  const char               *owner,
                                                                  gpointer                  user_data);

/* A GNetworkMonitor whose "network-available" the test sets. */
GNetworkMonitor          *dailies_test_monitor_new               (gboolean                  available);
void                      dailies_test_monitor_set_available     (GNetworkMonitor          *monitor,
                                                                  gboolean                  available);

G_END_DECLS
