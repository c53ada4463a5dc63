/* dailies-launcher.c
 *
 * What `dailies` runs. A list handed to a Dailies that is already running
 * (`dailies ids.txt`, `dailies -`, from a script, perhaps once a batch)
 * goes to it from here, a program that loads GIO alone; everything else
 * runs the application itself in this process. Loading GTK, libadwaita and
 * GStreamer only to pass a command line on cost that second process 30 ms
 * on a quiet machine and 45-75 ms of CPU on a busy one, taken from the
 * window that was adding the list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "dailies-huge-pages.h"
#include "dailies-quitting.h"

#define APP_NAME "dailies-app"
/* How many Dailies that were quitting a list follows, one after another. */
#define MAX_HANDOVERS 3

/* The application's own entry for what follows the options (see
 * dailies-application.c): GApplication parses the command line here and
 * sends the first instance what it found, which reads the list from it. */
static const GOptionEntry list_entries[] = {
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, NULL },
  { NULL }
};

/* Only ever a second instance: GApplication's, passing on what
 * GtkApplication's would as well, the token that lets the first instance
 * raise its window. */
#define DAILIES_TYPE_LAUNCHER (dailies_launcher_get_type ())
G_DECLARE_FINAL_TYPE (DailiesLauncher, dailies_launcher, DAILIES, LAUNCHER, GApplication)

struct _DailiesLauncher
{
  GApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (DailiesLauncher, dailies_launcher, G_TYPE_APPLICATION)

static void
dailies_launcher_add_platform_data (GApplication    *app,
                                    GVariantBuilder *builder)
{
  const char *token = g_getenv ("XDG_ACTIVATION_TOKEN");

  G_APPLICATION_CLASS (dailies_launcher_parent_class)->add_platform_data (app, builder);

  if (token == NULL)
    token = g_getenv ("DESKTOP_STARTUP_ID");
  if (token != NULL && g_utf8_validate (token, -1, NULL))
    {
      g_variant_builder_add (builder, "{sv}", "activation-token", g_variant_new_string (token));
      g_variant_builder_add (builder, "{sv}", "desktop-startup-id", g_variant_new_string (token));
    }
}

static void
dailies_launcher_class_init (DailiesLauncherClass *klass)
{
  G_APPLICATION_CLASS (klass)->add_platform_data = dailies_launcher_add_platform_data;
}

static void
dailies_launcher_init (DailiesLauncher *self)
{
}

/* Only lists of files, IDs or "-": options (--demo, --version, --help,
 * --gapplication-service) are the application's to read. */
static gboolean
is_only_a_list (int    argc,
                char **argv)
{
  if (argc < 2)
    return FALSE;

  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] != '\0')
      return FALSE;

  return TRUE;
}

/* The application next to this program (in a build tree), else where it
 * is installed. */
static char *
find_app (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      g_autofree char *beside = g_build_filename (dir, APP_NAME, NULL);

      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }

  return g_build_filename (DAILIES_LIBEXECDIR, APP_NAME, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *app_path = NULL;
  g_auto(GStrv) envp = NULL;
  int saved_errno;

  /* What the first instance says comes back as UTF-8, printed here in
   * the terminal's own encoding. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A Dailies that was quitting hands the list back: once it has gone,
   * look again, as another may have started meanwhile (a few times). */
  for (guint attempt = 0; attempt < MAX_HANDOVERS && is_only_a_list (argc, argv); attempt++)
    {
      /* What a second instance of the application would do, the same
       * way: its command line (and standard input, for "-") goes to the
       * first one, which prints what it added here and sets the exit
       * status. Should the first have quit since, this becomes Dailies
       * below, as a second instance would have become the first; where
       * Dailies is installed, D-Bus may start it first (it is D-Bus
       * activatable), and the list goes there. */
      g_autoptr(GApplication) app = g_object_new (DAILIES_TYPE_LAUNCHER,
                                                  "application-id", APP_ID,
                                                  "flags", G_APPLICATION_IS_LAUNCHER |
                                                           G_APPLICATION_HANDLES_COMMAND_LINE,
                                                  NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *running = dailies_dup_running_app ();
      int status;

      if (running == NULL)
        break;
      g_application_add_main_option_entries (app, list_entries);
      if (!g_application_register (app, NULL, &error))
        {
          g_debug ("launcher: Dailies is no longer running (%s)", error->message);
          break;
        }

      status = g_application_run (app, argc, argv);
      if (status != DAILIES_EXIT_QUITTING)
        return status;

      /* It was quitting and read nothing, standard input neither. */
      g_clear_object (&app);
      if (!dailies_wait_until_quit (running))
        return DAILIES_EXIT_QUITTING;
    }

  /* The same process (its ID, for whoever started it) becomes Dailies;
   * argv[0] stays, so that the application is still called dailies. */
  app_path = find_app ();
  envp = dailies_huge_pages_ask (g_get_environ ());
  execve (app_path, argv, envp);
  saved_errno = errno;

  /* Translators: %s are a file's path and why it could not be run */
  g_printerr (_("dailies: could not run %s: %s\n"), app_path, g_strerror (saved_errno));
  return 127;
}
