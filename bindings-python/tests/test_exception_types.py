"""Where smtplib_rs says more than smtplib (implicit-TLS confusion, bytes
injected after STARTTLS, a reply too long), its exception is still an
instance of what smtplib raises in the same place, against the same
server, so ``except`` clauses written for smtplib catch it alike."""

import os
import smtplib
import ssl
import time

import pytest
from _scripted import ScriptServer

import smtplib_rs

CERT = os.path.join(os.path.dirname(__file__), "data", "localhost.pem")
PIPE = ["PIPELINING", "SIZE 10000000", "8BITMIME"]


def client_context():
    return ssl.create_default_context(cafile=CERT)


@pytest.fixture
def serve():
    servers = []

    def make(script):
        servers.append(ScriptServer(script))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


def raised(call):
    """The exception `call` raises (it must raise)."""
    with pytest.raises(BaseException) as e:
        call()
    return e.value


# -- SMTP_SSL to a port that speaks plain SMTP -----------------------------------

def test_smtp_ssl_to_a_plain_port_raises_smtplibs_ssl_error(make_server):
    srv = make_server()
    errors = {m: raised(lambda: m.SMTP_SSL(srv.host, srv.port, local_hostname="c",
                                           timeout=5, context=client_context()))
              for m in (smtplib, smtplib_rs)}
    ours, theirs = errors[smtplib_rs], errors[smtplib]
    assert isinstance(theirs, ssl.SSLError)
    assert type(ours) is type(theirs)
    assert (ours.args, ours.reason, ours.library) == (theirs.args, theirs.reason,
                                                      theirs.library)
    # Not an SMTPException, as smtplib's is not: `except SMTPException`
    # placed before `except ssl.SSLError` must not take it.
    assert not isinstance(ours, smtplib.SMTPException)
    assert "speaks plain SMTP; use SMTP and starttls()" in str(ours)


# -- a plain SMTP client at an implicit-TLS port ---------------------------------

def silent(conn):
    """An implicit-TLS server: waits for the client's handshake."""
    conn.recv(1024)


def test_silent_implicit_tls_port_is_what_smtplibs_timeout_raises(serve, monkeypatch):
    srv = serve(silent)
    theirs = raised(lambda: smtplib.SMTP("127.0.0.1", srv.port, local_hostname="c",
                                         timeout=0.3))
    assert isinstance(theirs, smtplib.SMTPServerDisconnected)
    monkeypatch.setattr(smtplib_rs.SMTP, "implicit_tls_ports", (srv.port,))
    monkeypatch.setattr(smtplib_rs.SMTP, "implicit_tls_probe", 0.3)
    # No timeout: smtplib would wait for ever; smtplib_rs gives up after
    # implicit_tls_probe, with an exception smtplib's callers catch.
    t0 = time.monotonic()
    ours = raised(lambda: smtplib_rs.SMTP("127.0.0.1", srv.port, local_hostname="c"))
    assert time.monotonic() - t0 < 5
    assert isinstance(ours, type(theirs))
    assert isinstance(ours, smtplib.SMTPConnectError)
    assert b"implicit TLS" in ours.smtp_error and b"use SMTP_SSL" in ours.smtp_error


TLS_ALERT = b"\x15\x03\x03\x00\x02\x02\x32"


def alert_then_wait(conn):
    conn.sendall(TLS_ALERT)
    conn.recv(1024)


def alert_then_close(conn):
    conn.sendall(TLS_ALERT)


@pytest.mark.parametrize("script, smtplib_raises", [
    # smtplib waits for the end of the line until its timeout...
    (alert_then_wait, smtplib.SMTPServerDisconnected),
    # ...or reads the record as a garbled greeting (code -1).
    (alert_then_close, smtplib.SMTPConnectError),
])
def test_tls_record_for_a_greeting_is_what_smtplib_raises(serve, script, smtplib_raises):
    srv = serve(script)
    errors = {m: raised(lambda: m.SMTP("127.0.0.1", srv.port, local_hostname="c",
                                       timeout=0.5))
              for m in (smtplib, smtplib_rs)}
    assert type(errors[smtplib]) is smtplib_raises
    ours = errors[smtplib_rs]
    assert isinstance(ours, smtplib_raises)
    assert isinstance(ours, smtplib_rs.SMTPImplicitTLSError)
    assert "implicit TLS" in str(ours)


# -- STARTTLS ---------------------------------------------------------------------

def tls_server(inject=b"", inject_later=False):
    """A script: EHLO offers STARTTLS; after its 220, `inject` in the same
    write (or a moment later), then TLS, then EHLO and QUIT."""
    def script(conn):
        f = conn.makefile("rb")
        conn.sendall(b"220 test.example ESMTP\r\n")
        assert f.readline().upper().startswith(b"EHLO")
        conn.sendall(b"250-test.example\r\n250 STARTTLS\r\n")
        assert f.readline().upper() == b"STARTTLS\r\n"
        if inject_later:
            conn.sendall(b"220 go ahead\r\n")
            time.sleep(0.1)
            conn.sendall(inject)
        else:
            conn.sendall(b"220 go ahead\r\n" + inject)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CERT)
        tls = ctx.wrap_socket(conn, server_side=True)
        f = tls.makefile("rb")
        while True:
            line = f.readline().upper()
            if not line:
                return
            if line.startswith(b"EHLO"):
                tls.sendall(b"250-test.example\r\n250 8BITMIME\r\n")
            elif line.startswith(b"QUIT"):
                tls.sendall(b"221 bye\r\n")
                return
            else:
                tls.sendall(b"250 ok\r\n")
    return script


def starttls_session(module, port):
    s = module.SMTP("127.0.0.1", port, local_hostname="c", timeout=5)
    try:
        return s, [s.starttls(context=client_context()), s.ehlo(), s.noop(), s.quit()]
    finally:
        s.close()


def test_starttls_works_as_in_smtplib(serve):
    srv = serve(tls_server())
    assert starttls_session(smtplib_rs, srv.port)[1] == starttls_session(smtplib, srv.port)[1]


def test_injection_after_starttls_is_an_ssl_error(serve):
    # RFC 3207 §5: what the server sends after its 220 and before the
    # handshake is refused. smtplib's handshake fails with SSLError on such
    # bytes (below), or drops them unseen when they came with the 220.
    srv = serve(tls_server(inject=b"250 injected\r\n"))
    s = smtplib_rs.SMTP("127.0.0.1", srv.port, local_hostname="c", timeout=5)
    e = raised(lambda: s.starttls(context=client_context()))
    assert isinstance(e, ssl.SSLError)
    assert not isinstance(e, smtplib.SMTPException)
    assert "injection" in str(e)
    assert s.sock is None


def test_injection_during_the_handshake_is_smtplibs_ssl_error(serve):
    srv = serve(tls_server(inject=b"250 injected\r\n", inject_later=True))
    errors = {}
    for m in (smtplib, smtplib_rs):
        s = m.SMTP("127.0.0.1", srv.port, local_hostname="c", timeout=5)
        errors[m] = raised(lambda: s.starttls(context=client_context()))
        s.close()
    assert isinstance(errors[smtplib], ssl.SSLError)
    assert type(errors[smtplib_rs]) is type(errors[smtplib])


# -- a reply line over smtplib's limit during sendmail -----------------------------

@pytest.mark.parametrize("exts, use_pipelining", [
    (PIPE, True),               # the engine, pipelined
    (["SIZE 1000000"], True),   # the engine, one command at a time
    (PIPE, False),              # smtplib's own calls
])
@pytest.mark.parametrize("length", [8192, 8193])
def test_reply_line_over_the_limit_in_sendmail(make_server, exts, use_pipelining, length):
    # A line of `length` octets, CRLF included: smtplib takes 8192.
    reply = "250 " + "x" * (length - 6)
    outcomes = []
    for m in (smtplib, smtplib_rs):
        srv = make_server(extensions=exts, mail_reply=reply)
        s = m.SMTP(srv.host, srv.port, local_hostname="c", timeout=5)
        s.use_pipelining = use_pipelining
        try:
            outcomes.append(("returned", s.sendmail("me@x.org", ["a@x.org"], "hi\n")))
        except smtplib.SMTPException as e:
            outcomes.append((type(e), e.args))
        outcomes.append(s.sock is None)
        s.close()
    assert outcomes[2:] == outcomes[:2]
    if length > 8192:
        assert outcomes[0] == (smtplib.SMTPResponseException, (500, "Line too long."))
