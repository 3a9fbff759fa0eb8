/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-gtest.c: what the GTest layer costs a test suite, the path users
 * run. Not a test: the numbers are for people (and the goals of the
 * project), not for pass/fail.
 *
 * The same GTest program, run in two forms:
 *
 *   spacetest  each of CASES test cases (default 500) calls
 *              spacetest_test_check_leaks () and then
 *              spacetest_test_enter_transient (SPACETEST_NAMESPACE_TYPE_NET):
 *              a new network namespace with `lo` up, the thread switched
 *              back when the test ends, then the full leak check (fds
 *              with their targets, child processes, the thread's
 *              namespaces);
 *   raw        each case does the same switch by hand: opens
 *              /proc/thread-self/ns/net, unshare (CLONE_NEWNET), sets `lo`
 *              up (SIOCGIFFLAGS, SIOCSIFFLAGS), setns() back to the saved
 *              fd, and closes what it opened; no leak check.
 *
 * Both forms start with spacetest_test_init(), so that in unprivileged
 * mode both run in the process's own user namespace. The driver (this
 * program without --run=) runs each form ROUNDS times (default 11), in
 * a new random order each round, each run once the machine is idle again
 * (bench_settle(): the kernel tears down namespaces on its own threads
 * after a run, which would slow down the next one), and reports
 * the medians of the wall time of the whole g_test_run() (measured in the
 * program around that call only, so start-up and the set-up of
 * unprivileged mode are left out) and of the whole process (measured by
 * the driver). The ratio of the g_test_run() times is the figure the
 * project's goal is about.
 *
 * To see where the time goes, --forms= picks other forms (the first two
 * being spacetest,raw still prints the ratios): enter (only
 * spacetest_test_enter_transient()), raw-check (the raw case after
 * spacetest_test_check_leaks()), check (only the leak check) and empty.
 *
 * Output, one figure a line, for grep:
 *   median gtest-run-spacetest 612345.0 us
 *   median per-case-spacetest 1224.7 us
 *   ratio gtest-path 1.12
 *   ratio gtest-process 1.10
 *   ratio gtest-path-paired 1.11   (the median of each round's ratio)
 *
 * Usage: bench-gtest [--forms=F1,F2,...] [ROUNDS [CASES]]
 *        bench-gtest --run=FORM [--cases=N] [GTest options]
 */

#include <spacetest-glib/spacetest-glib.h>

#include "bench-util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TIME_LINE "# bench-gtest g_test_run "

static void
spacetest_case (void)
{
  spacetest_test_check_leaks ();
  spacetest_test_enter_transient (SPACETEST_NAMESPACE_TYPE_NET);
}

static void
raw_case (void)
{
  int orig;

  orig = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig < 0 || unshare (CLONE_NEWNET) != 0)
    g_error ("new network namespace: %s", g_strerror (errno));

  if (bench_loopback_up () != 0)
    g_error ("lo up: %s", g_strerror (errno));

  if (setns (orig, CLONE_NEWNET) != 0)
    g_error ("back to the original network namespace: %s",
             g_strerror (errno));
  close (orig);
}

/* The parts, to see where the time goes. */
static void
enter_case (void)
{
  spacetest_test_enter_transient (SPACETEST_NAMESPACE_TYPE_NET);
}

static void
raw_check_case (void)
{
  spacetest_test_check_leaks ();
  raw_case ();
}

static void
check_case (void)
{
  spacetest_test_check_leaks ();
}

static void
empty_case (void)
{
}

static const struct
{
  const char *name;
  GTestFunc func;
} forms[] = {
  { "spacetest", spacetest_case },
  { "raw", raw_case },
  { "enter", enter_case },
  { "raw-check", raw_check_case },
  { "check", check_case },
  { "empty", empty_case },
};

static int
find_form (const char *name)
{
  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    if (strcmp (forms[f].name, name) == 0)
      return f;
  g_error ("unknown form '%s' (spacetest, raw, enter, raw-check, check or "
           "empty)", name);
}

/* One run of the GTest program: prints the g_test_run() time. */
static int
run_program (int          argc,
             char       **argv,
             const char  *form,
             guint        cases)
{
  GTestFunc func = forms[find_form (form)].func;
  gint64 start;
  int status;

  spacetest_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < cases; i++)
    {
      g_autofree char *path = g_strdup_printf ("/bench-gtest/%s/%u", form, i);

      g_test_add_func (path, func);
    }

  start = g_get_monotonic_time ();
  status = g_test_run ();
  printf (TIME_LINE "%" G_GINT64_FORMAT " us\n",
          g_get_monotonic_time () - start);
  return status;
}

/* Runs the program once in @form; returns the g_test_run() time and
 * sets @process_us to the wall time of the whole process. */
static double
spawn_program (const char *form,
               guint       cases,
               double     *process_us)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *run_arg = g_strdup_printf ("--run=%s", form);
  g_autofree char *cases_arg = g_strdup_printf ("--cases=%u", cases);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "/proc/self/exe", run_arg, cases_arg, NULL };
  const char *line;
  int status = 0;
  gint64 start = g_get_monotonic_time ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &error))
    g_error ("%s", error->message);
  *process_us = (double) (g_get_monotonic_time () - start);

  if (!g_spawn_check_wait_status (status, &error))
    g_error ("bench-gtest --run=%s: %s\n%s%s", form, error->message, out,
             err);

  line = strstr (out, TIME_LINE);
  if (line == NULL)
    g_error ("bench-gtest --run=%s printed no time:\n%s", form, out);
  return g_ascii_strtod (line + strlen (TIME_LINE), NULL);
}

int
main (int argc, char **argv)
{
  g_auto(GStrv) names = NULL;
  const char *run = NULL;
  const char *list = "spacetest,raw";
  guint cases = 500, rounds = 11, n_names;
  g_autofree double *run_us = NULL;
  g_autofree double *process_us = NULL;
  g_autofree double *run_median = NULL;
  g_autofree double *process_median = NULL;
  g_autofree guint *order = NULL;
  g_autofree double *paired = NULL;
  gboolean root = geteuid () == 0;
  int j = 1;

  /* Our own options out of argv, before GTest sees it. */
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--run="))
        run = argv[i] + strlen ("--run=");
      else if (g_str_has_prefix (argv[i], "--cases="))
        cases = (guint) atoi (argv[i] + strlen ("--cases="));
      else if (g_str_has_prefix (argv[i], "--forms="))
        list = argv[i] + strlen ("--forms=");
      else
        argv[j++] = argv[i];
    }
  argc = j;
  argv[argc] = NULL;

  if (run != NULL)
    return run_program (argc, argv, run, cases);

  if (argc > 1)
    rounds = MAX (atoi (argv[1]), 1);
  if (argc > 2)
    cases = MAX (atoi (argv[2]), 1);

  names = g_strsplit (list, ",", -1);
  n_names = g_strv_length (names);
  if (n_names == 0)
    g_error ("--forms= names no form");
  for (guint f = 0; f < n_names; f++)
    find_form (names[f]);

  run_us = g_new (double, (gsize) n_names * rounds);
  process_us = g_new (double, (gsize) n_names * rounds);
  run_median = g_new (double, n_names);
  process_median = g_new (double, n_names);

  /* A new order every round (see bench_interleave()), and each run on a
   * machine that finished what the last one left to the kernel. */
  order = g_new (guint, n_names);
  for (guint f = 0; f < n_names; f++)
    order[f] = f;
  for (guint i = 0; i < rounds; i++)
    {
      bench_shuffle (order, n_names);
      for (guint k = 0; k < n_names; k++)
        {
          gsize at = (gsize) order[k] * rounds + i;

          bench_settle ();
          run_us[at] = spawn_program (names[order[k]], cases,
                                      &process_us[at]);
        }
    }

  /* Each round's ratio of the first two forms too (before the medians
   * sort the times): the two runs of a round are a minute apart at most,
   * so a slow phase of the machine costs both alike. */
  if (n_names >= 2)
    {
      paired = g_new (double, rounds);
      for (guint i = 0; i < rounds; i++)
        paired[i] = run_us[i] / run_us[(gsize) rounds + i];
    }

  printf ("bench-gtest: medians of %u interleaved runs of %u cases (%s)\n",
          rounds, cases, root ? "root" : "unprivileged mode");
  for (guint f = 0; f < n_names; f++)
    {
      run_median[f] = bench_median (run_us + (gsize) f * rounds, rounds);
      process_median[f] = bench_median (process_us + (gsize) f * rounds,
                                        rounds);
      printf ("median gtest-run-%s %.1f us\n", names[f], run_median[f]);
      printf ("median gtest-process-%s %.1f us\n", names[f],
              process_median[f]);
      printf ("median per-case-%s %.1f us\n", names[f],
              run_median[f] / cases);
    }

  if (n_names >= 2 && strcmp (names[0], "spacetest") == 0 &&
      strcmp (names[1], "raw") == 0)
    {
      bench_print_ratio ("gtest-path", run_median[0], run_median[1]);
      bench_print_ratio ("gtest-process", process_median[0],
                         process_median[1]);
      printf ("ratio gtest-path-paired %.2f\n",
              bench_median (paired, rounds));
    }
  return 0;
}
