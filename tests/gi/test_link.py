# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SpacetestLink through PyGObject: a veth pair between two transient
network namespaces, with an address on each end and TCP across."""

import gc

import testutil  # first: it sets up unprivileged mode
from testutil import NamespaceType, tcp_round_trip, thread_ns_inodes
import taprunner

from gi.repository import GLib, GObject, Gio, Spacetest

Error = Spacetest.Error
TransientFlags = Spacetest.TransientFlags


def new_netns():
    return Spacetest.Namespace.new_transient(NamespaceType.NET,
                                             TransientFlags.LOOPBACK_UP)


def link_exists(netns, name):
    """Whether @netns has an interface @name, asked through a new link
    object (which never deletes what it names)."""
    try:
        Spacetest.Link.new_for_name(netns, name)
        return True
    except GLib.Error as e:
        if e.matches(Spacetest.error_quark(), Error.NOT_FOUND):
            return False
        raise


class LinkTests(testutil.TestCase):

    def setUp(self):
        super().setUp()
        self.require(NamespaceType.NET)

    def test_veth_tcp(self):
        a = new_netns()
        b = new_netns()
        before = thread_ns_inodes()
        link, peer = Spacetest.Link.new_veth(a, 'pya0', b, None)
        self.assertEqual(thread_ns_inodes(), before)
        self.assertEqual(link.get_name(), 'pya0')
        self.assertEqual(link.props.name, 'pya0')
        self.assertTrue(peer.get_name().startswith('st'))
        self.assertTrue(link.get_namespace().equal(a))
        self.assertTrue(peer.props.namespace.equal(b))
        self.assertGreater(link.get_index(), 1)
        self.assertEqual(link.props.index, link.get_index())

        link.add_address('192.0.2.1/24')
        peer.add_address('192.0.2.2/24')
        link.add_address('2001:db8::1/64')
        peer.add_address('2001:db8::2/64')
        self.assertIn('192.0.2.1/24', link.dup_addresses())
        self.assertIn('2001:db8::2/64', peer.dup_addresses())

        for client, server, address in ((a, b, '192.0.2.2'),
                                        (b, a, '192.0.2.1'),
                                        (a, b, '2001:db8::2')):
            with self.subTest(address=address):
                results = tcp_round_trip(client, server, address)
                self.assertNotIn('server error', results)
                self.assertEqual(results.get('server'), b'ping')
                self.assertEqual(results.get('client'), b'pong')
        self.assertEqual(thread_ns_inodes(), before)

        mac = link.dup_mac_address()
        self.assertRegex(mac, r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$')

        # The pair goes with the last reference to either end.
        peer_name = peer.get_name()
        del link
        gc.collect()
        self.assertTrue(link_exists(b, peer_name))
        del peer
        gc.collect()
        self.assertFalse(link_exists(b, peer_name))
        self.assertFalse(link_exists(a, 'pya0'))

    def test_errors(self):
        a = new_netns()
        uts = Spacetest.Namespace.new_transient(NamespaceType.UTS,
                                                TransientFlags.NONE)
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  Spacetest.Link.new_veth, a, None, uts,
                                  None)
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  Spacetest.Link.new_bridge, a,
                                  '0123456789abcdef')
        self.assertSpacetestError(Error.NOT_FOUND,
                                  Spacetest.Link.new_for_name, a, 'nosuch0')
        bridge = Spacetest.Link.new_bridge(a, None)
        error = self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                          bridge.add_address, '300.1.1.1/24')
        self.assertIn('300.1.1.1/24', error.message)
        self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                  bridge.add_route, 'default', None)
        self.assertSpacetestError(Error.FAILED, Spacetest.Link.new_bridge, a,
                                  bridge.get_name())
        bridge.delete()
        bridge.delete()
        self.assertSpacetestError(Error.NOT_FOUND, bridge.set_up, True)

        empty = GObject.new(Spacetest.Link)
        self.assertIsNone(empty.get_name())
        error = self.assertSpacetestError(Error.INVALID_ARGUMENT,
                                          empty.set_up, True)
        self.assertIn('holds no link', error.message)


if __name__ == '__main__':
    taprunner.main()
