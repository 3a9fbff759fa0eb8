/* SPDX-FileCopyrightText: 2026 The spacetest-glib authors */
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spacetest-backports-private.h: GLib 2.76+ helpers we use on GLib 2.74 */

#pragma once

#include <errno.h>
#include <unistd.h>
#include <glib.h>

#if !GLIB_CHECK_VERSION (2, 76, 0)
static inline gboolean
g_clear_fd (int     *fd_ptr,
            GError **error)
{
  int fd = *fd_ptr;

  *fd_ptr = -1;

  if (fd < 0)
    return TRUE;

  if (close (fd) != 0 && errno != EINTR)
    {
      int errsv = errno;

      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                           g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

static inline void
_g_clear_fd_ignore_error (int *fd_ptr)
{
  int errsv = errno;

  g_clear_fd (fd_ptr, NULL);
  errno = errsv;
}

#define g_autofd __attribute__((cleanup (_g_clear_fd_ignore_error)))
#endif
