/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-link-private.h: the internals of SpacetestLink that the test
 * LAN and the GTest layer use */

#pragma once

#include "spacetest-glib.h"

G_BEGIN_DECLS

/* A link that the library never deletes: it goes with its namespace
 * (for a veth pair this applies to both ends). */
void        _spacetest_link_set_transient  (SpacetestLink *self,
                                            gboolean       transient);

/* The fd of the link's netlink socket (the GTest leak check leaves the
 * library's own long-lived sockets out); -1 for an object that holds no
 * link. */
int         _spacetest_link_get_socket_fd  (SpacetestLink *self);

/* Waits until the kernel reports the link running (IFF_RUNNING: up, with
 * carrier, and the kernel's link events processed, so that frames pass),
 * for at most @timeout_ms; TIMED_OUT after that. */
gboolean    _spacetest_link_wait_running   (SpacetestLink  *self,
                                            guint           timeout_ms,
                                            GError        **error);

/* A NETLINK_ROUTE socket inside @netns (with @flags beside
 * SOCK_CLOEXEC), bound to the multicast @groups (0: none; the kernel
 * picks the port id). The calling thread switches there and back around
 * socket() unless it is there already. -1 with @error set ("Cannot open a
 * netlink socket in @where: ..."). */
int         _spacetest_netlink_socket      (SpacetestNamespace  *netns,
                                            const char          *where,
                                            guint32              groups,
                                            int                  flags,
                                            GError             **error);

G_END_DECLS
