// The house rule of worker/src (scripts/check-layers.mjs): rooms in layers,
// every crate:: path pointing down. Checked on the real tree, and the check
// itself on made-up files, so it is seen to catch what it should.
import test from 'node:test';
import assert from 'node:assert/strict';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sources, violations } from '../scripts/check-layers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

test('every crate:: path in worker/src points down the layers', () => {
  const found = violations(sources(resolve(root, 'worker/src')));
  assert.deepEqual(found.map((v) => `${v.file}:${v.line}: ${v.reason}`), []);
});

test('the check catches a path up, a path sideways and a file in no room, and passes paths down', () => {
  const files = [
    ['store/leads.rs', 'use crate::api::leads::LeadOut; // up'],
    ['automation/campaigns.rs', 'use crate::lifecycle::erasure::erase; // sideways'],
    ['outbox/consumer.rs', 'let x = crate::automation::workflows::run(); // up, inline'],
    ['stray.rs', 'use crate::error::ApiError;'],
    ['api/leads.rs', 'use crate::store::Store;\nuse crate::outbox::dispatch;\nuse crate::error::ApiResult;'],
    ['capture/mod.rs', '// crate::api in a comment is no import\nuse crate::capture::abuse;'],
  ];
  const found = violations(files).map((v) => `${v.file}:${v.line}`);
  assert.deepEqual(found, ['store/leads.rs:1', 'automation/campaigns.rs:1', 'outbox/consumer.rs:1', 'stray.rs:1']);
});
