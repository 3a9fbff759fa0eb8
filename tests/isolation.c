/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* isolation.c: what a transient namespace is good for, shown end to end —
 * the same port bound twice, a hostname, a SysV message queue, a cgroup
 * view and a tmpfs mount that never reach the host */

#include "test-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/sockios.h>

/* High, and not one anybody is likely to use; the host may have it bound
 * or not, the test works either way. */
#define TEST_PORT 47613

/* ---- network ---------------------------------------------------------- */

typedef struct
{
  guint16 port;
  int fd;
  int errsv;
} SocketData;

static void
listen_func (gpointer user_data)
{
  SocketData *data = user_data;

  data->fd = tu_listen_loopback (data->port);
  data->errsv = data->fd < 0 ? errno : 0;
}

static void
connect_func (gpointer user_data)
{
  SocketData *data = user_data;
  struct sockaddr_in addr = { 0, };

  addr.sin_family = AF_INET;
  addr.sin_port = htons (data->port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  data->errsv = 0;
  data->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (data->fd < 0)
    {
      data->errsv = errno;
      return;
    }

  if (connect (data->fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      data->errsv = errno;
      close (data->fd);
      data->fd = -1;
    }
}

static int
listen_in (SpacetestNamespace *net,
           int                *errsv)
{
  g_autoptr(GError) error = NULL;
  SocketData data = { TEST_PORT, -1, 0 };

  g_assert_true (spacetest_namespace_execute (net, listen_func, &data, &error));
  g_assert_no_error (error);
  *errsv = data.errsv;
  return data.fd;
}

static int
connect_in (SpacetestNamespace *net,
            int                *errsv)
{
  g_autoptr(GError) error = NULL;
  SocketData data = { TEST_PORT, -1, 0 };

  g_assert_true (spacetest_namespace_execute (net, connect_func, &data, &error));
  g_assert_no_error (error);
  *errsv = data.errsv;
  return data.fd;
}

/* The network namespace a socket belongs to (SIOCGSKNS). */
static guint64
socket_netns_inode (int fd)
{
  struct stat st;
  int ns_fd = ioctl (fd, SIOCGSKNS);

  g_assert_cmpint (ns_fd, >=, 0);
  g_assert_no_errno (fstat (ns_fd, &st));
  close (ns_fd);
  return st.st_ino;
}

static gboolean
has_pending_connection (int listen_fd)
{
  struct pollfd pfd = { listen_fd, POLLIN, 0 };

  return poll (&pfd, 1, 0) > 0;
}

/* Accepts the pending connection on @listen_fd and sends one byte from
 * @client through it. */
static void
assert_connection_works (int listen_fd,
                         int client)
{
  int server;
  char c = 0;

  server = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  g_assert_cmpint (server, >=, 0);
  g_assert_cmpint (write (client, "x", 1), ==, 1);
  g_assert_cmpint (read (server, &c, 1), ==, 1);
  g_assert_cmpint (c, ==, 'x');
  close (server);
}

static void
test_net_same_port (void)
{
  SpacetestNamespace *a, *b;
  int listen_a, listen_b, again, client_a, client_b, host;
  int errsv;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  /* Both with lo up (spacetest_test_new_transient() does that). */
  a = spacetest_test_new_transient (NET);
  b = spacetest_test_new_transient (NET);

  /* The host may or may not have the port: take it if it is free, so
   * that three sockets share it. */
  host = tu_listen_loopback (TEST_PORT);
  g_test_message ("host: port %d %s", TEST_PORT,
                  host >= 0 ? "bound as well" : g_strerror (errno));

  listen_a = listen_in (a, &errsv);
  g_assert_cmpint (errsv, ==, 0);
  g_assert_cmpint (listen_a, >=, 0);

  /* While a's socket is still listening, b binds the same address. */
  listen_b = listen_in (b, &errsv);
  g_assert_cmpint (errsv, ==, 0);
  g_assert_cmpint (listen_b, >=, 0);

  /* The port is really taken inside a: a second bind there fails. */
  again = listen_in (a, &errsv);
  g_assert_cmpint (again, ==, -1);
  g_assert_cmpint (errsv, ==, EADDRINUSE);

  /* Each socket lives in its own namespace. */
  g_assert_cmpuint (socket_netns_inode (listen_a), ==,
                    spacetest_namespace_get_inode (a));
  g_assert_cmpuint (socket_netns_inode (listen_b), ==,
                    spacetest_namespace_get_inode (b));

  /* A connection made inside b reaches b's listener, not a's. */
  client_b = connect_in (b, &errsv);
  g_assert_cmpint (errsv, ==, 0);
  g_assert_cmpint (client_b, >=, 0);
  g_assert_false (has_pending_connection (listen_a));
  g_assert_true (has_pending_connection (listen_b));
  assert_connection_works (listen_b, client_b);

  client_a = connect_in (a, &errsv);
  g_assert_cmpint (errsv, ==, 0);
  g_assert_cmpint (client_a, >=, 0);
  g_assert_false (has_pending_connection (listen_b));
  assert_connection_works (listen_a, client_a);

  /* Nothing reached the host's socket, if it got one. */
  if (host >= 0)
    {
      g_assert_false (has_pending_connection (host));
      close (host);
    }

  close (client_a);
  close (client_b);
  close (listen_a);
  close (listen_b);
}

static void
loopback_up_func (gpointer user_data)
{
  spacetest_loopback_up ((GError **) user_data);
}

static void
test_net_loopback_down (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) up_error = NULL;
  g_autoptr(SpacetestNamespace) net = NULL;
  int listen_fd, client;
  int errsv;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  /* Without SPACETEST_TRANSIENT_LOOPBACK_UP, lo is down (the manual's
   * pitfalls-loopback-sysfs): a socket can listen on 127.0.0.1, but
   * nothing can reach it. */
  net = spacetest_namespace_new_transient (NET, SPACETEST_TRANSIENT_NONE,
                                           &error);
  g_assert_no_error (error);
  listen_fd = listen_in (net, &errsv);
  if (listen_fd >= 0)
    close (listen_fd);
  client = connect_in (net, &errsv);
  g_assert_cmpint (client, ==, -1);
  g_assert_cmpint (errsv, !=, 0);
  g_test_message ("connect with lo down: %s", g_strerror (errsv));

  /* spacetest_loopback_up() inside fixes that. */
  g_assert_true (spacetest_namespace_execute (net, loopback_up_func,
                                              &up_error, &error));
  g_assert_no_error (error);
  g_assert_no_error (up_error);
  listen_fd = listen_in (net, &errsv);
  g_assert_cmpint (errsv, ==, 0);
  g_assert_cmpint (listen_fd, >=, 0);
  client = connect_in (net, &errsv);
  g_assert_cmpint (errsv, ==, 0);
  g_assert_cmpint (client, >=, 0);
  assert_connection_works (listen_fd, client);
  close (client);
  close (listen_fd);
}

/* ---- UTS -------------------------------------------------------------- */

static void
read_hostname_func (gpointer user_data)
{
  char **hostname = user_data;

  *hostname = tu_hostname ();
}

static void
test_uts_hostname (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autofree char *before = tu_hostname ();
  g_autofree char *name = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *host_meanwhile = NULL;
  g_autofree char *after = NULL;
  g_autofree char *again = NULL;
  g_autoptr(SpacetestNamespace) uts = NULL;
  SpacetestNamespace *host_uts;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (UTS))
    return;

  host_uts = spacetest_test_current (UTS);
  name = g_strdup_printf ("spacetest-%08x", g_test_rand_int ());
  g_assert_cmpstr (name, !=, before);

  guard = spacetest_enter_transient (UTS, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  uts = g_object_ref (spacetest_guard_get_namespace (guard, UTS));

  g_assert_no_errno (sethostname (name, strlen (name)));
  inside = tu_hostname ();
  g_assert_cmpstr (inside, ==, name);

  /* Seen from the host's UTS namespace meanwhile: unchanged. */
  g_assert_true (spacetest_namespace_execute (host_uts, read_hostname_func,
                                              &host_meanwhile, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (host_meanwhile, ==, before);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  after = tu_hostname ();
  g_assert_cmpstr (after, ==, before);

  /* The name stays with the namespace while it lives. */
  g_assert_true (spacetest_namespace_execute (uts, read_hostname_func, &again,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, name);
}

/* ---- IPC -------------------------------------------------------------- */

typedef struct
{
  key_t key;
  gboolean create;
  int id;
  int found_id;
  int errsv;
  char text[32];
} QueueData;

struct test_msg
{
  long mtype;
  char mtext[32];
};

static void
queue_func (gpointer user_data)
{
  QueueData *data = user_data;
  struct test_msg msg = { 1, "hello from inside" };

  data->errsv = 0;
  data->id = -1;
  data->found_id = -1;

  if (data->create)
    {
      data->id = msgget (data->key, IPC_CREAT | IPC_EXCL | 0600);
      if (data->id < 0 ||
          msgsnd (data->id, &msg, sizeof msg.mtext, IPC_NOWAIT) != 0)
        {
          data->errsv = errno;
          return;
        }
      data->found_id = msgget (data->key, 0);
    }
  else
    {
      data->found_id = msgget (data->key, 0);
      if (data->found_id < 0 ||
          msgrcv (data->found_id, &msg, sizeof msg.mtext, 0, IPC_NOWAIT) < 0)
        {
          data->errsv = errno;
          return;
        }
      g_strlcpy (data->text, msg.mtext, sizeof data->text);
      if (msgctl (data->found_id, IPC_RMID, NULL) != 0)
        data->errsv = errno;
    }
}

static void
test_ipc_message_queue (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ipc, *other;
  QueueData data = { 0, };
  key_t key = (key_t) (0x53540000 | (getpid () & 0xffff));

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (IPC))
    return;

  /* Not in the host to begin with (else the test would prove nothing). */
  g_assert_cmpint (msgget (key, 0), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);

  ipc = spacetest_test_new_transient (IPC);
  other = spacetest_test_new_transient (IPC);

  data.key = key;
  data.create = TRUE;
  g_assert_true (spacetest_namespace_execute (ipc, queue_func, &data, &error));
  g_assert_no_error (error);
  g_assert_cmpint (data.errsv, ==, 0);
  g_assert_cmpint (data.id, >=, 0);
  g_assert_cmpint (data.found_id, ==, data.id);

  /* Invisible in the host ... */
  g_assert_cmpint (msgget (key, 0), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);

  /* ... and in another transient IPC namespace, where the same key can be
   * created afresh. */
  data.create = TRUE;
  g_assert_true (spacetest_namespace_execute (other, queue_func, &data,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (data.errsv, ==, 0);
  g_assert_cmpint (data.id, >=, 0);

  /* Back inside the first one, the queue and its message are still there. */
  data.create = FALSE;
  g_assert_true (spacetest_namespace_execute (ipc, queue_func, &data, &error));
  g_assert_no_error (error);
  g_assert_cmpint (data.errsv, ==, 0);
  g_assert_cmpstr (data.text, ==, "hello from inside");

  data.create = FALSE;
  g_assert_true (spacetest_namespace_execute (other, queue_func, &data,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (data.errsv, ==, 0);

  g_assert_cmpint (msgget (key, 0), ==, -1);
  g_assert_cmpint (errno, ==, ENOENT);
}

/* ---- cgroup ----------------------------------------------------------- */

/* The calling thread's view of its cgroups: "ID:CONTROLLERS" → path, one
 * entry per hierarchy ("0:" is the cgroup v2 one). */
static GHashTable *
read_cgroups (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *cgroups = g_hash_table_new_full (g_str_hash, g_str_equal,
                                               g_free, g_free);

  g_file_get_contents ("/proc/thread-self/cgroup", &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');

      if (colon != NULL)
        colon = strchr (colon + 1, ':');
      if (colon == NULL)
        continue;
      g_hash_table_insert (cgroups, g_strndup (lines[i], colon - lines[i]),
                           g_strdup (colon + 1));
    }

  return cgroups;
}

static void
read_cgroups_func (gpointer user_data)
{
  GHashTable **cgroups = user_data;

  *cgroups = read_cgroups ();
}

static void
test_cgroup_root (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) host = NULL;
  g_autoptr(GHashTable) inside = NULL;
  g_autoptr(GHashTable) after = NULL;
  SpacetestNamespace *cgroup;
  GHashTableIter iter;
  gpointer key, value;
  guint n_differ = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (CGROUP))
    return;

  host = read_cgroups ();
  if (!g_hash_table_contains (host, "0:"))
    {
      g_test_skip ("no cgroup v2 hierarchy (no 0:: line in "
                   "/proc/thread-self/cgroup)");
      return;
    }

  cgroup = spacetest_test_new_transient (CGROUP);
  g_assert_true (spacetest_namespace_execute (cgroup, read_cgroups_func,
                                              &inside, &error));
  g_assert_no_error (error);

  /* Inside, the thread's own cgroup is the root of the view: 0::/ ... */
  g_assert_cmpstr (g_hash_table_lookup (inside, "0:"), ==, "/");
  g_assert_cmpuint (g_hash_table_size (inside), ==, g_hash_table_size (host));

  /* ... and so in every (v1) hierarchy, while the host sees its real
   * place where that is not the root itself. */
  g_hash_table_iter_init (&iter, host);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *in = g_hash_table_lookup (inside, key);

      g_assert_cmpstr (in, ==, "/");
      if (strcmp (value, "/") != 0)
        {
          g_assert_cmpstr (in, !=, value);
          n_differ++;
        }
    }
  g_test_message ("%u of %u hierarchies look different from the host",
                  n_differ, g_hash_table_size (host));

  /* The host's view has not changed. */
  after = read_cgroups ();
  g_hash_table_iter_init (&iter, host);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (after, key), ==, value);
}

/* ---- mounts ----------------------------------------------------------- */

/* Whether @path is a mount point in the calling thread's mount namespace
 * (not the main thread's: /proc/thread-self). */
static gboolean
is_mount_point (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_file_get_contents ("/proc/thread-self/mountinfo", &contents, NULL,
                       &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 6);

      if (g_strv_length (fields) >= 5 && strcmp (fields[4], path) == 0)
        return TRUE;
    }

  return FALSE;
}

typedef struct
{
  const char *dir;
  const char *file;
  gboolean mounted;
  gboolean file_exists;
} MountView;

static void
mount_view_func (gpointer user_data)
{
  MountView *view = user_data;

  view->mounted = is_mount_point (view->dir);
  view->file_exists = g_file_test (view->file, G_FILE_TEST_EXISTS);
}

static void
test_mnt_tmpfs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  SpacetestNamespace *host_mnt;
  MountView view = { 0, };

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT))
    return;

  tmp = g_dir_make_tmp ("spacetest-isolation-XXXXXX", &error);
  g_assert_no_error (error);
  /* mountinfo shows the resolved path */
  dir = realpath (tmp, NULL);
  g_assert_nonnull (dir);
  file = g_build_filename (dir, "inside", NULL);
  view.dir = dir;
  view.file = file;

  host_mnt = spacetest_test_current (MNT);
  g_assert_false (is_mount_point (dir));

  guard = spacetest_enter_transient (MNT, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  g_assert_no_errno (mount ("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV,
                            "size=1m,mode=0700"));
  g_file_set_contents (file, "only inside", -1, &error);
  g_assert_no_error (error);
  g_assert_true (is_mount_point (dir));

  /* Meanwhile, a thread in the host's mount namespace sees neither the
   * mount nor the file (spacetest_execute() with a mount namespace runs
   * on another thread). */
  g_assert_true (spacetest_namespace_execute (host_mnt, mount_view_func,
                                              &view, &error));
  g_assert_no_error (error);
  g_assert_false (view.mounted);
  g_assert_false (view.file_exists);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_clear_object (&guard);

  /* After the restore: no mount, no file, and the directory is an empty
   * directory of the host again. */
  g_assert_false (is_mount_point (dir));
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_get_contents (file, &contents, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_no_errno (rmdir (dir));
}

typedef struct
{
  const char *dir;
  const char *file;
  int errsv;
} WriteInside;

static void
mount_and_write_func (gpointer user_data)
{
  WriteInside *data = user_data;

  data->errsv = 0;
  if (mount ("tmpfs", data->dir, "tmpfs", MS_NOSUID | MS_NODEV,
             "size=1m,mode=0755") != 0 ||
      !g_file_set_contents (data->file, "written inside", -1, NULL))
    data->errsv = errno != 0 ? errno : EIO;
}

static void
test_mnt_root_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) mnt = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *through_root = NULL;
  g_autofree char *contents = NULL;
  WriteInside data = { 0, };
  const char *root;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT))
    return;

  dir = g_dir_make_tmp ("spacetest-isolation-XXXXXX", &error);
  g_assert_no_error (error);
  file = g_build_filename (dir, "hello", NULL);

  mnt = spacetest_namespace_new_transient (MNT, SPACETEST_TRANSIENT_NONE,
                                           &error);
  g_assert_no_error (error);
  root = spacetest_namespace_get_root_path (mnt);
  g_assert_nonnull (root);

  /* Write a file on a tmpfs that exists only in the namespace. */
  data.dir = dir;
  data.file = file;
  g_assert_true (spacetest_namespace_execute (mnt, mount_and_write_func,
                                              &data, &error));
  g_assert_no_error (error);
  g_assert_cmpint (data.errsv, ==, 0);

  /* The host does not see it at its own path ... */
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));

  /* ... but reads it from outside through the root path. */
  through_root = g_build_filename (root, file, NULL);
  g_assert_true (g_file_get_contents (through_root, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "written inside");

  g_clear_object (&mnt);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_no_errno (rmdir (dir));
}

int
main (int    argc,
      char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spacetest/isolation/net/same-port", test_net_same_port);
  g_test_add_func ("/spacetest/isolation/net/loopback-down", test_net_loopback_down);
  g_test_add_func ("/spacetest/isolation/uts/hostname", test_uts_hostname);
  g_test_add_func ("/spacetest/isolation/ipc/message-queue", test_ipc_message_queue);
  g_test_add_func ("/spacetest/isolation/cgroup/root", test_cgroup_root);
  g_test_add_func ("/spacetest/isolation/mnt/tmpfs", test_mnt_tmpfs);
  g_test_add_func ("/spacetest/isolation/mnt/root-path", test_mnt_root_path);

  return g_test_run ();
}
