"""Fetches aiosmtpd's own test suite from its wheel on PyPI and points it at
smtplib_rs.aiosmtpd. Nothing of aiosmtpd is committed: this runs at CI
time into a throw-away directory.

    python fetch.py DEST [--wheel PATH]

Only imports are rewritten (and the dotted module paths the tests patch,
which are imports too): ``aiosmtpd.X`` -> ``smtplib_rs.aiosmtpd.X``, the
suite's own ``aiosmtpd.tests`` / ``aiosmtpd.testing`` -> the copied
``aiosmtpd_suite`` package, and pkg_resources' resource_filename -> a
local equivalent. DEST then holds ``aiosmtpd_suite/`` and a conftest.py
that applies the skip list (``skips.py``) and aiosmtpd's pytest markers.
"""

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

VERSION = "1.4.6"
HERE = pathlib.Path(__file__).resolve().parent

# Longest names first: the suite's own packages before the library's.
REWRITES = [
    (re.compile(r"\baiosmtpd\.tests\b"), "aiosmtpd_suite.tests"),
    (re.compile(r"\baiosmtpd\.testing\b"), "aiosmtpd_suite.testing"),
    (re.compile(r"(?<![\w.])aiosmtpd(?=\.(controller|smtp|handlers|lmtp|main|proxy_protocol)\b)"),
     "smtplib_rs.aiosmtpd"),
    (re.compile(r"^(\s*)from aiosmtpd import", re.M), r"\1from smtplib_rs.aiosmtpd import"),
    (re.compile(r"^from pkg_resources import resource_filename$", re.M),
     "from aiosmtpd_suite._compat import resource_filename"),
]

COMPAT = '''"""pkg_resources.resource_filename without setuptools."""
import importlib
import pathlib


def resource_filename(package, name):
    module = importlib.import_module(package)
    return str(pathlib.Path(module.__path__[0]) / name)
'''


def wheel(dest: pathlib.Path) -> pathlib.Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary", ":all:", f"aiosmtpd=={VERSION}", "-d", str(dest)],
        check=True)
    return next(dest.glob("aiosmtpd-*.whl"))


def rewrite(text: str) -> str:
    for pattern, repl in REWRITES:
        text = pattern.sub(repl, text)
    return text


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dest", type=pathlib.Path)
    ap.add_argument("--wheel", type=pathlib.Path)
    args = ap.parse_args(argv)
    pkg = args.dest / "aiosmtpd_suite"
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        whl = args.wheel or wheel(pathlib.Path(tmp))
        with zipfile.ZipFile(whl) as z:
            for name in z.namelist():
                parts = name.split("/")
                if len(parts) < 3 or parts[0] != "aiosmtpd" or parts[1] not in ("tests", "testing"):
                    continue
                target = pkg.joinpath(*parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                data = z.read(name)
                if name.endswith(".py"):
                    data = rewrite(data.decode("utf-8")).encode("utf-8")
                target.write_bytes(data)
    (pkg / "__init__.py").write_text("")
    (pkg / "_compat.py").write_text(COMPAT)
    certs = pkg / "tests" / "certs"
    if certs.is_dir() and not (certs / "__init__.py").exists():
        (certs / "__init__.py").write_text("")
    shutil.copy(HERE / "skips.py", args.dest / "aiosmtpd_skips.py")
    shutil.copy(HERE / "root_conftest.py", args.dest / "conftest.py")


if __name__ == "__main__":
    main()
