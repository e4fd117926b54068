// Two-way Telegram end to end: alerts carry triage buttons; the bot's webhook
// (registered with setWebhook and a secret token) brings presses back through
// the Telegram stand-in, and a press changes the lead as PATCH would.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startTelegram } from './support/telegram.mjs';
import { useAppWithTelegram } from './support/response.mjs';

let app, telegram, receiver;
useAppWithTelegram({ telegram: startTelegram }, (r) => ({ app, receiver, telegram } = r));

let bots = 0;
/** A workspace with its own bot, set up for Telegram; returns it with its token. */
async function workspaceWithBot(name) {
  const ws = await app.createWorkspace({ name });
  const token = `${100000 + ++bots}:TEST-${name}-token`;
  const put = await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: token, chat_id: -100200 - bots });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  return { ws, token, chatId: -100200 - bots, put };
}

/** The alert sent for a new lead of this bot, once it arrives. */
async function alertFor(token, email) {
  const sent = await app.waitFor(() => telegram.calls('sendMessage', token).find((c) => c.json.text.includes(email)), { timeoutMs: 20_000, what: `the alert for ${email}` });
  return sent.message;
}

async function lead(ws, id) {
  const got = await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`);
  assert.equal(got.status, 200);
  return got.body;
}

test('PUT registers the bot webhook with a secret token', async () => {
  const { ws, token, put } = await workspaceWithBot('register');
  const registered = telegram.webhook(token);
  assert.ok(registered, 'setWebhook was called');
  assert.equal(registered.url, `${app.baseUrl}/telegram/webhook/${ws.id}`);
  assert.match(registered.secret_token, /^[A-Za-z0-9_-]{32,256}$/);
  const [call] = telegram.calls('setWebhook', token);
  assert.deepEqual(call.json.allowed_updates, ['callback_query']);
  assert.equal(put.body.webhook_url, registered.url);
  assert.equal(put.body.webhook_registered, true);
  assert.ok(!JSON.stringify(put.body).includes(registered.secret_token), 'the secret token is never shown');
  // Registering again rotates the secret: the old one stops working.
  await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: token, chat_id: 1 });
  assert.notEqual(telegram.webhook(token).secret_token, registered.secret_token);
  const old = await telegram.sendUpdate(token, { update_id: 1 }, { secret: registered.secret_token });
  assert.equal(old.status, 401);
});

test('a button press changes the status as PATCH would, answers and edits the alert', async () => {
  const { ws, token, chatId } = await workspaceWithBot('press');
  const endpoint = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/press'), events: ['lead.status_changed'] });
  assert.equal(endpoint.status, 201);
  const created = await app.capture(ws, { email: 'press@example.com', name: 'Press <Me>' });
  const alert = await alertFor(token, 'press@example.com');
  const labels = alert.reply_markup.inline_keyboard.flat().map((b) => b.text);
  assert.deepEqual(labels, ['Contacted', 'Qualified', 'Spam', 'Snooze 1 h', 'Take it']);

  const update = telegram.pressUpdate(alert, 'Qualified');
  const answer = await telegram.sendUpdate(token, update);
  assert.equal(answer.status, 200);
  const after = await lead(ws, created.body.id);
  assert.equal(after.status, 'qualified');
  assert.deepEqual(after.status_history.map((h) => [h.from, h.to, h.changed_by]), [['new', 'qualified', 'telegram:@ada']]);
  // The same events as a PATCH: receivers hear of it.
  await receiver.waitForCount('/press', 1);
  const event = receiver.to('/press')[0].json;
  assert.equal(event.event, 'lead.status_changed');
  assert.equal(event.data.status, 'qualified');
  // Telegram is answered and the alert shows the new status, escaped, with buttons from there.
  const [answered] = await telegram.waitForCalls('answerCallbackQuery', 1, { token });
  assert.equal(answered.json.callback_query_id, update.callback_query.id);
  assert.match(answered.json.text, /qualified/);
  const [edited] = await telegram.waitForCalls('editMessageText', 1, { token });
  assert.equal(edited.json.chat_id, chatId);
  assert.equal(edited.json.message_id, alert.message_id);
  assert.match(edited.json.text, /<b>Status:<\/b> qualified by telegram:@ada/);
  assert.ok(edited.json.text.includes('Press &lt;Me&gt;'), edited.json.text);
  assert.deepEqual(edited.json.reply_markup.inline_keyboard.flat().map((b) => b.text), ['Contacted', 'Spam', 'Snooze 1 h', 'Take it']);
});

test('"Take it" assigns the lead to the member linked to the presser; an unlinked presser is told their id', async () => {
  const { ws, token } = await workspaceWithBot('take');
  const rep = await app.api(ws.api_key, 'POST', '/api/v1/members', { email: 'taker@example.com', role: 'member' });
  assert.equal(rep.status, 201);
  const created = await app.capture(ws, { email: 'take@example.com' });
  const alert = await alertFor(token, 'take@example.com');

  const stranger = { id: 4_200_000_001, is_bot: false, first_name: 'Sam' };
  assert.equal((await telegram.sendUpdate(token, telegram.pressUpdate(alert, 'Take it', { from: stranger }))).status, 200);
  const [refused] = await telegram.waitForCalls('answerCallbackQuery', 1, { token });
  assert.match(refused.json.text, /Your Telegram id is 4200000001\. Ask an admin to link it/);
  assert.equal((await lead(ws, created.body.id)).assignee, null, 'an unlinked presser takes nothing');

  for (const bad of [0, -5, 1.5, 'ada']) {
    const res = await app.api(ws.api_key, 'PATCH', `/api/v1/members/${rep.body.id}`, { telegram_user_id: bad });
    assert.ok([400, 422].includes(res.status), `${bad}: ${res.status}`);
  }
  const linked = await app.api(ws.api_key, 'PATCH', `/api/v1/members/${rep.body.id}`, { telegram_user_id: stranger.id });
  assert.equal(linked.status, 200, JSON.stringify(linked.body));
  assert.equal(linked.body.telegram_user_id, stranger.id);
  assert.equal(linked.body.role, 'member', 'the role stays');
  assert.equal((await telegram.sendUpdate(token, telegram.pressUpdate(alert, 'Take it', { from: stranger }))).status, 200);
  const [, taken] = await telegram.waitForCalls('answerCallbackQuery', 2, { token });
  assert.equal(taken.json.text, 'It is yours.');
  assert.equal((await lead(ws, created.body.id)).assignee, rep.body.id);
  const [edited] = await telegram.waitForCalls('editMessageText', 1, { token });
  assert.match(edited.json.text, /<b>Status:<\/b> new, taken by taker@example\.com/);
  assert.deepEqual(edited.json.reply_markup.inline_keyboard.flat().map((b) => b.text), ['Contacted', 'Qualified', 'Spam', 'Snooze 1 h'], 'taken: no Take it');
  // A linked presser is that person everywhere: a status change is recorded as the member, and the alert names them.
  assert.equal((await telegram.sendUpdate(token, telegram.pressUpdate({ ...alert, reply_markup: edited.json.reply_markup }, 'Contacted', { from: stranger }))).status, 200);
  const history = await app.waitFor(async () => {
    const detail = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${created.body.id}`)).body;
    return detail.status === 'contacted' && detail.status_history;
  }, { what: 'the linked presser\'s status change' });
  assert.equal(history.at(-1).changed_by, `member:${rep.body.id}`);
  const [, redrawn] = await telegram.waitForCalls('editMessageText', 2, { token });
  assert.match(redrawn.json.text, /<b>Status:<\/b> contacted by taker@example\.com/);
  const other = await app.api(ws.api_key, 'POST', '/api/v1/members', { email: 'other@example.com', role: 'member' });
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/members/${other.body.id}`, { telegram_user_id: stranger.id })).status, 409, 'one Telegram user, one member');
});

test('an update without the secret token, or with a wrong one, is refused and changes nothing', async () => {
  const { ws, token } = await workspaceWithBot('forged');
  const other = await workspaceWithBot('forged-other');
  const created = await app.capture(ws, { email: 'forged@example.com' });
  const alert = await alertFor(token, 'forged@example.com');
  const update = telegram.pressUpdate(alert, 'Spam');
  for (const secret of [null, '', 'wrong-secret', telegram.webhook(other.token).secret_token]) {
    const refused = await telegram.sendUpdate(token, update, { secret });
    assert.equal(refused.status, 401, `secret ${secret}`);
    assert.equal(refused.body.status, 401);
  }
  // The right secret for another workspace's webhook path is no better.
  const wrongPath = await telegram.sendUpdate(token, update, { url: telegram.webhook(other.token).url });
  assert.equal(wrongPath.status, 401);
  assert.equal((await lead(ws, created.body.id)).status, 'new');
  assert.equal(telegram.calls('answerCallbackQuery', token).length, 0);
  // The same update with the secret is taken (so the refusals above were the secret's doing).
  assert.equal((await telegram.sendUpdate(token, update)).status, 200);
  assert.equal((await lead(ws, created.body.id)).status, 'spam');
});

test('a replayed update, a stale button and another workspace\'s lead change nothing', async () => {
  const { ws, token } = await workspaceWithBot('replay');
  const foreign = await workspaceWithBot('replay-foreign');
  const created = await app.capture(ws, { email: 'replay@example.com' });
  const alert = await alertFor(token, 'replay@example.com');
  const contacted = telegram.pressUpdate(alert, 'Contacted');
  assert.equal((await telegram.sendUpdate(token, contacted)).status, 200);
  assert.equal((await lead(ws, created.body.id)).status, 'contacted');
  // Someone sets it back by API; the same update arriving again does nothing.
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${created.body.id}`, { status: 'new' })).status, 200);
  const replay = await telegram.sendUpdate(token, contacted);
  assert.equal(replay.status, 200, 'Telegram is told it arrived, so it stops redelivering');
  assert.equal((await lead(ws, created.body.id)).status, 'new');
  assert.equal(telegram.calls('answerCallbackQuery', token).length, 1, 'a replay is not even answered');

  // A button from before a change (the alert showed "new"; the lead is "won" now) is stale.
  await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${created.body.id}`, { status: 'won' });
  assert.equal((await telegram.sendUpdate(token, telegram.pressUpdate(alert, 'Qualified'))).status, 200);
  const stale = await lead(ws, created.body.id);
  assert.equal(stale.status, 'won');
  const answers = await telegram.waitForCalls('answerCallbackQuery', 2, { token });
  assert.match(answers[1].json.text, /out of date.*won/);

  // Workspace A's lead under a button pressed in workspace B's chat, through B's webhook.
  const foreignPress = telegram.pressUpdate(alert, 'Spam');
  foreignPress.callback_query.message.chat = { id: foreign.chatId, type: 'group' };
  assert.equal((await telegram.sendUpdate(foreign.token, foreignPress)).status, 200);
  assert.equal((await lead(ws, created.body.id)).status, 'won');
  const [foreignAnswer] = await telegram.waitForCalls('answerCallbackQuery', 1, { token: foreign.token });
  assert.match(foreignAnswer.json.text, /no longer exists/);
  // And A's button pressed in a chat that is not A's alert chat changes nothing either.
  const otherChat = telegram.pressUpdate(alert, 'Spam');
  otherChat.callback_query.message.chat = { id: 999, type: 'private' };
  assert.equal((await telegram.sendUpdate(token, otherChat)).status, 200);
  assert.equal((await lead(ws, created.body.id)).status, 'won');
  assert.equal((await lead(ws, created.body.id)).status_history.length, 3);
});

test('Snooze 1 h schedules a reminder follow-up and leaves the status', async () => {
  const { ws, token } = await workspaceWithBot('snooze');
  const created = await app.capture(ws, { email: 'snooze@example.com' });
  const alert = await alertFor(token, 'snooze@example.com');
  const pressedAt = Date.now();
  assert.equal((await telegram.sendUpdate(token, telegram.pressUpdate(alert, 'Snooze 1 h'))).status, 200);
  const list = await app.api(ws.api_key, 'GET', `/api/v1/leads/${created.body.id}/follow-ups`);
  assert.equal(list.status, 200);
  assert.equal(list.body.data.length, 1);
  const [followUp] = list.body.data;
  assert.match(followUp.id, /^fu_/);
  assert.equal(followUp.status, 'scheduled');
  assert.equal(followUp.created_by, 'telegram:@ada');
  assert.equal(followUp.cancel_on_status_change, true);
  assert.equal(followUp.action.type, 'telegram');
  const due = Date.parse(followUp.due_at) - pressedAt;
  assert.ok(due > 3_590_000 && due < 3_610_000, `due in ${due} ms`);
  assert.equal((await lead(ws, created.body.id)).status, 'new');
  const [edited] = await telegram.waitForCalls('editMessageText', 1, { token });
  assert.match(edited.json.text, /snoozed until/);
});
