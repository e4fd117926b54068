// Email, end to end: a workflow `email` action to the lead, sent by the real
// worker on wrangler dev to the local mail sink (scripts/mail-sink.mjs), which
// keeps each message as an .eml file in this app's own folder. The tests read
// those files as a mail client would (tests/support/mail.mjs).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { parseEml } from './support/mail.mjs';

let app;
before(async () => {
  app = await spawnApp({ mail: true, vars: { DELIVERY_RETRY_SCHEDULE: '1,1,1' } });
});
after(async () => {
  await app?.stop();
});

const HOSTILE = '<img src=x onerror=alert(1)> & "Bob"';
const emailAction = { type: 'email', to: 'lead', subject: 'Grüße, {{lead.name}}', body: 'Hi {{lead.name}},\nthanks for writing from {{lead.company}}.' };

async function workspaceEmailingLeads(name) {
  const ws = await app.createWorkspace({ name });
  const wf = await app.api(ws.api_key, 'POST', '/api/v1/workflows', { name: 'Welcome', trigger: { event: 'lead.created' }, actions: [emailAction, { type: 'add_tag', tag: 'welcomed' }] });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  return ws;
}

/** The workspace's email jobs, once `count` of them have settled. */
const settledEmails = (ws, count) => app.waitFor(async () => {
  const jobs = (await app.api(ws.api_key, 'GET', '/api/v1/deliveries?channel=email')).body.data;
  return jobs.length >= count && jobs.every((j) => !['pending', 'held'].includes(j.status)) && jobs;
}, { timeoutMs: 30_000, intervalMs: 200, what: `${count} settled email jobs` });

/** The lead once its workflow run finished (its tag, after the email, says so). */
const welcomed = (ws, id) => app.waitFor(async () => {
  const lead = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body;
  return lead.tags?.includes('welcomed') && lead;
}, { timeoutMs: 30_000, intervalMs: 200, what: `lead ${id} tagged by its run` });

const mailTo = async (address) => (await app.mailbox()).map((m) => ({ ...m, eml: parseEml(m.raw) })).filter((m) => m.eml.header('to')?.includes(address));

test('a workflow emails the lead: both parts, every value inert in the HTML, one-click unsubscribe', async () => {
  const ws = await workspaceEmailingLeads('email');
  const lead = await app.capture(ws, { email: 'ada@example.com', name: HOSTILE, company: 'A & B <Ltd>' });
  assert.equal(lead.status, 201);
  const [mail] = await app.waitFor(async () => {
    const found = await mailTo('ada@example.com');
    return found.length > 0 && found;
  }, { timeoutMs: 30_000, what: 'the .eml of the welcome email' });
  const { eml } = mail;
  assert.equal(eml.header('from'), '<leads@leadsbot.test>');
  assert.equal(eml.subject, `Grüße, ${HOSTILE}`, 'the subject reads back as written (encoded-words on the wire)');
  assert.match(eml.header('subject'), /^=\?utf-8\?/i);
  assert.ok(mail.raw.split('\r\n\r\n')[0].split('\r\n').every((line) => /^[\x20-\x7e\t]*$/.test(line)), 'headers are ASCII');
  assert.match(eml.contentType, /^multipart\/alternative;/);
  assert.match(eml.header('message-id'), /^<dlv_[0-9A-Z]+_0@leadsbot\.test>$/);
  // RFC 8058: an https (here the local) URL to POST to, and the one-click marker.
  const unsubscribe = eml.header('list-unsubscribe').match(/^<(http:\/\/127\.0\.0\.1:\d+\/u\/(u1\.[^>]+))>$/);
  assert.ok(unsubscribe, eml.header('list-unsubscribe'));
  assert.equal(eml.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
  const text = eml.parts.find((p) => p.type === 'text/plain');
  const html = eml.parts.find((p) => p.type === 'text/html');
  assert.ok(text && html, JSON.stringify(eml.parts.map((p) => p.type)));
  assert.ok(text.text.startsWith(`Hi ${HOSTILE},\nthanks for writing from A & B <Ltd>.`), text.text);
  assert.ok(text.text.includes(`Unsubscribe: ${unsubscribe[1]}`));
  assert.ok(html.text.includes('Hi &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Bob&quot;,<br>'), html.text);
  assert.ok(html.text.includes('A &amp; B &lt;Ltd&gt;'));
  assert.ok(!html.text.includes('<img') && !html.text.includes('<Ltd>'), 'no value of the lead is markup');
  const [job] = await settledEmails(ws, 1);
  assert.equal(job.status, 'succeeded');
  await welcomed(ws, lead.body.id);
  // The lead's timeline in the inbox shows the email beside its other deliveries.
  const signedIn = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ api_key: ws.api_key }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl },
  });
  const cookie = signedIn.headers.get('set-cookie').split(';')[0];
  const page = await (await fetch(`${app.baseUrl}/app/leads/${lead.body.id}`, { headers: { Cookie: cookie } })).text();
  assert.match(page, /workflow\.email<\/code> → email to the lead: <strong class="d-ok">succeeded<\/strong>/);
});

test('unsubscribing: GET only asks, POST suppresses, and the next email to the address is cancelled unsent', async () => {
  const ws = await workspaceEmailingLeads('unsubscribe');
  await app.capture(ws, { email: 'grace@example.com', name: 'Grace' });
  const [first] = await app.waitFor(async () => {
    const found = await mailTo('grace@example.com');
    return found.length > 0 && found;
  }, { timeoutMs: 30_000, what: 'the first email to grace' });
  const path = new URL(first.eml.header('list-unsubscribe').slice(1, -1)).pathname;

  const page = await app.request('GET', path);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.body, /<form method="post" action="\/u\/u1\.[^"]+"><button type="submit">Unsubscribe<\/button><\/form>/);
  const forged = await app.request('POST', `${path.slice(0, -4)}0000`, { raw: 'List-Unsubscribe=One-Click' });
  assert.equal(forged.status, 404);
  assert.equal(forged.headers.get('content-type'), 'application/problem+json');

  // Opening the link (a scanner, a preview) unsubscribed nobody: a second lead with the address is emailed.
  await app.capture(ws, { email: 'Grace@Example.com', name: 'Grace again' });
  await app.waitFor(async () => (await mailTo('Grace@example.com')).length === 1 && true, { timeoutMs: 30_000, what: 'the email after a GET' });
  await settledEmails(ws, 2);

  // The mail provider's one-click POST (RFC 8058 body) suppresses the address, in every spelling.
  const posted = await app.request('POST', path, { raw: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(posted.status, 200);
  assert.match(posted.body, /You are unsubscribed/);
  assert.equal((await app.request('POST', path, { raw: 'List-Unsubscribe=One-Click' })).status, 200, 'twice is fine');

  const before = (await app.mailbox()).length;
  const third = await app.capture(ws, { email: 'GRACE@example.com', name: 'Grace, third time' });
  await welcomed(ws, third.body.id);
  const jobs = await settledEmails(ws, 3);
  const cancelled = jobs.filter((j) => j.status === 'cancelled');
  assert.equal(cancelled.length, 1, JSON.stringify(jobs));
  assert.equal(cancelled[0].last_error, 'suppressed');
  assert.equal((await app.mailbox()).length, before, 'no .eml was written for the suppressed address');
  const stored = await app.sql(`SELECT address_hash, reason FROM email_suppressions WHERE workspace_id = '${ws.id}'`);
  assert.equal(stored.length, 1);
  assert.match(stored[0].address_hash, /^[0-9a-f]{64}$/, 'only a hash of the address is kept');
  assert.equal(stored[0].reason, 'unsubscribed');

  // Erasing the person leaves only that hash: no stored email names the address, and the list still holds.
  const erased = await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: 'grace@example.com' });
  assert.deepEqual([erased.status, erased.body], [200, { erased: 3 }]);
  const naming = await app.sql(`SELECT count(*) AS n FROM events WHERE workspace_id = '${ws.id}' AND lower(payload) LIKE '%grace@%'`);
  assert.equal(naming[0].n, 0);
  assert.equal((await app.sql(`SELECT count(*) AS n FROM email_suppressions WHERE workspace_id = '${ws.id}'`))[0].n, 1);
  const fourth = await app.capture(ws, { email: 'grace@example.com', name: 'Grace, after erasure' });
  await welcomed(ws, fourth.body.id);
  assert.equal((await settledEmails(ws, 4)).filter((j) => j.status === 'cancelled' && j.last_error === 'suppressed').length, 2);
  assert.equal((await app.mailbox()).length, before);
});

test('a paused campaign holds the email its lead would get; resuming sends it', async () => {
  const ws = await workspaceEmailingLeads('paused');
  const campaign = await app.api(ws.api_key, 'POST', '/api/v1/campaigns', { slug: 'spring', name: 'Spring' });
  assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.body.id}/pause`)).status, 200);
  const held = await app.capture(ws, { email: 'held@example.com', name: 'Held', campaign: 'spring' });
  await app.waitFor(async () => (await app.api(ws.api_key, 'GET', '/api/v1/deliveries?status=held')).body.data.length > 0, { what: 'the held work' });
  assert.equal((await mailTo('held@example.com')).length, 0, 'nothing sent while paused');
  assert.equal((await app.api(ws.api_key, 'POST', `/api/v1/campaigns/${campaign.body.id}/resume`)).status, 200);
  await welcomed(ws, held.body.id);
  const [job] = await settledEmails(ws, 1);
  assert.equal(job.status, 'succeeded');
  assert.equal((await mailTo('held@example.com')).length, 1, 'sent once, after the resume');
});

test('a failing send is retried on the schedule and then delivered once', async () => {
  const ws = await workspaceEmailingLeads('retry');
  app.mail.failWith(503);
  try {
    await app.capture(ws, { email: 'retry@example.com', name: 'Retry' });
    await app.waitFor(async () => {
      const [job] = (await app.api(ws.api_key, 'GET', '/api/v1/deliveries?channel=email')).body.data;
      return job?.attempts >= 2 && job.status === 'pending';
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'two failed attempts, the job still pending' });
  } finally {
    app.mail.failWith(null);
  }
  const [job] = await settledEmails(ws, 1);
  assert.equal(job.status, 'succeeded');
  assert.ok(job.attempts >= 3, `attempts: ${job.attempts}`);
  const attempts = (await app.api(ws.api_key, 'GET', `/api/v1/deliveries/${job.id}`)).body.attempts;
  // The attempts come on the one schedule (1 s apart here), each failure logged.
  assert.ok(attempts.slice(0, -1).every((a) => a.status_code === 503), JSON.stringify(attempts));
  assert.equal((await mailTo('retry@example.com')).length, 1, 'one message kept, from the attempt that succeeded');
});

test('a workflow that emails needs email set up to be enabled', async () => {
  const bare = await spawnApp();
  try {
    const ws = await bare.createWorkspace({ name: 'no email' });
    const body = { name: 'w', trigger: { event: 'lead.created' }, actions: [emailAction] };
    const refused = await bare.api(ws.api_key, 'POST', '/api/v1/workflows', body);
    assert.equal(refused.status, 422);
    assert.deepEqual(refused.body.errors.map((e) => [e.field, e.code]), [['actions[0]', 'email_not_set_up']]);
    assert.equal((await bare.api(ws.api_key, 'POST', '/api/v1/workflows', { ...body, enabled: false })).status, 201);
    const wrongTo = await bare.api(ws.api_key, 'POST', '/api/v1/workflows', { ...body, enabled: false, actions: [{ ...emailAction, to: 'members:boss' }] });
    assert.deepEqual(wrongTo.body.errors.map((e) => [e.field, e.code]), [['actions[0].to', 'invalid_recipient']]);
  } finally {
    await bare.stop();
  }
});
