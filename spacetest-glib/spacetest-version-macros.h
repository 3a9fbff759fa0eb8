/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-version-macros.h: symbol visibility and availability macros */

#pragma once

#if !defined(__SPACETEST_INSIDE__) && !defined(SPACETEST_COMPILATION)
#error "Only <spacetest-glib/spacetest-glib.h> can be included directly."
#endif

#include <glib.h>

#ifndef _SPACETEST_EXTERN
#define _SPACETEST_EXTERN __attribute__((visibility ("default"))) extern
#endif

/* Every symbol of 0.1; later symbols name the version that added them. */
#define SPACETEST_AVAILABLE_IN_ALL _SPACETEST_EXTERN
#define SPACETEST_AVAILABLE_IN_0_2 _SPACETEST_EXTERN
