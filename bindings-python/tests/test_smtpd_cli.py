"""`python -m smtplib_rs.smtpd` and a script that ends in asyncore.loop()."""

import os
import smtplib
import socket
import subprocess
import sys
import textwrap
import time

import pytest

import smtplib_rs.server

from _smtpd_support import asyncore_importable

BODY = b"Subject: hi\r\n\r\nhello\r\n"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _python(*args):
    """The interpreter running the tests; without asyncore when the suite
    runs that way."""
    if os.environ.get("SMTPD_TEST_NO_ASYNCORE"):
        prelude = ("import sys, runpy; sys.modules['asyncore'] = None; "
                   "sys.modules['asynchat'] = None; sys.argv = sys.argv[1:]; ")
        if args[0] == "-m":
            return [sys.executable, "-c", prelude + "runpy.run_module(%r, run_name='__main__')"
                    % args[1], "-m"] + list(args[2:])
        return [sys.executable, "-c", prelude + "runpy.run_path(%r, run_name='__main__')"
                % args[0], args[0]] + list(args[1:])
    return [sys.executable] + list(args)


class Cli:
    """The command line with `options`, listening on a free port (unless
    `hosts` name it), `remote` as the second argument."""

    def __init__(self, *options, remote=None):
        self.port = _free_port()
        hosts = ["127.0.0.1:%d" % self.port] + ([remote] if remote else [])
        self.proc = subprocess.Popen(
            _python("-m", "smtplib_rs.smtpd", *options, *hosts),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def connect(self):
        end = time.monotonic() + 10
        while True:
            try:
                return smtplib.SMTP("127.0.0.1", self.port, timeout=10)
            except OSError:
                if time.monotonic() > end or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=10)
        return out.decode(), err.decode()


def test_cli_debugging_server_serves_and_prints():
    cli = Cli("-n", "-c", "DebuggingServer")
    try:
        with cli.connect() as s:
            code, _ = s.ehlo()
            assert code == 250
            # -s was documented to default to 33554432; smtpd applied none.
            assert s.esmtp_features["size"] == "33554432"
            s.sendmail("a@example.com", ["b@example.org"], BODY)
    finally:
        out, err = cli.stop()
    assert out == ("---------- MESSAGE FOLLOWS ----------\n"
                   "mail options: ['SIZE=%d']\n"
                   "b'Subject: hi'\n"
                   "b'X-Peer: 127.0.0.1'\n"
                   "b''\n"
                   "b'hello'\n"
                   "------------ END MESSAGE ------------\n" % len(BODY)), err


def test_cli_size_and_debug_options():
    cli = Cli("-n", "-d", "-s", "1000", "-c", "DebuggingServer")
    try:
        with cli.connect() as s:
            s.ehlo()
            assert s.esmtp_features["size"] == "1000"
            with pytest.raises(smtplib.SMTPSenderRefused) as e:
                s.sendmail("a@example.com", ["b@example.org"], b"x" * 2000)
            assert e.value.smtp_code == 552
    finally:
        out, err = cli.stop()
    assert "Incoming connection from" in err


def test_cli_default_class_pure_proxy_relays():
    """The default class is PureProxy, which smtpd broke (bpo-35837)."""
    with smtplib_rs.server.Server() as remote:
        cli = Cli("-n", remote="127.0.0.1:%d" % remote.port)
        try:
            with cli.connect() as s:
                s.sendmail("a@example.com", ["b@example.org"], BODY)
        finally:
            cli.stop()
        [msg] = remote.messages
    assert msg.data == b"Subject: hi\r\nX-Peer: 127.0.0.1\r\n\r\nhello\r\n"


def test_cli_class_from_a_module(tmp_path):
    (tmp_path / "myservers.py").write_text(textwrap.dedent("""\
        import smtplib_rs.smtpd as smtpd

        class Shouting(smtpd.SMTPServer):
            def process_message(self, peer, mailfrom, rcpttos, data, **kw):
                print("GOT", mailfrom, rcpttos, data.upper(), flush=True)
        """))
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = str(tmp_path) + (os.pathsep + env_path if env_path else "")
    try:
        cli = Cli("-n", "-c", "myservers.Shouting")
    finally:
        if env_path:
            os.environ["PYTHONPATH"] = env_path
        else:
            del os.environ["PYTHONPATH"]
    try:
        with cli.connect() as s:
            s.sendmail("a@example.com", ["b@example.org"], BODY)
    finally:
        out, err = cli.stop()
    assert out == "GOT a@example.com ['b@example.org'] b'SUBJECT: HI\\n\\nHELLO'\n", err


def test_cli_usage_and_version():
    version = subprocess.run(_python("-m", "smtplib_rs.smtpd", "-V"),
                             capture_output=True, text=True, timeout=30)
    assert version.stdout == "Python SMTP proxy version 0.3\n"
    bad = subprocess.run(_python("-m", "smtplib_rs.smtpd", "nocolon"),
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1
    assert "Bad local spec: nocolon" in bad.stderr
    assert "Usage:" in bad.stderr


def test_cli_without_n_becomes_nobody_or_says_it_cannot():
    cli = Cli("-c", "DebuggingServer")
    if os.geteuid() != 0:
        out, err = cli.proc.communicate(timeout=30)
        assert cli.proc.returncode == 1
        assert 'Cannot setuid "nobody"' in err.decode()
        return
    try:
        with cli.connect() as s:
            s.sendmail("a@example.com", ["b@example.org"], BODY)
        status = open("/proc/%d/status" % cli.proc.pid).read()
        uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
        import pwd
        assert int(uid_line.split()[1]) == pwd.getpwnam("nobody").pw_uid
    finally:
        out, err = cli.stop()
    assert "MESSAGE FOLLOWS" in out, err


@pytest.mark.skipif(not asyncore_importable() or os.environ.get("SMTPD_TEST_NO_ASYNCORE"),
                    reason="needs asyncore (3.11, or standard-asyncore)")
def test_script_ending_in_asyncore_loop_runs_unchanged(tmp_path):
    """A smtpd-era script: import, subclass, asyncore.loop(). It serves one
    message, then closes its server so the loop ends."""
    port = _free_port()
    script = tmp_path / "old_script.py"
    script.write_text(textwrap.dedent("""\
        import asyncore
        import smtplib_rs.smtpd as smtpd

        class OneShot(smtpd.SMTPServer):
            def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
                print("received", mailfrom, rcpttos, len(data), flush=True)
                self.close()

        OneShot(("127.0.0.1", %d), None)
        asyncore.loop()
        print("loop ended", flush=True)
        """ % port))
    proc = subprocess.Popen([sys.executable, "-W", "ignore", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 10
        while True:
            try:
                s = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert time.monotonic() < end and proc.poll() is None
                time.sleep(0.05)
        with s:
            s.sendmail("a@example.com", ["b@example.org"], BODY)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out.decode() == ("received a@example.com ['b@example.org'] %d\nloop ended\n"
                            % len(b"Subject: hi\n\nhello")), err
