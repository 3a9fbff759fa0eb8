/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spawn.c: starting spacer services, and reaping processes
 *
 * The client starts a service by executing the helper program; a
 * service starts the service of a subspace as a fork-like copy of
 * itself. Both go through _spacetest_spawn_spacer().
 */

#include "spacetest-kernel-private.h"
#include "spacetest-spawn-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

pid_t
_spacetest_reap (pid_t  pid,
                 int    options,
                 int   *status)
{
  pid_t r;

  do
    r = waitpid (pid, status, options);
  while (r < 0 && errno == EINTR);

  return r;
}

/* Makes a close-on-exec pipe into *@read_end and *@write_end. */
static gboolean
open_pipe (int      *read_end,
           int      *write_end,
           GError  **error)
{
  int fds[2];

  if (pipe2 (fds, O_CLOEXEC) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a pipe to start a spacer"));
      return FALSE;
    }
  *read_end = fds[0];
  *write_end = fds[1];
  return TRUE;
}

/* In the child, until it executes @path or returns: only async-signal-safe
 * calls (the parent may be multi-threaded). Returns only without @path. */
static void
child_setup (const char  *path,
             char       **argv,
             int          sock,
             int         *sync_read,
             int         *sync_write,
             int         *ready_read,
             int         *ready_write)
{
  char c = 0;

  g_clear_fd (sync_write, NULL);
  if (*ready_write >= 0)
    {
      g_clear_fd (ready_read, NULL);
      if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 ||
          write (*ready_write, "r", 1) != 1)
        _exit (127);
      g_clear_fd (ready_write, NULL);
    }
  /* Wait for the parent to write the id maps; EOF means it died. */
  if (read (*sync_read, &c, 1) != 1 || c != 'g')
    _exit (127);
  g_clear_fd (sync_read, NULL);

  if (sock == 3)
    fcntl (3, F_SETFD, 0);
  else if (dup2 (sock, 3) != 3)
    _exit (127);
  syscall (SYS_close_range, 4U, ~0U, 0U);
  if (path == NULL)
    return;
  execve (path, argv, environ);
  _exit (127);
}

pid_t
_spacetest_spawn_spacer (const char  *path,
                         int          clone_flags,
                         int          sock,
                         gboolean     pdeathsig,
                         GError     **error)
{
  g_autofree char *ppid_arg = NULL;
  g_autofd int sync_read = -1;
  g_autofd int sync_write = -1;
  g_autofd int ready_read = -1;
  g_autofd int ready_write = -1;
  char *argv[4];
  pid_t pid;
  char go = 'g';

  /* The service checks that its parent is still the one that started it
   * (unless it is in a new PID namespace, where it cannot see it). */
  ppid_arg = g_strdup_printf ("--parent-pid=%d",
                              (clone_flags & CLONE_NEWPID)
                                ? 0 : (int) getpid ());
  argv[0] = (char *) path;
  argv[1] = (char *) "--socket-fd=3";
  argv[2] = ppid_arg;
  argv[3] = NULL;

  /* The parent releases the child through the sync pipe once the id maps
   * are written. With @pdeathsig, the child says through the ready pipe
   * when PR_SET_PDEATHSIG is in place: until then the parent must not
   * end (in a new PID namespace the child cannot check getppid()
   * afterwards). */
  if (!open_pipe (&sync_read, &sync_write, error) ||
      (pdeathsig && !open_pipe (&ready_read, &ready_write, error)))
    return -1;

  /* fork()-like clone: no new stack, the child runs on a copy of ours. */
  pid = (pid_t) syscall (SYS_clone, (unsigned long) clone_flags | SIGCHLD,
                         NULL, NULL, NULL, 0);
  if (pid == 0)
    {
      child_setup (path, argv, sock, &sync_read, &sync_write, &ready_read,
                   &ready_write);
      return 0;
    }

  g_clear_fd (&sync_read, NULL);
  g_clear_fd (&ready_write, NULL);

  if (pid < 0)
    {
      int errsv = errno;
      g_autofree char *types = _spacetest_types_describe (clone_flags);
      g_autofree char *what =
        g_strdup_printf (_("start a spacer service in new namespaces (%s)"),
                         clone_flags ? types : "none");

      _spacetest_set_error_from_errno (error, errsv,
                                       errsv == EINVAL
                                         ? SPACETEST_ERROR_NOT_SUPPORTED
                                         : SPACETEST_ERROR_FAILED,
                                       what);
      return -1;
    }

  if (pdeathsig)
    {
      char r = 0;
      ssize_t n;

      do
        n = read (ready_read, &r, 1);
      while (n < 0 && errno == EINTR);
      if (n != 1)
        {
          g_set_error_literal (error, SPACETEST_ERROR,
                               SPACETEST_ERROR_SPACER_FAILED,
                               _("A new spacer service ended before it "
                                 "started"));
          goto fail;
        }
    }

  /* On failure, closing the sync pipe makes the child exit. */
  if ((clone_flags & CLONE_NEWUSER) &&
      !_spacetest_write_id_maps (pid, geteuid (), getegid (),
                                 SPACETEST_ERROR_FAILED, error))
    goto fail;

  if (write (sync_write, &go, 1) != 1)
    {
      _spacetest_set_error_from_errno (error, errno,
                                       SPACETEST_ERROR_SPACER_FAILED,
                                       _("release a new spacer service"));
      kill (pid, SIGKILL);
      goto fail;
    }

  return pid;

fail:
  g_clear_fd (&sync_write, NULL);
  _spacetest_reap (pid, 0, NULL);
  return -1;
}
