"""smtplib_rs.aiosmtpd: STARTTLS (offered, required, injection discarded),
implicit TLS, and AUTH with each mechanism the engine runs."""

import base64
import smtplib
import ssl

import pytest

import smtplib_rs
from smtplib_rs.aiosmtpd.handlers import Sink
from smtplib_rs.aiosmtpd.smtp import AuthResult, LoginPassword, ScramLookup

from _aiosmtpd import Raw, client_context, make_cert, serving, server_context

MSG = b"Subject: t\r\n\r\nbody\r\n"
USERS = {b"alice": b"wonderland"}
TOKENS = {b"alice": b"tok-123"}


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_cert(str(tmp_path_factory.mktemp("cert")))


class Keep:
    def __init__(self):
        self.sessions = []

    async def handle_DATA(self, server, session, envelope):
        self.sessions.append((session.ssl is not None, session.authenticated,
                              session.auth_data, envelope.content))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, ScramLookup):
        password = USERS.get(auth_data.login)
        return AuthResult(success=password is not None, auth_data=password)
    login, secret = auth_data
    table = TOKENS if mechanism in ("XOAUTH2", "OAUTHBEARER") else USERS
    if table.get(login) == secret:
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)


def test_starttls_then_mail(cert):
    h = Keep()
    with serving(h, tls_context=server_context(*cert)) as c:
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("e.example")
            assert s.has_extn("starttls")
            s.starttls(context=client_context(cert[0]))
            s.ehlo("e.example")
            assert not s.has_extn("starttls")
            s.sendmail("a@example.org", ["b@example.org"], MSG)
    assert h.sessions[0][0] is True and h.sessions[0][3] == MSG


def test_starttls_required_refuses_mail_before_it(cert):
    with serving(Sink(), tls_context=server_context(*cert), require_starttls=True) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO e.example")
        assert r.cmd(b"MAIL FROM:<a@example.org>").startswith(b"530")
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.starttls(context=client_context(cert[0]))
            s.ehlo("e.example")
            assert s.sendmail("a@example.org", ["b@example.org"], MSG) == {}


def test_starttls_required_refuses_all_but_noop_ehlo_starttls_quit(cert):
    # RFC 3207 §4, as aiosmtpd's require_starttls.
    first = b"530 Must issue a STARTTLS command first"
    with serving(Keep(), tls_context=server_context(*cert), require_starttls=True) as c:
        r = Raw(c.port)
        assert r.cmd(b"HELO e.example") == first
        assert r.cmd(b"HELP") == first
        assert r.cmd(b"EHLO e.example").startswith(b"250-")
        for line in (b"VRFY a@example.org", b"RCPT TO:<b@example.org>", b"DATA", b"RSET"):
            assert r.cmd(line) == first, line
        assert r.cmd(b"NOOP") == b"250 OK"
        assert r.cmd(b"QUIT") == b"221 Bye"
        r.close()


def test_bare_auth_before_tls_says_tls_first(cert):
    with serving(Keep(), tls_context=server_context(*cert),
                 authenticator=authenticator) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO e.example")
        # aiosmtpd checks for TLS before AUTH's argument.
        assert r.cmd(b"AUTH ") == (
            b"538 5.7.11 Encryption required for requested authentication mechanism")
        r.close()


def test_pipelined_starttls_injection_is_discarded(cert):
    """CVE-2011-0411 class: commands sent with STARTTLS before the
    handshake must never be run, not even after it."""
    h = Keep()
    with serving(h, tls_context=server_context(*cert)) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO e.example")
        r.send(b"STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\n")
        assert r.reply() == b"220 Ready to start TLS"
        tls = client_context(cert[0]).wrap_socket(r.sock, server_hostname="localhost")
        r.sock = tls
        r.buf = b""
        r.cmd(b"EHLO e.example")
        # Had the MAIL been kept, this would be 503 (nested MAIL).
        assert r.cmd(b"MAIL FROM:<good@example.org>") == b"250 OK"
        assert r.cmd(b"RCPT TO:<b@example.org>") == b"250 OK"
        assert r.cmd(b"DATA").startswith(b"354")
        assert r.cmd(b"ok\r\n.") == b"250 OK"
    assert len(h.sessions) == 1


def test_implicit_tls(cert):
    h = Keep()
    with serving(h, ssl_context=server_context(*cert)) as c:
        with smtplib.SMTP_SSL("127.0.0.1", c.port, context=client_context(cert[0])) as s:
            code, msg = s.ehlo("e.example")
            assert b"STARTTLS" not in msg
            s.sendmail("a@example.org", ["b@example.org"], MSG)
    assert h.sessions[0][0] is True


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_auth_plain_and_login_through_authenticator(mechanism):
    h = Keep()
    with serving(h, authenticator=authenticator, auth_require_tls=False) as c:
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("e.example")
            s.user, s.password = "alice", "wonderland"
            code, _ = s.auth(mechanism.lower(), getattr(s, "auth_" + mechanism.lower()))
            assert code == 235
            s.sendmail("a@example.org", ["b@example.org"], MSG)
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("e.example")
            with pytest.raises(smtplib.SMTPAuthenticationError) as e:
                s.login("alice", "wrong")
            assert e.value.smtp_code == 535
    assert h.sessions[0][1] is True
    assert h.sessions[0][2] == LoginPassword(b"alice", b"wonderland")


def test_auth_callback_legacy():
    seen = []

    def callback(mechanism, login, password):
        seen.append((mechanism, login, password))
        return password == b"pw"

    with serving(Sink(), auth_callback=callback, auth_require_tls=False) as c:
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("e.example")
            assert s.login("bob", "pw")[0] == 235
    assert seen == [("PLAIN", b"bob", b"pw")] or seen == [("LOGIN", b"bob", b"pw")]


def test_auth_needs_tls_by_default(cert):
    with serving(Sink(), authenticator=authenticator, tls_context=server_context(*cert)) as c:
        r = Raw(c.port)
        assert b"AUTH" not in r.cmd(b"EHLO e.example")
        assert r.cmd(b"AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=").startswith(b"538")
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.starttls(context=client_context(cert[0]))
            s.ehlo("e.example")
            assert s.login("alice", "wonderland")[0] == 235


def test_auth_required_refuses_mail_before_auth():
    with pytest.warns(UserWarning):
        with serving(Sink(), authenticator=authenticator, auth_require_tls=False,
                     auth_required=True) as c:
            r = Raw(c.port)
            r.cmd(b"EHLO e.example")
            assert r.cmd(b"MAIL FROM:<a@example.org>").startswith(b"530")
            creds = base64.b64encode(b"\0alice\0wonderland")
            assert r.cmd(b"AUTH PLAIN " + creds).startswith(b"235")
            assert r.cmd(b"MAIL FROM:<a@example.org>") == b"250 OK"


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"])
def test_engine_mechanisms_beyond_aiosmtpd(mechanism):
    h = Keep()
    with serving(h, authenticator=authenticator, auth_require_tls=False,
                 extra_auth_mechanisms=[mechanism], auth_exclude_mechanism=["PLAIN", "LOGIN"]) as c:
        secret = "tok-123" if mechanism != "SCRAM-SHA-256" else "wonderland"
        with smtplib_rs.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("e.example")
            assert s.esmtp_features["auth"].split() == [mechanism]
            assert s.login("alice", secret)[0] == 235
            s.sendmail("a@example.org", ["b@example.org"], MSG)
        with smtplib_rs.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("e.example")
            with pytest.raises(smtplib.SMTPAuthenticationError):
                s.login("alice", "wrong-" + secret)
    assert h.sessions[0][1] is True
    assert h.sessions[0][3] == MSG


def test_unknown_extra_mechanism_is_refused():
    with pytest.raises(ValueError, match="extra_auth_mechanisms"):
        serving(Sink(), extra_auth_mechanisms=["GSSAPI"]).__enter__()
