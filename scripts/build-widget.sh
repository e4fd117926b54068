#!/usr/bin/env bash
# Builds the widget into widget/dist/, which the worker serves at the site root:
#   widget.js                  the loader sites embed (short cache: it names the others)
#   widget-<hash>.js / .wasm   the listener: wasm-bindgen glue (an ES module the
#                              loader imports) and the size-optimised module
#   widget-<hash>.js / .wasm   the same with the embedded form, for data-mode="embed"
#   _headers                   cache and CORS headers for Workers static assets
#   demo/                      the demo page `npm start` points to
# This directory is what production serves: the browser-test pages (tests/pages)
# are never copied here; tests/support/app.mjs serves them from a test-only copy.
# Hashed files never change under their name, so they are cached for a year.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

wasm_bindgen=${WASM_BINDGEN_BIN:-wasm-bindgen}
wasm_opt=${WASM_OPT_BIN:-node_modules/.bin/wasm-opt}
esbuild=node_modules/.bin/esbuild
work=target/widget-build
dist=widget/dist
fingerprint() { sha256sum "$1" | cut -c1-12; }

rm -rf "$work" "$dist" && mkdir -p "$work" "$dist/demo"

# build_variant NAME CARGO_FEATURE_FLAGS...: sets ${NAME}_glue and ${NAME}_wasm to the hashed file names.
build_variant() {
  local name=$1 out="$work/$1"
  shift
  cargo build -p leadsbot-widget --target wasm32-unknown-unknown --profile widget "$@"
  mkdir -p "$out"
  # `web` glue is an ES module the loader can import() from a classic script;
  # the wasm URL is passed in, so the glue needs no default path.
  "$wasm_bindgen" --target web --no-typescript --omit-default-module-path \
    --out-dir "$out" --out-name glue target/wasm32-unknown-unknown/widget/leadsbot_widget.wasm
  node widget/tools/short-imports.mjs "$out/glue_bg.wasm" "$out/glue.js"
  # The features rustc enables by default for wasm32; every browser with
  # WebAssembly reference types (the glue needs them) has all of these.
  # --flatten --rereloop rebuilds the control flow first (about 100 B gzip less);
  # --converge repeats -Oz until it stops shrinking; --low-memory-unused lets
  # it fold constant offsets into loads (rustc's data and stack start at 1 MiB).
  "$wasm_opt" --flatten --rereloop -Oz --converge --low-memory-unused --strip-debug --strip-producers \
    --enable-bulk-memory --enable-reference-types --enable-multivalue --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-sign-ext --strip-target-features \
    "$out/glue_bg.wasm" -o "$out/widget.wasm"
  # The loader needs only load/start/capture; the entry lets esbuild drop the rest.
  node widget/tools/glue-entry.mjs "$out/glue.js" "$out/entry.js"
  # --bundle folds widget/src/host.js (a wasm-bindgen snippet) into the glue.
  "$esbuild" "$out/entry.js" --bundle --minify --format=esm --target=es2020 --log-level=warning --outfile="$out/glue.min.js"
  local wasm_name="widget-$(fingerprint "$out/widget.wasm").wasm"
  local glue_name="widget-$(fingerprint "$out/glue.min.js").js"
  cp "$out/widget.wasm" "$dist/$wasm_name"
  cp "$out/glue.min.js" "$dist/$glue_name"
  printf -v "${name}_wasm" '%s' "$wasm_name"
  printf -v "${name}_glue" '%s' "$glue_name"
}

build_variant listener --no-default-features
build_variant embed

"$esbuild" widget/loader/widget.js --minify --target=es2020 --log-level=warning \
  --define:LISTENER_GLUE="\"$listener_glue\"" --define:LISTENER_WASM="\"$listener_wasm\"" \
  --define:EMBED_GLUE="\"$embed_glue\"" --define:EMBED_WASM="\"$embed_wasm\"" \
  --outfile="$dist/widget.js"
cp widget/demo/* "$dist/demo/"

# Sites load the glue and wasm cross-origin (import() and fetch() both need CORS).
cat > "$dist/_headers" <<HEADERS
/widget.js
  Cache-Control: public, max-age=300
  Access-Control-Allow-Origin: *
/widget-*
  Cache-Control: public, max-age=31536000, immutable
  Access-Control-Allow-Origin: *
HEADERS

# Which hashed file is which, for bench/widget.mjs (build output, not served).
printf '{"listener":{"glue":"%s","wasm":"%s"},"embed":{"glue":"%s","wasm":"%s"}}\n' \
  "$listener_glue" "$listener_wasm" "$embed_glue" "$embed_wasm" >"$work/files.json"

size() { printf '%-28s %6s bytes, %5s gzip\n' "$1" "$(wc -c <"$dist/$1")" "$(gzip -9c "$dist/$1" | wc -c)"; }
size widget.js
for file in "$listener_glue" "$listener_wasm" "$embed_glue" "$embed_wasm"; do size "$file"; done
