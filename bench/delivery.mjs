// Capture → signed webhook received: latency per lead (p50/p99) and delivery
// throughput beside capture throughput, in the same run on loopback, so the
// figures are ratios that survive a slower or busier machine.
import { spawnApp } from '../tests/support/app.mjs';
import { startReceiver, verifyLeadsBotSignature } from '../tests/support/receiver.mjs';
import { recordSection, percentile, forEachConcurrently } from './results.mjs';

const LEADS = Number(process.env.BENCH_DELIVERY_LEADS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const receiver = await startReceiver();
const app = await spawnApp();
try {
  const ws = await app.createWorkspace({ name: 'Delivery bench' });
  const created = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url('/bench') });
  const secret = created.body.secret;
  // Warm the capture path and the consumer.
  await app.capture(ws, { email: 'warm@example.com' });
  await receiver.waitForCount('/bench', 1, 30_000);
  const warm = receiver.requests.length;

  const sentAt = new Map();
  const answeredAt = new Map();
  let failures = 0;
  const started = Date.now();
  await forEachConcurrently(LEADS, CONCURRENCY, async (i) => {
    const t = Date.now();
    const r = await app.capture(ws, { email: `bench${i}@example.com`, name: 'Bench Lead', message: 'Hello' });
    if (r.status === 201) {
      sentAt.set(r.body.id, t);
      answeredAt.set(r.body.id, Date.now());
    } else {
      failures++;
      console.error(`capture failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
  });
  const capturesDone = Date.now();
  await receiver.waitForCount('/bench', warm + sentAt.size, 120_000);
  const got = receiver.requests.slice(warm);
  const unsigned = got.filter((r) => !verifyLeadsBotSignature(r.rawBody, r.headers['x-leadsbot-signature'], secret)).length;
  const latencies = got.map((r) => r.receivedAt - sentAt.get(r.json.data.id)).filter(Number.isFinite).sort((a, b) => a - b);
  const pipeline = got.map((r) => r.receivedAt - answeredAt.get(r.json.data.id)).filter(Number.isFinite).sort((a, b) => a - b);
  const firstReceived = Math.min(...got.map((r) => r.receivedAt));
  const lastReceived = Math.max(...got.map((r) => r.receivedAt));
  const captureRate = sentAt.size / ((capturesDone - started) / 1000);
  const deliveryRate = got.length / (Math.max(lastReceived - firstReceived, 1) / 1000);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const lines = [
    `${LEADS} leads captured ${CONCURRENCY} at a time on \`wrangler dev\` (local D1 and Queues, batch timeout 1 s), one webhook endpoint on loopback; every delivery verified with the docs' HMAC snippet.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| capture → signed webhook received, p50 | ${(p50 / 1000).toFixed(2)} s (target ≤ 1.5 s) |`,
    `| capture → signed webhook received, p99 | ${(p99 / 1000).toFixed(2)} s |`,
    `| 201 answered → signed webhook received, p50 / p99 | ${(percentile(pipeline, 50) / 1000).toFixed(2)} s / ${(percentile(pipeline, 99) / 1000).toFixed(2)} s |`,
    `| captures/s | ${captureRate.toFixed(1)} |`,
    `| deliveries/s (first to last received) | ${deliveryRate.toFixed(1)} |`,
    `| last delivery after last capture | ${((lastReceived - capturesDone) / 1000).toFixed(2)} s |`,
    `| capture failures / unsigned or bad signatures | ${failures} / ${unsigned} |`,
    '',
    `- deliveries/s ÷ captures/s: **${(deliveryRate / captureRate).toFixed(2)}×** (target ≥ 1×: the pipeline keeps up)`,
    `- p50 latency ÷ 1 s batch timeout: **${(p50 / 1000).toFixed(2)}×**`,
  ];
  console.log(lines.join('\n'));
  await recordSection('Delivery', lines);
} finally {
  await app.stop();
  await receiver.close();
}
