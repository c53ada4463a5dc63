/* dailies-notifier.c
 *
 * Tells the user, with desktop notifications they can act on:
 * - about generations that finished while they were looking elsewhere. One
 *   notification, replaced as more finish ("3 generations finished: 2 ready,
 *   1 failed") but at most twice a second, withdrawn when they come back to
 *   the window. One task's notification has buttons for its outcome (Play,
 *   Show in Files, Details); several have only Show.
 * - two hours before the link of a video with no local copy lapses (keeping
 *   is off, or it failed), with Keep Now. Once per link.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-format.h"
#include "dailies-notifier.h"
#include "dailies-task.h"

#define SCAN_SLICE 512   /* tasks looked at per idle call of a scan */
/* Finished generations are told this long after the first of them: a
 * burst (a batch failing at once) is one notification, not one per task,
 * and each answer's own call sends nothing. */
#define FINISHED_DELAY_MS 500

/* A link waiting for its warning. */
typedef struct
{
  DailiesTask *task;
  char        *url;
  gint64       expires_at;
} Watch;

struct _DailiesNotifier
{
  GObject           parent_instance;

  GApplication     *application;   /* weak: the application owns us */
  DailiesTaskStore *store;
  DailiesKeeper    *keeper;
  GSettings        *settings;
  gboolean          user_present;

  /* Since the user last looked */
  guint             n_ready;
  guint             n_failed;
  /* The one generation finished, while it is the only one */
  DailiesTask      *shown;
  gulong            shown_handler; /* its video not kept yet: told again once it is */
  guint             finished_source;

  /* Links to warn about: Watch*, soonest lapse first, and task → iter */
  GSequence        *deadlines;
  GHashTable       *watched;
  GHashTable       *warned;        /* task → the link it was warned about */
  GHashTable       *copying;       /* due while a copy was being made: task → handler */
  GPtrArray        *expiring;      /* the tasks in the warning shown */
  guint             timer_id;
  gint64            timer_due;
  gint64            lead;
  guint             scan_source;   /* looks at a big change in slices */
  guint             scan_index;
};

G_DEFINE_FINAL_TYPE (DailiesNotifier, dailies_notifier, G_TYPE_OBJECT)

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
enabled (DailiesNotifier *self)
{
  return self->application != NULL &&
         (self->settings == NULL || g_settings_get_boolean (self->settings, "notifications"));
}

/* Kept, as the store says: the keeper sets the path once the copy is
 * written. Whether the file is still there is asked only when the user
 * acts on it, and off the main thread (the folder may be a slow share). */
static gboolean
is_kept (DailiesTask *task)
{
  return dailies_task_get_local_path (task) != NULL;
}

static char *
dup_first_line (const char *text)
{
  const char *newline;

  if (text == NULL)
    return NULL;

  newline = strchr (text, '\n');
  return newline != NULL ? g_strndup (text, newline - text) : g_strdup (text);
}

/* ------------------------------------------------------------------ */
/* Finished generations                                                */
/* ------------------------------------------------------------------ */

static GNotification *
build_one (DailiesTask *task)
{
  g_autoptr(GNotification) notification = NULL;
  const char *id = dailies_task_get_id (task);

  if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS)
    {
      notification = g_notification_new (_("Video ready"));
      g_notification_set_body (notification, id);
      g_notification_add_button_with_target (notification, _("Play"), "app.play-task", "s", id);
      if (is_kept (task))
        g_notification_add_button_with_target (notification, _("Show in Files"), "app.show-in-files", "s", id);
    }
  else
    {
      g_autofree char *reason = dailies_task_get_status (task) == DAILIES_TASK_STATUS_NOT_FOUND
                                ? g_strdup (_("The service does not know this task ID."))
                                : dup_first_line (dailies_task_get_fail_reason (task));
      g_autofree char *body = reason != NULL ? g_strdup_printf ("%s\n%s", id, reason) : g_strdup (id);

      notification = g_notification_new (_("Generation failed"));
      g_notification_set_body (notification, body);
      g_notification_add_button_with_target (notification, _("Details"), "app.show-task", "s", id);
    }

  g_notification_set_default_action_and_target (notification, "app.show-task", "s", id);

  return g_steal_pointer (&notification);
}

static GNotification *
build_summary (guint n_ready,
               guint n_failed)
{
  guint n = n_ready + n_failed;
  g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                         "%u generation finished",
                                                         "%u generations finished", n), n);
  /* Translators: a part of "3 generations finished: 2 ready, 1 failed" */
  g_autofree char *ready = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u ready", "%u ready", n_ready), n_ready);
  /* Translators: a part of "3 generations finished: 2 ready, 1 failed" */
  g_autofree char *failed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", n_failed), n_failed);
  g_autofree char *body = NULL;
  GNotification *notification = g_notification_new (title);

  if (n_failed == 0)
    body = g_steal_pointer (&ready);
  else if (n_ready == 0)
    body = g_steal_pointer (&failed);
  else
    /* Translators: "2 ready" and "1 failed", joined */
    body = g_strdup_printf (_("%s, %s"), ready, failed);

  g_notification_set_body (notification, body);
  /* No task named: the window as it is. */
  g_notification_set_default_action_and_target (notification, "app.show-task", "s", "");
  g_notification_add_button_with_target (notification, _("Show"), "app.show-task", "s", "");

  return notification;
}

static void
forget_shown (DailiesNotifier *self)
{
  if (self->shown != NULL)
    g_clear_signal_handler (&self->shown_handler, self->shown);
  g_clear_object (&self->shown);
}

/* What has finished since the user last looked, as it is now. */
static gboolean
send_finished_cb (gpointer user_data)
{
  DailiesNotifier *self = user_data;
  g_autoptr(GNotification) notification = NULL;

  self->finished_source = 0;
  if (!enabled (self) || self->user_present || self->n_ready + self->n_failed == 0)
    return G_SOURCE_REMOVE;

  if (self->n_ready + self->n_failed == 1 && self->shown != NULL)
    notification = build_one (self->shown);
  else
    notification = build_summary (self->n_ready, self->n_failed);
  g_application_send_notification (self->application, DAILIES_NOTIFICATION_ID, notification);

  return G_SOURCE_REMOVE;
}

static void
schedule_finished (DailiesNotifier *self)
{
  if (self->finished_source == 0)
    {
      self->finished_source = g_timeout_add_full (G_PRIORITY_DEFAULT, FINISHED_DELAY_MS,
                                                  send_finished_cb, self, NULL);
      g_source_set_name_by_id (self->finished_source, "[dailies] finished generations");
    }
}

/* The ready video notified about was kept: now it can be shown in Files. */
static void
shown_kept_cb (DailiesNotifier *self)
{
  if (!is_kept (self->shown))
    return;

  g_clear_signal_handler (&self->shown_handler, self->shown);
  if (self->n_ready + self->n_failed == 1)
    schedule_finished (self);
}

static void
notify_finished (DailiesNotifier *self,
                 DailiesTask     *task)
{
  if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS)
    self->n_ready++;
  else
    self->n_failed++;

  forget_shown (self);
  if (self->n_ready + self->n_failed == 1)
    {
      self->shown = g_object_ref (task);
      /* Kept in a moment, most likely: then the notification says where. */
      if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS && !is_kept (task))
        self->shown_handler = g_signal_connect_object (task, "notify::local-path",
                                                       G_CALLBACK (shown_kept_cb), self,
                                                       G_CONNECT_SWAPPED);
    }

  schedule_finished (self);
}

/* ------------------------------------------------------------------ */
/* Links about to lapse                                                */
/* ------------------------------------------------------------------ */

static void
watch_free (Watch *watch)
{
  g_object_unref (watch->task);
  g_free (watch->url);
  g_free (watch);
}

static int
compare_watches (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const Watch *wa = a;
  const Watch *wb = b;

  if (wa->expires_at != wb->expires_at)
    return wa->expires_at < wb->expires_at ? -1 : 1;

  return g_strcmp0 (dailies_task_get_id (wa->task), dailies_task_get_id (wb->task));
}

static gboolean warn_due_cb (gpointer user_data);

/* One timer, for the soonest warning; none when no link waits. */
static void
rearm (DailiesNotifier *self)
{
  Watch *first;
  gint64 due;
  gint64 delay_ms;

  if (g_sequence_is_empty (self->deadlines))
    {
      g_clear_handle_id (&self->timer_id, g_source_remove);
      return;
    }

  first = g_sequence_get (g_sequence_get_begin_iter (self->deadlines));
  due = first->expires_at - self->lead;
  if (self->timer_id != 0 && due == self->timer_due)
    return;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_due = due;
  /* A wait longer than a guint holds just wakes early and re-arms. */
  delay_ms = CLAMP (due * 1000 - g_get_real_time () / 1000, 0, G_MAXINT32);
  self->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) delay_ms, warn_due_cb, self, NULL);
  g_source_set_name_by_id (self->timer_id, "[dailies] link warning");
}

static void
unwatch (DailiesNotifier *self,
         DailiesTask     *task)
{
  GSequenceIter *iter = g_hash_table_lookup (self->watched, task);

  if (iter == NULL)
    return;

  g_hash_table_remove (self->watched, task);
  g_sequence_remove (iter);
}

/* Waits for @task's link to come near its end, if it is a link that may
 * lapse with no copy kept and was not warned about yet. O(log n). */
static void
watch (DailiesNotifier *self,
       DailiesTask     *task)
{
  const char *url = dailies_task_get_result_url (task);
  gint64 expires_at;
  Watch *entry;

  unwatch (self, task);

  if (dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS ||
      url == NULL ||
      dailies_task_get_local_path (task) != NULL ||
      g_strcmp0 (g_hash_table_lookup (self->warned, task), url) == 0 ||
      (expires_at = dailies_task_get_link_expires_at (task)) <= now_seconds ())
    return;

  entry = g_new0 (Watch, 1);
  entry->task = g_object_ref (task);
  entry->url = g_strdup (url);
  entry->expires_at = expires_at;
  g_hash_table_insert (self->watched, task,
                       g_sequence_insert_sorted (self->deadlines, entry, compare_watches, NULL));
}

/* Whether the warning about @task still has something to say. */
static gboolean
still_unkept (DailiesNotifier *self,
              DailiesTask     *task)
{
  return dailies_task_store_lookup (self->store, dailies_task_get_id (task)) == task &&
         dailies_task_get_download_fraction (task) < 0 &&
         !dailies_task_is_link_expired (task, now_seconds ()) &&
         !is_kept (task);
}

static GNotification *
build_warning (DailiesNotifier *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  DailiesTask *first = g_ptr_array_index (self->expiring, 0);
  guint n = self->expiring->len;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, (gpointer) dailies_task_get_id (g_ptr_array_index (self->expiring, i)));

  if (n == 1)
    {
      g_autofree char *left = dailies_format_duration (dailies_task_get_link_expires_at (first) - now_seconds ());
      /* Translators: a task ID, then the time left, as in "2 h 00 min" */
      g_autofree char *body = g_strdup_printf (_("%s\nThere is no local copy, and the link lapses in %s."),
                                               dailies_task_get_id (first), left);

      notification = g_notification_new (_("Video link expires soon"));
      g_notification_set_body (notification, body);
      g_notification_set_default_action_and_target (notification, "app.show-task", "s", dailies_task_get_id (first));
    }
  else
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "%u video link expires soon",
                                                             "%u video links expire soon", n), n);

      notification = g_notification_new (title);
      g_notification_set_body (notification, _("There are no local copies of these videos. Keep them before their links lapse."));
      g_notification_set_default_action_and_target (notification, "app.show-task", "s", "");
    }

  if (self->keeper != NULL)
    g_notification_add_button_with_target_value (notification, _("Keep Now"), "app.keep-now",
                                                 g_variant_new_strv ((const char * const *) ids->pdata, ids->len));
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);

  return g_steal_pointer (&notification);
}

static void copy_ended_cb (DailiesTask     *task,
                           GParamSpec      *pspec,
                           DailiesNotifier *self);

/* Due while a copy of @task is being made: the warning waits for that
 * copy. Kept, there is nothing to say; failed, the warning goes out then. */
static void
wait_for_copy (DailiesNotifier *self,
               DailiesTask     *task)
{
  gulong handler;

  if (g_hash_table_contains (self->copying, task))
    return;

  handler = g_signal_connect_object (task, "notify::download-fraction", G_CALLBACK (copy_ended_cb), self, 0);
  g_hash_table_insert (self->copying, g_object_ref (task), GSIZE_TO_POINTER (handler));
}

static void
copy_ended_cb (DailiesTask     *task,
               GParamSpec      *pspec,
               DailiesNotifier *self)
{
  gulong handler;

  if (dailies_task_get_download_fraction (task) >= 0)
    return;

  handler = GPOINTER_TO_SIZE (g_hash_table_lookup (self->copying, task));
  g_object_ref (task);
  g_hash_table_remove (self->copying, task);
  g_signal_handler_disconnect (task, handler);
  /* Still due: watched again, it is warned about at once unless kept. */
  watch (self, task);
  rearm (self);
  g_object_unref (task);
}

/* The links whose warning is due: one warning says them all, together
 * with those of the warning still shown that are still not kept. */
static gboolean
warn_due_cb (gpointer user_data)
{
  DailiesNotifier *self = user_data;
  gint64 now = now_seconds ();
  gboolean any = FALSE;

  self->timer_id = 0;

  for (guint i = self->expiring->len; i > 0; i--)
    if (!still_unkept (self, g_ptr_array_index (self->expiring, i - 1)))
      g_ptr_array_remove_index (self->expiring, i - 1);

  while (!g_sequence_is_empty (self->deadlines))
    {
      GSequenceIter *iter = g_sequence_get_begin_iter (self->deadlines);
      Watch *entry = g_sequence_get (iter);
      g_autoptr(DailiesTask) task = NULL;
      g_autofree char *url = NULL;

      if (entry->expires_at - self->lead > now)
        break;

      task = g_object_ref (entry->task);
      url = g_strdup (entry->url);
      unwatch (self, task);
      if (dailies_task_get_download_fraction (task) >= 0 &&
          dailies_task_store_lookup (self->store, dailies_task_get_id (task)) == task)
        {
          wait_for_copy (self, task);
          continue;
        }
      /* Once per link, also when notifications are off at the time. */
      g_hash_table_insert (self->warned, g_object_ref (task), g_steal_pointer (&url));

      if (still_unkept (self, task) && !g_ptr_array_find (self->expiring, task, NULL))
        {
          g_ptr_array_add (self->expiring, g_object_ref (task));
          any = TRUE;
        }
    }

  if (any && enabled (self))
    {
      g_autoptr(GNotification) notification = build_warning (self);

      g_debug ("notifier: %u link(s) lapse within %" G_GINT64_FORMAT " s", self->expiring->len, self->lead);
      g_application_send_notification (self->application, DAILIES_NOTIFICATION_EXPIRING_ID, notification);
    }
  else if (!enabled (self))
    {
      g_ptr_array_set_size (self->expiring, 0);
    }

  rearm (self);

  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */
/* The store                                                           */
/* ------------------------------------------------------------------ */

static void
task_answered_cb (DailiesNotifier *self,
                  DailiesTask     *task,
                  gboolean         link_changed,
                  gboolean         finished)
{
  if (finished || link_changed)
    {
      watch (self, task);
      rearm (self);
    }

  if (finished && !self->user_present && enabled (self))
    notify_finished (self, task);
}

static void
watch_range (DailiesNotifier *self,
             guint            start,
             guint            end)
{
  for (guint i = start; i < end; i++)
    {
      g_autoptr(DailiesTask) task = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      watch (self, task);
    }
  rearm (self);
}

static gboolean
scan_slice_cb (gpointer user_data)
{
  DailiesNotifier *self = user_data;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint end = MIN (self->scan_index + SCAN_SLICE, n_items);

  watch_range (self, self->scan_index, end);
  self->scan_index = end;
  if (end < n_items)
    return G_SOURCE_CONTINUE;

  self->scan_source = 0;
  return G_SOURCE_REMOVE;
}

/* Only while the scan of a load runs: it goes by index, so it follows the
 * moves. What is added or removed later is dealt with by tasks-added and
 * tasks-removed, at the cost of those tasks. */
static void
store_items_changed_cb (DailiesNotifier *self,
                        guint            position,
                        guint            removed,
                        guint            added)
{
  if (self->scan_source == 0 || position >= self->scan_index)
    return;

  /* What it looked at moved; a change across where it is gets another
   * look (watch() can be repeated). */
  self->scan_index = position + removed <= self->scan_index
                     ? self->scan_index - removed + added
                     : position;
}

/* The tasks the store loaded: a look at each in slices when the main loop
 * is idle, so that the window is drawn first. */
static void
store_loaded_cb (DailiesNotifier *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  if (n_items <= SCAN_SLICE)
    {
      watch_range (self, 0, n_items);
      return;
    }

  self->scan_index = 0;
  if (self->scan_source == 0)
    {
      self->scan_source = g_idle_add_full (G_PRIORITY_LOW, scan_slice_cb, self, NULL);
      g_source_set_name_by_id (self->scan_source, "[dailies] notifier scan");
    }
}

static void
store_tasks_added_cb (DailiesNotifier *self,
                      GPtrArray       *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    watch (self, g_ptr_array_index (tasks, i));
  rearm (self);
}

static void
store_tasks_removed_cb (DailiesNotifier *self,
                        GPtrArray       *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    {
      unwatch (self, g_ptr_array_index (tasks, i));
      /* Still counted, but not named: its buttons would find no task. */
      if (g_ptr_array_index (tasks, i) == self->shown)
        forget_shown (self);
    }
  rearm (self);
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

static void
keep_now_action_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  DailiesNotifier *self = user_data;
  g_autofree const char **ids = g_variant_get_strv (parameter, NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    {
      DailiesTask *task = dailies_task_store_lookup (self->store, ids[i]);

      if (task == NULL)
        {
          g_message ("notifier: keep now: %s is not in the list now", ids[i]);
          continue;
        }

      g_ptr_array_remove (self->expiring, task);
      if (self->keeper != NULL)
        dailies_keeper_keep_now (self->keeper, task);
    }
}

static void
folder_opened_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_message ("notifier: could not open the folder of a kept copy: %s", error->message);
}

static void
show_items_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);

  if (reply == NULL)
    {
      /* No file manager answers: the folder, without the file picked. */
      g_autoptr(GFile) folder = g_file_get_parent (file);
      g_autofree char *uri = g_file_get_uri (folder);

      g_debug ("notifier: no FileManager1 (%s), opening %s", error->message, uri);
      g_app_info_launch_default_for_uri_async (uri, NULL, NULL, folder_opened_cb, NULL);
    }
}

static void
show_kept_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GApplication) application = user_data;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (object), result, NULL);
  g_autofree char *uri = NULL;
  const char *uris[2] = { NULL, NULL };

  if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR ||
      g_application_get_dbus_connection (application) == NULL)
    {
      g_message ("notifier: show in files: the kept copy is not there now");
      return;
    }

  uri = g_file_get_uri (G_FILE (object));
  uris[0] = uri;
  g_dbus_connection_call (g_application_get_dbus_connection (application),
                          "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, show_items_cb, g_object_ref (object));
}

static void
show_in_files_action_cb (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  DailiesNotifier *self = user_data;
  const char *id = g_variant_get_string (parameter, NULL);
  DailiesTask *task = dailies_task_store_lookup (self->store, id);
  g_autoptr(GFile) file = NULL;

  if (task == NULL || !is_kept (task) || self->application == NULL)
    {
      g_message ("notifier: show in files: %s has no kept copy now", id);
      return;
    }

  file = g_file_new_for_path (dailies_task_get_local_path (task));
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                           NULL, show_kept_cb, g_object_ref (self->application));
}

static const GActionEntry actions[] = {
  { "keep-now", keep_now_action_cb, "as" },
  { "show-in-files", show_in_files_action_cb, "s" },
};

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

void
dailies_notifier_set_user_present (DailiesNotifier *self,
                                   gboolean         present)
{
  g_return_if_fail (DAILIES_IS_NOTIFIER (self));

  present = !!present;
  if (self->user_present == present)
    return;

  self->user_present = present;

  /* Back at the window: the list says it all. */
  if (present && self->n_ready + self->n_failed > 0)
    {
      self->n_ready = self->n_failed = 0;
      forget_shown (self);
      g_clear_handle_id (&self->finished_source, g_source_remove);
      if (self->application != NULL)
        g_application_withdraw_notification (self->application, DAILIES_NOTIFICATION_ID);
    }
}

void
dailies_notifier_set_warning_lead (DailiesNotifier *self,
                                   gint64           seconds)
{
  g_return_if_fail (DAILIES_IS_NOTIFIER (self));

  self->lead = seconds;
  /* The order of the links stays; only the time of the first moves. */
  g_clear_handle_id (&self->timer_id, g_source_remove);
  rearm (self);
}

guint
dailies_notifier_get_n_watched (DailiesNotifier *self)
{
  g_return_val_if_fail (DAILIES_IS_NOTIFIER (self), 0);

  return g_hash_table_size (self->watched);
}

gboolean
dailies_notifier_has_timer (DailiesNotifier *self)
{
  g_return_val_if_fail (DAILIES_IS_NOTIFIER (self), FALSE);

  return self->timer_id != 0;
}

gboolean
dailies_notifier_has_pending_finished (DailiesNotifier *self)
{
  g_return_val_if_fail (DAILIES_IS_NOTIFIER (self), FALSE);

  return self->finished_source != 0;
}

static void
dailies_notifier_dispose (GObject *object)
{
  DailiesNotifier *self = (DailiesNotifier *)object;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->scan_source, g_source_remove);
  g_clear_handle_id (&self->finished_source, g_source_remove);
  forget_shown (self);
  if (self->copying != NULL)
    {
      GHashTableIter iter;
      gpointer task, handler;

      g_hash_table_iter_init (&iter, self->copying);
      while (g_hash_table_iter_next (&iter, &task, &handler))
        g_signal_handler_disconnect (task, GPOINTER_TO_SIZE (handler));
      g_hash_table_remove_all (self->copying);
    }
  if (self->store != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->store, task_answered_cb, self);
      g_signal_handlers_disconnect_by_func (self->store, store_items_changed_cb, self);
      g_signal_handlers_disconnect_by_func (self->store, store_loaded_cb, self);
      g_signal_handlers_disconnect_by_func (self->store, store_tasks_added_cb, self);
      g_signal_handlers_disconnect_by_func (self->store, store_tasks_removed_cb, self);
    }
  /* The actions point at us: they go with us. */
  if (self->application != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
      g_action_map_remove_action (G_ACTION_MAP (self->application), actions[i].name);
  g_clear_object (&self->store);
  g_clear_object (&self->keeper);
  g_clear_object (&self->settings);
  g_clear_weak_pointer (&self->application);

  G_OBJECT_CLASS (dailies_notifier_parent_class)->dispose (object);
}

static void
dailies_notifier_finalize (GObject *object)
{
  DailiesNotifier *self = (DailiesNotifier *)object;

  g_clear_pointer (&self->watched, g_hash_table_unref);
  g_clear_pointer (&self->deadlines, g_sequence_free);
  g_clear_pointer (&self->warned, g_hash_table_unref);
  g_clear_pointer (&self->copying, g_hash_table_unref);
  g_clear_pointer (&self->expiring, g_ptr_array_unref);

  G_OBJECT_CLASS (dailies_notifier_parent_class)->finalize (object);
}

static void
dailies_notifier_class_init (DailiesNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_notifier_dispose;
  object_class->finalize = dailies_notifier_finalize;
}

static void
dailies_notifier_init (DailiesNotifier *self)
{
  self->deadlines = g_sequence_new ((GDestroyNotify) watch_free);
  self->watched = g_hash_table_new (NULL, NULL);
  self->warned = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  self->copying = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->expiring = g_ptr_array_new_with_free_func (g_object_unref);
  self->lead = DAILIES_NOTIFIER_WARNING_LEAD;
}

DailiesNotifier *
dailies_notifier_new (GApplication     *application,
                      DailiesTaskStore *store,
                      DailiesKeeper    *keeper,
                      GSettings        *settings)
{
  DailiesNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (store), NULL);
  g_return_val_if_fail (keeper == NULL || DAILIES_IS_KEEPER (keeper), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (DAILIES_TYPE_NOTIFIER, NULL);
  g_set_weak_pointer (&self->application, application);
  self->store = g_object_ref (store);
  self->keeper = keeper != NULL ? g_object_ref (keeper) : NULL;
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  g_action_map_add_action_entries (G_ACTION_MAP (application), actions, G_N_ELEMENTS (actions), self);
  g_signal_connect_object (store, "task-answered", G_CALLBACK (task_answered_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "items-changed", G_CALLBACK (store_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "notify::loaded", G_CALLBACK (store_loaded_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "tasks-added", G_CALLBACK (store_tasks_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "tasks-removed", G_CALLBACK (store_tasks_removed_cb), self, G_CONNECT_SWAPPED);

  /* Tasks already there, when the store was loaded before us. */
  if (dailies_task_store_is_loaded (store))
    store_loaded_cb (self);

  return self;
}
