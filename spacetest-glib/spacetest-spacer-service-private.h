/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer-service-private.h: the spacetest-spacer service's
 * request dispatch, apart from its main loop
 *
 * spacetest-spacer-service.c decodes and answers one request at a time;
 * spacetest-spacer-main.c is the helper program around it. The two heavy
 * actions, making rooms and starting a new service, are reached through
 * a table, so that the fuzz target (tests/fuzz/) can run the dispatch
 * with fakes in their place.
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "spacetest-types.h"
#include "spacetest-wire-private.h"

G_BEGIN_DECLS

typedef struct
{
  /* Creates namespaces of @types (a subset of SPACETEST_ROOM_TYPES)
   * owned by the service's user namespace and appends their fds to @fds,
   * in canonical order; on failure appends nothing. */
  gboolean (*make_rooms)    (SpacetestNamespaceType   types,
                             GArray                  *fds,
                             GError                 **error);
  /* Starts a new service on @sock in new namespaces @clone_flags: a
   * fork-like child of this one, without executing anything. Returns its
   * pid, or -1 with @error set; in the new service it returns 0, with
   * @sock as fd 3 and no other descriptor above 2 open. */
  pid_t    (*spawn_service) (int                      clone_flags,
                             int                      sock,
                             GError                 **error);
  /* Starts a child that executes what @spawn asks for (see
   * spacetest-wire-private.h) and puts a pidfd for it into *@pidfd.
   * Returns its pid, or -1 with @error set: a GFileError when the program
   * could not be executed, a SpacetestError when something before that
   * failed. Takes nothing out of @spawn. */
  pid_t    (*spawn_program) (const SpacetestWireSpawn *spawn,
                             int                      *pidfd,
                             GError                  **error);
} SpacetestServiceActions;

/* A process a spawn request started, and where its wait status goes. */
typedef struct
{
  pid_t pid;
  int status_fd;
} SpacetestSpawned;

typedef struct
{
  int sock;
  gboolean greeted;
  GArray *subservices;   /* pids of the services it started */
  GArray *spawned;       /* of SpacetestSpawned: the programs it started */
  /* Set in a new service that a subspace request just started: it
   * answers nothing of its parent's and goes on serving its own client
   * on fd 3 (see become_new_service () in spacetest-spacer-main.c). */
  gboolean reborn;
  const SpacetestServiceActions *actions;
} SpacetestService;

/* Receives one message on @service->sock and answers it (unless it made
 * a new service and now is that one: then it returns TRUE with
 * @service->reborn set); FALSE at end of file or on a broken connection.
 * @hangup says whether poll() saw the peer shut down: recvmsg() returns
 * 0 both at end of file and for an empty datagram. */
gboolean  _spacetest_service_serve_one   (SpacetestService  *service,
                                          gboolean           hangup);

/* Reports the wait @status of the spawned process @pid, if it is one,
 * through its status pipe, and forgets it; FALSE if it is none. */
gboolean  _spacetest_service_spawned_ended (SpacetestService *service,
                                            pid_t             pid,
                                            int               status);

G_END_DECLS
