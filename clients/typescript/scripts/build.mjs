// Builds src/ into dist/index.js (ES module, openapi-fetch bundled in) for Node
// and the `leadsbot` bin. Types come from src/ itself (package.json "types").
// Written aside and renamed into place: end-to-end files build it side by side
// (and `npm start` does), and one importing it never reads a half-written file.
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { outputFiles } = await build({
  entryPoints: [join(root, 'src/index.ts')],
  outfile: join(root, 'dist/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  logLevel: 'warning',
  write: false,
});
for (const file of outputFiles) {
  const partial = `${file.path}.${process.pid}.partial`;
  await mkdir(dirname(file.path), { recursive: true });
  await writeFile(partial, file.contents);
  await rename(partial, file.path);
}
