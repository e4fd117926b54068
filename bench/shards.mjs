// Capture throughput with two databases against one, in the same run on the
// same server: one app (DATABASES = "DB DB_1") capturing into two workspaces
// that both live on `DB`, then into two that live on `DB` and `DB_1`, in
// alternating rounds. One server means one isolate, one warm cache and one
// runtime for both cases, so the only difference is where the writes go;
// two servers (one started with DATABASES=DB) would differ in start-up, JIT
// warmth and whatever else the shared machine ran meanwhile.
//
// What local `wrangler dev` can show: that spreading workspaces costs the
// capture path nothing (the directory is read once per isolate, the batch is
// still one call) and that every lead lands in its workspace's database.
// What it cannot: on Cloudflare each D1 database is its own single-threaded
// instance, so two databases carry about twice the writes of one; locally
// both are SQLite files served by the one runtime thread that also runs the
// worker, so there is no second thread for the second database to use.
import { spawnApp } from '../tests/support/app.mjs';
import { recordSection, percentile, forEachConcurrently, serverRuntimeCpuMs } from './results.mjs';

const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

/** Workspaces until there are `perDatabase` on each database, each with two write keys. */
async function workspacesByDatabase(app, perDatabase) {
  const byDatabase = { DB: [], DB_1: [] };
  while (Object.values(byDatabase).some((list) => list.length < perDatabase)) {
    const ws = await app.createWorkspace({ name: `Bench ${Object.values(byDatabase).flat().length}` });
    // Each credential may capture 600 times per 10 s: two keys per workspace keep the limiter out of the figures.
    const keys = [];
    for (let k = 0; k < 2; k++) keys.push((await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: `bench ${k}`, scopes: ['write'] })).body.key);
    byDatabase[ws.database].push({ id: ws.id, keys });
  }
  return byDatabase;
}

/** PER_ROUND captures spread over `targets`; req/s, latencies and the runtime's CPU per capture. */
async function captureInto(app, targets, label) {
  const latencies = [];
  let failures = 0;
  const cpuBefore = serverRuntimeCpuMs(app.child.pid);
  const started = performance.now();
  await forEachConcurrently(PER_ROUND, CONCURRENCY, async (i) => {
    const target = targets[i % targets.length];
    const t = performance.now();
    const response = await fetch(`${app.baseUrl}/api/inbound/${target.id}/leads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${target.keys[(i >> 1) % 2]}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `${label}-${i}@example.com`, name: 'Bench Lead', message: 'Hello', plan: 'pro' }),
    });
    await response.arrayBuffer();
    latencies.push(performance.now() - t);
    if (response.status !== 201) failures++;
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: PER_ROUND / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures, cpuMs: (serverRuntimeCpuMs(app.child.pid) - cpuBefore) / PER_ROUND };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const app = await spawnApp();
try {
  // Separate workspaces per case, so no workspace's lead limit (1,200 a minute) is reached across rounds.
  const byDatabase = await workspacesByDatabase(app, 3);
  const cases = {
    'one database (2 workspaces on DB)': [byDatabase.DB[0], byDatabase.DB[1]],
    'two databases (1 on DB, 1 on DB_1)': [byDatabase.DB[2], byDatabase.DB_1[0]],
  };
  for (const targets of Object.values(cases)) for (const target of targets) await app.request('POST', `/api/inbound/${target.id}/leads`, { headers: { Authorization: `Bearer ${target.keys[0]}` }, body: { email: 'warm@example.com' } });
  const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [name, targets]] of Object.entries(cases).entries()) results[name].push(await captureInto(app, targets, `r${round}c${index}`));
  }
  // Over all rounds: captures over the time they took, latencies as the median round's.
  const summary = Object.entries(results).map(([name, runs]) => ({
    name, rounds: runs.map((r) => r.rps), rps: runs.length / runs.reduce((t, r) => t + 1 / r.rps, 0),
    p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)),
    cpuMs: median(runs.map((r) => r.cpuMs)), failures: runs.reduce((n, r) => n + r.failures, 0),
  }));
  const leadsIn = async (database) => (await app.sqlIn(database, 'SELECT count(*) AS n FROM leads'))[0].n;
  const [inDb, inDb1] = [await leadsIn('DB'), await leadsIn('DB_1')];
  const [one, two] = summary;
  const lines = [
    `One \`wrangler dev\` server with two local D1 databases; ${ROUNDS} alternating rounds of ${PER_ROUND} API-key captures per case, ${CONCURRENCY} concurrent, over loopback.`,
    '',
    '| case | captures/s (all rounds) | each round | p50 ms | p99 ms | runtime CPU ms per capture | failures |',
    '|---|---|---|---|---|---|---|',
    ...summary.map((r) => `| ${r.name} | ${r.rps.toFixed(0)} | ${r.rounds.map((x) => x.toFixed(0)).join(', ')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpuMs.toFixed(2)} | ${r.failures} |`),
    '',
    `- two databases / one database, captures/s: **${(two.rps / one.rps).toFixed(2)}×**; runtime CPU per capture ${(two.cpuMs / one.cpuMs).toFixed(2)}× (p50 and p99 are the median round's; CPU is the runtime's, worker and local D1 together).`,
    `- leads afterwards: ${inDb} in DB, ${inDb1} in DB_1, warm-ups included: every capture in its workspace's database.`,
    '- What this can show: spreading workspaces adds no work to a capture (the directory is read once per isolate per 30 s, the write is still one batch), so the ratio is about 1× within the rounds\' spread.',
    '- What it cannot: the gain. On Cloudflare each D1 database is its own single-threaded instance (about 1,000 one-millisecond queries/s, README "Capacity"), so N databases take about N times the writes of one. Locally both databases are SQLite files served by the one runtime thread that also runs the worker, so the second database has no second thread to use; that figure needs a deployed bench.',
  ];
  console.log(lines.join('\n'));
  await recordSection('Shards: two databases against one', lines);
} finally {
  await app.stop();
}
