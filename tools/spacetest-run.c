/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-run.c: run an unchanged program in transient namespaces
 *
 *     spacetest-run [OPTION…] [--] PROGRAM [ARGUMENT…]
 *
 * Process structure
 * -----------------
 * spacetest-run itself keeps everything that must outlive PROGRAM's
 * start. Without --pid it runs PROGRAM as its child (fork + exec); with
 * --pid, PID 1 of the new PID namespace does:
 *
 *   spacetest-run (main thread; later also the library's threads)
 *   │  1. unprivileged mode (spacetest_init_user_namespace), while the
 *   │     process still has a single thread: the kernel allows a new user
 *   │     namespace to single-threaded processes only.
 *   │  2. with --pid: a spacer service (started while the main thread is
 *   │     still in its base namespaces), and a subspace of it in a new PID
 *   │     namespace, whose service is PID 1 there. It lives as long as
 *   │     spacetest-run does.
 *   │  3. spacetest_enter_transient(): the main thread moves into the new
 *   │     cgroup, ipc, mnt, net and uts namespaces (lo up; with --ethernet
 *   │     on the test LAN, whose switch lives in this process), then sets
 *   │     them up: host name, tmpfs mounts, fresh home directories,
 *   │     /etc/hosts. With --time, a new time namespace (for children).
 *   │  4. without --pid: fork. The child makes only async-signal-safe
 *   │     calls (the parent has threads): it restores the forwarded
 *   │     signals' dispositions and the signal mask; with --time it joins
 *   │     the time namespace (setns needs a single-threaded process, which
 *   │     the child is); then execvpe(). A failure travels back as an
 *   │     errno over a close-on-exec pipe, so the exit status says exactly
 *   │     what failed (126, 127 or 125); EOF on the pipe means the exec
 *   │     succeeded.
 *   │  4'. with --pid: PROGRAM must be a child of PID 1, which no thread
 *   │     of this process can make (a process attached to another PID
 *   │     namespace still has its parent outside: getppid() would be 0
 *   │     inside). spacetest-run looks PROGRAM up in PATH as execvp()
 *   │     would (127, 126), then sends the subspace's service a "spawn"
 *   │     request (_spacetest_spacer_spawn(), private API) with the
 *   │     namespaces of step 3 and the time namespace, its working
 *   │     directory, stdin/stdout/stderr, environment, ignored signals
 *   │     and signal mask. The service forks; the child joins those
 *   │     namespaces (mnt last), changes to the working directory,
 *   │     unshares a mount namespace of its own (a copy of ours, so that
 *   │     we keep our /proc) with a /proc that shows the new PID
 *   │     namespace, and executes PROGRAM. The reply carries a pidfd; an
 *   │     exec failure comes back as a GFileError (126/127), another one
 *   │     as a SpacetestError (125).
 *   │  5. SIGHUP, SIGINT, SIGQUIT and SIGTERM are forwarded to PROGRAM
 *   │     (blocked until it exists, so none is lost; with --pid through
 *   │     the pidfd); the main thread waits for PROGRAM — with --pid by
 *   │     reading the wait status that the service sends through a pipe
 *   │     when it has reaped it — and takes its status (128+N for signal
 *   │     N).
 *   │  6. teardown: back to the original namespaces, and with --pid
 *   │     spacetest_spacer_close(): PID 1 of the namespace ends, and the
 *   │     kernel kills whatever PROGRAM left behind there before the
 *   │     service counts as ended (the daemons are gone when
 *   │     spacetest-run returns).
 *   ├─ PROGRAM (without --pid: our child)
 *   └─ spacer service (--pid)
 *      └─ subspace's service (PID 1 in the new PID namespace)
 *         └─ PROGRAM (pid 2 there, parent pid 1)
 *
 * Mount set-up never writes to the host: everything goes into the new
 * mount namespace, which is recursively private. --home needs a tmpfs on
 * a directory that exists on every system and whose contents a test does
 * not need: the first of /media, /mnt, /srv and /tmp that exists and does
 * not hold the working directory or PROGRAM (hiding /tmp would hide build
 * trees, which often live there).
 */

#include "config.h"

#include <spacetest-glib/spacetest-glib.h>
#include "spacetest-glib/spacetest-home-private.h"
#include "spacetest-glib/spacetest-spacer-private.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#define EXIT_SKIPPED   77
#define EXIT_OWN       125
#define EXIT_CANNOT    126
#define EXIT_NOT_FOUND 127

#define IN_PROCESS_TYPES (SPACETEST_NAMESPACE_TYPE_CGROUP | \
                          SPACETEST_NAMESPACE_TYPE_IPC | \
                          SPACETEST_NAMESPACE_TYPE_MNT | \
                          SPACETEST_NAMESPACE_TYPE_NET | \
                          SPACETEST_NAMESPACE_TYPE_UTS)

/* ---- options ------------------------------------------------------------ */

static gboolean opt_net, opt_uts, opt_ipc, opt_mnt, opt_cgroup, opt_time,
                opt_pid;
static gboolean opt_ethernet, opt_sysfs, opt_home, opt_version;
static char **opt_tmpfs;
static char *opt_hostname;
static char **opt_add_host;

static const GOptionEntry entries[] = {
  { "net", 0, 0, G_OPTION_ARG_NONE, &opt_net,
    N_("New network namespace (lo is up)"), NULL },
  { "uts", 0, 0, G_OPTION_ARG_NONE, &opt_uts,
    N_("New UTS namespace (host name)"), NULL },
  { "ipc", 0, 0, G_OPTION_ARG_NONE, &opt_ipc,
    N_("New IPC namespace"), NULL },
  { "mnt", 0, 0, G_OPTION_ARG_NONE, &opt_mnt,
    N_("New mount namespace"), NULL },
  { "cgroup", 0, 0, G_OPTION_ARG_NONE, &opt_cgroup,
    N_("New cgroup namespace"), NULL },
  { "time", 0, 0, G_OPTION_ARG_NONE, &opt_time,
    N_("New time namespace"), NULL },
  { "pid", 0, 0, G_OPTION_ARG_NONE, &opt_pid,
    N_("New PID namespace with its own /proc; whatever PROGRAM leaves "
       "running there is killed when it ends"), NULL },
  { "ethernet", 0, 0, G_OPTION_ARG_NONE, &opt_ethernet,
    N_("Join the test LAN: eth0 with addresses from 198.18.0.0/15 and "
       "fd00:5354::/64"), NULL },
  { "sysfs", 0, 0, G_OPTION_ARG_NONE, &opt_sysfs,
    N_("Mount a fresh read-only sysfs on /sys"), NULL },
  { "tmpfs", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_tmpfs,
    N_("Mount a fresh tmpfs on the existing directory PATH (repeatable)"),
    N_("PATH") },
  { "hostname", 0, 0, G_OPTION_ARG_STRING, &opt_hostname,
    N_("Set the host name"), N_("NAME") },
  { "add-host", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_add_host,
    N_("Make NAME resolve to ADDRESS through /etc/hosts (repeatable)"),
    N_("NAME=ADDRESS") },
  { "home", 0, 0, G_OPTION_ARG_NONE, &opt_home,
    N_("Fresh empty HOME and XDG base directories on a private tmpfs"),
    NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
    N_("Print the version and exit"), NULL },
  G_OPTION_ENTRY_NULL
};

static void
print_usage_hint (void)
{
  g_printerr (_("Usage: %s [OPTION…] [--] PROGRAM [ARGUMENT…]\n"
                "Try “%s --help” for more information.\n"),
              g_get_prgname (), g_get_prgname ());
}

typedef struct
{
  char *name;
  char *address;
} HostEntry;

static void
host_entry_free (HostEntry *entry)
{
  g_free (entry->name);
  g_free (entry->address);
  g_free (entry);
}

/* Parses the --add-host values. */
static GPtrArray *
parse_hosts (GError **error)
{
  g_autoptr(GPtrArray) hosts =
    g_ptr_array_new_with_free_func ((GDestroyNotify) host_entry_free);

  for (char **h = opt_add_host; h != NULL && *h != NULL; h++)
    {
      const char *eq = strchr (*h, '=');
      g_autoptr(GInetAddress) address = NULL;
      HostEntry *entry;

      if (eq != NULL)
        address = g_inet_address_new_from_string (eq + 1);
      if (eq == NULL || eq == *h || address == NULL ||
          strpbrk (*h, " \t\n#") != NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--add-host wants NAME=ADDRESS with an IPv4 or "
                         "IPv6 address, not “%s”"), *h);
          return NULL;
        }

      entry = g_new0 (HostEntry, 1);
      entry->name = g_strndup (*h, eq - *h);
      entry->address = g_inet_address_to_string (address);
      g_ptr_array_add (hosts, entry);
    }

  return g_steal_pointer (&hosts);
}

/* ---- failures ----------------------------------------------------------- */

static gboolean
is_refusal (const GError *error)
{
  return g_error_matches (error, SPACETEST_ERROR,
                          SPACETEST_ERROR_PERMISSION_DENIED) ||
         g_error_matches (error, SPACETEST_ERROR,
                          SPACETEST_ERROR_NOT_SUPPORTED);
}

/* The exit status for @error from making the namespaces: 77 (or 1 with
 * SPACETEST_REQUIRE=1) when the system refuses them, else 125. */
static int
fail_with (const GError *error,
           const char   *userns_failure)
{
  gboolean require = g_strcmp0 (g_getenv ("SPACETEST_REQUIRE"), "1") == 0;

  if (!is_refusal (error))
    {
      g_printerr (_("%s: %s\n"), g_get_prgname (), error->message);
      return EXIT_OWN;
    }

  if (userns_failure != NULL)
    g_printerr (require
                  ? _("%s: cannot create the namespaces here: %s "
                      "(unprivileged mode failed: %s)\n")
                  : _("%s: cannot create the namespaces here, skipping: %s "
                      "(unprivileged mode failed: %s)\n"),
                g_get_prgname (), error->message, userns_failure);
  else
    g_printerr (require
                  ? _("%s: cannot create the namespaces here: %s\n")
                  : _("%s: cannot create the namespaces here, skipping: "
                      "%s\n"),
                g_get_prgname (), error->message);

  return require ? 1 : EXIT_SKIPPED;
}

static int
fail_errno (const char *what,
            int         errsv)
{
  g_printerr (_("%s: %s: %s\n"), g_get_prgname (), what, g_strerror (errsv));
  return EXIT_OWN;
}

/* ---- set-up inside the new namespaces ----------------------------------- */

static guint64
ns_inode (const char *name)
{
  g_autofree char *path = g_strconcat ("/proc/thread-self/ns/", name, NULL);
  struct stat st;

  return stat (path, &st) == 0 ? st.st_ino : 0;
}

static gboolean
is_writable_dir (const char *path)
{
  return path != NULL && g_path_is_absolute (path) &&
         g_file_test (path, G_FILE_TEST_IS_DIR) && access (path, W_OK) == 0;
}

static gboolean
is_below (const char *path,
          const char *dir)
{
  gsize n = strlen (dir);

  return path != NULL && strncmp (path, dir, n) == 0 &&
         (path[n] == '/' || path[n] == '\0');
}

/* /etc/hosts: localhost, the namespace's own host name, and --add-host. */
static char *
hosts_contents (GPtrArray          *hosts,
                SpacetestNamespace *netns)
{
  GString *s = g_string_new (NULL);
  g_autoptr(GInetAddress) v4 = NULL;
  g_autoptr(GInetAddress) v6 = NULL;
  char name[256] = "";

  if (gethostname (name, sizeof name - 1) != 0)
    g_strlcpy (name, "localhost", sizeof name);

  if (netns != NULL)
    {
      v4 = spacetest_namespace_get_lan_address (netns, G_SOCKET_FAMILY_IPV4);
      v6 = spacetest_namespace_get_lan_address (netns, G_SOCKET_FAMILY_IPV6);
    }

  g_string_append (s, "# written by spacetest-run\n"
                      "127.0.0.1\tlocalhost\n"
                      "::1\tlocalhost ip6-localhost ip6-loopback\n");
  if (v4 != NULL)
    {
      g_autofree char *a4 = g_inet_address_to_string (v4);
      g_string_append_printf (s, "%s\t%s\n", a4, name);
    }
  else
    g_string_append_printf (s, "127.0.1.1\t%s\n", name);
  if (v6 != NULL)
    {
      g_autofree char *a6 = g_inet_address_to_string (v6);
      g_string_append_printf (s, "%s\t%s\n", a6, name);
    }

  for (guint i = 0; i < hosts->len; i++)
    {
      HostEntry *entry = hosts->pdata[i];
      g_string_append_printf (s, "%s\t%s\n", entry->address, entry->name);
    }

  return g_string_free (s, FALSE);
}

/* The directory for --home's tmpfs (see the comment at the top). */
static const char *
home_base (const char *cwd,
           const char *program)
{
  static const char *const candidates[] = { "/media", "/mnt", "/srv", "/tmp" };

  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      const char *dir = candidates[i];
      struct stat st;

      if (lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode) ||
          is_below (cwd, dir) || is_below (program, dir))
        continue;
      return dir;
    }

  return NULL;
}

/* --home: six fresh directories on a private tmpfs; their names go into
 * @envp. */
static gboolean
make_home (const char   *cwd,
           const char   *program,
           char       ***envp,
           GError      **error)
{
  const char *base = home_base (cwd, program);

  if (base == NULL)
    {
      g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                           _("No directory for the home directories' tmpfs "
                             "(/media, /mnt, /srv and /tmp are missing or "
                             "hold the working directory or the program)"));
      return FALSE;
    }

  if (!spacetest_mount_tmpfs (base, error))
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (spacetest_home_dirs); i++)
    {
      g_autofree char *dir =
        g_build_filename (base, spacetest_home_dirs[i].name, NULL);

      /* all 0700 (a HOME too: only the program sees this tmpfs), set
       * explicitly, whatever the umask: XDG_RUNTIME_DIR must be 0700 */
      if (g_mkdir (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
        {
          int errsv = errno;

          g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                       _("Cannot make the directory '%s': %s"),
                       dir, g_strerror (errsv));
          return FALSE;
        }
      *envp = g_environ_setenv (*envp, spacetest_home_dirs[i].variable, dir,
                                TRUE);
    }

  return TRUE;
}

/* ---- running PROGRAM ---------------------------------------------------- */

static const int forwarded_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };

/* PROGRAM, once it exists: our child, or with --pid the spacer
 * service's, which only a pidfd reaches; a signal that comes earlier
 * waits in pending_signal. */
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t child_pidfd = -1;
static volatile sig_atomic_t pending_signal;

static void
send_to_program (int signum)
{
  pid_t pid = child_pid;
  int pidfd = child_pidfd;

  if (pidfd >= 0)
    syscall (SYS_pidfd_send_signal, pidfd, signum, NULL, 0);
  else if (pid > 0)
    kill (pid, signum);
  else
    pending_signal = signum;
}

static void
forward_signal (int signum)
{
  int errsv = errno;

  send_to_program (signum);
  errno = errsv;
}

/* Installs forward_signal() for the forwarded signals, which are
 * blocked until PROGRAM exists (so that none is lost): the handler
 * forwards any that arrives later, in whichever thread it lands. */
static void
forward_signals (struct sigaction *saved_actions,
                 sigset_t         *block,
                 sigset_t         *saved_mask)
{
  struct sigaction action = { 0, };

  sigemptyset (block);
  for (gsize i = 0; i < G_N_ELEMENTS (forwarded_signals); i++)
    sigaddset (block, forwarded_signals[i]);
  pthread_sigmask (SIG_BLOCK, block, saved_mask);

  action.sa_handler = forward_signal;
  action.sa_flags = SA_RESTART;
  sigfillset (&action.sa_mask);
  for (gsize i = 0; i < G_N_ELEMENTS (forwarded_signals); i++)
    sigaction (forwarded_signals[i], &action, &saved_actions[i]);
}

static int
status_of (int wait_status)
{
  if (WIFSIGNALED (wait_status))
    return 128 + WTERMSIG (wait_status);
  return WEXITSTATUS (wait_status);
}

/* What the child reports over the pipe when it does not reach PROGRAM. */
typedef struct
{
  int step;     /* CHILD_STEP_… */
  int errsv;
} ChildFailure;

enum
{
  CHILD_STEP_EXEC,
  CHILD_STEP_TIME,
};

/* In the child, between fork and exec: async-signal-safe calls only. */
G_GNUC_NORETURN static void
child_run (char                   **argv,
           char                   **envp,
           int                      time_fd,
           const struct sigaction  *saved_actions,
           const sigset_t          *saved_mask,
           int                      report_fd)
{
  ChildFailure failure = { CHILD_STEP_EXEC, 0 };

  /* PROGRAM gets the dispositions and mask that spacetest-run got. */
  for (gsize i = 0; i < G_N_ELEMENTS (forwarded_signals); i++)
    sigaction (forwarded_signals[i], &saved_actions[i], NULL);
  pthread_sigmask (SIG_SETMASK, saved_mask, NULL);

  if (time_fd >= 0 && setns (time_fd, CLONE_NEWTIME) != 0)
    {
      failure.step = CHILD_STEP_TIME;
      failure.errsv = errno;
    }
  else
    {
      execvpe (argv[0], argv, envp);
      failure.errsv = errno;
    }

  while (write (report_fd, &failure, sizeof failure) < 0 && errno == EINTR)
    ;
  _exit (EXIT_NOT_FOUND);
}

/* Runs PROGRAM (@argv) as a child (without --pid); returns the exit
 * status for it. */
static int
run_program (char               **argv,
             char               **envp,
             SpacetestNamespace  *timens)
{
  struct sigaction saved_actions[G_N_ELEMENTS (forwarded_signals)];
  ChildFailure failure;
  sigset_t block, saved_mask;
  int report[2];
  gssize n;
  pid_t pid;
  int status, errsv;

  if (pipe2 (report, O_CLOEXEC) != 0)
    return fail_errno (_("Cannot create a pipe"), errno);

  /* blocked until child_pid is set */
  forward_signals (saved_actions, &block, &saved_mask);

  pid = fork ();
  if (pid == 0)
    child_run (argv, envp,
               timens != NULL ? spacetest_namespace_get_fd (timens) : -1,
               saved_actions, &saved_mask, report[1]);
  errsv = errno;
  close (report[1]);

  if (pid < 0)
    {
      close (report[0]);
      pthread_sigmask (SIG_SETMASK, &saved_mask, NULL);
      return fail_errno (_("Cannot start a process"), errsv);
    }

  child_pid = pid;
  pthread_sigmask (SIG_UNBLOCK, &block, NULL);
  if (pending_signal != 0)
    kill (pid, pending_signal);

  do
    n = read (report[0], &failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  close (report[0]);

  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        errsv = errno;
        child_pid = 0;
        return fail_errno (_("Cannot wait for the program"), errsv);
      }
  child_pid = 0;

  if (n == sizeof failure)
    {
      if (failure.step == CHILD_STEP_TIME)
        return fail_errno (_("Cannot enter the new time namespace"),
                           failure.errsv);

      g_printerr (_("%s: cannot run “%s”: %s\n"), g_get_prgname (), argv[0],
                  g_strerror (failure.errsv));
      return failure.errsv == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT;
    }

  return status_of (status);
}

/* ---- running PROGRAM with --pid ----------------------------------------- */

/* PROGRAM's path as execvp() would find it: NULL with *@errsv ENOENT
 * (127) or EACCES (126, found but not executable) when it would fail. */
static char *
find_program (const char *name,
              int        *errsv)
{
  const char *path = g_getenv ("PATH");
  g_auto(GStrv) dirs = NULL;

  *errsv = ENOENT;
  if (path == NULL)
    path = "/bin:/usr/bin";
  dirs = g_strsplit (path, ":", -1);
  for (char **dir = dirs; *dir != NULL; dir++)
    {
      g_autofree char *cwd = NULL;
      g_autofree char *candidate = NULL;
      struct stat st;

      /* an empty entry is the working directory */
      if (**dir == '\0')
        candidate = g_build_filename (cwd = g_get_current_dir (), name, NULL);
      else
        candidate = g_build_filename (*dir, name, NULL);
      if (stat (candidate, &st) != 0)
        continue;
      if (S_ISREG (st.st_mode) && access (candidate, X_OK) == 0)
        return g_canonicalize_filename (candidate, NULL);
      *errsv = EACCES;
    }
  return NULL;
}

/* The namespaces that PROGRAM must join: those of the main thread that
 * spacetest-run made (see step 3 at the top), and the time namespace. */
static guint
program_namespaces (SpacetestGuard      *guard,
                    SpacetestNamespace  *timens,
                    SpacetestNamespace **namespaces)
{
  static const SpacetestNamespaceType types[] = {
    SPACETEST_NAMESPACE_TYPE_CGROUP, SPACETEST_NAMESPACE_TYPE_IPC,
    SPACETEST_NAMESPACE_TYPE_NET, SPACETEST_NAMESPACE_TYPE_UTS,
    SPACETEST_NAMESPACE_TYPE_MNT,
  };
  guint n = 0;

  for (gsize i = 0; guard != NULL && i < G_N_ELEMENTS (types); i++)
    {
      SpacetestNamespace *ns = spacetest_guard_get_namespace (guard, types[i]);

      if (ns != NULL)
        namespaces[n++] = ns;
    }
  if (timens != NULL)
    namespaces[n++] = timens;
  return n;
}

/* The descriptors that run_program_spawned() opens. */
typedef struct
{
  int cwd;
  int null;
  int pidfd;
  int status;
} SpawnFds;

static void
spawn_fds_close (SpawnFds *fds)
{
  int *all[] = { &fds->cwd, &fds->null, &fds->pidfd, &fds->status };

  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    if (*all[i] >= 0)
      {
        close (*all[i]);
        *all[i] = -1;
      }
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpawnFds, spawn_fds_close)

/* The signals that spacetest-run ignores, which PROGRAM ignores too:
 * for the forwarded ones, as they were before forward_signals(). */
static void
ignored_signals (const struct sigaction *saved_actions,
                 sigset_t               *ignored)
{
  sigemptyset (ignored);
  for (int sig = 1; sig < NSIG; sig++)
    {
      struct sigaction old;
      gboolean forwarded = FALSE;

      for (gsize i = 0; i < G_N_ELEMENTS (forwarded_signals); i++)
        if (forwarded_signals[i] == sig)
          {
            forwarded = TRUE;
            if (saved_actions[i].sa_handler == SIG_IGN)
              sigaddset (ignored, sig);
          }
      if (!forwarded && sigaction (sig, NULL, &old) == 0 &&
          old.sa_handler == SIG_IGN)
        sigaddset (ignored, sig);
    }
}

/* Has the spacer service @subspace (PID 1 of the new PID namespace) run
 * PROGRAM (@argv; at @path, or looked up in PATH) as its child, in the
 * namespaces of step 3 (see the top); returns the exit status for it. */
static int
run_program_spawned (char               **argv,
                     const char          *path,
                     char               **envp,
                     SpacetestSpacer     *subspace,
                     SpacetestGuard      *guard,
                     SpacetestNamespace  *timens)
{
  struct sigaction saved_actions[G_N_ELEMENTS (forwarded_signals)];
  SpacetestNamespace *namespaces[6];
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_auto(SpawnFds) fds = { -1, -1, -1, -1 };
  sigset_t block, saved_mask, ignored;
  int stdio[3];
  gint32 status;
  gssize n;
  GPid pid;
  int errsv;

  if (path == NULL)
    {
      path = found = find_program (argv[0], &errsv);
      if (path == NULL)
        {
          g_printerr (_("%s: cannot run “%s”: %s\n"), g_get_prgname (),
                      argv[0], g_strerror (errsv));
          return errsv == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT;
        }
    }

  fds.cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fds.cwd < 0)
    return fail_errno (_("Cannot open the working directory"), errno);

  /* a closed one is /dev/null for PROGRAM */
  for (int i = 0; i < 3; i++)
    {
      stdio[i] = i;
      if (fcntl (i, F_GETFD) >= 0)
        continue;
      if (fds.null < 0 &&
          (fds.null = open ("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        return fail_errno (_("Cannot open /dev/null"), errno);
      stdio[i] = fds.null;
    }

  /* blocked until child_pidfd is set */
  forward_signals (saved_actions, &block, &saved_mask);
  ignored_signals (saved_actions, &ignored);

  if (!_spacetest_spacer_spawn (subspace, path,
                                (const char * const *) argv,
                                (const char * const *) envp, fds.cwd, stdio,
                                namespaces,
                                program_namespaces (guard, timens,
                                                    namespaces),
                                &saved_mask, &ignored, &pid, &fds.pidfd,
                                &fds.status, &error))
    {
      pthread_sigmask (SIG_SETMASK, &saved_mask, NULL);
      g_printerr (_("%s: %s\n"), g_get_prgname (), error->message);
      if (error->domain != G_FILE_ERROR)
        return EXIT_OWN;
      return error->code == G_FILE_ERROR_NOENT ? EXIT_NOT_FOUND
                                               : EXIT_CANNOT;
    }

  child_pidfd = fds.pidfd;
  pthread_sigmask (SIG_UNBLOCK, &block, NULL);
  if (pending_signal != 0)
    send_to_program (pending_signal);

  /* the service sends the wait status when it has reaped PROGRAM */
  do
    n = read (fds.status, &status, sizeof status);
  while (n < 0 && errno == EINTR);
  errsv = errno;

  /* no signal handler may use the pidfd once it is closed */
  pthread_sigmask (SIG_BLOCK, &block, NULL);
  child_pidfd = -1;
  pthread_sigmask (SIG_UNBLOCK, &block, NULL);

  if (n < 0)
    return fail_errno (_("Cannot wait for the program"), errsv);
  if (n != sizeof status)
    {
      g_printerr (_("%s: the spacer service (PID 1 of the new PID "
                    "namespace) ended before the program\n"),
                  g_get_prgname ());
      return EXIT_OWN;
    }

  return status_of (status);
}

/* ---- main --------------------------------------------------------------- */

typedef struct
{
  SpacetestSpacer *spacer;
  SpacetestSpacer *subspace;
  SpacetestGuard *guard;           /* in the new namespaces */
  SpacetestNamespace *timens;
} Run;

/* Switches back and ends the PID namespace; FALSE if something went
 * wrong (which it reports). */
static gboolean
run_clear (Run *run)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (run->guard != NULL && !spacetest_guard_restore (run->guard, &error))
    g_error ("%s", error->message);
  g_clear_object (&run->guard);
  g_clear_object (&run->timens);

  for (SpacetestSpacer **s = &run->subspace; s != NULL;
       s = s == &run->subspace ? &run->spacer : NULL)
    {
      if (*s != NULL && !spacetest_spacer_close (*s, &error))
        {
          g_printerr (_("%s: %s\n"), g_get_prgname (), error->message);
          g_clear_error (&error);
          ok = FALSE;
        }
      g_clear_object (s);
    }

  return ok;
}

static int
run_main (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hosts = NULL;
  g_autofree char *userns_failure = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *program_path = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_auto(GStrv) tmpfs_paths = NULL;
  SpacetestNamespaceType types = SPACETEST_NAMESPACE_TYPE_NONE;
  SpacetestTransientFlags flags = SPACETEST_TRANSIENT_NONE;
  Run run = { NULL, };
  gboolean unprivileged = FALSE;
  char **program;
  int status;

  context = g_option_context_new (_("[--] PROGRAM [ARGUMENT…]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Runs PROGRAM in transient Linux namespaces: by default new network "
      "(with lo up), UTS, IPC and mount namespaces."));
  g_option_context_set_description (context,
    _("Exit status: PROGRAM's, 128+N when it was killed by signal N, 77 "
      "when the namespaces cannot be made here (1 with SPACETEST_REQUIRE=1), "
      "125 when spacetest-run fails, 126 when PROGRAM cannot be run, 127 "
      "when it is not found.\n"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* options end at PROGRAM: the rest is PROGRAM's */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      print_usage_hint ();
      return EXIT_OWN;
    }

  if (opt_version)
    {
      g_print ("spacetest-run %s\n", SPACETEST_VERSION_S);
      return 0;
    }

  program = argv + 1;
  if (program[0] != NULL && strcmp (program[0], "--") == 0)
    program++;
  if (program[0] == NULL)
    {
      g_printerr (_("%s: no PROGRAM given\n"), g_get_prgname ());
      print_usage_hint ();
      return EXIT_OWN;
    }

  hosts = parse_hosts (&error);
  if (hosts == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      print_usage_hint ();
      return EXIT_OWN;
    }
  if (opt_hostname != NULL &&
      (opt_hostname[0] == '\0' || strlen (opt_hostname) > 64))
    {
      g_printerr (_("%s: --hostname wants a name of 1 to 64 bytes\n"),
                  g_get_prgname ());
      print_usage_hint ();
      return EXIT_OWN;
    }

  /* Made absolute now: with --pid the set-up happens after a change of
   * mount namespace, which resets the working directory. */
  tmpfs_paths = g_new0 (char *, opt_tmpfs != NULL
                                  ? g_strv_length (opt_tmpfs) + 1 : 1);
  for (guint i = 0; opt_tmpfs != NULL && opt_tmpfs[i] != NULL; i++)
    tmpfs_paths[i] = g_canonicalize_filename (opt_tmpfs[i], cwd);
  if (strchr (program[0], '/') != NULL)
    program_path = g_canonicalize_filename (program[0], cwd);

  /* 1. Unprivileged mode, while the process has a single thread. */
  if (g_strcmp0 (g_getenv ("SPACETEST_USERNS"), "0") != 0)
    {
      guint64 before = ns_inode ("user");

      if (!spacetest_init_user_namespace (&error))
        {
          if (!is_refusal (error))
            return fail_with (error, NULL);
          userns_failure = g_strdup (error->message);
          g_clear_error (&error);
        }
      unprivileged = ns_inode ("user") != before;
    }

  /* What to make. */
  if (opt_net) types |= SPACETEST_NAMESPACE_TYPE_NET;
  if (opt_uts) types |= SPACETEST_NAMESPACE_TYPE_UTS;
  if (opt_ipc) types |= SPACETEST_NAMESPACE_TYPE_IPC;
  if (opt_mnt) types |= SPACETEST_NAMESPACE_TYPE_MNT;
  if (opt_cgroup) types |= SPACETEST_NAMESPACE_TYPE_CGROUP;
  if (opt_time) types |= SPACETEST_NAMESPACE_TYPE_TIME;
  if (opt_pid) types |= SPACETEST_NAMESPACE_TYPE_PID;
  if (types == SPACETEST_NAMESPACE_TYPE_NONE)
    types = SPACETEST_NAMESPACE_TYPE_NET | SPACETEST_NAMESPACE_TYPE_UTS |
            SPACETEST_NAMESPACE_TYPE_IPC | SPACETEST_NAMESPACE_TYPE_MNT;

  if (unprivileged && !is_writable_dir (g_getenv ("HOME")))
    opt_home = TRUE;
  /* --pid: PROGRAM's /proc is in a copy of our mount namespace */
  if (opt_home || opt_sysfs || opt_pid || (opt_tmpfs != NULL) ||
      hosts->len > 0)
    types |= SPACETEST_NAMESPACE_TYPE_MNT;
  if (opt_hostname != NULL)
    types |= SPACETEST_NAMESPACE_TYPE_UTS;
  if (opt_ethernet)
    types |= SPACETEST_NAMESPACE_TYPE_NET;

  if (types & SPACETEST_NAMESPACE_TYPE_NET)
    flags |= SPACETEST_TRANSIENT_LOOPBACK_UP;
  if (opt_ethernet)
    flags |= SPACETEST_TRANSIENT_ETHERNET;
  if (opt_sysfs)
    flags |= SPACETEST_TRANSIENT_MOUNT_SYSFS;

  if (!spacetest_check_can_create (types & ~SPACETEST_NAMESPACE_TYPE_PID,
                                   &error))
    return fail_with (error, userns_failure);

  /* 2. --pid: a service as PID 1 of a new PID namespace. */
  if (opt_pid)
    {
      run.spacer = spacetest_spacer_new (NULL, &error);
      if (run.spacer != NULL)
        run.subspace = spacetest_spacer_subspace (run.spacer,
                                                  SPACETEST_NAMESPACE_TYPE_PID,
                                                  NULL, &error);
      if (run.subspace == NULL)
        goto failed;
    }

  if (types & SPACETEST_NAMESPACE_TYPE_TIME)
    {
      run.timens = spacetest_namespace_new_transient (
        SPACETEST_NAMESPACE_TYPE_TIME, SPACETEST_TRANSIENT_NONE, &error);
      if (run.timens == NULL)
        goto failed;
    }

  /* 3. The new namespaces, and their set-up. */
  if (types & IN_PROCESS_TYPES)
    {
      run.guard = spacetest_enter_transient (types & IN_PROCESS_TYPES, flags,
                                             &error);
      if (run.guard == NULL)
        goto failed;
    }

  if (opt_hostname != NULL &&
      sethostname (opt_hostname, strlen (opt_hostname)) != 0)
    {
      int errsv = errno;

      g_set_error (&error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                   _("Cannot set the host name to “%s”: %s"), opt_hostname,
                   g_strerror (errsv));
      goto failed_setup;
    }

  for (guint i = 0; tmpfs_paths[i] != NULL; i++)
    if (!spacetest_mount_tmpfs (tmpfs_paths[i], &error))
      goto failed_setup;

  if (opt_home &&
      !make_home (cwd, program_path, &envp, &error))
    goto failed_setup;

  if (hosts->len > 0)
    {
      g_autofree char *contents = hosts_contents (
        hosts, run.guard != NULL
                 ? spacetest_guard_get_namespace (run.guard,
                                                  SPACETEST_NAMESPACE_TYPE_NET)
                 : NULL);

      if (!spacetest_mount_file ("/etc/hosts", contents, -1, &error))
        goto failed_setup;
    }

  /* 4.–5. */
  if (run.subspace != NULL)
    status = run_program_spawned (program, program_path, envp, run.subspace,
                                  run.guard, run.timens);
  else
    status = run_program (program, envp, run.timens);

  /* 6. A failure here is reported; PROGRAM's status stands. */
  run_clear (&run);
  return status;

failed:
  status = fail_with (error, userns_failure);
  run_clear (&run);
  return status;

failed_setup:
  g_printerr (_("%s: %s\n"), g_get_prgname (), error->message);
  run_clear (&run);
  return EXIT_OWN;
}

int
main (int    argc,
      char **argv)
{
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("spacetest-run");

  status = run_main (argc, argv);

  g_clear_pointer (&opt_tmpfs, g_strfreev);
  g_clear_pointer (&opt_hostname, g_free);
  g_clear_pointer (&opt_add_host, g_strfreev);
  return status;
}
