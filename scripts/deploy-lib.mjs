// The decisions of `npm run deploy` (scripts/deploy.mjs) as plain functions
// over plain data: what wrangler.toml asks for, what wrangler's output says
// exists, and the local config with the learned ids. Unit-tested in
// tests/deploy-parse.test.mjs; the script around them only runs commands.
import { randomBytes } from 'node:crypto';

// Secrets the worker needs (see .dev.vars.example), each generated as
// scripts/bootstrap.sh does for local development.
export const REQUIRED_SECRETS = {
  ADMIN_TOKEN: () => randomBytes(24).toString('hex'),
  SECRETS_KEY: () => randomBytes(32).toString('base64'),
};

// What the committed config binds: the worker's name, its D1 databases, every
// queue it produces to, consumes or dead-letters into (each name once), and
// its rate limiters. `raw` is wrangler's own reading of wrangler.toml.
export function resourcesFromConfig(raw) {
  const databases = (raw.d1_databases ?? []).map((db) => ({ binding: db.binding, name: db.database_name }));
  const queues = [];
  const addQueue = (name) => name && !queues.includes(name) && queues.push(name);
  for (const producer of raw.queues?.producers ?? []) addQueue(producer.queue);
  for (const consumer of raw.queues?.consumers ?? []) {
    addQueue(consumer.queue);
    addQueue(consumer.dead_letter_queue);
  }
  const rateLimiters = (raw.ratelimits ?? []).map((limiter) => limiter.name);
  return { workerName: raw.name, databases, queues, rateLimiters };
}

// Workers Rate Limiting creates nothing ahead: a binding names its counter
// space by namespace_id. So all there is to check is the config: each binding
// has a positive integer namespace_id of its own and a simple limit and period.
// Returns what is wrong, one line each.
export function rateLimiterProblems(raw) {
  const problems = [];
  const seen = new Map();
  for (const { name, namespace_id: namespace, simple } of raw.ratelimits ?? []) {
    if (!/^[1-9]\d*$/.test(String(namespace ?? ''))) problems.push(`${name}: namespace_id must be a positive integer`);
    else if (seen.has(namespace)) problems.push(`${name}: namespace_id ${namespace} is ${seen.get(namespace)}'s too (they would share counts)`);
    else seen.set(namespace, name);
    if (!(simple?.limit > 0 && simple?.period > 0)) problems.push(`${name}: needs simple = { limit, period }`);
  }
  return problems;
}

// `wrangler d1 list --json`: an array of { uuid, name, ... }. Returns the
// uuid of the database called `name`, or null.
export function databaseIdFromList(stdout, name) {
  const list = parseJson(stdout, 'wrangler d1 list --json');
  if (!Array.isArray(list)) throw new Error('wrangler d1 list --json did not answer a list');
  return list.find((db) => db.name === name)?.uuid ?? null;
}

// `wrangler queues info <name>` has no JSON output: it prints "Queue Name: …"
// and "Queue ID: …" lines, or fails with `Queue "<name>" does not exist`.
// Returns { exists, id }; throws on any other failure (e.g. not logged in).
export function queueFromInfo({ code, stdout, stderr }, name) {
  if (code === 0) {
    const field = (label) => stdout.match(new RegExp(`^${label}:\\s*(\\S+)`, 'm'))?.[1] ?? null;
    // The lookup filters by name on the server; only an exact match counts.
    if (field('Queue Name') === name) return { exists: true, id: field('Queue ID') };
    return { exists: false, id: null };
  }
  if (`${stdout}\n${stderr}`.includes(`Queue "${name}" does not exist`)) return { exists: false, id: null };
  throw new Error(`wrangler queues info ${name} failed:\n${stderr || stdout}`);
}

// `wrangler secret list` (JSON by default): [{ name, type }]. A worker never
// deployed has no secrets yet: wrangler says `Worker "<name>" not found`.
export function secretNamesFromList({ code, stdout, stderr }, workerName) {
  if (code !== 0) {
    if (`${stdout}\n${stderr}`.includes(`Worker "${workerName}" not found`)) return [];
    throw new Error(`wrangler secret list failed:\n${stderr || stdout}`);
  }
  const list = parseJson(stdout, 'wrangler secret list');
  if (!Array.isArray(list)) throw new Error('wrangler secret list did not answer a list');
  return list.map((secret) => secret.name);
}

export function missingSecrets(existingNames) {
  return Object.keys(REQUIRED_SECRETS).filter((name) => !existingNames.includes(name));
}

// The local deploy config: wrangler.toml as written (comments and all), with
// each [[d1_databases]] block's database_id set to the id learned for its
// database_name. Throws if a database has no id or no block names it.
export function fillDatabaseIds(toml, idsByName, source = 'wrangler.toml') {
  const lines = toml.split('\n');
  const blocks = databaseBlocks(lines);
  // Edited bottom-up, so an inserted line never shifts a block still to edit.
  for (const block of blocks.reverse()) {
    const id = idsByName[block.name];
    if (id === undefined) throw new Error(`no database id learned for "${block.name}"`);
    const line = `database_id = "${id}"`;
    if (block.idLine !== null) lines[block.idLine] = line;
    else lines.splice(block.nameLine + 1, 0, line);
  }
  for (const name of Object.keys(idsByName)) {
    if (!blocks.some((block) => block.name === name)) throw new Error(`${source} has no [[d1_databases]] block for "${name}"`);
  }
  const header = `# Generated by \`npm run deploy\` from ${source} with the ids it learned; git-ignored.\n# Edit ${source}, not this file: each deploy writes it again.\n`;
  return header + lines.join('\n');
}

// Each [[d1_databases]] table: its database_name and the lines that hold it
// and its database_id (null when absent). A table ends at the next header.
function databaseBlocks(lines) {
  const blocks = [];
  let block = null;
  lines.forEach((text, i) => {
    const trimmed = text.trim();
    if (trimmed.startsWith('[')) {
      block = trimmed === '[[d1_databases]]' ? { name: null, nameLine: null, idLine: null } : null;
      if (block) blocks.push(block);
      return;
    }
    if (!block) return;
    const name = trimmed.match(/^database_name\s*=\s*"([^"]*)"/)?.[1];
    if (name !== undefined) Object.assign(block, { name, nameLine: i });
    if (/^database_id\s*=/.test(trimmed)) block.idLine = i;
  });
  return blocks;
}

// Where the deployed worker answers, from wrangler's output file (one JSON
// object a line). The `type: "deploy"` one lists its triggers as wrangler
// printed them: workers.dev URLs, custom domains ("host (custom domain…)"),
// and schedules, queue producers and consumers, which are no address.
export function deployedUrls(outputFileText) {
  for (const line of outputFileText.split('\n')) {
    let entry = null;
    try { entry = JSON.parse(line); } catch { /* not an entry */ }
    if (entry?.type !== 'deploy' || !Array.isArray(entry.targets)) continue;
    return entry.targets.flatMap((target) => {
      if (target.startsWith('https://')) return [target];
      if (target.includes(' (custom domain')) return [`https://${target.split(' ')[0]}`];
      return [];
    });
  }
  return [];
}

// A command as one shell line, for the plan and the dry run.
export function commandLine(args) {
  return ['wrangler', ...args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function parseJson(text, what) {
  // wrangler may print warnings before the JSON; it starts at the first [ or {.
  const start = text.search(/^[[{]/m);
  try {
    return JSON.parse(start >= 0 ? text.slice(start) : text);
  } catch {
    throw new Error(`${what} printed no JSON:\n${text}`);
  }
}
