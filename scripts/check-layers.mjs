// The house rule of worker/src: rooms in layers, and every `crate::` path
// points down. A room may use its own modules and any room of a lower layer;
// never a room of its own layer or above (that is how import circles start).
// `npm test` runs this; it prints each path that breaks the order and fails.
//   node scripts/check-layers.mjs [worker/src]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** From the top down. README "How it is built" says what each room holds. */
export const LAYERS = [
  ['lib'], // the runtime's entry points: they only wire
  ['inbox'], // the /app pages, which reuse the API's handlers
  ['api'], // the JSON API: routes, their wire types, the OpenAPI document
  ['capture'], // the one capture path
  ['team'], // members' own mail: invitations, sign-in links
  ['automation', 'lifecycle'], // campaigns, workflows, follow-ups, triage; exports, summaries, erasure, retention
  ['outbox'], // jobs, channels, the consumer and the sweeper
  ['auth', 'leads', 'workspace'], // who may do what; what a lead and its events are; workspace settings
  ['app'], // the request as every handler gets it
  ['store'], // every SQL statement
  ['core'], // config, error, http, ids, platform, secrets, wire
];

const CORE = new Set(['config', 'error', 'http', 'ids', 'platform', 'secrets', 'wire']);
const layerOf = new Map(LAYERS.flatMap((rooms, layer) => rooms.map((room) => [room, layer])));

/** The room of a top-level module name (`crate::<name>`), or of a file by its path under src/. */
export function roomOf(name) {
  if (CORE.has(name)) return 'core';
  return layerOf.has(name) ? name : undefined;
}

function roomOfFile(rel) {
  const [first] = rel.split('/');
  if (rel === 'lib.rs') return 'lib';
  return roomOf(first.replace(/\.rs$/, ''));
}

/** Every `crate::<module>` a source names outside comments, with its line. */
export function cratePaths(source) {
  const found = [];
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    for (const match of code.matchAll(/\bcrate::([a-z_][a-z0-9_]*)/g)) found.push({ line: i + 1, module: match[1] });
  });
  return found;
}

/** The paths that break the order: (file, line, from room, to room). */
export function violations(files) {
  const out = [];
  for (const [rel, source] of files) {
    const from = roomOfFile(rel);
    if (from === undefined) {
      out.push({ file: rel, line: 1, reason: `${rel} is in no room (add it to LAYERS or move it)` });
      continue;
    }
    for (const { line, module } of cratePaths(source)) {
      const to = roomOf(module);
      if (to === undefined) out.push({ file: rel, line, reason: `crate::${module} is in no room` });
      else if (to !== from && layerOf.get(to) <= layerOf.get(from)) {
        const how = layerOf.get(to) === layerOf.get(from) ? 'a room beside it' : 'a room above it';
        out.push({ file: rel, line, reason: `${from} uses ${to} (crate::${module}), ${how}` });
      }
    }
  }
  return out;
}

/** Every .rs file under `dir`, as (path relative to `dir`, text). */
export function sources(dir, root = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path, root);
    return name.endsWith('.rs') ? [[relative(root, path), readFileSync(path, 'utf8')]] : [];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const src = resolve(root, process.argv[2] ?? 'worker/src');
  const found = violations(sources(src));
  for (const v of found) console.error(`${relative(root, join(src, v.file))}:${v.line}: ${v.reason}`);
  if (found.length) {
    console.error(`\n${found.length} import(s) break the layer order of worker/src (scripts/check-layers.mjs, README "How it is built").`);
    process.exit(1);
  }
  console.log('worker/src: every crate:: path points down the layers');
}
