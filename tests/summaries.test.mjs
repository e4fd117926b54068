// Summaries: GET /api/v1/summaries over known fixtures, in the workspace's
// own time zone (local dates computed here with Node's Intl), exact shape;
// and the cron's digest to a Telegram stand-in, once per period.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const KEYS = ['by_campaign', 'by_source', 'by_status', 'date', 'delivery_failures', 'disabled_endpoints', 'new_leads', 'period', 'timezone', 'untouched'];
let app, receiver;
before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({ testScheduled: true, vars: { DELIVERY_RETRY_SCHEDULE: '1', TELEGRAM_API_BASE: receiver.url('') } });
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const localDate = (timeZone, ms = Date.now()) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
const summary = (ws, query) => app.api(ws.api_key, 'GET', `/api/v1/summaries?${new URLSearchParams(query)}`);

test('a day: leads by source, campaign and status; failures and disabled endpoints; exact shape', async () => {
  const ws = await app.createWorkspace({ name: 'Summary' });
  receiver.plan('/gone', [{ status: 410 }]);
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/gone') })).status, 201);
  // The first lead's delivery gets a 410, which disables the endpoint: one failure, nothing more sent.
  const ids = [(await app.capture(ws, { email: 'a@example.com', campaign: 'spring' })).body.id];
  await app.waitFor(async () => (await app.api(ws.api_key, 'GET', '/api/v1/webhooks')).body.data[0].disabled_at, { what: 'the 410 to disable the endpoint' });
  for (const fields of [{ email: 'b@example.com', campaign: 'spring', source: 'zapier' }, { email: 'c@example.com' }]) {
    ids.push((await app.capture(ws, fields)).body.id);
  }
  await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${ids[2]}`, { status: 'won' });
  const today = localDate('UTC');
  const got = await summary(ws, { period: 'day', date: today });
  assert.equal(got.status, 200);
  assert.deepEqual(Object.keys(got.body).sort(), KEYS);
  assert.deepEqual(
    { ...got.body, untouched: undefined },
    { period: 'day', date: today, timezone: 'UTC', new_leads: 3, by_source: { api: 2, zapier: 1 }, by_campaign: { spring: 2 },
      by_status: { new: 2, won: 1 }, untouched: undefined, delivery_failures: 1, disabled_endpoints: 1 },
  );
  assert.deepEqual(got.body.untouched, [], 'nothing is a day old yet');
  const yesterday = await summary(ws, { period: 'day', date: localDate('UTC', Date.now() - 86_400_000) });
  assert.equal(yesterday.body.new_leads, 0);

  // A lead still new 30 hours after it came is untouched.
  await app.sql(`UPDATE leads SET created_at = created_at - ${30 * 3_600_000} WHERE id = '${ids[0]}'`);
  const lead = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${ids[0]}`)).body;
  const then = await summary(ws, { period: 'day', date: lead.created_at.slice(0, 10) });
  assert.deepEqual(then.body.untouched, [{ id: lead.id, email: 'a@example.com', created_at: lead.created_at }]);
  const week = await summary(ws, { period: 'week', date: today });
  const monday = new Date(`${today}T00:00:00Z`);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  assert.equal(week.body.date, monday.toISOString().slice(0, 10), 'a week is reported by its Monday');
  assert.ok(week.body.new_leads >= 2);
});

test("days are the workspace's local days, daylight saving by Intl", async () => {
  for (const timezone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
    const ws = await app.createWorkspace({ name: timezone });
    const patched = await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { timezone, digest_hour: 9 });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.body.timezone, patched.body.digest_hour], [timezone, 9]);
    await app.capture(ws, { email: 'local@example.com' });
    const local = await summary(ws, { period: 'day', date: localDate(timezone) });
    assert.deepEqual([local.body.timezone, local.body.new_leads], [timezone, 1], timezone);
    const utcDay = localDate('UTC');
    if (utcDay !== localDate(timezone)) assert.equal((await summary(ws, { period: 'day', date: utcDay })).body.new_leads, 0);
  }
});

test('the workspace takes exactly the time zones its schema lists', async () => {
  const ws = await app.createWorkspace({ name: 'Zones' });
  const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
  const listed = doc.components.schemas.WorkspacePatch.properties.timezone.enum;
  assert.ok(listed.length > 400 && listed.includes('Europe/Kyiv') && listed.includes('UTC'), `${listed.length} names`);
  // Ten workspaces side by side, each changed one name after another (a PATCH answers the row as it reads it).
  const lanes = [ws, ...await Promise.all(Array.from({ length: 9 }, (_, i) => app.createWorkspace({ name: `Zones ${i}` })))];
  const refused = [];
  await Promise.all(lanes.map(async (lane, j) => {
    for (let i = j; i < listed.length; i += lanes.length) {
      const response = await app.api(lane.api_key, 'PATCH', '/api/v1/workspace', { timezone: listed[i] });
      if (response.status !== 200 || response.body.timezone !== listed[i]) refused.push(`${listed[i]}: ${response.status} ${response.body.timezone}`);
    }
  }));
  assert.deepEqual(refused, [], 'every listed name is taken, as written');
  for (const timezone of ['europe/berlin', ' UTC', 'Mars/Olympus_Mons', '+01:00']) {
    assert.ok(!listed.includes(timezone));
    const response = await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { timezone });
    assert.equal(response.status, 422, timezone);
    assert.equal(response.body.errors[0].field, 'timezone');
  }
});

test('bad input is 422 naming the field; the key needs read', async () => {
  const ws = await app.createWorkspace({ name: 'Bad' });
  for (const [query, fields] of [[{ period: 'month', date: '2026-01-01' }, ['period']], [{ period: 'day', date: '2026-02-30' }, ['date']], [{}, ['period', 'date']], [{ period: 'day', date: '2026-01-01', tz: 'x' }, ['tz']]]) {
    const response = await summary(ws, query);
    assert.equal(response.status, 422, JSON.stringify(query));
    assert.deepEqual(response.body.errors.map((e) => e.field), fields);
  }
  for (const [body, field] of [[{ timezone: 'Mars/Olympus_Mons' }, 'timezone'], [{ digest_hour: 24 }, 'digest_hour'], [{ digest_hour: -1 }, 'digest_hour']]) {
    const response = await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', body);
    assert.equal(response.status, 422, JSON.stringify(body));
    assert.equal(response.body.errors[0].field, field);
  }
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/workspace')).body.timezone, 'UTC');
  assert.equal((await app.request('GET', '/api/v1/summaries?period=day&date=2026-01-01')).status, 401);
});

test("the cron sends yesterday's digest to Telegram at the chosen hour, escaped, once", async () => {
  const TOKEN = '123456:digest-test-token';
  const path = `/bot${TOKEN}/sendMessage`;
  const ws = await app.createWorkspace({ name: 'Digest' });
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: '7' })).status, 200);
  await app.capture(ws, { email: 'x.y@example.com', campaign: '<b>spring</b>' });
  await app.capture(ws, { email: 'plain@example.com' });
  await receiver.waitForCount(path, 2);
  await app.sql(`UPDATE leads SET created_at = created_at - 86400000 WHERE workspace_id = '${ws.id}'`);
  const yesterday = localDate('UTC', Date.now() - 86_400_000);
  const digests = async () => (await app.sql(`SELECT period, date FROM digests WHERE workspace_id = '${ws.id}' ORDER BY period`));

  const hour = new Date().getUTCHours();
  if (hour < 23) {
    await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { digest_hour: hour + 1 });
    await app.triggerScheduled();
    assert.deepEqual(await digests(), [], 'not before the chosen hour');
  }
  await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { digest_hour: 0 });
  await app.triggerScheduled();
  await app.triggerScheduled();
  const isDaily = (r) => r.json?.text?.startsWith('<b>LeadsBot daily digest</b>');
  await app.waitFor(() => receiver.to(path).some(isDaily), { timeoutMs: 20_000, what: 'the daily digest' });
  const claimed = await digests();
  assert.deepEqual(claimed.filter((d) => d.period === 'day'), [{ period: 'day', date: yesterday }]);
  const sent = await app.sql(`SELECT status FROM deliveries WHERE workspace_id = '${ws.id}' AND event_type = 'summary.digest'`);
  assert.equal(sent.length, claimed.length, 'one delivery per claimed period (a weekly one on Mondays)');
  await app.triggerScheduled();
  assert.equal((await app.sql(`SELECT count(*) AS n FROM deliveries WHERE workspace_id = '${ws.id}' AND event_type = 'summary.digest'`))[0].n, claimed.length);
  const [digest] = receiver.to(path).filter(isDaily);
  assert.equal(receiver.to(path).filter(isDaily).length, 1);
  assert.equal(digest.json.chat_id, '7');
  assert.equal(digest.json.parse_mode, 'HTML');
  const text = digest.json.text;
  assert.ok(text.includes(`${yesterday} (UTC)`), text);
  assert.ok(text.includes('<b>New leads:</b> 2'), text);
  assert.ok(text.includes('<b>By campaign:</b> b-spring-b 1'), `by the campaign's slug: ${text}`);
  assert.ok(!text.includes('<b>spring'), text);
  assert.ok(text.includes('<b>Still new after 24 h:</b> 2') && text.includes('• x.y@example.com'), text);
});
