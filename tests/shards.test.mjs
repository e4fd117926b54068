// Two databases, end to end: workspace A lands on `DB` and B on `DB_1`, and
// each captures with every credential kind, delivers signed webhooks, runs a
// workflow, shows its leads in the inbox, exports and erases, all inside its
// own database; neither ever sees the other, a key of one is refused on the
// other's id as before, and one cron tick sweeps both databases.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawnApp } from './support/app.mjs';
import { startReceiver, verifyLeadsBotSignature, verifyStandardWebhook } from './support/receiver.mjs';
import { signInbound } from './support/signing.mjs';
import { inboxLink, postForm } from './support/inbox.mjs';

const { parse } = createRequire(import.meta.url)('csv-parse/sync');
const ORIGIN = 'https://site.example';
const DAY_MS = 86_400_000;

let app, receiver;
/** Per workspace: { ws, secret (its endpoint's), workflow, captured: [{ id, email, via }] }. */
const shards = {};
before(async () => {
  receiver = await startReceiver();
  // Retries an hour apart: a failed first attempt waits for the cron test's sweep, not for the queue.
  app = await spawnApp({ testScheduled: true, vars: { DELIVERY_RETRY_SCHEDULE: '3600' } });
  for (const name of ['A', 'B']) {
    const ws = await app.createWorkspace({ name, allowed_origins: [ORIGIN] });
    const endpoint = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(`/${name}`), events: ['lead.created'] });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const workflow = await app.api(ws.api_key, 'POST', '/api/v1/workflows', {
      name: 'Tag', trigger: { event: 'lead.created' }, actions: [{ type: 'add_tag', tag: `from-${name}` }],
    });
    assert.equal(workflow.status, 201, JSON.stringify(workflow.body));
    shards[name] = { ws, secret: endpoint.body.secret, workflow: workflow.body, captured: [] };
  }
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

const other = (name) => (name === 'A' ? 'B' : 'A');
const count = async (database, sql) => (await app.sqlIn(database, sql))[0].n;

/** One capture with each credential kind; every one answers 201. */
async function captureEveryWay({ ws, captured }, tag) {
  const inbound = `/api/inbound/${ws.id}/leads`;
  const email = (via) => `${via}-${tag}@example.com`;
  const signedBody = JSON.stringify({ email: email('signed') });
  const url = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Form' });
  assert.equal(url.status, 201, JSON.stringify(url.body));
  const ways = {
    key: () => app.capture(ws, { email: email('key') }),
    token: () => app.request('POST', inbound, { headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: ORIGIN }, raw: JSON.stringify({ _token: ws.public_token, email: email('token') }) }),
    signed: () => app.request('POST', inbound, { headers: { 'Content-Type': 'application/json', ...signInbound(ws.inbound_signing_secret, signedBody) }, raw: signedBody }),
    url: () => app.request('POST', `/api/inbound/w/${url.body.id}/leads`, { body: { email: email('url') } }),
  };
  // A browser asks first: the preflight reads the allowed origins from the workspace's database.
  const preflight = await app.request('OPTIONS', inbound, { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' } });
  assert.equal(preflight.status, 204, `${ws.name}'s preflight`);
  for (const [via, send] of Object.entries(ways)) {
    const response = await send();
    assert.equal(response.status, 201, `${ws.name} by ${via}: ${JSON.stringify(response.body)}`);
    captured.push({ id: response.body.id, email: email(via), via });
  }
}

test('consecutive workspaces land on different databases', () => {
  assert.equal(shards.A.ws.database, 'DB');
  assert.equal(shards.B.ws.database, 'DB_1');
});

test('each workspace captures with every credential kind, delivers signed webhooks and runs its workflow', async () => {
  for (const name of ['A', 'B']) await captureEveryWay(shards[name], name.toLowerCase());
  for (const name of ['A', 'B']) {
    const { ws, secret, workflow, captured } = shards[name];
    await receiver.waitForCount(`/${name}`, captured.length);
    const requests = receiver.to(`/${name}`);
    assert.deepEqual(requests.map((r) => r.json.data.id).sort(), captured.map((c) => c.id).sort(), `${name}: each lead delivered once`);
    for (const r of requests) {
      assert.ok(verifyLeadsBotSignature(r.rawBody, r.headers['x-leadsbot-signature'], secret) && verifyStandardWebhook(r.rawBody, r.headers, secret));
      assert.equal(r.json.workspace_id, ws.id);
    }
    const runs = await app.waitFor(async () => {
      const data = (await app.api(ws.api_key, 'GET', `/api/v1/workflows/${workflow.id}/runs`)).body.data;
      return data.length === captured.length && data.every((run) => run.status === 'completed') && data;
    }, { timeoutMs: 30_000, intervalMs: 200, what: `${name}'s workflow runs` });
    assert.deepEqual(runs.map((r) => r.lead_id).sort(), captured.map((c) => c.id).sort());
    for (const { id } of captured) assert.deepEqual((await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body.tags, [`from-${name}`]);
  }
});

const TABLES = ['leads', 'events', 'deliveries', 'workflow_runs', 'api_keys', 'capture_urls'];

test("the rows of a workspace are in its own database only; neither sees the other's leads", async () => {
  // One query per database (each costs a wrangler start): every table's rows of each workspace.
  const columns = Object.values(shards).flatMap(({ ws }) => TABLES.map((t) => `(SELECT count(*) FROM ${t} WHERE workspace_id = '${ws.id}') AS "${ws.name}.${t}"`));
  const found = Object.fromEntries(await Promise.all(['DB', 'DB_1'].map(async (db) => [db, (await app.sqlIn(db, `SELECT ${columns.join(', ')}`))[0]])));
  for (const name of ['A', 'B']) {
    const { ws, captured } = shards[name];
    const theirs = shards[other(name)];
    for (const table of TABLES) {
      assert.ok(found[ws.database][`${name}.${table}`] > 0, `${name}'s ${table} in ${ws.database}`);
      assert.equal(found[theirs.ws.database][`${name}.${table}`], 0, `none of ${name}'s ${table} in ${theirs.ws.database}`);
    }
    const listed = (await app.listLeads(ws.api_key, { limit: 100 })).data.map((l) => l.id).sort();
    assert.deepEqual(listed, captured.map((c) => c.id).sort());
    assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${theirs.captured[0].id}`)).status, 404);
  }
});

test("a key of one workspace used against the other's id is refused as before", async () => {
  for (const [mine, theirs] of [[shards.A.ws, shards.B.ws], [shards.B.ws, shards.A.ws]]) {
    const response = await app.request('POST', `/api/inbound/${theirs.id}/leads`, { headers: { Authorization: `Bearer ${mine.api_key}` }, body: { email: 'cross@example.com' } });
    assert.equal(response.status, 404, JSON.stringify(response.body));
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    const token = await app.request('POST', `/api/inbound/${theirs.id}/leads`, { headers: { 'Content-Type': 'text/plain', Origin: ORIGIN }, raw: JSON.stringify({ _token: mine.public_token, email: 'cross@example.com' }) });
    assert.equal(token.status, 404, JSON.stringify(token.body));
  }
  assert.deepEqual(await app.sql("SELECT count(*) AS n FROM leads WHERE email LIKE 'cross@%'"), [{ n: 0 }], 'in neither database');
});

test('a one-time link signs each into its own inbox, which shows its leads and not the other’s', async () => {
  for (const name of ['A', 'B']) {
    const { ws, captured } = shards[name];
    const link = new URL(await inboxLink(app, ws)).searchParams.get('link');
    const signedIn = await postForm(app, '/app/sign-in', { link });
    assert.equal(signedIn.status, 303, signedIn.text);
    assert.match(signedIn.cookie, new RegExp(`^lb_session=lbs_${ws.id}_`));
    const page = await fetch(`${app.baseUrl}/app`, { headers: { Cookie: signedIn.cookie.split(';')[0] }, redirect: 'manual' });
    assert.equal(page.status, 200);
    const html = await page.text();
    for (const { email } of captured) assert.ok(html.includes(email), `${name}'s inbox shows ${email}`);
    for (const { email } of shards[other(name)].captured) assert.ok(!html.includes(email), `${name}'s inbox never shows ${email}`);
  }
});

test('each exports its own leads, parsed back', async () => {
  for (const name of ['A', 'B']) {
    const { ws, captured } = shards[name];
    const response = await fetch(`${app.baseUrl}/api/v1/leads/export`, { headers: { Authorization: `Bearer ${ws.api_key}` } });
    assert.equal(response.status, 200);
    const [header, ...rows] = parse(await response.text());
    const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    assert.deepEqual(records.map((r) => [r.id, r.email, r.workspace_id]).sort(), captured.map((c) => [c.id, c.email, ws.id]).sort());
  }
});

test('erasing a person in one workspace leaves the same person in the other', async () => {
  const email = 'same-person@example.com';
  const ids = {};
  for (const name of ['A', 'B']) ids[name] = (await app.capture(shards[name].ws, { email })).body.id;
  const erased = await app.api(shards.A.ws.api_key, 'POST', '/api/v1/erasures', { email });
  assert.deepEqual([erased.status, erased.body], [200, { erased: 1 }]);
  assert.equal((await app.api(shards.A.ws.api_key, 'GET', `/api/v1/leads/${ids.A}`)).status, 404);
  assert.equal(await count('DB', `SELECT count(*) AS n FROM leads WHERE id = '${ids.A}'`), 0);
  assert.equal((await app.api(shards.B.ws.api_key, 'GET', `/api/v1/leads/${ids.B}`)).body.email, email);
  assert.equal((await app.api(shards.B.ws.api_key, 'DELETE', `/api/v1/leads/${ids.B}`)).status, 204);
  const [left] = await app.sqlIn('DB_1', `SELECT (SELECT count(*) FROM leads WHERE id = '${ids.B}') AS leads, (SELECT count(*) FROM erasures WHERE workspace_id = '${shards.B.ws.id}') AS erasures`);
  assert.deepEqual(left, { leads: 0, erasures: 1 });
});

test('one cron tick sweeps both databases: an overdue delivery in each is sent, an expired lead in each erased', async () => {
  const stuck = {};
  for (const name of ['A', 'B']) {
    const { ws } = shards[name];
    // A delivery whose first attempt failed and whose retry is an hour away, made overdue: only the sweeper sends it.
    const path = `/swept-${name}`;
    receiver.plan(path, [{ status: 500 }, { status: 200 }]);
    const endpoint = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(path), events: ['lead.updated'] });
    assert.equal(endpoint.status, 201);
    const lead = shards[name].captured[0].id;
    assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${lead}`, { status: 'contacted' })).status, 200);
    await receiver.waitForCount(path, 1);
    stuck[name] = { endpoint: endpoint.body.id, path };
    const failed = await app.waitFor(async () => {
      const [delivery] = (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpoint.body.id}/deliveries`)).body.data;
      return delivery?.status === 'pending' && delivery.attempt_count === 1 && delivery;
    }, { what: `${name}'s failed attempt recorded` });
    stuck[name].delivery = failed.id;
    // And a lead two days old, in a workspace about to keep leads a day.
    const expired = (await app.capture(ws, { email: `expired-${name}@example.com` })).body.id;
    await app.sqlIn(ws.database, `UPDATE deliveries SET next_attempt_at = ${Date.now() - 600_000} WHERE workspace_id = '${ws.id}' AND target_id = '${endpoint.body.id}';
      UPDATE leads SET created_at = created_at - ${2 * DAY_MS} WHERE id = '${expired}'`);
    assert.equal((await app.api(ws.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: 1 })).status, 200);
    stuck[name].expired = expired;
  }
  await app.triggerScheduled();
  for (const name of ['A', 'B']) {
    const { ws } = shards[name];
    await receiver.waitForCount(stuck[name].path, 2);
    // That delivery (the workflow's tag on the expired lead raises a lead.updated of its own, which the erasure fails).
    await app.waitFor(async () => (await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${stuck[name].delivery}`)).body.status === 'succeeded', { what: `${name}'s swept delivery to succeed` });
    await app.waitFor(async () => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${stuck[name].expired}`)).status === 404, { what: `${name}'s expired lead erased` });
    assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${shards[name].captured[1].id}`)).status, 200, 'a fresh lead is kept');
  }
});
