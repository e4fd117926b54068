// "Not spam": a lead captured as spam (filled honeypot) triggers nothing;
// restored by PATCH /api/v1/leads/:id (the path the inbox and Telegram
// buttons use too) it gets what it skipped, once: its lead.created webhook
// and its Telegram alert. A lead that was announced when it came in, or
// one restored before, is never announced again.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const TOKEN = '123456:not-spam-token';
const ALERTS = `/bot${TOKEN}/sendMessage`;
let app, receiver, ws;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({ vars: { TELEGRAM_API_BASE: receiver.url(''), DELIVERY_RETRY_SCHEDULE: '1,1,1' } });
  ws = await app.createWorkspace({ name: 'Not spam' });
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/hook') })).status, 201);
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: '42' })).status, 200);
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const hooks = (leadId, event) => receiver.to('/hook').filter((r) => r.json?.data?.id === leadId && (!event || r.json.event === event));
const alerts = (email) => receiver.to(ALERTS).filter((r) => r.json?.text?.includes(email));
const setStatus = async (id, status) => assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, { status })).status, 200);
/** Every delivery of the lead's events has its outcome (so the receiver has seen all it will). */
const settled = (id) => app.waitFor(async () => (await app.sql(`SELECT count(*) AS n FROM deliveries WHERE status = 'pending' AND event_id IN (SELECT id FROM events WHERE lead_id = '${id}')`))[0].n === 0, { what: `the deliveries of ${id} to settle`, timeoutMs: 20_000 });
const createdEvents = async (id) => (await app.sql(`SELECT count(*) AS n FROM events WHERE lead_id = '${id}' AND type = 'lead.created'`))[0].n;

test('a lead restored from spam gets its lead.created and Telegram alert, once; an announced lead never twice', async () => {
  const email = 'restored.person@example.com';
  const spam = await app.capture(ws, { email, name: 'Restored Person', _gotcha: 'x' });
  assert.equal(spam.status, 201);
  const id = spam.body.id;
  assert.equal(await createdEvents(id), 0, 'spam triggers nothing');

  await setStatus(id, 'new');
  await receiver.waitForCount(ALERTS, 1);
  await app.waitFor(() => hooks(id, 'lead.status_changed').length === 1, { what: 'the status change webhook' });
  await settled(id);
  assert.equal(alerts(email).length, 1, 'the alert it skipped');
  const created = hooks(id, 'lead.created');
  assert.equal(created.length, 1, 'the lead.created it skipped');
  assert.equal(created[0].json.data.email, email);
  assert.equal(created[0].json.data.status, 'new');
  assert.deepEqual(hooks(id).map((r) => r.json.event).sort(), ['lead.created', 'lead.status_changed', 'lead.updated']);

  // Back to spam and out again: the status change is sent, the announcement is not repeated.
  await setStatus(id, 'spam');
  await setStatus(id, 'contacted');
  await app.waitFor(() => hooks(id, 'lead.status_changed').length === 2, { what: 'the second status change webhook' });
  await settled(id);
  assert.equal(hooks(id, 'lead.created').length, 1);
  assert.equal(alerts(email).length, 1);
  assert.equal(await createdEvents(id), 1);

  // A lead announced when it came in is not announced again when it leaves spam.
  const announced = 'announced.person@example.com';
  const kept = (await app.capture(ws, { email: announced, name: 'Announced Person' })).body.id;
  await app.waitFor(() => alerts(announced).length === 1 && hooks(kept, 'lead.created').length === 1, { what: 'the capture alert and webhook' });
  await setStatus(kept, 'spam');
  await setStatus(kept, 'qualified');
  await app.waitFor(() => hooks(kept, 'lead.status_changed').length === 1, { what: 'the status change webhook' });
  await settled(kept);
  assert.equal(hooks(kept, 'lead.created').length, 1);
  assert.equal(alerts(announced).length, 1);
  assert.equal(await createdEvents(kept), 1);
});

test('concurrent restores announce a spam lead once', async () => {
  const email = 'raced.person@example.com';
  const { id } = (await app.capture(ws, { email, _gotcha: 'x' })).body;
  // Six at once: each loser of a race reads again and retries (up to 8 times), so every writer is answered 200.
  const statuses = ['new', 'contacted', 'qualified', 'won', 'lost', 'contacted'];
  const answers = await Promise.all(statuses.map((status) => app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, { status })));
  assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.map((a) => a.status)));
  await app.waitFor(() => alerts(email).length >= 1, { what: 'the alert' });
  await settled(id);
  assert.equal(await createdEvents(id), 1);
  assert.equal(hooks(id, 'lead.created').length, 1);
  assert.equal(alerts(email).length, 1);
});
