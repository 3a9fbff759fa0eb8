/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-enter.c: entering and running inside namespaces */

#include "spacetest-lan-private.h"
#include "spacetest-namespace-private.h"

#include <errno.h>
#include <sched.h>

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
 * With %SPACETEST_TRANSIENT_ETHERNET, a new network namespace joins the
 * process's test LAN (see spacetest_namespace_get_lan_address()).
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
  g_autoptr(SpacetestGuard) guard = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_check_types (types, SPACETEST_IN_PROCESS_TYPES, FALSE,
                               "spacetest_enter_transient()", error))
    return NULL;

  if (!_spacetest_check_transient_flags (flags, error))
    return NULL;

  guard = _spacetest_guard_new_unshare (types, flags, error);
  if (guard == NULL)
    return NULL;

  /* On failure the guard switches the thread back as it goes. */
  if ((types & SPACETEST_NAMESPACE_TYPE_NET) &&
      (flags & SPACETEST_TRANSIENT_ETHERNET) &&
      !_spacetest_lan_join (spacetest_guard_get_namespace (
                              guard, SPACETEST_NAMESPACE_TYPE_NET),
                            error))
    return NULL;

  return g_steal_pointer (&guard);
}

/**
 * spacetest_namespace_new_transient:
 * @type: one of %SPACETEST_NAMESPACE_TYPE_CGROUP,
 *   %SPACETEST_NAMESPACE_TYPE_IPC,
 *   %SPACETEST_NAMESPACE_TYPE_MNT, %SPACETEST_NAMESPACE_TYPE_NET,
 *   %SPACETEST_NAMESPACE_TYPE_TIME or %SPACETEST_NAMESPACE_TYPE_UTS
 * @flags: extra set-up for the new namespace
 * @error: return location for a #GError
 *
 * Creates a new namespace of @type without attaching the calling thread to
 * it: the work happens on a short-lived thread, so the caller stays exactly
 * where it was, whatever happens.
 *
 * A new mount namespace has `/` recursively private, so nothing mounted in
 * it reaches the host; spacetest_namespace_get_root_path() gives a path to
 * its file system for as long as the object lives. A new time namespace is
 * the really new one (the kernel exposes it as `time_for_children`).
 *
 * With %SPACETEST_TRANSIENT_ETHERNET, a new network namespace joins the
 * process's test LAN (see spacetest_namespace_get_lan_address()).
 *
 * User and PID namespaces cannot be made this way: they give
 * %SPACETEST_ERROR_INVALID_ARGUMENT; use #SpacetestSpacer for them.
 *
 * Returns: (transfer full): the new namespace, or %NULL with @error set
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_namespace_new_transient (SpacetestNamespaceType    type,
                                   SpacetestTransientFlags   flags,
                                   GError                  **error)
{
  g_autoptr(SpacetestNamespace) ns = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ns = _spacetest_namespace_new_transient (type, flags, error);
  if (ns == NULL)
    return NULL;

  if (type == SPACETEST_NAMESPACE_TYPE_NET &&
      (flags & SPACETEST_TRANSIENT_ETHERNET) &&
      !_spacetest_lan_join (ns, error))
    return NULL;

  return g_steal_pointer (&ns);
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
} AttachData;

/* Attaches the calling (new) thread; there is nothing to undo on
 * failure, since the thread then ends without running anything. */
static gboolean
attach_thread (gpointer   user_data,
               GError   **error)
{
  AttachData *data = user_data;

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

/* spacetest_execute() on its throw-away thread: attach, then run. */
static gboolean
attach_and_run (gpointer   user_data,
                GError   **error)
{
  AttachData *data = user_data;

  if (!attach_thread (data, error))
    return FALSE;
  data->func (data->user_data);
  return TRUE;
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
      AttachData data = { namespaces, n_namespaces, TRUE, func, user_data };

      return _spacetest_run_on_new_thread ("spacetest-execute",
                                           attach_and_run, &data, error);
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

/**
 * spacetest_namespace_execute:
 * @self: a #SpacetestNamespace
 * @func: (scope call): the function to run
 * @user_data: data for @func
 * @error: return location for a #GError
 *
 * Runs @func synchronously while attached to @self; see
 * spacetest_execute().
 *
 * Returns: %TRUE if @func ran; %FALSE (and @func did not run) with @error
 *   set if the switch failed
 *
 * Since: 0.1
 */
gboolean
spacetest_namespace_execute (SpacetestNamespace  *self,
                             SpacetestFunc        func,
                             gpointer             user_data,
                             GError             **error)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return spacetest_execute (&self, 1, func, user_data, error);
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

  /* @func runs only once the thread is attached. */
  return _spacetest_thread_start (name, attach_thread, &data, func, user_data,
                                  error);
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
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _spacetest_loopback_up (NULL, error);
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
gboolean
spacetest_mount_sysfs (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _spacetest_mount_sysfs (error);
}

/**
 * spacetest_mount_file:
 * @path: an existing file, such as `/etc/hosts`
 * @contents: (array length=length) (element-type guint8): what the file
 *   shall hold
 * @length: the length of @contents in bytes, or -1 if it is
 *   NUL-terminated
 * @error: return location for a #GError
 *
 * Puts a private, read-only file holding @contents over @path in the
 * calling thread's mount namespace: a test can give itself its own
 * `/etc/hosts`, `/etc/resolv.conf` or `/etc/nsswitch.conf`. The host's
 * file is untouched, and the mount goes away with the mount namespace.
 * The new file keeps the permission bits of @path.
 *
 * Only threads in this mount namespace see the new file: GLib's worker
 * threads (those of #GResolver, for instance) see it only if they run in
 * it too.
 *
 * Returns: %TRUE on success; %FALSE with @error set:
 *   %SPACETEST_ERROR_INVALID_ARGUMENT in the process's initial mount
 *   namespace or when @path is a directory, %SPACETEST_ERROR_NOT_FOUND
 *   when it does not exist
 *
 * Since: 0.2
 */
gboolean
spacetest_mount_file (const char  *path,
                      const char  *contents,
                      gssize       length,
                      GError     **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (length < 0)
    length = strlen (contents);

  return _spacetest_mount_file (path, contents, length, error);
}

/**
 * spacetest_mount_tmpfs:
 * @path: an existing directory, such as `/tmp` or `/run`
 * @error: return location for a #GError
 *
 * Mounts a fresh, empty and writable tmpfs on @path in the calling
 * thread's mount namespace, with the permission bits of the directory
 * (`/tmp` stays sticky and world-writable). Nothing written there reaches
 * the host, and it all goes away with the mount namespace.
 *
 * Returns: %TRUE on success; %FALSE with @error set:
 *   %SPACETEST_ERROR_INVALID_ARGUMENT in the process's initial mount
 *   namespace or when @path is not a directory,
 *   %SPACETEST_ERROR_NOT_FOUND when it does not exist
 *
 * Since: 0.2
 */
gboolean
spacetest_mount_tmpfs (const char  *path,
                       GError     **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _spacetest_mount_tmpfs (path, error);
}

/* ---- probing -------------------------------------------------------- */

/* On a throw-away thread: creates, enters and leaves namespaces of the
 * types that @user_data points to. */
static gboolean
probe (gpointer   user_data,
       GError   **error)
{
  SpacetestNamespaceType types = *(SpacetestNamespaceType *) user_data;
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
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (types == SPACETEST_NAMESPACE_TYPE_NONE)
    return TRUE;

  if (!_spacetest_check_types (types, SPACETEST_NAMESPACE_TYPE_ALL, FALSE,
                               "spacetest_check_can_create()", error))
    return FALSE;

  if (types & (SPACETEST_NAMESPACE_TYPE_USER | SPACETEST_NAMESPACE_TYPE_PID))
    {
      g_autofree char *desc = _spacetest_types_describe (
        types & (SPACETEST_NAMESPACE_TYPE_USER | SPACETEST_NAMESPACE_TYPE_PID));

      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED,
                   _("A multi-threaded process cannot create transient %s "
                     "namespaces for itself (SpacetestSpacer creates them)"),
                   desc);
      return FALSE;
    }

  /* Probe on a throw-away thread, so the caller is never touched. */
  return _spacetest_run_on_new_thread ("spacetest-probe", probe, &types,
                                       error);
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
