/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* two-hosts.c: a client and a server on two "hosts" of a test's own
 *
 *   cc -o two-hosts two-hosts.c \
 *      $(pkg-config --cflags --libs spacetest-glib-1)
 *   ./two-hosts                  # as root, or as any other user
 */

#include <spacetest-glib/spacetest-glib.h>

/* A socket belongs to the network namespace it was made in, whichever
 * thread uses it later: make it with the thread switched in, then come
 * back. */
static GSocket *
socket_in (SpacetestNamespace *netns,
           GSocketFamily       family)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  GSocket *socket;

  guard = spacetest_namespace_enter (netns, &error);
  g_assert_no_error (error);
  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  return socket;
}

/* Connects from @client_ns to @address in @server_ns, and says hello. */
static void
say_hello (SpacetestNamespace *server_ns,
           SpacetestNamespace *client_ns,
           GInetAddress       *address)
{
  GSocketFamily family = g_inet_address_get_family (address);
  g_autoptr(GSocket) listener = socket_in (server_ns, family);
  g_autoptr(GSocket) client = socket_in (client_ns, family);
  g_autoptr(GSocket) server = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (address, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  char buf[6] = { 0, };

  g_assert_true (g_socket_bind (listener, any, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (listener, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);

  g_assert_true (g_socket_connect (client, bound, NULL, &error));
  g_assert_no_error (error);
  server = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_socket_send (client, "hello", 5, NULL, &error), ==, 5);
  g_assert_cmpint (g_socket_receive (server, buf, 5, NULL, &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpstr (buf, ==, "hello");
}

/* Two hosts joined by a cable: a veth pair, with an address at each
 * end. */
static void
test_veth (void)
{
  SpacetestNamespace *server_ns, *client_ns;
  SpacetestLink *server_end, *client_end;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  server_ns = spacetest_test_new_transient (SPACETEST_NAMESPACE_TYPE_NET);
  client_ns = spacetest_test_new_transient (SPACETEST_NAMESPACE_TYPE_NET);
  server_end = spacetest_test_new_veth (server_ns, client_ns, &client_end);

  g_assert_true (spacetest_link_add_address (server_end, "192.0.2.1/24",
                                             &error));
  g_assert_no_error (error);
  g_assert_true (spacetest_link_add_address (client_end, "192.0.2.2/24",
                                             &error));
  g_assert_no_error (error);

  address = g_inet_address_new_from_string ("192.0.2.1");
  say_hello (server_ns, client_ns, address);
}

/* Two hosts on the process's test LAN: each has an eth0 with addresses
 * of both families, as a machine on a switch would. */
static void
test_lan (void)
{
  SpacetestNamespace *server_ns, *client_ns;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  server_ns = spacetest_test_new_transient_full (SPACETEST_NAMESPACE_TYPE_NET,
                                                 SPACETEST_TRANSIENT_ETHERNET);
  client_ns = spacetest_test_new_transient_full (SPACETEST_NAMESPACE_TYPE_NET,
                                                 SPACETEST_TRANSIENT_ETHERNET);

  for (int i = 0; i < 2; i++)
    {
      GSocketFamily family = i == 0 ? G_SOCKET_FAMILY_IPV4
                                    : G_SOCKET_FAMILY_IPV6;
      g_autoptr(GInetAddress) address =
        spacetest_namespace_get_lan_address (server_ns, family);

      g_assert_nonnull (address);
      say_hello (server_ns, client_ns, address);
    }
}

int
main (int    argc,
      char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/two-hosts/veth", test_veth);
  g_test_add_func ("/two-hosts/lan", test_lan);

  return g_test_run ();
}
