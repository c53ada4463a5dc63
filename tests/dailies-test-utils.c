/* dailies-test-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "dailies-test-utils.h"

static gboolean
deadline_passed_cb (gpointer user_data)
{
  gboolean *passed = user_data;

  *passed = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
dailies_test_wait_until (DailiesTestCondition condition,
                         gpointer             user_data,
                         guint                timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean passed = FALSE;
  GSource *deadline;

  if (context == NULL)
    context = g_main_context_default ();

  deadline = g_timeout_source_new (timeout_ms);
  g_source_set_callback (deadline, deadline_passed_cb, &passed, NULL);
  g_source_attach (deadline, context);

  while (!condition (user_data) && !passed)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (deadline);
  g_source_unref (deadline);

  return condition (user_data);
}

static gboolean
flag_is_set (gpointer user_data)
{
  const gboolean *flag = user_data;

  return *flag;
}

gboolean
dailies_test_wait_for_flag (const gboolean *flag,
                            guint           timeout_ms)
{
  return dailies_test_wait_until (flag_is_set, (gpointer) flag, timeout_ms);
}

static gboolean
pointer_is_set (gpointer user_data)
{
  gpointer const *pointer = user_data;

  return *pointer != NULL;
}

gboolean
dailies_test_wait_for_pointer (gpointer const *pointer,
                               guint           timeout_ms)
{
  return dailies_test_wait_until (pointer_is_set, (gpointer) pointer, timeout_ms);
}

char *
dailies_test_make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("dailies-test-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

void
dailies_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      dailies_test_rm_rf (child);
    }
  g_rmdir (path);
}

GBytes *
dailies_test_load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}
