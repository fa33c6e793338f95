"""The round trips alone: a client that does nothing but them.

`SMTP` here has the three methods the benchmark calls (`ehlo`, `sendmail`,
`quit`) and spends no time on anything but the socket: the command bytes
and the dot-stuffed body are computed once, and a reply is only read far
enough to see that it is complete and positive. It sends what a correct
client must, in the round trips RFC 2920 allows: MAIL, RCPT and DATA in
one write when the server offers PIPELINING (the body only after the 354,
§3.1), one command per round trip otherwise. With ``use_chunking`` and a
server offering PIPELINING and CHUNKING it sends MAIL, RCPT, ``BDAT n
LAST`` and the whole body in one write and reads every reply once: one
round trip per message (RFC 2920 §3.1 does not end a group at BDAT).

Its time is the floor for any `sendmail` against that server on this
machine; smtplib's time divided by it is the best ratio any client could
reach. The benchmark prints it next to smtplib_rs's.
"""

import re
import socket

_RECV = 65536


class SMTP:
    def __init__(self, host, port, local_hostname="client.example", timeout=120):
        self.sock = socket.create_connection((host, port), timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.local_hostname = local_hostname
        self.pipelining = False
        self.chunking = False
        self.use_chunking = False
        self._wire = None
        self._replies(1)

    def _replies(self, count):
        """Reads `count` complete replies; returns their text."""
        data = b""
        while True:
            chunk = self.sock.recv(_RECV)
            if not chunk:
                raise ConnectionError("server closed the connection")
            data += chunk
            if data.endswith(b"\r\n"):
                lines = data.split(b"\r\n")[:-1]
                finals = [ln for ln in lines if ln[3:4] != b"-"]
                if len(finals) >= count:
                    break
        for line in finals:
            if line[:1] not in (b"2", b"3"):
                raise RuntimeError("refused: %r" % line)
        return data

    def ehlo(self):
        self.sock.sendall(b"EHLO %s\r\n" % self.local_hostname.encode())
        text = self._replies(1).upper()
        self.pipelining = b"PIPELINING" in text
        self.chunking = b"CHUNKING" in text

    def sendmail(self, from_addr, to_addrs, msg):
        if self.use_chunking and self.chunking and self.pipelining:
            return self._sendmail_bdat(from_addr, to_addrs, msg)
        if self._wire is None or self._wire[0] is not msg:
            commands = [b"MAIL FROM:<%s>\r\n" % from_addr.encode()]
            commands += [b"RCPT TO:<%s>\r\n" % a.encode() for a in to_addrs]
            commands.append(b"DATA\r\n")
            stuffed = re.sub(rb"(?m)^\.", b"..", msg)
            if not stuffed.endswith(b"\r\n"):
                stuffed += b"\r\n"
            self._wire = (msg, commands, stuffed + b".\r\n")
        _, commands, body = self._wire
        if self.pipelining:
            self.sock.sendall(b"".join(commands))
            self._replies(len(commands))
        else:
            for command in commands:
                self.sock.sendall(command)
                self._replies(1)
        self.sock.sendall(body)
        self._replies(1)
        return {}

    def _sendmail_bdat(self, from_addr, to_addrs, msg):
        if self._wire is None or self._wire[0] is not msg:
            commands = [b"MAIL FROM:<%s>\r\n" % from_addr.encode()]
            commands += [b"RCPT TO:<%s>\r\n" % a.encode() for a in to_addrs]
            wire = b"".join(commands) + b"BDAT %d LAST\r\n" % len(msg) + msg
            self._wire = (msg, len(commands) + 1, wire)
        _, replies, wire = self._wire
        self.sock.sendall(wire)
        self._replies(replies)
        return {}

    def quit(self):
        self.sock.sendall(b"QUIT\r\n")
        self._replies(1)
        self.sock.close()
