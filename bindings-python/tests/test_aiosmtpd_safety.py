"""smtplib_rs.aiosmtpd against hostile or broken peers: SMTP smuggling,
bare line endings, idle timeout, PROXY headers, a client vanishing
mid-DATA, a garbage flood (memory stays flat)."""

import os
import socket
import struct
import time

import pytest

from smtplib_rs.aiosmtpd.handlers import Sink

from _aiosmtpd import Raw, current_rss_kib, serving, wait_until

HEAVY = bool(os.environ.get("SMTPLIB_RS_HEAVY"))


class Box:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def start_message(r: Raw, sender=b"a@example.org"):
    r.cmd(b"EHLO c.example")
    assert r.cmd(b"MAIL FROM:<" + sender + b">") == b"250 OK"
    assert r.cmd(b"RCPT TO:<b@example.org>") == b"250 OK"
    assert r.cmd(b"DATA").startswith(b"354")


# Each hides a second transaction behind an end-of-data that is not
# CR LF . CR LF (SMTP smuggling, 2023).
SMUGGLING = {
    "lf-dot-lf": b"\n.\n",
    "lf-dot-crlf": b"\n.\r\n",
    "crlf-dot-lf": b"\r\n.\n",
    "cr-dot-cr": b"\r.\r",
    "cr-dot-crlf": b"\r.\r\n",
    "crlf-dot-cr": b"\r\n.\r",
}


@pytest.mark.parametrize("fake_end", SMUGGLING.values(), ids=SMUGGLING.keys())
def test_smuggled_transaction_never_becomes_a_message(fake_end):
    box = Box()
    with serving(box) as c:
        r = Raw(c.port)
        start_message(r)
        r.send(b"Subject: one\r\n\r\nfirst" + fake_end +
               b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n"
               b"Subject: smuggled\r\n\r\nsecond\r\n.\r\n")
        assert r.reply() == b"250 OK"
        assert r.cmd(b"QUIT") == b"221 Bye"
    assert len(box.messages) == 1
    mail_from, rcpts, content = box.messages[0]
    assert (mail_from, rcpts) == ("a@example.org", ["b@example.org"])
    # The would-be commands stayed data, with every line ending CRLF.
    assert b"MAIL FROM:<evil@example.org>" in content and b"smuggled" in content
    assert content.count(b"\n") == content.count(b"\r\n")
    assert content.count(b"\r") == content.count(b"\r\n")


def test_command_ended_by_bare_lf_is_refused():
    with serving(Sink()) as c:
        r = Raw(c.port)
        r.send(b"NOOP\nNOOP\r\n")
        assert r.reply().startswith(b"500")
        assert r.reply() == b"250 OK"


def test_idle_timeout_says_421_and_closes():
    with serving(Sink(), timeout=0.5) as c:
        r = Raw(c.port)
        assert r.cmd(b"NOOP") == b"250 OK"
        t0 = time.monotonic()
        assert r.reply().startswith(b"421")
        assert r.closed(5)
        assert 0.4 < time.monotonic() - t0 < 3


def test_client_vanishing_mid_data_loses_nothing_acknowledged():
    box = Box()
    with serving(box) as c:
        r = Raw(c.port)
        start_message(r)
        assert r.cmd(b"Subject: kept\r\n\r\nfirst\r\n.") == b"250 OK"
        assert r.cmd(b"MAIL FROM:<a@example.org>") == b"250 OK"
        assert r.cmd(b"RCPT TO:<b@example.org>") == b"250 OK"
        assert r.cmd(b"DATA").startswith(b"354")
        r.send(b"Subject: lost\r\n\r\nhalf a mess")
        # RST, not FIN: the peer is gone.
        r.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        r.close()
        # The server is still serving others afterwards.
        r2 = Raw(c.port)
        assert r2.cmd(b"NOOP") == b"250 OK"
    assert [m[2] for m in box.messages] == [b"Subject: kept\r\n\r\nfirst\r\n"]


class ProxyPeeker(Sink):
    def __init__(self, verdict=True):
        self.seen = []
        self.verdict = verdict

    async def handle_PROXY(self, server, session, envelope, proxy_data):
        self.seen.append(proxy_data)
        return self.verdict


def v2_header(tlvs=b""):
    body = bytes([192, 0, 2, 1, 198, 51, 100, 2]) + struct.pack("!HH", 56324, 25) + tlvs
    return b"\r\n\r\n\x00\r\nQUIT\n\x21\x11" + struct.pack("!H", len(body)) + body


@pytest.mark.parametrize("header", [
    b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n",
    v2_header(b"\x02\x00\x0amx.example\x20\x00\x05\x01\x00\x00\x00\x00"),
], ids=["v1", "v2"])
def test_proxy_header_then_session(header):
    h = ProxyPeeker()
    with serving(h, proxy_protocol=True) as c:
        r = Raw(c.port, greeting=False)
        r.send(header + b"NOOP\r\n")
        assert r.reply().startswith(b"220")
        assert r.reply() == b"250 OK"
    pd = h.seen[-1]
    assert pd.valid and str(pd.src_addr) == "192.0.2.1" and pd.src_port == 56324
    assert str(pd.dst_addr) == "198.51.100.2" and pd.dst_port == 25
    if header.startswith(b"\r\n"):
        assert pd.tlv.AUTHORITY == b"mx.example" and pd.tlv.SSL is True


@pytest.mark.parametrize("data", [
    b"EHLO no-header\r\n",
    b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
    b"PROXY " + b"x" * 200,
    b"\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x00",
], ids=["smtp-first", "bad-port", "too-long", "bad-version"])
def test_bad_proxy_header_closes_without_a_greeting(data):
    with serving(ProxyPeeker(), proxy_protocol=True) as c:
        r = Raw(c.port, greeting=False)
        r.send(data)
        assert r.closed(5)
        assert r.buf == b""


def test_proxy_refused_by_hook_or_by_missing_hook_or_in_time():
    with serving(ProxyPeeker(verdict=False), proxy_protocol=True) as c:
        r = Raw(c.port, greeting=False)
        r.send(b"PROXY UNKNOWN\r\n")
        assert r.closed(5) and r.buf == b""
    with serving(Sink(), proxy_protocol_timeout=5) as c:
        r = Raw(c.port, greeting=False)
        r.send(b"PROXY UNKNOWN\r\n")
        assert r.closed(5) and r.buf == b""
    with serving(ProxyPeeker(), proxy_protocol_timeout=0.5) as c:
        r = Raw(c.port, greeting=False)
        r.send(b"PROXY TCP4 1.2.")
        t0 = time.monotonic()
        assert r.closed(5) and r.buf == b""
        assert time.monotonic() - t0 < 3


def _flood(port, prefix: bytes, total: int, chunk: bytes):
    """Sends `total` octets of `chunk` after `prefix`; returns the socket."""
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.recv(1024)
    s.sendall(prefix)
    sent = 0
    while sent < total:
        s.sendall(chunk)
        sent += len(chunk)
    return s


@pytest.mark.parametrize("where", ["command", "data"])
def test_garbage_flood_keeps_memory_flat(where):
    """An endless command line, or endless data to a handler that keeps
    nothing: the server's memory does not grow with what is sent. CI sends
    256 MiB; SMTPLIB_RS_HEAVY=1 sends 1 GiB."""
    total = (1 << 30) if HEAVY else (256 << 20)
    chunk = os.urandom(1 << 16).replace(b"\n", b"x").replace(b"\r", b"y")
    prefix = b"" if where == "command" else (
        b"HELO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
    with serving(Sink()) as c:
        warm = _flood(c.port, prefix, 4 << 20, chunk)
        warm.close()
        before = current_rss_kib()
        s = _flood(c.port, prefix, total, chunk)
        grown = current_rss_kib() - before
        if where == "data":
            s.sendall(b"\r\n.\r\n")
            s.settimeout(10)
            data = b""
            while data.count(b"\r\n") < 5:
                more = s.recv(4096)
                assert more, data
                data += more
            lines = data.split(b"\r\n")
            assert lines[3].startswith(b"354")
            # Over the size limit, lines over 1000 octets: refused after the
            # end (RFC 1870 §6, RFC 5321 §4.5.3.1.6), the data thrown away.
            assert lines[4][:3] in (b"550", b"552"), lines[4]
        s.close()
    assert grown < 16 * 1024, "RSS grew by %d KiB" % grown
