"""aiosmtpd servers for test/client-aiosmtpd.test.mjs: an SMTP server with
AUTH (PLAIN, LOGIN) and STARTTLS, and an LMTP server, on loopback ports
chosen by the OS. Prints {"smtp": port, "lmtp": port} on one line, then one
JSON line per message received; stops when stdin closes (its parent ended).

    python client-aiosmtpd-server.py CERT.pem KEY.pem

Recipients whose local part starts with refuse (550), close421 (421),
hangup (the connection drops) or stall (no answer) are handled so; in LMTP,
undeliverable* gets 550 after the data.
"""
import asyncio
import base64
import json
import ssl
import sys

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, AuthResult

USERS = {b"tim": b"secret"}


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = USERS.get(bytes(auth_data.login)) == bytes(auth_data.password)
    return AuthResult(success=ok, handled=False)


class Handler:
    def __init__(self, lmtp):
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 No such user here"
        if local.startswith("close421"):
            # RFC 5321 §3.8: the reply, then the server closes.
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
            return "421 4.3.2 Service shutting down"
        if local.startswith("hangup"):
            server.transport.abort()
            return "250 never sent"
        if local.startswith("stall"):
            await asyncio.sleep(3600)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({
            "lmtp": self.lmtp,
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": base64.b64encode(envelope.original_content).decode(),
        }), flush=True)
        if not self.lmtp:
            return "250 2.0.0 Message accepted"
        return "\r\n".join(
            "550 5.2.1 Mailbox disabled" if r.lower().startswith("undeliverable") else "250 2.1.5 Delivered"
            for r in envelope.rcpt_tos)


async def main(cert, key):
    loop = asyncio.get_running_loop()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    smtp = await loop.create_server(
        lambda: SMTP(Handler(False), hostname="aiosmtpd.test", tls_context=context, require_starttls=False,
                     authenticator=authenticate, auth_require_tls=False, decode_data=False),
        "127.0.0.1", 0)
    lmtp = await loop.create_server(lambda: LMTP(Handler(True), hostname="aiosmtpd.test", decode_data=False),
                                    "127.0.0.1", 0)
    port = lambda s: s.sockets[0].getsockname()[1]
    print(json.dumps({"smtp": port(smtp), "lmtp": port(lmtp)}), flush=True)
    # Until the parent closes our stdin.
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
