// Slack end to end: the integration's URL is checked, sealed and shown
// redacted; a local stand-in for Slack's incoming webhook records what Slack
// would receive (Block Kit, every lead value escaped), answers 429 with
// Retry-After, or refuses as Slack does (404 no_service).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const SECRET = 'Xq7secretPartOfTheSlackUrl0123';
const HOSTILE = '<!channel> <https://evil.example|click here> *bold* & co';
let app, slack;

before(async () => {
  slack = await startReceiver();
  app = await spawnApp({ vars: { DELIVERY_RETRY_SCHEDULE: '1,1,1' } });
});
after(async () => {
  await app?.stop();
  await slack?.close();
});

/** A workspace whose Slack webhook is the stand-in at `/services/<name>/B0/<SECRET>`. */
async function setup(name) {
  const ws = await app.createWorkspace({ name });
  const path = `/services/${name}/B0/${SECRET}`;
  const put = await app.api(ws.api_key, 'PUT', '/api/v1/integrations/slack', { webhook_url: slack.url(path) });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  return { ws, path };
}

async function capture(ws, fields) {
  const lead = await app.capture(ws, fields);
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  return lead.body;
}

/** Every text Slack would render from a message: its blocks' texts and fields, and the notification text. */
function texts(message) {
  const out = [message.text];
  for (const block of message.blocks) {
    if (block.text?.text) out.push(block.text.text);
    for (const field of block.fields ?? []) out.push(field.text);
  }
  return out;
}

const slackJobs = async (ws, query = '') => (await app.api(ws.api_key, 'GET', `/api/v1/deliveries?channel=slack${query}`)).body.data;

/** The inbox page of a lead as a signed-in browser gets it, as text without tags. */
async function leadPage(ws, id) {
  const link = new URL((await app.api(ws.api_key, 'POST', '/api/v1/inbox-links')).body.url).searchParams.get('link');
  const signIn = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ link }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl },
  });
  assert.equal(signIn.status, 303, await signIn.text());
  const cookie = signIn.headers.get('set-cookie').split(';')[0];
  const page = await fetch(`${app.baseUrl}/app/leads/${id}`, { headers: { Cookie: cookie } });
  assert.equal(page.status, 200);
  return (await page.text()).replace(/<[^>]*>/g, '').replace(/\s+/g, ' ');
}

async function allFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(entries.map((e) => (e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)])));
  return files.flat();
}

function assertProblem(response, field, code) {
  assert.equal(response.status, 422, JSON.stringify(response.body));
  assert.match(response.headers.get('content-type'), /^application\/problem\+json/);
  assert.ok(response.body.errors.some((e) => e.field === field && (!code || e.code === code)), JSON.stringify(response.body));
}

test('the integration API refuses URLs as for webhooks, shows the URL redacted, seals it and removes it', async () => {
  const ws = await app.createWorkspace({ name: 'slack-api' });
  const missing = await app.api(ws.api_key, 'GET', '/api/v1/integrations/slack');
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type'), /^application\/problem\+json/);
  const port = new URL(slack.url()).port;
  const refused = [
    ['http://hooks.slack.com/services/T0/B0/x', 'https_required'],
    ['https://10.0.0.1/services/T0/B0/x', 'private_host'],
    ['https://169.254.169.254/latest/meta-data/', 'private_host'],
    [`http://0x7f000001:${port}/services/T0/B0/x`, 'private_host'],
    ['https://user:pw@hooks.slack.com/services/T0/B0/x', 'credentials_in_url'],
    ['not a url', 'invalid_url'],
  ];
  for (const [url, code] of refused) assertProblem(await app.api(ws.api_key, 'PUT', '/api/v1/integrations/slack', { webhook_url: url }), 'webhook_url', code);
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/integrations/slack')).status, 404, 'nothing refused was stored');

  const url = slack.url(`/services/T0API/B0API/${SECRET}`);
  const put = await app.api(ws.api_key, 'PUT', '/api/v1/integrations/slack', { webhook_url: url });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const got = await app.api(ws.api_key, 'GET', '/api/v1/integrations/slack');
  assert.equal(got.status, 200);
  assert.equal(got.body.configured, true);
  assert.equal(got.body.webhook_url, `http://127.0.0.1:${port}/services/T…/…`);
  assert.equal(got.body.inbox_url, app.baseUrl, 'without PUBLIC_URL, buttons lead to the origin it was set up from');
  assert.ok(!JSON.stringify(got.body).includes(SECRET) && !JSON.stringify(put.body).includes('B0API'));
  // A dump of D1 (every file of the local state) holds no usable URL.
  for (const file of await allFiles(app.stateDir)) {
    assert.ok(!(await readFile(file)).includes(SECRET), `${file} holds the Slack URL's secret`);
  }
  assert.equal((await app.api(ws.api_key, 'DELETE', '/api/v1/integrations/slack')).status, 204);
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/integrations/slack')).status, 404);
  assert.equal((await app.api(ws.api_key, 'DELETE', '/api/v1/integrations/slack')).status, 404);
});

test('each new lead is posted as Block Kit, every value escaped and inert, cut at Slack\'s limits, after honouring a 429', async () => {
  const { ws, path } = await setup('alerts');
  slack.plan(path, [{ status: 429, headers: { 'Retry-After': '3' }, body: 'rate_limited' }, { status: 200, body: 'ok' }]);
  await capture(ws, { email: 'bot@spam.example', _gotcha: 'x' });
  const longMessage = `${HOSTILE} `.repeat(80);
  const lead = await capture(ws, { email: 'ada@example.com', name: HOSTILE, company: 'A & B <Ltd>', message: longMessage, campaign: 'Spring & Co' });
  const { id } = lead;
  await slack.waitForCount(path, 2);
  const [limited, sent] = slack.to(path);
  assert.ok(sent.receivedAt - limited.receivedAt >= 2900, `Retry-After: 3 honoured, waited ${sent.receivedAt - limited.receivedAt} ms`);
  assert.equal(sent.rawBody, limited.rawBody, 'the retry sends the same message');
  const message = sent.json;
  for (const text of texts(message)) {
    assert.ok(!/<[!@#]|<https?:/.test(text), `nothing Slack reads as a mention or a link: ${text}`);
  }
  const [, section, messageSection, actions] = [null, ...message.blocks];
  const fields = Object.fromEntries(section.fields.map((f) => f.text.split('\n')));
  assert.equal(fields['*Name*'], '&lt;!channel&gt; &lt;https://evil.example|click here&gt; *bold* &amp; co');
  assert.equal(fields['*Email*'], 'ada@example.com');
  assert.equal(fields['*Company*'], 'A &amp; B &lt;Ltd&gt;');
  assert.equal(fields['*Source*'], (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body.source);
  assert.equal(fields['*Campaign*'], 'Spring &amp; Co');
  assert.ok(section.fields.every((f) => f.type === 'mrkdwn' && f.verbatim === true));
  const cut = messageSection.text.text;
  assert.ok(cut.startsWith('*Message*\n&lt;!channel&gt;'), cut.slice(0, 40));
  assert.ok([...cut].length <= 3000 && [...cut].length > 2990, `cut at Slack's limit: ${[...cut].length}`);
  assert.ok(cut.endsWith('…') && !/&[a-z]*…$/.test(cut), 'cut with an ellipsis, never inside an escape');
  assert.equal(actions.type, 'actions');
  assert.equal(actions.elements[0].url, `${app.baseUrl}/app/leads/${id}`, 'the button opens the lead in the inbox');
  assert.equal(message.text, 'New lead: &lt;!channel&gt; &lt;https://evil.example|click here&gt; *bold* &amp; co');
  assert.equal(slack.to(path).length, 2, 'spam is never posted; the 429 and its retry are one lead');

  const [job] = await app.waitFor(async () => {
    const jobs = await slackJobs(ws, `&lead_id=${id}&status=succeeded`);
    return jobs.length === 1 && jobs;
  }, { what: 'the Slack job shown as succeeded' });
  assert.equal(job.channel, 'slack');
  assert.equal(job.source.kind, 'alert');
  assert.equal(job.attempts, 2);
  assert.match(await leadPage(ws, id), /lead\.created → Slack: succeeded \(2 attempts\)/, "the lead's timeline shows the Slack alert");
});

test('a webhook Slack has removed (404 no_service) ends the job failed at once, with the reason', async () => {
  const { ws, path } = await setup('gone');
  slack.plan(path, [{ status: 404, body: 'no_service' }]);
  const { id } = await capture(ws, { email: 'gone@example.com' });
  const [job] = await app.waitFor(async () => {
    const jobs = await slackJobs(ws, `&lead_id=${id}&status=failed`);
    return jobs.length === 1 && jobs;
  }, { timeoutMs: 20_000, what: 'the failed Slack job' });
  assert.equal(job.attempts, 1, 'not retried');
  assert.equal(job.last_error, 'Slack refused the message (HTTP 404: no_service)');
  assert.equal(slack.to(path).length, 1);
});

test('a workflow slack action posts its line above the lead, escaped; it needs Slack set up', async () => {
  const ws = await app.createWorkspace({ name: 'slack-wf' });
  const workflow = { name: 'Hot leads', trigger: { event: 'lead.created' }, actions: [{ type: 'add_tag', tag: 'hot' }, { type: 'slack', text: 'Hot lead <!here>: {{lead.name}} & {{lead.company}}' }] };
  const refused = await app.api(ws.api_key, 'POST', '/api/v1/workflows', workflow);
  assertProblem(refused, 'actions[1]', 'slack_not_set_up');
  const disabled = await app.api(ws.api_key, 'POST', '/api/v1/workflows', { ...workflow, enabled: false });
  assert.equal(disabled.status, 201, 'a disabled workflow may wait for Slack');
  const path = `/services/slack-wf/B0/${SECRET}`;
  assert.equal((await app.api(ws.api_key, 'PUT', '/api/v1/integrations/slack', { webhook_url: slack.url(path) })).status, 200);
  const enabled = await app.api(ws.api_key, 'PATCH', `/api/v1/workflows/${disabled.body.id}`, { enabled: true });
  assert.equal(enabled.status, 200, JSON.stringify(enabled.body));

  const { id } = await capture(ws, { email: 'wf@example.com', name: '<@U123> Eve', company: '*Acme*' });
  await slack.waitForCount(path, 2);
  const posted = slack.to(path).find((r) => r.json.blocks[0].text.text.startsWith('Hot lead'));
  assert.ok(posted, 'the workflow posted its own message besides the alert');
  assert.equal(posted.json.blocks[0].text.text, 'Hot lead &lt;!here&gt;: &lt;@U123&gt; Eve &amp; *Acme*');
  assert.equal(posted.json.text, posted.json.blocks[0].text.text);
  assert.ok(posted.json.blocks.some((b) => b.type === 'actions' && b.elements[0].url.endsWith(`/app/leads/${id}`)));
  const run = await app.waitFor(async () => {
    const runs = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}/runs`)).body.data;
    return runs?.[0]?.status === 'completed' && runs[0];
  }, { timeoutMs: 30_000, what: 'the completed run' });
  assert.deepEqual(run.actions.map((a) => a.status), ['completed', 'completed']);
  const jobs = await slackJobs(ws, `&lead_id=${id}`);
  assert.deepEqual(jobs.map((j) => j.source.kind).sort(), ['alert', 'workflow']);
});

test('a paused campaign holds the Slack alert until it is resumed', async () => {
  const { ws, path } = await setup('held');
  await capture(ws, { email: 'first@example.com', campaign: 'Autumn' });
  await slack.waitForCount(path, 1);
  const [autumn] = (await app.api(ws.api_key, 'GET', '/api/v1/campaigns')).body.data;
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${autumn.id}/pause`)).status, 200);
  const { id } = await capture(ws, { email: 'held@example.com', campaign: 'Autumn' });
  const [held] = await app.waitFor(async () => {
    const jobs = await slackJobs(ws, `&lead_id=${id}&status=held`);
    return jobs.length === 1 && jobs;
  }, { what: 'the held Slack alert' });
  assert.equal(held.source.kind, 'alert');
  // A lead of no campaign is posted meanwhile: the queue is moving, the held one stays held.
  await capture(ws, { email: 'other@example.com' });
  await slack.waitForCount(path, 2);
  const emails = () => slack.to(path).map((r) => r.json.blocks[0].fields.find((f) => f.text.startsWith('*Email*')).text.split('\n')[1]);
  assert.deepEqual(emails(), ['first@example.com', 'other@example.com']);
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${autumn.id}/resume`)).status, 200);
  await slack.waitForCount(path, 3);
  assert.deepEqual(emails(), ['first@example.com', 'other@example.com', 'held@example.com'], 'released once on resume');
});

test('with PUBLIC_URL set, the button leads there, whatever origin Slack was set up from', async () => {
  const other = await spawnApp({ vars: { PUBLIC_URL: 'https://leads.example.com/' } });
  try {
    const ws = await other.createWorkspace({ name: 'public-url' });
    const path = `/services/public-url/B0/${SECRET}`;
    const put = await other.api(ws.api_key, 'PUT', '/api/v1/integrations/slack', { webhook_url: slack.url(path) });
    assert.equal(put.body.inbox_url, 'https://leads.example.com');
    const lead = await other.capture(ws, { email: 'public@example.com' });
    await slack.waitForCount(path, 1);
    const [actions] = slack.to(path)[0].json.blocks.filter((b) => b.type === 'actions');
    assert.equal(actions.elements[0].url, `https://leads.example.com/app/leads/${lead.body.id}`);
  } finally {
    await other.stop();
  }
});
