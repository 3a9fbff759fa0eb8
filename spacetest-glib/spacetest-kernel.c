/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-kernel.c: the kernel primitives, free of GObject: opening,
 * checking and joining namespaces, the set-up of new ones, id maps, and
 * the record of the process's base mount namespace. The spacer helper
 * links this layer and the protocol, nothing of the object layer. */

#include "spacetest-kernel-private.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <linux/sockios.h>

/* The thread id, cached per thread: guards ask for it on every switch.
 * A forked child starts with its parent's cache, so fork() clears it. */
static __thread pid_t cached_tid;

static void
forget_tid (void)
{
  cached_tid = 0;
}

pid_t
_spacetest_gettid (void)
{
  static gsize atfork_set = 0;

  if (G_UNLIKELY (cached_tid == 0))
    {
      if (g_once_init_enter (&atfork_set))
        {
          pthread_atfork (NULL, NULL, forget_tid);
          g_once_init_leave (&atfork_set, 1);
        }
      cached_tid = (pid_t) syscall (SYS_gettid);
    }

  return cached_tid;
}

/* Opens the calling thread's namespace of one type: always through
 * /proc/thread-self, never /proc/self, which is the main thread's. A new
 * time namespace made by unshare() shows up as time_for_children. */
int
_spacetest_open_thread_ns (SpacetestNamespaceType   type,
                           GError                 **error)
{
  g_autofree char *path = NULL;
  int fd;

  path = g_strdup_printf ("/proc/thread-self/ns/%s",
                          spacetest_namespace_type_to_string (type));
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *what =
        g_strdup_printf (_("open the current %s (%s)"),
                         _spacetest_type_describe (type), path);

      _spacetest_set_error_from_errno (error, errsv,
                                       errsv == ENOENT
                                         ? SPACETEST_ERROR_NOT_SUPPORTED
                                         : SPACETEST_ERROR_FAILED,
                                       what);
    }

  return fd;
}

/* Opens the namespace of @type that the calling thread just made with
 * unshare(). A new time namespace is only for children: it is
 * time_for_children, while .../ns/time is still the old one. */
int
_spacetest_open_new_ns (SpacetestNamespaceType   type,
                        GError                 **error)
{
  int fd;

  if (type != SPACETEST_NAMESPACE_TYPE_TIME)
    return _spacetest_open_thread_ns (type, error);

  fd = open ("/proc/thread-self/ns/time_for_children",
             O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                     _("open the new time namespace"));
  return fd;
}

static gboolean
write_proc_file (const char  *dir,
                 const char  *name,
                 const char  *contents,
                 uid_t        uid,
                 int          default_code,
                 GError     **error)
{
  g_autofree char *path = g_strconcat (dir, "/", name, NULL);
  g_autofd int fd = open (path, O_WRONLY | O_CLOEXEC);
  gssize len = strlen (contents);

  if (fd < 0 || write (fd, contents, len) != len)
    {
      int errsv = errno;
      g_autofree char *what = g_strdup_printf (_("write '%s'"), path);

      if (errsv == EPERM && uid == 0)
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED,
                     _("Cannot %s: %s (mapping uid 0 into a new user "
                       "namespace needs CAP_SETFCAP)"),
                     what, g_strerror (errsv));
      else
        _spacetest_set_error_from_errno (error, errsv, default_code, what);
      return FALSE;
    }

  return TRUE;
}

/* Maps @uid and @gid to root in the new user namespace of process @pid
 * (0: the calling process): setgroups=deny first, which an unprivileged
 * gid_map needs. Errors other than refusals get @default_code. */
gboolean
_spacetest_write_id_maps (pid_t    pid,
                          uid_t    uid,
                          gid_t    gid,
                          int      default_code,
                          GError **error)
{
  g_autofree char *dir = pid > 0 ? g_strdup_printf ("/proc/%d", (int) pid)
                                 : g_strdup ("/proc/self");
  g_autofree char *uid_map = g_strdup_printf ("0 %u 1\n", (guint) uid);
  g_autofree char *gid_map = g_strdup_printf ("0 %u 1\n", (guint) gid);

  return write_proc_file (dir, "setgroups", "deny", uid, default_code, error) &&
         write_proc_file (dir, "uid_map", uid_map, uid, default_code, error) &&
         write_proc_file (dir, "gid_map", gid_map, uid, default_code, error);
}

/* Whether @fd refers to a namespace (nsfs), and which. */
gboolean
_spacetest_fd_is_ns (int                      fd,
                     SpacetestNamespaceType  *type,
                     guint64                 *dev,
                     guint64                 *ino,
                     int                     *errsv)
{
  struct statfs sfs;
  struct stat st;
  int nstype;

  *errsv = 0;

  if (fstatfs (fd, &sfs) != 0 || fstat (fd, &st) != 0)
    {
      *errsv = errno;
      return FALSE;
    }

  if (sfs.f_type != SPACETEST_NSFS_MAGIC)
    return FALSE;

  nstype = ioctl (fd, NS_GET_NSTYPE);
  if (nstype < 0)
    {
      *errsv = errno;
      return FALSE;
    }

  *type = (SpacetestNamespaceType) nstype;
  *dev = st.st_dev;
  *ino = st.st_ino;

  return _spacetest_is_single_type (*type);
}

gboolean
_spacetest_setns (int                      fd,
                  SpacetestNamespaceType   type,
                  GError                 **error)
{
  if (setns (fd, (int) type) == 0)
    return TRUE;

  int errsv = errno;

  if (type == SPACETEST_NAMESPACE_TYPE_TIME && errsv == EUSERS)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED,
                   _("Cannot join a time namespace: %s (only a "
                     "single-threaded process can join one)"),
                   g_strerror (errsv));
      return FALSE;
    }

  g_autofree char *what =
    g_strdup_printf (_("enter a %s"), _spacetest_type_describe (type));
  _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED, what);
  return FALSE;
}

/* In a new mount namespace, before anything else: stop mounts from
 * propagating back to the namespace it was copied from. */
gboolean
_spacetest_make_root_private (GError **error)
{
  if (mount ("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
    return TRUE;

  int errsv = errno;

  if (errsv == EINVAL)
    g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED,
                 _("Cannot make / recursively private in a new mount "
                   "namespace: %s (/ is not a mount point)"),
                 g_strerror (errsv));
  else
    _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                     _("make / recursively private in a new "
                                       "mount namespace"));
  return FALSE;
}

/* ---- the base mount namespace ---------------------------------------- */

/* The process's base mount namespace, where _spacetest_mount_sysfs()
 * refuses to work: the one it was in when the library first moved a
 * thread (or was asked to mount), or the one
 * spacetest_init_user_namespace() moved it to. Recorded lazily, from the
 * main thread's view (/proc/self), which the library never moves before
 * recording it. */
static gsize base_mntns_recorded;
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

void
_spacetest_note_base_mntns (void)
{
  if (g_once_init_enter (&base_mntns_recorded))
    {
      record_base_mntns ();
      g_once_init_leave (&base_mntns_recorded, 1);
    }
}

void
_spacetest_set_base_mntns (void)
{
  _spacetest_note_base_mntns ();
  record_base_mntns ();
}

gboolean
_spacetest_has_capability (int cap)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { { 0, } };

  if (syscall (SYS_capget, &header, caps) != 0)
    return FALSE;

  return (caps[cap / 32].effective & (1u << (cap % 32))) != 0;
}

/* ---- setting up new namespaces --------------------------------------- */

/* With @net_fd, also gives a descriptor of the network namespace, taken
 * from the socket (-1 where the kernel does not say): cheaper than
 * opening /proc/thread-self/ns/net, which makes the namespace's file
 * anew for a namespace that nobody opened yet. */
gboolean
_spacetest_loopback_up (int     *net_fd,
                        GError **error)
{
  g_autofd int sock = -1;
  struct ifreq ifr = { 0, };

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

  if (!(ifr.ifr_flags & IFF_UP))
    {
      ifr.ifr_flags |= IFF_UP;
      if (ioctl (sock, SIOCSIFFLAGS, &ifr) != 0)
        {
          _spacetest_set_error_from_errno (error, errno,
                                           SPACETEST_ERROR_FAILED,
                                           _("set 'lo' up in a network "
                                             "namespace"));
          return FALSE;
        }
    }

  if (net_fd != NULL)
    *net_fd = ioctl (sock, SIOCGSKNS);
  return TRUE;
}

#define SYSFS_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Mounting is refused in the process's base mount namespace, where it
 * would change the host's view. */
static gboolean
check_not_base_mntns (const char  *path,
                      GError     **error)
{
  struct stat st;

  _spacetest_note_base_mntns ();

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
                   _("Refusing to mount on %s in the process's initial "
                     "mount namespace"),
                   path);
      return FALSE;
    }

  return TRUE;
}

gboolean
_spacetest_mount_sysfs (GError **error)
{
  int errsv;

  if (!check_not_base_mntns ("/sys", error))
    return FALSE;

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

/* Sets @error from @errsv for what was attempted, given by @format (an
 * infinitive phrase, translated) and its arguments. */
static void G_GNUC_PRINTF (3, 4)
set_error_for (GError     **error,
               int          errsv,
               const char  *format,
               ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                   what);
}

/* The existing file system object @path, which must be a directory
 * (@want_dir) or anything else; NOT_FOUND when it does not exist. */
static gboolean
stat_mount_point (const char   *path,
                  gboolean      want_dir,
                  struct stat  *st,
                  GError      **error)
{
  if (stat (path, st) != 0)
    {
      set_error_for (error, errno, _("find the mount point '%s'"), path);
      return FALSE;
    }

  if (want_dir != !!S_ISDIR (st->st_mode))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   want_dir ? _("Cannot mount a tmpfs on '%s': not a "
                                "directory")
                            : _("Cannot mount a file over '%s': it is a "
                                "directory"),
                   path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

/* A file of its own, in a detached tmpfs that no path reaches, cloned
 * read-only onto @path: nothing is ever written to the host's file
 * systems, and the tmpfs goes away with the mount. */
gboolean
_spacetest_mount_file (const char   *path,
                       const char   *contents,
                       gsize         length,
                       GError      **error)
{
  g_autofd int fs_fd = -1;
  g_autofd int mnt_fd = -1;
  g_autofd int file_fd = -1;
  g_autofd int tree_fd = -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY, };
  struct stat st;
  const char *step;

  if (!check_not_base_mntns (path, error) ||
      !stat_mount_point (path, FALSE, &st, error))
    return FALSE;

  step = "fsopen";
  fs_fd = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fs_fd < 0)
    goto failed;
  step = "fsconfig";
  if (fsconfig (fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0)
    goto failed;
  step = "fsmount";
  mnt_fd = fsmount (fs_fd, FSMOUNT_CLOEXEC,
                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                    MOUNT_ATTR_NOEXEC);
  if (mnt_fd < 0)
    goto failed;

  step = "write";
  file_fd = openat (mnt_fd, "file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                    st.st_mode & 0777);
  if (file_fd < 0 || !write_all (file_fd, contents, length) ||
      fchmod (file_fd, st.st_mode & 0777) != 0)
    goto failed;

  step = "open_tree";
  tree_fd = open_tree (mnt_fd, "file", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree_fd < 0)
    goto failed;
  step = "mount_setattr";
  if (mount_setattr (tree_fd, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    goto failed;
  step = "move_mount";
  if (move_mount (tree_fd, "", AT_FDCWD, path,
                  MOVE_MOUNT_F_EMPTY_PATH) != 0)
    goto failed;

  return TRUE;

failed:
  set_error_for (error, errno, _("mount a file over '%s' (%s)"), path, step);
  return FALSE;
}

gboolean
_spacetest_mount_tmpfs (const char  *path,
                        GError     **error)
{
  g_autofree char *options = NULL;
  struct stat st;

  if (!check_not_base_mntns (path, error) ||
      !stat_mount_point (path, TRUE, &st, error))
    return FALSE;

  /* the directory's own mode: 1777 for /tmp */
  options = g_strdup_printf ("mode=%o", (guint) (st.st_mode & 07777));
  if (mount ("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options) == 0)
    return TRUE;

  set_error_for (error, errno, _("mount a tmpfs on '%s'"), path);
  return FALSE;
}

/* PID 1 of a new PID namespace: its own /proc, or /proc shows the parent
 * namespace's processes (after / is private, or it would replace the
 * host's). */
static gboolean
mount_proc (GError **error)
{
  if (mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
             NULL) == 0)
    return TRUE;

  _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                   _("mount a new /proc"));
  return FALSE;
}

gboolean
_spacetest_setup_new_namespaces (SpacetestNamespaceType   types,
                                 guint                    flags,
                                 int                     *net_fd,
                                 GError                 **error)
{
  if (net_fd != NULL)
    *net_fd = -1;

  if (types & SPACETEST_NAMESPACE_TYPE_MNT)
    {
      /* before anything else: no mount may propagate back */
      if (!_spacetest_make_root_private (error))
        return FALSE;
      if ((flags & SPACETEST_SETUP_MOUNT_PROC) && !mount_proc (error))
        return FALSE;
      if ((flags & SPACETEST_TRANSIENT_MOUNT_SYSFS) &&
          !_spacetest_mount_sysfs (error))
        return FALSE;
    }

  /* (the test LAN needs lo up too) */
  if ((types & SPACETEST_NAMESPACE_TYPE_NET) &&
      (flags & (SPACETEST_TRANSIENT_LOOPBACK_UP |
                SPACETEST_TRANSIENT_ETHERNET)) &&
      !_spacetest_loopback_up (net_fd, error))
    return FALSE;

  return TRUE;
}

/* ---- throw-away and new threads ------------------------------------- */

typedef struct
{
  _SpacetestSetupFunc setup;
  gpointer setup_data;
  GThreadFunc then;
  gpointer then_data;
  GMutex lock;
  GCond cond;
  gboolean done;
  gboolean ok;
  GError *error;
} ThreadStart;

static gpointer
thread_start_main (gpointer user_data)
{
  ThreadStart *start = user_data;
  GThreadFunc then = start->then;
  gpointer then_data = start->then_data;
  gboolean ok;

  ok = start->setup (start->setup_data, &start->error);

  g_mutex_lock (&start->lock);
  start->ok = ok;
  start->done = TRUE;
  g_cond_signal (&start->cond);
  g_mutex_unlock (&start->lock);
  /* From here on @start belongs to the creator again. */

  return ok && then != NULL ? then (then_data) : NULL;
}

GThread *
_spacetest_thread_start (const char           *name,
                         _SpacetestSetupFunc   setup,
                         gpointer              setup_data,
                         GThreadFunc           then,
                         gpointer              then_data,
                         GError              **error)
{
  ThreadStart start = { 0, };
  GThread *thread;

  start.setup = setup;
  start.setup_data = setup_data;
  start.then = then;
  start.then_data = then_data;
  g_mutex_init (&start.lock);
  g_cond_init (&start.cond);

  thread = g_thread_try_new (name, thread_start_main, &start, error);
  if (thread != NULL)
    {
      g_mutex_lock (&start.lock);
      while (!start.done)
        g_cond_wait (&start.cond, &start.lock);
      g_mutex_unlock (&start.lock);

      if (!start.ok)
        {
          g_thread_join (thread);
          thread = NULL;
          g_propagate_error (error, start.error);
        }
    }

  g_mutex_clear (&start.lock);
  g_cond_clear (&start.cond);
  return thread;
}

gboolean
_spacetest_run_on_new_thread (const char           *name,
                              _SpacetestSetupFunc   func,
                              gpointer              data,
                              GError              **error)
{
  GThread *thread = _spacetest_thread_start (name, func, data, NULL, NULL,
                                             error);

  if (thread == NULL)
    return FALSE;

  g_thread_join (thread);
  return TRUE;
}
