"""smtplib_rs against the standard library's smtplib: same surface, same
results, same debug output, on the same scripted server."""

import contextlib
import inspect
import io
import re
import smtplib

import pytest

import smtplib_rs

PLAIN_EXTS = ["SIZE 10000000", "8BITMIME", "HELP"]


def run_session(module, server, debuglevel=0, body="Subject: hi\n\n.dot line\nend\n",
                rcpts=("a@x.org", "bad1@x.org", "b@x.org")):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        s = module.SMTP(server.host, server.port, local_hostname="client.example",
                        timeout=10)
        s.set_debuglevel(debuglevel)
        results = [s.ehlo(), dict(s.esmtp_features), s.noop(), s.help(),
                   s.vrfy("someone"), s.sendmail("me@x.org", list(rcpts), body)]
        results.append(s.quit())
    return results, err.getvalue()


def test_exceptions_and_constants_are_the_stdlib_objects():
    for name in ["SMTPException", "SMTPNotSupportedError", "SMTPServerDisconnected",
                 "SMTPResponseException", "SMTPSenderRefused",
                 "SMTPRecipientsRefused", "SMTPDataError", "SMTPConnectError",
                 "SMTPHeloError", "SMTPAuthenticationError"]:
        assert getattr(smtplib_rs, name) is getattr(smtplib, name)
    for name in ["SMTP_PORT", "SMTP_SSL_PORT", "LMTP_PORT", "CRLF", "bCRLF"]:
        assert getattr(smtplib_rs, name) == getattr(smtplib, name)
    assert set(smtplib.__all__) <= set(smtplib_rs.__all__)


def test_public_signatures_match_smtplib():
    for cls in ("SMTP", "SMTP_SSL", "LMTP"):
        ours, theirs = getattr(smtplib_rs, cls), getattr(smtplib, cls)
        for name, member in inspect.getmembers(theirs):
            if name.startswith("_") and name not in ("__init__", "__enter__", "__exit__"):
                continue
            assert hasattr(ours, name), (cls, name)
            if inspect.isfunction(member):
                assert (inspect.signature(getattr(ours, name))
                        == inspect.signature(member)), (cls, name)
    for fn in ("quoteaddr", "quotedata"):
        assert inspect.signature(getattr(smtplib_rs, fn)) == \
            inspect.signature(getattr(smtplib, fn))


@pytest.mark.parametrize("text", [
    "abc\n.jkl\rfoo\r\n..blue", "", ".", "\r", "a\r", "\n.\n", "x\r\r\n.\r.\n",
    "héllo\n.wörld",
])
def test_quotedata_matches(text):
    assert smtplib_rs.quotedata(text) == smtplib.quotedata(text)


@pytest.mark.parametrize("addr", ["a@b.c", "<a@b.c>", "Name <a@b.c>", "weird",
                                  "", "<>", '"q u" <x@y>'])
def test_quoteaddr_matches(addr):
    assert smtplib_rs.quoteaddr(addr) == smtplib.quoteaddr(addr)


def test_same_results_as_smtplib(make_server):
    srv_std = make_server(extensions=PLAIN_EXTS)
    srv_rs = make_server(extensions=PLAIN_EXTS)
    std, _ = run_session(smtplib, srv_std)
    ours, _ = run_session(smtplib_rs, srv_rs)
    assert ours == std
    assert ours[5] == {"bad1@x.org": (550, b"5.1.1 no such user")}
    # Byte for byte: the engine writes smtplib's "mail FROM:<a> size=N".
    assert srv_rs.commands == srv_std.commands
    assert [t.wire for t in srv_rs.transactions] == [t.wire for t in srv_std.transactions]


@pytest.mark.parametrize("level", [1, 2])
def test_debug_output_matches_smtplib(make_server, level):
    srv_std = make_server(extensions=PLAIN_EXTS)
    srv_rs = make_server(extensions=PLAIN_EXTS)
    _, std = run_session(smtplib, srv_std, debuglevel=level)
    _, ours = run_session(smtplib_rs, srv_rs, debuglevel=level)
    port = re.compile(r"\b%d\b|\b%d\b" % (srv_std.port, srv_rs.port))
    stamp = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{6} ", re.M)
    norm = lambda s: stamp.sub("TIME ", port.sub("PORT", s))
    assert norm(ours) == norm(std)
    assert "reply: retcode (250); Msg: b'" in ours
    if level == 2:
        assert stamp.search(ours)


@pytest.mark.parametrize("exts", [
    ["PIPELINING", "SIZE", "AUTH=LOGIN", "AUTH PLAIN CRAM-MD5", "auth=xoauth2"],
    ["8BITMIME", "X-EXPS GSSAPI NTLM", "SIZE\t 123 ", "-BAD", "ENHANCEDSTATUSCODES"],
    ["DSN", "DSN", "AUTH", "STARTTLS", "x_under", "1NUM p q"],
])
def test_esmtp_features_match(make_server, exts):
    feats = []
    for module in (smtplib, smtplib_rs):
        srv = make_server(extensions=exts)
        with module.SMTP(srv.host, srv.port, local_hostname="c", timeout=10) as s:
            s.ehlo()
            feats.append((s.esmtp_features, s.does_esmtp, s.ehlo_resp))
    assert feats[1] == feats[0]


def test_sendmail_refusals_match_smtplib(make_server):
    for module in (smtplib, smtplib_rs):
        srv = make_server(extensions=PLAIN_EXTS)
        with module.SMTP(srv.host, srv.port, local_hostname="c", timeout=10) as s:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
                s.sendmail("me@x.org", ["bad1@x.org", "bad2@x.org"], "x")
            assert e.value.recipients == {
                "bad1@x.org": (550, b"5.1.1 no such user"),
                "bad2@x.org": (550, b"5.1.1 no such user")}
            assert s.noop() == (250, b"ok")


def test_not_connected_and_disconnect(make_server):
    s = smtplib_rs.SMTP()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        s.noop()
    srv = make_server()
    s = smtplib_rs.SMTP(srv.host, srv.port, local_hostname="c", timeout=10)
    s.quit()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        s.noop()


def test_reply_line_too_long_closes():
    import socket
    import threading
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)

    def serve():
        c, _ = lsock.accept()
        c.sendall(b"220 " + b"x" * 9000 + b"\r\n")
        c.recv(100)
        c.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    with pytest.raises(smtplib.SMTPResponseException) as e:
        smtplib_rs.SMTP("127.0.0.1", lsock.getsockname()[1], timeout=5)
    assert (e.value.smtp_code, e.value.smtp_error) == (500, "Line too long.")
    t.join(5)
    lsock.close()


WIRE_EXTS = ["SIZE 10000000", "8BITMIME", "DSN", "SMTPUTF8"]


@pytest.mark.parametrize("mail_options, rcpt_options, engine", [
    ((), (), True),
    (("BODY=8BITMIME",), ("NOTIFY=SUCCESS,FAILURE",), True),
    (("RET=HDRS", "ENVID=abc"), ("ORCPT=rfc822;a@x.org",), True),
    # Spelled or ordered otherwise than the engine writes them: smtplib's
    # own calls send them, as given.
    (("body=8bitmime",), (), False),
    (("SMTPUTF8", "BODY=8BITMIME"), (), False),
])
@pytest.mark.parametrize("pipelining", [True, False])
def test_wire_bytes_are_smtplibs_whichever_path_runs(make_server, mail_options,
                                                      rcpt_options, engine, pipelining):
    servers = []
    for module in (smtplib, smtplib_rs):
        srv = make_server(extensions=WIRE_EXTS + ["PIPELINING"] * pipelining)
        with module.SMTP(srv.host, srv.port, local_hostname="c", timeout=10) as s:
            s.sendmail("me@x.org", ["a@x.org", "bad1@x.org"], "hi\n", mail_options,
                       rcpt_options)
            if not pipelining:
                # (Pipelined, DATA goes before the refusals are known.)
                with pytest.raises(smtplib.SMTPRecipientsRefused):  # then RSET
                    s.sendmail("me@x.org", ["bad2@x.org"], "hi\n")
        servers.append(srv)
    std, ours = servers
    assert ours.commands == std.commands
    assert (b"rset" in ours.commands) == (not pipelining)
    # Pipelined in one write when the engine could write smtplib's bytes.
    assert (["MAIL", "RCPT", "RCPT", "DATA"] in ours.batches) == (engine and pipelining)
