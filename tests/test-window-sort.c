/* test-window-sort.c
 *
 * Sort by, as a user does it on a real X display (Xvfb): `dailies --demo`,
 * the Sort menu in the list's header, the rows moving, and the choice
 * kept for the next window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <time.h>

#include "dailies-application.h"
#include "dailies-demo-server.h"
#include "dailies-poller.h"
#include "dailies-task-response.h"
#include "dailies-task-row.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window-private.h"
#include "dailies-window.h"

#define LATER_ID "asyntask_SortAddedLater0000000000000001"
/* The server's own tasks, finished two days and 30 hours ago: their
 * links, signed then for 24 hours, have lapsed. */
#define LAPSED_LONG_AGO_ID "asyntask_SortLapsedLongAgo000000000001"
#define LAPSED_LATELY_ID "asyntask_SortLapsedLately0000000000001"

/* Once every task has its final answer, latest finish first (the demo
 * script's seconds after start), then the unfinished, newest added
 * first: the task the server does not know, and the one the gateway
 * still calls running. */
static const char * const by_finish_time[] = {
  "asyntask_DemoUltraMountains000000000004",    /* 55 */
  "asyntask_DemoOtherModelCat00000000000005",   /* 44 */
  "cgt-20261129101500-demo6",                   /* 40 */
  "asyntask_DemoQuickTimeRiver000000000010",    /* 36 */
  "asyntask_DemoHarbourSunrise00000000000001",  /* 32 */
  "asyntask_DemoLastFrameLighthouse0000009",    /* 30 */
  "asyntask_DemoModerationFail0000000000003",   /* 24, failed */
  "asyntask_DemoGenericFailure0000000000008",   /* 22, failed */
  "asyntask_DemoCityTimelapse000000000000002",  /* 20 */
  LAPSED_LATELY_ID,
  LAPSED_LONG_AGO_ID,
  LATER_ID,
  "asyntask_DemoGatewayStillRunning0000007",
};

/* Live links lapsing soonest first (each signed for 24 hours when its
 * task finished), then lapsed ones, the latest lapsed first, then tasks
 * without a link, newest added first (the demo's in its own order). */
static const char * const by_link_deadline[] = {
  "asyntask_DemoCityTimelapse000000000000002",
  "asyntask_DemoLastFrameLighthouse0000009",
  "asyntask_DemoHarbourSunrise00000000000001",
  "asyntask_DemoQuickTimeRiver000000000010",
  "cgt-20261129101500-demo6",
  "asyntask_DemoOtherModelCat00000000000005",
  "asyntask_DemoUltraMountains000000000004",
  LAPSED_LATELY_ID,
  LAPSED_LONG_AGO_ID,
  LATER_ID,
  "asyntask_DemoModerationFail0000000000003",
  "asyntask_DemoGatewayStillRunning0000007",
  "asyntask_DemoGenericFailure0000000000008",
};

/* The saved order, as GSettings has it now. */
static void
assert_sort_order (GSettings  *settings,
                   const char *expected)
{
  g_autofree char *order = g_settings_get_string (settings, "sort-order");

  g_assert_cmpstr (order, ==, expected);
}

static gboolean
store_is_loaded (gpointer user_data)
{
  return dailies_task_store_is_loaded (user_data);
}

static gboolean
is_menu_button_named (GtkWidget     *widget,
                      gconstpointer  tooltip)
{
  return GTK_IS_MENU_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

/* An entry of a popover menu, by its label as shown (no mnemonic). */
static gboolean
is_menu_item_labelled (GtkWidget     *widget,
                       gconstpointer  label)
{
  g_autofree char *text = NULL;

  if (g_strcmp0 (G_OBJECT_TYPE_NAME (widget), "GtkModelButton") != 0)
    return FALSE;

  g_object_get (widget, "text", &text, NULL);
  return g_strcmp0 (text, label) == 0;
}

static GListModel *
get_list (DailiesWindow *window)
{
  GtkWidget *list_view = dailies_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_VIEW, "navigation-sidebar");

  g_assert_nonnull (list_view);
  return G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list_view)));
}

static DailiesTask *
get_listed (DailiesWindow *window,
            guint          position)
{
  g_autoptr(DailiesTask) task = dailies_test_listed_task (get_list (window), position);

  g_assert_nonnull (task);
  return task;
}

static gboolean
is_mapped_row (GtkWidget     *widget,
               gconstpointer  data)
{
  return DAILIES_IS_TASK_ROW (widget) && gtk_widget_get_mapped (widget) &&
         dailies_task_row_get_task (DAILIES_TASK_ROW (widget)) != NULL;
}

typedef struct
{
  DailiesWindow *window;
  const char    *id;
} TopWait;

/* The topmost row on screen shows @id: rows are laid out in list order. */
static gboolean
top_row_shows (gpointer user_data)
{
  TopWait *wait = user_data;
  GtkWidget *row = dailies_test_find_widget_where (GTK_WIDGET (wait->window), is_mapped_row, NULL);

  return row != NULL &&
         g_strcmp0 (dailies_task_get_id (dailies_task_row_get_task (DAILIES_TASK_ROW (row))), wait->id) == 0;
}

static void
assert_top_row (DailiesWindow *window,
                const char    *id)
{
  TopWait wait = { window, id };

  dailies_test_wait_for_frames (GTK_WIDGET (window));
  g_assert_true (dailies_test_wait_until (top_row_shows, &wait, 5000));
}

static gboolean
popover_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data);
}

/* Opens the Sort menu the way a keyboard does (focus, then activate) and
 * picks @label. */
static void
choose_sort (DailiesWindow *window,
             const char    *label)
{
  GtkWidget *button = dailies_test_find_widget_where (GTK_WIDGET (window), is_menu_button_named, "Sort");
  GtkWidget *popover;
  GtkWidget *item;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_grab_focus (button));
  g_assert_true (gtk_widget_activate (button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  g_assert_true (dailies_test_wait_until (popover_mapped, popover, 5000));

  item = dailies_test_find_widget_where (popover, is_menu_item_labelled, label);
  g_assert_nonnull (item);
  g_assert_true (gtk_widget_activate (item));
  gtk_popover_popdown (GTK_POPOVER (popover));
}

/* Tasks added above the top row scroll the list down (GTK keeps the row
 * on top in place): back to the top, as a person scrolls, then the first
 * row on screen is @id. */
static void
assert_top_row_scrolled_up (DailiesWindow *window,
                            const char    *id)
{
  GtkWidget *list_view = dailies_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_VIEW, "navigation-sidebar");

  g_assert_true (gtk_widget_activate_action (list_view, "list.scroll-to-item", "u", 0));
  assert_top_row (window, id);
}

/* The list shows exactly @ids, in that order. */
static void
assert_listed (DailiesWindow      *window,
               const char * const *ids,
               guint               n_ids)
{
  g_assert_cmpuint (g_list_model_get_n_items (get_list (window)), ==, n_ids);
  for (guint i = 0; i < n_ids; i++)
    g_assert_cmpstr (dailies_task_get_id (get_listed (window, i)), ==, ids[i]);
  assert_top_row_scrolled_up (window, ids[0]);
}

/* Finish Time and Link Deadline, with every task answered for good. */
static void
check_finish_and_deadline (DailiesApplication *app,
                           DailiesWindow      *window)
{
  DailiesDemoServer *server = dailies_application_get_demo_server (app);
  DailiesPoller *poller = dailies_application_get_poller (app);
  GSettings *settings = dailies_application_get_settings (app);

  dailies_poller_set_interval (poller, 1);
  dailies_demo_server_advance (server, 120);
  dailies_poller_wake (poller);
  g_assert_true (dailies_test_wait_until (dailies_test_app_tasks_settled, app, 20000));

  /* One at a time: the server answers each as finished that long ago. */
  dailies_demo_server_set_answer_any (server, TRUE);
  dailies_demo_server_set_any_finished_ago (server, 48 * 60 * 60);
  dailies_test_add_answered_task (app, LAPSED_LONG_AGO_ID);
  dailies_demo_server_set_any_finished_ago (server, 30 * 60 * 60);
  dailies_test_add_answered_task (app, LAPSED_LATELY_ID);

  choose_sort (window, "Finish Time");
  assert_sort_order (settings, "finished");
  assert_listed (window, by_finish_time, G_N_ELEMENTS (by_finish_time));

  choose_sort (window, "Link Deadline");
  assert_sort_order (settings, "deadline");
  assert_listed (window, by_link_deadline, G_N_ELEMENTS (by_link_deadline));
}

#define MOVING_ID "asyntask_SortMovesWhenAnswered00000000001"

static void
page_changed_cb (GtkStack   *stack,
                 GParamSpec *pspec,
                 GPtrArray  *pages)
{
  g_ptr_array_add (pages, g_strdup (gtk_stack_get_visible_child_name (stack)));
}

/* The place of @task in @window's list, or G_MAXUINT. */
static guint
place_of (DailiesWindow *window,
          DailiesTask   *task)
{
  GListModel *list = get_list (window);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    if (get_listed (window, i) == task)
      return i;

  return G_MAXUINT;
}

static gboolean
is_listed (gpointer user_data)
{
  gpointer *window_and_task = user_data;

  return place_of (window_and_task[0], window_and_task[1]) != G_MAXUINT;
}

/* Sorted by status, the selected task's answer moves it from among the
 * unfinished (or wherever the poller's answer put it) down past the
 * failed, to the succeeded: it
 * stays selected at its new place, and its pane stays on it throughout,
 * never blank for a moment. */
static void
check_selected_task_moves (DailiesApplication *app,
                           DailiesWindow      *window)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  const char * const ids[] = { MOVING_ID };
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(DailiesTaskResponse) response = NULL;
  g_autoptr(GtkBitset) selected = NULL;
  g_autofree char *body = NULL;
  GtkSelectionModel *list;
  DailiesTask *task;
  GtkWidget *row;
  GtkWidget *focus;
  gulong handler;
  guint old_place, place;

  choose_sort (window, "Status");
  dailies_task_store_add_ids (store, ids, 1);
  task = dailies_task_store_lookup (store, MOVING_ID);
  g_assert_nonnull (task);
  list = GTK_SELECTION_MODEL (get_list (window));
  g_assert_true (dailies_test_wait_until (is_listed, (gpointer[]) { window, task }, 5000));
  old_place = place_of (window, task);
  g_assert_true (gtk_selection_model_select_item (list, old_place, TRUE));
  g_assert_true (_dailies_window_get_selected_task (window) == task);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->content_stack), ==, "task");
  /* Its row has the keyboard's focus, as after a click or the arrows. */
  row = dailies_test_find_row_of (GTK_WIDGET (window->list_view), task);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (row)));

  handler = g_signal_connect (window->content_stack, "notify::visible-child-name", G_CALLBACK (page_changed_cb), pages);
  body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                          "\"action\":\"generate\",\"status\":\"SUCCESS\",\"progress\":\"100%%\","
                          "\"submit_time\":1777288506,\"finish_time\":1777288530,"
                          "\"data\":{\"model\":\"veo-3\"}}}", MOVING_ID);
  response = dailies_task_response_parse (body, strlen (body), NULL);
  g_assert_nonnull (response);
  dailies_task_store_apply_response (store, task, response, body, 200);
  g_signal_handler_disconnect (window->content_stack, handler);

  g_assert_cmpint (dailies_task_get_status (task), ==, DAILIES_TASK_STATUS_SUCCESS);
  place = place_of (window, task);
  g_assert_cmpuint (place, !=, old_place);
  g_assert_cmpuint (place, <, G_MAXUINT);
  selected = gtk_selection_model_get_selection (list);
  g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 1);
  g_assert_true (gtk_bitset_contains (selected, place));
  g_assert_true (_dailies_window_get_selected_task (window) == task);
  g_assert_cmpuint (pages->len, ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->content_stack), ==, "task");
  /* The keyboard is still in the list (GTK 4.8 left it on the row the
   * task left, out of the window). */
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (window->list_view)));

  g_ptr_array_add (gone, g_object_ref (task));
  dailies_task_store_remove_tasks (store, gone);
}

static void
test_sort_body (DailiesApplication *app,
                gpointer            data)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  GSettings *settings = dailies_application_get_settings (app);
  const char * const later[] = { LATER_ID };
  g_autoptr(DailiesTask) first_demo = NULL;
  g_autoptr(GVariant) state = NULL;
  DailiesWindow *window;
  DailiesWindow *second;
  GListModel *list;
  guint n_items;

  window = DAILIES_WINDOW (dailies_test_wait_for_window (GTK_APPLICATION (app)));
  g_assert_true (dailies_test_wait_until (dailies_test_app_has_demo_tasks, app, 10000));
  assert_sort_order (settings, "newest");
  first_demo = g_list_model_get_item (G_LIST_MODEL (store), 0);

  /* Newest added first: a task added later goes on top. */
  dailies_task_store_add_ids (store, later, 1);
  list = get_list (window);
  n_items = g_list_model_get_n_items (list);
  g_assert_cmpuint (n_items, ==, DAILIES_TEST_N_DEMO_TASKS + 1);
  g_assert_cmpstr (dailies_task_get_id (get_listed (window, 0)), ==, LATER_ID);
  assert_top_row (window, LATER_ID);

  /* Oldest added: the demo's first on top, the later one at the end. */
  choose_sort (window, "Oldest Added");
  assert_sort_order (settings, "oldest");
  g_assert_true (get_listed (window, 0) == first_demo);
  g_assert_cmpstr (dailies_task_get_id (get_listed (window, n_items - 1)), ==, LATER_ID);
  assert_top_row (window, dailies_task_get_id (first_demo));

  /* Status: no finished task above an unfinished one. */
  choose_sort (window, "Status");
  assert_sort_order (settings, "status");
  for (guint i = 1; i < n_items; i++)
    g_assert_false (dailies_task_is_terminal (get_listed (window, i - 1)) &&
                    !dailies_task_is_terminal (get_listed (window, i)));
  assert_top_row (window, dailies_task_get_id (get_listed (window, 0)));

  /* A new window starts in the order chosen, and its menu says so. */
  choose_sort (window, "Oldest Added");
  second = dailies_window_new (ADW_APPLICATION (app), settings);
  gtk_window_present (GTK_WINDOW (second));
  g_assert_true (get_listed (second, 0) == first_demo);
  g_assert_cmpstr (dailies_task_get_id (get_listed (second, n_items - 1)), ==, LATER_ID);
  state = g_action_group_get_action_state (G_ACTION_GROUP (second), "sort-order");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "oldest");
  assert_top_row (second, dailies_task_get_id (first_demo));
  gtk_window_destroy (GTK_WINDOW (second));

  choose_sort (window, "Newest Added");
  assert_sort_order (settings, "newest");
  g_assert_cmpstr (dailies_task_get_id (get_listed (window, 0)), ==, LATER_ID);
  assert_top_row (window, LATER_ID);

  check_finish_and_deadline (app, window);
  check_selected_task_moves (app, window);

  /* Back to the default, for whoever runs next in this process. */
  choose_sort (window, "Newest Added");
  assert_sort_order (settings, "newest");
  g_assert_cmpstr (dailies_task_get_id (get_listed (window, 0)), ==, LAPSED_LATELY_ID);
  assert_top_row_scrolled_up (window, LAPSED_LATELY_ID);
}

/* Milliseconds of this thread's CPU. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

/* At 100,000 tasks, each keystroke of a search until the list is drawn
 * again: printed, never asserted. */
static void
test_perf_body (DailiesApplication *app,
                gpointer            data)
{
  static const char * const texts[] = { "a", "as", "asyntask_perf0001", "asyntask_perf00012", "asyntask_perf0001", "" };
  DailiesTaskStore *store = dailies_application_get_store (app);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  DailiesWindow *window;
  GtkWidget *entry;
  GdkFrameClock *clock;
  gboolean painted = FALSE;
  gulong handler;

  window = DAILIES_WINDOW (dailies_test_wait_for_window (GTK_APPLICATION (app)));
  g_assert_true (dailies_test_wait_until (store_is_loaded, store, 10000));
  for (guint i = 0; i < 100000; i++)
    g_ptr_array_add (ids, g_strdup_printf ("asyntask_Perf%08u", i));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  dailies_task_store_add_ids (store, (const char * const *) ids->pdata, ids->len);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  entry = dailies_test_find_widget (GTK_WIDGET (window), GTK_TYPE_SEARCH_ENTRY, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (window));
  g_assert_true (dailies_test_wait_for_flag (&painted, 60000));

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_ms ();

      painted = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (window));
      /* At once rather than after the entry's typing delay. */
      gtk_editable_set_text (GTK_EDITABLE (entry), texts[i]);
      g_signal_emit_by_name (entry, "search-changed");
      g_assert_true (dailies_test_wait_for_flag (&painted, 10000));
      g_test_message ("keystroke \"%s\" to the list drawn: %.1f ms (main thread CPU %.1f ms), %u shown",
                      texts[i], (g_get_monotonic_time () - start) / 1000.0, cpu_ms () - cpu_start,
                      g_list_model_get_n_items (get_list (window)));
    }

  g_signal_handler_disconnect (clock, handler);

  /* Answers, under the status order: one that moves its task from the
   * bottom to the top, across every row, and one that leaves it put. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_settings_set_string (dailies_application_get_settings (app), "sort-order", "status");
  for (guint i = 0; i < 2; i++)
    {
      guint n_items = g_list_model_get_n_items (get_list (window));
      DailiesTask *task = get_listed (window, n_items - 1);
      g_autofree char *body = g_strdup_printf ("{\"code\":\"success\",\"data\":{\"task_id\":\"%s\","
                                               "\"status\":\"IN_PROGRESS\",\"progress\":\"10%%\"}}",
                                               dailies_task_get_id (task));
      g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), NULL);
      double cpu_start;

      g_assert_nonnull (response);
      cpu_start = cpu_ms ();
      dailies_task_store_apply_response (store, task, response, body, 200);
      g_test_message ("answer moving a task across %u rows, list included: main thread CPU %.2f ms",
                      n_items - 1, cpu_ms () - cpu_start);
      cpu_start = cpu_ms ();
      dailies_task_store_apply_response (store, task, response, body, 200);
      g_test_message ("the same answer again (it stays put): main thread CPU %.2f ms", cpu_ms () - cpu_start);
    }
  g_settings_set_string (dailies_application_get_settings (app), "sort-order", "newest");
}

static void
test_perf (void)
{
  g_autoptr(DailiesApplication) app = NULL;
  const char * const argv[] = { "dailies", NULL };
  g_autofree char *dir = NULL;

  if (!g_test_perf ())
    {
      g_test_skip ("timings only with -m perf");
      return;
    }

  /* Without a key nothing is polled: the list's own cost alone. */
  dir = dailies_test_make_temp_dir ();
  g_setenv ("XDG_DATA_HOME", dir, TRUE);
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  app = dailies_application_new ();
  dailies_test_run_app (app, argv, test_perf_body, NULL);
  dailies_test_rm_rf (dir);
}

static void
test_sort (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };

  dailies_test_run_app (app, argv, test_sort_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  DailiesTestNotifications *notifications;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  /* Demo tasks finish while the window (on a display with no window
   * manager) is not the focused one: the notifications need somewhere to
   * go, or GIO's warning about them is fatal. */
  notifications = dailies_test_notifications_start ();

  g_test_add_func ("/dailies/window-sort/choose-and-keep", test_sort);
  g_test_add_func ("/dailies/window-sort/perf", test_perf);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);

  return status;
}
