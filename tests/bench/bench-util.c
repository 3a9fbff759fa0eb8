/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-util.c: what the benchmarks share */

#include "bench-util.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
bench_median (double *values,
              guint   n)
{
  if (n == 0)
    return 0;

  qsort (values, n, sizeof (double), compare_doubles);
  if (n % 2 == 1)
    return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* The idle and the total time of all CPUs so far, from /proc/stat's
 * first line, in clock ticks. */
static gboolean
read_cpu_times (guint64 *idle,
                guint64 *total)
{
  g_autofree char *stat = NULL;
  char *p;

  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL) ||
      !g_str_has_prefix (stat, "cpu "))
    return FALSE;

  *idle = *total = 0;
  p = stat + strlen ("cpu ");
  /* user nice system idle iowait irq softirq steal ... */
  for (int field = 0; field < 8; field++)
    {
      guint64 value = g_ascii_strtoull (p, &p, 10);

      *total += value;
      if (field == 3 || field == 4)
        *idle += value;
    }
  return TRUE;
}

void
bench_settle (void)
{
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      guint64 idle0, total0, idle1, total1;

      if (!read_cpu_times (&idle0, &total0))
        return;
      g_usleep (20 * 1000);
      if (!read_cpu_times (&idle1, &total1))
        return;
      if (total1 > total0 && (idle1 - idle0) * 10 >= (total1 - total0) * 9)
        return;
    }
}

/* One round of @variant; returns its time in microseconds. */
static double
run_round (BenchVariant *variant)
{
  gint64 start;
  double time;

  if (variant->before != NULL)
    variant->before (variant->data);
  start = g_get_monotonic_time ();
  variant->round (variant->data);
  time = (double) (g_get_monotonic_time () - start);
  if (variant->after != NULL)
    variant->after (variant->data);
  return time;
}

void
bench_shuffle (guint *order,
               guint  n)
{
  for (guint k = n; k > 1; k--)
    {
      guint j = g_random_int_range (0, k);
      guint tmp = order[k - 1];

      order[k - 1] = order[j];
      order[j] = tmp;
    }
}

void
bench_interleave (BenchVariant *variants,
                  guint         n_variants,
                  guint         n)
{
  g_autofree double *times = g_new (double, (gsize) n_variants * n);
  g_autofree guint *order = NULL;

  for (guint v = 0; v < n_variants; v++)
    run_round (&variants[v]);   /* warm up */

  /* A new order every round: with a fixed rotation, each variant would
   * always follow the same other one and pay for what that one left to
   * the kernel (a namespace to tear down, say). */
  order = g_new (guint, n_variants);
  for (guint v = 0; v < n_variants; v++)
    order[v] = v;

  for (guint i = 0; i < n; i++)
    {
      bench_shuffle (order, n_variants);
      for (guint k = 0; k < n_variants; k++)
        times[(gsize) order[k] * n + i] = run_round (&variants[order[k]]);
    }

  for (guint v = 0; v < n_variants; v++)
    variants[v].median = bench_median (times + (gsize) v * n, n);
}

void
bench_print_medians (const BenchVariant *variants,
                     guint               n_variants)
{
  for (guint v = 0; v < n_variants; v++)
    printf ("median %s %.1f us\n", variants[v].name, variants[v].median);
}

void
bench_print_ratio (const char *name,
                   double      numerator,
                   double      denominator)
{
  printf ("ratio %s %.2f\n", name, numerator / denominator);
}

int
bench_loopback_up (void)
{
  struct ifreq ifr;
  int sock, ret = -1;

  sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return -1;

  memset (&ifr, 0, sizeof ifr);
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) == 0)
    {
      ifr.ifr_flags |= IFF_UP;
      ret = ioctl (sock, SIOCSIFFLAGS, &ifr);
    }
  close (sock);
  return ret;
}
