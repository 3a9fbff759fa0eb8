/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lan.c: SPACETEST_TRANSIENT_ETHERNET and the test LAN (manual: "Test
 * networks") */

#include "test-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETHERNET SPACETEST_TRANSIENT_ETHERNET
#define LAN_BROADCAST "198.19.255.255"
#define GROUP "239.255.83.84"

/* A socket of the network namespace @ns: made with the calling thread
 * switched in and back; it stays in @ns. */
static int
socket_in (SpacetestNamespace *ns,
           int                 domain,
           int                 type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  int fd;

  guard = spacetest_namespace_enter (ns, &error);
  g_assert_no_error (error);
  fd = socket (domain, type | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  return fd;
}

static char *
lan_address (SpacetestNamespace *ns,
             GSocketFamily       family)
{
  g_autoptr(GInetAddress) address =
    spacetest_namespace_get_lan_address (ns, family);

  g_assert_nonnull (address);
  g_assert_cmpint (g_inet_address_get_family (address), ==, family);
  return g_inet_address_to_string (address);
}

static void
sockaddr_for (const char              *address,
              guint16                  port,
              struct sockaddr_storage *ss,
              socklen_t               *len)
{
  memset (ss, 0, sizeof *ss);
  if (strchr (address, ':') != NULL)
    {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons (port);
      g_assert_cmpint (inet_pton (AF_INET6, address, &sin6->sin6_addr), ==, 1);
      *len = sizeof *sin6;
    }
  else
    {
      struct sockaddr_in *sin = (struct sockaddr_in *) ss;

      sin->sin_family = AF_INET;
      sin->sin_port = htons (port);
      g_assert_cmpint (inet_pton (AF_INET, address, &sin->sin_addr), ==, 1);
      *len = sizeof *sin;
    }
}

static guint16
bound_port (int fd)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  g_assert_no_errno (getsockname (fd, (struct sockaddr *) &ss, &len));
  return ntohs (ss.ss_family == AF_INET6
                  ? ((struct sockaddr_in6 *) &ss)->sin6_port
                  : ((struct sockaddr_in *) &ss)->sin_port);
}

static void
wait_readable (int fd)
{
  struct pollfd pfd = { fd, POLLIN, 0 };

  g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);
}

static void
assert_receive (int         fd,
                const char *expected)
{
  char buf[64] = { 0, };

  wait_readable (fd);
  g_assert_cmpint (recv (fd, buf, sizeof buf - 1, 0), ==, strlen (expected));
  g_assert_cmpstr (buf, ==, expected);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The names of the calling thread's network interfaces, sorted. */
static char *
interface_names (void)
{
  struct if_nameindex *list = if_nameindex ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  g_assert_nonnull (list);
  for (struct if_nameindex *i = list; i->if_index != 0; i++)
    g_ptr_array_add (names, i->if_name);
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);

  {
    char *joined = g_strjoinv (",", (char **) names->pdata);
    if_freenameindex (list);
    return joined;
  }
}

static short
interface_flags (const char *name)
{
  struct ifreq ifr = { 0, };
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (sock, >=, 0);
  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  g_assert_no_errno (ioctl (sock, SIOCGIFFLAGS, &ifr));
  g_assert_no_errno (close (sock));
  return ifr.ifr_flags;
}

/* "address/prefix" of every address of @name, sorted. */
static char *
interface_addresses (const char *name)
{
  struct ifaddrs *list = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_errno (getifaddrs (&list));
  for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next)
    {
      char text[INET6_ADDRSTRLEN];
      const void *addr;

      if (i->ifa_addr == NULL || strcmp (i->ifa_name, name) != 0)
        continue;
      if (i->ifa_addr->sa_family == AF_INET)
        addr = &((struct sockaddr_in *) i->ifa_addr)->sin_addr;
      else if (i->ifa_addr->sa_family == AF_INET6)
        addr = &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr;
      else
        continue;
      g_assert_nonnull (inet_ntop (i->ifa_addr->sa_family, addr, text,
                                   sizeof text));
      /* link-local ones are the kernel's, not the LAN's */
      if (!g_str_has_prefix (text, "fe80:"))
        g_ptr_array_add (found, g_strdup (text));
    }
  freeifaddrs (list);

  g_ptr_array_sort (found, compare_strings);
  g_ptr_array_add (found, NULL);
  return g_strjoinv (",", (char **) found->pdata);
}

static void
test_enter (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *host_before = NULL;
  g_autofree char *host_after = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *v4 = NULL;
  g_autofree char *v6 = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *addresses = NULL;
  struct addrinfo hints = { .ai_family = AF_INET,
                            .ai_flags = AI_ADDRCONFIG };
  struct addrinfo *result = NULL;
  SpacetestGuard *guard;
  SpacetestNamespace *net;
  short flags;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  host_before = interface_names ();
  guard = spacetest_test_enter_transient_full (NET, ETHERNET);
  net = spacetest_guard_get_namespace (guard, NET);

  /* AI_ADDRCONFIG sees a non-loopback IPv4 address */
  g_assert_cmpint (getaddrinfo ("localhost", NULL, &hints, &result), ==, 0);
  g_assert_nonnull (result);
  freeaddrinfo (result);

  inside = interface_names ();
  g_assert_cmpstr (inside, ==, "eth0,lo");
  flags = interface_flags ("eth0");
  g_assert_cmpint (flags & (IFF_UP | IFF_MULTICAST | IFF_BROADCAST), ==,
                   IFF_UP | IFF_MULTICAST | IFF_BROADCAST);
  g_assert_cmpint (flags & IFF_LOOPBACK, ==, 0);
  g_assert_cmpint (interface_flags ("lo") & IFF_UP, ==, IFF_UP);

  v4 = lan_address (net, G_SOCKET_FAMILY_IPV4);
  v6 = lan_address (net, G_SOCKET_FAMILY_IPV6);
  g_assert_true (g_str_has_prefix (v4, "198.18.") ||
                 g_str_has_prefix (v4, "198.19."));
  g_assert_true (g_str_has_prefix (v6, "fd00:5354::"));
  /* sorted, as interface_addresses() gives them */
  expected = g_strcmp0 (v4, v6) < 0 ? g_strdup_printf ("%s,%s", v4, v6)
                                    : g_strdup_printf ("%s,%s", v6, v4);
  addresses = interface_addresses ("eth0");
  g_assert_cmpstr (addresses, ==, expected);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);

  /* the host's network namespace has no new link */
  host_after = interface_names ();
  g_assert_cmpstr (host_after, ==, host_before);
}

typedef struct
{
  SpacetestNamespace *a;
  SpacetestNamespace *b;
} Pair;

static void
pair_new (Pair *pair)
{
  pair->a = spacetest_test_new_transient_full (NET, ETHERNET);
  pair->b = spacetest_test_new_transient_full (NET, ETHERNET);
  g_assert_false (spacetest_namespace_equal (pair->a, pair->b));
}

/* TCP from b to a's LAN address, and an answer back. */
static void
check_tcp (Pair          *pair,
           GSocketFamily  family)
{
  g_autofree char *address = lan_address (pair->a, family);
  int domain = family == G_SOCKET_FAMILY_IPV4 ? AF_INET : AF_INET6;
  int listener = socket_in (pair->a, domain, SOCK_STREAM);
  int client = socket_in (pair->b, domain, SOCK_STREAM);
  struct sockaddr_storage ss;
  socklen_t len;
  int server;

  sockaddr_for (address, 0, &ss, &len);
  g_assert_no_errno (bind (listener, (struct sockaddr *) &ss, len));
  g_assert_no_errno (listen (listener, 1));
  sockaddr_for (address, bound_port (listener), &ss, &len);
  g_assert_no_errno (connect (client, (struct sockaddr *) &ss, len));
  server = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  g_assert_cmpint (server, >=, 0);

  g_assert_cmpint (send (client, "ping", 4, 0), ==, 4);
  assert_receive (server, "ping");
  g_assert_cmpint (send (server, "pong", 4, 0), ==, 4);
  assert_receive (client, "pong");

  g_assert_no_errno (close (server));
  g_assert_no_errno (close (client));
  g_assert_no_errno (close (listener));
}

static void
test_two_hosts (void)
{
  g_autofree char *a4 = NULL;
  g_autofree char *b4 = NULL;
  Pair pair;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  pair_new (&pair);
  a4 = lan_address (pair.a, G_SOCKET_FAMILY_IPV4);
  b4 = lan_address (pair.b, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpstr (a4, !=, b4);

  check_tcp (&pair, G_SOCKET_FAMILY_IPV4);
  check_tcp (&pair, G_SOCKET_FAMILY_IPV6);
  /* and the other way round */
  check_tcp (&(Pair) { pair.b, pair.a }, G_SOCKET_FAMILY_IPV4);
  check_tcp (&(Pair) { pair.b, pair.a }, G_SOCKET_FAMILY_IPV6);
}

/* UDP to the LAN's broadcast address and to a multicast group joined
 * without naming an interface: the default route takes both to eth0. */
static void
test_broadcast_multicast (void)
{
  g_autofree char *b4 = NULL;
  struct sockaddr_storage ss;
  struct sockaddr_in from;
  socklen_t len, from_len = sizeof from;
  struct ip_mreqn mreq = { 0, };
  char buf[64] = { 0, };
  int receiver, sender, yes = 1;
  guint16 port;
  Pair pair;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  pair_new (&pair);
  b4 = lan_address (pair.b, G_SOCKET_FAMILY_IPV4);

  receiver = socket_in (pair.a, AF_INET, SOCK_DGRAM);
  sockaddr_for ("0.0.0.0", 0, &ss, &len);
  g_assert_no_errno (bind (receiver, (struct sockaddr *) &ss, len));
  port = bound_port (receiver);
  g_assert_cmpint (inet_pton (AF_INET, GROUP, &mreq.imr_multiaddr), ==, 1);
  g_assert_no_errno (setsockopt (receiver, IPPROTO_IP, IP_ADD_MEMBERSHIP,
                                 &mreq, sizeof mreq));

  sender = socket_in (pair.b, AF_INET, SOCK_DGRAM);
  g_assert_no_errno (setsockopt (sender, SOL_SOCKET, SO_BROADCAST, &yes,
                                 sizeof yes));

  sockaddr_for (LAN_BROADCAST, port, &ss, &len);
  g_assert_cmpint (sendto (sender, "broadcast", 9, 0,
                           (struct sockaddr *) &ss, len), ==, 9);
  wait_readable (receiver);
  g_assert_cmpint (recvfrom (receiver, buf, sizeof buf - 1, 0,
                             (struct sockaddr *) &from, &from_len), ==, 9);
  g_assert_cmpstr (buf, ==, "broadcast");
  g_assert_cmpstr (inet_ntoa (from.sin_addr), ==, b4);

  sockaddr_for (GROUP, port, &ss, &len);
  g_assert_cmpint (sendto (sender, "multicast", 9, 0,
                           (struct sockaddr *) &ss, len), ==, 9);
  assert_receive (receiver, "multicast");

  g_assert_no_errno (close (sender));
  g_assert_no_errno (close (receiver));
}

/* Unique while they live; given again only once the namespace is gone. */
static void
test_reuse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) a = NULL;
  g_autoptr(SpacetestNamespace) b = NULL;
  g_autofree char *a4 = NULL;
  g_autofree char *b4 = NULL;
  g_autoptr(GPtrArray) later = NULL;
  gint64 deadline;
  gboolean reused = FALSE;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  a = spacetest_namespace_new_transient (NET, ETHERNET, &error);
  g_assert_no_error (error);
  b = spacetest_namespace_new_transient (NET, ETHERNET, &error);
  g_assert_no_error (error);
  a4 = lan_address (a, G_SOCKET_FAMILY_IPV4);
  b4 = lan_address (b, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpstr (a4, !=, b4);

  /* a still lives: its address is not given */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(SpacetestNamespace) c =
        spacetest_namespace_new_transient (NET, ETHERNET, &error);
      g_autofree char *c4 = NULL;

      g_assert_no_error (error);
      c4 = lan_address (c, G_SOCKET_FAMILY_IPV4);
      g_assert_cmpstr (c4, !=, a4);
      g_assert_cmpstr (c4, !=, b4);
    }

  /* Gone (the kernel tears network namespaces down asynchronously, one
   * after another system-wide, and TCP's TIME_WAIT may hold one for a
   * while: give a busy machine time). The lowest free address is given
   * first, and earlier tests may leave lower ones coming free too: the
   * new namespaces are kept, each taking one, until a's comes back. */
  g_clear_object (&a);
  later = g_ptr_array_new_with_free_func (g_object_unref);
  deadline = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;
  while (!reused && g_get_monotonic_time () < deadline)
    {
      SpacetestNamespace *c =
        spacetest_namespace_new_transient (NET, ETHERNET, &error);
      g_autofree char *c4 = NULL;

      g_assert_no_error (error);
      g_ptr_array_add (later, c);
      c4 = lan_address (c, G_SOCKET_FAMILY_IPV4);
      g_assert_cmpstr (c4, !=, b4);
      for (guint i = 0; i + 1 < later->len; i++)
        {
          g_autofree char *other =
            lan_address (later->pdata[i], G_SOCKET_FAMILY_IPV4);
          g_assert_cmpstr (c4, !=, other);
        }
      reused = g_strcmp0 (c4, a4) == 0;
      if (!reused)
        g_usleep (200 * 1000);
    }
  g_assert_true (reused);
}

/* Hundreds made and dropped, a window of them alive at a time: unique
 * addresses, nothing left behind (the leak check: fds, children; and the
 * threads and the host's links here). */
static void
test_loop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) threads = NULL;
  g_autofree char *host_before = NULL;
  g_autofree char *host_after = NULL;
  SpacetestNamespace *window[16] = { NULL, };
  char *addresses[G_N_ELEMENTS (window)] = { NULL, };
  guint n = g_test_slow () ? 1000 : 300;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  threads = tu_thread_ids ();
  host_before = interface_names ();

  for (guint i = 0; i < n; i++)
    {
      guint k = i % G_N_ELEMENTS (window);

      g_clear_object (&window[k]);
      g_clear_pointer (&addresses[k], g_free);
      window[k] = spacetest_namespace_new_transient (NET, ETHERNET, &error);
      g_assert_no_error (error);
      addresses[k] = lan_address (window[k], G_SOCKET_FAMILY_IPV4);

      for (guint j = 0; j < G_N_ELEMENTS (window); j++)
        if (j != k && addresses[j] != NULL)
          g_assert_cmpstr (addresses[j], !=, addresses[k]);
    }

  for (guint k = 0; k < G_N_ELEMENTS (window); k++)
    {
      g_clear_object (&window[k]);
      g_clear_pointer (&addresses[k], g_free);
    }

  g_assert_cmpuint (tu_wait_new_threads_gone (threads, 5000), ==, 0);
  host_after = interface_names ();
  g_assert_cmpstr (host_after, ==, host_before);
}

static void
test_not_on_lan (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) plain = NULL;
  g_autoptr(SpacetestNamespace) here = NULL;
  g_autoptr(SpacetestNamespace) uts = NULL;

  spacetest_test_check_leaks ();

  here = spacetest_namespace_new_current (NET, &error);
  g_assert_no_error (error);
  g_assert_null (spacetest_namespace_get_lan_address (here,
                                                      G_SOCKET_FAMILY_IPV4));
  uts = spacetest_namespace_new_current (UTS, &error);
  g_assert_no_error (error);
  g_assert_null (spacetest_namespace_get_lan_address (uts,
                                                      G_SOCKET_FAMILY_IPV6));

  if (!spacetest_test_require (NET))
    return;

  plain = spacetest_namespace_new_transient (NET,
                                             SPACETEST_TRANSIENT_LOOPBACK_UP,
                                             &error);
  g_assert_no_error (error);
  g_assert_null (spacetest_namespace_get_lan_address (plain,
                                                      G_SOCKET_FAMILY_IPV4));
}

/* The first use of the LAN in a process makes the hub, which lives on:
 * the leak check of that test does not report it. */
static void
test_first_use (void)
{
  if (g_test_subprocess ())
    {
      spacetest_test_check_leaks ();
      spacetest_test_enter_transient_full (NET, ETHERNET);
      spacetest_test_new_transient_full (NET, ETHERNET);
      g_print ("made: on the LAN\n");
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*made: on the LAN*");
}

int
main (int argc, char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spacetest/lan/first-use", test_first_use);
  g_test_add_func ("/spacetest/lan/enter", test_enter);
  g_test_add_func ("/spacetest/lan/two-hosts", test_two_hosts);
  g_test_add_func ("/spacetest/lan/broadcast-multicast",
                   test_broadcast_multicast);
  g_test_add_func ("/spacetest/lan/reuse", test_reuse);
  g_test_add_func ("/spacetest/lan/loop", test_loop);
  g_test_add_func ("/spacetest/lan/not-on-lan", test_not_on_lan);

  return g_test_run ();
}
