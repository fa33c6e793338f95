"""CPython's own test_smtpd, run against smtplib_rs.smtpd.

``smtplib_rs.smtpd`` is put in ``sys.modules['smtpd']`` before the
interpreter's ``test.test_smtpd`` is imported, so every ``smtpd.X`` in it --
and every ``smtpd.socket = mock_socket`` and ``smtpd.DEBUGSTREAM`` patch --
lands on smtplib_rs.smtpd. The tests drive channels synchronously
(``channel.handle_read()`` on a mock socket), which the channel supports.
Nothing of the test module is copied into this project.
"""

import importlib
import sys

import pytest

import smtplib_rs.smtpd

from _cpython_suite import run_cpython_suite
from _smtpd_support import asyncore_importable

# The number of tests in CPython 3.11's test_smtpd.
EXPECTED_TESTS = 153


@pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                    reason="the 153-test count is CPython 3.11's test_smtpd")
@pytest.mark.skipif(not asyncore_importable(),
                    reason="CPython's test_smtpd imports asyncore itself")
def test_cpython_test_smtpd_passes_against_smtplib_rs_smtpd():
    try:
        importlib.import_module("test.support")
    except ImportError:  # pragma: no cover - Debian splits out the test package
        pytest.skip("this interpreter has no `test` package")
    result, log = run_cpython_suite("test.test_smtpd", "smtpd", smtplib_rs.smtpd)
    problems = [f"{t}: {tb}" for t, tb in result.failures + result.errors]
    assert not problems, log
    assert result.testsRun == EXPECTED_TESTS, log
    assert not result.skipped, result.skipped
    assert result.wasSuccessful()
