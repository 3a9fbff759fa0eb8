/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacer.c: SpacetestSpacer and its service, the spacetest-spacer helper:
 * lifetime, subspaces, rooms, the asynchronous forms, bad requests, dead
 * services and clients, and the GTest layer (the protocol itself, and
 * misbehaving services: wire.c) */

#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>

/* The six room types in the order spacetest_spacer_rooms() returns them. */
static const SpacetestNamespaceType room_types[] = {
  CGROUP, IPC, MNT, NET, TIME, UTS,
};

/* Set in the environment of the process that test_client_killed() kills. */
#define VICTIM_ENV "SPACETEST_SPACER_TEST_VICTIM"

/* ---- helpers ------------------------------------------------------------ */

static SpacetestSpacer *
new_spacer (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestSpacer *spacer = spacetest_spacer_new (NULL, &error);

  g_assert_no_error (error);
  g_assert_true (SPACETEST_IS_SPACER (spacer));
  return spacer;
}

static SpacetestSpacer *
subspace (SpacetestSpacer        *spacer,
          SpacetestNamespaceType  types)
{
  g_autoptr(GError) error = NULL;
  SpacetestSpacer *sub = spacetest_spacer_subspace (spacer, types, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (SPACETEST_IS_SPACER (sub));
  return sub;
}

static GPtrArray *
rooms (SpacetestSpacer        *spacer,
       SpacetestNamespaceType  types)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *result = spacetest_spacer_rooms (spacer, types, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

/* Fails the test unless @spacer still makes a network namespace. */
static void
assert_spacer_works (SpacetestSpacer *spacer)
{
  g_autoptr(GPtrArray) net = rooms (spacer, NET);

  g_assert_cmpuint (net->len, ==, 1);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (net->pdata[0]), ==, NET);
}

static void
close_spacer (SpacetestSpacer *spacer)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (spacetest_spacer_close (spacer, &error));
  g_assert_no_error (error);
}

static SpacetestNamespace *
owner_of (SpacetestNamespace *ns)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *owner = spacetest_namespace_get_owner (ns, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (owner), ==, USER);
  return owner;
}

static SpacetestNamespace *
parent_of (SpacetestNamespace *ns)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *parent = spacetest_namespace_get_parent (ns, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (parent), ==,
                    spacetest_namespace_get_namespace_type (ns));
  return parent;
}

#define assert_ns_equal(a, b) \
  G_STMT_START { \
    g_assert_cmpuint (spacetest_namespace_get_inode (a), ==, \
                      spacetest_namespace_get_inode (b)); \
    g_assert_true (spacetest_namespace_equal ((a), (b))); \
  } G_STMT_END
#define assert_ns_differ(a, b) \
  G_STMT_START { \
    g_assert_cmpuint (spacetest_namespace_get_inode (a), !=, \
                      spacetest_namespace_get_inode (b)); \
    g_assert_false (spacetest_namespace_equal ((a), (b))); \
  } G_STMT_END

/* The inode of /proc/@pid/ns/@name, or 0 if it cannot be read. */
static guint64
proc_ns_inode (pid_t       pid,
               const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, name);
  struct stat st;

  if (stat (path, &st) != 0)
    return 0;
  return st.st_ino;
}

/* Waits up to @timeout_ms for /proc/@pid to disappear (for a process some
 * other process reaps). */
static gboolean
wait_process_gone (pid_t pid,
                   guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!tu_process_gone (pid))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (1000);
    }
  return TRUE;
}

/* Waits up to @timeout_ms for @pid to have ended: gone, or a zombie
 * (an orphan is reaped by init, or whichever subreaper, when it likes). */
static gboolean
wait_process_dead (pid_t pid,
                   guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      char state = tu_process_state (pid, NULL);

      if (state == 0 || state == 'Z' || state == 'X')
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (1000);
    }
}

/* The pids of a process in each PID namespace from ours down. */
static GStrv
nspids (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;
  char *end;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "\nNSpid:");
  g_assert_nonnull (line);
  line += strlen ("\nNSpid:");
  end = strchr (line, '\n');
  if (end != NULL)
    *end = '\0';
  return g_strsplit_set (g_strstrip ((char *) line), " \t", -1);
}

/* The effective capabilities of a process. */
static guint64
process_caps (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "\nCapEff:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("\nCapEff:"), NULL, 16);
}

static void
check_closed_error (GError *error)
{
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_CLOSED);
}

/* ---- asynchronous calls ------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  GMainLoop *loop;
  GAsyncResult *result;
  gboolean idle_ran;
  gboolean idle_ran_first;    /* the idle ran before the callback */
  gboolean callback_context_ok;
} AsyncWait;

static void
async_wait_init (AsyncWait *wait)
{
  memset (wait, 0, sizeof *wait);
  wait->context = g_main_context_new ();
  wait->loop = g_main_loop_new (wait->context, FALSE);
  g_main_context_push_thread_default (wait->context);
}

static void
async_wait_clear (AsyncWait *wait)
{
  g_main_context_pop_thread_default (wait->context);
  g_clear_object (&wait->result);
  g_clear_pointer (&wait->loop, g_main_loop_unref);
  /* drain anything left (destroyed sources) */
  while (g_main_context_iteration (wait->context, FALSE))
    ;
  g_clear_pointer (&wait->context, g_main_context_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AsyncWait, async_wait_clear)

static void
async_wait_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncWait *wait = user_data;

  g_assert_null (wait->result);
  wait->result = g_object_ref (result);
  wait->idle_ran_first = wait->idle_ran;
  wait->callback_context_ok = g_main_context_is_owner (wait->context) &&
                              g_main_context_get_thread_default () == wait->context;
  g_main_loop_quit (wait->loop);
}

static gboolean
async_wait_idle (gpointer user_data)
{
  AsyncWait *wait = user_data;

  wait->idle_ran = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
async_wait_too_long (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* An idle at high priority on the wait's context: it runs on the loop's
 * first iteration, before any reply can be dispatched. */
static void
async_wait_add_idle (AsyncWait *wait)
{
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_HIGH);
  g_source_set_callback (idle, async_wait_idle, wait, NULL);
  g_source_attach (idle, wait->context);
}

/* Runs the loop until the callback came (at most 10 s). */
static void
async_wait_run (AsyncWait *wait)
{
  g_autoptr(GSource) guard = g_timeout_source_new (10000);

  g_source_set_callback (guard, async_wait_too_long, NULL, NULL);
  g_source_attach (guard, wait->context);
  if (wait->result == NULL)
    g_main_loop_run (wait->loop);
  g_source_destroy (guard);
  g_assert_nonnull (wait->result);
  g_assert_true (wait->callback_context_ok);
}

/* ---- new, close, properties --------------------------------------------- */

static void
test_new (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  GPid pid;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  pid = spacetest_spacer_get_pid (spacer);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (pid, !=, getpid ());
  g_assert_true (tu_is_our_child (pid));
  g_assert_cmpint (tu_process_state (pid, NULL), !=, 'Z');
  g_assert_no_errno (kill (pid, 0));

  /* in our user and PID namespaces */
  g_assert_cmpuint (proc_ns_inode (pid, "user"), ==, tu_thread_ns_inode (USER));
  g_assert_cmpuint (proc_ns_inode (pid, "pid"), ==, tu_thread_ns_inode (PID));
  g_assert_null (spacetest_spacer_get_user_namespace (spacer));
  g_assert_null (spacetest_spacer_get_pid_namespace (spacer));

  /* the service holds no more than its socket and the std streams (and
   * its own bookkeeping: a signalfd) */
  g_assert_cmpuint (tu_count_proc_fds (pid), <=, 5);

  close_spacer (spacer);
  /* reaped: no zombie left */
  g_assert_true (tu_process_gone (pid));
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);

  /* idempotent */
  close_spacer (spacer);
  close_spacer (spacer);
  g_assert_cmpint (spacetest_spacer_get_pid (spacer), ==, pid);
}

static void
test_unref_closes (void)
{
  SpacetestSpacer *spacer;
  GPid pid;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  pid = spacetest_spacer_get_pid (spacer);
  g_assert_true (tu_is_our_child (pid));
  g_object_unref (spacer);
  g_assert_true (tu_process_gone (pid));
}

static void
test_closed (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_auto(AsyncWait) wait = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestSpacer) sub2 = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;
  GPid sub_pid;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  sub = subspace (spacer, USER | PID);
  sub_pid = spacetest_spacer_get_pid (sub);
  close_spacer (spacer);

  sub2 = spacetest_spacer_subspace (spacer, USER, NULL, &error);
  check_closed_error (error);
  g_assert_null (sub2);
  g_clear_error (&error);

  result = spacetest_spacer_rooms (spacer, NET, NULL, &error);
  check_closed_error (error);
  g_assert_null (result);
  g_clear_error (&error);

  ns = spacetest_spacer_new_transient (spacer, UTS, NULL, &error);
  check_closed_error (error);
  g_assert_null (ns);
  g_clear_error (&error);

  async_wait_init (&wait);
  spacetest_spacer_rooms_async (spacer, NET, NULL, async_wait_done, &wait);
  async_wait_run (&wait);
  result = spacetest_spacer_rooms_finish (spacer, wait.result, &error);
  check_closed_error (error);
  g_assert_null (result);
  g_clear_error (&error);
  g_clear_object (&wait.result);

  spacetest_spacer_subspace_async (spacer, PID, NULL, async_wait_done, &wait);
  async_wait_run (&wait);
  sub2 = spacetest_spacer_subspace_finish (spacer, wait.result, &error);
  check_closed_error (error);
  g_assert_null (sub2);
  g_clear_error (&error);

  /* The service that made the sub service ended with the spacer, and so
   * did the sub service (its parent died). */
  g_assert_true (wait_process_dead (sub_pid, 2000));
  result = spacetest_spacer_rooms (sub, NET, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
  g_assert_null (result);
  close_spacer (sub);
}

static void
notify_count (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_properties (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(SpacetestNamespace) user_ns = NULL;
  g_autoptr(SpacetestNamespace) pid_ns = NULL;
  guint timeout = 0, notified = 0;
  int pid = 0;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  g_object_get (spacer, "pid", &pid, "timeout", &timeout,
                "user-namespace", &user_ns, "pid-namespace", &pid_ns, NULL);
  g_assert_cmpint (pid, ==, spacetest_spacer_get_pid (spacer));
  g_assert_cmpuint (timeout, ==, 5000);
  g_assert_cmpuint (spacetest_spacer_get_timeout (spacer), ==, 5000);
  g_assert_null (user_ns);
  g_assert_null (pid_ns);

  g_signal_connect (spacer, "notify::timeout", G_CALLBACK (notify_count), &notified);
  g_object_set (spacer, "timeout", 1234, NULL);
  g_assert_cmpuint (spacetest_spacer_get_timeout (spacer), ==, 1234);
  g_assert_cmpuint (notified, ==, 1);
  spacetest_spacer_set_timeout (spacer, 1234);
  g_assert_cmpuint (notified, ==, 1);
  spacetest_spacer_set_timeout (spacer, 4321);
  g_assert_cmpuint (notified, ==, 2);
  g_object_get (spacer, "timeout", &timeout, NULL);
  g_assert_cmpuint (timeout, ==, 4321);
  assert_spacer_works (spacer);

  sub = subspace (spacer, USER | PID);
  g_object_get (sub, "pid", &pid, "user-namespace", &user_ns,
                "pid-namespace", &pid_ns, NULL);
  g_assert_cmpint (pid, ==, spacetest_spacer_get_pid (sub));
  g_assert_true (user_ns == spacetest_spacer_get_user_namespace (sub));
  g_assert_true (pid_ns == spacetest_spacer_get_pid_namespace (sub));
  g_assert_nonnull (user_ns);
  g_assert_nonnull (pid_ns);
}

/* A helper that is not a spacer service, or none at all: a clear
 * SPACER_FAILED, nothing left behind. */
static void
test_bad_helper (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestSpacer) spacer = NULL;
      guint n_fds;

      n_fds = tu_count_fds ();

      g_setenv ("SPACETEST_SPACER_PATH", "/nonexistent/spacetest-spacer", TRUE);
      spacer = spacetest_spacer_new (NULL, &error);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
      g_assert_nonnull (strstr (error->message,
                                "/nonexistent/spacetest-spacer"));
      g_assert_nonnull (strstr (error->message, "SPACETEST_SPACER_PATH"));
      g_assert_null (spacer);
      g_clear_error (&error);

      /* exits at once */
      g_setenv ("SPACETEST_SPACER_PATH", "/bin/true", TRUE);
      spacer = spacetest_spacer_new (NULL, &error);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
      g_assert_null (spacer);
      g_test_message ("%s", error->message);
      g_assert_cmpuint (tu_count_fds (), ==, n_fds);
      g_print ("bad-helper: checked\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*bad-helper: checked*");
}

/* Without SPACETEST_SPACER_PATH, the uninstalled library (this program
 * links the shared library in the build tree) starts the helper of its
 * build tree, not the one in libexecdir (API.md, "Uninstalled use"). */
static void
test_uninstalled_helper (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestSpacer) spacer = NULL;
      g_autoptr(GPtrArray) result = NULL;
      g_autofree char *built = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *exe_link = NULL;
      g_autofree char *exe = NULL;

      built = g_test_build_filename (G_TEST_BUILT, "..", "spacetest-glib",
                                     "spacetest-spacer", NULL);
      expected = realpath (built, NULL);
      g_assert_nonnull (expected);

      /* only here, in the child */
      g_unsetenv ("SPACETEST_SPACER_PATH");
      spacer = new_spacer ();
      exe_link = g_strdup_printf ("/proc/%d/exe",
                                  (int) spacetest_spacer_get_pid (spacer));
      exe = g_file_read_link (exe_link, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (exe, ==, expected);
      result = rooms (spacer, SPACETEST_NAMESPACE_TYPE_UTS);
      g_assert_cmpuint (result->len, ==, 1);
      g_print ("uninstalled-helper: checked\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*uninstalled-helper: checked*");
}

/* ---- subspaces ---------------------------------------------------------- */

/* Checks a subspace of a service whose user and PID namespaces are
 * @parent_user and @parent_pid. */
static void
check_subspace (SpacetestSpacer        *sub,
                SpacetestNamespaceType  types,
                SpacetestNamespace     *parent_user,
                SpacetestNamespace     *parent_pid,
                guint                   parent_pid_levels)
{
  SpacetestNamespace *user_ns = spacetest_spacer_get_user_namespace (sub);
  SpacetestNamespace *pid_ns = spacetest_spacer_get_pid_namespace (sub);
  SpacetestNamespace *user_of_sub = user_ns ? user_ns : parent_user;
  GPid pid = spacetest_spacer_get_pid (sub);
  g_auto(GStrv) levels = NULL;

  /* visible in our PID namespace, alive */
  g_assert_cmpint (pid, >, 0);
  g_assert_no_errno (kill (pid, 0));
  g_assert_cmpint (tu_process_state (pid, NULL), !=, 'Z');
  g_assert_false (tu_is_our_child (pid));   /* its service's child */

  levels = nspids (pid);
  g_assert_cmpint (atoi (levels[0]), ==, pid);

  if (types & USER)
    {
      g_autoptr(SpacetestNamespace) parent = NULL;

      g_assert_nonnull (user_ns);
      g_assert_cmpuint (spacetest_namespace_get_namespace_type (user_ns), ==, USER);
      assert_ns_differ (user_ns, parent_user);
      g_assert_cmpuint (proc_ns_inode (pid, "user"), ==,
                        spacetest_namespace_get_inode (user_ns));
      /* NS_GET_PARENT and NS_GET_USERNS agree for a user namespace */
      parent = parent_of (user_ns);
      assert_ns_equal (parent, parent_user);
      g_clear_object (&parent);
      parent = owner_of (user_ns);
      assert_ns_equal (parent, parent_user);
    }
  else
    {
      g_assert_null (user_ns);
      g_assert_cmpuint (proc_ns_inode (pid, "user"), ==,
                        spacetest_namespace_get_inode (parent_user));
    }

  if (types & PID)
    {
      g_autoptr(SpacetestNamespace) parent = NULL;
      g_autoptr(SpacetestNamespace) owner = NULL;

      g_assert_nonnull (pid_ns);
      g_assert_cmpuint (spacetest_namespace_get_namespace_type (pid_ns), ==, PID);
      assert_ns_differ (pid_ns, parent_pid);
      g_assert_cmpuint (proc_ns_inode (pid, "pid"), ==,
                        spacetest_namespace_get_inode (pid_ns));
      parent = parent_of (pid_ns);
      assert_ns_equal (parent, parent_pid);
      /* owned by the new user namespace, if there is one */
      owner = owner_of (pid_ns);
      assert_ns_equal (owner, user_of_sub);
      /* PID 1 there, one level deeper */
      g_assert_cmpuint (g_strv_length (levels), ==, parent_pid_levels + 1);
      g_assert_cmpstr (levels[parent_pid_levels], ==, "1");
    }
  else
    {
      g_assert_null (pid_ns);
      g_assert_cmpuint (proc_ns_inode (pid, "pid"), ==,
                        spacetest_namespace_get_inode (parent_pid));
      g_assert_cmpuint (g_strv_length (levels), ==, parent_pid_levels);
    }

  /* it makes rooms owned by its user namespace */
  {
    g_autoptr(GPtrArray) net = rooms (sub, NET);
    g_autoptr(SpacetestNamespace) owner = owner_of (net->pdata[0]);

    assert_ns_equal (owner, user_of_sub);
  }
}

static void
test_subspace (gconstpointer data)
{
  SpacetestNamespaceType types = GPOINTER_TO_UINT (data);
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(SpacetestNamespace) our_user = tu_current (USER);
  g_autoptr(SpacetestNamespace) our_pid = tu_current (PID);
  g_auto(GStrv) our_levels = nspids (getpid ());
  GPid sub_pid;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  sub = subspace (spacer, types);
  check_subspace (sub, types, our_user, our_pid, g_strv_length (our_levels));

  /* closing the sub service ends it (its service reaps it) */
  sub_pid = spacetest_spacer_get_pid (sub);
  close_spacer (sub);
  g_assert_true (wait_process_gone (sub_pid, 2000));
  /* its namespaces stay valid objects */
  if (types & USER)
    g_assert_cmpuint (spacetest_namespace_get_namespace_type (
                        spacetest_spacer_get_user_namespace (sub)), ==, USER);
  assert_spacer_works (spacer);
}

static void
test_subspace_nested (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  SpacetestSpacer *levels[4] = { NULL, };
  g_autoptr(SpacetestNamespace) our_user = tu_current (USER);
  g_autoptr(SpacetestNamespace) our_pid = tu_current (PID);
  g_auto(GStrv) our_levels = nspids (getpid ());
  GPid pids[4] = { 0, };

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  levels[0] = g_object_ref (spacer);
  for (int i = 1; i < 4; i++)
    {
      SpacetestNamespace *parent_user =
        i == 1 ? our_user : spacetest_spacer_get_user_namespace (levels[i - 1]);
      SpacetestNamespace *parent_pid =
        i == 1 ? our_pid : spacetest_spacer_get_pid_namespace (levels[i - 1]);

      levels[i] = subspace (levels[i - 1], USER | PID);
      pids[i] = spacetest_spacer_get_pid (levels[i]);
      check_subspace (levels[i], USER | PID, parent_user, parent_pid,
                      g_strv_length (our_levels) + i - 1);
    }

  /* rooms of the innermost level belong to it: all of them */
  {
    g_autoptr(GPtrArray) all = rooms (levels[3], ROOM_TYPES);

    g_assert_cmpuint (all->len, ==, 6);
    for (guint i = 0; i < all->len; i++)
      {
        g_autoptr(SpacetestNamespace) owner = owner_of (all->pdata[i]);

        assert_ns_equal (owner, spacetest_spacer_get_user_namespace (levels[3]));
      }
  }

  /* Closing the outermost service ends the whole chain: each inner
   * service dies with the service that made it. */
  close_spacer (spacer);
  for (int i = 1; i < 4; i++)
    g_assert_true (wait_process_dead (pids[i], 2000));
  for (int i = 3; i >= 0; i--)
    {
      close_spacer (levels[i]);
      g_object_unref (levels[i]);
    }
}

/* A PID subspace of a user subspace: the PID namespace's owner is the
 * user namespace of the service that made it. */
static void
test_subspace_mixed (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) user_sub = NULL;
  g_autoptr(SpacetestSpacer) pid_sub = NULL;
  g_autoptr(SpacetestNamespace) our_pid = tu_current (PID);
  g_auto(GStrv) our_levels = nspids (getpid ());

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  user_sub = subspace (spacer, USER);
  pid_sub = subspace (user_sub, PID);
  check_subspace (pid_sub, PID, spacetest_spacer_get_user_namespace (user_sub),
                  our_pid, g_strv_length (our_levels));
}

/* ---- rooms -------------------------------------------------------------- */

static void
check_rooms (GPtrArray          *result,
             SpacetestNamespace *owner_expected,
             GPid                service_pid)
{
  g_assert_cmpuint (result->len, ==, G_N_ELEMENTS (room_types));

  for (guint i = 0; i < result->len; i++)
    {
      SpacetestNamespace *ns = result->pdata[i];
      g_autoptr(SpacetestNamespace) ours = tu_current (room_types[i]);
      g_autoptr(SpacetestNamespace) owner = owner_of (ns);

      g_assert_true (SPACETEST_IS_NAMESPACE (ns));
      g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==, room_types[i]);
      assert_ns_differ (ns, ours);
      assert_ns_equal (owner, owner_expected);
      g_assert_false (spacetest_namespace_is_current (ns));
      g_assert_cmpuint (spacetest_namespace_get_inode (ns), !=,
                        proc_ns_inode (service_pid,
                                       spacetest_namespace_type_to_string (room_types[i])));
    }

  /* the time room is really new: not the service's own time namespace */
  g_assert_cmpuint (spacetest_namespace_get_inode (result->pdata[4]), !=,
                    proc_ns_inode (service_pid, "time"));
  g_assert_cmpuint (spacetest_namespace_get_inode (result->pdata[4]), !=,
                    proc_ns_inode (service_pid, "time_for_children"));
}

static void
record_lo_up (gpointer user_data)
{
  *(gboolean *) user_data = tu_lo_is_up ();
}

static void
test_rooms_all (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  gboolean lo_up = FALSE;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  sub = subspace (spacer, USER | PID);

  /* six fds in one reply: all arrive */
  all = rooms (sub, ROOM_TYPES);
  check_rooms (all, spacetest_spacer_get_user_namespace (sub),
               spacetest_spacer_get_pid (sub));

  /* a second request gives other namespaces */
  again = rooms (sub, ROOM_TYPES);
  for (guint i = 0; i < all->len; i++)
    assert_ns_differ (all->pdata[i], again->pdata[i]);

  /* the network room has lo up */
  g_assert_true (spacetest_namespace_execute (all->pdata[3], record_lo_up, &lo_up,
                                              &error));
  g_assert_no_error (error);
  g_assert_true (lo_up);
}

static void
test_rooms_root (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) some = NULL;
  g_autoptr(SpacetestNamespace) our_user = tu_current (USER);

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  all = rooms (spacer, ROOM_TYPES);
  check_rooms (all, our_user, spacetest_spacer_get_pid (spacer));

  /* a subset keeps the canonical order, whatever the order of the bits */
  some = rooms (spacer, UTS | IPC | TIME);
  g_assert_cmpuint (some->len, ==, 3);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (some->pdata[0]), ==, IPC);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (some->pdata[1]), ==, TIME);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (some->pdata[2]), ==, UTS);
}

static void
test_new_transient (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  sub = subspace (spacer, USER | PID);

  for (gsize i = 0; i < G_N_ELEMENTS (room_types); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestNamespace) ns = NULL;
      g_autoptr(SpacetestNamespace) ours = tu_current (room_types[i]);
      g_autoptr(SpacetestNamespace) owner = NULL;

      ns = spacetest_spacer_new_transient (sub, room_types[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_true (SPACETEST_IS_NAMESPACE (ns));
      g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==, room_types[i]);
      assert_ns_differ (ns, ours);
      owner = owner_of (ns);
      assert_ns_equal (owner, spacetest_spacer_get_user_namespace (sub));
      if (room_types[i] == TIME)
        g_assert_cmpuint (spacetest_namespace_get_inode (ns), !=,
                          proc_ns_inode (spacetest_spacer_get_pid (sub), "time"));
    }
}

/* ---- asynchronous forms ------------------------------------------------- */

static void
test_async_rooms (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AsyncWait) wait = { 0, };

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  sub = subspace (spacer, USER | PID);

  async_wait_init (&wait);
  async_wait_add_idle (&wait);
  spacetest_spacer_rooms_async (sub, ROOM_TYPES, NULL, async_wait_done, &wait);
  /* not completed synchronously, and the loop was free to run other
   * sources while the request was outstanding */
  g_assert_null (wait.result);
  async_wait_run (&wait);
  g_assert_true (wait.idle_ran_first);

  all = spacetest_spacer_rooms_finish (sub, wait.result, &error);
  g_assert_no_error (error);
  check_rooms (all, spacetest_spacer_get_user_namespace (sub),
               spacetest_spacer_get_pid (sub));

  /* usable afterwards, synchronously too */
  assert_spacer_works (sub);
}

static void
test_async_subspace (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(SpacetestSpacer) sub2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) our_user = tu_current (USER);
  g_autoptr(SpacetestNamespace) our_pid = tu_current (PID);
  g_auto(GStrv) our_levels = nspids (getpid ());
  g_auto(AsyncWait) wait = { 0, };

  spacetest_test_check_leaks ();

  spacer = new_spacer ();

  async_wait_init (&wait);
  async_wait_add_idle (&wait);
  spacetest_spacer_subspace_async (spacer, USER | PID, NULL, async_wait_done, &wait);
  g_assert_null (wait.result);
  async_wait_run (&wait);
  g_assert_true (wait.idle_ran_first);

  sub = spacetest_spacer_subspace_finish (spacer, wait.result, &error);
  g_assert_no_error (error);
  check_subspace (sub, USER | PID, our_user, our_pid, g_strv_length (our_levels));
  g_clear_object (&wait.result);

  /* a subspace of that one, asynchronously */
  spacetest_spacer_subspace_async (sub, USER, NULL, async_wait_done, &wait);
  async_wait_run (&wait);
  sub2 = spacetest_spacer_subspace_finish (sub, wait.result, &error);
  g_assert_no_error (error);
  check_subspace (sub2, USER, spacetest_spacer_get_user_namespace (sub),
                  spacetest_spacer_get_pid_namespace (sub),
                  g_strv_length (our_levels) + 1);
}

/* Two requests at once on one spacer: the second one is refused with
 * G_IO_ERROR_PENDING, the first one completes. */
static void
test_async_pending (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AsyncWait) wait = { 0, };
  g_auto(AsyncWait) wait2 = { 0, };

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  async_wait_init (&wait);
  spacetest_spacer_rooms_async (spacer, NET, NULL, async_wait_done, &wait);

  /* the synchronous form is refused too */
  second = spacetest_spacer_rooms (spacer, UTS, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_null (second);
  g_clear_error (&error);

  wait2.context = g_main_context_ref (wait.context);
  wait2.loop = g_main_loop_new (wait.context, FALSE);
  g_main_context_push_thread_default (wait2.context);
  spacetest_spacer_rooms_async (spacer, UTS, NULL, async_wait_done, &wait2);
  async_wait_run (&wait2);
  second = spacetest_spacer_rooms_finish (spacer, wait2.result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_null (second);
  g_clear_error (&error);

  async_wait_run (&wait);
  first = spacetest_spacer_rooms_finish (spacer, wait.result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (first->pdata[0]), ==, NET);
  assert_spacer_works (spacer);
}

/* Closing the spacer while an asynchronous request is outstanding: the
 * request fails (CLOSED), nothing crashes or leaks. In a subprocess, as a
 * failure here may be a critical warning, which is fatal. */
static void
test_async_close_pending (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(SpacetestSpacer) spacer = NULL;
      g_autoptr(GPtrArray) result = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(AsyncWait) wait = { 0, };
      GPid pid;

      spacer = new_spacer ();
      pid = spacetest_spacer_get_pid (spacer);
      async_wait_init (&wait);
      spacetest_spacer_rooms_async (spacer, NET, NULL, async_wait_done, &wait);
      close_spacer (spacer);
      g_assert_true (tu_process_gone (pid));

      async_wait_run (&wait);
      result = spacetest_spacer_rooms_finish (spacer, wait.result, &error);
      g_assert_null (result);
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_CLOSED);
      g_print ("close-pending: checked\n");
      return;
    }

  tu_trap_expect_pass ("spacetest_spacer_close() while an asynchronous request is "
                    "outstanding");
}

/* ---- cancellation and timeouts ------------------------------------------ */

static void
test_cancelled (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;
  g_autoptr(SpacetestSpacer) new_one = NULL;
  g_auto(AsyncWait) wait = { 0, };

  spacetest_test_check_leaks ();

  g_cancellable_cancel (cancellable);
  spacer = new_spacer ();

  result = spacetest_spacer_rooms (spacer, NET, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
  g_clear_error (&error);
  assert_spacer_works (spacer);

  ns = spacetest_spacer_new_transient (spacer, UTS, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ns);
  g_clear_error (&error);
  assert_spacer_works (spacer);

  sub = spacetest_spacer_subspace (spacer, USER | PID, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (sub);
  g_clear_error (&error);
  assert_spacer_works (spacer);

  async_wait_init (&wait);
  spacetest_spacer_rooms_async (spacer, NET, cancellable, async_wait_done, &wait);
  async_wait_run (&wait);
  result = spacetest_spacer_rooms_finish (spacer, wait.result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
  g_clear_error (&error);
  g_clear_object (&wait.result);
  assert_spacer_works (spacer);

  spacetest_spacer_subspace_async (spacer, USER, cancellable, async_wait_done, &wait);
  async_wait_run (&wait);
  sub = spacetest_spacer_subspace_finish (spacer, wait.result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (sub);
  g_clear_error (&error);
  assert_spacer_works (spacer);

  /* and a subspace still works after all that */
  sub = subspace (spacer, USER | PID);
  assert_spacer_works (sub);

  /* a cancelled construction leaves nothing behind */
  new_one = spacetest_spacer_new (cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (new_one);
}

/* A stopped service: the request times out in time; once it runs again,
 * the spacer still works (the late reply is discarded). */
static void
test_timeout (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) result = NULL;
  gint64 start, elapsed_ms;
  GPid pid;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  pid = spacetest_spacer_get_pid (spacer);
  spacetest_spacer_set_timeout (spacer, 300);

  g_assert_no_errno (kill (pid, SIGSTOP));
  start = g_get_monotonic_time ();
  result = spacetest_spacer_rooms (spacer, NET, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
  g_assert_null (result);
  g_assert_cmpint (elapsed_ms, >=, 290);
  g_assert_cmpint (elapsed_ms, <, 2000);
  g_clear_error (&error);
  g_assert_no_errno (kill (pid, SIGCONT));

  spacetest_spacer_set_timeout (spacer, 5000);
  assert_spacer_works (spacer);

  /* the same asynchronously */
  {
    g_auto(AsyncWait) wait = { 0, };

    spacetest_spacer_set_timeout (spacer, 300);
    g_assert_no_errno (kill (pid, SIGSTOP));
    async_wait_init (&wait);
    start = g_get_monotonic_time ();
    spacetest_spacer_rooms_async (spacer, NET, NULL, async_wait_done, &wait);
    async_wait_run (&wait);
    elapsed_ms = (g_get_monotonic_time () - start) / 1000;
    result = spacetest_spacer_rooms_finish (spacer, wait.result, &error);
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
    g_assert_null (result);
    g_assert_cmpint (elapsed_ms, >=, 290);
    g_assert_cmpint (elapsed_ms, <, 2000);
    g_clear_error (&error);
    g_assert_no_errno (kill (pid, SIGCONT));
    spacetest_spacer_set_timeout (spacer, 5000);
    assert_spacer_works (spacer);
  }

  /* a stopped sub service that does not end when closed is killed */
  sub = subspace (spacer, USER | PID);
  spacetest_spacer_set_timeout (sub, 300);
  g_assert_no_errno (kill (spacetest_spacer_get_pid (sub), SIGSTOP));
  start = g_get_monotonic_time ();
  g_assert_false (spacetest_spacer_close (sub, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
  g_clear_error (&error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (elapsed_ms, <, 2500);
  g_assert_true (wait_process_gone (spacetest_spacer_get_pid (sub), 2000));

  /* and so is a stopped root service */
  spacetest_spacer_set_timeout (spacer, 300);
  g_assert_no_errno (kill (pid, SIGSTOP));
  start = g_get_monotonic_time ();
  g_assert_false (spacetest_spacer_close (spacer, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
  g_clear_error (&error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (elapsed_ms, <, 2500);
  g_assert_true (tu_process_gone (pid));
}

/* ---- bad requests ------------------------------------------------------- */

static void
test_bad_requests (void)
{
  static const SpacetestNamespaceType bad_subspace[] = {
    NET, NONE, USER | NET, PID | UTS, CGROUP, 1u << 0,
  };
  static const SpacetestNamespaceType bad_rooms[] = {
    USER, PID, NONE, NET | USER, PID | UTS, 1u << 0, 0x80000000u,
  };
  static const SpacetestNamespaceType bad_transient[] = {
    PID, USER, NONE, NET | UTS, 1u << 0,
  };
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_auto(AsyncWait) wait = { 0, };

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  sub = subspace (spacer, USER);
  async_wait_init (&wait);

  for (int s = 0; s < 2; s++)
    {
      SpacetestSpacer *sp = s == 0 ? spacer : sub;

      for (gsize i = 0; i < G_N_ELEMENTS (bad_subspace); i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(SpacetestSpacer) bad = NULL;

          bad = spacetest_spacer_subspace (sp, bad_subspace[i], NULL, &error);
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
          g_assert_null (bad);
          g_clear_error (&error);

          spacetest_spacer_subspace_async (sp, bad_subspace[i], NULL,
                                           async_wait_done, &wait);
          async_wait_run (&wait);
          bad = spacetest_spacer_subspace_finish (sp, wait.result, &error);
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
          g_assert_null (bad);
          g_clear_object (&wait.result);
          assert_spacer_works (sp);
        }

      for (gsize i = 0; i < G_N_ELEMENTS (bad_rooms); i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) bad = NULL;

          bad = spacetest_spacer_rooms (sp, bad_rooms[i], NULL, &error);
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
          g_assert_null (bad);
          g_clear_error (&error);

          spacetest_spacer_rooms_async (sp, bad_rooms[i], NULL, async_wait_done, &wait);
          async_wait_run (&wait);
          bad = spacetest_spacer_rooms_finish (sp, wait.result, &error);
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
          g_assert_null (bad);
          g_clear_object (&wait.result);
          assert_spacer_works (sp);
        }

      for (gsize i = 0; i < G_N_ELEMENTS (bad_transient); i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(SpacetestNamespace) bad = NULL;

          bad = spacetest_spacer_new_transient (sp, bad_transient[i], NULL, &error);
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
          g_assert_null (bad);
          /* it names the function and the types it takes */
          g_assert_nonnull (strstr (error->message,
                                    "spacetest_spacer_new_transient()"));
          g_assert_nonnull (strstr (error->message,
                                    "cgroup+ipc+mnt+net+time+uts"));
          assert_spacer_works (sp);
        }
    }
}

/* ---- unprivileged ------------------------------------------------------- */

/* Makes the process unprivileged for good: root (if it is root) gets no
 * capabilities back on execve(), so neither does a service it starts. */
static void
become_unprivileged (int keep_ambient)
{
  tu_leak_check_now ();
  g_assert_no_errno (prctl (PR_SET_SECUREBITS,
                            SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
                            SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED,
                            0, 0, 0));
  if (keep_ambient < 0)
    {
      tu_drop_capabilities ();
      return;
    }

  /* keep one capability, and hand it on to executed programs */
  {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { { 0, } };
    guint32 bit = 1u << (keep_ambient % 32);

    caps[keep_ambient / 32].effective = bit;
    caps[keep_ambient / 32].permitted = bit;
    caps[keep_ambient / 32].inheritable = bit;
    g_assert_no_errno ((int) syscall (SYS_capset, &header, caps));
    g_assert_no_errno (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, keep_ambient, 0, 0));
  }
}

static void
check_unprivileged_root_spacer (SpacetestSpacer *spacer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) net = NULL;
  guint64 caps = process_caps (spacetest_spacer_get_pid (spacer));

  /* the service has no CAP_SYS_ADMIN */
  g_assert_cmphex (caps & (G_GUINT64_CONSTANT (1) << CAP_SYS_ADMIN), ==, 0);

  net = spacetest_spacer_rooms (spacer, NET, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED);
  g_assert_null (net);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, g_strerror (EPERM)));
  g_clear_error (&error);

  /* and it still works after the refusal */
  net = spacetest_spacer_rooms (spacer, UTS, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED);
}

static void
check_unprivileged_subspace (SpacetestSpacer *spacer)
{
  g_autoptr(SpacetestSpacer) sub = subspace (spacer, USER | PID);
  g_autoptr(GPtrArray) net_uts = rooms (sub, NET | UTS);
  g_autoptr(SpacetestNamespace) owner = NULL;

  g_assert_cmpuint (net_uts->len, ==, 2);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (net_uts->pdata[0]), ==, NET);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (net_uts->pdata[1]), ==, UTS);
  owner = owner_of (net_uts->pdata[0]);
  assert_ns_equal (owner, spacetest_spacer_get_user_namespace (sub));
}

/* All capabilities gone: the root service can make no rooms. The kernel
 * allows a new user namespace that maps uid 0 of its parent only with
 * CAP_SETFCAP (since Linux 5.12), so root without any capability cannot
 * make a subspace that maps it to root; an ordinary user (the root lane
 * can become one) can. */
static void
unprivileged_no_caps (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;

  spacetest_test_check_leaks ();

  become_unprivileged (-1);
  spacer = new_spacer ();
  check_unprivileged_root_spacer (spacer);

  if (geteuid () == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestSpacer) sub =
        spacetest_spacer_subspace (spacer, USER | PID, NULL, &error);

      g_test_message ("%s", error ? error->message : "(no error)");
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED);
      g_assert_null (sub);
      g_print ("unprivileged: root cannot map root\n");
    }
  else
    check_unprivileged_subspace (spacer);

  g_print ("unprivileged: checked\n");
}

/* Without CAP_SYS_ADMIN but with CAP_SETFCAP (ambient, so the service
 * has it too): no rooms from the root service, but a USER|PID subspace
 * that makes rooms. */
static void
unprivileged_setfcap (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;

  spacetest_test_check_leaks ();

  become_unprivileged (CAP_SETFCAP);
  spacer = new_spacer ();
  g_assert_cmphex (process_caps (spacetest_spacer_get_pid (spacer)), ==,
                   G_GUINT64_CONSTANT (1) << CAP_SETFCAP);
  check_unprivileged_root_spacer (spacer);
  check_unprivileged_subspace (spacer);
  g_print ("unprivileged-setfcap: checked\n");
}

/* An ordinary user (the root lane can become one): no rooms from the root
 * service, but subspaces that make rooms. */
static void
unprivileged_user (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;

  spacetest_test_check_leaks ();

  g_assert_no_errno (setgroups (0, NULL));
  g_assert_no_errno (setresgid (NOBODY, NOBODY, NOBODY));
  g_assert_no_errno (setresuid (NOBODY, NOBODY, NOBODY));
  g_assert_cmphex (process_caps (getpid ()), ==, 0);

  spacer = new_spacer ();
  check_unprivileged_root_spacer (spacer);
  check_unprivileged_subspace (spacer);
  g_print ("unprivileged-user: checked\n");
}

/* The unprivileged tests: each runs @child as its trap child, which
 * prints "NAME: checked" at its end. */
typedef struct
{
  const char *name;
  void (*child) (void);
} Unprivileged;

static const Unprivileged unprivileged_cases[] = {
  { "unprivileged", unprivileged_no_caps },
  { "unprivileged-setfcap", unprivileged_setfcap },
  { "unprivileged-user", unprivileged_user },
};

/* Runs the current test's trap child, that of the test @name, with the
 * spacer helper @helper
 * (NULL: the installed one). The child starts the helper as nobody
 * ("unprivileged-user") or as root without capabilities, who may not
 * reach it in the build tree: a checkout in a directory only its owner
 * can enter (/root, mode 0700, or a mktemp -d directory) is closed to
 * nobody, and to root without CAP_DAC_OVERRIDE when someone else owns it.
 * The helper links no library of the build tree (only GLib and libc, no
 * RUNPATH), and re-executes itself through /proc/self/exe, so a copy in
 * a directory of its own works as well: then the child runs that, else
 * the test skips saying why. Returns FALSE when it skipped, and in
 * @copied whether the child ran a copy. */
static gboolean
run_unprivileged (const char *name,
                  const char *helper,
                  gboolean   *copied)
{
  g_autofree char *marker = g_strdup_printf ("*%s: checked*", name);
  gboolean as_user = g_str_equal (name, "unprivileged-user");
  g_autofree char *reachable = NULL;
  g_autofree char *copy_dir = NULL;
  g_autofree char *why = NULL;
  g_autofree char *saved = NULL;
  gboolean set_env;

  *copied = FALSE;
  if (helper != NULL)
    {
      reachable = tu_reachable_path (as_user ? NOBODY : geteuid (),
                                     as_user ? NOBODY : getegid (),
                                     helper, &copy_dir, &why);
      if (reachable == NULL)
        {
          g_test_skip (why);
          return FALSE;
        }
      if (copy_dir != NULL)
        g_test_message ("%s: running a copy, %s", why, reachable);
    }

  /* The trap child inherits our environment: GLib 2.74 has no
   * g_test_trap_subprocess_with_envp() (2.80). So set the variable
   * around the call, only when it must change (the only other threads
   * are GLib's idle workers; GLib notes that setenv() is not
   * thread-safe). */
  saved = g_strdup (g_getenv ("SPACETEST_SPACER_PATH"));
  set_env = reachable != NULL && g_strcmp0 (reachable, saved) != 0;
  if (set_env)
    g_setenv ("SPACETEST_SPACER_PATH", reachable, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (set_env && saved != NULL)
    g_setenv ("SPACETEST_SPACER_PATH", saved, TRUE);
  else if (set_env)
    g_unsetenv ("SPACETEST_SPACER_PATH");
  if (copy_dir != NULL)
    tu_remove_copy_dir (copy_dir);

  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout (marker);
  *copied = copy_dir != NULL;
  return TRUE;
}

static void
test_unprivileged (gconstpointer data)
{
  const Unprivileged *unprivileged = data;
  gboolean copied;

  if (g_test_subprocess ())
    {
      unprivileged->child ();
      return;
    }

  spacetest_test_check_leaks ();
  if (unprivileged->child == unprivileged_user && !tu_uid_is_mapped (NOBODY))
    {
      g_test_skip ("no ordinary user in this user namespace");
      return;
    }
  run_unprivileged (unprivileged->name, g_getenv ("SPACETEST_SPACER_PATH"),
                    &copied);
}

/* A regression test: the helper in a directory only its owner
 * (we) can enter, as in the build tree of a checkout under /root (mode
 * 0700) or in a mktemp -d directory, still serves nobody, from a copy.
 * From such a checkout the unprivileged-user test takes the same way;
 * this one makes such a directory, so it checks it from any checkout. */
static void
test_unprivileged_closed_dir (void)
{
  const char *helper = g_getenv ("SPACETEST_SPACER_PATH");
  g_autoptr(GError) error = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *why = NULL;
  gboolean copied = FALSE;

  if (g_test_subprocess ())
    {
      unprivileged_user ();
      return;
    }

  spacetest_test_check_leaks ();
  if (!tu_uid_is_mapped (NOBODY))
    {
      g_test_skip ("no ordinary user in this user namespace");
      return;
    }
  if (helper == NULL)
    {
      g_test_skip ("SPACETEST_SPACER_PATH is not set (installed helper)");
      return;
    }
  /* nobody can reach "/" if we can become nobody at all */
  if (!tu_uid_can_reach (NOBODY, NOBODY, "/", &why))
    {
      g_test_skip (why);
      return;
    }

  closed = g_dir_make_tmp ("spacetest-closed-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_no_errno (chmod (closed, 0700));
  inside = tu_copy_program (helper, closed);

  /* closed to nobody, and the reason names the directory */
  g_assert_false (tu_uid_can_reach (NOBODY, NOBODY, inside, &why));
  g_test_message ("%s", why);
  g_assert_nonnull (strstr (why, closed));
  g_assert_nonnull (strstr (why, "closed to it"));

  if (run_unprivileged ("unprivileged-user", inside, &copied))
    g_assert_true (copied);

  g_assert_no_errno (unlink (inside));
  g_assert_no_errno (rmdir (closed));
}

/* ---- dead services ------------------------------------------------------ */

static void
check_killed (SpacetestSpacer *spacer,
              gboolean         our_child)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  GPid pid = spacetest_spacer_get_pid (spacer);
  gint64 start, elapsed_ms;

  spacetest_spacer_set_timeout (spacer, 2000);
  g_assert_no_errno (kill (pid, SIGKILL));

  start = g_get_monotonic_time ();
  result = spacetest_spacer_rooms (spacer, NET, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
  g_assert_null (result);
  g_test_message ("after %" G_GINT64_FORMAT " ms: %s", elapsed_ms, error->message);
  g_assert_cmpint (elapsed_ms, <, 2000);
  if (our_child)
    g_assert_nonnull (strstr (error->message, "signal 9"));
  g_clear_error (&error);

  /* and again, and for every kind of request */
  start = g_get_monotonic_time ();
  sub = spacetest_spacer_subspace (spacer, USER, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
  g_assert_null (sub);
  g_clear_error (&error);
  result = spacetest_spacer_rooms (spacer, UTS, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
  g_assert_null (result);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 2000);

  if (our_child)
    {
      /* reaped already, and the error says how it ended */
      g_assert_true (tu_process_gone (pid));
      g_assert_nonnull (strstr (error->message, "signal 9"));
    }
  close_spacer (spacer);
  g_assert_true (wait_process_gone (pid, 2000));
  close_spacer (spacer);
}

static void
test_killed (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  check_killed (spacer, TRUE);
}

static void
test_killed_sub (gconstpointer data)
{
  SpacetestNamespaceType types = GPOINTER_TO_UINT (data);
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  sub = subspace (spacer, types);
  check_killed (sub, FALSE);
  /* the service that made it carries on */
  assert_spacer_works (spacer);
}

static void
test_killed_async (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_auto(AsyncWait) wait = { 0, };
  GPid pid;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  pid = spacetest_spacer_get_pid (spacer);
  spacetest_spacer_set_timeout (spacer, 2000);
  g_assert_no_errno (kill (pid, SIGKILL));
  g_assert_no_errno (waitid (P_PID, pid, &(siginfo_t) { 0, }, WEXITED | WNOWAIT));

  async_wait_init (&wait);
  spacetest_spacer_rooms_async (spacer, NET, NULL, async_wait_done, &wait);
  async_wait_run (&wait);
  result = spacetest_spacer_rooms_finish (spacer, wait.result, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
  g_assert_null (result);
  close_spacer (spacer);
  g_assert_true (tu_process_gone (pid));
}

/* ---- a client that is killed -------------------------------------------- */

/* Run as a separate process by test_client_killed(): starts a service and
 * a USER|PID subspace, reports their pids and waits to be killed (so it
 * has no leak check: it never ends). */
static void
test_victim (void)
{
  g_autoptr(SpacetestSpacer) spacer = new_spacer ();
  g_autoptr(SpacetestSpacer) sub = subspace (spacer, USER | PID);

  g_print ("\npids: %d %d\n", (int) spacetest_spacer_get_pid (spacer),
           (int) spacetest_spacer_get_pid (sub));
  fflush (stdout);
  for (;;)
    pause ();
}

static void
test_client_killed (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", &error);
      g_autoptr(GString) out = g_string_new (NULL);
      g_auto(GStrv) envp = g_get_environ ();
      const char *argv[] = {
        NULL, "-p", "/spacetest/spacer/client-killed/victim", NULL
      };
      const char *line;
      int out_fd = -1, status = 0;
      int helper_pids[2] = { 0, 0 }, pidfds[2];
      GPid victim;
      gint64 start;

      /* Orphans come to this process, so it can reap them (rather than an
       * init that might not). */
      g_assert_no_errno (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));

      g_assert_no_error (error);
      argv[0] = exe;
      envp = g_environ_setenv (envp, VICTIM_ENV, "1", TRUE);
      g_spawn_async_with_pipes (NULL, (char **) argv, envp,
                                G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &victim, NULL, &out_fd, NULL, &error);
      g_assert_no_error (error);

      /* its helpers hold the pipe too: read until the pids are there */
      while ((line = strstr (out->str, "\npids: ")) == NULL ||
             strchr (line + 1, '\n') == NULL)
        {
          struct pollfd pfd = { out_fd, POLLIN, 0 };
          char buf[256];
          gssize n;

          g_assert_cmpint (poll (&pfd, 1, 10000), ==, 1);
          n = read (out_fd, buf, sizeof buf);
          g_assert_cmpint (n, >, 0);
          g_string_append_len (out, buf, n);
        }
      g_assert_cmpint (sscanf (line, "\npids: %d %d", &helper_pids[0],
                               &helper_pids[1]), ==, 2);

      for (int i = 0; i < 2; i++)
        {
          pidfds[i] = tu_pidfd_open (helper_pids[i]);
          g_assert_cmpint (pidfds[i], >=, 0);
        }
      /* the service is the victim's child; the sub service the service's */
      {
        pid_t ppid = 0;

        g_assert_cmpint (tu_process_state (helper_pids[0], &ppid), !=, 0);
        g_assert_cmpint (ppid, ==, victim);
        g_assert_cmpint (tu_process_state (helper_pids[1], &ppid), !=, 0);
        g_assert_cmpint (ppid, ==, helper_pids[0]);
      }

      g_assert_no_errno (kill (victim, SIGKILL));
      start = g_get_monotonic_time ();
      g_assert_cmpint (waitpid (victim, &status, 0), ==, victim);
      g_assert_true (WIFSIGNALED (status));

      for (int i = 0; i < 2; i++)
        {
          gint64 left = 2000 - (g_get_monotonic_time () - start) / 1000;
          struct pollfd pfd = { pidfds[i], POLLIN, 0 };

          g_assert_cmpint (poll (&pfd, 1, MAX (left, 0)), ==, 1);
          g_test_message ("helper %d ended after %" G_GINT64_FORMAT " ms",
                          helper_pids[i],
                          (g_get_monotonic_time () - start) / 1000);
        }

      /* reap whatever came to us (the services and orphans of theirs) */
      for (int i = 0; i < 2; i++)
        g_assert_no_errno (close (pidfds[i]));
      {
        gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

        while (!tu_process_gone (helper_pids[0]) || !tu_process_gone (helper_pids[1]))
          {
            while (waitpid (-1, NULL, WNOHANG) > 0)
              ;
            g_assert_cmpint (g_get_monotonic_time (), <, deadline);
            g_usleep (1000);
          }
      }
      g_assert_no_errno (close (out_fd));
      g_print ("client-killed: checked\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*client-killed: checked*");
}

/* ---- threads ------------------------------------------------------------ */

static gpointer
new_spacer_thread (gpointer data)
{
  return new_spacer ();
}

/* A service started from a thread that has ended since keeps serving
 * (no PR_SET_PDEATHSIG tied to that thread). */
static void
test_thread_ended (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(GHashTable) threads = tu_thread_ids ();
  GPid pid;

  spacetest_test_check_leaks ();

  spacer = g_thread_join (g_thread_new ("spacer-starter", new_spacer_thread, NULL));
  g_assert_cmpuint (tu_wait_new_threads_gone (threads, 2000), ==, 0);
  pid = spacetest_spacer_get_pid (spacer);
  g_usleep (50 * 1000);
  g_assert_true (tu_is_our_child (pid));
  g_assert_cmpint (tu_process_state (pid, NULL), !=, 'Z');
  assert_spacer_works (spacer);
  sub = subspace (spacer, USER | PID);
  assert_spacer_works (sub);
}

typedef struct
{
  SpacetestSpacer *spacer;
  GError *error;
  gint64 elapsed_ms;
} ConcurrentCall;

static gpointer
rooms_thread (gpointer data)
{
  ConcurrentCall *call = data;
  gint64 start = g_get_monotonic_time ();
  GPtrArray *result = spacetest_spacer_rooms (call->spacer, NET, NULL, &call->error);

  call->elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_clear_pointer (&result, g_ptr_array_unref);
  return NULL;
}

static gpointer
continue_later (gpointer data)
{
  g_usleep (300 * 1000);
  kill (GPOINTER_TO_INT (data), SIGCONT);
  return NULL;
}

/* Closing a spacer while another thread waits for a reply from it: the
 * waiting call is woken and ends with CLOSED when close() returns, not
 * at its own timeout; nothing crashes. */
static void
test_close_concurrent (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(SpacetestSpacer) spacer = NULL;
      ConcurrentCall call = { 0, };
      GThread *thread, *continuer;
      gint64 start, close_ms;
      GPid pid;

      spacer = new_spacer ();
      pid = spacetest_spacer_get_pid (spacer);
      spacetest_spacer_set_timeout (spacer, 4000);
      call.spacer = spacer;

      /* a stopped service does not answer: the thread waits */
      g_assert_no_errno (kill (pid, SIGSTOP));
      thread = g_thread_new ("rooms", rooms_thread, &call);
      g_usleep (200 * 1000);

      /* the service runs again during close(), and ends at end of file */
      continuer = g_thread_new ("continuer", continue_later,
                                GINT_TO_POINTER (pid));
      start = g_get_monotonic_time ();
      close_spacer (spacer);
      close_ms = (g_get_monotonic_time () - start) / 1000;
      g_thread_join (thread);
      g_thread_join (continuer);

      g_test_message ("close() took %" G_GINT64_FORMAT " ms; the waiting "
                      "call ended after %" G_GINT64_FORMAT " ms: %s",
                      close_ms, call.elapsed_ms,
                      call.error ? call.error->message : "(no error)");
      g_assert_error (call.error, SPACETEST_ERROR, SPACETEST_ERROR_CLOSED);
      g_assert_cmpint (close_ms, <, 2000);
      g_assert_cmpint (call.elapsed_ms, <, 2500);
      g_clear_error (&call.error);
      g_assert_true (tu_process_gone (pid));
      g_print ("close-concurrent: checked\n");
      return;
    }

  tu_trap_expect_pass ("spacetest_spacer_close() on one thread while another "
                    "waits for a reply");
}

/* ---- cycles ------------------------------------------------------------- */

static void
test_cycles (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(GHashTable) threads = NULL;
  guint n_fds;

  spacetest_test_check_leaks ();
  n_fds = tu_count_fds ();

  for (int i = 0; i < 50; i++)
    {
      g_autoptr(SpacetestSpacer) sp = new_spacer ();
      GPid pid = spacetest_spacer_get_pid (sp);

      assert_spacer_works (sp);
      close_spacer (sp);
      g_assert_true (tu_process_gone (pid));
    }
  g_assert_cmpuint (tu_count_fds (), ==, n_fds);

  spacer = new_spacer ();
  n_fds = tu_count_fds ();
  threads = tu_thread_ids ();
  for (int i = 0; i < 50; i++)
    {
      g_autoptr(SpacetestSpacer) sub = subspace (spacer, USER | PID);
      GPid pid = spacetest_spacer_get_pid (sub);

      close_spacer (sub);
      g_assert_true (wait_process_gone (pid, 2000));
    }
  g_assert_cmpuint (tu_count_fds (), ==, n_fds);
  /* no thread left (an idle one of GLib's pools may have ended) */
  g_assert_cmpuint (tu_wait_new_threads_gone (threads, 2000), ==, 0);
  /* the service has not collected anything either */
  g_assert_cmpuint (tu_count_proc_fds (spacetest_spacer_get_pid (spacer)), <=, 5);
  assert_spacer_works (spacer);
}

/* ---- the GTest layer ---------------------------------------------------- */

#define MAX_WATCHED 12

typedef struct
{
  guint n_fds;
  GObject *watched[MAX_WATCHED];        /* weak pointers */
  guint n_watched;
  GPid pids[4];
  guint n_pids;
} ReleaseCheck;

static void
release_check_run (gpointer data)
{
  ReleaseCheck *check = data;

  for (guint i = 0; i < check->n_watched; i++)
    {
      if (check->watched[i] != NULL)
        g_object_remove_weak_pointer (check->watched[i],
                                      (gpointer *) &check->watched[i]);
      g_assert_null (check->watched[i]);
    }
  for (guint i = 0; i < check->n_pids; i++)
    g_assert_true (wait_process_gone (check->pids[i], 2000));
  g_assert_cmpuint (tu_count_fds (), ==, check->n_fds);
  g_print ("testlayer: released\n");
  g_free (check);
}

static void
release_check_watch (ReleaseCheck *check,
                     gpointer      object)
{
  g_assert_true (G_IS_OBJECT (object));
  g_assert_cmpuint (check->n_watched, <, MAX_WATCHED);
  check->watched[check->n_watched] = object;
  g_object_add_weak_pointer (object, (gpointer *) &check->watched[check->n_watched]);
  check->n_watched++;
}

static void
test_testlayer (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      ReleaseCheck *check = g_new0 (ReleaseCheck, 1);
      SpacetestSpacer *spacer;
      SpacetestSpacer *sub;
      GPtrArray *result;

      /* queued before the objects: runs after they are released */
      check->n_fds = tu_count_fds ();
      g_test_queue_destroy (release_check_run, check);

      spacer = spacetest_test_new_spacer ();
      g_assert_true (SPACETEST_IS_SPACER (spacer));
      release_check_watch (check, spacer);
      check->pids[check->n_pids++] = spacetest_spacer_get_pid (spacer);

      sub = spacetest_test_subspace (spacer, USER | PID);
      g_assert_true (SPACETEST_IS_SPACER (sub));
      g_assert_nonnull (spacetest_spacer_get_user_namespace (sub));
      release_check_watch (check, sub);
      check->pids[check->n_pids++] = spacetest_spacer_get_pid (sub);

      result = spacetest_test_rooms (sub, ROOM_TYPES);
      g_assert_cmpuint (result->len, ==, 6);
      for (guint i = 0; i < result->len; i++)
        {
          SpacetestNamespace *ns = result->pdata[i];
          g_autoptr(SpacetestNamespace) owner = owner_of (ns);

          g_assert_cmpuint (spacetest_namespace_get_namespace_type (ns), ==,
                            room_types[i]);
          assert_ns_equal (owner, spacetest_spacer_get_user_namespace (sub));
          release_check_watch (check, result->pdata[i]);
        }

      result = spacetest_test_rooms (spacer, NET);
      g_assert_cmpuint (result->len, ==, 1);
      release_check_watch (check, result->pdata[0]);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*testlayer: released*");
}

/* A failing spacetest_test_rooms() fails the test at the caller's line,
 * with the error. Keep the next two lines together. */
static const int failing_rooms_line = __LINE__ + 1;
static GPtrArray *failing_rooms (SpacetestSpacer *spacer) { return spacetest_test_rooms (spacer, USER); }

static void
test_testlayer_fail (void)
{
  g_autofree char *where = g_strdup_printf ("*spacer.c:%d:*spacetest_test_rooms*",
                                            failing_rooms_line);

  if (g_test_subprocess ())
    {
      SpacetestSpacer *spacer = spacetest_test_new_spacer ();

      g_assert_null (failing_rooms (spacer));
      g_print ("testlayer-fail: survived\n");
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr (where);
  g_test_trap_assert_stderr ("*spacetest_spacer_rooms() takes*");
}

/* ---- faults: no error location, no descriptors, long names --------------- */

/* Every request on a spacer whose service has died fails cleanly also
 * without an error location (a regression: the client read the caller's
 * *error and crashed), for the top-level service and a subspace one. */
static void
check_dead_null_error (SpacetestSpacer *spacer)
{
  g_auto(AsyncWait) wait = { 0, };
  g_autoptr(GError) error = NULL;

  g_assert_null (spacetest_spacer_rooms (spacer, NET, NULL, NULL));
  g_assert_null (spacetest_spacer_rooms (spacer, NET | UTS, NULL, NULL));
  g_assert_null (spacetest_spacer_subspace (spacer, USER, NULL, NULL));
  g_assert_null (spacetest_spacer_new_transient (spacer, NET, NULL, NULL));

  async_wait_init (&wait);
  spacetest_spacer_rooms_async (spacer, NET, NULL, async_wait_done, &wait);
  async_wait_run (&wait);
  g_assert_null (spacetest_spacer_rooms_finish (spacer, wait.result, NULL));
  async_wait_clear (&wait);

  async_wait_init (&wait);
  spacetest_spacer_subspace_async (spacer, USER, NULL, async_wait_done, &wait);
  async_wait_run (&wait);
  g_assert_null (spacetest_spacer_subspace_finish (spacer, wait.result, NULL));

  /* and with one, the reason */
  g_assert_null (spacetest_spacer_rooms (spacer, NET, NULL, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
  g_assert_true (spacetest_spacer_close (spacer, NULL));
  g_assert_null (spacetest_spacer_rooms (spacer, NET, NULL, NULL));
}

static void
test_dead_null_error (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) parent = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  GPid pid;

  spacetest_test_check_leaks ();

  /* our child: dead (a zombie, not yet reaped) before the first call */
  spacer = new_spacer ();
  pid = spacetest_spacer_get_pid (spacer);
  g_assert_no_errno (kill (pid, SIGKILL));
  g_assert_no_errno (waitid (P_PID, pid, &(siginfo_t) { 0, }, WEXITED | WNOWAIT));
  check_dead_null_error (spacer);
  g_assert_true (tu_process_gone (pid));

  /* a subspace's service, reaped by its parent service */
  parent = new_spacer ();
  sub = subspace (parent, USER | PID);
  pid = spacetest_spacer_get_pid (sub);
  g_assert_no_errno (kill (pid, SIGKILL));
  g_assert_true (wait_process_dead (pid, 2000));
  check_dead_null_error (sub);
  assert_spacer_works (parent);
}

/* When a reply's descriptors cannot be received for lack of free ones,
 * the error says so with the OS reason (a regression: it was reported as
 * a protocol violation), nothing of the caller's is touched, and the
 * spacer goes on working. */
static void
test_emfile (void)
{
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(GHashTable) fds = NULL;
  SpacetestNamespaceType types = IPC | NET | UTS;
  guint successes = 0;

  spacetest_test_check_leaks ();

  spacer = new_spacer ();
  fds = tu_fd_identities ();

  for (guint n_free = 0; successes < 2; n_free++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) result = NULL;
      struct rlimit saved;

      g_assert_cmpuint (n_free, <, 16);
      tu_limit_free_fds (n_free, &saved);
      result = spacetest_spacer_rooms (spacer, types, NULL, &error);
      tu_restore_fd_limit (&saved);

      g_test_message ("%u free: %s", n_free,
                      error ? error->message : "three namespaces");
      if (n_free < 3)
        {
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED);
          g_assert_nonnull (strstr (error->message, g_strerror (EMFILE)));
          g_assert_null (result);
          tu_assert_fds_unchanged (fds);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_cmpuint (result->len, ==, 3);
          successes++;
        }
      g_clear_pointer (&result, g_ptr_array_unref);
      assert_spacer_works (spacer);
      tu_assert_fds_unchanged (fds);
    }
}

/* A helper in a directory that only another user can enter (a checkout
 * in someone's 0700 home, run by root): root reaches it, but root of a
 * new user namespace cannot search a directory whose owner is not mapped
 * there, so subspace services must not find their program by that path
 * (a regression: every subspace failed). */
#define OTHER_USER 4242

static void
test_subspace_closed_dir (void)
{
  const char *helper = g_getenv ("SPACETEST_SPACER_PATH");
  g_autoptr(GError) error = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *saved = NULL;

  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(SpacetestSpacer) spacer = NULL;
      g_autoptr(SpacetestSpacer) user = NULL;
      g_autoptr(SpacetestSpacer) user_pid = NULL;
      g_autoptr(SpacetestSpacer) nested = NULL;
      g_autoptr(GPtrArray) result = NULL;

      spacer = new_spacer ();
      user = subspace (spacer, USER);
      user_pid = subspace (spacer, USER | PID);
      nested = subspace (user, USER | PID);
      result = rooms (nested, NET | UTS);
      g_assert_cmpuint (result->len, ==, 2);
      g_print ("closed-dir: checked\n");
      return;
    }

  if (helper == NULL || !tu_uid_is_mapped (OTHER_USER))
    {
      g_test_skip ("needs the uninstalled helper and another user");
      return;
    }

  closed = g_dir_make_tmp ("spacetest-other-XXXXXX", &error);
  g_assert_no_error (error);
  inside = tu_copy_program (helper, closed);
  g_assert_no_errno (chmod (closed, 0700));
  if (chown (closed, OTHER_USER, OTHER_USER) != 0)
    {
      g_test_skip_printf ("cannot give a directory to uid %d: %s", OTHER_USER,
                          g_strerror (errno));
    }
  else
    {
      /* set around the trap: GLib 2.74 has no _with_envp form */
      saved = g_strdup (helper);
      g_setenv ("SPACETEST_SPACER_PATH", inside, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_setenv ("SPACETEST_SPACER_PATH", saved, TRUE);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stdout ("*closed-dir: checked*");
    }

  g_assert_no_errno (unlink (inside));
  g_assert_no_errno (rmdir (closed));
}

/* ---- closing a service that does not end --------------------------------- */

/* Closes @spacer, whose service (@pid) is stopped: close() kills it after
 * the timeout, reports that, and leaves the spacer closed all the same. */
static void
assert_close_kills (SpacetestSpacer *spacer,
                    GPid             pid,
                    gboolean         with_error)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);
  gint64 start, elapsed_ms;

  spacetest_spacer_set_timeout (spacer, 200);
  g_assert_no_errno (kill (pid, SIGSTOP));
  start = g_get_monotonic_time ();
  g_assert_false (spacetest_spacer_close (spacer, with_error ? &error : NULL));
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (elapsed_ms, >=, 199);
  g_assert_cmpint (elapsed_ms, <, 2500);
  if (with_error)
    {
      g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
      g_assert_nonnull (strstr (error->message, pid_text));
      g_assert_nonnull (strstr (error->message, "200"));
      g_clear_error (&error);
    }

  /* gone (our child: reaped), and the spacer is closed */
  g_assert_true (wait_process_gone (pid, 2000));
  g_assert_true (spacetest_spacer_close (spacer, &error));
  g_assert_no_error (error);
  result = spacetest_spacer_rooms (spacer, NET, NULL, &error);
  check_closed_error (error);
  g_assert_null (result);
}

static void
test_close_killed (void)
{
  spacetest_test_check_leaks ();

  for (int with_error = 0; with_error < 2; with_error++)
    {
      g_autoptr(SpacetestSpacer) spacer = new_spacer ();
      g_autoptr(SpacetestSpacer) sub = subspace (spacer, USER | PID);
      GPid pid = spacetest_spacer_get_pid (spacer);

      /* a subspace's service (a pidfd; its parent service reaps it) */
      assert_close_kills (sub, spacetest_spacer_get_pid (sub), with_error);
      assert_spacer_works (spacer);
      /* the service this process started */
      assert_close_kills (spacer, pid, with_error);
      g_assert_true (tu_process_gone (pid));
    }
}

/* ---- the asynchronous subspace path never blocks ------------------------ */

/* Set in the environment of this program when it is started as a fake
 * spacer helper whose subspaces never answer their handshake. */
#define SLOW_SUB_ENV "SPACETEST_SPACER_TEST_SLOW_SUB"

/* Sends an "ok" reply to @serial with @params (floating), and @n_fds
 * descriptors, as a service does. */
static void
slow_sub_reply (int          sock,
                guint32      serial,
                GVariant    *params,
                const int   *fds,
                guint        n_fds)
{
  g_autoptr(GVariant) reply =
    g_variant_ref_sink (g_variant_new ("(us@a{sv})", serial, "ok", params));

  if (tu_send_datagram (sock, g_variant_get_data (reply),
                        g_variant_get_size (reply), fds, n_fds) < 0)
    _exit (94);
}

/* The fake service's main(): answers "hello", and answers "subspace"
 * with a new service that reads its requests and never answers. */
static int
slow_sub_service_main (void)
{
  const int sock = 3;

  for (;;)
    {
      char buf[4096];
      g_autoptr(GVariant) message = NULL;
      GVariantDict dict;
      guint32 serial;
      const char *name;
      gssize len = recv (sock, buf, sizeof buf, 0);

      if (len <= 0)
        return 0;
      message = g_variant_new_from_data (G_VARIANT_TYPE ("(usa{sv})"), buf,
                                         len, FALSE, NULL, NULL);
      g_variant_ref_sink (message);
      g_variant_get (message, "(u&s@a{sv})", &serial, &name, NULL);
      g_variant_dict_init (&dict, NULL);

      if (g_str_equal (name, "hello"))
        {
          g_variant_dict_insert (&dict, "version", "u", (guint32) 1);
          slow_sub_reply (sock, serial, g_variant_dict_end (&dict), NULL, 0);
        }
      else if (g_str_equal (name, "subspace"))
        {
          int pair[2];
          int fds[3];
          pid_t silent;

          if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
                          pair) != 0)
            _exit (92);
          silent = fork ();
          if (silent < 0)
            _exit (93);
          if (silent == 0)
            {
              close (pair[0]);
              while (read (pair[1], buf, sizeof buf) > 0)
                ;
              _exit (0);
            }
          close (pair[1]);

          fds[0] = pair[0];
          fds[1] = (int) syscall (SYS_pidfd_open, silent, 0);
          fds[2] = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
          if (fds[1] < 0 || fds[2] < 0)
            _exit (95);
          g_variant_dict_insert (&dict, "socket", "h", (gint32) 0);
          g_variant_dict_insert (&dict, "pidfd", "h", (gint32) 1);
          g_variant_dict_insert (&dict, "user", "h", (gint32) 2);
          slow_sub_reply (sock, serial, g_variant_dict_end (&dict), fds, 3);
          for (guint i = 0; i < 3; i++)
            close (fds[i]);
        }
      else
        g_variant_dict_clear (&dict);
    }
}

static gboolean
count_tick (gpointer user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

/* While a new service's handshake is awaited, the caller's main context
 * goes on running: the handshake is one more asynchronous request, not a
 * blocking wait inside a callback. */
static void
async_subspace_handshake (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = NULL;
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(GSource) ticker = NULL;
  g_auto(AsyncWait) wait = { 0, };
  guint ticks = 0;
  GPid pid;

  exe = g_file_read_link ("/proc/self/exe", &error);
  g_assert_no_error (error);
  g_setenv ("SPACETEST_SPACER_PATH", exe, TRUE);
  g_setenv (SLOW_SUB_ENV, "1", TRUE);

  spacer = new_spacer ();
  pid = spacetest_spacer_get_pid (spacer);
  spacetest_spacer_set_timeout (spacer, 300);

  async_wait_init (&wait);
  ticker = g_timeout_source_new (10);
  g_source_set_callback (ticker, count_tick, &ticks, NULL);
  g_source_attach (ticker, wait.context);

  spacetest_spacer_subspace_async (spacer, USER, NULL, async_wait_done,
                                   &wait);
  async_wait_run (&wait);
  g_source_destroy (ticker);

  sub = spacetest_spacer_subspace_finish (spacer, wait.result, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "hello"));
  g_assert_null (sub);
  /* 300 ms of waiting: the context ran its 10 ms timeout meanwhile */
  g_assert_cmpuint (ticks, >=, 10);

  close_spacer (spacer);
  g_assert_true (tu_process_gone (pid));
  g_print ("handshake: checked\n");
}

static void
test_async_subspace_handshake (void)
{
  spacetest_test_check_leaks ();

  if (g_test_subprocess ())
    {
      async_subspace_handshake ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*handshake: checked*");
}

/* ---- no thread ----------------------------------------------------------- */

/* Set in the environment of this program when it is started to run the
 * synchronous forms in a process of its own, before anything else. */
#define NO_THREAD_ENV "SPACETEST_SPACER_TEST_NO_THREAD"

/* The synchronous forms start no thread (a thread started from a switched
 * thread would stay in its namespaces), and do not make GLib make one
 * either: no GTask. */
static int
no_thread_main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestSpacer) spacer = NULL;
  g_autoptr(SpacetestSpacer) sub = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(SpacetestNamespace) ns = NULL;

  g_assert_cmpuint (tu_count_threads (), ==, 1);

  spacer = spacetest_spacer_new (NULL, &error);
  g_assert_no_error (error);
  sub = spacetest_spacer_subspace (spacer, USER | PID, NULL, &error);
  g_assert_no_error (error);
  rooms = spacetest_spacer_rooms (sub, NET | UTS, NULL, &error);
  g_assert_no_error (error);
  ns = spacetest_spacer_new_transient (sub, IPC, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_spacer_close (sub, &error));
  g_assert_true (spacetest_spacer_close (spacer, &error));

  g_assert_cmpuint (tu_count_threads (), ==, 1);
  g_assert_cmpuint (g_type_from_name ("GTask"), ==, 0);
  return 0;
}

static void
test_no_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), NO_THREAD_ENV,
                                         "1", TRUE);
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", &error);
  int status = 0;

  spacetest_test_check_leaks ();
  g_assert_no_error (error);

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp,
                               G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  static const struct {
    const char *name;
    SpacetestNamespaceType types;
  } subspace_cases[] = {
    { "user", USER },
    { "pid", PID },
    { "user-pid", USER | PID },
  };

  g_autofree char **args = NULL;

  /* Started as a fake helper by test_async_subspace_handshake(). */
  if (g_getenv (SLOW_SUB_ENV) != NULL && argc > 1 &&
      g_str_has_prefix (argv[1], "--socket-fd="))
    return slow_sub_service_main ();
  /* Started by test_no_thread(), before anything makes a thread. */
  if (g_getenv (NO_THREAD_ENV) != NULL)
    return no_thread_main ();

  args = tu_keep_going (&argc, &argv);

  spacetest_test_init (&argc, &argv, NULL);

  /* Process-wide singletons that the first asynchronous call creates (the
   * global default main context, and GTask's worker context with its
   * thread): create them now, so that the leak check does not take them
   * for the test's. */
  (void) g_main_context_default ();
  g_type_ensure (G_TYPE_TASK);

  if (g_getenv (VICTIM_ENV) != NULL)
    {
      g_test_add_func ("/spacetest/spacer/client-killed/victim", test_victim);
      return g_test_run ();
    }

  g_test_add_func ("/spacetest/spacer/new", test_new);
  g_test_add_func ("/spacetest/spacer/unref-closes", test_unref_closes);
  g_test_add_func ("/spacetest/spacer/closed", test_closed);
  g_test_add_func ("/spacetest/spacer/properties", test_properties);
  g_test_add_func ("/spacetest/spacer/bad-helper", test_bad_helper);
  g_test_add_func ("/spacetest/spacer/uninstalled-helper",
                   test_uninstalled_helper);

  for (gsize i = 0; i < G_N_ELEMENTS (subspace_cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/spacetest/spacer/subspace/%s", subspace_cases[i].name);

      g_test_add_data_func (path, GUINT_TO_POINTER (subspace_cases[i].types),
                            test_subspace);
    }
  g_test_add_func ("/spacetest/spacer/subspace/nested", test_subspace_nested);
  g_test_add_func ("/spacetest/spacer/subspace/mixed", test_subspace_mixed);
  g_test_add_func ("/spacetest/spacer/subspace/closed-dir",
                   test_subspace_closed_dir);

  g_test_add_func ("/spacetest/spacer/rooms/all", test_rooms_all);
  g_test_add_func ("/spacetest/spacer/rooms/root", test_rooms_root);
  g_test_add_func ("/spacetest/spacer/new-transient", test_new_transient);

  g_test_add_func ("/spacetest/spacer/async/rooms", test_async_rooms);
  g_test_add_func ("/spacetest/spacer/async/subspace", test_async_subspace);
  g_test_add_func ("/spacetest/spacer/async/pending", test_async_pending);
  g_test_add_func ("/spacetest/spacer/async/close-pending", test_async_close_pending);

  g_test_add_func ("/spacetest/spacer/thread-ended", test_thread_ended);
  g_test_add_func ("/spacetest/spacer/close-concurrent", test_close_concurrent);
  g_test_add_func ("/spacetest/spacer/cancelled", test_cancelled);
  g_test_add_func ("/spacetest/spacer/timeout", test_timeout);
  g_test_add_func ("/spacetest/spacer/bad-requests", test_bad_requests);

  for (gsize i = 0; i < G_N_ELEMENTS (unprivileged_cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/spacetest/spacer/%s", unprivileged_cases[i].name);

      g_test_add_data_func (path, &unprivileged_cases[i], test_unprivileged);
    }
  g_test_add_func ("/spacetest/spacer/unprivileged-user-closed-dir",
                   test_unprivileged_closed_dir);

  g_test_add_func ("/spacetest/spacer/killed", test_killed);
  g_test_add_data_func ("/spacetest/spacer/killed/sub/user-pid",
                        GUINT_TO_POINTER (USER | PID), test_killed_sub);
  g_test_add_data_func ("/spacetest/spacer/killed/sub/user",
                        GUINT_TO_POINTER (USER), test_killed_sub);
  g_test_add_func ("/spacetest/spacer/killed/async", test_killed_async);
  g_test_add_func ("/spacetest/spacer/client-killed", test_client_killed);


  g_test_add_func ("/spacetest/spacer/cycles", test_cycles);

  g_test_add_func ("/spacetest/spacer/killed/null-error", test_dead_null_error);
  g_test_add_func ("/spacetest/spacer/emfile", test_emfile);

  g_test_add_func ("/spacetest/spacer/testlayer/release", test_testlayer);
  g_test_add_func ("/spacetest/spacer/testlayer/fail", test_testlayer_fail);

  g_test_add_func ("/spacetest/spacer/close/killed", test_close_killed);
  g_test_add_func ("/spacetest/spacer/async/subspace-handshake",
                   test_async_subspace_handshake);
  g_test_add_func ("/spacetest/spacer/no-thread", test_no_thread);

  return g_test_run ();
}
