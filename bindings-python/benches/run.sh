#!/usr/bin/env bash
# The Python benchmark in one command: installs what it needs (the package
# into the project's venv, aiosmtpd from PyPI, Postfix and its smtp-sink
# from apt when run as root, smtp-core's sink_server example), then runs
# bench_sendmail.py with the given flags.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${SMTPLIB_RS_VENV:-$ROOT/.venv}"

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT/bindings-python" aiosmtpd
if ! command -v smtp-sink >/dev/null && [ ! -x /usr/sbin/smtp-sink ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        # postfix's postinst asks for a mail setup; "No configuration" is enough.
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null
    else
        echo "smtp-sink not found and not root: install Debian's postfix to bench against it" >&2
    fi
fi
cargo build --quiet --release -p smtp-core --example sink_server
exec "$VENV/bin/python" "$HERE/bench_sendmail.py" "$@"
