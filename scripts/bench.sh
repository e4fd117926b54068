#!/usr/bin/env bash
# `npm run bench`: speed and size figures, printed as ratios and recorded in
# bench/RESULTS.md. Not a test: nothing here passes or fails on timing.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"
bash scripts/bootstrap.sh --browser
bash scripts/build.sh
export LEADSBOT_SKIP_BUILD=1
# Through wrangler's dev proxy, as every figure in bench/RESULTS.md was measured;
# the tests go straight to the runtime (scripts/dev-server.mjs says why).
export LEADSBOT_DEV_DIRECT=0
for bench in capture shards delivery widget export inbox workflows; do
  if [ -f "bench/$bench.mjs" ]; then
    echo "==> bench/$bench.mjs"
    node "bench/$bench.mjs"
  fi
done
