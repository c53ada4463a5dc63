/* test-preferences.c
 *
 * Preferences as a user meets them: opened from the window of `dailies
 * --demo`, a control showing its setting and changing it. (test-poller
 * checks that the poller follows the setting live.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-api-client.h"
#include "dailies-application.h"
#include "dailies-poller.h"
#include "dailies-preferences-window.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"

static gboolean
is_row_titled (GtkWidget     *widget,
               gconstpointer  title)
{
  return ADW_IS_PREFERENCES_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
window_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data);
}

typedef struct
{
  GSettings *settings;
  guint      value;
} RateWait;

static gboolean
rate_is (gpointer user_data)
{
  RateWait *wait = user_data;

  return g_settings_get_uint (wait->settings, "requests-per-second") == wait->value;
}

/* The spin button of the row titled @title. */
static GtkSpinButton *
find_spin (GtkWidget  *root,
           const char *title)
{
  GtkWidget *row = dailies_test_find_widget_where (root, is_row_titled, title);

  g_assert_nonnull (row);
  return GTK_SPIN_BUTTON (dailies_test_find_widget (row, GTK_TYPE_SPIN_BUTTON, NULL));
}

static void
check_rate (DailiesApplication *app,
            gpointer            data)
{
  GSettings *settings = dailies_application_get_settings (app);
  GtkWindow *window = dailies_test_wait_for_window (GTK_APPLICATION (app));
  GtkWindow *preferences;
  GtkSpinButton *rate;
  GtkSpinButton *concurrent;
  RateWait wait = { settings, 0 };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_true (dailies_test_wait_until (window_mapped, preferences, 5000));

  /* Next to the concurrency, in the same group, showing the default. */
  rate = find_spin (GTK_WIDGET (preferences), "Requests per Second");
  concurrent = find_spin (GTK_WIDGET (preferences), "Requests at Once");
  g_assert_nonnull (rate);
  g_assert_nonnull (concurrent);
  g_assert_true (gtk_widget_get_ancestor (GTK_WIDGET (rate), ADW_TYPE_PREFERENCES_GROUP) ==
                 gtk_widget_get_ancestor (GTK_WIDGET (concurrent), ADW_TYPE_PREFERENCES_GROUP));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (rate)));
  g_assert_cmpfloat (gtk_spin_button_get_value (rate), ==, 10);

  /* The control changes the setting: typed, and stepped by a key. */
  gtk_editable_set_text (GTK_EDITABLE (rate), "25");
  gtk_spin_button_update (rate);  /* as Enter or leaving the field does */
  wait.value = 25;
  g_assert_true (dailies_test_wait_until (rate_is, &wait, 5000));
  gtk_spin_button_spin (rate, GTK_SPIN_STEP_FORWARD, 1);
  wait.value = 26;
  g_assert_true (dailies_test_wait_until (rate_is, &wait, 5000));

  /* Out of range is held to the range. */
  gtk_spin_button_set_value (rate, 1000);
  wait.value = 100;
  g_assert_true (dailies_test_wait_until (rate_is, &wait, 5000));

  /* The setting changed elsewhere shows at once. */
  g_settings_set_uint (settings, "requests-per-second", 3);
  g_assert_cmpfloat (gtk_spin_button_get_value (rate), ==, 3);

  g_settings_reset (settings, "requests-per-second");
  gtk_window_destroy (preferences);
}

static gboolean
is_row_starting (GtkWidget     *widget,
                 gconstpointer  start)
{
  return ADW_IS_PREFERENCES_ROW (widget) && gtk_widget_get_visible (widget) &&
         g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), start);
}

static GtkWindow *
open_preferences (DailiesApplication *app)
{
  GtkWindow *window = dailies_test_wait_for_window (GTK_APPLICATION (app));
  GtkWindow *preferences;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_true (dailies_test_wait_until (window_mapped, preferences, 5000));

  return preferences;
}

/* Preferences opens on the region, not in the address's field, whose
 * text the first key typed would replace; and it says which address is
 * in use when it is not the one shown: the demo's own server. */
static void
check_address_shown (DailiesApplication *app,
                     gpointer            data)
{
  GtkWindow *preferences = open_preferences (app);
  GtkWidget *address = dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_titled, "API Address");
  GtkWidget *focus = gtk_window_get_focus (preferences);

  g_assert_nonnull (address);
  g_assert_nonnull (focus);
  g_assert_false (focus == address || gtk_widget_is_ancestor (focus, address));
  g_assert_true (GTK_IS_TOGGLE_BUTTON (focus));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (focus)), ==, "Global");
  g_assert_nonnull (dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_starting,
                                                     "The demo’s own server at http://127.0.0.1:"));
  gtk_window_destroy (preferences);
}

static void
test_address_shown (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, check_address_shown, NULL);
}

/* The same for an address given in the environment; none when the
 * setting's is the one in use. */
static void
check_environment_address_shown (DailiesApplication *app,
                                 gpointer            data)
{
  GtkWindow *preferences = open_preferences (app);
  GSettings *settings = dailies_application_get_settings (app);

  g_assert_nonnull (dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_starting,
                                                     "http://127.0.0.1:9 is in use, from the DAILIES_API_BASE variable."));

  /* The address set to the variable's: nothing to say; set to another
   * while the window is open: said again. */
  g_settings_set_string (settings, "api-base-url", "http://127.0.0.1:9");
  g_assert_null (dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_starting, "http://127.0.0.1:9 is in use"));
  g_settings_set_string (settings, "api-base-url", "https://www.anyfast.com.cn");
  g_assert_nonnull (dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_starting, "http://127.0.0.1:9 is in use"));
  gtk_window_destroy (preferences);

  g_settings_set_string (settings, "api-base-url", "http://127.0.0.1:9");
  preferences = open_preferences (app);
  g_assert_null (dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_starting, "http://127.0.0.1:9 is in use"));
  gtk_window_destroy (preferences);
  g_settings_reset (settings, "api-base-url");
}

static void
test_environment_address_shown (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", NULL };

  g_setenv ("DAILIES_API_BASE", "http://127.0.0.1:9", TRUE);
  dailies_test_run_app (app, argv, check_environment_address_shown, NULL);
  g_unsetenv ("DAILIES_API_BASE");
}

static gboolean
is_toggle_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_TOGGLE_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
poller_started (gpointer user_data)
{
  return dailies_poller_get_state (user_data) != DAILIES_POLLER_STATE_STOPPED;
}

/* A region's page copied from the browser, in the variable, is asked at
 * the region's root (its key looked up, checking started), and said so. */
static void
check_environment_address_tidied (DailiesApplication *app,
                                  gpointer            data)
{
  DailiesApiClient *client = dailies_application_get_api_client (app);
  GtkWindow *preferences = open_preferences (app);

  g_assert_cmpstr (dailies_api_client_get_base_url (client), ==, "https://www.anyfast.com.cn");
  g_assert_true (dailies_test_wait_until (poller_started, dailies_application_get_poller (app), 10000));
  g_assert_nonnull (dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_starting,
                                                     "https://www.anyfast.com.cn is in use, from the DAILIES_API_BASE variable."));
  gtk_window_destroy (preferences);
}

static void
test_environment_address_tidied (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", NULL };

  g_setenv ("DAILIES_API_BASE", " https://www.anyfast.com.cn/console/task?p=1 ", TRUE);
  dailies_test_run_app (app, argv, check_environment_address_tidied, NULL);
  g_unsetenv ("DAILIES_API_BASE");
}

/* The same set with gsettings: in use, and shown as in use, not refused. */
static void
check_setting_address_tidied (DailiesApplication *app,
                              gpointer            data)
{
  DailiesApiClient *client = dailies_application_get_api_client (app);
  GSettings *settings = dailies_application_get_settings (app);
  GtkWindow *preferences;
  GtkWidget *address;
  GtkWidget *refusal;

  g_settings_set_string (settings, "api-base-url", "https://www.anyfast.com.cn/console/log?p=2");
  g_assert_cmpstr (dailies_api_client_get_base_url (client), ==, "https://www.anyfast.com.cn");
  g_assert_true (dailies_test_wait_until (poller_started, dailies_application_get_poller (app), 10000));

  preferences = open_preferences (app);
  address = dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_titled, "API Address");
  refusal = dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_starting, "The address must not");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (address)), ==, "https://www.anyfast.com.cn");
  g_assert_true (refusal == NULL || !gtk_widget_get_visible (refusal));
  g_assert_true (gtk_toggle_button_get_active (
    GTK_TOGGLE_BUTTON (dailies_test_find_widget_where (GTK_WIDGET (preferences), is_toggle_labelled, "China"))));
  gtk_window_destroy (preferences);
  g_settings_reset (settings, "api-base-url");
}

static void
test_setting_address_tidied (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", NULL };

  dailies_test_run_app (app, argv, check_setting_address_tidied, NULL);
}

/* An address typed with the endpoint's path (an OpenAI-style tool's
 * "…/v1", or the endpoint copied from the documentation), or a region's
 * page copied from the browser, is kept as the API's base, which the
 * region buttons then recognise. */
static void
check_address_tidied (DailiesApplication *app,
                      gpointer            data)
{
  GSettings *settings = dailies_application_get_settings (app);
  GtkWindow *preferences = open_preferences (app);
  GtkWidget *address = dailies_test_find_widget_where (GTK_WIDGET (preferences), is_row_titled, "API Address");
  GtkWidget *global = dailies_test_find_widget_where (GTK_WIDGET (preferences), is_toggle_labelled, "Global");
  GtkWidget *china = dailies_test_find_widget_where (GTK_WIDGET (preferences), is_toggle_labelled, "China");
  g_autofree char *kept = NULL;

  g_assert_true (ADW_IS_ENTRY_ROW (address));
  g_assert_nonnull (global);
  g_assert_nonnull (china);

  gtk_editable_set_text (GTK_EDITABLE (address), " https://www.anyfast.com.cn/v1/video/generations/ ");
  g_signal_emit_by_name (address, "apply");
  kept = g_settings_get_string (settings, "api-base-url");
  g_assert_cmpstr (kept, ==, "https://www.anyfast.com.cn");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (address)), ==, "https://www.anyfast.com.cn");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (china)));

  /* The same when the setting already was that address. */
  gtk_editable_set_text (GTK_EDITABLE (address), "https://www.anyfast.com.cn/v1");
  g_signal_emit_by_name (address, "apply");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (address)), ==, "https://www.anyfast.com.cn");

  /* The address bar's address of a page of the site, while signed in:
   * the region's API is at its root. */
  gtk_editable_set_text (GTK_EDITABLE (address), "https://www.anyfast.ai/console/task?p=1");
  g_signal_emit_by_name (address, "apply");
  g_free (kept);
  kept = g_settings_get_string (settings, "api-base-url");
  g_assert_cmpstr (kept, ==, "https://www.anyfast.ai");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (global)));

  /* A proxy's own path stays; only the endpoint's goes. */
  gtk_editable_set_text (GTK_EDITABLE (address), "https://proxy.example/anyfast/v1/");
  g_signal_emit_by_name (address, "apply");
  g_free (kept);
  kept = g_settings_get_string (settings, "api-base-url");
  g_assert_cmpstr (kept, ==, "https://proxy.example/anyfast");
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (global)));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (china)));

  gtk_window_destroy (preferences);
  g_settings_reset (settings, "api-base-url");
}

static void
test_address_tidied (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, check_address_tidied, NULL);
}

static void
test_requests_per_second (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, check_rate, NULL);
}

int
main (int   argc,
      char *argv[])
{
  DailiesTestNotifications *notifications;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  /* Demo tasks may finish while the window is not the focused one:
   * their notifications need somewhere to go. */
  notifications = dailies_test_notifications_start ();

  g_test_add_func ("/dailies/preferences/requests-per-second", test_requests_per_second);
  g_test_add_func ("/dailies/preferences/address-shown", test_address_shown);
  g_test_add_func ("/dailies/preferences/address-tidied", test_address_tidied);
  g_test_add_func ("/dailies/preferences/environment-address-shown", test_environment_address_shown);
  g_test_add_func ("/dailies/preferences/environment-address-tidied", test_environment_address_tidied);
  g_test_add_func ("/dailies/preferences/setting-address-tidied", test_setting_address_tidied);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);

  return status;
}
