// The one end-to-end harness: starts the built worker on `wrangler dev` with a
// fresh, migrated local D1 and real local Queues, and gives tests one method
// per thing they do. Tests wait on conditions (`waitFor`), never fixed sleeps.
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, cp, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startMailSink } from '../../scripts/mail-sink.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const wrangler = join(root, 'node_modules/.bin/wrangler');
const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
// A fixed test key: tests must never depend on a developer's .dev.vars.
const SECRETS_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

const offlineEnv = {
  ...process.env,
  LEADSBOT_SKIP_BUILD: '1',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  NO_COLOR: '1',
};

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * An error that ends a `waitFor` at once: the condition can no longer come
 * true (a process it waits on has exited), so waiting out the timeout would
 * only hide why.
 */
export class GaveUp extends Error {}

export async function waitFor(check, { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      if (error instanceof GaveUp) throw error;
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

/** A fresh local D1 state directory with every migration applied. */
export async function migratedState() {
  const stateDir = await mkdtemp(join(tmpdir(), 'leadsbot-state-'));
  await cp(await migratedTemplate(), stateDir, { recursive: true });
  return stateDir;
}

/**
 * Every migration applied once, into a state directory kept in the temp dir
 * under a hash of the migrations, wrangler.toml and wrangler's version; each
 * app gets a copy. Applying them is a wrangler run of seconds of CPU, and the
 * suite starts dozens of apps, several at a time.
 */
async function migratedTemplate() {
  const hash = createHash('sha256');
  for (const name of (await readdir(join(root, 'migrations'))).sort()) hash.update(name).update(await readFile(join(root, 'migrations', name)));
  for (const file of ['wrangler.toml', 'node_modules/wrangler/package.json']) hash.update(await readFile(join(root, file)));
  const template = join(tmpdir(), `leadsbot-migrated-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(template)) return template;
  // Made aside and renamed into place, so a file starting meanwhile never copies half of one.
  const staging = await mkdtemp(join(tmpdir(), 'leadsbot-migrating-'));
  await applyMigrations(staging);
  await rename(staging, template).catch(async (error) => {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(template)) throw error; // else another file made it first
  });
  return template;
}

/**
 * Applies the migrations not yet applied to the local D1 in `stateDir`;
 * `config` is another wrangler config (a migration test's, whose
 * `migrations_dir` holds an older release's migrations).
 */
export async function applyMigrations(stateDir, { config, databases = config ? ['DB'] : DATABASES } = {}) {
  const extra = config ? ['--config', config] : [];
  for (const database of databases) {
    const apply = () => promisify(execFile)(wrangler, ['d1', 'migrations', 'apply', database, '--local', '--persist-to', stateDir, ...extra], {
      cwd: root,
      env: offlineEnv,
    });
    // With several wrangler processes starting at once, the local runtime now and then fails an
    // internal assertion ("false == true") mid-apply. A migration is applied whole or not at all,
    // so applying again takes up where it stopped.
    for (let attempt = 1; ; attempt++) {
      try {
        await apply();
        break;
      } catch (error) {
        if (attempt >= 3 || !String(error.stderr ?? '').includes('false == true')) throw error;
      }
    }
  }
}

/** The D1 bindings workspaces are spread over (wrangler.toml `DATABASES`), the directory's first. */
export const DATABASES = ['DB', 'DB_1'];

/** Runs SQL against the local D1 in `stateDir` (no server needed); the rows of the last statement. */
export async function sqlOn(stateDir, query, { config } = {}) {
  const extra = config ? ['--config', config] : [];
  const args = ['d1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--json', ...extra, '--command', query];
  const { stdout } = await promisify(execFile)(wrangler, args, { cwd: root, env: { ...offlineEnv, WRANGLER_LOG: 'log' } });
  return JSON.parse(stdout).at(-1)?.results ?? [];
}

// The strictest policy the widget works under, for the CSP test pages.
const TEST_PAGE_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'";

/**
 * The assets the tests serve: the production build (widget/dist) plus the
 * browser-test pages under /test-pages/. Test pages never go into widget/dist,
 * which is what production serves.
 */
export async function testAssets() {
  const dir = await mkdtemp(join(tmpdir(), 'leadsbot-assets-'));
  await cp(join(root, 'widget/dist'), dir, { recursive: true });
  await cp(join(root, 'tests/pages'), join(dir, 'test-pages'), { recursive: true });
  // The strict-CSP page is the AJAX page under the path the CSP rule locks down;
  // assets serve `csp.html` at `/test-pages/csp`, hence the splat.
  await copyFile(join(root, 'tests/pages/ajax.html'), join(dir, 'test-pages/csp.html'));
  await appendFile(join(dir, '_headers'), `/test-pages/csp*\n  Content-Security-Policy: ${TEST_PAGE_CSP}\n`);
  return dir;
}

/**
 * Starts the worker. `stateDir` reuses a stopped app's local D1 (stop it with
 * `{ keepState: true }`), as a restart or a redeploy would.
 */
export async function spawnApp({ vars = {}, testScheduled = false, port = 0, stateDir, logLevel = 'warn', direct = process.env.LEADSBOT_DEV_DIRECT !== '0', mail = false } = {}) {
  stateDir ??= await migratedState();
  const assetsDir = await testAssets();
  // With `mail`, email is set up and every message is kept as an .eml file in this app's own folder
  // (scripts/mail-sink.mjs), so test files running side by side never read each other's mail. Its
  // links name PUBLIC_URL, which must be known before the runtime has a port: a forwarder of this
  // process's, on a port it holds from the start, passes them on to the runtime once it is up.
  const sink = mail ? await startMailSink(join(stateDir, 'mail')) : undefined;
  const forwarder = mail ? await startForwarder() : undefined;
  const mailVars = sink ? { EMAIL_FROM: 'leads@leadsbot.test', PUBLIC_URL: forwarder.url, EMAIL_DEV_SINK: sink.url } : {};
  // Two attempts in flight, as `npm start` runs: one thread runs everything here (wrangler.toml says more).
  const allVars = { ADMIN_TOKEN, SECRETS_KEY, WEBHOOK_URL_POLICY: 'allow-localhost', DELIVERY_MAX_IN_FLIGHT: '2', ...mailVars, ...vars };
  // `wrangler dev` with DevTools' inspector off (scripts/dev-server.mjs says why). Port 0: the
  // runtime picks a free one, so no other server starting meanwhile can take it first.
  const args = [join(root, 'scripts/dev-server.mjs'), '--port', String(port), '--persist-to', stateDir, '--assets', assetsDir, '--log-level', logLevel];
  for (const [name, value] of Object.entries(allVars)) args.push('--var', `${name}:${value}`);
  if (testScheduled) args.push('--test-scheduled');
  // Straight to the runtime, not through wrangler's proxy (scripts/dev-server.mjs says why).
  if (direct) args.push('--direct');
  const child = spawn(process.execPath, args, { cwd: root, env: offlineEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let baseUrl;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new GaveUp(`wrangler dev exited with code ${child.exitCode}:\n${output}`);
      baseUrl ??= output.match(/^ready on (http:\/\/\S+)$/m)?.[1];
      return baseUrl && (await fetch(`${baseUrl}/healthz`)).ok;
    }, { timeoutMs: 120_000, intervalMs: 200, what: 'wrangler dev to serve /healthz' });
  } catch (error) {
    stopProcess(child);
    await sink?.close();
    await forwarder?.close();
    await rm(assetsDir, { recursive: true, force: true });
    error.message = `${error.message}\n--- dev server output ---\n${output.slice(-4000)}`;
    throw error;
  }
  forwarder?.forwardTo(new URL(baseUrl));
  return new App({ baseUrl, child, stateDir, assetsDir, logs: () => output, mail: sink, forwarder });
}

/**
 * A TCP forwarder on a free port of its own (`url`): connections wait until
 * `forwardTo` names where they go, then are passed on byte for byte.
 */
async function startForwarder() {
  let target;
  const waiting = [];
  const sockets = new Set();
  const pass = (socket) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (target) pass(socket);
    else waiting.push(socket);
  });
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    forwardTo(url) {
      target = url;
      waiting.splice(0).forEach(pass);
    },
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolveClose) => server.close(resolveClose));
    },
  };
}

/**
 * Several databases' answers to one query, as one database would give it:
 * when each gave one row of the same columns (an aggregate), numbers are
 * summed column by column and otherwise the value some database had is
 * kept; else the rows of all of them, in database order.
 */
export function asOneDatabase(results) {
  const keys = (row) => Object.keys(row).join('\u0000');
  const oneRowEach = results.every((rows) => rows.length === 1) && results.every((rows) => keys(rows[0]) === keys(results[0][0]));
  if (!oneRowEach) return results.flat();
  const merged = {};
  for (const column of Object.keys(results[0][0])) {
    const values = results.map((rows) => rows[0][column]).filter((v) => v !== null && v !== undefined);
    merged[column] = values.length && values.every((v) => typeof v === 'number') ? values.reduce((a, b) => a + b, 0) : values[0] ?? null;
  }
  return [merged];
}

function stopProcess(child) {
  if (child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

/**
 * The lines of a dev server's output that void a test file: a Rust panic
 * (workers-rs logs it as "Critical" with "Rust panic: panicked at …"), a
 * wasm trap or a terminated module, a runtime reload after the server was
 * ready (scripts/dev-server.mjs reports it), and a request the runtime
 * cancelled as hung or a promise settled from another request's context
 * (work one request waits on that only another can finish; shown from log
 * level `debug`). An error the worker handled and answered (logged as
 * "internal error: …") is not one.
 */
export function faultLines(logs) {
  return logs.split('\n').filter((line) => /panicked at|RuntimeError|Module terminated|Critical error|runtime reloaded after it was ready|code had hung|from a different request context/.test(line));
}

export class App {
  constructor({ baseUrl, child, stateDir, assetsDir, logs, mail, forwarder }) {
    Object.assign(this, { baseUrl, child, stateDir, assetsDir, logs, mail, forwarder, adminToken: ADMIN_TOKEN });
    /** Workspace id → the database it was placed on, for `sql`. */
    this.homes = new Map();
  }

  /** The .eml files this app's mail sink kept (spawned with `mail: true`), oldest first: { name, raw }. */
  async mailbox() {
    const names = (await readdir(this.mail.dir)).filter((n) => n.endsWith('.eml')).sort();
    return Promise.all(names.map(async (name) => ({ name, raw: await readFile(join(this.mail.dir, name), 'utf8') })));
  }

  /** Any request; the body is parsed as JSON when it is JSON. */
  async request(method, path, { headers = {}, body, raw } = {}) {
    const init = { method, headers: { ...headers } };
    if (raw !== undefined) init.body = raw;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed };
  }

  api(apiKey, method, path, body) {
    return this.request(method, path, { headers: { Authorization: `Bearer ${apiKey}` }, body });
  }

  async createWorkspace({ name = 'Test workspace', allowed_origins, owner_email } = {}) {
    const response = await this.request('POST', '/api/admin/workspaces', {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      body: { name, allowed_origins, owner_email },
    });
    if (response.status !== 201) throw new Error(`creating a workspace failed: ${JSON.stringify(response)}`);
    this.homes.set(response.body.id, response.body.database);
    return response.body;
  }

  /**
   * A new workspace with one webhook endpoint at `url` (all events unless
   * `events` is given); `secret` is the endpoint's signing secret.
   */
  async createWebhook(url, { name = url, events, description } = {}) {
    const ws = await this.createWorkspace({ name });
    const created = await this.api(ws.api_key, 'POST', '/api/v1/webhooks', { url, events, description });
    if (created.status !== 201) throw new Error(`creating a webhook failed: ${JSON.stringify(created)}`);
    return { ws, endpoint: created.body, secret: created.body.secret };
  }

  /** Posts lead fields as a server would, with the workspace's API key. */
  capture(workspace, fields, { headers = {} } = {}) {
    return this.request('POST', `/api/inbound/${workspace.id}/leads`, {
      headers: { Authorization: `Bearer ${workspace.api_key}`, ...headers },
      body: fields,
    });
  }

  async listLeads(apiKey, query = {}) {
    const search = new URLSearchParams(query).toString();
    const response = await this.api(apiKey, 'GET', `/api/v1/leads${search ? `?${search}` : ''}`);
    if (response.status !== 200) throw new Error(`listing leads failed: ${JSON.stringify(response)}`);
    return response.body;
  }

  waitFor(check, options) {
    return waitFor(check, options);
  }

  /**
   * Runs SQL straight against this app's local D1, behind the API's back
   * (e.g. to plant a row an older release could have written); returns the
   * rows of the last statement. Workspaces live in several databases: a
   * query naming a workspace this app created runs in that workspace's
   * (`database` names one outright). Any other runs in every database and
   * answers as if they were one: rows found in any, and a one-row aggregate
   * (a count, say) summed over them. An INSERT must say where it goes.
   */
  async sql(query, { database } = {}) {
    const named = [...new Set(query.match(/ws_[0-9A-HJKMNP-TV-Z]{26}/g) ?? [])].map((id) => this.homes.get(id)).filter(Boolean);
    const databases = database ? [database] : named.length ? [...new Set(named)] : DATABASES;
    if (databases.length > 1 && /^\s*(WITH\b[\s\S]*\b)?INSERT\b/i.test(query)) throw new Error(`say which database this INSERT goes to (name a workspace this app created, or pass { database }): ${query}`);
    const results = await Promise.all(databases.map((db) => this.sqlIn(db, query)));
    return results.length === 1 ? results[0] : asOneDatabase(results);
  }

  /** Runs SQL in one of this app's local databases. */
  async sqlIn(database, query) {
    const args = ['d1', 'execute', database, '--local', '--persist-to', this.stateDir, '--json', '--command', query];
    // The JSON is printed at wrangler's `log` level, which scripts/env.sh turns down.
    const run = () => promisify(execFile)(wrangler, args, { cwd: root, env: { ...offlineEnv, WRANGLER_LOG: 'log' } });
    // The running worker holds the database now and then: run again (each run takes a second to start).
    // With --json, wrangler reports that on stdout ({"error": {"text": "… SQLITE_BUSY"}}), not in the message.
    for (let attempt = 1; ; attempt++) {
      try {
        const { stdout } = await run();
        return JSON.parse(stdout).at(-1)?.results ?? [];
      } catch (error) {
        const busy = [error.message, error.stdout, error.stderr].some((text) => String(text ?? '').includes('SQLITE_BUSY'));
        if (attempt >= 10 || !busy) throw error;
      }
    }
  }

  /** Fires the cron handler (needs `testScheduled: true`). */
  async triggerScheduled(cron = '* * * * *') {
    // wrangler 4.86 answers /__scheduled; its /cdn-cgi/handler/scheduled returns 500.
    const response = await fetch(`${this.baseUrl}/__scheduled?cron=${encodeURIComponent(cron)}`);
    if (!response.ok) throw new Error(`scheduled trigger failed: ${response.status} ${await response.text()}`);
  }

  async stop({ keepState = false } = {}) {
    stopProcess(this.child);
    await this.mail?.close();
    await this.forwarder?.close();
    await waitFor(() => this.child.exitCode !== null || this.child.signalCode !== null, { timeoutMs: 10_000, what: 'wrangler dev to stop' }).catch(() => {
      try { process.kill(-this.child.pid, 'SIGKILL'); } catch {}
    });
    if (!keepState) await rm(this.stateDir, { recursive: true, force: true });
    await rm(this.assetsDir, { recursive: true, force: true });
    // A panic is a defect even when every request a test made was answered, and a runtime reload mid-test
    // (it answers in-flight POSTs with 503 and drops the local queue) voids what the file checked: either
    // fails the file. Not by throwing: the caller still has its receivers to close.
    const faults = faultLines(this.logs());
    if (faults.length) {
      console.error(`the dev server logged faults:\n${faults.slice(0, 20).join('\n')}\n--- dev server output ---\n${this.logs().slice(-6000)}`);
      process.exitCode = 1;
    }
  }
}
