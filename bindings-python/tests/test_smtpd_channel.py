"""SMTPChannel subclasses as smtpd users wrote them: smtp_<VERB> overrides
answering with push(), and the channel attributes they read."""

import smtplib

import pytest

import smtplib_rs.smtpd as smtpd

from _smtpd_support import Collecting, Running, Wire


def _server_with(channel_class):
    class Server(Collecting):
        pass
    Server.channel_class = channel_class
    return Server


def test_override_refuses_a_sender_with_push():
    class Picky(smtpd.SMTPChannel):
        def smtp_MAIL(self, arg):
            if 'spammer' in arg:
                self.push('550 Go away')
                return
            super().smtp_MAIL(arg)

    with Running(_server_with(Picky)) as run:
        with smtplib.SMTP(*run.address, timeout=10) as s:
            with pytest.raises(smtplib.SMTPSenderRefused) as e:
                s.sendmail("spammer@example.com", ["b@example.com"], b"x\r\n")
            assert (e.value.smtp_code, e.value.smtp_error) == (550, b"Go away")
            # The refused MAIL opened no transaction: a new one works.
            s.sendmail("friend@example.com", ["b@example.com"], b"x\r\n")
        assert [m[1] for m in run.server.messages] == ["friend@example.com"]


def test_override_pushes_a_multiline_reply():
    class Chatty(smtpd.SMTPChannel):
        def smtp_NOOP(self, arg):
            self.push('250-first')
            self.push('250-second')
            self.push('250 done')

    with Running(_server_with(Chatty)) as run:
        w = Wire(run.address)
        w.reply()
        assert w.cmd(b"NOOP") == [b"250-first", b"250-second", b"250 done"]
        assert w.cmd(b"QUIT") == [b"221 Bye"]
        w.close()


def test_override_of_rcpt_reads_the_channel_attributes():
    seen = []

    class Auditing(smtpd.SMTPChannel):
        def smtp_RCPT(self, arg):
            seen.append((self.seen_greeting, self.extended_smtp, self.mailfrom,
                         list(self.rcpttos), self.smtp_state, self.mail_options))
            if len(self.rcpttos) >= 2:
                self.push('452 Too many recipients')
                return
            super().smtp_RCPT(arg)

    with Running(_server_with(Auditing)) as run:
        with smtplib.SMTP(*run.address, timeout=10) as s:
            refused = s.sendmail("a@example.com", ["1@example.com", "2@example.com",
                                                   "3@example.com"], b"x\r\n")
        assert refused == {"3@example.com": (452, b"Too many recipients")}
        assert run.server.messages[0][2] == ["1@example.com", "2@example.com"]
    helo = seen[0][0]
    assert seen == [
        (helo, True, "a@example.com", [], smtpd.SMTPChannel.COMMAND, ["SIZE=3"]),
        (helo, True, "a@example.com", ["1@example.com"], 0, ["SIZE=3"]),
        (helo, True, "a@example.com", ["1@example.com", "2@example.com"], 0, ["SIZE=3"]),
    ]


def test_a_method_that_pushes_nothing_gets_451_not_a_hang():
    class Forgetful(smtpd.SMTPChannel):
        def smtp_RSET(self, arg):
            pass

    with Running(_server_with(Forgetful)) as run:
        w = Wire(run.address)
        w.reply()
        assert w.cmd(b"RSET")[0].startswith(b"451")
        assert w.cmd(b"NOOP") == [b"250 OK"]
        w.close()


def test_push_of_something_that_is_not_a_reply_is_a_clear_error(capsys):
    class Wrong(smtpd.SMTPChannel):
        def smtp_NOOP(self, arg):
            self.push('OK then')

    with Running(_server_with(Wrong)) as run:
        w = Wire(run.address)
        w.reply()
        assert w.cmd(b"NOOP")[0].startswith(b"451")
        w.close()
    assert "an SMTP reply is 'NNN text'" in capsys.readouterr().err


def test_quit_closes_after_the_reply():
    with Running(Collecting) as run:
        w = Wire(run.address)
        w.reply()
        w.send(b"QUIT\r\n")
        assert w.closed_by_peer() == b"221 Bye\r\n"
        w.close()


def test_greeting_and_helo_use_the_fqdn():
    with Running(Collecting) as run:
        w = Wire(run.address)
        [greeting] = w.reply()
        [channel] = run.channels()
        assert greeting == ("220 %s Python SMTP proxy version 0.3" % channel.fqdn).encode()
        assert w.cmd(b"HELO client") == [("250 %s" % channel.fqdn).encode()]
        assert w.cmd(b"HELO again") == [b"503 Duplicate HELO/EHLO"]
        w.close()


def test_subclass_adds_a_command():
    """smtpd users added verbs as smtp_<VERB> methods; the engine hands
    the verbs it does not serve to them."""
    class WithXyzzy(smtpd.SMTPChannel):
        def smtp_XYZZY(self, arg):
            self.push('250 Nothing happens to %s' % arg)

        def smtp_EXPN(self, arg):
            self.push('250 <list@example.com>')

    with Running(_server_with(WithXyzzy)) as run:
        w = Wire(run.address)
        w.reply()
        assert w.cmd(b"xyzzy  plugh ") == [b"250 Nothing happens to plugh"]
        assert w.cmd(b"EXPN list") == [b"250 <list@example.com>"]
        assert w.cmd(b"PLUGH")[0].startswith(b"500")
        w.close()


def test_old_client_habits_are_accepted():
    """Paths without angle brackets and QUIT with an argument, as smtpd
    took them."""
    with Running(Collecting) as run:
        w = Wire(run.address)
        w.reply()
        w.cmd(b"HELO client")
        assert w.cmd(b"MAIL From:eggs@example") == [b"250 OK"]
        assert w.cmd(b'RCPT To: "Fred Blogs"@example.com') == [b"250 OK"]
        w.cmd(b"DATA")
        assert w.cmd(b"hi\r\n.") == [b"250 OK"]
        w.send(b"QUIT now\r\n")
        assert w.closed_by_peer() == b"221 Bye\r\n"
        w.close()
        [(_, mailfrom, rcpttos, data, _)] = run.server.messages
    assert (mailfrom, rcpttos, data) == ("eggs@example", ['"Fred Blogs"@example.com'], b"hi")


def test_data_size_limit_changed_mid_session():
    with Running(Collecting) as run:
        w = Wire(run.address)
        w.reply()
        [channel] = run.channels()
        channel.data_size_limit = 100
        w.cmd(b"EHLO client")
        assert w.cmd(b"MAIL FROM:<a@example.com> SIZE=200")[0].startswith(b"552")
        w.close()


def test_idle_timeout_none_means_no_deadline():
    import time

    class Patient(smtpd.SMTPChannel):
        idle_timeout = None

    with Running(_server_with(Patient)) as run:
        w = Wire(run.address)
        w.reply()
        [channel] = run.channels()
        assert channel.deadline() - time.monotonic() > 365 * 24 * 3600
        w.close()
    with Running(Collecting) as run:
        w = Wire(run.address)
        w.reply()
        [channel] = run.channels()
        assert 0 < channel.deadline() - time.monotonic() <= 300
        w.close()
