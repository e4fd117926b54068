// The test harness's own fault check (tests/support/app.mjs): which lines of a
// dev server's output fail a test file. No server: the lines are in the forms
// workerd, workers-rs and scripts/dev-server.mjs print them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { faultLines } from './support/app.mjs';

test('a panic, a wasm trap, a terminated module or a reload fails the file; handled errors do not', () => {
  const faults = [
    '✘ [ERROR] Critical Error: Rust panic: panicked at worker/src/workflows/run.rs:210:9:',
    '✘ [ERROR] Uncaught RuntimeError: unreachable',
    '✘ [ERROR] Module terminated: the worker will be re-instantiated',
    'dev-server: the runtime reloaded after it was ready',
  ];
  const fine = [
    'ready on http://127.0.0.1:38543',
    '✘ [ERROR] internal error: d1 query: Error: D1_ERROR: database is locked: SQLITE_BUSY',
    "✘ [ERROR] writing a turn's lead changes failed; its runs are tried again: Conflict(\"the lead was erased\")",
    '[wrangler:info] POST /api/v1/leads 201 Created (12ms)',
  ];
  assert.deepEqual(faultLines([fine[0], faults[0], fine[1], faults[1], fine[2], faults[2], fine[3], faults[3]].join('\n')), faults);
  assert.deepEqual(faultLines(fine.join('\n')), []);
});
