"""A drop-in for the standard library's ``smtpd``, removed in Python 3.12.

Change ``import smtpd`` to ``import smtplib_rs.smtpd as smtpd``: the
classes (:class:`SMTPServer`, :class:`DebuggingServer`,
:class:`PureProxy`, :class:`SMTPChannel`), their signatures, the channel
attributes, ``process_message`` and its return value, the reply texts,
``DEBUGSTREAM``, ``DATA_SIZE_DEFAULT`` and the command line
(``python -m smtplib_rs.smtpd [-n] [-c CLASS] [-s SIZE] [-u] [-d]
[local [remote]]``) are smtpd's, on Python 3.10 to 3.13. CPython 3.11's
own ``test_smtpd`` runs against this module.

No asyncore is needed: servers run under :func:`loop` (asyncore.loop's
signature; it can run in a background thread). Where ``asyncore`` can be
imported (3.11, or the ``standard-asyncore`` backport), the servers live in
``asyncore.socket_map`` too, so a script that ends in ``asyncore.loop()``
runs unchanged.

The protocol is decided by the Rust engine, smtp-core's server machine:
command parsing, the order of commands, limits, and the end of the data,
which only ``CRLF . CRLF`` marks (a bare LF never ends it: no SMTP
smuggling). smtpd's leniencies are the engine's configuration, and so are
its texts: the engine decides that a command is refused and the class of
the code, and this module words it as smtpd did (``_refusals.py``), so the
replies on the wire are smtpd's, byte for byte. ``smtp_<VERB>`` methods
answer what the engine asks, and subclasses override them as before;
a subclass's own ``smtp_XYZ`` methods receive the verbs the engine does
not serve.

Intended differences (smtpd's bugs, fixed):

* ``DATA`` followed at once by ``.`` ends an empty message; smtpd hung.
* ``PureProxy`` works with the default ``decode_data=False`` (smtpd raised
  ``TypeError``, bpo-35837), so the command line's default class works; it
  relays through :mod:`smtplib_rs` with a 60 s timeout (smtpd could wait
  forever) and answers 554/451 when the remote server took no recipient
  (smtpd said 250 and the message was lost).
* After ``552 Error: Too much mail data`` the channel is back in command
  state; smtpd read the following commands as message data.
* ``-s`` defaults to 33554432, as smtpd documented (it applied no limit).
* Idle connections are closed with 421 after
  ``SMTPChannel.idle_timeout`` seconds (300; None for none); smtpd had no
  timeout.

Other differences:

* A bare CR or LF inside the message is handed over as a line break; smtpd
  kept a bare CR as it was.
* An exception in ``process_message`` or a ``smtp_<VERB>`` method is
  answered ``451`` before the loop logs it and closes the connection
  (smtpd sent nothing); a ``smtp_<VERB>`` method that pushes no reply is
  answered ``451`` too.
* With ``decode_data=True``, a message that is not UTF-8 is refused with
  ``554``; smtpd's channel died on ``UnicodeDecodeError``.
* ``VRFY`` with any argument gets ``252``; smtpd answered ``502`` when the
  argument was not an address.
* ``mail_options`` lists the parameters in the engine's order (SIZE, BODY,
  SMTPUTF8, then the others as sent); smtpd kept the client's order.
* ``EHLO`` needs a domain or an address literal (``HELO`` takes any word);
  smtpd took any text.
* The engine's limits stand: 100 recipients per message (``452`` after,
  RFC 5321 §4.5.3.1.8), 10 bad commands per session (then ``421``); smtpd
  had neither.
* The asynchat machinery (``collect_incoming_data``, ``found_terminator``,
  ``set_terminator``) is not there: the engine frames the input. A verb a
  subclass adds with ``smtp_<VERB>`` is answered with one reply (no 3xx:
  the engine could not know what follows).

smtpd's leniencies carried over, each safe: ``MAIL FROM:user@host`` and
``RCPT TO:user@host`` without angle brackets (an unquoted mailbox holds no
space, so the path still ends where the parameters begin), ``QUIT`` with an
argument, command lines of 512 octets plus the CRLF, and 26 more for SIZE
and 10 for SMTPUTF8 on MAIL after EHLO (what RFC 1870 and RFC 6531 say).

smtpd's leniencies refused, and why:

* A bare LF ending the message (``\n.\n``): that is SMTP smuggling; only
  ``CRLF . CRLF`` ends it, and a command line needs its CRLF too.
* Non-ASCII addresses without ``SMTPUTF8`` on MAIL (smtpd parsed them as
  UTF-8 text): ``553`` (RFC 6531 §3.5), so no server further on receives
  what it was never asked to take.
* Anything its e-mail header parser took for an address: comments, display
  names, addresses without a domain. Two parsers that disagree about where
  an address ends are how mail gets misrouted; the engine reads RFC 5321's
  path grammar only, with or without its brackets.
* ``SIZE=`` when no SIZE is offered (``data_size_limit=0``): ``555`` like
  any parameter of an extension not offered (RFC 5321 §4.1.1.11).
"""

import socket  # noqa: F401  (replaceable, as smtpd's: tests patch it)
import sys

from ._channel import DATA_SIZE_DEFAULT, SMTPChannel
from ._cli import Options, parseargs, usage  # noqa: F401
from ._loop import close_all, loop  # noqa: F401
from ._servers import DebuggingServer, PureProxy, SMTPServer

__all__ = [
    "SMTPChannel", "SMTPServer", "DebuggingServer", "PureProxy",
]

program = sys.argv[0]
__version__ = 'Python SMTP proxy version 0.3'


class Devnull:
    def write(self, msg):
        pass

    def flush(self):
        pass


DEBUGSTREAM = Devnull()
NEWLINE = '\n'
COMMASPACE = ', '

# The public classes belong to this module (repr, pickling, __all__ checks).
for _cls in (SMTPChannel, SMTPServer, DebuggingServer, PureProxy):
    _cls.__module__ = __name__
del _cls
