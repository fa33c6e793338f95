"""``SMTP``: aiosmtpd's server protocol on smtp-core's ``ServerConnection``.

One ``SMTP`` instance per connection, an :class:`asyncio.Protocol`: each
read goes to ``_core.ServerDriver.feed`` (one crossing), whose reply bytes
are written and whose events become the handler's hook calls. Events the
handler has no hook for never reach Python: the driver answers them with
aiosmtpd's texts. Only hooks run here; every protocol decision is the
engine's.
"""

import asyncio
import base64
import collections
import inspect
import secrets
import socket
import ssl
import sys
import threading
import weakref
from typing import Any, Dict, Iterable, Optional, Union
from warnings import warn

from .. import _core
from . import __version__, _get_or_new_eventloop
from . import _face
from ._hooks import HookMethods, _ProxyVerdict, _Scram
from ._types import (  # noqa: F401  (public names of aiosmtpd.smtp)
    ANSWERED as _ANSWERED, DEFAULT as _DEFAULT, MISSING, AuthResult, Envelope,
    LoginPassword, ScramLookup, Session, TLSSetupException, auth_mechanism, log,
    sanitize, sanitized_log, syntax)

__all__ = [
    "SMTP", "Session", "Envelope", "AuthResult", "LoginPassword", "ScramLookup",
    "MISSING", "syntax", "auth_mechanism", "TLSSetupException", "sanitize",
    "sanitized_log", "__version__", "__ident__",
]

__ident__ = "Python SMTP {}".format(__version__)

BOGUS_LIMIT = _face.BOGUS_LIMIT
CALL_LIMIT_DEFAULT = 20
DATA_SIZE_DEFAULT = 2**25
# The 421 greeting's text past max_connections (RFC 5321 §3.1).
TOO_MANY_CONNECTIONS = "4.7.0 Too many connections, try again later"
# Seconds to wait for the PROXY header when only proxy_protocol=True is given.
PROXY_TIMEOUT_DEFAULT = 30.0
# The mechanisms the engine runs itself, beyond aiosmtpd's PLAIN and LOGIN.
EXTRA_MECHANISMS = ("SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER")

# Python 3.12's eager tasks run a hook up to its first real suspension at
# once, with asyncio.current_task() set; earlier Pythons get a plain task.
_EAGER = sys.version_info >= (3, 12)



def _fqdn_resolver():
    """socket.getfqdn() once, in a thread: it can block on DNS for seconds,
    and aiosmtpd calls it on the event loop for every connection."""
    box = {}

    def resolve():
        box["name"] = socket.getfqdn()

    thread = threading.Thread(target=resolve, name="smtplib_rs-fqdn", daemon=True)
    thread.start()

    def get(wait: float = 0.0) -> Optional[str]:
        thread.join(wait)
        return box.get("name")

    return get


_fqdn = _fqdn_resolver()


def default_hostname() -> str:
    """This host's FQDN when known without blocking, else its host name."""
    return _fqdn() or socket.gethostname()


class ConnectionLimit:
    """At most `limit` sessions at once, shared by the sessions of one
    server (a Controller makes one; ``SMTP(max_connections=n)`` shares one
    per handler object)."""

    def __init__(self, limit: int):
        if limit < 1:
            raise ValueError("max_connections must be at least 1")
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self.active >= self.limit:
                return False
            self.active += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.active -= 1


_limits: "weakref.WeakKeyDictionary[Any, Dict[int, ConnectionLimit]]" = weakref.WeakKeyDictionary()
_limits_by_id: Dict[int, Dict[int, ConnectionLimit]] = {}


def _limit_for(handler, limit) -> Optional[ConnectionLimit]:
    if limit is None or isinstance(limit, ConnectionLimit):
        return limit
    try:
        per_handler = _limits.setdefault(handler, {})
    except TypeError:  # not weak-referenceable
        per_handler = _limits_by_id.setdefault(id(handler), {})
    if limit not in per_handler:
        per_handler[limit] = ConnectionLimit(limit)
    return per_handler[limit]


def _new_task(loop, coro):
    if _EAGER:
        return asyncio.Task(coro, loop=loop, eager_start=True)
    return loop.create_task(coro)


def _status_bytes(status, utf8: bool) -> bytes:
    if isinstance(status, bytes):
        return status
    if isinstance(status, str):
        return status.encode("utf-8" if utf8 else "ascii", "surrogateescape" if utf8 else "strict")
    raise TypeError("a hook must return a status string such as '250 OK', not %r" % (status,))


class SMTP(HookMethods, asyncio.Protocol):
    """aiosmtpd's ``SMTP`` (same keyword arguments and hooks), plus:
    ``pipelining``, ``chunking``, ``enhanced_status_codes`` (advertise and
    serve PIPELINING, CHUNKING/BDAT, ENHANCEDSTATUSCODES; off by default, as
    in aiosmtpd), ``extra_auth_mechanisms`` (any of SCRAM-SHA-256, XOAUTH2,
    OAUTHBEARER, run by the engine), ``proxy_protocol`` (a PROXY v1/v2
    header first, read by the engine) and ``max_connections`` (past it a
    connection gets a 421 greeting and is closed)."""

    command_size_limit = 512
    command_size_limits: Dict[str, int] = collections.defaultdict(lambda: SMTP.command_size_limit)
    line_length_limit = 1001
    local_part_limit: int = 0
    AuthLoginUsernameChallenge = "User Name\x00"
    AuthLoginPasswordChallenge = "Password\x00"

    def __init__(
            self,
            handler: Any,
            *,
            data_size_limit: Optional[int] = DATA_SIZE_DEFAULT,
            enable_SMTPUTF8: bool = False,
            decode_data: bool = False,
            hostname: Optional[str] = None,
            ident: Optional[str] = None,
            tls_context: Optional[ssl.SSLContext] = None,
            require_starttls: bool = False,
            timeout: float = 300,
            auth_required: bool = False,
            auth_require_tls: bool = True,
            auth_exclude_mechanism: Optional[Iterable[str]] = None,
            auth_callback=None,
            command_call_limit: Union[int, Dict[str, int], None] = None,
            authenticator=None,
            proxy_protocol_timeout: Optional[Union[int, float]] = None,
            loop: Optional[asyncio.AbstractEventLoop] = None,
            pipelining: bool = False,
            chunking: bool = False,
            enhanced_status_codes: bool = False,
            extra_auth_mechanisms: Iterable[str] = (),
            proxy_protocol: bool = False,
            max_connections: Union[int, "ConnectionLimit", None] = None,
    ):
        self.__ident__ = ident or __ident__
        self.loop = loop if loop else _get_or_new_eventloop()
        self.event_handler = handler
        assert data_size_limit is None or isinstance(data_size_limit, int)
        self.data_size_limit = data_size_limit
        self.enable_SMTPUTF8 = enable_SMTPUTF8
        self._decode_data = decode_data
        self.hostname = hostname if hostname else default_hostname()
        self.tls_context = tls_context
        if tls_context:
            if tls_context.verify_mode not in {ssl.CERT_NONE, ssl.CERT_OPTIONAL}:
                log.warning("tls_context.verify_mode not in {CERT_NONE, CERT_OPTIONAL}; "
                            "this might cause client connection problems")
            elif tls_context.check_hostname:
                log.warning("tls_context.check_hostname == True; "
                            "this might cause client connection problems")
        self.require_starttls = bool(tls_context and require_starttls)
        self._timeout_duration = timeout
        if not auth_require_tls and auth_required:
            warn("Requiring AUTH while not requiring TLS can lead to security vulnerabilities!")
            log.warning("auth_required == True but auth_require_tls == False")
        self._auth_require_tls = auth_require_tls
        self._auth_required = auth_required
        if proxy_protocol_timeout is not None:
            if proxy_protocol_timeout <= 0:
                raise ValueError("proxy_protocol_timeout must be > 0")
            elif proxy_protocol_timeout < 3.0:
                log.warning("proxy_protocol_timeout < 3.0")
        if proxy_protocol and proxy_protocol_timeout is None:
            proxy_protocol_timeout = PROXY_TIMEOUT_DEFAULT
        # As in aiosmtpd, a timeout alone switches the PROXY protocol on.
        self._proxy_timeout = proxy_protocol_timeout
        if authenticator is not None:
            self._authenticator = authenticator
            self._auth_callback = None
        else:
            self._auth_callback = auth_callback or (lambda mechanism, login, password: False)
            self._authenticator = None
        self._limit = _limit_for(handler, max_connections)
        self._counted = False
        self._pipelining = pipelining
        self._chunking = chunking
        self._enhanced_status_codes = enhanced_status_codes
        self._check_call_limit(command_call_limit)
        self._command_call_limit = command_call_limit
        excluded = {m.upper() for m in (auth_exclude_mechanism or ())}
        extra = []
        for m in extra_auth_mechanisms:
            m = m.upper()
            if m not in EXTRA_MECHANISMS:
                raise ValueError("extra_auth_mechanisms: %r is not one of %s"
                                 % (m, ", ".join(EXTRA_MECHANISMS)))
            extra.append(m)
        # aiosmtpd's auth_<MECH> methods, of this class or of the handler
        # (the handler's win): run in Python, one step at a time, the
        # engine framing the exchange. They take over a builtin of the
        # same name.
        self._auth_methods = {
            name: method for name, method in _auth_methods(self, handler).items()
            if name not in excluded}
        self._engine_mechanisms = sorted(
            m for m in ["LOGIN", "PLAIN", *extra]
            if m not in excluded and m not in self._auth_methods)
        log.info("Available AUTH mechanisms: " + " ".join(sorted(
            [m + "(builtin)" for m in self._engine_mechanisms] + list(self._auth_methods))))
        self._handle_hooks = {
            m[len("handle_"):]: getattr(handler, m)
            for m in dir(handler) if m.startswith("handle_")
        }
        self._ehlo_hook_ver = self._ehlo_version()
        if "DATA_CHUNK" in self._handle_hooks:
            self._body_mode = "stream"
        elif "DATA" in self._handle_hooks or hasattr(handler, "process_message"):
            self._body_mode = "keep"
        elif decode_data and not enable_SMTPUTF8:
            # aiosmtpd refuses 8-bit data in strict ASCII mode whatever the
            # handler: the body is read to be checked.
            self._body_mode = "keep"
        else:
            self._body_mode = "discard"
        self._subscribed = self._events_handled()
        self.session: Optional[Session] = None
        self.envelope: Optional[Envelope] = None
        self.transport: Optional[asyncio.BaseTransport] = None
        self._drv = None

    # -- construction helpers ---------------------------------------------------------
    @staticmethod
    def _check_call_limit(limit) -> None:
        if limit is None or isinstance(limit, int):
            return
        if isinstance(limit, dict):
            if not all(isinstance(v, int) for v in limit.values()):
                raise TypeError("All command_call_limit values must be int")
            return
        raise TypeError("command_call_limit must be int or Dict[str, int]")

    @property
    def _call_limit_default(self) -> Optional[int]:
        limit = self._command_call_limit
        if isinstance(limit, dict):
            return limit.get("*", CALL_LIMIT_DEFAULT)
        return limit

    def _call_limits(self):
        """command_call_limit as the engine counts it: (uses of a verb not
        named, ((verb, uses), ...)), or None."""
        limit = self._command_call_limit
        if limit is None:
            return None
        if isinstance(limit, int):
            return (limit, ())
        verbs = tuple(sorted((v.upper(), n) for v, n in limit.items() if v != "*"))
        return (self._call_limit_default, verbs)

    def _ehlo_version(self) -> Optional[str]:
        hook = self._handle_hooks.get("EHLO")
        if hook is None:
            return None
        params = inspect.signature(hook).parameters
        if len(params) == 4:
            warn("Use the 5-argument handle_EHLO() hook instead of "
                 "the 4-argument handle_EHLO() hook; "
                 "support for the 4-argument handle_EHLO() hook will be "
                 "removed in version 2.0", DeprecationWarning)
            return "old"
        if len(params) == 5:
            return "new"
        raise RuntimeError("Unsupported EHLO Hook")

    def _events_handled(self):
        """The engine events Python must see: those with a hook (or an
        overridden ``smtp_*`` method); HELP is always answered here."""
        events = {"Help"}
        for name, kind in _face.HOOK_EVENTS.items():
            if name in self._handle_hooks:
                events.add(kind)
        if hasattr(self.event_handler, "process_message") or self._body_mode == "keep":
            events.add("MessageEnd")
        if hasattr(self, "ehlo_hook"):
            events.update(("Ehlo", "Lhlo"))
        if hasattr(self, "rset_hook"):
            events.add("Rset")
        if "Ehlo" in events:
            events.add("Lhlo")
        for verb, kind in (("HELO", "Helo"), ("EHLO", "Ehlo"), ("NOOP", "Noop"),
                           ("QUIT", "Quit"), ("RSET", "Rset"), ("VRFY", "Vrfy")):
            if getattr(type(self), "smtp_" + verb, None) is not getattr(HookMethods, "smtp_" + verb):
                events.add(kind)
        if self._body_mode_streams():
            events.add("MessageData")
        if self._proxy_timeout is not None:
            events.add("Proxy")
        if self._engine_mechanisms:
            events.add("Auth")
        if self._auth_methods:
            # CommandRefused: the engine ended an exchange (`*`, bad base64)
            # while a challenge_auth() waits for the client's answer.
            events.update(("SaslStep", "CommandRefused"))
        if self._auth_required:
            # aiosmtpd refuses VRFY before AUTH (HELP is always here).
            events.add("Vrfy")
        return events

    def _body_mode_streams(self) -> bool:
        return "DATA_CHUNK" in self._handle_hooks

    def _create_session(self) -> Session:
        return Session(self.loop)

    def _create_envelope(self) -> Envelope:
        return Envelope()

    @property
    def max_command_size_limit(self) -> int:
        try:
            return max(self.command_size_limits.values())
        except ValueError:
            return self.command_size_limit

    # -- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.session = self._create_session()
        self.session.peer = transport.get_extra_info("peername")
        self.envelope = self._create_envelope()
        implicit_tls = transport.get_extra_info("sslcontext") is not None
        if implicit_tls:
            self.session.ssl = _ssl_info(transport)
        face = _face.face_for(_face.plan(self, implicit_tls))
        nonce = secrets.token_urlsafe(18) if "SCRAM-SHA-256" in self._engine_mechanisms else None
        unavailable = None
        if self._limit is not None:
            self._counted = self._limit.acquire()
            if not self._counted:
                log.info("%r refused: %d connections", self.session.peer, self._limit.limit)
                unavailable = TOO_MANY_CONNECTIONS
        self._drv = _core.ServerDriver(face, nonce=nonce, unavailable=unavailable)
        if self.local_part_limit:
            self._apply_local_part_limit()
        self._queue = collections.deque()
        self._out = []
        self._busy = False
        self._draining = False
        self._paused = False
        self._task = None
        self._timer = None
        self._gen = -1
        self._hello = None
        self._pending_answered = False
        log.info("Peer: %r", self.session.peer)
        if self._proxy_timeout is not None:
            self._timer = self.loop.call_later(self._proxy_timeout, self._proxy_expired)
        self._step(self._drv.start())

    _local_part_limit = 0

    def _apply_local_part_limit(self) -> None:
        """aiosmtpd's local_part_limit (0: none), which may change at any
        time: the engine enforces it from the next MAIL/RCPT on."""
        self._local_part_limit = self.local_part_limit
        self._drv.set_local_part_limit(self.local_part_limit or None)

    def _proxy_expired(self) -> None:
        self._timer = None
        if self.transport is not None and self.session.proxy_data is None:
            log.info("%r no PROXY header in time", self.session.peer)
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.local_part_limit != self._local_part_limit:
            self._apply_local_part_limit()
        if self._busy and not self._paused:
            # A hook is running: what arrives meanwhile waits (unread by
            # the engine) and the socket stops being read.
            self.transport.pause_reading()
            self._paused = True
        events, out = self._drv.feed(data)
        if events is None and not self._out and not self._queue:
            # The common case, all answered in Rust: write and go.
            if out:
                self.transport.write(out)
            if self._timer is None:
                self._arm()
            return
        self._step((events, out))

    def eof_received(self):
        log.info("%r EOF received", self.session.peer)
        self._step(self._drv.feed(b""))
        # Keep the transport open until the engine's final event: replies
        # to commands read before the EOF still go out (not possible on TLS).
        return self.transport.get_extra_info("sslcontext") is None

    def connection_lost(self, error) -> None:
        log.info("%r connection lost", self.session.peer if self.session else None)
        if self._counted:
            self._counted = False
            self._limit.release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._queue.clear()
        self.transport = None

    # -- the engine's output ----------------------------------------------------------
    def _step(self, result) -> None:
        """Takes `(events, out)` from the driver, handles the events, writes."""
        self._take(result)
        self._drain()
        self._flush()
        self._arm()

    def _take(self, result) -> None:
        events, out = result
        if out:
            self._out.append(out)
        if events:
            self._queue.extend(events)

    def _flush(self) -> None:
        if self._out and self.transport is not None:
            data = self._out[0] if len(self._out) == 1 else b"".join(self._out)
            self._out.clear()
            self.transport.write(data)

    def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self._queue and self.transport is not None:
                if self._busy:
                    if self._sasl_waiter is None or not self._sasl_step(self._queue[0]):
                        break
                    continue
                event = self._queue.popleft()
                kind = event[0]
                if kind == "CommandRefused":
                    # Only a waiting challenge_auth() needs to know.
                    continue
                if kind in _FINAL:
                    self._final(event)
                elif kind == "TlsHandshake":
                    self._spawn(self._starttls())
                elif kind in self._subscribed:
                    self._spawn(self._handle(event))
                else:
                    # The face subscribes to exactly what it handles.
                    log.error("%r unexpected engine event %r", self.session.peer, kind)
        finally:
            self._draining = False

    # A challenge_auth() waiting for the client's answer, and whether the
    # engine ended that exchange itself (class defaults: most sessions
    # never run a handler's auth_ method).
    _sasl_waiter = None
    _sasl_ended = False

    def _sasl_step(self, event) -> bool:
        """Hands the client's answer to the waiting challenge_auth(), or
        tells it the exchange is over; True when `event` was used."""
        waiter, self._sasl_waiter = self._sasl_waiter, None
        if event[0] == "SaslStep":
            self._queue.popleft()
            if not waiter.done():
                waiter.set_result(event[3])
            return True
        # The engine ended the exchange itself (its 501 to `*` or to bad
        # base64 is sent), or the session is over.
        self._sasl_ended = True
        if event[0] == "CommandRefused":
            self._queue.popleft()
        if not waiter.done():
            waiter.set_result(MISSING)
        return event[0] == "CommandRefused"

    async def challenge_auth(self, challenge: Union[str, bytes], encode_to_b64: bool = True,
                             log_client_response: bool = False):
        """aiosmtpd's: sends ``334 <challenge>`` (base64-encoded unless
        ``encode_to_b64`` is false) and returns the client's answer,
        base64-decoded, or MISSING when the client cancelled with ``*`` or
        sent what does not decode (the engine then answered 501 itself)."""
        challenge = challenge.encode() if isinstance(challenge, str) else challenge
        if not isinstance(challenge, bytes):
            raise TypeError("challenge must be str or bytes")
        # RFC 4954 §4: `334 SP [base64]`, the space even when empty.
        line = b"334 " + (base64.b64encode(challenge) if encode_to_b64 else challenge)
        drv = self._drv
        if drv is None or self._sasl_ended or not drv.awaiting:
            return MISSING
        # The engine checks it is one line: a ValueError here reaches the
        # auth_ method (and becomes its 500), as any error of its own.
        result = drv.reply(line)
        waiter = self.loop.create_future()
        self._sasl_waiter = waiter
        self._take(result)
        self._flush()
        self._arm()
        # The answer may have come with the challenge's read (pipelined).
        self._drain()
        if self._paused and not waiter.done() and self.transport is not None:
            # Reading stopped while this hook ran; its answer is still to come.
            self._paused = False
            self.transport.resume_reading()
        answer = await waiter
        if log_client_response:
            warn("AUTH interaction logging is enabled!")
            warn("Sensitive information might be leaked!")
            log.debug("%r >> %r", self.session.peer, answer)
        return answer

    async def _auth_interact(self, server_message: str):
        warn("_auth_interact will be deprecated in version 2.0. "
             "Please use challenge_auth() instead.", DeprecationWarning)
        return await self.challenge_auth(
            challenge=server_message[4:] if server_message.startswith("334 ") else server_message,
            encode_to_b64=False)

    def _final(self, event) -> None:
        kind = event[0]
        if kind == "TimedOut":
            log.info("%r connection timeout", self.session.peer)
        elif kind == "Failed":
            log.info("%r session failed: %s", self.session.peer, event[1])
        self._flush()
        if self.transport is not None:
            self.transport.close()

    # -- running handler code ---------------------------------------------------------
    def _spawn(self, coro) -> None:
        self._busy = True
        task = _new_task(self.loop, coro)
        if task.done():
            self._task_done(task)
        else:
            self._task = task
            task.add_done_callback(self._task_done)

    def _task_done(self, task) -> None:
        self._task = None
        self._busy = False
        if task.cancelled() or self.transport is None:
            return
        exc = task.exception()
        if exc is not None:
            log.error("%r internal error", self.session.peer, exc_info=exc)
            self.transport.close()
            return
        status = task.result()
        if status is not _ANSWERED:
            self._answer(status)
        if self._paused and not self._busy and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        if not self._draining:
            self._drain()
            self._flush()
            self._arm()

    def _answer(self, status) -> None:
        """Sends a hook's status as the answer to the pending event."""
        drv = self._drv
        if not drv.awaiting and not isinstance(status, _ProxyVerdict):
            return
        utf8 = self.enable_SMTPUTF8
        try:
            if isinstance(status, _ProxyVerdict):
                result = drv.accept() if status.accepted else drv.refuse_proxy()
            elif isinstance(status, _Scram):
                result = drv.scram_password(status.password, status.salt)
            elif isinstance(status, list):
                result = drv.reply_each(
                    [None if s is _DEFAULT else _status_bytes(s, utf8) for s in status])
            elif status is _DEFAULT:
                result = drv.accept()
            else:
                result = drv.reply(_status_bytes(status, utf8))
        except (ValueError, TypeError) as error:
            log.exception("%r unusable reply %r", self.session.peer, status)
            result = self._fallback(error)
        self._take(result)

    def _fallback(self, error):
        text = "500 Error: ({}) {}".format(error.__class__.__name__, error)
        try:
            return self._drv.reply(text.encode("ascii", "replace"))
        except ValueError:
            return self._drv.accept()

    async def push(self, status) -> None:
        """Answers the pending command with ``status`` (aiosmtpd's push())."""
        if self._drv is None or not self._drv.awaiting:
            log.warning("%r push(%r) with nothing to answer", self.session.peer, status)
            return
        self._pending_answered = True
        self._answer(status)
        self._flush()

    async def _handle(self, event):
        # MessageEnd carries the envelope itself.
        self._sync(envelope=event[0] != "MessageEnd")
        self._pending_answered = False
        try:
            status = await getattr(self, "_on_" + event[0])(*event[1:])
            if self._pending_answered:
                return _ANSWERED
            if status is not _ANSWERED and status is not _DEFAULT and not isinstance(
                    status, (str, bytes, list, _Scram, _ProxyVerdict)):
                _status_bytes(status, False)  # raises TypeError, as aiosmtpd's push()
            return status
        except (asyncio.CancelledError, ConnectionResetError):
            log.info("%r Connection lost during a hook", self.session.peer)
            if self.transport is not None:
                self.transport.close()
            return _ANSWERED
        except Exception as error:
            return await self._exception_status(error)

    async def _exception_status(self, error) -> str:
        try:
            if hasattr(self.event_handler, "handle_exception"):
                return await self.event_handler.handle_exception(error)
            log.exception("%r SMTP session exception", self.session.peer)
            return "500 Error: ({}) {}".format(error.__class__.__name__, str(error))
        except Exception as inner:
            try:
                log.exception("%r Exception in handle_exception()", self.session.peer)
                return "500 Error: ({}) {}".format(inner.__class__.__name__, str(inner))
            except Exception:
                return "500 Error: Cannot describe error"

    def _sync(self, envelope: bool = True) -> None:
        """Brings session and envelope up to what the engine accepted
        without asking Python."""
        drv = self._drv
        gen = drv.generation
        if gen != self._gen:
            self._gen = gen
            self.envelope = self._create_envelope()
        hello = drv.hello
        if hello != self._hello:
            self._hello = hello
            if hello is not None:
                self.session.host_name = hello[1]
                self.session.extended_smtp = hello[0] != "HELO"
        if drv.authenticated and not self.session.authenticated:
            # SCRAM ends in the engine (it checks the proof, then 235).
            self.session.authenticated = True
        hooks = self._handle_hooks
        if envelope and ("MAIL" not in hooks or "RCPT" not in hooks):
            mail_from, rcpt_tos, mail_options, rcpt_options = drv.envelope()
            self._fill(mail_from, rcpt_tos, mail_options, rcpt_options)

    def _fill(self, mail_from, rcpt_tos, mail_options, rcpt_options) -> None:
        hooks = self._handle_hooks
        env = self.envelope
        if "MAIL" not in hooks:
            env.mail_from = mail_from
            env.mail_options = mail_options
            env.smtp_utf8 = "SMTPUTF8" in mail_options
        if "RCPT" not in hooks:
            env.rcpt_tos = rcpt_tos
            env.rcpt_options = rcpt_options

    async def _call_handler_hook(self, command: str, *args) -> Any:
        hook = self._handle_hooks.get(command)
        if hook is None:
            return MISSING
        return await hook(self, self.session, self.envelope, *args)

    # -- the timer ----------------------------------------------------------------------
    def _arm(self) -> None:
        if self._timer is not None or self.transport is None or self._drv.closed:
            return
        delay = self._drv.timeout()
        if delay is not None:
            self._timer = self.loop.call_later(delay + 0.001, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self.transport is None:
            return
        delay = self._drv.timeout()
        if delay is None:
            return
        if delay > 0:
            self._arm()
            return
        self._step(self._drv.handle_timeout())

    # -- STARTTLS -----------------------------------------------------------------------
    async def _starttls(self):
        self._flush()
        try:
            transport = await self.loop.start_tls(
                self.transport, self, self.tls_context, server_side=True)
        except Exception as error:
            log.info("%r TLS handshake failed: %s", self.session.peer, error)
            if hasattr(self.event_handler, "handle_exception"):
                # aiosmtpd reports it, then closes.
                failure = TLSSetupException()
                failure.__cause__ = error
                try:
                    await self.event_handler.handle_exception(failure)
                except Exception:
                    log.exception("%r Exception in handle_exception()", self.session.peer)
            if self.transport is not None:
                self.transport.close()
            return _ANSWERED
        self.transport = transport
        self.session.ssl = _ssl_info(transport)
        self._take(self._drv.tls_established())
        hook = self._handle_hooks.get("STARTTLS")
        if hook is not None and not hook(self, self.session, self.envelope):
            # The handler finds the handshake wanting: only QUIT is served.
            self._drv.refuse_service()
        return _ANSWERED


def _auth_methods(server, handler) -> Dict[str, Any]:
    """aiosmtpd's mechanism table: ``auth_<NAME>`` methods of the server
    (beyond this class's own) and of the handler, named by
    ``@auth_mechanism`` or by the method name (``__`` becomes ``-``)."""
    methods = {}
    for obj in (server, handler):
        for attr in dir(obj):
            if not attr.startswith("auth_") or (obj is server and hasattr(SMTP, attr)):
                continue
            method = getattr(obj, attr, None)
            if not callable(method):
                continue
            name = getattr(method, "__auth_mechanism_name__",
                           attr.replace("auth_", "").replace("__", "-"))
            methods[name.upper()] = method
    return methods


def _ssl_info(transport) -> dict:
    """What aiosmtpd puts in ``session.ssl``."""
    return {key: transport.get_extra_info(key) for key in
            ("sslcontext", "peercert", "cipher", "compression", "ssl_object")}


_FINAL = frozenset(("Closed", "TimedOut", "Failed"))
