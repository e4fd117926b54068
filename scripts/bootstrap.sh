#!/usr/bin/env bash
# Installs everything LeadsBot needs on a fresh machine, and nothing twice:
# each step checks first, so a rerun takes seconds.
#   bash scripts/bootstrap.sh            toolchain + npm packages
#   bash scripts/bootstrap.sh --browser  also Debian's Chromium (widget tests) and the
#                                        API fuzzer (schemathesis, into .venv/)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
has_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"; }

WORKER_BUILD_VERSION=0.8.7
# The CLI must equal the wasm-bindgen crate the lockfile resolved.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32-unknown-unknown target (about 30 s)"
  rustup target add wasm32-unknown-unknown
fi

if ! has_version worker-build "$WORKER_BUILD_VERSION"; then
  step "Installing worker-build $WORKER_BUILD_VERSION (about 10 min on 2 cores, once)"
  cargo install worker-build --version "=$WORKER_BUILD_VERSION" --locked
fi

if ! has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION to match Cargo.lock (about 5 min, once)"
  # Not --locked: the registry mirror can lag behind the CLI's own lockfile.
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "Installing npm packages: wrangler 4.86.0, esbuild, binaryen, the client's generator and TypeScript, test tools (about 30 s)"
  npm ci --no-audit --no-fund
fi

# The TypeScript client's JS (clients/typescript/dist, for its tests and the
# `leadsbot` bin): esbuild, well under a second, so always.
node clients/typescript/scripts/build.mjs

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null; then
  step "Installing Debian's Chromium for the browser tests (about 1 min, once)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The API fuzzer (tests/api-fuzz.test.mjs): schemathesis from PyPI, pinned in
# tests/fuzz/requirements.txt, in a project venv. Reinstalled when the pins change.
if [ "${1:-}" = "--browser" ] && { [ ! -x .venv/bin/schemathesis ] || [ tests/fuzz/requirements.txt -nt .venv/.installed ]; }; then
  step "Installing the API fuzzer (schemathesis) into .venv (about 30 s, once)"
  python=$(command -v python3 || true)
  if [ -z "$python" ] || ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
    # Debian's python3 ships venv and ensurepip separately.
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    python=$(command -v python3)
  fi
  "$python" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/fuzz/requirements.txt
  touch .venv/.installed
fi

if [ ! -f .dev.vars ]; then
  step "Writing .dev.vars with fresh local secrets (never committed)"
  {
    echo "ADMIN_TOKEN=$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
    echo "SECRETS_KEY=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')"
    echo "WEBHOOK_URL_POLICY=allow-localhost"
  } > .dev.vars
fi
