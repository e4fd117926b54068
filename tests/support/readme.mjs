// README.md's code blocks as examples to run (tests/readme.test.mjs). A block
// is run unless an HTML comment just before it says why not:
//   <!-- not-run: output shown, not a command -->
// and an example that shows an error answer names the statuses it shows:
//   <!-- expect-http: 404 -->
// so a new example is run by default, and any other non-2xx answer fails it.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RUNNABLE = ['sh', 'js'];
const FENCE = /^(\s*)```(\S*)\s*$/;
const MARKER = /^\s*<!--\s*(not-run|expect-http):\s*(.*?)\s*-->\s*$/;

/** Every fenced block in document order: `{ line, lang, code, notRun, expectHttp }`. */
export function readmeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(FENCE);
    if (!open) continue;
    const [, indent, lang] = open;
    const body = [];
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) body.push(lines[end++].slice(indent.length));
    const block = { line: i + 1, lang, code: `${body.join('\n')}\n`, notRun: null, expectHttp: [] };
    for (let j = i - 1; j >= 0 && MARKER.test(lines[j]); j--) {
      const [, kind, value] = lines[j].match(MARKER);
      if (kind === 'not-run') block.notRun = value;
      else block.expectHttp.push(...value.split(/[\s,]+/).map(Number));
    }
    blocks.push(block);
    i = end;
  }
  return blocks;
}

// Every HTTP answer an example gets is written to stderr as one line, by a
// `curl` function around the real one (which also fails the block on a 4xx
// or 5xx, unless the block expects one) and by a fetch observer for node.
const HTTP_LINE = /README-HTTP (\d{3}) (\S+) (\S+)/g;
const observer = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), 'readme-fetch.mjs')).href;

function curlFunction(block) {
  const fail = block.expectHttp.length ? '' : '--fail-with-body ';
  return `curl() { command curl ${fail}-w '%{stderr}README-HTTP %{http_code} %{method} %{url_effective}\\n' "$@"; }`;
}

/**
 * Runs a block in `dir` as a reader would in one terminal: the variables the
 * session file holds (npm start's export line, then what earlier blocks set)
 * are set, and what this block sets is kept for the next.
 */
export async function runBlock(block, { dir, session, timeoutMs = 120_000 }) {
  const lines = ['set -a', `source ${JSON.stringify(session)}`, 'set -euo pipefail', curlFunction(block)];
  if (block.lang === 'sh') lines.push(block.code);
  else {
    const file = join(dir, `readme-line-${block.line}.${/^import\s/m.test(block.code) || !/\brequire\(/.test(block.code) ? 'mjs' : 'cjs'}`);
    await writeFile(file, block.code);
    lines.push(`node --import ${JSON.stringify(observer)} ${JSON.stringify(file)}`);
  }
  lines.push(`export -p | grep -Ev '^declare -x (OLDPWD|PWD|SHLVL|_)=' > ${JSON.stringify(session)}`);
  const script = join(dir, `readme-line-${block.line}.sh`);
  await writeFile(script, `${lines.join('\n')}\n`);
  return new Promise((resolveRun) => {
    execFile('bash', [script], { cwd: dir, timeout: timeoutMs, env: { PATH: process.env.PATH, HOME: process.env.HOME } }, (error, stdout, stderr) => {
      const answers = [...stderr.matchAll(HTTP_LINE)].map(([, status, method, url]) => ({ status: Number(status), method, url }));
      resolveRun({ code: error ? error.code ?? error.signal : 0, stdout, stderr, answers });
    });
  });
}

/** What is wrong with a run, or null: a non-zero exit, an answer not 2xx (nor expected), an expected one missing. */
export function runProblem(block, run) {
  const shown = `--- stdout ---\n${run.stdout.slice(-3000)}\n--- stderr ---\n${run.stderr.slice(-3000)}`;
  if (run.code !== 0) return `exited with ${run.code}\n${shown}`;
  const unexpected = run.answers.filter((a) => (a.status < 200 || a.status > 299) && !block.expectHttp.includes(a.status));
  if (unexpected.length) return `answers not 2xx: ${unexpected.map((a) => `${a.status} ${a.method} ${a.url}`).join(', ')}\n${shown}`;
  const missing = block.expectHttp.filter((status) => !run.answers.some((a) => a.status === status));
  if (missing.length) return `expected an answer ${missing.join(', ')} it did not get\n${shown}`;
  return null;
}
