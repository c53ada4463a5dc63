/* slow-fs.c
 *
 * The C library's calls that name a path, defined here so that the
 * program's own definitions are the ones every library of the process
 * calls (the program is first in the dynamic linker's search); each
 * passes on to the C library's (RTLD_NEXT) after the watched folder's
 * delay. Calls through a directory descriptor with a relative name are
 * not seen: GLib and GIO name local files by their whole path.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Each name its own symbol: with 64-bit offsets asked for, the headers
 * would make open() here the definition of open64(). */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "slow-fs.h"

#define MAX_NAMED 8
#define MAX_FOLDERS 4

/* Set before any thread looks (slow_fs_watch() is called first). */
static char *watched[MAX_FOLDERS];
static guint n_watched;
static guint delay_ms;
static guint n_calls;
static guint n_main_calls;
static GString *main_calls;    /* the first few, for the test to name */
static GMutex main_calls_lock;

void
slow_fs_watch (const char *folder,
               guint       delay)
{
  g_assert (n_watched < MAX_FOLDERS);

  delay_ms = delay;
  watched[n_watched] = g_strdup (folder);
  g_atomic_int_inc (&n_watched);
}

guint
slow_fs_get_main_thread_calls (void)
{
  return g_atomic_int_get (&n_main_calls);
}

guint
slow_fs_get_calls (void)
{
  return g_atomic_int_get (&n_calls);
}

char *
slow_fs_dup_main_calls (void)
{
  char *copy;

  g_mutex_lock (&main_calls_lock);
  copy = g_strdup (main_calls != NULL ? main_calls->str : "");
  g_mutex_unlock (&main_calls_lock);

  return copy;
}

static gboolean
is_watched (const char *path)
{
  guint n = g_atomic_int_get (&n_watched);

  for (guint i = 0; path != NULL && i < n; i++)
    {
      gsize length = strlen (watched[i]);

      if (strncmp (path, watched[i], length) == 0 && (path[length] == '\0' || path[length] == '/'))
        return TRUE;
    }

  return FALSE;
}

/* Whether @path (or @other, the second path of a rename or a link) is
 * under a watched folder; if so, the call waits as a share that is slow
 * to answer makes it wait, and is counted. */
static void
pass_through_either (const char *function,
                     const char *path,
                     const char *other)
{
  struct timespec wait;

  if (!is_watched (path) && !is_watched (other))
    return;

  g_atomic_int_inc (&n_calls);
  if (gettid () == getpid ())
    {
      g_mutex_lock (&main_calls_lock);
      if (g_atomic_int_add (&n_main_calls, 1) < MAX_NAMED)
        {
          if (main_calls == NULL)
            main_calls = g_string_new (NULL);
          g_string_append_printf (main_calls, "%s%s (\"%s\")", main_calls->len > 0 ? "; " : "", function,
                                  is_watched (path) ? path : other);
        }
      g_mutex_unlock (&main_calls_lock);
    }

  wait.tv_sec = delay_ms / 1000;
  wait.tv_nsec = (long) (delay_ms % 1000) * 1000000;
  while (nanosleep (&wait, &wait) != 0)
    ;
}

static void
pass_through (const char *function,
              const char *path)
{
  pass_through_either (function, path, NULL);
}

/* The C library's own function of that name. */
#define REAL(name) \
  static __typeof__ (&name) real_##name; \
  __typeof__ (&name) real = __atomic_load_n (&real_##name, __ATOMIC_ACQUIRE); \
  if (real == NULL) \
    { \
      real = (__typeof__ (&name)) dlsym (RTLD_NEXT, #name); \
      __atomic_store_n (&real_##name, real, __ATOMIC_RELEASE); \
    }

/* open() and its kin take a mode only when they may create. */
#define MODE_ARG(flags, mode) \
  mode_t mode = 0; \
  if (((flags) & O_CREAT) != 0 || ((flags) & O_TMPFILE) == O_TMPFILE) \
    { \
      va_list args; \
      va_start (args, flags); \
      mode = va_arg (args, mode_t); \
      va_end (args); \
    }

int
open (const char *path, int flags, ...)
{
  MODE_ARG (flags, mode);
  REAL (open);
  pass_through ("open", path);
  return real (path, flags, mode);
}

int
open64 (const char *path, int flags, ...)
{
  MODE_ARG (flags, mode);
  REAL (open64);
  pass_through ("open64", path);
  return real (path, flags, mode);
}

int
openat (int dir, const char *path, int flags, ...)
{
  MODE_ARG (flags, mode);
  REAL (openat);
  pass_through ("openat", path);
  return real (dir, path, flags, mode);
}

int
openat64 (int dir, const char *path, int flags, ...)
{
  MODE_ARG (flags, mode);
  REAL (openat64);
  pass_through ("openat64", path);
  return real (dir, path, flags, mode);
}

FILE *
fopen (const char *path, const char *how)
{
  REAL (fopen);
  pass_through ("fopen", path);
  return real (path, how);
}

FILE *
fopen64 (const char *path, const char *how)
{
  REAL (fopen64);
  pass_through ("fopen64", path);
  return real (path, how);
}

DIR *
opendir (const char *path)
{
  REAL (opendir);
  pass_through ("opendir", path);
  return real (path);
}

#define PATH_CALL(name, ret, params, args, path) \
  ret \
  name params \
  { \
    REAL (name); \
    pass_through (#name, path); \
    return real args; \
  }

PATH_CALL (stat, int, (const char *path, struct stat *buf), (path, buf), path)
PATH_CALL (stat64, int, (const char *path, struct stat64 *buf), (path, buf), path)
PATH_CALL (lstat, int, (const char *path, struct stat *buf), (path, buf), path)
PATH_CALL (lstat64, int, (const char *path, struct stat64 *buf), (path, buf), path)
PATH_CALL (fstatat, int, (int dir, const char *path, struct stat *buf, int flags), (dir, path, buf, flags), path)
PATH_CALL (fstatat64, int, (int dir, const char *path, struct stat64 *buf, int flags), (dir, path, buf, flags), path)
PATH_CALL (statx, int, (int dir, const char *path, int flags, unsigned int mask, struct statx *buf),
           (dir, path, flags, mask, buf), path)
PATH_CALL (access, int, (const char *path, int how), (path, how), path)
PATH_CALL (faccessat, int, (int dir, const char *path, int how, int flags), (dir, path, how, flags), path)
PATH_CALL (euidaccess, int, (const char *path, int how), (path, how), path)
PATH_CALL (mkdir, int, (const char *path, mode_t mode), (path, mode), path)
PATH_CALL (mkdirat, int, (int dir, const char *path, mode_t mode), (dir, path, mode), path)
PATH_CALL (rmdir, int, (const char *path), (path), path)
PATH_CALL (unlink, int, (const char *path), (path), path)
PATH_CALL (unlinkat, int, (int dir, const char *path, int flags), (dir, path, flags), path)
PATH_CALL (readlink, ssize_t, (const char *path, char *buf, size_t size), (path, buf, size), path)
PATH_CALL (chmod, int, (const char *path, mode_t mode), (path, mode), path)
PATH_CALL (creat, int, (const char *path, mode_t mode), (path, mode), path)
PATH_CALL (creat64, int, (const char *path, mode_t mode), (path, mode), path)
PATH_CALL (truncate, int, (const char *path, off_t length), (path, length), path)
PATH_CALL (truncate64, int, (const char *path, off64_t length), (path, length), path)
PATH_CALL (utimensat, int, (int dir, const char *path, const struct timespec times[2], int flags),
           (dir, path, times, flags), path)
PATH_CALL (statfs, int, (const char *path, struct statfs *buf), (path, buf), path)
PATH_CALL (statfs64, int, (const char *path, struct statfs64 *buf), (path, buf), path)
PATH_CALL (statvfs, int, (const char *path, struct statvfs *buf), (path, buf), path)
PATH_CALL (statvfs64, int, (const char *path, struct statvfs64 *buf), (path, buf), path)
PATH_CALL (getxattr, ssize_t, (const char *path, const char *name, void *value, size_t size),
           (path, name, value, size), path)
PATH_CALL (lgetxattr, ssize_t, (const char *path, const char *name, void *value, size_t size),
           (path, name, value, size), path)
PATH_CALL (listxattr, ssize_t, (const char *path, char *list, size_t size), (path, list, size), path)
PATH_CALL (llistxattr, ssize_t, (const char *path, char *list, size_t size), (path, list, size), path)
PATH_CALL (setxattr, int, (const char *path, const char *name, const void *value, size_t size, int flags),
           (path, name, value, size, flags), path)
PATH_CALL (lsetxattr, int, (const char *path, const char *name, const void *value, size_t size, int flags),
           (path, name, value, size, flags), path)
PATH_CALL (inotify_add_watch, int, (int fd, const char *path, uint32_t mask), (fd, path, mask), path)

/* Two paths: either under a watched folder counts. */
#define TWO_PATH_CALL(name, params, args, from, to) \
  int \
  name params \
  { \
    REAL (name); \
    pass_through_either (#name, from, to); \
    return real args; \
  }

TWO_PATH_CALL (rename, (const char *from, const char *to), (from, to), from, to)
TWO_PATH_CALL (renameat, (int from_dir, const char *from, int to_dir, const char *to),
               (from_dir, from, to_dir, to), from, to)
TWO_PATH_CALL (renameat2, (int from_dir, const char *from, int to_dir, const char *to, unsigned int flags),
               (from_dir, from, to_dir, to, flags), from, to)
TWO_PATH_CALL (link, (const char *from, const char *to), (from, to), from, to)
TWO_PATH_CALL (linkat, (int from_dir, const char *from, int to_dir, const char *to, int flags),
               (from_dir, from, to_dir, to, flags), from, to)
TWO_PATH_CALL (symlink, (const char *target, const char *path), (target, path), NULL, path)

/* What _FORTIFY_SOURCE builds call for open() with flags not known at
 * compile time. */
int __open_2 (const char *path, int flags);
int __open64_2 (const char *path, int flags);
int __openat_2 (int dir, const char *path, int flags);
int __openat64_2 (int dir, const char *path, int flags);

PATH_CALL (__open_2, int, (const char *path, int flags), (path, flags), path)
PATH_CALL (__open64_2, int, (const char *path, int flags), (path, flags), path)
PATH_CALL (__openat_2, int, (int dir, const char *path, int flags), (dir, path, flags), path)
PATH_CALL (__openat64_2, int, (int dir, const char *path, int flags), (dir, path, flags), path)
