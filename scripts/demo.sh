#!/usr/bin/env bash
# The main job, end to end on a fresh machine:
# 1. the Rust client and server machines talk to each other in memory;
# 2. `smtplib_rs` (installed into a throw-away venv, as a user installs it)
#    sends mail over loopback to the project's own server.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== 1. smtp-core: client <-> server in memory"
cargo run -q -p smtp-core --example in_memory_session

echo
echo "== 2. smtplib_rs (drop-in smtplib) -> smtplib_rs.server on 127.0.0.1"
VENV=${SMTPLIB_RS_VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target} \
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check ./bindings-python
"$VENV/bin/python" -m smtplib_rs.demo
