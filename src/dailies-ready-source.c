/* dailies-ready-source.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-ready-source.h"

static gboolean
ready_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  /* Blocked while it runs: setting the time wakes nothing. The callback
   * may set the next one. */
  g_source_set_ready_time (source, -1);

  return callback (user_data);
}

static GSourceFuncs ready_source_funcs = {
  .dispatch = ready_source_dispatch,
};

GSource *
dailies_ready_source_new (const char   *name,
                          int           priority,
                          GSourceFunc   callback,
                          gpointer      user_data,
                          GMainContext *context)
{
  GSource *source = g_source_new (&ready_source_funcs, sizeof (GSource));

  g_source_set_static_name (source, name);
  g_source_set_priority (source, priority);
  g_source_set_callback (source, callback, user_data, NULL);
  g_source_attach (source, context);

  return source;
}
