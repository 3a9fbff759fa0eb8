/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-lan.c: the process's test LAN
 *
 * A bridge in a network namespace of the library's own (the hub), made
 * on first use and kept for the life of the process. Each network
 * namespace made with SPACETEST_TRANSIENT_ETHERNET gets an eth0 whose
 * veth peer is a port of that bridge, and the lowest free host number of
 * the LAN's ranges. When the namespace goes, the kernel deletes eth0 and
 * with it the peer; the LAN learns of it from the hub's link
 * notifications and frees the host number. */

#include "spacetest-lan-private.h"

#include "spacetest-link-private.h"
#include "spacetest-namespace-private.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* 198.18.0.0/15 (set aside for network tests, never routed on the
 * Internet) and fd00:5354::/64 ("ST"), one host number per namespace. */
#define LAN_V4_NETWORK 0xc6120000u
#define LAN_V4_PREFIX 15
#define LAN_V6_PREFIX 64
#define LAN_MAX_HOSTS ((1u << (32 - LAN_V4_PREFIX)) - 2)
#define LAN_READY_TIMEOUT_MS 10000

typedef struct
{
  guint64 dev;        /* the nsfs inode of the namespace that holds it */
  guint64 ino;
  int peer_index;     /* its eth0's peer on the bridge; 0: free */
} Slot;

/* Host number N is slot N - 1. */
static GMutex lan_lock;
static SpacetestNamespace *lan_hub;
static SpacetestLink *lan_bridge;
static int lan_notify_fd = -1;
static GArray *lan_slots;

/* The descriptors the LAN keeps, for the leak check, which reads them
 * without the lock. */
enum { KEPT_HUB, KEPT_BRIDGE, KEPT_NOTIFY, N_KEPT };
static int kept_fds[N_KEPT] = { -1, -1, -1 };

gboolean
_spacetest_lan_owns_fd (int fd)
{
  for (int i = 0; i < N_KEPT; i++)
    if (fd >= 0 && g_atomic_int_get (&kept_fds[i]) == fd)
      return TRUE;
  return FALSE;
}

/* A raw rtnetlink socket in the hub that hears of its links coming and
 * going. */
static int
open_notify_socket (GError **error)
{
  int size = 1 << 20;
  int fd = _spacetest_netlink_socket (lan_hub,
                                      /* Translators: the %s of "open a
                                       * netlink socket in %s" */
                                      _("the test LAN's network namespace"),
                                      RTMGRP_LINK, SOCK_NONBLOCK, error);

  /* Best effort: a larger buffer makes a lost notification rarer; a lost
   * one costs a resynchronisation, not a wrong answer. */
  if (fd >= 0)
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return fd;
}

/* Makes the hub, its bridge and the notification socket, once. */
static gboolean
ensure_lan (GError **error)
{
  g_autoptr(SpacetestNamespace) hub = NULL;
  g_autoptr(SpacetestLink) bridge = NULL;

  if (lan_hub != NULL)
    return TRUE;

  hub = _spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                            SPACETEST_TRANSIENT_NONE, error);
  if (hub == NULL)
    return FALSE;

  bridge = spacetest_link_new_bridge (hub, "lan0", error);
  if (bridge == NULL)
    return FALSE;
  _spacetest_link_set_transient (bridge, FALSE);

  lan_hub = g_steal_pointer (&hub);
  lan_notify_fd = open_notify_socket (error);
  if (lan_notify_fd < 0)
    {
      /* the bridge goes with the hub */
      g_clear_object (&lan_hub);
      return FALSE;
    }

  lan_bridge = g_steal_pointer (&bridge);
  lan_slots = g_array_new (FALSE, TRUE, sizeof (Slot));
  g_atomic_int_set (&kept_fds[KEPT_HUB], spacetest_namespace_get_fd (lan_hub));
  g_atomic_int_set (&kept_fds[KEPT_BRIDGE],
                    _spacetest_link_get_socket_fd (lan_bridge));
  g_atomic_int_set (&kept_fds[KEPT_NOTIFY], lan_notify_fd);
  return TRUE;
}

static void
free_slot_of_peer (int peer_index)
{
  for (guint i = 0; i < lan_slots->len; i++)
    {
      Slot *slot = &g_array_index (lan_slots, Slot, i);

      if (slot->peer_index == peer_index)
        {
          memset (slot, 0, sizeof *slot);
          return;
        }
    }
}

/* Reads what the hub's notification socket has: a deleted port frees
 * its slot; with @alive, the indexes of the links a dump lists are
 * collected too. Returns -1 with errno set on a failed read (EAGAIN:
 * nothing more), or 1 at the end of a dump. */
static int
read_notifications (GHashTable *alive)
{
  /* aligned for struct nlmsghdr */
  guint64 buf[8192 / sizeof (guint64)];
  ssize_t len;

  len = recv (lan_notify_fd, buf, sizeof buf, MSG_DONTWAIT);
  if (len < 0)
    return -1;

  for (struct nlmsghdr *h = (struct nlmsghdr *) buf;
       NLMSG_OK (h, (size_t) len);
       h = NLMSG_NEXT (h, len))
    {
      struct ifinfomsg *ifi = NLMSG_DATA (h);

      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
        return 1;
      if (h->nlmsg_len < NLMSG_LENGTH (sizeof *ifi))
        continue;
      if (h->nlmsg_type == RTM_DELLINK)
        free_slot_of_peer (ifi->ifi_index);
      else if (h->nlmsg_type == RTM_NEWLINK && alive != NULL)
        g_hash_table_add (alive, GINT_TO_POINTER (ifi->ifi_index));
    }

  return 0;
}

/* After lost notifications: asks the hub for all its links and frees
 * the slots whose peers are gone. */
static void
resync (void)
{
  g_autoptr(GHashTable) alive = g_hash_table_new (NULL, NULL);
  struct {
    struct nlmsghdr h;
    struct ifinfomsg ifi;
  } request = {
    .h = {
      .nlmsg_len = sizeof request,
      .nlmsg_type = RTM_GETLINK,
      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
    },
    .ifi = { .ifi_family = AF_UNSPEC },
  };
  int ret = 0;

  if (send (lan_notify_fd, &request, sizeof request, 0) < 0)
    return;

  while (ret == 0 || (ret < 0 && (errno == EAGAIN || errno == EINTR ||
                                  errno == ENOBUFS)))
    {
      struct pollfd pfd = { lan_notify_fd, POLLIN, 0 };

      ret = read_notifications (alive);
      if (ret < 0 && errno == EAGAIN && poll (&pfd, 1, 1000) <= 0)
        return;   /* no answer: keep what is known */
      if (ret < 0 && errno == ENOBUFS)
        return;   /* lost again: the next call tries anew */
    }

  for (guint i = 0; i < lan_slots->len; i++)
    {
      Slot *slot = &g_array_index (lan_slots, Slot, i);

      if (slot->peer_index != 0 &&
          !g_hash_table_contains (alive, GINT_TO_POINTER (slot->peer_index)))
        {
          memset (slot, 0, sizeof *slot);
        }
    }
}

/* Frees the slots of namespaces that are gone, as far as the kernel has
 * said so. */
static void
refresh_slots (void)
{
  for (;;)
    {
      if (read_notifications (NULL) >= 0 || errno == EINTR)
        continue;
      if (errno == ENOBUFS)
        resync ();
      return;
    }
}

/* 1-based; 0 when the LAN is full. */
static guint
first_free_host (void)
{
  Slot free_slot = { 0, };

  for (guint i = 0; i < lan_slots->len; i++)
    if (g_array_index (lan_slots, Slot, i).peer_index == 0)
      return i + 1;

  if (lan_slots->len >= LAN_MAX_HOSTS)
    return 0;
  g_array_append_val (lan_slots, free_slot);
  return lan_slots->len;
}

static char *
host_address (guint          host,
              GSocketFamily  family,
              gboolean       with_prefix)
{
  guint32 v4 = LAN_V4_NETWORK + host;

  if (family == G_SOCKET_FAMILY_IPV4)
    return g_strdup_printf ("%u.%u.%u.%u%s", v4 >> 24, (v4 >> 16) & 0xff,
                            (v4 >> 8) & 0xff, v4 & 0xff,
                            with_prefix ? "/15" : "");

  return g_strdup_printf ("fd00:5354::%x:%x%s", host >> 16, host & 0xffff,
                          with_prefix ? "/64" : "");
}

static gboolean
configure_eth0 (SpacetestLink  *eth0,
                guint           host,
                GError        **error)
{
  g_autofree char *v4 = host_address (host, G_SOCKET_FAMILY_IPV4, TRUE);
  g_autofree char *v6 = host_address (host, G_SOCKET_FAMILY_IPV6, TRUE);

  return spacetest_link_add_address (eth0, v4, error) &&
         spacetest_link_add_address (eth0, v6, error) &&
         spacetest_link_add_route (eth0, "0.0.0.0/0", NULL, error) &&
         spacetest_link_add_route (eth0, "::/0", NULL, error);
}

gboolean
_spacetest_lan_join (SpacetestNamespace  *netns,
                     GError             **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lan_lock);
  g_autoptr(SpacetestLink) eth0 = NULL;
  g_autoptr(SpacetestLink) peer = NULL;
  Slot *slot;
  guint host;

  if (!ensure_lan (error))
    return FALSE;

  refresh_slots ();
  host = first_free_host ();
  if (host == 0)
    {
      /* (every one of its host numbers is taken) */
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                   _("The test LAN has no free address: %u namespaces are "
                     "on it"),
                   LAN_MAX_HOSTS);
      return FALSE;
    }

  /* Until the end, the links are transient: a failure deletes them. */
  eth0 = spacetest_link_new_veth (netns, "eth0", lan_hub, NULL, &peer,
                                  error);
  /* Ready when this returns: both ends running, so that the first frame
   * a test sends is not lost while the kernel finishes with them. */
  if (eth0 == NULL ||
      !spacetest_link_set_master (peer, lan_bridge, error) ||
      !configure_eth0 (eth0, host, error) ||
      !_spacetest_link_wait_running (peer, LAN_READY_TIMEOUT_MS, error) ||
      !_spacetest_link_wait_running (eth0, LAN_READY_TIMEOUT_MS, error))
    return FALSE;

  _spacetest_link_set_transient (eth0, FALSE);

  slot = &g_array_index (lan_slots, Slot, host - 1);
  slot->dev = _spacetest_namespace_get_device (netns);
  slot->ino = spacetest_namespace_get_inode (netns);
  slot->peer_index = spacetest_link_get_index (peer);
  return TRUE;
}

/**
 * spacetest_namespace_get_lan_address:
 * @self: a #SpacetestNamespace of type %SPACETEST_NAMESPACE_TYPE_NET
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 *
 * Gets the address of a network namespace on the process's test LAN,
 * which a new network namespace joins when it is made with
 * %SPACETEST_TRANSIENT_ETHERNET. The address is the namespace's for as
 * long as it lives, whichever object keeps it alive.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL when @self
 *   is not on the test LAN
 *
 * Since: 0.2
 */
GInetAddress *
spacetest_namespace_get_lan_address (SpacetestNamespace *self,
                                     GSocketFamily       family)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *text = NULL;
  guint64 dev, ino;

  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (self), NULL);
  g_return_val_if_fail (family == G_SOCKET_FAMILY_IPV4 ||
                        family == G_SOCKET_FAMILY_IPV6, NULL);

  if (!_spacetest_namespace_check_usable (self, NULL) ||
      spacetest_namespace_get_namespace_type (self) !=
        SPACETEST_NAMESPACE_TYPE_NET)
    return NULL;

  dev = _spacetest_namespace_get_device (self);
  ino = spacetest_namespace_get_inode (self);

  locker = g_mutex_locker_new (&lan_lock);
  if (lan_hub == NULL)
    return NULL;

  refresh_slots ();
  for (guint i = 0; i < lan_slots->len; i++)
    {
      const Slot *slot = &g_array_index (lan_slots, Slot, i);

      if (slot->peer_index != 0 && slot->dev == dev && slot->ino == ino)
        {
          text = host_address (i + 1, family, FALSE);
          return g_inet_address_new_from_string (text);
        }
    }

  return NULL;
}
