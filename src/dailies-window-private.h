/* dailies-window-private.h
 *
 * The window's state, shared by the files that implement it by concern:
 * dailies-window.c (shell, list, selection), dailies-window-actions.c
 * (win.* actions and dialogs) and dailies-window-dnd.c (drops).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dailies-id-parser.h"
#include "dailies-import.h"
#include "dailies-task-list-model.h"
#include "dailies-task-view.h"
#include "dailies-window.h"

G_BEGIN_DECLS

struct _DailiesWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwLeaflet           *leaflet;
  AdwWindowTitle       *sidebar_title;
  GtkRevealer          *banner;
  GtkLabel             *banner_label;
  GtkButton            *banner_button;
  GtkListView          *list_view;
  GtkStack             *list_stack;
  GtkToggleButton      *search_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkDropDown          *status_dropdown;
  GtkStack             *content_stack;
  DailiesTaskView      *task_view;
  GMenuModel           *row_menu;          /* each row's context menu */
  GtkRevealer          *import_revealer;   /* a long import's progress */
  GtkLabel             *import_label;
  GtkProgressBar       *import_progress;

  /* Owned */
  GSettings            *settings;
  GtkSingleSelection   *selection;
  GCancellable         *cancellable;
  GtkWidget            *key_dialog;
  DailiesTask          *watched_task;      /* the selection, for its actions */
  gulong                watched_handler;
  gboolean              asked_for_key;
  DailiesTaskListModel *shown;             /* the store, searched and sorted */
  char                 *last_toast;        /* what the newest toast said */
  GStrv                 rejected_lines;    /* the last import's lines without an ID, for Details */
  DailiesImport        *import;            /* the one whose progress is shown */

  /* Borrowed from the application */
  DailiesTaskStore     *store;
  DailiesPoller        *poller;
  DailiesApiClient     *client;
};

void         _dailies_window_show_toast          (DailiesWindow        *self,
                                                  AdwToast             *toast);
void         _dailies_window_add_toast           (DailiesWindow        *self,
                                                  const char           *text);
DailiesTask *_dailies_window_get_selected_task   (DailiesWindow        *self);
void         _dailies_window_remove_tasks        (DailiesWindow        *self,
                                                  GPtrArray            *tasks);
void         _dailies_window_show_api_key_dialog (DailiesWindow        *self,
                                                  gboolean              rejected);
void         _dailies_window_class_init_actions  (GtkWidgetClass       *widget_class);
void         _dailies_window_import_text         (DailiesWindow        *self,
                                                  const char           *text);
void         _dailies_window_import_files        (DailiesWindow        *self,
                                                  GListModel           *files);
void         _dailies_window_show_task           (DailiesWindow        *self,
                                                  DailiesTask          *task);
void         _dailies_window_class_init_import   (GtkWidgetClass       *widget_class);
void         _dailies_window_class_init_search   (GtkWidgetClass       *widget_class);
GListModel  *_dailies_window_init_search         (DailiesWindow        *self);
void         _dailies_window_init_import         (DailiesWindow        *self);

G_END_DECLS
