/* bench-server-thread.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "bench-server-thread.h"

struct _BenchServerThread
{
  GThread           *thread;
  GMainContext      *context;
  GMainLoop         *loop;
  DailiesDemoServer *server;
  GMutex             mutex;
  GCond              cond;
  char              *base;
  char              *cdn;
  guint              latency_ms;
};

static gpointer
server_thread_main (gpointer data)
{
  BenchServerThread *self = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (self->context);

  self->server = dailies_demo_server_new ();
  dailies_demo_server_set_answer_any (self->server, TRUE);
  dailies_demo_server_set_latency (self->server, self->latency_ms);
  if (!dailies_demo_server_start (self->server, &error))
    g_error ("bench: demo server: %s", error->message);

  g_mutex_lock (&self->mutex);
  self->cdn = g_strdup (dailies_demo_server_get_cdn_url (self->server));
  self->base = g_strdup (dailies_demo_server_get_base_url (self->server));
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_main_loop_run (self->loop);

  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

BenchServerThread *
bench_server_thread_start (guint latency_ms)
{
  BenchServerThread *self = g_new0 (BenchServerThread, 1);

  self->latency_ms = latency_ms;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("bench-server", server_thread_main, self);

  g_mutex_lock (&self->mutex);
  while (self->base == NULL)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  return self;
}


const char *
bench_server_thread_get_cdn (BenchServerThread *self)
{
  return self->cdn;
}


void
bench_server_thread_stop (BenchServerThread *self)
{
  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->base);
  g_free (self->cdn);
  g_free (self);
}
