// SPDX-FileCopyrightText: 2026 The spacetest-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
// test-namespace.js: SpacetestNamespace and the namespace-type helpers,
// through GJS.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Spacetest from 'gi://Spacetest?version=1';

import {
    assert, assertEqual, assertNotEqual, assertThrowsGError, run, test,
} from './tap.js';
import {
    ALL_TYPES, NamespaceType, hostname, inodeOf, requireNs, serveOnce,
    setHostname, threadNsInode, threadNsInodes,
} from './testutil.js';

const {Error: SpacetestError, Namespace, TransientFlags} = Spacetest;
const DOMAIN = Spacetest.error_quark();

test('namespace type to string and back', () => {
    for (const [type, name] of ALL_TYPES) {
        assertEqual(Spacetest.namespace_type_to_string(type), name);
        assertEqual(NamespaceType.to_string(type), name);
        assertEqual(Spacetest.namespace_type_from_string(name), type);
    }
    assertEqual(Spacetest.namespace_type_to_string(
        NamespaceType.NET | NamespaceType.UTS), null);
    assertEqual(Spacetest.namespace_type_from_string('network'),
        NamespaceType.NONE);
    assertEqual(NamespaceType.NET, 0x40000000, 'CLONE_NEWNET');
});

test('new_current for every type', () => {
    for (const [type, name] of ALL_TYPES) {
        const ns = Namespace.new_current(type);
        assertEqual(ns.get_namespace_type(), type, name);
        assertEqual(ns.namespace_type, type, name);
        assertEqual(inodeOf(ns), threadNsInode(name), name);
        assertEqual(String(ns.inode), inodeOf(ns), name);
        assert(ns.is_current(), `${name} is current`);
        assertEqual(ns.get_root_path(), null, name);
        assert(ns.get_fd() >= 0, name);
    }
});

test('new_current rejects a set of types', () => {
    assertThrowsGError(() => Namespace.new_current(
        NamespaceType.NET | NamespaceType.UTS),
    DOMAIN, SpacetestError.INVALID_ARGUMENT);
    assertThrowsGError(() => Namespace.new_current(NamespaceType.NONE),
        DOMAIN, SpacetestError.INVALID_ARGUMENT);
});

test('equal and hash', () => {
    const a = Namespace.new_current(NamespaceType.NET);
    const b = Namespace.new_current(NamespaceType.NET);
    const uts = Namespace.new_current(NamespaceType.UTS);
    assert(a !== b);
    assert(a.equal(b));
    assertEqual(a.hash(), b.hash());
    assert(!a.equal(uts));
});

test('dup_fd', () => {
    const ns = Namespace.new_current(NamespaceType.IPC);
    const fd = ns.dup_fd();
    try {
        assertNotEqual(fd, ns.get_fd());
        assert(fd >= 3);
        const dup = Namespace.new_for_fd(fd);
        assert(dup.equal(ns));
    } finally {
        GLib.close(fd);
    }
});

test('owner', () => {
    const owner = Namespace.new_current(NamespaceType.NET).get_owner();
    assertEqual(owner.get_namespace_type(), NamespaceType.USER);
    assertEqual(inodeOf(owner), threadNsInode('user'));
    assertThrowsGError(
        () => Namespace.new_current(NamespaceType.NET).get_parent(),
        DOMAIN, SpacetestError.INVALID_ARGUMENT);
});

test('new_for_path', () => {
    const ns = Namespace.new_for_path('/proc/thread-self/ns/uts');
    assertEqual(ns.get_namespace_type(), NamespaceType.UTS);
    assert(ns.equal(Namespace.new_current(NamespaceType.UTS)));
});

test('new_for_path with a missing path', () => {
    const e = assertThrowsGError(
        () => Namespace.new_for_path('/proc/thread-self/ns/no-such-type'),
        DOMAIN, SpacetestError.NOT_A_NAMESPACE);
    assert(e.message.includes('no-such-type'), e.message);
    assertThrowsGError(() => Namespace.new_for_path('/proc/version'),
        DOMAIN, SpacetestError.NOT_A_NAMESPACE);
});

test('new_for_fd with a bad descriptor', () => {
    assertThrowsGError(() => Namespace.new_for_fd(-1),
        DOMAIN, SpacetestError.INVALID_ARGUMENT);
});

test('new_for_pid', () => {
    const pid = new Gio.Credentials().get_unix_pid();
    assertEqual(pid, Number(GLib.file_read_link('/proc/self')));
    for (const [type, name] of ALL_TYPES) {
        const ns = Namespace.new_for_pid(pid, type);
        assertEqual(inodeOf(ns), threadNsInode(name), name);
    }
});

test('transient network namespace with lo up', () => {
    requireNs(NamespaceType.NET);
    const before = threadNsInode('net');
    const ns = Namespace.new_transient(NamespaceType.NET,
        TransientFlags.LOOPBACK_UP);
    assertEqual(ns.get_namespace_type(), NamespaceType.NET);
    assertNotEqual(inodeOf(ns), before);
    assert(!ns.is_current());
    assertEqual(threadNsInode('net'), before);

    const seen = [];
    assert(ns.execute(() => {
        seen.push(threadNsInode('net'));
        seen.push(serveOnce(8080));
    }));
    assertEqual(seen, [inodeOf(ns), [8080, 'hello']]);
    assertEqual(threadNsInode('net'), before);
});

test('transient UTS namespace', () => {
    requireNs(NamespaceType.UTS);
    const ns = Namespace.new_transient(NamespaceType.UTS, TransientFlags.NONE);
    const host = Spacetest.Namespace.new_current(NamespaceType.UTS);
    assert(!ns.equal(host));
    const names = [];
    assert(ns.execute(() => {
        setHostname('spacetest-js');
        names.push(hostname());
    }));
    assertEqual(names, ['spacetest-js']);
    assertNotEqual(hostname(), 'spacetest-js');
});

test('transient mount namespace has a root path', () => {
    requireNs(NamespaceType.MNT);
    const ns = Namespace.new_transient(NamespaceType.MNT, TransientFlags.NONE);
    assertNotEqual(inodeOf(ns), threadNsInode('mnt'));
    const root = ns.get_root_path();
    assert(root !== null && root.startsWith('/proc/'), `root path ${root}`);
    assertEqual(ns.root_path, root);
    const [, contents] = GLib.file_get_contents(
        `${root}/proc/sys/kernel/ostype`);
    assertEqual(new TextDecoder().decode(contents).trim(), 'Linux');
});

test('transient time namespace', () => {
    requireNs(NamespaceType.TIME);
    const ns = Namespace.new_transient(NamespaceType.TIME,
        TransientFlags.NONE);
    assertEqual(ns.get_namespace_type(), NamespaceType.TIME);
    assertNotEqual(inodeOf(ns), threadNsInode('time'));
});

test('transient user and PID namespaces need a spacer', () => {
    for (const type of [NamespaceType.USER, NamespaceType.PID]) {
        const e = assertThrowsGError(
            () => Namespace.new_transient(type, TransientFlags.NONE),
            DOMAIN, SpacetestError.INVALID_ARGUMENT);
        assert(e.message.includes('SpacetestSpacer'), e.message);
    }
});

test('transient namespaces are distinct', () => {
    requireNs(NamespaceType.NET);
    const a = Namespace.new_transient(NamespaceType.NET, TransientFlags.NONE);
    const b = Namespace.new_transient(NamespaceType.NET, TransientFlags.NONE);
    assert(!a.equal(b));
    assertEqual(threadNsInodes().net,
        inodeOf(Namespace.new_current(NamespaceType.NET)));
});

// Hook: SpacetestSpacer tests (user and PID namespaces, rooms, subspaces)
// go to a test-spacer.js of their own; list it in js_tests in meson.build.

run();
