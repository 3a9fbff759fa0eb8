/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* link.c: SpacetestLink — veth pairs, bridges, macvlans, addresses and
 * routes between real network namespaces, and their lifetimes */

#include "test-util.h"
#include "spacetest-link-private.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

/* ---- helpers --------------------------------------------------------- */

/* Fails unless the calling thread is in the namespaces of @before (the
 * fd count may differ: links hold sockets). */
#define assert_same_namespaces(before) \
  G_STMT_START { \
    TuThreadState now_; \
    tu_thread_state_get (&now_); \
    for (int i_ = 0; i_ < TU_N_TYPES; i_++) \
      g_assert_cmpuint (now_.inodes[i_], ==, (before)->inodes[i_]); \
  } G_STMT_END

typedef struct
{
  const char *name;
  int request;          /* an ioctl, or 0 for if_nametoindex() */
  struct ifreq ifr;
  int result;
  int errsv;
} IfQuery;

static void
if_query_cb (gpointer user_data)
{
  IfQuery *q = user_data;
  int sock;

  q->errsv = 0;
  if (q->request == 0)
    {
      q->result = (int) if_nametoindex (q->name);
      if (q->result == 0)
        q->errsv = errno;
      return;
    }

  sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_no_errno (sock);
  g_strlcpy (q->ifr.ifr_name, q->name, sizeof q->ifr.ifr_name);
  q->result = ioctl (sock, q->request, &q->ifr);
  if (q->result < 0)
    q->errsv = errno;
  close (sock);
}

/* Asks the kernel about interface @name inside @netns, independently of
 * the library (on the calling thread, switched there and back). */
static IfQuery
if_query (SpacetestNamespace *netns,
          const char         *name,
          int                 request)
{
  g_autoptr(GError) error = NULL;
  IfQuery q = { name, request, { { { 0 } } }, 0, 0 };

  g_assert_true (spacetest_namespace_execute (netns, if_query_cb, &q,
                                              &error));
  g_assert_no_error (error);
  return q;
}

/* The index of interface @name in @netns, 0 if there is none. */
static int
if_index (SpacetestNamespace *netns,
          const char         *name)
{
  return if_query (netns, name, 0).result;
}

static void
count_links_cb (gpointer user_data)
{
  struct if_nameindex *list = if_nameindex ();
  guint *n = user_data;

  g_assert_nonnull (list);
  for (*n = 0; list[*n].if_index != 0; (*n)++)
    ;
  if_freenameindex (list);
}

/* The number of interfaces in @netns. */
static guint
count_links (SpacetestNamespace *netns)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (spacetest_namespace_execute (netns, count_links_cb, &n,
                                              &error));
  g_assert_no_error (error);
  return n;
}

static SpacetestNamespace *
new_netns (void)
{
  return spacetest_test_new_transient (NET);
}

static void
add_address (SpacetestLink *link,
             const char    *address)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (spacetest_link_add_address (link, address, &error));
  g_assert_no_error (error);
}

static void
add_route (SpacetestLink *link,
           const char    *destination,
           const char    *gateway)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (spacetest_link_add_route (link, destination, gateway,
                                           &error));
  g_assert_no_error (error);
}

/* ---- traffic --------------------------------------------------------- */

typedef struct
{
  GSocketFamily family;
  GSocketType type;
  GSocket *socket;
  GError *error;
} NewSocket;

static void
new_socket_cb (gpointer user_data)
{
  NewSocket *s = user_data;

  s->socket = g_socket_new (s->family, s->type, G_SOCKET_PROTOCOL_DEFAULT,
                            &s->error);
}

/* A socket made inside @netns: it stays there, whichever thread uses it. */
static GSocket *
socket_in (SpacetestNamespace *netns,
           GSocketFamily       family,
           GSocketType         type)
{
  g_autoptr(GError) error = NULL;
  NewSocket s = { family, type, NULL, NULL };

  g_assert_true (spacetest_namespace_execute (netns, new_socket_cb, &s,
                                              &error));
  g_assert_no_error (error);
  g_assert_no_error (s.error);
  g_socket_set_timeout (s.socket, 10);
  return s.socket;
}

static void
send_text (GSocket        *socket,
           GSocketAddress *to,
           const char     *text)
{
  g_autoptr(GError) error = NULL;
  gssize sent;

  if (to != NULL)
    sent = g_socket_send_to (socket, to, text, strlen (text), NULL, &error);
  else
    sent = g_socket_send (socket, text, strlen (text), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sent, ==, strlen (text));
}

static void
receive_text (GSocket         *socket,
              const char      *expected,
              GSocketAddress **from)
{
  g_autoptr(GError) error = NULL;
  char buf[64] = { 0, };
  gssize got;

  got = g_socket_receive_from (socket, from, buf, sizeof buf - 1, NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpint (got, ==, strlen (expected));
  g_assert_cmpstr (buf, ==, expected);
}

/* A TCP connection and a UDP exchange from @client_ns to @address, served
 * in @server_ns: a message each way on each. */
static void
assert_reaches (SpacetestNamespace *client_ns,
                SpacetestNamespace *server_ns,
                const char         *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) bind_to = NULL;
  GSocketFamily family;

  g_assert_nonnull (inet);
  family = g_inet_address_get_family (inet);
  bind_to = g_inet_socket_address_new (inet, 0);

  /* TCP */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) server = socket_in (server_ns, family,
                                           G_SOCKET_TYPE_STREAM);
    g_autoptr(GSocket) client = socket_in (client_ns, family,
                                           G_SOCKET_TYPE_STREAM);
    g_autoptr(GSocket) accepted = NULL;
    g_autoptr(GSocketAddress) bound = NULL;

    g_assert_true (g_socket_bind (server, bind_to, TRUE, &error));
    g_assert_no_error (error);
    g_assert_true (g_socket_listen (server, &error));
    bound = g_socket_get_local_address (server, &error);
    g_assert_no_error (error);

    g_assert_true (g_socket_connect (client, bound, NULL, &error));
    g_assert_no_error (error);
    accepted = g_socket_accept (server, NULL, &error);
    g_assert_no_error (error);

    send_text (client, NULL, "ping");
    receive_text (accepted, "ping", NULL);
    send_text (accepted, NULL, "pong");
    receive_text (client, "pong", NULL);
  }

  /* UDP */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) server = socket_in (server_ns, family,
                                           G_SOCKET_TYPE_DATAGRAM);
    g_autoptr(GSocket) client = socket_in (client_ns, family,
                                           G_SOCKET_TYPE_DATAGRAM);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GSocketAddress) from = NULL;

    g_assert_true (g_socket_bind (server, bind_to, TRUE, &error));
    g_assert_no_error (error);
    bound = g_socket_get_local_address (server, &error);
    g_assert_no_error (error);

    send_text (client, bound, "hello");
    receive_text (server, "hello", &from);
    send_text (server, from, "olleh");
    receive_text (client, "olleh", NULL);
  }
}

/* Fails unless nothing from @client_ns reaches @address in @server_ns
 * (a UDP datagram is not answered within a short time). */
static void
assert_unreachable (SpacetestNamespace *client_ns,
                    SpacetestNamespace *server_ns,
                    const char         *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) bind_to = g_inet_socket_address_new (inet, 0);
  GSocketFamily family = g_inet_address_get_family (inet);
  g_autoptr(GSocket) server = socket_in (server_ns, family,
                                         G_SOCKET_TYPE_DATAGRAM);
  g_autoptr(GSocket) client = socket_in (client_ns, family,
                                         G_SOCKET_TYPE_DATAGRAM);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  char buf[16];

  g_assert_true (g_socket_bind (server, bind_to, TRUE, &error));
  bound = g_socket_get_local_address (server, &error);
  g_assert_no_error (error);

  /* Sending may fail at once (no route); either way nothing arrives. */
  g_socket_send_to (client, bound, "x", 1, NULL, NULL);
  g_socket_set_timeout (server, 1);
  g_assert_cmpint (g_socket_receive (server, buf, sizeof buf, NULL, &error),
                   ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

/* ---- veth pairs ------------------------------------------------------ */

static void
test_veth_traffic (void)
{
  SpacetestNamespace *a, *b;
  g_autoptr(SpacetestLink) link = NULL;
  g_autoptr(SpacetestLink) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) prop_ns = NULL;
  g_autofree char *prop_name = NULL;
  TuThreadState before;
  int prop_index;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  tu_thread_state_get (&before);

  link = spacetest_link_new_veth (a, "left0", b, "right0", &peer, &error);
  g_assert_no_error (error);
  g_assert_true (SPACETEST_IS_LINK (link));
  g_assert_true (SPACETEST_IS_LINK (peer));
  assert_same_namespaces (&before);

  g_assert_cmpstr (spacetest_link_get_name (link), ==, "left0");
  g_assert_cmpstr (spacetest_link_get_name (peer), ==, "right0");
  g_assert_true (spacetest_link_get_namespace (link) == a);
  g_assert_true (spacetest_link_get_namespace (peer) == b);
  g_assert_cmpint (spacetest_link_get_index (link), ==, if_index (a, "left0"));
  g_assert_cmpint (spacetest_link_get_index (peer), ==, if_index (b, "right0"));
  g_assert_cmpint (if_index (a, "right0"), ==, 0);
  g_assert_cmpint (if_index (b, "left0"), ==, 0);

  g_object_get (link, "name", &prop_name, "index", &prop_index,
                "namespace", &prop_ns, NULL);
  g_assert_cmpstr (prop_name, ==, "left0");
  g_assert_cmpint (prop_index, ==, spacetest_link_get_index (link));
  g_assert_true (prop_ns == a);

  /* created up */
  g_assert_true (if_query (a, "left0", SIOCGIFFLAGS).ifr.ifr_flags & IFF_UP);
  g_assert_true (if_query (b, "right0", SIOCGIFFLAGS).ifr.ifr_flags & IFF_UP);

  add_address (link, "192.0.2.1/24");
  add_address (link, "2001:db8::1/64");
  add_address (peer, "192.0.2.2/24");
  add_address (peer, "2001:db8::2/64");
  assert_same_namespaces (&before);

  assert_reaches (a, b, "192.0.2.2");
  assert_reaches (b, a, "192.0.2.1");
  assert_reaches (a, b, "2001:db8::2");
  assert_reaches (b, a, "2001:db8::1");
  assert_same_namespaces (&before);

  g_clear_object (&link);
  g_clear_object (&peer);
  g_clear_object (&prop_ns);
  tu_assert_thread_state_unchanged (&before);
}

static void
test_veth_same_namespace (void)
{
  SpacetestNamespace *a = NULL;
  g_autoptr(SpacetestLink) link = NULL;
  g_autoptr(SpacetestLink) peer = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  tu_thread_state_get (&before);

  /* free names on both ends, no peer wanted */
  link = spacetest_link_new_veth (a, NULL, a, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (spacetest_link_get_name (link), "st"));
  g_assert_cmpint (spacetest_link_get_index (link), ==,
                   if_index (a, spacetest_link_get_name (link)));
  /* the pair lives on while one end does */
  g_assert_cmpuint (count_links (a), ==, 3);
  g_clear_object (&link);
  g_assert_cmpuint (count_links (a), ==, 1);

  link = spacetest_link_new_veth (a, "one", a, NULL, &peer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (spacetest_link_get_name (link), ==, "one");
  g_assert_true (g_str_has_prefix (spacetest_link_get_name (peer), "st"));
  g_assert_cmpstr (spacetest_link_get_name (peer), !=,
                   spacetest_link_get_name (link));
  g_assert_true (spacetest_namespace_equal (spacetest_link_get_namespace (peer),
                                            a));
  g_assert_cmpint (if_index (a, spacetest_link_get_name (peer)), ==,
                   spacetest_link_get_index (peer));
  assert_same_namespaces (&before);

  g_clear_object (&link);
  g_clear_object (&peer);
  g_assert_cmpuint (count_links (a), ==, 1);
  tu_assert_thread_state_unchanged (&before);
}

/* The calling thread itself in one of the namespaces: the link's socket
 * is made without a switch, and the thread stays where it is. */
static void
test_veth_from_inside (void)
{
  SpacetestGuard *guard;
  SpacetestNamespace *inside, *b;
  SpacetestLink *link, *peer = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  b = new_netns ();
  guard = spacetest_test_enter_transient (NET);
  inside = spacetest_guard_get_namespace (guard, NET);
  tu_thread_state_get (&before);

  link = spacetest_test_new_veth (inside, b, &peer);
  g_assert_nonnull (link);
  g_assert_nonnull (peer);
  assert_same_namespaces (&before);
  g_assert_cmpint (if_nametoindex (spacetest_link_get_name (link)), ==,
                   spacetest_link_get_index (link));
  add_address (link, "198.51.100.1/24");
  add_address (peer, "198.51.100.2/24");
  assert_reaches (inside, b, "198.51.100.2");
  assert_reaches (b, inside, "198.51.100.1");
  assert_same_namespaces (&before);
}

/* ---- bridges and macvlans -------------------------------------------- */

static void
test_bridge (void)
{
  SpacetestNamespace *hub, *hosts[3];
  g_autoptr(SpacetestLink) bridge = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  hub = new_netns ();
  tu_thread_state_get (&before);

  bridge = spacetest_link_new_bridge (hub, "br0", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (spacetest_link_get_name (bridge), ==, "br0");
  g_assert_cmpint (spacetest_link_get_index (bridge), ==,
                   if_index (hub, "br0"));

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *address = g_strdup_printf ("10.6.0.%d/24", i + 1);
      g_autofree char *address6 = g_strdup_printf ("fd06::%d/64", i + 1);
      SpacetestLink *host_end, *port;

      hosts[i] = new_netns ();
      host_end = spacetest_test_new_veth (hosts[i], hub, &port);
      g_assert_true (spacetest_link_set_master (port, bridge, &error));
      g_assert_no_error (error);
      add_address (host_end, address);
      add_address (host_end, address6);
    }
  assert_same_namespaces (&before);

  assert_reaches (hosts[0], hosts[1], "10.6.0.2");
  assert_reaches (hosts[2], hosts[0], "10.6.0.1");
  assert_reaches (hosts[1], hosts[2], "fd06::3");
  assert_same_namespaces (&before);
}

/* A port released from the bridge no longer passes traffic. */
static void
test_bridge_release (void)
{
  SpacetestNamespace *hub, *a, *b;
  SpacetestLink *a_end, *b_end, *a_port, *b_port;
  g_autoptr(SpacetestLink) bridge = NULL;
  g_autoptr(GError) error = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  hub = new_netns ();
  a = new_netns ();
  b = new_netns ();
  bridge = spacetest_link_new_bridge (hub, NULL, &error);
  g_assert_no_error (error);
  a_end = spacetest_test_new_veth (a, hub, &a_port);
  b_end = spacetest_test_new_veth (b, hub, &b_port);
  g_assert_true (spacetest_link_set_master (a_port, bridge, &error));
  g_assert_true (spacetest_link_set_master (b_port, bridge, &error));
  g_assert_no_error (error);
  add_address (a_end, "10.7.0.1/24");
  add_address (b_end, "10.7.0.2/24");
  assert_reaches (a, b, "10.7.0.2");

  g_assert_true (spacetest_link_set_master (b_port, NULL, &error));
  g_assert_no_error (error);
  assert_unreachable (a, b, "10.7.0.2");
}

static void
test_macvlan (void)
{
  SpacetestNamespace *a, *b;
  SpacetestLink *a_end, *b_end = NULL;
  g_autoptr(SpacetestLink) macvlan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *parent_mac = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  a_end = spacetest_test_new_veth (a, b, &b_end);
  tu_thread_state_get (&before);

  macvlan = spacetest_link_new_macvlan (a_end, "mv0", &error);
  g_assert_no_error (error);
  assert_same_namespaces (&before);
  g_assert_cmpstr (spacetest_link_get_name (macvlan), ==, "mv0");
  g_assert_true (spacetest_link_get_namespace (macvlan) == a);
  g_assert_cmpint (spacetest_link_get_index (macvlan), ==, if_index (a, "mv0"));

  mac = spacetest_link_dup_mac_address (macvlan);
  parent_mac = spacetest_link_dup_mac_address (a_end);
  g_assert_nonnull (mac);
  g_assert_cmpstr (mac, !=, parent_mac);

  /* only the macvlan has an address in a */
  add_address (macvlan, "10.5.0.3/24");
  add_address (macvlan, "fd05::3/64");
  add_address (b_end, "10.5.0.2/24");
  add_address (b_end, "fd05::2/64");
  assert_reaches (b, a, "10.5.0.3");
  assert_reaches (a, b, "10.5.0.2");
  assert_reaches (b, a, "fd05::3");

  /* a free name, too */
  {
    g_autoptr(SpacetestLink) other = spacetest_link_new_macvlan (a_end, NULL,
                                                                 &error);
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (spacetest_link_get_name (other), "st"));
  }
  assert_same_namespaces (&before);
}

/* ---- routes ---------------------------------------------------------- */

typedef struct
{
  const char *path;
  gboolean ok;
} WriteProc;

static void
write_proc_cb (gpointer user_data)
{
  WriteProc *w = user_data;

  int fd = open (w->path, O_WRONLY | O_CLOEXEC);

  /* not g_file_set_contents(): it replaces the file */
  w->ok = fd >= 0 && write (fd, "1", 1) == 1;
  if (fd >= 0)
    close (fd);
}

/* Turns forwarding on in @router (its own /proc/sys/net, which shows the
 * network namespace of the thread that opens it). */
static void
enable_forwarding (SpacetestNamespace *router)
{
  const char * const paths[] = {
    "/proc/sys/net/ipv4/ip_forward",
    "/proc/sys/net/ipv6/conf/all/forwarding",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;
      WriteProc w = { paths[i], FALSE };

      g_assert_true (spacetest_namespace_execute (router, write_proc_cb, &w,
                                                  &error));
      g_assert_no_error (error);
      g_assert_true (w.ok);
    }
}

static void
test_routes (void)
{
  SpacetestNamespace *a, *router, *b;
  SpacetestLink *a_end, *ra, *b_end, *rb;
  TuThreadState before;
  g_autofree char *host_forward = NULL;
  g_autofree char *after_forward = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  router = new_netns ();
  b = new_netns ();
  a_end = spacetest_test_new_veth (a, router, &ra);
  b_end = spacetest_test_new_veth (b, router, &rb);
  tu_thread_state_get (&before);

  g_assert_true (g_file_get_contents ("/proc/sys/net/ipv4/ip_forward",
                                      &host_forward, NULL, NULL));
  enable_forwarding (router);
  g_assert_true (g_file_get_contents ("/proc/sys/net/ipv4/ip_forward",
                                      &after_forward, NULL, NULL));
  g_assert_cmpstr (after_forward, ==, host_forward);

  add_address (ra, "10.1.0.1/24");
  add_address (ra, "fd01::1/64");
  add_address (rb, "10.2.0.1/24");
  add_address (rb, "fd02::1/64");

  /* a: host addresses and an on-link route to the router's subnet ... */
  add_address (a_end, "10.1.0.2");
  add_address (a_end, "fd01::2");
  assert_unreachable (a, router, "10.1.0.1");
  add_route (a_end, "10.1.0.0/24", NULL);
  add_route (a_end, "fd01::/64", NULL);
  assert_reaches (a, router, "10.1.0.1");
  assert_reaches (a, router, "fd01::1");

  /* ... and routes through the router to b's */
  add_address (b_end, "10.2.0.2/24");
  add_address (b_end, "fd02::2/64");
  assert_unreachable (a, b, "10.2.0.2");
  add_route (a_end, "10.2.0.0/24", "10.1.0.1");
  add_route (a_end, "fd02::/64", "fd01::1");
  add_route (b_end, "default", "10.2.0.1");
  add_route (b_end, "default", "fd02::1");
  assert_reaches (a, b, "10.2.0.2");
  assert_reaches (b, a, "10.1.0.2");
  assert_reaches (a, b, "fd02::2");
  assert_reaches (b, a, "fd01::2");
  assert_same_namespaces (&before);
}

/* ---- existing links, identity and state ------------------------------ */

static void
test_for_name (void)
{
  SpacetestNamespace *a;
  g_autoptr(SpacetestLink) lo = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  tu_thread_state_get (&before);

  lo = spacetest_link_new_for_name (a, "lo", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (spacetest_link_get_name (lo), ==, "lo");
  g_assert_cmpint (spacetest_link_get_index (lo), ==, if_index (a, "lo"));
  g_assert_cmpint (spacetest_link_get_index (lo), ==, 1);
  g_clear_object (&lo);
  g_assert_cmpint (if_index (a, "lo"), ==, 1);

  /* an existing veth end, by name: never deleted by unref */
  {
    SpacetestLink *end = spacetest_test_new_veth (a, a, NULL);
    g_autoptr(SpacetestLink) named =
      spacetest_link_new_for_name (a, spacetest_link_get_name (end), &error);

    g_assert_no_error (error);
    g_assert_cmpint (spacetest_link_get_index (named), ==,
                     spacetest_link_get_index (end));
    g_clear_object (&named);
    g_assert_cmpint (if_index (a, spacetest_link_get_name (end)), ==,
                     spacetest_link_get_index (end));
  }

  lo = spacetest_link_new_for_name (a, "nosuch0", &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'nosuch0'"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENODEV)));
  g_assert_null (lo);
  g_clear_error (&error);
  g_assert_null (spacetest_link_new_for_name (a, "nosuch0", NULL));
  assert_same_namespaces (&before);
}

/* The thread's own network namespace, named: works from inside. */
static void
test_for_name_current (void)
{
  g_autoptr(SpacetestLink) lo = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  tu_thread_state_get (&before);
  lo = spacetest_link_new_for_name (spacetest_test_current (NET), "lo",
                                    &error);
  g_assert_no_error (error);
  g_assert_cmpint (spacetest_link_get_index (lo), ==,
                   (int) if_nametoindex ("lo"));
  assert_same_namespaces (&before);
}

static void
test_mac_address (void)
{
  SpacetestNamespace *a;
  SpacetestLink *end, *peer;
  g_autofree char *mac = NULL;
  g_autofree char *peer_mac = NULL;
  IfQuery q;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  end = spacetest_test_new_veth (a, a, &peer);
  mac = spacetest_link_dup_mac_address (end);
  peer_mac = spacetest_link_dup_mac_address (peer);

  g_assert_nonnull (mac);
  g_assert_cmpuint (strlen (mac), ==, 17);
  for (int i = 0; i < 17; i++)
    {
      if (i % 3 == 2)
        g_assert_cmpint (mac[i], ==, ':');
      else
        g_assert_true (g_ascii_isxdigit (mac[i]) && !g_ascii_isupper (mac[i]));
    }
  g_assert_cmpstr (mac, !=, peer_mac);

  q = if_query (a, spacetest_link_get_name (end), SIOCGIFHWADDR);
  g_assert_cmpint (q.result, ==, 0);
  {
    const guint8 *hw = (const guint8 *) q.ifr.ifr_hwaddr.sa_data;
    g_autofree char *expected =
      g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x",
                       hw[0], hw[1], hw[2], hw[3], hw[4], hw[5]);
    g_assert_cmpstr (mac, ==, expected);
  }
}

static void
test_mtu (void)
{
  SpacetestNamespace *a;
  SpacetestLink *end;
  g_autoptr(GError) error = NULL;
  const char *name;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  end = spacetest_test_new_veth (a, a, NULL);
  name = spacetest_link_get_name (end);
  g_assert_cmpint (if_query (a, name, SIOCGIFMTU).ifr.ifr_mtu, ==, 1500);

  g_assert_true (spacetest_link_set_mtu (end, 1280, &error));
  g_assert_no_error (error);
  g_assert_cmpint (if_query (a, name, SIOCGIFMTU).ifr.ifr_mtu, ==, 1280);

  /* below the minimum of Ethernet links */
  g_assert_false (spacetest_link_set_mtu (end, 10, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, g_strerror (EINVAL)));
  g_assert_cmpint (if_query (a, name, SIOCGIFMTU).ifr.ifr_mtu, ==, 1280);
  g_assert_false (spacetest_link_set_mtu (end, 10, NULL));
}

static void
test_up_down (void)
{
  SpacetestNamespace *a;
  SpacetestLink *end;
  g_autoptr(SpacetestLink) lo = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = spacetest_test_new_transient_full (NET, SPACETEST_TRANSIENT_NONE);
  end = spacetest_test_new_veth (a, a, NULL);
  name = spacetest_link_get_name (end);

  g_assert_true (if_query (a, name, SIOCGIFFLAGS).ifr.ifr_flags & IFF_UP);
  g_assert_true (spacetest_link_set_up (end, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (if_query (a, name, SIOCGIFFLAGS).ifr.ifr_flags & IFF_UP);
  g_assert_true (spacetest_link_set_up (end, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (if_query (a, name, SIOCGIFFLAGS).ifr.ifr_flags & IFF_UP);

  /* lo of a namespace made without LOOPBACK_UP */
  lo = spacetest_link_new_for_name (a, "lo", &error);
  g_assert_no_error (error);
  g_assert_false (if_query (a, "lo", SIOCGIFFLAGS).ifr.ifr_flags & IFF_UP);
  g_assert_true (spacetest_link_set_up (lo, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (if_query (a, "lo", SIOCGIFFLAGS).ifr.ifr_flags & IFF_UP);
}

static gboolean
strv_has (char       **strv,
          const char  *s)
{
  return g_strv_contains ((const char * const *) strv, s);
}

static void
test_addresses (void)
{
  SpacetestNamespace *a;
  SpacetestLink *end;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) addresses = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  end = spacetest_test_new_veth (a, a, NULL);

  add_address (end, "192.0.2.1/24");
  add_address (end, "192.0.2.9");
  add_address (end, "2001:db8::1/64");
  add_address (end, "2001:db8:1::1");
  addresses = spacetest_link_dup_addresses (end, &error);
  g_assert_no_error (error);
  g_assert_nonnull (addresses);
  g_assert_true (strv_has (addresses, "192.0.2.1/24"));
  g_assert_true (strv_has (addresses, "192.0.2.9/32"));
  g_assert_true (strv_has (addresses, "2001:db8::1/64"));
  g_assert_true (strv_has (addresses, "2001:db8:1::1/128"));
  for (guint i = 0; addresses[i] != NULL; i++)
    g_assert_true (g_str_has_prefix (addresses[i], "192.0.2.") ||
                   g_str_has_prefix (addresses[i], "2001:db8:") ||
                   g_str_has_prefix (addresses[i], "fe80::"));

  /* the same address again: taken */
  g_assert_false (spacetest_link_add_address (end, "192.0.2.1/24", &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, g_strerror (EEXIST)));
  g_clear_error (&error);

  /* lo's */
  {
    g_autoptr(SpacetestLink) lo = spacetest_link_new_for_name (a, "lo",
                                                               &error);
    g_auto(GStrv) lo_addresses = spacetest_link_dup_addresses (lo, &error);

    g_assert_no_error (error);
    g_assert_true (strv_has (lo_addresses, "127.0.0.1/8"));
    g_assert_false (strv_has (lo_addresses, "192.0.2.1/24"));
  }
}

/* ---- lifetime -------------------------------------------------------- */

static void
test_lifetime (void)
{
  SpacetestNamespace *a, *b;
  g_autoptr(SpacetestLink) link = NULL;
  g_autoptr(SpacetestLink) peer = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  tu_thread_state_get (&before);

  /* both ends dropped: gone */
  link = spacetest_link_new_veth (a, "life0", b, "life1", &peer, &error);
  g_assert_no_error (error);
  g_clear_object (&link);
  g_assert_cmpint (if_index (a, "life0"), !=, 0);
  g_assert_cmpint (if_index (b, "life1"), !=, 0);
  g_clear_object (&peer);
  g_assert_cmpint (if_index (a, "life0"), ==, 0);
  g_assert_cmpint (if_index (b, "life1"), ==, 0);
  tu_assert_thread_state_unchanged (&before);

  /* the other order */
  link = spacetest_link_new_veth (a, "life0", b, "life1", &peer, &error);
  g_assert_no_error (error);
  g_clear_object (&peer);
  g_assert_cmpint (if_index (a, "life0"), !=, 0);
  g_assert_true (spacetest_link_set_up (link, TRUE, &error));
  g_assert_no_error (error);
  g_clear_object (&link);
  g_assert_cmpint (if_index (a, "life0"), ==, 0);
  g_assert_cmpint (if_index (b, "life1"), ==, 0);

  /* a bridge and a macvlan */
  {
    g_autoptr(SpacetestLink) bridge = spacetest_link_new_bridge (a, "lbr0",
                                                                 &error);
    g_autoptr(SpacetestLink) macvlan = NULL;

    g_assert_no_error (error);
    macvlan = spacetest_link_new_macvlan (bridge, "lmv0", &error);
    g_assert_no_error (error);
    g_assert_cmpint (if_index (a, "lmv0"), !=, 0);
    g_clear_object (&macvlan);
    g_assert_cmpint (if_index (a, "lmv0"), ==, 0);
    g_assert_cmpint (if_index (a, "lbr0"), !=, 0);
  }
  g_assert_cmpint (if_index (a, "lbr0"), ==, 0);
  tu_assert_thread_state_unchanged (&before);
}

static void
test_delete (void)
{
  SpacetestNamespace *a, *b;
  g_autoptr(SpacetestLink) link = NULL;
  g_autoptr(SpacetestLink) peer = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  tu_thread_state_get (&before);

  link = spacetest_link_new_veth (a, "del0", b, "del1", &peer, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_link_delete (link, &error));
  g_assert_no_error (error);
  g_assert_cmpint (if_index (a, "del0"), ==, 0);
  g_assert_cmpint (if_index (b, "del1"), ==, 0);

  /* again, and on the other end: done already */
  g_assert_true (spacetest_link_delete (link, &error));
  g_assert_true (spacetest_link_delete (peer, &error));
  g_assert_no_error (error);

  /* other calls say so */
  g_assert_false (spacetest_link_set_up (link, TRUE, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'del0'"));
  g_assert_nonnull (strstr (error->message, "deleted"));
  g_clear_error (&error);
  g_assert_false (spacetest_link_set_up (peer, TRUE, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (spacetest_link_add_address (link, "10.0.0.1/8", &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (spacetest_link_dup_addresses (peer, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (spacetest_link_dup_mac_address (link));
  g_assert_null (spacetest_link_new_macvlan (link, NULL, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (spacetest_link_set_up (link, TRUE, NULL));

  /* the name is free again */
  g_clear_object (&link);
  g_clear_object (&peer);
  link = spacetest_link_new_veth (a, "del0", b, "del1", &peer, &error);
  g_assert_no_error (error);

  /* a link gone behind the library's back: delete() is still fine */
  {
    g_autoptr(SpacetestLink) named = spacetest_link_new_for_name (a, "del0",
                                                                  &error);
    g_assert_no_error (error);
    g_assert_true (spacetest_link_delete (named, &error));
    g_assert_no_error (error);
    g_assert_false (spacetest_link_set_mtu (link, 1400, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, g_strerror (ENODEV)));
    g_clear_error (&error);
    g_assert_true (spacetest_link_delete (link, &error));
    g_assert_no_error (error);
  }
  g_clear_object (&link);
  g_clear_object (&peer);
  tu_assert_thread_state_unchanged (&before);
}

/* Links in a namespace that goes away go with it; dropping them later
 * is harmless. */
static void
test_namespace_gone (void)
{
  g_autoptr(SpacetestNamespace) a = NULL;
  SpacetestNamespace *b;
  g_autoptr(SpacetestLink) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = spacetest_namespace_new_transient (NET, SPACETEST_TRANSIENT_NONE,
                                         &error);
  g_assert_no_error (error);
  b = new_netns ();
  {
    g_autoptr(SpacetestLink) link = spacetest_link_new_veth (a, NULL, b, NULL,
                                                             &peer, &error);
    g_assert_no_error (error);
  }
  name = g_strdup (spacetest_link_get_name (peer));
  g_assert_cmpint (if_index (b, name), !=, 0);

  /* a stays alive while peer holds its socket there; transient off: the
   * pair outlives the objects */
  _spacetest_link_set_transient (peer, FALSE);
  g_clear_object (&peer);
  g_clear_object (&a);
  /* namespace teardown is asynchronous: wait for the pair to go */
  for (int i = 0; i < 500 && if_index (b, name) != 0; i++)
    g_usleep (10000);
  g_assert_cmpint (if_index (b, name), ==, 0);
}

static void
test_private (void)
{
  SpacetestNamespace *a;
  g_autoptr(SpacetestLink) link = NULL;
  g_autoptr(SpacetestLink) empty = NULL;
  g_autoptr(GError) error = NULL;
  int fd, flags;
  int domain;
  socklen_t len = sizeof domain;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  link = spacetest_link_new_bridge (a, "keep0", &error);
  g_assert_no_error (error);

  fd = _spacetest_link_get_socket_fd (link);
  g_assert_cmpint (fd, >=, 0);
  flags = fcntl (fd, F_GETFD);
  g_assert_cmpint (flags, >=, 0);
  g_assert_true (flags & FD_CLOEXEC);
  g_assert_no_errno (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len));
  g_assert_cmpint (domain, ==, AF_NETLINK);

  empty = g_object_new (SPACETEST_TYPE_LINK, NULL);
  g_assert_cmpint (_spacetest_link_get_socket_fd (empty), ==, -1);
  _spacetest_link_set_transient (empty, FALSE);

  /* not transient: it stays (the namespace takes it along) */
  _spacetest_link_set_transient (link, FALSE);
  g_clear_object (&link);
  g_assert_cmpint (if_index (a, "keep0"), !=, 0);
  g_assert_cmpint (fcntl (fd, F_GETFD), ==, -1);

  /* and back */
  link = spacetest_link_new_for_name (a, "keep0", &error);
  g_assert_no_error (error);
  _spacetest_link_set_transient (link, TRUE);
  g_clear_object (&link);
  g_assert_cmpint (if_index (a, "keep0"), ==, 0);
}

/* A free name that another link has taken already is chosen anew. */
static void
test_free_names (void)
{
  SpacetestNamespace *a;
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  SpacetestLink *first, *next;
  guint64 k;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  first = spacetest_link_new_bridge (a, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (links, first);
  g_assert_true (g_ascii_string_to_unsigned (spacetest_link_get_name (first)
                                             + 2, 10, 0, G_MAXUINT, &k,
                                             NULL));

  /* the next five free names, taken by the caller's own links */
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("st%" G_GUINT64_FORMAT, k + i);

      g_ptr_array_add (links, spacetest_link_new_bridge (a, name, &error));
      g_assert_no_error (error);
    }

  next = spacetest_link_new_bridge (a, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (links, next);
  g_assert_cmpint (if_index (a, spacetest_link_get_name (next)), ==,
                   spacetest_link_get_index (next));
  for (guint i = 0; i < links->len - 1; i++)
    g_assert_cmpstr (spacetest_link_get_name (links->pdata[i]), !=,
                     spacetest_link_get_name (next));

  /* a veth pair whose given name is taken is not retried */
  g_assert_null (spacetest_link_new_veth (a, spacetest_link_get_name (next),
                                          a, NULL, NULL, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
}

/* ---- bad input ------------------------------------------------------- */

static void
test_bad_names (void)
{
  const char * const bad[] = {
    "0123456789abcdef", "a-name-too-long-for-it", "", ".", "..", "a/b",
    "a b", "a:b", "a%d", "tab\t", "nl\n",
  };
  SpacetestNamespace *a, *b;
  TuThreadState before;
  guint n_a, n_b;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  n_a = count_links (a);
  n_b = count_links (b);
  tu_thread_state_get (&before);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestLink) peer = NULL;
      g_autoptr(SpacetestLink) link = NULL;
      g_autoptr(SpacetestLink) parent = NULL;

      g_autofree char *shown = g_strescape (bad[i], NULL);

      g_test_message ("name '%s'", shown);
      link = spacetest_link_new_veth (a, bad[i], b, NULL, &peer, &error);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_assert_null (link);
      g_assert_null (peer);
      g_clear_error (&error);

      link = spacetest_link_new_veth (a, NULL, b, bad[i], &peer, &error);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_null (spacetest_link_new_veth (a, bad[i], b, NULL, NULL, NULL));

      link = spacetest_link_new_bridge (a, bad[i], &error);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_null (spacetest_link_new_bridge (a, bad[i], NULL));

      link = spacetest_link_new_for_name (a, bad[i], &error);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);

      parent = spacetest_link_new_for_name (a, "lo", &error);
      g_assert_no_error (error);
      link = spacetest_link_new_macvlan (parent, bad[i], &error);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  tu_assert_thread_state_unchanged (&before);
  g_assert_cmpuint (count_links (a), ==, n_a);
  g_assert_cmpuint (count_links (b), ==, n_b);

  /* 15 characters is the most there is room for */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SpacetestLink) link =
      spacetest_link_new_bridge (a, "0123456789abcde", &error);

    g_assert_no_error (error);
    g_assert_cmpint (if_index (a, "0123456789abcde"), !=, 0);
  }
}

static void
test_bad_taken (void)
{
  SpacetestNamespace *a, *b;
  g_autoptr(SpacetestLink) bridge = NULL;
  g_autoptr(SpacetestLink) link = NULL;
  g_autoptr(SpacetestLink) peer = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;
  guint n_a, n_b;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  bridge = spacetest_link_new_bridge (a, "taken0", &error);
  g_assert_no_error (error);
  n_a = count_links (a);
  n_b = count_links (b);
  tu_thread_state_get (&before);

  link = spacetest_link_new_bridge (a, "taken0", &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "'taken0'"));
  g_assert_nonnull (strstr (error->message, g_strerror (EEXIST)));
  g_clear_error (&error);
  g_assert_null (link);

  link = spacetest_link_new_bridge (a, "lo", &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, g_strerror (EEXIST)));
  g_clear_error (&error);

  /* either end's name; the other end free or given */
  link = spacetest_link_new_veth (a, "taken0", b, NULL, &peer, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, g_strerror (EEXIST)));
  g_clear_error (&error);
  g_assert_null (peer);
  link = spacetest_link_new_veth (b, NULL, a, "taken0", &peer, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
  g_clear_error (&error);
  link = spacetest_link_new_veth (b, "fine0", a, "taken0", &peer, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
  g_clear_error (&error);
  link = spacetest_link_new_macvlan (bridge, "taken0", &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (spacetest_link_new_bridge (a, "taken0", NULL));

  tu_assert_thread_state_unchanged (&before);
  g_assert_cmpuint (count_links (a), ==, n_a);
  g_assert_cmpuint (count_links (b), ==, n_b);
}

static void
test_bad_namespace (void)
{
  SpacetestNamespace *a, *uts;
  g_autoptr(SpacetestNamespace) empty = NULL;
  g_autoptr(SpacetestLink) link = NULL;
  g_autoptr(SpacetestLink) peer = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;
  guint n_a;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS))
    return;

  a = new_netns ();
  uts = spacetest_test_new_transient (UTS);
  empty = g_object_new (SPACETEST_TYPE_NAMESPACE, NULL);
  n_a = count_links (a);
  tu_thread_state_get (&before);

  link = spacetest_link_new_veth (a, NULL, uts, NULL, &peer, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "UTS"));
  g_assert_null (link);
  g_assert_null (peer);
  g_clear_error (&error);
  link = spacetest_link_new_veth (uts, NULL, a, NULL, &peer, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  link = spacetest_link_new_bridge (uts, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  link = spacetest_link_new_for_name (uts, "lo", &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  link = spacetest_link_new_for_name (empty, "lo", &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  link = spacetest_link_new_veth (a, NULL, empty, NULL, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (spacetest_link_new_bridge (uts, NULL, NULL));

  tu_assert_thread_state_unchanged (&before);
  g_assert_cmpuint (count_links (a), ==, n_a);
}

/* The link's addresses without the IPv6 link-local one, which the kernel
 * adds when it sees the carrier, at a moment of its choosing. */
static GStrv
global_addresses (SpacetestLink *link)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) all = spacetest_link_dup_addresses (link, &error);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_assert_no_error (error);
  for (guint i = 0; all[i] != NULL; i++)
    if (!g_str_has_prefix (all[i], "fe80:"))
      g_strv_builder_add (builder, all[i]);

  return g_strv_builder_end (builder);
}

static void
test_bad_addresses (void)
{
  const char * const bad[] = {
    "300.1.1.1/24", "1.2.3.4/33", "fe80::/129", "banana", "", "1.2.3.4/",
    "1.2.3.4/-1", "1.2.3.4/ 8", "1.2.3.4/8/8", "1.2.3", "1.2.3.4 /8",
    "fe80::1%lo", "/24", "1.2.3.4/0x8", "2001:db8::1/1000",
  };
  SpacetestNamespace *a;
  SpacetestLink *end;
  TuThreadState before;
  g_auto(GStrv) addresses_before = NULL;
  g_auto(GStrv) addresses_after = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  end = spacetest_test_new_veth (a, a, NULL);
  add_address (end, "192.0.2.1/24");
  addresses_before = global_addresses (end);
  tu_thread_state_get (&before);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("address '%s'", bad[i]);
      g_assert_false (spacetest_link_add_address (end, bad[i], &error));
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_assert_nonnull (strstr (error->message,
                                spacetest_link_get_name (end)));
      g_assert_false (spacetest_link_add_address (end, bad[i], NULL));
    }

  tu_assert_thread_state_unchanged (&before);
  addresses_after = global_addresses (end);
  g_assert_cmpstrv (addresses_after, addresses_before);
  g_assert_cmpstr (addresses_after[0], ==, "192.0.2.1/24");
}

static void
test_bad_routes (void)
{
  const struct
  {
    const char *destination;
    const char *gateway;
  } bad[] = {
    { "default", NULL },
    { "banana", NULL },
    { "300.1.1.1/24", NULL },
    { "1.2.3.4/33", NULL },
    { "fe80::/129", NULL },
    { "10.0.0.0/8", "banana" },
    { "10.0.0.0/8", "10.0.0.1/8" },
    { "10.0.0.0/8", "fe80::1" },
    { "fd00::/8", "10.0.0.1" },
    { "default", "" },
    { "", NULL },
    /* the kernel's refusal: host bits beyond the prefix */
    { "10.0.0.1/8", NULL },
  };
  SpacetestNamespace *a;
  SpacetestLink *end;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  end = spacetest_test_new_veth (a, a, NULL);
  tu_thread_state_get (&before);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("route to '%s' via '%s'", bad[i].destination,
                      bad[i].gateway);
      g_assert_false (spacetest_link_add_route (end, bad[i].destination,
                                                bad[i].gateway, &error));
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i].destination));
      g_assert_false (spacetest_link_add_route (end, bad[i].destination,
                                                bad[i].gateway, NULL));
    }

  /* a gateway that is not on any link: the kernel's reason */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_link_add_route (end, "10.9.0.0/16",
                                              "10.8.0.1", &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "10.8.0.1"));
    g_assert_nonnull (strstr (error->message, spacetest_link_get_name (end)));
  }

  /* twice the same: taken */
  {
    g_autoptr(GError) error = NULL;

    add_route (end, "10.10.0.0/16", NULL);
    g_assert_false (spacetest_link_add_route (end, "10.10.0.0/16", NULL,
                                              &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, g_strerror (EEXIST)));
  }

  tu_assert_thread_state_unchanged (&before);
}

static void
test_bad_master (void)
{
  SpacetestNamespace *a, *b;
  SpacetestLink *end, *peer;
  g_autoptr(SpacetestLink) bridge = NULL;
  g_autoptr(SpacetestLink) lo = NULL;
  g_autoptr(SpacetestLink) empty = NULL;
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  end = spacetest_test_new_veth (a, b, &peer);
  bridge = spacetest_link_new_bridge (b, "brb", &error);
  g_assert_no_error (error);
  lo = spacetest_link_new_for_name (a, "lo", &error);
  g_assert_no_error (error);
  empty = g_object_new (SPACETEST_TYPE_LINK, NULL);
  tu_thread_state_get (&before);

  /* a master in another namespace */
  g_assert_false (spacetest_link_set_master (end, bridge, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'brb'"));
  g_assert_nonnull (strstr (error->message, spacetest_link_get_name (end)));
  g_clear_error (&error);
  g_assert_false (spacetest_link_set_master (end, bridge, NULL));

  /* a master that is no bridge: the kernel's refusal */
  g_assert_false (spacetest_link_set_master (end, lo, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* a master that holds no link */
  g_assert_false (spacetest_link_set_master (end, empty, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  tu_assert_thread_state_unchanged (&before);

  /* releasing a link without master is fine */
  g_assert_true (spacetest_link_set_master (peer, NULL, &error));
  g_assert_no_error (error);
}

/* A link made with g_object_new() holds nothing: every call says so. */
static void
test_unusable (void)
{
  g_autoptr(SpacetestLink) empty = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestLink) macvlan = NULL;

  spacetest_test_check_leaks ();

  empty = g_object_new (SPACETEST_TYPE_LINK, NULL);
  g_assert_null (spacetest_link_get_name (empty));
  g_assert_cmpint (spacetest_link_get_index (empty), ==, 0);
  g_assert_null (spacetest_link_get_namespace (empty));
  g_assert_null (spacetest_link_dup_mac_address (empty));

#define ASSERT_HOLDS_NO_LINK(call) \
  G_STMT_START { \
    call; \
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT); \
    g_assert_nonnull (strstr (error->message, "holds no link")); \
    g_clear_error (&error); \
  } G_STMT_END

  ASSERT_HOLDS_NO_LINK (g_assert_false (spacetest_link_set_up (empty, TRUE, &error)));
  ASSERT_HOLDS_NO_LINK (g_assert_false (spacetest_link_set_mtu (empty, 1500, &error)));
  ASSERT_HOLDS_NO_LINK (g_assert_false (spacetest_link_set_master (empty, NULL, &error)));
  ASSERT_HOLDS_NO_LINK (g_assert_false (spacetest_link_add_address (empty, "10.0.0.1", &error)));
  ASSERT_HOLDS_NO_LINK (g_assert_null (spacetest_link_dup_addresses (empty, &error)));
  ASSERT_HOLDS_NO_LINK (g_assert_false (spacetest_link_add_route (empty, "default", "10.0.0.1", &error)));
  ASSERT_HOLDS_NO_LINK (g_assert_false (spacetest_link_delete (empty, &error)));
  ASSERT_HOLDS_NO_LINK (macvlan = spacetest_link_new_macvlan (empty, NULL, &error));
#undef ASSERT_HOLDS_NO_LINK

  g_assert_null (macvlan);
  g_assert_false (spacetest_link_delete (empty, NULL));
}

/* ---- the spacer's rooms and the GTest layer -------------------------- */

static void
test_spacer_room (void)
{
  SpacetestSpacer *spacer;
  SpacetestNamespace *mine, *room;
  SpacetestLink *end, *room_end;
  GPtrArray *rooms;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  mine = new_netns ();
  spacer = spacetest_test_new_spacer ();
  g_assert_nonnull (spacer);
  rooms = spacetest_test_rooms (spacer, NET);
  g_assert_nonnull (rooms);
  g_assert_cmpuint (rooms->len, ==, 1);
  room = g_ptr_array_index (rooms, 0);
  tu_thread_state_get (&before);

  end = spacetest_test_new_veth (mine, room, &room_end);
  g_assert_nonnull (end);
  g_assert_true (spacetest_link_get_namespace (room_end) == room);
  add_address (end, "203.0.113.1/24");
  add_address (room_end, "203.0.113.2/24");
  assert_reaches (mine, room, "203.0.113.2");
  assert_reaches (room, mine, "203.0.113.1");
  assert_same_namespaces (&before);
}

/* One line: the line the macro reports. */
static const int new_veth_uts_line = __LINE__; static SpacetestLink *new_veth_uts (SpacetestNamespace *uts) { return spacetest_test_new_veth (uts, uts, NULL); }

static void
test_testlayer (void)
{
  g_autofree char *where = NULL;

  if (g_test_subprocess ())
    {
      new_veth_uts (spacetest_test_new_transient (UTS));
      g_print ("not reached\n");
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS))
    return;

  /* both ends belong to the test */
  {
    SpacetestNamespace *a = new_netns ();
    SpacetestLink *peer = NULL;
    SpacetestLink *end = spacetest_test_new_veth (a, a, &peer);

    g_assert_nonnull (end);
    g_assert_nonnull (peer);
    g_assert_cmpint (G_OBJECT (end)->ref_count, ==, 1);
    g_assert_cmpint (G_OBJECT (peer)->ref_count, ==, 1);
    g_assert_cmpint (if_index (a, spacetest_link_get_name (peer)), ==,
                     spacetest_link_get_index (peer));
  }

  where = g_strdup_printf ("*link.c:%d:*", new_veth_uts_line);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr (where);
  g_test_trap_assert_stderr ("*spacetest_test_new_veth*UTS*");
  g_test_trap_assert_stdout_unmatched ("*not reached*");
}

/* How long a veth pair between two namespaces takes to make and to
 * delete (a figure, reported in the test log; checked only for sanity). */
static void
test_veth_many (void)
{
  SpacetestNamespace *a, *b;
  gint64 start, made, gone;
  const int n = 50;
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (g_object_unref);
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = new_netns ();
  b = new_netns ();
  tu_thread_state_get (&before);

  start = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      SpacetestLink *peer = NULL;
      SpacetestLink *link = spacetest_link_new_veth (a, NULL, b, NULL, &peer,
                                                     &error);

      g_assert_no_error (error);
      g_ptr_array_add (links, link);
      g_ptr_array_add (links, peer);
    }
  made = g_get_monotonic_time ();
  g_assert_cmpuint (count_links (a), ==, 1 + n);
  g_assert_cmpuint (count_links (b), ==, 1 + n);
  assert_same_namespaces (&before);

  g_ptr_array_set_size (links, 0);
  gone = g_get_monotonic_time ();
  g_assert_cmpuint (count_links (a), ==, 1);
  g_assert_cmpuint (count_links (b), ==, 1);
  tu_assert_thread_state_unchanged (&before);

  g_test_message ("veth pair between two namespaces: %.2f ms to make, "
                  "%.2f ms to delete",
                  (made - start) / 1000.0 / n, (gone - made) / 1000.0 / n);
}

int
main (int argc, char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spacetest/link/veth/traffic", test_veth_traffic);
  g_test_add_func ("/spacetest/link/veth/same-namespace",
                   test_veth_same_namespace);
  g_test_add_func ("/spacetest/link/veth/from-inside", test_veth_from_inside);
  g_test_add_func ("/spacetest/link/veth/many", test_veth_many);
  g_test_add_func ("/spacetest/link/bridge/traffic", test_bridge);
  g_test_add_func ("/spacetest/link/bridge/release", test_bridge_release);
  g_test_add_func ("/spacetest/link/macvlan", test_macvlan);
  g_test_add_func ("/spacetest/link/routes", test_routes);
  g_test_add_func ("/spacetest/link/for-name", test_for_name);
  g_test_add_func ("/spacetest/link/for-name/current", test_for_name_current);
  g_test_add_func ("/spacetest/link/mac-address", test_mac_address);
  g_test_add_func ("/spacetest/link/mtu", test_mtu);
  g_test_add_func ("/spacetest/link/up-down", test_up_down);
  g_test_add_func ("/spacetest/link/addresses", test_addresses);
  g_test_add_func ("/spacetest/link/lifetime/transient", test_lifetime);
  g_test_add_func ("/spacetest/link/lifetime/delete", test_delete);
  g_test_add_func ("/spacetest/link/lifetime/namespace-gone",
                   test_namespace_gone);
  g_test_add_func ("/spacetest/link/lifetime/private", test_private);
  g_test_add_func ("/spacetest/link/free-names", test_free_names);
  g_test_add_func ("/spacetest/link/bad/names", test_bad_names);
  g_test_add_func ("/spacetest/link/bad/taken", test_bad_taken);
  g_test_add_func ("/spacetest/link/bad/namespace", test_bad_namespace);
  g_test_add_func ("/spacetest/link/bad/addresses", test_bad_addresses);
  g_test_add_func ("/spacetest/link/bad/routes", test_bad_routes);
  g_test_add_func ("/spacetest/link/bad/master", test_bad_master);
  g_test_add_func ("/spacetest/link/bad/unusable", test_unusable);
  g_test_add_func ("/spacetest/link/spacer-room", test_spacer_room);
  g_test_add_func ("/spacetest/link/testlayer", test_testlayer);

  return g_test_run ();
}
