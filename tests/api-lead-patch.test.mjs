// PATCH /api/v1/leads/:id: If-Match against the lead's ETag (no lost
// updates between two operators), and a patch that changes nothing writes
// and announces nothing.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

let app, receiver, ws;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp();
  ws = await app.createWorkspace({ name: 'Patches' });
  const endpoint = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/patches'), events: ['lead.updated'] });
  assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const patch = (id, body, headers = {}) =>
  app.request('PATCH', `/api/v1/leads/${id}`, { headers: { Authorization: `Bearer ${ws.api_key}`, ...headers }, body });

test('If-Match: the current ETag applies the change, a stale one gets 412 and changes nothing', async () => {
  const id = (await app.capture(ws, { email: 'etag@example.com' })).body.id;
  const read = await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`);
  const first = read.headers.get('etag');
  assert.match(first ?? '', /^"[^"]+"$/, 'a lead read carries a strong ETag');

  const changed = await patch(id, { status: 'contacted' }, { 'If-Match': first });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.status, 'contacted');
  const second = changed.headers.get('etag');
  assert.ok(second && second !== first, 'the ETag changes with the lead');
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).headers.get('etag'), second, 'reads agree with the PATCH answer');

  // A second operator still holding the first version.
  const stale = await patch(id, { status: 'lost', note: 'too late' }, { 'If-Match': first });
  assert.equal(stale.status, 412);
  assert.equal(stale.headers.get('content-type'), 'application/problem+json');
  assert.equal(stale.body.type, 'urn:leadsbot:problem:precondition-failed');
  const after = await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`);
  assert.deepEqual([after.body.status, after.body.note, after.headers.get('etag')], ['contacted', null, second], 'nothing changed');
  assert.deepEqual(after.body.status_history.map((c) => c.to), ['contacted']);

  assert.equal((await patch(id, { status: 'won' }, { 'If-Match': second })).status, 200);
  assert.equal((await patch(id, { tags: ['x'] }, { 'If-Match': '*' })).status, 200, 'If-Match: * matches any version');
});

test('a PATCH that changes nothing writes nothing and emits no lead.updated', async () => {
  const id = (await app.capture(ws, { email: 'noop@example.com' })).body.id;
  const tagged = await patch(id, { status: 'qualified', tags: ['vip'], note: 'Call Monday' });
  assert.equal(tagged.status, 200);
  const etag = tagged.headers.get('etag');

  for (const body of [{}, { status: 'qualified' }, { tags: ['vip', ' vip '], note: 'Call Monday' }]) {
    const same = await patch(id, body, { 'If-Match': etag });
    assert.equal(same.status, 200, JSON.stringify(body));
    assert.equal(same.headers.get('etag'), etag, `${JSON.stringify(body)} keeps the ETag`);
    assert.deepEqual([same.body.status, same.body.tags, same.body.note, same.body.updated_at], ['qualified', ['vip'], 'Call Monday', tagged.body.updated_at]);
  }

  // A real change after the no-ops: once its event has arrived, any event
  // the no-ops had raised would have been raised before it.
  assert.equal((await patch(id, { tags: ['vip', 'sentinel'] })).status, 200);
  await app.waitFor(() => updatesOf(id).some((e) => e.data.tags.includes('sentinel')), { timeoutMs: 30_000, what: 'the sentinel lead.updated' });
  const tags = updatesOf(id).map((e) => e.data.tags.join(',')).sort();
  assert.deepEqual(tags, ['vip', 'vip,sentinel'], 'one lead.updated per real change, none for no-ops');
});

/** This lead's lead.updated events, each once (deliveries are at least once). */
function updatesOf(id) {
  const events = receiver.to('/patches').map((r) => r.json).filter((e) => e?.event === 'lead.updated' && e.data.id === id);
  return [...new Map(events.map((e) => [e.id, e])).values()];
}
