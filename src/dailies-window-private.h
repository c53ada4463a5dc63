/* dailies-window-private.h
 *
 * The window's state, shared by the files that implement it by concern:
 * dailies-window.c (shell, list, selection), dailies-window-actions.c
 * (win.* actions and dialogs), dailies-window-bulk.c (actions on the
 * selection, export) and dailies-window-dnd.c (drops).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dailies-id-parser.h"
#include "dailies-import.h"
#include "dailies-task-list-model.h"
#include "dailies-task-selection.h"
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
  AdwStatusPage        *no_match_page;     /* the list's page when a search finds nothing */
  GtkToggleButton      *search_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkDropDown          *status_dropdown;
  GtkStack             *content_stack;
  DailiesTaskView      *task_view;
  AdwStatusPage        *selection_page;    /* "N Tasks Selected", with the bulk actions */
  GMenuModel           *row_menu;          /* each row's context menu */
  GMenuModel           *selection_menu;    /* the same, on a selection of several */
  GtkRevealer          *import_revealer;   /* a long import's progress */
  GtkLabel             *import_label;
  GtkProgressBar       *import_progress;

  /* Owned */
  GSettings            *settings;
  DailiesTaskSelection *selection;
  guint                 n_selected;
  gboolean              task_moved;        /* an answer is moving a task: see selection_changed_cb */
  GCancellable         *cancellable;
  GtkWidget            *key_dialog;
  DailiesTask          *watched_task;      /* the one task in the pane, for its actions */
  gulong                watched_handler;
  gboolean              asked_for_key;
  DailiesTaskListModel *shown;             /* the store, searched and sorted */
  char                 *last_toast;        /* what the newest toast said */
  AdwToast             *undo_toast;        /* the last removal's, while shown (weak): Ctrl+Z */
  AdwToast             *text_toast;        /* the newest plain toast, while shown (weak) */
  AdwToast             *summary_toast;     /* the last import's summary, while shown or waiting (weak) */
  GQueue                waiting_toasts;    /* AdwToast, for the next frame to be drawn first */
  GdkFrameClock        *toast_clock;       /* whose after-paint shows them */
  gulong                toast_paint_handler;
  guint                 toast_source;      /* shows them, once the frame is out */
  /* The last import's, for Details */
  GStrv                 import_problems;   /* the lists not read in full */
  GStrv                 import_in_comments; /* the IDs read from comments */
  GStrv                 import_rejected;   /* the lines without an ID */
  GCancellable         *saving;            /* Save Videos To… under way, else NULL */
  DailiesImport        *import;            /* the one running, whose progress is shown */
  GQueue                waiting_imports;   /* DailiesImport, each after the one before */
  GPtrArray            *row_pool;          /* DailiesTaskRow given back by the list, to reuse */
  gboolean              keep_spare_rows;   /* from the first frame on */
  GdkFrameClock        *prefill_clock;     /* whose first after-paint starts the prefill */
  gulong                prefill_paint_handler;
  guint                 prefill_source;    /* builds rows ahead, in idle time */

  /* Borrowed from the application */
  DailiesTaskStore     *store;
  DailiesPoller        *poller;
  DailiesApiClient     *client;
};

void         _dailies_window_show_toast          (DailiesWindow        *self,
                                                  AdwToast             *toast);
void         _dailies_window_show_toast_after_frame (DailiesWindow     *self,
                                                     AdwToast          *toast);
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
void         _dailies_window_class_init_bulk     (GtkWidgetClass       *widget_class);
void         _dailies_window_init_bulk           (DailiesWindow        *self);
/* The selected tasks in list order; costs what is selected, not the list. */
GPtrArray   *_dailies_window_dup_selected_tasks  (DailiesWindow        *self);
/* The tasks the list shows, after search and filter, in list order. */
GPtrArray   *_dailies_window_dup_shown_tasks     (DailiesWindow        *self);
/* Check Again and Copy IDs for @tasks, each with a toast giving the count. */
void         _dailies_window_refresh_tasks       (DailiesWindow        *self,
                                                  GPtrArray            *tasks);
void         _dailies_window_copy_ids            (DailiesWindow        *self,
                                                  GPtrArray            *tasks);
/* Asks once, naming the count, then removes @tasks with one Undo toast. */
void         _dailies_window_confirm_remove      (DailiesWindow        *self,
                                                  GPtrArray            *tasks);
/* Enables the bulk actions for self->n_selected. */
void         _dailies_window_update_bulk_actions (DailiesWindow        *self);
GListModel  *_dailies_window_init_search         (DailiesWindow        *self);
void         _dailies_window_init_import         (DailiesWindow        *self);

G_END_DECLS
