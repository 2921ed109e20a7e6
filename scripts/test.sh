#!/usr/bin/env bash
# The test command: set-up (tools only), lint (Rust and JS), host unit
# tests, one build of the Worker, then the end-to-end tests against real
# `wrangler dev`s.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "eslint (static/, scripts/, tests/, bench/), and static/app.js made from static/js/"
npx eslint .
node scripts/bundle.mjs --check
step "cargo fmt --check"
cargo fmt --check
step "cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
step "unit tests (host)"
cargo test --quiet
step "build the Worker (once for every end-to-end test)"
sh scripts/build.sh
step "end-to-end tests (wrangler dev, WebSocket clients, headless Chromium)"
MINI_EVENTS_PREBUILT=1 node --test --test-concurrency=1 tests/*.test.mjs
