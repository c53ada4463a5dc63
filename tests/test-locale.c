/* test-locale.c
 *
 * The window in German and in Simplified Chinese, as a user running the
 * app in that language sees it: `dailies --demo` on the Xvfb display, with
 * the catalogues that meson builds from po/. tests/meson.build runs this
 * program once per language, with LANGUAGE, LANG and LC_ALL set; the text
 * expected is written out here, so a string that falls back to English, or
 * a wrong plural form, fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "dailies-application.h"
#include "dailies-demo-server.h"
#include "dailies-format.h"
#include "dailies-poller.h"
#include "dailies-preferences-window.h"
#include "dailies-task.h"
#include "dailies-task-store.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"

typedef struct
{
  const char *language;     /* LANGUAGE, as tests/meson.build sets it */
  const char *tasks;        /* the list's subtitle after the count, for 2 or more tasks */
  const char *one_task;     /* the same for one task */
  const char *preferences;  /* an item of the main menu */
  const char *timing;       /* a heading of the task view */
  const char *failed;       /* the heading over a failure reason */
  const char *check_every;  /* a row of Preferences */
  const char *empty;        /* the empty page's title */
  const char *timestamp;    /* 2026-04-27 11:15:06 UTC, as the language writes it */
  const char *minutes_ago;  /* 5 minutes ago */
  const char *minute_ago;   /* 1 minute ago */
  const char *date;         /* 2026-04-27, in the task list after a week */
  const char *selected[2];  /* the selection page's title around the count */
  const char *sort;         /* the Sort button's tooltip */
  const char *oldest;       /* an item of the Sort menu */
} Expected;

static const Expected expectations[] = {
  { "de", " Aufgaben", "1 Aufgabe", "_Einstellungen", "Zeiten", "Fehlergrund", "Prüfintervall",
    "Aufgaben-IDs hier ablegen",
    "27. Apr 2026, 11:15:06", "vor 5 Minuten", "vor 1 Minute", "27. Apr 2026",
    { "", " Aufgaben ausgewählt" }, "Sortieren", "_Älteste zuerst" },
  { "zh_CN", " 个任务", "1 个任务", "首选项(_P)", "时间", "失败原因", "检查间隔", "将任务 ID 拖放到这里",
    "2026年4月27日 11:15:06", "5 分钟前", "1 分钟前", "2026年4月27日",
    { "已选择 ", " 个任务" }, "排序", "最早添加(_O)" },
};

static const Expected *expected;

static gboolean
is_window_title_with_subtitle (GtkWidget     *widget,
                               gconstpointer  subtitle)
{
  return ADW_IS_WINDOW_TITLE (widget) &&
         g_strcmp0 (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (widget)), subtitle) == 0;
}

static gboolean
is_mapped_label_with_text (GtkWidget     *widget,
                           gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static gboolean
is_menu_button_named (GtkWidget     *widget,
                      gconstpointer  tooltip)
{
  return GTK_IS_MENU_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static gboolean
popover_mapped (gpointer popover)
{
  return gtk_widget_get_mapped (popover);
}

static gboolean
is_main_menu_button (GtkWidget     *widget,
                     gconstpointer  data)
{
  return GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)) != NULL &&
         g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)), "open-menu-symbolic") == 0;
}

typedef struct
{
  GtkWidget  *window;
  const char *text;
} Shown;

static gboolean
text_is_shown (gpointer user_data)
{
  Shown *shown = user_data;

  return dailies_test_find_widget_where (shown->window, is_mapped_label_with_text, shown->text) != NULL;
}

static gboolean
subtitle_is_shown (gpointer user_data)
{
  Shown *shown = user_data;

  return dailies_test_find_widget_where (shown->window, is_window_title_with_subtitle, shown->text) != NULL;
}

/* Whether @model, or a section or submenu of it, has an item labelled @label. */
static gboolean
menu_has_label (GMenuModel *model,
                const char *label)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *item_label = NULL;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (model, i);
      GMenuModel *link = NULL;

      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s", &item_label) &&
          g_strcmp0 (item_label, label) == 0)
        return TRUE;
      while (g_menu_link_iter_get_next (links, NULL, &link))
        {
          gboolean found = menu_has_label (link, label);

          g_object_unref (link);
          if (found)
            return TRUE;
        }
    }

  return FALSE;
}

/* Every mapped label that neither wraps nor ellipsizes has room for its
 * whole text: a longer translation is not cut off. Returns how many were
 * looked at. */
static guint
check_labels_fit (GtkWidget *widget)
{
  guint n_checked = 0;

  /* Popovers and dialogs are sized on their own. */
  if (!gtk_widget_get_mapped (widget) || (GTK_IS_NATIVE (widget) && !GTK_IS_WINDOW (widget)))
    return 0;

  if (GTK_IS_LABEL (widget))
    {
      GtkLabel *label = GTK_LABEL (widget);
      PangoLayout *layout = gtk_label_get_layout (label);
      int text_width, text_height;

      /* An ellipsized task ID or file path is by design (the full text is
       * in its tooltip); any other text cut short is a translation that
       * does not fit. */
      if (pango_layout_is_ellipsized (layout))
        {
          const char *text = gtk_label_get_text (label);

          if (!g_str_has_prefix (text, "asyntask_") && !g_str_has_prefix (text, "cgt-") &&
              strchr (text, G_DIR_SEPARATOR) == NULL)
            g_error ("“%s” is cut short", text);
          g_test_message ("ellipsized: “%s”", text);
          return 0;
        }
      /* A wrapping label is as wide as it is given: then its lines must
       * all show. */
      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      if (text_width > gtk_widget_get_width (widget) || text_height > gtk_widget_get_height (widget))
        g_error ("“%s” needs %d×%d px in a label of %d×%d px", gtk_label_get_text (label),
                 text_width, text_height, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
      return 1;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n_checked += check_labels_fit (child);

  return n_checked;
}

/* Whether a stack under @widget is still fading from one page to another. */
static gboolean
is_in_transition (GtkWidget     *widget,
                  gconstpointer  data)
{
  if (GTK_IS_STACK (widget))
    return gtk_stack_get_transition_running (GTK_STACK (widget));
  /* Preferences' header cross-fades from its page switcher to its title. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (ADW_IS_SQUEEZER (widget))
    return adw_squeezer_get_transition_running (ADW_SQUEEZER (widget));
G_GNUC_END_IGNORE_DEPRECATIONS
  return FALSE;
}

static gboolean
transitions_done (gpointer window)
{
  return dailies_test_find_widget_where (window, is_in_transition, NULL) == NULL;
}

/* Waits for @text on a mapped label of @window, then checks that nothing
 * is cut off and keeps a screenshot called @name. */
static void
assert_shown (GtkWidget  *window,
              const char *text,
              const char *name)
{
  Shown shown = { window, text };

  if (!dailies_test_wait_until (text_is_shown, &shown, 10000))
    g_error ("“%s” is not shown", text);
  /* A transition may only begin once the window is laid out: frames,
   * then transitions, twice over. */
  for (guint i = 0; i < 2; i++)
    {
      dailies_test_wait_for_frames (window);
      g_assert_true (dailies_test_wait_until (transitions_done, window, 5000));
    }
  dailies_test_wait_for_frames (window);
  g_assert_cmpuint (check_labels_fit (window), >, 3);
  g_object_unref (dailies_test_screenshot (window, name));
}

static void
assert_subtitle (GtkWidget  *window,
                 const char *subtitle)
{
  Shown shown = { window, subtitle };

  if (!dailies_test_wait_until (subtitle_is_shown, &shown, 10000))
    g_error ("the list's subtitle is not “%s”", subtitle);
}

static gboolean
store_has_n_tasks (gpointer user_data)
{
  DailiesApplication *app = user_data;
  DailiesDemoServer *server = dailies_application_get_demo_server (app);

  return g_list_model_get_n_items (G_LIST_MODEL (dailies_application_get_store (app))) ==
         g_strv_length ((char **) dailies_demo_server_get_task_ids (server));
}

/* The first task of @app in @status (borrowed), or NULL. */
static DailiesTask *
find_task (DailiesApplication *app,
           DailiesTaskStatus   status)
{
  GListModel *model = G_LIST_MODEL (dailies_application_get_store (app));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (model, i);

      if (dailies_task_get_status (task) == status)
        return task;
    }

  return NULL;
}

static gboolean
has_success_and_failure (gpointer app)
{
  return find_task (app, DAILIES_TASK_STATUS_SUCCESS) != NULL && find_task (app, DAILIES_TASK_STATUS_FAILURE) != NULL;
}

static void
window_body (DailiesApplication *app,
             gpointer            data)
{
  DailiesTaskStore *store = dailies_application_get_store (app);
  const char * const *ids = dailies_demo_server_get_task_ids (dailies_application_get_demo_server (app));
  guint n_tasks = g_strv_length ((char **) ids);
  const char *new_id = "asyntask_LocaleTest00000000000000000001";
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *tasks_text = NULL;
  g_autofree char *name = NULL;
  GtkWidget *window;
  GtkWidget *menu_button;
  GtkWidget *sort_button;
  GtkWidget *popover;
  GtkWidget *preferences;

  dailies_test_wait_for_window (GTK_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 720);
  g_assert_true (dailies_test_wait_until (store_has_n_tasks, app, 10000));
  g_assert_cmpuint (n_tasks, >, 1);

  /* The list's subtitle, in the plural. */
  tasks_text = g_strdup_printf ("%u%s", n_tasks, expected->tasks);
  assert_subtitle (window, tasks_text);

  /* The main menu. */
  menu_button = dailies_test_find_widget_where (window, is_main_menu_button, NULL);
  g_assert_nonnull (menu_button);
  g_assert_true (menu_has_label (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button)),
                                 expected->preferences));

  /* A failed task's details, among finished ones: the demo's clock is
   * moved on so that the rows show their ends. */
  dailies_poller_set_interval (dailies_application_get_poller (app), 1);
  dailies_demo_server_advance (dailies_application_get_demo_server (app), 120);
  dailies_poller_wake (dailies_application_get_poller (app));
  g_assert_true (dailies_test_wait_until (has_success_and_failure, app, 30000));
  g_assert_true (dailies_window_select_task (DAILIES_WINDOW (window),
                                             dailies_task_get_id (find_task (app, DAILIES_TASK_STATUS_FAILURE))));
  name = g_strdup_printf ("locale-%s.png", expected->language);
  assert_shown (window, expected->failed, name);
  assert_shown (window, expected->timing, name);

  /* Every task selected: the selection page's title, in the plural. */
  g_assert_true (gtk_widget_activate_action (window, "win.select-all", NULL));
  g_free (tasks_text);
  tasks_text = g_strdup_printf ("%s%u%s", expected->selected[0], n_tasks, expected->selected[1]);
  g_free (name);
  name = g_strdup_printf ("locale-%s-selection.png", expected->language);
  assert_shown (window, tasks_text, name);
  g_assert_true (gtk_widget_activate_action (window, "win.select-none", NULL));

  /* The Sort menu: its items all have room. */
  sort_button = dailies_test_find_widget_where (window, is_menu_button_named, expected->sort);
  g_assert_nonnull (sort_button);
  g_assert_true (menu_has_label (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (sort_button)), expected->oldest));
  gtk_menu_button_popup (GTK_MENU_BUTTON (sort_button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (sort_button)));
  g_assert_true (dailies_test_wait_until (popover_mapped, popover, 5000));
  dailies_test_wait_for_frames (popover);
  g_assert_cmpuint (check_labels_fit (gtk_popover_get_child (GTK_POPOVER (popover))), >, 3);
  g_free (name);
  name = g_strdup_printf ("locale-%s-sort.png", expected->language);
  g_object_unref (dailies_test_screenshot (popover, name));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (sort_button));

  /* Preferences, in a window of its own. */
  g_assert_true (gtk_widget_activate_action (window, "win.preferences", NULL));
  preferences = GTK_WIDGET (dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW));
  g_assert_nonnull (preferences);
  g_free (name);
  name = g_strdup_printf ("locale-%s-preferences.png", expected->language);
  assert_shown (preferences, expected->check_every, name);
  gtk_window_destroy (GTK_WINDOW (preferences));

  /* With no task left, the empty page. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    g_ptr_array_add (tasks, g_list_model_get_item (G_LIST_MODEL (store), i));
  dailies_task_store_remove_tasks (store, tasks);
  g_free (name);
  name = g_strdup_printf ("locale-%s-empty.png", expected->language);
  assert_shown (window, expected->empty, name);
  /* Its icon is the app's own, from the app's resources wherever it runs
   * (installed or not), not the theme's "missing image". */
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (window)),
                                          "io.github.dailies.Dailies-symbolic"));

  /* One task: the singular. */
  g_assert_cmpuint (dailies_task_store_add_ids (store, &new_id, 1), ==, 1);
  assert_subtitle (window, expected->one_task);
}

static void
test_window (void)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", "--demo", NULL };
  /* Demo tasks finish while the window (on a display with no window
   * manager) is not the focused one: the notifications need somewhere to
   * go, or GIO's warning about them is fatal. */
  DailiesTestNotifications *notifications = dailies_test_notifications_start ();

  dailies_test_run_app (app, argv, window_body, NULL);
  dailies_test_notifications_stop (notifications);
}

/* Dates, times and counts outside the window, in the same language. */
static void
test_format (void)
{
  gint64 now = 1777288800;
  g_autofree char *timestamp = dailies_format_timestamp (1777288506);
  g_autofree char *minutes_ago = dailies_format_relative_time (now - 300, now);
  g_autofree char *minute_ago = dailies_format_relative_time (now - 60, now);
  g_autofree char *date = dailies_format_relative_time (1777288506, now + 60 * 86400);

  g_assert_cmpstr (timestamp, ==, expected->timestamp);
  g_assert_cmpstr (minutes_ago, ==, expected->minutes_ago);
  g_assert_cmpstr (minute_ago, ==, expected->minute_ago);
  g_assert_cmpstr (date, ==, expected->date);
}

static void
test_skip (void)
{
  g_test_skip ("the locale is not installed: build-aux/dev generates it");
}

int
main (int   argc,
      char *argv[])
{
  const char *language = g_getenv ("LANGUAGE");
  const char *localedir = g_getenv ("DAILIES_TEST_LOCALEDIR");

  g_setenv ("TZ", "UTC", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (expectations); i++)
    if (g_strcmp0 (language, expectations[i].language) == 0)
      expected = &expectations[i];
  g_assert_nonnull (expected);
  g_assert_nonnull (localedir);

  /* gettext reads LANGUAGE only when the locale itself is not C. */
  if (setlocale (LC_ALL, "") == NULL)
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        g_error ("the locale %s is missing: run build-aux/dev build", g_getenv ("LC_ALL"));

      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/dailies/locale/skipped", test_skip);
      return g_test_run ();
    }

  /* As main.c does, with the catalogues of the build tree. */
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/locale/format", test_format);
  g_test_add_func ("/dailies/locale/window", test_window);

  return g_test_run ();
}
