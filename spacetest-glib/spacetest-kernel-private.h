/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-kernel-private.h: the kernel primitives (spacetest-kernel.c),
 * free of GObject: what the object layer and the spacer helper share */

#pragma once

#include <sys/types.h>

#include "spacetest-util-private.h"

G_BEGIN_DECLS

#define SPACETEST_NSFS_MAGIC 0x6e736673

/* A flag of _spacetest_setup_new_namespaces() beside the
 * SpacetestTransientFlags: mount a new /proc (PID 1 of a new PID
 * namespace). */
#define SPACETEST_SETUP_MOUNT_PROC (1u << 16)

pid_t       _spacetest_gettid               (void);

int         _spacetest_open_thread_ns       (SpacetestNamespaceType   type,
                                             GError                 **error);
int         _spacetest_open_new_ns          (SpacetestNamespaceType   type,
                                             GError                 **error);
gboolean    _spacetest_fd_is_ns             (int                      fd,
                                             SpacetestNamespaceType  *type,
                                             guint64                 *dev,
                                             guint64                 *ino,
                                             int                     *errsv);
gboolean    _spacetest_setns                (int                      fd,
                                             SpacetestNamespaceType   type,
                                             GError                 **error);
gboolean    _spacetest_write_id_maps        (pid_t                    pid,
                                             uid_t                    uid,
                                             gid_t                    gid,
                                             int                      default_code,
                                             GError                 **error);

/* The set-up of namespaces of @types that the calling thread has just
 * made with unshare() or clone(): a new mount namespace gets / made
 * recursively private first, then (per @flags) a new /proc
 * (SPACETEST_SETUP_MOUNT_PROC) and a fresh sysfs
 * (SPACETEST_TRANSIENT_MOUNT_SYSFS); a new network namespace gets lo up
 * (SPACETEST_TRANSIENT_LOOPBACK_UP). With @net_fd (nullable), also a
 * descriptor of the new network namespace where lo was set up, or -1. */
gboolean    _spacetest_setup_new_namespaces (SpacetestNamespaceType   types,
                                             guint                    flags,
                                             int                     *net_fd,
                                             GError                 **error);
gboolean    _spacetest_make_root_private    (GError                 **error);
gboolean    _spacetest_loopback_up          (int                     *net_fd,
                                             GError                 **error);
gboolean    _spacetest_mount_sysfs          (GError                 **error);
gboolean    _spacetest_mount_file           (const char              *path,
                                             const char              *contents,
                                             gsize                    length,
                                             GError                 **error);
gboolean    _spacetest_mount_tmpfs          (const char              *path,
                                             GError                 **error);

/* Records the process's base mount namespace, once, before the library
 * first moves a thread; _spacetest_set_base_mntns() records it anew
 * (after unprivileged mode moved the process). */
void        _spacetest_note_base_mntns      (void);

/* Whether the calling thread has @cap (a CAP_* number) in effect. */
gboolean    _spacetest_has_capability       (int                      cap);
void        _spacetest_set_base_mntns       (void);

/* Threads that start in a known state. _spacetest_thread_start() starts a
 * thread that runs @setup (@setup_data) and waits until it returned: on
 * failure the thread is joined and NULL returned with the error;
 * otherwise the thread goes on with @then (@then_data), which may be
 * NULL, and is returned. _spacetest_run_on_new_thread() runs @func on a
 * short-lived thread and waits for it: the caller's thread never moves. */
typedef gboolean (*_SpacetestSetupFunc) (gpointer   data,
                                         GError   **error);

GThread    *_spacetest_thread_start         (const char           *name,
                                             _SpacetestSetupFunc   setup,
                                             gpointer              setup_data,
                                             GThreadFunc           then,
                                             gpointer              then_data,
                                             GError              **error);
gboolean    _spacetest_run_on_new_thread    (const char           *name,
                                             _SpacetestSetupFunc   func,
                                             gpointer              data,
                                             GError              **error);

G_END_DECLS
