"""SMTPServer and the two servers smtpd ships: DebuggingServer and
PureProxy."""

import time

from . import _loop
from ._channel import DATA_SIZE_DEFAULT, SMTPChannel, _debug, _public

_BACKLOG = 128
# How long PureProxy waits for the remote server (smtpd waited forever).
RELAY_TIMEOUT = 60.0


class SMTPServer(_loop.Dispatcher):
    # SMTPChannel class to use for managing client connections
    channel_class = SMTPChannel

    def __init__(self, localaddr, remoteaddr,
                 data_size_limit=DATA_SIZE_DEFAULT, map=None,
                 enable_SMTPUTF8=False, decode_data=False):
        self._localaddr = localaddr
        self._remoteaddr = remoteaddr
        self.data_size_limit = data_size_limit
        self.enable_SMTPUTF8 = enable_SMTPUTF8
        self._decode_data = decode_data
        if enable_SMTPUTF8 and decode_data:
            raise ValueError("decode_data and enable_SMTPUTF8 cannot"
                             " be set to True at the same time")
        super().__init__(map=map)
        sockets = _public().socket
        try:
            family, kind = sockets.getaddrinfo(*localaddr, type=sockets.SOCK_STREAM)[0][:2]
            self.create_socket(family, kind)
            # try to re-use a server port if possible
            self.set_reuse_addr()
            self.bind(localaddr)
            # smtpd's backlog was 5: a burst of clients then waits for
            # SYN retransmissions (seconds each).
            self.listen(_BACKLOG)
        except BaseException:
            self.close()
            raise
        else:
            _debug('%s started at %s\n\tLocal addr: %s\n\tRemote addr:%s' % (
                self.__class__.__name__, time.ctime(time.time()),
                localaddr, remoteaddr))

    def create_socket(self, family, type):
        sock = _public().socket.socket(family, type)
        sock.setblocking(False)
        self.set_socket(sock)

    def handle_accepted(self, conn, addr):
        _debug('Incoming connection from %s' % repr(addr))
        self.channel_class(self, conn, addr, self.data_size_limit, self._map,
                           self.enable_SMTPUTF8, self._decode_data)

    # API for "doing something useful with the message"
    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        """Override this method to handle each message a client sends.

        `peer` is the client's address, `mailfrom` the envelope sender
        (the address without angle brackets, '' for the null sender),
        `rcpttos` the list of accepted recipients, `data` the message: the
        dots of RFC 5321 §4.5.2 removed, lines ending in '\\n', the line
        break before the final '.' removed; bytes, or str when the server
        was made with ``decode_data=True``.

        Unless ``decode_data=True``, `kwargs` holds ``mail_options`` and
        ``rcpt_options``: the MAIL and last RCPT parameters, upper-cased,
        e.g. ``['BODY=8BITMIME', 'SMTPUTF8']``.

        Return None for '250 OK', or the reply to send instead
        ('554 No thanks'). An exception is answered '451' and then handled
        by the loop (logged, connection closed).
        """
        raise NotImplementedError


class DebuggingServer(SMTPServer):
    """Prints each message on stdout, as smtpd's did."""

    def _print_message_content(self, peer, data):
        binary = not isinstance(data, str)
        in_headers = True
        for line in data.splitlines():
            if in_headers and not line:
                # The end of the headers: say where the message came from.
                peer_header = 'X-Peer: ' + peer[0]
                print(repr(peer_header.encode('utf-8')) if binary else peer_header)
                in_headers = False
            print(repr(line) if binary else line)

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        print('---------- MESSAGE FOLLOWS ----------')
        if kwargs:
            if kwargs.get('mail_options'):
                print('mail options: %s' % kwargs['mail_options'])
            if kwargs.get('rcpt_options'):
                print('rcpt options: %s\n' % kwargs['rcpt_options'])
        self._print_message_content(peer, data)
        print('------------ END MESSAGE ------------')


class PureProxy(SMTPServer):
    """Relays each message to `remoteaddr` through smtplib_rs, with an
    ``X-Peer`` header added after the others."""

    def __init__(self, *args, **kwargs):
        if kwargs.get('enable_SMTPUTF8'):
            raise ValueError("PureProxy does not support SMTPUTF8.")
        super().__init__(*args, **kwargs)

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        # Bytes by default (smtpd raised TypeError here, bpo-35837).
        newline = '\n' if isinstance(data, str) else b'\n'
        peer_line = 'X-Peer: %s' % peer[0]
        lines = data.split(newline)
        end_of_headers = next((i for i, line in enumerate(lines) if not line), len(lines))
        lines.insert(end_of_headers,
                     peer_line if isinstance(data, str) else peer_line.encode('ascii'))
        refused = self._deliver(mailfrom, rcpttos, newline.join(lines))
        _debug('we got some refusals:', refused)
        if refused and len(refused) >= len(rcpttos):
            # Nobody got it: say so, rather than 250 and a lost message.
            codes = [code for code, _ in refused.values()]
            if all(isinstance(c, int) and 500 <= c <= 599 for c in codes):
                return '554 Error: the remote server refused every recipient'
            return '451 Error: relaying to the remote server failed'
        return None

    def _deliver(self, mailfrom, rcpttos, data):
        import smtplib_rs as smtplib
        refused = {}
        try:
            s = smtplib.SMTP(timeout=RELAY_TIMEOUT)
            s.connect(self._remoteaddr[0], self._remoteaddr[1])
            try:
                refused = s.sendmail(mailfrom, rcpttos, data)
            finally:
                s.quit()
        except smtplib.SMTPRecipientsRefused as e:
            _debug('got SMTPRecipientsRefused')
            refused = e.recipients
        except (OSError, smtplib.SMTPException) as e:
            _debug('got', e.__class__)
            # Every recipient failed: use the server's code if it gave one.
            errcode = getattr(e, 'smtp_code', -1)
            errmsg = getattr(e, 'smtp_error', 'ignore')
            for r in rcpttos:
                refused[r] = (errcode, errmsg)
        return refused
