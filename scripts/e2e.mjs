// The end-to-end part of `npm test` (scripts/test.sh): every tests/*.test.mjs
// against the built worker. Each file starts its own wrangler dev on a free
// port with its own local D1, assets and receivers (tests/support/app.mjs), so
// files run side by side, longest first; the few in SERIAL run after them, one
// at a time. Each file's report is printed whole when it ends.
//   LEADSBOT_TEST_CONCURRENCY=N   files at once (default: the machine's cores
//                                 + 1, at most 4; 1 runs every file in turn)
//   node scripts/e2e.mjs tests/a.test.mjs …   only these files, same phases
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Run alone, after the others, and why.
const SERIAL = new Map([
  // Rewrites a follow-up's action with two `wrangler d1 execute` runs before its
  // 4 s are up; with other files starting servers those runs can take longer.
  ['follow-ups.test.mjs', 'races a 4 s follow-up against wrangler d1 runs'],
]);

// The longest files (seconds alone on 2 cores), started first so none starts last.
const LONGEST_FIRST = ['api-fuzz', 'retention', 'workflows', 'campaigns', 'delivery', 'inbox', 'api-capture', 'erasure', 'secrets-rotation']
  .map((name) => `${name}.test.mjs`);

function concurrency() {
  const asked = Number(process.env.LEADSBOT_TEST_CONCURRENCY);
  if (Number.isInteger(asked) && asked > 0) return asked;
  return Math.min(availableParallelism() + 1, 4);
}

/** Runs one file in its own `node --test`; its report is printed when it ends. */
function runFile(file) {
  const started = Date.now();
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', join('tests', file)], {
      cwd: root, env: { ...process.env, LEADSBOT_SKIP_BUILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const result = { file, passed: code === 0, seconds: Math.round((Date.now() - started) / 1000), output };
      process.stdout.write(`\n--- ${file}: ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds} s\n${output}`);
      resolveRun(result);
    });
  });
}

/** Runs `files` at most `jobs` at a time, in order. */
async function runPhase(files, jobs) {
  const queue = [...files];
  const results = [];
  const worker = async () => {
    while (queue.length) results.push(await runFile(queue.shift()));
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  return results;
}

const named = process.argv.slice(2).map((f) => basename(f));
const all = named.length ? named : readdirSync(join(root, 'tests')).filter((f) => f.endsWith('.test.mjs')).sort();
const rank = (f) => (LONGEST_FIRST.includes(f) ? LONGEST_FIRST.indexOf(f) : LONGEST_FIRST.length);
const jobs = concurrency();
const phases = [
  { name: `side by side, ${jobs} at a time`, files: all.filter((f) => !SERIAL.has(f)).sort((a, b) => rank(a) - rank(b)), jobs },
  { name: 'one at a time', files: all.filter((f) => SERIAL.has(f)), jobs: 1 },
];

const started = Date.now();
const results = [];
const lines = [];
for (const phase of phases.filter((p) => p.files.length)) {
  const label = `${phase.files.length} file${phase.files.length === 1 ? '' : 's'} ${phase.name}`;
  console.log(`\n==> End-to-end: ${label}`);
  const phaseStarted = Date.now();
  results.push(...(await runPhase(phase.files, phase.jobs)));
  lines.push(`${label}: ${Math.round((Date.now() - phaseStarted) / 1000)} s`);
}
const failed = results.filter((r) => !r.passed).map((r) => r.file);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 5).map((r) => `${r.file} ${r.seconds} s`);
console.log(`\n==> End-to-end summary\n${lines.join('\n')}\ntotal: ${Math.round((Date.now() - started) / 1000)} s; slowest: ${slowest.join(', ')}`);
// A failed file's own account of its failures (the spec reporter's closing
// "failing tests" section), repeated last: a log read from its end shows why.
for (const result of results.filter((r) => !r.passed)) {
  const at = result.output.lastIndexOf('failing tests:');
  const account = at < 0 ? result.output.split('\n').slice(-40).join('\n') : result.output.slice(at);
  console.log(`\n--- why ${result.file} failed\n${account.split('\n').slice(0, 80).join('\n')}`);
}
console.log(failed.length ? `FAILED: ${failed.join(', ')}` : `all ${results.length} files passed`);
process.exitCode = failed.length ? 1 : 0;
