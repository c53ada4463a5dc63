/* test-task-row.c
 *
 * What a task's row and detail view show for the answers the real gateway
 * writes (tests/data/), on a real display (Xvfb): the most specific failure
 * reason, an upstream that stopped under IN_PROGRESS, a task running for
 * hours, and the last frame's link.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <gst/gst.h>
#include <libsoup/soup.h>
#include <string.h>

#include "dailies-icon.h"
#include "dailies-player.h"
#include "dailies-task-row.h"
#include "dailies-task-view.h"
#include "dailies-test-ui.h"
#include "dailies-test-utils.h"

typedef struct
{
  GtkWindow       *window;
  DailiesTaskRow  *row;
  DailiesTaskView *view;
  DailiesTask     *task;
} Fixture;

static gboolean
window_is_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  f->window = GTK_WINDOW (gtk_window_new ());
  f->row = DAILIES_TASK_ROW (dailies_task_row_new ());
  f->view = DAILIES_TASK_VIEW (dailies_task_view_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (f->view), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->row));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->view));
  gtk_window_set_default_size (f->window, 720, 800);
  gtk_window_set_child (f->window, box);
  gtk_window_present (f->window);
  g_assert_true (dailies_test_wait_until (window_is_mapped, f->window, 5000));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  dailies_task_row_set_task (f->row, NULL);
  dailies_task_view_set_task (f->view, NULL);
  gtk_window_destroy (f->window);
  g_clear_object (&f->task);
}

/* The task as the poller leaves it after @body, shown in the row and the view. */
static void
show_answer (Fixture    *f,
             const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), &error);

  g_assert_no_error (error);
  if (f->task == NULL)
    {
      f->task = dailies_task_new (response->task_id);
      dailies_task_row_set_task (f->row, f->task);
      dailies_task_view_set_task (f->view, f->task);
    }
  dailies_task_apply_response (f->task, response, body, 200, g_get_real_time () / G_USEC_PER_SEC);
}

static void
show_fixture (Fixture    *f,
              const char *name)
{
  g_autofree char *body = dailies_test_load_fixture_text (name);

  show_answer (f, body);
}

/* The row's second line: its only caption inscription. */
static GtkWidget *
row_detail (Fixture *f)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (f->row));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_INSCRIPTION (child) && gtk_widget_has_css_class (child, "caption"))
      return child;

  g_assert_not_reached ();
}

static const char *
row_detail_text (Fixture *f)
{
  return gtk_inscription_get_text (GTK_INSCRIPTION (row_detail (f)));
}

/* The first widget under @widget, depth first, for which @match holds. */
static GtkWidget *
find_widget (GtkWidget *widget,
             gboolean (*match) (GtkWidget *widget))
{
  if (match (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_timeout_hint (GtkWidget *widget)
{
  return GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)),
                    "The service stopped waiting for this task after 1440 minutes and refunded it.") == 0;
}

static void
test_failure_reasons (Fixture       *f,
                      gconstpointer  data)
{
  struct { const char *fixture; const char *reason; } cases[] = {
    { "response-failure-generic.json",
      "The request failed because the output video may contain sensitive information. (OutputVideoSensitiveContentDetected)" },
    { "response-failure-result-text.json", "The first frame image could not be downloaded: HTTP 403" },
    { "response-failure-timeout.json", "任务超时（1440分钟）" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u: %s", i, cases[i].fixture);
      g_clear_object (&f->task);
      show_fixture (f, cases[i].fixture);

      /* The most specific reason, in the row and in the view; never a link. */
      g_assert_cmpstr (row_detail_text (f), ==, cases[i].reason);
      g_assert_true (gtk_widget_has_css_class (row_detail (f), "error"));
      g_assert_false (gtk_widget_has_css_class (row_detail (f), "warning"));
      g_assert_cmpstr (dailies_task_view_get_shown_fail_reason (f->view), ==, cases[i].reason);
      g_assert_null (dailies_task_view_get_shown_attention (f->view));
      g_assert_null (dailies_task_get_result_url (f->task));
    }

  /* The timeout's words are Chinese whatever the language: the view says them again. */
  g_assert_nonnull (find_widget (GTK_WIDGET (f->view), is_timeout_hint));
  g_clear_object (&f->task);
  show_fixture (f, "response-failure-generic.json");
  g_assert_null (find_widget (GTK_WIDGET (f->view), is_timeout_hint));
}

/* A Seedance task generating since @start_time. */
static char *
running_since (const char *task_id,
               gint64      start_time)
{
  return g_strdup_printf ("{\"code\":\"success\",\"data\":{\"task_id\":\"%s\","
                          "\"status\":\"IN_PROGRESS\",\"progress\":\"50%%\",\"submit_time\":%" G_GINT64_FORMAT ","
                          "\"start_time\":%" G_GINT64_FORMAT ",\"data\":{\"status\":\"running\"}}}",
                          task_id, start_time - 5, start_time);
}

static void
test_upstream_problem (Fixture       *f,
                       gconstpointer  data)
{
  const char *attention;
  g_autofree char *details = NULL;

  show_fixture (f, "response-upstream-cancelled.json");

  /* The gateway says IN_PROGRESS 30%; the row says what is really going on. */
  g_assert_cmpint (dailies_task_get_status (f->task), ==, DAILIES_TASK_STATUS_IN_PROGRESS);
  g_assert_cmpstr (row_detail_text (f), ==, "Cancelled by the model’s service · will fail within 24 h");
  g_assert_true (gtk_widget_has_css_class (row_detail (f), "warning"));
  g_assert_false (gtk_widget_has_css_class (row_detail (f), "error"));

  /* The view says what it means: failed and refunded by the gateway's deadline. */
  attention = dailies_task_view_get_shown_attention (f->view);
  g_assert_nonnull (attention);
  g_assert_true (g_str_has_prefix (attention, "Cancelled by the model’s service\n\n"));
  g_assert_nonnull (strstr (attention, "refund"));
  g_assert_nonnull (strstr (attention, "nothing to wait for"));
  g_assert_null (dailies_task_view_get_shown_fail_reason (f->view));

  details = dailies_task_view_dup_support_details (f->task);
  g_assert_nonnull (strstr (details, "Upstream problem: Cancelled by the model’s service\n"));

  /* The upstream answers again: the warning goes. */
  {
    g_autofree char *body = running_since (dailies_task_get_id (f->task), g_get_real_time () / G_USEC_PER_SEC - 60);

    show_answer (f, body);
  }
  g_assert_cmpstr (row_detail_text (f), ==, "Generating · 50%");
  g_assert_false (gtk_widget_has_css_class (row_detail (f), "warning"));
  g_assert_null (dailies_task_view_get_shown_attention (f->view));

  /* An error object under IN_PROGRESS, with the upstream's words. */
  g_clear_object (&f->task);
  show_fixture (f, "response-upstream-error.json");
  g_assert_true (g_str_has_prefix (row_detail_text (f),
                                   "Error at the model’s service: The specified task was not found or has expired."));
  g_assert_true (gtk_widget_has_css_class (row_detail (f), "warning"));
  g_assert_nonnull (strstr (dailies_task_view_get_shown_attention (f->view), "(ResourceNotFound)"));
}

static void
test_probably_stuck (Fixture       *f,
                     gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *minutes = running_since ("asyntask_St1llRunn1ngAbCdEfGhIjKlMnOpQrStU", now - 10 * 60);
  g_autofree char *hours = running_since ("asyntask_St1llRunn1ngAbCdEfGhIjKlMnOpQrStU", now - 3 * 60 * 60 - 60);
  const char *attention;

  show_answer (f, minutes);
  g_assert_null (dailies_task_view_get_shown_attention (f->view));

  show_answer (f, hours);
  attention = dailies_task_view_get_shown_attention (f->view);
  g_assert_nonnull (attention);
  g_assert_nonnull (strstr (attention, "not finished in 3 hours"));
  g_assert_nonnull (strstr (attention, "probably stuck"));
  g_assert_nonnull (strstr (attention, "refund"));
  /* Only the detail view says so; the row keeps its progress. */
  g_assert_cmpstr (row_detail_text (f), ==, "Generating · 50%");
}

static void
clipboard_text_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(char **) user_data = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
}

static gboolean
is_last_frame_row (GtkWidget *widget)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), "Last frame") == 0;
}

static gboolean
is_copy_last_frame_button (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "view.copy-last-frame") == 0;
}

/* The re-serialised answer with a link signed and a task finished @ago seconds ago. */
static char *
last_frame_answer (gint64 ago)
{
  g_autofree char *body = dailies_test_load_fixture_text ("response-reserialised.json");
  g_autoptr(GDateTime) signed_at = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC - ago);
  g_autofree char *tos_date = g_date_time_format (signed_at, "%Y%m%dT%H%M%SZ");
  g_autofree char *finish_time = g_strdup_printf ("\"finish_time\":%" G_GINT64_FORMAT, g_date_time_to_unix (signed_at));
  struct { const char *from; const char *to; } changes[] = {
    /* The video itself on a closed local port: this test is about the frame's link. */
    { "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/video.mp4", "http://127.0.0.1:1/video.mp4" },
    { "20260427T111955Z", tos_date },
    { "\"finish_time\":1777288800", finish_time },
  };
  char *text = g_steal_pointer (&body);

  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_auto(GStrv) parts = g_strsplit (text, changes[i].from, -1);

      g_assert_cmpuint (g_strv_length (parts), >, 1);
      g_free (text);
      text = g_strjoinv (changes[i].to, parts);
    }

  return text;
}

/* A video host that refuses every link, as once they lapsed; counts the
 * asks for the original render. */
static void
refusing_host_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  if (g_str_has_suffix (path, "/raw-480p.mp4"))
    (*(guint *) user_data)++;
  soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_STATIC,
                                    "<Error><Code>AccessDenied</Code></Error>",
                                    strlen ("<Error><Code>AccessDenied</Code></Error>"));
}

static gboolean
is_original_toggle (GtkWidget *widget)
{
  return GTK_IS_TOGGLE_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "Original") == 0;
}

static gboolean
is_final_toggle (GtkWidget *widget)
{
  return GTK_IS_TOGGLE_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "Final") == 0;
}

static gboolean
says_original_lapsed (gpointer user_data)
{
  const char *state = dailies_task_view_get_shown_link_state (user_data);

  return state != NULL && strstr (state, "original render") != NULL;
}

/* An ultra task's Original, refused by its host (403): the view says that
 * the original's link lapsed, instead of a player stuck on an error; the
 * final link is not judged by it, and Final shows the player again. */
static void
test_original_link_refused (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SoupServer) host = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *body = dailies_test_load_fixture_text ("response-success-ultra.json");
  g_autofree char *final_url = NULL;
  g_autofree char *original_url = NULL;
  GtkToggleButton *original;
  GtkToggleButton *final;
  guint n_original_asks = 0;
  struct { const char *from; char *to; } changes[2];

  soup_server_add_handler (host, NULL, refusing_host_cb, &n_original_asks, NULL);
  soup_server_listen_local (host, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (host);
  /* Valid by its signature for another day. */
  final_url = g_strdup_printf ("http://127.0.0.1:%d/sr/final-720p.mp4?Expires=%" G_GINT64_FORMAT "&Signature=def",
                               g_uri_get_port (uris->data), g_get_real_time () / G_USEC_PER_SEC + 24 * 60 * 60);
  original_url = g_strdup_printf ("http://127.0.0.1:%d/example/raw-480p.mp4?X-Tos-Signature=ghi",
                                  g_uri_get_port (uris->data));
  changes[0].from = "https://media.example-cdn.com/sr/final-720p.mp4?Expires=1777375200&Signature=def";
  changes[0].to = final_url;
  changes[1].from = "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/raw-480p.mp4?X-Tos-Signature=ghi";
  changes[1].to = original_url;
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_auto(GStrv) parts = g_strsplit (body, changes[i].from, -1);

      g_assert_cmpuint (g_strv_length (parts), >, 1);
      g_free (body);
      body = g_strjoinv (changes[i].to, parts);
    }

  show_answer (f, body);
  original = GTK_TOGGLE_BUTTON (find_widget (GTK_WIDGET (f->view), is_original_toggle));
  final = GTK_TOGGLE_BUTTON (find_widget (GTK_WIDGET (f->view), is_final_toggle));
  g_assert_nonnull (original);
  g_assert_nonnull (final);
  g_assert_null (dailies_task_view_get_shown_link_state (f->view));

  gtk_toggle_button_set_active (original, TRUE);
  g_assert_cmpstr (dailies_player_get_uri (DAILIES_PLAYER (dailies_task_view_get_player (f->view))), ==, original_url);
  g_assert_true (dailies_test_wait_until (says_original_lapsed, f->view, 15000));
  g_assert_cmpuint (n_original_asks, >=, 1);
  g_assert_false (gtk_widget_get_visible (dailies_task_view_get_player (f->view)));
  /* Only the original's: the final link keeps what its signature says. */
  g_assert_cmpint (dailies_task_get_link_lapsed (f->task), ==, 0);
  g_assert_false (dailies_task_is_link_expired (f->task, g_get_real_time () / G_USEC_PER_SEC));

  gtk_toggle_button_set_active (final, TRUE);
  g_assert_false (says_original_lapsed (f->view));
  g_assert_cmpstr (dailies_player_get_uri (DAILIES_PLAYER (dailies_task_view_get_player (f->view))), ==, final_url);

  /* Asked for again, the refused original is not tried again. */
  gtk_toggle_button_set_active (original, TRUE);
  g_assert_true (says_original_lapsed (f->view));

  dailies_task_view_set_task (f->view, NULL);
  soup_server_disconnect (host);
}

static gboolean
is_kept_label (GtkWidget *widget)
{
  return GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), "Kept at ");
}

/* A copy under the home folder is shown as ~/…, so a shared screen shows
 * no user name; the full path is in the tooltip. Elsewhere it is shown whole. */
static void
test_kept_path_short (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *home_path = g_build_filename (g_get_home_dir (), "Videos", "Dailies", "a.mp4", NULL);
  g_autofree char *expected = g_strdup_printf ("Kept at ~%sVideos%sDailies%sa.mp4",
                                               G_DIR_SEPARATOR_S, G_DIR_SEPARATOR_S, G_DIR_SEPARATOR_S);
  g_autofree char *lookalike = g_strconcat (g_get_home_dir (), "x", G_DIR_SEPARATOR_S, "a.mp4", NULL);
  g_autofree char *lookalike_text = g_strconcat ("Kept at ", lookalike, NULL);
  GtkWidget *label;

  show_fixture (f, "response-success.json");
  dailies_task_set_local_path (f->task, home_path);
  label = find_widget (GTK_WIDGET (f->view), is_kept_label);
  g_assert_nonnull (label);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, expected);
  g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (label)), g_get_home_dir ()));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (label), ==, home_path);

  /* A folder whose name only starts like the home folder's. */
  dailies_task_set_local_path (f->task, lookalike);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, lookalike_text);

  dailies_task_set_local_path (f->task, NULL);
  g_assert_null (gtk_widget_get_tooltip_text (label));
}

static void
test_last_frame (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *fresh = last_frame_answer (60);
  g_autofree char *lapsed = last_frame_answer (25 * 60 * 60);
  g_autofree char *copied = NULL;
  GtkWidget *row = find_widget (GTK_WIDGET (f->view), is_last_frame_row);
  GtkWidget *button = find_widget (GTK_WIDGET (f->view), is_copy_last_frame_button);

  g_assert_nonnull (row);
  g_assert_nonnull (button);

  /* No return_last_frame: no row. */
  show_fixture (f, "response-success.json");
  g_assert_false (gtk_widget_is_visible (row));
  g_assert_false (gtk_widget_is_sensitive (button));
  g_clear_object (&f->task);

  show_answer (f, fresh);
  g_assert_true (gtk_widget_is_visible (row));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (f->view)), NULL, clipboard_text_cb, &copied);
  g_assert_true (dailies_test_wait_for_pointer ((gpointer *) &copied, 5000));
  /* \u0026 in the answer is a plain & in the link. */
  g_assert_true (g_str_has_prefix (copied, "https://ark-acg-cn-beijing.tos-cn-beijing.volces.com/example/last.png"
                                           "?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Date="));
  g_assert_true (g_str_has_suffix (copied, "&X-Tos-Expires=86400&X-Tos-Signature=f00"));
  g_clear_object (&f->task);

  /* A day later the link has lapsed with the video's: nothing to offer. */
  show_answer (f, lapsed);
  g_assert_false (gtk_widget_is_visible (row));
  g_assert_false (gtk_widget_is_sensitive (button));
}

/* What a row shows, in words: its status icon and colour, its second line
 * and that line's colour, and the age. */
static char *
describe_row (DailiesTaskRow *row)
{
  static const char * const colours[] = { "success", "error", "warning", "accent" };
  g_autoptr(GString) text = g_string_new (NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (row));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;
      g_string_append_printf (text, "%s", G_OBJECT_TYPE_NAME (child));
      if (DAILIES_IS_ICON (child))
        {
          GIcon *gicon = dailies_icon_get_gicon (DAILIES_ICON (child));
          g_autofree char *icon = gicon != NULL ? g_icon_to_string (gicon) : NULL;

          g_string_append_printf (text, " icon=%s", icon);
        }
      else if (GTK_IS_INSCRIPTION (child))
        g_string_append_printf (text, " text=%s", gtk_inscription_get_text (GTK_INSCRIPTION (child)));
      else if (GTK_IS_LABEL (child))
        g_string_append_printf (text, " text=%s", gtk_label_get_label (GTK_LABEL (child)));
      else if (GTK_IS_PROGRESS_BAR (child))
        g_string_append_printf (text, " fraction=%.2f", gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (child)));
      for (guint i = 0; i < G_N_ELEMENTS (colours); i++)
        if (gtk_widget_has_css_class (child, colours[i]))
          g_string_append_printf (text, " .%s", colours[i]);
      g_string_append (text, "; ");
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* GTK binds a row to one task after another (every row below a removed
 * one moves to the next task), and a row keeps what it showed when it
 * can: whatever it showed before, it must show just what a new row shows
 * for the task. */
static void
test_rebound (Fixture       *f,
              gconstpointer  data)
{
  static const struct
  {
    const char *fixture;
    gint64      age;        /* seconds since it was submitted */
    gboolean    kept;       /* a local copy */
    double      download;   /* of the local copy, -1 for none */
  } answers[] = {
    { "response-success.json", 30, FALSE, -1 },
    { "response-failure.json", 30, FALSE, -1 },
    { "response-success.json", 5 * 60, TRUE, -1 },
    { "response-success.json", 7 * 60, FALSE, 0.4 },
    { "response-in-progress.json", 5 * 60 + 10, FALSE, -1 },
    { "response-in-progress.json", 2 * 3600, FALSE, -1 },
    { "response-success.json", 3 * 3600, TRUE, -1 },
    { "response-upstream-cancelled.json", 3 * 86400, FALSE, -1 },
    { "response-not-start.json", 40 * 86400, FALSE, -1 },
    { "response-success.json", 41 * 86400, FALSE, 0.7 },
    { "response-failure-timeout.json", 30, FALSE, -1 },
    { "response-success.json", 30, TRUE, -1 },
  };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autofree char *body = dailies_test_load_fixture_text (answers[i].fixture);
      g_autoptr(DailiesTaskResponse) response = dailies_task_response_parse (body, strlen (body), NULL);
      g_autofree char *id = g_strdup_printf ("asyntask_Rebound%010u", i);
      DailiesTask *task = dailies_task_new (id);

      g_assert_nonnull (response);
      response->submit_time = now - answers[i].age;
      dailies_task_apply_response (task, response, body, 200, now);
      if (answers[i].kept)
        dailies_task_set_local_path (task, "/nonexistent/kept.mp4");
      if (answers[i].download >= 0)
        dailies_task_set_keep_state (task, answers[i].download, NULL);
      g_ptr_array_add (tasks, task);
    }

  /* Forth and back, so that each task follows a different one. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint k = 0; k < tasks->len; k++)
      {
        DailiesTask *task = g_ptr_array_index (tasks, pass == 0 ? k : tasks->len - 1 - k);
        DailiesTaskRow *fresh = DAILIES_TASK_ROW (g_object_ref_sink (dailies_task_row_new ()));
        g_autofree char *reused_text = NULL;
        g_autofree char *fresh_text = NULL;

        dailies_task_row_set_task (f->row, task);
        dailies_task_row_set_task (fresh, task);
        reused_text = describe_row (f->row);
        fresh_text = describe_row (fresh);
        g_test_message ("%s: %s", dailies_task_get_id (task), fresh_text);
        g_assert_cmpstr (reused_text, ==, fresh_text);

        dailies_task_row_set_task (fresh, NULL);
        g_object_unref (fresh);
      }
}

/* @widget as drawn in its window: 4 bytes a pixel, premultiplied. */
static guchar *
render_widget (GtkWidget *widget,
               int       *width,
               int       *height)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guchar *pixels;

  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  g_assert_cmpint (*width, >, 0);
  g_assert_cmpint (*height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, *width, *height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node, NULL);
  pixels = g_malloc ((gsize) *width * *height * 4);
  gdk_texture_download (texture, pixels, *width * 4);

  return pixels;
}

/* @icon as drawn must equal a GtkImage of the same icon, classes and
 * size, in the same window. */
static void
compare_with_image (GtkWidget  *box,
                    GtkWidget  *icon,
                    const char *what)
{
  g_auto(GStrv) classes = gtk_widget_get_css_classes (icon);
  g_autofree char *joined = g_strjoinv (" ", classes);
  g_autofree guchar *ours = NULL;
  g_autofree guchar *theirs = NULL;
  GtkWidget *image = gtk_image_new_from_gicon (dailies_icon_get_gicon (DAILIES_ICON (icon)));
  int width, height, image_width, image_height;
  guint inked = 0;

  gtk_image_set_pixel_size (GTK_IMAGE (image), 16);
  gtk_widget_set_css_classes (image, (const char **) classes);
  /* The badge fills its grid cell: the image gets as much room. */
  gtk_widget_set_size_request (image, gtk_widget_get_width (icon), gtk_widget_get_height (icon));
  gtk_widget_set_halign (image, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), image);
  dailies_test_wait_for_frames (box);

  ours = render_widget (icon, &width, &height);
  theirs = render_widget (image, &image_width, &image_height);
  g_assert_cmpint (width, ==, image_width);
  g_assert_cmpint (height, ==, image_height);
  for (int p = 0; p < width * height * 4; p++)
    {
      if (ABS (ours[p] - theirs[p]) > 2)
        g_error ("%s, icon with classes \"%s\": byte %d is %u, GtkImage's %u", what, joined, p, ours[p], theirs[p]);
      /* Alpha is the fourth byte of GDK_MEMORY_DEFAULT on any machine. */
      if (p % 4 == 3 && ours[p] > 64)
        inked++;
    }
  /* Drawn at all (the badge at the opacity of .dim-label). */
  g_assert_cmpuint (inked, >, 16);
  gtk_box_remove (GTK_BOX (box), image);
}

/* The row's icons (the state, the kept badge) are its own widget, not
 * GtkImage, whose baseline asks Pango for the font's metrics at every
 * restyle: each must look just as a GtkImage of the same icon, classes
 * and size would, light and dark, left to right and right to left, and
 * after its class alone changes. */
static void
test_icons_as_images (Fixture       *f,
                      gconstpointer  data)
{
  static const char * const fixtures[] = {
    "response-success.json",       /* .success */
    "response-failure.json",       /* .error */
    "response-in-progress.json",   /* .accent */
    "response-not-start.json",     /* no class: the window's colour */
  };
  static const struct
  {
    AdwColorScheme   scheme;
    GtkTextDirection direction;
  } looks[] = {
    { ADW_COLOR_SCHEME_FORCE_LIGHT, GTK_TEXT_DIR_LTR },
    { ADW_COLOR_SCHEME_FORCE_DARK, GTK_TEXT_DIR_LTR },
    { ADW_COLOR_SCHEME_FORCE_LIGHT, GTK_TEXT_DIR_RTL },
  };
  GtkWidget *box = gtk_widget_get_parent (GTK_WIDGET (f->row));

  for (guint l = 0; l < G_N_ELEMENTS (looks); l++)
    {
      guint n_compared = 0;

      adw_style_manager_set_color_scheme (adw_style_manager_get_default (), looks[l].scheme);
      gtk_widget_set_default_direction (looks[l].direction);

      for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
        {
          g_autofree char *body = dailies_test_load_fixture_text (fixtures[i]);
          g_autofree char *what = g_strdup_printf ("look %u, %s", l, fixtures[i]);
          GtkWidget *status_icon = NULL;

          g_clear_object (&f->task);
          dailies_task_row_set_task (f->row, NULL);
          dailies_task_view_set_task (f->view, NULL);
          show_answer (f, body);
          /* The last one kept too: its badge. */
          if (i == G_N_ELEMENTS (fixtures) - 1)
            dailies_task_set_local_path (f->task, "/nonexistent/kept.mp4");
          dailies_test_wait_for_frames (GTK_WIDGET (f->window));

          for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (f->row));
               child != NULL;
               child = gtk_widget_get_next_sibling (child))
            if (DAILIES_IS_ICON (child) && gtk_widget_get_visible (child))
              {
                compare_with_image (box, child, what);
                if (status_icon == NULL)
                  status_icon = child;
                n_compared++;
              }

          /* A class alone changed (the icon stays): drawn again in its colour. */
          g_assert_nonnull (status_icon);
          if (!gtk_widget_has_css_class (status_icon, "error"))
            {
              gtk_widget_add_css_class (status_icon, "error");
              dailies_test_wait_for_frames (GTK_WIDGET (f->window));
              compare_with_image (box, status_icon, what);
              gtk_widget_remove_css_class (status_icon, "error");
            }
        }

      /* Four state icons and the kept badge. */
      g_assert_cmpuint (n_compared, ==, G_N_ELEMENTS (fixtures) + 1);
    }

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_widget_set_default_direction (GTK_TEXT_DIR_LTR);
}

/* A still @width by @height, written as a PNG under @dir. */
static char *
write_still (const char *dir,
             int         width,
             int         height)
{
  g_autofree guchar *pixels = g_malloc0 ((gsize) width * height * 4);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *name = g_strdup_printf ("still-%dx%d.png", width, height);
  char *path = g_build_filename (dir, name, NULL);

  for (int i = 0; i < width * height; i++)
    pixels[i * 4 + 3] = 0xff;
  bytes = g_bytes_new (pixels, (gsize) width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, (gsize) width * 4);
  g_assert_true (gdk_texture_save_to_png (texture, path));

  return path;
}

/* Where the row's ID starts, from the row's own left edge. */
static double
id_start (Fixture *f)
{
  GtkWidget *id = dailies_test_find_widget (GTK_WIDGET (f->row), GTK_TYPE_INSCRIPTION, "monospace");
  graphene_point_t point;

  g_assert_nonnull (id);
  dailies_test_wait_for_frames (GTK_WIDGET (f->row));
  g_assert_true (gtk_widget_compute_point (id, GTK_WIDGET (f->row), &GRAPHENE_POINT_INIT (0, 0), &point));

  return point.x;
}

/* Every row's text starts at the same place: with its state's icon, and
 * with a kept video's still, landscape or portrait, in its place. */
static void
test_text_aligned (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *landscape = write_still (dir, 96, 54);
  g_autofree char *portrait = write_still (dir, 54, 96);
  double with_icon;

  show_fixture (f, "response-success.json");
  with_icon = id_start (f);
  g_assert_cmpfloat (with_icon, >, 0);

  dailies_task_set_thumbnail_path (f->task, landscape);
  g_assert_cmpfloat (id_start (f), ==, with_icon);
  dailies_task_set_thumbnail_path (f->task, portrait);
  g_assert_cmpfloat (id_start (f), ==, with_icon);
  dailies_task_set_thumbnail_path (f->task, NULL);
  g_assert_cmpfloat (id_start (f), ==, with_icon);

  dailies_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* A fresh result link starts the view's player. */
  gst_init (&argc, &argv);

  g_test_add ("/dailies/task-row/failure-reasons", Fixture, NULL, fixture_set_up, test_failure_reasons, fixture_tear_down);
  g_test_add ("/dailies/task-row/upstream-problem", Fixture, NULL, fixture_set_up, test_upstream_problem, fixture_tear_down);
  g_test_add ("/dailies/task-row/probably-stuck", Fixture, NULL, fixture_set_up, test_probably_stuck, fixture_tear_down);
  g_test_add ("/dailies/task-row/last-frame", Fixture, NULL, fixture_set_up, test_last_frame, fixture_tear_down);
  g_test_add ("/dailies/task-row/original-link-refused", Fixture, NULL, fixture_set_up, test_original_link_refused, fixture_tear_down);
  g_test_add ("/dailies/task-row/kept-path-short", Fixture, NULL, fixture_set_up, test_kept_path_short, fixture_tear_down);
  g_test_add ("/dailies/task-row/rebound", Fixture, NULL, fixture_set_up, test_rebound, fixture_tear_down);
  g_test_add ("/dailies/task-row/icons-as-images", Fixture, NULL, fixture_set_up, test_icons_as_images, fixture_tear_down);
  g_test_add ("/dailies/task-row/text-aligned", Fixture, NULL, fixture_set_up, test_text_aligned, fixture_tear_down);

  return g_test_run ();
}
