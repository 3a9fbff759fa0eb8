/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer.c: SpacetestSpacer, the client of a spacer service */

#include "spacetest-private.h"
#include "spacetest-spawn-private.h"
#include "spacetest-wire-private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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
  GSocket *socket;
  gboolean closed;
  gboolean busy;
  char *death;           /* set once the service is gone */
  guint32 serial;

  GPid pid;              /* in the caller's PID namespace */
  gboolean is_child;     /* started by us: we reap it */
  int pidfd;             /* otherwise: a pidfd (its parent service reaps) */

  SpacetestNamespace *user_ns;
  SpacetestNamespace *pid_ns;
  guint timeout_ms;
};

G_DEFINE_FINAL_TYPE (SpacetestSpacer, spacetest_spacer, G_TYPE_OBJECT)

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
    return g_strdup_printf (_("was killed by signal %d (%s)"), WTERMSIG (status),
                            g_strsignal (WTERMSIG (status)));
  return g_strdup (_("ended"));
}

/* Waits up to @timeout_ms for the service to end (reaping it if it is
 * our child); kills it if it does not. Returns how it ended. */
static char *
wait_for_service (SpacetestSpacer *self,
                  guint            timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  int status = 0;

  if (self->is_child)
    {
      for (;;)
        {
          pid_t r = _spacetest_reap (self->pid, WNOHANG, &status);

          if (r == self->pid)
            return describe_wait_status (status);
          if (r < 0)
            return g_strdup (_("ended"));   /* reaped by someone else */
          if (g_get_monotonic_time () >= deadline)
            {
              kill (self->pid, SIGKILL);
              _spacetest_reap (self->pid, 0, NULL);
              return g_strdup (_("did not end in time and was killed"));
            }
          g_usleep (1000);
        }
    }

  if (self->pidfd >= 0)
    {
      struct pollfd pfd = { self->pidfd, POLLIN, 0 };

      if (poll (&pfd, 1, (int) MIN (timeout_ms, G_MAXINT)) <= 0)
        {
          syscall (SYS_pidfd_send_signal, self->pidfd, SIGKILL, NULL, 0);
          pfd.revents = 0;
          poll (&pfd, 1, 1000);
          return g_strdup (_("did not end in time and was killed"));
        }
    }

  return g_strdup (_("ended"));
}

/* Called with the lock held, when the connection broke. */
static void
mark_dead (SpacetestSpacer *self)
{
  g_autofree char *how = NULL;

  if (self->death != NULL)
    return;

  how = wait_for_service (self, 1000);
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

/* ---- requests ----------------------------------------------------------- */

static void
set_closed_error (SpacetestSpacer  *self,
                  GError          **error)
{
  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_CLOSED,
               _("The spacer (pid %d) has been closed"), (int) self->pid);
}

/* Takes the lock and reserves the connection for one request. */
static gboolean
begin_request (SpacetestSpacer  *self,
               guint32          *serial,
               GError          **error)
{
  gboolean ok = FALSE;

  g_mutex_lock (&self->lock);
  if (self->closed)
    set_closed_error (self, error);
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
              GError                  **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  GError *send_error = NULL;
  GOutputVector vector;

  bytes = _spacetest_wire_to_bytes (_spacetest_wire_request (serial, kind,
                                                             types),
                                    error);
  if (bytes == NULL)
    return FALSE;

  vector.buffer = g_bytes_get_data (bytes, &vector.size);
  if (g_socket_send_message (self->socket, NULL, &vector, 1, NULL, 0,
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

/* Reads one message. Returns 1 with *@reply_out for the "ok" reply to
 * @serial, 0 for a stale reply (to an abandoned request; discarded) or
 * none yet, -1 on error (an "error" reply gives its error). */
static int
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
    return 0;
  if (message == NULL)
    {
      connection_broke (self, eof, &local_error);
      g_propagate_error (error, local_error);
      return -1;
    }

  if (message->serial != serial)
    return 0;
  if (!_spacetest_wire_parse_reply (message, error))
    return -1;

  *reply_out = g_steal_pointer (&message);
  return 1;
}

static SpacetestWireMessage *
call_sync (SpacetestSpacer          *self,
           SpacetestWireRequest      kind,
           SpacetestNamespaceType    types,
           GCancellable             *cancellable,
           GError                  **error)
{
  gint64 deadline;
  guint32 serial;
  SpacetestWireMessage *reply = NULL;

  if (!begin_request (self, &serial, error))
    return NULL;

  deadline = g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;

  if (send_request (self, serial, kind, types, error))
    for (;;)
      {
        g_autoptr(GError) wait_error = NULL;
        gint64 left = deadline - g_get_monotonic_time ();
        int r;

        if (left <= 0 ||
            !g_socket_condition_timed_wait (self->socket, G_IO_IN, MAX (left, 1),
                                            cancellable, &wait_error))
          {
            if (left <= 0 || g_error_matches (wait_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
              g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT,
                           _("The spacer service (pid %d) did not answer '%s' "
                             "within %u ms"),
                           (int) self->pid,
                           _spacetest_wire_request_name (kind),
                           self->timeout_ms);
            else
              g_propagate_error (error, g_steal_pointer (&wait_error));
            break;
          }

        r = receive_reply (self, serial, &reply, error);
        if (r != 0)
          break;
      }

  end_request (self);
  return reply;
}

/* The asynchronous form waits on the caller's main context: no thread. */
typedef struct
{
  SpacetestSpacer *self;
  SpacetestWireRequest kind;
  guint32 serial;
  GSource *socket_source;
  GSource *timeout_source;
} AsyncCall;

static void
async_call_free (AsyncCall *call)
{
  if (call->socket_source != NULL)
    {
      g_source_destroy (call->socket_source);
      g_source_unref (call->socket_source);
    }
  if (call->timeout_source != NULL)
    {
      g_source_destroy (call->timeout_source);
      g_source_unref (call->timeout_source);
    }
  g_free (call);
}

static void
async_call_finish (GTask                *task,
                   SpacetestWireMessage *reply,
                   GError               *error)
{
  AsyncCall *call = g_task_get_task_data (task);

  if (call->socket_source != NULL)
    g_source_destroy (call->socket_source);
  if (call->timeout_source != NULL)
    g_source_destroy (call->timeout_source);
  end_request (call->self);

  if (reply != NULL)
    g_task_return_pointer (task, reply,
                           (GDestroyNotify) _spacetest_wire_message_free);
  else
    g_task_return_error (task, error);
}

static gboolean
async_call_readable (GSocket      *socket,
                     GIOCondition  condition,
                     gpointer      user_data)
{
  GTask *task = user_data;
  AsyncCall *call = g_task_get_task_data (task);
  GError *error = NULL;
  SpacetestWireMessage *reply = NULL;
  int r;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      async_call_finish (task, NULL, error);
      return G_SOURCE_REMOVE;
    }

  g_mutex_lock (&call->self->lock);
  if (call->self->closed)
    set_closed_error (call->self, &error);
  g_mutex_unlock (&call->self->lock);
  if (error != NULL)
    {
      async_call_finish (task, NULL, error);
      return G_SOURCE_REMOVE;
    }

  r = receive_reply (call->self, call->serial, &reply, &error);
  if (r == 0)
    return G_SOURCE_CONTINUE;

  async_call_finish (task, reply, error);
  return G_SOURCE_REMOVE;
}

static gboolean
async_call_timed_out (gpointer user_data)
{
  GTask *task = user_data;
  AsyncCall *call = g_task_get_task_data (task);

  async_call_finish (task, NULL,
                     g_error_new (SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT,
                                  _("The spacer service (pid %d) did not "
                                    "answer '%s' within %u ms"),
                                  (int) call->self->pid,
                                  _spacetest_wire_request_name (call->kind),
                                  call->self->timeout_ms));
  return G_SOURCE_REMOVE;
}

static void
call_async (SpacetestSpacer          *self,
            SpacetestWireRequest      kind,
            SpacetestNamespaceType    types,
            gpointer                  source_tag,
            GCancellable             *cancellable,
            GAsyncReadyCallback       callback,
            gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  AsyncCall *call;
  guint32 serial;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (!begin_request (self, &serial, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (!send_request (self, serial, kind, types, &error))
    {
      end_request (self);
      g_task_return_error (task, error);
      return;
    }

  call = g_new0 (AsyncCall, 1);
  call->self = self;
  call->kind = kind;
  call->serial = serial;
  g_task_set_task_data (task, call, (GDestroyNotify) async_call_free);

  call->socket_source = g_socket_create_source (self->socket, G_IO_IN | G_IO_HUP |
                                                G_IO_ERR, cancellable);
  g_source_set_callback (call->socket_source, (GSourceFunc) (void (*) (void)) async_call_readable,
                         g_object_ref (task), g_object_unref);
  g_source_attach (call->socket_source, g_task_get_context (task));

  call->timeout_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (call->timeout_source, async_call_timed_out,
                         g_object_ref (task), g_object_unref);
  g_source_attach (call->timeout_source, g_task_get_context (task));
}

/* ---- construction ------------------------------------------------------- */

static char *
find_helper (GError **error)
{
  const char *env = g_getenv (SPACETEST_SPACER_ENV);
  g_autofree char *path = g_strdup (env != NULL && *env != '\0'
                                      ? env
                                      : SPACETEST_LIBEXECDIR "/spacetest-spacer");

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED,
                   _("Cannot find the spacer helper program at '%s' (set %s "
                     "to its path)"), path, SPACETEST_SPACER_ENV);
      return NULL;
    }

  return g_steal_pointer (&path);
}

static gboolean
handshake (SpacetestSpacer  *self,
           GCancellable     *cancellable,
           GError          **error)
{
  g_autoptr(SpacetestWireMessage) reply = NULL;

  reply = call_sync (self, SPACETEST_WIRE_HELLO, 0, cancellable, error);
  return reply != NULL && _spacetest_wire_parse_hello_reply (reply, error);
}

static SpacetestSpacer *
spacer_new_for_fd (int      fd,
                   GError **error)
{
  g_autoptr(SpacetestSpacer) self = g_object_new (SPACETEST_TYPE_SPACER, NULL);

  /* A GSocket that fails to initialise closes @fd itself. */
  self->socket = g_socket_new_from_fd (fd, error);
  if (self->socket == NULL)
    return NULL;
  return g_steal_pointer (&self);
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
  g_autoptr(SpacetestSpacer) self = NULL;
  g_autofree char *helper = NULL;
  int pair[2];

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  helper = find_helper (error);
  if (helper == NULL)
    return NULL;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a socket for a spacer"));
      return NULL;
    }

  self = spacer_new_for_fd (pair[0], error);
  if (self == NULL)
    {
      close (pair[1]);
      return NULL;
    }

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
      return NULL;
    }
  self->is_child = TRUE;

  if (!handshake (self, cancellable, error))
    return NULL;

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

/* Makes the client of a new service from a subspace reply. */
static SpacetestSpacer *
subspace_from_reply (SpacetestSpacer         *parent,
                     SpacetestNamespaceType   types,
                     SpacetestWireMessage    *reply,
                     GError                 **error)
{
  g_auto(SpacetestWireSubspace) fds = SPACETEST_WIRE_SUBSPACE_INIT;
  g_autoptr(SpacetestSpacer) self = NULL;

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
    return NULL;

  return g_steal_pointer (&self);
}

/* Starts the asynchronous form of a request that takes a set of types:
 * the outer task (@source_tag) completes in @reply_cb, which gets the
 * inner request's result and the outer task, whose task data are the
 * types. */
static void
typed_call_async (SpacetestSpacer         *self,
                  SpacetestWireRequest     kind,
                  SpacetestNamespaceType   types,
                  const char              *operation,
                  gpointer                 source_tag,
                  GAsyncReadyCallback      reply_cb,
                  GCancellable            *cancellable,
                  GAsyncReadyCallback      callback,
                  gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, GUINT_TO_POINTER (types), NULL);

  if (!_spacetest_wire_check_types (kind, types, operation, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  call_async (self, kind, types, source_tag, cancellable,
              reply_cb, g_steal_pointer (&task));
}

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
  g_autoptr(SpacetestWireMessage) reply = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;

  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_wire_check_types (SPACETEST_WIRE_SUBSPACE, types,
                                    "spacetest_spacer_subspace()", error))
    return NULL;

  reply = call_sync (self, SPACETEST_WIRE_SUBSPACE, types, cancellable, error);
  if (reply == NULL)
    return NULL;

  sub = subspace_from_reply (self, types, reply, error);
  if (sub == NULL || !handshake (sub, cancellable, error))
    return NULL;

  return g_steal_pointer (&sub);
}

static void
subspace_reply_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SpacetestSpacer *self = SPACETEST_SPACER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestWireMessage) reply =
    g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(SpacetestSpacer) sub = NULL;
  SpacetestNamespaceType types = GPOINTER_TO_UINT (g_task_get_task_data (task));

  if (reply != NULL)
    sub = subspace_from_reply (self, types, reply, &error);

  /* The new service answers its handshake as soon as it runs: a short,
   * bounded wait. */
  if (sub != NULL && !handshake (sub, g_task_get_cancellable (task), &error))
    g_clear_object (&sub);

  if (sub != NULL)
    g_task_return_pointer (task, g_steal_pointer (&sub), g_object_unref);
  else
    g_task_return_error (task, g_steal_pointer (&error));
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
 * sent at once and the reply awaited on the thread-default main context.
 * Finish with spacetest_spacer_subspace_finish().
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

  typed_call_async (self, SPACETEST_WIRE_SUBSPACE, types,
                    "spacetest_spacer_subspace_async()",
                    spacetest_spacer_subspace_async, subspace_reply_cb,
                    cancellable, callback, user_data);
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
  g_autoptr(SpacetestWireMessage) reply = NULL;

  g_return_val_if_fail (SPACETEST_IS_SPACER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_wire_check_types (SPACETEST_WIRE_ROOMS, types,
                                    "spacetest_spacer_rooms()", error))
    return NULL;

  reply = call_sync (self, SPACETEST_WIRE_ROOMS, types, cancellable, error);
  if (reply == NULL)
    return NULL;

  return rooms_from_reply (types, reply, error);
}

static void
rooms_reply_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestWireMessage) reply =
    g_task_propagate_pointer (G_TASK (result), &error);
  SpacetestNamespaceType types = GPOINTER_TO_UINT (g_task_get_task_data (task));
  GPtrArray *rooms = NULL;

  if (reply != NULL)
    rooms = rooms_from_reply (types, reply, &error);

  if (rooms != NULL)
    g_task_return_pointer (task, rooms, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, g_steal_pointer (&error));
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

  typed_call_async (self, SPACETEST_WIRE_ROOMS, types,
                    "spacetest_spacer_rooms_async()",
                    spacetest_spacer_rooms_async, rooms_reply_cb,
                    cancellable, callback, user_data);
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
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_spacetest_is_single_type (type) || !(type & SPACETEST_ROOM_TYPES))
    {
      g_autofree char *got = _spacetest_types_describe (type);

      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("spacetest_spacer_new_transient() takes one of cgroup, ipc, "
                     "mnt, net, time or uts, not %s (use "
                     "spacetest_spacer_subspace() for user and PID namespaces)"),
                   got);
      return NULL;
    }

  rooms = spacetest_spacer_rooms (self, type, cancellable, error);
  if (rooms == NULL)
    return NULL;

  return g_object_ref (g_ptr_array_index (rooms, 0));
}

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
 * started it); a service that does not end within the timeout is killed.
 * Calling it again does nothing; other calls on a closed spacer give
 * %SPACETEST_ERROR_CLOSED. Namespaces already received stay valid.
 *
 * Returns: %TRUE
 *
 * Since: 0.1
 */
gboolean
spacetest_spacer_close (SpacetestSpacer  *self,
                        GError          **error)
{
  g_autofree char *how = NULL;
  gboolean wait;

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
   * CLOSED. The GSocket object itself stays until finalize. */
  if (self->socket != NULL)
    g_socket_shutdown (self->socket, TRUE, TRUE, NULL);
  wait = self->death == NULL && self->pid > 0;
  g_mutex_unlock (&self->lock);

  /* Without the lock, so that a woken request can finish meanwhile; no
   * new request starts on a closed spacer. */
  if (wait)
    how = wait_for_service (self, self->timeout_ms);

  g_mutex_lock (&self->lock);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_fd (&self->pidfd, NULL);
  g_mutex_unlock (&self->lock);

  return TRUE;
}
