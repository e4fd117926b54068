// Capture throughput and latency beside /healthz on the same server in the
// same run, so the figures are ratios that survive a slower or busier machine.
// Bounded load on loopback only.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { spawnApp } from '../tests/support/app.mjs';
import { recordSection, percentile, forEachConcurrently } from './results.mjs';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function load(name, send) {
  const latencies = [];
  let failures = 0;
  const started = performance.now();
  await forEachConcurrently(REQUESTS, CONCURRENCY, async (i) => {
    const t = performance.now();
    const ok = await send(i);
    latencies.push(performance.now() - t);
    if (!ok) failures++;
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, rps: REQUESTS / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures };
}

async function bundleGzipBytes() {
  const dir = fileURLToPath(new URL('../worker/build/', import.meta.url));
  const files = ['index.js', 'index_bg.wasm'];
  let total = 0;
  for (const f of files) total += gzipSync(await readFile(dir + f), { level: 9 }).length;
  return total;
}

const app = await spawnApp();
try {
  const ws = await app.createWorkspace({ name: 'Bench' });
  // Each credential may capture 600 times per 10 s, and a workspace's keys
  // 1,200 leads a minute (wrangler.toml): spread the load over a workspace per
  // 1,000 captures and two write keys in each, so the bench measures capture,
  // not the limiters.
  const targets = [];
  for (let w = 0; w < Math.ceil(REQUESTS / 1000); w++) {
    const target = w === 0 ? ws : await app.createWorkspace({ name: `Bench ${w}` });
    for (let k = 0; k < 2; k++) {
      targets.push({ id: target.id, key: (await app.api(target.api_key, 'POST', '/api/v1/keys', { name: `bench ${k}`, scopes: ['write'] })).body.key });
    }
  }
  const body = (i) => JSON.stringify({ email: `bench${i}@example.com`, name: 'Bench Lead', message: 'Hello', plan: 'pro' });
  // Warm both paths so neither pays the isolate's first-request cost.
  for (let i = 0; i < 20; i++) {
    await fetch(`${app.baseUrl}/healthz`);
    await app.capture(ws, { email: `warm${i}@example.com` });
  }
  const health = await load('GET /healthz', async () => (await fetch(`${app.baseUrl}/healthz`)).ok);
  const capture = await load('POST capture', async (i) => {
    const target = targets[i % targets.length];
    const r = await fetch(`${app.baseUrl}/api/inbound/${target.id}/leads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${target.key}`, 'Content-Type': 'application/json' },
      body: body(i),
    });
    await r.arrayBuffer();
    return r.status === 201;
  });
  const gzipBytes = await bundleGzipBytes();
  const throughputRatio = capture.rps / health.rps;
  const p99Ratio = capture.p99 / health.p99;
  const row = (r) => `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failures} |`;
  const lines = [
    `${REQUESTS} requests each, ${CONCURRENCY} concurrent, on \`wrangler dev\` (local D1) over loopback.`,
    '',
    '| path | req/s | p50 ms | p99 ms | failures |',
    '|---|---|---|---|---|',
    row(health),
    row(capture),
    '',
    `- capture throughput / healthz throughput: **${throughputRatio.toFixed(2)}×** (target ≥ 0.5×)`,
    `- capture p99 / healthz p99: **${p99Ratio.toFixed(2)}×** (target ≤ 3×)`,
    `- worker bundle (index.js + wasm), gzip -9: **${(gzipBytes / 1024).toFixed(0)} KiB** = ${(gzipBytes / (1024 * 1024)).toFixed(2)}× of the 1 MiB target`,
  ];
  console.log(lines.join('\n'));
  await recordSection('Capture API', lines);
} finally {
  await app.stop();
}
