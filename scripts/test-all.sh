#!/usr/bin/env bash
# Runs every test of the project. Installs what it needs itself and skips what
# is already present. Exits non-zero when any test fails.
# Env: FUZZ_SECONDS (default 10) seconds per fuzz target; SKIP_FUZZ=1 skips fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
T0=$SECONDS
step() { printf '\n=== [%4ss] %s\n' "$((SECONDS - T0))" "$*"; }

step "rust: formatting"
cargo fmt --all -- --check

step "rust: no panic reachable from peer input (clippy on smtp-core's non-test code)"
cargo clippy --locked -p smtp-core --lib -- -D warnings \
  -D clippy::unwrap_used -D clippy::expect_used -D clippy::panic -D clippy::indexing_slicing

step "rust: unit, property, integration, conformance and doc tests"
cargo test --locked --workspace --all-targets
cargo test --locked --workspace --doc

step "rust: docs build without broken links"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps -q

if [ -f bindings-python/ci.sh ]; then
  step "python: smtplib_rs pytest suite + CPython's test_smtplib"
  bash bindings-python/ci.sh
fi

step "wasm: the smtp-rs JavaScript package (Node, Deno, workerd, Chromium)"
bash bindings-wasm/ci.sh

if [ -f fuzz/run.sh ] && [ -z "${SKIP_FUZZ:-}" ]; then
  step "fuzz: every target for ${FUZZ_SECONDS:-10}s"
  bash fuzz/run.sh "${FUZZ_SECONDS:-10}"
fi

step "all tests passed"
