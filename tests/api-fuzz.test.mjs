// The API contract, kept true by a machine: schemathesis reads the served
// OpenAPI document and fuzzes every operation with every check (status codes,
// content types, headers and bodies as declared, invalid data refused, valid
// data accepted, undeclared methods 405, auth enforced, created resources
// readable and deleted ones gone), the stateful phase chaining create → get →
// patch → delete through the document's links. Any failure fails the run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnApp } from './support/app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemathesis = join(root, '.venv/bin/schemathesis');

let app;
let reports;

before(async () => {
  // The fuzzer subscribes webhooks at made-up public hosts (https://0.com) and
  // sets up Telegram: nothing it triggers may leave this machine, so deliveries
  // stay in the outbox (written and listed, never sent: no first attempt by the
  // request, nothing enqueued, and the sweeper is not run). Email is set up so
  // workflows with an `email` action are accepted; none is ever sent.
  app = await spawnApp({ vars: { DELIVERY_SKIP_ENQUEUE: '1', DELIVERY_INLINE_FIRST_ATTEMPT: 'off', EMAIL_FROM: 'leads@leadsbot.test', PUBLIC_URL: 'https://leads.example.test' } });
  reports = await mkdtemp(join(tmpdir(), 'leadsbot-fuzz-'));
});

after(async () => {
  await app?.stop();
  if (reports) await rm(reports, { recursive: true, force: true });
});

function run(command, args, env) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, output }));
  });
}

test('schemathesis finds no difference between the API and its document', { timeout: 6 * 60_000 }, async () => {
  assert.ok(existsSync(schemathesis), 'schemathesis is missing: run `bash scripts/bootstrap.sh` (it installs tests/fuzz/requirements.txt into .venv)');
  const ws = await app.createWorkspace({ name: 'Fuzzed' });
  const captureUrl = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Fuzzed capture URL' });
  assert.equal(captureUrl.status, 201);
  const keys = await app.api(ws.api_key, 'GET', '/api/v1/keys');
  const movable = await app.createWorkspace({ name: 'Moved by the fuzzer' });
  const junit = join(reports, 'junit.xml');
  const env = {
    ...process.env,
    LEADSBOT_FUZZ_API_KEY: ws.api_key,
    LEADSBOT_FUZZ_KEY_ID: keys.body.data[0].id,
    LEADSBOT_FUZZ_ADMIN_TOKEN: app.adminToken,
    LEADSBOT_FUZZ_PUBLIC_TOKEN: ws.public_token,
    LEADSBOT_FUZZ_WORKSPACE_ID: ws.id,
    LEADSBOT_FUZZ_MOVABLE_WORKSPACE_ID: movable.id,
    LEADSBOT_FUZZ_CAPTURE_URL_ID: captureUrl.body.id,
    NO_COLOR: '1',
  };
  const { code, output } = await run(schemathesis, [
    '--config-file', 'tests/fuzz/schemathesis.toml', 'run', `${app.baseUrl}/api/v1/openapi.json`,
    '--checks', 'all', '--report', 'junit', '--report-junit-path', junit,
  ], env);
  const summary = output.split('\n').slice(-60).join('\n');
  assert.equal(code, 0, `schemathesis found failures:\n${output.slice(-20_000)}`);
  const xml = await readFile(junit, 'utf8');
  const testcases = (xml.match(/<testcase\b/g) ?? []).length;
  const failures = (xml.match(/<failure\b/g) ?? []).length + (xml.match(/<error\b/g) ?? []).length;
  assert.ok(testcases > 0, `the fuzzer exercised no operation:\n${summary}`);
  assert.equal(failures, 0, summary);
  const cases = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
  assert.ok(cases > 0, `the fuzzer generated no test case:\n${summary}`);
  console.log(summary);
});
