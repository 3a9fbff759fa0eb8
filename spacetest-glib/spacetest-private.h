/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-private.h: what several source files of the library share */

#pragma once

#include "config.h"

#include <glib/gi18n-lib.h>

#include "spacetest-glib.h"
#include "spacetest-backports-private.h"

G_BEGIN_DECLS

/* Translations go through our own lazily bound text domain. */
#undef _
#define _(String) _spacetest_gettext (String)
const char *_spacetest_gettext (const char *msgid) G_GNUC_FORMAT (1);

/* The eight namespace types, in the canonical (alphabetical) order that
 * every multi-namespace operation follows. */
#define SPACETEST_N_TYPES 8
#define SPACETEST_NSFS_MAGIC 0x6e736673
extern const SpacetestNamespaceType _spacetest_types[SPACETEST_N_TYPES];

/* Types a thread can create for itself with unshare() and then leave. */
#define SPACETEST_IN_PROCESS_TYPES \
  (SPACETEST_NAMESPACE_TYPE_CGROUP | SPACETEST_NAMESPACE_TYPE_IPC | \
   SPACETEST_NAMESPACE_TYPE_MNT | SPACETEST_NAMESPACE_TYPE_NET | \
   SPACETEST_NAMESPACE_TYPE_UTS)

int         _spacetest_type_index           (SpacetestNamespaceType type);
gboolean    _spacetest_is_single_type       (SpacetestNamespaceType type);
const char *_spacetest_type_describe        (SpacetestNamespaceType type);
char       *_spacetest_types_describe       (SpacetestNamespaceType types);
pid_t       _spacetest_gettid               (void);

/* Sets @error from errno @errsv: EPERM/EACCES become PERMISSION_DENIED with
 * a hint, ENOSYS/EOPNOTSUPP NOT_SUPPORTED, everything else @default_code.
 * @what says what was attempted ("create a new network namespace"). */
void        _spacetest_set_error_from_errno (GError     **error,
                                             int          errsv,
                                             int          default_code,
                                             const char  *what);

int         _spacetest_open_thread_ns       (SpacetestNamespaceType   type,
                                             GError                 **error);
int         _spacetest_open_new_ns          (SpacetestNamespaceType   type,
                                             GError                 **error);
gboolean    _spacetest_write_id_maps        (pid_t                    pid,
                                             uid_t                    uid,
                                             gid_t                    gid,
                                             int                      default_code,
                                             GError                 **error);
gboolean    _spacetest_fd_is_ns             (int                      fd,
                                             SpacetestNamespaceType  *type,
                                             guint64                 *dev,
                                             guint64                 *ino,
                                             int                     *errsv);

SpacetestNamespace *_spacetest_namespace_new_take_fd (int       fd,
                                                      GError  **error);
SpacetestNamespace *_spacetest_namespace_new_current_trusted (SpacetestNamespaceType   type,
                                                              GError                 **error);
guint64     _spacetest_namespace_get_device (SpacetestNamespace *self);

/* Attach the calling thread to @namespaces (canonical order); with
 * @save, remember where it was so that the guard can switch it back. */
SpacetestGuard *_spacetest_guard_enter      (SpacetestNamespace **namespaces,
                                             guint                n_namespaces,
                                             GError             **error);
SpacetestGuard *_spacetest_guard_new_unshare (SpacetestNamespaceType   types,
                                              SpacetestTransientFlags  flags,
                                              GError                 **error);
void        _spacetest_guard_restore_or_abort (SpacetestGuard *self);

gboolean    _spacetest_check_namespace_set  (SpacetestNamespace     **namespaces,
                                             guint                    n_namespaces,
                                             SpacetestNamespaceType   refused,
                                             const char              *operation,
                                             SpacetestNamespaceType  *types_out,
                                             GError                 **error);

gboolean    _spacetest_setns                (int                      fd,
                                             SpacetestNamespaceType   type,
                                             GError                 **error);
gboolean    _spacetest_make_root_private    (GError                 **error);

G_END_DECLS
