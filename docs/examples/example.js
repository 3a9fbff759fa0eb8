// SPDX-FileCopyrightText: 2026 The spacetest-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
// spacetest-glib from GJS: a network namespace entered with a guard, a
// function run inside a namespace, rooms from a spacer, and an error.
//
//   gjs -m example.js
//
// gjs starts threads of its own, so Spacetest.init_user_namespace() cannot
// work in it: without privileges, run it in a user namespace of its own,
//   unshare --user --map-root-user --net --mount --propagation private \
//     --uts --ipc --cgroup gjs -m example.js
// Exits with 77 (skipped) where it cannot create namespaces, or with 1 if
// SPACETEST_REQUIRE=1.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Spacetest from 'gi://Spacetest?version=1';
import System from 'system';

const {NamespaceType} = Spacetest;
const LOOPBACK_UP = Spacetest.TransientFlags.LOOPBACK_UP;

try {
    if (GLib.getenv('SPACETEST_USERNS') !== '0')
        Spacetest.init_user_namespace();  // nothing to do with privileges
    Spacetest.check_can_create(NamespaceType.NET | NamespaceType.UTS);
} catch (e) {
    print(`skipped: ${e.message}`);
    System.exit(GLib.getenv('SPACETEST_REQUIRE') === '1' ? 1 : 77);
}

// 1. Enter a new network namespace; restore the thread in 'finally'.
const guard = Spacetest.enter_transient(NamespaceType.NET, LOOPBACK_UP);
try {
    const server = Gio.Socket.new(Gio.SocketFamily.IPV4,
        Gio.SocketType.STREAM, Gio.SocketProtocol.TCP);
    server.bind(Gio.InetSocketAddress.new_from_string('127.0.0.1', 8080),
        true);
    server.listen();
    server.close();
} finally {
    guard.restore();
}
const inode = guard.get_namespace(NamespaceType.NET).get_inode();
print(`bound 127.0.0.1:8080 in net:[${inode}]`);

// 2. Run a function inside a namespace; results travel through a closure.
const netns = Spacetest.Namespace.new_transient(NamespaceType.NET,
    LOOPBACK_UP);
let inside = false;
netns.execute(() => {
    inside = netns.is_current();
});
if (!inside || netns.is_current())
    throw new Error('execute() did not run inside the namespace');

// 3. A spacer in new user and PID namespaces, and rooms owned by it.
const spacer = Spacetest.Spacer.new(null);
let sub = null;
try {
    sub = spacer.subspace(NamespaceType.USER | NamespaceType.PID, null);
    const rooms = sub.rooms(NamespaceType.NET | NamespaceType.UTS, null);
    const names = rooms.map(ns =>
        `${Spacetest.namespace_type_to_string(ns.get_namespace_type())}:` +
        `[${ns.get_inode()}]`);
    print(`rooms: ${names.join(', ')}`);
} finally {
    sub?.close();
    spacer.close();
}

// 4. Errors are GLib.Error in the Spacetest error domain.
try {
    Spacetest.Namespace.new_for_path('/nonexistent');
    throw new Error('no error for /nonexistent');
} catch (e) {
    if (!(e instanceof GLib.Error) ||
        !e.matches(Spacetest.Error, Spacetest.Error.NOT_A_NAMESPACE))
        throw e;
    print(`expected error: ${e.message}`);
}
