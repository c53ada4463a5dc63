/* dailies-task-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-format.h"
#include "dailies-icon.h"
#include "dailies-task-row.h"
#include "dailies-thumbnail.h"

struct _DailiesTaskRow
{
  GtkWidget       parent_instance;

  /* Template widgets */
  DailiesIcon    *status_image;
  GtkInscription *id_label;
  GtkLabel       *age_label;
  GtkInscription *detail_label;

  /* Made when first needed; most rows never need them */
  DailiesThumbnail *thumbnail;
  DailiesIcon    *kept_image;
  GtkProgressBar *progress_bar;

  /* Owned */
  DailiesTask    *task;
  gulong          changed_handler;
  DailiesTaskSlot *slot;
  gulong          slot_handler;

  /* What the widgets show now: GTK restyles or lays out again on every
   * set, even of the same value, and a row is set again whenever GTK binds
   * it to another task (every row below a removal, say). */
  const char     *status_class;     /* static, from dailies_format_status_class() */
  gboolean        shows_error;
  gboolean        shows_warning;
  gint64          age_key;          /* dailies_format_relative_time_key() of the label */

  /* The context menu, made on first use */
  GtkWidget      *menu;

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

/* The second line: the first line of a failure reason, a warning when the
 * model's service has stopped but the gateway still says "in progress",
 * else the status and the last transport error, if any. */
static char *
dup_detail_text (DailiesTask *task,
                 const char  *status_words,
                 gboolean    *warning)
{
  DailiesTaskStatus status = dailies_task_get_status (task);
  const char *reason = dailies_task_get_fail_reason (task);
  const char *last_error = dailies_task_get_last_error (task);
  const char *problem;

  *warning = FALSE;

  /* A success with nothing behind it is not a plain success. */
  if (status == DAILIES_TASK_STATUS_SUCCESS && !dailies_task_has_usable_link (task) &&
      dailies_task_get_local_path (task) == NULL)
    return g_strdup (_("Succeeded, but the service sent no video link"));

  /* A lapsed link is a state of its own, not a failure: it outweighs the
   * message of the download it made fail. */
  if (status == DAILIES_TASK_STATUS_SUCCESS && dailies_task_get_local_path (task) == NULL &&
      dailies_task_get_download_fraction (task) < 0 &&
      dailies_task_is_link_expired (task, g_get_real_time () / G_USEC_PER_SEC))
    return g_strdup (_("Link expired · Check Again asks the service once more"));

  if (dailies_task_get_keep_message (task) != NULL)
    return g_strdup (dailies_task_get_keep_message (task));

  if (status == DAILIES_TASK_STATUS_FAILURE && reason != NULL)
    {
      const char *newline = strchr (reason, '\n');
      return newline != NULL ? g_strndup (reason, newline - reason) : g_strdup (reason);
    }

  /* Only unfinished tasks have one; finished ones skip the parse. */
  if ((problem = dailies_task_get_upstream_problem (task)) != NULL)
    {
      *warning = TRUE;
      /* Translators: the model's service's problem; the gateway fails such tasks after 24 h */
      return g_strdup_printf (_("%s · will fail within 24 h"), problem);
    }

  if (last_error != NULL && status != DAILIES_TASK_STATUS_NOT_FOUND)
    /* Translators: a task's state, such as “Queued”, then why the last check
       failed, such as “HTTP 502: Bad Gateway” */
    return g_strdup_printf (C_("task row", "%s · %s"), status_words, last_error);

  if (status == DAILIES_TASK_STATUS_IN_PROGRESS && dailies_task_get_progress (task) >= 0)
    /* Translators: a task's state, such as “Generating”, then how far along
       it is in percent; write the percentage as your language does (“50 %”) */
    return g_strdup_printf (C_("task row", "%s · %d%%"), status_words, dailies_task_get_progress (task));

  return g_strdup (status_words);
}

/* Puts @child in the row's grid, after @sibling in the focus and
 * accessibility order. */
static void
attach (DailiesTaskRow *self,
        GtkWidget      *child,
        GtkWidget      *sibling,
        int             column,
        int             row,
        int             column_span,
        int             row_span)
{
  GtkGridLayoutChild *cell;

  gtk_widget_insert_after (child, GTK_WIDGET (self), sibling);
  cell = GTK_GRID_LAYOUT_CHILD (gtk_layout_manager_get_layout_child (gtk_widget_get_layout_manager (GTK_WIDGET (self)), child));
  gtk_grid_layout_child_set_column (cell, column);
  gtk_grid_layout_child_set_row (cell, row);
  gtk_grid_layout_child_set_column_span (cell, column_span);
  gtk_grid_layout_child_set_row_span (cell, row_span);
}

/* In the status icon's cell, in its place, as wide (dailies-task-row.ui). */
static DailiesThumbnail *
ensure_thumbnail (DailiesTaskRow *self)
{
  if (self->thumbnail == NULL)
    {
      GtkWidget *picture = dailies_thumbnail_new ();

      gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
      gtk_widget_set_margin_end (picture, 6);
      gtk_widget_add_css_class (picture, "dailies-thumbnail");
      attach (self, picture, GTK_WIDGET (self->status_image), 0, 0, 1, 3);
      self->thumbnail = DAILIES_THUMBNAIL (picture);
    }

  return self->thumbnail;
}

/* Between the ID and the age. A disk, not an arrow: the badge says where
 * the video is, and must not read as a button that downloads it. Debian
 * 12's Adwaita has both icons; GNOME's current one has at least the second. */
static DailiesIcon *
ensure_kept_image (DailiesTaskRow *self)
{
  if (self->kept_image == NULL)
    {
      const char *names[] = { "drive-harddisk-symbolic", "folder-videos-symbolic", NULL };
      g_autoptr(GIcon) icon = g_themed_icon_new_from_names ((char **) names, -1);
      GtkWidget *image = dailies_icon_new ();

      dailies_icon_set_gicon (DAILIES_ICON (image), icon);

      gtk_widget_set_tooltip_text (image, _("Kept on this computer"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Kept on this computer"),
                                      -1);
      gtk_widget_add_css_class (image, "dim-label");
      attach (self, image, GTK_WIDGET (self->id_label), 2, 0, 1, 1);
      self->kept_image = DAILIES_ICON (image);
    }

  return self->kept_image;
}

/* Under the detail line. */
static GtkProgressBar *
ensure_progress_bar (DailiesTaskRow *self)
{
  if (self->progress_bar == NULL)
    {
      GtkWidget *bar = gtk_progress_bar_new ();

      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Progress"), -1);

      attach (self, bar, GTK_WIDGET (self->detail_label), 1, 2, 3, 1);
      self->progress_bar = GTK_PROGRESS_BAR (bar);
    }

  return self->progress_bar;
}

static void
update_thumbnail (DailiesTaskRow *self)
{
  const char *path = dailies_task_get_thumbnail_path (self->task);

  if (path == NULL && self->thumbnail == NULL)
    return;

  /* Loaded only when the path really changed. */
  dailies_thumbnail_set_filename (ensure_thumbnail (self), path);

  gtk_widget_set_visible (GTK_WIDGET (self->thumbnail), path != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->status_image), path == NULL);
}

static void
update_progress (DailiesTaskRow    *self,
                 DailiesTaskStatus  status,
                 int                progress)
{
  double download = dailies_task_get_download_fraction (self->task);
  double fraction;
  /* The bar follows generation, then the download of the local copy. */
  gboolean shown = download >= 0 ||
                   status == DAILIES_TASK_STATUS_IN_PROGRESS ||
                   status == DAILIES_TASK_STATUS_QUEUED;

  if (!shown && self->progress_bar == NULL)
    return;

  fraction = download >= 0 ? download : CLAMP (progress, 0, 100) / 100.0;
  gtk_widget_set_visible (GTK_WIDGET (ensure_progress_bar (self)), shown);
  /* Like the icon: a new fraction, even an equal one, lays out again. */
  if (gtk_progress_bar_get_fraction (self->progress_bar) != fraction)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static void
set_css_class (GtkWidget  *widget,
               const char *css_class,
               gboolean   *shown,
               gboolean    show)
{
  if (*shown == show)
    return;

  if (show)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
  *shown = show;
}

static void
update (DailiesTaskRow *self)
{
  DailiesTaskStatus status;
  g_autofree char *detail = NULL;
  g_autofree char *status_words = NULL;
  g_autofree char *spoken = NULL;
  const char *status_class;
  gboolean warning;
  int progress;

  if (self->task == NULL)
    return;

  status = dailies_task_get_status (self->task);
  progress = dailies_task_get_progress (self->task);
  status_words = dailies_format_status (status, dailies_task_get_status_text (self->task));
  detail = dup_detail_text (self->task, status_words, &warning);
  status_class = dailies_format_status_class (status);

  /* The same icon again costs nothing: DailiesIcon keeps it. */
  dailies_icon_set_icon_name (self->status_image, dailies_format_status_icon (status));
  if (g_strcmp0 (status_class, self->status_class) != 0)
    {
      if (self->status_class != NULL)
        gtk_widget_remove_css_class (GTK_WIDGET (self->status_image), self->status_class);
      if (status_class != NULL)
        gtk_widget_add_css_class (GTK_WIDGET (self->status_image), status_class);
      self->status_class = status_class;
    }

  gtk_inscription_set_text (self->id_label, dailies_task_get_id (self->task));
  gtk_inscription_set_text (self->detail_label, detail);
  /* GtkInscription does not tell screen readers its text on GTK 4.8;
   * the status, drawn as an icon, is said in words, and the list item
   * around the row, which is what gets focus, says the same. */
  spoken = g_str_has_prefix (detail, status_words) ? g_strdup (detail)
                                                   /* Translators: as above, a task's state, then more of it */
                                                   : g_strdup_printf (C_("task row", "%s · %s"), status_words, detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, status_words,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, dailies_task_get_id (self->task),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, spoken,
                                  -1);
  if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, dailies_task_get_id (self->task),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, spoken,
                                    -1);

  set_css_class (GTK_WIDGET (self->detail_label), "error", &self->shows_error, status == DAILIES_TASK_STATUS_FAILURE);
  set_css_class (GTK_WIDGET (self->detail_label), "warning", &self->shows_warning, warning);

  update_progress (self, status, progress);

  if (dailies_task_get_local_path (self->task) != NULL)
    gtk_widget_set_visible (GTK_WIDGET (ensure_kept_image (self)), TRUE);
  else if (self->kept_image != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->kept_image), FALSE);

  update_thumbnail (self);

  dailies_task_row_update_age (self);
}

void
dailies_task_row_update_age (DailiesTaskRow *self)
{
  g_autofree char *age = NULL;
  gint64 then;
  gint64 now;
  gint64 key;

  g_return_if_fail (DAILIES_IS_TASK_ROW (self));

  if (self->task == NULL)
    return;

  then = dailies_task_get_submit_time (self->task);
  if (then <= 0)
    then = dailies_task_get_first_seen (self->task);

  now = g_get_real_time () / G_USEC_PER_SEC;
  key = dailies_format_relative_time_key (then, now);
  if (key == self->age_key)
    return;

  age = dailies_format_relative_time (then, now);
  gtk_label_set_label (self->age_label, age);
  self->age_key = key;
}

static void
task_changed_cb (DailiesTaskRow *self)
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
    g_clear_signal_handler (&self->changed_handler, self->task);
  g_set_object (&self->task, task);
  if (self->task != NULL)
    /* Not g_signal_connect_object(): the row holds the task and
     * disconnects before it lets go (set to NULL in dispose), and an
     * object-watching closure is a third of the cost of a rebind. */
    self->changed_handler = g_signal_connect_swapped (self->task, "changed",
                                                     G_CALLBACK (task_changed_cb), self);

  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
}

static void
slot_task_cb (DailiesTaskRow  *self,
              GParamSpec      *pspec,
              DailiesTaskSlot *slot)
{
  dailies_task_row_set_task (self, dailies_task_slot_get_task (slot));
}

void
dailies_task_row_set_slot (DailiesTaskRow  *self,
                           DailiesTaskSlot *slot)
{
  g_return_if_fail (DAILIES_IS_TASK_ROW (self));
  g_return_if_fail (slot == NULL || DAILIES_IS_TASK_SLOT (slot));

  if (self->slot != slot)
    {
      if (self->slot != NULL)
        g_clear_signal_handler (&self->slot_handler, self->slot);
      g_set_object (&self->slot, slot);
      if (slot != NULL)
        self->slot_handler = g_signal_connect_swapped (slot, "notify::task", G_CALLBACK (slot_task_cb), self);
    }

  dailies_task_row_set_task (self, slot != NULL ? dailies_task_slot_get_task (slot) : NULL);
}

const char *
dailies_task_row_get_detail (DailiesTaskRow *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_ROW (self), NULL);

  return gtk_inscription_get_text (self->detail_label);
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

/* Opens @menu_model at (@x, @y), in the row's coordinates. The window
 * picks the row under a right click or a long press, one gesture for the
 * whole list rather than two on each of hundreds of rows. */
void
dailies_task_row_popup_menu (DailiesTaskRow *self,
                             GMenuModel     *menu_model,
                             double          x,
                             double          y)
{
  GdkRectangle where = { (int) x, (int) y, 1, 1 };

  g_return_if_fail (DAILIES_IS_TASK_ROW (self));
  g_return_if_fail (G_IS_MENU_MODEL (menu_model));

  if (self->menu == NULL)
    {
      self->menu = gtk_popover_menu_new_from_model (menu_model);
      gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
      gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
      gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
    }
  else
    {
      gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu), menu_model);
    }

  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &where);
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

static void
dailies_task_row_dispose (GObject *object)
{
  DailiesTaskRow *self = (DailiesTaskRow *)object;

  GtkWidget *child;

  dailies_task_row_set_slot (self, NULL);
  dailies_task_row_set_task (self, NULL);
  g_clear_pointer (&self->menu, gtk_widget_unparent);
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

  g_type_ensure (DAILIES_TYPE_ICON);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/dailies/Dailies/dailies-task-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, status_image);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, id_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, age_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskRow, detail_label);
}

static void
dailies_task_row_init (DailiesTaskRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->age_key = G_MININT64;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->id_label), TRUE);
  g_signal_connect_swapped (self->id_label, "query-tooltip", G_CALLBACK (id_query_tooltip_cb), self);
}
