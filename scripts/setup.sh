#!/usr/bin/env bash
# Installs what building and running Mini Events needs, skipping whatever is
# already there at the right version. Safe to run again and again.
#
#   scripts/setup.sh          tools: wasm32 target, worker-build, wasm-bindgen, npm packages
#   scripts/setup.sh --dev    also .dev.vars and a local D1 with the schema
#   scripts/setup.sh --test   also Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"
export WRANGLER_SEND_METRICS=false

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
# The first x.y.z a command prints about its version, or nothing.
version_of() { "$@" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true; }

# 1. Rust's WASM target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. worker-build, which wrangler's [build] command runs.
if [ "$(version_of worker-build)" != "$WORKER_BUILD_VERSION" ]; then
  say "installing worker-build $WORKER_BUILD_VERSION (takes a few minutes)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked
fi

# 3. wasm-bindgen-cli at exactly the version Cargo.lock resolves (the two must
#    match and nothing else checks). No --locked: one of its locked
#    dependencies is gone from the registry.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -z "$bindgen_version" ]; then
  echo "setup: no wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if [ "$(version_of wasm-bindgen)" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (takes a few minutes)"
  cargo install wasm-bindgen-cli --version "=$bindgen_version"
fi

# 4. npm packages (wrangler, binaryen's wasm-opt, test tools), when the lock
#    file changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.mini-events-lock
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

# 5. Chromium for the browser tests (Debian's package: test tools cannot
#    download their own browsers here).
if [ "${1:-}" = "--test" ]; then
  if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser tests"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
  exit 0
fi

[ "${1:-}" = "--dev" ] || exit 0

# 6. Local secrets: a bot token only this machine knows, and the dev user as
#    admin. Never overwrites an existing file.
if [ ! -f .dev.vars ]; then
  say "writing .dev.vars with a local bot token"
  (
    umask 077 # readable by this user only
    {
      echo "BOT_TOKEN=\"100000:local-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')\""
      echo 'ADMIN_IDS="10001"'
    } > .dev.vars
  )
fi
chmod 600 .dev.vars

# 7. The local D1: the schema (safe to repeat; the dev command adds the demo
#    events through the running Worker).
say "applying schema.sql to the local D1"
npx wrangler d1 execute DB --local --file schema.sql >/dev/null
