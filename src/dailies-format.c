/* dailies-format.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dailies-format.h"

/* The local time zone, looked up again at most once a minute: GLib reads
 * /etc/localtime's link for every GDateTime made in local time, system
 * calls for each row a list binds (a third of a removal's frame at
 * 100,000 tasks). Returns a reference; any thread. */
static GTimeZone *
ref_local_zone (void)
{
  static GMutex lock;
  static GTimeZone *zone;
  static gint64 looked_up;
  gint64 now = g_get_monotonic_time ();
  GTimeZone *ref;

  g_mutex_lock (&lock);
  if (zone == NULL || now - looked_up > 60 * G_USEC_PER_SEC)
    {
      g_clear_pointer (&zone, g_time_zone_unref);
      zone = g_time_zone_new_local ();
      looked_up = now;
    }
  ref = g_time_zone_ref (zone);
  g_mutex_unlock (&lock);

  return ref;
}

/* NULL for 0 (never) and for what GDateTime cannot hold. */
static GDateTime *
local_date_time (gint64 unix_seconds)
{
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) utc = NULL;

  if (unix_seconds <= 0 || (utc = g_date_time_new_from_unix_utc (unix_seconds)) == NULL)
    return NULL;
  zone = ref_local_zone ();

  return g_date_time_to_timezone (utc, zone);
}

char *
dailies_format_status (DailiesTaskStatus  status,
                       const char        *status_text)
{
  switch (status)
    {
    case DAILIES_TASK_STATUS_UNKNOWN:
      return g_strdup (_("Waiting for the first answer"));
    case DAILIES_TASK_STATUS_NOT_START:
      return g_strdup (_("Not started"));
    case DAILIES_TASK_STATUS_QUEUED:
      return g_strdup (_("Queued"));
    case DAILIES_TASK_STATUS_IN_PROGRESS:
      return g_strdup (_("Generating"));
    case DAILIES_TASK_STATUS_SUCCESS:
      return g_strdup (_("Succeeded"));
    case DAILIES_TASK_STATUS_FAILURE:
      return g_strdup (_("Failed"));
    case DAILIES_TASK_STATUS_NOT_FOUND:
      return g_strdup (_("Not found"));
    case DAILIES_TASK_STATUS_OTHER:
    default:
      /* Translators: %s is a status string from the server we do not know */
      return status_text != NULL ? g_strdup_printf (_("Status “%s”"), status_text)
                                 : g_strdup (_("Unknown status"));
    }
}

const char *
dailies_format_status_icon (DailiesTaskStatus status)
{
  switch (status)
    {
    case DAILIES_TASK_STATUS_UNKNOWN:     return "content-loading-symbolic";
    case DAILIES_TASK_STATUS_NOT_START:   return "document-open-recent-symbolic";
    case DAILIES_TASK_STATUS_QUEUED:      return "alarm-symbolic";
    case DAILIES_TASK_STATUS_IN_PROGRESS: return "emblem-synchronizing-symbolic";
    case DAILIES_TASK_STATUS_SUCCESS:     return "emblem-ok-symbolic";
    case DAILIES_TASK_STATUS_FAILURE:     return "dialog-error-symbolic";
    case DAILIES_TASK_STATUS_NOT_FOUND:   return "dialog-question-symbolic";
    case DAILIES_TASK_STATUS_OTHER:
    default:                              return "dialog-question-symbolic";
    }
}

const char *
dailies_format_status_class (DailiesTaskStatus status)
{
  switch (status)
    {
    case DAILIES_TASK_STATUS_SUCCESS:     return "success";
    case DAILIES_TASK_STATUS_FAILURE:     return "error";
    case DAILIES_TASK_STATUS_NOT_FOUND:
    case DAILIES_TASK_STATUS_OTHER:       return "warning";
    case DAILIES_TASK_STATUS_IN_PROGRESS: return "accent";
    case DAILIES_TASK_STATUS_UNKNOWN:
    case DAILIES_TASK_STATUS_NOT_START:
    case DAILIES_TASK_STATUS_QUEUED:
    default:                              return NULL;
    }
}

/* How long ago @then was, as the words for it count it: the range, and
 * the number in it (minutes, hours, days; for a date, the local wall-clock
 * time, which follows a change of time zone). The one place that decides
 * where each range ends, for the text and its key alike. */
typedef enum
{
  AGE_NEVER,
  AGE_JUST_NOW,
  AGE_MINUTES,
  AGE_HOURS,
  AGE_DAYS,
  AGE_DATE,
} AgeRange;

static AgeRange
age_range (gint64  then,
           gint64  now,
           gint64 *count)
{
  gint64 delta = now - then;

  *count = 0;
  if (then <= 0)
    return AGE_NEVER;
  if (delta < 60)
    return AGE_JUST_NOW;
  if (delta < 60 * 60)
    {
      *count = delta / 60;
      return AGE_MINUTES;
    }
  if (delta < 24 * 60 * 60)
    {
      *count = delta / 3600;
      return AGE_HOURS;
    }
  if (delta < 7 * 24 * 60 * 60)
    {
      *count = delta / 86400;
      return AGE_DAYS;
    }

  {
    g_autoptr(GTimeZone) zone = ref_local_zone ();
    int interval = g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, then);

    *count = then + (interval >= 0 ? g_time_zone_get_offset (zone, interval) : 0);
  }
  return AGE_DATE;
}

gint64
dailies_format_relative_time_key (gint64 then,
                                  gint64 now)
{
  gint64 count;
  AgeRange range = age_range (then, now, &count);

  /* The range in the top bits: a count (wall-clock seconds included)
   * stays far below 2^56. */
  return (gint64) range << 56 | (count & ((G_GINT64_CONSTANT (1) << 56) - 1));
}

char *
dailies_format_relative_time (gint64 then,
                              gint64 now)
{
  gint64 count;

  switch (age_range (then, now, &count))
    {
    case AGE_NEVER:
      return g_strdup ("");
    case AGE_JUST_NOW:
      return g_strdup (_("just now"));
    case AGE_MINUTES:
      /* Translators: how long ago a task was made or checked, in minutes */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute ago", "%d minutes ago", count),
                              (int) count);
    case AGE_HOURS:
      /* Translators: how long ago a task was made or checked, in hours */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour ago", "%d hours ago", count), (int) count);
    case AGE_DAYS:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day ago", "%d days ago", count), (int) count);
    case AGE_DATE:
    default:
      {
        g_autoptr(GDateTime) date = local_date_time (then);
        /* Translators: a date in a task list, see the GDateTime format codes */
        return date != NULL ? g_date_time_format (date, _("%b %-d, %Y")) : g_strdup ("");
      }
    }
}

char *
dailies_format_duration (gint64 seconds)
{
  if (seconds < 0)
    seconds = 0;
  /* Unit symbols, as on a clock face, do not take a plural. */
  if (seconds < 60)
    /* Translators: a duration in seconds, with the unit symbol */
    return g_strdup_printf (_("%d s"), (int) seconds);
  if (seconds < 60 * 60)
    /* Translators: a duration in minutes and seconds, with unit symbols */
    return g_strdup_printf (_("%d min %02d s"), (int) (seconds / 60), (int) (seconds % 60));

  /* Translators: a duration in hours and minutes, with unit symbols */
  return g_strdup_printf (_("%d h %02d min"), (int) (seconds / 3600), (int) ((seconds % 3600) / 60));
}

/* Whether the user's language is English, or none (C, C.UTF-8, POSIX). */
static gboolean
language_is_english (void)
{
  const char *language = g_get_language_names ()[0];

  return g_str_has_prefix (language, "en") || g_str_has_prefix (language, "POSIX") ||
         (language[0] == 'C' && (language[1] == '\0' || language[1] == '.' || language[1] == '@'));
}

/* A date no one reads the wrong way round (%x is 04/27/26 in English),
 * in the language's own order; ISO 8601 is kept for what people copy
 * into a support ticket. A language Dailies has no words for keeps its
 * locale's own order (%x %X) rather than the English one. */
char *
dailies_format_timestamp (gint64 unix_seconds)
{
  /* Translators: a date and time in a task's details, see the GDateTime
     format codes; keep the month a word and the year whole */
  static const char english[] = N_("%b %-d, %Y, %H:%M:%S");
  g_autoptr(GDateTime) date = local_date_time (unix_seconds);
  const char *format = _(english);

  if (date == NULL)
    return NULL;
  if (format == english && !language_is_english ())
    format = "%x %X";

  return g_date_time_format (date, format);
}

char *
dailies_format_timestamp_iso8601 (gint64 unix_seconds)
{
  g_autoptr(GDateTime) date = local_date_time (unix_seconds);

  return date != NULL ? g_date_time_format_iso8601 (date) : NULL;
}

char *
dailies_format_link_time_left (gint64 expires_at,
                               gint64 now)
{
  g_autofree char *left = NULL;

  if (expires_at <= 0)
    return NULL;
  if (now >= expires_at)
    return g_strdup (_("Link expired"));

  left = dailies_format_duration (expires_at - now);
  /* Translators: %s is a duration such as "5 h 02 min" */
  return g_strdup_printf (_("Link expires in %s"), left);
}

char *
dailies_format_path (const char *path)
{
  g_autofree char *display = NULL;
  g_autofree char *home = NULL;
  gsize home_len;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  home = g_filename_display_name (g_get_home_dir ());
  /* A trailing slash in HOME, or HOME being the root, would leave no folder name. */
  home_len = strlen (home);
  while (home_len > 1 && home[home_len - 1] == G_DIR_SEPARATOR)
    home[--home_len] = '\0';

  /* Only a whole folder name: a home named "ann" does not hold "anna". */
  if (home_len > 1 && strncmp (display, home, home_len) == 0 &&
      (display[home_len] == G_DIR_SEPARATOR || display[home_len] == '\0'))
    return g_strconcat ("~", display + home_len, NULL);

  return g_steal_pointer (&display);
}
