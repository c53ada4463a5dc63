/* dailies-downloader.c
 *
 * The downloader object, its public calls and the file names it suggests.
 * The work itself is in dailies-download-{file,http,copy}.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dailies-api-client.h"
#include "dailies-downloader-private.h"

#define IO_TIMEOUT_S      60
#define NAME_MAX_BYTES    200
#define EXTENSION_MAX     16

G_DEFINE_FINAL_TYPE (DailiesDownloader, dailies_downloader, G_TYPE_OBJECT)

G_DEFINE_QUARK (dailies-download-error-quark, dailies_download_error)

static void
download_free (gpointer data)
{
  Download *d = data;

  g_assert (d->retry_source == NULL);
  g_assert (d->progress_source == NULL);

  if (d->progress_notify != NULL)
    d->progress_notify (d->progress_data);

  if (d->caller_cancellable != NULL && d->caller_handler != 0)
    g_cancellable_disconnect (d->caller_cancellable, d->caller_handler);
  g_clear_object (&d->caller_cancellable);
  g_clear_object (&d->cancellable);

  g_clear_pointer (&d->uri, g_uri_unref);
  g_clear_pointer (&d->log_url, g_free);
  g_clear_object (&d->source);
  g_clear_object (&d->destination);
  g_clear_object (&d->part);
  g_clear_object (&d->output);
  g_clear_object (&d->input);
  g_clear_object (&d->msg);
  g_clear_pointer (&d->validator, g_free);
  g_clear_error (&d->read_error);
  g_clear_error (&d->stop_error);
  g_clear_error (&d->final_error);

  for (guint i = 0; i < N_BUFFERS; i++)
    g_free (d->buffers[i].data);

  g_free (d);
}

/* Starting                                                            */
/* ------------------------------------------------------------------ */

static void
caller_cancelled_cb (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static GFile *
part_file_for (GFile *destination)
{
  g_autoptr(GFile) parent = g_file_get_parent (destination);
  g_autofree char *basename = g_file_get_basename (destination);
  g_autofree char *name = NULL;

  if (parent == NULL || basename == NULL)
    return NULL;

  name = g_strconcat (basename, PART_SUFFIX, NULL);

  return g_file_get_child (parent, name);
}

/* Only http(s) with a host, and no user info (which would both leak into
 * logs and invite credentials on the wire). */
static GUri *
parse_download_url (const char *url)
{
  g_autofree char *stripped = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL)
    return NULL;

  stripped = g_strstrip (g_strdup (url));
  uri = g_uri_parse (stripped, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    return NULL;

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return NULL;

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return NULL;

  if (g_uri_get_user (uri) != NULL || g_uri_get_password (uri) != NULL)
    return NULL;

  return g_steal_pointer (&uri);
}

static GTask *
download_task_new (DailiesDownloader       *self,
                   DownloadKind             kind,
                   GFile                   *destination,
                   GCancellable            *cancellable,
                   DailiesDownloadProgress  progress_cb,
                   gpointer                 progress_data,
                   GDestroyNotify           progress_notify,
                   gpointer                 source_tag,
                   GAsyncReadyCallback      callback,
                   gpointer                 user_data)
{
  GTask *task;
  Download *d;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, kind == KIND_HTTP ? "[dailies] download" : "[dailies] copy");
  /* A cancel that comes after the rename must not hide a finished file. */
  g_task_set_check_cancellable (task, FALSE);

  d = g_new0 (Download, 1);
  d->self = self;
  d->kind = kind;
  d->destination = g_object_ref (destination);
  d->total = -1;
  d->sync_to_disk = self->sync_to_disk;
  d->cancellable = g_cancellable_new ();
  d->progress_cb = progress_cb;
  d->progress_data = progress_data;
  d->progress_notify = progress_notify;
  d->last_progress_us = g_get_monotonic_time ();
  d->context = g_task_get_context (task);
  g_task_set_task_data (task, d, download_free);

  if (cancellable != NULL)
    {
      d->caller_cancellable = g_object_ref (cancellable);
      d->caller_handler = g_cancellable_connect (cancellable,
                                                 G_CALLBACK (caller_cancelled_cb),
                                                 g_object_ref (d->cancellable),
                                                 g_object_unref);
    }

  return task;
}

/* Checks what can be checked without touching disk or network, then starts
 * preparing the .part file. Takes @task. */
static void
download_start (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  DailiesDownloader *self = d->self;

  if (_dailies_download_is_cancelled (d))
    {
      g_task_return_error (task, _dailies_download_cancelled_error ());
      g_object_unref (task);
      return;
    }

  d->part = part_file_for (d->destination);
  if (d->part == NULL)
    {
      g_task_return_new_error (task, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_NOT_WRITABLE,
                               _("The video cannot be saved there: choose a file name in a folder."));
      g_object_unref (task);
      return;
    }

  if (g_hash_table_contains (self->active_parts, d->part))
    {
      g_task_return_new_error (task, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_BUSY,
                               _("This file is already being saved."));
      g_object_unref (task);
      return;
    }

  g_hash_table_add (self->active_parts, g_object_ref (d->part));
  g_ptr_array_add (self->downloads, d);

  _dailies_download_prepare (task);
}

void
dailies_downloader_download_full_async (DailiesDownloader       *self,
                                        const char              *url,
                                        GFile                   *destination,
                                        DailiesDownloadFlags     flags,
                                        GCancellable            *cancellable,
                                        DailiesDownloadProgress  progress_cb,
                                        gpointer                 progress_data,
                                        GDestroyNotify           progress_notify,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  GTask *task;
  Download *d;

  g_return_if_fail (DAILIES_IS_DOWNLOADER (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (G_IS_FILE (destination));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = download_task_new (self, KIND_HTTP, destination, cancellable,
                            progress_cb, progress_data, progress_notify,
                            dailies_downloader_download_full_async, callback, user_data);
  d = g_task_get_task_data (task);
  d->flags = flags;
  d->log_url = dailies_redact_url (url);
  d->uri = parse_download_url (url);

  if (d->uri == NULL)
    {
      g_debug ("downloader: refusing %s: not an http(s) URL with a host", d->log_url);
      g_task_return_new_error (task, DAILIES_DOWNLOAD_ERROR, DAILIES_DOWNLOAD_ERROR_INVALID_URL,
                               _("This is not an http:// or https:// video link."));
      g_object_unref (task);
      return;
    }

  download_start (task);
}

GFile *
dailies_downloader_download_full_finish (DailiesDownloader  *self,
                                         GAsyncResult       *result,
                                         GError            **error)
{
  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_downloader_download_full_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
dailies_downloader_download_async (DailiesDownloader       *self,
                                   const char              *url,
                                   GFile                   *destination,
                                   GCancellable            *cancellable,
                                   DailiesDownloadProgress  progress_cb,
                                   gpointer                 progress_data,
                                   GDestroyNotify           progress_notify,
                                   GAsyncReadyCallback      callback,
                                   gpointer                 user_data)
{
  dailies_downloader_download_full_async (self, url, destination, DAILIES_DOWNLOAD_FLAGS_NONE, cancellable,
                                          progress_cb, progress_data, progress_notify, callback, user_data);
}

gboolean
dailies_downloader_download_finish (DailiesDownloader  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_autoptr(GFile) file = dailies_downloader_download_full_finish (self, result, error);

  return file != NULL;
}

void
dailies_downloader_copy_async (DailiesDownloader       *self,
                               GFile                   *source,
                               GFile                   *destination,
                               DailiesDownloadFlags     flags,
                               GCancellable            *cancellable,
                               DailiesDownloadProgress  progress_cb,
                               gpointer                 progress_data,
                               GDestroyNotify           progress_notify,
                               GAsyncReadyCallback      callback,
                               gpointer                 user_data)
{
  GTask *task;
  Download *d;

  g_return_if_fail (DAILIES_IS_DOWNLOADER (self));
  g_return_if_fail (G_IS_FILE (source));
  g_return_if_fail (G_IS_FILE (destination));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = download_task_new (self, KIND_COPY, destination, cancellable,
                            progress_cb, progress_data, progress_notify,
                            dailies_downloader_copy_async, callback, user_data);
  d = g_task_get_task_data (task);
  d->flags = flags & DAILIES_DOWNLOAD_NO_REPLACE;
  d->source = g_object_ref (source);
  d->log_url = g_strdup ("(kept copy)");

  download_start (task);
}

gboolean
dailies_downloader_copy_finish (DailiesDownloader  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_autoptr(GFile) file = NULL;

  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dailies_downloader_copy_async, FALSE);

  file = g_task_propagate_pointer (G_TASK (result), error);

  return file != NULL;
}

/* ------------------------------------------------------------------ */
/* File names                                                          */
/* ------------------------------------------------------------------ */

static gboolean
is_unsafe_char (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:          /* bidi overrides can disguise an extension */
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
      return TRUE;
    default:
      break;
    }

  /* Separators, and what other systems reserve (the file may travel). */
  return c < 0x80 && strchr ("/\\:*?\"<>|", (int) c) != NULL;
}

static char *
sanitize_extension (const char *extension)
{
  GString *ext = g_string_new (NULL);

  if (extension == NULL)
    extension = "mp4";
  while (*extension == '.')
    extension++;

  for (const char *p = extension; *p != '\0' && ext->len < EXTENSION_MAX; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (ext, g_ascii_tolower (*p));

  if (ext->len == 0)
    g_string_append (ext, "mp4");

  return g_string_free (ext, FALSE);
}

/* Leading dots hide the file, leading dashes look like options, and
 * trailing dots and spaces are dropped by some file systems. */
static void
trim_name (GString *name)
{
  gsize start = 0;

  while (start < name->len && strchr (".- _", name->str[start]) != NULL)
    start++;
  g_string_erase (name, 0, start);

  while (name->len > 0 && strchr (". ", name->str[name->len - 1]) != NULL)
    g_string_truncate (name, name->len - 1);
}

char *
dailies_downloader_suggest_name (const char *task_id,
                                 const char *extension)
{
  g_autofree char *ext = sanitize_extension (extension);
  g_autofree char *valid = g_utf8_make_valid (task_id != NULL ? task_id : "", -1);
  g_autoptr(GString) base = g_string_new (NULL);
  gsize max_base = NAME_MAX_BYTES - 1 - strlen (ext);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_unsafe_char (c))
        g_string_append_c (base, '_');
      else
        g_string_append_unichar (base, c);
    }

  trim_name (base);

  if (base->len > max_base)
    {
      /* Cut on a character boundary. */
      const char *end = base->str + max_base;

      while (end > base->str && (*end & 0xC0) == 0x80)
        end--;
      g_string_truncate (base, end - base->str);
      trim_name (base);
    }

  if (base->len == 0)
    g_string_assign (base, "video");

  return g_strdup_printf ("%s.%s", base->str, ext);
}

static const char *
extension_of_format (const char *format)
{
  static const char * const known[] = { "mov", "mp4", "webm" };

  if (format == NULL)
    return NULL;
  if (g_ascii_strcasecmp (format, "quicktime") == 0)
    return "mov";
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_ascii_strcasecmp (format, known[i]) == 0)
      return known[i];

  return NULL;
}

static const char *
extension_of_url (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  const char *path = uri != NULL ? g_uri_get_path (uri) : NULL;
  const char *slash, *dot;

  if (path == NULL)
    return NULL;

  slash = strrchr (path, '/');
  dot = strrchr (path, '.');
  if (dot == NULL || (slash != NULL && dot < slash))
    return NULL;

  return extension_of_format (dot + 1);
}

static const char *
extension_of_type (const char *content_type)
{
  static const struct { const char *type; const char *extension; } types[] = {
    { "video/quicktime", "mov" },
    { "video/mp4", "mp4" },
    { "video/webm", "webm" },
  };
  g_autofree char *bare = NULL;

  if (content_type == NULL)
    return NULL;

  /* "video/mp4; codecs=…" */
  bare = g_strstrip (g_strndup (content_type, strcspn (content_type, ";")));
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_ascii_strcasecmp (bare, types[i].type) == 0)
      return types[i].extension;

  return NULL;
}

const char *
dailies_video_extension (const char *output_format,
                         const char *url,
                         const char *content_type)
{
  const char *extension = extension_of_format (output_format);

  if (extension == NULL)
    extension = extension_of_url (url);
  if (extension == NULL)
    extension = extension_of_type (content_type);

  return extension;
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */
/* ------------------------------------------------------------------ */

void
dailies_downloader_set_sync_to_disk (DailiesDownloader *self,
                                     gboolean           sync_to_disk)
{
  g_return_if_fail (DAILIES_IS_DOWNLOADER (self));

  self->sync_to_disk = !!sync_to_disk;
}

gboolean
dailies_downloader_get_sync_to_disk (DailiesDownloader *self)
{
  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (self), FALSE);

  return self->sync_to_disk;
}

guint
dailies_downloader_get_n_running (DailiesDownloader *self)
{
  g_return_val_if_fail (DAILIES_IS_DOWNLOADER (self), 0);

  return self->downloads->len;
}

static void
dailies_downloader_dispose (GObject *object)
{
  DailiesDownloader *self = DAILIES_DOWNLOADER (object);

  for (guint i = 0; i < self->downloads->len; i++)
    {
      Download *d = g_ptr_array_index (self->downloads, i);
      g_cancellable_cancel (d->cancellable);
    }

  if (self->session != NULL)
    soup_session_abort (self->session);

  G_OBJECT_CLASS (dailies_downloader_parent_class)->dispose (object);
}

static void
dailies_downloader_finalize (GObject *object)
{
  DailiesDownloader *self = DAILIES_DOWNLOADER (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->active_parts, g_hash_table_unref);
  g_clear_pointer (&self->downloads, g_ptr_array_unref);

  G_OBJECT_CLASS (dailies_downloader_parent_class)->finalize (object);
}

static void
dailies_downloader_class_init (DailiesDownloaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dailies_downloader_dispose;
  object_class->finalize = dailies_downloader_finalize;
}

static void
dailies_downloader_init (DailiesDownloader *self)
{
  self->sync_to_disk = TRUE;
  self->active_parts = g_hash_table_new_full (g_file_hash, (GEqualFunc) g_file_equal, g_object_unref, NULL);
  self->downloads = g_ptr_array_new ();
  self->session = soup_session_new_with_options ("user-agent", "Dailies/" PACKAGE_VERSION,
                                                 "timeout", IO_TIMEOUT_S,
                                                 NULL);

  /* A pre-signed link needs no credentials: without an auth manager nothing
   * can answer a 401 with an Authorization header. Without the content
   * decoder, byte counts and ranges refer to the bytes on the wire. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_AUTH_MANAGER);
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
  g_assert (!soup_session_has_feature (self->session, SOUP_TYPE_AUTH_MANAGER));
  g_assert (!soup_session_has_feature (self->session, SOUP_TYPE_AUTH));
}

DailiesDownloader *
dailies_downloader_new (void)
{
  return g_object_new (DAILIES_TYPE_DOWNLOADER, NULL);
}
