/* test-keysafe.c
 *
 * Where secrets go. A pasted script holds a key line among its task IDs:
 * through paste, drop, Open, the Add dialog, the command line and D-Bus
 * Open, the IDs are added and the key lands in no log line and no file.
 * And the API key follows the API host and port: a key kept for one local
 * server is never sent to another.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE  /* memmem: a database is no C string */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "dailies-api-base.h"
#include "dailies-api-client.h"
#include "dailies-application.h"
#include "dailies-preferences-window.h"
#include "dailies-task-store.h"
#include "dailies-test-secret.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"
#include "dailies-window-private.h"

#define WAIT_MS 20000

/* What people paste with their IDs: none of it may be logged or saved. */
#define KEY_EXPORT  "sk-live-0123456789abcdefSECRET"
#define KEY_BEARER  "sk-bearer-9876543210SECRET"
#define KEY_DAILIES "sk-dailies-5555555555SECRET"
#define KEY_ARGV    "sk-argv-7777777777SECRET"
/* Arguments GIO fails on otherwise than "not found": a name longer than
 * a file name may be, and one under a file. */
#define KEY_LONG    "sk-long-" \
  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" \
  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" \
  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789SECRET"
#define KEY_UNDER   "sk-under-a-file-3333333333SECRET"
/* The key the app runs with (DAILIES_API_KEY): sent, never logged. */
#define KEY_IN_USE  "sk-in-use-4444444444SECRET"

static const char *secrets[] = { KEY_EXPORT, KEY_BEARER, KEY_DAILIES, KEY_ARGV, KEY_LONG, KEY_UNDER, KEY_IN_USE };

/* Every log line of this process, whatever its level. */
static GString *log_text;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 || g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      {
        g_string_append_len (log_text, fields[i].value, fields[i].length);
        g_string_append_c (log_text, ' ');
      }
  g_string_append_c (log_text, '\n');

  /* Debug lines are checked, not shown, unless DAILIES_TEST_SHOW_DEBUG is set. */
  if ((log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && g_getenv ("DAILIES_TEST_SHOW_DEBUG") == NULL)
    return G_LOG_WRITER_HANDLED;

  return dailies_test_log_writer (log_level, fields, n_fields, user_data);
}

static GString *printerr_text;

static void
capture_printerr (const char *text)
{
  g_string_append (printerr_text, text);
  fputs (text, stderr);
}

static void
assert_no_secret_in (const char *where,
                     const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    if (strstr (text, secrets[i]) != NULL)
      g_error ("%s holds a secret (%s)", where, secrets[i]);
}

/* Every file under @dir, SQLite databases and their journals included. */
static void
assert_no_secret_in_files (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  if (listing == NULL)
    return;

  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_no_secret_in_files (path);
          continue;
        }

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
        if (memmem (contents, length, secrets[i], strlen (secrets[i])) != NULL)
          g_error ("%s holds a secret (%s)", path, secrets[i]);
    }
}

/* Whether some file under @dir holds @text. */
static gboolean
files_hold (const char *dir,
            const char *text)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR) ? files_hold (path, text)
          : (g_file_get_contents (path, &contents, &length, NULL) &&
             memmem (contents, length, text, strlen (text)) != NULL))
        return TRUE;
    }

  return FALSE;
}

/* A whole script as a person copies it, with two task IDs named after
 * @path (the way in) among the key lines. */
static char *
script_for (const char *path)
{
  return g_strdup_printf ("#!/bin/sh\n"
                          "export ANYFAST_API_KEY=" KEY_EXPORT "\n"
                          "DAILIES_API_KEY=" KEY_DAILIES "\n"
                          "asyntask_Leak%sOne00000001\n"
                          "curl -H \"Authorization: Bearer " KEY_BEARER "\" \\\n"
                          "  https://www.anyfast.ai/v1/video/generations/asyntask_Leak%sTwo00000002\n"
                          "Authorization: Bearer " KEY_BEARER "\n",
                          path, path);
}

static char *
id_for (const char *path,
        guint       n)
{
  return g_strdup_printf (n == 1 ? "asyntask_Leak%sOne00000001" : "asyntask_Leak%sTwo00000002", path);
}

static char *
write_script (const char *dir,
              const char *path)
{
  g_autofree char *text = script_for (path);
  g_autofree char *name = g_strdup_printf ("%s.sh", path);
  char *file = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (file, text, -1, NULL));

  return file;
}

/* ------------------------------------------------------------------ */
/* A local API that records what it is sent                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  SoupServer *server;
  char       *base_url;
  char       *key_host;
  GPtrArray  *requests;    /* "Authorization value|task ID" */
} Api;

static void
api_handler (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Api *api = user_data;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  const char *id = strrchr (path, '/') + 1;
  g_autofree char *body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                                           "\"status\":\"IN_PROGRESS\",\"progress\":\"50%%\","
                                           "\"submit_time\":1777288506,\"start_time\":1777288508}}", id);

  g_ptr_array_add (api->requests, g_strdup_printf ("%s|%s", auth != NULL ? auth : "", id));
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static Api *
api_new (void)
{
  Api *api = g_new0 (Api, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  api->server = soup_server_new (NULL, NULL);
  api->requests = g_ptr_array_new_with_free_func (g_free);
  soup_server_add_handler (api->server, "/v1/video/generations", api_handler, api, NULL);
  g_assert_true (soup_server_listen_local (api->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (api->server);
  api->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  api->key_host = dailies_api_base_dup_key_host (api->base_url);

  return api;
}

static void
api_free (Api *api)
{
  soup_server_disconnect (api->server);
  g_object_unref (api->server);
  g_ptr_array_unref (api->requests);
  g_free (api->base_url);
  g_free (api->key_host);
  g_free (api);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Api, api_free)

/* How many requests from @since on carried @key; NULL: any key at all. */
static guint
api_count (Api        *api,
           guint       since,
           const char *key,
           const char *id)
{
  g_autofree char *auth = key != NULL ? g_strdup_printf ("Bearer %s|", key) : NULL;
  guint n = 0;

  for (guint i = since; i < api->requests->len; i++)
    {
      const char *request = g_ptr_array_index (api->requests, i);

      if ((auth == NULL ? *request != '|' : g_str_has_prefix (request, auth)) &&
          (id == NULL || g_str_has_suffix (request, id)))
        n++;
    }

  return n;
}

typedef struct
{
  Api        *api;
  guint       since;
  const char *key;
  const char *id;
} ApiWait;

static gboolean
api_was_asked (gpointer user_data)
{
  ApiWait *wait = user_data;

  return api_count (wait->api, wait->since, wait->key, wait->id) > 0;
}

static void
wait_for_request (Api        *api,
                  guint       since,
                  const char *key,
                  const char *id)
{
  ApiWait wait = { api, since, key, id };

  g_test_message ("waiting for %s with %s", id != NULL ? id : "a request", key != NULL ? "the key" : "any key");
  g_assert_true (dailies_test_wait_until (api_was_asked, &wait, WAIT_MS));
}

/* ------------------------------------------------------------------ */
/* The app in this process                                             */
/* ------------------------------------------------------------------ */

/* The real app, not on its demo server; its own instance, so that the
 * one started as a process later is not taken for it. */
static void
run_app_test (DailiesTestAppFunc func,
              gpointer           data)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();
  const char * const argv[] = { "dailies", NULL };

  g_application_set_flags (G_APPLICATION (app), g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  dailies_test_run_app (app, argv, func, data);
}

static gboolean
window_is_mapped (gpointer user_data)
{
  GtkWindow *window = gtk_application_get_active_window (user_data);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static DailiesWindow *
wait_for_window (DailiesApplication *app)
{
  g_assert_true (dailies_test_wait_until (window_is_mapped, app, WAIT_MS));

  return DAILIES_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
}

static gboolean
has_toplevel (gpointer type)
{
  return dailies_test_find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

static void
drop_value (DailiesWindow *window,
            GValue        *value)
{
  GtkEventController *target = dailies_test_find_controller (GTK_WIDGET (window), GTK_TYPE_DROP_TARGET);
  gboolean handled = FALSE;

  g_assert_nonnull (target);

  g_signal_emit_by_name (target, "drop", value, 10.0, 10.0, &handled);
  g_assert_true (handled);
}

typedef struct
{
  DailiesTaskStore *store;
  const char       *path;
} StoreWait;

static gboolean
store_has_both_ids (gpointer user_data)
{
  StoreWait *wait = user_data;
  g_autofree char *one = id_for (wait->path, 1);
  g_autofree char *two = id_for (wait->path, 2);

  return dailies_task_store_lookup (wait->store, one) != NULL &&
         dailies_task_store_lookup (wait->store, two) != NULL;
}

/* The IDs that came in by @path are in the list and were asked about. */
static void
assert_added_and_asked (DailiesTaskStore *store,
                        Api              *api,
                        const char       *path)
{
  StoreWait wait = { store, path };
  g_autofree char *one = id_for (path, 1);
  g_autofree char *two = id_for (path, 2);

  g_assert_true (dailies_test_wait_until (store_has_both_ids, &wait, WAIT_MS));
  wait_for_request (api, 0, KEY_IN_USE, one);
  wait_for_request (api, 0, KEY_IN_USE, two);
}

static void
test_in_process_body (DailiesApplication *app,
                      gpointer            data)
{
  Api *api = data;
  DailiesTaskStore *store = dailies_application_get_store (app);
  DailiesWindow *window = wait_for_window (app);
  GtkWidget *widget = GTK_WIDGET (window);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  GValue value = G_VALUE_INIT;

  /* Paste: the real clipboard of the window's display. */
  {
    g_autofree char *text = script_for ("Paste");

    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
    g_assert_true (gtk_widget_activate_action (widget, "win.paste", NULL));
    assert_added_and_asked (store, api, "Paste");
  }

  /* Drop: text, then a file. */
  {
    g_autofree char *text = script_for ("DropText");
    g_autofree char *file = write_script (dir, "DropFile");

    g_value_init (&value, G_TYPE_STRING);
    g_value_set_string (&value, text);
    drop_value (window, &value);
    g_value_unset (&value);
    assert_added_and_asked (store, api, "DropText");

    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_take_boxed (&value, g_slist_append (NULL, g_file_new_for_path (file)));
    drop_value (window, &value);
    g_value_unset (&value);
    assert_added_and_asked (store, api, "DropFile");
  }

  /* Open: what the file chooser hands over. */
  {
    g_autofree char *file = write_script (dir, "Open");
    g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
    g_autoptr(GFile) gfile = g_file_new_for_path (file);

    g_list_store_append (files, gfile);
    _dailies_window_import_files (window, G_LIST_MODEL (files));
    assert_added_and_asked (store, api, "Open");
  }

  /* Add Task IDs: the script pasted into the dialog. */
  {
    g_autofree char *text = script_for ("AddDialog");
    AdwMessageDialog *dialog;
    GtkTextView *text_view;

    g_assert_true (gtk_widget_activate_action (widget, "win.add-tasks", NULL));
    g_assert_true (dailies_test_wait_until (has_toplevel, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
    dialog = ADW_MESSAGE_DIALOG (dailies_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
    text_view = GTK_TEXT_VIEW (dailies_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_TEXT_VIEW, NULL));
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (text_view), text, -1);
    adw_message_dialog_response (dialog, "add");
    gtk_window_destroy (GTK_WINDOW (dialog));
    assert_added_and_asked (store, api, "AddDialog");
  }

  /* The toast counts the lines that held no ID, and shows none of them;
   * its Details show them to the person who pasted them, keys masked
   * (the screen may be shared). */
  g_assert_nonnull (strstr (dailies_window_get_last_toast (window), "without a task ID"));
  assert_no_secret_in ("the last toast", dailies_window_get_last_toast (window));
  {
    AdwMessageDialog *dialog;
    GtkWidget *label;

    g_assert_true (gtk_widget_activate_action (widget, "win.show-rejected", NULL));
    g_assert_true (dailies_test_wait_until (has_toplevel, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
    dialog = ADW_MESSAGE_DIALOG (dailies_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
    label = dailies_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "monospace");
    g_assert_nonnull (label);
    g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (label)), "export ANYFAST_API_KEY=•••"));
    g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (label)), "Authorization: Bearer •••"));
    assert_no_secret_in ("the Details", gtk_label_get_label (GTK_LABEL (label)));
    g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (label)), "asyntask_LeakAddDialogOne00000001"));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }

  dailies_test_rm_rf (dir);
}

static void
test_in_process (void)
{
  g_autoptr(Api) api = api_new ();
  const char *data_dir = g_get_user_data_dir ();
  const char *paths[] = { "Paste", "DropText", "DropFile", "Open", "AddDialog" };

  g_setenv ("DAILIES_API_KEY", KEY_IN_USE, TRUE);
  g_setenv ("DAILIES_API_BASE", api->base_url, TRUE);
  g_string_truncate (log_text, 0);

  run_app_test (test_in_process_body, api);

  /* The key went to the API base, and only as the key. */
  g_assert_cmpuint (api_count (api, 0, KEY_IN_USE, NULL), ==, api->requests->len);

  assert_no_secret_in ("the log", log_text->str);
  /* The log was captured: it saw the requests, debug lines included. */
  g_assert_nonnull (strstr (log_text->str, "asyntask_LeakPasteOne00000001"));
  assert_no_secret_in_files (data_dir);
  assert_no_secret_in_files (g_get_user_cache_dir ());
  assert_no_secret_in_files (g_get_user_config_dir ());

  /* Saved, all of them. */
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *one = id_for (paths[i], 1);
      g_autofree char *two = id_for (paths[i], 2);

      g_assert_true (files_hold (data_dir, one));
      g_assert_true (files_hold (data_dir, two));
    }

  g_unsetenv ("DAILIES_API_KEY");
  g_unsetenv ("DAILIES_API_BASE");
}

/* ------------------------------------------------------------------ */
/* The built app as processes: a first instance, a second one with      */
/* arguments, and D-Bus Open                                           */
/* ------------------------------------------------------------------ */

static void
test_processes (void)
{
  g_autoptr(Api) api = api_new ();
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *cache_dir = g_build_filename (root, "cache", NULL);
  g_autofree char *config_dir = g_build_filename (root, "config", NULL);
  g_autofree char *dailies = g_test_build_filename (G_TEST_BUILT, "..", "src", "dailies", NULL);
  g_autofree char *first_file = write_script (root, "FirstInstance");
  g_autofree char *second_file = write_script (root, "SecondInstance");
  g_autofree char *open_file = write_script (root, "DBusOpen");
  g_autofree char *open_uri = NULL;
  g_autofree char *under_file = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) first = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  const char *paths[] = { "FirstInstance", "SecondInstance", "DBusOpen" };
  DailiesTestRun first_run = { 0 };
  DailiesTestRun second_run = { 0 };
  gboolean appeared = FALSE;
  guint watch;

  g_assert_nonnull (bus);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_API_KEY", KEY_IN_USE, TRUE);
  g_subprocess_launcher_setenv (launcher, "DAILIES_API_BASE", api->base_url, TRUE);

  watch = g_bus_watch_name_on_connection (bus, APP_ID, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          dailies_test_name_appeared_cb, NULL, &appeared, NULL);

  /* The first instance, given a file. */
  first = dailies_test_spawn (launcher, (const char *[]) { dailies, first_file, NULL }, NULL, &first_run);
  g_assert_true (dailies_test_wait_for_flag (&appeared, WAIT_MS));
  g_bus_unwatch_name (watch);

  /* A second one hands a file and words over to it, then leaves. */
  under_file = g_build_filename (second_file, KEY_UNDER, NULL);
  second = dailies_test_spawn (launcher,
                               (const char *[]) { dailies, second_file, "asyntask_LeakArgumentOne00000001",
                                                  KEY_ARGV, "export ANYFAST_API_KEY=" KEY_EXPORT, KEY_LONG, under_file,
                                                  NULL },
                               NULL, &second_run);
  g_assert_true (dailies_test_wait_for_flag (&second_run.done, WAIT_MS));
  g_assert_true (second_run.ok);
  /* The bad arguments were named, not repeated. */
  g_assert_nonnull (strstr (second_run.err, "Argument 3 "));
  g_assert_nonnull (strstr (second_run.err, "Argument 4 "));
  g_assert_nonnull (strstr (second_run.err, "Argument 5 "));
  g_assert_nonnull (strstr (second_run.err, "Argument 6 "));
  /* And the summary was printed when the list was in, those counted. */
  g_assert_nonnull (strstr (second_run.out, "Added 3 tasks · 4 lines without a task ID · 4 unknown arguments\n"));

  /* The desktop opens a file (D-Bus activation). */
  open_uri = g_filename_to_uri (open_file, NULL, NULL);
  dailies_test_call_application (bus, "Open", g_variant_new_parsed ("([%s], @a{sv} {})", open_uri), WAIT_MS);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *one = id_for (paths[i], 1);
      g_autofree char *two = id_for (paths[i], 2);

      wait_for_request (api, 0, KEY_IN_USE, one);
      wait_for_request (api, 0, KEY_IN_USE, two);
    }
  wait_for_request (api, 0, KEY_IN_USE, "asyntask_LeakArgumentOne00000001");

  dailies_test_call_application (bus, "ActivateAction", g_variant_new_parsed ("('quit', @av [], @a{sv} {})"), WAIT_MS);
  g_assert_true (dailies_test_wait_for_flag (&first_run.done, WAIT_MS));
  g_assert_true (first_run.ok);

  g_assert_cmpuint (api_count (api, 0, KEY_IN_USE, NULL), ==, api->requests->len);

  /* The output was captured, debug lines included. */
  g_assert_true (strstr (first_run.out, "api: GET ") != NULL || strstr (first_run.err, "api: GET ") != NULL);
  assert_no_secret_in ("the first instance's stdout", first_run.out);
  assert_no_secret_in ("the first instance's stderr", first_run.err);
  assert_no_secret_in ("the second instance's stdout", second_run.out);
  assert_no_secret_in ("the second instance's stderr", second_run.err);
  assert_no_secret_in_files (data_dir);
  assert_no_secret_in_files (cache_dir);
  assert_no_secret_in_files (config_dir);

  /* Saved, all of them. */
  g_assert_true (files_hold (data_dir, "asyntask_LeakArgumentOne00000001"));
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *one = id_for (paths[i], 1);
      g_autofree char *two = id_for (paths[i], 2);

      g_assert_true (files_hold (data_dir, one));
      g_assert_true (files_hold (data_dir, two));
    }

  dailies_test_run_clear (&first_run);
  dailies_test_run_clear (&second_run);
  dailies_test_rm_rf (root);
}

/* ------------------------------------------------------------------ */
/* The key follows the host                                            */
/* ------------------------------------------------------------------ */

#define KEY_A      "sk-test-for-server-a"
#define KEY_B      "sk-test-for-server-b"
#define KEY_LEGACY "sk-test-stored-without-a-host"
#define CLEANUP_HOST "keysafe-cleanup.dailies-test.invalid"

/* Stores @key for @host, or clears @host's key when @key is NULL. Returns
 * FALSE (and skips the test) when there is no keyring to keep it. */
static gboolean
keep_key (const char *key,
          const char *host)
{
  g_autoptr(GError) error = NULL;

  if (key != NULL)
    dailies_test_secret_store (key, host, &error);
  else
    dailies_test_secret_clear (host, &error);

  if (error != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("no keyring: %s", error->message);

      /* build-aux/dev unlocks one: under CI a missing keyring is a failure. */
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        g_error ("%s", reason);
      g_test_skip (reason);
      return FALSE;
    }

  return TRUE;
}

static gboolean
keyring_holds (gpointer user_data)
{
  const char **host_and_key = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = dailies_test_secret_lookup (host_and_key[0], DAILIES_SECRET_LOOKUP_NONE, NULL, &error);

  g_assert_no_error (error);

  return g_strcmp0 (key, host_and_key[1]) == 0;
}

typedef struct
{
  Api *a;
  Api *b;
} TwoApis;

#define TASK_ID "asyntask_KeyFollowsTheHost00000001"

static AdwMessageDialog *
wait_for_key_dialog (void)
{
  g_assert_true (dailies_test_wait_until (has_toplevel, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));

  return ADW_MESSAGE_DIALOG (dailies_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
}

/* GTK 4.8 warns ("invalid unclassed pointer in cast to 'GtkPasswordEntry'")
 * when a window is destroyed while a password entry has the focus. */
static void
close_key_dialog (AdwMessageDialog *dialog)
{
  gtk_window_set_focus (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_key_follows_the_host_body (DailiesApplication *app,
                                gpointer            data)
{
  TwoApis *apis = data;
  DailiesWindow *window = wait_for_window (app);
  GSettings *settings = dailies_application_get_settings (app);
  const char *ids[] = { TASK_ID };
  const char *b_and_key[2] = { apis->b->key_host, KEY_B };
  g_autofree char *base = NULL;
  AdwMessageDialog *dialog;
  GtkWindow *preferences;
  GtkWidget *row;
  GtkWidget *error_row;
  guint since;

  dailies_task_store_add_ids (dailies_application_get_store (app), ids, 1);
  wait_for_request (apis->a, 0, KEY_A, TASK_ID);

  /* Preferences: a plain http address elsewhere is refused, and says why. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  row = dailies_test_find_widget (GTK_WIDGET (preferences), ADW_TYPE_ENTRY_ROW, NULL);
  error_row = dailies_test_find_widget (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "error");
  g_assert_nonnull (row);
  g_assert_nonnull (error_row);
  g_assert_false (gtk_widget_get_visible (error_row));

  gtk_editable_set_text (GTK_EDITABLE (row), "http://example.com/anyfast");
  g_signal_emit_by_name (row, "apply");
  base = g_settings_get_string (settings, "api-base-url");
  g_assert_cmpstr (base, ==, apis->a->base_url);
  g_assert_true (gtk_widget_get_visible (error_row));
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (error_row)), "unencrypted"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  /* Left there to be corrected. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "http://example.com/anyfast");

  /* Server B (same address, another port) is taken. */
  gtk_editable_set_text (GTK_EDITABLE (row), apis->b->base_url);
  g_assert_false (gtk_widget_get_visible (error_row));
  g_signal_emit_by_name (row, "apply");
  g_clear_pointer (&base, g_free);
  base = g_settings_get_string (settings, "api-base-url");
  g_assert_cmpstr (base, ==, apis->b->base_url);
  gtk_window_destroy (preferences);

  /* B has no key of its own: the user is asked, and B got nothing. */
  dialog = wait_for_key_dialog ();
  g_assert_cmpuint (apis->b->requests->len, ==, 0);

  gtk_editable_set_text (GTK_EDITABLE (g_object_get_data (G_OBJECT (dialog), "entry")), KEY_B);
  adw_message_dialog_response (dialog, "save");
  close_key_dialog (dialog);
  wait_for_request (apis->b, 0, KEY_B, TASK_ID);
  /* Kept for B's host and port. */
  g_assert_true (dailies_test_wait_until (keyring_holds, b_and_key, WAIT_MS));

  /* The setting changes back (from GSettings): A gets its own key again. */
  since = apis->a->requests->len;
  g_settings_set_string (settings, "api-base-url", apis->a->base_url);
  wait_for_request (apis->a, since, KEY_A, TASK_ID);

  /* A plain http address set from outside (gsettings) is not used, and
   * Preferences say why. */
  g_settings_set_string (settings, "api-base-url", "http://192.168.1.20:8080");
  g_assert_cmpstr (dailies_api_client_get_base_url (dailies_application_get_api_client (app)), ==, "");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = dailies_test_find_toplevel (DAILIES_TYPE_PREFERENCES_WINDOW);
  error_row = dailies_test_find_widget (GTK_WIDGET (preferences), ADW_TYPE_ACTION_ROW, "error");
  g_assert_true (gtk_widget_get_visible (error_row));
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (error_row)), "unencrypted"));
  gtk_window_destroy (preferences);

  g_assert_cmpuint (api_count (apis->a, 0, KEY_B, NULL), ==, 0);
  g_assert_cmpuint (api_count (apis->b, 0, KEY_A, NULL), ==, 0);
  g_assert_cmpuint (api_count (apis->a, 0, KEY_A, NULL), ==, apis->a->requests->len);
  g_assert_cmpuint (api_count (apis->b, 0, KEY_B, NULL), ==, apis->b->requests->len);
}

static void
test_key_follows_the_host (void)
{
  g_autoptr(Api) a = api_new ();
  g_autoptr(Api) b = api_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  TwoApis apis = { a, b };

  gboolean legacy;

  g_assert_cmpstr (a->key_host, !=, b->key_host);
  if (!keep_key (KEY_A, a->key_host) || !keep_key (NULL, b->key_host))
    return;
  /* A key from an early version, without a host: for the default host
   * only. (Someone's real one is left alone.) */
  legacy = !dailies_test_secret_has_hostless_key ();
  if (legacy)
    dailies_test_secret_store_hostless (KEY_LEGACY);
  g_settings_set_string (settings, "api-base-url", a->base_url);

  run_app_test (test_key_follows_the_host_body, &apis);

  g_assert_cmpuint (api_count (a, 0, KEY_LEGACY, NULL), ==, 0);
  g_assert_cmpuint (api_count (b, 0, KEY_LEGACY, NULL), ==, 0);
  if (legacy)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *key = NULL;

      /* Still there, unclaimed; then out of the way. */
      g_assert_true (dailies_test_secret_has_hostless_key ());
      key = dailies_test_secret_lookup (CLEANUP_HOST, DAILIES_SECRET_LOOKUP_ADOPT_HOSTLESS, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (key, ==, KEY_LEGACY);
      g_assert_true (keep_key (NULL, CLEANUP_HOST));
    }

  g_assert_true (keep_key (NULL, a->key_host));
  g_assert_true (keep_key (NULL, b->key_host));
  g_settings_reset (settings, "api-base-url");
}

static void
test_environment_base_body (DailiesApplication *app,
                            gpointer            data)
{
  Api *api = data;
  const char *ids[] = { TASK_ID };

  wait_for_window (app);
  dailies_task_store_add_ids (dailies_application_get_store (app), ids, 1);
  wait_for_request (api, 0, KEY_A, TASK_ID);
}

static void
test_environment_base_other_host_body (DailiesApplication *app,
                                       gpointer            data)
{
  const char *ids[] = { TASK_ID };

  AdwMessageDialog *dialog;
  GtkWidget *entry;
  GtkWidget *focus;

  wait_for_window (app);
  dailies_task_store_add_ids (dailies_application_get_store (app), ids, 1);
  /* No key for this host: asked, not given another host's. */
  dialog = wait_for_key_dialog ();

  /* Left open, its entry focused, as Dailies quits: GTK 4.8's password
   * entry then warned ("invalid unclassed pointer"), and could crash. */
  entry = g_object_get_data (G_OBJECT (dialog), "entry");
  focus = gtk_window_get_focus (GTK_WINDOW (dialog));
  g_assert_nonnull (focus);
  g_assert_true (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

/* DAILIES_API_BASE: refused (and said so) when the key may not go there,
 * and looked up by its own host when it may. */
static void
test_environment_base (void)
{
  g_autoptr(Api) a = api_new ();
  g_autoptr(Api) b = api_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  if (!keep_key (KEY_A, a->key_host) || !keep_key (NULL, b->key_host))
    return;
  g_settings_set_string (settings, "api-base-url", a->base_url);

  g_setenv ("DAILIES_API_BASE", "http://10.0.0.1:9", TRUE);
  g_string_truncate (printerr_text, 0);
  run_app_test (test_environment_base_body, a);
  g_assert_nonnull (strstr (printerr_text->str, "DAILIES_API_BASE is not used"));
  g_assert_nonnull (strstr (printerr_text->str, "unencrypted"));

  g_setenv ("DAILIES_API_BASE", b->base_url, TRUE);
  run_app_test (test_environment_base_other_host_body, NULL);
  g_assert_cmpuint (b->requests->len, ==, 0);
  g_assert_cmpuint (api_count (a, 0, KEY_A, NULL), ==, a->requests->len);

  g_unsetenv ("DAILIES_API_BASE");
  g_assert_true (keep_key (NULL, a->key_host));
  g_settings_reset (settings, "api-base-url");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = NULL;
  g_autofree char *dir = NULL;
  int status;

  /* Before anything logs, and before GLib reads the XDG folders. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_text = g_string_new (NULL);
  printerr_text = g_string_new (NULL);
  dailies_test_set_log_writer (capture_writer);
  g_set_printerr_handler (capture_printerr);

  root = dailies_test_make_temp_dir ();
  dir = g_build_filename (root, "data", NULL);
  g_setenv ("XDG_DATA_HOME", dir, TRUE);
  g_free (dir);
  dir = g_build_filename (root, "cache", NULL);
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  g_free (dir);
  dir = g_build_filename (root, "config", NULL);
  g_setenv ("XDG_CONFIG_HOME", dir, TRUE);

  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/keysafe/in-process", test_in_process);
  g_test_add_func ("/dailies/keysafe/processes", test_processes);
  g_test_add_func ("/dailies/keysafe/key-follows-the-host", test_key_follows_the_host);
  g_test_add_func ("/dailies/keysafe/environment-base", test_environment_base);

  status = g_test_run ();

  dailies_test_rm_rf (root);
  g_string_free (log_text, TRUE);
  g_string_free (printerr_text, TRUE);

  return status;
}
