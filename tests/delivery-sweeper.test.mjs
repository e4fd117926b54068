// Delivery without the queue's help: every producer send is dropped
// (DELIVERY_SKIP_ENQUEUE, honoured only under allow-localhost), so only the
// cron sweeper can get deliveries moving. Also: endpoints failing every
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
    vars: { DELIVERY_SKIP_ENQUEUE: '1', DELIVERY_SWEEP_AFTER_SECS: '0', DELIVERY_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1', ENDPOINT_DISABLE_AFTER_SECS: '2' },
  });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

async function setup(path) {
  const ws = await app.createWorkspace({ name: path });
  const created = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(path) });
  return { ws, endpoint: created.body, secret: created.body.secret };
}

const deliveries = async (ws, id) => (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${id}/deliveries`)).body.data;

test('a lost enqueue is recovered by the sweeper', async () => {
  const { ws, endpoint, secret } = await setup('/swept');
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
  await app.triggerScheduled();
  await new Promise((r) => setImmediate(r));
  assert.equal((await deliveries(ws, endpoint.id))[0].attempt_count, 1, 'a delivered row is not swept again');
});

test('an endpoint failing every delivery for the configured period is disabled', async () => {
  const { ws, endpoint } = await setup('/down');
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
