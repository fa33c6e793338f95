"""Reading replies: smtplib_rs's getreply() returns, raises and prints
(debug levels 1 and 2) what smtplib's does, however the server's bytes are
split into reads.

smtplib reads with readline() from a buffered file, so its results do not
depend on the segmentation: it is the reference. smtplib_rs is fed the same
stream through a socket whose recv() hands it over in the drawn pieces
(one byte at a time, one line at a time, or cut anywhere).
"""

import contextlib
import io
import re
import smtplib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smtplib_rs

# datetime.time's str() drops the microseconds when they are 0.
STAMP = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{6})? ", re.M)


class PiecesSocket:
    """A connected socket whose recv() returns the given pieces in turn,
    then b"" (the server closed)."""

    def __init__(self, pieces):
        self.pieces = list(pieces)

    def recv(self, n):
        if not self.pieces:
            return b""
        piece = self.pieces.pop(0)
        if len(piece) > n:
            piece, rest = piece[:n], piece[n:]
            self.pieces.insert(0, rest)
        return piece

    def makefile(self, mode):
        # smtplib reads through a buffered file over the whole stream.
        return io.BufferedReader(io.BytesIO(b"".join(self.pieces)))

    def sendall(self, data):
        pass

    def close(self):
        pass


def read_all(module, pieces, level, max_replies=50):
    """Calls getreply() until it raises; what it returned, raised, printed."""
    s = module.SMTP(local_hostname="client.example")
    s.set_debuglevel(level)
    s.sock = PiecesSocket(pieces)
    got = []
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        for _ in range(max_replies):
            try:
                got.append(s.getreply())
            except smtplib.SMTPException as e:
                got.append((type(e).__name__, e.args))
                break
    return got, STAMP.sub("TIME ", err.getvalue())


def split_lines(stream):
    return stream.splitlines(keepends=True)


def split_bytes(stream):
    return [stream[i:i + 1] for i in range(len(stream))]


SPLITS = {"whole": lambda s: [s], "lines": split_lines, "bytes": split_bytes}

STREAMS = {
    "ehlo": (b"250-mx.example greets you\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n"
             b"250-SMTPUTF8\r\n250 HELP\r\n"),
    "help then noop": b"214-Commands:\r\n214-  HELO EHLO\r\n214 End\r\n250 ok\r\n",
    "bare LF": b"250-one\n250-two\n250 three\n",
    "garbage mid-reply": b"250-first\r\nbad line here\r\n250 after\r\n",
    "garbage first": b"xyz\r\n250 ok\r\n",
    "empty line": b"250-a\r\n\r\n250 b\r\n",
    "code only": b"250\r\n250-\r\n250 \t x \t\r\n",
    "eof mid-reply": b"250-one\r\n250-two\r\n",
    "eof inside last line": b"250-one\r\n250 two",
    "eof inside a continuation": b"250-one\r\n250-tw",
    "eof at once": b"",
}


@pytest.mark.parametrize("level", [0, 1, 2])
@pytest.mark.parametrize("split", sorted(SPLITS))
@pytest.mark.parametrize("name", sorted(STREAMS))
def test_replies_as_smtplib_reads_them(name, split, level):
    stream = STREAMS[name]
    want = read_all(smtplib, [stream], level)
    assert read_all(smtplib_rs, SPLITS[split](stream), level) == want
    if level and stream:
        assert "reply: " in want[1]


@pytest.mark.parametrize("split", ["whole", "lines"])
@pytest.mark.parametrize("length", [8191, 8192, 8193, 8194, 9000])
@pytest.mark.parametrize("position", ["alone", "after a line", "no LF"])
def test_line_limit_as_smtplib(length, position, split):
    """smtplib refuses a line longer than 8192 octets, CRLF included, and
    prints what it read of it first."""
    line = b"250 " + b"x" * (length - 6) + b"\r\n"
    if position == "no LF":
        line = line[:-2]
    stream = (b"250-first\r\n" if position == "after a line" else b"") + line + b"250 ok\r\n"
    want = read_all(smtplib, [stream], 1)
    assert read_all(smtplib_rs, SPLITS[split](stream), 1) == want


# Lines both read alike: codes RFC 5321 §4.2 allows, one code per reply,
# and garbage whose first three octets are no number (smtplib's int()).
CODES = ["220", "250", "354", "451", "550"]
lines = st.one_of(
    st.tuples(st.sampled_from(CODES), st.sampled_from(["-", " ", ""]),
              st.text("ab \t.=-", max_size=12), st.sampled_from(["\r\n", "\n"])),
    st.tuples(st.just("xy"), st.sampled_from(["z", ""]),
              st.text("ab ", max_size=5), st.sampled_from(["\r\n", "\n"])),
)


def _consistent(drawn):
    """One code per multi-line reply (smtplib does not check it; the
    engine refuses a reply that changes code, RFC 5321 §4.2.1)."""
    out, code = [], None
    for c, sep, text, end in drawn:
        if c.isdigit() and not sep:
            text = ""  # "250x" ends smtplib's reply; the engine refuses it
        if c.isdigit():
            c = code or c
            code = c if sep == "-" else None
        else:
            code = None
        out.append((c + sep + text + end).encode())
    return b"".join(out)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(lines, max_size=12), st.booleans(), st.data())
def test_any_stream_any_split(drawn, cut_last, data):
    stream = _consistent(drawn)
    if cut_last and stream:
        stream = stream[:-1]  # EOF inside the last line
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(stream) - 1)))))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)]) if a < b]
    for level in (0, 1):
        assert read_all(smtplib_rs, pieces, level) == read_all(smtplib, [stream], level)
