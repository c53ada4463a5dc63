/* test-promises.c
 *
 * The README's promises, each driven the way a person drives the app: the
 * real window on the Xvfb display, tasks given on the command line, and a
 * real HTTP server on 127.0.0.1 standing in for the API (through
 * DAILIES_API_BASE and DAILIES_API_KEY, as a user would set them).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "dailies-application.h"
#include "dailies-preferences-window.h"
#include "dailies-task-response.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"

#define FIRST_ID  "asyntask_PromiseFirst0000000000001"
#define SECOND_ID "asyntask_PromiseSecond000000000002"
#define THIRD_ID  "asyntask_PromiseThird0000000000003"

/* The stand-in API: every task is still generating, and every request is
 * remembered with the time it came. */
typedef struct
{
  SoupServer *server;
  char       *base_url;
  GPtrArray  *request_ids;    /* task IDs, in order */
  GArray     *request_times;  /* gint64 monotonic µs, in the same order */
} ApiServer;

static ApiServer api;

static void
api_handler (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  const char *prefix = "/v1/video/generations/";
  const char *id;
  char *body;
  gint64 now = g_get_monotonic_time ();

  if (!g_str_has_prefix (path, prefix))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  id = path + strlen (prefix);
  g_ptr_array_add (api.request_ids, g_strdup (id));
  g_array_append_val (api.request_times, now);

  body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{"
                          "\"task_id\":\"%s\",\"action\":\"generate\",\"status\":\"IN_PROGRESS\","
                          "\"fail_reason\":\"\",\"submit_time\":1777288506,\"start_time\":1777288508,"
                          "\"finish_time\":0,\"progress\":\"50%%\",\"request_id\":\"promise\","
                          "\"data\":{\"id\":\"cgt-20260427191505-r8n2x\",\"status\":\"running\"}}}",
                          id);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
api_server_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *uri = NULL;

  api.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (api.server, NULL, api_handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (api.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (api.server);
  uri = g_uri_to_string (uris->data);
  api.base_url = g_strndup (uri, strlen (uri) - (g_str_has_suffix (uri, "/") ? 1 : 0));
  api.request_ids = g_ptr_array_new_with_free_func (g_free);
  api.request_times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

/* How many requests asked about @id. */
static guint
api_count_requests (const char *id)
{
  guint n = 0;

  for (guint i = 0; i < api.request_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (api.request_ids, i), id) == 0)
      n++;

  return n;
}

/* The time of the @nth request about @id (0 = the first). */
static gint64
api_request_time (const char *id,
                  guint       nth)
{
  for (guint i = 0; i < api.request_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (api.request_ids, i), id) == 0 && nth-- == 0)
      return g_array_index (api.request_times, gint64, i);

  g_assert_not_reached ();
}

typedef struct
{
  const char *id;
  guint       n_requests;
} RequestWait;

static gboolean
api_got_requests (gpointer user_data)
{
  RequestWait *wait = user_data;

  return api_count_requests (wait->id) >= wait->n_requests;
}

/* ------------------------------------------------------------------ */
/* Running the app                                                     */
/* ------------------------------------------------------------------ */

/* Runs `dailies ID…` with @func called once the window is up. */
static void
run_app_with_ids (DailiesTestAppFunc func)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", FIRST_ID, SECOND_ID, THIRD_ID, NULL };

  dailies_test_run_app (app, argv, func, NULL);
}

static gboolean
store_has_three_tasks (gpointer user_data)
{
  DailiesTaskStore *store = dailies_application_get_store (user_data);

  return dailies_task_store_is_loaded (store) &&
         dailies_task_store_lookup (store, FIRST_ID) != NULL &&
         dailies_task_store_lookup (store, SECOND_ID) != NULL &&
         dailies_task_store_lookup (store, THIRD_ID) != NULL;
}

static DailiesWindow *
wait_for_window (DailiesApplication *app)
{
  DailiesWindow *window = DAILIES_WINDOW (dailies_test_wait_for_window (GTK_APPLICATION (app)));

  g_assert_true (dailies_test_wait_until (store_has_three_tasks, app, 10000));

  return window;
}

static gboolean
window_shows_undo (gpointer user_data)
{
  return dailies_test_find_button (user_data, "_Undo") != NULL;
}

static gboolean
is_spin_with_value (GtkWidget     *widget,
                    gconstpointer  value)
{
  return GTK_IS_SPIN_BUTTON (widget) &&
         gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)) == *(const double *) value;
}

static gboolean
widget_is_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data);
}

static int
position_of (DailiesTaskStore *store,
             const char       *id)
{
  GListModel *model = G_LIST_MODEL (store);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);

      if (g_strcmp0 (dailies_task_get_id (task), id) == 0)
        return (int) i;
    }

  return -1;
}

/* ------------------------------------------------------------------ */
/* "Delete removes the selected task (with Undo)"                       */
/* ------------------------------------------------------------------ */

static char *undo_db_path;
static int undo_position;

static void
undo_from_toast_body (DailiesApplication *app,
                      gpointer            data)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  DailiesWindow *window = wait_for_window (app);
  GtkWidget *undo;

  undo_db_path = g_strdup (dailies_task_store_get_path (store));
  undo_position = position_of (store, SECOND_ID);
  g_assert_cmpint (undo_position, >=, 0);

  g_assert_true (dailies_window_select_task (window, SECOND_ID));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove", NULL));
  g_assert_null (dailies_task_store_lookup (store, SECOND_ID));

  /* The toast's own button, as a person clicks it. */
  g_assert_true (dailies_test_wait_until (window_shows_undo, window, 5000));
  undo = dailies_test_find_button (GTK_WIDGET (window), "_Undo");
  g_signal_emit_by_name (undo, "clicked");

  g_assert_nonnull (dailies_task_store_lookup (store, SECOND_ID));
  g_assert_cmpint (position_of (store, SECOND_ID), ==, undo_position);
}

static void
test_undo_from_toast (void)
{
  g_autoptr(DailiesTaskStore) reopened = NULL;
  g_autoptr(GError) error = NULL;

  run_app_with_ids (undo_from_toast_body);

  /* And it is still there next time, in its place. */
  reopened = dailies_task_store_new (undo_db_path);
  g_assert_true (dailies_task_store_load (reopened, &error));
  g_assert_no_error (error);
  g_assert_nonnull (dailies_task_store_lookup (reopened, SECOND_ID));
  g_assert_cmpint (position_of (reopened, SECOND_ID), ==, undo_position);
  g_clear_pointer (&undo_db_path, g_free);
}

/* ------------------------------------------------------------------ */
/* Toasts, as a person sees and clicks them                             */
/* ------------------------------------------------------------------ */

static gboolean
is_button_named (GtkWidget     *widget,
                 gconstpointer  name)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), name) == 0 ||
          g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), name) == 0);
}

typedef struct
{
  DailiesWindow *window;
  const char    *title;
  const char    *button;   /* its label, or its icon's name */
} ToastButton;

static gboolean
toast_button_is_up (gpointer user_data)
{
  ToastButton *wanted = user_data;
  GtkWidget *toast = dailies_test_find_toast (GTK_WIDGET (wanted->window), wanted->title, TRUE);

  return toast != NULL && dailies_test_find_widget_where (toast, is_button_named, wanted->button) != NULL;
}

static gboolean
toast_is_gone (gpointer user_data)
{
  ToastButton *wanted = user_data;

  return dailies_test_find_toast (GTK_WIDGET (wanted->window), wanted->title, FALSE) == NULL;
}

/* @button of the toast titled @title as soon as it shows, and that toast. */
static GtkWidget *
find_toast_button_at_once (DailiesWindow  *window,
                           const char     *title,
                           const char     *button,
                           AdwToast      **out_toast)
{
  ToastButton wanted = { window, title, button };
  GtkWidget *widget;

  if (!dailies_test_wait_until (toast_button_is_up, &wanted, 5000))
    g_error ("no toast “%s” with %s; the last said “%s”", title, button, dailies_window_get_last_toast (window));
  widget = dailies_test_find_toast (GTK_WIDGET (window), title, TRUE);
  g_object_get (widget, "toast", out_toast, NULL);

  return dailies_test_find_widget_where (widget, is_button_named, button);
}

/* Clicks @button of the toast titled @title as soon as it shows, and
 * returns that toast. */
static AdwToast *
click_toast_button_at_once (DailiesWindow *window,
                            const char    *title,
                            const char    *button)
{
  AdwToast *toast = NULL;

  g_signal_emit_by_name (find_toast_button_at_once (window, title, button, &toast), "clicked");

  return toast;
}

static void
wait_for_toast_gone (DailiesWindow *window,
                     const char    *title)
{
  ToastButton wanted = { window, title, NULL };

  g_assert_true (dailies_test_wait_until (toast_is_gone, &wanted, 5000));
}

typedef struct
{
  gint64   until;   /* frame time, µs */
  gboolean passed;
} FrameWait;

static gboolean
frame_time_passed_cb (GtkWidget     *widget,
                      GdkFrameClock *clock,
                      gpointer       user_data)
{
  FrameWait *wait = user_data;

  wait->passed = gdk_frame_clock_get_frame_time (clock) >= wait->until;

  return wait->passed ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Waits, on the clock that drives them, until every toast animation
 * started by now has ended: a toast comes up in 500 ms at most. */
static void
wait_for_toast_animations (DailiesWindow *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  FrameWait wait = { gdk_frame_clock_get_frame_time (clock) + 600 * 1000, FALSE };

  gtk_widget_add_tick_callback (GTK_WIDGET (window), frame_time_passed_cb, &wait, NULL);
  g_assert_true (dailies_test_wait_for_flag (&wait.passed, 5000));
}

static gboolean
window_has_toast (gpointer user_data)
{
  return dailies_window_get_last_toast (user_data) != NULL &&
         dailies_test_find_toast (user_data, dailies_window_get_last_toast (user_data), TRUE) != NULL;
}

static void
remove_one (DailiesWindow *window,
            const char    *id)
{
  g_assert_true (dailies_window_select_task (window, id));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove", NULL));
}

/* ------------------------------------------------------------------ */
/* A removal whose Undo lapsed is gone for good                         */
/* ------------------------------------------------------------------ */

/* Two removed together and undone; two removed together and not. */
static const char * const undone_ids[] = { "asyntask_PromiseUndone000000000004", "asyntask_PromiseUndone000000000005" };
static const char * const lapsed_ids[] = { "asyntask_PromiseLapsed000000000006", "asyntask_PromiseLapsed000000000007" };

/* Failed tasks from an earlier run: their answers stay in the file until
 * asked for, so only the removal's stash could bring them back. */
static void
store_failed_tasks (const char * const *ids,
                    gsize               n_ids)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "dailies", "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) store = dailies_task_store_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (dailies_task_store_load (store, &error));
  g_assert_no_error (error);
  dailies_task_store_add_ids (store, (const char **) ids, n_ids);
  for (gsize i = 0; i < n_ids; i++)
    {
      g_autofree char *body =
        g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                         "\"status\":\"FAILURE\",\"fail_reason\":\"The prompt was refused\","
                         "\"submit_time\":1777288506,\"finish_time\":1777288800,\"progress\":\"100%%\"}}",
                         ids[i]);
      g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), &error);

      g_assert_no_error (error);
      dailies_task_store_apply_response (store, dailies_task_store_lookup (store, ids[i]), response, body, 200);
    }
  g_assert_true (dailies_task_store_flush (store, &error));
  g_assert_no_error (error);
}

static gboolean
window_shows_no_undo (gpointer user_data)
{
  return !window_shows_undo (user_data);
}

static gboolean
has_message_dialog (gpointer user_data)
{
  return dailies_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

/* Both tasks selected (the pane then shows no task, and reads no answer
 * from the file), removed with the confirmation, the toast up. */
static void
remove_pair (DailiesWindow    *window,
             DailiesTaskStore *store,
             const char       * const *ids)
{
  GtkListView *list_view = GTK_LIST_VIEW (dailies_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_VIEW,
                                                                    "navigation-sidebar"));
  GtkSelectionModel *selection = gtk_list_view_get_model (list_view);
  g_autoptr(GtkBitset) pair = gtk_bitset_new_empty ();
  g_autoptr(GtkBitset) all = gtk_bitset_new_range (0, g_list_model_get_n_items (G_LIST_MODEL (selection)));
  AdwMessageDialog *dialog;

  /* In one step: one selected alone would open it in the pane. */
  for (guint position = 0; position < g_list_model_get_n_items (G_LIST_MODEL (selection)); position++)
    {
      g_autoptr(DailiesTask) task = dailies_test_listed_task (G_LIST_MODEL (selection), position);

      if (g_strcmp0 (dailies_task_get_id (task), ids[0]) == 0 || g_strcmp0 (dailies_task_get_id (task), ids[1]) == 0)
        gtk_bitset_add (pair, position);
    }
  g_assert_cmpuint (gtk_bitset_get_size (pair), ==, 2);
  gtk_selection_model_set_selection (selection, pair, all);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-selected", NULL));
  g_assert_true (dailies_test_wait_until (has_message_dialog, NULL, 5000));
  dialog = ADW_MESSAGE_DIALOG (dailies_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (dialog, "remove");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (dailies_task_store_lookup (store, ids[0]));
  g_assert_true (dailies_test_wait_until (window_shows_undo, window, 5000));
}

static void
undo_lapses_body (DailiesApplication *app,
                  gpointer            data)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  DailiesWindow *window = wait_for_window (app);
  g_autoptr(GPtrArray) lapsed = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *button;

  for (guint i = 0; i < 2; i++)
    g_assert_false (dailies_task_has_raw_json_in_memory (dailies_task_store_lookup (store, lapsed_ids[i])));

  /* Undone with the toast's button: back, their answers with them. */
  remove_pair (window, store, undone_ids);
  button = dailies_test_find_button (GTK_WIDGET (window), "_Undo");
  g_signal_emit_by_name (button, "clicked");
  g_assert_nonnull (dailies_task_store_lookup (store, undone_ids[0]));
  g_assert_true (dailies_test_wait_until (window_shows_no_undo, window, 5000));

  /* The toast closed without Undo: what was kept for it goes. Put back by
   * hand after that (the window no longer offers it), they have no
   * answers left to show. */
  for (guint i = 0; i < 2; i++)
    g_ptr_array_add (lapsed, g_object_ref (dailies_task_store_lookup (store, lapsed_ids[i])));
  remove_pair (window, store, lapsed_ids);
  g_object_unref (click_toast_button_at_once (window, "Removed 2 tasks", "window-close-symbolic"));
  g_assert_true (dailies_test_wait_until (window_shows_no_undo, window, 5000));
  g_assert_true (dailies_task_store_flush (store, NULL));
  dailies_task_store_restore_tasks (store, lapsed);
  g_assert_true (dailies_task_store_flush (store, NULL));
}

static void
test_undo_lapses (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "dailies", "tasks.db", NULL);
  g_autoptr(DailiesTaskStore) reopened = dailies_task_store_new (path);
  g_autoptr(GError) error = NULL;

  store_failed_tasks (undone_ids, G_N_ELEMENTS (undone_ids));
  store_failed_tasks (lapsed_ids, G_N_ELEMENTS (lapsed_ids));
  run_app_with_ids (undo_lapses_body);

  g_assert_true (dailies_task_store_load (reopened, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_nonnull (strstr (dailies_task_get_raw_json (dailies_task_store_lookup (reopened, undone_ids[i])),
                                "The prompt was refused"));
      g_assert_null (dailies_task_get_raw_json (dailies_task_store_lookup (reopened, lapsed_ids[i])));
    }
}

/* ------------------------------------------------------------------ */
/* An Undo toast closed while it is still coming up                     */
/* ------------------------------------------------------------------ */

/* libadwaita 1.2 slides a toast in over 300 ms, or 500 ms while another
 * fades out over 300 ms. These click its buttons the moment they are
 * there, with animations on, as a quick hand (or Delete, then Escape)
 * would; then they let every animation run out, where 1.2 used to crash. */

static guint n_closed_with_window;

static void
count_dismissed_cb (AdwToast *toast,
                    guint    *count)
{
  (*count)++;
}

static void
undo_at_once_body (DailiesApplication *app,
                   gpointer            data)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  DailiesWindow *window = wait_for_window (app);
  g_autofree char *first = NULL;
  AdwToast *toast;

  g_assert_true (adw_get_enable_animations (GTK_WIDGET (window)));

  /* The toast saying what was added, closed at once; then none is up. */
  g_assert_true (dailies_test_wait_until (window_has_toast, window, 5000));
  first = g_strdup (dailies_window_get_last_toast (window));
  g_object_unref (click_toast_button_at_once (window, first, "window-close-symbolic"));
  wait_for_toast_gone (window, first);
  wait_for_toast_animations (window);

  /* A removal undone the moment its toast shows. The toast stays up a
   * moment longer (see dailies-toast-guard.c), its Undo still there: a
   * second click does nothing more, so the task, removed again meanwhile,
   * stays removed. */
  remove_one (window, SECOND_ID);
  {
    g_autoptr(AdwToast) undo_toast = NULL;
    g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func (g_object_unref);
    GtkWidget *undo = find_toast_button_at_once (window, "Removed " SECOND_ID, "_Undo", &undo_toast);

    g_signal_emit_by_name (undo, "clicked");
    g_assert_nonnull (dailies_task_store_lookup (store, SECOND_ID));
    g_ptr_array_add (again, g_object_ref (dailies_task_store_lookup (store, SECOND_ID)));
    dailies_task_store_remove_tasks (store, again);
    g_signal_emit_by_name (undo, "clicked");
    g_assert_null (dailies_task_store_lookup (store, SECOND_ID));
    dailies_task_store_restore_tasks (store, again);
  }
  g_assert_nonnull (dailies_task_store_lookup (store, SECOND_ID));
  wait_for_toast_gone (window, "Removed " SECOND_ID);
  wait_for_toast_animations (window);

  /* Another toast closed, and while it fades out a removal's toast comes
   * up (over 500 ms, then), closed at once. */
  g_assert_true (dailies_window_select_task (window, FIRST_ID));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-id", NULL));
  g_object_unref (click_toast_button_at_once (window, "Copied " FIRST_ID, "window-close-symbolic"));
  remove_one (window, THIRD_ID);
  g_object_unref (click_toast_button_at_once (window, "Removed " THIRD_ID, "window-close-symbolic"));
  wait_for_toast_gone (window, "Removed " THIRD_ID);
  wait_for_toast_animations (window);
  g_assert_null (dailies_task_store_lookup (store, THIRD_ID));

  /* One closed at once as the window closes: its removal is told once
   * it is final, then. */
  remove_one (window, FIRST_ID);
  toast = click_toast_button_at_once (window, "Removed " FIRST_ID, "window-close-symbolic");
  g_signal_connect (toast, "dismissed", G_CALLBACK (count_dismissed_cb), &n_closed_with_window);
  g_object_unref (toast);
}

static void
test_undo_at_once (void)
{
  n_closed_with_window = 0;
  run_app_with_ids (undo_at_once_body);
  g_assert_cmpuint (n_closed_with_window, ==, 1);
}

static void
undo_over_toast_body (DailiesApplication *app,
                      gpointer            data)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  DailiesWindow *window = wait_for_window (app);
  ToastButton first = { window, NULL, "window-close-symbolic" };
  ToastButton second = { window, "Removed " SECOND_ID, "_Undo" };
  g_autofree char *title = NULL;

  /* The toast saying what was added is up; the Undo's toast pushes it
   * back, and is undone while that one still fades out. That one comes
   * back. */
  g_assert_true (adw_get_enable_animations (GTK_WIDGET (window)));
  g_assert_true (dailies_test_wait_until (window_has_toast, window, 5000));
  first.title = title = g_strdup (dailies_window_get_last_toast (window));
  remove_one (window, FIRST_ID);
  g_object_unref (click_toast_button_at_once (window, "Removed " FIRST_ID, "_Undo"));
  g_assert_nonnull (dailies_task_store_lookup (store, FIRST_ID));
  wait_for_toast_gone (window, "Removed " FIRST_ID);
  g_assert_true (dailies_test_wait_until (toast_button_is_up, &first, 5000));
  wait_for_toast_animations (window);

  /* An Undo's toast over another Undo's, closed at once: Delete, Delete,
   * Escape. */
  remove_one (window, SECOND_ID);
  g_assert_true (dailies_test_wait_until (toast_button_is_up, &second, 5000));
  remove_one (window, THIRD_ID);
  g_object_unref (click_toast_button_at_once (window, "Removed " THIRD_ID, "window-close-symbolic"));
  wait_for_toast_gone (window, "Removed " THIRD_ID);
  g_assert_true (dailies_test_wait_until (toast_button_is_up, &second, 5000));
  wait_for_toast_animations (window);

  /* The same with keys: Delete, and Escape the moment the toast shows. */
  g_assert_true (dailies_window_select_task (window, FIRST_ID));
  dailies_test_xdotool (GTK_WIDGET (window), "key", "Delete", NULL);
  g_assert_true (dailies_test_wait_until (toast_button_is_up, &(ToastButton) { window, "Removed " FIRST_ID, "_Undo" }, 5000));
  dailies_test_xdotool (GTK_WIDGET (window), "key", "Escape", NULL);
  /* Well within the toast's own 5 s, so that lapsing cannot pass for
   * Escape (in a plain build; the sanitizers' runs stretch the wait). */
  g_assert_true (dailies_test_wait_until (toast_is_gone, &(ToastButton) { window, "Removed " FIRST_ID, NULL }, 2500));
  g_assert_null (dailies_task_store_lookup (store, FIRST_ID));
  g_assert_true (dailies_test_wait_until (toast_button_is_up, &second, 5000));
  wait_for_toast_animations (window);
}

static void
test_undo_over_toast (void)
{
  run_app_with_ids (undo_over_toast_body);
}

/* ------------------------------------------------------------------ */
/* "Each unfinished task is asked about every poll-interval seconds"    */
/* ------------------------------------------------------------------ */

static void
interval_from_preferences_body (DailiesApplication *app,
                                gpointer            data)
{
  DailiesWindow *window = wait_for_window (app);
  RequestWait first = { FIRST_ID, api_count_requests (FIRST_ID) + 1 };
  RequestWait two_more;
  const double slow = 600;
  GtkWidget *spin;
  GtkWindow *preferences;
  gint64 changed_at, gap;

  /* A task never asked about is asked at once; after that, at 600 s, the
   * next request would be ten minutes off. */
  if (first.n_requests == 1)
    g_assert_true (dailies_test_wait_until (api_got_requests, &first, 10000));
  else
    first.n_requests--;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_true (dailies_test_wait_until (widget_is_mapped, preferences, 5000));
  spin = dailies_test_find_widget_where (GTK_WIDGET (preferences), is_spin_with_value, &slow);
  g_assert_nonnull (spin);

  /* As typed in and confirmed with Enter. */
  gtk_editable_set_text (GTK_EDITABLE (spin), "5");
  gtk_spin_button_update (GTK_SPIN_BUTTON (spin));
  changed_at = g_get_monotonic_time ();
  g_assert_cmpuint (g_settings_get_uint (dailies_application_get_settings (app), "poll-interval"), ==, 5);
  gtk_window_destroy (preferences);

  /* The server sees the new cadence: two more requests, 5 s apart. */
  two_more.id = FIRST_ID;
  two_more.n_requests = first.n_requests + 2;
  g_assert_true (dailies_test_wait_until (api_got_requests, &two_more, 20000));
  gap = api_request_time (FIRST_ID, first.n_requests + 1) - api_request_time (FIRST_ID, first.n_requests);
  g_assert_cmpint (api_request_time (FIRST_ID, first.n_requests) - changed_at, <=, 7 * G_USEC_PER_SEC);
  g_assert_cmpint (gap, >=, 4 * G_USEC_PER_SEC);
  g_assert_cmpint (gap, <=, 7 * G_USEC_PER_SEC);
}

static void
test_interval_from_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_uint (settings, "poll-interval", 600);
  run_app_with_ids (interval_from_preferences_body);
  g_settings_reset (settings, "poll-interval");
}

/* GTK 4.8's warning of a page snapshotted before its allocation (seen
 * in test-window-bulk under load) is printed, not fatal; any other warning still is. */
static void
test_log_writer (void)
{
  if (g_test_subprocess ())
    {
      dailies_test_set_log_writer (NULL);
      g_log_structured ("Gtk", G_LOG_LEVEL_WARNING,
                        "MESSAGE", "Trying to snapshot GtkStack 0x1 without a current allocation");
      if (g_strcmp0 (g_getenv ("DAILIES_TEST_OTHER_WARNING"), "1") == 0)
        g_log_structured ("Gtk", G_LOG_LEVEL_WARNING, "MESSAGE", "Something else went wrong");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Trying to snapshot GtkStack*");

  g_setenv ("DAILIES_TEST_OTHER_WARNING", "1", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("DAILIES_TEST_OTHER_WARNING");
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Something else went wrong*");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = dailies_test_make_temp_dir ();
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *cache = g_build_filename (home, "cache", NULL);
  int status;

  /* A task list of its own, and the API as a user points Dailies at it. */
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  api_server_start ();
  g_setenv ("DAILIES_API_BASE", api.base_url, TRUE);
  g_setenv ("DAILIES_API_KEY", "sk-promises-test", TRUE);

  g_test_add_func ("/dailies/promises/log-writer", test_log_writer);
  g_test_add_func ("/dailies/promises/undo-from-toast", test_undo_from_toast);
  g_test_add_func ("/dailies/promises/undo-lapses", test_undo_lapses);
  g_test_add_func ("/dailies/promises/undo-at-once", test_undo_at_once);
  g_test_add_func ("/dailies/promises/undo-over-toast", test_undo_over_toast);
  g_test_add_func ("/dailies/promises/interval-from-preferences", test_interval_from_preferences);

  status = g_test_run ();
  dailies_test_rm_rf (home);

  return status;
}
