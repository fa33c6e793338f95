#!/usr/bin/env bash
# Parser speed, WebAssembly vs native, on the inputs of core/benches, side
# by side in one run, plus the size of the package's .wasm (raw, gzipped).
# Both halves are the same Rust code (src/lib.rs), built with the package's
# release settings; the wasm half also goes through wasm-opt -Oz as the
# package does. Pinned to one core (BENCH_CPU, default 1).
# Usage: bash bindings-wasm/bench/run.sh [rounds]   (default 8)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PKG="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$PKG/.." && pwd)"
export PATH="${WASM_TOOLS:-$ROOT/.tools}/bin:$PATH"
cd "$ROOT"

[ -f "$PKG/pkg/smtp_rs_wasm_bg.wasm" ] || bash "$PKG/build.sh"

export CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128"
cargo build --release --locked -q -p smtp-rs-wasm-bench --bin native
cargo build --release --locked -q -p smtp-rs-wasm-bench --lib --target wasm32-unknown-unknown
rm -rf "$HERE/pkg"
wasm-bindgen --target web --out-dir "$HERE/pkg" \
  "$ROOT/target/wasm32-unknown-unknown/release/smtp_rs_wasm_bench.wasm"
"$PKG/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd \
  "$HERE/pkg/smtp_rs_wasm_bench_bg.wasm" -o "$HERE/pkg/smtp_rs_wasm_bench_bg.wasm"

taskset -c "${BENCH_CPU:-1}" node "$HERE/run.mjs" "$ROOT/target/release/native" "${1:-8}"
