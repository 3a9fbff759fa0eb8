/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-util-private.h: namespace types, errors and translations,
 * which every file of the library and the spacer helper uses */

#pragma once

#include "config.h"

#include <glib/gi18n-lib.h>

#include "spacetest-types.h"
#include "spacetest-backports-private.h"

G_BEGIN_DECLS

/* Translations go through our own lazily bound text domain. */
#undef _
#define _(String) _spacetest_gettext (String)
const char *_spacetest_gettext (const char *msgid) G_GNUC_FORMAT (1);

/* The eight namespace types, in the canonical (alphabetical) order that
 * every multi-namespace operation follows. */
#define SPACETEST_N_TYPES 8
extern const SpacetestNamespaceType _spacetest_types[SPACETEST_N_TYPES];

/* Types a thread can create for itself with unshare() and then leave. */
#define SPACETEST_IN_PROCESS_TYPES \
  (SPACETEST_NAMESPACE_TYPE_CGROUP | SPACETEST_NAMESPACE_TYPE_IPC | \
   SPACETEST_NAMESPACE_TYPE_MNT | SPACETEST_NAMESPACE_TYPE_NET | \
   SPACETEST_NAMESPACE_TYPE_UTS)

/* Types a spacer service makes as rooms, and as subspaces. */
#define SPACETEST_ROOM_TYPES \
  (SPACETEST_NAMESPACE_TYPE_CGROUP | SPACETEST_NAMESPACE_TYPE_IPC | \
   SPACETEST_NAMESPACE_TYPE_MNT | SPACETEST_NAMESPACE_TYPE_NET | \
   SPACETEST_NAMESPACE_TYPE_TIME | SPACETEST_NAMESPACE_TYPE_UTS)
#define SPACETEST_SUBSPACE_TYPES \
  (SPACETEST_NAMESPACE_TYPE_USER | SPACETEST_NAMESPACE_TYPE_PID)

int         _spacetest_type_index           (SpacetestNamespaceType type);
gboolean    _spacetest_is_single_type       (SpacetestNamespaceType type);
const char *_spacetest_type_describe        (SpacetestNamespaceType type);
char       *_spacetest_types_describe       (SpacetestNamespaceType types);

/* The one validator of a set of namespace types: fails with
 * INVALID_ARGUMENT unless @types is non-empty, within @allowed and, with
 * @exactly_one, a single type. @operation names the caller in the
 * message ("spacetest_enter_transient()"). */
gboolean    _spacetest_check_types          (SpacetestNamespaceType   types,
                                             SpacetestNamespaceType   allowed,
                                             gboolean                 exactly_one,
                                             const char              *operation,
                                             GError                 **error);

/* Fails with INVALID_ARGUMENT for bits that are no SpacetestTransientFlags. */
gboolean    _spacetest_check_transient_flags (SpacetestTransientFlags   flags,
                                              GError                  **error);

/* Sets @error from errno @errsv: EPERM/EACCES become PERMISSION_DENIED with
 * a hint, ENOSYS/EOPNOTSUPP NOT_SUPPORTED, everything else @default_code.
 * @what says what was attempted ("create a new network namespace"). */
void        _spacetest_set_error_from_errno (GError     **error,
                                             int          errsv,
                                             int          default_code,
                                             const char  *what);

G_END_DECLS
