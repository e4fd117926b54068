// Leads assigned to members: PATCH with If-Match, the assignee filters on
// the list and the export, lead.assigned on a webhook, a removed member's
// leads unassigned, and round robin fair under concurrent captures.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';
import { acceptInvitation } from './support/team.mjs';

let app, receiver;
before(async () => {
  [app, receiver] = await Promise.all([spawnApp({ mail: true }), startReceiver()]);
});
after(async () => {
  await Promise.all([app?.stop(), receiver?.close()]);
});

const invite = async (ws, email, role = 'member') => {
  const res = await app.api(ws.api_key, 'POST', '/api/v1/members', { email, role });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};
const lead = async (ws, email) => {
  const res = await app.capture(ws, { email });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
};
const read = (ws, id) => app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`);
const patch = (ws, id, body, etag) =>
  app.request('PATCH', `/api/v1/leads/${id}`, { headers: { Authorization: `Bearer ${ws.api_key}`, ...(etag ? { 'If-Match': etag } : {}) }, body });
const ids = async (ws, query) => (await app.listLeads(ws.api_key, query)).data.map((l) => l.id).sort();
const exported = async (ws, query) => {
  const res = await app.api(ws.api_key, 'GET', `/api/v1/leads/export?format=ndjson&${new URLSearchParams(query)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const text = typeof res.body === 'string' ? res.body : `${JSON.stringify(res.body)}\n`;
  return text.trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line).id).sort();
};

test('PATCH assigns and unassigns with If-Match; the filters find them; lead.assigned reaches a webhook', async () => {
  const { ws } = await app.createWebhook(receiver.url('/assigned'), { events: ['lead.assigned'] });
  const rep = await invite(ws, 'rep@example.com');
  const [first, second] = [await lead(ws, 'a@example.com'), await lead(ws, 'b@example.com')];

  const before = await read(ws, first);
  assert.equal(before.body.assignee, null);
  const assigned = await patch(ws, first, { assignee: rep.id }, before.headers.get('etag'));
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
  assert.equal(assigned.body.assignee, rep.id);
  assert.equal((await read(ws, first)).body.assignee, rep.id);
  const stale = await patch(ws, first, { assignee: null }, before.headers.get('etag'));
  assert.equal(stale.status, 412, 'an old ETag is refused as for any change');
  assert.equal((await read(ws, first)).body.assignee, rep.id, 'and changes nothing');

  assert.deepEqual(await ids(ws, { assignee: rep.id }), [first]);
  assert.deepEqual(await ids(ws, { assignee: 'none' }), [second]);
  assert.deepEqual(await exported(ws, { assignee: rep.id }), [first]);
  assert.deepEqual(await exported(ws, { assignee: 'none' }), [second]);
  const me = await app.api(ws.api_key, 'GET', '/api/v1/leads?assignee=me');
  assert.equal(me.status, 422);
  assert.equal(me.body.errors[0].field, 'assignee');
  assert.match(me.body.errors[0].message, /me needs a member's session/);

  const event = await app.waitFor(() => receiver.to('/assigned').find((r) => r.json?.data?.id === first), { what: 'lead.assigned' });
  assert.equal(event.json.event, 'lead.assigned');
  assert.equal(event.headers['x-leadsbot-event'], 'lead.assigned');
  assert.deepEqual([event.json.data.assignee, event.json.data.previous_assignee, event.json.data.email], [rep.id, null, 'a@example.com']);

  const fresh = await read(ws, first);
  const unassigned = await patch(ws, first, { assignee: null }, fresh.headers.get('etag'));
  assert.equal(unassigned.status, 200);
  assert.equal(unassigned.body.assignee, null);
  await app.waitFor(() => receiver.to('/assigned').some((r) => r.json?.data?.id === first && r.json.data.previous_assignee === rep.id && r.json.data.assignee === null), { what: 'the unassignment' });
  const events = await app.api(ws.api_key, 'GET', '/api/v1/events?type=lead.assigned');
  assert.equal(events.status, 200, JSON.stringify(events.body));
  assert.equal(events.body.data.length, 2, 'every assignment change is an event');
});

test('only a member of the same workspace can be assignee: else 422 naming assignee', async () => {
  const ws = await app.createWorkspace({ name: 'mine' });
  const other = await app.createWorkspace({ name: 'theirs' });
  const stranger = await invite(other, 'stranger@example.com');
  const id = await lead(ws, 'c@example.com');
  for (const assignee of [stranger.id, 'mem_01J00000000000000000000000', 'bob', 7]) {
    const res = await patch(ws, id, { assignee });
    // A value of the wrong type is a malformed body (400), as for every field.
    assert.equal(res.status, typeof assignee === 'string' ? 422 : 400, `${assignee}: ${JSON.stringify(res.body)}`);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.body.errors[0].field, 'assignee', JSON.stringify(res.body));
  }
  assert.equal((await read(ws, id)).body.assignee, null);
});

test('removing a member unassigns their leads (and their old ETags go stale)', async () => {
  const ws = await app.createWorkspace({ name: 'leaving', owner_email: 'boss@example.com' });
  const rep = await invite(ws, 'leaver@example.com');
  const id = await lead(ws, 'd@example.com');
  const assigned = await patch(ws, id, { assignee: rep.id });
  assert.equal(assigned.status, 200);
  const etag = assigned.headers.get('etag');
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/members/${rep.id}`)).status, 204);
  assert.equal((await read(ws, id)).body.assignee, null);
  assert.deepEqual(await ids(ws, { assignee: 'none' }), [id]);
  assert.equal((await patch(ws, id, { status: 'contacted' }, etag)).status, 412);
  assert.equal((await patch(ws, id, { assignee: rep.id })).status, 422, 'a removed member is no member');
});

test('round robin over the active members of a role: 30 concurrent captures give 10/10/10', async () => {
  const ws = await app.createWorkspace({ name: 'round robin', owner_email: 'owner@example.com' });
  const reps = [];
  for (const n of [1, 2, 3]) reps.push(await invite(ws, `rep${n}@example.com`));
  const removed = await invite(ws, 'gone@example.com');
  const viewer = await invite(ws, 'viewer@example.com', 'viewer');
  const invited = await invite(ws, 'not-yet@example.com');
  // Each accepts their invitation (active); one stays invited.
  for (const m of [...reps, removed, viewer]) await acceptInvitation(app, m.email);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/members/${removed.id}`)).status, 204);

  const wf = await app.api(ws.api_key, 'POST', '/api/v1/workflows', {
    name: 'share out', trigger: { event: 'lead.created' }, actions: [{ type: 'assign', round_robin: 'member' }],
  });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  assert.deepEqual(wf.body.actions, [{ type: 'assign', round_robin: 'member' }]);

  await Promise.all(Array.from({ length: 30 }, (_, i) => lead(ws, `rr${i}@example.com`)));
  const all = await app.waitFor(async () => {
    const leads = (await app.listLeads(ws.api_key, { limit: 100 })).data;
    return leads.length === 30 && leads.every((l) => l.assignee) && leads;
  }, { timeoutMs: 60_000, what: '30 leads assigned' });
  const counts = {};
  for (const l of all) counts[l.assignee] = (counts[l.assignee] ?? 0) + 1;
  assert.deepEqual(counts, Object.fromEntries(reps.map((r) => [r.id, 10])), `not ${removed.id}, ${viewer.id} or ${invited.id}`);
  // Each run took exactly one slot of the rotation, however often its job was attempted.
  const [rotation] = await app.sql(`SELECT next_slot FROM assignment_rotations WHERE workspace_id = '${ws.id}' AND role = 'member'`);
  assert.equal(rotation.next_slot, 30);
  // A finished run retries nothing: the picks that held its slot are gone with it.
  await app.waitFor(async () => (await app.sql(`SELECT count(*) AS n FROM workflow_runs WHERE workspace_id = '${ws.id}' AND status = 'completed'`))[0].n === 30, { what: 'the 30 runs to complete' });
  assert.equal((await app.sql(`SELECT count(*) AS n FROM assignment_picks WHERE workspace_id = '${ws.id}'`))[0].n, 0);
});
