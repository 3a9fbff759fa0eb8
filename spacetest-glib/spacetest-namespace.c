/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-namespace.c: SpacetestNamespace, a reference to one namespace */

#include "spacetest-namespace-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/nsfs.h>

/**
 * SECTION:spacetest-namespace
 * @title: SpacetestNamespace
 * @short_description: A reference to one Linux namespace
 *
 * A #SpacetestNamespace holds one Linux namespace alive through an owned
 * `O_CLOEXEC` file descriptor, closed when the last reference goes away.
 * It can refer to the calling thread's current namespace, to any process's,
 * to an nsfs file descriptor or path, or to a new transient namespace:
 *
 * |[<!-- language="C" -->
 * g_autoptr(GError) error = NULL;
 * g_autoptr(SpacetestNamespace) netns =
 *   spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
 *                                      SPACETEST_TRANSIENT_LOOPBACK_UP,
 *                                      &error);
 * g_assert_no_error (error);
 * g_assert_false (spacetest_namespace_is_current (netns));
 * ]|
 *
 * Two objects are equal when they refer to the same namespace (device and
 * inode), so spacetest_namespace_hash() and spacetest_namespace_equal()
 * can key a #GHashTable.
 */

/**
 * SpacetestNamespace:
 *
 * A reference to one Linux namespace. All its fields are private.
 *
 * Since: 0.1
 */
struct _SpacetestNamespace
{
  GObject parent_instance;

  int fd;
  SpacetestNamespaceType type;
  guint64 dev;
  guint64 ino;
  gboolean initialized;   /* fd refers to a namespace of type */

  /* A transient mount namespace is kept readable from outside by an idle
   * thread that lives in it; its root is /proc/PID/task/TID/root. */
  GThread *keeper;
  GMutex keeper_lock;
  GCond keeper_cond;
  gboolean keeper_quit;
  char *root_path;
};

static void initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpacetestNamespace, spacetest_namespace,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      initable_iface_init))

enum {
  PROP_0,
  PROP_FD,
  PROP_NAMESPACE_TYPE,
  PROP_INODE,
  PROP_ROOT_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
spacetest_namespace_finalize (GObject *object)
{
  SpacetestNamespace *self = SPACETEST_NAMESPACE (object);

  if (self->keeper != NULL)
    {
      g_mutex_lock (&self->keeper_lock);
      self->keeper_quit = TRUE;
      g_cond_signal (&self->keeper_cond);
      g_mutex_unlock (&self->keeper_lock);
      g_thread_join (g_steal_pointer (&self->keeper));
    }

  g_mutex_clear (&self->keeper_lock);
  g_cond_clear (&self->keeper_cond);
  g_clear_pointer (&self->root_path, g_free);
  g_clear_fd (&self->fd, NULL);

  G_OBJECT_CLASS (spacetest_namespace_parent_class)->finalize (object);
}

static void
spacetest_namespace_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SpacetestNamespace *self = SPACETEST_NAMESPACE (object);

  switch (prop_id)
    {
    case PROP_NAMESPACE_TYPE:
      g_value_set_flags (value, self->type);
      break;
    case PROP_INODE:
      g_value_set_uint64 (value, self->ino);
      break;
    case PROP_ROOT_PATH:
      g_value_set_string (value, self->root_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spacetest_namespace_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SpacetestNamespace *self = SPACETEST_NAMESPACE (object);

  switch (prop_id)
    {
    case PROP_FD:
      self->fd = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spacetest_namespace_class_init (SpacetestNamespaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = spacetest_namespace_finalize;
  object_class->get_property = spacetest_namespace_get_property;
  object_class->set_property = spacetest_namespace_set_property;

  /**
   * SpacetestNamespace:fd:
   *
   * A file descriptor of a namespace, which the object takes ownership
   * of, for g_initable_new(); the spacetest_namespace_new…() functions
   * are the usual way to make one. An object made without it, or whose
   * g_initable_init() failed, refers to no namespace: every call that
   * needs one fails with %SPACETEST_ERROR_INVALID_ARGUMENT.
   *
   * Since: 0.1
   */
  properties[PROP_FD] =
    g_param_spec_int ("fd", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * SpacetestNamespace:namespace-type:
   *
   * The type of the namespace (exactly one bit).
   *
   * Since: 0.1
   */
  properties[PROP_NAMESPACE_TYPE] =
    g_param_spec_flags ("namespace-type", NULL, NULL,
                        SPACETEST_TYPE_NAMESPACE_TYPE,
                        SPACETEST_NAMESPACE_TYPE_NONE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                        G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SpacetestNamespace:inode:
   *
   * The nsfs inode number identifying the namespace.
   *
   * Since: 0.1
   */
  properties[PROP_INODE] =
    g_param_spec_uint64 ("inode", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SpacetestNamespace:root-path:
   *
   * For a transient mount namespace, a path through which its file system
   * can be read from outside; %NULL otherwise.
   *
   * Since: 0.1
   */
  properties[PROP_ROOT_PATH] =
    g_param_spec_string ("root-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
spacetest_namespace_init (SpacetestNamespace *self)
{
  self->fd = -1;
  g_mutex_init (&self->keeper_lock);
  g_cond_init (&self->keeper_cond);
}

/* Checks that the object's fd refers to a namespace and records which;
 * messages call the fd @shown_fd, the number the caller knows it by. */
static gboolean
namespace_check_fd (SpacetestNamespace  *self,
                    int                  shown_fd,
                    GError             **error)
{
  int errsv = 0;

  if (self->fd < 0)
    {
      g_set_error_literal (error, SPACETEST_ERROR,
                           SPACETEST_ERROR_INVALID_ARGUMENT,
                           _("A SpacetestNamespace needs the file descriptor "
                             "of a namespace (its fd property)"));
      return FALSE;
    }

  if (!_spacetest_fd_is_ns (self->fd, &self->type, &self->dev, &self->ino,
                            &errsv))
    {
      self->type = SPACETEST_NAMESPACE_TYPE_NONE;
      if (errsv != 0)
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE,
                     _("File descriptor %d does not refer to a namespace: %s"),
                     shown_fd, g_strerror (errsv));
      else
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE,
                     _("File descriptor %d does not refer to a namespace "
                       "(not an nsfs file)"), shown_fd);
      return FALSE;
    }

  self->initialized = TRUE;
  return TRUE;
}

static gboolean
spacetest_namespace_initable_init (GInitable     *initable,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  SpacetestNamespace *self = SPACETEST_NAMESPACE (initable);

  if (self->initialized)
    return TRUE;
  return namespace_check_fd (self, self->fd, error);
}

static void
initable_iface_init (GInitableIface *iface)
{
  iface->init = spacetest_namespace_initable_init;
}

/* The one constructor: takes ownership of @fd (closed on error too). */
static SpacetestNamespace *
namespace_new_take_fd (int       fd,
                       int       shown_fd,
                       GError  **error)
{
  g_autoptr(SpacetestNamespace) self =
    g_object_new (SPACETEST_TYPE_NAMESPACE, "fd", fd, NULL);

  if (!namespace_check_fd (self, shown_fd, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* Fails unless @self refers to a namespace: an object made with
 * g_object_new() and no fd, or whose initialisation failed, does not. */
gboolean
_spacetest_namespace_check_usable (SpacetestNamespace  *self,
                                   GError             **error)
{
  if (self->initialized)
    return TRUE;

  g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                       _("The SpacetestNamespace holds no namespace (it "
                         "was not initialised)"));
  return FALSE;
}

/* Takes ownership of @fd (closed on error too). */
SpacetestNamespace *
_spacetest_namespace_new_take_fd (int       fd,
                                  GError  **error)
{
  return namespace_new_take_fd (fd, fd, error);
}

/* A namespace of a known @type from a descriptor that the kernel gave for
 * one (taken; closed on error too), on the hot path of
 * spacetest_enter_transient(): it needs no check that it is a namespace
 * of that type. */
SpacetestNamespace *
_spacetest_namespace_new_trusted (SpacetestNamespaceType   type,
                                  int                      fd,
                                  GError                 **error)
{
  SpacetestNamespace *self;
  struct stat st;

  if (fstat (fd, &st) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("identify a new namespace"));
      close (fd);
      return NULL;
    }

  self = g_object_new (SPACETEST_TYPE_NAMESPACE, "fd", fd, NULL);
  self->type = type;
  self->dev = st.st_dev;
  self->ino = st.st_ino;
  self->initialized = TRUE;
  return self;
}

/* The calling thread's namespace of a known @type: what
 * /proc/thread-self/ns/ holds is one. */
SpacetestNamespace *
_spacetest_namespace_new_current_trusted (SpacetestNamespaceType   type,
                                          GError                 **error)
{
  int fd = _spacetest_open_thread_ns (type, error);

  return fd < 0 ? NULL : _spacetest_namespace_new_trusted (type, fd, error);
}

guint64
_spacetest_namespace_get_device (SpacetestNamespace *self)
{
  return self->dev;
}

/**
 * spacetest_namespace_new_current:
 * @type: a single #SpacetestNamespaceType
 * @error: return location for a #GError
 *
 * Gets the calling thread's current namespace of @type (through
 * `/proc/thread-self/ns/`, so it is this thread's, not the main thread's).
 *
 * Returns: (transfer full): the namespace, or %NULL with @error set
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_namespace_new_current (SpacetestNamespaceType   type,
                                 GError                 **error)
{
  int fd;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_check_types (type, SPACETEST_NAMESPACE_TYPE_ALL, TRUE,
                               "spacetest_namespace_new_current()", error))
    return NULL;

  fd = _spacetest_open_thread_ns (type, error);
  if (fd < 0)
    return NULL;

  return _spacetest_namespace_new_take_fd (fd, error);
}

/**
 * spacetest_namespace_new_for_fd:
 * @fd: a file descriptor referring to a namespace (an nsfs file)
 * @error: return location for a #GError
 *
 * Makes a namespace object from a duplicate of @fd; the caller keeps its
 * own descriptor.
 *
 * Returns: (transfer full): the namespace, or %NULL with @error set:
 *   %SPACETEST_ERROR_INVALID_ARGUMENT for a negative @fd,
 *   %SPACETEST_ERROR_NOT_A_NAMESPACE if @fd is not an nsfs file
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_namespace_new_for_fd (int      fd,
                                GError **error)
{
  struct statfs sfs;
  int dup;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fd < 0)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Invalid file descriptor %d for a namespace"), fd);
      return NULL;
    }

  dup = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  if (dup < 0)
    {
      int errsv = errno;

      g_set_error (error, SPACETEST_ERROR,
                   errsv == EBADF ? SPACETEST_ERROR_NOT_A_NAMESPACE
                                  : SPACETEST_ERROR_FAILED,
                   _("Cannot duplicate file descriptor %d of a namespace: %s"),
                   fd, g_strerror (errsv));
      return NULL;
    }

  /* The nsfs ioctls refuse O_PATH descriptors (EBADF): say so. */
  if ((fcntl (dup, F_GETFL) & O_PATH) && fstatfs (dup, &sfs) == 0 &&
      sfs.f_type == SPACETEST_NSFS_MAGIC)
    {
      close (dup);
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE,
                   _("File descriptor %d refers to a namespace but was "
                     "opened with O_PATH, which namespace operations "
                     "refuse"),
                   fd);
      return NULL;
    }

  /* Errors are about the caller's descriptor, not about our copy. */
  return namespace_new_take_fd (dup, fd, error);
}

/* The error code for failing to open a namespace's path: a path that
 * names nothing is not a namespace, a refusal is one, and a lack of
 * resources (EMFILE, ENOMEM) is a plain failure. */
static int
path_error_code (int errsv)
{
  switch (errsv)
    {
    case EACCES:
    case EPERM:
      return SPACETEST_ERROR_PERMISSION_DENIED;
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case ENXIO:
      return SPACETEST_ERROR_NOT_A_NAMESPACE;
    default:
      return SPACETEST_ERROR_FAILED;
    }
}

/* Opens @path without side effects on whatever it is (no blocking on a
 * FIFO, no opening of a device): O_PATH first, reopened only once it is
 * known to be an nsfs file. */
static int
open_ns_path (const char  *path,
              const char  *what,
              GError     **error)
{
  g_autofd int pfd = -1;
  g_autofree char *proc_path = NULL;
  SpacetestNamespaceType type;
  guint64 dev, ino;
  int errsv, fd;

  pfd = open (path, O_PATH | O_CLOEXEC);
  if (pfd < 0)
    {
      errsv = errno;
      if (errsv == EACCES || errsv == EPERM)
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED,
                     _("Cannot open %s '%s': %s (a process's namespaces can be "
                       "opened by its owner or by root)"),
                     what, path, g_strerror (errsv));
      else
        g_set_error (error, SPACETEST_ERROR, path_error_code (errsv),
                     _("Cannot open %s '%s': %s"),
                     what, path, g_strerror (errsv));
      return -1;
    }

  /* fstatfs() works on O_PATH descriptors; the nstype ioctl does not. */
  struct statfs sfs;
  if (fstatfs (pfd, &sfs) != 0 || sfs.f_type != SPACETEST_NSFS_MAGIC)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE,
                   _("'%s' is not a namespace (not an nsfs file)"), path);
      return -1;
    }

  proc_path = g_strdup_printf ("/proc/self/fd/%d", pfd);
  fd = open (proc_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      errsv = errno;
      g_set_error (error, SPACETEST_ERROR, path_error_code (errsv),
                   _("Cannot open %s '%s': %s"), what, path,
                   g_strerror (errsv));
      return -1;
    }

  if (!_spacetest_fd_is_ns (fd, &type, &dev, &ino, &errsv))
    {
      close (fd);
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE,
                   _("'%s' is not a namespace (not an nsfs file)"), path);
      return -1;
    }

  return fd;
}

/**
 * spacetest_namespace_new_for_path:
 * @path: (type filename): a path to a namespace, such as
 *   `/proc/PID/ns/net` or a bind mount of one
 * @error: return location for a #GError
 *
 * Opens a namespace by path. Nothing but nsfs files is opened for
 * reading, so a wrong path has no side effects.
 *
 * Returns: (transfer full): the namespace, or %NULL with @error set
 *   (%SPACETEST_ERROR_NOT_A_NAMESPACE for a missing path or one that is
 *   not a namespace)
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_namespace_new_for_path (const char  *path,
                                  GError     **error)
{
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = open_ns_path (path, _("namespace"), error);
  if (fd < 0)
    return NULL;

  return _spacetest_namespace_new_take_fd (fd, error);
}

/**
 * spacetest_namespace_new_for_pid:
 * @pid: a process id
 * @type: a single #SpacetestNamespaceType
 * @error: return location for a #GError
 *
 * Gets the namespace of @type that process @pid (its main thread) is in.
 *
 * Returns: (transfer full): the namespace, or %NULL with @error set
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_namespace_new_for_pid (GPid                     pid,
                                 SpacetestNamespaceType   type,
                                 GError                 **error)
{
  g_autofree char *path = NULL;
  g_autofree char *what = NULL;
  int fd;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_check_types (type, SPACETEST_NAMESPACE_TYPE_ALL, TRUE,
                               "spacetest_namespace_new_for_pid()", error))
    return NULL;

  if (pid <= 0)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Invalid process id %d for a %s"), (int) pid,
                   _spacetest_type_describe (type));
      return NULL;
    }

  path = g_strdup_printf ("/proc/%d/ns/%s", (int) pid,
                          spacetest_namespace_type_to_string (type));
  what = g_strdup_printf (_("the %s of process %d"),
                          _spacetest_type_describe (type), (int) pid);
  fd = open_ns_path (path, what, error);
  if (fd < 0)
    return NULL;

  return _spacetest_namespace_new_take_fd (fd, error);
}

/* ---- transient namespaces ------------------------------------------- */

typedef struct
{
  SpacetestNamespaceType type;
  SpacetestTransientFlags flags;
  int fd;
  pid_t tid;
} TransientData;

/* On the new thread: creates the namespace and opens it. */
static gboolean
transient_create (gpointer   user_data,
                  GError   **error)
{
  TransientData *data = user_data;

  data->tid = _spacetest_gettid ();

  if (unshare ((int) data->type) != 0)
    {
      int errsv = errno;
      g_autofree char *what =
        g_strdup_printf (_("create a new %s"),
                         _spacetest_type_describe (data->type));

      _spacetest_set_error_from_errno (error, errsv,
                                       errsv == EINVAL
                                         ? SPACETEST_ERROR_NOT_SUPPORTED
                                         : SPACETEST_ERROR_FAILED,
                                       what);
      return FALSE;
    }

  if (!_spacetest_setup_new_namespaces (data->type, data->flags, &data->fd,
                                        error))
    return FALSE;

  if (data->fd < 0)
    data->fd = _spacetest_open_new_ns (data->type, error);
  return data->fd >= 0;
}

/* A kept mount namespace's thread, from then on: it waits in the
 * namespace until the object is finalized. */
static gpointer
keep_mount_namespace (gpointer user_data)
{
  SpacetestNamespace *ns = user_data;

  g_mutex_lock (&ns->keeper_lock);
  while (!ns->keeper_quit)
    g_cond_wait (&ns->keeper_cond, &ns->keeper_lock);
  g_mutex_unlock (&ns->keeper_lock);

  return NULL;
}

/* spacetest_namespace_new_transient() without the test LAN, which lies
 * above this layer (spacetest-enter.c). */
SpacetestNamespace *
_spacetest_namespace_new_transient (SpacetestNamespaceType    type,
                                    SpacetestTransientFlags   flags,
                                    GError                  **error)
{
  g_autoptr(SpacetestNamespace) kept = NULL;
  TransientData data = { type, flags, -1, 0 };
  GThread *thread;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_check_types (type, SPACETEST_NAMESPACE_TYPE_ALL, TRUE,
                               "spacetest_namespace_new_transient()", error))
    return NULL;

  if (type == SPACETEST_NAMESPACE_TYPE_USER ||
      type == SPACETEST_NAMESPACE_TYPE_PID)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("spacetest_namespace_new_transient() cannot create a "
                     "%s; SpacetestSpacer creates them"),
                   _spacetest_type_describe (type));
      return NULL;
    }

  if (!_spacetest_check_transient_flags (flags, error))
    return NULL;

  /* On a short-lived thread, so that the caller never moves. */
  if (type != SPACETEST_NAMESPACE_TYPE_MNT)
    {
      if (!_spacetest_run_on_new_thread ("spacetest-transient",
                                         transient_create, &data, error))
        return NULL;
      return _spacetest_namespace_new_take_fd (data.fd, error);
    }

  /* A mount namespace is kept readable from outside by its thread, which
   * stays in it until finalize. */
  kept = g_object_new (SPACETEST_TYPE_NAMESPACE, NULL);
  thread = _spacetest_thread_start ("spacetest-transient", transient_create,
                                    &data, keep_mount_namespace, kept,
                                    error);
  if (thread == NULL)
    return NULL;

  kept->keeper = thread;
  kept->root_path = g_strdup_printf ("/proc/%d/task/%d/root",
                                     (int) getpid (), (int) data.tid);
  kept->fd = data.fd;
  if (!namespace_check_fd (kept, data.fd, error))
    return NULL;

  return g_steal_pointer (&kept);
}

/**
 * spacetest_namespace_get_fd:
 * @self: a #SpacetestNamespace
 *
 * Gets the file descriptor that holds the namespace; it stays owned by
 * @self (see spacetest_namespace_dup_fd()).
 *
 * Returns: a borrowed file descriptor
 *
 * Since: 0.1
 */
int
spacetest_namespace_get_fd (SpacetestNamespace *self)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), -1);

  return self->fd;
}

/**
 * spacetest_namespace_dup_fd:
 * @self: a #SpacetestNamespace
 * @error: return location for a #GError
 *
 * Duplicates the namespace's file descriptor (with `O_CLOEXEC`).
 *
 * Returns: a new file descriptor owned by the caller, or -1 with @error set
 *
 * Since: 0.1
 */
int
spacetest_namespace_dup_fd (SpacetestNamespace  *self,
                            GError             **error)
{
  int fd;

  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!_spacetest_namespace_check_usable (self, error))
    return -1;

  fd = fcntl (self->fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *what =
        g_strdup_printf (_("duplicate the file descriptor of a %s"),
                         _spacetest_type_describe (self->type));

      _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                       what);
    }

  return fd;
}

/**
 * spacetest_namespace_get_namespace_type:
 * @self: a #SpacetestNamespace
 *
 * Gets the type of the namespace.
 *
 * Returns: exactly one #SpacetestNamespaceType bit
 *
 * Since: 0.1
 */
SpacetestNamespaceType
spacetest_namespace_get_namespace_type (SpacetestNamespace *self)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self),
                        SPACETEST_NAMESPACE_TYPE_NONE);

  return self->type;
}

/**
 * spacetest_namespace_get_inode:
 * @self: a #SpacetestNamespace
 *
 * Gets the nsfs inode number of the namespace: the number shown by
 * `readlink /proc/PID/ns/TYPE`.
 *
 * Returns: the inode number
 *
 * Since: 0.1
 */
guint64
spacetest_namespace_get_inode (SpacetestNamespace *self)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), 0);

  return self->ino;
}

/**
 * spacetest_namespace_equal:
 * @a: (type SpacetestNamespace): a #SpacetestNamespace
 * @b: (type SpacetestNamespace): another #SpacetestNamespace
 *
 * Whether @a and @b refer to the same namespace (same device and inode).
 * Suitable as a #GEqualFunc.
 *
 * Returns: %TRUE if they are the same namespace
 *
 * Since: 0.1
 */
gboolean
spacetest_namespace_equal (SpacetestNamespace *a,
                           SpacetestNamespace *b)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (a), FALSE);
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (b), FALSE);

  return a->dev == b->dev && a->ino == b->ino;
}

/**
 * spacetest_namespace_hash:
 * @self: (type SpacetestNamespace): a #SpacetestNamespace
 *
 * A hash of the namespace's identity, consistent with
 * spacetest_namespace_equal(). Suitable as a #GHashFunc.
 *
 * Returns: the hash value
 *
 * Since: 0.1
 */
guint
spacetest_namespace_hash (SpacetestNamespace *self)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), 0);

  return (guint) (self->ino ^ (self->ino >> 32) ^ (self->dev * 31));
}

/**
 * spacetest_namespace_is_current:
 * @self: a #SpacetestNamespace
 *
 * Whether the calling thread is attached to this namespace (for a time or
 * PID namespace: the one the thread itself is in, not the one its children
 * will be in).
 *
 * Returns: %TRUE if the calling thread is in @self
 *
 * Since: 0.1
 */
gboolean
spacetest_namespace_is_current (SpacetestNamespace *self)
{
  g_autofree char *path = NULL;
  struct stat st;

  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), FALSE);

  path = g_strdup_printf ("/proc/thread-self/ns/%s",
                          spacetest_namespace_type_to_string (self->type));
  if (stat (path, &st) != 0)
    return FALSE;

  return st.st_dev == self->dev && st.st_ino == self->ino;
}

/**
 * spacetest_namespace_get_root_path:
 * @self: a #SpacetestNamespace
 *
 * For a mount namespace made by spacetest_namespace_new_transient(): a
 * path (of the form `/proc/PID/task/TID/root`) through which the
 * namespace's file system can be read and written from outside, valid for
 * as long as @self lives.
 *
 * Returns: (nullable) (type filename): the path, or %NULL for any other
 *   namespace
 *
 * Since: 0.1
 */
const char *
spacetest_namespace_get_root_path (SpacetestNamespace *self)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), NULL);

  return self->root_path;
}

static SpacetestNamespace *
ns_ioctl (SpacetestNamespace  *self,
          unsigned long        request,
          const char          *what,
          GError             **error)
{
  int fd = ioctl (self->fd, request);

  if (fd < 0)
    {
      int errsv = errno;

      if (errsv == EPERM)
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED,
                     _("Cannot get the %s of a %s: %s (it lies outside the "
                       "caller's user namespace)"),
                     what, _spacetest_type_describe (self->type),
                     g_strerror (errsv));
      else if (errsv == EINVAL)
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                     _("Cannot get the %s of a %s: %s (only user and PID "
                       "namespaces have parents)"),
                     what, _spacetest_type_describe (self->type),
                     g_strerror (errsv));
      else
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                     _("Cannot get the %s of a %s: %s"),
                     what, _spacetest_type_describe (self->type),
                     g_strerror (errsv));
      return NULL;
    }

  return _spacetest_namespace_new_take_fd (fd, error);
}

/**
 * spacetest_namespace_get_owner:
 * @self: a #SpacetestNamespace
 * @error: return location for a #GError
 *
 * Gets the user namespace that owns @self (`NS_GET_USERNS`); for a user
 * namespace that is its parent.
 *
 * Returns: (transfer full): the owning user namespace, or %NULL with
 *   @error set (%SPACETEST_ERROR_PERMISSION_DENIED when it lies outside the
 *   caller's user namespace)
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_namespace_get_owner (SpacetestNamespace  *self,
                               GError             **error)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_namespace_check_usable (self, error))
    return NULL;

  return ns_ioctl (self, NS_GET_USERNS, _("owning user namespace"), error);
}

/**
 * spacetest_namespace_get_parent:
 * @self: a #SpacetestNamespace of type %SPACETEST_NAMESPACE_TYPE_USER or
 *   %SPACETEST_NAMESPACE_TYPE_PID
 * @error: return location for a #GError
 *
 * Gets the parent of a hierarchical namespace (`NS_GET_PARENT`).
 *
 * Returns: (transfer full): the parent namespace, or %NULL with @error
 *   set: %SPACETEST_ERROR_INVALID_ARGUMENT for other types,
 *   %SPACETEST_ERROR_PERMISSION_DENIED when the parent lies outside the
 *   caller's namespaces
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_namespace_get_parent (SpacetestNamespace  *self,
                                GError             **error)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_namespace_check_usable (self, error))
    return NULL;

  if (self->type != SPACETEST_NAMESPACE_TYPE_USER &&
      self->type != SPACETEST_NAMESPACE_TYPE_PID)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Cannot get the parent of a %s: only user and PID "
                     "namespaces have parents"),
                   _spacetest_type_describe (self->type));
      return NULL;
    }

  return ns_ioctl (self, NS_GET_PARENT, _("parent namespace"), error);
}

/**
 * spacetest_namespace_enter:
 * @self: a #SpacetestNamespace
 * @error: return location for a #GError
 *
 * Attaches the calling thread to @self. The returned guard switches the
 * thread back when spacetest_guard_restore() is called or the last
 * reference goes away; it is bound to this thread. This is the C form of
 * moby's `OSContext.Set`: call it on a thread you started to put that
 * thread into a test's namespace.
 *
 * A user namespace gives %SPACETEST_ERROR_INVALID_ARGUMENT (a
 * multi-threaded process cannot enter one).
 *
 * Returns: (transfer full): the guard, or %NULL with @error set and the
 *   thread where it was
 *
 * Since: 0.1
 */
SpacetestGuard *
spacetest_namespace_enter (SpacetestNamespace  *self,
                           GError             **error)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _spacetest_guard_enter (&self, 1, error);
}
