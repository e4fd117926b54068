// Campaigns end to end on wrangler dev: leads join campaigns on the fly, the
// contract of /api/v1/campaigns, and the manual controls. A paused campaign
// holds its response (Telegram alerts through the Bot API stand-in, workflow
// runs) while its webhooks still reach the recording receiver; resume
// releases each held alert once, in capture order; archived runs nothing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { useAppWithTelegram } from './support/response.mjs';

const TOKEN = '123456:TEST-token_abcdefghijklmnop';
const TG = `/bot${TOKEN}/sendMessage`;
let app, receiver, telegram;
useAppWithTelegram({}, (r) => ({ app, receiver, telegram } = r));

/** A workspace with Telegram (chat = its name) and one endpoint for every event at `/<name>`. */
async function setup(name) {
  const ws = await app.createWorkspace({ name });
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: name })).status, 200);
  const endpoint = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(`/${name}`) });
  assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
  return { ws, path: `/${name}` };
}

async function capture(ws, fields) {
  const lead = await app.capture(ws, fields);
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  return lead.body.id;
}

async function campaigns(ws) {
  const listed = await app.api(ws.api_key, 'GET', '/api/v1/campaigns');
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  return listed.body.data;
}

async function control(ws, id, action, expected = 200) {
  const response = await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${id}/${action}`);
  assert.equal(response.status, expected, JSON.stringify(response.body));
  return response.body;
}

/** New-lead alerts in a chat, as the emails they name. */
const alerts = (chat) => telegram.to(TG).filter((r) => r.json.chat_id === chat && r.json.text.startsWith('<b>New lead</b>'))
  .map((r) => r.json.text.match(/<b>Email:<\/b> (\S+)/)?.[1]);
const leadEvents = (path) => receiver.to(path).filter((r) => r.json?.event === 'lead.created').map((r) => r.json.data.email);
const heldRows = async (ws) => (await app.sql(`SELECT count(*) AS n FROM deliveries WHERE workspace_id = '${ws.id}' AND status = 'held'`))[0].n;

/** Waits until `chat` has an alert for `email`: a later lead of an active campaign, so the queue has caught up. */
async function sentinel(ws, chat, email) {
  await capture(ws, { email });
  await app.waitFor(() => alerts(chat).includes(email), { timeoutMs: 30_000, what: `the alert for ${email}` });
}

test('a paused campaign holds alerts and workflow runs but not webhooks; resume releases each once, in capture order', async () => {
  const { ws, path } = await setup('hold');
  const workflow = await app.api(ws.api_key, 'POST', '/api/v1/workflows', {
    name: 'Tag spring', enabled: true, trigger: { event: 'lead.created' }, actions: [{ type: 'add_tag', tag: 'seen' }],
  });
  assert.equal(workflow.status, 201, JSON.stringify(workflow.body));
  await capture(ws, { email: 'first@example.com', campaign: 'Spring Sale' });
  const [spring] = await campaigns(ws);
  assert.equal(spring.slug, 'spring-sale', 'a new label creates a campaign on the fly');
  assert.equal(spring.name, 'Spring Sale');
  assert.equal(spring.state, 'active');
  await app.waitFor(() => alerts('hold').includes('first@example.com'), { timeoutMs: 30_000, what: 'the alert of an active campaign' });

  const paused = await control(ws, spring.id, 'pause');
  assert.equal(paused.state, 'paused');
  const emails = [];
  for (let i = 0; i < 20; i++) {
    emails.push(`held${String(i).padStart(2, '0')}@example.com`);
    // Both ways of naming the campaign join it.
    await capture(ws, i % 2 ? { email: emails[i], campaign: 'spring-sale' } : { email: emails[i], utm_campaign: 'Spring  SALE' });
  }
  await app.waitFor(() => emails.every((e) => leadEvents(path).includes(e)), { timeoutMs: 60_000, what: 'every webhook of the paused campaign' });
  await sentinel(ws, 'hold', 'other@example.com');
  assert.deepEqual(alerts('hold'), ['first@example.com', 'other@example.com'], 'no alert while paused');
  assert.equal(await heldRows(ws), 40, 'an alert and a workflow expansion held per lead');
  const leads = (await app.listLeads(ws.api_key, { limit: 100 })).data.filter((l) => emails.includes(l.email));
  assert.ok(leads.every((l) => l.tags.length === 0), 'no workflow ran while paused');
  assert.equal((await campaigns(ws))[0].counts.new, 21);

  await control(ws, spring.id, 'resume');
  await app.waitFor(() => alerts('hold').length >= 22, { timeoutMs: 120_000, intervalMs: 200, what: '20 released alerts' });
  assert.deepEqual(alerts('hold').slice(2), emails, 'each held alert once, in capture order');
  await app.waitFor(async () => (await app.listLeads(ws.api_key, { limit: 100 })).data.filter((l) => emails.includes(l.email) && l.tags.includes('seen')).length === 20,
    { timeoutMs: 120_000, intervalMs: 500, what: 'the held workflow runs' });
  assert.equal(await heldRows(ws), 0);
  await sentinel(ws, 'hold', 'after@example.com');
  assert.equal(alerts('hold').length, 23, 'nothing sent twice');
  const events = receiver.to(path).map((r) => r.json.event).filter((e) => e.startsWith('campaign.'));
  assert.deepEqual(events, ['campaign.paused', 'campaign.resumed']);
});

test('an archived campaign stores leads and sends webhooks, with no response at all; archiving cancels held work', async () => {
  const { ws, path } = await setup('archive');
  const created = await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'autumn', name: 'Autumn' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const winter = await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'winter', name: 'Winter' });
  await control(ws, winter.body.id, 'pause');
  await capture(ws, { email: 'w1@example.com', campaign: 'winter' });
  await app.waitFor(async () => (await heldRows(ws)) === 1, { what: 'the held alert' });
  assert.equal((await control(ws, winter.body.id, 'archive')).state, 'archived');
  assert.equal(await heldRows(ws), 0, 'archiving leaves nothing held');
  const cancelled = (await app.api(ws.api_key, 'GET', '/api/v1/deliveries?status=cancelled&channel=telegram')).body.data;
  assert.deepEqual(cancelled.map((j) => [j.source.kind, j.last_error]), [['alert', 'campaign_archived']], 'the held alert is cancelled, kept and shown, never sent');
  assert.equal((await control(ws, created.body.id, 'archive')).state, 'archived');
  const emails = ['a1@example.com', 'a2@example.com', 'a3@example.com'];
  for (const email of emails) await capture(ws, { email, utm_campaign: 'autumn' });
  await app.waitFor(() => emails.every((e) => leadEvents(path).includes(e)), { timeoutMs: 30_000, what: 'the webhooks of the archived campaign' });
  await sentinel(ws, 'archive', 'live@example.com');
  assert.deepEqual(alerts('archive'), ['live@example.com']);
  const autumn = (await campaigns(ws)).find((c) => c.slug === 'autumn');
  assert.equal(autumn.counts.new, 3, 'every lead is stored');
  for (const action of ['pause', 'resume', 'archive']) {
    const refused = await control(ws, autumn.id, action, 409);
    assert.match(refused.detail, /archived/);
  }
});

test('captures racing a pause and a resume lose nothing and duplicate nothing', async () => {
  const { ws, path } = await setup('race');
  await capture(ws, { email: 'seed@example.com', campaign: 'race' });
  const [race] = await campaigns(ws);
  await control(ws, race.id, 'pause');
  const emails = Array.from({ length: 30 }, (_, i) => `race${i}@example.com`);
  const captures = emails.map((email) => app.capture(ws, { email, campaign: 'race' }));
  const resumed = app.api(ws.api_key, 'POST', `/api/v1/campaigns/${race.id}/resume`);
  const results = await Promise.all([...captures, resumed]);
  assert.ok(results.every((r) => r.status === 201 || r.status === 200), JSON.stringify(results.map((r) => r.status)));
  await app.waitFor(() => emails.every((e) => alerts('race').includes(e)), { timeoutMs: 120_000, intervalMs: 200, what: 'an alert for every racing lead' });
  await app.waitFor(() => emails.every((e) => leadEvents(path).includes(e)), { timeoutMs: 30_000, what: 'every webhook' });
  await sentinel(ws, 'race', 'late@example.com');
  const everyone = ['seed@example.com', ...emails, 'late@example.com'];
  // The sentinel waits for its alert; its webhook is a delivery of its own, which may come a moment later.
  await app.waitFor(() => everyone.every((e) => leadEvents(path).includes(e)), { timeoutMs: 30_000, what: "every lead's webhook, the sentinel's too" });
  const sent = alerts('race');
  assert.equal(sent.length, new Set(sent).size, 'no alert twice');
  const missing = everyone.filter((email) => !sent.includes(email));
  // On a miss, the workspace's alert rows and the server's log say where it stopped (read only then:
  // app.sql opens the database beside the running worker).
  const rows = async () => JSON.stringify(await app.sql(`SELECT id, status, in_order, next_attempt_at, attempts, unrecorded_claims, created_at, updated_at FROM deliveries WHERE workspace_id = '${ws.id}' AND target_kind = 'telegram' ORDER BY id`));
  assert.deepEqual(missing, [], missing.length ? `${await rows()}\n${app.logs().slice(-6000)}` : undefined);
  assert.equal(sent.length, 32);
  assert.equal(leadEvents(path).length, 32, 'no webhook twice');
  assert.equal(await heldRows(ws), 0, 'nothing left held');
});

test('the campaigns contract: shapes, controls recorded and announced, 404/403/409/422', async () => {
  const { ws, path } = await setup('contract');
  const created = await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'spring', name: '  Spring  ' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(Object.keys(created.body).sort(), ['counts', 'created_at', 'id', 'name', 'slug', 'state', 'updated_at']);
  assert.match(created.body.id, /^cmp_[0-9A-Z]{26}$/);
  assert.equal(created.body.name, 'Spring');
  assert.deepEqual(created.body.counts, { new: 0, contacted: 0, qualified: 0, won: 0, lost: 0, spam: 0 });
  const id = created.body.id;

  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'spring', name: 'Again' })).status, 409);
  const bad = await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'Spring Sale', name: ' ' });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e) => e.field), ['slug', 'name']);
  assert.match(bad.body.errors[0].message, /spring-sale/);
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'x', name: 'X', state: 'paused' })).status, 400);

  await capture(ws, { email: 'c1@example.com', campaign: 'SPRING' });
  await capture(ws, { email: 'c2@example.com', campaign: 'spring', _gotcha: 'bot' });
  const got = await app.api(ws.api_key, 'GET', `/api/v1/campaigns/${id}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.counts.new, 1);
  assert.equal(got.body.counts.spam, 1);
  const renamed = await app.api(ws.api_key, 'PATCH', `/api/v1/campaigns/${id}`, { name: 'Spring 2026' });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, 'Spring 2026');
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/campaigns/${id}`, { name: '' })).status, 422);

  const reader = await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: 'viewer', scopes: ['read'] });
  assert.equal((await app.api(reader.body.key, 'GET', `/api/v1/campaigns/${id}`)).status, 200);
  for (const [method, suffix, body] of [['POST', '/pause'], ['POST', '/archive'], ['PATCH', '', { name: 'n' }]]) {
    assert.equal((await app.api(reader.body.key, method, `/api/v1/campaigns/${id}${suffix}`, body)).status, 403, `${method} ${suffix}`);
  }
  assert.equal((await app.api(reader.body.key, 'POST', '/api/v1/campaigns', { slug: 'nope', name: 'Nope' })).status, 403);

  const other = await app.createWorkspace({ name: 'elsewhere' });
  for (const [method, suffix] of [['GET', ''], ['PATCH', ''], ['POST', '/pause'], ['POST', '/resume'], ['POST', '/archive'], ['GET', '/controls']]) {
    const response = await app.api(other.api_key, method, `/api/v1/campaigns/${id}${suffix}`, method === 'PATCH' ? { name: 'mine' } : undefined);
    assert.equal(response.status, 404, `another workspace: ${method} ${suffix}`);
  }
  assert.equal((await campaigns(other)).length, 0);
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/campaigns/cmp_nope/pause')).status, 404);

  await control(ws, id, 'resume', 409);
  await control(ws, id, 'pause');
  await control(ws, id, 'pause', 409);
  const controls = await app.api(ws.api_key, 'GET', `/api/v1/campaigns/${id}/controls`);
  assert.equal(controls.status, 200);
  const [record] = controls.body.data;
  const keyId = (await app.api(ws.api_key, 'GET', '/api/v1/keys')).body.data.find((k) => ws.api_key.startsWith(k.prefix)).id;
  assert.deepEqual([controls.body.data.length, record.action, record.from_state, record.to_state, record.requested_by], [1, 'pause', 'active', 'paused', keyId]);
  assert.ok(Math.abs(Date.parse(record.created_at) - Date.now()) < 60_000);

  await receiver.waitForCount(path, 2);
  const event = await app.waitFor(() => receiver.to(path).find((r) => r.json.event === 'campaign.paused'), { timeoutMs: 20_000, what: 'the campaign.paused webhook' });
  assert.equal(event.headers['x-leadsbot-event'], 'campaign.paused');
  assert.deepEqual(
    [event.json.data.id, event.json.data.slug, event.json.data.state, event.json.data.previous_state, event.json.data.changed_by],
    [id, 'spring', 'paused', 'active', keyId],
  );
  const subscribed = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/only-campaigns'), events: ['campaign.resumed'] });
  assert.equal(subscribed.status, 201, JSON.stringify(subscribed.body));
  await control(ws, id, 'resume');
  await receiver.waitForCount('/only-campaigns', 1);
  assert.equal(receiver.to('/only-campaigns')[0].json.event, 'campaign.resumed');
});

test('a held delivery is not replayed while its campaign is paused (409 held); after the resume it is', async () => {
  const { ws } = await setup('replay');
  const fall = (await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'fall', name: 'Fall' })).body;
  await control(ws, fall.id, 'pause');
  await capture(ws, { email: 'held-replay@example.com', campaign: 'fall' });
  await app.waitFor(async () => (await heldRows(ws)) === 1, { what: 'the held alert' });
  const [held] = (await app.api(ws.api_key, 'GET', '/api/v1/deliveries?status=held')).body.data;
  const refused = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${held.id}/retry`);
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.headers.get('content-type'), 'application/problem+json');
  assert.equal(refused.body.type, 'urn:leadsbot:problem:held');
  assert.match(refused.body.detail, /paused/);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${held.id}`)).body.status, 'held', 'still held');
  await sentinel(ws, 'replay', 'live-replay@example.com');
  assert.deepEqual(alerts('replay'), ['live-replay@example.com'], 'nothing of the paused campaign was sent');

  await control(ws, fall.id, 'resume');
  await app.waitFor(() => alerts('replay').includes('held-replay@example.com'), { timeoutMs: 30_000, what: 'the released alert' });
  await app.waitFor(async () => (await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${held.id}`)).body.status === 'succeeded', { what: 'the alert sent' });
  const replayed = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${held.id}/retry`);
  assert.deepEqual([replayed.status, replayed.body], [202, { id: held.id, status: 'pending' }]);
  await app.waitFor(() => alerts('replay').filter((e) => e === 'held-replay@example.com').length === 2, { timeoutMs: 30_000, what: 'the replayed alert' });
});
