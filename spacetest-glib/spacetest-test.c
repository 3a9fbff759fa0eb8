/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-test.c: the GTest layer */

#include "spacetest-home-private.h"
#include "spacetest-lan-private.h"
#include "spacetest-namespace-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

/**
 * SECTION:spacetest-test
 * @title: GTest integration
 * @short_description: Namespaces whose lifetime is the running test
 *
 * Macros for C test programs built on GTest. Objects they return belong
 * to the running test and are released when it ends (through
 * g_test_queue_destroy()); a thread they switched is switched back then.
 * On failure they report the *caller's* file and line with the error
 * message and fail the test the way g_assert_no_error() does, honouring
 * g_test_set_nonfatal_assertions().
 *
 * |[<!-- language="C" -->
 * static void
 * test_bind (void)
 * {
 *   spacetest_test_check_leaks ();
 *   if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
 *     return;
 *   spacetest_test_enter_transient (SPACETEST_NAMESPACE_TYPE_NET);
 *   // 127.0.0.1 is this test's own
 * }
 *
 * int
 * main (int argc, char **argv)
 * {
 *   spacetest_test_init (&argc, &argv, NULL);
 *   g_test_add_func ("/example/bind", test_bind);
 *   return g_test_run ();
 * }
 * ]|
 */

/* Why spacetest_test_init() could not set up unprivileged mode, for the
 * skip messages of spacetest_test_require(). */
static char *userns_failure;

/* ---- GLib's lazy singletons ------------------------------------------ */

typedef struct
{
  GDBusConnection *connection;
  gboolean done;
} NewConnection;

static void
connection_made (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  NewConnection *made = user_data;

  made->connection = g_dbus_connection_new_finish (result, NULL);
  made->done = TRUE;
}

/* GDBus runs every connection on one worker thread of its own, made with
 * the first connection and kept for the life of the process: a
 * peer-to-peer connection over a socket pair makes it, without a bus.
 * The pair is kept open too: closing it would let the worker thread
 * close descriptors a moment later, inside whichever test runs then. */
static GDBusConnection *warm_up_connections[2];

static void
warm_up_gdbus (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree char *guid = g_dbus_generate_guid ();
  NewConnection ends[2] = { { NULL, FALSE }, { NULL, FALSE } };
  g_autoptr(GSocketConnection) server = NULL;
  g_autoptr(GSocketConnection) client = NULL;
  g_autoptr(GSocket) server_socket = NULL;
  g_autoptr(GSocket) client_socket = NULL;
  gint64 deadline;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return;
  server_socket = g_socket_new_from_fd (fds[0], NULL);
  if (server_socket == NULL)
    close (fds[0]);
  client_socket = g_socket_new_from_fd (fds[1], NULL);
  if (client_socket == NULL)
    close (fds[1]);
  if (server_socket == NULL || client_socket == NULL)
    return;
  server = g_socket_connection_factory_create_connection (server_socket);
  client = g_socket_connection_factory_create_connection (client_socket);

  g_main_context_push_thread_default (context);
  g_dbus_connection_new (G_IO_STREAM (server), guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS,
                         NULL, NULL, connection_made, &ends[0]);
  g_dbus_connection_new (G_IO_STREAM (client), NULL,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                         NULL, NULL, connection_made, &ends[1]);

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while ((!ends[0].done || !ends[1].done) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  for (int i = 0; i < 2; i++)
    warm_up_connections[i] = ends[i].connection;
}

static void warm_up_glib (void);

/* ---- HOME in unprivileged mode --------------------------------------- */

static char *private_home_root;

static gboolean
is_usable_dir (const char *path)
{
  struct stat st;

  return path != NULL && g_path_is_absolute (path) &&
         stat (path, &st) == 0 && S_ISDIR (st.st_mode) &&
         access (path, W_OK | X_OK) == 0;
}

static void
remove_private_home (void)
{
  if (private_home_root == NULL)
    return;
  umount2 (private_home_root, MNT_DETACH);
  rmdir (private_home_root);
  g_clear_pointer (&private_home_root, g_free);
}

/* In unprivileged mode the process's HOME may belong to a user that the
 * user namespace does not map (or not exist at all): GLib and dconf then
 * warn, which fails GTest programs. The test process gets a HOME and XDG
 * directories of its own instead, on a tmpfs mounted (in its own mount
 * namespace) over a directory it makes in the temporary directory and
 * removes on exit: nothing it writes reaches the host's file systems. */
static void
make_private_home (void)
{
  g_autofree char *root = NULL;

  if (is_usable_dir (g_getenv ("HOME")))
    return;

  root = g_dir_make_tmp ("spacetest-home-XXXXXX", NULL);
  if (root == NULL)
    return;
  if (mount ("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0)
    {
      rmdir (root);
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (spacetest_home_dirs); i++)
    {
      g_autofree char *path =
        g_build_filename (root, spacetest_home_dirs[i].name, NULL);

      if (mkdir (path, spacetest_home_dirs[i].mode) == 0)
        g_setenv (spacetest_home_dirs[i].variable, path, TRUE);
    }

  private_home_root = g_steal_pointer (&root);
  atexit (remove_private_home);
}

void
_spacetest_test_init_post (void)
{
  const char *env = g_getenv ("SPACETEST_USERNS");
  g_autoptr(GError) error = NULL;
  gboolean unprivileged = !_spacetest_has_capability (CAP_SYS_ADMIN);

  if (g_strcmp0 (env, "0") != 0)
    {
      if (!spacetest_init_user_namespace (&error))
        {
          g_free (userns_failure);
          userns_failure = g_strdup (error->message);
        }
      else if (unprivileged)
        make_private_home ();
    }

  /* Not in a g_test_trap_subprocess() child, which may have to stay
   * single-threaded for a while: its first leak check does it. */
  if (!g_test_subprocess ())
    warm_up_glib ();
}

/* Makes @text (modified in place, and returned) a single line: GTest
 * prints test messages into TAP, where a continuation line is invalid. */
static char *
tap_line (char *text)
{
  return g_strdelimit (text, "\r\n", ' ');
}

static void
fail_with_error (const char   *file,
                 int           line,
                 const char   *func,
                 const char   *expr,
                 const GError *error)
{
  g_autoptr(GError) shown = g_error_copy (error);

  tap_line (shown->message);
  g_assertion_message_error (G_LOG_DOMAIN, file, line, func, expr,
                             shown, 0, 0);
}

gboolean
_spacetest_test_require (const char             *file,
                         int                     line,
                         const char             *func,
                         SpacetestNamespaceType  types)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;

  if (spacetest_check_can_create (types, &error))
    return TRUE;

  if (userns_failure != NULL)
    msg = g_strdup_printf (_("%s:%d: %s (unprivileged mode failed: %s)"),
                           file, line, error->message, userns_failure);
  else
    msg = g_strdup_printf ("%s:%d: %s", file, line, error->message);

  tap_line (msg);
  if (g_strcmp0 (g_getenv ("SPACETEST_REQUIRE"), "1") == 0)
    g_test_fail_printf ("%s", msg);
  else
    g_test_skip (msg);

  return FALSE;
}

SpacetestNamespace *
_spacetest_test_new_transient_full (const char              *file,
                                    int                      line,
                                    const char              *func,
                                    SpacetestNamespaceType   type,
                                    SpacetestTransientFlags  flags)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ns;

  ns = spacetest_namespace_new_transient (type, flags, &error);
  if (ns == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_new_transient",
                       error);
      return NULL;
    }

  g_test_queue_unref (ns);
  return ns;
}

/* The flags of the short forms: `lo` up in a new network namespace. */
static SpacetestTransientFlags
default_flags (SpacetestNamespaceType types)
{
  return (types & SPACETEST_NAMESPACE_TYPE_NET)
           ? SPACETEST_TRANSIENT_LOOPBACK_UP
           : SPACETEST_TRANSIENT_NONE;
}

SpacetestNamespace *
_spacetest_test_new_transient (const char             *file,
                               int                     line,
                               const char             *func,
                               SpacetestNamespaceType  type)
{
  return _spacetest_test_new_transient_full (file, line, func, type,
                                             default_flags (type));
}

SpacetestNamespace *
_spacetest_test_current (const char             *file,
                         int                     line,
                         const char             *func,
                         SpacetestNamespaceType  type)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ns;

  ns = spacetest_namespace_new_current (type, &error);
  if (ns == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_current", error);
      return NULL;
    }

  g_test_queue_unref (ns);
  return ns;
}

SpacetestGuard *
_spacetest_test_enter_transient_full (const char              *file,
                                      int                      line,
                                      const char              *func,
                                      SpacetestNamespaceType   types,
                                      SpacetestTransientFlags  flags)
{
  g_autoptr(GError) error = NULL;
  SpacetestGuard *guard;

  guard = spacetest_enter_transient (types, flags, &error);
  if (guard == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_enter_transient",
                       error);
      return NULL;
    }

  g_test_queue_unref (guard);
  return guard;
}

SpacetestGuard *
_spacetest_test_enter_transient (const char             *file,
                                 int                     line,
                                 const char             *func,
                                 SpacetestNamespaceType  types)
{
  return _spacetest_test_enter_transient_full (file, line, func, types,
                                               default_flags (types));
}

static void
close_and_unref_spacer (gpointer data)
{
  spacetest_spacer_close (data, NULL);
  g_object_unref (data);
}

SpacetestSpacer *
_spacetest_test_new_spacer (const char *file,
                            int         line,
                            const char *func)
{
  g_autoptr(GError) error = NULL;
  SpacetestSpacer *spacer = spacetest_spacer_new (NULL, &error);

  if (spacer == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_new_spacer", error);
      return NULL;
    }

  g_test_queue_destroy (close_and_unref_spacer, spacer);
  return spacer;
}

SpacetestSpacer *
_spacetest_test_subspace (const char             *file,
                          int                     line,
                          const char             *func,
                          SpacetestSpacer        *spacer,
                          SpacetestNamespaceType  types)
{
  g_autoptr(GError) error = NULL;
  SpacetestSpacer *sub =
    spacetest_spacer_subspace (spacer, types, NULL, &error);

  if (sub == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_subspace", error);
      return NULL;
    }

  g_test_queue_destroy (close_and_unref_spacer, sub);
  return sub;
}

GPtrArray *
_spacetest_test_rooms (const char             *file,
                       int                     line,
                       const char             *func,
                       SpacetestSpacer        *spacer,
                       SpacetestNamespaceType  types)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rooms = spacetest_spacer_rooms (spacer, types, NULL, &error);

  if (rooms == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_rooms", error);
      return NULL;
    }

  g_test_queue_destroy ((GDestroyNotify) g_ptr_array_unref, rooms);
  return rooms;
}

/* ---- leak check ------------------------------------------------------ */

/* It runs twice per test, and every /proc access costs microseconds, so
 * it reads /proc with as few system calls and path walks as it can: each
 * directory is opened once and its entries are read relative to it, into
 * fixed buffers, with no allocation per entry. */

/* Room for the target of a /proc/thread-self/ns/ link, such as
 * "cgroup:[4026531835]" (the inode number is 32 bits). */
#define NS_LINK_SIZE 32

/* The links the thread's namespaces are compared by. A thread's own PID
 * namespace never changes, and its time namespace only together with
 * time_for_children; setns() and unshare() of these types change the
 * namespaces of its future children: "pid_for_children" and
 * "time_for_children" catch everything a test can leave behind there. */
static const char * const ns_links[] = {
  "cgroup", "ipc", "mnt", "net", "pid_for_children", "time_for_children",
  "user", "uts",
};

/* One open descriptor, identified by the file it refers to: a descriptor
 * closed and opened again on another file is a new one. All anonymous
 * inodes (eventfd, signalfd, epoll, ...) share one inode, so for those
 * the link target, which names the kind, is compared too; and a
 * descriptor that still refers to the very open file of one of the
 * warm-up's (see kept_files) is identified as that. */
typedef struct
{
  int fd;
  guint32 mode;
  guint64 dev;
  guint64 ino;
  gsize target;   /* offset in Snapshot.targets, or NO_TARGET */
  guint kept;     /* 1 + index in kept_files, or 0 */
} FdEntry;

#define NO_TARGET G_MAXSIZE

/* What the process and the calling thread hold at one moment. */
typedef struct
{
  GArray *fds;        /* FdEntry, by ascending number */
  GString *targets;   /* link targets, each ended by a NUL */
  GArray *children;   /* pid_t, ascending */
  char ns_links[G_N_ELEMENTS (ns_links)][NS_LINK_SIZE];   /* "": none */
} Snapshot;

typedef struct
{
  char *file;
  int line;
  char *func;
  pid_t tid;
  Snapshot before;
} LeakCheck;

static int
compare_fd_entries (const void *a,
                    const void *b)
{
  const FdEntry *x = a, *y = b;

  return (x->fd > y->fd) - (x->fd < y->fd);
}

static int
compare_pids (const void *a,
              const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

  return (x > y) - (x < y);
}

/* F_DUPFD_QUERY (Linux 6.10): whether two descriptors refer to one open
 * file, 1 or 0; older kernels refuse it (EINVAL). */
#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027   /* F_LINUX_SPECIFIC_BASE + 3 */
#endif

/* The anonymous descriptors that the warm-up made (the wakeup eventfds of
 * GLib's main contexts), each with a copy that this file keeps for the
 * life of the process. Reading a descriptor's link, which names only the
 * kind of an anonymous file, costs ten times what asking the kernel
 * whether it still refers to the copy's open file costs; and the answer
 * tells more: it also tells one eventfd from another. A copy that a test
 * closed and whose number came back on another file would be taken for
 * the library's, as the test LAN's descriptors would. */
typedef struct
{
  int fd;
  int copy;
} KeptFile;

static KeptFile kept_files[8];
static guint n_kept_files;

static gboolean
is_kept_copy (int fd)
{
  for (guint i = 0; i < n_kept_files; i++)
    if (kept_files[i].copy == fd)
      return TRUE;
  return FALSE;
}

/* 1 + the index of the kept file that @fd refers to, or 0. */
static guint
find_kept_file (int fd)
{
  for (guint i = 0; i < n_kept_files; i++)
    if (kept_files[i].fd == fd)
      return fcntl (fd, F_DUPFD_QUERY, kept_files[i].copy) == 1 ? i + 1 : 0;
  return 0;
}

/* The number a /proc/self/fd entry names (digits only: cheaper than
 * atoi(), which goes through strtol()). */
static int
parse_fd_name (const char *name)
{
  int fd = 0;

  for (; *name >= '0' && *name <= '9'; name++)
    fd = fd * 10 + (*name - '0');
  return fd;
}

/* Reads the entries of a /proc directory with getdents64() into a
 * buffer on the stack: readdir() would allocate one and stat the
 * directory first, each time. */
typedef struct
{
  int fd;
  gboolean kept;   /* fd is kept_fd_dir, not to be closed */
  gsize pos;
  gssize len;
  gboolean at_end;
  /* getdents64() fills it with struct dirent64, which wants alignment */
  char buf[2048] __attribute__ ((aligned (__alignof__ (struct dirent64))));
} ProcDir;

/* The room the largest entry takes (a name of 255 bytes). */
#define PROC_DIR_ENTRY_MAX (offsetof (struct dirent64, d_name) + 256 + 8)

/* The process whose warm-up ran: the descriptors and directories below
 * are its own (a fork() child opens its own). And whether that warm-up
 * made GDBus's worker thread, which runs as long as a connection is open
 * (the warm-up's stay open): from then on the process has more than one
 * thread, and so its threads cannot change their user namespace (setns()
 * and unshare() refuse that with EINVAL); a fork() child has only one. */
static pid_t warm_up_pid;
static gboolean warm_up_threaded;

/* The two /proc directories that every snapshot reads, kept open
 * (opening and closing one costs as much as reading it): /proc/self/fd,
 * read again from its start, and the main thread's namespace directory
 * (the main thread's entry lives as long as the process does). */
static int kept_fd_dir = -1;
static int kept_ns_dir = -1;

static void
keep_proc_dirs (void)
{
  kept_fd_dir = open ("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (_spacetest_gettid () == warm_up_pid)
    kept_ns_dir = open ("/proc/thread-self/ns",
                        O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Whether @fd is one of the library's own, kept for the life of the
 * process: the test LAN's, the copies and the directories. */
static gboolean
is_kept_fd (int fd)
{
  return fd == kept_fd_dir || fd == kept_ns_dir || is_kept_copy (fd) ||
         _spacetest_lan_owns_fd (fd);
}

static gboolean
proc_dir_start (ProcDir  *dir,
                int       fd,
                gboolean  kept)
{
  dir->fd = fd;
  dir->kept = kept;
  dir->pos = 0;
  dir->len = 0;
  dir->at_end = FALSE;
  return fd >= 0;
}

static gboolean
proc_dir_open (ProcDir    *dir,
               const char *path)
{
  return proc_dir_start (dir, open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                         FALSE);
}

/* /proc/self/fd of the process @pid (the caller's): the kept one, read
 * again from its start, where this process kept one. */
static gboolean
proc_dir_open_fds (ProcDir *dir,
                   pid_t    pid)
{
  if (kept_fd_dir >= 0 && warm_up_pid == pid &&
      lseek (kept_fd_dir, 0, SEEK_SET) == 0)
    return proc_dir_start (dir, kept_fd_dir, TRUE);
  return proc_dir_open (dir, "/proc/self/fd");
}

/* The next name other than "." and "..", or NULL at the end. */
static const char *
proc_dir_next (ProcDir *dir)
{
  for (;;)
    {
      const struct dirent64 *entry;

      if (dir->pos >= (gsize) dir->len)
        {
          /* /proc fills the buffer as far as the next entry fits: with
           * room for the largest left over, the listing has ended, and
           * the call that would say so is saved */
          if (dir->at_end)
            return NULL;
          dir->len = getdents64 (dir->fd, dir->buf, sizeof dir->buf);
          dir->pos = 0;
          if (dir->len <= 0)
            return NULL;
          dir->at_end =
            (gsize) dir->len + PROC_DIR_ENTRY_MAX <= sizeof dir->buf;
        }

      entry = (const struct dirent64 *) (dir->buf + dir->pos);
      dir->pos += entry->d_reclen;
      if (entry->d_name[0] != '.')
        return entry->d_name;
    }
}

static void
proc_dir_close (ProcDir *dir)
{
  if (dir->kept)
    dir->fd = -1;
  else
    g_clear_fd (&dir->fd, NULL);
}

/* Identifies the file @fd refers to without asking its file system to
 * revalidate anything (no round trip to an NFS server or a FUSE daemon,
 * which may be the very thing the test stopped). */
static gboolean
identify_fd (int      fd,
             FdEntry *entry)
{
  struct statx stx;
  struct stat st;

  if (statx (fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC,
             STATX_TYPE | STATX_INO, &stx) == 0)
    {
      entry->mode = stx.stx_mode;
      entry->dev = makedev (stx.stx_dev_major, stx.stx_dev_minor);
      entry->ino = stx.stx_ino;
      return TRUE;
    }

  /* statx() refused by a sandbox's seccomp filter */
  if ((errno == ENOSYS || errno == EPERM) && fstat (fd, &st) == 0)
    {
      entry->mode = st.st_mode;
      entry->dev = st.st_dev;
      entry->ino = st.st_ino;
      return TRUE;
    }

  return FALSE;
}

/* Every open descriptor but the one that reads /proc/self/fd. One that
 * cannot be identified is left out: it was closed meanwhile. */
static void
snapshot_fds (Snapshot *snap,
              pid_t     pid)
{
  ProcDir dir;
  const char *name;

  if (!proc_dir_open_fds (&dir, pid))
    return;

  while ((name = proc_dir_next (&dir)) != NULL)
    {
      FdEntry fd = { .target = NO_TARGET, };

      fd.fd = parse_fd_name (name);
      if (fd.fd == dir.fd || is_kept_fd (fd.fd))
        continue;

      fd.kept = find_kept_file (fd.fd);
      if (fd.kept != 0)
        {
          g_array_append_val (snap->fds, fd);
          continue;
        }

      if (!identify_fd (fd.fd, &fd))
        continue;

      if ((fd.mode & S_IFMT) == 0)
        {
          char target[64];
          ssize_t len = readlinkat (dir.fd, name, target, sizeof target);

          if (len < 0)
            continue;
          fd.target = snap->targets->len;
          g_string_append_len (snap->targets, target, len);
          g_string_append_c (snap->targets, '\0');
        }

      g_array_append_val (snap->fds, fd);
    }

  proc_dir_close (&dir);
  /* /proc lists them in order already */
  for (guint i = 1; i < snap->fds->len; i++)
    if (g_array_index (snap->fds, FdEntry, i - 1).fd >
        g_array_index (snap->fds, FdEntry, i).fd)
      {
        qsort (snap->fds->data, snap->fds->len, sizeof (FdEntry),
               compare_fd_entries);
        break;
      }
}

/* Appends the pids listed in a /proc/.../children file (space-separated)
 * to @children. */
static void
read_children (int         dir_fd,
               const char *path,
               GArray     *children)
{
  char buf[512];
  pid_t pid = 0;
  gboolean in_pid = FALSE;
  ssize_t len;
  int fd = openat (dir_fd, path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return;

  /* A pid may be split between two reads. */
  while ((len = read (fd, buf, sizeof buf)) > 0 ||
         (len < 0 && errno == EINTR))
    for (ssize_t i = 0; i < len; i++)
      {
        if (g_ascii_isdigit (buf[i]))
          {
            pid = pid * 10 + (buf[i] - '0');
            in_pid = TRUE;
          }
        else if (in_pid)
          {
            g_array_append_val (children, pid);
            pid = 0;
            in_pid = FALSE;
          }
      }
  if (in_pid)
    g_array_append_val (children, pid);
  close (fd);
}

/* The children of every thread of the process, from
 * /proc/self/task/TID/children. Most tests leave none: waitid() says
 * so (ECHILD) in one call, without waiting for or reaping anything, and
 * then there is nothing to read. /proc/self/task has a link count of 2
 * plus the number of threads: in a single-threaded process that thread
 * is the caller, and there is no list of threads to read. */
static void
snapshot_children (Snapshot *snap,
                   pid_t     pid)
{
  siginfo_t info;
  struct statx stx;
  ProcDir tasks;
  const char *tid;

  if (waitid (P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 &&
      errno == ECHILD)
    return;

  if (statx (AT_FDCWD, "/proc/self/task", AT_STATX_DONT_SYNC, STATX_NLINK,
             &stx) == 0 &&
      (stx.stx_mask & STATX_NLINK) && stx.stx_nlink == 3 &&
      _spacetest_gettid () == pid)
    read_children (AT_FDCWD, "/proc/thread-self/children", snap->children);
  else if (proc_dir_open (&tasks, "/proc/self/task"))
    {
      while ((tid = proc_dir_next (&tasks)) != NULL)
        {
          char path[64];

          g_snprintf (path, sizeof path, "%s/children", tid);
          read_children (tasks.fd, path, snap->children);
        }
      proc_dir_close (&tasks);
    }

  if (snap->children->len > 1)
    qsort (snap->children->data, snap->children->len, sizeof (pid_t),
           compare_pids);
}

/* The targets of the calling thread's namespace links; not the user
 * namespace's where no thread of the process can change it. */
static void
snapshot_namespaces (Snapshot *snap,
                     pid_t     pid)
{
  gboolean threaded = warm_up_threaded && warm_up_pid == pid;
  gboolean kept = kept_ns_dir >= 0 && warm_up_pid == pid &&
                  _spacetest_gettid () == pid;
  int dir_fd = kept ? kept_ns_dir :
               open ("/proc/thread-self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);

  for (guint i = 0; i < G_N_ELEMENTS (ns_links); i++)
    {
      ssize_t len = -1;

      if (threaded && strcmp (ns_links[i], "user") == 0)
        len = 0;
      else if (dir_fd >= 0)
        len = readlinkat (dir_fd, ns_links[i], snap->ns_links[i],
                          NS_LINK_SIZE - 1);
      snap->ns_links[i][MAX (len, 0)] = '\0';
    }

  if (dir_fd >= 0 && !kept)
    close (dir_fd);
}

/* The descriptors first: only that snapshot's own directory fd, which it
 * leaves out, is open while it reads. */
static void
snapshot_take (Snapshot *snap,
               gboolean  namespaces)
{
  pid_t pid = getpid ();

  snap->fds = g_array_sized_new (FALSE, FALSE, sizeof (FdEntry), 32);
  snap->targets = g_string_sized_new (64);
  snap->children = g_array_new (FALSE, FALSE, sizeof (pid_t));

  snapshot_fds (snap, pid);
  snapshot_children (snap, pid);
  if (namespaces)
    snapshot_namespaces (snap, pid);
}

static void
snapshot_clear (Snapshot *snap)
{
  g_clear_pointer (&snap->fds, g_array_unref);
  if (snap->targets != NULL)
    g_string_free (g_steal_pointer (&snap->targets), TRUE);
  g_clear_pointer (&snap->children, g_array_unref);
}

/* Keeps a copy of each anonymous descriptor that @before does not list,
 * where the kernel answers F_DUPFD_QUERY (elsewhere a snapshot reads the
 * links, as it does for every other anonymous descriptor). */
static void
keep_copies_of_new_files (const Snapshot *before)
{
  Snapshot now = { 0, };
  guint b = 0;

  snapshot_take (&now, FALSE);
  for (guint i = 0; i < now.fds->len; i++)
    {
      const FdEntry *entry = &g_array_index (now.fds, FdEntry, i);
      int copy;

      /* both lists in ascending order */
      while (b < before->fds->len &&
             g_array_index (before->fds, FdEntry, b).fd < entry->fd)
        b++;
      if ((b < before->fds->len &&
           g_array_index (before->fds, FdEntry, b).fd == entry->fd) ||
          (entry->mode & S_IFMT) != 0 ||
          n_kept_files == G_N_ELEMENTS (kept_files))
        continue;

      copy = fcntl (entry->fd, F_DUPFD_CLOEXEC, 0);
      if (copy < 0)
        continue;
      if (fcntl (entry->fd, F_DUPFD_QUERY, copy) != 1)
        {
          close (copy);
          break;
        }
      kept_files[n_kept_files].fd = entry->fd;
      kept_files[n_kept_files].copy = copy;
      n_kept_files++;
    }
  snapshot_clear (&now);
}

/* What GLib makes on first use and keeps for the life of the process:
 * the global default main context, its own worker thread ("gmain", made
 * by the network monitor) and GDBus's, the default proxy resolver,
 * resolver and network monitor. Made inside a test, they would be
 * reported as its leaks, and their threads would stay in its
 * namespaces: they are made here, in the process's own, once. */
static void
warm_up_glib (void)
{
  static gsize warmed_up = 0;

  if (g_once_init_enter (&warmed_up))
    {
      g_autoptr(GResolver) resolver = NULL;
      Snapshot before = { 0, };

      snapshot_take (&before, FALSE);

      g_main_context_default ();
      g_proxy_resolver_get_default ();
      resolver = g_resolver_get_default ();
      g_network_monitor_get_default ();
      warm_up_gdbus ();
      keep_copies_of_new_files (&before);
      snapshot_clear (&before);
      warm_up_pid = getpid ();
      warm_up_threaded = warm_up_connections[0] != NULL &&
                         warm_up_connections[1] != NULL;
      keep_proc_dirs ();
      g_once_init_leave (&warmed_up, 1);
    }
}

static gboolean
same_file (const Snapshot *before,
           const FdEntry  *then,
           const Snapshot *after,
           const FdEntry  *now)
{
  if (then->kept != 0 || now->kept != 0)
    return then->kept == now->kept;
  if (then->dev != now->dev || then->ino != now->ino)
    return FALSE;
  if (then->target == NO_TARGET || now->target == NO_TARGET)
    return then->target == now->target;
  return strcmp (before->targets->str + then->target,
                 after->targets->str + now->target) == 0;
}

/* What a descriptor refers to, for the report (the path of a file; what
 * "pipe:[123]" or "anon_inode:[eventfd]" say for others). */
static char *
describe_fd (int fd)
{
  char path[64];
  char *target;

  g_snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  target = g_file_read_link (path, NULL);
  if (target == NULL)
    return g_strdup ("?");

  /* what GLib singletons made on first use hold: say how to make them
   * before the tests */
  if (strcmp (target, "anon_inode:[eventfd]") == 0)
    {
      char *hinted =
        g_strdup_printf (_("%s (a main context's wakeup: if a GLib object "
                           "made on first use holds it, make that object "
                           "before g_test_run ())"), target);

      g_free (target);
      return hinted;
    }
  return target;
}

static char *
describe_process (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL) || len == 0)
    {
      g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
      g_autofree char *stat = NULL;

      if (g_file_get_contents (stat_path, &stat, NULL, NULL))
        {
          char *open = strchr (stat, '('), *close = strrchr (stat, ')');
          gboolean zombie = close != NULL && close[1] == ' ' && close[2] == 'Z';

          if (open != NULL && close != NULL && close > open)
            return g_strdup_printf ("[%.*s]%s", (int) (close - open - 1),
                                    open + 1, zombie ? _(" (zombie)") : "");
        }
      return g_strdup ("?");
    }

  for (gsize i = 0; i + 1 < len; i++)
    if (contents[i] == '\0')
      contents[i] = ' ';

  return g_steal_pointer (&contents);
}

/* Adds one finding to a leak report. The report stays on one line: a
 * test's output is TAP, where a continuation line is not valid. */
static void G_GNUC_PRINTF (2, 3)
report_item (GString    *report,
             const char *format,
             ...)
{
  va_list args;

  if (report->len > 0)
    g_string_append (report, "; ");
  va_start (args, format);
  g_string_append_vprintf (report, format, args);
  va_end (args);
}

/* Adds the descriptors of @after that @before did not have, or had on
 * another file. Both lists are in ascending order. */
static void
report_fds (GString        *report,
            const Snapshot *before,
            const Snapshot *after)
{
  guint b = 0;

  for (guint a = 0; a < after->fds->len; a++)
    {
      const FdEntry *now = &g_array_index (after->fds, FdEntry, a);
      const FdEntry *then = NULL;

      while (b < before->fds->len &&
             g_array_index (before->fds, FdEntry, b).fd < now->fd)
        b++;
      if (b < before->fds->len &&
          g_array_index (before->fds, FdEntry, b).fd == now->fd)
        then = &g_array_index (before->fds, FdEntry, b);

      if (then == NULL || !same_file (before, then, after, now))
        {
          g_autofree char *target = describe_fd (now->fd);

          report_item (report, _("file descriptor %d -> %s"), now->fd,
                       target);
        }
    }
}

/* Adds the children of @after that @before did not have, with their
 * command lines. Both lists are in ascending order. */
static void
report_children (GString        *report,
                 const Snapshot *before,
                 const Snapshot *after)
{
  guint b = 0;

  for (guint a = 0; a < after->children->len; a++)
    {
      pid_t pid = g_array_index (after->children, pid_t, a);

      while (b < before->children->len &&
             g_array_index (before->children, pid_t, b) < pid)
        b++;
      if (b < before->children->len &&
          g_array_index (before->children, pid_t, b) == pid)
        continue;

      {
        g_autofree char *cmd = describe_process (pid);

        report_item (report, _("child process %d: %s"), (int) pid, cmd);
      }
    }
}

static void
leak_check_run (gpointer user_data)
{
  LeakCheck *check = user_data;
  gboolean same_thread = _spacetest_gettid () == check->tid;
  g_autoptr(GString) report = g_string_new (NULL);
  Snapshot after = { 0, };

  snapshot_take (&after, same_thread);
  report_fds (report, &check->before, &after);
  report_children (report, &check->before, &after);

  if (same_thread)
    for (guint i = 0; i < G_N_ELEMENTS (ns_links); i++)
      {
        const char *then = check->before.ns_links[i];
        const char *now = after.ns_links[i];

        if (strcmp (now, then) != 0)
          report_item (report,
                       _("the test's thread is in %s, not in %s where it "
                         "started"),
                       *now != '\0' ? now : "?",
                       *then != '\0' ? then : "?");
      }

  if (report->len > 0)
    {
      g_autofree char *msg =
        g_strdup_printf (_("leak check: the test left behind: %s"),
                         report->str);

      g_assertion_message (G_LOG_DOMAIN, check->file, check->line,
                           check->func, tap_line (msg));
    }

  snapshot_clear (&after);
  snapshot_clear (&check->before);
  g_free (check->file);
  g_free (check->func);
  g_free (check);
}

void
_spacetest_test_check_leaks (const char *file,
                             int         line,
                             const char *func)
{
  LeakCheck *check = g_new0 (LeakCheck, 1);

  check->file = g_strdup (file);
  check->line = line;
  check->func = g_strdup (func);
  check->tid = _spacetest_gettid ();
  warm_up_glib ();
  snapshot_take (&check->before, TRUE);

  g_test_queue_destroy (leak_check_run, check);
}

/* ---- test networks ---------------------------------------------------- */

SpacetestLink *
_spacetest_test_new_veth (const char          *file,
                          int                  line,
                          const char          *func,
                          SpacetestNamespace  *netns,
                          SpacetestNamespace  *peer_netns,
                          SpacetestLink      **peer)
{
  g_autoptr(GError) error = NULL;
  SpacetestLink *other = NULL;
  SpacetestLink *link;

  if (peer != NULL)
    *peer = NULL;

  link = spacetest_link_new_veth (netns, NULL, peer_netns, NULL,
                                  peer != NULL ? &other : NULL, &error);
  if (link == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_new_veth", error);
      return NULL;
    }

  g_test_queue_unref (link);
  if (peer != NULL)
    {
      g_test_queue_unref (other);
      *peer = other;
    }
  return link;
}
