/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-util.h: what the benchmarks share */

#pragma once

#include <glib.h>

typedef void (*BenchRound) (gpointer data);

/* Runs @round once to warm up, then @n times; returns the median time of
 * one round in microseconds. */
double bench_measure (BenchRound round,
                      gpointer   data,
                      guint      n);
