"""smtplib_rs.aiosmtpd under load, loopback only and bounded in time:
1,000 concurrent sessions (every accepted message delivered exactly once),
and the streaming hook on a 100 MiB message (never held whole).

CI runs 1,000 sessions x 1 message; SMTPLIB_RS_HEAVY=1 runs 1,000 x 10."""

import asyncio
import hashlib
import os
import threading

from smtplib_rs.aiosmtpd.handlers import Sink

from _aiosmtpd import Raw, current_rss_kib, serving

HEAVY = bool(os.environ.get("SMTPLIB_RS_HEAVY"))
SESSIONS = 1000
PER_SESSION = 10 if HEAVY else 1


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.delivered = []

    async def handle_DATA(self, server, session, envelope):
        msg_id = envelope.content.split(b"\r\n", 1)[0]
        with self.lock:
            self.delivered.append(msg_id)
        return "250 OK"


async def _session(port, n, accepted, failures):
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), 60)
    except (OSError, asyncio.TimeoutError) as e:
        failures.append(("connect", repr(e)))
        return

    async def reply():
        line = await reader.readline()
        while line[3:4] == b"-":
            line = await reader.readline()
        return line

    try:
        assert (await reply()).startswith(b"220")
        writer.write(b"EHLO load.example\r\n")
        assert (await reply()).startswith(b"250")
        for i in range(PER_SESSION):
            msg_id = b"id-%d-%d" % (n, i)
            writer.write(b"MAIL FROM:<s%d@example.org>\r\n" % n)
            assert (await reply()).startswith(b"250")
            writer.write(b"RCPT TO:<r@example.org>\r\n")
            assert (await reply()).startswith(b"250")
            writer.write(b"DATA\r\n")
            assert (await reply()).startswith(b"354")
            writer.write(msg_id + b"\r\nSubject: load\r\n\r\n" + b"x" * 900 + b"\r\n.\r\n")
            if (await reply()).startswith(b"250"):
                accepted.append(msg_id)
        writer.write(b"QUIT\r\n")
        await reply()
    except Exception as e:  # noqa: BLE001 -- counted and reported
        failures.append((n, repr(e)))
    finally:
        writer.close()


def test_thousand_concurrent_sessions_deliver_exactly_once():
    ledger = Ledger()
    with serving(ledger) as c:
        accepted, failures = [], []

        async def main():
            await asyncio.wait_for(asyncio.gather(
                *(_session(c.port, n, accepted, failures) for n in range(SESSIONS))), 240)

        asyncio.run(main())
    assert failures == []
    assert len(accepted) == SESSIONS * PER_SESSION
    assert sorted(ledger.delivered) == sorted(accepted)
    assert len(set(ledger.delivered)) == len(ledger.delivered)


def test_streaming_hook_gets_a_100_mib_message_in_chunks():
    class Stream:
        def __init__(self):
            self.digest = hashlib.sha256()
            self.chunks = 0
            self.size = 0
            self.peak_growth = 0

        async def handle_DATA_CHUNK(self, server, session, envelope, data, last):
            self.digest.update(data)
            self.size += len(data)
            self.chunks += not last
            self.peak_growth = max(self.peak_growth, current_rss_kib() - self.base)
            if last:
                return "250 stored %d" % self.size
            return None

    h = Stream()
    line = b"y" * 998 + b"\r\n"
    per_block = 1024
    blocks = (100 << 20) // (len(line) * per_block)
    block = line * per_block
    want = hashlib.sha256()
    with serving(h, data_size_limit=None) as c:
        r = Raw(c.port)
        r.cmd(b"HELO c")
        r.cmd(b"MAIL FROM:<a@example.org>")
        r.cmd(b"RCPT TO:<b@example.org>")
        assert r.cmd(b"DATA").startswith(b"354")
        h.base = current_rss_kib()
        for _ in range(blocks):
            r.send(block)
            want.update(block)
        r.send(b".\r\n")
        assert r.reply() == b"250 stored %d" % (blocks * len(block))
    assert h.digest.digest() == want.digest()
    assert h.size >= 100 * 10**6 and h.chunks > 100
    # Never held whole: far below the message's 100 MiB.
    assert h.peak_growth < 16 * 1024, h.peak_growth
