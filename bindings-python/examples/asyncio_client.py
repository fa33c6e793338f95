#!/usr/bin/env python3
"""The sans-IO machines over asyncio streams.

An asyncio SMTP server driven by ``smtplib_rs._core.ServerConnection`` and an
asyncio client driven by ``smtplib_rs._core.ClientConnection`` talk over
127.0.0.1. Neither machine does any I/O: each loop feeds bytes in, writes
``transmit()`` out and reacts to ``events()``.

    python bindings-python/examples/asyncio_client.py
"""

import asyncio

from smtplib_rs._core import ClientConnection, ServerConnection

ANSWER_WITH_DEFAULT = {"Ehlo", "Helo", "Lhlo", "MailFrom", "RcptTo", "Data",
                       "ChunkEnd", "Rset", "Noop", "Quit"}


async def serve(reader, writer, inbox):
    sc = ServerConnection("server.example")
    body = []
    while True:
        events = sc.events()
        if not events:
            writer.write(sc.transmit())
            await writer.drain()
            if sc.closed:
                break
            sc.receive_data(await reader.read(65536))
            continue
        for ev in events:
            if ev.kind == "MessageData":
                body.append(ev.data)
            elif ev.kind == "MessageEnd":
                inbox.append((ev.recipients, b"".join(body)))
                body = []
                sc.accept()
            elif ev.kind in ANSWER_WITH_DEFAULT:
                sc.accept()
    writer.close()


async def send(host, port, from_addr, to_addrs, message):
    """Sends one message; returns the machine's TransactionFinished event."""
    reader, writer = await asyncio.open_connection(host, port)
    cc = ClientConnection("client.example")
    finished = None
    try:
        while not cc.closed:
            for ev in cc.events():
                print("client event:", ev)
                if ev.kind == "EhloAccepted":
                    cc.send_mail(from_addr, to_addrs, size=len(message))
                elif ev.kind == "ReadyForBody":
                    cc.send_body(message)
                    cc.finish_body()
                elif ev.kind in ("TransactionFinished", "TransactionFailed"):
                    finished = ev
                    cc.quit()
            out = cc.transmit()
            if out:
                writer.write(out)
                await writer.drain()
            if cc.closed:
                break
            timeout = cc.timeout()
            try:
                data = await asyncio.wait_for(reader.read(65536), timeout)
            except asyncio.TimeoutError:
                cc.handle_timeout()
                continue
            cc.receive_data(data)
    finally:
        writer.close()
    return finished


async def main():
    inbox = []
    server = await asyncio.start_server(lambda r, w: serve(r, w, inbox), "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    async with server:
        result = await send(host, port, "alice@example.org",
                            ["bob@example.org", "carol@example.org"],
                            b"Subject: sans-IO\r\n\r\nHello over asyncio.\r\n.dot\r\n")
    print("result:", result.result)
    for rcpts, data in inbox:
        print("server got for %s:\n%s" % (", ".join(rcpts), data.decode()))
    return result, inbox


if __name__ == "__main__":
    asyncio.run(main())
