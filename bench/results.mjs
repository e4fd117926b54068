// Records a benchmark's figures in bench/RESULTS.md, replacing only that
// benchmark's own section, so every bench can be rerun on its own.
import { readFile, writeFile } from 'node:fs/promises';
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
