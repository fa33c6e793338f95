"""aiosmtpd's data types: Session, Envelope, AuthResult, LoginPassword,
MISSING and the decorators, as user code reads and builds them."""

import enum
import logging
import re
from typing import Any, List, NamedTuple, Optional, Union

log = logging.getLogger("mail.log")


class _Missing(enum.Enum):
    MISSING = object()


MISSING = _Missing.MISSING
# A hook's answer already sent (push() during the hook, or the connection
# closed); and push(DEFAULT): the face's own answer for the pending event.
ANSWERED = object()
DEFAULT = object()
VALID_AUTHMECH = re.compile(r"[A-Z0-9_-]+\Z")


class AuthResult:
    """The result of authentication, returned by an ``authenticator``.
    All arguments are keyword-only, as in aiosmtpd."""

    __slots__ = ("success", "handled", "message", "auth_data")

    def __init__(self, *, success: bool, handled: bool = True,
                 message: Optional[str] = None, auth_data: Any = None):
        self.success = success
        self.handled = handled
        self.message = message
        self.auth_data = auth_data

    def __repr__(self) -> str:
        # auth_data may hold a password: never shown.
        return "AuthResult(success=%r, handled=%r, message=%r, auth_data=...)" % (
            self.success, self.handled, self.message)

    __str__ = __repr__

    def __eq__(self, other):
        if not isinstance(other, AuthResult):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)


class LoginPassword(NamedTuple):
    login: bytes
    password: bytes

    def __str__(self) -> str:
        return f"LoginPassword(login='{self.login.decode()}', password=...)"

    def __repr__(self) -> str:
        return str(self)


class ScramLookup(NamedTuple):
    """``auth_data`` an authenticator gets for SCRAM-SHA-256: answer with
    ``AuthResult(success=True, auth_data=<the user's password>)``; the
    engine then checks the client's proof itself."""

    login: bytes


class Session:
    def __init__(self, loop):
        self.peer = None
        self.ssl = None
        self.host_name = None
        self.extended_smtp = False
        self.loop = loop
        self.proxy_data = None
        self._login_data = None
        self.auth_data = None
        self.authenticated: Optional[bool] = None

    @property
    def login_data(self) -> Any:
        """Legacy login_data, usually containing the username."""
        log.warning("Session.login_data is deprecated and will be removed in version 2.0")
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        log.warning("Session.login_data is deprecated and will be removed in version 2.0")
        self._login_data = value


class Envelope:
    def __init__(self) -> None:
        self.mail_from: Optional[str] = None
        self.mail_options: List[str] = []
        self.smtp_utf8 = False
        self.content: Union[None, bytes, str] = None
        self.original_content: Optional[bytes] = None
        self.rcpt_tos: List[str] = []
        self.rcpt_options: List[str] = []


def syntax(text: str, extended: Optional[str] = None, when: Optional[str] = None):
    """Help text for HELP on an ``smtp_*`` method (aiosmtpd's decorator)."""
    def decorator(f):
        f.__smtp_syntax__ = text
        f.__smtp_syntax_extended__ = extended
        f.__smtp_syntax_when__ = when
        return f
    return decorator


def auth_mechanism(actual_name: str):
    """Names the AUTH mechanism an ``auth_*`` method implements."""
    def decorator(f):
        f.__auth_mechanism_name__ = actual_name
        return f

    actual_name = actual_name.upper()
    if not VALID_AUTHMECH.match(actual_name):
        raise ValueError(f"Invalid AUTH mechanism name: {actual_name}")
    return decorator


class TLSSetupException(Exception):
    pass


CLIENT_AUTH_B = re.compile(
    br"(?P<authm>\s*AUTH\s+\S+[^\S\r\n]+)(\S+)(?P<crlf>(?:\r\n)?)", re.IGNORECASE)


def sanitize(text: bytes) -> bytes:
    m = CLIENT_AUTH_B.match(text)
    if m:
        return m.group("authm") + b"********" + m.group("crlf")
    return text


def sanitized_log(func, msg, *args, **kwargs) -> None:
    func(msg, *[sanitize(a) if isinstance(a, bytes) else a for a in args], **kwargs)
