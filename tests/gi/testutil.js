// SPDX-FileCopyrightText: 2026 The spacetest-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
// testutil.js: shared set-up of the GJS tests of the Spacetest bindings.
//
// gjs is multi-threaded from the start, so Spacetest.init_user_namespace()
// cannot work in-process when unprivileged: meson runs these tests under
// the run-unprivileged helper, which does it before executing gjs and
// reports a failure in SPACETEST_GI_USERNS_FAILURE. The in-process call
// below is then a no-op; it matters only when gjs runs the file directly.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Spacetest from 'gi://Spacetest?version=1';
import System from 'system';

import {afterEach, assertEqual, beforeEach, fail, skip} from './tap.js';

export const NamespaceType = Spacetest.NamespaceType;

export const ALL_TYPES = [
    [NamespaceType.CGROUP, 'cgroup'],
    [NamespaceType.IPC, 'ipc'],
    [NamespaceType.MNT, 'mnt'],
    [NamespaceType.NET, 'net'],
    [NamespaceType.PID, 'pid'],
    [NamespaceType.TIME, 'time'],
    [NamespaceType.USER, 'user'],
    [NamespaceType.UTS, 'uts'],
];

// Why unprivileged mode could not be set up, for skip messages.
let usernsFailure = GLib.getenv('SPACETEST_GI_USERNS_FAILURE');
if (usernsFailure === null && GLib.getenv('SPACETEST_USERNS') !== '0') {
    try {
        Spacetest.init_user_namespace();
    } catch (e) {
        usernsFailure = e.message;
        if (e.matches(Spacetest.error_quark(), Spacetest.Error.WRONG_THREAD))
            usernsFailure += '; gjs starts threads at once: run it under tests/gi/run-unprivileged';
    }
}

// The calling thread's namespace of type name, as an inode number (as a
// string: a JS number cannot hold every guint64).
export function threadNsInode(name) {
    const info = Gio.File.new_for_path(`/proc/thread-self/ns/${name}`)
        .query_info('unix::inode', Gio.FileQueryInfoFlags.NONE, null);
    return String(info.get_attribute_uint64('unix::inode'));
}

export function threadNsInodes() {
    const inodes = {};
    for (const [, name] of ALL_TYPES)
        inodes[name] = threadNsInode(name);
    return inodes;
}

export function inodeOf(ns) {
    return String(ns.get_inode());
}

function openFds() {
    const fds = {};
    const dir = Gio.File.new_for_path('/proc/self/fd');
    const children = dir.enumerate_children('standard::name',
        Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    const names = [];
    let info;
    while ((info = children.next_file(null)) !== null)
        names.push(info.get_name());
    children.close(null);
    for (const name of names) {
        try {
            fds[name] = GLib.file_read_link(`/proc/self/fd/${name}`);
        } catch (e) {
            // the descriptor of the enumeration itself
        }
    }
    return fds;
}

function readText(path) {
    const [, contents] = GLib.file_get_contents(path);
    return new TextDecoder().decode(contents);
}

export function hostname() {
    return readText('/proc/sys/kernel/hostname').trim();
}

// Sets the host name of the calling thread's UTS namespace. JS has no
// sethostname(); hostname(1) runs in the namespaces of the forking thread.
export function setHostname(name) {
    const [, , , status] = GLib.spawn_sync(null, ['hostname', name], null,
        GLib.SpawnFlags.SEARCH_PATH, null);
    GLib.spawn_check_wait_status(status);
}

// Serves one TCP connection on 127.0.0.1:port in the calling thread's
// network namespace: returns [port, the message received].
export function serveOnce(port = 0) {
    const address = Gio.InetSocketAddress.new_from_string('127.0.0.1', port);
    const server = Gio.Socket.new(Gio.SocketFamily.IPV4,
        Gio.SocketType.STREAM, Gio.SocketProtocol.TCP);
    const client = Gio.Socket.new(Gio.SocketFamily.IPV4,
        Gio.SocketType.STREAM, Gio.SocketProtocol.TCP);
    let accepted = null;
    try {
        server.bind(address, true);
        server.listen();
        const bound = server.get_local_address();
        client.connect(bound, null);
        accepted = server.accept(null);
        client.send(new TextEncoder().encode('hello'), null);
        const stream = accepted.connection_factory_create_connection()
            .get_input_stream();
        const bytes = stream.read_bytes(5, null);
        return [bound.get_port(), new TextDecoder().decode(bytes.toArray())];
    } finally {
        accepted?.close();
        client.close();
        server.close();
    }
}

// Skips the running test unless this process can create transient
// namespaces of types, or fails it with SPACETEST_REQUIRE=1 (the GJS form
// of spacetest_test_require()).
export function requireNs(types) {
    let reason;
    try {
        Spacetest.check_can_create(types);
        return;
    } catch (e) {
        reason = e.message;
    }
    if (usernsFailure !== null)
        reason += ` (unprivileged mode failed: ${usernsFailure})`;
    if (GLib.getenv('SPACETEST_REQUIRE') === '1')
        fail(reason);
    skip(reason);
}

// After every test: the main thread is back in its namespaces, and no file
// descriptor leaked (a wrong transfer annotation would leak one).
let nsBefore, fdsBefore;
beforeEach(() => {
    System.gc();
    nsBefore = threadNsInodes();
    fdsBefore = openFds();
});
afterEach(() => {
    assertEqual(threadNsInodes(), nsBefore,
        'the test left the main thread switched');
    System.gc();
    const leaked = {};
    for (const [fd, target] of Object.entries(openFds())) {
        if (fdsBefore[fd] !== target)
            leaked[fd] = target;
    }
    assertEqual(leaked, {}, 'file descriptors leaked by the test');
});
