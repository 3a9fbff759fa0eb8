/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-wire-private.h: the spacer protocol, shared by the client and
 * the spacetest-spacer service
 *
 * One message per SOCK_SEQPACKET datagram: a serialised GVariant of type
 * (usa{sv}) — serial, name, parameters — with file descriptors as
 * SCM_RIGHTS, referenced from the parameters by handle ('h') index.
 *
 * Requests:  "hello"    {version: u}
 *            "rooms"    {types: u}
 *            "subspace" {types: u}
 * Replies carry the request's serial and are named "ok" or "error":
 *            "ok"       hello: {version: u}
 *                       rooms: {namespaces: ah}
 *                       subspace: {socket: h, pidfd: h, user: h?, pid: h?}
 *            "error"    {domain: s, code: i, message: s}
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SPACETEST_WIRE_VERSION 1
#define SPACETEST_WIRE_TYPE "(usa{sv})"
/* Large enough for the largest reply (six rooms, or a subspace's four). */
#define SPACETEST_WIRE_MAX_FDS 8
#define SPACETEST_WIRE_MAX_SIZE 4096
/* The longest message text an error reply carries, in bytes. */
#define SPACETEST_WIRE_MAX_TEXT 1024

gboolean  _spacetest_wire_send (int            fd,
                                GVariant      *message,
                                const int     *fds,
                                guint          n_fds,
                                GError       **error);

/* Receives one message. Returns NULL with @error set, or NULL with
 * *@eof TRUE at end of file. Received fds are returned in *@fds_out (the
 * caller owns them); on every error path they are closed. */
GVariant *_spacetest_wire_recv (int            fd,
                                GArray       **fds_out,
                                gboolean      *eof,
                                GError       **error);

void      _spacetest_close_fds (GArray        *fds);

G_END_DECLS
