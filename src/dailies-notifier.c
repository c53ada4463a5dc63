/* dailies-notifier.c
 *
 * Tells the user, with a desktop notification, about generations that
 * finished while they were looking elsewhere. One notification, replaced
 * as more finish ("3 generations finished: 2 ready, 1 failed"), and
 * withdrawn when they come back to the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-notifier.h"
#include "dailies-task.h"

struct _DailiesNotifier
{
  GObject           parent_instance;

  GApplication     *application;   /* weak: the application owns us */
  DailiesTaskStore *store;
  gboolean          user_present;

  /* Since the user last looked */
  guint             n_ready;
  guint             n_failed;
};

G_DEFINE_FINAL_TYPE (DailiesNotifier, dailies_notifier, G_TYPE_OBJECT)

static char *
dup_first_line (const char *text)
{
  const char *newline;

  if (text == NULL)
    return NULL;

  newline = strchr (text, '\n');
  return newline != NULL ? g_strndup (text, newline - text) : g_strdup (text);
}

static GNotification *
build_one (DailiesTask *task)
{
  g_autoptr(GNotification) notification = NULL;
  const char *id = dailies_task_get_id (task);

  if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS)
    {
      notification = g_notification_new (_("Video ready"));
      g_notification_set_body (notification, id);
    }
  else
    {
      g_autofree char *reason = dailies_task_get_status (task) == DAILIES_TASK_STATUS_NOT_FOUND
                                ? g_strdup (_("The service does not know this task ID."))
                                : dup_first_line (dailies_task_get_fail_reason (task));
      g_autofree char *body = reason != NULL ? g_strdup_printf ("%s\n%s", id, reason) : g_strdup (id);

      notification = g_notification_new (_("Generation failed"));
      g_notification_set_body (notification, body);
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
  /* Translators: the parts of "3 generations finished: 2 ready, 1 failed" */
  g_autofree char *body = g_strdup_printf (_("%u ready, %u failed"), n_ready, n_failed);
  GNotification *notification = g_notification_new (title);

  g_notification_set_body (notification, body);
  /* No task named: the window as it is. */
  g_notification_set_default_action_and_target (notification, "app.show-task", "s", "");

  return notification;
}

static void
task_answered_cb (DailiesNotifier *self,
                  DailiesTask     *task,
                  gboolean         link_changed,
                  gboolean         finished)
{
  g_autoptr(GNotification) notification = NULL;

  if (!finished || self->user_present || self->application == NULL)
    return;

  if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS)
    self->n_ready++;
  else
    self->n_failed++;

  if (self->n_ready + self->n_failed == 1)
    notification = build_one (task);
  else
    notification = build_summary (self->n_ready, self->n_failed);

  g_application_send_notification (self->application, DAILIES_NOTIFICATION_ID, notification);
}

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
      if (self->application != NULL)
        g_application_withdraw_notification (self->application, DAILIES_NOTIFICATION_ID);
    }
}

static void
dailies_notifier_dispose (GObject *object)
{
  DailiesNotifier *self = (DailiesNotifier *)object;

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, task_answered_cb, self);
  g_clear_object (&self->store);
  g_clear_weak_pointer (&self->application);

  G_OBJECT_CLASS (dailies_notifier_parent_class)->dispose (object);
}

static void
dailies_notifier_class_init (DailiesNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_notifier_dispose;
}

static void
dailies_notifier_init (DailiesNotifier *self)
{
}

DailiesNotifier *
dailies_notifier_new (GApplication     *application,
                      DailiesTaskStore *store)
{
  DailiesNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (store), NULL);

  self = g_object_new (DAILIES_TYPE_NOTIFIER, NULL);
  g_set_weak_pointer (&self->application, application);
  self->store = g_object_ref (store);
  g_signal_connect_object (store, "task-answered", G_CALLBACK (task_answered_cb), self, G_CONNECT_SWAPPED);

  return self;
}
