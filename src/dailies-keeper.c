/* dailies-keeper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dailies-format.h"
#include "dailies-keeper.h"
#include "dailies-sidecar.h"
#include "dailies-task-store.h"
#include "dailies-task.h"

#define DEFAULT_MAX_RUNNING 2
#define THUMBNAIL_SIZE      96
#define MAX_ATTEMPTS        3
#define SCAN_SLICE          256   /* tasks looked at per idle call of a scan */
#define PART_SUFFIX         ".part"

struct _DailiesKeeper
{
  GObject             parent_instance;

  DailiesTaskStore   *store;
  DailiesDownloader  *downloader;
  DailiesThumbnailer *thumbnailer;
  GSettings          *settings;
  GCancellable       *cancellable;  /* thumbnails and the start-up look at the folder */

  GSequence          *waiting;      /* Waiting*, earliest link expiry first */
  GHashTable         *waiting_iters; /* DailiesTask* → its GSequenceIter in waiting */
  GHashTable         *tries;        /* DailiesTask* → downloads started for its link */
  GHashTable         *stray_parts;  /* DailiesTask* → a .part path an earlier run left, to resume */
  GPtrArray          *to_scan;      /* a snapshot of the tasks, looked at in slices */
  GPtrArray          *kept_later;   /* Keep Now asked before the leftovers were sorted out */
  guint               scan_index;
  guint               scan_source;
  GHashTable         *running;      /* DailiesTask* → Keeping* (borrowed) */
  guint               n_failing;    /* failed copies since the last kept one: logged once */
  GHashTable         *checking;     /* DailiesTask* whose kept file is being looked at */
  GPtrArray          *to_check;     /* tasks gathered for the next look, on a worker thread */
  guint               max_running;
  char               *folder;       /* override; NULL = settings */
  int                 auto_save;    /* -1 = settings */
  guint               n_cleaning;   /* the start-up look at leftovers, and .part removals, under way */
  guint               started : 1;
  guint               parts_checked : 1;  /* nothing starts before leftovers are sorted out */
  guint               stopped : 1;        /* quitting: nothing starts any more */
};

G_DEFINE_FINAL_TYPE (DailiesKeeper, dailies_keeper, G_TYPE_OBJECT)

static void pump (DailiesKeeper *self);
static void auto_save_changed_cb (DailiesKeeper *self);

/* A task in the queue, with the key it was queued under: the key of a
 * GSequence must not change while the item is in it, and a task's link
 * (and so its expiry) can change any time it is checked again. */
typedef struct
{
  DailiesTask *task;
  gint64       expires_at;
} Waiting;

static void
waiting_free (gpointer data)
{
  Waiting *waiting = data;

  g_object_unref (waiting->task);
  g_free (waiting);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
auto_save_enabled (DailiesKeeper *self)
{
  if (self->auto_save >= 0)
    return self->auto_save;

  return self->settings == NULL || g_settings_get_boolean (self->settings, "auto-save");
}

static int
compare_waiting (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const Waiting *wa = a;
  const Waiting *wb = b;

  if (wa->expires_at != wb->expires_at)
    return wa->expires_at < wb->expires_at ? -1 : 1;

  return g_strcmp0 (dailies_task_get_id (wa->task), dailies_task_get_id (wb->task));
}

static gboolean
is_waiting (DailiesKeeper *self,
            DailiesTask   *task)
{
  return g_hash_table_contains (self->waiting_iters, task);
}

static void
part_deleted_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(DailiesKeeper) self = user_data;
  g_autoptr(GError) error = NULL;

  self->n_cleaning--;

  if (!g_file_delete_finish (G_FILE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_autofree char *name = g_file_get_parse_name (G_FILE (object));
      g_warning ("keeper: could not remove %s: %s", name, error->message);
    }
}

/* Removes a .part file that will not be resumed. Not cancellable: it must
 * go even when the keeper does, and quitting waits for it. */
static void
delete_part (DailiesKeeper *self,
             const char    *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_debug ("keeper: removing the leftover %s", path);
  self->n_cleaning++;
  g_file_delete_async (file, G_PRIORITY_LOW, NULL, part_deleted_cb, g_object_ref (self));
}

/* The leftover .part of @task, if any, will not be resumed. */
static void
drop_stray_part (DailiesKeeper *self,
                 DailiesTask   *task)
{
  g_autofree char *path = NULL;

  if (g_hash_table_steal_extended (self->stray_parts, task, NULL, (gpointer *) &path))
    {
      g_object_unref (task);
      delete_part (self, path);
    }
}

static void
unqueue (DailiesKeeper *self,
         DailiesTask   *task)
{
  GSequenceIter *iter = g_hash_table_lookup (self->waiting_iters, task);

  if (iter == NULL)
    return;

  g_hash_table_remove (self->waiting_iters, task);
  g_sequence_remove (iter);
}

static void
make_thumbnail_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(DailiesTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = dailies_thumbnailer_get_finish (DAILIES_THUMBNAILER (object), result, &error);

  if (path == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("keeper: no thumbnail for %s: %s", dailies_task_get_id (task), error->message);
      return;
    }

  dailies_task_set_thumbnail_path (task, path);
}

static void
make_thumbnail (DailiesKeeper *self,
                DailiesTask   *task)
{
  g_autoptr(GFile) file = NULL;

  if (self->thumbnailer == NULL || dailies_task_get_thumbnail_path (task) != NULL)
    return;

  file = g_file_new_for_path (dailies_task_get_local_path (task));
  dailies_thumbnailer_get_async (self->thumbnailer, file, THUMBNAIL_SIZE, self->cancellable,
                                 make_thumbnail_cb, g_object_ref (task));
}

/* Queues @task, finished and known not to be kept, if its link still works. */
static void
consider_unkept (DailiesKeeper *self,
                 DailiesTask   *task)
{
  Waiting *waiting;
  guint attempts;

  /* The cheap checks first: thousands of tasks pass through here. */
  attempts = GPOINTER_TO_UINT (g_hash_table_lookup (self->tries, task));
  /* A SUCCESS without an http(s) link (the gateway's "no link" answer)
   * has nothing to fetch: no attempt, so no keep error either. */
  if (!dailies_task_has_usable_link (task) ||
      attempts >= MAX_ATTEMPTS ||
      dailies_task_is_link_expired (task, now_seconds ()) ||
      g_hash_table_contains (self->running, task) ||
      is_waiting (self, task) ||
      !auto_save_enabled (self))
    return;

  waiting = g_new0 (Waiting, 1);
  waiting->task = g_object_ref (task);
  waiting->expires_at = dailies_task_get_link_expires_at (task);
  g_hash_table_insert (self->waiting_iters, task,
                       g_sequence_insert_sorted (self->waiting, waiting, compare_waiting, NULL));
}

/* Queues @task if it is finished, not kept yet, and its link still works.
 * Whether a kept file is still there is asked on a worker thread (the
 * keep folder may be a slow share), with the others of this event, by
 * flush_checks(). */
static void
consider (DailiesKeeper *self,
          DailiesTask   *task)
{
  if (dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS)
    return;

  if (dailies_task_get_local_path (task) == NULL)
    {
      consider_unkept (self, task);
      return;
    }

  if (g_hash_table_contains (self->checking, task))
    return;
  g_hash_table_add (self->checking, g_object_ref (task));
  g_ptr_array_add (self->to_check, g_object_ref (task));
}

typedef struct
{
  GPtrArray *tasks;
  GPtrArray *paths;        /* each task's local path when asked */
  guint8    *kept;
  gboolean   resume_scan;  /* the scan waits for this look before going on */
  gboolean   keep_now;     /* asked for by Keep Now, not by consider() */
} KeptCheck;

static void
kept_check_free (KeptCheck *check)
{
  g_ptr_array_unref (check->tasks);
  g_ptr_array_unref (check->paths);
  g_free (check->kept);
  g_free (check);
}

static void
kept_check_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  KeptCheck *check = task_data;

  for (guint i = 0; i < check->paths->len && !g_cancellable_is_cancelled (cancellable); i++)
    check->kept[i] = g_file_test (g_ptr_array_index (check->paths, i), G_FILE_TEST_IS_REGULAR);

  g_task_return_boolean (task, TRUE);
}

static gboolean scan_slice_cb (gpointer user_data);
static gboolean flush_checks (DailiesKeeper *self,
                              gboolean       resume_scan);
static void keep_now_unkept (DailiesKeeper *self,
                             DailiesTask   *task);

static void
kept_checked_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  DailiesKeeper *self = DAILIES_KEEPER (object);
  KeptCheck *check = g_task_get_task_data (G_TASK (result));

  /* Disposed: nothing more to do. */
  if (!g_task_propagate_boolean (G_TASK (result), NULL) || self->store == NULL)
    return;

  for (guint i = 0; i < check->tasks->len && check->keep_now; i++)
    {
      DailiesTask *task = g_ptr_array_index (check->tasks, i);

      /* Removed meanwhile: not fetched. */
      if (dailies_task_store_lookup (self->store, dailies_task_get_id (task)) != task)
        continue;
      if (g_strcmp0 (dailies_task_get_local_path (task), g_ptr_array_index (check->paths, i)) != 0)
        dailies_keeper_keep_now (self, task);
      else if (!check->kept[i])
        keep_now_unkept (self, task);
    }

  for (guint i = 0; i < check->tasks->len && !check->keep_now; i++)
    {
      DailiesTask *task = g_ptr_array_index (check->tasks, i);

      g_hash_table_remove (self->checking, task);
      if (dailies_task_store_lookup (self->store, dailies_task_get_id (task)) != task)
        continue;
      /* Another path meanwhile: that one is looked at. */
      if (g_strcmp0 (dailies_task_get_local_path (task), g_ptr_array_index (check->paths, i)) != 0)
        consider (self, task);
      else if (check->kept[i])
        make_thumbnail (self, task);
      else if (dailies_task_get_status (task) == DAILIES_TASK_STATUS_SUCCESS)
        consider_unkept (self, task);
    }

  flush_checks (self, FALSE);
  pump (self);

  if (check->resume_scan && self->to_scan != NULL && self->scan_source == 0)
    {
      self->scan_source = g_idle_add_full (G_PRIORITY_LOW, scan_slice_cb, self, NULL);
      g_source_set_name_by_id (self->scan_source, "[dailies] keeper scan");
    }
}

/* Looks at the kept files of @tasks (taken) on a worker thread, then
 * goes on with each: consider() or, for @keep_now, Keep Now. */
static void
start_check (DailiesKeeper *self,
             GPtrArray     *tasks,
             gboolean       resume_scan,
             gboolean       keep_now)
{
  g_autoptr(GTask) task = NULL;
  KeptCheck *check = g_new0 (KeptCheck, 1);

  check->tasks = tasks;
  check->paths = g_ptr_array_new_full (tasks->len, g_free);
  for (guint i = 0; i < tasks->len; i++)
    g_ptr_array_add (check->paths, g_strdup (dailies_task_get_local_path (g_ptr_array_index (tasks, i))));
  check->kept = g_new0 (guint8, tasks->len);
  check->resume_scan = resume_scan;
  check->keep_now = keep_now;

  task = g_task_new (self, self->cancellable, kept_checked_cb, NULL);
  g_task_set_source_tag (task, start_check);
  g_task_set_task_data (task, check, (GDestroyNotify) kept_check_free);
  g_task_run_in_thread (task, kept_check_thread);
}

/* Looks at the kept files of the tasks considered since the last call.
 * Returns whether there were any. */
static gboolean
flush_checks (DailiesKeeper *self,
              gboolean       resume_scan)
{
  GPtrArray *tasks;

  if (self->to_check->len == 0)
    return FALSE;

  tasks = g_steal_pointer (&self->to_check);
  self->to_check = g_ptr_array_new_with_free_func (g_object_unref);
  start_check (self, tasks, resume_scan, FALSE);

  return TRUE;
}

/* A fresh link (the task was checked again) deserves fresh attempts, and
 * a new place in the queue. */
static void
task_answered_cb (DailiesKeeper *self,
                  DailiesTask   *task,
                  gboolean       link_changed)
{
  if (link_changed && !g_hash_table_contains (self->running, task))
    {
      g_hash_table_remove (self->tries, task);
      unqueue (self, task);
    }

  consider (self, task);
  flush_checks (self, FALSE);
  pump (self);
}

/* Costs what was added (or restored) and removed, not what the store holds. */
static void
store_tasks_added_cb (DailiesKeeper *self,
                      GPtrArray     *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    consider (self, g_ptr_array_index (tasks, i));

  flush_checks (self, FALSE);
  pump (self);
}

/* A removed task is not fetched; one already downloading finishes. */
static void
store_tasks_removed_cb (DailiesKeeper *self,
                        GPtrArray     *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    unqueue (self, g_ptr_array_index (tasks, i));
}

typedef struct
{
  GWeakRef      self;          /* the keeper may be gone when the download ends */
  DailiesTask  *task;
  char         *url;           /* the link fetched: a newer one may arrive meanwhile */
  GCancellable *cancellable;   /* this download's: auto-save off and quit end it */
  gint64        started;
} Keeping;

static void
keeping_free (Keeping *keeping)
{
  g_weak_ref_clear (&keeping->self);
  g_clear_object (&keeping->task);
  g_free (keeping->url);
  g_clear_object (&keeping->cancellable);
  g_free (keeping);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Keeping, keeping_free)

static void
progress_cb (goffset  received,
             goffset  total,
             double   bytes_per_second,
             gpointer user_data)
{
  Keeping *keeping = user_data;
  g_autofree char *size = g_format_size (received);
  g_autofree char *rate = g_format_size ((guint64) bytes_per_second);
  g_autofree char *message = NULL;
  double fraction = total > 0 ? (double) received / total : 0.0;

  if (total > 0 && bytes_per_second > 0)
    {
      g_autofree char *left = dailies_format_duration ((gint64) ((total - received) / bytes_per_second));
      /* Translators: size so far, speed, time left */
      message = g_strdup_printf (_("Keeping a copy… %s · %s/s · %s left"), size, rate, left);
    }
  else
    {
      message = g_strdup_printf (_("Keeping a copy… %s"), size);
    }

  dailies_task_set_keep_state (keeping->task, fraction, message);
}

typedef struct
{
  DailiesKeeper *self;
  DailiesTask   *task;
} SidecarWrite;

static void
sidecar_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SidecarWrite *write = user_data;
  g_autoptr(GError) error = NULL;

  if (!dailies_sidecar_write_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("keeper: no sidecar for %s: %s", dailies_task_get_id (write->task), error->message);

  write->self->n_cleaning--;
  g_object_unref (write->self);
  g_object_unref (write->task);
  g_free (write);
}

/* Next to the kept video, on a worker thread: the keep folder may be a
 * slow share. Quitting waits for it (bounded), as for .part removals. */
static void
write_sidecar (DailiesKeeper *self,
               DailiesTask   *task,
               const char    *path)
{
  SidecarWrite *write = g_new0 (SidecarWrite, 1);

  write->self = g_object_ref (self);
  write->task = g_object_ref (task);
  self->n_cleaning++;
  dailies_sidecar_write_async (path, task, self->cancellable, sidecar_written_cb, write);
}

static void
download_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Keeping) keeping = user_data;
  g_autoptr(DailiesKeeper) self = g_weak_ref_get (&keeping->self);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = dailies_downloader_download_full_finish (DAILIES_DOWNLOADER (object), result, &error);

  if (self != NULL)
    {
      g_hash_table_remove (self->running, keeping->task);
      /* Disposed (but still referenced): nothing more to do. */
      if (self->store == NULL)
        g_clear_object (&self);
    }

  if (file == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Auto-save was turned off, or we quit: the .part file is gone, and
       * this was no failed attempt. */
      dailies_task_set_keep_state (keeping->task, -1.0, NULL);
      if (self != NULL)
        g_hash_table_remove (self->tries, keeping->task);
    }
  else if (file == NULL)
    {
      /* With the video host down, thousands of tasks would each write a
       * line: the first failure of a streak is logged, the rest counted
       * (each task's own message is in the window). */
      if (self == NULL || self->n_failing++ == 0)
        g_message ("keeper: could not keep %s: %s (further failures are counted until a copy is kept)",
                   dailies_task_get_id (keeping->task), error->message);
      else
        g_debug ("keeper: could not keep %s: %s", dailies_task_get_id (keeping->task), error->message);
      {
        /* Translators: %s is an error message */
        g_autofree char *message = g_strdup_printf (_("Could not keep a copy: %s"), error->message);
        dailies_task_set_keep_state (keeping->task, -1.0, message);
      }
      /* An expired link will not come back: no more tries until the task
       * is checked again and gets a fresh one. */
      if (self != NULL && g_error_matches (error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_EXPIRED))
        {
          g_hash_table_insert (self->tries, g_object_ref (keeping->task), GUINT_TO_POINTER (MAX_ATTEMPTS));
          /* The host's word on that link outweighs its clock. */
          dailies_task_store_mark_link_lapsed (self->store, keeping->task, keeping->url);
        }
    }
  else if (self != NULL)
    {
      g_autofree char *path = g_file_get_path (file);

      g_debug ("keeper: kept %s in %.1f s", dailies_task_get_id (keeping->task),
               (g_get_monotonic_time () - keeping->started) / 1e6);
      if (self->n_failing > 0)
        g_message ("keeper: copies are kept again, after %u failed", self->n_failing);
      self->n_failing = 0;
      dailies_task_store_set_local_path (self->store, keeping->task, path);
      dailies_task_set_keep_state (keeping->task, -1.0, NULL);
      write_sidecar (self, keeping->task, path);
      make_thumbnail (self, keeping->task);
    }

  if (self != NULL)
    pump (self);
}

/* The extension of the task's video when the service or the link tells
 * it, else NULL (then the download's Content-Type decides). */
static const char *
known_extension (DailiesTask *task)
{
  g_autoptr(DailiesTaskResponse) response = dailies_task_dup_response (task);

  return dailies_video_extension (response != NULL ? response->output_format : NULL,
                                  dailies_task_get_result_url (task), NULL);
}

static void
start_keeping (DailiesKeeper *self,
               DailiesTask   *task)
{
  g_autofree char *folder = dailies_keeper_dup_folder (self);
  g_autofree char *stray = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) destination = NULL;
  /* The folder is made by the download, off the main thread. */
  DailiesDownloadFlags flags = DAILIES_DOWNLOAD_MAKE_FOLDER;
  const char *extension;
  Keeping *keeping;
  guint attempts;

  /* Unless the service or the link says, the CDN's Content-Type does. */
  extension = known_extension (task);
  if (extension == NULL)
    flags |= DAILIES_DOWNLOAD_EXTENSION_FROM_TYPE;

  /* What an earlier run left half done goes on where it stopped. */
  if (g_hash_table_steal_extended (self->stray_parts, task, NULL, (gpointer *) &stray))
    {
      g_object_unref (task);
      path = g_strndup (stray, strlen (stray) - strlen (PART_SUFFIX));
      flags |= DAILIES_DOWNLOAD_RESUME;
    }
  else
    {
      g_autofree char *name = dailies_downloader_suggest_name (dailies_task_get_id (task), extension);

      path = g_build_filename (folder, name, NULL);
    }

  attempts = GPOINTER_TO_UINT (g_hash_table_lookup (self->tries, task));
  g_hash_table_insert (self->tries, g_object_ref (task), GUINT_TO_POINTER (attempts + 1));

  keeping = g_new0 (Keeping, 1);
  g_weak_ref_init (&keeping->self, self);
  keeping->task = g_object_ref (task);
  keeping->url = g_strdup (dailies_task_get_result_url (task));
  keeping->cancellable = g_cancellable_new ();
  keeping->started = g_get_monotonic_time ();
  destination = g_file_new_for_path (path);
  g_hash_table_insert (self->running, g_object_ref (task), keeping);

  dailies_task_set_keep_state (task, 0.0, _("Keeping a copy…"));
  dailies_downloader_download_full_async (self->downloader, keeping->url, destination,
                                          flags, keeping->cancellable, progress_cb, keeping, NULL,
                                          download_done_cb, keeping);
}

/* Starts the waiting downloads whose links lapse first. */
static void
pump (DailiesKeeper *self)
{
  if (!self->parts_checked || self->stopped)
    return;

  while (g_hash_table_size (self->running) < self->max_running &&
         g_sequence_get_length (self->waiting) > 0)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (self->waiting);
      g_autoptr(DailiesTask) task = g_object_ref (((Waiting *) g_sequence_get (first))->task);

      unqueue (self, task);

      /* Known not to be kept when it was queued. */
      if (dailies_task_is_link_expired (task, now_seconds ()))
        {
          drop_stray_part (self, task);
          continue;
        }

      start_keeping (self, task);
    }
}

/* Ends all keeping: the queue is emptied, and each running download is
 * cancelled (the downloader removes its .part file). */
static void
stop_keeping (DailiesKeeper *self)
{
  g_autoptr(GPtrArray) cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_clear_handle_id (&self->scan_source, g_source_remove);
  g_clear_pointer (&self->to_scan, g_ptr_array_unref);

  g_hash_table_remove_all (self->waiting_iters);
  g_sequence_remove_range (g_sequence_get_begin_iter (self->waiting),
                           g_sequence_get_end_iter (self->waiting));

  g_hash_table_iter_init (&iter, self->stray_parts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    delete_part (self, value);
  g_hash_table_remove_all (self->stray_parts);

  /* Not while iterating: a cancel may run code that ends a download. */
  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (cancellables, g_object_ref (((Keeping *) value)->cancellable));
  for (guint i = 0; i < cancellables->len; i++)
    g_cancellable_cancel (g_ptr_array_index (cancellables, i));
}

char *
dailies_keeper_dup_folder (DailiesKeeper *self)
{
  g_autofree char *setting = NULL;
  const char *videos;

  g_return_val_if_fail (DAILIES_IS_KEEPER (self), NULL);

  if (self->folder != NULL)
    return g_strdup (self->folder);

  if (self->settings != NULL)
    setting = g_settings_get_string (self->settings, "save-folder");
  if (setting != NULL && *setting != '\0')
    return g_steal_pointer (&setting);

  videos = g_get_user_special_dir (G_USER_DIRECTORY_VIDEOS);
  if (videos == NULL)
    return g_build_filename (g_get_home_dir (), "Videos", "Dailies", NULL);

  return g_build_filename (videos, "Dailies", NULL);
}

static void
dailies_keeper_dispose (GObject *object)
{
  DailiesKeeper *self = (DailiesKeeper *)object;

  g_cancellable_cancel (self->cancellable);
  stop_keeping (self);
  if (self->store != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->store, store_tasks_added_cb, self);
      g_signal_handlers_disconnect_by_func (self->store, store_tasks_removed_cb, self);
      g_signal_handlers_disconnect_by_func (self->store, task_answered_cb, self);
    }
  g_clear_object (&self->store);
  g_clear_object (&self->downloader);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (dailies_keeper_parent_class)->dispose (object);
}

static void
dailies_keeper_finalize (GObject *object)
{
  DailiesKeeper *self = (DailiesKeeper *)object;

  g_clear_pointer (&self->waiting_iters, g_hash_table_unref);
  g_clear_pointer (&self->kept_later, g_ptr_array_unref);
  g_clear_pointer (&self->waiting, g_sequence_free);
  g_clear_pointer (&self->tries, g_hash_table_unref);
  g_clear_pointer (&self->stray_parts, g_hash_table_unref);
  g_clear_pointer (&self->to_scan, g_ptr_array_unref);
  g_clear_pointer (&self->running, g_hash_table_unref);
  g_clear_pointer (&self->checking, g_hash_table_unref);
  g_clear_pointer (&self->to_check, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_free (self->folder);

  G_OBJECT_CLASS (dailies_keeper_parent_class)->finalize (object);
}

static void
dailies_keeper_class_init (DailiesKeeperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_keeper_dispose;
  object_class->finalize = dailies_keeper_finalize;
}

static void
dailies_keeper_init (DailiesKeeper *self)
{
  self->waiting = g_sequence_new (waiting_free);
  self->waiting_iters = g_hash_table_new (NULL, NULL);
  self->kept_later = g_ptr_array_new_with_free_func (g_object_unref);
  self->tries = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->stray_parts = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  self->running = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->checking = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->to_check = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->max_running = DEFAULT_MAX_RUNNING;
  self->auto_save = -1;
}

DailiesKeeper *
dailies_keeper_new (DailiesTaskStore   *store,
                    DailiesDownloader  *downloader,
                    DailiesThumbnailer *thumbnailer,
                    GSettings          *settings)
{
  DailiesKeeper *self;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (store), NULL);
  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (downloader), NULL);
  g_return_val_if_fail (thumbnailer == NULL || DAILIES_IS_THUMBNAILER (thumbnailer), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (DAILIES_TYPE_KEEPER, NULL);
  self->store = g_object_ref (store);
  self->downloader = g_object_ref (downloader);
  self->thumbnailer = thumbnailer != NULL ? g_object_ref (thumbnailer) : NULL;
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::auto-save",
                             G_CALLBACK (auto_save_changed_cb), self, G_CONNECT_SWAPPED);

  return self;
}

static gboolean
scan_slice_cb (gpointer user_data)
{
  DailiesKeeper *self = user_data;
  guint end = MIN (self->scan_index + SCAN_SLICE, self->to_scan->len);

  for (; self->scan_index < end; self->scan_index++)
    consider (self, g_ptr_array_index (self->to_scan, self->scan_index));
  pump (self);

  /* One look at the folder at a time: the next slice waits for it, so
   * a slow share is not asked thousands of questions at once. */
  if (self->scan_index < self->to_scan->len)
    {
      if (!flush_checks (self, TRUE))
        return G_SOURCE_CONTINUE;
      self->scan_source = 0;
      return G_SOURCE_REMOVE;
    }

  flush_checks (self, FALSE);

  g_clear_pointer (&self->to_scan, g_ptr_array_unref);
  self->scan_source = 0;
  return G_SOURCE_REMOVE;
}

/* Looks at every task again: a look at each, and a stat of each kept file,
 * so in slices when the main loop is idle (after the window is drawn, at
 * start-up), not all at once. */
static void
scan_all (DailiesKeeper *self)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n_items = g_list_model_get_n_items (model);

  g_clear_handle_id (&self->scan_source, g_source_remove);
  g_clear_pointer (&self->to_scan, g_ptr_array_unref);
  self->scan_index = 0;
  if (n_items == 0)
    return;

  /* A snapshot: removals and additions meanwhile do not shift the scan. */
  self->to_scan = g_ptr_array_new_full (n_items, g_object_unref);
  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (self->to_scan, g_list_model_get_item (model, i));
  self->scan_source = g_idle_add_full (G_PRIORITY_LOW, scan_slice_cb, self, NULL);
  g_source_set_name_by_id (self->scan_source, "[dailies] keeper scan");
}

/* Turning keeping on keeps what has already finished; turning it off
 * stops what is under way. */
static void
auto_save_changed_cb (DailiesKeeper *self)
{
  if (!self->started || self->stopped)
    return;

  if (auto_save_enabled (self))
    scan_all (self);
  else
    stop_keeping (self);
}

/* A .part file an earlier run left (after a crash, or a quit that could
 * not wait): resumed when its task is known and its link still works,
 * else removed, so that none stays behind. */
static void
adopt_stray_part (DailiesKeeper *self,
                  const char    *path)
{
  g_autofree char *name = g_path_get_basename (path);
  char *dot;
  DailiesTask *task;

  /* "TASKID.EXT.part" */
  name[strlen (name) - strlen (PART_SUFFIX)] = '\0';
  dot = strrchr (name, '.');
  if (dot != NULL)
    *dot = '\0';

  task = dailies_task_store_lookup (self->store, name);
  if (task == NULL ||
      dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS ||
      dailies_task_get_result_url (task) == NULL ||
      dailies_task_is_link_expired (task, now_seconds ()) ||
      /* Kept once: a fresh copy is fetched if that one is gone, since
       * asking the folder here would hold up the window. */
      dailies_task_get_local_path (task) != NULL ||
      g_hash_table_contains (self->stray_parts, task) ||
      !auto_save_enabled (self))
    {
      delete_part (self, path);
      return;
    }

  g_debug ("keeper: will resume %s", path);
  g_hash_table_insert (self->stray_parts, g_object_ref (task), g_strdup (path));
}

static void
list_parts_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  const char *folder = task_data;
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  /* Only names we write: someone else's "draft.part" is left alone. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".mp4" PART_SUFFIX) ||
        g_str_has_suffix (name, ".mov" PART_SUFFIX) ||
        g_str_has_suffix (name, ".webm" PART_SUFFIX))
      g_ptr_array_add (parts, g_build_filename (folder, name, NULL));

  g_task_return_pointer (task, parts, (GDestroyNotify) g_ptr_array_unref);
}

static void
parts_listed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  DailiesKeeper *self = DAILIES_KEEPER (object);
  g_autoptr(GPtrArray) parts = g_task_propagate_pointer (G_TASK (result), NULL);

  self->n_cleaning--;
  if (parts == NULL || self->store == NULL)
    return;

  for (guint i = 0; i < parts->len; i++)
    adopt_stray_part (self, g_ptr_array_index (parts, i));

  self->parts_checked = TRUE;
  /* Asked for while the app was starting (say, from a notification). */
  for (guint i = 0; i < self->kept_later->len; i++)
    dailies_keeper_keep_now (self, g_ptr_array_index (self->kept_later, i));
  g_ptr_array_set_size (self->kept_later, 0);
  scan_all (self);
}

/* Nothing is fetched before the leftovers of the last run are known: a
 * download must not replace a .part file that could be resumed. */
static void
check_parts (DailiesKeeper *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, parts_listed_cb, NULL);

  g_task_set_source_tag (task, check_parts);
  self->n_cleaning++;
  g_task_set_task_data (task, dailies_keeper_dup_folder (self), g_free);
  g_task_run_in_thread (task, list_parts_thread);
}

void
dailies_keeper_start (DailiesKeeper *self)
{
  g_return_if_fail (DAILIES_IS_KEEPER (self));

  if (self->started)
    return;
  self->started = TRUE;

  /* Copies missing since the last run are fetched again while links work,
   * after the leftovers of that run are sorted out. */
  check_parts (self);

  g_signal_connect_object (self->store, "tasks-added",
                           G_CALLBACK (store_tasks_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "tasks-removed",
                           G_CALLBACK (store_tasks_removed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "task-answered",
                           G_CALLBACK (task_answered_cb), self, G_CONNECT_SWAPPED);
}

void
dailies_keeper_set_folder (DailiesKeeper *self,
                           const char    *folder)
{
  g_return_if_fail (DAILIES_IS_KEEPER (self));

  g_free (self->folder);
  self->folder = g_strdup (folder);
}

void
dailies_keeper_set_auto_save (DailiesKeeper *self,
                              gboolean       auto_save)
{
  g_return_if_fail (DAILIES_IS_KEEPER (self));

  self->auto_save = !!auto_save;
  auto_save_changed_cb (self);
}

void
dailies_keeper_stop (DailiesKeeper *self)
{
  g_return_if_fail (DAILIES_IS_KEEPER (self));

  self->stopped = TRUE;
  stop_keeping (self);
}

char *
dailies_keeper_suggest_name (DailiesKeeper *self,
                             DailiesTask   *task)
{
  const char *local;

  g_return_val_if_fail (DAILIES_IS_KEEPER (self), NULL);
  g_return_val_if_fail (DAILIES_IS_TASK (task), NULL);

  /* The kept file's extension is what it really is (the file is not
   * looked at: it was written so, from the same video). */
  local = dailies_task_get_local_path (task);
  if (local != NULL)
    {
      const char *dot = strrchr (local, '.');
      const char *slash = strrchr (local, G_DIR_SEPARATOR);

      if (dot != NULL && (slash == NULL || dot > slash))
        return dailies_downloader_suggest_name (dailies_task_get_id (task), dot + 1);
    }

  return dailies_downloader_suggest_name (dailies_task_get_id (task), known_extension (task));
}

void
dailies_keeper_set_max_running (DailiesKeeper *self,
                                guint          max_running)
{
  g_return_if_fail (DAILIES_IS_KEEPER (self));

  self->max_running = MAX (1, max_running);
  pump (self);
}

guint
dailies_keeper_get_n_running (DailiesKeeper *self)
{
  g_return_val_if_fail (DAILIES_IS_KEEPER (self), 0);

  return g_hash_table_size (self->running);
}

guint
dailies_keeper_get_n_cleaning (DailiesKeeper *self)
{
  g_return_val_if_fail (DAILIES_IS_KEEPER (self), 0);

  return self->n_cleaning;
}

guint
dailies_keeper_get_n_waiting (DailiesKeeper *self)
{
  g_return_val_if_fail (DAILIES_IS_KEEPER (self), 0);

  return g_sequence_get_length (self->waiting);
}

DailiesDownloader *
dailies_keeper_get_downloader (DailiesKeeper *self)
{
  g_return_val_if_fail (DAILIES_IS_KEEPER (self), NULL);

  return self->downloader;
}

void
dailies_keeper_keep_now (DailiesKeeper *self,
                         DailiesTask   *task)
{
  g_return_if_fail (DAILIES_IS_KEEPER (self));
  g_return_if_fail (DAILIES_IS_TASK (task));

  if (dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS ||
      self->stopped || g_hash_table_contains (self->running, task))
    return;

  /* Kept once: whether that copy is still there is asked off the main
   * thread, and then it goes on. */
  if (dailies_task_get_local_path (task) != NULL)
    {
      g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);

      g_ptr_array_add (tasks, g_object_ref (task));
      start_check (self, g_steal_pointer (&tasks), FALSE, TRUE);
      return;
    }

  keep_now_unkept (self, task);
}

/* Keep Now for a task known not to be kept. Not while quitting, nor
 * before leftovers are sorted out (a resumable .part would be
 * overwritten): consider() queues it then. */
static void
keep_now_unkept (DailiesKeeper *self,
                 DailiesTask   *task)
{
  if (dailies_task_get_status (task) != DAILIES_TASK_STATUS_SUCCESS ||
      self->stopped || g_hash_table_contains (self->running, task))
    return;

  if (!dailies_task_has_usable_link (task) || dailies_task_is_link_expired (task, now_seconds ()))
    {
      dailies_task_set_keep_state (task, -1.0, _("The link has expired and there is no local copy."));
      return;
    }

  unqueue (self, task);
  /* Asked for by the user: earlier failures do not count against it. */
  g_hash_table_remove (self->tries, task);
  if (!self->parts_checked)
    {
      g_ptr_array_add (self->kept_later, g_object_ref (task));
      return;
    }
  start_keeping (self, task);
}

typedef struct
{
  DailiesTask          *task;
  GFile                *destination;
  DailiesDownloadFlags  flags;
  gboolean              copied;
} SaveAs;

static void
save_as_free (SaveAs *save)
{
  g_object_unref (save->task);
  g_object_unref (save->destination);
  g_free (save);
}

static void
save_as_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SaveAs *save = g_task_get_task_data (task);
  gboolean ok;

  if (save->copied)
    {
      ok = dailies_downloader_copy_finish (DAILIES_DOWNLOADER (object), result, &error);
    }
  else
    {
      g_autoptr(GFile) saved = dailies_downloader_download_full_finish (DAILIES_DOWNLOADER (object), result, &error);

      ok = saved != NULL;
    }

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Copies the kept file when it is there, else fetches the link. */
static void
save_as_start (GTask    *gtask,
               gboolean  kept)
{
  DailiesKeeper *self = g_task_get_source_object (gtask);
  SaveAs *save = g_task_get_task_data (gtask);
  GCancellable *cancellable = g_task_get_cancellable (gtask);
  DailiesTask *task = save->task;

  if (kept)
    {
      g_autoptr(GFile) source = g_file_new_for_path (dailies_task_get_local_path (task));

      save->copied = TRUE;
      dailies_downloader_copy_async (self->downloader, source, save->destination, save->flags, cancellable,
                                     NULL, NULL, NULL, save_as_done_cb, gtask);
      return;
    }

  if (dailies_task_get_result_url (task) == NULL || dailies_task_is_link_expired (task, now_seconds ()))
    {
      g_task_return_new_error (gtask, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_EXPIRED, "%s",
                               _("The link has expired and there is no local copy."));
      g_object_unref (gtask);
      return;
    }

  dailies_downloader_download_full_async (self->downloader, dailies_task_get_result_url (task), save->destination,
                                          save->flags, cancellable, NULL, NULL, NULL, save_as_done_cb, gtask);
}

static void
save_as_kept_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *gtask = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (object), result, &error);
  SaveAs *save = g_task_get_task_data (gtask);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (gtask, g_steal_pointer (&error));
      g_object_unref (gtask);
      return;
    }

  /* The copy may have gone, or been moved by another path meanwhile. */
  save_as_start (gtask, info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR &&
                        g_file_peek_path (G_FILE (object)) != NULL &&
                        g_strcmp0 (g_file_peek_path (G_FILE (object)), dailies_task_get_local_path (save->task)) == 0);
}

void
dailies_keeper_save_as_async (DailiesKeeper       *self,
                              DailiesTask         *task,
                              GFile               *destination,
                              DailiesDownloadFlags flags,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) gtask = NULL;
  SaveAs *save;
  const char *local;

  g_return_if_fail (DAILIES_IS_KEEPER (self));
  g_return_if_fail (DAILIES_IS_TASK (task));
  g_return_if_fail (G_IS_FILE (destination));

  gtask = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, dailies_keeper_save_as_async);
  save = g_new0 (SaveAs, 1);
  save->task = g_object_ref (task);
  save->destination = g_object_ref (destination);
  save->flags = flags & DAILIES_DOWNLOAD_NO_REPLACE;
  g_task_set_task_data (gtask, save, (GDestroyNotify) save_as_free);

  /* Whether the kept copy is there is asked off the main thread: the
   * keep folder may be a slow share. */
  local = dailies_task_get_local_path (task);
  if (local != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (local);

      g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                               G_PRIORITY_DEFAULT, cancellable, save_as_kept_cb, g_steal_pointer (&gtask));
      return;
    }

  save_as_start (g_steal_pointer (&gtask), FALSE);
}

gboolean
dailies_keeper_save_as_finish (DailiesKeeper  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (DAILIES_IS_KEEPER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
