#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/<target>/ (committed, small).

Seeds come from two places: hand-written exchanges (the RFC examples of each
SASL mechanism) and the conformance transcripts (conformance/transcripts/),
from which the command lines, reply streams, EHLO replies, message bodies
and whole client/server byte streams are cut. Re-run after the transcripts
change: `python3 fuzz/make_seeds.py`. Stdlib only.
"""

import base64
import hashlib
import hmac
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEEDS = os.path.join(HERE, "seeds")
TRANSCRIPTS = os.environ.get(
    "TRANSCRIPTS", os.path.join(ROOT, "conformance", "transcripts")
)

# Each seed stays small: libFuzzer's -max_len defaults to the largest seed.
MAX_SEED = 4096


def b64(raw: bytes) -> bytes:
    return base64.b64encode(raw)


# --- SASL (RFC 4616, RFC 2195, RFC 7628, RFC 7677 §3) -----------------------

CRAM_NONCE = b"<1896.697170952@postoffice.reston.mci.net>"
SCRAM_CLIENT_FIRST = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
SCRAM_SERVER_FIRST = (
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
SCRAM_CLIENT_FINAL = (
    b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
SCRAM_SERVER_FINAL = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
OAUTH_ERROR = b'{"status":"invalid_token","schemes":"bearer"}'
XOAUTH2 = b"user=user\x01auth=Bearer tok\x01\x01"
OAUTHBEARER = b"n,a=user,\x01auth=Bearer tok\x01\x01"


def cram_response(user: bytes, password: bytes) -> bytes:
    digest = hmac.new(password, CRAM_NONCE, hashlib.md5).hexdigest().encode()
    return user + b" " + digest


def sasl_client_seeds():
    # Header: bits 0-2 mechanism (Plain, Login, CramMd5, XOAuth2,
    # OAuthBearer, ScramSha256), 0x08 LOGIN username first, 0x10 send the
    # initial response, bits 6-7 credentials (0 = user / pencil).
    # Lines: base64 334 text, or "!" + raw decoded challenge.
    return {
        "plain_ir": bytes([0x10]),
        "plain_empty_challenge": bytes([0x00]) + b"\n",
        "login": bytes([0x01]) + b"VXNlcm5hbWU6\nUGFzc3dvcmQ6\n",
        "login_ir": bytes([0x19]) + b"UGFzc3dvcmQ6\n",
        "cram_md5": bytes([0x02]) + b64(CRAM_NONCE) + b"\n",
        "xoauth2_error": bytes([0x13]) + b"!" + OAUTH_ERROR + b"\n",
        "oauthbearer_error": bytes([0x14]) + b64(OAUTH_ERROR) + b"\n",
        "scram_rfc7677": bytes([0x15])
        + b"!"
        + SCRAM_SERVER_FIRST
        + b"\n!"
        + SCRAM_SERVER_FINAL
        + b"\n",
        "scram_rfc7677_b64": bytes([0x15])
        + b64(SCRAM_SERVER_FIRST)
        + b"\n"
        + b64(SCRAM_SERVER_FINAL)
        + b"\n",
        "scram_no_ir": bytes([0x05])
        + b"\n!"
        + SCRAM_SERVER_FIRST
        + b"\n!e=invalid-proof\n",
    }


def sasl_server_seeds():
    # Header: bits 0-2 mechanism, 0x80 the first line is the initial
    # response. Lines: V / v verdict, C SCRAM credentials, X cancel,
    # "!" + raw response, else a base64 response line.
    return {
        "plain_ir_accept": bytes([0x80]) + b64(b"\x00user\x00pencil") + b"\nV\n",
        "plain_reject": bytes([0x00]) + b64(b"admin\x00user\x00pencil") + b"\nv\n",
        "login": bytes([0x01]) + b64(b"user") + b"\n" + b64(b"pencil") + b"\nV\n",
        "login_ir": bytes([0x81]) + b64(b"user") + b"\n" + b64(b"pencil") + b"\nv\n",
        "cram_md5": bytes([0x02]) + b64(cram_response(b"user", b"pencil")) + b"\nV\n",
        "xoauth2_reject": bytes([0x83]) + b64(XOAUTH2) + b"\nv\n\n",
        "oauthbearer_reject": bytes([0x84])
        + b64(OAUTHBEARER)
        + b"\nv\n"
        + b64(b"\x01")
        + b"\n",
        "scram_rfc7677": bytes([0x85])
        + b64(SCRAM_CLIENT_FIRST)
        + b"\nC\n"
        + b64(SCRAM_CLIENT_FINAL)
        + b"\n\n",
        "scram_raw": bytes([0x05])
        + b"!"
        + SCRAM_CLIENT_FIRST
        + b"\nC\n!"
        + SCRAM_CLIENT_FINAL
        + b"\n!\n",
        "cancel": bytes([0x01]) + b"*\n",
    }


# --- conformance transcripts -------------------------------------------------

ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[rnt0\\])")


def unescape(text: bytes) -> bytes:
    def one(m):
        e = m.group(1)
        return {
            b"r": b"\r",
            b"n": b"\n",
            b"t": b"\t",
            b"0": b"\0",
            b"\\": b"\\",
        }.get(e) or bytes([int(e[1:], 16)])

    return ESCAPE.sub(one, text)


def read_transcript(path):
    """[(side, bytes)] in order, side 'C' or 'S'."""
    items = []
    with open(path, "rb") as f:
        for raw in f.read().split(b"\n"):
            line = raw[:-1] if raw.endswith(b"\r") else raw
            m = re.match(rb"^([CS])([:~])( ?)(.*)$", line, re.S)
            if not m:
                continue
            side, kind, _, text = m.groups()
            data = unescape(text)
            if kind == b":":
                data += b"\r\n"
            items.append((side.decode(), data))
    return items


def transcripts():
    if not os.path.isdir(TRANSCRIPTS):
        return []
    return [
        (name[:-4], read_transcript(os.path.join(TRANSCRIPTS, name)))
        for name in sorted(os.listdir(TRANSCRIPTS))
        if name.endswith(".txt")
    ]


def write(target, seeds):
    d = os.path.join(SEEDS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in sorted(seeds.items()):
        if len(data) <= MAX_SEED:
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


def main():
    write("sasl_client", sasl_client_seeds())
    write("sasl_server", sasl_server_seeds())
    for target, make in EXTRA.items():
        write(target, make(transcripts()))
    return 0


# --- codec targets, cut from the transcripts --------------------------------


def side(items, who):
    return b"".join(d for s, d in items if s == who)


def data_sections(items):
    """The client bytes after each 354 reply, up to the next server line."""
    out = []
    for i, (s, d) in enumerate(items):
        if s == "S" and d.startswith(b"354"):
            body = b""
            for s2, d2 in items[i + 1 :]:
                if s2 == "S":
                    break
                body += d2
            out.append(body)
    return out


def per_file(ts, make):
    seeds = {}
    for name, items in ts:
        for k, data in enumerate(make(items)):
            if data:
                seeds["%s-%d" % (name, k)] = data
    return seeds


def command_parse_seeds(ts):
    # Header: bit 0 lenient, bit 1 SMTPUTF8, bits 2-3 limit (0 = 512);
    # then a read-size byte.
    seeds = per_file(ts, lambda items: [bytes([0x02, 0x3F]) + side(items, "C")])
    seeds["hand-params"] = (
        bytes([0x00, 0x07])
        + b"MAIL FROM:<a@b.c> SIZE=10 BODY=8BITMIME RET=HDRS ENVID=x+2By AUTH=<>\r\n"
        + b"RCPT TO:<Postmaster> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+40b\r\n"
        + b"BDAT 100 LAST\r\nAUTH PLAIN =\r\nVRFY x\r\nHELO [IPv6:::1]\r\n"
    )
    return seeds


def reply_parse_seeds(ts):
    # Header: bit 0 strict CRLF, bit 1 custom limits; then a read-size byte.
    return per_file(ts, lambda items: [bytes([0x00, 0x3F]) + side(items, "S")])


def ehlo_seeds(ts):
    return per_file(ts, lambda items: [bytes([0x00]) + side(items, "S")])


def dot_unstuffer_seeds(ts):
    # Header: bit 0 normalize bare CR/LF, bit 1 append a terminator; then a
    # read-size byte.
    return per_file(ts, lambda items: [bytes([0x00, 0x0F]) + d for d in data_sections(items)])


def stuff_seeds(ts):
    # Header: bit 0 Refuse policy; then a chunk-size byte; then the message.
    return per_file(ts, lambda items: [bytes([0x00, 0x0F]) + d for d in data_sections(items)])


def roundtrip_command_seeds(ts):
    # A selector byte, then fields (one per line) and flag bytes.
    return {
        "mail": b"\x03\x01user\n\x00example.com\n\xff\x10\x00\x04envid\n\x01<>\n\x01X-K\n\x01v\n",
        "rcpt": b"\x04\x01user\n\x02\x7f\x00\x00\x01\x3frfc822\nuser@example.com\n\x00",
        "ehlo": b"\x00\x03\x01tag\ncontent\n",
        "helo_v6": b"\x01\x03\x00\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01",
        "auth": b"\x0e" + b"plain\n\x01AHVzZXIAcGVuY2ls\n",
        "vrfy": b"\x08\"quoted\\\" local\"@x\n",
        "bdat": b"\x06\xff\xff\x20\x01",
    }


def roundtrip_reply_seeds(ts):
    # Header: 0 new, 1 with_enhanced, 2 from_lines; two code bytes
    # (200 + n % 400), three status bytes, then the text.
    seeds = {
        "ok": b"\x00\x32\x00\x02\x00\x00\x00OK",
        "enhanced": b"\x01\x32\x00\x02\x01\x00\x00Sender ok\nsecond line",
        "lines": b"\x02\x32\x00\x02\x00\x00\x00host\nPIPELINING\nSIZE 1000",
        "long": b"\x00\x2a\x01\x05\x07\x08\x00" + b"word " * 150,
    }
    return seeds


def server_machine_seeds(ts):
    # Four config bytes: f1 = 0x01 LMTP, 0x02 AUTH offered (no TLS needed
    # unless 0x04), 0x80 exact mode; f2 = 0x01 CHUNKING, 0x02 STARTTLS,
    # 0x04 VRFY/EXPN/HELP, 0x08 DSN, 0x10 BINARYMIME; f3 limits (0 =
    # defaults); f4 bad commands (low nibble), SIZE (high nibble). Then a
    # decision-length byte (0: accept everything, feed in one read).
    seeds = {}
    for name, items in ts:
        client = side(items, "C")
        lmtp = 0x01 if any(d.startswith(b"LHLO") for s, d in items if s == "C") else 0
        f1 = 0x02 | lmtp
        f2 = 0x01 | 0x02 | 0x04 | 0x08 | 0x10
        seeds[name] = bytes([f1, f2, 0x00, 0x0A, 0x00]) + client
        seeds[name + "-exact"] = bytes([f1 | 0x80, f2, 0x00, 0x0A, 0x00]) + client
    return seeds


def client_machine_seeds(ts):
    # Three config bytes: f1 = 0x01 LMTP, 0x02 no initial response, 0x04
    # LOGIN username first, 0x08 refuse bare line endings, 0x10 small reply
    # limits, 0x20 strict CRLF; f2 BDAT chunk size and transmit high water;
    # f3 which message. Then a decision-length byte (0: one read).
    seeds = {}
    for name, items in ts:
        server = side(items, "S")
        lmtp = 0x01 if any(d.startswith(b"LHLO") for s, d in items if s == "C") else 0
        seeds[name] = bytes([lmtp, 0x07, 0x00, 0x00]) + server
        seeds[name + "-split"] = bytes([lmtp, 0x07, 0x02, 0x04, 0x05, 0x20, 0x40, 0x01]) + server
    return seeds


EXTRA = {
    "client_machine": client_machine_seeds,
    "server_machine": server_machine_seeds,
    "command_parse": command_parse_seeds,
    # Same layout as command_parse: the borrowed and owned parses agree.
    "command_ref": command_parse_seeds,
    "reply_parse": reply_parse_seeds,
    "ehlo_capabilities": ehlo_seeds,
    "dot_unstuffer": dot_unstuffer_seeds,
    "stuff_unstuff_identity": stuff_seeds,
    "roundtrip_command": roundtrip_command_seeds,
    "roundtrip_reply": roundtrip_reply_seeds,
}

if __name__ == "__main__":
    sys.exit(main())
