// Shortens the import names wasm-bindgen generates (`__wbg_emit_78254229f2e664fe`
// from module "./glue_bg.js") to `a`, `b`, … and the module names to `m0`, `m1`,
// in both the .wasm and its glue. The hashes in those names do not compress,
// and each appears in both files. Snippet imports keep their names: the glue
// passes the snippet's module namespace, whose keys are its export names.
//   node widget/tools/short-imports.mjs glue_bg.wasm glue.js   (rewrites both in place)
import { readFileSync, writeFileSync } from "node:fs";

const [wasmPath, gluePath] = process.argv.slice(2);
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, "utf8");
const GLUE_MODULE = "./glue_bg.js";

function readLeb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return [value >>> 0, at];
}

function leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

const name = (text) => Buffer.concat([leb(Buffer.byteLength(text)), Buffer.from(text)]);
const shortName = (i) => i.toString(36).replace(/^\d/, (d) => "_" + d);

/** The import section rewritten, renaming imports from the glue module only. */
function rewriteImports(body) {
  let [count, at] = readLeb(body, 0);
  const parts = [leb(count)];
  const modules = new Map();
  let renamed = 0;
  while (count--) {
    let moduleLength, fieldLength;
    [moduleLength, at] = readLeb(body, at);
    const module = body.toString("utf8", at, (at += moduleLength));
    [fieldLength, at] = readLeb(body, at);
    const field = body.toString("utf8", at, (at += fieldLength));
    const descriptorStart = at;
    at = skipDescriptor(body, at);
    let newField = field;
    if (module === GLUE_MODULE && glue.includes(field)) {
      newField = shortName(renamed++);
      glue = glue.split(`${field}:`).join(`${newField}:`);
    }
    if (!modules.has(module)) {
      modules.set(module, `m${modules.size}`);
      glue = glue.split(`"${module}":`).join(`${modules.get(module)}:`);
    }
    parts.push(name(modules.get(module)), name(newField), body.subarray(descriptorStart, at));
  }
  return Buffer.concat(parts);
}

/** Skips an import's kind and type (function, table, memory or global). */
function skipDescriptor(body, at) {
  const kind = body[at++];
  if (kind === 0) return readLeb(body, at)[1];
  if (kind === 1) at++; // table: element type, then limits
  if (kind === 1 || kind === 2) {
    const flags = body[at++];
    at = readLeb(body, at)[1];
    return flags & 1 ? readLeb(body, at)[1] : at;
  }
  if (kind === 3) return at + 2; // global: value type, mutability
  throw new Error(`unknown import kind ${kind}`);
}

const sections = [wasm.subarray(0, 8)];
for (let at = 8; at < wasm.length; ) {
  const id = wasm[at];
  const [size, bodyStart] = readLeb(wasm, at + 1);
  const body = wasm.subarray(bodyStart, bodyStart + size);
  const newBody = id === 2 ? rewriteImports(body) : body;
  sections.push(Buffer.from([id]), leb(newBody.length), newBody);
  at = bodyStart + size;
}
writeFileSync(wasmPath, Buffer.concat(sections));
writeFileSync(gluePath, glue);
