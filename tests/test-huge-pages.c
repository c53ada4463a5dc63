/* test-huge-pages.c
 *
 * What the launcher sets before it becomes the application, and what the
 * application puts back for the programs it starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dailies-huge-pages.h"

#define BEFORE "DAILIES_GLIBC_TUNABLES_BEFORE"

/* Asks as the launcher does, then puts back as the application does:
 * @before is GLIBC_TUNABLES first (NULL: not set), @asked what the
 * application starts with. */
static void
check_round_trip (const char *before,
                  const char *asked)
{
  g_auto(GStrv) envp = g_environ_setenv (NULL, "HOME", "/nowhere", TRUE);

  if (before != NULL)
    envp = g_environ_setenv (envp, "GLIBC_TUNABLES", before, TRUE);
  envp = dailies_huge_pages_ask (g_steal_pointer (&envp));
  g_assert_cmpstr (g_environ_getenv (envp, "GLIBC_TUNABLES"), ==, asked);
  g_assert_cmpstr (g_environ_getenv (envp, "HOME"), ==, "/nowhere");

  /* The application, started with that environment. */
  g_unsetenv ("GLIBC_TUNABLES");
  g_unsetenv (BEFORE);
  if (g_environ_getenv (envp, "GLIBC_TUNABLES") != NULL)
    g_setenv ("GLIBC_TUNABLES", g_environ_getenv (envp, "GLIBC_TUNABLES"), TRUE);
  if (g_environ_getenv (envp, BEFORE) != NULL)
    g_setenv (BEFORE, g_environ_getenv (envp, BEFORE), TRUE);
  dailies_huge_pages_restore_env ();
  g_assert_cmpstr (g_getenv ("GLIBC_TUNABLES"), ==, before);
  g_assert_null (g_getenv (BEFORE));
}

static void
test_asked_and_put_back (void)
{
#ifdef __GLIBC__
  check_round_trip (NULL, "glibc.malloc.hugetlb=1");
  check_round_trip ("", "glibc.malloc.hugetlb=1");
  /* The user's own tunables stay, before the request. */
  check_round_trip ("glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
  check_round_trip ("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0",
                    "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1");
#else
  g_test_skip ("only glibc has the tunable");
#endif
}

/* A choice of the user's own about huge pages is left as it is, and a
 * marker that came from elsewhere is not taken for the launcher's. */
static void
test_users_choice (void)
{
  const char *choices[] = { "glibc.malloc.hugetlb=0", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2" };

  for (guint i = 0; i < G_N_ELEMENTS (choices); i++)
    {
      g_auto(GStrv) envp = g_environ_setenv (NULL, "GLIBC_TUNABLES", choices[i], TRUE);

      envp = g_environ_setenv (envp, BEFORE, "-", TRUE);
      envp = dailies_huge_pages_ask (g_steal_pointer (&envp));
      g_assert_cmpstr (g_environ_getenv (envp, "GLIBC_TUNABLES"), ==, choices[i]);
      g_assert_null (g_environ_getenv (envp, BEFORE));
    }

  /* Nothing was asked: nothing to put back. */
  g_setenv ("GLIBC_TUNABLES", choices[0], TRUE);
  g_unsetenv (BEFORE);
  dailies_huge_pages_restore_env ();
  g_assert_cmpstr (g_getenv ("GLIBC_TUNABLES"), ==, choices[0]);
  g_unsetenv ("GLIBC_TUNABLES");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dailies/huge-pages/asked-and-put-back", test_asked_and_put_back);
  g_test_add_func ("/dailies/huge-pages/users-choice", test_users_choice);

  return g_test_run ();
}
