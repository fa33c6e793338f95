"""A small SMTP / LMTP server for tests, demos and benchmarks: a thin
wrapper of :mod:`smtplib_rs.aiosmtpd` (asyncio, one event loop in a
thread), whose engine is ``smtp_core``'s ``ServerConnection``. It keeps
the messages it receives in memory.

    python -m smtplib_rs.server --port 2525      # prints what it receives
"""

import argparse
import asyncio
import threading

from .aiosmtpd.lmtp import LMTP
from .aiosmtpd._types import DEFAULT
from .aiosmtpd.smtp import SMTP, AuthResult

__all__ = ["Message", "Server"]


class Message:
    """One message as received: envelope (paths in angle brackets) and data."""

    def __init__(self, mail_from, peer):
        self.mail_from = mail_from
        self.rcpt_tos = []
        self.peer = peer
        self.data = b""

    def __repr__(self):
        return "Message(from=%r, to=%r, %d octets)" % (
            self.mail_from, self.rcpt_tos, len(self.data))


def _status(verdict):
    """A handler's verdict as a status: None is the engine's default."""
    if verdict is None:
        return DEFAULT
    code, text = verdict
    return "%d %s" % (code, text)


class _Deliver:
    """The aiosmtpd handler: hands each message to the Server."""

    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        msg = Message("<%s>" % envelope.mail_from, session.peer)
        msg.rcpt_tos = ["<%s>" % r for r in envelope.rcpt_tos]
        msg.data = envelope.original_content
        return self.server._deliver(msg)


class Server:
    """Listens on `host`:`port` (0: any free port; see `.port`) as soon as it
    is made; serves after `start()` (a thread) or `serve_forever()`.

    `handler(message)` is called for each complete message; it may return
    None (accept), or `(code, text)` to refuse it, or for LMTP a list of
    such per recipient (None entries accept). Received messages are kept in
    `.messages` unless `keep=False`. `users` maps user names to passwords
    (PLAIN and LOGIN are then offered, on this plain-text test server).
    """

    def __init__(self, host="127.0.0.1", port=0, *, hostname="localhost",
                 lmtp=False, chunking=True, pipelining=True,
                 max_message_size=None, handler=None, keep=True, users=None,
                 idle_timeout=None):
        self.hostname = hostname
        self.idle_timeout = idle_timeout
        self.lmtp = lmtp
        self.chunking = chunking
        self.pipelining = pipelining
        self.max_message_size = max_message_size
        self.handler = handler
        self.keep = keep
        self.users = dict(users or {})
        self.messages = []
        self._lock = threading.Lock()
        self._thread = None
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            self._loop.create_server(self._protocol, host, port))
        self.host, self.port = self._server.sockets[0].getsockname()[:2]

    def _protocol(self):
        cls = LMTP if self.lmtp else SMTP
        kw = dict(hostname=self.hostname, data_size_limit=self.max_message_size,
                  pipelining=self.pipelining, chunking=self.chunking,
                  enhanced_status_codes=True, enable_SMTPUTF8=True, loop=self._loop,
                  timeout=self.idle_timeout or 300)
        if self.users:
            kw.update(auth_require_tls=False, authenticator=self._authenticate)
        else:
            kw.update(auth_exclude_mechanism=["PLAIN", "LOGIN"])
        return cls(_Deliver(self), **kw)

    def _authenticate(self, smtp, session, envelope, mechanism, auth_data):
        login, password = auth_data
        ok = self.users.get(login.decode()) == password.decode()
        return AuthResult(success=ok, handled=False)

    def _deliver(self, msg):
        verdict = self.handler(msg) if self.handler else None
        if self.keep and verdict is None:
            with self._lock:
                self.messages.append(msg)
        if isinstance(verdict, list):
            return [_status(v) for v in verdict]
        return _status(verdict)

    # -- lifecycle ---------------------------------------------------------------
    def start(self):
        """Serves in a background thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def close(self):
        if self._loop.is_closed():
            return
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        self._server.close()
        self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description="SMTP server on smtp-core; prints messages")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--lmtp", action="store_true")
    args = ap.parse_args(argv)

    def show(msg):
        print("from %s to %s, %d octets" % (msg.mail_from, ", ".join(msg.rcpt_tos), len(msg.data)),
              flush=True)

    srv = Server(args.host, args.port, lmtp=args.lmtp, handler=show, keep=False)
    print("listening on %s:%d" % (srv.host, srv.port), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.close()


if __name__ == "__main__":
    main()
