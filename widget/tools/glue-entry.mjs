// Appends a `load` export to wasm-bindgen's `--target web` glue and writes the
// module esbuild bundles instead of the glue itself: it re-exports only what
// the loader calls, so esbuild drops the generic init paths the loader never
// uses (initSync, the Response/bytes/Module/URL dispatch and its console
// messages). `load` instantiates the fetch() the loader started, with the
// glue's own import object, and finishes init exactly as `default` would.
//   node widget/tools/glue-entry.mjs glue.js entry.js
import { appendFileSync, writeFileSync } from "node:fs";

const [gluePath, entryPath] = process.argv.slice(2);
appendFileSync(
  gluePath,
  "\nexport async function load(response) {\n" +
    "  const { instance, module } = await WebAssembly.instantiateStreaming(response, __wbg_get_imports());\n" +
    "  return __wbg_finalize_init(instance, module);\n}\n",
);
writeFileSync(entryPath, 'export { load, start, capture } from "./glue.js";\n');
