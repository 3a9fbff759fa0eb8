// SPDX-FileCopyrightText: 2026 The spacetest-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
// test-spacer.js: SpacetestSpacer (spacer services, subspaces with child
// user and PID namespaces, rooms), through GJS.
//
// Every test closes its spacers in a 'finally' and then checks that the
// service process is gone, not left as a zombie; the hooks below also
// check that a test leaves no child process behind, on top of the
// descriptor checks of testutil.js.
//
// Spacers, namespaces and cancellables hold file descriptors, so these
// tests do not capture them in closures that they pass around (no
// withSpacer(spacer => ...), no assertThrowsGError(() => sub.rooms(...))):
// SpiderMonkey's inline caches keep the last few functions called from a
// call site alive, and with them what they captured, so that a subspace
// captured that way could outlive its test and its namespaces show up as
// leaked descriptors. Methods are called by name instead (callFails(),
// runAsync()).
//
// The asynchronous forms run a GLib.MainLoop on the default main context
// with a guard timeout, so that a request that never completes fails the
// test instead of blocking it. (tap.js runs tests synchronously, so the
// promise form of Gio._promisify() would need the same loop anyway.)
//
// JS has no kill(): signals go through kill(1).

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Spacetest from 'gi://Spacetest?version=1';

import {
    afterEach, assert, assertEqual, assertNotEqual, beforeEach, fail, run,
    skip, test,
} from './tap.js';
import {
    NamespaceType, inodeOf, requireNs, serveOnce, threadNsInode,
} from './testutil.js';

const {Error: SpacetestError, Namespace, Spacer} = Spacetest;
const DOMAIN = Spacetest.error_quark();
const IO_DOMAIN = Gio.io_error_quark();
const USER_PID = NamespaceType.USER | NamespaceType.PID;
const NET_UTS = NamespaceType.NET | NamespaceType.UTS;

// The types rooms() takes, in the order it returns them.
const ROOM_TYPES = [
    [NamespaceType.CGROUP, 'cgroup'],
    [NamespaceType.IPC, 'ipc'],
    [NamespaceType.MNT, 'mnt'],
    [NamespaceType.NET, 'net'],
    [NamespaceType.TIME, 'time'],
    [NamespaceType.UTS, 'uts'],
];
const ALL_ROOMS = ROOM_TYPES.reduce((all, [type]) => all | type, 0);

// Longer than the default request timeout (5 s): the library's own
// timeout should end a stuck request first.
const ASYNC_GUARD_MS = 20000;
// How long a service may take to disappear after it was closed or killed
// (one that is not our child is reaped by its parent service, or by init
// once that one is gone).
const GONE_TIMEOUT_MS = 10000;

// The first use of GTask starts GLib's worker thread (with an eventfd of its
// own) once per process: do it now, so that it does not count as a
// descriptor leaked by the first asynchronous test.
GObject.type_ensure(Gio.Task.$gtype);

function readText(path) {
    const [, contents] = GLib.file_get_contents(path);
    return new TextDecoder().decode(contents);
}

function current(type) {
    return Namespace.new_current(type);
}

// [state, ppid] of process pid from /proc/PID/stat, or null if there is
// no such process.
function procStat(pid) {
    let stat;
    try {
        stat = readText(`/proc/${pid}/stat`);
    } catch (e) {
        // ENOENT, or ESRCH when it was reaped while we read
        if (e instanceof GLib.Error && e.domain === GLib.file_error_quark() &&
            !GLib.file_test(`/proc/${pid}`, GLib.FileTest.EXISTS))
            return null;
        throw e;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [fields[0], Number(fields[1])];
}

function listDir(path) {
    const children = Gio.File.new_for_path(path).enumerate_children(
        'standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    const names = [];
    let info;
    while ((info = children.next_file(null)) !== null)
        names.push(info.get_name());
    children.close(null);
    return names;
}

// The pids of the children of this process, zombies included (from the
// parent pid of every process: /proc/PID/task/TID/children needs
// CONFIG_PROC_CHILDREN).
function childPids() {
    const me = new Gio.Credentials().get_unix_pid();
    const pids = new Set();
    for (const entry of listDir('/proc')) {
        if (!/^[0-9]+$/.test(entry))
            continue;
        const stat = procStat(Number(entry));
        if (stat !== null && stat[1] === me)
            pids.add(Number(entry));
    }
    return pids;
}

function sleepMs(ms) {
    GLib.usleep(ms * 1000);
}

// Waits until process pid is in one of states (letters of /proc/PID/stat);
// returns its last state.
function waitForState(pid, states, timeoutMs = 5000) {
    const deadline = GLib.get_monotonic_time() + timeoutMs * 1000;
    for (;;) {
        const stat = procStat(pid);
        const state = stat ? stat[0] : null;
        if (states.includes(state) || GLib.get_monotonic_time() >= deadline)
            return state;
        sleepMs(10);
    }
}

function assertProcessGone(pid, timeoutMs = GONE_TIMEOUT_MS) {
    const deadline = GLib.get_monotonic_time() + timeoutMs * 1000;
    for (;;) {
        const stat = procStat(pid);
        if (stat === null)
            return;
        if (GLib.get_monotonic_time() >= deadline)
            fail(`service ${pid} still there (state ${stat[0]}, parent ${stat[1]})`);
        sleepMs(10);
    }
}

function assertProcessRunning(pid) {
    assert(pid > 0, `pid ${pid}`);
    const stat = procStat(pid);
    assert(stat !== null, `no process ${pid}`);
    assert(!'ZX'.includes(stat[0]), `process ${pid} has ended`);
}

function signalProcess(signal, pid) {
    const [, , , status] = GLib.spawn_sync(null,
        ['kill', `-${signal}`, String(pid)], null,
        GLib.SpawnFlags.SEARCH_PATH, null);
    GLib.spawn_check_wait_status(status);
}

// The effective uid and gid of this process.
function effectiveIds() {
    const status = readText('/proc/self/status');
    const field = name => status.match(new RegExp(`^${name}:\\s+(.*)$`, 'm'))[1]
        .split(/\s+/)[1];
    return {uid: field('Uid'), gid: field('Gid')};
}

// Asserts that the service of a closed spacer is gone (reaped).
function assertGone(spacer, timeoutMs = GONE_TIMEOUT_MS) {
    assertProcessGone(spacer.get_pid(), timeoutMs);
}

function assertGError(error, domain, code) {
    if (!(error instanceof GLib.Error))
        fail(`expected a GLib.Error, got ${error}`);
    if (!error.matches(domain, code)) {
        fail(`expected error ${GLib.quark_to_string(domain)} ${code}, ` +
             `got ${GLib.quark_to_string(error.domain)} ${error.code}: ${error.message}`);
    }
    return error;
}

// Asserts that obj[method](...args) throws a GLib.Error of domain and
// code; returns it.
function callFails(domain, code, obj, method, ...args) {
    try {
        obj[method](...args);
    } catch (e) {
        return assertGError(e, domain, code);
    }
    return fail(`${method}() did not fail`);
}

// Calls obj[name + '_async'](...args, callback), whose callback calls
// obj[name + '_finish'](); waitAsync() runs a main loop until it did.
function startAsync(obj, name, ...args) {
    const pending = {loop: new GLib.MainLoop(null, false), outcome: null};
    obj[`${name}_async`](...args, (source, result) => {
        try {
            pending.outcome = {value: source[`${name}_finish`](result)};
        } catch (e) {
            pending.outcome = {error: e};
        }
        pending.loop.quit();
    });
    assert(pending.outcome === null,
        'the callback ran before the main loop did');
    return pending;
}

// Returns the outcome of a startAsync(): {value} or {error}.
function waitAsync(pending) {
    let timedOut = false;
    const guard = GLib.timeout_add(GLib.PRIORITY_DEFAULT, ASYNC_GUARD_MS,
        () => {
            timedOut = true;
            pending.loop.quit();
            return GLib.SOURCE_REMOVE;
        });
    try {
        pending.loop.run();
    } finally {
        if (!timedOut)
            GLib.source_remove(guard);
    }
    assert(!timedOut, `no answer within ${ASYNC_GUARD_MS} ms`);
    assert(pending.outcome !== null, 'the main loop ended without an answer');
    const outcome = pending.outcome;
    pending.outcome = null;
    return outcome;
}

// The result of obj[name + '_finish'] after obj[name + '_async'](...args).
function runAsync(obj, name, ...args) {
    const outcome = waitAsync(startAsync(obj, name, ...args));
    if ('error' in outcome)
        throw outcome.error;
    return outcome.value;
}

// Asserts that the asynchronous form fails with domain and code.
function asyncFails(domain, code, obj, name, ...args) {
    const outcome = waitAsync(startAsync(obj, name, ...args));
    assert(!('value' in outcome), `${name}_async() did not fail`);
    return assertGError(outcome.error, domain, code);
}

// Asserts that rooms are new namespaces of types (in the documented
// order), owned by the user namespace owner.
function assertRooms(rooms, types, owner) {
    const expected = ROOM_TYPES.filter(([type]) => type & types);
    assert(Array.isArray(rooms), `rooms is a ${typeof rooms}`);
    assertEqual(rooms.map(ns => ns.get_namespace_type()),
        expected.map(([type]) => type), 'room types');
    for (let i = 0; i < rooms.length; i++) {
        const ns = rooms[i];
        const [type, name] = expected[i];
        assert(ns instanceof Namespace, `${name} room is a Namespace`);
        assertNotEqual(inodeOf(ns), threadNsInode(name), `${name} room`);
        assert(!ns.equal(current(type)), `${name} room is new`);
        assert(!ns.is_current(), `${name} room is not current`);
        assert(ns.get_owner().equal(owner), `${name} room owner`);
    }
    assertEqual(new Set(rooms.map(inodeOf)).size, rooms.length,
        'distinct rooms');
}

function assertLoopbackUp(netns) {
    // Entering it needs CAP_SYS_ADMIN in our own user namespace too (the
    // tests run with it unless SPACETEST_USERNS=0).
    if (!Spacetest.can_create(NamespaceType.NET))
        return;
    const served = [];
    assert(netns.execute(() => served.push(serveOnce())));
    assertEqual(served[0][1], 'hello', 'lo is up');
}

// Asserts that spacer still serves requests: it makes a subspace (whose
// rooms work) in a new user namespace below its own.
function assertUsable(spacer) {
    const serviceUserns = Namespace.new_for_pid(spacer.get_pid(),
        NamespaceType.USER);
    const sub = spacer.subspace(NamespaceType.USER, null);
    try {
        const user = sub.get_user_namespace();
        assert(user.get_parent().equal(serviceUserns),
            'parent of the subspace');
        assertRooms(sub.rooms(NET_UTS, null), NET_UTS, user);
    } finally {
        sub.close();
    }
    assertGone(sub);
}

// assertUsable() through subspace_async().
function assertUsableAsync(spacer) {
    const sub = runAsync(spacer, 'subspace', NamespaceType.USER, null);
    try {
        assert(sub instanceof Spacer);
        assertRooms(sub.rooms(NET_UTS, null), NET_UTS,
            sub.get_user_namespace());
    } finally {
        sub.close();
    }
    assertGone(sub);
}

// Skips the running test unless the kernel has namespaces of types, or
// fails it with SPACETEST_REQUIRE=1 (subspaces make rooms without
// privileges, so requireNs() would be too strict).
function requireKernel(types) {
    const missing = ROOM_TYPES.filter(([type, name]) => (type & types) &&
        !GLib.file_test(`/proc/self/ns/${name}`, GLib.FileTest.EXISTS))
        .map(([, name]) => name);
    if (missing.length === 0)
        return;
    const reason = `the kernel has no ${missing.join('+')} namespaces`;
    if (GLib.getenv('SPACETEST_REQUIRE') === '1')
        fail(reason);
    skip(reason);
}

// No child process left behind by a test.
let childrenBefore;
beforeEach(() => {
    childrenBefore = childPids();
});
afterEach(() => {
    const deadline = GLib.get_monotonic_time() + 2000 * 1000;
    let leaked;
    for (;;) {
        leaked = [...childPids()].filter(pid => !childrenBefore.has(pid));
        if (leaked.length === 0 || GLib.get_monotonic_time() >= deadline)
            break;
        sleepMs(10);
    }
    assertEqual(leaked.map(pid => [pid, procStat(pid)]), [],
        'child processes [pid, [state, ppid]] left behind by the test');
});

test('Spacer.new', () => {
    const spacer = Spacer.new(null);
    try {
        assert(spacer instanceof Spacer);
        const pid = spacer.get_pid();
        assertProcessRunning(pid);
        // Our child, in our user and PID namespaces.
        assertEqual(procStat(pid)[1], new Gio.Credentials().get_unix_pid(),
            'parent of the service');
        for (const type of [NamespaceType.USER, NamespaceType.PID])
            assert(Namespace.new_for_pid(pid, type).equal(current(type)));
        const helper = GLib.getenv('SPACETEST_SPACER_PATH');
        if (helper) {
            assertEqual(GLib.file_read_link(`/proc/${pid}/exe`),
                Gio.File.new_for_path(helper).get_path());
        }
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('properties', () => {
    const spacer = Spacer.new(null);
    try {
        assertEqual(spacer.pid, spacer.get_pid());
        assertEqual(spacer.timeout, 5000);
        assertEqual(spacer.get_timeout(), 5000);
        assertEqual(spacer.user_namespace, null);
        assertEqual(spacer.pid_namespace, null);
        assertEqual(spacer.get_user_namespace(), null);
        assertEqual(spacer.get_pid_namespace(), null);

        const notified = [];
        const handler = spacer.connect('notify::timeout',
            obj => notified.push(obj.timeout));
        try {
            spacer.set_timeout(1234);
            assertEqual(spacer.get_timeout(), 1234);
            assertEqual(spacer.timeout, 1234);
            spacer.timeout = 7000;
            assertEqual(spacer.get_timeout(), 7000);
            spacer.set_timeout(7000);  // unchanged: no notification
            assertEqual(notified, [1234, 7000]);
        } finally {
            spacer.disconnect(handler);
        }

        let threw = false;
        try {
            spacer.pid = 1;
        } catch (e) {
            threw = true;
        }
        assert(threw, 'pid is read-only');
        assertEqual(spacer.pid, spacer.get_pid());
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('subspace USER|PID', () => {
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            assert(sub instanceof Spacer);
            const pid = sub.get_pid();
            assertProcessRunning(pid);
            assertNotEqual(pid, spacer.get_pid());
            // Started by the parent's service, not by us.
            assertEqual(procStat(pid)[1], spacer.get_pid());

            for (const [type, ns, prop] of [
                [NamespaceType.USER, sub.get_user_namespace(),
                    sub.user_namespace],
                [NamespaceType.PID, sub.get_pid_namespace(),
                    sub.pid_namespace],
            ]) {
                const name = Spacetest.namespace_type_to_string(type);
                assert(ns !== null, `${name} namespace`);
                assert(prop.equal(ns), `${name} property`);
                assertEqual(ns.get_namespace_type(), type);
                assert(!ns.equal(current(type)), `new ${name} namespace`);
                assertNotEqual(inodeOf(ns), threadNsInode(name));
                assert(ns.get_parent().equal(current(type)), `${name} parent`);
                // The service runs in it.
                assert(Namespace.new_for_pid(pid, type).equal(ns));
            }

            // The caller's uid and gid map to root in the new namespace.
            const ids = effectiveIds();
            assertEqual(readText(`/proc/${pid}/uid_map`).trim().split(/\s+/),
                ['0', ids.uid, '1']);
            assertEqual(readText(`/proc/${pid}/gid_map`).trim().split(/\s+/),
                ['0', ids.gid, '1']);
            // The parent is not affected.
            assertEqual(spacer.get_user_namespace(), null);
            assertEqual(spacer.get_pid_namespace(), null);
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

function checkOneTypeSubspace(type, other) {
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(type, null);
        try {
            const namespaces = {
                [NamespaceType.USER]: sub.get_user_namespace(),
                [NamespaceType.PID]: sub.get_pid_namespace(),
            };
            const ns = namespaces[type];
            assertEqual(ns.get_namespace_type(), type);
            assert(!ns.equal(current(type)));
            assert(ns.get_parent().equal(current(type)));
            assertEqual(namespaces[other], null);
            // The other namespace is the caller's.
            assert(Namespace.new_for_pid(sub.get_pid(), other)
                .equal(current(other)));
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
}

test('subspace USER', () => {
    checkOneTypeSubspace(NamespaceType.USER, NamespaceType.PID);
});

test('subspace PID', () => {
    // A new PID namespace (and a mount namespace for its /proc) in the
    // caller's user namespace needs what a transient mount namespace needs.
    requireNs(NamespaceType.MNT);
    checkOneTypeSubspace(NamespaceType.PID, NamespaceType.USER);
});

test('nested subspace', () => {
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            const subsub = sub.subspace(USER_PID, null);
            try {
                assertEqual(procStat(subsub.get_pid())[1], sub.get_pid());
                for (const [inner, outer] of [
                    [subsub.get_user_namespace(), sub.get_user_namespace()],
                    [subsub.get_pid_namespace(), sub.get_pid_namespace()],
                ]) {
                    assert(inner.get_parent().equal(outer));
                    assert(!inner.equal(outer));
                }
                assertRooms(subsub.rooms(NamespaceType.NET, null),
                    NamespaceType.NET, subsub.get_user_namespace());
            } finally {
                subsub.close();
            }
            assertGone(subsub);
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('rooms NET|UTS', () => {
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            const rooms = sub.rooms(NET_UTS, null);
            assertEqual(rooms.length, 2);
            assertRooms(rooms, NET_UTS, sub.get_user_namespace());
            assertEqual(rooms[0].get_namespace_type(), NamespaceType.NET);
            assertEqual(rooms[1].get_namespace_type(), NamespaceType.UTS);
            // A new network namespace has lo up.
            assertLoopbackUp(rooms[0]);
            // Each request makes new ones.
            const again = sub.rooms(NET_UTS, null);
            assert(!again[0].equal(rooms[0]));
            assert(!again[1].equal(rooms[1]));
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('rooms of all six types', () => {
    requireKernel(ALL_ROOMS);
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            const rooms = sub.rooms(ALL_ROOMS, null);
            assertEqual(rooms.length, 6);
            assertRooms(rooms, ALL_ROOMS, sub.get_user_namespace());
            assertLoopbackUp(rooms[3]);
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('rooms of a root spacer', () => {
    // A service has the caller's privileges.
    requireNs(NET_UTS);
    const spacer = Spacer.new(null);
    try {
        assertRooms(spacer.rooms(NET_UTS, null), NET_UTS,
            current(NamespaceType.USER));
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('new_transient NET', () => {
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(NamespaceType.USER, null);
        try {
            const ns = sub.new_transient(NamespaceType.NET, null);
            assert(ns instanceof Namespace);
            assertRooms([ns], NamespaceType.NET, sub.get_user_namespace());
            assertLoopbackUp(ns);
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('new_transient NET of a root spacer', () => {
    requireNs(NamespaceType.NET);
    const spacer = Spacer.new(null);
    try {
        const ns = spacer.new_transient(NamespaceType.NET, null);
        assertRooms([ns], NamespaceType.NET, current(NamespaceType.USER));
        assertLoopbackUp(ns);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('namespaces outlive close', () => {
    const spacer = Spacer.new(null);
    let net, user;
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            net = sub.new_transient(NamespaceType.NET, null);
        } finally {
            sub.close();
        }
        user = sub.get_user_namespace();
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
    assert(net.get_owner().equal(user));
    assertLoopbackUp(net);
});

test('subspace_async', () => {
    const spacer = Spacer.new(null);
    try {
        const sub = runAsync(spacer, 'subspace', USER_PID, null);
        try {
            assert(sub instanceof Spacer);
            assertProcessRunning(sub.get_pid());
            for (const [type, ns] of [
                [NamespaceType.USER, sub.get_user_namespace()],
                [NamespaceType.PID, sub.get_pid_namespace()],
            ]) {
                assert(!ns.equal(current(type)));
                assert(ns.get_parent().equal(current(type)));
            }
            assertRooms(sub.rooms(NamespaceType.NET, null), NamespaceType.NET,
                sub.get_user_namespace());
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('rooms_async', () => {
    requireKernel(ALL_ROOMS);
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            let rooms = runAsync(sub, 'rooms', NET_UTS, null);
            assertEqual(rooms.length, 2);
            assertRooms(rooms, NET_UTS, sub.get_user_namespace());
            rooms = runAsync(sub, 'rooms', ALL_ROOMS, null);
            assertRooms(rooms, ALL_ROOMS, sub.get_user_namespace());
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('async forms reject bad types', () => {
    const spacer = Spacer.new(null);
    try {
        asyncFails(DOMAIN, SpacetestError.INVALID_ARGUMENT,
            spacer, 'subspace', NamespaceType.NET, null);
        asyncFails(DOMAIN, SpacetestError.INVALID_ARGUMENT,
            spacer, 'rooms', NamespaceType.USER, null);
        assertUsableAsync(spacer);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('cancelled', () => {
    const spacer = Spacer.new(null);
    try {
        const cancellable = new Gio.Cancellable();
        cancellable.cancel();
        callFails(IO_DOMAIN, Gio.IOErrorEnum.CANCELLED,
            spacer, 'subspace', USER_PID, cancellable);
        callFails(IO_DOMAIN, Gio.IOErrorEnum.CANCELLED,
            spacer, 'rooms', NET_UTS, cancellable);
        callFails(IO_DOMAIN, Gio.IOErrorEnum.CANCELLED,
            spacer, 'new_transient', NamespaceType.NET, cancellable);
        // Still usable: the abandoned replies are discarded.
        assertUsable(spacer);
        const sub = spacer.subspace(USER_PID, null);
        try {
            callFails(IO_DOMAIN, Gio.IOErrorEnum.CANCELLED,
                sub, 'rooms', NET_UTS, cancellable);
            assertEqual(sub.rooms(NET_UTS, null).length, 2);
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('cancelled async', () => {
    const spacer = Spacer.new(null);
    try {
        const cancelled = new Gio.Cancellable();
        cancelled.cancel();
        asyncFails(IO_DOMAIN, Gio.IOErrorEnum.CANCELLED,
            spacer, 'rooms', NET_UTS, cancelled);

        // Cancelled after the request went out.
        const cancellable = new Gio.Cancellable();
        const pending = startAsync(spacer, 'subspace', USER_PID, cancellable);
        cancellable.cancel();
        assertGError(waitAsync(pending).error,
            IO_DOMAIN, Gio.IOErrorEnum.CANCELLED);

        assertUsableAsync(spacer);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('invalid arguments', () => {
    const INVALID = SpacetestError.INVALID_ARGUMENT;
    const spacer = Spacer.new(null);
    try {
        for (const types of [NamespaceType.NET, NamespaceType.NONE,
            NamespaceType.USER | NamespaceType.NET, NamespaceType.MNT])
            callFails(DOMAIN, INVALID, spacer, 'subspace', types, null);
        for (const types of [NamespaceType.USER, NamespaceType.PID,
            NamespaceType.NONE, NamespaceType.NET | NamespaceType.USER])
            callFails(DOMAIN, INVALID, spacer, 'rooms', types, null);
        for (const type of [NamespaceType.PID, NamespaceType.USER,
            NamespaceType.NONE, NET_UTS])
            callFails(DOMAIN, INVALID, spacer, 'new_transient', type, null);

        // Still usable.
        assertProcessRunning(spacer.get_pid());
        assertUsable(spacer);
        const sub = spacer.subspace(USER_PID, null);
        try {
            callFails(DOMAIN, INVALID, sub, 'rooms', NamespaceType.USER, null);
            assertEqual(sub.new_transient(NamespaceType.UTS, null)
                .get_namespace_type(), NamespaceType.UTS);
        } finally {
            sub.close();
        }
        assertGone(sub);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('missing helper', () => {
    const saved = GLib.getenv('SPACETEST_SPACER_PATH');
    GLib.setenv('SPACETEST_SPACER_PATH', '/nonexistent/spacetest-spacer', true);
    try {
        const e = callFails(DOMAIN, SpacetestError.SPACER_FAILED,
            Spacer, 'new', null);
        assert(e.message.includes('/nonexistent/spacetest-spacer'), e.message);
    } finally {
        if (saved === null)
            GLib.unsetenv('SPACETEST_SPACER_PATH');
        else
            GLib.setenv('SPACETEST_SPACER_PATH', saved, true);
    }
});

test('close', () => {
    const CLOSED = SpacetestError.CLOSED;
    const spacer = Spacer.new(null);
    const pid = spacer.get_pid();
    try {
        assert(spacer.close());
        assertProcessGone(pid, 0);  // reaped by close()
        assert(spacer.close(), 'close() again');
        assertEqual(spacer.get_pid(), pid);
        callFails(DOMAIN, CLOSED, spacer, 'subspace', USER_PID, null);
        callFails(DOMAIN, CLOSED, spacer, 'rooms', NET_UTS, null);
        callFails(DOMAIN, CLOSED, spacer, 'new_transient', NamespaceType.NET,
            null);
        asyncFails(DOMAIN, CLOSED, spacer, 'rooms', NET_UTS, null);
        asyncFails(DOMAIN, CLOSED, spacer, 'subspace', USER_PID, null);
        assert(spacer.close());
    } finally {
        spacer.close();
    }
});

test('close during an asynchronous request', () => {
    for (const [name, types] of [['rooms', NET_UTS], ['subspace', USER_PID]]) {
        const spacer = Spacer.new(null);
        try {
            const pending = startAsync(spacer, name, types, null);
            assert(spacer.close());
            assertGError(waitAsync(pending).error,
                DOMAIN, SpacetestError.CLOSED);
            assertProcessGone(spacer.get_pid(), 0);  // reaped by close()
        } finally {
            spacer.close();
        }
    }
});

test('close a subspace', () => {
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            assert(sub.close());
            assert(sub.close());
            assertGone(sub);
            callFails(DOMAIN, SpacetestError.CLOSED, sub, 'rooms', NET_UTS,
                null);
        } finally {
            sub.close();
        }
        // The parent carries on.
        assertUsable(spacer);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('closing the parent ends a subspace', () => {
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            spacer.close();
            assertGone(sub);
            callFails(DOMAIN, SpacetestError.SPACER_FAILED,
                sub, 'rooms', NET_UTS, null);
        } finally {
            sub.close();
        }
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('killed service', () => {
    const FAILED = SpacetestError.SPACER_FAILED;
    const spacer = Spacer.new(null);
    try {
        signalProcess('KILL', spacer.get_pid());
        callFails(DOMAIN, FAILED, spacer, 'rooms', NET_UTS, null);
        callFails(DOMAIN, FAILED, spacer, 'subspace', USER_PID, null);
        asyncFails(DOMAIN, FAILED, spacer, 'rooms', NET_UTS, null);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('killed during a request', () => {
    const FAILED = SpacetestError.SPACER_FAILED;
    const spacer = Spacer.new(null);
    try {
        const pid = spacer.get_pid();
        signalProcess('STOP', pid);
        assertEqual(waitForState(pid, 'T'), 'T', 'service stopped');
        // The request is in the service's queue when it dies.
        const pending = startAsync(spacer, 'rooms', NET_UTS, null);
        signalProcess('KILL', pid);
        assertGError(waitAsync(pending).error, DOMAIN, FAILED);
        callFails(DOMAIN, FAILED, spacer, 'rooms', NET_UTS, null);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('killed subspace service', () => {
    const FAILED = SpacetestError.SPACER_FAILED;
    const spacer = Spacer.new(null);
    try {
        const sub = spacer.subspace(USER_PID, null);
        try {
            signalProcess('KILL', sub.get_pid());
            callFails(DOMAIN, FAILED, sub, 'rooms', NET_UTS, null);
            callFails(DOMAIN, FAILED, sub, 'new_transient', NamespaceType.NET,
                null);
        } finally {
            sub.close();
        }
        assertGone(sub);
        // The parent carries on.
        assertUsable(spacer);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

test('timeout', () => {
    const TIMED_OUT = SpacetestError.TIMED_OUT;
    const spacer = Spacer.new(null);
    try {
        const pid = spacer.get_pid();
        spacer.set_timeout(200);
        signalProcess('STOP', pid);
        try {
            assertEqual(waitForState(pid, 'T'), 'T', 'service stopped');
            const start = GLib.get_monotonic_time();
            callFails(DOMAIN, TIMED_OUT, spacer, 'subspace',
                NamespaceType.USER, null);
            assert(GLib.get_monotonic_time() - start >= 150000,
                'waited for the timeout');
            asyncFails(DOMAIN, TIMED_OUT, spacer, 'rooms', NET_UTS, null);
        } finally {
            signalProcess('CONT', pid);
        }
        spacer.set_timeout(5000);
        // The late replies to the abandoned requests (one with the
        // descriptors of a new service) are discarded.
        assertUsable(spacer);
    } finally {
        spacer.close();
    }
    assertGone(spacer);
});

run();
