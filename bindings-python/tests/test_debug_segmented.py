"""Debug output over a real socket when the server splits its replies.

A scripted server on 127.0.0.1 answers every command with a multi-line
reply, written one line per send() or one byte per send(), pausing between
sends so each piece reaches the client in its own read. smtplib and
smtplib_rs run the same session against it in the same test, at debug
levels 1 and 2; their stderr must be the same (timestamps aside).
"""

import contextlib
import io
import re
import smtplib
import socket
import threading
import time

import pytest

import smtplib_rs

# datetime.time's str() drops the microseconds when they are 0.
STAMP = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{6})? ", re.M)
TIMEOUT = 10.0

REPLIES = {
    "greeting": ["220-test.example ESMTP", "220-no UCE", "220 ready"],
    "EHLO": ["250-test.example greets you", "250-SIZE 10000000", "250-8BITMIME",
             "250-PIPELINING", "250-AUTH PLAIN LOGIN", "250 HELP"],
    "HELO": ["250-test.example", "250 pleased to meet you"],
    "HELP": ["214-2.0.0 Commands:", "214-2.0.0   HELO EHLO MAIL RCPT DATA",
             "214 2.0.0 End of HELP info"],
    "NOOP": ["250-2.0.0 nothing", "250 2.0.0 done"],
    "VRFY": ["252-2.1.5 cannot verify", "252 2.1.5 but will try"],
    "EXPN": ["550-5.1.1 no such", "550 5.1.1 list"],
    "AUTH": ["235-2.7.0 welcome", "235 2.7.0 Authentication successful"],
    "MAIL": ["250-2.1.0 sender", "250 2.1.0 ok"],
    "RCPT": ["250-2.1.5 recipient", "250 2.1.5 ok"],
    "RCPT bad": ["550-5.1.1 no such", "550 5.1.1 user"],
    "DATA": ["354-go ahead", "354 end with <CRLF>.<CRLF>"],
    ".": ["250-2.0.0 queued", "250 2.0.0 as 4711"],
    "RSET": ["250-2.0.0 reset", "250 2.0.0 ok"],
    "QUIT": ["221-2.0.0 bye", "221 2.0.0 closing"],
    "other": ["502-5.5.2 not", "502 5.5.2 implemented"],
}


class ScriptedServer:
    """Serves one session per connection, in turn; every reply from
    REPLIES, written in pieces (`split`: "lines" or "bytes")."""

    def __init__(self, split):
        self.split = split
        # Long enough for the client to read each piece on its own.
        self.pause = 0.002 if split == "lines" else 0.0005
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    conn.settimeout(TIMEOUT)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    try:
                        self._session(conn)
                    except (OSError, EOFError):
                        pass
        except OSError:  # closed, or no client within TIMEOUT
            return

    def _write(self, conn, lines):
        data = "".join(line + "\r\n" for line in lines).encode()
        if self.split == "lines":
            pieces = data.splitlines(keepends=True)
        else:
            pieces = [data[i:i + 1] for i in range(len(data))]
        for piece in pieces:
            conn.sendall(piece)
            time.sleep(self.pause)

    def _session(self, conn):
        buf = b""

        def readline():
            nonlocal buf
            while b"\r\n" not in buf:
                data = conn.recv(4096)
                if not data:
                    raise EOFError
                buf += data
            line, buf = buf.split(b"\r\n", 1)
            return line.decode()

        self._write(conn, REPLIES["greeting"])
        while True:
            line = readline()
            verb = line.split(" ", 1)[0].upper()
            if verb == "RCPT" and "bad" in line:
                verb = "RCPT bad"
            self._write(conn, REPLIES.get(verb, REPLIES["other"]))
            if verb == "DATA":
                while readline() != ".":
                    pass
                self._write(conn, REPLIES["."])
            elif verb == "QUIT":
                return

    def close(self):
        self.sock.close()
        self.thread.join(TIMEOUT)


def session(module, port, level):
    """Every command smtplib offers whose reply can be multi-line."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        s = module.SMTP(local_hostname="client.example", timeout=TIMEOUT)
        # Before connect(), so that the greeting is printed too.
        s.set_debuglevel(level)
        results = [
            s.connect("127.0.0.1", port),
            s.ehlo(),
            s.helo(),
            s.help(),
            s.noop(),
            s.verify("someone"),
            s.expn("list"),
            s.login("user", "secret"),
            s.sendmail("me@x.org", ["a@x.org", "bad@x.org"], "Subject: hi\n\nbody\n"),
            s.rset(),
            s.docmd("XYZZY"),
            s.quit(),
        ]
    return results, STAMP.sub("TIME ", err.getvalue())


@pytest.fixture(params=["lines", "bytes"])
def server(request):
    srv = ScriptedServer(request.param)
    yield srv
    srv.close()


@pytest.mark.parametrize("level", [1, 2])
def test_debug_output_equals_smtplibs_whatever_the_segmentation(server, level):
    want_results, want = session(smtplib, server.port, level)
    results, got = session(smtplib_rs, server.port, level)
    assert results == want_results
    assert got == want
    # Every line of every reply was printed, not only the last read's.
    for lines in REPLIES.values():
        for line in lines:
            assert "reply: %r" % (line + "\r\n").encode() in got
    assert ("TIME " in got) == (level == 2)
