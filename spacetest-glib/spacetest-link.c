/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-link.c: SpacetestLink, one network interface of a network
 * namespace, driven through rtnetlink (libnl-route-3) */

#include "spacetest-link-private.h"
#include "spacetest-namespace-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <gio/gio.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

/**
 * SECTION:spacetest-link
 * @title: SpacetestLink
 * @short_description: One network interface in a network namespace
 *
 * A #SpacetestLink is one network interface: a network namespace (a
 * #SpacetestNamespace, which the link keeps alive) and an interface index.
 * It creates veth pairs, bridges and macvlans between namespaces, sets
 * them up and gives them addresses and routes, from any thread: the
 * calling thread never moves (the link talks rtnetlink through a socket
 * it opened inside its namespace).
 *
 * Links made by the spacetest_link_new_…() functions are created up and
 * are transient: when the last reference goes away (for a veth pair: the
 * last reference to either end) the interface is deleted if it still
 * exists. A link in a transient namespace also goes with its namespace.
 * spacetest_link_new_for_name() refers to an existing interface, which
 * the library never deletes on its own.
 *
 * |[<!-- language="C" -->
 * g_autoptr(GError) error = NULL;
 * g_autoptr(SpacetestNamespace) a =
 *   spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
 *                                      SPACETEST_TRANSIENT_LOOPBACK_UP,
 *                                      &error);
 * g_autoptr(SpacetestNamespace) b =
 *   spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
 *                                      SPACETEST_TRANSIENT_LOOPBACK_UP,
 *                                      &error);
 * g_autoptr(SpacetestLink) peer = NULL;
 * g_autoptr(SpacetestLink) link =
 *   spacetest_link_new_veth (a, NULL, b, NULL, &peer, &error);
 *
 * g_assert_no_error (error);
 * spacetest_link_add_address (link, "192.0.2.1/24", &error);
 * g_assert_no_error (error);
 * spacetest_link_add_address (peer, "192.0.2.2/24", &error);
 * g_assert_no_error (error);
 * // a socket made in a reaches 192.0.2.2 in b
 * ]|
 *
 * Errors are in the %SPACETEST_ERROR domain: a refusal by the kernel
 * with `EINVAL` is %SPACETEST_ERROR_INVALID_ARGUMENT, `EPERM` or `EACCES`
 * %SPACETEST_ERROR_PERMISSION_DENIED, `ENOENT` or `ENODEV`
 * %SPACETEST_ERROR_NOT_FOUND, anything else %SPACETEST_ERROR_FAILED.
 */

/* The lifetime of one interface, shared by the objects of its ends (the
 * two of a veth pair): the last one to go deletes a transient interface. */
typedef struct
{
  gatomicrefcount ends;
  int transient;                /* atomic */
  int deleted;                  /* atomic: spacetest_link_delete() ran */
} LinkLife;

/**
 * SpacetestLink:
 *
 * One network interface in a network namespace. All its fields are
 * private.
 *
 * Since: 0.2
 */
struct _SpacetestLink
{
  GObject parent_instance;

  SpacetestNamespace *netns;
  char *where;                  /* "network namespace INODE", for messages */
  char *name;
  int index;
  LinkLife *life;

  GMutex lock;                  /* the socket and last_errno */
  struct nl_sock *sock;         /* opened in netns; NULL: no link */
  int last_errno;               /* of the kernel's last error message */
};

G_DEFINE_FINAL_TYPE (SpacetestLink, spacetest_link, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_INDEX,
  PROP_NAMESPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Free names: "st" and a number of this process's. */
static int name_counter;

/* How often a free name is chosen anew when the kernel says it is taken
 * (by another process's link in a namespace they share). */
#define MAX_NAME_ATTEMPTS 16

static gboolean link_delete_request (SpacetestLink  *self,
                                     int            *errsv);

/* ---- errors ---------------------------------------------------------- */

/* The error code of a kernel refusal, the same for every test-network
 * call. */
static int
errno_code (int errsv)
{
  switch (errsv)
    {
    case EINVAL:
      return SPACETEST_ERROR_INVALID_ARGUMENT;
    case EPERM:
    case EACCES:
      return SPACETEST_ERROR_PERMISSION_DENIED;
    case ENOENT:
    case ENODEV:
      return SPACETEST_ERROR_NOT_FOUND;
    default:
      return SPACETEST_ERROR_FAILED;
    }
}

/* Sets @error for the failed request @what (an infinitive phrase): with
 * the kernel's errno @errsv if it sent one, else libnl's error @nlerr. */
static void
set_netlink_error (GError     **error,
                   int          errsv,
                   int          nlerr,
                   const char  *what)
{
  if (errsv != 0)
    g_set_error (error, SPACETEST_ERROR, errno_code (errsv),
                 _("Cannot %s: %s"), what, g_strerror (errsv));
  else
    g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                 _("Cannot %s: %s"), what, nl_geterror (nlerr));
}

/* The kernel's error messages end up in the link's last_errno: libnl
 * itself keeps only its own, coarser error codes. */
static int
on_netlink_error (struct sockaddr_nl *nla,
                  struct nlmsgerr    *err,
                  void               *arg)
{
  int *slot = arg;

  *slot = -err->error;
  return NL_STOP;
}

/* ---- the object ------------------------------------------------------ */

static void
spacetest_link_finalize (GObject *object)
{
  SpacetestLink *self = SPACETEST_LINK (object);

  if (self->life != NULL && g_atomic_ref_count_dec (&self->life->ends))
    {
      int errsv = 0;

      if (g_atomic_int_get (&self->life->transient) &&
          !g_atomic_int_get (&self->life->deleted) &&
          !link_delete_request (self, &errsv))
        g_warning (_("Cannot delete link '%s' in %s: %s"),
                   self->name, self->where, g_strerror (errsv));
      g_free (self->life);
    }

  g_clear_pointer (&self->sock, nl_socket_free);
  g_mutex_clear (&self->lock);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->where, g_free);
  g_clear_object (&self->netns);

  G_OBJECT_CLASS (spacetest_link_parent_class)->finalize (object);
}

static void
spacetest_link_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SpacetestLink *self = SPACETEST_LINK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_INDEX:
      g_value_set_int (value, self->index);
      break;
    case PROP_NAMESPACE:
      g_value_set_object (value, self->netns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spacetest_link_class_init (SpacetestLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = spacetest_link_finalize;
  object_class->get_property = spacetest_link_get_property;

  /**
   * SpacetestLink:name:
   *
   * The name of the interface, as it was when the object was made.
   *
   * Since: 0.2
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SpacetestLink:index:
   *
   * The interface index in its network namespace; 0 for an object that
   * holds no link.
   *
   * Since: 0.2
   */
  properties[PROP_INDEX] =
    g_param_spec_int ("index", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                      G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SpacetestLink:namespace:
   *
   * The network namespace of the interface.
   *
   * Since: 0.2
   */
  properties[PROP_NAMESPACE] =
    g_param_spec_object ("namespace", NULL, NULL, SPACETEST_TYPE_NAMESPACE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
spacetest_link_init (SpacetestLink *self)
{
  g_mutex_init (&self->lock);
}

/* ---- the netlink socket ---------------------------------------------- */

/* See spacetest-link-private.h. */
int
_spacetest_netlink_socket (SpacetestNamespace  *netns,
                           const char          *where,
                           guint32              groups,
                           int                  flags,
                           GError             **error)
{
  g_autoptr(SpacetestGuard) guard = NULL;
  struct sockaddr_nl local = { .nl_family = AF_NETLINK, .nl_groups = groups };
  int errsv, fd;

  if (!spacetest_namespace_is_current (netns))
    {
      guard = _spacetest_guard_enter (&netns, 1, error);
      if (guard == NULL)
        return -1;
    }

  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | flags, NETLINK_ROUTE);
  errsv = errno;
  if (guard != NULL)
    _spacetest_guard_restore_or_abort (guard);

  if (fd >= 0 && bind (fd, (struct sockaddr *) &local, sizeof local) != 0)
    {
      errsv = errno;
      g_clear_fd (&fd, NULL);
    }

  if (fd < 0)
    {
      g_autofree char *what =
        g_strdup_printf (_("open a netlink socket in %s"), where);

      set_netlink_error (error, errsv, 0, what);
    }
  return fd;
}

/* A libnl socket on a NETLINK_ROUTE socket inside @netns. The socket is
 * made here, not by nl_connect(), which would turn the reason of a
 * failure (EMFILE, say) into a coarse libnl code. */
static struct nl_sock *
open_socket (SpacetestNamespace  *netns,
             const char          *where,
             int                 *errno_slot,
             GError             **error)
{
  g_autofree char *what = NULL;
  struct nl_sock *sock;
  int err, fd;

  sock = nl_socket_alloc ();
  if (sock == NULL)
    {
      what = g_strdup_printf (_("open a netlink socket in %s"), where);
      set_netlink_error (error, ENOMEM, 0, what);
      return NULL;
    }

  fd = _spacetest_netlink_socket (netns, where, 0, 0, error);
  if (fd < 0)
    {
      nl_socket_free (sock);
      return NULL;
    }

  err = nl_socket_set_fd (sock, NETLINK_ROUTE, fd);
  if (err < 0)
    {
      close (fd);
      what = g_strdup_printf (_("open a netlink socket in %s"), where);
      set_netlink_error (error, 0, err, what);
      nl_socket_free (sock);
      return NULL;
    }

  nl_socket_modify_err_cb (sock, NL_CB_CUSTOM, on_netlink_error, errno_slot);
  return sock;
}

/* A new object for a link in @netns, with its socket but no interface. */
static SpacetestLink *
link_new (SpacetestNamespace  *netns,
          GError             **error)
{
  g_autoptr(SpacetestLink) self = g_object_new (SPACETEST_TYPE_LINK, NULL);

  self->netns = g_object_ref (netns);
  self->where =
    g_strdup_printf ("%s %" G_GUINT64_FORMAT,
                     _spacetest_type_describe (SPACETEST_NAMESPACE_TYPE_NET),
                     spacetest_namespace_get_inode (netns));
  self->sock = open_socket (netns, self->where, &self->last_errno, error);
  if (self->sock == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

/* Every request on a link's socket runs between request_begin() and
 * request_end(), which returns the kernel's errno (0 if it sent none). */
static void
request_begin (SpacetestLink *self)
{
  g_mutex_lock (&self->lock);
  self->last_errno = 0;
}

static int
request_end (SpacetestLink *self)
{
  int errsv = self->last_errno;

  g_mutex_unlock (&self->lock);
  return errsv;
}

static void
store_link (struct nl_object *object,
            void             *user_data)
{
  struct rtnl_link **result = user_data;

  if (*result == NULL)
    {
      nl_object_get (object);
      *result = (struct rtnl_link *) object;
    }
}

static int
on_link_message (struct nl_msg *msg,
                 void          *user_data)
{
  nl_msg_parse (msg, store_link, user_data);
  return NL_OK;
}

/* rtnl_link_get_kernel() without its own error handler, which would hide
 * the kernel's errno from on_netlink_error(). Between request_begin() and
 * request_end(). */
static int
get_link (SpacetestLink     *self,
          int                index,
          const char        *name,
          struct rtnl_link **result)
{
  struct nl_msg *msg = NULL;
  struct nl_cb *sock_cb, *cb;
  int err;

  *result = NULL;
  err = rtnl_link_build_get_request (index, name, &msg);
  if (err < 0)
    return err;

  err = nl_send_auto (self->sock, msg);
  nlmsg_free (msg);
  if (err < 0)
    return err;

  sock_cb = nl_socket_get_cb (self->sock);
  cb = nl_cb_clone (sock_cb);
  nl_cb_put (sock_cb);
  if (cb == NULL)
    return -NLE_NOMEM;
  nl_cb_set (cb, NL_CB_VALID, NL_CB_CUSTOM, on_link_message, result);
  err = nl_recvmsgs (self->sock, cb);
  nl_cb_put (cb);

  if (err >= 0 && *result == NULL)
    err = -NLE_OBJ_NOTFOUND;
  if (err < 0)
    {
      g_clear_pointer (result, rtnl_link_put);
      return err;
    }

  /* The answer came; then comes the acknowledgement. */
  return nl_wait_for_ack (self->sock);
}

/* Looks up the link @name (or, with @name NULL, @index) in the object's
 * namespace, for its index and name. */
static gboolean
link_lookup (SpacetestLink  *self,
             int             index,
             const char     *name,
             int            *errsv,
             GError        **error)
{
  struct rtnl_link *found = NULL;
  int err;

  request_begin (self);
  err = get_link (self, index, name, &found);
  *errsv = request_end (self);

  if (err < 0)
    {
      g_autofree char *what =
        g_strdup_printf (_("find link '%s' in %s"), name, self->where);

      if (*errsv == 0 && err == -NLE_OBJ_NOTFOUND)
        *errsv = ENODEV;
      set_netlink_error (error, *errsv, err, what);
      return FALSE;
    }

  self->index = rtnl_link_get_ifindex (found);
  g_free (self->name);
  self->name = g_strdup (rtnl_link_get_name (found));
  rtnl_link_put (found);
  return TRUE;
}

static gboolean
link_delete_request (SpacetestLink  *self,
                     int            *errsv)
{
  struct rtnl_link *request = rtnl_link_alloc ();
  int err;

  if (request == NULL)
    {
      *errsv = ENOMEM;
      return FALSE;
    }

  if (self->index > 0)
    rtnl_link_set_ifindex (request, self->index);
  else
    rtnl_link_set_name (request, self->name);

  request_begin (self);
  err = rtnl_link_delete (self->sock, request);
  *errsv = request_end (self);
  rtnl_link_put (request);

  /* Gone already (with its peer, its parent or its namespace): done. */
  if (err >= 0 || *errsv == ENODEV || *errsv == ENOENT)
    return TRUE;
  if (*errsv == 0)
    *errsv = EIO;
  return FALSE;
}

/* ---- checks ---------------------------------------------------------- */

static gboolean
check_netns (SpacetestNamespace  *netns,
             GError             **error)
{
  SpacetestNamespaceType type;

  if (!_spacetest_namespace_check_usable (netns, error))
    return FALSE;

  type = spacetest_namespace_get_namespace_type (netns);
  if (type == SPACETEST_NAMESPACE_TYPE_NET)
    return TRUE;

  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
               _("Cannot use a %s for a link: links are in network "
                 "namespaces"),
               _spacetest_type_describe (type));
  return FALSE;
}

/* The kernel's rules (dev_valid_name()), and no '%', which it would take
 * as a template for a name of its choice. */
static gboolean
check_name (const char  *name,
            GError     **error)
{
  if (name == NULL)
    return TRUE;

  if (strlen (name) >= IFNAMSIZ)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Cannot use '%s' as an interface name: longer than "
                     "%d characters"), name, IFNAMSIZ - 1);
      return FALSE;
    }

  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 ||
      strpbrk (name, "/:% \t\n\v\f\r") != NULL)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Cannot use '%s' as an interface name: it is empty, "
                     "'.' or '..', or has '/', ':', '%%' or white space"),
                   name);
      return FALSE;
    }

  return TRUE;
}

/* Fails unless the object holds a link: one made with g_object_new()
 * does not. */
static gboolean
check_usable (SpacetestLink  *self,
              GError        **error)
{
  if (self->sock != NULL && self->life != NULL)
    return TRUE;

  g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                       _("The SpacetestLink holds no link (it was not made "
                         "by a spacetest_link_new_…() function)"));
  return FALSE;
}

/* Fails if spacetest_link_delete() deleted the link before @what. */
static gboolean
check_alive (SpacetestLink  *self,
             const char     *what,
             GError        **error)
{
  if (!g_atomic_int_get (&self->life->deleted))
    return TRUE;

  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND,
               _("Cannot %s: the link was deleted"), what);
  return FALSE;
}

/* The start of a call on @self: fails unless it holds a link that was
 * not deleted; else returns what the call attempts, for its messages. */
static char * G_GNUC_PRINTF (3, 4)
begin_call (SpacetestLink  *self,
            GError        **error,
            const char     *format,
            ...)
{
  va_list args;
  char *what;

  if (!check_usable (self, error))
    return NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (!check_alive (self, what, error))
    g_clear_pointer (&what, g_free);
  return what;
}

gboolean
_spacetest_link_wait_running (SpacetestLink  *self,
                              guint           timeout_ms,
                              GError        **error)
{
  g_autofree char *what = NULL;
  gint64 deadline = g_get_monotonic_time () +
                    timeout_ms * G_TIME_SPAN_MILLISECOND;

  what = begin_call (self, error, _("wait for link '%s' in %s to run"),
                     self->name, self->where);
  if (what == NULL)
    return FALSE;

  for (;;)
    {
      struct rtnl_link *found = NULL;
      unsigned int flags;
      int err, errsv;

      request_begin (self);
      err = get_link (self, self->index, NULL, &found);
      errsv = request_end (self);
      if (err < 0)
        {
          set_netlink_error (error, errsv, err, what);
          return FALSE;
        }
      flags = rtnl_link_get_flags (found);
      rtnl_link_put (found);

      if ((flags & IFF_RUNNING) != 0)
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT,
                       _("Cannot %s: not running after %u ms"), what,
                       timeout_ms);
          return FALSE;
        }
      g_usleep (500);
    }
}

/* ---- creation -------------------------------------------------------- */

typedef enum
{
  KIND_VETH,
  KIND_BRIDGE,
  KIND_MACVLAN
} LinkKind;

/* The request for a new link of @kind named @name (and @peer_name), up. */
static struct rtnl_link *
build_new_link (LinkKind       kind,
                const char    *name,
                SpacetestLink *peer,
                const char    *peer_name,
                SpacetestLink *parent)
{
  struct rtnl_link *request = NULL;

  switch (kind)
    {
    case KIND_VETH:
      request = rtnl_link_veth_alloc ();
      if (request != NULL)
        {
          struct rtnl_link *other = rtnl_link_veth_get_peer (request);

          /* Not up yet: the kernel opens the peer before the pair is
           * joined, and a veth without a peer refuses (ENOTCONN). */
          rtnl_link_set_name (other, peer_name);
          rtnl_link_set_ns_fd (other,
                               spacetest_namespace_get_fd (peer->netns));
          rtnl_link_put (other);
        }
      break;
    case KIND_BRIDGE:
      request = rtnl_link_bridge_alloc ();
      break;
    case KIND_MACVLAN:
      request = rtnl_link_macvlan_alloc ();
      if (request != NULL)
        {
          rtnl_link_macvlan_set_mode (request, MACVLAN_MODE_BRIDGE);
          rtnl_link_set_link (request, parent->index);
        }
      break;
    }

  if (request != NULL)
    {
      rtnl_link_set_name (request, name);
      rtnl_link_set_flags (request, IFF_UP);
    }

  return request;
}

static char *
describe_new_link (LinkKind       kind,
                   SpacetestLink *self,
                   const char    *name,
                   SpacetestLink *peer,
                   const char    *peer_name,
                   SpacetestLink *parent)
{
  switch (kind)
    {
    case KIND_VETH:
      return g_strdup_printf (_("create veth pair '%s' in %s and '%s' in %s"),
                              name, self->where, peer_name, peer->where);
    case KIND_BRIDGE:
      return g_strdup_printf (_("create bridge '%s' in %s"),
                              name, self->where);
    case KIND_MACVLAN:
    default:
      return g_strdup_printf (_("create macvlan '%s' on link '%s' in %s"),
                              name, parent->name, self->where);
    }
}

/* Whether a name the caller gave is taken: then EEXIST is final. */
static gboolean
given_name_taken (SpacetestLink *link,
                  const char    *given)
{
  struct rtnl_link *found = NULL;
  int err;

  if (given == NULL)
    return FALSE;

  request_begin (link);
  err = get_link (link, 0, given, &found);
  request_end (link);
  g_clear_pointer (&found, rtnl_link_put);
  return err >= 0;
}

/* Creates the interface of @self (and of @peer, for a veth pair) with
 * @name (@peer_name), or free names where they are NULL, and looks up
 * the new links' indexes. @parent: the macvlan's. */
static gboolean
link_create (LinkKind        kind,
             SpacetestLink  *self,
             const char     *name,
             SpacetestLink  *peer,
             const char     *peer_name,
             SpacetestLink  *parent,
             GError        **error)
{
  g_autofree char *what = NULL;
  int err = 0, errsv = 0;

  for (int attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++)
    {
      g_autofree char *chosen = NULL;
      g_autofree char *chosen_peer = NULL;
      struct rtnl_link *request;

      if (name == NULL)
        chosen = g_strdup_printf ("st%u", (guint)
                                  g_atomic_int_add (&name_counter, 1));
      if (kind == KIND_VETH && peer_name == NULL)
        chosen_peer = g_strdup_printf ("st%u", (guint)
                                       g_atomic_int_add (&name_counter, 1));

      g_free (self->name);
      self->name = g_strdup (name != NULL ? name : chosen);
      if (peer != NULL)
        {
          g_free (peer->name);
          peer->name = g_strdup (peer_name != NULL ? peer_name : chosen_peer);
        }

      g_clear_pointer (&what, g_free);
      what = describe_new_link (kind, self, self->name, peer,
                                peer != NULL ? peer->name : NULL, parent);

      request = build_new_link (kind, self->name, peer,
                                peer != NULL ? peer->name : NULL, parent);
      if (request == NULL)
        {
          set_netlink_error (error, ENOMEM, 0, what);
          return FALSE;
        }

      request_begin (self);
      err = rtnl_link_add (self->sock, request, NLM_F_CREATE | NLM_F_EXCL);
      errsv = request_end (self);
      rtnl_link_put (request);

      if (err >= 0)
        break;

      /* Another process's link may have a free name of ours, in a
         namespace we share: choose again, unless a given name is taken. */
      if (errsv != EEXIST ||
          (name != NULL && (kind != KIND_VETH || peer_name != NULL)) ||
          given_name_taken (self, name) ||
          (peer != NULL && given_name_taken (peer, peer_name)))
        break;
    }

  if (err < 0)
    {
      set_netlink_error (error, errsv, err, what);
      return FALSE;
    }

  self->life = g_new0 (LinkLife, 1);
  g_atomic_ref_count_init (&self->life->ends);
  self->life->transient = TRUE;

  /* From here on, dropping self deletes the new interface. */
  if (!link_lookup (self, 0, self->name, &errsv, error))
    {
      if (link_delete_request (self, &errsv))
        g_atomic_int_set (&self->life->deleted, TRUE);
      return FALSE;
    }

  if (peer != NULL)
    {
      peer->life = self->life;
      g_atomic_ref_count_inc (&self->life->ends);
      if (!link_lookup (peer, 0, peer->name, &errsv, error) ||
          !spacetest_link_set_up (peer, TRUE, error))
        return FALSE;
    }

  return TRUE;
}

/* A new link of @kind (a bridge or a macvlan on @parent) in @netns. */
static SpacetestLink *
link_new_created (LinkKind             kind,
                  SpacetestNamespace  *netns,
                  const char          *name,
                  SpacetestLink       *parent,
                  GError             **error)
{
  g_autoptr(SpacetestLink) self = link_new (netns, error);

  if (self == NULL ||
      !link_create (kind, self, name, NULL, NULL, parent, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * spacetest_link_new_veth:
 * @netns: the network namespace of the new link
 * @name: (nullable): the name of the new link, or %NULL for a free name
 *   chosen by the library
 * @peer_netns: the network namespace of the other end (may be @netns)
 * @peer_name: (nullable): the name of the other end, or %NULL for a free
 *   name chosen by the library
 * @peer: (out) (optional) (transfer full): return location for the other
 *   end
 * @error: return location for a #GError
 *
 * Creates a veth pair, a virtual Ethernet cable: @name in @netns and
 * @peer_name in @peer_netns, both up. What one end sends, the other
 * receives. The pair is deleted when the last reference to either end
 * goes away, or by spacetest_link_delete() on either end.
 *
 * A name longer than 15 characters, an empty one, ".", "..", and one with
 * '/', ':', '%' or white space give %SPACETEST_ERROR_INVALID_ARGUMENT, as
 * does a namespace that is not a network namespace; a name that is taken
 * gives %SPACETEST_ERROR_FAILED with the reason from the kernel.
 *
 * Returns: (transfer full): the link in @netns, or %NULL with @error set
 *
 * Since: 0.2
 */
SpacetestLink *
spacetest_link_new_veth (SpacetestNamespace  *netns,
                         const char          *name,
                         SpacetestNamespace  *peer_netns,
                         const char          *peer_name,
                         SpacetestLink      **peer,
                         GError             **error)
{
  g_autoptr(SpacetestLink) self = NULL;
  g_autoptr(SpacetestLink) other = NULL;

  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (netns), NULL);
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (peer_netns), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (peer != NULL)
    *peer = NULL;

  if (!check_netns (netns, error) || !check_netns (peer_netns, error) ||
      !check_name (name, error) || !check_name (peer_name, error))
    return NULL;

  self = link_new (netns, error);
  if (self == NULL)
    return NULL;
  other = link_new (peer_netns, error);
  if (other == NULL)
    return NULL;

  if (!link_create (KIND_VETH, self, name, other, peer_name, NULL, error))
    return NULL;

  if (peer != NULL)
    *peer = g_steal_pointer (&other);
  return g_steal_pointer (&self);
}

/**
 * spacetest_link_new_bridge:
 * @netns: the network namespace of the new bridge
 * @name: (nullable): the name of the bridge, or %NULL for a free name
 *   chosen by the library
 * @error: return location for a #GError
 *
 * Creates a bridge, up, without ports: enslave links in the same
 * namespace to it with spacetest_link_set_master(). Names and namespaces
 * are checked as by spacetest_link_new_veth().
 *
 * Returns: (transfer full): the bridge, or %NULL with @error set
 *
 * Since: 0.2
 */
SpacetestLink *
spacetest_link_new_bridge (SpacetestNamespace  *netns,
                           const char          *name,
                           GError             **error)
{
  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (netns), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_netns (netns, error) || !check_name (name, error))
    return NULL;

  return link_new_created (KIND_BRIDGE, netns, name, NULL, error);
}

/**
 * spacetest_link_new_macvlan:
 * @parent: the link the macvlan sits on
 * @name: (nullable): the name of the macvlan, or %NULL for a free name
 *   chosen by the library
 * @error: return location for a #GError
 *
 * Creates a macvlan in bridge mode on @parent, in @parent's namespace,
 * up: a link with a MAC address of its own that sends and receives
 * through @parent. It goes away with @parent too. Names are checked as
 * by spacetest_link_new_veth().
 *
 * Returns: (transfer full): the macvlan, or %NULL with @error set
 *
 * Since: 0.2
 */
SpacetestLink *
spacetest_link_new_macvlan (SpacetestLink  *parent,
                            const char     *name,
                            GError        **error)
{
  g_autofree char *what = NULL;

  g_return_val_if_fail (SPACETEST_IS_LINK (parent), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_usable (parent, error) || !check_name (name, error))
    return NULL;

  what = g_strdup_printf (_("create a macvlan on link '%s' in %s"),
                          parent->name, parent->where);
  if (!check_alive (parent, what, error))
    return NULL;

  return link_new_created (KIND_MACVLAN, parent->netns, name, parent, error);
}

/**
 * spacetest_link_new_for_name:
 * @netns: a network namespace
 * @name: the name of an interface in @netns, such as "lo" or "eth0"
 * @error: return location for a #GError
 *
 * Refers to an existing interface. The library never deletes it on its
 * own (spacetest_link_delete() does).
 *
 * Returns: (transfer full): the link, or %NULL with @error set
 *   (%SPACETEST_ERROR_NOT_FOUND if @netns has no interface @name)
 *
 * Since: 0.2
 */
SpacetestLink *
spacetest_link_new_for_name (SpacetestNamespace  *netns,
                             const char          *name,
                             GError             **error)
{
  g_autoptr(SpacetestLink) self = NULL;
  int errsv;

  g_return_val_if_fail (SPACETEST_IS_NAMESPACE (netns), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_netns (netns, error) || !check_name (name, error))
    return NULL;

  self = link_new (netns, error);
  if (self == NULL || !link_lookup (self, 0, name, &errsv, error))
    return NULL;

  self->life = g_new0 (LinkLife, 1);
  g_atomic_ref_count_init (&self->life->ends);
  return g_steal_pointer (&self);
}

/* ---- identity -------------------------------------------------------- */

/**
 * spacetest_link_get_name:
 * @self: a #SpacetestLink
 *
 * Gets the name of the interface, as it was when @self was made.
 *
 * Returns: (nullable): the name; %NULL for an object that holds no link
 *
 * Since: 0.2
 */
const char *
spacetest_link_get_name (SpacetestLink *self)
{
  g_return_val_if_fail (SPACETEST_IS_LINK (self), NULL);

  return self->name;
}

/**
 * spacetest_link_get_index:
 * @self: a #SpacetestLink
 *
 * Gets the interface index, which identifies the interface in its
 * network namespace.
 *
 * Returns: the index; 0 for an object that holds no link
 *
 * Since: 0.2
 */
int
spacetest_link_get_index (SpacetestLink *self)
{
  g_return_val_if_fail (SPACETEST_IS_LINK (self), 0);

  return self->index;
}

/**
 * spacetest_link_get_namespace:
 * @self: a #SpacetestLink
 *
 * Gets the network namespace of the interface.
 *
 * Returns: (transfer none) (nullable): the namespace; %NULL for an object
 *   that holds no link
 *
 * Since: 0.2
 */
SpacetestNamespace *
spacetest_link_get_namespace (SpacetestLink *self)
{
  g_return_val_if_fail (SPACETEST_IS_LINK (self), NULL);

  return self->netns;
}

/**
 * spacetest_link_dup_mac_address:
 * @self: a #SpacetestLink
 *
 * Gets the interface's MAC address now.
 *
 * Returns: (transfer full) (nullable): the address as six lower-case
 *   hexadecimal pairs separated by colons ("02:00:5e:10:00:01"), or %NULL
 *   if the interface has no Ethernet address (`lo`'s is all zeros), is
 *   gone, or @self holds no link
 *
 * Since: 0.2
 */
char *
spacetest_link_dup_mac_address (SpacetestLink *self)
{
  struct rtnl_link *found = NULL;
  struct nl_addr *addr;
  const guint8 *bytes;
  char *result = NULL;
  int err;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), NULL);

  if (!check_usable (self, NULL) ||
      g_atomic_int_get (&self->life->deleted))
    return NULL;

  request_begin (self);
  err = get_link (self, self->index, NULL, &found);
  request_end (self);
  if (err < 0)
    return NULL;

  addr = rtnl_link_get_addr (found);
  if (addr != NULL && nl_addr_get_len (addr) == 6)
    {
      bytes = nl_addr_get_binary_addr (addr);
      result = g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x",
                                bytes[0], bytes[1], bytes[2],
                                bytes[3], bytes[4], bytes[5]);
    }

  rtnl_link_put (found);
  return result;
}

/* ---- changes --------------------------------------------------------- */

/* Sends @changes (with the link's index) as a change of the link. */
static gboolean
link_change (SpacetestLink     *self,
             struct rtnl_link  *changes,
             const char        *what,
             GError           **error)
{
  int err, errsv;

  rtnl_link_set_ifindex (changes, self->index);
  request_begin (self);
  err = rtnl_link_change (self->sock, changes, changes, 0);
  errsv = request_end (self);
  rtnl_link_put (changes);

  if (err < 0)
    {
      set_netlink_error (error, errsv, err, what);
      return FALSE;
    }

  return TRUE;
}

/* The change request for @self, or NULL with @error set. */
static struct rtnl_link *
new_change (const char  *what,
            GError     **error)
{
  struct rtnl_link *changes = rtnl_link_alloc ();

  if (changes == NULL)
    set_netlink_error (error, ENOMEM, 0, what);
  return changes;
}

/**
 * spacetest_link_set_up:
 * @self: a #SpacetestLink
 * @up: %TRUE to set the link up, %FALSE to set it down
 * @error: return location for a #GError
 *
 * Sets the administrative state of the interface (`IFF_UP`).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
spacetest_link_set_up (SpacetestLink  *self,
                       gboolean        up,
                       GError        **error)
{
  g_autofree char *what = NULL;
  struct rtnl_link *changes;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  what = begin_call (self, error, up ? _("set link '%s' in %s up")
                                     : _("set link '%s' in %s down"),
                     self->name, self->where);
  if (what == NULL || (changes = new_change (what, error)) == NULL)
    return FALSE;

  if (up)
    rtnl_link_set_flags (changes, IFF_UP);
  else
    rtnl_link_unset_flags (changes, IFF_UP);

  return link_change (self, changes, what, error);
}

/**
 * spacetest_link_set_mtu:
 * @self: a #SpacetestLink
 * @mtu: the new maximum transmission unit, in bytes
 * @error: return location for a #GError
 *
 * Sets the MTU of the interface. A value the kernel refuses for this
 * kind of link gives %SPACETEST_ERROR_INVALID_ARGUMENT.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
spacetest_link_set_mtu (SpacetestLink  *self,
                        guint           mtu,
                        GError        **error)
{
  g_autofree char *what = NULL;
  struct rtnl_link *changes;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  what = begin_call (self, error, _("set the MTU of link '%s' in %s to %u"),
                     self->name, self->where, mtu);
  if (what == NULL || (changes = new_change (what, error)) == NULL)
    return FALSE;

  rtnl_link_set_mtu (changes, mtu);
  return link_change (self, changes, what, error);
}

/**
 * spacetest_link_set_master:
 * @self: a #SpacetestLink
 * @master: (nullable): a bridge in the same network namespace, or %NULL
 *   to release @self from its master
 * @error: return location for a #GError
 *
 * Makes @self a port of the bridge @master. A @master in another
 * network namespace gives %SPACETEST_ERROR_INVALID_ARGUMENT.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
spacetest_link_set_master (SpacetestLink  *self,
                           SpacetestLink  *master,
                           GError        **error)
{
  g_autofree char *what = NULL;
  struct rtnl_link *changes;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), FALSE);
  g_return_val_if_fail (master == NULL || SPACETEST_IS_LINK (master), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_usable (self, error) ||
      (master != NULL && !check_usable (master, error)))
    return FALSE;

  if (master == NULL)
    what = g_strdup_printf (_("release link '%s' in %s from its master"),
                            self->name, self->where);
  else if (!spacetest_namespace_equal (self->netns, master->netns))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Cannot enslave link '%s' in %s to '%s' in %s: a "
                     "master must be in the same network namespace"),
                   self->name, self->where, master->name, master->where);
      return FALSE;
    }
  else
    what = g_strdup_printf (_("enslave link '%s' in %s to '%s'"),
                            self->name, self->where, master->name);

  if (!check_alive (self, what, error) ||
      (master != NULL && !check_alive (master, what, error)) ||
      (changes = new_change (what, error)) == NULL)
    return FALSE;

  rtnl_link_set_master (changes, master != NULL ? master->index : 0);
  return link_change (self, changes, what, error);
}

/* ---- addresses and routes -------------------------------------------- */

/* Parses "ADDRESS[/PREFIX]" (with @with_prefix; else "ADDRESS") into an
 * nl_addr whose prefix length is PREFIX, or the address's full length. */
static struct nl_addr *
parse_address (const char  *text,
               gboolean     with_prefix,
               const char  *what,
               GError     **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autofree char *host = NULL;
  const char *slash = with_prefix ? strchr (text, '/') : NULL;
  struct nl_addr *addr;
  guint max, prefix;
  int family;

  host = slash != NULL ? g_strndup (text, slash - text) : g_strdup (text);
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   with_prefix
                     ? _("Cannot %s: '%s' is not an IPv4 or IPv6 address "
                         "with an optional prefix length")
                     : _("Cannot %s: '%s' is not an IPv4 or IPv6 address"),
                   what, text);
      return NULL;
    }

  max = g_inet_address_get_native_size (inet) * 8;
  prefix = max;
  if (slash != NULL)
    {
      const char *digits = slash + 1;
      gsize len = strlen (digits);

      if (len == 0 || len > 3 || strspn (digits, "0123456789") != len ||
          (prefix = (guint) atoi (digits)) > max)
        {
          g_set_error (error, SPACETEST_ERROR,
                       SPACETEST_ERROR_INVALID_ARGUMENT,
                       _("Cannot %s: the prefix length in '%s' is not a "
                         "number from 0 to %u"), what, text, max);
          return NULL;
        }
    }

  family = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
             ? AF_INET6 : AF_INET;
  addr = nl_addr_build (family, g_inet_address_to_bytes (inet),
                        g_inet_address_get_native_size (inet));
  if (addr == NULL)
    {
      set_netlink_error (error, ENOMEM, 0, what);
      return NULL;
    }

  nl_addr_set_prefixlen (addr, prefix);
  return addr;
}

/**
 * spacetest_link_add_address:
 * @self: a #SpacetestLink
 * @address: an IPv4 or IPv6 address with an optional prefix length, such
 *   as "192.0.2.1/24" or "2001:db8::1/64"
 * @error: return location for a #GError
 *
 * Adds an address to the interface. Without a prefix length it is /32
 * (IPv4) or /128 (IPv6). IPv6 addresses skip duplicate address detection
 * (`IFA_F_NODAD`), so they are usable at once. An address that cannot be
 * parsed gives %SPACETEST_ERROR_INVALID_ARGUMENT.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
spacetest_link_add_address (SpacetestLink  *self,
                            const char     *address,
                            GError        **error)
{
  g_autofree char *what = NULL;
  struct nl_addr *local;
  struct rtnl_addr *request;
  int err, errsv;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  what = begin_call (self, error, _("add address %s to link '%s' in %s"),
                     address, self->name, self->where);
  if (what == NULL)
    return FALSE;

  local = parse_address (address, TRUE, what, error);
  if (local == NULL)
    return FALSE;

  request = rtnl_addr_alloc ();
  if (request == NULL)
    {
      nl_addr_put (local);
      set_netlink_error (error, ENOMEM, 0, what);
      return FALSE;
    }

  rtnl_addr_set_ifindex (request, self->index);
  rtnl_addr_set_family (request, nl_addr_get_family (local));
  rtnl_addr_set_local (request, local);
  rtnl_addr_set_prefixlen (request, nl_addr_get_prefixlen (local));
  if (nl_addr_get_family (local) == AF_INET6)
    rtnl_addr_set_flags (request, IFA_F_NODAD);
  nl_addr_put (local);

  request_begin (self);
  err = rtnl_addr_add (self->sock, request, NLM_F_EXCL);
  errsv = request_end (self);
  rtnl_addr_put (request);

  if (err < 0)
    {
      set_netlink_error (error, errsv, err, what);
      return FALSE;
    }

  return TRUE;
}

/**
 * spacetest_link_dup_addresses:
 * @self: a #SpacetestLink
 * @error: return location for a #GError
 *
 * Lists the interface's addresses now (IPv4 and IPv6, including the IPv6
 * link-local address the kernel adds to an interface that is up), in the
 * form spacetest_link_add_address() takes: "192.0.2.1/24".
 *
 * Returns: (transfer full) (array zero-terminated=1): the addresses, or
 *   %NULL with @error set
 *
 * Since: 0.2
 */
char **
spacetest_link_dup_addresses (SpacetestLink  *self,
                              GError        **error)
{
  g_autoptr(GPtrArray) result = NULL;
  g_autofree char *what = NULL;
  struct nl_cache *cache = NULL;
  struct nl_object *object;
  int err, errsv;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  what = begin_call (self, error, _("list the addresses of link '%s' in %s"),
                     self->name, self->where);
  if (what == NULL)
    return NULL;

  request_begin (self);
  err = rtnl_addr_alloc_cache (self->sock, &cache);
  errsv = request_end (self);
  if (err < 0)
    {
      set_netlink_error (error, errsv, err, what);
      return NULL;
    }

  result = g_ptr_array_new_with_free_func (g_free);
  for (object = nl_cache_get_first (cache); object != NULL;
       object = nl_cache_get_next (object))
    {
      struct rtnl_addr *entry = (struct rtnl_addr *) object;
      struct nl_addr *local = rtnl_addr_get_local (entry);
      g_autoptr(GInetAddress) inet = NULL;
      g_autofree char *text = NULL;
      GSocketFamily family;

      if (rtnl_addr_get_ifindex (entry) != self->index || local == NULL)
        continue;

      family = nl_addr_get_family (local) == AF_INET6
                 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
      if (nl_addr_get_len (local) !=
          (family == G_SOCKET_FAMILY_IPV6 ? 16u : 4u))
        continue;

      inet = g_inet_address_new_from_bytes (nl_addr_get_binary_addr (local),
                                            family);
      text = g_inet_address_to_string (inet);
      g_ptr_array_add (result,
                       g_strdup_printf ("%s/%u", text,
                                        rtnl_addr_get_prefixlen (entry)));
    }
  nl_cache_free (cache);

  g_ptr_array_add (result, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&result), FALSE);
}

/**
 * spacetest_link_add_route:
 * @self: a #SpacetestLink
 * @destination: a prefix such as "10.0.0.0/8", "0.0.0.0/0" or "::/0", or
 *   "default"
 * @gateway: (nullable): the address of the next hop, or %NULL for a
 *   destination directly on the link
 * @error: return location for a #GError
 *
 * Adds a route to @destination through the interface to the main routing
 * table. "default" means "0.0.0.0/0" or "::/0", whichever family
 * @gateway has: with a %NULL @gateway it gives
 * %SPACETEST_ERROR_INVALID_ARGUMENT, as do addresses that cannot be
 * parsed and a @gateway of another family than @destination.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
spacetest_link_add_route (SpacetestLink  *self,
                          const char     *destination,
                          const char     *gateway,
                          GError        **error)
{
  g_autofree char *what = NULL;
  struct nl_addr *dst = NULL;
  struct nl_addr *via = NULL;
  struct rtnl_route *route = NULL;
  struct rtnl_nexthop *hop = NULL;
  gboolean ok = FALSE;
  int err, errsv;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), FALSE);
  g_return_val_if_fail (destination != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (gateway != NULL)
    what = begin_call (self, error,
                       _("add a route to %s via %s on link '%s' in %s"),
                       destination, gateway, self->name, self->where);
  else
    what = begin_call (self, error, _("add a route to %s on link '%s' in %s"),
                       destination, self->name, self->where);
  if (what == NULL)
    return FALSE;

  if (gateway != NULL &&
      (via = parse_address (gateway, FALSE, what, error)) == NULL)
    goto out;

  if (strcmp (destination, "default") == 0)
    {
      static const guint8 zeros[16] = { 0, };

      if (via == NULL)
        {
          g_set_error (error, SPACETEST_ERROR,
                       SPACETEST_ERROR_INVALID_ARGUMENT,
                       _("Cannot %s: \"default\" needs a gateway to tell "
                         "the address family"), what);
          goto out;
        }
      dst = nl_addr_build (nl_addr_get_family (via), zeros,
                           nl_addr_get_len (via));
      if (dst == NULL)
        {
          set_netlink_error (error, ENOMEM, 0, what);
          goto out;
        }
      nl_addr_set_prefixlen (dst, 0);
    }
  else if ((dst = parse_address (destination, TRUE, what, error)) == NULL)
    goto out;

  if (via != NULL && nl_addr_get_family (via) != nl_addr_get_family (dst))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Cannot %s: the gateway is not of the destination's "
                     "address family"), what);
      goto out;
    }

  route = rtnl_route_alloc ();
  hop = rtnl_route_nh_alloc ();
  if (route == NULL || hop == NULL)
    {
      set_netlink_error (error, ENOMEM, 0, what);
      goto out;
    }

  rtnl_route_set_family (route, nl_addr_get_family (dst));
  rtnl_route_set_table (route, RT_TABLE_MAIN);
  rtnl_route_set_protocol (route, RTPROT_BOOT);
  rtnl_route_set_type (route, RTN_UNICAST);
  rtnl_route_set_scope (route,
                        via == NULL && nl_addr_get_family (dst) == AF_INET
                          ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  rtnl_route_set_dst (route, dst);
  rtnl_route_nh_set_ifindex (hop, self->index);
  if (via != NULL)
    rtnl_route_nh_set_gateway (hop, via);
  rtnl_route_add_nexthop (route, g_steal_pointer (&hop));

  request_begin (self);
  err = rtnl_route_add (self->sock, route, NLM_F_EXCL);
  errsv = request_end (self);
  if (err < 0)
    {
      set_netlink_error (error, errsv, err, what);
      goto out;
    }

  ok = TRUE;

out:
  g_clear_pointer (&hop, rtnl_route_nh_free);
  g_clear_pointer (&route, rtnl_route_put);
  g_clear_pointer (&dst, nl_addr_put);
  g_clear_pointer (&via, nl_addr_put);
  return ok;
}

/**
 * spacetest_link_delete:
 * @self: a #SpacetestLink
 * @error: return location for a #GError
 *
 * Deletes the interface now; a veth pair goes as a whole. Deleting a
 * link that is gone already succeeds. Afterwards the other calls on
 * @self (and on the other end of a veth pair) fail with
 * %SPACETEST_ERROR_NOT_FOUND.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
spacetest_link_delete (SpacetestLink  *self,
                       GError        **error)
{
  int errsv = 0;

  g_return_val_if_fail (SPACETEST_IS_LINK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_usable (self, error))
    return FALSE;

  if (g_atomic_int_get (&self->life->deleted))
    return TRUE;

  if (!link_delete_request (self, &errsv))
    {
      g_autofree char *what =
        g_strdup_printf (_("delete link '%s' in %s"), self->name,
                         self->where);

      set_netlink_error (error, errsv, 0, what);
      return FALSE;
    }

  g_atomic_int_set (&self->life->deleted, TRUE);
  return TRUE;
}

/* ---- private --------------------------------------------------------- */

void
_spacetest_link_set_transient (SpacetestLink *self,
                               gboolean       transient)
{
  g_return_if_fail (SPACETEST_IS_LINK (self));

  if (self->life != NULL)
    g_atomic_int_set (&self->life->transient, transient != FALSE);
}

int
_spacetest_link_get_socket_fd (SpacetestLink *self)
{
  g_return_val_if_fail (SPACETEST_IS_LINK (self), -1);

  return self->sock != NULL ? nl_socket_get_fd (self->sock) : -1;
}
