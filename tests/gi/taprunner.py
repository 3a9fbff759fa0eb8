# SPDX-FileCopyrightText: 2026 The spacetest-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run the unittest cases of a module and report them as TAP.

meson runs the Python tests with ``protocol: 'tap'``, so every test case
is counted on its own.  Use it at the end of a test module::

    if __name__ == '__main__':
        taprunner.main()
"""

import sys
import traceback
import unittest


class TAPTestResult(unittest.TestResult):
    """Prints one TAP line per test case once the case has finished.

    The line is written in stopTest() rather than in the add* methods
    because a test whose subtests failed gets neither addSuccess() nor
    addFailure() for itself.
    """

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream if stream is not None else sys.stdout
        self.number = 0
        self._current = None
        self._outcome = None
        self._directive = ''
        self._diagnostics = []

    def _write(self, line):
        self.stream.write(line + '\n')
        self.stream.flush()

    def _diagnose(self, test, err):
        text = ''.join(traceback.format_exception(*err))
        self._diagnostics.extend(text.rstrip('\n').split('\n'))

    @staticmethod
    def _name(test):
        # 'test_namespace.NamespaceTests.test_equal' -> drop the module.
        return test.id().split('.', 1)[-1].replace('#', '%23')

    def startTest(self, test):
        super().startTest(test)
        self._current = test
        self.number += 1
        self._outcome = 'ok'
        self._directive = ''
        self._diagnostics = []

    def stopTest(self, test):
        line = '%s %d - %s' % (self._outcome, self.number, self._name(test))
        if self._directive:
            line += ' # ' + self._directive
        self._write(line)
        for diagnostic in self._diagnostics:
            self._write('# ' + diagnostic)
        self._current = None
        super().stopTest(test)

    def addError(self, test, err):
        super().addError(test, err)
        if self._current is None:
            # A class or module fixture failed: no test case to blame, and
            # the plan can no longer be met.
            self._diagnose(test, err)
            for diagnostic in self._diagnostics:
                self._write('# ' + diagnostic)
            self._write('Bail out! %s failed' % test.description)
            return
        self._outcome = 'not ok'
        self._diagnose(test, err)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._outcome = 'not ok'
        self._diagnose(test, err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._outcome = 'not ok'
            self._diagnostics.append('subtest %s failed:' % subtest.id())
            self._diagnose(subtest, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._directive = 'SKIP ' + ' '.join(reason.split())

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._outcome = 'not ok'
        self._directive = 'TODO expected failure'

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._outcome = 'ok'
        self._directive = 'TODO unexpected success'


def main(module='__main__'):
    """Runs every test case of @module as TAP and exits: 0 if all passed."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[module])
    result = TAPTestResult()
    result._write('1..%d' % suite.countTestCases())
    suite.run(result)
    sys.exit(0 if result.wasSuccessful() else 1)
