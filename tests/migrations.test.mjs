// Upgrading a database in use: the migrations of the release before the one
// outbox are applied, jobs (and follow-ups, not yet jobs then) are planted in
// every state that release could leave them in, then this release's
// migrations run; every job must survive with its state, and every scheduled
// follow-up must have its job (a pending or held job lost here is a lead
// never announced, a reminder never sent).
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

/**
 * Follow-ups as the older release wrote them, before they were jobs: (id, status, queued, held, due in ms from t),
 * and the job each must have after the upgrade: (status, due, updated_at) or none.
 */
const FOLLOW_UPS = [
  ['fu_beyond_reach', 'scheduled', 0, 0, 3 * 86_400_000, ['pending', 3 * 86_400_000, 0]],
  ['fu_queued', 'scheduled', 1, 0, 5_000, ['pending', 5_000, 10]],
  ['fu_held', 'scheduled', 1, 1, -1_000, ['held', null, 10]],
  ['fu_sent', 'sent', 1, 0, -5_000, null],
  ['fu_cancelled', 'cancelled', 0, 0, 5_000, null],
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
    ...FOLLOW_UPS.map(([id, status, queued, held, due]) =>
      `INSERT INTO follow_ups (id, workspace_id, lead_id, due_at, status, action, created_by, queued, held, created_at, updated_at)
       VALUES ('${id}', '${WS}', '${LEAD}', ${t + due}, '${status}', '{"type":"webhook"}', 'key_1', ${queued}, ${held}, ${t}, ${t + 10})`),
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
  // Scheduled follow-ups become jobs that fire them: held ones held, the others due at their time; one no
  // queue message carries (queued = 0) has waited since 0, so the sweeper hands it over as it comes due.
  const jobs = await sqlOn(stateDir, `SELECT id, target_kind, target_id, status, attempts, next_attempt_at, updated_at, event_id, event_type, lead_id
    FROM deliveries WHERE workspace_id = '${WS}' AND target_kind = 'follow_up' ORDER BY id`);
  const jobOf = Object.fromEntries(jobs.map((j) => [j.target_id, j]));
  for (const [id, , , , , expected] of FOLLOW_UPS) {
    if (!expected) {
      assert.equal(jobOf[id], undefined, `${id} is over: no job`);
      continue;
    }
    const [status, due, updatedAt] = expected;
    assert.deepEqual(jobOf[id], {
      id: `dlv_${id}`, target_kind: 'follow_up', target_id: id, status, attempts: 0, next_attempt_at: due === null ? null : t + due,
      updated_at: updatedAt && t + updatedAt, event_id: id, event_type: 'lead.follow_up_due', lead_id: LEAD,
    }, `${id} has its job`);
  }
});
