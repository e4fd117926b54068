// Every door that costs a D1 read is limited (Workers Rate Limiting, which
// `wrangler dev` simulates): inbox sign-in by key and by link per client
// address and per workspace, requests with an unknown session per client
// address, the Telegram webhook per workspace, exports per API key. Each
// answers 429 with Retry-After; a different client, workspace or key is not
// held back.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { attemptsToCross } from './support/limits.mjs';

let app;
before(async () => {
  app = await spawnApp();
});
after(() => app?.stop());

/** A request as a browser at `client` (its address) sends it, redirects not followed. */
async function send(method, path, { client, cookie, form, headers = {} } = {}) {
  const init = { method, redirect: 'manual', headers: { 'CF-Connecting-IP': client, ...headers } };
  if (cookie) init.headers.Cookie = cookie;
  if (form) {
    init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.headers.Origin = app.baseUrl;
    init.body = new URLSearchParams(form).toString();
  }
  const response = await fetch(`${app.baseUrl}${path}`, init);
  await response.arrayBuffer();
  return response;
}

/** Sends `request()` up to `max` times, in order, until one answers 429; that one, and the statuses before it. */
async function untilLimited(request, max) {
  const before = [];
  for (let i = 0; i < max; i++) {
    const response = await request(i);
    if (response.status === 429) return { limited: response, before };
    before.push(response.status);
  }
  return { limited: undefined, before };
}

function assertLimited({ limited, before }, what) {
  assert.ok(limited, `${what} was never limited (${[...new Set(before)]})`);
  assert.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After');
}

test('sign-in is limited per client address, by key and by link alike', async () => {
  const ws = await app.createWorkspace({ name: 'Sign-in per client' });
  const result = await untilLimited(() => send('POST', '/app/sign-in', { client: '203.0.113.1', form: { api_key: 'lb_sk_wrong' } }), attemptsToCross('SIGN_IN_CLIENT_LIMITER'));
  assertLimited(result, 'a client guessing keys');
  assert.deepEqual([...new Set(result.before)], [401]);
  const link = new URL((await app.api(ws.api_key, 'POST', '/api/v1/inbox-links')).body.url).searchParams.get('link');
  assert.equal((await send('POST', '/app/sign-in', { client: '203.0.113.1', form: { link } })).status, 429, 'a link from the same client too');
  assert.equal((await send('POST', '/app/sign-in', { client: '203.0.113.2', form: { link } })).status, 303, 'another client signs in');
});

test('sign-in is limited per workspace; a link refused for it is kept', async () => {
  const ws = await app.createWorkspace({ name: 'Sign-in per workspace' });
  const result = await untilLimited((i) => send('POST', '/app/sign-in', { client: `198.51.100.${i + 1}`, form: { api_key: ws.api_key } }), attemptsToCross('SIGN_IN_WORKSPACE_LIMITER'));
  assertLimited(result, 'a workspace signed into from many addresses');
  assert.deepEqual([...new Set(result.before)], [303]);
  const link = new URL((await app.api(ws.api_key, 'POST', '/api/v1/inbox-links')).body.url).searchParams.get('link');
  assert.equal((await send('POST', '/app/sign-in', { client: '198.51.100.200', form: { link } })).status, 429);
  const [row] = await app.sql("SELECT count(*) AS n FROM inbox_links WHERE used_at IS NULL");
  assert.equal(row.n, 1, 'the link was not spent');
  const other = await app.createWorkspace({ name: 'Another workspace' });
  assert.equal((await send('POST', '/app/sign-in', { client: '198.51.100.201', form: { api_key: other.api_key } })).status, 303);
});

test('requests with an unknown session are limited per client address', async () => {
  const forged = (i) => `lb_session=lbs_forged${String(i).padStart(20, '0')}`;
  const result = await untilLimited((i) => send('GET', '/app', { client: '192.0.2.50', cookie: forged(i) }), attemptsToCross('UNKNOWN_SESSION_LIMITER'));
  assertLimited(result, 'a client making up sessions');
  assert.deepEqual([...new Set(result.before)], [303], 'each went to sign-in until the limit');
  assert.equal((await send('GET', '/app', { client: '192.0.2.50', cookie: forged(999) })).status, 429, 'and stays refused');
  assert.equal((await send('GET', '/app', { client: '192.0.2.51', cookie: forged(1000) })).status, 303, 'another client is not');
});

test('the Telegram webhook is limited per workspace', async () => {
  const ws = await app.createWorkspace({ name: 'Telegram' });
  const post = () => send('POST', `/telegram/webhook/${ws.id}`, { client: '192.0.2.60', headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': 'wrong' } });
  let result = { before: [] };
  for (let sent = 0; sent < attemptsToCross('TELEGRAM_WEBHOOK_LIMITER') + 50 && !result.limited; sent += 50) {
    const answers = await Promise.all(Array.from({ length: 50 }, post));
    result = { limited: answers.find((r) => r.status === 429), before: [...result.before, ...answers.map((r) => r.status)] };
  }
  assertLimited(result, "a workspace's bot webhook");
  const other = await app.createWorkspace({ name: 'Other bot' });
  assert.equal((await send('POST', `/telegram/webhook/${other.id}`, { client: '192.0.2.60', headers: { 'Content-Type': 'application/json' } })).status, 401);
});

test('exports are limited per API key', async () => {
  const ws = await app.createWorkspace({ name: 'Exports' });
  const exportWith = (key) => send('GET', '/api/v1/leads/export?format=ndjson', { client: '192.0.2.70', headers: { Authorization: `Bearer ${key}` } });
  const result = await untilLimited(() => exportWith(ws.api_key), attemptsToCross('EXPORT_LIMITER'));
  assertLimited(result, 'an API key exporting');
  assert.deepEqual([...new Set(result.before)], [200]);
  assert.equal(result.limited.headers.get('content-type'), 'application/problem+json');
  const second = (await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: 'second', scopes: ['read'] })).body.key;
  assert.equal((await exportWith(second)).status, 200, 'another key is not limited');
});
