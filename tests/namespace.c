/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* namespace.c: SpacetestNamespace — references, identity, transient
 * namespaces, owners and parents */

#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const SpacetestNamespaceType all_types[] = {
  SPACETEST_NAMESPACE_TYPE_CGROUP, SPACETEST_NAMESPACE_TYPE_IPC,
  SPACETEST_NAMESPACE_TYPE_MNT, SPACETEST_NAMESPACE_TYPE_NET,
  SPACETEST_NAMESPACE_TYPE_PID, SPACETEST_NAMESPACE_TYPE_TIME,
  SPACETEST_NAMESPACE_TYPE_USER, SPACETEST_NAMESPACE_TYPE_UTS,
};

static const char * const all_names[] = {
  "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts",
};

static void
test_type_strings (void)
{
  spacetest_test_check_leaks ();

  for (gsize i = 0; i < G_N_ELEMENTS (all_types); i++)
    {
      g_assert_cmpstr (spacetest_namespace_type_to_string (all_types[i]), ==,
                       all_names[i]);
      g_assert_cmpuint (spacetest_namespace_type_from_string (all_names[i]), ==,
                        all_types[i]);
    }

  g_assert_null (spacetest_namespace_type_to_string (SPACETEST_NAMESPACE_TYPE_NONE));
  g_assert_null (spacetest_namespace_type_to_string (SPACETEST_NAMESPACE_TYPE_NET |
                                                     SPACETEST_NAMESPACE_TYPE_UTS));
  g_assert_null (spacetest_namespace_type_to_string (0x1));
  g_assert_cmpuint (spacetest_namespace_type_from_string ("network"), ==,
                    SPACETEST_NAMESPACE_TYPE_NONE);
  g_assert_cmpuint (spacetest_namespace_type_from_string (""), ==,
                    SPACETEST_NAMESPACE_TYPE_NONE);
  g_assert_cmpuint (spacetest_namespace_type_from_string (NULL), ==,
                    SPACETEST_NAMESPACE_TYPE_NONE);

  /* The GTypes are registered and know the kernel's values. */
  g_autoptr(GFlagsClass) klass = g_type_class_ref (SPACETEST_TYPE_NAMESPACE_TYPE);
  g_assert_cmpuint (g_flags_get_first_value (klass, 0x40000000)->value, ==,
                    SPACETEST_NAMESPACE_TYPE_NET);
  g_assert_true (G_TYPE_IS_ENUM (SPACETEST_TYPE_ERROR));
  g_assert_true (G_TYPE_IS_FLAGS (SPACETEST_TYPE_TRANSIENT_FLAGS));
  g_assert_cmpstr (g_quark_to_string (SPACETEST_ERROR), ==,
                   "spacetest-error-quark");
}

static void
test_current (void)
{
  spacetest_test_check_leaks ();

  for (gsize i = 0; i < G_N_ELEMENTS (all_types); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestNamespace) ns =
        spacetest_namespace_new_current (all_types[i], &error);
      int flags;

      g_assert_no_error (error);
      g_assert_true (SPACETEST_IS_NAMESPACE (ns));
      g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==,
                        all_types[i]);
      g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==,
                        tu_thread_ns_inode (all_types[i]));
      g_assert_true (spacetest_namespace_is_current (ns));
      g_assert_null (spacetest_namespace_get_root_path (ns));

      flags = fcntl (spacetest_namespace_get_fd (ns), F_GETFD);
      g_assert_cmpint (flags, >=, 0);
      g_assert_true (flags & FD_CLOEXEC);
    }
}

static void
test_current_bad_type (void)
{
  const SpacetestNamespaceType bad[] = {
    SPACETEST_NAMESPACE_TYPE_NONE,
    SPACETEST_NAMESPACE_TYPE_NET | SPACETEST_NAMESPACE_TYPE_UTS,
    0x1,
  };
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestNamespace) ns =
        spacetest_namespace_new_current (bad[i], &error);

      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "exactly one"));
      g_assert_null (ns);
    }

  tu_assert_thread_state_unchanged (&before);
}

static void
test_for_fd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;
  SpacetestNamespace *current;
  int fd;

  spacetest_test_check_leaks ();
  current = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_NET);

  fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  ns = spacetest_namespace_new_for_fd (fd, &error);
  g_assert_no_error (error);

  /* The object holds a duplicate: the caller's fd stays the caller's. */
  g_assert_cmpint (spacetest_namespace_get_fd (ns), !=, fd);
  g_assert_no_errno (close (fd));
  g_assert_true (spacetest_namespace_equal (ns, current));
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==,
                    SPACETEST_NAMESPACE_TYPE_NET);
  g_assert_cmpint (fcntl (spacetest_namespace_get_fd (ns), F_GETFD), >=, 0);
}

static void
test_for_fd_bad (void)
{
  TuThreadState before;
  int pipe_fds[2];
  int null_fd;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_fd (-1, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  }

  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_assert_no_errno (pipe2 (pipe_fds, O_CLOEXEC));
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_fd (null_fd, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_fd (pipe_fds[0], &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
  }
  close (null_fd);
  close (pipe_fds[0]);
  close (pipe_fds[1]);

  /* A closed descriptor number: EBADF from the kernel. */
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_fd (null_fd, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
    g_assert_nonnull (strstr (error->message, g_strerror (EBADF)));
  }

  tu_assert_thread_state_unchanged (&before);
}

/* Messages about a descriptor name the caller's number, not that of the
 * library's own copy (a regression); an O_PATH namespace descriptor is
 * refused with its own reason, a non-namespace O_PATH one as usual. */
static void
test_for_fd_names_callers_fd (void)
{
  g_autoptr(GHashTable) fds = NULL;
  g_autofree char *shown = NULL;
  TuThreadState before;
  int ns_path_fd, null_path_fd, null_fd;

  spacetest_test_check_leaks ();

  /* high numbers, far from the lowest free one a copy would get */
  ns_path_fd = open ("/proc/thread-self/ns/net", O_PATH | O_CLOEXEC);
  g_assert_cmpint (ns_path_fd, >=, 0);
  g_assert_cmpint (dup3 (ns_path_fd, 90, O_CLOEXEC), ==, 90);
  g_assert_no_errno (close (ns_path_fd));
  null_path_fd = open ("/dev/null", O_PATH | O_CLOEXEC);
  g_assert_cmpint (dup3 (null_path_fd, 91, O_CLOEXEC), ==, 91);
  g_assert_no_errno (close (null_path_fd));
  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (dup3 (null_fd, 92, O_CLOEXEC), ==, 92);
  g_assert_no_errno (close (null_fd));

  fds = tu_fd_identities ();
  tu_thread_state_get (&before);

  for (int fd = 90; fd <= 92; fd++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (spacetest_namespace_new_for_fd (fd, &error));
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
      g_test_message ("fd %d: %s", fd, error->message);
      shown = g_strdup_printf ("File descriptor %d ", fd);
      g_assert_true (g_str_has_prefix (error->message, shown));
      g_clear_pointer (&shown, g_free);
      if (fd == 90)
        g_assert_nonnull (strstr (error->message, "O_PATH"));
      else
        g_assert_null (strstr (error->message, "O_PATH"));

      /* the same without an error location */
      g_assert_null (spacetest_namespace_new_for_fd (fd, NULL));
    }

  tu_assert_fds_unchanged (fds);
  tu_assert_thread_state_unchanged (&before);
  for (int fd = 90; fd <= 92; fd++)
    g_assert_no_errno (close (fd));
}

static void
test_for_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;

  spacetest_test_check_leaks ();

  ns = spacetest_namespace_new_for_path ("/proc/thread-self/ns/uts", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==,
                    SPACETEST_NAMESPACE_TYPE_UTS);
  g_assert_true (spacetest_namespace_equal (ns,
                                            spacetest_test_current (SPACETEST_NAMESPACE_TYPE_UTS)));
}

static void
test_for_path_bad (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *fifo = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_path ("/nonexistent/ns/net", &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
    /* the OS reason is in the message */
    g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
    g_assert_nonnull (strstr (error->message, "/nonexistent/ns/net"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_path ("/proc/self/status", &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_path ("/", &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
  }

  /* A FIFO is refused without blocking on it. */
  dir = g_dir_make_tmp ("spacetest-XXXXXX", NULL);
  g_assert_nonnull (dir);
  fifo = g_build_filename (dir, "fifo", NULL);
  g_assert_no_errno (mkfifo (fifo, 0600));
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_path (fifo, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
  }
  g_assert_no_errno (unlink (fifo));
  g_assert_no_errno (rmdir (dir));

  tu_assert_thread_state_unchanged (&before);
}

static void
test_for_pid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;
  g_autofree char *path = NULL;
  struct stat st;

  spacetest_test_check_leaks ();

  ns = spacetest_namespace_new_for_pid (getpid (), SPACETEST_NAMESPACE_TYPE_IPC,
                                        &error);
  g_assert_no_error (error);
  path = g_strdup_printf ("/proc/%d/ns/ipc", (int) getpid ());
  g_assert_no_errno (stat (path, &st));
  g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==, st.st_ino);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==,
                    SPACETEST_NAMESPACE_TYPE_IPC);
}

static void
test_for_pid_bad (void)
{
  TuThreadState before;
  pid_t gone;
  int status;

  spacetest_test_check_leaks ();

  /* A pid that certainly belongs to no process any more. */
  gone = fork ();
  g_assert_cmpint (gone, >=, 0);
  if (gone == 0)
    _exit (0);
  g_assert_cmpint (waitpid (gone, &status, 0), ==, gone);

  tu_thread_state_get (&before);

  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_pid (0, SPACETEST_NAMESPACE_TYPE_NET, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_pid (-5, SPACETEST_NAMESPACE_TYPE_NET, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_pid (getpid (),
                                                    SPACETEST_NAMESPACE_TYPE_NET |
                                                    SPACETEST_NAMESPACE_TYPE_IPC,
                                                    &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_new_for_pid (gone, SPACETEST_NAMESPACE_TYPE_NET, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_A_NAMESPACE);
    g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  }

  tu_assert_thread_state_unchanged (&before);
}

static void
test_equal_hash (void)
{
  g_autoptr(GHashTable) set = NULL;
  SpacetestNamespace *a, *b, *c;

  spacetest_test_check_leaks ();

  a = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_UTS);
  b = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_UTS);
  c = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_IPC);
  g_assert_true (a != b);
  g_assert_true (spacetest_namespace_equal (a, b));
  g_assert_false (spacetest_namespace_equal (a, c));
  g_assert_cmpuint (spacetest_namespace_hash (a), ==, spacetest_namespace_hash (b));

  set = g_hash_table_new ((GHashFunc) spacetest_namespace_hash,
                          (GEqualFunc) spacetest_namespace_equal);
  g_hash_table_add (set, a);
  g_hash_table_add (set, b);
  g_hash_table_add (set, c);
  g_assert_cmpuint (g_hash_table_size (set), ==, 2);
}

static void
test_dup_fd (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ns;
  struct stat st;
  int fd;

  spacetest_test_check_leaks ();

  ns = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_NET);
  fd = spacetest_namespace_dup_fd (ns, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fd, !=, spacetest_namespace_get_fd (ns));
  g_assert_true (fcntl (fd, F_GETFD) & FD_CLOEXEC);
  g_assert_no_errno (fstat (fd, &st));
  g_assert_cmpuint (st.st_ino, ==, spacetest_namespace_get_inode (ns));
  g_assert_no_errno (close (fd));
}

static void
test_properties (void)
{
  SpacetestNamespace *ns;
  SpacetestNamespaceType type = 0;
  guint64 inode = 0;
  g_autofree char *root = NULL;

  spacetest_test_check_leaks ();

  ns = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_CGROUP);
  g_object_get (ns, "namespace-type", &type, "inode", &inode,
                "root-path", &root, NULL);
  g_assert_cmpuint (type, ==, SPACETEST_NAMESPACE_TYPE_CGROUP);
  g_assert_cmpuint (inode, ==, spacetest_namespace_get_inode (ns));
  g_assert_null (root);
}

static void
test_transient (gconstpointer data)
{
  SpacetestNamespaceType type = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (type))
    return;

  tu_thread_state_get (&before);
  ns = spacetest_namespace_new_transient (type, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==, type);

  /* A really new namespace, and the caller did not move. */
  g_assert_cmpuint (spacetest_namespace_get_inode (ns), !=,
                    tu_thread_ns_inode (type));
  g_assert_false (spacetest_namespace_is_current (ns));
  g_clear_object (&ns);
  tu_assert_thread_state_unchanged (&before);
}

static void
record_lo (gpointer user_data)
{
  *(int *) user_data = tu_lo_is_up () ? 1 : 0;
}

static void
test_transient_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) up = NULL;
  g_autoptr(SpacetestNamespace) down = NULL;
  int lo_up = -1, lo_down = -1;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  up = spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                          SPACETEST_TRANSIENT_LOOPBACK_UP,
                                          &error);
  g_assert_no_error (error);
  down = spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                            SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);

  g_assert_true (spacetest_namespace_execute (up, record_lo, &lo_up, &error));
  g_assert_no_error (error);
  g_assert_true (spacetest_namespace_execute (down, record_lo, &lo_down, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lo_up, ==, 1);
  g_assert_cmpint (lo_down, ==, 0);
}

static void
test_transient_mnt_root (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;
  g_autofree char *proc_root = NULL;
  g_autoptr(GHashTable) before = NULL;
  const char *root;
  struct stat st;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_MNT))
    return;

  before = tu_thread_ids ();
  ns = spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_MNT,
                                          SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);

  root = spacetest_namespace_get_root_path (ns);
  g_assert_nonnull (root);
  g_assert_true (g_str_has_prefix (root, "/proc/"));
  g_assert_no_errno (stat (root, &st));
  g_assert_true (S_ISDIR (st.st_mode));
  proc_root = g_build_filename (root, "proc", NULL);
  g_assert_true (g_file_test (proc_root, G_FILE_TEST_IS_DIR));

  /* The root path's thread, in the new namespace, goes when the object
   * goes. */
  g_assert_cmpuint (tu_count_new_threads_in (before,
                                             SPACETEST_NAMESPACE_TYPE_MNT,
                                             spacetest_namespace_get_inode (ns)),
                    ==, 1);
  g_clear_object (&ns);
  g_assert_cmpuint (tu_wait_new_threads_gone (before, 2000), ==, 0);
}

static void
test_transient_bad (void)
{
  struct {
    SpacetestNamespaceType type;
    SpacetestTransientFlags flags;
    const char *needle;
  } bad[] = {
    { SPACETEST_NAMESPACE_TYPE_USER, 0, "SpacetestSpacer" },
    { SPACETEST_NAMESPACE_TYPE_PID, 0, "SpacetestSpacer" },
    { SPACETEST_NAMESPACE_TYPE_NONE, 0, "exactly one" },
    { SPACETEST_NAMESPACE_TYPE_NET | SPACETEST_NAMESPACE_TYPE_UTS, 0, "net+uts" },
    { SPACETEST_NAMESPACE_TYPE_NET, 1 << 7, "0x80" },
  };
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestNamespace) ns =
        spacetest_namespace_new_transient (bad[i].type, bad[i].flags, &error);

      g_assert_null (ns);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i].needle));
    }

  tu_assert_thread_state_unchanged (&before);
}

static void
test_transient_permission (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestNamespace) ns = NULL;
      TuThreadState before;

      tu_drop_capabilities ();
      tu_thread_state_get (&before);
      ns = spacetest_namespace_new_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                              SPACETEST_TRANSIENT_NONE, &error);
      g_assert_null (ns);
      g_assert_error (error, SPACETEST_ERROR,
                      SPACETEST_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "network namespace"));
      g_assert_nonnull (strstr (error->message, "CAP_SYS_ADMIN"));
      tu_assert_thread_state_unchanged (&before);
      g_print ("transient-permission: checked\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*transient-permission: checked*");
}

static void
test_owner (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) owner = NULL;
  SpacetestNamespace *user;

  spacetest_test_check_leaks ();

  /* Our namespaces are owned by our own user namespace. */
  user = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_USER);
  owner = spacetest_namespace_get_owner (spacetest_test_current (SPACETEST_NAMESPACE_TYPE_NET),
                                         &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (owner), ==,
                    SPACETEST_NAMESPACE_TYPE_USER);
  g_assert_true (spacetest_namespace_equal (owner, user));
}

static void
test_owner_bad (void)
{
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  /* The owner of our own user namespace lies outside of it (or does not
   * exist, for the initial one). */
  g_assert_null (spacetest_namespace_get_owner (spacetest_test_current (SPACETEST_NAMESPACE_TYPE_USER),
                                                &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "user namespace"));

  /* spacetest_test_current() queued one namespace, not a leak */
  before.n_fds++;
  tu_assert_thread_state_unchanged (&before);
}

/* A child process that unshares @flags, then waits until @release closes.
 * Returns the pid whose namespaces show the new ones: for a new PID
 * namespace that is a grandchild (pid_for_children only exists once a
 * child does), in *@child the process to reap. */
static pid_t
spawn_unshared_child (int    flags,
                      pid_t *child,
                      int   *release_fd)
{
  int ready[2], release[2];
  pid_t pid, target = 0;
  char c;

  g_assert_no_errno (pipe2 (ready, O_CLOEXEC));
  g_assert_no_errno (pipe2 (release, O_CLOEXEC));

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* only async-signal-safe calls here */
      close (ready[0]);
      close (release[1]);
      if (unshare (flags) != 0)
        _exit (1);
      target = getpid ();
      if (flags & CLONE_NEWPID)
        {
          target = fork ();
          if (target < 0)
            _exit (3);
          if (target == 0)
            {
              close (ready[1]);
              (void) !read (release[0], &c, 1);
              _exit (0);
            }
        }
      if (write (ready[1], &target, sizeof target) != sizeof target)
        _exit (2);
      (void) !read (release[0], &c, 1);
      if (target != getpid () && waitpid (target, NULL, 0) != target)
        _exit (4);
      _exit (0);
    }

  close (ready[1]);
  close (release[0]);
  g_assert_cmpint (read (ready[0], &target, sizeof target), ==, sizeof target);
  close (ready[0]);
  *release_fd = release[1];
  *child = pid;
  return target;
}

static void
reap_child (pid_t pid,
            int   release_fd)
{
  int status;

  close (release_fd);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
test_parent (gconstpointer data)
{
  SpacetestNamespaceType type = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) child_ns = NULL;
  g_autoptr(SpacetestNamespace) parent = NULL;
  g_autoptr(SpacetestNamespace) owner = NULL;
  g_autofree char *path = NULL;
  int release;
  pid_t pid, target;

  spacetest_test_check_leaks ();

  target = spawn_unshared_child (type == SPACETEST_NAMESPACE_TYPE_USER
                                   ? CLONE_NEWUSER : CLONE_NEWPID,
                                 &pid, &release);

  path = g_strdup_printf ("/proc/%d/ns/%s", (int) target,
                          spacetest_namespace_type_to_string (type));
  child_ns = spacetest_namespace_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (child_ns), ==, type);
  g_assert_false (spacetest_namespace_is_current (child_ns));

  parent = spacetest_namespace_get_parent (child_ns, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_namespace_equal (parent, spacetest_test_current (type)));

  owner = spacetest_namespace_get_owner (child_ns, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_namespace_equal (owner,
                                            spacetest_test_current (SPACETEST_NAMESPACE_TYPE_USER)));

  g_clear_object (&child_ns);
  reap_child (pid, release);
}

static void
test_parent_bad (void)
{
  SpacetestNamespace *netns, *pidns;
  TuThreadState before;

  spacetest_test_check_leaks ();
  netns = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_NET);
  pidns = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_PID);
  tu_thread_state_get (&before);

  {
    g_autoptr(GError) error = NULL;
    g_assert_null (spacetest_namespace_get_parent (netns, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "network namespace"));
  }

  /* The parent of our own PID namespace is outside our reach (or does not
   * exist, for the initial one). */
  {
    g_autoptr(GError) error = NULL;
    SpacetestNamespace *parent = spacetest_namespace_get_parent (pidns, &error);

    if (parent != NULL)
      {
        /* only when the test runs inside a child PID namespace */
        g_assert_no_error (error);
        g_object_unref (parent);
      }
    else
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED);
  }

  tu_assert_thread_state_unchanged (&before);
}

static void
test_enter (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  SpacetestNamespace *ns;
  guint64 host;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_UTS))
    return;

  host = tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_UTS);
  ns = spacetest_test_new_transient (SPACETEST_NAMESPACE_TYPE_UTS);
  guard = spacetest_namespace_enter (ns, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_namespace_is_current (ns));
  g_assert_true (spacetest_guard_get_namespace (guard, SPACETEST_NAMESPACE_TYPE_UTS) == ns);
  g_assert_cmpuint (spacetest_guard_get_namespace_types (guard), ==,
                    SPACETEST_NAMESPACE_TYPE_UTS);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_assert_true (spacetest_guard_is_restored (guard));
  g_assert_cmpuint (tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_UTS), ==, host);
}

static void
test_enter_user_refused (void)
{
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  spacetest_test_current (SPACETEST_NAMESPACE_TYPE_USER);
  tu_thread_state_get (&before);

  g_assert_null (spacetest_namespace_enter (spacetest_test_current (SPACETEST_NAMESPACE_TYPE_USER),
                                            &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "user namespace"));
  g_assert_nonnull (strstr (error->message, "single-threaded"));
  before.n_fds++;
  tu_assert_thread_state_unchanged (&before);
}

int
main (int argc, char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spacetest/namespace/type-strings", test_type_strings);
  g_test_add_func ("/spacetest/namespace/current", test_current);
  g_test_add_func ("/spacetest/namespace/current/bad-type", test_current_bad_type);
  g_test_add_func ("/spacetest/namespace/for-fd", test_for_fd);
  g_test_add_func ("/spacetest/namespace/for-fd/bad", test_for_fd_bad);
  g_test_add_func ("/spacetest/namespace/for-fd/callers-fd",
                   test_for_fd_names_callers_fd);
  g_test_add_func ("/spacetest/namespace/for-path", test_for_path);
  g_test_add_func ("/spacetest/namespace/for-path/bad", test_for_path_bad);
  g_test_add_func ("/spacetest/namespace/for-pid", test_for_pid);
  g_test_add_func ("/spacetest/namespace/for-pid/bad", test_for_pid_bad);
  g_test_add_func ("/spacetest/namespace/equal-hash", test_equal_hash);
  g_test_add_func ("/spacetest/namespace/dup-fd", test_dup_fd);
  g_test_add_func ("/spacetest/namespace/properties", test_properties);

  for (gsize i = 0; i < G_N_ELEMENTS (all_types); i++)
    {
      g_autofree char *path = NULL;

      if (all_types[i] == SPACETEST_NAMESPACE_TYPE_USER ||
          all_types[i] == SPACETEST_NAMESPACE_TYPE_PID)
        continue;
      path = g_strdup_printf ("/spacetest/namespace/transient/%s", all_names[i]);
      g_test_add_data_func (path, GUINT_TO_POINTER (all_types[i]), test_transient);
    }
  g_test_add_func ("/spacetest/namespace/transient/loopback", test_transient_loopback);
  g_test_add_func ("/spacetest/namespace/transient/mnt-root-path", test_transient_mnt_root);
  g_test_add_func ("/spacetest/namespace/transient/bad", test_transient_bad);
  g_test_add_func ("/spacetest/namespace/transient/permission", test_transient_permission);
  g_test_add_func ("/spacetest/namespace/owner", test_owner);
  g_test_add_func ("/spacetest/namespace/owner/bad", test_owner_bad);
  g_test_add_data_func ("/spacetest/namespace/parent/user",
                        GUINT_TO_POINTER (SPACETEST_NAMESPACE_TYPE_USER), test_parent);
  g_test_add_data_func ("/spacetest/namespace/parent/pid",
                        GUINT_TO_POINTER (SPACETEST_NAMESPACE_TYPE_PID), test_parent);
  g_test_add_func ("/spacetest/namespace/parent/bad", test_parent_bad);
  g_test_add_func ("/spacetest/namespace/enter", test_enter);
  g_test_add_func ("/spacetest/namespace/enter/user-refused", test_enter_user_refused);

  return g_test_run ();
}
