/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-glib.h: umbrella header of spacetest-glib */

#pragma once

#define __SPACETEST_INSIDE__

#include <spacetest-glib/spacetest-version-macros.h>
#include <spacetest-glib/spacetest-version.h>
#include <spacetest-glib/spacetest-types.h>
#include <spacetest-glib/spacetest-enum-types.h>
#include <spacetest-glib/spacetest-namespace.h>
#include <spacetest-glib/spacetest-guard.h>
#include <spacetest-glib/spacetest-enter.h>
#include <spacetest-glib/spacetest-spacer.h>
#include <spacetest-glib/spacetest-link.h>
#include <spacetest-glib/spacetest-test.h>

#undef __SPACETEST_INSIDE__
