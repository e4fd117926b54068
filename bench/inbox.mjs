// The inbox's reads with 100,000 leads in the workspace: the /app list page
// and search (FTS5), and the same through GET /api/v1/leads, beside GET /healthz on the same server in the same run, so
// the figures are ratios that survive a slower or busier machine.
//
// The leads are seeded with one SQL statement (a recursive CTE) run by
// `wrangler d1 execute --local` into the running app's local D1: the rows
// go through the same table, indexes and search triggers as captured
// leads do, only without 100,000 HTTP round trips.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { spawnApp } from '../tests/support/app.mjs';
import { recordSection, percentile, forEachConcurrently } from './results.mjs';

const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_READS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_READ_CONCURRENCY ?? 4);

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Dennis', 'Radia', 'Frances', 'John', 'Hedy', 'Katherine', 'Tim', 'Linus', 'Guido', 'Bjarne', 'Niklaus', 'Leslie', 'Anita', 'Shafi', 'Silvio', 'Whitfield', 'Martin', 'Vint', 'Bob', 'Ivan', 'Jean', 'Sophie', 'Mary', 'Annie', 'Evelyn', 'Lynn', 'Joan', 'Carol', 'Adele', 'Jude', 'Ruth', 'Kathleen'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Ritchie', 'Perlman', 'Allen', 'McCarthy', 'Lamarr', 'Johnson', 'Berners', 'Torvalds', 'Rossum', 'Stroustrup', 'Wirth', 'Lamport', 'Borg', 'Goldwasser', 'Micali', 'Diffie', 'Hellman', 'Cerf', 'Kahn', 'Sutherland', 'Sammet', 'Wilson', 'Keller', 'Easley', 'Berners-Lee', 'Conway', 'Clarke', 'Shaw', 'Goldberg', 'Milner', 'Teitelbaum', 'Booth'];
const WORDS = ['pricing', 'demo', 'enterprise', 'integration', 'quote', 'support', 'migration', 'onboarding', 'invoice', 'partnership', 'webinar', 'trial', 'renewal', 'security', 'training', 'consulting'];
const STATUSES = ['new', 'new', 'new', 'contacted', 'qualified', 'won', 'lost', 'spam'];

/** One INSERT … SELECT over a recursive CTE: `count` leads, oldest first, ids older than any real one. */
function seedSql(workspaceId, count) {
  const pick = (list, expr) => `json_extract('${JSON.stringify(list)}', '$[' || ((${expr}) % ${list.length}) || ']')`;
  const first = pick(FIRST, 'i');
  const last = pick(LAST, 'i / 40');
  const word = (k) => pick(WORDS, `i / ${k}`);
  const start = Date.now() - count * 60_000;
  return `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
INSERT INTO leads (id, workspace_id, email, name, phone, company, message, campaign, utm_source, page_url, custom, source, status, tags, created_at, updated_at)
SELECT 'lead_00' || printf('%024d', i), '${workspaceId}',
  lower(${first}) || '.' || lower(${last}) || i || '@example.com', ${first} || ' ' || ${last},
  '+49 30 ' || printf('%07d', i * 7919 % 10000000), ${last} || ' ' || ${word(3)} || ' GmbH',
  'Hello, we need ' || ${word(7)} || ' and ' || ${word(11)} || ' for ' || (i % 500) || ' seats.',
  CASE i % 3 WHEN 0 THEN 'spring' WHEN 1 THEN 'autumn' ELSE NULL END, 'google', 'https://site.example/contact',
  json_object('plan', ${word(5)}, 'budget', (i * 37) % 100000), CASE i % 4 WHEN 0 THEN 'api' ELSE 'widget' END,
  ${pick(STATUSES, 'i')}, CASE i % 10 WHEN 0 THEN '["vip"]' ELSE '[]' END,
  ${start} + i * 60000, ${start} + i * 60000
FROM n`;
}

/** Signs in to /app with the API key (the sign-in form, as a browser posts it); returns the session cookie. */
async function signIn(app, apiKey) {
  const response = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.baseUrl },
    body: new URLSearchParams({ api_key: apiKey }).toString(),
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 303 && response.status !== 302 || !cookie) throw new Error(`sign-in failed: ${response.status}`);
  return cookie;
}

/** HTML + CSS + JS of each page, each gzip -9 as a browser would download them. */
async function pageBytes(app, cookie, leadId) {
  const gz = async (path, headers = {}) => gzipSync(Buffer.from(await (await fetch(`${app.baseUrl}${path}`, { headers })).arrayBuffer()), { level: 9 }).length;
  const [css, js] = [await gz('/app/static/app.css'), await gz('/app/static/app.js')];
  const pages = [['list (/app, 50 leads)', '/app'], ['search (/app?q=ada)', '/app?q=ada'], ['lead (/app/leads/:id)', `/app/leads/${leadId}`], ['settings', '/app/settings'], ['sign-in', '/app/sign-in']];
  const out = [];
  for (const [name, path] of pages) out.push({ name, html: await gz(path, path === '/app/sign-in' ? {} : cookie), css, js });
  return out;
}

async function load(name, url, headers = {}) {
  const latencies = [];
  let failures = 0;
  let bytes = 0;
  const started = performance.now();
  await forEachConcurrently(REQUESTS, CONCURRENCY, async (i) => {
    const t = performance.now();
    const r = await fetch(url(i), { headers });
    const body = await r.arrayBuffer();
    latencies.push(performance.now() - t);
    bytes = body.byteLength;
    if (!r.ok) failures++;
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, rps: REQUESTS / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures, bytes };
}

const app = await spawnApp();
try {
  const ws = await app.createWorkspace({ name: 'Bench inbox' });
  const seedStarted = performance.now();
  const args = ['d1', 'execute', ws.database, '--local', '--persist-to', app.stateDir, '--command', seedSql(ws.id, LEADS)];
  await promisify(execFile)('wrangler', args, { maxBuffer: 1 << 24 });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const [{ n }] = await app.sql(`SELECT count(*) AS n FROM leads WHERE workspace_id = '${ws.id}'`);
  if (n !== LEADS) throw new Error(`seeded ${n} leads, wanted ${LEADS}`);

  const auth = { Authorization: `Bearer ${ws.api_key}` };
  const cookie = { Cookie: await signIn(app, ws.api_key) };
  const api = (query) => `${app.baseUrl}/api/v1/leads${query}`;
  const page = (query) => `${app.baseUrl}/app${query}`;
  for (let i = 0; i < 20; i++) {
    await fetch(`${app.baseUrl}/healthz`);
    await fetch(api('?q=ada'), { headers: auth });
    await fetch(page('?q=ada'), { headers: cookie });
  }
  // Searches as typed: a name prefix (~1 in 40 leads), two words (~1 in 1,600), a phone prefix.
  const typed = ['?q=ad', '?q=gra', '?q=lovel', '?q=turing', '?q=hopper+grace', '?q=ada+lovelace', '?q=pricing+demo', '?q=4930'];
  const deep = '?cursor=lead_00000000000000000000050000';
  const rows = [
    await load('GET /healthz', () => `${app.baseUrl}/healthz`),
    await load('/app: list, first page', () => page(''), cookie),
    await load('/app: status tab (qualified)', () => page('?status=qualified'), cookie),
    await load('/app: a page deep in the list', () => page(deep), cookie),
    await load('/app: search as typed', (i) => page(typed[i % typed.length]), cookie),
    await load('/app: search, a word in no lead', () => page('?q=zzyzx'), cookie),
    await load('/app: search, a word in every lead', () => page('?q=example'), cookie),
    await load('/app: a lead page (from the list)', (i) => `${app.baseUrl}/app/leads/lead_00${String(100000 - (i % 50)).padStart(24, '0')}?status=all`, cookie),
    await load('API: list, first page (50)', () => api(''), auth),
    await load('API: search as typed', (i) => api(typed[i % typed.length]), auth),
  ];
  const [health, list, , , typedSearch, , everyLead, leadPage] = rows;
  const bytes = await pageBytes(app, cookie, (await (await fetch(api('?limit=1'), { headers: auth })).json()).data[0].id);
  const row = (r) => `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.p50 / health.p50).toFixed(1)}× / ${(r.p99 / health.p99).toFixed(1)}× | ${r.failures} |`;
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const lines = [
    `${LEADS.toLocaleString('en')} leads in one workspace (seeded in ${seedSeconds.toFixed(0)} s by one SQL statement through the search triggers); ${REQUESTS} requests per row, ${CONCURRENCY} concurrent, on \`wrangler dev\` (local D1) over loopback. Times are as the client sees them on loopback (server time plus the same loopback hop for every row).`,
    '',
    '| request | req/s | p50 ms | p99 ms | p50 / p99 vs healthz | failures |',
    '|---|---|---|---|---|---|',
    ...rows.map(row),
    '',
    `- /app list page p99 / healthz p99: **${(list.p99 / health.p99).toFixed(2)}×**; /app search as typed p99 / healthz p99: **${(typedSearch.p99 / health.p99).toFixed(2)}×**; a word in every lead **${(everyLead.p99 / health.p99).toFixed(2)}×**; a lead page **${(leadPage.p99 / health.p99).toFixed(2)}×** (target ≤ 5× each)`,
    '',
    '| /app page | HTML | CSS | JS | total, gzip -9 |',
    '|---|---|---|---|---|',
    ...bytes.map((b) => `| ${b.name} | ${kb(b.html)} | ${kb(b.css)} | ${kb(b.js)} | **${kb(b.html + b.css + b.js)}** |`),
    '',
    `- list page bytes / 30 KB target: **${((bytes[0].html + bytes[0].css + bytes[0].js) / (30 * 1024)).toFixed(2)}×** (CSS and JS are the same two files on every page, cached after the first)`,
  ];
  console.log(lines.join('\n'));
  await recordSection('Inbox with 100,000 leads', lines);
} finally {
  await app.stop();
}
