// The server's fence behind the widget: whatever way a lead arrives, a card
// number, a CVV, an IBAN or an SSN sent as a field is never stored, delivered
// or shown, and page URLs and referrers lose the query parameters that carry
// secrets (reset tokens, codes, keys) while keeping the campaign's.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { startReceiver } from './support/receiver.mjs';
import { signInbound } from './support/signing.mjs';

let app, ws, receiver;
before(async () => {
  [app, receiver] = await Promise.all([spawnApp(), startReceiver()]);
  ws = await app.createWorkspace({ name: 'Privacy', allowed_origins: ['https://site.example'] });
  const hook = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/privacy'), events: ['lead.created'] });
  assert.equal(hook.status, 201);
});
after(async () => {
  await receiver?.close();
  await app?.stop();
});

const inbound = () => `/api/inbound/${ws.id}/leads`;
const leadById = async (id) => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body;
const SECRETS = ['4242 4242 4242 4242', '5555-5555-5555-4444', '737', 'DE89370400440532013000', '078-05-1120'];

/** A secret in a JSON text: long ones anywhere (with or without separators), short ones as a whole value. */
function assertNoSecrets(where, text) {
  for (const secret of SECRETS) {
    const leaked = secret.length >= 8 ? text.includes(secret) || text.includes(secret.replace(/[ -]/g, '')) : text.includes(`"${secret}"`);
    assert.ok(!leaked, `${where} holds ${secret}: ${text}`);
  }
}

/** The secret fields a careless form or integration posts, beside one innocent one. */
const secretFields = (email) => ({
  email,
  plan: 'pro',
  card_number: '4242 4242 4242 4242',
  cvv: '737',
  order_ref: '5555-5555-5555-4444',
  iban: 'DE89370400440532013000',
  ssn: '078-05-1120',
  page_url: 'https://site.example/welcome?token=abc&utm_source=x&reset=1',
  referrer: 'https://mail.example/open?session=s1&ref=newsletter',
});

async function assertStoredSafely(response, email) {
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const lead = await leadById(response.body.id);
  assert.equal(lead.email, email);
  assert.deepEqual(lead.custom, { plan: 'pro' });
  assert.equal(lead.page_url, 'https://site.example/welcome?utm_source=x');
  assert.equal(lead.utm_source, 'x');
  assert.equal(lead.referrer, 'https://mail.example/open?ref=newsletter');
  assertNoSecrets('the stored lead', JSON.stringify(lead));
  return lead;
}

test('a JSON capture with an API key stores neither the card number nor the CVV, and strips secret URL parameters', async () => {
  await assertStoredSafely(await app.capture(ws, secretFields('json@example.com')), 'json@example.com');
});

test('a signed server capture and a browser text/plain capture are fenced the same way', async () => {
  const raw = JSON.stringify(secretFields('signed@example.com'));
  const signed = await app.request('POST', inbound(), { headers: { 'Content-Type': 'application/json', ...signInbound(ws.inbound_signing_secret, raw) }, raw });
  await assertStoredSafely(signed, 'signed@example.com');
  const widgetShaped = { _token: ws.public_token, email: 'browser@example.com', custom: { ...secretFields('x@example.com'), email: undefined, page_url: undefined, referrer: undefined }, context: { page_url: secretFields().page_url, referrer: secretFields().referrer } };
  const browser = await app.request('POST', inbound(), { headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: 'https://site.example' }, raw: JSON.stringify(widgetShaped) });
  await assertStoredSafely(browser, 'browser@example.com');
});

test('urlencoded and multipart forms are fenced the same way', async () => {
  const form = new URLSearchParams({ _token: ws.public_token, ...secretFields('form@example.com') });
  const urlencoded = await app.request('POST', inbound(), { headers: { Origin: 'https://site.example', 'Content-Type': 'application/x-www-form-urlencoded' }, raw: form.toString() });
  await assertStoredSafely(urlencoded, 'form@example.com');

  const multipart = new FormData();
  multipart.set('_token', ws.public_token);
  for (const [name, value] of Object.entries(secretFields('multi@example.com'))) multipart.set(name, value);
  const response = await fetch(`${app.baseUrl}${inbound()}`, { method: 'POST', headers: { Origin: 'https://site.example' }, body: multipart });
  await assertStoredSafely({ status: response.status, body: await response.json() }, 'multi@example.com');
});

test('capture URLs, with and without a field mapping, are fenced the same way', async () => {
  const plain = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Plain' });
  const posted = await app.request('POST', new URL(plain.body.url).pathname, { body: secretFields('url@example.com') });
  await assertStoredSafely(posted, 'url@example.com');

  const fields = secretFields('mapped@example.com');
  const mapping = Object.fromEntries(Object.keys(fields).map((name) => [name, `data.${name}`]));
  const mapped = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Mapped', field_mapping: mapping });
  const tool = await app.request('POST', new URL(mapped.body.url).pathname, { body: { data: fields } });
  await assertStoredSafely(tool, 'mapped@example.com');
});

test('no webhook carries a secret that was posted', async () => {
  const response = await app.capture(ws, secretFields('hook@example.com'));
  assert.equal(response.status, 201);
  const delivered = await receiver.waitForCount('/privacy', 1).then(() =>
    app.waitFor(() => receiver.to('/privacy').find((r) => r.json?.data?.id === response.body.id), { timeoutMs: 30_000, what: 'the webhook for this lead' }));
  assert.deepEqual(delivered.json.data.custom, { plan: 'pro' });
  assert.equal(delivered.json.data.page_url, 'https://site.example/welcome?utm_source=x');
  for (const request of receiver.to('/privacy')) assertNoSecrets('a webhook', request.rawBody);
});
