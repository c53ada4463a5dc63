/* fuzz-common.h
 *
 * What every fuzz target shares: quiet logs, and a critical or an error
 * is a finding (it aborts, so libFuzzer keeps the input).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  /* Debug and info lines at millions of runs a minute would be the whole
   * cost; anything that means a broken promise is shown and fatal. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      g_log_writer_standard_streams (level, fields, n_fields, user_data);
      abort ();
    }

  return G_LOG_WRITER_HANDLED;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  return 0;
}

/* Aborts with @what when @condition does not hold: a property of the code
 * under test that the input broke. */
#define FUZZ_CHECK(condition, what) \
  G_STMT_START { \
    if (!(condition)) \
      { \
        g_printerr ("fuzz: property broken: %s (%s)\n", what, #condition); \
        abort (); \
      } \
  } G_STMT_END
