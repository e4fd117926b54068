#!/usr/bin/env bash
# Builds the widget into widget/dist/, which the worker serves at the site root:
#   widget.js              the loader sites embed (short cache: it names the others)
#   widget-<hash>.js       wasm-bindgen glue, an ES module the loader imports
#   widget-<hash>.wasm     the listener itself, size-optimised
#   _headers               cache, CORS and CSP headers for Workers static assets
#   demo/, test-pages/     the demo and the browser-test pages
# Hashed files never change under their name, so they are cached for a year.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

wasm_bindgen=${WASM_BINDGEN_BIN:-wasm-bindgen}
wasm_opt=${WASM_OPT_BIN:-node_modules/.bin/wasm-opt}
esbuild=node_modules/.bin/esbuild
work=target/widget-build
dist=widget/dist

cargo build -p leadsbot-widget --target wasm32-unknown-unknown --profile widget

rm -rf "$work" && mkdir -p "$work"
# `web` glue is an ES module the loader can import() from a classic script;
# the wasm URL is passed in, so the glue needs no default path.
"$wasm_bindgen" --target web --no-typescript --omit-default-module-path \
  --out-dir "$work" --out-name glue target/wasm32-unknown-unknown/widget/leadsbot_widget.wasm
# The features rustc enables by default for wasm32; every browser with
# WebAssembly reference types (the glue needs them) has all of these.
"$wasm_opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-reference-types --enable-multivalue --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-sign-ext --strip-target-features \
  "$work/glue_bg.wasm" -o "$work/widget.wasm"
# --bundle folds widget/src/host.js (a wasm-bindgen snippet) into the glue.
"$esbuild" "$work/glue.js" --bundle --minify --format=esm --target=es2020 --log-level=warning --outfile="$work/glue.min.js"

fingerprint() { sha256sum "$1" | cut -c1-12; }
wasm_name="widget-$(fingerprint "$work/widget.wasm").wasm"
glue_name="widget-$(fingerprint "$work/glue.min.js").js"

rm -rf "$dist" && mkdir -p "$dist/demo" "$dist/test-pages"
cp "$work/widget.wasm" "$dist/$wasm_name"
cp "$work/glue.min.js" "$dist/$glue_name"
"$esbuild" widget/loader/widget.js --minify --target=es2020 --log-level=warning \
  --define:GLUE_FILE="\"$glue_name\"" --define:WASM_FILE="\"$wasm_name\"" --outfile="$dist/widget.js"
cp widget/demo/* "$dist/demo/"
cp tests/pages/* "$dist/test-pages/"

# Sites load the glue and wasm cross-origin (import() and fetch() both need CORS).
# The CSP test page gets the strictest policy the widget works under (assets
# serve `csp.html` at `/test-pages/csp`, so both paths carry it).
csp="default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'"
cat > "$dist/_headers" <<HEADERS
/widget.js
  Cache-Control: public, max-age=300
  Access-Control-Allow-Origin: *
/widget-*
  Cache-Control: public, max-age=31536000, immutable
  Access-Control-Allow-Origin: *
/test-pages/csp
  Content-Security-Policy: $csp
/test-pages/csp.html
  Content-Security-Policy: $csp
HEADERS

size() { printf '%s %s bytes, %s gzip\n' "$1" "$(wc -c <"$dist/$1")" "$(gzip -9c "$dist/$1" | wc -c)"; }
size widget.js
size "$glue_name"
size "$wasm_name"
