// README's promise: `npm start` serves, and the curl commands it prints
// capture a lead and list it. Runs the real script, on a free port; on a
// taken one it says so and exits.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './support/app.mjs';
import { npmStart } from './support/npm-start.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The shell commands printed under a heading, joined across `\` continuations. */
function printedCommand(output, heading) {
  const after = output.split(`${heading}\n`)[1] ?? '';
  const lines = [];
  for (const line of after.split('\n')) {
    lines.push(line);
    if (!line.endsWith('\\')) break;
  }
  return lines.join('\n');
}

test('npm start prints working curl commands and an inbox link for the demo workspace', { timeout: 15 * 60_000 }, async () => {
  const server = await npmStart();
  const { port } = server;
  const output = server.output();
  try {
    assert.match(output, new RegExp(`API base\\s+http://127\\.0\\.0\\.1:${port}`));
    for (const label of ['Workspace id', 'Public token', 'API key', 'Demo page']) assert.match(output, new RegExp(label));
    assert.match(output, /\(in database (DB|DB_1) of DB and DB_1; README, "Scale-out"\)/, 'the demo workspace names its database');

    const capture = printedCommand(output, 'Capture a lead:');
    const { stdout: captured } = await promisify(execFile)('bash', ['-c', capture]);
    const lead = JSON.parse(captured);
    assert.match(lead.id, /^lead_/);
    const { stdout: listed } = await promisify(execFile)('bash', ['-c', printedCommand(output, 'List leads:')]);
    assert.ok(JSON.parse(listed).data.some((l) => l.id === lead.id && l.email === 'ada@example.com'));

    // The printed inbox link is the demo owner's (a person, not a key): on a fresh
    // checkout their invitation (a sign-in link once they accepted it), which signs
    // them in once, and the lead is in the inbox.
    const link = new URL(output.match(/Inbox\s+(\S+)/)[1]);
    assert.equal(`${link.origin}${link.pathname}`, `http://127.0.0.1:${port}/app/sign-in`);
    const [param, secret] = [...link.searchParams][0];
    assert.ok(['invitation', 'link'].includes(param), output);
    const signIn = () => fetch(`${link.origin}/app/sign-in`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ [param]: secret }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: link.origin },
    });
    const signedIn = await signIn();
    assert.equal(signedIn.status, 303);
    const cookie = signedIn.headers.get('set-cookie').split(';')[0];
    const inbox = await fetch(`${link.origin}/app`, { headers: { Cookie: cookie } });
    assert.equal(inbox.status, 200);
    const page = await inbox.text();
    assert.ok(page.includes(`/app/leads/${lead.id}`), 'the captured lead is in the inbox');
    assert.match(page, /owner@example\.com · owner/, 'signed in as the demo owner');
    assert.equal((await signIn()).status, 401, 'the link works once');

    // The printed mail folder keeps every email the worker sends, as an .eml file.
    const mailDir = output.match(/Mail folder\s+(\S+)/)?.[1];
    assert.ok(mailDir?.endsWith('/mail'), `npm start prints the mail folder:\n${output}`);
    const key = output.match(/API key\s+(\S+)/)[1];
    const api = (method, path, body) => fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
    const workflow = await (await api('POST', '/api/v1/workflows', { name: 'Start test', trigger: { event: 'lead.created' }, actions: [{ type: 'email', to: 'lead', subject: 'Hi', body: 'Hello {{lead.name}}' }] })).json();
    try {
      assert.match(workflow.id ?? '', /^wf_/, JSON.stringify(workflow));
      const address = `start-${port}@example.com`;
      await api('POST', `/api/inbound/${output.match(/Workspace id\s+(\S+)/)[1]}/leads`, { email: address });
      await waitFor(async () => {
        const names = await readdir(mailDir).catch(() => []);
        const texts = await Promise.all(names.map((n) => readFile(join(mailDir, n), 'utf8')));
        return texts.some((t) => t.includes(`To: <${address}>`));
      }, { timeoutMs: 30_000, what: 'the email in the printed mail folder' });
    } finally {
      if (workflow.id) await api('DELETE', `/api/v1/workflows/${workflow.id}`);
    }
  } finally {
    await server.stop();
  }
});

test('npm start on a taken port says so and exits, rather than waiting without a word', { timeout: 10 * 60_000 }, async () => {
  const holder = createServer();
  await new Promise((resolveListen) => holder.listen(0, '127.0.0.1', resolveListen));
  const { port } = holder.address();
  const dir = await mkdtemp(join(tmpdir(), 'leadsbot-taken-'));
  try {
    const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, PORT: String(port), LEADSBOT_DIR: dir }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise((resolveExit) => child.once('exit', resolveExit));
    assert.equal(code, 1, output);
    assert.match(output, new RegExp(`port ${port} is taken; start on another with PORT=<port> npm start`));
    assert.doesNotMatch(output, /Starting wrangler dev/);
  } finally {
    holder.close();
    await rm(dir, { recursive: true, force: true });
  }
});
