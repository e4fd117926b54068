// The decisions of `npm run deploy` (scripts/deploy-lib.mjs) on plain data:
// wrangler.toml's resources, wrangler's answers, the local config.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimental_readRawConfig } from 'wrangler';
import {
  commandLine, databaseIdFromList, deployedUrls, fillDatabaseIds, missingSecrets,
  queueFromInfo, rateLimiterProblems, resourcesFromConfig, secretNamesFromList,
} from '../scripts/deploy-lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

test('the resources come from wrangler.toml: its database, every queue once (dead-letter included), its rate limiters', () => {
  const raw = experimental_readRawConfig({ config: resolve(root, 'wrangler.toml') }).rawConfig;
  const resources = resourcesFromConfig(raw);
  assert.equal(resources.workerName, 'leadsbot');
  assert.deepEqual(resources.databases, [{ binding: 'DB', name: 'leadsbot' }, { binding: 'DB_1', name: 'leadsbot-1' }]);
  assert.deepEqual(resources.queues, ['leadsbot-deliveries', 'leadsbot-deliveries-dlq']);
  assert.ok(resources.rateLimiters.includes('CAPTURE_CLIENT_LIMITER'));
  assert.equal(resources.rateLimiters.length, raw.ratelimits.length);
  assert.deepEqual(rateLimiterProblems(raw), []);
});

test('rate limiters: each needs a positive integer namespace_id of its own and a limit and period', () => {
  const ratelimits = [
    { name: 'A', namespace_id: '1001', simple: { limit: 10, period: 60 } },
    { name: 'B', namespace_id: '1001', simple: { limit: 10, period: 60 } },
    { name: 'C', namespace_id: 'abc', simple: { limit: 10, period: 10 } },
    { name: 'D', namespace_id: 1004 },
  ];
  assert.deepEqual(rateLimiterProblems({ ratelimits }), [
    "B: namespace_id 1001 is A's too (they would share counts)",
    'C: namespace_id must be a positive integer',
    'D: needs simple = { limit, period }',
  ]);
});

test('a queue named only as a consumer\'s dead-letter queue is still created', () => {
  const raw = { name: 'w', queues: { consumers: [{ queue: 'jobs', dead_letter_queue: 'jobs-dlq' }] } };
  assert.deepEqual(resourcesFromConfig(raw).queues, ['jobs', 'jobs-dlq']);
});

test('d1 list --json: the uuid of the database with exactly that name, after any warning wrangler printed', () => {
  const list = JSON.stringify([{ uuid: 'u-2', name: 'leadsbot-staging' }, { uuid: 'u-1', name: 'leadsbot' }], null, 2);
  assert.equal(databaseIdFromList(list, 'leadsbot'), 'u-1');
  assert.equal(databaseIdFromList(`▲ [WARNING] a newer wrangler is out\n${list}`, 'leadsbot'), 'u-1');
  assert.equal(databaseIdFromList('[]', 'leadsbot'), null);
  assert.throws(() => databaseIdFromList('Not logged in', 'leadsbot'), /printed no JSON/);
});

test('queues info: found by exact name, missing when wrangler says so or answers another queue, else an error', () => {
  const info = 'Queue Name: leadsbot-deliveries\nQueue ID: abc123\nCreated On: 2026-01-01';
  assert.deepEqual(queueFromInfo({ code: 0, stdout: info, stderr: '' }, 'leadsbot-deliveries'), { exists: true, id: 'abc123' });
  assert.deepEqual(queueFromInfo({ code: 0, stdout: info.replace('deliveries', 'deliveries-dlq'), stderr: '' }, 'leadsbot-deliveries'), { exists: false, id: null });
  const missing = { code: 1, stdout: '', stderr: '✘ [ERROR] Queue "leadsbot-deliveries" does not exist. To create it, run: …' };
  assert.deepEqual(queueFromInfo(missing, 'leadsbot-deliveries'), { exists: false, id: null });
  assert.throws(() => queueFromInfo({ code: 1, stdout: '', stderr: 'Authentication error [code: 10000]' }, 'leadsbot-deliveries'), /Authentication error/);
});

test('secret list: the names set; none for a worker never deployed; any other failure stops', () => {
  const list = JSON.stringify([{ name: 'ADMIN_TOKEN', type: 'secret_text' }]);
  assert.deepEqual(secretNamesFromList({ code: 0, stdout: list, stderr: '' }, 'leadsbot'), ['ADMIN_TOKEN']);
  assert.deepEqual(missingSecrets(['ADMIN_TOKEN']), ['SECRETS_KEY']);
  assert.deepEqual(missingSecrets(['SECRETS_KEY', 'ADMIN_TOKEN', 'OTHER']), []);
  const notFound = { code: 1, stdout: '', stderr: '✘ [ERROR] Worker "leadsbot" not found.\n\nIf this is a new Worker, run `wrangler deploy` first' };
  assert.deepEqual(secretNamesFromList(notFound, 'leadsbot'), []);
  assert.throws(() => secretNamesFromList({ code: 1, stdout: '', stderr: 'fetch failed' }, 'leadsbot'), /fetch failed/);
});

test('the local config is wrangler.toml with each database_id filled in, and nothing else changed', () => {
  const committed = readFileSync(resolve(root, 'wrangler.toml'), 'utf8');
  const local = fillDatabaseIds(committed, { leadsbot: 'real-id', 'leadsbot-1': 'real-id-1' });
  const body = local.split('\n').slice(2).join('\n');
  const expected = committed.replace(/^database_id = ".*"$/m, 'database_id = "real-id"').replace(/^(database_name = "leadsbot-1"\n)database_id = ".*"$/m, '$1database_id = "real-id-1"');
  assert.equal(body, expected);
  assert.match(local, /^# Generated by `npm run deploy`/);
});

test('fillDatabaseIds: two databases, a missing database_id line, and an unknown database', () => {
  const toml = '[[d1_databases]]\nbinding = "A"\ndatabase_name = "a"\n\n[[d1_databases]]\nbinding = "B"\ndatabase_name = "b"\ndatabase_id = "old"\n[vars]\ndatabase_id = "not a database"\n';
  const filled = fillDatabaseIds(toml, { a: 'id-a', b: 'id-b' }).split('\n').slice(2).join('\n');
  assert.equal(filled, '[[d1_databases]]\nbinding = "A"\ndatabase_name = "a"\ndatabase_id = "id-a"\n\n[[d1_databases]]\nbinding = "B"\ndatabase_name = "b"\ndatabase_id = "id-b"\n[vars]\ndatabase_id = "not a database"\n');
  assert.throws(() => fillDatabaseIds(toml, { a: 'id-a' }), /no database id learned for "b"/);
  assert.throws(() => fillDatabaseIds(toml, { a: 'id-a', b: 'id-b', c: 'id-c' }), /no \[\[d1_databases\]\] block for "c"/);
});

test('the deployed URLs come from wrangler\'s output file', () => {
  const file = `${JSON.stringify({ type: 'wrangler-session', version: 1 })}\n${JSON.stringify({ type: 'deploy', targets: ['https://leadsbot.acme.workers.dev', 'leads.example.com (custom domain)', 'schedule: * * * * *', 'Producer for leadsbot-deliveries', 'Consumer for leadsbot-deliveries'] })}\n`;
  assert.deepEqual(deployedUrls(file), ['https://leadsbot.acme.workers.dev', 'https://leads.example.com']);
  assert.deepEqual(deployedUrls(`${JSON.stringify({ type: 'command-failed', message: 'x' })}\nnot json\n`), []);
});

test('commands are printed as a shell would take them', () => {
  assert.equal(commandLine(['d1', 'migrations', 'apply', 'leadsbot', '--remote']), 'wrangler d1 migrations apply leadsbot --remote');
  assert.equal(commandLine(['queues', 'create', "it's"]), `wrangler queues create 'it'\\''s'`);
});
