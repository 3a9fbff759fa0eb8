/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-namespace.h: a reference to one Linux namespace */

#pragma once

#if !defined(__SPACETEST_INSIDE__) && !defined(SPACETEST_COMPILATION)
#error "Only <spacetest-glib/spacetest-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include <gio/gio.h>
#include <spacetest-glib/spacetest-version-macros.h>
#include <spacetest-glib/spacetest-types.h>

G_BEGIN_DECLS

/**
 * SPACETEST_TYPE_NAMESPACE:
 *
 * The #GType of #SpacetestNamespace.
 *
 * Since: 0.1
 */
#define SPACETEST_TYPE_NAMESPACE (spacetest_namespace_get_type ())

SPACETEST_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SpacetestNamespace, spacetest_namespace, SPACETEST, NAMESPACE, GObject)

SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace     *spacetest_namespace_new_current        (SpacetestNamespaceType   type,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace     *spacetest_namespace_new_for_fd         (int                      fd,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace     *spacetest_namespace_new_for_path       (const char              *path,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace     *spacetest_namespace_new_for_pid        (GPid                     pid,
                                                                SpacetestNamespaceType   type,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace     *spacetest_namespace_new_transient      (SpacetestNamespaceType   type,
                                                                SpacetestTransientFlags  flags,
                                                                GError                 **error);

SPACETEST_AVAILABLE_IN_ALL
int                     spacetest_namespace_get_fd             (SpacetestNamespace      *self);
SPACETEST_AVAILABLE_IN_ALL
int                     spacetest_namespace_dup_fd             (SpacetestNamespace      *self,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespaceType  spacetest_namespace_get_namespace_type (SpacetestNamespace      *self);
SPACETEST_AVAILABLE_IN_ALL
guint64                 spacetest_namespace_get_inode          (SpacetestNamespace      *self);
SPACETEST_AVAILABLE_IN_ALL
gboolean                spacetest_namespace_equal              (SpacetestNamespace      *a,
                                                                SpacetestNamespace      *b);
SPACETEST_AVAILABLE_IN_ALL
guint                   spacetest_namespace_hash               (SpacetestNamespace      *self);
SPACETEST_AVAILABLE_IN_ALL
gboolean                spacetest_namespace_is_current         (SpacetestNamespace      *self);
SPACETEST_AVAILABLE_IN_ALL
const char             *spacetest_namespace_get_root_path      (SpacetestNamespace      *self);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace     *spacetest_namespace_get_owner          (SpacetestNamespace      *self,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace     *spacetest_namespace_get_parent         (SpacetestNamespace      *self,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestGuard         *spacetest_namespace_enter              (SpacetestNamespace      *self,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
gboolean                spacetest_namespace_execute            (SpacetestNamespace      *self,
                                                                SpacetestFunc            func,
                                                                gpointer                 user_data,
                                                                GError                 **error);
SPACETEST_AVAILABLE_IN_0_2
GInetAddress           *spacetest_namespace_get_lan_address    (SpacetestNamespace      *self,
                                                                GSocketFamily            family);

G_END_DECLS
