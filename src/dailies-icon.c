/* dailies-icon.c
 *
 * A 16-pixel icon in the colour its style gives it, as GtkImage draws a
 * symbolic icon, with no baseline. GTK 4.8's GtkImage asks Pango for the
 * font's metrics, to place a baseline nothing here aligns to, after each
 * change of its style: a task row's icons did so whenever the row was
 * bound to a task in another state or joined the list, a tenth of a
 * search key that brings 100 rows more (tests/bench/README.md). Only the
 * colour is read from the style: not GtkImage's other icon properties
 * (-gtk-icon-palette, -shadow, -filter, -transform), which the rows'
 * styles do not set (test-task-row compares the two).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-icon.h"

#define ICON_SIZE 16

struct _DailiesIcon
{
  GtkWidget         parent_instance;

  GIcon            *gicon;
  char             *icon_name;   /* when given by name */
  GtkIconPaintable *paintable;   /* looked up when first drawn */
};

G_DEFINE_FINAL_TYPE (DailiesIcon, dailies_icon, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ICON_NAME,
  PROP_GICON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The theme is asked again at the next draw: its icon for this size,
 * scale and direction may differ. */
static void
forget_paintable (DailiesIcon *self)
{
  g_clear_object (&self->paintable);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dailies_icon_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  *minimum = *natural = ICON_SIZE;
}

static void
get_foreground (GtkWidget *widget,
                GdkRGBA   *color)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
#endif
}

static void
dailies_icon_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  DailiesIcon *self = DAILIES_ICON (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int size = MIN (MIN (width, height), ICON_SIZE);
  /* The foreground, then GTK's own success, warning and error colours
   * (GtkImage's, unless the style sets a palette; Adwaita's symbolic
   * icons use the first alone). */
  GdkRGBA colors[4] = {
    { 0, 0, 0, 1 },
    { 0.3059, 0.6039, 0.0235, 1 },
    { 0.9608, 0.4745, 0, 1 },
    { 0.8, 0, 0, 1 },
  };

  if (self->gicon == NULL || size <= 0)
    return;

  if (self->paintable == NULL)
    self->paintable = gtk_icon_theme_lookup_by_gicon (gtk_icon_theme_get_for_display (gtk_widget_get_display (widget)),
                                                      self->gicon, ICON_SIZE,
                                                      gtk_widget_get_scale_factor (widget),
                                                      gtk_widget_get_direction (widget), 0);
  if (self->paintable == NULL)
    return;

  get_foreground (widget, &colors[0]);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((width - size) / 2, (height - size) / 2));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (self->paintable), snapshot, size, size,
                                            colors, G_N_ELEMENTS (colors));
  gtk_snapshot_restore (snapshot);
}

/* A new colour (a state's class) is drawn; nothing is measured again. */
static void
dailies_icon_css_changed (GtkWidget         *widget,
                          GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (dailies_icon_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

static void
dailies_icon_direction_changed (GtkWidget        *widget,
                                GtkTextDirection  previous_direction)
{
  GTK_WIDGET_CLASS (dailies_icon_parent_class)->direction_changed (widget, previous_direction);
  forget_paintable (DAILIES_ICON (widget));
}

static void
dailies_icon_system_setting_changed (GtkWidget        *widget,
                                     GtkSystemSetting  setting)
{
  GTK_WIDGET_CLASS (dailies_icon_parent_class)->system_setting_changed (widget, setting);
  if (setting == GTK_SYSTEM_SETTING_ICON_THEME)
    forget_paintable (DAILIES_ICON (widget));
}

static void
dailies_icon_dispose (GObject *object)
{
  DailiesIcon *self = DAILIES_ICON (object);

  g_clear_object (&self->paintable);
  g_clear_object (&self->gicon);

  G_OBJECT_CLASS (dailies_icon_parent_class)->dispose (object);
}

static void
dailies_icon_finalize (GObject *object)
{
  DailiesIcon *self = DAILIES_ICON (object);

  g_free (self->icon_name);

  G_OBJECT_CLASS (dailies_icon_parent_class)->finalize (object);
}

static void
dailies_icon_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DailiesIcon *self = DAILIES_ICON (object);

  switch (prop_id)
    {
    case PROP_ICON_NAME:
      g_value_set_string (value, self->icon_name);
      break;
    case PROP_GICON:
      g_value_set_object (value, self->gicon);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_icon_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DailiesIcon *self = DAILIES_ICON (object);

  switch (prop_id)
    {
    case PROP_ICON_NAME:
      dailies_icon_set_icon_name (self, g_value_get_string (value));
      break;
    case PROP_GICON:
      dailies_icon_set_gicon (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_icon_class_init (DailiesIconClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dailies_icon_dispose;
  object_class->finalize = dailies_icon_finalize;
  object_class->get_property = dailies_icon_get_property;
  object_class->set_property = dailies_icon_set_property;

  widget_class->measure = dailies_icon_measure;
  widget_class->snapshot = dailies_icon_snapshot;
  widget_class->css_changed = dailies_icon_css_changed;
  widget_class->direction_changed = dailies_icon_direction_changed;
  widget_class->system_setting_changed = dailies_icon_system_setting_changed;

  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_GICON] =
    g_param_spec_object ("gicon", NULL, NULL, G_TYPE_ICON,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Styled as an image: `image.accent` and the like apply to it. */
  gtk_widget_class_set_css_name (widget_class, "image");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
scale_factor_changed_cb (DailiesIcon *self,
                         GParamSpec  *pspec,
                         gpointer     user_data)
{
  forget_paintable (self);
}

static void
dailies_icon_init (DailiesIcon *self)
{
  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (scale_factor_changed_cb), NULL);
}

GtkWidget *
dailies_icon_new (void)
{
  return g_object_new (DAILIES_TYPE_ICON, NULL);
}

const char *
dailies_icon_get_icon_name (DailiesIcon *self)
{
  g_return_val_if_fail (DAILIES_IS_ICON (self), NULL);

  return self->icon_name;
}

/* Sets the icon and says what changed; @icon_name is copied. */
static void
set_icon (DailiesIcon *self,
          GIcon       *gicon,
          const char  *icon_name)
{
  gboolean had_name = self->icon_name != NULL;

  g_set_object (&self->gicon, gicon);
  g_free (self->icon_name);
  self->icon_name = g_strdup (icon_name);
  forget_paintable (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GICON]);
  if (had_name || icon_name != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_NAME]);
}

void
dailies_icon_set_icon_name (DailiesIcon *self,
                            const char  *icon_name)
{
  g_autoptr(GIcon) gicon = NULL;

  g_return_if_fail (DAILIES_IS_ICON (self));

  if (g_strcmp0 (icon_name, self->icon_name) == 0)
    return;

  if (icon_name != NULL)
    gicon = g_themed_icon_new (icon_name);
  set_icon (self, gicon, icon_name);
}

GIcon *
dailies_icon_get_gicon (DailiesIcon *self)
{
  g_return_val_if_fail (DAILIES_IS_ICON (self), NULL);

  return self->gicon;
}

void
dailies_icon_set_gicon (DailiesIcon *self,
                        GIcon       *gicon)
{
  g_return_if_fail (DAILIES_IS_ICON (self));
  g_return_if_fail (gicon == NULL || G_IS_ICON (gicon));

  if (gicon == self->gicon && self->icon_name == NULL)
    return;

  set_icon (self, gicon, NULL);
}
