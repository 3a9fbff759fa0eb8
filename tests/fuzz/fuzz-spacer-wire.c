/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-spacer-wire.c: a libFuzzer target for the spacer protocol
 *
 * Each input is one request datagram. It goes through a real
 * SOCK_SEQPACKET socketpair, with file descriptors as SCM_RIGHTS when the
 * input asks for them, into the service's own receive-and-answer step
 * (_spacetest_service_serve_one(): _spacetest_wire_recv(), the dispatch,
 * _spacetest_wire_send()); the reply is read back and checked with the
 * codec's parsers, which the client uses too. The heavy actions —
 * forking a child into new namespaces for "rooms", starting a new service
 * for "subspace", running a program for "spawn" — are fakes with
 * realistic results: the fuzzer's own namespaces, its own pidfd; none
 * forks.
 *
 * Input layout:
 *   byte 0   the number of fds to attach (low four bits, 0–15; more than
 *            SPACETEST_WIRE_MAX_FDS are truncated by the kernel)
 *   byte 1   flags: FUZZ_GREETED, the fake actions' FUZZ_MODE,
 *            FUZZ_HANGUP, FUZZ_OVERSIZE
 *   rest     the datagram
 * tests/fuzz/make-seeds writes the seed corpus in this layout.
 *
 * Any crash, sanitizer report, failed check, leaked memory or leaked fd
 * (the process must have as many open fds after an input as before) ends
 * the run.
 *
 * The "fuzz" suite runs it (tests/fuzz/run-fuzzer). By hand, in a build
 * directory set up with CC=clang and -Dfuzzing=true
 * -Db_sanitize=address,undefined -Db_lundef=false, fuzz on a copy of the
 * seeds, so that the committed corpus does not grow:
 *   cp -r ../tests/fuzz/corpus my-corpus
 *   tests/fuzz/fuzz-spacer-wire -max_len=4096 -timeout=10 my-corpus
 * and replay a saved input with: tests/fuzz/fuzz-spacer-wire FILE
 */

#include "spacetest-kernel-private.h"
#include "spacetest-spacer-service-private.h"
#include "spacetest-wire-private.h"

#include "../send-datagram.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FUZZ_HEADER_SIZE 2
/* "…" in UTF-8, which ends a cut error message */
#define ELLIPSIS_SIZE 3

enum
{
  /* the service has had its "hello" already */
  FUZZ_GREETED = 1 << 0,
  /* two bits: how the fake actions behave, a FuzzMode */
  FUZZ_MODE_SHIFT = 1,
  FUZZ_MODE_MASK = 3 << FUZZ_MODE_SHIFT,
  /* the client shuts down its side after the datagram */
  FUZZ_HANGUP = 1 << 3,
  /* the datagram is padded to one byte more than a message may have */
  FUZZ_OVERSIZE = 1 << 4,
};

typedef enum
{
  /* rooms: this thread's namespaces; subspace, spawn: this process */
  FUZZ_MODE_OK,
  /* rooms: unshare() fails; subspace: the new service ends at once;
   * spawn: the program is not found */
  FUZZ_MODE_FAIL,
  /* rooms: the helper child dies; subspace: the new service is gone
   * before the service opens its pidfd; spawn: the child cannot join
   * the namespaces */
  FUZZ_MODE_GONE,
  /* rooms: the child sends fds that are not namespaces; subspace: as
   * FUZZ_MODE_OK */
  FUZZ_MODE_ODD,
} FuzzMode;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int devnull = -1;
static FuzzMode fake_mode;

/* ---- the fake actions --------------------------------------------------- */

static gboolean
fake_make_rooms (SpacetestNamespaceType   types,
                 GArray                  *fds,
                 GError                 **error)
{
  g_autoptr(GArray) made = g_array_new (FALSE, FALSE, sizeof (int));

  if (fake_mode == FUZZ_MODE_FAIL)
    {
      g_autofree char *list = _spacetest_types_describe (types);
      g_autofree char *what =
        g_strdup_printf ("create new namespaces (%s) in the spacer service",
                         list);

      _spacetest_set_error_from_errno (error, EPERM, SPACETEST_ERROR_FAILED,
                                       what);
      return FALSE;
    }
  if (fake_mode == FUZZ_MODE_GONE)
    {
      g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                           "The spacer service's helper process failed");
      return FALSE;
    }

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    {
      int fd;

      if (!(types & _spacetest_types[i]))
        continue;
      if (fake_mode == FUZZ_MODE_ODD)
        fd = fcntl (devnull, F_DUPFD_CLOEXEC, 0);
      else
        fd = _spacetest_open_thread_ns (_spacetest_types[i], error);
      if (fd < 0)
        {
          _spacetest_close_fds (made);
          if (error != NULL && *error == NULL)
            g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_FAILED,
                                 g_strerror (errno));
          return FALSE;
        }
      g_array_append_val (made, fd);
    }

  g_array_append_vals (fds, made->data, made->len);
  g_array_set_size (made, 0);
  return TRUE;
}

static pid_t
fake_spawn_service (int      clone_flags,
                    int      sock,
                    GError **error)
{
  switch (fake_mode)
    {
    case FUZZ_MODE_FAIL:
      g_set_error_literal (error, SPACETEST_ERROR,
                           SPACETEST_ERROR_SPACER_FAILED,
                           "A new spacer service ended before it started");
      return -1;
    case FUZZ_MODE_GONE:
      /* Above any pid_max: pidfd_open() fails with ESRCH. */
      return G_MAXINT32;
    case FUZZ_MODE_OK:
    case FUZZ_MODE_ODD:
    default:
      /* The service opens a pidfd and /proc/PID/ns/ files for it. */
      return getpid ();
    }
}

static pid_t
fake_spawn_program (const SpacetestWireSpawn  *spawn,
                    int                       *pidfd,
                    GError                   **error)
{
  switch (fake_mode)
    {
    case FUZZ_MODE_FAIL:
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "Cannot execute “%s”: %s", spawn->path,
                   g_strerror (ENOENT));
      return -1;
    case FUZZ_MODE_GONE:
      _spacetest_set_error_from_errno (error, EPERM, SPACETEST_ERROR_FAILED,
                                       "enter the namespaces of a new "
                                       "process");
      return -1;
    case FUZZ_MODE_OK:
    case FUZZ_MODE_ODD:
    default:
      /* no child: this process stands in for it */
      *pidfd = (int) syscall (SYS_pidfd_open, getpid (), 0);
      if (*pidfd < 0)
        {
          _spacetest_set_error_from_errno (error, errno,
                                           SPACETEST_ERROR_NOT_SUPPORTED,
                                           "open a pidfd for a new process");
          return -1;
        }
      return getpid ();
    }
}

static const SpacetestServiceActions fake_actions = {
  .make_rooms = fake_make_rooms,
  .spawn_service = fake_spawn_service,
  .spawn_program = fake_spawn_program,
};

/* ---- checks ------------------------------------------------------------- */

static int
count_open_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;
  int n = 0;

  g_assert_nonnull (dir);
  while ((entry = readdir (dir)) != NULL)
    if (entry->d_name[0] != '.')
      n++;
  closedir (dir);
  return n;
}

/* @n_fds entries, all of /dev/null: the kernel installs a new descriptor
 * for each. */
static void
send_datagram (int           sock,
               const guint8 *data,
               gsize         size,
               guint         n_fds)
{
  int fds[TU_MAX_DATAGRAM_FDS];

  g_assert_cmpuint (n_fds, <=, G_N_ELEMENTS (fds));
  for (guint i = 0; i < n_fds; i++)
    fds[i] = devnull;
  g_assert_cmpint (tu_send_datagram (sock, data, size, fds, n_fds), ==,
                   (gssize) size);
}

/* What the service ought to make of the datagram, decoded on its own
 * (not through a socket): NULL when it is no well-formed message. */
static SpacetestWireMessage *
parse_request (const guint8 *data,
               gsize         size)
{
  gboolean eof;

  return _spacetest_wire_decode (g_memdup2 (data, size), size, NULL, 0, -1,
                                 &eof, NULL);
}

static guint
n_types (guint32 types)
{
  guint n = 0;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (types & _spacetest_types[i])
      n++;
  return n;
}

static void
check_ns_fd (int                    fd,
             SpacetestNamespaceType expected)
{
  SpacetestNamespaceType type = 0;
  guint64 dev, ino;
  int errsv;

  g_assert_true (_spacetest_fd_is_ns (fd, &type, &dev, &ino, &errsv));
  g_assert_cmphex (type, ==, expected);
}

static void
check_error_reply (SpacetestWireMessage *reply)
{
  g_autoptr(GError) carried = _spacetest_wire_reply_error (reply);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (reply->fds->len, ==, 0);
  /* well-formed, and what the client makes of it */
  g_assert_nonnull (carried);
  g_assert_false (_spacetest_wire_parse_reply (reply, &error));
  g_assert_true (g_error_matches (error, carried->domain, carried->code));
  g_assert_cmpstr (error->message, ==, carried->message);
  /* a GFileError: a spawned program could not be executed */
  g_assert_true (carried->domain == SPACETEST_ERROR ||
                 carried->domain == G_FILE_ERROR);
  g_assert_cmpstr (carried->message, !=, "");
  /* bounded: at most SPACETEST_WIRE_MAX_TEXT bytes and an ellipsis */
  g_assert_cmpuint (strlen (carried->message), <=,
                    SPACETEST_WIRE_MAX_TEXT + ELLIPSIS_SIZE);
}

static void
check_rooms_reply (SpacetestWireMessage *request,
                   SpacetestWireMessage *reply)
{
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GError) error = NULL;
  SpacetestNamespaceType types = 0;
  guint n = reply->fds->len;

  g_assert_true (_spacetest_wire_parse_types (request, SPACETEST_WIRE_ROOMS,
                                              &types, NULL));
  g_assert_true (fake_mode == FUZZ_MODE_OK || fake_mode == FUZZ_MODE_ODD);

  g_assert_cmpuint (n, ==, n_types (types));
  g_assert_true (_spacetest_wire_take_rooms (reply, types, fds, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fds->len, ==, n);

  for (int i = 0, k = 0; i < SPACETEST_N_TYPES; i++)
    {
      if (!(types & _spacetest_types[i]))
        continue;
      /* each handle names the fd in its own place */
      g_assert_cmpint (g_array_index (reply->fds, int, k), ==, -1);
      if (fake_mode == FUZZ_MODE_OK)
        check_ns_fd (g_array_index (fds, int, k), _spacetest_types[i]);
      k++;
    }
  _spacetest_close_fds (fds);
}

static void
check_subspace_reply (SpacetestWireMessage *request,
                      SpacetestWireMessage *reply)
{
  g_auto(SpacetestWireSubspace) taken = SPACETEST_WIRE_SUBSPACE_INIT;
  g_autoptr(GError) error = NULL;
  SpacetestNamespaceType types = 0;
  guint expected = 2;
  struct stat st;

  g_assert_true (_spacetest_wire_parse_types (request,
                                              SPACETEST_WIRE_SUBSPACE,
                                              &types, NULL));
  g_assert_true (fake_mode == FUZZ_MODE_OK || fake_mode == FUZZ_MODE_ODD);

  g_assert_true (_spacetest_wire_take_subspace (reply, types, &taken,
                                                &error));
  g_assert_no_error (error);
  g_assert_no_errno (fstat (taken.socket, &st));
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (taken.pidfd, >=, 0);
  if (types & SPACETEST_NAMESPACE_TYPE_USER)
    {
      check_ns_fd (taken.user, SPACETEST_NAMESPACE_TYPE_USER);
      expected++;
    }
  else
    g_assert_false (g_variant_lookup (reply->params, "user", "h", NULL));
  if (types & SPACETEST_NAMESPACE_TYPE_PID)
    {
      check_ns_fd (taken.pid, SPACETEST_NAMESPACE_TYPE_PID);
      expected++;
    }
  else
    g_assert_false (g_variant_lookup (reply->params, "pid", "h", NULL));
  g_assert_cmpuint (reply->fds->len, ==, expected);
  /* every fd it carries was named once */
  for (guint i = 0; i < reply->fds->len; i++)
    g_assert_cmpint (g_array_index (reply->fds, int, i), ==, -1);
}

static void
check_spawn_reply (SpacetestWireMessage *request,
                   SpacetestWireMessage *reply,
                   SpacetestService     *service)
{
  g_autoptr(GError) error = NULL;
  GPid pid = 0;
  int pidfd = -1;

  g_assert_true (fake_mode == FUZZ_MODE_OK || fake_mode == FUZZ_MODE_ODD);
  /* the service could parse it (its fds are taken already) */
  g_assert_true (g_variant_lookup (request->params, "path", "^&ay", NULL));
  g_assert_true (_spacetest_wire_take_spawned (reply, &pid, &pidfd, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, ==, getpid ());
  g_assert_cmpint (pidfd, >=, 0);
  close (pidfd);
  g_assert_cmpuint (reply->fds->len, ==, 1);
  /* the service keeps the status pipe until the program ends */
  g_assert_nonnull (service->spawned);
  g_assert_cmpuint (service->spawned->len, ==, 1);
}

/* Checks the reply to @request (NULL: a malformed datagram), which the
 * service answered with @greeted before and @service->greeted after. */
static void
check_reply (SpacetestWireMessage *reply,
             SpacetestWireMessage *request,
             guint                 n_in_fds,
             gboolean              greeted,
             SpacetestService     *service)
{
  g_assert_cmpuint (reply->serial, ==, request ? request->serial : 0);

  if (strcmp (reply->name, "error") == 0)
    {
      check_error_reply (reply);
      g_assert_cmpint (service->greeted, ==, greeted);
      return;
    }

  g_assert_true (_spacetest_wire_parse_reply (reply, NULL));
  g_assert_nonnull (request);
  if (_spacetest_wire_get_request (request) == SPACETEST_WIRE_SPAWN)
    {
      g_assert_true (greeted);
      g_assert_cmpuint (n_in_fds, >=, 5);
      check_spawn_reply (request, reply, service);
      return;
    }
  g_assert_cmpuint (n_in_fds, ==, 0);

  switch (_spacetest_wire_get_request (request))
    {
    case SPACETEST_WIRE_HELLO:
      g_assert_true (_spacetest_wire_parse_hello (request, NULL));
      g_assert_true (_spacetest_wire_parse_hello_reply (reply, NULL));
      g_assert_true (service->greeted);
      return;
    case SPACETEST_WIRE_ROOMS:
      g_assert_true (greeted);
      g_assert_true (service->greeted);
      check_rooms_reply (request, reply);
      return;
    case SPACETEST_WIRE_SUBSPACE:
      g_assert_true (greeted);
      g_assert_true (service->greeted);
      check_subspace_reply (request, reply);
      return;
    case SPACETEST_WIRE_UNKNOWN:
    default:
      g_error ("an \"ok\" reply to a \"%s\" request", request->name);
    }
}

/* poll() without waiting, again when a signal came in between (libFuzzer
 * sends itself SIGALRM every second to watch for slow inputs). */
static int
poll_now (struct pollfd *pfd)
{
  int ret;

  do
    ret = poll (pfd, 1, 0);
  while (ret < 0 && errno == EINTR);
  return ret;
}

/* Serves what the client sent, as the service's main loop does: poll,
 * then one message per POLLIN. Returns the number of replies. */
static guint
serve (SpacetestService *service,
       gboolean          hangup_sent)
{
  guint served = 0;

  for (;;)
    {
      struct pollfd pfd = { service->sock, POLLIN | POLLRDHUP, 0 };
      gboolean hangup;

      g_assert_cmpint (poll_now (&pfd), ==, 1);
      hangup = (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
      g_assert_cmpint (hangup, ==, hangup_sent);

      if (!_spacetest_service_serve_one (service, hangup))
        {
          /* Only at the end of file: the service answers everything. */
          if (!hangup)
            g_error ("The service stopped serving before the end of file "
                     "(a reply it could not send?)");
          return served;
        }
      served++;
      if (!hangup)
        {
          /* one datagram, one reply; nothing more to read */
          g_assert_cmpint (poll_now (&pfd), ==, 0);
          return served;
        }
      g_assert_cmpuint (served, ==, 1);
    }
}

/* ---- the target --------------------------------------------------------- */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL |
                          G_LOG_LEVEL_WARNING);
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  g_assert_cmpint (devnull, >=, 0);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SpacetestWireMessage) request = NULL;
  g_autoptr(SpacetestWireMessage) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *padded = NULL;
  SpacetestService service = { 0, };
  const guint8 *datagram;
  gsize datagram_size;
  guint n_fds, flags, served;
  gboolean greeted, hangup, eof;
  int fds_before = count_open_fds ();
  int pair[2];

  if (size < FUZZ_HEADER_SIZE)
    return -1;   /* not worth adding to the corpus */

  n_fds = data[0] & 0x0f;
  flags = data[1];
  greeted = (flags & FUZZ_GREETED) != 0;
  hangup = (flags & FUZZ_HANGUP) != 0;
  fake_mode = (flags & FUZZ_MODE_MASK) >> FUZZ_MODE_SHIFT;
  datagram = data + FUZZ_HEADER_SIZE;
  datagram_size = size - FUZZ_HEADER_SIZE;
  if (flags & FUZZ_OVERSIZE)
    {
      padded = g_malloc0 (SPACETEST_WIRE_MAX_SIZE + 1);
      memcpy (padded, datagram, MIN (datagram_size, SPACETEST_WIRE_MAX_SIZE));
      datagram = padded;
      datagram_size = SPACETEST_WIRE_MAX_SIZE + 1;
    }
  if (n_fds <= SPACETEST_WIRE_MAX_FDS)
    request = parse_request (datagram, datagram_size);

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
                                 pair));
  g_assert_no_errno (fcntl (pair[0], F_SETFL, O_NONBLOCK));
  send_datagram (pair[0], datagram, datagram_size, n_fds);
  if (hangup)
    g_assert_no_errno (shutdown (pair[0], SHUT_WR));

  service.sock = pair[1];
  service.greeted = greeted;
  service.subservices = g_array_new (FALSE, FALSE, sizeof (pid_t));
  service.actions = &fake_actions;

  served = serve (&service, hangup);

  /* An empty datagram just before the hang-up looks like the end of
   * file; every other datagram has its reply. */
  if (datagram_size == 0 && n_fds == 0 && hangup)
    g_assert_cmpuint (served, ==, 0);
  else
    g_assert_cmpuint (served, ==, 1);

  if (served > 0)
    {
      reply = _spacetest_wire_recv (pair[0], &eof, &error);
      g_assert_no_error (error);
      g_assert_nonnull (reply);
      check_reply (reply, request, n_fds, greeted, &service);
      g_clear_pointer (&reply, _spacetest_wire_message_free);
    }

  g_array_unref (service.subservices);   /* fake pids: nothing to reap */
  if (service.spawned != NULL)
    {
      /* nothing to reap either; the status pipes are closed unused */
      for (guint i = 0; i < service.spawned->len; i++)
        close (g_array_index (service.spawned, SpacetestSpawned,
                              i).status_fd);
      g_array_unref (service.spawned);
    }
  close (pair[0]);
  close (pair[1]);

  if (count_open_fds () != fds_before)
    {
      fprintf (stderr, "fuzz-spacer-wire: %d fds open before the input, "
               "%d after it\n", fds_before, count_open_fds ());
      abort ();
    }
  return 0;
}
