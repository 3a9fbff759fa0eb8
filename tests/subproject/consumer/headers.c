/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* headers.c: what the include path of spacetest-glib-1 (and nothing
 * else) reaches: the public and generated headers, not the library's
 * config.h or private headers. */

#if __has_include(<config.h>) || __has_include("config.h")
#error "a config.h is on spacetest-glib-1's include path"
#endif
#if __has_include(<spacetest-glib/spacetest-util-private.h>) || \
    __has_include(<spacetest-util-private.h>)
#error "spacetest-glib's private headers are on its include path"
#endif
#if !__has_include(<spacetest-glib/spacetest-enum-types.h>) || \
    !__has_include(<spacetest-glib/spacetest-version.h>)
#error "spacetest-glib's generated headers are missing"
#endif

#include <spacetest-glib/spacetest-glib.h>

int
main (void)
{
  /* a generated GType and the generated version */
  g_assert_true (G_TYPE_IS_FLAGS (SPACETEST_TYPE_NAMESPACE_TYPE));
  g_assert_true (SPACETEST_CHECK_VERSION (0, 1, 0));
  return 0;
}
