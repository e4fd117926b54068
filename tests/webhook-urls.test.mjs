// Receivers only on the public internet: webhook URLs are refused at creation
// in every notation of an internal address, and checked again before every
// attempt (a URL planted in D1 behind the API is never called: its endpoint
// is disabled with the reason and its delivery stays recoverable). The
// Telegram API base passes the same check. The app runs under
// WEBHOOK_URL_POLICY=allow-localhost, which allows only 127.0.0.1 and
// localhost written exactly so, so every other spelling of this machine
// below points at a live local receiver and would be reached without the rule.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const TOKEN = '123456:TEST-token_abcdefghijklmnop';
let app, receiver, telegram;

/** The same receiver, written as 0x7f000001: WHATWG parsers read it as 127.0.0.1. */
const hexSpelling = (url) => url.replace('//127.0.0.1', '//0x7f000001');
const quote = (text) => `'${String(text).replaceAll("'", "''")}'`;

before(async () => {
  receiver = await startReceiver();
  telegram = await startReceiver();
  app = await spawnApp({ vars: { DELIVERY_RETRY_SCHEDULE: '1,1,1', TELEGRAM_API_BASE: hexSpelling(telegram.url('')) } });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
  await telegram?.close();
});

const createEndpoint = (ws, url) => app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url });

function assertRefusedUrl(response, url) {
  assert.equal(response.status, 422, `${url}: ${JSON.stringify(response.body)}`);
  assert.ok(response.body.errors.some((e) => e.field === 'url'), `${url}: ${JSON.stringify(response.body)}`);
}

const INTERNAL = [
  'https://0x7f000001/', 'https://2130706433/', 'https://127.1/', 'https://0177.0.0.1/', 'https://%31%32%37.0.0.1/',
  'https://１２７.０.０.１/', 'https://[::ffff:127.0.0.1]/', 'https://[::ffff:7f00:1]/', 'https://[::1]/', 'https://[fe80::1]/',
  'https://[fc00::1]/', 'https://[64:ff9b::a9fe:a9fe]/', 'https://[2002:a9fe:a9fe::]/', 'https://10.0.0.1/',
  'https://172.16.0.1/', 'https://192.168.1.1/', 'https://100.64.0.1/', 'https://169.254.169.254/latest/meta-data/',
  'https://0.0.0.0/', 'https://255.255.255.255/', 'https://224.0.0.1/', 'https://192.0.2.1/', 'https://198.18.0.1/',
  'https://LocalHost./', 'https://localhost../', 'https://api.localhost/', 'https://printer.local/',
  'https://metadata.google.internal./', 'https://intranet/',
  'https://user:pass@hooks.example.com/', 'http://hooks.example.com/', 'ftp://hooks.example.com/', 'file:///etc/passwd',
];

test('creation and PATCH refuse every internal address, in every notation, with a 422 naming url', async () => {
  const ws = await app.createWorkspace({ name: 'ssrf-create' });
  for (const url of INTERNAL) assertRefusedUrl(await createEndpoint(ws, url), url);
  const endpoint = await createEndpoint(ws, 'https://hooks.example.com/in');
  assert.equal(endpoint.status, 201);
  for (const url of ['https://169.254.169.254/', 'https://[::ffff:7f00:1]/', 'https://user:pw@hooks.example.com/']) {
    assertRefusedUrl(await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.body.id}`, { url }), url);
  }
  const unchanged = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.body.id}`);
  assert.equal(unchanged.body.url, 'https://hooks.example.com/in');
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/webhooks')).body.data.length, 1, 'nothing refused was stored');
});

test('public receivers are accepted; the dev switch adds only 127.0.0.1 and localhost as written', async () => {
  const ws = await app.createWorkspace({ name: 'ssrf-allowed' });
  const local = new URL(receiver.url('/x'));
  const allowed = ['https://hooks.example.com/x', 'https://hooks.example.com:8443/x?y=1', 'https://[2606:4700:4700::1111]/x',
    `http://127.0.0.1:${local.port}/x`, `http://localhost:${local.port}/x`, `https://127.0.0.1:${local.port}/x`];
  for (const url of allowed) {
    const created = await createEndpoint(ws, url);
    assert.equal(created.status, 201, `${url}: ${JSON.stringify(created.body)}`);
    assert.equal(created.body.url, url);
  }
  // Other spellings of this machine are refused even though they are 127.0.0.1: the exception is for what a developer types.
  const refused = ['http://10.0.0.1/', `http://[::1]:${local.port}/x`, `http://0x7f000001:${local.port}/x`, `http://127.1:${local.port}/x`,
    `http://2130706433:${local.port}/x`, `http://localhost.:${local.port}/x`, 'http://169.254.169.254/', 'https://169.254.169.254/', 'http://127.0.0.2/'];
  for (const url of refused) assertRefusedUrl(await createEndpoint(ws, url), url);
});

/** A workspace whose endpoint works, then has its URL rewritten in D1 behind the API. */
async function plantedEndpoint(name, plantedUrl) {
  const ws = await app.createWorkspace({ name });
  const path = `/${name}`;
  const endpoint = (await createEndpoint(ws, receiver.url(path))).body;
  await app.capture(ws, { email: `before@${name}.example` });
  await receiver.waitForCount(path, 1);
  await app.sql(`UPDATE webhook_endpoints SET url = ${quote(plantedUrl)} WHERE id = ${quote(endpoint.id)}`);
  return { ws, endpoint, path };
}

const newestDelivery = (ws, endpointId, status) => app.waitFor(async () => {
  const { body } = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpointId}/deliveries`);
  const [first] = body.data;
  return first?.status === status && first;
}, { timeoutMs: 30_000, intervalMs: 200, what: `a ${status} delivery` });

test('a URL changed behind the API is refused before the attempt: nothing sent, endpoint disabled, delivery recoverable', async () => {
  const cases = [
    { name: 'planted-hex', url: hexSpelling(receiver.url('/planted-hex')), reason: /^not sent: url host 127\.0\.0\.1 is a loopback address/ },
    { name: 'planted-metadata', url: 'https://169.254.169.254/latest/meta-data/', reason: /^not sent: url host 169\.254\.169\.254 is a link-local address/ },
    { name: 'planted-private', url: 'http://10.0.0.1/hook', reason: /^not sent: url host 10\.0\.0\.1 is a private address/ },
  ];
  // One case at a time: each plants its URL with `wrangler d1 execute` on the database the worker
  // is using; run side by side on a loaded machine, one case's delivery once missed its 30 s wait.
  for (const { name, url, reason } of cases) {
    const { ws, endpoint, path } = await plantedEndpoint(name, url);
    const since = new Date().toISOString();
    await app.capture(ws, { email: `after@${name}.example` });
    const failed = await app.waitFor(async () => {
      const { body } = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}/deliveries?status=failed`);
      return body.data[0];
    }, { timeoutMs: 30_000, intervalMs: 200, what: `${name}: a failed delivery` });
    assert.equal(failed.attempts.length, 1, `${name}: refused once, not retried`);
    assert.equal(failed.attempts[0].status_code, null);
    assert.match(failed.attempts[0].error, reason);
    assert.match(failed.last_error, reason);
    assert.equal(receiver.to(path).length, 1, `${name}: only the delivery before the change arrived`);
    const disabled = (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}`)).body;
    assert.equal(disabled.enabled, false);
    assert.equal(disabled.disabled_reason, 'url_not_allowed');
    // Not turned back on while the URL is still refused; recovered once it is fixed.
    assertRefusedUrl(await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { enabled: true }), url);
    const fixed = await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${endpoint.id}`, { url: receiver.url(path), enabled: true });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    const recovered = await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${endpoint.id}/recover`, { since });
    assert.equal(recovered.body.replayed, 1, JSON.stringify(recovered.body));
    await receiver.waitForCount(path, 2);
    assert.equal(receiver.to(path)[1].json.data.email, `after@${name}.example`);
    await newestDelivery(ws, endpoint.id, 'succeeded');
  }
});

test('a TELEGRAM_API_BASE that is not allowed fails the attempt with the reason and sends nothing', async () => {
  const ws = await app.createWorkspace({ name: 'ssrf-telegram' });
  const put = await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: '42' });
  assert.equal(put.status, 200);
  await app.capture(ws, { email: 'alert@example.com' });
  const query = `SELECT d.status, a.error FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
    WHERE d.workspace_id = ${quote(ws.id)} AND d.target_kind = 'telegram'`;
  const [attempt] = await app.waitFor(async () => {
    const rows = await app.sql(query);
    return rows[0]?.status === 'failed' && rows;
  }, { timeoutMs: 60_000, intervalMs: 500, what: 'a failed Telegram delivery' });
  assert.match(attempt.error, /^not sent: url host 127\.0\.0\.1 is a loopback address/);
  assert.ok(!attempt.error.includes(TOKEN), 'the bot token is not in the error');
  await app.waitFor(() => app.logs().includes('TELEGRAM_API_BASE is not allowed'), { what: 'the refusal in the log' });
  assert.ok(!app.logs().includes(TOKEN), 'the bot token is not logged');
  assert.equal(telegram.requests.length, 0, 'nothing reached the Telegram stand-in');
});
