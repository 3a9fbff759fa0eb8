/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-wire.c: the spacer protocol's messages */

#include "spacetest-private.h"
#include "spacetest-wire-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void
_spacetest_close_fds (GArray *fds)
{
  if (fds == NULL)
    return;
  for (guint i = 0; i < fds->len; i++)
    if (g_array_index (fds, int, i) >= 0)
      close (g_array_index (fds, int, i));
  g_array_set_size (fds, 0);
}

gboolean
_spacetest_wire_send (int         fd,
                      GVariant   *message,
                      const int  *fds,
                      guint       n_fds,
                      GError    **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (message);
  union {
    char buf[CMSG_SPACE (sizeof (int) * SPACETEST_WIRE_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov;
  struct msghdr msg = { 0, };
  gsize size = g_variant_get_size (owned);
  ssize_t sent;

  g_return_val_if_fail (n_fds <= SPACETEST_WIRE_MAX_FDS, FALSE);

  if (size > SPACETEST_WIRE_MAX_SIZE)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Spacer message of %zu bytes is too large"), (size_t) size);
      return FALSE;
    }

  iov.iov_base = (void *) g_variant_get_data (owned);
  iov.iov_len = size;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;

  if (n_fds > 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE (sizeof (int) * n_fds);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int) * n_fds);
      memcpy (CMSG_DATA (cmsg), fds, sizeof (int) * n_fds);
    }

  do
    sent = sendmsg (fd, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);

  if (sent < 0)
    {
      int errsv = errno;

      g_set_error (error, SPACETEST_ERROR,
                   errsv == EPIPE || errsv == ECONNRESET
                     ? SPACETEST_ERROR_SPACER_FAILED : SPACETEST_ERROR_PROTOCOL,
                   _("Cannot send a message to the spacer service: %s"),
                   g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

/* EMFILE or ENFILE when no descriptor can be opened now, else 0; @fd is
 * any open descriptor. */
static int
fd_table_full (int fd)
{
  int probe = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  int errsv = errno;

  if (probe >= 0)
    {
      close (probe);
      return 0;
    }
  return errsv == EMFILE || errsv == ENFILE ? errsv : 0;
}

GVariant *
_spacetest_wire_recv (int        fd,
                      GArray   **fds_out,
                      gboolean  *eof,
                      GError   **error)
{
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  union {
    char buf[CMSG_SPACE (sizeof (int) * SPACETEST_WIRE_MAX_FDS)];
    struct cmsghdr align;
  } control;
  g_autofree char *data = g_malloc (SPACETEST_WIRE_MAX_SIZE);
  struct iovec iov = { data, SPACETEST_WIRE_MAX_SIZE };
  struct msghdr msg = { 0, };
  struct cmsghdr *cmsg;
  GVariant *message;
  ssize_t len;

  *eof = FALSE;
  *fds_out = NULL;

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;

  do
    len = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  while (len < 0 && errno == EINTR);

  if (len < 0)
    {
      int errsv = errno;

      /* The peer is gone with a message of ours unread: for a
       * SOCK_SEQPACKET socket that is ECONNRESET rather than end of file,
       * but it means the same. */
      if (errsv == ECONNRESET)
        {
          *eof = TRUE;
          return NULL;
        }

      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Cannot receive a message from the spacer: %s"),
                   g_strerror (errsv));
      return NULL;
    }

  /* Collect every fd first, so that each error path below closes them. */
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        gsize n = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);
        const int *p = (const int *) CMSG_DATA (cmsg);

        for (gsize i = 0; i < n; i++)
          {
            int received;

            memcpy (&received, p + i, sizeof received);
            g_array_append_val (fds, received);
          }
      }

  if (len == 0 && fds->len == 0)
    {
      *eof = TRUE;
      return NULL;
    }

  if (msg.msg_flags & MSG_CTRUNC)
    {
      /* The kernel also truncates when it cannot install the fds it
       * carries: with fewer than fit in the buffer, ask it why. */
      int errsv = fds->len < SPACETEST_WIRE_MAX_FDS ? fd_table_full (fd) : 0;

      _spacetest_close_fds (fds);
      if (errsv != 0)
        _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                         _("receive file descriptors from the "
                                           "spacer service"));
      else
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                     _("A spacer message carried more than %d file "
                       "descriptors"), SPACETEST_WIRE_MAX_FDS);
      return NULL;
    }

  if (msg.msg_flags & MSG_TRUNC)
    {
      _spacetest_close_fds (fds);
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("A spacer message was larger than %d bytes"),
                   SPACETEST_WIRE_MAX_SIZE);
      return NULL;
    }

  {
    char *raw = g_steal_pointer (&data);

    message = g_variant_new_from_data (G_VARIANT_TYPE (SPACETEST_WIRE_TYPE),
                                       raw, len, FALSE, g_free, raw);
    g_variant_ref_sink (message);
  }
  if (!g_variant_is_normal_form (message))
    {
      g_variant_unref (message);
      _spacetest_close_fds (fds);
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Malformed spacer message of %zd bytes"), len);
      return NULL;
    }

  *fds_out = g_steal_pointer (&fds);
  return message;
}
