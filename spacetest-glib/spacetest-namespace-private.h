/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-namespace-private.h: the internals of SpacetestNamespace and
 * SpacetestGuard that the layers above them use */

#pragma once

#include "spacetest-kernel-private.h"
#include "spacetest-glib.h"

G_BEGIN_DECLS

SpacetestNamespace *_spacetest_namespace_new_take_fd (int       fd,
                                                      GError  **error);
SpacetestNamespace *_spacetest_namespace_new_trusted (SpacetestNamespaceType   type,
                                                      int                      fd,
                                                      GError                 **error);
SpacetestNamespace *_spacetest_namespace_new_current_trusted (SpacetestNamespaceType   type,
                                                              GError                 **error);
guint64     _spacetest_namespace_get_device (SpacetestNamespace *self);
SpacetestNamespace *_spacetest_namespace_new_transient (SpacetestNamespaceType    type,
                                                        SpacetestTransientFlags   flags,
                                                        GError                  **error);
gboolean    _spacetest_namespace_check_usable (SpacetestNamespace  *self,
                                               GError             **error);

/* Attach the calling thread to @namespaces (canonical order); the guard
 * remembers where it was, to switch it back. */
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

G_END_DECLS
