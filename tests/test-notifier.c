/* test-notifier.c
 *
 * Desktop notifications for generations that finish while the user is away,
 * sent to a real notification server on the test's session bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-notifier.h"
#include "dailies-task-response.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-utils.h"

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
  DailiesTestNotifications *server = dailies_test_notifications_start ();
  g_autoptr(GApplication) app = g_application_new ("io.github.dailies.Dailies.NotifierTest", G_APPLICATION_NON_UNIQUE);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (db);
  g_autoptr(DailiesNotifier) notifier = NULL;
  g_autoptr(GError) error = NULL;
  SentWait wait = { server, 0 };

  g_assert_true (g_application_register (app, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dailies_task_store_load (store, &error));
  dailies_task_store_add_ids (store, ids, G_N_ELEMENTS (ids));
  notifier = dailies_notifier_new (app, store);

  /* Still running: nothing to tell. */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    answer (store, ids[i], "response-in-progress.json");
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 0);

  /* One finishes: its own notification. */
  answer (store, ids[0], "response-success.json");
  wait.n_sent = 1;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "Video ready");
  g_assert_cmpstr (dailies_test_notifications_get_body (server), ==, ids[0]);

  /* Another fails: one notification, now counting both. */
  answer (store, ids[1], "response-failure.json");
  wait.n_sent = 2;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "2 generations finished");
  g_assert_cmpstr (dailies_test_notifications_get_body (server), ==, "1 ready, 1 failed");

  /* A finished task checked again has not finished again. */
  answer (store, ids[0], "response-success.json");
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 2);

  /* Back at the window: the notification goes, and nothing new comes
   * while the user is there. */
  dailies_notifier_set_user_present (notifier, TRUE);
  g_assert_true (dailies_test_wait_until (closed_one, server, 5000));
  answer (store, ids[2], "response-success.json");
  dailies_test_notifications_sync (server);
  g_assert_cmpuint (dailies_test_notifications_get_n_sent (server), ==, 2);

  /* Away again: a task the service does not know is a failure of its own. */
  dailies_notifier_set_user_present (notifier, FALSE);
  dailies_task_store_record_error (store, dailies_task_store_lookup (store, ids[3]), "HTTP 404: task not found", 404);
  wait.n_sent = 3;
  g_assert_true (dailies_test_wait_until (sent_n, &wait, 5000));
  g_assert_cmpstr (dailies_test_notifications_get_summary (server), ==, "Generation failed");
  g_assert_true (g_str_has_prefix (dailies_test_notifications_get_body (server), ids[3]));
  g_assert_nonnull (strstr (dailies_test_notifications_get_body (server), "does not know"));

  g_clear_object (&notifier);
  g_clear_object (&store);
  dailies_test_notifications_stop (server);
  dailies_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/notifier/finished-while-away", test_finished_while_away);

  return g_test_run ();
}
