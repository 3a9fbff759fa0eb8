# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SpacetestNamespace and the namespace-type helpers, through PyGObject."""

import os
import socket
import tempfile

import testutil  # first: it sets up unprivileged mode
from testutil import ALL_TYPES, NamespaceType, thread_ns_inode
import taprunner

from gi.repository import Spacetest

Error = Spacetest.Error
TransientFlags = Spacetest.TransientFlags


class NamespaceTypeTests(testutil.TestCase):

    def test_to_string(self):
        for ns_type, name in ALL_TYPES:
            with self.subTest(name=name):
                self.assertEqual(Spacetest.namespace_type_to_string(ns_type),
                                 name)
                self.assertEqual(NamespaceType.to_string(ns_type), name)
        self.assertIsNone(Spacetest.namespace_type_to_string(
            NamespaceType.NET | NamespaceType.UTS))
        self.assertIsNone(Spacetest.namespace_type_to_string(
            NamespaceType.NONE))

    def test_from_string(self):
        for ns_type, name in ALL_TYPES:
            with self.subTest(name=name):
                self.assertEqual(
                    Spacetest.namespace_type_from_string(name), ns_type)
        self.assertEqual(Spacetest.namespace_type_from_string('network'),
                         NamespaceType.NONE)
        self.assertEqual(Spacetest.namespace_type_from_string(''),
                         NamespaceType.NONE)

    def test_clone_bits(self):
        # The values are the kernel's CLONE_NEW* bits.
        self.assertEqual(int(NamespaceType.NET), 0x40000000)
        self.assertEqual(int(NamespaceType.MNT), 0x00020000)
        self.assertEqual(int(NamespaceType.TIME), 0x00000080)
        combined = 0
        for ns_type, _ in ALL_TYPES:
            combined |= int(ns_type)
        self.assertEqual(combined, Spacetest.NAMESPACE_TYPE_ALL)


class CurrentNamespaceTests(testutil.TestCase):

    def test_new_current(self):
        for ns_type, name in ALL_TYPES:
            with self.subTest(name=name):
                ns = Spacetest.Namespace.new_current(ns_type)
                self.assertEqual(ns.get_namespace_type(), ns_type)
                self.assertEqual(ns.props.namespace_type, ns_type)
                self.assertEqual(ns.get_inode(), thread_ns_inode(name))
                self.assertEqual(ns.props.inode, ns.get_inode())
                self.assertTrue(ns.is_current())
                self.assertIsNone(ns.get_root_path())
                self.assertEqual(os.fstat(ns.get_fd()).st_ino,
                                 ns.get_inode())

    def test_new_current_bad_type(self):
        for ns_type in (NamespaceType.NONE,
                        NamespaceType.NET | NamespaceType.UTS):
            with self.subTest(ns_type=ns_type):
                self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                          Spacetest.Namespace.new_current,
                                          ns_type)

    def test_equal_hash(self):
        a = Spacetest.Namespace.new_current(NamespaceType.NET)
        b = Spacetest.Namespace.new_current(NamespaceType.NET)
        uts = Spacetest.Namespace.new_current(NamespaceType.UTS)
        self.assertIsNot(a, b)
        self.assertTrue(a.equal(b))
        self.assertTrue(b.equal(a))
        self.assertEqual(a.hash(), b.hash())
        self.assertFalse(a.equal(uts))

    def test_dup_fd(self):
        ns = Spacetest.Namespace.new_current(NamespaceType.IPC)
        fd = ns.dup_fd()
        try:
            self.assertNotEqual(fd, ns.get_fd())
            self.assertEqual(os.fstat(fd).st_ino, ns.get_inode())
            self.assertFalse(os.get_inheritable(fd))
        finally:
            os.close(fd)
        # The object's own descriptor is still open.
        self.assertEqual(os.fstat(ns.get_fd()).st_ino, ns.get_inode())

    def test_owner(self):
        net = Spacetest.Namespace.new_current(NamespaceType.NET)
        owner = net.get_owner()
        self.assertEqual(owner.get_namespace_type(), NamespaceType.USER)
        # The base namespaces belong to the process's user namespace, as
        # root and in unprivileged mode alike.
        self.assertEqual(owner.get_inode(), thread_ns_inode('user'))

    def test_parent_bad_type(self):
        net = Spacetest.Namespace.new_current(NamespaceType.NET)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, net.get_parent)


class OpenNamespaceTests(testutil.TestCase):

    def test_for_path(self):
        ns = Spacetest.Namespace.new_for_path('/proc/thread-self/ns/uts')
        self.assertEqual(ns.get_namespace_type(), NamespaceType.UTS)
        self.assertTrue(
            ns.equal(Spacetest.Namespace.new_current(NamespaceType.UTS)))

    def test_for_path_missing(self):
        error = self.assertSpacetestError(
            Error.NOT_A_NAMESPACE, Spacetest.Namespace.new_for_path,
            '/proc/thread-self/ns/no-such-type')
        self.assertIn('no-such-type', error.message)

    def test_for_path_not_a_namespace(self):
        with tempfile.NamedTemporaryFile() as f:
            self.assertSpacetestError(Error.NOT_A_NAMESPACE,
                                      Spacetest.Namespace.new_for_path,
                                      f.name)

    def test_for_fd(self):
        fd = os.open('/proc/thread-self/ns/ipc', os.O_RDONLY | os.O_CLOEXEC)
        try:
            ns = Spacetest.Namespace.new_for_fd(fd)
            # The object holds a duplicate; the caller keeps its own.
            self.assertNotEqual(ns.get_fd(), fd)
            self.assertEqual(ns.get_namespace_type(), NamespaceType.IPC)
            self.assertEqual(ns.get_inode(), os.fstat(fd).st_ino)
        finally:
            os.close(fd)
        self.assertEqual(os.fstat(ns.get_fd()).st_ino, ns.get_inode())

    def test_for_fd_invalid(self):
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  Spacetest.Namespace.new_for_fd, -1)

    def test_for_fd_not_a_namespace(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            self.assertSpacetestError(Error.NOT_A_NAMESPACE,
                                      Spacetest.Namespace.new_for_fd,
                                      sock.fileno())

    def test_for_pid(self):
        for ns_type, name in ALL_TYPES:
            with self.subTest(name=name):
                ns = Spacetest.Namespace.new_for_pid(os.getpid(), ns_type)
                self.assertEqual(ns.get_namespace_type(), ns_type)
                self.assertEqual(
                    ns.get_inode(),
                    os.stat('/proc/%d/ns/%s' % (os.getpid(), name)).st_ino)

    def test_for_pid_gone(self):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        self.assertSpacetestError(Error.NOT_A_NAMESPACE,
                                  Spacetest.Namespace.new_for_pid,
                                  pid, NamespaceType.NET)


class ConstructionTests(testutil.TestCase):
    """Objects made the GObject way, as bindings can: never half-made."""

    def test_new_without_fd(self):
        ns = Spacetest.Namespace()
        self.assertEqual(ns.get_fd(), -1)
        self.assertEqual(ns.get_namespace_type(), NamespaceType.NONE)
        self.assertFalse(ns.is_current())
        # g_initable_init() says why, and so does every call needing one
        self.assertSpacetestError(Error.INVALID_ARGUMENT, ns.init, None)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, ns.enter)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, ns.dup_fd)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, ns.get_owner)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, ns.get_parent)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, ns.execute,
                                  lambda *args: None)
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  Spacetest.execute, [ns], lambda *a: None)

    def test_new_with_fd(self):
        fd = os.open('/proc/thread-self/ns/uts', os.O_RDONLY | os.O_CLOEXEC)
        # the object takes ownership of the descriptor, as GSocket does
        ns = Spacetest.Namespace(fd=fd)
        self.assertTrue(ns.init(None))
        self.assertEqual(ns.get_fd(), fd)
        self.assertEqual(ns.get_namespace_type(), NamespaceType.UTS)
        self.assertEqual(ns.get_inode(), os.fstat(fd).st_ino)
        self.assertTrue(ns.is_current())
        guard = ns.enter()
        guard.restore()
        del guard, ns
        with self.assertRaises(OSError):
            os.fstat(fd)

    def test_empty_guard(self):
        # a guard that switched nothing has nothing to undo
        guard = Spacetest.Guard()
        self.assertFalse(guard.is_restored())
        self.assertEqual(guard.get_namespace_types(), NamespaceType.NONE)
        self.assertIsNone(guard.get_namespace(NamespaceType.NET))
        self.assertTrue(guard.restore())
        self.assertTrue(guard.is_restored())

    def test_new_with_other_fd(self):
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        os.close(write_end)
        ns = Spacetest.Namespace(fd=read_end)
        self.assertSpacetestError(Error.NOT_A_NAMESPACE, ns.init, None)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, ns.enter)
        del ns
        with self.assertRaises(OSError):
            os.fstat(read_end)



class TransientNamespaceTests(testutil.TestCase):

    def test_net(self):
        self.require(NamespaceType.NET)
        current = Spacetest.Namespace.new_current(NamespaceType.NET)
        ns = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                               TransientFlags.LOOPBACK_UP)
        self.assertEqual(ns.get_namespace_type(), NamespaceType.NET)
        self.assertFalse(ns.equal(current))
        self.assertNotEqual(ns.get_inode(), thread_ns_inode('net'))
        self.assertFalse(ns.is_current())
        self.assertIsNone(ns.get_root_path())

        seen = []

        def inside():
            seen.append(thread_ns_inode('net'))
            seen.append(testutil.net_device_flags('lo'))

        self.assertTrue(ns.execute(inside))
        self.assertEqual(seen[0], ns.get_inode())
        self.assertTrue(seen[1] & testutil.IFF_UP)
        self.assertEqual(thread_ns_inode('net'), current.get_inode())

    def test_net_loopback_down(self):
        self.require(NamespaceType.NET)
        ns = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                               TransientFlags.NONE)
        flags = []
        self.assertTrue(ns.execute(
            lambda: flags.append(testutil.net_device_flags('lo'))))
        self.assertFalse(flags[0] & testutil.IFF_UP)

    def test_uts(self):
        self.require(NamespaceType.UTS)
        host = socket.gethostname()
        ns = Spacetest.Namespace.new_transient(NamespaceType.UTS,
                                               TransientFlags.NONE)
        self.assertNotEqual(ns.get_inode(), thread_ns_inode('uts'))
        self.assertTrue(
            ns.execute(lambda: socket.sethostname('spacetest-python')))
        names = []
        self.assertTrue(ns.execute(lambda: names.append(socket.gethostname())))
        self.assertEqual(names, ['spacetest-python'])
        self.assertEqual(socket.gethostname(), host)

    def test_mnt_root_path(self):
        self.require(NamespaceType.MNT)
        ns = Spacetest.Namespace.new_transient(NamespaceType.MNT,
                                               TransientFlags.NONE)
        self.assertNotEqual(ns.get_inode(), thread_ns_inode('mnt'))
        root = ns.get_root_path()
        self.assertIsNotNone(root)
        self.assertEqual(ns.props.root_path, root)
        self.assertTrue(root.startswith('/proc/'))
        # The same file system, seen through the other namespace.
        self.assertEqual(sorted(os.listdir(root)), sorted(os.listdir('/')))
        with open(os.path.join(root, 'proc/sys/kernel/ostype')) as f:
            self.assertEqual(f.read().strip(), 'Linux')

    def test_time(self):
        self.require(NamespaceType.TIME)
        ns = Spacetest.Namespace.new_transient(NamespaceType.TIME,
                                               TransientFlags.NONE)
        self.assertEqual(ns.get_namespace_type(), NamespaceType.TIME)
        # The really new namespace, not the creator's (the manual's
        # pitfalls-children).
        self.assertNotEqual(ns.get_inode(), thread_ns_inode('time'))
        self.assertFalse(ns.is_current())

    def test_cgroup_ipc(self):
        for ns_type, name in ((NamespaceType.CGROUP, 'cgroup'),
                              (NamespaceType.IPC, 'ipc')):
            with self.subTest(name=name):
                self.require(ns_type)
                ns = Spacetest.Namespace.new_transient(ns_type,
                                                       TransientFlags.NONE)
                self.assertEqual(ns.get_namespace_type(), ns_type)
                self.assertNotEqual(ns.get_inode(), thread_ns_inode(name))

    def test_user_pid_need_spacer(self):
        for ns_type in (NamespaceType.USER, NamespaceType.PID):
            with self.subTest(ns_type=ns_type):
                error = self.assertSpacetestError(
                    Error.INVALID_ARGUMENT,
                    Spacetest.Namespace.new_transient,
                    ns_type, TransientFlags.NONE)
                self.assertIn('SpacetestSpacer', error.message)

    def test_several_types(self):
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  Spacetest.Namespace.new_transient,
                                  NamespaceType.NET | NamespaceType.UTS,
                                  TransientFlags.NONE)

    def test_owner(self):
        self.require(NamespaceType.NET)
        ns = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                               TransientFlags.NONE)
        self.assertEqual(ns.get_owner().get_inode(), thread_ns_inode('user'))

    def test_distinct(self):
        self.require(NamespaceType.NET)
        a = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                              TransientFlags.NONE)
        b = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                              TransientFlags.NONE)
        self.assertFalse(a.equal(b))
        self.assertNotEqual(a.get_inode(), b.get_inode())

    # Hook: SpacetestSpacer tests (user and PID namespaces, rooms,
    # subspaces) go to a test_spacer.py of their own; list it in
    # python_tests in meson.build.


if __name__ == '__main__':
    taprunner.main()
