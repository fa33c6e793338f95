"""The shared server driver (`_core.ServerFace` / `_core.ServerDriver`)
without sockets: what reaches Python, what Rust answers, what is written."""

import pytest

from smtplib_rs import _core

ENVELOPE = b"EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n"
AIOSMTPD_ANSWERS = [
    ("MailFrom", b"250 OK"),
    ("RcptTo", b"250 OK"),
    ("Data", b"354 End data with <CR><LF>.<CR><LF>"),
    ("MessageEnd", b"250 OK"),
    ("Quit", b"221 Bye"),
]


def face(**kw):
    kw.setdefault("extensions", ["PIPELINING", "8BITMIME", "SIZE"])
    kw.setdefault("answers", AIOSMTPD_ANSWERS)
    return _core.ServerFace("mx.test", **kw)


def test_unsubscribed_events_are_answered_in_rust_in_one_write():
    d = _core.ServerDriver(face())
    events, out = d.start()
    assert events is None and out == b"220 mx.test ESMTP ready\r\n"
    events, out = d.feed(ENVELOPE)
    assert events is None
    assert out.endswith(b"250 OK\r\n250 OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
    events, out = d.feed(b"hello\r\n.\r\nQUIT\r\n")
    assert events == [("Closed", True, None)]
    assert out == b"250 OK\r\n221 Bye\r\n"
    assert d.closed


def test_kept_body_arrives_once_with_the_envelope():
    d = _core.ServerDriver(face(subscribe=["MessageEnd"]))
    d.start()
    d.feed(ENVELOPE)
    lines = b"z" * 998 + b"\r\n"
    events, out = d.feed(b"Subject: x\r\n\r\n..dot\r\n" + lines * 100 + b".\r\n")
    assert out is None
    [(kind, body, mail_from, rcpts, mopts, ropts)] = events
    assert kind == "MessageEnd"
    assert body == b"Subject: x\r\n\r\n.dot\r\n" + lines * 100
    assert (mail_from, rcpts, mopts, ropts) == ("a@example.org", ["b@example.org"], [], [])
    assert d.awaiting
    events, out = d.reply(b"550 5.7.1 no thanks")
    assert out == b"550 5.7.1 no thanks\r\n" and events is None
    assert d.envelope() == (None, [], [], [])


def test_stream_mode_hands_over_chunks_and_no_body_at_the_end():
    d = _core.ServerDriver(face(subscribe=["MessageEnd"], body="stream"))
    d.start()
    d.feed(ENVELOPE)
    events, _ = d.feed(b"part one\r\n")
    assert events == [("MessageData", b"part one\r\n")]
    events, _ = d.feed(b"part two\r\n.\r\n")
    assert events[0] == ("MessageData", b"part two\r\n")
    assert events[1][:2] == ("MessageEnd", None)


def test_subscribed_command_waits_for_its_answer():
    d = _core.ServerDriver(face(subscribe=["MailFrom"]))
    d.start()
    events, out = d.feed(b"EHLO c.example\r\nMAIL FROM:<a@example.org> SIZE=10\r\nRCPT TO:<b@example.org>\r\n")
    assert events == [("MailFrom", "a@example.org", ["SIZE=10"])]
    assert out.startswith(b"250-mx.test")
    assert d.awaiting
    events, out = d.accept()
    assert events is None
    assert out == b"250 OK\r\n250 OK\r\n"
    assert d.envelope()[:2] == ("a@example.org", ["b@example.org"])


def test_refused_mail_leaves_no_envelope():
    d = _core.ServerDriver(face(subscribe=["MailFrom"]))
    d.start()
    d.feed(b"HELO c.example\r\nMAIL FROM:<a@example.org>\r\n")
    _, out = d.reply(b"553 5.1.8 go away")
    assert out == b"553 5.1.8 go away\r\n"
    assert d.envelope()[0] is None
    assert d.hello == ("HELO", "c.example")


def test_reply_must_be_a_status_that_suits_the_event():
    d = _core.ServerDriver(face(subscribe=["MailFrom"]))
    d.start()
    d.feed(b"HELO c.example\r\nMAIL FROM:<a@example.org>\r\n")
    with pytest.raises(ValueError, match="not an SMTP reply"):
        d.reply(b"OK")
    with pytest.raises(ValueError):
        d.reply(b"354 go on")
    assert d.awaiting
    _, out = d.reply(b"250-first\r\n250 second")
    assert out == b"250-first\r\n250 second\r\n"


def test_lmtp_answers_once_per_recipient():
    f = face(lmtp=True, subscribe=["MessageEnd"], answers=[])
    d = _core.ServerDriver(f)
    d.start()
    d.feed(b"LHLO c.example\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@x.org>\r\nRCPT TO:<c@x.org>\r\nDATA\r\n")
    events, _ = d.feed(b"hi\r\n.\r\n")
    assert events[0][3] == ["b@x.org", "c@x.org"]
    events, out = d.reply_each([b"250 2.1.5 b ok", b"452 4.2.2 c full"])
    assert out == b"250 2.1.5 b ok\r\n452 4.2.2 c full\r\n"
    assert not d.awaiting


def test_pipelined_starttls_injection_is_dropped():
    f = face(extensions=["STARTTLS", "PIPELINING"])
    d = _core.ServerDriver(f)
    d.start()
    d.feed(b"EHLO c.example\r\n")
    events, out = d.feed(b"STARTTLS\r\nMAIL FROM:<evil@x.org>\r\n")
    assert events == [("TlsHandshake",)]
    assert out == b"220 Ready to start TLS\r\n"
    events, out = d.feed(b"RCPT TO:<more@x.org>\r\n")
    assert out is None
    events, out = d.tls_established()
    assert out is None and events is None
    events, out = d.feed(b"MAIL FROM:<a@x.org>\r\n")
    assert out.startswith(b"503")


def test_input_behind_an_awaited_answer_waits_unread():
    d = _core.ServerDriver(face(subscribe=["MessageEnd"]))
    d.start()
    d.feed(ENVELOPE)
    events, _ = d.feed(b"x\r\n.\r\n")
    assert events[0][0] == "MessageEnd"
    # A 200 KiB read while the handler thinks: held by the driver, fed in
    # slices once answered, never past the machine's input bound.
    burst = b"NOOP\r\n" * 35_000
    events, out = d.feed(burst)
    assert out is None and d.backlog == len(burst)
    events, out = d.accept()
    assert out == b"250 OK\r\n" * 35_001
    assert not d.closed and d.backlog == 0


def test_eof_mid_message_is_reported_as_lost():
    d = _core.ServerDriver(face())
    d.start()
    d.feed(ENVELOPE + b"half a message")
    events, _ = d.feed(b"")
    assert events == [("Closed", False, "message")]


def test_auth_must_be_handled_when_offered():
    with pytest.raises(ValueError, match="Auth"):
        face(auth_mechanisms=["PLAIN"])
    f = face(auth_mechanisms=["PLAIN"], auth_requires_tls=False, subscribe=["Auth"])
    d = _core.ServerDriver(f)
    d.start()
    d.feed(b"EHLO c.example\r\n")
    events, _ = d.feed(b"AUTH PLAIN AHVzZXIAcGFzcw==\r\n")
    assert events == [("Auth", "PLAIN", "user", "pass", None)]
    _, out = d.accept()
    assert out.startswith(b"235")
    assert d.authenticated


def test_unknown_names_are_refused():
    with pytest.raises(ValueError):
        face(subscribe=["Nope"])
    with pytest.raises(ValueError):
        face(extensions=["FROBNICATE"])
    with pytest.raises(ValueError):
        face(body="sometimes")
    with pytest.raises(ValueError):
        face(answers=[("CommandRefused", b"250 OK")])
