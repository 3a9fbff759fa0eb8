/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-home-private.h: what a home of one's own consists of, for
 * the GTest layer's private HOME and spacetest-run --home */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* HOME and the XDG base directories, each with the name of its
 * directory under a common root and its usual mode. */
static const struct
{
  const char *variable;
  const char *name;
  int mode;
} spacetest_home_dirs[] G_GNUC_UNUSED = {
  { "HOME", "home", 0755 },
  { "XDG_CONFIG_HOME", "config", 0700 },
  { "XDG_DATA_HOME", "data", 0700 },
  { "XDG_CACHE_HOME", "cache", 0700 },
  { "XDG_STATE_HOME", "state", 0700 },
  { "XDG_RUNTIME_DIR", "runtime", 0700 },
};

G_END_DECLS
