"""What smtplib_rs adds: pipelining, CHUNKING, streamed bodies, correct
LMTP, more SASL mechanisms, smuggling-safe bodies, injection refusal."""

import io
import smtplib

import pytest

import smtplib_rs
from smtplib_rs import _core

PIPE = ["PIPELINING", "SIZE 10000000", "8BITMIME"]


def client(srv, cls=smtplib_rs.SMTP, **kw):
    if srv.port is None:
        return cls(srv.address, local_hostname="client.example", timeout=10, **kw)
    return cls(srv.host, srv.port, local_hostname="client.example", timeout=10, **kw)


# -- pipelining (RFC 2920) ------------------------------------------------------

def test_pipelining_used_when_offered(make_server):
    srv = make_server(extensions=PIPE)
    with client(srv) as s:
        refused = s.sendmail("me@x.org", ["a@x.org", "bad@x.org", "b@x.org"], "hello\n")
    assert refused == {"bad@x.org": (550, b"5.1.1 no such user")}
    assert ["MAIL", "RCPT", "RCPT", "RCPT", "DATA"] in srv.batches
    assert srv.transactions[0].message == b"hello\r\n"
    assert srv.transactions[0].rcpts == ["a@x.org", "b@x.org"]


def test_no_pipelining_without_the_extension(make_server):
    srv = make_server(extensions=["SIZE 1000000"])
    with client(srv) as s:
        s.sendmail("me@x.org", ["a@x.org", "b@x.org"], "hello\n")
    assert all(len(b) == 1 for b in srv.batches), srv.batches


def test_pipelining_can_be_turned_off(make_server):
    srv = make_server(extensions=PIPE)
    with client(srv) as s:
        s.use_pipelining = False
        s.sendmail("me@x.org", ["a@x.org", "b@x.org"], "hello\n")
    assert all(len(b) == 1 for b in srv.batches), srv.batches


def test_pipelined_all_recipients_refused(make_server):
    srv = make_server(extensions=PIPE)
    with client(srv) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            s.sendmail("me@x.org", ["bad1@x.org", "bad2@x.org"], "x")
        assert set(e.value.recipients) == {"bad1@x.org", "bad2@x.org"}
        # Still in step: the next transaction works.
        assert s.sendmail("me@x.org", "a@x.org", "again") == {}
    assert srv.transactions[-1].message == b"again\r\n"
    assert b"rset" in srv.commands


def test_pipelined_all_refused_but_354_sends_empty_body(make_server):
    srv = make_server(extensions=PIPE, always_354=True)
    with client(srv) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            s.sendmail("me@x.org", ["bad1@x.org"], "secret body")
        assert s.noop() == (250, b"ok")
    assert all(b"secret" not in chunk for chunk in srv.raw_in)


def test_pipelined_sender_refused(make_server):
    srv = make_server(extensions=PIPE, mail_reply="553 5.1.8 bad sender")
    with client(srv) as s:
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            s.sendmail("me@x.org", ["a@x.org"], "x")
        assert (e.value.smtp_code, e.value.sender) == (553, "me@x.org")
        srv.behaviour.mail_reply = None
        assert s.noop() == (250, b"ok")


def test_pipelined_data_refused(make_server):
    srv = make_server(extensions=PIPE, data_reply="451 4.3.0 try later")
    with client(srv) as s:
        with pytest.raises(smtplib.SMTPDataError) as e:
            s.sendmail("me@x.org", ["a@x.org"], "x")
        assert e.value.smtp_code == 451
        assert s.noop() == (250, b"ok")


def test_pipelined_results_equal_serial(make_server):
    rcpts = ["a@x.org", "bad@x.org", "c@x.org"]
    results = []
    for exts in (PIPE, ["SIZE 10000000", "8BITMIME"]):
        srv = make_server(extensions=exts)
        with client(srv) as s:
            results.append(s.sendmail("me@x.org", rcpts, b"body\r\n.dot\r\n"))
        results.append(srv.transactions[0].wire)
    assert results[0:2] == results[2:4]


# -- CHUNKING (RFC 3030) ---------------------------------------------------------

def test_chunking_is_opt_in(make_server):
    srv = make_server(extensions=PIPE + ["CHUNKING"])
    with client(srv) as s:
        s.sendmail("me@x.org", ["a@x.org"], b"one\r\n.two\r\n")
        assert b"data" in srv.commands
        s.use_chunking = True
        s.sendmail("me@x.org", ["a@x.org"], b"one\r\n.two\r\n")
    assert [c for c in srv.commands if c.startswith(b"BDAT")] == [b"BDAT 11 LAST"]
    assert srv.transactions[1].message == b"one\r\n.two\r\n"


def test_chunking_streams_large_file_in_chunks(make_server):
    srv = make_server(extensions=["CHUNKING"])
    body = (b"line .\r\n" * 300_000)  # 2.4 MB: three BDAT chunks
    with client(srv) as s:
        s.use_chunking = True
        assert s.sendmail("me@x.org", ["a@x.org", "bad@x.org"], io.BytesIO(body)) == {
            "bad@x.org": (550, b"5.1.1 no such user")}
    assert srv.transactions[0].message == body
    assert srv.transactions[0].bdat_sizes == [1 << 20, 1 << 20, len(body) - (2 << 20)]


def test_chunking_offered_but_not_used_when_absent(make_server):
    srv = make_server(extensions=PIPE)
    with client(srv) as s:
        s.use_chunking = True
        s.sendmail("me@x.org", ["a@x.org"], "x")
    assert not any(c.startswith(b"BDAT") for c in srv.commands)


# -- streamed bodies ---------------------------------------------------------------

class CountingReader(io.RawIOBase):
    def __init__(self, data):
        self.data = io.BytesIO(data)
        self.sizes = []

    def readable(self):
        return True

    def read(self, n=-1):
        self.sizes.append(n)
        return self.data.read(n)


def test_data_streams_file_like_body(make_server):
    srv = make_server(extensions=PIPE)
    body = b".leading dot\r\n" + b"x" * 3_000_000 + b"\r\n.\r\nend"
    reader = CountingReader(body)
    with client(srv) as s:
        assert s.sendmail("me@x.org", ["a@x.org"], reader) == {}
    assert all(0 < n <= 1 << 20 for n in reader.sizes), reader.sizes
    assert srv.transactions[0].message == body + b"\r\n"
    # No SIZE parameter: the length of a stream is not known up front.
    assert not any(b"size=" in c.lower() for c in srv.commands)


# -- smuggling-safe bodies and injection ---------------------------------------------

@pytest.mark.parametrize("body", [
    b"a\n.\nMAIL FROM:<x>", b"a\r.\r\nMAIL FROM:<x>", b"a\r\n.\rMAIL", b"a\n.\r\nb", b"end\r",
])
def test_bare_line_endings_never_reach_the_wire(make_server, body):
    srv = make_server(extensions=PIPE)
    with client(srv) as s:
        s.sendmail("me@x.org", ["a@x.org"], body)
        assert s.noop() == (250, b"ok")
    wire = srv.transactions[0].wire
    assert b"\r" not in wire.replace(b"\r\n", b"")
    assert b"\n" not in wire.replace(b"\r\n", b"")
    assert len(srv.transactions) == 1
    assert b"MAIL FROM:<x>" not in srv.commands


@pytest.mark.parametrize("call", [
    lambda s: s.putcmd("NOOP\r\nRSET"),
    lambda s: s.rcpt("a@b", ["NOTIFY=NEVER\nDATA"]),
    lambda s: s.sendmail("a@b", ["ok@x.org"], "x", rcpt_options=["X=1\r\nRCPT TO:<evil@x>"]),
    lambda s: s.ehlo("host\nRSET"),
])
def test_crlf_injection_refused_and_nothing_sent(make_server, call):
    srv = make_server(extensions=PIPE)
    with client(srv) as s:
        s.ehlo()
        before = list(srv.commands)
        with pytest.raises(ValueError, match="prohibited newline characters"):
            call(s)
        assert s.noop() == (250, b"ok")
    assert srv.commands[len(before)] == b"noop"
    assert not any(b"evil" in c for c in srv.commands)


def test_addresses_with_crlf_are_cut_as_smtplib_does(make_server):
    # quoteaddr() parses with email.utils.parseaddr, which stops at the line
    # break: the same (harmless) result as smtplib.
    srv = make_server(extensions=PIPE)
    with client(srv) as s:
        s.sendmail("a@b\r\nRCPT TO:<evil@x>", ["ok@x.org\nDATA"], "x")
    assert srv.commands[1:3] == [b"mail FROM:<a@b> size=1", b"rcpt TO:<ok@x.org>"]
    assert not any(b"evil" in c for c in srv.commands)


# -- LMTP (RFC 2033; CPython issue 76984) ------------------------------------------------

def lmtp(srv):
    return client(srv, smtplib_rs.LMTP)


@pytest.mark.parametrize("unix", [False, True])
def test_lmtp_per_recipient_replies(make_server, unix):
    srv = make_server(unix=unix, lmtp=True, extensions=["PIPELINING", "8BITMIME"])
    with lmtp(srv) as s:
        refused = s.sendmail("me@x.org", ["a@x.org", "full1@x.org", "bad@x.org", "b@x.org"],
                             "hello\n")
        assert refused == {"full1@x.org": (452, b"4.2.2 mailbox full"),
                           "bad@x.org": (550, b"5.1.1 no such user")}
        # In step for the next transaction.
        assert s.sendmail("me@x.org", ["c@x.org"], "second") == {}
        assert s.noop() == (250, b"ok")
    assert [t.message for t in srv.transactions] == [b"hello\r\n", b"second\r\n"]


def test_lmtp_raises_only_when_nobody_got_it(make_server):
    srv = make_server(lmtp=True)
    with lmtp(srv) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            s.sendmail("me@x.org", ["full1@x.org", "bad@x.org", "full2@x.org"], "x")
        assert e.value.recipients == {
            "full1@x.org": (452, b"4.2.2 mailbox full"),
            "bad@x.org": (550, b"5.1.1 no such user"),
            "full2@x.org": (452, b"4.2.2 mailbox full")}
        assert s.sendmail("me@x.org", ["c@x.org"], "next") == {}


def test_smtplib_lmtp_gets_out_of_step(make_server):
    # The bug smtplib_rs fixes, shown on the standard library itself.
    srv = make_server(lmtp=True)
    s = smtplib.LMTP(srv.host, srv.port, local_hostname="c", timeout=10)
    assert s.sendmail("me@x.org", ["a@x.org", "full1@x.org"], "x") == {}
    assert s.noop() != (250, b"ok")  # reads the stale per-recipient reply
    s.close()


# -- AUTH --------------------------------------------------------------------------------

@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"])
def test_login_password_mechanisms(make_server, mech):
    srv = make_server(extensions=["AUTH " + mech])
    with client(srv) as s:
        assert s.login("user", "secret") == (235, b"2.7.0 Authentication successful")
    assert srv.auth_log[0][0] == mech


@pytest.mark.parametrize("mech", ["XOAUTH2", "OAUTHBEARER"])
def test_login_oauth(make_server, mech):
    srv = make_server(extensions=["AUTH " + mech])
    with client(srv) as s:
        assert s.login("user", "token123")[0] == 235
        with pytest.raises(smtplib.SMTPAuthenticationError):
            s.login("user", "wrong")


@pytest.mark.parametrize("initial_ok", [True, False])
def test_scram_with_and_without_initial_response(make_server, initial_ok):
    srv = make_server(extensions=["AUTH SCRAM-SHA-256"])
    with client(srv) as s:
        assert s.login("user", "secret", initial_response_ok=initial_ok)[0] == 235
    assert srv.auth_log == [("SCRAM-SHA-256", initial_ok)]


def test_scram_wrong_password(make_server):
    srv = make_server(extensions=["AUTH SCRAM-SHA-256"])
    with client(srv) as s:
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.login("user", "nope")
        assert e.value.smtp_code == 535


def test_scram_server_must_prove_itself(make_server):
    srv = make_server(extensions=["AUTH SCRAM-SHA-256"])
    srv.scram_bad_server_signature = True
    s = client(srv)
    with pytest.raises(smtplib.SMTPAuthenticationError):
        s.login("user", "secret")
    s.close()


def test_login_order_is_smtplibs(make_server):
    srv = make_server(extensions=["AUTH SCRAM-SHA-256 LOGIN PLAIN CRAM-MD5"])
    with client(srv) as s:
        s.login("user", "secret")
    assert srv.auth_log[0][0] == "CRAM-MD5"


def test_login_falls_back_to_new_mechanisms(make_server):
    # Wrong password for the classic three: smtplib would give up; the
    # token still works with XOAUTH2, tried after them.
    srv = make_server(extensions=["AUTH PLAIN XOAUTH2"])
    with client(srv) as s:
        assert s.login("user", "token123")[0] == 235
    assert [m for m, _ in srv.auth_log] == ["PLAIN", "XOAUTH2"]


def test_no_suitable_mechanism(make_server):
    srv = make_server(extensions=["AUTH GSSAPI"])
    with client(srv) as s:
        with pytest.raises(smtplib.SMTPException, match="No suitable authentication"):
            s.login("user", "secret")


@pytest.mark.parametrize("exts", [PIPE, ["SIZE 1000000"]])
@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_bytes_like_bodies(make_server, exts, kind):
    srv = make_server(extensions=exts)
    with client(srv) as s:
        assert s.sendmail("me@x.org", ["a@x.org"], kind(b"one\r\n.two\r\n")) == {}
    assert srv.transactions[0].message == b"one\r\n.two\r\n"


@pytest.mark.parametrize("tls", [False, True])
def test_requiretls_rides_the_engine_only_over_tls(tls):
    # RFC 8689 §2: REQUIRETLS is for a TLS session. On a plain socket the
    # engine declines the transaction (sendmail then goes step by step and
    # the server judges); over TLS it sends it.
    machine = _core.MailMachine("client.example", False,
                                b"mx.example\nPIPELINING\nREQUIRETLS", tls=tls)
    began = machine.begin("mail FROM:<a@example.org> REQUIRETLS",
                          ["rcpt TO:<b@example.net>"], False, False)
    assert began is tls
    wire = machine.transmit()
    if tls:
        assert wire.startswith(b"mail FROM:<a@example.org> REQUIRETLS\r\n")
    else:
        assert wire == b""
