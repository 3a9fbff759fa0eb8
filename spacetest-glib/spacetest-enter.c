/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-enter.c: entering and running inside namespaces */

#include "spacetest-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

/**
 * SECTION:spacetest-enter
 * @title: Entering namespaces
 * @short_description: Create, enter and run code inside namespaces
 *
 * spacetest_enter_transient() creates new namespaces and attaches the
 * calling thread to them until the returned #SpacetestGuard is dropped;
 * spacetest_execute() runs a function inside a set of existing namespaces
 * and switches back; spacetest_thread_new() starts a thread that lives in
 * them.
 *
 * Namespaces belong to threads, not processes: a thread started from a
 * switched thread inherits the namespaces of the thread that started it.
 * Do not let a switched thread start GLib worker threads (for example the
 * first use of a #GThreadPool or of GDBus), or those workers stay in the
 * test's namespaces after it ends.
 */

/* The process's base mount namespace, where spacetest_mount_sysfs()
 * refuses to work: the one it started in, or the one
 * spacetest_init_user_namespace() moved it to. */
static dev_t base_mntns_dev;
static ino_t base_mntns_ino;

static void
record_base_mntns (void)
{
  struct stat st;

  if (stat ("/proc/self/ns/mnt", &st) == 0)
    {
      base_mntns_dev = st.st_dev;
      base_mntns_ino = st.st_ino;
    }
}

__attribute__((constructor)) static void
spacetest_enter_init (void)
{
  record_base_mntns ();
}

/**
 * spacetest_enter_transient:
 * @types: one or more of %SPACETEST_NAMESPACE_TYPE_CGROUP,
 *   %SPACETEST_NAMESPACE_TYPE_IPC, %SPACETEST_NAMESPACE_TYPE_MNT,
 *   %SPACETEST_NAMESPACE_TYPE_NET and %SPACETEST_NAMESPACE_TYPE_UTS
 * @flags: extra set-up for the new namespaces
 * @error: return location for a #GError
 *
 * Creates new namespaces of @types and attaches the calling thread to
 * them, in one step. The returned guard switches the thread back to its
 * original namespaces (and working directory) when restored or dropped:
 * `g_autoptr(SpacetestGuard) guard = spacetest_enter_transient (...)` is
 * the C form of Go's `defer netns.EnterTransient()()`.
 *
 * A new mount namespace has `/` made recursively private before anything
 * else, so mounts made in it never reach the host. Time, PID and user
 * namespaces give %SPACETEST_ERROR_INVALID_ARGUMENT: a thread cannot come
 * back from them.
 *
 * On any error nothing has changed for the calling thread.
 *
 * Returns: (transfer full): the guard, or %NULL with @error set
 *
 * Since: 0.1
 */
SpacetestGuard *
spacetest_enter_transient (SpacetestNamespaceType    types,
                           SpacetestTransientFlags   flags,
                           GError                  **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (types == SPACETEST_NAMESPACE_TYPE_NONE ||
      (types & ~SPACETEST_IN_PROCESS_TYPES) != 0)
    {
      g_autofree char *desc = _spacetest_types_describe (types);

      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("spacetest_enter_transient() takes cgroup, ipc, mnt, "
                     "net and uts namespaces, not %s (a thread cannot come "
                     "back from a new time, PID or user namespace: use "
                     "spacetest_namespace_new_transient() or "
                     "SpacetestSpacer for those)"),
                   desc);
      return NULL;
    }

  if ((flags & ~(SPACETEST_TRANSIENT_LOOPBACK_UP |
                 SPACETEST_TRANSIENT_MOUNT_SYSFS)) != 0)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Unknown transient flags 0x%x"), (guint) flags);
      return NULL;
    }

  return _spacetest_guard_new_unshare (types, flags, error);
}

/* ---- running on a throw-away or a new thread ------------------------- */

typedef struct
{
  SpacetestNamespace **namespaces;
  guint n_namespaces;
  gboolean has_mnt;

  /* for spacetest_execute() */
  SpacetestFunc func;
  gpointer user_data;

  /* for spacetest_thread_new() */
  GThreadFunc thread_func;
  GMutex lock;
  GCond cond;
  gboolean attached;
  gboolean done;

  GError *error;
} AttachData;

/* Attaches the calling (new) thread; there is nothing to undo on
 * failure, since the thread then ends without running anything. */
static gboolean
attach_thread (AttachData  *data,
               GError     **error)
{
  if (data->has_mnt && unshare (CLONE_FS) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("give the thread its own root and "
                                         "working directory (CLONE_FS)"));
      return FALSE;
    }

  for (int t = 0; t < SPACETEST_N_TYPES; t++)
    for (guint i = 0; i < data->n_namespaces; i++)
      {
        SpacetestNamespace *ns = data->namespaces[i];

        if (spacetest_namespace_get_namespace_type (ns) != _spacetest_types[t]
            || spacetest_namespace_is_current (ns))
          continue;
        if (!_spacetest_setns (spacetest_namespace_get_fd (ns),
                               _spacetest_types[t], error))
          return FALSE;
      }

  return TRUE;
}

static gpointer
execute_thread (gpointer user_data)
{
  AttachData *data = user_data;

  if (attach_thread (data, &data->error))
    data->func (data->user_data);

  return NULL;
}

/**
 * spacetest_execute:
 * @namespaces: (array length=n_namespaces) (nullable): the namespaces to
 *   run in, at most one of each type
 * @n_namespaces: the number of @namespaces
 * @func: (scope call): the function to run
 * @user_data: data for @func
 * @error: return location for a #GError
 *
 * Runs @func synchronously while attached to @namespaces and, for every
 * other type, to the caller's current namespaces; results travel back
 * through @user_data (this is the C form of spacetest's `Call`).
 *
 * Without a mount namespace in the set, @func runs on the calling thread,
 * which is switched back afterwards. With one, @func runs on a throw-away
 * thread that starts out in the caller's current namespaces and ends
 * afterwards, so the caller's working directory and root stay untouched.
 *
 * A user namespace gives %SPACETEST_ERROR_INVALID_ARGUMENT (a
 * multi-threaded process cannot join one).
 *
 * gjs refuses to run JavaScript callbacks on other threads: from
 * JavaScript, enter a mount namespace with spacetest_namespace_enter()
 * instead of passing it here.
 *
 * Returns: %TRUE if @func ran; %FALSE with @error set, and @func not run,
 *   if any switch failed
 *
 * Since: 0.1
 */
gboolean
spacetest_execute (SpacetestNamespace **namespaces,
                   guint                n_namespaces,
                   SpacetestFunc        func,
                   gpointer             user_data,
                   GError             **error)
{
  SpacetestNamespaceType types;

  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_spacetest_check_namespace_set (namespaces, n_namespaces,
                                       SPACETEST_NAMESPACE_TYPE_USER,
                                       "spacetest_execute()", &types, error))
    return FALSE;

  if (types & SPACETEST_NAMESPACE_TYPE_MNT)
    {
      AttachData data = { 0, };
      GThread *thread;

      data.namespaces = namespaces;
      data.n_namespaces = n_namespaces;
      data.has_mnt = TRUE;
      data.func = func;
      data.user_data = user_data;

      thread = g_thread_try_new ("spacetest-execute", execute_thread, &data,
                                 error);
      if (thread == NULL)
        return FALSE;
      g_thread_join (thread);

      if (data.error != NULL)
        {
          g_propagate_error (error, data.error);
          return FALSE;
        }
      return TRUE;
    }
  else
    {
      g_autoptr(SpacetestGuard) guard = NULL;

      guard = _spacetest_guard_enter (namespaces, n_namespaces, error);
      if (guard == NULL)
        return FALSE;

      func (user_data);

      _spacetest_guard_restore_or_abort (guard);
      return TRUE;
    }
}

static gpointer
new_thread (gpointer user_data)
{
  AttachData *data = user_data;
  GThreadFunc func = data->thread_func;
  gpointer func_data = data->user_data;
  gboolean ok;

  ok = attach_thread (data, &data->error);

  g_mutex_lock (&data->lock);
  data->attached = ok;
  data->done = TRUE;
  g_cond_signal (&data->cond);
  g_mutex_unlock (&data->lock);
  /* @data belongs to the creator again from here on. */

  return ok ? func (func_data) : NULL;
}

/**
 * spacetest_thread_new:
 * @name: (nullable): a name for the thread, as for g_thread_new()
 * @namespaces: (array length=n_namespaces) (nullable): the namespaces the
 *   thread runs in, at most one of each type
 * @n_namespaces: the number of @namespaces
 * @func: (scope async): the thread function
 * @user_data: data for @func
 * @error: return location for a #GError
 *
 * Starts a thread that is attached to @namespaces (and, for every other
 * type, to the caller's current ones) before @func runs: the C form of
 * moby's `OSContext.Go`. It returns only after the attach succeeded; if it
 * failed, it returns %NULL with @error set, @func never runs and no thread
 * is left behind. Join the thread with g_thread_join().
 *
 * Returns: (transfer full): the thread, or %NULL with @error set
 *
 * Since: 0.1
 */
GThread *
spacetest_thread_new (const char          *name,
                      SpacetestNamespace **namespaces,
                      guint                n_namespaces,
                      GThreadFunc          func,
                      gpointer             user_data,
                      GError             **error)
{
  SpacetestNamespaceType types;
  AttachData data = { 0, };
  GThread *thread;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_check_namespace_set (namespaces, n_namespaces,
                                       SPACETEST_NAMESPACE_TYPE_USER,
                                       "spacetest_thread_new()", &types,
                                       error))
    return NULL;

  data.namespaces = namespaces;
  data.n_namespaces = n_namespaces;
  data.has_mnt = (types & SPACETEST_NAMESPACE_TYPE_MNT) != 0;
  data.thread_func = func;
  data.user_data = user_data;
  g_mutex_init (&data.lock);
  g_cond_init (&data.cond);

  thread = g_thread_try_new (name, new_thread, &data, error);
  if (thread != NULL)
    {
      g_mutex_lock (&data.lock);
      while (!data.done)
        g_cond_wait (&data.cond, &data.lock);
      g_mutex_unlock (&data.lock);

      if (!data.attached)
        {
          g_thread_join (thread);
          thread = NULL;
          g_propagate_error (error, g_steal_pointer (&data.error));
        }
    }

  g_mutex_clear (&data.lock);
  g_cond_clear (&data.cond);

  return thread;
}

/**
 * spacetest_loopback_up:
 * @error: return location for a #GError
 *
 * Sets the `lo` interface up in the calling thread's network namespace (a
 * new network namespace has it down).
 *
 * Returns: %TRUE on success; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
spacetest_loopback_up (GError **error)
{
  g_autofd int sock = -1;
  struct ifreq ifr = { 0, };

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A socket belongs to the network namespace of the thread that made it. */
  sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("open a socket to set up 'lo' in a "
                                         "network namespace"));
      return FALSE;
    }

  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("read the flags of 'lo' in a network "
                                         "namespace"));
      return FALSE;
    }

  if (ifr.ifr_flags & IFF_UP)
    return TRUE;

  ifr.ifr_flags |= IFF_UP;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("set 'lo' up in a network namespace"));
      return FALSE;
    }

  return TRUE;
}

/**
 * spacetest_mount_sysfs:
 * @error: return location for a #GError
 *
 * Mounts a fresh read-only sysfs on `/sys` in the calling thread's mount
 * namespace. It shows the network devices of the calling thread's network
 * namespace. It refuses with %SPACETEST_ERROR_INVALID_ARGUMENT in the
 * process's initial mount namespace, where it would change the host.
 *
 * Returns: %TRUE on success; %FALSE with @error set
 *
 * Since: 0.1
 */
#define SYSFS_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

gboolean
spacetest_mount_sysfs (GError **error)
{
  struct stat st;
  int errsv;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (stat ("/proc/thread-self/ns/mnt", &st) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("identify the current mount "
                                         "namespace"));
      return FALSE;
    }

  if (st.st_dev == base_mntns_dev && st.st_ino == base_mntns_ino)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Refusing to mount sysfs on /sys in the process's "
                     "initial mount namespace: enter a transient mount "
                     "namespace first"));
      return FALSE;
    }

  if (mount ("sysfs", "/sys", "sysfs", SYSFS_FLAGS, NULL) == 0)
    return TRUE;

  /* The kernel refuses to mount a sysfs on a mount of the same sysfs
   * (EBUSY): /sys already shows this network namespace, as in a new mount
   * namespace of a root process in the host's network namespace. Detach
   * this mount namespace's copy of /sys and mount a fresh one. */
  errsv = errno;
  if (errsv == EBUSY && umount2 ("/sys", MNT_DETACH) == 0)
    {
      if (mount ("sysfs", "/sys", "sysfs", SYSFS_FLAGS, NULL) == 0)
        return TRUE;
      errsv = errno;
    }

  _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                   _("mount a read-only sysfs on /sys"));
  return FALSE;
}

/* ---- probing -------------------------------------------------------- */

typedef struct
{
  SpacetestNamespaceType types;
  GError *error;
} ProbeData;

static gboolean
probe (SpacetestNamespaceType   types,
       GError                 **error)
{
  int fds[SPACETEST_N_TYPES];
  gboolean ok = TRUE;

  /* Every entry before the first way out: the cleanup closes them all. */
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    fds[i] = -1;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      if ((types & _spacetest_types[i]) &&
          _spacetest_types[i] != SPACETEST_NAMESPACE_TYPE_TIME)
        {
          fds[i] = _spacetest_open_thread_ns (_spacetest_types[i], error);
          if (fds[i] < 0)
            {
              ok = FALSE;
              break;
            }
        }
    }

  if (ok && unshare ((int) types) != 0)
    {
      int errsv = errno;
      g_autofree char *list = _spacetest_types_describe (types);
      g_autofree char *what =
        g_strdup_printf (_("create new namespaces (%s)"), list);

      _spacetest_set_error_from_errno (error, errsv,
                                       errsv == EINVAL
                                         ? SPACETEST_ERROR_NOT_SUPPORTED
                                         : SPACETEST_ERROR_FAILED,
                                       what);
      ok = FALSE;
    }

  /* Leaving must work too: an unprivileged process in a user namespace of
   * its own can create namespaces but not go back to host-owned ones. */
  for (int i = SPACETEST_N_TYPES - 1; ok && i >= 0; i--)
    if (fds[i] >= 0 && !_spacetest_setns (fds[i], _spacetest_types[i], error))
      ok = FALSE;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    g_clear_fd (&fds[i], NULL);

  return ok;
}

static gpointer
probe_thread (gpointer user_data)
{
  ProbeData *data = user_data;

  probe (data->types, &data->error);
  return NULL;
}

/**
 * spacetest_check_can_create:
 * @types: a set of namespace types
 * @error: return location for a #GError
 *
 * Like spacetest_can_create(), but says why not.
 *
 * Returns: %TRUE if this process can create transient namespaces of
 *   @types, and enter and leave them, right now; %FALSE with @error set
 *   to the reason otherwise
 *
 * Since: 0.1
 */
gboolean
spacetest_check_can_create (SpacetestNamespaceType   types,
                            GError                 **error)
{
  ProbeData data = { 0, };
  GThread *thread;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (types == SPACETEST_NAMESPACE_TYPE_NONE)
    return TRUE;

  if ((types & ~SPACETEST_NAMESPACE_TYPE_ALL) != 0)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Unknown namespace type bits 0x%x"),
                   (guint) (types & ~SPACETEST_NAMESPACE_TYPE_ALL));
      return FALSE;
    }

  if (types & (SPACETEST_NAMESPACE_TYPE_USER | SPACETEST_NAMESPACE_TYPE_PID))
    {
      g_autofree char *desc = _spacetest_types_describe (
        types & (SPACETEST_NAMESPACE_TYPE_USER | SPACETEST_NAMESPACE_TYPE_PID));

      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED,
                   _("A multi-threaded process cannot create transient %s "
                     "namespaces for itself; use SpacetestSpacer"), desc);
      return FALSE;
    }

  /* Probe on a throw-away thread, so the caller is never touched. */
  data.types = types;
  thread = g_thread_try_new ("spacetest-probe", probe_thread, &data, error);
  if (thread == NULL)
    return FALSE;
  g_thread_join (thread);

  if (data.error != NULL)
    {
      g_propagate_error (error, data.error);
      return FALSE;
    }

  return TRUE;
}

/**
 * spacetest_can_create:
 * @types: a set of namespace types
 *
 * Whether this process can create transient namespaces of @types (and
 * enter and leave them) right now. The check creates throw-away
 * namespaces on a short-lived thread: it has no effect on the caller.
 * User and PID namespaces always give %FALSE: they need #SpacetestSpacer.
 *
 * Returns: %TRUE if it can
 *
 * Since: 0.1
 */
gboolean
spacetest_can_create (SpacetestNamespaceType types)
{
  return spacetest_check_can_create (types, NULL);
}

/* ---- unprivileged mode ---------------------------------------------- */

static gboolean
has_capability (int cap)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { { 0, } };

  if (syscall (SYS_capget, &header, caps) != 0)
    return FALSE;

  return (caps[cap / 32].effective & (1u << (cap % 32))) != 0;
}

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

  if (has_capability (CAP_SYS_ADMIN))
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
                     "has %u threads, and the kernel allows it only to a "
                     "single-threaded process (call "
                     "spacetest_init_user_namespace() before starting "
                     "threads)"), n_threads);
      return FALSE;
    }

  /* The kernel lets a process map uid 0 of its own user namespace into a
   * new one only if it had CAP_SETFCAP (Linux 5.12): a root process that
   * dropped its capabilities cannot use unprivileged mode. */
  if (uid == 0 && !has_capability (CAP_SETFCAP))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED,
                   _("Cannot create a user namespace for unprivileged tests: "
                     "the process has uid 0 but lacks CAP_SYS_ADMIN and "
                     "CAP_SETFCAP, and the kernel refuses to map uid 0 into "
                     "a new user namespace without CAP_SETFCAP (run as an "
                     "ordinary user, or keep the capabilities)"));
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
                     "tests: %s (unprivileged user namespaces may be "
                     "disabled by the kernel.unprivileged_userns_clone or "
                     "user.max_user_namespaces sysctls, by AppArmor's "
                     "apparmor_restrict_unprivileged_userns, by seccomp in "
                     "a container, or because the process is chrooted)"),
                   g_strerror (errsv));
      return FALSE;
    }

  /* The process is committed from here on: it is in the new namespaces
   * whatever happens next. */
  if (!_spacetest_write_id_maps (0, uid, gid, SPACETEST_ERROR_FAILED, error) ||
      !_spacetest_make_root_private (error) ||
      !spacetest_loopback_up (error))
    return FALSE;

  /* unshare() made the time namespace for children only: join it while
   * the process still has a single thread. */
  if (flags & CLONE_NEWTIME)
    {
      g_autofd int time_fd = _spacetest_open_new_ns (SPACETEST_NAMESPACE_TYPE_TIME,
                                                     error);

      if (time_fd < 0 ||
          !_spacetest_setns (time_fd, SPACETEST_NAMESPACE_TYPE_TIME, error))
        return FALSE;
    }

  record_base_mntns ();
  return TRUE;
}
