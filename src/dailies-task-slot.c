/* dailies-task-slot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-task.h"
#include "dailies-task-slot.h"

struct _DailiesTaskSlot
{
  GObject      parent_instance;

  DailiesTask         *task;
  DailiesTaskSlotGone  gone;
  gpointer             owner;
};

G_DEFINE_FINAL_TYPE (DailiesTaskSlot, dailies_task_slot, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TASK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dailies_task_slot_finalize (GObject *object)
{
  DailiesTaskSlot *self = DAILIES_TASK_SLOT (object);

  if (self->gone != NULL)
    self->gone (self->owner, self);
  g_clear_object (&self->task);

  G_OBJECT_CLASS (dailies_task_slot_parent_class)->finalize (object);
}

static void
dailies_task_slot_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DailiesTaskSlot *self = DAILIES_TASK_SLOT (object);

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
dailies_task_slot_class_init (DailiesTaskSlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dailies_task_slot_finalize;
  object_class->get_property = dailies_task_slot_get_property;

  properties[PROP_TASK] =
    g_param_spec_object ("task", NULL, NULL,
                         DAILIES_TYPE_TASK,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dailies_task_slot_init (DailiesTaskSlot *self)
{
}

DailiesTaskSlot *
dailies_task_slot_new (DailiesTask *task)
{
  DailiesTaskSlot *self;

  g_return_val_if_fail (DAILIES_IS_TASK (task), NULL);

  self = g_object_new (DAILIES_TYPE_TASK_SLOT, NULL);
  self->task = g_object_ref (task);

  return self;
}

DailiesTask *
dailies_task_slot_get_task (DailiesTaskSlot *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_SLOT (self), NULL);

  return self->task;
}

void
dailies_task_slot_set_task (DailiesTaskSlot *self,
                            DailiesTask     *task)
{
  g_return_if_fail (DAILIES_IS_TASK_SLOT (self));
  g_return_if_fail (task == NULL || DAILIES_IS_TASK (task));

  /* Let go of (NULL), it has no one to tell. */
  if (g_set_object (&self->task, task) && task != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
}

void
dailies_task_slot_reuse (DailiesTaskSlot *self,
                         DailiesTask     *task)
{
  g_return_if_fail (DAILIES_IS_TASK_SLOT (self));
  g_return_if_fail (DAILIES_IS_TASK (task));

  g_set_object (&self->task, task);
}

void
dailies_task_slot_set_owner (DailiesTaskSlot     *self,
                             DailiesTaskSlotGone  gone,
                             gpointer             owner)
{
  g_return_if_fail (DAILIES_IS_TASK_SLOT (self));

  self->gone = gone;
  self->owner = owner;
}
