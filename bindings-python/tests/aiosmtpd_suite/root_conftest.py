"""Root conftest for aiosmtpd's own suite run against smtplib_rs.aiosmtpd:
registers aiosmtpd's markers and skips, with its reason, each test listed
in aiosmtpd_skips.py (every entry must match a collected test)."""

import pytest

from aiosmtpd_skips import SKIPS


def pytest_configure(config):
    for marker in ("client_data", "controller_data", "handler_data"):
        config.addinivalue_line("markers", marker)


def pytest_collection_modifyitems(config, items):
    used = set()
    for item in items:
        for pattern, reason in SKIPS.items():
            if _matches(item.nodeid, pattern):
                used.add(pattern)
                item.add_marker(pytest.mark.skip(reason=reason))
                break
    stale = set(SKIPS) - used
    if stale and not config.getoption("keyword") and not config.args[1:]:
        raise pytest.UsageError("skip entries matching no test: %s" % sorted(stale))


def _matches(nodeid, pattern):
    # "file.py::Class::test" matches that test and its parametrizations;
    # a pattern ending in "[" matches every parametrization.
    return nodeid == pattern or nodeid.startswith(pattern + "[") or (
        pattern.endswith("[") and nodeid.startswith(pattern))
