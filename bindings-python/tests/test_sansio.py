"""The sans-IO machines from Python, the project's own server, and the
asyncio example."""

import asyncio
import importlib.util
import os
import pathlib
import smtplib

import pytest

import smtplib_rs
from smtplib_rs import _core
from smtplib_rs.server import Server


def pump(client, server, rounds=50):
    """Moves bytes both ways until neither machine has anything to say."""
    log = []
    for _ in range(rounds):
        moved = False
        for ev in server.events():
            log.append(("S", ev.kind))
            if ev.kind == "MessageEnd":
                server.accept()
            elif server.awaiting_answer and ev.kind not in ("MessageData", "Bdat"):
                server.accept()
        out = server.transmit()
        if out:
            client.receive_data(out)
            moved = True
        for ev in client.events():
            log.append(("C", ev))
        out = client.transmit()
        if out:
            server.receive_data(out)
            moved = True
        if not moved and not server.events():
            break
    return log


def test_client_and_server_machines_in_memory():
    cc = _core.ClientConnection("client.example")
    sc = _core.ServerConnection("server.example", chunking=False)
    log = pump(cc, sc)
    kinds = [e.kind for side, e in log if side == "C"]
    assert kinds[:2] == ["Greeting", "EhloAccepted"]
    cc.send_mail("a@x.org", ["b@y.org", "c@y.org"])
    log = pump(cc, sc)
    assert ("C", "ReadyForBody") in [(s, e.kind) for s, e in log if s == "C"]
    cc.send_body(b"Subject: t\n\n.hi\n")
    cc.finish_body()
    log = pump(cc, sc)
    done = [e for s, e in log if s == "C" and e.kind == "TransactionFinished"]
    assert done and done[0].result == {"refused": [], "accepted": 2}


def test_event_objects():
    sc = _core.ServerConnection("server.example")
    sc.receive_data(b"EHLO client.example\r\n")
    (ev,) = sc.events()
    assert ev.kind == "Ehlo" and ev.domain == "client.example"
    assert ev.fields == {"domain": "client.example", "line": "EHLO client.example"}
    with pytest.raises(AttributeError):
        ev.nope
    assert "Ehlo" in repr(ev)


def test_server_machine_refuses_smuggling():
    sc = _core.ServerConnection("s")
    sc.transmit()
    sc.receive_data(b"EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n")
    data = []
    for _ in range(10):
        for ev in sc.events():
            if ev.kind == "MessageData":
                data.append(ev.data)
            elif ev.kind not in ("MessageEnd", "MessageRefused", "CommandRefused") and sc.awaiting_answer:
                sc.accept()
    # A bare-LF "end of data" does not end the message.
    sc.receive_data(b"hello\n.\nMAIL FROM:<evil@x>\r\n")
    kinds = [e.kind for e in sc.events()]
    assert "MailFrom" not in kinds and "MessageEnd" not in kinds


@pytest.mark.parametrize("chunking", [False, True])
def test_smtplib_rs_to_own_server(chunking):
    with Server(chunking=chunking) as srv:
        with smtplib_rs.SMTP(srv.host, srv.port, local_hostname="c.example", timeout=10) as s:
            s.use_chunking = chunking
            assert s.sendmail("a@x.org", ["b@y.org"], b"Subject: x\r\n\r\n.body\r\n") == {}
            assert s.has_extn("pipelining")
    assert [m.data for m in srv.messages] == [b"Subject: x\r\n\r\n.body\r\n"]
    assert srv.messages[0].rcpt_tos == ["<b@y.org>"]


def test_stdlib_smtplib_to_own_server():
    with Server() as srv:
        with smtplib.SMTP(srv.host, srv.port, local_hostname="c.example", timeout=10) as s:
            s.sendmail("a@x.org", ["b@y.org"], "hi\n..dots\n")
    assert srv.messages[0].data == b"hi\r\n..dots\r\n"


def test_lmtp_to_own_server_per_recipient():
    def handler(msg):
        return [None if "ok" in r else (452, "4.2.2 full") for r in msg.rcpt_tos]
    with Server(lmtp=True, handler=handler) as srv:
        with smtplib_rs.LMTP(srv.host, srv.port, local_hostname="c.example", timeout=10) as s:
            refused = s.sendmail("a@x.org", ["ok1@y.org", "full@y.org", "ok2@y.org"], "x")
            assert refused == {"full@y.org": (452, b"4.2.2 full")}
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                s.sendmail("a@x.org", ["full@y.org"], "x")
            assert s.noop()[0] == 250


def test_login_against_own_server():
    with Server(users={"u": "p"}) as srv:
        with smtplib_rs.SMTP(srv.host, srv.port, local_hostname="c.example", timeout=10) as s:
            assert s.login("u", "p")[0] == 235
        with smtplib_rs.SMTP(srv.host, srv.port, local_hostname="c.example", timeout=10) as s:
            with pytest.raises(smtplib.SMTPAuthenticationError):
                s.login("u", "wrong")


def test_own_server_closes_an_idle_session_with_421():
    # The machine's idle timer (timeouts as data) is the server's only
    # deadline: past it, 421 and the connection closes.
    import socket
    import time
    with Server(idle_timeout=0.3) as srv:
        with socket.create_connection((srv.host, srv.port), timeout=5) as c:
            t0 = time.monotonic()
            data = b""
            while not data.endswith(b"\r\n") or data.count(b"\r\n") < 2:
                chunk = c.recv(1000)
                if not chunk:
                    break
                data += chunk
            assert data.startswith(b"220 ")
            assert data.split(b"\r\n")[1].startswith(b"421 ")
            assert c.recv(1000) == b""  # closed
            assert time.monotonic() - t0 < 4


def test_idle_timeout_must_be_positive():
    with pytest.raises(ValueError, match="idle_timeout"):
        _core.ServerConnection("x", idle_timeout=0)


def test_asyncio_example_runs():
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "asyncio_client.py"
    if not path.exists():
        pytest.skip("examples/ not beside the tests")
    spec = importlib.util.spec_from_file_location("asyncio_client", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    result, inbox = asyncio.run(asyncio.wait_for(mod.main(), 20))
    assert result.kind == "TransactionFinished"
    assert inbox[0][1].endswith(b".dot\r\n")
