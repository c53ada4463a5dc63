/* dailies-task-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dailies-format.h"
#include "dailies-player.h"
#include "dailies-task-view.h"
#include "dailies-toast-guard.h"

typedef enum
{
  KEPT_NONE,       /* no local path */
  KEPT_CHECKING,
  KEPT_PRESENT,
  KEPT_ABSENT,
} KeptState;

struct _DailiesTaskView
{
  GtkWidget             parent_instance;

  /* Template widgets */
  GtkScrolledWindow    *scroller;
  GtkImage             *status_image;
  GtkLabel             *status_label;
  GtkLabel             *id_label;
  GtkProgressBar       *progress_bar;
  GtkWidget            *result_box;
  DailiesPlayer        *player;
  GtkWidget            *variant_box;
  GtkToggleButton      *final_button;
  GtkToggleButton      *original_button;
  /* An original render's link its host refused (403, 404, 410). Kept
   * here only, not stored: the task's state is its result link's. */
  char                 *refused_original_url;
  GtkLabel             *keep_label;
  GtkLabel             *link_label;
  GtkWidget            *check_again_button;
  GtkWidget            *open_folder_button;
  AdwPreferencesGroup  *failure_group;
  GtkLabel             *fail_reason_label;
  GtkLabel             *fail_hint_label;
  AdwPreferencesGroup  *attention_group;
  GtkLabel             *attention_label;
  AdwActionRow         *submitted_row;
  AdwActionRow         *started_row;
  AdwActionRow         *finished_row;
  AdwActionRow         *elapsed_row;
  AdwActionRow         *link_row;
  AdwPreferencesGroup  *timing_group;
  AdwPreferencesGroup  *details_group;
  AdwPreferencesGroup  *connection_group;
  AdwActionRow         *request_id_row;
  AdwActionRow         *last_frame_row;
  AdwActionRow         *action_row;
  AdwActionRow         *model_row;
  AdwActionRow         *duration_row;
  AdwActionRow         *ratio_row;
  AdwActionRow         *resolution_row;
  AdwActionRow         *fps_row;
  AdwActionRow         *audio_row;
  AdwActionRow         *seed_row;
  AdwActionRow         *tokens_row;
  AdwActionRow         *upstream_row;
  AdwActionRow         *last_checked_row;
  AdwActionRow         *http_row;
  AdwActionRow         *last_error_row;
  GtkExpander          *raw_expander;
  GtkTextView          *raw_view;

  /* Owned */
  DailiesTask          *task;
  DailiesTaskResponse  *response;   /* parsed raw-json, for the metadata */
  gulong                notify_handler;
  guint                 clock_source;

  /* Whether the kept file is there: asked off the main thread once per
   * shown task and local path (and when the user acts), never per notify,
   * since the keep folder may be on a slow share. */
  GCancellable         *kept_cancellable;
  KeptState             kept_state;
  char                 *kept_path;   /* the path kept_state is about */

  /* What the raw view holds, to tell a new text without reading the
   * buffer back. Filled only while the expander is open. */
  gsize                 raw_length;
  guint                 raw_hash;
  guint                 raw_filled : 1;
};

G_DEFINE_FINAL_TYPE (DailiesTaskView, dailies_task_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TASK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  LINK_REFUSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void check_kept (DailiesTaskView *self);

static const char *status_classes[] = { "success", "error", "warning", "accent" };

/* A row shows @value as its subtitle and hides itself when there is none. */
static void
set_row (AdwActionRow *row,
         const char   *value)
{
  gboolean has_value = value != NULL && *value != '\0';

  adw_action_row_set_subtitle (row, has_value ? value : "");
  gtk_widget_set_visible (GTK_WIDGET (row), has_value);
}

/* A group whose rows all hide (a task not answered yet has no times, no
 * details) hides too, rather than show its title over an empty box. */
static void
row_visible_cb (GtkWidget  *row,
                GParamSpec *pspec,
                GtkWidget  *group)
{
  GPtrArray *rows = g_object_get_data (G_OBJECT (group), "dailies-rows");
  gboolean any_shown = FALSE;

  for (guint i = 0; i < rows->len && !any_shown; i++)
    any_shown = gtk_widget_get_visible (g_ptr_array_index (rows, i));

  gtk_widget_set_visible (group, any_shown);
}

/* @...: the group's rows, then NULL. */
static void
hide_when_empty (AdwPreferencesGroup *group,
                 ...)
{
  GPtrArray *rows = g_ptr_array_new ();
  va_list args;
  GtkWidget *row;

  va_start (args, group);
  while ((row = va_arg (args, GtkWidget *)) != NULL)
    {
      g_ptr_array_add (rows, row);
      g_signal_connect_object (row, "notify::visible", G_CALLBACK (row_visible_cb), group, 0);
    }
  va_end (args);

  g_object_set_data_full (G_OBJECT (group), "dailies-rows", rows, (GDestroyNotify) g_ptr_array_unref);
}

static void
set_row_take (AdwActionRow *row,
              char         *value)
{
  set_row (row, value);
  g_free (value);
}

static void
set_row_time (AdwActionRow *row,
              gint64        unix_seconds,
              const char   *when_zero)
{
  g_autofree char *text = dailies_format_timestamp (unix_seconds);

  set_row (row, text != NULL ? text : when_zero);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* The gateway fails an unfinished task this long after its submission
 * ("任务超时（1440分钟）") and refunds it. */
#define GATEWAY_TIMEOUT (24 * 60 * 60)

/* When the gateway will give up on an unfinished task, and what then. */
static char *
dup_deadline_text (DailiesTask *task)
{
  gint64 submitted = dailies_task_get_submit_time (task);
  g_autofree char *deadline = submitted > 0 ? dailies_format_timestamp (submitted + GATEWAY_TIMEOUT) : NULL;

  if (deadline == NULL)
    return g_strdup (_("The service will mark it failed within 24 hours of its submission and refund it."));

  /* Translators: %s is a date and time */
  return g_strdup_printf (_("The service will mark it failed by %s and refund it."), deadline);
}

/* An unfinished task that is going nowhere: the model's service stopped
 * it, or it has run for hours. Says what that means for the user. */
static void
update_attention (DailiesTaskView *self)
{
  DailiesTask *task = self->task;
  const char *problem = dailies_task_get_upstream_problem (task);
  gint64 stuck = dailies_task_stuck_for (dailies_task_get_status (task), dailies_task_get_submit_time (task),
                                         dailies_task_get_start_time (task), now_seconds ());
  g_autofree char *deadline = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->attention_group), problem != NULL || stuck > 0);
  if (problem == NULL && stuck == 0)
    return;

  deadline = dup_deadline_text (task);
  if (problem != NULL)
    {
      text = g_strdup_printf ("%s\n\n%s %s %s", problem,
                              _("The service still shows this task as in progress, but the model has stopped working on it."),
                              deadline, _("There is nothing to wait for."));
      adw_preferences_group_set_title (self->attention_group, _("Stopped at the Model’s Service"));
    }
  else
    {
      int hours = (int) MIN (stuck / 3600, G_MAXINT);
      g_autofree char *how_long = g_strdup_printf (ngettext ("This task has not finished in %d hour. Generation usually "
                                                             "takes a few minutes, so it is probably stuck.",
                                                             "This task has not finished in %d hours. Generation usually "
                                                             "takes a few minutes, so it is probably stuck.",
                                                             hours),
                                                   hours);

      text = g_strdup_printf ("%s %s", how_long, deadline);
      adw_preferences_group_set_title (self->attention_group, _("Probably Stuck"));
    }

  gtk_label_set_label (self->attention_label, text);
}

/* The last frame's link is signed with the video's: it lapses with it. */
static void
update_last_frame (DailiesTaskView *self)
{
  gboolean shown = self->response != NULL && self->response->last_frame_url != NULL &&
                   !dailies_task_is_link_expired (self->task, now_seconds ());

  gtk_widget_set_visible (GTK_WIDGET (self->last_frame_row), shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.open-last-frame", shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.copy-last-frame", shown);
}

static void
update_clock_rows (DailiesTaskView *self)
{
  DailiesTask *task = self->task;
  gint64 start = dailies_task_get_start_time (task);
  gint64 finish = dailies_task_get_finish_time (task);
  g_autofree char *link = NULL;

  if (dailies_task_has_usable_link (task))
    link = dailies_format_link_time_left (dailies_task_get_link_expires_at (task), now_seconds ());

  if (start > 0)
    set_row_take (self->elapsed_row, dailies_format_duration ((finish > 0 ? finish : now_seconds ()) - start));
  else
    set_row (self->elapsed_row, NULL);

  set_row (self->link_row, link);
  set_row_take (self->last_checked_row,
                dailies_format_relative_time (dailies_task_get_last_polled (task), now_seconds ()));
  update_attention (self);
  update_last_frame (self);
}

static gboolean
clock_tick_cb (gpointer user_data)
{
  DailiesTaskView *self = user_data;

  if (self->task != NULL)
    update_clock_rows (self);

  return G_SOURCE_CONTINUE;
}

/* Times shown relative to now ("time left", "elapsed") need a tick, but
 * only while the view is on screen. */
static void
update_clock (DailiesTaskView *self)
{
  gboolean wanted = self->task != NULL && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (wanted && self->clock_source == 0)
    self->clock_source = g_timeout_add_seconds (30, clock_tick_cb, self);
  else if (!wanted)
    g_clear_handle_id (&self->clock_source, g_source_remove);
}

static void
update_metadata (DailiesTaskView *self)
{
  const DailiesTaskResponse *r = self->response;
  g_autofree char *fps = NULL;

  set_row (self->action_row, r ? r->action : NULL);
  set_row (self->model_row, r && r->model ? r->model : dailies_task_get_model (self->task));
  set_row_take (self->duration_row, r && r->duration > 0 ? g_strdup_printf (_("%d s"), r->duration) : NULL);
  set_row (self->ratio_row, r ? r->ratio : NULL);
  if (r != NULL && r->upstream_resolution != NULL && r->resolution != NULL)
    /* Translators: ultra tasks: final resolution, then the upstream render's */
    set_row_take (self->resolution_row, g_strdup_printf (_("%s (upscaled from %s)"), r->resolution, r->upstream_resolution));
  else
    set_row (self->resolution_row, r ? r->resolution : NULL);
  if (r != NULL && r->fps > 0)
    fps = g_strdup_printf (_("%d fps"), r->fps);
  set_row (self->fps_row, fps);
  set_row (self->audio_row, r == NULL || r->generate_audio < 0 ? NULL : r->generate_audio ? _("Yes") : _("No"));
  set_row_take (self->seed_row, r && r->seed >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, r->seed) : NULL);
  if (r != NULL && r->billed_tokens >= 0 && r->billed_tokens != r->total_tokens && r->total_tokens >= 0)
    /* Translators: tokens billed, then the upstream render's own count */
    set_row_take (self->tokens_row, g_strdup_printf (_("%lld billed (upstream %lld)"),
                                                     (long long) r->billed_tokens, (long long) r->total_tokens));
  else
    set_row_take (self->tokens_row, r && r->total_tokens >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, r->total_tokens) : NULL);
  if (r != NULL && r->upstream_id != NULL)
    set_row_take (self->upstream_row, r->upstream_status != NULL
                                      ? g_strdup_printf ("%s (%s)", r->upstream_id, r->upstream_status)
                                      : g_strdup (r->upstream_id));
  else
    set_row (self->upstream_row, NULL);
}

static gboolean
original_refused (DailiesTaskView *self)
{
  return self->refused_original_url != NULL &&
         g_strcmp0 (self->refused_original_url, dailies_task_get_original_result_url (self->task)) == 0;
}

/* Which video to show: the ultra original when asked for, else the local
 * copy when there is one, else the result link while it is valid. */
static char *
dup_video_uri (DailiesTaskView *self)
{
  DailiesTask *task = self->task;
  const char *local = dailies_task_get_local_path (task);
  gboolean expired = dailies_task_is_link_expired (task, now_seconds ());

  if (gtk_toggle_button_get_active (self->original_button) &&
      dailies_task_get_original_result_url (task) != NULL)
    return expired || original_refused (self) ? NULL : g_strdup (dailies_task_get_original_result_url (task));

  if (local != NULL && self->kept_state == KEPT_PRESENT)
    return g_filename_to_uri (local, NULL, NULL);

  if (dailies_task_has_usable_link (task) && !expired)
    return g_strdup (dailies_task_get_result_url (task));

  return NULL;
}

/* The line under the player: what keeping is doing, where the copy is,
 * or that there is none yet. Changes many times a second during a
 * download, so it touches nothing else. */
static void
update_keep_label (DailiesTaskView *self)
{
  DailiesTask *task = self->task;
  gboolean success = dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS;
  const char *local = dailies_task_get_local_path (task);
  const char *message = dailies_task_get_keep_message (task);
  g_autofree char *full = NULL;

  if (message != NULL)
    {
      gtk_label_set_label (self->keep_label, message);
    }
  else if (local != NULL)
    {
      /* Short, and no user name on a shared screen; the tooltip has it all. */
      g_autofree char *display = dailies_format_path (local);
      /* Translators: %s is a file path */
      g_autofree char *text = g_strdup_printf (_("Kept at %s"), display);

      full = g_filename_display_name (local);
      gtk_label_set_label (self->keep_label, text);
    }
  else
    {
      /* Nothing to play either: the link label says why. */
      gtk_label_set_label (self->keep_label,
                           success && gtk_widget_get_visible (GTK_WIDGET (self->player))
                           ? _("No local copy yet") : "");
    }

  gtk_widget_set_tooltip_text (GTK_WIDGET (self->keep_label), full);
}

static void
update_result (DailiesTaskView *self)
{
  DailiesTask *task = self->task;
  gboolean success = dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS;
  const char *local = dailies_task_get_local_path (task);
  g_autofree char *uri = NULL;

  gtk_widget_set_visible (self->result_box, success);
  gtk_widget_set_visible (self->variant_box, dailies_task_get_original_result_url (task) != NULL);
  gtk_widget_set_visible (self->open_folder_button, local != NULL);

  /* Not known yet whether the copy is there: no "no local copy" flashes
   * by, and what plays goes on until the answer. */
  if (success && self->kept_state == KEPT_CHECKING &&
      !gtk_toggle_button_get_active (self->original_button))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->player), dailies_player_get_uri (self->player) != NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->link_label), FALSE);
      gtk_widget_set_visible (self->check_again_button, FALSE);
      update_keep_label (self);
      return;
    }

  uri = success ? dup_video_uri (self) : NULL;

  /* Nothing to play: say why, and offer to ask the service again. */
  gtk_widget_set_visible (GTK_WIDGET (self->player), uri != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->link_label), success && uri == NULL);
  gtk_widget_set_visible (self->check_again_button, success && uri == NULL);
  update_keep_label (self);

  if (uri == NULL)
    {
      dailies_player_set_uri (self->player, NULL);
      if (gtk_toggle_button_get_active (self->original_button) && original_refused (self))
        gtk_label_set_label (self->link_label, _("The original render’s link expired: its host refused it. The final video is under Final. Check Again asks the service whether it has a new link."));
      else if (!dailies_task_has_usable_link (task))
        gtk_label_set_label (self->link_label, _("There is no video to play or keep. Check Again asks the service once more."));
      else
        gtk_label_set_label (self->link_label, _("Link expired, and there is no local copy. Check Again asks the service whether it has a new link."));
      return;
    }

  /* The same video, now kept locally, is not restarted under the viewer. */
  if (dailies_player_get_uri (self->player) != NULL &&
      dailies_player_get_error_text (self->player) == NULL &&
      !gtk_toggle_button_get_active (self->original_button) &&
      g_strcmp0 (dailies_player_get_uri (self->player), dailies_task_get_original_result_url (task)) != 0)
    return;

  if (g_strcmp0 (uri, dailies_player_get_uri (self->player)) != 0)
    {
      dailies_player_set_title (self->player, dailies_task_get_id (task));
      if (g_str_has_prefix (uri, "file:"))
        {
          g_autofree char *path = g_filename_from_uri (uri, NULL, NULL);
          dailies_player_set_local_file (self->player, path);
        }
      else
        {
          dailies_player_set_uri (self->player, uri);
        }
      /* A result plays as soon as it is known. */
      dailies_player_play (self->player);
    }
}

/* The host refused the link being played: if it is the task's result
 * link, that link has lapsed, whatever its signature said. */
static void
player_link_refused_cb (DailiesTaskView *self,
                        const char      *uri,
                        guint            http_status)
{
  if (self->task == NULL)
    return;

  /* The original render's link lapsed: said in the view, while the final
   * one is judged by itself. */
  if (g_strcmp0 (uri, dailies_task_get_original_result_url (self->task)) == 0)
    {
      g_message ("view: the video host refused the original render's link of %s (HTTP %u)",
                 dailies_task_get_id (self->task), http_status);
      g_free (self->refused_original_url);
      self->refused_original_url = g_strdup (uri);
      update_result (self);
      return;
    }

  if (g_strcmp0 (uri, dailies_task_get_result_url (self->task)) != 0)
    return;

  g_message ("view: the video host refused the link of %s (HTTP %u)", dailies_task_get_id (self->task), http_status);
  g_signal_emit (self, signals[LINK_REFUSED], 0, self->task, uri);
}

/* The user asks for the other video: whether the copy is still there is
 * asked again, in case it went meanwhile. */
static void
variant_toggled_cb (DailiesTaskView *self)
{
  if (self->task != NULL)
    {
      check_kept (self);
      update_result (self);
    }
}

/* The gateway's timeout reason is in Chinese whatever the user's language. */
static void
update_fail_hint (DailiesTaskView *self,
                  const char      *reason)
{
  int minutes = dailies_task_reason_timeout_minutes (reason);
  g_autofree char *hint = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->fail_hint_label), minutes >= 0);
  if (minutes < 0)
    return;

  hint = g_strdup_printf (ngettext ("The service stopped waiting for this task after %d minute and refunded it.",
                                    "The service stopped waiting for this task after %d minutes and refunded it.",
                                    minutes),
                          minutes);
  gtk_label_set_label (self->fail_hint_label, hint);
}

/* What the status says: icon, words, and the failure group. */
static void
update_status (DailiesTaskView *self)
{
  DailiesTask *task = self->task;
  DailiesTaskStatus status = dailies_task_get_status (task);
  g_autofree char *status_words = NULL;
  const char *status_class;
  const char *reason;

  /* A success with nothing behind it is not shown as a plain success. */
  if (status == DAILIES_TASK_STATUS_SUCCESS && !dailies_task_has_usable_link (task))
    status_words = g_strdup (_("Succeeded, but the service sent no video link"));
  else
    status_words = dailies_format_status (status, dailies_task_get_status_text (task));
  status_class = dailies_format_status_class (status);

  gtk_image_set_from_icon_name (self->status_image, dailies_format_status_icon (status));
  for (guint i = 0; i < G_N_ELEMENTS (status_classes); i++)
    if (g_strcmp0 (status_classes[i], status_class) != 0)
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_image), status_classes[i]);
  if (status_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_image), status_class);
  gtk_label_set_label (self->status_label, status_words);

  /* Only a failure has a reason; on success the API repeats the URL there. */
  reason = dailies_task_get_fail_reason (task);
  gtk_widget_set_visible (GTK_WIDGET (self->failure_group),
                          status == DAILIES_TASK_STATUS_FAILURE || status == DAILIES_TASK_STATUS_NOT_FOUND);
  /* An unknown ID did not fail: the service never had it. */
  adw_preferences_group_set_title (self->failure_group, status == DAILIES_TASK_STATUS_NOT_FOUND
                                                        ? _("Why It Was Not Found") : _("Why It Failed"));
  if (status == DAILIES_TASK_STATUS_NOT_FOUND)
    gtk_label_set_label (self->fail_reason_label,
                         _("The service does not know this task ID. Check that it was copied whole and belongs to this account and region. After a change of region in Preferences, it is asked about again."));
  else
    gtk_label_set_label (self->fail_reason_label,
                         reason != NULL ? reason : _("The service gave no reason."));
  update_fail_hint (self, status == DAILIES_TASK_STATUS_FAILURE ? reason : NULL);
}

static void
update_progress (DailiesTaskView *self)
{
  int progress = dailies_task_get_progress (self->task);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          !dailies_task_is_terminal (self->task) && progress >= 0);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (progress, 0, 100) / 100.0);
}

static void
update_times (DailiesTaskView *self)
{
  DailiesTask *task = self->task;

  set_row_time (self->submitted_row, dailies_task_get_submit_time (task), NULL);
  set_row_time (self->started_row, dailies_task_get_start_time (task),
                dailies_task_get_submit_time (task) > 0 ? _("Not started") : NULL);
  set_row_time (self->finished_row, dailies_task_get_finish_time (task), NULL);
}

static void
update_details (DailiesTaskView *self)
{
  DailiesTask *task = self->task;

  set_row (self->request_id_row, dailies_task_get_request_id (task));
  set_row_take (self->http_row, dailies_task_get_http_status (task) != 0
                                ? g_strdup_printf ("%u", dailies_task_get_http_status (task)) : NULL);
  set_row (self->last_error_row, dailies_task_get_last_error (task));
}

/* Up to 1 MiB: set only when the text changed, which also keeps a
 * selection in it; and only while it is open. */
static void
update_raw (DailiesTaskView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->raw_view);
  const char *raw = dailies_task_get_raw_json (self->task);
  gsize length;
  guint hash;

  gtk_widget_set_visible (GTK_WIDGET (self->raw_expander), raw != NULL);
  if (!gtk_expander_get_expanded (self->raw_expander))
    return;

  if (raw == NULL)
    raw = "";
  length = strlen (raw);
  hash = g_str_hash (raw);
  if (self->raw_filled && length == self->raw_length && hash == self->raw_hash)
    {
      GtkTextIter begin, end;
      g_autofree char *shown = NULL;

      gtk_text_buffer_get_bounds (buffer, &begin, &end);
      shown = gtk_text_buffer_get_text (buffer, &begin, &end, TRUE);
      if (strcmp (shown, raw) == 0)
        return;
    }

  gtk_text_buffer_set_text (buffer, raw, (int) MIN (length, G_MAXINT));
  self->raw_length = length;
  self->raw_hash = hash;
  self->raw_filled = TRUE;
}

/* Empties the raw view: it holds another task's text, or is closed. */
static void
clear_raw (DailiesTaskView *self)
{
  if (self->raw_filled)
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->raw_view), "", 0);
  self->raw_filled = FALSE;
}

static void
raw_expanded_cb (DailiesTaskView *self)
{
  if (self->task == NULL)
    return;

  if (gtk_expander_get_expanded (self->raw_expander))
    update_raw (self);
  else
    clear_raw (self);
}

static void
kept_checked_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (object), result, &error);
  DailiesTaskView *self;
  KeptState state;

  /* Cancelled: the view is gone, or shows another task or path. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = DAILIES_TASK_VIEW (user_data);
  g_clear_object (&self->kept_cancellable);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_debug ("view: cannot look at the kept copy of %s: %s", dailies_task_get_id (self->task), error->message);

  state = info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR ? KEPT_PRESENT : KEPT_ABSENT;
  if (state == self->kept_state)
    return;

  self->kept_state = state;
  update_result (self);
}

/* Asks again whether the kept file is there; an answer that differs
 * updates the result. Until the first answer about a path, the result
 * waits for it; after, what was known stands meanwhile. */
static void
check_kept (DailiesTaskView *self)
{
  const char *local;
  g_autoptr(GFile) file = NULL;

  g_cancellable_cancel (self->kept_cancellable);
  g_clear_object (&self->kept_cancellable);

  local = self->task != NULL ? dailies_task_get_local_path (self->task) : NULL;
  if (local == NULL)
    {
      self->kept_state = KEPT_NONE;
      g_clear_pointer (&self->kept_path, g_free);
      return;
    }

  if (g_strcmp0 (local, self->kept_path) != 0 || self->kept_state == KEPT_NONE)
    {
      self->kept_state = KEPT_CHECKING;
      g_free (self->kept_path);
      self->kept_path = g_strdup (local);
    }
  self->kept_cancellable = g_cancellable_new ();
  file = g_file_new_for_path (local);
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, self->kept_cancellable, kept_checked_cb, self);
}

/* The parts of the view, each updated by itself. */
typedef enum
{
  PART_STATUS   = 1 << 0,
  PART_PROGRESS = 1 << 1,
  PART_TIMES    = 1 << 2,
  PART_DETAILS  = 1 << 3,
  PART_RAW      = 1 << 4,   /* the raw view and the metadata parsed from it */
  PART_METADATA = 1 << 5,
  PART_CLOCK    = 1 << 6,   /* elapsed, link time left, last checked, attention, last frame */
  PART_RESULT   = 1 << 7,   /* the player, or why nothing plays */
  PART_KEEP     = 1 << 8,   /* only the line under the player */
  PART_KEPT     = 1 << 9,   /* whether the kept file is there, asked again */
  PART_ALL      = (1 << 10) - 1,
} Part;

/* What each property of the task shows in. A download's progress
 * (keep-message, many times a second) touches only its line; the raw
 * view and the kept file only when their own property changes. */
static const struct
{
  const char *property;
  Part        parts;
} property_parts[] = {
  { "status",              PART_STATUS | PART_PROGRESS | PART_CLOCK | PART_RESULT },
  { "status-text",         PART_STATUS },
  { "terminal",            PART_PROGRESS },
  { "progress",            PART_PROGRESS },
  { "submit-time",         PART_TIMES | PART_CLOCK },
  { "start-time",          PART_TIMES | PART_CLOCK },
  { "finish-time",         PART_TIMES | PART_CLOCK },
  { "fail-reason",         PART_STATUS },
  { "result-url",          PART_STATUS | PART_CLOCK | PART_RESULT },
  { "original-result-url", PART_RESULT },
  { "link-seen",           PART_CLOCK | PART_RESULT },
  { "link-lapsed",         PART_CLOCK | PART_RESULT },
  { "request-id",          PART_DETAILS },
  { "http-status",         PART_DETAILS },
  { "last-error",          PART_DETAILS },
  { "model",               PART_METADATA },
  { "raw-json",            PART_RAW | PART_METADATA | PART_CLOCK },
  { "upstream-problem",    PART_CLOCK },
  { "last-polled",         PART_CLOCK },
  { "local-path",          PART_KEPT | PART_RESULT },
  { "keep-message",        PART_KEEP },
  /* Not shown: first-seen, download-fraction, thumbnail-path, gateway-request-id. */
};

static void
update (DailiesTaskView *self,
        Part             parts)
{
  if (self->task == NULL)
    return;

  if (parts & PART_KEPT)
    check_kept (self);
  if (parts & PART_STATUS)
    update_status (self);
  if (parts & PART_PROGRESS)
    update_progress (self);
  if (parts & PART_TIMES)
    update_times (self);
  if (parts & PART_DETAILS)
    update_details (self);
  if (parts & PART_RAW)
    {
      /* The raw answer first: read from the file, it is kept, and the
       * parse below does not read it again. */
      update_raw (self);
      g_clear_pointer (&self->response, dailies_task_response_free);
      self->response = dailies_task_dup_response (self->task);
    }
  if (parts & PART_METADATA)
    update_metadata (self);
  if (parts & PART_CLOCK)
    update_clock_rows (self);
  if (parts & PART_RESULT)
    update_result (self);
  else if (parts & PART_KEEP)
    update_keep_label (self);
}

static void
task_notify_cb (DailiesTaskView *self,
                GParamSpec      *pspec)
{
  for (guint i = 0; i < G_N_ELEMENTS (property_parts); i++)
    if (strcmp (pspec->name, property_parts[i].property) == 0)
      {
        update (self, property_parts[i].parts);
        return;
      }
}

void
dailies_task_view_set_task (DailiesTaskView *self,
                            DailiesTask     *task)
{
  g_return_if_fail (DAILIES_IS_TASK_VIEW (self));
  g_return_if_fail (task == NULL || DAILIES_IS_TASK (task));

  if (self->task == task)
    return;

  if (self->task != NULL)
    g_clear_signal_handler (&self->notify_handler, self->task);
  g_clear_pointer (&self->response, dailies_task_response_free);
  g_set_object (&self->task, task);
  /* Deselected or replaced: the old pipeline goes to NULL. */
  dailies_player_set_uri (self->player, NULL);
  clear_raw (self);
  /* Another task: nothing known about its copy yet. */
  self->kept_state = KEPT_NONE;
  check_kept (self);

  if (task != NULL)
    {
      gtk_toggle_button_set_active (self->final_button, TRUE);
      self->notify_handler = g_signal_connect_object (task, "notify",
                                                      G_CALLBACK (task_notify_cb), self,
                                                      G_CONNECT_SWAPPED);
      gtk_expander_set_expanded (self->raw_expander, FALSE);
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
      gtk_label_set_label (self->id_label, dailies_task_get_id (task));
    }

  update (self, PART_ALL & ~PART_KEPT);
  update_clock (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
}

DailiesTask *
dailies_task_view_get_task (DailiesTaskView *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_VIEW (self), NULL);

  return self->task;
}

char *
dailies_task_view_dup_support_details (DailiesTask *task)
{
  GString *text = g_string_new (NULL);
  g_autofree char *status_words = NULL;
  g_autofree char *submitted = NULL;
  g_autofree char *started = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *checked = NULL;

  g_return_val_if_fail (DAILIES_IS_TASK (task), NULL);

  status_words = dailies_format_status (dailies_task_get_status (task), dailies_task_get_status_text (task));
  submitted = dailies_format_timestamp_iso8601 (dailies_task_get_submit_time (task));
  started = dailies_format_timestamp_iso8601 (dailies_task_get_start_time (task));
  finished = dailies_format_timestamp_iso8601 (dailies_task_get_finish_time (task));
  checked = dailies_format_timestamp_iso8601 (dailies_task_get_last_polled (task));

  /* For a support ticket: never the key, never a signed URL. */
  g_string_append_printf (text, "Task ID: %s\n", dailies_task_get_id (task));
  if (dailies_task_get_request_id (task) != NULL)
    g_string_append_printf (text, "Request ID: %s\n", dailies_task_get_request_id (task));
  if (dailies_task_get_gateway_request_id (task) != NULL)
    g_string_append_printf (text, "Gateway request ID: %s\n", dailies_task_get_gateway_request_id (task));
  g_string_append_printf (text, "Status: %s (%s)\n",
                          dailies_task_get_status_text (task) ? dailies_task_get_status_text (task) : "-",
                          status_words);
  if (dailies_task_get_http_status (task) != 0)
    g_string_append_printf (text, "HTTP status: %u\n", dailies_task_get_http_status (task));
  if (submitted != NULL)
    g_string_append_printf (text, "Submitted: %s (%" G_GINT64_FORMAT ")\n", submitted, dailies_task_get_submit_time (task));
  if (started != NULL)
    g_string_append_printf (text, "Started: %s (%" G_GINT64_FORMAT ")\n", started, dailies_task_get_start_time (task));
  if (finished != NULL)
    g_string_append_printf (text, "Finished: %s (%" G_GINT64_FORMAT ")\n", finished, dailies_task_get_finish_time (task));
  if (checked != NULL)
    g_string_append_printf (text, "Last checked: %s\n", checked);
  if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_FAILURE && dailies_task_get_fail_reason (task) != NULL)
    g_string_append_printf (text, "Failure reason: %s\n", dailies_task_get_fail_reason (task));
  if (dailies_task_get_upstream_problem (task) != NULL)
    g_string_append_printf (text, "Upstream problem: %s\n", dailies_task_get_upstream_problem (task));
  if (dailies_task_get_last_error (task) != NULL)
    g_string_append_printf (text, "Last error: %s\n", dailies_task_get_last_error (task));

  return g_string_free (text, FALSE);
}

static void
copy_text (DailiesTaskView *self,
           const char      *text,
           const char      *toast)
{
  GtkWidget *overlay;

  if (text == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    dailies_toast_guard_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (toast));
}

static void
copy_details_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (widget);
  g_autofree char *details = NULL;

  if (self->task == NULL)
    return;

  details = dailies_task_view_dup_support_details (self->task);
  copy_text (self, details, _("Details copied"));
}

static void
copy_reason_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (widget);

  copy_text (self, gtk_label_get_label (self->fail_reason_label), _("Failure reason copied"));
}

static void
copy_request_id_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (widget);

  if (self->task != NULL)
    copy_text (self, dailies_task_get_request_id (self->task), _("Request ID copied"));
}

static void
copy_last_frame_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (widget);

  if (self->response != NULL && gtk_widget_get_visible (GTK_WIDGET (self->last_frame_row)))
    copy_text (self, self->response->last_frame_url, _("Last frame link copied"));
}

/* A signed link on the result host: no key goes with it. */
static void
open_last_frame_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (widget);

  if (self->response != NULL && self->response->last_frame_url != NULL &&
      gtk_widget_get_visible (GTK_WIDGET (self->last_frame_row)))
    g_app_info_launch_default_for_uri_async (self->response->last_frame_url, NULL, NULL, NULL, NULL);
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (widget);
  g_autofree char *folder = NULL;
  g_autofree char *uri = NULL;
  const char *local;

  if (self->task == NULL || (local = dailies_task_get_local_path (self->task)) == NULL)
    return;

  folder = g_path_get_dirname (local);
  uri = g_filename_to_uri (folder, NULL, NULL);
  if (uri != NULL)
    g_app_info_launch_default_for_uri_async (uri, NULL, NULL, NULL, NULL);
}

static void
dailies_task_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (dailies_task_view_parent_class)->map (widget);
  update_clock (DAILIES_TASK_VIEW (widget));
}

static void
dailies_task_view_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (dailies_task_view_parent_class)->unmap (widget);
  update_clock (DAILIES_TASK_VIEW (widget));
}

static void
dailies_task_view_dispose (GObject *object)
{
  DailiesTaskView *self = (DailiesTaskView *)object;

  dailies_task_view_set_task (self, NULL);
  g_cancellable_cancel (self->kept_cancellable);
  g_clear_object (&self->kept_cancellable);
  g_clear_pointer (&self->kept_path, g_free);
  g_clear_pointer (&self->refused_original_url, g_free);
  g_clear_handle_id (&self->clock_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), DAILIES_TYPE_TASK_VIEW);

  G_OBJECT_CLASS (dailies_task_view_parent_class)->dispose (object);
}

static void
dailies_task_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (object);

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
dailies_task_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DailiesTaskView *self = DAILIES_TASK_VIEW (object);

  switch (prop_id)
    {
    case PROP_TASK:
      dailies_task_view_set_task (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_view_class_init (DailiesTaskViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dailies_task_view_dispose;
  object_class->get_property = dailies_task_view_get_property;
  object_class->set_property = dailies_task_view_set_property;

  widget_class->map = dailies_task_view_map;
  widget_class->unmap = dailies_task_view_unmap;

  properties[PROP_TASK] =
    g_param_spec_object ("task", NULL, NULL,
                         DAILIES_TYPE_TASK,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DailiesTaskView::link-refused:
   * @task: the task shown
   * @url: its result link, which the host refused (403, 404, 410)
   *
   * For the window to tell the store, which owns the task's state.
   */
  signals[LINK_REFUSED] =
    g_signal_new ("link-refused",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, DAILIES_TYPE_TASK, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "view.copy-details", NULL, copy_details_action);
  gtk_widget_class_install_action (widget_class, "view.copy-reason", NULL, copy_reason_action);
  gtk_widget_class_install_action (widget_class, "view.copy-request-id", NULL, copy_request_id_action);
  gtk_widget_class_install_action (widget_class, "view.open-folder", NULL, open_folder_action);
  gtk_widget_class_install_action (widget_class, "view.copy-last-frame", NULL, copy_last_frame_action);
  gtk_widget_class_install_action (widget_class, "view.open-last-frame", NULL, open_last_frame_action);

  g_type_ensure (DAILIES_TYPE_PLAYER);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/dailies/Dailies/dailies-task-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, scroller);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, status_image);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, status_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, id_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, result_box);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, player);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, variant_box);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, final_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, original_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, keep_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, link_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, check_again_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, open_folder_button);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, failure_group);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, fail_reason_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, fail_hint_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, attention_group);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, attention_label);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, submitted_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, started_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, finished_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, elapsed_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, link_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, timing_group);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, details_group);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, connection_group);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, request_id_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, last_frame_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, action_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, model_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, duration_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, ratio_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, resolution_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, fps_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, audio_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, seed_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, tokens_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, upstream_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, last_checked_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, http_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, last_error_row);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, raw_expander);
  gtk_widget_class_bind_template_child (widget_class, DailiesTaskView, raw_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
dailies_task_view_init (DailiesTaskView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  hide_when_empty (self->timing_group, self->submitted_row, self->started_row, self->finished_row,
                   self->elapsed_row, self->link_row, NULL);
  hide_when_empty (self->details_group, self->request_id_row, self->last_frame_row, self->action_row,
                   self->model_row, self->duration_row, self->ratio_row, self->resolution_row,
                   self->fps_row, self->audio_row, self->seed_row, self->tokens_row,
                   self->upstream_row, NULL);
  hide_when_empty (self->connection_group, self->last_checked_row, self->http_row,
                   self->last_error_row, NULL);
  g_signal_connect_object (self->original_button, "toggled",
                           G_CALLBACK (variant_toggled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "link-refused",
                           G_CALLBACK (player_link_refused_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->raw_expander, "notify::expanded",
                           G_CALLBACK (raw_expanded_cb), self, G_CONNECT_SWAPPED);
}

GtkWidget *
dailies_task_view_new (void)
{
  return g_object_new (DAILIES_TYPE_TASK_VIEW, NULL);
}

GtkWidget *
dailies_task_view_get_player (DailiesTaskView *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_VIEW (self), NULL);

  return GTK_WIDGET (self->player);
}

/* For tests: the warning about an unfinished task going nowhere, as shown,
 * or NULL when there is none. */
const char *
dailies_task_view_get_shown_attention (DailiesTaskView *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_VIEW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->attention_group)))
    return NULL;

  return gtk_label_get_label (self->attention_label);
}

const char *
dailies_task_view_get_shown_status (DailiesTaskView *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_VIEW (self), NULL);

  return gtk_label_get_label (self->status_label);
}

/* Why nothing plays (an expired link, or none), or NULL when that is hidden. */
const char *
dailies_task_view_get_shown_link_state (DailiesTaskView *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_VIEW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->link_label)))
    return NULL;

  return gtk_label_get_label (self->link_label);
}

/* For tests: the failure reason as shown, or NULL when the failure group is hidden. */
const char *
dailies_task_view_get_shown_fail_reason (DailiesTaskView *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_VIEW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->failure_group)))
    return NULL;

  return gtk_label_get_label (self->fail_reason_label);
}
