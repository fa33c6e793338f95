#!/usr/bin/env bash
# The client benchmark in one command (see run.mjs): installs what it needs
# (the package build, npm dev dependencies, aiosmtpd in a throw-away venv,
# Postfix's smtp-sink from apt when root), then runs the clients on one
# core and the servers on another.
#   bash bindings-wasm/bench/client/run.sh [--rounds N] [--quick] [--only smtp-sink,aiosmtpd,smtp-rs server]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PKG="$(cd "$HERE/../.." && pwd)"
[ -d "$PKG/node_modules/nodemailer" ] || (cd "$PKG" && npm ci --no-audit --no-fund)
[ -f "$PKG/pkg/smtp_rs_wasm_bg.wasm" ] || bash "$PKG/build.sh"
if ! "$PKG/.venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  python3 -m venv "$PKG/.venv"
  "$PKG/.venv/bin/pip" install -q aiosmtpd==1.4.6
fi
if [ ! -x /usr/sbin/smtp-sink ] && ! command -v smtp-sink >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null
  else
    echo "smtp-sink not found and not root: install Debian's postfix" >&2
    exit 1
  fi
fi
export AIOSMTPD_PYTHON="$PKG/.venv/bin/python"
export SMTP_SINK="$(command -v smtp-sink || echo /usr/sbin/smtp-sink)"
# Clients on CLIENT_CPU, servers on SERVER_CPU (run.mjs pins them).
export SERVER_CPU="${SERVER_CPU:-0}"
cd "$PKG"
exec taskset -c "${CLIENT_CPU:-1}" node "$HERE/run.mjs" "$@"
