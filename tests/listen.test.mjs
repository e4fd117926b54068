// `leadsbot listen` as a developer runs it: a child process polling the
// running worker's Events API, posting each new event to a real local
// receiver, signed with the secret it printed, as a delivery is.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { spawnApp } from './support/app.mjs';
import { startReceiver, verifyLeadsBotSignature, verifyStandardWebhook } from './support/receiver.mjs';
import { builtClient, clientDir } from './support/client.mjs';

const bin = join(clientDir, 'bin/leadsbot.mjs');
let app, receiver, lb;
before(async () => {
  lb = await builtClient();
  receiver = await startReceiver();
  app = await spawnApp();
});
after(async () => {
  await app?.stop();
  await receiver?.close();
});

/** The command as a child process, its output collected as it comes. */
function run(args, env = {}) {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, LEADSBOT_API: '', LEADSBOT_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

test('listen forwards new events to a local receiver, signed with the secret it printed, and stops on Ctrl-C', async () => {
  const ws = await app.createWorkspace({ name: 'listen' });
  const old = (await app.capture(ws, { email: 'old@example.com' })).body;
  receiver.plan('/local', [{ status: 200 }, { status: 503 }]);
  const listener = run(['listen', '--forward-to', receiver.url('/local'), '--interval', '200'], { LEADSBOT_API: app.baseUrl, LEADSBOT_KEY: ws.api_key });
  try {
    const secret = await app.waitFor(() => listener.out.stdout.match(/signing secret (whsec_\S+)/)?.[1], { timeoutMs: 20_000, what: `listen to be ready: ${JSON.stringify(listener.out)}` });
    const lead = (await app.capture(ws, { email: 'new@example.com', name: 'New' })).body;
    await receiver.waitForCount('/local', 1);
    const [got] = receiver.to('/local');
    assert.equal(got.method, 'POST');
    assert.equal(got.json.event, 'lead.created');
    assert.equal(got.json.data.id, lead.id);
    assert.equal(got.headers['x-leadsbot-event'], 'lead.created');
    assert.ok(verifyLeadsBotSignature(got.rawBody, got.headers['x-leadsbot-signature'], secret), 'the documented snippet accepts it');
    assert.ok(verifyStandardWebhook(got.rawBody, got.headers, secret), 'standardwebhooks accepts it');
    assert.equal((await lb.verifyWebhook(got.rawBody, got.headers, secret)).data.id, lead.id, 'the client accepts it');
    const [event] = (await app.api(ws.api_key, 'GET', `/api/v1/events?lead_id=${lead.id}`)).body.data;
    assert.deepEqual(got.json, event.payload, 'the payload deliveries send');
    await app.waitFor(() => listener.out.stdout.includes(`lead.created  ${event.id}  -> 200`), { what: `the line for ${event.id}: ${listener.out.stdout}` });
    await app.capture(ws, { email: 'next@example.com' });
    await receiver.waitForCount('/local', 2);
    assert.deepEqual(receiver.to('/local').map((r) => r.json.data.email), ['new@example.com', 'next@example.com'], 'each event once, in order');
    assert.ok(!receiver.to('/local').some((r) => r.json.data.id === old.id), 'events from before it started are not forwarded');
    await app.waitFor(() => /lead\.created {2}evt_\S+ {2}-> 503\n/.test(listener.out.stdout), { what: `the receiver's 503 shown: ${listener.out.stdout}` });
    listener.child.kill('SIGINT');
    assert.deepEqual(await listener.exited, { code: 0, signal: null });
    assert.match(listener.out.stdout, /Stopped\.\n$/);
  } finally {
    listener.child.kill('SIGKILL');
  }
});

test('listen says what is missing or refused, and exits non-zero', async () => {
  const noTarget = run(['listen'], { LEADSBOT_API: app.baseUrl, LEADSBOT_KEY: 'lb_sk_x' });
  assert.equal((await noTarget.exited).code, 2);
  assert.match(noTarget.out.stderr, /--forward-to is required/);
  const noKey = run(['listen', '--forward-to', receiver.url('/never'), '--api', app.baseUrl]);
  assert.equal((await noKey.exited).code, 2);
  assert.match(noKey.out.stderr, /LEADSBOT_KEY/);
  const wrongKey = run(['listen', '--forward-to', receiver.url('/never'), '--api', app.baseUrl, '--key', 'lb_sk_wrong']);
  assert.equal((await wrongKey.exited).code, 1);
  assert.match(wrongKey.out.stderr, /401/);
  assert.equal(receiver.to('/never').length, 0);
});

test('an event that commits late, within the settle window, is still forwarded once; older ones are not walked', async () => {
  // A stand-in Events API (newest first, by id) behind the real client, to commit events out of order.
  const stored = [];
  const at = (s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const event = (id, s) => ({ id, type: 'lead.created', lead_id: null, created_at: at(s), payload: {} });
  const pagesAsked = [];
  const fetch = async (request) => {
    const url = new URL(request.url);
    const limit = Number(url.searchParams.get('limit'));
    const cursor = url.searchParams.get('cursor');
    pagesAsked.push(cursor ?? '');
    const newestFirst = [...stored].sort((a, b) => b.id.localeCompare(a.id)).filter((e) => !cursor || e.id < cursor);
    const data = newestFirst.slice(0, limit);
    const next_cursor = newestFirst.length > limit ? data.at(-1).id : null;
    return new Response(JSON.stringify({ data, next_cursor }), { headers: { 'Content-Type': 'application/json' } });
  };
  const client = lb.createLeadsBotClient({ baseUrl: 'http://api.invalid', apiKey: 'lb_sk_x', fetch });
  const forwarded = new Map();
  const take = async (floor) => {
    const fresh = await lb.newEvents(client, floor, forwarded);
    for (const e of fresh) forwarded.set(e.id, Date.parse(e.created_at));
    return fresh.map((e) => e.id);
  };
  stored.push(event('evt_01', 0));
  const floor = (await lb.newestEventId(client)) ?? null;
  assert.deepEqual(await take(floor), [], 'nothing from before the start');
  stored.push(event('evt_03', 30), event('evt_04', 31));
  assert.deepEqual(await take(floor), ['evt_03', 'evt_04'], 'oldest first');
  stored.push(event('evt_02', 25));
  assert.deepEqual(await take(floor), ['evt_02'], 'committed late, 6 s before the newest: forwarded');
  assert.deepEqual(await take(floor), [], 'and only once');
  for (let s = 0; s < 150; s++) stored.push(event(`evt_1${String(s).padStart(3, '0')}`, 60 + s));
  assert.equal((await take(floor)).length, 150, 'over two pages of 100');
  pagesAsked.length = 0;
  stored.push(event('evt_2000', 300));
  assert.deepEqual(await take(floor), ['evt_2000']);
  assert.equal(pagesAsked.length, 1, 'a poll stops at the settle window, not at the start');
});
