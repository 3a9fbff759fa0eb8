/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer-private.h: a spacer request that only spacetest-run
 * makes
 *
 * Not public API: no header of the library installs it, and it may
 * change or go at any time. It is exported from the shared library
 * (with a leading underscore, as spacetest-test.h's helpers are) because
 * spacetest-run links the shared library: a static copy of the library
 * in it would not find the uninstalled spacetest-spacer helper beside
 * the uninstalled library (see uninstalled_helper() in
 * spacetest-spacer.c), which 'meson devenv' and a consumer's
 * 'meson test --wrapper spacetest-run' rely on.
 */

#pragma once

#include <signal.h>

#include <spacetest-glib/spacetest-glib.h>

G_BEGIN_DECLS

/* Asks the service of @self to start a child of its own that executes
 * @path (absolute) with @argv and @envp, with the working directory
 * @cwd_fd (an open directory, O_PATH will do), @stdio_fds as its
 * standard input, output and error, in @namespaces (cgroup, IPC, mount,
 * network, time or UTS, at most one of each; a mount namespace is joined
 * last), with the signals in @sigmask blocked and those in @sigignore
 * ignored (NULL: none), every other one at its default. When the service
 * is PID 1 of a PID namespace, the child gets a mount namespace of its
 * own (a copy of the one it joined) with a /proc for that PID namespace.
 * The descriptors stay the caller's.
 *
 * Returns the child's pid in the service's PID namespace, a pidfd for
 * it and the read end of a pipe through which the service sends its
 * wait status (4 bytes, an int as from waitpid()) when it has reaped it;
 * end of file instead means the service ended first. The service kills
 * what it started when its client closes it.
 *
 * Errors: a GFileError (from the errno) when the program could not be
 * executed; a SpacetestError when something before that failed. */
SPACETEST_AVAILABLE_IN_0_2
gboolean  _spacetest_spacer_spawn   (SpacetestSpacer            *self,
                                     const char                 *path,
                                     const char * const         *argv,
                                     const char * const         *envp,
                                     int                         cwd_fd,
                                     const int                   stdio_fds[3],
                                     SpacetestNamespace * const *namespaces,
                                     guint                       n_namespaces,
                                     const sigset_t             *sigmask,
                                     const sigset_t             *sigignore,
                                     GPid                       *pid_out,
                                     int                        *pidfd_out,
                                     int                        *status_fd_out,
                                     GError                    **error);

G_END_DECLS
