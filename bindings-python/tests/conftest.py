import os
import sys
import tempfile

import pytest

if os.environ.get("SMTPD_TEST_NO_ASYNCORE"):
    # The code path of Python 3.12+, where asyncore is gone: it must be
    # unimportable before smtplib_rs.smtpd is first imported.
    sys.modules["asyncore"] = None
    sys.modules["asynchat"] = None

sys.path.insert(0, os.path.dirname(__file__))

from _server import Behaviour, TestServer  # noqa: E402


@pytest.fixture
def make_server():
    servers = []

    def make(unix=False, **attrs):
        b = Behaviour()
        for k, v in attrs.items():
            setattr(b, k, v)
        path = None
        if unix:
            path = os.path.join(tempfile.mkdtemp(), "lmtp.sock")
        s = TestServer(b, unix_path=path)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()
