// Workflows end to end on wrangler dev: definitions and their 422s, each
// trigger, each condition operator, each action (Telegram through the Bot API
// stand-in, webhooks to the recording receiver, status and tags), manual
// runs and dry runs, redelivered queue messages, the loop guard, escaping.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { verifyStandardWebhook, verifyLeadsBotSignature } from './support/receiver.mjs';
import { useAppWithTelegram } from './support/response.mjs';

const TOKEN = '123456:TEST-token_abcdefghijklmnop';
const TG = `/bot${TOKEN}/sendMessage`;
let app, receiver, telegram;
const running = useAppWithTelegram({ testScheduled: true, vars: { DELIVERY_SWEEP_AFTER_SECS: '0' } }, (r) => ({ app, receiver, telegram } = r));

/** A workspace with Telegram set up (chat = its name) and one endpoint at `path`. */
async function setup(name, { events } = {}) {
  const ws = await app.createWorkspace({ name });
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: name })).status, 200);
  const created = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(`/${name}`), events });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { ws, endpoint: created.body, secret: created.body.secret, path: `/${name}` };
}

/** An endpoint for workflow webhook actions at `path`, its replies planned. */
async function actionEndpoint(ws, path, replies) {
  const created = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(path), events: ['workflow.action'] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  receiver.plan(path, replies);
  return created.body;
}

async function createWorkflow(ws, body) {
  const created = await app.api(ws.api_key, 'POST', '/api/v1/workflows', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

async function capture(ws, fields) {
  const lead = await app.capture(ws, fields);
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  return lead.body;
}

// A workflow's own messages: not the new-lead alert, and not the daily digest
// (the tests fire the cron, which sends it once the workspace's digest hour, 08:00 by default, has passed).
const chat = (name) => telegram.to(TG).filter((r) => r.json.chat_id === name && !r.json.text.startsWith('<b>New lead</b>') && !r.json.text.startsWith('<b>LeadsBot '));

async function runs(ws, path) {
  const response = await app.api(ws.api_key, 'GET', path);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

const finishedRuns = (ws, path, count) => app.waitFor(async () => {
  const data = await runs(ws, path);
  return data.length >= count && data.every((r) => r.status === 'completed' || r.status === 'failed') && data;
}, { timeoutMs: 30_000, intervalMs: 200, what: `${count} finished runs at ${path}` });

/** Every expansion of events into runs has been worked off (none pending). */
const expansionsDone = (ws) => app.waitFor(async () => {
  const rows = await app.sql(`SELECT status FROM deliveries WHERE workspace_id = '${ws.id}' AND target_kind IN ('workflows', 'run')`);
  return rows.length > 0 && rows.every((r) => r.status !== 'pending');
}, { timeoutMs: 30_000, intervalMs: 300, what: 'every workflow expansion and run to finish' });

const patchLead = (ws, id, body) => app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, body);
const lead = async (ws, id) => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body;
const endpointNow = async (ws, id) => (await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${id}`)).body;

/** An endpoint's delivery log, newest first. */
async function endpointLog(ws, endpointId) {
  const response = await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${endpointId}/deliveries`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

/** A delivery of an endpoint's log, once it is `status` after `attempts` attempts. */
const settledJob = (ws, endpointId, id, status, attempts) => app.waitFor(async () => {
  const job = (await endpointLog(ws, endpointId)).find((d) => d.id === id);
  return job?.status === status && job.attempt_count === attempts && job;
}, { timeoutMs: 30_000, intervalMs: 200, what: `${id} ${status} after ${attempts} attempts` });

test('definitions: the issue contract, 422s naming the bad part, 400, 403, 404 and other workspaces', async () => {
  const { ws, endpoint } = await setup('crud');
  const body = {
    name: 'Hot spring leads', enabled: true, trigger: { event: 'lead.created' },
    conditions: { all: [{ field: 'campaign', op: 'equals', value: 'spring' }, { field: 'custom.budget', op: 'greater_than', value: 1000 }] },
    actions: [
      { type: 'add_tag', tag: 'hot' }, { type: 'telegram', template: 'New lead {{lead.name}} <{{lead.email}}>' },
      { type: 'webhook', endpoint_id: endpoint.id, payload: { who: '{{lead.email}}' } }, { type: 'set_status', status: 'contacted' },
      { type: 'follow_up', after_seconds: 7200, action: { type: 'telegram', template: 'Still new: {{lead.email}}' }, cancel_on_status_change: true },
    ],
  };
  const wf = await createWorkflow(ws, body);
  assert.match(wf.id, /^wf_[0-9A-Z]{26}$/);
  const { id, created_at, updated_at, ...shown } = wf;
  assert.deepEqual(shown, body);
  assert.ok(created_at && updated_at);
  assert.deepEqual((await app.api(ws.api_key, 'GET', `/api/v1/workflows/${wf.id}`)).body, wf);
  assert.deepEqual((await app.api(ws.api_key, 'GET', '/api/v1/workflows')).body.data.map((w) => w.id), [wf.id]);

  const off = await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${wf.id}`, { enabled: false, conditions: null });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.enabled, false);
  assert.equal(off.body.conditions, undefined);
  assert.deepEqual(off.body.actions, body.actions);

  const bad = structuredClone(body);
  bad.actions[1].template = 'Hi {{lead.password}}';
  bad.actions[2].endpoint_id = 'ep_01J00000000000000000000000';
  bad.conditions.all[1].op = 'bigger';
  bad.trigger = { event: 'lead.status_changed', to: 'hot' };
  const refused = await app.api(ws.api_key, 'POST', '/api/v1/workflows', bad);
  assert.equal(refused.status, 422);
  assert.equal(refused.headers.get('content-type'), 'application/problem+json');
  assert.deepEqual(refused.body.errors.map((e) => e.field), ['trigger.to', 'conditions.all[1].op', 'actions[1].template']);
  const broken = await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${wf.id}`, { actions: [{ type: 'telegram', template: 'x {{lead.email' }] });
  assert.deepEqual([broken.status, broken.body.errors.map((e) => e.field)], [422, ['actions[0].template']]);
  const unknown = await app.api(ws.api_key, 'POST', '/api/v1/workflows', { ...body, colour: 'red' });
  assert.deepEqual([unknown.status, unknown.body.errors?.[0]?.field], [400, 'colour']);

  const other = await setup('crud-other');
  const foreign = structuredClone(body);
  foreign.actions = [{ type: 'webhook', endpoint_id: other.endpoint.id }];
  const notHers = await app.api(ws.api_key, 'POST', '/api/v1/workflows', foreign);
  assert.deepEqual([notHers.status, notHers.body.errors.map((e) => [e.field, e.code])], [422, [['actions[0].endpoint_id', 'not_found']]]);
  for (const [method, path, b] of [['GET', ''], ['PATCH', '', { enabled: true }], ['DELETE', ''], ['GET', '/runs'], ['POST', '/trigger', { filter: {} }]]) {
    assert.equal((await app.api(other.ws.api_key, method, `/api/v1/workflows/${wf.id}${path}`, b)).status, 404, `${method} ${path} from another workspace`);
  }
  const theirLead = await capture(other.ws, { email: 'theirs@example.com' });
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${theirLead.id}/runs`)).status, 404);
  const viaTheirLead = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.id}/trigger`, { lead_id: theirLead.id });
  assert.deepEqual([viaTheirLead.status, viaTheirLead.body.errors[0].field], [422, 'lead_id']);

  const reader = await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: 'reader', scopes: ['read'] });
  assert.equal((await app.api(reader.body.key, 'GET', `/api/v1/workflows/${wf.id}`)).status, 200);
  for (const [method, path, b] of [['POST', '', body], ['PATCH', `/${wf.id}`, { enabled: true }], ['DELETE', `/${wf.id}`], ['POST', `/${wf.id}/trigger`, { filter: {} }]]) {
    assert.equal((await app.api(reader.body.key, method, `/api/v1/workflows${path}`, b)).status, 403, `${method} ${path} with a read key`);
  }
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/workflows/wf_01J00000000000000000000000')).status, 404);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/workflows/${wf.id}`)).status, 204);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/workflows/${wf.id}`)).status, 404);
});

test('lead.created: conditions, then every action in order, signed, recorded, ending in workflow.completed', async () => {
  const { ws, endpoint, secret, path } = await setup('created');
  const wf = await createWorkflow(ws, {
    name: 'Hot spring leads', trigger: { event: 'lead.created' },
    conditions: { all: [{ field: 'campaign', op: 'equals', value: 'spring' }, { field: 'custom.budget', op: 'greater_than', value: 1000 }] },
    actions: [
      { type: 'add_tag', tag: 'hot' }, { type: 'add_tag', tag: 'cold' }, { type: 'remove_tag', tag: 'cold' },
      { type: 'telegram', template: 'New lead {{lead.name}} <{{lead.email}}> tags {{lead.tags}}' },
      { type: 'webhook', endpoint_id: endpoint.id, payload: { who: '{{lead.email}}', budget: '{{lead.custom.budget}}', fixed: 1 } },
      { type: 'set_status', status: 'contacted' },
    ],
  });
  const poor = await capture(ws, { email: 'poor@example.com', campaign: 'spring', budget: '900' });
  const hot = await capture(ws, { email: 'ada@example.com', name: 'Ada', campaign: 'spring', budget: '1500' });
  const [run] = await finishedRuns(ws, `/api/v1/workflows/${wf.id}/runs`, 1);
  assert.equal(run.status, 'completed', JSON.stringify(run));
  assert.equal(run.lead_id, hot.id);
  assert.equal(run.trigger.event, 'lead.created');
  assert.deepEqual(run.actions.map((a) => [a.type, a.status, a.error]), [
    ['add_tag', 'completed', null], ['add_tag', 'completed', null], ['remove_tag', 'completed', null],
    ['telegram', 'completed', null], ['webhook', 'completed', null], ['set_status', 'completed', null],
  ]);
  assert.ok(run.finished_at && run.created_at);
  assert.deepEqual(chat('created').map((r) => r.json.text), ['New lead Ada &lt;ada@example.com&gt; tags hot']);
  assert.equal(chat('created')[0].json.parse_mode, 'HTML');

  await receiver.waitForCount(path, 1);
  const action = await app.waitFor(() => receiver.to(path).find((r) => r.json?.event === 'workflow.action'), { what: 'workflow.action' });
  assert.ok(verifyStandardWebhook(action.rawBody, action.headers, secret) && verifyLeadsBotSignature(action.rawBody, action.headers['x-leadsbot-signature'], secret));
  assert.deepEqual(action.json.data, { workflow_id: wf.id, run_id: run.id, action: 4, lead_id: hot.id, payload: { who: 'ada@example.com', budget: '1500', fixed: 1 } });
  const completed = await app.waitFor(() => receiver.to(path).find((r) => r.json?.event === 'workflow.completed'), { what: 'workflow.completed' });
  assert.equal(completed.json.data.id, run.id);
  assert.ok(verifyStandardWebhook(completed.rawBody, completed.headers, secret));

  const after = await lead(ws, hot.id);
  assert.deepEqual([after.status, after.tags], ['contacted', ['hot']]);
  assert.deepEqual(after.status_history.map((c) => [c.from, c.to, c.changed_by]), [['new', 'contacted', `workflow:${wf.id}`]]);
  const changed = await app.waitFor(() => receiver.to(path).find((r) => r.json?.event === 'lead.status_changed'), { what: 'lead.status_changed' });
  assert.deepEqual(changed.json.caused_by, { workflow_id: wf.id, run_id: run.id, depth: 0 });
  assert.deepEqual(await runs(ws, `/api/v1/leads/${hot.id}/runs`), [run]);
  assert.deepEqual(await runs(ws, `/api/v1/leads/${poor.id}/runs`), [], 'conditions not met: no run');
  assert.deepEqual((await lead(ws, poor.id)).tags, []);
});

test('lead.status_changed with from and to; disabled workflows and manual ones never run on events', async () => {
  const { ws } = await setup('status');
  const toQualified = await createWorkflow(ws, { name: 'q', trigger: { event: 'lead.status_changed', to: 'qualified' }, actions: [{ type: 'add_tag', tag: 'q' }] });
  const newToWon = await createWorkflow(ws, { name: 'w', trigger: { event: 'lead.status_changed', from: 'new', to: 'won' }, actions: [{ type: 'add_tag', tag: 'won-fast' }] });
  await createWorkflow(ws, { name: 'off', enabled: false, trigger: { event: 'lead.status_changed' }, actions: [{ type: 'add_tag', tag: 'off' }] });
  await createWorkflow(ws, { name: 'manual', trigger: { event: 'manual' }, actions: [{ type: 'add_tag', tag: 'manual' }] });
  const a = await capture(ws, { email: 'a@example.com' });
  const b = await capture(ws, { email: 'b@example.com' });
  const c = await capture(ws, { email: 'c@example.com' });
  assert.equal((await patchLead(ws, a.id, { status: 'qualified' })).status, 200);
  assert.equal((await patchLead(ws, b.id, { status: 'won' })).status, 200);
  assert.equal((await patchLead(ws, c.id, { status: 'contacted' })).status, 200);
  assert.equal((await patchLead(ws, c.id, { status: 'won' })).status, 200, 'contacted → won: not from new');
  const [run] = await finishedRuns(ws, `/api/v1/workflows/${toQualified.id}/runs`, 1);
  assert.equal(run.lead_id, a.id);
  assert.deepEqual(run.trigger, { event: 'lead.status_changed', event_id: run.trigger.event_id, from: 'new', to: 'qualified' });
  const [wonRun] = await finishedRuns(ws, `/api/v1/workflows/${newToWon.id}/runs`, 1);
  assert.equal(wonRun.lead_id, b.id);
  await expansionsDone(ws);
  assert.deepEqual([(await lead(ws, a.id)).tags, (await lead(ws, b.id)).tags, (await lead(ws, c.id)).tags], [['q'], ['won-fast'], []]);
  assert.equal((await runs(ws, `/api/v1/workflows/${newToWon.id}/runs`)).length, 1);
});

test('each condition operator, numbers compared as numbers even when sent as text (dry runs)', async () => {
  const { ws } = await setup('ops');
  const ada = await capture(ws, { email: 'ada@example.com', campaign: 'Spring', utm_source: 'google', budget: '1500', seats: 3 });
  const bob = await capture(ws, { email: 'bob@corp.example', phone: '+44 1', budget: '200', utm_source: 'bing' });
  assert.equal((await patchLead(ws, bob.id, { tags: ['vip', 'eu'] })).status, 200);
  const cases = [
    [{ field: 'campaign', op: 'equals', value: 'spring' }, [ada.id]],
    [{ field: 'custom.seats', op: 'equals', value: '3' }, [ada.id]],
    [{ field: 'campaign', op: 'not_equals', value: 'spring' }, [bob.id]],
    [{ field: 'email', op: 'contains', value: 'CORP' }, [bob.id]],
    [{ field: 'tags', op: 'contains', value: 'eu' }, [bob.id]],
    [{ field: 'phone', op: 'exists' }, [bob.id]],
    [{ field: 'phone', op: 'exists', value: false }, [ada.id]],
    [{ field: 'utm_source', op: 'one_of', value: ['Google', 'duckduckgo'] }, [ada.id]],
    [{ field: 'custom.budget', op: 'greater_than', value: 1000 }, [ada.id]],
    [{ field: 'custom.budget', op: 'less_than', value: '1000' }, [bob.id], '"200" < 1000 as numbers, not as text'],
  ];
  for (const [condition, expected, why] of cases) {
    const wf = await createWorkflow(ws, { name: condition.op, trigger: { event: 'manual' }, conditions: { all: [condition] }, actions: [{ type: 'add_tag', tag: 'x' }] });
    const dry = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.id}/trigger?dry_run=true`, { filter: {} });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body.lead_ids.sort(), expected.sort(), why ?? JSON.stringify(condition));
    assert.equal(dry.body.matched, expected.length);
  }
  const any = await createWorkflow(ws, { name: 'any', trigger: { event: 'manual' }, conditions: { any: [{ field: 'campaign', op: 'exists' }, { field: 'tags', op: 'one_of', value: ['vip'] }] }, actions: [{ type: 'add_tag', tag: 'x' }] });
  const dry = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${any.id}/trigger?dry_run=true`, { filter: {} });
  assert.equal(dry.body.matched, 2);
  assert.deepEqual(await runs(ws, `/api/v1/leads/${ada.id}/runs`), [], 'dry runs change nothing');
});

test('manual trigger on a filter and for one lead; its dry run changes nothing; bad triggers are 422', async () => {
  const { ws } = await setup('manual');
  const fall = [];
  for (const n of [1, 2, 3]) fall.push(await capture(ws, { email: `fall${n}@example.com`, campaign: 'fall' }));
  const spring = await capture(ws, { email: 'spring@example.com', campaign: 'spring' });
  const wf = await createWorkflow(ws, { name: 'tag fall', trigger: { event: 'manual' }, actions: [{ type: 'add_tag', tag: 'fall' }, { type: 'set_status', status: 'qualified' }] });
  const dry = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.id}/trigger?dry_run=true`, { filter: { campaign: 'fall' } });
  assert.equal(dry.status, 200);
  assert.deepEqual({ ...dry.body, lead_ids: dry.body.lead_ids.sort() }, { matched: 3, lead_ids: fall.map((l) => l.id).sort(), actions: [{ type: 'add_tag', tag: 'fall' }, { type: 'set_status', status: 'qualified' }] });
  assert.deepEqual(await runs(ws, `/api/v1/workflows/${wf.id}/runs`), []);
  assert.deepEqual((await lead(ws, fall[0].id)).tags, []);

  const started = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.id}/trigger`, { filter: { campaign: 'fall' } });
  assert.deepEqual([started.status, started.body], [202, { runs: 3 }]);
  const done = await finishedRuns(ws, `/api/v1/workflows/${wf.id}/runs`, 3);
  assert.ok(done.every((r) => r.status === 'completed' && r.trigger.event === 'manual'));
  for (const l of fall) assert.deepEqual([(await lead(ws, l.id)).tags, (await lead(ws, l.id)).status], [['fall'], 'qualified']);
  assert.deepEqual((await lead(ws, spring.id)).tags, []);

  const one = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.id}/trigger`, { lead_id: spring.id });
  assert.deepEqual([one.status, one.body], [202, { runs: 1 }]);
  const [byHand] = await finishedRuns(ws, `/api/v1/leads/${spring.id}/runs`, 1);
  assert.deepEqual((await lead(ws, spring.id)).tags, ['fall']);
  const runJobs = (await app.api(ws.api_key, 'GET', `/api/v1/deliveries?lead_id=${spring.id}&channel=workflow_run`)).body.data;
  assert.deepEqual(runJobs.map((j) => j.target_id), [byHand.id], "a run started by hand is in its lead's delivery log");

  for (const [body, fields] of [[{}, ['lead_id']], [{ lead_id: spring.id, filter: {} }, ['lead_id']], [{ filter: { status: 'hot' } }, ['filter.status']], [{ filter: { nope: 'x' } }, ['filter.nope']], [{ lead_id: 'lead_01J00000000000000000000000' }, ['lead_id']]]) {
    const bad = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.id}/trigger`, body);
    assert.deepEqual([bad.status, bad.body.errors?.map((e) => e.field)], [422, fields], JSON.stringify(body));
  }
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/workflows/${wf.id}/trigger?dry_run=maybe`, { filter: {} })).status, 422);
});

test('a lead with <script> and {{ in every field makes escaped Telegram text, never re-expanded', async () => {
  const { ws } = await setup('escape');
  const fields = ['name', 'company', 'message', 'campaign', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'page_title', 'form_name'];
  const template = fields.map((f) => `${f}={{lead.${f}}}`).join('\n') + '\nphone={{lead.phone}}\nremark={{lead.custom.remark}}\nemail=<{{lead.email}}>';
  await createWorkflow(ws, { name: 'escape', trigger: { event: 'lead.created' }, actions: [{ type: 'telegram', template }] });
  const evil = '<script>alert(1)</script> & {{lead.email}}';
  const sent = { email: 'x@example.com', phone: '<b>{{lead.name}}</b>', remark: evil };
  for (const f of fields) sent[f] = evil;
  await capture(ws, sent);
  await app.waitFor(() => chat('escape').length === 1, { timeoutMs: 30_000, what: 'the workflow message' });
  const text = chat('escape')[0].json.text;
  const escaped = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{lead.email}}';
  for (const f of fields) assert.ok(text.includes(`${f}=${escaped}`), `${f} in ${text}`);
  assert.ok(text.includes('phone=&lt;b&gt;{{lead.name}}&lt;/b&gt;'));
  assert.ok(text.includes(`remark=${escaped}`));
  assert.ok(text.includes('email=&lt;x@example.com&gt;'));
  assert.ok(!text.includes('<script>') && !text.includes('<b>'), text);
});

test('queue redelivery and a failing action: each action happens once, the failed one is retried where it failed', async () => {
  const { ws } = await setup('redeliver');
  const path = '/redeliver-action';
  const endpoint = await actionEndpoint(ws, path, [{ status: 500, body: 'down' }, { status: 500 }, { status: 200 }]);
  const wf = await createWorkflow(ws, {
    name: 'once', trigger: { event: 'lead.created' },
    actions: [{ type: 'telegram', template: 'once {{lead.email}}' }, { type: 'set_status', status: 'contacted' },
      { type: 'webhook', endpoint_id: endpoint.id }, { type: 'telegram', template: 'after {{lead.email}}' }],
  });
  const l = await capture(ws, { email: 'once@example.com' });
  // Every cron tick re-enqueues each due row while its own message is also on
  // the queue: duplicates that must change nothing.
  const run = await app.waitFor(async () => {
    await app.triggerScheduled();
    const [r] = await runs(ws, `/api/v1/workflows/${wf.id}/runs`);
    return r?.status === 'completed' && r;
  }, { timeoutMs: 40_000, intervalMs: 100, what: 'the run to complete' });
  for (let i = 0; i < 5; i++) await app.triggerScheduled();
  await expansionsDone(ws);
  assert.deepEqual(chat('redeliver').map((r) => r.json.text), ['once once@example.com', 'after once@example.com']);
  const actions = receiver.to(path).filter((r) => r.json?.event === 'workflow.action');
  assert.equal(actions.length, 3, 'two failures and one success, nothing more');
  assert.equal(new Set(actions.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id for the action');
  assert.equal(new Set(actions.map((r) => r.rawBody)).size, 1, 'the same bytes on every attempt');
  assert.deepEqual((await lead(ws, l.id)).status_history.map((c) => c.to), ['contacted']);
  assert.deepEqual(run.actions.map((a) => a.status), ['completed', 'completed', 'completed', 'completed']);
  assert.equal((await runs(ws, `/api/v1/leads/${l.id}/runs`)).length, 1, 'one run per event');
});

test('an action failing past the schedule fails the run, saying which and why, with workflow.failed; recover sends it again', async () => {
  const { ws, path } = await setup('fails', { events: ['workflow.failed'] });
  const since = new Date(Date.now() - 1000).toISOString();
  const broken = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/fails-broken') });
  receiver.plan('/fails-broken', [{ status: 503 }]);
  const wf = await createWorkflow(ws, { name: 'fails', trigger: { event: 'lead.created' },
    actions: [{ type: 'add_tag', tag: 'seen' }, { type: 'webhook', endpoint_id: broken.body.id }, { type: 'add_tag', tag: 'never' }] });
  const l = await capture(ws, { email: 'fails@example.com' });
  const [run] = await finishedRuns(ws, `/api/v1/workflows/${wf.id}/runs`, 1);
  assert.equal(run.status, 'failed');
  assert.deepEqual(run.actions.map((a) => [a.type, a.status, a.error]), [['add_tag', 'completed', null], ['webhook', 'failed', 'HTTP 503'], ['add_tag', 'skipped', null]]);
  const actionsSent = () => receiver.to('/fails-broken').filter((r) => r.json?.event === 'workflow.action');
  assert.equal(actionsSent().length, 4, 'the first attempt and three retries');
  const job = (await endpointLog(ws, broken.body.id)).find((d) => d.event === 'workflow.action');
  assert.deepEqual([job.status, job.attempt_count, job.attempts.map((a) => a.status_code)], ['failed', 4, [503, 503, 503, 503]], "the action's own job, on its own schedule");
  const failed = await app.waitFor(() => receiver.to(path).find((r) => r.json?.event === 'workflow.failed'), { what: 'workflow.failed' });
  assert.equal(failed.json.data.id, run.id);
  assert.deepEqual(failed.json.data.actions.map((a) => a.status), ['completed', 'failed', 'skipped']);
  assert.deepEqual((await lead(ws, l.id)).tags, ['seen']);

  // The receiver is fixed: recover sends the failed action again; the run stays as it ended.
  receiver.plan('/fails-broken', [{ status: 200 }]);
  const recovered = await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${broken.body.id}/recover`, { since });
  assert.equal(recovered.status, 202, JSON.stringify(recovered.body));
  assert.ok(recovered.body.delivery_ids.includes(job.id), JSON.stringify(recovered.body));
  await settledJob(ws, broken.body.id, job.id, 'succeeded', 5);
  assert.equal(new Set(actionsSent().map((r) => r.headers['webhook-id'])).size, 1);
  assert.deepEqual(await runs(ws, `/api/v1/workflows/${wf.id}/runs`), [run]);
  assert.deepEqual((await lead(ws, l.id)).tags, ['seen']);
});

test("a webhook action is a delivery of its endpoint: its own attempts, the endpoint's health, replayable", async () => {
  const ws = await app.createWorkspace({ name: 'action job' });
  const path = '/action-job';
  // Two failures, then a reply held back while the endpoint's health is read; 200 after that.
  const endpoint = await actionEndpoint(ws, path, [{ status: 500 }, { status: 500 }, { hold: true }, { status: 200 }]);
  const wf = await createWorkflow(ws, { name: 'job', trigger: { event: 'lead.created' },
    actions: [{ type: 'webhook', endpoint_id: endpoint.id }, { type: 'add_tag', tag: 'after' }] });
  const l = await capture(ws, { email: 'job@example.com' });
  await receiver.waitForCount(path, 3, 30_000);
  assert.ok((await endpointNow(ws, endpoint.id)).failing_since, "the action's failures count against its endpoint");
  const [waiting] = await runs(ws, `/api/v1/workflows/${wf.id}/runs`);
  assert.equal(waiting.status, 'running');
  assert.deepEqual(waiting.actions.map((a) => [a.status, a.error]), [['pending', 'HTTP 500'], ['pending', null]], 'the run waits for its action');
  receiver.release(path);

  const [run] = await finishedRuns(ws, `/api/v1/workflows/${wf.id}/runs`, 1);
  assert.equal(run.status, 'completed', JSON.stringify(run));
  assert.deepEqual(run.actions.map((a) => [a.status, a.error]), [['completed', null], ['completed', null]]);
  assert.deepEqual((await lead(ws, l.id)).tags, ['after'], 'the run went on after its action');
  const log = await endpointLog(ws, endpoint.id);
  assert.equal(log.length, 1, 'one job for the action');
  const [job] = log;
  assert.deepEqual([job.event, job.status, job.attempt_count], ['workflow.action', 'succeeded', 3]);
  assert.deepEqual(job.attempts.map((a) => a.status_code), [500, 500, 200]);
  const sent = receiver.to(path);
  assert.ok(sent.every((r) => r.headers['webhook-id'] === job.id && r.rawBody === sent[0].rawBody), "every attempt carries the job's id and the same bytes");
  assert.equal(sent[0].json.id, job.event_id);
  assert.deepEqual(sent[0].json.data, { workflow_id: wf.id, run_id: run.id, action: 0, lead_id: l.id, lead: sent[0].json.data.lead });
  assert.equal((await endpointNow(ws, endpoint.id)).failing_since, null, 'its success resets the health');
  const shown = (await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${job.id}`)).body;
  assert.deepEqual([shown.channel, shown.lead_id, shown.attempt_count], ['webhook', l.id, 3]);
  assert.deepEqual(shown.source, { kind: 'workflow', workflow_id: wf.id, run_id: run.id, action_index: 0 }, 'the delivery log names the run and action it came from');
  const leadJobs = (await app.api(ws.api_key, 'GET', `/api/v1/deliveries?lead_id=${l.id}&channel=workflow_run`)).body.data;
  assert.deepEqual(leadJobs.map((j) => [j.target_id, j.source.kind, j.source.workflow_id, j.source.run_id]), [[run.id, 'workflow', wf.id, run.id]], "the run's own job, in the lead's log");

  const replay = await app.api(ws.api_key, 'POST', `/api/v1/deliveries/${job.id}/retry`);
  assert.equal(replay.status, 202, JSON.stringify(replay.body));
  await receiver.waitForCount(path, 4);
  const again = receiver.to(path)[3];
  assert.deepEqual([again.headers['webhook-id'], again.rawBody], [job.id, sent[0].rawBody], 'a replay sends the same delivery again');
  assert.ok(verifyStandardWebhook(again.rawBody, again.headers, endpoint.secret) && verifyLeadsBotSignature(again.rawBody, again.headers['x-leadsbot-signature'], endpoint.secret));
  await settledJob(ws, endpoint.id, job.id, 'succeeded', 4);
  assert.deepEqual(await runs(ws, `/api/v1/workflows/${wf.id}/runs`), [run], 'a replay leaves the finished run as it was');
  assert.deepEqual((await lead(ws, l.id)).tags, ['after']);
});

test('an action whose job fails for good (410) fails the run with its reason; the actions after it are skipped', async () => {
  const { ws, endpoint: subscribed } = await setup('gone');
  const since = new Date(Date.now() - 1000).toISOString();
  const endpoint = await actionEndpoint(ws, '/gone-action', [{ status: 410 }]);
  const wf = await createWorkflow(ws, { name: 'gone', trigger: { event: 'lead.created' },
    actions: [{ type: 'add_tag', tag: 'seen' }, { type: 'webhook', endpoint_id: endpoint.id }, { type: 'telegram', template: 'never {{lead.email}}' }, { type: 'add_tag', tag: 'never' }] });
  const l = await capture(ws, { email: 'gone@example.com' });
  const [run] = await finishedRuns(ws, `/api/v1/workflows/${wf.id}/runs`, 1);
  assert.equal(run.status, 'failed');
  assert.deepEqual(run.actions.map((a) => [a.type, a.status, a.error]),
    [['add_tag', 'completed', null], ['webhook', 'failed', 'HTTP 410'], ['telegram', 'skipped', null], ['add_tag', 'skipped', null]]);
  const [job] = await endpointLog(ws, endpoint.id);
  assert.deepEqual([job.event, job.status, job.attempt_count], ['workflow.action', 'failed', 1]);
  assert.equal((await endpointNow(ws, endpoint.id)).disabled_reason, 'gone', 'a 410 to an action disables its endpoint like any delivery');
  assert.equal(receiver.to('/gone-action').length, 1);
  await expansionsDone(ws);
  assert.deepEqual(chat('gone'), [], 'no action after the failed one ran');
  assert.deepEqual((await lead(ws, l.id)).tags, ['seen']);
  // The action's event was for its endpoint alone: one subscribed to every event never finds it missing.
  const recovered = await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${subscribed.id}/recover`, { since });
  assert.equal(recovered.status, 202, JSON.stringify(recovered.body));
  assert.equal(recovered.body.missing, 0);
  assert.ok((await endpointLog(ws, subscribed.id)).every((d) => d.event !== 'workflow.action'));
});

test('a run waiting on an action whose job the sweeper gives up on fails with that reason', async () => {
  const ws = await app.createWorkspace({ name: 'given up' });
  const path = '/given-up-action';
  // Come back in a minute: the job waits, pending, long enough to be made unattemptable.
  const endpoint = await actionEndpoint(ws, path, [{ status: 503, headers: { 'Retry-After': '60' } }]);
  const wf = await createWorkflow(ws, { name: 'given up', trigger: { event: 'lead.created' },
    actions: [{ type: 'webhook', endpoint_id: endpoint.id }, { type: 'add_tag', tag: 'never' }] });
  const l = await capture(ws, { email: 'given-up@example.com' });
  const job = await app.waitFor(async () => (await endpointLog(ws, endpoint.id)).find((d) => d.status === 'pending' && d.attempt_count === 1),
    { timeoutMs: 30_000, what: 'the action job to wait for its retry' });
  // As if it had been claimed again and again without any attempt being recorded.
  await app.sql(`UPDATE deliveries SET unrecorded_claims = 3, next_attempt_at = ${Date.now() - 1000} WHERE id = '${job.id}'`);
  const run = await app.waitFor(async () => {
    await app.triggerScheduled();
    const [r] = await runs(ws, `/api/v1/workflows/${wf.id}/runs`);
    return r?.status === 'failed' && r;
  }, { timeoutMs: 30_000, intervalMs: 500, what: 'the run to fail' });
  assert.deepEqual(run.actions.map((a) => a.status), ['failed', 'skipped']);
  assert.match(run.actions[0].error, /^given up/);
  assert.equal((await endpointLog(ws, endpoint.id))[0].status, 'failed');
  assert.deepEqual((await lead(ws, l.id)).tags, []);
});

test('a run an older release left waiting to resend an action goes on, sending the body it stored as that action\'s job', async () => {
  const ws = await app.createWorkspace({ name: 'upgrade' });
  const path = '/upgrade-action';
  const endpoint = await actionEndpoint(ws, path, [{ status: 200 }]);
  const actions = [{ type: 'webhook', endpoint_id: endpoint.id }, { type: 'add_tag', tag: 'after' }];
  // Disabled: the run below is the only one.
  const wf = await createWorkflow(ws, { name: 'old', enabled: false, trigger: { event: 'lead.created' }, actions });
  const l = await capture(ws, { email: 'upgrade@example.com' });
  const [{ id: eventId }] = await app.sql(`SELECT id FROM events WHERE workspace_id = '${ws.id}' AND lead_id = '${l.id}' AND type = 'lead.created'`);
  // As an older release left it: the send's body fixed by a first attempt that failed, the run's own row due again.
  const now = Date.now();
  const runId = 'run_01UPGRADE0RUN0000000000000';
  const body = JSON.stringify({ id: 'evt_01UPGRADE0EVENT000000000000', event: 'workflow.action', created_at: new Date(now).toISOString(), workspace_id: ws.id,
    data: { workflow_id: wf.id, run_id: runId, action: 0, lead_id: l.id, payload: { stored: true } } });
  await app.sql(`INSERT INTO workflow_runs (id, workspace_id, workflow_id, lead_id, trigger_key, trigger, depth, status, actions, created_at)
      VALUES ('${runId}', '${ws.id}', '${wf.id}', '${l.id}', 'manual:upgrade', '{"event":"manual"}', 0, 'running', '${JSON.stringify(actions)}', ${now});
    INSERT INTO workflow_run_actions (workspace_id, run_id, idx, type, error, body)
      VALUES ('${ws.id}', '${runId}', 0, 'webhook', 'HTTP 500', '${body}'), ('${ws.id}', '${runId}', 1, 'add_tag', NULL, NULL);
    INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, attempts, next_attempt_at, created_at, updated_at)
      VALUES ('dlv_${runId.slice(4)}', '${ws.id}', '${eventId}', 'workflow.run', 'run', '${runId}', 1, ${now - 1000}, ${now}, ${now})`);
  const run = await app.waitFor(async () => {
    await app.triggerScheduled();
    const [r] = await runs(ws, `/api/v1/leads/${l.id}/runs`);
    return r?.status === 'completed' && r;
  }, { timeoutMs: 30_000, intervalMs: 500, what: 'the older run to complete' });
  assert.deepEqual(run.actions.map((a) => [a.status, a.error]), [['completed', null], ['completed', null]]);
  assert.deepEqual((await lead(ws, l.id)).tags, ['after']);
  const [sent, ...more] = receiver.to(path);
  assert.equal(more.length, 0);
  assert.deepEqual([sent.rawBody, sent.headers['webhook-id']], [body, `dlv_${runId.slice(4)}_0`], 'the stored bytes, under the id its earlier attempts carried');
  const [job] = await endpointLog(ws, endpoint.id);
  assert.deepEqual([job.id, job.event_id, job.status, job.attempt_count], [`dlv_${runId.slice(4)}_0`, 'evt_01UPGRADE0EVENT000000000000', 'succeeded', 1]);
});

test('loop guard: a workflow never re-triggers itself, and chains of workflows stop at a depth cap', async () => {
  const { ws } = await setup('loop');
  const self = await createWorkflow(ws, { name: 'self', trigger: { event: 'lead.status_changed' }, actions: [{ type: 'set_status', status: 'won' }] });
  const a = await capture(ws, { email: 'self@example.com' });
  assert.equal((await patchLead(ws, a.id, { status: 'contacted' })).status, 200);
  await finishedRuns(ws, `/api/v1/workflows/${self.id}/runs`, 1);
  await expansionsDone(ws);
  assert.equal((await runs(ws, `/api/v1/workflows/${self.id}/runs`)).length, 1);
  assert.deepEqual((await lead(ws, a.id)).status_history.map((c) => c.to), ['contacted', 'won']);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/workflows/${self.id}`)).status, 204);

  const ping = await createWorkflow(ws, { name: 'ping', trigger: { event: 'lead.status_changed', to: 'contacted' }, actions: [{ type: 'set_status', status: 'qualified' }] });
  const pong = await createWorkflow(ws, { name: 'pong', trigger: { event: 'lead.status_changed', to: 'qualified' }, actions: [{ type: 'set_status', status: 'contacted' }] });
  const b = await capture(ws, { email: 'pingpong@example.com' });
  assert.equal((await patchLead(ws, b.id, { status: 'contacted' })).status, 200);
  await finishedRuns(ws, `/api/v1/leads/${b.id}/runs`, 4);
  await expansionsDone(ws);
  const chain = await runs(ws, `/api/v1/leads/${b.id}/runs`);
  assert.deepEqual(chain.map((r) => r.workflow_id).reverse(), [ping.id, pong.id, ping.id, pong.id], 'four runs, then the cap');
  assert.equal((await lead(ws, b.id)).status_history.length, 5);
});

test('a worker restart mid-run: the run resumes where it was, finished actions are not redone', async () => {
  const { ws } = await setup('restart');
  const path = '/restart-action';
  const endpoint = await actionEndpoint(ws, path, [{ hang: true }, { status: 200 }]);
  const wf = await createWorkflow(ws, { name: 'restart', trigger: { event: 'lead.created' },
    actions: [{ type: 'telegram', template: 'before {{lead.email}}' }, { type: 'add_tag', tag: 'a' }, { type: 'webhook', endpoint_id: endpoint.id }, { type: 'telegram', template: 'after {{lead.email}}' }] });
  const l = await capture(ws, { email: 'restart@example.com' });
  // The webhook action hangs: the worker is stopped while it is in flight.
  await receiver.waitForCount(path, 1, 30_000);
  const { stateDir } = app;
  await app.stop({ keepState: true });
  app = running.app = await spawnApp({ stateDir, testScheduled: true,
    vars: { TELEGRAM_API_BASE: telegram.url(''), DELIVERY_RETRY_SCHEDULE: '1,1,1', DELIVERY_SWEEP_AFTER_SECS: '0' } });
  const run = await app.waitFor(async () => {
    await app.triggerScheduled();
    const [r] = await runs(ws, `/api/v1/workflows/${wf.id}/runs`);
    return r?.status === 'completed' && r;
  }, { timeoutMs: 60_000, intervalMs: 500, what: 'the run to complete after the restart' });
  assert.deepEqual(run.actions.map((a) => a.status), ['completed', 'completed', 'completed', 'completed']);
  assert.deepEqual(chat('restart').map((r) => r.json.text), ['before restart@example.com', 'after restart@example.com'], 'the finished message is not sent again');
  const sends = receiver.to(path);
  assert.equal(sends.length, 2, 'the send cut off by the restart, then one retry');
  assert.equal(new Set(sends.map((r) => r.headers['webhook-id'])).size, 1);
  assert.deepEqual((await lead(ws, l.id)).tags, ['a']);
});

test("one lead's runs in a batch write their changes together: exact while PATCHes race them", async () => {
  const { ws } = await setup('chain');
  const leadCreated = { event: 'lead.created' };
  const flows = [
    await createWorkflow(ws, { name: 'a', trigger: leadCreated, actions: [{ type: 'add_tag', tag: 'a' }] }),
    await createWorkflow(ws, { name: 'b', trigger: leadCreated, actions: [{ type: 'add_tag', tag: 'b' }, { type: 'add_tag', tag: 'a' }, { type: 'remove_tag', tag: 'x' }] }),
    await createWorkflow(ws, { name: 'qualify', trigger: leadCreated, actions: [{ type: 'set_status', status: 'qualified' }] }),
    await createWorkflow(ws, { name: 'alert', trigger: leadCreated, actions: [{ type: 'telegram', template: 'chain {{lead.email}}' }] }),
    await createWorkflow(ws, { name: 'on qualified', trigger: { event: 'lead.status_changed', to: 'qualified' }, actions: [{ type: 'add_tag', tag: 'q' }] }),
  ];
  const qualify = flows[2];
  const count = 12;
  const emails = Array.from({ length: count }, (_, i) => `chain${i}@example.com`);
  const leads = [];
  for (const email of emails) leads.push(await capture(ws, { email }));
  // Every lead's note is rewritten over and over while its runs work: their writes race these.
  // (Only through the API: a read of the database from beside the worker, app.sql, can lock it under a write.)
  let racing = true;
  let rounds = 0;
  const refused = [];
  const racer = (async () => {
    while (racing) {
      const answers = await Promise.all(leads.map((l) => patchLead(ws, l.id, { note: `note ${rounds}` })));
      refused.push(...answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${JSON.stringify(a.body)}`));
      rounds++;
    }
  })();
  try {
    for (const wf of flows) await finishedRuns(ws, `/api/v1/workflows/${wf.id}/runs`, count);
  } finally {
    racing = false;
    await racer;
  }
  assert.deepEqual(refused, [], `PATCHes refused while runs worked:\n${app.logs().slice(-4000)}`);
  await expansionsDone(ws);
  assert.ok(rounds > 0, 'the PATCHes raced the runs');
  for (const wf of flows) {
    const done = await runs(ws, `/api/v1/workflows/${wf.id}/runs`);
    assert.equal(done.length, count, `${wf.name}: one run a lead`);
    assert.ok(done.every((r) => r.status === 'completed'), JSON.stringify(done.filter((r) => r.status !== 'completed')));
  }
  for (const l of leads) {
    const after = await lead(ws, l.id);
    assert.equal(after.status, 'qualified');
    assert.deepEqual([...after.tags].sort(), ['a', 'b', 'q'], `${after.email}: every tag, once`);
    assert.match(after.note, /^note \d+$/);
    assert.deepEqual(after.status_history.map((c) => [c.from, c.to, c.changed_by]), [['new', 'qualified', `workflow:${qualify.id}`]]);
  }
  const messages = chat('chain').map((r) => r.json.text).sort();
  assert.deepEqual(messages, emails.map((email) => `chain ${email}`).sort(), 'one workflow message a lead');
});

test('a change made while a turn works its lead is kept: the turn writes its changes on top of it', async () => {
  const { ws } = await setup('under');
  const path = '/under-held';
  const endpoint = await actionEndpoint(ws, path, [{ hold: true }, { status: 200 }]);
  const first = await createWorkflow(ws, { name: 'send, then tag', trigger: { event: 'lead.created' },
    actions: [{ type: 'webhook', endpoint_id: endpoint.id }, { type: 'add_tag', tag: 'a' }] });
  const second = await createWorkflow(ws, { name: 'tag and qualify', trigger: { event: 'lead.created' },
    actions: [{ type: 'add_tag', tag: 'b' }, { type: 'set_status', status: 'qualified' }] });
  const l = await capture(ws, { email: 'under@example.com' });
  // The turn read the lead before this send; the note is written while the send is held.
  await receiver.waitForCount(path, 1, 30_000);
  assert.equal((await patchLead(ws, l.id, { note: 'by hand' })).status, 200);
  receiver.release(path);
  for (const wf of [first, second]) {
    const [run] = await finishedRuns(ws, `/api/v1/workflows/${wf.id}/runs`, 1);
    assert.equal(run.status, 'completed', JSON.stringify(run));
  }
  const after = await lead(ws, l.id);
  assert.equal(after.note, 'by hand', 'the workflows did not write over the change made under them');
  assert.deepEqual([after.status, [...after.tags].sort()], ['qualified', ['a', 'b']]);
  assert.deepEqual(after.status_history.map((c) => [c.from, c.to, c.changed_by]), [['new', 'qualified', `workflow:${second.id}`]]);
  assert.equal(receiver.to(path).length, 1, 'the held send was not made again');
});
