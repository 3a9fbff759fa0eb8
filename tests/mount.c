/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount.c: spacetest_mount_file and spacetest_mount_tmpfs (manual:
 * "Files and directories inside a mount namespace") */

#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_NAME "spacetest-host.test"
#define TEST_ADDRESS "192.0.2.7"

/* Lines of /proc/self/mountinfo: the main thread's view, which the
 * tests never move. */
static guint
count_host_mounts (void)
{
  g_autofree char *info = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents ("/proc/self/mountinfo", &info, NULL,
                                      NULL));
  for (const char *p = info; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

typedef struct
{
  char *contents;
  gsize length;
  dev_t dev;
  ino_t ino;
} FileState;

static void
file_state_get (const char *path,
                FileState  *state)
{
  struct stat st;

  g_assert_true (g_file_get_contents (path, &state->contents, &state->length,
                                      NULL));
  g_assert_no_errno (stat (path, &st));
  state->dev = st.st_dev;
  state->ino = st.st_ino;
}

static void
file_state_assert_same (const char      *path,
                        const FileState *before)
{
  FileState now = { 0, };

  file_state_get (path, &now);
  g_assert_cmpmem (now.contents, now.length, before->contents,
                   before->length);
  g_assert_cmpuint (now.dev, ==, before->dev);
  g_assert_cmpuint (now.ino, ==, before->ino);
  g_free (now.contents);
}

/* In a child, so that GLib's resolver threads start here, in the new
 * mount namespace: they see the file only if they run in it. */
static void
test_file_hosts (void)
{
  FileState hosts = { 0, };
  guint host_mounts;

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpacetestGuard) guard = NULL;
      g_autoptr(GResolver) resolver = NULL;
      g_autolist(GInetAddress) addresses = NULL;
      g_autofree char *inside = NULL;
      g_autofree char *text = NULL;

      guard = spacetest_enter_transient (MNT, SPACETEST_TRANSIENT_NONE,
                                         &error);
      g_assert_no_error (error);

      g_assert_true (spacetest_mount_file ("/etc/nsswitch.conf",
                                           "hosts: files\n", -1, &error));
      g_assert_no_error (error);
      g_assert_true (spacetest_mount_file ("/etc/hosts",
                                           TEST_ADDRESS " " TEST_NAME "\n",
                                           -1, &error));
      g_assert_no_error (error);

      g_assert_true (g_file_get_contents ("/etc/hosts", &inside, NULL, NULL));
      g_assert_cmpstr (inside, ==, TEST_ADDRESS " " TEST_NAME "\n");

      resolver = g_resolver_get_default ();
      addresses = g_resolver_lookup_by_name (resolver, TEST_NAME, NULL,
                                             &error);
      g_assert_no_error (error);
      g_assert_nonnull (addresses);
      text = g_inet_address_to_string (addresses->data);
      g_assert_cmpstr (text, ==, TEST_ADDRESS);
      g_print ("resolved: %s\n", text);

      g_assert_true (spacetest_guard_restore (guard, &error));
      g_assert_no_error (error);
      return;
    }

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT))
    return;

  file_state_get ("/etc/hosts", &hosts);
  host_mounts = count_host_mounts ();

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*resolved: " TEST_ADDRESS "*");

  /* the host's file is the same file, with the same contents */
  file_state_assert_same ("/etc/hosts", &hosts);
  g_assert_cmpuint (count_host_mounts (), ==, host_mounts);
  g_free (hosts.contents);
}

/* Any bytes, with the length given; read-only; the permission bits of
 * the file it covers; gone with the namespace. */
static void
test_file_contents (void)
{
  static const char data[] = { 'a', '\0', 'b', '\n', '\xff' };
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autofree char *contents = NULL;
  FileState hosts = { 0, };
  struct stat before, after;
  gsize length;
  guint host_mounts;
  int fd;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT))
    return;

  file_state_get ("/etc/hosts", &hosts);
  host_mounts = count_host_mounts ();
  g_assert_no_errno (stat ("/etc/hosts", &before));

  guard = spacetest_enter_transient (MNT, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_mount_file ("/etc/hosts", data, sizeof data,
                                       &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents ("/etc/hosts", &contents, &length,
                                      NULL));
  g_assert_cmpmem (contents, length, data, sizeof data);
  g_assert_no_errno (stat ("/etc/hosts", &after));
  g_assert_cmpint (after.st_mode & 07777, ==, before.st_mode & 07777);
  g_assert_cmpuint (after.st_ino, !=, before.st_ino);

  fd = open ("/etc/hosts", O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (fd, ==, -1);
  g_assert_cmpint (errno, ==, EROFS);

  /* an empty file, over the same path again */
  g_assert_true (spacetest_mount_file ("/etc/hosts", NULL, 0, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents ("/etc/hosts", &contents, &length,
                                      NULL));
  g_assert_cmpuint (length, ==, 0);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_clear_object (&guard);

  file_state_assert_same ("/etc/hosts", &hosts);
  g_assert_cmpuint (count_host_mounts (), ==, host_mounts);
  g_free (hosts.contents);
}

static void
test_tmpfs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *name = g_strdup_printf ("spacetest-mount-%d",
                                           (int) getpid ());
  g_autofree char *path = g_build_filename ("/tmp", name, NULL);
  struct stat host_tmp, inside;
  guint host_mounts;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (MNT))
    return;

  g_assert_no_errno (stat ("/tmp", &host_tmp));
  host_mounts = count_host_mounts ();

  guard = spacetest_enter_transient (MNT, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (spacetest_mount_tmpfs ("/tmp", &error));
  g_assert_no_error (error);

  /* empty, a file system of its own, the directory's mode (sticky) */
  dir = g_dir_open ("/tmp", 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));
  g_clear_pointer (&dir, g_dir_close);
  g_assert_no_errno (stat ("/tmp", &inside));
  g_assert_cmpuint (inside.st_dev, !=, host_tmp.st_dev);
  g_assert_cmpint (inside.st_mode & 07777, ==, host_tmp.st_mode & 07777);

  /* writable */
  g_assert_true (g_file_set_contents (path, "inside", -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  g_clear_object (&guard);

  /* the host never saw the file, nor the mount */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_host_mounts (), ==, host_mounts);
}

/* Refused in the process's own mount namespace; missing paths, wrong
 * kinds. Each with the thread and the fd table unchanged, also with
 * error == NULL. */
static void
test_bad (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestGuard) guard = NULL;
  g_autoptr(GHashTable) fds = NULL;
  FileState hosts = { 0, };
  TuThreadState before;
  guint host_mounts;

  spacetest_test_check_leaks ();
  file_state_get ("/etc/hosts", &hosts);
  host_mounts = count_host_mounts ();

  /* in the initial mount namespace: refused, whatever the path */
  tu_thread_state_get (&before);
  fds = tu_fd_identities ();
  g_assert_false (spacetest_mount_file ("/etc/hosts", "x", -1, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "/etc/hosts"));
  g_assert_nonnull (strstr (error->message, "initial mount namespace"));
  g_clear_error (&error);
  g_assert_false (spacetest_mount_tmpfs ("/tmp", &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "initial mount namespace"));
  g_clear_error (&error);
  g_assert_false (spacetest_mount_file ("/etc/hosts", "x", -1, NULL));
  g_assert_false (spacetest_mount_tmpfs ("/tmp", NULL));
  tu_assert_fds_unchanged (fds);
  tu_assert_thread_state_unchanged (&before);
  file_state_assert_same ("/etc/hosts", &hosts);
  g_assert_cmpuint (count_host_mounts (), ==, host_mounts);

  if (!spacetest_test_require (MNT))
    {
      g_free (hosts.contents);
      return;
    }

  guard = spacetest_enter_transient (MNT, SPACETEST_TRANSIENT_NONE, &error);
  g_assert_no_error (error);
  tu_thread_state_get (&before);
  g_clear_pointer (&fds, g_hash_table_unref);
  fds = tu_fd_identities ();

  g_assert_false (spacetest_mount_file ("/nonexistent-spacetest", "x", -1,
                                        &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/nonexistent-spacetest"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  g_clear_error (&error);

  g_assert_false (spacetest_mount_tmpfs ("/nonexistent-spacetest", &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (spacetest_mount_file ("/etc", "x", -1, &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "directory"));
  g_clear_error (&error);

  g_assert_false (spacetest_mount_tmpfs ("/etc/hosts", &error));
  g_assert_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not a directory"));
  g_clear_error (&error);

  g_assert_false (spacetest_mount_file ("/nonexistent-spacetest", "x", -1,
                                        NULL));
  g_assert_false (spacetest_mount_tmpfs ("/etc/hosts", NULL));

  tu_assert_fds_unchanged (fds);
  tu_assert_thread_state_unchanged (&before);

  g_assert_true (spacetest_guard_restore (guard, &error));
  g_assert_no_error (error);
  file_state_assert_same ("/etc/hosts", &hosts);
  g_free (hosts.contents);
}

int
main (int argc, char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spacetest/mount/file/hosts", test_file_hosts);
  g_test_add_func ("/spacetest/mount/file/contents", test_file_contents);
  g_test_add_func ("/spacetest/mount/tmpfs", test_tmpfs);
  g_test_add_func ("/spacetest/mount/bad", test_bad);

  return g_test_run ();
}
