/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-util.c: namespace types, the error domain and translations,
 * which every other file uses */

#include "spacetest-util-private.h"

#include <errno.h>
#include <sched.h>
#include <string.h>


/**
 * SECTION:spacetest-types
 * @title: Namespace types and errors
 * @short_description: The namespace type flags, the transient flags and
 *   the error domain
 *
 * #SpacetestNamespaceType names the eight kinds of Linux namespace; its
 * values are the kernel's `CLONE_NEW*` bits, so a set of types is an OR of
 * them. Functions that take a single type refuse zero or several bits with
 * %SPACETEST_ERROR_INVALID_ARGUMENT.
 *
 * Every error this library reports is in the %SPACETEST_ERROR domain and
 * says what was attempted, on which namespace type, and why the kernel
 * refused.
 */

G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_CGROUP == CLONE_NEWCGROUP);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_IPC == CLONE_NEWIPC);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_MNT == CLONE_NEWNS);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_NET == CLONE_NEWNET);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_PID == CLONE_NEWPID);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_USER == CLONE_NEWUSER);
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_UTS == CLONE_NEWUTS);
#ifdef CLONE_NEWTIME
G_STATIC_ASSERT (SPACETEST_NAMESPACE_TYPE_TIME == CLONE_NEWTIME);
#endif

const SpacetestNamespaceType _spacetest_types[SPACETEST_N_TYPES] = {
  SPACETEST_NAMESPACE_TYPE_CGROUP,
  SPACETEST_NAMESPACE_TYPE_IPC,
  SPACETEST_NAMESPACE_TYPE_MNT,
  SPACETEST_NAMESPACE_TYPE_NET,
  SPACETEST_NAMESPACE_TYPE_PID,
  SPACETEST_NAMESPACE_TYPE_TIME,
  SPACETEST_NAMESPACE_TYPE_USER,
  SPACETEST_NAMESPACE_TYPE_UTS,
};

static const char * const type_names[SPACETEST_N_TYPES] = {
  "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts",
};

/**
 * spacetest_error_quark:
 *
 * The error domain of spacetest-glib; use %SPACETEST_ERROR.
 *
 * Returns: the #GQuark of the domain
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (spacetest-error-quark, spacetest_error)

const char *
_spacetest_gettext (const char *msgid)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialised, 1);
    }

  return g_dgettext (GETTEXT_PACKAGE, msgid);
}

int
_spacetest_type_index (SpacetestNamespaceType type)
{
  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (_spacetest_types[i] == type)
      return i;
  return -1;
}

gboolean
_spacetest_is_single_type (SpacetestNamespaceType type)
{
  return _spacetest_type_index (type) >= 0;
}

/**
 * spacetest_namespace_type_to_string:
 * @type: a single #SpacetestNamespaceType
 *
 * Gets the kernel's short name of a namespace type, as used in
 * `/proc/PID/ns/`.
 *
 * Returns: (nullable): "cgroup", "ipc", "mnt", "net", "pid", "time",
 *   "user" or "uts"; %NULL unless exactly one known bit is set
 *
 * Since: 0.1
 */
const char *
spacetest_namespace_type_to_string (SpacetestNamespaceType type)
{
  int i = _spacetest_type_index (type);

  return i < 0 ? NULL : type_names[i];
}

/**
 * spacetest_namespace_type_from_string:
 * @name: (nullable): a short namespace type name such as "net"
 *
 * The reverse of spacetest_namespace_type_to_string().
 *
 * Returns: the type, or %SPACETEST_NAMESPACE_TYPE_NONE for an unknown name
 *
 * Since: 0.1
 */
SpacetestNamespaceType
spacetest_namespace_type_from_string (const char *name)
{
  if (name == NULL)
    return SPACETEST_NAMESPACE_TYPE_NONE;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (strcmp (name, type_names[i]) == 0)
      return _spacetest_types[i];

  return SPACETEST_NAMESPACE_TYPE_NONE;
}

/* A human-readable, translatable name of one type, for messages. */
const char *
_spacetest_type_describe (SpacetestNamespaceType type)
{
  /* Translators: the names below are inserted into other messages, such
   * as "Cannot enter a %s" or "Invalid process id %d for a %s". */
  switch ((guint) type)
    {
    case SPACETEST_NAMESPACE_TYPE_CGROUP: return _("cgroup namespace");
    case SPACETEST_NAMESPACE_TYPE_IPC: return _("IPC namespace");
    case SPACETEST_NAMESPACE_TYPE_MNT: return _("mount namespace");
    case SPACETEST_NAMESPACE_TYPE_NET: return _("network namespace");
    case SPACETEST_NAMESPACE_TYPE_PID: return _("PID namespace");
    case SPACETEST_NAMESPACE_TYPE_TIME: return _("time namespace");
    case SPACETEST_NAMESPACE_TYPE_USER: return _("user namespace");
    case SPACETEST_NAMESPACE_TYPE_UTS: return _("UTS namespace");
    default: return _("namespace");
    }
}

/* "net+uts" style list of a set, or "none"; unknown bits as hex. */
char *
_spacetest_types_describe (SpacetestNamespaceType types)
{
  GString *s = g_string_new (NULL);
  guint rest = types;

  for (int i = 0; i < SPACETEST_N_TYPES; i++)
    if (types & _spacetest_types[i])
      {
        if (s->len > 0)
          g_string_append_c (s, '+');
        g_string_append (s, type_names[i]);
        rest &= ~(guint) _spacetest_types[i];
      }

  if (rest != 0)
    g_string_append_printf (s, "%s0x%x", s->len > 0 ? "+" : "", rest);
  if (s->len == 0)
    g_string_append (s, "none");

  return g_string_free (s, FALSE);
}

gboolean
_spacetest_check_types (SpacetestNamespaceType   types,
                        SpacetestNamespaceType   allowed,
                        gboolean                 exactly_one,
                        const char              *operation,
                        GError                 **error)
{
  g_autofree char *got = NULL;
  g_autofree char *ok = NULL;

  if (types != 0 && (types & ~allowed) == 0 &&
      (!exactly_one || _spacetest_is_single_type (types)))
    return TRUE;

  got = _spacetest_types_describe (types);
  ok = _spacetest_types_describe (allowed);
  if (exactly_one)
    g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                 _("%s takes exactly one namespace type of %s, not %s"),
                 operation, ok, got);
  else
    g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
                 _("%s takes one or more of %s, not %s"), operation, ok, got);
  return FALSE;
}

void
_spacetest_set_error_from_errno (GError     **error,
                                 int          errsv,
                                 int          default_code,
                                 const char  *what)
{
  switch (errsv)
    {
    case EPERM:
    case EACCES:
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_PERMISSION_DENIED,
                   /* Translators: the first %s says what was attempted,
                    * the second is the reason from the operating system. */
                   _("Cannot %s: %s (this needs CAP_SYS_ADMIN over the "
                     "namespaces involved)"),
                   what, g_strerror (errsv));
      break;

    case ENOSYS:
    case EOPNOTSUPP:
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_SUPPORTED,
                   /* Translators: the first %s says what was attempted
                    * (an infinitive phrase such as "create a new network
                    * namespace", translated elsewhere), the second is the
                    * reason from the operating system. */
                   _("Cannot %s: %s (this kernel does not support it)"),
                   what, g_strerror (errsv));
      break;

    case ENOENT:
    case ENODEV:
      g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_NOT_FOUND,
                   _("Cannot %s: %s"), what, g_strerror (errsv));
      break;

    default:
      g_set_error (error, SPACETEST_ERROR, default_code,
                   /* Translators: the first %s says what was attempted
                    * (an infinitive phrase such as "create a new network
                    * namespace", translated elsewhere), the second is the
                    * reason from the operating system. */
                   _("Cannot %s: %s"), what, g_strerror (errsv));
      break;
    }
}

gboolean
_spacetest_check_transient_flags (SpacetestTransientFlags   flags,
                                  GError                  **error)
{
  const guint known = SPACETEST_TRANSIENT_LOOPBACK_UP |
                      SPACETEST_TRANSIENT_MOUNT_SYSFS |
                      SPACETEST_TRANSIENT_ETHERNET;

  if ((flags & ~known) == 0)
    return TRUE;

  g_set_error (error, SPACETEST_ERROR, SPACETEST_ERROR_INVALID_ARGUMENT,
               _("Unknown transient flags 0x%x"), (guint) flags);
  return FALSE;
}
