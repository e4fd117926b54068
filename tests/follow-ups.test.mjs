// Follow-ups end to end: scheduled on a lead, fired at their time through the
// queue (or by the cron sweeper beyond the queue's reach) as a Telegram
// reminder or a lead.follow_up_due webhook, cancelled by a status change or
// by DELETE. Each is fired by its job in the outbox, which ends failed (and
// replayable) when firing keeps failing. Delays are seconds; every wait is
// on a condition.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
  assert.deepEqual(sent.message.reply_markup.inline_keyboard.flat().map((b) => b.text), ['Contacted', 'Qualified', 'Spam', 'Snooze 1 h', 'Take it']);
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
  assert.equal(byId[cancelled.body.id].delivery.status, 'cancelled', 'its job ends with it');
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
  assert.equal(listed.delivery.status, 'cancelled', 'its job ends with it');
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
  assert.equal(heldNow.delivery.status, 'held', 'its job waits for the resume');
  assert.equal(reminders(token, 'HELD').length, 0);
  await control(spring, 'resume');
  await app.triggerScheduled();
  await app.waitFor(() => reminders(token, 'HELD held@example.com').length === 1, { timeoutMs: 30_000, what: 'the released reminder' });
  const [released] = await app.waitFor(async () => { const l = await listFollowUps(app, ws, held.body.id); return l[0]?.status === 'sent' && l; }, { what: 'the follow-up sent' });
  assert.equal(released.held, false);
  assert.equal(released.delivery.status, 'succeeded');
  const doomed = await followUp(ws, dropped.body.id, { after_seconds: 600, action: { type: 'webhook' } });
  await control(autumn, 'archive');
  const [cancelled] = await listFollowUps(app, ws, dropped.body.id);
  assert.deepEqual([cancelled.id, cancelled.status, cancelled.cancel_reason, cancelled.delivery.status], [doomed.body.id, 'cancelled', 'campaign_archived', 'cancelled']);
});

test('a follow-up whose firing keeps failing ends failed, dead-lettered and replayable, instead of looping', async () => {
  const { ws, token } = await setUp(app, 'failing');
  const lead = await app.capture(ws, { email: 'failing@example.com' });
  const created = await followUp(ws, lead.body.id, { after_seconds: 4, action: { type: 'telegram', template: 'REPLAYED {{lead.email}}' } });
  assert.equal(created.status, 201);
  // An action this release cannot read (as a previous release might have stored one): firing it fails every time.
  // Both name the workspace, so each runs in its database only (the firing is seconds away).
  const [stored] = await app.sql(`SELECT action FROM follow_ups WHERE workspace_id = '${ws.id}' AND id = '${created.body.id}'`);
  await app.sql(`UPDATE follow_ups SET action = '{"type":"fax"}' WHERE workspace_id = '${ws.id}' AND id = '${created.body.id}'`);
  // Retried on the delivery schedule (1,1,1 here: four attempts), then failed, with its reason, and dead-lettered.
  const [failed] = await app.waitFor(async () => { const l = await listFollowUps(app, ws, lead.body.id); return l[0]?.delivery?.status === 'failed' && l; }, { timeoutMs: 30_000, what: 'the firing failed' });
  assert.equal(failed.status, 'scheduled', 'never sent');
  assert.equal(failed.delivery.attempts, 4);
  assert.match(failed.delivery.last_error, /could not be fired: stored follow-up action/);
  // The delivery log shows it like any job, each attempt with its error.
  const detail = await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${failed.delivery.id}`);
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.deepEqual([detail.body.channel, detail.body.target_id, detail.body.lead_id, detail.body.source.kind, detail.body.status],
    ['follow_up', created.body.id, lead.body.id, 'follow_up', 'failed']);
  assert.deepEqual(detail.body.attempts.map((a) => a.attempt), [1, 2, 3, 4]);
  assert.ok(detail.body.attempts.every((a) => /stored follow-up action/.test(a.error)), JSON.stringify(detail.body.attempts));
  const listed = await app.api(ws.api_key, 'GET', `/api/v1/deliveries?lead_id=${lead.body.id}&channel=follow_up&status=failed`);
  assert.deepEqual(listed.body.data.map((job) => job.id), [failed.delivery.id]);
  await app.waitFor(async () => (await app.sql(`SELECT dead_lettered_at FROM deliveries WHERE id = '${failed.delivery.id}'`))[0]?.dead_lettered_at, { timeoutMs: 20_000, what: 'the dead letter recorded' });
  // The sweeper leaves a failed job alone: it is not found again.
  await app.triggerScheduled();
  assert.deepEqual((await listFollowUps(app, ws, lead.body.id))[0].delivery, failed.delivery);
  assert.equal(reminders(token, 'REPLAYED').length, 0);
  // Once its action reads again, a replay fires it.
  await app.sql(`UPDATE follow_ups SET action = '${stored.action.replaceAll("'", "''")}' WHERE workspace_id = '${ws.id}' AND id = '${created.body.id}'`);
  const replay = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${failed.delivery.id}/retry`);
  assert.equal(replay.status, 202, JSON.stringify(replay.body));
  await app.waitFor(() => reminders(token, 'REPLAYED failing@example.com').length === 1, { timeoutMs: 30_000, what: 'the replayed reminder' });
  const [sent] = await app.waitFor(async () => { const l = await listFollowUps(app, ws, lead.body.id); return l[0]?.status === 'sent' && l; }, { what: 'the follow-up sent' });
  assert.deepEqual([sent.delivery.status, sent.delivery.attempts], ['succeeded', 5]);
});

test('beyond the queue\'s longest delay, the cron sweeper brings a follow-up to its time', async () => {
  const swept = await spawnApp({ testScheduled: true, vars: { TELEGRAM_API_BASE: telegram.url, FOLLOW_UP_QUEUE_MAX_DELAY_SECS: '1' } });
  try {
    const { ws, token } = await setUp(swept, 'sweeper');
    const lead = await swept.capture(ws, { email: 'sweep@example.com' });
    const created = await swept.api(ws.api_key, 'POST', `/api/v1/leads/${lead.body.id}/follow-ups`, { after_seconds: 3, action: { type: 'telegram', template: 'SWEPT {{lead.email}}' } });
    assert.equal(created.status, 201);
    // Its job waits for its time; no queue message can carry it that far.
    assert.deepEqual([created.body.delivery.status, created.body.delivery.attempts], ['pending', 0]);
    const [job] = await swept.sql(`SELECT next_attempt_at FROM deliveries WHERE id = '${created.body.delivery.id}'`);
    assert.equal(job.next_attempt_at, Date.parse(created.body.due_at));
    await swept.triggerScheduled();
    const [sent] = await swept.waitFor(() => reminders(token, 'SWEPT').length && reminders(token, 'SWEPT'), { timeoutMs: 30_000, what: 'the swept reminder' });
    assert.ok(sent.receivedAt >= Date.parse(created.body.due_at) - 1000, 'not before it is due');
    await swept.waitFor(async () => (await listFollowUps(swept, ws, lead.body.id))[0].status === 'sent', { what: 'the follow-up marked sent' });
  } finally {
    await swept.stop();
  }
});

test('erasing a lead cancels its follow-ups\' jobs', async () => {
  const { ws } = await setUp(app, 'erased');
  const lead = await app.capture(ws, { email: 'erased@example.com' });
  const created = await followUp(ws, lead.body.id, { after_seconds: 600, action: { type: 'webhook' } });
  assert.equal(created.status, 201);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${lead.body.id}`)).status, 204);
  const [job] = await app.sql(`SELECT status, lead_id FROM deliveries WHERE id = '${created.body.delivery.id}'`);
  assert.deepEqual(job, { status: 'cancelled', lead_id: lead.body.id });
});

test('follow-ups a previous release scheduled become jobs (migration 0019) and none is lost', async () => {
  const { ws, token } = await setUp(app, 'migrated');
  const [swept, lost, held] = await Promise.all(['swept', 'lost', 'held'].map((name) =>
    app.capture(ws, { email: `${name}@example.com`, campaign: name === 'held' ? 'Migrated' : undefined })));
  const campaign = (await app.api(ws.api_key, 'GET', '/api/v1/campaigns')).body.data.find((c) => c.slug === 'migrated');
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.id}/pause`)).status, 200);
  // Rows as the previous release left them: one no queue message carries (due soon, for the sweeper),
  // one whose message was lost (overdue), one held for its paused campaign.
  const now = Date.now();
  const row = (id, lead, dueAt, queued, heldFlag) => `('${id}', '${ws.id}', '${lead.body.id}', ${dueAt}, 'scheduled',
    '{"type":"telegram","template":"MIGRATED ${id} {{lead.email}}"}', 1, 'test', ${queued}, ${heldFlag}, ${now - 86_400_000}, ${now - 86_400_000})`;
  await app.sql(`INSERT INTO follow_ups (id, workspace_id, lead_id, due_at, status, action, cancel_on_status_change, created_by, queued, held, created_at, updated_at)
    VALUES ${row('fu_m_swept', swept, now + 2_000, 0, 0)}, ${row('fu_m_lost', lost, now - 300_000, 1, 0)}, ${row('fu_m_held', held, now - 60_000, 1, 1)}`);
  const migration = await readFile(new URL('../migrations/0019_follow_up_jobs.sql', import.meta.url), 'utf8');
  // Without its comment lines: wrangler would read a leading `--` as an option.
  // Replayed in the database holding the planted rows.
  await app.sql(migration.split('\n').filter((line) => !line.startsWith('--')).join('\n'), { database: ws.database });
  const [heldRow] = await listFollowUps(app, ws, held.body.id);
  assert.deepEqual([heldRow.held, heldRow.delivery.id, heldRow.delivery.status], [true, 'dlv_fu_m_held', 'held']);
  await app.triggerScheduled();
  await app.waitFor(() => reminders(token, 'MIGRATED fu_m_swept swept@').length === 1 && reminders(token, 'MIGRATED fu_m_lost lost@').length === 1,
    { timeoutMs: 30_000, what: 'the swept and the lost reminders' });
  assert.equal(reminders(token, 'MIGRATED fu_m_held').length, 0, 'held until its campaign resumes');
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.id}/resume`)).status, 200);
  await app.waitFor(() => reminders(token, 'MIGRATED fu_m_held held@').length === 1, { timeoutMs: 30_000, what: 'the released reminder' });
  for (const lead of [swept, lost, held]) {
    await app.waitFor(async () => (await listFollowUps(app, ws, lead.body.id))[0].delivery.status === 'succeeded', { what: `${lead.body.id} fired` });
  }
  assert.equal(reminders(token, 'MIGRATED').length, 3, 'each once');
});
