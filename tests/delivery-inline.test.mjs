// The first attempt leaves with the request that wrote the job: right after
// the response, claimed as the queue consumer claims, so the queue never
// makes it again. The second server loses every queue send
// (DELIVERY_SKIP_ENQUEUE) and runs no sweeper, so whatever reaches a receiver
// there was sent by the request itself: capture, a PATCH, a Telegram button,
// a workflow trigger, a replay and a campaign's resume. Captures that arrive
// while the isolate's first attempts are all busy hand their jobs to one
// group, and the request that frees a slot sends them.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp, faultLines } from './support/app.mjs';
import { startReceiver, verifyLeadsBotSignature } from './support/receiver.mjs';
import { startTelegram } from './support/telegram.mjs';

const TOKEN = '123456:TEST-inline-token';
let app, lossy, receiver, telegram;
before(async () => {
  receiver = await startReceiver();
  telegram = await startTelegram();
  const vars = { TELEGRAM_API_BASE: telegram.url, DELIVERY_RETRY_SCHEDULE: '1,1,1' };
  // At log level debug, so that the harness sees a request the runtime cancels as hung (faultLines).
  app = await spawnApp({ vars, logLevel: 'debug' });
  lossy = await spawnApp({ vars: { ...vars, DELIVERY_SKIP_ENQUEUE: '1' }, logLevel: 'debug' });
});
after(async () => {
  await Promise.all([app?.stop(), lossy?.stop()]);
  await receiver?.close();
  await telegram?.close();
});

async function deliveries(on, ws, endpointId) {
  const response = await on.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpointId}/deliveries`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

const settled = (on, ws, endpointId, attempts) => on.waitFor(async () => {
  const [row] = await deliveries(on, ws, endpointId);
  return row?.status === 'succeeded' && row.attempt_count >= attempts && row;
}, { timeoutMs: 30_000, intervalMs: 200, what: `a delivery succeeded after ${attempts} attempt(s)` });

const events = (path, type) => receiver.to(path).filter((r) => r.json?.event === type);

test("a lone lead's webhook is attempted once, and the queue does not attempt it again", async () => {
  const { ws, endpoint, secret } = await app.createWebhook(receiver.url('/once'));
  // A second endpoint whose retry goes through the queue: once it is in, the
  // queue has run since the capture, and had it been handed the first
  // endpoint's delivery, that would have been consumed by then too.
  const retried = (await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/once-retried') })).body;
  receiver.plan('/once-retried', [{ status: 500 }, { status: 200 }]);
  const lead = await app.capture(ws, { email: 'lone@example.com' });
  assert.equal(lead.status, 201);
  await settled(app, ws, retried.id, 2);
  const [row] = await deliveries(app, ws, endpoint.id);
  assert.equal(row.status, 'succeeded');
  assert.equal(row.attempt_count, 1);
  assert.equal(row.attempts.length, 1, 'one attempt in the log');
  assert.equal(row.attempts[0].status_code, 200);
  const got = receiver.to('/once');
  assert.equal(got.length, 1, 'the receiver got it once');
  assert.equal(got[0].headers['webhook-id'], row.id);
  assert.equal(got[0].json.data.id, lead.body.id);
  assert.ok(verifyLeadsBotSignature(got[0].rawBody, got[0].headers['x-leadsbot-signature'], secret));
});

test('with every queue send lost and no sweeper, the capture itself delivers its webhook and Telegram alert', async () => {
  const { ws, endpoint, secret } = await lossy.createWebhook(receiver.url('/lossy'));
  assert.equal((await lossy.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: 7 })).status, 200);
  const lead = await lossy.capture(ws, { email: 'inline@example.com' });
  assert.equal(lead.status, 201);
  await receiver.waitForCount('/lossy', 1);
  const [request] = receiver.to('/lossy');
  assert.equal(request.json.data.id, lead.body.id);
  assert.ok(verifyLeadsBotSignature(request.rawBody, request.headers['x-leadsbot-signature'], secret));
  await lossy.waitFor(() => telegram.calls('sendMessage', TOKEN).some((c) => c.json.text.includes('inline@example.com')), { what: 'the Telegram alert' });
  const row = await settled(lossy, ws, endpoint.id, 1);
  assert.equal(row.attempt_count, 1);
});

test("captures that arrive while the isolate's first attempts are busy are attempted as one group by the request that frees a slot, each once", async () => {
  // The lossy server loses every queue send, so what reaches /gathered was sent by a capture's request.
  // Two captures whose receiver holds its answer keep both group slots (DELIVERY_MAX_IN_FLIGHT=2) busy.
  const busy = await lossy.createWebhook(receiver.url('/busy'));
  receiver.plan('/busy', [{ hold: true }]);
  for (const i of [1, 2]) assert.equal((await lossy.capture(busy.ws, { email: `busy${i}@example.com` })).status, 201);
  await receiver.waitForCount('/busy', 2);

  const { ws, endpoint, secret } = await lossy.createWebhook(receiver.url('/gathered'));
  const leads = await Promise.all([1, 2, 3, 4, 5].map((i) => lossy.capture(ws, { email: `gathered${i}@example.com` })));
  assert.deepEqual(leads.map((l) => l.status), [201, 201, 201, 201, 201]);
  assert.equal(receiver.to('/gathered').length, 0, 'while every slot is busy, they wait together');

  receiver.release('/busy');
  await receiver.waitForCount('/gathered', 5);
  const rows = await lossy.waitFor(async () => {
    const rows = await deliveries(lossy, ws, endpoint.id);
    return rows.length === 5 && rows.every((row) => row.status === 'succeeded') && rows;
  }, { what: 'five settled deliveries' });
  assert.deepEqual(rows.map((row) => row.attempt_count), [1, 1, 1, 1, 1], 'each attempted once');
  const got = receiver.to('/gathered');
  assert.deepEqual(got.map((r) => r.json.data.id).sort(), leads.map((l) => l.body.id).sort(), 'each lead once');
  assert.ok(got.every((r) => verifyLeadsBotSignature(r.rawBody, r.headers['x-leadsbot-signature'], secret)));
  const busyRows = await deliveries(lossy, busy.ws, busy.endpoint.id);
  assert.deepEqual(busyRows.map((row) => [row.status, row.attempt_count]), [['succeeded', 1], ['succeeded', 1]]);
  // A capture that handed its jobs on is done: none waited on another request's work (the runtime
  // cancels such a request as hung, and says so at log level debug).
  assert.deepEqual(faultLines(lossy.logs()), []);
});

test('with every queue send lost, a PATCH, a Telegram button, a workflow trigger and a replay each send their own work', async () => {
  const { ws, endpoint } = await lossy.createWebhook(receiver.url('/lossy-changes'));
  const token = '123457:TEST-inline-buttons';
  assert.equal((await lossy.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: token, chat_id: 8 })).status, 200);
  const lead = (await lossy.capture(ws, { email: 'changes@example.com' })).body;
  const alert = (await lossy.waitFor(() => telegram.calls('sendMessage', token).find((c) => c.json.text.includes('changes@example.com')), { what: 'the alert' })).message;

  // The button first: it acts only on the status its alert showed.
  assert.equal((await telegram.sendUpdate(token, telegram.pressUpdate(alert, 'Qualified'))).status, 200);
  await lossy.waitFor(() => events('/lossy-changes', 'lead.status_changed').some((r) => r.json.data.status === 'qualified'), { what: "the button's webhook" });

  assert.equal((await lossy.api(ws.api_key, 'PATCH', `/api/v1/leads/${lead.id}`, { status: 'contacted' })).status, 200);
  await lossy.waitFor(() => events('/lossy-changes', 'lead.status_changed').some((r) => r.json.data.status === 'contacted'), { what: 'the PATCH webhook' });

  const wf = await lossy.api(ws.api_key, 'POST', '/api/v1/workflows', { name: 'tag', trigger: { event: 'manual' }, actions: [{ type: 'add_tag', tag: 'inline' }] });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  assert.equal((await lossy.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.body.id}/trigger`, { lead_id: lead.id })).status, 202);
  await lossy.waitFor(async () => (await lossy.api(ws.api_key, 'GET', `/api/v1/leads/${lead.id}`)).body.tags.includes('inline'), { what: 'the triggered run' });

  const created = (await deliveries(lossy, ws, endpoint.id)).find((d) => d.event === 'lead.created');
  const before = receiver.to('/lossy-changes').filter((r) => r.headers['webhook-id'] === created.id).length;
  assert.equal((await lossy.api(ws.api_key, 'POST', `/api/v1/deliveries/${created.id}/retry`)).status, 202);
  await lossy.waitFor(() => receiver.to('/lossy-changes').filter((r) => r.headers['webhook-id'] === created.id).length === before + 1, { what: 'the replay' });
});

test("a paused campaign's alert is held, not attempted by the capture; resume sends it", async () => {
  const ws = await lossy.createWorkspace({ name: 'held' });
  const token = '123458:TEST-inline-held';
  assert.equal((await lossy.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: token, chat_id: 9 })).status, 200);
  const alerts = () => telegram.calls('sendMessage', token).map((c) => c.json.text);
  await lossy.capture(ws, { email: 'first@example.com', campaign: 'fall' });
  await lossy.waitFor(() => alerts().some((t) => t.includes('first@example.com')), { what: 'the active campaign alert' });
  const [campaign] = (await lossy.api(ws.api_key, 'GET', '/api/v1/campaigns')).body.data;
  assert.equal((await lossy.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.id}/pause`)).status, 200);
  await lossy.capture(ws, { email: 'held@example.com', campaign: 'fall' });
  // A later lead of another campaign is alerted by its capture: the held one's had its chance.
  await lossy.capture(ws, { email: 'later@example.com', campaign: 'spring' });
  await lossy.waitFor(() => alerts().some((t) => t.includes('later@example.com')), { what: 'the other campaign alert' });
  assert.ok(!alerts().some((t) => t.includes('held@example.com')), 'no alert while paused');
  assert.equal((await lossy.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.id}/resume`)).status, 200);
  await lossy.waitFor(() => alerts().some((t) => t.includes('held@example.com')), { what: 'the released alert' });
  assert.equal(alerts().filter((t) => t.includes('held@example.com')).length, 1);
});
