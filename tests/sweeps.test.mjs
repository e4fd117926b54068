// The cron's sweeps that cover workspaces walk all of them: with 600
// workspaces seeded by SQL around a real one (550 before it in id order, 50
// after), lead retention (100 workspaces a tick) and digests (500 a tick)
// both reach it, tick after tick, while a workspace with a backlog of
// expired leads gets one erasure batch per visit and holds nobody back.
// The receiver stands in for Telegram.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const DAY_MS = 86_400_000;
const TOKEN = '123456:sweeps-test-token';
const TG = `/bot${TOKEN}/sendMessage`;
let app, receiver;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({ testScheduled: true, vars: { TELEGRAM_API_BASE: receiver.url('') } });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const count = async (sql) => (await app.sql(sql))[0].n;
const localHour = (timeZone) => Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date()));

/**
 * 600 workspaces keeping leads a day, planted in the far workspace's database, with Telegram (the far workspace's
 * sealed secrets, copied), whose digest is not due while the test runs
 * (hour 23, in a zone where it is not yet 22). Ids `ws_0…` sort before a
 * real (time-ordered) id, `ws_Z…` after it. The first has 60 expired leads (three erasure batches).
 * All live in the far workspace's database, beside it.
 */
async function seed(far) {
  const zone = ['UTC', 'Pacific/Honolulu'].find((z) => localHour(z) < 22);
  await app.sql(`INSERT INTO workspaces (id, name, public_token_hash, public_token_prefix, inbound_secret_sealed, lead_retention_days, timezone, digest_hour, created_at, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
    SELECT CASE WHEN i <= 550 THEN 'ws_0' ELSE 'ws_Z' END || printf('%06d', i), 'Seeded ' || i, 'seeded-' || i, 'seeded', w.inbound_secret_sealed, 1, '${zone}', 23, w.created_at, w.created_at
    FROM n, workspaces w WHERE w.id = '${far.id}'`, { database: far.database });
  await app.sql(`INSERT INTO integrations (workspace_id, kind, secret_sealed, settings, created_at, updated_at)
    SELECT w.id, i.kind, i.secret_sealed, '{"chat_id":"seeded"}', i.created_at, i.updated_at
    FROM workspaces w JOIN integrations i ON i.workspace_id = '${far.id}' AND i.kind = 'telegram' WHERE w.name LIKE 'Seeded %'`, { database: far.database });
  await app.sql(`INSERT INTO leads (id, workspace_id, email, source, created_at, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
    SELECT 'lead_0' || printf('%06d', i), 'ws_0000001', 'backlog' || i || '@example.com', 'api', ${Date.now() - 2 * DAY_MS}, ${Date.now() - 2 * DAY_MS} FROM n`, { database: far.database });
}

test('lead retention and digests reach a workspace beyond the 500th; a backlog holds nobody back', async () => {
  const far = await app.createWorkspace({ name: 'Far' });
  assert.equal((await app.api(far.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: 1, digest_hour: 0 })).status, 200);
  assert.equal((await app.api(far.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: 'far' })).status, 200);
  const lead = (await app.capture(far, { email: 'expired@example.com' })).body.id;
  await app.sql(`UPDATE leads SET created_at = created_at - ${2 * DAY_MS} WHERE id = '${lead}'`);
  await seed(far);
  const order = await app.sql("SELECT count(*) AS n, sum(id < 'ws_0000551') AS earlier FROM workspaces WHERE lead_retention_days IS NOT NULL", { database: far.database });
  assert.deepEqual(order, [{ n: 601, earlier: 550 }], 'the far workspace is the 551st in id order');
  const backlog = async () => (await app.sql("SELECT count(*) AS n FROM leads WHERE workspace_id = 'ws_0000001'", { database: far.database }))[0].n;

  // Its expired lead erased and its daily digest claimed (one query: each costs a wrangler start).
  const farDone = async () => (await count(`SELECT (SELECT count(*) FROM leads WHERE id = '${lead}') = 0
    AND (SELECT count(*) FROM digests WHERE workspace_id = '${far.id}' AND period = 'day') = 1 AS n`)) === 1;
  let ticks = 0;
  // Each trigger returns once the cron handler has run; 100 workspaces a tick reach the 551st on the 6th.
  while (!(await farDone())) {
    assert.ok(++ticks <= 12, 'the far workspace is reached within two rounds');
    await app.triggerScheduled();
  }
  const left = await backlog();
  assert.ok(left > 0 && left < 60, `the backlog got a batch per visit and did not hold the walk (${left} of 60 left)`);
  await app.waitFor(() => receiver.to(TG).some((r) => r.json?.chat_id === 'far' && r.json.text.startsWith('<b>LeadsBot daily digest</b>')),
    { timeoutMs: 20_000, what: "the far workspace's digest" });
  assert.equal(receiver.to(TG).filter((r) => r.json?.chat_id === 'seeded').length, 0, 'no seeded workspace was due');
});
