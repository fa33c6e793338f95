"""CPython's own test_smtplib, run against smtplib_rs.

`smtplib_rs` is put in ``sys.modules['smtplib']`` before the interpreter's
``test.test_smtplib`` is imported, so every ``smtplib.X`` in it -- and every
``smtplib.socket = mock_socket`` patch -- lands on smtplib_rs. Nothing of
the test module is copied into this project.
"""

import importlib
import sys

import pytest

import smtplib_rs

from _cpython_suite import run_cpython_suite

# The number of tests in CPython 3.11's test_smtplib.
EXPECTED_TESTS = 82


@pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                    reason="the 82-test count is CPython 3.11's test_smtplib")
def test_cpython_test_smtplib_passes_against_smtplib_rs():
    try:
        importlib.import_module("test.support")
    except ImportError:  # pragma: no cover - Debian splits out the test package
        pytest.skip("this interpreter has no `test` package")
    result, log = run_cpython_suite("test.test_smtplib", "smtplib", smtplib_rs)
    problems = [f"{t}: {tb}" for t, tb in result.failures + result.errors]
    assert not problems, log
    assert result.testsRun == EXPECTED_TESTS, log
    assert not result.skipped, result.skipped
    assert result.wasSuccessful()
