#!/usr/bin/env node
// A stand-in for the wrangler CLI, for tests/deploy.test.mjs: a Cloudflare
// account kept in a JSON file ($FAKE_WRANGLER_STATE), each call's argv (and
// whether a value was piped in) appended to $FAKE_WRANGLER_LOG, answers
// printed the way wrangler 4.86.0 prints them. No network.
// An account: { loggedIn, databases: [{ uuid, name }], queues: [{ queue_id, queue_name }],
//   worker: null | { secrets: { NAME: value }, deployedWith: "<config text>" },
//   migrated: [database id...] }
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const argv = process.argv.slice(2);
const statePath = process.env.FAKE_WRANGLER_STATE;
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const stdin = process.stdin.isTTY ? '' : readFileSync(0, 'utf8');
appendFileSync(process.env.FAKE_WRANGLER_LOG, `${JSON.stringify({ argv, piped: stdin.length > 0 })}\n`);

const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
const fail = (message) => {
  process.stderr.write(`✘ [ERROR] ${message}\n`);
  process.exit(1);
};
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const words = argv.filter((arg, i) => !arg.startsWith('--') && !(argv[i - 1] ?? '').match(/^--(config|name)$/));
const command = words.slice(0, 2).join(' ');
const config = () => readFileSync(option('--config') ?? 'wrangler.toml', 'utf8');
const workerName = () => config().match(/^name = "([^"]+)"/m)[1];

if (command !== 'whoami' && !state.loggedIn) fail('Not logged in.');

switch (command) {
  case 'whoami':
    if (!state.loggedIn) fail('You are not authenticated. Please run `wrangler login`.');
    console.log(JSON.stringify({ loggedIn: true, authType: 'OAuth Token', email: 'dev@example.com', accounts: [] }));
    break;
  case 'd1 list':
    if (!argv.includes('--json')) fail('the fake answers only --json');
    console.log(JSON.stringify(state.databases.map((db) => ({ ...db, version: 'production', num_tables: 0 })), null, 2));
    break;
  case 'd1 create': {
    if (state.databases.some((db) => db.name === words[2])) fail(`A database with name ${words[2]} already exists`);
    const uuid = randomUUID();
    state.databases.push({ uuid, name: words[2], created_at: new Date().toISOString() });
    console.log(`✅ Successfully created DB '${words[2]}'\n[[d1_databases]]\nbinding = "${words[2]}"\ndatabase_name = "${words[2]}"\ndatabase_id = "${uuid}"`);
    break;
  }
  case 'd1 migrations': {
    const db = state.databases.find((d) => d.name === words[3]);
    if (!argv.includes('--remote')) fail('expected --remote');
    if (!db || !config().includes(`database_id = "${db.uuid}"`)) fail(`Couldn't find a D1 DB with the name or binding '${words[3]}' in your config.`);
    if (state.migrated.includes(db.uuid)) console.log('✅ No migrations to apply!');
    else state.migrated.push(db.uuid), console.log('🚣 Executed 1 migration(s).');
    break;
  }
  case 'queues info': {
    const queue = state.queues.find((q) => q.queue_name.startsWith(words[2]));
    if (!queue) fail(`Queue "${words[2]}" does not exist. To create it, run: wrangler queues create ${words[2]}`);
    console.log(`Queue Name: ${queue.queue_name}\nQueue ID: ${queue.queue_id}\nCreated On: 2026-01-01`);
    break;
  }
  case 'queues create':
    if (state.queues.some((q) => q.queue_name === words[2])) fail(`A queue with name ${words[2]} already exists`);
    state.queues.push({ queue_id: randomUUID().replace(/-/g, ''), queue_name: words[2] });
    console.log(`✅ Created queue ${words[2]}.`);
    break;
  case 'secret list':
    if (!state.worker) fail(`Worker "${workerName()}" not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.`);
    console.log(JSON.stringify(Object.keys(state.worker.secrets).map((name) => ({ name, type: 'secret_text' })), null, '  '));
    break;
  case 'secret put':
    if (!stdin) fail('no secret value piped in');
    state.worker ??= { secrets: {}, deployedWith: null };
    state.worker.secrets[words[2]] = stdin;
    console.log(`✨ Success! Uploaded secret ${words[2]}`);
    break;
  case 'deploy': {
    const text = config();
    for (const queue of text.matchAll(/^queue = "([^"]+)"/gm)) {
      if (!state.queues.some((q) => q.queue_name === queue[1])) fail(`Queue "${queue[1]}" does not exist.`);
    }
    state.worker ??= { secrets: {} };
    state.worker.deployedWith = text;
    const url = `https://${workerName()}.example-account.workers.dev`;
    console.log(`Uploaded ${workerName()}\nDeployed ${workerName()} triggers\n  ${url}\n  schedule: * * * * *`);
    if (process.env.WRANGLER_OUTPUT_FILE_PATH) {
      appendFileSync(process.env.WRANGLER_OUTPUT_FILE_PATH, `${JSON.stringify({ type: 'deploy', version: 1, worker_name: workerName(), targets: [url, 'schedule: * * * * *', 'Producer for leadsbot-deliveries', 'Consumer for leadsbot-deliveries'] })}\n`);
    }
    break;
  }
  default:
    fail(`the fake wrangler does not know \`${argv.join(' ')}\``);
}
save();
