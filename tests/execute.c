/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* execute.c: spacetest_execute(), spacetest_namespace_execute(),
 * spacetest_thread_new(), and spacetest_namespace_enter() on a thread the
 * test started itself */

#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SET 4

/* What a function run by spacetest_execute() saw; the results travel back
 * through user_data. */
typedef struct
{
  SpacetestNamespace **set;       /* to check with is_current() inside */
  guint n_set;

  guint n_calls;
  pid_t tid;
  GThread *thread;
  TuThreadState inside;
  gboolean set_current[MAX_SET];
} Probe;

static void
probe_init (Probe               *probe,
            SpacetestNamespace **set,
            guint                n_set)
{
  g_assert_cmpuint (n_set, <=, MAX_SET);
  memset (probe, 0, sizeof *probe);
  probe->set = set;
  probe->n_set = n_set;
}

static void
probe_func (gpointer user_data)
{
  Probe *probe = user_data;

  /* First thing: the thread must already be attached. */
  for (guint i = 0; i < probe->n_set; i++)
    probe->set_current[i] = spacetest_namespace_is_current (probe->set[i]);

  probe->n_calls++;
  probe->tid = tu_gettid ();
  probe->thread = g_thread_self ();
  tu_thread_state_get (&probe->inside);
}

/* The probe ran attached to every namespace of @set and, for every other
 * type, to the namespaces in @caller. */
static void
assert_probe_saw (const Probe          *probe,
                  const TuThreadState  *caller,
                  SpacetestNamespace  **set,
                  guint                 n_set)
{
  g_assert_cmpuint (probe->n_calls, ==, 1);

  for (guint i = 0; i < n_set; i++)
    g_assert_true (probe->set_current[i]);

  for (int t = 0; t < TU_N_TYPES; t++)
    {
      guint64 expected = caller->inodes[t];

      for (guint i = 0; i < n_set; i++)
        if (spacetest_namespace_get_namespace_type (set[i]) == tu_all_types[t])
          expected = spacetest_namespace_get_inode (set[i]);

      if (probe->inside.inodes[t] != expected)
        g_test_message ("%s namespace inside: %" G_GUINT64_FORMAT
                        ", expected %" G_GUINT64_FORMAT,
                        spacetest_namespace_type_to_string (tu_all_types[t]),
                        probe->inside.inodes[t], expected);
      g_assert_cmpuint (probe->inside.inodes[t], ==, expected);
    }
}

static guint64
inode_of (const TuThreadState    *state,
          SpacetestNamespaceType  type)
{
  return state->inodes[tu_type_index (type)];
}

static void
count_func (gpointer user_data)
{
  g_atomic_int_inc ((int *) user_data);
}

static gpointer
count_thread_func (gpointer user_data)
{
  g_atomic_int_inc ((int *) user_data);
  return NULL;
}

/* ---- success ---------------------------------------------------------- */

static void
test_execute_net (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *net;
  TuThreadState before;
  Probe probe;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  net = spacetest_test_new_transient (NET);
  g_assert_false (spacetest_namespace_is_current (net));
  g_assert_cmpuint (spacetest_namespace_get_inode (net), !=,
                    tu_thread_ns_inode (NET));
  tu_thread_state_get (&before);

  probe_init (&probe, &net, 1);
  g_assert_true (spacetest_execute (&net, 1, probe_func, &probe, &error));
  g_assert_no_error (error);

  /* Without a mount namespace, func runs on the calling thread ... */
  g_assert_cmpint (probe.tid, ==, tu_gettid ());
  g_assert_true (probe.thread == g_thread_self ());
  /* ... inside the network namespace, everything else unchanged ... */
  assert_probe_saw (&probe, &before, &net, 1);
  /* ... and the thread is switched back afterwards. */
  tu_assert_thread_state_unchanged (&before);
  g_assert_false (spacetest_namespace_is_current (net));

  /* spacetest_namespace_execute() is the same with one namespace. */
  probe_init (&probe, &net, 1);
  g_assert_true (spacetest_namespace_execute (net, probe_func, &probe, &error));
  g_assert_no_error (error);
  g_assert_cmpint (probe.tid, ==, tu_gettid ());
  assert_probe_saw (&probe, &before, &net, 1);
  tu_assert_thread_state_unchanged (&before);
}

static void
test_execute_several (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *set[3];
  TuThreadState before;
  Probe probe;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS | IPC))
    return;

  /* Deliberately not in the canonical order. */
  set[0] = spacetest_test_new_transient (UTS);
  set[1] = spacetest_test_new_transient (NET);
  set[2] = spacetest_test_new_transient (IPC);
  tu_thread_state_get (&before);

  probe_init (&probe, set, G_N_ELEMENTS (set));
  g_assert_true (spacetest_execute (set, G_N_ELEMENTS (set), probe_func,
                                    &probe, &error));
  g_assert_no_error (error);

  g_assert_cmpint (probe.tid, ==, tu_gettid ());
  assert_probe_saw (&probe, &before, set, G_N_ELEMENTS (set));
  /* Types not in the set stayed the caller's. */
  g_assert_cmpuint (inode_of (&probe.inside, MNT), ==, inode_of (&before, MNT));
  g_assert_cmpuint (inode_of (&probe.inside, CGROUP), ==,
                    inode_of (&before, CGROUP));
  tu_assert_thread_state_unchanged (&before);
  for (gsize i = 0; i < G_N_ELEMENTS (set); i++)
    g_assert_false (spacetest_namespace_is_current (set[i]));
}

static void
test_execute_none (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *unused[1] = { NULL };
  TuThreadState before;
  Probe probe;

  spacetest_test_check_leaks ();
  tu_thread_state_get (&before);

  probe_init (&probe, NULL, 0);
  g_assert_true (spacetest_execute (NULL, 0, probe_func, &probe, &error));
  g_assert_no_error (error);
  g_assert_cmpint (probe.tid, ==, tu_gettid ());
  assert_probe_saw (&probe, &before, NULL, 0);
  tu_assert_thread_state_unchanged (&before);

  /* A non-NULL array of length 0 is the same. */
  probe_init (&probe, NULL, 0);
  g_assert_true (spacetest_execute (unused, 0, probe_func, &probe, &error));
  g_assert_no_error (error);
  assert_probe_saw (&probe, &before, NULL, 0);
  tu_assert_thread_state_unchanged (&before);
}

/* ---- a mount namespace in the set: a throw-away thread ---------------- */

static void
test_execute_mnt (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp_dir = NULL;
  g_autofree char *old_cwd = g_get_current_dir ();
  g_autofree char *cwd_after = NULL;
  SpacetestGuard *guard;
  SpacetestNamespace *test_net, *other_net, *mnt;
  TuThreadState outside, before;
  struct stat cwd_before, cwd_now;
  Probe probe;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT | NET))
    return;

  /* Work in a directory of our own, so a reset of the working directory
   * to some root would show. */
  tmp_dir = g_dir_make_tmp ("spacetest-execute-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_no_errno (chdir (tmp_dir));
  g_assert_no_errno (stat (".", &cwd_before));

  tu_thread_state_get (&outside);

  /* moby's SetupTestOSContext: the test's thread moves into a network
   * namespace of its own. */
  guard = spacetest_test_enter_transient (NET);
  test_net = spacetest_guard_get_namespace (guard, NET);
  g_assert_true (spacetest_namespace_is_current (test_net));

  mnt = spacetest_test_new_transient (MNT);
  tu_thread_state_get (&before);

  probe_init (&probe, &mnt, 1);
  g_assert_true (spacetest_execute (&mnt, 1, probe_func, &probe, &error));
  g_assert_no_error (error);

  /* func ran on another thread ... */
  g_assert_cmpint (probe.tid, !=, tu_gettid ());
  g_assert_true (probe.thread != g_thread_self ());
  /* ... in the mount namespace, and in the caller's *current* network
   * namespace (as spacetest_execute() documents), not the process's
   * original one. */
  assert_probe_saw (&probe, &before, &mnt, 1);
  g_assert_cmpuint (inode_of (&probe.inside, NET), ==,
                    spacetest_namespace_get_inode (test_net));
  g_assert_cmpuint (inode_of (&probe.inside, NET), !=,
                    inode_of (&outside, NET));

  /* The caller did not move, not even its working directory. */
  tu_assert_thread_state_unchanged (&before);
  g_assert_no_errno (stat (".", &cwd_now));
  g_assert_cmpuint (cwd_now.st_dev, ==, cwd_before.st_dev);
  g_assert_cmpuint (cwd_now.st_ino, ==, cwd_before.st_ino);

  /* A network namespace in the set overrides the caller's current one. */
  other_net = spacetest_test_new_transient (NET);
  {
    SpacetestNamespace *set[] = { other_net, mnt };

    tu_thread_state_get (&before);
    probe_init (&probe, set, G_N_ELEMENTS (set));
    g_assert_true (spacetest_execute (set, G_N_ELEMENTS (set), probe_func,
                                      &probe, &error));
    g_assert_no_error (error);
    g_assert_cmpint (probe.tid, !=, tu_gettid ());
    assert_probe_saw (&probe, &before, set, G_N_ELEMENTS (set));
    g_assert_cmpuint (inode_of (&probe.inside, NET), ==,
                      spacetest_namespace_get_inode (other_net));
    g_assert_cmpuint (inode_of (&probe.inside, NET), !=,
                      spacetest_namespace_get_inode (test_net));
    tu_assert_thread_state_unchanged (&before);
  }

  /* spacetest_namespace_execute() with a mount namespace as well. */
  probe_init (&probe, &mnt, 1);
  g_assert_true (spacetest_namespace_execute (mnt, probe_func, &probe, &error));
  g_assert_no_error (error);
  g_assert_cmpint (probe.tid, !=, tu_gettid ());
  assert_probe_saw (&probe, &before, &mnt, 1);
  tu_assert_thread_state_unchanged (&before);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tu_thread_ns_inode (NET), ==, inode_of (&outside, NET));

  cwd_after = g_get_current_dir ();
  g_assert_cmpstr (cwd_after, ==, tmp_dir);
  g_assert_no_errno (chdir (old_cwd));
  g_assert_no_errno (rmdir (tmp_dir));
}

/* The same from a thread other than the main one, which is where reading
 * /proc/self instead of /proc/thread-self (the manual's
 * pitfalls-thread-self) would show: the worker is in a network namespace
 * of its own, the main thread is not. */
typedef struct
{
  SpacetestNamespace *worker_net;
  SpacetestNamespace *other_net;
  SpacetestNamespace *mnt;

  TuThreadState worker_before;
  Probe seeded;                 /* {mnt}: the worker's net carried over */
  Probe on_worker;              /* {other_net}: on the worker itself */
  TuThreadState worker_after;
  gboolean seeded_ok;
  gboolean on_worker_ok;
  GError *error;
} FromThread;

static gpointer
from_thread_func (gpointer user_data)
{
  FromThread *data = user_data;
  g_autoptr(SpacetestGuard) guard = NULL;

  guard = spacetest_namespace_enter (data->worker_net, &data->error);
  if (guard == NULL)
    return NULL;
  tu_thread_state_get (&data->worker_before);

  probe_init (&data->seeded, &data->mnt, 1);
  data->seeded_ok = spacetest_execute (&data->mnt, 1, probe_func,
                                       &data->seeded, &data->error);
  if (!data->seeded_ok)
    return NULL;

  probe_init (&data->on_worker, &data->other_net, 1);
  data->on_worker_ok = spacetest_execute (&data->other_net, 1, probe_func,
                                          &data->on_worker, &data->error);
  tu_thread_state_get (&data->worker_after);

  if (!spacetest_guard_restore (guard, data->error == NULL ? &data->error
                                                           : NULL))
    return NULL;

  return GINT_TO_POINTER (tu_gettid ());
}

static void
test_execute_from_thread (void)
{
  FromThread data = { 0, };
  TuThreadState main_before;
  GThread *thread;
  pid_t worker_tid;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT | NET))
    return;

  data.worker_net = spacetest_test_new_transient (NET);
  data.other_net = spacetest_test_new_transient (NET);
  data.mnt = spacetest_test_new_transient (MNT);
  tu_thread_state_get (&main_before);

  thread = g_thread_new ("from-thread", from_thread_func, &data);
  worker_tid = GPOINTER_TO_INT (g_thread_join (thread));
  g_assert_no_error (data.error);
  g_assert_cmpint (worker_tid, !=, 0);

  g_assert_cmpuint (inode_of (&data.worker_before, NET), ==,
                    spacetest_namespace_get_inode (data.worker_net));
  g_assert_cmpuint (inode_of (&data.worker_before, NET), !=,
                    inode_of (&main_before, NET));

  /* {mnt} from the worker: func sees the worker's network namespace, not
   * the main thread's. */
  g_assert_true (data.seeded_ok);
  g_assert_cmpint (data.seeded.tid, !=, worker_tid);
  assert_probe_saw (&data.seeded, &data.worker_before, &data.mnt, 1);

  /* {other_net} on the worker: afterwards the worker is back in *its*
   * network namespace, not in the main thread's. */
  g_assert_true (data.on_worker_ok);
  g_assert_cmpint (data.on_worker.tid, ==, worker_tid);
  assert_probe_saw (&data.on_worker, &data.worker_before, &data.other_net, 1);
  for (int t = 0; t < TU_N_TYPES; t++)
    g_assert_cmpuint (data.worker_after.inodes[t], ==,
                      data.worker_before.inodes[t]);

  tu_assert_thread_state_unchanged (&main_before);
}

/* ---- bad input -------------------------------------------------------- */

static void
test_execute_user_refused (void)
{
  SpacetestNamespace *user, *net;
  TuThreadState before;
  int count = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  user = spacetest_test_current (USER);
  net = spacetest_test_new_transient (NET);
  tu_thread_state_get (&before);

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_execute (&user, 1, count_func, &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "user namespace"));
    tu_assert_thread_state_unchanged (&before);
  }

  {
    /* The network namespace before it must not be entered either. */
    SpacetestNamespace *set[] = { net, user };
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_execute (set, G_N_ELEMENTS (set), count_func,
                                       &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    tu_assert_thread_state_unchanged (&before);
  }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_namespace_execute (user, count_func, &count,
                                                 &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    tu_assert_thread_state_unchanged (&before);
  }

  {
    /* Also through the throw-away thread path. */
    SpacetestNamespace *mnt = spacetest_test_current (MNT);
    SpacetestNamespace *set[] = { mnt, user };
    g_autoptr(GError) error = NULL;

    tu_thread_state_get (&before);
    g_assert_false (spacetest_execute (set, G_N_ELEMENTS (set), count_func,
                                       &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    tu_assert_thread_state_unchanged (&before);
  }

  g_assert_cmpint (count, ==, 0);
}

static void
test_execute_duplicate_type (void)
{
  SpacetestNamespace *net1, *net2, *uts;
  TuThreadState before;
  int count = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS))
    return;

  net1 = spacetest_test_new_transient (NET);
  net2 = spacetest_test_new_transient (NET);
  uts = spacetest_test_new_transient (UTS);
  tu_thread_state_get (&before);

  {
    SpacetestNamespace *set[] = { net1, net2 };
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_execute (set, G_N_ELEMENTS (set), count_func,
                                       &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "network namespace"));
    tu_assert_thread_state_unchanged (&before);
  }

  {
    /* The same object twice is two of the same type too. */
    SpacetestNamespace *set[] = { uts, net1, net1 };
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_execute (set, G_N_ELEMENTS (set), count_func,
                                       &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    tu_assert_thread_state_unchanged (&before);
  }

  {
    /* A set of length 1 without an array. */
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_execute (NULL, 1, count_func, &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    tu_assert_thread_state_unchanged (&before);
  }

  g_assert_cmpint (count, ==, 0);
}

/* {new NET, new TIME} in a multi-threaded process: the NET switch works,
 * then setns() into the time namespace fails with EUSERS. The NET switch
 * must be undone before spacetest_execute() returns. */
static void
test_execute_half_way (void)
{
  SpacetestNamespace *net, *time_ns, *mnt;
  TuThreadState before;
  int count = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | TIME | MNT))
    return;

  net = spacetest_test_new_transient (NET);
  time_ns = spacetest_test_new_transient (TIME);
  mnt = spacetest_test_new_transient (MNT);

  tu_start_extra_thread ();
  g_assert_cmpuint (tu_count_threads (), >=, 2);
  tu_thread_state_get (&before);

  {
    /* Time first in the array: the canonical order still enters the
     * network namespace first. */
    SpacetestNamespace *set[] = { time_ns, net };
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_execute (set, G_N_ELEMENTS (set), count_func,
                                       &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "time namespace"));
    g_assert_cmpint (count, ==, 0);
    /* Back in the original network namespace, no fd left over. */
    tu_assert_thread_state_unchanged (&before);
    g_assert_false (spacetest_namespace_is_current (net));
  }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_namespace_execute (time_ns, count_func, &count,
                                                 &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED);
    g_assert_cmpint (count, ==, 0);
    tu_assert_thread_state_unchanged (&before);
  }

  {
    /* The same on the throw-away thread of a set with a mount namespace. */
    SpacetestNamespace *set[] = { net, time_ns, mnt };
    g_autoptr(GError) error = NULL;

    g_assert_false (spacetest_execute (set, G_N_ELEMENTS (set), count_func,
                                       &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED);
    g_assert_cmpint (count, ==, 0);
    tu_assert_thread_state_unchanged (&before);
  }

  tu_stop_extra_thread ();
}

/* ---- permission ------------------------------------------------------- */

static void
test_execute_permission (void)
{
  spacetest_test_check_leaks ();
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestNamespace) net = NULL;
      g_autoptr(SpacetestNamespace) mnt = NULL;
      TuThreadState before;
      int count = 0;

      /* Made while the process still has its capabilities. */
      net = spacetest_namespace_new_transient (NET, SPACETEST_TRANSIENT_NONE,
                                               &error);
      g_assert_no_error (error);
      mnt = spacetest_namespace_new_transient (MNT, SPACETEST_TRANSIENT_NONE,
                                               &error);
      g_assert_no_error (error);

      tu_drop_capabilities ();
      tu_thread_state_get (&before);

      g_assert_false (spacetest_execute (&net, 1, count_func, &count, &error));
      g_assert_error (error, SPACETEST_ERROR,
                      SPACETEST_ERROR_PERMISSION_DENIED);
      g_test_message ("%s", error->message);
      /* It says what was attempted and what it needs. */
      g_assert_nonnull (strstr (error->message, "network namespace"));
      g_assert_nonnull (strstr (error->message, "CAP_SYS_ADMIN"));
      tu_assert_thread_state_unchanged (&before);
      g_clear_error (&error);

      {
        SpacetestNamespace *set[] = { net, mnt };

        g_assert_false (spacetest_execute (set, G_N_ELEMENTS (set), count_func,
                                           &count, &error));
        g_assert_error (error, SPACETEST_ERROR,
                        SPACETEST_ERROR_PERMISSION_DENIED);
        g_assert_nonnull (strstr (error->message, "CAP_SYS_ADMIN"));
        tu_assert_thread_state_unchanged (&before);
        g_clear_error (&error);
      }

      {
        g_autoptr(GHashTable) threads = tu_thread_ids ();
        GThread *thread;

        thread = spacetest_thread_new ("refused", &net, 1, count_thread_func,
                                       &count, &error);
        g_assert_null (thread);
        g_assert_error (error, SPACETEST_ERROR,
                        SPACETEST_ERROR_PERMISSION_DENIED);
        g_assert_cmpuint (tu_wait_new_threads_gone (threads, 5000), ==, 0);
        tu_assert_thread_state_unchanged (&before);
        g_clear_error (&error);
      }

      g_assert_cmpint (count, ==, 0);
      g_print ("spacetest: refused without capabilities\n");
      return;
    }

  if (!spacetest_test_require (NET | MNT))
    return;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  /* The child got to the end, rather than skipping. */
  g_test_trap_assert_stdout ("*spacetest: refused without capabilities*");
}

/* ---- spacetest_thread_new() ------------------------------------------- */

static gpointer
probe_thread_func (gpointer user_data)
{
  probe_func (user_data);
  return g_strdup ("result from the thread");
}

static void
test_thread_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;
  SpacetestNamespace *set[2];
  TuThreadState before;
  GThread *thread;
  Probe probe;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS))
    return;

  set[0] = spacetest_test_new_transient (NET);
  set[1] = spacetest_test_new_transient (UTS);
  tu_thread_state_get (&before);

  probe_init (&probe, set, G_N_ELEMENTS (set));
  thread = spacetest_thread_new ("spacetest-worker", set, G_N_ELEMENTS (set),
                                 probe_thread_func, &probe, &error);
  g_assert_no_error (error);
  g_assert_nonnull (thread);

  result = g_thread_join (thread);
  g_assert_cmpstr (result, ==, "result from the thread");

  g_assert_cmpint (probe.tid, !=, tu_gettid ());
  g_assert_true (probe.thread == thread);
  /* is_current() was checked first thing in func. */
  assert_probe_saw (&probe, &before, set, G_N_ELEMENTS (set));
  tu_assert_thread_state_unchanged (&before);
}

static void
test_thread_new_mnt (void)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *mnt;
  TuThreadState before;
  struct stat cwd_before, cwd_now;
  GThread *thread;
  Probe probe;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT))
    return;

  mnt = spacetest_test_new_transient (MNT);
  g_assert_no_errno (stat (".", &cwd_before));
  tu_thread_state_get (&before);

  probe_init (&probe, &mnt, 1);
  thread = spacetest_thread_new (NULL, &mnt, 1, probe_thread_func, &probe,
                                 &error);
  g_assert_no_error (error);
  g_free (g_thread_join (thread));

  assert_probe_saw (&probe, &before, &mnt, 1);
  tu_assert_thread_state_unchanged (&before);
  g_assert_no_errno (stat (".", &cwd_now));
  g_assert_cmpuint (cwd_now.st_ino, ==, cwd_before.st_ino);
  g_assert_cmpuint (cwd_now.st_dev, ==, cwd_before.st_dev);
}

static void
test_thread_new_refused (void)
{
  g_autoptr(GHashTable) threads = NULL;
  SpacetestNamespace *user, *net, *time_ns;
  TuThreadState before;
  int count = 0;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | TIME))
    return;

  user = spacetest_test_current (USER);
  net = spacetest_test_new_transient (NET);
  time_ns = spacetest_test_new_transient (TIME);
  tu_thread_state_get (&before);
  threads = tu_thread_ids ();

  {
    g_autoptr(GError) error = NULL;
    GThread *thread;

    thread = spacetest_thread_new ("refused", &user, 1, count_thread_func,
                                   &count, &error);
    g_assert_null (thread);
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    g_assert_cmpuint (tu_wait_new_threads_gone (threads, 5000), ==, 0);
    tu_assert_thread_state_unchanged (&before);
  }

  {
    /* The attach fails on the new thread itself, half-way (net works,
     * time does not): that thread must end without running func. */
    SpacetestNamespace *set[] = { net, time_ns };
    g_autoptr(GError) error = NULL;
    GThread *thread;

    thread = spacetest_thread_new ("refused", set, G_N_ELEMENTS (set),
                                   count_thread_func, &count, &error);
    g_assert_null (thread);
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "time namespace"));
    g_assert_cmpuint (tu_wait_new_threads_gone (threads, 5000), ==, 0);
    tu_assert_thread_state_unchanged (&before);
  }

  {
    SpacetestNamespace *set[] = { net, net };
    g_autoptr(GError) error = NULL;

    g_assert_null (spacetest_thread_new ("refused", set, G_N_ELEMENTS (set),
                                         count_thread_func, &count, &error));
    g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
    g_assert_cmpuint (tu_wait_new_threads_gone (threads, 5000), ==, 0);
    tu_assert_thread_state_unchanged (&before);
  }

  g_assert_cmpint (count, ==, 0);
}

/* ---- spacetest_namespace_enter() on a thread of the test's own -------- */

/* moby's OSContext.Set: a thread the test started puts itself into the
 * test's network namespace. The guard belongs to that thread. */
typedef struct
{
  SpacetestNamespace *net;
  GMutex lock;
  GCond cond;
  int stage;                    /* 1: entered; 2: main tried; 3: done */

  guint64 net_before;
  guint64 net_inside;
  guint64 net_after_main_tried;
  guint64 net_after_restore;
  gboolean is_current_inside;
  SpacetestGuard *guard;        /* owned by the worker */
  GError *enter_error;
  gboolean restored;
  gboolean guard_says_restored;
  GError *restore_error;
} OSContext;

static void
os_context_set_stage (OSContext *ctx,
                      int        stage)
{
  g_mutex_lock (&ctx->lock);
  ctx->stage = stage;
  g_cond_broadcast (&ctx->cond);
  g_mutex_unlock (&ctx->lock);
}

static void
os_context_wait_stage (OSContext *ctx,
                       int        stage)
{
  g_mutex_lock (&ctx->lock);
  while (ctx->stage < stage)
    g_cond_wait (&ctx->cond, &ctx->lock);
  g_mutex_unlock (&ctx->lock);
}

static gpointer
os_context_worker (gpointer user_data)
{
  OSContext *ctx = user_data;

  ctx->net_before = tu_thread_ns_inode (NET);
  ctx->guard = spacetest_namespace_enter (ctx->net, &ctx->enter_error);
  ctx->is_current_inside = spacetest_namespace_is_current (ctx->net);
  ctx->net_inside = tu_thread_ns_inode (NET);
  os_context_set_stage (ctx, 1);

  os_context_wait_stage (ctx, 2);
  ctx->net_after_main_tried = tu_thread_ns_inode (NET);
  if (ctx->guard != NULL)
    {
      ctx->restored = spacetest_guard_restore (ctx->guard,
                                               &ctx->restore_error);
      ctx->guard_says_restored = spacetest_guard_is_restored (ctx->guard);
      ctx->net_after_restore = tu_thread_ns_inode (NET);
      g_clear_object (&ctx->guard);
    }
  os_context_set_stage (ctx, 3);

  return NULL;
}

static void
test_enter_other_thread (void)
{
  g_autoptr(GError) error = NULL;
  OSContext ctx = { 0, };
  TuThreadState before;
  GThread *thread;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET))
    return;

  ctx.net = spacetest_test_new_transient (NET);
  g_mutex_init (&ctx.lock);
  g_cond_init (&ctx.cond);

  thread = g_thread_new ("os-context", os_context_worker, &ctx);
  os_context_wait_stage (&ctx, 1);

  g_assert_no_error (ctx.enter_error);
  g_assert_nonnull (ctx.guard);
  g_assert_true (ctx.is_current_inside);
  g_assert_cmpuint (ctx.net_inside, ==, spacetest_namespace_get_inode (ctx.net));
  g_assert_cmpuint (ctx.net_before, ==, tu_thread_ns_inode (NET));
  g_assert_true (spacetest_namespace_equal (spacetest_guard_get_namespace (ctx.guard, NET),
                                            ctx.net));
  /* Only the worker moved. */
  g_assert_false (spacetest_namespace_is_current (ctx.net));

  /* The guard is bound to the worker: the main thread cannot restore it. */
  tu_thread_state_get (&before);
  g_assert_false (spacetest_guard_restore (ctx.guard, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_WRONG_THREAD);
  g_assert_false (spacetest_guard_is_restored (ctx.guard));
  tu_assert_thread_state_unchanged (&before);

  os_context_set_stage (&ctx, 2);
  g_thread_join (thread);

  /* The refused restore left the worker where it was ... */
  g_assert_cmpuint (ctx.net_after_main_tried, ==,
                    spacetest_namespace_get_inode (ctx.net));
  /* ... and the worker restored its own guard fine. */
  g_assert_no_error (ctx.restore_error);
  g_assert_true (ctx.restored);
  g_assert_true (ctx.guard_says_restored);
  g_assert_cmpuint (ctx.net_after_restore, ==, ctx.net_before);
  g_assert_null (ctx.guard);

  g_mutex_clear (&ctx.lock);
  g_cond_clear (&ctx.cond);
}

/* ---- inheritance ------------------------------------------------------ */

/* Namespaces belong to threads, and a new thread starts in the namespaces
 * of the thread that creates it — clone() copies the creator's namespace
 * set, not the main thread's or the process's (the manual's
 * pitfalls-inherited-threads). So a thread started from a switched thread
 * lives in the switched namespaces, and stays there even after its
 * creator has been switched back. That is why a switched thread must
 * never be the first to use a GThreadPool, GDBus or anything else that
 * starts worker threads lazily. */

typedef struct
{
  TuThreadState child;
  GMutex lock;
  GCond cond;
  gboolean go;
} Inherit;

static gpointer
record_thread_func (gpointer user_data)
{
  Inherit *inherit = user_data;

  /* Wait until told, so the creator can switch back in between. */
  g_mutex_lock (&inherit->lock);
  while (!inherit->go)
    g_cond_wait (&inherit->cond, &inherit->lock);
  g_mutex_unlock (&inherit->lock);

  tu_thread_state_get (&inherit->child);
  return NULL;
}

static void
inherit_go (Inherit *inherit)
{
  g_mutex_lock (&inherit->lock);
  inherit->go = TRUE;
  g_cond_signal (&inherit->cond);
  g_mutex_unlock (&inherit->lock);
}

static void
start_and_join_func (gpointer user_data)
{
  Inherit *inherit = user_data;
  GThread *thread = g_thread_new ("inherits", record_thread_func, inherit);

  inherit_go (inherit);
  g_thread_join (thread);
}

static void
test_thread_inherits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  SpacetestNamespace *set[2];
  TuThreadState before;
  Inherit inherit = { 0, };
  GThread *thread;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (NET | UTS))
    return;

  g_mutex_init (&inherit.lock);
  g_cond_init (&inherit.cond);

  set[0] = spacetest_test_new_transient (NET);
  set[1] = spacetest_test_new_transient (UTS);
  tu_thread_state_get (&before);

  /* A thread started inside spacetest_execute() is in the set. */
  g_assert_true (spacetest_execute (set, G_N_ELEMENTS (set),
                                    start_and_join_func, &inherit, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (inode_of (&inherit.child, NET), ==,
                    spacetest_namespace_get_inode (set[0]));
  g_assert_cmpuint (inode_of (&inherit.child, UTS), ==,
                    spacetest_namespace_get_inode (set[1]));
  g_assert_cmpuint (inode_of (&inherit.child, MNT), ==, inode_of (&before, MNT));
  g_assert_cmpuint (inode_of (&inherit.child, IPC), ==, inode_of (&before, IPC));
  tu_assert_thread_state_unchanged (&before);

  /* A thread started while switched stays in the switched namespaces
   * after its creator went back. */
  inherit.go = FALSE;
  guard = spacetest_enter_transient (NET, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("inherits", record_thread_func, &inherit);
  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tu_thread_ns_inode (NET), ==, inode_of (&before, NET));
  inherit_go (&inherit);
  g_thread_join (thread);
  g_assert_cmpuint (inode_of (&inherit.child, NET), ==,
                    spacetest_namespace_get_inode (spacetest_guard_get_namespace (guard, NET)));
  g_assert_cmpuint (inode_of (&inherit.child, NET), !=, inode_of (&before, NET));

  /* A thread started from the switched-back thread is home again. */
  inherit.go = FALSE;
  thread = g_thread_new ("inherits", record_thread_func, &inherit);
  inherit_go (&inherit);
  g_thread_join (thread);
  for (int t = 0; t < TU_N_TYPES; t++)
    g_assert_cmpuint (inherit.child.inodes[t], ==, before.inodes[t]);

  g_clear_object (&guard);
  g_mutex_clear (&inherit.lock);
  g_cond_clear (&inherit.cond);
}

/* The same with a mount namespace. A thread created by a thread that has
 * its own fs struct (root and cwd; unshare(CLONE_NEWNS) gave it one)
 * shares that fs struct, and setns(CLONE_NEWNS) fails with EINVAL while
 * the fs struct is shared (the manual's pitfalls-fs). So switching the
 * creator back must unshare(CLONE_FS) first, as entering does; otherwise
 * a thread that inherited the test's mount namespace makes the guard's
 * restore fail — and a dropped guard abort the process. */
static void
test_thread_inherits_mnt (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) restore_error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  TuThreadState before;
  Inherit inherit = { 0, };
  SpacetestNamespace *mnt;
  GThread *thread;
  gboolean restored;
  guint64 mnt_after_restore;
  gint64 deadline;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT))
    return;

  g_mutex_init (&inherit.lock);
  g_cond_init (&inherit.cond);
  tu_thread_state_get (&before);

  guard = spacetest_enter_transient (MNT, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  mnt = spacetest_guard_get_namespace (guard, MNT);
  thread = g_thread_new ("inherits-mnt", record_thread_func, &inherit);

  /* The creator goes back while the thread it started is still alive. */
  restored = spacetest_guard_restore (guard, &restore_error);
  mnt_after_restore = tu_thread_ns_inode (MNT);

  inherit_go (&inherit);
  g_thread_join (thread);

  /* Clean up whatever happened, so that a failure here does not spill
   * into later tests (the thread is gone now; its fs reference goes a
   * moment after the join). */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!spacetest_guard_is_restored (guard) &&
         !spacetest_guard_restore (guard, NULL) &&
         g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_true (spacetest_guard_is_restored (guard));

  if (restore_error != NULL)
    g_test_message ("restore with a live child thread: %s",
                    restore_error->message);
  g_assert_no_error (restore_error);
  g_assert_true (restored);
  g_assert_cmpuint (mnt_after_restore, ==, inode_of (&before, MNT));

  /* The child lived in the test's mount namespace all along. */
  g_assert_cmpuint (inode_of (&inherit.child, MNT), ==,
                    spacetest_namespace_get_inode (mnt));

  g_clear_object (&guard);
  tu_assert_thread_state_unchanged (&before);
  g_mutex_clear (&inherit.lock);
  g_cond_clear (&inherit.cond);
}

/* ---- time namespaces -------------------------------------------------- */

static void
test_time_transient (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestNamespace) time_ns = NULL;
  guint64 current = tu_thread_ns_inode (TIME);
  guint64 joined = 0;
  struct stat for_children;
  int pipe_fds[2];
  int status = 0;
  pid_t pid;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (TIME))
    return;

  time_ns = spacetest_namespace_new_transient (TIME, SPACETEST_TRANSIENT_NONE,
                                              &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (time_ns), ==, TIME);

  /* Opening .../ns/time after unshare(CLONE_NEWTIME) gives the old
   * namespace back (the manual's pitfalls-children): this one must be
   * really new. */
  g_assert_cmpuint (spacetest_namespace_get_inode (time_ns), !=, current);
  g_assert_no_errno (stat ("/proc/thread-self/ns/time_for_children",
                           &for_children));
  g_assert_cmpuint (spacetest_namespace_get_inode (time_ns), !=,
                    for_children.st_ino);
  g_assert_false (spacetest_namespace_is_current (time_ns));
  g_assert_cmpuint (tu_thread_ns_inode (TIME), ==, current);

  /* And a process can join it: a forked child (single-threaded, so
   * setns() into a time namespace is allowed) ends up in exactly it. Only
   * async-signal-safe calls in the child. */
  g_assert_no_errno (pipe2 (pipe_fds, O_CLOEXEC));
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      struct stat st;
      guint64 ino = 0;

      if (setns (spacetest_namespace_get_fd (time_ns), (int) TIME) == 0 &&
          stat ("/proc/self/ns/time", &st) == 0)
        ino = st.st_ino;
      if (write (pipe_fds[1], &ino, sizeof ino) != sizeof ino)
        _exit (2);
      _exit (0);
    }

  close (pipe_fds[1]);
  g_assert_cmpint (read (pipe_fds[0], &joined, sizeof joined), ==,
                   sizeof joined);
  close (pipe_fds[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_cmpuint (joined, ==, spacetest_namespace_get_inode (time_ns));
}

int
main (int    argc,
      char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spacetest/execute/net", test_execute_net);
  g_test_add_func ("/spacetest/execute/several", test_execute_several);
  g_test_add_func ("/spacetest/execute/none", test_execute_none);
  g_test_add_func ("/spacetest/execute/mnt", test_execute_mnt);
  g_test_add_func ("/spacetest/execute/from-thread", test_execute_from_thread);
  g_test_add_func ("/spacetest/execute/user-refused", test_execute_user_refused);
  g_test_add_func ("/spacetest/execute/duplicate-type", test_execute_duplicate_type);
  g_test_add_func ("/spacetest/execute/half-way", test_execute_half_way);
  g_test_add_func ("/spacetest/execute/permission", test_execute_permission);
  g_test_add_func ("/spacetest/execute/thread-new", test_thread_new);
  g_test_add_func ("/spacetest/execute/thread-new/mnt", test_thread_new_mnt);
  g_test_add_func ("/spacetest/execute/thread-new/refused", test_thread_new_refused);
  g_test_add_func ("/spacetest/execute/enter-other-thread", test_enter_other_thread);
  g_test_add_func ("/spacetest/execute/thread-inherits", test_thread_inherits);
  g_test_add_func ("/spacetest/execute/thread-inherits/mnt", test_thread_inherits_mnt);
  g_test_add_func ("/spacetest/execute/time-transient", test_time_transient);

  return g_test_run ();
}
