// One list convention for every collection: `limit` (1 to 100) and `cursor`
// in, `{data, has_more, next_cursor}` out, newest first (a lead's notes and
// follow-ups oldest first; capture URLs, whose ids are random, by created_at
// then id), unknown parameters refused by name; the export resumes with `cursor` (or its old name
// `after`); the workspace's capture URL is absolute. Against the real worker
// and D1; deliveries stay in the outbox (nothing leaves the machine).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';

let app, ws;
const made = {};

before(async () => {
  app = await spawnApp({ vars: { DELIVERY_SKIP_ENQUEUE: '1', DELIVERY_INLINE_FIRST_ATTEMPT: 'off' } });
  ws = await app.createWorkspace({ name: 'Lists' });
  const created = async (path, body) => {
    const response = await app.api(ws.api_key, 'POST', path, body);
    assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
    return response.body;
  };
  // Two of everything (the workspace has its default key already).
  made.endpoints = [await created('/api/v1/webhooks', { url: 'https://hooks.example.com/one' }), await created('/api/v1/webhooks', { url: 'https://hooks.example.com/two' })];
  await created('/api/v1/keys', { name: 'second' });
  made.campaigns = [await created('/api/v1/campaigns', { slug: 'spring', name: 'Spring' }), await created('/api/v1/campaigns', { slug: 'autumn', name: 'Autumn' })];
  made.leads = [];
  for (const email of ['first@example.com', 'second@example.com', 'third@example.com']) {
    const lead = await app.capture(ws, { email });
    assert.equal(lead.status, 201, JSON.stringify(lead.body));
    made.leads.push(lead.body);
  }
  const tag = { trigger: { event: 'manual' }, actions: [{ type: 'add_tag', tag: 'listed' }] };
  made.workflows = [await created('/api/v1/workflows', { name: 'one', ...tag }), await created('/api/v1/workflows', { name: 'two', ...tag })];
  const runs = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${made.workflows[0].id}/trigger`, { filter: {} });
  assert.deepEqual([runs.status, runs.body.runs], [202, 3], JSON.stringify(runs.body));
  for (const body of ['a note', 'another note']) await created(`/api/v1/leads/${made.leads[0].id}/notes`, { body });
  for (const after_seconds of [3600, 7200]) await created(`/api/v1/leads/${made.leads[0].id}/follow-ups`, { after_seconds, action: { type: 'webhook' } });
  for (const action of ['pause', 'resume']) {
    const controlled = await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${made.campaigns[0].id}/${action}`);
    assert.equal(controlled.status, 200, JSON.stringify(controlled.body));
  }
  made.captureUrls = [await created('/api/v1/inbound-webhooks', { name: 'one' }), await created('/api/v1/inbound-webhooks', { name: 'two' })];
});
after(() => app?.stop());

/** Every item of a list, read one per page through `next_cursor`. */
async function walk(path) {
  const ids = [];
  let cursor = '';
  for (let pages = 0; pages < 50; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await app.api(ws.api_key, 'GET', `${path}${sep}limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200, `${path}: ${JSON.stringify(page.body)}`);
    assert.deepEqual(Object.keys(page.body).sort(), ['data', 'has_more', 'next_cursor'], path);
    assert.ok(page.body.data.length <= 1, `${path}: limit=1 gave ${page.body.data.length}`);
    assert.equal(page.body.has_more, page.body.next_cursor !== null, `${path}: has_more says whether a next_cursor is given`);
    ids.push(...page.body.data.map((item) => item.id));
    if (!page.body.has_more) return ids;
    cursor = page.body.next_cursor;
  }
  assert.fail(`${path} never ended`);
}

const collections = () => [
  ['/api/v1/leads', 'newest'],
  ['/api/v1/webhooks', 'newest'],
  ['/api/v1/workflows', 'newest'],
  ['/api/v1/keys', 'newest'],
  ['/api/v1/campaigns', 'newest'],
  [`/api/v1/workflows/${made.workflows[0].id}/runs`, 'newest'],
  [`/api/v1/leads/${made.leads[0].id}/runs`, 'newest'],
  ['/api/v1/deliveries', 'newest'],
  [`/api/v1/webhooks/${made.endpoints[0].id}/deliveries`, 'newest'],
  ['/api/v1/events', 'newest'],
  [`/api/v1/leads/${made.leads[0].id}/notes`, 'oldest'],
  [`/api/v1/leads/${made.leads[0].id}/follow-ups`, 'oldest'],
  [`/api/v1/campaigns/${made.campaigns[0].id}/controls`, 'newest'],
  // Capture URL ids are random: newest first by created_at, then id.
  ['/api/v1/inbound-webhooks', 'newest created'],
];

/** The ids of `items` in the order `order` names. */
function ordered(items, order) {
  if (order === 'newest created') {
    const key = (item) => `${item.created_at} ${item.id}`;
    return [...items].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0)).map((item) => item.id);
  }
  const sorted = items.map((item) => item.id).sort();
  return order === 'newest' ? sorted.reverse() : sorted;
}

test('every collection pages one item at a time through next_cursor, in its documented order', async () => {
  for (const [path, order] of collections()) {
    const ids = await walk(path);
    const whole = await app.api(ws.api_key, 'GET', path);
    assert.equal(whole.status, 200);
    assert.equal(whole.body.has_more, false, `${path}: everything fits the default page`);
    assert.deepEqual(ids, whole.body.data.map((item) => item.id), `${path}: the pages make up the list`);
    const expected = path.endsWith('/runs') && path.includes('/leads/') ? 1 : 2;
    assert.ok(ids.length >= expected, `${path}: ${ids.length} items`);
    assert.equal(new Set(ids).size, ids.length, `${path}: no item twice`);
    assert.deepEqual(ids, ordered(whole.body.data, order), `${path}: ${order} first`);
  }
  // The things made here are listed newest first (ids sort by creation time).
  const ids = async (path) => (await app.api(ws.api_key, 'GET', path)).body.data.map((item) => item.id);
  assert.deepEqual(await ids('/api/v1/campaigns'), made.campaigns.map((c) => c.id).reverse());
  assert.deepEqual(await ids('/api/v1/webhooks'), made.endpoints.map((e) => e.id).reverse());
  assert.deepEqual(await ids('/api/v1/workflows'), made.workflows.map((w) => w.id).reverse());
  assert.deepEqual(await ids('/api/v1/leads'), made.leads.map((l) => l.id).reverse());
});

test('capture URLs page by created_at, then id, across the old wh_ ids, and refuse a cursor they did not give', async () => {
  // An older capture URL of the old prefix, planted as an earlier release wrote it, and a
  // twin of the newest's time: the id settles the order of a tie.
  const [, newest] = made.captureUrls;
  const at = Date.parse(newest.created_at);
  const legacy = `wh_${'L'.repeat(24)}`;
  const twin = `cap_${'z'.repeat(24)}`;
  await app.sql(`INSERT INTO capture_urls (id, workspace_id, name, field_mapping, created_at) VALUES ('${legacy}', '${ws.id}', 'old', '{}', ${at - 60_000}), ('${twin}', '${ws.id}', 'twin', '{}', ${at})`);
  const tie = twin > newest.id ? [twin, newest.id] : [newest.id, twin];
  const expected = [...tie, made.captureUrls[0].id, legacy];
  assert.deepEqual(await walk('/api/v1/inbound-webhooks'), expected);
  const page = await app.api(ws.api_key, 'GET', '/api/v1/inbound-webhooks?limit=3');
  assert.deepEqual([page.body.data.map((c) => c.id), page.body.has_more], [expected.slice(0, 3), true]);
  const rest = await app.api(ws.api_key, 'GET', `/api/v1/inbound-webhooks?cursor=${encodeURIComponent(page.body.next_cursor)}`);
  assert.deepEqual([rest.body.data.map((c) => c.id), rest.body.has_more, rest.body.next_cursor], [[legacy], false, null]);
  for (const cursor of [newest.id, `x.${newest.id}`, '12.ep_1', 'nope']) {
    const refused = await app.api(ws.api_key, 'GET', `/api/v1/inbound-webhooks?cursor=${encodeURIComponent(cursor)}`);
    assert.equal(refused.status, 422, cursor);
    assert.deepEqual(refused.body.errors.map((e) => [e.field, e.code]), [['cursor', 'invalid_cursor']], cursor);
  }
  await app.sql(`DELETE FROM capture_urls WHERE id IN ('${legacy}', '${twin}')`);
});

test('every collection refuses an unknown parameter and a limit out of range, naming them', async () => {
  for (const [path] of collections()) {
    for (const [query, field] of [['bogus=1', 'bogus'], ['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=ten', 'limit']]) {
      const refused = await app.api(ws.api_key, 'GET', `${path}?${query}`);
      assert.equal(refused.status, 422, `${path}?${query}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.headers.get('content-type'), 'application/problem+json', `${path}?${query}`);
      assert.deepEqual(refused.body.errors.map((e) => e.field), [field], `${path}?${query}`);
    }
    assert.equal((await app.api(ws.api_key, 'GET', `${path}?limit=100`)).status, 200, `${path}: 100 is in range`);
  }
});

test('the export resumes with cursor, and still with its old name after, not both', async () => {
  // As text: an export of one line would otherwise be parsed as one JSON document.
  const exported = async (query) => {
    const response = await fetch(`${app.baseUrl}/api/v1/leads/export?format=ndjson${query}`, { headers: { Authorization: `Bearer ${ws.api_key}` } });
    const text = await response.text();
    return { status: response.status, text, body: response.status === 200 ? null : JSON.parse(text) };
  };
  const lines = (response) => response.text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line).id);
  const whole = await exported('');
  assert.equal(whole.status, 200);
  const all = lines(whole);
  assert.deepEqual(all, made.leads.map((l) => l.id), 'oldest first');
  for (const name of ['cursor', 'after']) {
    const rest = await exported(`&${name}=${all[0]}`);
    assert.equal(rest.status, 200, name);
    assert.deepEqual(lines(rest), all.slice(1), `${name} resumes right after that lead`);
  }
  assert.deepEqual(lines(await exported('&cursor=')), all, 'an empty cursor is the start');
  for (const [query, field] of [[`&cursor=${all[0]}&after=${all[0]}`, 'after'], ['&cursor=nope', 'cursor'], ['&limit=1', 'limit']]) {
    const refused = await exported(query);
    assert.equal(refused.status, 422, query);
    assert.deepEqual(refused.body.errors.map((e) => e.field), [field], query);
  }
});

test("the workspace's capture URL is absolute and speaks of the workspace", async () => {
  const workspace = await app.api(ws.api_key, 'GET', '/api/v1/workspace');
  assert.equal(workspace.body.inbound_url, `${app.baseUrl}/api/inbound/${ws.id}/leads`);
  const captured = await app.request('POST', workspace.body.inbound_url.slice(app.baseUrl.length), { headers: { Authorization: `Bearer ${ws.api_key}` }, body: { email: 'absolute@example.com' } });
  assert.equal(captured.status, 201, JSON.stringify(captured.body));
  const unknown = await app.request('POST', '/api/inbound/ws_00000000000000000000000000/leads', { headers: { Authorization: `Bearer ${ws.api_key}` }, body: { email: 'a@b.co' } });
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.detail, /no such workspace/);
  const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
  assert.ok(doc.paths['/api/inbound/{workspace_id}/leads'], 'the document names the path parameter workspace_id');
  for (const path of ['/api/v1/leads', '/api/v1/webhooks', '/api/v1/workflows', '/api/v1/keys', '/api/v1/campaigns', '/api/v1/deliveries', '/api/v1/events', '/api/v1/workflows/{id}/runs',
    '/api/v1/inbound-webhooks', '/api/v1/leads/{id}/follow-ups', '/api/v1/campaigns/{id}/controls']) {
    const names = doc.paths[path].get.parameters.map((p) => p.name);
    assert.ok(names.includes('limit') && names.includes('cursor'), `${path} documents limit and cursor`);
  }
});
