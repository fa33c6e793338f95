"""CPython's own test_smtplib, run against smtplib_rs.

`smtplib_rs` is put in ``sys.modules['smtplib']`` before the interpreter's
``test.test_smtplib`` is imported, so every ``smtplib.X`` in it -- and every
``smtplib.socket = mock_socket`` patch -- lands on smtplib_rs. Nothing of
the test module is copied into this project.
"""

import importlib
import io
import sys
import unittest

import pytest

import smtplib_rs

# The number of tests in CPython 3.11's test_smtplib.
EXPECTED_TESTS = 82


def _run_cpython_suite():
    saved_smtplib = sys.modules.get("smtplib")
    saved_test = sys.modules.pop("test.test_smtplib", None)
    sys.modules["smtplib"] = smtplib_rs
    try:
        mod = importlib.import_module("test.test_smtplib")
        assert mod.smtplib is smtplib_rs
        suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
        stream = io.StringIO()
        result = unittest.TextTestRunner(stream=stream, verbosity=2).run(suite)
        return result, stream.getvalue()
    finally:
        sys.modules.pop("test.test_smtplib", None)
        if saved_test is not None:
            sys.modules["test.test_smtplib"] = saved_test
        if saved_smtplib is not None:
            sys.modules["smtplib"] = saved_smtplib
        else:
            sys.modules.pop("smtplib", None)


@pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                    reason="the 82-test count is CPython 3.11's test_smtplib")
def test_cpython_test_smtplib_passes_against_smtplib_rs():
    try:
        importlib.import_module("test.support")
    except ImportError:  # pragma: no cover - Debian splits out the test package
        pytest.skip("this interpreter has no `test` package")
    result, log = _run_cpython_suite()
    problems = [f"{t}: {tb}" for t, tb in result.failures + result.errors]
    assert not problems, log
    assert result.testsRun == EXPECTED_TESTS, log
    assert not result.skipped, result.skipped
    assert result.wasSuccessful()
