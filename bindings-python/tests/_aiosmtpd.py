"""Helpers for the smtplib_rs.aiosmtpd tests: a controller on a free
loopback port, a raw socket client, a throw-away TLS certificate."""

import contextlib
import os
import resource
import socket
import ssl
import subprocess
import time

from smtplib_rs.aiosmtpd.controller import Controller

TIMEOUT = 10.0


@contextlib.contextmanager
def serving(handler, **kw):
    """A started Controller on 127.0.0.1 and a free port."""
    kw.setdefault("hostname", "127.0.0.1")
    kw.setdefault("port", 0)
    kw.setdefault("server_hostname", "mx.test")
    controller = Controller(handler, **kw)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


class Raw:
    """A socket client that sends bytes as given and reads replies."""

    def __init__(self, port, host="127.0.0.1", greeting=True):
        self.sock = socket.create_connection((host, port), TIMEOUT)
        self.buf = b""
        if greeting:
            assert self.reply().startswith(b"220")

    def send(self, data: bytes):
        self.sock.sendall(data)

    def lines(self, n: int) -> list:
        """The next `n` reply lines (CRLF removed)."""
        out = []
        while len(out) < n:
            while b"\r\n" not in self.buf:
                more = self.sock.recv(65536)
                if not more:
                    raise ConnectionError("closed; got %r" % (out, ))
                self.buf += more
            line, self.buf = self.buf.split(b"\r\n", 1)
            out.append(line)
        return out

    def reply(self) -> bytes:
        """One whole reply, its lines joined by CRLF."""
        lines = self.lines(1)
        while lines[-1][3:4] == b"-":
            lines += self.lines(1)
        return b"\r\n".join(lines)

    def cmd(self, line: bytes) -> bytes:
        self.send(line + b"\r\n")
        return self.reply()

    def closed(self, timeout=TIMEOUT) -> bool:
        """Whether the server closed the connection (reads to EOF)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except (socket.timeout, ConnectionResetError):
            return False

    def close(self):
        self.sock.close()


def wait_until(predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in %ss" % timeout)
        time.sleep(0.01)


def make_cert(directory) -> tuple:
    """A self-signed certificate and key for 127.0.0.1/localhost."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


def server_context(cert, key) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.check_hostname = False
    ctx.load_cert_chain(cert, key)
    return ctx


def client_context(cert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False
    return ctx


def peak_rss_kib() -> int:
    """This process's peak RSS so far (KiB, Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def current_rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
