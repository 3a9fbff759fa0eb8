/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-guard.c: SpacetestGuard, the record of a thread's switch */

#include "spacetest-namespace-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

/**
 * SECTION:spacetest-guard
 * @title: SpacetestGuard
 * @short_description: Switches a thread back to its original namespaces
 *
 * A #SpacetestGuard records how one thread was switched into other
 * namespaces, by spacetest_enter_transient() or spacetest_namespace_enter(),
 * and switches it back — to every original namespace and, where a mount
 * namespace was involved, to its original working directory — when
 * spacetest_guard_restore() is called or the last reference is dropped.
 * With `g_autoptr` that happens when the variable goes out of scope:
 *
 * |[<!-- language="C" -->
 * static void
 * test_server (void)
 * {
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(SpacetestGuard) guard =
 *     spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_NET,
 *                                SPACETEST_TRANSIENT_LOOPBACK_UP, &error);
 *   g_assert_no_error (error);
 *
 *   // bind 127.0.0.1:8080 here: no other test sees it
 * }
 * ]|
 *
 * A guard belongs to the thread it switched: restoring it from another
 * thread gives %SPACETEST_ERROR_WRONG_THREAD. If the restore that runs when
 * the last reference goes away fails, the process aborts with a message:
 * a thread left in a wrong namespace would silently corrupt every later
 * test.
 */

/**
 * SpacetestGuard:
 *
 * The record of one thread's switch into other namespaces. All its fields
 * are private.
 *
 * Since: 0.1
 */
struct _SpacetestGuard
{
  GObject parent_instance;

  pid_t tid;
  SpacetestNamespaceType types;                    /* attached */
  int orig_fds[SPACETEST_N_TYPES];                 /* -1: nothing to undo */
  SpacetestNamespace *entered[SPACETEST_N_TYPES];
  int cwd_fd;
  gboolean restored;
};

G_DEFINE_FINAL_TYPE (SpacetestGuard, spacetest_guard, G_TYPE_OBJECT)

static gboolean guard_restore (SpacetestGuard *self, GError **error);

static void
spacetest_guard_finalize (GObject *object)
{
  SpacetestGuard *self = SPACETEST_GUARD (object);

  _spacetest_guard_restore_or_abort (self);

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      g_clear_fd (&self->orig_fds[i], NULL);
      g_clear_object (&self->entered[i]);
    }
  g_clear_fd (&self->cwd_fd, NULL);

  G_OBJECT_CLASS (spacetest_guard_parent_class)->finalize (object);
}

static void
spacetest_guard_class_init (SpacetestGuardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = spacetest_guard_finalize;
}

static void
spacetest_guard_init (SpacetestGuard *self)
{
  self->tid = _spacetest_gettid ();
  self->cwd_fd = -1;
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    self->orig_fds[i] = -1;
}

void
_spacetest_guard_restore_or_abort (SpacetestGuard *self)
{
  g_autoptr(GError) error = NULL;

  if (guard_restore (self, &error))
    return;

  g_error (_("spacetest: cannot switch thread %d back to its original "
             "namespaces: %s; aborting"),
           (int) self->tid, error->message);
}

/* Saves the working directory before a mount namespace switch, which
 * resets it to the new namespace's root. */
static gboolean
save_cwd (SpacetestGuard  *self,
          GError         **error)
{
  if (self->cwd_fd >= 0)
    return TRUE;

  self->cwd_fd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (self->cwd_fd < 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("save the working directory"));
      return FALSE;
    }

  return TRUE;
}

/* setns(CLONE_NEWNS) fails while the thread shares its fs struct (root
 * and cwd) with other threads; give it its own first. */
static gboolean
unshare_fs (GError **error)
{
  if (unshare (CLONE_FS) == 0)
    return TRUE;

  _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                   _("give the thread its own root and "
                                     "working directory (CLONE_FS)"));
  return FALSE;
}

gboolean
_spacetest_check_namespace_set (SpacetestNamespace     **namespaces,
                                guint                    n_namespaces,
                                SpacetestNamespaceType   refused,
                                const char              *operation,
                                SpacetestNamespaceType  *types_out,
                                GError                 **error)
{
  SpacetestNamespaceType types = 0;

  if (n_namespaces > 0 && namespaces == NULL)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("%s: no namespaces given for a set of %u"),
                   operation, n_namespaces);
      return FALSE;
    }

  for (guint i = 0; i < n_namespaces; i++)
    {
      SpacetestNamespaceType type;

      if (!SPACETEST_IS_NAMESPACE (namespaces[i]))
        {
          g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                       _("%s: element %u of the set is not a namespace"),
                       operation, i);
          return FALSE;
        }

      if (!_spacetest_namespace_check_usable (namespaces[i], error))
        return FALSE;

      type = spacetest_namespace_get_namespace_type (namespaces[i]);
      if (type & refused)
        {
          g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                       _("%s cannot take a %s: only a single-threaded "
                         "process can join one"),
                       operation, _spacetest_type_describe (type));
          return FALSE;
        }

      if (types & type)
        {
          g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                       _("%s: the set holds more than one %s"),
                       operation, _spacetest_type_describe (type));
          return FALSE;
        }

      types |= type;
    }

  *types_out = types;
  return TRUE;
}

SpacetestGuard *
_spacetest_guard_enter (SpacetestNamespace **namespaces,
                        guint                n_namespaces,
                        GError             **error)
{
  g_autoptr(SpacetestGuard) self = NULL;
  SpacetestNamespace *by_type[SPACETEST_N_TYPES] = { NULL, };
  SpacetestNamespaceType types;
  gboolean fs_unshared = FALSE;

  if (!_spacetest_check_namespace_set (namespaces, n_namespaces,
                                       SPACETEST_NAMESPACE_TYPE_USER,
                                       "spacetest_namespace_enter()",
                                       &types, error))
    return NULL;

  for (guint i = 0; i < n_namespaces; i++)
    {
      SpacetestNamespaceType type =
        spacetest_namespace_get_namespace_type (namespaces[i]);
      by_type[_spacetest_type_index (type)] = namespaces[i];
    }

  _spacetest_note_base_mntns ();
  self = g_object_new (SPACETEST_TYPE_GUARD, NULL);
  self->types = types;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      SpacetestNamespaceType type = _spacetest_types[i];
      SpacetestNamespace *target = by_type[i];
      g_autofd int orig = -1;
      struct stat st;

      if (target == NULL)
        continue;

      self->entered[i] = g_object_ref (target);

      orig = _spacetest_open_thread_ns (type, error);
      if (orig < 0)
        goto undo;

      /* Already there: nothing to switch, nothing to undo. */
      if (fstat (orig, &st) == 0 &&
          st.st_ino == spacetest_namespace_get_inode (target) &&
          st.st_dev == _spacetest_namespace_get_device (target))
        continue;

      if (type == SPACETEST_NAMESPACE_TYPE_MNT)
        {
          if (!save_cwd (self, error))
            goto undo;
          if (!fs_unshared && !unshare_fs (error))
            goto undo;
          fs_unshared = TRUE;
        }

      if (!_spacetest_setns (spacetest_namespace_get_fd (target), type, error))
        goto undo;

      self->orig_fds[i] = g_steal_fd (&orig);
    }

  return g_steal_pointer (&self);

undo:
  /* Switch back what was already switched; the thread ends up where it
   * started, or the process aborts. */
  _spacetest_guard_restore_or_abort (self);
  return NULL;
}

SpacetestGuard *
_spacetest_guard_new_unshare (SpacetestNamespaceType   types,
                              SpacetestTransientFlags  flags,
                              GError                 **error)
{
  g_autoptr(SpacetestGuard) self = NULL;
  int fds[SPACETEST_N_TYPES];
  g_autofd int net_fd = -1;

  /* Every entry before the first way out: the cleanup closes them all. */
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    fds[i] = -1;

  _spacetest_note_base_mntns ();
  self = g_object_new (SPACETEST_TYPE_GUARD, NULL);

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      if (!(types & _spacetest_types[i]))
        continue;
      fds[i] = _spacetest_open_thread_ns (_spacetest_types[i], error);
      if (fds[i] < 0)
        goto close_fds;
    }

  if ((types & SPACETEST_NAMESPACE_TYPE_MNT) && !save_cwd (self, error))
    goto close_fds;

  /* unshare() switches all types or none. */
  if (unshare ((int) types) != 0)
    {
      int errsv = errno;
      g_autofree char *list = _spacetest_types_describe (types);
      g_autofree char *what =
        g_strdup_printf (_("create and enter new namespaces (%s)"), list);

      _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                       what);
      goto close_fds;
    }

  /* From here on the guard owns the way back. */
  self->types = types;
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    self->orig_fds[i] = fds[i];

  if (!_spacetest_setup_new_namespaces (types, flags, &net_fd, error))
    goto undo;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      if (!(types & _spacetest_types[i]))
        continue;
      if (_spacetest_types[i] == SPACETEST_NAMESPACE_TYPE_NET && net_fd >= 0)
        self->entered[i] =
          _spacetest_namespace_new_trusted (_spacetest_types[i],
                                            g_steal_fd (&net_fd), error);
      else
        self->entered[i] =
          _spacetest_namespace_new_current_trusted (_spacetest_types[i],
                                                    error);
      if (self->entered[i] == NULL)
        goto undo;
    }

  return g_steal_pointer (&self);

close_fds:
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    g_clear_fd (&fds[i], NULL);
  return NULL;

undo:
  _spacetest_guard_restore_or_abort (self);
  return NULL;
}

static gboolean
guard_restore (SpacetestGuard  *self,
               GError         **error)
{
  GError *first_error = NULL;

  if (self->restored)
    return TRUE;

  if (_spacetest_gettid () != self->tid)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_WRONG_THREAD,
                   _("Cannot restore the namespaces of thread %d from "
                     "thread %d: a guard must be restored by the thread it "
                     "switched"),
                   (int) self->tid, (int) _spacetest_gettid ());
      return FALSE;
    }

  for (int i = SPACETEST_N_TYPES - 1; i >= 0; i--)
    {
      if (self->orig_fds[i] < 0)
        continue;

      /* A thread started while this one was switched shares its fs
       * struct (for a while even after it was joined), and setns() into a
       * mount namespace refuses a shared one. */
      if (_spacetest_types[i] == SPACETEST_NAMESPACE_TYPE_MNT &&
          !unshare_fs (first_error == NULL ? &first_error : NULL))
        continue;

      if (_spacetest_setns (self->orig_fds[i], _spacetest_types[i],
                            first_error == NULL ? &first_error : NULL))
        g_clear_fd (&self->orig_fds[i], NULL);
    }

  if (first_error == NULL && self->cwd_fd >= 0)
    {
      if (fchdir (self->cwd_fd) != 0)
        _spacetest_set_error_from_errno (&first_error, errno,
                                         SPACETEST_ERROR_FAILED,
                                         _("restore the working directory"));
      else
        g_clear_fd (&self->cwd_fd, NULL);
    }

  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }

  self->restored = TRUE;
  return TRUE;
}

/**
 * spacetest_guard_restore:
 * @self: a #SpacetestGuard
 * @error: return location for a #GError
 *
 * Switches the thread back to every namespace it was in before the guard
 * was made, and to its original working directory. Calling it again does
 * nothing. It must run on the thread the guard switched.
 *
 * Returns: %TRUE on success; %FALSE with @error set
 *   (%SPACETEST_ERROR_WRONG_THREAD when called from another thread)
 *
 * Since: 0.1
 */
gboolean
spacetest_guard_restore (SpacetestGuard  *self,
                         GError         **error)
{
  g_return_val_if_fail (SPACETEST_IS_GUARD (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return guard_restore (self, error);
}

/**
 * spacetest_guard_get_namespace:
 * @self: a #SpacetestGuard
 * @type: a single #SpacetestNamespaceType
 *
 * Gets the namespace of @type that the guard attached its thread to.
 *
 * Returns: (transfer none) (nullable): the namespace, or %NULL if the
 *   guard did not switch that type
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_guard_get_namespace (SpacetestGuard         *self,
                               SpacetestNamespaceType  type)
{
  int i;

  g_return_val_if_fail (SPACETEST_IS_GUARD (self), NULL);

  i = _spacetest_type_index (type);
  return i < 0 ? NULL : self->entered[i];
}

/**
 * spacetest_guard_get_namespace_types:
 * @self: a #SpacetestGuard
 *
 * Gets the set of namespace types the guard attached its thread to.
 *
 * Returns: the OR of the types
 *
 * Since: 0.1
 */
SpacetestNamespaceType
spacetest_guard_get_namespace_types (SpacetestGuard *self)
{
  g_return_val_if_fail (SPACETEST_IS_GUARD (self),
                        SPACETEST_NAMESPACE_TYPE_NONE);

  return self->types;
}

/**
 * spacetest_guard_is_restored:
 * @self: a #SpacetestGuard
 *
 * Whether the guard has switched its thread back.
 *
 * Returns: %TRUE once spacetest_guard_restore() succeeded
 *
 * Since: 0.1
 */
gboolean
spacetest_guard_is_restored (SpacetestGuard *self)
{
  g_return_val_if_fail (SPACETEST_IS_GUARD (self), FALSE);

  return self->restored;
}
