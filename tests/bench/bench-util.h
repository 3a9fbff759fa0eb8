/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-util.h: what the benchmarks share */

#pragma once

#include <glib.h>

typedef void (*BenchRound) (gpointer data);

/* One of the variants that bench_interleave() compares. */
typedef struct
{
  const char *name;       /* printed as "median NAME 123.4 us" */
  BenchRound round;
  gpointer data;
  double median;          /* out: microseconds */
  BenchRound before;      /* optional: runs before each round, untimed */
  BenchRound after;       /* optional: runs after each round, untimed */
} BenchVariant;

/* Warms up every variant once, then runs @n rounds in which each variant
 * runs once, in a new random order each round, so that a slow phase of
 * the machine (a namespace clean-up backlog, another process) and what
 * one variant leaves to the kernel cost every variant alike. Sets each
 * variant's median. */
void bench_interleave (BenchVariant *variants,
                       guint         n_variants,
                       guint         n);

/* Puts the @n entries of @order in a random order (Fisher-Yates). */
void bench_shuffle (guint *order,
                    guint  n);

/* Waits (at most 3 s) until the machine is idle: until the kernel has
 * done what the last run left to it, such as tearing down hundreds of
 * network namespaces on its worker threads, which would otherwise slow
 * down whichever run comes next. Idle: in a 20 ms window, at least 90% of
 * the CPUs' time idle. */
void bench_settle (void);

/* Sets `lo` up in the calling thread's network namespace (SIOCGIFFLAGS,
 * SIOCSIFFLAGS). Async-signal-safe, for forked children too. Returns 0,
 * or -1 with errno set. */
int bench_loopback_up (void);

/* The median of @n values; sorts them. */
double bench_median (double *values,
                     guint   n);

/* Prints "median NAME VALUE us" for each variant. */
void bench_print_medians (const BenchVariant *variants,
                          guint               n_variants);

/* Prints "ratio NAME VALUE", the form scripts grep for. */
void bench_print_ratio (const char *name,
                        double      numerator,
                        double      denominator);
