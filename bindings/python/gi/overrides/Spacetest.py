# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject override of Spacetest-1: what Python adds to the GI API.

- Spacetest.Guard is a context manager: the with-block's end restores the
  thread, also when the block raises (the exception propagates).
- Spacetest.require(types) skips the calling test (unittest.SkipTest,
  which unittest and pytest both report as a skip) where this process
  cannot create namespaces of @types, or fails it (AssertionError) when
  SPACETEST_REQUIRE=1, as spacetest_test_require() does in C.

PyGObject imports this module as gi.overrides.Spacetest the first time
gi.repository.Spacetest is imported, from any gi/overrides directory on
gi.overrides.__path__.
"""

import os
import unittest

from ..overrides import override
from ..module import get_introspection_module

from gi.repository import GLib

Spacetest = get_introspection_module('Spacetest')

__all__ = []


class Guard(Spacetest.Guard):
    """A guard restores its thread when a with-block ends::

        with Spacetest.enter_transient(types, flags) as guard:
            ...  # the thread is in the new namespaces
        # and back in its own, also after an exception

    The same holds for the guard of Spacetest.Namespace.enter().  Calling
    guard.restore() inside the block is allowed: restoring twice does
    nothing.  A guard belongs to the thread it switched: leave the block
    on that thread.
    """

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        # Raises GLib.Error if the thread cannot be switched back; an
        # exception from the block is then its __context__.  Returning
        # False lets the block's own exception propagate.
        self.restore()
        return False


Guard = override(Guard)
__all__.append('Guard')


def require(types):
    """Returns if this process can create transient namespaces of @types
    (Spacetest.can_create()).  Otherwise it raises unittest.SkipTest with
    the reason, which unittest and pytest report as a skipped test, or,
    when the environment has SPACETEST_REQUIRE=1, AssertionError, a
    failure: the Python form of spacetest_test_require()."""
    try:
        Spacetest.check_can_create(types)
        return
    except GLib.Error as e:
        reason = e.message
    if os.environ.get('SPACETEST_REQUIRE') == '1':
        raise AssertionError(reason)
    raise unittest.SkipTest(reason)


__all__.append('require')
