/* dailies-task-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#ifdef __GLIBC__
# include <malloc.h>
#endif

#include <glib/gi18n.h>

#include "dailies-id-hash.h"
#include "dailies-indices.h"
#include "dailies-ready-source.h"
#include "dailies-task-store-private.h"
#include "dailies-thread.h"

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DailiesTaskStore, dailies_task_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (dailies-store-error-quark, dailies_store_error)

enum {
  PROP_0,
  PROP_PATH,
  PROP_ITEM_TYPE,
  PROP_N_ITEMS,
  PROP_LOADED,
  N_PROPS
};

enum {
  WRITE_FAILED,
  TASK_ANSWERED,
  TASKS_ADDED,
  TASKS_REMOVED,
  TASK_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
dailies_task_store_emit_write_failed (DailiesTaskStore *self,
                                      const GError     *error)
{
  g_signal_emit (self, signals[WRITE_FAILED], 0, error);
}

/* Stored as position + 1, so that 0 means "never had one". */
static guint
get_position (DailiesTask *task)
{
  return dailies_task_get_store_position (task);
}

static void
set_position (DailiesTask *task,
              guint        position)
{
  dailies_task_set_store_position (task, position + 1);
}

/* ------------------------------------------------------------------ */
/* Model                                                               */
/* ------------------------------------------------------------------ */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
holds (DailiesTaskStore *self,
       DailiesTask      *task)
{
  return g_hash_table_lookup (self->by_id, dailies_task_get_id (task)) == task;
}

static void
apply_loaded (DailiesTaskStore *self,
              LoadData         *data)
{
  guint n_items;

  g_assert (self->thread == NULL);
  g_assert (self->items->len == 0);

  self->loading = FALSE;
  self->loaded = TRUE;

  self->db = g_steal_pointer (&data->db);
  self->stmts = data->stmts;
  memset (&data->stmts, 0, sizeof data->stmts);
  g_clear_pointer (&self->moved_aside_path, g_free);
  self->moved_aside_path = g_steal_pointer (&data->moved_aside_path);
  self->next_position = data->next_position;
  /* Also for the tasks' JSON the writer commits from now on. */
  self->json_source = g_steal_pointer (&data->json_source);

  /* Both were empty: nothing can be added before loading. */
  g_assert (g_hash_table_size (self->by_id) == 0);
  /* Their references too. */
  dailies_deque_append_many (self->items, (gpointer const *) data->tasks->pdata, data->tasks->len);
  g_ptr_array_set_free_func (data->tasks, NULL);
  g_clear_pointer (&data->tasks, g_ptr_array_unref);
  g_hash_table_unref (self->by_id);
  self->by_id = g_steal_pointer (&data->by_id);

  self->thread = g_thread_new ("dailies-store", dailies_task_store_writer_thread, self);

  n_items = self->items->len;
  if (n_items > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n_items);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);

#ifdef __GLIBC__
  /* What the load freed (the file's pages, the sort) stays in the load
   * thread's arena otherwise, for the life of the app. */
  if (n_items > 0)
    malloc_trim (0);
#endif
}

static GType
dailies_task_store_get_item_type (GListModel *model)
{
  return DAILIES_TYPE_TASK;
}

static guint
dailies_task_store_get_n_items (GListModel *model)
{
  return DAILIES_TASK_STORE (model)->items->len;
}

static gpointer
dailies_task_store_get_item (GListModel *model,
                             guint       position)
{
  DailiesTaskStore *self = DAILIES_TASK_STORE (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (dailies_deque_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dailies_task_store_get_item_type;
  iface->get_n_items = dailies_task_store_get_n_items;
  iface->get_item = dailies_task_store_get_item;
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

static void
dailies_task_store_dispose (GObject *object)
{
  DailiesTaskStore *self = (DailiesTaskStore *) object;

  /* Whatever was queued is committed before the thread goes. */
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->mutex);
      self->quit = TRUE;
      g_cond_signal (&self->work_cond);
      g_mutex_unlock (&self->mutex);

      g_thread_join (g_steal_pointer (&self->thread));
    }

  if (self->failed_source != NULL)
    {
      g_source_destroy (self->failed_source);
      g_clear_pointer (&self->failed_source, g_source_unref);
    }
  if (self->wake_source != NULL)
    {
      g_source_destroy (self->wake_source);
      g_clear_pointer (&self->wake_source, g_source_unref);
    }
  if (self->stored_source != NULL)
    {
      g_source_destroy (self->stored_source);
      g_clear_pointer (&self->stored_source, g_source_unref);
    }

  g_hash_table_remove_all (self->by_id);
  for (guint i = 0; i < self->items->len; i++)
    g_object_unref (dailies_deque_index (self->items, i));
  dailies_deque_truncate (self->items, 0);

  G_OBJECT_CLASS (dailies_task_store_parent_class)->dispose (object);
}

static void
dailies_task_store_finalize (GObject *object)
{
  DailiesTaskStore *self = (DailiesTaskStore *) object;

  g_assert (self->db == NULL);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->moved_aside_path, g_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->items, dailies_deque_free);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_queue_clear_full (&self->fresh, g_free);
  g_clear_error (&self->failure);
  g_queue_clear_full (&self->failures, (GDestroyNotify) g_error_free);
  g_clear_pointer (&self->stored_json, g_ptr_array_unref);
  dailies_task_json_source_unref (g_steal_pointer (&self->json_source));
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->work_cond);
  g_cond_clear (&self->done_cond);

  G_OBJECT_CLASS (dailies_task_store_parent_class)->finalize (object);
}

static void
dailies_task_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DailiesTaskStore *self = DAILIES_TASK_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, DAILIES_TYPE_TASK);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;

    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_store_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DailiesTaskStore *self = DAILIES_TASK_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_task_store_class_init (DailiesTaskStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_task_store_dispose;
  object_class->finalize = dailies_task_store_finalize;
  object_class->get_property = dailies_task_store_get_property;
  object_class->set_property = dailies_task_store_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, DAILIES_TYPE_TASK,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /* Notified once the rows are in the model: followers that look at every
   * task do so then, tasks-added being for what comes later. */
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DailiesTaskStore::write-failed:
   * @error: why
   *
   * Saving started to fail. Emitted on the main context once per run of
   * failures, not at every retry; the changes stay queued.
   */
  signals[WRITE_FAILED] =
    g_signal_new ("write-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * DailiesTaskStore::task-answered:
   * @task: the task, held by the store
   * @link_changed: whether the answer brought another result link
   * @finished: whether the task reached an end (success, failure, not
   *   found) with this answer
   *
   * An answer of the service was applied to @task: a task's state, or that
   * the service does not know it (404). One handler here stands in for a
   * property handler on each of thousands of tasks.
   */
  signals[TASK_ANSWERED] =
    g_signal_new ("task-answered",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, DAILIES_TYPE_TASK, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);

  /**
   * DailiesTaskStore::tasks-added:
   * @tasks: (element-type DailiesTask): the tasks now held, in the order
   *   they were given (new IDs of an add, or the tasks restored)
   *
   * Emitted after items-changed. Followers of the store (poller, keeper,
   * lists) use it rather than items-changed, so that what they do costs
   * what was added, not what the store holds.
   */
  signals[TASKS_ADDED] =
    g_signal_new ("tasks-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);

  /**
   * DailiesTaskStore::tasks-removed:
   * @tasks: (element-type DailiesTask): the tasks no longer held
   *
   * Emitted after items-changed; the tasks are still alive during the
   * emission.
   */
  signals[TASKS_REMOVED] =
    g_signal_new ("tasks-removed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);

  /**
   * DailiesTaskStore::task-changed:
   * @task: the task, held by the store
   *
   * Something lists show or sort by changed without an answer: the video
   * host refused @task's link, or its local copy came or went.
   */
  signals[TASK_CHANGED] =
    g_signal_new ("task-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, DAILIES_TYPE_TASK);
}

static void
dailies_task_store_init (DailiesTaskStore *self)
{
  self->items = dailies_deque_new (0);
  self->by_id = g_hash_table_new (dailies_id_hash, g_str_equal);
  self->pending = dailies_task_store_pending_table_new ();
  g_queue_init (&self->fresh);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->work_cond);
  g_cond_init (&self->done_cond);
  g_queue_init (&self->failures);
  self->journal_retry_ms = DAILIES_TASK_STORE_MOVE_RETRY_MS;

  self->main_context = g_main_context_ref_thread_default ();
  self->failed_source =
    dailies_ready_source_new ("[dailies] store write-failed", G_PRIORITY_DEFAULT,
                              dailies_task_store_failed_source_cb, self, self->main_context);
  self->wake_source =
    dailies_ready_source_new ("[dailies] store wake writer", G_PRIORITY_DEFAULT_IDLE,
                              dailies_task_store_wake_source_cb, self, self->main_context);
  self->stored_json = g_ptr_array_new_with_free_func ((GDestroyNotify) dailies_task_store_stored_json_free);
  self->stored_source =
    dailies_ready_source_new ("[dailies] store committed JSON", G_PRIORITY_DEFAULT,
                              dailies_task_store_stored_source_cb, self, self->main_context);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */
/* ------------------------------------------------------------------ */

DailiesTaskStore *
dailies_task_store_new (const char *db_path)
{
  return g_object_new (DAILIES_TYPE_TASK_STORE, "path", db_path, NULL);
}

const char *
dailies_task_store_get_path (DailiesTaskStore *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), NULL);
  return self->path;
}

/* A thread of its own, a little nicer than the main thread: at start-up
 * the window is being built and mapped at the same time, and on two cores
 * the display server needs one of them. */
static gpointer
load_thread (gpointer data)
{
  g_autoptr(GTask) task = data;
  const char *path = g_task_get_task_data (task);

  dailies_thread_lower_priority ("store");
  g_task_return_pointer (task, dailies_task_store_load_database (path),
                         (GDestroyNotify) dailies_task_store_load_data_free);

  return NULL;
}

static void
load_thread_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DailiesTaskStore *self = g_task_get_source_object (task);
  g_autoptr(LoadData) data = g_task_propagate_pointer (G_TASK (result), NULL);

  g_assert (data != NULL);

  /* The database is open either way: fill the model even when the caller
   * has given up waiting. */
  apply_loaded (self, data);

  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_boolean (task, TRUE);
}

void
dailies_task_store_load_async (DailiesTaskStore    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) thread_task = NULL;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->loading && !self->loaded);

  self->loading = TRUE;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dailies_task_store_load_async);

  /* Not cancellable: once the file is open, the model is filled. No
   * source object: the pool thread may drop this task after the callback,
   * and it must not hold the store then. */
  thread_task = g_task_new (NULL, NULL, load_thread_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (thread_task, load_thread);
  g_task_set_task_data (thread_task, g_strdup (self->path), g_free);
  g_thread_unref (g_thread_new ("dailies-load", load_thread, g_steal_pointer (&thread_task)));
}

gboolean
dailies_task_store_load_finish (DailiesTaskStore  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_task_store_load_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
dailies_task_store_load (DailiesTaskStore  *self,
                         GError           **error)
{
  g_autoptr(LoadData) data = NULL;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  g_return_val_if_fail (!self->loading && !self->loaded, FALSE);

  data = dailies_task_store_load_database (self->path);
  apply_loaded (self, data);

  if (data->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&data->error));
      return FALSE;
    }

  return TRUE;
}

gboolean
dailies_task_store_is_loaded (DailiesTaskStore *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  return self->loaded;
}

const char *
dailies_task_store_get_moved_aside_path (DailiesTaskStore *self)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), NULL);
  return self->moved_aside_path;
}

DailiesTask *
dailies_task_store_new_task (char *id)
{
  /* Seen now, when it is read: a property set later would notify, which
   * costs more than the rest of its addition. */
  DailiesTaskFields fields = {
    .id = id,
    .status = DAILIES_TASK_STATUS_UNKNOWN,
    .progress = -1,
    .first_seen = now_seconds (),
  };

  g_return_val_if_fail (id != NULL && *id != '\0', NULL);

  /* The fields set directly: no property machinery for a task nobody
   * can watch yet. The same state as dailies_task_new (id). */
  return dailies_task_new_take_fields (&fields);
}

guint
dailies_task_store_add_new_tasks (DailiesTaskStore   *self,
                                  DailiesTask * const *tasks,
                                  guint               n_tasks)
{
  g_autoptr(GPtrArray) added = NULL;
  gint64 now = now_seconds ();
  guint old_n_items;
  guint n_added;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), 0);
  g_return_val_if_fail (tasks != NULL || n_tasks == 0, 0);
  g_return_val_if_fail (self->loaded, 0);

  old_n_items = self->items->len;
  added = g_ptr_array_sized_new (n_tasks);

  for (guint i = 0; i < n_tasks; i++)
    {
      DailiesTask *task = tasks[i];
      const char *id = dailies_task_get_id (task);

      if (g_hash_table_contains (self->by_id, id))
        continue;
      g_assert (get_position (task) == 0);

      set_position (task, self->next_position++);
      if (dailies_task_get_first_seen (task) == 0)
        dailies_task_set_first_seen (task, now);

      dailies_deque_append (self->items, g_object_ref (task));
      g_hash_table_insert (self->by_id, (gpointer) id, task);
      g_ptr_array_add (added, task);
    }

  dailies_task_store_queue_fresh (self, (DailiesTask * const *) added->pdata, added->len);

  n_added = self->items->len - old_n_items;
  if (n_added > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old_n_items, 0, n_added);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
      g_signal_emit (self, signals[TASKS_ADDED], 0, added);
    }

  return n_added;
}

guint
dailies_task_store_add_ids (DailiesTaskStore   *self,
                            const char * const *ids,
                            guint               n_ids)
{
  g_autoptr(GPtrArray) tasks = NULL;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), 0);
  g_return_val_if_fail (ids != NULL || n_ids == 0, 0);
  g_return_val_if_fail (self->loaded, 0);

  tasks = g_ptr_array_new_full (n_ids, g_object_unref);
  for (guint i = 0; i < n_ids; i++)
    if (ids[i] != NULL && *ids[i] != '\0' && !g_hash_table_contains (self->by_id, ids[i]))
      g_ptr_array_add (tasks, dailies_task_store_new_task (g_strdup (ids[i])));
  /* Added together, seen together: made across a second's turn, the list
   * would show the later ones above the earlier ones. */
  for (guint i = 1; i < tasks->len; i++)
    dailies_task_set_first_seen (g_ptr_array_index (tasks, i),
                                 dailies_task_get_first_seen (g_ptr_array_index (tasks, 0)));

  /* An ID given twice is left out there the second time. */
  return dailies_task_store_add_new_tasks (self, (DailiesTask * const *) tasks->pdata, tasks->len);
}

DailiesTask *
dailies_task_store_lookup (DailiesTaskStore *self,
                           const char       *id)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), NULL);

  if (id == NULL)
    return NULL;

  return g_hash_table_lookup (self->by_id, id);
}

void
dailies_task_store_apply_response (DailiesTaskStore          *self,
                                   DailiesTask               *task,
                                   const DailiesTaskResponse *response,
                                   const char                *raw_json,
                                   guint                      http_status)
{
  dailies_task_store_apply_response_take_json (self, task, response, g_strdup (raw_json), http_status,
                                               dailies_task_get_gateway_request_id (task));
}

void
dailies_task_store_apply_response_take_json (DailiesTaskStore          *self,
                                             DailiesTask               *task,
                                             const DailiesTaskResponse *response,
                                             char                      *raw_json,
                                             guint                      http_status,
                                             const char                *gateway_request_id)
{
  gboolean link_changed;
  gboolean was_terminal;
  gboolean first_json;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (DAILIES_IS_TASK (task));
  g_return_if_fail (response != NULL);

  link_changed = g_strcmp0 (dailies_task_get_result_url (task), response->result_url) != 0;
  was_terminal = dailies_task_is_terminal (task);
  first_json = !dailies_task_has_raw_json (task);
  /* One change with the answer's own, notified before task-answered. */
  dailies_task_begin_changes (task);
  dailies_task_set_gateway_request_id (task, gateway_request_id);
  dailies_task_apply_response_take_json (task, response, raw_json, http_status, now_seconds ());
  dailies_task_end_changes (task);

  /* A removed task may still get its last answer; it is written again
   * only if it is restored. */
  if (holds (self, task))
    {
      dailies_task_store_queue_answer (self, task, first_json);
      g_signal_emit (self, signals[TASK_ANSWERED], 0, task, link_changed,
                     !was_terminal && dailies_task_is_terminal (task));
    }
}

static void
record_error (DailiesTaskStore *self,
              DailiesTask      *task,
              const char       *message,
              guint             http_status,
              const char       *gateway_request_id,
              gboolean          not_found)
{
  gboolean was_terminal;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (DAILIES_IS_TASK (task));

  was_terminal = dailies_task_is_terminal (task);
  dailies_task_begin_changes (task);
  /* An HTTP answer names its request (or none); no answer, nothing. */
  if (http_status != 0)
    dailies_task_set_gateway_request_id (task, gateway_request_id);
  dailies_task_set_last_error (task, message, http_status);
  dailies_task_set_last_polled (task, now_seconds ());
  if (not_found)
    dailies_task_set_status (task, DAILIES_TASK_STATUS_NOT_FOUND, NULL);
  dailies_task_end_changes (task);

  if (holds (self, task))
    {
      dailies_task_store_queue_answer (self, task, FALSE);
      /* "Not found" is the service's answer too. */
      if (not_found)
        g_signal_emit (self, signals[TASK_ANSWERED], 0, task, FALSE,
                       !was_terminal && dailies_task_is_terminal (task));
    }
}

gboolean
dailies_task_store_mark_link_lapsed (DailiesTaskStore *self,
                                     DailiesTask      *task,
                                     const char       *url)
{
  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);
  g_return_val_if_fail (DAILIES_IS_TASK (task), FALSE);

  /* A refusal of an older link says nothing about the one held now. */
  if (url == NULL || g_strcmp0 (dailies_task_get_result_url (task), url) != 0 ||
      dailies_task_get_link_lapsed (task) > 0)
    return FALSE;

  g_debug ("store: %s: the result host refused its link", dailies_task_get_id (task));
  dailies_task_set_link_lapsed (task, MAX (now_seconds (), 1));

  if (holds (self, task))
    {
      dailies_task_store_queue_task (self, task);
      g_signal_emit (self, signals[TASK_CHANGED], 0, task);
    }

  return TRUE;
}

void
dailies_task_store_record_error (DailiesTaskStore *self,
                                 DailiesTask      *task,
                                 const char       *message,
                                 guint             http_status,
                                 const char       *gateway_request_id)
{
  record_error (self, task, message, http_status, gateway_request_id, FALSE);
}

void
dailies_task_store_record_not_found (DailiesTaskStore *self,
                                     DailiesTask      *task,
                                     const char       *message,
                                     guint             http_status,
                                     const char       *gateway_request_id)
{
  record_error (self, task, message, http_status, gateway_request_id, TRUE);
}

void
dailies_task_store_set_local_path (DailiesTaskStore *self,
                                   DailiesTask      *task,
                                   const char       *path)
{
  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (DAILIES_IS_TASK (task));

  if (g_strcmp0 (dailies_task_get_local_path (task), path) == 0)
    return;

  dailies_task_set_local_path (task, path);

  if (holds (self, task))
    {
      dailies_task_store_queue_task (self, task);
      g_signal_emit (self, signals[TASK_CHANGED], 0, task);
    }
}

static int
compare_positions (gconstpointer a,
                   gconstpointer b)
{
  guint pa = get_position (*(DailiesTask * const *) a);
  guint pb = get_position (*(DailiesTask * const *) b);

  return pa < pb ? -1 : pa > pb;
}

static gboolean
task_sorts_after (gconstpointer item,
                  gconstpointer key)
{
  return get_position ((DailiesTask *) item) > get_position ((DailiesTask *) key);
}

/* The first index of items whose position is not below @position. Items
 * are kept in ascending position. */
static guint
search_position (DailiesTaskStore *self,
                 guint             position)
{
  guint lo = 0;
  guint hi = self->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (get_position (dailies_deque_index (self->items, mid)) < position)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* Where @task is in items, or -1. Positions are unique but for a damaged
 * file, whose ties are looked through. */
static gssize
find_index (DailiesTaskStore *self,
            DailiesTask      *task)
{
  guint position = get_position (task);

  for (guint i = search_position (self, position);
       i < self->items->len && get_position (dailies_deque_index (self->items, i)) == position;
       i++)
    if (dailies_deque_index (self->items, i) == task)
      return i;

  return -1;
}

/* Removing or restoring many tasks emits one items-changed, over the
 * smallest span that holds every change: a list of thousands is not
 * rebuilt once per task. Both cost what they change: a binary search per
 * task, a sort of those tasks only, and one pass of block moves over the
 * items between the changed ones and the nearer end. */
void
dailies_task_store_remove_tasks (DailiesTaskStore *self,
                                 GPtrArray        *tasks)
{
  g_autoptr(GArray) doomed = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  guint n_doomed = 0;
  guint first;
  guint last;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (tasks != NULL);

  doomed = g_array_sized_new (FALSE, FALSE, sizeof (guint), tasks->len);
  for (guint i = 0; i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);
      gssize found;
      guint index;

      if (!holds (self, task) || (found = find_index (self, task)) < 0)
        continue;
      index = (guint) found;
      g_array_append_val (doomed, index);
    }
  if (doomed->len == 0)
    return;

  /* In order, each once (the caller may name a task twice). */
  dailies_indices_sort (doomed);
  for (guint i = 0; i < doomed->len; i++)
    if (n_doomed == 0 || g_array_index (doomed, guint, i) != g_array_index (doomed, guint, n_doomed - 1))
      g_array_index (doomed, guint, n_doomed++) = g_array_index (doomed, guint, i);
  g_array_set_size (doomed, n_doomed);

  first = g_array_index (doomed, guint, 0);
  last = g_array_index (doomed, guint, n_doomed - 1);
  rows = g_ptr_array_new_full (n_doomed, NULL);
  /* The store's references, kept alive through tasks-removed. */
  removed = g_ptr_array_new_full (n_doomed, g_object_unref);

  for (guint i = 0; i < n_doomed; i++)
    {
      DailiesTask *task = dailies_deque_index (self->items, g_array_index (doomed, guint, i));

      g_hash_table_remove (self->by_id, dailies_task_get_id (task));
      g_ptr_array_add (rows, dailies_task_store_row_new_deleted (task));
      g_ptr_array_add (removed, task);
    }
  /* The tasks kept between them close the gaps, from the nearer end. */
  dailies_deque_remove_sorted (self->items, (const guint *) doomed->data, n_doomed);

  dailies_task_store_queue_rows (self, (Row **) rows->pdata, rows->len);

  g_list_model_items_changed (G_LIST_MODEL (self), first, last + 1 - first,
                              last + 1 - first - n_doomed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  g_signal_emit (self, signals[TASKS_REMOVED], 0, removed);
}

void
dailies_task_store_restore_tasks (DailiesTaskStore *self,
                                  GPtrArray        *tasks)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  guint lo;
  guint hi;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (tasks != NULL);
  g_return_if_fail (self->loaded);

  rows = g_ptr_array_new ();
  added = g_ptr_array_new ();
  for (guint i = 0; i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);

      /* Already back, or the same ID was added again meanwhile. */
      if (g_hash_table_contains (self->by_id, dailies_task_get_id (task)))
        continue;

      if (get_position (task) == 0)
        set_position (task, self->next_position++);
      g_hash_table_insert (self->by_id, (gpointer) dailies_task_get_id (task), task);
      g_ptr_array_add (rows, dailies_task_store_row_new_from_task (task));
      g_ptr_array_add (added, task);
    }
  if (rows->len == 0)
    return;

  /* Each back where it was: the restored tasks in order (a stable sort,
   * of them only), then merged in from the nearer end, each block of the
   * items between them moved once. A tie goes after the task already
   * there. */
  sorted = g_ptr_array_copy (added, NULL, NULL);
  dailies_indices_sort_stable (sorted, compare_positions);
  for (guint i = 0; i < sorted->len; i++)
    g_object_ref (g_ptr_array_index (sorted, i));   /* the store's */
  dailies_deque_merge (self->items, (gpointer const *) sorted->pdata, sorted->len, task_sorts_after, &lo, &hi);

  dailies_task_store_queue_rows (self, (Row **) rows->pdata, rows->len);

  g_list_model_items_changed (G_LIST_MODEL (self), lo, hi + 1 - lo - rows->len, hi + 1 - lo);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  g_signal_emit (self, signals[TASKS_ADDED], 0, added);
}

void
dailies_task_store_forget_removed (DailiesTaskStore *self,
                                   GPtrArray        *tasks)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_if_fail (DAILIES_IS_TASK_STORE (self));
  g_return_if_fail (tasks != NULL);
  g_return_if_fail (self->loaded);

  rows = g_ptr_array_new_full (tasks->len, NULL);
  for (guint i = 0; i < tasks->len; i++)
    {
      DailiesTask *task = g_ptr_array_index (tasks, i);
      Row *row;

      if (g_hash_table_contains (self->by_id, dailies_task_get_id (task)))
        continue;
      /* Still a deletion: it may stand in for one not written yet. */
      row = dailies_task_store_row_new_deleted (task);
      row->forget_stash = TRUE;
      g_ptr_array_add (rows, row);
    }
  if (rows->len > 0)
    dailies_task_store_queue_rows (self, (Row **) rows->pdata, rows->len);
}

void
dailies_task_store_remove (DailiesTaskStore *self,
                           DailiesTask      *task)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_return_if_fail (DAILIES_IS_TASK (task));

  g_ptr_array_add (one, task);
  dailies_task_store_remove_tasks (self, one);
}

void
dailies_task_store_restore (DailiesTaskStore *self,
                            DailiesTask      *task)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_return_if_fail (DAILIES_IS_TASK (task));

  g_ptr_array_add (one, task);
  dailies_task_store_restore_tasks (self, one);
}

gboolean
dailies_task_store_flush (DailiesTaskStore  *self,
                          GError           **error)
{
  gboolean ok;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (self), FALSE);

  if (self->thread == NULL)
    {
      if (!dailies_task_store_has_queued_locked (self))
        return TRUE;

      g_set_error_literal (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_NOT_LOADED,
                           _("The task database is not open yet"));
      return FALSE;
    }

  g_mutex_lock (&self->mutex);

  /* Rows left over from a failed batch get another try now. */
  if (dailies_task_store_has_queued_locked (self))
    {
      self->queued_gen++;
      dailies_task_store_wake_writer_locked (self);
    }

  {
    guint64 target = self->queued_gen;

    while (self->done_gen < target)
      g_cond_wait (&self->done_cond, &self->mutex);
  }

  ok = !self->failing;
  if (!ok)
    g_set_error (error, DAILIES_STORE_ERROR, DAILIES_STORE_ERROR_IO,
                 _("Could not save tasks: %s"),
                 self->failure != NULL ? self->failure->message : "unknown error");

  g_mutex_unlock (&self->mutex);

  return ok;
}
