/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* send-datagram.c: see send-datagram.h */

#include "send-datagram.h"

#include <string.h>
#include <sys/socket.h>

gssize
tu_send_datagram (int         sock,
                  const void *data,
                  gsize       len,
                  const int  *fds,
                  guint       n_fds)
{
  union {
    char buf[CMSG_SPACE (sizeof (int) * TU_MAX_DATAGRAM_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { (void *) data, len };
  struct msghdr msg = { 0, };

  g_assert_cmpuint (n_fds, <=, TU_MAX_DATAGRAM_FDS);
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
  return sendmsg (sock, &msg, MSG_NOSIGNAL);
}
