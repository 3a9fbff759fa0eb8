/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testlayer.c: the GTest layer — spacetest_test_init(), _require(),
 * _new_transient(), _current(), _enter_transient() and _check_leaks() */

#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>

/* The process before spacetest_test_init() (see main()). */
static guint64 initial_userns;
static gboolean initially_privileged;

/* ---- helpers ------------------------------------------------------------ */

/* Calls whose failures the tests look for in a child's output: each use
 * defines the function @name, which makes the call, and @name_line, the
 * line the macro reports. Keep each use on one line, so that __LINE__ in
 * the expansion of the spacetest_test_*() macro is that line too. */
#define DEFINE_CALL(type, name, call) \
  static const int name##_line = __LINE__; \
  static type name (void) { return call; }
#define DEFINE_VOID_CALL(name, call) \
  static const int name##_line = __LINE__; \
  static void name (void) { call; }

DEFINE_CALL (gboolean, require_user, spacetest_test_require (USER))
DEFINE_CALL (SpacetestNamespace *, new_transient_user, spacetest_test_new_transient (USER))
DEFINE_CALL (SpacetestGuard *, enter_transient_time, spacetest_test_enter_transient (TIME))
DEFINE_CALL (SpacetestNamespace *, current_none, spacetest_test_current (NONE))
/* one line each: __LINE__ of a macro call spread over lines varies */
DEFINE_CALL (SpacetestNamespace *, new_transient_full_pid, spacetest_test_new_transient_full (PID, 0))
DEFINE_CALL (SpacetestGuard *, enter_transient_full_bad_flags, spacetest_test_enter_transient_full (NET, 1u << 30))
DEFINE_VOID_CALL (check_leaks, spacetest_test_check_leaks ())

/* "*testlayer.c:LINE:*", the caller's location as a failure reports it. */
static char *
at_line (int line)
{
  return g_strdup_printf ("*testlayer.c:%d:*", line);
}

static int
lo_flags (void)
{
  struct ifreq ifr = { 0, };
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (sock, >=, 0);
  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  g_assert_no_errno (ioctl (sock, SIOCGIFFLAGS, &ifr));
  g_assert_no_errno (close (sock));
  return ifr.ifr_flags;
}

static void
record_lo_flags (gpointer user_data)
{
  *(int *) user_data = lo_flags ();
}

/* A check queued with g_test_queue_destroy() *before* the macro under test
 * ran: the destroy queue runs last-queued-first, so the check runs after
 * the macro's release, and finds every watched object finalized and the
 * thread and the fd table as they were when the check was made. */
#define MAX_WATCHED 8

typedef struct
{
  TuThreadState before;
  GObject *watched[MAX_WATCHED];        /* weak pointers */
  guint n_watched;
} ReleaseCheck;

static void
release_check_run (gpointer data)
{
  ReleaseCheck *check = data;
  guint n_alive = 0;

  for (guint i = 0; i < check->n_watched; i++)
    if (check->watched[i] != NULL)
      {
        g_test_message ("%s %p is still alive after the test",
                        G_OBJECT_TYPE_NAME (check->watched[i]),
                        check->watched[i]);
        g_object_remove_weak_pointer (check->watched[i],
                                      (gpointer *) &check->watched[i]);
        n_alive++;
      }

  g_assert_cmpuint (n_alive, ==, 0);
  tu_assert_thread_state_unchanged (&check->before);
  g_free (check);
}

static ReleaseCheck *
release_check_queue (void)
{
  ReleaseCheck *check = g_new0 (ReleaseCheck, 1);

  tu_thread_state_get (&check->before);
  g_test_queue_destroy (release_check_run, check);
  return check;
}

static void
release_check_watch (ReleaseCheck *check,
                     gpointer      object)
{
  g_assert_true (G_IS_OBJECT (object));
  g_assert_cmpuint (check->n_watched, <, MAX_WATCHED);
  check->watched[check->n_watched] = object;
  g_object_add_weak_pointer (object,
                             (gpointer *) &check->watched[check->n_watched]);
  check->n_watched++;
}

static void
print_marker (gpointer data)
{
  g_print ("%s\n", (const char *) data);
}

/* A trap child leaves text for its parent in a file named after the
 * parent's pid (a trap child is the parent's own child). */
static char *
report_path (pid_t parent)
{
  g_autofree char *name =
    g_strdup_printf ("spacetest-testlayer-%d.report", (int) parent);

  return g_build_filename (g_get_tmp_dir (), name, NULL);
}

static void
child_report (const char *format,
              ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = report_path (getppid ());
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* Runs the current test's trap child, which calls child_report(), and
 * returns what it reported. */
static char *
trap_with_report (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = report_path (getpid ());
  char *text = NULL;

  (void) unlink (file);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_file_get_contents (file, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_errno (unlink (file));
  return text;
}

static gboolean
has_cap_sys_admin (void)
{
  g_autofree char *status = NULL;
  const char *line;
  guint64 caps;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL,
                                      NULL));
  line = strstr (status, "\nCapEff:");
  g_assert_nonnull (line);
  caps = g_ascii_strtoull (line + strlen ("\nCapEff:"), NULL, 16);
  return (caps & (G_GUINT64_CONSTANT (1) << CAP_SYS_ADMIN)) != 0;
}

/* ---- spacetest_test_new_transient() ------------------------------------- */

static void
test_new_transient_net (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) plain = NULL;
  ReleaseCheck *check;
  SpacetestNamespace *net;
  int flags = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  check = release_check_queue ();
  net = spacetest_test_new_transient (NET);
  g_assert_true (SPACETEST_IS_NAMESPACE (net));
  release_check_watch (check, net);

  g_assert_cmpuint (spacetest_namespace_get_namespace_type (net), ==, NET);
  g_assert_false (spacetest_namespace_is_current (net));
  g_assert_cmpuint (spacetest_namespace_get_inode (net), !=,
                    tu_thread_ns_inode (NET));

  /* lo is up inside (SPACETEST_TRANSIENT_LOOPBACK_UP) ... */
  g_assert_true (spacetest_namespace_execute (net, record_lo_flags, &flags,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (flags & IFF_UP, ==, IFF_UP);
  g_assert_false (spacetest_namespace_is_current (net));

  /* ... which a plain new network namespace does not have. */
  plain = spacetest_namespace_new_transient (NET, SPACETEST_TRANSIENT_NONE,
                                             &error);
  g_assert_no_error (error);
  flags = IFF_UP;
  g_assert_true (spacetest_namespace_execute (plain, record_lo_flags, &flags,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (flags & IFF_UP, ==, 0);
}

static void
test_new_transient_type (gconstpointer data)
{
  SpacetestNamespaceType type = GPOINTER_TO_UINT (data);
  ReleaseCheck *check;
  SpacetestNamespace *ns, *again;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (type))
    return;

  check = release_check_queue ();
  ns = spacetest_test_new_transient (type);
  g_assert_nonnull (ns);
  release_check_watch (check, ns);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==, type);
  g_assert_false (spacetest_namespace_is_current (ns));
  g_assert_cmpuint (spacetest_namespace_get_inode (ns), !=,
                    tu_thread_ns_inode (type));

  /* Every call gives a namespace of its own, owned by the test. */
  again = spacetest_test_new_transient (type);
  g_assert_nonnull (again);
  release_check_watch (check, again);
  g_assert_false (spacetest_namespace_equal (ns, again));
  g_assert_cmpint (G_OBJECT (ns)->ref_count, ==, 1);

  /* The thread was not switched; each namespace holds one fd. */
  for (int i = 0; i < TU_N_TYPES; i++)
    g_assert_cmpuint (tu_thread_ns_inode (tu_all_types[i]), ==,
                      check->before.inodes[i]);
  g_assert_cmpuint (tu_count_fds (), ==, check->before.n_fds + 2);
}

/* ---- spacetest_test_current() ------------------------------------------- */

static void
test_current (void)
{
  ReleaseCheck *check;
  SpacetestNamespace *net;

  spacetest_test_check_leaks ();

  check = release_check_queue ();
  net = spacetest_test_current (NET);
  g_assert_true (SPACETEST_IS_NAMESPACE (net));
  release_check_watch (check, net);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (net), ==, NET);
  g_assert_true (spacetest_namespace_is_current (net));
  g_assert_cmpuint (spacetest_namespace_get_inode (net), ==,
                    tu_thread_ns_inode (NET));
  g_assert_cmpint (G_OBJECT (net)->ref_count, ==, 1);
  g_assert_cmpuint (tu_count_fds (), ==, check->before.n_fds + 1);
}

static void
test_current_all (void)
{
  ReleaseCheck *check;

  spacetest_test_check_leaks ();

  check = release_check_queue ();
  for (int i = 0; i < TU_N_TYPES; i++)
    {
      SpacetestNamespace *ns = spacetest_test_current (tu_all_types[i]);

      g_assert_nonnull (ns);
      release_check_watch (check, ns);
      g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==,
                        tu_all_types[i]);
      g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==,
                        check->before.inodes[i]);
    }
  g_assert_cmpuint (tu_count_fds (), ==, check->before.n_fds + TU_N_TYPES);
}

/* ---- the _full forms: explicit flags ------------------------------------ */

static void
test_full_flags (void)
{
  g_autoptr(GError) error = NULL;
  ReleaseCheck *check;
  SpacetestNamespace *net;
  SpacetestGuard *guard;
  int flags = IFF_UP;
  guint64 host_net = tu_thread_ns_inode (NET);

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  check = release_check_queue ();

  /* NONE leaves lo down, which the short form would have brought up */
  net = spacetest_test_new_transient_full (NET, SPACETEST_TRANSIENT_NONE);
  g_assert_true (SPACETEST_IS_NAMESPACE (net));
  release_check_watch (check, net);
  g_assert_true (spacetest_namespace_execute (net, record_lo_flags, &flags,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (flags & IFF_UP, ==, 0);

  guard = spacetest_test_enter_transient_full (NET, SPACETEST_TRANSIENT_NONE);
  g_assert_true (SPACETEST_IS_GUARD (guard));
  release_check_watch (check, guard);
  g_assert_cmpuint (tu_thread_ns_inode (NET), !=, host_net);
  g_assert_cmpint (lo_flags () & IFF_UP, ==, 0);

  /* and LOOPBACK_UP, given explicitly, brings it up */
  net = spacetest_test_new_transient_full (NET,
                                           SPACETEST_TRANSIENT_LOOPBACK_UP);
  release_check_watch (check, net);
  flags = 0;
  g_assert_true (spacetest_namespace_execute (net, record_lo_flags, &flags,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (flags & IFF_UP, ==, IFF_UP);
}

/* ---- spacetest_test_enter_transient() ----------------------------------- */

static void
test_enter_transient (void)
{
  g_autofree char *hostname = NULL;
  ReleaseCheck *check;
  SpacetestGuard *guard;
  SpacetestNamespace *net, *uts;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS))
    return;

  check = release_check_queue ();
  guard = spacetest_test_enter_transient (NET | UTS);
  g_assert_true (SPACETEST_IS_GUARD (guard));
  net = spacetest_guard_get_namespace (guard, NET);
  uts = spacetest_guard_get_namespace (guard, UTS);
  g_assert_nonnull (net);
  g_assert_nonnull (uts);
  release_check_watch (check, guard);
  release_check_watch (check, net);
  release_check_watch (check, uts);
  g_assert_null (spacetest_guard_get_namespace (guard, IPC));

  /* The thread is in both new namespaces, everything else unchanged. */
  for (int i = 0; i < TU_N_TYPES; i++)
    {
      SpacetestNamespaceType type = tu_all_types[i];
      guint64 now = tu_thread_ns_inode (type);

      if (type == NET)
        g_assert_cmpuint (now, ==, spacetest_namespace_get_inode (net));
      else if (type == UTS)
        g_assert_cmpuint (now, ==, spacetest_namespace_get_inode (uts));
      else
        g_assert_cmpuint (now, ==, check->before.inodes[i]);

      if (type == NET || type == UTS)
        g_assert_cmpuint (now, !=, check->before.inodes[i]);
    }
  g_assert_true (spacetest_namespace_is_current (net));
  g_assert_true (spacetest_namespace_is_current (uts));

  /* lo is up in the new network namespace, and the new UTS namespace is
   * the test's own. */
  g_assert_cmpint (lo_flags () & IFF_UP, ==, IFF_UP);
  g_assert_no_errno (sethostname ("spacetest-testlayer",
                                  strlen ("spacetest-testlayer")));
  hostname = tu_hostname ();
  g_assert_cmpstr (hostname, ==, "spacetest-testlayer");
}

/* The thread is switched back even when the test fails. */
static void
assert_thread_back (gpointer data)
{
  ReleaseCheck *check = data;

  for (int i = 0; i < TU_N_TYPES; i++)
    if (tu_thread_ns_inode (tu_all_types[i]) != check->before.inodes[i])
      {
        g_print ("thread back: no\n");
        return;
      }
  g_print ("thread back: yes\n");
}

static void
test_enter_transient_failed (void)
{
  if (g_test_subprocess ())
    {
      static ReleaseCheck check;

      /* fail at the end, without aborting (no core dump) */
      g_test_set_nonfatal_assertions ();
      tu_thread_state_get (&check.before);
      g_test_queue_destroy (assert_thread_back, &check);
      g_assert_nonnull (spacetest_test_enter_transient (UTS | NET));
      g_assert_cmpuint (tu_thread_ns_inode (UTS), !=,
                        check.before.inodes[tu_type_index (UTS)]);
      g_test_fail ();
      g_print ("test body: done\n");
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS))
    return;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*test body: done*thread back: yes*");
}

/* ---- spacetest_test_require() ------------------------------------------- */

static void
test_require (void)
{
  guint n_fds;
  guint64 net;

  spacetest_test_check_leaks ();
  n_fds = tu_count_fds ();
  net = tu_thread_ns_inode (NET);

  g_assert_true (spacetest_test_require (NET));
  g_assert_true (spacetest_test_require (NET | UTS | IPC));
  g_assert_false (g_test_failed ());
  /* The probe has no side effects on the caller. */
  g_assert_cmpuint (tu_thread_ns_inode (NET), ==, net);
  g_assert_cmpuint (tu_count_fds (), ==, n_fds);
}

static void
test_require_user (void)
{
  g_auto(TuSelfRun) run = { 0, };
  g_autofree char *pattern = NULL;
  int code;

  if (tu_test_subprocess ())
    {
      /* the default: skip (the nobody lane exports SPACETEST_REQUIRE=1) */
      g_unsetenv ("SPACETEST_REQUIRE");
      g_assert_false (require_user ());
      g_print ("after require: FALSE\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_assert_false (spacetest_can_create (USER));

  tu_self_run (&run, NULL, NULL);
  /* passed: a run whose only test was skipped exits 0 (or 77) */
  code = tu_self_run_exit_code (&run);
  g_assert_true (code == 0 || code == 77);
  g_assert_true (g_pattern_match_simple ("*after require: FALSE*", run.out));
  pattern = g_strdup_printf ("*ok *require/user/skipped # SKIP "
                             "*testlayer.c:%d: *SpacetestSpacer*",
                             require_user_line);
  g_assert_true (g_pattern_match_simple (pattern, run.out));
  g_assert_false (g_pattern_match_simple ("*not ok*", run.out));
}

static void
test_require_user_required (void)
{
  g_auto(TuSelfRun) run = { 0, };
  g_autofree char *pattern = NULL;

  if (tu_test_subprocess ())
    {
      g_setenv ("SPACETEST_REQUIRE", "1", TRUE);
      g_assert_false (require_user ());
      g_print ("after require: FALSE\n");
      return;
    }

  spacetest_test_check_leaks ();

  /* as a trap child (-q, no TAP): it fails, but says nothing */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*after require: FALSE*");

  /* with TAP output, the reason and the caller's line are there */
  tu_self_run (&run, NULL, NULL);
  /* failed, not crashed */
  g_assert_cmpint (tu_self_run_exit_code (&run), ==, 1);
  g_assert_true (g_pattern_match_simple ("*after require: FALSE*", run.out));
  pattern = g_strdup_printf ("*not ok *require/user/required"
                             "*testlayer.c:%d: *SpacetestSpacer*",
                             require_user_line);
  g_assert_true (g_pattern_match_simple (pattern, run.out));
  g_assert_false (g_pattern_match_simple ("*# SKIP*", run.out));
}

/* ---- failures report the caller's file and line ------------------------- */

static void
fail_new_transient (void)
{
  new_transient_user ();
}

static void
fail_enter_transient (void)
{
  g_test_queue_destroy (print_marker, "teardown: ran");
  enter_transient_time ();
}

static void
fail_current (void)
{
  current_none ();
}

static void
fail_new_transient_full (void)
{
  new_transient_full_pid ();
}

static void
fail_enter_transient_full (void)
{
  enter_transient_full_bad_flags ();
}

typedef struct
{
  const char *name;
  void (*fail) (void);    /* the child's call, which must fail the test */
  const int *line;
  const char *message;
} FailCase;

static const FailCase fail_cases[] = {
  { "new-transient", fail_new_transient, &new_transient_user_line,
    "*spacetest_test_new_transient*SpacetestSpacer*" },
  { "enter-transient", fail_enter_transient, &enter_transient_time_line,
    "*spacetest_test_enter_transient*time*" },
  { "current", fail_current, &current_none_line,
    "*spacetest_test_current*spacetest-error-quark*" },
  { "new-transient-full", fail_new_transient_full,
    &new_transient_full_pid_line,
    "*spacetest_test_new_transient*SpacetestSpacer*" },
  { "enter-transient-full", fail_enter_transient_full,
    &enter_transient_full_bad_flags_line,
    "*spacetest_test_enter_transient*0x40000000*" },
};

static void
test_fail (gconstpointer data)
{
  const FailCase *fc = data;
  g_autofree char *where = at_line (*fc->line);

  if (g_test_subprocess ())
    {
      fc->fail ();
      g_print ("not reached\n");
      return;
    }

  spacetest_test_check_leaks ();

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr (where);
  g_test_trap_assert_stderr (fc->message);
  g_test_trap_assert_stdout_unmatched ("*not reached*");
  /* fatal: the test ended there, nothing of it ran any more */
  g_test_trap_assert_stdout_unmatched ("*teardown: ran*");
}

/* ---- nonfatal assertions are honoured ----------------------------------- */

static void
test_nonfatal (void)
{
  g_autofree char *pattern = NULL;

  if (g_test_subprocess ())
    {
      g_test_set_nonfatal_assertions ();
      g_test_queue_destroy (print_marker, "teardown: ran");

      g_print ("new_transient: %s\n",
               new_transient_user () ? "object" : "NULL");
      g_print ("enter_transient: %s\n",
               enter_transient_time () ? "object" : "NULL");
      g_print ("current: %s\n", current_none () ? "object" : "NULL");
      g_print ("failed: %s\n", g_test_failed () ? "yes" : "no");
      return;
    }

  spacetest_test_check_leaks ();

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  /* Each macro returned NULL, the code after it ran, and the test ran to
   * its end (its queued destroy notifications included). */
  g_test_trap_assert_stdout ("*new_transient: NULL\n"
                             "enter_transient: NULL\n"
                             "current: NULL\n"
                             "failed: yes\n"
                             "teardown: ran\n*");
  pattern = g_strdup_printf ("*testlayer.c:%d:*SpacetestSpacer*"
                             "testlayer.c:%d:*"
                             "testlayer.c:%d:*",
                             new_transient_user_line,
                             enter_transient_time_line,
                             current_none_line);
  g_test_trap_assert_stderr (pattern);
}

/* ---- spacetest_test_check_leaks() --------------------------------------- */

/* A child that leaves a descriptor of /dev/null open after check_leaks();
 * returns it. */
static int
leak_fd (void)
{
  int fd;

  check_leaks ();
  fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  return fd;
}

static void
test_leaks_fd (void)
{
  g_autofree char *fd = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *where = at_line (check_leaks_line);

  if (g_test_subprocess ())
    {
      child_report ("%d", leak_fd ());
      return;
    }

  spacetest_test_check_leaks ();

  fd = trap_with_report ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr (where);
  pattern = g_strdup_printf ("*leak check: the test left behind: "
                             "file descriptor %s -> /dev/null\n*", fd);
  g_test_trap_assert_stderr (pattern);
  g_test_trap_assert_stderr_unmatched ("*child process*");
  g_test_trap_assert_stderr_unmatched ("*the test's thread*");
}

/* Whether @line is one that a TAP consumer (meson) understands. */
static gboolean
is_tap_line (const char *line)
{
  return *line == '\0' || g_str_has_prefix (line, "ok ") ||
         g_str_has_prefix (line, "not ok ") || g_str_has_prefix (line, "#") ||
         g_str_has_prefix (line, "1..") || g_str_has_prefix (line, "Bail out!") ||
         g_str_has_prefix (line, "TAP version ");
}

/* A leak report in TAP mode is valid TAP: one line, not continuation
 * lines at column 0 that meson calls "Unknown TAP output" (a
 * regression); and it still names what leaked. */
static void
test_leaks_tap (void)
{
  g_auto(TuSelfRun) run = { 0, };
  g_auto(GStrv) lines = NULL;
  gboolean reported = FALSE;

  if (tu_test_subprocess ())
    {
      leak_fd ();
      return;
    }

  spacetest_test_check_leaks ();

  tu_self_run (&run, NULL, NULL);
  g_assert_false (WIFEXITED (run.wait_status) &&
                  WEXITSTATUS (run.wait_status) == 0);

  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (!is_tap_line (lines[i]))
        g_test_message ("line %u is not TAP: '%s'", i + 1, lines[i]);
      g_assert_true (is_tap_line (lines[i]));
      if (strstr (lines[i], "leak check: the test left behind: "
                            "file descriptor ") != NULL &&
          strstr (lines[i], " -> /dev/null") != NULL)
        reported = TRUE;
    }
  g_assert_true (reported);
}

static void
test_leaks_child (void)
{
  g_autofree char *pid = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *where = at_line (check_leaks_line);

  if (g_test_subprocess ())
    {
      siginfo_t info = { 0, };
      pid_t child;

      check_leaks ();
      child = fork ();
      g_assert_cmpint (child, >=, 0);
      if (child == 0)
        _exit (0);

      /* Wait until it is a zombie, without reaping it. */
      g_assert_no_errno (waitid (P_PID, child, &info, WEXITED | WNOWAIT));
      g_assert_cmpint (info.si_pid, ==, child);
      child_report ("%d", (int) child);
      return;
    }

  spacetest_test_check_leaks ();

  /* The zombie outlives the trap child only until that exits: then it is
   * reparented and reaped by init. */
  pid = trap_with_report ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr (where);
  pattern = g_strdup_printf ("*leak check: the test left behind: "
                             "child process %s: *(zombie)*", pid);
  g_test_trap_assert_stderr (pattern);
  g_test_trap_assert_stderr_unmatched ("*file descriptor*");
}

static void
test_leaks_namespace (void)
{
  g_autofree char *report = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *where = at_line (check_leaks_line);

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      guint64 before = tu_thread_ns_inode (UTS);
      SpacetestGuard *guard;

      check_leaks ();
      /* never released: the thread stays in the new UTS namespace */
      guard = spacetest_enter_transient (UTS, SPACETEST_TRANSIENT_NONE,
                                         &error);
      g_assert_no_error (error);
      g_assert_nonnull (guard);
      child_report ("uts:[%" G_GUINT64_FORMAT "], "
                    "not in uts:[%" G_GUINT64_FORMAT "]",
                    tu_thread_ns_inode (UTS), before);
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (UTS))
    return;

  report = trap_with_report ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr (where);
  pattern = g_strdup_printf ("*leak check:*the test's thread is in %s "
                             "where it started*", report);
  g_test_trap_assert_stderr (pattern);
  /* only UTS */
  g_test_trap_assert_stderr_unmatched ("*thread is in net:*");
  /* the guard holds an fd of the namespace it left (and one of the new) */
  g_test_trap_assert_stderr ("*file descriptor * -> uts:[*");
}

static void
test_leaks_clean (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      int status = 0;
      int fd;
      pid_t pid;

      check_leaks ();

      fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      g_assert_cmpint (fd, >=, 0);
      g_assert_no_errno (close (fd));

      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        _exit (0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);

      if (spacetest_can_create (UTS))
        {
          g_autoptr(SpacetestGuard) guard =
            spacetest_enter_transient (UTS, SPACETEST_TRANSIENT_NONE, &error);
          g_assert_no_error (error);
          g_assert_true (spacetest_guard_restore (guard, &error));
          g_assert_no_error (error);
        }
      g_print ("clean: done\n");
      return;
    }

  spacetest_test_check_leaks ();

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*clean: done*");
  g_test_trap_assert_stderr_unmatched ("*leak check*");
}

/* Closing a descriptor that was open before the check started is not a
 * leak. */
static void
test_leaks_closed (void)
{
  g_auto(TuSelfRun) run = { 0, };

  if (tu_test_subprocess ())
    {
      int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

      /* a failure is reported, not aborting: run by tu_self_run() */
      g_test_set_nonfatal_assertions ();
      g_assert_cmpint (fd, >=, 0);
      check_leaks ();
      g_assert_no_errno (close (fd));
      g_print ("closed: %d\n", fd);
      return;
    }

  spacetest_test_check_leaks ();

  /* like g_test_trap_subprocess(), but with the output at hand */
  tu_self_run (&run, NULL, NULL);
  g_assert_true (g_pattern_match_simple ("*closed: *", run.out));
  /* The check's own /proc/self/fd descriptor takes the number the test
   * freed; it must not be reported. */
  g_assert_cmpint (tu_self_run_exit_code (&run), ==, 0);
  g_assert_false (g_pattern_match_simple ("*leak check*", run.err));
  g_assert_true (g_pattern_match_simple ("*\nok *check-leaks/closed\n*",
                                         run.out));
}

/* ---- spacetest_test_init() ---------------------------------------------- */

static void
test_init_userns (void)
{
  guint64 now;

  spacetest_test_check_leaks ();
  now = tu_thread_ns_inode (USER);

  if (initially_privileged)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/ns/user",
                                               (int) getppid ());
      g_autofree char *parent = g_file_read_link (path, NULL);
      g_autofree char *expected =
        g_strdup_printf ("user:[%" G_GUINT64_FORMAT "]", now);

      /* a no-op: still in the user namespace it started in, which is the
       * one of the process that started it (which root can look at) */
      g_assert_cmpuint (now, ==, initial_userns);
      if (getuid () == 0)
        g_assert_cmpstr (parent, ==, expected);
    }
  else
    {
      g_autofree char *uid_map = NULL;
      g_auto(GStrv) words = NULL;

      /* unprivileged mode: a user namespace of its own that maps the user
       * who started the program to root, and every in-process type works */
      g_assert_cmpuint (now, !=, initial_userns);
      g_assert_true (g_file_get_contents ("/proc/self/uid_map", &uid_map,
                                          NULL, NULL));
      words = g_strsplit_set (g_strstrip (uid_map), " \t", -1);
      g_assert_cmpstr (words[0], ==, "0");
      g_assert_cmpstr (words[g_strv_length (words) - 1], ==, "1");
      g_assert_cmpuint (getuid (), ==, 0);
      g_assert_true (spacetest_can_create (CGROUP | IPC | MNT | NET | UTS));
    }
}

/* ---- GLib's lazy singletons -------------------------------------------- */

/* The netns inode of every thread of the process but the caller. */
static GHashTable *
other_threads_netns (void)
{
  GHashTable *result = g_hash_table_new (NULL, NULL);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/ns/net",
                                               name);
      struct stat st;

      if (atoi (name) != tu_gettid () && stat (path, &st) == 0)
        g_hash_table_insert (result, GINT_TO_POINTER (atoi (name)),
                             GSIZE_TO_POINTER ((gsize) st.st_ino));
    }
  return result;
}

typedef struct
{
  GDBusConnection *connection;
  gboolean done;
} Made;

static void
made_connection (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Made *made = user_data;

  made->connection = g_dbus_connection_new_finish (result, NULL);
  made->done = TRUE;
}

/* The first test of a program: what GLib would make on first use inside
 * it is there already (spacetest_test_init() made it), so the leak check
 * passes, and GLib's threads are in the process's own namespaces. */
static void
test_warm_up (void)
{
  if (tu_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketListener) listener = g_socket_listener_new ();
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GHashTable) threads = NULL;
      g_autofree char *guid = g_dbus_generate_guid ();
      Made ends[2] = { { NULL, FALSE }, { NULL, FALSE } };
      GSocketConnection *streams[2] = { NULL, NULL };
      GHashTableIter iter;
      gpointer tid, ino;
      guint16 port;
      int fds[2];

      spacetest_test_check_leaks ();
      spacetest_test_enter_transient (NET);

      /* a GSocketClient connect */
      port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
      g_assert_no_error (error);
      connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                    port, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_io_stream_close (G_IO_STREAM (connection), NULL,
                                        &error));
      g_socket_listener_close (listener);

      /* the network monitor, the resolver and the proxy resolver */
      g_assert_nonnull (g_network_monitor_get_default ());
      g_object_unref (g_resolver_get_default ());
      g_assert_nonnull (g_proxy_resolver_get_default ());

      /* GDBus: a private peer-to-peer connection, closed again */
      g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
                                     fds));
      g_main_context_push_thread_default (context);
      for (int i = 0; i < 2; i++)
        {
          g_autoptr(GSocket) socket = g_socket_new_from_fd (fds[i], &error);

          g_assert_no_error (error);
          streams[i] = g_socket_connection_factory_create_connection (socket);
          g_dbus_connection_new (G_IO_STREAM (streams[i]),
                                 i == 0 ? guid : NULL,
                                 i == 0
                                   ? G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS
                                   : G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                 NULL, NULL, made_connection, &ends[i]);
        }
      while (!ends[0].done || !ends[1].done)
        g_main_context_iteration (context, TRUE);
      g_main_context_pop_thread_default (context);
      g_assert_nonnull (ends[0].connection);
      g_assert_nonnull (ends[1].connection);

      /* GLib's threads (its worker, GDBus's) stayed where they were made:
       * in the process's network namespace, not this test's */
      threads = other_threads_netns ();
      g_assert_cmpuint (g_hash_table_size (threads), >=, 2);
      g_hash_table_iter_init (&iter, threads);
      while (g_hash_table_iter_next (&iter, &tid, &ino))
        g_assert_cmpuint (GPOINTER_TO_SIZE (ino), !=,
                          tu_thread_ns_inode (NET));

      /* closing one end closes the other: that one may say so */
      g_assert_true (g_dbus_connection_close_sync (ends[0].connection, NULL,
                                                   &error));
      g_assert_no_error (error);
      if (!g_dbus_connection_close_sync (ends[1].connection, NULL, &error))
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
      /* and the sockets are closed now, not when GDBus's thread gets
       * round to it */
      for (int i = 0; i < 2; i++)
        {
          g_clear_object (&ends[i].connection);
          g_io_stream_close (G_IO_STREAM (streams[i]), NULL, NULL);
          g_clear_object (&streams[i]);
        }
      g_print ("warm-up: checked\n");
      return;
    }

  {
    g_auto(TuSelfRun) run = { 0, };

    spacetest_test_check_leaks ();
    if (!spacetest_test_require (NET))
      return;

    /* the first and only test of a new run of this program */
    tu_self_run (&run, NULL, NULL);
    g_assert_nonnull (strstr (run.out, "warm-up: checked"));
    g_assert_null (strstr (run.out, "leak check"));
    g_assert_true (g_spawn_check_wait_status (run.wait_status, NULL));
  }
}

/* An eventfd left behind is reported with a word on where it may come
 * from. */
static void
test_leaks_eventfd (void)
{
  if (g_test_subprocess ())
    {
      spacetest_test_check_leaks ();
      g_assert_cmpint (eventfd (0, EFD_CLOEXEC), >=, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*leak check*anon_inode:[eventfd] (a main "
                             "context's wakeup*before g_test_run ()*");
}

/* F_DUPFD_QUERY (Linux 6.10): whether two descriptors share one open
 * file. */
#define TEST_F_DUPFD_QUERY 1027

/* The lowest descriptor on an eventfd: the wakeup of GLib's default main
 * context, made by spacetest_test_init()'s warm-up before the copies the
 * library keeps of GLib's descriptors. */
static int
lowest_eventfd (void)
{
  for (int fd = 0; fd < 64; fd++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", fd);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (g_strcmp0 (target, "anon_inode:[eventfd]") == 0)
        return fd;
    }
  g_assert_not_reached ();
}

/* A child whose test puts a new file of @kind ("eventfd" or "timerfd")
 * in the place of GLib's main-context eventfd; returns its number. */
static int
replace_glib_eventfd (const char *kind)
{
  int victim, fd;

  check_leaks ();
  victim = lowest_eventfd ();
  if (strcmp (kind, "eventfd") == 0)
    fd = eventfd (0, EFD_CLOEXEC);
  else
    fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (dup3 (fd, victim, O_CLOEXEC), ==, victim);
  g_assert_no_errno (close (fd));
  return victim;
}

/* The warm-up's anonymous descriptors are checked as the very open files
 * they were (through a copy the library keeps), not only as files of the
 * same kind: one replaced by a new file of either kind is reported. */
static void
test_leaks_replaced (gconstpointer data)
{
  const char *kind = data;
  g_autofree char *fd = NULL;
  g_autofree char *pattern = NULL;

  if (g_test_subprocess ())
    {
      child_report ("%d", replace_glib_eventfd (kind));
      return;
    }

  spacetest_test_check_leaks ();
  /* Without the kernel's F_DUPFD_QUERY, the check compares the kind. */
  if (strcmp (kind, "eventfd") == 0 &&
      fcntl (0, TEST_F_DUPFD_QUERY, 0) != 1)
    {
      g_test_skip ("the kernel has no F_DUPFD_QUERY (Linux < 6.10)");
      return;
    }

  fd = trap_with_report ();
  g_test_trap_assert_failed ();
  pattern = g_strdup_printf ("*leak check: the test left behind: "
                             "file descriptor %s -> anon_inode:[%s]*",
                             fd, kind);
  g_test_trap_assert_stderr (pattern);
}

/* Why the leak check need not read the thread's user namespace once
 * spacetest_test_init() made GLib's threads: a thread of a process with
 * more than one cannot change its user namespace. */
static void
test_init_threaded (void)
{
  int userns;
  struct stat st;

  spacetest_test_check_leaks ();
  g_assert_cmpint (tu_count_threads (), >, 1);

  g_assert_cmpint (unshare (CLONE_NEWUSER), ==, -1);
  g_assert_cmpint (errno, ==, EINVAL);

  userns = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (userns, >=, 0);
  g_assert_cmpint (setns (userns, CLONE_NEWUSER), ==, -1);
  g_assert_cmpint (errno, ==, EINVAL);
  g_assert_no_errno (fstat (userns, &st));
  g_assert_no_errno (close (userns));
  g_assert_cmpuint (tu_thread_ns_inode (USER), ==, st.st_ino);
}

#define PRIVATE_HOME_PATH "/spacetest/testlayer/init/private-home"

static const char * const home_variables[] = {
  "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
  "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
};

/* Unprivileged mode with a HOME the user namespace cannot use: a private
 * one, with XDG directories, on a tmpfs the host never sees. */
static void
test_private_home (void)
{
  static const char * const env[] = {
    "HOME=/nonexistent-spacetest-home", NULL
  };

  if (tu_test_subprocess ())
    {
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash,
                                                     g_str_equal);
      const char *home;
      struct stat st;

      /* main() made this child root without privileges and gave it an
       * unusable HOME before spacetest_test_init() (see there) */
      for (gsize i = 0; i < G_N_ELEMENTS (home_variables); i++)
        {
          const char *dir = g_getenv (home_variables[i]);
          g_autoptr(GDir) listing = NULL;
          g_autofree char *file = NULL;

          g_assert_nonnull (dir);
          g_assert_false (g_hash_table_contains (seen, dir));
          g_hash_table_add (seen, (gpointer) dir);
          listing = g_dir_open (dir, 0, NULL);
          g_assert_nonnull (listing);
          g_assert_null (g_dir_read_name (listing));
          file = g_build_filename (dir, "written", NULL);
          g_assert_true (g_file_set_contents (file, "x", -1, NULL));
        }
      g_assert_no_errno (stat (g_getenv ("XDG_RUNTIME_DIR"), &st));
      g_assert_cmpint (st.st_mode & 0777, ==, 0700);
      home = g_getenv ("HOME");
      g_assert_true (g_str_has_prefix (home, g_get_tmp_dir ()));
      g_print ("private home: %s\n", home);
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  {
    g_auto(TuSelfRun) run = { 0, };
    g_autofree char *home = NULL;
    g_autofree char *root = NULL;
    const char *out;

    tu_self_run (&run, env, NULL);
    g_assert_true (g_spawn_check_wait_status (run.wait_status, NULL));
    out = strstr (run.out, "private home: ");
    g_assert_nonnull (out);
    out += strlen ("private home: ");
    home = g_strndup (out, strcspn (out, "\n"));
    root = g_path_get_dirname (home);

    /* gone with the process: the directory it was mounted on too */
    g_assert_true (g_str_has_prefix (root, g_get_tmp_dir ()));
    g_assert_false (g_file_test (root, G_FILE_TEST_EXISTS));
  }
}

/* child setup of a child that is root without capabilities, also after
 * execve() (async-signal-safe calls only) */
static void
become_capless_root (gpointer data)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { { 0, } };

  (void) setgroups (0, NULL);
  if (prctl (PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
             SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED,
             0, 0, 0) != 0 ||
      syscall (SYS_capset, &header, caps) != 0)
    _exit (99);
}

/* child setup of an unprivileged child (async-signal-safe calls only) */
static void
become_unprivileged (gpointer data)
{
  /* an ordinary user where there is one (root's lane) ... */
  (void) setgroups (0, NULL);
  if (setresgid (NOBODY, NOBODY, NOBODY) == 0 &&
      setresuid (NOBODY, NOBODY, NOBODY) == 0)
    return;

  /* ... else (the unprivileged lane maps only root) root without
   * capabilities */
  become_capless_root (data);
}

static void
test_init_userns_off (void)
{
  static const char * const off[] = { "SPACETEST_USERNS=0", NULL };
  static const char * const on[] = { "SPACETEST_USERNS", NULL };
  g_auto(TuSelfRun) off_run = { 0, };
  g_auto(TuSelfRun) on_run = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", &error);
  g_autofree char *why_not_user = NULL;
  g_autofree char *why = NULL;
  GSpawnChildSetupFunc become = become_unprivileged;
  gboolean ordinary_user;
  int code;

  /* the child: what spacetest_test_init() made of it */
  if (tu_test_subprocess ())
    {
      g_print ("userns: %s\n", tu_thread_ns_inode (USER) == initial_userns
                                 ? "unchanged" : "new");
      g_print ("uid: %u\n", (guint) getuid ());
      if (!spacetest_test_require (NET))
        return;
      g_print ("can create: yes\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_assert_no_error (error);
  ordinary_user = tu_uid_is_mapped (NOBODY);

  /* The children run this program from the build tree as nobody, or as
   * root without capabilities. From a checkout in a directory only its
   * owner can enter (/root, mode 0700, or a mktemp -d directory) nobody
   * cannot execute it: then the children are root without
   * capabilities, as in the unprivileged lane, which can reach the tree
   * when root owns it; the test checks that variant and reports the
   * ordinary user's as skipped, saying why. When root without
   * capabilities cannot either (someone else's checkout), it skips. (A
   * copy of the program would need its library and, in the ASan lane,
   * the LSan suppressions beside it: not worth it here.) */
  if (ordinary_user && !tu_uid_can_reach (NOBODY, NOBODY, exe, &why_not_user))
    {
      g_test_message ("%s: checking root without capabilities instead",
                      why_not_user);
      ordinary_user = FALSE;
      become = become_capless_root;
    }
  if (!ordinary_user && !tu_uid_can_reach (getuid (), getgid (), exe, &why))
    {
      g_test_skip (why);
      return;
    }

  /* SPACETEST_USERNS=0: an unprivileged child stays where it is and cannot
   * create namespaces; the skip says nothing about unprivileged mode. */
  tu_self_run (&off_run, off, become);
  code = tu_self_run_exit_code (&off_run);
  g_assert_true (code == 0 || code == 77);
  g_assert_true (g_pattern_match_simple ("*userns: unchanged\n*", off_run.out));
  g_assert_true (g_pattern_match_simple ("*ok *init/userns-off # SKIP *",
                                         off_run.out));
  g_assert_false (g_pattern_match_simple ("*can create: yes*", off_run.out));
  g_assert_false (g_pattern_match_simple ("*unprivileged mode*", off_run.out));
  g_assert_cmpint (ordinary_user, ==,
                   g_pattern_match_simple ("*uid: 65534\n*", off_run.out));

  /* Without it, spacetest_test_init() sets up unprivileged mode: for an
   * ordinary user (root's lane) that works; root without capabilities (all
   * the unprivileged lane can make) may not map root (CAP_SETFCAP), and
   * the skip says why. */
  tu_self_run (&on_run, on, become);
  code = tu_self_run_exit_code (&on_run);
  if (ordinary_user)
    {
      g_assert_cmpint (code, ==, 0);
      g_assert_true (g_pattern_match_simple ("*userns: new\n*", on_run.out));
      g_assert_true (g_pattern_match_simple ("*uid: 0\n*", on_run.out));
      g_assert_true (g_pattern_match_simple ("*can create: yes*", on_run.out));
      g_assert_false (g_pattern_match_simple ("*# SKIP*", on_run.out));
    }
  else
    {
      g_assert_true (code == 0 || code == 77);
      g_assert_true (g_pattern_match_simple ("*userns: unchanged\n*", on_run.out));
      g_assert_true (g_pattern_match_simple ("*ok *init/userns-off # SKIP *"
                                             "(unprivileged mode failed: "
                                             "*CAP_SETFCAP*", on_run.out));
    }

  if (why_not_user != NULL)
    {
      g_autofree char *skip =
        g_strdup_printf ("not checked as an ordinary user: %s", why_not_user);

      g_test_skip (skip);
    }
}

int
main (int    argc,
      char **argv)
{
  static const SpacetestNamespaceType transient_types[] = {
    CGROUP, IPC, MNT, TIME, UTS,
  };

  initial_userns = tu_thread_ns_inode (USER);
  initially_privileged = has_cap_sys_admin ();

  /* the private-home case's child: unprivileged (root without
   * privileges, when run as root), no XDG directories given */
  if (tu_is_self_run_of (PRIVATE_HOME_PATH))
    {
      if (initially_privileged)
        tu_drop_capabilities_except (CAP_SETFCAP);
      for (gsize i = 1; i < G_N_ELEMENTS (home_variables); i++)
        g_unsetenv (home_variables[i]);
    }

  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spacetest/testlayer/new-transient/net",
                   test_new_transient_net);
  for (gsize i = 0; i < G_N_ELEMENTS (transient_types); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/spacetest/testlayer/new-transient/%s",
                         spacetest_namespace_type_to_string (transient_types[i]));
      g_test_add_data_func (path, GUINT_TO_POINTER (transient_types[i]),
                            test_new_transient_type);
    }
  g_test_add_func ("/spacetest/testlayer/full-flags", test_full_flags);
  g_test_add_func ("/spacetest/testlayer/current", test_current);
  g_test_add_func ("/spacetest/testlayer/current/all", test_current_all);
  g_test_add_func ("/spacetest/testlayer/enter-transient", test_enter_transient);
  g_test_add_func ("/spacetest/testlayer/enter-transient/failed",
                   test_enter_transient_failed);

  g_test_add_func ("/spacetest/testlayer/require", test_require);
  g_test_add_func ("/spacetest/testlayer/require/user/skipped",
                   test_require_user);
  g_test_add_func ("/spacetest/testlayer/require/user/required",
                   test_require_user_required);

  for (gsize i = 0; i < G_N_ELEMENTS (fail_cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/spacetest/testlayer/fail/%s", fail_cases[i].name);

      g_test_add_data_func (path, &fail_cases[i], test_fail);
    }
  g_test_add_func ("/spacetest/testlayer/nonfatal", test_nonfatal);

  g_test_add_func ("/spacetest/testlayer/check-leaks/fd", test_leaks_fd);
  g_test_add_func ("/spacetest/testlayer/check-leaks/tap", test_leaks_tap);
  g_test_add_func ("/spacetest/testlayer/check-leaks/child", test_leaks_child);
  g_test_add_func ("/spacetest/testlayer/check-leaks/namespace",
                   test_leaks_namespace);
  g_test_add_func ("/spacetest/testlayer/check-leaks/clean", test_leaks_clean);
  g_test_add_func ("/spacetest/testlayer/check-leaks/closed", test_leaks_closed);

  g_test_add_func ("/spacetest/testlayer/init/userns", test_init_userns);
  g_test_add_func ("/spacetest/testlayer/init/warm-up", test_warm_up);
  g_test_add_func (PRIVATE_HOME_PATH, test_private_home);
  g_test_add_func ("/spacetest/testlayer/check-leaks/eventfd",
                   test_leaks_eventfd);
  g_test_add_func ("/spacetest/testlayer/init/userns-off", test_init_userns_off);
  g_test_add_func ("/spacetest/testlayer/init/threaded", test_init_threaded);
  g_test_add_data_func ("/spacetest/testlayer/check-leaks/replaced/eventfd",
                        "eventfd", test_leaks_replaced);
  g_test_add_data_func ("/spacetest/testlayer/check-leaks/replaced/timerfd",
                        "timerfd", test_leaks_replaced);

  return g_test_run ();
}
