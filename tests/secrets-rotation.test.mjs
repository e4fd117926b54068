// Rotating SECRETS_KEY: values sealed under the old key (and in the first,
// key-less format) keep opening while SECRETS_KEY_PREVIOUS holds it, the
// cron re-seals them under the new key, and then the old key can go.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { spawnApp } from './support/app.mjs';
import { startReceiver, verifyLeadsBotSignature, verifyStandardWebhook } from './support/receiver.mjs';
import { signInbound } from './support/signing.mjs';

const KEY_A = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const KEY_B = randomBytes(32).toString('base64');

/** The key id a sealed value names: as documented, a labelled SHA-256 fingerprint. */
const keyId = (key) => createHash('sha256').update('leadsbot secrets key id\0').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 8);

/** A value in the first sealed format (`v1:`, no key id), as older releases wrote it. */
function legacySeal(key, plaintext) {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), nonce);
  const sealed = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1:${sealed.toString('base64')}`;
}

const SEALED = [
  ['workspaces', 'inbound_secret_sealed'],
  ['webhook_endpoints', 'secret_sealed'],
  ['webhook_endpoints', 'previous_secret_sealed'],
  ['capture_urls', 'secret_sealed'],
];

async function sealedValues(app) {
  const values = [];
  for (const [table, column] of SEALED) {
    for (const row of await app.sql(`SELECT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`)) values.push(row.v);
  }
  return values;
}

let app, receiver;
after(async () => {
  await app?.stop();
  await receiver?.close();
});

test('SECRETS_KEY rotates: old values open under the previous key, the cron re-seals them, then the old key can go', async () => {
  receiver = await startReceiver();
  app = await spawnApp();
  const ws = await app.createWorkspace({ name: 'rotation' });
  const created = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/rot') });
  const oldSecret = created.body.secret;
  const rotated = await app.api(ws.api_key, 'POST', `/api/v1/webhooks/${created.body.id}/rotate-secret`);
  const secret = rotated.body.secret;
  const captureUrl = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'signed', require_signature: true });
  assert.equal(captureUrl.status, 201, JSON.stringify(captureUrl.body));
  // The previous webhook secret as older releases sealed it.
  await app.sql(`UPDATE webhook_endpoints SET previous_secret_sealed = '${legacySeal(KEY_A, oldSecret)}' WHERE id = '${created.body.id}'`);
  const before = await sealedValues(app);
  assert.equal(before.length, 4);
  assert.ok(before.every((v) => v.startsWith(`v2:${keyId(KEY_A)}:`) || v.startsWith('v1:')), before.join('\n'));
  await app.stop({ keepState: true });

  const signedCapture = async (email, path = `/api/inbound/${ws.id}/leads`) => {
    const raw = JSON.stringify({ email });
    return app.request('POST', path, { raw, headers: { 'Content-Type': 'application/json', ...signInbound(ws.inbound_signing_secret, raw) } });
  };
  const assertDelivered = async (count, email) => {
    await receiver.waitForCount('/rot', count, 30_000);
    // Two leads captured together are delivered concurrently: find this one, whatever came first.
    const request = receiver.to('/rot').find((r) => r.json?.data?.email === email);
    assert.ok(request, `a delivery of ${email} among ${receiver.to('/rot').map((r) => r.json?.data?.email).join(', ')}`);
    assert.ok(verifyLeadsBotSignature(request.rawBody, request.headers['x-leadsbot-signature'], secret), 'signed with the current secret');
    assert.ok(verifyLeadsBotSignature(request.rawBody, request.headers['x-leadsbot-signature-previous'], oldSecret), 'and the previous one');
    assert.ok(verifyStandardWebhook(request.rawBody, request.headers, secret));
  };

  // During the rotation: the new key seals, the old one still opens.
  app = await spawnApp({ stateDir: app.stateDir, testScheduled: true, vars: { SECRETS_KEY: KEY_B, SECRETS_KEY_PREVIOUS: KEY_A } });
  assert.equal((await signedCapture('during@example.com')).status, 201, 'the inbound secret opens under the previous key');
  await assertDelivered(1, 'during@example.com');
  const resealed = await app.waitFor(async () => {
    // Each cron run re-seals a bounded batch; running it again is harmless.
    await app.triggerScheduled();
    const values = await sealedValues(app);
    return values.every((v) => v.startsWith(`v2:${keyId(KEY_B)}:`)) && values;
  }, { timeoutMs: 60_000, intervalMs: 500, what: 'every sealed value to be re-sealed under the new key' });
  assert.equal(resealed.length, 4);
  await app.stop({ keepState: true });

  // After it: the old key is gone and everything still opens.
  app = await spawnApp({ stateDir: app.stateDir, vars: { SECRETS_KEY: KEY_B } });
  assert.equal((await signedCapture('after@example.com')).status, 201);
  const raw = JSON.stringify({ email: 'url@example.com' });
  const viaUrl = await app.request('POST', `/api/inbound/w/${captureUrl.body.id}/leads`, {
    raw, headers: { 'Content-Type': 'application/json', ...signInbound(captureUrl.body.signing_secret, raw) },
  });
  assert.equal(viaUrl.status, 201, `the capture URL's secret opens: ${JSON.stringify(viaUrl.body)}`);
  await assertDelivered(2, 'after@example.com');
});
