/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* demo.c: what spacetest-glib isolates, and that the host stays untouched
 *
 * Each test creates transient namespaces, shows (with g_test_message(),
 * visible with --verbose or --tap as "# ..." lines) what happens inside, and
 * asserts that the calling thread is back in the host's namespaces
 * afterwards. Run it as root, or unprivileged: spacetest_test_init() then
 * moves the process into its own user namespace first, and the tests skip
 * cleanly if even that is not possible.
 *
 *   ./spacetest-demo --verbose
 *   setpriv --reuid=65534 --regid=65534 --clear-groups ./spacetest-demo --tap
 */

#include <spacetest-glib/spacetest-glib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#define DEMO_PORT 47999
#define DEMO_HOSTNAME "spacetest-demo"
#define DEMO_MSG_KEY ((key_t) 0x53504143) /* "SPAC" */

/* ---- helpers ---------------------------------------------------------- */

/* "net:[4026531840]", as ls -l /proc/self/ns shows it */
static char *
ns_describe (SpacetestNamespace *ns)
{
  SpacetestNamespaceType type = spacetest_namespace_get_namespace_type (ns);

  return g_strdup_printf ("%s:[%" G_GUINT64_FORMAT "]",
                          spacetest_namespace_type_to_string (type),
                          spacetest_namespace_get_inode (ns));
}

/* The calling thread's namespace of @type, as a new reference. */
static SpacetestNamespace *
current_ns (SpacetestNamespaceType type)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ns;

  ns = spacetest_namespace_new_current (type, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ns);

  return ns;
}

static void
assert_still_current (SpacetestNamespace *host)
{
  g_autoptr(SpacetestNamespace) now =
    current_ns (spacetest_namespace_get_namespace_type (host));

  g_assert_true (spacetest_namespace_equal (now, host));
  g_assert_true (spacetest_namespace_is_current (host));
}

static char *
get_hostname (void)
{
  struct utsname uts;

  g_assert_cmpint (uname (&uts), ==, 0);
  return g_strdup (uts.nodename);
}

/* ---- 1. network ------------------------------------------------------- */

typedef struct
{
  int fd;          /* out: the listening socket */
  int errsv;       /* out: errno of the failed step, or 0 */
} ListenData;

static struct sockaddr_in
loopback_address (void)
{
  struct sockaddr_in addr = { 0, };

  addr.sin_family = AF_INET;
  addr.sin_port = htons (DEMO_PORT);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  return addr;
}

/* Runs inside a network namespace: a socket belongs to the network
 * namespace it was created in, and stays there when the thread leaves. */
static void
listen_on_demo_port (gpointer user_data)
{
  ListenData *data = user_data;
  struct sockaddr_in addr = loopback_address ();

  data->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (data->fd < 0)
    {
      data->errsv = errno;
      return;
    }

  if (bind (data->fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      listen (data->fd, 4) != 0)
    {
      data->errsv = errno;
      close (data->fd);
      data->fd = -1;
    }
}

static void
test_net_same_port (void)
{
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host_desc = NULL;
  g_autofree char *a_desc = NULL;
  g_autofree char *b_desc = NULL;
  SpacetestNamespace *host, *a, *b;
  ListenData listen_a = { -1, 0 }, listen_b = { -1, 0 }, again = { -1, 0 };
  struct sockaddr_in addr = loopback_address ();
  struct sockaddr_in peer = { 0, };
  socklen_t peer_len = sizeof peer;
  int client, server;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  host = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_NET);
  /* Both with lo up; the thread stays in the host's namespace. */
  a = spacetest_test_new_transient (SPACETEST_NAMESPACE_TYPE_NET);
  b = spacetest_test_new_transient (SPACETEST_NAMESPACE_TYPE_NET);
  host_desc = ns_describe (host);
  a_desc = ns_describe (a);
  b_desc = ns_describe (b);

  g_assert_false (spacetest_namespace_equal (a, host));
  g_assert_false (spacetest_namespace_equal (b, host));
  g_assert_false (spacetest_namespace_equal (a, b));
  g_assert_false (spacetest_namespace_is_current (a));

  /* Listen on the same address and port in both, at the same time. */
  spacetest_namespace_execute (a, listen_on_demo_port, &listen_a, &error);
  g_assert_no_error (error);
  g_assert_cmpint (listen_a.errsv, ==, 0);
  spacetest_namespace_execute (b, listen_on_demo_port, &listen_b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (listen_b.errsv, ==, 0);
  assert_still_current (host);

  g_test_message ("net: namespace A (%s) and B (%s) both listen on "
                  "127.0.0.1:%d; host %s untouched",
                  a_desc, b_desc, DEMO_PORT, host_desc);

  /* The port is taken for real inside A: a second listener fails there. */
  spacetest_namespace_execute (a, listen_on_demo_port, &again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again.fd, ==, -1);
  g_assert_cmpint (again.errsv, ==, EADDRINUSE);
  g_test_message ("net: a second listener in A fails: %s",
                  g_strerror (again.errsv));

  /* Connect to the port from inside A: lo is up, A's listener answers. */
  guard = spacetest_namespace_enter (a, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_namespace_is_current (a));

  client = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (client, >=, 0);
  g_assert_cmpint (connect (client, (struct sockaddr *) &addr, sizeof addr),
                   ==, 0);

  spacetest_guard_restore (guard, &error);
  g_assert_no_error (error);
  g_clear_object (&guard);
  assert_still_current (host);

  /* The connection was queued on A's listener, not on B's. */
  server = accept4 (listen_a.fd, (struct sockaddr *) &peer, &peer_len,
                    SOCK_CLOEXEC);
  g_assert_cmpint (server, >=, 0);
  g_assert_cmpuint (ntohl (peer.sin_addr.s_addr), ==, INADDR_LOOPBACK);
  g_assert_cmpint (accept4 (listen_b.fd, NULL, NULL, SOCK_CLOEXEC), ==, -1);
  g_assert_cmpint (errno, ==, EAGAIN);
  g_test_message ("net: connect to 127.0.0.1:%d inside A reached A's "
                  "listener (from 127.0.0.1:%u); B's has nothing queued",
                  DEMO_PORT, (guint) ntohs (peer.sin_port));

  close (server);
  close (client);
  close (listen_a.fd);
  close (listen_b.fd);

  assert_still_current (host);
  g_test_message ("net: back in host %s", host_desc);
}

/* ---- 2. UTS ------------------------------------------------------------ */

static void
test_uts_hostname (void)
{
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) host = NULL;
  g_autofree char *host_desc = NULL;
  g_autofree char *inside_desc = NULL;
  g_autofree char *host_name = NULL;
  g_autofree char *after_name = NULL;
  struct utsname uts;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_UTS))
    return;

  host = current_ns (SPACETEST_NAMESPACE_TYPE_UTS);
  host_desc = ns_describe (host);
  host_name = get_hostname ();
  g_assert_cmpstr (host_name, !=, DEMO_HOSTNAME);

  guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_UTS,
                                     SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  inside_desc = ns_describe (
    spacetest_guard_get_namespace (guard, SPACETEST_NAMESPACE_TYPE_UTS));

  g_assert_cmpint (sethostname (DEMO_HOSTNAME, strlen (DEMO_HOSTNAME)), ==, 0);
  g_assert_cmpint (uname (&uts), ==, 0);
  g_assert_cmpstr (uts.nodename, ==, DEMO_HOSTNAME);
  g_test_message ("uts: inside %s uname says: %s %s %s %s", inside_desc,
                  uts.sysname, uts.nodename, uts.release, uts.machine);

  spacetest_guard_restore (guard, &error);
  g_assert_no_error (error);
  g_clear_object (&guard);

  assert_still_current (host);
  after_name = get_hostname ();
  g_assert_cmpstr (after_name, ==, host_name);
  g_test_message ("uts: after restoring, host %s is still called \"%s\"",
                  host_desc, after_name);
}

/* Runs when the test ends, after the guard that
 * spacetest_test_enter_transient() queued has been released (GTest
 * releases in reverse order of queueing). */
static void
check_hostname_restored (gpointer user_data)
{
  const char *host_name = user_data;
  g_autofree char *now = get_hostname ();

  g_assert_cmpstr (now, ==, host_name);
  g_test_message ("uts: the test has ended: hostname \"%s\" again", now);
}

static void
test_uts_test_scoped (void)
{
  SpacetestGuard *guard;
  g_autofree char *inside_desc = NULL;
  g_autofree char *name = NULL;
  char *host_name;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_UTS))
    return;

  host_name = get_hostname ();
  g_test_queue_free (host_name);
  g_test_queue_destroy (check_hostname_restored, host_name);

  /* No restore here: the guard belongs to the test. */
  guard = spacetest_test_enter_transient (SPACETEST_NAMESPACE_TYPE_UTS);
  inside_desc = ns_describe (
    spacetest_guard_get_namespace (guard, SPACETEST_NAMESPACE_TYPE_UTS));

  g_assert_cmpint (sethostname (DEMO_HOSTNAME "-2",
                                strlen (DEMO_HOSTNAME "-2")), ==, 0);
  name = get_hostname ();
  g_assert_cmpstr (name, ==, DEMO_HOSTNAME "-2");
  g_test_message ("uts: inside %s the hostname is \"%s\" until the test ends",
                  inside_desc, name);
}

/* ---- 3. IPC ------------------------------------------------------------ */

typedef struct
{
  int id;            /* in/out: the queue */
  gsize n_messages;  /* out: messages in it */
  gboolean remove;   /* in: remove it */
} QueueData;

struct demo_msg
{
  long mtype;
  char mtext[16];
};

static void
create_queue (gpointer user_data)
{
  QueueData *data = user_data;
  struct demo_msg msg = { 1, "hello" };
  struct msqid_ds ds;

  data->id = msgget (DEMO_MSG_KEY, IPC_CREAT | IPC_EXCL | 0600);
  g_assert_cmpint (data->id, >=, 0);
  g_assert_cmpint (msgsnd (data->id, &msg, sizeof msg.mtext, IPC_NOWAIT),
                   ==, 0);
  g_assert_cmpint (msgctl (data->id, IPC_STAT, &ds), ==, 0);
  data->n_messages = ds.msg_qnum;
}

static void
find_and_remove_queue (gpointer user_data)
{
  QueueData *data = user_data;
  struct msqid_ds ds;

  g_assert_cmpint (msgget (DEMO_MSG_KEY, 0), ==, data->id);
  g_assert_cmpint (msgctl (data->id, IPC_STAT, &ds), ==, 0);
  data->n_messages = ds.msg_qnum;
  g_assert_cmpint (msgctl (data->id, IPC_RMID, NULL), ==, 0);
  g_assert_cmpint (msgget (DEMO_MSG_KEY, 0), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
}

static void
test_ipc_msg_queue (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *host_desc = NULL;
  g_autofree char *inside_desc = NULL;
  SpacetestNamespace *host, *ipc;
  QueueData data = { -1, 0, FALSE };
  struct msqid_ds ds;
  int stat_result, stat_errno, get_errno;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_IPC))
    return;

  host = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_IPC);
  ipc = spacetest_test_new_transient (SPACETEST_NAMESPACE_TYPE_IPC);
  host_desc = ns_describe (host);
  inside_desc = ns_describe (ipc);

  if (msgget (DEMO_MSG_KEY, 0) >= 0)
    {
      g_test_skip ("the host already has a message queue with the demo's key");
      return;
    }

  spacetest_namespace_execute (ipc, create_queue, &data, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (data.n_messages, ==, 1);
  g_test_message ("ipc: inside %s: message queue key 0x%08x id %d "
                  "holding %" G_GSIZE_FORMAT " message",
                  inside_desc, (guint) DEMO_MSG_KEY, data.id, data.n_messages);

  /* The host cannot see it, neither by key nor by id (the id may name
   * some queue of the host's own, but not this one). */
  assert_still_current (host);
  g_assert_cmpint (msgget (DEMO_MSG_KEY, 0), ==, -1);
  get_errno = errno;
  g_assert_cmpint (get_errno, ==, ENOENT);
  stat_result = msgctl (data.id, IPC_STAT, &ds);
  stat_errno = errno;
  if (stat_result == 0)
    g_assert_cmpint (ds.msg_perm.__key, !=, DEMO_MSG_KEY);
  else
    g_assert_cmpint (stat_errno, ==, EINVAL);
  g_test_message ("ipc: host %s: msgget (0x%08x) -> %s; "
                  "msgctl (%d, IPC_STAT) -> %s",
                  host_desc, (guint) DEMO_MSG_KEY, g_strerror (get_errno),
                  data.id,
                  stat_result == 0 ? "a different queue of the host's"
                                   : g_strerror (stat_errno));

  /* The queue lives as long as the namespace: it is still there when the
   * thread comes back. Remove it. */
  data.n_messages = 0;
  spacetest_namespace_execute (ipc, find_and_remove_queue, &data, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (data.n_messages, ==, 1);
  assert_still_current (host);
  g_test_message ("ipc: back inside %s the queue (id %d) still held its "
                  "message; removed it", inside_desc, data.id);
}

/* ---- 4. cgroup --------------------------------------------------------- */

/* The thread's cgroup membership, one "hierarchy-ID:controllers:path" per
 * line. Paths are shown relative to the reader's cgroup namespace. The
 * per-thread file matters: a thread that switched namespaces is not the
 * process's main thread. */
static char **
read_cgroups (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_file_get_contents ("/proc/thread-self/cgroup", &contents, NULL, &error);
  g_assert_no_error (error);

  return g_strsplit (g_strchomp (contents), "\n", -1);
}

static const char *
cgroup_path (const char *line)
{
  const char *colon = strchr (line, ':');

  g_assert_nonnull (colon);
  colon = strchr (colon + 1, ':');
  g_assert_nonnull (colon);

  return colon + 1;
}

static void
test_cgroup_root (void)
{
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) host = NULL;
  g_autofree char *host_desc = NULL;
  g_autofree char *inside_desc = NULL;
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) inside = NULL;
  g_auto(GStrv) after = NULL;
  guint n_virtualised = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_CGROUP))
    return;

  host = current_ns (SPACETEST_NAMESPACE_TYPE_CGROUP);
  host_desc = ns_describe (host);
  before = read_cgroups ();

  guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_CGROUP,
                                     SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  inside_desc = ns_describe (
    spacetest_guard_get_namespace (guard, SPACETEST_NAMESPACE_TYPE_CGROUP));
  inside = read_cgroups ();

  spacetest_guard_restore (guard, &error);
  g_assert_no_error (error);
  g_clear_object (&guard);
  assert_still_current (host);
  after = read_cgroups ();

  /* The thread stayed in the same cgroups: the same hierarchies... */
  g_assert_cmpuint (g_strv_length (inside), ==, g_strv_length (before));
  g_assert_cmpstrv (after, before);

  for (guint i = 0; inside[i] != NULL; i++)
    {
      const char *path = cgroup_path (inside[i]);

      /* ...but inside, each is the root of the namespace's view. */
      g_assert_cmpstr (path, ==, "/");
      if (g_str_has_prefix (before[i], "0::"))
        g_test_message ("cgroup: inside %s /proc/thread-self/cgroup reads "
                        "\"%s\" (host %s: \"%s\")",
                        inside_desc, inside[i], host_desc, before[i]);
      else if (g_strcmp0 (cgroup_path (before[i]), "/") != 0)
        g_test_message ("cgroup: inside %s \"%s\" is what the host sees "
                        "as \"%s\"",
                        inside_desc, inside[i], before[i]);
      if (g_strcmp0 (cgroup_path (before[i]), "/") != 0)
        n_virtualised++;
    }

  g_test_message ("cgroup: %u of %u cgroup paths virtualised to \"/\"; "
                  "after restoring, host %s reads the same %u lines as before",
                  n_virtualised, g_strv_length (inside), host_desc,
                  g_strv_length (after));
  if (n_virtualised == 0)
    g_test_message ("cgroup: (the host's view is already rooted at this "
                    "process's cgroups, as in a container or in unprivileged "
                    "mode)");
}

/* ---- 5. several at once ------------------------------------------------ */

static gboolean
loopback_is_up (void)
{
  struct ifreq ifr = { 0, };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int result;

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  result = ioctl (fd, SIOCGIFFLAGS, &ifr);
  close (fd);
  g_assert_cmpint (result, ==, 0);

  return (ifr.ifr_flags & IFF_UP) != 0;
}

static void
test_several_at_once (void)
{
  static const SpacetestNamespaceType all_types[] = {
    SPACETEST_NAMESPACE_TYPE_CGROUP, SPACETEST_NAMESPACE_TYPE_IPC,
    SPACETEST_NAMESPACE_TYPE_MNT, SPACETEST_NAMESPACE_TYPE_NET,
    SPACETEST_NAMESPACE_TYPE_PID, SPACETEST_NAMESPACE_TYPE_TIME,
    SPACETEST_NAMESPACE_TYPE_USER, SPACETEST_NAMESPACE_TYPE_UTS,
  };
  const SpacetestNamespaceType types = SPACETEST_NAMESPACE_TYPE_NET |
                                       SPACETEST_NAMESPACE_TYPE_UTS |
                                       SPACETEST_NAMESPACE_TYPE_IPC;
  SpacetestNamespace *host[G_N_ELEMENTS (all_types)] = { NULL, };
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) changed = g_string_new (NULL);
  g_autoptr(GString) kept = g_string_new (NULL);
  g_autoptr(GString) restored = g_string_new (NULL);

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (types))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (all_types); i++)
    host[i] = spacetest_test_current (all_types[i]);

  guard = spacetest_enter_transient (types, SPACETEST_TRANSIENT_LOOPBACK_UP,
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_guard_get_namespace_types (guard), ==, types);

  for (guint i = 0; i < G_N_ELEMENTS (all_types); i++)
    {
      g_autoptr(SpacetestNamespace) now = current_ns (all_types[i]);
      g_autofree char *host_desc = ns_describe (host[i]);
      g_autofree char *now_desc = ns_describe (now);
      SpacetestNamespace *entered =
        spacetest_guard_get_namespace (guard, all_types[i]);

      if (all_types[i] & types)
        {
          g_assert_false (spacetest_namespace_equal (now, host[i]));
          g_assert_nonnull (entered);
          g_assert_true (spacetest_namespace_equal (now, entered));
          g_assert_true (spacetest_namespace_is_current (entered));
          g_string_append_printf (changed, " %s->%s", host_desc, now_desc);
        }
      else
        {
          g_assert_true (spacetest_namespace_equal (now, host[i]));
          g_assert_null (entered);
          g_string_append_printf (kept, " %s", now_desc);
        }
    }

  g_assert_true (loopback_is_up ());
  g_test_message ("several: changed:%s", changed->str);
  g_test_message ("several: unchanged:%s", kept->str);
  g_test_message ("several: lo is up in the new network namespace");

  g_clear_object (&guard);

  for (guint i = 0; i < G_N_ELEMENTS (all_types); i++)
    {
      g_autofree char *desc = ns_describe (host[i]);

      assert_still_current (host[i]);
      if (all_types[i] & types)
        g_string_append_printf (restored, " %s", desc);
    }

  g_test_message ("several: after g_clear_object (&guard) back in:%s",
                  restored->str);
}

/* ---- 6. a spacer: child user and PID namespaces ------------------------ */

/* The first line of /proc/PID/uid_map: "inside outside count". */
static char *
read_uid_map (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/uid_map", (int) pid);
  g_autofree char *contents = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  g_auto(GStrv) words = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  words = g_strsplit_set (g_strstrip (contents), " \t\n", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_string_append_printf (line, "%s%s", line->len ? " " : "", words[i]);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static void
test_spacer_subspace (void)
{
  SpacetestSpacer *spacer, *sub;
  GPtrArray *rooms;
  g_autofree char *pid_path = NULL;
  g_autofree char *status = NULL;
  g_autofree char *map = NULL;
  g_autofree char *user_desc = NULL, *pid_desc = NULL, *net_desc = NULL;
  g_autoptr(SpacetestNamespace) owner = NULL;
  g_autoptr(SpacetestNamespace) our_pid = current_ns (SPACETEST_NAMESPACE_TYPE_PID);
  g_autoptr(GError) error = NULL;
  const char *nspid;

  spacetest_test_check_leaks ();

  /* A helper service, then one in new user and PID namespaces below it. */
  spacer = spacetest_test_new_spacer ();
  sub = spacetest_test_subspace (spacer, SPACETEST_NAMESPACE_TYPE_USER |
                                         SPACETEST_NAMESPACE_TYPE_PID);
  g_assert_nonnull (sub);

  user_desc = ns_describe (spacetest_spacer_get_user_namespace (sub));
  pid_desc = ns_describe (spacetest_spacer_get_pid_namespace (sub));
  g_assert_false (spacetest_namespace_equal (spacetest_spacer_get_pid_namespace (sub),
                                             our_pid));

  /* It is PID 1 over there: the last NSpid field. */
  pid_path = g_strdup_printf ("/proc/%d/status", (int) spacetest_spacer_get_pid (sub));
  g_assert_true (g_file_get_contents (pid_path, &status, NULL, NULL));
  nspid = strstr (status, "\nNSpid:");
  g_assert_nonnull (nspid);
  g_assert_true (g_str_has_prefix (strchr (nspid + 1, '\n') - 2, "\t1") ||
                 g_str_has_prefix (strchr (nspid + 1, '\n') - 2, " 1"));

  map = read_uid_map (spacetest_spacer_get_pid (sub));
  g_assert_true (g_str_has_prefix (map, "0 "));
  g_test_message ("spacer: service pid %d runs as PID 1 of %s, in %s where "
                  "uid_map reads \"%s\" (inside outside count)",
                  (int) spacetest_spacer_get_pid (sub), pid_desc, user_desc, map);

  /* Rooms: namespaces owned by that user namespace, fds sent back. */
  rooms = spacetest_test_rooms (sub, SPACETEST_NAMESPACE_TYPE_NET |
                                     SPACETEST_NAMESPACE_TYPE_UTS);
  g_assert_cmpuint (rooms->len, ==, 2);
  net_desc = ns_describe (g_ptr_array_index (rooms, 0));
  owner = spacetest_namespace_get_owner (g_ptr_array_index (rooms, 0), &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_namespace_equal (owner,
                                            spacetest_spacer_get_user_namespace (sub)));
  g_test_message ("spacer: room %s is owned by %s, not by the test's user "
                  "namespace", net_desc, user_desc);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *userns_before = g_file_read_link ("/proc/self/ns/user",
                                                     NULL);
  g_autofree char *userns_after = NULL;

  /* When unprivileged, this moves the process into its own user namespace
   * (with fresh base namespaces) before any thread exists. */
  spacetest_test_init (&argc, &argv, NULL);

  userns_after = g_file_read_link ("/proc/self/ns/user", NULL);
  if (g_strcmp0 (userns_before, userns_after) != 0)
    g_test_message ("unprivileged mode: moved from %s to %s; \"host\" below "
                    "means the namespaces the process has there",
                    userns_before, userns_after);

  g_test_add_func ("/demo/net/same-port", test_net_same_port);
  g_test_add_func ("/demo/uts/hostname", test_uts_hostname);
  g_test_add_func ("/demo/uts/test-scoped", test_uts_test_scoped);
  g_test_add_func ("/demo/ipc/msg-queue", test_ipc_msg_queue);
  g_test_add_func ("/demo/cgroup/root", test_cgroup_root);
  g_test_add_func ("/demo/several/net-uts-ipc", test_several_at_once);
  g_test_add_func ("/demo/spacer/subspace", test_spacer_subspace);

  return g_test_run ();
}
