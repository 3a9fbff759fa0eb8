/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-util.c: what the benchmarks share */

#include "bench-util.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
bench_measure (BenchRound round,
               gpointer   data,
               guint      n)
{
  g_autoptr(GArray) times = g_array_sized_new (FALSE, FALSE, sizeof (double), n);

  round (data);   /* warm up */
  for (guint i = 0; i < n; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double us;

      round (data);
      us = (double) (g_get_monotonic_time () - start);
      g_array_append_val (times, us);
    }
  g_array_sort (times, compare_doubles);
  return g_array_index (times, double, n / 2);
}
