"""An aiosmtpd server that accepts and discards every message: the
benchmark's Python target. Prints its port; stops when stdin closes."""
import asyncio
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 OK"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Sink(), hostname="aiosmtpd.bench", decode_data=False,
                                                   data_size_limit=None), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
