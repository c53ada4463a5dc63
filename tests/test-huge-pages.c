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
  if (before != NULL)
    g_setenv ("GLIBC_TUNABLES", before, TRUE);
  else
    g_unsetenv ("GLIBC_TUNABLES");
  g_unsetenv (BEFORE);

  g_assert_true (dailies_huge_pages_ask ());
  g_assert_cmpstr (g_getenv ("GLIBC_TUNABLES"), ==, asked);

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

/* A choice of the user's own about huge pages is left as it is. */
static void
test_users_choice (void)
{
  const char *choices[] = { "glibc.malloc.hugetlb=0", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2" };

  for (guint i = 0; i < G_N_ELEMENTS (choices); i++)
    {
      g_setenv ("GLIBC_TUNABLES", choices[i], TRUE);
      g_unsetenv (BEFORE);
      g_assert_false (dailies_huge_pages_ask ());
      g_assert_cmpstr (g_getenv ("GLIBC_TUNABLES"), ==, choices[i]);
      g_assert_null (g_getenv (BEFORE));

      /* Nothing was asked: nothing to put back. */
      dailies_huge_pages_restore_env ();
      g_assert_cmpstr (g_getenv ("GLIBC_TUNABLES"), ==, choices[i]);
    }
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
