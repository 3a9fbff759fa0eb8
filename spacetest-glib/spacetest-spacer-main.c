/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer-main.c: the spacetest-spacer helper program
 *
 * A single-threaded service on one inherited SOCK_SEQPACKET connection
 * (fd 3). It creates namespaces for its client — cgroup, ipc, mnt, net,
 * time and uts "rooms" owned by its own user namespace, and "subspaces":
 * new services in child user and/or PID namespaces — and exits at end of
 * file. It reaps every child; as PID 1 of a PID namespace it also reaps
 * the orphans reparented to it. It also runs programs for its client
 * ("spawn", spacetest-run --pid): as their parent, it sends each one's
 * wait status through a pipe when it has reaped it.
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
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reaps every ended child; a reaped service is forgotten, so that its
 * pid, which the kernel may give to another process, is never used. */
static void
reap_children (SpacetestService *service)
{
  pid_t pid;
  int status = 0;

  while ((pid = _spacetest_reap (-1, WNOHANG, &status)) > 0)
    if (!_spacetest_service_spawned_ended (service, pid, status))
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
                                             NULL, &error))
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

/* ---- spawn -------------------------------------------------------------- */

/* What the spawned child reports over its error pipe when it does not
 * reach the program. */
typedef struct
{
  int step;     /* SPAWN_STEP_… */
  int errsv;
} SpawnFailure;

enum
{
  SPAWN_STEP_EXEC,
  SPAWN_STEP_SETNS,
  SPAWN_STEP_CWD,
  SPAWN_STEP_PROC,
  SPAWN_STEP_FDS,
};

/* A fresh mount namespace with a /proc for our PID namespace, as
 * _spacetest_setup_new_namespaces () makes one, but with the errno. */
static int
mount_own_proc (void)
{
  if (unshare (CLONE_NEWNS) != 0 ||
      mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
             NULL) != 0)
    return errno;
  return 0;
}

/* In the spawned child: the copy of a single-threaded service, so any
 * call is safe. Never returns. */
G_GNUC_NORETURN static void
spawned_child (const SpacetestWireSpawn *spawn,
               int                       report_fd)
{
  SpawnFailure failure = { SPAWN_STEP_SETNS, 0 };
  int mnt_fd = -1;
  sigset_t mask;

  /* the client's dispositions and mask, not the service's */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, sig <= 64 && (spawn->sigignore & (G_GUINT64_CONSTANT (1)
                                                     << (sig - 1)))
                     ? SIG_IGN : SIG_DFL);
  sigemptyset (&mask);
  for (int sig = 1; sig < NSIG && sig <= 64; sig++)
    if (spawn->sigmask & (G_GUINT64_CONSTANT (1) << (sig - 1)))
      sigaddset (&mask, sig);
  sigprocmask (SIG_SETMASK, &mask, NULL);

  /* The namespaces, the mount namespace last: joining it changes the
   * root and working directories. */
  for (guint i = 0; i < spawn->n_namespaces; i++)
    {
      SpacetestNamespaceType type = 0;
      guint64 dev, ino;
      int errsv;

      if (_spacetest_fd_is_ns (spawn->namespaces[i], &type, &dev, &ino,
                               &errsv) &&
          type == SPACETEST_NAMESPACE_TYPE_MNT)
        mnt_fd = spawn->namespaces[i];
      else if (setns (spawn->namespaces[i], 0) != 0)
        goto failed;
    }
  if (mnt_fd >= 0 && setns (mnt_fd, CLONE_NEWNS) != 0)
    goto failed;

  failure.step = SPAWN_STEP_CWD;
  if (fchdir (spawn->cwd) != 0)
    goto failed;

  /* As PID 1: a /proc that shows our PID namespace, in a copy of the
   * mount namespace just joined (the client keeps its own /proc). The
   * working directory moves into the copy. */
  failure.step = SPAWN_STEP_PROC;
  if (getppid () == 1 && (errno = mount_own_proc ()) != 0)
    goto failed;

  /* the received fds are above 2: no dup2() overwrites another */
  failure.step = SPAWN_STEP_FDS;
  for (int i = 0; i < 3; i++)
    if (dup2 (spawn->stdio[i], i) != i)
      goto failed;
  /* nothing else of the service's reaches the program (its socket is
   * inherited without FD_CLOEXEC) */
  if (syscall (SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    {
      for (int fd = 3; fd < 1024; fd++)
        if (fd != report_fd)
          fcntl (fd, F_SETFD, FD_CLOEXEC);
    }

  failure.step = SPAWN_STEP_EXEC;
  execve (spawn->path, spawn->argv, spawn->envp);
  if (errno == ENOEXEC)
    {
      /* as execvp() does: a script without "#!" is the shell's */
      guint n = g_strv_length (spawn->argv);
      char **argv = g_new0 (char *, n + 2);

      argv[0] = (char *) "/bin/sh";
      argv[1] = spawn->path;
      for (guint i = 1; i < n; i++)
        argv[i + 1] = spawn->argv[i];
      execve (argv[0], argv, spawn->envp);
      errno = ENOEXEC;
    }

failed:
  failure.errsv = errno;
  while (write (report_fd, &failure, sizeof failure) < 0 && errno == EINTR)
    ;
  _exit (127);
}

static const char *
spawn_step_what (int step)
{
  switch (step)
    {
    case SPAWN_STEP_SETNS:
      return _("enter the namespaces of a new process");
    case SPAWN_STEP_CWD:
      return _("change to the working directory of a new process");
    case SPAWN_STEP_PROC:
      return _("mount /proc for a new process");
    case SPAWN_STEP_FDS:
    default:
      return _("set up the standard descriptors of a new process");
    }
}

/* Starts what a spawn request asks for; see SpacetestServiceActions. It
 * waits for the child to execute the program (or fail to), which takes
 * no longer than the system calls before it. */
static pid_t
spawn_program (const SpacetestWireSpawn  *spawn,
               int                       *pidfd,
               GError                   **error)
{
  SpawnFailure failure;
  int report[2];
  ssize_t n;
  pid_t pid;

  if (pipe2 (report, O_CLOEXEC) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a pipe in the spacer "
                                         "service"));
      return -1;
    }

  /* A plain fork: the child joins a time namespace and a mount
   * namespace, which the kernel refuses to a process that shares its
   * memory. */
  pid = fork ();
  if (pid == 0)
    {
      close (report[0]);
      spawned_child (spawn, report[1]);
    }
  close (report[1]);
  if (pid < 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("fork in the spacer service"));
      close (report[0]);
      return -1;
    }

  do
    n = read (report[0], &failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  close (report[0]);

  if (n == sizeof failure)
    {
      _spacetest_reap (pid, 0, NULL);
      if (failure.step == SPAWN_STEP_EXEC)
        {
          g_set_error (error, G_FILE_ERROR,
                       g_file_error_from_errno (failure.errsv),
                       _("Cannot execute “%s”: %s"), spawn->path,
                       g_strerror (failure.errsv));
          return -1;
        }
      _spacetest_set_error_from_errno (error, failure.errsv,
                                       SPACETEST_ERROR_FAILED,
                                       spawn_step_what (failure.step));
      return -1;
    }

  *pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (*pidfd < 0)
    {
      _spacetest_set_error_from_errno (error, errno,
                                       SPACETEST_ERROR_NOT_SUPPORTED,
                                       _("open a pidfd for a new process"));
      kill (pid, SIGKILL);
      _spacetest_reap (pid, 0, NULL);
      return -1;
    }
  return pid;
}

static const SpacetestServiceActions real_actions = {
  .make_rooms = make_rooms,
  .spawn_service = spawn_service,
  .spawn_program = spawn_program,
};

static gboolean
become_pid1 (void)
{
  g_autoptr(GError) error = NULL;

  /* Our own /proc, or it shows the parent namespace's processes. */
  if (_spacetest_setup_new_namespaces (SPACETEST_NAMESPACE_TYPE_MNT,
                                       SPACETEST_SETUP_MOUNT_PROC, NULL,
                                       &error))
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
  /* the parent's children are not ours (and the descriptors of its
   * status pipes are closed already) */
  g_array_set_size (service->subservices, 0);
  g_array_set_size (service->spawned, 0);

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
  service.spawned = g_array_new (FALSE, FALSE, sizeof (SpacetestSpawned));

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
  /* so do the programs it started; their status pipes say how */
  for (guint i = 0; i < service.spawned->len; i++)
    kill (g_array_index (service.spawned, SpacetestSpawned, i).pid, SIGKILL);
  while (service.spawned->len > 0)
    {
      pid_t pid = g_array_index (service.spawned, SpacetestSpawned, 0).pid;
      int status = 0;

      if (_spacetest_reap (pid, 0, &status) != pid)
        status = W_EXITCODE (0, SIGKILL);
      _spacetest_service_spawned_ended (&service, pid, status);
    }
  reap_children (&service);
  g_array_unref (service.subservices);
  g_array_unref (service.spawned);
  return 0;
}
