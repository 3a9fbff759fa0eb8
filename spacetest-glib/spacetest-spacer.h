/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer.h: client of a spacer service */

#pragma once

#if !defined(__SPACETEST_INSIDE__) && !defined(SPACETEST_COMPILATION)
#error "Only <spacetest-glib/spacetest-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <spacetest-glib/spacetest-version-macros.h>
#include <spacetest-glib/spacetest-types.h>
#include <spacetest-glib/spacetest-namespace.h>

G_BEGIN_DECLS

/**
 * SPACETEST_TYPE_SPACER:
 *
 * The #GType of #SpacetestSpacer.
 *
 * Since: 0.1
 */
#define SPACETEST_TYPE_SPACER (spacetest_spacer_get_type ())

SPACETEST_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SpacetestSpacer, spacetest_spacer, SPACETEST, SPACER, GObject)

SPACETEST_AVAILABLE_IN_ALL
SpacetestSpacer    *spacetest_spacer_new                (GCancellable            *cancellable,
                                                         GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestSpacer    *spacetest_spacer_subspace           (SpacetestSpacer         *self,
                                                         SpacetestNamespaceType   types,
                                                         GCancellable            *cancellable,
                                                         GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
void                spacetest_spacer_subspace_async     (SpacetestSpacer         *self,
                                                         SpacetestNamespaceType   types,
                                                         GCancellable            *cancellable,
                                                         GAsyncReadyCallback      callback,
                                                         gpointer                 user_data);
SPACETEST_AVAILABLE_IN_ALL
SpacetestSpacer    *spacetest_spacer_subspace_finish    (SpacetestSpacer         *self,
                                                         GAsyncResult            *result,
                                                         GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace *spacetest_spacer_new_transient      (SpacetestSpacer         *self,
                                                         SpacetestNamespaceType   type,
                                                         GCancellable            *cancellable,
                                                         GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
GPtrArray          *spacetest_spacer_rooms              (SpacetestSpacer         *self,
                                                         SpacetestNamespaceType   types,
                                                         GCancellable            *cancellable,
                                                         GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
void                spacetest_spacer_rooms_async        (SpacetestSpacer         *self,
                                                         SpacetestNamespaceType   types,
                                                         GCancellable            *cancellable,
                                                         GAsyncReadyCallback      callback,
                                                         gpointer                 user_data);
SPACETEST_AVAILABLE_IN_ALL
GPtrArray          *spacetest_spacer_rooms_finish       (SpacetestSpacer         *self,
                                                         GAsyncResult            *result,
                                                         GError                 **error);
SPACETEST_AVAILABLE_IN_ALL
GPid                spacetest_spacer_get_pid            (SpacetestSpacer         *self);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace *spacetest_spacer_get_user_namespace (SpacetestSpacer         *self);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace *spacetest_spacer_get_pid_namespace  (SpacetestSpacer         *self);
SPACETEST_AVAILABLE_IN_ALL
guint               spacetest_spacer_get_timeout        (SpacetestSpacer         *self);
SPACETEST_AVAILABLE_IN_ALL
void                spacetest_spacer_set_timeout        (SpacetestSpacer         *self,
                                                         guint                    timeout_ms);
SPACETEST_AVAILABLE_IN_ALL
gboolean            spacetest_spacer_close              (SpacetestSpacer         *self,
                                                         GError                 **error);

G_END_DECLS
