// Members and roles over the API: invite, list, change role, remove; the
// last owner stays; one workspace never sees another's people.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';

let app;
before(async () => {
  app = await spawnApp();
});
after(async () => {
  await app?.stop();
});

const invite = (ws, body) => app.api(ws.api_key, 'POST', '/api/v1/members', body);
const members = async (ws) => (await app.api(ws.api_key, 'GET', '/api/v1/members')).body.data;
const ownerOf = async (ws) => (await members(ws)).find((m) => m.role === 'owner');

test('a workspace made with owner_email has that person as its first owner, invited', async () => {
  const ws = await app.createWorkspace({ name: 'owned', owner_email: '  Ada@BÜRO.de ' });
  const list = await app.api(ws.api_key, 'GET', '/api/v1/members');
  assert.equal(list.status, 200);
  assert.deepEqual(Object.keys(list.body).sort(), ['data', 'has_more', 'next_cursor']);
  assert.equal(list.body.data.length, 1);
  const [owner] = list.body.data;
  assert.match(owner.id, /^mem_[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.deepEqual({ ...owner, id: undefined, invited_at: undefined }, { id: undefined, email: 'Ada@xn--bro-hoa.de', name: null, role: 'owner', status: 'invited', invited_at: undefined, alerts: 'all', telegram_user_id: null });
  await assert.rejects(app.createWorkspace({ name: 'x', owner_email: 'nope' }), /"status":422.*"field":"email"/s, 'a bad address makes no workspace');
});

test('invite, list, change role, remove', async () => {
  const ws = await app.createWorkspace({ name: 'team', owner_email: 'owner@example.com' });
  const created = await invite(ws, { email: 'Rep@Example.com', role: 'member' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(Object.keys(created.body).sort(), ['alerts', 'email', 'id', 'invited_at', 'name', 'role', 'status', 'telegram_user_id']);
  assert.equal(created.body.email, 'Rep@example.com', 'stored in the one normalised form');
  assert.equal(created.body.status, 'invited');
  assert.ok(Math.abs(Date.parse(created.body.invited_at) - Date.now()) < 60_000);

  const again = await invite(ws, { email: 'rep@EXAMPLE.com', role: 'viewer' });
  assert.equal(again.status, 409, 'one mailbox is one member, whatever its case');
  assert.equal(again.headers.get('content-type'), 'application/problem+json');

  const listed = await members(ws);
  assert.deepEqual(listed.map((m) => m.email), ['Rep@example.com', 'owner@example.com'], 'newest first');

  const changed = await app.api(ws.api_key, 'PATCH', `/api/v1/members/${created.body.id}`, { role: 'viewer' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.role, 'viewer');
  assert.equal((await members(ws)).find((m) => m.id === created.body.id).role, 'viewer');

  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/members/${created.body.id}`)).status, 204);
  assert.deepEqual((await members(ws)).map((m) => m.email), ['owner@example.com']);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/members/${created.body.id}`)).status, 404);
});

test('roles and addresses are validated, naming the field', async () => {
  const ws = await app.createWorkspace({ name: 'validation' });
  for (const role of ['superuser', 'Owner', '', 7, null]) {
    const res = await invite(ws, { email: 'a@example.com', role });
    assert.ok([400, 422].includes(res.status), `${JSON.stringify(role)} → ${res.status}`);
    if (typeof role === 'string') {
      assert.equal(res.status, 422);
      assert.equal(res.body.errors[0].field, 'role');
      assert.equal(res.body.errors[0].code, 'invalid_role');
    }
  }
  const badEmail = await invite(ws, { email: 'not-an-address', role: 'viewer' });
  assert.equal(badEmail.status, 422);
  assert.equal(badEmail.body.errors[0].field, 'email');
  const member = (await invite(ws, { email: 'b@example.com', role: 'admin' })).body;
  const badPatch = await app.api(ws.api_key, 'PATCH', `/api/v1/members/${member.id}`, { role: 'boss' });
  assert.equal(badPatch.status, 422);
  assert.equal(badPatch.body.errors[0].field, 'role');
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/members/${member.id}`, { role: 'admin', extra: 1 })).status, 400);
  assert.deepEqual((await members(ws)).map((m) => m.role), ['admin'], 'nothing refused was written');
});

test('the last owner can be neither removed nor demoted (409 naming them) until another owner exists', async () => {
  const ws = await app.createWorkspace({ name: 'owners', owner_email: 'first@example.com' });
  const first = await ownerOf(ws);
  for (const [method, body] of [['DELETE', undefined], ['PATCH', { role: 'admin' }]]) {
    const res = await app.api(ws.api_key, method, `/api/v1/members/${first.id}`, body);
    assert.equal(res.status, 409, `${method}: ${JSON.stringify(res.body)}`);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.body.detail, new RegExp(`${first.id}.*last owner`));
  }
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/members/${first.id}`, { role: 'owner' })).status, 200, 'an owner stays owner');
  const second = (await invite(ws, { email: 'second@example.com', role: 'owner' })).body;
  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/members/${first.id}`, { role: 'admin' })).status, 200);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/members/${second.id}`)).status, 409, 'now the second is the last');
  assert.deepEqual((await members(ws)).map((m) => [m.email, m.role]), [['second@example.com', 'owner'], ['first@example.com', 'admin']]);
});

test("another workspace's members are invisible and out of reach; only admin keys manage members", async () => {
  const mine = await app.createWorkspace({ name: 'mine', owner_email: 'me@example.com' });
  const theirs = await app.createWorkspace({ name: 'theirs', owner_email: 'them@example.com' });
  const their = await ownerOf(theirs);
  const other = (await invite(theirs, { email: 'other@example.com', role: 'member' })).body;
  assert.deepEqual((await members(mine)).map((m) => m.email), ['me@example.com']);
  assert.equal((await app.api(mine.api_key, 'PATCH', `/api/v1/members/${other.id}`, { role: 'viewer' })).status, 404);
  assert.equal((await app.api(mine.api_key, 'DELETE', `/api/v1/members/${their.id}`)).status, 404);
  assert.equal((await invite(mine, { email: 'other@example.com', role: 'member' })).status, 201, 'one address may belong to two workspaces');
  assert.deepEqual((await members(theirs)).map((m) => [m.email, m.role]), [['other@example.com', 'member'], ['them@example.com', 'owner']]);

  const reader = await app.api(mine.api_key, 'POST', '/api/v1/keys', { scopes: ['read', 'write'] });
  for (const [method, path, body] of [['GET', '/api/v1/members'], ['POST', '/api/v1/members', { email: 'x@example.com', role: 'viewer' }], ['DELETE', `/api/v1/members/${other.id}`]]) {
    assert.equal((await app.api(reader.body.key, method, path, body)).status, 403, `${method} ${path}`);
  }
});

test('a member\'s alerts follow their role until chosen; a bad choice is a 422 naming alerts', async () => {
  const ws = await app.createWorkspace({ name: 'alerts' });
  const rep = (await invite(ws, { email: 'alerts-rep@example.com', role: 'member' })).body;
  assert.equal(rep.alerts, 'assigned', 'a member gets the leads assigned to them by default');
  const chosen = await app.api(ws.api_key, 'PATCH', `/api/v1/members/${rep.id}`, { alerts: 'digest' });
  assert.deepEqual([chosen.status, chosen.body.alerts, chosen.body.role], [200, 'digest', 'member']);
  const promoted = await app.api(ws.api_key, 'PATCH', `/api/v1/members/${rep.id}`, { role: 'admin' });
  assert.equal(promoted.body.alerts, 'digest', 'a choice made stays through a change of role');
  const bad = await app.api(ws.api_key, 'PATCH', `/api/v1/members/${rep.id}`, { alerts: 'loud' });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.errors[0].field, 'alerts');
});
