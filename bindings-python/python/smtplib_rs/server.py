"""A small SMTP / LMTP server on the engine's server machine.

Every protocol decision (command parsing, sequencing, pipelining, DATA
unstuffing that ends only on CRLF.CRLF, BDAT, LMTP's per-recipient replies,
limits) is made by ``smtp_core``'s ``ServerConnection``; this module only
accepts connections, one thread each, and moves bytes. It keeps the
messages it receives in memory: for tests, demos and benchmarks.

    python -m smtplib_rs.server --port 2525      # prints what it receives
"""

import argparse
import socket
import threading

from . import _core

__all__ = ["Message", "Server"]

# Events that wait for an answer and get the machine's RFC default reply.
_ANSWER_WITH_DEFAULT = frozenset([
    "Ehlo", "Helo", "Lhlo", "Data", "ChunkEnd", "Rset", "Noop", "Vrfy",
    "Expn", "Help", "Quit"])


class Message:
    """One message as received: envelope and data."""

    def __init__(self, mail_from, peer):
        self.mail_from = mail_from
        self.rcpt_tos = []
        self.peer = peer
        self.data = b""

    def __repr__(self):
        return "Message(from=%r, to=%r, %d octets)" % (
            self.mail_from, self.rcpt_tos, len(self.data))


class Server:
    """Listens on `host`:`port` (0: any free port; see `.port`).

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
        self._sock = socket.create_server((host, port))
        self._sock.settimeout(0.2)
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._threads = []
        self._thread = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self):
        """Serves in a background thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        while not self._stop.is_set():
            try:
                conn, peer = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._session, args=(conn, peer), daemon=True)
            self._threads.append(t)
            t.start()

    def close(self):
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(5)
        for t in self._threads:
            t.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- one session --------------------------------------------------------------
    def _machine(self):
        mechs = ["PLAIN", "LOGIN"] if self.users else []
        return _core.ServerConnection(
            self.hostname, lmtp=self.lmtp, chunking=self.chunking,
            pipelining=self.pipelining, max_message_size=self.max_message_size,
            auth_mechanisms=mechs, auth_without_tls=True,
            idle_timeout=self.idle_timeout)

    def _session(self, conn, peer):
        sc = self._machine()
        tx = None
        parts = []
        try:
            while True:
                events = sc.events()
                if not events:
                    out = sc.transmit()
                    if out:
                        conn.sendall(out)
                    if sc.closed:
                        return
                    # The machine's idle timer (RFC 5321 §4.5.3.2.7) is the
                    # only deadline: when it passes, it says 421 and closes.
                    wait = sc.timeout()
                    if wait is not None and wait <= 0:
                        sc.handle_timeout()
                        continue
                    conn.settimeout(wait)
                    try:
                        data = conn.recv(1 << 18)
                    except TimeoutError:
                        sc.handle_timeout()
                        continue
                    sc.receive_data(data)
                    continue
                for ev in events:
                    kind = ev.kind
                    if kind == "MailFrom":
                        tx = Message(ev.from_addr, peer)
                        parts = []
                        sc.accept()
                    elif kind == "RcptTo":
                        tx.rcpt_tos.append(ev.to_addr)
                        sc.accept()
                    elif kind == "MessageData":
                        parts.append(ev.data)
                    elif kind == "MessageEnd":
                        tx.data = b"".join(parts)
                        parts = []
                        self._deliver(sc, tx, len(ev.recipients))
                        tx = None
                    elif kind == "Auth":
                        ok = (ev.fields.get("username") in self.users and
                              self.users[ev.username] == ev.fields.get("password"))
                        if ok:
                            sc.accept()
                        else:
                            sc.reply(535, "5.7.8 Authentication credentials invalid")
                    elif kind == "StartTls":
                        sc.reply(454, "4.7.0 TLS not available on this test server")
                    elif kind in _ANSWER_WITH_DEFAULT:
                        sc.accept()
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def _deliver(self, sc, msg, recipients):
        verdict = self.handler(msg) if self.handler else None
        if self.keep and verdict is None:
            with self._lock:
                self.messages.append(msg)
        if not self.lmtp:
            if verdict is None:
                sc.accept()
            else:
                sc.reply(*verdict)
            return
        verdicts = verdict if isinstance(verdict, list) else [verdict] * recipients
        for v in verdicts[:recipients]:
            if v is None:
                sc.accept()
            else:
                sc.reply(*v)


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
