// The TypeScript client (clients/typescript) against the running worker: its
// generated types match the OpenAPI document and type-check, calls
// answer typed data, an error answer is a LeadsBotProblem, the paging helper
// walks every page, and webhook verification takes real deliveries (also
// during a secret rotation) and refuses a tampered body.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';
import { builtClient, clientDir } from './support/client.mjs';

let app, receiver, lb;
before(async () => {
  lb = await builtClient();
  receiver = await startReceiver();
  app = await spawnApp();
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

// worker/src/openapi.json is the served document (a native test keeps them equal).
test('the committed generated types are those of the OpenAPI document', async () => {
  const { generatedSchema, schemaPath } = await import(join(clientDir, 'scripts/generate.mjs'));
  const committed = await readFile(schemaPath, 'utf8');
  assert.ok(committed === (await generatedSchema()), 'clients/typescript/src/schema.d.ts is stale: npm run generate -w clients/typescript');
});

test('the client and its typed usage type-check (tsc --noEmit)', () => {
  execFileSync(join(clientDir, '../../node_modules/.bin/tsc'), ['-p', join(clientDir, 'tsconfig.json')], { stdio: 'pipe' });
});

test('signatures match the vectors the worker\'s own signing is tested with', async () => {
  // shared/src/signing.rs: RFC 4231 case 2, and the Standard Webhooks specification's example.
  assert.equal(await lb.leadsBotSignature('Jefe', 'what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  assert.equal(await lb.standardSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

async function workspace(name) {
  const admin = lb.createLeadsBotClient({ baseUrl: app.baseUrl, apiKey: app.adminToken });
  const ws = await lb.ok(admin.POST('/api/admin/workspaces', { body: { name } }));
  return { ws, client: lb.createLeadsBotClient({ baseUrl: app.baseUrl, apiKey: ws.api_key }) };
}

test('things created with the client read back typed', async () => {
  const { ws, client } = await workspace('typed');
  const captured = await lb.ok(client.POST('/api/inbound/{business_id}/leads', { params: { path: { business_id: ws.id } }, body: { email: 'ada@example.com', name: 'Ada' } }));
  const lead = await lb.ok(client.GET('/api/v1/leads/{id}', { params: { path: { id: captured.id } } }));
  assert.equal(lead.email, 'ada@example.com');
  assert.equal(lead.name, 'Ada');
  const patched = await lb.ok(client.PATCH('/api/v1/leads/{id}', { params: { path: { id: lead.id } }, body: { status: 'contacted' } }));
  assert.equal(patched.status, 'contacted');
  const endpoint = await lb.ok(client.POST('/api/v1/webhooks', { body: { url: receiver.url('/typed'), events: ['lead.created'] } }));
  assert.match(endpoint.secret, /^whsec_/);
  const listed = await lb.ok(client.GET('/api/v1/webhooks'));
  assert.deepEqual(listed.data.map((e) => e.id), [endpoint.id]);
});

test('an error answer throws a LeadsBotProblem with the problem document', async () => {
  const { ws, client } = await workspace('problems');
  const missing = await client.GET('/api/v1/leads/{id}', { params: { path: { id: 'lead_nope' } } }).catch((e) => e);
  assert.ok(missing instanceof lb.LeadsBotProblem, String(missing));
  assert.equal(missing.status, 404);
  assert.match(missing.type, /^urn:leadsbot:problem:/);
  assert.ok(missing.title && missing.detail);
  const invalid = await client.POST('/api/inbound/{business_id}/leads', { params: { path: { business_id: ws.id } }, body: { email: 'not an email' } }).catch((e) => e);
  assert.ok(invalid instanceof lb.LeadsBotProblem, String(invalid));
  assert.equal(invalid.status, 422);
  assert.equal(invalid.errors[0].field, 'email');
  const unauthorized = lb.createLeadsBotClient({ baseUrl: app.baseUrl, apiKey: 'lb_sk_wrong' });
  const refused = await unauthorized.GET('/api/v1/leads').catch((e) => e);
  assert.ok(refused instanceof lb.LeadsBotProblem);
  assert.equal(refused.status, 401);
});

test('the paging helper walks every page of leads and events', async () => {
  const { ws, client } = await workspace('paged');
  const ids = [];
  for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
    ids.push((await lb.ok(client.POST('/api/inbound/{business_id}/leads', { params: { path: { business_id: ws.id } }, body: { email } }))).id);
  }
  const firstPage = await app.api(ws.api_key, 'GET', '/api/v1/leads?limit=1');
  assert.ok(firstPage.body.next_cursor, 'the list answers next_cursor: the shape the helper follows');
  let pages = 0;
  const walked = [];
  for await (const lead of lb.paginate((cursor) => (pages++, lb.ok(client.GET('/api/v1/leads', { params: { query: { limit: 1, cursor } } }))))) walked.push(lead.id);
  assert.deepEqual([...walked].sort(), [...ids].sort(), 'every lead once');
  assert.ok(pages >= 3, `one lead a page: ${pages} pages`);
  const events = [];
  for await (const event of lb.paginate((cursor) => lb.ok(client.GET('/api/v1/events', { params: { query: { limit: 1, type: 'lead.created', cursor } } })))) events.push(event.lead_id);
  assert.deepEqual(events.sort(), [...ids].sort());
  const stopped = [];
  for await (const n of lb.paginate(async (cursor) => ({ data: [cursor ?? 'first'], next_cursor: 'more', has_more: !cursor }))) stopped.push(n);
  assert.deepEqual(stopped, ['first', 'more'], 'has_more: false ends the walk');
});

test('webhook verification takes real deliveries, also during a rotation, and refuses a tampered body', async () => {
  const { ws, endpoint, secret } = await app.createWebhook(receiver.url('/verify'), { name: 'verify' });
  await app.capture(ws, { email: 'before@example.com' });
  await receiver.waitForCount('/verify', 1);
  const [first] = receiver.to('/verify');
  const payload = await lb.verifyWebhook(first.rawBody, first.headers, secret);
  assert.equal(payload.event, 'lead.created');
  assert.equal(payload.data.email, 'before@example.com');
  await assert.rejects(lb.verifyWebhook(first.rawBody.replace('before@', 'evil@'), first.headers, secret), lb.WebhookVerificationError);
  await assert.rejects(lb.verifyWebhook(first.rawBody, first.headers, 'whsec_' + Buffer.alloc(32).toString('base64')), lb.WebhookVerificationError);
  await assert.rejects(lb.verifyWebhook(first.rawBody, first.headers, secret, { now: Number(first.headers['webhook-timestamp']) + 600 }), /5 minutes/, 'a replay is refused');

  const rotated = await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`);
  assert.equal(rotated.status, 200);
  await app.capture(ws, { email: 'during@example.com' });
  await receiver.waitForCount('/verify', 2);
  const during = receiver.to('/verify')[1];
  assert.ok(during.headers['x-leadsbot-signature-previous'], 'a rotation signs with the previous secret too');
  for (const held of [secret, rotated.body.secret]) {
    assert.equal((await lb.verifyWebhook(during.rawBody, during.headers, held)).data.email, 'during@example.com');
  }
  // Without the Standard Webhooks headers, X-LeadsBot-Signature(-Previous) decide.
  const leadsBotOnly = Object.fromEntries(Object.entries(during.headers).filter(([name]) => !name.startsWith('webhook-')));
  assert.equal((await lb.verifyWebhook(during.rawBody, leadsBotOnly, secret)).data.email, 'during@example.com');
  assert.equal((await lb.verifyWebhook(during.rawBody, new Headers(leadsBotOnly), rotated.body.secret)).data.email, 'during@example.com');
  await assert.rejects(lb.verifyWebhook(during.rawBody.replace('during@', 'evil@'), leadsBotOnly, secret), lb.WebhookVerificationError);
  const withoutPrevious = { ...leadsBotOnly, 'x-leadsbot-signature-previous': undefined };
  await assert.rejects(lb.verifyWebhook(during.rawBody, withoutPrevious, secret), lb.WebhookVerificationError, 'the old secret matches only its own header');
});
