// Moving a workspace between databases (POST /api/admin/workspaces/:id/move)
// under a stream of captures: frozen (503 + Retry-After, which the stream
// honours as the widget does), copied in bounded batches, flipped, deleted
// from the source. Nothing captured is lost or doubled, every lead.created
// webhook arrives once, and the old credentials keep working. The directory
// cache and settle time are lowered to seconds here; the settle time still
// covers a capture's after-response work on a busy machine.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

let app, receiver;
before(async () => {
  app = await spawnApp({ vars: { DIRECTORY_CACHE_SECS: '1', MOVE_SETTLE_SECS: '4' } });
  receiver = await startReceiver();
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const admin = (method, path, body) => app.request(method, path, { headers: { Authorization: `Bearer ${app.adminToken}` }, body });
const placement = async (ws) => (await admin('GET', `/api/admin/workspaces/${ws.id}`)).body;

let refusedWhileMoving = 0;

/** Captures like the widget's outbox: on 503 it waits what Retry-After says and sends again. */
async function captureRetrying(send) {
  for (let tries = 0; tries < 60; tries++) {
    const response = await send();
    if (response.status !== 503) return response;
    refusedWhileMoving++;
    const wait = Number(response.headers.get('retry-after'));
    assert.ok(wait > 0, 'a 503 says when to come back');
    await sleep(wait * 1000);
  }
  throw new Error('still 503 after 60 tries');
}

/** Captures from `workers` senders side by side until `stop()`; the ids of the leads made. */
function captureStream(ws, workers = 3) {
  const ids = [];
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const email = `stream-${n++}@example.com`;
      const response = await captureRetrying(() => app.capture(ws, { email, name: 'Stream' }));
      assert.equal(response.status, 201, JSON.stringify(response.body));
      ids.push(response.body.id);
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return { ids, stop: () => { running = false; return done; } };
}

async function allLeadIds(ws) {
  const ids = [];
  let cursor;
  do {
    const page = await app.listLeads(ws.api_key, cursor ? { limit: 100, cursor } : { limit: 100 });
    ids.push(...page.data.map((lead) => lead.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

/** Rows naming the workspace in `database`, per table (only tables with any); the directory (in DB) aside. */
async function rowsIn(database, ws) {
  const tables = await app.sqlIn(database, `SELECT DISTINCT m.name AS name FROM sqlite_master m JOIN pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND p.name = 'workspace_id' AND m.name <> 'workspace_homes'`);
  // One row of scalar counts: D1 allows few terms in a compound SELECT.
  const counts = tables.map(({ name }) => `(SELECT count(*) FROM "${name}" WHERE workspace_id = '${ws.id}') AS "${name}"`);
  counts.push(`(SELECT count(*) FROM workspaces WHERE id = '${ws.id}') AS workspaces`);
  const [row] = await app.sqlIn(database, `SELECT ${counts.join(', ')}`);
  return Object.fromEntries(Object.entries(row).filter(([, n]) => n > 0));
}

async function signIn(fields) {
  const response = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl },
  });
  return response.headers.get('set-cookie')?.split(';')[0].split('=')[1];
}
const inboxWith = async (secret) => (await fetch(`${app.baseUrl}/app`, { headers: { Cookie: `lb_session=${secret}` }, redirect: 'manual' })).status;

async function moveAndWait(ws, database) {
  const started = await admin('POST', `/api/admin/workspaces/${ws.id}/move`, { database });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.equal(started.body.moving_to, database);
  assert.equal(started.body.move.state, 'settling');
  const again = await admin('POST', `/api/admin/workspaces/${ws.id}/move`, { database });
  assert.equal(again.status, 409, 'a repeated POST starts no second move');
  await app.waitFor(async () => (await placement(ws)).move.state === 'done', { timeoutMs: 120_000, intervalMs: 500, what: `the move to ${database}` });
  app.homes.set(ws.id, database);
}

test('a workspace moves to another database under a stream of captures, losing and doubling nothing', async () => {
  const { ws } = await app.createWebhook(receiver.url('/moved'), { name: 'Moving', events: ['lead.created'] });
  assert.equal(ws.database, 'DB', 'the first workspace of a fresh app lands in DB');
  const first = await app.capture(ws, { email: 'ada.lovelace@example.com', name: 'Ada Lovelace' });
  assert.equal(first.status, 201);
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/leads/${first.body.id}/notes`, { body: 'Met at the fair' })).status, 201);
  const workflow = await app.api(ws.api_key, 'POST', '/api/v1/workflows', { name: 'Tag', enabled: true, trigger: { event: 'lead.created' }, actions: [{ type: 'add_tag', tag: 'seen' }] });
  assert.equal(workflow.status, 201, JSON.stringify(workflow.body));
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/members', { email: 'grace@example.com', role: 'member' })).status, 201);
  const url = (await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Form' })).body;
  const session = await signIn({ api_key: ws.api_key });
  assert.equal(await inboxWith(session), 200);

  const stream = captureStream(ws);
  await app.waitFor(() => stream.ids.length >= 10, { timeoutMs: 30_000, what: 'captures before the move' });
  await moveAndWait(ws, 'DB_1');
  const atFlip = stream.ids.length;
  await app.waitFor(() => stream.ids.length >= atFlip + 10, { timeoutMs: 60_000, what: 'captures after the move' });
  await stream.stop();
  assert.ok(refusedWhileMoving > 0, 'the move froze the workspace mid-stream');

  const shown = await placement(ws);
  assert.deepEqual([shown.database, shown.moving_to, shown.move.from, shown.move.to], ['DB_1', null, 'DB', 'DB_1']);
  assert.ok(shown.move.rows_copied > 10, `rows copied: ${shown.move.rows_copied}`);

  const captured = [first.body.id, ...stream.ids];
  const listed = await allLeadIds(ws);
  assert.equal(new Set(captured).size, captured.length, 'every capture made its own lead');
  assert.deepEqual([...listed].sort(), [...captured].sort(), 'every captured lead is there exactly once');

  // Each lead.created arrives once: one delivery per event id, one event per lead.
  const created = () => receiver.requests.filter((r) => r.path === '/moved').map((r) => JSON.parse(r.rawBody)).filter((e) => e.event === 'lead.created');
  await app.waitFor(() => new Set(created().map((e) => e.id)).size >= captured.length, { timeoutMs: 90_000, what: 'a lead.created webhook per lead' });
  const events = created();
  assert.equal(events.length, new Set(events.map((e) => e.id)).size, 'no event delivered twice');
  assert.equal(events.length, captured.length);

  // The old credentials, the search index, the notes, the members and the workflow came along.
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/workspace')).status, 200, 'the old API key');
  assert.equal((await app.request('POST', `/api/inbound/w/${url.id}/leads`, { body: { email: 'via-url@example.com' } })).status, 201, 'the capture URL');
  assert.equal(await inboxWith(session), 200, 'the inbox session');
  assert.deepEqual((await app.listLeads(ws.api_key, { q: 'lovel' })).data.map((l) => l.id), [first.body.id], 'search finds an old lead');
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${first.body.id}/notes`)).body.data[0].body, 'Met at the fair');
  assert.ok((await app.api(ws.api_key, 'GET', '/api/v1/members')).body.data.some((m) => m.email === 'grace@example.com'));
  const latest = await app.capture(ws, { email: 'after@example.com' });
  await app.waitFor(async () => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${latest.body.id}`)).body.tags?.includes('seen'), { what: 'the workflow runs in the new database' });

  assert.deepEqual(await rowsIn('DB', ws), {}, 'the source holds no row of the workspace');
  assert.ok((await rowsIn('DB_1', ws)).leads >= captured.length);
  const [fts] = await app.sqlIn('DB', 'SELECT (SELECT count(*) FROM leads_fts) AS indexed, (SELECT count(*) FROM leads) AS leads');
  assert.equal(fts.indexed, fts.leads, 'the source search index lost the moved leads with them');
});

test('a workspace moves back; moves to where it is, to an unknown database or of an unknown workspace are refused', async () => {
  const ws = await app.createWorkspace({ name: 'Back and forth' });
  const home = ws.database;
  const other = home === 'DB' ? 'DB_1' : 'DB';
  const lead = await app.capture(ws, { email: 'boomerang@example.com' });
  assert.equal((await admin('POST', `/api/admin/workspaces/${ws.id}/move`, { database: home })).status, 409, 'already there');
  const unknown = await admin('POST', `/api/admin/workspaces/${ws.id}/move`, { database: 'DB_7' });
  assert.deepEqual([unknown.status, unknown.body.errors?.[0]?.field], [422, 'database']);
  assert.equal((await admin('POST', '/api/admin/workspaces/ws_01J0000000000000000000000Z/move', { database: other })).status, 404);
  assert.equal((await app.request('POST', `/api/admin/workspaces/${ws.id}/move`, { body: { database: other } })).status, 401);
  assert.equal((await placement(ws)).move, null, 'never moved');

  await moveAndWait(ws, other);
  await moveAndWait(ws, home);
  assert.equal((await placement(ws)).database, home);
  assert.deepEqual((await allLeadIds(ws)), [lead.body.id], 'there and back, once');
  assert.deepEqual(await rowsIn(other, ws), {}, 'nothing left behind, the cursors neither');
});
