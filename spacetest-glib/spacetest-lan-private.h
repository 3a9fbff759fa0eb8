/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-lan-private.h: the process's test LAN, which new network
 * namespaces made with SPACETEST_TRANSIENT_ETHERNET join */

#pragma once

#include "spacetest-glib.h"

G_BEGIN_DECLS

/* Puts the new network namespace @netns on the test LAN: an eth0 there,
 * whose veth peer is a port of the LAN's bridge, with the next free
 * addresses and default routes. The calling thread ends up where it
 * was; on failure nothing is left behind. */
gboolean    _spacetest_lan_join             (SpacetestNamespace  *netns,
                                             GError             **error);

/* Whether @fd is one the test LAN keeps for the life of the process (the
 * GTest leak check leaves those out). */
gboolean    _spacetest_lan_owns_fd          (int                  fd);

G_END_DECLS
