/* dailies-window-dnd.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-window-private.h"

/* Dropped files are read off the main thread, one after the other. */
static void
dropped_file_loaded_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(DailiesWindow) self = user_data;
  g_autoptr(DailiesIdParseResult) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = g_file_get_basename (G_FILE (object));

  bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, &error);
  if (bytes != NULL)
    parsed = dailies_id_parser_parse_bytes (bytes, &error);

  if (parsed == NULL)
    {
      /* Translators: a dropped file could not be used; %s are its name and the reason */
      g_autofree char *text = g_strdup_printf (_("“%s” holds no task IDs: %s"), name, error->message);

      g_message ("drop: %s: %s", name, error->message);
      _dailies_window_add_toast (self, text);
      return;
    }

  _dailies_window_add_parsed_ids (self, parsed);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         DailiesWindow *self)
{
  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      g_autoptr(DailiesIdParseResult) parsed = dailies_id_parser_parse_text (g_value_get_string (value), -1);

      _dailies_window_add_parsed_ids (self, parsed);
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        g_file_load_bytes_async (l->data, self->cancellable, dropped_file_loaded_cb, g_object_ref (self));
      return TRUE;
    }

  return FALSE;
}

void
_dailies_window_init_dnd (DailiesWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
