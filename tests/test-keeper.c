/* test-keeper.c
 *
 * Keeping local copies against the demo server's CDN listener on 127.0.0.1,
 * with real files, the real downloader and a real SQLite store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dailies-api-client.h"
#include "dailies-demo-server.h"
#include "dailies-downloader.h"
#include "dailies-keeper.h"
#include "dailies-poller.h"
#include "dailies-task-response.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"
#include "dailies-thumbnailer.h"

#define WAIT_MS 15000

/* ------------------------------------------------------------------ */
/* A CDN of our own: it can hold answers halfway, and tells what it saw */
/* ------------------------------------------------------------------ */

typedef struct
{
  SoupServer *server;
  char       *base;          /* http://127.0.0.1:PORT */
  GBytes     *body;
  const char *content_type;
  gboolean    hold;          /* send half the body, then wait for cdn_release() */
  guint       n_requests;
  GPtrArray  *ranges;        /* the Range header of each request, "" when none */
  GPtrArray  *held;          /* SoupServerMessage */
  GPtrArray  *held_starts;   /* where each held answer started (GINT_TO_POINTER) */
} Cdn;

static void
cdn_cb (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Cdn *cdn = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  const char *range = soup_message_headers_get_one (request_headers, "Range");
  gsize total = g_bytes_get_size (cdn->body);
  SoupRange *ranges = NULL;
  int n_ranges = 0;
  goffset start = 0;

  g_assert_null (soup_message_headers_get_one (request_headers, "Authorization"));
  cdn->n_requests++;
  g_ptr_array_add (cdn->ranges, g_strdup (range != NULL ? range : ""));

  if (soup_message_headers_get_ranges (request_headers, total, &ranges, &n_ranges))
    {
      start = ranges[0].start;
      soup_message_headers_free_ranges (request_headers, ranges);
      /* We answer ranges ourselves. */
      soup_message_headers_remove (request_headers, "Range");
    }

  soup_server_message_set_status (msg, start > 0 ? SOUP_STATUS_PARTIAL_CONTENT : SOUP_STATUS_OK, NULL);
  if (start > 0)
    soup_message_headers_set_content_range (headers, start, total - 1, total);
  soup_message_headers_set_content_length (headers, total - start);
  soup_message_headers_set_content_type (headers, cdn->content_type, NULL);
  soup_message_body_set_accumulate (body, FALSE);

  if (cdn->hold)
    {
      soup_message_body_append (body, SOUP_MEMORY_COPY,
                                (const guint8 *) g_bytes_get_data (cdn->body, NULL) + start,
                                (total - start) / 2);
      g_ptr_array_add (cdn->held, g_object_ref (msg));
      g_ptr_array_add (cdn->held_starts, GINT_TO_POINTER ((int) start));
      return;
    }

  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const guint8 *) g_bytes_get_data (cdn->body, NULL) + start, total - start);
  soup_message_body_complete (body);
}

static Cdn *
cdn_new (GBytes *body)
{
  Cdn *cdn = g_new0 (Cdn, 1);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  cdn->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (cdn->server, NULL, cdn_cb, cdn, NULL);
  soup_server_listen_local (cdn->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (cdn->server);
  cdn->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  cdn->body = g_bytes_ref (body);
  cdn->content_type = "video/mp4";
  cdn->ranges = g_ptr_array_new_with_free_func (g_free);
  cdn->held = g_ptr_array_new_with_free_func (g_object_unref);
  cdn->held_starts = g_ptr_array_new ();

  return cdn;
}

/* Sends the rest of every held answer. */
static void
cdn_release (Cdn *cdn)
{
  gsize total = g_bytes_get_size (cdn->body);

  cdn->hold = FALSE;
  for (guint i = 0; i < cdn->held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (cdn->held, i);
      SoupMessageBody *body = soup_server_message_get_response_body (msg);
      gsize start = GPOINTER_TO_INT (g_ptr_array_index (cdn->held_starts, i));
      gsize sent = (total - start) / 2;

      soup_message_body_append (body, SOUP_MEMORY_COPY,
                                (const guint8 *) g_bytes_get_data (cdn->body, NULL) + start + sent,
                                total - start - sent);
      soup_message_body_complete (body);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (cdn->held, 0);
  g_ptr_array_set_size (cdn->held_starts, 0);
}

static void
cdn_free (Cdn *cdn)
{
  soup_server_disconnect (cdn->server);
  g_object_unref (cdn->server);
  g_ptr_array_unref (cdn->held);
  g_ptr_array_unref (cdn->held_starts);
  g_ptr_array_unref (cdn->ranges);
  g_bytes_unref (cdn->body);
  g_free (cdn->base);
  g_free (cdn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Cdn, cdn_free)

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

/* A finished task as the service answers it: its link is @cdn_base, then
 * "/videos/" @id @suffix and a signed query; @finished_ago sets how long
 * ago it finished, and so when its link lapses; @output_format may be NULL. */
static DailiesTask *
add_task_full (Fixture    *f,
               const char *id,
               gint64      finished_ago,
               const char *cdn_base,
               const char *suffix,
               const char *output_format)
{
  gint64 finish = g_get_real_time () / G_USEC_PER_SEC - finished_ago;
  g_autofree char *url = g_strdup_printf ("%s/videos/%s%s?Expires=%" G_GINT64_FORMAT "&Signature=t",
                                          cdn_base, id, suffix, finish + DAILIES_TASK_RESULT_URL_LIFETIME);
  g_autofree char *format = output_format != NULL ? g_strdup_printf (",\"output_format\":\"%s\"", output_format)
                                                  : g_strdup ("");
  g_autofree char *body = g_strdup_printf ("{\"code\":\"success\",\"data\":{\"task_id\":\"%s\",\"status\":\"SUCCESS\","
                                           "\"result_url\":\"%s\",\"fail_reason\":\"%s\",\"submit_time\":%" G_GINT64_FORMAT ","
                                           "\"start_time\":%" G_GINT64_FORMAT ",\"finish_time\":%" G_GINT64_FORMAT ","
                                           "\"progress\":\"100%%\",\"request_id\":\"req-%s\",\"data\":{\"model\":\"m\",\"seed\":7%s}}}",
                                           id, url, url, finish - 100, finish - 90, finish, id, format);
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

/* A finished task whose link points at the demo CDN. */
static DailiesTask *
add_finished_task (Fixture    *f,
                   const char *id,
                   gint64      finished_ago)
{
  return add_task_full (f, id, finished_ago, dailies_demo_server_get_cdn_url (f->server), ".mp4", NULL);
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

/* The sidecar is written on a worker thread after the copy is kept;
 * the keeper counts it as cleaning up until it is done. */
static gboolean
nothing_cleaning (gpointer user_data)
{
  Fixture *f = user_data;

  return dailies_keeper_get_n_cleaning (f->keeper) == 0;
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
  g_assert_true (dailies_test_wait_until (nothing_cleaning, f, 15000));
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

/* A SUCCESS whose result_url only looks like a link (no host: the
 * gateway's "no link" answer) has nothing to fetch: it is never queued,
 * so it gets no keep error, while a task with a real link is kept. */
static void
test_no_usable_link_not_queued (Fixture       *f,
                                gconstpointer  data)
{
  DailiesTask *unusable = add_task_full (f, "asyntask_NoLink0000000001", 3600, "http://", ".mp4", NULL);
  DailiesTask *task = add_finished_task (f, "asyntask_Usable0000000001", 60);
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };

  g_assert_nonnull (dailies_task_get_result_url (unusable));
  g_assert_false (dailies_task_has_usable_link (unusable));

  g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, 15000));
  g_assert_nonnull (dailies_task_get_local_path (task));

  g_assert_null (dailies_task_get_keep_message (unusable));
  g_assert_null (dailies_task_get_local_path (unusable));
  g_assert_cmpfloat (dailies_task_get_download_fraction (unusable), <, 0);
}

/* Lines a user's log would show from the keeper (debug lines are not). */
static GPtrArray *keeper_lines;

static GLogWriterOutput
record_keeper_lines (GLogLevelFlags   log_level,
                     const GLogField *fields,
                     gsize            n_fields,
                     gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (keeper_lines != NULL && !(log_level & G_LOG_LEVEL_DEBUG) &&
        g_strcmp0 (fields[i].key, "MESSAGE") == 0 &&
        g_str_has_prefix (fields[i].value, "keeper: "))
      g_ptr_array_add (keeper_lines, g_strdup (fields[i].value));

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static gboolean
all_have_keep_message (gpointer user_data)
{
  GPtrArray *tasks = user_data;

  for (guint i = 0; i < tasks->len; i++)
    if (dailies_task_get_keep_message (g_ptr_array_index (tasks, i)) == NULL)
      return FALSE;

  return TRUE;
}

/* With the video host refusing every link, many tasks fail to be kept:
 * the log gets one line for the streak, each task its own message. */
static void
test_failures_logged_once (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_Refused%09u", i);

      g_ptr_array_add (tasks, add_polled_task (f, id));
    }

  dailies_demo_server_expire_links (f->server);
  keeper_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (record_keeper_lines, NULL, NULL);
  dailies_keeper_start (f->keeper);

  g_assert_true (dailies_test_wait_until (all_have_keep_message, tasks, 15000));
  g_assert_cmpuint (keeper_lines->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (keeper_lines, 0), "could not keep"));
  g_clear_pointer (&keeper_lines, g_ptr_array_unref);
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

/* A folder that cannot be made (a file stands where one of its parents
 * would be): the task says why, and nothing is written. The folder is
 * made by the download, off the main thread. */
static void
test_folder_cannot_be_made (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *blocker = g_build_filename (f->dir, "NotAFolder", NULL);
  g_autofree char *folder = g_build_filename (blocker, "Videos", NULL);
  g_autofree char *said = g_strdup_printf ("Could not keep a copy: The folder “%s” cannot be made: %s", folder,
                                           g_strerror (ENOTDIR));
  DailiesTask *task;

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  dailies_keeper_set_folder (f->keeper, folder);
  task = add_polled_task (f, "asyntask_NoFolder000000001");
  dailies_keeper_start (f->keeper);

  g_assert_true (dailies_test_wait_until (has_keep_message, task, WAIT_MS));
  g_assert_cmpstr (dailies_task_get_keep_message (task), ==, said);
  g_assert_null (dailies_task_get_local_path (task));
  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
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

static GError *
save_as_full (Fixture              *f,
              DailiesTask          *task,
              const char           *path,
              DailiesDownloadFlags  flags)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SaveResult save = { FALSE, NULL };

  dailies_keeper_save_as_async (f->keeper, task, file, flags, NULL, saved_cb, &save);
  g_assert_true (dailies_test_wait_for_flag (&save.done, 15000));

  return save.error;
}

static void
save_as (Fixture     *f,
         DailiesTask *task,
         const char  *path)
{
  g_autoptr(GError) error = save_as_full (f, task, path, DAILIES_DOWNLOAD_FLAGS_NONE);

  g_assert_no_error (error);
}

/* Save Videos To… never replaces a file: @path is left as it was. */
static void
assert_save_leaves_alone (Fixture     *f,
                          DailiesTask *task,
                          const char  *path)
{
  g_autofree char *before = checksum_file (path);
  g_autofree char *after = NULL;
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GError) error = save_as_full (f, task, path, DAILIES_DOWNLOAD_NO_REPLACE);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  after = checksum_file (path);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
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
  g_autoptr(GError) error = NULL;
  guint requests;

  /* No local copy yet: Save As downloads the link. */
  dailies_keeper_set_auto_save (f->keeper, FALSE);
  dailies_keeper_start (f->keeper);
  save_as (f, task, streamed);
  streamed_sum = checksum_file (streamed);
  g_assert_cmpstr (streamed_sum, ==, expected);
  g_assert_null (dailies_task_get_local_path (task));
  g_file_set_contents (copied, "another video", -1, &error);
  g_assert_no_error (error);
  assert_save_leaves_alone (f, task, copied);
  g_assert_cmpint (g_unlink (copied), ==, 0);

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

  /* From the kept copy too. */
  assert_save_leaves_alone (f, task, streamed);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), ==, requests);
}

/* ------------------------------------------------------------------ */
/* Stopping, leftovers, the queue's order and the container            */
/* ------------------------------------------------------------------ */

static GBytes *
make_blob (gsize size)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (8);
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand);

  return g_bytes_new_take (data, size);
}

/* How many files in the keep folder end with @suffix and hold at least
 * @min_size bytes. */
static guint
count_files (Fixture    *f,
             const char *suffix,
             goffset     min_size)
{
  g_autoptr(GDir) dir = g_dir_open (f->folder, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->folder, name, NULL);
      GStatBuf buf;

      if (g_str_has_suffix (name, suffix) && g_stat (path, &buf) == 0 && buf.st_size >= min_size)
        n++;
    }

  return n;
}

typedef struct
{
  Fixture *f;
  Cdn     *cdn;
  guint    n_held;    /* answers held so far, cancelled ones too */
  guint    n_parts;
} Until;

/* @n_held answers are held, and the first halves of @n_parts of them
 * are in .part files. */
static gboolean
n_held_and_written (gpointer user_data)
{
  Until *until = user_data;

  return until->cdn->held->len == until->n_held && count_files (until->f, ".part", 1) == until->n_parts;
}

static gboolean
none_running (gpointer user_data)
{
  return dailies_keeper_get_n_running (user_data) == 0;
}

static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
write_file (const char *path,
            GBytes     *bytes,
            gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), length, &error);
  g_assert_no_error (error);
}

static void
test_auto_save_off_cancels (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GBytes) blob = make_blob (1024 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  Until until = { f, cdn, 2, 2 };
  gpointer kept[2] = { f, GUINT_TO_POINTER (5) };
  DailiesTask *tasks[5];

  cdn->hold = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *id = g_strdup_printf ("asyntask_Off00000000000%u", i);
      tasks[i] = add_task_full (f, id, 60 + i, cdn->base, ".mp4", NULL);
    }

  dailies_keeper_set_max_running (f->keeper, 2);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_held_and_written, &until, WAIT_MS));
  g_assert_cmpuint (dailies_keeper_get_n_waiting (f->keeper), ==, 3);

  /* The user turns "Keep copies" off. */
  dailies_keeper_set_auto_save (f->keeper, FALSE);
  g_assert_cmpuint (dailies_keeper_get_n_waiting (f->keeper), ==, 0);
  g_assert_true (dailies_test_wait_until (none_running, f->keeper, WAIT_MS));
  drain_main_context ();

  /* More room to run starts nothing: the queue is gone. */
  dailies_keeper_set_max_running (f->keeper, 5);
  g_assert_cmpuint (dailies_keeper_get_n_running (f->keeper), ==, 0);
  g_assert_cmpuint (cdn->n_requests, ==, 2);

  /* Neither a final file nor a .part file. */
  g_assert_cmpuint (count_files (f, "", 0), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_assert_null (dailies_task_get_local_path (tasks[i]));
      g_assert_null (dailies_task_get_keep_message (tasks[i]));
    }

  /* Turned off and on a few times, then left on: all five are kept. */
  for (guint i = 0; i < 3; i++)
    {
      until.n_held += 2;
      dailies_keeper_set_auto_save (f->keeper, TRUE);
      g_assert_true (dailies_test_wait_until (n_held_and_written, &until, WAIT_MS));
      dailies_keeper_set_auto_save (f->keeper, FALSE);
      g_assert_true (dailies_test_wait_until (none_running, f->keeper, WAIT_MS));
    }
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    g_signal_connect (tasks[i], "notify::local-path", G_CALLBACK (local_path_cb), f);
  cdn->hold = FALSE;
  dailies_keeper_set_auto_save (f->keeper, TRUE);
  g_assert_true (dailies_test_wait_until (n_kept_is, kept, WAIT_MS));
  g_assert_cmpuint (count_files (f, ".mp4", 0), ==, 5);
}

static void
test_stop_removes_part (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) blob = make_blob (1024 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  Until until = { f, cdn, 1, 1 };
  DailiesTask *task = add_task_full (f, "asyntask_Quit0000000000001", 60, cdn->base, ".mp4", NULL);
  gint64 started;

  cdn->hold = TRUE;
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_held_and_written, &until, WAIT_MS));

  /* Quitting: the application stops the keeper and waits. */
  started = g_get_monotonic_time ();
  dailies_keeper_stop (f->keeper);
  g_assert_true (dailies_test_wait_until (none_running, f->keeper, WAIT_MS));
  g_test_message ("stopped and cleaned up in %.1f ms", (g_get_monotonic_time () - started) / 1e3);

  g_assert_cmpuint (count_files (f, "", 0), ==, 0);
  g_assert_null (dailies_task_get_local_path (task));
  g_assert_cmpuint (cdn->n_requests, ==, 1);
}

static gboolean
objects_gone (gpointer user_data)
{
  gpointer *objects = user_data;

  return objects[0] == NULL && objects[1] == NULL;
}

static void
test_dispose_while_working (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GBytes) blob = make_blob (1024 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  Until until = { f, cdn, 1, 1 };
  g_autofree char *thumbnails = g_build_filename (f->dir, "thumbnails", NULL);
  g_autofree char *kept = g_build_filename (f->folder, "asyntask_Thumb000000000001.mp4", NULL);
  g_autofree char *final = g_build_filename (f->folder, "asyntask_Busy0000000000001.mp4", NULL);
  DailiesTask *kept_task = add_finished_task (f, "asyntask_Thumb000000000001", 60);
  DailiesDownloader *downloader = dailies_downloader_new ();
  DailiesThumbnailer *thumbnailer = dailies_thumbnailer_new (thumbnails);
  gpointer objects[2] = { downloader, thumbnailer };

  /* A keeper with a thumbnailer, which the fixture's has not. */
  g_clear_object (&f->keeper);
  f->keeper = dailies_keeper_new (f->store, downloader, thumbnailer, NULL);
  dailies_keeper_set_folder (f->keeper, f->folder);
  dailies_keeper_set_auto_save (f->keeper, TRUE);
  g_object_add_weak_pointer (G_OBJECT (downloader), &objects[0]);
  g_object_add_weak_pointer (G_OBJECT (thumbnailer), &objects[1]);
  g_object_unref (downloader);
  g_object_unref (thumbnailer);

  /* One copy is kept already (its thumbnail gets made), one is fetched. */
  write_file (kept, dailies_demo_server_get_video (f->server), g_bytes_get_size (dailies_demo_server_get_video (f->server)));
  dailies_task_store_set_local_path (f->store, kept_task, kept);
  add_task_full (f, "asyntask_Busy0000000000001", 60, cdn->base, ".mp4", NULL);
  cdn->hold = TRUE;

  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_held_and_written, &until, WAIT_MS));

  /* Gone while both work; their callbacks come later. */
  g_clear_object (&f->keeper);
  g_assert_true (dailies_test_wait_until (objects_gone, objects, WAIT_MS));
  drain_main_context ();

  g_assert_cmpuint (count_files (f, ".part", 0), ==, 0);
  g_assert_false (g_file_test (final, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
}

/* A .part file left at start-up: how the link ends, what the CDN says the
 * video is, and the name it must be kept under (a link that names no
 * container, answered as QuickTime, gives a .mov). */
typedef struct
{
  const char *link_suffix;
  const char *content_type;
  const char *kept_as;
} ResumeCase;

static const ResumeCase resume_mp4 = { ".mp4", "video/mp4", "asyntask_Resume00000000001.mp4" };
static const ResumeCase resume_untold_mov = { "", "video/quicktime", "asyntask_Resume00000000001.mov" };

static void
test_startup_resumes_part (Fixture       *f,
                           gconstpointer  data)
{
  const ResumeCase *resume = data;
  g_autoptr(GBytes) blob = make_blob (1024 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  DailiesTask *task = add_task_full (f, "asyntask_Resume00000000001", 3600, cdn->base, resume->link_suffix, NULL);
  g_autofree char *part = g_build_filename (f->folder, "asyntask_Resume00000000001.mp4.part", NULL);
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, blob);
  g_autofree char *actual = NULL;
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };

  /* What a killed run left: the first 400,000 bytes. */
  write_file (part, blob, 400000);
  cdn->content_type = resume->content_type;

  g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, WAIT_MS));

  /* Only the rest was asked for, and the whole file is there. */
  g_assert_cmpuint (cdn->n_requests, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (cdn->ranges, 0), ==, "bytes=400000-");
  g_assert_true (g_str_has_suffix (dailies_task_get_local_path (task), resume->kept_as));
  actual = checksum_file (dailies_task_get_local_path (task));
  g_assert_cmpstr (actual, ==, expected);
  g_assert_cmpuint (count_files (f, ".part", 0), ==, 0);
  g_assert_true (dailies_test_wait_until (nothing_cleaning, f, WAIT_MS));
  g_assert_cmpuint (count_files (f, "", 0), ==, 2);   /* the video and its sidecar */
}

static gboolean
one_part_left (gpointer user_data)
{
  return count_files (user_data, ".part", 0) == 1;
}

static void
test_startup_removes_stray_parts (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GBytes) blob = make_blob (64 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  g_autofree char *unknown = g_build_filename (f->folder, "asyntask_Unknown0000000001.mp4.part", NULL);
  g_autofree char *lapsed = g_build_filename (f->folder, "asyntask_Lapsed000000000001.mp4.part", NULL);
  g_autofree char *other = g_build_filename (f->folder, "notes.txt", NULL);
  g_autofree char *not_ours = g_build_filename (f->folder, "draft.part", NULL);

  add_task_full (f, "asyntask_Lapsed000000000001", 25 * 3600, cdn->base, ".mp4", NULL);
  write_file (unknown, blob, 1000);
  write_file (lapsed, blob, 1000);
  write_file (other, blob, 10);
  write_file (not_ours, blob, 10);

  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (one_part_left, f, WAIT_MS));
  drain_main_context ();

  /* Nothing was fetched, and files that are not ours stay. */
  g_assert_cmpuint (cdn->n_requests, ==, 0);
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (not_ours, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (f, "", 0), ==, 2);
}

static void
test_new_link_requeues (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) blob = make_blob (64 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  const char *ids[] = { "asyntask_Urgent00000000001", "asyntask_Middle00000000001", "asyntask_Fresh000000000001" };
  gint64 finished_ago[] = { 23 * 3600, 12 * 3600, 60 };
  Until held = { f, cdn, 1, 1 };
  gpointer until[2] = { f, GUINT_TO_POINTER (3) };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_signal_connect (add_task_full (f, ids[i], finished_ago[i], cdn->base, ".mp4", NULL),
                      "notify::local-path", G_CALLBACK (local_path_cb), f);

  cdn->hold = TRUE;
  dailies_keeper_set_max_running (f->keeper, 1);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_held_and_written, &held, WAIT_MS));

  /* While it waits, the middle task is checked again and the service
   * hands out a fresh link: now its copy can wait longest. */
  add_task_full (f, "asyntask_Middle00000000001", 0, cdn->base, "-renewed.mp4", NULL);
  cdn_release (cdn);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, WAIT_MS));

  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 0), ==, "asyntask_Urgent00000000001");
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 1), ==, "asyntask_Fresh000000000001");
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 2), ==, "asyntask_Middle00000000001");
}

/* A removed task waiting for its turn is not fetched; restored, it is. */
static void
test_remove_restore_waiting (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GBytes) blob = make_blob (64 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  const char *ids[] = { "asyntask_Urgent00000000001", "asyntask_Middle00000000001", "asyntask_Fresh000000000001" };
  gint64 finished_ago[] = { 23 * 3600, 12 * 3600, 60 };
  Until held = { f, cdn, 1, 1 };
  gpointer two[2] = { f, GUINT_TO_POINTER (2) };
  gpointer three[2] = { f, GUINT_TO_POINTER (3) };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_signal_connect (add_task_full (f, ids[i], finished_ago[i], cdn->base, ".mp4", NULL),
                      "notify::local-path", G_CALLBACK (local_path_cb), f);

  cdn->hold = TRUE;
  dailies_keeper_set_max_running (f->keeper, 1);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_held_and_written, &held, WAIT_MS));

  /* The middle one would go next, its link lapsing before the fresh one's. */
  g_ptr_array_add (gone, g_object_ref (dailies_task_store_lookup (f->store, ids[1])));
  dailies_task_store_remove_tasks (f->store, gone);
  cdn_release (cdn);
  g_assert_true (dailies_test_wait_until (n_kept_is, two, WAIT_MS));
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 0), ==, ids[0]);
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 1), ==, ids[2]);
  g_assert_null (dailies_task_get_local_path (g_ptr_array_index (gone, 0)));

  dailies_task_store_restore_tasks (f->store, gone);
  g_assert_true (dailies_test_wait_until (n_kept_is, three, WAIT_MS));
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 2), ==, ids[1]);
}

/* How a .mov is told: by the service, by its link, or only by the CDN. */
typedef struct
{
  const char *id;
  const char *link_suffix;
  const char *output_format;
  const char *content_type;
  gboolean    known_before;   /* Save As knows before the copy is kept */
} MovCase;

static const MovCase mov_from_output_format = { "asyntask_Mov0000000000001", "", "mov", "application/octet-stream", TRUE };
static const MovCase mov_from_link_path = { "asyntask_MovLink000000001", ".MOV", NULL, "application/octet-stream", TRUE };
static const MovCase mov_from_content_type = { "asyntask_MovType000000001", "", NULL, "video/quicktime", FALSE };

static void
test_kept_as_mov (Fixture       *f,
                  gconstpointer  data)
{
  const MovCase *mov = data;
  g_autoptr(GBytes) blob = make_blob (64 * 1024);
  g_autoptr(Cdn) cdn = cdn_new (blob);
  DailiesTask *task = add_task_full (f, mov->id, 60, cdn->base, mov->link_suffix, mov->output_format);
  g_autofree char *name = g_strconcat (mov->id, ".mov", NULL);
  g_autofree char *sidecar_name = g_strconcat (mov->id, ".json", NULL);
  g_autofree char *sidecar_path = g_build_filename (f->folder, sidecar_name, NULL);
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, blob);
  g_autofree char *actual = NULL;
  g_autofree char *suggested = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };
  JsonObject *sidecar;

  if (mov->known_before)
    {
      suggested = dailies_keeper_suggest_name (f->keeper, task);
      g_assert_cmpstr (suggested, ==, name);
      g_clear_pointer (&suggested, g_free);
    }

  cdn->content_type = mov->content_type;
  g_signal_connect (task, "notify::local-path", G_CALLBACK (local_path_cb), f);
  dailies_keeper_start (f->keeper);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, WAIT_MS));

  /* TASKID.mov, whole, and nothing named .mp4 or .part. */
  g_assert_true (g_str_has_suffix (dailies_task_get_local_path (task), name));
  actual = checksum_file (dailies_task_get_local_path (task));
  g_assert_cmpstr (actual, ==, expected);
  g_assert_cmpuint (count_files (f, ".mp4", 0), ==, 0);
  g_assert_cmpuint (count_files (f, ".part", 0), ==, 0);

  /* Save As and the sidecar say what it is. */
  suggested = dailies_keeper_suggest_name (f->keeper, task);
  g_assert_cmpstr (suggested, ==, name);
  g_assert_true (dailies_test_wait_until (nothing_cleaning, f, WAIT_MS));
  json_parser_load_from_file (parser, sidecar_path, &error);
  g_assert_no_error (error);
  sidecar = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member_with_default (sidecar, "container", NULL), ==, "mov");
}

/* Keep Now on a task kept once: the folder is asked (off the main
 * thread) whether the copy is there. Gone: fetched again; there: left. */
static void
test_keep_now_looks_for_copy (Fixture       *f,
                              gconstpointer  data)
{
  DailiesTask *kept = add_finished_task (f, "asyntask_StillKept00000001", 3600);
  DailiesTask *lost = add_finished_task (f, "asyntask_LostKeepNow000001", 3600);
  g_autofree char *there = g_build_filename (f->dir, "still-here.mp4", NULL);
  g_autofree char *gone = g_build_filename (f->dir, "deleted-by-user.mp4", NULL);
  gpointer until[2] = { f, GUINT_TO_POINTER (1) };

  g_assert_true (g_file_set_contents (there, "kept", -1, NULL));
  dailies_task_store_set_local_path (f->store, kept, there);
  dailies_task_store_set_local_path (f->store, lost, gone);
  g_signal_connect (kept, "notify::local-path", G_CALLBACK (local_path_cb), f);
  g_signal_connect (lost, "notify::local-path", G_CALLBACK (local_path_cb), f);
  dailies_keeper_set_auto_save (f->keeper, FALSE);
  dailies_keeper_start (f->keeper);

  dailies_keeper_keep_now (f->keeper, kept);
  dailies_keeper_keep_now (f->keeper, lost);
  g_assert_true (dailies_test_wait_until (n_kept_is, until, WAIT_MS));
  g_assert_cmpstr (g_ptr_array_index (f->kept_order, 0), ==, "asyntask_LostKeepNow000001");
  g_assert_true (g_file_test (dailies_task_get_local_path (lost), G_FILE_TEST_IS_REGULAR));

  g_assert_true (dailies_test_wait_until (none_running, f->keeper, WAIT_MS));
  g_assert_true (dailies_test_wait_until (nothing_cleaning, f, WAIT_MS));
  g_assert_cmpstr (dailies_task_get_local_path (kept), ==, there);
  g_assert_cmpuint (f->kept_order->len, ==, 1);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/dailies/keeper/failures-logged-once", Fixture, NULL,
              fixture_set_up, test_failures_logged_once, fixture_tear_down);
  g_test_add ("/dailies/keeper/keep-now-looks-for-copy", Fixture, NULL,
              fixture_set_up, test_keep_now_looks_for_copy, fixture_tear_down);
  g_test_add ("/dailies/keeper/keeps-copy-with-sidecar", Fixture, NULL,
              fixture_set_up, test_keeps_copy_with_sidecar, fixture_tear_down);
  g_test_add ("/dailies/keeper/earliest-expiry-first", Fixture, NULL,
              fixture_set_up, test_earliest_expiry_first, fixture_tear_down);
  g_test_add ("/dailies/keeper/missing-copy-fetched-again", Fixture, NULL,
              fixture_set_up, test_missing_copy_fetched_again_expired_not, fixture_tear_down);
  g_test_add ("/dailies/keeper/no-usable-link-not-queued", Fixture, NULL,
              fixture_set_up, test_no_usable_link_not_queued, fixture_tear_down);
  g_test_add ("/dailies/keeper/folder-cannot-be-made", Fixture, NULL,
              fixture_set_up, test_folder_cannot_be_made, fixture_tear_down);
  g_test_add ("/dailies/keeper/cdn-refuses", Fixture, NULL,
              fixture_set_up, test_cdn_refuses, fixture_tear_down);
  g_test_add ("/dailies/keeper/fresh-link-old-finish", Fixture, NULL,
              fixture_set_up, test_fresh_link_old_finish, fixture_tear_down);
  g_test_add ("/dailies/keeper/lapsed-signature-then-check-again", Fixture, NULL,
              fixture_set_up, test_lapsed_signature_then_check_again, fixture_tear_down);
  g_test_add ("/dailies/keeper/save-as", Fixture, NULL,
              fixture_set_up, test_save_as, fixture_tear_down);
  g_test_add ("/dailies/keeper/auto-save-off-cancels", Fixture, NULL,
              fixture_set_up, test_auto_save_off_cancels, fixture_tear_down);
  g_test_add ("/dailies/keeper/stop-removes-part", Fixture, NULL,
              fixture_set_up, test_stop_removes_part, fixture_tear_down);
  g_test_add ("/dailies/keeper/dispose-while-working", Fixture, NULL,
              fixture_set_up, test_dispose_while_working, fixture_tear_down);
  g_test_add ("/dailies/keeper/startup/resumes-part", Fixture, &resume_mp4,
              fixture_set_up, test_startup_resumes_part, fixture_tear_down);
  g_test_add ("/dailies/keeper/startup/resumes-part-as-mov", Fixture, &resume_untold_mov,
              fixture_set_up, test_startup_resumes_part, fixture_tear_down);
  g_test_add ("/dailies/keeper/startup/removes-stray-parts", Fixture, NULL,
              fixture_set_up, test_startup_removes_stray_parts, fixture_tear_down);
  g_test_add ("/dailies/keeper/new-link-requeues", Fixture, NULL,
              fixture_set_up, test_new_link_requeues, fixture_tear_down);
  g_test_add ("/dailies/keeper/remove-restore-waiting", Fixture, NULL,
              fixture_set_up, test_remove_restore_waiting, fixture_tear_down);
  g_test_add ("/dailies/keeper/container/output-format", Fixture, &mov_from_output_format,
              fixture_set_up, test_kept_as_mov, fixture_tear_down);
  g_test_add ("/dailies/keeper/container/link-path", Fixture, &mov_from_link_path,
              fixture_set_up, test_kept_as_mov, fixture_tear_down);
  g_test_add ("/dailies/keeper/container/content-type", Fixture, &mov_from_content_type,
              fixture_set_up, test_kept_as_mov, fixture_tear_down);

  return g_test_run ();
}
