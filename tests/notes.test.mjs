// A lead's notes are a log: each note kept with its author and time
// (POST/GET /api/v1/leads/:id/notes), oldest first, the lead's old single
// `note` listed first; bodies are checked, other workspaces see nothing,
// adding one announces nothing, and erasing the lead removes them.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';

const LEGACY_ID = 'note_00000000000000000000000000';
let app, ws, other, keyId;

before(async () => {
  app = await spawnApp();
  [ws, other] = [await app.createWorkspace({ name: 'Notes' }), await app.createWorkspace({ name: 'Other notes' })];
  keyId = (await app.api(ws.api_key, 'GET', '/api/v1/keys')).body.data.find((k) => k.name === 'Default key').id;
});
after(async () => {
  await app?.stop();
});

const addNote = (key, leadId, body) => app.api(key, 'POST', `/api/v1/leads/${leadId}/notes`, body);
const listNotes = (key, leadId, query = '') => app.api(key, 'GET', `/api/v1/leads/${leadId}/notes${query}`);
const lead = async (workspace, email) => (await app.capture(workspace, { email, name: 'Noted Person' })).body.id;

test('two notes are kept, oldest first, each with its author and time; adding one emits no event', async () => {
  const id = await lead(ws, 'two@example.com');
  const events = async () => (await app.sql(`SELECT count(*) AS n FROM events WHERE lead_id = '${id}'`))[0].n;
  const eventsBefore = await events();
  const first = await addNote(ws.api_key, id, { body: '  called, no answer \n' });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.match(first.body.id, /^note_[0-9A-Z]{26}$/);
  assert.deepEqual([first.body.lead_id, first.body.body, first.body.author], [id, 'called, no answer', keyId], 'the body trimmed, the key as author');
  assert.ok(Math.abs(Date.parse(first.body.created_at) - Date.now()) < 60_000);
  const second = await addNote(ws.api_key, id, { body: 'called back: wants a quote' });
  assert.equal(second.status, 201, JSON.stringify(second.body));

  const listed = await listNotes(ws.api_key, id);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body, { data: [first.body, second.body], has_more: false, next_cursor: null });
  assert.equal(await events(), eventsBefore, 'no event for a note');
  const read = (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body;
  assert.equal(read.note, null, "the old note field is not a note's place");
});

test("the lead's old note leads the list (author null, the lead's created_at); PATCH note still sets it; pages follow the cursor", async () => {
  const id = await lead(ws, 'legacy@example.com');
  const patched = await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, { note: 'written before notes' });
  assert.deepEqual([patched.status, patched.body.note], [200, 'written before notes']);
  const added = (await addNote(ws.api_key, id, { body: 'a new note' })).body;

  const all = (await listNotes(ws.api_key, id)).body;
  assert.deepEqual(all.data[0], { id: LEGACY_ID, lead_id: id, body: 'written before notes', author: null, created_at: patched.body.created_at });
  assert.deepEqual(all.data.slice(1), [added]);

  const page1 = (await listNotes(ws.api_key, id, '?limit=1')).body;
  assert.deepEqual([page1.data.map((n) => n.id), page1.next_cursor], [[LEGACY_ID], LEGACY_ID]);
  const page2 = (await listNotes(ws.api_key, id, `?limit=1&cursor=${page1.next_cursor}`)).body;
  assert.deepEqual([page2.data.map((n) => n.id), page2.next_cursor], [[added.id], null]);

  assert.equal((await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, { note: null })).status, 200);
  assert.deepEqual((await listNotes(ws.api_key, id)).body.data, [added], 'a cleared old note is no entry');
  for (const bad of ['?limit=0', '?limit=101', '?cursor=lead_x', '?sort=desc']) {
    assert.equal((await listNotes(ws.api_key, id, bad)).status, 422, bad);
  }
});

test('a body is 1 to 5000 characters, not blank (422 naming body); a read key lists but cannot add', async () => {
  const id = await lead(ws, 'bad@example.com');
  for (const [body, code] of [[{}, 'required'], [{ body: '' }, 'required'], [{ body: ' \n\t ' }, 'required'], [{ body: 'x'.repeat(5001) }, 'too_long'], [{ body: null }, 'null']]) {
    const refused = await addNote(ws.api_key, id, body);
    assert.equal(refused.status, 422, JSON.stringify(body).slice(0, 60));
    assert.match(refused.headers.get('content-type'), /application\/problem\+json/);
    assert.deepEqual(refused.body.errors.map((e) => [e.field, e.code]), [['body', code]]);
  }
  assert.equal((await addNote(ws.api_key, id, { body: 'ok', extra: 1 })).status, 400, 'unknown fields are refused');
  assert.equal((await addNote(ws.api_key, id, { body: 'é'.repeat(5000) })).status, 201, 'characters, not bytes');
  const readOnly = (await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: 'notes ro', scopes: ['read'] })).body.key;
  assert.equal((await addNote(readOnly, id, { body: 'not allowed' })).status, 403);
  assert.equal((await listNotes(readOnly, id)).body.data.length, 1);
});

test("another workspace's lead is a 404 and keeps its notes to itself", async () => {
  const theirs = await lead(other, 'theirs@example.com');
  assert.equal((await addNote(other.api_key, theirs, { body: 'private to them' })).status, 201);
  const read = await listNotes(ws.api_key, theirs);
  assert.equal(read.status, 404);
  assert.ok(!JSON.stringify(read.body).includes('private to them'));
  assert.equal((await addNote(ws.api_key, theirs, { body: 'intrusion' })).status, 404);
  assert.equal((await listNotes(ws.api_key, 'lead_01J00000000000000000000000')).status, 404);
  assert.deepEqual((await listNotes(other.api_key, theirs)).body.data.map((n) => n.body), ['private to them'], 'nothing was added to it');
});

test("erasing a lead removes its notes; another lead's stay", async () => {
  const [gone, kept] = [await lead(ws, 'erase-notes@example.com'), await lead(ws, 'kept-notes@example.com')];
  for (const id of [gone, kept]) assert.equal((await addNote(ws.api_key, id, { body: `about ${id}` })).status, 201);
  const count = async (id) => (await app.sql(`SELECT count(*) AS n FROM lead_notes WHERE lead_id = '${id}'`))[0].n;
  assert.equal(await count(gone), 1);
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${gone}`)).status, 204);
  assert.equal(await count(gone), 0, 'the notes went with the lead');
  assert.equal((await listNotes(ws.api_key, gone)).status, 404);
  assert.equal(await count(kept), 1);
});
