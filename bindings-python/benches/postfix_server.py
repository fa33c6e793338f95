"""A private Postfix instance for the benchmark: a real MTA that offers
PIPELINING and CHUNKING (Postfix >= 3.4), listening on one loopback port,
delivering every message to the ``discard`` transport.

Everything lives in one temporary directory (configuration, queue, data,
log), on /dev/shm when it exists: the queue is then in memory, so Postfix's
fsync of each queue file costs nothing and the disk does not set the pace.
The system's own Postfix configuration is not read or touched. Needs root
(Postfix's master runs as root and drops to the ``postfix`` user) and
Debian's ``postfix`` package.

    with PostfixServer(port, cpu=1) as pf:    # started, pinned to CPU 1
        ...                                     # SMTP on 127.0.0.1:port
                                                # stopped, directory removed
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.bench.localhost
mydomain = bench.localhost
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
default_transport = discard:benchmark
relay_transport = discard:benchmark
local_transport = discard:benchmark
virtual_transport = discard:benchmark
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
message_size_limit = 104857600
alias_maps =
alias_database =
local_recipient_maps =
biff = no
"""

# No chroot (the directory has none of a chroot's files), no pickup/tlsmgr.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def available():
    """Why this machine cannot run it, or None when it can."""
    if os.geteuid() != 0:
        return "not root"
    if not os.path.exists(POSTFIX):
        return "postfix not installed (apt-get install postfix)"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "no postfix user"
    return None


class PostfixServer:
    def __init__(self, port, cpu=None):
        self.port = port
        self.cpu = cpu
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.dir = tempfile.mkdtemp(prefix="smtp-bench-postfix.", dir=base)
        self.etc = os.path.join(self.dir, "etc")

    def _postfix(self, *args):
        pin = ["taskset", "-c", str(self.cpu)] if self.cpu is not None and shutil.which("taskset") else []
        # Postfix writes its errors to the log file (or syslog), not stderr.
        proc = subprocess.run(pin + [POSTFIX, "-c", self.etc, *args],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return proc.returncode

    def log_tail(self, lines=10):
        try:
            with open(os.path.join(self.dir, "maillog"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self, timeout=20.0):
        os.chmod(self.dir, 0o755)  # the postfix user must reach the queue
        for sub in ("etc", "queue", "data"):
            os.mkdir(os.path.join(self.dir, sub))
        postfix_user = pwd.getpwnam("postfix")
        os.chown(os.path.join(self.dir, "data"), postfix_user.pw_uid, postfix_user.pw_gid)
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(d=self.dir))
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(port=self.port))
        # start: master (and every daemon it forks) inherits the CPU pin.
        if self._postfix("start") != 0:
            raise RuntimeError("postfix start failed:\n" + self.log_tail())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"220"):
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("postfix did not greet on port %d:\n%s" % (self.port, self.log_tail()))

    def stop(self):
        self._postfix("stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
