#!/usr/bin/env python3
"""smtplib and smtplib_rs side by side, in one run, against the same servers.

Workloads (one connection per client per round):
  (a) 2,000 messages of 1 KiB;
  (b) 20 messages of 10 MiB.
Servers (started here, on 127.0.0.1):
  aiosmtpd  (PyPI; does not offer PIPELINING);
  smtp-sink (Postfix's C test server, Debian package `postfix`; offers
             PIPELINING, not CHUNKING);
  postfix   (a private Postfix instance, `postfix_server.py`: the real MTA,
             queue in memory, every message to the discard transport;
             offers PIPELINING and CHUNKING; needs root);
  sink      (the project's own server machine, smtp-core's
             `examples/sink_server.rs`, in Rust: PIPELINING and CHUNKING).

Clients: smtplib; smtplib_rs with DATA (`sendmail` as smtplib calls it)
and, where the server offers PIPELINING and CHUNKING, with
`use_chunking = True` (MAIL, RCPT, BDAT and the body in one write); and
`wire_floor` for each mode (a client that does nothing but the round trips
the mode needs, so its time is the floor for any sendmail in that mode
against that server here).

The server runs pinned to one core and the clients to the other (taskset /
sched_setaffinity): on a 2-core machine an unpinned run swings by 2x with the
scheduler's placement. The clients take turns round by round (which one goes
first rotates too). "vs smtplib" is the median of the per-round ratios
smtplib time / that client's time (above 1: faster than smtplib); for a
wire floor it is the ceiling: the best ratio any client of that mode could
show. "CPU" is the client's own CPU time (user + system) per message.

    python bindings-python/benches/bench_sendmail.py            # full run
    python bindings-python/benches/bench_sendmail.py --quick    # smoke run
    python bindings-python/benches/bench_sendmail.py --servers sink,postfix
"""

import argparse
import os
import resource
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import time

import smtplib_rs

import postfix_server
import wire_floor

CLIENT_CPU = 0
SERVER_CPU = 1
FROM = "bench@client.example"
TO = ["rcpt@server.example"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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


def greet(port):
    """The server's EHLO keywords, upper case; None while it is not up."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.recv(1000)
            s.sendall(b"EHLO probe.example\r\n")
            data = b""
            while not data.endswith(b"\r\n") or data.splitlines()[-1][3:4] == b"-":
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.sendall(b"QUIT\r\n")
            return {line[4:].split(b" ")[0].upper().decode() for line in data.splitlines()}
    except OSError:
        return None


def sink_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "examples", "sink_server")


class Server:
    """A benchmark server on 127.0.0.1, pinned to SERVER_CPU."""

    def __init__(self, kind):
        self.kind = kind
        self.port = free_port()
        self.proc = self.postfix = None
        pin = ["taskset", "-c", str(SERVER_CPU)] if shutil.which("taskset") else []
        if kind == "postfix":
            self.postfix = postfix_server.PostfixServer(self.port, cpu=SERVER_CPU).start()
        else:
            if kind == "aiosmtpd":
                cmd = [sys.executable, "-c", AIOSMTPD_SERVER, str(self.port)]
            elif kind == "smtp-sink":
                sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
                # -m: concurrent sessions; 256: listen backlog. As root it must
                # drop privileges (-u); the postfix package creates the user.
                user = ["-u", "postfix"] if os.geteuid() == 0 else []
                cmd = [sink] + user + ["-m", "4", "127.0.0.1:%d" % self.port, "256"]
            elif kind == "sink":
                cmd = [sink_binary(), "127.0.0.1:%d" % self.port]
            else:
                raise ValueError(kind)
            self.proc = subprocess.Popen(pin + cmd, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while (keywords := greet(self.port)) is None:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s" % (kind, self.proc.returncode))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("%s did not start on port %d" % (kind, self.port))
            time.sleep(0.1)
        self.chunking = {"PIPELINING", "CHUNKING"} <= keywords

    def stop(self):
        if self.postfix is not None:
            self.postfix.stop()
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)


def unavailable(kind):
    """Why `kind` cannot run here, or None."""
    if kind == "smtp-sink" and not (shutil.which("smtp-sink") or os.path.exists("/usr/sbin/smtp-sink")):
        return "smtp-sink not found (apt-get install postfix)"
    if kind == "postfix":
        return postfix_server.available()
    if kind == "sink" and not os.path.exists(sink_binary()):
        return ("%s not built (cargo build --release -p smtp-core --example sink_server)"
                % sink_binary())
    return None


# label, module, use_chunking (the BDAT clients run only where the server
# offers PIPELINING and CHUNKING).
CLIENTS = [
    ("smtplib", smtplib, False),
    ("smtplib_rs DATA", smtplib_rs, False),
    ("smtplib_rs BDAT", smtplib_rs, True),
    ("floor DATA", wire_floor, False),
    ("floor BDAT", wire_floor, True),
]


MAX_IN_FLIGHT = None  # --max-in-flight: smtplib_rs's default unless given


def run_client(module, chunking, port, msg, count):
    """Seconds and client CPU seconds for `count` sendmails on one connection."""
    s = module.SMTP("127.0.0.1", port, local_hostname="client.example", timeout=120)
    s.use_chunking = chunking
    if MAX_IN_FLIGHT is not None:
        s.max_in_flight = MAX_IN_FLIGHT
    s.ehlo()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    for _ in range(count):
        refused = s.sendmail(FROM, TO, msg)
        if refused:
            raise RuntimeError("refused: %r" % refused)
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    s.quit()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return elapsed, cpu


def bench(kind, workloads, rounds):
    server = Server(kind)
    clients = [c for c in CLIENTS if server.chunking or not c[2]]
    results = []
    try:
        for name, msg, count in workloads:
            # One warm-up transaction each (imports, first connection).
            for _, module, chunking in clients:
                run_client(module, chunking, server.port, msg, 1)
            times = {label: [] for label, _, _ in clients}
            cpus = {label: [] for label, _, _ in clients}
            for r in range(rounds):
                # Each round starts with the next client in turn.
                k = r % len(clients)
                for label, module, chunking in clients[k:] + clients[:k]:
                    elapsed, cpu = run_client(module, chunking, server.port, msg, count)
                    times[label].append(elapsed)
                    cpus[label].append(cpu)
            row = (kind, name, len(msg), count, times, cpus)
            results.append(row)
            print_rows([row])
    finally:
        server.stop()
    return results


def rate(size, count, seconds):
    if size > 1 << 20:
        return "%.1f MB/s" % (size * count / seconds / 1e6)
    return "{:,.0f} msg/s".format(count / seconds)


def print_rows(rows):
    print("%-10s %-11s %-16s %14s %11s %9s   %s" % (
        "server", "workload", "client", "rate", "vs smtplib", "CPU/msg", "per-round ratios"))
    for kind, name, size, count, times, cpus in rows:
        base = times["smtplib"]
        for label in times:
            ratios = [b / t for b, t in zip(base, times[label])]
            print("%-10s %-11s %-16s %14s %10.2fx %7.0fus   %s" % (
                kind, name, label, rate(size, count, statistics.median(times[label])),
                statistics.median(ratios), statistics.median(cpus[label]) / count * 1e6,
                " ".join("%.2f" % r for r in ratios)))
    sys.stdout.flush()


def print_markdown(rows):
    """The summary table for the README."""
    labels = [label for label, _, _ in CLIENTS]
    print("| server | workload | " + " | ".join(labels) + " |")
    print("| --- | --- |" + " --- |" * len(labels))
    for kind, name, size, count, times, cpus in rows:
        base = times["smtplib"]
        cells = []
        for label in labels:
            if label not in times:
                cells.append("n/a")
                continue
            ratio = statistics.median([b / t for b, t in zip(base, times[label])])
            cell = rate(size, count, statistics.median(times[label]))
            if label.startswith("smtplib_rs"):
                cell += " (**%.2fx**)" % ratio
            elif label != "smtplib":
                cell += " (%.2fx)" % ratio
            cells.append(cell)
        print("| %s | %s | %s |" % (kind, name, " | ".join(cells)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--servers", default="aiosmtpd,smtp-sink,postfix,sink")
    ap.add_argument("--workloads", default="a,b", help="a: 1 KiB messages, b: 10 MiB")
    ap.add_argument("--max-in-flight", type=int, default=None,
                    help="smtplib_rs's max_in_flight (BDAT octets ahead of replies)")
    ap.add_argument("--quick", action="store_true",
                    help="200 x 1 KiB and 4 x 10 MiB, 3 rounds")
    args = ap.parse_args(argv)
    global MAX_IN_FLIGHT
    MAX_IN_FLIGHT = args.max_in_flight
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {CLIENT_CPU})
    n_small, n_big, rounds = 2000, 20, args.rounds
    if args.quick:
        n_small, n_big, rounds = 200, 4, 3
    workloads = [w for w in [("(a) 1 KiB", make_message(1024), n_small),
                             ("(b) 10 MiB", make_message(10 << 20), n_big)]
                 if w[0][1] in args.workloads.split(",")]
    print("client on CPU %d, server on CPU %d; %d rounds, alternating"
          % (CLIENT_CPU, SERVER_CPU, rounds))
    rows = []
    for kind in args.servers.split(","):
        why = unavailable(kind)
        if why:
            print("%s: skipped (%s)" % (kind, why))
            continue
        rows += bench(kind, workloads, rounds)
    print()
    print_rows(rows)
    print()
    print_markdown(rows)


if __name__ == "__main__":
    main()
