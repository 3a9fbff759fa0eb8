/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* send-datagram.h: one raw datagram with descriptors, for the tests and
 * the fuzz target, which bypass the library's codec on purpose (a fault
 * of the library's sender must not be hidden by sharing it) */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sends one datagram of @len bytes of @data on @sock with @n_fds (at most
 * TU_MAX_DATAGRAM_FDS) descriptors as SCM_RIGHTS, bypassing every check
 * of the library's codec; returns what sendmsg() returns. @fds may name
 * one descriptor several times (the kernel installs a new one for each
 * entry). */
#define TU_MAX_DATAGRAM_FDS 16
gssize   tu_send_datagram       (int          sock,
                                 const void  *data,
                                 gsize        len,
                                 const int   *fds,
                                 guint        n_fds);

G_END_DECLS
