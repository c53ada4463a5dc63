/* test-region.c
 *
 * "Not found" is one address's answer. A list checked at the wrong region
 * comes back Not found; once the region is changed in the settings, the
 * app asks about those tasks at the new address, whether the change was
 * made while it ran or between two runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "dailies-application.h"
#include "dailies-task-store.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"

#define WAIT_MS 20000

#define KNOWN_AT_CHINA  "asyntask_RegionKnownAtChina0001"
#define KNOWN_AT_GLOBAL "asyntask_RegionKnownAtGlobal001"
#define KNOWN_NOWHERE   "asyntask_RegionKnownNowhere0001"

/* A region's API: it knows the IDs that hold @knows, and answers the
 * others as new-api does, with a 400 "task_not_exist". */
typedef struct
{
  SoupServer *server;
  char       *base_url;
  const char *knows;
  GHashTable *counts;  /* task ID → requests for it */
} Region;

static void
region_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Region *region = user_data;
  const char *id = strrchr (path, '/') + 1;
  g_autofree char *body = NULL;

  g_hash_table_insert (region->counts, g_strdup (id),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (region->counts, id)) + 1));

  if (strstr (id, region->knows) != NULL)
    {
      body = g_strdup_printf ("{\"code\":\"success\",\"message\":\"\",\"data\":{\"task_id\":\"%s\","
                              "\"action\":\"generate\",\"status\":\"FAILURE\",\"fail_reason\":\"test\","
                              "\"submit_time\":1764400000,\"start_time\":1764400001,\"finish_time\":1764400002,"
                              "\"progress\":\"100%%\",\"data\":null}}", id);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else
    {
      body = g_strdup ("{\"code\":\"task_not_exist\",\"message\":\"task_not_exist\",\"data\":null}");
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
    }
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static Region *
region_new (const char *knows)
{
  Region *region = g_new0 (Region, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  region->knows = knows;
  region->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  region->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (region->server, "/v1/video/generations", region_cb, region, NULL);
  g_assert_true (soup_server_listen_local (region->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (region->server);
  region->base_url = g_uri_to_string_partial (uris->data, G_URI_HIDE_PASSWORD);
  if (g_str_has_suffix (region->base_url, "/"))
    region->base_url[strlen (region->base_url) - 1] = '\0';
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return region;
}

static void
region_free (Region *region)
{
  soup_server_disconnect (region->server);
  g_object_unref (region->server);
  g_hash_table_unref (region->counts);
  g_free (region->base_url);
  g_free (region);
}

static guint
asked (Region     *region,
       const char *id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (region->counts, id));
}

typedef struct
{
  Region *global;
  Region *china;
} Regions;

static Regions regions;

static DailiesTaskStatus
status_of (DailiesApplication *app,
           const char         *id)
{
  DailiesTask *task = dailies_task_store_lookup (dailies_application_get_store (app), id);

  g_assert_nonnull (task);

  return dailies_task_get_status (task);
}

typedef struct
{
  DailiesApplication *app;
  const char         *id;
  DailiesTaskStatus   status;
  Region             *region;
  guint               n_asked;
} Wait;

static gboolean
has_status (gpointer user_data)
{
  Wait *wait = user_data;
  DailiesTask *task = dailies_task_store_lookup (dailies_application_get_store (wait->app), wait->id);

  return task != NULL && dailies_task_get_status (task) == wait->status &&
         (wait->region == NULL || asked (wait->region, wait->id) >= wait->n_asked);
}

/* Waits until @id has @status, once @region was asked about it @n_asked
 * times (no region: as it is). */
static void
wait_for (DailiesApplication *app,
          const char         *id,
          DailiesTaskStatus   status,
          Region             *region,
          guint               n_asked)
{
  Wait wait = { app, id, status, region, n_asked };

  g_test_message ("waiting for %s", id);
  g_assert_true (dailies_test_wait_until (has_status, &wait, WAIT_MS));
}

/* The first run, at Global: the list is added on the command line. */
static void
first_run (DailiesApplication *app,
           gpointer            data)
{
  wait_for (app, KNOWN_AT_GLOBAL, DAILIES_TASK_STATUS_FAILURE, NULL, 0);
  wait_for (app, KNOWN_AT_CHINA, DAILIES_TASK_STATUS_NOT_FOUND, NULL, 0);
  wait_for (app, KNOWN_NOWHERE, DAILIES_TASK_STATUS_NOT_FOUND, NULL, 0);
}

static gboolean
keeps (GSettings *settings,
       Region    *region)
{
  g_autofree char *kept = g_settings_get_string (settings, "not-found-address");

  return g_strcmp0 (kept, region->base_url) == 0;
}

static gboolean
keeps_china (gpointer user_data)
{
  return keeps (user_data, regions.china);
}

static gboolean
keeps_global (gpointer user_data)
{
  return keeps (user_data, regions.global);
}

/* The second run, at China since the settings were changed in between;
 * then back to Global while it runs. */
static void
second_run (DailiesApplication *app,
            gpointer            data)
{
  GSettings *settings = dailies_application_get_settings (app);

  wait_for (app, KNOWN_AT_CHINA, DAILIES_TASK_STATUS_FAILURE, regions.china, 1);
  /* Once every Not found task has been answered there, China is where
   * they are missing. */
  g_assert_true (dailies_test_wait_until (keeps_china, settings, WAIT_MS));
  g_assert_cmpuint (asked (regions.china, KNOWN_NOWHERE), ==, 1);
  g_assert_cmpint (status_of (app, KNOWN_NOWHERE), ==, DAILIES_TASK_STATUS_NOT_FOUND);
  /* What Global knew is not asked again. */
  g_assert_cmpuint (asked (regions.china, KNOWN_AT_GLOBAL), ==, 0);

  g_settings_set_string (settings, "api-base-url", regions.global->base_url);
  wait_for (app, KNOWN_NOWHERE, DAILIES_TASK_STATUS_NOT_FOUND, regions.global, 2);
  g_assert_true (dailies_test_wait_until (keeps_global, settings, WAIT_MS));
  g_assert_cmpint (status_of (app, KNOWN_AT_CHINA), ==, DAILIES_TASK_STATUS_FAILURE);
  g_assert_cmpuint (asked (regions.global, KNOWN_AT_CHINA), ==, 1);
  g_assert_cmpuint (asked (regions.global, KNOWN_AT_GLOBAL), ==, 1);
}

static void
run_app (const char * const *argv,
         DailiesTestAppFunc  func)
{
  g_autoptr(DailiesApplication) app = dailies_application_new ();

  g_application_set_flags (G_APPLICATION (app), g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  dailies_test_run_app (app, argv, func, NULL);
}

static void
test_not_found_asked_at_new_region (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const char * const with_list[] = { "dailies", KNOWN_AT_CHINA, KNOWN_AT_GLOBAL, KNOWN_NOWHERE, NULL };
  const char * const plain[] = { "dailies", NULL };
  g_autofree char *kept = NULL;

  regions.global = region_new ("KnownAtGlobal");
  regions.china = region_new ("KnownAtChina");

  g_settings_set_string (settings, "api-base-url", regions.global->base_url);
  run_app (with_list, first_run);
  kept = g_settings_get_string (settings, "not-found-address");
  g_assert_cmpstr (kept, ==, regions.global->base_url);
  g_assert_cmpuint (g_hash_table_size (regions.china->counts), ==, 0);

  g_settings_set_string (settings, "api-base-url", regions.china->base_url);
  run_app (plain, second_run);

  g_settings_reset (settings, "api-base-url");
  g_settings_reset (settings, "not-found-address");
  region_free (regions.global);
  region_free (regions.china);
}

#define WRONG_KNOWN   "asyntask_RegionKnownAtGlobal002"
#define WRONG_NOWHERE "asyntask_RegionKnownNowhere0002"

typedef struct
{
  DailiesApplication *app;
  const char         *id;
} ErrorWait;

static gboolean
says_address_is_wrong (gpointer user_data)
{
  ErrorWait *wait = user_data;
  DailiesTask *task = dailies_task_store_lookup (dailies_application_get_store (wait->app), wait->id);
  const char *error = task != NULL ? dailies_task_get_last_error (task) : NULL;

  return error != NULL && strstr (error, "check the API address in Preferences") != NULL;
}

/* At an address with nothing behind it every request gets the server's
 * own 404: each task says the address is wrong and none is Not found.
 * The address then set as an OpenAI-style tool wants it ("…/v1/") is
 * the API's, and the tasks take its answers. */
static void
wrong_address_run (DailiesApplication *app,
                   gpointer            data)
{
  GSettings *settings = dailies_application_get_settings (app);
  g_autofree char *with_v1 = g_strconcat (regions.global->base_url, "/v1/", NULL);
  const char *ids[] = { WRONG_KNOWN, WRONG_NOWHERE };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      ErrorWait wait = { app, ids[i] };

      g_assert_true (dailies_test_wait_until (says_address_is_wrong, &wait, WAIT_MS));
      g_assert_cmpint (status_of (app, ids[i]), !=, DAILIES_TASK_STATUS_NOT_FOUND);
      g_assert_cmpuint (asked (regions.global, ids[i]), ==, 0);
    }

  /* Asked there at once, not when the backoffs the wrong address
   * earned them end (5 s and more). */
  g_settings_set_string (settings, "api-base-url", with_v1);
  {
    Wait known = { app, WRONG_KNOWN, DAILIES_TASK_STATUS_FAILURE, regions.global, 1 };
    Wait nowhere = { app, WRONG_NOWHERE, DAILIES_TASK_STATUS_NOT_FOUND, regions.global, 1 };

    g_assert_true (dailies_test_wait_until (has_status, &known, 3000));
    g_assert_true (dailies_test_wait_until (has_status, &nowhere, 3000));
  }
  g_assert_null (dailies_task_get_last_error (dailies_task_store_lookup (dailies_application_get_store (app), WRONG_KNOWN)));
}

static void
test_wrong_address_is_not_not_found (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const char * const with_list[] = { "dailies", WRONG_KNOWN, WRONG_NOWHERE, NULL };
  g_autofree char *wrong = NULL;

  regions.global = region_new ("KnownAtGlobal");
  wrong = g_strconcat (regions.global->base_url, "/api", NULL);

  g_settings_set_string (settings, "api-base-url", wrong);
  run_app (with_list, wrong_address_run);

  g_settings_reset (settings, "api-base-url");
  g_settings_reset (settings, "not-found-address");
  region_free (regions.global);
  regions.global = NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = dailies_test_make_temp_dir ();
  g_autofree char *data = g_build_filename (root, "data", NULL);
  g_autofree char *cache = g_build_filename (root, "cache", NULL);
  g_autofree char *config = g_build_filename (root, "config", NULL);
  int status;

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("DAILIES_API_KEY", "sk-region-test", TRUE);
  g_unsetenv ("DAILIES_API_BASE");
  dailies_test_set_log_writer (dailies_test_log_writer);

  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/region/not-found-asked-at-new-region", test_not_found_asked_at_new_region);
  g_test_add_func ("/dailies/region/wrong-address-is-not-not-found", test_wrong_address_is_not_not_found);

  status = g_test_run ();
  dailies_test_rm_rf (root);

  return status;
}
