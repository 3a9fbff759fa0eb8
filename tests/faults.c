/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* faults.c: fault injection
 *
 * - emfile: every public function that opens descriptors or makes
 *   namespaces or processes, run with 0, 1, 2, ... free descriptors until
 *   it succeeds (and twice more);
 * - limits: the kernel's per-user-namespace limits on namespaces
 *   (/proc/sys/user/max_*_namespaces) set to 0;
 * - service: spacer services killed and stopped in the middle of
 *   subspace and rooms requests, synchronous and asynchronous.
 *
 * After every call: the result is a success or an error with the honest
 * OS reason; no descriptor of the test was closed or replaced (link
 * target and device/inode, stdin to stderr included); nothing leaked; the
 * calling thread is in the same eight namespaces and working directory;
 * no child process, zombie or stray spacer service is left. Every failing
 * call is made again with error == NULL.
 *
 * Each case runs in a g_test_trap_subprocess() child of its own, so that
 * one that crashes (or closes the TAP stream's stdout) cannot hide the
 * others. A child leaves notes (what it saw) in a file that the parent
 * shows as TAP comments.
 */

#include "test-util.h"
#include "spacetest-lan-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include <glib/gstdio.h>

#define IN_PROCESS (CGROUP | IPC | MNT | NET | UTS)

#define LO    SPACETEST_TRANSIENT_LOOPBACK_UP
#define SYSFS SPACETEST_TRANSIENT_MOUNT_SYSFS
#define ETH   SPACETEST_TRANSIENT_ETHERNET

/* The request timeout of the spacers the service faults act on: short, so
 * that a stopped service costs little; and of the others: long enough
 * for a loaded machine, short enough not to hang the suite. */
#define SERVICE_TIMEOUT_MS 500
#define SPACER_TIMEOUT_MS 2000
/* When a stopped service is killed while a request waits for it. */
#define KILL_DELAY_MS 100
/* How long a process that was told to end may take to be gone. */
#define GONE_TIMEOUT_MS 2000
/* No call here needs more free descriptors than this. */
#define MAX_FREE_FDS 24

#define NOTES_ENV "SPACETEST_FAULTS_NOTES"
#define LIMITS_PREFIX "/spacetest/faults/limits/"

/* ---- notes and context ------------------------------------------------ */

/* What the child is doing, for failure messages. */
static char *context;

static void G_GNUC_PRINTF (1, 2)
set_context (const char *format,
             ...)
{
  va_list args;

  g_free (context);
  va_start (args, format);
  context = g_strdup_vprintf (format, args);
  va_end (args);
  /* A child's stderr is captured: the parent shows it only on failure. */
  g_printerr ("%s\n", context);
}

/* A line for the parent to show as a TAP comment (in the parent itself, a
 * g_test_message()). Never called while the descriptor limit is low. */
static void G_GNUC_PRINTF (1, 2)
note (const char *format,
      ...)
{
  const char *path = g_getenv (NOTES_ENV);
  g_autofree char *line = NULL;
  va_list args;
  FILE *file;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (line, "\n", ' ');

  if (!g_test_subprocess () || path == NULL)
    {
      g_test_message ("%s", line);
      return;
    }

  file = fopen (path, "ae");
  g_assert_nonnull (file);
  fprintf (file, "%s\n", line);
  g_assert_no_errno (fclose (file));
}

/* In the parent, after a child: its notes as TAP comments. */
static void
show_notes (void)
{
  const char *path = g_getenv (NOTES_ENV);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (path == NULL || !g_file_get_contents (path, &contents, NULL, NULL))
    return;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_test_message ("%s", lines[i]);
  g_unlink (path);
}

static void
fail_at (const char *file,
         int         line,
         const char *func,
         const char *what)
{
  g_autofree char *msg = g_strdup_printf ("[%s] %s",
                                          context ? context : "-", what);

  g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
}

/* ---- errors ------------------------------------------------------------- */

static const char *
error_code_name (int code)
{
  GEnumClass *klass = g_type_class_ref (SPACETEST_TYPE_ERROR);
  GEnumValue *value = g_enum_get_value (klass, code);
  const char *name = value != NULL ? value->value_nick : "?";

  g_type_class_unref (klass);
  return name;
}

/* The code of a kernel refusal with @errsv, the same everywhere:
 * EINVAL → INVALID_ARGUMENT, EPERM/EACCES → PERMISSION_DENIED,
 * ENOENT/ENODEV → NOT_FOUND, anything else → FAILED (see SpacetestError).
 * The refusals here, EMFILE and ENOSPC, are "anything else". */
static int
code_for_errno (int errsv)
{
  g_assert (errsv == EMFILE || errsv == ENOSPC);
  return SPACETEST_ERROR_FAILED;
}

/* Fails the test unless @error is the SPACETEST_ERROR that the contract
 * gives a kernel refusal with @errsv, and its message gives the OS
 * reason. */
#define assert_os_error(error, errsv) \
  assert_os_error_at ((error), (errsv), __FILE__, __LINE__, G_STRFUNC)
static void
assert_os_error_at (const GError *error,
                    int           errsv,
                    const char   *file,
                    int           line,
                    const char   *func)
{
  int code = code_for_errno (errsv);
  g_autofree char *msg = NULL;

  if (error != NULL && error->domain == SPACETEST_ERROR &&
      error->code == code && strstr (error->message, g_strerror (errsv)))
    return;

  if (error == NULL)
    msg = g_strdup_printf ("expected a SpacetestError %s saying '%s', got "
                           "no error", error_code_name (code),
                           g_strerror (errsv));
  else
    msg = g_strdup_printf ("expected a SpacetestError %s saying '%s', got "
                           "%s %s (%d): %s", error_code_name (code),
                           g_strerror (errsv),
                           g_quark_to_string (error->domain),
                           error->domain == SPACETEST_ERROR
                             ? error_code_name (error->code) : "",
                           error->code, error->message);
  fail_at (file, line, func, msg);
}

/* Whether @text names @type, by its short name ("net") or as the
 * library describes it ("network namespace"), in any case. */
static gboolean
names_type (const char             *text,
            SpacetestNamespaceType  type)
{
  g_autofree char *lower = g_ascii_strdown (text, -1);

  if (strstr (lower, spacetest_namespace_type_to_string (type)) != NULL)
    return TRUE;
  return type == MNT && strstr (lower, "mount") != NULL;
}

/* Whether @text holds the number @n as a word of its own. */
static gboolean
mentions_number (const char *text,
                 int         n)
{
  for (const char *p = text; *p != '\0'; )
    {
      if (g_ascii_isdigit (*p))
        {
          char *end;
          gint64 value = g_ascii_strtoll (p, &end, 10);

          if (value == n)
            return TRUE;
          p = end;
        }
      else
        p++;
    }
  return FALSE;
}

/* ---- descriptors -------------------------------------------------------- */

typedef struct
{
  int fd;
  char *target;     /* what /proc/self/fd/N links to */
  guint64 dev;      /* the identity of the open file */
  guint64 ino;
} FdEntry;

static void
fd_entry_clear (gpointer data)
{
  g_free (((FdEntry *) data)->target);
}

static int
compare_fd_entries (gconstpointer a,
                    gconstpointer b)
{
  return ((const FdEntry *) a)->fd - ((const FdEntry *) b)->fd;
}

/* The open descriptors of the process, ascending. */
static GArray *
fd_table_new (void)
{
  GArray *table = g_array_new (FALSE, FALSE, sizeof (FdEntry));
  struct dirent *entry;
  DIR *dir;

  g_array_set_clear_func (table, fd_entry_clear);
  dir = opendir ("/proc/self/fd");
  g_assert_nonnull (dir);

  while ((entry = readdir (dir)) != NULL)
    {
      g_autofree char *link = NULL;
      FdEntry e = { 0, };
      struct stat st;

      if (entry->d_name[0] == '.')
        continue;
      e.fd = atoi (entry->d_name);
      /* the test LAN's own, kept for the life of the process once a
       * call made it (as spacetest_test_check_leaks() knows too) */
      if (e.fd == dirfd (dir) || _spacetest_lan_owns_fd (e.fd))
        continue;

      link = g_strdup_printf ("/proc/self/fd/%d", e.fd);
      e.target = g_file_read_link (link, NULL);
      g_assert_nonnull (e.target);
      g_assert_no_errno (fstat (e.fd, &st));
      e.dev = st.st_dev;
      e.ino = st.st_ino;
      g_array_append_val (table, e);
    }

  closedir (dir);
  g_array_sort (table, compare_fd_entries);
  return table;
}

static FdEntry *
fd_table_index (GArray *table,
                guint   i)
{
  return i < table->len ? &g_array_index (table, FdEntry, i) : NULL;
}

/* Fails the test unless every descriptor of @before is still open and
 * refers to the same file; with @exact, also unless no other one is. */
#define assert_fds_kept(before) \
  assert_fds_at ((before), FALSE, __FILE__, __LINE__, G_STRFUNC)
#define assert_fds_same(before) \
  assert_fds_at ((before), TRUE, __FILE__, __LINE__, G_STRFUNC)
static void
assert_fds_at (GArray     *before,
               gboolean    exact,
               const char *file,
               int         line,
               const char *func)
{
  g_autoptr(GArray) now = fd_table_new ();
  g_autoptr(GString) report = g_string_new (NULL);
  guint i = 0, j = 0;

  while (i < before->len || j < now->len)
    {
      FdEntry *b = fd_table_index (before, i);
      FdEntry *n = fd_table_index (now, j);

      if (b != NULL && (n == NULL || b->fd < n->fd))
        {
          g_string_append_printf (report, " fd %d (%s) was closed;",
                                  b->fd, b->target);
          i++;
        }
      else if (b == NULL || n->fd < b->fd)
        {
          if (exact)
            g_string_append_printf (report, " fd %d (%s) leaked;",
                                    n->fd, n->target);
          j++;
        }
      else
        {
          if (g_strcmp0 (b->target, n->target) != 0 ||
              b->dev != n->dev || b->ino != n->ino)
            g_string_append_printf (report, " fd %d refers to %s (%"
                                    G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT
                                    ") instead of %s (%" G_GUINT64_FORMAT
                                    ":%" G_GUINT64_FORMAT ");",
                                    n->fd, n->target, n->dev, n->ino,
                                    b->target, b->dev, b->ino);
          i++;
          j++;
        }
    }

  if (report->len > 0)
    {
      g_autofree char *msg = g_strdup_printf ("descriptors:%s", report->str);
      fail_at (file, line, func, msg);
    }
}

/* The soft RLIMIT_NOFILE under which exactly @n_free descriptors can be
 * opened while @table is open: RLIMIT_NOFILE bounds the descriptor
 * *number*, and the kernel gives the lowest unused one, so the limit is
 * the (n_free + 1)-th unused number — the n_free unused ones below it,
 * holes included, are all there is. */
static rlim_t
limit_for_free (GArray *table,
                guint   n_free)
{
  guint seen = 0, i = 0;

  for (rlim_t n = 0; ; n++)
    {
      FdEntry *e = fd_table_index (table, i);

      if (e != NULL && (rlim_t) e->fd == n)
        {
          i++;
          continue;
        }
      if (seen == n_free)
        return n;
      seen++;
    }
}

/* Between these two, only the call under test (and paint_stack()): no
 * assertion, no output, nothing else that may need a descriptor. */
static void
lower_fd_limit (rlim_t         soft,
                struct rlimit *saved)
{
  struct rlimit limit;

  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, saved));
  g_assert_cmpuint (soft, <=, saved->rlim_max);
  limit.rlim_cur = soft;
  limit.rlim_max = saved->rlim_max;
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &limit));
}

static void
restore_fd_limit (const struct rlimit *saved)
{
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, saved));
}

/* ---- uninitialised memory ----------------------------------------------- */

G_NO_INLINE
static void
paint_stack (int value)
{
  volatile int area[8192];

  for (gsize i = 0; i < G_N_ELEMENTS (area); i++)
    area[i] = value;
}

static gpointer
paint_thread (gpointer data)
{
  paint_stack (GPOINTER_TO_INT (data));
  return NULL;
}

/* Leaves @value in the unused stack of this thread and of the threads
 * started next (glibc gives a new thread the cached stack of a joined
 * one): a descriptor array that the library reads uninitialised then
 * names a descriptor of the test, whose closing the checks see, instead
 * of whatever happened to be there. */
static void
paint_stacks (int value)
{
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("faults-paint", paint_thread,
                               GINT_TO_POINTER (value));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

/* ---- processes ---------------------------------------------------------- */

/* The state letter of process @pid ('R', 'S', 'T', 'Z', ...), or 0 when
 * there is none. */
static char
process_state (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  const char *end;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  end = strrchr (contents, ')');
  return end != NULL && end[1] == ' ' ? end[2] : '?';
}

/* Waits up to @timeout_ms until process @pid is in one of @states (0 in
 * @states: gone). */
static gboolean
wait_process_state (GPid        pid,
                    const char *states,
                    gsize       n_states,
                    guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      char state = process_state (pid);

      if (memchr (states, state, n_states) != NULL)
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (1000);
    }
}

static gboolean
wait_stopped (GPid pid)
{
  return wait_process_state (pid, "Tt", 2, GONE_TIMEOUT_MS);
}

/* Dead: a zombie, or reaped already. */
static gboolean
wait_dead (GPid pid)
{
  return wait_process_state (pid, "ZX", 3, GONE_TIMEOUT_MS);
}

static gboolean
wait_gone (GPid pid)
{
  return wait_process_state (pid, "", 1, GONE_TIMEOUT_MS);
}

/* The children of every thread of the process. */
static GHashTable *
children_new (void)
{
  GHashTable *children = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  g_assert_nonnull (tasks);
  while ((tid = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *path =
        g_strdup_printf ("/proc/self/task/%s/children", tid);
      g_autofree char *contents = NULL;
      g_auto(GStrv) pids = NULL;

      /* a thread that just ended */
      if (!g_file_get_contents (path, &contents, NULL, NULL))
        continue;
      pids = g_strsplit_set (g_strstrip (contents), " \n", -1);
      for (guint i = 0; pids[i] != NULL; i++)
        if (*pids[i] != '\0')
          g_hash_table_add (children, GINT_TO_POINTER (atoi (pids[i])));
    }

  return children;
}

/* Fails the test unless the process has exactly the children of @before
 * and none of them is a zombie nobody reaped: waitpid(-1, WNOHANG) finds
 * nothing (and if it does, it reaps it, so report it). */
#define assert_children(before) \
  assert_children_at ((before), __FILE__, __LINE__, G_STRFUNC)
static void
assert_children_at (GHashTable *before,
                    const char *file,
                    int         line,
                    const char *func)
{
  g_autoptr(GHashTable) now = children_new ();
  g_autoptr(GString) report = g_string_new (NULL);
  GHashTableIter iter;
  gpointer pid;
  int status;
  pid_t reaped;

  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &pid, NULL))
    if (!g_hash_table_contains (before, pid))
      g_string_append_printf (report, " new child %d (state %c);",
                              GPOINTER_TO_INT (pid),
                              process_state (GPOINTER_TO_INT (pid)));
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &pid, NULL))
    if (!g_hash_table_contains (now, pid))
      g_string_append_printf (report, " child %d is gone;",
                              GPOINTER_TO_INT (pid));

  reaped = waitpid (-1, &status, WNOHANG);
  if (reaped > 0)
    g_string_append_printf (report, " zombie %d was left unreaped;",
                            (int) reaped);
  else if (reaped < 0 && errno != ECHILD)
    g_string_append_printf (report, " waitpid: %s;", g_strerror (errno));

  if (report->len > 0)
    {
      g_autofree char *msg = g_strdup_printf ("processes:%s", report->str);
      fail_at (file, line, func, msg);
    }
}

/* The spacer services of this process group and their short-lived
 * helpers, wherever they are in the process tree: processes running the
 * spacetest-spacer program. (Meson gives every test program a session of
 * its own, and a g_test_trap_subprocess() child shares its parent's
 * group, so nothing else is counted.) */
static GHashTable *
spacers_new (void)
{
  GHashTable *pids = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  pid_t group = getpgrp ();
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = NULL;
      g_autofree char *stat = NULL;
      const char *lparen, *end;
      char state;
      int ppid, pgrp;

      if (!g_ascii_isdigit (name[0]))
        continue;
      /* By its name in stat, which stays until the process is reaped:
       * its command line is empty while it exits (slow under ASan, whose
       * leak check runs then), and it must not look gone before it is. */
      stat_path = g_strdup_printf ("/proc/%s/stat", name);
      if (!g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          (lparen = strchr (stat, '(')) == NULL ||
          (end = strrchr (stat, ')')) == NULL ||
          sscanf (end + 1, " %c %d %d", &state, &ppid, &pgrp) != 3 ||
          pgrp != group || state == 'Z')
        continue;

      /* the kernel keeps the first 15 bytes of the program's name */
      if (end - lparen - 1 == 15 &&
          strncmp (lparen + 1, "spacetest-spacer", 15) == 0)
        g_hash_table_add (pids, GINT_TO_POINTER (atoi (name)));
    }

  return pids;
}

/* Waits until the set of spacer processes stays the same for 50 ms (at
 * most GONE_TIMEOUT_MS): a subspace service that a refused or closed
 * request left is reaped by its parent service a moment later, and must
 * not be taken for part of the world a later call has to keep. */
static void
wait_spacers_settled (void)
{
  gint64 deadline = g_get_monotonic_time () + GONE_TIMEOUT_MS * 1000;
  g_autoptr(GHashTable) last = spacers_new ();

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GHashTable) now = NULL;
      GHashTableIter iter;
      gpointer pid;
      gboolean same;

      g_usleep (50 * 1000);
      now = spacers_new ();
      same = g_hash_table_size (now) == g_hash_table_size (last);
      g_hash_table_iter_init (&iter, now);
      while (same && g_hash_table_iter_next (&iter, &pid, NULL))
        same = g_hash_table_contains (last, pid);
      if (same)
        return;
      g_hash_table_unref (last);
      last = g_steal_pointer (&now);
    }
}

/* Fails the test unless, within GONE_TIMEOUT_MS, exactly the spacer
 * processes of @before are left (a service that was told to end, or
 * whose parent service died, may take a moment). */
#define assert_spacers(before) \
  assert_spacers_at ((before), __FILE__, __LINE__, G_STRFUNC)
static void
assert_spacers_at (GHashTable *before,
                   const char *file,
                   int         line,
                   const char *func)
{
  gint64 deadline = g_get_monotonic_time () + GONE_TIMEOUT_MS * 1000;

  for (;;)
    {
      g_autoptr(GHashTable) now = spacers_new ();
      g_autoptr(GString) report = g_string_new (NULL);
      GHashTableIter iter;
      gpointer pid;

      g_hash_table_iter_init (&iter, now);
      while (g_hash_table_iter_next (&iter, &pid, NULL))
        if (!g_hash_table_contains (before, pid))
          g_string_append_printf (report, " stray spacer process %d;",
                                  GPOINTER_TO_INT (pid));
      g_hash_table_iter_init (&iter, before);
      while (g_hash_table_iter_next (&iter, &pid, NULL))
        if (!g_hash_table_contains (now, pid))
          g_string_append_printf (report, " spacer process %d is gone;",
                                  GPOINTER_TO_INT (pid));

      if (report->len == 0)
        return;
      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *msg = g_strdup_printf ("spacers:%s", report->str);
          fail_at (file, line, func, msg);
          return;
        }
      g_usleep (2000);
    }
}

/* Everything a call must leave as it was. */
typedef struct
{
  GArray *fds;
  GHashTable *children;
  GHashTable *spacers;
  TuThreadState thread;
  guint lan_fds;
} World;

/* How many descriptors the test LAN keeps now (none before its first
 * use, three after). */
static guint
count_lan_fds (void)
{
  guint n = 0;

  for (int fd = 0; fd < 4096; fd++)
    n += _spacetest_lan_owns_fd (fd) && fcntl (fd, F_GETFD) >= 0;
  return n;
}

static void
world_get (World *world)
{
  world->fds = fd_table_new ();
  world->children = children_new ();
  world->spacers = spacers_new ();
  tu_thread_state_get (&world->thread);
  world->lan_fds = count_lan_fds ();
}

/* The thread as it was, but for the test LAN a call may have made on
 * its way to a failure: the LAN keeps it for the life of the process. */
#define assert_thread_unchanged(world) \
  G_STMT_START { \
    guint lan_fds_now_ = count_lan_fds (); \
    (world)->thread.n_fds += lan_fds_now_ - (world)->lan_fds; \
    (world)->lan_fds = lan_fds_now_; \
    tu_assert_thread_state_unchanged (&(world)->thread); \
  } G_STMT_END

static void
world_clear (World *world)
{
  g_clear_pointer (&world->fds, g_array_unref);
  g_clear_pointer (&world->children, g_hash_table_unref);
  g_clear_pointer (&world->spacers, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (World, world_clear)

/* For a call that is to close @fds and end process @pid: the world
 * without them. */
static void
world_forget (World  *world,
              GArray *fds,
              GPid    pid)
{
  g_hash_table_remove (world->children, GINT_TO_POINTER (pid));
  g_hash_table_remove (world->spacers, GINT_TO_POINTER (pid));
  for (guint i = 0; i < fds->len; i++)
    for (guint j = 0; j < world->fds->len; j++)
      if (fd_table_index (world->fds, j)->fd == g_array_index (fds, int, i))
        {
          g_array_remove_index (world->fds, j);
          world->thread.n_fds--;
          break;
        }
}

#define assert_world_unchanged(world) \
  G_STMT_START { \
    assert_fds_same ((world)->fds); \
    assert_thread_unchanged (world); \
    assert_children ((world)->children); \
    assert_spacers ((world)->spacers); \
  } G_STMT_END

/* ---- small helpers ------------------------------------------------------ */

static SpacetestSpacer *
new_spacer (guint timeout_ms)
{
  g_autoptr(GError) error = NULL;
  SpacetestSpacer *spacer = spacetest_spacer_new (NULL, &error);

  g_assert_no_error (error);
  spacetest_spacer_set_timeout (spacer, timeout_ms);
  return spacer;
}

static SpacetestSpacer *
subspace (SpacetestSpacer        *spacer,
          SpacetestNamespaceType  types)
{
  g_autoptr(GError) error = NULL;
  SpacetestSpacer *sub = spacetest_spacer_subspace (spacer, types, NULL,
                                                    &error);

  g_assert_no_error (error);
  return sub;
}

static void
close_spacer (SpacetestSpacer *spacer)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (spacetest_spacer_close (spacer, &error));
  g_assert_no_error (error);
}

/* Fails the test unless @spacer still makes a UTS namespace. */
static void
assert_spacer_works (SpacetestSpacer *spacer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms = spacetest_spacer_rooms (spacer, UTS, NULL,
                                                       &error);

  g_assert_no_error (error);
  g_assert_cmpuint (rooms->len, ==, 1);
  g_assert_cmpuint (spacetest_namespace_get_namespace_type (rooms->pdata[0]),
                    ==, UTS);
}

static guint64
path_inode (const char *path)
{
  struct stat st;

  g_assert_no_errno (stat (path, &st));
  return st.st_ino;
}

static guint64
pid_ns_inode (GPid                    pid,
              SpacetestNamespaceType  type)
{
  g_autofree char *path =
    g_strdup_printf ("/proc/%d/ns/%s", (int) pid,
                     spacetest_namespace_type_to_string (type));

  return path_inode (path);
}

static guint
count_types (SpacetestNamespaceType types)
{
  guint n = 0;

  for (int i = 0; i < TU_N_TYPES; i++)
    if (types & tu_all_types[i])
      n++;
  return n;
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Iterates @context until @slot is set (the spacer's request timeout
 * bounds the wait). */
static void
wait_async (GMainContext  *context,
            GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);
}

static GMainContext *
push_new_context (void)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  return context;
}

static void
pop_context (GMainContext *context)
{
  if (context == NULL)
    return;
  g_main_context_pop_thread_default (context);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_unref (context);
}

/* Fails the test unless @sys (a path) is a sysfs mounted the way
 * spacetest_mount_sysfs() mounts one: read-only, nosuid, nodev, noexec. */
static void
assert_fresh_sysfs (const char *sys)
{
  struct statfs sfs;
  struct statvfs svfs;
  const unsigned long flags = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;

  g_assert_no_errno (statfs (sys, &sfs));
  g_assert_cmphex (sfs.f_type, ==, SYSFS_MAGIC);
  g_assert_no_errno (statvfs (sys, &svfs));
  g_assert_cmphex (svfs.f_flag & flags, ==, flags);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The network interfaces that /sys/class/net lists, sorted. */
static char *
sysfs_interfaces (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/sys/class/net", 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* ---- emfile: the calls ------------------------------------------------ */

typedef struct _Call Call;
typedef struct _CallSpec CallSpec;

typedef enum
{
  NEEDS_NS_FD = 1 << 0,        /* fd_arg: an fd of the current netns */
  NEEDS_CURRENT_NET = 1 << 1,  /* args[0]: the current network namespace */
  NEEDS_TRANSIENT = 1 << 2,    /* args: new namespaces of spec->types */
  NEEDS_SUB_USER = 1 << 3,     /* args[0]: a subspace's user namespace,
                                * args[1]: its parent */
  NEEDS_SUB_PID = 1 << 4,      /* the same for a PID namespace */
  NEEDS_SPACER = 1 << 5,       /* spacer: the sweep's spacer */
  NEEDS_NEW_SPACER = 1 << 6,   /* spacer: a new one */
  NEEDS_SUB_SPACER = 1 << 7,   /* spacer: a subspace of the sweep's */
  NEEDS_CONTEXT = 1 << 8,      /* a thread-default main context */
} Needs;

struct _CallSpec
{
  const char *name;            /* below /spacetest/faults/emfile/ */
  gboolean (*invoke) (Call *call, GError **error);
  void (*verify) (Call *call); /* of a success, with the limit restored */
  SpacetestNamespaceType types;
  SpacetestTransientFlags flags;
  Needs needs;
  SpacetestNamespaceType outer;     /* the thread is in new ones of these */
  SpacetestNamespaceType requires;  /* in-process types the case needs */
  gboolean no_error;                /* spacetest_can_create(): no GError */
};

struct _Call
{
  const CallSpec *spec;
  SpacetestSpacer *held;

  /* prepared before the call */
  SpacetestNamespace *args[3];
  guint n_args;
  int fd_arg;
  SpacetestSpacer *spacer;
  SpacetestGuard *outer;
  GMainContext *context;
  TuThreadState before;
  GArray *closes;           /* the descriptors the call is to close */
  GPid ends;                /* the process the call is to end */

  /* what the call made */
  GObject *object;
  GPtrArray *array;
  int fd;
  GThread *thread;
  gboolean ran;
  guint64 seen[TU_N_TYPES];
};

static void
call_setup (Call            *call,
            const CallSpec  *spec,
            SpacetestSpacer *held)
{
  g_autoptr(GError) error = NULL;

  memset (call, 0, sizeof *call);
  call->spec = spec;
  call->held = held;
  call->fd_arg = -1;
  call->fd = -1;

  if (spec->outer != 0)
    {
      call->outer = spacetest_enter_transient (spec->outer,
                                               SPACETEST_TRANSIENT_NONE,
                                               &error);
      g_assert_no_error (error);
    }

  if (spec->needs & NEEDS_NS_FD)
    {
      call->fd_arg = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      g_assert_cmpint (call->fd_arg, >=, 0);
    }

  if (spec->needs & NEEDS_CURRENT_NET)
    call->args[call->n_args++] = tu_current (NET);

  if (spec->needs & NEEDS_TRANSIENT)
    for (int i = 0; i < TU_N_TYPES; i++)
      if (spec->types & tu_all_types[i])
        {
          SpacetestNamespaceType type = tu_all_types[i];

          call->args[call->n_args++] =
            spacetest_namespace_new_transient (type, type == NET ? LO : 0,
                                               &error);
          g_assert_no_error (error);
        }

  if (spec->needs & NEEDS_SUB_USER)
    {
      call->spacer = subspace (held, USER);
      call->args[call->n_args++] =
        g_object_ref (spacetest_spacer_get_user_namespace (call->spacer));
      call->args[call->n_args++] = tu_current (USER);
    }

  if (spec->needs & NEEDS_SUB_PID)
    {
      call->spacer = subspace (held, PID);
      call->args[call->n_args++] =
        g_object_ref (spacetest_spacer_get_pid_namespace (call->spacer));
      call->args[call->n_args++] = tu_current (PID);
    }

  if (spec->needs & NEEDS_SPACER)
    call->spacer = g_object_ref (held);

  if (spec->needs & (NEEDS_NEW_SPACER | NEEDS_SUB_SPACER))
    {
      g_autoptr(GArray) before = fd_table_new ();
      g_autoptr(GArray) after = NULL;

      if (spec->needs & NEEDS_NEW_SPACER)
        call->spacer = new_spacer (SPACER_TIMEOUT_MS);
      else
        call->spacer = subspace (held, USER | PID);

      /* Closing it closes its socket and its pidfd (not the namespaces
       * it holds until finalized). */
      after = fd_table_new ();
      call->closes = g_array_new (FALSE, FALSE, sizeof (int));
      for (guint i = 0, j = 0; i < after->len; i++)
        {
          FdEntry *e = fd_table_index (after, i);
          FdEntry *b = fd_table_index (before, j);

          if (b != NULL && b->fd == e->fd)
            j++;
          else if (g_str_has_prefix (e->target, "socket:") ||
                   g_str_equal (e->target, "anon_inode:[pidfd]"))
            g_array_append_val (call->closes, e->fd);
        }
      g_assert_cmpuint (call->closes->len, ==,
                        (spec->needs & NEEDS_NEW_SPACER) ? 1 : 2);
      call->ends = spacetest_spacer_get_pid (call->spacer);
    }

  if (spec->needs & NEEDS_CONTEXT)
    call->context = push_new_context ();

  tu_thread_state_get (&call->before);
}

/* Drops what the call made. */
static void
call_release (Call *call)
{
  if (call->thread != NULL)
    g_thread_join (g_steal_pointer (&call->thread));
  g_clear_pointer (&call->array, g_ptr_array_unref);
  if (SPACETEST_IS_SPACER (call->object))
    close_spacer (SPACETEST_SPACER (call->object));
  /* a guard switches the thread back here */
  g_clear_object (&call->object);
  if (call->fd >= 0)
    g_assert_no_errno (close (g_steal_fd (&call->fd)));
}

/* Drops what the set-up made. */
static void
call_teardown (Call *call)
{
  for (guint i = 0; i < call->n_args; i++)
    g_clear_object (&call->args[i]);
  if (call->spacer != NULL && call->spacer != call->held)
    {
      GPid pid = spacetest_spacer_get_pid (call->spacer);

      close_spacer (call->spacer);
      /* before the next step counts the spacer processes */
      g_assert_true (wait_gone (pid));
    }
  g_clear_object (&call->spacer);
  g_clear_pointer (&call->closes, g_array_unref);
  g_clear_object (&call->outer);
  g_clear_pointer (&call->context, pop_context);
  if (call->fd_arg >= 0)
    g_assert_no_errno (close (g_steal_fd (&call->fd_arg)));
}

/* For spacetest_execute() and threads: where the function ran. */
static void
record_namespaces (gpointer user_data)
{
  Call *call = user_data;

  /* stat() needs no descriptor */
  for (int i = 0; i < TU_N_TYPES; i++)
    call->seen[i] = tu_thread_ns_inode (tu_all_types[i]);
  call->ran = TRUE;
}

static gpointer
record_namespaces_thread (gpointer user_data)
{
  record_namespaces (user_data);
  return NULL;
}

static void
record_lo (gpointer user_data)
{
  *(gboolean *) user_data = tu_lo_is_up ();
}

/* invoke: make the call (with the descriptor limit low) */

static gboolean
invoke_new_current (Call    *call,
                    GError **error)
{
  call->object = G_OBJECT (spacetest_namespace_new_current (call->spec->types,
                                                            error));
  return call->object != NULL;
}

static gboolean
invoke_new_for_fd (Call    *call,
                   GError **error)
{
  call->object = G_OBJECT (spacetest_namespace_new_for_fd (call->fd_arg,
                                                           error));
  return call->object != NULL;
}

#define FOR_PATH "/proc/thread-self/ns/net"

static gboolean
invoke_new_for_path (Call    *call,
                     GError **error)
{
  call->object = G_OBJECT (spacetest_namespace_new_for_path (FOR_PATH, error));
  return call->object != NULL;
}

static gboolean
invoke_new_for_pid (Call    *call,
                    GError **error)
{
  call->object = G_OBJECT (spacetest_namespace_new_for_pid (getpid (),
                                                            call->spec->types,
                                                            error));
  return call->object != NULL;
}

static gboolean
invoke_new_transient (Call    *call,
                      GError **error)
{
  call->object =
    G_OBJECT (spacetest_namespace_new_transient (call->spec->types,
                                                 call->spec->flags, error));
  return call->object != NULL;
}

static gboolean
invoke_dup_fd (Call    *call,
               GError **error)
{
  call->fd = spacetest_namespace_dup_fd (call->args[0], error);
  return call->fd >= 0;
}

static gboolean
invoke_get_owner (Call    *call,
                  GError **error)
{
  call->object = G_OBJECT (spacetest_namespace_get_owner (call->args[0],
                                                          error));
  return call->object != NULL;
}

static gboolean
invoke_get_parent (Call    *call,
                   GError **error)
{
  call->object = G_OBJECT (spacetest_namespace_get_parent (call->args[0],
                                                           error));
  return call->object != NULL;
}

static gboolean
invoke_namespace_enter (Call    *call,
                        GError **error)
{
  call->object = G_OBJECT (spacetest_namespace_enter (call->args[0], error));
  return call->object != NULL;
}

static gboolean
invoke_namespace_execute (Call    *call,
                          GError **error)
{
  return spacetest_namespace_execute (call->args[0], record_namespaces, call,
                                      error);
}

static gboolean
invoke_execute (Call    *call,
                GError **error)
{
  return spacetest_execute (call->args, call->n_args, record_namespaces, call,
                            error);
}

static gboolean
invoke_thread_new (Call    *call,
                   GError **error)
{
  call->thread = spacetest_thread_new ("faults-thread", call->args,
                                       call->n_args, record_namespaces_thread,
                                       call, error);
  return call->thread != NULL;
}

static gboolean
invoke_enter_transient (Call    *call,
                        GError **error)
{
  call->object = G_OBJECT (spacetest_enter_transient (call->spec->types,
                                                      call->spec->flags,
                                                      error));
  return call->object != NULL;
}

static gboolean
invoke_loopback_up (Call    *call,
                    GError **error)
{
  return spacetest_loopback_up (error);
}

static gboolean
invoke_mount_sysfs (Call    *call,
                    GError **error)
{
  return spacetest_mount_sysfs (error);
}

static gboolean
invoke_mount_file (Call    *call,
                   GError **error)
{
  return spacetest_mount_file ("/etc/hosts", "192.0.2.7 faults.test\n", -1,
                               error);
}

static gboolean
invoke_mount_tmpfs (Call    *call,
                    GError **error)
{
  return spacetest_mount_tmpfs ("/tmp", error);
}

static gboolean
invoke_check_can_create (Call    *call,
                         GError **error)
{
  return spacetest_check_can_create (call->spec->types, error);
}

static gboolean
invoke_can_create (Call    *call,
                   GError **error)
{
  return spacetest_can_create (call->spec->types);
}

static gboolean
invoke_spacer_new (Call    *call,
                   GError **error)
{
  call->object = G_OBJECT (spacetest_spacer_new (NULL, error));
  return call->object != NULL;
}

static gboolean
invoke_subspace (Call    *call,
                 GError **error)
{
  call->object = G_OBJECT (spacetest_spacer_subspace (call->spacer,
                                                      call->spec->types,
                                                      NULL, error));
  return call->object != NULL;
}

static gboolean
invoke_subspace_async (Call    *call,
                       GError **error)
{
  GAsyncResult *result = NULL;

  spacetest_spacer_subspace_async (call->spacer, call->spec->types, NULL,
                                   async_done, &result);
  wait_async (call->context, &result);
  call->object = G_OBJECT (spacetest_spacer_subspace_finish (call->spacer,
                                                             result, error));
  g_object_unref (result);
  return call->object != NULL;
}

static gboolean
invoke_rooms (Call    *call,
              GError **error)
{
  call->array = spacetest_spacer_rooms (call->spacer, call->spec->types, NULL,
                                        error);
  return call->array != NULL;
}

static gboolean
invoke_rooms_async (Call    *call,
                    GError **error)
{
  GAsyncResult *result = NULL;

  spacetest_spacer_rooms_async (call->spacer, call->spec->types, NULL,
                                async_done, &result);
  wait_async (call->context, &result);
  call->array = spacetest_spacer_rooms_finish (call->spacer, result, error);
  g_object_unref (result);
  return call->array != NULL;
}

static gboolean
invoke_spacer_new_transient (Call    *call,
                             GError **error)
{
  call->object =
    G_OBJECT (spacetest_spacer_new_transient (call->spacer, call->spec->types,
                                              NULL, error));
  return call->object != NULL;
}

static gboolean
invoke_spacer_close (Call    *call,
                     GError **error)
{
  return spacetest_spacer_close (call->spacer, error);
}

/* verify: is the success what it claims? */

static void
verify_current (Call *call)
{
  SpacetestNamespace *ns = SPACETEST_NAMESPACE (call->object);
  SpacetestNamespaceType type = call->spec->types;

  g_assert_cmphex (spacetest_namespace_get_namespace_type (ns), ==, type);
  g_assert_true (spacetest_namespace_is_current (ns));
  g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==,
                    tu_thread_ns_inode (type));
}

static void
verify_for_fd (Call *call)
{
  SpacetestNamespace *ns = SPACETEST_NAMESPACE (call->object);
  struct stat st;

  g_assert_no_errno (fstat (call->fd_arg, &st));
  g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==, st.st_ino);
  /* a duplicate: the caller keeps its own */
  g_assert_cmpint (spacetest_namespace_get_fd (ns), !=, call->fd_arg);
}

static void
verify_for_path (Call *call)
{
  SpacetestNamespace *ns = SPACETEST_NAMESPACE (call->object);

  g_assert_cmphex (spacetest_namespace_get_namespace_type (ns), ==, NET);
  g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==,
                    path_inode (FOR_PATH));
}

static void
verify_for_pid (Call *call)
{
  SpacetestNamespace *ns = SPACETEST_NAMESPACE (call->object);

  g_assert_cmphex (spacetest_namespace_get_namespace_type (ns), ==,
                   call->spec->types);
  g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==,
                    pid_ns_inode (getpid (), call->spec->types));
}

static void
verify_transient (Call *call)
{
  SpacetestNamespace *ns = SPACETEST_NAMESPACE (call->object);
  SpacetestNamespaceType type = call->spec->types;
  const char *root = spacetest_namespace_get_root_path (ns);

  g_assert_cmphex (spacetest_namespace_get_namespace_type (ns), ==, type);
  g_assert_false (spacetest_namespace_is_current (ns));

  if (type == MNT)
    {
      g_assert_nonnull (root);
      g_assert_true (g_file_test (root, G_FILE_TEST_IS_DIR));
      if (call->spec->flags & SYSFS)
        {
          g_autofree char *sys = g_build_filename (root, "sys", NULL);
          assert_fresh_sysfs (sys);
        }
    }
  else
    g_assert_null (root);

  if (type == NET)
    {
      g_autoptr(GError) error = NULL;
      gboolean up = FALSE;

      g_assert_true (spacetest_namespace_execute (ns, record_lo, &up,
                                                  &error));
      g_assert_no_error (error);
      g_assert_cmpint (up, ==, (call->spec->flags & (LO | ETH)) != 0);
    }
}

static void
verify_dup_fd (Call *call)
{
  struct stat st;

  g_assert_no_errno (fstat (call->fd, &st));
  g_assert_cmpuint (st.st_ino, ==,
                    spacetest_namespace_get_inode (call->args[0]));
  g_assert_cmpint (fcntl (call->fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
}

static void
verify_owner (Call *call)
{
  SpacetestNamespace *owner = SPACETEST_NAMESPACE (call->object);

  g_assert_cmphex (spacetest_namespace_get_namespace_type (owner), ==, USER);
  g_assert_cmpuint (spacetest_namespace_get_inode (owner), ==,
                    tu_thread_ns_inode (USER));
}

static void
verify_parent (Call *call)
{
  SpacetestNamespace *parent = SPACETEST_NAMESPACE (call->object);

  g_assert_true (spacetest_namespace_equal (parent, call->args[1]));
}

static void
verify_entered_target (Call *call)
{
  SpacetestGuard *guard = SPACETEST_GUARD (call->object);
  SpacetestNamespace *target = call->args[0];
  SpacetestNamespaceType type = spacetest_namespace_get_namespace_type (target);
  SpacetestNamespace *entered = spacetest_guard_get_namespace (guard, type);

  g_assert_true (spacetest_namespace_is_current (target));
  g_assert_true (spacetest_namespace_equal (entered, target));
}

/* The namespaces the function saw: the targets for their types, the
 * caller's for every other type. */
static void
assert_seen_targets (Call *call)
{
  g_assert_true (call->ran);
  for (int i = 0; i < TU_N_TYPES; i++)
    {
      guint64 expected = call->before.inodes[i];

      for (guint j = 0; j < call->n_args; j++)
        if (spacetest_namespace_get_namespace_type (call->args[j]) ==
            tu_all_types[i])
          expected = spacetest_namespace_get_inode (call->args[j]);
      g_assert_cmpuint (call->seen[i], ==, expected);
    }
}

static void
verify_ran (Call *call)
{
  assert_seen_targets (call);
}

static void
verify_thread (Call *call)
{
  g_thread_join (g_steal_pointer (&call->thread));
  assert_seen_targets (call);
}

static void
verify_entered_new (Call *call)
{
  SpacetestGuard *guard = SPACETEST_GUARD (call->object);
  SpacetestNamespaceType types = call->spec->types;

  for (int i = 0; i < TU_N_TYPES; i++)
    {
      SpacetestNamespaceType type = tu_all_types[i];
      SpacetestNamespace *ns = spacetest_guard_get_namespace (guard, type);
      guint64 now = tu_thread_ns_inode (type);

      if (types & type)
        {
          g_assert_nonnull (ns);
          g_assert_true (spacetest_namespace_is_current (ns));
          g_assert_cmpuint (now, !=, call->before.inodes[i]);
        }
      else
        {
          g_assert_null (ns);
          g_assert_cmpuint (now, ==, call->before.inodes[i]);
        }
    }

  if ((types & NET) && (call->spec->flags & (LO | ETH)))
    g_assert_true (tu_lo_is_up ());
  else if (types & NET)
    g_assert_false (tu_lo_is_up ());

  if ((types & MNT) && (call->spec->flags & SYSFS))
    {
      assert_fresh_sysfs ("/sys");
      if (types & NET)
        {
          g_autofree char *interfaces = sysfs_interfaces ();
          g_assert_cmpstr (interfaces, ==, "lo");
        }
    }
}

static void
verify_lo (Call *call)
{
  g_assert_true (tu_lo_is_up ());
}

static void
verify_sysfs (Call *call)
{
  assert_fresh_sysfs ("/sys");
  /* mounted from the new network namespace the thread is in */
  if (call->spec->outer & NET)
    {
      g_autofree char *interfaces = sysfs_interfaces ();
      g_assert_cmpstr (interfaces, ==, "lo");
    }
}

static void
verify_mount_file (Call *call)
{
  g_autofree char *hosts = NULL;

  g_assert_true (g_file_get_contents ("/etc/hosts", &hosts, NULL, NULL));
  g_assert_cmpstr (hosts, ==, "192.0.2.7 faults.test\n");
}

static void
verify_mount_tmpfs (Call *call)
{
  g_autoptr(GDir) dir = g_dir_open ("/tmp", 0, NULL);
  struct statfs sfs;

  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
  g_assert_no_errno (statfs ("/tmp", &sfs));
  g_assert_cmphex (sfs.f_type, ==, TMPFS_MAGIC);
}

static void
verify_spacer (SpacetestSpacer        *spacer,
               SpacetestNamespaceType  types)
{
  GPid pid = spacetest_spacer_get_pid (spacer);

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (process_state (pid), !=, 0);
  if (types & USER)
    g_assert_cmpuint (pid_ns_inode (pid, USER), ==,
                      spacetest_namespace_get_inode (
                        spacetest_spacer_get_user_namespace (spacer)));
  if (types & PID)
    g_assert_cmpuint (pid_ns_inode (pid, PID), ==,
                      spacetest_namespace_get_inode (
                        spacetest_spacer_get_pid_namespace (spacer)));
  assert_spacer_works (spacer);
}

static void
verify_spacer_new (Call *call)
{
  SpacetestSpacer *spacer = SPACETEST_SPACER (call->object);
  GPid pid = spacetest_spacer_get_pid (spacer);
  g_autoptr(GHashTable) children = children_new ();

  verify_spacer (spacer, 0);
  /* started by us, so reaped by us */
  g_assert_true (g_hash_table_contains (children, GINT_TO_POINTER (pid)));
}

static void
verify_subspace (Call *call)
{
  verify_spacer (SPACETEST_SPACER (call->object), call->spec->types);
}

static void
assert_rooms (GPtrArray              *rooms,
              SpacetestNamespaceType  types,
              SpacetestSpacer        *spacer)
{
  guint k = 0;

  g_assert_cmpuint (rooms->len, ==, count_types (types));
  for (int i = 0; i < TU_N_TYPES; i++)
    if (types & tu_all_types[i])
      {
        SpacetestNamespace *ns = rooms->pdata[k++];
        g_autoptr(SpacetestNamespace) owner = NULL;
        g_autoptr(GError) error = NULL;

        g_assert_cmphex (spacetest_namespace_get_namespace_type (ns), ==,
                         tu_all_types[i]);
        g_assert_false (spacetest_namespace_is_current (ns));
        /* owned by the service's user namespace: ours */
        owner = spacetest_namespace_get_owner (ns, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (spacetest_namespace_get_inode (owner), ==,
                          pid_ns_inode (spacetest_spacer_get_pid (spacer),
                                        USER));
      }
}

static void
verify_rooms (Call *call)
{
  assert_rooms (call->array, call->spec->types, call->spacer);
}

static void
verify_spacer_new_transient (Call *call)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, call->object);
  assert_rooms (one, call->spec->types, call->spacer);
}

static void
verify_closed (Call *call)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  GPid pid = spacetest_spacer_get_pid (call->spacer);

  /* ended (and, when it is our child, reaped) */
  if (call->spec->needs & NEEDS_NEW_SPACER)
    g_assert_cmpint (process_state (pid), ==, 0);
  else
    g_assert_true (wait_gone (pid));

  rooms = spacetest_spacer_rooms (call->spacer, NET, NULL, &error);
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_CLOSED);
  g_assert_null (rooms);
}

/* The cases. */
static const CallSpec call_specs[] = {
#define NEW_CURRENT(name, type) \
  { "new-current/" name, invoke_new_current, verify_current, type, }
  NEW_CURRENT ("cgroup", CGROUP),
  NEW_CURRENT ("ipc", IPC),
  NEW_CURRENT ("mnt", MNT),
  NEW_CURRENT ("net", NET),
  NEW_CURRENT ("pid", PID),
  NEW_CURRENT ("time", TIME),
  NEW_CURRENT ("user", USER),
  NEW_CURRENT ("uts", UTS),
#undef NEW_CURRENT
  { "new-for-fd", invoke_new_for_fd, verify_for_fd, .needs = NEEDS_NS_FD },
  { "new-for-path", invoke_new_for_path, verify_for_path, },
  { "new-for-pid/net", invoke_new_for_pid, verify_for_pid, NET, },
  { "new-for-pid/user", invoke_new_for_pid, verify_for_pid, USER, },
#define NEW_TRANSIENT(name, type, flags) \
  { "new-transient/" name, invoke_new_transient, verify_transient, type, \
    flags, .requires = type, }
  NEW_TRANSIENT ("cgroup", CGROUP, 0),
  NEW_TRANSIENT ("ipc", IPC, 0),
  NEW_TRANSIENT ("mnt", MNT, 0),
  NEW_TRANSIENT ("mnt-sysfs", MNT, SYSFS),
  NEW_TRANSIENT ("net", NET, 0),
  NEW_TRANSIENT ("net-lo", NET, LO),
  NEW_TRANSIENT ("net-ethernet", NET, ETH),
  NEW_TRANSIENT ("time", TIME, 0),
  NEW_TRANSIENT ("uts", UTS, 0),
#undef NEW_TRANSIENT
  { "dup-fd", invoke_dup_fd, verify_dup_fd, .needs = NEEDS_CURRENT_NET },
  { "get-owner", invoke_get_owner, verify_owner,
    .needs = NEEDS_CURRENT_NET },
  { "get-parent/user", invoke_get_parent, verify_parent,
    .needs = NEEDS_SUB_USER },
  { "get-parent/pid", invoke_get_parent, verify_parent,
    .needs = NEEDS_SUB_PID },
#define WITH_TARGETS(name, invoke, verify, types) \
  { name, invoke, verify, types, .needs = NEEDS_TRANSIENT, .requires = types }
  WITH_TARGETS ("namespace-enter/net", invoke_namespace_enter,
                verify_entered_target, NET),
  WITH_TARGETS ("namespace-enter/uts", invoke_namespace_enter,
                verify_entered_target, UTS),
  WITH_TARGETS ("namespace-enter/mnt", invoke_namespace_enter,
                verify_entered_target, MNT),
  WITH_TARGETS ("namespace-execute/net", invoke_namespace_execute, verify_ran,
                NET),
  WITH_TARGETS ("namespace-execute/mnt", invoke_namespace_execute, verify_ran,
                MNT),
  WITH_TARGETS ("execute/net-uts", invoke_execute, verify_ran, NET | UTS),
  WITH_TARGETS ("execute/mnt-net-uts", invoke_execute, verify_ran,
                MNT | NET | UTS),
  WITH_TARGETS ("thread-new/net", invoke_thread_new, verify_thread, NET),
  WITH_TARGETS ("thread-new/mnt-net", invoke_thread_new, verify_thread,
                MNT | NET),
#undef WITH_TARGETS
#define ENTER_TRANSIENT(name, types, flags) \
  { "enter-transient/" name, invoke_enter_transient, verify_entered_new, \
    types, flags, .requires = types }
  ENTER_TRANSIENT ("cgroup", CGROUP, 0),
  ENTER_TRANSIENT ("ipc", IPC, 0),
  ENTER_TRANSIENT ("mnt", MNT, 0),
  ENTER_TRANSIENT ("mnt-sysfs", MNT, SYSFS),
  ENTER_TRANSIENT ("net", NET, 0),
  ENTER_TRANSIENT ("net-lo", NET, LO),
  ENTER_TRANSIENT ("net-ethernet", NET, ETH),
  ENTER_TRANSIENT ("uts", UTS, 0),
  ENTER_TRANSIENT ("net-uts", NET | UTS, LO),
  ENTER_TRANSIENT ("mnt-net-sysfs-lo", MNT | NET, SYSFS | LO),
  ENTER_TRANSIENT ("all-sysfs-lo", IN_PROCESS, SYSFS | LO),
#undef ENTER_TRANSIENT
  { "loopback-up", invoke_loopback_up, verify_lo, .outer = NET,
    .requires = NET },
  { "mount-sysfs/mnt", invoke_mount_sysfs, verify_sysfs, .outer = MNT,
    .requires = MNT },
  { "mount-sysfs/mnt-net", invoke_mount_sysfs, verify_sysfs,
    .outer = MNT | NET, .requires = MNT | NET },
  { "mount-file", invoke_mount_file, verify_mount_file, .outer = MNT,
    .requires = MNT },
  { "mount-tmpfs", invoke_mount_tmpfs, verify_mount_tmpfs, .outer = MNT,
    .requires = MNT },
  { "check-can-create/net", invoke_check_can_create, NULL, NET,
    .requires = NET },
  { "check-can-create/mnt", invoke_check_can_create, NULL, MNT,
    .requires = MNT },
  { "check-can-create/time", invoke_check_can_create, NULL, TIME,
    .requires = TIME },
  { "check-can-create/all", invoke_check_can_create, NULL,
    IN_PROCESS | TIME, .requires = IN_PROCESS | TIME },
  { "can-create/net", invoke_can_create, NULL, NET, .requires = NET,
    .no_error = TRUE },
  { "can-create/all", invoke_can_create, NULL, IN_PROCESS | TIME,
    .requires = IN_PROCESS | TIME, .no_error = TRUE },
  { "spacer-new", invoke_spacer_new, verify_spacer_new, },
#define SPACER_CALL(name, invoke, verify, types, extra) \
  { name, invoke, verify, types, .needs = NEEDS_SPACER | (extra) }
  SPACER_CALL ("subspace/user", invoke_subspace, verify_subspace, USER, 0),
  SPACER_CALL ("subspace/pid", invoke_subspace, verify_subspace, PID, 0),
  SPACER_CALL ("subspace/user-pid", invoke_subspace, verify_subspace,
               USER | PID, 0),
  SPACER_CALL ("subspace-async/user", invoke_subspace_async, verify_subspace,
               USER, NEEDS_CONTEXT),
  SPACER_CALL ("subspace-async/pid", invoke_subspace_async, verify_subspace,
               PID, NEEDS_CONTEXT),
  SPACER_CALL ("subspace-async/user-pid", invoke_subspace_async,
               verify_subspace, USER | PID, NEEDS_CONTEXT),
  SPACER_CALL ("rooms/cgroup", invoke_rooms, verify_rooms, CGROUP, 0),
  SPACER_CALL ("rooms/ipc", invoke_rooms, verify_rooms, IPC, 0),
  SPACER_CALL ("rooms/mnt", invoke_rooms, verify_rooms, MNT, 0),
  SPACER_CALL ("rooms/net", invoke_rooms, verify_rooms, NET, 0),
  SPACER_CALL ("rooms/time", invoke_rooms, verify_rooms, TIME, 0),
  SPACER_CALL ("rooms/uts", invoke_rooms, verify_rooms, UTS, 0),
  SPACER_CALL ("rooms/all", invoke_rooms, verify_rooms, ROOM_TYPES, 0),
  SPACER_CALL ("rooms-async/net", invoke_rooms_async, verify_rooms, NET,
               NEEDS_CONTEXT),
  SPACER_CALL ("rooms-async/all", invoke_rooms_async, verify_rooms,
               ROOM_TYPES, NEEDS_CONTEXT),
  SPACER_CALL ("spacer-new-transient/net", invoke_spacer_new_transient,
               verify_spacer_new_transient, NET, 0),
  SPACER_CALL ("spacer-new-transient/time", invoke_spacer_new_transient,
               verify_spacer_new_transient, TIME, 0),
#undef SPACER_CALL
  { "spacer-close/root", invoke_spacer_close, verify_closed,
    .needs = NEEDS_NEW_SPACER },
  { "spacer-close/sub", invoke_spacer_close, verify_closed,
    .needs = NEEDS_SUB_SPACER },
};

/* ---- emfile: the sweep ------------------------------------------------ */

/* The spacer every sweep holds: its socket is one of the descriptors the
 * calls must not touch, and the number the stacks are painted with. */
static SpacetestSpacer *
hold_spacer (int *socket_fd)
{
  g_autoptr(GArray) before = fd_table_new ();
  g_autoptr(GArray) after = NULL;
  SpacetestSpacer *spacer = new_spacer (SPACER_TIMEOUT_MS);

  after = fd_table_new ();
  g_assert_cmpuint (after->len, ==, before->len + 1);
  *socket_fd = -1;
  for (guint i = 0; i < after->len; i++)
    {
      FdEntry *e = fd_table_index (after, i);
      FdEntry *b = fd_table_index (before, i);

      if (b == NULL || b->fd != e->fd)
        {
          g_assert_true (g_str_has_prefix (e->target, "socket:"));
          *socket_fd = e->fd;
          break;
        }
    }
  g_assert_cmpint (*socket_fd, >=, 0);
  return spacer;
}

/* One call with @n_free free descriptors. Returns whether it succeeded,
 * and its error message. */
static gboolean
sweep_step (const CallSpec   *spec,
            SpacetestSpacer  *held,
            int               canary,
            guint             n_free,
            gboolean          with_error,
            char            **message)
{
  g_auto(World) world = { 0, };
  g_autoptr(GError) error = NULL;
  struct rlimit saved;
  rlim_t limit;
  Call call;
  gboolean ok;

  set_context ("%s with %u free descriptors, error %s", spec->name, n_free,
               with_error ? "wanted" : "NULL");

  call_setup (&call, spec, held);
  world_get (&world);
  limit = limit_for_free (world.fds, n_free);
  if (call.closes != NULL)
    world_forget (&world, call.closes, call.ends);
  paint_stacks (canary);

  lower_fd_limit (limit, &saved);
  paint_stack (canary);
  ok = spec->invoke (&call, with_error ? &error : NULL);
  restore_fd_limit (&saved);

  if (with_error && !spec->no_error)
    {
      if (ok)
        g_assert_no_error (error);
      else
        assert_os_error (error, EMFILE);
    }

  /* Nothing of the test's was closed or replaced, */
  assert_fds_kept (world.fds);
  if (!ok)
    {
      /* and a failure made nothing. */
      assert_fds_same (world.fds);
      assert_thread_unchanged (&world);
      g_assert_false (call.ran);
      g_assert_null (call.object);
      g_assert_null (call.array);
      g_assert_null (call.thread);
      g_assert_cmpint (call.fd, ==, -1);
    }
  else if (spec->verify != NULL)
    spec->verify (&call);

  /* What it made goes away with its last reference. */
  call_release (&call);
  assert_world_unchanged (&world);
  call_teardown (&call);

  if (message != NULL && error != NULL)
    *message = g_strdup (error->message);
  return ok;
}

static void
sweep (const CallSpec *spec)
{
  g_autoptr(SpacetestSpacer) held = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_auto(World) world = { 0, };
  g_autofree char *failures = NULL;
  guint first_ok = G_MAXUINT;
  int canary;

  held = hold_spacer (&canary);
  world_get (&world);

  for (guint n_free = 0; first_ok == G_MAXUINT || n_free <= first_ok + 2;
       n_free++)
    {
      g_autofree char *message = NULL;
      gboolean ok, ok_null;

      if (n_free > MAX_FREE_FDS)
        {
          fail_at (__FILE__, __LINE__, G_STRFUNC, "never succeeded");
          return;
        }

      ok = sweep_step (spec, held, canary, n_free, TRUE, &message);
      ok_null = sweep_step (spec, held, canary, n_free, FALSE, NULL);

      set_context ("%s with %u free descriptors", spec->name, n_free);
      if (ok != ok_null)
        fail_at (__FILE__, __LINE__, G_STRFUNC,
                 ok ? "failed with error == NULL only"
                    : "succeeded with error == NULL only");
      if (ok && first_ok == G_MAXUINT)
        first_ok = n_free;
      else if (!ok && first_ok != G_MAXUINT)
        fail_at (__FILE__, __LINE__, G_STRFUNC,
                 "failed with more free descriptors than it worked with");

      if (message != NULL &&
          (messages->len == 0 ||
           strcmp (messages->pdata[messages->len - 1], message) != 0))
        g_ptr_array_add (messages, g_steal_pointer (&message));
    }

  g_ptr_array_add (messages, NULL);
  failures = g_strjoinv (" | ", (char **) messages->pdata);
  if (first_ok == 0)
    note ("%s: needs no free descriptor", spec->name);
  else if (spec->no_error)
    note ("%s: needs %u free descriptors, FALSE with fewer",
          spec->name, first_ok);
  else
    note ("%s: needs %u free descriptors; with fewer: %s",
          spec->name, first_ok, failures);

  /* The held spacer was never disturbed. */
  set_context ("%s: after the sweep", spec->name);
  assert_spacer_works (held);
  assert_world_unchanged (&world);
  close_spacer (held);
}

static void
test_emfile (gconstpointer data)
{
  const CallSpec *spec = data;

  spacetest_test_check_leaks ();

  if (g_test_subprocess ())
    {
      sweep (spec);
      return;
    }

  if (spec->requires != 0 && !spacetest_test_require (spec->requires))
    return;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  show_notes ();
  g_test_trap_assert_passed ();
}

/* The sweeps stand on limit_for_free(): check that under its limit
 * exactly the promised number of descriptors can be opened, with holes in
 * the table too. */
static void
free_count_run (void)
{
  int hole_maker[3];

  for (guint i = 0; i < G_N_ELEMENTS (hole_maker); i++)
    hole_maker[i] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_assert_no_errno (close (hole_maker[1]));

  for (guint n_free = 0; n_free < 6; n_free++)
    {
      g_autoptr(GArray) table = fd_table_new ();
      int opened[8];
      guint n = 0;
      struct rlimit saved;
      int errsv = 0;

      lower_fd_limit (limit_for_free (table, n_free), &saved);
      for (n = 0; n < G_N_ELEMENTS (opened); n++)
        {
          opened[n] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
          if (opened[n] < 0)
            {
              errsv = errno;
              break;
            }
        }
      restore_fd_limit (&saved);

      g_assert_cmpuint (n, ==, n_free);
      g_assert_cmpint (errsv, ==, EMFILE);
      for (guint i = 0; i < n; i++)
        g_assert_no_errno (close (opened[i]));
    }

  g_assert_no_errno (close (hole_maker[0]));
  g_assert_no_errno (close (hole_maker[2]));
}

static void
test_emfile_free_count (void)
{
  spacetest_test_check_leaks ();

  if (g_test_subprocess ())
    {
      free_count_run ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  show_notes ();
  g_test_trap_assert_passed ();
}

/* new_for_fd() on a descriptor opened with O_PATH (which the nsfs
 * ioctls refuse) and with too few descriptors to duplicate it: whatever
 * it says is about the caller's descriptor number, never about the
 * library's private duplicate. */
static void
o_path_run (void)
{
  int opath, fd;

  opath = open ("/proc/thread-self/ns/net", O_PATH | O_CLOEXEC);
  g_assert_cmpint (opath, >=, 0);
  fd = fcntl (opath, F_DUPFD_CLOEXEC, 100);
  g_assert_cmpint (fd, >=, 100);
  g_assert_no_errno (close (opath));

  for (guint n_free = 0; n_free < 3; n_free++)
    for (int pass = 0; pass < 2; pass++)
      {
        g_auto(World) world = { 0, };
        g_autoptr(GError) error = NULL;
        g_autoptr(SpacetestNamespace) ns = NULL;
        struct rlimit saved;
        int next;

        set_context ("O_PATH fd %d, %u free descriptors, error %s", fd,
                     n_free, pass == 0 ? "wanted" : "NULL");
        world_get (&world);
        /* the number the library's duplicate gets, if it gets one */
        next = fcntl (fd, F_DUPFD_CLOEXEC, 3);
        g_assert_no_errno (close (next));

        lower_fd_limit (limit_for_free (world.fds, n_free), &saved);
        ns = spacetest_namespace_new_for_fd (fd, pass == 0 ? &error : NULL);
        restore_fd_limit (&saved);

        if (ns != NULL)
          {
            /* accepting it would be fine too */
            g_assert_no_error (error);
            g_assert_cmpuint (spacetest_namespace_get_inode (ns), ==,
                              tu_thread_ns_inode (NET));
            g_clear_object (&ns);
          }
        else if (pass == 0)
          {
            g_assert_nonnull (error);
            note ("O_PATH fd %d, %u free: %s", fd, n_free, error->message);
            if (n_free == 0)
              assert_os_error (error, EMFILE);
            else
              g_assert_error (error, SPACETEST_ERROR,
                              SPACETEST_ERROR_NOT_A_NAMESPACE);
            if (!mentions_number (error->message, fd))
              fail_at (__FILE__, __LINE__, G_STRFUNC,
                       "the message does not name the caller's descriptor");
            if (n_free > 0 && mentions_number (error->message, next))
              fail_at (__FILE__, __LINE__, G_STRFUNC,
                       "the message names the library's duplicate");
          }
        assert_world_unchanged (&world);
      }

  g_assert_no_errno (close (fd));
}

static void
test_emfile_o_path (void)
{
  spacetest_test_check_leaks ();

  if (g_test_subprocess ())
    {
      o_path_run ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  show_notes ();
  g_test_trap_assert_passed ();
}

/* ---- limits ----------------------------------------------------------- */

/* Set by main() in the child of a /limits/ test: the user namespace of
 * its own it made while it was single-threaded, or why it could not. */
static guint64 own_userns;
static int own_userns_errno;

static gboolean
write_proc (const char *path,
            const char *contents)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gssize len = strlen (contents);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = write (fd, contents, len) == len;
  close (fd);
  return ok;
}

/* A new user namespace where the process is root, with new mount,
 * network, UTS, IPC and cgroup namespaces that it owns, so that threads
 * can come back to them from transient ones (setns() into a namespace
 * needs CAP_SYS_ADMIN over its owner). A nested one in unprivileged mode
 * too: the limits are per user namespace, and the one spacetest_test_init()
 * made is shared with the parent test process, which must not see them.
 * The kernel allows unshare(CLONE_NEWUSER) only to a single-threaded
 * process, so main() calls this first thing. */
static void
enter_own_user_namespace (void)
{
  uid_t uid = geteuid ();
  gid_t gid = getegid ();
  char map[64];
  struct stat st;

  if (unshare (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS |
               CLONE_NEWIPC | CLONE_NEWCGROUP) != 0)
    {
      own_userns_errno = errno;
      return;
    }

  snprintf (map, sizeof map, "0 %u 1\n", (guint) uid);
  if (!write_proc ("/proc/self/setgroups", "deny") ||
      !write_proc ("/proc/self/uid_map", map))
    {
      own_userns_errno = errno;
      return;
    }
  snprintf (map, sizeof map, "0 %u 1\n", (guint) gid);
  if (!write_proc ("/proc/self/gid_map", map) ||
      mount ("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      stat ("/proc/self/ns/user", &st) != 0)
    {
      own_userns_errno = errno;
      return;
    }

  own_userns = st.st_ino;
}

static gboolean
is_limits_child (int    argc,
                 char **argv)
{
  gboolean subprocess = FALSE, limits = FALSE;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--GTestSubprocess") == 0)
      subprocess = TRUE;
    else if (strcmp (argv[i], "-p") == 0 && i + 1 < argc &&
             g_str_has_prefix (argv[i + 1], LIMITS_PREFIX))
      limits = TRUE;

  return subprocess && limits;
}

/* Whether this process could make a user namespace (tried in a child). */
static gboolean
can_make_user_namespace (void)
{
  int status = 0;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (unshare (CLONE_NEWUSER) == 0 ? 0 : 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

typedef enum
{
  TRY_ENTER_TRANSIENT,
  TRY_ENTER_ALL,
  TRY_NEW_TRANSIENT,
  TRY_CHECK_CAN_CREATE,
  TRY_CAN_CREATE,
  TRY_ROOMS,
  TRY_ROOMS_ALL,
  TRY_ROOMS_ASYNC,
  TRY_ROOMS_IN_SUBSPACE,
  TRY_SPACER_NEW_TRANSIENT,
  TRY_SUBSPACE,
  TRY_SUBSPACE_USER_PID,
  TRY_SUBSPACE_ASYNC,
  N_ATTEMPTS
} Attempt;

static const char * const attempt_names[N_ATTEMPTS] = {
  "spacetest_enter_transient()",
  "spacetest_enter_transient(cgroup+ipc+mnt+net+uts)",
  "spacetest_namespace_new_transient()",
  "spacetest_check_can_create()",
  "spacetest_can_create()",
  "spacetest_spacer_rooms()",
  "spacetest_spacer_rooms(all six)",
  "spacetest_spacer_rooms_async()",
  "spacetest_spacer_rooms() of a user subspace",
  "spacetest_spacer_new_transient()",
  "spacetest_spacer_subspace()",
  "spacetest_spacer_subspace(user+pid)",
  "spacetest_spacer_subspace_async()",
};

static gboolean
attempt_applies (Attempt                 attempt,
                 SpacetestNamespaceType  type)
{
  switch (attempt)
    {
    case TRY_ENTER_TRANSIENT:
    case TRY_ENTER_ALL:
      return (type & IN_PROCESS) != 0;
    case TRY_NEW_TRANSIENT:
    case TRY_CHECK_CAN_CREATE:
    case TRY_CAN_CREATE:
    case TRY_ROOMS:
    case TRY_ROOMS_ALL:
    case TRY_ROOMS_ASYNC:
    case TRY_ROOMS_IN_SUBSPACE:
    case TRY_SPACER_NEW_TRANSIENT:
      return (type & ROOM_TYPES) != 0;
    case TRY_SUBSPACE:
    case TRY_SUBSPACE_USER_PID:
    case TRY_SUBSPACE_ASYNC:
      return (type & (USER | PID)) != 0;
    case N_ATTEMPTS:
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  SpacetestSpacer *spacer;
  SpacetestSpacer *sub;      /* a user subspace of @spacer */
} Limits;

/* Makes the attempt and drops what it made; whether it succeeded. */
static gboolean
attempt_create (Limits                  *limits,
                Attempt                  attempt,
                SpacetestNamespaceType   type,
                GError                 **error)
{
  g_autoptr(GObject) object = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context = NULL;

  switch (attempt)
    {
    case TRY_ENTER_TRANSIENT:
      object = G_OBJECT (spacetest_enter_transient (type, 0, error));
      break;
    case TRY_ENTER_ALL:
      object = G_OBJECT (spacetest_enter_transient (IN_PROCESS, 0, error));
      break;
    case TRY_NEW_TRANSIENT:
      object = G_OBJECT (spacetest_namespace_new_transient (type, 0, error));
      break;
    case TRY_CHECK_CAN_CREATE:
      return spacetest_check_can_create (type, error);
    case TRY_CAN_CREATE:
      return spacetest_can_create (type);
    case TRY_ROOMS:
      rooms = spacetest_spacer_rooms (limits->spacer, type, NULL, error);
      break;
    case TRY_ROOMS_ALL:
      rooms = spacetest_spacer_rooms (limits->spacer, ROOM_TYPES, NULL, error);
      break;
    case TRY_ROOMS_ASYNC:
      context = push_new_context ();
      spacetest_spacer_rooms_async (limits->spacer, type, NULL, async_done,
                                    &result);
      wait_async (context, &result);
      rooms = spacetest_spacer_rooms_finish (limits->spacer, result, error);
      pop_context (context);
      break;
    case TRY_ROOMS_IN_SUBSPACE:
      rooms = spacetest_spacer_rooms (limits->sub, type, NULL, error);
      break;
    case TRY_SPACER_NEW_TRANSIENT:
      object = G_OBJECT (spacetest_spacer_new_transient (limits->spacer, type,
                                                         NULL, error));
      break;
    case TRY_SUBSPACE:
      object = G_OBJECT (spacetest_spacer_subspace (limits->spacer, type,
                                                    NULL, error));
      break;
    case TRY_SUBSPACE_USER_PID:
      object = G_OBJECT (spacetest_spacer_subspace (limits->spacer,
                                                    USER | PID, NULL, error));
      break;
    case TRY_SUBSPACE_ASYNC:
      context = push_new_context ();
      spacetest_spacer_subspace_async (limits->spacer, type, NULL, async_done,
                                       &result);
      wait_async (context, &result);
      object = G_OBJECT (spacetest_spacer_subspace_finish (limits->spacer,
                                                           result, error));
      pop_context (context);
      break;
    case N_ATTEMPTS:
    default:
      g_assert_not_reached ();
    }

  if (SPACETEST_IS_SPACER (object))
    close_spacer (SPACETEST_SPACER (object));
  return object != NULL || rooms != NULL;
}

static char *
limit_path (SpacetestNamespaceType type)
{
  return g_strdup_printf ("/proc/sys/user/max_%s_namespaces",
                          spacetest_namespace_type_to_string (type));
}

static void
set_limit (SpacetestNamespaceType  type,
           const char             *value)
{
  g_autofree char *path = limit_path (type);
  g_autofree char *now = NULL;

  g_assert_true (write_proc (path, value));
  g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
  g_assert_cmpstr (g_strstrip (now), ==, value);
}

static void
limits_run (SpacetestNamespaceType type)
{
  /* a type whose limit is untouched */
  SpacetestNamespaceType other = type == USER ? PID
                                 : type == PID ? USER
                                 : type == UTS ? IPC : UTS;
  const char *name = spacetest_namespace_type_to_string (type);
  g_autofree char *path = limit_path (type);
  g_autofree char *original = NULL;
  g_auto(World) world = { 0, };
  Limits limits = { 0, };

  set_context ("in a user namespace of the test's own");
  if (own_userns == 0)
    {
      g_autofree char *msg =
        g_strdup_printf ("could not make a user namespace: %s",
                         g_strerror (own_userns_errno));
      fail_at (__FILE__, __LINE__, G_STRFUNC, msg);
      return;
    }
  g_assert_cmpuint (tu_thread_ns_inode (USER), ==, own_userns);

  limits.spacer = new_spacer (SPACER_TIMEOUT_MS);
  if (type & ROOM_TYPES)
    limits.sub = subspace (limits.spacer, USER);

  g_assert_true (g_file_get_contents (path, &original, NULL, NULL));
  g_strstrip (original);
  set_limit (type, "0");
  note ("max_%s_namespaces = 0 (was %s) in a user namespace of the "
        "test's own", name, original);

  for (Attempt attempt = 0; attempt < N_ATTEMPTS; attempt++)
    {
      if (!attempt_applies (attempt, type))
        continue;

      for (int pass = 0; pass < 2; pass++)
        {
          g_autoptr(GError) error = NULL;
          gboolean ok;

          set_context ("%s %s with max_%s_namespaces = 0, error %s",
                       attempt_names[attempt], name, name,
                       pass == 0 ? "wanted" : "NULL");
          world_get (&world);
          ok = attempt_create (&limits, attempt, type,
                               pass == 0 ? &error : NULL);
          g_assert_false (ok);
          if (pass == 0 && attempt != TRY_CAN_CREATE)
            {
              g_assert_nonnull (error);
              note ("%s %s: %s", attempt_names[attempt], name, error->message);
              assert_os_error (error, ENOSPC);
              if (!names_type (error->message, type))
                fail_at (__FILE__, __LINE__, G_STRFUNC,
                         "the message does not name the namespace type");
            }
          /* nothing changed */
          assert_world_unchanged (&world);
          world_clear (&world);
        }
    }

  /* The limit is for this type only. */
  set_context ("a %s namespace with max_%s_namespaces = 0",
               spacetest_namespace_type_to_string (other), name);
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (attempt_create (&limits,
                               (type & ROOM_TYPES) ? TRY_NEW_TRANSIENT
                                                   : TRY_SUBSPACE,
                               other, &error));
    g_assert_no_error (error);
  }

  /* With the limit back, the same calls work: the limit was the reason. */
  set_limit (type, original);
  wait_spacers_settled ();
  for (Attempt attempt = 0; attempt < N_ATTEMPTS; attempt++)
    {
      g_autoptr(GError) error = NULL;

      if (!attempt_applies (attempt, type))
        continue;
      set_context ("%s %s with max_%s_namespaces = %s",
                   attempt_names[attempt], name, name, original);
      wait_spacers_settled ();
      world_get (&world);
      g_assert_true (attempt_create (&limits, attempt, type, &error));
      g_assert_no_error (error);
      assert_world_unchanged (&world);
      world_clear (&world);
    }

  if (limits.sub != NULL)
    close_spacer (limits.sub);
  close_spacer (limits.spacer);
  g_clear_object (&limits.sub);
  g_clear_object (&limits.spacer);
}

static void
test_limits (gconstpointer data)
{
  SpacetestNamespaceType type = GPOINTER_TO_UINT (data);

  spacetest_test_check_leaks ();

  if (g_test_subprocess ())
    {
      limits_run (type);
      return;
    }

  if (!can_make_user_namespace ())
    {
      const char *why = "this process cannot make a user namespace";

      if (g_strcmp0 (g_getenv ("SPACETEST_REQUIRE"), "1") == 0)
        g_test_fail_printf ("%s", why);
      else
        g_test_skip (why);
      return;
    }
  if ((type & ROOM_TYPES) && !spacetest_test_require (type))
    return;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  show_notes ();
  g_test_trap_assert_passed ();
}

/* ---- service ---------------------------------------------------------- */

typedef enum
{
  FAULT_DEAD,        /* killed before the request */
  FAULT_KILL,        /* stopped, then killed while the request waits */
  FAULT_RACE,        /* killed at once or after 1, 2, ... ms of work */
  FAULT_STOP_CONT,   /* stopped until the request timed out, continued */
  FAULT_STOP_KILL,   /* stopped until the request timed out, killed */
  N_FAULTS
} Fault;

static const char * const fault_names[N_FAULTS] = {
  "dead", "kill", "race", "stop-cont", "stop-kill",
};

typedef struct
{
  char *path;
  gboolean sub;        /* the service of a subspace, not our child */
  gboolean subspace;   /* a subspace request, not rooms */
  gboolean async;
  Fault fault;
} ServiceCase;

typedef struct
{
  const ServiceCase *sc;
  SpacetestSpacer *root;
  SpacetestSpacer *target;
  GPid pid;
  GMainContext *context;
} Scene;

static void
scene_begin (Scene             *scene,
             const ServiceCase *sc)
{
  memset (scene, 0, sizeof *scene);
  scene->sc = sc;
  scene->root = new_spacer (SERVICE_TIMEOUT_MS);
  scene->target = sc->sub ? subspace (scene->root, USER | PID)
                          : g_object_ref (scene->root);
  spacetest_spacer_set_timeout (scene->target, SERVICE_TIMEOUT_MS);
  scene->pid = spacetest_spacer_get_pid (scene->target);
  g_assert_cmpint (scene->pid, >, 0);
  if (sc->async)
    scene->context = push_new_context ();
}

/* Closes the spacers; their services end (and are reaped). */
static void
scene_end (Scene *scene)
{
  GPid root_pid = spacetest_spacer_get_pid (scene->root);
  gint64 start = g_get_monotonic_time ();

  close_spacer (scene->target);
  close_spacer (scene->root);
  /* a stopped or dead service costs at most the timeout */
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <,
                   SERVICE_TIMEOUT_MS + 1500);
  /* our child: reaped by close() */
  g_assert_cmpint (process_state (root_pid), ==, 0);
  if (scene->sc->sub)
    g_assert_true (wait_gone (scene->pid));

  g_clear_object (&scene->target);
  g_clear_object (&scene->root);
  g_clear_pointer (&scene->context, pop_context);
}

/* The request of the case; what it made is dropped at once. */
static gboolean
scene_request (Scene   *scene,
               GError **error)
{
  SpacetestSpacer *target = scene->target;
  g_autoptr(GAsyncResult) result = NULL;

  if (scene->sc->subspace)
    {
      g_autoptr(SpacetestSpacer) sub = NULL;

      if (scene->sc->async)
        {
          spacetest_spacer_subspace_async (target, USER | PID, NULL,
                                           async_done, &result);
          wait_async (scene->context, &result);
          sub = spacetest_spacer_subspace_finish (target, result, error);
        }
      else
        sub = spacetest_spacer_subspace (target, USER | PID, NULL, error);

      if (sub == NULL)
        return FALSE;
      close_spacer (sub);
      return TRUE;
    }
  else
    {
      g_autoptr(GPtrArray) rooms = NULL;

      if (scene->sc->async)
        {
          spacetest_spacer_rooms_async (target, ROOM_TYPES, NULL, async_done,
                                        &result);
          wait_async (scene->context, &result);
          rooms = spacetest_spacer_rooms_finish (target, result, error);
        }
      else
        rooms = spacetest_spacer_rooms (target, ROOM_TYPES, NULL, error);

      return rooms != NULL;
    }
}

/* Kills a service after a delay: from a thread while a synchronous
 * request blocks the caller, or from a timeout on the context an
 * asynchronous one is waited on. */
typedef struct
{
  GPid pid;
  guint delay_ms;
  gboolean fired;
  GThread *thread;
  GSource *source;
} Killer;

static gpointer
killer_thread (gpointer data)
{
  Killer *killer = data;

  g_usleep ((gulong) killer->delay_ms * 1000);
  kill (killer->pid, SIGKILL);
  killer->fired = TRUE;
  return NULL;
}

static gboolean
killer_timeout (gpointer data)
{
  Killer *killer = data;

  kill (killer->pid, SIGKILL);
  killer->fired = TRUE;
  return G_SOURCE_REMOVE;
}

static void
killer_start (Killer       *killer,
              GPid          pid,
              guint         delay_ms,
              GMainContext *context)
{
  memset (killer, 0, sizeof *killer);
  killer->pid = pid;
  killer->delay_ms = delay_ms;
  if (context == NULL)
    killer->thread = g_thread_new ("faults-killer", killer_thread, killer);
  else
    {
      killer->source = g_timeout_source_new (delay_ms);
      g_source_set_callback (killer->source, killer_timeout, killer, NULL);
      g_source_attach (killer->source, context);
    }
}

/* Waits for the kill (made now if the request ended first). */
static void
killer_finish (Killer *killer)
{
  if (killer->thread != NULL)
    g_thread_join (g_steal_pointer (&killer->thread));
  if (killer->source != NULL)
    {
      g_source_destroy (killer->source);
      g_clear_pointer (&killer->source, g_source_unref);
    }
  if (!killer->fired)
    g_assert_no_errno (kill (killer->pid, SIGKILL));
  g_assert_true (wait_dead (killer->pid));
}

/* Fails the test unless @error says that the service of @scene died. */
static void
assert_service_died (Scene        *scene,
                     const GError *error)
{
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_SPACER_FAILED);
  g_assert_true (mentions_number (error->message, scene->pid));
  /* our child: we know how it ended */
  if (!scene->sc->sub)
    g_assert_nonnull (strstr (error->message, "signal 9"));
}

static gint64
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000;
}

static void
service_fault (const ServiceCase *sc,
               gboolean           with_error)
{
  const char *request = sc->subspace ? "subspace" : "rooms";
  g_auto(World) world = { 0, };
  g_autoptr(GError) error = NULL;
  GError **errorp = with_error ? &error : NULL;
  g_autoptr(GString) outcomes = g_string_new (NULL);
  Killer killer;
  Scene scene;
  gint64 start, ms;
  gboolean ok;

  set_context ("%s, error %s", sc->path, with_error ? "wanted" : "NULL");
  world_get (&world);

  switch (sc->fault)
    {
    case FAULT_DEAD:
      scene_begin (&scene, sc);
      g_assert_no_errno (kill (scene.pid, SIGKILL));
      g_assert_true (wait_dead (scene.pid));
      start = g_get_monotonic_time ();
      ok = scene_request (&scene, errorp);
      ms = elapsed_ms (start);
      g_assert_false (ok);
      g_assert_cmpint (ms, <, SERVICE_TIMEOUT_MS);
      if (with_error)
        {
          assert_service_died (&scene, error);
          g_string_append_printf (outcomes, "failed after %" G_GINT64_FORMAT
                                  " ms: %s", ms, error->message);
          g_clear_error (&error);
        }
      /* and so does the next request, at once */
      start = g_get_monotonic_time ();
      g_assert_false (scene_request (&scene, errorp));
      g_assert_cmpint (elapsed_ms (start), <, SERVICE_TIMEOUT_MS);
      if (with_error)
        assert_service_died (&scene, error);
      scene_end (&scene);
      break;

    case FAULT_KILL:
      scene_begin (&scene, sc);
      g_assert_no_errno (kill (scene.pid, SIGSTOP));
      g_assert_true (wait_stopped (scene.pid));
      start = g_get_monotonic_time ();
      killer_start (&killer, scene.pid, KILL_DELAY_MS, scene.context);
      ok = scene_request (&scene, errorp);
      ms = elapsed_ms (start);
      killer_finish (&killer);
      g_assert_false (ok);
      g_assert_cmpint (ms, >=, KILL_DELAY_MS);
      g_assert_cmpint (ms, <, SERVICE_TIMEOUT_MS);
      if (with_error)
        {
          assert_service_died (&scene, error);
          g_string_append_printf (outcomes, "killed after %u ms, failed "
                                  "after %" G_GINT64_FORMAT " ms: %s",
                                  KILL_DELAY_MS, ms, error->message);
        }
      scene_end (&scene);
      break;

    case FAULT_RACE:
      for (guint delay = 0; delay <= 16; delay = delay ? delay * 2 : 1)
        {
          set_context ("%s, error %s, killed after %u ms", sc->path,
                       with_error ? "wanted" : "NULL", delay);
          scene_begin (&scene, sc);
          start = g_get_monotonic_time ();
          killer_start (&killer, scene.pid, delay, scene.context);
          ok = scene_request (&scene, errorp);
          ms = elapsed_ms (start);
          killer_finish (&killer);
          g_assert_cmpint (ms, <, SERVICE_TIMEOUT_MS);
          /* A service that dies after its subspace reply takes the new
           * one along (PR_SET_PDEATHSIG): then the error is about that. */
          if (!ok && with_error)
            g_assert_error (error, SPACETEST_ERROR,
                            SPACETEST_ERROR_SPACER_FAILED);
          g_string_append_printf (outcomes, "%s%u ms: %s", delay ? ", " : "",
                                  delay, ok ? "done" : "failed");
          g_clear_error (&error);
          scene_end (&scene);
        }
      break;

    case FAULT_STOP_CONT:
    case FAULT_STOP_KILL:
      scene_begin (&scene, sc);
      g_assert_no_errno (kill (scene.pid, SIGSTOP));
      g_assert_true (wait_stopped (scene.pid));
      start = g_get_monotonic_time ();
      ok = scene_request (&scene, errorp);
      ms = elapsed_ms (start);
      g_assert_false (ok);
      /* poll() counts whole milliseconds: up to 1 ms early */
      g_assert_cmpint (ms, >=, SERVICE_TIMEOUT_MS - 1);
      g_assert_cmpint (ms, <, SERVICE_TIMEOUT_MS + 1000);
      if (with_error)
        {
          g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_TIMED_OUT);
          g_assert_nonnull (strstr (error->message, request));
          g_assert_true (mentions_number (error->message,
                                          SERVICE_TIMEOUT_MS));
          g_string_append_printf (outcomes, "failed after %" G_GINT64_FORMAT
                                  " ms: %s", ms, error->message);
          g_clear_error (&error);
        }

      if (sc->fault == FAULT_STOP_CONT)
        {
          /* It answers late; the answer is dropped, and the spacer goes
           * on working. */
          g_assert_no_errno (kill (scene.pid, SIGCONT));
          spacetest_spacer_set_timeout (scene.target, SPACER_TIMEOUT_MS);
          assert_spacer_works (scene.target);
        }
      else
        {
          g_assert_no_errno (kill (scene.pid, SIGKILL));
          g_assert_true (wait_dead (scene.pid));
          start = g_get_monotonic_time ();
          g_assert_false (scene_request (&scene, errorp));
          g_assert_cmpint (elapsed_ms (start), <, SERVICE_TIMEOUT_MS);
          if (with_error)
            assert_service_died (&scene, error);
        }
      scene_end (&scene);
      break;

    case N_FAULTS:
    default:
      g_assert_not_reached ();
    }

  if (with_error)
    note ("%s: %s", sc->path + strlen ("/spacetest/faults/"), outcomes->str);

  set_context ("%s, error %s: afterwards", sc->path,
               with_error ? "wanted" : "NULL");
  assert_world_unchanged (&world);
}

static void
test_service (gconstpointer data)
{
  const ServiceCase *sc = data;

  spacetest_test_check_leaks ();

  if (g_test_subprocess ())
    {
      service_fault (sc, TRUE);
      service_fault (sc, FALSE);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  show_notes ();
  g_test_trap_assert_passed ();
}

/* ---- main ------------------------------------------------------------- */

static void
warm_up (void)
{
  static const int errnos[] = { EMFILE, ENOSPC, EPERM, EINVAL, EBADF };

  /* Process-wide singletons that the first asynchronous call creates (the
   * global default main context, and GTask's worker context with its
   * thread and wakeup descriptor) and one-time set-ups that open files
   * (the library's text domain, GLib's cache of error strings): now, not
   * while a call runs short of descriptors or a leak check watches. */
  (void) g_main_context_default ();
  g_type_ensure (G_TYPE_TASK);
  g_type_ensure (G_TYPE_SOCKET);
  g_type_ensure (SPACETEST_TYPE_NAMESPACE);
  g_type_ensure (SPACETEST_TYPE_GUARD);
  g_type_ensure (SPACETEST_TYPE_SPACER);
  g_type_class_unref (g_type_class_ref (SPACETEST_TYPE_ERROR));
  for (gsize i = 0; i < G_N_ELEMENTS (errnos); i++)
    (void) g_strerror (errnos[i]);
  (void) spacetest_namespace_new_current (SPACETEST_NAMESPACE_TYPE_NONE, NULL);
}

int
main (int    argc,
      char **argv)
{
  static const SpacetestNamespaceType limit_types[] = {
    CGROUP, IPC, MNT, NET, TIME, UTS, USER, PID,
  };
  g_autofree char *notes_dir = NULL;
  g_autoptr(GPtrArray) service_cases =
    g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  int ret;

  /* First thing, while the process has a single thread. */
  if (is_limits_child (argc, argv))
    enter_own_user_namespace ();

  spacetest_test_init (&argc, &argv, NULL);

  if (!g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *notes = NULL;

      /* A failing child fails its test, not the program. */
      g_test_set_nonfatal_assertions ();

      notes_dir = g_dir_make_tmp ("spacetest-faults-XXXXXX", &error);
      g_assert_no_error (error);
      notes = g_build_filename (notes_dir, "notes", NULL);
      g_setenv (NOTES_ENV, notes, TRUE);
    }

  warm_up ();

  g_test_add_func ("/spacetest/faults/emfile/free-count",
                   test_emfile_free_count);
  g_test_add_func ("/spacetest/faults/emfile/new-for-fd-o-path",
                   test_emfile_o_path);
  for (gsize i = 0; i < G_N_ELEMENTS (call_specs); i++)
    {
      char *path = g_strconcat ("/spacetest/faults/emfile/",
                                call_specs[i].name, NULL);

      g_ptr_array_add (paths, path);
      g_test_add_data_func (path, &call_specs[i], test_emfile);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (limit_types); i++)
    {
      const char *name = spacetest_namespace_type_to_string (limit_types[i]);
      char *path = g_strconcat (LIMITS_PREFIX, name, NULL);

      g_ptr_array_add (paths, path);
      g_test_add_data_func (path, GUINT_TO_POINTER (limit_types[i]),
                            test_limits);
    }

  for (int sub = 0; sub < 2; sub++)
    for (int request = 0; request < 2; request++)
      for (int async = 0; async < 2; async++)
        for (Fault fault = 0; fault < N_FAULTS; fault++)
          {
            ServiceCase *sc = g_new0 (ServiceCase, 1);

            sc->sub = sub;
            sc->subspace = request == 0;
            sc->async = async;
            sc->fault = fault;
            sc->path = g_strdup_printf ("/spacetest/faults/service/%s/%s/%s/%s",
                                        sub ? "sub" : "root",
                                        request == 0 ? "subspace" : "rooms",
                                        async ? "async" : "sync",
                                        fault_names[fault]);
            g_ptr_array_add (paths, sc->path);
            g_ptr_array_add (service_cases, sc);
            g_test_add_data_func (sc->path, sc, test_service);
          }

  ret = g_test_run ();

  if (notes_dir != NULL)
    {
      show_notes ();
      g_rmdir (notes_dir);
    }
  return ret;
}
