// README's promise (issue 24): every example runs as written, in order, on a
// fresh `npm start`. Runs the real start script on a free port with a fresh
// local database, takes the variables from the `export` line it prints, and
// replays every ```sh block with bash and every ```js block with node, as one
// terminal session would (tests/support/readme.mjs says how blocks are marked).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultLines } from './support/app.mjs';
import { npmStart } from './support/npm-start.mjs';
import { readmeBlocks, runBlock, runProblem, RUNNABLE } from './support/readme.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));

describe('README', () => {
  it('marks every block it does not run, and runs only sh and js', () => {
    assert.ok(blocks.length > 10, 'README.md has its examples');
    for (const block of blocks) {
      if (block.notRun !== null) assert.ok(block.notRun.length > 0, `README.md:${block.line}: a not-run marker says why`);
      else assert.ok(RUNNABLE.includes(block.lang), `README.md:${block.line}: a \`\`\`${block.lang} block is run only as sh or js: mark it <!-- not-run: why --> if it is not an example`);
    }
    assert.ok(blocks.some((b) => b.lang === 'js' && b.notRun === null && b.code.includes('@leadsbot/client')), 'an example uses the TypeScript client');
  });
});

describe('README examples on a fresh npm start, in order', () => {
  let server, dir, session;
  const output = () => server?.output() ?? '';
  before(async () => {
    await mkdir(join(root, '.leadsbot'), { recursive: true });
    // Inside the checkout, so the js examples import @leadsbot/client as an installed package.
    dir = await mkdtemp(join(root, '.leadsbot', 'readme-'));
    server = await npmStart({ env: { LEADSBOT_DIR: join(dir, 'leadsbot') }, timeoutMs: 10 * 60_000 });
    const exportLine = output().split('\n').find((line) => line.startsWith('export API='));
    assert.ok(exportLine, `npm start prints the examples' export line:\n${output()}`);
    assert.ok(exportLine.includes(`API=http://127.0.0.1:${server.port} `));
    session = join(dir, 'session.sh');
    await writeFile(session, `${exportLine}\n`);
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    const faults = faultLines(output());
    assert.deepEqual(faults, [], `the worker logged faults:\n${output().slice(-6000)}`);
  });

  for (const block of blocks) {
    const name = `README.md:${block.line} (${block.lang || 'no language'})`;
    if (block.notRun !== null) {
      it(name, { skip: `not run: ${block.notRun}` }, () => {});
      continue;
    }
    it(name, { timeout: 3 * 60_000 }, async (t) => {
      const run = await runBlock(block, { dir, session });
      t.diagnostic(`answers: ${run.answers.map((a) => `${a.status} ${a.method} ${new URL(a.url).pathname}`).join(', ') || 'none'}`);
      const problem = runProblem(block, run);
      assert.equal(problem, null, `README.md:${block.line} ${problem}\n--- the example ---\n${block.code}`);
    });
  }
});
