#!/usr/bin/env bash
# `npm test`: every test. Native unit tests first (fast, no runtime), then the
# built worker on wrangler dev with real local D1 and Queues, real receivers and
# real headless Chromium. Each test file starts (and stops) its own server.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

bash scripts/bootstrap.sh --browser

echo "==> The house: every crate:: path in worker/src points down the layers"
node scripts/check-layers.mjs

echo "==> Unit tests (native)"
cargo test --workspace --quiet

bash scripts/build.sh

echo "==> End-to-end tests (wrangler dev, local D1 and Queues, Chromium)"
# Files side by side, each against its own server, then the few that run alone
# (scripts/e2e.mjs says which and why; LEADSBOT_TEST_CONCURRENCY overrides how many at once).
LEADSBOT_SKIP_BUILD=1 node scripts/e2e.mjs
