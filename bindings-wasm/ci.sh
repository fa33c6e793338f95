#!/usr/bin/env bash
# Builds the `smtp-rs` JavaScript package and runs every one of its tests:
# node --test (sans-IO verbs, conformance transcripts, bad input), the
# runtimes (Node, Deno, workerd, tsc), and the playground in headless
# Chromium. Installs what is missing and skips what is present: the wasm32
# Rust target and the wasm-bindgen CLI (build.sh, cached in <repo>/.tools),
# the npm dev dependencies (`npm ci` from package-lock.json, redone only
# when the lockfile changes), and Debian's chromium (only as root; without
# it the browser test is skipped). Called by scripts/test-all.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
T0=$SECONDS
step() { printf '\n=== [wasm %4ss] %s\n' "$((SECONDS - T0))" "$*"; }

step "system packages: chromium for the playground test"
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
  else
    echo "no /usr/bin/chromium and not root: the playground test will be skipped"
  fi
fi

step "npm dev dependencies (npm ci)"
STAMP="$HERE/node_modules/.smtp-rs-lock"
LOCK_SUM=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$LOCK_SUM" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund)
  echo "$LOCK_SUM" >"$STAMP"
fi

step "aiosmtpd for the client tests (throw-away venv, once); openssl makes their test CA"
if ! command -v openssl >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssl
fi
if ! "$HERE/.venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  python3 -m venv "$HERE/.venv"
  "$HERE/.venv/bin/pip" install -q aiosmtpd==1.4.6
fi
export AIOSMTPD_PYTHON="$HERE/.venv/bin/python"

step "build (cargo wasm32 release, wasm-bindgen --target web, wasm-opt)"
bash "$HERE/build.sh"

step "node --test: verbs, transcripts, bad input, runtimes, playground, the client (own server, aiosmtpd, nodemailer, Deno, workerd)"
cd "$HERE"
node --test test/*.test.mjs

step "wasm: all tests passed"
