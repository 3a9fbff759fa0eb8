/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer.c: SpacetestSpacer, the client of a spacer service */

#include "spacetest-namespace-private.h"
#include "spacetest-spacer-private.h"
#include "spacetest-spawn-private.h"
#include "spacetest-wire-private.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <gio/gunixfdmessage.h>

/**
 * SECTION:spacetest-spacer
 * @title: SpacetestSpacer
 * @short_description: Child user and PID namespaces through a helper
 *   service
 *
 * A multi-threaded process can neither create nor enter user and PID
 * namespaces. A #SpacetestSpacer is the client of a *spacer service*: a
 * separate, single-threaded helper process (`spacetest-spacer`) that makes
 * them on request. spacetest_spacer_subspace() starts a new service in new
 * child user and/or PID namespaces of the service's own — the caller's uid
 * and gid map to root there — and returns a client for it; that service in
 * turn makes *rooms*: new cgroup, IPC, mount, network, time and UTS
 * namespaces owned by its user namespace, which works for unprivileged
 * users too.
 *
 * |[<!-- language="C" -->
 * g_autoptr(GError) error = NULL;
 * g_autoptr(SpacetestSpacer) spacer = spacetest_spacer_new (NULL, &error);
 * g_autoptr(SpacetestSpacer) sub =
 *   spacetest_spacer_subspace (spacer, SPACETEST_NAMESPACE_TYPE_USER |
 *                                      SPACETEST_NAMESPACE_TYPE_PID,
 *                              NULL, &error);
 * g_autoptr(GPtrArray) rooms =
 *   spacetest_spacer_rooms (sub, SPACETEST_NAMESPACE_TYPE_NET |
 *                                SPACETEST_NAMESPACE_TYPE_UTS, NULL, &error);
 * ]|
 *
 * Client and service talk over a `SOCK_SEQPACKET` socket pair: each
 * message is a serialised #GVariant, namespaces travel as file descriptors
 * (`SCM_RIGHTS`), and errors come back as #GError. Every request has a
 * timeout (#SpacetestSpacer:timeout); a service that dies gives
 * %SPACETEST_ERROR_SPACER_FAILED instead of a hang. A service ends when
 * its client closes it, or when the client process ends; a service made
 * by spacetest_spacer_subspace() also ends with the service that made it.
 */

/**
 * SpacetestSpacer:
 *
 * The client of one spacer service. All its fields are private.
 *
 * Since: 0.1
 */
struct _SpacetestSpacer
{
  GObject parent_instance;

  GMutex lock;
  GSocket *socket;       /* non-blocking */
  gboolean closed;
  gboolean busy;         /* a request is waiting for its reply */
  char *death;           /* set once the service is gone */
  guint32 serial;        /* of the last request */

  GPid pid;              /* in the caller's PID namespace */
  gboolean is_child;     /* started by us: we reap it */
  int pidfd;             /* otherwise: a pidfd (its parent service reaps) */

  SpacetestNamespace *user_ns;
  SpacetestNamespace *pid_ns;
  guint timeout_ms;
};

static void initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpacetestSpacer, spacetest_spacer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      initable_iface_init))

enum {
  PROP_0,
  PROP_PID,
  PROP_USER_NAMESPACE,
  PROP_PID_NAMESPACE,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
spacetest_spacer_finalize (GObject *object)
{
  SpacetestSpacer *self = SPACETEST_SPACER (object);

  spacetest_spacer_close (self, NULL);

  g_clear_object (&self->socket);
  g_clear_fd (&self->pidfd, NULL);
  g_clear_object (&self->user_ns);
  g_clear_object (&self->pid_ns);
  g_clear_pointer (&self->death, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (spacetest_spacer_parent_class)->finalize (object);
}

static void
spacetest_spacer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpacetestSpacer *self = SPACETEST_SPACER (object);

  switch (prop_id)
    {
    case PROP_PID:
      g_value_set_int (value, self->pid);
      break;
    case PROP_USER_NAMESPACE:
      g_value_set_object (value, self->user_ns);
      break;
    case PROP_PID_NAMESPACE:
      g_value_set_object (value, self->pid_ns);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spacetest_spacer_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpacetestSpacer *self = SPACETEST_SPACER (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      spacetest_spacer_set_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spacetest_spacer_class_init (SpacetestSpacerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = spacetest_spacer_finalize;
  object_class->get_property = spacetest_spacer_get_property;
  object_class->set_property = spacetest_spacer_set_property;

  /**
   * SpacetestSpacer:pid:
   *
   * The process id of the service, in the caller's PID namespace.
   *
   * Since: 0.1
   */
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                      G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SpacetestSpacer:user-namespace:
   *
   * The new user namespace made by the spacetest_spacer_subspace() call
   * that made this spacer, or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_USER_NAMESPACE] =
    g_param_spec_object ("user-namespace", NULL, NULL, SPACETEST_TYPE_NAMESPACE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SpacetestSpacer:pid-namespace:
   *
   * The new PID namespace made by the spacetest_spacer_subspace() call
   * that made this spacer (the service is its PID 1), or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_PID_NAMESPACE] =
    g_param_spec_object ("pid-namespace", NULL, NULL, SPACETEST_TYPE_NAMESPACE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SpacetestSpacer:timeout:
   *
   * How long a request may take, in milliseconds, before it fails with
   * %SPACETEST_ERROR_TIMED_OUT.
   *
   * Since: 0.1
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT, 5000,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
spacetest_spacer_init (SpacetestSpacer *self)
{
  g_mutex_init (&self->lock);
  self->pidfd = -1;
  self->timeout_ms = 5000;
}

/* ---- the service's end ------------------------------------------------ */

static char *
describe_wait_status (int status)
{
  if (WIFEXITED (status))
    return g_strdup_printf (_("exited with status %d"), WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf (_("was killed by signal %d (%s)"),
                            WTERMSIG (status), g_strsignal (WTERMSIG (status)));
  return g_strdup (_("ended"));
}

static void
kill_service (SpacetestSpacer *self)
{
  if (self->is_child)
    kill (self->pid, SIGKILL);
  else if (self->pidfd >= 0)
    syscall (SYS_pidfd_send_signal, self->pidfd, SIGKILL, NULL, 0);
}

/* Whether the process behind @pidfd ends before @deadline. */
static gboolean
pidfd_wait (int    pidfd,
            gint64 deadline)
{
  for (;;)
    {
      struct pollfd pfd = { pidfd, POLLIN, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      int n = poll (&pfd, 1, left > 0 ? (int) MIN ((left + 999) / 1000,
                                                   G_MAXINT) : 0);

      if (n >= 0 || errno != EINTR)
        return n > 0;
    }
}

/* Waits up to @timeout_ms for the service to end (reaping it if it is
 * our child); kills it if it does not, and then sets *@killed. Returns
 * how it ended. No descriptor is opened: it works when none is free. */
static char *
wait_for_service (SpacetestSpacer *self,
                  guint            timeout_ms,
                  gboolean        *killed)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gulong delay_us = 50;
  int status = 0;

  if (self->is_child)
    for (;;)
      {
        pid_t r = _spacetest_reap (self->pid, WNOHANG, &status);

        if (r == self->pid)
          return describe_wait_status (status);
        if (r < 0)
          return g_strdup (_("ended"));   /* reaped by someone else */
        if (g_get_monotonic_time () >= deadline)
          break;
        g_usleep (delay_us);
        delay_us = MIN (delay_us * 2, 1000);
      }
  else if (self->pidfd < 0 || pidfd_wait (self->pidfd, deadline))
    return g_strdup (_("ended"));

  kill_service (self);
  if (self->is_child)
    _spacetest_reap (self->pid, 0, NULL);
  else
    pidfd_wait (self->pidfd, g_get_monotonic_time () + G_USEC_PER_SEC);
  *killed = TRUE;
  return g_strdup (_("did not end in time and was killed"));
}

/* Called with the lock held, when the connection broke: the service ends
 * (a short wait). */
static void
mark_dead (SpacetestSpacer *self)
{
  g_autofree char *how = NULL;
  gboolean killed = FALSE;

  if (self->death != NULL)
    return;

  how = wait_for_service (self, 1000, &killed);
  self->death = g_strdup_printf (_("The spacer service (pid %d) %s"),
                                 (int) self->pid, how);
}

static void
set_dead_error (SpacetestSpacer  *self,
                GError          **error)
{
  g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED,
                       self->death);
}

static void
set_closed_error (SpacetestSpacer  *self,
                  GError          **error)
{
  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_CLOSED,
               _("The spacer (pid %d) has been closed"), (int) self->pid);
}

/* ---- the connection ----------------------------------------------------- */

/* Reserves the connection for one request. */
static gboolean
begin_request (SpacetestSpacer  *self,
               guint32          *serial,
               GError          **error)
{
  gboolean ok = FALSE;

  g_mutex_lock (&self->lock);
  if (self->closed)
    set_closed_error (self, error);
  else if (self->socket == NULL)
    g_set_error_literal (error, SPACETEST_ERROR,
                         SPACETEST_ERROR_INVALID_ARGUMENT,
                         _("The spacer has no service (it was not "
                           "initialised)"));
  else if (self->death != NULL)
    set_dead_error (self, error);
  else if (self->busy)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                 _("The spacer (pid %d) is busy with another request"),
                 (int) self->pid);
  else
    {
      self->busy = TRUE;
      *serial = ++self->serial;
      ok = TRUE;
    }
  g_mutex_unlock (&self->lock);

  return ok;
}

static void
end_request (SpacetestSpacer *self)
{
  g_mutex_lock (&self->lock);
  self->busy = FALSE;
  /* spacetest_spacer_close() left the socket to us: a request's source
   * must not watch a descriptor number that may be reused meanwhile. */
  if (self->closed)
    g_socket_close (self->socket, NULL);
  g_mutex_unlock (&self->lock);
}

/* Replaces @error by why the connection broke: the spacer was closed, or
 * the service ended (then says how). */
static void
connection_broke (SpacetestSpacer  *self,
                  gboolean          eof,
                  GError          **error)
{
  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_clear_error (error);
      set_closed_error (self, error);
    }
  else if (eof)
    {
      g_clear_error (error);
      mark_dead (self);
      set_dead_error (self, error);
    }
  g_mutex_unlock (&self->lock);
}

static gboolean
send_request (SpacetestSpacer          *self,
              guint32                   serial,
              SpacetestWireRequest      kind,
              SpacetestNamespaceType    types,
              const SpacetestWireSpawn *spawn,
              GError                  **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GSocketControlMessage) fd_message = NULL;
  GSocketControlMessage *messages[1];
  GError *send_error = NULL;
  GOutputVector vector;

  bytes = _spacetest_wire_to_bytes (spawn != NULL
                                      ? _spacetest_wire_spawn_request (serial,
                                                                       spawn,
                                                                       fds)
                                      : _spacetest_wire_request (serial, kind,
                                                                 types),
                                    error);
  if (bytes == NULL)
    return FALSE;

  /* the fds a spawn request names, as SCM_RIGHTS (GUnixFDList dups
   * them; the caller keeps its own) */
  if (fds->len > 0)
    {
      g_autoptr(GUnixFDList) list =
        g_unix_fd_list_new_from_array (NULL, 0);

      for (guint i = 0; i < fds->len; i++)
        if (g_unix_fd_list_append (list, g_array_index (fds, int, i),
                                   error) < 0)
          return FALSE;
      fd_message = g_unix_fd_message_new_with_fd_list (list);
      messages[0] = fd_message;
    }

  vector.buffer = g_bytes_get_data (bytes, &vector.size);
  if (g_socket_send_message (self->socket, NULL, &vector, 1,
                             fd_message != NULL ? messages : NULL,
                             fd_message != NULL ? 1 : 0,
                             G_SOCKET_MSG_NONE, NULL, &local_error) >= 0)
    return TRUE;

  g_set_error (&send_error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
               _("Cannot send a message to the spacer service: %s"),
               local_error->message);
  connection_broke (self,
                    g_error_matches (local_error, G_IO_ERROR,
                                     G_IO_ERROR_BROKEN_PIPE) ||
                    g_error_matches (local_error, G_IO_ERROR,
                                     G_IO_ERROR_CONNECTION_CLOSED),
                    &send_error);
  g_propagate_error (error, send_error);
  return FALSE;
}

/* Receives one message, with the descriptors it carries (GSocket with
 * GUnixFDMessage). Returns NULL with *@eof or *@would_block set, or with
 * @error set; no descriptor stays open on any error path. */
static SpacetestWireMessage *
receive_message (GSocket   *socket,
                 gboolean  *eof,
                 gboolean  *would_block,
                 GError   **error)
{
  char *data = g_malloc (SPACETEST_WIRE_MAX_SIZE);
  GInputVector vector = { data, SPACETEST_WIRE_MAX_SIZE };
  g_autoptr(GError) local_error = NULL;
  GSocketControlMessage **messages = NULL;
  int n_messages = 0;
  int flags = 0;
  GArray *fds;
  gssize len;

  *eof = *would_block = FALSE;

  /* GLib receives with MSG_CMSG_CLOEXEC, into a control buffer for far
   * more descriptors than a message may carry: the codec checks their
   * number and the truncation flags. */
  len = g_socket_receive_message (socket, NULL, &vector, 1, &messages,
                                  &n_messages, &flags, NULL, &local_error);
  if (len < 0)
    {
      g_free (data);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        *would_block = TRUE;
      /* The peer is gone with a message of ours unread (ECONNRESET): for
       * a SOCK_SEQPACKET socket that means end of file. */
      else if (g_error_matches (local_error, G_IO_ERROR,
                                G_IO_ERROR_CONNECTION_CLOSED))
        *eof = TRUE;
      else
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                     _("Cannot receive a message from the spacer: %s"),
                     local_error->message);
      return NULL;
    }

  fds = g_array_new (FALSE, FALSE, sizeof (int));
  for (int i = 0; i < n_messages; i++)
    {
      if (G_IS_UNIX_FD_MESSAGE (messages[i]))
        {
          int n = 0;
          int *received = g_unix_fd_message_steal_fds (
                            G_UNIX_FD_MESSAGE (messages[i]), &n);

          g_array_append_vals (fds, received, n);
          g_free (received);
        }
      g_object_unref (messages[i]);
    }
  g_free (messages);

  return _spacetest_wire_decode (data, len, fds, flags,
                                 g_socket_get_fd (socket), eof, error);
}

typedef enum
{
  RECEIVED_REPLY,
  RECEIVED_STALE,     /* a reply to an abandoned request: discarded */
  RECEIVED_NOTHING,   /* nothing to read yet */
  RECEIVED_ERROR,
} Received;

/* Reads one message: the reply to @serial (an "ok" one; an "error" one
 * gives its error), or another. */
static Received
receive_reply (SpacetestSpacer       *self,
               guint32                serial,
               SpacetestWireMessage **reply_out,
               GError               **error)
{
  g_autoptr(SpacetestWireMessage) message = NULL;
  GError *local_error = NULL;
  gboolean eof, would_block;

  message = receive_message (self->socket, &eof, &would_block, &local_error);
  if (message == NULL && would_block)
    return RECEIVED_NOTHING;
  if (message == NULL)
    {
      connection_broke (self, eof, &local_error);
      g_propagate_error (error, local_error);
      return RECEIVED_ERROR;
    }

  if (message->serial != serial)
    return RECEIVED_STALE;
  if (!_spacetest_wire_parse_reply (message, error))
    return RECEIVED_ERROR;

  *reply_out = g_steal_pointer (&message);
  return RECEIVED_REPLY;
}

/* ---- the request engine ------------------------------------------------- */

/* Every operation runs here, synchronous or not: it sends requests and
 * reacts to their replies in callbacks. How it ends: with a result, which
 * the callee owns, or with an error. */
typedef void (*Done) (gpointer  result,
                      GError   *error,
                      gpointer  user_data);

typedef struct _Request Request;

/* Where the requests of one operation wait for their replies: on the
 * caller's thread-default main context (the asynchronous forms), or, with
 * @context NULL, in run_sync(), one request at a time. No thread either
 * way: a thread started from a switched thread would stay in its
 * namespaces (GTask's worker threads, too). */
typedef struct
{
  GMainContext *context;
  /* run_sync() */
  Request *next;              /* the request it waits for next */
  gboolean done;
  gpointer result;
  GError *error;
} Runner;

/* One request that was sent and waits for its reply. */
struct _Request
{
  SpacetestSpacer *self;      /* a reference */
  SpacetestWireRequest kind;
  guint32 serial;
  guint timeout_ms;
  gint64 deadline;            /* in monotonic time */
  GCancellable *cancellable;  /* a reference, or NULL */
  GSource *socket_source;     /* while it waits on a main context */
  GSource *timeout_source;
  guint waits;                /* in run_sync(), so far */
  Done done;                  /* the reply (SpacetestWireMessage) */
  gpointer user_data;
};

/* Watches for @request's reply (and its cancellable) until its deadline,
 * on @context. */
static void
request_watch (Request      *request,
               GMainContext *context,
               GSourceFunc   readable,
               GSourceFunc   timed_out,
               gpointer      user_data)
{
  gint64 left = request->deadline - g_get_monotonic_time ();

  request->socket_source =
    g_socket_create_source (request->self->socket,
                            G_IO_IN | G_IO_HUP | G_IO_ERR,
                            request->cancellable);
  g_source_set_callback (request->socket_source, readable, user_data, NULL);
  g_source_attach (request->socket_source, context);

  /* in whole milliseconds, rounded up: never before the deadline */
  request->timeout_source =
    g_timeout_source_new (left > 0 ? (guint) MIN ((left + 999) / 1000,
                                                  G_MAXUINT) : 0);
  g_source_set_callback (request->timeout_source, timed_out, user_data,
                         NULL);
  g_source_attach (request->timeout_source, context);
}

static void
request_unwatch (Request *request)
{
  if (request->socket_source != NULL)
    {
      g_source_destroy (request->socket_source);
      g_clear_pointer (&request->socket_source, g_source_unref);
    }
  if (request->timeout_source != NULL)
    {
      g_source_destroy (request->timeout_source);
      g_clear_pointer (&request->timeout_source, g_source_unref);
    }
}

static void
request_finish (Request              *request,
                SpacetestWireMessage *reply,
                GError               *error)
{
  Done done = request->done;
  gpointer user_data = request->user_data;

  request_unwatch (request);
  end_request (request->self);
  g_object_unref (request->self);
  g_clear_object (&request->cancellable);
  g_free (request);

  done (reply, error, user_data);
}

static void
request_time_out (Request *request)
{
  request_finish (request, NULL,
                  g_error_new (SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT,
                               _("The spacer service (pid %d) did not "
                                 "answer '%s' within %u ms"),
                               (int) request->self->pid,
                               _spacetest_wire_request_name (request->kind),
                               request->timeout_ms));
}

/* Reads what has arrived for @request. Returns FALSE while it still
 * waits; otherwise it is finished (and freed). */
static gboolean
request_step (Request *request)
{
  SpacetestWireMessage *reply = NULL;
  GError *error = NULL;
  Received received;

  if (!g_cancellable_set_error_if_cancelled (request->cancellable, &error))
    {
      g_mutex_lock (&request->self->lock);
      if (request->self->closed)
        set_closed_error (request->self, &error);
      g_mutex_unlock (&request->self->lock);
    }

  if (error == NULL)
    {
      do
        received = receive_reply (request->self, request->serial, &reply,
                                  &error);
      while (received == RECEIVED_STALE);

      if (received == RECEIVED_NOTHING)
        return FALSE;
    }

  request_finish (request, reply, error);
  return TRUE;
}

static gboolean
request_readable (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  return request_step (user_data) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gboolean
request_timed_out (gpointer user_data)
{
  request_time_out (user_data);
  return G_SOURCE_REMOVE;
}

/* Whether run_sync() can make a main context to wait on: GLib aborts
 * when it cannot make the context's wakeup descriptor. Checked before a
 * request is sent, too: a reply nobody reads would keep what it carries
 * open (a new subspace's service, for one) until the next request. */
static gboolean
can_wait_privately (SpacetestSpacer  *self,
                    GError          **error)
{
  int errsv = _spacetest_wire_fd_table_full (g_socket_get_fd (self->socket));

  if (errsv == 0)
    return TRUE;

  _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                   _("wait for the spacer service"));
  return FALSE;
}

/* Sends a request of @kind and calls @done with the "ok" reply. */
static void
request_start (SpacetestSpacer         *self,
               SpacetestWireRequest     kind,
               SpacetestNamespaceType   types,
               const SpacetestWireSpawn *spawn,
               GCancellable            *cancellable,
               Runner                  *runner,
               Done                     done,
               gpointer                 user_data)
{
  GError *error = NULL;
  Request *request;
  guint32 serial;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !begin_request (self, &serial, &error))
    {
      done (NULL, error, user_data);
      return;
    }

  if ((runner->context == NULL && !can_wait_privately (self, &error)) ||
      !send_request (self, serial, kind, types, spawn, &error))
    {
      end_request (self);
      done (NULL, error, user_data);
      return;
    }

  request = g_new0 (Request, 1);
  request->self = g_object_ref (self);
  request->kind = kind;
  request->serial = serial;
  request->timeout_ms = self->timeout_ms;
  request->deadline = g_get_monotonic_time () +
                      (gint64) request->timeout_ms * 1000;
  request->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  request->done = done;
  request->user_data = user_data;

  if (runner->context != NULL)
    request_watch (request, runner->context, G_SOURCE_FUNC (request_readable),
                   request_timed_out, request);
  else
    runner->next = request;
}

/* ---- operations --------------------------------------------------------- */

/* What one kind of operation does: the request it starts with, what it
 * makes of the reply (called with the Op as its user data), and how to
 * free what it makes. */
typedef struct
{
  SpacetestWireRequest request;
  Done replied;
  GDestroyNotify result_free;
} Operation;

/* One operation in progress. */
typedef struct
{
  SpacetestSpacer *self;        /* a reference */
  SpacetestNamespaceType types;
  GCancellable *cancellable;    /* a reference, or NULL */
  Runner *runner;
  Done done;
  gpointer user_data;
} Op;

static Op *
op_new (SpacetestSpacer         *self,
        SpacetestNamespaceType   types,
        GCancellable            *cancellable,
        Runner                  *runner,
        Done                     done,
        gpointer                 user_data)
{
  Op *op = g_new0 (Op, 1);

  op->self = g_object_ref (self);
  op->types = types;
  op->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  op->runner = runner;
  op->done = done;
  op->user_data = user_data;
  return op;
}

static void
op_free (Op *op)
{
  g_object_unref (op->self);
  g_clear_object (&op->cancellable);
  g_free (op);
}

static void
op_finish (Op       *op,
           gpointer  result,
           GError   *error)
{
  Done done = op->done;
  gpointer user_data = op->user_data;

  op_free (op);
  done (result, error, user_data);
}

/* Starts @operation: its request to @self, in @runner. */
static void
operation_start (const Operation         *operation,
                 SpacetestSpacer         *self,
                 SpacetestNamespaceType   types,
                 const SpacetestWireSpawn *spawn,
                 GCancellable            *cancellable,
                 Runner                  *runner,
                 Done                     done,
                 gpointer                 user_data)
{
  request_start (self, operation->request, types, spawn, cancellable, runner,
                 operation->replied,
                 op_new (self, types, cancellable, runner, done, user_data));
}

/* ---- synchronous forms -------------------------------------------------- */

typedef enum
{
  WAIT_PENDING,
  WAIT_READY,
  WAIT_TIMED_OUT,
} Wait;

static gboolean
wait_readable (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  Wait *wait = user_data;

  if (*wait == WAIT_PENDING)
    *wait = WAIT_READY;
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_timed_out (gpointer user_data)
{
  Wait *wait = user_data;

  if (*wait == WAIT_PENDING)
    *wait = WAIT_TIMED_OUT;
  return G_SOURCE_CONTINUE;
}

/* Waits for @request on a private main context, as
 * g_subprocess_communicate() does; the request's sources are attached to
 * it explicitly. It is not pushed as the thread-default context: nothing
 * here looks that up, and g_main_context_push_thread_default() would
 * make GLib's global default context on its first call, a descriptor
 * kept for the life of the process (which leak checks see, and which
 * GLib aborts on when none is free). One context per wait, gone before
 * the reply is read: its wakeup descriptor would take the place of one
 * that the reply carries. WAIT_PENDING with @error set when no context
 * can be made. */
static Wait
wait_privately (Request  *request,
                GError  **error)
{
  g_autoptr(GMainContext) context = NULL;
  Wait wait = WAIT_PENDING;

  if (g_get_monotonic_time () >= request->deadline)
    return WAIT_TIMED_OUT;
  /* request_start() checked before the first wait */
  if (request->waits++ > 0 && !can_wait_privately (request->self, error))
    return WAIT_PENDING;

  context = g_main_context_new ();
  request_watch (request, context, G_SOURCE_FUNC (wait_readable),
                 wait_timed_out, &wait);
  while (wait == WAIT_PENDING)
    g_main_context_iteration (context, TRUE);
  request_unwatch (request);

  return wait;
}

static void
sync_done (gpointer  result,
           GError   *error,
           gpointer  user_data)
{
  Runner *runner = user_data;

  runner->done = TRUE;
  runner->result = result;
  runner->error = error;
}

/* Runs @operation to its end, and returns its result. */
static gpointer
run_sync (const Operation         *operation,
          SpacetestSpacer         *self,
          SpacetestNamespaceType   types,
          const SpacetestWireSpawn *spawn,
          GCancellable            *cancellable,
          GError                 **error)
{
  Runner runner = { NULL, };

  operation_start (operation, self, types, spawn, cancellable, &runner,
                   sync_done,
                   &runner);
  while (!runner.done)
    {
      Request *request = g_steal_pointer (&runner.next);
      GError *wait_error = NULL;

      g_assert (request != NULL);
      switch (wait_privately (request, &wait_error))
        {
        case WAIT_READY:
          if (!request_step (request))
            runner.next = request;
          break;
        case WAIT_TIMED_OUT:
          request_time_out (request);
          break;
        case WAIT_PENDING:
        default:
          request_finish (request, NULL, wait_error);
          break;
        }
    }

  if (runner.error != NULL)
    g_propagate_error (error, runner.error);
  return runner.result;
}

/* ---- asynchronous forms ------------------------------------------------- */

typedef struct
{
  Runner runner;
  const Operation *operation;
} AsyncCall;

static void
async_call_free (gpointer data)
{
  AsyncCall *call = data;

  g_main_context_unref (call->runner.context);
  g_free (call);
}

static void
async_done (gpointer  result,
            GError   *error,
            gpointer  user_data)
{
  g_autoptr(GTask) task = user_data;
  AsyncCall *call = g_task_get_task_data (task);

  if (result != NULL)
    g_task_return_pointer (task, result, call->operation->result_free);
  else
    g_task_return_error (task, error);
}

/* Starts @operation (rooms or subspace: a request that takes a set of
 * @types) on the thread-default main context. */
static void
run_async (SpacetestSpacer          *self,
           const Operation          *operation,
           SpacetestNamespaceType    types,
           const char               *function,
           gpointer                  source_tag,
           GCancellable             *cancellable,
           GAsyncReadyCallback       callback,
           gpointer                  user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  AsyncCall *call = g_new0 (AsyncCall, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  call->operation = operation;
  call->runner.context = g_main_context_ref_thread_default ();
  g_task_set_task_data (task, call, async_call_free);

  if (_spacetest_wire_check_types (operation->request, types, function,
                                   &error))
    operation_start (operation, self, types, NULL, cancellable, &call->runner,
                     async_done, task);
  else
    async_done (NULL, error, task);
}

/* ---- handshake, rooms, subspace ----------------------------------------- */

/* A new service that cannot be used: ended at once, so that closing its
 * spacer does not wait. */
static void
discard_service (SpacetestSpacer *self)
{
  kill_service (self);
  g_object_unref (self);
}

static void
handshake_replied (gpointer  result,
                   GError   *error,
                   gpointer  user_data)
{
  g_autoptr(SpacetestWireMessage) reply = result;
  Op *op = user_data;

  if (reply != NULL && _spacetest_wire_parse_hello_reply (reply, &error))
    {
      op_finish (op, g_object_ref (op->self), NULL);
      return;
    }

  kill_service (op->self);
  op_finish (op, NULL, error);
}

/* The version handshake; the result is the spacer. */
static const Operation handshake_operation = {
  SPACETEST_WIRE_HELLO, handshake_replied, g_object_unref,
};

/* The namespace of @type in @fd (taken); @key names the reply's entry,
 * or NULL in a rooms reply. */
static SpacetestNamespace *
namespace_from_fd (int                      fd,
                   SpacetestNamespaceType   type,
                   const char              *key,
                   GError                 **error)
{
  g_autoptr(SpacetestNamespace) ns = _spacetest_namespace_new_take_fd (fd,
                                                                       error);
  SpacetestNamespaceType got;

  if (ns == NULL)
    return NULL;

  got = spacetest_namespace_get_namespace_type (ns);
  if (got == type)
    return g_steal_pointer (&ns);

  if (key != NULL)
    g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                 _("The spacer sent a %s for '%s'"),
                 _spacetest_type_describe (got), key);
  else
    g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                 _("The spacer sent a %s instead of a %s"),
                 _spacetest_type_describe (got),
                 _spacetest_type_describe (type));
  return NULL;
}

static GPtrArray *
rooms_from_reply (SpacetestNamespaceType   types,
                  SpacetestWireMessage    *reply,
                  GError                 **error)
{
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));

  if (!_spacetest_wire_take_rooms (reply, types, fds, error))
    return NULL;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      SpacetestNamespace *ns;
      int fd;

      if (!(types & _spacetest_types[i]))
        continue;

      fd = g_array_index (fds, int, rooms->len);
      g_array_index (fds, int, rooms->len) = -1;
      ns = namespace_from_fd (fd, _spacetest_types[i], NULL, error);
      if (ns == NULL)
        {
          _spacetest_close_fds (fds);
          return NULL;
        }
      g_ptr_array_add (rooms, ns);
    }

  return g_steal_pointer (&rooms);
}

static void
rooms_replied (gpointer  result,
               GError   *error,
               gpointer  user_data)
{
  g_autoptr(SpacetestWireMessage) reply = result;
  Op *op = user_data;
  GPtrArray *rooms = NULL;

  if (reply != NULL)
    rooms = rooms_from_reply (op->types, reply, &error);
  op_finish (op, rooms, error);
}

static const Operation rooms_operation = {
  SPACETEST_WIRE_ROOMS, rooms_replied, (GDestroyNotify) g_ptr_array_unref,
};

static SpacetestSpacer *
spacer_new_for_fd (int      fd,
                   GError **error)
{
  g_autoptr(SpacetestSpacer) self = g_object_new (SPACETEST_TYPE_SPACER, NULL);

  /* A GSocket that fails to initialise closes @fd itself. */
  self->socket = g_socket_new_from_fd (fd, error);
  if (self->socket == NULL)
    return NULL;
  g_socket_set_blocking (self->socket, FALSE);
  return g_steal_pointer (&self);
}

/* The process id (in our PID namespace) of the process behind pidfd @fd:
 * 0 once it has been reaped. */
static gboolean
pid_of_pidfd (int       fd,
              GPid     *pid,
              GError  **error)
{
  char path[64];
  char info[1024];
  g_autofd int info_fd = -1;
  const char *line;
  gssize len = -1;

  g_snprintf (path, sizeof path, "/proc/self/fdinfo/%d", fd);
  info_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (info_fd >= 0)
    len = read (info_fd, info, sizeof info - 1);
  if (len < 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("identify a new spacer service"));
      return FALSE;
    }
  info[len] = '\0';

  line = strstr (info, "\nPid:");
  if (line == NULL)
    {
      g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                           _("The spacer sent something other than a pidfd "
                             "for a new service"));
      return FALSE;
    }

  /* -1 once the process has been reaped */
  *pid = (GPid) MAX (atoi (line + strlen ("\nPid:")), 0);
  return TRUE;
}

/* Makes the client of a new service from a subspace reply. */
static SpacetestSpacer *
subspace_from_reply (SpacetestSpacer         *parent,
                     SpacetestNamespaceType   types,
                     SpacetestWireMessage    *reply,
                     GError                 **error)
{
  g_auto(SpacetestWireSubspace) fds = SPACETEST_WIRE_SUBSPACE_INIT;
  SpacetestSpacer *self;

  if (!_spacetest_wire_take_subspace (reply, types, &fds, error))
    return NULL;

  self = spacer_new_for_fd (g_steal_fd (&fds.socket), error);
  if (self == NULL)
    return NULL;
  self->timeout_ms = parent->timeout_ms;
  self->pidfd = g_steal_fd (&fds.pidfd);

  if (!pid_of_pidfd (self->pidfd, &self->pid, error) ||
      (fds.user >= 0 &&
       (self->user_ns = namespace_from_fd (g_steal_fd (&fds.user),
                                           SPACETEST_NAMESPACE_TYPE_USER,
                                           "user", error)) == NULL) ||
      (fds.pid >= 0 &&
       (self->pid_ns = namespace_from_fd (g_steal_fd (&fds.pid),
                                          SPACETEST_NAMESPACE_TYPE_PID,
                                          "pid", error)) == NULL))
    {
      discard_service (self);
      return NULL;
    }

  return self;
}

static void
subspace_replied (gpointer  result,
                  GError   *error,
                  gpointer  user_data)
{
  g_autoptr(SpacetestWireMessage) reply = result;
  g_autoptr(SpacetestSpacer) sub = NULL;
  Op *op = user_data;

  if (reply != NULL)
    sub = subspace_from_reply (op->self, op->types, reply, &error);
  if (sub == NULL)
    {
      op_finish (op, NULL, error);
      return;
    }

  /* The new service answers its handshake as soon as it runs; the wait
   * for that is one more request, which blocks nothing either. */
  operation_start (&handshake_operation, sub, 0, NULL, op->cancellable,
                   op->runner,
                   op->done, op->user_data);
  op_free (op);
}

static const Operation subspace_operation = {
  SPACETEST_WIRE_SUBSPACE, subspace_replied, g_object_unref,
};

/* ---- construction ------------------------------------------------------- */

/* The helper in the build tree, when this library is the uninstalled one
 * there: the project's tests, a consumer's meson test (as a subproject)
 * and meson devenv find it without SPACETEST_SPACER_PATH. NULL for an
 * installed library, or a static copy linked into a program. */
static char *
uninstalled_helper (void)
{
  Dl_info info;
  g_autofree char *lib_dir = NULL;
  g_autofree char *real_lib_dir = NULL;
  g_autofree char *real_build_dir = NULL;
  g_autofree char *path = NULL;

  /* the file the loader mapped this code from */
  if (dladdr ((const void *) uninstalled_helper, &info) == 0 ||
      info.dli_fname == NULL || !g_path_is_absolute (info.dli_fname))
    return NULL;

  lib_dir = g_path_get_dirname (info.dli_fname);
  real_lib_dir = realpath (lib_dir, NULL);
  real_build_dir = realpath (SPACETEST_UNINSTALLED_LIBDIR, NULL);
  if (real_lib_dir == NULL || real_build_dir == NULL ||
      strcmp (real_lib_dir, real_build_dir) != 0)
    return NULL;

  path = g_build_filename (real_build_dir, "spacetest-spacer", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  return g_steal_pointer (&path);
}

/* SPACETEST_SPACER_PATH; else the uninstalled helper beside an
 * uninstalled library; else the installed one. */
static char *
find_helper (GError **error)
{
  const char *env = g_getenv (SPACETEST_SPACER_ENV);
  g_autofree char *path = NULL;

  if (env != NULL && *env != '\0')
    path = g_strdup (env);
  else
    path = uninstalled_helper ();
  if (path == NULL)
    path = g_strdup (SPACETEST_LIBEXECDIR "/spacetest-spacer");
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED,
                   _("Cannot find the spacer helper program at '%s' (set %s "
                     "to its path)"), path, SPACETEST_SPACER_ENV);
      return NULL;
    }

  return g_steal_pointer (&path);
}

/* Starts the service of a spacer made with g_object_new() and
 * connects to it: the construction of spacetest_spacer_new(). */
static gboolean
spacer_start (SpacetestSpacer  *self,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autoptr(SpacetestSpacer) started = NULL;
  g_autofree char *helper = NULL;
  int pair[2];

  helper = find_helper (error);
  if (helper == NULL)
    return FALSE;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a socket for a spacer"));
      return FALSE;
    }

  /* A GSocket that fails to initialise closes the fd itself. */
  self->socket = g_socket_new_from_fd (pair[0], error);
  if (self->socket == NULL)
    {
      close (pair[1]);
      return FALSE;
    }
  g_socket_set_blocking (self->socket, FALSE);

  /* No PR_SET_PDEATHSIG here: it fires when the *thread* that started the
   * service ends, which in a multi-threaded client may be any time. The
   * service ends at end of file instead, which the kernel delivers when
   * this process ends. */
  self->pid = _spacetest_spawn_spacer (helper, 0, pair[1], FALSE, error);
  close (pair[1]);
  if (self->pid < 0)
    {
      self->pid = 0;
      self->closed = TRUE;
      return FALSE;
    }
  self->is_child = TRUE;

  started = run_sync (&handshake_operation, self, 0, NULL, cancellable, error);
  return started != NULL;
}

static gboolean
spacetest_spacer_initable_init (GInitable     *initable,
                                GCancellable  *cancellable,
                                GError       **error)
{
  SpacetestSpacer *self = SPACETEST_SPACER (initable);

  /* Made by spacetest_spacer_subspace(), or initialised already. */
  if (self->socket != NULL)
    return TRUE;
  if (self->closed)
    {
      set_closed_error (self, error);
      return FALSE;
    }

  return spacer_start (self, cancellable, error);
}

static void
initable_iface_init (GInitableIface *iface)
{
  iface->init = spacetest_spacer_initable_init;
}

/**
 * spacetest_spacer_new:
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Starts a spacer service in the caller's user and PID namespaces and
 * connects to it. It ends when the spacer is closed or finalized, or when
 * the calling process ends.
 *
 * Returns: (transfer full): the spacer, or %NULL with @error set
 *
 * Since: 0.1
 */
SpacetestSpacer *
spacetest_spacer_new (GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (SPACETEST_TYPE_SPACER, cancellable, error, NULL);
}

/* ---- requests ----------------------------------------------------------- */

/**
 * spacetest_spacer_subspace:
 * @self: a #SpacetestSpacer
 * @types: %SPACETEST_NAMESPACE_TYPE_USER, %SPACETEST_NAMESPACE_TYPE_PID or
 *   both
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks the service to start a new service in new child user and/or PID
 * namespaces of its own, and connects to it. In a new user namespace the
 * caller's uid and gid map to root; in a new PID namespace the new service
 * is PID 1 with a `/proc` of its own. The new namespaces are
 * spacetest_spacer_get_user_namespace() and
 * spacetest_spacer_get_pid_namespace() of the result, which can make
 * further subspaces in turn.
 *
 * Returns: (transfer full): a client for the new service, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
SpacetestSpacer *
spacetest_spacer_subspace (SpacetestSpacer         *self,
                           SpacetestNamespaceType   types,
                           GCancellable            *cancellable,
                           GError                 **error)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_wire_check_types (SPACETEST_WIRE_SUBSPACE, types,
                                    "spacetest_spacer_subspace()", error))
    return NULL;

  return run_sync (&subspace_operation, self, types, NULL, cancellable,
                   error);
}

/**
 * spacetest_spacer_subspace_async:
 * @self: a #SpacetestSpacer
 * @types: %SPACETEST_NAMESPACE_TYPE_USER, %SPACETEST_NAMESPACE_TYPE_PID or
 *   both
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the new service is ready
 * @user_data: data for @callback
 *
 * The asynchronous form of spacetest_spacer_subspace(): the request is
 * sent at once, and the reply and the new service's handshake are awaited
 * on the thread-default main context. Finish with
 * spacetest_spacer_subspace_finish().
 *
 * Since: 0.1
 */
void
spacetest_spacer_subspace_async (SpacetestSpacer         *self,
                                 SpacetestNamespaceType   types,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data)
{
  g_return_if_fail (SPACETEST_IS_SPACER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  run_async (self, &subspace_operation, types,
             "spacetest_spacer_subspace_async()",
             spacetest_spacer_subspace_async, cancellable, callback,
             user_data);
}

/**
 * spacetest_spacer_subspace_finish:
 * @self: a #SpacetestSpacer
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes spacetest_spacer_subspace_async().
 *
 * Returns: (transfer full): a client for the new service, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
SpacetestSpacer *
spacetest_spacer_subspace_finish (SpacetestSpacer  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        spacetest_spacer_subspace_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * spacetest_spacer_rooms:
 * @self: a #SpacetestSpacer
 * @types: one or more of %SPACETEST_NAMESPACE_TYPE_CGROUP,
 *   %SPACETEST_NAMESPACE_TYPE_IPC, %SPACETEST_NAMESPACE_TYPE_MNT,
 *   %SPACETEST_NAMESPACE_TYPE_NET, %SPACETEST_NAMESPACE_TYPE_TIME and
 *   %SPACETEST_NAMESPACE_TYPE_UTS
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks the service for new namespaces of @types, owned by its user
 * namespace, in one request. A new network namespace has `lo` up, a new
 * mount namespace has `/` recursively private, and a new time namespace
 * is the really new one.
 *
 * Returns: (transfer container) (element-type SpacetestNamespace): one
 *   namespace per requested type, in the order cgroup, ipc, mnt, net,
 *   time, uts; or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
spacetest_spacer_rooms (SpacetestSpacer         *self,
                        SpacetestNamespaceType   types,
                        GCancellable            *cancellable,
                        GError                 **error)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_wire_check_types (SPACETEST_WIRE_ROOMS, types,
                                    "spacetest_spacer_rooms()", error))
    return NULL;

  return run_sync (&rooms_operation, self, types, NULL, cancellable, error);
}

/**
 * spacetest_spacer_rooms_async:
 * @self: a #SpacetestSpacer
 * @types: the namespace types, as for spacetest_spacer_rooms()
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the namespaces are ready
 * @user_data: data for @callback
 *
 * The asynchronous form of spacetest_spacer_rooms(), awaited on the
 * thread-default main context. Finish with spacetest_spacer_rooms_finish().
 *
 * Since: 0.1
 */
void
spacetest_spacer_rooms_async (SpacetestSpacer         *self,
                              SpacetestNamespaceType   types,
                              GCancellable            *cancellable,
                              GAsyncReadyCallback      callback,
                              gpointer                 user_data)
{
  g_return_if_fail (SPACETEST_IS_SPACER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  run_async (self, &rooms_operation, types, "spacetest_spacer_rooms_async()",
             spacetest_spacer_rooms_async, cancellable, callback, user_data);
}

/**
 * spacetest_spacer_rooms_finish:
 * @self: a #SpacetestSpacer
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes spacetest_spacer_rooms_async().
 *
 * Returns: (transfer container) (element-type SpacetestNamespace): the
 *   namespaces, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
spacetest_spacer_rooms_finish (SpacetestSpacer  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        spacetest_spacer_rooms_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * spacetest_spacer_new_transient:
 * @self: a #SpacetestSpacer
 * @type: one of the types spacetest_spacer_rooms() takes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks the service for one new namespace of @type, owned by its user
 * namespace.
 *
 * Returns: (transfer full): the namespace, or %NULL with @error set
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_spacer_new_transient (SpacetestSpacer         *self,
                                SpacetestNamespaceType   type,
                                GCancellable            *cancellable,
                                GError                 **error)
{
  g_autoptr(GPtrArray) rooms = NULL;

  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_check_types (type, SPACETEST_ROOM_TYPES, TRUE,
                               "spacetest_spacer_new_transient()", error))
    return NULL;

  rooms = run_sync (&rooms_operation, self, type, NULL, cancellable, error);
  if (rooms == NULL)
    return NULL;

  return g_object_ref (g_ptr_array_index (rooms, 0));
}

/* ---- properties --------------------------------------------------------- */

/**
 * spacetest_spacer_get_pid:
 * @self: a #SpacetestSpacer
 *
 * Gets the process id of the service, as seen from the caller's PID
 * namespace.
 *
 * Returns: the pid
 *
 * Since: 0.1
 */
GPid
spacetest_spacer_get_pid (SpacetestSpacer *self)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), 0);

  return self->pid;
}

/**
 * spacetest_spacer_get_user_namespace:
 * @self: a #SpacetestSpacer
 *
 * Gets the user namespace created by the spacetest_spacer_subspace() call
 * that made this spacer.
 *
 * Returns: (transfer none) (nullable): the user namespace, or %NULL
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_spacer_get_user_namespace (SpacetestSpacer *self)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);

  return self->user_ns;
}

/**
 * spacetest_spacer_get_pid_namespace:
 * @self: a #SpacetestSpacer
 *
 * Gets the PID namespace created by the spacetest_spacer_subspace() call
 * that made this spacer; the service is its PID 1.
 *
 * Returns: (transfer none) (nullable): the PID namespace, or %NULL
 *
 * Since: 0.1
 */
SpacetestNamespace *
spacetest_spacer_get_pid_namespace (SpacetestSpacer *self)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);

  return self->pid_ns;
}

/**
 * spacetest_spacer_get_timeout:
 * @self: a #SpacetestSpacer
 *
 * Gets the #SpacetestSpacer:timeout of each request.
 *
 * Returns: the timeout in milliseconds
 *
 * Since: 0.1
 */
guint
spacetest_spacer_get_timeout (SpacetestSpacer *self)
{
  g_return_val_if_fail (SPACETEST_IS_SPACER (self), 0);

  return self->timeout_ms;
}

/**
 * spacetest_spacer_set_timeout:
 * @self: a #SpacetestSpacer
 * @timeout_ms: the timeout of each request in milliseconds (at least 1)
 *
 * Sets the #SpacetestSpacer:timeout of each request.
 *
 * Since: 0.1
 */
void
spacetest_spacer_set_timeout (SpacetestSpacer *self,
                              guint            timeout_ms)
{
  g_return_if_fail (SPACETEST_IS_SPACER (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/**
 * spacetest_spacer_close:
 * @self: a #SpacetestSpacer
 * @error: return location for a #GError
 *
 * Ends the service and waits for it to end (reaping it, when this process
 * started it). A service that does not end within the
 * #SpacetestSpacer:timeout is killed, and the call reports that with
 * %SPACETEST_ERROR_TIMED_OUT; the spacer is closed and cleaned up all the
 * same. Calling it again does nothing and returns %TRUE; other calls on a
 * closed spacer give %SPACETEST_ERROR_CLOSED, and a request waiting in
 * another thread fails with it. Namespaces already received stay valid.
 *
 * Returns: %TRUE if the service ended by itself (or had ended before),
 *   %FALSE with @error set if it had to be killed
 *
 * Since: 0.1
 */
gboolean
spacetest_spacer_close (SpacetestSpacer  *self,
                        GError          **error)
{
  gboolean killed = FALSE;
  gboolean wait;
  guint timeout_ms;

  g_return_val_if_fail (SPACETEST_IS_SPACER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  self->closed = TRUE;

  /* End of file tells the service to end; shutting the socket down also
   * wakes a request waiting on it in another thread, which then reports
   * CLOSED. */
  if (self->socket != NULL)
    g_socket_shutdown (self->socket, TRUE, TRUE, NULL);
  wait = self->death == NULL && self->pid > 0;
  timeout_ms = self->timeout_ms;
  g_mutex_unlock (&self->lock);

  /* Without the lock, so that a woken request can finish meanwhile; no
   * new request starts on a closed spacer. */
  if (wait)
    g_free (wait_for_service (self, timeout_ms, &killed));

  g_mutex_lock (&self->lock);
  /* A request still waiting closes the socket when it ends. */
  if (self->socket != NULL && !self->busy)
    g_socket_close (self->socket, NULL);
  g_clear_fd (&self->pidfd, NULL);
  g_mutex_unlock (&self->lock);

  if (killed)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT,
                   _("The spacer service (pid %d) did not end within %u ms "
                     "and was killed"),
                   (int) self->pid, timeout_ms);
      return FALSE;
    }

  return TRUE;
}

/* ---- spawn (private: spacetest-run) ------------------------------------- */

typedef struct
{
  GPid pid;
  int pidfd;
} Spawned;

static void
spawned_free (gpointer data)
{
  Spawned *spawned = data;

  g_clear_fd (&spawned->pidfd, NULL);
  g_free (spawned);
}

static void
spawn_replied (gpointer  result,
               GError   *error,
               gpointer  user_data)
{
  g_autoptr(SpacetestWireMessage) reply = result;
  Op *op = user_data;
  Spawned *spawned = NULL;

  if (reply != NULL)
    {
      spawned = g_new0 (Spawned, 1);
      spawned->pidfd = -1;
      if (!_spacetest_wire_take_spawned (reply, &spawned->pid,
                                         &spawned->pidfd, &error))
        g_clear_pointer (&spawned, spawned_free);
    }
  op_finish (op, spawned, error);
}

static const Operation spawn_operation = {
  SPACETEST_WIRE_SPAWN, spawn_replied, spawned_free,
};

/* See spacetest-spacer-private.h. */
gboolean
_spacetest_spacer_spawn (SpacetestSpacer           *self,
                         const char                *path,
                         const char * const        *argv,
                         const char * const        *envp,
                         int                        cwd_fd,
                         const int                  stdio_fds[3],
                         SpacetestNamespace * const *namespaces,
                         guint                      n_namespaces,
                         const sigset_t            *sigmask,
                         const sigset_t            *sigignore,
                         GPid                      *pid_out,
                         int                       *pidfd_out,
                         int                       *status_fd_out,
                         GError                   **error)
{
  SpacetestWireSpawn spawn = SPACETEST_WIRE_SPAWN_INIT;
  Spawned *spawned;
  int status_pipe[2];

  g_return_val_if_fail (SPACETEST_IS_SPACER (self), FALSE);
  g_return_val_if_fail (path != NULL && g_path_is_absolute (path), FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (n_namespaces <= SPACETEST_WIRE_MAX_SPAWN_NS, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pipe2 (status_pipe, O_CLOEXEC) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a status pipe"));
      return FALSE;
    }

  spawn.path = (char *) path;
  spawn.argv = (char **) argv;
  spawn.envp = (char **) envp;
  for (int sig = 1; sig < NSIG && sig <= 64; sig++)
    {
      guint64 bit = G_GUINT64_CONSTANT (1) << (sig - 1);

      if (sigmask != NULL && sigismember (sigmask, sig) == 1)
        spawn.sigmask |= bit;
      if (sigignore != NULL && sigismember (sigignore, sig) == 1)
        spawn.sigignore |= bit;
    }
  spawn.cwd = cwd_fd;
  for (int i = 0; i < 3; i++)
    spawn.stdio[i] = stdio_fds[i];
  spawn.status = status_pipe[1];
  for (guint i = 0; i < n_namespaces; i++)
    spawn.namespaces[i] = spacetest_namespace_get_fd (namespaces[i]);
  spawn.n_namespaces = n_namespaces;

  spawned = run_sync (&spawn_operation, self, 0, &spawn, NULL, error);
  /* only the service (and the program's end) may hold the write end */
  close (status_pipe[1]);
  if (spawned == NULL)
    {
      close (status_pipe[0]);
      return FALSE;
    }

  *pid_out = spawned->pid;
  *pidfd_out = g_steal_fd (&spawned->pidfd);
  *status_fd_out = status_pipe[0];
  spawned_free (spawned);
  return TRUE;
}
