// Tags are changed by operations, applied to the tags the lead holds when the
// change is written (a change that loses a race is applied again to the
// fresh lead): the inbox, the API (`add_tags`/`remove_tags`) and a workflow
// adding tags to one lead at the same moment lose none.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnApp } from './support/app.mjs';

let app;
before(async () => {
  app = await spawnApp();
});
after(() => app?.stop());

/** Signs in to the inbox with a one-time link, outside a browser: the cookie and the CSRF token its pages carry. */
async function inboxSession(ws) {
  const link = new URL((await app.api(ws.api_key, 'POST', '/api/v1/inbox-links')).body.url).searchParams.get('link');
  const signedIn = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ link }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl },
  });
  const secret = signedIn.headers.get('set-cookie').match(/^lb_session=([^;]+)/)[1];
  return { cookie: `lb_session=${secret}`, csrf: createHash('sha256').update(`leadsbot-inbox-csrf:${secret}`).digest('hex') };
}

/** Sends a change until it is not a 409 (a client told to send it again does). */
async function untilSettled(send) {
  for (;;) {
    const status = await send();
    if (status !== 409) return status;
  }
}

test('the API takes add_tags and remove_tags as operations, with their limits', async () => {
  const ws = await app.createWorkspace({ name: 'Tag operations' });
  const { id } = (await app.capture(ws, { email: 'ops@example.com' })).body;
  const patch = (body) => app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, body);
  assert.deepEqual((await patch({ tags: ['old', 'vip'] })).body.tags, ['old', 'vip']);
  assert.deepEqual((await patch({ add_tags: ['new', 'vip'], remove_tags: ['old'] })).body.tags, ['vip', 'new']);
  const bad = await patch({ add_tags: [' '] });
  assert.deepEqual([bad.status, bad.body.errors.map((e) => e.field)], [422, ['add_tags[0]']]);
  const full = await patch({ add_tags: Array.from({ length: 19 }, (_, i) => `t${i}`) });
  assert.equal(full.status, 409, 'within each list\'s limit, past what the lead can hold: a conflict with its state');
  assert.match(full.body.detail, /at most 20 tags: with this change it would hold 21/);
  assert.deepEqual((await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body.tags, ['vip', 'new'], 'nothing written');
});

test('the inbox, the API and a workflow adding tags at once lose none', async () => {
  const ws = await app.createWorkspace({ name: 'Tag race' });
  const workflow = await app.api(ws.api_key, 'POST', '/api/v1/workflows', {
    name: 'Mark new', enabled: true, trigger: { event: 'lead.created' }, actions: [{ type: 'add_tag', tag: 'from-workflow' }],
  });
  assert.equal(workflow.status, 201, JSON.stringify(workflow.body));
  const session = await inboxSession(ws);
  const { id } = (await app.capture(ws, { email: 'race@example.com' })).body;
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, { tags: ['doomed'] })).status, 200);

  const inboxAdd = (tag) => untilSettled(async () => (await fetch(`${app.baseUrl}/app/leads/${id}/tags`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ add: tag, _csrf: session.csrf }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl, Cookie: session.cookie },
  })).status);
  const apiChange = (body) => untilSettled(async () => (await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, body)).status);
  const inboxTags = Array.from({ length: 8 }, (_, i) => `inbox-${i}`);
  const apiTags = Array.from({ length: 8 }, (_, i) => `api-${i}`);
  const statuses = await Promise.all([
    ...inboxTags.map(inboxAdd),
    ...apiTags.map((tag) => apiChange({ add_tags: [tag] })),
    apiChange({ remove_tags: ['doomed'] }),
  ]);
  assert.deepEqual([...new Set(statuses)].sort(), [200, 303]);

  const tagsOf = async () => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body.tags;
  await app.waitFor(async () => (await tagsOf()).includes('from-workflow'), { timeoutMs: 30_000, what: "the workflow's tag" });
  assert.deepEqual((await tagsOf()).sort(), [...inboxTags, ...apiTags, 'from-workflow'].sort(), 'every tag added is there, the removed one is not');
});
