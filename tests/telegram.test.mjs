// Telegram alerts end to end: the worker calls a local Bot API stand-in
// (TELEGRAM_API_BASE) that records every sendMessage.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';

const TOKEN = '123456:TEST-token_abcdefghijklmnop';
const PATH = `/bot${TOKEN}/sendMessage`;
let app, telegram;
before(async () => {
  telegram = await startReceiver();
  app = await spawnApp({ vars: { TELEGRAM_API_BASE: telegram.url(''), DELIVERY_RETRY_SCHEDULE: '1,1,1' } });
});
after(async () => {
  await app?.stop();
  await telegram?.close();
});

async function allFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(entries.map((e) => (e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)])));
  return files.flat();
}

test('the integration API validates, hides the token and seals it at rest', async () => {
  const ws = await app.createWorkspace({ name: 'tg-api' });
  assert.equal((await app.api(ws.api_key, 'GET', '/api/v1/integrations/telegram')).status, 404);
  const bad = await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: 'no/slashes', chat_id: '' });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e) => e.field), ['bot_token', 'chat_id']);
  const put = await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: -100123 });
  assert.equal(put.status, 200);
  assert.equal(put.body.chat_id, '-100123');
  const got = await app.api(ws.api_key, 'GET', '/api/v1/integrations/telegram');
  assert.ok(!JSON.stringify(got.body).includes(TOKEN));
  const endpoint = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: 'https://hooks.example/in' });
  // A dump of D1 (every file of the local state) holds neither secret.
  const secretPart = endpoint.body.secret.slice(6);
  for (const file of await allFiles(app.stateDir)) {
    const bytes = await readFile(file);
    assert.ok(!bytes.includes(TOKEN) && !bytes.includes(secretPart), `${file} leaks a secret`);
  }
  assert.equal((await app.api(ws.api_key, 'DELETE', '/api/v1/integrations/telegram')).status, 204);
});

test('each new lead is announced, escaped, after honouring a 429', async () => {
  const ws = await app.createWorkspace({ name: 'tg' });
  await app.api(ws.api_key, 'PUT', '/api/v1/integrations/telegram', { bot_token: TOKEN, chat_id: '42' });
  telegram.plan(PATH, [
    { status: 429, body: JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 2 } }) },
    { status: 200, body: '{"ok":true,"result":{"message_id":1}}' },
  ]);
  await app.capture(ws, { email: 'bot@spam.example', _gotcha: 'x' });
  const lead = await app.capture(ws, {
    email: 'ada@example.com', name: '<b>&</b>', phone: '+44 20 1234', company: 'A & B <Ltd>',
    message: 'Hello <script>alert(1)</script> '.repeat(40), utm_campaign: 'spring', page_url: 'https://site.example/?a=1&b=2',
  });
  assert.equal(lead.status, 201);
  await telegram.waitForCount(PATH, 2);
  const [limited, sent] = telegram.to(PATH);
  assert.ok(sent.receivedAt - limited.receivedAt >= 1900, `waited ${sent.receivedAt - limited.receivedAt} ms`);
  assert.equal(sent.json.chat_id, '42');
  assert.equal(sent.json.parse_mode, 'HTML');
  const text = sent.json.text;
  assert.ok(text.includes('<b>Name:</b> &lt;b&gt;&amp;&lt;/b&gt;'), text);
  assert.ok(text.includes('A &amp; B &lt;Ltd&gt;'));
  assert.ok(text.includes('<b>Campaign:</b> spring'));
  assert.ok(text.includes('https://site.example/?a=1&amp;b=2'));
  assert.ok(!text.includes('<script>'));
  assert.ok(text.length < 4096);
  // Only the real lead was announced (the 429 and its retry are one lead).
  assert.equal(telegram.to(PATH).length, 2);
  await app.capture(ws, { email: 'second@example.com', name: 'Second' });
  await telegram.waitForCount(PATH, 3);
  assert.ok(telegram.to(PATH).every((r) => !r.json.text.includes('spam.example')), 'spam is never announced');
});
