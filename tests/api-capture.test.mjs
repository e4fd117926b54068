// Inbound capture: every way a lead can arrive, and every way it can be refused.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { signInbound } from './support/signing.mjs';
import { attemptsToCross } from './support/limits.mjs';

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

test('the widget wire format 2: controls mapped on the server by the one alias table', async () => {
  const response = await browser({
    _v: 2, _token: ws.public_token, _submission_id: 'wire-2-a', source: 'widget',
    controls: [
      { name: 'your-email', value: 'wire2@example.com', type: 'email', autocomplete: 'email' },
      { name: 'First Name', value: 'Grace', type: 'text' },
      { name: 'lname', value: 'Hopper', type: 'text' },
      { name: 'input_7', value: '+1 555 0199', type: 'text', label: 'Telephone' },
      { name: 'org', value: 'Navy', type: 'text' },
      { name: 'contact[body]', value: 'Hello', type: 'textarea' },
      { name: 'x', value: 'Big', type: 'text', field: 'budget' },
      { name: 'topics', value: 'a', type: 'checkbox' }, { name: 'topics', value: 'b', type: 'checkbox' },
      { name: 'gform_unique_id', value: '5f1a', type: 'hidden' }, { name: '_wpnonce', value: 'n1', type: 'hidden' },
    ],
    context: { page_url: 'https://site.example/contact?utm_source=news', form_id: 'f1', page_title: 'T'.repeat(500) },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const lead = await leadById(response.body.id);
  assert.deepEqual(
    [lead.email, lead.name, lead.phone, lead.company, lead.message, lead.utm_source, lead.form_id, lead.page_title.length],
    ['wire2@example.com', 'Grace Hopper', '+1 555 0199', 'Navy', 'Hello', 'news', 'f1', 200],
  );
  assert.deepEqual(lead.custom, { budget: 'Big', topics: ['a', 'b'] });
});

test('an older cached widget (wire format 1, no _v) still captures', async () => {
  const response = await browser({
    _token: ws.public_token, _submission_id: 'wire-1-a', source: 'widget', email: 'wire1@example.com', name: 'Ada',
    phone: '+44 20 7946 0000', company: 'Engines', message: 'Old widget', custom: { topics: ['x', 'y'] },
    context: { page_url: 'https://site.example/old', form_id: 'old', campaign: 'legacy', utm_source: 'cache' },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const lead = await leadById(response.body.id);
  assert.deepEqual(
    [lead.email, lead.name, lead.phone, lead.company, lead.message, lead.campaign, lead.utm_source],
    ['wire1@example.com', 'Ada', '+44 20 7946 0000', 'Engines', 'Old widget', 'legacy', 'cache'],
  );
  assert.deepEqual(lead.custom, { topics: ['x', 'y'] });
});

test('an unknown wire version is refused by name', async () => {
  const response = await browser({ _v: 3, _token: ws.public_token, controls: [] });
  assertProblem(response, 422);
  assert.equal(response.body.errors[0].field, '_v');
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

test('unknown and other workspaces look alike: 404', async () => {
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
  // The fields that steer a capture are plain values, as the schema says: a group or a list is named, not ignored.
  const grouped = await app.capture(ws, { email: 'grouped@example.com', source: {}, _submission_id: ['a'] });
  assertProblem(grouped, 422);
  assert.deepEqual(grouped.body.errors.map((e) => [e.field, e.code]), [['source', 'invalid_type'], ['_submission_id', 'invalid_type']]);
  assert.equal((await app.listLeads(ws.api_key, { email: 'grouped@example.com' })).data.length, 0, 'nothing stored');
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
  for (let i = 0; i < attemptsToCross('CAPTURE_CLIENT_LIMITER') && !statuses.includes(429); i++) statuses.push((await post()).status);
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

test("a browser holding the public token cannot take over a server's idempotency key", async () => {
  const key = 'order-2026-0001';
  const fromBrowser = { 'Idempotency-Key': key, 'CF-Connecting-IP': '192.0.2.10' };
  const attacker = await browser({ _token: ws.public_token, email: 'evil@attacker.example' }, fromBrowser);
  assert.equal(attacker.status, 201);
  const server = await app.capture(ws, { email: 'buyer@shop.example' }, { headers: { 'Idempotency-Key': key } });
  assert.equal(server.status, 201, 'the server gets its own lead, not a replay of the browser\'s');
  assert.equal(server.headers.get('idempotent-replayed'), null);
  assert.notEqual(server.body.id, attacker.body.id);
  assert.equal((await leadById(server.body.id)).email, 'buyer@shop.example');

  // Each class still replays its own retries; signed posts are servers too.
  const retried = await app.capture(ws, { email: 'buyer@shop.example' }, { headers: { 'Idempotency-Key': key } });
  assert.deepEqual([retried.status, retried.body.id], [200, server.body.id]);
  const raw = JSON.stringify({ email: 'buyer@shop.example' });
  const signed = await app.request('POST', inbound(), { headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, ...signInbound(ws.inbound_signing_secret, raw) }, raw });
  assert.deepEqual([signed.status, signed.body.id], [200, server.body.id]);
  const browserRetry = await browser({ _token: ws.public_token, email: 'evil@attacker.example' }, fromBrowser);
  assert.deepEqual([browserRetry.status, browserRetry.body.id], [200, attacker.body.id]);
});

test('idempotency keys outlive the widget\'s 7-day retries: a retry after 2 days is not stored twice', async () => {
  const headers = { 'CF-Connecting-IP': '192.0.2.11' };
  const first = await browser({ _token: ws.public_token, email: 'patient@example.com', _submission_id: 'sub-late-retry' }, headers);
  assert.equal(first.status, 201);
  // The claim was made two days ago, as far as the database knows.
  await app.sql(`UPDATE idempotency_keys SET created_at = created_at - ${2 * 86_400_000} WHERE key = 'sub-late-retry'`);
  const retry = await browser({ _token: ws.public_token, email: 'patient@example.com', _submission_id: 'sub-late-retry' }, headers);
  assert.deepEqual([retry.status, retry.body.id], [200, first.body.id]);
  // Past the window (8 days: the outbox's 7 plus a day of clock slack) a key may be used again.
  await app.sql(`UPDATE idempotency_keys SET created_at = created_at - ${7 * 86_400_000} WHERE key = 'sub-late-retry'`);
  const reused = await browser({ _token: ws.public_token, email: 'patient@example.com', _submission_id: 'sub-late-retry' }, headers);
  assert.equal(reused.status, 201);
});

test('an idempotency key names one request: the same fields (in any key order) replay, different fields are a 422 that writes nothing', async () => {
  const shop = await app.createWorkspace({ name: 'Reused keys', allowed_origins: ['https://site.example'] });
  const key = 'order-2026-0042';
  const server = (fields) => app.capture(shop, fields, { headers: { 'Idempotency-Key': key } });
  const stored = async () => ({
    leads: await app.sql(`SELECT id, name, message FROM leads WHERE workspace_id = '${shop.id}' ORDER BY id`),
    events: await app.sql(`SELECT id FROM events WHERE workspace_id = '${shop.id}' ORDER BY id`),
    keys: await app.sql(`SELECT scope, key, lead_id, created_at, fingerprint FROM idempotency_keys WHERE workspace_id = '${shop.id}' ORDER BY scope, key`),
  });
  const first = await server({ email: 'reuse@shop.example', name: 'Ada', custom: { plan: 'pro', seats: 3 } });
  assert.equal(first.status, 201);
  const before = await stored();
  assert.equal(before.leads.length, 1);

  const retry = await server({ custom: { seats: 3, plan: 'pro' }, name: 'Ada', email: 'reuse@shop.example' });
  assert.deepEqual([retry.status, retry.body, retry.headers.get('idempotent-replayed')], [200, { id: first.body.id, status: 'new' }, 'true']);
  const changed = await server({ email: 'reuse@shop.example', name: 'Grace', custom: { plan: 'pro', seats: 3 } });
  assertProblem(changed, 422);
  assert.deepEqual(changed.body.errors.map((e) => [e.field, e.code]), [['Idempotency-Key', 'idempotency_key_reused']]);
  assert.match(changed.body.errors[0].message, /order-2026-0042/);
  assert.equal(changed.headers.get('idempotent-replayed'), null);

  // The widget's submission id is its key: a re-sent outbox entry replays, another body under it does not.
  const widget = (fields) => app.request('POST', `/api/inbound/${shop.id}/leads`, {
    headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: 'https://site.example', 'CF-Connecting-IP': '192.0.2.12' },
    raw: JSON.stringify({ _token: shop.public_token, _submission_id: 'sub-reused', ...fields }),
  });
  const submitted = await widget({ email: 'visitor@example.com', message: 'Hello' });
  assert.equal(submitted.status, 201);
  const resent = await widget({ message: 'Hello', email: 'visitor@example.com' });
  assert.deepEqual([resent.status, resent.body.id], [200, submitted.body.id]);
  const edited = await widget({ email: 'visitor@example.com', message: 'Hello again' });
  assertProblem(edited, 422);
  assert.deepEqual(edited.body.errors.map((e) => [e.field, e.code]), [['_submission_id', 'idempotency_key_reused']]);

  const after = await stored();
  assert.deepEqual(after.leads, [...before.leads, { id: submitted.body.id, name: null, message: 'Hello' }], 'no lead written or changed');
  assert.equal(after.events.length, 2, 'one event per stored lead, none for the refused requests');
  assert.deepEqual(after.keys.find((k) => k.key === key), before.keys.find((k) => k.key === key), 'the claim is unchanged');
  assert.equal((await app.api(shop.api_key, 'GET', `/api/v1/leads/${first.body.id}`)).body.name, 'Ada');

  // Past the window the key is free again, for any body.
  await app.sql(`UPDATE idempotency_keys SET created_at = created_at - ${9 * 86_400_000} WHERE workspace_id = '${shop.id}' AND key = '${key}'`);
  const later = await server({ email: 'reuse@shop.example', name: 'Grace' });
  assert.equal(later.status, 201);
  assert.notEqual(later.body.id, first.body.id);
});

/**
 * Rows in every table of the local D1, by table. The search index (`leads_fts`
 * and its shadow tables) is left out: it mirrors `leads` (tests/search.test.mjs
 * checks it), and its block tables grow by an amount that depends on the words.
 */
async function rowCounts() {
  const tables = (await app.sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'leads_fts%' AND name != 'd1_migrations' ORDER BY name")).map((t) => t.name);
  const [counts] = await app.sql(`SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM "${t}") AS "${t}"`).join(', ')}`);
  return counts;
}

test('garbage credentials write nothing, and one client sending them is cut off with 429', async () => {
  const target = await app.createWorkspace({ name: 'Target', allowed_origins: ['https://site.example'] });
  const path = `/api/inbound/${target.id}/leads`;
  const post = (ip, fields, headers = {}) => app.request('POST', path, { headers: { 'Content-Type': 'text/plain', Origin: 'https://site.example', 'CF-Connecting-IP': ip, ...headers }, raw: JSON.stringify({ email: 'junk@example.com', ...fields }) });
  const wellShaped = (i) => `pk_${target.id}_${String(i).padStart(24, 'A')}`;
  const before = await rowCounts();

  assertProblem(await post('198.51.100.1', { _token: 'pk_garbage' }), 401);
  assertProblem(await post('198.51.100.1', { _token: wellShaped(1) }), 401);
  assertProblem(await post('198.51.100.1', { _token: `pk_${ws.id}_${'A'.repeat(24)}` }), 404);
  assertProblem(await post('198.51.100.1', {}, { Authorization: 'Bearer lb_sk_nope' }), 401);
  assertProblem(await post('198.51.100.1', {}, { Authorization: `Bearer lb_sk_${'x'.repeat(48)}` }), 401);
  assertProblem(await post('198.51.100.1', {}, { 'X-LeadsBot-Timestamp': String(Math.floor(Date.now() / 1000)), 'X-LeadsBot-Signature': 'ab'.repeat(32) }), 401);

  const statuses = [];
  for (let i = 0; i < attemptsToCross('CAPTURE_CLIENT_LIMITER') && !statuses.includes(429); i++) statuses.push((await post('198.51.100.2', { _token: wellShaped(100 + i) })).status);
  assert.ok(statuses.includes(429), `no 429 among ${statuses}`);
  assert.ok(statuses.slice(0, -1).every((s) => s === 401), String(statuses));
  const limited = await post('198.51.100.2', { _token: target.public_token });
  assertProblem(limited, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  assert.equal((await post('198.51.100.3', { _token: target.public_token })).status, 201, 'another client is not affected');
  const after = await rowCounts();
  // The lead is its workspace's first, so the status counts the lead triggers keep gain its status's row.
  const written = { leads: before.leads + 1, events: before.events + 1, lead_status_counts: before.lead_status_counts + 1 };
  assert.deepEqual(after, { ...before, ...written }, 'only the one real lead was written');
  assert.deepEqual((await app.api(target.api_key, 'GET', '/api/v1/workspace/rejections')).body.data, []);
});

test('each server credential is limited on its own, before D1: 429 with Retry-After', async () => {
  const busy = await app.createWorkspace({ name: 'Busy server' });
  const path = `/api/inbound/${busy.id}/leads`;
  // Bodies without an email are refused (422) without touching D1, but they count.
  const send = () => app.request('POST', path, { headers: { Authorization: `Bearer ${busy.api_key}` }, body: { name: 'No email' } });
  let limited;
  for (let sent = 0; sent < attemptsToCross('CAPTURE_CREDENTIAL_LIMITER') + 50 && !limited; sent += 50) {
    limited = (await Promise.all(Array.from({ length: 50 }, send))).find((r) => r.status === 429);
  }
  assert.ok(limited, 'the API key was never limited');
  assertProblem(limited, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  const second = (await app.api(busy.api_key, 'POST', '/api/v1/keys', { name: 'second', scopes: ['write'] })).body.key;
  const other = await app.request('POST', path, { headers: { Authorization: `Bearer ${second}` }, body: { email: 'second@example.com' } });
  assert.equal(other.status, 201, 'another key of the same workspace is not limited');
});

test('a refused browser origin is visible to the operator: per origin and reason, counted, no lead data', async () => {
  const shop = await app.createWorkspace({ name: 'Shop', allowed_origins: ['https://site.example'] });
  const post = (origin, token = shop.public_token) => app.request('POST', `/api/inbound/${shop.id}/leads`, {
    headers: { 'Content-Type': 'text/plain', Origin: origin, 'CF-Connecting-IP': '192.0.2.20' },
    raw: JSON.stringify({ _token: token, email: 'lost-lead@example.com' }),
  });
  const rejections = async () => (await app.api(shop.api_key, 'GET', '/api/v1/workspace/rejections')).body;
  const www = (body, count) => body.data.find((r) => r.origin === 'https://www.site.example' && r.count === count);

  assertProblem(await post('https://www.site.example'), 403);
  const once = www(await app.waitFor(async () => { const b = await rejections(); return www(b, 1) && b; }, { what: 'the first refusal to be recorded' }), 1);
  assert.deepEqual(Object.keys(once).sort(), ['count', 'first_at', 'last_at', 'origin', 'reason']);
  assert.equal(once.reason, 'origin_not_allowed');
  assert.equal(once.first_at, once.last_at);
  assertProblem(await post('https://www.site.example'), 403);
  const body = await app.waitFor(async () => { const b = await rejections(); return www(b, 2) && b; }, { what: 'the second refusal to be counted' });
  assert.ok(www(body, 2).last_at >= once.first_at);
  assert.equal(JSON.stringify(body).includes('lost-lead'), false, 'no lead data is kept');

  // A garbage token records nothing; a later genuine refusal shows the order.
  assertProblem(await post('https://garbage.example', `pk_${shop.id}_${'B'.repeat(24)}`), 401);
  assertProblem(await post('https://third.example'), 403);
  const latest = await app.waitFor(async () => { const b = await rejections(); return b.data[0]?.origin === 'https://third.example' && b; }, { what: 'the newest refusal first' });
  assert.deepEqual(latest.data.map((r) => r.origin), ['https://third.example', 'https://www.site.example']);
  assert.deepEqual((await app.api(ws.api_key, 'GET', '/api/v1/workspace/rejections')).body.data.some((r) => r.origin === 'https://third.example'), false, 'other workspaces see none of it');
});

test('rotating the public token keeps the old one for its grace, then refuses it', async () => {
  const site = await app.createWorkspace({ name: 'Rotating site' });
  const post = (token) => app.request('POST', `/api/inbound/${site.id}/leads`, { headers: { 'Content-Type': 'text/plain', 'CF-Connecting-IP': '192.0.2.30' }, raw: JSON.stringify({ _token: token, email: 'rotate@example.com' }) });
  const reader = (await app.api(site.api_key, 'POST', '/api/v1/keys', { scopes: ['read'] })).body.key;
  assertProblem(await app.api(reader, 'POST', '/api/v1/workspace/rotate-public-token'), 403);

  const rotated = await app.api(site.api_key, 'POST', '/api/v1/workspace/rotate-public-token');
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  assert.match(rotated.body.public_token, new RegExp(`^pk_${site.id}_`));
  assert.notEqual(rotated.body.public_token, site.public_token);
  assert.ok(Date.parse(rotated.body.previous_expires_at) > Date.now() + 23 * 3600 * 1000, 'a 24 h grace by default');
  assert.equal((await post(rotated.body.public_token)).status, 201);
  assert.equal((await post(site.public_token)).status, 201, 'the old token works during its grace');
  assert.equal((await app.api(site.api_key, 'GET', '/api/v1/workspace')).body.public_token_prefix, rotated.body.public_token_prefix);

  const again = await app.api(site.api_key, 'POST', '/api/v1/workspace/rotate-public-token', { grace_secs: 3 });
  assert.equal(again.status, 200);
  assertProblem(await post(site.public_token), 401);
  const expired = await app.waitFor(async () => { const r = await post(rotated.body.public_token); return r.status === 401 && r; }, { what: 'the grace to end', intervalMs: 500, timeoutMs: 20_000 });
  assert.match(expired.body.detail, /grace period has ended/);
  assert.equal((await post(again.body.public_token)).status, 201);
  await app.waitFor(async () => (await app.api(site.api_key, 'GET', '/api/v1/workspace/rejections')).body.data.some((r) => r.reason === 'token_expired'), { what: 'the expired token to be recorded' });
  assert.equal((await app.api(site.api_key, 'POST', '/api/v1/workspace/rotate-public-token', { grace_secs: -1 })).status, 422);
});

test('rotating the inbound signing secret keeps the old one verifying for its grace', async () => {
  const server = await app.createWorkspace({ name: 'Rotating server' });
  const signedPost = (secret) => {
    const raw = JSON.stringify({ email: 'signed-rotate@example.com' });
    return app.request('POST', `/api/inbound/${server.id}/leads`, { headers: { 'Content-Type': 'application/json', ...signInbound(secret, raw) }, raw });
  };
  const rotated = await app.api(server.api_key, 'POST', '/api/v1/workspace/rotate-inbound-secret');
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  assert.match(rotated.body.inbound_signing_secret, /^whsec_/);
  assert.ok(Date.parse(rotated.body.previous_expires_at) > Date.now() + 23 * 3600 * 1000);
  assert.equal((await signedPost(rotated.body.inbound_signing_secret)).status, 201);
  assert.equal((await signedPost(server.inbound_signing_secret)).status, 201, 'the old secret verifies during its grace');
  const immediate = await app.api(server.api_key, 'POST', '/api/v1/workspace/rotate-inbound-secret', { grace_secs: 0 });
  assert.equal(immediate.status, 200);
  assertProblem(await signedPost(rotated.body.inbound_signing_secret), 401);
  assertProblem(await signedPost(server.inbound_signing_secret), 401);
  assert.equal((await signedPost(immediate.body.inbound_signing_secret)).status, 201);
});
