// Events end to end: every event endpoints can receive is listed with the
// very payload a real receiver got, paged and filtered like the other lists;
// a test send arrives signed like a real delivery and changes nothing.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

let app, receiver;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp();
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

async function events(ws, query = '') {
  const response = await app.api(ws.api_key, 'GET', `/api/v1/events${query}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

test('a lead\'s event is listed with the payload its delivery sent, and read alone', async () => {
  const { ws } = await app.createWebhook(receiver.url('/listed'), { name: 'listed' });
  const lead = (await app.capture(ws, { email: 'ada@example.com', name: 'Ada', utm_campaign: 'spring' })).body;
  await receiver.waitForCount('/listed', 1);
  const [delivered] = receiver.to('/listed');
  const page = await events(ws, `?lead_id=${lead.id}`);
  assert.equal(page.data.length, 1);
  const [event] = page.data;
  assert.deepEqual(event.payload, JSON.parse(delivered.rawBody), 'the payload is what the receiver got');
  assert.equal(event.id, delivered.json.id);
  assert.equal(event.type, 'lead.created');
  assert.equal(event.lead_id, lead.id);
  assert.equal(event.created_at, delivered.json.created_at);
  assert.equal(page.next_cursor, null);
  const one = await app.api(ws.api_key, 'GET', `/api/v1/events/${event.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, event);
  const other = await app.createWorkspace({ name: 'other' });
  const foreign = await app.api(other.api_key, 'GET', `/api/v1/events/${event.id}`);
  assert.equal(foreign.status, 404, 'another workspace\'s event is not found');
  assert.match(foreign.headers.get('content-type'), /application\/problem\+json/);
  assert.equal((await events(other)).data.length, 0, 'another workspace lists none of them');
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/events/evt_nope')).status, 404);
});

test('events page newest first with limit and next_cursor, and filter by type', async () => {
  const ws = await app.createWorkspace({ name: 'paged' });
  const ids = [];
  for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) ids.push((await app.capture(ws, { email })).body.id);
  const changed = await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${ids[0]}`, { status: 'contacted' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const all = (await events(ws)).data;
  const seen = [];
  let cursor = '';
  for (let pages = 0; pages < 10; pages++) {
    const page = await events(ws, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(page.data.length <= 1);
    seen.push(...page.data.map((e) => e.id));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  assert.deepEqual(seen, all.map((e) => e.id), 'limit=1 pages reach every event once, in order');
  assert.ok(all.length >= 4, 'three leads and a status change');
  assert.deepEqual([...seen].sort().reverse(), seen, 'newest first');
  const created = (await events(ws, '?type=lead.created')).data;
  assert.deepEqual(created.map((e) => e.lead_id).sort(), [...ids].sort());
  const statusChanged = (await events(ws, `?type=lead.status_changed&lead_id=${ids[0]}`)).data;
  assert.equal(statusChanged.length, 1);
  assert.equal(statusChanged[0].payload.data.status, 'contacted');
});

test('the event list refuses unknown parameters and values', async () => {
  const ws = await app.createWorkspace({ name: 'refused' });
  for (const [query, field] of [['?sort=id', 'sort'], ['?type=lead.nope', 'type'], ['?limit=0', 'limit']]) {
    const response = await app.api(ws.api_key, 'GET', `/api/v1/events${query}`);
    assert.equal(response.status, 422, query);
    assert.equal(response.body.errors[0].field, field, query);
  }
});
