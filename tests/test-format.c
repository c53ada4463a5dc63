/* test-format.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-format.h"

static void
test_status_words (void)
{
  g_autofree char *other = dailies_format_status (DAILIES_TASK_STATUS_OTHER, "PAUSED");
  g_autofree char *other_null = dailies_format_status (DAILIES_TASK_STATUS_OTHER, NULL);

  /* An unknown status is shown as it came. */
  g_assert_nonnull (strstr (other, "PAUSED"));
  g_assert_nonnull (other_null);

  for (int s = DAILIES_TASK_STATUS_UNKNOWN; s <= DAILIES_TASK_STATUS_NOT_FOUND; s++)
    {
      g_autofree char *words = dailies_format_status (s, NULL);

      g_assert_nonnull (words);
      g_assert_cmpstr (words, !=, "");
      g_assert_true (g_str_has_suffix (dailies_format_status_icon (s), "-symbolic"));
    }

  g_assert_cmpstr (dailies_format_status_class (DAILIES_TASK_STATUS_SUCCESS), ==, "success");
  g_assert_cmpstr (dailies_format_status_class (DAILIES_TASK_STATUS_FAILURE), ==, "error");
  g_assert_null (dailies_format_status_class (DAILIES_TASK_STATUS_QUEUED));
}

static void
test_durations (void)
{
  struct { gint64 seconds; const char *text; } cases[] = {
    { -5, "0 s" },
    { 0, "0 s" },
    { 45, "45 s" },
    { 245, "4 min 05 s" },
    { 7380, "2 h 03 min" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = dailies_format_duration (cases[i].seconds);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_relative_time (void)
{
  gint64 now = 1777288800;
  g_autofree char *empty = dailies_format_relative_time (0, now);
  g_autofree char *just_now = dailies_format_relative_time (now - 10, now);
  g_autofree char *minutes = dailies_format_relative_time (now - 300, now);
  g_autofree char *hours = dailies_format_relative_time (now - 3 * 3600, now);
  g_autofree char *days = dailies_format_relative_time (now - 2 * 86400, now);
  g_autofree char *old = dailies_format_relative_time (now - 60 * 86400, now);
  /* One of each unit takes the singular. */
  g_autofree char *minute = dailies_format_relative_time (now - 60, now);
  g_autofree char *hour = dailies_format_relative_time (now - 3600, now);
  g_autofree char *day = dailies_format_relative_time (now - 86400, now);

  g_assert_cmpstr (empty, ==, "");
  g_assert_cmpstr (just_now, ==, "just now");
  g_assert_cmpstr (minutes, ==, "5 minutes ago");
  g_assert_cmpstr (hours, ==, "3 hours ago");
  g_assert_cmpstr (days, ==, "2 days ago");
  g_assert_cmpstr (minute, ==, "1 minute ago");
  g_assert_cmpstr (hour, ==, "1 hour ago");
  g_assert_cmpstr (day, ==, "1 day ago");
  g_assert_nonnull (strstr (old, "2026"));
}

/* A row keeps its age label while the key stays the same: two moments
 * with one key must read the same, and each change of the words a change
 * of the key. Ages from none to 30 days, at steps that cross every
 * boundary, each against every other. */
static void
test_relative_time_key (void)
{
  gint64 now = 1777288800;
  g_autoptr(GArray) ages = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n_distinct = 0;

  for (gint64 age = -5; age < 30 * 86400; age += age < 7200 ? 7 : age < 8 * 86400 ? 599 : 86399)
    g_array_append_val (ages, age);
  {
    gint64 none = now;   /* then = 0: never submitted nor seen */
    g_array_append_val (ages, none);
  }

  for (guint i = 0; i < ages->len; i++)
    {
      gint64 then = now - g_array_index (ages, gint64, i);
      gint64 key = dailies_format_relative_time_key (then, now);

      g_ptr_array_add (texts, dailies_format_relative_time (then, now));
      g_array_append_val (keys, key);
    }

  for (guint i = 0; i < ages->len; i++)
    for (guint j = i + 1; j < ages->len; j++)
      {
        gboolean same_text = g_str_equal (g_ptr_array_index (texts, i), g_ptr_array_index (texts, j));
        gboolean same_key = g_array_index (keys, gint64, i) == g_array_index (keys, gint64, j);

        if (same_key && !same_text)
          g_error ("ages %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " share a key but read “%s” and “%s”",
                   g_array_index (ages, gint64, i), g_array_index (ages, gint64, j),
                   (char *) g_ptr_array_index (texts, i), (char *) g_ptr_array_index (texts, j));
        /* Within a week, the same words are the same key too. */
        if (same_text && !same_key && g_array_index (ages, gint64, i) < 7 * 86400 &&
            g_array_index (ages, gint64, j) < 7 * 86400)
          g_error ("ages %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " read “%s” under two keys",
                   g_array_index (ages, gint64, i), g_array_index (ages, gint64, j),
                   (char *) g_ptr_array_index (texts, i));
      }

  for (guint i = 0; i < texts->len; i++)
    if (i == 0 || !g_str_equal (g_ptr_array_index (texts, i), g_ptr_array_index (texts, i - 1)))
      n_distinct++;
  /* just now, 59 minute counts, 23 hour counts, 6 day counts, dates, and "". */
  g_assert_cmpuint (n_distinct, >, 59 + 23 + 6);
}

static void
test_link_time_left (void)
{
  gint64 now = 1777288800;
  g_autofree char *left = dailies_format_link_time_left (now + 5 * 3600 + 120, now);
  g_autofree char *expired = dailies_format_link_time_left (now - 1, now);

  g_assert_null (dailies_format_link_time_left (0, now));
  g_assert_cmpstr (left, ==, "Link expires in 5 h 02 min");
  g_assert_cmpstr (expired, ==, "Link expired");
}

static void
test_timestamp (void)
{
  g_autofree char *text = NULL;
  g_autofree char *iso = NULL;

  g_assert_null (dailies_format_timestamp (0));
  g_assert_null (dailies_format_timestamp_iso8601 (0));

  /* The month as a word and the whole year: "04/27/26" could be read
   * either way round. */
  text = dailies_format_timestamp (1777288506);
  g_assert_cmpstr (text, ==, "Apr 27, 2026, 11:15:06");
  g_free (text);
  /* A day of one digit, without padding. */
  text = dailies_format_timestamp (1777288506 - 20 * 86400);
  g_assert_cmpstr (text, ==, "Apr 7, 2026, 11:15:06");
  g_free (text);
  /* A language Dailies has no words for keeps its locale's own order
   * (here the C locale's), not the English one. */
  g_setenv ("LANGUAGE", "fr", TRUE);
  text = dailies_format_timestamp (1777288506);
  g_assert_cmpstr (text, ==, "04/27/26 11:15:06");
  g_free (text);
  /* No language at all (Debian's default, C.UTF-8) is English. */
  g_setenv ("LANGUAGE", "C.UTF-8", TRUE);
  text = dailies_format_timestamp (1777288506);
  g_assert_cmpstr (text, ==, "Apr 27, 2026, 11:15:06");
  g_unsetenv ("LANGUAGE");

  /* Support details keep ISO 8601 with the offset. */
  iso = dailies_format_timestamp_iso8601 (1777288506);
  g_assert_cmpstr (iso, ==, "2026-04-27T11:15:06Z");
}

static void
test_path (void)
{
  const char *home = g_get_home_dir ();
  g_autofree char *inside = g_build_filename (home, "Videos", "a.mp4", NULL);
  g_autofree char *slashed = g_strconcat (home, G_DIR_SEPARATOR_S, NULL);
  g_autofree char *lookalike = g_strconcat (home, "2", G_DIR_SEPARATOR_S, "a.mp4", NULL);
  g_autofree char *shown = dailies_format_path (inside);
  g_autofree char *shown_home = dailies_format_path (home);
  g_autofree char *shown_slashed = dailies_format_path (slashed);
  g_autofree char *shown_lookalike = dailies_format_path (lookalike);
  g_autofree char *shown_elsewhere = dailies_format_path ("/srv/videos/a.mp4");

  g_assert_cmpstr (shown, ==, "~" G_DIR_SEPARATOR_S "Videos" G_DIR_SEPARATOR_S "a.mp4");
  g_assert_cmpstr (shown_home, ==, "~");
  g_assert_cmpstr (shown_slashed, ==, "~" G_DIR_SEPARATOR_S);
  g_assert_cmpstr (shown_lookalike, ==, lookalike);
  g_assert_cmpstr (shown_elsewhere, ==, "/srv/videos/a.mp4");
}

int
main (int   argc,
      char *argv[])
{
  /* Words, dates and times are checked in English, as C writes them. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C", TRUE);
  g_setenv ("TZ", "UTC", TRUE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/format/status", test_status_words);
  g_test_add_func ("/dailies/format/durations", test_durations);
  g_test_add_func ("/dailies/format/relative-time", test_relative_time);
  g_test_add_func ("/dailies/format/relative-time-key", test_relative_time_key);
  g_test_add_func ("/dailies/format/link-time-left", test_link_time_left);
  g_test_add_func ("/dailies/format/timestamp", test_timestamp);
  g_test_add_func ("/dailies/format/path", test_path);

  return g_test_run ();
}
