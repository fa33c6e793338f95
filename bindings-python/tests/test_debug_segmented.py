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
import time

import pytest
from _scripted import TIMEOUT, ScriptServer

import smtplib_rs

# datetime.time's str() drops the microseconds when they are 0.
STAMP = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{6})? ", re.M)

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


def write(conn, lines, split):
    """Writes a reply in pieces, pausing after each long enough for the
    client to read it on its own."""
    data = "".join(line + "\r\n" for line in lines).encode()
    if split == "lines":
        pieces, pause = data.splitlines(keepends=True), 0.002
    else:
        pieces, pause = [data[i:i + 1] for i in range(len(data))], 0.0005
    for piece in pieces:
        conn.sendall(piece)
        time.sleep(pause)


def script(split):
    """A session answering every command from REPLIES."""
    def run(conn):
        f = conn.makefile("rb")

        def readline():
            line = f.readline()
            if not line:
                raise EOFError
            return line.rstrip(b"\r\n").decode()

        write(conn, REPLIES["greeting"], split)
        while True:
            line = readline()
            verb = line.split(" ", 1)[0].upper()
            if verb == "RCPT" and "bad" in line:
                verb = "RCPT bad"
            write(conn, REPLIES.get(verb, REPLIES["other"]), split)
            if verb == "DATA":
                while readline() != ".":
                    pass
                write(conn, REPLIES["."], split)
            elif verb == "QUIT":
                return
    return run


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
    srv = ScriptServer(script(request.param))
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
