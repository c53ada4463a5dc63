/* dailies-test-ui.h
 *
 * Finding the widgets a UI test drives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdarg.h>

#include <gtk/gtk.h>

#include "dailies-application.h"
#include "dailies-task.h"
#include "dailies-window.h"

G_BEGIN_DECLS

typedef gboolean (*DailiesTestWidgetMatch) (GtkWidget     *widget,
                                            gconstpointer  data);

/* The first widget under @widget, itself included, that @match accepts. */
GtkWidget          *dailies_test_find_widget_where (GtkWidget              *widget,
                                                    DailiesTestWidgetMatch  match,
                                                    gconstpointer           data);
/* The first button on screen under @widget labelled @label (with its
 * mnemonic, as "_Undo"), or NULL. */
GtkWidget          *dailies_test_find_button       (GtkWidget              *widget,
                                                    const char             *label);
/* The toast on screen under @widget titled @title, or NULL; with @up,
 * only one that is up (one fading out takes no clicks). */
GtkWidget          *dailies_test_find_toast        (GtkWidget              *widget,
                                                    const char             *title,
                                                    gboolean                up);
/* The first widget of @type under @widget with the CSS class @css_class
 * (if not NULL), or NULL. */
GtkWidget          *dailies_test_find_widget       (GtkWidget              *widget,
                                                    GType                   type,
                                                    const char             *css_class);
/* The task row under @widget (a list) that shows @task, or NULL: a row
 * GTK has bound to it. */
GtkWidget          *dailies_test_find_row_of      (GtkWidget              *widget,
                                                    DailiesTask            *task);
/* The task a list view's model (its slots) shows at @position: a new
 * reference, or NULL past its end. */
DailiesTask        *dailies_test_listed_task      (GListModel             *model,
                                                    guint                   position);
/* The first toplevel window of @type, or NULL. */
GtkWindow          *dailies_test_find_toplevel    (GType      type);
/* Waits (10 s at most, asserted) for a window of @type on screen. */
GtkWindow          *dailies_test_wait_for_toplevel (GType    type);
/* In GTK's own file chooser (only test-portal has GTK use the portal), as a
 * person would, through its API rather than typed keys; then its Accept,
 * and it goes. dailies_test_choose_in_file_chooser() picks @folder, or
 * saves as @name in it (the whole path typed into the name field);
 * dailies_test_open_in_file_chooser() opens @file. */
void                dailies_test_choose_in_file_chooser (GFile      *folder,
                                                         const char *name);
void                dailies_test_open_in_file_chooser   (GFile      *file);
/* The first event controller of @type on @widget, or NULL. */
GtkEventController *dailies_test_find_controller  (GtkWidget *widget,
                                                   GType      type);

/* Runs `xdotool windowfocus --sync XID ARGS…` on @window (ARGS
 * NULL-terminated): keys and clicks as a person's, through XTEST. Waits
 * until it is done and @window has drawn what changed. X11 only. */
void                dailies_test_xdotool          (GtkWidget          *window,
                                                   const char         *first,
                                                   ...) G_GNUC_NULL_TERMINATED;
void                dailies_test_xdotool_valist   (GtkWidget          *window,
                                                   const char         *first,
                                                   va_list             args);
/* The same on another process's window, by its X11 @xid; it waits for
 * xdotool only. */
void                dailies_test_xdotool_on       (const char         *xid,
                                                   const char         *first,
                                                   ...) G_GNUC_NULL_TERMINATED;
/* @window's X11 id, as xdotool takes it. */
char               *dailies_test_xid              (GtkWidget          *window);

/* Waits for @widget's window to lay out and draw what changed. */
void                dailies_test_wait_for_frames  (GtkWidget          *widget);
/* Renders @window, frame and background included, as its renderer draws
 * it, and saves it as @name in the build dir to look at by hand. */
GdkTexture         *dailies_test_screenshot       (GtkWidget          *window,
                                                   const char         *name);

/* The log writer UI tests run with: g_log_writer_default(), but for GTK
 * 4.8's "Trying to snapshot … without a current allocation" warning,
 * printed and not fatal. dailies_test_set_log_writer() sets @func (NULL:
 * this one) once per process; a test's own writer ends in this one. */
GLogWriterOutput    dailies_test_log_writer       (GLogLevelFlags      log_level,
                                                   const GLogField    *fields,
                                                   gsize               n_fields,
                                                   gpointer            user_data);
void                dailies_test_set_log_writer   (GLogWriterFunc      func);

/* Runs @app with @argv (NULL-terminated, argv[0] first); once it is
 * activated, @func runs from the main loop, then the app quits. Asserts
 * that it ran and that the app exited with 0. */
typedef void (*DailiesTestAppFunc) (DailiesApplication *app,
                                    gpointer            data);
void                dailies_test_run_app          (DailiesApplication *app,
                                                   const char * const *argv,
                                                   DailiesTestAppFunc  func,
                                                   gpointer            data);
/* Waits (10 s at most, asserted) for @app's active window to be mapped. */
GtkWindow          *dailies_test_wait_for_window  (GtkApplication     *app);
/* Waits until @window's last toast says @words (as a part of it), or
 * fails the test after @timeout_ms, naming what the last toast said. */
void                dailies_test_wait_for_toast   (DailiesWindow      *window,
                                                   const char         *words,
                                                   guint               timeout_ms);

/* How many tasks the --demo server adds. */
#define DAILIES_TEST_N_DEMO_TASKS 10
/* For dailies_test_wait_until() with a DailiesApplication: its store holds
 * the demo's tasks; every task has ended (or its model's service stopped
 * it, which the gateway still calls running until its timeout). */
gboolean            dailies_test_app_has_demo_tasks (gpointer          app);
gboolean            dailies_test_app_tasks_settled  (gpointer          app);
/* Whether Save Videos To… has a video to save for @task: it succeeded,
 * with a kept copy or a link that still works. */
gboolean            dailies_test_task_has_video     (DailiesTask       *task);
/* Adds @id, which the demo server answers as a task of its own (with
 * dailies_demo_server_set_answer_any()), and waits for the poller's
 * answer, a link. The store keeps the task. */
DailiesTask        *dailies_test_add_answered_task  (DailiesApplication *app,
                                                     const char         *id);

G_END_DECLS
