// The management API: leads, keys, workspace, capture URLs; idempotency,
// tenant isolation and pagination, against the real worker and D1.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { signInbound } from './support/signing.mjs';

let app, ws, other;
before(async () => {
  app = await spawnApp();
  [ws, other] = [await app.createWorkspace({ name: 'Main' }), await app.createWorkspace({ name: 'Other' })];
});
after(() => app?.stop());

test('health, OpenAPI, unknown routes and wrong methods', async () => {
  assert.equal((await app.request('GET', '/healthz')).status, 200);
  const doc = await app.request('GET', '/api/v1/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi, '3.1.0');
  for (const path of ['/api/inbound/{workspace_id}/leads', '/api/inbound/w/{webhook_id}/leads', '/api/v1/leads/{id}', '/api/v1/keys/{id}']) {
    assert.ok(doc.body.paths[path], path);
  }
  const missing = await app.request('GET', '/api/v1/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json');
  const wrong = await app.request('PUT', '/api/v1/leads');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET');
  assert.equal(wrong.headers.get('content-type'), 'application/problem+json');
});

test('the admin API needs the admin token and a valid body', async () => {
  const noToken = await app.request('POST', '/api/admin/workspaces', { body: { name: 'x' } });
  assert.equal(noToken.status, 401);
  const wrongToken = await app.request('POST', '/api/admin/workspaces', { headers: { Authorization: 'Bearer nope-nope-nope-nope' }, body: { name: 'x' } });
  assert.equal(wrongToken.status, 401);
  const invalid = await app.request('POST', '/api/admin/workspaces', { headers: { Authorization: `Bearer ${app.adminToken}` }, body: { name: '', allowed_origins: ['not an origin'] } });
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.body.errors.map((e) => e.field), ['name', 'allowed_origins[0]']);
});

test('workspace data can be read and changed', async () => {
  const got = await app.api(ws.api_key, 'GET', '/api/v1/workspace');
  assert.equal(got.status, 200);
  assert.equal(got.body.id, ws.id);
  assert.equal(got.body.public_token_prefix, ws.public_token.slice(0, ws.public_token.lastIndexOf('_') + 5));
  assert.equal(JSON.stringify(got.body).includes(ws.public_token), false, 'the token itself is never shown again');
  const patched = await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { allowed_origins: ['https://Shop.Example/'] });
  assert.deepEqual(patched.body.allowed_origins, ['https://shop.example']);
  assert.equal(patched.body.name, 'Main');
  await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { allowed_origins: [] });
});

test('API keys: created once, listed redacted, scoped, revoked at once', async () => {
  const created = await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: 'CRM sync', scopes: ['read', 'write'] });
  assert.equal(created.status, 201);
  assert.match(created.body.key, new RegExp(`^lb_sk_${ws.id}_[0-9A-Za-z]{48}$`), 'a new key names its workspace');
  const list = await app.api(ws.api_key, 'GET', '/api/v1/keys');
  assert.equal(JSON.stringify(list.body).includes(created.body.key), false);
  const listed = list.body.data.find((k) => k.id === created.body.id);
  assert.deepEqual([listed.prefix, listed.last4, listed.scopes], [created.body.key.slice(0, created.body.key.lastIndexOf('_') + 5), created.body.key.slice(-4), ['read', 'write']]);
  assert.equal((await app.api(created.body.key, 'GET', '/api/v1/keys')).status, 403, 'key management needs admin');
  assert.equal((await app.api(created.body.key, 'GET', '/api/v1/leads')).status, 200);
  const used = await app.waitFor(async () => {
    const key = (await app.api(ws.api_key, 'GET', '/api/v1/keys')).body.data.find((k) => k.id === created.body.id);
    return key.last_used_at && key;
  }, { what: 'last_used_at to be recorded' });
  assert.equal(used.revoked_at, null);

  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/keys/${created.body.id}`)).status, 204);
  assert.equal((await app.api(created.body.key, 'GET', '/api/v1/leads')).status, 401);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/keys/${created.body.id}`)).status, 404);
  const bad = await app.api(ws.api_key, 'POST', '/api/v1/keys', { scopes: ['superuser'] });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.errors[0].field, 'scopes[0]');
});

test('concurrent duplicates with one idempotency key store one lead', async () => {
  const attempts = await Promise.all(Array.from({ length: 12 }, () => app.capture(ws, { email: 'dup@example.com' }, { headers: { 'Idempotency-Key': 'order-42' } })));
  const ids = new Set(attempts.map((r) => r.body.id));
  assert.equal(ids.size, 1, JSON.stringify(attempts.map((r) => r.status)));
  assert.equal(attempts.filter((r) => r.status === 201).length, 1);
  for (const replay of attempts.filter((r) => r.status !== 201)) {
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  }
  assert.equal((await app.listLeads(ws.api_key, { email: 'dup@example.com' })).data.length, 1);
  const viaField = await app.capture(ws, { email: 'dup@example.com', _submission_id: 'order-42' });
  assert.equal(viaField.body.id, [...ids][0], '_submission_id is the same key');
  const otherWorkspace = await app.capture(other, { email: 'dup@example.com' }, { headers: { 'Idempotency-Key': 'order-42' } });
  assert.equal(otherWorkspace.status, 201, 'keys are scoped per workspace');
});

test('leads: filters, one lead, and PATCH with status history', async () => {
  const a = (await app.capture(ws, { email: 'filter-a@example.com', name: 'Acme Buyer', campaign: 'spring', company: 'Acme' })).body.id;
  const b = (await app.capture(ws, { email: 'filter-b@example.com', campaign: 'autumn', source: 'import' })).body.id;
  const ids = async (query) => (await app.listLeads(ws.api_key, query)).data.map((l) => l.id);
  assert.deepEqual(await ids({ campaign: 'spring' }), [a]);
  assert.deepEqual(await ids({ source: 'import' }), [b]);
  assert.deepEqual(await ids({ q: 'acme' }), [a]);
  assert.deepEqual(await ids({ email: 'FILTER-B@EXAMPLE.COM' }), [b], 'the email filter ignores case');
  assert.deepEqual(await ids({ email: 'filter-b@EXAMPLE.COM' }), [b]);
  const ann = (await app.capture(ws, { email: 'Ann.Lee@Example.COM' })).body.id;
  assert.deepEqual(await ids({ email: 'ann.lee@example.com' }), [ann]);
  assert.deepEqual(await ids({ email: 'ann.lee@example.org' }), []);
  assert.deepEqual(await ids({ created_after: '2100-01-01T00:00:00Z' }), []);
  assert.ok((await ids({ created_before: '2100-01-01T00:00:00Z' })).includes(a));
  const bad = await app.api(ws.api_key, 'GET', '/api/v1/leads?limit=500&status=hot');
  assert.equal(bad.status, 422);

  const patched = await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${a}`, { status: 'qualified', tags: ['vip'], note: 'Call Monday' });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.body.status, patched.body.tags, patched.body.note], ['qualified', ['vip'], 'Call Monday']);
  await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${a}`, { status: 'won' });
  const lead = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${a}`)).body;
  assert.deepEqual(lead.status_history.map((c) => [c.from, c.to]), [['new', 'qualified'], ['qualified', 'won']]);
  assert.deepEqual((await ids({ status: 'won' })), [a]);
  const invalid = await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${a}`, { status: 'hot' });
  assert.equal(invalid.status, 422);
  const unknownField = await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${a}`, { email: 'x@y.z' });
  assert.equal(unknownField.status, 400);
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/leads/lead_00000000000000000000000000')).status, 404);
});

test("a workspace's key never reads or changes another workspace's leads", async () => {
  const mine = (await app.capture(ws, { email: 'private@example.com' })).body.id;
  assert.equal((await app.api(other.api_key, 'GET', `/api/v1/leads/${mine}`)).status, 404);
  assert.equal((await app.api(other.api_key, 'PATCH', `/api/v1/leads/${mine}`, { status: 'lost' })).status, 404);
  assert.equal((await app.listLeads(other.api_key, { email: 'private@example.com' })).data.length, 0);
  const theirKeys = (await app.api(other.api_key, 'GET', '/api/v1/keys')).body.data;
  const myKeys = (await app.api(ws.api_key, 'GET', '/api/v1/keys')).body.data;
  assert.equal(theirKeys.some((k) => myKeys.some((m) => m.id === k.id)), false);
  assert.equal((await app.api(other.api_key, 'DELETE', `/api/v1/keys/${myKeys[0].id}`)).status, 404);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${mine}`)).body.status, 'new');
});

test('cursor pagination walks more than 100 leads, newest first, without gaps or repeats', async () => {
  const paged = await app.createWorkspace({ name: 'Paged' });
  const created = [];
  for (let batch = 0; batch < 13; batch++) {
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => app.capture(paged, { email: `p${batch * 10 + i}@example.com` })));
    created.push(...responses.map((r) => r.body.id));
  }
  const seen = [];
  let cursor;
  do {
    const page = await app.listLeads(paged.api_key, cursor ? { limit: 100, cursor } : { limit: 100 });
    assert.ok(page.data.length <= 100);
    seen.push(...page.data.map((l) => l.id));
    cursor = page.next_cursor;
  } while (cursor);
  assert.equal(seen.length, 130);
  assert.equal(new Set(seen).size, 130);
  assert.deepEqual(seen, [...seen].sort().reverse(), 'newest first');
  assert.deepEqual(new Set(seen), new Set(created));
});

test('capture URLs: the id is the capability; mapping and optional signature', async () => {
  const plain = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', {
    name: 'Typeform', field_mapping: { email: 'form_response.answers.0.email', name: 'form_response.answers.1.text', _submission_id: 'event_id' },
  });
  assert.equal(plain.status, 201);
  assert.match(plain.body.id, new RegExp(`^cap_${ws.id}_[0-9A-Za-z]{24}$`), 'a new id names its workspace');
  assert.equal(plain.body.url, `${app.baseUrl}/api/inbound/w/${plain.body.id}/leads`);
  const path = new URL(plain.body.url).pathname;
  const payload = { event_id: 'ev-1', form_response: { answers: [{ email: 'typeform@example.com' }, { text: 'Tess Type' }] } };
  const first = await app.request('POST', path, { body: payload });
  assert.equal(first.status, 201);
  assert.equal((await app.request('POST', path, { body: payload })).headers.get('idempotent-replayed'), 'true');
  const lead = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${first.body.id}`)).body;
  assert.deepEqual([lead.email, lead.name, lead.source], ['typeform@example.com', 'Tess Type', 'inbound_webhook']);

  const signed = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Signed', require_signature: true });
  assert.match(signed.body.signing_secret, /^whsec_/);
  const signedPath = new URL(signed.body.url).pathname;
  const raw = JSON.stringify({ email: 'signed-url@example.com' });
  assert.equal((await app.request('POST', signedPath, { headers: { 'Content-Type': 'application/json' }, raw })).status, 401);
  assert.equal((await app.request('POST', signedPath, { headers: { 'Content-Type': 'application/json', ...signInbound(signed.body.signing_secret, raw) }, raw })).status, 201);

  const listed = (await app.api(ws.api_key, 'GET', '/api/v1/inbound-webhooks')).body.data;
  assert.deepEqual(listed.map((c) => [c.id, c.signed]), [[signed.body.id, true], [plain.body.id, false]], 'newest first');
  assert.equal(JSON.stringify(listed).includes('whsec_'), false);
  assert.equal((await app.api(other.api_key, 'DELETE', `/api/v1/inbound-webhooks/${plain.body.id}`)).status, 404);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/inbound-webhooks/${plain.body.id}`)).status, 204);
  assert.equal((await app.request('POST', path, { body: payload })).status, 404);
  assert.equal((await app.request('POST', '/api/inbound/w/wh_guess/leads', { body: payload })).status, 404);
  const badMapping = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { field_mapping: { email: 'a..b' } });
  assert.equal(badMapping.status, 422);
});

test('a capture URL made with the old wh_ prefix still captures, is listed and is deleted', async () => {
  // Planted as an earlier release wrote it: new ones are cap_…, old URLs given to tools keep working.
  const id = `wh_${'Ab9'.repeat(8)}`;
  await app.sql(`INSERT INTO capture_urls (id, workspace_id, name, field_mapping, created_at) VALUES ('${id}', '${ws.id}', 'Old', '{"email": "contact.email"}', ${Date.now()})`);
  const captured = await app.request('POST', `/api/inbound/w/${id}/leads`, { body: { contact: { email: 'old-prefix@example.com' } } });
  assert.equal(captured.status, 201, JSON.stringify(captured.body));
  const lead = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${captured.body.id}`)).body;
  assert.deepEqual([lead.email, lead.source], ['old-prefix@example.com', 'inbound_webhook']);
  const listed = (await app.api(ws.api_key, 'GET', '/api/v1/inbound-webhooks')).body.data.find((c) => c.id === id);
  assert.equal(listed?.url, `${app.baseUrl}/api/inbound/w/${id}/leads`);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/inbound-webhooks/${id}`)).status, 204);
  assert.equal((await app.request('POST', `/api/inbound/w/${id}/leads`, { body: { contact: { email: 'gone@example.com' } } })).status, 404);
});

test('garbage sent to the management API never produces a 5xx', async () => {
  const targets = [['PATCH', '/api/v1/workspace'], ['POST', '/api/v1/keys'], ['POST', '/api/v1/inbound-webhooks'], ['PATCH', `/api/v1/leads/lead_${'0'.repeat(26)}`], ['POST', '/api/admin/workspaces']];
  const bodies = [['application/json', '{'], ['application/json', '[]'], ['application/json', '{"name": 5}'], ['application/json', '{"scopes": "read"}'], ['application/json', '{"field_mapping": []}'], ['text/plain', 'hello'], [undefined, '']];
  for (const [method, path] of targets) {
    for (const [type, raw] of bodies) {
      const headers = { Authorization: `Bearer ${path.includes('admin') ? app.adminToken : ws.api_key}` };
      if (type) headers['Content-Type'] = type;
      const response = await app.request(method, path, { headers, raw });
      assert.ok(response.status >= 400 && response.status < 500, `${method} ${path} ${raw} -> ${response.status}`);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
    }
  }
  for (const query of ['limit=abc', 'cursor=%00', 'created_after=2026-99-99', 'q=' + '%'.repeat(3), `email=${'a'.repeat(500)}`]) {
    const response = await app.api(ws.api_key, 'GET', `/api/v1/leads?${query}`);
    assert.ok(response.status < 500, `${query} -> ${response.status}`);
  }
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${'x'.repeat(5000)}`)).status, 404);
});

test("a workspace's last live admin key cannot be revoked: 409", async () => {
  const solo = await app.createWorkspace({ name: 'Solo' });
  const [only] = (await app.api(solo.api_key, 'GET', '/api/v1/keys')).body.data;
  const refused = await app.api(solo.api_key, 'DELETE', `/api/v1/keys/${only.id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.headers.get('content-type'), 'application/problem+json');
  assert.equal(refused.body.status, 409);
  assert.match(refused.body.detail, /last live admin key/);
  assert.equal((await app.api(solo.api_key, 'GET', '/api/v1/leads')).status, 200, 'the key still works');

  const writer = (await app.api(solo.api_key, 'POST', '/api/v1/keys', { scopes: ['write'] })).body;
  assert.equal((await app.api(solo.api_key, 'DELETE', `/api/v1/keys/${writer.id}`)).status, 204, 'other keys revoke as before');
  const admin = (await app.api(solo.api_key, 'POST', '/api/v1/keys', { name: 'second admin', scopes: ['admin'] })).body;
  assert.equal((await app.api(admin.key, 'DELETE', `/api/v1/keys/${only.id}`)).status, 204);
  assert.equal((await app.api(admin.key, 'DELETE', `/api/v1/keys/${admin.id}`)).status, 409, 'now the second is the last');
});
