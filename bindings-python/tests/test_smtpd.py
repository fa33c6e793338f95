"""smtplib_rs.smtpd over real sockets: the drop-in as users run it."""

import contextlib
import importlib
import io
import os
import smtplib
import sys
import threading
import warnings

import pytest

import smtplib_rs
import smtplib_rs.server
import smtplib_rs.smtpd as smtpd
from smtplib_rs.smtpd import _loop

from _smtpd_support import Collecting, Running, Wire, asyncore_importable, wait_until

BODY = (b"From: a@example.com\r\nSubject: hi\r\n\r\n"
        b"first line\r\n.leading dot\r\n..two dots\r\nend\r\n")
# The same message as process_message gets it: dots unstuffed by the
# client's stuffing and the server's unstuffing, lines ending in '\n', no
# line break before the final dot.
DATA = (b"From: a@example.com\nSubject: hi\n\n"
        b"first line\n.leading dot\n..two dots\nend")


def test_the_loop_path_matches_the_interpreter():
    """Which loop runs: asyncore's map where asyncore imports, our own
    otherwise (Python 3.12+, or SMTPD_TEST_NO_ASYNCORE=1)."""
    if os.environ.get("SMTPD_TEST_NO_ASYNCORE") or not asyncore_importable():
        assert _loop._asyncore is None
        assert "asyncore" not in type(_loop.socket_map).__module__
        with pytest.raises(ImportError):
            importlib.import_module("asyncore")
    else:
        import asyncore
        assert _loop.socket_map is asyncore.socket_map


@pytest.mark.parametrize("client", [smtplib, smtplib_rs], ids=["smtplib", "smtplib_rs"])
def test_user_subclass_receives_mail(client):
    with Running(Collecting) as run:
        with client.SMTP(*run.address, timeout=10) as s:
            refused = s.sendmail("sender@example.com", ["a@example.org", "b@example.org"],
                                 BODY, mail_options=["BODY=8BITMIME"])
        assert refused == {}
        [(peer, mailfrom, rcpttos, data, kwargs)] = run.server.messages
    assert peer[0] == "127.0.0.1"
    assert mailfrom == "sender@example.com"
    assert rcpttos == ["a@example.org", "b@example.org"]
    assert data == DATA
    assert kwargs == {"mail_options": ["SIZE=%d" % len(BODY), "BODY=8BITMIME"],
                      "rcpt_options": []}


def test_decode_data_gives_str_and_no_options():
    with Running(Collecting, decode_data=True) as run:
        with smtplib_rs.SMTP(*run.address, timeout=10) as s:
            s.sendmail("a@example.com", ["b@example.com"],
                       "Subject: x\r\n\r\nh\u00e9llo\r\n".encode())
        [(_, _, _, data, kwargs)] = run.server.messages
    assert data == "Subject: x\n\nh\u00e9llo"
    assert kwargs == {}


def test_process_message_reply_string_is_the_reply():
    class Refusing(Collecting):
        def process_message(self, *args, **kwargs):
            return "554 No thanks"

    with Running(Refusing) as run:
        with smtplib.SMTP(*run.address, timeout=10) as s:
            with pytest.raises(smtplib.SMTPDataError) as e:
                s.sendmail("a@example.com", ["b@example.com"], BODY)
    assert (e.value.smtp_code, e.value.smtp_error) == (554, b"No thanks")


def test_process_message_exception_is_a_451_not_a_hang(capsys):
    class Broken(Collecting):
        def process_message(self, *args, **kwargs):
            raise RuntimeError("handler bug")

    with Running(Broken) as run:
        with smtplib.SMTP(*run.address, timeout=10) as s:
            with pytest.raises(smtplib.SMTPDataError) as e:
                s.sendmail("a@example.com", ["b@example.com"], BODY)
    assert e.value.smtp_code == 451
    assert "RuntimeError: handler bug" in capsys.readouterr().err


def test_bare_lf_never_ends_the_data():
    """`\\n.\\n` inside DATA is text (SMTP smuggling needs it to end the
    message); the bare LFs arrive as line breaks."""
    with Running(Collecting) as run:
        w = Wire(run.address)
        w.open_data()
        w.send(b"one\n.\nMAIL FROM:<evil@example.com>\r\n.\r\n")
        assert w.reply() == [b"250 OK"]
        w.close()
        [(_, mailfrom, _, data, _)] = run.server.messages
    assert mailfrom == "a@example.com"
    assert data == b"one\n.\nMAIL FROM:<evil@example.com>"


# -- smtpd's bugs, fixed ---------------------------------------------------------------

def test_data_then_dot_at_once_is_an_empty_message():
    """smtpd hung: its terminator needed a CRLF before the dot."""
    with Running(Collecting) as run:
        w = Wire(run.address)
        w.open_data()
        assert w.cmd(b".") == [b"250 OK"]
        w.close()
        [(_, _, _, data, _)] = run.server.messages
    assert data == b""


def test_after_552_the_channel_reads_commands_again():
    """smtpd stayed in DATA state after 'Too much mail data' and took the
    next commands for message data."""
    with Running(Collecting, data_size_limit=100) as run:
        w = Wire(run.address)
        w.open_data()
        w.send(b"x" * 300 + b"\r\n.\r\n")
        assert w.reply()[0].startswith(b"552")
        assert w.cmd(b"NOOP") == [b"250 OK"]
        assert w.cmd(b"MAIL FROM:<c@example.com>") == [b"250 OK"]
        w.cmd(b"RCPT TO:<d@example.com>")
        w.cmd(b"DATA")
        assert w.cmd(b"small\r\n.") == [b"250 OK"]
        [channel] = run.channels()
        assert channel.smtp_state == channel.COMMAND
        w.close()
        assert [m[1] for m in run.server.messages] == ["c@example.com"]


def test_idle_connection_gets_421_and_is_closed():
    class Quick(smtpd.SMTPChannel):
        idle_timeout = 0.5

    class Server(Collecting):
        channel_class = Quick

    with Running(Server) as run:
        w = Wire(run.address)
        assert w.reply()[0].startswith(b"220")
        rest = w.closed_by_peer()
        assert rest.startswith(b"421")
        assert wait_until(lambda: not run.channels())


def test_pure_proxy_relays_bytes_to_the_project_server():
    """smtpd's PureProxy raised TypeError under the default decode_data=False
    (bpo-35837)."""
    with smtplib_rs.server.Server() as remote:
        with Running(smtpd.PureProxy, remoteaddr=(remote.host, remote.port)) as run:
            with smtplib.SMTP(*run.address, timeout=10) as s:
                s.sendmail("a@example.com", ["b@example.org", "c@example.org"], BODY)
        [msg] = remote.messages
    assert msg.mail_from == "<a@example.com>"
    assert msg.rcpt_tos == ["<b@example.org>", "<c@example.org>"]
    assert msg.data == (b"From: a@example.com\r\nSubject: hi\r\nX-Peer: 127.0.0.1\r\n\r\n"
                        b"first line\r\n.leading dot\r\n..two dots\r\nend\r\n")


def test_pure_proxy_with_decode_data():
    with smtplib_rs.server.Server() as remote:
        with Running(smtpd.PureProxy, remoteaddr=(remote.host, remote.port),
                     decode_data=True) as run:
            with smtplib.SMTP(*run.address, timeout=10) as s:
                s.sendmail("a@example.com", ["b@example.org"], BODY)
        [msg] = remote.messages
    assert b"X-Peer: 127.0.0.1\r\n\r\nfirst line" in msg.data


def test_pure_proxy_says_so_when_the_relay_fails():
    """smtpd answered 250 and dropped the message."""
    with smtplib_rs.server.Server() as remote:
        closed_port = remote.port
    with Running(smtpd.PureProxy, remoteaddr=("127.0.0.1", closed_port)) as run:
        with smtplib.SMTP(*run.address, timeout=10) as s:
            with pytest.raises(smtplib.SMTPDataError) as e:
                s.sendmail("a@example.com", ["b@example.org"], BODY)
    assert e.value.smtp_code == 451


def test_pure_proxy_refuses_smtputf8():
    with pytest.raises(ValueError):
        smtpd.PureProxy(("127.0.0.1", 0), ("127.0.0.1", 9), enable_SMTPUTF8=True, map={})


def test_both_flags_raise_value_error():
    with pytest.raises(ValueError):
        smtpd.SMTPServer(("127.0.0.1", 0), None, enable_SMTPUTF8=True, decode_data=True)


# -- DebuggingServer: the same output as the standard library's ---------------------------

def _stdlib_smtpd():
    saved = sys.modules.pop("smtpd", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            module = importlib.import_module("smtpd")
    finally:
        if saved is not None:
            sys.modules["smtpd"] = saved
        else:
            sys.modules.pop("smtpd", None)
    assert module is not smtpd
    return module


def _stdlib_running(std, **kwargs):
    import asyncore
    m = {}
    server = std.DebuggingServer(("127.0.0.1", 0), None, map=m, **kwargs)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            asyncore.loop(timeout=0.05, map=m, count=1)

    t = threading.Thread(target=serve, daemon=True)
    t.start()

    def close():
        stop.set()
        t.join(10)
        asyncore.close_all(m)
    return server.socket.getsockname()[:2], close


def _session(address, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        with smtplib.SMTP(*address, timeout=10) as s:
            s.sendmail("a@example.com", ["b@example.org", "c@example.org"], kwargs["body"],
                       mail_options=kwargs.get("mail_options", ()))
            s.sendmail("<>", ["d@example.org"], b"No headers at all\r\n.\r\n")
    return out.getvalue()


def _stdlib_smtpd_importable():
    if not asyncore_importable():
        return False
    try:
        _stdlib_smtpd()
        return True
    except ImportError:
        return False


@pytest.mark.skipif(not _stdlib_smtpd_importable(),
                    reason="needs the standard library's smtpd (3.11, or standard-smtpd)")
@pytest.mark.parametrize("server_kwargs, session", [
    ({}, {"body": BODY + "caf\u00e9\r\n".encode(), "mail_options": ["BODY=8BITMIME"]}),
    ({"decode_data": True}, {"body": BODY}),
    ({"enable_SMTPUTF8": True},
     {"body": BODY + "\u00fc\r\n".encode(), "mail_options": ["BODY=8BITMIME", "SMTPUTF8"]}),
], ids=["bytes", "decode_data", "smtputf8"])
def test_debugging_server_output_is_stdlib_smtpds(server_kwargs, session):
    std = _stdlib_smtpd()
    address, close = _stdlib_running(std, **server_kwargs)
    try:
        expected = _session(address, **session)
    finally:
        close()
    with Running(smtpd.DebuggingServer, **server_kwargs) as run:
        got = _session(run.address, **session)
    assert "MESSAGE FOLLOWS" in expected
    assert got == expected


# -- the same replies as the standard library's smtpd, on the wire ------------------------

# Sessions of good and bad commands (fewer than the engine's 10 bad commands
# each); every reply must be smtpd's, byte for byte (the greeting names the
# same host: both use socket.getfqdn()).
SESSIONS = [
    [b"NOOP", b"NOOP hi", b"HELP", b"HELP mail", b"HELP spam", b"VRFY", b"VRFY someone",
     b"EXPN list", b"XYZZY", b"", b"QUIT"],
    [b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.com>", b"DATA", b"RSET x", b"EHLO",
     b"EHLO client.example", b"HELO again", b"MAIL FROM:<a@example.com> SIZE=999999999",
     b"MAIL FROM:<a@example.com> SIZE=x", b"QUIT"],
    [b"EHLO client.example", b"MAIL FROM:<a@example.com> BODY=9BIT",
     b"MAIL FROM:<a@example.com> FOO=bar", b"MAIL FROM a@example.com", b"MAIL FROM:",
     b"RCPT TO:<b@example.com>", b"MAIL FROM:eggs@example BODY=8BITMIME",
     b"MAIL FROM:<c@example.com>", b"QUIT"],
    [b"HELO client.example", b"MAIL FROM:<c@example.com> SIZE=10", b"MAIL FROM:<c@example.com>",
     b"DATA", b"RCPT TO:<b@example.com> NOTIFY=NEVER", b"RCPT TO:spam@example", b"DATA x",
     b"DATA", b"hello\r\n..dots\r\n.", b"MAIL FROM:<" + b"a" * 600 + b"@example.com>",
     b"RSET", b"QUIT now"],
]


def _replies(address):
    out = []
    for session in SESSIONS:
        w = Wire(address)
        out.append(w.reply())
        for line in session:
            out.append(w.cmd(line))
        w.close()
    return out


@pytest.mark.skipif(not _stdlib_smtpd_importable(),
                    reason="needs the standard library's smtpd (3.11, or standard-smtpd)")
def test_the_replies_are_stdlib_smtpds():
    std = _stdlib_smtpd()

    class StdSink(std.SMTPServer):
        def process_message(self, *args, **kwargs):
            return None

    import asyncore
    m = {}
    server = StdSink(("127.0.0.1", 0), None, map=m)
    stop = threading.Event()
    thread = threading.Thread(
        target=lambda: [asyncore.loop(0.05, map=m, count=1) for _ in iter(stop.is_set, True)],
        daemon=True)
    thread.start()
    try:
        expected = _replies(server.socket.getsockname()[:2])
    finally:
        stop.set()
        thread.join(10)
        asyncore.close_all(m)
    with Running(Collecting) as run:
        got = _replies(run.address)
    assert got == expected


def test_decode_data_refuses_a_message_that_is_not_utf8():
    """smtpd's channel died on UnicodeDecodeError; the client gets 554 and
    the session goes on."""
    with Running(Collecting, decode_data=True) as run:
        w = Wire(run.address)
        w.open_data()
        assert w.cmd(b"caf\xe9\r\n.")[0].startswith(b"554")
        assert w.cmd(b"NOOP") == [b"250 OK"]
        w.close()
        assert run.server.messages == []
