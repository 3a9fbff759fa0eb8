/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* run.c: spacetest-run(1) from outside — real namespaces, real processes,
 * every exit status, and nothing left behind on the host
 *
 * This program stays in the host's namespaces (g_test_init, not
 * spacetest_test_init): spacetest-run makes its own unprivileged mode, as
 * it does under 'meson test --wrapper'. meson passes the paths of the
 * programs: SPACETEST_RUN (spacetest-run), RUN_HELPER (run-helper.c) and
 * RUN_GTEST_PROGRAM (a GTest program of this repository). */

#include "test-util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

static const char *
program_path (const char *var)
{
  const char *path = g_getenv (var);

  if (path == NULL)
    g_error ("%s is not set (run this test through meson)", var);
  return path;
}

#define RUN        program_path ("SPACETEST_RUN")
#define HELPER     program_path ("RUN_HELPER")

typedef struct
{
  int status;        /* exit status; -1 if killed */
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

/* Runs spacetest-run with @args (NULL-terminated) and @env changes
 * ("NAME=VALUE", or "NAME" to unset). */
static void
run_full (Result             *r,
          const char * const *env,
          const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int wait_status;

  for (; env != NULL && *env != NULL; env++)
    {
      const char *eq = strchr (*env, '=');

      if (eq == NULL)
        envp = g_environ_unsetenv (envp, *env);
      else
        {
          g_autofree char *name = g_strndup (*env, eq - *env);
          envp = g_environ_setenv (envp, name, eq + 1, TRUE);
        }
    }

  g_ptr_array_add (argv, (char *) RUN);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *) *args);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp,
                               G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                               &wait_status, &error));
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("status %d\nout: %s\nerr: %s\n", wait_status, r->out, r->err);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
}

#define run(r, ...) \
  run_full ((r), NULL, (const char * const []) { __VA_ARGS__, NULL })

/* TRUE if spacetest-run could make its namespaces; else skips the test
 * (with SPACETEST_REQUIRE=1 spacetest-run exits with 1 instead of 77,
 * and the test fails on that status). */
static gboolean
made (Result *r)
{
  if (r->status == 77)
    {
      g_autofree char *msg = g_strdup_printf ("spacetest-run: %s", r->err);
      g_test_skip (g_strdelimit (msg, "\n", ' '));
      return FALSE;
    }
  return TRUE;
}

static guint64
ns_inode (const char *name)
{
  g_autofree char *path = g_strconcat ("/proc/self/ns/", name, NULL);
  struct stat st;

  g_assert_no_errno (stat (path, &st));
  return st.st_ino;
}

/* Runs @argv (looked up in PATH) in @cwd; returns its wait status. */
static int
spawn (const char         *cwd,
       const char * const *argv,
       char              **out,
       char              **err)
{
  g_autoptr(GError) error = NULL;
  int wait_status;

  g_assert_true (g_spawn_sync (cwd, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, out, err, &wait_status, &error));
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("%s: status %d\nout: %s\nerr: %s\n", argv[0], wait_status,
                out != NULL ? *out : "", err != NULL ? *err : "");
  return wait_status;
}

/* ---- the command line --------------------------------------------------- */

static void
test_version (void)
{
  g_auto(Result) r = { 0, };

  spacetest_test_check_leaks ();
  run (&r, "--version");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "spacetest-run " SPACETEST_VERSION_S "\n");
}

static void
test_help (void)
{
  static const char *const options[] = {
    "--net", "--uts", "--ipc", "--mnt", "--cgroup", "--time", "--pid",
    "--ethernet", "--sysfs", "--tmpfs", "--hostname", "--add-host",
    "--home", "--version", "PROGRAM",
  };
  g_auto(Result) r = { 0, };

  spacetest_test_check_leaks ();
  run (&r, "--help");
  g_assert_cmpint (r.status, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    g_assert_nonnull (strstr (r.out, options[i]));
}

static void
test_usage_errors (void)
{
  spacetest_test_check_leaks ();

  {
    g_auto(Result) r = { 0, };
    run (&r, "--no-such-option", "true");
    g_assert_cmpint (r.status, ==, 125);
    g_assert_nonnull (strstr (r.err, "--no-such-option"));
    g_assert_nonnull (strstr (r.err, "PROGRAM"));
    g_assert_cmpstr (r.out, ==, "");
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, "--net");
    g_assert_cmpint (r.status, ==, 125);
    g_assert_nonnull (strstr (r.err, "PROGRAM"));
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, "--add-host", "no-address", "true");
    g_assert_cmpint (r.status, ==, 125);
    g_assert_nonnull (strstr (r.err, "no-address"));
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, "--add-host", "name=not.an.address", "true");
    g_assert_cmpint (r.status, ==, 125);
  }
}

/* Options end at PROGRAM: its own options are its own. */
static void
test_options_end (void)
{
  g_auto(Result) r = { 0, };

  spacetest_test_check_leaks ();
  run (&r, "--", "sh", "-c", "echo \"$@\"", "sh", "--pid", "--version");
  if (!made (&r))
    return;
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "--pid --version\n");
}

/* ---- exit statuses ------------------------------------------------------ */

static void
test_exit_status (gconstpointer data)
{
  /* "--pid", or the end of the options */
  const char *opt = data != NULL ? data : "--";
  g_autofree char *dir = NULL;
  g_autofree char *not_exec = NULL;
  g_autoptr(GError) error = NULL;

  spacetest_test_check_leaks ();

  {
    g_auto(Result) r = { 0, };
    run (&r, opt, "true");
    if (!made (&r))
      return;
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpstr (r.err, ==, "");
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, opt, "sh", "-c", "exit 3");
    g_assert_cmpint (r.status, ==, 3);
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, opt, "sh", "-c", "kill -TERM $$; sleep 10");
    g_assert_cmpint (r.status, ==, 128 + SIGTERM);
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, opt, "spacetest-run-no-such-program");
    g_assert_cmpint (r.status, ==, 127);
    g_assert_nonnull (strstr (r.err, "spacetest-run-no-such-program"));
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, opt, "/nonexistent/program");
    g_assert_cmpint (r.status, ==, 127);
  }

  /* found, but not executable (no x bit: not even root may run it) */
  dir = g_dir_make_tmp ("spacetest-run-XXXXXX", &error);
  g_assert_no_error (error);
  not_exec = g_build_filename (dir, "not-executable", NULL);
  g_assert_true (g_file_set_contents (not_exec, "#!/bin/sh\nexit 0\n", -1,
                                      &error));
  g_assert_no_error (error);
  g_assert_no_errno (g_chmod (not_exec, 0644));
  g_assert_no_errno (g_chmod (dir, 0755));
  {
    g_auto(Result) r = { 0, };
    run (&r, opt, not_exec);
    g_assert_cmpint (r.status, ==, 126);
    g_assert_nonnull (strstr (r.err, "not-executable"));
  }
  {
    g_auto(Result) r = { 0, };
    run (&r, opt, dir);
    g_assert_cmpint (r.status, ==, 126);
  }
  g_assert_no_errno (g_unlink (not_exec));
  g_assert_no_errno (g_rmdir (dir));
}

/* SIGHUP, SIGINT, SIGQUIT and SIGTERM to spacetest-run reach PROGRAM,
 * and its death by them is the status 128+N. */
static void
test_signals (gconstpointer data)
{
  const char *opt = data != NULL ? data : "--";
  static const int signals[] = { SIGTERM, SIGHUP, SIGQUIT, SIGINT };

  spacetest_test_check_leaks ();

  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      /* The program resets the signal to the default first (a test
       * driver may run us with SIGINT ignored), and says it is ready. */
      g_autofree char *script = g_strdup_printf (
        "trap - %d; echo ready; while :; do sleep 1; done", signals[i]);
      const char *argv[] = { RUN, opt, "sh", "-c", script, NULL };
      g_autoptr(GError) error = NULL;
      char buf[16] = "";
      GPid pid;
      int out, status;

      g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                               G_SPAWN_DO_NOT_REAP_CHILD,
                                               NULL, NULL, &pid, NULL, &out,
                                               NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (read (out, buf, sizeof buf - 1), >, 0);
      close (out);
      if (!g_str_has_prefix (buf, "ready"))
        {
          /* no namespaces here: it ended with 77 (or 1) */
          g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 77);
          g_test_skip ("spacetest-run could not make namespaces");
          return;
        }

      g_assert_no_errno (kill (pid, signals[i]));
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      /* not killed itself: it exited with PROGRAM's status */
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 128 + signals[i]);
    }
}

/* A child of this test that cannot create namespaces (a seccomp filter
 * refuses unshare(), as container runtimes do) runs spacetest-run. */
static void
test_refused (void)
{
  if (g_test_subprocess ())
    {
      tu_forbid_unshare ();

      {
        g_auto(Result) r = { 0, };
        run_full (&r, (const char * const []) { "SPACETEST_REQUIRE", NULL },
                  (const char * const []) { "sh", "-c", "exit 0", NULL });
        g_assert_cmpint (r.status, ==, 77);
        g_assert_nonnull (strstr (r.err, "cannot create the namespaces"));
        g_assert_nonnull (strstr (r.err, g_strerror (EPERM)));
        g_assert_cmpstr (r.out, ==, "");
      }
      {
        g_auto(Result) r = { 0, };
        run_full (&r,
                  (const char * const []) { "SPACETEST_REQUIRE=1", NULL },
                  (const char * const []) { "true", NULL });
        g_assert_cmpint (r.status, ==, 1);
        g_assert_nonnull (strstr (r.err, "cannot create the namespaces"));
      }
      {
        g_auto(Result) r = { 0, };
        run_full (&r, (const char * const []) { "SPACETEST_REQUIRE", NULL },
                  (const char * const []) { "--pid", "true", NULL });
        g_assert_cmpint (r.status, ==, 77);
      }
      return;
    }

  spacetest_test_check_leaks ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- namespaces and their set-up ---------------------------------------- */

/* The namespaces PROGRAM is in, by default and with type options. In
 * unprivileged mode spacetest-run has a user namespace of its own with
 * base namespaces of every other type too (see
 * spacetest_init_user_namespace()), so only the new ones can be told
 * from outside. */
static void
test_types (void)
{
  static const char *const names[] = {
    "cgroup", "ipc", "mnt", "net", "pid", "time", "uts", "user",
  };
  struct {
    const char *const args[3];
    const char *new_ones;
  } cases[] = {
    { { NULL, }, "ipc mnt net uts" },
    { { "--net", NULL, }, "net" },
    { { "--cgroup", "--time", NULL }, "cgroup time" },
    { { "--ipc", "--hostname=h", NULL }, "ipc uts" },
    { { "--uts", "--tmpfs=/media", NULL }, "mnt uts" },
    { { "--pid", NULL, }, "mnt pid" },
  };

  spacetest_test_check_leaks ();

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_auto(Result) r = { 0, };
      g_auto(GStrv) inodes = NULL;
      gboolean unprivileged;

      for (gsize i = 0; i < 3 && cases[c].args[i] != NULL; i++)
        g_ptr_array_add (args, (char *) cases[c].args[i]);
      g_ptr_array_add (args, "sh");
      g_ptr_array_add (args, "-c");
      g_ptr_array_add (args, "for t in cgroup ipc mnt net pid time uts user; do "
                             "stat -L -c %i /proc/self/ns/$t; done");
      g_ptr_array_add (args, NULL);

      run_full (&r, NULL, (const char * const *) args->pdata);
      if (!made (&r))
        return;
      g_assert_cmpint (r.status, ==, 0);
      inodes = g_strsplit (g_strstrip (r.out), "\n", -1);
      g_assert_cmpuint (g_strv_length (inodes), ==, G_N_ELEMENTS (names));

      unprivileged = g_ascii_strtoull (inodes[G_N_ELEMENTS (names) - 1],
                                       NULL, 10) != ns_inode ("user");
      for (gsize i = 0; i + 1 < G_N_ELEMENTS (names); i++)
        {
          g_auto(GStrv) new_ones = g_strsplit (cases[c].new_ones, " ", -1);
          gboolean expect_new = g_strv_contains ((const char * const *) new_ones,
                                                 names[i]);
          guint64 inside = g_ascii_strtoull (inodes[i], NULL, 10);

          if (g_test_verbose ())
            g_printerr ("case %zu: %s %s\n", c, names[i],
                        expect_new ? "new" : "same");
          if (expect_new)
            g_assert_cmpuint (inside, !=, ns_inode (names[i]));
          else if (!unprivileged)
            g_assert_cmpuint (inside, ==, ns_inode (names[i]));
        }
    }
}

/* A shell script sees its own network (lo up, no other link), its host
 * name, its tmpfs, and no descriptor of spacetest-run's; the host sees
 * none of it. */
static void
test_isolation (void)
{
  g_autofree char *probe = g_strdup_printf ("spacetest-run-probe-%d-%u",
                                            (int) getpid (),
                                            g_random_int ());
  g_autofree char *host_probe = g_build_filename ("/tmp", probe, NULL);
  g_autofree char *net = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                          ns_inode ("net"));
  g_autofree char *hostname = tu_hostname ();
  const char *script =
    "set -e\n"
    "[ \"$(stat -L -c %i /proc/self/ns/net)\" != \"$1\" ]\n"
    "echo links $(ls /sys/class/net)\n"
    "echo lo-up $(( $(cat /sys/class/net/lo/flags) & 1 ))\n"
    "echo name $(uname -n)\n"
    "echo written > \"/tmp/$2\"\n"
    "echo tmp $(ls -A /tmp)\n"
    /* without a subprocess: only the directory's own fd, 3, is new */
    "printf fds; for f in /proc/$$/fd/*; do printf ' %s' \"${f##*/}\"; done\n"
    "echo\n";
  g_autofree char *expected = NULL;
  g_auto(Result) r = { 0, };

  spacetest_test_check_leaks ();

  run (&r, "--sysfs", "--hostname", "spacetest-run-host", "--tmpfs", "/tmp",
       "sh", "-c", script, "sh", net, probe);
  if (!made (&r))
    return;
  g_assert_cmpint (r.status, ==, 0);

  /* no descriptor of spacetest-run's reached PROGRAM */
  expected = g_strdup_printf ("links lo\nlo-up 1\nname spacetest-run-host\n"
                              "tmp %s\nfds 0 1 2 3\n", probe);
  g_assert_cmpstr (r.out, ==, expected);

  g_assert_false (g_file_test (host_probe, G_FILE_TEST_EXISTS));
  {
    g_autofree char *now = tu_hostname ();
    g_assert_cmpstr (now, ==, hostname);
  }
}

static void
test_time (void)
{
  g_auto(Result) r = { 0, };
  g_autofree char *host = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                           ns_inode ("time"));

  spacetest_test_check_leaks ();

  run (&r, "--time", "stat", "-L", "-c", "%i", "/proc/self/ns/time");
  if (!made (&r))
    return;
  g_assert_cmpint (r.status, ==, 0);
  g_strstrip (r.out);
  g_assert_cmpstr (r.out, !=, "");
  g_assert_cmpstr (r.out, !=, host);
}

/* --home: six distinct, fresh, empty, writable directories; nothing of
 * them on the host afterwards. */
static void
test_home (void)
{
  const char *script =
    "set -e\n"
    "for d in \"$HOME\" \"$XDG_CONFIG_HOME\" \"$XDG_DATA_HOME\" "
    "\"$XDG_CACHE_HOME\" \"$XDG_STATE_HOME\" \"$XDG_RUNTIME_DIR\"; do\n"
    "  echo \"$d\"\n"
    "  [ -d \"$d\" ] && [ -z \"$(ls -A \"$d\")\" ]\n"
    "  echo x > \"$d/$1\"\n"
    "done\n"
    "stat -c %a \"$XDG_RUNTIME_DIR\"\n";
  g_autofree char *probe = g_strdup_printf ("spacetest-run-home-%d-%u",
                                            (int) getpid (),
                                            g_random_int ());
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(Result) r = { 0, };
  g_auto(GStrv) lines = NULL;

  spacetest_test_check_leaks ();

  run (&r, "--home", "sh", "-c", script, "sh", probe);
  if (!made (&r))
    return;
  g_assert_cmpint (r.status, ==, 0);

  lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 7);
  g_assert_cmpstr (lines[6], ==, "700");
  for (int i = 0; i < 6; i++)
    {
      g_autofree char *host_probe = g_build_filename (lines[i], probe, NULL);

      g_assert_true (g_path_is_absolute (lines[i]));
      g_assert_false (g_hash_table_contains (seen, lines[i]));
      g_hash_table_add (seen, lines[i]);
      g_assert_false (g_file_test (host_probe, G_FILE_TEST_EXISTS));
    }
}

/* --pid: PROGRAM is the child of PID 1 (the spacer service) in a fresh
 * /proc, and a daemon it leaves running is gone when spacetest-run
 * returns. */

/* The one process whose parent is @parent and whose comm is @comm (any,
 * if NULL); 0 if none or several. */
static pid_t
only_child_of (pid_t       parent,
               const char *comm)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  pid_t found = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      pid_t pid = (pid_t) g_ascii_strtoll (name, NULL, 10);
      pid_t ppid = 0;

      if (pid <= 0 || tu_process_state (pid, &ppid) == 0 || ppid != parent)
        continue;
      if (comm != NULL)
        {
          g_autofree char *path = g_strdup_printf ("/proc/%d/comm", (int) pid);
          g_autofree char *contents = NULL;

          if (!g_file_get_contents (path, &contents, NULL, NULL) ||
              strcmp (g_strstrip (contents), comm) != 0)
            continue;
        }
      if (found != 0)
        return 0;
      found = pid;
    }
  return found;
}

/* The last (innermost) pid of the NSpid line of /proc/@pid/status. */
static char *
innermost_pid (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    if (g_str_has_prefix (*l, "NSpid:"))
      {
        const char *last = strrchr (*l, '\t');
        return g_strdup (last != NULL ? last + 1 : "");
      }
  return g_strdup ("");
}

static void
test_pid (void)
{
  const char *argv[] = {
    RUN, "--pid", "sh", "-c",
    "echo $$; cat /proc/1/comm; ls -d /proc/[0-9]* | wc -l; "
    "sleep 1000 & echo $!; echo $PPID; "
    "awk '/^PPid/ { print $2 }' /proc/$$/status; read x; exit 0", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_auto(GStrv) line = g_new0 (char *, 7);
  g_autofree char *daemon_ns_pid = NULL;
  struct pollfd pfd;
  pid_t program, daemon_pid, spacer, pid1;
  GPid pid;
  int in, out, status, pidfd;

  spacetest_test_check_leaks ();

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, &in, &out,
                                           NULL, &error));
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (out);
  g_io_channel_set_close_on_unref (channel, TRUE);
  for (int i = 0; i < 6; i++)
    {
      if (g_io_channel_read_line (channel, &line[i], NULL, NULL, &error) !=
          G_IO_STATUS_NORMAL)
        {
          g_assert_no_error (error);
          close (in);
          g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 77);
          g_test_skip ("spacetest-run could not make namespaces");
          return;
        }
      g_strstrip (line[i]);
    }

  /* the first process after PID 1 */
  g_assert_cmpstr (line[0], ==, "2");
  g_assert_true (g_str_has_prefix (line[1], "spacetest-spac"));
  /* PID 1, the shell, ls and wc (and maybe a subshell): a fresh /proc */
  g_assert_cmpint (atoi (line[2]), >=, 3);
  g_assert_cmpint (atoi (line[2]), <=, 5);
  daemon_ns_pid = g_strdup (line[3]);
  /* the shell's parent is PID 1, inside: a real child of it */
  g_assert_cmpstr (line[4], ==, "1");
  g_assert_cmpstr (line[5], ==, "1");

  /* The daemon from outside: spacetest-run's only child is its spacer
   * service, whose only child is PID 1 of the new namespace (the
   * subspace's service), whose only child is the shell; the daemon is
   * the shell's only one. */
  spacer = only_child_of (pid, NULL);
  g_assert_cmpint (spacer, >, 0);
  pid1 = only_child_of (spacer, NULL);
  g_assert_cmpint (pid1, >, 0);
  {
    g_autofree char *inner = innermost_pid (pid1);
    g_assert_cmpstr (inner, ==, "1");
  }
  program = only_child_of (pid1, "sh");
  g_assert_cmpint (program, >, 0);
  {
    g_autofree char *inner = innermost_pid (program);
    g_assert_cmpstr (inner, ==, "2");
  }
  daemon_pid = only_child_of (program, NULL);
  g_assert_cmpint (daemon_pid, >, 0);
  {
    g_autofree char *inner = innermost_pid (daemon_pid);
    g_assert_cmpstr (inner, ==, daemon_ns_pid);
  }
  pidfd = tu_pidfd_open (daemon_pid);
  g_assert_cmpint (pidfd, >=, 0);
  pfd.fd = pidfd;
  pfd.events = POLLIN;
  g_assert_cmpint (poll (&pfd, 1, 0), ==, 0);   /* running */

  /* the shell ends; spacetest-run ends the namespace */
  close (in);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  g_assert_cmpint (poll (&pfd, 1, 0), ==, 1);   /* ended */
  close (pidfd);
  g_assert_true (tu_process_gone (daemon_pid));
  g_assert_true (tu_process_gone (program));
}

/* Whether one of @lines (each "PREFIXADDRESS") has an IPv4 address;
 * fails the test unless every such address is on the test LAN. */
static gboolean
has_lan_ipv4 (char       **lines,
              const char  *prefix)
{
  g_autoptr(GInetAddressMask) lan =
    g_inet_address_mask_new_from_string ("198.18.0.0/15", NULL);
  gboolean found = FALSE;

  for (char **l = lines; *l != NULL; l++)
    {
      g_autoptr(GInetAddress) address = NULL;

      if (!g_str_has_prefix (*l, prefix))
        continue;
      address = g_inet_address_new_from_string (*l + strlen (prefix));
      g_assert_nonnull (address);
      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
        {
          g_assert_true (g_inet_address_mask_matches (lan, address));
          found = TRUE;
        }
    }
  return found;
}

/* --ethernet: eth0 with an address of the test LAN. */
static void
test_ethernet (void)
{
  g_auto(Result) r = { 0, };
  g_auto(GStrv) lines = NULL;

  spacetest_test_check_leaks ();

  run (&r, "--ethernet", HELPER, "addresses", "eth0");
  if (!made (&r))
    return;
  g_assert_cmpint (r.status, ==, 0);

  lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_true (has_lan_ipv4 (lines, ""));
}

/* --add-host: names resolve through GIO's resolver (with --ethernet, so
 * that AI_ADDRCONFIG lets IPv4 names through), and so does the
 * namespace's own host name, to its LAN address. */
static void
test_add_host (void)
{
  g_auto(Result) r = { 0, };
  g_auto(GStrv) lines = NULL;

  spacetest_test_check_leaks ();

  run (&r, "--ethernet", "--hostname", "spacetest-run-self",
       "--add-host", "four.spacetest.test=192.0.2.7",
       "--add-host", "six.spacetest.test=2001:db8::7",
       HELPER, "resolve", "four.spacetest.test", "six.spacetest.test",
       "spacetest-run-self");
  if (!made (&r))
    return;
  g_assert_cmpint (r.status, ==, 0);

  g_assert_nonnull (strstr (r.out, "four.spacetest.test 192.0.2.7\n"));
  g_assert_nonnull (strstr (r.out, "six.spacetest.test 2001:db8::7\n"));
  lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_true (has_lan_ipv4 (lines, "spacetest-run-self "));

  /* and not on the host */
  {
    const char *argv[] = { HELPER, "resolve", "four.spacetest.test", NULL };
    g_autofree char *out = NULL;
    int wait_status = spawn (NULL, argv, &out, NULL);

    g_assert_true (WIFEXITED (wait_status));
    g_assert_cmpint (WEXITSTATUS (wait_status), ==, 2);
    g_assert_null (strstr (out, "192.0.2.7"));
  }
}

/* ---- real programs ------------------------------------------------------ */

/* A GTest program of this repository runs under it and passes. */
static void
test_gtest_program (void)
{
  g_auto(Result) r = { 0, };

  spacetest_test_check_leaks ();

  run (&r, "--pid", "--home", program_path ("RUN_GTEST_PROGRAM"), "--tap");
  if (!made (&r))
    return;
  if (r.status != 0)
    g_test_message ("the program's output:\n%s\nits errors:\n%s", r.out,
                    r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\nok "));
  g_assert_null (strstr (r.out, "not ok"));
}

/* 'meson test --wrapper spacetest-run' on a small project whose test
 * checks its own isolation. */
static void
test_meson_wrapper (void)
{
  const char *check =
    "#!/bin/sh\n"
    "set -e\n"
    "[ \"$(stat -L -c %i /proc/self/ns/net)\" != \"$HOST_NETNS\" ]\n"
    "[ \"$(ls /sys/class/net)\" = lo ]\n"
    "[ $(( $(cat /sys/class/net/lo/flags) & 1 )) = 1 ]\n"
    "[ \"$(cat /proc/1/comm)\" != \"$HOST_INIT\" ]\n"
    "echo isolated\n";
  g_autofree char *meson = g_find_program_in_path ("meson");
  g_autofree char *dir = NULL;
  g_autofree char *build = NULL;
  g_autofree char *file = NULL;
  g_autofree char *project = NULL;
  g_autofree char *wrapper = NULL;
  g_autofree char *host_init = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status;

  spacetest_test_check_leaks ();

  if (meson == NULL)
    {
      g_test_skip ("meson is not in PATH");
      return;
    }

  {
    /* can spacetest-run work here at all? */
    g_auto(Result) r = { 0, };
    run (&r, "--pid", "--sysfs", "true");
    if (!made (&r))
      return;
    g_assert_cmpint (r.status, ==, 0);
  }

  if (!g_file_get_contents ("/proc/1/comm", &host_init, NULL, NULL))
    host_init = g_strdup ("");
  g_strstrip (host_init);

  dir = g_dir_make_tmp ("spacetest-run-meson-XXXXXX", &error);
  g_assert_no_error (error);
  build = g_build_filename (dir, "build", NULL);

  file = g_build_filename (dir, "check.sh", NULL);
  g_assert_true (g_file_set_contents (file, check, -1, &error));
  g_assert_no_error (error);
  g_assert_no_errno (g_chmod (file, 0755));
  g_clear_pointer (&file, g_free);

  project = g_strdup_printf (
    "project('wrapped', meson_version: '>= 1.0')\n"
    "test('isolated', find_program('check.sh'),\n"
    "  env: {'HOST_NETNS': '%" G_GUINT64_FORMAT "', 'HOST_INIT': '%s'})\n",
    ns_inode ("net"), host_init);
  file = g_build_filename (dir, "meson.build", NULL);
  g_assert_true (g_file_set_contents (file, project, -1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&file, g_free);

  {
    const char *argv[] = { meson, "setup", build, dir, NULL };
    wait_status = spawn (dir, argv, &out, &err);
    if (!g_spawn_check_wait_status (wait_status, NULL))
      g_error ("meson setup failed:\n%s\n%s", out, err);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  wrapper = g_strdup_printf ("%s --net --pid --sysfs", RUN);
  {
    const char *argv[] = {
      meson, "test", "-C", build, "--wrapper", wrapper, "--verbose", NULL
    };
    wait_status = spawn (dir, argv, &out, &err);
    g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
    g_assert_nonnull (strstr (out, "isolated"));
    g_assert_true (g_regex_match_simple ("^Ok: +1 *$", out,
                                         G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^Skipped: +0 *$", out,
                                         G_REGEX_MULTILINE, 0));
  }

  {
    g_autoptr(GFile) top = g_file_new_for_path (dir);
    const char *argv[] = { "rm", "-rf", "--", dir, NULL };
    g_assert_true (g_spawn_check_wait_status (spawn (NULL, argv, NULL, NULL),
                                              NULL));
    g_assert_false (g_file_query_exists (top, NULL));
  }
}

/* As root, the same as the user nobody (unprivileged mode): a fresh home,
 * a PID namespace, and root inside its own user namespace. */
static void
test_as_nobody (void)
{
  g_autofree char *why = NULL;
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  const char *spacer = g_getenv ("SPACETEST_SPACER_PATH");

  spacetest_test_check_leaks ();

  if (geteuid () != 0)
    {
      g_test_skip ("needs root (it becomes nobody)");
      return;
    }
  if (setpriv == NULL)
    {
      g_test_skip ("setpriv is not in PATH");
      return;
    }
  if (!tu_uid_can_reach (NOBODY, NOBODY, RUN, &why) ||
      (spacer != NULL && !tu_uid_can_reach (NOBODY, NOBODY, spacer, &why)))
    {
      g_test_skip (why);
      return;
    }

  {
    g_autofree char *spacer_env =
      g_strconcat ("SPACETEST_SPACER_PATH=", spacer ? spacer : "", NULL);
    const char *argv[] = {
      setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
      "env", "HOME=/nonexistent", spacer_env, RUN, "--pid", "--",
      "sh", "-c", "id -u; echo $$; [ -d \"$HOME\" ] && [ -w \"$HOME\" ] && "
      "echo $HOME", NULL
    };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int wait_status = spawn ("/", argv, &out, &err);

    g_assert_true (WIFEXITED (wait_status));
    if (WEXITSTATUS (wait_status) == 77)
      {
        g_test_skip (err);
        return;
      }
    g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);
    /* HOME was not usable: --home went into effect */
    g_assert_true (g_regex_match_simple ("^0\n2\n/.+\n$", out, 0, 0));
    g_assert_null (strstr (out, "/nonexistent"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/run/version", test_version);
  g_test_add_func ("/run/help", test_help);
  g_test_add_func ("/run/usage-errors", test_usage_errors);
  g_test_add_func ("/run/options-end", test_options_end);
  g_test_add_data_func ("/run/exit-status", NULL, test_exit_status);
  g_test_add_data_func ("/run/signals", NULL, test_signals);
  g_test_add_func ("/run/refused", test_refused);
  g_test_add_func ("/run/types", test_types);
  g_test_add_func ("/run/isolation", test_isolation);
  g_test_add_func ("/run/time", test_time);
  g_test_add_func ("/run/home", test_home);
  g_test_add_func ("/run/pid", test_pid);
  /* PROGRAM is the spacer service's child: the statuses and signals */
  g_test_add_data_func ("/run/pid/exit-status", "--pid", test_exit_status);
  g_test_add_data_func ("/run/pid/signals", "--pid", test_signals);
  g_test_add_func ("/run/ethernet", test_ethernet);
  g_test_add_func ("/run/add-host", test_add_host);
  g_test_add_func ("/run/gtest-program", test_gtest_program);
  g_test_add_func ("/run/meson-wrapper", test_meson_wrapper);
  g_test_add_func ("/run/as-nobody", test_as_nobody);

  return g_test_run ();
}
