/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-net.c: what the test networks cost next to doing the same
 * rtnetlink work by hand. Not a test: the numbers are for people (and
 * the goals of the project), not for pass/fail.
 *
 * Two comparisons, each measured as pairs of variants interleaved (see
 * bench_interleave(); medians):
 *
 *   ethernet (ROUNDS rounds, default 200)
 *     spacetest_namespace_new_transient (NET, ETHERNET) and dropping the
 *     namespace, next to the same kernel work without the library: a
 *     short-lived thread unshares CLONE_NEWNET, sets `lo` up (SIOCGIFFLAGS,
 *     SIOCSIFFLAGS), opens /proc/thread-self/ns/net and ends; then, as
 *     the library's LAN join does, a NETLINK_ROUTE socket is opened in the
 *     new namespace and one in a hub namespace (each with the thread
 *     switched there and back: setns() twice), and the same requests go
 *     out through libnl: RTM_NEWLINK for a veth pair (eth0, up, with its
 *     peer in the hub through IFLA_NET_NS_FD), RTM_GETLINK for eth0 and
 *     for the peer, RTM_NEWLINK setting the peer up, RTM_NEWLINK making
 *     it a port of the hub's bridge, RTM_NEWADDR for an IPv4 /15 and an
 *     IPv6 /64 (IFA_F_NODAD) address, RTM_NEWROUTE for the two default
 *     routes; then the sockets and the namespace fd are closed. The hub
 *     (a network namespace with a bridge "lan0", up) is the benchmark's
 *     own, made once, as the library makes its own once. What the raw
 *     form leaves out is the library's bookkeeping of host numbers: its
 *     socket that listens to the hub's links, read before each join.
 *
 *   veth (ROUNDS / 4 rounds, at least 1)
 *     two spacetest_namespace_new_transient (NET, NONE), a veth pair
 *     between them with spacetest_link_new_veth() (free names) and
 *     dropping all four objects, which deletes the pair (RTM_DELLINK,
 *     which waits for the kernel's unregistration: milliseconds), next to
 *     the same by hand: two namespaces made as above without `lo` up, a
 *     socket opened in each (setns() there and back), RTM_NEWLINK for the
 *     pair (up, the peer through IFLA_NET_NS_FD), RTM_GETLINK for both
 *     ends, RTM_NEWLINK setting the peer up, RTM_DELLINK through the
 *     peer's socket, as the library's last reference does, and all fds
 *     closed. Because the deletion dominates these rounds, a second pair
 *     of variants, veth-create, times only the creation: from before
 *     spacetest_link_new_veth() to after it returns, next to the raw
 *     sockets, RTM_NEWLINK, the look-ups and the peer set up; the
 *     namespaces are made before and the pair is deleted after the timed
 *     part.
 *
 * Both forms use libnl-route-3 for the messages, so the ratios show what
 * the library adds around the same requests, not a difference of
 * netlink libraries.
 *
 * "The same user namespace": spacetest_init_user_namespace(), first thing
 * in main(), is a no-op as root and otherwise moves the process into its
 * own user namespace; the raw forms run in this process, so in both
 * cases in the user namespace where the library makes its namespaces.
 *
 * Output, one figure a line, for grep:
 *   median ethernet 1234.5 us
 *   ratio ethernet 1.08
 *   ratio veth 1.01
 *   ratio veth-create 1.15
 *
 * Usage: bench-net [ROUNDS] */

#include <spacetest-glib/spacetest-glib.h>

#include "bench-util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

/* ---- raw helpers ----------------------------------------------------- */

/* The thread's original network namespace, to switch back to. */
static int orig_netns = -1;

/* Free names, as the library's "st%u", unique in this process. */
static guint name_counter;

static void *
raw_netns_thread (void *data)
{
  gboolean loopback_up = GPOINTER_TO_INT (data);

  if (unshare (CLONE_NEWNET) != 0)
    return GINT_TO_POINTER (-1);
  if (loopback_up && bench_loopback_up () != 0)
    return GINT_TO_POINTER (-1);
  return GINT_TO_POINTER (open ("/proc/thread-self/ns/net",
                                O_RDONLY | O_CLOEXEC));
}

/* A new network namespace, made on a short-lived thread as the library
 * does; returns its fd. */
static int
raw_new_netns (gboolean loopback_up)
{
  pthread_t thread;
  void *result;

  if (pthread_create (&thread, NULL, raw_netns_thread,
                      GINT_TO_POINTER (loopback_up)) != 0 ||
      pthread_join (thread, &result) != 0 || GPOINTER_TO_INT (result) < 0)
    g_error ("raw network namespace: %s", g_strerror (errno));
  return GPOINTER_TO_INT (result);
}

/* A NETLINK_ROUTE socket in @netns, made with the thread switched there
 * and back. */
static struct nl_sock *
raw_socket_in (int netns)
{
  struct sockaddr_nl local = { .nl_family = AF_NETLINK };
  struct nl_sock *sock = nl_socket_alloc ();
  int fd;

  if (sock == NULL || setns (netns, CLONE_NEWNET) != 0)
    g_error ("into a network namespace: %s", g_strerror (errno));
  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (setns (orig_netns, CLONE_NEWNET) != 0)
    g_error ("back from a network namespace: %s", g_strerror (errno));
  if (fd < 0 || bind (fd, (struct sockaddr *) &local, sizeof local) != 0 ||
      nl_socket_set_fd (sock, NETLINK_ROUTE, fd) < 0)
    g_error ("netlink socket: %s", g_strerror (errno));
  return sock;
}

static void
check_nl (int         err,
          const char *what)
{
  if (err < 0)
    g_error ("%s: %s", what, nl_geterror (err));
}

/* RTM_NEWLINK for a veth pair @name (up) and @peer_name in @peer_netns. */
static void
raw_add_veth (struct nl_sock *sock,
              const char     *name,
              const char     *peer_name,
              int             peer_netns)
{
  struct rtnl_link *request = rtnl_link_veth_alloc ();
  struct rtnl_link *peer = rtnl_link_veth_get_peer (request);

  rtnl_link_set_name (peer, peer_name);
  rtnl_link_set_ns_fd (peer, peer_netns);
  rtnl_link_put (peer);
  rtnl_link_set_name (request, name);
  rtnl_link_set_flags (request, IFF_UP);
  check_nl (rtnl_link_add (sock, request, NLM_F_CREATE | NLM_F_EXCL),
            "create a veth pair");
  rtnl_link_put (request);
}

/* RTM_GETLINK by name: the index. */
static int
raw_lookup (struct nl_sock *sock,
            const char     *name)
{
  struct rtnl_link *found = NULL;
  int index;

  check_nl (rtnl_link_get_kernel (sock, 0, name, &found), "find a link");
  index = rtnl_link_get_ifindex (found);
  rtnl_link_put (found);
  return index;
}

/* RTM_NEWLINK changing link @index: up, or (@master > 0) a bridge port. */
static void
raw_change (struct nl_sock *sock,
            int             index,
            int             master)
{
  struct rtnl_link *changes = rtnl_link_alloc ();

  rtnl_link_set_ifindex (changes, index);
  if (master > 0)
    rtnl_link_set_master (changes, master);
  else
    rtnl_link_set_flags (changes, IFF_UP);
  check_nl (rtnl_link_change (sock, changes, changes, 0), "change a link");
  rtnl_link_put (changes);
}

/* ---- ethernet -------------------------------------------------------- */

/* The raw test LAN: a hub namespace with a bridge. */
typedef struct
{
  int hub;
  int bridge;
  guint host;
} RawLan;

static void
raw_lan_init (RawLan *lan)
{
  struct nl_sock *sock;
  struct rtnl_link *bridge = rtnl_link_bridge_alloc ();

  lan->hub = raw_new_netns (FALSE);
  sock = raw_socket_in (lan->hub);
  rtnl_link_set_name (bridge, "lan0");
  rtnl_link_set_flags (bridge, IFF_UP);
  check_nl (rtnl_link_add (sock, bridge, NLM_F_CREATE | NLM_F_EXCL),
            "create the hub's bridge");
  rtnl_link_put (bridge);
  lan->bridge = raw_lookup (sock, "lan0");
  nl_socket_free (sock);
}

/* RTM_NEWADDR: @bytes/@prefix on link @index. */
static void
raw_add_address (struct nl_sock *sock,
                 int             index,
                 int             family,
                 const void     *bytes,
                 int             prefix)
{
  struct rtnl_addr *request = rtnl_addr_alloc ();
  struct nl_addr *local =
    nl_addr_build (family, bytes, family == AF_INET6 ? 16 : 4);

  nl_addr_set_prefixlen (local, prefix);
  rtnl_addr_set_ifindex (request, index);
  rtnl_addr_set_family (request, family);
  rtnl_addr_set_local (request, local);
  rtnl_addr_set_prefixlen (request, prefix);
  if (family == AF_INET6)
    rtnl_addr_set_flags (request, IFA_F_NODAD);
  nl_addr_put (local);
  check_nl (rtnl_addr_add (sock, request, NLM_F_EXCL), "add an address");
  rtnl_addr_put (request);
}

/* RTM_NEWROUTE: the default route of @family on link @index. */
static void
raw_add_default_route (struct nl_sock *sock,
                       int             index,
                       int             family)
{
  static const guint8 zeros[16] = { 0, };
  struct rtnl_route *route = rtnl_route_alloc ();
  struct rtnl_nexthop *hop = rtnl_route_nh_alloc ();
  struct nl_addr *dst =
    nl_addr_build (family, zeros, family == AF_INET6 ? 16 : 4);

  nl_addr_set_prefixlen (dst, 0);
  rtnl_route_set_family (route, family);
  rtnl_route_set_table (route, RT_TABLE_MAIN);
  rtnl_route_set_protocol (route, RTPROT_BOOT);
  rtnl_route_set_type (route, RTN_UNICAST);
  rtnl_route_set_scope (route, family == AF_INET ? RT_SCOPE_LINK
                                                 : RT_SCOPE_UNIVERSE);
  rtnl_route_set_dst (route, dst);
  rtnl_route_nh_set_ifindex (hop, index);
  rtnl_route_add_nexthop (route, hop);
  check_nl (rtnl_route_add (sock, route, NLM_F_EXCL), "add a route");
  rtnl_route_put (route);
  nl_addr_put (dst);
}

static void
raw_ethernet_round (gpointer data)
{
  RawLan *lan = data;
  guint host = lan->host++ % 1000 + 1;
  guint8 v4[4] = { 198, 18, host >> 8, host & 0xff };
  guint8 v6[16] = { 0xfd, 0x00, 0x53, 0x54, [14] = host >> 8,
                    [15] = host & 0xff };
  char peer_name[IFNAMSIZ];
  struct nl_sock *sock, *hub_sock;
  int netns, eth0, peer;

  netns = raw_new_netns (TRUE);
  sock = raw_socket_in (netns);
  hub_sock = raw_socket_in (lan->hub);

  g_snprintf (peer_name, sizeof peer_name, "st%u", name_counter++);
  raw_add_veth (sock, "eth0", peer_name, lan->hub);
  eth0 = raw_lookup (sock, "eth0");
  peer = raw_lookup (hub_sock, peer_name);
  raw_change (hub_sock, peer, 0);
  raw_change (hub_sock, peer, lan->bridge);
  raw_add_address (sock, eth0, AF_INET, v4, 15);
  raw_add_address (sock, eth0, AF_INET6, v6, 64);
  raw_add_default_route (sock, eth0, AF_INET);
  raw_add_default_route (sock, eth0, AF_INET6);

  nl_socket_free (hub_sock);
  nl_socket_free (sock);
  close (netns);
}

static void
lib_ethernet_round (gpointer data)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ns =
    spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                       SPACETEST_TRANSIENT_ETHERNET, &error);

  if (ns == NULL)
    g_error ("%s", error->message);
  g_object_unref (ns);
}

/* ---- veth ------------------------------------------------------------ */

typedef struct
{
  SpacetestNamespace *a, *b;
  SpacetestLink *link, *peer;
} LibVeth;

typedef struct
{
  int a, b;
  struct nl_sock *sock_a, *sock_b;
  int peer;
} RawVeth;

static void
lib_veth_namespaces (gpointer data)
{
  g_autoptr(GError) error = NULL;
  LibVeth *veth = data;

  veth->a = spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                               SPACETEST_TRANSIENT_NONE,
                                               &error);
  if (veth->a != NULL)
    veth->b =
      spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                         SPACETEST_TRANSIENT_NONE, &error);
  if (veth->b == NULL)
    g_error ("%s", error->message);
}

static void
lib_veth_create (gpointer data)
{
  g_autoptr(GError) error = NULL;
  LibVeth *veth = data;

  veth->link = spacetest_link_new_veth (veth->a, NULL, veth->b, NULL,
                                        &veth->peer, &error);
  if (veth->link == NULL)
    g_error ("%s", error->message);
}

/* As a test drops them: the last end deletes the pair. */
static void
lib_veth_drop (gpointer data)
{
  LibVeth *veth = data;

  g_clear_object (&veth->link);
  g_clear_object (&veth->peer);
  g_clear_object (&veth->a);
  g_clear_object (&veth->b);
}

static void
lib_veth_round (gpointer data)
{
  lib_veth_namespaces (data);
  lib_veth_create (data);
  lib_veth_drop (data);
}

static void
raw_veth_namespaces (gpointer data)
{
  RawVeth *veth = data;

  veth->a = raw_new_netns (FALSE);
  veth->b = raw_new_netns (FALSE);
}

static void
raw_veth_create (gpointer data)
{
  RawVeth *veth = data;
  char name[IFNAMSIZ], peer_name[IFNAMSIZ];

  veth->sock_a = raw_socket_in (veth->a);
  veth->sock_b = raw_socket_in (veth->b);
  g_snprintf (name, sizeof name, "st%u", name_counter++);
  g_snprintf (peer_name, sizeof peer_name, "st%u", name_counter++);
  raw_add_veth (veth->sock_a, name, peer_name, veth->b);
  raw_lookup (veth->sock_a, name);
  veth->peer = raw_lookup (veth->sock_b, peer_name);
  raw_change (veth->sock_b, veth->peer, 0);
}

static void
raw_veth_drop (gpointer data)
{
  RawVeth *veth = data;
  struct rtnl_link *request = rtnl_link_alloc ();

  rtnl_link_set_ifindex (request, veth->peer);
  check_nl (rtnl_link_delete (veth->sock_b, request), "delete a veth pair");
  rtnl_link_put (request);
  g_clear_pointer (&veth->sock_a, nl_socket_free);
  g_clear_pointer (&veth->sock_b, nl_socket_free);
  close (veth->a);
  close (veth->b);
}

static void
raw_veth_round (gpointer data)
{
  raw_veth_namespaces (data);
  raw_veth_create (data);
  raw_veth_drop (data);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 200;
  guint n_veth;
  gboolean root = geteuid () == 0;
  RawLan lan = { -1, 0, 0 };
  LibVeth lib_veth = { NULL, }, lib_veth_timed = { NULL, };
  RawVeth raw_veth = { -1, }, raw_veth_timed = { -1, };
  BenchVariant ethernet[] = {
    { "ethernet", lib_ethernet_round, NULL, 0 },
    { "raw-ethernet", raw_ethernet_round, &lan, 0 },
  };
  BenchVariant veth[] = {
    { "veth", lib_veth_round, &lib_veth, 0 },
    { "raw-veth", raw_veth_round, &raw_veth, 0 },
  };
  BenchVariant veth_create[] = {
    { "veth-create", lib_veth_create, &lib_veth_timed, 0,
      lib_veth_namespaces, lib_veth_drop },
    { "raw-veth-create", raw_veth_create, &raw_veth_timed, 0,
      raw_veth_namespaces, raw_veth_drop },
  };

  /* a no-op as root; unprivileged mode otherwise */
  if (!spacetest_init_user_namespace (&error))
    g_error ("%s", error->message);

  n = MAX (n, 1);
  /* each veth round deletes a pair, which takes the kernel a while */
  n_veth = MAX (n / 4, 1);

  orig_netns = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig_netns < 0)
    g_error ("/proc/thread-self/ns/net: %s", g_strerror (errno));
  raw_lan_init (&lan);

  /* Pairs, not one round-robin over more variants: in a fixed cycle each
   * variant would always follow the same other one, and pay for the
   * namespace that one just dropped (the kernel tears it down in the
   * background, under the locks the next requests need). */
  bench_interleave (ethernet, G_N_ELEMENTS (ethernet), n);
  bench_interleave (veth, G_N_ELEMENTS (veth), n_veth);
  bench_interleave (veth_create, G_N_ELEMENTS (veth_create), n_veth);

  printf ("bench-net: medians of %u (ethernet) and %u (veth) interleaved "
          "rounds (%s)\n", n, n_veth, root ? "root" : "unprivileged mode");
  bench_print_medians (ethernet, G_N_ELEMENTS (ethernet));
  bench_print_medians (veth, G_N_ELEMENTS (veth));
  bench_print_medians (veth_create, G_N_ELEMENTS (veth_create));
  bench_print_ratio ("ethernet", ethernet[0].median, ethernet[1].median);
  bench_print_ratio ("veth", veth[0].median, veth[1].median);
  bench_print_ratio ("veth-create", veth_create[0].median,
                     veth_create[1].median);

  close (lan.hub);
  close (orig_netns);
  return 0;
}
