// A real HTTP webhook receiver for the delivery tests: records every request
// with its exact raw body, answers from a per-path plan (500, 429, 410, 3xx,
// hang, hold until released, echo what was sent…), and verifies signatures the way our docs tell customers to.
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { waitFor } from './app.mjs';

const { Webhook } = createRequire(import.meta.url)('standardwebhooks');

/** The developer-page snippet, as is: hex HMAC-SHA256 of the raw body. */
export function verifyLeadsBotSignature(rawBody, signatureHeader, secret) {
  const expected = createHmac('sha256', secret).update(rawBody).digest('hex');
  const a = Buffer.from(expected);
  const b = Buffer.from(signatureHeader || '');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The official `standardwebhooks` package, with its replay protection. */
export function verifyStandardWebhook(rawBody, headers, secret) {
  try {
    new Webhook(secret).verify(rawBody, {
      'webhook-id': headers['webhook-id'],
      'webhook-timestamp': headers['webhook-timestamp'],
      'webhook-signature': headers['webhook-signature'],
    });
    return true;
  } catch {
    return false;
  }
}

export async function startReceiver() {
  const requests = [];
  const plans = new Map();
  const hanging = new Set();
  const held = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const entry = { path: req.url, method: req.method, headers: req.headers, rawBody, receivedAt: Date.now() };
      try { entry.json = JSON.parse(rawBody); } catch {}
      requests.push(entry);
      const plan = plans.get(req.url) ?? [];
      const step = plan.length > 1 ? plan.shift() : plan[0] ?? { status: 200 };
      if (step.hang) {
        hanging.add(res);
        return;
      }
      if (step.hold) {
        held.set(req.url, [...(held.get(req.url) ?? []), res]);
        return;
      }
      res.writeHead(step.status ?? 200, { 'Content-Type': 'application/json', ...(step.headers ?? {}) });
      // `echo`: answers with what was sent, as Telegram's sendMessage does (its `result` repeats the text).
      res.end(step.echo ? JSON.stringify({ ok: true, result: entry.json ?? rawBody }) : step.body ?? '{"ok":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    requests,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    /** Answers successive requests to `path` with these steps; the last repeats. */
    plan(path, steps) {
      plans.set(path, [...steps]);
    },
    /** Answers 200 to the requests to `path` a `{ hold: true }` step is holding. */
    release(path) {
      for (const res of held.get(path) ?? []) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      }
      held.delete(path);
    },
    to(path) {
      return requests.filter((r) => r.path === path);
    },
    waitForCount(path, count, timeoutMs = 20_000) {
      return waitFor(() => requests.filter((r) => r.path === path).length >= count, { timeoutMs, what: `${count} requests to ${path}` });
    },
    async close() {
      for (const res of [...hanging, ...[...held.values()].flat()]) res.destroy();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A port nothing listens on, for connection-refused faults. */
export async function deadUrl(path = '/hook') {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}${path}`;
}
