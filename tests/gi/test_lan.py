# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test LAN and private files through PyGObject: two namespaces made
with TransientFlags.ETHERNET reach each other by their LAN addresses, and
a private /etc/hosts is seen inside a transient mount namespace only."""

import testutil  # first: it sets up unprivileged mode
from testutil import NamespaceType, tcp_round_trip, thread_ns_inodes
import taprunner

from gi.repository import Gio, Spacetest

Error = Spacetest.Error
TransientFlags = Spacetest.TransientFlags


class LanTests(testutil.TestCase):

    @classmethod
    def setUpClass(cls):
        # The first namespace on the LAN makes the LAN's hub, which the
        # library keeps (with three descriptors) for the life of the
        # process: make it before the tests' descriptor checks.
        if Spacetest.can_create(NamespaceType.NET):
            Spacetest.Namespace.new_transient(NamespaceType.NET,
                                              TransientFlags.ETHERNET)

    def test_two_hosts(self):
        self.require(NamespaceType.NET)
        before = thread_ns_inodes()
        a = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                              TransientFlags.ETHERNET)
        b = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                              TransientFlags.ETHERNET)
        self.assertEqual(thread_ns_inodes(), before)

        a4 = a.get_lan_address(Gio.SocketFamily.IPV4)
        b4 = b.get_lan_address(Gio.SocketFamily.IPV4)
        a6 = a.get_lan_address(Gio.SocketFamily.IPV6)
        self.assertIsInstance(a4, Gio.InetAddress)
        self.assertNotEqual(a4.to_string(), b4.to_string())
        self.assertTrue(a4.to_string().startswith('198.1'))
        self.assertTrue(a6.to_string().startswith('fd00:5354::'))

        for address in (a4.to_string(), a6.to_string()):
            with self.subTest(address=address):
                results = tcp_round_trip(b, a, address)
                self.assertNotIn('server error', results)
                self.assertEqual(results.get('server'), b'ping')
                self.assertEqual(results.get('client'), b'pong')
        self.assertEqual(thread_ns_inodes(), before)

        plain = Spacetest.Namespace.new_transient(
            NamespaceType.NET, TransientFlags.LOOPBACK_UP)
        self.assertIsNone(plain.get_lan_address(Gio.SocketFamily.IPV4))

    def test_mount_file(self):
        self.require(NamespaceType.MNT)
        with open('/etc/hosts', 'rb') as f:
            host = f.read()
        # refused in the process's own mount namespace
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  Spacetest.mount_file, '/etc/hosts',
                                  b'192.0.2.9 py.test\n')

        guard = Spacetest.enter_transient(NamespaceType.MNT,
                                          TransientFlags.NONE)
        try:
            Spacetest.mount_file('/etc/hosts', b'192.0.2.9 py.test\n')
            with open('/etc/hosts', 'rb') as f:
                self.assertEqual(f.read(), b'192.0.2.9 py.test\n')
            self.assertSpacetestError(Error.NOT_FOUND, Spacetest.mount_tmpfs,
                                      '/nonexistent-spacetest')
        finally:
            guard.restore()
        with open('/etc/hosts', 'rb') as f:
            self.assertEqual(f.read(), host)


if __name__ == '__main__':
    taprunner.main()
