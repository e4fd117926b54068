// Lead exports: CSV parsed back by a real CSV parser (csv-parse) and NDJSON,
// both compared field for field with the API's own leads, across pages,
// resumed with `after`, filtered, and scoped to one workspace; a corpus of
// formula cells read back as a spreadsheet in any locale would (`,`, `;` and
// tab as separator, by csv-parse and by Python's csv) starts no formula.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { spawnApp } from './support/app.mjs';

const { parse } = createRequire(import.meta.url)('csv-parse/sync');

const FIXED = ['id', 'workspace_id', 'email', 'name', 'phone', 'company', 'message', 'source', 'campaign', 'campaign_label',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'page_url', 'referrer', 'page_title',
  'form_id', 'form_name', 'form_action', 'user_agent', 'country', 'status', 'note', 'created_at', 'updated_at', 'assignee'];

let app, ws, other, tricky;
before(async () => {
  app = await spawnApp();
  [ws, other] = [await app.createWorkspace({ name: 'Export' }), await app.createWorkspace({ name: 'Other' })];
  tricky = [
    { email: 'comma@example.com', name: 'Doe, Jane', company: '+x', message: 'She said "hi"\nand left', budget: '@z', plan: 'a;b' },
    { email: 'formula@example.com', name: '=1+1', company: 'Acme', message: '-y', budget: '=HYPERLINK("http://evil")' },
    { email: 'emoji@example.com', name: 'Zoë 😀', message: 'line one\r\nline two, with "quotes"', region: 'EU' },
    { email: 'plain@example.com', name: 'Plain', phone: '+49 30 1234567' },
  ];
  for (const fields of tricky) assert.equal((await app.capture(ws, fields)).status, 201);
  await app.capture(other, { email: 'secret@other.example', name: 'Not yours', budget: 'other-only' });
  const [first] = (await app.listLeads(ws.api_key, { email: 'formula@example.com' })).data;
  const patched = await app.api(ws.api_key, 'PATCH', `/api/v1/leads/${first.id}`, { status: 'won', tags: ['vip', '=cmd', 'eu'] });
  assert.equal(patched.status, 200);
});
after(() => app?.stop());

const exportOf = (apiKey, query = '') => fetch(`${app.baseUrl}/api/v1/leads/export${query}`, { headers: { Authorization: `Bearer ${apiKey}` } });

/** Every lead of the workspace as `GET /api/v1/leads/:id` returns it, oldest first. */
async function apiLeads(apiKey, query = {}) {
  const ids = [];
  let cursor;
  do {
    const page = await app.listLeads(apiKey, { ...query, limit: 100, ...(cursor ? { cursor } : {}) });
    ids.push(...page.data.map((l) => l.id));
    cursor = page.next_cursor;
  } while (cursor);
  const leads = [];
  for (const id of ids.reverse()) leads.push((await app.api(apiKey, 'GET', `/api/v1/leads/${id}`)).body);
  return leads;
}

// The guard as the README states it: a `'` before `=` `+` `-` `@` standing first in the cell or
// first after `,` `;` tab or a line break, spaces (any kind), zero-width characters and quotes skipped.
const neutralised = (v) => v.replace(/(^|[,;\t\n\r])([\s\u0085\u200b-\u200d\u2060\ufeff"]*)([=+\-@])/gu, "$1$2'$3");
const cell = (v) => neutralised(v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function expectedRow(lead, customKeys) {
  const row = {};
  for (const c of FIXED) row[c] = cell(lead[c]);
  for (const k of customKeys) row[`custom.${k}`] = cell(lead.custom[k]);
  row.tags = neutralised(lead.tags.join(';'));
  return row;
}

test('CSV parses back to the API leads, field for field, formulas neutralised', async () => {
  const response = await exportOf(ws.api_key);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(response.headers.get('content-disposition'), /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/);
  const text = await response.text();
  assert.notEqual(text.charCodeAt(0), 0xfeff, 'no BOM unless excel=true');
  assert.ok(text.endsWith('\r\n') && text.split('\r\n')[0].startsWith('"id","workspace_id","email",'), 'CRLF rows, header first, every field quoted');
  const [header, ...rows] = parse(text, { relax_column_count: false });
  assert.deepEqual(header, [...FIXED, 'custom.budget', 'custom.plan', 'custom.region', 'tags']);
  const leads = await apiLeads(ws.api_key);
  assert.equal(leads.length, tricky.length);
  const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
  assert.deepEqual(records, leads.map((l) => expectedRow(l, ['budget', 'plan', 'region'])));
  const byEmail = Object.fromEntries(records.map((r) => [r.email, r]));
  assert.equal(byEmail['formula@example.com'].name, "'=1+1");
  assert.equal(byEmail['formula@example.com'].message, "'-y");
  assert.equal(byEmail['formula@example.com'].tags, "vip;'=cmd;eu");
  assert.equal(byEmail['comma@example.com'].company, "'+x");
  assert.equal(byEmail['comma@example.com']['custom.budget'], "'@z");
  assert.equal(byEmail['comma@example.com'].name, 'Doe, Jane');
  assert.equal(byEmail['emoji@example.com'].name, 'Zoë 😀');
  assert.ok(!text.includes('secret@other.example') && !text.includes('other-only'), "another workspace's leads never appear");
});

// Cells a spreadsheet could start somewhere: after each locale's separator, after spaces of every kind.
const FORMULA_CORPUS = [
  '=1+1', '+1', '-1', '@SUM(A1)', 'x;=1+1;y', 'x,=1+1', 'x\t=1+1', 'a\n-2+3', 'a\r\n@b', 'a\r+b',
  'x;\u00a0=1', 'x; \u2003 +1', 'x;\u3000-1', 'x;\u202f@1', 'x;\u200b=1', 'x;\ufeff=1', 'x;\u0085=1', 'x; \t =1',
  'x;"=1', 'x,"=1', 'x;""=1', 'Doe, Jane;=HYPERLINK("http://evil")', '=a;=b,=c\t=d', ';;=1', 'x;\u00a0"\u2009@cmd',
];
const STARTS_FORMULA = /^[\s\u0085\u200b-\u200d\u2060\ufeff"]*[=+\-@]/u;

/** Every field Python's csv module reads from `text` with each delimiter (its default, lenient dialect). */
function pythonFields(text) {
  const script = `import csv, io, json, sys
data = sys.stdin.buffer.read().decode("utf-8")
print(json.dumps({d: list(csv.reader(io.StringIO(data, newline=""), delimiter=d)) for d in (",", ";", "\\t")}))`;
  const out = JSON.parse(execFileSync('python3', ['-c', script], { input: text }).toString());
  return Object.entries(out).flatMap(([delimiter, rows]) => rows.flat().map((field) => ({ reader: `python ${JSON.stringify(delimiter)}`, field })));
}

/** Every field csv-parse reads from `text`: strictly with `,`, leniently and quote-blind with `,`, `;` and tab. */
function csvParseFields(text) {
  const readings = [[',', {}]];
  for (const delimiter of [',', ';', '\t']) readings.push([delimiter, { relax_quotes: true }], [delimiter, { quote: false }]);
  return readings.flatMap(([delimiter, options]) =>
    parse(text, { delimiter, relax_column_count: true, ...options }).flat().map((field) => ({ reader: `csv-parse ${JSON.stringify(delimiter)} ${JSON.stringify(options)}`, field })));
}

test('no reader in any locale finds a cell that starts a formula', async () => {
  const corpus = await app.createWorkspace({ name: 'Formulas' });
  const custom = Object.fromEntries(FORMULA_CORPUS.map((value, i) => [`c${String(i).padStart(2, '0')}`, value]));
  assert.equal((await app.capture(corpus, { email: 'corpus@example.com', name: 'x;=1', message: 'hi,\u00a0-1', custom })).status, 201);
  const [lead] = (await app.listLeads(corpus.api_key)).data;
  const patched = await app.api(corpus.api_key, 'PATCH', `/api/v1/leads/${lead.id}`, { tags: ['ok', '=cmd', '\u00a0+1'], note: 'see;@me' });
  assert.equal(patched.status, 200);
  const text = await (await exportOf(corpus.api_key)).text();
  const fields = [...csvParseFields(text), ...pythonFields(text)];
  assert.ok(fields.length > 9 * FORMULA_CORPUS.length, 'every reader read the file');
  const formulas = fields.filter(({ field }) => STARTS_FORMULA.test(field));
  assert.deepEqual(formulas, [], 'no field begins (spaces and quotes skipped) with = + - @');
  const [, row] = parse(text);
  assert.ok(row.includes("x;'=1+1;y") && row.includes("x;\u00a0'=1") && row.includes("hi,\u00a0'-1"), 'the guard is a leading quote, the text kept');
});

test('excel=true adds a BOM; a filter narrows rows and columns', async () => {
  const excel = await (await exportOf(ws.api_key, '?format=csv&excel=true')).arrayBuffer();
  assert.deepEqual([...new Uint8Array(excel).slice(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = await (await exportOf(ws.api_key, '?status=won')).text();
  const [header, ...rows] = parse(text);
  assert.deepEqual(header.slice(FIXED.length), ['custom.budget', 'tags']);
  assert.deepEqual(rows.map((r) => r[2]), ['formula@example.com']);
  const byEmail = parse(await (await exportOf(ws.api_key, '?email=FORMULA@Example.COM')).text());
  assert.deepEqual(byEmail.slice(1).map((r) => r[2]), ['formula@example.com'], 'the email filter ignores case');
});

test('NDJSON lines are exactly the API leads', async () => {
  const response = await exportOf(ws.api_key, '?format=ndjson');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/x-ndjson');
  assert.match(response.headers.get('content-disposition'), /filename="leads-\d{4}-\d{2}-\d{2}\.ndjson"/);
  const text = await response.text();
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, await apiLeads(ws.api_key));
  assert.ok(lines.some((l) => l.status_history.length === 1));
});

test('bad parameters are 422 naming them; auth and scope hold', async () => {
  for (const [query, field] of [['?format=xlsx', 'format'], ['?excel=yes', 'excel'], ['?after=nope', 'after'], ['?limit=5', 'limit'], ['?status=hot', 'status']]) {
    const response = await app.api(ws.api_key, 'GET', `/api/v1/leads/export${query}`);
    assert.equal(response.status, 422, query);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(response.body.errors.map((e) => e.field), [field]);
  }
  assert.equal((await app.request('GET', '/api/v1/leads/export')).status, 401);
});

test('a big export streams across pages and resumes right after a given lead', async () => {
  const big = await app.createWorkspace({ name: 'Big' });
  const count = 230; // more than one 200-lead page
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => app.capture(big, { email: `bulk${i + j}@example.com`, seq: String(i + j) }));
    for (const r of await Promise.all(batch)) assert.equal(r.status, 201);
  }
  const [header, ...rows] = parse(await (await exportOf(big.api_key)).text());
  assert.equal(rows.length, count);
  const ids = rows.map((r) => r[0]);
  assert.deepEqual(ids, [...ids].sort(), 'oldest first, by id');
  assert.equal(new Set(ids).size, count);
  assert.deepEqual(header.slice(FIXED.length), ['custom.seq', 'tags']);

  const resumed = await (await exportOf(big.api_key, `?after=${ids[150]}`)).text();
  const resumedRows = parse(resumed);
  assert.deepEqual(resumedRows, rows.slice(151), 'no header, the rows right after');
  const ndjson = (await (await exportOf(big.api_key, `?format=ndjson&after=${ids[10]}`)).text()).trimEnd().split('\n');
  assert.deepEqual(ndjson.map((l) => JSON.parse(l).id), ids.slice(11));
});
