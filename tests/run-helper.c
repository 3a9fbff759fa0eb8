/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* run-helper.c: what tests/run.c runs under spacetest-run to look around
 *
 *   run-helper resolve NAME…      each NAME's addresses through GIO's
 *                                 GResolver, one per line
 *   run-helper addresses IFNAME   the interface's addresses, one per line
 *
 * Exit status 0, or 2 with the reason on stderr. */

#include <gio/gio.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

static int
resolve (char **names)
{
  GResolver *resolver = g_resolver_get_default ();
  int status = 0;

  for (; *names != NULL; names++)
    {
      g_autoptr(GError) error = NULL;
      GList *addresses = g_resolver_lookup_by_name (resolver, *names, NULL,
                                                    &error);

      if (addresses == NULL)
        {
          g_printerr ("%s: %s\n", *names, error->message);
          status = 2;
          continue;
        }
      for (GList *l = addresses; l != NULL; l = l->next)
        {
          g_autofree char *s = g_inet_address_to_string (l->data);
          g_print ("%s %s\n", *names, s);
        }
      g_resolver_free_addresses (addresses);
    }

  g_object_unref (resolver);
  return status;
}

static int
addresses (const char *ifname)
{
  struct ifaddrs *list, *ifa;

  if (getifaddrs (&list) != 0)
    {
      g_printerr ("getifaddrs: %s\n", g_strerror (errno));
      return 2;
    }

  for (ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      g_autoptr(GSocketAddress) address = NULL;

      if (ifa->ifa_addr == NULL || strcmp (ifa->ifa_name, ifname) != 0 ||
          (ifa->ifa_addr->sa_family != AF_INET &&
           ifa->ifa_addr->sa_family != AF_INET6))
        continue;

      address = g_socket_address_new_from_native (
        ifa->ifa_addr, ifa->ifa_addr->sa_family == AF_INET
                         ? sizeof (struct sockaddr_in)
                         : sizeof (struct sockaddr_in6));
      if (address != NULL)
        {
          g_autofree char *s = g_inet_address_to_string (
            g_inet_socket_address_get_address (
              G_INET_SOCKET_ADDRESS (address)));
          g_print ("%s\n", s);
        }
    }

  freeifaddrs (list);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  if (argc >= 3 && strcmp (argv[1], "resolve") == 0)
    return resolve (argv + 2);
  if (argc == 3 && strcmp (argv[1], "addresses") == 0)
    return addresses (argv[2]);

  g_printerr ("usage: run-helper resolve NAME… | addresses IFNAME\n");
  return 2;
}
