#!/bin/sh
# Builds the Worker into build/. wrangler runs this as its [build] command.
#
# worker-build would download wasm-bindgen and wasm-opt from GitHub; we point
# it at the copies the set-up installed instead (cargo's wasm-bindgen, npm's
# binaryen), so this works offline and from a plain `npx wrangler dev`.
set -eu
cd "$(dirname "$0")/.."

# The test harness builds once per run and tells the wrangler instances it
# starts to reuse that build.
if [ "${MINI_EVENTS_PREBUILT:-}" = 1 ] && [ -f build/worker/shim.mjs ]; then
  exit 0
fi

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$cargo_bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}"

for tool in worker-build "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build: $tool is missing; run the set-up first: npm run setup" >&2
    exit 1
  fi
done

worker-build --release

# worker-build keeps the WASM name section (function names for stack
# traces); it is a fifth of the file, so we drop it. Then the size passes
# worker-build ran once (-Oz) run again until they change nothing more
# (--converge: 3.5 KB less gzipped; see BENCHMARKS.md), with the features
# worker-build enables.
"$WASM_OPT_BIN" build/index_bg.wasm -o build/index_bg.wasm --strip-debug --strip-producers -Oz --converge \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling
