// SPDX-FileCopyrightText: 2026 The spacetest-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
// test-link.js: SpacetestLink through GJS: a veth pair between two
// transient network namespaces, with an address on each end and TCP
// across.

import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Spacetest from 'gi://Spacetest?version=1';

import {
    assert, assertEqual, assertThrowsGError, run, test,
} from './tap.js';
import {NamespaceType, requireNs, threadNsInodes} from './testutil.js';

const {Error: SpacetestError, Link, Namespace, TransientFlags} = Spacetest;
const DOMAIN = Spacetest.error_quark();

function newNetns() {
    return Namespace.new_transient(NamespaceType.NET,
        TransientFlags.LOOPBACK_UP);
}

const decoder = new TextDecoder();

function readText(connection, length) {
    const bytes = connection.get_input_stream().read_bytes(length, null);
    return decoder.decode(bytes.toArray());
}

// One TCP connection to address, served in serverNs and opened from
// clientNs: each socket is made inside its namespace (in a function run
// there by Namespace.execute()) and stays there. Returns what each side
// received.
function tcpRoundTrip(clientNs, serverNs, address) {
    const listener = new Gio.SocketListener();
    let port = 0, connection = null;
    try {
        serverNs.execute(() => {
            const [, bound] = listener.add_address(
                Gio.InetSocketAddress.new_from_string(address, 0),
                Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, null);
            port = bound.get_port();
        });
        clientNs.execute(() => {
            const client = new Gio.SocketClient({timeout: 10});
            connection = client.connect(
                Gio.InetSocketAddress.new_from_string(address, port), null);
        });
        const [served] = listener.accept(null);
        try {
            connection.get_output_stream().write_all(
                new TextEncoder().encode('ping'), null);
            const serverGot = readText(served, 4);
            served.get_output_stream().write_all(
                new TextEncoder().encode('pong'), null);
            return [serverGot, readText(connection, 4)];
        } finally {
            served.close(null);
        }
    } finally {
        connection?.close(null);
        listener.close();
    }
}

function linkExists(netns, name) {
    try {
        Link.new_for_name(netns, name);
        return true;
    } catch (e) {
        if (e.matches(DOMAIN, SpacetestError.NOT_FOUND))
            return false;
        throw e;
    }
}

test('veth pair with TCP across', () => {
    requireNs(NamespaceType.NET);
    const a = newNetns();
    const b = newNetns();
    const before = threadNsInodes();
    const [link, peer] = Link.new_veth(a, 'jsa0', b, null);
    assertEqual(threadNsInodes(), before);
    assertEqual(link.get_name(), 'jsa0');
    assertEqual(link.name, 'jsa0');
    assert(peer.get_name().startsWith('st'), peer.get_name());
    assert(link.get_namespace().equal(a));
    assert(peer.namespace.equal(b));
    assert(link.get_index() > 1);

    link.add_address('192.0.2.1/24');
    peer.add_address('192.0.2.2/24');
    link.add_address('2001:db8::1/64');
    peer.add_address('2001:db8::2/64');
    assert(peer.dup_addresses().includes('192.0.2.2/24'));

    assertEqual(tcpRoundTrip(a, b, '192.0.2.2'), ['ping', 'pong']);
    assertEqual(tcpRoundTrip(b, a, '192.0.2.1'), ['ping', 'pong']);
    assertEqual(tcpRoundTrip(b, a, '2001:db8::1'), ['ping', 'pong']);
    assertEqual(threadNsInodes(), before);
    assert(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(link.dup_mac_address()));

    link.delete();
    link.delete();
    assert(!linkExists(b, peer.get_name()));
    assertThrowsGError(() => peer.set_up(true), DOMAIN,
        SpacetestError.NOT_FOUND);
});

test('errors', () => {
    requireNs(NamespaceType.NET | NamespaceType.UTS);
    const a = newNetns();
    const uts = Namespace.new_transient(NamespaceType.UTS,
        TransientFlags.NONE);
    assertThrowsGError(() => Link.new_veth(a, null, uts, null), DOMAIN,
        SpacetestError.INVALID_ARGUMENT);
    assertThrowsGError(() => Link.new_bridge(a, '0123456789abcdef'), DOMAIN,
        SpacetestError.INVALID_ARGUMENT);
    assertThrowsGError(() => Link.new_for_name(a, 'nosuch0'), DOMAIN,
        SpacetestError.NOT_FOUND);
    const bridge = Link.new_bridge(a, null);
    assertThrowsGError(() => bridge.add_address('banana'), DOMAIN,
        SpacetestError.INVALID_ARGUMENT);
    assertThrowsGError(() => bridge.add_route('default', null), DOMAIN,
        SpacetestError.INVALID_ARGUMENT);
    const empty = GObject.Object.new(Link.$gtype, []);
    const e = assertThrowsGError(() => empty.set_mtu(1500), DOMAIN,
        SpacetestError.INVALID_ARGUMENT);
    assert(e.message.includes('holds no link'), e.message);
});

run();
