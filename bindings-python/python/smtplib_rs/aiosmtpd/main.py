"""``python -m smtplib_rs.aiosmtpd``: aiosmtpd's command line (``-n -l
HOST:PORT -c CLASSPATH [CLASSARGS] -s -u -d --tlscert --tlskey --smtpscert
--smtpskey --no-requiretls``), plus ``--pipelining``, ``--chunking``,
``--enhanced-status-codes``, ``--proxy-protocol-timeout SECONDS``.
"""

import logging
import os
import signal
import ssl
import sys
from argparse import ArgumentParser, Namespace
from contextlib import suppress
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import Optional, Sequence, Tuple

from . import __version__, _get_or_new_eventloop
from .smtp import DATA_SIZE_DEFAULT, SMTP

try:
    import pwd
except ImportError:  # pragma: no cover (Windows)
    pwd = None

__all__ = ["main", "parseargs"]

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 8025
DEFAULT_CLASS = "smtplib_rs.aiosmtpd.handlers.Debugging"

PROGRAM = "aiosmtpd" if "__main__.py" in sys.argv[0] else sys.argv[0]


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROGRAM, description="An RFC 5321 SMTP server with extensions.")
    parser.add_argument("-v", "--version", action="version",
                        version="%(prog)s {}".format(__version__))
    parser.add_argument("-n", "--nosetuid", dest="setuid", default=True, action="store_false",
                        help="Do not setuid to 'nobody' (needed unless run as root).")
    parser.add_argument("-c", "--class", dest="classpath", metavar="CLASSPATH",
                        default=DEFAULT_CLASS,
                        help=f"Handler class, as a dotted import path (default {DEFAULT_CLASS}).")
    parser.add_argument("-s", "--size", metavar="SIZE", type=int,
                        help=f"Message size limit in bytes (SIZE, RFC 1870); "
                             f"default {DATA_SIZE_DEFAULT:,}.")
    parser.add_argument("-u", "--smtputf8", default=False, action="store_true",
                        help="Enable SMTPUTF8 (RFC 6531).")
    parser.add_argument("-d", "--debug", default=0, action="count",
                        help="More debugging output; repeat for more.")
    parser.add_argument("-l", "--listen", metavar="[HOST][:PORT]", nargs="?", default=None,
                        help=f"Address to listen on (default {DEFAULT_HOST}:{DEFAULT_PORT}).")
    parser.add_argument("--smtpscert", metavar="CERTFILE", type=Path, default=None,
                        help="Certificate for implicit TLS (SMTPS); needs --smtpskey.")
    parser.add_argument("--smtpskey", metavar="KEYFILE", type=Path, default=None,
                        help="Key for implicit TLS (SMTPS); needs --smtpscert.")
    parser.add_argument("--tlscert", metavar="CERTFILE", type=Path, default=None,
                        help="Certificate for STARTTLS; needs --tlskey.")
    parser.add_argument("--tlskey", metavar="KEYFILE", type=Path, default=None,
                        help="Key for STARTTLS; needs --tlscert.")
    parser.add_argument("--no-requiretls", dest="requiretls", default=True,
                        action="store_false",
                        help="Do not require STARTTLS before mail (with --tlscert/--tlskey).")
    parser.add_argument("--pipelining", action="store_true",
                        help="Offer PIPELINING (RFC 2920): a group is answered in one write.")
    parser.add_argument("--chunking", action="store_true",
                        help="Offer CHUNKING/BDAT (RFC 3030).")
    parser.add_argument("--enhanced-status-codes", action="store_true",
                        help="Offer ENHANCEDSTATUSCODES (RFC 2034).")
    parser.add_argument("--proxy-protocol-timeout", metavar="SECONDS", type=float,
                        default=None,
                        help="Expect a PROXY protocol v1/v2 header first (HAProxy).")
    parser.add_argument("classargs", metavar="CLASSARGS", nargs="*", default=(),
                        help="Arguments for the handler class.")
    return parser


def parseargs(args: Optional[Sequence[str]] = None) -> Tuple[ArgumentParser, Namespace]:
    parser = _parser()
    parsed = parser.parse_args(args)
    path, dot, name = parsed.classpath.rpartition(".")
    module = import_module(path)
    handler_class = getattr(module, name)
    if hasattr(handler_class, "from_cli"):
        parsed.handler = handler_class.from_cli(parser, *parsed.classargs)
    else:
        if len(parsed.classargs) > 0:
            parser.error(f"Handler class {path} takes no arguments")
        parsed.handler = handler_class()
    if parsed.listen is None:
        parsed.host = DEFAULT_HOST
        parsed.port = DEFAULT_PORT
    else:
        host, colon, port = parsed.listen.rpartition(":")
        if len(colon) == 0:
            parsed.host = port
            parsed.port = DEFAULT_PORT
        else:
            parsed.host = DEFAULT_HOST if len(host) == 0 else host
            try:
                parsed.port = int(DEFAULT_PORT if len(port) == 0 else port)
            except ValueError:
                parser.error("Invalid port number: {}".format(port))
    for cert, key, c_opt, k_opt in ((parsed.smtpscert, parsed.smtpskey, "--smtpscert", "--smtpskey"),
                                    (parsed.tlscert, parsed.tlskey, "--tlscert", "--tlskey")):
        if bool(cert) ^ bool(key):
            parser.error(f"{c_opt} and {k_opt} must be specified together")
        if cert and not cert.exists():
            parser.error(f"Cert file {cert} not found")
        if key and not key.exists():
            parser.error(f"Key file {key} not found")
    return parser, parsed


def _context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.check_hostname = False
    context.load_cert_chain(str(cert), str(key))
    return context


def main(args: Optional[Sequence[str]] = None) -> None:
    parser, ns = parseargs(args=args)
    if ns.setuid:
        if pwd is None:
            print('Cannot import module "pwd"; try running with -n option.', file=sys.stderr)
            sys.exit(1)
        nobody = pwd.getpwnam("nobody").pw_uid
        try:
            os.setuid(nobody)
        except PermissionError:
            print('Cannot setuid "nobody"; try running with -n option.', file=sys.stderr)
            sys.exit(1)
    tls_context = _context(ns.tlscert, ns.tlskey) if ns.tlscert and ns.tlskey else None
    factory = partial(
        SMTP, ns.handler,
        data_size_limit=ns.size,
        enable_SMTPUTF8=ns.smtputf8,
        tls_context=tls_context,
        require_starttls=ns.requiretls,
        pipelining=ns.pipelining,
        chunking=ns.chunking,
        enhanced_status_codes=ns.enhanced_status_codes,
        proxy_protocol_timeout=ns.proxy_protocol_timeout,
    )
    logging.basicConfig(level=logging.ERROR)
    log = logging.getLogger("mail.log")
    loop = _get_or_new_eventloop()
    if ns.debug > 0:
        log.setLevel(logging.INFO)
    if ns.debug > 1:
        log.setLevel(logging.DEBUG)
    if ns.debug > 2:
        loop.set_debug(enabled=True)
    smtps_context = _context(ns.smtpscert, ns.smtpskey) if ns.smtpscert and ns.smtpskey else None
    log.debug("Attempting to start server on %s:%s", ns.host, ns.port)
    server = loop.run_until_complete(
        loop.create_server(factory, host=ns.host, port=ns.port, ssl=smtps_context))
    log.info("Server is listening on %s:%s", ns.host, ns.port)
    with suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGINT, loop.stop)
    log.debug("Starting asyncio loop")
    with suppress(KeyboardInterrupt):
        loop.run_forever()
    server.close()
    log.debug("Completed asyncio loop")
    loop.run_until_complete(server.wait_closed())
    loop.close()


if __name__ == "__main__":  # pragma: no cover
    main()
