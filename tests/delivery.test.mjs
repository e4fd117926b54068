// Delivery end to end: the built worker on wrangler dev with its real local
// queue, and a real receiver that verifies every delivery with Node's crypto
// (the developer-page snippet) and with the npm `standardwebhooks` package.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver, deadUrl, verifyLeadsBotSignature, verifyStandardWebhook } from './support/receiver.mjs';

let app, receiver;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({ vars: { DELIVERY_RETRY_SCHEDULE: '1,1,1', DELIVERY_TIMEOUT_MS: '1500', ROTATION_GRACE_SECS: '4' } });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

/** A workspace with one endpoint at `path` on the receiver (or at `url`). */
/** A workspace (named `path`) whose one endpoint posts to the receiver at `path`, or to `url`. */
function setup(path, { url, events } = {}) {
  return app.createWebhook(url ?? receiver.url(path), { name: path, events, description: path });
}

function assertSigned(request, secret) {
  assert.ok(verifyLeadsBotSignature(request.rawBody, request.headers['x-leadsbot-signature'], secret), 'X-LeadsBot-Signature verifies');
  assert.ok(verifyStandardWebhook(request.rawBody, request.headers, secret), 'standardwebhooks verifies');
}

async function deliveries(ws, endpointId, query = '') {
  const response = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpointId}/deliveries${query}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

const settled = (ws, endpointId, status) => app.waitFor(async () => {
  const [first] = await deliveries(ws, endpointId);
  return first?.status === status && first;
}, { timeoutMs: 30_000, intervalMs: 200, what: `a ${status} delivery` });

test('endpoints API: secret shown once and sealed, validation, patch, delete', async () => {
  const { ws, endpoint, secret } = await setup('/api');
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
  const list = await app.api(ws.api_key, 'GET', '/api/v1/webhooks');
  assert.equal(list.body.data.length, 1);
  assert.ok(!JSON.stringify(list.body).includes(secret.slice(6)), 'secrets are redacted');
  const one = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`);
  assert.equal(one.body.secret, undefined);
  assert.deepEqual(one.body.events, []);
  const bad = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: 'http://example.com/hook', events: ['lead.nope'] });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e) => e.field), ['url', 'events[0]']);
  const patched = await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { events: ['lead.created'], description: 'CRM' });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body.events, ['lead.created']);
  const other = await app.createWorkspace({ name: 'other' });
  assert.equal((await app.api(other.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).status, 404, 'scoped by workspace');
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/webhooks/${endpoint.id}`)).status, 204);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).status, 404);
});

test('every lead arrives once, signed both ways; spam emits nothing', async () => {
  const { ws, secret } = await setup('/signed');
  const spam = await app.capture(ws, { email: 'bot@spam.example', name: 'Bot', _gotcha: 'http://spam.example' });
  assert.equal(spam.status, 201);
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await app.capture(ws, { email: `lead${i}@example.com`, name: `Lead ${i}`, utm_campaign: 'spring' })).body.id);
  await receiver.waitForCount('/signed', 5);
  const got = receiver.to('/signed');
  assert.deepEqual(got.map((r) => r.json.data.id).sort(), [...ids].sort());
  for (const request of got) {
    assertSigned(request, secret);
    assert.equal(request.headers['x-leadsbot-event'], 'lead.created');
    assert.equal(request.json.event, 'lead.created');
    assert.equal(request.json.workspace_id, ws.id);
    assert.match(request.json.id, /^evt_/);
    assert.equal(request.headers['webhook-id'], request.headers['x-leadsbot-delivery']);
    assert.equal(request.headers['x-leadsbot-timestamp'], request.headers['webhook-timestamp']);
    assert.equal(request.json.data.utm_campaign, 'spring');
    assert.ok(!verifyLeadsBotSignature(request.rawBody + ' ', request.headers['x-leadsbot-signature'], secret), 'a changed body fails');
  }
  assert.ok(!got.some((r) => r.json.data.email === 'bot@spam.example'), 'spam is never delivered');
});

test('duplicates under one idempotency key deliver once', async () => {
  const { ws, endpoint } = await setup('/idem');
  const headers = { 'Idempotency-Key': 'order-42' };
  const answers = await Promise.all([1, 2, 3].map(() => app.capture(ws, { email: 'idem@example.com' }, { headers })));
  assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
  await receiver.waitForCount('/idem', 1);
  await settled(ws, endpoint.id, 'succeeded');
  assert.equal((await deliveries(ws, endpoint.id)).length, 1);
  assert.equal(receiver.to('/idem').length, 1);
});

test('500 then 200: retried under one webhook-id, every attempt logged', async () => {
  const { ws, endpoint, secret } = await setup('/flaky');
  receiver.plan('/flaky', [{ status: 500, body: 'boom' }, { status: 500 }, { status: 200, body: 'thanks' }]);
  const lead = await app.capture(ws, { email: 'flaky@example.com' });
  await receiver.waitForCount('/flaky', 3);
  const got = receiver.to('/flaky');
  assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id however many attempts');
  got.forEach((r) => assertSigned(r, secret));
  assert.equal(got[0].json.data.id, lead.body.id);
  const delivery = await settled(ws, endpoint.id, 'succeeded');
  assert.equal(delivery.attempt_count, 3);
  assert.deepEqual(delivery.attempts.map((a) => a.status_code), [500, 500, 200]);
  assert.equal(delivery.attempts[0].response_body, 'boom');
  assert.equal(delivery.attempts[2].response_body, 'thanks');
  assert.ok(delivery.attempts.every((a) => typeof a.duration_ms === 'number' && a.attempted_at));
});

test('429 with Retry-After waits at least that long', async () => {
  const { ws, endpoint } = await setup('/busy');
  receiver.plan('/busy', [{ status: 429, headers: { 'Retry-After': '3' } }, { status: 200 }]);
  await app.capture(ws, { email: 'busy@example.com' });
  await receiver.waitForCount('/busy', 2);
  const [first, second] = receiver.to('/busy');
  assert.ok(second.receivedAt - first.receivedAt >= 2900, `waited ${second.receivedAt - first.receivedAt} ms`);
  const delivery = await settled(ws, endpoint.id, 'succeeded');
  assert.deepEqual(delivery.attempts.map((a) => a.status_code), [429, 200]);
});

test('a receiver hanging past the timeout is aborted and retried', async () => {
  const { ws, endpoint } = await setup('/hang');
  receiver.plan('/hang', [{ hang: true }, { status: 200 }]);
  await app.capture(ws, { email: 'hang@example.com' });
  const delivery = await settled(ws, endpoint.id, 'succeeded');
  assert.equal(delivery.attempts[0].status_code, null);
  assert.match(delivery.attempts[0].error, /timed out/);
  assert.ok(delivery.attempts[0].duration_ms >= 1400, `${delivery.attempts[0].duration_ms} ms`);
  assert.equal(delivery.attempts[1].status_code, 200);
});

test('3xx counts as a failure and is never followed', async () => {
  const { ws, endpoint } = await setup('/moved');
  receiver.plan('/moved', [{ status: 302, headers: { Location: receiver.url('/moved-target') } }, { status: 200 }]);
  await app.capture(ws, { email: 'moved@example.com' });
  const delivery = await settled(ws, endpoint.id, 'succeeded');
  assert.deepEqual(delivery.attempts.map((a) => a.status_code), [302, 200]);
  assert.match(delivery.attempts[0].error, /redirect/);
  assert.equal(receiver.to('/moved-target').length, 0, 'the redirect was not followed');
});

test('410 Gone disables the endpoint at once', async () => {
  const { ws, endpoint } = await setup('/gone');
  receiver.plan('/gone', [{ status: 410, body: 'é'.repeat(3000) }]);
  await app.capture(ws, { email: 'gone@example.com' });
  const delivery = await settled(ws, endpoint.id, 'failed');
  assert.equal(delivery.attempt_count, 1);
  assert.equal(Buffer.byteLength(delivery.attempts[0].response_body), 1024, 'only the first KiB of a response is kept');
  const after = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`);
  assert.equal(after.body.enabled, false);
  assert.equal(after.body.disabled_reason, 'gone');
  await app.capture(ws, { email: 'gone2@example.com' });
  const leads = await app.listLeads(ws.api_key);
  assert.equal(leads.data.length, 2, 'captures still succeed');
  assert.equal((await deliveries(ws, endpoint.id)).length, 1, 'a disabled endpoint gets no new deliveries');
});

test('connection refused exhausts the schedule; replay and recover deliver it', async () => {
  const { ws, endpoint, secret } = await setup('/refused', { url: await deadUrl() });
  const since = new Date(Date.now() - 1000).toISOString();
  await app.capture(ws, { email: 'refused@example.com' });
  const failed = await settled(ws, endpoint.id, 'failed');
  assert.equal(failed.attempt_count, 4, 'one attempt and three retries');
  assert.ok(failed.attempts.every((a) => a.status_code === null && a.error));
  const moved = await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { url: receiver.url('/refused') });
  assert.equal(moved.status, 200);
  const retry = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${failed.id}/retry`);
  assert.equal(retry.status, 202);
  await receiver.waitForCount('/refused', 1);
  const [replayed] = receiver.to('/refused');
  assertSigned(replayed, secret);
  assert.equal(replayed.headers['webhook-id'], failed.id, 'a replay keeps its webhook-id');
  await settled(ws, endpoint.id, 'succeeded');
  // Replay everything failed since a time.
  await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { url: await deadUrl() });
  await app.capture(ws, { email: 'refused2@example.com' });
  await settled(ws, endpoint.id, 'failed');
  await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { url: receiver.url('/refused') });
  const recovered = await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${endpoint.id}/recover`, { since });
  assert.equal(recovered.status, 202);
  assert.equal(recovered.body.replayed, 1);
  await receiver.waitForCount('/refused', 2);
  assert.equal(receiver.to('/refused')[1].json.data.email, 'refused2@example.com');
  assert.equal(new Set((await deliveries(ws, endpoint.id, '?status=failed'))).size, 0);
});

test('retry on a delivery waiting for its next attempt sends it now, once', async () => {
  const { ws, endpoint } = await setup('/later');
  // 503 with Retry-After: the second attempt is scheduled ten minutes on.
  receiver.plan('/later', [{ status: 503, headers: { 'Retry-After': '600' } }, { status: 200, body: 'now' }]);
  await app.capture(ws, { email: 'later@example.com' });
  const waiting = await app.waitFor(async () => {
    const [first] = await deliveries(ws, endpoint.id);
    return first?.status === 'pending' && first.attempts.length === 1 && first;
  }, { timeoutMs: 20_000, intervalMs: 200, what: 'the first attempt recorded, the next one scheduled' });
  assert.ok(Date.parse(waiting.next_attempt_at) - Date.now() > 5 * 60_000, `next attempt at ${waiting.next_attempt_at}`);
  const retry = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${waiting.id}/retry`);
  assert.equal(retry.status, 202);
  assert.deepEqual(retry.body, { id: waiting.id, status: 'pending' });
  await receiver.waitForCount('/later', 2);
  const sent = await settled(ws, endpoint.id, 'succeeded');
  assert.equal(sent.id, waiting.id);
  assert.deepEqual(sent.attempts.map((a) => a.status_code), [503, 200]);
  // Two attempts claimed, none scheduled: the old schedule's message asks for
  // the second attempt of a pending row and finds this one succeeded.
  assert.equal(sent.attempt_count, 2);
  assert.equal(sent.next_attempt_at, null);
  assert.equal(receiver.to('/later').length, 2);
  const again = await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${waiting.id}`);
  assert.deepEqual([again.body.status, again.body.attempt_count, again.body.next_attempt_at], ['succeeded', 2, null]);
});

/** Waits until the newest delivery has failed and its dead letter has been recorded. */
const deadLettered = (ws, endpointId) => app.waitFor(async () => {
  const [first] = await deliveries(ws, endpointId);
  return first?.status === 'failed' && first.dead_lettered_at && first;
}, { timeoutMs: 30_000, intervalMs: 200, what: 'a failed delivery recorded by the dead-letter consumer' });

test('an exhausted delivery reaches the dead-letter queue; retry and recover bring it back', async () => {
  const { ws, endpoint } = await setup('/dead', { url: await deadUrl() });
  const since = new Date(Date.now() - 1000).toISOString();
  await app.capture(ws, { email: 'dead@example.com' });
  const dead = await deadLettered(ws, endpoint.id);
  assert.equal(dead.attempt_count, 4, 'dead-lettered only once the schedule is exhausted');
  assert.ok(Date.parse(dead.dead_lettered_at) >= Date.parse(dead.attempts.at(-1).attempted_at), 'recorded after the last attempt');
  await app.waitFor(() => app.logs().includes(`dead letter: delivery ${dead.id}`), { what: 'the dead letter to be logged' });
  await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { url: receiver.url('/dead') });
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${dead.id}/retry`)).status, 202);
  const retried = await settled(ws, endpoint.id, 'succeeded');
  assert.equal(retried.id, dead.id);
  assert.equal(retried.dead_lettered_at, null, 'a replayed delivery is live again');
  assert.equal(receiver.to('/dead').length, 1);
  // The same through recover.
  await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { url: await deadUrl() });
  await app.capture(ws, { email: 'dead2@example.com' });
  const deadAgain = await deadLettered(ws, endpoint.id);
  await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { url: receiver.url('/dead') });
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${endpoint.id}/recover`, { since })).body.replayed, 1);
  const recovered = await settled(ws, endpoint.id, 'succeeded');
  assert.equal(recovered.id, deadAgain.id);
  assert.equal(recovered.dead_lettered_at, null);
  assert.equal(receiver.to('/dead').length, 2);
});

test('rotation: both signatures valid during grace, only the new one after', async () => {
  const { ws, endpoint, secret: oldSecret } = await setup('/rotate');
  await app.capture(ws, { email: 'before@example.com' });
  await receiver.waitForCount('/rotate', 1);
  const rotated = await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`);
  assert.equal(rotated.status, 200);
  const newSecret = rotated.body.secret;
  assert.notEqual(newSecret, oldSecret);
  await app.capture(ws, { email: 'during@example.com' });
  await receiver.waitForCount('/rotate', 2);
  const during = receiver.to('/rotate')[1];
  assertSigned(during, newSecret);
  assert.ok(verifyLeadsBotSignature(during.rawBody, during.headers['x-leadsbot-signature-previous'], oldSecret));
  assert.ok(verifyStandardWebhook(during.rawBody, during.headers, oldSecret), 'old secret verifies during grace');
  await app.waitFor(async () => Date.parse((await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).body.previous_secret_expires_at) < Date.now(),
    { timeoutMs: 10_000, intervalMs: 250, what: 'the grace period to end' });
  await app.capture(ws, { email: 'after@example.com' });
  await receiver.waitForCount('/rotate', 3);
  const afterGrace = receiver.to('/rotate')[2];
  assertSigned(afterGrace, newSecret);
  assert.equal(afterGrace.headers['x-leadsbot-signature-previous'], undefined);
  assert.ok(!verifyStandardWebhook(afterGrace.rawBody, afterGrace.headers, oldSecret), 'old secret rejected after grace');
});

test('lead.updated and lead.status_changed reach subscribed endpoints only', async () => {
  const { ws, secret } = await setup('/changes', { events: ['lead.status_changed'] });
  const created = await app.capture(ws, { email: 'change@example.com' });
  const patched = await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${created.body.id}`, { status: 'contacted' });
  assert.equal(patched.status, 200);
  await receiver.waitForCount('/changes', 1);
  const [change] = receiver.to('/changes');
  assertSigned(change, secret);
  assert.equal(change.json.event, 'lead.status_changed');
  assert.equal(change.json.data.previous_status, 'new');
  assert.equal(change.json.data.status, 'contacted');
  await app.waitFor(async () => (await app.listLeads(ws.api_key)).data.length === 1);
  assert.equal(receiver.to('/changes').length, 1, 'lead.created and lead.updated were not subscribed');
});

test('the delivery log shows every job the same way: filters, paging, one job with its attempts, scoped by workspace', async () => {
  const { ws, endpoint } = await setup('/log');
  receiver.plan('/log', [{ status: 500, body: 'not yet' }, { status: 200, body: 'ok' }]);
  const first = await app.capture(ws, { email: 'log-1@example.com' });
  await settled(ws, endpoint.id, 'succeeded');
  const second = await app.capture(ws, { email: 'log-2@example.com' });
  await app.waitFor(async () => (await deliveries(ws, endpoint.id)).every((d) => d.status === 'succeeded') && receiver.to('/log').length === 3, { what: 'both leads delivered' });

  const all = await app.api(ws.api_key, 'GET', '/api/v1/deliveries');
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.deepEqual(all.body.data.map((j) => j.lead_id), [second.body.id, first.body.id], 'newest first, each naming its lead');
  const [job] = all.body.data.filter((j) => j.lead_id === first.body.id);
  assert.deepEqual(Object.keys(job).sort(), ['attempts', 'channel', 'created_at', 'event_id', 'id', 'last_error', 'lead_id', 'next_attempt_at', 'source', 'status', 'target_id', 'updated_at']);
  assert.deepEqual(
    { channel: job.channel, target_id: job.target_id, status: job.status, attempts: job.attempts, next_attempt_at: job.next_attempt_at },
    { channel: 'webhook', target_id: endpoint.id, status: 'succeeded', attempts: 2, next_attempt_at: null },
  );
  assert.deepEqual(job.source, { kind: 'subscription', workflow_id: null, run_id: null, action_index: null });

  const one = await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${job.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.attempt_count, 2);
  assert.deepEqual(one.body.attempts.map((a) => [a.status_code, a.response_excerpt]), [[500, 'not yet'], [200, 'ok']]);
  assert.ok(one.body.attempts.every((a) => a.attempted_at && typeof a.duration_ms === 'number' && 'error' in a));

  const byLead = await app.api(ws.api_key, 'GET', `/api/v1/deliveries?lead_id=${second.body.id}&status=succeeded&channel=webhook`);
  assert.deepEqual(byLead.body.data.map((j) => j.lead_id), [second.body.id]);
  assert.deepEqual((await app.api(ws.api_key, 'GET', '/api/v1/deliveries?channel=telegram')).body.data, []);
  assert.deepEqual((await app.api(ws.api_key, 'GET', '/api/v1/deliveries?status=failed')).body.data, []);

  const page1 = await app.api(ws.api_key, 'GET', '/api/v1/deliveries?limit=1');
  assert.equal(page1.body.data.length, 1);
  assert.ok(page1.body.next_cursor);
  const page2 = await app.api(ws.api_key, 'GET', `/api/v1/deliveries?limit=1&cursor=${page1.body.next_cursor}`);
  assert.deepEqual(page2.body.data.map((j) => j.id), [job.id]);
  assert.equal(page2.body.next_cursor, null);

  for (const [query, field] of [['status=done', 'status'], ['channel=fax', 'channel'], ['limit=0', 'limit'], ['sort=id', 'sort']]) {
    const refused = await app.api(ws.api_key, 'GET', `/api/v1/deliveries?${query}`);
    assert.equal(refused.status, 422, query);
    assert.match(refused.headers.get('content-type'), /application\/problem\+json/);
    assert.deepEqual(refused.body.errors.map((e) => e.field), [field], query);
  }

  const other = await app.createWorkspace({ name: 'log-other' });
  assert.equal((await app.api(other.api_key, 'GET', `/api/v1/deliveries/${job.id}`)).status, 404, 'another workspace cannot see the job');
  assert.deepEqual((await app.api(other.api_key, 'GET', '/api/v1/deliveries')).body.data, []);
});
