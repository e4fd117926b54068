// Inbound capture: every way a lead can arrive, and every way it can be refused.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { signInbound } from './support/signing.mjs';

let app, ws;
before(async () => {
  app = await spawnApp();
  ws = await app.createWorkspace({ name: 'Capture', allowed_origins: ['https://site.example'] });
});
after(() => app?.stop());

const inbound = () => `/api/inbound/${ws.id}/leads`;
const browser = (body, headers = {}) =>
  app.request('POST', inbound(), { headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: 'https://site.example', ...headers }, raw: JSON.stringify(body) });
const leadById = async (id) => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body;

function assertProblem(response, status) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  assert.equal(response.body.status, status);
  for (const key of ['type', 'title', 'detail']) assert.equal(typeof response.body[key], 'string', key);
}

test('a browser posts text/plain JSON with the public token and gets CORS headers', async () => {
  const response = await browser({ _token: ws.public_token, email: ' Ada@Example.COM ', name: 'Ada', plan: 'pro' });
  assert.equal(response.status, 201);
  assert.equal(response.body.status, 'new');
  assert.match(response.body.id, /^lead_[0-9A-Z]{26}$/);
  assert.equal(response.headers.get('access-control-allow-origin'), 'https://site.example');
  const lead = await leadById(response.body.id);
  assert.equal(lead.email, 'Ada@example.com');
  assert.equal(lead.source, 'widget');
  assert.deepEqual(lead.custom, { plan: 'pro' });
  assert.equal(lead.user_agent !== undefined, true);
  assert.equal('ip' in lead, false, 'no raw IP at rest');
});

test('the public token also works as a header', async () => {
  const response = await browser({ email: 'header@example.com' }, { 'X-LeadsBot-Token': ws.public_token });
  assert.equal(response.status, 201);
});

test('urlencoded and multipart forms are read, files are dropped', async () => {
  const form = new URLSearchParams({ _token: ws.public_token, email: 'form@example.com', name: 'Form Person', utm_source: 'news' });
  const urlencoded = await app.request('POST', inbound(), { headers: { Origin: 'https://site.example', 'Content-Type': 'application/x-www-form-urlencoded' }, raw: form.toString() });
  assert.equal(urlencoded.status, 201);
  assert.equal((await leadById(urlencoded.body.id)).utm_source, 'news');

  const multipart = new FormData();
  multipart.set('_token', ws.public_token);
  multipart.set('email', 'multi@example.com');
  multipart.set('cv', new Blob(['%PDF-1.4'], { type: 'application/pdf' }), 'cv.pdf');
  const response = await fetch(`${app.baseUrl}${inbound()}`, { method: 'POST', headers: { Origin: 'https://site.example' }, body: multipart });
  assert.equal(response.status, 201);
  const lead = await leadById((await response.json()).id);
  assert.equal(lead.email, 'multi@example.com');
  assert.deepEqual(lead.custom, {});
});

test('a server signature authenticates a post', async () => {
  const raw = JSON.stringify({ email: 'signed@example.com', source: 'crm' });
  const ok = await app.request('POST', inbound(), { headers: { 'Content-Type': 'application/json', ...signInbound(ws.inbound_signing_secret, raw) }, raw });
  assert.equal(ok.status, 201);
  assert.equal((await leadById(ok.body.id)).source, 'crm');

  const tampered = await app.request('POST', inbound(), { headers: { 'Content-Type': 'application/json', ...signInbound(ws.inbound_signing_secret, raw) }, raw: raw.replace('signed', 'forged') });
  assertProblem(tampered, 401);
  const stale = await app.request('POST', inbound(), { headers: { 'Content-Type': 'application/json', ...signInbound(ws.inbound_signing_secret, raw, Math.floor(Date.now() / 1000) - 600) }, raw });
  assertProblem(stale, 401);
  assert.match(stale.body.detail, /5 minutes/);
});

test('an API key needs the write scope to capture', async () => {
  const readOnly = (await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: 'reader', scopes: ['read'] })).body.key;
  const refused = await app.request('POST', inbound(), { headers: { Authorization: `Bearer ${readOnly}` }, body: { email: 'a@b.co' } });
  assertProblem(refused, 403);
  const accepted = await app.capture(ws, { email: 'api@example.com' });
  assert.equal(accepted.status, 201);
  assert.equal((await leadById(accepted.body.id)).source, 'api');
});

test('credentials are required and checked', async () => {
  assertProblem(await app.request('POST', inbound(), { body: { email: 'a@b.co' } }), 401);
  const forged = `pk_${ws.id}_AAAAAAAAAAAAAAAAAAAAAAAA`;
  assertProblem(await browser({ _token: forged, email: 'a@b.co' }), 401);
  assertProblem(await app.request('POST', inbound(), { headers: { Authorization: 'Bearer lb_sk_nope' }, body: { email: 'a@b.co' } }), 401);
});

test('origins outside the allow-list are refused, and preflights follow the same list', async () => {
  assertProblem(await browser({ _token: ws.public_token, email: 'a@b.co' }, { Origin: 'https://evil.example' }), 403);
  const allowed = await app.request('OPTIONS', inbound(), { headers: { Origin: 'https://site.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://site.example');
  assert.match(allowed.headers.get('access-control-allow-headers'), /Content-Type/);
  const refused = await app.request('OPTIONS', inbound(), { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
  assertProblem(refused, 403);
  assert.equal(refused.headers.get('access-control-allow-origin'), null);
});

test('unknown businesses and other workspaces look alike: 404', async () => {
  const other = await app.createWorkspace({ name: 'Other' });
  assertProblem(await app.request('POST', `/api/inbound/${other.id}/leads`, { headers: { Authorization: `Bearer ${ws.api_key}` }, body: { email: 'a@b.co' } }), 404);
  assertProblem(await app.request('POST', `/api/inbound/${other.id}/leads`, { headers: { 'Content-Type': 'text/plain', Origin: 'https://site.example' }, raw: JSON.stringify({ _token: ws.public_token, email: 'a@b.co' }) }), 404);
  assertProblem(await app.request('POST', '/api/inbound/ws_00000000000000000000000000/leads', { headers: { Authorization: `Bearer ${ws.api_key}` }, body: { email: 'a@b.co' } }), 404);
});

test('bad bodies get 400, 413, 415 and 422 problems', async () => {
  assertProblem(await app.request('POST', inbound(), { headers: { Authorization: `Bearer ${ws.api_key}`, 'Content-Type': 'application/json' }, raw: '{"email": ' }), 400);
  assertProblem(await app.request('POST', inbound(), { headers: { Authorization: `Bearer ${ws.api_key}`, 'Content-Type': 'application/json' }, raw: '[1, 2]' }), 400);
  assertProblem(await app.request('POST', inbound(), { headers: { Authorization: `Bearer ${ws.api_key}`, 'Content-Type': 'application/json' }, raw: 'x'.repeat(70 * 1024) }), 413);
  assertProblem(await app.request('POST', inbound(), { headers: { Authorization: `Bearer ${ws.api_key}`, 'Content-Type': 'application/xml' }, raw: '<lead/>' }), 415);

  const missing = await app.capture(ws, { name: 'No Email' });
  assertProblem(missing, 422);
  assert.deepEqual(missing.body.errors.map((e) => [e.field, e.code]), [['email', 'required']]);
  const invalid = await app.capture(ws, { email: 'not-an-email', name: 'x'.repeat(300) });
  assertProblem(invalid, 422);
  assert.deepEqual(invalid.body.errors.map((e) => [e.field, e.code]), [['email', 'invalid_email'], ['name', 'too_long']]);
  const tooMany = await app.capture(ws, Object.fromEntries([['email', 'a@b.co'], ...Array.from({ length: 51 }, (_, i) => [`f${i}`, 'v'])]));
  assertProblem(tooMany, 422);
  assert.equal(tooMany.body.errors[0].code, 'too_many_fields');
});

test('a streamed body without Content-Length is read, and cut off past 64 KiB', async () => {
  const streamed = (text) => fetch(`${app.baseUrl}${inbound()}`, {
    method: 'POST',
    duplex: 'half',
    headers: { Authorization: `Bearer ${ws.api_key}`, 'Content-Type': 'application/json' },
    body: new ReadableStream({
      start(controller) {
        for (let i = 0; i < text.length; i += 8192) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 8192)));
        controller.close();
      },
    }),
  });
  const small = await streamed(JSON.stringify({ email: 'streamed@example.com' }));
  assert.equal(small.status, 201);
  const huge = await streamed(JSON.stringify({ email: 'huge@example.com', message: 'x'.repeat(100 * 1024) }));
  assert.equal(huge.status, 413);
  assert.equal(huge.headers.get('content-type'), 'application/problem+json');
});

test('a filled honeypot looks accepted but is stored as spam', async () => {
  const response = await browser({ _token: ws.public_token, email: 'bot@spam.example', _gotcha: 'http://spam.example' });
  assert.equal(response.status, 201);
  assert.equal(response.body.status, 'new');
  assert.equal((await leadById(response.body.id)).status, 'spam');
});

test('browser abuse per token and client is limited with 429 and Retry-After', async () => {
  const limited = await app.createWorkspace({ name: 'Limited' });
  const post = () => app.request('POST', `/api/inbound/${limited.id}/leads`, { headers: { 'Content-Type': 'text/plain', 'CF-Connecting-IP': '203.0.113.9' }, raw: JSON.stringify({ _token: limited.public_token, email: 'flood@example.com' }) });
  const statuses = [];
  for (let i = 0; i < 40 && !statuses.includes(429); i++) statuses.push((await post()).status);
  assert.ok(statuses.includes(429), `no 429 among ${statuses}`);
  const response = await post();
  assertProblem(response, 429);
  assert.ok(Number(response.headers.get('retry-after')) > 0);
});

test('garbage never produces a 5xx', async () => {
  const types = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'multipart/form-data', 'application/merge-patch+json', ''];
  const bodies = ['', '{}', 'null', '"str"', '{"email": null}', '{"email": ["a"]}', '{"custom": 5}', '%%%', '--x\r\n\r\n', '\u0000\u00ff', '{"email":"a@b.co","context":{"page_url":"?utm_source=%zz"}}'];
  for (const type of types) {
    for (const raw of bodies) {
      const headers = { Authorization: `Bearer ${ws.api_key}` };
      if (type) headers['Content-Type'] = type;
      const response = await app.request('POST', inbound(), { headers, raw });
      assert.ok(response.status < 500, `${type} ${JSON.stringify(raw)} -> ${response.status}`);
      if (response.status >= 400) assert.equal(response.headers.get('content-type'), 'application/problem+json');
    }
  }
});
