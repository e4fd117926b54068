#!/usr/bin/env bash
# Builds the widget (into widget/dist, served as static assets) and the worker
# (into worker/build). wrangler runs this before `wrangler dev`/`deploy`; the
# test and bench scripts build once and set LEADSBOT_SKIP_BUILD=1.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"
[ "${LEADSBOT_SKIP_BUILD:-}" = 1 ] && exit 0

if [ -f scripts/build-widget.sh ]; then
  echo "==> Building the widget"
  bash scripts/build-widget.sh
fi
mkdir -p widget/dist

# worker-build reruns wasm-bindgen and wasm-opt every time (a minute or more),
# so skip it when nothing the worker is built from changed since the last
# build started (a source saved during a build is newer than that, and rebuilt).
stamp=worker/build/.sources-stamp
if [ -f worker/build/index.js ] && [ -f "$stamp" ] && [ -z "$(find worker/src worker/Cargo.toml shared/src shared/Cargo.toml Cargo.toml Cargo.lock -newer "$stamp" -print -quit)" ]; then
  echo "==> The worker build is up to date"
else
  echo "==> Building the worker (first build about 3 min, then about a minute)"
  started=$(mktemp)
  (cd worker && worker-build --release)
  touch -r "$started" "$stamp"
  rm -f "$started"
fi
