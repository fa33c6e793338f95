"""aiosmtpd's ready-made handlers: Debugging, Proxy, Sink, Message,
AsyncMessage, Mailbox. Implement only the hooks you need; the ones you
leave out are answered by the engine without calling Python.

``Proxy`` relays with ``smtplib_rs`` (pipelined, smuggling-safe), under
the name ``smtplib`` as in aiosmtpd.
"""

import asyncio
import logging
import mailbox
import os
import re
import sys
from abc import ABCMeta, abstractmethod
from argparse import ArgumentParser
from email.message import Message as Em_Message
from email.parser import BytesParser, Parser
from typing import Any, List, Optional, TextIO, Type, TypeVar, Union

import smtplib_rs as smtplib

from . import _get_or_new_eventloop
from .smtp import SMTP as SMTPServer
from .smtp import Envelope as SMTPEnvelope
from .smtp import Session as SMTPSession

__all__ = ["Debugging", "Proxy", "Sink", "Message", "AsyncMessage", "Mailbox"]

T = TypeVar("T")

EMPTYBYTES = b""
COMMASPACE = ", "
CRLF = b"\r\n"
NLCRE = re.compile(br"\r\n|\r|\n")
log = logging.getLogger("mail.debug")


def _format_peer(peer: str) -> str:
    return "X-Peer: {!r}".format(peer)


def message_from_bytes(s, *args, **kws):
    return BytesParser(*args, **kws).parsebytes(s)


def message_from_string(s, *args, **kws):
    return Parser(*args, **kws).parsestr(s)


class Debugging:
    """Prints each message (headers, then an X-Peer line, then the body)."""

    def __init__(self, stream: Optional[TextIO] = None):
        self.stream: TextIO = sys.stdout if stream is None else stream

    @classmethod
    def from_cli(cls: Type[T], parser: ArgumentParser, *args) -> T:
        stream = None
        if len(args) == 1 and args[0] in ("stdout", "stderr"):
            stream = sys.stdout if args[0] == "stdout" else sys.stderr
        elif args:
            parser.error("Debugging usage: [stdout|stderr]")
        return cls(stream)

    def _print_message_content(self, peer: str, data: Union[str, bytes]) -> None:
        in_headers = True
        for line in data.splitlines():
            if in_headers and not line:
                print(_format_peer(peer), file=self.stream)
                in_headers = False
            if isinstance(line, bytes):
                line = line.decode("utf-8", "replace")
            print(line, file=self.stream)

    async def handle_DATA(self, server: SMTPServer, session: SMTPSession,
                          envelope: SMTPEnvelope) -> str:
        print("---------- MESSAGE FOLLOWS ----------", file=self.stream)
        add_separator = False
        if envelope.mail_options:
            print("mail options:", envelope.mail_options, file=self.stream)
            add_separator = True
        if any(envelope.rcpt_options):
            print("rcpt options:", envelope.rcpt_options, file=self.stream)
            add_separator = True
        if add_separator:
            print(file=self.stream)
        self._print_message_content(session.peer, envelope.content)
        print("------------ END MESSAGE ------------", file=self.stream)
        return "250 OK"


class Proxy:
    """Relays each message to ``remote_hostname:remote_port`` with an
    ``X-Peer`` header added."""

    def __init__(self, remote_hostname: str, remote_port: int):
        self._hostname = remote_hostname
        self._port = remote_port

    async def handle_DATA(self, server: SMTPServer, session: SMTPSession,
                          envelope: SMTPEnvelope) -> str:
        if isinstance(envelope.content, str):
            content = envelope.original_content
        else:
            content = envelope.content
        lines = content.splitlines(keepends=True)
        _i = 0
        ending = CRLF
        for _i, line in enumerate(lines):
            if NLCRE.match(line):
                ending = line
                break
        peer = session.peer[0].encode("ascii")
        lines.insert(_i, b"X-Peer: " + peer + ending)
        data = EMPTYBYTES.join(lines)
        refused = self._deliver(envelope.mail_from, envelope.rcpt_tos, data)
        log.info("we got some refusals: %s", refused)
        return "250 OK"

    def _deliver(self, mail_from: str, rcpt_tos: List[str], data: Union[str, bytes]) -> Any:
        refused = {}
        try:
            s = smtplib.SMTP()
            s.connect(self._hostname, self._port)
            try:
                refused = s.sendmail(mail_from, rcpt_tos, data)
            finally:
                s.quit()
        except smtplib.SMTPRecipientsRefused as e:
            log.info("got SMTPRecipientsRefused")
            refused = e.recipients
        except (OSError, smtplib.SMTPException) as e:
            log.exception("got %s", e.__class__)
            errcode = getattr(e, "smtp_code", -1)
            errmsg = getattr(e, "smtp_error", b"ignore")
            for r in rcpt_tos:
                refused[r] = (errcode, errmsg)
        return refused


class Sink:
    """Accepts every message and drops it: no hook, so no Python runs per
    message (the engine answers everything)."""

    @classmethod
    def from_cli(cls: Type[T], parser: ArgumentParser, *args) -> T:
        if len(args) > 0:
            parser.error("Sink handler does not accept arguments")
        return cls()


class MessageBase(metaclass=ABCMeta):
    def __init__(self, message_class: Optional[Type[Em_Message]] = None):
        self.message_class = message_class

    def prepare_message(self, session: SMTPSession, envelope: SMTPEnvelope) -> Em_Message:
        data = envelope.content
        if isinstance(data, (bytes, bytearray)):
            message = message_from_bytes(data, self.message_class)
        elif isinstance(data, str):
            message = message_from_string(data, self.message_class)
        else:
            raise TypeError(f"Expected str or bytes, got {type(data)}")
        message["X-Peer"] = str(session.peer)
        message["X-MailFrom"] = envelope.mail_from
        message["X-RcptTo"] = COMMASPACE.join(envelope.rcpt_tos)
        return message

    @abstractmethod
    async def handle_DATA(self, server: SMTPServer, session: SMTPSession,
                          envelope: SMTPEnvelope) -> str:
        ...


class Message(MessageBase, metaclass=ABCMeta):
    async def handle_DATA(self, server: SMTPServer, session: SMTPSession,
                          envelope: SMTPEnvelope) -> str:
        message = self.prepare_message(session, envelope)
        self.handle_message(message)
        return "250 OK"

    @abstractmethod
    def handle_message(self, message: Em_Message) -> None:
        ...


class AsyncMessage(MessageBase, metaclass=ABCMeta):
    def __init__(self, message_class: Optional[Type[Em_Message]] = None, *,
                 loop: Optional[asyncio.AbstractEventLoop] = None):
        super().__init__(message_class)
        self.loop = loop or _get_or_new_eventloop()

    async def handle_DATA(self, server: SMTPServer, session: SMTPSession,
                          envelope: SMTPEnvelope) -> str:
        message = self.prepare_message(session, envelope)
        await self.handle_message(message)
        return "250 OK"

    @abstractmethod
    async def handle_message(self, message: Em_Message) -> None:
        ...


class Mailbox(Message):
    """Adds each message to the Maildir ``mail_dir``."""

    def __init__(self, mail_dir: os.PathLike, message_class: Optional[Type[Em_Message]] = None):
        self.mailbox = mailbox.Maildir(mail_dir)
        self.mail_dir = mail_dir
        super().__init__(message_class)

    def handle_message(self, message: Em_Message) -> None:
        self.mailbox.add(message)

    def reset(self) -> None:
        self.mailbox.clear()

    @classmethod
    def from_cli(cls: Type[T], parser: ArgumentParser, *args) -> T:
        if len(args) < 1:
            parser.error("The directory for the maildir is required")
        elif len(args) > 1:
            parser.error("Too many arguments for Mailbox handler")
        return cls(args[0])
