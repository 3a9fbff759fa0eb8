/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-test.c: the GTest layer */

#include "spacetest-namespace-private.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void
_spacetest_test_init_post (void)
{
  const char *env = g_getenv ("SPACETEST_USERNS");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (env, "0") == 0)
    return;

  if (!spacetest_init_user_namespace (&error))
    {
      g_free (userns_failure);
      userns_failure = g_strdup (error->message);
    }
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
_spacetest_test_new_transient (const char             *file,
                               int                     line,
                               const char             *func,
                               SpacetestNamespaceType  type)
{
  g_autoptr(GError) error = NULL;
  SpacetestNamespace *ns;

  ns = spacetest_namespace_new_transient (type,
                                          type == SPACETEST_NAMESPACE_TYPE_NET
                                            ? SPACETEST_TRANSIENT_LOOPBACK_UP
                                            : SPACETEST_TRANSIENT_NONE,
                                          &error);
  if (ns == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_new_transient", error);
      return NULL;
    }

  g_test_queue_unref (ns);
  return ns;
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
_spacetest_test_enter_transient (const char             *file,
                                 int                     line,
                                 const char             *func,
                                 SpacetestNamespaceType  types)
{
  g_autoptr(GError) error = NULL;
  SpacetestGuard *guard;

  guard = spacetest_enter_transient (types,
                                     (types & SPACETEST_NAMESPACE_TYPE_NET)
                                       ? SPACETEST_TRANSIENT_LOOPBACK_UP
                                       : SPACETEST_TRANSIENT_NONE,
                                     &error);
  if (guard == NULL)
    {
      fail_with_error (file, line, func, "spacetest_test_enter_transient",
                       error);
      return NULL;
    }

  g_test_queue_unref (guard);
  return guard;
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
  SpacetestSpacer *sub = spacetest_spacer_subspace (spacer, types, NULL, &error);

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

typedef struct
{
  char *file;
  int line;
  char *func;
  GHashTable *fds;        /* fd number → link target */
  GHashTable *children;   /* pid → TRUE */
  pid_t tid;
  char *ns_links[SPACETEST_N_TYPES];
} LeakCheck;

static GHashTable *
snapshot_fds (void)
{
  GHashTable *fds = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                           NULL, g_free);
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;

  if (dir == NULL)
    return fds;

  while ((entry = readdir (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      char *target;
      int fd;

      if (entry->d_name[0] == '.')
        continue;
      fd = atoi (entry->d_name);
      /* not the directory's own descriptor */
      if (fd == dirfd (dir))
        continue;

      path = g_strconcat ("/proc/self/fd/", entry->d_name, NULL);
      target = g_file_read_link (path, NULL);
      if (target != NULL)
        g_hash_table_insert (fds, GINT_TO_POINTER (fd), target);
    }

  closedir (dir);
  return fds;
}

static GHashTable *
snapshot_children (void)
{
  GHashTable *children = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  if (tasks == NULL)
    return children;

  while ((tid = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/children",
                                               tid);
      g_autofree char *contents = NULL;
      g_auto(GStrv) pids = NULL;

      if (!g_file_get_contents (path, &contents, NULL, NULL))
        continue;
      pids = g_strsplit_set (g_strstrip (contents), " \n", -1);
      for (guint i = 0; pids[i] != NULL; i++)
        if (*pids[i] != '\0')
          g_hash_table_add (children, GINT_TO_POINTER (atoi (pids[i])));
    }

  return children;
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

static int
compare_ints (gconstpointer a,
              gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
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

static void
leak_check_run (gpointer user_data)
{
  LeakCheck *check = user_data;
  g_autoptr(GHashTable) fds = snapshot_fds ();
  g_autoptr(GHashTable) children = snapshot_children ();
  g_autoptr(GArray) leaked_fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) leaked_children = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GString) report = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, fds);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *before = g_hash_table_lookup (check->fds, key);

      int fd = GPOINTER_TO_INT (key);

      if (g_strcmp0 (before, value) != 0)
        g_array_append_val (leaked_fds, fd);
    }

  g_hash_table_iter_init (&iter, children);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      int pid = GPOINTER_TO_INT (key);

      if (!g_hash_table_contains (check->children, key))
        g_array_append_val (leaked_children, pid);
    }

  g_array_sort (leaked_fds, compare_ints);
  g_array_sort (leaked_children, compare_ints);

  for (guint i = 0; i < leaked_fds->len; i++)
    {
      int fd = g_array_index (leaked_fds, int, i);

      report_item (report, _("file descriptor %d -> %s"), fd,
                   (const char *) g_hash_table_lookup (fds,
                                                       GINT_TO_POINTER (fd)));
    }

  for (guint i = 0; i < leaked_children->len; i++)
    {
      int pid = g_array_index (leaked_children, int, i);
      g_autofree char *cmd = describe_process (pid);

      report_item (report, _("child process %d: %s"), pid, cmd);
    }

  if (_spacetest_gettid () == check->tid)
    for (int i = 0; i < SPACETEST_N_TYPES; i++)
      {
        g_autofree char *path = g_strdup_printf (
          "/proc/thread-self/ns/%s",
          spacetest_namespace_type_to_string (_spacetest_types[i]));
        g_autofree char *now = g_file_read_link (path, NULL);

        if (g_strcmp0 (now, check->ns_links[i]) != 0)
          report_item (report,
                       _("the test's thread is in %s, not in %s where it "
                         "started"),
                       now ? now : "?",
                       check->ns_links[i] ? check->ns_links[i] : "?");
      }

  if (report->len > 0)
    {
      g_autofree char *msg =
        g_strdup_printf (_("leak check: the test left behind: %s"),
                         report->str);

      g_assertion_message (G_LOG_DOMAIN, check->file, check->line,
                           check->func, tap_line (msg));
    }

  g_hash_table_unref (check->fds);
  g_hash_table_unref (check->children);
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    g_free (check->ns_links[i]);
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
  check->fds = snapshot_fds ();
  check->children = snapshot_children ();
  check->tid = _spacetest_gettid ();

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      g_autofree char *path = g_strdup_printf (
        "/proc/thread-self/ns/%s",
        spacetest_namespace_type_to_string (_spacetest_types[i]));
      check->ns_links[i] = g_file_read_link (path, NULL);
    }

  g_test_queue_destroy (leak_check_run, check);
}
