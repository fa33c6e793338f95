"""The mail transaction for smtplib_rs.SMTP: smtplib's ``mail()``,
``rcpt()`` and ``data()``, and ``sendmail()`` on the engine's client
machine (pipelining, BDAT, LMTP) or, when smtplib's own calls must run,
on the engine's TransactionLedger. Python moves bytes; the engine decides.
"""

from smtplib import (
    SMTPDataError,
    SMTPNotSupportedError,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPServerDisconnected,
)

from . import _core
from ._common import (
    _BODY_CHUNK,
    _FALLBACK,
    _RECV_SIZE,
    _have_ssl,
    _is_filelike,
    quoteaddr,
)

if _have_ssl:
    import ssl


def _as_bytes(data):
    """A body piece as bytes: str (ASCII, as smtplib encodes it),
    bytearray and memoryview are converted."""
    if isinstance(data, str):
        return data.encode('ascii')
    return data if isinstance(data, bytes) else bytes(data)


class _TransactionMixin:
    """MAIL, RCPT, DATA/BDAT and sendmail; mixed into SMTP."""

    # With use_chunking and a server offering PIPELINING and CHUNKING,
    # sendmail writes MAIL, every RCPT and the first BDAT chunks at once
    # (RFC 2920 §3.1, RFC 3030 §2): at most this many body octets go ahead
    # of the replies that judge them, so a refused message wastes at most
    # this much. 0: each chunk waits for every reply before it.
    max_in_flight = _core.DEFAULT_MAX_IN_FLIGHT

    def _mail_args(self, sender, options):
        optionlist = ''
        if options and self.does_esmtp:
            if any(x.lower() == 'smtputf8' for x in options):
                if self.has_extn('smtputf8'):
                    self.command_encoding = 'utf-8'
                else:
                    raise SMTPNotSupportedError(
                        'SMTPUTF8 not supported by server')
            optionlist = ' ' + ' '.join(options)
        return "FROM:%s%s" % (quoteaddr(sender), optionlist)

    def _rcpt_args(self, recip, options):
        optionlist = ''
        if options and self.does_esmtp:
            optionlist = ' ' + ' '.join(options)
        return "TO:%s%s" % (quoteaddr(recip), optionlist)

    def mail(self, sender, options=()):
        """SMTP 'mail' command -- begins mail xfer session.

        This method may raise the following exceptions:

         SMTPNotSupportedError  The options parameter includes 'SMTPUTF8'
                                but the SMTPUTF8 extension is not supported by
                                the server.
        """
        self.putcmd("mail", self._mail_args(sender, options))
        return self.getreply()

    def rcpt(self, recip, options=()):
        """SMTP 'rcpt' command -- indicates 1 recipient for this mail."""
        self.putcmd("rcpt", self._rcpt_args(recip, options))
        return self.getreply()

    def data(self, msg):
        """SMTP 'DATA' command -- sends message data to server.

        Automatically quotes lines beginning with a period per rfc821.
        Raises SMTPDataError if there is an unexpected reply to the
        DATA command; the return value from this method is the final
        response code received when the all data is sent.  If msg
        is a string, lone '\\r' and '\\n' characters are converted to
        '\\r\\n' characters.  If msg is bytes, it is transmitted with the
        same conversion (smuggling-safe; smtplib sends bytes as is).
        msg may also be a binary file-like object, streamed in chunks.
        """
        self.putcmd("data")
        (code, repl) = self.getreply()
        if self.debuglevel > 0:
            self._print_debug('data:', (code, repl))
        if _core.reply_meaning("data", code) != "intermediate":
            raise SMTPDataError(code, repl)
        self._send_body(msg)
        (code, msg) = self.getreply()
        if self.debuglevel > 0:
            self._print_debug('data:', (code, msg))
        return (code, msg)

    def _send_body(self, msg):
        """Sends a DATA body, dot-stuffed and terminated by the engine."""
        if _is_filelike(msg):
            # Each chunk goes once the next is read, the last one with the
            # terminator (see _machine_body on Nagle).
            stuffer = _core.DotStuffer()
            held = b''
            while True:
                chunk = msg.read(_BODY_CHUNK)
                if not chunk:
                    break
                if isinstance(chunk, str):
                    chunk = chunk.encode('ascii')
                if held:
                    self.send(held)
                held = stuffer.push(chunk)
            self.send(held + stuffer.finish())
        else:
            self.send(_core.stuff_body(msg))

    def _send_bdat(self, msg, ledger):
        """Sends a body as BDAT chunks (RFC 3030 §2), each reply to the
        ledger; returns its next step. A refused chunk ends the transfer.
        """
        if _is_filelike(msg):
            chunks = iter(lambda: msg.read(_BODY_CHUNK), b'')
        else:
            if isinstance(msg, str):
                msg = _core.fix_eols(msg).encode('ascii')
            chunks = iter([bytes(msg[i:i + _BODY_CHUNK])
                           for i in range(0, len(msg), _BODY_CHUNK)] or [b''])
        pending = next(chunks, b'')
        while True:
            nxt = next(chunks, None)
            last = nxt is None
            if isinstance(pending, str):
                pending = pending.encode('ascii')
            self.send(_core.bdat_line(len(pending), last) + pending)
            (code, resp) = self.getreply()
            if self.debuglevel > 0:
                self._print_debug('data:', (code, resp))
            if last:
                return ledger.data_end(code, resp)
            step = ledger.bdat(code, resp)
            if step[0] != "body":
                return step
            pending = nxt

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(),
                 rcpt_options=()):
        """This command performs an entire mail transaction.

        The arguments are:
            - from_addr    : The address sending this mail.
            - to_addrs     : A list of addresses to send this mail to.  A bare
                             string will be treated as a list with 1 address.
            - msg          : The message to send: str (ASCII), bytes, or a
                             binary file-like object (streamed).
            - mail_options : List of ESMTP options (such as 8bitmime) for the
                             mail command.
            - rcpt_options : List of ESMTP options (such as DSN commands) for
                             all the rcpt commands.

        A str message is encoded with the ascii codec; lone \\r and \\n
        characters are converted to \\r\\n (bytes too, for smuggling safety).

        If there has been no previous EHLO or HELO command this session, this
        method tries ESMTP EHLO first.  If the server does ESMTP, message size
        and each of the specified options will be passed to it.  If EHLO
        fails, HELO will be tried and ESMTP options suppressed.  When the
        server offers PIPELINING, MAIL, RCPT and DATA go in one round trip.

        This method will return normally if the mail is accepted for at least
        one recipient.  It returns a dictionary, with one entry for each
        recipient that was refused.  Each entry contains a tuple of the SMTP
        error code and the accompanying error message sent by the server.

        This method may raise the following exceptions:

         SMTPHeloError          The server didn't reply properly to
                                the helo greeting.
         SMTPRecipientsRefused  The server rejected ALL recipients
                                (no mail was sent).
         SMTPSenderRefused      The server didn't accept the from_addr.
         SMTPDataError          The server replied with an unexpected
                                error code (other than a refusal of
                                a recipient).
         SMTPNotSupportedError  The mail_options parameter includes 'SMTPUTF8'
                                but the SMTPUTF8 extension is not supported by
                                the server.

        Note: the connection will be open even after an exception is raised.
        """
        self.ehlo_or_helo_if_needed()
        esmtp_opts = []
        if isinstance(msg, str):
            msg = _core.fix_eols(msg).encode('ascii')
        if self.does_esmtp:
            if self.has_extn('size') and not _is_filelike(msg):
                esmtp_opts.append("size=%d" % len(msg))
            for option in mail_options:
                esmtp_opts.append(option)
        if isinstance(to_addrs, str):
            to_addrs = [to_addrs]
        caps = self._caps
        chunking = (self.use_chunking and caps is not None and self.does_esmtp
                    and caps.chunking)
        machine = self._mail_machine()
        if machine is not None:
            result = self._sendmail_machine(machine, from_addr, to_addrs, msg,
                                            esmtp_opts, rcpt_options, chunking)
            if result is not _FALLBACK:
                return result
        return self._sendmail_serial(from_addr, to_addrs, msg, esmtp_opts,
                                     rcpt_options, chunking)

    # The methods smtplib's sendmail goes through, which the engine's path
    # does not call; SMTP fills in its own functions at import.
    _SENDMAIL_CALLS = ("mail", "rcpt", "data", "send", "putcmd", "getreply", "rset")
    _stock_methods = {}

    def _calls_replaced(self):
        """Whether a subclass, an instance attribute or a patch put other
        code in place of a method in _SENDMAIL_CALLS. The comparison is
        with the functions saved at import: mock.patch.object replaces
        the class attribute itself."""
        cls = type(self)
        instance = self.__dict__
        for name, stock in self._stock_methods.items():
            if name in instance or getattr(cls, name) is not stock:
                return True
        return False

    def _mail_machine(self):
        """The engine's client machine for this session, or None when
        sendmail must go step by step as smtplib does: debug output on
        (smtplib's format), pipelining turned off, no EHLO, unread input,
        or a method smtplib's sendmail calls (mail, rcpt, data, send...)
        replaced, so that the replacement sees smtplib's calls."""
        if (self.debuglevel > 0 or not self.use_pipelining or not self.does_esmtp
                or self.ehlo_resp is None or self.sock is None
                or self._parser is None or self._parser.pending()
                or self._calls_replaced()):
            return None
        # A TLS socket (SMTP_SSL, or after starttls()) lets the machine
        # send what needs TLS, such as REQUIRETLS.
        tls = _have_ssl and isinstance(self.sock, ssl.SSLSocket)
        key = (self.ehlo_resp, self.local_hostname, self.max_in_flight, tls)
        if self._machine_key != key:
            try:
                self._machine = _core.MailMachine(self.local_hostname, self._lmtp,
                                                  self.ehlo_resp, self.max_in_flight,
                                                  tls=tls)
            except ValueError:
                self._machine = None
            self._machine_key = key
        return self._machine

    def _machine_io(self, m, force_read=False):
        """Writes what the machine has, reads what the server sent."""
        out = m.transmit()
        if out:
            self.send(out)
        if not force_read and m.status() != m.NEED_INPUT:
            return
        try:
            data = self.sock.recv(_RECV_SIZE)
        except OSError as e:
            self.close()
            raise SMTPServerDisconnected("Connection unexpectedly closed: " + str(e))
        m.receive(data)

    def _sendmail_machine(self, m, from_addr, to_addrs, msg, esmtp_opts,
                          rcpt_options, chunking):
        """One transaction run by the engine; same results and exceptions
        as the step-by-step path."""
        mail_line = "mail " + self._mail_args(from_addr, esmtp_opts)
        rcpt_lines = ["rcpt " + self._rcpt_args(r, rcpt_options) for r in to_addrs]
        for line in [mail_line, *rcpt_lines]:
            _core.command_line(line)            # CR/LF: smtplib's ValueError
            line.encode(self.command_encoding)  # smtplib's UnicodeEncodeError
        if not m.begin(mail_line, rcpt_lines, chunking,
                       self.command_encoding == 'utf-8'):
            return _FALLBACK
        while True:
            status = m.status()
            if status == m.DONE:
                break
            if status == m.SEND_BODY:
                self._machine_body(m, msg)
                continue
            self._machine_io(m)
        out = m.transmit()
        if out and self.sock is not None:
            self.send(out)
        outcome = m.outcome()
        if m.closed:
            self.close()
        return self._transaction_result(outcome, from_addr, to_addrs)

    def _machine_body(self, m, msg):
        """Feeds the body to the machine, _BODY_CHUNK octets at a time (a
        bytes message by offsets into it, without copies), so the machine
        never holds more than a piece and a chunk. Each piece is written
        only once the next one is read, so the last one leaves together
        with the terminator: a lone small write after a large one would
        wait for the peer's delayed ACK (Nagle), tens of milliseconds. With
        BDAT pipelined the envelope waits for the first piece too, so a
        small message is one write and one round trip."""
        if _is_filelike(msg):
            pieces = ((_as_bytes(c), 0, len(c))
                      for c in iter(lambda: msg.read(_BODY_CHUNK), b''))
        else:
            msg = _as_bytes(msg)
            pieces = ((msg, i, min(i + _BODY_CHUNK, len(msg)))
                      for i in range(0, len(msg), _BODY_CHUNK))
        first = True
        for data, start, end in pieces:
            if not first:
                out = m.transmit()
                if out:
                    self.send(out)
            first = False
            while m.status() == m.SEND_BODY and not m.body(data, start, end):
                # Chunks wait for the replies to those in flight
                # (max_in_flight), or a reply refused the transaction.
                self._machine_io(m, force_read=m.status() == m.SEND_BODY)
            if m.status() != m.SEND_BODY:
                return
        m.finish_body()

    def _sendmail_serial(self, from_addr, to_addrs, msg, esmtp_opts,
                         rcpt_options, chunking):
        """smtplib's own calls, one command at a time (so subclasses, mocks
        and debug output see them); the engine's TransactionLedger reads
        every reply and decides what comes next and how it ended."""
        ledger = _core.TransactionLedger(len(to_addrs), self._lmtp)
        step, index = ledger.mail(*self.mail(from_addr, esmtp_opts))
        while step == "rcpt":
            step, index = ledger.rcpt(*self.rcpt(to_addrs[index], rcpt_options))
        if step == "data" and chunking:
            step, index = self._send_bdat(msg, ledger)
        elif step == "data":
            try:
                reply = self.data(msg)
            except SMTPDataError as e:
                step, index = ledger.data(e.smtp_code, e.smtp_error)
            else:
                # data() returns only after the server's 354.
                ledger.data(354, None)
                step, index = ledger.data_end(*reply)
        while step == "delivery":
            # LMTP (RFC 2033 §4.2): one reply per accepted recipient.
            step, index = ledger.data_end(*self.getreply())
        if ledger.reset_owed:
            self._rset()
        return self._transaction_result(ledger.outcome(), from_addr, to_addrs)

    def _transaction_result(self, outcome, from_addr, to_addrs):
        """smtplib's return value or exception for a transaction's outcome
        (the same tuple from the machine and from the ledger)."""
        tag = outcome[0]
        if tag == "broken":
            self.close()
            raise SMTPServerDisconnected(outcome[1])
        if tag == "unreadable":
            # A reply line over smtplib's limit: its exception, as
            # getreply() raises it.
            self.close()
            raise SMTPResponseException(outcome[1], outcome[2])
        if outcome[-1]:  # 421: the server is closing the connection
            self.close()
        if tag == "ok":
            return {to_addrs[i]: (code, text) for i, code, text in outcome[1]}
        if tag == "recipients":
            raise SMTPRecipientsRefused(
                {to_addrs[i]: (code, text) for i, code, text in outcome[1]})
        if tag == "sender":
            raise SMTPSenderRefused(outcome[1], outcome[2], from_addr)
        raise SMTPDataError(outcome[1], outcome[2])
