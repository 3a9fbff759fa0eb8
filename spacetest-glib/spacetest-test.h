/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-test.h: the GTest layer (C only) */

#pragma once

#if !defined(__SPACETEST_INSIDE__) && !defined(SPACETEST_COMPILATION)
#error "Only <spacetest-glib/spacetest-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include <spacetest-glib/spacetest-version-macros.h>
#include <spacetest-glib/spacetest-types.h>
#include <spacetest-glib/spacetest-namespace.h>
#include <spacetest-glib/spacetest-guard.h>
#include <spacetest-glib/spacetest-spacer.h>
#include <spacetest-glib/spacetest-link.h>

G_BEGIN_DECLS

#ifndef __GI_SCANNER__

/**
 * spacetest_test_init:
 * @argc: address of the `argc` parameter of main()
 * @argv: address of the `argv` parameter of main()
 * @...: %NULL-terminated list of GTest options, as for g_test_init()
 *
 * A drop-in replacement for g_test_init(). When the process is not
 * privileged it also calls spacetest_init_user_namespace() so that the
 * tests can create and enter namespaces; set the environment variable
 * `SPACETEST_USERNS=0` to prevent that.
 *
 * Since: 0.1
 */
#define spacetest_test_init(argc, argv, ...) \
  G_STMT_START { \
    g_test_init ((argc), (argv), __VA_ARGS__); \
    _spacetest_test_init_post (); \
  } G_STMT_END

/**
 * spacetest_test_require:
 * @types: the namespace types the test needs to create
 *
 * Checks whether the process can create, enter and leave namespaces of
 * @types right now (see spacetest_can_create()). If it cannot, the current
 * test is skipped with the reason, or failed when the environment variable
 * `SPACETEST_REQUIRE=1` is set.
 *
 * Returns: %TRUE if the test can go on; %FALSE if it was skipped or failed
 *   and should return at once
 *
 * Since: 0.1
 */
#define spacetest_test_require(types) \
  _spacetest_test_require (__FILE__, __LINE__, G_STRFUNC, (types))

/**
 * spacetest_test_new_transient:
 * @type: a single #SpacetestNamespaceType
 *
 * Creates a transient namespace with spacetest_namespace_new_transient()
 * (with %SPACETEST_TRANSIENT_LOOPBACK_UP for network namespaces) that is
 * released when the current test ends. Failure fails the test like
 * g_assert_no_error(), reporting the caller's file and line.
 *
 * Returns: (transfer none) (nullable): the new namespace, owned by the test
 *
 * Since: 0.1
 */
#define spacetest_test_new_transient(type) \
  _spacetest_test_new_transient (__FILE__, __LINE__, G_STRFUNC, (type))

/**
 * spacetest_test_current:
 * @type: a single #SpacetestNamespaceType
 *
 * Returns the calling thread's current namespace of @type, released when
 * the current test ends. Failure fails the test like g_assert_no_error().
 *
 * Returns: (transfer none) (nullable): the namespace, owned by the test
 *
 * Since: 0.1
 */
#define spacetest_test_current(type) \
  _spacetest_test_current (__FILE__, __LINE__, G_STRFUNC, (type))

/**
 * spacetest_test_enter_transient:
 * @types: one or more of the types spacetest_enter_transient() takes
 *
 * Creates new namespaces of @types and attaches the calling thread to them
 * (with `lo` up in a new network namespace); the thread is switched back
 * when the current test ends. Failure fails the test like
 * g_assert_no_error().
 *
 * Returns: (transfer none) (nullable): the guard, owned by the test
 *
 * Since: 0.1
 */
#define spacetest_test_enter_transient(types) \
  _spacetest_test_enter_transient (__FILE__, __LINE__, G_STRFUNC, (types))

/**
 * spacetest_test_new_transient_full:
 * @type: the namespace type, as for spacetest_namespace_new_transient()
 * @flags: the set-up of the new namespace
 *
 * Like spacetest_test_new_transient(), with explicit @flags:
 * %SPACETEST_TRANSIENT_NONE leaves `lo` of a new network namespace down.
 *
 * Returns: (transfer none) (nullable): the namespace, owned by the test
 *
 * Since: 0.2
 */
#define spacetest_test_new_transient_full(type, flags) \
  _spacetest_test_new_transient_full (__FILE__, __LINE__, G_STRFUNC, \
                                      (type), (flags))

/**
 * spacetest_test_enter_transient_full:
 * @types: the namespace types, as for spacetest_enter_transient()
 * @flags: the set-up of the new namespaces
 *
 * Like spacetest_test_enter_transient(), with explicit @flags:
 * %SPACETEST_TRANSIENT_NONE leaves `lo` of a new network namespace down.
 *
 * Returns: (transfer none) (nullable): the guard, owned by the test
 *
 * Since: 0.2
 */
#define spacetest_test_enter_transient_full(types, flags) \
  _spacetest_test_enter_transient_full (__FILE__, __LINE__, G_STRFUNC, \
                                        (types), (flags))

/**
 * spacetest_test_new_spacer:
 *
 * Starts a spacer service with spacetest_spacer_new(); it is closed when
 * the current test ends. Failure fails the test like g_assert_no_error().
 *
 * Returns: (transfer none) (nullable): the spacer, owned by the test
 *
 * Since: 0.1
 */
#define spacetest_test_new_spacer() \
  _spacetest_test_new_spacer (__FILE__, __LINE__, G_STRFUNC)

/**
 * spacetest_test_subspace:
 * @spacer: a #SpacetestSpacer
 * @types: %SPACETEST_NAMESPACE_TYPE_USER, %SPACETEST_NAMESPACE_TYPE_PID or
 *   both
 *
 * Calls spacetest_spacer_subspace(); the new spacer is closed when the
 * current test ends. Failure fails the test like g_assert_no_error().
 *
 * Returns: (transfer none) (nullable): the new spacer, owned by the test
 *
 * Since: 0.1
 */
#define spacetest_test_subspace(spacer, types) \
  _spacetest_test_subspace (__FILE__, __LINE__, G_STRFUNC, (spacer), (types))

/**
 * spacetest_test_rooms:
 * @spacer: a #SpacetestSpacer
 * @types: the namespace types, as for spacetest_spacer_rooms()
 *
 * Calls spacetest_spacer_rooms(); the namespaces are released when the
 * current test ends. Failure fails the test like g_assert_no_error().
 *
 * Returns: (transfer none) (nullable) (element-type SpacetestNamespace):
 *   the namespaces, owned by the test
 *
 * Since: 0.1
 */
#define spacetest_test_rooms(spacer, types) \
  _spacetest_test_rooms (__FILE__, __LINE__, G_STRFUNC, (spacer), (types))

/**
 * spacetest_test_check_leaks:
 *
 * Arranges for a check at the end of the current test: the test fails if
 * file descriptors opened or child processes started during the test are
 * still open or unreaped, listing each one (fd number and what it points
 * to; pid and command line), or if the test's thread is no longer in the
 * namespaces it started in. Call it first in the test, so that the check
 * runs after everything else the test queued for release.
 *
 * Since: 0.1
 */
#define spacetest_test_check_leaks() \
  _spacetest_test_check_leaks (__FILE__, __LINE__, G_STRFUNC)

/**
 * spacetest_test_new_veth:
 * @netns: the network namespace of one end
 * @peer_netns: the network namespace of the other end (may be @netns)
 * @peer: (out) (optional) (transfer none): return location for the other
 *   end, or %NULL
 *
 * Creates a veth pair with spacetest_link_new_veth(), with names chosen
 * by the library; both ends are released (and the pair deleted) when the
 * current test ends. Failure fails the test like g_assert_no_error().
 *
 * Returns: (transfer none) (nullable): the end in @netns, owned by the
 *   test
 *
 * Since: 0.2
 */
#define spacetest_test_new_veth(netns, peer_netns, peer) \
  _spacetest_test_new_veth (__FILE__, __LINE__, G_STRFUNC, (netns), \
                            (peer_netns), (peer))

SPACETEST_AVAILABLE_IN_ALL
void                _spacetest_test_init_post       (void);
SPACETEST_AVAILABLE_IN_ALL
gboolean            _spacetest_test_require         (const char             *file,
                                                     int                     line,
                                                     const char             *func,
                                                     SpacetestNamespaceType  types);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace *_spacetest_test_new_transient   (const char             *file,
                                                     int                     line,
                                                     const char             *func,
                                                     SpacetestNamespaceType  type);
SPACETEST_AVAILABLE_IN_ALL
SpacetestNamespace *_spacetest_test_current         (const char             *file,
                                                     int                     line,
                                                     const char             *func,
                                                     SpacetestNamespaceType  type);
SPACETEST_AVAILABLE_IN_ALL
SpacetestGuard     *_spacetest_test_enter_transient (const char             *file,
                                                     int                     line,
                                                     const char             *func,
                                                     SpacetestNamespaceType  types);
SPACETEST_AVAILABLE_IN_0_2
SpacetestNamespace *_spacetest_test_new_transient_full   (const char              *file,
                                                          int                      line,
                                                          const char              *func,
                                                          SpacetestNamespaceType   type,
                                                          SpacetestTransientFlags  flags);
SPACETEST_AVAILABLE_IN_0_2
SpacetestGuard     *_spacetest_test_enter_transient_full (const char              *file,
                                                          int                      line,
                                                          const char              *func,
                                                          SpacetestNamespaceType   types,
                                                          SpacetestTransientFlags  flags);
SPACETEST_AVAILABLE_IN_ALL
SpacetestSpacer    *_spacetest_test_new_spacer      (const char             *file,
                                                     int                     line,
                                                     const char             *func);
SPACETEST_AVAILABLE_IN_ALL
SpacetestSpacer    *_spacetest_test_subspace        (const char             *file,
                                                     int                     line,
                                                     const char             *func,
                                                     SpacetestSpacer        *spacer,
                                                     SpacetestNamespaceType  types);
SPACETEST_AVAILABLE_IN_ALL
GPtrArray          *_spacetest_test_rooms           (const char             *file,
                                                     int                     line,
                                                     const char             *func,
                                                     SpacetestSpacer        *spacer,
                                                     SpacetestNamespaceType  types);
SPACETEST_AVAILABLE_IN_ALL
void                _spacetest_test_check_leaks     (const char             *file,
                                                     int                     line,
                                                     const char             *func);
SPACETEST_AVAILABLE_IN_0_2
SpacetestLink      *_spacetest_test_new_veth        (const char             *file,
                                                     int                     line,
                                                     const char             *func,
                                                     SpacetestNamespace     *netns,
                                                     SpacetestNamespace     *peer_netns,
                                                     SpacetestLink         **peer);

#endif /* __GI_SCANNER__ */

G_END_DECLS
