/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wire.c: the spacer protocol — the spacetest-spacer service spoken to
 * straight over its socket (malformed input included), a fake service
 * that misbehaves towards the client, and the message codec itself */

#include "test-util.h"

#include "spacetest-wire-private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The six room types in the order a rooms reply carries them. */
static const SpacetestNamespaceType room_types[] = {
  CGROUP, IPC, MNT, NET, TIME, UTS,
};

/* ---- a raw connection to a service -------------------------------------- */

typedef struct
{
  int sock;
  GPid pid;
  guint32 serial;
} Raw;

typedef struct
{
  guint32 serial;
  char *name;
  GVariant *params;
  GArray *fds;
} RawMessage;

static void
raw_message_clear (RawMessage *msg)
{
  g_clear_pointer (&msg->name, g_free);
  g_clear_pointer (&msg->params, g_variant_unref);
  if (msg->fds != NULL)
    {
      for (guint i = 0; i < msg->fds->len; i++)
        close (g_array_index (msg->fds, int, i));
      g_clear_pointer (&msg->fds, g_array_unref);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RawMessage, raw_message_clear)

/* Starts the helper as our child, speaking on fd 3, as the library does. */
static void
raw_start (Raw *raw)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parent_arg =
    g_strdup_printf ("--parent-pid=%d", (int) getpid ());
  const char *helper = g_getenv ("SPACETEST_SPACER_PATH");
  const char *argv[] = { helper, "--socket-fd=3", parent_arg, NULL };
  int pair[2];
  int target_fds[] = { 3 };

  g_assert_nonnull (helper);
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
                                 pair));

  memset (raw, 0, sizeof *raw);
  raw->sock = pair[0];
  g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                    -1, -1, -1, &pair[1], target_fds, 1,
                                    &raw->pid, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_errno (close (pair[1]));
  g_assert_cmpint (raw->pid, >, 0);
}

static void
raw_send_bytes (Raw        *raw,
                const void *data,
                gsize       len,
                const int  *fds,
                guint       n_fds)
{
  g_assert_cmpint (tu_send_datagram (raw->sock, data, len, fds, n_fds), ==,
                   (gssize) len);
}

static void
raw_send_variant (Raw       *raw,
                  GVariant  *variant,
                  const int *fds,
                  guint      n_fds)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (variant);

  raw_send_bytes (raw, g_variant_get_data (owned), g_variant_get_size (owned),
                  fds, n_fds);
}

/* Sends a request with a fresh serial; returns the serial. */
static guint32
raw_request (Raw        *raw,
             const char *name,
             GVariant   *params,
             const int  *fds,
             guint       n_fds)
{
  guint32 serial = ++raw->serial + 1000;

  if (params == NULL)
    params = g_variant_new ("a{sv}", NULL);
  raw_send_variant (raw, g_variant_new ("(us@a{sv})", serial, name, params),
                    fds, n_fds);
  return serial;
}

/* Request parameters {@key: @value}. */
static GVariant *
uint_params (const char *key,
             guint32     value)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, key, "u", value);
  return g_variant_dict_end (&dict);
}

static GVariant *
types_params (guint32 types)
{
  return uint_params ("types", types);
}

static GVariant *
version_params (guint32 version)
{
  return uint_params ("version", version);
}

/* Receives one message (within 5 s); FALSE at end of file. */
static gboolean
raw_recv (Raw        *raw,
          RawMessage *out)
{
  union {
    char buf[CMSG_SPACE (sizeof (int) * 32)];
    struct cmsghdr align;
  } control;
  char *data = g_malloc (65536);
  struct iovec iov = { data, 65536 };
  struct msghdr msg = { 0, };
  struct pollfd pfd = { raw->sock, POLLIN, 0 };
  g_autoptr(GVariant) variant = NULL;
  struct cmsghdr *cmsg;
  gssize len;

  memset (out, 0, sizeof *out);
  out->fds = g_array_new (FALSE, FALSE, sizeof (int));

  g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  len = recvmsg (raw->sock, &msg, MSG_CMSG_CLOEXEC);
  if (len < 0 && errno == ECONNRESET)   /* it quit with our request unread */
    len = 0;
  g_assert_cmpint (len, >=, 0);
  g_assert_false (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC));

  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL;
       cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      g_array_append_vals (out->fds, CMSG_DATA (cmsg),
                           (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int));

  if (len == 0 && out->fds->len == 0)
    {
      g_free (data);
      return FALSE;
    }

  variant = g_variant_new_from_data (G_VARIANT_TYPE ("(usa{sv})"), data, len,
                                     FALSE, g_free, data);
  g_variant_ref_sink (variant);
  g_assert_true (g_variant_is_normal_form (variant));
  g_variant_get (variant, "(us@a{sv})", &out->serial, &out->name, &out->params);
  return TRUE;
}

/* Receives the next message, which must be the reply to @serial (0 for a
 * complaint about a datagram the service could not read). */
static void
raw_recv_reply (Raw        *raw,
                guint32     serial,
                RawMessage *out)
{
  g_assert_true (raw_recv (raw, out));
  g_assert_cmpuint (out->serial, ==, serial);
}

static void
assert_raw_error (const RawMessage *msg,
                  int               code)
{
  const char *domain = NULL, *text = NULL;
  gint32 got = -1;

  g_assert_cmpstr (msg->name, ==, "error");
  g_assert_cmpuint (msg->fds->len, ==, 0);
  g_assert_true (g_variant_lookup (msg->params, "domain", "&s", &domain));
  g_assert_true (g_variant_lookup (msg->params, "code", "i", &got));
  g_assert_true (g_variant_lookup (msg->params, "message", "&s", &text));
  g_test_message ("service: %s", text);
  g_assert_cmpstr (domain, ==, g_quark_to_string (SPACETEST_ERROR));
  g_assert_cmpint (got, ==, code);
  g_assert_cmpstr (text, !=, "");
}

static void
raw_hello (Raw *raw)
{
  g_auto(RawMessage) reply = { 0, };
  guint32 serial = raw_request (raw, "hello", version_params (1), NULL, 0);
  guint32 version = 0;

  raw_recv_reply (raw, serial, &reply);
  g_assert_cmpstr (reply.name, ==, "ok");
  g_assert_true (g_variant_lookup (reply.params, "version", "u", &version));
  g_assert_cmpuint (version, ==, 1);
  g_assert_cmpuint (reply.fds->len, ==, 0);
}

/* A valid rooms request; checks the namespaces that come back as fds. */
static void
raw_assert_rooms (Raw     *raw,
                  guint32  types)
{
  g_auto(RawMessage) reply = { 0, };
  g_autoptr(GVariant) handles = NULL;
  guint32 serial = raw_request (raw, "rooms", types_params (types), NULL, 0);
  guint n = 0;

  raw_recv_reply (raw, serial, &reply);
  g_assert_cmpstr (reply.name, ==, "ok");
  handles = g_variant_lookup_value (reply.params, "namespaces",
                                    G_VARIANT_TYPE ("ah"));
  g_assert_nonnull (handles);

  for (gsize i = 0; i < G_N_ELEMENTS (room_types); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestNamespace) ns = NULL;
      gint32 handle;

      if (!(types & room_types[i]))
        continue;
      g_assert_cmpuint (n, <, g_variant_n_children (handles));
      g_variant_get_child (handles, n++, "h", &handle);
      g_assert_cmpint (handle, >=, 0);
      g_assert_cmpint (handle, <, (int) reply.fds->len);
      ns = spacetest_namespace_new_for_fd (g_array_index (reply.fds, int,
                                                          handle),
                                           &error);
      g_assert_no_error (error);
      g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==,
                        room_types[i]);
    }
  g_assert_cmpuint (g_variant_n_children (handles), ==, n);
  g_assert_cmpuint (reply.fds->len, ==, n);
}

/* The service still serves: a rooms request (after the handshake if
 * @greet) gives namespaces; then it ends cleanly at end of file. */
static void
raw_finish (Raw      *raw,
            gboolean  greet)
{
  int status = 0;

  g_assert_true (tu_is_our_child (raw->pid));
  if (greet)
    raw_hello (raw);
  raw_assert_rooms (raw, NET);

  g_assert_no_errno (close (raw->sock));
  raw->sock = -1;
  g_assert_cmpint (waitpid (raw->pid, &status, 0), ==, raw->pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_true (tu_process_gone (raw->pid));
}

/* ---- malformed input, straight to the service --------------------------- */

static void
test_wire_valid (void)
{
  Raw raw;

  spacetest_test_check_leaks ();

  raw_start (&raw);
  raw_hello (&raw);
  /* all six in one datagram */
  raw_assert_rooms (&raw, ROOM_TYPES);
  raw_finish (&raw, FALSE);
}

static void
test_wire_subspace (void)
{
  g_auto(RawMessage) reply = { 0, };
  Raw raw;
  guint32 serial;
  gint32 socket_h = -1, pidfd_h = -1, user_h = -1, pid_h = -1;

  spacetest_test_check_leaks ();

  raw_start (&raw);
  raw_hello (&raw);
  serial = raw_request (&raw, "subspace", types_params (USER | PID), NULL, 0);
  raw_recv_reply (&raw, serial, &reply);
  g_assert_cmpstr (reply.name, ==, "ok");
  g_assert_cmpuint (reply.fds->len, ==, 4);
  g_assert_true (g_variant_lookup (reply.params, "socket", "h", &socket_h));
  g_assert_true (g_variant_lookup (reply.params, "pidfd", "h", &pidfd_h));
  g_assert_true (g_variant_lookup (reply.params, "user", "h", &user_h));
  g_assert_true (g_variant_lookup (reply.params, "pid", "h", &pid_h));
  raw_message_clear (&reply);
  raw_finish (&raw, FALSE);
}

static void
test_wire_garbage (void)
{
  static const guint8 garbage[] = {
    0xff, 0xfe, 0x00, 0x13, 0x37, 0x42, 0x00, 0x00, 0x99, 0x88, 0x77, 0x66,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xde, 0xad, 0xbe, 0xef,
  };
  Raw raw;

  spacetest_test_check_leaks ();

  raw_start (&raw);
  for (int greeted = 0; greeted < 2; greeted++)
    {
      g_auto(RawMessage) reply = { 0, };

      raw_send_bytes (&raw, garbage, sizeof garbage, NULL, 0);
      raw_recv_reply (&raw, 0, &reply);
      assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
      if (!greeted)
        raw_hello (&raw);
    }
  raw_finish (&raw, FALSE);
}

static void
test_wire_wrong_type (void)
{
  GVariant *wrong[] = {
    g_variant_new ("(s)", "hello"),
    g_variant_new ("(uu)", 1, 2),
    g_variant_new ("(usa{ss})", 7, "hello", NULL),
    g_variant_new ("s", "rooms"),
  };
  Raw raw;

  spacetest_test_check_leaks ();

  raw_start (&raw);
  for (gsize i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_auto(RawMessage) reply = { 0, };

      raw_send_variant (&raw, wrong[i], NULL, 0);
      raw_recv_reply (&raw, 0, &reply);
      assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
    }
  raw_finish (&raw, TRUE);
}

static void
test_wire_before_hello (void)
{
  static const char * const names[] = {
    "rooms", "subspace", "frobnicate", "ok"
  };
  Raw raw;

  spacetest_test_check_leaks ();

  raw_start (&raw);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_auto(RawMessage) reply = { 0, };
      guint32 serial = raw_request (&raw, names[i], types_params (NET),
                                    NULL, 0);

      raw_recv_reply (&raw, serial, &reply);
      assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
    }
  raw_finish (&raw, TRUE);
}

static void
test_wire_version (void)
{
  GVariant *bad[] = {
    version_params (0),
    version_params (2),
    version_params (G_MAXUINT32),
    g_variant_new ("a{sv}", NULL),
    NULL,   /* version as a string */
  };
  Raw raw;

  spacetest_test_check_leaks ();

  {
    GVariantDict dict;

    g_variant_dict_init (&dict, NULL);
    g_variant_dict_insert (&dict, "version", "s", "1");
    bad[4] = g_variant_dict_end (&dict);
  }

  raw_start (&raw);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(RawMessage) reply = { 0, };
      guint32 serial = raw_request (&raw, "hello", bad[i], NULL, 0);

      raw_recv_reply (&raw, serial, &reply);
      assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
    }
  raw_finish (&raw, TRUE);

  /* a second hello after a good one is fine too */
  raw_start (&raw);
  raw_hello (&raw);
  raw_hello (&raw);
  raw_finish (&raw, FALSE);
}

static void
test_wire_unknown (void)
{
  static const char * const names[] = {
    "frobnicate", "", "ok", "error", "Rooms"
  };
  Raw raw;

  spacetest_test_check_leaks ();

  raw_start (&raw);
  raw_hello (&raw);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_auto(RawMessage) reply = { 0, };
      guint32 serial = raw_request (&raw, names[i], NULL, NULL, 0);

      raw_recv_reply (&raw, serial, &reply);
      g_assert_cmpstr (reply.name, ==, "error");
      assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
    }
  raw_finish (&raw, FALSE);
}

static void
test_wire_types (void)
{
  struct {
    const char *name;
    GVariant *params;
    int code;
  } cases[] = {
    { "rooms", types_params (NET | USER), SPACETEST_ERROR_INVALID_ARGUMENT },
    { "rooms", types_params (PID), SPACETEST_ERROR_INVALID_ARGUMENT },
    { "rooms", types_params (0), SPACETEST_ERROR_INVALID_ARGUMENT },
    { "rooms", types_params (0xffffffffu), SPACETEST_ERROR_INVALID_ARGUMENT },
    { "rooms", types_params (1u << 0), SPACETEST_ERROR_INVALID_ARGUMENT },
    { "subspace", types_params (NET), SPACETEST_ERROR_INVALID_ARGUMENT },
    { "subspace", types_params (0), SPACETEST_ERROR_INVALID_ARGUMENT },
    { "subspace", types_params (USER | PID | NET),
      SPACETEST_ERROR_INVALID_ARGUMENT },
    { "rooms", NULL, SPACETEST_ERROR_PROTOCOL },        /* no types */
    { "subspace", NULL, SPACETEST_ERROR_PROTOCOL },
    /* types of the wrong type */
    { "rooms", NULL, SPACETEST_ERROR_PROTOCOL },
  };
  Raw raw;

  spacetest_test_check_leaks ();

  {
    GVariantDict dict;

    g_variant_dict_init (&dict, NULL);
    g_variant_dict_insert (&dict, "types", "s", "net");
    cases[G_N_ELEMENTS (cases) - 1].params = g_variant_dict_end (&dict);
  }

  raw_start (&raw);
  raw_hello (&raw);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(RawMessage) reply = { 0, };
      guint32 serial = raw_request (&raw, cases[i].name, cases[i].params,
                                    NULL, 0);

      raw_recv_reply (&raw, serial, &reply);
      assert_raw_error (&reply, cases[i].code);
    }
  raw_finish (&raw, FALSE);
}

/* Requests carrying file descriptors: refused, and the service does not
 * keep them. */
static void
test_wire_fds (void)
{
  static const guint counts[] = { 1, 3, 8, 9, 16 };
  Raw raw;
  int fds[16];
  guint service_fds;

  spacetest_test_check_leaks ();

  for (gsize i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      fds[i] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      g_assert_cmpint (fds[i], >=, 0);
    }

  raw_start (&raw);
  raw_hello (&raw);
  service_fds = tu_count_proc_fds (raw.pid);

  for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_auto(RawMessage) reply = { 0, };
      g_auto(RawMessage) reply2 = { 0, };
      guint32 serial;

      /* a valid request with fds */
      serial = raw_request (&raw, "rooms", types_params (NET), fds, counts[i]);
      raw_recv (&raw, &reply);
      /* over the service's limit, it cannot tell which request it was */
      g_assert_true (reply.serial == serial ||
                     (counts[i] > 8 && reply.serial == 0));
      assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
      g_assert_cmpuint (tu_count_proc_fds (raw.pid), ==, service_fds);

      /* garbage with fds */
      raw_send_bytes (&raw, "\xff\xff\xff", 3, fds, counts[i]);
      raw_recv_reply (&raw, 0, &reply2);
      assert_raw_error (&reply2, SPACETEST_ERROR_PROTOCOL);
      g_assert_cmpuint (tu_count_proc_fds (raw.pid), ==, service_fds);
    }

  /* fds without any data */
  {
    g_auto(RawMessage) reply = { 0, };

    raw_send_bytes (&raw, "", 0, fds, 2);
    raw_recv_reply (&raw, 0, &reply);
    assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
    g_assert_cmpuint (tu_count_proc_fds (raw.pid), ==, service_fds);
  }

  for (gsize i = 0; i < G_N_ELEMENTS (fds); i++)
    g_assert_no_errno (close (fds[i]));
  raw_finish (&raw, FALSE);
}

static void
test_wire_too_large (void)
{
  g_auto(RawMessage) reply = { 0, };
  g_autofree char *big = g_malloc0 (SPACETEST_WIRE_MAX_SIZE + 1000);
  Raw raw;

  spacetest_test_check_leaks ();

  memset (big, 'x', SPACETEST_WIRE_MAX_SIZE + 999);
  raw_start (&raw);
  raw_hello (&raw);
  raw_send_variant (&raw, g_variant_new ("(usa{sv})", 5, big, NULL), NULL, 0);
  raw_recv_reply (&raw, 0, &reply);
  assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
  raw_finish (&raw, FALSE);
}

/* An empty datagram is not the end of the connection: a SOCK_SEQPACKET
 * peer can send one (recvmsg() returns 0 for it as for end of file; poll()
 * tells them apart). The service should answer it, or ignore it, and keep
 * serving. */
static void
test_wire_empty (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      Raw raw;
      guint32 serial;

      raw_start (&raw);
      raw_hello (&raw);
      raw_send_bytes (&raw, "", 0, NULL, 0);
      serial = raw_request (&raw, "hello", version_params (1), NULL, 0);

      for (;;)
        {
          g_auto(RawMessage) reply = { 0, };

          if (!raw_recv (&raw, &reply))
            g_error ("the service (pid %d) took an empty datagram for the "
                     "end of the connection and quit", (int) raw.pid);
          if (reply.serial == serial)
            {
              g_assert_cmpstr (reply.name, ==, "ok");
              break;
            }
          g_assert_cmpuint (reply.serial, ==, 0);
          assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
        }
      raw_finish (&raw, FALSE);
      g_print ("empty: checked\n");
      return;
    }

  tu_trap_expect_pass ("an empty datagram to the service");
}

/* The service ends at end of file, also before the handshake. */
static void
test_wire_eof (void)
{
  Raw raw;
  int status = 0;

  spacetest_test_check_leaks ();

  raw_start (&raw);
  g_assert_no_errno (close (raw.sock));
  g_assert_cmpint (waitpid (raw.pid, &status, 0), ==, raw.pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

/* A service made by a subspace request ends with the service that made
 * it, also when that one ends right after the reply: here it ends at end
 * of file (sent with the request) while we hold the new service's socket
 * (so that only its parent's death can end it). Several rounds, as this
 * is a race between the new service's PR_SET_PDEATHSIG and its parent's
 * exit. */
static void
test_wire_eof_subspace (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      /* the new service, orphaned, comes to us (and we reap it) */
      g_assert_no_errno (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));

      for (int round = 0; round < 10; round++)
        {
          g_auto(RawMessage) reply = { 0, };
          g_autofree char *path = NULL;
          g_autofree char *info = NULL;
          const char *line;
          struct pollfd pfd = { -1, POLLIN, 0 };
          gint32 pidfd_h = -1;
          guint32 serial;
          int status = 0;
          pid_t sub_pid;
          Raw raw;

          raw_start (&raw);
          raw_hello (&raw);
          serial = raw_request (&raw, "subspace", types_params (USER | PID),
                                NULL, 0);
          /* end of file right after the request: the service ends as soon as
           * it has sent the reply */
          g_assert_no_errno (shutdown (raw.sock, SHUT_WR));
          raw_recv_reply (&raw, serial, &reply);
          g_assert_cmpstr (reply.name, ==, "ok");
          g_assert_true (g_variant_lookup (reply.params, "pidfd", "h",
                                           &pidfd_h));
          pfd.fd = g_array_index (reply.fds, int, pidfd_h);

          path = g_strdup_printf ("/proc/self/fdinfo/%d", pfd.fd);
          g_assert_true (g_file_get_contents (path, &info, NULL, NULL));
          line = strstr (info, "\nPid:");
          g_assert_nonnull (line);
          sub_pid = atoi (line + strlen ("\nPid:"));
          g_assert_no_errno (close (raw.sock));
          if (sub_pid == -1)
            {
              /* already ended and reaped by its parent service on its way
               * out: nothing outlived it */
              g_assert_cmpint (waitpid (raw.pid, &status, 0), ==, raw.pid);
              raw_message_clear (&reply);
              continue;
            }
          g_assert_cmpint (sub_pid, >, 0);

          g_assert_cmpint (waitpid (raw.pid, &status, 0), ==, raw.pid);
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 0);

          if (poll (&pfd, 1, 2000) != 1)
            {
              pid_t ppid = 0;
              char state = tu_process_state (sub_pid, &ppid);

              /* let it go (it ends at end of file), then fail */
              raw_message_clear (&reply);
              g_assert_cmpint (waitpid (sub_pid, &status, 0), ==, sub_pid);
              g_error ("round %d: the sub service (pid %d) outlived the "
                       "service that made it (state %c, now a child of %d)",
                       round, (int) sub_pid, state, (int) ppid);
            }
          /* Ended with its parent: the parent service kills and reaps it on
           * its way out (then it is not ours to reap), or PR_SET_PDEATHSIG
           * killed it and it came to us. */
          if (waitpid (sub_pid, &status, 0) == sub_pid)
            {
              g_assert_true (WIFSIGNALED (status));
              g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
            }
          else
            g_assert_cmpint (errno, ==, ECHILD);
          raw_message_clear (&reply);
        }
      g_print ("eof-subspace: checked\n");
      return;
    }

  tu_trap_expect_pass ("a PID subspace service outlives its parent service "
                    "(PR_SET_PDEATHSIG set after the parent ended)");
}

/* A request whose name is too long to quote whole still gets an error
 * reply (a regression: the reply quoting it exceeded the size limit, and
 * the service ended without answering), before and after the handshake,
 * also when the cut falls inside a multi-byte character. */
static void
test_wire_long_name (void)
{
  g_autoptr(GString) ascii = g_string_new (NULL);
  g_autoptr(GString) wide = g_string_new (NULL);
  Raw raw;

  spacetest_test_check_leaks ();

  for (guint i = 0; i < 4000; i++)
    g_string_append_c (ascii, 'x');
  g_string_append_c (wide, 'y');
  for (guint i = 0; i < 1500; i++)
    g_string_append (wide, "\u00e4");   /* two bytes each */

  raw_start (&raw);
  for (guint round = 0; round < 2; round++)
    {
      const char *names[] = { ascii->str, wide->str };

      for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_auto(RawMessage) reply = { 0, };
          guint32 serial = raw_request (&raw, names[i], NULL, NULL, 0);
          const char *text = NULL;

          raw_recv_reply (&raw, serial, &reply);
          assert_raw_error (&reply, SPACETEST_ERROR_PROTOCOL);
          g_assert_true (g_variant_lookup (reply.params, "message", "&s",
                                           &text));
          g_assert_true (g_utf8_validate (text, -1, NULL));
          g_assert_cmpuint (strlen (text), <=, 1024 + strlen ("…"));
          g_assert_true (g_str_has_suffix (text, "…"));
        }
      if (round == 0)
        raw_hello (&raw);
    }
  raw_finish (&raw, FALSE);
}

/* ---- a fake service: how the client copes with a misbehaving one -------- */

/* Set (to a mode) in the environment of this program when it is started
 * as a spacer helper (SPACETEST_SPACER_PATH) by the fake-service tests. */
#define FAKE_ENV "SPACETEST_SPACER_TEST_FAKE"

static const char * const fake_modes[] = {
  "rooms-extra-fds",      /* the namespace plus fds nobody asked for: fine */
  "rooms-stale",          /* a reply to another serial first: discarded */
  "rooms-too-many-fds",   /* more fds than any reply carries */
  "rooms-wrong-type",     /* a uts namespace for a net request */
  "rooms-not-ns",         /* /dev/null for a namespace */
  "rooms-bad-handle",     /* a handle past the fds */
  "rooms-negative-handle",
  "rooms-dup-handle",     /* two namespaces from one fd */
  "rooms-count",          /* two namespaces for one type */
  "rooms-no-namespaces",  /* "ok" without the namespaces */
  "rooms-garbage",        /* not a GVariant */
  "rooms-too-large",      /* larger than any message may be */
  "rooms-unknown-reply",  /* neither "ok" nor "error" */
  "rooms-error-malformed",
  "rooms-error-foreign",  /* an error of another domain travels as such */
  "rooms-silent",         /* never answers */
  "rooms-exit",           /* exits with status 3 */
  "hello-version",        /* speaks another protocol version */
  "hello-fds",            /* a handshake reply with fds */
  "subspace-no-pidfd",
  "subspace-wrong-user",  /* a net namespace for the user namespace */
};

static int
fake_open (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    _exit (90);
  return fd;
}

static void
fake_send (int         sock,
           GVariant   *message,
           const int  *fds,
           guint       n_fds)
{
  Raw raw = { sock, 0, 0 };

  raw_send_variant (&raw, message, fds, n_fds);
}

static GVariant *
fake_ok (guint32     serial,
         const char *key,
         GVariant   *value)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  if (key != NULL)
    g_variant_dict_insert_value (&dict, key, value);
  return g_variant_new ("(us@a{sv})", serial, "ok", g_variant_dict_end (&dict));
}

/* Sends an "ok" reply to the rooms request @serial, with @handles as its
 * namespaces. */
static void
fake_send_rooms (int        sock,
                 guint32    serial,
                 GVariant  *handles,
                 const int *fds,
                 guint      n_fds)
{
  fake_send (sock, fake_ok (serial, "namespaces", handles), fds, n_fds);
}

static GVariant *
fake_handles (int n, ...)
{
  GVariantBuilder builder;
  va_list args;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ah"));
  va_start (args, n);
  for (int i = 0; i < n; i++)
    g_variant_builder_add (&builder, "h", va_arg (args, gint32));
  va_end (args);
  return g_variant_builder_end (&builder);
}

#define NS_NET "/proc/self/ns/net"
#define NS_UTS "/proc/self/ns/uts"

/* The fake rooms replies that are an "ok" with namespaces: the files
 * whose descriptors it carries, and the handles it names. */
typedef struct
{
  const char *mode;
  const char *files[3];
  gint32 handles[2];
  int n_handles;
} FakeRoomsReply;

static const FakeRoomsReply fake_rooms_replies[] = {
  { "rooms-extra-fds", { NS_NET, NS_UTS, "/dev/null" }, { 0 }, 1 },
  { "rooms-wrong-type", { NS_UTS }, { 0 }, 1 },
  { "rooms-not-ns", { "/dev/null" }, { 0 }, 1 },
  { "rooms-bad-handle", { NS_NET }, { 5 }, 1 },
  { "rooms-negative-handle", { NS_NET }, { -1 }, 1 },
  /* the client asks for net+uts */
  { "rooms-dup-handle", { NS_NET, NS_UTS }, { 0, 0 }, 2 },
  { "rooms-count", { NS_NET, NS_NET }, { 0, 1 }, 2 },
};

static const FakeRoomsReply *
fake_rooms_reply (const char *mode)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fake_rooms_replies); i++)
    if (g_str_equal (fake_rooms_replies[i].mode, mode))
      return &fake_rooms_replies[i];
  return NULL;
}

static void
fake_rooms (const char *mode,
            int         sock,
            guint32     serial)
{
  const FakeRoomsReply *reply = fake_rooms_reply (mode);
  int fds[SPACETEST_WIRE_MAX_FDS + 4];
  guint n = 0;

  if (g_str_equal (mode, "rooms-silent"))
    return;
  if (g_str_equal (mode, "rooms-exit"))
    _exit (3);

  if (reply != NULL)
    {
      for (; n < G_N_ELEMENTS (reply->files) && reply->files[n] != NULL; n++)
        fds[n] = fake_open (reply->files[n]);
      fake_send_rooms (sock, serial,
                       fake_handles (reply->n_handles, reply->handles[0],
                                     reply->handles[1]),
                       fds, n);
    }
  else if (g_str_equal (mode, "rooms-stale"))
    {
      fds[n++] = fake_open (NS_UTS);
      fake_send_rooms (sock, serial + 100, fake_handles (1, 0), fds, n);
      fake_send_rooms (sock, serial - 1, fake_handles (1, 0), fds, n);
      close (fds[0]);
      fds[0] = fake_open (NS_NET);
      fake_send_rooms (sock, serial, fake_handles (1, 0), fds, n);
    }
  else if (g_str_equal (mode, "rooms-too-many-fds"))
    {
      for (n = 0; n < SPACETEST_WIRE_MAX_FDS + 2; n++)
        fds[n] = fake_open (NS_NET);
      fake_send_rooms (sock, serial, fake_handles (1, 0), fds, n);
    }
  else if (g_str_equal (mode, "rooms-no-namespaces"))
    {
      fds[n++] = fake_open (NS_NET);
      fake_send (sock, fake_ok (serial, NULL, NULL), fds, n);
    }
  else if (g_str_equal (mode, "rooms-garbage"))
    {
      Raw raw = { sock, 0, 0 };

      fds[n++] = fake_open (NS_NET);
      raw_send_bytes (&raw, "\x01\x02\x03\xff\xfe", 5, fds, n);
    }
  else if (g_str_equal (mode, "rooms-too-large"))
    {
      g_autofree char *big = g_malloc0 (6000);

      memset (big, 'x', 5999);
      fds[n++] = fake_open (NS_NET);
      fake_send (sock, fake_ok (serial, "padding", g_variant_new_string (big)),
                 fds, n);
    }
  else if (g_str_equal (mode, "rooms-unknown-reply"))
    {
      fds[n++] = fake_open (NS_NET);
      fake_send (sock, g_variant_new ("(usa{sv})", serial, "frob", NULL),
                 fds, n);
    }
  else if (g_str_equal (mode, "rooms-error-malformed"))
    {
      fds[n++] = fake_open (NS_NET);
      fake_send (sock, g_variant_new ("(usa{sv})", serial, "error", NULL),
                 fds, n);
    }
  else if (g_str_equal (mode, "rooms-error-foreign"))
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "domain", "s",
                             g_quark_to_string (G_IO_ERROR));
      g_variant_dict_insert (&dict, "code", "i", (gint32) G_IO_ERROR_NOT_FOUND);
      g_variant_dict_insert (&dict, "message", "s", "fake: not found");
      fake_send (sock, g_variant_new ("(us@a{sv})", serial, "error",
                                      g_variant_dict_end (&dict)), NULL, 0);
    }
  else
    _exit (91);

  for (guint i = 0; i < n; i++)
    close (fds[i]);
}

static void
fake_subspace (const char *mode,
               int         sock,
               guint32     serial)
{
  GVariantDict dict;
  int pair[2];
  int fds[4];
  guint n = 0;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    _exit (92);
  close (pair[1]);   /* nobody serves it */

  g_variant_dict_init (&dict, NULL);
  fds[n++] = pair[0];
  g_variant_dict_insert (&dict, "socket", "h", (gint32) 0);
  if (g_str_equal (mode, "subspace-wrong-user"))
    {
      fds[n++] = tu_pidfd_open (getpid ());
      g_variant_dict_insert (&dict, "pidfd", "h", (gint32) 1);
      fds[n++] = fake_open (NS_NET);
      g_variant_dict_insert (&dict, "user", "h", (gint32) 2);
    }
  fake_send (sock, g_variant_new ("(us@a{sv})", serial, "ok",
                                  g_variant_dict_end (&dict)),
             fds, n);
  for (guint i = 0; i < n; i++)
    close (fds[i]);
}

/* The fake spacer service's main(): answers on fd 3 as @mode says. */
static int
fake_service_main (const char *mode)
{
  const int sock = 3;

  for (;;)
    {
      char buf[4096];
      union {
        char buf[CMSG_SPACE (sizeof (int) * 16)];
        struct cmsghdr align;
      } control;
      struct iovec iov = { buf, sizeof buf };
      struct msghdr msg = { 0, };
      g_autoptr(GVariant) message = NULL;
      guint32 serial;
      const char *name;
      gssize len;

      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      len = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
      if (len <= 0)
        return 0;

      message = g_variant_new_from_data (G_VARIANT_TYPE ("(usa{sv})"),
                                         buf, len, FALSE, NULL, NULL);
      g_variant_ref_sink (message);
      g_variant_get (message, "(u&s@a{sv})", &serial, &name, NULL);

      if (g_str_equal (name, "hello"))
        {
          guint32 version = g_str_equal (mode, "hello-version") ? 2 : 1;
          int fd = -1;

          if (g_str_equal (mode, "hello-fds"))
            fd = fake_open (NS_NET);
          fake_send (sock, fake_ok (serial, "version",
                                    g_variant_new_uint32 (version)),
                     &fd, fd >= 0 ? 1 : 0);
          if (fd >= 0)
            close (fd);
        }
      else if (g_str_equal (name, "rooms"))
        fake_rooms (mode, sock, serial);
      else if (g_str_equal (name, "subspace"))
        fake_subspace (mode, sock, serial);
    }
}

static void
test_fake (gconstpointer data)
{
  const char *mode = data;

  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", &error);
      g_autoptr(SpacetestSpacer) spacer = NULL;
      g_autoptr(GPtrArray) result = NULL;
      GPid pid;

      g_assert_no_error (error);

      g_setenv ("SPACETEST_SPACER_PATH", exe, TRUE);
      g_setenv (FAKE_ENV, mode, TRUE);

      spacer = spacetest_spacer_new (NULL, &error);
      if (g_str_has_prefix (mode, "hello-"))
        {
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
          g_assert_null (spacer);
          g_print ("fake: checked\n");
          return;
        }
      g_assert_no_error (error);
      pid = spacetest_spacer_get_pid (spacer);
      spacetest_spacer_set_timeout (spacer, 300);

      if (g_str_has_prefix (mode, "subspace-"))
        {
          g_autoptr(SpacetestSpacer) sub =
            spacetest_spacer_subspace (spacer, USER, NULL, &error);

          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
          g_assert_null (sub);
        }
      else
        {
          SpacetestNamespaceType types =
            g_str_equal (mode, "rooms-dup-handle") ? NET | UTS : NET;

          result = spacetest_spacer_rooms (spacer, types, NULL, &error);
          if (error != NULL)
            g_test_message ("%s: %s", mode, error->message);

          if (g_str_equal (mode, "rooms-extra-fds") ||
              g_str_equal (mode, "rooms-stale"))
            {
              SpacetestNamespace *net;

              g_assert_no_error (error);
              g_assert_cmpuint (result->len, ==, 1);
              net = result->pdata[0];
              g_assert_cmpuint (spacetest_namespace_get_namespace_type (net),
                                ==, NET);
            }
          else if (g_str_equal (mode, "rooms-silent"))
            g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
          else if (g_str_equal (mode, "rooms-exit"))
            {
              g_assert_error (error, SPACETEST_ERROR,
                              SPACETEST_ERROR_SPACER_FAILED);
              g_assert_nonnull (strstr (error->message, "3"));
              g_assert_true (tu_process_gone (pid));
            }
          else if (g_str_equal (mode, "rooms-error-foreign"))
            {
              g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
              g_assert_cmpstr (error->message, ==, "fake: not found");
            }
          else if (g_str_equal (mode, "rooms-not-ns"))
            {
              g_assert_true (g_error_matches (error, SPACETEST_ERROR,
                                              SPACETEST_ERROR_PROTOCOL) ||
                             g_error_matches (error, SPACETEST_ERROR,
                                              SPACETEST_ERROR_NOT_A_NAMESPACE));
            }
          else
            g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
        }

      g_clear_error (&error);
      g_assert_true (spacetest_spacer_close (spacer, &error));
      g_assert_no_error (error);
      g_assert_true (tu_process_gone (pid));
      g_print ("fake: checked\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*fake: checked*");
}

/* ---- the codec ---------------------------------------------------------- */

/* _spacetest_wire_send() and _spacetest_wire_recv() straight, over a
 * socket pair of the kind that client and service speak over; raw_*()
 * sends what the codec would not. */

static void
codec_pair (int pair[2])
{
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
                                 pair));
}

/* A valid message, as a rooms reply with two namespaces. */
static GVariant *
codec_message (void)
{
  GVariant *handles = fake_handles (2, 0, 1);

  return g_variant_ref_sink (fake_ok (42, "namespaces", handles));
}

/* Whether @a and @b are open descriptors of the same file. */
static gboolean
same_file (int a,
           int b)
{
  struct stat sa, sb;

  g_assert_no_errno (fstat (a, &sa));
  g_assert_no_errno (fstat (b, &sb));
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A message with descriptors comes through whole: the same GVariant, and
 * descriptors of the same files, new ones, close-on-exec; then end of
 * file is no error. */
static void
test_codec_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) sent = codec_message ();
  g_autoptr(SpacetestWireMessage) received = NULL;
  GArray *fds;
  gboolean eof = TRUE;
  int pair[2], pipe_fds[2];

  spacetest_test_check_leaks ();
  codec_pair (pair);
  g_assert_no_errno (pipe2 (pipe_fds, O_CLOEXEC));

  g_assert_true (_spacetest_wire_send (pair[0], sent, pipe_fds, 2, &error));
  g_assert_no_error (error);
  received = _spacetest_wire_recv (pair[1], &eof, &error);
  g_assert_no_error (error);
  g_assert_false (eof);
  g_assert_nonnull (received);
  g_assert_true (g_variant_equal (received->variant, sent));
  fds = received->fds;
  g_assert_nonnull (fds);
  g_assert_cmpuint (fds->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      int fd = g_array_index (fds, int, i);

      g_assert_cmpint (fd, !=, pipe_fds[i]);
      g_assert_true (same_file (fd, pipe_fds[i]));
      g_assert_cmpint (fcntl (fd, F_GETFD), ==, FD_CLOEXEC);
    }
  /* freeing the message closes its fds */
  g_clear_pointer (&received, _spacetest_wire_message_free);

  g_assert_no_errno (close (pair[0]));
  g_assert_null (_spacetest_wire_recv (pair[1], &eof, &error));
  g_assert_no_error (error);
  g_assert_true (eof);

  g_assert_no_errno (close (pair[1]));
  g_assert_no_errno (close (pipe_fds[0]));
  g_assert_no_errno (close (pipe_fds[1]));
}

/* Sends a spawn request built by the codec over a socket pair and
 * returns it as received. */
static SpacetestWireMessage *
spawn_round_trip (const SpacetestWireSpawn *spawn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  SpacetestWireMessage *received;
  GVariant *message;
  gboolean eof = TRUE;
  int pair[2];

  codec_pair (pair);
  message = _spacetest_wire_spawn_request (9, spawn, fds);
  g_assert_cmpuint (fds->len, ==, 5 + spawn->n_namespaces);
  g_assert_true (_spacetest_wire_send (pair[0], message,
                                       (const int *) fds->data, fds->len,
                                       &error));
  g_assert_no_error (error);
  received = _spacetest_wire_recv (pair[1], &eof, &error);
  g_assert_no_error (error);
  g_assert_nonnull (received);
  g_assert_cmpuint (received->serial, ==, 9);
  g_assert_cmpint (_spacetest_wire_get_request (received), ==,
                   SPACETEST_WIRE_SPAWN);
  g_assert_no_errno (close (pair[0]));
  g_assert_no_errno (close (pair[1]));
  return received;
}

/* A spawn request: what spacetest-run sends, and what the service makes
 * of it; malformed ones are refused with the parameter they got wrong,
 * and take nothing. */
static void
test_codec_spawn (void)
{
  const char *argv[] = { "sh", "-c", "exit 0", NULL };
  const char *envp[] = { "A=1", "B=\xff", NULL };
  g_autoptr(GError) error = NULL;
  SpacetestWireSpawn spawn = SPACETEST_WIRE_SPAWN_INIT;
  int null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  int net_fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int uts_fd = open ("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
  int user_fd = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  int pipe_fds[2];

  spacetest_test_check_leaks ();
  g_assert_cmpint (null_fd, >=, 0);
  g_assert_cmpint (net_fd, >=, 0);
  g_assert_cmpint (uts_fd, >=, 0);
  g_assert_cmpint (user_fd, >=, 0);
  g_assert_no_errno (pipe2 (pipe_fds, O_CLOEXEC));

  spawn.path = (char *) "/bin/sh";
  spawn.argv = (char **) argv;
  spawn.envp = (char **) envp;
  spawn.sigmask = 1 << (SIGTERM - 1);
  spawn.sigignore = 1 << (SIGPIPE - 1);
  spawn.cwd = null_fd;
  spawn.stdio[0] = spawn.stdio[1] = spawn.stdio[2] = null_fd;
  spawn.status = pipe_fds[1];
  spawn.namespaces[0] = net_fd;
  spawn.namespaces[1] = uts_fd;
  spawn.n_namespaces = 2;

  /* round trip */
  {
    g_autoptr(SpacetestWireMessage) received = spawn_round_trip (&spawn);
    g_auto(SpacetestWireSpawn) taken = SPACETEST_WIRE_SPAWN_INIT;

    g_assert_true (_spacetest_wire_take_spawn (received, &taken, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (taken.path, ==, "/bin/sh");
    g_assert_cmpstrv (taken.argv, argv);
    g_assert_cmpstrv (taken.envp, envp);
    g_assert_cmphex (taken.sigmask, ==, 1 << (SIGTERM - 1));
    g_assert_cmphex (taken.sigignore, ==, 1 << (SIGPIPE - 1));
    g_assert_true (same_file (taken.cwd, null_fd));
    for (int i = 0; i < 3; i++)
      g_assert_true (same_file (taken.stdio[i], null_fd));
    g_assert_true (same_file (taken.status, pipe_fds[1]));
    g_assert_cmpuint (taken.n_namespaces, ==, 2);
    g_assert_true (same_file (taken.namespaces[0], net_fd));
    g_assert_true (same_file (taken.namespaces[1], uts_fd));
    /* every fd was taken out of the message */
    for (guint i = 0; i < received->fds->len; i++)
      g_assert_cmpint (g_array_index (received->fds, int, i), ==, -1);
  }

  /* no namespace of a type a process may not join */
  spawn.namespaces[1] = user_fd;
  {
    g_autoptr(SpacetestWireMessage) received = spawn_round_trip (&spawn);
    g_auto(SpacetestWireSpawn) taken = SPACETEST_WIRE_SPAWN_INIT;

    g_assert_false (_spacetest_wire_take_spawn (received, &taken, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "'namespaces'"));
    g_assert_null (taken.path);
    g_assert_cmpint (taken.cwd, ==, -1);
    g_clear_error (&error);
  }
  /* nor two of one type */
  spawn.namespaces[1] = net_fd;
  {
    g_autoptr(SpacetestWireMessage) received = spawn_round_trip (&spawn);
    g_auto(SpacetestWireSpawn) taken = SPACETEST_WIRE_SPAWN_INIT;

    g_assert_false (_spacetest_wire_take_spawn (received, &taken, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
    g_clear_error (&error);
  }
  spawn.n_namespaces = 0;

  /* a relative path */
  spawn.path = (char *) "sh";
  {
    g_autoptr(SpacetestWireMessage) received = spawn_round_trip (&spawn);
    g_auto(SpacetestWireSpawn) taken = SPACETEST_WIRE_SPAWN_INIT;

    g_assert_false (_spacetest_wire_take_spawn (received, &taken, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "'path'"));
    g_clear_error (&error);
  }
  spawn.path = (char *) "/bin/sh";

  /* an empty argv */
  spawn.argv = (char **) envp + 2;
  {
    g_autoptr(SpacetestWireMessage) received = spawn_round_trip (&spawn);
    g_auto(SpacetestWireSpawn) taken = SPACETEST_WIRE_SPAWN_INIT;

    g_assert_false (_spacetest_wire_take_spawn (received, &taken, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "'argv'"));
    g_clear_error (&error);
  }
  spawn.argv = (char **) argv;

  /* a handle that names no fd it carries */
  {
    g_autoptr(SpacetestWireMessage) received = spawn_round_trip (&spawn);
    g_auto(SpacetestWireSpawn) taken = SPACETEST_WIRE_SPAWN_INIT;

    _spacetest_close_fds (received->fds);
    g_assert_false (_spacetest_wire_take_spawn (received, &taken, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "'cwd'"));
    g_clear_error (&error);
  }

  /* the reply */
  {
    g_autoptr(SpacetestWireMessage) reply = NULL;
    g_autoptr(GVariant) sent =
      g_variant_ref_sink (_spacetest_wire_spawn_reply (9, 1234));
    gboolean eof = TRUE;
    GPid pid = 0;
    int pidfd = -1;
    int pair[2];

    codec_pair (pair);
    g_assert_true (_spacetest_wire_send (pair[0], g_variant_ref (sent),
                                         &null_fd, 1, &error));
    g_assert_no_error (error);
    reply = _spacetest_wire_recv (pair[1], &eof, &error);
    g_assert_no_error (error);
    g_assert_true (_spacetest_wire_parse_reply (reply, &error));
    g_assert_true (_spacetest_wire_take_spawned (reply, &pid, &pidfd,
                                                 &error));
    g_assert_no_error (error);
    g_assert_cmpint (pid, ==, 1234);
    g_assert_true (same_file (pidfd, null_fd));
    g_assert_no_errno (close (pidfd));
    g_assert_no_errno (close (pair[0]));
    g_assert_no_errno (close (pair[1]));
  }

  g_assert_no_errno (close (null_fd));
  g_assert_no_errno (close (net_fd));
  g_assert_no_errno (close (uts_fd));
  g_assert_no_errno (close (user_fd));
  g_assert_no_errno (close (pipe_fds[0]));
  g_assert_no_errno (close (pipe_fds[1]));
}

/* Sends @len bytes of @data with @n_fds descriptors of /dev/null, past
 * the codec's checks, and checks that receiving that fails (PROTOCOL)
 * and leaves no descriptor open. */
static void
assert_recv_refused (const int   pair[2],
                     const void *data,
                     gsize       len,
                     guint       n_fds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestWireMessage) received = NULL;
  g_autoptr(GHashTable) before = NULL;
  Raw raw = { pair[0], 0, 0 };
  int null_fds[16];
  gboolean eof = TRUE;
  int null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (null_fd, >=, 0);
  g_assert_cmpuint (n_fds, <=, G_N_ELEMENTS (null_fds));
  for (guint i = 0; i < n_fds; i++)
    null_fds[i] = null_fd;
  before = tu_fd_identities ();

  raw_send_bytes (&raw, data, len, null_fds, n_fds);
  received = _spacetest_wire_recv (pair[1], &eof, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
  g_assert_null (received);
  g_assert_false (eof);
  tu_assert_fds_unchanged (before);
  g_assert_no_errno (close (null_fd));
}

/* A datagram larger than a message may be is refused (PROTOCOL) on
 * either side, and the descriptors it carried are closed. */
static void
test_codec_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_malloc0 (SPACETEST_WIRE_MAX_SIZE + 1);
  struct pollfd pfd = { -1, POLLIN, 0 };
  int pair[2];

  spacetest_test_check_leaks ();
  codec_pair (pair);
  assert_recv_refused (pair, big, SPACETEST_WIRE_MAX_SIZE + 1, 1);

  /* the sending side refuses it too, and sends nothing */
  memset (big, 'x', SPACETEST_WIRE_MAX_SIZE);
  g_assert_false (_spacetest_wire_send (pair[0],
                                        fake_ok (7, "padding",
                                                 g_variant_new_string (big)),
                                        NULL, 0, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL);
  pfd.fd = pair[1];
  g_assert_cmpint (poll (&pfd, 1, 0), ==, 0);

  g_assert_no_errno (close (pair[0]));
  g_assert_no_errno (close (pair[1]));
}

/* More descriptors than any message carries: PROTOCOL, and none of them
 * is left open. */
static void
test_codec_too_many_fds (void)
{
  g_autoptr(GVariant) message = codec_message ();
  int pair[2];

  spacetest_test_check_leaks ();
  codec_pair (pair);
  assert_recv_refused (pair, g_variant_get_data (message),
                       g_variant_get_size (message),
                       SPACETEST_WIRE_MAX_FDS + 1);
  g_assert_no_errno (close (pair[0]));
  g_assert_no_errno (close (pair[1]));
}

/* With too few free descriptors for those a message carries, receiving
 * fails with the OS reason (EMFILE), not as a protocol violation, and
 * leaves nothing open. */
static void
test_codec_emfile (void)
{
  g_autoptr(GVariant) message = codec_message ();
  g_autoptr(GHashTable) before = NULL;
  guint successes = 0;
  int pair[2], pipe_fds[2];

  spacetest_test_check_leaks ();
  codec_pair (pair);
  g_assert_no_errno (pipe2 (pipe_fds, O_CLOEXEC));
  before = tu_fd_identities ();

  for (guint n_free = 0; successes < 2; n_free++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestWireMessage) received = NULL;
      gboolean eof = TRUE;
      struct rlimit saved;

      g_assert_cmpuint (n_free, <, 8);
      g_assert_true (_spacetest_wire_send (pair[0], message, pipe_fds, 2,
                                           &error));
      g_assert_no_error (error);

      tu_limit_free_fds (n_free, &saved);
      received = _spacetest_wire_recv (pair[1], &eof, &error);
      tu_restore_fd_limit (&saved);

      g_test_message ("%u free: %s", n_free,
                      error ? error->message : "received");
      g_assert_false (eof);
      if (n_free < 2)
        {
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
          g_assert_nonnull (strstr (error->message, g_strerror (EMFILE)));
          g_assert_null (received);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (g_variant_equal (received->variant, message));
          g_assert_cmpuint (received->fds->len, ==, 2);
          /* freeing the message closes its fds */
          g_clear_pointer (&received, _spacetest_wire_message_free);
          successes++;
        }
      tu_assert_fds_unchanged (before);
    }

  g_assert_no_errno (close (pair[0]));
  g_assert_no_errno (close (pair[1]));
  g_assert_no_errno (close (pipe_fds[0]));
  g_assert_no_errno (close (pipe_fds[1]));
}

/* ---- main ----------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_autofree char **args = NULL;

  /* Started as a (fake) spacer helper by test_fake(). */
  if (g_getenv (FAKE_ENV) != NULL && argc > 1 &&
      g_str_has_prefix (argv[1], "--socket-fd="))
    return fake_service_main (g_getenv (FAKE_ENV));

  args = tu_keep_going (&argc, &argv);
  spacetest_test_init (&argc, &argv, NULL);

  /* Process-wide singletons that the first asynchronous call creates (the
   * global default main context, and GTask's worker context with its
   * thread): create them now, so that the leak check does not take them
   * for the test's. */
  (void) g_main_context_default ();
  g_type_ensure (G_TYPE_TASK);

  g_test_add_func ("/spacetest/wire/service/valid", test_wire_valid);
  g_test_add_func ("/spacetest/wire/service/subspace", test_wire_subspace);
  g_test_add_func ("/spacetest/wire/service/garbage", test_wire_garbage);
  g_test_add_func ("/spacetest/wire/service/wrong-type", test_wire_wrong_type);
  g_test_add_func ("/spacetest/wire/service/before-hello",
                   test_wire_before_hello);
  g_test_add_func ("/spacetest/wire/service/version", test_wire_version);
  g_test_add_func ("/spacetest/wire/service/unknown", test_wire_unknown);
  g_test_add_func ("/spacetest/wire/service/types", test_wire_types);
  g_test_add_func ("/spacetest/wire/service/fds", test_wire_fds);
  g_test_add_func ("/spacetest/wire/service/too-large", test_wire_too_large);
  g_test_add_func ("/spacetest/wire/service/empty", test_wire_empty);
  g_test_add_func ("/spacetest/wire/service/eof", test_wire_eof);
  g_test_add_func ("/spacetest/wire/service/eof/subspace",
                   test_wire_eof_subspace);
  g_test_add_func ("/spacetest/wire/service/long-name", test_wire_long_name);
  for (gsize i = 0; i < G_N_ELEMENTS (fake_modes); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/spacetest/wire/fake/%s", fake_modes[i]);

      g_test_add_data_func (path, fake_modes[i], test_fake);
    }

  g_test_add_func ("/spacetest/wire/codec/round-trip", test_codec_round_trip);
  g_test_add_func ("/spacetest/wire/codec/spawn", test_codec_spawn);
  g_test_add_func ("/spacetest/wire/codec/too-large", test_codec_too_large);
  g_test_add_func ("/spacetest/wire/codec/too-many-fds",
                   test_codec_too_many_fds);
  g_test_add_func ("/spacetest/wire/codec/emfile", test_codec_emfile);

  return g_test_run ();
}
