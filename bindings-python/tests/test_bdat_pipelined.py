"""sendmail with use_chunking against a server offering PIPELINING and
CHUNKING: MAIL, RCPT, BDAT and the body in one write (RFC 2920 §3.1,
RFC 3030 §2), larger bodies as chunks sent ahead of their replies within
``max_in_flight``, and smtplib's results and exceptions for every outcome.
"""

import io
import smtplib

import pytest

import smtplib_rs

PIPE_CHUNKING = ["PIPELINING", "CHUNKING", "8BITMIME"]


def client(srv, **attrs):
    s = smtplib_rs.SMTP(srv.host, srv.port, local_hostname="client.example", timeout=10)
    s.use_chunking = True
    for k, v in attrs.items():
        setattr(s, k, v)
    return s


def first_write_with(srv, needle):
    """The first recv() chunk the server got that contains `needle`."""
    return next(chunk for chunk in srv.raw_in if needle in chunk)


def test_a_small_message_is_one_write(make_server):
    srv = make_server(extensions=PIPE_CHUNKING)
    body = b"Subject: one write\r\n\r\n" + b"x" * 1000 + b"\r\n"
    with client(srv) as s:
        assert s.sendmail("me@x.org", ["a@x.org", "b@x.org"], body) == {}
        assert s.sendmail("me@x.org", ["a@x.org"], body) == {}
    for mail in [m for m in srv.raw_in if b"mail FROM" in m]:
        assert mail.startswith(b"mail FROM:<me@x.org>")
        assert b"BDAT %d LAST\r\n" % len(body) in mail, mail[:200]
        assert mail.endswith(body), "the body left with the envelope"
    assert len([m for m in srv.raw_in if b"mail FROM" in m]) == 2
    assert [t.message for t in srv.transactions] == [body, body]


def test_refused_recipients_are_returned(make_server):
    srv = make_server(extensions=PIPE_CHUNKING)
    with client(srv) as s:
        refused = s.sendmail("me@x.org", ["a@x.org", "bad@x.org"], b"hi\r\n")
    assert refused == {"bad@x.org": (550, b"5.1.1 no such user")}
    assert srv.transactions[0].rcpts == ["a@x.org"]


def test_every_recipient_refused_is_recipients_refused_then_the_session_goes_on(make_server):
    # The server answers the BDAT that came with the envelope with 503;
    # the outcome is still the recipients' refusal, as with smtplib.
    srv = make_server(extensions=PIPE_CHUNKING)
    with client(srv) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            s.sendmail("me@x.org", ["bad1@x.org", "bad2@x.org"], b"hi\r\n")
        assert e.value.recipients == {
            "bad1@x.org": (550, b"5.1.1 no such user"),
            "bad2@x.org": (550, b"5.1.1 no such user"),
        }
        assert s.sendmail("me@x.org", ["a@x.org"], b"next\r\n") == {}
    assert b"rset" in srv.commands
    assert [t.message for t in srv.transactions] == [b"next\r\n"]


def test_a_refused_chunk_is_a_data_error_and_the_chunks_in_flight_are_answered(make_server):
    srv = make_server(extensions=PIPE_CHUNKING)
    srv.behaviour.bdat_replies = {1: "552 5.3.4 message too big"}
    body = b"y" * 1_000_000  # four 256 KiB chunks, all in flight at once
    with client(srv, max_in_flight=1 << 20) as s:
        with pytest.raises(smtplib.SMTPDataError) as e:
            s.sendmail("me@x.org", ["a@x.org"], body)
        assert (e.value.smtp_code, e.value.smtp_error) == (552, b"5.3.4 message too big")
        # The replies still owed were read before RSET: the session is in
        # step for the next message.
        srv.behaviour.bdat_replies = {}
        assert s.sendmail("me@x.org", ["a@x.org"], b"next\r\n") == {}
    bdats = [c for c in srv.commands if c.startswith(b"BDAT")]
    assert bdats[:4] == [b"BDAT 262144"] * 3 + [b"BDAT 213568 LAST"]
    assert [t.message for t in srv.transactions] == [b"next\r\n"]


def test_a_421_mid_pipeline_is_a_data_error_and_closes(make_server):
    srv = make_server(extensions=PIPE_CHUNKING)
    srv.behaviour.bdat_replies = {0: "421 4.3.2 shutting down"}
    s = client(srv)
    with pytest.raises(smtplib.SMTPDataError) as e:
        s.sendmail("me@x.org", ["a@x.org"], b"z" * 600_000)
    assert e.value.smtp_code == 421
    assert s.sock is None, "the connection is closed after a 421"


def test_lmtp_gets_one_reply_per_recipient_after_bdat_last(make_server):
    srv = make_server(lmtp=True, extensions=PIPE_CHUNKING)
    s = smtplib_rs.LMTP(srv.host, srv.port, local_hostname="client.example")
    s.use_chunking = True
    with s:
        refused = s.sendmail("me@x.org", ["a@x.org", "bad@x.org", "full@x.org"], b"hi\r\n")
    assert refused == {
        "bad@x.org": (550, b"5.1.1 no such user"),
        "full@x.org": (452, b"4.2.2 mailbox full"),
    }
    mail = first_write_with(srv, b"mail FROM")
    assert b"BDAT 4 LAST\r\nhi\r\n" in mail


def test_max_in_flight_cuts_chunks_and_zero_waits_for_each_reply(make_server):
    srv = make_server(extensions=PIPE_CHUNKING)
    body = b".line\r\n" * 100_000  # 700,000 octets
    with client(srv, max_in_flight=100_000) as s:
        assert s.sendmail("me@x.org", ["a@x.org"], io.BytesIO(body)) == {}
    assert srv.transactions[0].message == body
    assert all(n <= 100_000 for n in srv.transactions[0].bdat_sizes)

    srv = make_server(extensions=PIPE_CHUNKING)
    with client(srv, max_in_flight=0) as s:
        assert s.sendmail("me@x.org", ["a@x.org"], body) == {}
    mail = first_write_with(srv, b"mail FROM")
    assert b"BDAT" not in mail, "the body waits for the envelope's replies"
    assert srv.transactions[0].message == body
    assert srv.transactions[0].bdat_sizes == [len(body)]


def test_bad_max_in_flight_is_an_error_not_a_silent_fallback(make_server):
    srv = make_server(extensions=PIPE_CHUNKING)
    with client(srv, max_in_flight=-1) as s:
        with pytest.raises(OverflowError):
            s.sendmail("me@x.org", ["a@x.org"], b"hi\r\n")


def test_without_chunking_nothing_changes(make_server):
    srv = make_server(extensions=PIPE_CHUNKING)
    with smtplib_rs.SMTP(srv.host, srv.port, local_hostname="client.example") as s:
        assert s.sendmail("me@x.org", ["a@x.org"], b"hi\r\n") == {}
    assert b"data" in srv.commands
    assert not any(c.startswith(b"BDAT") for c in srv.commands)


def test_sans_io_client_sends_the_body_with_the_envelope():
    from smtplib_rs import _core

    cc = _core.ClientConnection("client.example")
    cc.receive_data(b"220 mx\r\n")
    cc.transmit()
    cc.receive_data(b"250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n")
    assert [e.kind for e in cc.events()] == ["Greeting", "EhloAccepted"]
    cc.send_mail("a@x.org", ["b@y.org"])
    assert [e.kind for e in cc.events()] == ["ReadyForBody"]
    assert cc.body_ready()
    cc.send_body(b"hi\r\n")
    cc.finish_body()
    assert cc.transmit() == (b"MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\n"
                             b"BDAT 4 LAST\r\nhi\r\n")
    cc.receive_data(b"250 ok\r\n250 ok\r\n250 queued\r\n")
    assert [e.kind for e in cc.events()] == ["RecipientReply", "TransactionFinished"]

    cc = _core.ClientConnection("client.example", max_in_flight=0)
    cc.receive_data(b"220 mx\r\n250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n")
    cc.events()
    cc.transmit()
    cc.send_mail("a@x.org", ["b@y.org"])
    assert cc.events() == [] and not cc.body_ready()
