// The service never feeds itself: a webhook URL on one of its own hosts is
// refused (422 naming url); every outbound request carries its delivery id,
// and a capture bearing one of our delivery headers is refused (so an
// endpoint an older release let point at a capture URL makes no lead); the
// leads a workspace's API keys and capture URLs create are capped per minute
// (429 + Retry-After), the hits shown in its rejections.
import test from 'node:test';
import assert from 'node:assert/strict';
import { useAppWithTelegram } from './support/response.mjs';
import { attemptsToCross } from './support/limits.mjs';


const TOKEN = '123456:loops-test-token';
let app, receiver, telegram;
useAppWithTelegram({ vars: { PUBLIC_HOSTS: 'leads.example.test, api.example.test' } }, (r) => ({ app, receiver, telegram } = r));

async function captureUrl(ws, field_mapping = {}) {
  const created = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Form tool', field_mapping });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

const leadCount = async (ws) => (await app.sql(`SELECT count(*) AS n FROM leads WHERE workspace_id = '${ws.id}'`))[0].n;

test("a webhook URL on the service's own hosts is refused, naming url", async () => {
  const ws = await app.createWorkspace({ name: 'Own hosts' });
  const { id } = await captureUrl(ws);
  const port = new URL(app.baseUrl).port;
  for (const url of [
    `${app.baseUrl}/api/inbound/w/${id}/leads`,
    `http://localhost:${port}/api/inbound/w/${id}/leads`,
    `https://leads.example.test/api/inbound/w/${id}/leads`,
    `https://API.example.test:8443/api/inbound/${ws.id}/leads`,
    'https://leadsbot.acme.workers.dev/api/inbound/w/wh_x/leads',
  ]) {
    const refused = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url });
    assert.equal(refused.status, 422, url);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(refused.body.errors.map((e) => [e.field, e.code]), [['url', 'own_host']], url);
  }
  const ok = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/elsewhere') });
  assert.equal(ok.status, 201, 'another program on this machine is a receiver like any');
  const moved = await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${ok.body.id}`, { url: `${app.baseUrl}/api/inbound/w/${id}/leads` });
  assert.deepEqual([moved.status, moved.body.errors?.[0].field], [422, 'url']);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${ok.body.id}`)).body.url, receiver.url('/elsewhere'));
});

test('a capture bearing our delivery header is refused: an endpoint pointing back at a capture URL makes no lead', async () => {
  const ws = await app.createWorkspace({ name: 'Loop' });
  // Mapped so that our own lead.created event would make a lead of it.
  const { id, url } = await captureUrl(ws, { email: 'data.email', name: 'data.name' });
  // As an older release allowed: an endpoint whose URL is this capture URL.
  const endpoint = (await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/loop'), events: ['lead.created'] })).body;
  await app.sql(`UPDATE webhook_endpoints SET url = '${url}' WHERE id = '${endpoint.id}'`);
  assert.equal((await app.capture(ws, { email: 'first@example.com' })).status, 201);
  const attempted = await app.waitFor(async () => {
    const [job] = (await app.api(ws.api_key, 'GET', `/api/v1/deliveries?channel=webhook`)).body.data;
    const detail = job && (await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${job.id}`)).body;
    return detail?.attempts.length > 0 && detail;
  }, { timeoutMs: 20_000, what: 'the delivery into the capture URL' });
  assert.equal(attempted.attempts[0].status_code, 422);
  assert.match(attempted.attempts[0].response_excerpt, /delivery_loop/);
  assert.equal(await leadCount(ws), 1, 'the delivery made no lead');

  const post = (headers) => app.request('POST', `/api/inbound/w/${id}/leads`, { headers, body: { data: { email: 'relay@example.com' } } });
  for (const [header, value] of [['X-LeadsBot-Delivery', 'dlv_01J00000000000000000000000'], ['webhook-id', 'dlv_01J00000000000000000000000']]) {
    const refused = await post({ [header]: value });
    assert.equal(refused.status, 422, header);
    assert.deepEqual(refused.body.errors.map((e) => [e.field, e.code]), [[header, 'delivery_loop']]);
  }
  const direct = await app.request('POST', `/api/inbound/${ws.id}/leads`, { headers: { Authorization: `Bearer ${ws.api_key}`, 'X-LeadsBot-Delivery': 'dlv_x' }, body: { email: 'relay@example.com' } });
  assert.equal(direct.status, 422, 'the API capture refuses it too');
  assert.equal((await post({ 'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' })).status, 201, "another sender's webhook-id is not ours");
  assert.equal(await leadCount(ws), 2);
});

test('every outbound request names its job: Telegram alerts carry X-LeadsBot-Delivery too', async () => {
  const ws = await app.createWorkspace({ name: 'Alerts' });
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: 'loops' })).status, 200);
  const lead = (await app.capture(ws, { email: 'alerted@example.com' })).body.id;
  const sent = await app.waitFor(() => telegram.requests.find((r) => r.json?.chat_id === 'loops' && r.json.text.includes('alerted@example.com')), { timeoutMs: 20_000, what: 'the alert' });
  const [job] = (await app.api(ws.api_key, 'GET', `/api/v1/deliveries?lead_id=${lead}&channel=telegram`)).body.data;
  assert.equal(sent.headers['x-leadsbot-delivery'], job.id);
});

test("a workspace's API keys and capture URLs are capped per minute together: 429 + Retry-After, shown in rejections", async () => {
  const ws = await app.createWorkspace({ name: 'Capped' });
  const urls = [];
  for (let i = 0; i < 6; i++) urls.push(await captureUrl(ws));
  // The cap counts in fixed minutes, which may turn while we send (support/limits.mjs).
  // Spread over six capture URLs, each stays under its own credential limit
  // (600 in 10 s) even then. Bodies without an email are refused (422) after
  // the cap is counted.
  const send = (i) => app.request('POST', `/api/inbound/w/${urls[i % urls.length].id}/leads`, { body: { name: 'No email' } });
  let capped;
  for (let sent = 0; sent < attemptsToCross('WORKSPACE_LEAD_LIMITER') + 60 && !capped; sent += 60) {
    capped = (await Promise.all(Array.from({ length: 60 }, (_, i) => send(sent + i)))).find((r) => r.status === 429);
  }
  assert.ok(capped, 'the workspace was never capped');
  assert.equal(capped.headers.get('content-type'), 'application/problem+json');
  assert.equal(capped.headers.get('retry-after'), '60', "the cap's minute, not a credential's 10 s");
  const byKey = await app.capture(ws, { email: 'after-cap@example.com' });
  assert.deepEqual([byKey.status, byKey.headers.get('retry-after')], [429, '60'], "the workspace's API keys share the cap");
  const other = await app.createWorkspace({ name: 'Not capped' });
  assert.equal((await app.capture(other, { email: 'free@example.com' })).status, 201, 'another workspace is not capped');
  const rejections = await app.waitFor(async () => (await app.api(ws.api_key, 'GET', '/api/v1/workspace/rejections')).body.data.find((r) => r.reason === 'lead_cap'), { what: 'the cap in rejections' });
  assert.equal(rejections.origin, null);
  assert.ok(rejections.count >= 1);
});
