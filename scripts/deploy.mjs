// `npm run deploy`: LeadsBot on your Cloudflare account in one command, and
// again in one command: each step finds what exists and creates only what is
// missing. `npm run deploy -- --dry-run` prints every step and the wrangler
// command it runs, and runs none (no network, no credentials).
// The ids learned go into wrangler.deploy.toml (git-ignored), generated from the
// committed wrangler.toml, which this never changes.
// LEADSBOT_WRANGLER names the wrangler to run (default: the pinned one).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimental_readRawConfig } from 'wrangler';
import {
  REQUIRED_SECRETS, commandLine, databaseIdFromList, deployedUrls, fillDatabaseIds,
  missingSecrets, queueFromInfo, rateLimiterProblems, resourcesFromConfig, secretNamesFromList,
} from './deploy-lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const COMMITTED_CONFIG = 'wrangler.toml';
const DEPLOY_CONFIG = 'wrangler.deploy.toml';
const options = process.argv.slice(2);
const dryRun = options.includes('--dry-run');
const wranglerBin = process.env.LEADSBOT_WRANGLER || join(root, 'node_modules/.bin/wrangler');

let stepNumber = 0;
const step = (title) => console.log(`\n==> ${++stepNumber}. ${title}`);
const say = (text) => console.log(`    ${text}`);

// Runs one wrangler command, printed first. `capture` keeps its output for
// parsing (wrangler's log level raised so `log` lines are printed); otherwise
// its output goes straight to the terminal. Stdin is never a terminal, so
// wrangler asks nothing (a secret's value is piped in as `input`).
function wrangler(args, { capture = false, input, env = {}, allowFailure = false } = {}) {
  say(`$ ${commandLine(args)}`);
  const result = spawnSync(wranglerBin, args, {
    cwd: root,
    encoding: 'utf8',
    input: input ?? '',
    stdio: ['pipe', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
    env: { ...process.env, WRANGLER_LOG: 'log', ...env },
  });
  if (result.error) throw new Error(`cannot run ${wranglerBin}: ${result.error.message}`);
  const outcome = { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  if (outcome.code !== 0 && !allowFailure) {
    throw new Error(`\`${commandLine(args)}\` failed (exit ${outcome.code})\n${outcome.stderr || outcome.stdout}`);
  }
  return outcome;
}

// In a dry run: the command as it would run, and the branch it may take.
const planned = (args, when) => say(`$ ${commandLine(args)}${when ? `    # ${when}` : ''}`);

function checkCredentials() {
  step('Cloudflare credentials (wrangler login or CLOUDFLARE_API_TOKEN)');
  const args = ['whoami', '--json'];
  if (dryRun) return planned(args);
  const { code, stdout, stderr } = wrangler(args, { capture: true, allowFailure: true });
  if (code !== 0) throw new Error(`not logged in to Cloudflare: run \`npx wrangler login\`, or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID if the token sees several accounts)\n${stderr || stdout}`);
  say('logged in');
}

function findOrCreateDatabase({ name, binding }) {
  step(`D1 database "${name}" (binding ${binding})`);
  const list = ['d1', 'list', '--json'];
  const create = ['d1', 'create', name];
  if (dryRun) {
    planned(list);
    planned(create, 'only if no database has this name');
    return '<database_id>';
  }
  let id = databaseIdFromList(wrangler(list, { capture: true }).stdout, name);
  if (id) {
    say(`found: ${id}`);
    return id;
  }
  wrangler(create, { capture: true });
  id = databaseIdFromList(wrangler(list, { capture: true }).stdout, name);
  if (!id) throw new Error(`created "${name}", but wrangler d1 list does not show it`);
  say(`created: ${id}`);
  return id;
}

function writeDeployConfig(idsByName) {
  step(`Local config ${DEPLOY_CONFIG} (git-ignored): ${COMMITTED_CONFIG} with the database ids`);
  if (dryRun) return say(`would write ${DEPLOY_CONFIG}; ${COMMITTED_CONFIG} stays as committed`);
  const text = fillDatabaseIds(readFileSync(join(root, COMMITTED_CONFIG), 'utf8'), idsByName, COMMITTED_CONFIG);
  writeFileSync(join(root, DEPLOY_CONFIG), text);
  // Read back the way wrangler reads it, so a wrong edit stops here.
  const written = experimental_readRawConfig({ config: join(root, DEPLOY_CONFIG) }).rawConfig;
  for (const db of written.d1_databases ?? []) {
    if (db.database_id !== idsByName[db.database_name]) throw new Error(`${DEPLOY_CONFIG}: wrong database_id for ${db.database_name}`);
  }
  say(`wrote ${DEPLOY_CONFIG}`);
}

function checkRateLimiters(raw) {
  const names = resourcesFromConfig(raw).rateLimiters;
  step(`Rate limiters (${names.length})`);
  say(names.join(', ') || 'none');
  const problems = rateLimiterProblems(raw);
  if (problems.length) throw new Error(`${COMMITTED_CONFIG} [[ratelimits]]:\n${problems.join('\n')}`);
  say(`Workers Rate Limiting needs nothing created: each binding, with its namespace_id`);
  say(`and limit from ${COMMITTED_CONFIG}, comes with the deploy.`);
}

function findOrCreateQueue(name) {
  step(`Queue "${name}"`);
  const info = ['queues', 'info', name];
  const create = ['queues', 'create', name];
  if (dryRun) {
    planned(info);
    return planned(create, 'only if it does not exist');
  }
  const queue = queueFromInfo(wrangler(info, { capture: true, allowFailure: true }), name);
  if (queue.exists) return say(`found: ${queue.id}`);
  wrangler(create, { capture: true });
  say('created');
}

function applyMigrations({ name }) {
  step(`Migrations of "${name}", on Cloudflare (only those not applied yet)`);
  const args = ['d1', 'migrations', 'apply', name, '--remote', '--config', DEPLOY_CONFIG];
  if (dryRun) return planned(args);
  wrangler(args);
}

// Returns the newly generated ADMIN_TOKEN, if this run set it.
function setMissingSecrets(workerName) {
  step(`Secrets of the worker "${workerName}": ${Object.keys(REQUIRED_SECRETS).join(', ')}`);
  const list = ['secret', 'list', '--config', DEPLOY_CONFIG];
  const put = (name) => ['secret', 'put', name, '--config', DEPLOY_CONFIG];
  if (dryRun) {
    planned(list);
    for (const name of Object.keys(REQUIRED_SECRETS)) planned(put(name), `only if ${name} is not set; a fresh value piped in`);
    return null;
  }
  const existing = secretNamesFromList(wrangler(list, { capture: true, allowFailure: true }), workerName);
  const missing = missingSecrets(existing);
  for (const name of Object.keys(REQUIRED_SECRETS)) if (!missing.includes(name)) say(`${name}: already set, kept`);
  let adminToken = null;
  for (const name of missing) {
    const value = REQUIRED_SECRETS[name]();
    wrangler(put(name), { capture: true, input: value });
    say(`${name}: generated and set`);
    if (name === 'ADMIN_TOKEN') {
      adminToken = value;
      say(`ADMIN_TOKEN is ${value}`);
      say('Save it now: Cloudflare keeps it as a secret that cannot be read back.');
    }
  }
  return adminToken;
}

// Builds (wrangler runs the [build] command) and deploys, its output live;
// returns the URLs from wrangler's output file.
function buildAndDeploy() {
  step('Build and deploy');
  const args = ['deploy', '--config', DEPLOY_CONFIG];
  if (dryRun) return planned(args), [];
  const outputDir = mkdtempSync(join(tmpdir(), 'leadsbot-deploy-'));
  const outputFile = join(outputDir, 'wrangler-output.json');
  try {
    wrangler(args, { env: { WRANGLER_OUTPUT_FILE_PATH: outputFile } });
    return deployedUrls(existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : '');
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
}

function summary(urls, adminToken) {
  console.log(dryRun ? '\nDry run: nothing was run or changed.' : '\nLeadsBot is deployed.');
  if (dryRun) return;
  say(`URL          ${urls.join(', ') || '(see wrangler deploy output above)'}`);
  say(adminToken
    ? `Admin token  ${adminToken}   (new: shown by this run only, save it)`
    : 'Admin token  the ADMIN_TOKEN Worker secret set by an earlier deploy (not readable; replace it with `npx wrangler secret put ADMIN_TOKEN`)');
  say(`Local config ${DEPLOY_CONFIG} (git-ignored)`);
}

function main() {
  const unknown = options.filter((option) => option !== '--dry-run');
  if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')} (usage: npm run deploy [-- --dry-run])`);
  console.log(`LeadsBot deploy${dryRun ? ' (dry run: prints each step, runs nothing)' : ''}`);
  const raw = experimental_readRawConfig({ config: join(root, COMMITTED_CONFIG) }).rawConfig;
  const resources = resourcesFromConfig(raw);
  checkRateLimiters(raw);
  checkCredentials();
  const ids = {};
  for (const db of resources.databases) ids[db.name] = findOrCreateDatabase(db);
  writeDeployConfig(ids);
  for (const queue of resources.queues) findOrCreateQueue(queue);
  for (const db of resources.databases) applyMigrations(db);
  const adminToken = setMissingSecrets(resources.workerName);
  summary(buildAndDeploy(), adminToken);
}

try {
  main();
} catch (error) {
  console.error(`\ndeploy stopped: ${error.message}`);
  process.exit(1);
}
