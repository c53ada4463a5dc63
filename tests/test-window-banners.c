/* test-window-banners.c
 *
 * The banner over the task list, as a user sees it on a real X display
 * (Xvfb): the app is started with --demo, then pointed at a SoupServer on
 * 127.0.0.1 that answers the way the real gateway (new-api) does when it
 * rate-limits, rejects a key or runs out of quota.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "dailies-api-client.h"
#include "dailies-application.h"
#include "dailies-poller.h"
#include "dailies-preferences-window.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-task-view.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"

#define TASK_ID "asyntask_BannerTask00000000000000000001"

typedef enum
{
  MODE_OK,
  MODE_RATE_LIMITED,  /* 429, empty body, no Retry-After */
  MODE_REJECTED,      /* 401 new_api_error */
} Mode;

typedef struct
{
  SoupServer *server;
  char       *base_url;
  Mode        mode;
  guint       n_tasks;   /* task requests */
  guint       n_models;
} Gateway;

static void
task_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Gateway *gateway = user_data;
  const char *id = strrchr (path, '/') + 1;
  g_autofree char *body = NULL;

  gateway->n_tasks++;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "X-Oneapi-Request-Id", "20261202044503000000GATEWAY");
  switch (gateway->mode)
    {
    case MODE_RATE_LIMITED:
      soup_server_message_set_status (msg, 429, NULL);
      return;
    case MODE_REJECTED:
      body = g_strdup ("{\"error\":{\"message\":\"Invalid token (request id: 2026120204)\",\"type\":\"new_api_error\",\"code\":\"\"}}");
      soup_server_message_set_status (msg, 401, NULL);
      break;
    case MODE_OK:
    default:
      body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\",\"action\":\"generate\","
                              "\"status\":\"IN_PROGRESS\",\"fail_reason\":\"\",\"submit_time\":1777288506,"
                              "\"start_time\":1777288508,\"finish_time\":0,\"progress\":\"50%%\",\"data\":null}}", id);
      soup_server_message_set_status (msg, 200, NULL);
      break;
    }
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, g_steal_pointer (&body), strlen (body));
}

/* @body with a 200 for @key, new-api's 401 for any other. */
static void
reply_for_key (SoupServerMessage *msg,
               const char        *key,
               const char        *body)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  g_autofree char *wanted = g_strconcat ("Bearer ", key, NULL);

  if (g_strcmp0 (auth, wanted) != 0)
    {
      body = "{\"error\":{\"message\":\"Invalid token\",\"type\":\"new_api_error\",\"code\":\"\"}}";
      soup_server_message_set_status (msg, 401, NULL);
    }
  else
    {
      soup_server_message_set_status (msg, 200, NULL);
    }
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
}

/* Answers for a spent key, not for a wrong one. */
static void
usage_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  reply_for_key (msg, "sk-spent",
                 "{\"code\":true,\"message\":\"ok\",\"data\":{\"object\":\"token_usage\",\"name\":\"ci\","
                 "\"total_granted\":500000,\"total_used\":500000,\"total_available\":0,\"unlimited_quota\":false}}");
}

/* Answers only for a valid key with quota. */
static void
models_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Gateway *gateway = user_data;

  gateway->n_models++;
  reply_for_key (msg, "sk-good",
                 "{\"success\":true,\"object\":\"list\",\"data\":[{\"id\":\"doubao-seedance-2-0-260128\",\"object\":\"model\"},"
                 "{\"id\":\"seedance-turbo\",\"object\":\"model\"}]}");
}

static Gateway *the_gateway;

/* Whether a task request came after the first @user_data (a guint*) ones. */
static gboolean
gateway_was_asked (gpointer user_data)
{
  return the_gateway->n_tasks > *(guint *) user_data;
}

/* Whether the task @user_data (a DailiesTask*) holds the gateway's request
 * ID of an answer: the 401s before carry none. */
static gboolean
task_has_gateway_id (gpointer user_data)
{
  return dailies_task_get_gateway_request_id (user_data) != NULL;
}

static Gateway *
gateway_new (void)
{
  Gateway *gateway = g_new0 (Gateway, 1);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  gateway->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (gateway->server, "/v1/video/generations/", task_cb, gateway, NULL);
  soup_server_add_handler (gateway->server, "/api/usage/token/", usage_cb, gateway, NULL);
  soup_server_add_handler (gateway->server, "/v1/models", models_cb, gateway, NULL);
  soup_server_listen_local (gateway->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (gateway->server);
  gateway->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  the_gateway = gateway;

  return gateway;
}

static void
gateway_free (Gateway *gateway)
{
  soup_server_disconnect (gateway->server);
  g_object_unref (gateway->server);
  g_free (gateway->base_url);
  g_free (gateway);
  the_gateway = NULL;
}

/* ------------------------------------------------------------------ */
/* Waiting for what the user sees                                      */
/* ------------------------------------------------------------------ */

typedef struct
{
  DailiesWindow *window;
  const char    *words;  /* NULL: the banner is hidden */
} BannerWait;

static gboolean
banner_says (gpointer user_data)
{
  BannerWait *wait = user_data;
  const char *text = dailies_window_get_banner_text (wait->window);

  if (wait->words == NULL)
    return text == NULL;

  return text != NULL && strstr (text, wait->words) != NULL;
}

static gboolean
wait_for_banner (DailiesWindow *window,
                 const char    *words)
{
  BannerWait wait = { window, words };

  return dailies_test_wait_until (banner_says, &wait, 10000);
}

static gboolean
is_banner_button (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_ancestor (widget, GTK_TYPE_REVEALER) != NULL &&
         gtk_widget_get_visible (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "_Preferences") == 0;
}

static GtkWidget *
find_banner_button (DailiesWindow *window)
{
  GtkWidget *button = dailies_test_find_widget_where (GTK_WIDGET (window), is_banner_button, NULL);

  g_assert_nonnull (button);
  return button;
}

static AdwMessageDialog *
find_key_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && g_object_get_data (G_OBJECT (window), "test-button") != NULL)
        return ADW_MESSAGE_DIALOG (window);
    }

  return NULL;
}

static gboolean
has_key_dialog (gpointer user_data)
{
  return find_key_dialog () != NULL;
}

static gboolean
label_says_something_else (gpointer user_data)
{
  GtkLabel *label = user_data;

  return g_strcmp0 (gtk_label_get_label (label), "Testing the key…") != 0;
}

static gboolean
no_key_dialog (gpointer user_data)
{
  return find_key_dialog () == NULL;
}

/* As Escape does: the close response, then the dialog goes. */
static void
close_key_dialog (void)
{
  gtk_window_close (GTK_WINDOW (find_key_dialog ()));
  g_assert_true (dailies_test_wait_until (no_key_dialog, NULL, 5000));
}

/* Types @key into the open key dialog, presses Test, and returns what
 * the dialog then says. */
static char *
test_key_in_dialog (const char *key)
{
  AdwMessageDialog *dialog = find_key_dialog ();
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  GtkWidget *button = g_object_get_data (G_OBJECT (dialog), "test-button");
  GtkLabel *label = g_object_get_data (G_OBJECT (dialog), "test-label");

  g_assert_false (gtk_widget_get_sensitive (button) && *gtk_editable_get_text (entry) == '\0');
  gtk_editable_set_text (entry, key);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpstr (gtk_label_get_label (label), ==, "Testing the key…");
  g_assert_true (dailies_test_wait_until (label_says_something_else, label, 10000));

  return g_strdup (gtk_label_get_label (label));
}

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("(nothing)");
}

/* ------------------------------------------------------------------ */
/* The test                                                            */
/* ------------------------------------------------------------------ */

static void
banners_body (DailiesApplication *app,
              gpointer            data)
{
  DailiesWindow *window = DAILIES_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DailiesApiClient *client = dailies_application_get_api_client (app);
  DailiesPoller *poller = dailies_application_get_poller (app);
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autoptr(GNetworkMonitor) monitor = dailies_test_monitor_new (TRUE);
  Gateway *gateway = gateway_new ();
  const char *ids[] = { TASK_ID };
  g_autoptr(GDateTime) resume = NULL;
  g_autofree char *time = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *said = NULL;
  g_autofree char *copied = NULL;
  gint64 before;
  guint n_tasks;

  g_assert_nonnull (window);
  g_assert_null (dailies_window_get_banner_text (window));

  /* A 429 with an empty body: the banner says when checking resumes, in
   * the locale's time format, and goes away when it does. */
  dailies_poller_set_rate_limit_pause (poller, 2000, 4000);
  dailies_api_client_set_base_url (client, gateway->base_url);
  gateway->mode = MODE_RATE_LIMITED;
  before = g_get_real_time () / G_USEC_PER_SEC;
  dailies_task_store_add_ids (store, ids, 1);
  g_assert_true (wait_for_banner (window, "The service asked Dailies to slow down. Checking resumes at "));
  g_assert_cmpint (dailies_poller_get_pause_until (poller), >=, before + 2);
  g_assert_cmpint (dailies_poller_get_pause_until (poller), <=, before + 4);
  resume = g_date_time_new_from_unix_local (dailies_poller_get_pause_until (poller));
  time = g_date_time_format (resume, "%X");
  expected = g_strdup_printf ("The service asked Dailies to slow down. Checking resumes at %s.", time);
  g_assert_cmpstr (dailies_window_get_banner_text (window), ==, expected);
  gateway->mode = MODE_OK;
  g_assert_true (wait_for_banner (window, NULL));

  /* A 401: the banner says the key was rejected, with a button that
   * opens the key dialog; the dialog opens by itself too. */
  gateway->mode = MODE_REJECTED;
  dailies_api_client_set_api_key (client, "sk-wrong");
  g_assert_true (wait_for_banner (window, "The API key was rejected. Checking is paused until you enter a valid key."));
  g_assert_true (dailies_test_wait_until (has_key_dialog, NULL, 5000));
  g_assert_cmpstr (adw_message_dialog_get_heading (find_key_dialog ()), ==, "API Key Rejected");

  /* Test in the dialog asks /v1/models with the key typed. */
  said = test_key_in_dialog ("sk-nope");
  g_assert_cmpstr (said, ==, "The service refused this key: it is wrong, expired, disabled or out of quota.");
  g_free (said);
  said = test_key_in_dialog ("sk-good");
  g_assert_cmpstr (said, ==, "The key works: it may use 2 models.");
  g_assert_cmpuint (gateway->n_models, ==, 2);
  /* A key no request could carry (look-alike Cyrillic letters): said as
   * it is typed, and it can be neither tested nor saved. */
  {
    AdwMessageDialog *dialog = find_key_dialog ();
    GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
    GtkWidget *button = g_object_get_data (G_OBJECT (dialog), "test-button");
    GtkLabel *label = g_object_get_data (G_OBJECT (dialog), "test-label");

    gtk_editable_set_text (entry, "sk-g\xd0\xbe\xd0\xbe" "d");
    g_assert_false (gtk_widget_get_sensitive (button));
    g_assert_false (adw_message_dialog_get_response_enabled (dialog, "save"));
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (label)));
    g_assert_true (g_str_has_prefix (gtk_label_get_label (label), "An API key has only plain letters (A–Z)"));
    gtk_editable_set_text (entry, "sk-good");
    g_assert_true (gtk_widget_get_sensitive (button));
    g_assert_true (adw_message_dialog_get_response_enabled (dialog, "save"));
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (label)));
  }

  /* Testing a key does not set it: checking is still paused. */
  g_assert_true (dailies_api_client_get_key_rejected (client));
  close_key_dialog ();

  /* Check Again does not send the rejected key; the banner's button
   * brings the dialog back. */
  n_tasks = gateway->n_tasks;
  dailies_window_select_task (window, TASK_ID);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  g_assert_false (dailies_test_wait_until (gateway_was_asked, &n_tasks, 1500));
  g_assert_cmpuint (gateway->n_tasks, ==, n_tasks);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-api-key", NULL);
  g_assert_true (dailies_test_wait_until (has_key_dialog, NULL, 5000));
  close_key_dialog ();

  /* A key that ran out: the usage query says so, with the numbers. */
  dailies_api_client_set_api_key (client, "sk-spent");
  g_assert_true (wait_for_banner (window, "The API key has no quota left (500"));
  g_assert_true (wait_for_banner (window, " used). Top it up or enter another key to resume checking."));
  g_assert_true (dailies_test_wait_until (has_key_dialog, NULL, 5000));
  close_key_dialog ();

  /* A new key that works: the banner goes. */
  gateway->mode = MODE_OK;
  dailies_api_client_set_api_key (client, "sk-good");
  g_assert_true (wait_for_banner (window, NULL));

  /* Copy Details names the gateway's request ID of the last answer,
   * once it came: the requests-per-second budget may hold it back a
   * moment after the key is set. */
  g_assert_true (dailies_test_wait_until (task_has_gateway_id, dailies_task_store_lookup (store, TASK_ID), 5000));
  g_assert_true (dailies_window_select_task (window, TASK_ID));
  gtk_widget_activate_action (dailies_window_get_task_view (window), "view.copy-details", NULL);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (window)), NULL, clipboard_read_cb, &copied);
  g_assert_true (dailies_test_wait_for_pointer ((gpointer *) &copied, 5000));
  g_assert_nonnull (strstr (copied, "Task ID: " TASK_ID "\n"));
  g_assert_nonnull (strstr (copied, "Gateway request ID: 20261202044503000000GATEWAY\n"));
  g_assert_null (strstr (copied, "sk-good"));

  /* An address with no task API behind it (the server's own 404 for
   * a path it has no handler for): the banner names it, and its button
   * opens Preferences; the right address given, the banner goes. */
  {
    g_autofree char *wrong = g_strconcat (gateway->base_url, "/api", NULL);
    g_autofree char *words = g_strdup_printf ("There is no task API at %s. Check the API address in Preferences.", wrong);

    dailies_api_client_set_base_url (client, wrong);
    dailies_poller_refresh (poller, dailies_task_store_lookup (store, TASK_ID));
    g_assert_true (wait_for_banner (window, words));
    /* The task is not Not found (what it was may still be arriving from
     * the right address, in a slow run). */
    g_assert_cmpint (dailies_task_get_status (dailies_task_store_lookup (store, TASK_ID)), !=,
                     DAILIES_TASK_STATUS_NOT_FOUND);
    g_assert_false (dailies_task_is_terminal (dailies_task_store_lookup (store, TASK_ID)));
    g_assert_null (dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW));
    g_signal_emit_by_name (find_banner_button (window), "clicked");
    g_assert_nonnull (dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW));
    gtk_window_destroy (dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW));

    /* As the app does when the address setting changes: the task is
     * asked at once, not when its backoff from the wrong address ends. */
    n_tasks = gateway->n_tasks;
    dailies_api_client_set_base_url (client, gateway->base_url);
    dailies_poller_wake (poller);
    g_assert_null (dailies_window_get_banner_text (window));
    g_assert_true (dailies_test_wait_until (gateway_was_asked, &n_tasks, 3000));
  }

  /* Offline, as the network monitor says. */
  dailies_poller_set_network_monitor (poller, monitor);
  dailies_test_monitor_set_available (monitor, FALSE);
  g_assert_true (wait_for_banner (window, "Offline. Checking resumes when the network is back."));
  dailies_test_monitor_set_available (monitor, TRUE);
  g_assert_true (wait_for_banner (window, NULL));

  gateway_free (gateway);
}

static void
test_banners (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, banners_body, NULL);
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

  g_test_add_func ("/dailies/window/banners", test_banners);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);

  return status;
}
