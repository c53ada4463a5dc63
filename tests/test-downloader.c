/* test-downloader.c
 *
 * DailiesDownloader against real SoupServers on 127.0.0.1, in the test's
 * own main context: whole files, connections cut halfway and resumed,
 * servers that ignore Range, expired links, cancels, unwritable folders,
 * refused URLs, copies, and safe file names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "dailies-demo-server.h"
#include "dailies-downloader-private.h"
#include "dailies-test-utils.h"

#define WAIT_MS     20000
#define BLOB_SIZE   (3 * 1024 * 1024)
/* The query string is the secret part of a pre-signed link. */
#define SECRET      "Signature=s3cr3t-do-not-log"
#define VIDEO_PATH  "/videos/clip.mp4"

/* ------------------------------------------------------------------ */
/* Every log line, to prove the query string never shows up            */
/* ------------------------------------------------------------------ */

static GPtrArray *log_lines;
static gboolean   forward_debug;

static GLogWriterOutput
record_writer (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  char *message = dailies_test_log_message (fields, n_fields);

  if (message != NULL)
    g_ptr_array_add (log_lines, message);

  if ((log_level & G_LOG_LEVEL_DEBUG) != 0 && !forward_debug)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static gboolean
log_has_line_containing (const char *needle)
{
  for (guint i = 0; i < log_lines->len; i++)
    {
      if (strstr (g_ptr_array_index (log_lines, i), needle) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* ------------------------------------------------------------------ */
/* A scripted CDN                                                      */
/* ------------------------------------------------------------------ */

typedef enum
{
  SERVE_NORMAL,      /* 200, or 206 for a Range */
  SERVE_CUT_FIRST,   /* the first answer stops halfway; then SERVE_NORMAL */
  SERVE_CUT_ALWAYS,  /* every answer stops halfway through what it announced */
  SERVE_NO_RANGE,    /* the first answer stops halfway; then 200 with everything, Range or not */
  SERVE_STALL,       /* half the body, then nothing more */
  SERVE_STATUS,      /* only a status */
} ServeMode;

typedef struct
{
  SoupServer *server;
  char       *url;          /* of the video, with a secret query */
  char       *port_url;     /* scheme, host and port only */
  GBytes     *body;
  ServeMode   mode;
  guint       status;
  char       *etag;
  const char *content_type;

  guint       n_requests;
  GPtrArray  *ranges;       /* the Range header of each request, "" when none */
  GPtrArray  *if_ranges;    /* the If-Range header of each request, "" when none */
  GArray     *statuses;     /* guint: the status each answer went out with */
  GPtrArray  *stalled;      /* SoupServerMessage, paused forever */
} TestServer;

static GBytes *
make_blob (gsize   size,
           guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint32 *data = g_malloc (size);

  g_assert (size % sizeof (guint32) == 0);
  for (gsize i = 0; i < size / sizeof (guint32); i++)
    data[i] = g_rand_int (rand);

  return g_bytes_new_take (data, size);
}

static char *
sha256_of_bytes (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

static char *
sha256_of_file (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;

  mapped = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  g_checksum_update (checksum, (const guchar *) g_mapped_file_get_contents (mapped),
                     g_mapped_file_get_length (mapped));

  return g_strdup (g_checksum_get_string (checksum));
}

/* Announces @total bytes from @start on, but sends only the first half and
 * then closes the connection: a CDN connection dropping mid-way. */
static void
reply_cut (SoupServerMessage *msg,
           GBytes            *body,
           goffset            start,
           gboolean           partial)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *response_body = soup_server_message_get_response_body (msg);
  gsize total = g_bytes_get_size (body);
  gsize announced = total - start;
  gsize sent = announced / 2;

  soup_server_message_set_status (msg, partial ? SOUP_STATUS_PARTIAL_CONTENT : SOUP_STATUS_OK, NULL);
  if (partial)
    soup_message_headers_set_content_range (headers, start, total - 1, total);
  soup_message_headers_set_content_length (headers, announced);
  soup_message_headers_replace (headers, "Connection", "close");
  soup_message_body_append (response_body, SOUP_MEMORY_COPY,
                            (const guint8 *) g_bytes_get_data (body, NULL) + start, sent);
  soup_message_body_complete (response_body);
}

static void
reply_full (TestServer        *server,
            SoupServerMessage *msg,
            goffset            start)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) slice = NULL;
  gsize total = g_bytes_get_size (server->body);

  if (start > 0)
    {
      slice = g_bytes_new_from_bytes (server->body, start, total - start);
      soup_message_headers_set_content_range (headers, start, total - 1, total);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
    }
  else
    {
      slice = g_bytes_ref (server->body);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }

  soup_message_headers_set_content_type (headers, server->content_type, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), slice);
}

static void
server_cb (SoupServer        *soup_server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  TestServer *server = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *range = soup_message_headers_get_one (request_headers, "Range");
  const char *if_range = soup_message_headers_get_one (request_headers, "If-Range");
  gsize total = server->body != NULL ? g_bytes_get_size (server->body) : 0;
  SoupRange *ranges = NULL;
  int n_ranges = 0;
  goffset start = 0;

  /* A pre-signed link must never get credentials. */
  g_assert_null (soup_message_headers_get_one (request_headers, "Authorization"));
  g_assert_cmpstr (path, ==, VIDEO_PATH);

  server->n_requests++;
  g_ptr_array_add (server->ranges, g_strdup (range != NULL ? range : ""));
  g_ptr_array_add (server->if_ranges, g_strdup (if_range != NULL ? if_range : ""));

  if (server->mode == SERVE_STATUS)
    {
      soup_server_message_set_status (msg, server->status, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "no", 2);
      return;
    }

  soup_message_headers_replace (response_headers, "Accept-Ranges", "bytes");
  if (server->etag != NULL)
    soup_message_headers_replace (response_headers, "ETag", server->etag);

  if (soup_message_headers_get_ranges (request_headers, total, &ranges, &n_ranges))
    {
      g_assert_cmpint (n_ranges, ==, 1);
      g_assert_cmpint (ranges[0].end, ==, total - 1);
      start = ranges[0].start;
      soup_message_headers_free_ranges (request_headers, ranges);
    }

  switch (server->mode)
    {
    case SERVE_CUT_FIRST:
      if (server->n_requests == 1)
        reply_cut (msg, server->body, start, start > 0);
      else
        reply_full (server, msg, start);
      return;

    case SERVE_CUT_ALWAYS:
      reply_cut (msg, server->body, start, start > 0);
      return;

    case SERVE_NO_RANGE:
      /* Otherwise SoupServer itself would turn the 200 into a 206. */
      soup_message_headers_remove (request_headers, "Range");
      soup_message_headers_replace (response_headers, "Accept-Ranges", "none");
      if (server->n_requests == 1)
        reply_cut (msg, server->body, 0, FALSE);
      else
        reply_full (server, msg, 0);
      return;

    case SERVE_STALL:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_length (response_headers, total);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_COPY,
                                g_bytes_get_data (server->body, NULL), total / 2);
      g_ptr_array_add (server->stalled, g_object_ref (msg));
      return;

    case SERVE_NORMAL:
    case SERVE_STATUS:
    default:
      reply_full (server, msg, start);
      return;
    }
}

static void
request_finished_cb (SoupServer        *soup_server,
                     SoupServerMessage *msg,
                     TestServer        *server)
{
  guint status = soup_server_message_get_status (msg);

  g_array_append_val (server->statuses, status);
}

static TestServer *
test_server_new (GBytes *body)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  server->server = soup_server_new ("server-header", "dailies-test-cdn ", NULL);
  soup_server_add_handler (server->server, NULL, server_cb, server, NULL);
  g_signal_connect (server->server, "request-finished", G_CALLBACK (request_finished_cb), server);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  server->port_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  server->url = g_strconcat (server->port_url, VIDEO_PATH "?Expires=1700000000&" SECRET, NULL);
  server->body = body != NULL ? g_bytes_ref (body) : NULL;
  server->mode = SERVE_NORMAL;
  server->content_type = "video/mp4";
  server->ranges = g_ptr_array_new_with_free_func (g_free);
  server->if_ranges = g_ptr_array_new_with_free_func (g_free);
  server->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  server->statuses = g_array_new (FALSE, FALSE, sizeof (guint));

  return server;
}

static void
test_server_free (TestServer *server)
{
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_ptr_array_unref (server->stalled);
  g_ptr_array_unref (server->ranges);
  g_ptr_array_unref (server->if_ranges);
  g_array_unref (server->statuses);
  g_clear_pointer (&server->body, g_bytes_unref);
  g_free (server->etag);
  g_free (server->url);
  g_free (server->port_url);
  g_free (server);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  GBytes            *blob;
  char              *blob_sha256;
  TestServer        *server;
  DailiesDownloader *downloader;
  char              *dir;
  char              *dest_path;
  char              *part_path;
  GFile             *dest;
} Fixture;

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;

  guint     n_progress;
  goffset   last_received;
  goffset   last_total;
  double    last_rate;
  gint64    first_progress_us;
  gint64    last_progress_us;
  gboolean  notified;
} Run;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->blob = make_blob (BLOB_SIZE, 4711);
  f->blob_sha256 = sha256_of_bytes (f->blob);
  f->server = test_server_new (f->blob);
  f->downloader = dailies_downloader_new ();
  /* fsync is measured by the benchmark; tests need no durability. */
  dailies_downloader_set_sync_to_disk (f->downloader, FALSE);
  f->dir = dailies_test_make_temp_dir ();
  f->dest_path = g_build_filename (f->dir, "clip.mp4", NULL);
  f->part_path = g_strconcat (f->dest_path, ".part", NULL);
  f->dest = g_file_new_for_path (f->dest_path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_false (log_has_line_containing (SECRET));
  g_assert_finalize_object (f->downloader);
  test_server_free (f->server);
  dailies_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->dest_path);
  g_free (f->part_path);
  g_object_unref (f->dest);
  g_free (f->blob_sha256);
  g_bytes_unref (f->blob);
}

static void
run_clear (Run *run)
{
  g_clear_error (&run->error);
  memset (run, 0, sizeof *run);
}

static void
progress_cb (goffset  received,
             goffset  total,
             double   bytes_per_second,
             gpointer user_data)
{
  Run *run = user_data;
  gint64 now = g_get_monotonic_time ();

  g_assert_false (run->done);
  g_assert_cmpint (received, >=, 0);
  if (total >= 0)
    g_assert_cmpint (received, <=, total);
  g_assert_cmpfloat (bytes_per_second, >=, 0);

  if (run->n_progress == 0)
    run->first_progress_us = now;
  run->n_progress++;
  run->last_received = received;
  run->last_total = total;
  run->last_rate = bytes_per_second;
  run->last_progress_us = now;
}

static void
progress_notify (gpointer user_data)
{
  Run *run = user_data;

  run->notified = TRUE;
}

static void
download_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;

  g_assert_false (run->done);
  run->ok = dailies_downloader_download_finish (DAILIES_DOWNLOADER (object), result, &run->error);
  g_assert_true (run->ok == (run->error == NULL));
  run->done = TRUE;
}

static void
copy_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Run *run = user_data;

  g_assert_false (run->done);
  run->ok = dailies_downloader_copy_finish (DAILIES_DOWNLOADER (object), result, &run->error);
  g_assert_true (run->ok == (run->error == NULL));
  run->done = TRUE;
}

static void
download_start (DailiesDownloader *downloader,
                const char        *url,
                GFile             *dest,
                GCancellable      *cancellable,
                Run               *run)
{
  run_clear (run);
  dailies_downloader_download_async (downloader, url, dest, cancellable,
                                     progress_cb, run, progress_notify,
                                     download_cb, run);
  /* GIO style: never a callback from inside the _async call. */
  g_assert_false (run->done);
}

static void
run_wait (Run *run)
{
  g_assert_true (dailies_test_wait_for_flag (&run->done, WAIT_MS));
  /* The progress data is released once the task is gone. */
  g_assert_true (dailies_test_wait_for_flag (&run->notified, WAIT_MS));
}

static void
download (Fixture    *f,
          const char *url,
          Run        *run)
{
  download_start (f->downloader, url, f->dest, NULL, run);
  run_wait (run);
}

static void
assert_nothing_left (Fixture *f)
{
  g_assert_false (g_file_test (f->part_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (f->dest_path, G_FILE_TEST_EXISTS));
}

static void
assert_saved_blob (Fixture *f)
{
  g_autofree char *sha256 = sha256_of_file (f->dest_path);

  g_assert_cmpstr (sha256, ==, f->blob_sha256);
  g_assert_false (g_file_test (f->part_path, G_FILE_TEST_EXISTS));
}

/* ------------------------------------------------------------------ */
/* Whole downloads                                                     */
/* ------------------------------------------------------------------ */

static void
test_download (Fixture       *f,
               gconstpointer  data)
{
  Run run = { 0 };
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  download (f, f->server->url, &run);
  elapsed = g_get_monotonic_time () - start;

  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  assert_saved_blob (f);

  g_assert_cmpuint (f->server->n_requests, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 0), ==, "");

  /* The last report says everything arrived; reports come at most ten a
   * second, plus the final one. */
  g_assert_cmpuint (run.n_progress, >=, 1);
  g_assert_cmpint (run.last_received, ==, BLOB_SIZE);
  g_assert_cmpint (run.last_total, ==, BLOB_SIZE);
  g_assert_cmpuint (run.n_progress, <=, elapsed / (G_USEC_PER_SEC / 10) + 2);

  run_clear (&run);
}

/* The demo server's CDN listener counts requests that carried credentials. */
static void
test_download_demo_server (void)
{
  g_autoptr(DailiesDemoServer) server = dailies_demo_server_new ();
  g_autoptr(DailiesDownloader) downloader = dailies_downloader_new ();
  g_autoptr(GBytes) blob = make_blob (BLOB_SIZE, 99);
  g_autofree char *expected = sha256_of_bytes (blob);
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "demo.mp4", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *sha256 = NULL;
  Run run = { 0 };

  dailies_demo_server_set_video (server, blob);
  g_assert_true (dailies_demo_server_start (server, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("%s/videos/%s.mp4?Expires=1&%s", dailies_demo_server_get_cdn_url (server),
                         dailies_demo_server_get_task_ids (server)[0], SECRET);

  download_start (downloader, url, dest, NULL, &run);
  run_wait (&run);
  g_assert_no_error (run.error);

  sha256 = sha256_of_file (path);
  g_assert_cmpstr (sha256, ==, expected);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests (server), ==, 1);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (server), ==, 0);

  /* Once the link lapses, the CDN answers 403: the file is kept as it was. */
  dailies_demo_server_expire_links (server);
  download_start (downloader, url, dest, NULL, &run);
  run_wait (&run);
  g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_EXPIRED);
  g_clear_pointer (&sha256, g_free);
  sha256 = sha256_of_file (path);
  g_assert_cmpstr (sha256, ==, expected);
  g_assert_cmpuint (dailies_demo_server_get_n_video_requests_with_auth (server), ==, 0);

  run_clear (&run);
  dailies_test_rm_rf (dir);
}

/* An older file under the name is replaced; a stale .part is not resumed. */
static void
test_download_replaces (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  g_file_set_contents (f->dest_path, "old video", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (f->part_path, "stale bytes from an earlier run", -1, &error);
  g_assert_no_error (error);

  download (f, f->server->url, &run);
  g_assert_no_error (run.error);
  assert_saved_blob (f);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 0), ==, "");

  run_clear (&run);
}

/* A .part that is a link to another file: the link goes, the file stays. */
static void
test_download_part_symlink (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *victim = g_build_filename (f->dir, "victim.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  g_file_set_contents (victim, "precious", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (victim, f->part_path), ==, 0);

  download (f, f->server->url, &run);
  g_assert_no_error (run.error);
  assert_saved_blob (f);

  g_file_get_contents (victim, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "precious");

  run_clear (&run);
}

static void
test_download_busy (Fixture       *f,
                    gconstpointer  data)
{
  Run first = { 0 };
  Run second = { 0 };

  download_start (f->downloader, f->server->url, f->dest, NULL, &first);
  download_start (f->downloader, f->server->url, f->dest, NULL, &second);
  run_wait (&second);
  g_assert_error (second.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_BUSY);

  run_wait (&first);
  g_assert_no_error (first.error);
  assert_saved_blob (f);
  g_assert_cmpuint (f->server->n_requests, ==, 1);

  run_clear (&first);
  run_clear (&second);
}

/* ------------------------------------------------------------------ */
/* Dropped connections                                                 */
/* ------------------------------------------------------------------ */

static void
test_resume_range (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *expected_range = NULL;
  Run run = { 0 };

  f->server->mode = SERVE_CUT_FIRST;
  f->server->etag = g_strdup ("\"v1\"");

  download (f, f->server->url, &run);
  g_assert_no_error (run.error);
  assert_saved_blob (f);

  /* Asked again for exactly what was missing, guarded by the ETag. */
  g_assert_cmpuint (f->server->n_requests, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 0), ==, "");
  expected_range = g_strdup_printf ("bytes=%d-", BLOB_SIZE / 2);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 1), ==, expected_range);
  g_assert_cmpstr (g_ptr_array_index (f->server->if_ranges, 1), ==, "\"v1\"");
  g_assert_cmpint (run.last_received, ==, BLOB_SIZE);

  run_clear (&run);
}

static gboolean
two_answers_finished (gpointer user_data)
{
  TestServer *server = user_data;

  return server->statuses->len >= 2;
}

/* The socket goes away while the client waits for more. */
static void
drop_stalled_connection (goffset  received,
                         goffset  total,
                         double   bytes_per_second,
                         gpointer user_data)
{
  TestServer *server = user_data;

  if (received > 0 && server->mode == SERVE_STALL)
    {
      SoupServerMessage *msg = g_ptr_array_index (server->stalled, 0);

      server->mode = SERVE_NORMAL;
      g_socket_shutdown (soup_server_message_get_socket (msg), TRUE, TRUE, NULL);
    }
}

static void
test_resume_dropped_socket (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *expected_range = g_strdup_printf ("bytes=%d-", BLOB_SIZE / 2);
  Run run = { 0 };

  f->server->mode = SERVE_STALL;

  dailies_downloader_download_async (f->downloader, f->server->url, f->dest, NULL,
                                     drop_stalled_connection, f->server, NULL,
                                     download_cb, &run);
  g_assert_true (dailies_test_wait_for_flag (&run.done, WAIT_MS));

  g_assert_no_error (run.error);
  assert_saved_blob (f);
  g_assert_cmpuint (f->server->n_requests, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 1), ==, expected_range);

  run_clear (&run);
}

static void
test_resume_restart_on_200 (Fixture       *f,
                            gconstpointer  data)
{
  Run run = { 0 };

  f->server->mode = SERVE_NO_RANGE;

  download (f, f->server->url, &run);
  g_assert_no_error (run.error);
  /* The full answer replaced the first half rather than following it. */
  assert_saved_blob (f);
  g_assert_cmpuint (f->server->n_requests, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (f->server->ranges, 1), "bytes="));
  g_assert_true (dailies_test_wait_until (two_answers_finished, f->server, WAIT_MS));
  g_assert_cmpuint (g_array_index (f->server->statuses, guint, 1), ==, SOUP_STATUS_OK);

  run_clear (&run);
}

static void
test_resume_gives_up (Fixture       *f,
                      gconstpointer  data)
{
  Run run = { 0 };

  f->server->mode = SERVE_CUT_ALWAYS;

  download (f, f->server->url, &run);
  g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_TOO_MANY_RETRIES);
  g_assert_cmpuint (f->server->n_requests, ==, DAILIES_DOWNLOAD_MAX_RETRIES + 1);
  /* Each retry went on from where the previous one stopped. */
  for (guint i = 1; i < f->server->ranges->len; i++)
    {
      const char *previous = g_ptr_array_index (f->server->ranges, i - 1);
      const char *range = g_ptr_array_index (f->server->ranges, i);
      guint64 from = g_ascii_strtoull (range + strlen ("bytes="), NULL, 10);
      guint64 before = *previous != '\0' ? g_ascii_strtoull (previous + strlen ("bytes="), NULL, 10) : 0;

      g_assert_true (g_str_has_prefix (range, "bytes="));
      g_assert_cmpuint (from, ==, before + (BLOB_SIZE - before) / 2);
    }
  assert_nothing_left (f);

  run_clear (&run);
}

/* ------------------------------------------------------------------ */
/* Failures                                                            */
/* ------------------------------------------------------------------ */

static void
test_expired (Fixture       *f,
              gconstpointer  data)
{
  const guint statuses[] = { 403, 404, 410 };
  Run run = { 0 };

  f->server->mode = SERVE_STATUS;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autofree char *code = g_strdup_printf ("HTTP %u", statuses[i]);

      f->server->status = statuses[i];
      download (f, f->server->url, &run);
      g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_EXPIRED);
      g_assert_nonnull (strstr (run.error->message, "expired"));
      g_assert_nonnull (strstr (run.error->message, code));
      assert_nothing_left (f);
    }

  run_clear (&run);
}

static void
test_http_error (Fixture       *f,
                 gconstpointer  data)
{
  const guint statuses[] = { 500, 503, 401, 204 };
  Run run = { 0 };

  f->server->mode = SERVE_STATUS;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      f->server->status = statuses[i];
      download (f, f->server->url, &run);
      g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_HTTP);
      assert_nothing_left (f);
    }

  /* No retries for an answer that was not cut short. */
  g_assert_cmpuint (f->server->n_requests, ==, G_N_ELEMENTS (statuses));

  run_clear (&run);
}

static void
test_network_error (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s" VIDEO_PATH "?%s", f->server->port_url, SECRET);
  Run run = { 0 };

  /* Nobody listens on that port any more. */
  soup_server_disconnect (f->server->server);

  download (f, url, &run);
  g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NETWORK);
  assert_nothing_left (f);

  run_clear (&run);
}

static void
cancel_when_half_in (goffset  received,
                     goffset  total,
                     double   bytes_per_second,
                     gpointer user_data)
{
  GCancellable *cancellable = user_data;

  if (received > 0)
    g_cancellable_cancel (cancellable);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Run run = { 0 };

  f->server->mode = SERVE_STALL;

  dailies_downloader_download_async (f->downloader, f->server->url, f->dest, cancellable,
                                     cancel_when_half_in, cancellable, NULL,
                                     download_cb, &run);
  g_assert_true (dailies_test_wait_for_flag (&run.done, WAIT_MS));

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->server->stalled->len, ==, 1);
  assert_nothing_left (f);

  run_clear (&run);
}

static void
dispose_when_half_in (goffset  received,
                      goffset  total,
                      double   bytes_per_second,
                      gpointer user_data)
{
  if (received > 0)
    g_object_run_dispose (G_OBJECT (user_data));
}

/* Disposing the downloader (the application quitting) cancels its work. */
static void
test_cancel_dispose (Fixture       *f,
                     gconstpointer  data)
{
  Run run = { 0 };

  f->server->mode = SERVE_STALL;

  dailies_downloader_download_async (f->downloader, f->server->url, f->dest, NULL,
                                     dispose_when_half_in, f->downloader, NULL,
                                     download_cb, &run);
  g_assert_true (dailies_test_wait_for_flag (&run.done, WAIT_MS));

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_nothing_left (f);

  run_clear (&run);
}

static void
test_cancel_before_start (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Run run = { 0 };

  g_cancellable_cancel (cancellable);
  download_start (f->downloader, f->server->url, f->dest, cancellable, &run);
  run_wait (&run);

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->server->n_requests, ==, 0);
  assert_nothing_left (f);

  run_clear (&run);
}

/* chmod does not stop root, so the "folder" is a regular file. */
static void
test_not_writable (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *not_a_dir = g_build_filename (f->dir, "not-a-folder", NULL);
  g_autofree char *inside = g_build_filename (not_a_dir, "clip.mp4", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (inside);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  Run run = { 0 };

  g_file_set_contents (not_a_dir, "a file", -1, &error);
  g_assert_no_error (error);

  download_start (f->downloader, f->server->url, dest, NULL, &run);
  run_wait (&run);

  g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE);
  /* Nothing was fetched for a file that could not be kept. */
  g_assert_cmpuint (f->server->n_requests, ==, 0);
  g_file_get_contents (not_a_dir, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "a file");

  run_clear (&run);
}

/* A write that fails halfway (here: a file size limit, which stops root
 * too) ends the download at once, without retries, and leaves nothing. */
static void
test_write_fails (Fixture       *f,
                  gconstpointer  data)
{
  struct rlimit saved, limited;
  Run run = { 0 };

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limited = saved;
  limited.rlim_cur = BLOB_SIZE / 3;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limited), ==, 0);

  download (f, f->server->url, &run);

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE);
  g_assert_cmpuint (f->server->n_requests, ==, 1);
  g_assert_cmpint (run.last_received, <=, BLOB_SIZE / 3);
  assert_nothing_left (f);

  run_clear (&run);
}

static void
test_destination_is_folder (Fixture       *f,
                            gconstpointer  data)
{
  Run run = { 0 };

  g_assert_cmpint (g_mkdir (f->dest_path, 0700), ==, 0);

  download (f, f->server->url, &run);
  g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE);
  g_assert_cmpuint (f->server->n_requests, ==, 0);
  g_assert_true (g_file_test (f->dest_path, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (f->part_path, G_FILE_TEST_EXISTS));

  run_clear (&run);
}

static void
test_invalid_urls (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *with_user = g_strdup_printf ("http://user:secret@%s" VIDEO_PATH,
                                                f->server->port_url + strlen ("http://"));
  g_autofree char *ftp = g_strdup_printf ("ftp://%s" VIDEO_PATH, f->server->port_url + strlen ("http://"));
  const char *urls[] = {
    "file:///etc/passwd",
    "data:,x",
    "data:video/mp4;base64,AAAA",
    "http://",
    "https:///no-host",
    "/relative/path.mp4",
    "",
    "not a url",
    "javascript:alert(1)",
    with_user,
    ftp,
  };
  Run run = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      download (f, urls[i], &run);
      g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_INVALID_URL);
      assert_nothing_left (f);
    }

  g_assert_cmpuint (f->server->n_requests, ==, 0);
  g_assert_false (log_has_line_containing ("secret"));

  run_clear (&run);
}

/* ------------------------------------------------------------------ */
/* Flags: resuming a leftover, the extension from the Content-Type     */
/* ------------------------------------------------------------------ */

typedef struct
{
  Run    run;
  GFile *file;
} FullRun;

static void
download_full_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  FullRun *full = user_data;

  full->file = dailies_downloader_download_full_finish (DAILIES_DOWNLOADER (object), result, &full->run.error);
  full->run.ok = full->file != NULL;
  full->run.done = TRUE;
}

/* Downloads the test video to "clip.mp4" with @flags; returns the file's
 * base name. */
static char *
download_full (Fixture              *f,
               DailiesDownloadFlags  flags)
{
  FullRun full = { { 0 }, NULL };
  char *name;

  dailies_downloader_download_full_async (f->downloader, f->server->url, f->dest, flags, NULL,
                                          progress_cb, &full.run, progress_notify, download_full_cb, &full);
  run_wait (&full.run);
  g_assert_no_error (full.run.error);
  name = g_file_get_basename (full.file);
  g_object_unref (full.file);

  return name;
}

static void
test_resume_leftover (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *expected_range = g_strdup_printf ("bytes=%d-", BLOB_SIZE / 3);

  /* What a killed run left behind: a third of the file. */
  g_file_set_contents (f->part_path, g_bytes_get_data (f->blob, NULL), BLOB_SIZE / 3, &error);
  g_assert_no_error (error);

  name = download_full (f, DAILIES_DOWNLOAD_RESUME);
  g_assert_cmpstr (name, ==, "clip.mp4");
  assert_saved_blob (f);
  g_assert_cmpuint (f->server->n_requests, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 0), ==, expected_range);

  /* Without the flag, a leftover is no more than in the way. */
  g_file_set_contents (f->part_path, "junk", -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&name, g_free);
  name = download_full (f, DAILIES_DOWNLOAD_FLAGS_NONE);
  assert_saved_blob (f);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 1), ==, "");

  /* A server that ignores the Range: the leftover is emptied, not appended to. */
  g_file_set_contents (f->part_path, "stale bytes of an older file", -1, &error);
  g_assert_no_error (error);
  f->server->mode = SERVE_NO_RANGE;
  g_clear_pointer (&name, g_free);
  name = download_full (f, DAILIES_DOWNLOAD_RESUME);
  assert_saved_blob (f);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 2), ==, "bytes=28-");
}

static void
test_extension_from_type (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *mov_path = g_build_filename (f->dir, "clip.mov", NULL);
  g_autofree char *sha256 = NULL;
  g_autofree char *name = NULL;

  /* Only with the flag does the Content-Type rename the file. */
  f->server->content_type = "video/quicktime";
  name = download_full (f, DAILIES_DOWNLOAD_FLAGS_NONE);
  g_assert_cmpstr (name, ==, "clip.mp4");
  g_assert_cmpint (g_unlink (f->dest_path), ==, 0);

  g_clear_pointer (&name, g_free);
  name = download_full (f, DAILIES_DOWNLOAD_EXTENSION_FROM_TYPE);
  g_assert_cmpstr (name, ==, "clip.mov");
  sha256 = sha256_of_file (mov_path);
  g_assert_cmpstr (sha256, ==, f->blob_sha256);
  assert_nothing_left (f);
}

static void
test_video_extension (void)
{
  static const struct { const char *format, *url, *type, *expected; } cases[] = {
    { "mov", "https://cdn.example/v/a.mp4?x=1", "video/mp4", "mov" },   /* the service knows best */
    { "MP4", NULL, NULL, "mp4" },
    { "gif", "https://cdn.example/v/a.webm?Signature=.mov", NULL, "webm" },   /* the path, never the query */
    { NULL, "https://cdn.example/v/a.MOV", NULL, "mov" },
    { NULL, "https://cdn.example/v.mov/a", "video/quicktime; charset=binary", "mov" },
    { NULL, "https://cdn.example/v/a", "video/webm", "webm" },
    { NULL, "https://cdn.example/v/a", "application/octet-stream", NULL },
    { NULL, "not a url", NULL, NULL },
    { NULL, NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (dailies_video_extension (cases[i].format, cases[i].url, cases[i].type), ==, cases[i].expected);
}

/* ------------------------------------------------------------------ */
/* Copies                                                              */
/* ------------------------------------------------------------------ */

/* Copies the test video, kept as "kept.mp4", to "clip.mp4" with @flags;
 * returns the kept file's path. */
static char *
copy_from_kept (Fixture              *f,
                DailiesDownloadFlags  flags,
                Run                  *run)
{
  char *source_path = g_build_filename (f->dir, "kept.mp4", NULL);
  g_autoptr(GFile) source = g_file_new_for_path (source_path);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (source_path, g_bytes_get_data (f->blob, NULL), BLOB_SIZE, &error);
  g_assert_no_error (error);

  dailies_downloader_copy_async (f->downloader, source, f->dest, flags, NULL,
                                 progress_cb, run, progress_notify, copy_cb, run);
  g_assert_false (run->done);
  run_wait (run);

  return source_path;
}

static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  Run run = { 0 };
  g_autofree char *source_path = copy_from_kept (f, DAILIES_DOWNLOAD_FLAGS_NONE, &run);

  g_assert_no_error (run.error);
  assert_saved_blob (f);
  g_assert_cmpint (run.last_received, ==, BLOB_SIZE);
  g_assert_cmpint (run.last_total, ==, BLOB_SIZE);
  g_assert_true (g_file_test (source_path, G_FILE_TEST_IS_REGULAR));

  run_clear (&run);
}

static void
test_copy_missing_source (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *source_path = g_build_filename (f->dir, "gone.mp4", NULL);
  g_autoptr(GFile) source = g_file_new_for_path (source_path);
  Run run = { 0 };

  dailies_downloader_copy_async (f->downloader, source, f->dest, DAILIES_DOWNLOAD_FLAGS_NONE, NULL,
                                 progress_cb, &run, progress_notify, copy_cb, &run);
  run_wait (&run);

  g_assert_error (run.error, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_READ);
  assert_nothing_left (f);

  run_clear (&run);
}

/* ------------------------------------------------------------------ */
/* Never replacing a file (Save Videos To…)                            */
/* ------------------------------------------------------------------ */

#define OTHER_VIDEO "someone else's video"

static void
assert_other_video_kept (Fixture *f)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (f->dest_path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, OTHER_VIDEO);
  g_assert_false (g_file_test (f->part_path, G_FILE_TEST_EXISTS));
}

typedef struct
{
  Fixture  *f;
  gboolean  written;
} Meanwhile;

/* Half the video is in: another program saves a file under the same name,
 * then the connection drops and the rest comes with a Range request. */
static void
write_other_video_midway (goffset  received,
                          goffset  total,
                          double   bytes_per_second,
                          gpointer user_data)
{
  Meanwhile *meanwhile = user_data;
  TestServer *server = meanwhile->f->server;
  g_autoptr(GError) error = NULL;

  if (received == 0 || server->mode != SERVE_STALL)
    return;

  g_file_set_contents (meanwhile->f->dest_path, OTHER_VIDEO, -1, &error);
  g_assert_no_error (error);
  meanwhile->written = TRUE;

  server->mode = SERVE_NORMAL;
  g_socket_shutdown (soup_server_message_get_socket (g_ptr_array_index (server->stalled, 0)), TRUE, TRUE, NULL);
}

/* The check is the rename itself, not a look before the download. */
static void
test_no_replace_appears_meanwhile (Fixture       *f,
                                   gconstpointer  data)
{
  Meanwhile meanwhile = { f, FALSE };
  FullRun full = { { 0 }, NULL };

  f->server->mode = SERVE_STALL;
  dailies_downloader_download_full_async (f->downloader, f->server->url, f->dest, DAILIES_DOWNLOAD_NO_REPLACE, NULL,
                                          write_other_video_midway, &meanwhile, NULL, download_full_cb, &full);
  g_assert_true (dailies_test_wait_for_flag (&full.run.done, WAIT_MS));

  g_assert_true (meanwhile.written);
  g_assert_cmpuint (f->server->n_requests, ==, 2);
  g_assert_error (full.run.error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_null (full.file);
  assert_other_video_kept (f);

  run_clear (&full.run);
}

/* With no file there, the flag changes nothing. */
static void
test_no_replace_saves (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *name = download_full (f, DAILIES_DOWNLOAD_NO_REPLACE);

  g_assert_cmpstr (name, ==, "clip.mp4");
  assert_saved_blob (f);
}

/* A copy from the kept file keeps the same promise. */
static void
test_no_replace_copy (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source_path = NULL;
  Run run = { 0 };

  g_file_set_contents (f->dest_path, OTHER_VIDEO, -1, &error);
  g_assert_no_error (error);
  source_path = copy_from_kept (f, DAILIES_DOWNLOAD_NO_REPLACE, &run);

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  assert_other_video_kept (f);

  run_clear (&run);
}

/* Each way the move into place can take on a file system that lacks the
 * one before: to a free name it moves, onto a taken one it fails with
 * EXISTS and leaves both files as they were. */
static void
test_no_replace_each_way (Fixture       *f,
                          gconstpointer  data)
{
  static const DailiesNoReplaceWay ways[] = {
    DAILIES_NO_REPLACE_RENAME, DAILIES_NO_REPLACE_LINK, DAILIES_NO_REPLACE_LOOK_FIRST,
  };
  g_autoptr(GFile) part = g_file_new_for_path (f->part_path);

  for (gsize i = 0; i < G_N_ELEMENTS (ways); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;

      g_file_set_contents (f->part_path, "new video", -1, &error);
      g_assert_no_error (error);
      g_assert_true (_dailies_download_move_no_replace (part, f->dest, ways[i], &error));
      g_assert_no_error (error);
      g_assert_false (g_file_test (f->part_path, G_FILE_TEST_EXISTS));
      g_file_get_contents (f->dest_path, &contents, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (contents, ==, "new video");

      g_file_set_contents (f->dest_path, OTHER_VIDEO, -1, &error);
      g_assert_no_error (error);
      g_file_set_contents (f->part_path, "new video", -1, &error);
      g_assert_no_error (error);
      g_assert_false (_dailies_download_move_no_replace (part, f->dest, ways[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
      g_assert_nonnull (strstr (error->message, "clip.mp4"));
      g_clear_pointer (&contents, g_free);
      g_file_get_contents (f->part_path, &contents, NULL, NULL);
      g_assert_cmpstr (contents, ==, "new video");
      g_assert_cmpint (g_unlink (f->part_path), ==, 0);
      assert_other_video_kept (f);
      g_assert_cmpint (g_unlink (f->dest_path), ==, 0);
    }
}

/* A .part that is another name for a saved file's data (a link whose
 * .part could not be removed) is not resumed: appending to it would
 * change that file. It is replaced, and the file stays as it was. */
static void
test_resume_shared_part (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *saved = g_build_filename (f->dir, "saved.mp4", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (saved, "a saved video", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (link (saved, f->part_path), ==, 0);

  name = download_full (f, DAILIES_DOWNLOAD_RESUME);
  assert_saved_blob (f);
  g_assert_cmpstr (g_ptr_array_index (f->server->ranges, 0), ==, "");
  g_file_get_contents (saved, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "a saved video");
}

/* ------------------------------------------------------------------ */
/* File names                                                          */
/* ------------------------------------------------------------------ */

static void
assert_safe_name (const char *name)
{
  g_assert_nonnull (name);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_cmpuint (strlen (name), <=, 200);
  g_assert_nonnull (strchr (name + 1, '.'));
  g_assert_null (strchr (name, '/'));
  g_assert_null (strchr (name, '\\'));
  g_assert_cmpint (name[0], !=, '.');
  g_assert_cmpint (name[0], !=, '-');
  g_assert_cmpstr (name, !=, ".");
  g_assert_cmpstr (name, !=, "..");

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_false (g_unichar_iscntrl (c));
      g_assert_cmpint (g_unichar_type (c), !=, G_UNICODE_FORMAT);
    }
}

static void
test_suggest_name (void)
{
  g_autofree char *long_id = g_strnfill (300, 'a');
  g_autofree char *long_utf8 = NULL;
  g_autoptr(GString) builder = g_string_new (NULL);
  struct {
    const char *id;
    const char *ext;
    const char *expected;   /* NULL: only checked to be safe */
  } cases[] = {
    { "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E", "mp4", "asyntask_h81efT0qwtLnzyt6VENmCZ6VXSfNxE2E.mp4" },
    { "cgt-20260427191505-9j2q7", NULL, "cgt-20260427191505-9j2q7.mp4" },
    { "asyntask_x", ".webm", "asyntask_x.webm" },
    { "../x", "mp4", "x.mp4" },
    { "../../etc/passwd", "mp4", NULL },
    { ".hidden", "mp4", "hidden.mp4" },
    { "a/b", "mp4", "a_b.mp4" },
    { "a\\b", "mp4", "a_b.mp4" },
    { "tab\there\nnewline\r\x01\x7f", "mp4", NULL },
    { "evil\xe2\x80\xaegpj.exe", "mp4", NULL },   /* U+202E right-to-left override */
    { "bad\xff\xfeutf8", "mp4", NULL },
    { "..", "mp4", "video.mp4" },
    { ".", "mp4", "video.mp4" },
    { "", "mp4", "video.mp4" },
    { NULL, NULL, "video.mp4" },
    { "///", "mp4", "video.mp4" },
    { "-rf", "mp4", "rf.mp4" },
    { "x", "../../sh", "x.sh" },
    { "x", "/", "x.mp4" },
    { "x", "m\np4", "x.mp4" },
    { long_id, "mp4", NULL },
    { NULL, NULL, NULL },
  };

  /* Multi-byte characters around the cut. */
  for (guint i = 0; i < 150; i++)
    g_string_append (builder, "é");
  long_utf8 = g_strdup (builder->str);
  cases[G_N_ELEMENTS (cases) - 1].id = long_utf8;
  cases[G_N_ELEMENTS (cases) - 1].ext = "mp4";

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = dailies_downloader_suggest_name (cases[i].id, cases[i].ext);

      assert_safe_name (name);
      if (cases[i].expected != NULL)
        g_assert_cmpstr (name, ==, cases[i].expected);
    }

  {
    g_autofree char *name = dailies_downloader_suggest_name (long_id, "mp4");

    g_assert_cmpuint (strlen (name), ==, 200);
    g_assert_true (g_str_has_suffix (name, ".mp4"));
    g_assert_true (g_str_has_prefix (name, "aaaa"));
  }
}

/* Runs last: the downloads above logged, the query string never. */
static void
test_url_query_never_logged (void)
{
  g_assert_true (log_has_line_containing ("downloader: GET http://127.0.0.1:"));
  g_assert_true (log_has_line_containing ("?…"));
  g_assert_false (log_has_line_containing (SECRET));
  g_assert_false (log_has_line_containing ("Expires="));
}

int
main (int   argc,
      char *argv[])
{
  log_lines = g_ptr_array_new_with_free_func (g_free);
  forward_debug = g_getenv ("G_MESSAGES_DEBUG") != NULL;
  g_log_set_writer_func (record_writer, NULL, NULL);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/dailies/downloader/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("download/checksum", test_download);
  ADD ("download/replaces", test_download_replaces);
  ADD ("download/part-symlink", test_download_part_symlink);
  ADD ("download/busy", test_download_busy);
  ADD ("resume/range", test_resume_range);
  ADD ("resume/dropped-socket", test_resume_dropped_socket);
  ADD ("resume/restart-on-200", test_resume_restart_on_200);
  ADD ("resume/gives-up", test_resume_gives_up);
  ADD ("error/expired", test_expired);
  ADD ("error/http", test_http_error);
  ADD ("error/network", test_network_error);
  ADD ("error/not-writable", test_not_writable);
  ADD ("error/write-fails", test_write_fails);
  ADD ("error/destination-is-folder", test_destination_is_folder);
  ADD ("error/invalid-urls", test_invalid_urls);
  ADD ("cancel/midway", test_cancel);
  ADD ("cancel/dispose", test_cancel_dispose);
  ADD ("cancel/before-start", test_cancel_before_start);
  ADD ("resume/leftover-part", test_resume_leftover);
  ADD ("extension-from-type", test_extension_from_type);
  ADD ("copy/checksum", test_copy);
  ADD ("copy/missing-source", test_copy_missing_source);
  ADD ("no-replace/appears-meanwhile", test_no_replace_appears_meanwhile);
  ADD ("no-replace/saves", test_no_replace_saves);
  ADD ("no-replace/copy", test_no_replace_copy);
  ADD ("no-replace/each-way", test_no_replace_each_way);
  ADD ("resume/shared-part", test_resume_shared_part);
#undef ADD

  g_test_add_func ("/dailies/downloader/download/demo-server", test_download_demo_server);
  g_test_add_func ("/dailies/downloader/suggest-name", test_suggest_name);
  g_test_add_func ("/dailies/downloader/video-extension", test_video_extension);
  g_test_add_func ("/dailies/downloader/logs/url-query-never-logged", test_url_query_never_logged);

  return g_test_run ();
}
