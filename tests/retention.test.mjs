// Retention on the cron: only what is past its age goes, and never work
// still to do. A retention "day" is shortened to five minutes with the dev-only
// RETENTION_DAY_SECS var, and "old" rows are made old by moving their
// timestamps back two "days". A "day" outlasts the test's setup on a busy
// machine (each SQL run starts wrangler, once per database), so a young
// lead stays young. The receiver also stands in for Telegram.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const DAY_MS = 300_000;
let app, receiver;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({ testScheduled: true, vars: { RETENTION_DAY_SECS: String(DAY_MS / 1000), DELIVERY_LOG_RETENTION_DAYS: '1', TELEGRAM_API_BASE: receiver.url('') } });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const count = async (sql) => (await app.sql(sql))[0].n;
const inList = (ids) => ids.map((id) => `'${id}'`).join(', ');
const TOKEN = '123456:retention-test-token';
const TG = `/bot${TOKEN}/sendMessage`;
/** Telegram messages to `chat` whose text starts with `title`. */
const messages = (chat, title) => receiver.to(TG).filter((r) => r.json?.chat_id === chat && r.json.text.startsWith(title));

/** Moves a lead and everything it caused two "days" into the past. */
async function age(leadIds) {
  const events = `SELECT id FROM events WHERE lead_id IN (${inList(leadIds)})`;
  const deliveries = `SELECT id FROM deliveries WHERE event_id IN (${events})`;
  const back = 2 * DAY_MS;
  await app.sql(`UPDATE delivery_attempts SET attempted_at = attempted_at - ${back} WHERE delivery_id IN (${deliveries})`);
  await app.sql(`UPDATE deliveries SET created_at = created_at - ${back}, updated_at = updated_at - ${back} WHERE id IN (${deliveries})`);
  await app.sql(`UPDATE events SET created_at = created_at - ${back} WHERE lead_id IN (${inList(leadIds)})`);
  await app.sql(`UPDATE leads SET created_at = created_at - ${back} WHERE id IN (${inList(leadIds)})`);
}

test('lead_retention_days is a day to ten years, or null', async () => {
  const ws = await app.createWorkspace({ name: 'Settings' });
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/workspace')).body.lead_retention_days, null);
  for (const bad of [0, 3651, 'forever']) {
    const response = await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: bad });
    assert.equal(response.status, bad === 'forever' ? 400 : 422, String(bad));
    if (response.status === 422) assert.equal(response.body.errors[0].field, 'lead_retention_days');
  }
  assert.equal((await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: 90 })).body.lead_retention_days, 90);
  assert.equal((await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { name: 'Renamed' })).body.lead_retention_days, 90, 'kept when absent');
  assert.equal((await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: null })).body.lead_retention_days, null);
});

test('the cron deletes only what is past its age, and erases expired leads', async () => {
  const [keeping, forever] = [await app.createWorkspace({ name: 'Keeps a day' }), await app.createWorkspace({ name: 'Keeps forever' })];
  assert.equal((await app.api(keeping.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: 1 })).status, 200);
  assert.equal((await app.api(keeping.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/kept') })).status, 201);
  const capture = async (ws, email, key) => (await app.capture(ws, { email }, { headers: key ? { 'Idempotency-Key': key } : {} })).body.id;
  const oldLead = await capture(keeping, 'old@example.com', 'old-key');
  const freshLead = await capture(keeping, 'fresh@example.com', 'fresh-key');
  const oldForever = await capture(forever, 'old-forever@example.com');
  await receiver.waitForCount('/kept', 2);
  await app.waitFor(async () => (await count("SELECT count(*) AS n FROM delivery_attempts")) >= 2, { what: 'both attempts logged' });
  await age([oldLead, oldForever]);
  // Past the replay window (8 days).
  await app.sql(`UPDATE idempotency_keys SET created_at = created_at - ${9 * 86_400_000} WHERE key = 'old-key'`);
  const eventOf = async (leadId) => count(`SELECT count(*) AS n FROM events WHERE lead_id = '${leadId}' AND type = 'lead.created'`);
  assert.deepEqual([await eventOf(oldLead), await eventOf(freshLead), await eventOf(oldForever)], [1, 1, 1]);

  await app.triggerScheduled();
  await app.waitFor(async () => (await app.api(keeping.api_key, 'GET', `/api/v1/leads/${oldLead}`)).status === 404, { what: 'the expired lead to be erased' });

  assert.equal((await app.api(keeping.api_key, 'GET', `/api/v1/leads/${freshLead}`)).status, 200, 'a young lead stays');
  assert.equal((await app.api(forever.api_key, 'GET', `/api/v1/leads/${oldForever}`)).status, 200, 'no retention set: kept');
  const keys = (await app.sql('SELECT key FROM idempotency_keys ORDER BY key')).map((r) => r.key);
  assert.deepEqual(keys, ['fresh-key'], 'expired claims go (with the erased lead), live ones stay');
  assert.deepEqual([await eventOf(oldLead), await eventOf(freshLead), await eventOf(oldForever)], [0, 1, 0], 'old settled events go');
  const attempts = await app.sql("SELECT d.event_id AS event_id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_type = 'lead.created'");
  assert.equal(attempts.length, 1, "only the young lead's attempt log stays");
  assert.equal(await count(`SELECT count(*) AS n FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE lead_id = '${freshLead}')`), 1);
  const records = await app.sql(`SELECT requested_by, leads_erased FROM erasures WHERE workspace_id = '${keeping.id}'`);
  assert.deepEqual(records, [{ requested_by: 'retention', leads_erased: 1 }]);
  await app.waitFor(() => receiver.to('/kept').some((r) => r.json?.event === 'lead.erased' && r.json.data.id === oldLead), { what: 'lead.erased for the expired lead' });

  // A second run finds nothing more to delete.
  await app.triggerScheduled();
  assert.equal((await app.api(keeping.api_key, 'GET', `/api/v1/leads/${freshLead}`)).status, 200);
});

test('a campaign paused for longer than the log window still sends its held alert and workflow run on resume', async () => {
  const ws = await app.createWorkspace({ name: 'Paused long' });
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: 'paused' })).status, 200);
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/paused') })).status, 201);
  const workflow = { name: 'Tag', enabled: true, trigger: { event: 'lead.created' }, actions: [{ type: 'add_tag', tag: 'seen' }] };
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/workflows', workflow)).status, 201);
  const campaign = (await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'winter', name: 'Winter' })).body;
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.id}/pause`)).status, 200);
  const lead = (await app.capture(ws, { email: 'held@example.com', campaign: 'winter' })).body.id;
  const ofLead = `event_id IN (SELECT id FROM events WHERE lead_id = '${lead}')`;
  const rows = async (status) => count(`SELECT count(*) AS n FROM deliveries WHERE ${ofLead} AND status = '${status}'`);
  // The webhook goes out (and settles); the alert and the workflow expansion wait.
  await app.waitFor(async () => (await rows('succeeded')) === 1, { what: 'the webhook delivery to settle' });
  assert.equal(await rows('held'), 2, 'an alert and a workflow expansion held');
  await age([lead]);

  await app.triggerScheduled();
  await app.waitFor(async () => (await rows('succeeded')) === 0, { what: 'retention to delete the settled webhook delivery' });
  assert.equal(await rows('held'), 2, 'held work is kept past the log window');
  assert.equal(await count(`SELECT count(*) AS n FROM events WHERE lead_id = '${lead}'`), 1, 'with the event it needs');

  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.id}/resume`)).status, 200);
  await app.waitFor(() => messages('paused', '<b>New lead</b>').some((r) => r.json.text.includes('held@example.com')), { timeoutMs: 30_000, what: 'the released alert' });
  await app.waitFor(async () => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${lead}`)).body.tags.includes('seen'), { timeoutMs: 30_000, what: 'the released workflow run' });
});
