"""Code that wraps or patches the methods smtplib's sendmail goes through
(send, putcmd, getreply...) sees the calls smtplib makes: sendmail then
takes smtplib's step-by-step path, even when the server offers PIPELINING.

Each case runs the same wrapper around smtplib and smtplib_rs, each against
its own scripted server, and compares what the wrapper saw.
"""

import smtplib
from unittest import mock

import pytest

import smtplib_rs

PIPE = ["PIPELINING", "SIZE 10000000", "8BITMIME"]
BODY = "Subject: hi\r\n\r\n.dot\r\nend\r\n"
RCPTS = ["a@x.org", "bad1@x.org", "b@x.org"]


def connect(module, srv, cls=None):
    cls = cls or module.SMTP
    return cls(srv.host, srv.port, local_hostname="client.example", timeout=10)


def transaction(s):
    return s.sendmail("me@x.org", RCPTS, BODY), s.quit()


def subclass_of(module, name):
    """A subclass whose `name` records its arguments and result."""
    def wrapper(self, *args):
        result = getattr(module.SMTP, name)(self, *args)
        if self.seen is not None:  # None while the constructor connects
            self.seen.append((args, result))
        return result
    return type("Recording", (module.SMTP,), {name: wrapper, "seen": None})


@pytest.mark.parametrize("name", ["send", "putcmd", "getreply", "mail", "rcpt", "data"])
def test_subclass_override_sees_smtplibs_calls(make_server, name):
    seen = {}
    for module in (smtplib, smtplib_rs):
        srv = make_server(extensions=PIPE)
        s = connect(module, srv, subclass_of(module, name))
        s.seen = []
        result = transaction(s)
        seen[module] = (s.seen, result)
    assert seen[smtplib_rs] == seen[smtplib]
    assert seen[smtplib][0]


def test_send_override_sees_smtplibs_arguments(make_server):
    srv = make_server(extensions=PIPE)
    s = connect(smtplib_rs, srv, subclass_of(smtplib_rs, "send"))
    s.seen = []
    s.sendmail("me@x.org", ["a@x.org"], BODY)
    sent = [args[0] for args, _ in s.seen]
    # smtplib's own text: str commands in its case, the body as bytes.
    assert sent == ["ehlo client.example\r\n",
                    "mail FROM:<me@x.org> size=%d\r\n" % len(BODY),
                    "rcpt TO:<a@x.org>\r\n",
                    "data\r\n",
                    b"Subject: hi\r\n\r\n..dot\r\nend\r\n.\r\n"]
    s.close()


def test_instance_attribute_send_sees_smtplibs_calls(make_server):
    seen = {}
    for module in (smtplib, smtplib_rs):
        srv = make_server(extensions=PIPE)
        s = connect(module, srv)
        calls = []
        original = s.send

        def send(data, original=original, calls=calls):
            calls.append(data)
            return original(data)
        s.send = send
        seen[module] = (calls, transaction(s))
    assert seen[smtplib_rs] == seen[smtplib]
    assert any(isinstance(c, str) and c.startswith("data") for c in seen[smtplib_rs][0])


def test_send_patched_after_import_sees_smtplibs_calls(make_server):
    seen = {}
    for module in (smtplib, smtplib_rs):
        srv = make_server(extensions=PIPE)
        s = connect(module, srv)
        with mock.patch.object(module.SMTP, "send", autospec=True,
                               side_effect=module.SMTP.send) as patched:
            result = transaction(s)
        seen[module] = ([c.args[1:] for c in patched.call_args_list], result)
    assert seen[smtplib_rs] == seen[smtplib]
    assert ("data\r\n",) in seen[smtplib_rs][0]


def test_engine_path_again_once_the_patch_is_gone(make_server):
    srv = make_server(extensions=PIPE)
    s = connect(smtplib_rs, srv)
    with mock.patch.object(smtplib_rs.SMTP, "send", autospec=True,
                           side_effect=smtplib_rs.SMTP.send):
        s.sendmail("me@x.org", ["a@x.org", "b@x.org"], BODY)
    s.sendmail("me@x.org", ["a@x.org", "b@x.org"], BODY)
    s.quit()
    # First one command per write (smtplib's calls), then pipelined.
    assert ["MAIL"] in srv.batches and ["RCPT"] in srv.batches
    assert ["MAIL", "RCPT", "RCPT", "DATA"] in srv.batches
