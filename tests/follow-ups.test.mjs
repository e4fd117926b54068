// Follow-ups end to end: scheduled on a lead, fired at their time through the
// queue (or by the cron sweeper beyond the queue's reach) as a Telegram
// reminder or a lead.follow_up_due webhook, cancelled by a status change or
// by DELETE. Delays are seconds; every wait is on a condition.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startTelegram } from './support/telegram.mjs';
import { useAppWithTelegram } from './support/response.mjs';

let app, telegram, receiver;
useAppWithTelegram({ testScheduled: true, telegram: startTelegram }, (r) => ({ app, receiver, telegram } = r));

let bots = 0;
async function setUp(app, name) {
  const ws = await app.createWorkspace({ name });
  const token = `${200000 + ++bots}:FU-${name}`;
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: token, chat_id: 42 })).status, 200);
  return { ws, token };
}

const followUp = (ws, leadId, body) => app.api(ws.api_key, 'POST', `/api/v1/leads/${leadId}/follow-ups`, body);
const listFollowUps = async (app, ws, leadId) => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${leadId}/follow-ups`)).body.data;
const reminders = (token, text) => telegram.calls('sendMessage', token).filter((c) => c.json.text.includes(text));

test('a Telegram reminder fires at its time, rendered from its template and escaped', async () => {
  const { ws, token } = await setUp(app, 'fires');
  const lead = await app.capture(ws, { email: 'fire@example.com', name: 'Fi <re>', budget: '1500' });
  const created = await followUp(ws, lead.body.id, { after_seconds: 2, action: { type: 'telegram', template: 'Still {{lead.status}}: {{lead.name}} ({{lead.custom.budget}}) {{' + 'lead.email}}' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.id, /^fu_/);
  assert.equal(created.body.status, 'scheduled');
  assert.equal(created.body.cancel_on_status_change, true);
  const dueAt = Date.parse(created.body.due_at);
  const [sent] = await app.waitFor(() => reminders(token, 'Still new').length && reminders(token, 'Still new'), { timeoutMs: 30_000, what: 'the reminder' });
  assert.equal(sent.json.text, 'Still new: Fi &lt;re&gt; (1500) fire@example.com');
  assert.ok(sent.receivedAt >= dueAt - 1000, `sent ${dueAt - sent.receivedAt} ms early`);
  assert.ok(sent.receivedAt - dueAt < 60_000, 'within a minute of due');
  // The reminder carries the triage buttons for the lead's status.
  assert.deepEqual(sent.message.reply_markup.inline_keyboard.flat().map((b) => b.text), ['Contacted', 'Qualified', 'Spam', 'Snooze 1 h']);
  const [listed] = await app.waitFor(async () => { const l = await listFollowUps(app, ws, lead.body.id); return l[0]?.status === 'sent' && l; }, { what: 'the follow-up marked sent' });
  assert.match(listed.event_id, /^evt_/);
  assert.ok(Date.parse(listed.sent_at) >= dueAt - 1000);
  assert.equal(reminders(token, 'Still new').length, 1, 'sent once');
});

test('a webhook follow-up sends lead.follow_up_due to subscribed endpoints', async () => {
  const { ws } = await setUp(app, 'webhook');
  await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/due'), events: ['lead.follow_up_due'] });
  const lead = await app.capture(ws, { email: 'due@example.com' });
  const created = await followUp(ws, lead.body.id, { after_seconds: 1, action: { type: 'webhook' }, cancel_on_status_change: false });
  assert.equal(created.status, 201);
  await receiver.waitForCount('/due', 1, 30_000);
  const [delivery] = receiver.to('/due');
  assert.equal(delivery.json.event, 'lead.follow_up_due');
  assert.equal(delivery.json.data.id, lead.body.id);
  assert.equal(delivery.json.data.email, 'due@example.com');
  assert.deepEqual(delivery.json.data.follow_up, { id: created.body.id, due_at: created.body.due_at });
});

test('a status change cancels a follow-up that says so; one that does not still fires', async () => {
  const { ws, token } = await setUp(app, 'cancel-status');
  const lead = await app.capture(ws, { email: 'status@example.com' });
  const cancelled = await followUp(ws, lead.body.id, { after_seconds: 2, action: { type: 'telegram', template: 'CANCELLED {{lead.email}}' } });
  const kept = await followUp(ws, lead.body.id, { after_seconds: 3, action: { type: 'telegram', template: 'KEPT {{lead.status}}' }, cancel_on_status_change: false });
  assert.deepEqual([cancelled.status, kept.status], [201, 201], JSON.stringify([cancelled, kept]));
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${lead.body.id}`, { status: 'contacted' })).status, 200);
  const list = await listFollowUps(app, ws, lead.body.id);
  const byId = Object.fromEntries(list.map((f) => [f.id, f]));
  assert.equal(byId[cancelled.body.id].status, 'cancelled');
  assert.equal(byId[cancelled.body.id].cancel_reason, 'status_changed');
  assert.equal(byId[kept.body.id].status, 'scheduled');
  // The kept one, due after the cancelled one, fires; the cancelled one never does.
  await app.waitFor(() => reminders(token, 'KEPT contacted').length === 1, { timeoutMs: 30_000, what: 'the kept reminder' });
  assert.equal(reminders(token, 'CANCELLED').length, 0);
  // A PATCH that leaves the status alone cancels nothing.
  const third = await followUp(ws, lead.body.id, { after_seconds: 600, action: { type: 'webhook' } });
  assert.equal(third.status, 201, `${JSON.stringify(third)}\n${app.logs().slice(-6000)}`);
  await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${lead.body.id}`, { note: 'called', status: 'contacted' });
  assert.equal((await listFollowUps(app, ws, lead.body.id)).find((f) => f.id === third.body.id).status, 'scheduled');
});

test('DELETE cancels a follow-up; the API refuses what it must', async () => {
  const { ws, token } = await setUp(app, 'delete');
  const other = await setUp(app, 'delete-other');
  const lead = await app.capture(ws, { email: 'delete@example.com' });
  const doomed = await followUp(ws, lead.body.id, { after_seconds: 2, action: { type: 'telegram', template: 'DELETED {{lead.email}}' } });
  const control = await followUp(ws, lead.body.id, { after_seconds: 3, action: { type: 'telegram', template: 'CONTROL {{lead.email}}' } });
  const path = `/api/v1/leads/${lead.body.id}/follow-ups/${doomed.body.id}`;
  assert.equal((await app.api(other.ws.api_key, 'DELETE', path)).status, 404, 'another workspace cannot see it');
  assert.equal((await app.api(ws.api_key, 'DELETE', path)).status, 204);
  assert.equal((await app.api(ws.api_key, 'DELETE', path)).status, 204, 'cancelling again is fine');
  const listed = (await listFollowUps(app, ws, lead.body.id)).find((f) => f.id === doomed.body.id);
  assert.equal(listed.status, 'cancelled');
  assert.equal(listed.cancel_reason, 'deleted');
  await app.waitFor(() => reminders(token, 'CONTROL').length === 1, { timeoutMs: 30_000, what: 'the control reminder' });
  assert.equal(reminders(token, 'DELETED').length, 0);
  await app.waitFor(async () => (await listFollowUps(app, ws, lead.body.id)).find((f) => f.id === control.body.id).status === 'sent', { what: 'control sent' });
  const sentPath = `/api/v1/leads/${lead.body.id}/follow-ups/${control.body.id}`;
  assert.equal((await app.api(ws.api_key, 'DELETE', sentPath)).status, 409);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${lead.body.id}/follow-ups/fu_nope`)).status, 404);
  // Bad definitions are 422s naming the part; unknown leads 404; other workspaces' leads 404.
  const unknown = await followUp(ws, lead.body.id, { after_seconds: 60, action: { type: 'telegram', template: 'Hi {{lead.password}}' } });
  assert.equal(unknown.status, 422);
  assert.deepEqual(unknown.body.errors.map((e) => e.field), ['action.template']);
  const zero = await followUp(ws, lead.body.id, { after_seconds: 0, action: { type: 'webhook' } });
  assert.equal(zero.status, 422);
  assert.deepEqual(zero.body.errors.map((e) => e.field), ['after_seconds']);
  assert.equal((await app.api(other.ws.api_key, 'GET', `/api/v1/leads/${lead.body.id}/follow-ups`)).status, 404);
  assert.equal((await app.api(other.ws.api_key, 'POST', `/api/v1/leads/${lead.body.id}/follow-ups`, { after_seconds: 5, action: { type: 'webhook' } })).status, 404);
});

test('a workflow\'s follow_up action schedules a follow-up that fires', async () => {
  const { ws, token } = await setUp(app, 'workflow');
  const wf = await app.api(ws.api_key, 'POST', '/api/v1/workflows', {
    name: 'Remind me', trigger: { event: 'lead.created' },
    actions: [{ type: 'follow_up', after_seconds: 1, action: { type: 'telegram', template: 'WORKFLOW still {{lead.status}}: {{lead.email}}' } }],
  });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  const lead = await app.capture(ws, { email: 'flow@example.com' });
  await app.waitFor(() => reminders(token, 'WORKFLOW still new: flow@example.com').length === 1, { timeoutMs: 30_000, what: 'the workflow reminder' });
  const [listed] = await listFollowUps(app, ws, lead.body.id);
  assert.match(listed.created_by, /^workflow:run_/);
  assert.equal(listed.id, `fu_${listed.created_by.slice('workflow:run_'.length)}_0`);
  const runs = await app.api(ws.api_key, 'GET', `/api/v1/leads/${lead.body.id}/runs`);
  assert.deepEqual(runs.body.data[0].actions.map((a) => [a.type, a.status]), [['follow_up', 'completed']]);
});

test('a paused campaign holds its leads\' due follow-ups until resumed; an archived one cancels them', async () => {
  const { ws, token } = await setUp(app, 'campaign');
  const held = await app.capture(ws, { email: 'held@example.com', campaign: 'Spring' });
  const dropped = await app.capture(ws, { email: 'dropped@example.com', campaign: 'Autumn' });
  const campaigns = (await app.api(ws.api_key, 'GET', '/api/v1/campaigns')).body.data;
  const [spring, autumn] = ['spring', 'autumn'].map((slug) => campaigns.find((c) => c.slug === slug));
  const control = async (c, action) => assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${c.id}/${action}`)).status, 200);
  await control(spring, 'pause');
  const waiting = await followUp(ws, held.body.id, { after_seconds: 1, action: { type: 'telegram', template: 'HELD {{lead.email}}' } });
  assert.equal(waiting.status, 201);
  assert.equal(waiting.body.held, false);
  // It comes due and waits instead of firing.
  const [heldNow] = await app.waitFor(async () => { const l = await listFollowUps(app, ws, held.body.id); return l[0]?.held && l; }, { timeoutMs: 30_000, what: 'the follow-up held' });
  assert.equal(heldNow.status, 'scheduled');
  assert.equal(reminders(token, 'HELD').length, 0);
  await control(spring, 'resume');
  await app.triggerScheduled();
  await app.waitFor(() => reminders(token, 'HELD held@example.com').length === 1, { timeoutMs: 30_000, what: 'the released reminder' });
  const [released] = await app.waitFor(async () => { const l = await listFollowUps(app, ws, held.body.id); return l[0]?.status === 'sent' && l; }, { what: 'the follow-up sent' });
  assert.equal(released.held, false);
  const doomed = await followUp(ws, dropped.body.id, { after_seconds: 600, action: { type: 'webhook' } });
  await control(autumn, 'archive');
  const [cancelled] = await listFollowUps(app, ws, dropped.body.id);
  assert.deepEqual([cancelled.id, cancelled.status, cancelled.cancel_reason], [doomed.body.id, 'cancelled', 'campaign_archived']);
});

test('beyond the queue\'s longest delay, the cron sweeper brings a follow-up to its time', async () => {
  const swept = await spawnApp({ testScheduled: true, vars: { TELEGRAM_API_BASE: telegram.url, FOLLOW_UP_QUEUE_MAX_DELAY_SECS: '1' } });
  try {
    const { ws, token } = await setUp(swept, 'sweeper');
    const lead = await swept.capture(ws, { email: 'sweep@example.com' });
    const created = await swept.api(ws.api_key, 'POST', `/api/v1/leads/${lead.body.id}/follow-ups`, { after_seconds: 3, action: { type: 'telegram', template: 'SWEPT {{lead.email}}' } });
    assert.equal(created.status, 201);
    const [row] = await swept.sql(`SELECT queued FROM follow_ups WHERE id = '${created.body.id}'`);
    assert.equal(row.queued, 0, 'no queue message could carry it');
    await swept.triggerScheduled();
    const [sent] = await swept.waitFor(() => reminders(token, 'SWEPT').length && reminders(token, 'SWEPT'), { timeoutMs: 30_000, what: 'the swept reminder' });
    assert.ok(sent.receivedAt >= Date.parse(created.body.due_at) - 1000, 'not before it is due');
    await swept.waitFor(async () => (await listFollowUps(swept, ws, lead.body.id))[0].status === 'sent', { what: 'the follow-up marked sent' });
  } finally {
    await swept.stop();
  }
});
