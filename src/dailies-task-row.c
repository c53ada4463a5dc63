/* dailies-task-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-format.h"
#include "dailies-task-row.h"

struct _DailiesTaskRow
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkImage       *status_image;
  GtkPicture     *thumbnail;
  GtkImage       *kept_image;
  GtkLabel       *id_label;
  GtkLabel       *age_label;
  GtkLabel       *detail_label;
  GtkProgressBar *progress_bar;

  /* Owned */
  DailiesTask    *task;
  gulong          notify_handler;

  /* Borrowed: the window, whose activation refreshes the age. */
  GtkRoot        *root;
  gulong          active_handler;
};

G_DEFINE_FINAL_TYPE (DailiesTaskRow, dailies_task_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TASK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *status_classes[] = { "success", "error", "warning", "accent" };

/* The second line: the first line of a failure reason, else the status and
 * the last transport error, if any. */
static char *
dup_detail_text (DailiesTask *task)
{
  DailiesTaskStatus status = dailies_task_get_status (task);
  const char *reason = dailies_task_get_fail_reason (task);
  const char *last_error = dailies_task_get_last_error (task);
  g_autofree char *status_words = dailies_format_status (status, dailies_task_get_status_text (task));

  if (dailies_task_get_keep_message (task) != NULL)
    return g_strdup (dailies_task_get_keep_message (task));

  if (status == DAILIES_TASK_STATUS_FAILURE && reason != NULL)
    {
      const char *newline = strchr (reason, '\n');
      return newline != NULL ? g_strndup (reason, newline - reason) : g_strdup (reason);
    }

  /* A lapsed link is a state of its own, not a failure. */
  if (status == DAILIES_TASK_STATUS_SUCCESS && dailies_task_get_local_path (task) == NULL &&
      dailies_task_is_link_expired (task, g_get_real_time () / G_USEC_PER_SEC))
    return g_strdup (_("Link expired · check again for a fresh link"));

  if (last_error != NULL && status != DAILIES_TASK_STATUS_NOT_FOUND)
    return g_strdup_printf ("%s · %s", status_words, last_error);

  if (status == DAILIES_TASK_STATUS_IN_PROGRESS && dailies_task_get_progress (task) >= 0)
    return g_strdup_printf ("%s · %d%%", status_words, dailies_task_get_progress (task));

  return g_steal_pointer (&status_words);
}

static void
update_thumbnail (DailiesTaskRow *self)
{
  const char *path = dailies_task_get_thumbnail_path (self->task);
  g_autofree char *shown = NULL;

  /* Load the picture only when the path really changed. */
  if (gtk_picture_get_file (self->thumbnail) != NULL)
    shown = g_file_get_path (gtk_picture_get_file (self->thumbnail));
  if (g_strcmp0 (shown, path) != 0)
    gtk_picture_set_filename (self->thumbnail, path);

  gtk_widget_set_visible (GTK_WIDGET (self->thumbnail), path != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->status_image), path == NULL);
}

static void
update (DailiesTaskRow *self)
{
  DailiesTaskStatus status;
  g_autofree char *detail = NULL;
  const char *status_class;
  int progress;

  if (self->task == NULL)
    return;

  status = dailies_task_get_status (self->task);
  progress = dailies_task_get_progress (self->task);
  detail = dup_detail_text (self->task);
  status_class = dailies_format_status_class (status);

  gtk_image_set_from_icon_name (self->status_image, dailies_format_status_icon (status));
  for (guint i = 0; i < G_N_ELEMENTS (status_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_image), status_classes[i]);
  if (status_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_image), status_class);

  gtk_label_set_label (self->id_label, dailies_task_get_id (self->task));
  gtk_label_set_label (self->detail_label, detail);

  if (status == DAILIES_TASK_STATUS_FAILURE)
    gtk_widget_add_css_class (GTK_WIDGET (self->detail_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->detail_label), "error");

  /* The bar follows generation, then the download of the local copy. */
  if (dailies_task_get_download_fraction (self->task) >= 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
      gtk_progress_bar_set_fraction (self->progress_bar, dailies_task_get_download_fraction (self->task));
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                              status == DAILIES_TASK_STATUS_IN_PROGRESS ||
                              status == DAILIES_TASK_STATUS_QUEUED);
      gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (progress, 0, 100) / 100.0);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->kept_image), dailies_task_get_local_path (self->task) != NULL);
  update_thumbnail (self);

  dailies_task_row_update_age (self);
}

void
dailies_task_row_update_age (DailiesTaskRow *self)
{
  g_autofree char *age = NULL;
  gint64 then;

  g_return_if_fail (DAILIES_IS_TASK_ROW (self));

  if (self->task == NULL)
    return;

  then = dailies_task_get_submit_time (self->task);
  if (then <= 0)
    then = dailies_task_get_first_seen (self->task);

  age = dailies_format_relative_time (then, g_get_real_time () / G_USEC_PER_SEC);
  gtk_label_set_label (self->age_label, age);
}

static void
task_notify_cb (DailiesTaskRow *self)
{
  update (self);
}

/* Ages are refreshed when the user comes back to the window, not by a
 * timer: an idle list wakes nothing up. */
static void
root_active_changed_cb (DailiesTaskRow *self)
{
  if (gtk_window_is_active (GTK_WINDOW (self->root)))
    dailies_task_row_update_age (self);
}

static void
dailies_task_row_root (GtkWidget *widget)
{
  DailiesTaskRow *self = DAILIES_TASK_ROW (widget);

  GTK_WIDGET_CLASS (dailies_task_row_parent_class)->root (widget);

  self->root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (self->root))
    self->active_handler = g_signal_connect_object (self->root, "notify::is-active",
                                                    G_CALLBACK (root_active_changed_cb), self,
                                                    G_CONNECT_SWAPPED);
}

static void
dailies_task_row_unroot (GtkWidget *widget)
{
  DailiesTaskRow *self = DAILIES_TASK_ROW (widget);

  if (self->root != NULL)
    g_clear_signal_handler (&self->active_handler, self->root);
  self->root = NULL;

  GTK_WIDGET_CLASS (dailies_task_row_parent_class)->unroot (widget);
}

void
dailies_task_row_set_task (DailiesTaskRow *self,
                           DailiesTask    *task)
{
  g_return_if_fail (DAILIES_IS_TASK_ROW (self));
  g_return_if_fail (task == NULL || DAILIES_IS_TASK (task));

  if (self->task == task)
    return;

  if (self->task != NULL)
    g_clear_signal_handler (&self->notify_handler, self->task);
  g_set_object (&self->task, task);
  if (self->task != NULL)
    self->notify_handler = g_signal_connect_object (self->task, "notify",
                                                    G_CALLBACK (task_notify_cb), self,
                                                    G_CONNECT_SWAPPED);

  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
}

DailiesTask *
dailies_task_row_get_task (DailiesTaskRow *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_ROW (self), NULL);

  return self->task;
}

GtkWidget *
dailies_task_row_new (void)
{
  return g_object_new (DAILIES_TYPE_TASK_ROW, NULL);
}

static void
dailies_task_row_dispose (GObject *object)
{
  DailiesTaskRow *self = (DailiesTaskRow *)object;

  GtkWidget *child;

  dailies_task_row_set_task (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DAILIES_TYPE_TASK_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (dailies_task_row_parent_class)->dispose (object);
}

static void
dailies_task_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DailiesTaskRow *self = DAILIES_TASK_ROW (object);

  switch (prop_id)
    {
    case PROP_TASK:
      g_value_set_object (value, self->task);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DailiesTaskRow *self = DAILIES_TASK_ROW (object);

  switch (prop_id)
    {
    case PROP_TASK:
      dailies_task_row_set_task (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The full ID on hover, asked for only then: setting tooltips on every
 * bound row costs a round trip to the display server each. */
static gboolean
id_query_tooltip_cb (DailiesTaskRow *self,
                     int             x,
                     int             y,
                     gboolean        keyboard,
                     GtkTooltip     *tooltip)
{
  if (self->task == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, dailies_task_get_id (self->task));
  return TRUE;
}

static void
dailies_task_row_class_init (DailiesTaskRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dailies_task_row_dispose;
  object_class->get_property = dailies_task_row_get_property;
  object_class->set_property = dailies_task_row_set_property;

  widget_class->root = dailies_task_row_root;
  widget_class->unroot = dailies_task_row_unroot;

  properties[PROP_TASK] =
    g_param_spec_object ("task", NULL, NULL,
                         DAILIES_TYPE_TASK,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/dailies/Dailies/dailies-task-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, status_image);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, thumbnail);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, kept_image);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, id_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, age_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, progress_bar);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
dailies_task_row_init (DailiesTaskRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->id_label), TRUE);
  g_signal_connect_swapped (self->id_label, "query-tooltip", G_CALLBACK (id_query_tooltip_cb), self);
}
