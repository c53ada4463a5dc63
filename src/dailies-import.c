/* dailies-import.c
 *
 * Task ID lists read off the main thread and added a slice at a time, so
 * that 100,000 IDs never stall the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "dailies-id-parser.h"
#include "dailies-import.h"
#include "dailies-task-list-model.h"
#include "dailies-thread.h"

/* What the worker reads at a time. */
#define CHUNK_BYTES (64 * 1024)
/* IDs added per main-loop pass: as many as take about this long (what a
 * task costs the store and its followers varies), so frames keep coming.
 * Each pass also costs the list a fixed amount (GTK 4.8's list view binds
 * its 200 rows again after an addition at the top, 1-2 ms), so a slice is
 * never very small: on a loaded machine, where every slice takes longer,
 * that cost would otherwise outweigh the tasks'. */
#define SLICE_US 12000
#define SLICE_FIRST 2000
#define SLICE_MIN 1000
#define SLICE_MAX 50000
#define PROGRESS_INTERVAL_MS 100

typedef enum
{
  SOURCE_TEXT,
  SOURCE_FILE,
  SOURCE_STREAM,
  SOURCE_IDS,
} SourceKind;

typedef struct
{
  SourceKind    kind;
  char         *text;
  GFile        *file;
  GInputStream *stream;
  char         *name;
  GStrv         ids;
  char         *if_missing;  /* a file named by an argument */
} Source;

/* New tasks from the worker, in order, with the repeats and comment IDs
 * of the lines that held them: counted as added once all of it is given
 * to the store, which a cancelled import may never do. */
typedef struct
{
  GPtrArray *tasks;          /* DailiesTask */
  guint      n_repeated;
  guint      n_in_comments;
} Batch;

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->tasks);
  g_free (batch);
}

/* What the worker found, handed over when it is done. */
typedef struct
{
  guint      n_repeated;
  guint      n_rejected;
  guint      n_in_comments;
  GPtrArray *rejected;   /* char* */
  GPtrArray *in_comments; /* char*, the first IDs read from comments */
  GPtrArray *problems;   /* char* */
  guint      n_cut_short;  /* of the problems, streams read only in part */
  guint      n_unknown;    /* and arguments that were no file */
} Found;

struct _DailiesImport
{
  GObject           parent_instance;

  DailiesTaskStore *store;
  GPtrArray        *sources;       /* Source*, given to the worker at run */
  GTask            *task;          /* the caller's, while running */
  GCancellable     *cancellable;
  GMainContext     *context;

  /* Shared with the worker */
  GMutex            mutex;
  GQueue            batches;       /* Batch, new tasks */
  gboolean          feeding;       /* an idle to add them is on its way */
  guint64           n_lines;
  guint64           n_bytes;
  guint64           total_bytes;   /* 0 when unknown */
  gboolean          size_unknown;
  guint             n_found;

  /* Main thread */
  Batch            *batch;         /* being added */
  guint             batch_offset;
  GPtrArray        *slice_tasks;   /* DailiesTask, borrowed from the batches: the next slice */
  GPtrArray        *spent;         /* Batch, used up by it */
  gboolean          worker_done;
  gboolean          cancelled;
  guint             progress_id;
  guint             retry_id;
  guint             slice;         /* IDs per pass */
  guint             n_given;
  guint             n_added;
  guint             n_given_repeated;     /* of the batches given whole */
  guint             n_given_in_comments;
  DailiesTask      *first_added;
  Found            *found;
  GStrv             problems;
  guint64           shown_lines;
  double            shown_fraction;
};

G_DEFINE_FINAL_TYPE (DailiesImport, dailies_import, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_N_LINES,
  PROP_FRACTION,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
source_free (Source *source)
{
  g_free (source->text);
  g_clear_object (&source->file);
  g_clear_object (&source->stream);
  g_free (source->name);
  g_strfreev (source->ids);
  g_free (source->if_missing);
  g_free (source);
}

static void
found_free (Found *found)
{
  if (found == NULL)
    return;

  g_ptr_array_unref (found->rejected);
  g_ptr_array_unref (found->in_comments);
  g_ptr_array_unref (found->problems);
  g_free (found);
}

static void
dailies_import_finalize (GObject *object)
{
  DailiesImport *self = DAILIES_IMPORT (object);

  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_object (&self->store);
  g_clear_pointer (&self->sources, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_queue_clear_full (&self->batches, (GDestroyNotify) batch_free);
  g_clear_pointer (&self->batch, batch_free);
  g_clear_pointer (&self->slice_tasks, g_ptr_array_unref);
  g_clear_pointer (&self->spent, g_ptr_array_unref);
  g_clear_object (&self->first_added);
  g_clear_pointer (&self->found, found_free);
  g_clear_pointer (&self->problems, g_strfreev);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (dailies_import_parent_class)->finalize (object);
}

static void
dailies_import_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DailiesImport *self = DAILIES_IMPORT (object);

  switch (prop_id)
    {
    case PROP_N_LINES:
      g_value_set_uint64 (value, self->shown_lines);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->shown_fraction);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->task != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dailies_import_class_init (DailiesImportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dailies_import_finalize;
  object_class->get_property = dailies_import_get_property;

  properties[PROP_N_LINES] =
    g_param_spec_uint64 ("n-lines", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, -1.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dailies_import_init (DailiesImport *self)
{
  g_mutex_init (&self->mutex);
  g_queue_init (&self->batches);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  self->slice = SLICE_FIRST;
  self->slice_tasks = g_ptr_array_new ();
  self->spent = g_ptr_array_new_with_free_func ((GDestroyNotify) batch_free);
}

DailiesImport *
dailies_import_new (DailiesTaskStore *store)
{
  DailiesImport *self;

  g_return_val_if_fail (DAILIES_IS_TASK_STORE (store), NULL);

  self = g_object_new (DAILIES_TYPE_IMPORT, NULL);
  self->store = g_object_ref (store);

  return self;
}

static Source *
add_source (DailiesImport *self,
            SourceKind     kind)
{
  Source *source = g_new0 (Source, 1);

  g_return_val_if_fail (self->task == NULL && self->found == NULL, source);

  source->kind = kind;
  g_ptr_array_add (self->sources, source);

  return source;
}

void
dailies_import_add_text (DailiesImport *self,
                         const char    *text)
{
  g_return_if_fail (DAILIES_IS_IMPORT (self));
  g_return_if_fail (text != NULL);

  add_source (self, SOURCE_TEXT)->text = g_strdup (text);
}

void
dailies_import_add_file (DailiesImport *self,
                         GFile         *file)
{
  g_return_if_fail (DAILIES_IS_IMPORT (self));
  g_return_if_fail (G_IS_FILE (file));

  add_source (self, SOURCE_FILE)->file = g_object_ref (file);
}

void
dailies_import_add_argument (DailiesImport *self,
                             GFile         *file,
                             const char    *if_missing)
{
  Source *source;

  g_return_if_fail (DAILIES_IS_IMPORT (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (if_missing != NULL);

  source = add_source (self, SOURCE_FILE);
  source->file = g_object_ref (file);
  source->if_missing = g_strdup (if_missing);
}

void
dailies_import_add_stream (DailiesImport *self,
                           GInputStream  *stream,
                           const char    *name)
{
  Source *source;

  g_return_if_fail (DAILIES_IS_IMPORT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (stream));

  source = add_source (self, SOURCE_STREAM);
  source->stream = g_object_ref (stream);
  source->name = g_strdup (name);
}

void
dailies_import_add_ids (DailiesImport      *self,
                        const char * const *ids)
{
  g_return_if_fail (DAILIES_IS_IMPORT (self));

  if (ids != NULL && ids[0] != NULL)
    add_source (self, SOURCE_IDS)->ids = g_strdupv ((char **) ids);
}

/* ------------------------------------------------------------------ */
/* The main thread: adding a slice at a time                           */
/* ------------------------------------------------------------------ */

static void maybe_complete (DailiesImport *self);
static void schedule_feed  (DailiesImport *self);

static gboolean
retry_feed_cb (gpointer user_data)
{
  DailiesImport *self = user_data;

  self->retry_id = 0;
  schedule_feed (self);

  return G_SOURCE_REMOVE;
}

/* The next slice from what this one cost; at most half or double at a
 * time, so that one slow pass does not shrink it for good. */
static void
adapt_slice (DailiesImport *self,
             guint          n,
             gint64         elapsed_us)
{
  double per_id = (double) MAX (elapsed_us, 1) / n;
  double next = SLICE_US / per_id;

  next = CLAMP (next, self->slice / 2.0, self->slice * 2.0);
  self->slice = (guint) CLAMP (next, SLICE_MIN, SLICE_MAX);
}

/* Gathers up to a slice of tasks into self->slice_tasks, across the batches
 * the worker handed over: on a busy main loop several wait, and each
 * addition costs the list a redo of its visible rows whatever its size.
 * The batches used up are kept in self->spent until they are added. */
static guint
take_slice (DailiesImport *self)
{
  g_ptr_array_set_size (self->slice_tasks, 0);

  while (self->slice_tasks->len < self->slice)
    {
      guint n;

      if (self->batch == NULL)
        {
          g_mutex_lock (&self->mutex);
          self->batch = g_queue_pop_head (&self->batches);
          /* Cleared only with the queue empty: the worker schedules a
           * feed again with its next batch. */
          if (self->batch == NULL && self->slice_tasks->len == 0)
            self->feeding = FALSE;
          g_mutex_unlock (&self->mutex);
          self->batch_offset = 0;

          if (self->batch == NULL)
            break;
        }

      n = MIN (self->slice - self->slice_tasks->len, self->batch->tasks->len - self->batch_offset);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (self->slice_tasks, g_ptr_array_index (self->batch->tasks, self->batch_offset + i));
      self->batch_offset += n;
      if (self->batch_offset >= self->batch->tasks->len)
        {
          /* Its tasks are given in this pass (nothing cancels between). */
          self->n_given_repeated += self->batch->n_repeated;
          self->n_given_in_comments += self->batch->n_in_comments;
          g_ptr_array_add (self->spent, g_steal_pointer (&self->batch));
        }
    }

  return self->slice_tasks->len;
}

static gboolean
feed_cb (gpointer user_data)
{
  DailiesImport *self = user_data;
  guint old_n_items;
  gint64 started;
  guint n;
  guint added;

  if (!dailies_task_store_is_loaded (self->store))
    {
      /* Given at start-up, before the saved tasks are in: wait for them.
       * feeding stays set, so the worker schedules nothing meanwhile. */
      if (self->retry_id == 0)
        self->retry_id = g_timeout_add (50, retry_feed_cb, self);
      return G_SOURCE_REMOVE;
    }

  if (self->cancelled)
    {
      /* What is queued is dropped; the worker stops at its next chunk. */
      g_clear_pointer (&self->batch, batch_free);
      g_mutex_lock (&self->mutex);
      g_queue_clear_full (&self->batches, (GDestroyNotify) batch_free);
      self->feeding = FALSE;
      g_mutex_unlock (&self->mutex);
      maybe_complete (self);
      return G_SOURCE_REMOVE;
    }

  n = take_slice (self);
  if (n == 0)
    {
      maybe_complete (self);
      return G_SOURCE_REMOVE;
    }

  old_n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  started = g_get_monotonic_time ();
  added = dailies_task_store_add_new_tasks (self->store, (DailiesTask * const *) self->slice_tasks->pdata, n);
  /* A short slice (the worker not that far ahead) says little about the cost. */
  if (n == self->slice)
    adapt_slice (self, n, g_get_monotonic_time () - started);
  g_ptr_array_set_size (self->spent, 0);

  if (added > 0 && self->first_added == NULL)
    self->first_added = g_list_model_get_item (G_LIST_MODEL (self->store), old_n_items);

  self->n_given += n;
  self->n_added += added;

  return G_SOURCE_CONTINUE;
}

static void
schedule_feed (DailiesImport *self)
{
  /* At the priority of network answers, so that a busy poller does not
   * starve it; a millisecond apart, so that a frame fits between slices. */
  GSource *source = g_timeout_source_new (1);

  g_source_set_callback (source, feed_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[dailies] import feed");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* From the worker: a batch in order, made into tasks here, off the main
 * thread, with the repeats and comment IDs its lines held (it may hold no
 * task, only those), and an idle to add them if none is on its way. */
static void
push_batch (DailiesImport *self,
            GPtrArray     *ids,
            guint          n_repeated,
            guint          n_in_comments)
{
  Batch *batch;
  gboolean schedule;

  if (ids == NULL && n_repeated == 0 && n_in_comments == 0)
    return;

  batch = g_new0 (Batch, 1);
  batch->tasks = g_ptr_array_new_full (ids != NULL ? ids->len : 0, g_object_unref);
  batch->n_repeated = n_repeated;
  batch->n_in_comments = n_in_comments;
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      char *id = g_ptr_array_index (ids, i);

      if (id != NULL && *id != '\0')
        g_ptr_array_add (batch->tasks, dailies_task_store_new_task (id));
      else
        g_free (id);
    }
  /* The strings went to the tasks. */
  if (ids != NULL)
    g_free (g_ptr_array_free (ids, FALSE));

  g_mutex_lock (&self->mutex);
  self->n_found += batch->tasks->len;
  g_queue_push_tail (&self->batches, batch);
  schedule = !self->feeding;
  self->feeding = TRUE;
  g_mutex_unlock (&self->mutex);

  if (schedule)
    schedule_feed (self);
}

static void
update_progress (DailiesImport *self)
{
  guint64 n_lines;
  double fraction;

  g_mutex_lock (&self->mutex);
  n_lines = self->n_lines;
  if (self->size_unknown || self->total_bytes == 0)
    fraction = -1.0;
  else
    {
      double read = MIN (1.0, (double) self->n_bytes / self->total_bytes);
      double added = self->n_found > 0 ? MIN (1.0, (double) self->n_given / self->n_found) : 1.0;

      /* Reading and adding are each half of the way. */
      fraction = (read + read * added) / 2.0;
    }
  g_mutex_unlock (&self->mutex);

  /* IDs given as arguments have no lines: count them instead. */
  n_lines = MAX (n_lines, self->n_given);

  if (n_lines != self->shown_lines)
    {
      self->shown_lines = n_lines;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LINES]);
    }
  if (fraction != self->shown_fraction)
    {
      self->shown_fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
}

static gboolean
progress_cb (gpointer user_data)
{
  update_progress (user_data);

  return G_SOURCE_CONTINUE;
}

static void
maybe_complete (DailiesImport *self)
{
  g_autoptr(GTask) task = NULL;
  gboolean empty;

  if (!self->worker_done || self->task == NULL)
    return;

  g_mutex_lock (&self->mutex);
  empty = g_queue_is_empty (&self->batches) && !self->feeding;
  g_mutex_unlock (&self->mutex);
  if (!empty || self->batch != NULL)
    return;

  update_progress (self);
  g_clear_handle_id (&self->progress_id, g_source_remove);

  /* Counts only: a rejected line may be a pasted key. */
  g_debug ("import: %u IDs given, %u added, %u lines without an ID%s",
           self->n_given, self->n_added, self->found != NULL ? self->found->n_rejected : 0,
           self->cancelled ? ", cancelled" : "");

  task = g_steal_pointer (&self->task);
  dailies_task_list_model_end_group ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  if (self->cancelled)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The import was cancelled"));
  else
    g_task_return_boolean (task, TRUE);
}

static void
worker_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  DailiesImport *self = DAILIES_IMPORT (object);
  g_autoptr(GStrvBuilder) problems = g_strv_builder_new ();

  self->found = g_task_propagate_pointer (G_TASK (result), NULL);
  self->worker_done = TRUE;
  if (self->found != NULL)
    for (guint i = 0; i < self->found->problems->len; i++)
      g_strv_builder_add (problems, g_ptr_array_index (self->found->problems, i));
  self->problems = g_strv_builder_end (problems);

  maybe_complete (self);
}

/* ------------------------------------------------------------------ */
/* The worker                                                          */
/* ------------------------------------------------------------------ */

/* What the worker has handed over so far, to tell a list that failed
 * before any ID from one that failed after some were added. */
static guint
count_found (DailiesImport *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_found;
  g_mutex_unlock (&self->mutex);

  return n;
}

/* @n_found_before: count_found() before @name was read; the IDs it gave
 * before failing stay added, and the summary says it was read in part. */
static void
add_problem (DailiesImport *self,
             Found         *found,
             const char    *name,
             const char    *reason,
             guint          n_found_before)
{
  if (count_found (self) > n_found_before)
    {
      found->n_cut_short++;
      /* Translators: a list failed after some of its task IDs were added; %s are its name and the reason */
      g_ptr_array_add (found->problems, g_strdup_printf (_("Only part of “%s” was read: %s"), name, reason));
      return;
    }

  /* Translators: a file given to Dailies could not be used; %s are its name and the reason */
  g_ptr_array_add (found->problems, g_strdup_printf (_("“%s” holds no task IDs: %s"), name, reason));
}

static void
merge_result (Found                *found,
              DailiesIdParseResult *result)
{
  found->n_repeated += result->n_duplicates;
  found->n_rejected += result->n_rejected;
  found->n_in_comments += result->n_in_comments;
  for (guint i = 0; i < result->rejected->len && found->rejected->len < DAILIES_ID_PARSER_MAX_REJECTED; i++)
    g_ptr_array_add (found->rejected, g_strdup (g_ptr_array_index (result->rejected, i)));
  /* Each list counts and names its own; an ID in the comments of two
   * (the same script given twice) is one, as far as the names kept tell. */
  for (guint i = 0; i < result->in_comments->len; i++)
    {
      const char *id = g_ptr_array_index (result->in_comments, i);

      if (g_ptr_array_find_with_equal_func (found->in_comments, id, g_str_equal, NULL))
        found->n_in_comments--;
      else if (found->in_comments->len < DAILIES_ID_PARSER_MAX_REJECTED)
        g_ptr_array_add (found->in_comments, g_strdup (id));
    }
}

/* What a list's reading has handed over so far, beside its IDs. */
typedef struct
{
  guint64 n_lines;
  guint   n_repeated;
  guint   n_in_comments;
} Handed;

/* Hands over @ids with the repeats and comment IDs counted since the last
 * batch: @n_repeated and @n_in_comments are the list's counts so far. */
static void
hand_over (DailiesImport *self,
           GPtrArray     *ids,
           Handed        *handed,
           guint          n_repeated,
           guint          n_in_comments)
{
  push_batch (self, ids,
              n_repeated > handed->n_repeated ? n_repeated - handed->n_repeated : 0,
              n_in_comments > handed->n_in_comments ? n_in_comments - handed->n_in_comments : 0);
  handed->n_repeated = MAX (handed->n_repeated, n_repeated);
  handed->n_in_comments = MAX (handed->n_in_comments, n_in_comments);
}

/* The rest of a list once its reading is done, with @result's counts. */
static void
hand_over_rest (DailiesImport              *self,
                GPtrArray                  *ids,
                Handed                     *handed,
                const DailiesIdParseResult *result)
{
  hand_over (self, ids, handed, result->n_duplicates, result->n_in_comments);
}

/* Feeds one chunk, counts it for progress and hands over its IDs. */
static gboolean
take_chunk (DailiesImport    *self,
            DailiesIdStream  *stream,
            const char       *data,
            gsize             length,
            Handed           *handed,
            GError          **error)
{
  gboolean ok = dailies_id_stream_feed (stream, data, length, error);
  guint64 n_lines;
  guint n_repeated, n_in_comments;

  n_lines = dailies_id_stream_get_n_lines (stream);
  g_mutex_lock (&self->mutex);
  self->n_bytes += length;
  self->n_lines += n_lines - handed->n_lines;
  g_mutex_unlock (&self->mutex);
  handed->n_lines = n_lines;

  /* Also when it failed: the IDs of its lines before the failure. */
  dailies_id_stream_get_counts (stream, &n_repeated, &n_in_comments);
  hand_over (self, dailies_id_stream_take_ids (stream), handed, n_repeated, n_in_comments);

  return ok;
}

/* Reads @input through a stream, handing IDs over as they are certain.
 * FALSE with @error when it is not text, too large or unreadable. */
static gboolean
read_input (DailiesImport  *self,
            Found          *found,
            GInputStream   *input,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (TRUE);
  g_autofree char *buffer = g_malloc (CHUNK_BYTES);
  g_autoptr(DailiesIdParseResult) result = NULL;
  GPtrArray *ids = NULL;
  Handed handed = { 0 };
  guint n_found_before = count_found (self);
  gboolean ok = TRUE;

  for (;;)
    {
      gssize n = g_input_stream_read (input, buffer, CHUNK_BYTES, cancellable, error);

      if (n == 0)
        break;
      if (n < 0 || !take_chunk (self, stream, buffer, n, &handed, error))
        {
          ok = FALSE;
          break;
        }
    }

  if (ok && dailies_id_stream_finish (stream, error))
    ids = dailies_id_stream_take_ids (stream);
  else
    ok = FALSE;

  /* Also when it failed after some IDs, which stay added: the lines
   * skipped and the repeats before count too. A list that failed before
   * any is only a problem, which the summary then names. */
  if (ok || count_found (self) > n_found_before)
    {
      result = dailies_id_stream_steal_result (stream);
      hand_over_rest (self, ids, &handed, result);
      merge_result (found, result);
    }

  return ok;
}

static void
read_text (DailiesImport *self,
           Found         *found,
           const char    *text,
           GCancellable  *cancellable)
{
  g_autoptr(DailiesIdStream) stream = dailies_id_stream_new (FALSE);
  g_autoptr(DailiesIdParseResult) result = NULL;
  gsize length = strlen (text);
  Handed handed = { 0 };
  GPtrArray *ids;

  for (gsize offset = 0; offset < length && !g_cancellable_is_cancelled (cancellable); offset += CHUNK_BYTES)
    {
      gsize n = MIN (CHUNK_BYTES, length - offset);

      take_chunk (self, stream, text + offset, n, &handed, NULL);
    }

  dailies_id_stream_finish (stream, NULL);
  ids = dailies_id_stream_take_ids (stream);
  result = dailies_id_stream_steal_result (stream);
  hand_over_rest (self, ids, &handed, result);
  merge_result (found, result);
}

static void
read_file (DailiesImport *self,
           Found         *found,
           GFile         *file,
           const char    *if_missing,
           GCancellable  *cancellable)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  guint n_found_before = count_found (self);

  /* Checked before reading: /dev/zero or a disk image is refused by its
   * type or size, not read. */
  info = g_file_query_info (file, DAILIES_ID_PARSER_FILE_ATTRIBUTES, G_FILE_QUERY_INFO_NONE, cancellable, &error);
  /* An argument that names nothing, however it failed (too long a name,
   * a path through a file, no permission, no such scheme), was perhaps
   * not meant as a file: GIO's message would repeat it. */
  if (info == NULL && if_missing != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      found->n_unknown++;
      g_ptr_array_add (found->problems, g_strdup (if_missing));
      return;
    }
  if (info != NULL && dailies_id_parser_check_file_info (info, &error))
    {
      g_mutex_lock (&self->mutex);
      self->total_bytes += g_file_info_get_size (info);
      g_mutex_unlock (&self->mutex);
      input = g_file_read (file, cancellable, &error);
    }

  if (input != NULL)
    read_input (self, found, G_INPUT_STREAM (input), cancellable, &error);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *name = g_file_get_basename (file);

      add_problem (self, found, name, error->message, n_found_before);
    }
}

static void
worker_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DailiesImport *self = source_object;
  GPtrArray *sources = task_data;
  Found *found = g_new0 (Found, 1);

  found->rejected = g_ptr_array_new_with_free_func (g_free);
  found->in_comments = g_ptr_array_new_with_free_func (g_free);
  found->problems = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < sources->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      Source *source = g_ptr_array_index (sources, i);

      switch (source->kind)
        {
        case SOURCE_TEXT:
          read_text (self, found, source->text, cancellable);
          break;

        case SOURCE_FILE:
          read_file (self, found, source->file, source->if_missing, cancellable);
          break;

        case SOURCE_STREAM:
          {
            g_autoptr(GError) error = NULL;
            guint n_found_before = count_found (self);

            if (read_input (self, found, source->stream, cancellable, &error) ||
                g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
              break;
            /* A stream's size is not known ahead: what came before the
             * limit was read, and is added. */
            if (g_error_matches (error, DAILIES_ID_PARSER_ERROR, DAILIES_ID_PARSER_ERROR_TOO_LARGE))
              {
                g_autofree char *limit = g_format_size (DAILIES_ID_PARSER_MAX_BYTES);

                found->n_cut_short++;
                /* Translators: %s are a name such as “standard input” and a size such as “67.1 MB” */
                g_ptr_array_add (found->problems, g_strdup_printf (_("Only the first %2$s of “%1$s” were read: "
                                                                     "a list of task IDs is never longer"),
                                                                   source->name, limit));
              }
            else
              add_problem (self, found, source->name, error->message, n_found_before);
          }
          break;

        case SOURCE_IDS:
          {
            GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

            for (guint j = 0; source->ids[j] != NULL; j++)
              g_ptr_array_add (ids, g_strdup (source->ids[j]));
            push_batch (self, ids, 0, 0);
          }
          break;

        default:
          g_assert_not_reached ();
        }
    }

  g_task_return_pointer (task, found, (GDestroyNotify) found_free);
}

/* A thread of its own, a little nicer than the main thread: the main
 * thread adds what it reads, and is what an import of 100,000 waits for;
 * on two cores the reading ahead shares the other one. */
static gpointer
worker_thread_main (gpointer data)
{
  g_autoptr(GTask) worker = data;

  dailies_thread_lower_priority ("import");
  worker_thread (worker, g_task_get_source_object (worker), g_task_get_task_data (worker),
                 g_task_get_cancellable (worker));

  return NULL;
}

static void
total_size (DailiesImport *self)
{
  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *source = g_ptr_array_index (self->sources, i);

      if (source->kind == SOURCE_TEXT)
        self->total_bytes += strlen (source->text);
      else if (source->kind == SOURCE_STREAM)
        self->size_unknown = TRUE;
    }
}

void
dailies_import_run_async (DailiesImport       *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) worker = NULL;

  g_return_if_fail (DAILIES_IS_IMPORT (self));
  g_return_if_fail (self->task == NULL && self->found == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  /* Its slices list together, in the order of what was given. */
  dailies_task_list_model_begin_group ();
  g_task_set_source_tag (self->task, dailies_import_run_async);
  self->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (dailies_import_cancel), self,
                             G_CONNECT_SWAPPED);
  self->context = g_main_context_ref_thread_default ();
  total_size (self);

  /* Files' sizes are added by the worker as it comes to them. */
  worker = g_task_new (self, self->cancellable, worker_done_cb, NULL);
  g_task_set_source_tag (worker, worker_thread);
  /* Cancelled, what was found so far still counts in the summary. */
  g_task_set_check_cancellable (worker, FALSE);
  g_task_set_task_data (worker, g_steal_pointer (&self->sources), (GDestroyNotify) g_ptr_array_unref);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  g_thread_unref (g_thread_new ("dailies-import", worker_thread_main, g_steal_pointer (&worker)));

  self->progress_id = g_timeout_add (PROGRESS_INTERVAL_MS, progress_cb, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
dailies_import_run_finish (DailiesImport  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* What was added stays; the rest is dropped. */
void
dailies_import_cancel (DailiesImport *self)
{
  g_return_if_fail (DAILIES_IS_IMPORT (self));

  if (self->task == NULL || self->cancelled)
    return;

  self->cancelled = TRUE;
  g_cancellable_cancel (self->cancellable);
}

guint64
dailies_import_get_n_lines (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), 0);

  return self->shown_lines;
}

double
dailies_import_get_fraction (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), 0.0);

  return self->shown_fraction;
}

gboolean
dailies_import_get_running (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), FALSE);

  return self->task != NULL;
}

guint
dailies_import_get_n_added (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), 0);

  return self->n_added;
}

guint
dailies_import_get_n_listed (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), 0);

  /* The worker's repeats are of the whole part it read, which a
   * cancelled import may not have added: then those of the batches it
   * gave whole count (a list's own repeats, counted by the parser). */
  if (self->cancelled || self->found == NULL)
    return self->n_given - self->n_added + self->n_given_repeated;

  return self->n_given - self->n_added + self->found->n_repeated;
}

guint
dailies_import_get_n_rejected (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), 0);

  return self->found != NULL ? self->found->n_rejected : 0;
}

gboolean
dailies_import_get_cancelled (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), FALSE);

  return self->cancelled;
}

GStrv
dailies_import_dup_rejected (DailiesImport *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (DAILIES_IS_IMPORT (self), NULL);

  for (guint i = 0; self->found != NULL && i < self->found->rejected->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->found->rejected, i));

  return g_strv_builder_end (builder);
}

GStrv
dailies_import_dup_in_comments (DailiesImport *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (DAILIES_IS_IMPORT (self), NULL);

  /* Those in the list: a cancelled import read some it did not add. */
  for (guint i = 0; self->found != NULL && i < self->found->in_comments->len; i++)
    {
      const char *id = g_ptr_array_index (self->found->in_comments, i);

      if (dailies_task_store_lookup (self->store, id) != NULL)
        g_strv_builder_add (builder, id);
    }

  return g_strv_builder_end (builder);
}

const char * const *
dailies_import_get_problems (DailiesImport *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (DAILIES_IS_IMPORT (self), none);

  return self->problems != NULL ? (const char * const *) self->problems : none;
}

DailiesTask *
dailies_import_get_first_added (DailiesImport *self)
{
  g_return_val_if_fail (DAILIES_IS_IMPORT (self), NULL);

  return self->first_added;
}

char *
dailies_import_dup_summary (DailiesImport *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  guint n_listed = dailies_import_get_n_listed (self);
  guint n_rejected = dailies_import_get_n_rejected (self);
  guint n_in_comments;
  g_autofree char *joined = NULL;

  g_return_val_if_fail (DAILIES_IS_IMPORT (self), NULL);

  /* As the repeats: a cancelled import counts those of the batches it
   * gave whole. */
  n_in_comments = self->cancelled ? self->n_given_in_comments
                                  : self->found != NULL ? self->found->n_in_comments : 0;

  if (self->n_given == 0 && n_listed == 0 && !self->cancelled)
    {
      /* One problem says it all; more are counted, below, after this. */
      if (self->problems != NULL && g_strv_length (self->problems) == 1 && n_rejected == 0)
        return g_strdup (self->problems[0]);
      if (self->problems == NULL || self->problems[0] == NULL)
        return g_strdup (_("No task IDs found. Task IDs look like asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E."));
      /* Translators: the start of a summary whose other parts say why, e.g. “No task IDs found · 2 unknown arguments” */
      g_ptr_array_add (parts, g_strdup (_("No task IDs found")));
    }
  else
    /* Counts with the locale's thousands separators: "9,812". */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Added %'u task", "Added %'u tasks", self->n_added),
                                             self->n_added));

  if (n_listed > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u already listed", "%'u already listed", n_listed),
                                             n_listed));
  if (n_in_comments > 0)
    /* Translators: task IDs found in a list's comments ("# submitted asyntask_…"), which were read too */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u ID read from a comment",
                                                          "%'u IDs read from comments", n_in_comments),
                                             n_in_comments));
  if (n_rejected > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                          "%'u line without a task ID",
                                                          "%'u lines without a task ID",
                                                          n_rejected),
                                             n_rejected));
  if (self->problems != NULL && self->problems[0] != NULL)
    {
      guint n_cut_short = self->found != NULL ? self->found->n_cut_short : 0;
      guint n_unknown = self->found != NULL ? self->found->n_unknown : 0;
      guint n = g_strv_length (self->problems) - n_cut_short - n_unknown;

      if (n_unknown > 0)
        g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u unknown argument", "%'u unknown arguments",
                                                              n_unknown),
                                                 n_unknown));
      if (n > 0)
        g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u file not read", "%'u files not read", n), n));
      if (n_cut_short > 0)
        g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u list read only in part",
                                                              "%'u lists read only in part", n_cut_short),
                                                 n_cut_short));
    }
  g_ptr_array_add (parts, NULL);

  /* Translators: the separator between the parts of an import's summary */
  joined = g_strjoinv (_(" · "), (char **) parts->pdata);
  if (self->cancelled)
    /* Translators: %s is what was done before, e.g. “Added 1,200 tasks” */
    return g_strdup_printf (_("Import cancelled: %s"), joined);

  return g_steal_pointer (&joined);
}
