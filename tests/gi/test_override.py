# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyGObject override (bindings/python/gi/overrides/Spacetest.py):
Spacetest.Guard as a context manager and Spacetest.require(), under
unittest.  pytest_override.py checks the same under pytest.

meson runs this with the uninstalled override on PYTHONPATH.
"""

import os
import sys
import threading
import unittest
from unittest import mock

import testutil  # first: it sets up unprivileged mode
from testutil import NamespaceType, thread_ns_inode, thread_ns_inodes
import taprunner

from gi.repository import GLib, Spacetest

TransientFlags = Spacetest.TransientFlags

NET_UTS = NamespaceType.NET | NamespaceType.UTS
# Never creatable by a process for itself: Spacetest.can_create() is
# FALSE for them as root, unprivileged and without namespaces alike.
NEVER = NamespaceType.USER | NamespaceType.PID


class Boom(Exception):
    pass


def never_reason():
    """The reason Spacetest.check_can_create() gives for NEVER."""
    try:
        Spacetest.check_can_create(NEVER)
    except GLib.Error as e:
        return e.message
    raise AssertionError('check_can_create(USER | PID) succeeded')


def environ_without_require():
    env = dict(os.environ)
    env.pop('SPACETEST_REQUIRE', None)
    return env


class LoadTests(testutil.TestCase):

    def test_override_loaded(self):
        module = sys.modules.get('gi.overrides.Spacetest')
        self.assertIsNotNone(module, 'the Spacetest override is not loaded')
        self.assertIs(Spacetest.Guard, module.Guard)
        self.assertIs(Spacetest.require, module.require)
        # Both gi.repository names reach the same class.
        self.assertTrue(issubclass(Spacetest.Guard,
                                   module.Spacetest.Guard))

    def test_override_from_pythonpath(self):
        # Under meson the override is the tree's, not an installed one
        # that came first on gi.overrides.__path__.
        entries = [p for p in os.environ.get('PYTHONPATH', '').split(':')
                   if p]
        if not entries:
            self.skipTest('PYTHONPATH is not set: not run by meson')
        module = sys.modules['gi.overrides.Spacetest']
        expected = [os.path.realpath(os.path.join(p, 'gi', 'overrides',
                                                  'Spacetest.py'))
                    for p in entries]
        self.assertIn(os.path.realpath(module.__file__), expected)


class GuardContextTests(testutil.TestCase):

    def test_with_restores(self):
        self.require(NET_UTS)
        before = thread_ns_inodes()
        with Spacetest.enter_transient(NET_UTS,
                                       TransientFlags.LOOPBACK_UP) as guard:
            self.assertIsInstance(guard, Spacetest.Guard)
            self.assertFalse(guard.is_restored())
            net = guard.get_namespace(NamespaceType.NET)
            self.assertEqual(thread_ns_inode('net'), net.get_inode())
            self.assertNotEqual(thread_ns_inode('net'), before['net'])
            self.assertNotEqual(thread_ns_inode('uts'), before['uts'])
            self.assertEqual(thread_ns_inode('ipc'), before['ipc'])
        self.assertTrue(guard.is_restored())
        self.assertEqual(thread_ns_inodes(), before)

    def test_enter_returns_guard(self):
        self.require(NamespaceType.NET)
        guard = Spacetest.enter_transient(NamespaceType.NET,
                                          TransientFlags.NONE)
        try:
            with guard as entered:
                self.assertIs(entered, guard)
        finally:
            guard.restore()

    def test_with_exception(self):
        self.require(NET_UTS)
        before = thread_ns_inodes()
        with self.assertRaises(Boom) as cm:
            with Spacetest.enter_transient(NET_UTS,
                                           TransientFlags.NONE) as guard:
                self.assertNotEqual(thread_ns_inode('net'), before['net'])
                raise Boom('from the block')
        # The block's own exception, unchanged.
        self.assertEqual(str(cm.exception), 'from the block')
        self.assertIsNone(cm.exception.__context__)
        self.assertTrue(guard.is_restored())
        self.assertEqual(thread_ns_inodes(), before)

    def test_with_gerror(self):
        # A GLib.Error from inside the block propagates the same way.
        self.require(NamespaceType.NET)
        before = thread_ns_inodes()
        with self.assertRaises(GLib.Error) as cm:
            with Spacetest.enter_transient(NamespaceType.NET,
                                           TransientFlags.NONE):
                Spacetest.Namespace.new_for_path('/nonexistent')
        self.assertTrue(cm.exception.matches(Spacetest.error_quark(),
                                             Spacetest.Error.NOT_A_NAMESPACE))
        self.assertEqual(thread_ns_inodes(), before)

    def test_restored_once(self):
        self.require(NamespaceType.NET)
        before = thread_ns_inodes()
        restore = Spacetest.Guard.restore
        calls = []

        def counting_restore(guard):
            calls.append(guard)
            return restore(guard)

        with mock.patch.object(Spacetest.Guard, 'restore',
                               counting_restore):
            with Spacetest.enter_transient(NamespaceType.NET,
                                           TransientFlags.NONE) as guard:
                self.assertEqual(calls, [])
            self.assertEqual(calls, [guard])
            with self.assertRaises(Boom):
                with Spacetest.enter_transient(NamespaceType.NET,
                                               TransientFlags.NONE) as g2:
                    raise Boom()
            self.assertEqual(calls, [guard, g2])
        self.assertEqual(thread_ns_inodes(), before)

    def test_restore_inside_block(self):
        # An explicit restore() in the block is fine: leaving the block
        # does not switch the thread a second time.
        self.require(NamespaceType.NET)
        before = thread_ns_inodes()
        with Spacetest.enter_transient(NamespaceType.NET,
                                       TransientFlags.NONE) as guard:
            self.assertTrue(guard.restore())
            self.assertTrue(guard.is_restored())
            self.assertEqual(thread_ns_inodes(), before)
            # Another switch after the restore is the inner guard's to
            # undo; the outer one must not touch it.
            with Spacetest.enter_transient(NamespaceType.NET,
                                           TransientFlags.NONE) as inner:
                inside = thread_ns_inode('net')
                self.assertNotEqual(inside, before['net'])
            self.assertTrue(inner.is_restored())
        self.assertEqual(thread_ns_inodes(), before)

    def test_nested(self):
        self.require(NET_UTS)
        before = thread_ns_inodes()
        with Spacetest.enter_transient(NamespaceType.NET,
                                       TransientFlags.NONE) as outer:
            net = thread_ns_inode('net')
            with Spacetest.enter_transient(NET_UTS,
                                           TransientFlags.NONE) as inner:
                self.assertNotEqual(thread_ns_inode('net'), net)
                self.assertNotEqual(thread_ns_inode('uts'), before['uts'])
            self.assertTrue(inner.is_restored())
            self.assertFalse(outer.is_restored())
            self.assertEqual(thread_ns_inode('net'), net)
            self.assertEqual(thread_ns_inode('uts'), before['uts'])
        self.assertEqual(thread_ns_inodes(), before)

    def test_namespace_enter(self):
        self.require(NamespaceType.NET)
        before = thread_ns_inodes()
        netns = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                                  TransientFlags.LOOPBACK_UP)
        with netns.enter() as guard:
            self.assertIsInstance(guard, Spacetest.Guard)
            self.assertTrue(netns.is_current())
            self.assertEqual(thread_ns_inode('net'), netns.get_inode())
        self.assertFalse(netns.is_current())
        self.assertEqual(thread_ns_inodes(), before)

    def test_exit_on_other_thread(self):
        # Leaving the block on another thread than the guard's raises
        # WRONG_THREAD and leaves both threads where they are.
        self.require(NamespaceType.NET)
        made = threading.Event()
        done = threading.Event()
        box = {}

        def switched_thread():
            box['guard'] = Spacetest.enter_transient(NamespaceType.NET,
                                                     TransientFlags.NONE)
            made.set()
            done.wait(20)
            box['restored'] = box['guard'].restore()

        thread = threading.Thread(target=switched_thread)
        thread.start()
        try:
            self.assertTrue(made.wait(20))
            guard = box['guard']
            with self.assertRaises(GLib.Error) as cm:
                guard.__exit__(None, None, None)
            self.assertTrue(cm.exception.matches(
                Spacetest.error_quark(), Spacetest.Error.WRONG_THREAD))
            self.assertFalse(guard.is_restored())
        finally:
            done.set()
            thread.join(20)
        self.assertTrue(box['restored'])
        del guard
        box.clear()


class RequireTests(testutil.TestCase):

    def test_available(self):
        with mock.patch.dict(os.environ, {'SPACETEST_REQUIRE': '1'}):
            self.assertIsNone(Spacetest.require(NamespaceType.NONE))
            if Spacetest.can_create(NamespaceType.NET):
                self.assertIsNone(Spacetest.require(NamespaceType.NET))

    def test_never_creatable(self):
        # What the other tests rely on to simulate a missing type.
        for types in (NamespaceType.USER, NamespaceType.PID, NEVER):
            self.assertFalse(Spacetest.can_create(types))

    def test_unavailable_skips(self):
        with mock.patch.dict(os.environ, environ_without_require(),
                             clear=True):
            with self.assertRaises(unittest.SkipTest) as cm:
                Spacetest.require(NEVER)
        self.assertEqual(str(cm.exception), never_reason())
        self.assertIn('user', str(cm.exception))

    def test_unavailable_required(self):
        with mock.patch.dict(os.environ, {'SPACETEST_REQUIRE': '1'}):
            with self.assertRaises(AssertionError) as cm:
                Spacetest.require(NEVER)
        self.assertNotIsInstance(cm.exception, unittest.SkipTest)
        self.assertEqual(str(cm.exception), never_reason())

    def test_other_values_skip(self):
        # Only '1' turns the skip into a failure, as in C.
        for value in ('0', '', 'yes'):
            with self.subTest(value=value), \
                 mock.patch.dict(os.environ, {'SPACETEST_REQUIRE': value}):
                with self.assertRaises(unittest.SkipTest):
                    Spacetest.require(NEVER)

    def run_case(self, environ):
        """Runs a unittest case that requires NEVER, and one that requires
        nothing, with @environ: returns the unittest.TestResult."""

        class Case(unittest.TestCase):
            def test_never(self):
                Spacetest.require(NEVER)
                self.fail('not skipped')

            def test_nothing(self):
                Spacetest.require(NamespaceType.NONE)

        suite = unittest.defaultTestLoader.loadTestsFromTestCase(Case)
        result = unittest.TestResult()
        with mock.patch.dict(os.environ, environ, clear=True):
            suite.run(result)
        return result

    def test_unittest_skips(self):
        result = self.run_case(environ_without_require())
        self.assertTrue(result.wasSuccessful(),
                        result.errors + result.failures)
        self.assertEqual(result.testsRun, 2)
        self.assertEqual([(test.id().rsplit('.', 1)[-1], reason)
                          for test, reason in result.skipped],
                         [('test_never', never_reason())])

    def test_unittest_fails_with_require(self):
        env = environ_without_require()
        env['SPACETEST_REQUIRE'] = '1'
        result = self.run_case(env)
        self.assertFalse(result.wasSuccessful())
        self.assertEqual(result.skipped, [])
        self.assertEqual(result.errors, [])
        self.assertEqual(len(result.failures), 1)
        test, text = result.failures[0]
        self.assertEqual(test.id().rsplit('.', 1)[-1], 'test_never')
        self.assertIn('AssertionError: ' + never_reason(), text)


if __name__ == '__main__':
    taprunner.main()
