/* test-slow-folder.c
 *
 * A keep folder, and a list given on the command line, on shares that
 * take a long while to answer (slow-fs.c): the keep folder is made, the
 * demo's videos are kept there with their sidecars, a kept one is shown,
 * the list is read, and the window never waits for a share: no call that
 * names a path on one is made on the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "dailies-task-store.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"
#include "slow-fs.h"

#define WAIT_MS 60000
/* Each call about the share: as one that is slow, not one that is gone. */
#define SHARE_DELAY_MS 50

static char *share;        /* the keep folder: made by the app */
static char *lists_share;  /* where the list given on the command line is */

/* Every demo task that succeeded is kept, and one at least did. */
static gboolean
all_succeeded_kept (gpointer user_data)
{
  DailiesApplication *app = user_data;
  GListModel *tasks = G_LIST_MODEL (dailies_application_get_store (app));
  guint n_kept = 0;

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (tasks, i);

      if (dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS)
        continue;
      if (dailies_task_get_local_path (task) == NULL)
        return FALSE;
      n_kept++;
    }

  return n_kept > 0;
}

static DailiesTask *
first_kept (DailiesApplication *app)
{
  GListModel *tasks = G_LIST_MODEL (dailies_application_get_store (app));

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (tasks, i);

      if (dailies_task_get_local_path (task) != NULL)
        return g_steal_pointer (&task);
    }

  return NULL;
}

static gboolean
calls_above (gpointer user_data)
{
  return slow_fs_get_calls () > GPOINTER_TO_UINT (user_data);
}

/* Looked at on a thread of the test's: the share counts only the app's
 * main-thread calls. */
static void
is_regular_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_task_return_boolean (task, g_file_test (task_data, G_FILE_TEST_IS_REGULAR));
}

static gboolean
is_regular_off_main (const char *path)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread_sync (task, is_regular_thread);

  return g_task_propagate_boolean (task, NULL);
}

static gboolean
sidecar_written (gpointer user_data)
{
  return is_regular_off_main (user_data);
}

static void
test_slow_share_body (DailiesApplication *app,
                      gpointer            data)
{
  DailiesWindow *window = DAILIES_WINDOW (dailies_test_wait_for_window (GTK_APPLICATION (app)));
  g_autoptr(DailiesTask) kept = NULL;
  g_autofree char *sidecar = NULL;
  g_autofree char *main_call_names = NULL;
  guint calls_before_showing;
  guint main_calls;

  /* The list on its share, read. */
  dailies_test_wait_for_toast (window, "Added 2 tasks", WAIT_MS);
  g_assert_nonnull (dailies_task_store_lookup (dailies_application_get_store (app), "asyntask_OnTheShare0000000001"));

  /* The demo's finished tasks kept in the folder the app made, a
   * sidecar beside each (looked for on a thread of the test's). */
  g_assert_true (dailies_test_wait_until (all_succeeded_kept, app, WAIT_MS));
  kept = first_kept (app);
  g_assert_true (g_str_has_prefix (dailies_task_get_local_path (kept), share));
  g_assert_true (is_regular_off_main (dailies_task_get_local_path (kept)));
  {
    g_autofree char *folder = g_path_get_dirname (dailies_task_get_local_path (kept));
    g_autofree char *name = g_strconcat (dailies_task_get_id (kept), ".json", NULL);

    sidecar = g_build_filename (folder, name, NULL);
  }
  g_assert_true (dailies_test_wait_until (sidecar_written, sidecar, WAIT_MS));

  /* One shown: the view looks for its copy, which takes the share's
   * while. */
  calls_before_showing = slow_fs_get_calls ();
  g_assert_true (dailies_window_select_task (window, dailies_task_get_id (kept)));
  g_assert_true (dailies_test_wait_until (calls_above, GUINT_TO_POINTER (calls_before_showing), WAIT_MS));
  dailies_test_wait_for_frames (GTK_WIDGET (window));

  /* All of it: the count is read last. */
  main_calls = slow_fs_get_main_thread_calls ();
  main_call_names = slow_fs_dup_main_calls ();
  g_test_message ("%u calls about the share, %u of them on the main thread%s%s", slow_fs_get_calls (), main_calls,
                  main_calls > 0 ? ": " : "", main_calls > 0 ? main_call_names : "");
  g_assert_cmpuint (main_calls, ==, 0);
}

static void
test_slow_share (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  g_autofree char *list = g_build_filename (lists_share, "ids.txt", NULL);
  const char * const argv[] = { "dailies", "--demo", list, NULL };

  g_assert_cmpint (g_mkdir_with_parents (lists_share, 0700), ==, 0);
  g_assert_true (g_file_set_contents (list, "asyntask_OnTheShare0000000001\nasyntask_OnTheShare0000000002\n", -1, NULL));
  /* The app makes it. */
  g_assert_false (g_file_test (share, G_FILE_TEST_EXISTS));

  slow_fs_watch (share, SHARE_DELAY_MS);
  slow_fs_watch (lists_share, SHARE_DELAY_MS);
  dailies_test_run_app (app, argv, test_slow_share_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = NULL;
  g_autofree char *cache = NULL;
  DailiesTestNotifications *notifications;
  int status;

  /* The demo keeps its videos in a folder of the cache: that folder is
   * on the share. Set before GLib reads it. */
  root = dailies_test_make_temp_dir ();
  cache = g_build_filename (root, "cache", NULL);
  share = g_build_filename (cache, "dailies", "demo-videos", NULL);
  lists_share = g_build_filename (root, "lists", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  notifications = dailies_test_notifications_start ();

  g_test_add_func ("/dailies/slow-folder/share", test_slow_share);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);
  dailies_test_rm_rf (root);
  g_free (share);
  g_free (lists_share);

  return status;
}
