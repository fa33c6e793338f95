"""smtplib_rs.aiosmtpd: every handler hook as aiosmtpd calls it, LMTP's
per-recipient replies, BDAT, PIPELINING in one write, and an aiosmtpd
handler from aiosmtpd's documentation run unchanged."""

import asyncio
import contextlib
import io
import smtplib
import warnings

import pytest

import smtplib_rs
from smtplib_rs.aiosmtpd.controller import Controller
from smtplib_rs.aiosmtpd.handlers import Sink
from smtplib_rs.aiosmtpd.lmtp import LMTP
from smtplib_rs.aiosmtpd.smtp import MISSING, SMTP

from _aiosmtpd import Raw, serving

MSG = b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"


class Recorder:
    """Every hook aiosmtpd defines, recording its calls."""

    def __init__(self):
        self.calls = []

    async def handle_HELO(self, server, session, envelope, hostname):
        self.calls.append(("HELO", hostname))
        session.host_name = hostname
        return "250 helo-hook"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.calls.append(("EHLO", hostname, list(responses)))
        session.host_name = hostname
        return responses[:-1] + ["250-X-HOOKED", responses[-1]]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.calls.append(("MAIL", address, mail_options))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 mail-hook"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.calls.append(("RCPT", address, rcpt_options))
        if address.startswith("no@"):
            return "550 5.1.1 refused by hook"
        envelope.rcpt_tos.append(address)
        return "250 rcpt-hook"

    async def handle_DATA(self, server, session, envelope):
        self.calls.append(("DATA", envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 data-hook"

    async def handle_RSET(self, server, session, envelope):
        self.calls.append(("RSET",))
        return "250 rset-hook"

    async def handle_NOOP(self, server, session, envelope, arg):
        self.calls.append(("NOOP", arg))
        return "250 noop-hook"

    async def handle_VRFY(self, server, session, envelope, address):
        self.calls.append(("VRFY", address))
        return "252 vrfy-hook"

    async def handle_QUIT(self, server, session, envelope):
        self.calls.append(("QUIT",))
        return "221 quit-hook"


def test_every_command_hook_is_called_with_aiosmtpd_arguments():
    h = Recorder()
    with serving(h) as c:
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            assert s.helo("h.example") == (250, b"helo-hook")
            code, msg = s.ehlo("e.example")
            assert code == 250 and b"X-HOOKED" in msg.splitlines()
            assert s.noop() == (250, b"noop-hook")
            assert s.docmd("NOOP", "with words") == (250, b"noop-hook")
            assert s.verify("<x@example.org>") == (252, b"vrfy-hook")
            assert s.mail("a@example.org", ["SIZE=10"]) == (250, b"mail-hook")
            assert s.rcpt("b@example.org") == (250, b"rcpt-hook")
            assert s.rcpt("no@example.org") == (550, b"5.1.1 refused by hook")
            assert s.data(MSG) == (250, b"data-hook")
            assert s.rset() == (250, b"rset-hook")
            assert s.docmd("QUIT") == (221, b"quit-hook")
            s.close()
    names = [c[0] for c in h.calls]
    assert names == ["HELO", "EHLO", "NOOP", "NOOP", "VRFY", "MAIL", "RCPT", "RCPT", "DATA",
                     "RSET", "QUIT"]
    assert h.calls[2:4] == [("NOOP", None), ("NOOP", "with words")]
    ehlo = h.calls[1]
    assert ehlo[2][0].startswith("250-mx.test") and ehlo[2][-1] == "250 HELP"
    assert h.calls[4] == ("VRFY", "x@example.org")
    assert h.calls[5] == ("MAIL", "a@example.org", ["SIZE=10"])
    assert h.calls[8] == ("DATA", "a@example.org", ["b@example.org"], MSG)


def test_hooks_a_handler_lacks_never_run_python():
    """Sink has no hook: a whole session crosses into Python only for reads."""
    calls = []

    class Counting(SMTP):
        async def _handle(self, event):
            calls.append(event[0])
            return await super()._handle(event)

    class C(Controller):
        def factory(self):
            return Counting(self.handler, **self.SMTP_kwargs)

    c = C(Sink(), hostname="127.0.0.1", port=0)
    c.start()
    try:
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("e.example")
            s.sendmail("a@example.org", ["b@example.org", "c@example.org"], MSG)
            s.noop()
            s.rset()
    finally:
        c.stop()
    assert calls == []


def test_defaults_are_aiosmtpd_texts():
    with serving(Sink()) as c:
        r = Raw(c.port)
        assert r.cmd(b"HELO h.example") == b"250 mx.test"
        assert r.cmd(b"MAIL FROM:<a@example.org>") == b"250 OK"
        assert r.cmd(b"RCPT TO:<b@example.org>") == b"250 OK"
        assert r.cmd(b"DATA") == b"354 End data with <CR><LF>.<CR><LF>"
        assert r.cmd(b"hi\r\n.") == b"250 OK"
        assert r.cmd(b"NOOP") == b"250 OK"
        assert r.cmd(b"RSET") == b"250 OK"
        assert r.cmd(b"VRFY <a@example.org>") == \
            b"252 Cannot VRFY user, but will accept message and attempt delivery"
        assert r.cmd(b"QUIT") == b"221 Bye"
        assert r.closed()


def test_envelope_and_session_seen_by_handle_data_without_other_hooks():
    seen = {}

    class OnlyData:
        async def handle_DATA(self, server, session, envelope):
            seen.update(mail_from=envelope.mail_from, rcpt_tos=envelope.rcpt_tos,
                        mail_options=envelope.mail_options, host_name=session.host_name,
                        extended=session.extended_smtp, peer=session.peer,
                        content=envelope.content, original=envelope.original_content,
                        smtp_utf8=envelope.smtp_utf8)
            return "250 OK"

    with serving(OnlyData(), decode_data=True) as c:
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            s.ehlo("client.example")
            s.sendmail("a@example.org", ["b@example.org", "c@example.org"], MSG,
                       mail_options=["SMTPUTF8"])
    assert seen["mail_from"] == "a@example.org"
    assert seen["rcpt_tos"] == ["b@example.org", "c@example.org"]
    assert "SMTPUTF8" in seen["mail_options"] and seen["smtp_utf8"]
    assert seen["host_name"] == "client.example" and seen["extended"]
    assert seen["peer"][0] == "127.0.0.1"
    assert seen["content"] == MSG.decode() and seen["original"] == MSG


def test_old_ehlo_hook_and_process_message_still_work_with_warnings():
    class Old:
        async def handle_EHLO(self, server, session, envelope, hostname):
            return "250 old-style"

        def process_message(self, peer, mailfrom, rcpttos, data):
            Old.got = (mailfrom, rcpttos, data)

    with pytest.warns(DeprecationWarning):
        SMTP(Old())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with serving(Old()) as c:
            with smtplib.SMTP("127.0.0.1", c.port) as s:
                code, msg = s.ehlo("x.example")
                assert code == 250 and msg.splitlines()[-1] == b"old-style"
                s.sendmail("a@example.org", ["b@example.org"], MSG)
    assert Old.got == ("a@example.org", ["b@example.org"], MSG)


def test_handle_exception_answers_for_a_failing_hook():
    class Failing:
        async def handle_MAIL(self, server, session, envelope, address, options):
            raise ValueError("boom")

        async def handle_exception(self, error):
            Failing.error = error
            return "451 4.3.0 hook failed"

    with serving(Failing()) as c:
        r = Raw(c.port)
        r.cmd(b"HELO h")
        assert r.cmd(b"MAIL FROM:<a@example.org>") == b"451 4.3.0 hook failed"
        assert isinstance(Failing.error, ValueError)
        # The session goes on.
        assert r.cmd(b"NOOP") == b"250 OK"


def test_exception_without_handle_exception_is_aiosmtpd_500():
    class Failing:
        async def handle_RCPT(self, server, session, envelope, address, options):
            raise KeyError("nope")

    with serving(Failing()) as c:
        r = Raw(c.port)
        r.cmd(b"HELO h")
        r.cmd(b"MAIL FROM:<a@example.org>")
        assert r.cmd(b"RCPT TO:<b@example.org>") == b"500 Error: (KeyError) 'nope'"


def test_slow_hook_does_not_block_other_sessions():
    started = asyncio.Event

    class Slow:
        async def handle_MAIL(self, server, session, envelope, address, options):
            if address.startswith("slow@"):
                await asyncio.sleep(1.0)
            envelope.mail_from = address
            return "250 OK"

    with serving(Slow()) as c:
        slow = Raw(c.port)
        slow.cmd(b"HELO h")
        slow.send(b"MAIL FROM:<slow@example.org>\r\n")
        fast = Raw(c.port)
        fast.cmd(b"HELO h")
        import time
        t0 = time.monotonic()
        assert fast.cmd(b"MAIL FROM:<fast@example.org>") == b"250 OK"
        assert time.monotonic() - t0 < 0.5
        assert slow.reply() == b"250 OK"
    assert started


def test_pipelined_group_is_answered_in_one_write():
    writes = []

    class Spy(SMTP):
        def connection_made(self, transport):
            real = transport.write

            def write(data):
                writes.append(data)
                real(data)

            transport.write = write
            super().connection_made(transport)

    class C(Controller):
        def factory(self):
            return Spy(self.handler, **self.SMTP_kwargs)

    c = C(Sink(), hostname="127.0.0.1", port=0, pipelining=True)
    c.start()
    try:
        r = Raw(c.port)
        assert b"PIPELINING" in r.cmd(b"EHLO e.example")
        writes.clear()
        r.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n"
               b"RCPT TO:<c@example.org>\r\nDATA\r\n")
        assert r.lines(4) == [b"250 OK", b"250 OK", b"250 OK",
                              b"354 End data with <CR><LF>.<CR><LF>"]
        assert len(writes) == 1
    finally:
        c.stop()


def test_pipelining_is_off_by_default():
    with serving(Sink()) as c:
        r = Raw(c.port)
        assert b"PIPELINING" not in r.cmd(b"EHLO e.example")


def test_bdat_with_chunking():
    got = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            got.append(envelope.content)
            return "250 OK"

    body = b"Subject: bdat\r\n\r\n" + b"x" * 3000 + b"\r\n.leading dot\r\n"
    with serving(Keep(), chunking=True, pipelining=True) as c:
        with smtplib_rs.SMTP("127.0.0.1", c.port) as s:
            s.use_chunking = True
            s.ehlo("e.example")
            assert s.has_extn("chunking")
            s.sendmail("a@example.org", ["b@example.org"], body)
        r = Raw(c.port)
        r.cmd(b"EHLO e.example")
        r.cmd(b"MAIL FROM:<a@example.org>")
        r.cmd(b"RCPT TO:<b@example.org>")
        r.send(b"BDAT 5\r\nhello")
        assert r.reply() == b"250 5 octets received"
        r.send(b"BDAT 6 LAST\r\n world")
        assert r.reply() == b"250 OK"
    assert got == [body, b"hello world"]


def test_bdat_is_refused_without_chunking():
    with serving(Sink()) as c:
        r = Raw(c.port)
        r.cmd(b"EHLO e.example")
        r.cmd(b"MAIL FROM:<a@example.org>")
        r.cmd(b"RCPT TO:<b@example.org>")
        # The chunk is read off the wire and refused, never taken for commands.
        r.send(b"BDAT 6 LAST\r\nRSET\r\n")
        assert r.reply() == b'500 Error: command "BDAT" not recognized'   # aiosmtpd's words
        assert r.cmd(b"NOOP") == b"250 OK"


def test_lmtp_one_reply_per_recipient():
    class PerRcpt:
        async def handle_DATA(self, server, session, envelope):
            return ["250 2.1.5 ok" if not r.startswith("full@") else "452 4.2.2 mailbox full"
                    for r in envelope.rcpt_tos]

    class LmtpController(Controller):
        def factory(self):
            return LMTP(self.handler, **self.SMTP_kwargs)

    c = LmtpController(PerRcpt(), hostname="127.0.0.1", port=0)
    c.start()
    try:
        r = Raw(c.port)
        assert r.cmd(b"LHLO c.example").startswith(b"250")
        assert r.cmd(b"HELO c.example").startswith(b"500")
        r.cmd(b"MAIL FROM:<a@example.org>")
        r.cmd(b"RCPT TO:<one@example.org>")
        r.cmd(b"RCPT TO:<full@example.org>")
        r.cmd(b"RCPT TO:<two@example.org>")
        r.cmd(b"DATA")
        r.send(b"Subject: x\r\n\r\nhi\r\n.\r\n")
        assert r.lines(3) == [b"250 2.1.5 ok", b"452 4.2.2 mailbox full", b"250 2.1.5 ok"]
        # smtplib_rs's LMTP client reads them all (CPython issue 76984).
        with smtplib_rs.LMTP("127.0.0.1", c.port) as s:
            refused = s.sendmail("a@example.org", ["x@example.org", "full@example.org"], MSG)
            assert refused == {"full@example.org": (452, b"4.2.2 mailbox full")}
    finally:
        c.stop()


def test_lmtp_single_status_answers_for_every_recipient():
    class C(Controller):
        def factory(self):
            return LMTP(self.handler, **self.SMTP_kwargs)

    class One:
        async def handle_DATA(self, server, session, envelope):
            return "250 stored"

    c = C(One(), hostname="127.0.0.1", port=0)
    c.start()
    try:
        r = Raw(c.port)
        r.cmd(b"LHLO c.example")
        r.cmd(b"MAIL FROM:<a@example.org>")
        r.cmd(b"RCPT TO:<one@example.org>")
        r.cmd(b"RCPT TO:<two@example.org>")
        r.cmd(b"DATA")
        r.send(b"hi\r\n.\r\n")
        assert r.lines(2) == [b"250 stored", b"250 stored"]
    finally:
        c.stop()


def test_aiosmtpd_documentation_handler_runs_unchanged(capsys):
    # aiosmtpd's docs/controller.rst example, verbatim.
    class ExampleHandler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if not address.endswith('@example.com'):
                return '550 not relaying to that domain'
            envelope.rcpt_tos.append(address)
            return '250 OK'

        async def handle_DATA(self, server, session, envelope):
            print('Message from %s' % envelope.mail_from)
            print('Message for %s' % envelope.rcpt_tos)
            print('Message data:\n')
            for ln in envelope.content.decode('utf8', errors='replace').splitlines():
                print(f'> {ln}'.strip())
            print()
            print('End of message')
            return '250 Message accepted for delivery'

    controller = Controller(ExampleHandler(), hostname="127.0.0.1", port=0)
    controller.start()
    try:
        client = smtplib.SMTP(controller.hostname, controller.port)
        r = client.sendmail('a@example.com', ['b@example.com'], """\
From: Anne Person <anne@example.com>
To: Bart Person <bart@example.com>
Subject: A test
Message-ID: <ant>

Hi Bart, this is Anne.
""")
        assert r == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail('a@example.com', ['b@example.net'], "Subject: no\n\nno\n")
        client.quit()
    finally:
        controller.stop()
    out = capsys.readouterr().out
    assert "Message from a@example.com" in out
    assert "Message for ['b@example.com']" in out
    assert "> Hi Bart, this is Anne." in out


def test_controller_on_wildcard_address_and_port_zero():
    with serving(Sink(), hostname="0.0.0.0") as c:
        assert c.port != 0
        with smtplib.SMTP("127.0.0.1", c.port) as s:
            assert s.noop() == (250, b"OK")


def test_getfqdn_is_not_called_per_connection(monkeypatch):
    import socket
    calls = []
    monkeypatch.setattr(socket, "getfqdn", lambda *a: calls.append(a) or "slow.example")
    with serving(Sink(), server_hostname=None) as c:
        for _ in range(3):
            r = Raw(c.port)
            assert r.cmd(b"NOOP") == b"250 OK"
            r.close()
    assert calls == []


class KeepBodies:
    def __init__(self):
        self.bodies = []

    async def handle_DATA(self, server, session, envelope):
        self.bodies.append(envelope.content)
        return "250 OK"


@pytest.mark.parametrize("bdat", [False, True], ids=["DATA", "BDAT"])
def test_kept_message_of_many_blocks_arrives_whole(bdat):
    # Over five of the driver's 1 MiB blocks, the last one partial, with
    # every line different: the blocks are put back in order.
    lines = [b"line %07d %s\r\n" % (i, b"x" * (i % 61)) for i in range(120_000)]
    body = b"".join(lines)
    assert len(body) > 5 * (1 << 20) and len(body) % (1 << 20)
    h = KeepBodies()
    with serving(h, chunking=True) as c:
        with smtplib_rs.SMTP("127.0.0.1", c.port) as s:
            if bdat:
                s.ehlo("c.example")
                assert s.has_extn("chunking")
            s.sendmail("a@example.org", ["b@example.org"], body)
    assert len(h.bodies) == 1
    assert type(h.bodies[0]) is bytes
    assert h.bodies[0] == body
