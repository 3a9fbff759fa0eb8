/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
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
 *            "spawn"    {path: ay, argv: aay, envp: aay, cwd: h,
 *                        stdin: h, stdout: h, stderr: h, status: h,
 *                        namespaces: ah, sigmask: t?, sigignore: t?}
 * Replies carry the request's serial and are named "ok" or "error":
 *            "ok"       hello: {version: u}
 *                       rooms: {namespaces: ah}
 *                       subspace: {socket: h, pidfd: h, user: h?, pid: h?}
 *                       spawn: {pid: i, pidfd: h}
 *            "error"    {domain: s, code: i, message: s}
 *
 * spacetest-wire.c builds and parses every message; nothing else knows
 * their layout. It also moves them over a socket for the helper, with
 * raw sendmsg()/recvmsg(); the client moves them with GSocket and hands
 * what it received to _spacetest_wire_decode().
 */

#pragma once

#include <glib.h>

#include "spacetest-types.h"
#include "spacetest-util-private.h"

G_BEGIN_DECLS

#define SPACETEST_WIRE_VERSION 1
#define SPACETEST_WIRE_TYPE "(usa{sv})"
/* Large enough for the largest message: a spawn request's eleven (a
 * working directory, three for stdio, a status pipe, six namespaces). */
#define SPACETEST_WIRE_MAX_FDS 12
/* A spawn request carries a whole argument vector and environment. */
#define SPACETEST_WIRE_MAX_SIZE (128 * 1024)
/* The namespaces a spawned process may join (SPACETEST_ROOM_TYPES). */
#define SPACETEST_WIRE_MAX_SPAWN_NS 6
/* The longest message text an error reply carries, in bytes. */
#define SPACETEST_WIRE_MAX_TEXT 1024

/* What each request may ask for. */
typedef enum
{
  SPACETEST_WIRE_UNKNOWN,
  SPACETEST_WIRE_HELLO,
  SPACETEST_WIRE_ROOMS,
  SPACETEST_WIRE_SUBSPACE,
  SPACETEST_WIRE_SPAWN,
} SpacetestWireRequest;

/* A received message. Its descriptors belong to it until taken. */
typedef struct
{
  GVariant *variant;     /* (usa{sv}), in normal form */
  guint32 serial;
  const char *name;      /* in @variant */
  GVariant *params;      /* a{sv} */
  GArray *fds;           /* of int; -1 where one was taken */
} SpacetestWireMessage;

/* The descriptors of a subspace reply; -1 for those it lacks. */
typedef struct
{
  int socket;
  int pidfd;
  int user;
  int pid;
} SpacetestWireSubspace;

#define SPACETEST_WIRE_SUBSPACE_INIT { -1, -1, -1, -1 }

/* What a spawn request asks for: a program executed by a child of the
 * service, in the namespaces given (joined in this order, a mount
 * namespace last), with these descriptors. Signal sets have bit N-1 for
 * signal N. Built from borrowed strings and fds; parsed into owned ones
 * (_spacetest_wire_spawn_clear() frees them). */
typedef struct
{
  char *path;            /* absolute */
  char **argv;           /* at least argv[0] */
  char **envp;
  guint64 sigmask;       /* blocked */
  guint64 sigignore;     /* ignored */
  int cwd;               /* a directory (O_PATH will do) */
  int stdio[3];
  int status;            /* the write end of the status pipe */
  int namespaces[SPACETEST_WIRE_MAX_SPAWN_NS];
  guint n_namespaces;
} SpacetestWireSpawn;

#define SPACETEST_WIRE_SPAWN_INIT \
  { NULL, NULL, NULL, 0, 0, -1, { -1, -1, -1 }, -1, \
    { -1, -1, -1, -1, -1, -1 }, 0 }

/* ---- building ----------------------------------------------------------- */

GVariant *_spacetest_wire_request        (guint32                  serial,
                                          SpacetestWireRequest     request,
                                          SpacetestNamespaceType   types);
GVariant *_spacetest_wire_hello_reply    (guint32                  serial);
/* Handles 0 to @n_rooms - 1, the fds sent with the reply. */
GVariant *_spacetest_wire_rooms_reply    (guint32                  serial,
                                          guint                    n_rooms);
/* Handles in the order of the fds sent with the reply: socket, pidfd,
 * then user and pid as @types has them. */
GVariant *_spacetest_wire_subspace_reply (guint32                  serial,
                                          SpacetestNamespaceType   types);
GVariant *_spacetest_wire_error_reply    (guint32                  serial,
                                          const GError            *error);
/* Appends the fds of @spawn to @fds, in the order of their handles. */
GVariant *_spacetest_wire_spawn_request  (guint32                  serial,
                                          const SpacetestWireSpawn *spawn,
                                          GArray                  *fds);
/* Handle 0: the pidfd sent with the reply. */
GVariant *_spacetest_wire_spawn_reply    (guint32                  serial,
                                          gint32                   pid);

/* ---- parsing ------------------------------------------------------------ */

/* Takes @data (g_malloc()ed, @len bytes) and @fds (an array of int, or
 * NULL), as received with @msg_flags on socket @sock (any open fd: it
 * tells why descriptors went missing; -1 when there is no socket).
 * Returns the message, or NULL with *@eof TRUE at end of file, or NULL
 * with @error set; every fd is closed on every error path. */
SpacetestWireMessage *_spacetest_wire_decode (char         *data,
                                              gsize         len,
                                              GArray       *fds,
                                              int           msg_flags,
                                              int           sock,
                                              gboolean     *eof,
                                              GError      **error);
void      _spacetest_wire_message_free   (SpacetestWireMessage    *message);

const char *_spacetest_wire_request_name (SpacetestWireRequest     request);
SpacetestWireRequest _spacetest_wire_get_request
                                         (SpacetestWireMessage    *message);

/* Whether @types is a valid set for @request; @operation names the
 * public function that was called, or NULL for a request that a service
 * received. */
gboolean  _spacetest_wire_check_types    (SpacetestWireRequest     request,
                                          SpacetestNamespaceType   types,
                                          const char              *operation,
                                          GError                 **error);

/* Requests, in the service. */
gboolean  _spacetest_wire_parse_hello    (SpacetestWireMessage    *message,
                                          GError                 **error);
gboolean  _spacetest_wire_parse_types    (SpacetestWireMessage    *message,
                                          SpacetestWireRequest     request,
                                          SpacetestNamespaceType  *types,
                                          GError                 **error);

/* Takes what a spawn request asks for into @spawn, which the caller
 * clears; on failure takes nothing. */
gboolean  _spacetest_wire_take_spawn     (SpacetestWireMessage    *message,
                                          SpacetestWireSpawn      *spawn,
                                          GError                 **error);
void      _spacetest_wire_spawn_clear    (SpacetestWireSpawn      *spawn);

/* Replies. FALSE with the error an "error" reply carries, or with
 * SPACETEST_ERROR_PROTOCOL for anything but "ok". */
gboolean  _spacetest_wire_parse_reply    (SpacetestWireMessage    *message,
                                          GError                 **error);
/* The error an "error" reply carries; NULL when it is malformed. */
GError   *_spacetest_wire_reply_error    (SpacetestWireMessage    *message);
gboolean  _spacetest_wire_parse_hello_reply (SpacetestWireMessage *message,
                                             GError              **error);
/* Takes the fds of a rooms reply to @types into @fds, in canonical
 * order; on failure takes nothing. */
gboolean  _spacetest_wire_take_rooms     (SpacetestWireMessage    *message,
                                          SpacetestNamespaceType   types,
                                          GArray                  *fds,
                                          GError                 **error);
/* Takes the fds of a subspace reply to @types into @subspace, which
 * the caller clears; on failure takes nothing. */
gboolean  _spacetest_wire_take_subspace  (SpacetestWireMessage    *message,
                                          SpacetestNamespaceType   types,
                                          SpacetestWireSubspace   *subspace,
                                          GError                 **error);
void      _spacetest_wire_subspace_clear (SpacetestWireSubspace   *subspace);
/* The pid and (taken) pidfd of a spawn reply. */
gboolean  _spacetest_wire_take_spawned   (SpacetestWireMessage    *message,
                                          GPid                    *pid,
                                          int                     *pidfd,
                                          GError                 **error);

/* ---- moving messages over a socket (the helper) ------------------------- */

gboolean  _spacetest_wire_send           (int                      fd,
                                          GVariant                *message,
                                          const int               *fds,
                                          guint                    n_fds,
                                          GError                 **error);
/* Receives one message, as _spacetest_wire_decode() returns it. */
SpacetestWireMessage *_spacetest_wire_recv (int                    fd,
                                            gboolean              *eof,
                                            GError               **error);

/* Takes @message (floating or not) and returns its bytes, or NULL when
 * it is too large to send. */
GBytes   *_spacetest_wire_to_bytes       (GVariant                *message,
                                          GError                 **error);

/* EMFILE or ENFILE when no descriptor can be opened now, else 0; @fd is
 * any open descriptor. */
int       _spacetest_wire_fd_table_full  (int                      fd);
void      _spacetest_close_fds           (GArray                  *fds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpacetestWireMessage,
                               _spacetest_wire_message_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpacetestWireSubspace,
                                  _spacetest_wire_subspace_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpacetestWireSpawn,
                                  _spacetest_wire_spawn_clear)

G_END_DECLS
