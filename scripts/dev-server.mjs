// Serves the built worker locally, as `wrangler dev` does, with DevTools'
// inspector off. The CLI always attaches it, and then every subrequest the
// worker makes (each D1 query is one) is reported to wrangler's node process
// and appended to its debug log file: a dev-tool cost per query that no
// deployment pays, which skewed the benches towards query-heavy paths and
// filled ~/.config/.wrangler/logs with gigabytes per test run.
// Usage: node scripts/dev-server.mjs --port N --persist-to DIR --assets DIR
//        [--log-level L] [--var NAME:VALUE]... [--test-scheduled] [--direct]
//        [--ready-timeout SECS]
// `--port 0` lets the runtime pick a free port (no race with other servers
// starting at once); the line `ready on URL` names the one clients use.
// Exit code 3: the port asked for is taken.
import { unstable_DevEnv } from 'wrangler';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    ip: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'persist-to': { type: 'string' },
    assets: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    var: { type: 'string', multiple: true, default: [] },
    'test-scheduled': { type: 'boolean', default: false },
    direct: { type: 'boolean', default: false },
    'ready-timeout': { type: 'string', default: '110' },
  },
});

// workerd aborts when its port is taken, and wrangler then waits forever
// without a word (at any log level below debug). So a taken port is found
// here first and said, and a start that never comes up ends with a message
// rather than a silent hang (the port can still be taken in between).
const port = Number(values.port ?? 0);
if (port !== 0) {
  const taken = await new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, values.ip, () => probe.close(() => resolve(false)));
  });
  if (taken) {
    console.error(`dev-server: port ${port} on ${values.ip} is taken; choose another`);
    process.exit(3);
  }
}
const readyTimeout = setTimeout(() => {
  console.error(`dev-server: not ready after ${values['ready-timeout']} s${port ? ` (was port ${port} taken meanwhile?)` : ''}`);
  process.exit(4);
}, Number(values['ready-timeout']) * 1000);

const bindings = {};
for (const pair of values.var) {
  const at = pair.indexOf(':');
  bindings[pair.slice(0, at)] = { type: 'plain_text', value: pair.slice(at + 1) };
}

// The caller serves what it has just built, so no [build] command here.
// Wrangler would otherwise run it, and again when its watcher of
// build.watch_dir (./src, which does not exist) reports ready: a second
// bundle racing the first. Nor does an edit of wrangler.toml reload a
// running test server. A reload answers in-flight POSTs with 503, holds
// GETs, and drops the local queue's pending messages.
process.env.WRANGLER_CI_DISABLE_CONFIG_WATCHING = 'true';
const devEnv = new unstable_DevEnv();
// Say so if the runtime reloads after it first came up: nothing here should
// make it, and the test harness fails the file that saw one. (`worker.ready`
// resolves before the runtime's first start, so that start is counted here.)
// The first start also gives the runtime's own address (see `--direct`).
let started = false;
let resolveRuntimeUrl;
const runtimeStarted = new Promise((resolve) => (resolveRuntimeUrl = resolve));
const proxy = devEnv.proxy;
const onReloadStart = proxy.onReloadStart.bind(proxy);
const onReloadComplete = proxy.onReloadComplete.bind(proxy);
proxy.onReloadStart = (event) => {
  if (started) console.error('dev-server: the runtime reloaded after it was ready');
  return onReloadStart(event);
};
proxy.onReloadComplete = (event) => {
  started = true;
  const { protocol, hostname, port } = event.proxyData.userWorkerUrl;
  resolveRuntimeUrl(`${protocol}//${hostname}:${port}`);
  return onReloadComplete(event);
};
const worker = await devEnv.startWorker({
  config: 'wrangler.toml',
  build: { custom: { command: '' } },
  bindings,
  assets: values.assets,
  dev: {
    inspector: false,
    server: { hostname: values.ip, port },
    persist: values['persist-to'],
    logLevel: values['log-level'],
    testScheduled: values['test-scheduled'],
    watch: false,
    liveReload: false,
  },
});
await worker.ready;
// With --direct, clients are pointed at the runtime itself rather than at
// wrangler's proxy in front of it. That proxy (a Durable Object) loses its
// route to the runtime now and then under test load: in-flight POSTs get 503
// "Your worker restarted mid-request" and GETs hang for minutes, with no
// reload reported (why, is not known). Nothing reloads a test server, so the
// proxy adds nothing there.
const url = values.direct ? await runtimeStarted : new URL(await worker.url).origin;
clearTimeout(readyTimeout);
console.log(`ready on ${url}`);
const stop = async () => {
  await worker.dispose().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
