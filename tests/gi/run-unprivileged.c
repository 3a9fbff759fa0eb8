/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* run-unprivileged.c: run a command in spacetest's unprivileged mode
 *
 * Usage: run-unprivileged COMMAND [ARGUMENT...]
 *
 * spacetest_init_user_namespace() needs a single-threaded process, but gjs
 * starts threads before the first line of a script runs, so a GJS test
 * cannot call it itself. This helper calls it (a no-op when the process is
 * already privileged) and then executes COMMAND, which inherits the new
 * user namespace, in which it is root, and the fresh base namespaces owned
 * by it.
 *
 * When that fails (unprivileged user namespaces disabled, for example),
 * COMMAND still runs, with SPACETEST_GI_USERNS_FAILURE set to the reason,
 * so that its tests skip saying why (or fail, with SPACETEST_REQUIRE=1).
 * SPACETEST_USERNS=0 skips the set-up, as it does for spacetest_test_init().
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <spacetest-glib/spacetest-glib.h>

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s COMMAND [ARGUMENT...]\n", argv[0]);
      return 2;
    }

  g_unsetenv ("SPACETEST_GI_USERNS_FAILURE");
  if (g_strcmp0 (g_getenv ("SPACETEST_USERNS"), "0") != 0 &&
      !spacetest_init_user_namespace (&error))
    g_setenv ("SPACETEST_GI_USERNS_FAILURE", error->message, TRUE);

  execvp (argv[1], argv + 1);
  fprintf (stderr, "%s: cannot execute %s: %s\n",
           argv[0], argv[1], strerror (errno));
  return 127;
}
