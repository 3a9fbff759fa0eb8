// SPDX-FileCopyrightText: 2026 The spacetest-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
// tap.js: a tiny TAP harness for the GJS tests (run with gjs -m).
//
//     import {test, run, assert} from './tap.js';
//     test('name', () => { assert(true); });
//     run();
//
// run() prints the plan and one 'ok N - name' / 'not ok N - name' line per
// test (with the exception as '#' diagnostics), and exits 0 only if every
// test passed. A test calls skip(reason) to be reported as skipped.

import GLib from 'gi://GLib';
import System from 'system';

const tests = [];
const beforeHooks = [];
const afterHooks = [];

class SkipTest extends Error {}

export class AssertionError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AssertionError';
    }
}

export function test(name, func) {
    tests.push({name, func});
}

// Functions to run before and after every test; an exception in an
// 'after' hook fails the test.
export function beforeEach(func) {
    beforeHooks.push(func);
}

export function afterEach(func) {
    afterHooks.push(func);
}

export function skip(reason) {
    throw new SkipTest(reason);
}

export function fail(message) {
    throw new AssertionError(message);
}

export function assert(condition, message = 'assertion failed') {
    if (!condition)
        fail(message);
}

function repr(value) {
    try {
        return JSON.stringify(value, (_k, v) =>
            typeof v === 'bigint' ? `${v}n` : v) ?? String(value);
    } catch (e) {
        return String(value);
    }
}

function deepEqual(a, b) {
    return repr(a) === repr(b);
}

export function assertEqual(actual, expected, message = '') {
    if (!deepEqual(actual, expected))
        fail(`${message ? `${message}: ` : ''}expected ${repr(expected)}, got ${repr(actual)}`);
}

export function assertNotEqual(actual, unexpected, message = '') {
    if (deepEqual(actual, unexpected))
        fail(`${message ? `${message}: ` : ''}did not expect ${repr(actual)}`);
}

// Asserts that func() throws a GLib.Error of domain and code; returns it.
export function assertThrowsGError(func, domain, code) {
    try {
        func();
    } catch (e) {
        if (!(e instanceof GLib.Error))
            fail(`expected a GLib.Error, got ${e}`);
        if (!e.matches(domain, code)) {
            fail(`expected error ${GLib.quark_to_string(domain)} ${code}, ` +
                 `got ${GLib.quark_to_string(e.domain)} ${e.code}: ${e.message}`);
        }
        return e;
    }
    return fail('expected an exception, none was thrown');
}

function oneLine(text) {
    return String(text).replace(/\s+/g, ' ').trim();
}

function diagnose(error) {
    let text = error instanceof Error
        ? `${error.name}: ${error.message}\n${error.stack ?? ''}`
        : `${error}`;
    if (error instanceof GLib.Error)
        text = `GLib.Error ${GLib.quark_to_string(error.domain)} ${error.code}: ${error.message}\n${error.stack ?? ''}`;
    for (const line of text.trimEnd().split('\n'))
        print(`# ${line}`);
}

export function run() {
    let failed = 0;

    print(`1..${tests.length}`);
    tests.forEach(({name, func}, i) => {
        const label = `${i + 1} - ${name.replace(/#/g, '%23')}`;
        const errors = [];
        let skipped = null;

        try {
            beforeHooks.forEach(hook => hook());
            func();
        } catch (e) {
            if (e instanceof SkipTest)
                skipped = e.message;
            else
                errors.push(e);
        }
        for (const hook of afterHooks) {
            try {
                hook();
            } catch (e) {
                errors.push(e);
            }
        }

        if (errors.length > 0) {
            failed++;
            print(`not ok ${label}`);
            errors.forEach(diagnose);
        } else if (skipped !== null) {
            print(`ok ${label} # SKIP ${oneLine(skipped)}`);
        } else {
            print(`ok ${label}`);
        }
    });
    System.exit(failed > 0 ? 1 : 0);
}
