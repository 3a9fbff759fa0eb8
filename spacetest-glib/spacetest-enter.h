/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-enter.h: creating, entering and running inside namespaces */

#pragma once

#if !defined(__SPACETEST_INSIDE__) && !defined(SPACETEST_COMPILATION)
#error "Only <spacetest-glib/spacetest-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include <spacetest-glib/spacetest-version-macros.h>
#include <spacetest-glib/spacetest-types.h>
#include <spacetest-glib/spacetest-namespace.h>
#include <spacetest-glib/spacetest-guard.h>

G_BEGIN_DECLS

SPACETEST_AVAILABLE_IN_ALL
SpacetestGuard *spacetest_enter_transient      (SpacetestNamespaceType    types,
                                                SpacetestTransientFlags   flags,
                                                GError                  **error);
SPACETEST_AVAILABLE_IN_ALL
gboolean        spacetest_execute              (SpacetestNamespace      **namespaces,
                                                guint                     n_namespaces,
                                                SpacetestFunc             func,
                                                gpointer                  user_data,
                                                GError                  **error);
SPACETEST_AVAILABLE_IN_ALL
GThread        *spacetest_thread_new           (const char               *name,
                                                SpacetestNamespace      **namespaces,
                                                guint                     n_namespaces,
                                                GThreadFunc               func,
                                                gpointer                  user_data,
                                                GError                  **error);
SPACETEST_AVAILABLE_IN_ALL
gboolean        spacetest_loopback_up          (GError                  **error);
SPACETEST_AVAILABLE_IN_ALL
gboolean        spacetest_mount_sysfs          (GError                  **error);
SPACETEST_AVAILABLE_IN_0_2
gboolean        spacetest_mount_file           (const char               *path,
                                                const char               *contents,
                                                gssize                    length,
                                                GError                  **error);
SPACETEST_AVAILABLE_IN_0_2
gboolean        spacetest_mount_tmpfs          (const char               *path,
                                                GError                  **error);
SPACETEST_AVAILABLE_IN_ALL
gboolean        spacetest_can_create           (SpacetestNamespaceType    types);
SPACETEST_AVAILABLE_IN_ALL
gboolean        spacetest_check_can_create     (SpacetestNamespaceType    types,
                                                GError                  **error);
SPACETEST_AVAILABLE_IN_ALL
gboolean        spacetest_init_user_namespace  (GError                  **error);

G_END_DECLS
