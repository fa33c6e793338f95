"""``python -m smtplib_rs.smtpd``: smtpd's command line."""

import getopt
import os
import sys

from . import _loop

USAGE = """\
An RFC 5321 smtp proxy with optional RFC 1870 and RFC 6531 extensions.

Usage: %(program)s [options] [localhost:localport [remotehost:remoteport]]

Options:

    --nosetuid
    -n
        This program generally tries to setuid `nobody', unless this flag is
        set.  The setuid call will fail if this program is not run as root (in
        which case, use this flag).

    --version
    -V
        Print the version number and exit.

    --class classname
    -c classname
        Use `classname' as the concrete SMTP proxy class.  Uses `PureProxy' by
        default.  A name without a dot is one of this module's classes
        (DebuggingServer, PureProxy); otherwise module.Class.

    --size limit
    -s limit
        Restrict the total size of the incoming message to "limit" number of
        bytes via the RFC 1870 SIZE extension.  Defaults to 33554432 bytes;
        0 means no limit.

    --smtputf8
    -u
        Enable the SMTPUTF8 extension and behave as an RFC 6531 smtp proxy.

    --debug
    -d
        Turn on debugging prints.

    --help
    -h
        Print this message and exit.

Version: %(__version__)s

If localhost is not given then `localhost' is used, and if localport is not
given then 8025 is used.  If remotehost is not given then `localhost' is used,
and if remoteport is not given, then 25 is used.
"""


def _public():
    return sys.modules[__package__]


def usage(code, msg=''):
    mod = _public()
    print(USAGE % {'program': mod.program, '__version__': mod.__version__},
          file=sys.stderr)
    if msg:
        print(msg, file=sys.stderr)
    sys.exit(code)


class Options:
    setuid = True
    classname = 'PureProxy'
    # smtpd documented 33554432 as the default but applied no limit.
    size_limit = 33554432
    enable_SMTPUTF8 = False


def _split_spec(spec, what):
    host, colon, port = spec.partition(':')
    if not colon:
        usage(1, 'Bad %s spec: %s' % (what, spec))
    try:
        return host, int(port)
    except ValueError:
        usage(1, 'Bad %s port: %s' % (what, spec))


def parseargs():
    mod = _public()
    try:
        opts, args = getopt.getopt(
            sys.argv[1:], 'nVhc:s:du',
            ['class=', 'nosetuid', 'version', 'help', 'size=', 'debug',
             'smtputf8'])
    except getopt.error as e:
        usage(1, e)

    options = Options()
    for opt, arg in opts:
        if opt in ('-h', '--help'):
            usage(0)
        elif opt in ('-V', '--version'):
            print(mod.__version__)
            sys.exit(0)
        elif opt in ('-n', '--nosetuid'):
            options.setuid = False
        elif opt in ('-c', '--class'):
            options.classname = arg
        elif opt in ('-d', '--debug'):
            mod.DEBUGSTREAM = sys.stderr
        elif opt in ('-u', '--smtputf8'):
            options.enable_SMTPUTF8 = True
        elif opt in ('-s', '--size'):
            try:
                options.size_limit = int(arg)
            except ValueError:
                print('Invalid size: ' + arg, file=sys.stderr)
                sys.exit(1)

    if len(args) > 2:
        usage(1, 'Invalid arguments: %s' % ', '.join(args))
    localspec = args[0] if args else 'localhost:8025'
    remotespec = args[1] if len(args) > 1 else 'localhost:25'
    options.localhost, options.localport = _split_spec(localspec, 'local')
    options.remotehost, options.remoteport = _split_spec(remotespec, 'remote')
    return options


def _server_class(classname):
    if "." in classname:
        module, _, name = classname.rpartition(".")
        return getattr(__import__(module, fromlist=[""]), name)
    return getattr(_public(), classname)


def _become_nobody():
    try:
        import pwd
    except ImportError:
        print('Cannot import module "pwd"; try running with -n option.', file=sys.stderr)
        sys.exit(1)
    nobody = pwd.getpwnam('nobody')[2]
    try:
        os.setuid(nobody)
    except PermissionError:
        print('Cannot setuid "nobody"; try running with -n option.', file=sys.stderr)
        sys.exit(1)


def main():
    options = parseargs()
    class_ = _server_class(options.classname)
    proxy = class_((options.localhost, options.localport),
                   (options.remotehost, options.remoteport),
                   options.size_limit, enable_SMTPUTF8=options.enable_SMTPUTF8)
    if options.setuid:
        _become_nobody()
    try:
        _loop.loop()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.close()
