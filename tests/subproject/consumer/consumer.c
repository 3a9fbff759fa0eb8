/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* consumer.c: a GTest program of a project that has spacetest-glib as a
 * subproject, run without SPACETEST_SPACER_PATH. */

#include "config.h"

#if !defined(CONSUMER_CONFIG) || CONSUMER_CONFIG != 1
#error "config.h is not the consumer's own"
#endif
#if defined(GETTEXT_PACKAGE) || defined(SPACETEST_LIBEXECDIR)
#error "config.h is spacetest-glib's"
#endif

#include <spacetest-glib/spacetest-glib.h>

#include <unistd.h>

static char *
thread_netns (void)
{
  g_autoptr(GError) error = NULL;
  char *link = g_file_read_link ("/proc/thread-self/ns/net", &error);

  g_assert_no_error (error);
  return link;
}

static void
test_enter_transient (void)
{
  g_autofree char *before = NULL;
  g_autofree char *inside = NULL;

  spacetest_test_check_leaks ();
  if (!spacetest_test_require (SPACETEST_NAMESPACE_TYPE_NET))
    return;

  before = thread_netns ();
  spacetest_test_enter_transient (SPACETEST_NAMESPACE_TYPE_NET);
  inside = thread_netns ();
  g_assert_cmpstr (inside, !=, before);
}

/* The helper is the uninstalled one of the subproject, found by the
 * library itself. */
static void
test_spacer (void)
{
  SpacetestSpacer *spacer;
  GPtrArray *rooms;

  spacetest_test_check_leaks ();
  g_assert_null (g_getenv ("SPACETEST_SPACER_PATH"));
  spacer = spacetest_test_new_spacer ();
  rooms = spacetest_test_rooms (spacer, SPACETEST_NAMESPACE_TYPE_NET);
  g_assert_cmpuint (rooms->len, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  spacetest_test_init (&argc, &argv, NULL);
  g_test_add_func ("/consumer/enter-transient", test_enter_transient);
  g_test_add_func ("/consumer/spacer", test_spacer);
  return g_test_run ();
}
