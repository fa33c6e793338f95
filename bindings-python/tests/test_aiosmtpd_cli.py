"""``python -m smtplib_rs.aiosmtpd``: aiosmtpd's command line, here with
the Mailbox handler writing a Maildir, and the flags beyond aiosmtpd."""

import mailbox
import signal
import smtplib
import socket
import subprocess
import sys
import time

import pytest

from smtplib_rs.aiosmtpd.main import parseargs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "smtplib_rs.aiosmtpd", "-n", "-l", "127.0.0.1:%d" % port, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.communicate())
            time.sleep(0.05)


def stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=10)
    finally:
        proc.kill()


def test_cli_mailbox_writes_a_maildir(tmp_path):
    maildir = tmp_path / "Maildir"
    proc, port = start("-c", "smtplib_rs.aiosmtpd.handlers.Mailbox", str(maildir))
    try:
        with smtplib.SMTP("127.0.0.1", port) as s:
            s.sendmail("anne@example.org", ["bart@example.org"],
                       "From: anne@example.org\r\nSubject: to the maildir\r\n\r\nHello Bart\r\n")
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, err
    box = mailbox.Maildir(str(maildir), create=False)
    [msg] = list(box)
    assert msg["Subject"] == "to the maildir"
    assert msg["X-MailFrom"] == "anne@example.org"
    assert msg["X-RcptTo"] == "bart@example.org"
    assert msg.get_payload().strip() == "Hello Bart"


def test_cli_debugging_prints_and_flags_beyond_aiosmtpd():
    proc, port = start("--pipelining", "--chunking", "--enhanced-status-codes", "-s", "5000")
    try:
        with smtplib.SMTP("127.0.0.1", port) as s:
            code, msg = s.ehlo("e.example")
            for kw in (b"PIPELINING", b"CHUNKING", b"ENHANCEDSTATUSCODES", b"SIZE 5000"):
                assert kw in msg
            s.sendmail("a@example.org", ["b@example.org"], "Subject: printed\r\n\r\nbody\r\n")
    finally:
        out, err = stop(proc)
    assert b"---------- MESSAGE FOLLOWS ----------" in out
    assert b"Subject: printed" in out


@pytest.mark.parametrize("args, host, port", [
    ([], "localhost", 8025),
    (["-l", ":9999"], "localhost", 9999),
    (["-l", "example.org"], "example.org", 8025),
    (["-l", "0.0.0.0:2525"], "0.0.0.0", 2525),
])
def test_listen_parsing_as_aiosmtpd(args, host, port):
    _, ns = parseargs(["-n", *args])
    assert (ns.host, ns.port) == (host, port)


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit):
        parseargs(["-n", "--tlscert", "/nonexistent"])
    assert "--tlscert and --tlskey must be specified together" in capsys.readouterr().err
