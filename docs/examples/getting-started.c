/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* getting-started.c: a complete GTest program using spacetest-glib
 *
 *   cc -o getting-started getting-started.c \
 *      $(pkg-config --cflags --libs spacetest-glib-1)
 *   ./getting-started            # as root, or as any other user
 */

#include <spacetest-glib/spacetest-glib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Binds 127.0.0.1:8080 in a network namespace of the test's own: the
 * port is free whatever the host or a parallel test has bound. */
static void
test_bind_loopback (void)
{
  struct sockaddr_in addr = { 0, };
  int fd;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  /* A new network namespace with lo up; the thread returns to its
   * original one when the test ends. */
  spacetest_test_enter_transient (SPACETEST_NAMESPACE_TYPE_NET);

  addr.sin_family = AF_INET;
  addr.sin_port = htons (8080);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_no_errno (bind (fd, (struct sockaddr *) &addr, sizeof addr));
  g_assert_no_errno (listen (fd, 1));
  close (fd);
}

typedef struct
{
  int errsv;                           /* out: errno, or 0 */
  char hostname[HOST_NAME_MAX + 1];    /* out */
} RoomData;

/* Runs inside the rooms, on the calling thread. */
static void
rename_host (gpointer user_data)
{
  RoomData *data = user_data;

  if (sethostname ("room", strlen ("room")) != 0 ||
      gethostname (data->hostname, sizeof data->hostname) != 0)
    data->errsv = errno;
}

/* A spacer service in new user and PID namespaces makes new network and
 * UTS namespaces ("rooms") owned by its user namespace. */
static void
test_subspace_rooms (void)
{
  SpacetestSpacer *spacer, *sub;
  GPtrArray *rooms;
  RoomData data = { 0, };
  char before[HOST_NAME_MAX + 1], after[HOST_NAME_MAX + 1];
  g_autoptr(GError) error = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET |
                               SPACETEST_NAMESPACE_TYPE_UTS))
    return;

  spacer = spacetest_test_new_spacer ();
  sub = spacetest_test_subspace (spacer, SPACETEST_NAMESPACE_TYPE_USER |
                                         SPACETEST_NAMESPACE_TYPE_PID);
  rooms = spacetest_test_rooms (sub, SPACETEST_NAMESPACE_TYPE_NET |
                                     SPACETEST_NAMESPACE_TYPE_UTS);
  g_assert_cmpuint (rooms->len, ==, 2);    /* net, then uts */

  g_assert_no_errno (gethostname (before, sizeof before));
  spacetest_execute ((SpacetestNamespace **) rooms->pdata, rooms->len,
                     rename_host, &data, &error);
  g_assert_no_error (error);
  g_assert_cmpint (data.errsv, ==, 0);
  g_assert_cmpstr (data.hostname, ==, "room");

  /* Back in the test's own namespaces: nothing changed here. */
  g_assert_no_errno (gethostname (after, sizeof after));
  g_assert_cmpstr (after, ==, before);
}

int
main (int    argc,
      char **argv)
{
  /* g_test_init(), and, without privileges, unprivileged mode. */
  spacetest_test_init (&argc, &argv, NULL);

  g_test_add_func ("/getting-started/bind-loopback", test_bind_loopback);
  g_test_add_func ("/getting-started/subspace-rooms", test_subspace_rooms);

  return g_test_run ();
}
