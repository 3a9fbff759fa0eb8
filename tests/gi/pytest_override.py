# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyGObject override under pytest: Spacetest.Guard as a context
manager, and Spacetest.require(), whose unittest.SkipTest pytest must
report as a skip.

meson runs this file with '/usr/bin/python3 -m pytest' (python3-pytest)
and the uninstalled override on PYTHONPATH.  It is not named test_*.py,
so that taprunner-style discovery leaves it alone.
"""

import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

import pytest

# testutil first: it sets up unprivileged mode.
from testutil import NamespaceType, require, thread_ns_inode, \
    thread_ns_inodes

from gi.repository import GLib, Spacetest

TransientFlags = Spacetest.TransientFlags

NET_UTS = NamespaceType.NET | NamespaceType.UTS
# Never creatable by a process for itself (Spacetest.can_create() is
# FALSE for them, with privileges or without).
NEVER = NamespaceType.USER | NamespaceType.PID


def never_reason():
    with pytest.raises(GLib.Error) as info:
        Spacetest.check_can_create(NEVER)
    return info.value.message


@pytest.fixture(autouse=True)
def main_thread_back():
    """Every test must leave the thread in its own namespaces."""
    before = thread_ns_inodes()
    yield
    assert thread_ns_inodes() == before


def test_with_restores():
    require(NET_UTS)
    before = thread_ns_inodes()
    with Spacetest.enter_transient(NET_UTS,
                                   TransientFlags.LOOPBACK_UP) as guard:
        assert isinstance(guard, Spacetest.Guard)
        assert thread_ns_inode('net') == \
            guard.get_namespace(NamespaceType.NET).get_inode()
        assert thread_ns_inode('net') != before['net']
        assert thread_ns_inode('uts') != before['uts']
    assert guard.is_restored()
    assert thread_ns_inodes() == before


def test_with_exception():
    require(NamespaceType.NET)
    before = thread_ns_inodes()
    with pytest.raises(KeyError, match='inside'):
        with Spacetest.enter_transient(NamespaceType.NET,
                                       TransientFlags.NONE) as guard:
            assert thread_ns_inode('net') != before['net']
            raise KeyError('inside')
    assert guard.is_restored()
    assert thread_ns_inodes() == before


def test_restore_inside_block():
    require(NamespaceType.NET)
    before = thread_ns_inodes()
    with Spacetest.enter_transient(NamespaceType.NET,
                                   TransientFlags.NONE) as guard:
        assert guard.restore()
        assert thread_ns_inodes() == before
    assert guard.is_restored()
    assert thread_ns_inodes() == before


def test_namespace_enter():
    require(NamespaceType.NET)
    netns = Spacetest.Namespace.new_transient(NamespaceType.NET,
                                              TransientFlags.NONE)
    with netns.enter():
        assert netns.is_current()
    assert not netns.is_current()


def test_require_available(monkeypatch):
    monkeypatch.setenv('SPACETEST_REQUIRE', '1')
    assert Spacetest.require(NamespaceType.NONE) is None
    if Spacetest.can_create(NamespaceType.NET):
        assert Spacetest.require(NamespaceType.NET) is None


def test_require_skips(monkeypatch):
    monkeypatch.delenv('SPACETEST_REQUIRE', raising=False)
    with pytest.raises(unittest.SkipTest) as info:
        Spacetest.require(NEVER)
    assert str(info.value) == never_reason()


def test_require_fails_with_require(monkeypatch):
    monkeypatch.setenv('SPACETEST_REQUIRE', '1')
    with pytest.raises(AssertionError) as info:
        Spacetest.require(NEVER)
    assert str(info.value) == never_reason()


# A test file of its own, run by another pytest: one test that requires
# what no process can create for itself, one that requires nothing.
GENERATED = textwrap.dedent('''\
    import gi
    gi.require_version('Spacetest', '1')
    from gi.repository import Spacetest

    def test_never():
        Spacetest.require(Spacetest.NamespaceType.USER |
                          Spacetest.NamespaceType.PID)
        raise RuntimeError('not skipped')

    def test_nothing():
        Spacetest.require(Spacetest.NamespaceType.NONE)
    ''')


def run_pytest(environ):
    """Runs GENERATED under pytest in a child process with @environ:
    returns (exit status, output)."""
    with tempfile.TemporaryDirectory(prefix='spacetest-pytest-') as tmp:
        path = os.path.join(tmp, 'test_generated.py')
        with open(path, 'w') as f:
            f.write(GENERATED)
        child = subprocess.run(
            [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider',
             '-v', '-rsf', '--rootdir', tmp,
             '-o', 'console_output_style=classic', path],
            cwd=tmp, env=environ, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    return child.returncode, child.stdout


def child_environ(**changes):
    env = dict(os.environ)
    env.pop('SPACETEST_REQUIRE', None)
    env.pop('PYTEST_ADDOPTS', None)
    env.update(changes)
    return env


def summary(output):
    """The counts of pytest's last line, as {'passed': 1, ...}, without
    warnings (a newer PyGObject or Python may add some)."""
    last = output.rstrip('\n').split('\n')[-1]
    return {word: int(count)
            for count, word in re.findall(r'(\d+) (\w+)', last)
            if not word.startswith('warning')}


def test_pytest_reports_skip():
    status, output = run_pytest(child_environ())
    assert status == 0, output
    assert summary(output) == {'passed': 1, 'skipped': 1}, output
    # -v: which test was skipped.
    assert re.search(r'^\S*test_generated\.py::test_never SKIPPED\b',
                     output, re.MULTILINE), output
    # -rs: 'SKIPPED [1] LOCATION: REASON'; pytest 7 gives the place where
    # it turned unittest.SkipTest into a skip, not the test's line.
    assert re.search(r'^SKIPPED \[1\] \S+:\d+: ' +
                     re.escape(never_reason()) + '$', output,
                     re.MULTILINE), output


def test_pytest_fails_with_require():
    status, output = run_pytest(child_environ(SPACETEST_REQUIRE='1'))
    assert status == 1, output
    assert summary(output) == {'failed': 1, 'passed': 1}, output
    assert re.search(r'^FAILED \S*test_generated\.py::test_never - '
                     r'AssertionError: ', output, re.MULTILINE), output
