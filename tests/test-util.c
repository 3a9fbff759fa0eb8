/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-util.c: helpers shared by the C test programs */

#include "test-util.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include <arpa/inet.h>
#include <stdio.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

guint64
tu_thread_ns_inode (SpacetestNamespaceType type)
{
  g_autofree char *path =
    g_strdup_printf ("/proc/thread-self/ns/%s",
                     spacetest_namespace_type_to_string (type));
  struct stat st;

  g_assert_no_errno (stat (path, &st));
  return st.st_ino;
}

SpacetestNamespace *
tu_current (SpacetestNamespaceType type)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ns = spacetest_namespace_new_current (type, &error);

  g_assert_no_error (error);
  return ns;
}

guint
tu_count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  /* not counting the directory's own descriptor */
  return n - 1;
}

void
tu_leak_check_now (void)
{
#ifdef __SANITIZE_ADDRESS__
  __lsan_do_leak_check ();
#endif
}

void
tu_drop_capabilities (void)
{
  tu_drop_capabilities_except (-1);
}

void
tu_drop_capabilities_except (int keep)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { { 0, } };

  tu_leak_check_now ();

  if (keep >= 0)
    {
      caps[keep / 32].effective = caps[keep / 32].permitted = 1u << (keep % 32);
    }
  g_assert_no_errno ((int) syscall (SYS_capset, &header, caps));
}

void
tu_forbid_unshare (void)
{
  struct sock_filter filter[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 3, 0),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 1, 0),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* as container runtimes do: glibc then falls back to clone() */
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
  };
  struct sock_fprog prog = { G_N_ELEMENTS (filter), filter };

  g_assert_no_errno (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  g_assert_no_errno ((int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                    SECCOMP_FILTER_FLAG_TSYNC, &prog));
}

static GThread *extra_thread;
static GMutex extra_lock;
static GCond extra_cond;
static gboolean extra_quit;

static gpointer
extra_thread_func (gpointer data)
{
  g_mutex_lock (&extra_lock);
  while (!extra_quit)
    g_cond_wait (&extra_cond, &extra_lock);
  g_mutex_unlock (&extra_lock);
  return NULL;
}

void
tu_start_extra_thread (void)
{
  g_assert_null (extra_thread);
  extra_quit = FALSE;
  extra_thread = g_thread_new ("tu-extra", extra_thread_func, NULL);
}

void
tu_stop_extra_thread (void)
{
  g_mutex_lock (&extra_lock);
  extra_quit = TRUE;
  g_cond_signal (&extra_cond);
  g_mutex_unlock (&extra_lock);
  g_thread_join (g_steal_pointer (&extra_thread));
}

char *
tu_hostname (void)
{
  struct utsname uts;

  g_assert_no_errno (uname (&uts));
  return g_strdup (uts.nodename);
}

int
tu_listen_loopback (guint16 port)
{
  struct sockaddr_in addr = { 0, };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;

  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_family = AF_INET;
  addr.sin_port = htons (port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      listen (fd, 1) != 0)
    {
      int errsv = errno;
      close (fd);
      errno = errsv;
      return -1;
    }

  return fd;
}

/* ---- added for execute.c and isolation.c ---------------------------- */

#include <stdlib.h>

const SpacetestNamespaceType tu_all_types[TU_N_TYPES] = {
  SPACETEST_NAMESPACE_TYPE_CGROUP,
  SPACETEST_NAMESPACE_TYPE_IPC,
  SPACETEST_NAMESPACE_TYPE_MNT,
  SPACETEST_NAMESPACE_TYPE_NET,
  SPACETEST_NAMESPACE_TYPE_PID,
  SPACETEST_NAMESPACE_TYPE_TIME,
  SPACETEST_NAMESPACE_TYPE_USER,
  SPACETEST_NAMESPACE_TYPE_UTS,
};

int
tu_type_index (SpacetestNamespaceType type)
{
  for (int i = 0; i < TU_N_TYPES; i++)
    if (tu_all_types[i] == type)
      return i;
  return -1;
}

pid_t
tu_gettid (void)
{
  return (pid_t) syscall (SYS_gettid);
}

guint
tu_count_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

GHashTable *
tu_thread_ids (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  GHashTable *ids = g_hash_table_new (g_direct_hash, g_direct_equal);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_hash_table_add (ids, GINT_TO_POINTER (atoi (name)));
  return ids;
}

/* The threads of the process that are not in @before. */
static GArray *
new_thread_ids (GHashTable *before)
{
  g_autoptr(GHashTable) now = tu_thread_ids ();
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int));
  GHashTableIter iter;
  gpointer tid;

  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &tid, NULL))
    if (!g_hash_table_contains (before, tid))
      {
        int id = GPOINTER_TO_INT (tid);

        g_array_append_val (ids, id);
      }
  return ids;
}

guint
tu_count_new_threads_in (GHashTable             *before,
                         SpacetestNamespaceType  type,
                         guint64                 inode)
{
  g_autoptr(GArray) ids = new_thread_ids (before);
  guint n = 0;

  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/proc/self/task/%d/ns/%s",
                         g_array_index (ids, int, i),
                         spacetest_namespace_type_to_string (type));
      struct stat st;

      /* (a thread that just ended has no entry any more) */
      if (stat (path, &st) == 0 && st.st_ino == inode)
        n++;
    }
  return n;
}

guint
tu_wait_new_threads_gone (GHashTable *before,
                          guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autoptr(GArray) ids = new_thread_ids (before);

      if (ids->len == 0 || g_get_monotonic_time () >= deadline)
        return ids->len;
      g_usleep (1000);
    }
}

void
tu_thread_state_get (TuThreadState *state)
{
  struct stat st;

  for (int i = 0; i < TU_N_TYPES; i++)
    state->inodes[i] = tu_thread_ns_inode (tu_all_types[i]);
  state->n_fds = tu_count_fds ();
  g_assert_no_errno (stat (".", &st));
  state->cwd_dev = st.st_dev;
  state->cwd_ino = st.st_ino;
}

void
tu_thread_state_assert_unchanged_at (const TuThreadState *before,
                                     const char          *file,
                                     int                  line,
                                     const char          *func)
{
  TuThreadState now;
  g_autoptr(GString) report = g_string_new (NULL);

  tu_thread_state_get (&now);

  for (int i = 0; i < TU_N_TYPES; i++)
    if (now.inodes[i] != before->inodes[i])
      g_string_append_printf (report, " %s namespace %" G_GUINT64_FORMAT
                              " instead of %" G_GUINT64_FORMAT ";",
                              spacetest_namespace_type_to_string (tu_all_types[i]),
                              now.inodes[i], before->inodes[i]);

  if (now.cwd_dev != before->cwd_dev || now.cwd_ino != before->cwd_ino)
    g_string_append_printf (report, " another working directory;");

  if (now.n_fds != before->n_fds)
    g_string_append_printf (report, " %u open fds instead of %u;",
                            now.n_fds, before->n_fds);

  if (report->len > 0)
    {
      g_autofree char *msg =
        g_strdup_printf ("thread %d changed:%s", (int) tu_gettid (),
                         report->str);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
    }
}

gboolean
tu_lo_is_up (void)
{
  struct ifreq ifr = { 0, };
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (sock, >=, 0);
  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  g_assert_no_errno (ioctl (sock, SIOCGIFFLAGS, &ifr));
  close (sock);
  return (ifr.ifr_flags & IFF_UP) != 0;
}

gboolean
tu_uid_is_mapped (uid_t uid)
{
  g_autofree char *map = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/uid_map", &map, NULL, NULL));
  lines = g_strsplit (map, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 inside, outside, count;

      if (sscanf (lines[i], "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                  " %" G_GUINT64_FORMAT, &inside, &outside, &count) == 3 &&
          uid >= inside && uid - inside < count)
        return TRUE;
    }
  return FALSE;
}

static int
compare_ints (gconstpointer a,
              gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* The open descriptor numbers, ascending. */
static GArray *
open_fds (void)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) listed = g_array_new (FALSE, FALSE, sizeof (int));
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      int fd = atoi (name);
      g_array_append_val (listed, fd);
    }
  g_dir_close (dir);

  /* not the directory's own descriptor, closed by now */
  for (guint i = 0; i < listed->len; i++)
    if (fcntl (g_array_index (listed, int, i), F_GETFD) >= 0)
      g_array_append_val (fds, g_array_index (listed, int, i));
  g_array_sort (fds, compare_ints);
  return fds;
}

void
tu_limit_free_fds (guint          n_free,
                   struct rlimit *saved)
{
  g_autoptr(GArray) fds = open_fds ();
  struct rlimit limit;
  guint used_below = 0, k = 0;
  rlim_t n = 0;

  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, saved));

  /* the smallest limit with exactly @n_free unused numbers below it */
  for (n = 0; n - used_below < n_free; n++)
    if (k < fds->len && (rlim_t) g_array_index (fds, int, k) == n)
      {
        used_below++;
        k++;
      }
  /* numbers in use right at the limit do not count either */
  while (k < fds->len && (rlim_t) g_array_index (fds, int, k) == n)
    {
      n++;
      k++;
    }

  g_assert_cmpuint (n, <=, saved->rlim_max);
  limit.rlim_cur = n;
  limit.rlim_max = saved->rlim_max;
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &limit));
}

void
tu_restore_fd_limit (const struct rlimit *saved)
{
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, saved));
}

GHashTable *
tu_fd_identities (void)
{
  GHashTable *ids = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                           NULL, g_free);
  g_autoptr(GArray) fds = open_fds ();

  for (guint i = 0; i < fds->len; i++)
    {
      int fd = g_array_index (fds, int, i);
      struct stat st;

      g_assert_no_errno (fstat (fd, &st));
      g_hash_table_insert (ids, GINT_TO_POINTER (fd),
                           g_strdup_printf ("%" G_GUINT64_FORMAT ":%"
                                            G_GUINT64_FORMAT,
                                            (guint64) st.st_dev,
                                            (guint64) st.st_ino));
    }
  return ids;
}

void
tu_fds_assert_unchanged_at (GHashTable *before,
                            const char *file,
                            int         line,
                            const char *func)
{
  g_autoptr(GHashTable) now = tu_fd_identities ();
  g_autoptr(GString) diff = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *after = g_hash_table_lookup (now, key);

      if (after == NULL)
        g_string_append_printf (diff, " fd %d was closed;",
                                GPOINTER_TO_INT (key));
      else if (strcmp (after, value) != 0)
        g_string_append_printf (diff, " fd %d now refers to %s, not %s;",
                                GPOINTER_TO_INT (key), after,
                                (const char *) value);
    }
  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (before, key))
      g_string_append_printf (diff, " fd %d (%s) is new;",
                              GPOINTER_TO_INT (key), (const char *) value);

  if (diff->len > 0)
    {
      g_autofree char *msg = g_strdup_printf ("descriptors changed:%s",
                                              diff->str);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
    }
}

/* ---- added for tests that run build-tree files as another user ------ */

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

/* What the child of tu_uid_can_reach() found. */
typedef struct
{
  int step;             /* one of the REACH_ values */
  int index;            /* REACH_ACCESS: the first prefix it could not pass */
  int err;              /* errno */
} ReachReport;

enum
{
  REACH_OK,
  REACH_SETGID,
  REACH_SETUID,
  REACH_CAPSET,
  REACH_ACCESS,
};

/* The child of tu_uid_can_reach(): only async-signal-safe calls, and the
 * raw system calls that change the credentials of the calling thread (it
 * is the only one) without glibc's signalling of the parent's threads. */
static void G_GNUC_NORETURN
reach_child (int                report_fd,
             uid_t              uid,
             gid_t              gid,
             char * const      *prefixes,
             int                n_prefixes)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { { 0, } };
  ReachReport report = { REACH_OK, -1, 0 };

  /* Refused where setgroups is denied (a user namespace): then the
   * target process keeps its groups too. */
  (void) syscall (SYS_setgroups, 0, NULL);

  if (syscall (SYS_setresgid, gid, gid, gid) != 0)
    report.step = REACH_SETGID;
  else if (syscall (SYS_setresuid, uid, uid, uid) != 0)
    report.step = REACH_SETUID;
  /* Empty the permitted set too: access() checks a real uid 0 with the
   * permitted capabilities. */
  else if (syscall (SYS_capset, &header, caps) != 0)
    report.step = REACH_CAPSET;
  else
    for (int i = 0; i < n_prefixes; i++)
      if (access (prefixes[i], X_OK) != 0)
        {
          report.step = REACH_ACCESS;
          report.index = i;
          break;
        }
  report.err = report.step == REACH_OK ? 0 : errno;

  if (write (report_fd, &report, sizeof report) != sizeof report)
    _exit (1);
  _exit (0);
}

gboolean
tu_uid_can_reach (uid_t        uid,
                  gid_t        gid,
                  const char  *path,
                  char       **why)
{
  g_autofree char *abs_path = g_canonicalize_filename (path, NULL);
  g_autoptr(GPtrArray) prefixes = g_ptr_array_new_with_free_func (g_free);
  ReachReport report = { 0, };
  gsize got = 0;
  int fds[2];
  int status;
  pid_t pid;

  /* "/", then every directory on the way, then @path itself */
  g_ptr_array_add (prefixes, g_strdup ("/"));
  for (const char *p = strchr (abs_path + 1, '/'); p != NULL;
       p = strchr (p + 1, '/'))
    g_ptr_array_add (prefixes, g_strndup (abs_path, p - abs_path));
  if (strcmp (abs_path, "/") != 0)
    g_ptr_array_add (prefixes, g_strdup (abs_path));

  g_assert_no_errno (pipe2 (fds, O_CLOEXEC));
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      reach_child (fds[1], uid, gid, (char * const *) prefixes->pdata,
                   (int) prefixes->len);
    }
  g_assert_no_errno (close (fds[1]));

  while (got < sizeof report)
    {
      gssize n = read (fds[0], (char *) &report + got, sizeof report - got);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_no_errno (close (fds[0]));
  while (waitpid (pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  if (report.step == REACH_OK)
    return TRUE;
  if (why == NULL)
    return FALSE;

  switch (report.step)
    {
    case REACH_SETGID:
    case REACH_SETUID:
    case REACH_CAPSET:
      *why = g_strdup_printf ("cannot tell whether uid %u can reach %s: "
                              "cannot become uid %u (gid %u) without "
                              "capabilities: %s", (guint) uid, abs_path,
                              (guint) uid, (guint) gid,
                              g_strerror (report.err));
      break;
    case REACH_ACCESS:
      g_assert_cmpint (report.index, >=, 0);
      g_assert_cmpint (report.index, <, (int) prefixes->len);
      if ((guint) report.index == prefixes->len - 1)
        *why = g_strdup_printf ("uid %u (gid %u, no capabilities) cannot "
                                "execute %s: %s", (guint) uid, (guint) gid,
                                abs_path, g_strerror (report.err));
      else
        *why = g_strdup_printf ("uid %u (gid %u, no capabilities) cannot "
                                "reach %s: the directory %s on the way is "
                                "closed to it (%s; a checkout in a "
                                "directory only its owner can enter?)",
                                (guint) uid, (guint) gid, abs_path,
                                (const char *) prefixes->pdata[report.index],
                                g_strerror (report.err));
      break;
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

char *
tu_copy_program (const char *path,
                 const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *name = g_path_get_basename (path);
  char *copy = g_build_filename (dir, name, NULL);
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  /* readable and executable by all, writable by the owner only */
  g_file_set_contents_full (copy, contents, len, G_FILE_SET_CONTENTS_NONE,
                            0700, &error);
  g_assert_no_error (error);
  g_assert_no_errno (chmod (copy, 0755));
  return copy;
}

char *
tu_reachable_path (uid_t        uid,
                   gid_t        gid,
                   const char  *path,
                   char       **copy_dir,
                   char       **why)
{
  const char *bases[] = { g_get_tmp_dir (), "/tmp", "/var/tmp" };
  g_autofree char *why_path = NULL;
  g_autoptr(GString) why_copies = g_string_new (NULL);

  g_assert_nonnull (copy_dir);
  *copy_dir = NULL;
  if (tu_uid_can_reach (uid, gid, path, &why_path))
    return g_strdup (path);

  for (gsize i = 0; i < G_N_ELEMENTS (bases); i++)
    {
      g_autofree char *dir = NULL;
      g_autofree char *copy = NULL;
      g_autofree char *why_copy = NULL;
      gboolean seen = FALSE;

      for (gsize j = 0; j < i; j++)
        seen = seen || g_str_equal (bases[i], bases[j]);
      if (seen)
        continue;

      dir = g_build_filename (bases[i], "spacetest-copy-XXXXXX", NULL);
      if (g_mkdtemp_full (dir, 0700) == NULL)
        {
          g_string_append_printf (why_copies, "; cannot make a directory in "
                                  "%s: %s", bases[i], g_strerror (errno));
          continue;
        }

      copy = tu_copy_program (path, dir);
      g_assert_no_errno (chmod (dir, 0755));

      if (tu_uid_can_reach (uid, gid, copy, &why_copy))
        {
          if (why != NULL)
            *why = g_steal_pointer (&why_path);
          *copy_dir = g_steal_pointer (&dir);
          return g_steal_pointer (&copy);
        }
      g_string_append_printf (why_copies, "; nor a copy: %s", why_copy);
      tu_remove_copy_dir (dir);
    }

  if (why != NULL)
    *why = g_strconcat (why_path, why_copies->str, NULL);
  return NULL;
}

void
tu_remove_copy_dir (const char *copy_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (copy_dir, 0, &error);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (copy_dir, name, NULL);

      g_assert_no_errno (unlink (path));
    }
  g_assert_no_errno (rmdir (copy_dir));
}

/* Set to the test path in the environment of a tu_self_run() child. */
#define SELF_RUN_ENV "SPACETEST_TEST_SELF_RUN"

void
tu_self_run (TuSelfRun            *run,
             const char * const   *env,
             GSpawnChildSetupFunc  child_setup)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", &error);
  g_auto(GStrv) envp = g_get_environ ();
  const char *test_path = g_test_get_path ();
  const char *argv[] = { NULL, "--tap", "--keep-going", "-p", NULL, NULL };

  g_assert_no_error (error);
  g_assert_nonnull (test_path);
  argv[0] = exe;
  argv[4] = test_path;

  envp = g_environ_unsetenv (envp, "SPACETEST_REQUIRE");
  envp = g_environ_setenv (envp, SELF_RUN_ENV, test_path, TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');

      if (eq != NULL)
        {
          g_autofree char *name = g_strndup (env[i], eq - env[i]);
          envp = g_environ_setenv (envp, name, eq + 1, TRUE);
        }
      else
        envp = g_environ_unsetenv (envp, env[i]);
    }

  memset (run, 0, sizeof *run);
  g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, child_setup,
                NULL, &run->out, &run->err, &run->wait_status, &error);
  g_assert_no_error (error);
  g_test_message ("%s: wait status 0x%x\nstdout:\n%s\nstderr:\n%s", test_path,
                  (guint) run->wait_status, run->out, run->err);
}

void
tu_self_run_clear (TuSelfRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

int
tu_self_run_exit_code (const TuSelfRun *run)
{
  g_assert_true (WIFEXITED (run->wait_status));
  return WEXITSTATUS (run->wait_status);
}

gboolean
tu_is_self_run_of (const char *test_path)
{
  return g_strcmp0 (g_getenv (SELF_RUN_ENV), test_path) == 0;
}

gboolean
tu_test_subprocess (void)
{
  return g_test_subprocess () || tu_is_self_run_of (g_test_get_path ());
}

char
tu_process_state (pid_t  pid,
                  pid_t *ppid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *close;
  char state = 0;
  int parent = 0;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  close = strrchr (stat, ')');
  g_assert_nonnull (close);
  g_assert_cmpint (sscanf (close + 1, " %c %d", &state, &parent), ==, 2);
  if (ppid != NULL)
    *ppid = parent;
  return state;
}

gboolean
tu_process_gone (pid_t pid)
{
  return tu_process_state (pid, NULL) == 0;
}

gboolean
tu_is_our_child (pid_t pid)
{
  pid_t ppid = 0;
  char state = tu_process_state (pid, &ppid);

  return state != 0 && ppid == getpid ();
}

guint
tu_count_proc_fds (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

int
tu_pidfd_open (pid_t pid)
{
  return (int) syscall (SYS_pidfd_open, pid, 0);
}

void
tu_trap_expect_pass (const char *what)
{
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s: the child failed: %s", g_test_get_path (), what);
}

char **
tu_keep_going (int     *argc,
               char  ***argv)
{
  char **args = g_new0 (char *, *argc + 2);

  args[0] = (*argv)[0];
  args[1] = (char *) "--keep-going";
  memcpy (args + 2, *argv + 1, sizeof (char *) * (*argc - 1));
  (*argc)++;
  *argv = args;
  return args;
}

