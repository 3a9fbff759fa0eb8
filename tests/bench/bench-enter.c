/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-enter.c: what the library adds on top of the raw system calls on
 * its hot paths — entering and restoring, and creating transient
 * namespaces. Prints the median of N rounds (argv[1], default 2000) of
 * each, raw and library interleaved (see bench_interleave()), and the
 * ratio library/raw. Not a test: the numbers are for people, not for
 * pass/fail. */

#include <spacetest-glib/spacetest-glib.h>

#include "bench-util.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void
raw_enter_transient (gpointer data)
{
  int type = GPOINTER_TO_INT (data);
  int orig = open (type == CLONE_NEWNET ? "/proc/thread-self/ns/net"
                                        : "/proc/thread-self/ns/uts",
                   O_RDONLY | O_CLOEXEC);

  if (orig < 0 || unshare (type) != 0 || setns (orig, type) != 0)
    g_error ("raw enter/restore failed");
  close (orig);
}

static void
lib_enter_transient (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard =
    spacetest_enter_transient (GPOINTER_TO_INT (data),
                               SPACETEST_TRANSIENT_NONE, &error);

  if (guard == NULL || !spacetest_guard_restore (guard, &error))
    g_error ("%s", error->message);
}

static void
raw_enter_existing (gpointer data)
{
  SpacetestNamespace *ns = data;
  int orig = open ("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);

  if (orig < 0 || setns (spacetest_namespace_get_fd (ns), CLONE_NEWUTS) != 0 ||
      setns (orig, CLONE_NEWUTS) != 0)
    g_error ("raw setns failed");
  close (orig);
}

static void
lib_enter_existing (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = spacetest_namespace_enter (data, &error);

  if (guard == NULL || !spacetest_guard_restore (guard, &error))
    g_error ("%s", error->message);
}

static void *
raw_transient_thread (void *data)
{
  int type = GPOINTER_TO_INT (data);
  const char *path = type == CLONE_NEWNET ? "/proc/thread-self/ns/net"
                                          : "/proc/thread-self/ns/uts";

  if (unshare (type) != 0)
    return GINT_TO_POINTER (-1);
  return GINT_TO_POINTER (open (path, O_RDONLY | O_CLOEXEC));
}

/* The raw form of what spacetest_namespace_new_transient() does: a thread
 * that unshares, keeps an fd and ends. */
static void
raw_new_transient (gpointer data)
{
  pthread_t thread;
  void *result;

  if (pthread_create (&thread, NULL, raw_transient_thread, data) != 0 ||
      pthread_join (thread, &result) != 0 || GPOINTER_TO_INT (result) < 0)
    g_error ("raw transient failed");
  close (GPOINTER_TO_INT (result));
}

static void
lib_new_transient (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns =
    spacetest_namespace_new_transient (GPOINTER_TO_INT (data),
                                       SPACETEST_TRANSIENT_NONE, &error);

  if (ns == NULL)
    g_error ("%s", error->message);
}

/* Measures @raw and @lib interleaved and prints both and the ratio. */
static void
compare (const char *what,
         BenchRound  raw,
         BenchRound  lib,
         gpointer    data,
         guint       n)
{
  BenchVariant variants[] = {
    { "raw", raw, data, 0 },
    { "library", lib, data, 0 },
  };

  bench_interleave (variants, G_N_ELEMENTS (variants), MAX (n, 1));
  printf ("%-34s raw %8.1f us   library %8.1f us   ratio %.2f\n",
          what, variants[0].median, variants[1].median,
          variants[1].median / variants[0].median);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) uts = NULL;
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 2000;
  gboolean root = geteuid () == 0;
  gpointer net = GINT_TO_POINTER (CLONE_NEWNET);
  gpointer uts_type = GINT_TO_POINTER (CLONE_NEWUTS);

  /* a no-op as root; unprivileged mode otherwise */
  if (!spacetest_init_user_namespace (&error))
    g_error ("%s", error->message);

  uts = spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_UTS, 0,
                                           &error);
  if (uts == NULL)
    g_error ("%s", error->message);

  printf ("median of %u rounds (%s)\n", n,
          root ? "root" : "unprivileged mode");
  compare ("enter existing uts + restore",
           raw_enter_existing, lib_enter_existing, uts, n);
  compare ("enter new uts + restore",
           raw_enter_transient, lib_enter_transient, uts_type, n);
  compare ("new transient uts (thread)",
           raw_new_transient, lib_new_transient, uts_type, n);
  /* network namespaces are torn down asynchronously: fewer rounds */
  compare ("enter new net + restore",
           raw_enter_transient, lib_enter_transient, net, n / 10);
  compare ("new transient net (thread)",
           raw_new_transient, lib_new_transient, net, n / 10);
  return 0;
}
