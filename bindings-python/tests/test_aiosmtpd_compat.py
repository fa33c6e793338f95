"""aiosmtpd behaviours smtplib_rs.aiosmtpd keeps, each decided by the
engine: paths without angle brackets (the address grammar still holds);
handler-defined ``auth_<MECH>`` methods with ``challenge_auth()`` (the
engine frames the exchange: base64, 334, ``*``, line limits);
``command_call_limit`` and the limit of unknown verbs (421, then the
end); aiosmtpd's strict ASCII mode (SMTPUTF8 refused as disabled, 8-bit
data refused under ``decode_data``); ``SMTP.local_part_limit``, which may
change during a session."""

import base64
import smtplib

import pytest

from smtplib_rs.aiosmtpd.controller import Controller
from smtplib_rs.aiosmtpd.smtp import MISSING, SMTP, AuthResult, auth_mechanism

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


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


class Mechanisms:
    """Mechanisms of a handler, as aiosmtpd's docs write them."""

    def __init__(self):
        self.seen = []
        self.delivered = []

    async def auth_TOKEN(self, server, args):
        # One challenge, then the verdict on the answer.
        answer = await server.challenge_auth("token?")
        self.seen.append(("TOKEN", args, answer))
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=answer == b"sesame", auth_data=answer)

    @auth_mechanism("X-TWO-STEP")
    async def auth_two(self, server, args):
        first = await server.challenge_auth(b"one", encode_to_b64=False)
        second = await server.challenge_auth(b"two")
        self.seen.append(("X-TWO-STEP", args, first, second))
        return "login-of-" + second.decode() if first == b"a" else False

    async def auth_PLAIN(self, server, args):
        # Takes over the engine's PLAIN: sees the initial response as sent.
        self.seen.append(("PLAIN", args))
        return MISSING

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append((session.authenticated, session.auth_data))
        return "250 OK"


def authed(h, **kw):
    kw.setdefault("auth_require_tls", False)
    return serving(h, **kw)


def test_handler_mechanisms_are_offered_with_the_builtins():
    with authed(Mechanisms(), auth_exclude_mechanism=["LOGIN"]) as c:
        r = Raw(c.port)
        ehlo = r.cmd(b"EHLO c.example").split(b"\r\n")
        assert b"250-AUTH PLAIN TOKEN X-TWO-STEP" in ehlo
        r.close()


def test_challenge_answer_and_success_with_auth_result():
    h = Mechanisms()
    with authed(h) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"AUTH TOKEN") == b"334 " + b64(b"token?")
        assert r.cmd(b64(b"sesame")) == b"235 2.7.0 Authentication successful"
        assert r.cmd(b"MAIL FROM:<a@example.org>") == b"250 OK"
        assert r.cmd(b"RCPT TO:<b@example.org>") == b"250 OK"
        assert r.cmd(b"DATA").startswith(b"354")
        assert r.cmd(b"x\r\n.") == b"250 OK"
        r.close()
    assert h.seen == [("TOKEN", ["TOKEN"], b"sesame")]
    assert h.delivered == [(True, b"sesame")]


def test_wrong_answer_fails_and_a_new_attempt_may_follow():
    h = Mechanisms()
    with authed(h) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"AUTH TOKEN").startswith(b"334 ")
        assert r.cmd(b64(b"wrong")) == b"535 5.7.8 Authentication credentials invalid"
        assert r.cmd(b"AUTH TOKEN").startswith(b"334 ")
        assert r.cmd(b64(b"sesame")) == b"235 2.7.0 Authentication successful"
        r.close()


def test_two_challenges_unencoded_then_encoded():
    h = Mechanisms()
    with authed(h) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"AUTH X-TWO-STEP " + b64(b"init")) == b"334 one"
        assert r.cmd(b64(b"a")) == b"334 " + b64(b"two")
        assert r.cmd(b64(b"bob")) == b"235 2.7.0 Authentication successful"
        r.close()
    assert h.seen == [("X-TWO-STEP", ["X-TWO-STEP", b64(b"init").decode()], b"a", b"bob")]


@pytest.mark.parametrize("answer, reply", [
    (b"*", b"501 5.7.0 Auth aborted"),
    (b"%%%", b"501 5.5.2 Can't decode base64"),
])
def test_cancel_and_bad_base64_are_answered_by_the_engine(answer, reply):
    h = Mechanisms()
    with authed(h) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"AUTH TOKEN").startswith(b"334 ")
        assert r.cmd(answer) == reply
        # The exchange is over; the session goes on, not authenticated.
        assert r.cmd(b"NOOP") == b"250 OK"
        assert r.cmd(b"AUTH TOKEN").startswith(b"334 ")
        r.close()
    assert h.seen[0] == ("TOKEN", ["TOKEN"], MISSING)


def test_an_over_long_answer_ends_the_exchange():
    h = Mechanisms()
    with authed(h) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"AUTH TOKEN").startswith(b"334 ")
        # RFC 4954 §4: 12288 octets at most per SASL line.
        assert r.cmd(b"A" * 20000)[:1] == b"5"
        assert r.cmd(b"NOOP") == b"250 OK"
        r.close()
    assert h.seen == [("TOKEN", ["TOKEN"], MISSING)]


def test_handler_plain_takes_over_the_engines():
    h = Mechanisms()
    with authed(h) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        ir = b64(b"\0user\0pass")
        assert r.cmd(b"AUTH PLAIN " + ir) == b"535 5.7.8 Authentication credentials invalid"
        r.close()
    assert h.seen == [("PLAIN", ["PLAIN", ir.decode()])]


def test_smtplib_drives_a_handler_mechanism():
    h = Mechanisms()
    with authed(h) as c:
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("c.example")

            def token(challenge=None):
                assert challenge in (None, b"token?")
                return "sesame"
            s.auth("TOKEN", token, initial_response_ok=False)
            s.sendmail("a@example.org", ["b@example.org"], b"x\r\n")
    assert h.delivered == [(True, b"sesame")]


def test_command_call_limit_counts_each_verb():
    with serving(Box(), command_call_limit={"NOOP": 2, "*": 3}) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"NOOP") == b"250 OK"
        assert r.cmd(b"noop x") == b"250 OK"
        for _ in range(3):
            assert r.cmd(b"VRFY someone").startswith(b"252")
        assert r.cmd(b"NOOP") == b"421 4.7.0 NOOP sent too many times"
        assert r.closed()
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        for _ in range(3):
            assert r.cmd(b"VRFY someone").startswith(b"252")
        assert r.cmd(b"VRFY someone") == b"421 4.7.0 VRFY sent too many times"
        assert r.closed()


def test_command_call_limit_as_one_number():
    with serving(Box(), command_call_limit=2) as c:
        r = Raw(c.port)
        r.cmd(b"HELO c.example")
        assert r.cmd(b"RSET") == b"250 OK"
        assert r.cmd(b"RSET") == b"250 OK"
        # Pipelined behind the refused one, QUIT is never read.
        r.send(b"RSET\r\nQUIT\r\n")
        assert r.reply() == b"421 4.7.0 RSET sent too many times"
        assert r.closed()


def test_the_fifth_unknown_verb_ends_the_session():
    with serving(Box()) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        for i in range(4):
            assert r.cmd(b"BOGUS%d" % i) == b'500 Error: command "BOGUS%d" not recognized' % i
            assert r.cmd(b"NOOP") == b"250 OK"
        assert r.cmd(b"LASTBOGUS") == b"421 4.7.0 Too many unrecognized commands, goodbye."
        assert r.closed()


def test_smtputf8_parameter_when_disabled():
    # Controller's default is enable_SMTPUTF8=True, as aiosmtpd's.
    with serving(Box(), enable_SMTPUTF8=False) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"MAIL FROM:<a@example.org> SMTPUTF8") == b"501 Error: SMTPUTF8 disabled"
        # Another parameter not offered keeps its own wording.
        assert r.cmd(b"MAIL FROM:<a@example.org> FOO=BAR") == (
            b"555 MAIL FROM parameters not recognized or not implemented")
        r.close()
    with serving(Box(), enable_SMTPUTF8=True) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"MAIL FROM:<a@example.org> SMTPUTF8") == b"250 OK"
        r.close()


class Counting:
    """No DATA hook: aiosmtpd's strict ASCII check applies all the same."""

    def __init__(self):
        self.rcpts = 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.rcpts += 1
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.parametrize("body, reply", [
    (b"Subject: t\r\n\r\ncaf\xc3\xa9\r\n.", b"500 Error: strict ASCII mode"),
    (b"Subject: t\r\n\r\nplain\r\n.", b"250 OK"),
])
def test_decode_data_refuses_8bit_data_without_a_data_hook(body, reply):
    with serving(Counting(), decode_data=True, enable_SMTPUTF8=False) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"MAIL FROM:<a@example.org>") == b"250 OK"
        assert r.cmd(b"RCPT TO:<b@example.org>") == b"250 OK"
        assert r.cmd(b"DATA").startswith(b"354")
        assert r.cmd(body) == reply
        r.close()


class Limited(SMTP):
    local_part_limit = 8


class LimitedController(Controller):
    def factory(self):
        self.last = Limited(self.handler, **self.SMTP_kwargs)
        return self.last


def test_local_part_limit_of_a_subclass_and_changed_live():
    c = LimitedController(Box(), hostname="127.0.0.1", port=0)
    c.start()
    try:
        r = Raw(c.port)
        r.cmd(b"EHLO c.example")
        assert r.cmd(b"MAIL FROM:<abcdefgh@example.org>") == b"250 OK"
        assert r.cmd(b"RCPT TO:<abcdefghi@example.org>") == b"553 5.1.3 Error: malformed address"
        # aiosmtpd reads the attribute at each command: so does this face.
        c.last.local_part_limit = 0
        assert r.cmd(b"RCPT TO:<abcdefghi@example.org>") == b"250 OK"
        c.last.local_part_limit = 4
        assert r.cmd(b"RCPT TO:<abcde@example.org>") == b"553 5.1.3 Error: malformed address"
        r.close()
    finally:
        c.stop()
