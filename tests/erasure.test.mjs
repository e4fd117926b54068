// Erasure: a lead or a person erased leaves no trace of them in any D1 table
// (every table of the local database is read back), is announced to
// webhooks as `lead.erased` with the id only, is recorded without personal
// data, and never reaches another workspace; nor do the digests, runs by hand
// and follow-ups that named it, whose messages Telegram echoed into the log.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp, DATABASES } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const TOKEN = '123456:erasure-test-token';
const EMAIL = 'gone.person@example.com';
const NAME = 'Gwendolyn Erasable';
let app, receiver, ws, other, endpoint;

before(async () => {
  receiver = await startReceiver();
  app = await spawnApp({ testScheduled: true, vars: { TELEGRAM_API_BASE: receiver.url(''), DELIVERY_RETRY_SCHEDULE: '1,1,1' } });
  [ws, other] = [await app.createWorkspace({ name: 'Erase' }), await app.createWorkspace({ name: 'Other' })];
  endpoint = (await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/erase') })).body;
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: '42' })).status, 200);
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

/** Every row of every table (listed from sqlite_master) in every database, as lower-cased JSON text, except another workspace's rows. */
async function everyRowOutside(workspaceId) {
  // Every database has the same tables.
  const columns = await app.sqlIn(DATABASES[0], `SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\'`);
  const tables = [...new Set(columns.map((c) => c.t))];
  assert.ok(tables.includes('leads') && tables.includes('delivery_attempts') && tables.includes('idempotency_keys'));
  const quote = (name) => `"${name.replaceAll('"', '""')}"`;
  // One statement (D1 refuses long compound SELECTs): each table's rows as one JSON array.
  // Blobs (the search index's pages and terms) are read as hex; its rows that
  // stand for one lead (by rowid) are left out when the lead is the other workspace's.
  const value = (c) => `CASE WHEN typeof(${quote(c)}) = 'blob' THEN hex(${quote(c)}) ELSE ${quote(c)} END`;
  const perLead = { leads_fts: 'rowid', leads_fts_content: 'id', leads_fts_docsize: 'id' };
  const arrays = tables.map((t) => {
    const pairs = columns.filter((c) => c.t === t).map((c) => `'${c.c}', ${value(c.c)}`).join(', ');
    const where = perLead[t] ? ` WHERE ${perLead[t]} NOT IN (SELECT rowid FROM leads WHERE workspace_id = '${workspaceId}')` : '';
    return `(SELECT json_group_array(json_object(${pairs})) FROM ${quote(t)}${where}) AS ${quote(t)}`;
  });
  // Asked of each database by name: the query names `workspaceId`, which `app.sql` would read as "only its database".
  const all = await Promise.all(DATABASES.map(async (database) => (await app.sqlIn(database, `SELECT ${arrays.join(', ')}`))[0]));
  const dump = {};
  for (const t of tables) {
    const rows = all.flatMap((one) => JSON.parse(one[t])).filter((r) => r.workspace_id !== workspaceId && r.id !== workspaceId);
    dump[t] = rows.map((r) => JSON.stringify(r).toLowerCase());
  }
  return dump;
}

const tracesOf = (dump, ...needles) => Object.entries(dump).flatMap(([table, rows]) => rows.filter((r) => needles.some((n) => r.includes(n.toLowerCase()))).map((r) => `${table}: ${r}`));

test('a read-only key cannot erase; unknown and foreign leads are 404; bad input is 422', async () => {
  const readOnly = (await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: 'ro', scopes: ['read'] })).body.key;
  const { id } = (await app.capture(ws, { email: 'kept@example.com' })).body;
  assert.equal((await app.api(readOnly, 'DELETE', `/api/v1/leads/${id}`)).status, 403);
  assert.equal((await app.api(readOnly, 'POST', '/api/v1/erasures', { email: 'kept@example.com' })).status, 403);
  const foreign = (await app.capture(other, { email: 'foreign@example.com' })).body.id;
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${foreign}`)).status, 404);
  assert.equal((await app.api(other.api_key, 'GET', `/api/v1/leads/${foreign}`)).status, 200, 'untouched');
  const bad = await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: 'not an email' });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.errors[0].field, 'email');
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/erasures', { mail: EMAIL })).status, 400);
  const none = await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: 'nobody@example.com' });
  assert.deepEqual([none.status, none.body], [200, { erased: 0 }]);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).status, 200);
});

test('erasing a person leaves no trace in any table, announces lead.erased, spares the other workspace', async () => {
  // Receivers that echo the lead back while its events are delivered, so the attempt log holds its data too.
  const echo = (body) => {
    receiver.plan('/erase', [{ status: 200, body: JSON.stringify(body) }]);
    receiver.plan(`/bot${TOKEN}/sendMessage`, [{ status: 200, body: JSON.stringify({ ok: true, result: body }) }]);
  };
  // The first test's lead is delivered (without the echo) before this one's.
  await receiver.waitForCount('/erase', 1);
  await receiver.waitForCount(`/bot${TOKEN}/sendMessage`, 1);
  echo({ echo: EMAIL, name: NAME });
  const ids = [];
  ids.push((await app.capture(ws, { email: EMAIL, name: NAME, phone: '+44 20 7946 0958', budget: EMAIL }, { headers: { 'Idempotency-Key': `signup-${EMAIL}` } })).body.id);
  ids.push((await app.capture(ws, { email: EMAIL.toUpperCase().replace('@EXAMPLE.COM', '@example.com'), name: NAME, message: 'second form' })).body.id);
  const theirs = (await app.capture(other, { email: EMAIL, name: NAME })).body.id;
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${ids[0]}`, { status: 'contacted', note: `called ${NAME}` })).status, 200);
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/leads/${ids[1]}/notes`, { body: `met ${NAME}` })).status, 201);
  // lead.created ×2, lead.updated, lead.status_changed to the endpoint; two Telegram alerts.
  await receiver.waitForCount('/erase', 5);
  await receiver.waitForCount(`/bot${TOKEN}/sendMessage`, 3);
  await app.waitFor(async () => (await app.sql(`SELECT count(*) AS n FROM delivery_attempts WHERE response_body LIKE '%${EMAIL}%'`))[0].n >= 6, { what: 'every attempt logged' });
  assert.ok(tracesOf(await everyRowOutside(other.id), EMAIL, NAME).length > 0, 'the data is there before');
  echo({ ok: true });

  const erased = await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: EMAIL });
  assert.deepEqual([erased.status, erased.body], [200, { erased: 2 }]);
  for (const id of ids) assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).status, 404);
  assert.deepEqual(tracesOf(await everyRowOutside(other.id), EMAIL, NAME, '7946 0958'), []);
  // The search index (tokens, not whole values, so checked by a match): only the other workspace's lead.
  const matched = await app.sql(`SELECT rowid AS r FROM leads_fts WHERE leads_fts MATCH '"gwendolyn" OR "79460958"'`);
  assert.deepEqual(matched.map((m) => m.r), (await app.sql(`SELECT rowid AS r FROM leads WHERE id = '${theirs}'`)).map((m) => m.r));
  assert.equal((await app.api(other.api_key, 'GET', `/api/v1/leads/${theirs}`)).body.email, EMAIL, "the other workspace's lead stays");

  await app.waitFor(() => receiver.to('/erase').filter((r) => r.json?.event === 'lead.erased').length >= 2, { what: 'two lead.erased webhooks' });
  const announced = receiver.to('/erase').filter((r) => r.json.event === 'lead.erased');
  assert.deepEqual(announced.map((r) => r.json.data).sort((a, b) => a.id.localeCompare(b.id)), ids.map((id) => ({ id })).sort((a, b) => a.id.localeCompare(b.id)));
  assert.ok(announced.every((r) => r.headers['x-leadsbot-event'] === 'lead.erased' && r.json.workspace_id === ws.id));
});

test('DELETE erases one lead and records every erasure without personal data', async () => {
  const { id } = (await app.capture(ws, { email: 'solo@example.com', name: 'Solo Erasable' })).body;
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${id}`)).status, 204);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${id}`)).status, 404);
  assert.deepEqual(tracesOf(await everyRowOutside(other.id), 'solo@example.com', 'Solo Erasable'), []);
  const keyId = (await app.api(ws.api_key, 'GET', '/api/v1/keys')).body.data.find((k) => k.name === 'Default key').id;
  const records = await app.sql(`SELECT requested_by, leads_erased, created_at FROM erasures WHERE workspace_id = '${ws.id}' ORDER BY id`);
  assert.deepEqual(records.map((r) => [r.requested_by, r.leads_erased]), [[keyId, 0], [keyId, 2], [keyId, 1]]);
  assert.ok(records.every((r) => r.created_at > 0));
  await app.waitFor(() => receiver.to('/erase').some((r) => r.json?.event === 'lead.erased' && r.json.data.id === id), { what: 'the lead.erased webhook' });
  const list = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.id}/deliveries`);
  assert.equal(list.status, 200);
});

test('erasures racing for one lead announce it once', async () => {
  const { id } = (await app.capture(ws, { email: 'raced@example.com' })).body;
  const statuses = (await Promise.all(Array.from({ length: 6 }, () => app.api(ws.api_key, 'DELETE', `/api/v1/leads/${id}`)))).map((r) => r.status);
  assert.ok(statuses.includes(204) && statuses.every((s) => s === 204 || s === 404), statuses.join());
  const events = await app.sql(`SELECT count(*) AS n FROM events WHERE type = 'lead.erased' AND lead_id = '${id}'`);
  assert.equal(events[0].n, 1);
  const outbox = await app.sql(`SELECT count(*) AS n FROM deliveries WHERE event_type = 'lead.erased' AND event_id IN (SELECT id FROM events WHERE lead_id = '${id}')`);
  assert.equal(outbox[0].n, 1, 'one delivery to the one endpoint');
});

test('a digest, a run started by hand and a follow-up echoed back leave no trace of an erased lead; a digest sent again is rebuilt', async () => {
  const EMAIL_IDN = 'Gwen.Trace@Bücher.example';
  const STORED = 'Gwen.Trace@xn--bcher-kva.example';
  const NAME_IDN = 'Philippa Traceable';
  const sendMessage = `/bot${TOKEN}/sendMessage`;
  const sent = (needle) => receiver.to(sendMessage).filter((r) => r.rawBody.includes(needle));
  receiver.plan(sendMessage, [{ echo: true }]);
  const traced = await app.createWorkspace({ name: 'Traced' });
  assert.equal((await app.api(traced.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: 'traced' })).status, 200);
  const { id } = (await app.capture(traced, { email: EMAIL_IDN, name: NAME_IDN })).body;
  assert.equal((await app.api(traced.api_key, 'GET', `/api/v1/leads/${id}`)).body.email, STORED);

  // Yesterday's digest names it (still new after 24 h).
  await app.sql(`UPDATE leads SET created_at = created_at - 86460000 WHERE id = '${id}'`);
  await app.api(traced.api_key, 'PATCH', '/api/v1/workspace', { digest_hour: 0 });
  await app.triggerScheduled();
  await app.waitFor(() => sent('digest').some((r) => r.json.text.includes(STORED)), { timeoutMs: 20_000, what: 'the digest naming the lead' });
  const [digestEvent] = await app.sql(`SELECT id, payload FROM events WHERE workspace_id = '${traced.id}' AND type = 'summary.digest' AND instr(payload, '${id}') > 0`);
  assert.ok(!digestEvent.payload.toLowerCase().includes(STORED.toLowerCase()), 'the stored digest names the lead by id, without its email');
  // A run started by hand, and a follow-up, each messaging Telegram about it.
  const workflow = (await app.api(traced.api_key, 'POST', '/api/v1/workflows', {
    name: 'Call back', trigger: { event: 'manual' }, actions: [{ type: 'telegram', template: 'Call {{lead.name}} <{{lead.email}}>' }],
  })).body;
  assert.equal((await app.api(traced.api_key, 'POST', `/api/v1/workflows/${workflow.id}/trigger`, { lead_id: id })).status, 202);
  const followUp = await app.api(traced.api_key, 'POST', `/api/v1/leads/${id}/follow-ups`, { after_seconds: 1, action: { type: 'telegram', template: 'Still new: {{lead.email}}' } });
  assert.equal(followUp.status, 201, JSON.stringify(followUp.body));
  await app.waitFor(() => sent('Call Philippa').length && sent('Still new:').length, { timeoutMs: 30_000, what: 'the run and the follow-up' });
  await app.waitFor(async () => (await app.sql(`SELECT count(*) AS n FROM delivery_attempts WHERE workspace_id = '${traced.id}' AND response_body LIKE '%xn--bcher-kva%'`))[0].n >= 4,
    { what: 'the echoes logged: alert, digest, run, follow-up' });
  const needles = [STORED, STORED.toLowerCase(), EMAIL_IDN.toLowerCase(), NAME_IDN];
  assert.ok(tracesOf(await everyRowOutside(other.id), ...needles).length > 0, 'the data is there before');

  const erased = await app.api(traced.api_key, 'POST', '/api/v1/erasures', { email: 'gwen.trace@BÜCHER.example' });
  assert.deepEqual(erased.body, { erased: 1 });
  assert.deepEqual(tracesOf(await everyRowOutside(other.id), ...needles), []);

  const [digestJob] = (await app.api(traced.api_key, 'GET', '/api/v1/deliveries?channel=telegram')).body.data.filter((j) => j.event_id === digestEvent.id);
  const before = sent('digest').length;
  assert.equal((await app.api(traced.api_key, 'POST', `/api/v1/deliveries/${digestJob.id}/retry`)).status, 202);
  await app.waitFor(() => sent('digest').length > before, { timeoutMs: 20_000, what: 'the digest sent again' });
  const again = sent('digest').at(-1).json.text;
  assert.ok(!again.toLowerCase().includes('xn--bcher-kva') && again.includes('<b>Still new after 24 h:</b> 0'), again);
  await app.waitFor(async () => (await app.sql(`SELECT count(*) AS n FROM delivery_attempts WHERE delivery_id = '${digestJob.id}'`))[0].n >= 2, { what: 'the replay logged' });
  assert.deepEqual(tracesOf(await everyRowOutside(other.id), ...needles), [], 'nor after the replay');
});
