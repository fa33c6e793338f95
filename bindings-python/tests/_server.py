"""A scripted SMTP/LMTP server for the tests, on 127.0.0.1 (or a Unix
socket), one thread per connection, bounded in time.

It is deliberately independent of smtplib_rs (it parses with plain Python)
so that it checks the client rather than agreeing with it. It records what
arrived and how: ``batches`` holds the command verbs of each recv() chunk,
which shows whether a client pipelined.
"""

import base64
import hashlib
import hmac
import os
import socket
import threading

TIMEOUT = 10.0


class Behaviour:
    """What the server says. Override attributes per test."""

    def __init__(self, **kw):
        self.lmtp = False
        self.extensions = ["SIZE 10000000", "8BITMIME", "HELP"]
        # Recipients whose local part starts with one of these are refused
        # at RCPT with the given reply.
        self.rcpt_refusals = {"bad": "550 5.1.1 no such user"}
        # LMTP: local parts starting with these are refused after the body.
        self.lmtp_data_refusals = {"full": "452 4.2.2 mailbox full"}
        self.mail_reply = None
        self.data_reply = None  # reply to DATA itself, instead of 354
        self.auth_users = {"user": "secret"}
        self.oauth_tokens = {"user": "token123"}
        self.scram_iterations = 4096
        self.greeting = b"220 test.example ESMTP ready\r\n"
        # Answer DATA with 354 even when no recipient was accepted (some
        # servers do; RFC 2920 §3.1 tells the client what to do then).
        self.always_354 = False
        # BDAT chunk (0-based, per transaction) -> reply instead of 250.
        # A refusal ends the transaction: the chunks after it are read and
        # refused with 503 (RFC 3030 §2); a 421 closes the connection.
        self.bdat_replies = {}


class Transaction:
    def __init__(self):
        self.mail_from = None
        self.rcpts = []
        self.wire = b""       # body exactly as it came on the wire
        self.message = b""    # body after dot-unstuffing / BDAT reassembly
        self.bdat_sizes = []


class Session(threading.Thread):
    def __init__(self, server, conn):
        super().__init__(daemon=True)
        self.server = server
        self.conn = conn
        self.buf = b""
        self.b = server.behaviour

    # -- I/O ------------------------------------------------------------
    def recv_more(self):
        data = self.conn.recv(1 << 20)
        if not data:
            raise EOFError
        self.server.raw_in.append(data)
        verbs = []
        for line in data.split(b"\r\n")[:-1] if self.server.in_command_mode else []:
            verbs.append(line.split(b" ", 1)[0].split(b":", 1)[0].upper().decode("latin-1"))
        if verbs:
            self.server.batches.append(verbs)
        self.buf += data

    def readline(self):
        while b"\r\n" not in self.buf:
            self.recv_more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        self.server.commands.append(line)
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            self.recv_more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def push(self, text):
        if isinstance(text, str):
            text = text.encode()
        if not text.endswith(b"\r\n"):
            text += b"\r\n"
        self.conn.sendall(text)

    # -- protocol ---------------------------------------------------------
    def run(self):
        self.conn.settimeout(TIMEOUT)
        try:
            self.conn.sendall(self.b.greeting)
            if not self.b.greeting:
                return
            self.serve()
        except (EOFError, OSError):
            pass
        finally:
            self.conn.close()

    def serve(self):
        tx = None
        accepted = []
        while True:
            line = self.readline()
            verb, _, arg = line.decode("utf-8", "replace").partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "LHLO"):
                if (verb == "LHLO") != self.b.lmtp:
                    self.push("500 5.5.1 wrong greeting verb")
                    continue
                lines = ["test.example greets " + arg] + list(self.b.extensions)
                out = "".join("250-%s\r\n" % l for l in lines[:-1]) + "250 %s\r\n" % lines[-1]
                self.push(out)
            elif verb == "HELO":
                self.push("250 test.example")
            elif verb == "MAIL":
                if self.b.mail_reply:
                    self.push(self.b.mail_reply)
                    continue
                tx = Transaction()
                tx.mail_from = arg
                accepted = []
                self.push("250 2.1.0 ok")
            elif verb == "RCPT":
                if tx is None:
                    self.push("503 5.5.1 MAIL first")
                    continue
                addr = arg[3:].strip("<>").split(">")[0]
                local = addr.split("@")[0]
                refusal = next((r for p, r in self.b.rcpt_refusals.items()
                                if local.startswith(p)), None)
                if refusal and refusal[:3] in ("250", "251"):
                    # A configured success (251: "will forward") accepts.
                    tx.rcpts.append(addr)
                    accepted.append(addr)
                    self.push(refusal)
                elif refusal:
                    self.push(refusal)
                else:
                    tx.rcpts.append(addr)
                    accepted.append(addr)
                    self.push("250 2.1.5 ok")
            elif verb == "DATA":
                if self.b.data_reply:
                    self.push(self.b.data_reply)
                    continue
                if (tx is None or not accepted) and not self.b.always_354:
                    self.push("554 5.5.1 no valid recipients")
                    continue
                self.push("354 go ahead")
                self.server.in_command_mode = False
                while b"\r\n.\r\n" not in b"\r\n" + self.buf:
                    self.recv_more()
                data = b"\r\n" + self.buf
                end = data.index(b"\r\n.\r\n")
                tx.wire = data[2:end + 2]
                self.buf = data[end + 5:]
                self.server.in_command_mode = True
                if tx is None or not accepted:
                    self.push("554 5.5.1 no valid recipients")
                    continue
                tx.message = b"\r\n".join(
                    l[1:] if l.startswith(b".") else l for l in tx.wire.split(b"\r\n"))
                self.finish_message(tx, accepted)
                tx = None
            elif verb == "BDAT":
                parts = arg.split()
                size = int(parts[0])
                last = len(parts) > 1 and parts[1].upper() == "LAST"
                self.server.in_command_mode = False
                chunk = self.read_exact(size)
                self.server.in_command_mode = True
                if tx is None or not accepted:
                    self.push("503 5.5.1 no valid recipients")
                    continue
                reply = self.b.bdat_replies.get(len(tx.bdat_sizes))
                if reply:
                    self.push(reply)
                    if reply.startswith("421"):
                        return
                    tx = None
                    continue
                tx.bdat_sizes.append(size)
                tx.message += chunk
                tx.wire += chunk
                if last:
                    self.finish_message(tx, accepted)
                    tx = None
                else:
                    self.push("250 2.0.0 %d octets received" % size)
            elif verb == "RSET":
                tx = None
                self.push("250 ok")
            elif verb == "NOOP":
                self.push("250 ok")
            elif verb == "QUIT":
                self.push("221 bye")
                return
            elif verb == "AUTH":
                self.auth(arg)
            else:
                self.push("502 5.5.2 not implemented")

    def finish_message(self, tx, accepted):
        self.server.transactions.append(tx)
        if not self.b.lmtp:
            self.push("250 2.0.0 queued")
            return
        out = b""
        for addr in accepted:
            local = addr.split("@")[0]
            refusal = next((r for p, r in self.b.lmtp_data_refusals.items()
                            if local.startswith(p)), None)
            out += (refusal or "250 2.0.0 <%s> delivered" % addr).encode() + b"\r\n"
        self.conn.sendall(out)

    # -- AUTH ---------------------------------------------------------------
    def challenge(self, data):
        self.push(b"334 " + base64.b64encode(data))
        line = self.readline()
        if line == b"*":
            raise ValueError("cancelled")
        return base64.b64decode(line) if line else b""

    def auth(self, arg):
        parts = arg.split()
        mech = parts[0].upper()
        initial = None
        if len(parts) > 1:
            initial = b"" if parts[1] == "=" else base64.b64decode(parts[1])
        self.server.auth_log.append((mech, initial is not None))
        users = self.b.auth_users
        try:
            if mech == "PLAIN":
                data = initial if initial is not None else self.challenge(b"")
                _, user, pw = data.split(b"\0")
                ok = users.get(user.decode()) == pw.decode()
            elif mech == "LOGIN":
                user = initial if initial is not None else self.challenge(b"Username:")
                pw = self.challenge(b"Password:")
                ok = users.get(user.decode()) == pw.decode()
            elif mech == "CRAM-MD5":
                chal = b"<1896.697170952@test.example>"
                user, digest = self.challenge(chal).split(b" ")
                pw = users.get(user.decode(), "")
                ok = hmac.new(pw.encode(), chal, "md5").hexdigest().encode() == digest
            elif mech == "XOAUTH2":
                data = initial if initial is not None else self.challenge(b"")
                fields = dict(f.split(b"=", 1) for f in data.split(b"\x01") if b"=" in f)
                user = fields.get(b"user", b"").decode()
                ok = fields.get(b"auth") == ("Bearer " + self.b.oauth_tokens.get(user, "?")).encode()
                if not ok:
                    self.challenge(b'{"status":"401"}')
            elif mech == "OAUTHBEARER":
                data = initial if initial is not None else self.challenge(b"")
                gs2, _, rest = data.partition(b"\x01")
                user = gs2.split(b",")[1][2:].decode()
                fields = dict(f.split(b"=", 1) for f in rest.split(b"\x01") if b"=" in f)
                ok = fields.get(b"auth") == ("Bearer " + self.b.oauth_tokens.get(user, "?")).encode()
                if not ok:
                    self.challenge(b'{"status":"invalid_token"}')
            elif mech == "SCRAM-SHA-256":
                ok = self.scram(initial)
            else:
                self.push("504 5.5.4 unknown mechanism")
                return
        except ValueError:
            self.push("501 5.5.2 cancelled")
            return
        self.push("235 2.7.0 Authentication successful" if ok else
                  "535 5.7.8 Authentication credentials invalid")

    def scram(self, initial):
        first = initial if initial is not None else self.challenge(b"")
        gs2, _, bare = first.partition(b",,")  # "n,," header then bare
        attrs = dict(a.split(b"=", 1) for a in bare.split(b","))
        user = attrs[b"n"].decode()
        cnonce = attrs[b"r"]
        salt = b"test-salt-0123"
        it = self.b.scram_iterations
        snonce = cnonce + base64.b64encode(os.urandom(12))
        server_first = b"r=%s,s=%s,i=%d" % (snonce, base64.b64encode(salt), it)
        final = self.challenge(server_first)
        fattrs = dict(a.split(b"=", 1) for a in final.split(b","))
        without_proof = final[:final.rindex(b",p=")]
        pw = self.b.auth_users.get(user, "").encode()
        salted = hashlib.pbkdf2_hmac("sha256", pw, salt, it)
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored = hashlib.sha256(client_key).digest()
        auth_msg = bare + b"," + server_first + b"," + without_proof
        sig = hmac.new(stored, auth_msg, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        if base64.b64decode(fattrs[b"p"]) != proof or fattrs[b"r"] != snonce:
            return False
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        server_sig = hmac.new(server_key, auth_msg, "sha256").digest()
        if self.server.scram_bad_server_signature:
            server_sig = bytes(32)
        self.challenge(b"v=" + base64.b64encode(server_sig))
        return True


class TestServer:
    """Listens on 127.0.0.1 (or a Unix socket path) and serves sessions."""

    def __init__(self, behaviour=None, unix_path=None):
        self.behaviour = behaviour or Behaviour()
        self.transactions = []
        self.commands = []
        self.batches = []
        self.raw_in = []
        self.auth_log = []
        self.in_command_mode = True
        self.scram_bad_server_signature = False
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(unix_path)
            self.address = unix_path
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.address = self.sock.getsockname()
        self.host = "127.0.0.1"
        self.port = None if unix_path else self.address[1]
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.sessions = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            s = Session(self, conn)
            self.sessions.append(s)
            s.start()

    def close(self):
        self._stop = True
        try:
            self.sock.close()
        except OSError:
            pass
        for s in self.sessions:
            s.join(TIMEOUT)
        self.thread.join(TIMEOUT)
