// The webhook receiver in a process of its own, as a receiver is in real use:
// taking each delivery costs the bench's load generator nothing (in one
// process, webhooks that arrive during a round slowed the captures being
// timed, which penalised whichever server delivers during the round).
// The same receiver as the tests' (tests/support/receiver.mjs); the bench
// asks it over IPC what arrived. `receivedAt` is stamped on arrival, in the
// child, on the machine's one clock.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../../tests/support/receiver.mjs';
import { waitFor } from '../../tests/support/app.mjs';

if (process.env.LEADSBOT_RECEIVER_CHILD) {
  const receiver = await startReceiver();
  process.on('message', ({ id, op, path }) => {
    if (op === 'to') process.send({ id, result: receiver.to(path).map(({ headers, rawBody, json, receivedAt }) => ({ headers, rawBody, json, receivedAt })) });
    else if (op === 'count') process.send({ id, result: receiver.to(path).length });
    else if (op === 'close') receiver.close().then(() => process.send({ id, result: null }), () => process.send({ id, result: null }));
  });
  process.send({ ready: receiver.url('') });
}

/** A receiver in a child process: `url(path)`, and (async) `to(path)`, `count(path)`, `waitForCount`, `close`. */
export async function startReceiverProcess() {
  const child = fork(fileURLToPath(import.meta.url), { env: { ...process.env, LEADSBOT_RECEIVER_CHILD: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const base = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.ready));
    child.once('exit', (code) => reject(new Error(`the receiver process exited (${code})`)));
  });
  const pending = new Map();
  let next = 0;
  child.on('message', ({ id, result }) => {
    pending.get(id)?.(result);
    pending.delete(id);
  });
  const ask = (op, path) => new Promise((resolve) => {
    const id = next++;
    pending.set(id, resolve);
    child.send({ id, op, path });
  });
  const count = (path) => ask('count', path);
  return {
    url: (path = '/hook') => `${base}${path}`,
    to: (path) => ask('to', path),
    count,
    waitForCount: (path, n, timeoutMs = 20_000) => waitFor(async () => (await count(path)) >= n, { timeoutMs, intervalMs: 2, what: `${n} requests to ${path}` }),
    async close() {
      await ask('close');
      child.disconnect();
      child.kill();
    },
  };
}
