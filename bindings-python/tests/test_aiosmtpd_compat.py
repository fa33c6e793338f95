"""aiosmtpd behaviours beyond RFC 5321's strict letter that
smtplib_rs.aiosmtpd keeps, each decided by the engine: paths without
angle brackets (the address grammar still holds)."""

import pytest

from _aiosmtpd import Raw, serving


class Box:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.mark.parametrize("sep", [b"", b" ", b"  "])
def test_paths_without_angle_brackets_are_addresses(sep):
    box = Box()
    with serving(box) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"MAIL FROM:" + sep + b"anne@example.org SIZE=10") == b"250 OK"
        assert r.cmd(b"RCPT TO:" + sep + b"bart@example.org") == b"250 OK"
        assert r.cmd(b"RCPT TO:<carl@example.org>") == b"250 OK"
        assert r.cmd(b"DATA").startswith(b"354")
        assert r.cmd(b"x\r\n.") == b"250 OK"
        r.close()
    assert box.messages == [("anne@example.org", ["bart@example.org", "carl@example.org"])]


# Unbracketed, the path is still an RFC 5321 Mailbox: nothing after it can
# pass for a second address, a parameter or a line of its own.
SMUGGLED = [
    b"MAIL FROM:anne@example.org,evil@example.org",
    b"MAIL FROM:anne@example.org>",
    b"MAIL FROM:anne@example.org<evil@example.org>",
    b"MAIL FROM:anne@exa mple.org",
    b"MAIL FROM:anne@example.org\rRCPT TO:<evil@example.org>",
    b"MAIL FROM:an ne@example.org",
    b"MAIL FROM:Anne <anne@example.org>",
]


@pytest.mark.parametrize("line", SMUGGLED)
def test_unbracketed_paths_keep_the_address_grammar(line):
    box = Box()
    with serving(box) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        reply = r.cmd(line)
        assert reply[:1] == b"5", reply
        # No transaction was opened: RCPT is out of sequence.
        assert r.cmd(b"RCPT TO:<bart@example.org>") == b"503 Error: need MAIL command"
        r.close()
    assert box.messages == []


def test_unbracketed_malformed_path_is_worded_as_aiosmtpd_does():
    with serving(Box()) as c:
        r = Raw(c.port)
        r.cmd(b"HELO c.example")
        assert r.cmd(b"MAIL FROM: Anne <anne@example.org>") == b"501 Syntax: MAIL FROM: <address>"
        assert r.cmd(b"MAIL FROM: <@example.org>") == b"553 5.1.3 Error: malformed address"
        r.close()
