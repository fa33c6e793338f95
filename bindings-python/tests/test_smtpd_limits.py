"""smtplib_rs.smtpd under bad input: memory stays bounded, the loop keeps
serving everyone else, and a message that was accepted is never lost."""

import os
import smtplib
import socket
import subprocess
import sys
import textwrap

import smtplib_rs.smtpd as smtpd

from _smtpd_support import Collecting, Running, Wire, wait_until

GIB = 1 << 30
CHUNK = b"a" * (1 << 20)

SERVER_SCRIPT = textwrap.dedent("""\
    import sys
    if sys.argv[2:] == ["no-asyncore"]:
        sys.modules["asyncore"] = None
    import smtplib_rs.smtpd as smtpd

    class Channel(smtpd.SMTPChannel):
        idle_timeout = float(sys.argv[1])

    class Sink(smtpd.SMTPServer):
        channel_class = Channel

        def process_message(self, peer, mailfrom, rcpttos, data, **kw):
            print("message", mailfrom, len(data), flush=True)

    server = Sink(("127.0.0.1", 0), None)
    print(server.socket.getsockname()[1], flush=True)
    smtpd.loop()
    """)


class ServerProcess:
    """SERVER_SCRIPT in its own interpreter: its memory is its own, and
    the clients of a test do not compete with it for the GIL."""

    def __init__(self, idle_timeout=300):
        args = [sys.executable, "-c", SERVER_SCRIPT, str(idle_timeout)]
        if os.environ.get("SMTPD_TEST_NO_ASYNCORE"):
            args.append("no-asyncore")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.address = ("127.0.0.1", int(self.proc.stdout.readline()))

    def delivered(self):
        return self.proc.stdout.readline().decode()

    def peak_rss_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait(10)
        self.proc.stdout.close()
        self.proc.stderr.close()


def _flood(w, total):
    for _ in range(total // len(CHUNK)):
        w.send(CHUNK)


def test_a_gigabyte_line_streams_in_bounded_memory():
    """1 GiB without a line break as a command, then as a line of message
    data: both are read through and refused (500, then 552 after the end),
    the server's peak memory stays far below the input, and the session
    goes on."""
    with ServerProcess() as server:
        w = Wire(server.address, timeout=60)
        w.reply()
        w.cmd(b"EHLO client")
        w.send(b"MAIL FROM:<")
        _flood(w, GIB)
        assert w.cmd(b">")[0].startswith(b"500")
        assert w.cmd(b"NOOP") == [b"250 OK"]
        assert w.cmd(b"MAIL FROM:<a@example.com>") == [b"250 OK"]
        assert w.cmd(b"RCPT TO:<b@example.com>") == [b"250 OK"]
        assert w.cmd(b"DATA")[0].startswith(b"354")
        _flood(w, GIB)
        assert w.cmd(b"\r\n.")[0].startswith(b"552")  # over the 32 MiB default
        w.cmd(b"MAIL FROM:<c@example.com>")
        w.cmd(b"RCPT TO:<d@example.com>")
        w.cmd(b"DATA")
        assert w.cmd(b"small\r\n.") == [b"250 OK"]
        assert server.delivered() == "message c@example.com 5\n"
        peak = server.peak_rss_mib()
        w.close()
    # The message limit (32 MiB) plus the interpreter; nowhere near 2 GiB.
    assert peak < 160, "peak RSS %.0f MiB" % peak


def test_a_data_that_never_ends_blocks_nobody_and_times_out():
    class Quick(smtpd.SMTPChannel):
        idle_timeout = 1.0

    class Server(Collecting):
        channel_class = Quick

    with Running(Server, data_size_limit=1 << 20) as run:
        endless = Wire(run.address)
        endless.reply()
        endless.cmd(b"HELO endless")
        endless.cmd(b"MAIL FROM:<endless@example.com>")
        endless.cmd(b"RCPT TO:<b@example.com>")
        assert endless.cmd(b"DATA")[0].startswith(b"354")
        for _ in range(16):
            endless.send(CHUNK)
            # Meanwhile another client is served.
        with smtplib.SMTP(*run.address, timeout=10) as s:
            s.sendmail("other@example.com", ["b@example.com"], b"Subject: x\r\n\r\nhi\r\n")
        # The endless client stops sending: the idle timer ends it.
        rest = endless.closed_by_peer(timeout=30)
        assert rest.startswith(b"421")
        assert [m[1] for m in run.server.messages] == ["other@example.com"]


def test_five_hundred_idle_connections():
    """500 clients connect and say nothing: a 501st is served meanwhile,
    and the idle timer closes the 500 with 421."""
    with ServerProcess(idle_timeout=3) as server:
        idle = [Wire(server.address, timeout=30) for _ in range(500)]
        for w in idle:
            assert w.reply()[0].startswith(b"220")
        with smtplib.SMTP(*server.address, timeout=10) as s:
            s.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nhi\r\n")
        assert server.delivered() == "message a@example.com 14\n"
        for w in idle:
            assert w.closed_by_peer(timeout=30).startswith(b"421")
            w.close()


def test_an_accepted_message_survives_the_garbage_after_it():
    with Running(Collecting) as run:
        w = Wire(run.address)
        w.open_data()
        assert w.cmd(b"kept\r\n.") == [b"250 OK"]
        # Then nonsense until the server gives up on the client.
        try:
            for _ in range(100):
                w.send(b"\x00garbage\r\n" * 10)
        except OSError:
            pass  # the server may close before we are done
        rest = w.closed_by_peer()
        assert b"421" in rest
        w.close()
        assert [m[3] for m in run.server.messages] == [b"kept"]


def test_a_client_that_never_reads_its_replies_is_not_buffered_forever():
    """Pipelined NOOPs from a client that reads nothing: the server stops
    reading once its unsent replies pass a bound, instead of queueing
    without end. (Small socket buffers on both sides keep it quick.)"""
    class SmallBuffers(smtpd.SMTPChannel):
        def __init__(self, server, conn, *args, **kwargs):
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            super().__init__(server, conn, *args, **kwargs)

    class Server(Collecting):
        channel_class = SmallBuffers

    with Running(Server) as run:
        s = socket.create_connection(run.address)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(1)
        sent = 0
        try:
            while sent < 64 << 20:
                sent += s.send(b"NOOP\r\n" * 4096)
        except (socket.timeout, BlockingIOError):
            pass  # the server stopped reading: our send buffer filled up
        assert sent < 64 << 20
        [channel] = run.channels()
        assert wait_until(lambda: not channel.readable())
        s.close()
