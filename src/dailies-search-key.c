/* dailies-search-key.c
 *
 * The text a search matches against. Made on the store's loading thread
 * for the tasks it reads (the first key typed after start-up would
 * otherwise fold 100,000 tasks on the main thread), and by the list for
 * the rest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-search-key.h"

/* Most IDs and models are ASCII, where folding is lowering: one
 * allocation, no conversion. */
static char *
fold_fields (const char * const *fields,
             guint               n_fields)
{
  gsize len = 0;
  gboolean ascii = TRUE;
  char *folded;
  char *p;

  for (guint i = 0; i < n_fields; i++)
    if (fields[i] != NULL)
      {
        for (const guchar *c = (const guchar *) fields[i]; *c != '\0'; c++, len++)
          ascii = ascii && *c < 0x80;
        len++;
      }

  if (!ascii)
    {
      g_autoptr(GString) joined = g_string_sized_new (len);

      for (guint i = 0; i < n_fields; i++)
        if (fields[i] != NULL)
          g_string_append_printf (joined, "%s%s", joined->len > 0 ? "\n" : "", fields[i]);
      return g_utf8_casefold (joined->str, joined->len);
    }

  p = folded = g_malloc (MAX (len, 1));
  for (guint i = 0; i < n_fields; i++)
    if (fields[i] != NULL)
      {
        if (p != folded)
          *p++ = '\n';
        /* Inline: g_ascii_tolower() is a call per character. */
        for (const char *c = fields[i]; *c != '\0'; c++)
          *p++ = *c >= 'A' && *c <= 'Z' ? *c + ('a' - 'A') : *c;
      }
  *p = '\0';

  return folded;
}

char *
dailies_search_key_for_task (DailiesTask *task)
{
  const char *fields[4];

  g_return_val_if_fail (DAILIES_IS_TASK (task), NULL);

  fields[0] = dailies_task_get_id (task);
  fields[1] = dailies_task_get_model (task);
  fields[2] = dailies_task_get_fail_reason (task);
  /* NULL at once for a finished task, and read once for a running one. */
  fields[3] = dailies_task_get_upstream_problem (task);

  return fold_fields (fields, G_N_ELEMENTS (fields));
}
