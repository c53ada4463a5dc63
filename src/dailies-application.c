/* dailies-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <libsoup/soup.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "dailies-api-base.h"
#include "dailies-api-client.h"
#include "dailies-application.h"
#include "dailies-demo-server.h"
#include "dailies-id-parser.h"
#include "dailies-import.h"
#include "dailies-keeper.h"
#include "dailies-notifier.h"
#include "dailies-player.h"
#include "dailies-poller.h"
#include "dailies-quitting.h"
#include "dailies-secret.h"
#include "dailies-task-store.h"
#include "dailies-task-view.h"
#include "dailies-window.h"

struct _DailiesApplication
{
  AdwApplication     parent_instance;

  GSettings         *settings;
  DailiesDemoServer *demo_server;
  DailiesApiClient  *client;
  DailiesTaskStore  *store;
  DailiesPoller     *poller;
  DailiesKeeper     *keeper;
  DailiesNotifier   *notifier;
  GCancellable      *cancellable;
  GCancellable      *key_cancellable;  /* the look-up for key_host */
  char              *key_host;         /* whose key the client holds (keyring name) */

  guint              store_loaded : 1;
  guint              key_known : 1;    /* the keyring was asked (or no need) */
  guint              demo : 1;
  guint              env_base_refused : 1;
  guint              quitting : 1;     /* in shutdown: no window, no import */
  guint              warm_up_source;   /* loads the player's plugins once idle */
  guint              quit_wait_ms;     /* for each of the waits at quitting */
  /* Launches from the desktop that arrived while quitting, for the next
   * Dailies: whether any did, the files to open, and the token that lets
   * its window be raised. */
  guint              launched_while_quitting : 1;
  GPtrArray         *launch_uris;
  char              *launch_token;
  char              *emit_token;       /* that of the call being handled */
  guint              emit_passed_on : 1; /* that call kept or handed back */
  char              *owner_at_start;   /* the Dailies running as this one started */
  GDBusConnection   *bus;              /* where it owns the name, as the first */
};

G_DEFINE_FINAL_TYPE (DailiesApplication, dailies_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version of Dailies and of the libraries it runs with"), NULL },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run against the built-in demo server: no account, no network"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL,
    N_("[TASK-ID|FILE…]") },
  { NULL }
};

static void
print_versions (void)
{
  g_print ("Dailies %s\n", PACKAGE_VERSION);
  g_print ("GTK %u.%u.%u (built with %d.%d.%d)\n",
           gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version (),
           GTK_MAJOR_VERSION, GTK_MINOR_VERSION, GTK_MICRO_VERSION);
  g_print ("libadwaita %u.%u.%u (built with %d.%d.%d)\n",
           adw_get_major_version (), adw_get_minor_version (), adw_get_micro_version (),
           ADW_MAJOR_VERSION, ADW_MINOR_VERSION, ADW_MICRO_VERSION);
  g_print ("libsoup %u.%u.%u (built with %d.%d.%d)\n",
           soup_get_major_version (), soup_get_minor_version (), soup_get_micro_version (),
           SOUP_MAJOR_VERSION, SOUP_MINOR_VERSION, SOUP_MICRO_VERSION);
  {
    g_autofree char *gst = gst_version_string ();
    g_print ("%s (built with %d.%d.%d)\n", gst, GST_VERSION_MAJOR, GST_VERSION_MINOR, GST_VERSION_MICRO);
  }
}

static int
dailies_application_handle_local_options (GApplication *app,
                                          GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      print_versions ();
      return 0;
    }

  /* A demo runs in a process of its own with a throwaway task list, so it
   * never mixes with the user's real tasks or a running instance. */
  if (g_variant_dict_contains (options, "demo"))
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  else
    DAILIES_APPLICATION (app)->owner_at_start = dailies_dup_running_app ();

  return -1;
}

static long
read_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return -1;

  return strtol (line + strlen ("VmRSS:"), NULL, 10);
}

static void
bench_after_paint_cb (GdkFrameClock *frame_clock,
                      GApplication  *app)
{
  g_signal_handlers_disconnect_by_func (frame_clock, bench_after_paint_cb, app);
  /* The wall-clock time, for the bench to subtract its start from: the
   * time to quit afterwards is not part of a start. */
  g_print ("dailies-bench: drawn real_us=%" G_GINT64_FORMAT " rss_kb=%ld tasks=%u\n",
           g_get_real_time (), read_rss_kb (),
           g_list_model_get_n_items (G_LIST_MODEL (DAILIES_APPLICATION (app)->store)));
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

/* For build-aux/bench: report and quit once the loaded list is on screen. */
static void
bench_exit_after_next_paint (DailiesApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GdkSurface *surface;

  if (window == NULL || (surface = gtk_native_get_surface (GTK_NATIVE (window))) == NULL)
    {
      g_warning ("bench: no window to wait for");
      return;
    }

  g_signal_connect (gdk_surface_get_frame_clock (surface), "after-paint",
                    G_CALLBACK (bench_after_paint_cb), self);
  gtk_widget_queue_draw (GTK_WIDGET (window));
}

/* Polling starts once the tasks are loaded and the keyring has answered, so
 * a missing key is a real state, not a moment of startup. */
static void
maybe_start_poller (DailiesApplication *self)
{
  if (self->store_loaded && self->key_known)
    dailies_poller_start (self->poller);
}

static void
tell_window (DailiesApplication *self,
             const char         *message)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    dailies_window_add_toast (DAILIES_WINDOW (window), message);
}

static gboolean
warm_up_player_cb (gpointer user_data)
{
  DailiesApplication *self = user_data;

  self->warm_up_source = 0;
  dailies_player_warm_up ();

  return G_SOURCE_REMOVE;
}

static void
store_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(DailiesApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!dailies_task_store_load_finish (DAILIES_TASK_STORE (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("store: could not load tasks: %s", error->message);
      tell_window (self, _("Your saved tasks could not be opened; changes are kept only until you quit. See the log for details."));
    }
  else if (dailies_task_store_get_moved_aside_path (self->store) != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The task list was damaged and has been set aside as %s. Starting with an empty list."),
                                               dailies_task_store_get_moved_aside_path (self->store));
      tell_window (self, text);
    }

  self->store_loaded = TRUE;

  if (self->demo)
    {
      const char * const *ids = dailies_demo_server_get_task_ids (self->demo_server);
      dailies_task_store_add_ids (self->store, ids, g_strv_length ((char **) ids));
    }

  maybe_start_poller (self);
  dailies_keeper_start (self->keeper);
  /* Once the window is drawn and nothing else waits. */
  if (!self->quitting && self->warm_up_source == 0)
    self->warm_up_source = g_idle_add_full (G_PRIORITY_LOW, warm_up_player_cb, self, NULL);

  if (g_getenv ("DAILIES_BENCH_EXIT_AFTER_DRAWN") != NULL)
    bench_exit_after_next_paint (self);
}

typedef struct
{
  DailiesApplication *self;
  gboolean            ask;    /* ask for a key when there is none */
} KeyLookup;

static void
api_key_looked_up_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  KeyLookup *lookup = user_data;
  g_autoptr(DailiesApplication) self = lookup->self;
  gboolean ask = lookup->ask;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = dailies_secret_lookup_finish (result, &error);

  g_free (lookup);

  /* A look-up for a host that is no longer the base was cancelled. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    g_message ("secret: no key from the keyring: %s", error->message);

  if (key != NULL)
    dailies_api_client_set_api_key (self->client, key);

  self->key_known = TRUE;
  maybe_start_poller (self);
  dailies_poller_wake (self->poller);

  if (key == NULL && ask)
    {
      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

      if (DAILIES_IS_WINDOW (window))
        dailies_window_ask_for_api_key (DAILIES_WINDOW (window));
    }
}

static char *
dup_api_base (DailiesApplication *self)
{
  const char *env = g_getenv ("DAILIES_API_BASE");
  g_autoptr(GError) error = NULL;

  if (self->demo)
    return g_strdup (dailies_demo_server_get_base_url (self->demo_server));

  if (env != NULL && *env != '\0')
    {
      g_autofree char *tidy = dailies_api_base_dup_tidy (env);

      if (dailies_api_base_is_acceptable (tidy, &error))
        return g_steal_pointer (&tidy);

      if (!self->env_base_refused)
        /* Translators: %s says why the address cannot be used */
        g_printerr (_("DAILIES_API_BASE is not used: %s\n"), error->message);
      self->env_base_refused = TRUE;
    }

  {
    g_autofree char *setting = g_settings_get_string (self->settings, "api-base-url");

    return dailies_api_base_dup_tidy (setting);
  }
}

/**
 * dailies_application_dup_api_base_override:
 * @demo: (out): whether it is the demo's own server
 *
 * Returns: (nullable): the API address in use when it is not necessarily
 *   the setting's: the demo's own server, or DAILIES_API_BASE; NULL when
 *   the setting's is used
 */
char *
dailies_application_dup_api_base_override (DailiesApplication *self,
                                           gboolean           *demo)
{
  g_autofree char *env = dailies_api_base_dup_tidy (g_getenv ("DAILIES_API_BASE"));

  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  *demo = self->demo;
  if (self->demo || (*env != '\0' && dailies_api_base_is_acceptable (env, NULL)))
    return dup_api_base (self);

  return NULL;
}

/* A key stored without a host was made for the default API. */
static gboolean
is_default_key_host (DailiesApplication *self,
                     const char         *key_host)
{
  g_autoptr(GVariant) value = g_settings_get_default_value (self->settings, "api-base-url");
  g_autofree char *default_host = dailies_api_base_dup_key_host (g_variant_get_string (value, NULL));

  return g_strcmp0 (key_host, default_host) == 0;
}

/* The key follows the base: each host has its own, and the old host's key
 * is dropped before the new base is set, so nothing goes out with it. */
static void
apply_api_base (DailiesApplication *self,
                gboolean            ask)
{
  g_autofree char *base = dup_api_base (self);
  g_autofree char *key_host = dailies_api_base_dup_key_host (base);
  g_autoptr(GError) error = NULL;

  if (!self->demo && (self->key_host == NULL || g_strcmp0 (key_host, self->key_host) != 0))
    {
      g_cancellable_cancel (self->key_cancellable);
      g_clear_object (&self->key_cancellable);
      dailies_api_client_set_api_key (self->client, NULL);
      g_free (self->key_host);
      self->key_host = g_steal_pointer (&key_host);

      /* Paused while the keyring answers: "no key" would be a moment, not
       * a state, and in-flight requests belong to the old host. With no
       * usable address, paused until there is one (Preferences say why). */
      dailies_poller_stop (self->poller);
      self->key_known = FALSE;

      if (self->key_host == NULL)
        {
          dailies_api_base_is_acceptable (base, &error);
          g_message ("settings: the API address is not used: %s", error->message);
        }
      else
        {
          KeyLookup *lookup = g_new0 (KeyLookup, 1);

          self->key_cancellable = g_cancellable_new ();
          lookup->self = g_object_ref (self);
          lookup->ask = ask;
          dailies_secret_lookup_async (self->key_host,
                                       is_default_key_host (self, self->key_host)
                                         ? DAILIES_SECRET_LOOKUP_ADOPT_HOSTLESS : DAILIES_SECRET_LOOKUP_NONE,
                                       self->key_cancellable, api_key_looked_up_cb, lookup);
        }
    }

  dailies_api_client_set_base_url (self->client, base);
  dailies_poller_wake (self->poller);
}

static void
api_base_changed_cb (DailiesApplication *self)
{
  apply_api_base (self, TRUE);
}

/* The window draws into buffers of megabytes (all of it, when software
 * renders), and imports and loads make and free as much. By default glibc
 * maps each block over 128 KiB afresh and gives freed memory back to the
 * kernel at once, so the next block is new zeroed pages, a page fault for
 * each 4 KiB: the first frames after start-up took twice as long on a
 * virtual machine. Kept, up to 64 MiB free, a later block reuses them. */
static void
keep_freed_memory (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 64 * 1024 * 1024);
#endif
}

static void
dailies_application_startup (GApplication *app)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);
  g_autofree char *db_path = NULL;

  keep_freed_memory ();
  G_APPLICATION_CLASS (dailies_application_parent_class)->startup (app);

  gst_init (NULL, NULL);

  self->settings = g_settings_new (APP_ID);

  if (self->demo)
    {
      g_autoptr(GError) error = NULL;

      self->demo_server = dailies_demo_server_new ();
      if (!dailies_demo_server_start (self->demo_server, &error))
        g_error ("demo: could not start the demo server: %s", error->message);
      g_printerr ("%s\n", _("Dailies is running on its built-in demo server. Nothing leaves this machine."));
    }
  else
    {
      db_path = g_build_filename (g_get_user_data_dir (), "dailies", "tasks.db", NULL);
    }

  /* No base until apply_api_base() has settled the key that goes with it. */
  self->client = dailies_api_client_new (NULL);
  self->store = dailies_task_store_new (db_path);
  self->poller = dailies_poller_new (self->store, self->client, self->settings);
  /* Where the Not found tasks were found missing, for a change of region
   * made between two runs. The demo's throwaway list keeps none. */
  if (!self->demo)
    g_settings_bind (self->settings, "not-found-address", self->poller, "not-found-address",
                     G_SETTINGS_BIND_DEFAULT);
  {
    g_autofree char *thumbnails = g_build_filename (g_get_user_cache_dir (), "dailies", "thumbnails", NULL);
    g_autoptr(DailiesDownloader) downloader = dailies_downloader_new ();
    g_autoptr(DailiesThumbnailer) thumbnailer = dailies_thumbnailer_new (thumbnails);

    self->keeper = dailies_keeper_new (self->store, downloader, thumbnailer, self->settings);
    /* Demo videos are kept out of the user's Videos folder. */
    if (self->demo)
      {
        g_autofree char *demo_folder = g_build_filename (g_get_user_cache_dir (), "dailies", "demo-videos", NULL);
        dailies_keeper_set_folder (self->keeper, demo_folder);
      }
  }

  self->notifier = dailies_notifier_new (G_APPLICATION (self), self->store, self->keeper, self->settings);

  g_signal_connect_object (self->settings, "changed::api-base-url",
                           G_CALLBACK (api_base_changed_cb), self, G_CONNECT_SWAPPED);

  if (self->demo)
    {
      dailies_api_client_set_api_key (self->client, "demo");
      /* The demo walks within a minute: follow it closely. */
      dailies_poller_set_interval (self->poller, 5);
      self->key_known = TRUE;
    }
  apply_api_base (self, FALSE);

  dailies_task_store_load_async (self->store, self->cancellable, store_loaded_cb, g_object_ref (self));
}

/* How long quitting waits for videos, then for downloads, to stop (and
 * clean up). */
#define QUIT_WAIT_MS 3000

static gboolean
quit_wait_over_cb (gpointer user_data)
{
  gboolean *over = user_data;

  *over = TRUE;
  return G_SOURCE_REMOVE;
}

/* Turns the main loop until @busy says the work is done or @timeout_ms
 * pass; the work may need the loop (the demo's server runs in it).
 * Returns whether it was done in time. */
static gboolean
wait_at_quit (guint      timeout_ms,
              gboolean (*busy) (gpointer data),
              gpointer   data)
{
  gboolean over = FALSE;
  guint timeout;

  if (!busy (data))
    return TRUE;

  timeout = g_timeout_add (timeout_ms, quit_wait_over_cb, &over);
  while (!over && busy (data))
    g_main_context_iteration (NULL, TRUE);
  if (!over)
    g_source_remove (timeout);

  return !over;
}

static gboolean
keeper_busy (gpointer data)
{
  DailiesKeeper *keeper = data;

  /* Save As runs on the keeper's downloader too: its .part goes as well. */
  return dailies_keeper_get_n_running (keeper) > 0 ||
         dailies_downloader_get_n_running (dailies_keeper_get_downloader (keeper)) > 0 ||
         dailies_keeper_get_n_cleaning (keeper) > 0;
}

/* Running downloads are cancelled and their .part files removed rather than
 * kept for a resume: the user may never start the app again, and a
 * half-written 4k video must not stay in their Videos folder. The wait is
 * bounded; whatever a stuck disk leaves is removed (or resumed) at the next
 * start. */
static void
stop_keeper (DailiesKeeper *keeper,
             guint          timeout_ms)
{
  dailies_keeper_stop (keeper);
  if (!wait_at_quit (timeout_ms, keeper_busy, keeper))
    g_warning ("keeper: %u downloads did not stop in time",
               dailies_keeper_get_n_running (keeper) +
               dailies_downloader_get_n_running (dailies_keeper_get_downloader (keeper)));
}

static gboolean
videos_stopping (gpointer data)
{
  return dailies_player_get_n_pending_changes () > 0;
}

static void disable_app_actions (DailiesApplication *self);

static void
dailies_application_shutdown (GApplication *app)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) late_error = NULL;

  /* The waits below turn the main loop, and GApplication still owns its
   * name: a command line may come in meanwhile. */
  self->quitting = TRUE;
  /* A notification's Show or Play would open a window, or start a video. */
  disable_app_actions (self);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->key_cancellable);

  if (self->poller != NULL)
    dailies_poller_stop (self->poller);
  /* The windows' videos stop on threads of their own: no stream runs on
   * while the libraries it uses go away, unless one is stuck. */
  if (!wait_at_quit (self->quit_wait_ms, videos_stopping, NULL))
    g_message ("player: a video was still stopping at exit");
  if (self->keeper != NULL)
    stop_keeper (self->keeper, self->quit_wait_ms);
  /* What was shown as saved must be on disk before we go: last, after
   * the waits above, which turn the main loop. */
  if (self->store != NULL && !dailies_task_store_flush (self->store, &error))
    g_warning ("store: could not save tasks at exit: %s", error->message);

  /* The save holds the main thread; what came over D-Bus meanwhile waits,
   * and GApplication unexports its objects once shutdown ends, refusing
   * it. So the name goes now, after the save, so that the next Dailies
   * finds it all in the file; then what reached this one before the bus
   * let go is answered as during the waits: a launch kept for the next
   * Dailies, a command line handed back. Nothing can come after. The
   * loop turns once more for that: what else would start then (the
   * notifier's work, loading the player's plugins) goes first, and what
   * it changes is saved after. */
  g_clear_handle_id (&self->warm_up_source, g_source_remove);
  g_clear_object (&self->notifier);
  dailies_release_app_name (self->bus);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (self->store != NULL && !dailies_task_store_flush (self->store, &late_error))
    g_warning ("store: could not save tasks at exit: %s", late_error->message);

  G_APPLICATION_CLASS (dailies_application_parent_class)->shutdown (app);
}

/* While the window has the focus, the list tells what finished; otherwise
 * a notification does. */
static void
window_active_cb (DailiesApplication *self,
                  GParamSpec         *pspec,
                  GtkWindow          *window)
{
  if (self->notifier != NULL)
    dailies_notifier_set_user_present (self->notifier, gtk_window_is_active (window));
}

static DailiesWindow *
get_or_create_window (DailiesApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (dailies_window_new (ADW_APPLICATION (self), self->settings));
      g_signal_connect_object (window, "notify::is-active", G_CALLBACK (window_active_cb), self,
                               G_CONNECT_SWAPPED);
    }

  return DAILIES_WINDOW (window);
}

/* A launch from the desktop (D-Bus Activate or Open: a click on the icon,
 * a file opened from the file manager) cannot be handed back as a command
 * line is: it is kept, and once this Dailies has quit, main.c runs it in
 * the same process (see dailies_application_dup_relaunch()). */
static void
keep_launch_for_next (DailiesApplication  *self,
                      GFile              **files,
                      int                  n_files)
{
  self->launched_while_quitting = TRUE;
  self->emit_passed_on = TRUE;
  for (int i = 0; i < n_files; i++)
    g_ptr_array_add (self->launch_uris, g_file_get_uri (files[i]));
  if (self->emit_token != NULL)
    {
      g_free (self->launch_token);
      self->launch_token = g_strdup (self->emit_token);
    }
  g_message ("application: a launch with %d files arrived while quitting, Dailies starts again once it has quit",
             n_files);
}

/* The desktop's token for raising the window a launch opens (Wayland's
 * activation token, X11's startup ID): the next Dailies needs it when
 * this one, quitting, keeps the launch. */
static void
dailies_application_before_emit (GApplication *app,
                                 GVariant     *platform_data)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);
  const char *token = NULL;

  G_APPLICATION_CLASS (dailies_application_parent_class)->before_emit (app, platform_data);

  if (!g_variant_lookup (platform_data, "activation-token", "&s", &token))
    g_variant_lookup (platform_data, "desktop-startup-id", "&s", &token);
  g_free (self->emit_token);
  self->emit_token = g_strdup (token);
}

static gboolean
dailies_application_dbus_register (GApplication     *app,
                                   GDBusConnection  *connection,
                                   const char       *object_path,
                                   GError          **error)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);

  g_set_object (&self->bus, connection);

  return G_APPLICATION_CLASS (dailies_application_parent_class)->dbus_register (app, connection, object_path, error);
}

static void
dailies_application_after_emit (GApplication *app,
                                GVariant     *platform_data)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);

  g_clear_pointer (&self->emit_token, g_free);

  /* GtkApplication would tell the desktop that the launch is complete,
   * and its token used up: the next Dailies is to use it, for a launch
   * kept or a command line handed back. (A command line's token is only
   * in the sender's environment, which GTK 4.8 empties of it: a Dailies
   * that hands its command line over to another loses it, as any second
   * instance does.) */
  if (self->emit_passed_on)
    {
      self->emit_passed_on = FALSE;
      return;
    }

  G_APPLICATION_CLASS (dailies_application_parent_class)->after_emit (app, platform_data);
}

static void
dailies_application_activate (GApplication *app)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);

  if (self->quitting)
    {
      keep_launch_for_next (self, NULL, 0);
      return;
    }

  gtk_window_present (GTK_WINDOW (get_or_create_window (self)));
}

/* A task ID's prefix and nothing that could be part of a secret. */
static gboolean
looks_like_a_task_id (const char *argument)
{
  if (!g_str_has_prefix (argument, "asyntask_") && !g_str_has_prefix (argument, "cgt-"))
    return FALSE;

  for (const char *p = argument; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;

  return strlen (argument) <= 64;
}

/* The caller learns what its list gave, as the window says it. */
static void
command_line_import_cb (DailiesImport           *import,
                        GParamSpec              *pspec,
                        GApplicationCommandLine *command_line)
{
  g_autofree char *summary = NULL;
  const char * const *problems;
  gboolean found_none;

  if (dailies_import_get_running (import))
    return;

  g_signal_handlers_disconnect_by_func (import, command_line_import_cb, command_line);

  problems = dailies_import_get_problems (import);
  summary = dailies_import_dup_summary (import);
  /* A list with no task ID at all, or an import cancelled before it
   * added or found listed any, is an error, said once (the summary is
   * then the problem itself, that none was found, or the cancel), and a
   * script can tell from the exit status. */
  found_none = dailies_import_get_n_added (import) == 0 && dailies_import_get_n_listed (import) == 0;

  for (guint i = 0; problems[i] != NULL; i++)
    if (!found_none || g_strcmp0 (problems[i], summary) != 0)
      g_application_command_line_printerr (command_line, "%s\n", problems[i]);

  if (found_none)
    g_application_command_line_printerr (command_line, "%s\n", summary);
  else
    g_application_command_line_print (command_line, "%s\n", summary);
  if (found_none || dailies_import_get_cancelled (import))
    g_application_command_line_set_exit_status (command_line, 1);

  /* A running instance's caller waits for this to exit. */
  g_object_unref (command_line);
}

/* Each argument is a task ID, a file holding task IDs, or "-" for
 * standard input; all are read by one import, in order. */
static void
import_arguments (DailiesApplication      *self,
                  GApplicationCommandLine *command_line,
                  const char * const      *arguments)
{
  g_autoptr(DailiesImport) import = dailies_import_new (self->store);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  gboolean any = FALSE;

  for (guint i = 0; arguments != NULL && arguments[i] != NULL; i++)
    {
      g_autoptr(GFile) file = NULL;
      g_autofree char *if_missing = NULL;

      if (dailies_task_id_is_valid (arguments[i]))
        {
          g_ptr_array_add (ids, (gpointer) arguments[i]);
          continue;
        }

      /* IDs before a file keep their place in the order. */
      if (ids->len > 0)
        {
          g_ptr_array_add (ids, NULL);
          dailies_import_add_ids (import, (const char * const *) ids->pdata);
          g_ptr_array_set_size (ids, 0);
          any = TRUE;
        }

      if (g_strcmp0 (arguments[i], "-") == 0)
        {
          g_autoptr(GInputStream) input = g_application_command_line_get_stdin (command_line);

          if (input != NULL)
            {
              dailies_import_add_stream (import, input, _("standard input"));
              any = TRUE;
            }
          continue;
        }

      /* An argument that is no file may be a pasted key: name it by its
       * place, and echo only what looks like a mistyped task ID. Whether
       * it is a file is found out off the main thread, with the reading:
       * it may be on a share that is slow to answer. */
      file = g_application_command_line_create_file_for_arg (command_line, arguments[i]);
      if (looks_like_a_task_id (arguments[i]))
        if_missing = g_strdup_printf (_("“%s” is not a valid task ID"), arguments[i]);
      else
        if_missing = g_strdup_printf (_("Argument %u is neither a task ID nor a file"), i + 1);
      dailies_import_add_argument (import, file, if_missing);
      any = TRUE;
    }

  if (ids->len > 0)
    {
      g_ptr_array_add (ids, NULL);
      dailies_import_add_ids (import, (const char * const *) ids->pdata);
      any = TRUE;
    }

  g_debug ("command line: %u arguments", arguments != NULL ? g_strv_length ((char **) arguments) : 0);
  if (!any)
    return;

  g_signal_connect (import, "notify::running", G_CALLBACK (command_line_import_cb), g_object_ref (command_line));
  dailies_window_run_import (get_or_create_window (self), import);
}

/* Files opened from the desktop (D-Bus activation) hold lists of task IDs. */
static void
dailies_application_open (GApplication  *app,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);
  g_autoptr(DailiesImport) import = NULL;

  if (self->quitting)
    {
      keep_launch_for_next (self, files, n_files);
      return;
    }

  import = dailies_import_new (self->store);
  for (int i = 0; i < n_files; i++)
    dailies_import_add_file (import, files[i]);

  g_application_activate (app);
  dailies_window_run_import (get_or_create_window (self), import);
}

static int
dailies_application_command_line (GApplication            *app,
                                  GApplicationCommandLine *command_line)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree const char **arguments = NULL;

  /* Nothing read, not even standard input: the caller runs again once
   * this Dailies has gone (dailies-quitting.c). */
  if (self->quitting)
    {
      g_message ("command line: arrived while quitting, handed back");
      self->emit_passed_on = TRUE;
      return DAILIES_EXIT_QUITTING;
    }

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &arguments);
  g_application_activate (app);
  import_arguments (self, command_line, arguments);

  return 0;
}

static gboolean
dailies_application_local_command_line (GApplication   *app,
                                        char         ***arguments,
                                        int            *exit_status)
{
  DailiesApplication *self = DAILIES_APPLICATION (app);

  /* --demo decides the setup done in startup, before options are parsed there. */
  for (guint i = 1; (*arguments)[i] != NULL; i++)
    if (g_strcmp0 ((*arguments)[i], "--demo") == 0)
      self->demo = TRUE;

  return G_APPLICATION_CLASS (dailies_application_parent_class)->local_command_line (app, arguments, exit_status);
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  DailiesApplication *self = user_data;
  const char *developers[] = { _("The Dailies developers"), NULL };
  GtkWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", _("Dailies"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Dailies developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Track and preview Seedance video generations"),
                        "website", "https://github.com/dailies/dailies",
                        "issue-url", "https://github.com/dailies/dailies/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (about);
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Close windows first so they save their state. */
  for (GList *l = windows; l != NULL; l = windows = gtk_application_get_windows (GTK_APPLICATION (app)))
    gtk_window_destroy (l->data);

  g_application_quit (app);
}

/* The window, with the task selected if one is named and listed. */
static DailiesWindow *
show_task (DailiesApplication *self,
           const char         *task_id)
{
  DailiesWindow *window = get_or_create_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (*task_id != '\0' && !dailies_window_select_task (window, task_id))
    {
      g_debug ("notification: task %s is not in the list now", task_id);
      return NULL;
    }

  return window;
}

/* From a notification: the window, with the task selected if one is named. */
static void
show_task_action_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  show_task (user_data, g_variant_get_string (parameter, NULL));
}

/* A notification's Play: the task shown, its video playing (also when it
 * was shown already, paused). */
static void
play_task_action_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  DailiesWindow *window = show_task (user_data, g_variant_get_string (parameter, NULL));
  GtkWidget *view;

  if (window == NULL)
    return;

  view = dailies_window_get_task_view (window);
  dailies_player_play (DAILIES_PLAYER (dailies_task_view_get_player (DAILIES_TASK_VIEW (view))));
}

static const GActionEntry app_actions[] = {
  { "about", about_action_cb },
  { "quit", quit_action_cb },
  { "show-task", show_task_action_cb, "s" },
  { "play-task", play_task_action_cb, "s" },
};

static void
disable_app_actions (DailiesApplication *self)
{
  for (gsize i = 0; i < G_N_ELEMENTS (app_actions); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), app_actions[i].name);

      if (G_IS_SIMPLE_ACTION (action))
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), FALSE);
    }
}

static void
dailies_application_dispose (GObject *object)
{
  DailiesApplication *self = (DailiesApplication *)object;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->key_cancellable);
  g_clear_handle_id (&self->warm_up_source, g_source_remove);
  g_clear_object (&self->poller);
  g_clear_object (&self->keeper);
  g_clear_object (&self->notifier);
  g_clear_object (&self->store);
  g_clear_object (&self->client);
  g_clear_object (&self->demo_server);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (dailies_application_parent_class)->dispose (object);
}

static void
dailies_application_finalize (GObject *object)
{
  DailiesApplication *self = (DailiesApplication *)object;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->key_cancellable);
  g_clear_pointer (&self->key_host, g_free);
  g_clear_pointer (&self->launch_uris, g_ptr_array_unref);
  g_clear_pointer (&self->launch_token, g_free);
  g_clear_pointer (&self->emit_token, g_free);
  g_clear_pointer (&self->owner_at_start, g_free);
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (dailies_application_parent_class)->finalize (object);
}

static void
dailies_application_class_init (DailiesApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = dailies_application_dispose;
  object_class->finalize = dailies_application_finalize;

  app_class->local_command_line = dailies_application_local_command_line;
  app_class->handle_local_options = dailies_application_handle_local_options;
  app_class->command_line = dailies_application_command_line;
  app_class->open = dailies_application_open;
  app_class->startup = dailies_application_startup;
  app_class->shutdown = dailies_application_shutdown;
  app_class->activate = dailies_application_activate;
  app_class->before_emit = dailies_application_before_emit;
  app_class->after_emit = dailies_application_after_emit;
  app_class->dbus_register = dailies_application_dbus_register;
}

static void
dailies_application_init (DailiesApplication *self)
{
  const char *quit_accels[] = { "<Control>q", NULL };

  self->cancellable = g_cancellable_new ();
  self->quit_wait_ms = QUIT_WAIT_MS;
  self->launch_uris = g_ptr_array_new_with_free_func (g_free);

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[TASK-ID|FILE…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Track and preview Seedance video generations."));

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
}

DailiesApplication *
dailies_application_new (void)
{
  return g_object_new (DAILIES_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/dailies/Dailies",
                       NULL);
}

GSettings *
dailies_application_get_settings (DailiesApplication *self)
{
  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * dailies_application_set_quit_wait:
 * @timeout_ms: how long, for each of the waits
 *
 * How long quitting waits for videos, then for downloads, to stop: 3 s
 * unless set. For tests on a machine made slow (sanitizers, load).
 */
void
dailies_application_set_quit_wait (DailiesApplication *self,
                                   guint               timeout_ms)
{
  g_return_if_fail (DAILIES_IS_APPLICATION (self));

  self->quit_wait_ms = timeout_ms;
}

/**
 * dailies_application_dup_relaunch:
 * @argv0: the name the program runs under (its argv[0])
 * @argv: (out) (transfer full): what to run: @argv0 and the files to open
 * @envp: (out) (transfer full): its environment: this process's, with the
 *   desktop's token for raising the window
 *
 * Once the application has quit: what the desktop asked of it while it
 * was quitting (to show its window, to open files), which the next
 * Dailies is to do. main.c runs it in this same process, so that it stays
 * in the sandbox or service that the desktop started.
 *
 * Returns: whether anything was asked
 */
gboolean
dailies_application_dup_relaunch (DailiesApplication   *self,
                                  const char           *argv0,
                                  char               ***argv,
                                  char               ***envp)
{
  g_autoptr(GStrvBuilder) args = NULL;
  char **environment;

  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (argv0 != NULL, FALSE);

  if (!self->launched_while_quitting)
    return FALSE;

  args = g_strv_builder_new ();
  g_strv_builder_add (args, argv0);
  /* URIs: they need no working directory, and none starts with '-'. */
  for (guint i = 0; i < self->launch_uris->len; i++)
    g_strv_builder_add (args, g_ptr_array_index (self->launch_uris, i));
  *argv = g_strv_builder_end (args);

  environment = g_get_environ ();
  /* Not this process's own token, which it used: the launch's, if any,
   * under both names (GTK 4.8 on X11 reads the second). */
  environment = g_environ_unsetenv (environment, "XDG_ACTIVATION_TOKEN");
  environment = g_environ_unsetenv (environment, "DESKTOP_STARTUP_ID");
  if (self->launch_token != NULL)
    {
      environment = g_environ_setenv (environment, "XDG_ACTIVATION_TOKEN", self->launch_token, TRUE);
      environment = g_environ_setenv (environment, "DESKTOP_STARTUP_ID", self->launch_token, TRUE);
    }
  *envp = environment;

  return TRUE;
}

/**
 * dailies_application_get_owner_at_start:
 *
 * Returns: (nullable): the unique name on the session bus of the Dailies
 *   that was running when this one started (the one a command line goes
 *   to, and that may hand it back), or NULL
 */
const char *
dailies_application_get_owner_at_start (DailiesApplication *self)
{
  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  return self->owner_at_start;
}

DailiesDemoServer *
dailies_application_get_demo_server (DailiesApplication *self)
{
  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  return self->demo_server;
}

DailiesTaskStore *
dailies_application_get_store (DailiesApplication *self)
{
  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  return self->store;
}

DailiesPoller *
dailies_application_get_poller (DailiesApplication *self)
{
  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  return self->poller;
}

DailiesKeeper *
dailies_application_get_keeper (DailiesApplication *self)
{
  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  return self->keeper;
}

DailiesApiClient *
dailies_application_get_api_client (DailiesApplication *self)
{
  g_return_val_if_fail (DAILIES_IS_APPLICATION (self), NULL);

  return self->client;
}
