/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-wire.c: the spacer protocol's messages
 *
 * Every message of the protocol is built and parsed here, for the client
 * (spacetest-spacer.c), the service (spacetest-spacer-service.c) and the
 * helper program around it; see spacetest-wire-private.h for the format.
 */

#include "spacetest-kernel-private.h"
#include "spacetest-wire-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char * const request_names[] = {
  [SPACETEST_WIRE_UNKNOWN] = NULL,
  [SPACETEST_WIRE_HELLO] = "hello",
  [SPACETEST_WIRE_ROOMS] = "rooms",
  [SPACETEST_WIRE_SUBSPACE] = "subspace",
  [SPACETEST_WIRE_SPAWN] = "spawn",
};

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

int
_spacetest_wire_fd_table_full (int fd)
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

/* ---- building ----------------------------------------------------------- */

static GVariant *
message_new (guint32          serial,
             const char      *name,
             GVariantBuilder *params)
{
  return g_variant_new (SPACETEST_WIRE_TYPE, serial, name, params);
}

const char *
_spacetest_wire_request_name (SpacetestWireRequest request)
{
  g_return_val_if_fail (request < G_N_ELEMENTS (request_names), NULL);

  return request_names[request];
}

GVariant *
_spacetest_wire_request (guint32                 serial,
                         SpacetestWireRequest    request,
                         SpacetestNamespaceType  types)
{
  GVariantBuilder params;

  g_return_val_if_fail (request != SPACETEST_WIRE_UNKNOWN &&
                        request != SPACETEST_WIRE_SPAWN, NULL);

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  if (request == SPACETEST_WIRE_HELLO)
    g_variant_builder_add (&params, "{sv}", "version",
                           g_variant_new_uint32 (SPACETEST_WIRE_VERSION));
  else
    g_variant_builder_add (&params, "{sv}", "types",
                           g_variant_new_uint32 (types));
  return message_new (serial, request_names[request], &params);
}

GVariant *
_spacetest_wire_hello_reply (guint32 serial)
{
  GVariantBuilder params;

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "version",
                         g_variant_new_uint32 (SPACETEST_WIRE_VERSION));
  return message_new (serial, "ok", &params);
}

GVariant *
_spacetest_wire_rooms_reply (guint32 serial,
                             guint   n_rooms)
{
  GVariantBuilder handles;
  GVariantBuilder params;

  g_variant_builder_init (&handles, G_VARIANT_TYPE ("ah"));
  for (guint i = 0; i < n_rooms; i++)
    g_variant_builder_add (&handles, "h", (gint32) i);
  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "namespaces",
                         g_variant_builder_end (&handles));
  return message_new (serial, "ok", &params);
}

GVariant *
_spacetest_wire_subspace_reply (guint32                serial,
                                SpacetestNamespaceType types)
{
  GVariantBuilder params;
  gint32 handle = 0;

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "socket",
                         g_variant_new_handle (handle++));
  g_variant_builder_add (&params, "{sv}", "pidfd",
                         g_variant_new_handle (handle++));
  if (types & SPACETEST_NAMESPACE_TYPE_USER)
    g_variant_builder_add (&params, "{sv}", "user",
                           g_variant_new_handle (handle++));
  if (types & SPACETEST_NAMESPACE_TYPE_PID)
    g_variant_builder_add (&params, "{sv}", "pid",
                           g_variant_new_handle (handle++));
  return message_new (serial, "ok", &params);
}

static gint32
add_fd (GArray *fds,
        int     fd)
{
  g_array_append_val (fds, fd);
  return (gint32) fds->len - 1;
}

GVariant *
_spacetest_wire_spawn_request (guint32                   serial,
                               const SpacetestWireSpawn *spawn,
                               GArray                   *fds)
{
  static const char *const stdio_keys[] = { "stdin", "stdout", "stderr" };
  const char *const no_env[] = { NULL };
  GVariantBuilder params;
  GVariantBuilder handles;

  g_return_val_if_fail (spawn->path != NULL && spawn->argv != NULL, NULL);
  g_return_val_if_fail (spawn->n_namespaces <= SPACETEST_WIRE_MAX_SPAWN_NS,
                        NULL);

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "path",
                         g_variant_new_bytestring (spawn->path));
  g_variant_builder_add (&params, "{sv}", "argv",
                         g_variant_new_bytestring_array (
                           (const char * const *) spawn->argv, -1));
  g_variant_builder_add (&params, "{sv}", "envp",
                         g_variant_new_bytestring_array (
                           spawn->envp != NULL
                             ? (const char * const *) spawn->envp : no_env,
                           -1));
  g_variant_builder_add (&params, "{sv}", "sigmask",
                         g_variant_new_uint64 (spawn->sigmask));
  g_variant_builder_add (&params, "{sv}", "sigignore",
                         g_variant_new_uint64 (spawn->sigignore));
  g_variant_builder_add (&params, "{sv}", "cwd",
                         g_variant_new_handle (add_fd (fds, spawn->cwd)));
  for (int i = 0; i < 3; i++)
    g_variant_builder_add (&params, "{sv}", stdio_keys[i],
                           g_variant_new_handle (add_fd (fds,
                                                         spawn->stdio[i])));
  g_variant_builder_add (&params, "{sv}", "status",
                         g_variant_new_handle (add_fd (fds, spawn->status)));
  g_variant_builder_init (&handles, G_VARIANT_TYPE ("ah"));
  for (guint i = 0; i < spawn->n_namespaces; i++)
    g_variant_builder_add (&handles, "h", add_fd (fds, spawn->namespaces[i]));
  g_variant_builder_add (&params, "{sv}", "namespaces",
                         g_variant_builder_end (&handles));
  return message_new (serial, request_names[SPACETEST_WIRE_SPAWN], &params);
}

GVariant *
_spacetest_wire_spawn_reply (guint32 serial,
                             gint32  pid)
{
  GVariantBuilder params;

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "pid", g_variant_new_int32 (pid));
  g_variant_builder_add (&params, "{sv}", "pidfd", g_variant_new_handle (0));
  return message_new (serial, "ok", &params);
}

/* A copy of @text short enough for any reply: a message may quote what a
 * client sent, and a reply too large to send would leave it unanswered.
 * Valid UTF-8 too, which a GVariant string must be: a message may quote
 * a file name in another encoding (a spawn request's path). */
static char *
bounded_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  const char *end;

  if (strlen (valid) <= SPACETEST_WIRE_MAX_TEXT)
    return g_steal_pointer (&valid);

  /* Cut at a character boundary. */
  end = g_utf8_find_prev_char (valid, valid + SPACETEST_WIRE_MAX_TEXT + 1);
  return g_strdup_printf ("%.*s…", (int) (end - valid), valid);
}

GVariant *
_spacetest_wire_error_reply (guint32       serial,
                             const GError *error)
{
  const char *domain = g_quark_to_string (error->domain);
  GVariantBuilder params;

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "domain",
                         g_variant_new_string (domain));
  g_variant_builder_add (&params, "{sv}", "code",
                         g_variant_new_int32 (error->code));
  g_variant_builder_add (&params, "{sv}", "message",
                         g_variant_new_take_string (
                           bounded_text (error->message)));
  return message_new (serial, "error", &params);
}

/* ---- parsing ------------------------------------------------------------ */

void
_spacetest_wire_message_free (SpacetestWireMessage *message)
{
  if (message == NULL)
    return;
  g_variant_unref (message->params);
  g_variant_unref (message->variant);
  _spacetest_close_fds (message->fds);
  g_array_unref (message->fds);
  g_free (message);
}

/* Whether a received message is whole: FALSE, with the reason, when it
 * lost descriptors or bytes on the way, or has more than it may. */
static gboolean
check_complete (gsize     len,
                GArray   *fds,
                int       msg_flags,
                int       sock,
                GError  **error)
{
  if ((msg_flags & MSG_CTRUNC) || fds->len > SPACETEST_WIRE_MAX_FDS)
    {
      /* The kernel also truncates when it cannot install the fds it
       * carries: with fewer than a message may have, ask it why. */
      int errsv = 0;

      if ((msg_flags & MSG_CTRUNC) && fds->len < SPACETEST_WIRE_MAX_FDS &&
          sock >= 0)
        errsv = _spacetest_wire_fd_table_full (sock);
      if (errsv != 0)
        _spacetest_set_error_from_errno (error, errsv, SPACETEST_ERROR_FAILED,
                                         _("receive file descriptors from the "
                                           "spacer service"));
      else
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                     _("A spacer message carried more than %d file "
                       "descriptors"), SPACETEST_WIRE_MAX_FDS);
      return FALSE;
    }

  if ((msg_flags & MSG_TRUNC) || len > SPACETEST_WIRE_MAX_SIZE)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("A spacer message was larger than %d bytes"),
                   SPACETEST_WIRE_MAX_SIZE);
      return FALSE;
    }

  return TRUE;
}

SpacetestWireMessage *
_spacetest_wire_decode (char      *data,
                        gsize      len,
                        GArray    *fds,
                        int        msg_flags,
                        int        sock,
                        gboolean  *eof,
                        GError   **error)
{
  g_autoptr(GVariant) variant = NULL;
  SpacetestWireMessage *message;

  *eof = FALSE;
  if (fds == NULL)
    fds = g_array_new (FALSE, FALSE, sizeof (int));

  if (len == 0 && fds->len == 0 && !(msg_flags & MSG_CTRUNC))
    *eof = TRUE;
  else if (check_complete (len, fds, msg_flags, sock, error))
    {
      variant = g_variant_new_from_data (G_VARIANT_TYPE (SPACETEST_WIRE_TYPE),
                                         data, len, FALSE, g_free, data);
      data = NULL;
      g_variant_ref_sink (variant);
      if (!g_variant_is_normal_form (variant))
        {
          g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                       _("Malformed spacer message of %zd bytes"),
                       (gssize) len);
          g_clear_pointer (&variant, g_variant_unref);
        }
    }

  g_free (data);
  if (variant == NULL)
    {
      _spacetest_close_fds (fds);
      g_array_unref (fds);
      return NULL;
    }

  message = g_new0 (SpacetestWireMessage, 1);
  message->variant = g_steal_pointer (&variant);
  g_variant_get (message->variant, "(u&s@a{sv})", &message->serial,
                 &message->name, &message->params);
  message->fds = fds;
  return message;
}

SpacetestWireRequest
_spacetest_wire_get_request (SpacetestWireMessage *message)
{
  for (gsize i = 0; i < G_N_ELEMENTS (request_names); i++)
    if (request_names[i] != NULL &&
        strcmp (message->name, request_names[i]) == 0)
      return i;
  return SPACETEST_WIRE_UNKNOWN;
}

gboolean
_spacetest_wire_check_types (SpacetestWireRequest     request,
                             SpacetestNamespaceType   types,
                             const char              *operation,
                             GError                 **error)
{
  SpacetestNamespaceType allowed = request == SPACETEST_WIRE_ROOMS
                                     ? SPACETEST_ROOM_TYPES
                                     : SPACETEST_SUBSPACE_TYPES;
  g_autofree char *request_op = NULL;

  if (operation == NULL && (types == 0 || (types & ~allowed) != 0))
    operation = request_op = g_strdup_printf (_("Spacer request '%s'"),
                                              request_names[request]);

  return _spacetest_check_types (types, allowed, FALSE, operation, error);
}

/* The protocol version a hello request or its reply gives; 0 for
 * none. */
static guint32
get_version (SpacetestWireMessage *message)
{
  guint32 version = 0;

  g_variant_lookup (message->params, "version", "u", &version);
  return version;
}

gboolean
_spacetest_wire_parse_hello (SpacetestWireMessage  *message,
                             GError               **error)
{
  guint32 version = get_version (message);

  if (version == SPACETEST_WIRE_VERSION)
    return TRUE;

  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
               _("Spacer protocol version mismatch: the client speaks "
                 "%u, the service %d"),
               version, SPACETEST_WIRE_VERSION);
  return FALSE;
}

gboolean
_spacetest_wire_parse_types (SpacetestWireMessage    *message,
                             SpacetestWireRequest     request,
                             SpacetestNamespaceType  *types,
                             GError                 **error)
{
  guint32 value;

  if (!g_variant_lookup (message->params, "types", "u", &value))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Spacer request '%s' without namespace types"),
                   request_names[request]);
      return FALSE;
    }

  if (!_spacetest_wire_check_types (request, value, NULL, error))
    return FALSE;

  *types = value;
  return TRUE;
}

GError *
_spacetest_wire_reply_error (SpacetestWireMessage *message)
{
  const char *domain, *text;
  gint32 code;

  if (!g_variant_lookup (message->params, "domain", "&s", &domain) ||
      !g_variant_lookup (message->params, "code", "i", &code) ||
      !g_variant_lookup (message->params, "message", "&s", &text))
    return NULL;

  return g_error_new_literal (g_quark_from_string (domain), code, text);
}

gboolean
_spacetest_wire_parse_reply (SpacetestWireMessage  *message,
                             GError               **error)
{
  GError *carried;

  if (strcmp (message->name, "ok") == 0)
    return TRUE;

  if (strcmp (message->name, "error") != 0)
    g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                 _("The spacer sent an unknown reply '%s'"), message->name);
  else if ((carried = _spacetest_wire_reply_error (message)) != NULL)
    g_propagate_error (error, carried);
  else
    g_set_error_literal (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                         _("The spacer sent a malformed error reply"));
  return FALSE;
}

gboolean
_spacetest_wire_parse_hello_reply (SpacetestWireMessage  *message,
                                   GError               **error)
{
  guint32 version = get_version (message);

  if (version == SPACETEST_WIRE_VERSION && message->fds->len == 0)
    return TRUE;

  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
               _("The spacer service speaks protocol version %u, not %d"),
               version, SPACETEST_WIRE_VERSION);
  return FALSE;
}

/* Takes the fd that @handle names out of @message; -1 for a handle that
 * names no fd (or one already taken). */
static int
take_fd (SpacetestWireMessage *message,
         gint32                handle)
{
  int fd;

  if (handle < 0 || (guint) handle >= message->fds->len)
    return -1;

  fd = g_array_index (message->fds, int, handle);
  g_array_index (message->fds, int, handle) = -1;
  return fd;
}

gboolean
_spacetest_wire_take_rooms (SpacetestWireMessage    *message,
                            SpacetestNamespaceType   types,
                            GArray                  *fds,
                            GError                 **error)
{
  g_autoptr(GArray) taken = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GVariant) handles = NULL;
  guint expected = 0;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (types & _spacetest_types[i])
      expected++;

  handles = g_variant_lookup_value (message->params, "namespaces",
                                    G_VARIANT_TYPE ("ah"));
  if (handles == NULL || g_variant_n_children (handles) != expected)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("The spacer sent %u namespaces instead of %u"),
                   handles ? (guint) g_variant_n_children (handles) : 0,
                   expected);
      return FALSE;
    }

  for (guint k = 0; k < expected; k++)
    {
      gint32 handle;
      int fd;

      g_variant_get_child (handles, k, "h", &handle);
      fd = take_fd (message, handle);
      if (fd < 0)
        {
          _spacetest_close_fds (taken);
          g_set_error_literal (error, SPACETEST_ERROR,
                               SPACETEST_ERROR_PROTOCOL,
                               _("The spacer's reply refers to a missing "
                                 "file descriptor"));
          return FALSE;
        }
      g_array_append_val (taken, fd);
    }

  g_array_append_vals (fds, taken->data, taken->len);
  g_array_set_size (taken, 0);
  return TRUE;
}

static gboolean
take_handle (SpacetestWireMessage  *message,
             const char            *key,
             int                   *fd,
             GError               **error)
{
  gint32 handle;

  if (!g_variant_lookup (message->params, key, "h", &handle))
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("The spacer's reply lacks '%s'"), key);
      return FALSE;
    }

  *fd = take_fd (message, handle);
  if (*fd < 0)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("The spacer's reply refers to a missing file descriptor "
                     "for '%s'"), key);
      return FALSE;
    }
  return TRUE;
}

void
_spacetest_wire_subspace_clear (SpacetestWireSubspace *subspace)
{
  g_clear_fd (&subspace->socket, NULL);
  g_clear_fd (&subspace->pidfd, NULL);
  g_clear_fd (&subspace->user, NULL);
  g_clear_fd (&subspace->pid, NULL);
}

gboolean
_spacetest_wire_take_subspace (SpacetestWireMessage    *message,
                               SpacetestNamespaceType   types,
                               SpacetestWireSubspace   *subspace,
                               GError                 **error)
{
  g_auto(SpacetestWireSubspace) taken = SPACETEST_WIRE_SUBSPACE_INIT;

  if (!take_handle (message, "socket", &taken.socket, error) ||
      !take_handle (message, "pidfd", &taken.pidfd, error) ||
      ((types & SPACETEST_NAMESPACE_TYPE_USER) &&
       !take_handle (message, "user", &taken.user, error)) ||
      ((types & SPACETEST_NAMESPACE_TYPE_PID) &&
       !take_handle (message, "pid", &taken.pid, error)))
    return FALSE;

  *subspace = taken;
  taken = (SpacetestWireSubspace) SPACETEST_WIRE_SUBSPACE_INIT;
  return TRUE;
}

gboolean
_spacetest_wire_take_spawned (SpacetestWireMessage  *message,
                              GPid                  *pid,
                              int                   *pidfd,
                              GError               **error)
{
  gint32 value;

  if (!g_variant_lookup (message->params, "pid", "i", &value) || value <= 0)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("The spacer's reply lacks '%s'"), "pid");
      return FALSE;
    }
  if (!take_handle (message, "pidfd", pidfd, error))
    return FALSE;

  *pid = value;
  return TRUE;
}

void
_spacetest_wire_spawn_clear (SpacetestWireSpawn *spawn)
{
  g_clear_pointer (&spawn->path, g_free);
  g_clear_pointer (&spawn->argv, g_strfreev);
  g_clear_pointer (&spawn->envp, g_strfreev);
  g_clear_fd (&spawn->cwd, NULL);
  for (int i = 0; i < 3; i++)
    g_clear_fd (&spawn->stdio[i], NULL);
  g_clear_fd (&spawn->status, NULL);
  for (guint i = 0; i < spawn->n_namespaces; i++)
    g_clear_fd (&spawn->namespaces[i], NULL);
  spawn->n_namespaces = 0;
}

/* The error for a malformed or missing entry @key of a spawn request. */
static gboolean
spawn_malformed (const char  *key,
                 const char  *wants,
                 GError     **error)
{
  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
               /* Translators: the first %s is a parameter name, the second
                * says what it must be. */
               _("Spacer request 'spawn': '%s' must be %s"), key, wants);
  return FALSE;
}

/* Takes the fd that entry @key (a handle) of a spawn request names. */
static gboolean
take_request_handle (SpacetestWireMessage  *message,
                     const char            *key,
                     int                   *fd,
                     GError               **error)
{
  gint32 handle;

  if (!g_variant_lookup (message->params, key, "h", &handle) ||
      (*fd = take_fd (message, handle)) < 0)
    return spawn_malformed (key, _("the handle of a file descriptor it "
                                   "carries"), error);
  return TRUE;
}

/* A bytestring array from entry @key: NULL if it is missing, of another
 * type, or (with @non_empty) empty. */
static char **
lookup_bytestring_array (SpacetestWireMessage *message,
                         const char           *key,
                         gboolean              non_empty)
{
  g_autoptr(GVariant) value =
    g_variant_lookup_value (message->params, key, G_VARIANT_TYPE ("aay"));

  if (value == NULL || (non_empty && g_variant_n_children (value) == 0))
    return NULL;
  return g_variant_dup_bytestring_array (value, NULL);
}

/* An optional signal set (0 if missing). */
static gboolean
lookup_signal_set (SpacetestWireMessage  *message,
                   const char            *key,
                   guint64               *set,
                   GError               **error)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (message->params, key,
                                                      NULL);

  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return spawn_malformed (key, _("a 64-bit signal set"), error);
  *set = g_variant_get_uint64 (value);
  return TRUE;
}

gboolean
_spacetest_wire_take_spawn (SpacetestWireMessage  *message,
                            SpacetestWireSpawn    *spawn,
                            GError               **error)
{
  static const char *const stdio_keys[] = { "stdin", "stdout", "stderr" };
  g_auto(SpacetestWireSpawn) taken = SPACETEST_WIRE_SPAWN_INIT;
  g_autoptr(GVariant) path = NULL;
  g_autoptr(GVariant) handles = NULL;
  SpacetestNamespaceType seen = 0;

  path = g_variant_lookup_value (message->params, "path",
                                 G_VARIANT_TYPE_BYTESTRING);
  if (path == NULL || g_variant_get_bytestring (path)[0] != '/')
    return spawn_malformed ("path", _("an absolute path"), error);
  taken.path = g_variant_dup_bytestring (path, NULL);

  taken.argv = lookup_bytestring_array (message, "argv", TRUE);
  if (taken.argv == NULL)
    return spawn_malformed ("argv", _("a non-empty array of byte strings"),
                            error);
  taken.envp = lookup_bytestring_array (message, "envp", FALSE);
  if (taken.envp == NULL)
    return spawn_malformed ("envp", _("an array of byte strings"), error);

  if (!lookup_signal_set (message, "sigmask", &taken.sigmask, error) ||
      !lookup_signal_set (message, "sigignore", &taken.sigignore, error))
    return FALSE;

  if (!take_request_handle (message, "cwd", &taken.cwd, error))
    return FALSE;
  for (int i = 0; i < 3; i++)
    if (!take_request_handle (message, stdio_keys[i], &taken.stdio[i], error))
      return FALSE;
  if (!take_request_handle (message, "status", &taken.status, error))
    return FALSE;

  handles = g_variant_lookup_value (message->params, "namespaces",
                                    G_VARIANT_TYPE ("ah"));
  if (handles == NULL ||
      g_variant_n_children (handles) > SPACETEST_WIRE_MAX_SPAWN_NS)
    return spawn_malformed ("namespaces",
                            _("an array of at most six handles"), error);

  for (gsize k = 0; k < g_variant_n_children (handles); k++)
    {
      SpacetestNamespaceType type = 0;
      guint64 dev, ino;
      gint32 handle;
      int errsv, fd;

      g_variant_get_child (handles, k, "h", &handle);
      fd = take_fd (message, handle);
      if (fd < 0)
        return spawn_malformed ("namespaces",
                                _("handles of file descriptors it carries"),
                                error);
      taken.namespaces[taken.n_namespaces++] = fd;

      /* one of each type a process may join without leaving the
       * service's user and PID namespaces */
      if (!_spacetest_fd_is_ns (fd, &type, &dev, &ino, &errsv) ||
          !(type & SPACETEST_ROOM_TYPES) || (seen & type))
        return spawn_malformed ("namespaces",
                                _("cgroup, IPC, mount, network, time and UTS "
                                  "namespaces, one of each at most"),
                                error);
      seen |= type;
    }

  *spawn = taken;
  taken = (SpacetestWireSpawn) SPACETEST_WIRE_SPAWN_INIT;
  return TRUE;
}

/* ---- moving messages over a socket -------------------------------------- */

GBytes *
_spacetest_wire_to_bytes (GVariant  *message,
                          GError   **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (message);
  gsize size = g_variant_get_size (owned);

  if (size > SPACETEST_WIRE_MAX_SIZE)
    {
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                   _("Spacer message of %zu bytes is too large"),
                   (size_t) size);
      return NULL;
    }

  return g_variant_get_data_as_bytes (owned);
}

gboolean
_spacetest_wire_send (int         fd,
                      GVariant   *message,
                      const int  *fds,
                      guint       n_fds,
                      GError    **error)
{
  g_autoptr(GBytes) bytes = _spacetest_wire_to_bytes (message, error);
  union {
    char buf[CMSG_SPACE (sizeof (int) * SPACETEST_WIRE_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov;
  struct msghdr msg = { 0, };
  ssize_t sent;

  g_return_val_if_fail (n_fds <= SPACETEST_WIRE_MAX_FDS, FALSE);

  if (bytes == NULL)
    return FALSE;

  iov.iov_base = (void *) g_bytes_get_data (bytes, &iov.iov_len);
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
                     ? SPACETEST_ERROR_SPACER_FAILED
                     : SPACETEST_ERROR_PROTOCOL,
                   _("Cannot send a message to the spacer service: %s"),
                   g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

SpacetestWireMessage *
_spacetest_wire_recv (int        fd,
                      gboolean  *eof,
                      GError   **error)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));
  union {
    char buf[CMSG_SPACE (sizeof (int) * SPACETEST_WIRE_MAX_FDS)];
    struct cmsghdr align;
  } control;
  char *data = g_malloc (SPACETEST_WIRE_MAX_SIZE);
  struct iovec iov = { data, SPACETEST_WIRE_MAX_SIZE };
  struct msghdr msg = { 0, };
  struct cmsghdr *cmsg;
  ssize_t len;

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

      g_free (data);
      g_array_unref (fds);
      *eof = FALSE;
      /* The peer is gone with a message of ours unread: for a
       * SOCK_SEQPACKET socket that is ECONNRESET rather than end of file,
       * but it means the same. */
      if (errsv == ECONNRESET)
        *eof = TRUE;
      else
        g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PROTOCOL,
                     _("Cannot receive a message from the spacer: %s"),
                     g_strerror (errsv));
      return NULL;
    }

  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL;
       cmsg = CMSG_NXTHDR (&msg, cmsg))
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

  return _spacetest_wire_decode (data, len, fds, msg.msg_flags, fd, eof,
                                 error);
}
