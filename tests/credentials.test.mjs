// Credentials name their workspace: new API keys (`lb_sk_<ws>_…`), capture
// URL ids (`cap_<ws>_…`), inbox links (`lbl_<ws>_…`) and sessions
// (`lbs_<ws>_…`) are looked up in the workspace they name and nowhere else.
// Credentials made before that (no workspace inside) keep working: planted
// here with SQL as an earlier release wrote them.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnApp } from './support/app.mjs';

let app, a, b;
before(async () => {
  app = await spawnApp();
  [a, b] = [await app.createWorkspace({ name: 'A' }), await app.createWorkspace({ name: 'B' })];
});
after(() => app?.stop());

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** `n` random base62 characters: the secret part of every credential. */
const base62 = (n) => [...randomBytes(n)].map((byte) => BASE62[byte % 62]).join('');
const keyId = () => `key_01J${base62(23).toUpperCase().replace(/[ILOU]/g, '0')}`;
const sqlText = (value) => `'${String(value).replaceAll("'", "''")}'`;

/** Plants an API key row of `ws` for `secret`, as issuing one writes it. */
async function plantKey(ws, secret, scopes = 'read write admin') {
  const id = keyId();
  await app.sql(`INSERT INTO api_keys (id, workspace_id, name, key_hash, prefix, last4, scopes, created_at)
    VALUES (${sqlText(id)}, ${sqlText(ws.id)}, 'Planted', ${sqlText(sha256(secret))}, ${sqlText(secret.slice(0, 10))}, ${sqlText(secret.slice(-4))}, ${sqlText(scopes)}, ${Date.now()})`, { database: ws.database });
  return id;
}

async function plantSession(ws, secret, keyIdOfWs) {
  const now = Date.now();
  await app.sql(`INSERT INTO inbox_sessions (id_hash, workspace_id, key_id, created_at, expires_at, last_seen_at)
    VALUES (${sqlText(sha256(secret))}, ${sqlText(ws.id)}, ${sqlText(keyIdOfWs)}, ${now}, ${now + 3_600_000}, ${now})`, { database: ws.database });
}

async function plantLink(ws, secret, keyIdOfWs) {
  const now = Date.now();
  await app.sql(`INSERT INTO inbox_links (token_hash, workspace_id, key_id, created_at, expires_at)
    VALUES (${sqlText(sha256(secret))}, ${sqlText(ws.id)}, ${sqlText(keyIdOfWs)}, ${now}, ${now + 600_000})`, { database: ws.database });
}

async function plantCaptureUrl(ws, id) {
  await app.sql(`INSERT INTO capture_urls (id, workspace_id, name, field_mapping, created_at) VALUES (${sqlText(id)}, ${sqlText(ws.id)}, 'Planted', '{}', ${Date.now()})`, { database: ws.database });
}

/** The workspace an API key opens, or its status when it opens none. */
async function workspaceOf(key) {
  const response = await app.api(key, 'GET', '/api/v1/workspace');
  return response.status === 200 ? response.body.id : response.status;
}

const captureWith = (ws, key, email) => app.request('POST', `/api/inbound/${ws.id}/leads`, { headers: { Authorization: `Bearer ${key}` }, body: { email } });
const viaUrl = (id, email) => app.request('POST', `/api/inbound/w/${id}/leads`, { body: { email } });

/** Posts the sign-in form as the page does; the session secret of the cookie set, or the status. */
async function signIn(fields) {
  const response = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl },
  });
  const cookie = response.headers.get('set-cookie');
  return response.status === 303 && cookie ? cookie.split(';')[0].split('=')[1] : response.status;
}

/** The inbox's answer to a session secret: 200 signed in, 303 to sign-in. */
const inboxWith = async (secret) => (await fetch(`${app.baseUrl}/app`, { headers: { Cookie: `lb_session=${secret}` }, redirect: 'manual' })).status;

test('new keys, capture URLs, sign-in links and sessions name their workspace and work', async () => {
  assert.match(a.api_key, new RegExp(`^lb_sk_${a.id}_[0-9A-Za-z]{48}$`), 'the workspace key');
  assert.equal(await workspaceOf(a.api_key), a.id);
  const created = await app.api(a.api_key, 'POST', '/api/v1/keys', { name: 'Writer', scopes: ['write'] });
  assert.match(created.body.key, new RegExp(`^lb_sk_${a.id}_[0-9A-Za-z]{48}$`));
  assert.equal((await captureWith(a, created.body.key, 'new-key@example.com')).status, 201);

  const url = await app.api(a.api_key, 'POST', '/api/v1/inbound-webhooks', { name: 'Form' });
  assert.match(url.body.id, new RegExp(`^cap_${a.id}_[0-9A-Za-z]{24}$`));
  const captured = await viaUrl(url.body.id, 'new-url@example.com');
  assert.equal(captured.status, 201, JSON.stringify(captured.body));
  assert.equal((await app.api(a.api_key, 'GET', `/api/v1/leads/${captured.body.id}`)).body.email, 'new-url@example.com');

  const link = new URL((await app.api(a.api_key, 'POST', '/api/v1/inbox-links')).body.url).searchParams.get('link');
  assert.match(link, new RegExp(`^lbl_${a.id}_[0-9A-Za-z]{24}$`));
  const session = await signIn({ link });
  assert.match(String(session), new RegExp(`^lbs_${a.id}_[0-9A-Za-z]{24}$`));
  assert.equal(await inboxWith(session), 200);
  assert.equal(await signIn({ link }), 401, 'a link works once');
  const byKey = await signIn({ api_key: a.api_key });
  assert.match(String(byKey), new RegExp(`^lbs_${a.id}_`), 'a session opened with a key names its workspace too');
});

test("a key of workspace A used against B's id is refused as today", async () => {
  const response = await captureWith(b, a.api_key, 'cross@example.com');
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  assert.equal(await workspaceOf(b.api_key), b.id, "B's key opens B");
});

test("a forged key naming A's workspace with B's secret, or stored under another workspace than it names, is refused", async () => {
  const forged = `lb_sk_${a.id}_${b.api_key.slice(-48)}`;
  assert.equal(await workspaceOf(forged), 401);
  assert.equal((await captureWith(a, forged, 'forged@example.com')).status, 401);
  assert.equal((await captureWith(b, forged, 'forged@example.com')).status, 404, 'it names A, not B');
  assert.equal(await signIn({ api_key: forged }), 401);

  // A row of B whose secret names A: found by its hash alone it would open B; looked up in A, it is nothing.
  const misplaced = `lb_sk_${a.id}_${base62(48)}`;
  const misplacedId = await plantKey(b, misplaced);
  assert.equal(await workspaceOf(misplaced), 401);
  assert.equal((await captureWith(b, misplaced, 'misplaced@example.com')).status, 404);
  assert.equal((await captureWith(a, misplaced, 'misplaced@example.com')).status, 401);

  // The same for a capture URL, a session and a link of B that name A.
  const urlId = `cap_${a.id}_${base62(24)}`;
  await plantCaptureUrl(b, urlId);
  assert.equal((await viaUrl(urlId, 'misplaced-url@example.com')).status, 404);
  const session = `lbs_${a.id}_${base62(24)}`;
  await plantSession(b, session, misplacedId);
  assert.equal(await inboxWith(session), 303);
  const link = `lbl_${a.id}_${base62(24)}`;
  await plantLink(b, link, misplacedId);
  assert.equal(await signIn({ link }), 401);
});

test('old-format credentials, made before they named their workspace, still work', async () => {
  const oldKey = `lb_sk_${base62(48)}`;
  const oldKeyId = await plantKey(a, oldKey);
  assert.equal(await workspaceOf(oldKey), a.id);
  assert.equal((await captureWith(a, oldKey, 'old-key@example.com')).status, 201);
  assert.equal((await captureWith(b, oldKey, 'old-key@example.com')).status, 404, 'still only its own workspace');
  const rotated = await app.api(oldKey, 'POST', '/api/v1/keys', { name: 'Rotated', scopes: ['read'] });
  assert.match(rotated.body.key, new RegExp(`^lb_sk_${a.id}_`), 'its replacement names the workspace');

  for (const id of [`wh_${base62(24)}`, `cap_${base62(24)}`]) {
    await plantCaptureUrl(a, id);
    const captured = await viaUrl(id, `old-url-${id.slice(0, 3)}@example.com`);
    assert.equal(captured.status, 201, `${id}: ${JSON.stringify(captured.body)}`);
    assert.equal((await app.api(a.api_key, 'GET', `/api/v1/leads/${captured.body.id}`)).status, 200);
  }

  const oldSession = `lbs_${base62(24)}`;
  await plantSession(a, oldSession, oldKeyId);
  assert.equal(await inboxWith(oldSession), 200);
  const oldLink = `lbl_${base62(24)}`;
  await plantLink(a, oldLink, oldKeyId);
  const session = await signIn({ link: oldLink });
  assert.match(String(session), new RegExp(`^lbs_${a.id}_`), 'the old link opens a new session');
  assert.equal(await inboxWith(session), 200);
  assert.match(String(await signIn({ api_key: oldKey })), new RegExp(`^lbs_${a.id}_`), 'and so does the old key');
});

test('old-format credentials of a workspace on the second database are found there', async () => {
  assert.deepEqual([a.database, b.database], ['DB', 'DB_1'], 'A and B live on different databases');
  const oldKey = `lb_sk_${base62(48)}`;
  const oldKeyId = await plantKey(b, oldKey);
  assert.equal(await workspaceOf(oldKey), b.id, 'looked for in each database, found in DB_1');
  assert.equal((await captureWith(b, oldKey, 'old-key-b@example.com')).status, 201);
  assert.equal((await captureWith(a, oldKey, 'old-key-b@example.com')).status, 404, 'only its own workspace');
  const oldUrl = `wh_${base62(24)}`;
  await plantCaptureUrl(b, oldUrl);
  const captured = await viaUrl(oldUrl, 'old-url-b@example.com');
  assert.equal(captured.status, 201, JSON.stringify(captured.body));
  assert.equal((await app.api(b.api_key, 'GET', `/api/v1/leads/${captured.body.id}`)).status, 200);
  const oldSession = `lbs_${base62(24)}`;
  await plantSession(b, oldSession, oldKeyId);
  assert.equal(await inboxWith(oldSession), 200);
  const oldLink = `lbl_${base62(24)}`;
  await plantLink(b, oldLink, oldKeyId);
  assert.match(String(await signIn({ link: oldLink })), new RegExp(`^lbs_${b.id}_`));
});
