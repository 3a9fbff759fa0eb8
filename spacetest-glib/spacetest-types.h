/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-types.h: enumerations, error domain and callback types */

#pragma once

#if !defined(__SPACETEST_INSIDE__) && !defined(SPACETEST_COMPILATION)
#error "Only <spacetest-glib/spacetest-glib.h> can be included directly."
#endif

#include <glib.h>
#include <spacetest-glib/spacetest-version-macros.h>

G_BEGIN_DECLS

/**
 * SpacetestNamespaceType:
 * @SPACETEST_NAMESPACE_TYPE_NONE: no namespace type
 * @SPACETEST_NAMESPACE_TYPE_CGROUP: a cgroup namespace (`CLONE_NEWCGROUP`)
 * @SPACETEST_NAMESPACE_TYPE_IPC: an IPC namespace (`CLONE_NEWIPC`)
 * @SPACETEST_NAMESPACE_TYPE_MNT: a mount namespace (`CLONE_NEWNS`)
 * @SPACETEST_NAMESPACE_TYPE_NET: a network namespace (`CLONE_NEWNET`)
 * @SPACETEST_NAMESPACE_TYPE_PID: a PID namespace (`CLONE_NEWPID`)
 * @SPACETEST_NAMESPACE_TYPE_TIME: a time namespace (`CLONE_NEWTIME`)
 * @SPACETEST_NAMESPACE_TYPE_USER: a user namespace (`CLONE_NEWUSER`)
 * @SPACETEST_NAMESPACE_TYPE_UTS: a UTS (host and domain name) namespace
 *   (`CLONE_NEWUTS`)
 *
 * The types of Linux namespaces. The values equal the kernel's
 * `CLONE_NEW*` bits, so they can be OR-ed into sets and passed to the
 * kernel as they are.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  SPACETEST_NAMESPACE_TYPE_NONE = 0,
  SPACETEST_NAMESPACE_TYPE_CGROUP = 0x02000000,
  SPACETEST_NAMESPACE_TYPE_IPC = 0x08000000,
  SPACETEST_NAMESPACE_TYPE_MNT = 0x00020000,
  SPACETEST_NAMESPACE_TYPE_NET = 0x40000000,
  SPACETEST_NAMESPACE_TYPE_PID = 0x20000000,
  SPACETEST_NAMESPACE_TYPE_TIME = 0x00000080,
  SPACETEST_NAMESPACE_TYPE_USER = 0x10000000,
  SPACETEST_NAMESPACE_TYPE_UTS = 0x04000000
} SpacetestNamespaceType;

/**
 * SPACETEST_NAMESPACE_TYPE_ALL:
 *
 * All eight namespace types OR-ed together.
 *
 * Since: 0.1
 */
#define SPACETEST_NAMESPACE_TYPE_ALL \
  (SPACETEST_NAMESPACE_TYPE_CGROUP | SPACETEST_NAMESPACE_TYPE_IPC | \
   SPACETEST_NAMESPACE_TYPE_MNT | SPACETEST_NAMESPACE_TYPE_NET | \
   SPACETEST_NAMESPACE_TYPE_PID | SPACETEST_NAMESPACE_TYPE_TIME | \
   SPACETEST_NAMESPACE_TYPE_USER | SPACETEST_NAMESPACE_TYPE_UTS)

/**
 * SpacetestTransientFlags:
 * @SPACETEST_TRANSIENT_NONE: no special set-up
 * @SPACETEST_TRANSIENT_LOOPBACK_UP: a new network namespace gets its `lo`
 *   interface up
 * @SPACETEST_TRANSIENT_MOUNT_SYSFS: a new mount namespace gets a fresh
 *   read-only sysfs on `/sys`, showing the network devices of the network
 *   namespace it is mounted from
 * @SPACETEST_TRANSIENT_ETHERNET: a new network namespace joins the
 *   process's test LAN: `lo` up, and an Ethernet link `eth0` with an
 *   address of each family and default routes (see
 *   spacetest_namespace_get_lan_address()). Since: 0.2
 *
 * Extra set-up for newly created namespaces.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  SPACETEST_TRANSIENT_NONE = 0,
  SPACETEST_TRANSIENT_LOOPBACK_UP = 1 << 0,
  SPACETEST_TRANSIENT_MOUNT_SYSFS = 1 << 1,
  SPACETEST_TRANSIENT_ETHERNET = 1 << 2
} SpacetestTransientFlags;

/**
 * SPACETEST_ERROR:
 *
 * Error domain for spacetest-glib. Errors in this domain come from the
 * #SpacetestError enumeration.
 *
 * Since: 0.1
 */
#define SPACETEST_ERROR (spacetest_error_quark ())

/**
 * SpacetestError:
 * @SPACETEST_ERROR_FAILED: an operation failed for a reason not covered by
 *   another code
 * @SPACETEST_ERROR_INVALID_ARGUMENT: an argument is not acceptable for this
 *   operation (for example a namespace type it does not take)
 * @SPACETEST_ERROR_NOT_A_NAMESPACE: a file descriptor or path does not refer
 *   to a Linux namespace
 * @SPACETEST_ERROR_PERMISSION_DENIED: the kernel refused the operation for
 *   lack of privileges
 * @SPACETEST_ERROR_NOT_SUPPORTED: the kernel or this process cannot do this
 *   at all
 * @SPACETEST_ERROR_WRONG_THREAD: the operation must run on another thread,
 *   or while the process has a single thread
 * @SPACETEST_ERROR_SPACER_FAILED: a spacer service failed or died
 * @SPACETEST_ERROR_PROTOCOL: a spacer service sent a malformed message
 * @SPACETEST_ERROR_TIMED_OUT: a spacer service did not answer in time
 * @SPACETEST_ERROR_CLOSED: the spacer has been closed
 * @SPACETEST_ERROR_NOT_FOUND: a named link, file or directory does not
 *   exist (Since: 0.2)
 *
 * Error codes in the %SPACETEST_ERROR domain. Every message says what was
 * attempted, on which namespace type, and the reason the operating system
 * gave.
 *
 * Since: 0.1
 */
typedef enum
{
  SPACETEST_ERROR_FAILED,
  SPACETEST_ERROR_INVALID_ARGUMENT,
  SPACETEST_ERROR_NOT_A_NAMESPACE,
  SPACETEST_ERROR_PERMISSION_DENIED,
  SPACETEST_ERROR_NOT_SUPPORTED,
  SPACETEST_ERROR_WRONG_THREAD,
  SPACETEST_ERROR_SPACER_FAILED,
  SPACETEST_ERROR_PROTOCOL,
  SPACETEST_ERROR_TIMED_OUT,
  SPACETEST_ERROR_CLOSED,
  SPACETEST_ERROR_NOT_FOUND
} SpacetestError;

/**
 * SpacetestFunc:
 * @user_data: the data passed along with the function
 *
 * A function run inside a set of namespaces by spacetest_execute() or
 * spacetest_namespace_execute(). Results travel back through @user_data.
 *
 * Since: 0.1
 */
typedef void (*SpacetestFunc) (gpointer user_data);

/* The object types, declared here so that each header can name the
 * others (their G_DECLARE_FINAL_TYPE repeats these typedefs). */
typedef struct _SpacetestGuard SpacetestGuard;

SPACETEST_AVAILABLE_IN_ALL
GQuark                 spacetest_error_quark                (void);

SPACETEST_AVAILABLE_IN_ALL
const char            *spacetest_namespace_type_to_string   (SpacetestNamespaceType type);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespaceType spacetest_namespace_type_from_string (const char *name);

G_END_DECLS
