// The TypeScript client as users get it: built from clients/typescript/src
// into dist/ (esbuild, a fraction of a second) and imported from there.
import { execFileSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const clientDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../clients/typescript');

export async function builtClient() {
  execFileSync(process.execPath, [join(clientDir, 'scripts/build.mjs')], { stdio: 'inherit' });
  return import(join(clientDir, 'dist/index.js'));
}
