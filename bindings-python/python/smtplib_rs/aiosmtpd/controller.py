"""Controllers: run an ``SMTP`` server in a thread (``Controller``,
``UnixSocketController``) or on a loop you run (``UnthreadedController``,
``UnixSocketUnthreadedController``), as aiosmtpd's do.

Beyond aiosmtpd: ``port=0`` binds a free port and ``hostname="0.0.0.0"``
(or ``"::"``, ``""``) binds every address; either way ``controller.port``
is the bound port once ``start()`` returns, and the readiness probe
connects to the loopback address.
"""

import asyncio
import errno
import os
import ssl
import threading
import time
import weakref
from abc import ABCMeta, abstractmethod
from contextlib import ExitStack
from pathlib import Path
from socket import AF_INET6, SOCK_STREAM, create_connection, has_ipv6
from socket import socket as makesock
from socket import timeout as socket_timeout
from typing import Any, Dict, Optional, Union
from warnings import warn

try:
    from socket import AF_UNIX
except ImportError:  # pragma: no cover (Windows)
    AF_UNIX = None

from .smtp import SMTP

__all__ = [
    "Controller", "UnthreadedController", "UnixSocketController",
    "UnixSocketUnthreadedController", "BaseController", "BaseThreadedController",
    "BaseUnthreadedController", "InetMixin", "UnixSocketMixin", "get_localhost", "IP6_IS",
]

DEFAULT_READY_TIMEOUT: float = 5.0
# Pending connections the listener queues (asyncio's default is 100: a
# burst of a thousand clients would wait for SYN retransmits).
LISTEN_BACKLOG = 1024

# Addresses that mean "every interface": the probe connects to loopback.
_WILDCARD = {"", "0.0.0.0", "::"}


class IP6_IS:
    NO = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}
    YES = {errno.EADDRINUSE}


def _has_ipv6() -> bool:
    return has_ipv6


def get_localhost() -> str:
    """``"::1"`` when this host can bind it, else ``"127.0.0.1"``."""
    if not _has_ipv6():
        return "127.0.0.1"
    try:
        with makesock(AF_INET6, SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return "::1"
    except OSError as e:
        if e.errno in IP6_IS.NO:
            return "127.0.0.1"
        if e.errno in IP6_IS.YES:
            return "::1"
        raise


def _server_to_client_ssl_ctx(server_ctx: ssl.SSLContext) -> ssl.SSLContext:
    # Only for the local readiness probe: no certificate check.
    client_ctx = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH)
    client_ctx.options = server_ctx.options
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    return client_ctx


class _FakeServer(asyncio.Protocol):
    """Stands in for an SMTP instance whose factory() failed: closes."""

    def connection_made(self, transport) -> None:
        transport.close()


class BaseController(metaclass=ABCMeta):
    smtpd = None
    server: Optional[asyncio.AbstractServer] = None
    server_coro = None
    _thread_exception: Optional[Exception] = None

    def __init__(self, handler: Any, loop: Optional[asyncio.AbstractEventLoop] = None, *,
                 ssl_context: Optional[ssl.SSLContext] = None,
                 server_hostname: Optional[str] = None, **SMTP_parameters):
        self.handler = handler
        self.loop = asyncio.new_event_loop() if loop is None else loop
        self.ssl_context = ssl_context
        self.SMTP_kwargs: Dict[str, Any] = {}
        if "server_kwargs" in SMTP_parameters:
            warn("server_kwargs will be removed in version 2.0. "
                 "Just specify the keyword arguments to forward to SMTP "
                 "as kwargs to this __init__ method.", DeprecationWarning)
            self.SMTP_kwargs = SMTP_parameters.pop("server_kwargs")
        self.SMTP_kwargs.update(SMTP_parameters)
        if server_hostname:
            self.SMTP_kwargs["hostname"] = server_hostname
        # aiosmtpd's controllers default to SMTPUTF8 on (SMTP itself: off).
        self.SMTP_kwargs.setdefault("enable_SMTPUTF8", True)
        self._factory_invoked = threading.Event()
        # Live sessions, closed when the controller stops (stopping the
        # loop alone would leave their sockets open and clients waiting).
        self._sessions = weakref.WeakSet()

    def factory(self):
        """Subclasses can override this to customize the handler/server creation."""
        return SMTP(self.handler, **self.SMTP_kwargs)

    def _factory_invoker(self):
        try:
            self.smtpd = self.factory()
            if self.smtpd is None:
                raise RuntimeError("factory() returned None")
            self._sessions.add(self.smtpd)
            return self.smtpd
        except Exception as err:
            self._thread_exception = err
            return _FakeServer()
        finally:
            self._factory_invoked.set()

    @abstractmethod
    def _create_server(self):
        """Binds the listener; must use ``self._factory_invoker``."""

    def _cleanup(self):
        self._thread_exception = None
        self._factory_invoked.clear()
        self.server_coro = None
        self.server = None
        self.smtpd = None

    def _bound(self) -> None:
        """Called once the listener is bound (subclasses read the port)."""

    def cancel_tasks(self, stop_loop: bool = True):
        """Stops the loop and cancels its tasks (call with call_soon_threadsafe)."""
        self._close_sessions()
        if stop_loop:
            self.loop.stop()
        for task in asyncio.all_tasks(self.loop):
            task.cancel()

    def _close_sessions(self) -> None:
        for session in list(self._sessions):
            transport = getattr(session, "transport", None)
            if transport is not None:
                transport.abort()


class BaseThreadedController(BaseController, metaclass=ABCMeta):
    _thread: Optional[threading.Thread] = None

    def __init__(self, handler: Any, loop: Optional[asyncio.AbstractEventLoop] = None, *,
                 ready_timeout: float = DEFAULT_READY_TIMEOUT,
                 ssl_context: Optional[ssl.SSLContext] = None,
                 server_hostname: Optional[str] = None, **SMTP_parameters):
        super().__init__(handler, loop, ssl_context=ssl_context,
                         server_hostname=server_hostname, **SMTP_parameters)
        self.ready_timeout = float(os.getenv("AIOSMTPD_CONTROLLER_TIMEOUT", ready_timeout))

    @abstractmethod
    def _trigger_server(self):
        """Connects once, so that factory() runs and its errors surface."""

    def _run(self, ready_event: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server_coro = self._create_server()
            self.server = self.loop.run_until_complete(self.server_coro)
            self._bound()
        except Exception as error:
            self._thread_exception = error
            return
        self.loop.call_soon(ready_event.set)
        self.loop.run_forever()
        self.server.close()
        # Let the aborted sessions' connection_lost() run.
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()
        self.server = None

    def start(self) -> None:
        """Runs the event loop in a thread; returns once a connection is served."""
        assert self._thread is None, "SMTP daemon already running"
        self._factory_invoked.clear()
        ready_event = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready_event,), daemon=True)
        self._thread.start()
        start = time.monotonic()
        if not ready_event.wait(self.ready_timeout):
            if self._thread_exception is not None:
                raise self._thread_exception
            raise TimeoutError(
                "SMTP server failed to start within allotted time. "
                "This might happen if the system is too busy. "
                "Try increasing the `ready_timeout` parameter.")
        respond_timeout = self.ready_timeout - (time.monotonic() - start)
        try:
            self._trigger_server()
        except socket_timeout:
            pass
        if not self._factory_invoked.wait(respond_timeout):
            raise TimeoutError(
                "SMTP server started, but not responding within allotted time. "
                "This might happen if the system is too busy. "
                "Try increasing the `ready_timeout` parameter.")
        if self._thread_exception is not None:
            raise self._thread_exception
        if self.smtpd is None:
            raise RuntimeError("Unknown Error, failed to init SMTP server")

    def stop(self, no_assert: bool = False):
        """Stops the loop and its tasks and ends the thread."""
        assert no_assert or self._thread is not None, "SMTP daemon not running"
        self.loop.call_soon_threadsafe(self.cancel_tasks)
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._cleanup()


class BaseUnthreadedController(BaseController, metaclass=ABCMeta):
    def __init__(self, handler: Any, loop: Optional[asyncio.AbstractEventLoop] = None, *,
                 ssl_context: Optional[ssl.SSLContext] = None,
                 server_hostname: Optional[str] = None, **SMTP_parameters):
        super().__init__(handler, loop, ssl_context=ssl_context,
                         server_hostname=server_hostname, **SMTP_parameters)
        self.ended = threading.Event()

    def begin(self):
        """Binds the listener on ``self.loop``; does not run the loop."""
        asyncio.set_event_loop(self.loop)
        self.server_coro = self._create_server()
        self.server = self.loop.run_until_complete(self.server_coro)
        self._bound()

    async def finalize(self):
        """Closes the listener (await it, or see end())."""
        self.ended.clear()
        server = self.server
        server.close()
        self._close_sessions()
        await server.wait_closed()
        self.server_coro.close()
        self._cleanup()
        self.ended.set()

    def end(self):
        """Runs finalize(), as a task when the loop is running."""
        self.ended.clear()
        if self.loop.is_running():
            self.loop.create_task(self.finalize())
        else:
            self.loop.run_until_complete(self.finalize())


class InetMixin(BaseController, metaclass=ABCMeta):
    def __init__(self, handler: Any, hostname: Optional[str] = None, port: int = 8025,
                 loop: Optional[asyncio.AbstractEventLoop] = None, **kwargs):
        super().__init__(handler, loop, **kwargs)
        self._localhost = get_localhost()
        self.hostname = self._localhost if hostname is None else hostname
        self.port = port

    def _create_server(self):
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context,
            backlog=LISTEN_BACKLOG)

    def _bound(self) -> None:
        if self.port == 0 and self.server is not None and self.server.sockets:
            # aiosmtpd issue 276: the port the OS chose, readable.
            self.port = self.server.sockets[0].getsockname()[1]

    def _probe_host(self) -> str:
        if self.hostname in _WILDCARD:
            return "::1" if self.hostname == "::" else "127.0.0.1"
        return self.hostname

    def _trigger_server(self):
        with ExitStack() as stk:
            s = stk.enter_context(create_connection((self._probe_host(), self.port), 1.0))
            if self.ssl_context:
                client_ctx = _server_to_client_ssl_ctx(self.ssl_context)
                s = stk.enter_context(client_ctx.wrap_socket(s))
            s.recv(1024)


class UnixSocketMixin(BaseController, metaclass=ABCMeta):
    def __init__(self, handler: Any, unix_socket: Union[str, Path],
                 loop: Optional[asyncio.AbstractEventLoop] = None, **kwargs):
        super().__init__(handler, loop, **kwargs)
        self.unix_socket = str(unix_socket)

    def _create_server(self):
        return self.loop.create_unix_server(
            self._factory_invoker, path=self.unix_socket, ssl=self.ssl_context,
            backlog=LISTEN_BACKLOG)

    def _trigger_server(self):
        with ExitStack() as stk:
            s = stk.enter_context(makesock(AF_UNIX, SOCK_STREAM))
            s.connect(self.unix_socket)
            if self.ssl_context:
                client_ctx = _server_to_client_ssl_ctx(self.ssl_context)
                s = stk.enter_context(client_ctx.wrap_socket(s))
            s.recv(1024)


class Controller(InetMixin, BaseThreadedController):
    """A threaded controller listening on an INET endpoint."""

    def _trigger_server(self):
        InetMixin._trigger_server(self)


class UnixSocketController(UnixSocketMixin, BaseThreadedController):
    """A threaded controller listening on a Unix socket."""

    def _trigger_server(self):
        UnixSocketMixin._trigger_server(self)


class UnthreadedController(InetMixin, BaseUnthreadedController):
    """An unthreaded controller listening on an INET endpoint."""


class UnixSocketUnthreadedController(UnixSocketMixin, BaseUnthreadedController):
    """An unthreaded controller listening on a Unix socket."""
