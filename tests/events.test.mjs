// Events end to end: every event endpoints can receive is listed with the
// very payload a real receiver got, paged and filtered like the other lists;
// a test send arrives signed like a real delivery and changes nothing.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnApp } from './support/app.mjs';
import { attemptsToCross } from './support/limits.mjs';
import { startReceiver, verifyLeadsBotSignature, verifyStandardWebhook } from './support/receiver.mjs';

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

const testSend = (ws, endpointId) => app.api(ws.api_key, 'POST', `/api/v1/webhooks/${endpointId}/test`);

test('a test send arrives now, signed like a delivery, marked test, and creates nothing', async () => {
  const { ws, endpoint, secret } = await app.createWebhook(receiver.url('/probe'), { name: 'probe' });
  const answer = await testSend(ws, endpoint.id);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(receiver.to('/probe').length, 1, 'sent before the answer');
  const [request] = receiver.to('/probe');
  assert.ok(verifyLeadsBotSignature(request.rawBody, request.headers['x-leadsbot-signature'], secret), 'X-LeadsBot-Signature verifies');
  assert.ok(verifyStandardWebhook(request.rawBody, request.headers, secret), 'standardwebhooks verifies');
  assert.equal(request.headers['x-leadsbot-event'], 'lead.created');
  assert.equal(request.json.test, true);
  assert.equal(request.json.event, 'lead.created');
  assert.equal(request.json.workspace_id, ws.id);
  assert.equal(request.json.data.email, 'test.lead@example.com');
  assert.equal(request.headers['webhook-id'], answer.body.delivery_id);
  assert.equal(request.json.id, answer.body.event_id);
  assert.equal(answer.body.sent, true);
  assert.equal(answer.body.ok, true);
  assert.equal(answer.body.status_code, 200);
  assert.equal(answer.body.error, null);
  assert.ok(answer.body.duration_ms >= 0);
  assert.equal((await app.listLeads(ws.api_key)).data.length, 0, 'no lead');
  assert.equal((await events(ws)).data.length, 0, 'no event');
  const jobs = await app.api(ws.api_key, 'GET', '/api/v1/deliveries');
  assert.deepEqual(jobs.body.data, [], 'no job');
  const other = await app.createWorkspace({ name: 'other tester' });
  assert.equal((await testSend(other, endpoint.id)).status, 404, 'another workspace\'s endpoint');
});

test('a failing receiver is reported, and a test never touches the endpoint\'s health', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/broken'), { name: 'broken' });
  receiver.plan('/broken', [{ status: 500, body: 'boom' }, { status: 410 }]);
  const failed = await testSend(ws, endpoint.id);
  assert.equal(failed.status, 200, JSON.stringify(failed.body));
  assert.deepEqual([failed.body.sent, failed.body.ok, failed.body.status_code, failed.body.error, failed.body.response_excerpt], [true, false, 500, 'HTTP 500', 'boom']);
  const gone = await testSend(ws, endpoint.id);
  assert.equal(gone.body.status_code, 410, 'a 410 would disable the endpoint were it a delivery');
  const after = (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).body;
  assert.equal(after.enabled, true);
  assert.equal(after.failing_since, null);
  // A stored URL the receiver rule refuses is not called, and the endpoint is not disabled for it.
  await app.sql(`UPDATE webhook_endpoints SET url = 'http://10.0.0.1/hook' WHERE id = '${endpoint.id}'`);
  const refused = await testSend(ws, endpoint.id);
  assert.equal(refused.status, 200);
  assert.equal(refused.body.sent, false);
  assert.equal(refused.body.status_code, null);
  assert.match(refused.body.error, /not sent/);
  assert.equal(receiver.to('/broken').length, 2);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).body.enabled, true);
});

// No JSON Schema validator is among the npm devDependencies; schemathesis's
// own (jsonschema_rs, in .venv from tests/fuzz/requirements.txt) checks the bodies.
const python = fileURLToPath(new URL('../.venv/bin/python', import.meta.url));
const VALIDATE = `
import json, sys, jsonschema_rs
for case in json.load(sys.stdin):
    validator = jsonschema_rs.Draft202012Validator(case["schema"], validate_formats=True)
    print(json.dumps([str(e) for e in validator.iter_errors(case["instance"])]))
`;

/** Each body's schema errors against the document's webhook for its event (none: valid). */
function webhookErrors(doc, bodies) {
  const cases = bodies.map((body) => ({
    schema: { ...doc.webhooks[body.event].post.requestBody.content['application/json'].schema, components: doc.components },
    instance: body,
  }));
  const out = execFileSync(python, ['-c', VALIDATE], { input: JSON.stringify(cases) }).toString();
  return out.trim().split('\n').map((line) => JSON.parse(line));
}

test('real deliveries match the document\'s webhooks section', async () => {
  const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
  const { ws, endpoint } = await app.createWebhook(receiver.url('/contract'), { name: 'contract' });
  const lead = (await app.capture(ws, { email: 'grace@example.com', name: 'Grace', company: 'Navy', wishes: 'cobol' })).body;
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${lead.id}`, { status: 'qualified', add_tags: ['vip'] })).status, 200);
  await receiver.waitForCount('/contract', 3);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${lead.id}`)).status, 204);
  await receiver.waitForCount('/contract', 4);
  assert.equal((await testSend(ws, endpoint.id)).body.ok, true);
  const bodies = receiver.to('/contract').map((r) => r.json);
  assert.deepEqual(bodies.map((b) => b.event).sort(), ['lead.created', 'lead.created', 'lead.erased', 'lead.status_changed', 'lead.updated']);
  assert.deepEqual(webhookErrors(doc, bodies), bodies.map(() => []));
  // The check can fail: a body missing a field, or with a wrong type, does not match.
  const created = bodies.find((b) => b.event === 'lead.created' && !b.test);
  const broken = [{ ...created, data: { ...created.data, email: undefined } }, { ...created, created_at: 'yesterday' }, { ...bodies.find((b) => b.event === 'lead.erased'), data: {} }];
  assert.ok(webhookErrors(doc, JSON.parse(JSON.stringify(broken))).every((errors) => errors.length > 0));
});

test('test sends are limited per workspace', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/limited'), { name: 'limited' });
  const statuses = [];
  for (let i = 0; i < attemptsToCross('WEBHOOK_TEST_LIMITER') && !statuses.includes(429); i++) {
    const answer = await testSend(ws, endpoint.id);
    statuses.push(answer.status);
    if (answer.status === 429) assert.match(answer.headers.get('retry-after'), /^[0-9]+$/);
  }
  assert.equal(statuses.at(-1), 429, 'limited');
  assert.deepEqual([...new Set(statuses.slice(0, -1))], [200]);
  const other = await app.createWebhook(receiver.url('/unlimited'), { name: 'unlimited' });
  assert.equal((await testSend(other.ws, other.endpoint.id)).status, 200, 'another workspace is not limited');
});
