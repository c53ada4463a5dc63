/* test-player.c
 *
 * The embedded player on a real display (Xvfb): a real playbin pipeline
 * streaming H.264/AAC MP4 over HTTP from the demo server on 127.0.0.1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "dailies-demo-server.h"
#include "dailies-player.h"
#include "dailies-test-utils.h"

#define TASK_ID "asyntask_DemoHarbourSunrise00000000000001"

typedef struct
{
  DailiesDemoServer *server;
  GtkWindow         *window;
  DailiesPlayer     *player;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = dailies_demo_server_new ();
  g_assert_true (dailies_demo_server_start (f->server, &error));
  g_assert_no_error (error);

  f->window = GTK_WINDOW (gtk_window_new ());
  f->player = DAILIES_PLAYER (dailies_player_new ());
  gtk_window_set_default_size (f->window, 640, 420);
  gtk_window_set_child (f->window, GTK_WIDGET (f->player));
  gtk_window_present (f->window);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->server);
}

static char *
video_url (Fixture *f)
{
  /* The same shape of pre-signed link the demo API hands out. */
  return g_strdup_printf ("%s/videos/%s.mp4?Expires=1&Signature=demo", dailies_demo_server_get_cdn_url (f->server), TASK_ID);
}

static gboolean
is_playing (gpointer user_data)
{
  return dailies_player_get_state (user_data) == GST_STATE_PLAYING;
}

static gboolean
has_error (gpointer user_data)
{
  return dailies_player_get_error_text (user_data) != NULL;
}

static gboolean
enough_frames (gpointer user_data)
{
  DailiesPaintable *paintable = dailies_player_get_paintable (user_data);

  return dailies_paintable_get_n_textures (paintable) >= 24;
}

typedef struct
{
  DailiesPlayer *player;
  gint64         target;
} SeekWait;

static gboolean
position_near_target (gpointer user_data)
{
  SeekWait *wait = user_data;
  gint64 position = dailies_player_get_position (wait->player);

  return position >= wait->target && position < wait->target + GST_SECOND;
}

static void
test_plays_and_seeks (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  DailiesPaintable *paintable = dailies_player_get_paintable (f->player);
  SeekWait wait;
  gint64 duration;

  dailies_player_set_uri (f->player, url);
  dailies_player_play (f->player);
  g_assert_true (dailies_test_wait_until (is_playing, f->player, 15000));

  /* At least a second of real frames, each turned into a texture on screen. */
  g_assert_true (dailies_test_wait_until (enough_frames, f->player, 15000));
  g_assert_cmpuint (dailies_paintable_get_n_pushed (paintable), >=, 24);
  g_assert_null (dailies_player_get_error_text (f->player));

  duration = dailies_player_get_duration (f->player);
  g_assert_cmpint (duration, >, 3 * GST_SECOND);
  g_assert_cmpint (duration, <, 5 * GST_SECOND);

  /* Seek to the middle and see the position land there. */
  dailies_player_pause (f->player);
  wait = (SeekWait) { f->player, duration / 2 };
  dailies_player_seek (f->player, wait.target);
  g_assert_true (dailies_test_wait_until (position_near_target, &wait, 10000));

  /* The link is no longer wanted: the pipeline goes to NULL. */
  dailies_player_set_uri (f->player, NULL);
  g_assert_cmpint (dailies_player_get_state (f->player), ==, GST_STATE_NULL);

  /* Fetched without a key. */
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (f->server), ==, 0);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), >, 0);
}

static void
test_expired_link (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *url = video_url (f);
  const char *error_text;

  dailies_demo_server_expire_links (f->server);
  dailies_player_set_uri (f->player, url);
  dailies_player_play (f->player);

  g_assert_true (dailies_test_wait_until (has_error, f->player, 15000));
  error_text = dailies_player_get_error_text (f->player);
  g_assert_nonnull (strstr (error_text, "expired"));
  g_assert_cmpint (dailies_player_get_state (f->player), ==, GST_STATE_NULL);
}

static void
test_refuses_other_schemes (Fixture       *f,
                            gconstpointer  data)
{
  const char *hostile[] = { "data:video/mp4;base64,AAAA", "ftp://example.com/x.mp4", "not a url", "http:///nohost",
                            "file:///etc/passwd", "FILE:///dev/zero" };

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      dailies_player_set_uri (f->player, hostile[i]);
      g_assert_nonnull (dailies_player_get_error_text (f->player));
      g_assert_cmpint (dailies_player_get_state (f->player), ==, GST_STATE_NULL);
    }

  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (f->server), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  gst_init (&argc, &argv);

  g_test_add ("/dailies/player/plays-and-seeks", Fixture, NULL, fixture_set_up, test_plays_and_seeks, fixture_tear_down);
  g_test_add ("/dailies/player/expired-link", Fixture, NULL, fixture_set_up, test_expired_link, fixture_tear_down);
  g_test_add ("/dailies/player/refuses-other-schemes", Fixture, NULL, fixture_set_up, test_refuses_other_schemes, fixture_tear_down);

  return g_test_run ();
}
