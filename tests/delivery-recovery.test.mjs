// No event lost, no delivery stuck: events raised while an endpoint was
// disabled are recovered in event order, each once, a bounded number per
// call; a delivery that cannot even be attempted ends failed, with its
// reason, and dead-lettered.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

let app, receiver;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({ vars: { DELIVERY_RETRY_SCHEDULE: '1,1,1', RECOVER_MAX_PER_CALL: '3' } });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

async function deliveries(ws, endpointId) {
  const response = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpointId}/deliveries?limit=100`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

const recover = (ws, endpointId, since) => app.api(ws.api_key, 'POST', `/api/v1/webhooks/${endpointId}/recover`, { since });

test('events raised while an endpoint was disabled are recovered in order, each once, capped per call', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/gap'));
  const since = new Date(Date.now() - 1000).toISOString();
  await app.capture(ws, { email: 'before@example.com' });
  await receiver.waitForCount('/gap', 1);
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { enabled: false })).body.enabled, false);
  const other = await app.createWorkspace({ name: 'other' });
  const missed = [];
  for (let i = 0; i < 5; i++) {
    missed.push((await app.capture(ws, { email: `gap${i}@example.com` })).body.id);
    await app.capture(other, { email: `elsewhere${i}@example.com` });
  }
  assert.equal((await deliveries(ws, endpoint.id)).length, 1, 'no delivery rows while disabled');
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { enabled: true })).body.enabled, true);
  await app.capture(ws, { email: 'after@example.com' });
  await receiver.waitForCount('/gap', 2);
  assert.equal((await recover(other, endpoint.id, since)).status, 404, 'another workspace cannot recover this endpoint');

  const first = await recover(ws, endpoint.id, since);
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.deepEqual(first.body, { replayed: 0, delivery_ids: [], missing: 3, more: true }, 'the cap is honoured');
  const second = await recover(ws, endpoint.id, since);
  assert.deepEqual(second.body, { replayed: 0, delivery_ids: [], missing: 2, more: false });

  await receiver.waitForCount('/gap', 7, 60_000);
  const recovered = receiver.to('/gap').slice(2);
  assert.deepEqual(recovered.map((r) => r.json.data.id), missed, 'exactly the missed events, in event order');
  assert.equal(new Set(recovered.map((r) => r.headers['webhook-id'])).size, 5, 'each once');
  await app.waitFor(async () => (await deliveries(ws, endpoint.id)).every((d) => d.status === 'succeeded'), { timeoutMs: 20_000, what: 'every delivery to succeed' });

  const third = await recover(ws, endpoint.id, since);
  assert.deepEqual(third.body, { replayed: 0, delivery_ids: [], missing: 0, more: false }, 'a repeated recover adds nothing');
  const rows = await deliveries(ws, endpoint.id);
  assert.equal(rows.length, 7);
  assert.ok(rows.every((d) => d.status === 'succeeded' && d.attempt_count === 1), 'nothing left to send, nothing sent twice');
  assert.equal(receiver.to('/gap').length, 7);
  assert.ok(!receiver.to('/gap').some((r) => r.json.data.email.startsWith('elsewhere')), 'another workspace\'s events never recovered here');
});

test('a delivery whose secret cannot be unsealed is attempted a bounded number of times, with its reason, then dead-lettered', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/unsealable'));
  // As if sealed under a SECRETS_KEY this deployment no longer has.
  await app.sql(`UPDATE webhook_endpoints SET secret_sealed = 'v2:0badc0de:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = '${endpoint.id}'`);
  await app.capture(ws, { email: 'unsealable@example.com' });
  const dead = await app.waitFor(async () => {
    const [first] = await deliveries(ws, endpoint.id);
    return first?.status === 'failed' && first.dead_lettered_at && first;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'the delivery to fail and be dead-lettered' });
  assert.equal(dead.attempt_count, 4, 'one attempt and the three retries of the schedule');
  assert.equal(dead.attempts.length, 4, 'every attempt is recorded');
  for (const attempt of dead.attempts) {
    assert.match(attempt.error, /signing secret cannot be unsealed: sealed under key 0badc0de/);
    assert.equal(attempt.status_code, null);
  }
  assert.match(dead.last_error, /cannot be unsealed/);
  assert.equal(receiver.to('/unsealable').length, 0, 'nothing unsigned was sent');
  const row = (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).body;
  assert.equal(row.failing_since, null, 'our fault is not counted against the receiver');
});

test('retry while an attempt is under way adds no second attempt beside it', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/in-flight'));
  // The first attempt waits at the receiver until released; any other is answered at once.
  receiver.plan('/in-flight', [{ hold: true }, { status: 200 }]);
  await app.capture(ws, { email: 'in-flight@example.com' });
  await receiver.waitForCount('/in-flight', 1);
  const [claimed] = await deliveries(ws, endpoint.id);
  assert.equal(claimed.status, 'pending');
  const retry = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${claimed.id}/retry`);
  assert.deepEqual([retry.status, retry.body], [202, { id: claimed.id, status: 'pending' }]);
  receiver.release('/in-flight');
  const done = await app.waitFor(async () => {
    const [first] = await deliveries(ws, endpoint.id);
    return first?.status === 'succeeded' && first;
  }, { timeoutMs: 20_000, what: 'the attempt under way to succeed' });
  assert.equal(done.attempt_count, 1, 'the retry claimed no attempt of its own');
  assert.equal(receiver.to('/in-flight').length, 1);
});
