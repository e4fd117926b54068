// The inbox's tab counts without a search or filter are read from the counts
// the lead triggers keep (migration 0035), not by counting every lead: they
// must stay exactly the leads' own counts through every writer. Each step
// below changes leads the way the product does, then compares the kept
// counts (and the /app tabs) with a GROUP BY over the real rows.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';

const DAY_MS = 60_000;
let app;
before(async () => {
  app = await spawnApp({ testScheduled: true, vars: { RETENTION_DAY_SECS: String(DAY_MS / 1000) } });
});
after(async () => {
  await app?.stop();
});

/** The kept counts and the real rows' counts of one workspace, by status (statuses with no lead left out). */
async function countsAndTruth(workspaceId) {
  const kept = await app.sql(`SELECT status, n FROM lead_status_counts WHERE workspace_id = '${workspaceId}' AND n <> 0 ORDER BY status`);
  const truth = await app.sql(`SELECT status, count(*) AS n FROM leads WHERE workspace_id = '${workspaceId}' GROUP BY status ORDER BY status`);
  return { kept, truth };
}

async function assertCountsExact(ws, step) {
  const { kept, truth } = await countsAndTruth(ws.id);
  assert.deepEqual(kept, truth, `after ${step}`);
  return Object.fromEntries(truth.map((r) => [r.status, r.n]));
}

/** Signs in to /app with the API key (the sign-in form); returns the Cookie header. */
async function signIn(ws) {
  const response = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl },
    body: new URLSearchParams({ api_key: ws.api_key }).toString(),
  });
  assert.equal(response.status, 303);
  return response.headers.get('set-cookie').split(';')[0];
}

/** The count each status tab of the /app list shows. */
async function tabCounts(cookie, query = '') {
  const html = await (await fetch(`${app.baseUrl}/app${query}`, { headers: { Cookie: cookie } })).text();
  const tabs = [...html.matchAll(/href="\/app\?[^"]*status=(\w+)[^"]*"[^>]*>[^<]*<span class="count">(\d+)<\/span>/g)];
  return Object.fromEntries(tabs.map(([, status, n]) => [status, Number(n)]));
}

const setStatus = async (ws, id, status) => assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, { status })).status, 200);

test('the kept status counts equal the leads through capture, status changes, spam, erasure and retention', async () => {
  const ws = await app.createWorkspace({ name: 'Counted' });
  const other = await app.createWorkspace({ name: 'Other' });
  const capture = async (target, fields) => (await app.capture(target, fields)).body.id;
  const ids = [];
  for (const email of ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'erase.me@example.com']) ids.push(await capture(ws, { email }));
  const spam = await capture(ws, { email: 'bot@example.com', _gotcha: 'filled' });
  await capture(other, { email: 'a@example.com' });
  assert.deepEqual(await assertCountsExact(ws, 'capture'), { new: 5, spam: 1 });
  assert.deepEqual(await assertCountsExact(other, 'capture in another workspace'), { new: 1 });

  await setStatus(ws, ids[0], 'contacted');
  await setStatus(ws, ids[1], 'won');
  await setStatus(ws, ids[1], 'won'); // no change: counted once
  await setStatus(ws, spam, 'new');
  await setStatus(ws, ids[2], 'spam');
  assert.deepEqual(await assertCountsExact(ws, 'status changes and spam'), { contacted: 1, new: 3, spam: 1, won: 1 });

  const cookie = await signIn(ws);
  const tabs = await tabCounts(cookie);
  assert.deepEqual(tabs, { new: 3, contacted: 1, qualified: 0, won: 1, lost: 0, spam: 1, all: 5 }, 'the unfiltered tabs show the kept counts');
  assert.deepEqual(await tabCounts(cookie, `?status=won&cursor=${ids[4]}`), tabs, 'on any tab and page');
  assert.equal((await tabCounts(cookie, '?tag=vip')).all, 0, 'a filter counts its own leads');

  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${ids[3]}`)).status, 204);
  assert.deepEqual((await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: 'erase.me@example.com' })).body, { erased: 1 });
  assert.deepEqual(await assertCountsExact(ws, 'erasure'), { contacted: 1, new: 1, spam: 1, won: 1 });

  assert.equal((await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: 1 })).status, 200);
  await app.sql(`UPDATE leads SET created_at = created_at - ${2 * DAY_MS} WHERE id IN ('${ids[0]}', '${ids[1]}')`);
  await app.triggerScheduled();
  await app.waitFor(async () => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${ids[1]}`)).status === 404, { what: 'retention to delete the old leads' });
  assert.deepEqual(await assertCountsExact(ws, 'retention'), { new: 1, spam: 1 });
  assert.deepEqual(await tabCounts(cookie), { new: 1, contacted: 0, qualified: 0, won: 0, lost: 0, spam: 1, all: 1 });
  assert.deepEqual(await assertCountsExact(other, 'all that in another workspace'), { new: 1 });
});

test('a deleted workspace takes its kept counts with it', async () => {
  const ws = await app.createWorkspace({ name: 'Deleted' });
  await app.capture(ws, { email: 'gone@example.com' });
  assert.deepEqual(await assertCountsExact(ws, 'capture'), { new: 1 });
  await app.sql(`DELETE FROM workspaces WHERE id = '${ws.id}'`);
  assert.deepEqual(await app.sql(`SELECT * FROM lead_status_counts WHERE workspace_id = '${ws.id}'`), []);
  assert.deepEqual(await app.sql(`SELECT id FROM leads WHERE workspace_id = '${ws.id}'`), []);
});
