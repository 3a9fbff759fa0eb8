// SPDX-FileCopyrightText: 2026 The spacetest-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
// test-enter.js: entering namespaces, guards and spacetest_execute(),
// through GJS.
//
// Every guard is restored in a 'finally', so that the main thread is never
// left switched for the next test (testutil.js checks that).
//
// Not covered here, because GJS cannot do it: spacetest_execute() with a
// mount namespace in the set runs the function on another thread, and gjs
// refuses to call JS there ("Attempting to run a JS callback on a
// different thread"); enter the mount namespace with a guard instead. For
// the same reason there is no WRONG_THREAD test (JS code has no second
// thread); the Python tests cover both.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Spacetest from 'gi://Spacetest?version=1';

import {
    assert, assertEqual, assertNotEqual, assertThrowsGError, run, test,
} from './tap.js';
import {
    NamespaceType, hostname, inodeOf, requireNs, serveOnce, setHostname,
    threadNsInode, threadNsInodes,
} from './testutil.js';

const {Error: SpacetestError, Namespace, TransientFlags} = Spacetest;
const DOMAIN = Spacetest.error_quark();
const NET_UTS = NamespaceType.NET | NamespaceType.UTS;

function listDir(path) {
    const children = Gio.File.new_for_path(path).enumerate_children(
        'standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    const names = [];
    let info;
    while ((info = children.next_file(null)) !== null)
        names.push(info.get_name());
    children.close(null);
    return names.sort();
}

test('enter_transient and restore', () => {
    requireNs(NET_UTS);
    const before = threadNsInodes();
    const guard = Spacetest.enter_transient(NET_UTS,
        TransientFlags.LOOPBACK_UP);
    let net;
    try {
        assertEqual(guard.get_namespace_types(), NET_UTS);
        assert(!guard.is_restored());
        net = guard.get_namespace(NamespaceType.NET);
        const uts = guard.get_namespace(NamespaceType.UTS);
        assertEqual(guard.get_namespace(NamespaceType.IPC), null);
        assert(net.is_current());
        assert(uts.is_current());
        assertEqual(threadNsInode('net'), inodeOf(net));
        assertEqual(threadNsInode('uts'), inodeOf(uts));
        assertNotEqual(inodeOf(net), before.net);
        assertEqual(threadNsInode('ipc'), before.ipc);
    } finally {
        assert(guard.restore());
    }
    assert(guard.is_restored());
    assertEqual(threadNsInodes(), before);
    assert(!net.is_current());
    assert(guard.restore(), 'restoring again is a no-op');
    assertEqual(threadNsInodes(), before);
});

test('bind 127.0.0.1:8080 inside enter_transient', () => {
    requireNs(NET_UTS);
    const host = hostname();
    const guard = Spacetest.enter_transient(NET_UTS,
        TransientFlags.LOOPBACK_UP);
    try {
        setHostname('spacetest-js');
        assertEqual(hostname(), 'spacetest-js');
        assertEqual(serveOnce(8080), [8080, 'hello']);
    } finally {
        guard.restore();
    }
    assertEqual(hostname(), host);
});

test('loopback_up', () => {
    requireNs(NamespaceType.NET);
    const guard = Spacetest.enter_transient(NamespaceType.NET,
        TransientFlags.NONE);
    try {
        let error = null;
        try {
            serveOnce();
        } catch (e) {
            error = e;
        }
        assert(error instanceof GLib.Error, `lo is down: ${error}`);
        assert(Spacetest.loopback_up());
        assertEqual(serveOnce()[1], 'hello');
    } finally {
        guard.restore();
    }
});

test('enter_transient with a mount namespace and sysfs', () => {
    requireNs(NamespaceType.NET | NamespaceType.MNT);
    const cwd = GLib.get_current_dir();
    const guard = Spacetest.enter_transient(
        NamespaceType.NET | NamespaceType.MNT,
        TransientFlags.LOOPBACK_UP | TransientFlags.MOUNT_SYSFS);
    try {
        assertEqual(listDir('/sys/class/net'), ['lo']);
    } finally {
        guard.restore();
    }
    assertEqual(GLib.get_current_dir(), cwd);
    assertNotEqual(listDir('/sys/class/net'), ['lo']);
});

test('mount_sysfs is refused in the base mount namespace', () => {
    assertThrowsGError(() => Spacetest.mount_sysfs(),
        DOMAIN, SpacetestError.INVALID_ARGUMENT);
});

test('enter_transient rejects TIME, PID and USER', () => {
    for (const types of [NamespaceType.NONE, NamespaceType.TIME,
        NamespaceType.PID, NamespaceType.USER,
        NamespaceType.USER | NamespaceType.NET]) {
        const before = threadNsInodes();
        assertThrowsGError(
            () => Spacetest.enter_transient(types, TransientFlags.NONE),
            DOMAIN, SpacetestError.INVALID_ARGUMENT);
        assertEqual(threadNsInodes(), before, `after ${types}`);
    }
});

test('Namespace.enter', () => {
    requireNs(NamespaceType.NET);
    const ns = Namespace.new_transient(NamespaceType.NET, TransientFlags.NONE);
    const before = threadNsInode('net');
    const guard = ns.enter();
    try {
        assert(ns.is_current());
        assertEqual(threadNsInode('net'), inodeOf(ns));
        assert(guard.get_namespace(NamespaceType.NET).equal(ns));
    } finally {
        guard.restore();
    }
    assert(!ns.is_current());
    assertEqual(threadNsInode('net'), before);
});

test('Namespace.enter of a mount namespace', () => {
    requireNs(NamespaceType.MNT);
    const ns = Namespace.new_transient(NamespaceType.MNT, TransientFlags.NONE);
    const cwd = GLib.get_current_dir();
    const guard = ns.enter();
    try {
        assertEqual(threadNsInode('mnt'), inodeOf(ns));
    } finally {
        guard.restore();
    }
    assertEqual(threadNsInode('mnt'),
        inodeOf(Namespace.new_current(NamespaceType.MNT)));
    assertNotEqual(threadNsInode('mnt'), inodeOf(ns));
    assertEqual(GLib.get_current_dir(), cwd);
});

test('Namespace.enter refuses a user namespace', () => {
    const user = Namespace.new_current(NamespaceType.USER);
    assertThrowsGError(() => user.enter(),
        DOMAIN, SpacetestError.INVALID_ARGUMENT);
});

test('execute with a JS closure', () => {
    requireNs(NET_UTS);
    const net = Namespace.new_transient(NamespaceType.NET,
        TransientFlags.LOOPBACK_UP);
    const uts = Namespace.new_transient(NamespaceType.UTS,
        TransientFlags.NONE);
    const before = threadNsInodes();
    const results = [];
    assert(Spacetest.execute([net, uts], () => {
        results.push(threadNsInodes());
        results.push(serveOnce(8080));
    }));
    assertEqual(results.length, 2);
    const [seen, served] = results;
    assertEqual(seen.net, inodeOf(net));
    assertEqual(seen.uts, inodeOf(uts));
    assertEqual(seen.ipc, before.ipc);
    assertEqual(seen.mnt, before.mnt);
    assertEqual(served, [8080, 'hello']);
    assertEqual(threadNsInodes(), before);
});

test('execute with no namespaces', () => {
    const before = threadNsInodes();
    const seen = [];
    assert(Spacetest.execute([], () => seen.push(threadNsInodes())));
    assert(Spacetest.execute(null, () => seen.push(threadNsInodes())));
    assertEqual(seen, [before, before]);
});

test('Namespace.execute', () => {
    requireNs(NamespaceType.NET);
    const ns = Namespace.new_transient(NamespaceType.NET, TransientFlags.NONE);
    const seen = [];
    assert(ns.execute(() => seen.push(ns.is_current())));
    assertEqual(seen, [true]);
    assert(!ns.is_current());
});

test('execute refuses a user namespace', () => {
    const user = Namespace.new_current(NamespaceType.USER);
    let ran = false;
    assertThrowsGError(() => Spacetest.execute([user], () => {
        ran = true;
    }), DOMAIN, SpacetestError.INVALID_ARGUMENT);
    assert(!ran, 'the function did not run');
});

test('can_create', () => {
    requireNs(NET_UTS);
    assert(Spacetest.can_create(NET_UTS));
    assert(Spacetest.check_can_create(NET_UTS));
    assert(Spacetest.can_create(NamespaceType.NONE));
    for (const types of [NamespaceType.USER, NamespaceType.PID]) {
        assert(!Spacetest.can_create(types));
        const e = assertThrowsGError(() => Spacetest.check_can_create(types),
            DOMAIN, SpacetestError.NOT_SUPPORTED);
        assert(e.message.includes('SpacetestSpacer'), e.message);
    }
});

test('init_user_namespace when already set up', () => {
    // As root a no-op, and under run-unprivileged (or the gjs threads)
    // nothing changes either.
    requireNs(NamespaceType.NET);
    const before = threadNsInodes();
    assert(Spacetest.init_user_namespace());
    assertEqual(threadNsInodes(), before);
});

// Hook: SpacetestSpacer tests go to test-spacer.js (see meson.build).

run();
