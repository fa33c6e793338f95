"""aiosmtpd's API on smtp-rs's engine: ``from smtplib_rs.aiosmtpd.controller
import Controller`` where you wrote ``from aiosmtpd.controller import
Controller``, and a handler written for aiosmtpd runs unchanged.

Python holds the asyncio transport and calls the handler's hooks; the
protocol (parsing, sequencing, DATA/BDAT framing, limits, timeouts,
STARTTLS-injection discard, SASL) is decided by smtp-core's
``ServerConnection``, fed once per read through ``_core.ServerDriver``.
Hooks a handler does not define are answered in Rust, without a call into
Python. See ``bindings-python/README.md`` for what differs from aiosmtpd.

Modules: ``controller`` (Controller, UnthreadedController,
UnixSocketController), ``smtp`` (SMTP, Session, Envelope, AuthResult,
LoginPassword), ``handlers`` (Debugging, Sink, Proxy, Message,
AsyncMessage, Mailbox), ``lmtp`` (LMTP), ``proxy_protocol`` (ProxyData);
``python -m smtplib_rs.aiosmtpd`` is aiosmtpd's command line.
"""

import asyncio
import warnings

# The aiosmtpd API version this package implements (its handlers, keyword
# arguments and reply texts).
__version__ = "1.4.6"


def _get_or_new_eventloop() -> asyncio.AbstractEventLoop:
    loop = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            loop = asyncio.get_event_loop()
        except (DeprecationWarning, RuntimeError):
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
    return loop
