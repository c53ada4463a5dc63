/* bench-download.c
 *
 * A 256 MiB file fetched from a local server by curl and by the
 * downloader, in the same run, from the same server thread; prints both
 * rates, their ratio, the RSS the download added, and what the fsync
 * before the rename costs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "bench-spawn.h"
#include "dailies-downloader.h"
#include "dailies-test-utils.h"

#define FILE_SIZE  (256 * 1024 * 1024)
#define CHUNK      (256 * 1024)
#define AHEAD      4          /* chunks queued in front of the socket */
#define N_RUNS     2

/* ------------------------------------------------------------------ */
/* A file server on its own thread, streaming from disk                */
/* ------------------------------------------------------------------ */

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *path;
  char         *url;
  GMutex        mutex;
  GCond         cond;
} FileServer;

/* One response: chunks are read from the file as the socket takes them,
 * so the server never holds more than AHEAD chunks. */
typedef struct
{
  GInputStream *input;
  gboolean      done;
} Stream;

static void
stream_free (gpointer data)
{
  Stream *stream = data;

  g_clear_object (&stream->input);
  g_free (stream);
}

static void
append_chunk (SoupServerMessage *msg,
              Stream            *stream)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GError) error = NULL;
  guint8 *buffer;
  gsize n_read = 0;

  if (stream->done)
    return;

  buffer = g_malloc (CHUNK);
  if (!g_input_stream_read_all (stream->input, buffer, CHUNK, &n_read, NULL, &error))
    g_error ("bench: reading the served file: %s", error->message);

  if (n_read > 0)
    {
      soup_message_body_append_take (body, buffer, n_read);
    }
  else
    {
      g_free (buffer);
      soup_message_body_complete (body);
      stream->done = TRUE;
    }

  soup_server_message_unpause (msg);
}

static void
wrote_chunk_cb (SoupServerMessage *msg,
                Stream            *stream)
{
  append_chunk (msg, stream);
}

static void
file_handler_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  FileServer *self = user_data;
  g_autoptr(GFile) file = g_file_new_for_path (self->path);
  g_autoptr(GError) error = NULL;
  Stream *stream = g_new0 (Stream, 1);

  stream->input = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  if (stream->input == NULL)
    g_error ("bench: opening the served file: %s", error->message);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg), FILE_SIZE);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg), "video/mp4", NULL);
  /* Written chunks are dropped, not kept for the whole body. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  g_object_set_data_full (G_OBJECT (msg), "bench-stream", stream, stream_free);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (wrote_chunk_cb), stream);

  for (guint i = 0; i < AHEAD; i++)
    append_chunk (msg, stream);
}

static gpointer
file_server_main (gpointer data)
{
  FileServer *self = data;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  g_main_context_push_thread_default (self->context);

  self->server = soup_server_new ("server-header", "bench-cdn ", NULL);
  soup_server_add_handler (self->server, "/video.mp4", file_handler_cb, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("bench: listen: %s", error->message);
  uris = soup_server_get_uris (self->server);

  g_mutex_lock (&self->mutex);
  self->url = g_strdup_printf ("http://127.0.0.1:%d/video.mp4?Signature=bench", g_uri_get_port (uris->data));
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_main_loop_run (self->loop);

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static FileServer *
file_server_start (const char *path)
{
  FileServer *self = g_new0 (FileServer, 1);

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->path = g_strdup (path);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("bench-cdn", file_server_main, self);

  g_mutex_lock (&self->mutex);
  while (self->url == NULL)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  return self;
}

static void
file_server_stop (FileServer *self)
{
  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self->url);
  g_free (self);
}

/* ------------------------------------------------------------------ */
/* Measuring                                                           */
/* ------------------------------------------------------------------ */

static void
make_file (const char *path)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (256);
  g_autofree guint32 *block = g_new (guint32, 1024 * 1024 / sizeof (guint32));
  FILE *file = fopen (path, "wb");

  if (file == NULL)
    g_error ("bench: cannot create %s", path);

  for (gsize i = 0; i < 1024 * 1024 / sizeof (guint32); i++)
    block[i] = g_rand_int (rand);

  /* A block repeated, each copy stamped with its index. */
  for (guint32 i = 0; i < FILE_SIZE / (1024 * 1024); i++)
    {
      block[0] = i;
      if (fwrite (block, 1024 * 1024, 1, file) != 1)
        g_error ("bench: writing %s failed", path);
    }

  fclose (file);
}

/* A field of /proc/self/status in KiB, such as "VmRSS". */
static gint64
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  g_autofree char *key = g_strdup_printf ("\n%s:", field);
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, key);
  if (line == NULL)
    return -1;

  return g_ascii_strtoll (line + strlen (key), NULL, 10);
}

/* Makes VmHWM start again from the current RSS (Linux 4.0+). */
static gboolean
reset_peak_rss (void)
{
  int fd = g_open ("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = write (fd, "5", 1) == 1;
  close (fd);

  return ok;
}

static void
check_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || st.st_size != FILE_SIZE)
    g_error ("bench: %s does not have %d bytes", path, FILE_SIZE);
}

static double
run_curl (const char *url,
          const char *out)
{
  const char *argv[] = { "curl", "-s", "--fail", "-o", out, url, NULL };
  g_autoptr(GError) error = NULL;
  gint64 start;
  double seconds;

  g_unlink (out);
  start = g_get_monotonic_time ();
  /* Without a fork: the copy-on-write faults would go to the run after. */
  if (!bench_wait_child (bench_spawn_without_fork (argv, NULL, NULL), &error))
    g_error ("bench: curl failed: %s", error->message);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  check_size (out);
  g_unlink (out);

  return seconds;
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Run;

static void
download_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;

  dailies_downloader_download_finish (DAILIES_DOWNLOADER (object), result, &run->error);
  run->done = TRUE;
}

static double
run_dailies (DailiesDownloader *downloader,
             const char        *url,
             const char        *out,
             gint64            *rss_growth_kib,
             gint64            *peak_growth_kib)
{
  g_autoptr(GFile) dest = g_file_new_for_path (out);
  Run run = { 0 };
  gint64 start, rss_before;
  gboolean has_peak;
  double seconds;

  g_unlink (out);
  rss_before = status_kib ("VmRSS");
  has_peak = reset_peak_rss ();
  start = g_get_monotonic_time ();
  dailies_downloader_download_async (downloader, url, dest, NULL, NULL, NULL, NULL, download_cb, &run);
  if (!dailies_test_wait_for_flag (&run.done, 300 * 1000))
    g_error ("bench: the download did not finish within 300 s");
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (rss_growth_kib != NULL)
    *rss_growth_kib = status_kib ("VmRSS") - rss_before;
  if (peak_growth_kib != NULL)
    *peak_growth_kib = has_peak ? status_kib ("VmHWM") - rss_before : -1;

  if (run.error != NULL)
    g_error ("bench: download failed: %s", run.error->message);

  check_size (out);
  g_unlink (out);

  return seconds;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = dailies_test_make_temp_dir ();
  g_autofree char *served = g_build_filename (dir, "served.mp4", NULL);
  g_autofree char *out = g_build_filename (dir, "out.mp4", NULL);
  g_autoptr(DailiesDownloader) downloader = dailies_downloader_new ();
  double curl_best = G_MAXDOUBLE, dailies_best = G_MAXDOUBLE, synced_best = G_MAXDOUBLE;
  gint64 rss_growth = 0, peak_growth = -1;
  double mib = FILE_SIZE / (1024.0 * 1024.0);
  double mb = FILE_SIZE / 1e6;
  FileServer *server;

  make_file (served);
  server = file_server_start (served);

  /* Curl writes without fsync: the same work for both in the ratio. */
  dailies_downloader_set_sync_to_disk (downloader, FALSE);

  /* Warm up both paths once (page cache, threads, connections). */
  run_curl (server->url, out);
  run_dailies (downloader, server->url, out, NULL, NULL);

  for (guint i = 0; i < N_RUNS; i++)
    {
      gint64 growth = 0, peak = 0;

      curl_best = MIN (curl_best, run_curl (server->url, out));
      dailies_best = MIN (dailies_best, run_dailies (downloader, server->url, out, &growth, &peak));
      rss_growth = MAX (rss_growth, growth);
      peak_growth = MAX (peak_growth, peak);
    }

  dailies_downloader_set_sync_to_disk (downloader, TRUE);
  for (guint i = 0; i < N_RUNS; i++)
    synced_best = MIN (synced_best, run_dailies (downloader, server->url, out, NULL, NULL));

  g_print ("download: %.0f MiB: curl %.0f MB/s, Dailies %.0f MB/s, ratio %.2f (goal >= 0.9); "
           "RSS growth %.2f MiB (goal < 16)\n",
           mib, mb / curl_best, mb / dailies_best, curl_best / dailies_best, rss_growth / 1024.0);
  /* The server thread shares the process: its chunks count here too. */
  if (peak_growth >= 0)
    g_print ("download: peak RSS during the download: +%.2f MiB over the RSS before it\n",
             peak_growth / 1024.0);
  g_print ("download: with fsync before the rename: Dailies %.0f MB/s, +%.0f ms for %.0f MiB\n",
           mb / synced_best, (synced_best - dailies_best) * 1000, mib);

  file_server_stop (server);
  dailies_test_rm_rf (dir);

  return 0;
}
