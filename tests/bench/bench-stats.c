/* bench-stats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "bench-stats.h"

static int
compare_doubles (const void *a,
                 const void *b)
{
  double da = *(const double *) a, db = *(const double *) b;

  return da < db ? -1 : da > db;
}

double
bench_median (double *values,
              guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);

  return values[n / 2];
}
