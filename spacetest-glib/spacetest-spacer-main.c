/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer-main.c: the spacetest-spacer helper program
 *
 * A single-threaded service on one inherited SOCK_SEQPACKET connection
 * (fd 3). It creates namespaces for its client — cgroup, ipc, mnt, net,
 * time and uts "rooms" owned by its own user namespace, and "subspaces":
 * new services in child user and/or PID namespaces — and exits at end of
 * file. It reaps every child; as PID 1 of a PID namespace it also reaps
 * the orphans reparented to it.
 *
 * This file is the program: its main loop and the real actions. The
 * requests are decoded and answered in spacetest-spacer-service.c.
 */

#include "spacetest-kernel-private.h"
#include "spacetest-spacer-service-private.h"
#include "spacetest-spawn-private.h"
#include "spacetest-wire-private.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reaps every ended child; a reaped service is forgotten, so that its
 * pid, which the kernel may give to another process, is never used. */
static void
reap_children (SpacetestService *service)
{
  pid_t pid;

  while ((pid = _spacetest_reap (-1, WNOHANG, NULL)) > 0)
    for (guint i = 0; i < service->subservices->len; i++)
      if (g_array_index (service->subservices, pid_t, i) == pid)
        {
          g_array_remove_index_fast (service->subservices, i);
          break;
        }
}

/* In the rooms child: creates the namespaces and sends their fds;
 * returns its exit status. It runs in the service's memory (see
 * make_rooms()), so it frees what it allocates. */
static int
rooms_child (SpacetestNamespaceType types,
             int                    sock)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  GVariant *message;

  if (unshare ((int) types) != 0)
    {
      int errsv = errno;
      g_autofree char *list = _spacetest_types_describe (types);
      g_autofree char *what =
        g_strdup_printf (_("create new namespaces (%s) in the spacer service"),
                         list);

      _spacetest_set_error_from_errno (&error, errsv, SPACETEST_ERROR_FAILED,
                                       what);
    }
  else if (!_spacetest_setup_new_namespaces (types,
                                             SPACETEST_TRANSIENT_LOOPBACK_UP,
                                             &error))
    ;
  else
    for (int i = 0; i < SPACETEST_N_TYPES; i++)
      {
        int fd;

        if (!(types & _spacetest_types[i]))
          continue;
        fd = _spacetest_open_new_ns (_spacetest_types[i], &error);
        if (fd < 0)
          break;
        g_array_append_val (fds, fd);
      }

  if (error != NULL)
    message = _spacetest_wire_error_reply (0, error);
  else
    message = _spacetest_wire_rooms_reply (0, fds->len);

  return _spacetest_wire_send (sock, message, (const int *) fds->data,
                               error ? 0 : fds->len, NULL) ? 0 : 1;
}

typedef struct
{
  SpacetestNamespaceType types;
  int pair[2];
} RoomsChildArgs;

static int
rooms_child_main (void *data)
{
  RoomsChildArgs *args = data;

  close (args->pair[0]);
  return rooms_child (args->types, args->pair[1]);
}

/* The rooms child's stack: the service makes one child at a time. */
static char rooms_stack[256 * 1024] __attribute__ ((aligned (16)));

/* Creates new namespaces of @types owned by this service's user
 * namespace. A short-lived child makes them: the service itself could not
 * come back from them to namespaces its parent's user namespace owns. */
static gboolean
make_rooms (SpacetestNamespaceType   types,
            GArray                  *fds,
            GError                 **error)
{
  g_autoptr(SpacetestWireMessage) reply = NULL;
  GError *local_error = NULL;
  RoomsChildArgs args = { types, { -1, -1 } };
  int *pair = args.pair;
  gboolean eof;
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a socket in the spacer "
                                         "service"));
      return FALSE;
    }

  /* vfork()-like: no copy of the service's memory to make, fault in and
   * tear down, which cost more than the rest of the request. The child
   * shares the memory of this single-threaded service, which waits until
   * the child has ended: only then is anything else using the heap, so
   * the child may allocate (and frees what it allocates). It has its own
   * descriptors and namespaces; its one message fits in the socket's
   * buffer, so it never waits for the service to read. */
  pid = clone (rooms_child_main, rooms_stack + sizeof rooms_stack,
               CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  if (pid < 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("fork in the spacer service"));
      close (pair[0]);
      close (pair[1]);
      return FALSE;
    }

  close (pair[1]);
  reply = _spacetest_wire_recv (pair[0], &eof, &local_error);
  close (pair[0]);
  _spacetest_reap (pid, 0, NULL);

  if (reply == NULL && eof)
    g_set_error_literal (&local_error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                         _("The spacer service's helper process failed"));
  if (reply == NULL || !_spacetest_wire_parse_reply (reply, &local_error))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  /* The child sends the namespaces in canonical order, no handles. */
  g_array_append_vals (fds, reply->fds->data, reply->fds->len);
  g_array_set_size (reply->fds, 0);
  return TRUE;
}

/* A subspace's service is a fork-like copy of this one, which goes on in
 * the same loop: no program to execute again (faster, and nothing to find
 * by a path that a new user namespace may not be allowed to search). A
 * single-threaded parent: PR_SET_PDEATHSIG is reliable here. */
static pid_t
spawn_service (int      clone_flags,
               int      sock,
               GError **error)
{
  return _spacetest_spawn_spacer (NULL, clone_flags, sock, TRUE, error);
}

static const SpacetestServiceActions real_actions = {
  .make_rooms = make_rooms,
  .spawn_service = spawn_service,
};

static gboolean
become_pid1 (void)
{
  g_autoptr(GError) error = NULL;

  /* Our own /proc, or it shows the parent namespace's processes. */
  if (_spacetest_setup_new_namespaces (SPACETEST_NAMESPACE_TYPE_MNT,
                                       SPACETEST_SETUP_MOUNT_PROC, &error))
    return TRUE;

  fprintf (stderr, _("spacetest-spacer: cannot set up /proc as PID 1: %s\n"),
           error->message);
  return FALSE;
}

/* In a service that a subspace request just started (a copy of its
 * parent, see spawn_service()): forget the parent's state and serve the
 * new client on fd 3, as a freshly started service would. */
static gboolean
become_new_service (SpacetestService *service,
                    int              *sigfd)
{
  sigset_t mask;

  service->reborn = FALSE;
  service->greeted = FALSE;
  service->sock = 3;
  /* the parent's children are not ours */
  g_array_set_size (service->subservices, 0);

  if (getpid () == 1 && !become_pid1 ())
    return FALSE;

  /* Only descriptors 0 to 3 are left: a signalfd of our own. */
  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  *sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  return TRUE;
}

int
main (int argc, char **argv)
{
  SpacetestService service = { .sock = 3, .actions = &real_actions, };
  long parent_pid = -1;
  struct pollfd fds[2];
  sigset_t mask;
  int sigfd;

  setlocale (LC_ALL, "");

  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--socket-fd="))
        service.sock = atoi (argv[i] + strlen ("--socket-fd="));
      else if (g_str_has_prefix (argv[i], "--parent-pid="))
        parent_pid = atol (argv[i] + strlen ("--parent-pid="));
      else
        {
          fprintf (stderr, "%s",
                   _("usage: spacetest-spacer --socket-fd=N "
                     "[--parent-pid=N]\n"
                     "This is a helper program of spacetest-glib; it "
                     "serves one SpacetestSpacer client.\n"));
          return 2;
        }
    }

  /* PR_SET_PDEATHSIG was set before execve; if the parent died before
   * that, we have been reparented already. */
  if (parent_pid > 0 && getppid () != parent_pid)
    return 1;

  if (getpid () == 1 && !become_pid1 ())
    return 1;

  service.subservices = g_array_new (FALSE, FALSE, sizeof (pid_t));

  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  signal (SIGPIPE, SIG_IGN);

  fds[0].events = POLLIN | POLLRDHUP;
  fds[1].events = POLLIN;

  for (;;)
    {
      int n;

      fds[0].fd = service.sock;
      fds[1].fd = sigfd;
      n = poll (fds, sigfd >= 0 ? 2 : 1, -1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;

      if (sigfd >= 0 && (fds[1].revents & POLLIN))
        {
          struct signalfd_siginfo info;

          while (read (sigfd, &info, sizeof info) == sizeof info)
            ;
          reap_children (&service);
        }

      if (fds[0].revents & (POLLIN | POLLHUP | POLLRDHUP | POLLERR))
        {
          gboolean hangup =
            (fds[0].revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;

          if (!_spacetest_service_serve_one (&service, hangup))
            break;
          if (service.reborn && !become_new_service (&service, &sigfd))
            return 1;
        }
    }

  close (service.sock);
  /* The services this one started end with it (PR_SET_PDEATHSIG would
   * see to that too): end and reap them, so that none is left as a
   * zombie for init; as PID 1, also reap every orphan that has ended. */
  for (guint i = 0; i < service.subservices->len; i++)
    kill (g_array_index (service.subservices, pid_t, i), SIGKILL);
  for (guint i = 0; i < service.subservices->len; i++)
    _spacetest_reap (g_array_index (service.subservices, pid_t, i), 0, NULL);
  g_array_set_size (service.subservices, 0);
  reap_children (&service);
  g_array_unref (service.subservices);
  return 0;
}
