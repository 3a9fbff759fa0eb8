/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-unprivileged.c: unprivileged mode, a user namespace of the
 * process's own with base namespaces it owns */

#include "spacetest-kernel-private.h"
#include "spacetest-glib.h"

#include <errno.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

static guint
count_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/**
 * spacetest_init_user_namespace:
 * @error: return location for a #GError
 *
 * Unprivileged mode. If the process lacks `CAP_SYS_ADMIN`, moves it into
 * a new user namespace where its uid and gid map to root, together with
 * fresh cgroup, IPC, mount (with `/` recursively private), network (with
 * `lo` up), UTS and (on Linux 5.6 and later) time namespaces owned by that
 * user namespace. From then on
 * every transient-namespace function works without privileges: the
 * process can create namespaces *and* switch back to its base ones, which
 * it could not do with host-owned ones.
 *
 * The kernel allows this only while the process has a single thread, so
 * call it first thing in main(); spacetest_test_init() does. When
 * unprivileged user namespaces are disabled (by sysctl, AppArmor, seccomp
 * or a chroot) it fails with the reason.
 *
 * Returns: %TRUE on success, or at once when the process is already
 *   privileged; %FALSE with @error set (%SPACETEST_ERROR_WRONG_THREAD when
 *   the process has more than one thread)
 *
 * Since: 0.1
 */
gboolean
spacetest_init_user_namespace (GError **error)
{
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  guint n_threads;
  int flags, ret;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (_spacetest_has_capability (CAP_SYS_ADMIN))
    return TRUE;

  /* A thread that was just joined can stay listed (and counted by the
   * kernel) for a moment while it finishes exiting: give it that moment. */
  n_threads = count_threads ();
  for (int i = 0; n_threads > 1 && i < 100; i++)
    {
      g_usleep (2000);
      n_threads = count_threads ();
    }
  if (n_threads != 1)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_WRONG_THREAD,
                   _("Cannot create a user namespace for this process: it "
                     "has %u threads (only a single-threaded process can)"),
                   n_threads);
      return FALSE;
    }

  /* The kernel lets a process map uid 0 of its own user namespace into a
   * new one only if it had CAP_SETFCAP (Linux 5.12): a root process that
   * dropped its capabilities cannot use unprivileged mode. */
  if (uid == 0 && !_spacetest_has_capability (CAP_SETFCAP))
    {
      g_set_error_literal (error, SPACETEST_ERROR,
                           SPACETEST_ERROR_PERMISSION_DENIED,
                           _("Cannot create a user namespace for unprivileged "
                             "tests: a process with uid 0 needs CAP_SETFCAP "
                             "to map uid 0 into it"));
      return FALSE;
    }

  /* A time namespace of its own too, so that threads can come back to
   * it from transient ones; kernels before 5.6 have none. */
  flags = CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWNS |
          CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWTIME;
  ret = unshare (flags);
  if (ret != 0 && errno == EINVAL)
    {
      flags &= ~CLONE_NEWTIME;
      ret = unshare (flags);
    }
  if (ret != 0)
    {
      int errsv = errno;

      g_set_error (error, SPACETEST_ERROR,
                   errsv == EPERM || errsv == EACCES || errsv == ENOSPC
                     ? SPACETEST_ERROR_PERMISSION_DENIED
                     : SPACETEST_ERROR_NOT_SUPPORTED,
                   _("Cannot create a user namespace for unprivileged "
                     "tests: %s"),
                   g_strerror (errsv));
      return FALSE;
    }

  /* The process is committed from here on: it is in the new namespaces
   * whatever happens next. */
  if (!_spacetest_write_id_maps (0, uid, gid, SPACETEST_ERROR_FAILED, error) ||
      !_spacetest_setup_new_namespaces ((SpacetestNamespaceType) flags,
                                        SPACETEST_TRANSIENT_LOOPBACK_UP,
                                        NULL, error))
    return FALSE;

  /* unshare() made the time namespace for children only: join it while
   * the process still has a single thread. */
  if (flags & CLONE_NEWTIME)
    {
      g_autofd int time_fd =
        _spacetest_open_new_ns (SPACETEST_NAMESPACE_TYPE_TIME, error);

      if (time_fd < 0 ||
          !_spacetest_setns (time_fd, SPACETEST_NAMESPACE_TYPE_TIME, error))
        return FALSE;
    }

  _spacetest_set_base_mntns ();
  return TRUE;
}
