# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SpacetestSpacer: spacer services, subspaces (child user and PID
namespaces) and rooms, through PyGObject.

Every test closes its spacers in a 'finally' (the spacer() context
manager below) and then checks that the service process is gone, not
left as a zombie; SpacerTestCase also checks that a test leaves no child
process behind, on top of the descriptor and thread checks of
testutil.TestCase.

The asynchronous forms run a GLib.MainLoop on the default main context,
with a guard timeout so that a request that never completes fails the
test instead of blocking it.
"""

import contextlib
import os
import signal
import time

import testutil  # first: it sets up unprivileged mode
from testutil import NamespaceType, thread_ns_inode
import taprunner

from gi.repository import Gio, GLib, GObject, Spacetest

# The default main context (with its wakeup eventfd) is made on first use,
# and the first use of GTask starts GLib's worker thread (with an eventfd of
# its own), once per process: do both now, so that they do not count as a
# thread and descriptors leaked by the first asynchronous test.
GLib.MainContext.default()
GObject.type_ensure(Gio.Task.__gtype__)

Error = Spacetest.Error
Spacer = Spacetest.Spacer

USER_PID = NamespaceType.USER | NamespaceType.PID
NET_UTS = NamespaceType.NET | NamespaceType.UTS

# The types rooms() takes, in the order it returns them.
ROOM_TYPES = [
    (NamespaceType.CGROUP, 'cgroup'),
    (NamespaceType.IPC, 'ipc'),
    (NamespaceType.MNT, 'mnt'),
    (NamespaceType.NET, 'net'),
    (NamespaceType.TIME, 'time'),
    (NamespaceType.UTS, 'uts'),
]
ALL_ROOMS = NamespaceType.NONE
for _type, _ in ROOM_TYPES:
    ALL_ROOMS |= _type

# Longer than the default request timeout (5 s): the library's own
# timeout should end a stuck request first.
ASYNC_GUARD_MS = 20000
# How long a service may take to disappear after it was closed or killed
# (a service that is not our child is reaped by its parent service, or by
# init once that one is gone).
GONE_TIMEOUT = 10.0


def current(ns_type):
    return Spacetest.Namespace.new_current(ns_type)


def proc_stat(pid):
    """(state, ppid) of process @pid from /proc/PID/stat, or None if there
    is no such process."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None  # ESRCH: it was reaped while we read
    fields = stat[stat.rindex(')') + 2:].split()
    return fields[0], int(fields[1])


def child_pids():
    """The pids of the children of this process, zombies included (from
    the parent pid of every process: /proc/PID/task/TID/children needs
    CONFIG_PROC_CHILDREN)."""
    me = os.getpid()
    pids = set()
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat is not None and stat[1] == me:
                pids.add(int(entry))
    return pids


def wait_for_state(pid, states, timeout=5.0):
    """Waits until process @pid is in one of @states (letters of
    /proc/PID/stat); returns its last state."""
    deadline = time.monotonic() + timeout
    while True:
        stat = proc_stat(pid)
        state = stat[0] if stat is not None else None
        if state in states or time.monotonic() >= deadline:
            return state
        time.sleep(0.01)


class SpacerTestCase(testutil.TestCase):

    def setUp(self):
        super().setUp()
        self._children_before = child_pids()
        self.addCleanup(self._check_children)

    def _check_children(self):
        deadline = time.monotonic() + 2.0
        while True:
            leaked = child_pids() - self._children_before
            if not leaked or time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        self.assertEqual(
            {pid: proc_stat(pid) for pid in leaked}, {},
            'child processes (state, ppid) left behind by the test')

    def assertProcessGone(self, pid, timeout=GONE_TIMEOUT):
        """Asserts that process @pid disappears (is reaped) within
        @timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            stat = proc_stat(pid)
            if stat is None:
                return
            if time.monotonic() >= deadline:
                self.fail('service %d still there (state %s, parent %d)' %
                          (pid, stat[0], stat[1]))
            time.sleep(0.01)

    def assertProcessRunning(self, pid):
        self.assertGreater(pid, 0)
        stat = proc_stat(pid)
        self.assertIsNotNone(stat, 'no process %d' % pid)
        self.assertNotIn(stat[0], 'ZX', 'process %d has ended' % pid)

    def assertGError(self, domain, code, func, *args):
        """Asserts that func(*args) raises a GLib.Error of @domain and
        @code; returns it."""
        with self.assertRaises(GLib.Error) as cm:
            func(*args)
        error = cm.exception
        self.assertTrue(error.matches(domain, code),
                        'expected %s %s, got %s %d: %s' %
                        (GLib.quark_to_string(domain), code, error.domain,
                         error.code, error.message))
        return error

    @contextlib.contextmanager
    def spacer(self, parent=None, types=USER_PID):
        """A new spacer, or with @parent a subspace of @types of it,
        closed when the block ends; the service must then be gone."""
        if parent is None:
            spacer = Spacer.new(None)
        else:
            spacer = parent.subspace(types, None)
        pid = spacer.get_pid()
        try:
            yield spacer
        finally:
            self.assertTrue(spacer.close())
        self.assertProcessGone(pid)

    def require_kernel(self, types):
        """Skips the test unless the kernel has namespaces of @types, or
        fails it with SPACETEST_REQUIRE=1 (subspaces make rooms without
        privileges, so require() would be too strict)."""
        missing = [name for ns_type, name in testutil.ALL_TYPES
                   if ns_type & types and
                   not os.path.exists('/proc/self/ns/' + name)]
        if not missing:
            return
        reason = 'the kernel has no %s namespaces' % '+'.join(missing)
        if os.environ.get('SPACETEST_REQUIRE') == '1':
            self.fail(reason)
        self.skipTest(reason)

    def assertUsable(self, spacer):
        """Asserts that @spacer still serves requests: it makes a subspace
        (whose rooms work) in a new user namespace below its own."""
        service_userns = Spacetest.Namespace.new_for_pid(
            spacer.get_pid(), NamespaceType.USER)
        with self.spacer(spacer, NamespaceType.USER) as sub:
            user = sub.get_user_namespace()
            self.assertTrue(user.get_parent().equal(service_userns))
            self.assertRooms(sub.rooms(NET_UTS, None), NET_UTS, user)

    def assertUsableAsync(self, spacer):
        """assertUsable() through subspace_async()."""
        sub = self.run_async(
            lambda cb: spacer.subspace_async(NamespaceType.USER, None, cb),
            spacer.subspace_finish)
        try:
            self.assertRooms(sub.rooms(NET_UTS, None), NET_UTS,
                             sub.get_user_namespace())
        finally:
            sub.close()
        self.assertProcessGone(sub.get_pid())

    def run_async(self, start, finish):
        """Calls start(callback), runs a main loop until the callback ran,
        and returns what finish(result) returned in it (or raises its
        error)."""
        loop = GLib.MainLoop()
        outcome = []
        timed_out = []

        def done(source, result):
            try:
                outcome.append((True, finish(result)))
            except GLib.Error as e:
                outcome.append((False, e))
            loop.quit()

        def guard():
            timed_out.append(True)
            loop.quit()
            return GLib.SOURCE_REMOVE

        start(done)
        self.assertEqual(outcome, [],
                         'the callback ran before the main loop did')
        guard_id = GLib.timeout_add(ASYNC_GUARD_MS, guard)
        try:
            loop.run()
        finally:
            if not timed_out:
                GLib.source_remove(guard_id)
        self.assertFalse(timed_out, 'no answer within %d ms' %
                         ASYNC_GUARD_MS)
        self.assertEqual(len(outcome), 1)
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    def assertRooms(self, rooms, types, owner):
        """Asserts that @rooms are new namespaces of @types (in the
        documented order), owned by the user namespace @owner."""
        expected = [(t, name) for t, name in ROOM_TYPES if t & types]
        self.assertIsInstance(rooms, list)
        self.assertEqual([ns.get_namespace_type() for ns in rooms],
                         [t for t, _ in expected])
        for ns, (ns_type, name) in zip(rooms, expected):
            with self.subTest(room=name):
                self.assertIsInstance(ns, Spacetest.Namespace)
                self.assertNotEqual(ns.get_inode(), thread_ns_inode(name))
                self.assertFalse(ns.equal(current(ns_type)))
                self.assertFalse(ns.is_current())
                self.assertTrue(ns.get_owner().equal(owner))
        inodes = [ns.get_inode() for ns in rooms]
        self.assertEqual(len(set(inodes)), len(inodes))

    def assertLoopbackUp(self, netns):
        if not Spacetest.can_create(NamespaceType.NET):
            # Entering it needs CAP_SYS_ADMIN in our own user namespace
            # too (the tests run with it unless SPACETEST_USERNS=0).
            return
        flags = []
        self.assertTrue(netns.execute(
            lambda: flags.append(testutil.net_device_flags('lo'))))
        self.assertTrue(flags[0] & testutil.IFF_UP, 'lo is down')


class SpacerTests(SpacerTestCase):

    def test_new(self):
        with self.spacer() as spacer:
            self.assertIsInstance(spacer, Spacer)
            pid = spacer.get_pid()
            self.assertProcessRunning(pid)
            self.assertNotEqual(pid, os.getpid())
            # Our child, in our user and PID namespaces.
            self.assertEqual(proc_stat(pid)[1], os.getpid())
            for ns_type in (NamespaceType.USER, NamespaceType.PID):
                self.assertTrue(Spacetest.Namespace.new_for_pid(
                    pid, ns_type).equal(current(ns_type)))
            helper = os.environ.get('SPACETEST_SPACER_PATH')
            if helper:
                self.assertEqual(os.readlink('/proc/%d/exe' % pid),
                                 os.path.realpath(helper))

    def test_construct_the_gobject_way(self):
        # a spacer made by GObject.new() has no service until init()
        spacer = Spacer()
        self.assertEqual(spacer.get_pid(), 0)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, spacer.rooms,
                                  NamespaceType.NET, None)
        self.assertSpacetestError(Error.INVALID_ARGUMENT, spacer.subspace,
                                  NamespaceType.USER, None)
        self.assertTrue(spacer.init(None))
        pid = spacer.get_pid()
        self.assertProcessRunning(pid)
        rooms = spacer.rooms(NamespaceType.NET, None)
        self.assertEqual(len(rooms), 1)
        self.assertTrue(spacer.init(None))       # once is enough
        self.assertEqual(spacer.get_pid(), pid)
        self.assertTrue(spacer.close())
        self.assertProcessGone(pid)

        # closed before it started: it never starts
        closed = Spacer()
        self.assertTrue(closed.close())
        self.assertSpacetestError(Error.CLOSED, closed.init, None)
        self.assertSpacetestError(Error.CLOSED, closed.rooms,
                                  NamespaceType.NET, None)

    def test_properties(self):
        with self.spacer() as spacer:
            self.assertEqual(spacer.props.pid, spacer.get_pid())
            self.assertEqual(spacer.props.timeout, 5000)
            self.assertEqual(spacer.get_timeout(), 5000)
            self.assertIsNone(spacer.props.user_namespace)
            self.assertIsNone(spacer.props.pid_namespace)
            self.assertIsNone(spacer.get_user_namespace())
            self.assertIsNone(spacer.get_pid_namespace())

            notified = []
            handler = spacer.connect(
                'notify::timeout',
                lambda obj, pspec: notified.append(obj.props.timeout))
            try:
                spacer.set_timeout(1234)
                self.assertEqual(spacer.get_timeout(), 1234)
                self.assertEqual(spacer.props.timeout, 1234)
                spacer.props.timeout = 7000
                self.assertEqual(spacer.get_timeout(), 7000)
                spacer.set_timeout(7000)  # unchanged: no notification
                self.assertEqual(notified, [1234, 7000])
            finally:
                spacer.disconnect(handler)

            with self.assertRaises(TypeError):
                spacer.props.pid = 1

    def test_subspace_user_pid(self):
        with self.spacer() as spacer, \
                self.spacer(spacer, USER_PID) as sub:
            self.assertIsInstance(sub, Spacer)
            pid = sub.get_pid()
            self.assertProcessRunning(pid)
            self.assertNotEqual(pid, spacer.get_pid())
            # Started by the parent's service, not by us.
            self.assertEqual(proc_stat(pid)[1], spacer.get_pid())

            for ns_type, ns, prop in (
                    (NamespaceType.USER, sub.get_user_namespace(),
                     sub.props.user_namespace),
                    (NamespaceType.PID, sub.get_pid_namespace(),
                     sub.props.pid_namespace)):
                with self.subTest(ns_type=ns_type):
                    self.assertIsNotNone(ns)
                    self.assertTrue(prop.equal(ns))
                    self.assertEqual(ns.get_namespace_type(), ns_type)
                    self.assertFalse(ns.equal(current(ns_type)))
                    self.assertNotEqual(
                        ns.get_inode(),
                        thread_ns_inode(Spacetest.namespace_type_to_string(
                            ns_type)))
                    self.assertTrue(ns.get_parent().equal(current(ns_type)))
                    # The service runs in it.
                    self.assertTrue(Spacetest.Namespace.new_for_pid(
                        pid, ns_type).equal(ns))

            # The caller's uid and gid map to root in the new namespace.
            for name, outside in (('uid_map', os.geteuid()),
                                  ('gid_map', os.getegid())):
                with open('/proc/%d/%s' % (pid, name)) as f:
                    self.assertEqual(f.read().split(),
                                     ['0', str(outside), '1'])
            # The parent is not affected.
            self.assertIsNone(spacer.get_user_namespace())
            self.assertIsNone(spacer.get_pid_namespace())

    def check_one_type_subspace(self, ns_type, other):
        with self.spacer() as spacer, \
                self.spacer(spacer, ns_type) as sub:
            getters = {NamespaceType.USER: sub.get_user_namespace,
                       NamespaceType.PID: sub.get_pid_namespace}
            ns = getters[ns_type]()
            self.assertEqual(ns.get_namespace_type(), ns_type)
            self.assertFalse(ns.equal(current(ns_type)))
            self.assertTrue(ns.get_parent().equal(current(ns_type)))
            self.assertIsNone(getters[other]())
            # The other namespace is the caller's.
            self.assertTrue(Spacetest.Namespace.new_for_pid(
                sub.get_pid(), other).equal(current(other)))

    def test_subspace_user(self):
        self.check_one_type_subspace(NamespaceType.USER, NamespaceType.PID)

    def test_subspace_pid(self):
        # A new PID namespace (and a mount namespace for its /proc) in the
        # caller's user namespace needs what a transient mount namespace
        # needs.
        self.require(NamespaceType.MNT)
        self.check_one_type_subspace(NamespaceType.PID, NamespaceType.USER)

    def test_nested_subspace(self):
        with self.spacer() as spacer, \
                self.spacer(spacer, USER_PID) as sub, \
                self.spacer(sub, USER_PID) as subsub:
            self.assertEqual(proc_stat(subsub.get_pid())[1], sub.get_pid())
            for get in (Spacer.get_user_namespace, Spacer.get_pid_namespace):
                self.assertTrue(get(subsub).get_parent().equal(get(sub)))
                self.assertFalse(get(subsub).equal(get(sub)))
            rooms = subsub.rooms(NamespaceType.NET, None)
            self.assertRooms(rooms, NamespaceType.NET,
                             subsub.get_user_namespace())

    def test_rooms(self):
        with self.spacer() as spacer, \
                self.spacer(spacer, USER_PID) as sub:
            rooms = sub.rooms(NET_UTS, None)
            self.assertEqual(len(rooms), 2)
            self.assertRooms(rooms, NET_UTS, sub.get_user_namespace())
            self.assertEqual(rooms[0].get_namespace_type(),
                             NamespaceType.NET)
            self.assertEqual(rooms[1].get_namespace_type(),
                             NamespaceType.UTS)
            # A new network namespace has lo up.
            self.assertLoopbackUp(rooms[0])
            # Each request makes new ones.
            again = sub.rooms(NET_UTS, None)
            self.assertFalse(again[0].equal(rooms[0]))
            self.assertFalse(again[1].equal(rooms[1]))

    def test_rooms_all(self):
        self.require_kernel(ALL_ROOMS)
        with self.spacer() as spacer, \
                self.spacer(spacer, USER_PID) as sub:
            rooms = sub.rooms(ALL_ROOMS, None)
            self.assertEqual(len(rooms), 6)
            self.assertRooms(rooms, ALL_ROOMS, sub.get_user_namespace())
            self.assertLoopbackUp(rooms[3])

    def test_rooms_of_root_spacer(self):
        # A service has the caller's privileges.
        self.require(NET_UTS)
        with self.spacer() as spacer:
            rooms = spacer.rooms(NET_UTS, None)
            self.assertRooms(rooms, NET_UTS, current(NamespaceType.USER))

    def test_new_transient(self):
        with self.spacer() as spacer, \
                self.spacer(spacer, NamespaceType.USER) as sub:
            ns = sub.new_transient(NamespaceType.NET, None)
            self.assertIsInstance(ns, Spacetest.Namespace)
            self.assertRooms([ns], NamespaceType.NET,
                             sub.get_user_namespace())
            self.assertLoopbackUp(ns)

    def test_new_transient_of_root_spacer(self):
        self.require(NamespaceType.NET)
        with self.spacer() as spacer:
            ns = spacer.new_transient(NamespaceType.NET, None)
            self.assertRooms([ns], NamespaceType.NET,
                             current(NamespaceType.USER))
            self.assertLoopbackUp(ns)

    def test_namespaces_outlive_close(self):
        with self.spacer() as spacer:
            sub = spacer.subspace(USER_PID, None)
            try:
                net = sub.new_transient(NamespaceType.NET, None)
            finally:
                sub.close()
            user = sub.get_user_namespace()
            self.assertProcessGone(sub.get_pid())
        self.assertTrue(net.get_owner().equal(user))
        self.assertLoopbackUp(net)


class SpacerAsyncTests(SpacerTestCase):

    def test_subspace_async(self):
        with self.spacer() as spacer:
            sub = self.run_async(
                lambda cb: spacer.subspace_async(USER_PID, None, cb),
                spacer.subspace_finish)
            try:
                self.assertIsInstance(sub, Spacer)
                self.assertProcessRunning(sub.get_pid())
                for ns_type, ns in (
                        (NamespaceType.USER, sub.get_user_namespace()),
                        (NamespaceType.PID, sub.get_pid_namespace())):
                    self.assertFalse(ns.equal(current(ns_type)))
                    self.assertTrue(ns.get_parent().equal(current(ns_type)))
                self.assertRooms(sub.rooms(NamespaceType.NET, None),
                                 NamespaceType.NET, sub.get_user_namespace())
            finally:
                sub.close()
            self.assertProcessGone(sub.get_pid())

    def test_rooms_async(self):
        self.require_kernel(ALL_ROOMS)
        with self.spacer() as spacer, \
                self.spacer(spacer, USER_PID) as sub:
            rooms = self.run_async(
                lambda cb: sub.rooms_async(NET_UTS, None, cb),
                sub.rooms_finish)
            self.assertEqual(len(rooms), 2)
            self.assertRooms(rooms, NET_UTS, sub.get_user_namespace())
            rooms = self.run_async(
                lambda cb: sub.rooms_async(ALL_ROOMS, None, cb),
                sub.rooms_finish)
            self.assertRooms(rooms, ALL_ROOMS, sub.get_user_namespace())

    def test_async_invalid_arguments(self):
        with self.spacer() as spacer:
            self.assertGError(
                Spacetest.error_quark(), Error.INVALID_ARGUMENT,
                self.run_async,
                lambda cb: spacer.subspace_async(NamespaceType.NET, None, cb),
                spacer.subspace_finish)
            self.assertGError(
                Spacetest.error_quark(), Error.INVALID_ARGUMENT,
                self.run_async,
                lambda cb: spacer.rooms_async(NamespaceType.USER, None, cb),
                spacer.rooms_finish)
            self.assertUsableAsync(spacer)

    def test_cancelled(self):
        with self.spacer() as spacer:
            cancellable = Gio.Cancellable()
            cancellable.cancel()
            for func, ns_type in ((spacer.subspace, USER_PID),
                                  (spacer.rooms, NET_UTS),
                                  (spacer.new_transient, NamespaceType.NET)):
                with self.subTest(func=func.__name__):
                    self.assertGError(Gio.io_error_quark(),
                                      Gio.IOErrorEnum.CANCELLED,
                                      func, ns_type, cancellable)
            # Still usable: the abandoned replies are discarded.
            self.assertUsable(spacer)
            with self.spacer(spacer, USER_PID) as sub:
                self.assertGError(Gio.io_error_quark(),
                                  Gio.IOErrorEnum.CANCELLED,
                                  sub.rooms, NET_UTS, cancellable)
                self.assertEqual(len(sub.rooms(NET_UTS, None)), 2)

    def test_cancelled_async(self):
        with self.spacer() as spacer:
            cancelled = Gio.Cancellable()
            cancelled.cancel()
            self.assertGError(
                Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED,
                self.run_async,
                lambda cb: spacer.rooms_async(NET_UTS, cancelled, cb),
                spacer.rooms_finish)

            # Cancelled after the request went out.
            cancellable = Gio.Cancellable()

            def start(cb):
                spacer.subspace_async(USER_PID, cancellable, cb)
                cancellable.cancel()

            self.assertGError(Gio.io_error_quark(),
                              Gio.IOErrorEnum.CANCELLED,
                              self.run_async, start, spacer.subspace_finish)

            self.assertUsableAsync(spacer)


class SpacerErrorTests(SpacerTestCase):

    def test_invalid_arguments(self):
        domain = Spacetest.error_quark()
        with self.spacer() as spacer:
            for ns_type in (NamespaceType.NET, NamespaceType.NONE,
                            NamespaceType.USER | NamespaceType.NET,
                            NamespaceType.MNT):
                with self.subTest(call='subspace', ns_type=ns_type):
                    self.assertGError(domain, Error.INVALID_ARGUMENT,
                                      spacer.subspace, ns_type, None)
            for ns_type in (NamespaceType.USER, NamespaceType.PID,
                            NamespaceType.NONE,
                            NamespaceType.NET | NamespaceType.USER):
                with self.subTest(call='rooms', ns_type=ns_type):
                    self.assertGError(domain, Error.INVALID_ARGUMENT,
                                      spacer.rooms, ns_type, None)
            for ns_type in (NamespaceType.PID, NamespaceType.USER,
                            NamespaceType.NONE, NET_UTS):
                with self.subTest(call='new_transient', ns_type=ns_type):
                    self.assertGError(domain, Error.INVALID_ARGUMENT,
                                      spacer.new_transient, ns_type, None)

            # Still usable.
            self.assertProcessRunning(spacer.get_pid())
            self.assertUsable(spacer)
            with self.spacer(spacer, USER_PID) as sub:
                self.assertGError(domain, Error.INVALID_ARGUMENT,
                                  sub.rooms, NamespaceType.USER, None)
                self.assertEqual(
                    sub.new_transient(NamespaceType.UTS, None)
                    .get_namespace_type(), NamespaceType.UTS)

    def test_missing_helper(self):
        saved = os.environ.get('SPACETEST_SPACER_PATH')
        os.environ['SPACETEST_SPACER_PATH'] = '/nonexistent/spacetest-spacer'
        try:
            error = self.assertGError(Spacetest.error_quark(),
                                      Error.SPACER_FAILED, Spacer.new, None)
            self.assertIn('/nonexistent/spacetest-spacer', error.message)
        finally:
            if saved is None:
                del os.environ['SPACETEST_SPACER_PATH']
            else:
                os.environ['SPACETEST_SPACER_PATH'] = saved

    def test_close(self):
        domain = Spacetest.error_quark()
        spacer = Spacer.new(None)
        pid = spacer.get_pid()
        try:
            self.assertTrue(spacer.close())
            self.assertProcessGone(pid, timeout=0)  # reaped by close()
            self.assertTrue(spacer.close())
            self.assertEqual(spacer.get_pid(), pid)
            for func, ns_type in ((spacer.subspace, USER_PID),
                                  (spacer.rooms, NET_UTS),
                                  (spacer.new_transient, NamespaceType.NET)):
                with self.subTest(func=func.__name__):
                    self.assertGError(domain, Error.CLOSED,
                                      func, ns_type, None)
            self.assertGError(
                domain, Error.CLOSED, self.run_async,
                lambda cb: spacer.rooms_async(NET_UTS, None, cb),
                spacer.rooms_finish)
            self.assertGError(
                domain, Error.CLOSED, self.run_async,
                lambda cb: spacer.subspace_async(USER_PID, None, cb),
                spacer.subspace_finish)
            self.assertTrue(spacer.close())
        finally:
            spacer.close()

    def test_close_during_async_request(self):
        for name, types in (('rooms', NET_UTS), ('subspace', USER_PID)):
            with self.subTest(call=name), self.spacer() as spacer:
                start_call = getattr(spacer, name + '_async')

                def start(cb):
                    start_call(types, None, cb)
                    self.assertTrue(spacer.close())

                self.assertGError(Spacetest.error_quark(), Error.CLOSED,
                                  self.run_async, start,
                                  getattr(spacer, name + '_finish'))
                self.assertProcessGone(spacer.get_pid(), timeout=0)

    def test_close_subspace(self):
        with self.spacer() as spacer:
            sub = spacer.subspace(USER_PID, None)
            try:
                self.assertTrue(sub.close())
                self.assertTrue(sub.close())
                self.assertProcessGone(sub.get_pid())
                self.assertGError(Spacetest.error_quark(), Error.CLOSED,
                                  sub.rooms, NET_UTS, None)
            finally:
                sub.close()
            # The parent carries on.
            self.assertUsable(spacer)

    def test_close_parent_ends_subspace(self):
        with self.spacer() as spacer:
            sub = spacer.subspace(USER_PID, None)
            try:
                spacer.close()
                self.assertProcessGone(sub.get_pid())
                self.assertGError(Spacetest.error_quark(),
                                  Error.SPACER_FAILED,
                                  sub.rooms, NET_UTS, None)
            finally:
                sub.close()

    def test_killed_service(self):
        domain = Spacetest.error_quark()
        with self.spacer() as spacer:
            pid = spacer.get_pid()
            os.kill(pid, signal.SIGKILL)
            self.assertGError(domain, Error.SPACER_FAILED,
                              spacer.rooms, NET_UTS, None)
            self.assertGError(domain, Error.SPACER_FAILED,
                              spacer.subspace, USER_PID, None)
            self.assertGError(
                domain, Error.SPACER_FAILED, self.run_async,
                lambda cb: spacer.rooms_async(NET_UTS, None, cb),
                spacer.rooms_finish)

    def test_killed_during_request(self):
        with self.spacer() as spacer:
            pid = spacer.get_pid()
            os.kill(pid, signal.SIGSTOP)
            try:
                self.assertEqual(wait_for_state(pid, 'T'), 'T')

                def start(cb):
                    # The request is in the service's queue when it dies.
                    spacer.rooms_async(NET_UTS, None, cb)
                    os.kill(pid, signal.SIGKILL)

                self.assertGError(Spacetest.error_quark(),
                                  Error.SPACER_FAILED, self.run_async,
                                  start, spacer.rooms_finish)
            finally:
                # gone already, unless something failed before the kill
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            self.assertGError(Spacetest.error_quark(), Error.SPACER_FAILED,
                              spacer.rooms, NET_UTS, None)

    def test_killed_subspace_service(self):
        domain = Spacetest.error_quark()
        with self.spacer() as spacer:
            sub = spacer.subspace(USER_PID, None)
            try:
                os.kill(sub.get_pid(), signal.SIGKILL)
                self.assertGError(domain, Error.SPACER_FAILED,
                                  sub.rooms, NET_UTS, None)
                self.assertGError(domain, Error.SPACER_FAILED,
                                  sub.new_transient, NamespaceType.NET, None)
            finally:
                sub.close()
            self.assertProcessGone(sub.get_pid())
            # The parent carries on.
            self.assertUsable(spacer)

    def test_timeout(self):
        domain = Spacetest.error_quark()
        with self.spacer() as spacer:
            pid = spacer.get_pid()
            spacer.set_timeout(200)
            os.kill(pid, signal.SIGSTOP)
            try:
                self.assertEqual(wait_for_state(pid, 'T'), 'T')
                start = time.monotonic()
                self.assertGError(domain, Error.TIMED_OUT,
                                  spacer.subspace, NamespaceType.USER, None)
                self.assertGreaterEqual(time.monotonic() - start, 0.15)
                self.assertGError(
                    domain, Error.TIMED_OUT, self.run_async,
                    lambda cb: spacer.rooms_async(NET_UTS, None, cb),
                    spacer.rooms_finish)
            finally:
                os.kill(pid, signal.SIGCONT)
            spacer.set_timeout(5000)
            # The late replies to the abandoned requests (one with the
            # descriptors of a new service) are discarded.
            self.assertUsable(spacer)


if __name__ == '__main__':
    taprunner.main()
