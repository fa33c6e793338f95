#!/usr/bin/env bash
# CI for bindings-python: a throw-away venv, the package installed the way a
# user installs it (`pip install ./bindings-python[test]`), then pytest run
# from outside the source tree so only the installed package imports. The
# suite includes CPython's own test_smtplib and test_smtpd run against
# smtplib_rs. smtplib_rs.smtpd's tests then run again on the code path of
# Python 3.12+ (asyncore unimportable), and on a real 3.13 or 3.12 when the
# machine has one (PATH or pyenv); Debian 12 packages neither.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="${SMTPLIB_RS_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# Share cargo's build cache with the workspace so a warm rebuild is quick.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$HERE[test]"

RUN_DIR="$(mktemp -d)"
trap 'rm -rf "$RUN_DIR"' EXIT
cp -r "$HERE/tests" "$RUN_DIR/tests"
cp -r "$HERE/examples" "$RUN_DIR/examples"
cd "$RUN_DIR"
# Exit 5 (no tests collected) must fail CI too: `set -e` sees it as non-zero.
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"

# aiosmtpd's own test suite against smtplib_rs.aiosmtpd: fetched from its
# wheel on PyPI into this throw-away directory (never committed), imports
# rewritten; tests we do not run are listed with reasons in
# tests/aiosmtpd_suite/skips.py. Skip with SMTPLIB_RS_NO_AIOSMTPD_SUITE=1.
if [ -z "${SMTPLIB_RS_NO_AIOSMTPD_SUITE:-}" ]; then
    "$VENV/bin/python" "$HERE/tests/aiosmtpd_suite/fetch.py" "$RUN_DIR/aiosmtpd-suite"
    (cd "$RUN_DIR/aiosmtpd-suite" && \
        "$VENV/bin/python" -m pytest -q -p no:cacheprovider aiosmtpd_suite/tests)
fi

SMTPD_TESTS=(tests/test_smtpd.py tests/test_smtpd_channel.py tests/test_smtpd_cli.py
             tests/test_smtpd_limits.py)
echo "--- smtplib_rs.smtpd without asyncore (the path of Python 3.12+)"
SMTPD_TEST_NO_ASYNCORE=1 "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${SMTPD_TESTS[@]}"

# A Python without smtpd and asyncore, if this machine has one.
NEWER=""
for candidate in python3.13 python3.12; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import venv" 2>/dev/null; then
        NEWER="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$NEWER" ] && command -v pyenv >/dev/null 2>&1; then
    for dir in "$(pyenv root)"/versions/3.13* "$(pyenv root)"/versions/3.12*; do
        if [ -x "$dir/bin/python3" ]; then
            NEWER="$dir/bin/python3"
            break
        fi
    done
fi
if [ -n "$NEWER" ]; then
    NEWER_VENV="$ROOT/.venv-$("$NEWER" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    echo "--- smtplib_rs.smtpd on $("$NEWER" --version)"
    [ -x "$NEWER_VENV/bin/python" ] || "$NEWER" -m venv "$NEWER_VENV"
    "$NEWER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$HERE[test]"
    "$NEWER_VENV/bin/python" -m pytest -q -p no:cacheprovider "${SMTPD_TESTS[@]}"
    echo "--- ... and with the standard-asyncore backport: asyncore.loop() scripts"
    "$NEWER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$HERE[test,asyncore]"
    "$NEWER_VENV/bin/python" -m pytest -q -p no:cacheprovider tests/test_smtpd.py tests/test_smtpd_cli.py
    "$NEWER_VENV/bin/python" -m pip uninstall --quiet --yes standard-asyncore
else
    echo "--- no Python 3.12/3.13 on this machine: the run without asyncore above stands for it"
fi
