/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-spacer.c: what the spacer's requests cost next to doing the same
 * without the library. Not a test: the numbers are for people (and the
 * goals of the project), not for pass/fail.
 *
 * Two comparisons, measured interleaved in one run (round-robin over the
 * four variants, argv[1] rounds, default 200; medians):
 *
 *   subspace/unshare-mount-proc
 *     spacetest_spacer_subspace (USER|PID) and spacetest_spacer_close()
 *     on the new spacer, next to running `unshare -U -p -f -r
 *     --mount-proc true` with g_spawn_sync(): both end with a process
 *     that is PID 1 of a new PID namespace in a new user namespace, with
 *     uid 0 mapped and its own /proc, and wait for it to end.
 *
 *   rooms/raw-netns
 *     spacetest_spacer_rooms (NET) and dropping the returned namespace,
 *     next to the same work without the library: fork a child; the child
 *     calls unshare(CLONE_NEWNET), sets `lo` up (SIOCGIFFLAGS and
 *     SIOCSIFFLAGS, because the service sets `lo` up in the rooms it makes,
 *     so the baseline does too), opens /proc/thread-self/ns/net and sends
 *     that fd to the parent over a socketpair (SCM_RIGHTS); the parent
 *     receives it, reaps the child and closes the fd.
 *
 * "The same user namespace": the service of spacetest_spacer_new() runs
 * in the user namespace of the process that made it, and owns the rooms
 * it makes. As root that is the initial user namespace; in unprivileged
 * mode (spacetest_init_user_namespace(), called first thing in main())
 * it is the process's own user namespace, where it is uid 0 with all
 * capabilities. The raw child is forked from this process, so in both
 * cases it is in the very user namespace of the service, and its network
 * namespace is owned by that user namespace too. The unshare command runs
 * in that user namespace as well, and makes its child user namespace
 * there, as the subspace does.
 *
 * Output, one figure a line, for grep:
 *   median subspace+close 812.3 us
 *   ratio subspace/unshare-mount-proc 0.42
 *   ratio rooms/raw-netns 1.15
 *
 * Needs SPACETEST_SPACER_PATH in an uninstalled build:
 *   SPACETEST_SPACER_PATH=_build/spacetest-glib/spacetest-spacer \
 *     _build/tests/bench/bench-spacer 200 */

#include <spacetest-glib/spacetest-glib.h>

#include "bench-util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void
subspace_round (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestSpacer) sub =
    spacetest_spacer_subspace (data,
                               SPACETEST_NAMESPACE_TYPE_USER |
                               SPACETEST_NAMESPACE_TYPE_PID,
                               NULL, &error);

  if (sub == NULL || !spacetest_spacer_close (sub, &error))
    g_error ("subspace: %s", error->message);
}

static void
unshare_round (gpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = {
    "unshare", "-U", "-p", "-f", "-r", "--mount-proc", "true", NULL
  };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                     NULL, NULL, NULL, NULL, &status, &error))
    g_error ("unshare: %s", error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("unshare -U -p -f -r --mount-proc true: %s", error->message);
}

static void
rooms_round (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms =
    spacetest_spacer_rooms (data, SPACETEST_NAMESPACE_TYPE_NET, NULL, &error);

  if (rooms == NULL)
    g_error ("rooms: %s", error->message);
}

/* In the forked child: only async-signal-safe calls (the parent may have
 * threads). Returns the exit status. */
static int
raw_netns_child (int sock)
{
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int))];
  } control;
  char byte = 0;
  struct iovec iov = { &byte, 1 };
  struct msghdr msg = { 0, };
  struct cmsghdr *cmsg;
  int ns;

  if (unshare (CLONE_NEWNET) != 0)
    return 1;

  if (bench_loopback_up () != 0)
    return 2;

  ns = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    return 4;

  memset (&control, 0, sizeof control);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &ns, sizeof (int));
  if (sendmsg (sock, &msg, MSG_NOSIGNAL) != 1)
    return 5;
  return 0;
}

static int
receive_fd (int sock)
{
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int))];
  } control;
  char byte;
  struct iovec iov = { &byte, 1 };
  struct msghdr msg = { 0, };
  struct cmsghdr *cmsg;
  int fd = -1;

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  if (recvmsg (sock, &msg, MSG_CMSG_CLOEXEC) != 1)
    return -1;
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET &&
      cmsg->cmsg_type == SCM_RIGHTS &&
      cmsg->cmsg_len == CMSG_LEN (sizeof (int)))
    memcpy (&fd, CMSG_DATA (cmsg), sizeof (int));
  return fd;
}

static void
raw_netns_round (gpointer data)
{
  int pair[2];
  int status = 0;
  pid_t pid;
  int fd;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    g_error ("socketpair: %s", g_strerror (errno));

  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      close (pair[0]);
      _exit (raw_netns_child (pair[1]));
    }

  close (pair[1]);
  fd = receive_fd (pair[0]);
  close (pair[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      g_error ("waitpid: %s", g_strerror (errno));
  if (fd < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("raw network namespace child failed (status 0x%x)", status);
  close (fd);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpacetestSpacer) spacer = NULL;
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 200;
  gboolean root = geteuid () == 0;
  BenchVariant variants[] = {
    { "subspace+close", subspace_round, NULL, 0 },
    { "unshare-mount-proc", unshare_round, NULL, 0 },
    { "rooms-net", rooms_round, NULL, 0 },
    { "raw-netns", raw_netns_round, NULL, 0 },
  };

  if (n == 0)
    n = 1;

  /* a no-op as root; unprivileged mode otherwise */
  if (!spacetest_init_user_namespace (&error))
    g_error ("%s", error->message);

  spacer = spacetest_spacer_new (NULL, &error);
  if (spacer == NULL)
    g_error ("%s", error->message);
  variants[0].data = spacer;
  variants[2].data = spacer;

  bench_interleave (variants, G_N_ELEMENTS (variants), n);

  printf ("bench-spacer: medians of %u interleaved rounds (%s)\n", n,
          root ? "root" : "unprivileged mode");
  bench_print_medians (variants, G_N_ELEMENTS (variants));
  bench_print_ratio ("subspace/unshare-mount-proc",
                     variants[0].median, variants[1].median);
  bench_print_ratio ("rooms/raw-netns", variants[2].median, variants[3].median);

  if (!spacetest_spacer_close (spacer, &error))
    g_error ("%s", error->message);
  return 0;
}
