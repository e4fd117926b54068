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
echo "==> Building the worker (first build about 3 min, then seconds)"
(cd worker && worker-build --release)
