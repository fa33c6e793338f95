#!/usr/bin/env python3
"""aiosmtpd and smtplib_rs.aiosmtpd side by side, in one run, with the same
handler, driven by Postfix's `smtp-source`; Postfix's C `smtp-sink` in the
same rounds as the ceiling (what the wire and this machine allow).

Throughput workloads (smtp-source -d: one session per connection, messages
back to back):
  1 KiB messages over 1 connection, 1 KiB over 4 connections, 10 MiB
  messages over 1 connection;
each with two handlers: `sink` (no hook: aiosmtpd's Sink) and `keep` (a
handle_DATA that keeps the last body).

Memory (each server alone, peak RSS from /proc, reset after a warm-up):
  peak RSS receiving one 48 MiB message with `keep`, and with the streaming
  hook (handle_DATA_CHUNK, smtplib_rs only); RSS per idle connection
  (1,000 connections after EHLO).

Servers run pinned to one core, smtp-source to the other (taskset); the
servers take turns round by round, the first one rotating. Ratios are
medians of the per-round ratios (smtplib_rs msgs/s / aiosmtpd msgs/s).

    bash bindings-python/benches/run.sh server             # full run
    bash bindings-python/benches/run.sh server --quick     # smoke run
    bash bindings-python/benches/run.sh server --memory-only
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

SERVER_CPU = "0"
CLIENT_CPU = "1"
MIB = 1 << 20

SERVER = r"""
import asyncio, os, sys
from {module}.smtp import SMTP

class Sink:
    pass

class Keep:
    last = None
    async def handle_DATA(self, server, session, envelope):
        Keep.last = envelope.content
        return "250 OK"

class Stream:
    async def handle_DATA_CHUNK(self, server, session, envelope, data, last):
        return "250 OK" if last else None

HANDLERS = {{"sink": Sink, "keep": Keep, "stream": Stream}}

async def main(port, handler):
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(HANDLERS[handler](), hostname="bench.local", data_size_limit=None),
        "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"""

SERVERS = {
    "aiosmtpd": "aiosmtpd",
    "smtplib_rs": "smtplib_rs.aiosmtpd",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A server process pinned to SERVER_CPU."""

    def __init__(self, argv, ready=None):
        self.port = free_port()
        argv = [a.replace("{port}", str(self.port)) for a in argv]
        # Only a Python server's "ready" is read; anything else a server
        # writes must not fill a pipe nobody reads.
        out = subprocess.PIPE if ready else subprocess.DEVNULL
        self.p = subprocess.Popen(["taskset", "-c", SERVER_CPU, *argv],
                                  stdout=out, stderr=subprocess.DEVNULL)
        if ready:
            line = self.p.stdout.readline()
            assert line.strip() == b"ready", line
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @property
    def pid(self):
        return self.p.pid

    def rss_kib(self, field="VmRSS"):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def reset_peak(self):
        with open("/proc/%d/clear_refs" % self.pid, "w") as f:
            f.write("5")

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def python_server(name, handler):
    code = SERVER.format(module=SERVERS[name])
    return Proc([sys.executable, "-c", code, "{port}", handler], ready=True)


def sink_server():
    return Proc([SMTP_SINK, "-u", "nobody", "127.0.0.1:{port}", "1024"])


def source(port, sessions, messages, length):
    """Seconds smtp-source takes; pinned to CLIENT_CPU."""
    argv = ["taskset", "-c", CLIENT_CPU, SMTP_SOURCE, "-d", "-s", str(sessions),
            "-m", str(messages), "-l", str(length), "127.0.0.1:%d" % port]
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def throughput(workloads, rounds):
    rows = []
    for label, sessions, messages, length in workloads:
        for handler in ("sink", "keep"):
            procs = {name: python_server(name, handler) for name in SERVERS}
            procs["smtp-sink"] = sink_server()
            names = list(procs)
            rates = {n: [] for n in names}
            try:
                for n in names:  # warm-up: connections, caches, first-call costs
                    source(procs[n].port, sessions, max(1, messages // 10), length)
                for r in range(rounds):
                    order = names[r % len(names):] + names[:r % len(names)]
                    for n in order:
                        t = source(procs[n].port, sessions, messages, length)
                        rates[n].append(messages / t)
            finally:
                for p in procs.values():
                    p.stop()
            ratios = [o / a for o, a in zip(rates["smtplib_rs"], rates["aiosmtpd"])]
            ceiling = [s / a for s, a in zip(rates["smtp-sink"], rates["aiosmtpd"])]
            rows.append((label, handler, {n: statistics.median(v) for n, v in rates.items()},
                         statistics.median(ratios), statistics.median(ceiling), ratios))
            print_row(rows[-1], length)
    return rows


def print_row(row, length):
    label, handler, med, ratio, ceiling, ratios = row
    unit = (lambda v: "%.1f MB/s" % (v * length / 1e6)) if length >= MIB else (
        lambda v: "{:,.0f} msg/s".format(v))
    print("| %s | %s | %s | %s | %s | **%.2fx** | %.2fx | %s |" % (
        label, handler, unit(med["aiosmtpd"]), unit(med["smtplib_rs"]), unit(med["smtp-sink"]),
        ratio, ceiling, " ".join("%.2f" % x for x in ratios)), flush=True)


def send_one(port, size):
    source(port, 1, 1, size)


def memory(size):
    """Peak RSS receiving one message of `size` octets, per server/handler."""
    out = []
    for name, handler in (("aiosmtpd", "keep"), ("smtplib_rs", "keep"), ("smtplib_rs", "stream")):
        p = python_server(name, handler)
        try:
            send_one(p.port, 64 * 1024)       # warm-up: the code paths, one small message
            time.sleep(0.2)
            idle = p.rss_kib()
            p.reset_peak()
            send_one(p.port, size)
            time.sleep(0.2)
            peak = p.rss_kib("VmHWM")
        finally:
            p.stop()
        out.append((name, handler, idle, peak))
        print("| %s | %s | %.1f MiB | %.1f MiB | %.2fx | %.1f MiB |" % (
            name, handler, idle / 1024, peak / 1024, peak * 1024 / size,
            (peak - idle) / 1024), flush=True)
    return out


def idle_connections(count):
    """RSS added per idle connection (after EHLO), per server."""
    out = []
    for name in SERVERS:
        p = python_server(name, "sink")
        socks = []
        try:
            time.sleep(0.2)
            before = p.rss_kib()
            for _ in range(count):
                s = socket.create_connection(("127.0.0.1", p.port), 10)
                s.recv(1024)
                s.sendall(b"EHLO client.example\r\n")
                socks.append(s)
            for s in socks:
                data = b""
                while not (data.endswith(b"\r\n") and data.split(b"\r\n")[-2][3:4] == b" "):
                    data += s.recv(4096)
            time.sleep(0.2)
            after = p.rss_kib()
        finally:
            for s in socks:
                s.close()
            p.stop()
        per = (after - before) * 1024 / count
        out.append((name, per))
        print("| %s | %d | %.1f MiB | %.1f MiB | %.1f KiB |" % (
            name, count, before / 1024, after / 1024, per / 1024), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="small counts, 2 rounds")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--memory-only", action="store_true",
                    help="only the memory figures (no throughput rounds)")
    args = ap.parse_args()
    if args.quick:
        args.rounds = 2
    n1, n4, nbig = (300, 600, 2) if args.quick else (2000, 4000, 10)
    workloads = [
        ("1 KiB x 1 connection", 1, n1, 1024),
        ("1 KiB x 4 connections", 4, n4, 1024),
        ("10 MiB x 1 connection", 1, nbig, 10 * MIB),
    ]
    if not args.memory_only:
        print("server core %s, smtp-source core %s, %d rounds"
              % (SERVER_CPU, CLIENT_CPU, args.rounds))
        print()
        print("| workload | handler | aiosmtpd | smtplib_rs.aiosmtpd | smtp-sink (C) "
              "| ratio | ceiling | per-round ratios |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        throughput(workloads, args.rounds)
    if args.skip_memory:
        return
    print()
    size = 48 * MIB
    print("Peak RSS receiving one %d MiB message:" % (size // MIB))
    print()
    print("| server | handler | RSS idle | peak RSS | peak / message | peak over idle |")
    print("| --- | --- | --- | --- | --- | --- |")
    memory(size)
    print()
    count = 200 if args.quick else 1000
    print("Memory per idle connection (after EHLO):")
    print()
    print("| server | connections | RSS before | RSS after | per connection |")
    print("| --- | --- | --- | --- | --- |")
    idle_connections(count)


def find(tool):
    path = shutil.which(tool) or "/usr/sbin/" + tool
    if not os.path.exists(path):
        sys.exit("%s not found: install Debian's postfix (bindings-python/benches/run.sh "
                 "does it when run as root)" % tool)
    return path


SMTP_SOURCE = find("smtp-source")
SMTP_SINK = find("smtp-sink")

if __name__ == "__main__":
    main()
