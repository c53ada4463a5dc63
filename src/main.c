/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "dailies-application.h"
#include "dailies-huge-pages.h"
#include "dailies-quitting.h"

/* For build-aux/bench: with DAILIES_BENCH_LISTED=N set, prints the wall-clock
 * time at which the window's list first holds N rows. Kept here, away from
 * the window's code, so that it measures whatever model the window uses. */
static void
bench_items_changed_cb (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        gpointer    user_data)
{
  guint n_items = g_list_model_get_n_items (model);

  if (n_items < GPOINTER_TO_UINT (user_data))
    return;
  g_print ("dailies-bench: listed %u real_us=%" G_GINT64_FORMAT "\n", n_items, g_get_real_time ());
  fflush (stdout);   /* the bench reads it while the app runs */
  g_signal_handlers_disconnect_by_func (model, bench_items_changed_cb, user_data);
}

/* The task list: not a drop-down's list, which lives in its popover. */
static GtkListView *
bench_find_list_view (GtkWidget *widget)
{
  if (GTK_IS_POPOVER (widget))
    return NULL;
  if (GTK_IS_LIST_VIEW (widget))
    return GTK_LIST_VIEW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkListView *found = bench_find_list_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
bench_activate_cb (GApplication *app,
                   gpointer      user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  GtkListView *list_view = window != NULL ? bench_find_list_view (GTK_WIDGET (window)) : NULL;
  GListModel *model = list_view != NULL ? G_LIST_MODEL (gtk_list_view_get_model (list_view)) : NULL;

  g_signal_handlers_disconnect_by_func (app, bench_activate_cb, user_data);
  if (model == NULL)
    return;
  g_signal_connect (model, "items-changed", G_CALLBACK (bench_items_changed_cb), user_data);
  bench_items_changed_cb (model, 0, 0, 0, user_data);
}

/* For build-aux/bench: with DAILIES_BENCH_HEARTBEAT set, a timer due every
 * 10 ms on the main thread. A tick that comes more than two periods after
 * the one before prints the gap: how long the main loop could not answer,
 * seen from inside (bench-probe sees it over D-Bus, through dbus-daemon and
 * its own process). */
#define BENCH_HEARTBEAT_MS 10

static gboolean
bench_heartbeat_cb (gpointer user_data)
{
  static gint64 last_tick;
  gint64 now = g_get_monotonic_time ();

  if (last_tick != 0 && now - last_tick > 2 * BENCH_HEARTBEAT_MS * 1000)
    {
      g_print ("dailies-bench: gap_us=%" G_GINT64_FORMAT " real_us=%" G_GINT64_FORMAT "\n",
               now - last_tick, g_get_real_time ());
      fflush (stdout);
    }
  last_tick = now;

  return G_SOURCE_CONTINUE;
}

/* This program's path; replaced by an update since it started, the new
 * one at the same place. */
static char *
dup_own_program (void)
{
  char *path = g_file_read_link ("/proc/self/exe", NULL);

  if (path != NULL && g_str_has_suffix (path, " (deleted)"))
    path[strlen (path) - strlen (" (deleted)")] = '\0';

  return path;
}

/* Runs @path in this process; takes @envp. Returns only if it could not. */
static void
run_again (const char  *path,
           char       **argv,
           char       **envp)
{
  g_auto(GStrv) environment = dailies_huge_pages_ask (envp);
  int saved_errno;

  execve (path, argv, environment);
  saved_errno = errno;
  /* Translators: %s are a file's path and why it could not be run */
  g_printerr (_("dailies: could not run %s: %s\n"), path, g_strerror (saved_errno));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DailiesApplication) app = NULL;
  g_autofree char *self_path = NULL;
  g_autofree char *running = NULL;
  g_auto(GStrv) relaunch_argv = NULL;
  char **relaunch_envp = NULL;
  int status;

  /* The launcher asked for huge pages for this heap; what this program
   * starts runs as it would have. */
  dailies_huge_pages_restore_env ();

#ifdef __linux__
  /* Run by the launcher, `dailies`, as dailies-app: its process is still
   * dailies to ps, pidof, killall and System Monitor. */
  prctl (PR_SET_NAME, "dailies", 0, 0, 0);
#endif

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Dailies"));

  app = dailies_application_new ();
  if (g_getenv ("DAILIES_BENCH_LISTED") != NULL)
    g_signal_connect_after (app, "activate", G_CALLBACK (bench_activate_cb),
                            GUINT_TO_POINTER (g_ascii_strtoull (g_getenv ("DAILIES_BENCH_LISTED"), NULL, 10)));

  if (g_getenv ("DAILIES_BENCH_HEARTBEAT") != NULL)
    g_timeout_add (BENCH_HEARTBEAT_MS, bench_heartbeat_cb, NULL);

  status = g_application_run (G_APPLICATION (app), argc, argv);

  if (status == DAILIES_EXIT_QUITTING)
    {
      /* Only a first instance that was quitting answers this (the first
       * instance's own command line is read before it can quit): once it
       * has gone, this program runs again, as the first instance or
       * handing over to whichever started meanwhile (the launcher does
       * the same for a list). It waits for the Dailies it found running,
       * not for one started since, which takes the command line. */
      running = g_strdup (dailies_application_get_owner_at_start (app));
      g_clear_object (&app);
      self_path = dup_own_program ();
      if (self_path != NULL && dailies_wait_until_quit (running))
        run_again (self_path, argv, g_get_environ ());
      return status;
    }

  /* The desktop asked this Dailies to show its window or open files while
   * it quit: the next Dailies does, in this process, which stays in the
   * sandbox or service the desktop started. */
  if (dailies_application_dup_relaunch (app, argv[0], &relaunch_argv, &relaunch_envp))
    {
      g_clear_object (&app);
      self_path = dup_own_program ();
      if (self_path != NULL)
        run_again (self_path, relaunch_argv, relaunch_envp);
      else
        g_strfreev (relaunch_envp);
      g_printerr ("%s\n", _("Dailies could not start again for the window or the files asked for while it quit. Open them again."));
      return 1;
    }

  return status;
}
