# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared set-up of the Python tests of the Spacetest bindings.

Importing this module switches an unprivileged process into
spacetest's unprivileged mode with Spacetest.init_user_namespace(), which
needs a single-threaded process: import it before anything that starts a
thread (python3-gi itself starts none).  SPACETEST_USERNS=0 turns that
off, as it does for spacetest_test_init().
"""

import fcntl
import gc
import os
import socket
import struct
import threading
import time
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Spacetest', '1')
from gi.repository import GLib, Gio, Spacetest  # noqa: E402

NamespaceType = Spacetest.NamespaceType

# Every namespace type with its name under /proc/PID/ns.
ALL_TYPES = [
    (NamespaceType.CGROUP, 'cgroup'),
    (NamespaceType.IPC, 'ipc'),
    (NamespaceType.MNT, 'mnt'),
    (NamespaceType.NET, 'net'),
    (NamespaceType.PID, 'pid'),
    (NamespaceType.TIME, 'time'),
    (NamespaceType.USER, 'user'),
    (NamespaceType.UTS, 'uts'),
]

# Why unprivileged mode could not be set up, for skip messages.
USERNS_FAILURE = None
if os.environ.get('SPACETEST_USERNS') != '0':
    try:
        Spacetest.init_user_namespace()
    except GLib.Error as e:
        USERNS_FAILURE = e.message


def require(types):
    """Spacetest.require() (the override's) for the tests, unittest and
    pytest alike: skips the calling test unless this process can create
    transient namespaces of @types, or fails it with SPACETEST_REQUIRE=1;
    the reason also tells why unprivileged mode failed, if it did."""
    try:
        Spacetest.require(types)
    except (unittest.SkipTest, AssertionError) as e:
        if USERNS_FAILURE is None:
            raise
        raise type(e)('%s (unprivileged mode failed: %s)' %
                      (e, USERNS_FAILURE)) from None


SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1


def thread_ns_inode(name):
    """The calling thread's namespace of type @name, as an inode number."""
    return os.stat('/proc/thread-self/ns/' + name).st_ino


def thread_ns_inodes():
    """The calling thread's namespaces, as {name: inode}."""
    return {name: thread_ns_inode(name) for _, name in ALL_TYPES
            if os.path.exists('/proc/thread-self/ns/' + name)}


def open_fds():
    """The process's open file descriptors, as {fd: target}."""
    fds = {}
    for entry in os.listdir('/proc/self/fd'):
        try:
            fds[int(entry)] = os.readlink('/proc/self/fd/' + entry)
        except OSError:
            pass  # the descriptor os.listdir() itself used
    return fds


def thread_count(at_most=None, timeout=2.0):
    """The number of threads of the process.  With @at_most, waits up to
    @timeout seconds for it to drop to that: a joined thread can linger in
    /proc/self/task for a moment after pthread_join() returned."""
    deadline = time.monotonic() + timeout
    while True:
        count = len(os.listdir('/proc/self/task'))
        if at_most is None or count <= at_most or \
           time.monotonic() >= deadline:
            return count
        time.sleep(0.01)


def net_device_flags(name):
    """The interface flags (IFF_*) of network device @name in the calling
    thread's network namespace."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        ifreq = struct.pack('16sH14x', name.encode(), 0)
        ifreq = fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, ifreq)
    return struct.unpack('16sH14x', ifreq)[1]


def tcp_round_trip(client_ns, server_ns, address):
    """Serves one TCP connection on @address in @server_ns, on a thread
    inside it, and connects to it from @client_ns: returns what each side
    received."""
    listener = Gio.SocketListener()
    results = {}

    def listen():
        # The listening socket is made here, inside server_ns, and stays
        # there whichever thread uses it.
        bound = listener.add_address(
            Gio.InetSocketAddress.new_from_string(address, 0),
            Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
        results['port'] = bound[1].get_port()

    server_ns.execute(listen)

    def serve():
        try:
            connection, _ = listener.accept(None)
            results['server'] = connection.get_input_stream().read_bytes(
                4, None).get_data()
            connection.get_output_stream().write_all(b'pong', None)
            connection.close(None)
        except GLib.Error as e:
            results['server error'] = e.message

    def serve_inside():
        server_ns.execute(serve)

    thread = threading.Thread(target=serve_inside)
    thread.start()
    try:
        def connect():
            client = Gio.SocketClient()
            client.set_timeout(10)
            connection = client.connect(
                Gio.InetSocketAddress.new_from_string(address,
                                                      results['port']),
                None)
            connection.get_output_stream().write_all(b'ping', None)
            results['client'] = connection.get_input_stream().read_bytes(
                4, None).get_data()
            connection.close(None)

        client_ns.execute(connect)
    finally:
        listener.close()
        thread.join(20)
    return results


class TestCase(unittest.TestCase):
    """Checks after every test that the main thread is back in its
    namespaces and that no file descriptor or thread was leaked (for
    example by a wrong transfer annotation)."""

    def setUp(self):
        super().setUp()
        gc.collect()
        self._ns_before = thread_ns_inodes()
        self._fds_before = open_fds()
        self._threads_before = thread_count()
        # Cleanups run last-in first-out: this one runs after the test's.
        self.addCleanup(self._check_clean)

    def _check_clean(self):
        self.assertEqual(thread_ns_inodes(), self._ns_before,
                         'the test left the main thread switched')
        gc.collect()
        leaked = {fd: target for fd, target in open_fds().items()
                  if self._fds_before.get(fd) != target}
        self.assertEqual(leaked, {}, 'file descriptors leaked by the test')
        self.assertLessEqual(thread_count(self._threads_before),
                             self._threads_before,
                             'threads leaked by the test')

    def require(self, types):
        require(types)

    def assertSpacetestError(self, code, func, *args):
        """Asserts that func(*args) raises a GLib.Error in the
        Spacetest error domain with @code, and returns the error."""
        with self.assertRaises(GLib.Error) as cm:
            func(*args)
        error = cm.exception
        self.assertTrue(error.matches(Spacetest.error_quark(), code),
                        'expected %s, got %s: %s' %
                        (code, error.domain, error.message))
        return error
