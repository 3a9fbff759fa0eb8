/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-link.h: one network interface in a network namespace */

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
 * SPACETEST_TYPE_LINK:
 *
 * The #GType of #SpacetestLink.
 *
 * Since: 0.2
 */
#define SPACETEST_TYPE_LINK (spacetest_link_get_type ())

SPACETEST_AVAILABLE_IN_0_2
G_DECLARE_FINAL_TYPE (SpacetestLink, spacetest_link, SPACETEST, LINK, GObject)

SPACETEST_AVAILABLE_IN_0_2
SpacetestLink      *spacetest_link_new_veth         (SpacetestNamespace  *netns,
                                                     const char          *name,
                                                     SpacetestNamespace  *peer_netns,
                                                     const char          *peer_name,
                                                     SpacetestLink      **peer,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
SpacetestLink      *spacetest_link_new_bridge       (SpacetestNamespace  *netns,
                                                     const char          *name,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
SpacetestLink      *spacetest_link_new_macvlan      (SpacetestLink       *parent,
                                                     const char          *name,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
SpacetestLink      *spacetest_link_new_for_name     (SpacetestNamespace  *netns,
                                                     const char          *name,
                                                     GError             **error);

SPACETEST_AVAILABLE_IN_0_2
const char         *spacetest_link_get_name         (SpacetestLink       *self);
SPACETEST_AVAILABLE_IN_0_2
int                 spacetest_link_get_index        (SpacetestLink       *self);
SPACETEST_AVAILABLE_IN_0_2
SpacetestNamespace *spacetest_link_get_namespace    (SpacetestLink       *self);
SPACETEST_AVAILABLE_IN_0_2
char               *spacetest_link_dup_mac_address  (SpacetestLink       *self);

SPACETEST_AVAILABLE_IN_0_2
gboolean            spacetest_link_set_up           (SpacetestLink       *self,
                                                     gboolean             up,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
gboolean            spacetest_link_set_mtu          (SpacetestLink       *self,
                                                     guint                mtu,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
gboolean            spacetest_link_set_master       (SpacetestLink       *self,
                                                     SpacetestLink       *master,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
gboolean            spacetest_link_add_address      (SpacetestLink       *self,
                                                     const char          *address,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
char              **spacetest_link_dup_addresses    (SpacetestLink       *self,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
gboolean            spacetest_link_add_route        (SpacetestLink       *self,
                                                     const char          *destination,
                                                     const char          *gateway,
                                                     GError             **error);
SPACETEST_AVAILABLE_IN_0_2
gboolean            spacetest_link_delete           (SpacetestLink       *self,
                                                     GError             **error);

G_END_DECLS
