/* dailies-task.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dailies-link.h"
#include "dailies-task.h"

/* All a task knows besides its ID: what the service said, the copy kept,
 * what the UI shows while keeping it. A task not yet answered has none;
 * an import of 100,000 IDs makes 100,000 such tasks, each a third of the
 * size it would be with this inline (fewer pages to fault in, less RSS). */
typedef struct
{
  /* Stored: DailiesTaskFields less the task's own fields below. */
  char                  *status_text;   /* interned */
  gint64                 submit_time;
  gint64                 start_time;
  gint64                 finish_time;
  char                  *fail_reason;
  char                  *result_url;
  char                  *original_result_url;
  char                  *request_id;
  char                  *model;         /* interned */
  char                  *raw_json;
  gint64                 last_polled;
  char                  *last_error;
  guint                  http_status;
  char                  *local_path;
  gint64                 link_seen;
  gint64                 link_lapsed;
  gint64                 link_expires;
  /* When set, raw_json is its data, not owned apart: the JSON as handed
   * to the store's writer, which shares it rather than copying it. */
  GBytes                *json_bytes;
  /* While set, raw_json is NULL and the JSON is in the store's database:
   * most tasks are finished and their JSON is rarely looked at. */
  DailiesTaskJsonSource *json_source;

  /* Not stored: the state of keeping a local copy, for the UI. */
  double                 download_fraction;
  char                  *keep_message;
  char                  *thumbnail_path;
  /* Set by each answer and stored with it (see the getter). */
  char                  *upstream_problem;
  char                  *gateway_request_id;  /* X-Oneapi-Request-Id of the last answer */
} DailiesTaskDetail;

/* What a task without detail reads as. */
static const DailiesTaskDetail no_detail = {
  .download_fraction = -1.0,
};

struct _DailiesTask
{
  GObject            parent_instance;

  char              *id;
  DailiesTaskDetail *detail;    /* NULL until there is anything in it */
  gint64             first_seen;
  DailiesTaskStatus  status;
  int                progress;

  /* Where DailiesTaskStore keeps it, plus one; 0 before it has a place. */
  guint              store_position;
  guint              upstream_problem_known : 1;
  /* Whether result_url is an http(s) link, worked out when first asked. */
  guint              link_usable_known : 1;
  guint              link_usable : 1;
  /* Changes made together (begin_changes) and whether one was made. */
  guint              batch_depth : 4;
  guint              changed_in_batch : 1;
  /* DailiesTaskList's arrival order; list_seq 0 before it has one. */
  gint64             list_added;
  guint64            list_seq;
  /* Made ahead for the list's search; NULL once taken or changed. */
  char              *search_key;
  gpointer           list_entry;  /* DailiesTaskListModel's */
};

G_DEFINE_FINAL_TYPE (DailiesTask, dailies_task, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_STATUS,
  PROP_STATUS_TEXT,
  PROP_PROGRESS,
  PROP_SUBMIT_TIME,
  PROP_START_TIME,
  PROP_FINISH_TIME,
  PROP_FAIL_REASON,
  PROP_RESULT_URL,
  PROP_ORIGINAL_RESULT_URL,
  PROP_REQUEST_ID,
  PROP_MODEL,
  PROP_RAW_JSON,
  PROP_FIRST_SEEN,
  PROP_LAST_POLLED,
  PROP_LAST_ERROR,
  PROP_HTTP_STATUS,
  PROP_LOCAL_PATH,
  PROP_LINK_SEEN,
  PROP_LINK_LAPSED,
  PROP_TERMINAL,
  PROP_DOWNLOAD_FRACTION,
  PROP_KEEP_MESSAGE,
  PROP_THUMBNAIL_PATH,
  PROP_UPSTREAM_PROBLEM,
  PROP_GATEWAY_REQUEST_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Every change notifies through here. Whatever changed, a search key
 * made before may no longer say it. "changed" follows, once for changes
 * made together. (Not by overriding dispatch_properties_changed: that
 * would cost every notify its shortcut for a task nobody listens to.) */
static inline void
changed (DailiesTask *self,
         GParamSpec  *pspec)
{
  g_clear_pointer (&self->search_key, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
  if (self->batch_depth > 0)
    self->changed_in_batch = TRUE;
  else
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
dailies_task_begin_changes (DailiesTask *self)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  g_return_if_fail (self->batch_depth < 15);

  g_object_freeze_notify (G_OBJECT (self));
  self->batch_depth++;
}

void
dailies_task_end_changes (DailiesTask *self)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  g_return_if_fail (self->batch_depth > 0);

  /* A handler of the notifies may drop the last other reference. */
  g_object_ref (self);
  g_object_thaw_notify (G_OBJECT (self));
  if (--self->batch_depth == 0 && self->changed_in_batch)
    {
      self->changed_in_batch = FALSE;
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
    }
  g_object_unref (self);
}

static inline const DailiesTaskDetail *
peek (DailiesTask *self)
{
  return self->detail != NULL ? self->detail : &no_detail;
}

/* A field's place in DailiesTaskDetail, for the setters below, and
 * reads of it that cannot write to no_detail. */
#define AT(field) G_STRUCT_OFFSET (DailiesTaskDetail, field)

static inline const char *
read_string (DailiesTask *self,
             glong        offset)
{
  return *(const char * const *) ((const guint8 *) peek (self) + offset);
}

static inline gint64
read_int64 (DailiesTask *self,
            glong        offset)
{
  return *(const gint64 *) ((const guint8 *) peek (self) + offset);
}

/* For writing: made when first needed. */
static DailiesTaskDetail *
detail (DailiesTask *self)
{
  if (G_UNLIKELY (self->detail == NULL))
    {
      self->detail = g_new0 (DailiesTaskDetail, 1);
      self->detail->download_fraction = no_detail.download_fraction;
    }
  return self->detail;
}

/* Setters notify only on a real change, so that rows and views bound to a
 * task redraw only when something they show is different. Each takes its
 * field's place in DailiesTaskDetail: a task without detail that is set to
 * what it reads as gets none. */
static void
set_string (DailiesTask *self,
            glong        offset,
            const char  *value,
            guint        prop_id)
{
  char **field;

  g_assert (DAILIES_IS_TASK (self));

  if (g_strcmp0 (read_string (self, offset), value) == 0)
    return;

  field = G_STRUCT_MEMBER_P (detail (self), offset);
  g_free (*field);
  *field = g_strdup (value);
  changed (self, properties[prop_id]);
}

/* For the few values that thousands of tasks share (the status as the
 * service words it, the model): one interned copy, never freed, rather
 * than one each. */
static void
set_interned (DailiesTask *self,
              glong        offset,
              const char  *value,
              guint        prop_id)
{
  g_assert (DAILIES_IS_TASK (self));

  if (g_strcmp0 (read_string (self, offset), value) == 0)
    return;

  G_STRUCT_MEMBER (char *, detail (self), offset) = (char *) g_intern_string (value);
  changed (self, properties[prop_id]);
}

static char *
intern_take (char *value)
{
  const char *interned = g_intern_string (value);

  g_free (value);
  return (char *) interned;
}

static void
set_int64 (DailiesTask *self,
           glong        offset,
           gint64       value,
           guint        prop_id)
{
  g_assert (DAILIES_IS_TASK (self));

  if (read_int64 (self, offset) == value)
    return;

  G_STRUCT_MEMBER (gint64, detail (self), offset) = value;
  changed (self, properties[prop_id]);
}

static void
drop_json_source (DailiesTask *self)
{
  if (self->detail != NULL)
    dailies_task_json_source_unref (g_steal_pointer (&self->detail->json_source));
}

/* Frees raw_json, or lets the writer's share of it go. */
static void
clear_raw_json (DailiesTask *self)
{
  DailiesTaskDetail *d = self->detail;

  if (d == NULL)
    return;

  if (d->json_bytes != NULL)
    {
      d->raw_json = NULL;
      g_clear_pointer (&d->json_bytes, g_bytes_unref);
    }
  else
    {
      g_clear_pointer (&d->raw_json, g_free);
    }
}

/* The stored JSON, newly allocated; NULL when there is none or it cannot
 * be read (the source is then kept, for another try). */
static char *
read_stored_json (DailiesTask *self)
{
  if (peek (self)->json_source == NULL)
    return NULL;

  return peek (self)->json_source->read (peek (self)->json_source, self->id);
}

static void
dailies_task_finalize (GObject *object)
{
  DailiesTask *self = (DailiesTask *) object;
  DailiesTaskDetail *d = self->detail;

  g_free (self->id);
  g_free (self->search_key);
  if (d != NULL)
    {
      /* status_text and model are interned, not ours to free. */
      clear_raw_json (self);
      drop_json_source (self);
      g_free (d->fail_reason);
      g_free (d->result_url);
      g_free (d->original_result_url);
      g_free (d->request_id);
      g_free (d->last_error);
      g_free (d->local_path);
      g_free (d->keep_message);
      g_free (d->thumbnail_path);
      g_free (d->upstream_problem);
      g_free (d->gateway_request_id);
      g_free (d);
    }

  G_OBJECT_CLASS (dailies_task_parent_class)->finalize (object);
}

static void
dailies_task_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DailiesTask *self = DAILIES_TASK (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_STATUS_TEXT:
      g_value_set_string (value, peek (self)->status_text);
      break;

    case PROP_PROGRESS:
      g_value_set_int (value, self->progress);
      break;

    case PROP_SUBMIT_TIME:
      g_value_set_int64 (value, peek (self)->submit_time);
      break;

    case PROP_START_TIME:
      g_value_set_int64 (value, peek (self)->start_time);
      break;

    case PROP_FINISH_TIME:
      g_value_set_int64 (value, peek (self)->finish_time);
      break;

    case PROP_FAIL_REASON:
      g_value_set_string (value, peek (self)->fail_reason);
      break;

    case PROP_RESULT_URL:
      g_value_set_string (value, peek (self)->result_url);
      break;

    case PROP_ORIGINAL_RESULT_URL:
      g_value_set_string (value, peek (self)->original_result_url);
      break;

    case PROP_REQUEST_ID:
      g_value_set_string (value, peek (self)->request_id);
      break;

    case PROP_MODEL:
      g_value_set_string (value, peek (self)->model);
      break;

    case PROP_RAW_JSON:
      g_value_set_string (value, dailies_task_get_raw_json (self));
      break;

    case PROP_FIRST_SEEN:
      g_value_set_int64 (value, self->first_seen);
      break;

    case PROP_LAST_POLLED:
      g_value_set_int64 (value, peek (self)->last_polled);
      break;

    case PROP_LAST_ERROR:
      g_value_set_string (value, peek (self)->last_error);
      break;

    case PROP_HTTP_STATUS:
      g_value_set_uint (value, peek (self)->http_status);
      break;

    case PROP_LOCAL_PATH:
      g_value_set_string (value, peek (self)->local_path);
      break;

    case PROP_LINK_SEEN:
      g_value_set_int64 (value, peek (self)->link_seen);
      break;

    case PROP_LINK_LAPSED:
      g_value_set_int64 (value, peek (self)->link_lapsed);
      break;

    case PROP_DOWNLOAD_FRACTION:
      g_value_set_double (value, peek (self)->download_fraction);
      break;

    case PROP_KEEP_MESSAGE:
      g_value_set_string (value, peek (self)->keep_message);
      break;

    case PROP_UPSTREAM_PROBLEM:
      g_value_set_string (value, dailies_task_get_upstream_problem (self));
      break;

    case PROP_THUMBNAIL_PATH:
      g_value_set_string (value, peek (self)->thumbnail_path);
      break;

    case PROP_GATEWAY_REQUEST_ID:
      g_value_set_string (value, peek (self)->gateway_request_id);
      break;

    case PROP_TERMINAL:
      g_value_set_boolean (value, dailies_task_is_terminal (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DailiesTask *self = DAILIES_TASK (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_class_init (DailiesTaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dailies_task_finalize;
  object_class->get_property = dailies_task_get_property;
  object_class->set_property = dailies_task_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       DAILIES_TYPE_TASK_STATUS, DAILIES_TASK_STATUS_UNKNOWN, ro);
  properties[PROP_STATUS_TEXT] =
    g_param_spec_string ("status-text", NULL, NULL, NULL, ro);
  /* -1 = unknown */
  properties[PROP_PROGRESS] =
    g_param_spec_int ("progress", NULL, NULL, -1, 100, -1, ro);
  properties[PROP_SUBMIT_TIME] =
    g_param_spec_int64 ("submit-time", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_START_TIME] =
    g_param_spec_int64 ("start-time", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_FINISH_TIME] =
    g_param_spec_int64 ("finish-time", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_FAIL_REASON] =
    g_param_spec_string ("fail-reason", NULL, NULL, NULL, ro);
  properties[PROP_RESULT_URL] =
    g_param_spec_string ("result-url", NULL, NULL, NULL, ro);
  properties[PROP_ORIGINAL_RESULT_URL] =
    g_param_spec_string ("original-result-url", NULL, NULL, NULL, ro);
  properties[PROP_REQUEST_ID] =
    g_param_spec_string ("request-id", NULL, NULL, NULL, ro);
  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL, NULL, ro);
  properties[PROP_RAW_JSON] =
    g_param_spec_string ("raw-json", NULL, NULL, NULL, ro);
  properties[PROP_FIRST_SEEN] =
    g_param_spec_int64 ("first-seen", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_LAST_POLLED] =
    g_param_spec_int64 ("last-polled", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_HTTP_STATUS] =
    g_param_spec_uint ("http-status", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_LOCAL_PATH] =
    g_param_spec_string ("local-path", NULL, NULL, NULL, ro);
  properties[PROP_LINK_SEEN] =
    g_param_spec_int64 ("link-seen", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_LINK_LAPSED] =
    g_param_spec_int64 ("link-lapsed", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_TERMINAL] =
    g_param_spec_boolean ("terminal", NULL, NULL, FALSE, ro);
  properties[PROP_DOWNLOAD_FRACTION] =
    g_param_spec_double ("download-fraction", NULL, NULL, -1.0, 1.0, -1.0, ro);
  properties[PROP_KEEP_MESSAGE] =
    g_param_spec_string ("keep-message", NULL, NULL, NULL, ro);
  properties[PROP_THUMBNAIL_PATH] =
    g_param_spec_string ("thumbnail-path", NULL, NULL, NULL, ro);
  properties[PROP_UPSTREAM_PROBLEM] =
    g_param_spec_string ("upstream-problem", NULL, NULL, NULL, ro);
  properties[PROP_GATEWAY_REQUEST_ID] =
    g_param_spec_string ("gateway-request-id", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DailiesTask::changed:
   *
   * After any change of the task's properties, once for changes made
   * together (an answer applied): what shows the whole task redraws once,
   * where each notify would have it redraw once a field.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dailies_task_init (DailiesTask *self)
{
  self->status = DAILIES_TASK_STATUS_UNKNOWN;
  self->progress = -1;
}

DailiesTask *
dailies_task_new (const char *id)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);

  return g_object_new (DAILIES_TYPE_TASK, "id", id, NULL);
}

DailiesTask *
dailies_task_new_take_fields (DailiesTaskFields *fields)
{
  DailiesTask *self;

  g_return_val_if_fail (fields != NULL, NULL);
  g_return_val_if_fail (fields->id != NULL && *fields->id != '\0', NULL);
  /* Its strings are taken one by one: not a copy made by dup_fields(). */
  g_return_val_if_fail (fields->strings == NULL, NULL);

  /* Nobody can watch a task before it exists: the fields are set directly,
   * which spares a loader of thousands of rows a notify per field. */
  self = g_object_new (DAILIES_TYPE_TASK, NULL);

  self->id = fields->id;
  self->status = fields->status;
  self->progress = CLAMP (fields->progress, -1, 100);
  self->first_seen = fields->first_seen;
  /* Rows from before the expiry was stored say -1, "not read yet", with
   * or without a link: without one there is nothing to read. */
  if (fields->link_expires < 0 && fields->result_url == NULL)
    fields->link_expires = 0;

  /* A task only listed, never answered, has no detail. */
  if (fields->status_text != NULL || fields->submit_time != 0 || fields->start_time != 0 ||
      fields->finish_time != 0 || fields->fail_reason != NULL || fields->result_url != NULL ||
      fields->original_result_url != NULL || fields->request_id != NULL || fields->model != NULL ||
      fields->raw_json != NULL || fields->last_polled != 0 || fields->last_error != NULL ||
      fields->http_status != 0 || fields->local_path != NULL || fields->link_seen != 0 ||
      fields->link_lapsed != 0 || fields->link_expires != 0)
    {
      DailiesTaskDetail *d = detail (self);

      d->status_text = intern_take (fields->status_text);
      d->submit_time = fields->submit_time;
      d->start_time = fields->start_time;
      d->finish_time = fields->finish_time;
      d->fail_reason = fields->fail_reason;
      d->result_url = fields->result_url;
      d->original_result_url = fields->original_result_url;
      d->request_id = fields->request_id;
      d->model = intern_take (fields->model);
      d->raw_json = fields->raw_json;
      d->last_polled = fields->last_polled;
      d->last_error = fields->last_error;
      d->http_status = fields->http_status;
      d->local_path = fields->local_path;
      d->link_seen = fields->link_seen;
      d->link_lapsed = fields->link_lapsed;
      d->link_expires = fields->link_expires;
    }

  /* Stored with the answer: no need to parse the JSON for it. */
  if (fields->upstream_problem != NULL)
    {
      self->upstream_problem_known = TRUE;
      if (*fields->upstream_problem != '\0' && !dailies_task_status_is_terminal (self->status))
        detail (self)->upstream_problem = g_steal_pointer (&fields->upstream_problem);
      g_clear_pointer (&fields->upstream_problem, g_free);
    }

  /* The strings are ours now. */
  memset (fields, 0, sizeof *fields);

  return self;
}

const char *
dailies_task_get_id (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return self->id;
}

DailiesTaskStatus
dailies_task_get_status (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), DAILIES_TASK_STATUS_UNKNOWN);
  return self->status;
}

const char *
dailies_task_get_status_text (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->status_text;
}

int
dailies_task_get_progress (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), -1);
  return self->progress;
}

gint64
dailies_task_get_submit_time (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return peek (self)->submit_time;
}

gint64
dailies_task_get_start_time (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return peek (self)->start_time;
}

gint64
dailies_task_get_finish_time (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return peek (self)->finish_time;
}

const char *
dailies_task_get_fail_reason (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->fail_reason;
}

const char *
dailies_task_get_result_url (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->result_url;
}

const char *
dailies_task_get_original_result_url (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->original_result_url;
}

const char *
dailies_task_get_request_id (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->request_id;
}

const char *
dailies_task_get_model (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->model;
}

const char *
dailies_task_get_raw_json (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);

  /* A point read by primary key, for the one task being shown; kept. */
  if (peek (self)->json_source != NULL)
    {
      char *json = read_stored_json (self);

      if (json != NULL)
        {
          clear_raw_json (self);
          self->detail->raw_json = json;
          drop_json_source (self);
        }
    }

  return peek (self)->raw_json;
}

void
dailies_task_set_json_source (DailiesTask           *self,
                              DailiesTaskJsonSource *source)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  drop_json_source (self);
  if (source != NULL)
    {
      clear_raw_json (self);
      detail (self)->json_source = g_atomic_rc_box_acquire (source);
    }
}

DailiesTaskJsonSource *
dailies_task_ref_json_source (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);

  return peek (self)->json_source != NULL ? g_atomic_rc_box_acquire (peek (self)->json_source) : NULL;
}

void
dailies_task_json_source_unref (DailiesTaskJsonSource *source)
{
  if (source != NULL)
    g_atomic_rc_box_release_full (source, (GDestroyNotify) source->clear);
}

gboolean
dailies_task_has_raw_json_in_memory (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), TRUE);
  return peek (self)->json_source == NULL;
}

gboolean
dailies_task_has_raw_json (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), FALSE);
  return peek (self)->raw_json != NULL || peek (self)->json_source != NULL;
}

gboolean
dailies_task_leave_json_stored (DailiesTask           *self,
                                GBytes                *json,
                                DailiesTaskJsonSource *source)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);
  g_return_val_if_fail (source != NULL, FALSE);

  /* Another answer since, or an unfinished task's upstream problem still
   * to be read from the JSON (its raw-json set by itself): kept. */
  if (peek (self)->json_bytes != json || (!dailies_task_is_terminal (self) && !self->upstream_problem_known))
    return FALSE;

  dailies_task_set_json_source (self, source);
  return TRUE;
}

gint64
dailies_task_get_first_seen (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return self->first_seen;
}

gint64
dailies_task_get_last_polled (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return peek (self)->last_polled;
}

const char *
dailies_task_get_last_error (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->last_error;
}

guint
dailies_task_get_http_status (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return peek (self)->http_status;
}

const char *
dailies_task_get_local_path (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return peek (self)->local_path;
}

gboolean
dailies_task_is_terminal (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), FALSE);
  return dailies_task_status_is_terminal (self->status);
}

DailiesTaskResponse *
dailies_task_dup_response (DailiesTask *self)
{
  g_autoptr(GError) error = NULL;
  DailiesTaskResponse *response;

  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);

  /* Read for the moment, not kept: the keeper asks for each task it keeps. */
  if (peek (self)->raw_json == NULL)
    {
      g_autofree char *stored = read_stored_json (self);

      if (stored == NULL)
        return NULL;
      response = dailies_task_response_parse (stored, strlen (stored), &error);
      if (response == NULL)
        g_debug ("task: %s: stored response does not parse: %s", self->id, error->message);
      return response;
    }

  response = dailies_task_response_parse (peek (self)->raw_json, strlen (peek (self)->raw_json), &error);
  if (response == NULL)
    g_debug ("task: %s: stored response does not parse: %s", self->id, error->message);

  return response;
}

/* Known from the answer that set it, or loaded with the row; otherwise
 * read from raw-json here: by the store's loader for a row whose problem
 * was not stored or not made as now (then stored), and for a raw-json set
 * by itself. */
const char *
dailies_task_get_upstream_problem (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);

  if (dailies_task_is_terminal (self))
    return NULL;

  if (!self->upstream_problem_known)
    {
      g_autoptr(DailiesTaskResponse) response = dailies_task_dup_response (self);

      self->upstream_problem_known = TRUE;
      /* A response means JSON, which means detail. */
      if (self->detail != NULL)
        g_clear_pointer (&self->detail->upstream_problem, g_free);
      if (response != NULL && response->upstream_problem != NULL)
        detail (self)->upstream_problem = g_steal_pointer (&response->upstream_problem);
    }

  return peek (self)->upstream_problem;
}

/* The work of the setters below that change several properties, without
 * their freeze of notifies: an answer holds one freeze for all of them
 * (each freeze and thaw costs hundreds of instructions). */
static void
update_status (DailiesTask       *self,
               DailiesTaskStatus  status,
               const char        *status_text)
{
  if (self->status != status)
    {
      gboolean was_terminal = dailies_task_is_terminal (self);

      self->status = status;
      changed (self, properties[PROP_STATUS]);
      if (was_terminal != dailies_task_is_terminal (self))
        changed (self, properties[PROP_TERMINAL]);
    }

  set_interned (self, AT (status_text), status_text, PROP_STATUS_TEXT);
}

static void
update_times (DailiesTask *self,
              gint64       submit_time,
              gint64       start_time,
              gint64       finish_time)
{
  set_int64 (self, AT (submit_time), submit_time, PROP_SUBMIT_TIME);
  set_int64 (self, AT (start_time), start_time, PROP_START_TIME);
  set_int64 (self, AT (finish_time), finish_time, PROP_FINISH_TIME);
}

static void
update_result_urls (DailiesTask *self,
                    const char  *result_url,
                    const char  *original_result_url)
{
  /* Read once per link, here, and stored: filters and sorts ask about
   * thousands of tasks at a time. */
  if (g_strcmp0 (peek (self)->result_url, result_url) != 0)
    {
      DailiesTaskDetail *d = detail (self);

      self->link_usable_known = FALSE;
      if (!dailies_link_parse_expiry (result_url, &d->link_expires))
        d->link_expires = 0;
    }

  set_string (self, AT (result_url), result_url, PROP_RESULT_URL);
  set_string (self, AT (original_result_url), original_result_url, PROP_ORIGINAL_RESULT_URL);
}

static void
update_last_error (DailiesTask *self,
                   const char  *last_error,
                   guint        http_status)
{
  set_string (self, AT (last_error), last_error, PROP_LAST_ERROR);
  if (peek (self)->http_status != http_status)
    {
      detail (self)->http_status = http_status;
      changed (self, properties[PROP_HTTP_STATUS]);
    }
}

/* Takes @raw_json. */
static void
take_raw_json (DailiesTask *self,
               char        *raw_json)
{
  if (peek (self)->json_source != NULL)
    {
      /* Whatever was stored is replaced: a change, even if equal. */
      drop_json_source (self);
      self->upstream_problem_known = FALSE;
    }
  else if (g_strcmp0 (peek (self)->raw_json, raw_json) == 0)
    {
      g_free (raw_json);
      return;
    }
  else
    {
      self->upstream_problem_known = FALSE;
    }

  clear_raw_json (self);
  detail (self)->raw_json = raw_json;
  changed (self, properties[PROP_RAW_JSON]);
}

void
dailies_task_apply_response (DailiesTask               *self,
                             const DailiesTaskResponse *response,
                             const char                *raw_json,
                             guint                      http_status,
                             gint64                     polled_at)
{
  dailies_task_apply_response_take_json (self, response, g_strdup (raw_json), http_status, polled_at);
}

void
dailies_task_apply_response_take_json (DailiesTask               *self,
                                       const DailiesTaskResponse *response,
                                       char                      *raw_json,
                                       guint                      http_status,
                                       gint64                     polled_at)
{
  g_autofree char *owned_json = raw_json;

  g_return_if_fail (DAILIES_IS_TASK (self));
  g_return_if_fail (response != NULL);

  /* One batch of notifies, and one "changed": a row redraws once per
   * answer, not once per field. */
  dailies_task_begin_changes (self);

  update_status (self, response->status, response->status_text);
  dailies_task_set_progress (self, response->progress);
  update_times (self, response->submit_time, response->start_time, response->finish_time);
  dailies_task_set_fail_reason (self, response->fail_reason);

  /* Each link is judged by itself: another one starts its own clock and
   * is not lapsed because the one before was. The same one keeps both. */
  if (g_strcmp0 (peek (self)->result_url, response->result_url) != 0)
    {
      set_int64 (self, AT (link_seen), response->result_url != NULL ? polled_at : 0, PROP_LINK_SEEN);
      dailies_task_set_link_lapsed (self, 0);
    }
  else if (response->result_url != NULL && peek (self)->link_seen <= 0)
    {
      set_int64 (self, AT (link_seen), polled_at, PROP_LINK_SEEN);
    }
  update_result_urls (self, response->result_url, response->original_result_url);
  dailies_task_set_request_id (self, response->request_id);
  dailies_task_set_model (self, response->model);
  take_raw_json (self, g_steal_pointer (&owned_json));
  set_string (self, AT (upstream_problem), response->upstream_problem,
              PROP_UPSTREAM_PROBLEM);
  self->upstream_problem_known = TRUE;
  dailies_task_set_last_polled (self, polled_at);
  update_last_error (self, NULL, http_status);

  dailies_task_end_changes (self);
}

void
dailies_task_set_status (DailiesTask       *self,
                         DailiesTaskStatus  status,
                         const char        *status_text)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  dailies_task_begin_changes (self);
  update_status (self, status, status_text);
  dailies_task_end_changes (self);
}

void
dailies_task_set_progress (DailiesTask *self,
                           int          progress)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  progress = CLAMP (progress, -1, 100);
  if (self->progress == progress)
    return;

  self->progress = progress;
  changed (self, properties[PROP_PROGRESS]);
}

void
dailies_task_set_times (DailiesTask *self,
                        gint64       submit_time,
                        gint64       start_time,
                        gint64       finish_time)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  dailies_task_begin_changes (self);
  update_times (self, submit_time, start_time, finish_time);
  dailies_task_end_changes (self);
}

void
dailies_task_set_fail_reason (DailiesTask *self,
                              const char  *fail_reason)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  set_string (self, AT (fail_reason), fail_reason, PROP_FAIL_REASON);
}

void
dailies_task_set_result_urls (DailiesTask *self,
                              const char  *result_url,
                              const char  *original_result_url)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  dailies_task_begin_changes (self);
  update_result_urls (self, result_url, original_result_url);
  dailies_task_end_changes (self);
}

void
dailies_task_set_request_id (DailiesTask *self,
                             const char  *request_id)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  set_string (self, AT (request_id), request_id, PROP_REQUEST_ID);
}

void
dailies_task_set_model (DailiesTask *self,
                        const char  *model)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  set_interned (self, AT (model), model, PROP_MODEL);
}

void
dailies_task_set_raw_json (DailiesTask *self,
                           const char  *raw_json)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  /* Copied only when it differs (or replaces what was stored). */
  if (peek (self)->json_source == NULL && g_strcmp0 (peek (self)->raw_json, raw_json) == 0)
    return;
  take_raw_json (self, g_strdup (raw_json));
}

void
dailies_task_set_first_seen (DailiesTask *self,
                             gint64       first_seen)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  if (self->first_seen == first_seen)
    return;

  self->first_seen = first_seen;
  changed (self, properties[PROP_FIRST_SEEN]);
}

void
dailies_task_set_last_polled (DailiesTask *self,
                              gint64       last_polled)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  set_int64 (self, AT (last_polled), last_polled, PROP_LAST_POLLED);
}

void
dailies_task_set_last_error (DailiesTask *self,
                             const char  *last_error,
                             guint        http_status)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  dailies_task_begin_changes (self);
  update_last_error (self, last_error, http_status);
  dailies_task_end_changes (self);
}

void
dailies_task_set_local_path (DailiesTask *self,
                             const char  *local_path)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  set_string (self, AT (local_path), local_path, PROP_LOCAL_PATH);
}

double
dailies_task_get_download_fraction (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), -1.0);

  return peek (self)->download_fraction;
}

const char *
dailies_task_get_keep_message (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);

  return peek (self)->keep_message;
}

const char *
dailies_task_get_thumbnail_path (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);

  return peek (self)->thumbnail_path;
}

void
dailies_task_set_keep_state (DailiesTask *self,
                             double       download_fraction,
                             const char  *keep_message)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  download_fraction = CLAMP (download_fraction, -1.0, 1.0);

  dailies_task_begin_changes (self);
  if (peek (self)->download_fraction != download_fraction)
    {
      detail (self)->download_fraction = download_fraction;
      changed (self, properties[PROP_DOWNLOAD_FRACTION]);
    }
  set_string (self, AT (keep_message), keep_message, PROP_KEEP_MESSAGE);
  dailies_task_end_changes (self);
}

void
dailies_task_set_thumbnail_path (DailiesTask *self,
                                 const char  *thumbnail_path)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  set_string (self, AT (thumbnail_path), thumbnail_path, PROP_THUMBNAIL_PATH);
}

const char *
dailies_task_get_gateway_request_id (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);

  return peek (self)->gateway_request_id;
}

void
dailies_task_set_gateway_request_id (DailiesTask *self,
                                     const char  *request_id)
{
  g_return_if_fail (DAILIES_IS_TASK (self));

  set_string (self, AT (gateway_request_id), request_id, PROP_GATEWAY_REQUEST_ID);
}

gint64
dailies_task_get_link_seen (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return peek (self)->link_seen;
}

gint64
dailies_task_get_link_lapsed (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return peek (self)->link_lapsed;
}

void
dailies_task_set_link_lapsed (DailiesTask *self,
                              gint64       lapsed_at)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  set_int64 (self, AT (link_lapsed), MAX (lapsed_at, 0), PROP_LINK_LAPSED);
}

gboolean
dailies_task_has_usable_link (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), FALSE);

  if (self->status != DAILIES_TASK_STATUS_SUCCESS)
    return FALSE;

  if (!self->link_usable_known)
    {
      self->link_usable = dailies_link_is_usable (peek (self)->result_url);
      self->link_usable_known = TRUE;
    }

  return self->link_usable;
}

gint64
dailies_task_get_link_expires_at (DailiesTask *self)
{
  gint64 expires_at;

  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);

  if (peek (self)->result_url == NULL)
    return 0;

  /* Rows saved before the expiry was stored: read once, saved with the
   * task's next change. */
  if (self->detail->link_expires < 0 &&
      !dailies_link_parse_expiry (self->detail->result_url, &self->detail->link_expires))
    self->detail->link_expires = 0;

  /* The link's own word first. Failing that, 24 h from when this very
   * link arrived: the service keeps a task's old finish_time when it
   * hands out a fresh link, so finish_time says nothing about the link. */
  if (peek (self)->link_expires > 0)
    expires_at = peek (self)->link_expires;
  else if (peek (self)->link_seen > 0)
    expires_at = peek (self)->link_seen + DAILIES_TASK_RESULT_URL_LIFETIME;
  else
    expires_at = 0;

  /* The host's refusal outweighs any clock. */
  if (peek (self)->link_lapsed > 0 && (expires_at == 0 || peek (self)->link_lapsed < expires_at))
    expires_at = peek (self)->link_lapsed;

  return expires_at;
}

gboolean
dailies_task_is_link_expired (DailiesTask *self,
                              gint64       now)
{
  gint64 expires_at;

  g_return_val_if_fail (DAILIES_IS_TASK (self), FALSE);

  if (peek (self)->result_url == NULL)
    return FALSE;

  /* Whatever the clock says (it may be wrong, or turned back). */
  if (peek (self)->link_lapsed > 0)
    return TRUE;

  expires_at = dailies_task_get_link_expires_at (self);

  return expires_at > 0 && now >= expires_at;
}

guint
dailies_task_get_store_position (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), 0);
  return self->store_position;
}

void
dailies_task_set_store_position (DailiesTask *self,
                                 guint        position)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  self->store_position = position;
}

gboolean
dailies_task_get_list_order (DailiesTask *self,
                             gint64      *added,
                             guint64     *seq)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), FALSE);
  if (added != NULL)
    *added = self->list_added;
  if (seq != NULL)
    *seq = self->list_seq;
  return self->list_seq != 0;
}

void
dailies_task_set_list_order (DailiesTask *self,
                             gint64       added,
                             guint64      seq)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  g_return_if_fail (seq != 0);
  self->list_added = added;
  self->list_seq = seq;
}

gpointer
dailies_task_get_list_entry (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return self->list_entry;
}

void
dailies_task_set_list_entry (DailiesTask *self,
                             gpointer     entry)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  self->list_entry = entry;
}

void
dailies_task_set_search_key (DailiesTask *self,
                             char        *key)
{
  g_return_if_fail (DAILIES_IS_TASK (self));
  g_free (self->search_key);
  self->search_key = key;
}

char *
dailies_task_steal_search_key (DailiesTask *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK (self), NULL);
  return g_steal_pointer (&self->search_key);
}

void
dailies_task_dup_fields (DailiesTask       *self,
                         DailiesTaskFields *fields,
                         GBytes           **raw_json)
{
  DailiesTaskDetail *d;
  gsize size = 0;
  char *at;

  g_return_if_fail (DAILIES_IS_TASK (self));
  g_return_if_fail (fields != NULL);
  g_return_if_fail (raw_json != NULL);

  *fields = (DailiesTaskFields) {
    .status = self->status,
    .progress = self->progress,
    .first_seen = self->first_seen,
  };
  *raw_json = NULL;
  d = self->detail;

  /* The upstream problem is known once an answer was applied or the task
   * loaded; one given raw-json by itself reads it from that here. */
  const char *texts[] = {
    self->id, dailies_task_get_upstream_problem (self) ?: "",
    d ? d->status_text : NULL, d ? d->fail_reason : NULL, d ? d->result_url : NULL,
    d ? d->original_result_url : NULL, d ? d->request_id : NULL, d ? d->model : NULL,
    d ? d->last_error : NULL, d ? d->local_path : NULL,
  };
  char **copies[] = {
    &fields->id, &fields->upstream_problem,
    &fields->status_text, &fields->fail_reason, &fields->result_url,
    &fields->original_result_url, &fields->request_id, &fields->model,
    &fields->last_error, &fields->local_path,
  };
  gsize lengths[G_N_ELEMENTS (texts)];

  G_STATIC_ASSERT (G_N_ELEMENTS (texts) == G_N_ELEMENTS (copies));

  /* One allocation for them all: an Undo of 50,000 copies 50,000 rows. */
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    size += lengths[i] = texts[i] != NULL ? strlen (texts[i]) + 1 : 0;
  fields->strings = at = g_malloc (size);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i] != NULL)
      {
        *copies[i] = memcpy (at, texts[i], lengths[i]);
        at += lengths[i];
      }

  if (d == NULL)
    return;

  fields->submit_time = d->submit_time;
  fields->start_time = d->start_time;
  fields->finish_time = d->finish_time;
  /* An answer's JSON is the largest field: shared, not copied. The bytes
   * are the string and its NUL, the string taken as it is. */
  if (d->json_bytes == NULL && d->raw_json != NULL)
    d->json_bytes = g_bytes_new_take (d->raw_json, strlen (d->raw_json) + 1);
  *raw_json = d->json_bytes != NULL ? g_bytes_ref (d->json_bytes) : NULL;
  fields->last_polled = d->last_polled;
  fields->http_status = d->http_status;
  fields->link_seen = d->link_seen;
  fields->link_lapsed = d->link_lapsed;
  fields->link_expires = d->link_expires;
}

void
dailies_task_fields_clear (DailiesTaskFields *fields)
{
  g_return_if_fail (fields != NULL);

  if (fields->strings != NULL)
    {
      g_free (fields->strings);
      g_free (fields->raw_json);
      memset (fields, 0, sizeof *fields);
      return;
    }

  g_free (fields->id);
  g_free (fields->status_text);
  g_free (fields->fail_reason);
  g_free (fields->result_url);
  g_free (fields->original_result_url);
  g_free (fields->request_id);
  g_free (fields->model);
  g_free (fields->raw_json);
  g_free (fields->last_error);
  g_free (fields->local_path);
  g_free (fields->upstream_problem);
  memset (fields, 0, sizeof *fields);
}
