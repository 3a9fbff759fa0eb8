/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* enter.c: spacetest_enter_transient, SpacetestGuard, spacetest_can_create,
 * spacetest_loopback_up, spacetest_mount_sysfs and unprivileged mode */

#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/capability.h>

static const SpacetestNamespaceType in_process_types[] = {
  SPACETEST_NAMESPACE_TYPE_CGROUP, SPACETEST_NAMESPACE_TYPE_IPC,
  SPACETEST_NAMESPACE_TYPE_MNT, SPACETEST_NAMESPACE_TYPE_NET,
  SPACETEST_NAMESPACE_TYPE_UTS,
};

#define ALL_IN_PROCESS \
  (SPACETEST_NAMESPACE_TYPE_CGROUP | SPACETEST_NAMESPACE_TYPE_IPC | \
   SPACETEST_NAMESPACE_TYPE_MNT | SPACETEST_NAMESPACE_TYPE_NET | \
   SPACETEST_NAMESPACE_TYPE_UTS)

/* Enters @types, checks that exactly those changed, restores, and checks
 * that everything is back. */
static void
check_enter_restore (SpacetestNamespaceType  types,
                     SpacetestTransientFlags flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  TuThreadState before, inside;

  tu_thread_state_get (&before);
  guard = spacetest_enter_transient (types, flags, &error);
  g_assert_no_error (error);
  g_assert_true (SPACETEST_IS_GUARD (guard));
  g_assert_cmpuint (spacetest_guard_get_namespace_types (guard), ==, types);
  g_assert_false (spacetest_guard_is_restored (guard));

  tu_thread_state_get (&inside);
  for (int i = 0; i < TU_N_TYPES; i++)
    {
      SpacetestNamespace *ns = spacetest_guard_get_namespace (guard, tu_all_types[i]);

      if (types & tu_all_types[i])
        {
          g_assert_cmpuint (inside.inodes[i], !=, before.inodes[i]);
          g_assert_nonnull (ns);
          g_assert_true (spacetest_namespace_is_current (ns));
          g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==, inside.inodes[i]);
        }
      else
        {
          g_assert_cmpuint (inside.inodes[i], ==, before.inodes[i]);
          g_assert_null (ns);
        }
    }

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_assert_true (spacetest_guard_is_restored (guard));
  /* idempotent */
  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);

  /* the guard still holds the namespaces it entered: release them */
  g_clear_object (&guard);
  tu_assert_thread_state_unchanged (&before);
}

static void
test_single (gconstpointer data)
{
  SpacetestNamespaceType type = GPOINTER_TO_UINT (data);

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (type))
    return;

  check_enter_restore (type, SPACETEST_TRANSIENT_NONE);
}

static void
test_all (void)
{
  spacetest_test_check_leaks ();
  if (!spacetest_test_require (ALL_IN_PROCESS))
    return;

  check_enter_restore (ALL_IN_PROCESS, SPACETEST_TRANSIENT_LOOPBACK_UP);
}

static void
test_autoptr (void)
{
  guint64 host;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  host = tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_NET);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SpacetestGuard) guard =
      spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                 SPACETEST_TRANSIENT_NONE, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_NET), !=, host);
  }
  /* the scope ended: the last unref switched the thread back */
  g_assert_cmpuint (tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_NET), ==, host);
}

static void
test_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                     SPACETEST_TRANSIENT_LOOPBACK_UP, &error);
  g_assert_no_error (error);
  g_assert_true (tu_lo_is_up ());
  g_clear_object (&guard);

  /* a new network namespace has lo down, until spacetest_loopback_up() */
  guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                     SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  g_assert_false (tu_lo_is_up ());
  g_assert_true (spacetest_loopback_up (&error));
  g_assert_no_error (error);
  g_assert_true (tu_lo_is_up ());
  /* already up: still fine */
  g_assert_true (spacetest_loopback_up (&error));
  g_assert_no_error (error);
}

/* In a trap child: enters a new network namespace, then drops every
 * capability, so that the guard returned cannot switch back. */
static SpacetestGuard *
enter_net_then_drop_caps (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestGuard *guard =
    spacetest_enter_transient (NET, SPACETEST_TRANSIENT_NONE, &error);

  g_assert_no_error (error);
  tu_drop_capabilities ();
  return guard;
}

static void
test_loopback_bad (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      SpacetestGuard *guard = enter_net_then_drop_caps ();

      g_assert_false (spacetest_loopback_up (&error));
      g_assert_error (error, SPACETEST_ERROR,
                      SPACETEST_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "'lo'"));
      g_assert_false (tu_lo_is_up ());

      /* Without capabilities the guard cannot switch back (which would
       * abort): end here, on purpose leaving it. */
      (void) guard;
      g_print ("loopback-bad: checked\n");
      fflush (stdout);
      _exit (0);
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*loopback-bad: checked*");
}

static void
test_mnt_cwd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autofree char *orig = g_get_current_dir ();
  g_autofree char *tmp = NULL;
  g_autofree char *tmp_real = NULL;
  g_autofree char *after = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_MNT))
    return;

  tmp = g_dir_make_tmp ("spacetest-cwd-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_no_errno (chdir (tmp));
  tmp_real = g_get_current_dir ();

  guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_MNT,
                                     SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  g_assert_no_errno (chdir ("/"));
  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);

  /* the guard brought the working directory back too */
  after = g_get_current_dir ();
  g_assert_cmpstr (after, ==, tmp_real);

  g_assert_no_errno (chdir (orig));
  g_assert_no_errno (rmdir (tmp));
}

static guint
count_sysfs_mounts (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents ("/proc/thread-self/mountinfo", &contents,
                                      NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], " - sysfs ") != NULL)
      n++;
  return n;
}

static GStrv
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static void
test_mnt_sysfs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  g_auto(GStrv) inside = NULL;
  guint host_sysfs;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET |
                               SPACETEST_NAMESPACE_TYPE_MNT))
    return;

  host_sysfs = count_sysfs_mounts ();
  guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_NET |
                                     SPACETEST_NAMESPACE_TYPE_MNT,
                                     SPACETEST_TRANSIENT_LOOPBACK_UP |
                                     SPACETEST_TRANSIENT_MOUNT_SYSFS, &error);
  g_assert_no_error (error);

  /* the fresh sysfs shows the new network namespace: lo only */
  inside = list_dir ("/sys/class/net");
  g_assert_cmpuint (g_strv_length (inside), ==, 1);
  g_assert_cmpstr (inside[0], ==, "lo");
  g_assert_cmpuint (count_sysfs_mounts (), ==, host_sysfs + 1);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  /* nothing was mounted on the host */
  g_assert_cmpuint (count_sysfs_mounts (), ==, host_sysfs);
}

static void
test_mount_sysfs_refused (void)
{
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  g_assert_false (spacetest_mount_sysfs (&error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "initial mount namespace"));
  tu_assert_thread_state_unchanged (&before);
}

static void
test_bad (void)
{
  struct {
    SpacetestNamespaceType types;
    SpacetestTransientFlags flags;
    const char *needle;
  } bad[] = {
    { SPACETEST_NAMESPACE_TYPE_NONE, 0, "not none" },
    { SPACETEST_NAMESPACE_TYPE_TIME, 0, "not time" },
    { SPACETEST_NAMESPACE_TYPE_PID, 0, "not pid" },
    { SPACETEST_NAMESPACE_TYPE_USER, 0, "not user" },
    { SPACETEST_NAMESPACE_TYPE_NET | SPACETEST_NAMESPACE_TYPE_USER, 0, "net+user" },
    { SPACETEST_NAMESPACE_TYPE_NET | SPACETEST_NAMESPACE_TYPE_TIME, 0, "net+time" },
    { SPACETEST_NAMESPACE_TYPE_NET | 0x1, 0, "net+0x1" },
    { SPACETEST_NAMESPACE_TYPE_NET, 1 << 5, "0x20" },
  };
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestGuard) guard =
        spacetest_enter_transient (bad[i].types, bad[i].flags, &error);

      g_assert_null (guard);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i].needle));
    }

  tu_assert_thread_state_unchanged (&before);
}

static void
test_permission (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestGuard) guard = NULL;
      TuThreadState before;

      tu_drop_capabilities ();
      tu_thread_state_get (&before);

      guard = spacetest_enter_transient (NET | UTS,
                                         SPACETEST_TRANSIENT_LOOPBACK_UP,
                                         &error);
      g_assert_null (guard);
      g_assert_error (error, SPACETEST_ERROR,
                      SPACETEST_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "net+uts"));
      g_assert_nonnull (strstr (error->message, g_strerror (EPERM)));
      g_assert_nonnull (strstr (error->message, "CAP_SYS_ADMIN"));
      tu_assert_thread_state_unchanged (&before);
      g_print ("permission: checked\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*permission: checked*");
}

static gpointer
restore_elsewhere (gpointer data)
{
  SpacetestGuard *guard = data;
  GError *error = NULL;

  if (spacetest_guard_restore (guard, &error))
    return NULL;
  return error;
}

static void
test_wrong_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) thread_error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  guint64 host;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  host = tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_NET);
  guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_NET,
                                     SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);

  thread_error = g_thread_join (g_thread_new ("restorer", restore_elsewhere, guard));
  g_assert_error (thread_error, SPACETEST_ERROR, SPACETEST_ERROR_WRONG_THREAD);
  g_assert_false (spacetest_guard_is_restored (guard));
  /* the switched thread is still switched */
  g_assert_cmpuint (tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_NET), !=, host);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tu_thread_ns_inode (SPACETEST_NAMESPACE_TYPE_NET), ==, host);
}

static void
test_abort_failed_restore (void)
{
  if (g_test_subprocess ())
    {
      SpacetestGuard *guard = enter_net_then_drop_caps ();

      g_object_unref (guard);   /* cannot switch back: must abort */
      g_print ("survived\n");
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*spacetest: cannot switch thread * back to its "
                             "original namespaces: Cannot enter a network "
                             "namespace: Operation not permitted*; aborting*");
}

static gpointer
unref_elsewhere (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_abort_foreign_unref (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      SpacetestGuard *guard;

      guard = spacetest_enter_transient (SPACETEST_NAMESPACE_TYPE_UTS,
                                         SPACETEST_TRANSIENT_NONE, &error);
      g_assert_no_error (error);
      g_thread_join (g_thread_new ("unref", unref_elsewhere, guard));
      g_print ("survived\n");
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_UTS))
    return;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*spacetest: cannot switch thread * back to its "
                             "original namespaces: Cannot restore the "
                             "namespaces of thread * from thread *: a guard "
                             "must be restored by the thread it switched*");
}

static void
test_already_current (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  TuThreadState before;
  SpacetestNamespace *net;

  spacetest_test_check_leaks ();
  net = spacetest_test_current (SPACETEST_NAMESPACE_TYPE_NET);
  tu_thread_state_get (&before);

  guard = spacetest_namespace_enter (net, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_guard_get_namespace (guard, SPACETEST_NAMESPACE_TYPE_NET) == net);
  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_clear_object (&guard);
  tu_assert_thread_state_unchanged (&before);
}

static void
test_can_create (void)
{
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  for (gsize i = 0; i < G_N_ELEMENTS (in_process_types); i++)
    g_assert_true (spacetest_can_create (in_process_types[i]));
  g_assert_true (spacetest_can_create (ALL_IN_PROCESS));
  g_assert_true (spacetest_can_create (SPACETEST_NAMESPACE_TYPE_TIME));
  g_assert_true (spacetest_can_create (SPACETEST_NAMESPACE_TYPE_NONE));

  /* user and PID namespaces need a spacer */
  g_assert_false (spacetest_can_create (SPACETEST_NAMESPACE_TYPE_USER));
  g_assert_false (spacetest_can_create (SPACETEST_NAMESPACE_TYPE_PID));
  g_assert_false (spacetest_can_create (SPACETEST_NAMESPACE_TYPE_NET |
                                        SPACETEST_NAMESPACE_TYPE_PID));
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (spacetest_check_can_create (SPACETEST_NAMESPACE_TYPE_USER, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "SpacetestSpacer"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (spacetest_check_can_create (0x1, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  }

  /* the probe ran elsewhere: the caller is untouched */
  tu_assert_thread_state_unchanged (&before);
}

static void
test_can_create_unprivileged (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      tu_drop_capabilities ();
      g_assert_false (spacetest_can_create (NET));
      g_assert_false (spacetest_check_can_create (UTS, &error));
      g_assert_error (error, SPACETEST_ERROR,
                      SPACETEST_ERROR_PERMISSION_DENIED);
      g_print ("can-create: checked\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*can-create: checked*");
}

static void
test_init_user_namespace_privileged (void)
{
  g_autoptr(GError) error = NULL;
  TuThreadState before;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  /* privileged (root, or the user namespace spacetest_test_init() made):
   * a no-op */
  g_assert_true (spacetest_init_user_namespace (&error));
  g_assert_no_error (error);
  tu_assert_thread_state_unchanged (&before);
}

static void
test_init_user_namespace (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      guint64 userns = tu_thread_ns_inode (USER);
      guint64 netns = tu_thread_ns_inode (NET);
      guint64 timens = tu_thread_ns_inode (TIME);

      /* Unprivileged: no CAP_SYS_ADMIN. (The kernel wants CAP_SETFCAP to
       * map uid 0, which both lanes' test processes are, into a new user
       * namespace; an ordinary user maps its own uid without it.) */
      tu_drop_capabilities_except (CAP_SETFCAP);
      g_assert_false (spacetest_can_create (NET));

      g_assert_true (spacetest_init_user_namespace (&error));
      g_assert_no_error (error);
      g_assert_cmpuint (tu_thread_ns_inode (USER), !=, userns);
      g_assert_cmpuint (tu_thread_ns_inode (NET), !=, netns);
      g_assert_true (tu_lo_is_up ());
      g_assert_cmpuint (getuid (), ==, 0);

      /* Its base time namespace is its own too, so a thread can come
       * back to it from a transient one. */
      {
        g_autoptr(SpacetestNamespace) time_ns =
          spacetest_namespace_new_current (TIME, &error);
        g_autoptr(SpacetestNamespace) owner = NULL;
        g_autoptr(SpacetestNamespace) user = NULL;

        g_assert_no_error (error);
        g_assert_cmpuint (spacetest_namespace_get_inode (time_ns), !=, timens);
        owner = spacetest_namespace_get_owner (time_ns, &error);
        g_assert_no_error (error);
        user = spacetest_namespace_new_current (USER, &error);
        g_assert_no_error (error);
        g_assert_true (spacetest_namespace_equal (owner, user));
      }

      /* now every in-process type works, entering and restoring */
      g_assert_true (spacetest_can_create (ALL_IN_PROCESS));
      netns = tu_thread_ns_inode (NET);
      for (int i = 0; i < 100; i++)
        {
          g_autoptr(SpacetestGuard) guard =
            spacetest_enter_transient (NET, SPACETEST_TRANSIENT_LOOPBACK_UP,
                                       &error);
          g_assert_no_error (error);
          g_assert_true (spacetest_guard_restore (guard, &error));
          g_assert_no_error (error);
          g_assert_cmpuint (tu_thread_ns_inode (NET), ==, netns);
        }
      g_print ("init-user-namespace: checked\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*init-user-namespace: checked*");
}

/* User namespaces refused, as a container's seccomp profile does: the
 * error, and the thread where it was. */
static void
test_init_user_namespace_refused_error (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      TuThreadState before;

      tu_drop_capabilities_except (CAP_SETFCAP);
      tu_forbid_unshare ();
      tu_thread_state_get (&before);

      g_assert_false (spacetest_init_user_namespace (&error));
      g_assert_error (error, SPACETEST_ERROR,
                      SPACETEST_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, g_strerror (EPERM)));
      g_assert_nonnull (strstr (error->message,
                                "user namespace for unprivileged tests"));
      tu_assert_thread_state_unchanged (&before);
      g_print ("init-user-namespace-refused-error: checked\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*init-user-namespace-refused-error: checked*");
}

#define REFUSED_PATH "/spacetest/enter/init-user-namespace/refused"

/* What spacetest_test_init() does when user namespaces are refused: the
 * child's main() refuses them before it (see main()), and tests that need
 * namespaces skip, saying why (or fail, with SPACETEST_REQUIRE=1). */
static void
test_init_user_namespace_refused (void)
{
  if (tu_test_subprocess ())
    {
      g_assert_false (spacetest_test_require (NET));
      g_print ("init-user-namespace-refused: checked\n");
      return;
    }

  spacetest_test_check_leaks ();

  /* Run the child in a new process of this program, the way meson would
   * (TAP), so that its skip or failure and the reason are visible. */
  for (int require = 0; require <= 1; require++)
    {
      const char * const env[] = {
        require ? "SPACETEST_REQUIRE=1" : "SPACETEST_REQUIRE=0", NULL
      };
      g_auto(TuSelfRun) run = { 0, };

      tu_self_run (&run, env, NULL);
      g_assert_nonnull (strstr (run.out, "init-user-namespace-refused: checked"));

      if (require)
        {
          /* failed, with the caller's file:line and both reasons */
          g_assert_false (g_spawn_check_wait_status (run.wait_status, NULL));
          g_assert_true (g_pattern_match_simple ("*not ok *enter.c:*Operation not "
                                                 "permitted*unprivileged mode "
                                                 "failed*user namespace*"
                                                 "Operation not permitted*",
                                                 run.out));
        }
      else
        {
          g_assert_true (g_spawn_check_wait_status (run.wait_status, NULL));
          g_assert_true (g_pattern_match_simple ("*ok * # SKIP *enter.c:*"
                                                 "unprivileged mode failed*"
                                                 "user namespace*Operation "
                                                 "not permitted*", run.out));
        }
    }
}

static void
test_init_user_namespace_uid0 (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      TuThreadState before;

      g_assert_cmpuint (getuid (), ==, 0);
      tu_drop_capabilities ();
      tu_thread_state_get (&before);
      g_assert_false (spacetest_init_user_namespace (&error));
      g_assert_error (error, SPACETEST_ERROR,
                      SPACETEST_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "CAP_SETFCAP"));
      tu_assert_thread_state_unchanged (&before);
      g_print ("init-user-namespace-uid0: checked\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*init-user-namespace-uid0: checked*");
}

static void
test_init_user_namespace_threads (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      guint64 userns = tu_thread_ns_inode (USER);

      tu_drop_capabilities ();
      tu_start_extra_thread ();
      g_assert_false (spacetest_init_user_namespace (&error));
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_WRONG_THREAD);
      g_assert_nonnull (strstr (error->message, "2 threads"));
      g_assert_cmpuint (tu_thread_ns_inode (USER), ==, userns);
      tu_stop_extra_thread ();
      g_print ("init-user-namespace-threads: checked\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*init-user-namespace-threads: checked*");
}

/* ---- running out of descriptors --------------------------------------- */

/* Leaves @fd in much of the unused stack below the caller, as a stale
 * value that an uninitialised array further down would pick up. */
static void __attribute__ ((noinline))
paint_stack (int fd)
{
  volatile int area[8192];

  for (gsize i = 0; i < G_N_ELEMENTS (area); i++)
    area[i] = fd;
}

/* With n free descriptors for n = 0, 1, 2, ..., entering new namespaces
 * and probing for them fail with the OS reason until they succeed, and
 * never close or replace a descriptor the caller had (a regression: an
 * fd array of the guard was closed before it was filled). */
static void
test_emfile (void)
{
  g_autoptr(GHashTable) fds = NULL;
  int pipe_fds[2];
  guint failures = 0, successes = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (ALL_IN_PROCESS))
    return;

  g_assert_no_errno (pipe2 (pipe_fds, O_CLOEXEC));
  fds = tu_fd_identities ();

  for (guint n_free = 0; successes < 2; n_free++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) probe_error = NULL;
      SpacetestGuard *guard;
      TuThreadState before;
      struct rlimit saved;
      gboolean can;

      g_assert_cmpuint (n_free, <, 32);
      tu_thread_state_get (&before);

      paint_stack (pipe_fds[0]);
      tu_limit_free_fds (n_free, &saved);
      guard = spacetest_enter_transient (ALL_IN_PROCESS,
                                         SPACETEST_TRANSIENT_LOOPBACK_UP,
                                         &error);
      if (guard != NULL)
        g_assert_true (spacetest_guard_restore (guard, NULL));
      paint_stack (pipe_fds[1]);
      can = spacetest_check_can_create (ALL_IN_PROCESS, &probe_error);
      tu_restore_fd_limit (&saved);

      g_test_message ("%u free: %s; probe: %s", n_free,
                      error ? error->message : "entered",
                      probe_error ? probe_error->message : "can create");
      if (guard == NULL)
        {
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
          g_assert_nonnull (strstr (error->message, g_strerror (EMFILE)));
          failures++;
        }
      else
        {
          g_assert_no_error (error);
          g_object_unref (guard);
          successes++;
        }
      if (!can)
        {
          g_assert_error (probe_error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
          g_assert_nonnull (strstr (probe_error->message, g_strerror (EMFILE)));
        }
      else
        g_assert_no_error (probe_error);

      tu_assert_fds_unchanged (fds);
      tu_assert_thread_state_unchanged (&before);
    }

  g_assert_cmpuint (failures, >, 0);
  g_assert_no_errno (close (pipe_fds[0]));
  g_assert_no_errno (close (pipe_fds[1]));
}

int
main (int argc, char **argv)
{
  /* the refused case's child: no user namespaces from the start, as in a
   * container, and no privileges */
  if (tu_is_self_run_of (REFUSED_PATH))
    {
      tu_drop_capabilities_except (CAP_SETFCAP);
      tu_forbid_unshare ();
    }

  spacetest_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (in_process_types); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/spacetest/enter/single/%s",
                         spacetest_namespace_type_to_string (in_process_types[i]));
      g_test_add_data_func (path, GUINT_TO_POINTER (in_process_types[i]), test_single);
    }
  g_test_add_func ("/spacetest/enter/all", test_all);
  g_test_add_func ("/spacetest/enter/autoptr", test_autoptr);
  g_test_add_func ("/spacetest/enter/loopback", test_loopback);
  g_test_add_func ("/spacetest/enter/loopback/bad", test_loopback_bad);
  g_test_add_func ("/spacetest/enter/mnt/cwd", test_mnt_cwd);
  g_test_add_func ("/spacetest/enter/mnt/sysfs", test_mnt_sysfs);
  g_test_add_func ("/spacetest/enter/mount-sysfs/refused", test_mount_sysfs_refused);
  g_test_add_func ("/spacetest/enter/bad", test_bad);
  g_test_add_func ("/spacetest/enter/permission", test_permission);
  g_test_add_func ("/spacetest/enter/wrong-thread", test_wrong_thread);
  g_test_add_func ("/spacetest/enter/abort/failed-restore", test_abort_failed_restore);
  g_test_add_func ("/spacetest/enter/abort/foreign-unref", test_abort_foreign_unref);
  g_test_add_func ("/spacetest/enter/already-current", test_already_current);
  g_test_add_func ("/spacetest/enter/can-create", test_can_create);
  g_test_add_func ("/spacetest/enter/can-create/unprivileged", test_can_create_unprivileged);
  g_test_add_func ("/spacetest/enter/init-user-namespace/privileged",
                   test_init_user_namespace_privileged);
  g_test_add_func ("/spacetest/enter/init-user-namespace/unprivileged",
                   test_init_user_namespace);
  g_test_add_func (REFUSED_PATH, test_init_user_namespace_refused);
  g_test_add_func ("/spacetest/enter/init-user-namespace/refused-error",
                   test_init_user_namespace_refused_error);
  g_test_add_func ("/spacetest/enter/init-user-namespace/uid0",
                   test_init_user_namespace_uid0);
  g_test_add_func ("/spacetest/enter/init-user-namespace/threads",
                   test_init_user_namespace_threads);

  g_test_add_func ("/spacetest/enter/emfile", test_emfile);

  return g_test_run ();
}
