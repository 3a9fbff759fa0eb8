/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-spacer-service.c: the spacetest-spacer service's request
 * dispatch
 *
 * Decodes one request, checks it (version handshake, serial, unexpected
 * fds, unknown names, namespace types), carries it out through the
 * service's actions and sends the reply. The program around it is in
 * spacetest-spacer-main.c; the fuzz target in tests/fuzz/ links this file
 * with fake actions.
 */

#include "spacetest-kernel-private.h"
#include "spacetest-spacer-service-private.h"
#include "spacetest-wire-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A copy of @text short enough for any reply: a message may quote what a
 * client sent, and a reply too large to send would leave it unanswered. */
static char *
bounded_text (const char *text)
{
  const char *end;

  if (strlen (text) <= SPACETEST_WIRE_MAX_TEXT)
    return g_strdup (text);

  /* Cut at a character boundary: GVariant strings are UTF-8. */
  end = g_utf8_find_prev_char (text, text + SPACETEST_WIRE_MAX_TEXT + 1);
  return g_strdup_printf ("%.*s…", (int) (end - text), text);
}

GVariant *
_spacetest_service_error_reply (guint32       serial,
                                const GError *error)
{
  const char *domain = g_quark_to_string (error->domain);
  char *text = bounded_text (error->message);
  GVariantBuilder params;

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "domain",
                         g_variant_new_string (domain));
  g_variant_builder_add (&params, "{sv}", "code",
                         g_variant_new_int32 (error->code));
  g_variant_builder_add (&params, "{sv}", "message",
                         g_variant_new_take_string (text));
  return g_variant_new ("(usa{sv})", serial, "error", &params);
}

static gboolean
get_types (GVariant                *params,
           SpacetestNamespaceType   allowed,
           const char              *request,
           SpacetestNamespaceType  *types,
           GError                 **error)
{
  guint32 value;

  if (!g_variant_lookup (params, "types", "u", &value))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Spacer request '%s' without namespace types"), request);
      return FALSE;
    }

  if (value == 0 || (value & ~(guint32) allowed) != 0)
    {
      g_autofree char *got = _spacetest_types_describe (value);
      g_autofree char *ok = _spacetest_types_describe (allowed);

      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                   _("Spacer request '%s' takes one or more of %s, not %s"),
                   request, ok, got);
      return FALSE;
    }

  *types = value;
  return TRUE;
}

static GVariant *
handle_rooms (SpacetestService  *service,
              guint32            serial,
              GVariant          *params,
              GArray            *fds,
              GError           **error)
{
  SpacetestNamespaceType types;
  GVariantBuilder handles;
  GVariantBuilder reply;

  if (!get_types (params, SPACETEST_ROOM_TYPES, "rooms", &types, error) ||
      !service->actions->make_rooms (types, fds, error))
    return NULL;

  g_variant_builder_init (&handles, G_VARIANT_TYPE ("ah"));
  for (guint i = 0; i < fds->len; i++)
    g_variant_builder_add (&handles, "h", (gint32) i);
  g_variant_builder_init (&reply, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&reply, "{sv}", "namespaces",
                         g_variant_builder_end (&handles));

  return g_variant_new ("(usa{sv})", serial, "ok", &reply);
}

static int
open_child_ns (pid_t        pid,
               const char  *name,
               GError     **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, name);
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      g_autofree char *what = g_strdup_printf (_("open '%s'"), path);
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       what);
    }
  return fd;
}

static GVariant *
handle_subspace (SpacetestService  *service,
                 guint32            serial,
                 GVariant          *params,
                 GArray            *fds,
                 GError           **error)
{
  SpacetestNamespaceType types;
  GVariantBuilder reply;
  int pair[2];
  int flags = 0;
  int fd;
  pid_t pid;

  if (!get_types (params, SPACETEST_SUBSPACE_TYPES, "subspace", &types, error))
    return NULL;

  if (types & SPACETEST_NAMESPACE_TYPE_USER)
    flags |= CLONE_NEWUSER;
  /* PID 1 of the new PID namespace mounts its own /proc: in a mount
   * namespace of its own. */
  if (types & SPACETEST_NAMESPACE_TYPE_PID)
    flags |= CLONE_NEWPID | CLONE_NEWNS;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    {
      _spacetest_set_error_from_errno (error, errno, SPACETEST_ERROR_FAILED,
                                       _("create a socket for a new spacer"));
      return NULL;
    }

  pid = service->actions->spawn_service (flags, pair[1], error);
  if (pid == 0)
    {
      /* The new service: what is left of the request is its parent's. */
      service->reborn = TRUE;
      return NULL;
    }
  close (pair[1]);
  if (pid < 0)
    {
      close (pair[0]);
      return NULL;
    }
  g_array_append_val (service->subservices, pid);

  g_variant_builder_init (&reply, G_VARIANT_TYPE_VARDICT);
  g_array_append_val (fds, pair[0]);
  g_variant_builder_add (&reply, "{sv}", "socket", g_variant_new_handle (0));

  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    {
      _spacetest_set_error_from_errno (error, errno,
                                       SPACETEST_ERROR_NOT_SUPPORTED,
                                       _("open a pidfd for a new spacer"));
      goto fail;
    }
  g_array_append_val (fds, fd);
  g_variant_builder_add (&reply, "{sv}", "pidfd",
                         g_variant_new_handle (fds->len - 1));

  if (types & SPACETEST_NAMESPACE_TYPE_USER)
    {
      if ((fd = open_child_ns (pid, "user", error)) < 0)
        goto fail;
      g_array_append_val (fds, fd);
      g_variant_builder_add (&reply, "{sv}", "user",
                             g_variant_new_handle (fds->len - 1));
    }
  if (types & SPACETEST_NAMESPACE_TYPE_PID)
    {
      if ((fd = open_child_ns (pid, "pid", error)) < 0)
        goto fail;
      g_array_append_val (fds, fd);
      g_variant_builder_add (&reply, "{sv}", "pid",
                             g_variant_new_handle (fds->len - 1));
    }

  return g_variant_new ("(usa{sv})", serial, "ok", &reply);

fail:
  g_variant_builder_clear (&reply);
  _spacetest_close_fds (fds);   /* the new service sees EOF and ends */
  return NULL;
}

gboolean
_spacetest_service_serve_one (SpacetestService *service,
                              gboolean          hangup)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) message = NULL;
  g_autoptr(GArray) in_fds = NULL;
  g_autoptr(GArray) out_fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GVariant) params = NULL;
  GVariant *reply = NULL;
  const char *name;
  guint32 serial;
  gboolean eof;

  message = _spacetest_wire_recv (service->sock, &in_fds, &eof, &error);
  if (message == NULL && eof && hangup)
    return FALSE;
  if (message == NULL && eof)
    g_set_error (&error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                 _("Empty spacer message"));

  if (message == NULL)
    {
      /* A malformed datagram: answer it (serial 0), keep serving. */
      reply = _spacetest_service_error_reply (0, error);
      return _spacetest_wire_send (service->sock, reply, NULL, 0, NULL);
    }

  g_variant_get (message, "(u&s@a{sv})", &serial, &name, &params);

  if (in_fds->len > 0)
    {
      _spacetest_close_fds (in_fds);
      g_set_error (&error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Spacer request '%s' carried unexpected file descriptors"),
                   name);
    }
  else if (!service->greeted && strcmp (name, "hello") != 0)
    g_set_error (&error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                 _("Spacer request '%s' before the version handshake"), name);
  else if (strcmp (name, "hello") == 0)
    {
      guint32 version = 0;

      if (!g_variant_lookup (params, "version", "u", &version) ||
          version != SPACETEST_WIRE_VERSION)
        {
          g_set_error (&error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                       _("Spacer protocol version mismatch: the client speaks "
                         "%u, the service %d"),
                       version, SPACETEST_WIRE_VERSION);
        }
      else
        {
          GVariantBuilder params_out;

          service->greeted = TRUE;
          g_variant_builder_init (&params_out, G_VARIANT_TYPE_VARDICT);
          g_variant_builder_add (&params_out, "{sv}", "version",
                                 g_variant_new_uint32 (SPACETEST_WIRE_VERSION));
          reply = g_variant_new ("(usa{sv})", serial, "ok", &params_out);
        }
    }
  else if (strcmp (name, "rooms") == 0)
    reply = handle_rooms (service, serial, params, out_fds, &error);
  else if (strcmp (name, "subspace") == 0)
    reply = handle_subspace (service, serial, params, out_fds, &error);
  else
    g_set_error (&error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                 _("Unknown spacer request '%s'"), name);

  if (service->reborn)
    return TRUE;

  if (reply == NULL)
    reply = _spacetest_service_error_reply (serial, error);

  gboolean sent = _spacetest_wire_send (service->sock, reply,
                                        (const int *) out_fds->data,
                                        out_fds->len, NULL);
  _spacetest_close_fds (out_fds);
  return sent;
}
