// `npm run deploy` (scripts/deploy.mjs) against a fake wrangler
// (tests/support/fake-wrangler.mjs) that keeps a Cloudflare account in a file:
// a first run creates what is missing and deploys, a second only deploys, a
// dry run runs nothing. No network, no build.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const committedConfig = join(root, 'wrangler.toml');
const deployConfig = join(root, 'wrangler.deploy.toml');
const QUEUES = ['leadsbot-deliveries', 'leadsbot-deliveries-dlq'];

function account(overrides = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'leadsbot-deploy-test-'));
  const state = join(dir, 'account.json');
  const log = join(dir, 'calls.jsonl');
  writeFileSync(state, JSON.stringify({ loggedIn: true, databases: [], queues: [], worker: null, migrated: [], ...overrides }));
  writeFileSync(log, '');
  return {
    dir,
    state: () => JSON.parse(readFileSync(state, 'utf8')),
    // Each run's calls only: the log is emptied before it.
    deploy(...args) {
      writeFileSync(log, '');
      const env = { ...process.env, LEADSBOT_WRANGLER: join(root, 'tests/support/fake-wrangler.mjs'), FAKE_WRANGLER_STATE: state, FAKE_WRANGLER_LOG: log };
      const run = spawnSync(process.execPath, ['scripts/deploy.mjs', ...args], { cwd: root, env, encoding: 'utf8' });
      const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
      return { ...run, calls, commands: calls.map((call) => call.argv.join(' ')) };
    },
  };
}

// The deploy config is the real one beside wrangler.toml: keep a developer's
// own copy, and leave none behind.
const before = existsSync(deployConfig) ? readFileSync(deployConfig) : null;
const committed = readFileSync(committedConfig);
test.after(() => {
  if (before) writeFileSync(deployConfig, before);
  else rmSync(deployConfig, { force: true });
});

test('a first run creates both databases and both queues, migrates each, sets both secrets, writes the local config and deploys; a second only deploys', () => {
  const cf = account();
  try {
    const first = cf.deploy();
    assert.equal(first.status, 0, first.stderr + first.stdout);
    const created = cf.state();
    // Workspaces are spread over both (README, "Scale-out").
    assert.deepEqual(created.databases.map((d) => d.name), ['leadsbot', 'leadsbot-1']);
    const [id, id1] = created.databases.map((d) => d.uuid);
    assert.deepEqual(created.queues.map((q) => q.queue_name).sort(), QUEUES);
    assert.deepEqual(created.migrated, [id, id1]);
    assert.deepEqual(Object.keys(created.worker.secrets).sort(), ['ADMIN_TOKEN', 'SECRETS_KEY']);
    assert.match(created.worker.secrets.ADMIN_TOKEN, /^[0-9a-f]{48}$/);
    assert.equal(Buffer.from(created.worker.secrets.SECRETS_KEY, 'base64').length, 32);
    for (const command of ['d1 create leadsbot', 'd1 create leadsbot-1', 'queues create leadsbot-deliveries', 'queues create leadsbot-deliveries-dlq',
      'd1 migrations apply leadsbot --remote --config wrangler.deploy.toml', 'd1 migrations apply leadsbot-1 --remote --config wrangler.deploy.toml', 'secret put ADMIN_TOKEN --config wrangler.deploy.toml',
      'secret put SECRETS_KEY --config wrangler.deploy.toml']) {
      assert.ok(first.commands.includes(command), `${command} in ${first.commands.join('\n')}`);
    }
    assert.equal(first.commands.at(-1), 'deploy --config wrangler.deploy.toml');
    // Secret values go through stdin, never argv.
    assert.ok(first.calls.filter((c) => c.argv[0] === 'secret' && c.argv[1] === 'put').every((c) => c.piped));
    assert.ok(!first.commands.join(' ').includes(created.worker.secrets.ADMIN_TOKEN));
    // The local config carries the id; the deployed worker got exactly it.
    const local = readFileSync(deployConfig, 'utf8');
    assert.match(local, new RegExp(`^database_id = "${id}"$`, 'm'));
    assert.match(local, new RegExp(`^database_name = "leadsbot-1"\ndatabase_id = "${id1}"$`, 'm'));
    assert.equal(created.worker.deployedWith, local);
    assert.match(first.stdout, /URL +https:\/\/leadsbot\.example-account\.workers\.dev\n/);
    assert.ok(first.stdout.includes(created.worker.secrets.ADMIN_TOKEN), 'a new admin token is shown');
    assert.equal(readFileSync(committedConfig).compare(committed), 0, 'wrangler.toml is unchanged');

    const second = cf.deploy();
    assert.equal(second.status, 0, second.stderr + second.stdout);
    const changing = second.commands.filter((c) => /^(d1 create|queues create|secret put)/.test(c));
    assert.deepEqual(changing, []);
    assert.equal(second.commands.at(-1), 'deploy --config wrangler.deploy.toml');
    assert.deepEqual(cf.state().worker.secrets, created.worker.secrets, 'no secret replaced');
    assert.deepEqual(cf.state().databases, created.databases);
    assert.ok(!second.stdout.includes(created.worker.secrets.ADMIN_TOKEN), 'an old admin token cannot be shown');
    assert.match(second.stdout, /already set, kept/);
    assert.equal(readFileSync(committedConfig).compare(committed), 0, 'wrangler.toml is unchanged');
  } finally {
    rmSync(cf.dir, { recursive: true, force: true });
  }
});

test('a run finds what exists by exact name: a queue whose name extends another is not that queue, a set secret is kept', () => {
  const cf = account({
    databases: [{ uuid: 'existing-db-id', name: 'leadsbot' }, { uuid: 'existing-db-1-id', name: 'leadsbot-1' }],
    queues: [{ queue_id: 'q1', queue_name: 'leadsbot-deliveries-dlq' }],
    worker: { secrets: { ADMIN_TOKEN: 'kept' }, deployedWith: null },
    migrated: ['existing-db-id', 'existing-db-1-id'],
  });
  try {
    const run = cf.deploy();
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const changing = run.commands.filter((c) => /^(d1 create|queues create|secret put)/.test(c));
    assert.deepEqual(changing, ['queues create leadsbot-deliveries', 'secret put SECRETS_KEY --config wrangler.deploy.toml']);
    assert.equal(cf.state().worker.secrets.ADMIN_TOKEN, 'kept');
    assert.match(readFileSync(deployConfig, 'utf8'), /^database_id = "existing-db-id"$/m);
  } finally {
    rmSync(cf.dir, { recursive: true, force: true });
  }
});

test('--dry-run prints every step and its wrangler commands, and runs none', () => {
  const cf = account({ loggedIn: false });
  rmSync(deployConfig, { force: true });
  try {
    const run = cf.deploy('--dry-run');
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.deepEqual(run.commands, []);
    for (const line of ['wrangler whoami --json', 'wrangler d1 list --json', 'wrangler d1 create leadsbot',
      'wrangler queues info leadsbot-deliveries', 'wrangler queues create leadsbot-deliveries-dlq',
      'wrangler d1 migrations apply leadsbot --remote --config wrangler.deploy.toml',
      'wrangler secret list --config wrangler.deploy.toml', 'wrangler secret put ADMIN_TOKEN --config wrangler.deploy.toml',
      'wrangler secret put SECRETS_KEY --config wrangler.deploy.toml', 'wrangler deploy --config wrangler.deploy.toml']) {
      assert.ok(run.stdout.includes(`$ ${line}`), `${line} in\n${run.stdout}`);
    }
    assert.match(run.stdout, /Workers Rate Limiting needs nothing created/);
    assert.match(run.stdout, /CAPTURE_CLIENT_LIMITER/);
    assert.equal(existsSync(deployConfig), false, 'a dry run writes no config');
    assert.equal(readFileSync(committedConfig).compare(committed), 0);
  } finally {
    rmSync(cf.dir, { recursive: true, force: true });
  }
});

test('an unknown option (a mistyped --dry-run) stops before any command', () => {
  const cf = account();
  try {
    const run = cf.deploy('--dryrun');
    assert.equal(run.status, 1);
    assert.deepEqual(run.commands, []);
    assert.match(run.stderr, /unknown option --dryrun/);
  } finally {
    rmSync(cf.dir, { recursive: true, force: true });
  }
});

test('without credentials a run stops at the first step and says how to log in', () => {
  const cf = account({ loggedIn: false });
  try {
    const run = cf.deploy();
    assert.equal(run.status, 1);
    assert.deepEqual(run.commands, ['whoami --json']);
    assert.match(run.stderr, /wrangler login.*CLOUDFLARE_API_TOKEN/);
  } finally {
    rmSync(cf.dir, { recursive: true, force: true });
  }
});
