# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spacetest-glib from Python: a network namespace entered with a guard, a
function run inside a namespace, rooms from a spacer, and an error.

Runs as root or as any other user.  Exits with 77 (skipped) where this
process cannot create namespaces, or with 1 if SPACETEST_REQUIRE=1.
"""

import os
import socket
import sys

import gi
gi.require_version('GLib', '2.0')
gi.require_version('Spacetest', '1')
from gi.repository import GLib, Spacetest  # noqa: E402

NamespaceType = Spacetest.NamespaceType
LOOPBACK_UP = Spacetest.TransientFlags.LOOPBACK_UP

# Unprivileged mode first, while the process has a single thread; with
# privileges it does nothing. SPACETEST_USERNS=0 turns it off, as it does
# for spacetest_test_init().
try:
    if os.environ.get('SPACETEST_USERNS') != '0':
        Spacetest.init_user_namespace()
    Spacetest.check_can_create(NamespaceType.NET | NamespaceType.UTS)
except GLib.Error as e:
    print('skipped:', e.message)
    sys.exit(1 if os.environ.get('SPACETEST_REQUIRE') == '1' else 77)

# 1. Enter a new network namespace; the guard restores the thread when
#    the with-block ends, also on an exception.
with Spacetest.enter_transient(NamespaceType.NET, LOOPBACK_UP) as guard:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(('127.0.0.1', 8080))  # free here, whatever the host has
        server.listen(1)
assert guard.is_restored()
print('bound 127.0.0.1:8080 in net:[%d]' %
      guard.get_namespace(NamespaceType.NET).get_inode())

# 2. Run a function inside a namespace; results travel through a closure.
netns = Spacetest.Namespace.new_transient(NamespaceType.NET, LOOPBACK_UP)
seen = {}


def inside():
    seen['inode'] = os.stat('/proc/thread-self/ns/net').st_ino


netns.execute(inside)
assert seen['inode'] == netns.get_inode()
assert not netns.is_current()

# 3. A spacer in new user and PID namespaces, and rooms owned by it.
spacer = Spacetest.Spacer.new(None)
sub = None
try:
    sub = spacer.subspace(NamespaceType.USER | NamespaceType.PID, None)
    rooms = sub.rooms(NamespaceType.NET | NamespaceType.UTS, None)  # a list
    print('rooms:', ', '.join('%s:[%d]' % (
        Spacetest.namespace_type_to_string(ns.get_namespace_type()),
        ns.get_inode()) for ns in rooms))
finally:
    if sub is not None:
        sub.close()
    spacer.close()

# 4. Errors are GLib.Error in the Spacetest error domain.
try:
    Spacetest.Namespace.new_for_path('/nonexistent')
except GLib.Error as e:
    assert e.matches(Spacetest.error_quark(), Spacetest.Error.NOT_A_NAMESPACE)
    print('expected error:', e.message)
else:
    sys.exit('no error for /nonexistent')
