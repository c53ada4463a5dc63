/* dailies-a11y.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-a11y.h"

/* GTK 4.8 names a button with a mnemonic by its raw label and then its
 * label child ("_Save As… Save As…"); the child alone reads right. */
static void
reset_label (GtkButton *button)
{
  if (gtk_button_get_use_underline (button) && gtk_button_get_child (button) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

/* A check button reads its raw label alone ("C_SV, for a spreadsheet"):
 * it is named by its label child instead. */
static void
relabel_check (GtkCheckButton *check)
{
  if (!gtk_check_button_get_use_underline (check))
    return;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (check));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child))
      {
        gtk_accessible_reset_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL);
        gtk_accessible_update_relation (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_RELATION_LABELLED_BY, child, NULL, -1);
        return;
      }
}

void
dailies_a11y_fix_button_names (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root) && gtk_button_get_use_underline (GTK_BUTTON (root)))
    {
      reset_label (GTK_BUTTON (root));
      /* Each new label sets the raw one again. */
      g_signal_connect (root, "notify::label", G_CALLBACK (reset_label), NULL);
    }
  else if (GTK_IS_CHECK_BUTTON (root))
    {
      relabel_check (GTK_CHECK_BUTTON (root));
      g_signal_connect (root, "notify::label", G_CALLBACK (relabel_check), NULL);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    dailies_a11y_fix_button_names (child);
}

void
dailies_a11y_name_drop_down (GtkDropDown *drop_down,
                             const char  *label)
{
  g_return_if_fail (GTK_IS_DROP_DOWN (drop_down));
  g_return_if_fail (label != NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (drop_down));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TOGGLE_BUTTON (child))
      gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}
