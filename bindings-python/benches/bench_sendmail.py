#!/usr/bin/env python3
"""smtplib and smtplib_rs side by side, in one run, against the same servers.

Workloads (one connection per client per round):
  (a) 2,000 messages of 1 KiB;
  (b) 20 messages of 10 MiB.
Servers (started here, on 127.0.0.1):
  aiosmtpd  (PyPI; does not offer PIPELINING);
  smtp-sink (Postfix's C test server, Debian package `postfix`; offers
             PIPELINING).

Clients: smtplib, smtplib_rs, and `wire_floor` (a client that does nothing
but the round trips RFC 2920 allows, so its time is the floor for any
sendmail against that server here).

The server runs pinned to one core and the clients to the other (taskset /
sched_setaffinity): on a 2-core machine an unpinned run swings by 2x with the
scheduler's placement. The clients take turns round by round (which one goes
first rotates too). "ratio" is the median of the per-round ratios smtplib
time / smtplib_rs time (above 1: smtplib_rs faster); "ceiling" is the same
for smtplib / wire floor: the best ratio any client could show.

    python bindings-python/benches/bench_sendmail.py            # full run
    python bindings-python/benches/bench_sendmail.py --quick    # smoke run
"""

import argparse
import os
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import time

import smtplib_rs

import wire_floor

CLIENT_CPU = 0
SERVER_CPU = 1
FROM = "bench@client.example"
TO = ["rcpt@server.example"]

AIOSMTPD_SERVER = r"""
import asyncio, sys
from aiosmtpd.smtp import SMTP

class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: queued"

async def main(port):
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(Sink(), data_size_limit=64 << 20, hostname="aiosmtpd.local"),
        "127.0.0.1", port)
    async with srv:
        await srv.serve_forever()

asyncio.run(main(int(sys.argv[1])))
"""


def make_message(size):
    """An RFC 5322 message of about `size` octets: 76-character lines, every
    50th starting with a dot (so dot-stuffing has work to do)."""
    head = (b"From: Bench <bench@client.example>\r\n"
            b"To: Rcpt <rcpt@server.example>\r\n"
            b"Subject: benchmark\r\n"
            b"Message-ID: <bench@client.example>\r\n\r\n")
    line = b"abcdefghijklmnopqrstuvwxyz0123456789" * 2 + b"abcd"
    dotted = b"." + line[1:]
    lines = []
    total = len(head)
    i = 0
    while total < size:
        text = dotted if i % 50 == 49 else line
        lines.append(text)
        total += len(text) + 2
        i += 1
    msg = head + b"\r\n".join(lines) + b"\r\n"
    return msg[:size - 2] + b"\r\n" if len(msg) > size else msg


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.recv(100)
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start on port %d" % port)


def start_server(kind):
    port = free_port()
    pin = ["taskset", "-c", str(SERVER_CPU)] if shutil.which("taskset") else []
    if kind == "aiosmtpd":
        cmd = pin + [sys.executable, "-c", AIOSMTPD_SERVER, str(port)]
    elif kind == "smtp-sink":
        sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        # -m: concurrent sessions; 256: listen backlog. As root it must drop
        # privileges (-u); the postfix package creates the `postfix` user.
        user = ["-u", "postfix"] if os.geteuid() == 0 else []
        cmd = pin + [sink] + user + ["-m", "4", "127.0.0.1:%d" % port, "256"]
    else:
        raise ValueError(kind)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_port(port, proc)
    return proc, port


def run_client(module, port, msg, count):
    s = module.SMTP("127.0.0.1", port, local_hostname="client.example", timeout=120)
    s.ehlo()
    t0 = time.perf_counter()
    for _ in range(count):
        refused = s.sendmail(FROM, TO, msg)
        if refused:
            raise RuntimeError("refused: %r" % refused)
    elapsed = time.perf_counter() - t0
    s.quit()
    return elapsed


def bench(kind, workloads, rounds):
    proc, port = start_server(kind)
    results = []
    try:
        for name, msg, count in workloads:
            # One warm-up transaction each (imports, first connection).
            run_client(smtplib, port, msg, 1)
            run_client(smtplib_rs, port, msg, 1)
            run_client(wire_floor, port, msg, 1)
            times = {label: [] for label, _ in CLIENTS}
            ratios, ceilings = [], []
            for r in range(rounds):
                # Each round starts with the next client in turn.
                order = CLIENTS[r % 3:] + CLIENTS[:r % 3]
                this = {}
                for label, module in order:
                    this[label] = run_client(module, port, msg, count)
                    times[label].append(this[label])
                ratios.append(this["smtplib"] / this["smtplib_rs"])
                ceilings.append(this["smtplib"] / this["floor"])
            row = (kind, name, len(msg), count, times, ratios, ceilings)
            results.append(row)
            print_rows([row])
    finally:
        proc.terminate()
        proc.wait(10)
    return results


CLIENTS = [("smtplib", smtplib), ("smtplib_rs", smtplib_rs), ("floor", wire_floor)]

HEADER = "%-10s %-11s %14s %14s %14s %8s %8s" % (
    "server", "workload", "smtplib", "smtplib_rs", "wire floor", "ratio", "ceiling")


def print_rows(rows):
    print(HEADER)
    for kind, name, size, count, times, ratios, ceilings in rows:
        def rate(ts):
            t = statistics.median(ts)
            if size > 1 << 20:
                return "%8.1f MB/s" % (size * count / t / 1e6)
            return "%7.0f msg/s" % (count / t)
        print("%-10s %-11s %14s %14s %14s %7.2fx %7.2fx" % (
            kind, name, rate(times["smtplib"]), rate(times["smtplib_rs"]),
            rate(times["floor"]), statistics.median(ratios),
            statistics.median(ceilings)))
        print("%-10s %-11s per-round ratios: %s" % (
            "", "", " ".join("%.2f" % r for r in ratios)), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--servers", default="aiosmtpd,smtp-sink")
    ap.add_argument("--quick", action="store_true",
                    help="200 x 1 KiB and 4 x 10 MiB, 3 rounds")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {CLIENT_CPU})
    n_small, n_big, rounds = 2000, 20, args.rounds
    if args.quick:
        n_small, n_big, rounds = 200, 4, 3
    workloads = [("(a) 1 KiB", make_message(1024), n_small),
                 ("(b) 10 MiB", make_message(10 << 20), n_big)]
    print("client on CPU %d, server on CPU %d; %d rounds, alternating"
          % (CLIENT_CPU, SERVER_CPU, rounds))
    rows = []
    for kind in args.servers.split(","):
        if kind == "smtp-sink" and not (shutil.which("smtp-sink") or os.path.exists("/usr/sbin/smtp-sink")):
            print("smtp-sink not found (apt-get install postfix): skipped")
            continue
        rows += bench(kind, workloads, rounds)
    print()
    print_rows(rows)


if __name__ == "__main__":
    main()
