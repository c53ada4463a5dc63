/* test-notifier.c
 *
 * Desktop notifications for generations that finish while the user is away
 * and for links about to lapse, sent to a real notification server on the
 * test's session bus; their buttons clicked through that server, keeping
 * files from a CDN on 127.0.0.1 and showing them through a file manager
 * on the same bus, or, with none there, opening the folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "dailies-downloader.h"
#include "dailies-keeper.h"
#include "dailies-notifier.h"
#include "dailies-task-response.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

#define VIDEO_SIZE (64 * 1024)

/* One notification server and one application for all tests: GLib 2.74's
 * freedesktop backend does not survive an application freed while the
 * server still has its notifications. */
static DailiesTestNotifications *server;
static GApplication             *app;

/* Where the stand-in for the desktop's folder opener writes what it was
 * asked to open (see set_up_folder_opener). */
static char *opener_dir;

typedef struct
{
  DailiesTestNotifications *server;
  guint                     n_sent;
} SentWait;

static gboolean
sent_n (gpointer user_data)
{
  SentWait *wait = user_data;

  return dailies_test_notifications_get_n_sent (wait->server) >= wait->n_sent;
}

static gboolean
closed_one (gpointer user_data)
{
  return dailies_test_notifications_get_n_closed (user_data) >= 1;
}

/* Applies the answer in the fixture @name to the task @id, as the poller
 * does. */
static void
answer (DailiesTaskStore *store,
        const char       *id,
        const char       *name)
{
  g_autoptr(GBytes) bytes = dailies_test_load_fixture (name);
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  response = dailies_task_response_parse (body, strlen (body), &error);
  g_assert_no_error (error);
  dailies_task_store_apply_response (store, dailies_task_store_lookup (store, id), response, body, 200);
}

static void
test_finished_while_away (void)
{
  const char *ids[] = { "asyntask_NotifyOne000000001", "asyntask_NotifyTwo000000002",
                        "asyntask_NotifyThree0000003", "asyntask_NotifyFour00000004" };
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db);
  g_autoptr(DailiesNotifier) notifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *play = g_strdup_printf ("app.play-task('%s')", ids[0]);
  g_autofree char *details = g_strdup_printf ("app.show-task('%s')", ids[3]);
  SentWait wait = { server, 0 };

  dailies_test_notifications_reset (server);
  g_assert_true (dailies_task_store_load (store, &error));
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  notifier = dailies_notifier_new (app, store, NULL, NULL);

  /* Still running: nothing to tell. */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    answer (store, ids[i], "response-in-progress.json");
  g_assert_false (dailies_notifier_has_pending_finished (notifier));
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 0);

  /* One finishes: its own notification, with Play for that video. Not
   * kept (there is no keeper here): nothing to show in Files. */
  answer (store, ids[0], "response-success.json");
  wait.n_sent = 1;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "Video ready");
  g_assert_cmpstr (dailies_test_notifications_get_body (server), ==, ids[0]);
  g_assert_cmpstr (dailies_test_notifications_find_action (server, "Play"), ==, play);
  g_assert_cmpuint (dailies_test_notifications_get_n_buttons (server), ==, 1);

  /* Another fails: one notification, now counting both, with Show only. */
  answer (store, ids[1], "response-failure.json");
  wait.n_sent = 2;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "2 generations finished");
  g_assert_cmpstr (dailies_test_notifications_get_body (server), ==, "1 ready, 1 failed");
  g_assert_cmpstr (dailies_test_notifications_find_action (server, "Show"), ==, "app.show-task('')");
  g_assert_cmpuint (dailies_test_notifications_get_n_buttons (server), ==, 1);

  /* A finished task checked again has not finished again. */
  answer (store, ids[0], "response-success.json");
  g_assert_false (dailies_notifier_has_pending_finished (notifier));
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 2);

  /* Back at the window: the notification goes, and nothing new comes
   * while the user is there. */
  dailies_notifier_set_user_present (notifier, TRUE);
  g_assert_true (dailies_test_wait_until (closed_one, server, 5000));
  answer (store, ids[2], "response-success.json");
  g_assert_false (dailies_notifier_has_pending_finished (notifier));
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 2);

  /* Away again: a task the service does not know is a failure of its own,
   * with Details that open it. */
  dailies_notifier_set_user_present (notifier, FALSE);
  dailies_task_store_record_not_found (store, dailies_task_store_lookup (store, ids[3]), "HTTP 404: task not found", 404, NULL);
  wait.n_sent = 3;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "Generation failed");
  g_assert_true (g_str_has_prefix (dailies_test_notifications_get_body (server), ids[3]));
  g_assert_nonnull (strstr (dailies_test_notifications_get_body (server), "does not know"));
  g_assert_cmpstr (dailies_test_notifications_find_action (server, "Details"), ==, details);
  g_assert_cmpuint (dailies_test_notifications_get_n_buttons (server), ==, 1);

  /* Two more succeed at once: one notification for both, its count
   * without a "0 failed". */
  dailies_notifier_set_user_present (notifier, TRUE);
  dailies_notifier_set_user_present (notifier, FALSE);
  answer (store, ids[0], "response-in-progress.json");
  answer (store, ids[0], "response-success.json");
  answer (store, ids[2], "response-in-progress.json");
  answer (store, ids[2], "response-success.json");
  wait.n_sent = 4;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "2 generations finished");
  g_assert_cmpstr (dailies_test_notifications_get_body (server), ==, "2 ready");
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 4);

  g_clear_object (&notifier);
  g_clear_object (&store);
  dailies_test_rm_rf (dir);
}

/* A batch ending at once while the user is away, as a poller's answers
 * come: one notification counting them all, not one per task. */
static void
test_burst_finished (void)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db);
  g_autoptr(DailiesNotifier) notifier = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  SentWait wait = { server, 1 };
  gint64 started, sent_at;

  dailies_test_notifications_reset (server);
  g_assert_true (dailies_task_store_load (store, &error));
  for (guint i = 0; i < 2000; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_NotifyBurst%08u", i));
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  notifier = dailies_notifier_new (app, store, NULL, NULL);

  started = g_get_monotonic_time ();
  for (guint i = 0; i < ids->len; i++)
    answer (store, g_ptr_array_index (ids, i), i % 2 == 0 ? "response-success.json" : "response-failure.json");
  /* No answer's own call sent it: it waits. (Not checked at the server:
   * under the sanitizers the 2,000 answers take more than its half second,
   * and a round trip would let it go.) */
  g_assert_true (dailies_notifier_has_pending_finished (notifier));
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 500 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "2000 generations finished");
  g_assert_cmpstr (dailies_test_notifications_get_body (server), ==, "1000 ready, 1000 failed");
  /* And nothing more is to come. */
  g_assert_false (dailies_notifier_has_pending_finished (notifier));
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 1);

  /* One more right after it: replaced, but half a second later at the
   * earliest. */
  sent_at = g_get_monotonic_time ();
  answer (store, "asyntask_NotifyBurst00000000", "response-in-progress.json");
  answer (store, "asyntask_NotifyBurst00000000", "response-failure.json");
  wait.n_sent = 2;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpint (g_get_monotonic_time () - sent_at, >=, 500 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "2001 generations finished");

  /* Finished, and the user back before it went out: nothing is sent. */
  dailies_notifier_set_user_present (notifier, TRUE);
  dailies_notifier_set_user_present (notifier, FALSE);
  answer (store, "asyntask_NotifyBurst00000001", "response-in-progress.json");
  answer (store, "asyntask_NotifyBurst00000001", "response-success.json");
  g_assert_true (dailies_notifier_has_pending_finished (notifier));
  dailies_notifier_set_user_present (notifier, TRUE);
  g_assert_false (dailies_notifier_has_pending_finished (notifier));
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 2);

  g_clear_object (&notifier);
  g_clear_object (&store);
  dailies_test_rm_rf (dir);
}

/* ------------------------------------------------------------------ */
/* With a CDN, a keeper and a file manager                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  DailiesTestNotifications *server;
  SoupServer               *cdn;
  char                     *cdn_url;
  GBytes                   *video;
  guint                     n_video_requests;
  gboolean                  hold_videos;   /* requests wait in held */
  GPtrArray                *held;
  guint                     fail_status;   /* answer every request with it */
  DailiesTaskStore         *store;
  DailiesKeeper            *keeper;
  GSettings                *settings;
  DailiesNotifier          *notifier;
  char                     *dir;
  char                     *folder;
  /* The fake file manager */
  GDBusConnection          *bus;
  guint                     fm_owner;
  guint                     fm_registration;
  gboolean                  fm_owned;
  GPtrArray                *shown_uris;
} Fixture;

static void
cdn_cb (SoupServer        *cdn,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Fixture *f = user_data;

  f->n_video_requests++;
  if (f->hold_videos)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (f->held, g_object_ref (msg));
      return;
    }
  if (f->fail_status != 0)
    {
      soup_server_message_set_status (msg, f->fail_status, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "video/mp4", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (f->video, NULL), g_bytes_get_size (f->video));
}

static const char file_manager_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.FileManager1'>"
  "    <method name='ShowItems'>"
  "      <arg type='as' direction='in'/><arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
file_manager_method_cb (GDBusConnection       *connection,
                        const char            *sender,
                        const char            *object_path,
                        const char            *interface_name,
                        const char            *method_name,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation,
                        gpointer               user_data)
{
  Fixture *f = user_data;
  g_autofree const char **uris = NULL;

  g_variant_get (parameters, "(^a&s&s)", &uris, NULL);
  for (guint i = 0; uris[i] != NULL; i++)
    g_ptr_array_add (f->shown_uris, g_strdup (uris[i]));
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
file_manager_acquired_cb (GDBusConnection *connection,
                          const char      *name,
                          gpointer         user_data)
{
  Fixture *f = user_data;

  f->fm_owned = TRUE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const GDBusInterfaceVTable vtable = { file_manager_method_cb, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (file_manager_xml, NULL);
  g_autoptr(DailiesDownloader) downloader = dailies_downloader_new ();
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *db = NULL;
  guint8 *bytes = g_malloc (VIDEO_SIZE);

  f->server = server;
  dailies_test_notifications_reset (server);

  for (guint i = 0; i < VIDEO_SIZE; i++)
    bytes[i] = i * 7 + 3;
  f->video = g_bytes_new_take (bytes, VIDEO_SIZE);
  f->held = g_ptr_array_new_with_free_func (g_object_unref);
  f->cdn = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->cdn, "/videos", cdn_cb, f, NULL);
  g_assert_true (soup_server_listen_local (f->cdn, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->cdn);
  f->cdn_url = g_uri_to_string_partial (uris->data, G_URI_HIDE_PASSWORD);
  if (g_str_has_suffix (f->cdn_url, "/"))
    f->cdn_url[strlen (f->cdn_url) - 1] = '\0';

  f->dir = dailies_test_make_temp_dir ();
  f->folder = g_build_filename (f->dir, "Videos", "Dailies", NULL);
  db = g_build_filename (f->dir, "tasks.db", NULL);
  f->store = dailies_task_store_new (db);
  g_assert_true (dailies_task_store_load (f->store, &error));
  g_assert_no_error (error);

  f->settings = g_settings_new (APP_ID);
  g_settings_set_boolean (f->settings, "notifications", TRUE);
  f->keeper = dailies_keeper_new (f->store, downloader, NULL, NULL);
  dailies_keeper_set_folder (f->keeper, f->folder);
  dailies_keeper_set_auto_save (f->keeper, GPOINTER_TO_INT (data));
  dailies_keeper_start (f->keeper);
  f->notifier = dailies_notifier_new (app, f->store, f->keeper, f->settings);

  f->shown_uris = g_ptr_array_new_with_free_func (g_free);
  f->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  f->fm_registration = g_dbus_connection_register_object (f->bus, "/org/freedesktop/FileManager1",
                                                          info->interfaces[0], &vtable, f, NULL, &error);
  g_assert_no_error (error);
  f->fm_owner = g_bus_own_name_on_connection (f->bus, "org.freedesktop.FileManager1", G_BUS_NAME_OWNER_FLAGS_NONE,
                                              file_manager_acquired_cb, NULL, f, NULL);
  g_assert_true (dailies_test_wait_for_flag (&f->fm_owned, 5000));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->notifier);
  g_clear_object (&f->keeper);
  g_clear_object (&f->store);
  g_clear_object (&f->settings);
  if (f->fm_owner != 0)
    g_bus_unown_name (f->fm_owner);
  g_dbus_connection_unregister_object (f->bus, f->fm_registration);
  g_clear_object (&f->bus);
  g_ptr_array_unref (f->shown_uris);
  g_ptr_array_unref (f->held);
  soup_server_disconnect (f->cdn);
  g_clear_object (&f->cdn);
  g_bytes_unref (f->video);
  g_free (f->cdn_url);
  dailies_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->folder);
}

/* A task that finished now and whose link lapses @lasts seconds from now.
 * The link carries its expiry in its signature (X-Tos-Date +
 * X-Tos-Expires), and finish_time agrees with it. */
static DailiesTask *
finish_task (Fixture    *f,
             const char *id,
             gint64      lasts)
{
  gint64 signed_at = g_get_real_time () / G_USEC_PER_SEC + lasts - DAILIES_TASK_RESULT_URL_LIFETIME;
  g_autoptr(GDateTime) signed_time = g_date_time_new_from_unix_utc (signed_at);
  g_autofree char *tos_date = g_date_time_format (signed_time, "%Y%m%dT%H%M%SZ");
  g_autofree char *url = g_strdup_printf ("%s/videos/%s.mp4?X-Tos-Date=%s&X-Tos-Expires=%d&X-Tos-Signature=t",
                                          f->cdn_url, id, tos_date, DAILIES_TASK_RESULT_URL_LIFETIME);
  g_autofree char *body = g_strdup_printf ("{\"code\":\"success\",\"data\":{\"task_id\":\"%s\",\"status\":\"SUCCESS\","
                                           "\"result_url\":\"%s\",\"fail_reason\":\"%s\",\"submit_time\":%" G_GINT64_FORMAT ","
                                           "\"start_time\":%" G_GINT64_FORMAT ",\"finish_time\":%" G_GINT64_FORMAT ","
                                           "\"progress\":\"100%%\",\"data\":{\"model\":\"m\"}}}",
                                           id, url, url, signed_at - 100, signed_at - 90, signed_at);
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), &error);
  const char *ids[] = { id };
  DailiesTask *task;

  g_assert_no_error (error);
  dailies_task_store_add_ids (f->store, ids, 1);
  task = dailies_task_store_lookup (f->store, id);
  dailies_task_store_apply_response (f->store, task, response, body, 200);

  return task;
}

static gboolean
task_kept (gpointer user_data)
{
  const char *path = dailies_task_get_local_path (user_data);

  return path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
has_shown_uri (gpointer user_data)
{
  return ((Fixture *) user_data)->shown_uris->len > 0;
}

static gboolean
no_timer (gpointer user_data)
{
  return !dailies_notifier_has_timer (user_data);
}

static void
assert_kept_served_bytes (Fixture     *f,
                          DailiesTask *task)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_str_has_prefix (dailies_task_get_local_path (task), f->folder));
  g_file_get_contents (dailies_task_get_local_path (task), &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (f->video, NULL), g_bytes_get_size (f->video));
}

/* The video requests the CDN held, answered now; later ones at once. */
static void
release_held (Fixture *f)
{
  f->hold_videos = FALSE;
  for (guint i = 0; i < f->held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (f->held, i);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "video/mp4", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (f->video, NULL), g_bytes_get_size (f->video));
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (f->held, 0);
}

/* Keeping on: the ready video's notification gains Show in Files once the
 * copy is kept, and that button shows the kept file in a file manager. */
static void
test_show_in_files (Fixture       *f,
                    gconstpointer  data)
{
  const char *id = "asyntask_NotifyKept00000001";
  g_autofree char *show_key = g_strdup_printf ("app.show-in-files('%s')", id);
  g_autofree char *file_uri = NULL;
  SentWait wait = { f->server, 1 };
  DailiesTask *task;

  /* The copy held until the notification has gone out without it. */
  f->hold_videos = TRUE;
  task = finish_task (f, id, DAILIES_TASK_RESULT_URL_LIFETIME);
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (f->server), ==, "Video ready");
  g_assert_nonnull (dailies_test_notifications_find_action (f->server, "Play"));
  g_assert_cmpuint (dailies_test_notifications_get_n_buttons (f->server), ==, 1);

  release_held (f);
  g_assert_true (dailies_test_wait_until (task_kept, task, 10000));
  wait.n_sent = 2;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (f->server), ==, "Video ready");
  g_assert_nonnull (dailies_test_notifications_find_action (f->server, "Play"));
  g_assert_cmpstr (dailies_test_notifications_find_action (f->server, "Show in Files"), ==, show_key);
  g_assert_cmpuint (dailies_test_notifications_get_n_buttons (f->server), ==, 2);

  /* Clicked on the notification server: the file manager is asked to show
   * the kept file itself. */
  dailies_test_notifications_invoke (f->server, show_key);
  g_assert_true (dailies_test_wait_until (has_shown_uri, f, 5000));
  {
    g_autoptr(GFile) file = g_file_new_for_path (dailies_task_get_local_path (task));
    file_uri = g_file_get_uri (file);
  }
  g_assert_cmpuint (f->shown_uris->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->shown_uris, 0), ==, file_uri);

  /* A kept link is not warned about. */
  dailies_notifier_set_warning_lead (f->notifier, 2 * DAILIES_TASK_RESULT_URL_LIFETIME);
  g_assert_true (dailies_test_wait_until (no_timer, f->notifier, 5000));
  dailies_test_notifications_sync (f->server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (f->server), ==, 2);
}

static gboolean
offers_show_in_files (gpointer user_data)
{
  return dailies_test_notifications_find_action (user_data, "Show in Files") != NULL;
}

static gboolean
folder_opened (gpointer user_data)
{
  g_autofree char *opened = g_build_filename (opener_dir, "opened", NULL);

  return g_file_test (opened, G_FILE_TEST_EXISTS);
}

/* No file manager on the bus (the Flatpak's case: the sandbox may not talk
 * to one): Show in Files opens the kept file's folder with the desktop's
 * default handler for folders instead. */
static void
test_show_in_files_without_file_manager (Fixture       *f,
                                         gconstpointer  data)
{
  const char *id = "asyntask_NotifyNoFiles00001";
  g_autofree char *show_key = g_strdup_printf ("app.show-in-files('%s')", id);
  g_autofree char *opened_path = g_build_filename (opener_dir, "opened", NULL);
  g_autofree char *opened = NULL;
  g_autoptr(GFile) opened_file = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (f->folder);
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GError) error = NULL;
  DailiesTask *task;

  g_bus_unown_name (f->fm_owner);
  f->fm_owner = 0;
  /* Asked on the same connection, so after the name is released. */
  owner = g_dbus_connection_call_sync (f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", "org.freedesktop.FileManager1"), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_null (owner);
  g_clear_error (&error);

  task = finish_task (f, id, DAILIES_TASK_RESULT_URL_LIFETIME);
  g_assert_true (dailies_test_wait_until (task_kept, task, 10000));
  g_assert_true (dailies_test_wait_until (offers_show_in_files, f->server, 5000));
  g_assert_cmpstr (dailies_test_notifications_find_action (f->server, "Show in Files"), ==, show_key);

  dailies_test_notifications_invoke (f->server, show_key);
  g_assert_true (dailies_test_wait_until (folder_opened, NULL, 10000));
  g_file_get_contents (opened_path, &opened, NULL, &error);
  g_assert_no_error (error);
  g_strchomp (opened);
  opened_file = g_file_new_for_commandline_arg (opened);
  g_assert_true (g_file_equal (opened_file, folder));
  g_assert_cmpuint (f->shown_uris->len, ==, 0);
}

/* A stand-in for the desktop's default handler for folders, found the way
 * GIO finds the real one: a desktop file in XDG_DATA_HOME named the default
 * for inode/directory in XDG_CONFIG_HOME's mimeapps.list. It writes the
 * argument it was started with to a file. Set up before GIO reads either. */
static void
set_up_folder_opener (void)
{
  g_autofree char *data_home = NULL;
  g_autofree char *applications = NULL;
  g_autofree char *config = NULL;
  g_autofree char *script = NULL;
  g_autofree char *script_text = NULL;
  g_autofree char *desktop_text = NULL;
  g_autofree char *desktop = NULL;
  g_autofree char *mimeapps = NULL;
  g_autoptr(GError) error = NULL;

  opener_dir = dailies_test_make_temp_dir ();
  data_home = g_build_filename (opener_dir, "data", NULL);
  applications = g_build_filename (data_home, "applications", NULL);
  config = g_build_filename (opener_dir, "config", NULL);
  g_assert_cmpint (g_mkdir_with_parents (applications, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);

  script = g_build_filename (opener_dir, "open-folder", NULL);
  script_text = g_strdup_printf ("#!/bin/sh\n"
                                 "printf '%%s\\n' \"$1\" > '%s/opened.part' && mv '%s/opened.part' '%s/opened'\n",
                                 opener_dir, opener_dir, opener_dir);
  g_file_set_contents (script, script_text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);

  desktop = g_build_filename (applications, "dailies-test-open-folder.desktop", NULL);
  desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Open Folder (test)\n"
                                  "Exec=%s %%u\nMimeType=inode/directory;\nNoDisplay=true\n", script);
  g_file_set_contents (desktop, desktop_text, -1, &error);
  g_assert_no_error (error);

  mimeapps = g_build_filename (config, "mimeapps.list", NULL);
  g_file_set_contents (mimeapps, "[Default Applications]\ninode/directory=dailies-test-open-folder.desktop\n",
                       -1, &error);
  g_assert_no_error (error);

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
}

/* Keeping off: two hours before the link lapses, a warning with Keep Now,
 * which keeps the file. Once per link. */
static void
test_link_warning (Fixture       *f,
                   gconstpointer  data)
{
  const char *id = "asyntask_NotifyLapse0000001";
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *keep_key = g_strdup_printf ("app.keep-now(['%s'])", id);
  SentWait wait = { f->server, 1 };
  DailiesTask *task;
  gint64 expires_at;

  /* At the window: no notice that it finished, but the warning comes. */
  dailies_notifier_set_user_present (f->notifier, TRUE);
  task = finish_task (f, id, DAILIES_NOTIFIER_WARNING_LEAD + 3);
  expires_at = dailies_task_get_link_expires_at (task);
  g_assert_cmpint (expires_at, >=, now + DAILIES_NOTIFIER_WARNING_LEAD + 2);
  g_assert_cmpint (expires_at, <=, now + DAILIES_NOTIFIER_WARNING_LEAD + 4);
  g_assert_cmpuint (dailies_notifier_get_n_watched (f->notifier), ==, 1);
  g_assert_true (dailies_notifier_has_timer (f->notifier));

  /* Not before its time... */
  dailies_test_notifications_sync (f->server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (f->server), ==, 0);

  /* ...but two hours before the link lapses. */
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 8000));
  g_assert_cmpint (g_get_real_time () / G_USEC_PER_SEC, >=, expires_at - DAILIES_NOTIFIER_WARNING_LEAD);
  g_assert_cmpstr (dailies_test_notifications_get_summary (f->server), ==, "Video link expires soon");
  g_assert_true (g_str_has_prefix (dailies_test_notifications_get_body (f->server), id));
  g_assert_cmpstr (dailies_test_notifications_find_action (f->server, "Keep Now"), ==, keep_key);
  g_assert_false (dailies_notifier_has_timer (f->notifier));
  g_assert_cmpuint (dailies_notifier_get_n_watched (f->notifier), ==, 0);
  g_assert_null (dailies_task_get_local_path (task));
  g_assert_cmpuint (f->n_video_requests, ==, 0);

  /* Keep Now, clicked on the notification server, keeps the video. */
  dailies_test_notifications_invoke (f->server, keep_key);
  g_assert_true (dailies_test_wait_until (task_kept, task, 10000));
  assert_kept_served_bytes (f, task);

  /* The same link is not warned about again, also when the task comes
   * back to the list. */
  {
    g_autoptr(DailiesTask) held = g_object_ref (task);

    dailies_task_store_set_local_path (f->store, task, NULL);
    dailies_task_store_remove (f->store, held);
    dailies_task_store_restore (f->store, held);
    g_assert_cmpuint (dailies_notifier_get_n_watched (f->notifier), ==, 0);
    g_assert_false (dailies_notifier_has_timer (f->notifier));
  }
}

static gboolean
has_held (gpointer user_data)
{
  return ((Fixture *) user_data)->held->len > 0;
}

static gboolean
copying (gpointer user_data)
{
  return dailies_task_get_download_fraction (user_data) >= 0;
}

static gboolean
none_watched (gpointer user_data)
{
  return dailies_notifier_get_n_watched (user_data) == 0;
}

/* Keeping on, and the copy still being made when the warning falls due
 * (a slow host, or a second try): nothing is said while the copy may
 * still be kept; when the host fails it, the warning goes out then. */
static void
test_warning_after_failed_copy (Fixture       *f,
                                gconstpointer  data)
{
  const char *id = "asyntask_NotifyCopyFails001";
  g_autofree char *keep_key = g_strdup_printf ("app.keep-now(['%s'])", id);
  SentWait wait = { f->server, 1 };
  DailiesTask *task;

  dailies_notifier_set_user_present (f->notifier, TRUE);
  f->hold_videos = TRUE;
  task = finish_task (f, id, DAILIES_NOTIFIER_WARNING_LEAD + 2);
  g_assert_true (dailies_test_wait_until (has_held, f, 5000));
  g_assert_true (dailies_test_wait_until (copying, task, 5000));

  /* Due, while the host still holds the copy: no warning yet. */
  g_assert_true (dailies_test_wait_until (none_watched, f->notifier, 8000));
  dailies_test_notifications_sync (f->server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (f->server), ==, 0);

  /* The host fails it (and any second try): now the warning, with Keep Now. */
  f->hold_videos = FALSE;
  f->fail_status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  for (guint i = 0; i < f->held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (f->held, i);

      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_unpause (msg);
    }
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 8000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (f->server), ==, "Video link expires soon");
  g_assert_cmpstr (dailies_test_notifications_find_action (f->server, "Keep Now"), ==, keep_key);
  g_assert_null (dailies_task_get_local_path (task));
}

/* Links that lapse close together share one warning, whose Keep Now keeps
 * them all. */
static void
test_links_warned_together (Fixture       *f,
                            gconstpointer  data)
{
  SentWait wait = { f->server, 1 };
  DailiesTask *first;
  DailiesTask *second;
  const char *keep_key;

  dailies_notifier_set_user_present (f->notifier, TRUE);
  dailies_notifier_set_warning_lead (f->notifier, 2 * DAILIES_TASK_RESULT_URL_LIFETIME);
  first = finish_task (f, "asyntask_NotifyPairOne00001", 3 * 60 * 60);
  second = finish_task (f, "asyntask_NotifyPairTwo00002", 3 * 60 * 60 + 60);
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (f->server), ==, "2 video links expire soon");
  keep_key = dailies_test_notifications_find_action (f->server, "Keep Now");
  g_assert_cmpstr (keep_key, ==, "app.keep-now(['asyntask_NotifyPairOne00001', 'asyntask_NotifyPairTwo00002'])");

  dailies_test_notifications_invoke (f->server, keep_key);
  g_assert_true (dailies_test_wait_until (task_kept, first, 10000));
  g_assert_true (dailies_test_wait_until (task_kept, second, 10000));
  assert_kept_served_bytes (f, first);
  assert_kept_served_bytes (f, second);
}

static gboolean
n_watched_zero (gpointer user_data)
{
  return dailies_notifier_get_n_watched (user_data) == 0;
}

static gboolean
none_pending (gpointer user_data)
{
  return !dailies_notifier_has_pending_finished (user_data);
}

/* With the setting off, nothing is sent; turned on again, it is. */
static void
test_setting_off (Fixture       *f,
                  gconstpointer  data)
{
  SentWait wait = { f->server, 1 };

  /* Every fresh link is due for its warning at once. */
  dailies_notifier_set_warning_lead (f->notifier, 2 * DAILIES_TASK_RESULT_URL_LIFETIME);

  g_settings_set_boolean (f->settings, "notifications", FALSE);
  finish_task (f, "asyntask_NotifyQuiet0000001", 3 * 60 * 60);
  g_assert_true (dailies_test_wait_until (n_watched_zero, f->notifier, 5000));
  dailies_test_notifications_sync (f->server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (f->server), ==, 0);

  g_settings_set_boolean (f->settings, "notifications", TRUE);
  finish_task (f, "asyntask_NotifyLoud00000001", 3 * 60 * 60);
  g_assert_true (dailies_test_wait_until (n_watched_zero, f->notifier, 5000));
  /* The warning, and that it finished (that one half a second later). */
  wait.n_sent = 2;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_true (dailies_test_notifications_was_sent (f->server, "Video link expires soon"));
  g_assert_true (dailies_test_notifications_was_sent (f->server, "Video ready"));
  g_assert_false (dailies_notifier_has_pending_finished (f->notifier));
  dailies_test_notifications_sync (f->server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (f->server), ==, 2);

  /* Finished, then the setting turned off before it went out: nothing. */
  finish_task (f, "asyntask_NotifyLate00000001", 3 * 60 * 60);
  g_assert_true (dailies_notifier_has_pending_finished (f->notifier));
  g_settings_set_boolean (f->settings, "notifications", FALSE);
  g_assert_true (dailies_test_wait_until (none_pending, f->notifier, 5000));
  g_assert_true (dailies_test_wait_until (n_watched_zero, f->notifier, 5000));
  dailies_test_notifications_sync (f->server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (f->server), ==, 2);
}

/* A live link among many tasks loaded at once is found (in slices, after
 * the constructor returns) and warned about. */
static void
test_many_tasks (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(DailiesNotifier) notifier = NULL;
  SentWait wait = { f->server, 1 };

  for (guint i = 0; i < 3000; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_NotifyMany%08u", i));
  g_clear_object (&f->notifier);
  dailies_task_store_add_ids (f->store, (const char * const *) ids->pdata, ids->len);
  finish_task (f, "asyntask_NotifyMany00002999", 3 * 60 * 60);

  notifier = dailies_notifier_new (app, f->store, f->keeper, f->settings);
  g_assert_cmpuint (dailies_notifier_get_n_watched (notifier), ==, 0);
  dailies_notifier_set_warning_lead (notifier, 2 * DAILIES_TASK_RESULT_URL_LIFETIME);
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (f->server), ==, "Video link expires soon");
  g_assert_true (g_str_has_prefix (dailies_test_notifications_get_body (f->server), "asyntask_NotifyMany00002999"));
  g_assert_false (dailies_notifier_has_timer (notifier));
}

/* Removed tasks are no longer watched, restored ones are again: only
 * those, whatever the list holds. */
static void
test_remove_restore_watch (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  const char *ids[] = { "asyntask_NotifyGone0000001", "asyntask_NotifyStay0000002", "asyntask_NotifyGone0000003" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    finish_task (f, ids[i], 3 * 60 * 60 + i);
  g_assert_cmpuint (dailies_notifier_get_n_watched (f->notifier), ==, 3);

  g_ptr_array_add (gone, g_object_ref (dailies_task_store_lookup (f->store, ids[2])));
  g_ptr_array_add (gone, g_object_ref (dailies_task_store_lookup (f->store, ids[0])));
  dailies_task_store_remove_tasks (f->store, gone);
  g_assert_cmpuint (dailies_notifier_get_n_watched (f->notifier), ==, 1);
  g_assert_true (dailies_notifier_has_timer (f->notifier));

  dailies_task_store_restore_tasks (f->store, gone);
  g_assert_cmpuint (dailies_notifier_get_n_watched (f->notifier), ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  set_up_folder_opener ();
  server = dailies_test_notifications_start ();
  app = g_application_new ("io.github.dailies.Dailies.NotifierTest", G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (app, NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/dailies/notifier/finished-while-away", test_finished_while_away);
  g_test_add_func ("/dailies/notifier/burst-finished", test_burst_finished);
  g_test_add ("/dailies/notifier/show-in-files", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_show_in_files, fixture_tear_down);
  g_test_add ("/dailies/notifier/show-in-files/no-file-manager", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_show_in_files_without_file_manager, fixture_tear_down);
  g_test_add ("/dailies/notifier/link-warning", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_link_warning, fixture_tear_down);
  g_test_add ("/dailies/notifier/warning-after-failed-copy", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_warning_after_failed_copy, fixture_tear_down);
  g_test_add ("/dailies/notifier/links-warned-together", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_links_warned_together, fixture_tear_down);
  g_test_add ("/dailies/notifier/setting-off", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_setting_off, fixture_tear_down);

  g_test_add ("/dailies/notifier/many-tasks", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_many_tasks, fixture_tear_down);
  g_test_add ("/dailies/notifier/remove-restore-watch", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_remove_restore_watch, fixture_tear_down);

  status = g_test_run ();
  dailies_test_notifications_stop (server);
  dailies_test_rm_rf (opener_dir);
  g_free (opener_dir);

  return status;
}
