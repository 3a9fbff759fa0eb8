# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Entering namespaces, guards and spacetest_execute(), through PyGObject.

A guard is bound to the OS thread that it switched: every test restores
its guards in a 'finally' so that the main thread is never left switched
for the next test (testutil.TestCase checks that).
"""

import ctypes
import errno
import os
import socket
import tempfile
import threading
import unittest

import testutil  # first: it sets up unprivileged mode
from testutil import NamespaceType, thread_ns_inode, thread_ns_inodes
import taprunner

from gi.repository import Spacetest

Error = Spacetest.Error
TransientFlags = Spacetest.TransientFlags

NET_UTS = NamespaceType.NET | NamespaceType.UTS

libc = ctypes.CDLL(None, use_errno=True)


def mount_tmpfs(target):
    if libc.mount(b'tmpfs', os.fsencode(target), b'tmpfs', 0,
                  b'size=1m') != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), target)


def serve_once(port=0):
    """Binds a TCP server on 127.0.0.1, sends it a message through a
    client connection and returns (port, message received)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(('127.0.0.1', port))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection(('127.0.0.1', port), timeout=10) as c:
            conn, _ = server.accept()
            with conn:
                c.sendall(b'hello')
                return port, conn.recv(5)


class EnterTransientTests(testutil.TestCase):

    def test_enter_restore(self):
        self.require(NET_UTS)
        before = thread_ns_inodes()
        guard = Spacetest.enter_transient(NET_UTS,
                                          TransientFlags.LOOPBACK_UP)
        try:
            self.assertEqual(guard.get_namespace_types(), NET_UTS)
            self.assertFalse(guard.is_restored())
            net = guard.get_namespace(NamespaceType.NET)
            uts = guard.get_namespace(NamespaceType.UTS)
            self.assertIsNone(guard.get_namespace(NamespaceType.IPC))
            self.assertTrue(net.is_current())
            self.assertTrue(uts.is_current())
            self.assertEqual(thread_ns_inode('net'), net.get_inode())
            self.assertEqual(thread_ns_inode('uts'), uts.get_inode())
            self.assertNotEqual(net.get_inode(), before['net'])
            self.assertNotEqual(uts.get_inode(), before['uts'])
            self.assertEqual(thread_ns_inode('ipc'), before['ipc'])
            self.assertTrue(testutil.net_device_flags('lo')
                            & testutil.IFF_UP)
        finally:
            self.assertTrue(guard.restore())
        self.assertTrue(guard.is_restored())
        self.assertEqual(thread_ns_inodes(), before)
        self.assertFalse(net.is_current())
        # Restoring is idempotent.
        self.assertTrue(guard.restore())
        self.assertEqual(thread_ns_inodes(), before)

    def test_bind_loopback(self):
        self.require(NET_UTS)
        guard = Spacetest.enter_transient(NET_UTS,
                                          TransientFlags.LOOPBACK_UP)
        try:
            socket.sethostname('spacetest-python')
            self.assertEqual(socket.gethostname(), 'spacetest-python')
            port, received = serve_once(8080)
            self.assertEqual(port, 8080)
            self.assertEqual(received, b'hello')
        finally:
            guard.restore()
        self.assertNotEqual(socket.gethostname(), 'spacetest-python')

    def test_same_port_twice(self):
        # Two network namespaces: two servers on the same address at once.
        self.require(NamespaceType.NET)
        sockets = []
        try:
            for _ in range(2):
                guard = Spacetest.enter_transient(NamespaceType.NET,
                                                  TransientFlags.LOOPBACK_UP)
                try:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sockets.append(sock)
                    sock.bind(('127.0.0.1', 8081))
                    sock.listen(1)
                finally:
                    guard.restore()
            self.assertEqual([s.getsockname()[1] for s in sockets],
                             [8081, 8081])
        finally:
            for sock in sockets:
                sock.close()

    def test_loopback_up(self):
        self.require(NamespaceType.NET)
        guard = Spacetest.enter_transient(NamespaceType.NET,
                                          TransientFlags.NONE)
        try:
            self.assertFalse(testutil.net_device_flags('lo')
                             & testutil.IFF_UP)
            with self.assertRaises(OSError) as cm:
                serve_once()
            self.assertIn(cm.exception.errno,
                          (errno.EADDRNOTAVAIL, errno.ENETUNREACH))
            self.assertTrue(Spacetest.loopback_up())
            self.assertTrue(testutil.net_device_flags('lo')
                            & testutil.IFF_UP)
            self.assertEqual(serve_once()[1], b'hello')
        finally:
            guard.restore()

    def test_mount_sysfs(self):
        self.require(NamespaceType.NET | NamespaceType.MNT)
        cwd = os.getcwd()
        guard = Spacetest.enter_transient(
            NamespaceType.NET | NamespaceType.MNT,
            TransientFlags.LOOPBACK_UP | TransientFlags.MOUNT_SYSFS)
        try:
            self.assertEqual(os.listdir('/sys/class/net'), ['lo'])
        finally:
            guard.restore()
        self.assertEqual(os.getcwd(), cwd)
        self.assertNotEqual(os.listdir('/sys/class/net'), ['lo'])

    def test_mount_sysfs_refused_in_base(self):
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  Spacetest.mount_sysfs)

    def test_mnt_private(self):
        self.require(NamespaceType.MNT)
        with tempfile.TemporaryDirectory() as target:
            guard = Spacetest.enter_transient(NamespaceType.MNT,
                                              TransientFlags.NONE)
            try:
                mount_tmpfs(target)
                with open(os.path.join(target, 'inside'), 'w') as f:
                    f.write('x')
                self.assertEqual(os.listdir(target), ['inside'])
            finally:
                guard.restore()
            # The mount stayed in the transient namespace.
            self.assertEqual(os.listdir(target), [])

    def test_bad_types(self):
        for types in (NamespaceType.NONE, NamespaceType.TIME,
                      NamespaceType.PID, NamespaceType.USER,
                      NamespaceType.USER | NamespaceType.NET):
            with self.subTest(types=types):
                before = thread_ns_inodes()
                self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                          Spacetest.enter_transient,
                                          types, TransientFlags.NONE)
                self.assertEqual(thread_ns_inodes(), before)


class GuardThreadTests(testutil.TestCase):

    def test_restore_wrong_thread(self):
        self.require(NamespaceType.NET)
        before = thread_ns_inode('net')
        guard = Spacetest.enter_transient(NamespaceType.NET,
                                          TransientFlags.NONE)
        errors = []

        def restore_elsewhere():
            try:
                guard.restore()
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)

        try:
            thread = threading.Thread(target=restore_elsewhere)
            thread.start()
            thread.join()
            self.assertEqual(len(errors), 1)
            self.assertTrue(errors[0].matches(Spacetest.error_quark(),
                                              Error.WRONG_THREAD),
                            errors[0])
            # Still switched: the failed restore changed nothing.
            self.assertFalse(guard.is_restored())
            self.assertNotEqual(thread_ns_inode('net'), before)
        finally:
            guard.restore()
        self.assertEqual(thread_ns_inode('net'), before)

    def test_enter_on_thread(self):
        # A Python thread is an OS thread: it can switch and restore its
        # own namespaces without touching the main thread.
        self.require(NamespaceType.NET)
        main_net = thread_ns_inode('net')
        results = {}

        def worker():
            try:
                guard = Spacetest.enter_transient(NamespaceType.NET,
                                                  TransientFlags.LOOPBACK_UP)
                try:
                    results['inside'] = thread_ns_inode('net')
                    results['served'] = serve_once()[1]
                finally:
                    guard.restore()
                results['after'] = thread_ns_inode('net')
            except Exception as e:  # noqa: BLE001 (reported below)
                results['error'] = e

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        self.assertNotIn('error', results)
        self.assertNotEqual(results['inside'], main_net)
        self.assertEqual(results['served'], b'hello')
        self.assertEqual(results['after'], main_net)
        self.assertEqual(thread_ns_inode('net'), main_net)


class NamespaceEnterTests(testutil.TestCase):

    def test_enter_existing(self):
        self.require(NamespaceType.NET)
        ns = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                               TransientFlags.NONE)
        before = thread_ns_inode('net')
        guard = ns.enter()
        try:
            self.assertTrue(ns.is_current())
            self.assertEqual(thread_ns_inode('net'), ns.get_inode())
            self.assertTrue(
                guard.get_namespace(NamespaceType.NET).equal(ns))
        finally:
            guard.restore()
        self.assertFalse(ns.is_current())
        self.assertEqual(thread_ns_inode('net'), before)

    def test_enter_mnt_restores_cwd(self):
        self.require(NamespaceType.MNT)
        ns = Spacetest.Namespace.new_transient(NamespaceType.MNT,
                                               TransientFlags.NONE)
        cwd = os.getcwd()
        guard = ns.enter()
        try:
            self.assertEqual(thread_ns_inode('mnt'), ns.get_inode())
        finally:
            guard.restore()
        self.assertEqual(os.getcwd(), cwd)

    def test_enter_user_refused(self):
        user = Spacetest.Namespace.new_current(NamespaceType.USER)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, user.enter)


class ExecuteTests(testutil.TestCase):

    def test_execute_closure(self):
        self.require(NET_UTS)
        net = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                                TransientFlags.LOOPBACK_UP)
        uts = Spacetest.Namespace.new_transient(NamespaceType.UTS,
                                                TransientFlags.NONE)
        before = thread_ns_inodes()
        results = []

        def inside():
            results.append(thread_ns_inodes())
            results.append(threading.get_native_id())
            results.append(serve_once(8080))

        self.assertTrue(Spacetest.execute([net, uts], inside))
        self.assertEqual(len(results), 3)
        seen, tid, served = results
        self.assertEqual(seen['net'], net.get_inode())
        self.assertEqual(seen['uts'], uts.get_inode())
        self.assertEqual(seen['ipc'], before['ipc'])
        self.assertEqual(seen['mnt'], before['mnt'])
        # Without a mount namespace it runs on the calling thread.
        self.assertEqual(tid, threading.get_native_id())
        self.assertEqual(served, (8080, b'hello'))
        self.assertEqual(thread_ns_inodes(), before)

    def test_execute_empty(self):
        before = thread_ns_inodes()
        seen = []
        self.assertTrue(Spacetest.execute([], lambda: seen.append(
            thread_ns_inodes())))
        self.assertTrue(Spacetest.execute(None, lambda: seen.append(
            thread_ns_inodes())))
        self.assertEqual(seen, [before, before])

    def test_namespace_execute(self):
        self.require(NamespaceType.NET)
        ns = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                               TransientFlags.NONE)
        seen = []
        self.assertTrue(ns.execute(lambda: seen.append(ns.is_current())))
        self.assertEqual(seen, [True])
        self.assertFalse(ns.is_current())

    def test_execute_mnt_on_other_thread(self):
        self.require(NamespaceType.MNT)
        ns = Spacetest.Namespace.new_transient(NamespaceType.MNT,
                                               TransientFlags.NONE)
        results = {}

        def inside():
            results['tid'] = threading.get_native_id()
            results['mnt'] = thread_ns_inode('mnt')
            mount_tmpfs(target)
            with open(os.path.join(target, 'inside'), 'w') as f:
                f.write('x')

        with tempfile.TemporaryDirectory() as target:
            self.assertTrue(ns.execute(inside))
            self.assertNotEqual(results['tid'], threading.get_native_id())
            self.assertEqual(results['mnt'], ns.get_inode())
            # Visible through the namespace's root path only.
            self.assertEqual(os.listdir(target), [])
            self.assertEqual(
                os.listdir(ns.get_root_path() + os.path.realpath(target)),
                ['inside'])

    # The bindings must refuse a missing callback (the C side would hit
    # g_return_val_if_fail) rather than pass None through.
    def test_execute_func_not_nullable(self):
        for callable_info in (Spacetest.execute, Spacetest.Namespace.execute,
                              Spacetest.thread_new):
            func_arg, = [arg for arg in callable_info.get_arguments()
                         if arg.get_name() == 'func']
            self.assertFalse(func_arg.may_be_null(), callable_info)

    def test_execute_user_refused(self):
        user = Spacetest.Namespace.new_current(NamespaceType.USER)
        ran = []
        self.assertSpacetestError(Error.INVALID_ARGUMENT, Spacetest.execute,
                                  [user], lambda: ran.append(True))
        self.assertEqual(ran, [])


class CanCreateTests(testutil.TestCase):

    def test_can_create(self):
        self.require(NET_UTS)
        self.assertTrue(Spacetest.can_create(NET_UTS))
        self.assertTrue(Spacetest.check_can_create(NET_UTS))
        self.assertTrue(Spacetest.can_create(NamespaceType.NONE))

    def test_cannot_create_user_pid(self):
        for types in (NamespaceType.USER, NamespaceType.PID,
                      NamespaceType.PID | NamespaceType.NET):
            with self.subTest(types=types):
                self.assertFalse(Spacetest.can_create(types))
                error = self.assertSpacetestError(
                    Error.NOT_SUPPORTED, Spacetest.check_can_create, types)
                self.assertIn('SpacetestSpacer', error.message)

    def test_probe_has_no_side_effects(self):
        before = thread_ns_inodes()
        Spacetest.can_create(NamespaceType.NET | NamespaceType.MNT)
        self.assertEqual(thread_ns_inodes(), before)

    def test_init_user_namespace_again(self):
        # Already privileged (as root, or after testutil's call): a no-op.
        self.require(NamespaceType.NET)
        before = thread_ns_inodes()
        self.assertTrue(Spacetest.init_user_namespace())
        self.assertEqual(thread_ns_inodes(), before)

    # Hook: spacer-backed checks (can_create through a SpacetestSpacer)
    # belong in test_spacer.py.


if __name__ == '__main__':
    taprunner.main()
