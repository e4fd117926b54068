// Workflows and what they send through, end to end on wrangler dev: an
// endpoint a workflow uses is not deleted from under it (409, or force and
// the workflows disabled), a workflow can always be turned off, an enabled
// workflow's channels must be set up (422 naming the action), and a run
// whose action fails for good skips the actions after it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { useAppWithTelegram } from './support/response.mjs';

const TOKEN = '123456:TEST-token_abcdefghijklmnop';
let app, receiver;
useAppWithTelegram({}, (r) => ({ app, receiver } = r));

async function endpoint(ws, path) {
  const created = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(path), events: ['workflow.action'] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

async function workflow(ws, body) {
  const created = await app.api(ws.api_key, 'POST', '/api/v1/workflows', { trigger: { event: 'lead.created' }, ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

const fields = (response) => [response.status, response.body.errors?.map((e) => [e.field, e.code])];

test('deleting an endpoint workflows use is a 409 naming them; force deletes it and disables them, saying which', async () => {
  const ws = await app.createWorkspace({ name: 'in use' });
  const used = await endpoint(ws, '/in-use');
  const on = await workflow(ws, { name: 'Sends on', actions: [{ type: 'add_tag', tag: 'a' }, { type: 'webhook', endpoint_id: used.id }] });
  const off = await workflow(ws, { name: 'Sends off', enabled: false, actions: [{ type: 'webhook', endpoint_id: used.id }] });
  const other = await workflow(ws, { name: 'Tags only', actions: [{ type: 'add_tag', tag: 'b' }] });

  const refused = await app.api(ws.api_key, 'DELETE', `/api/v1/webhooks/${used.id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.headers.get('content-type'), 'application/problem+json');
  assert.equal(refused.body.type, 'urn:leadsbot:problem:in-use');
  assert.deepEqual(refused.body.workflows, [{ id: on.id, name: 'Sends on' }, { id: off.id, name: 'Sends off' }].sort((a, b) => a.id.localeCompare(b.id)));
  assert.match(refused.body.detail, /Sends on/);
  assert.match(refused.body.detail, /force=true/);
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${used.id}`)).status, 200, 'still there');
  assert.deepEqual(fields(await app.api(ws.api_key, 'DELETE', `/api/v1/webhooks/${used.id}?force=yes`)), [422, [['force', 'invalid_value']]]);

  const forced = await app.api(ws.api_key, 'DELETE', `/api/v1/webhooks/${used.id}?force=true`);
  assert.equal(forced.status, 204);
  assert.deepEqual(forced.headers.get('disabled-workflows').split(', ').sort(), [on.id, off.id].sort());
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/webhooks/${used.id}`)).status, 404);
  const now = Object.fromEntries((await app.api(ws.api_key, 'GET', '/api/v1/workflows')).body.data.map((w) => [w.id, w.enabled]));
  assert.deepEqual(now, { [on.id]: false, [off.id]: false, [other.id]: true });

  const unused = await endpoint(ws, '/unused');
  const plain = await app.api(ws.api_key, 'DELETE', `/api/v1/webhooks/${unused.id}?force=true`);
  assert.deepEqual([plain.status, plain.headers.get('disabled-workflows')], [204, null]);
});

test('a workflow whose endpoint is gone can always be turned off; turning it on again names the action', async () => {
  const ws = await app.createWorkspace({ name: 'dangling' });
  const gone = await endpoint(ws, '/dangling');
  const wf = await workflow(ws, { name: 'Dangling', actions: [{ type: 'add_tag', tag: 'x' }, { type: 'webhook', endpoint_id: gone.id }] });
  // As an older release left it: the endpoint deleted, the workflow still enabled.
  await app.sql(`DELETE FROM webhook_endpoints WHERE id = '${gone.id}'`);

  const off = await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${wf.id}`, { enabled: false });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.enabled, false);
  const renamed = await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${wf.id}`, { name: 'Dangling, off', actions: off.body.actions });
  assert.deepEqual([renamed.status, renamed.body.name], [200, 'Dangling, off']);
  assert.deepEqual(fields(await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${wf.id}`, { enabled: true })), [422, [['actions[1].endpoint_id', 'not_found']]]);
  const fixed = await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${wf.id}`, { enabled: true, actions: [{ type: 'add_tag', tag: 'x' }] });
  assert.deepEqual([fixed.status, fixed.body.enabled], [200, true]);
});

test('an enabled workflow whose channel is not set up is a 422 naming the action; a disabled one may wait for it', async () => {
  const ws = await app.createWorkspace({ name: 'not set up' });
  const body = { name: 'Alert', trigger: { event: 'lead.created' }, actions: [{ type: 'telegram', template: 'New lead {{lead.email}}' }] };
  const refused = await app.api(ws.api_key, 'POST', '/api/v1/workflows', body);
  assert.equal(refused.headers.get('content-type'), 'application/problem+json');
  assert.deepEqual(fields(refused), [422, [['actions[0]', 'telegram_not_set_up']]]);
  assert.match(refused.body.errors[0].message, /integrations\/telegram/);
  const reminder = { name: 'Remind', trigger: { event: 'lead.created' }, actions: [{ type: 'follow_up', after_seconds: 60, action: { type: 'telegram', template: 'Still {{lead.email}}' } }] };
  assert.deepEqual(fields(await app.api(ws.api_key, 'POST', '/api/v1/workflows', reminder)), [422, [['actions[0].action', 'telegram_not_set_up']]]);

  const prepared = await workflow(ws, { ...body, enabled: false });
  assert.deepEqual(fields(await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${prepared.id}`, { enabled: true })), [422, [['actions[0]', 'telegram_not_set_up']]]);
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: 7 })).status, 200);
  const on = await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${prepared.id}`, { enabled: true });
  assert.deepEqual([on.status, on.body.enabled], [200, true]);

  const paused = await endpoint(ws, '/paused');
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/webhooks/${paused.id}`, { enabled: false })).status, 200);
  const send = { name: 'Send', trigger: { event: 'lead.created' }, actions: [{ type: 'add_tag', tag: 't' }, { type: 'webhook', endpoint_id: paused.id }] };
  assert.deepEqual(fields(await app.api(ws.api_key, 'POST', '/api/v1/workflows', send)), [422, [['actions[1].endpoint_id', 'endpoint_disabled']]]);
  await workflow(ws, { ...send, enabled: false });
});

test('when an action fails for good the actions after it end skipped, and the run failed', async () => {
  const ws = await app.createWorkspace({ name: 'skips' });
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: 8 })).status, 200);
  const wf = await workflow(ws, { name: 'Alert then tag', actions: [{ type: 'add_tag', tag: 'seen' }, { type: 'telegram', template: 'New {{lead.email}}' }, { type: 'add_tag', tag: 'after' }, { type: 'set_status', status: 'contacted' }] });
  // Telegram taken away after the workflow was saved: its action can only fail.
  assert.equal((await app.api(ws.api_key, 'DELETE', '/api/v1/integrations/telegram')).status, 204);
  const lead = await app.capture(ws, { email: 'skips@example.com' });
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  const run = await app.waitFor(async () => {
    const [r] = (await app.api(ws.api_key, 'GET', `/api/v1/workflows/${wf.id}/runs`)).body.data;
    return r?.status === 'failed' && r;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'the run to fail' });
  assert.deepEqual(run.actions.map((a) => [a.type, a.status]), [['add_tag', 'completed'], ['telegram', 'failed'], ['add_tag', 'skipped'], ['set_status', 'skipped']]);
  assert.match(run.actions[1].error, /Telegram is not set up/);
  assert.ok(run.finished_at);
});
