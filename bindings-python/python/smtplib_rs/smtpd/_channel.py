"""SMTPChannel: one client connection, smtpd's class on the engine.

The engine (:mod:`._engine`) reads the client's bytes and decides
everything about the protocol: it frames and parses the command lines,
enforces the sequence, the limits and the DATA framing, and refuses what
is wrong by itself. What it asks the channel to answer -- each command, and
each complete message -- goes to smtpd's ``smtp_<VERB>(arg)`` methods and
to ``process_message``, whose ``push()`` replies become the engine's
answer. Subclasses override those methods as they did with smtpd.
"""

import collections
import errno
import sys
import time
import warnings

from . import _loop
from ._engine import FINAL, Engine
from ._refusals import command_refusal, message_refusal

DATA_SIZE_DEFAULT = 33554432

# Stop reading from a client that does not read its replies.
_MAX_UNSENT = 64 * 1024
_INTERNAL_ERROR = "451 Requested action aborted: local error in processing"
_CLOSING = "421 Service not available, closing transmission channel"


def _public():
    """The public module, whose ``DEBUGSTREAM`` and ``socket`` users (and
    CPython's tests) replace at run time."""
    return sys.modules[__package__]


def _debug(*args):
    print(*args, file=_public().DEBUGSTREAM)


class SMTPChannel(_loop.Dispatcher):
    COMMAND = 0
    DATA = 1

    command_size_limit = 512
    command_size_limits = collections.defaultdict(lambda x=command_size_limit: x)
    # Seconds without a command or data before 421 and close (RFC 5321
    # §4.5.3.2.7); None: no limit (smtpd had none).
    idle_timeout = 300.0
    ac_in_buffer_size = 65536

    @property
    def max_command_size_limit(self):
        try:
            return max(self.command_size_limits.values())
        except ValueError:
            return self.command_size_limit

    def __init__(self, server, conn, addr, data_size_limit=DATA_SIZE_DEFAULT,
                 map=None, enable_SMTPUTF8=False, decode_data=False):
        if enable_SMTPUTF8 and decode_data:
            raise ValueError("decode_data and enable_SMTPUTF8 cannot"
                             " be set to True at the same time")
        super().__init__(conn, map)
        self.smtp_server = server
        self.conn = conn
        self.addr = addr
        self._engine = None
        self._data_size_limit = data_size_limit
        self.enable_SMTPUTF8 = enable_SMTPUTF8
        self._decode_data = decode_data
        self._out = bytearray()
        self._queue = collections.deque()  # engine events not yet handled
        self._serving = False
        self._pending = None       # the engine event being answered
        self._continuation = []    # '250-' lines pushed before the last one
        self._closing = False      # close once everything is written
        self.mail_options = []
        self.rcpt_options = []
        self._set_rset_state()
        self.seen_greeting = ''
        self.extended_smtp = False
        self.command_size_limits.clear()
        self.fqdn = _public().socket.getfqdn()
        try:
            self.peer = conn.getpeername()
        except OSError as err:
            # The client may already have gone away.
            self.close()
            if err.errno != errno.ENOTCONN:
                raise
            return
        _debug('Peer:', repr(self.peer))
        verbs = {name[5:] for name in dir(type(self)) if name.startswith('smtp_')}
        if type(self).smtp_EXPN is SMTPChannel.smtp_EXPN:
            verbs.discard('EXPN')  # the engine answers 502 itself
        self._engine = Engine(
            hostname=self.fqdn, greeting=_public().__version__,
            size_limit=data_size_limit, eight_bit_mime=not decode_data,
            smtputf8=enable_SMTPUTF8, verbs=verbs,
            idle_timeout=self.idle_timeout)
        self._serve(self._engine.start())

    # -- state, as smtpd keeps it --------------------------------------------------
    @property
    def data_size_limit(self):
        return self._data_size_limit

    @data_size_limit.setter
    def data_size_limit(self, value):
        self._data_size_limit = value
        if self._engine is not None:
            self._engine.set_size_limit(value)

    def _set_post_data_state(self):
        """Reset state variables to their post-DATA state."""
        self.smtp_state = self.COMMAND
        self.mailfrom = None
        self.rcpttos = []
        self.require_SMTPUTF8 = False
        self.num_bytes = 0

    def _set_rset_state(self):
        """Reset all state variables except the greeting."""
        self._set_post_data_state()
        self.received_data = ''
        self.received_lines = []

    # -- replies ---------------------------------------------------------------------
    def push(self, msg):
        """Sends the reply line `msg` ('250 OK'). While a command or message
        waits for its answer, the pushed line answers it (lines 'NNN-...'
        gather into a multi-line reply, the 'NNN ...' line ends it)."""
        data = bytes(msg + '\r\n', 'utf-8' if self.require_SMTPUTF8 else 'ascii')
        if self._pending is None:
            # Nothing to answer: written as it is, after what is queued.
            self._out += data
            self._flush()
            return
        code, sep, text = msg[:3], msg[3:4], msg[4:]
        if not (code.isdigit() and sep in ('', ' ', '-')):
            raise ValueError("push(%r): an SMTP reply is 'NNN text'" % (msg,))
        if sep == '-':
            self._continuation.append(text)
            return
        lines = self._continuation + [text]
        self._continuation = []
        result = self._engine.reply(int(code), '\n'.join(lines))
        self._pending = None
        self._serve(result)

    def close_when_done(self):
        """Closes the connection once every reply is written."""
        self._closing = True
        self._flush()

    def _flush(self):
        # One send per reply line, as smtpd's push() did.
        while self._out and self.connected:
            end = self._out.find(b'\r\n') + 2 or len(self._out)
            sent = self.send(bytes(self._out[:end]))
            if not sent:
                return
            del self._out[:sent]
            if sent < end:
                return
        if self._closing and not self._out and self.connected:
            self.close()

    # -- the loop ------------------------------------------------------------------
    def readable(self):
        self._check_timer()
        return (self.connected and not self._closing
                and len(self._out) < _MAX_UNSENT)

    def writable(self):
        return bool(self._out)

    def deadline(self):
        wait = self._engine.timeout() if self._engine is not None else None
        return None if wait is None else time.monotonic() + wait

    def _check_timer(self):
        if self._engine is None or self._closing:
            return
        wait = self._engine.timeout()
        if wait is not None and wait <= 0:
            self._serve(self._engine.handle_timeout())

    def handle_read(self):
        data = self.recv(self.ac_in_buffer_size)
        if data:
            self._serve(self._engine.feed(data))

    def handle_write(self):
        self._flush()

    def handle_close(self):
        if self._engine is not None and not self._engine.closed:
            self._serve(self._engine.feed(b''))
        self.close()

    def close(self):
        self._closing = True
        super().close()

    # -- engine events ---------------------------------------------------------------
    def _serve(self, result):
        """Takes an engine call's (events, out); answers the events in
        order (each answer may bring more), then writes the replies."""
        events, out = result
        if out:
            self._out += out
        if events:
            self._queue.extend(events)
        if self._serving:
            return  # an answer given inside _on_event: the loop below goes on
        self._serving = True
        try:
            while self._queue:
                self._on_event(self._queue.popleft())
        finally:
            self._serving = False
            self._flush()

    def _on_event(self, event):
        kind = event[0]
        if kind == 'MessageEnd':
            self._answer(event, self._message_end)
        elif kind in ('MessageRefused', 'CommandRefused'):
            self._answer(event, self._refused)
        elif kind in FINAL:
            self._closing = True
        else:
            self._answer(event, self._command)

    def _answer(self, event, handler):
        """Runs `handler(event)`, which must push the answer. An exception
        (or no answer) is answered 451, so the client is never left
        waiting, and the exception goes on to handle_error."""
        self._pending = event
        self._continuation = []
        try:
            handler(event)
        finally:
            if self._pending is event and not self._engine.closed:
                self._continuation = []
                try:
                    self.push(_INTERNAL_ERROR)
                except ValueError:  # QUIT takes only 221 or 421
                    self.push(_CLOSING)
            self._pending = None

    def _command(self, event):
        _, verb, arg = event[:3]
        _debug('Data:', repr(verb if arg is None else verb + ' ' + arg))
        if self.smtp_state not in (self.COMMAND, self.DATA):
            self.push('451 Internal confusion')
            return
        method = getattr(self, 'smtp_' + verb, None)
        if method is None:
            self.push('500 Error: command "%s" not recognized' % verb)
            return
        method(arg)

    def _refused(self, event):
        """The engine refused a command or a message: smtpd's words for
        it, or the engine's own where smtpd had none."""
        kind, code, text, reasons, verb = event
        if kind == 'MessageRefused':
            # Too large (552): back in command state (smtpd stayed in DATA).
            self._set_post_data_state()
            status = message_refusal(reasons)
        else:
            status = command_refusal(self, verb, reasons)
        _debug('Refused:', code, text, '->', status)
        self.push(status or '%d %s' % (code, text.replace('\n', ' ')))

    def _message_end(self, event):
        data = event[1]
        self.num_bytes = len(data)
        # smtpd's shape: the CRLF before the final dot ends the data, and
        # lines end with '\n'.
        if data.endswith(b'\r\n'):
            data = data[:-2]
        data = data.replace(b'\r\n', b'\n')
        if self._decode_data:
            try:
                data = data.decode('utf-8')
            except UnicodeDecodeError:
                self._set_post_data_state()
                self.push('554 Error: message data is not UTF-8 (decode_data=True)')
                return
        self.received_data = data
        args = (self.peer, self.mailfrom, self.rcpttos, self.received_data)
        kwargs = {}
        if not self._decode_data:
            kwargs = {
                'mail_options': self.mail_options,
                'rcpt_options': self.rcpt_options,
            }
        try:
            status = self.smtp_server.process_message(*args, **kwargs)
        finally:
            self._set_post_data_state()
        if not status:
            self.push('250 OK')
        else:
            self.push(status)

    # -- SMTP commands: each answers the engine's event with push() ----------------------
    def _greeted(self, verb, arg):
        """smtpd's HELO/EHLO checks: an argument, and no second greeting
        (bpo-21783). True when this greeting stands."""
        if not arg:
            self.push('501 Syntax: %s hostname' % verb)
            return False
        if self.seen_greeting:
            self.push('503 Duplicate HELO/EHLO')
            return False
        self._set_rset_state()
        self.seen_greeting = arg
        return True

    def smtp_HELO(self, arg):
        if self._greeted('HELO', arg):
            self.push('250 %s' % self.fqdn)

    def smtp_EHLO(self, arg):
        if not self._greeted('EHLO', arg):
            return
        self.extended_smtp = True
        if self.data_size_limit:
            self.command_size_limits['MAIL'] += 26
        if self.enable_SMTPUTF8:
            self.command_size_limits['MAIL'] += 10
        # The capability lines are the engine's, from what it enforces.
        self._pending = None
        self._serve(self._engine.accept())

    def smtp_NOOP(self, arg):
        if arg:
            self.push('501 Syntax: NOOP')
        else:
            self.push('250 OK')

    def smtp_QUIT(self, arg):
        # The argument is ignored.
        self.push('221 Bye')
        self.close_when_done()

    def smtp_HELP(self, arg):
        supported = 'EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY'
        if not arg:
            self.push('250 Supported commands: ' + supported)
            return
        params = ' [SP <mail-parameters>]' if self.extended_smtp else ''
        syntax = {
            'EHLO': 'EHLO hostname',
            'HELO': 'HELO hostname',
            'MAIL': 'MAIL FROM: <address>' + params,
            'RCPT': 'RCPT TO: <address>' + params,
            'DATA': 'DATA',
            'RSET': 'RSET',
            'NOOP': 'NOOP',
            'QUIT': 'QUIT',
            'VRFY': 'VRFY <address>',
        }.get(arg.upper())
        if syntax is None:
            self.push('501 Supported commands: ' + supported)
        else:
            self.push('250 Syntax: ' + syntax)

    def smtp_VRFY(self, arg):
        if not arg:
            self.push('501 Syntax: VRFY <address>')
            return
        self.push('252 Cannot VRFY user, but will accept message '
                  'and attempt delivery')

    def smtp_MAIL(self, arg):
        address, options = self._pending[3:]
        _debug('===> MAIL', arg)
        self.mailfrom = address
        self.mail_options = options
        if self.enable_SMTPUTF8 and 'SMTPUTF8' in self.mail_options:
            self.require_SMTPUTF8 = True
        _debug('sender:', self.mailfrom)
        self.push('250 OK')

    def smtp_RCPT(self, arg):
        address, options = self._pending[3:]
        _debug('===> RCPT', arg)
        self.rcpt_options = options
        self.rcpttos.append(address)
        _debug('recips:', self.rcpttos)
        self.push('250 OK')

    def smtp_RSET(self, arg):
        self._set_rset_state()
        self.push('250 OK')

    def smtp_DATA(self, arg):
        self.smtp_state = self.DATA
        self.push('354 End data with <CR><LF>.<CR><LF>')

    def smtp_EXPN(self, arg):
        self.push('502 EXPN not implemented')


def _renamed(old, new):
    """smtpd 3.5 renamed the channel's private attributes; the old names
    still work, with a DeprecationWarning."""
    def get(self):
        _warn_renamed("Access to", old, "use", new)
        return getattr(self, new)

    def set(self, value):
        _warn_renamed("Setting", old, "set", new)
        setattr(self, new, value)
    return property(get, set)


def _warn_renamed(doing, old, verb, new):
    warnings.warn("%s __%s attribute on SMTPChannel is deprecated, %s '%s' instead"
                  % (doing, old, verb, new), DeprecationWarning, 3)


for _old, _new in [('server', 'smtp_server'), ('line', 'received_lines'),
                   ('state', 'smtp_state'), ('greeting', 'seen_greeting'),
                   ('mailfrom', 'mailfrom'), ('rcpttos', 'rcpttos'),
                   ('data', 'received_data'), ('fqdn', 'fqdn'), ('peer', 'peer'),
                   ('conn', 'conn'), ('addr', 'addr')]:
    setattr(SMTPChannel, '_SMTPChannel__' + _old, _renamed(_old, _new))
del _old, _new
