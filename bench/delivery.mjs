// Capture → signed webhook received, on two servers of one build started side
// by side: one makes each job's first attempt right after the capture's
// response (DELIVERY_INLINE_FIRST_ATTEMPT=on, the default), the other leaves it
// to the queue (off). Latency of a lone lead (one capture at a time) and under
// load, delivery throughput beside capture throughput, and capture throughput
// with the inline attempt against without it in alternating rounds (each round
// drained before the next starts, so the idle server costs the busy one
// nothing). Every figure is a ratio or a latency from the same run on
// loopback, so they survive a slower or busier machine.
import { spawnApp } from '../tests/support/app.mjs';
import { verifyLeadsBotSignature } from '../tests/support/receiver.mjs';
import { startReceiverProcess } from './support/receiver-process.mjs';
import { recordSection, percentile, forEachConcurrently, serverRuntimeCpuMs } from './results.mjs';

const LONE = Number(process.env.BENCH_LONE_LEADS ?? 20);
const LEADS = Number(process.env.BENCH_DELIVERY_LEADS ?? 200);
// Eight rounds each way: on a shared 2-core machine one round's capture rate swings by a fifth or more.
const ROUNDS = Number(process.env.BENCH_DELIVERY_ROUNDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const sorted = (values) => values.filter(Number.isFinite).sort((a, b) => a - b);

const receiver = await startReceiverProcess();

/** A server, with a workspace and endpoint for each load round and another for lone leads
 * (a workspace per round keeps each under the workspace lead cap, WORKSPACE_LEAD_LIMITER). */
async function server(mode) {
  const app = await spawnApp({ vars: { DELIVERY_INLINE_FIRST_ATTEMPT: mode === 'inline' ? 'on' : 'off' } });
  const target = async (name) => {
    const ws = await app.createWorkspace({ name: `${name} (${mode})` });
    const path = `/${mode}-${name}`;
    const created = await app.api(ws.api_key, 'POST', '/api/v1/webhooks', { url: receiver.url(path) });
    // One key per 500 captures keeps every key under the per-credential limit (wrangler.toml).
    const keys = [ws.api_key];
    while (keys.length < Math.ceil(LEADS / 500)) keys.push((await app.api(ws.api_key, 'POST', '/api/v1/keys', { name: `bench ${keys.length}`, scopes: ['write'] })).body.key);
    return { ws, keys, path, endpointId: created.body.id, secret: created.body.secret };
  };
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await target(`load-${r}`));
  return { mode, app, rounds, lone: await target('lone') };
}

const capture = (app, target, i, fields) => fetch(`${app.baseUrl}/api/inbound/${target.ws.id}/leads`, {
  method: 'POST',
  headers: { Authorization: `Bearer ${target.keys[i % target.keys.length]}`, 'Content-Type': 'application/json' },
  body: JSON.stringify(fields),
}).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }), (error) => ({ status: 0, body: String(error.cause ?? error) }));

/** Lone leads, one at a time, each waited for at the receiver: latency and where it goes. */
async function loneLeads({ app, lone }, count) {
  const leads = [];
  for (let i = 0; i < count; i++) {
    const before = await receiver.count(lone.path);
    const sentAt = Date.now();
    const r = await capture(app, lone, i, { email: `lone${i}@example.com`, name: 'Lone Lead' });
    const answeredAt = Date.now();
    if (r.status !== 201) throw new Error(`lone capture failed: ${r.status} ${JSON.stringify(r.body)}`);
    await receiver.waitForCount(lone.path, before + 1, 30_000);
    const request = (await receiver.to(lone.path))[before];
    leads.push({ sentAt, answeredAt, receivedAt: request.receivedAt, deliveryId: request.headers['webhook-id'] });
  }
  const rows = (await app.api(lone.keys[0], 'GET', `/api/v1/webhooks/${lone.endpointId}/deliveries?limit=100`)).body.data;
  const attemptedAt = new Map(rows.map((row) => [row.id, Date.parse(row.attempts[0]?.attempted_at)]));
  const part = (f) => sorted(leads.map(f));
  return {
    total: part((l) => l.receivedAt - l.sentAt),
    answer: part((l) => l.answeredAt - l.sentAt),
    start: part((l) => attemptedAt.get(l.deliveryId) - l.answeredAt),
    send: part((l) => l.receivedAt - attemptedAt.get(l.deliveryId)),
    attempts: rows.reduce((n, row) => n + row.attempt_count, 0) / rows.length,
  };
}

/** One round of LEADS captures, CONCURRENCY at a time, waited out until every webhook is in. */
async function loadRound({ app, rounds }, r) {
  const [load, tag] = [rounds[r], `r${r}`];
  const sentAt = new Map();
  const answeredAt = new Map();
  let failures = 0;
  const cpuBefore = serverRuntimeCpuMs(app.child.pid);
  const started = Date.now();
  await forEachConcurrently(LEADS, CONCURRENCY, async (i) => {
    const t = Date.now();
    const r = await capture(app, load, i, { email: `${tag}-${i}@example.com`, name: 'Bench Lead', message: 'Hello' });
    if (r.status === 201) {
      sentAt.set(r.body.id, t);
      answeredAt.set(r.body.id, Date.now());
    } else {
      failures++;
      if (failures === 1) console.error(`capture failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
  });
  const capturesDone = Date.now();
  const cpuInRound = serverRuntimeCpuMs(app.child.pid) - cpuBefore;
  await receiver.waitForCount(load.path, sentAt.size, 120_000);
  const cpuToDrained = serverRuntimeCpuMs(app.child.pid) - cpuBefore;
  const got = await receiver.to(load.path);
  const received = got.map((r) => r.receivedAt);
  const [first, last] = [Math.min(...received), Math.max(...received)];
  return {
    captureRate: sentAt.size / ((capturesDone - started) / 1000),
    deliveryRate: got.length / (Math.max(last - first, 1) / 1000),
    endToEndRate: got.length / ((last - started) / 1000),
    latencies: got.map((r) => r.receivedAt - sentAt.get(r.json.data.id)),
    pipeline: got.map((r) => r.receivedAt - answeredAt.get(r.json.data.id)),
    lastAfter: last - capturesDone,
    cpuInRound: cpuInRound / sentAt.size,
    cpuPerLead: cpuToDrained / sentAt.size,
    failures,
    unsigned: got.filter((r) => !verifyLeadsBotSignature(r.rawBody, r.headers['x-leadsbot-signature'], load.secret)).length,
  };
}

const [inline, queued] = await Promise.all([server('inline'), server('queue')]);
try {
  for (const srv of [inline, queued]) {
    // Warm the capture path, the first attempt and the consumer.
    await capture(srv.app, srv.lone, 0, { email: 'warm@example.com' });
    await receiver.waitForCount(srv.lone.path, 1, 30_000);
  }
  const lone = { inline: await loneLeads(inline, LONE), queue: await loneLeads(queued, Math.ceil(LONE / 2)) };
  const rounds = { inline: [], queue: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating which goes first, so neither always follows the other.
    for (const srv of r % 2 ? [queued, inline] : [inline, queued]) rounds[srv.mode].push(await loadRound(srv, r));
  }
  const pooled = (kind, key) => sorted(rounds[kind].flatMap((round) => round[key]));
  const mean = (kind, key) => rounds[kind].reduce((sum, round) => sum + round[key], 0) / rounds[kind].length;
  const total = (kind, key) => rounds[kind].reduce((sum, round) => sum + round[key], 0);
  const row = (kind, label) => {
    const latencies = pooled(kind, 'latencies');
    const pipeline = pooled(kind, 'pipeline');
    return `| ${label} | ${s(percentile(latencies, 50))} / ${s(percentile(latencies, 99))} | ${s(percentile(pipeline, 50))} / ${s(percentile(pipeline, 99))} | ${mean(kind, 'captureRate').toFixed(1)} (${rounds[kind].map((x) => x.captureRate.toFixed(0)).join(', ')}) | ${mean(kind, 'deliveryRate').toFixed(1)} | ${mean(kind, 'endToEndRate').toFixed(1)} | ${s(Math.max(...rounds[kind].map((x) => x.lastAfter)))} | ${total(kind, 'failures')} / ${total(kind, 'unsigned')} |`;
  };
  const loneRow = (kind, label) => {
    const l = lone[kind];
    return `| ${label} | ${l.total.length} | **${s(percentile(l.total, 50))}** / ${s(percentile(l.total, 99))} | ${s(percentile(l.answer, 50))} | ${s(percentile(l.start, 50))} | ${s(percentile(l.send, 50))} | ${l.attempts.toFixed(2)} |`;
  };
  const inlineLoad = pooled('inline', 'latencies');
  const throughputRatio = mean('inline', 'captureRate') / mean('queue', 'captureRate');
  const paired = rounds.inline.map((round, i) => round.captureRate / rounds.queue[i].captureRate);
  const lines = [
    `Two \`wrangler dev\` servers of one build side by side (local D1 and Queues, batch timeout 1 s, \`DELIVERY_MAX_IN_FLIGHT=2\`), a webhook endpoint each on loopback, received by a process of its own (as a receiver is elsewhere; in the bench's own process, webhooks arriving during a round slowed the load generator); every delivery verified with the docs' HMAC snippet. **inline**: the capture makes the first attempt after its response (\`DELIVERY_INLINE_FIRST_ATTEMPT=on\`, the default); **queue**: the queue's consumer makes it (\`off\`).`,
    '',
    `Lone leads, one capture at a time, each waited for at the receiver (the attempt's start is the attempt log's \`attempted_at\`; one clock, one machine):`,
    '',
    '| first attempt | leads | capture → received, p50 / p99 | capture → 201 answered, p50 | 201 → attempt starts, p50 | attempt start → received, p50 | attempts per delivery |',
    '|---|---|---|---|---|---|---|',
    loneRow('inline', 'inline'),
    loneRow('queue', 'queue'),
    '',
    `Under load: ${ROUNDS} rounds each of ${LEADS} captures ${CONCURRENCY} at a time, alternating between the servers, each round drained before the next:`,
    '',
    '| first attempt | capture → received, p50 / p99 | 201 answered → received, p50 / p99 | captures/s, mean (rounds) | deliveries/s (first to last received), mean | leads/s, first capture sent to last webhook received, mean | last delivery after last capture, worst | capture failures / bad signatures |',
    '|---|---|---|---|---|---|---|---|',
    row('inline', 'inline'),
    row('queue', 'queue'),
    '',
    `- lone lead, capture → signed webhook received, inline: p50 **${s(percentile(lone.inline.total, 50))}** (target ≤ 0.1 s), p99 **${s(percentile(lone.inline.total, 99))}** (target ≤ 0.3 s); under load p50 **${s(percentile(inlineLoad, 50))}**, p99 **${s(percentile(inlineLoad, 99))}**`,
    `- deliveries/s ÷ captures/s, inline: **${(mean('inline', 'deliveryRate') / mean('inline', 'captureRate')).toFixed(2)}×** (target ≥ 1×: the pipeline keeps up); queue: ${(mean('queue', 'deliveryRate') / mean('queue', 'captureRate')).toFixed(2)}×`,
    `- capture throughput inline ÷ queue: **${throughputRatio.toFixed(2)}×** (target ≥ 0.9×); round by round ${paired.map((p) => p.toFixed(2)).join(', ')}`,
    `- CPU of the server's own runtime (workerd: requests, consumer and local D1 on one thread) per lead, capture to drained: inline ${mean('inline', 'cpuPerLead').toFixed(2)} ms, queue ${mean('queue', 'cpuPerLead').toFixed(2)} ms; of it spent while the round's captures ran: inline ${mean('inline', 'cpuInRound').toFixed(2)} ms, queue ${mean('queue', 'cpuInRound').toFixed(2)} ms`,
  ];
  console.log(lines.join('\n'));
  await recordSection('Delivery', lines);
} finally {
  await Promise.all([inline.app.stop(), queued.app.stop()]);
  await receiver.close();
}
