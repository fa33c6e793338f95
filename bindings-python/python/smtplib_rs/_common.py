"""What the parts of smtplib_rs share: smtplib's limits, address quoting,
and the engine's reading of reply codes."""

import email.utils
import functools
from smtplib import SMTPConnectError, SMTPServerDisconnected

from . import _core

# Longest reply line smtplib accepts (its readline limit): 8 times RFC 5321
# §4.5.3.1.5's 512, for the servers that send long lines anyway.
_MAXLINE = 8192
# smtplib's bound on AUTH challenges before it gives up.
_MAXCHALLENGE = 5
# How much one recv() asks for: whole pipelined reply groups at once.
_RECV_SIZE = 65536
# How much of a file-like body is read per chunk.
_BODY_CHUNK = 1 << 20


def quoteaddr(addrstring):
    """Quote a subset of the email addresses defined by RFC 821.

    Should be able to handle anything email.utils.parseaddr can handle.
    """
    try:
        return _quoteaddr_cached(addrstring)
    except TypeError:  # unhashable: not a str, let parseaddr say so
        return _quoteaddr(addrstring)


def _quoteaddr(addrstring):
    displayname, addr = email.utils.parseaddr(addrstring)
    if (displayname, addr) == ('', ''):
        # Not parseable as an RFC 5322 address: send it as given.
        if addrstring.strip().startswith('<'):
            return addrstring
        return "<%s>" % addrstring
    return "<%s>" % addr


# A bulk sender repeats its addresses; parseaddr costs tens of µs a call.
_quoteaddr_cached = functools.lru_cache(maxsize=1024)(_quoteaddr)


def _addr_only(addrstring):
    displayname, addr = email.utils.parseaddr(addrstring)
    if (displayname, addr) == ('', ''):
        return addrstring
    return addr


def quotedata(data):
    """Quote data for email.

    Double leading '.', and change Unix newline '\\n', or Mac '\\r' into
    internet CRLF end-of-line.
    """
    return _core.quotedata(data)


try:
    import ssl  # noqa: F401  (only whether it imports)
except ImportError:  # pragma: no cover - every supported build has ssl
    _have_ssl = False
else:
    _have_ssl = True


_FALLBACK = object()


class SMTPImplicitTLSError(SMTPConnectError, SMTPServerDisconnected):
    """A plain-text SMTP client reached a port that expects TLS from the
    first byte (RFC 8314 §3.3): no greeting came, or a TLS record came
    instead. The message says to use SMTP_SSL.

    smtplib, in the same place, waits for a greeting line until its
    timeout (SMTPServerDisconnected) or reads the record as a garbled
    greeting (SMTPConnectError from the constructor): this is both, so the
    ``except`` clauses written for smtplib still catch it.
    """

# RFC 4954 §4: AUTH in a session already authenticated gets 503; smtplib
# counts that as success, so auth() and login() do too.
_ALREADY_AUTHENTICATED = 503


def _succeeded(exchange, code):
    """Whether `code` is the success reply to `exchange` (RFC 5321 §4.3.2
    and the extensions' sequences), as the engine reads it."""
    return _core.reply_meaning(exchange, code) == "success"


def _is_filelike(msg):
    return not isinstance(msg, (str, bytes, bytearray, memoryview)) and hasattr(msg, "read")
