/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-spacer.c: what a spacer round trip costs, next to the shell way of
 * getting child user and PID namespaces. Prints the median of N rounds
 * (argv[1], default 50) of
 *   - spacetest_spacer_subspace (USER|PID) and closing the new spacer,
 *   - spacetest_spacer_rooms (NET) (the service forks, unshares, sends
 *     the fd back),
 *   - running `unshare -U -p -f -r true` with g_spawn_sync(),
 * all in the same run, and the ratios spacer/unshare. Not a test: the
 * numbers are for people, not for pass/fail. Needs SPACETEST_SPACER_PATH
 * in an uninstalled build:
 *   SPACETEST_SPACER_PATH=_build/spacetest-glib/spacetest-spacer \
 *     _build/tests/bench/bench-spacer 50 */

#include <spacetest-glib/spacetest-glib.h>

#include "bench-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void
subspace_round (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestSpacer) sub =
    spacetest_spacer_subspace (data, SPACETEST_NAMESPACE_TYPE_USER |
                                     SPACETEST_NAMESPACE_TYPE_PID, NULL, &error);

  if (sub == NULL || !spacetest_spacer_close (sub, &error))
    g_error ("subspace: %s", error->message);
}

static void
rooms_round (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms =
    spacetest_spacer_rooms (data, SPACETEST_NAMESPACE_TYPE_NET, NULL, &error);

  if (rooms == NULL)
    g_error ("rooms: %s", error->message);
}

static void
unshare_round (gpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "unshare", "-U", "-p", "-f", "-r", "true", NULL };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                     NULL, NULL, NULL, NULL, &status, &error))
    g_error ("unshare: %s", error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("unshare -U -p -f -r true: %s", error->message);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestSpacer) spacer = NULL;
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 50;
  gboolean root = geteuid () == 0;
  double subspace_us, rooms_us, unshare_us;

  if (n == 0)
    n = 1;

  /* a no-op as root; unprivileged mode otherwise */
  if (!spacetest_init_user_namespace (&error))
    g_error ("%s", error->message);

  spacer = spacetest_spacer_new (NULL, &error);
  if (spacer == NULL)
    g_error ("%s", error->message);

  subspace_us = bench_measure (subspace_round, spacer, n);
  rooms_us = bench_measure (rooms_round, spacer, n);
  unshare_us = bench_measure (unshare_round, NULL, n);

  printf ("median of %u rounds (%s)\n", n, root ? "root" : "unprivileged mode");
  printf ("%-40s %9.1f us\n", "spacer subspace (user+pid) + close", subspace_us);
  printf ("%-40s %9.1f us\n", "spacer rooms (net)", rooms_us);
  printf ("%-40s %9.1f us\n", "g_spawn_sync unshare -U -p -f -r true", unshare_us);
  printf ("ratio subspace/unshare %.2f, rooms/unshare %.2f\n",
          subspace_us / unshare_us, rooms_us / unshare_us);

  if (!spacetest_spacer_close (spacer, &error))
    g_error ("%s", error->message);
  return 0;
}
