// Runs the real `npm start` on a free port until it prints its summary, as a
// newcomer would, for the tests of what it prints and serves. The port is
// chosen here and can be taken before wrangler binds it; npm start then says
// so and exits, and it is run again on another.
import { spawn } from 'node:child_process';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, GaveUp, waitFor } from './app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** { child, port, output() }; stop it with `stop()`. `env` is added to this process's. */
export async function npmStart({ env = {}, timeoutMs = 14 * 60_000 } = {}) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const started = { child, port, output: () => output, stop: () => stopNpmStart(child) };
    try {
      await waitFor(() => {
        if (child.exitCode !== null) throw new GaveUp(`npm start exited:\n${output}`);
        return output.includes('Press Ctrl-C to stop.');
      }, { timeoutMs, intervalMs: 250, what: 'npm start to print its summary' });
      return started;
    } catch (error) {
      await started.stop();
      if (attempt >= 3 || !output.includes(`port ${port} is taken`)) throw error;
    }
  }
}

async function stopNpmStart(child) {
  try { process.kill(-child.pid, 'SIGTERM'); } catch {}
  await waitFor(() => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 10_000, what: 'npm start to stop' }).catch(() => {});
}
