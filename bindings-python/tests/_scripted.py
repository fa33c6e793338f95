"""A loopback server that runs a test's own script on each connection, in
turn, for tests that need to control every byte (and every write) the
client sees. Bounded in time: it stops accepting after TIMEOUT seconds, and
each connection times out after TIMEOUT seconds of silence."""

import socket
import ssl
import threading
import time

TIMEOUT = 10.0


class ScriptServer:
    """Listens on 127.0.0.1 and runs `script(conn)` on each connection."""

    def __init__(self, script):
        self.script = script
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)  # so that close() stops it promptly
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        deadline = time.monotonic() + TIMEOUT
        while not self.stopping and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(TIMEOUT)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.script(conn)
            except (OSError, EOFError, ssl.SSLError):
                pass  # the client went away: the next one
            finally:
                conn.close()

    def close(self):
        self.stopping = True
        self.thread.join(TIMEOUT)
        self.sock.close()
