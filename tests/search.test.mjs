// Search: `GET /api/v1/leads?q=` on the FTS5 index (migration 0015). Words
// are prefixes (typing-as-you-search), case and accents fold, every indexed
// field is found (phone digits, custom values, tags, note), FTS operators in
// q are searched as text and never break the query, the index follows PATCH,
// erasure and retention, and another workspace's leads are never found.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';

const DAY_MS = 60_000;
let app, ws, other;
before(async () => {
  // A retention "day" is a minute (dev-only RETENTION_DAY_SECS), as in retention.test.mjs.
  app = await spawnApp({ testScheduled: true, vars: { RETENTION_DAY_SECS: String(DAY_MS / 1000) } });
  [ws, other] = [await app.createWorkspace({ name: 'Search' }), await app.createWorkspace({ name: 'Other' })];
});
after(() => app?.stop());

const search = async (workspace, q, extra = {}) => (await app.listLeads(workspace.api_key, { q, ...extra })).data.map((l) => l.id);
const capture = async (workspace, fields) => {
  const response = await app.capture(workspace, fields);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id;
};
/** Rows the index holds for a word, read straight from D1. */
const indexed = async (word) => (await app.sql(`SELECT count(*) AS n FROM leads_fts WHERE leads_fts MATCH '"${word}"'`))[0].n;

test('words are prefixes in any field; case and accents fold; all words must match', async () => {
  const ada = await capture(ws, { email: 'ada.lovelace@analytical.example', name: 'Ada Lovelace', phone: '+49 (30) 1234-5678', company: 'Crème Brûlée GmbH', message: 'Need a quote for the difference engine', budget: 'Zanzibar-42' });
  const grace = await capture(ws, { email: 'grace@navy.example', name: 'Grace Hopper', company: 'Cobol Works' });
  assert.deepEqual(await search(ws, 'lov'), [ada], 'a prefix of a word');
  assert.deepEqual(await search(ws, 'ada lov'), [ada], 'two words, not next to each other in the query');
  assert.deepEqual(await search(ws, 'LOVELACE'), [ada], 'case folds');
  assert.deepEqual(await search(ws, 'creme brul'), [ada], 'accents fold');
  assert.deepEqual(await search(ws, 'ada.lovelace@analy'), [ada], 'an email as typed');
  assert.deepEqual(await search(ws, '4930123'), [ada], 'phone digits without punctuation');
  assert.deepEqual(await search(ws, 'zanzibar'), [ada], 'custom field values');
  assert.deepEqual(await search(ws, 'differ engi'), [ada], 'the message');
  assert.deepEqual(await search(ws, 'cobol'), [grace]);
  assert.deepEqual(await search(ws, 'ada hopper'), [], 'every word must match');
  assert.deepEqual(await search(ws, 'ovelace'), [], 'prefixes, not infixes');
  // Newest first, in cursor pages like any list.
  const both = await search(ws, 'example');
  assert.deepEqual(both, [grace, ada]);
  const first = await app.listLeads(ws.api_key, { q: 'example', limit: 1 });
  assert.deepEqual(first.data.map((l) => l.id), [grace]);
  assert.deepEqual(await search(ws, 'example', { limit: 1, cursor: first.next_cursor }), [ada]);
  assert.deepEqual(await search(ws, 'example', { status: 'new', campaign: 'none' }), [], 'with the other filters');
});

test('FTS operators and syntax in q are searched as text, never an error', async () => {
  const id = await capture(ws, { email: 'quinn@operators.example', name: 'Quinn Near', company: 'And Or Not Ltd' });
  const hostile = ['"', '""', '"quinn', 'quinn"', "'", '*', 'quinn*', '(quinn)', ')(', 'NEAR(quinn near)', 'quinn OR zzz', 'NOT quinn',
    'quinn AND', '-quinn', '^quinn', 'name:quinn', '{name email}:quinn', 'quinn + near', '\\', '%', '%00', '\u0000', '\u0007quinn',
    'quinn\u0000near', '🙂', 'x'.repeat(300), `${'quinn '.repeat(40)}`, 'a'.repeat(199) + '"', '"'.repeat(200)];
  for (const q of hostile) {
    const response = await app.api(ws.api_key, 'GET', `/api/v1/leads?${new URLSearchParams({ q })}`);
    assert.equal(response.status, 200, `q=${JSON.stringify(q)} -> ${response.status} ${JSON.stringify(response.body)}`);
  }
  // Operators are words like any other: found as text, never obeyed.
  assert.deepEqual(await search(ws, 'quinn*'), [id]);
  assert.deepEqual(await search(ws, '(quinn)'), [id]);
  assert.deepEqual(await search(ws, 'name:quinn'), [], '"name:quinn" is a phrase of two words, not a column filter');
  assert.deepEqual(await search(ws, 'quinn OR zzz'), [], 'OR is a word, not a union');
  assert.deepEqual(await search(ws, 'and or not'), [id], 'AND/OR/NOT are searched as the words they are');
  assert.deepEqual(await search(ws, '"'), [], 'no letter or digit: nothing matches');
});

test('the index follows PATCH (tags, note) and forgets what was replaced', async () => {
  const id = await capture(ws, { email: 'patchy@follow.example' });
  assert.deepEqual(await search(ws, 'quokka'), []);
  const patch = (body) => app.api(ws.api_key, 'PATCH', `/api/v1/leads/${id}`, body);
  assert.equal((await patch({ note: 'Met at the Quokka conference', tags: ['vip-gold'] })).status, 200);
  assert.deepEqual(await search(ws, 'quokka'), [id], 'the note');
  assert.deepEqual(await search(ws, 'vip gold'), [id], 'the tags');
  assert.equal((await patch({ note: 'Called back', tags: [] })).status, 200);
  assert.deepEqual(await search(ws, 'quokka'), [], 'the old note is gone from the index');
  assert.deepEqual(await search(ws, 'vip'), []);
  assert.deepEqual(await search(ws, 'called'), [id]);
  assert.equal((await patch({ status: 'won' })).status, 200);
  assert.deepEqual(await search(ws, 'called', { status: 'won' }), [id], 'a status change keeps the lead found');
});

test('erased leads are not found and leave nothing in the index', async () => {
  const byId = await capture(ws, { email: 'xerxes@erase.example', name: 'Xerxes Vanishing' });
  const byEmail = await capture(ws, { email: 'yolanda@erase.example', name: 'Yolanda Vanishing', note_field: 'Ybarra' });
  assert.deepEqual(await search(ws, 'vanishing'), [byEmail, byId]);
  assert.equal(await indexed('xerxes'), 1, 'indexed before');
  assert.equal((await app.api(ws.api_key, 'DELETE', `/api/v1/leads/${byId}`)).status, 204);
  assert.equal((await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: 'YOLANDA@erase.example' })).body.erased, 1);
  assert.deepEqual(await search(ws, 'vanishing'), []);
  assert.deepEqual([await indexed('xerxes'), await indexed('yolanda'), await indexed('ybarra'), await indexed('vanishing')], [0, 0, 0, 0]);
  // secure-delete: the words are gone from the index's storage itself, not just masked.
  const hex = (word) => Buffer.from(word).toString('hex').toUpperCase();
  const [left] = await app.sql(`SELECT count(*) AS n FROM leads_fts_data WHERE instr(hex(block), '${hex('xerxes')}') > 0 OR instr(hex(block), '${hex('ybarra')}') > 0`);
  assert.equal(left.n, 0);
});

test('leads erased by retention leave the index too', async () => {
  const keeping = await app.createWorkspace({ name: 'Keeps a day' });
  assert.equal((await app.api(keeping.api_key, 'PATCH', '/api/v1/workspace', { lead_retention_days: 1 })).status, 200);
  const old = await capture(keeping, { email: 'zoltan@expired.example', company: 'Expiring Widgets' });
  assert.deepEqual(await search(keeping, 'expiring'), [old]);
  await app.sql(`UPDATE leads SET created_at = created_at - ${2 * DAY_MS} WHERE id = '${old}'`);
  await app.triggerScheduled();
  await app.waitFor(async () => (await app.api(keeping.api_key, 'GET', `/api/v1/leads/${old}`)).status === 404, { what: 'the expired lead to be erased' });
  assert.deepEqual(await search(keeping, 'expiring'), []);
  assert.equal(await indexed('zoltan'), 0);
});

test("another workspace's leads are never found", async () => {
  const mine = await capture(ws, { email: 'shared-name@mine.example', name: 'Wilhelmina Sharedword', favourite_colour: 'Ultramarine' });
  const theirs = await capture(other, { email: 'shared-name@theirs.example', name: 'Wilhelmina Sharedword', favourite_colour: 'Ultramarine' });
  assert.deepEqual(await search(ws, 'wilhelmina ultramarine'), [mine]);
  assert.deepEqual(await search(other, 'wilhelmina ultramarine'), [theirs]);
  assert.deepEqual(await search(other, 'mine'), [], 'a word only in the other workspace');
});
