/* test-keeper.c
 *
 * Keeping local copies against the demo server's CDN listener on 127.0.0.1,
 * with real files, the real downloader and a real SQLite store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "dailies-api-client.h"
#include "dailies-demo-server.h"
#include "dailies-downloader.h"
#include "dailies-keeper.h"
#include "dailies-poller.h"
#include "dailies-task-response.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

typedef struct
{
  DailiesDemoServer *server;
  DailiesTaskStore  *store;
  DailiesKeeper     *keeper;
  DailiesApiClient  *client;
  DailiesPoller     *poller;     /* asks the demo API, as the app does */
  char              *dir;
  char              *folder;
  GPtrArray         *kept_order;   /* task IDs in the order their copies landed */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesDownloader) downloader = dailies_downloader_new ();
  g_autofree char *db = NULL;

  f->server = dailies_demo_server_new ();
  g_assert_true (dailies_demo_server_start (f->server, &error));
  dailies_demo_server_set_answer_any (f->server, TRUE);

  f->dir = dailies_test_make_temp_dir ();
  f->folder = g_build_filename (f->dir, "Videos", "Dailies", NULL);
  db = g_build_filename (f->dir, "tasks.db", NULL);
  f->store = dailies_task_store_new (db);
  g_assert_true (dailies_task_store_load (f->store, &error));

  f->keeper = dailies_keeper_new (f->store, downloader, NULL, NULL);
  dailies_keeper_set_folder (f->keeper, f->folder);
  dailies_keeper_set_auto_save (f->keeper, TRUE);
  f->kept_order = g_ptr_array_new_with_free_func (g_free);

  f->client = dailies_api_client_new (dailies_demo_server_get_base_url (f->server));
  dailies_api_client_set_api_key (f->client, "demo");
  f->poller = dailies_poller_new (f->store, f->client, NULL);
  dailies_poller_set_interval (f->poller, 1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->keeper);
  g_clear_object (&f->poller);
  g_clear_object (&f->client);
  g_clear_object (&f->store);
  g_clear_object (&f->server);
  dailies_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->folder);
  g_ptr_array_unref (f->kept_order);
}

/* A finished task whose link points at the demo CDN; @finished_ago sets
 * how long ago it finished, and so when its link lapses. */
static DailiesTask *
add_finished_task (Fixture    *f,
                   const char *id,
                   gint64      finished_ago)
{
  gint64 finish = g_get_real_time () / G_USEC_PER_SEC - finished_ago;
  g_autofree char *url = g_strdup_printf ("%s/videos/%s.mp4?Expires=%" G_GINT64_FORMAT "&Signature=t",
                                          dailies_demo_server_get_cdn_url (f->server), id,
                                          finish + DAILIES_TASK_RESULT_URL_LIFETIME);
  g_autofree char *body = g_strdup_printf ("{\"code\":\"success\",\"data\":{\"task_id\":\"%s\",\"status\":\"SUCCESS\","
                                           "\"result_url\":\"%s\",\"fail_reason\":\"%s\",\"submit_time\":%" G_GINT64_FORMAT ","
                                           "\"start_time\":%" G_GINT64_FORMAT ",\"finish_time\":%" G_GINT64_FORMAT ","
                                           "\"progress\":\"100%%\",\"request_id\":\"req-%s\",\"data\":{\"model\":\"m\",\"seed\":7}}}",
                                           id, url, url, finish - 100, finish - 90, finish, id);
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

static void
local_path_cb (DailiesTask *task,
               GParamSpec  *pspec,
               Fixture     *f)
{
  if (dailies_task_get_local_path (task) != NULL)
    g_ptr_array_add (f->kept_order, g_strdup (dailies_task_get_id (task)));
}

static gboolean
n_kept_is (gpointer user_data)
{
  Fixture *f = ((gpointer *) user_data)[0];

  return f->kept_order->len == GPOINTER_TO_UINT (((gpointer *) user_data)[1]);
}

static char *
checksum_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static char *
checksum_served (Fixture *f)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, dailies_demo_server_get_video (f->server));
}

static void
test_keeps_copy_with_sidecar (Fixture       *f,
                              gconstpointer  data)
{
  DailiesTask *task = add_finished_task (f, "asyntask_KeepMe0000000001", 60);
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };
  g_autofree char *expected = checksum_served (f);
  g_autofree char *actual = NULL;
  g_autofree char *sidecar_path = NULL;
  g_autofree char *sidecar = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, 15000));

  /* Byte for byte what the CDN served, in the chosen folder. */
  g_assert_true (g_str_has_prefix (dailies_task_get_local_path (task), f->folder));
  g_assert_true (g_str_has_suffix (dailies_task_get_local_path (task), "asyntask_KeepMe0000000001.mp4"));
  actual = checksum_file (dailies_task_get_local_path (task));
  g_assert_cmpstr (actual, ==, expected);
  g_assert_cmpfloat (dailies_task_get_download_fraction (task), <, 0);
  g_assert_null (dailies_task_get_keep_message (task));

  /* The sidecar traces the file without any URL. */
  sidecar_path = g_build_filename (f->folder, "asyntask_KeepMe0000000001.json", NULL);
  g_file_get_contents (sidecar_path, &sidecar, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (sidecar, "req-asyntask_KeepMe0000000001"));
  g_assert_null (strstr (sidecar, "http"));
  g_assert_null (strstr (sidecar, "Signature"));

  /* No partial file is left, and the CDN never saw a key. */
  {
    g_autofree char *part = g_strconcat (dailies_task_get_local_path (task), ".part", NULL);
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (f->server), ==, 0);
}

static void
test_earliest_expiry_first (Fixture       *f,
                            gconstpointer  data)
{
  /* Added in an order unlike their deadlines. */
  const char *ids[] = { "asyntask_Fresh000000000001", "asyntask_Urgent00000000001", "asyntask_Middle00000000001" };
  gint64 finished_ago[] = { 60, 23 * 3600, 12 * 3600 };
  gpointer until[2] = { f, GUINT_TO_POINTER (3) };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_signal_connect (add_finished_task (f, ids[i], finished_ago[i]), "notify::local-path",
                      G_CALLBACK (local_path_cb), f);

  dailies_keeper_set_max_running (f->keeper, 1);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, 20000));

  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 0), ==, "asyntask_Urgent00000000001");
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 1), ==, "asyntask_Middle00000000001");
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 2), ==, "asyntask_Fresh000000000001");
}

static void
test_missing_copy_fetched_again_expired_not (Fixture       *f,
                                             gconstpointer  data)
{
  DailiesTask *lost = add_finished_task (f, "asyntask_LostCopy000000001", 3600);
  DailiesTask *expired = add_finished_task (f, "asyntask_Expired000000001", 25 * 3600);
  g_autofree char *gone = g_build_filename (f->dir, "deleted-by-user.mp4", NULL);
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };

  /* Kept once, then the file went away. */
  dailies_task_store_set_local_path (f->store, lost, gone);
  g_signal_connect (lost, "notify::local-path", G_CALLBACK (local_path_cb), f);

  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, 15000));
  g_assert_true (g_file_test (dailies_task_get_local_path (lost), G_FILE_TEST_IS_REGULAR));

  /* A lapsed link is a state of its own: nothing is fetched for it. */
  g_assert_true (dailies_task_is_link_expired (expired, g_get_real_time () / G_USEC_PER_SEC));
  g_assert_null (dailies_task_get_local_path (expired));
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), ==, 1);
}

static gboolean
has_link (gpointer user_data)
{
  return dailies_task_get_result_url (user_data) != NULL;
}

static gboolean
has_other_link (gpointer user_data)
{
  DailiesTask *task = ((gpointer *) user_data)[0];
  const char *before = ((gpointer *) user_data)[1];
  const char *now = dailies_task_get_result_url (task);

  return now != NULL && g_strcmp0 (now, before) != 0;
}

static gboolean
has_keep_message (gpointer user_data)
{
  return dailies_task_get_keep_message (user_data) != NULL &&
         dailies_task_get_download_fraction (user_data) < 0;
}

/* Adds @id and lets the poller ask the demo API about it until it has
 * an answer with a link. */
static DailiesTask *
add_polled_task (Fixture    *f,
                 const char *id)
{
  DailiesTask *task;

  dailies_task_store_add_ids (f->store, &id, 1);
  task = dailies_task_store_lookup (f->store, id);
  dailies_poller_start (f->poller);
  g_assert_true (dailies_test_wait_until (has_link, task, 15000));

  return task;
}

/* Asks about @task again (Check Again) and waits for a link other than
 * the one it has. */
static void
check_again (Fixture     *f,
             DailiesTask *task)
{
  g_autofree char *before = g_strdup (dailies_task_get_result_url (task));
  gpointer until[2] = { task, before };

  dailies_poller_refresh (f->poller, task);
  g_assert_true (dailies_test_wait_until (has_other_link, until, 15000));
}

/* A server that signs the link afresh at each answer, for a task that
 * finished days ago (its finish_time stays days old): the fresh link is
 * kept. */
static void
test_fresh_link_old_finish (Fixture       *f,
                            gconstpointer  data)
{
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };
  g_autofree char *expected = checksum_served (f);
  g_autofree char *actual = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  DailiesTask *task;

  dailies_demo_server_set_any_finished_ago (f->server, 3 * 24 * 60 * 60);
  dailies_demo_server_set_resign_links (f->server, TRUE);
  dailies_keeper_start (f->keeper);

  task = add_polled_task (f, "asyntask_FreshLinkOldTask01");
  g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
  g_assert_cmpint (dailies_task_get_finish_time (task), <, now - 2 * 24 * 60 * 60);
  g_assert_false (dailies_task_is_link_expired (task, now));

  g_assert_true (dailies_test_wait_until (n_kept_is, until, 15000));
  actual = checksum_file (dailies_task_get_local_path (task));
  g_assert_cmpstr (actual, ==, expected);
}

/* A link whose signature lapsed is not fetched at all; Check Again brings
 * a freshly signed one, which is kept. */
static void
test_lapsed_signature_then_check_again (Fixture       *f,
                                        gconstpointer  data)
{
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };
  DailiesTask *task;

  dailies_demo_server_set_any_finished_ago (f->server, 3 * 24 * 60 * 60);
  dailies_keeper_start (f->keeper);

  /* The keeper looks at each answer as it comes: nothing was started. */
  task = add_polled_task (f, "asyntask_LapsedSignature01");
  g_assert_true (dailies_task_is_link_expired (task, g_get_real_time () / G_USEC_PER_SEC));
  g_assert_cmpuint (dailies_keeper_get_n_running (f->keeper), ==, 0);
  g_assert_cmpuint (dailies_keeper_get_n_waiting (f->keeper), ==, 0);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), ==, 0);

  g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
  dailies_demo_server_renew_links (f->server);
  check_again (f, task);
  g_assert_false (dailies_task_is_link_expired (task, g_get_real_time () / G_USEC_PER_SEC));
  g_assert_true (dailies_test_wait_until (n_kept_is, until, 15000));
  g_assert_true (g_file_test (dailies_task_get_local_path (task), G_FILE_TEST_IS_REGULAR));
}

/* The CDN refuses a link whose clock says valid: it counts as lapsed,
 * after a restart too, until Check Again brings another link. */
static void
test_cdn_refuses (Fixture       *f,
                  gconstpointer  data)
{
  DailiesTask *task;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *refused = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  task = add_polled_task (f, "asyntask_Refused000000001");
  refused = g_strdup (dailies_task_get_result_url (task));
  g_assert_false (dailies_task_is_link_expired (task, now));

  dailies_demo_server_expire_links (f->server);
  dailies_keeper_start (f->keeper);

  g_assert_true (dailies_test_wait_until (has_keep_message, task, 15000));
  g_assert_nonnull (strstr (dailies_task_get_keep_message (task), "expired"));
  g_assert_null (dailies_task_get_local_path (task));
  g_assert_true (dailies_task_is_link_expired (task, now));
  g_assert_cmpint (dailies_task_get_link_expires_at (task), <=, g_get_real_time () / G_USEC_PER_SEC);

  /* Nothing half-written stays behind. */
  dir = g_dir_open (f->folder, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));

  /* Saved: another run of the app knows it too. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(DailiesTaskStore) reopened = dailies_task_store_new (dailies_task_store_get_path (f->store));

    g_assert_true (dailies_task_store_flush (f->store, &error));
    g_assert_true (dailies_task_store_load (reopened, &error));
    g_assert_no_error (error);
    g_assert_true (dailies_task_is_link_expired (dailies_task_store_lookup (reopened, "asyntask_Refused000000001"), now));
  }

  /* Checked again, the task comes back with a fresh link: it is kept. */
  {
    gpointer until[2] = { f, GUINT_TO_POINTER (1) };

    g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
    dailies_demo_server_renew_links (f->server);
    check_again (f, task);
    g_assert_cmpstr (dailies_task_get_result_url (task), !=, refused);
    g_assert_cmpint (dailies_task_get_link_lapsed (task), ==, 0);
    g_assert_true (dailies_test_wait_until (n_kept_is, until, 15000));
    g_assert_true (g_file_test (dailies_task_get_local_path (task), G_FILE_TEST_IS_REGULAR));
  }
}

typedef struct
{
  gboolean done;
  GError  *error;
} SaveResult;

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SaveResult *save = user_data;

  dailies_keeper_save_as_finish (DAILIES_KEEPER (object), result, &save->error);
  save->done = TRUE;
}

static void
save_as (Fixture     *f,
         DailiesTask *task,
         const char  *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SaveResult save = { FALSE, NULL };

  dailies_keeper_save_as_async (f->keeper, task, file, NULL, saved_cb, &save);
  g_assert_true (dailies_test_wait_for_flag (&save.done, 15000));
  g_assert_no_error (save.error);
}

static void
test_save_as (Fixture       *f,
              gconstpointer  data)
{
  DailiesTask *task = add_finished_task (f, "asyntask_SaveAs0000000001", 60);
  g_autofree char *expected = checksum_served (f);
  g_autofree char *streamed = g_build_filename (f->dir, "streamed.mp4", NULL);
  g_autofree char *copied = g_build_filename (f->dir, "copied.mp4", NULL);
  g_autofree char *streamed_sum = NULL;
  g_autofree char *copied_sum = NULL;
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };
  guint requests;

  /* No local copy yet: Save As downloads the link. */
  dailies_keeper_set_auto_save (f->keeper, FALSE);
  dailies_keeper_start (f->keeper);
  save_as (f, task, streamed);
  streamed_sum = checksum_file (streamed);
  g_assert_cmpstr (streamed_sum, ==, expected);
  g_assert_null (dailies_task_get_local_path (task));

  /* Turning keeping on keeps the task that had already finished; then
   * Save As copies the file, without another request. */
  g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
  dailies_keeper_set_auto_save (f->keeper, TRUE);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, 15000));
  requests = dailies_demo_server_get_n_video_requests (f->server);
  save_as (f, task, copied);
  copied_sum = checksum_file (copied);
  g_assert_cmpstr (copied_sum, ==, expected);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), ==, requests);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (f->server), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/dailies/keeper/keeps-copy-with-sidecar", Fixture, NULL,
              fixture_set_up, test_keeps_copy_with_sidecar, fixture_tear_down);
  g_test_add ("/dailies/keeper/earliest-expiry-first", Fixture, NULL,
              fixture_set_up, test_earliest_expiry_first, fixture_tear_down);
  g_test_add ("/dailies/keeper/missing-copy-fetched-again", Fixture, NULL,
              fixture_set_up, test_missing_copy_fetched_again_expired_not, fixture_tear_down);
  g_test_add ("/dailies/keeper/cdn-refuses", Fixture, NULL,
              fixture_set_up, test_cdn_refuses, fixture_tear_down);
  g_test_add ("/dailies/keeper/fresh-link-old-finish", Fixture, NULL,
              fixture_set_up, test_fresh_link_old_finish, fixture_tear_down);
  g_test_add ("/dailies/keeper/lapsed-signature-then-check-again", Fixture, NULL,
              fixture_set_up, test_lapsed_signature_then_check_again, fixture_tear_down);
  g_test_add ("/dailies/keeper/save-as", Fixture, NULL,
              fixture_set_up, test_save_as, fixture_tear_down);

  return g_test_run ();
}
