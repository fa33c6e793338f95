"""The event loop under :mod:`smtplib_rs.smtpd`, without asyncore.

:class:`Dispatcher` has the part of ``asyncore.dispatcher``'s interface
that smtpd's classes and asyncore's loop use (``readable``, ``writable``,
``accepting``, ``handle_read_event``...), so the same objects run under
:func:`loop` here and under ``asyncore.loop()`` where asyncore can be
imported (3.11, or the ``standard-asyncore`` backport): when it can, the
default map *is* ``asyncore.socket_map``, and a script that ends in
``asyncore.loop()`` serves unchanged. Either loop calls ``readable()`` on
every pass, which is where a channel's idle timer fires; :func:`loop` also
wakes up in time for the nearest :meth:`Dispatcher.deadline`.
"""

import errno
import select
import socket
import sys
import time
import traceback
import warnings

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import asyncore as _asyncore
except ImportError:  # Python 3.12+ without the standard-asyncore backport
    _asyncore = None

# fd -> dispatcher, shared with asyncore when it exists.
socket_map = _asyncore.socket_map if _asyncore is not None else {}

# Errors that mean the peer went away (as asyncore treats them).
_DISCONNECTED = frozenset({errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN,
                           errno.ECONNABORTED, errno.EPIPE, errno.EBADF})
_RERAISED = (KeyboardInterrupt, SystemExit)
_READ = select.POLLIN | select.POLLPRI if hasattr(select, "POLLIN") else 1
_WRITE = select.POLLOUT if hasattr(select, "POLLOUT") else 4
_GONE = (select.POLLHUP | select.POLLERR | select.POLLNVAL
         if hasattr(select, "POLLHUP") else 0)


class Dispatcher:
    """A non-blocking socket in a map, driven by :func:`loop`."""

    connected = False
    accepting = False
    connecting = False
    closing = False
    addr = None
    socket = None
    _fileno = None

    def __init__(self, sock=None, map=None):
        self._map = socket_map if map is None else map
        if sock is None:
            return
        sock.setblocking(False)
        self.set_socket(sock, map)
        self.connected = True
        try:
            self.addr = sock.getpeername()
        except OSError as err:
            if err.errno in (errno.ENOTCONN, errno.EINVAL):
                # The peer is already gone; handle_close will follow.
                self.connected = False
            else:
                self.del_channel(map)
                raise

    def __repr__(self):
        state = [self.__class__.__module__ + "." + self.__class__.__qualname__]
        if self.accepting and self.addr:
            state.append("listening")
        elif self.connected:
            state.append("connected")
        if self.addr is not None:
            state.append("%r" % (self.addr,))
        return "<%s at %#x>" % (" ".join(state), id(self))

    # -- the map ---------------------------------------------------------------
    def add_channel(self, map=None):
        if map is None:
            map = self._map
        map[self._fileno] = self

    def del_channel(self, map=None):
        if map is None:
            map = self._map
        if map.get(self._fileno) is self:
            del map[self._fileno]
        self._fileno = None

    def set_socket(self, sock, map=None):
        self.socket = sock
        self._fileno = sock.fileno()
        self.add_channel(map)

    def set_reuse_addr(self):
        try:
            self.socket.setsockopt(
                socket.SOL_SOCKET, socket.SO_REUSEADDR,
                self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) | 1)
        except OSError:
            pass

    # -- what the loop asks ----------------------------------------------------
    def readable(self):
        return True

    def writable(self):
        return True

    def deadline(self):
        """Monotonic time by which the loop must call :meth:`readable`
        again (a timer is due), or None."""
        return None

    # -- socket calls ----------------------------------------------------------
    def listen(self, num):
        self.accepting = True
        return self.socket.listen(num)

    def bind(self, addr):
        self.addr = addr
        return self.socket.bind(addr)

    def accept(self):
        try:
            conn, addr = self.socket.accept()
        except TypeError:
            return None
        except OSError as why:
            if why.errno in (errno.EWOULDBLOCK, errno.ECONNABORTED, errno.EAGAIN):
                return None
            raise
        return conn, addr

    def send(self, data):
        try:
            return self.socket.send(data)
        except BlockingIOError:
            return 0
        except OSError as why:
            if why.errno in _DISCONNECTED:
                self.handle_close()
                return 0
            raise

    def recv(self, buffer_size):
        """Bytes read; b'' at EOF (after handle_close), None when nothing
        is there yet."""
        try:
            data = self.socket.recv(buffer_size)
        except BlockingIOError:
            return None
        except OSError as why:
            if why.errno in _DISCONNECTED:
                self.handle_close()
                return b""
            raise
        if not data:
            self.handle_close()
        return data

    def close(self):
        self.connected = False
        self.accepting = False
        self.connecting = False
        self.del_channel()
        if self.socket is not None:
            try:
                self.socket.close()
            except OSError as why:
                if why.errno not in (errno.ENOTCONN, errno.EBADF):
                    raise

    # -- events ----------------------------------------------------------------
    def handle_read_event(self):
        if self.accepting:
            self.handle_accept()
        else:
            self.handle_read()

    def handle_write_event(self):
        if not self.accepting:
            self.handle_write()

    def handle_expt_event(self):
        # Out-of-band data is not part of SMTP; a socket error shows here too.
        if self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
            self.handle_close()

    def handle_error(self):
        """An exception escaped a handler: report it on stderr (as asyncore
        does) and close this connection; the loop and the others go on."""
        print("uncaptured python exception, closing channel %r" % (self,),
              file=sys.stderr)
        traceback.print_exc()
        self.handle_close()

    def handle_accept(self):
        pair = self.accept()
        if pair is not None:
            self.handle_accepted(*pair)

    def handle_accepted(self, sock, addr):
        sock.close()

    def handle_read(self):
        pass

    def handle_write(self):
        pass

    def handle_close(self):
        self.close()


def _wait(map, timeout):
    """`timeout`, shortened to the nearest dispatcher deadline."""
    now = time.monotonic()
    for obj in list(map.values()):
        due = getattr(obj, "deadline", None)
        due = due() if due is not None else None
        if due is not None:
            timeout = max(0.0, min(timeout, due - now))
    return timeout


def _dispatch(map, fd, obj, flags):
    try:
        if flags & _READ:
            obj.handle_read_event()
        if flags & _WRITE and map.get(fd) is obj:
            obj.handle_write_event()
        if flags & _GONE and map.get(fd) is obj:
            obj.handle_close()
    except OSError as e:
        if e.errno in _DISCONNECTED:
            obj.handle_close()
        else:
            obj.handle_error()
    except _RERAISED:
        raise
    except BaseException:
        obj.handle_error()


def poll(timeout=0.0, map=None):
    """One pass: wait for readiness (at most `timeout` seconds, less when a
    deadline is nearer), then run the handlers of the ready dispatchers."""
    if map is None:
        map = socket_map
    if not map:
        return
    timeout = _wait(map, timeout)
    wanted = {}
    for fd, obj in list(map.items()):
        flags = (_READ if obj.readable() else 0) | (
            _WRITE if obj.writable() and not obj.accepting else 0)
        if flags:
            wanted[fd] = flags
    if hasattr(select, "poll"):
        # poll(2): no FD_SETSIZE limit on how many connections are served.
        pollster = select.poll()
        for fd, flags in wanted.items():
            pollster.register(fd, flags)
        ready = pollster.poll(timeout * 1000.0)
    else:  # pragma: no cover - platforms without poll(2)
        if not wanted:
            time.sleep(timeout)
            return
        r = [fd for fd, f in wanted.items() if f & _READ]
        w = [fd for fd, f in wanted.items() if f & _WRITE]
        rr, ww, _ = select.select(r, w, [], timeout)
        ready = [(fd, _READ) for fd in rr] + [(fd, _WRITE) for fd in ww]
    for fd, flags in ready:
        obj = map.get(fd)
        if obj is not None:
            _dispatch(map, fd, obj, flags)


def loop(timeout=30.0, use_poll=False, map=None, count=None):
    """Serves the dispatchers in `map` (default: every server and channel
    made without a map) until none is left, or for `count` passes.
    ``asyncore.loop``'s signature; `use_poll` is accepted and ignored:
    ``poll(2)`` is used wherever it exists, ``select`` otherwise."""
    if map is None:
        map = socket_map
    while map and (count is None or count > 0):
        poll(timeout, map)
        if count is not None:
            count -= 1


def close_all(map=None, ignore_all=False):
    """Closes every dispatcher in `map` (``asyncore.close_all``)."""
    if map is None:
        map = socket_map
    for obj in list(map.values()):
        try:
            obj.close()
        except OSError as e:
            if e.errno != errno.EBADF and not ignore_all:
                raise
        except _RERAISED:
            raise
        except BaseException:
            if not ignore_all:
                raise
    map.clear()
