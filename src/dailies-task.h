/* dailies-task.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "dailies-types.h"
#include "dailies-enums.h"
#include "dailies-task-response.h"

G_BEGIN_DECLS

#define DAILIES_TYPE_TASK        (dailies_task_get_type ())

G_DECLARE_FINAL_TYPE (DailiesTask, dailies_task, DAILIES, TASK, GObject)

DailiesTask       *dailies_task_new                   (const char          *id);
const char        *dailies_task_get_id                (DailiesTask         *self);
DailiesTaskStatus  dailies_task_get_status            (DailiesTask         *self);
const char        *dailies_task_get_status_text       (DailiesTask         *self);
int                dailies_task_get_progress          (DailiesTask         *self);
gint64             dailies_task_get_submit_time       (DailiesTask         *self);
gint64             dailies_task_get_start_time        (DailiesTask         *self);
gint64             dailies_task_get_finish_time       (DailiesTask         *self);
const char        *dailies_task_get_fail_reason       (DailiesTask         *self);
const char        *dailies_task_get_result_url        (DailiesTask         *self);
const char        *dailies_task_get_original_result_url (DailiesTask       *self);
const char        *dailies_task_get_request_id        (DailiesTask         *self);
const char        *dailies_task_get_model             (DailiesTask         *self);
const char        *dailies_task_get_raw_json          (DailiesTask         *self);
gint64             dailies_task_get_first_seen        (DailiesTask         *self);
gint64             dailies_task_get_last_polled       (DailiesTask         *self);
const char        *dailies_task_get_last_error        (DailiesTask         *self);
guint              dailies_task_get_http_status       (DailiesTask         *self);
const char        *dailies_task_get_local_path        (DailiesTask         *self);
gboolean           dailies_task_is_terminal           (DailiesTask         *self);
/* A result_url whose signature does not say when it lapses is taken to be
 * valid this long after Dailies first received that very link. */
#define DAILIES_TASK_RESULT_URL_LIFETIME (24 * 60 * 60)

/* Unix seconds when Dailies first received the current result_url, 0 when
 * there is none. The same link again keeps it; another link resets it. */
gint64             dailies_task_get_link_seen         (DailiesTask         *self);
/* Unix seconds when the result host refused the current result_url (403,
 * 404, 410), else 0. Cleared when another link arrives. */
gint64             dailies_task_get_link_lapsed       (DailiesTask         *self);
/* Whether the task succeeded and result_url is an http(s) link with a host. */
gboolean           dailies_task_has_usable_link       (DailiesTask         *self);
/* Unix seconds when result_url lapses: what its own signature says, else
 * link-seen + 24 h, earlier if the host already refused it; never from
 * finish_time. 0 when there is no link or nothing is known. */
gint64             dailies_task_get_link_expires_at   (DailiesTask         *self);
/* Whether result_url lapsed by @now, or the host refused it. FALSE when
 * there is no link. */
gboolean           dailies_task_is_link_expired       (DailiesTask         *self,
                                                       gint64               now);
/* -1 when no download runs, else 0..1. */
double             dailies_task_get_download_fraction (DailiesTask         *self);
/* What keeping a local copy is doing or why it failed, or NULL. */
const char        *dailies_task_get_keep_message      (DailiesTask         *self);
const char        *dailies_task_get_thumbnail_path    (DailiesTask         *self);
/* Unfinished, yet stopped at the model's service (DailiesTaskResponse's
 * upstream_problem); NULL otherwise. Set by each answer and stored with
 * it; otherwise read from raw-json when first asked for. */
const char        *dailies_task_get_upstream_problem  (DailiesTask         *self);
/* Parses raw-json again; NULL when there is none. For the detail view's metadata. */
DailiesTaskResponse *dailies_task_dup_response        (DailiesTask         *self);

/* The stored state of a task, for building one from a saved row. */
typedef struct
{
  char              *id;
  DailiesTaskStatus  status;
  char              *status_text;
  int                progress;
  gint64             submit_time;
  gint64             start_time;
  gint64             finish_time;
  char              *fail_reason;
  char              *result_url;
  char              *original_result_url;
  char              *request_id;
  char              *model;
  char              *raw_json;
  gint64             first_seen;
  gint64             last_polled;
  char              *last_error;
  guint              http_status;
  char              *local_path;
  gint64             link_seen;
  gint64             link_lapsed;
  gint64             link_expires;   /* what result_url's signature says; 0 nothing, -1 not read yet */
  char              *upstream_problem; /* unfinished tasks: "" none, NULL not known (read from raw_json) */
  char              *strings;          /* set by dailies_task_dup_fields (): the texts above
                                        * but raw_json, in one block, freed at once */
} DailiesTaskFields;

/* For DailiesTaskStore loading rows: a task with every field of @fields
 * set at once, without notifications. Takes the strings (and clears them
 * in @fields); @fields->id must be a non-empty string. link_expires -1
 * means not read from the link yet: it is when first needed. */
DailiesTask       *dailies_task_new_take_fields       (DailiesTaskFields   *fields);
/* Copies the stored state, for the store's writer; free with _fields_clear().
 * The raw JSON is not copied: @fields->raw_json is NULL and @raw_json gets
 * a reference to it (its string and NUL; NULL when there is none), which
 * never changes and may be read and released on any thread. Called on the
 * main thread only: the first call shares the task's string. */
void               dailies_task_dup_fields            (DailiesTask         *self,
                                                       DailiesTaskFields   *fields,
                                                       GBytes             **raw_json);
void               dailies_task_fields_clear          (DailiesTaskFields   *fields);
/* Where a task's raw JSON waits when it is not kept in memory: the
 * store's database. Shared by the tasks of a store (reference counted
 * with g_atomic_rc_box); read() returns a newly allocated copy or NULL,
 * from any thread; clear() is the box's clear function. */
typedef struct _DailiesTaskJsonSource DailiesTaskJsonSource;
struct _DailiesTaskJsonSource
{
  char *(*read)  (DailiesTaskJsonSource *source,
                  const char            *id);
  void  (*clear) (DailiesTaskJsonSource *source);
};

/* For DailiesTaskStore loading a row without its raw JSON: the task takes
 * a reference to @source and reads the JSON from it when first asked for
 * (dailies_task_get_raw_json(), which keeps it, and _dup_response(), which
 * does not). Setting raw-json drops @source. */
void               dailies_task_set_json_source       (DailiesTask         *self,
                                                       DailiesTaskJsonSource *source);
/* A new reference to where @self's raw JSON waits, or NULL when it is in
 * memory: for reading it on another thread without keeping it. */
DailiesTaskJsonSource *dailies_task_ref_json_source  (DailiesTask         *self);
void               dailies_task_json_source_unref     (DailiesTaskJsonSource *source);
/* Whether the raw JSON is in memory (or there is none), as opposed to
 * waiting in the store's database: the writer then keeps the stored one. */
gboolean           dailies_task_has_raw_json_in_memory (DailiesTask        *self);
/* Whether the task has an answer's JSON at all, in memory or stored. */
gboolean           dailies_task_has_raw_json          (DailiesTask         *self);
/* For DailiesTaskStore once its writer has committed @json, the bytes
 * dailies_task_dup_fields() shared: if the task's JSON is still those
 * bytes (and its upstream problem is known without them), they leave
 * memory and the task reads its JSON from @source from then on, as when
 * loaded. Returns whether they left. */
gboolean           dailies_task_leave_json_stored     (DailiesTask         *self,
                                                       GBytes              *json,
                                                       DailiesTaskJsonSource *source);

/* For DailiesTaskStore: the task's place in the store's order plus one,
 * 0 before it had one. A field rather than object data: cheaper to read
 * while searching the order, and no allocation per task. */
guint              dailies_task_get_store_position    (DailiesTask         *self);
void               dailies_task_set_store_position    (DailiesTask         *self,
                                                       guint                position);
/* For DailiesTaskListModel: when the task came to the lists (its "added"
 * sort key) and its place among those that came together (seq, from 1).
 * FALSE before it was given one. Fields for the same reason as above: an
 * import of 100,000 gave each task an allocation and object data. */
gboolean           dailies_task_get_list_order        (DailiesTask         *self,
                                                       gint64              *added,
                                                       guint64             *seq);
void               dailies_task_set_list_order        (DailiesTask         *self,
                                                       gint64               added,
                                                       guint64              seq);
/* For DailiesTaskListModel: one pointer for a model's entry for the task
 * (which model's is the models' business), NULL until set. Object data
 * cost each of 100,000 tasks an allocation, and each answer a search. */
gpointer           dailies_task_get_list_entry        (DailiesTask         *self);
void               dailies_task_set_list_entry        (DailiesTask         *self,
                                                       gpointer             entry);

/* For the store's loading thread and DailiesTaskListModel: a search key
 * (dailies_search_key_for_task()) made ahead, off the main thread, and
 * dropped by any change of the task. Set takes @key; steal hands it over,
 * or NULL when there is none. */
void               dailies_task_set_search_key        (DailiesTask         *self,
                                                       char                *key);
char              *dailies_task_steal_search_key      (DailiesTask         *self);

/* Setters are for DailiesTaskStore, the single writer of task state (and for
 * loading rows). Each notifies only the properties whose value changed. */
void               dailies_task_apply_response        (DailiesTask         *self,
                                                       const DailiesTaskResponse *response,
                                                       const char          *raw_json,
                                                       guint                http_status,
                                                       gint64               polled_at);
/* The same, taking @raw_json (g_malloc'd): an answer's body is not copied
 * again on its way to the task. */
void               dailies_task_apply_response_take_json (DailiesTask      *self,
                                                       const DailiesTaskResponse *response,
                                                       char                *raw_json,
                                                       guint                http_status,
                                                       gint64               polled_at);
/* Changes between these are notified at the end, and "changed" is
 * emitted once for them all (they nest). Use these rather than
 * g_object_freeze_notify(), under which "changed" comes once a field. */
void               dailies_task_begin_changes         (DailiesTask         *self);
void               dailies_task_end_changes           (DailiesTask         *self);
void               dailies_task_set_status            (DailiesTask         *self,
                                                       DailiesTaskStatus    status,
                                                       const char          *status_text);
void               dailies_task_set_progress          (DailiesTask         *self,
                                                       int                  progress);
void               dailies_task_set_times             (DailiesTask         *self,
                                                       gint64               submit_time,
                                                       gint64               start_time,
                                                       gint64               finish_time);
void               dailies_task_set_fail_reason       (DailiesTask         *self,
                                                       const char          *fail_reason);
void               dailies_task_set_result_urls       (DailiesTask         *self,
                                                       const char          *result_url,
                                                       const char          *original_result_url);
void               dailies_task_set_request_id        (DailiesTask         *self,
                                                       const char          *request_id);
void               dailies_task_set_model             (DailiesTask         *self,
                                                       const char          *model);
void               dailies_task_set_raw_json          (DailiesTask         *self,
                                                       const char          *raw_json);
void               dailies_task_set_first_seen        (DailiesTask         *self,
                                                       gint64               first_seen);
void               dailies_task_set_last_polled       (DailiesTask         *self,
                                                       gint64               last_polled);
/* error NULL clears it. http_status 0 = no HTTP answer (network, timeout). */
void               dailies_task_set_last_error        (DailiesTask         *self,
                                                       const char          *last_error,
                                                       guint                http_status);
void               dailies_task_set_local_path        (DailiesTask         *self,
                                                       const char          *local_path);
/* 0 clears it. */
void               dailies_task_set_link_lapsed       (DailiesTask         *self,
                                                       gint64               lapsed_at);

/* For DailiesKeeper: transient, never stored. */
void               dailies_task_set_keep_state        (DailiesTask         *self,
                                                       double               download_fraction,
                                                       const char          *keep_message);
void               dailies_task_set_thumbnail_path    (DailiesTask         *self,
                                                       const char          *thumbnail_path);
/* For DailiesPoller: the gateway's X-Oneapi-Request-Id of the last
 * answer about this task, for support; transient, never stored. */
const char        *dailies_task_get_gateway_request_id (DailiesTask        *self);
void               dailies_task_set_gateway_request_id (DailiesTask        *self,
                                                        const char         *request_id);

G_END_DECLS
