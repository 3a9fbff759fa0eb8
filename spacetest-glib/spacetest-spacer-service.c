/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer-service.c: the spacetest-spacer service's request
 * dispatch
 *
 * Takes one request (version handshake, unexpected fds, unknown names,
 * namespace types), carries it out through the service's actions and
 * sends the reply; the messages themselves are spacetest-wire.c's. The
 * program around it is in spacetest-spacer-main.c; the fuzz target in
 * tests/fuzz/ links this file with fake actions.
 */

#include "spacetest-kernel-private.h"
#include "spacetest-spacer-service-private.h"
#include "spacetest-wire-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static GVariant *
handle_rooms (SpacetestService      *service,
              SpacetestWireMessage  *request,
              GArray                *fds,
              GError               **error)
{
  SpacetestNamespaceType types;

  if (!_spacetest_wire_parse_types (request, SPACETEST_WIRE_ROOMS, &types,
                                    error) ||
      !service->actions->make_rooms (types, fds, error))
    return NULL;

  return _spacetest_wire_rooms_reply (request->serial, fds->len);
}

static int
open_child_ns (pid_t        pid,
               const char  *name,
               GError     **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, name);
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      g_autofree char *what = g_strdup_printf (_("open '%s'"), path);
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       what);
    }
  return fd;
}

/* Appends to @fds, in the order of a subspace reply, the pidfd and the
 * new namespaces of the new service @pid. */
static gboolean
open_subspace (pid_t                    pid,
               SpacetestNamespaceType   types,
               GArray                  *fds,
               GError                 **error)
{
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);

  if (fd < 0)
    {
      _spacetest_set_error_from_errno (error, errno,
                                       SPACETEST_ERROR_NOT_SUPPORTED,
                                       _("open a pidfd for a new spacer"));
      return FALSE;
    }
  g_array_append_val (fds, fd);

  if (types & SPACETEST_NAMESPACE_TYPE_USER)
    {
      if ((fd = open_child_ns (pid, "user", error)) < 0)
        return FALSE;
      g_array_append_val (fds, fd);
    }
  if (types & SPACETEST_NAMESPACE_TYPE_PID)
    {
      if ((fd = open_child_ns (pid, "pid", error)) < 0)
        return FALSE;
      g_array_append_val (fds, fd);
    }
  return TRUE;
}

static GVariant *
handle_subspace (SpacetestService      *service,
                 SpacetestWireMessage  *request,
                 GArray                *fds,
                 GError               **error)
{
  SpacetestNamespaceType types;
  int pair[2];
  int flags = 0;
  pid_t pid;

  if (!_spacetest_wire_parse_types (request, SPACETEST_WIRE_SUBSPACE, &types,
                                    error))
    return NULL;

  if (types & SPACETEST_NAMESPACE_TYPE_USER)
    flags |= CLONE_NEWUSER;
  /* PID 1 of the new PID namespace mounts its own /proc: in a mount
   * namespace of its own. */
  if (types & SPACETEST_NAMESPACE_TYPE_PID)
    flags |= CLONE_NEWPID | CLONE_NEWNS;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a socket for a new spacer"));
      return NULL;
    }

  pid = service->actions->spawn_service (flags, pair[1], error);
  if (pid == 0)
    {
      /* The new service: what is left of the request is its parent's. */
      service->reborn = TRUE;
      return NULL;
    }
  close (pair[1]);
  if (pid < 0)
    {
      close (pair[0]);
      return NULL;
    }
  g_array_append_val (service->subservices, pid);

  g_array_append_val (fds, pair[0]);
  if (!open_subspace (pid, types, fds, error))
    {
      _spacetest_close_fds (fds);   /* the new service sees EOF and ends */
      return NULL;
    }

  return _spacetest_wire_subspace_reply (request->serial, types);
}

/* The status pipe has room for one wait status: the write never
 * blocks (and a reader that is gone is no concern of the service). */
gboolean
_spacetest_service_spawned_ended (SpacetestService *service,
                                  pid_t             pid,
                                  int               status)
{
  for (guint i = 0; service->spawned != NULL && i < service->spawned->len;
       i++)
    {
      SpacetestSpawned *spawned = &g_array_index (service->spawned,
                                                  SpacetestSpawned, i);
      gint32 value = status;

      if (spawned->pid != pid)
        continue;
      while (write (spawned->status_fd, &value, sizeof value) < 0 &&
             errno == EINTR)
        ;
      close (spawned->status_fd);
      g_array_remove_index_fast (service->spawned, i);
      return TRUE;
    }
  return FALSE;
}

static GVariant *
handle_spawn (SpacetestService      *service,
              SpacetestWireMessage  *request,
              GArray                *fds,
              GError               **error)
{
  g_auto(SpacetestWireSpawn) spawn = SPACETEST_WIRE_SPAWN_INIT;
  SpacetestSpawned spawned;
  int pidfd = -1;

  if (!_spacetest_wire_take_spawn (request, &spawn, error))
    return NULL;

  /* a status pipe that never blocks the service */
  if (fcntl (spawn.status, F_SETFL, O_NONBLOCK) != 0)
    {
      _spacetest_set_error_from_errno (error, errno,
                                       SPACETEST_ERROR_INVALID_ARGUMENT,
                                       _("use the status pipe of a spawn "
                                         "request"));
      return NULL;
    }

  spawned.pid = service->actions->spawn_program (&spawn, &pidfd, error);
  if (spawned.pid < 0)
    return NULL;

  spawned.status_fd = g_steal_fd (&spawn.status);
  if (service->spawned == NULL)
    service->spawned = g_array_new (FALSE, FALSE, sizeof (SpacetestSpawned));
  g_array_append_val (service->spawned, spawned);
  g_array_append_val (fds, pidfd);
  return _spacetest_wire_spawn_reply (request->serial, spawned.pid);
}

static GVariant *
handle_request (SpacetestService      *service,
                SpacetestWireMessage  *request,
                GArray                *fds,
                GError               **error)
{
  SpacetestWireRequest kind = _spacetest_wire_get_request (request);

  if (request->fds->len > 0 && kind != SPACETEST_WIRE_SPAWN)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Spacer request '%s' carried unexpected file "
                     "descriptors"), request->name);
      return NULL;
    }

  if (!service->greeted && kind != SPACETEST_WIRE_HELLO)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Spacer request '%s' before the version handshake"),
                   request->name);
      return NULL;
    }

  switch (kind)
    {
    case SPACETEST_WIRE_HELLO:
      if (!_spacetest_wire_parse_hello (request, error))
        return NULL;
      service->greeted = TRUE;
      return _spacetest_wire_hello_reply (request->serial);

    case SPACETEST_WIRE_ROOMS:
      return handle_rooms (service, request, fds, error);

    case SPACETEST_WIRE_SUBSPACE:
      return handle_subspace (service, request, fds, error);

    case SPACETEST_WIRE_SPAWN:
      return handle_spawn (service, request, fds, error);

    case SPACETEST_WIRE_UNKNOWN:
    default:
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Unknown spacer request '%s'"), request->name);
      return NULL;
    }
}

gboolean
_spacetest_service_serve_one (SpacetestService *service,
                              gboolean          hangup)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestWireMessage) request = NULL;
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  GVariant *reply = NULL;
  guint32 serial = 0;
  gboolean eof;
  gboolean sent;

  request = _spacetest_wire_recv (service->sock, &eof, &error);
  if (request == NULL && eof && hangup)
    return FALSE;
  if (request == NULL && eof)
    g_set_error_literal (&error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                         _("Empty spacer message"));

  /* A malformed datagram is answered too (serial 0); serving goes on. */
  if (request != NULL)
    {
      serial = request->serial;
      reply = handle_request (service, request, fds, &error);
      if (service->reborn)
        return TRUE;
      /* before the reply: fds it carried are not kept a moment longer */
      g_clear_pointer (&request, _spacetest_wire_message_free);
    }

  if (reply == NULL)
    reply = _spacetest_wire_error_reply (serial, error);

  sent = _spacetest_wire_send (service->sock, reply, (const int *) fds->data,
                               fds->len, NULL);
  _spacetest_close_fds (fds);
  return sent;
}
