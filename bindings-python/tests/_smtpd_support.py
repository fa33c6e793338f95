"""Helpers for the smtplib_rs.smtpd tests: a server serving its own map in
a background thread, bounded in time, and a raw line-level client.

With SMTPD_TEST_NO_ASYNCORE=1 in the environment, conftest.py makes
``asyncore`` unimportable before smtplib_rs.smtpd is imported, so the same
tests run the code path of Python 3.12+.
"""

import socket
import sys
import threading
import time

import smtplib_rs.smtpd as smtpd

TIMEOUT = 10.0


class Running:
    """`server_class` on 127.0.0.1, served by ``smtpd.loop`` in a thread
    over a private map until ``close()``."""

    def __init__(self, server_class, remoteaddr=("127.0.0.1", 9), **kwargs):
        self.map = {}
        self.server = server_class(("127.0.0.1", 0), remoteaddr, map=self.map, **kwargs)
        self.port = self.server.socket.getsockname()[1]
        self.address = ("127.0.0.1", self.port)
        self._stop = threading.Event()
        self.errors = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        try:
            while not self._stop.is_set() and self.map:
                smtpd.loop(timeout=0.05, map=self.map, count=1)
        except BaseException as e:  # surfaced by close()
            self.errors.append(e)

    def channels(self):
        return [obj for obj in list(self.map.values()) if obj is not self.server]

    def close(self):
        self._stop.set()
        self._thread.join(TIMEOUT)
        smtpd.close_all(self.map, ignore_all=True)
        assert not self._thread.is_alive(), "the loop did not stop"
        assert not self.errors, self.errors

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Collecting(smtpd.SMTPServer):
    """A user-style server: keeps every message it is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages = []

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        self.messages.append((peer, mailfrom, list(rcpttos), data, kwargs))


class Wire:
    """A raw client: sends lines, reads replies (each a list of lines)."""

    def __init__(self, address, timeout=TIMEOUT):
        self.sock = socket.create_connection(address, timeout=timeout)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(self.buf)
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def reply(self):
        lines = [self.line()]
        while lines[-1][3:4] == b"-":
            lines.append(self.line())
        return lines

    def send(self, data):
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line + b"\r\n")
        return self.reply()

    def open_data(self, sender=b"a@example.com", recipient=b"b@example.com"):
        """Greeting, HELO, MAIL, RCPT and DATA, each checked: the message
        data comes next."""
        assert self.reply()[0].startswith(b"220")
        assert self.cmd(b"HELO client")[0].startswith(b"250")
        assert self.cmd(b"MAIL FROM:<" + sender + b">") == [b"250 OK"]
        assert self.cmd(b"RCPT TO:<" + recipient + b">") == [b"250 OK"]
        assert self.cmd(b"DATA")[0].startswith(b"354")

    def closed_by_peer(self, timeout=TIMEOUT):
        """Waits until the server closes; returns what it sent before."""
        self.sock.settimeout(timeout)
        rest = self.buf
        while True:
            data = self.sock.recv(65536)
            if not data:
                return rest
            rest += data

    def close(self):
        self.sock.close()


def wait_until(predicate, timeout=TIMEOUT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def asyncore_importable():
    return sys.modules.get("asyncore", False) is not None and _can_import("asyncore")


def _can_import(name):
    import importlib
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            importlib.import_module(name)
        return True
    except ImportError:
        return False
