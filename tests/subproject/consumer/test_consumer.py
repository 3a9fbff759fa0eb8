# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Python test of the consumer project: the Spacetest typelib of the
subproject, found through meson devenv."""

import os
import unittest

import gi

try:
    gi.require_version('Spacetest', '1')
except ValueError as e:
    raise SystemExit('%s: run the tests with '
                     '"meson devenv -C BUILDDIR meson test"' % e)
from gi.repository import GLib, Spacetest  # noqa: E402

# Unprivileged mode first, while the process has one thread.
USERNS_FAILURE = None
if os.environ.get('SPACETEST_USERNS') != '0':
    try:
        Spacetest.init_user_namespace()
    except GLib.Error as e:
        USERNS_FAILURE = e.message

NET = Spacetest.NamespaceType.NET


def thread_netns():
    return os.readlink('/proc/thread-self/ns/net')


class ConsumerTest(unittest.TestCase):
    def require(self, types):
        try:
            Spacetest.check_can_create(types)
        except GLib.Error as e:
            reason = e.message
            if USERNS_FAILURE is not None:
                reason += ' (unprivileged mode failed: %s)' % USERNS_FAILURE
            if os.environ.get('SPACETEST_REQUIRE') == '1':
                self.fail(reason)
            self.skipTest(reason)

    def test_typelib_is_the_subprojects(self):
        # meson devenv's GI_TYPELIB_PATH names the subproject's build dir
        paths = os.environ.get('GI_TYPELIB_PATH', '').split(os.pathsep)
        self.assertTrue(any(os.path.isfile(os.path.join(p, 'Spacetest-1.typelib'))
                            for p in paths if p), paths)

    def test_enter_transient(self):
        self.require(NET)
        before = thread_netns()
        guard = Spacetest.enter_transient(NET,
                                          Spacetest.TransientFlags.LOOPBACK_UP)
        try:
            self.assertNotEqual(thread_netns(), before)
        finally:
            guard.restore()
        self.assertEqual(thread_netns(), before)

    def test_spacer(self):
        # The subproject's uninstalled helper, with no SPACETEST_SPACER_PATH.
        self.assertNotIn('SPACETEST_SPACER_PATH', os.environ)
        self.require(NET)
        spacer = Spacetest.Spacer.new(None)
        try:
            rooms = spacer.rooms(NET, None)
            self.assertEqual(len(rooms), 1)
        finally:
            spacer.close()


if __name__ == '__main__':
    unittest.main(verbosity=2)
