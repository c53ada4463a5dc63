/* test-portal.c
 *
 * The file choosers as the Flatpak meets them: through a real
 * xdg-desktop-portal and its GTK backend, started on the test's session
 * bus, with GDK_DEBUG=portals so that GTK asks the portal outside a
 * sandbox. The backend's dialog is a GTK 3 window of its own process: the
 * test finds it by its title, checks that the backend shows it and that
 * the app shows no chooser of its own, and types into it with real keys
 * (xdotool), as a person would: a folder for Save Videos To…, a list for
 * Open (Ctrl+O), a file name for Export.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <string.h>

#include "dailies-application.h"
#include "dailies-demo-server.h"
#include "dailies-id-parser.h"
#include "dailies-keeper.h"
#include "dailies-poller.h"
#include "dailies-task-store.h"
#include "dailies-task.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window.h"

#define WAIT_MS 20000
#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define BACKEND_NAME "org.freedesktop.impl.portal.desktop.gtk"

/* One of the two portal processes, started by the test. */
typedef struct
{
  GSubprocess *process;
  gboolean     exited;
  char        *owner;   /* the name's owner, as last seen */
} Service;

typedef struct
{
  DailiesApplication *app;
  DailiesWindow      *window;
  GDBusConnection    *bus;
  Service             backend;
  Service             portal;
} Fixture;

/* ------------------------------------------------------------------ */
/* The portal                                                           */
/* ------------------------------------------------------------------ */

/* The command line the session bus runs for @name, read from its service
 * file where the bus reads it, so that the test names no install path. */
static char **
service_argv (const char *name)
{
  g_autofree char *file_name = g_strconcat (name, ".service", NULL);
  const char * const *dirs = g_get_system_data_dirs ();

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "dbus-1", "services", file_name, NULL);
      g_autoptr(GKeyFile) service = g_key_file_new ();
      g_autofree char *exec = NULL;
      g_autoptr(GError) error = NULL;
      char **argv = NULL;

      if (!g_key_file_load_from_file (service, path, G_KEY_FILE_NONE, NULL))
        continue;
      exec = g_key_file_get_string (service, "D-BUS Service", "Exec", &error);
      g_assert_no_error (error);
      g_assert_true (g_shell_parse_argv (exec, NULL, &argv, &error));
      g_assert_no_error (error);
      return argv;
    }

  /* Not a skip: CI installs both (build-aux/dev). */
  g_error ("%s cannot be started: no %s in the data dirs; install xdg-desktop-portal and xdg-desktop-portal-gtk",
           name, file_name);
}

static void
service_exited_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Service *service = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  service->exited = TRUE;
}

static void
owner_appeared_cb (GDBusConnection *bus,
                   const char      *name,
                   const char      *owner,
                   gpointer         user_data)
{
  Service *service = user_data;

  g_free (service->owner);
  service->owner = g_strdup (owner);
}

static void
owner_vanished_cb (GDBusConnection *bus,
                   const char      *name,
                   gpointer         user_data)
{
  g_clear_pointer (&((Service *) user_data)->owner, g_free);
}

typedef struct
{
  GDBusConnection *bus;
  Service         *service;
} OwnerWait;

/* The name is our process's, or that process has gone. */
static gboolean
owned_or_exited (gpointer user_data)
{
  OwnerWait *wait = user_data;
  const char *id = g_subprocess_get_identifier (wait->service->process);
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  /* No id once it has exited, though its callback may not have run yet. */
  if (wait->service->exited || id == NULL)
    return TRUE;
  if (wait->service->owner == NULL)
    return FALSE;

  reply = g_dbus_connection_call_sync (wait->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", wait->service->owner), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);

  return pid == (guint32) atoi (id);
}

/* A test that fails leaves neither portal process it started behind,
 * holding its name and the output meson waits on: each goes with the
 * test, also if the test went before prctl() was called. */
static void
die_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != GPOINTER_TO_INT (user_data))
    _exit (1);
}

/* Starts @service as the bus would, but by the test, with --replace: a
 * portal that the bus started for something else (the suite's tests do
 * not ask it, but a desktop's library may) has neither the display nor
 * the desktop's name, and so no file chooser. Waits until it owns its
 * name. */
static void
start_service (Fixture    *f,
               Service    *service,
               const char *name)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_auto(GStrv) argv = service_argv (name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) replace_argv = NULL;
  g_autoptr(GError) error = NULL;
  OwnerWait wait = { f->bus, service };
  guint watch;

  g_strv_builder_addv (builder, (const char **) argv);
  g_strv_builder_add (builder, "--replace");
  replace_argv = g_strv_builder_end (builder);

  /* gtk.portal is for GNOME (its UseIn); the test's own debug settings are
   * not the portal's. */
  g_subprocess_launcher_setenv (launcher, "XDG_CURRENT_DESKTOP", "GNOME", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "GDK_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, GINT_TO_POINTER (getpid ()), NULL);

  watch = g_bus_watch_name_on_connection (f->bus, name, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          owner_appeared_cb, owner_vanished_cb, service, NULL);
  service->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) replace_argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (service->process, NULL, service_exited_cb, service);

  if (!dailies_test_wait_until (owned_or_exited, &wait, WAIT_MS) ||
      g_subprocess_get_identifier (service->process) == NULL)
    g_error ("%s did not take %s on the session bus (its messages are above)", replace_argv[0], name);
  g_bus_unwatch_name (watch);
  g_test_message ("%s runs as %s", name, g_subprocess_get_identifier (service->process));
}

static void
stop_service (Service *service)
{
  g_subprocess_force_exit (service->process);
  g_assert_true (dailies_test_wait_for_flag (&service->exited, WAIT_MS));
  g_clear_object (&service->process);
  g_clear_pointer (&service->owner, g_free);
}

/* ------------------------------------------------------------------ */
/* The portal's dialog                                                  */
/* ------------------------------------------------------------------ */

/* Runs xdotool with @argv (after its name) to its end; returns its first
 * line of output. */
static char *
xdotool_line (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) full_argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  DailiesTestRun run = { 0, };
  char *line;

  g_strv_builder_add (builder, "xdotool");
  g_strv_builder_addv (builder, (const char **) argv);
  full_argv = g_strv_builder_end (builder);

  process = dailies_test_spawn (launcher, (const char * const *) full_argv, NULL, &run);
  if (!dailies_test_wait_for_flag (&run.done, WAIT_MS))
    {
      g_subprocess_force_exit (process);
      g_error ("xdotool %s: no answer", argv[0]);
    }
  g_assert_true (run.ok);
  line = g_strndup (run.out, strcspn (run.out, "\n"));
  dailies_test_run_clear (&run);

  return line;
}

/* GtkFileChooserNative holds a GtkFileChooserDialog for its state even
 * when the portal shows the chooser: that one must not be on screen. */
static void
assert_no_chooser_of_ours (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      g_assert_false (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (window));
    }
}

/* The backend's dialog titled @title, once it is on screen: its X11 id.
 * It must be a window of the backend's process, with no chooser of the
 * app's own besides: else GTK did not go through the portal. */
static char *
wait_for_dialog (Fixture    *f,
                 const char *title)
{
  g_autofree char *pattern = g_strdup_printf ("^%s$", title);
  const char * const search[] = { "search", "--sync", "--onlyvisible", "--name", pattern, NULL };
  char *xid = xdotool_line (search);
  const char * const get_pid[] = { "getwindowpid", xid, NULL };
  g_autofree char *pid = xdotool_line (get_pid);

  g_test_message ("“%s” is window %s of process %s", title, xid, pid);
  g_assert_cmpstr (pid, ==, g_subprocess_get_identifier (f->backend.process));
  assert_no_chooser_of_ours ();

  return xid;
}

static void
process_exited_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* GtkFileChooserNative keeps its own dialog, hidden, until the app drops
 * the chooser as its answer comes. */
static gboolean
chooser_answered (gpointer user_data)
{
  return dailies_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG) == NULL;
}

/* Whether the X window @xid is still there: the backend's dialog is gone
 * once it took a Return, well before its answer reaches the app on a busy
 * machine, and a Return sent then would go to Dailies' window. */
static gboolean
window_exists (const char *xid)
{
  const char * const argv[] = { "xdotool", "getwindowname", xid, NULL };
  int status = -1;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

/* In the backend's GTK 3 chooser: Alt+Home leaves Recent, where it opens
 * and where a typed location is not taken; Ctrl+L, Ctrl+A (the Save
 * dialog has a name there) and @path. Then Return until the app has its
 * answer: GTK 3 takes a Return only once it has looked the typed location
 * up (about half a second here), which shows nowhere outside its process;
 * a Return before that does nothing, and a person presses it again, as
 * long as the dialog is there.
 * (xdotool's type takes every word after it: Return goes on its own.) */
static void
type_location (const char *xid,
               const char *path)
{
  const char * const argv[] = { "xdotool", "windowfocus", "--sync", xid, "key", "Return", NULL };
  guint n_returns = 0;

  g_assert_false (chooser_answered (NULL));
  dailies_test_xdotool_on (xid, "key", "alt+Home", "ctrl+l", "ctrl+a", "type", path, NULL);
  for (; n_returns < 20 && !chooser_answered (NULL) && window_exists (xid); n_returns++)
    {
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      gboolean exited = FALSE;

      process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
      g_assert_no_error (error);
      g_subprocess_wait_async (process, NULL, process_exited_cb, &exited);
      g_assert_true (dailies_test_wait_for_flag (&exited, 10000));
      dailies_test_wait_until (chooser_answered, NULL, 1500);
    }
  g_assert_true (dailies_test_wait_until (chooser_answered, NULL, WAIT_MS));
  g_test_message ("the chooser answered after %u Returns", n_returns);
}

/* ------------------------------------------------------------------ */
/* The steps                                                            */
/* ------------------------------------------------------------------ */

static DailiesTask *
task_at (Fixture *f,
         guint    position)
{
  GtkWidget *list = dailies_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW, "navigation-sidebar");
  DailiesTask *task = dailies_test_listed_task (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))), position);

  /* The store keeps it. */
  if (task != NULL)
    g_object_unref (task);
  return task;
}

/* Every video of the selection, saved into the folder picked in the
 * portal's dialog under the name Dailies gives it: the whole file. */
static void
check_save_videos (Fixture *f)
{
  DailiesKeeper *keeper = dailies_application_get_keeper (f->app);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *xid = NULL;
  g_autofree char *summary = NULL;
  guint n_videos = 0, n_files = 0;
  DailiesTask *task;
  GDir *listing;

  dailies_test_xdotool (GTK_WIDGET (f->window), "key", "ctrl+a", NULL);
  dailies_test_xdotool (GTK_WIDGET (f->window), "key", "ctrl+s", NULL);
  xid = wait_for_dialog (f, "Save Videos To");
  /* Return picks the folder the location names. */
  type_location (xid, dir);

  for (guint i = 0; (task = task_at (f, i)) != NULL; i++)
    if (dailies_test_task_has_video (task))
      n_videos++;
  g_assert_cmpuint (n_videos, >=, 2);
  summary = g_strdup_printf ("Saved %u videos", n_videos);
  dailies_test_wait_for_toast (f->window, summary, WAIT_MS);

  for (guint i = 0; (task = task_at (f, i)) != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;
      GStatBuf st, kept;

      if (!dailies_test_task_has_video (task))
        continue;
      name = dailies_keeper_suggest_name (keeper, task);
      path = g_build_filename (dir, name, NULL);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      /* The kept copy's bytes where there is one; a whole video anyway. */
      if (dailies_task_get_local_path (task) != NULL)
        {
          g_assert_cmpint (g_stat (dailies_task_get_local_path (task), &kept), ==, 0);
          g_assert_cmpint (st.st_size, ==, kept.st_size);
        }
      g_assert_cmpint (st.st_size, >, 1000);
    }

  listing = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (listing);
  while (g_dir_read_name (listing) != NULL)
    n_files++;
  g_dir_close (listing);
  g_assert_cmpuint (n_files, ==, n_videos);

  dailies_test_rm_rf (dir);
}

/* Ctrl+O, a list picked in the portal's dialog: its new tasks listed,
 * with the one summary every way in gives. */
static void
check_open (Fixture *f)
{
  DailiesTaskStore *store = dailies_application_get_store (f->app);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "picked.txt", NULL);
  g_autofree char *text = g_strdup_printf ("asyntask_PortalNumber00000001\nnot a task at all\n%s\nasyntask_PortalNumber00000002\n",
                                           dailies_task_get_id (task_at (f, 0)));
  g_autofree char *xid = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_null (dailies_task_store_lookup (store, "asyntask_PortalNumber00000001"));

  dailies_test_xdotool (GTK_WIDGET (f->window), "key", "ctrl+o", NULL);
  xid = wait_for_dialog (f, "Open Task ID Lists");
  type_location (xid, path);

  dailies_test_wait_for_toast (f->window, "Added 2 tasks · 1 already listed · 1 line without a task ID", WAIT_MS);
  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_PortalNumber00000001"));
  g_assert_nonnull (dailies_task_store_lookup (store, "asyntask_PortalNumber00000002"));

  dailies_test_rm_rf (dir);
}

/* Export of every task to a name typed in the portal's Save dialog, read
 * back as Open reads a list: the same tasks, in the list's order. */
static void
check_export (Fixture *f)
{
  GtkWidget *list = dailies_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW, "navigation-sidebar");
  guint n_tasks = g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))));
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "picked.json", NULL);
  g_autofree char *heading = g_strdup_printf ("Export %u Tasks", n_tasks);
  g_autofree char *summary = g_strdup_printf ("Exported %u tasks to picked.json", n_tasks);
  g_autofree char *xid = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  AdwMessageDialog *dialog;

  dailies_test_xdotool (GTK_WIDGET (f->window), "key", "ctrl+a", NULL);
  dailies_test_xdotool (GTK_WIDGET (f->window), "key", "ctrl+e", NULL);
  dialog = ADW_MESSAGE_DIALOG (dailies_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
  gtk_check_button_set_active (g_object_get_data (G_OBJECT (dialog), "json"), TRUE);
  adw_message_dialog_response (dialog, "export");

  xid = wait_for_dialog (f, "Export Tasks");
  /* A whole path in the name field saves in its folder. */
  type_location (xid, path);
  dailies_test_wait_for_toast (f->window, summary, WAIT_MS);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  parsed = dailies_id_parser_parse_text (contents, -1);
  g_assert_cmpuint (parsed->ids->len, ==, n_tasks);
  for (guint i = 0; i < n_tasks; i++)
    g_assert_cmpstr (g_ptr_array_index (parsed->ids, i), ==, dailies_task_get_id (task_at (f, i)));

  dailies_test_rm_rf (dir);
}

static void
portal_body (DailiesApplication *app,
             gpointer            data)
{
  Fixture *f = data;
  DailiesDemoServer *server = dailies_application_get_demo_server (app);
  DailiesPoller *poller = dailies_application_get_poller (app);

  f->app = app;
  f->window = DAILIES_WINDOW (dailies_test_wait_for_window (GTK_APPLICATION (app)));
  g_assert_true (dailies_test_wait_until (dailies_test_app_has_demo_tasks, app, 10000));

  /* Every task to its final state, and each video kept, quickly. */
  dailies_poller_set_interval (poller, 1);
  dailies_demo_server_advance (server, 120);
  dailies_poller_wake (poller);
  g_assert_true (dailies_test_wait_until (dailies_test_app_tasks_settled, app, WAIT_MS));
  dailies_test_wait_for_frames (GTK_WIDGET (f->window));

  g_test_message ("save_videos");
  check_save_videos (f);
  g_test_message ("open");
  check_open (f);
  g_test_message ("export");
  check_export (f);
}

static void
test_portal_choosers (void)
{
#ifdef GDK_WINDOWING_X11
  g_autoptr(DailiesApplication) app = NULL;
  const char * const argv[] = { "dailies", "--demo", NULL };
  g_autoptr(GError) error = NULL;
  Fixture f = { NULL, };

  f.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  /* The backend first: the portal looks for it as it starts. */
  start_service (&f, &f.backend, BACKEND_NAME);
  start_service (&f, &f.portal, PORTAL_NAME);

  app = dailies_application_new ();
  dailies_test_run_app (app, argv, portal_body, &f);

  stop_service (&f.portal);
  stop_service (&f.backend);
  g_object_unref (f.bus);
#else
  g_test_skip ("needs X11");
#endif
}

int
main (int   argc,
      char *argv[])
{
  DailiesTestNotifications *notifications;
  int status;

  /* GTK 4.8 asks the portal only in a sandbox, or when told to. */
  g_setenv ("GDK_DEBUG", "portals", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  /* Tasks finish while the portal's dialog has the focus. */
  notifications = dailies_test_notifications_start ();

  g_test_add_func ("/dailies/portal/save-open-export", test_portal_choosers);

  status = g_test_run ();
  dailies_test_notifications_stop (notifications);

  return status;
}
