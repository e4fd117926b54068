// Delivery without the queue's help: every producer send is dropped
// (DELIVERY_SKIP_ENQUEUE, honoured only under allow-localhost) and requests
// make no first attempt themselves (DELIVERY_INLINE_FIRST_ATTEMPT=off), so
// only the cron sweeper can get deliveries moving. Also: endpoints failing every
// delivery for ENDPOINT_DISABLE_AFTER_SECS are disabled.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver, verifyLeadsBotSignature, verifyStandardWebhook } from './support/receiver.mjs';

let app, receiver;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({
    testScheduled: true,
    vars: { DELIVERY_SKIP_ENQUEUE: '1', DELIVERY_INLINE_FIRST_ATTEMPT: 'off', DELIVERY_SWEEP_AFTER_SECS: '0', DELIVERY_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1', ENDPOINT_DISABLE_AFTER_SECS: '2' },
  });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const deliveries = async (ws, id) => (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${id}/deliveries`)).body.data;

test('a lost enqueue is recovered by the sweeper', async () => {
  const { ws, endpoint, secret } = await app.createWebhook(receiver.url('/swept'));
  const lead = await app.capture(ws, { email: 'swept@example.com' });
  assert.equal(lead.status, 201, 'the capture answers although nothing was enqueued');
  const [waiting] = await deliveries(ws, endpoint.id);
  assert.equal(waiting.status, 'pending');
  assert.equal(waiting.attempt_count, 0);
  assert.equal(receiver.to('/swept').length, 0);
  await app.triggerScheduled();
  await receiver.waitForCount('/swept', 1);
  const [request] = receiver.to('/swept');
  assert.equal(request.json.data.id, lead.body.id);
  assert.ok(verifyLeadsBotSignature(request.rawBody, request.headers['x-leadsbot-signature'], secret));
  assert.ok(verifyStandardWebhook(request.rawBody, request.headers, secret));
  await app.waitFor(async () => (await deliveries(ws, endpoint.id))[0].status === 'succeeded', { timeoutMs: 10_000 });
  // A second lead waits for the next sweep, which is thus seen to have run and
  // been consumed: anything it wrongly re-enqueued was consumed with it.
  const marker = await app.capture(ws, { email: 'marker@example.com' });
  await app.triggerScheduled();
  await receiver.waitForCount('/swept', 2);
  const rows = await app.waitFor(async () => {
    const all = await deliveries(ws, endpoint.id);
    return all.every((d) => d.status === 'succeeded') && all;
  }, { timeoutMs: 10_000, what: 'the sweep to be consumed' });
  assert.deepEqual(receiver.to('/swept').map((r) => r.json.data.id), [lead.body.id, marker.body.id], 'a delivered row is not swept again');
  assert.deepEqual(rows.map((d) => d.attempt_count), [1, 1]);
});

test('a delivery whose event is gone fails at once with that reason and is dead-lettered', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/no-event'));
  const lead = await app.capture(ws, { email: 'gone-event@example.com' });
  await app.sql(`DELETE FROM events WHERE workspace_id = '${ws.id}' AND lead_id = '${lead.body.id}'`);
  await app.triggerScheduled();
  const [dead] = await app.waitFor(async () => {
    const rows = await deliveries(ws, endpoint.id);
    return rows[0]?.status === 'failed' && rows[0].dead_lettered_at && rows;
  }, { timeoutMs: 15_000, what: 'the delivery to fail and be dead-lettered' });
  assert.equal(dead.attempt_count, 1);
  assert.equal(dead.attempts[0].error, 'the event no longer exists');
  assert.equal(receiver.to('/no-event').length, 0);
});

test('a delivery claimed again and again without an outcome is given up on, with its reason, and dead-lettered', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/stuck'));
  await app.capture(ws, { email: 'stuck@example.com' });
  const [pending] = await deliveries(ws, endpoint.id);
  // As if three claims had each ended before any outcome could be recorded.
  await app.sql(`UPDATE deliveries SET attempts = 3, unrecorded_claims = 3 WHERE id = '${pending.id}'`);
  await app.triggerScheduled();
  const [dead] = await app.waitFor(async () => {
    const rows = await deliveries(ws, endpoint.id);
    return rows[0]?.status === 'failed' && rows[0].dead_lettered_at && rows;
  }, { timeoutMs: 15_000, what: 'the stuck delivery to be given up on' });
  assert.equal(dead.attempt_count, 3, 'not claimed again');
  assert.match(dead.attempts.at(-1).error, /given up: claimed 3 times without an attempt being made or recorded/);
  assert.equal(receiver.to('/stuck').length, 0);
  const replayed = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${dead.id}/retry`);
  assert.equal(replayed.status, 202);
  await receiver.waitForCount('/stuck', 1);
});

test('an endpoint failing every delivery for the configured period is disabled', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/down'));
  receiver.plan('/down', [{ status: 500 }]);
  await app.capture(ws, { email: 'down@example.com' });
  await app.triggerScheduled();
  const disabled = await app.waitFor(async () => {
    const row = (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).body;
    return row.enabled === false && row;
  }, { timeoutMs: 30_000, intervalMs: 250, what: 'the endpoint to be disabled' });
  assert.equal(disabled.disabled_reason, 'failing');
  const [delivery] = await app.waitFor(async () => {
    const rows = await deliveries(ws, endpoint.id);
    return rows[0].status === 'failed' && rows;
  }, { timeoutMs: 15_000 });
  assert.ok(delivery.attempt_count >= 2);
  const enabled = await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { enabled: true });
  assert.equal(enabled.body.enabled, true);
  assert.equal(enabled.body.failing_since, null);
});

test('a job of a kind this release does not know fails with that reason and is never sent elsewhere', async () => {
  const { ws, endpoint } = await app.createWebhook(receiver.url('/unknown-kind'));
  const lead = await app.capture(ws, { email: 'unknown-kind@example.com' });
  const [delivered] = await app.waitFor(async () => {
    await app.triggerScheduled();
    const rows = await deliveries(ws, endpoint.id);
    return rows[0]?.status === 'succeeded' && rows;
  }, { timeoutMs: 15_000, what: "the lead's own delivery to settle" });
  // As a newer release (or a bad write) might leave it: a job of a kind this one cannot carry out.
  await app.sql(`INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, created_at, updated_at)
    SELECT 'dlv_unknown_kind', workspace_id, event_id, event_type, 'fax', target_id, 0, 0, 0 FROM deliveries WHERE workspace_id = '${ws.id}' AND id = '${delivered.id}'`);
  const [planted] = await app.sql(`SELECT lead_id FROM deliveries WHERE id = 'dlv_unknown_kind'`);
  assert.equal(planted.lead_id, lead.body.id, 'every job names its lead, whoever wrote it');
  await app.triggerScheduled();
  const failed = await app.waitFor(async () => {
    const row = (await deliveries(ws, endpoint.id)).find((d) => d.id === 'dlv_unknown_kind');
    return row?.status === 'failed' && row.dead_lettered_at && row;
  }, { timeoutMs: 15_000, what: 'the unknown job to fail and be dead-lettered' });
  assert.equal(failed.attempt_count, 1);
  assert.match(failed.attempts[0].error, /unknown job kind 'fax'/);
  assert.equal(receiver.to('/unknown-kind').length, 1, 'only the real delivery reached the endpoint');
});
