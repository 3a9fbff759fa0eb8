/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-guard.h: the record of one thread's switch of namespaces */

#pragma once

#if !defined(__SPACETEST_INSIDE__) && !defined(SPACETEST_COMPILATION)
#error "Only <spacetest-glib/spacetest-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include <spacetest-glib/spacetest-version-macros.h>
#include <spacetest-glib/spacetest-types.h>
#include <spacetest-glib/spacetest-namespace.h>

G_BEGIN_DECLS

/**
 * SPACETEST_TYPE_GUARD:
 *
 * The #GType of #SpacetestGuard.
 *
 * Since: 0.1
 */
#define SPACETEST_TYPE_GUARD (spacetest_guard_get_type ())

SPACETEST_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SpacetestGuard, spacetest_guard, SPACETEST, GUARD, GObject)

SPACETEST_AVAILABLE_IN_ALL
gboolean            spacetest_guard_restore       (SpacetestGuard         *self,
                                                   GError                **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace *spacetest_guard_get_namespace (SpacetestGuard         *self,
                                                   SpacetestNamespaceType  type);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespaceType spacetest_guard_get_namespace_types (SpacetestGuard *self);
SPACETEST_AVAILABLE_IN_ALL
gboolean            spacetest_guard_is_restored   (SpacetestGuard         *self);

G_END_DECLS
