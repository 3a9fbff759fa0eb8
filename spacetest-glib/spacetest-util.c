/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-util.c: namespace types, the error domain, translations and
 * the small kernel helpers every other file uses */

#include "spacetest-private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>


/**
 * SECTION:spacetest-types
 * @title: Namespace types and errors
 * @short_description: The namespace type flags, the transient flags and
 *   the error domain
 *
 * #SpacetestNamespaceType names the eight kinds of Linux namespace; its
 * values are the kernel's `CLONE_NEW*` bits, so a set of types is an OR of
 * them. Functions that take a single type refuse zero or several bits with
 * %SPACETEST_ERROR_INVALID_ARGUMENT.
 *
 * Every error this library reports is in the %SPACETEST_ERROR domain and
 * says what was attempted, on which namespace type, and why the kernel
 * refused.
 */

G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_CGROUP == CLONE_NEWCGROUP);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_IPC == CLONE_NEWIPC);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_MNT == CLONE_NEWNS);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_NET == CLONE_NEWNET);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_PID == CLONE_NEWPID);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_USER == CLONE_NEWUSER);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_UTS == CLONE_NEWUTS);
#ifdef CLONE_NEWTIME
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_TIME == CLONE_NEWTIME);
#endif

const SpacetestNamespaceType _spacetest_types[SPACETEST_N_TYPES] = {
  SPACETEST_NAMESPACE_TYPE_CGROUP,
  SPACETEST_NAMESPACE_TYPE_IPC,
  SPACETEST_NAMESPACE_TYPE_MNT,
  SPACETEST_NAMESPACE_TYPE_NET,
  SPACETEST_NAMESPACE_TYPE_PID,
  SPACETEST_NAMESPACE_TYPE_TIME,
  SPACETEST_NAMESPACE_TYPE_USER,
  SPACETEST_NAMESPACE_TYPE_UTS,
};

static const char * const type_names[SPACETEST_N_TYPES] = {
  "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts",
};

/**
 * spacetest_error_quark:
 *
 * The error domain of spacetest-glib; use %SPACETEST_ERROR.
 *
 * Returns: the #GQuark of the domain
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (spacetest-error-quark, spacetest_error)

const char *
_spacetest_gettext (const char *msgid)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialised, 1);
    }

  return g_dgettext (GETTEXT_PACKAGE, msgid);
}

int
_spacetest_type_index (SpacetestNamespaceType type)
{
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (_spacetest_types[i] == type)
      return i;
  return -1;
}

gboolean
_spacetest_is_single_type (SpacetestNamespaceType type)
{
  return _spacetest_type_index (type) >= 0;
}

/**
 * spacetest_namespace_type_to_string:
 * @type: a single #SpacetestNamespaceType
 *
 * Gets the kernel's short name of a namespace type, as used in
 * `/proc/PID/ns/`.
 *
 * Returns: (nullable): "cgroup", "ipc", "mnt", "net", "pid", "time",
 *   "user" or "uts"; %NULL unless exactly one known bit is set
 *
 * Since: 0.1
 */
const char *
spacetest_namespace_type_to_string (SpacetestNamespaceType type)
{
  int i = _spacetest_type_index (type);

  return i < 0 ? NULL : type_names[i];
}

/**
 * spacetest_namespace_type_from_string:
 * @name: (nullable): a short namespace type name such as "net"
 *
 * The reverse of spacetest_namespace_type_to_string().
 *
 * Returns: the type, or %SPACETEST_NAMESPACE_TYPE_NONE for an unknown name
 *
 * Since: 0.1
 */
SpacetestNamespaceType
spacetest_namespace_type_from_string (const char *name)
{
  if (name == NULL)
    return SPACETEST_NAMESPACE_TYPE_NONE;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (strcmp (name, type_names[i]) == 0)
      return _spacetest_types[i];

  return SPACETEST_NAMESPACE_TYPE_NONE;
}

/* A human-readable, translatable name of one type, for messages. */
const char *
_spacetest_type_describe (SpacetestNamespaceType type)
{
  /* Translators: the names below are inserted into other messages, such
   * as "Cannot enter a %s" or "Invalid process id %d for a %s". */
  switch ((guint) type)
    {
    case SPACETEST_NAMESPACE_TYPE_CGROUP: return _("cgroup namespace");
    case SPACETEST_NAMESPACE_TYPE_IPC: return _("IPC namespace");
    case SPACETEST_NAMESPACE_TYPE_MNT: return _("mount namespace");
    case SPACETEST_NAMESPACE_TYPE_NET: return _("network namespace");
    case SPACETEST_NAMESPACE_TYPE_PID: return _("PID namespace");
    case SPACETEST_NAMESPACE_TYPE_TIME: return _("time namespace");
    case SPACETEST_NAMESPACE_TYPE_USER: return _("user namespace");
    case SPACETEST_NAMESPACE_TYPE_UTS: return _("UTS namespace");
    default: return _("namespace");
    }
}

/* "net+uts" style list of a set, or "none"; unknown bits as hex. */
char *
_spacetest_types_describe (SpacetestNamespaceType types)
{
  GString *s = g_string_new (NULL);
  guint rest = types;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (types & _spacetest_types[i])
      {
        if (s->len > 0)
          g_string_append_c (s, '+');
        g_string_append (s, type_names[i]);
        rest &= ~(guint) _spacetest_types[i];
      }

  if (rest != 0)
    g_string_append_printf (s, "%s0x%x", s->len > 0 ? "+" : "", rest);
  if (s->len == 0)
    g_string_append (s, "none");

  return g_string_free (s, FALSE);
}

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

void
_spacetest_set_error_from_errno (GError     **error,
                                 int          errsv,
                                 int          default_code,
                                 const char  *what)
{
  switch (errsv)
    {
    case EPERM:
    case EACCES:
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED,
                   /* Translators: the first %s says what was attempted,
                    * the second is the reason from the operating system. */
                   _("Cannot %s: %s (this needs CAP_SYS_ADMIN over the "
                     "namespaces involved: run as root, or call "
                     "spacetest_init_user_namespace() first thing in main(), "
                     "as spacetest_test_init() does, to work without "
                     "privileges)"),
                   what, g_strerror (errsv));
      break;

    case ENOSYS:
    case EOPNOTSUPP:
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED,
                   /* Translators: the first %s says what was attempted
                    * (an infinitive phrase such as "create a new network
                    * namespace", translated elsewhere), the second is the
                    * reason from the operating system. */
                   _("Cannot %s: %s (this kernel does not support it)"),
                   what, g_strerror (errsv));
      break;

    default:
      g_set_error (error, SPACETEST_ERROR, default_code,
                   /* Translators: the first %s says what was attempted
                    * (an infinitive phrase such as "create a new network
                    * namespace", translated elsewhere), the second is the
                    * reason from the operating system. */
                   _("Cannot %s: %s"), what, g_strerror (errsv));
      break;
    }
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
                   _("Cannot join a time namespace: %s (the kernel lets "
                     "only a single-threaded process join one: run code "
                     "that needs it in a child process that joins it "
                     "before starting threads)"),
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
                   "namespace: %s (/ is not a mount point, as in a chroot; "
                   "mounts would propagate to the host, so the mount "
                   "namespace is not used)"),
                 g_strerror (errsv));
  else
    _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                     _("make / recursively private in a new "
                                       "mount namespace"));
  return FALSE;
}
