// Upgrading a database in use: the migrations of the release before the one
// outbox are applied, jobs are planted in every state that release could
// leave them in, then this release's migrations run; every job must survive
// with its state (a pending or held job lost here is a lead never announced).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, sqlOn } from './support/app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The last migration of the release before the one outbox. */
const LAST_OLD_MIGRATION = '0015_search.sql';

let dir, stateDir, oldConfig;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadsbot-migrations-'));
  stateDir = join(dir, 'state');
  const oldMigrations = join(dir, 'migrations');
  for (const name of (await readdir(join(root, 'migrations'))).filter((n) => n <= LAST_OLD_MIGRATION)) {
    await cp(join(root, 'migrations', name), join(oldMigrations, name));
  }
  // The same database (binding, name, id) as wrangler.toml, with the older release's migrations.
  oldConfig = join(dir, 'wrangler.toml');
  await writeFile(oldConfig, `name = "leadsbot-migration-test"\ncompatibility_date = "2026-04-01"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "leadsbot"\ndatabase_id = "00000000-0000-0000-0000-000000000000"\nmigrations_dir = "${oldMigrations}"\n`);
  await applyMigrations(stateDir, { config: oldConfig });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const WS = 'ws_01J00000000000000000000000';
const LEAD = 'lead_01J00000000000000000000000';
const EVENT = 'evt_01J00000000000000000000000';

/** Rows as the older release wrote them: (id, target kind, target id, status, attempts, next attempt, dead-lettered). */
const JOBS = [
  ['dlv_pending', 'webhook', 'ep_1', 'pending', 1, 1_700_000_005_000, null],
  ['dlv_held_alert', 'telegram', 'telegram', 'held', 0, null, null],
  ['dlv_held_expansion', 'workflows', 'workflows', 'held', 0, null, null],
  ['dlv_failed', 'webhook', 'ep_1', 'failed', 3, null, 1_700_000_009_000],
  ['dlv_succeeded', 'webhook', 'ep_1', 'succeeded', 1, null, null],
  ['dlv_run', 'run', 'run_1', 'pending', 0, 1_700_000_001_000, null],
];

test('every job an older release left pending, held, failed or done survives the upgrade with its state', async () => {
  const t = 1_700_000_000_000;
  const plant = [
    `INSERT INTO workspaces (id, name, public_token_hash, public_token_prefix, inbound_secret_sealed, created_at, updated_at) VALUES ('${WS}', 'old', 'hash', 'lb_pk_', 'sealed', ${t}, ${t})`,
    `INSERT INTO leads (id, workspace_id, email, source, created_at, updated_at) VALUES ('${LEAD}', '${WS}', 'old@example.com', 'api', ${t}, ${t})`,
    `INSERT INTO events (id, workspace_id, type, lead_id, payload, created_at) VALUES ('${EVENT}', '${WS}', 'lead.created', '${LEAD}', '{}', ${t})`,
    ...JOBS.map(([id, kind, target, status, attempts, next, dead]) =>
      `INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, status, attempts, next_attempt_at, dead_lettered_at, created_at, updated_at)
       VALUES ('${id}', '${WS}', '${EVENT}', 'lead.created', '${kind}', '${target}', '${status}', ${attempts}, ${next ?? 'NULL'}, ${dead ?? 'NULL'}, ${t}, ${t})`),
  ];
  await sqlOn(stateDir, plant.join(';\n'), { config: oldConfig });

  await applyMigrations(stateDir);

  const rows = await sqlOn(stateDir, `SELECT id, target_kind, target_id, status, attempts, next_attempt_at, dead_lettered_at, lead_id FROM deliveries WHERE workspace_id = '${WS}' ORDER BY id`);
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  for (const [id, kind, target, status, attempts, next, dead] of JOBS) {
    const row = byId[id];
    assert.ok(row, `${id} survived`);
    assert.deepEqual(
      [row.target_kind, row.target_id, row.status, row.attempts, row.next_attempt_at, row.dead_lettered_at],
      [kind, target, status, attempts, next, dead],
      `${id} keeps its state`,
    );
    assert.equal(row.lead_id, LEAD, `${id} names its lead`);
  }
});
