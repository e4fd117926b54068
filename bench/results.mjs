// Records a benchmark's figures in bench/RESULTS.md, replacing only that
// benchmark's own section, so every bench can be rerun on its own.
import { readFile, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const resultsPath = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const HEADER = '# Benchmark results\n\nWritten by `npm run bench` on this machine (2 cores); each section is replaced when its bench reruns.\n';

export async function recordSection(title, lines) {
  const existing = await readFile(resultsPath, 'utf8').catch(() => HEADER);
  const begin = `<!-- ${title}:begin -->`;
  const end = `<!-- ${title}:end -->`;
  const section = `${begin}\n## ${title} (${new Date().toISOString().slice(0, 10)})\n\n${lines.join('\n')}\n${end}`;
  const pattern = new RegExp(`${begin}[\\s\\S]*?${end}`);
  const next = pattern.test(existing) ? existing.replace(pattern, section) : `${existing.trimEnd()}\n\n${section}\n`;
  await writeFile(resultsPath, next);
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs `task(i)` for i in 0..total with at most `concurrency` in flight: bounded load. */
export async function forEachConcurrently(total, concurrency, task) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

/**
 * CPU milliseconds used so far by the local runtime that runs the worker
 * (the workerd process `wrangler dev` starts for it, not its proxy), or
 * NaN where /proc cannot tell. On `wrangler dev` that one process runs the
 * worker's requests, its queue consumer and local D1 on one thread.
 */
export function workerRuntimeCpuMs() {
  let total = NaN;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('workerd') || !cmdline.includes('entry=127.0.0.1:0')) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // utime and stime, in clock ticks of 10 ms.
      total = (Number.isNaN(total) ? 0 : total) + (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // The process ended while being read.
    }
  }
  return total;
}

/**
 * CPU milliseconds used so far by the workerd processes under `rootPid` (a
 * server `spawnApp` started): that one server's runtime, whatever else runs
 * on the machine. NaN where /proc cannot tell.
 */
export function serverRuntimeCpuMs(rootPid) {
  const children = new Map();
  const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const parent = Number(stat(pid)[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(pid)]);
    } catch {
      // The process ended while being read.
    }
  }
  let total = NaN;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    stack.push(...(children.get(pid) ?? []));
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd')) continue;
      const fields = stat(pid);
      // utime and stime, in clock ticks of 10 ms.
      total = (Number.isNaN(total) ? 0 : total) + (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // The process ended while being read.
    }
  }
  return total;
}
