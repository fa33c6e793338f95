"""A drop-in replacement for the standard library's :mod:`smtplib`.

Change ``import smtplib`` to ``import smtplib_rs as smtplib`` and nothing
else: the names, signatures, return values, exceptions (the standard
library's own classes) and debug output are smtplib's. Every protocol
decision -- command lines, reply parsing, EHLO capabilities, dot-stuffing,
SASL encoding, pipelining, LMTP's per-recipient replies -- is made by the
Rust engine ``smtp-core`` through :mod:`smtplib_rs._core`; this module only
moves bytes between the socket (or :mod:`ssl`) and the engine.

What you gain over smtplib (none of it changes smtplib's documented
behaviour):

* ``sendmail`` pipelines MAIL, RCPT and DATA when the server offers
  PIPELINING (RFC 2920), with the same return value and exceptions;
* set ``use_chunking = True`` on the instance and bodies go by BDAT when the
  server offers CHUNKING (RFC 3030); with PIPELINING too, MAIL, RCPT and
  the body leave in one write (``max_in_flight`` bounds how much body goes
  ahead of the replies);
* ``msg`` may be a binary file-like object: it is streamed in chunks;
* ``LMTP.sendmail`` reads the one reply per accepted recipient that RFC 2033
  sends after the body (CPython issue 76984);
* ``login`` also speaks SCRAM-SHA-256, OAUTHBEARER and XOAUTH2, after
  smtplib's CRAM-MD5, PLAIN and LOGIN;
* bodies are smuggling-safe: a bare CR or LF is sent as CRLF, bytes too.
"""

import socket
import io
import email.utils
import email.message
import email.generator
import copy
import datetime
import sys

# The standard library's own exception classes and constants, so existing
# ``except smtplib.SMTPException`` clauses catch what this module raises.
from smtplib import (  # noqa: F401  (re-exported)
    SMTPException,
    SMTPNotSupportedError,
    SMTPServerDisconnected,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPRecipientsRefused,
    SMTPDataError,
    SMTPConnectError,
    SMTPHeloError,
    SMTPAuthenticationError,
    SMTP_PORT,
    SMTP_SSL_PORT,
    LMTP_PORT,
    CRLF,
    bCRLF,
    OLDSTYLE_AUTH,
)

from . import _core

__all__ = ["SMTPException", "SMTPNotSupportedError", "SMTPServerDisconnected",
           "SMTPResponseException", "SMTPSenderRefused", "SMTPRecipientsRefused",
           "SMTPDataError", "SMTPConnectError", "SMTPHeloError",
           "SMTPAuthenticationError", "quoteaddr", "quotedata", "SMTP"]
from ._common import (  # noqa: F401  (quoteaddr, quotedata are public)
    SMTPImplicitTLSError,
    _MAXLINE,
    _RECV_SIZE,
    _have_ssl,
    _addr_only,
    _succeeded,
    quoteaddr,
    quotedata,
)
from ._auth import _AuthMixin
from ._transaction import _TransactionMixin

if _have_ssl:
    import ssl


def _check_tls_arguments(context, keyfile, certfile):
    """smtplib's rules for starttls() and SMTP_SSL(): a context, or the
    deprecated keyfile/certfile, not both."""
    if context is not None and keyfile is not None:
        raise ValueError("context and keyfile arguments are mutually "
                         "exclusive")
    if context is not None and certfile is not None:
        raise ValueError("context and certfile arguments are mutually "
                         "exclusive")
    if keyfile is not None or certfile is not None:
        import warnings
        # stacklevel 3: the warning names the caller of starttls()/SMTP_SSL().
        warnings.warn("keyfile and certfile are deprecated, use a "
                      "custom context instead", DeprecationWarning, 3)


class SMTP(_AuthMixin, _TransactionMixin):
    """This class manages a connection to an SMTP or ESMTP server.

    SMTP objects have the following attributes:

        helo_resp
            The message given by the server in response to the most recent
            HELO command.
        ehlo_resp
            The message given by the server in response to the most recent
            EHLO command. This is usually multiline.
        does_esmtp
            True after an EHLO command, if the server supports ESMTP.
        esmtp_features
            After an EHLO command, a dictionary of the SMTP service
            extensions this server supports and their parameters, keys in
            lower case.

    Beyond smtplib: ``use_chunking`` (default False) sends bodies with BDAT
    when the server offers CHUNKING; ``use_pipelining`` (default True)
    pipelines ``sendmail`` when the server offers PIPELINING (with both,
    and CHUNKING, a message goes in one write); ``max_in_flight`` (default
    4 MiB) bounds the BDAT body octets sent ahead of their replies.
    """
    debuglevel = 0

    sock = None
    file = None
    helo_resp = None
    ehlo_msg = "ehlo"
    ehlo_resp = None
    does_esmtp = False
    default_port = SMTP_PORT

    use_pipelining = True
    use_chunking = False
    # RFC 8314 §3.3: on these ports a server waits for TLS and never greets
    # a plain-text client; after this many seconds it gets a plain error
    # instead of a hang. The defaults are the engine's.
    implicit_tls_ports = tuple(_core.IMPLICIT_TLS_PORTS)
    implicit_tls_probe = _core.IMPLICIT_TLS_GREETING_WAIT_MS / 1000
    _lmtp = False
    _parser = None
    _caps = None
    _sasl = None
    _machine = None
    _machine_key = None

    def __init__(self, host='', port=0, local_hostname=None,
                 timeout=socket._GLOBAL_DEFAULT_TIMEOUT,
                 source_address=None):
        """Initialize a new instance.

        If `host` is given, connect() is called, and anything but a 220
        greeting raises SMTPConnectError. `local_hostname` is the name sent
        with HELO/EHLO (default: socket.getfqdn(), or an address literal).
        `source_address` is a (host, port) pair to bind to before
        connecting.
        """
        self._host = host
        self.timeout = timeout
        self.esmtp_features = {}
        self.command_encoding = 'ascii'
        self.source_address = source_address
        self._auth_challenge_count = 0

        if host:
            (code, msg) = self.connect(host, port)
            if not _succeeded("greeting", code):
                self.close()
                raise SMTPConnectError(code, msg)
        if local_hostname is not None:
            self.local_hostname = local_hostname
        else:
            # RFC 5321 §4.1.4: the FQDN, or else an address literal.
            fqdn = socket.getfqdn()
            if '.' in fqdn:
                self.local_hostname = fqdn
            else:
                addr = '127.0.0.1'
                try:
                    addr = socket.gethostbyname(socket.gethostname())
                except socket.gaierror:
                    pass
                self.local_hostname = '[%s]' % addr

    def __enter__(self):
        return self

    def __exit__(self, *args):
        try:
            code, message = self.docmd("QUIT")
            if not _succeeded("quit", code):
                raise SMTPResponseException(code, message)
        except SMTPServerDisconnected:
            pass
        finally:
            self.close()

    def set_debuglevel(self, debuglevel):
        """Set the debug output level.

        A non-false value results in debug messages for connection and for all
        messages sent to and received from the server.
        """
        self.debuglevel = debuglevel

    def _print_debug(self, *args):
        if self.debuglevel > 1:
            print(datetime.datetime.now().time(), *args, file=sys.stderr)
        else:
            print(*args, file=sys.stderr)

    def _get_socket(self, host, port, timeout):
        if timeout is not None and not timeout:
            raise ValueError('Non-blocking socket (timeout=0) is not supported')
        if self.debuglevel > 0:
            self._print_debug('connect: to', (host, port), self.source_address)
        return socket.create_connection((host, port), timeout,
                                        self.source_address)

    def connect(self, host='localhost', port=0, source_address=None):
        """Connect to a host on a given port.

        If the hostname ends with a colon (`:') followed by a number, and
        there is no port specified, that suffix will be stripped off and the
        number interpreted as the port number to use.
        """
        if source_address:
            self.source_address = source_address

        if not port and (host.find(':') == host.rfind(':')):
            i = host.rfind(':')
            if i >= 0:
                host, port = host[:i], host[i + 1:]
                try:
                    port = int(port)
                except ValueError:
                    raise OSError("nonnumeric port")
        if not port:
            port = self.default_port
        sys.audit("smtplib.connect", self, host, port)
        self.sock = self._get_socket(host, port, self.timeout)
        self.file = None
        self._new_parser()
        if port in self.implicit_tls_ports:
            self._probe_greeting(port)
        (code, msg) = self.getreply()
        if self.debuglevel > 0:
            self._print_debug('connect:', repr(msg))
        return (code, msg)

    def _probe_greeting(self, port):
        """An implicit-TLS server (RFC 8314 §3.3) waits for our TLS
        handshake while we wait for its greeting: on such a port, a silent
        server gets a plain error after `implicit_tls_probe` seconds instead
        of a hang."""
        import select
        wait = self.implicit_tls_probe
        if self.timeout is not None and self.timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
            wait = min(wait, self.timeout)
        ready, _, _ = select.select([self.sock], [], [], wait)
        if not ready:
            self.close()
            raise SMTPImplicitTLSError(
                -1, ("no greeting within %gs on port %d, which is for implicit TLS "
                     "(RFC 8314): use SMTP_SSL" % (wait, port)).encode())

    def _new_parser(self):
        self._parser = _core.ReplyParser(_MAXLINE)
        self._caps = None
        self._machine = self._machine_key = None

    def send(self, s):
        """Send `s' to the server."""
        if self.debuglevel > 0:
            self._print_debug('send:', repr(s))
        if self.sock:
            if isinstance(s, str):
                s = s.encode(self.command_encoding)
            sys.audit("smtplib.send", self, s)
            try:
                self.sock.sendall(s)
            except OSError:
                self.close()
                raise SMTPServerDisconnected('Server not connected')
        else:
            raise SMTPServerDisconnected('please run connect() first')

    def putcmd(self, cmd, args=""):
        """Send a command to the server."""
        self.send(_core.command_line(cmd, args))

    def getreply(self):
        """Get a reply from the server.

        Returns a tuple consisting of:

          - server response code (e.g. '250', or such, if all goes well)
            Note: returns -1 if it can't read response code.

          - server response string corresponding to response code (multiline
            responses are converted to a single, multiline string).

        Raises SMTPServerDisconnected if end-of-file is reached.
        """
        parser = self._parser
        if parser is None:
            parser = self._parser = _core.ReplyParser(_MAXLINE)
        debug = self.debuglevel > 0
        parser.keep_raw = debug
        try:
            reply = parser.next()
            while reply is None:
                sock = self.sock
                if sock is None:
                    raise SMTPServerDisconnected("Connection unexpectedly closed")
                try:
                    data = sock.recv(_RECV_SIZE)
                except OSError as e:
                    self.close()
                    raise SMTPServerDisconnected("Connection unexpectedly closed: "
                                                 + str(e))
                if not data:
                    # smtplib reads a last line without its LF as a line.
                    reply = parser.eof()
                    if reply is None:
                        if debug:
                            self._print_unfinished(parser)
                        self.close()
                        raise SMTPServerDisconnected("Connection unexpectedly closed")
                    break
                reply = parser.feed(data)
        except SMTPResponseException:
            # The engine refused the reply (a line over _MAXLINE): the
            # stream can no longer be trusted.
            if debug:
                self._print_unfinished(parser)
            self.close()
            raise
        if debug:
            for line in reply[2]:
                self._print_debug('reply:', repr(line))
            self._print_debug('reply: retcode (%s); Msg: %a' % (reply[0], reply[1]))
            return reply[0], reply[1]
        return reply

    def _print_unfinished(self, parser):
        """smtplib prints each line as it reads it, also those of a reply
        it then gives up on (a line too long, EOF in the middle)."""
        for line in parser.unfinished_lines():
            self._print_debug('reply:', repr(line))

    def docmd(self, cmd, args=""):
        """Send a command, and return its response code."""
        self.putcmd(cmd, args)
        return self.getreply()

    # std smtp commands
    def helo(self, name=''):
        """SMTP 'helo' command.
        Hostname to send for this command defaults to the FQDN of the local
        host.
        """
        self.putcmd("helo", name or self.local_hostname)
        (code, msg) = self.getreply()
        self.helo_resp = msg
        return (code, msg)

    def ehlo(self, name=''):
        """ SMTP 'ehlo' command.
        Hostname to send for this command defaults to the FQDN of the local
        host.
        """
        self.esmtp_features = {}
        self._caps = None
        self.putcmd(self.ehlo_msg, name or self.local_hostname)
        (code, msg) = self.getreply()
        # RFC 1869: some servers disconnect on EHLO.
        if code == -1 and len(msg) == 0:
            self.close()
            raise SMTPServerDisconnected("Server not connected")
        self.ehlo_resp = msg
        if not _succeeded("hello", code):
            return (code, msg)
        self.does_esmtp = True
        caps = _core.Capabilities(code, msg)
        self._caps = caps
        self.esmtp_features = caps.esmtp_features()
        return (code, msg)

    def has_extn(self, opt):
        """Does the server support a given SMTP service extension?"""
        return opt.lower() in self.esmtp_features

    def help(self, args=''):
        """SMTP 'help' command.
        Returns help text from server."""
        self.putcmd("help", args)
        return self.getreply()[1]

    def rset(self):
        """SMTP 'rset' command -- resets session."""
        self.command_encoding = 'ascii'
        return self.docmd("rset")

    def _rset(self):
        """RSET that ignores SMTPServerDisconnected: the disconnection shows
        up on the application's next command instead."""
        try:
            self.rset()
        except SMTPServerDisconnected:
            pass

    def noop(self):
        """SMTP 'noop' command -- doesn't do anything :>"""
        return self.docmd("noop")

    def verify(self, address):
        """SMTP 'verify' command -- checks for address validity."""
        self.putcmd("vrfy", _addr_only(address))
        return self.getreply()
    # a.k.a.
    vrfy = verify

    def expn(self, address):
        """SMTP 'expn' command -- expands a mailing list."""
        self.putcmd("expn", _addr_only(address))
        return self.getreply()

    # some useful methods

    def ehlo_or_helo_if_needed(self):
        """Call self.ehlo() and/or self.helo() if needed.

        If there has been no previous EHLO or HELO command this session, this
        method tries ESMTP EHLO first.

        This method may raise the following exceptions:

         SMTPHeloError            The server didn't reply properly to
                                  the helo greeting.
        """
        if self.helo_resp is None and self.ehlo_resp is None:
            # smtplib's rule (CPython's tests hold it to it): any 2yz
            # (RFC 5321 §4.2.1, positive completion) counts here.
            if not (200 <= self.ehlo()[0] <= 299):
                (code, resp) = self.helo()
                if not (200 <= code <= 299):
                    raise SMTPHeloError(code, resp)

    # The authobjects below delegate to the engine's SASL clients; each
    # keeps smtplib's calling convention (None first when an initial
    # response is allowed, then each decoded challenge) and returns str.

    def starttls(self, keyfile=None, certfile=None, context=None):
        """Puts the connection to the SMTP server into TLS mode.

        If there has been no previous EHLO or HELO command this session, this
        method tries ESMTP EHLO first.

        If the server supports TLS, this will encrypt the rest of the SMTP
        session. If you provide the keyfile and certfile parameters,
        the identity of the SMTP server and client can be checked. This,
        however, depends on whether the socket module really checks the
        certificates.

        This method may raise the following exceptions:

         SMTPHeloError            The server didn't reply properly to
                                  the helo greeting.
        """
        self.ehlo_or_helo_if_needed()
        if not self.has_extn("starttls"):
            raise SMTPNotSupportedError(
                "STARTTLS extension not supported by server.")
        (resp, reply) = self.docmd("STARTTLS")
        if _succeeded("starttls", resp):
            if not _have_ssl:
                raise RuntimeError("No SSL support included in this Python")
            _check_tls_arguments(context, keyfile, certfile)
            # RFC 3207 §5: bytes the server sent after its 220 and before the
            # handshake are an injection attempt; the engine refuses them.
            try:
                self._parser.check_starttls()
            except ssl.SSLError:
                # smtplib's handshake fails on such bytes with SSLError
                # too (when it does not drop them unseen).
                self.close()
                raise
            if context is None:
                context = ssl._create_stdlib_context(certfile=certfile,
                                                     keyfile=keyfile)
            self.sock = context.wrap_socket(self.sock,
                                            server_hostname=self._host)
            self.file = None
            self._new_parser()
            # RFC 3207 §4.2: forget everything learnt before TLS.
            self.helo_resp = None
            self.ehlo_resp = None
            self.esmtp_features = {}
            self.does_esmtp = False
        else:
            # RFC 3207: 501 syntax error, 454 TLS not available.
            raise SMTPResponseException(resp, reply)
        return (resp, reply)

    def send_message(self, msg, from_addr=None, to_addrs=None,
                     mail_options=(), rcpt_options=()):
        """Converts message to a bytestring and passes it to sendmail.

        The arguments are as for sendmail, except that msg is an
        email.message.Message object.  If from_addr is None or to_addrs is
        None, these arguments are taken from the headers of the Message as
        described in RFC 2822 (a ValueError is raised if there is more than
        one set of 'Resent-' headers).  Regardless of the values of from_addr and
        to_addr, any Bcc field (or Resent-Bcc field, when the Message is a
        resent) of the Message object won't be transmitted.  The Message
        object is then serialized using email.generator.BytesGenerator and
        sendmail is called to transmit the message.  If the sender or any of
        the recipient addresses contain non-ASCII and the server advertises the
        SMTPUTF8 capability, the policy is cloned with utf8 set to True for the
        serialization, and SMTPUTF8 and BODY=8BITMIME are asserted on the send.
        If the server does not support SMTPUTF8, an SMTPNotSupported error is
        raised.  Otherwise the generator is called without modifying the
        policy.
        """
        # RFC 5322 §3.6.6: with one Resent- block, its fields are the
        # envelope; with several, which one is newest is ambiguous.
        self.ehlo_or_helo_if_needed()
        resent = msg.get_all('Resent-Date')
        if resent is None:
            header_prefix = ''
        elif len(resent) == 1:
            header_prefix = 'Resent-'
        else:
            raise ValueError("message has more than one 'Resent-' header block")
        if from_addr is None:
            # RFC 5322 §3.6.2: Sender wins over From.
            from_addr = (msg[header_prefix + 'Sender']
                         if (header_prefix + 'Sender') in msg
                         else msg[header_prefix + 'From'])
            from_addr = email.utils.getaddresses([from_addr])[0][1]
        if to_addrs is None:
            addr_fields = [f for f in (msg[header_prefix + 'To'],
                                       msg[header_prefix + 'Bcc'],
                                       msg[header_prefix + 'Cc'])
                           if f is not None]
            to_addrs = [a[1] for a in email.utils.getaddresses(addr_fields)]
        # Bcc must not be transmitted: strip it from a copy.
        msg_copy = copy.copy(msg)
        del msg_copy['Bcc']
        del msg_copy['Resent-Bcc']
        international = False
        try:
            ''.join([from_addr, *to_addrs]).encode('ascii')
        except UnicodeEncodeError:
            if not self.has_extn('smtputf8'):
                raise SMTPNotSupportedError(
                    "One or more source or delivery addresses require"
                    " internationalized email support, but the server"
                    " does not advertise the required SMTPUTF8 capability")
            international = True
        with io.BytesIO() as bytesmsg:
            if international:
                g = email.generator.BytesGenerator(
                    bytesmsg, policy=msg.policy.clone(utf8=True))
                mail_options = (*mail_options, 'SMTPUTF8', 'BODY=8BITMIME')
            else:
                g = email.generator.BytesGenerator(bytesmsg)
            g.flatten(msg_copy, linesep='\r\n')
            flatmsg = bytesmsg.getvalue()
        return self.sendmail(from_addr, to_addrs, flatmsg, mail_options,
                             rcpt_options)

    def close(self):
        """Close the connection to the SMTP server."""
        try:
            file = self.file
            self.file = None
            if file:
                file.close()
        finally:
            sock = self.sock
            self.sock = None
            self._parser = None
            self._machine = self._machine_key = None
            if sock:
                sock.close()

    def quit(self):
        """Terminate the SMTP session."""
        res = self.docmd("quit")
        # A new EHLO is required after reconnecting with connect()
        self.ehlo_resp = self.helo_resp = None
        self.esmtp_features = {}
        self.does_esmtp = False
        self._caps = None
        self.close()
        return res


# Taken now, before any test or application patches them.
SMTP._stock_methods = {name: getattr(SMTP, name) for name in SMTP._SENDMAIL_CALLS}


if _have_ssl:

    # OpenSSL's reasons for a handshake answered by something that is no
    # TLS record (1.1/3.0, 3.2 and later, LibreSSL).
    _PLAIN_TEXT_ANSWER = frozenset({'WRONG_VERSION_NUMBER', 'RECORD_LAYER_FAILURE',
                                    'UNKNOWN_PROTOCOL'})

    class SMTP_SSL(SMTP):
        """An SMTP connection over implicit TLS (RFC 8314 §3.3). If host is
        not specified, '' (the local host) is used. If port is omitted, the
        standard SMTP-over-SSL port (465) is used. local_hostname and
        source_address have the same meaning as they do in the SMTP class.
        keyfile and certfile (deprecated) can hold a PEM private key and
        certificate chain; context, an SSLContext, is the alternative to
        them: if it is given, both must be None.
        """

        default_port = SMTP_SSL_PORT
        implicit_tls_ports = ()

        def __init__(self, host='', port=0, local_hostname=None,
                     keyfile=None, certfile=None,
                     timeout=socket._GLOBAL_DEFAULT_TIMEOUT,
                     source_address=None, context=None):
            _check_tls_arguments(context, keyfile, certfile)
            self.keyfile = keyfile
            self.certfile = certfile
            if context is None:
                context = ssl._create_stdlib_context(certfile=certfile,
                                                     keyfile=keyfile)
            self.context = context
            SMTP.__init__(self, host, port, local_hostname, timeout,
                          source_address)

        def _get_socket(self, host, port, timeout):
            if self.debuglevel > 0:
                self._print_debug('connect:', (host, port))
            new_socket = super()._get_socket(host, port, timeout)
            try:
                new_socket = self.context.wrap_socket(new_socket,
                                                      server_hostname=self._host)
            except ssl.SSLError as e:
                new_socket.close()
                if getattr(e, 'reason', None) in _PLAIN_TEXT_ANSWER:
                    # The server answered the handshake in plain text: a
                    # STARTTLS port, not an implicit-TLS one (RFC 8314
                    # §3.3). smtplib's exception, type and args unchanged
                    # (callers catch ssl.SSLError), saying what to do.
                    e.strerror = ("%s: the server on port %d speaks plain SMTP; "
                                  "use SMTP and starttls()" % (e.strerror, port))
                raise
            return new_socket

    __all__.append("SMTP_SSL")


class LMTP(SMTP):
    """LMTP - Local Mail Transfer Protocol (RFC 2033).

    Like ESMTP with LHLO instead of EHLO, and one reply per accepted
    recipient after the message body: ``sendmail`` reads all of them, puts
    the recipients refused there in its result like those refused at RCPT,
    and raises SMTPRecipientsRefused only when no recipient got the
    message. To use a Unix socket, give an absolute path (starting with
    '/') as the host.
    """

    ehlo_msg = "lhlo"
    _lmtp = True

    def __init__(self, host='', port=LMTP_PORT, local_hostname=None,
                 source_address=None, timeout=socket._GLOBAL_DEFAULT_TIMEOUT):
        """Initialize a new instance."""
        super().__init__(host, port, local_hostname=local_hostname,
                         source_address=source_address, timeout=timeout)

    def connect(self, host='localhost', port=0, source_address=None):
        """Connect to the LMTP daemon, on either a Unix or a TCP socket."""
        if host[0] != '/':
            return super().connect(host, port, source_address=source_address)

        if self.timeout is not None and not self.timeout:
            raise ValueError('Non-blocking socket (timeout=0) is not supported')

        try:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if self.timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                self.sock.settimeout(self.timeout)
            self.file = None
            self.sock.connect(host)
        except OSError:
            if self.debuglevel > 0:
                self._print_debug('connect fail:', host)
            if self.sock:
                self.sock.close()
            self.sock = None
            raise
        self._new_parser()
        (code, msg) = self.getreply()
        if self.debuglevel > 0:
            self._print_debug('connect:', msg)
        return (code, msg)

