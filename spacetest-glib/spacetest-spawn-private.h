/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spawn-private.h: starting spacer services and reaping
 * processes, shared by the client and the spacetest-spacer helper */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define SPACETEST_SPACER_ENV "SPACETEST_SPACER_PATH"

/* Starts a spacer service with the other end of a socket (@sock) as fd
 * 3, in new namespaces @clone_flags (CLONE_NEWUSER, CLONE_NEWPID,
 * CLONE_NEWNS); with CLONE_NEWUSER the caller's uid/gid map to root.
 * With @path, the child executes that program, with only
 * async-signal-safe calls before; without (a single-threaded service
 * starting a subspace), it is a fork-like copy of the caller: the call
 * returns 0 in it, with every descriptor above 3 closed. With
 * @pdeathsig the child dies with its parent (a single-threaded one: the
 * signal is tied to the parent *thread*). */
pid_t _spacetest_spawn_spacer (const char  *path,
                               int          clone_flags,
                               int          sock,
                               gboolean     pdeathsig,
                               GError     **error);

/* waitpid() without EINTR: returns what it returns (the pid, 0 with
 * WNOHANG while the child runs, or -1 with errno set). @status may be
 * NULL. */
pid_t _spacetest_reap         (pid_t        pid,
                               int          options,
                               int         *status);

G_END_DECLS
