// Trims wasm-bindgen's `--target web` glue to what the widget uses, then writes
// the module esbuild bundles instead of the glue itself:
// - `load` is appended: it instantiates the fetch() the loader started, with
//   the glue's own import object, and finishes init exactly as `default` would;
// - the entry re-exports only load/start/capture, so esbuild drops the generic
//   init paths the loader never uses (initSync, the Response/bytes/Module/URL
//   dispatch and its console messages);
// - two branches that never run here are cut: the TextEncoder.encodeInto
//   polyfill (every browser with wasm reference types, which the glue needs,
//   has encodeInto) and passStringToWasm0's no-realloc path (every call passes
//   realloc; checked below); and decodeText's fresh TextDecoder after 2 GB
//   decoded (a Safari limit: the widget decodes a few kilobytes a page).
//   A wasm-bindgen upgrade that changes any of these texts fails the build
//   here rather than shipping an untrimmed or broken glue.
//   node widget/tools/glue-entry.mjs glue.js entry.js   (rewrites glue.js in place)
import { readFileSync, writeFileSync } from "node:fs";

const [gluePath, entryPath] = process.argv.slice(2);
let glue = readFileSync(gluePath, "utf8");

/** Removes the text from `from` up to (not including) `to`. */
function cut(from, to) {
  const start = glue.indexOf(from);
  const end = glue.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`glue-entry: "${from}" … "${to}" not found; has wasm-bindgen changed?`);
  glue = glue.slice(0, start) + glue.slice(end);
}

cut("if (!('encodeInto' in cachedTextEncoder))", "let WASM_VECTOR_LEN");
if (/passStringToWasm0\([^,()]+,[^,()]+\)/.test(glue)) throw new Error("glue-entry: a string is passed without realloc");
cut("    if (realloc === undefined) {", "    let len = arg.length;");
cut("const MAX_SAFARI_DECODE_BYTES", "function decodeText(bytes) {");
cut("    numBytesDecoded += bytes.length;", "    return cachedTextDecoder.decode(bytes);");

glue +=
  "\nexport async function load(response) {\n" +
  "  const { instance, module } = await WebAssembly.instantiateStreaming(response, __wbg_get_imports());\n" +
  "  return __wbg_finalize_init(instance, module);\n}\n";
writeFileSync(gluePath, glue);
writeFileSync(entryPath, 'export { load, start, capture } from "./glue.js";\n');
