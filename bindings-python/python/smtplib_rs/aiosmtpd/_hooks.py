"""The handler's hooks, called as aiosmtpd calls them: one ``_on_<Event>``
coroutine per engine event Python handles, returning the status to send
(or ``ANSWERED`` when ``push()`` already sent it), and aiosmtpd's
overridable ``smtp_*`` methods for the commands a subclass may change."""

import base64
import hashlib
import inspect
import os
from warnings import warn

from ._types import (
    ANSWERED as _ANSWERED, DEFAULT as _DEFAULT, MISSING, AuthResult, LoginPassword,
    ScramLookup, log)


class HookMethods:
    """Mixed into ``SMTP``; uses its ``_drv``, ``session``, ``envelope``,
    ``push()`` and ``_call_handler_hook()``."""

    # -- one method per event Python handles -------------------------------------------
    async def _on_Help(self, topic):
        if self._auth_required and not self._drv.authenticated:
            return "530 5.7.0 Authentication required"
        return self._help_text(topic)

    def _help_text(self, topic) -> str:
        supported = self._help_commands()
        if topic:
            verb = topic.upper()
            text = _SYNTAX.get(verb)
            if text is not None and verb in supported:
                if self.session.extended_smtp and verb in ("MAIL", "RCPT"):
                    text += " [SP <mail-parameters>]"
                return "250 Syntax: " + text
            return "501 Supported commands: " + " ".join(supported)
        return "250 Supported commands: " + " ".join(supported)

    def _help_commands(self):
        verbs = ["AUTH", "DATA", "HELP", "MAIL", "NOOP", "QUIT", "RCPT", "RSET", "VRFY"]
        verbs += ["LHLO"] if self._is_lmtp() else ["EHLO", "HELO"]
        if self.tls_context is not None:
            verbs.append("STARTTLS")
        return sorted(verbs)

    def _is_lmtp(self) -> bool:
        return False

    # aiosmtpd's smtp_* methods for the commands a subclass may override:
    # each answers with push(), as in aiosmtpd.
    async def _on_Helo(self, hostname):
        self.envelope = self._create_envelope()
        self.session.extended_smtp = False
        await self.smtp_HELO(hostname)
        return _ANSWERED

    async def smtp_HELO(self, hostname: str):
        status = await self._call_handler_hook("HELO", hostname)
        if status is MISSING:
            self.session.host_name = hostname
            status = "250 {}".format(self.hostname)
        await self.push(status)

    async def _on_Ehlo(self, hostname):
        self.envelope = self._create_envelope()
        self.session.extended_smtp = True
        await self.smtp_EHLO(hostname)
        return _ANSWERED

    async def _on_Lhlo(self, hostname):
        return await self._on_Ehlo(hostname)

    async def smtp_EHLO(self, hostname: str):
        if hasattr(self, "ehlo_hook"):
            warn("Use handler.handle_EHLO() instead of .ehlo_hook()", DeprecationWarning)
            await self.ehlo_hook()
        if self._ehlo_hook_ver is None:
            self.session.host_name = hostname
            await self.push(_DEFAULT)
            return
        # The machine's own capability lines, for the hook to edit.
        lines = self._drv.ehlo_lines(hostname)
        if self._ehlo_hook_ver == "old":
            # aiosmtpd pushed its lines, then the hook's: one reply here.
            head = [line[:3] + "-" + line[4:] for line in lines]
            last = await self._call_handler_hook("EHLO", hostname)
            await self.push("\r\n".join(head + [last]))
            return
        response = await self._call_handler_hook("EHLO", hostname, lines)
        await self.push("\r\n".join(response))

    async def _on_Noop(self, argument):
        await self.smtp_NOOP(argument)
        return _ANSWERED

    async def smtp_NOOP(self, arg):
        status = await self._call_handler_hook("NOOP", arg)
        await self.push("250 OK" if status is MISSING else status)

    async def _on_Quit(self):
        await self.smtp_QUIT(None)
        return _ANSWERED

    async def smtp_QUIT(self, arg):
        status = await self._call_handler_hook("QUIT")
        await self.push("221 Bye" if status is MISSING else status)

    async def _on_Rset(self):
        await self.smtp_RSET(None)
        return _ANSWERED

    async def smtp_RSET(self, arg):
        self.envelope = self._create_envelope()
        if hasattr(self, "rset_hook"):
            warn("Use handler.handle_RSET() instead of .rset_hook()", DeprecationWarning)
            await self.rset_hook()
        status = await self._call_handler_hook("RSET")
        await self.push("250 OK" if status is MISSING else status)

    async def _on_Vrfy(self, argument):
        await self.smtp_VRFY(argument)
        return _ANSWERED

    async def smtp_VRFY(self, arg):
        if self._auth_required and not self._drv.authenticated:
            await self.push("530 5.7.0 Authentication required")
            return
        address = arg.strip()
        if address.startswith("<") and address.endswith(">"):
            address = address[1:-1]
        status = await self._call_handler_hook("VRFY", address)
        await self.push(
            "252 Cannot VRFY user, but will accept message and attempt delivery"
            if status is MISSING else status)

    async def _on_MailFrom(self, address, options):
        status = await self._call_handler_hook("MAIL", address, options)
        if status is MISSING:
            self.envelope.mail_from = address
            self.envelope.mail_options.extend(options)
            self.envelope.smtp_utf8 = "SMTPUTF8" in options
            status = "250 OK"
        log.info("%r sender: %s", self.session.peer, address)
        return status

    async def _on_RcptTo(self, address, options):
        status = await self._call_handler_hook("RCPT", address, options)
        if status is MISSING:
            self.envelope.rcpt_tos.append(address)
            self.envelope.rcpt_options.extend(options)
            status = "250 OK"
        log.info("%r recip: %s", self.session.peer, address)
        return status

    async def _on_MessageData(self, chunk):
        if not self._chunk_failed:
            try:
                status = await self._call_handler_hook("DATA_CHUNK", chunk, False)
            except Exception as error:
                status = await self._exception_status(error)
            if status not in (MISSING, None):
                # Refused mid-message: said after the end (RFC 5321 §4.2.5).
                self._chunk_failed = status
        return _ANSWERED

    _chunk_failed = None

    async def _on_MessageEnd(self, body, mail_from, rcpt_tos, mail_options, rcpt_options):
        status = await self._message_status(body, mail_from, rcpt_tos, mail_options, rcpt_options)
        if self._is_lmtp():
            # RFC 2033 §4.2: one reply per recipient the engine accepted.
            count = max(1, len(rcpt_tos))
            if not isinstance(status, list):
                status = [status] * count
            elif len(status) != count:
                log.warning("%r handle_DATA gave %d replies for %d recipients",
                            self.session.peer, len(status), count)
                status = (status + status[-1:] * count)[:count] if status else ["250 OK"] * count
        return status

    async def _message_status(self, body, mail_from, rcpt_tos, mail_options, rcpt_options):
        self._fill(mail_from, rcpt_tos, mail_options, rcpt_options)
        env = self.envelope
        try:
            if self._body_mode == "stream":
                failed, self._chunk_failed = self._chunk_failed, None
                status = failed or await self._call_handler_hook("DATA_CHUNK", b"", True)
                return "250 OK" if status in (MISSING, None) else status
            content = body
            if self._decode_data:
                try:
                    content = body.decode("utf-8", "surrogateescape") if self.enable_SMTPUTF8 \
                        else body.decode("ascii")
                except UnicodeDecodeError:
                    return "500 Error: strict ASCII mode"
            env.content = content
            env.original_content = body
            if "DATA" in self._handle_hooks:
                status = await self._call_handler_hook("DATA")
            elif hasattr(self.event_handler, "process_message"):
                status = await self._process_message()
            else:
                status = MISSING
            return _DEFAULT if status is MISSING else status
        finally:
            self.envelope = self._create_envelope()

    async def _process_message(self):
        handler = self.event_handler
        warn("Use handler.handle_DATA() instead of .process_message()", DeprecationWarning)
        env = self.envelope
        args = (self.session.peer, env.mail_from, env.rcpt_tos, env.content)
        status = handler.process_message(*args)
        if inspect.isawaitable(status):
            status = await status
        return MISSING if status is None else status

    async def _on_Proxy(self, *fields):
        from .proxy_protocol import ProxyData
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        data = ProxyData.from_event(("Proxy",) + fields)
        self.session.proxy_data = data
        log.info("%r valid PROXY handshake", self.session.peer)
        status = await self._call_handler_hook("PROXY", data)
        if status is MISSING or not status:
            # aiosmtpd: without a handle_PROXY that says yes, no session.
            log.info("%r rejected by handle_PROXY", self.session.peer)
            return _ProxyVerdict(False)
        return _ProxyVerdict(True)

    async def _on_Auth(self, mechanism, username, secret, extra):
        status = await self._call_handler_hook("AUTH", [mechanism])
        if status is not MISSING:
            return status
        login = (username or "").encode("utf-8", "surrogateescape")
        if mechanism == "SCRAM-SHA-256":
            result = self._authenticate(mechanism, ScramLookup(login))
            if not result.success or result.auth_data is None:
                return result.message or "535 5.7.8 Authentication credentials invalid"
            password = result.auth_data
            if isinstance(password, bytes):
                password = password.decode("utf-8")
            self.session.auth_data = login
            return _Scram(password, _scram_salt(login))
        password = (secret or "").encode("utf-8", "surrogateescape")
        result = self._authenticate(mechanism, LoginPassword(login, password))
        if result.success:
            self.session.authenticated = True
            self.session.auth_data = result.auth_data
            self.session._login_data = getattr(result.auth_data, "login", None)
            return result.message or "235 2.7.0 Authentication successful"
        if not result.handled and result.message:
            return result.message
        return "535 5.7.8 Authentication credentials invalid"

    async def _on_SaslStep(self, mechanism, first, data):
        """AUTH with a handler's ``auth_<MECH>`` method, called as aiosmtpd
        calls it: ``method(server, args)``, args being the AUTH line's words
        (the initial response base64, as sent). Its later steps go through
        ``challenge_auth()``; the engine frames them."""
        self._sasl_ended = False
        if not first:
            # Later steps go to challenge_auth(); none is waiting.
            return "501 5.7.0 Auth aborted"
        args = [mechanism]
        if data is not None:
            args.append(base64.b64encode(data).decode("ascii") or "=")
        status = await self._call_handler_hook("AUTH", args)
        if status is not MISSING:
            return status
        result = await self._auth_methods[mechanism](self, args)
        if self._sasl_ended:
            # The engine ended the exchange (`*`, bad base64) and answered.
            return _ANSWERED
        success = "235 2.7.0 Authentication successful"
        invalid = "535 5.7.8 Authentication credentials invalid"
        if isinstance(result, AuthResult):
            if result.success:
                self.session.authenticated = True
                self.session.auth_data = result.auth_data
                self.session._login_data = getattr(result.auth_data, "login", None)
                return result.message or success
            if result.handled:
                return self._already_answered(mechanism)
            return result.message or invalid
        if result is None:
            # aiosmtpd: the method answered with push() itself.
            return self._already_answered(mechanism)
        if result is MISSING or result is False:
            return invalid
        self.session._login_data = result
        return success

    def _already_answered(self, mechanism):
        if self._pending_answered or not self._drv.awaiting:
            return _ANSWERED
        # Said to have answered, but did not: the client must not wait
        # for ever.
        log.warning("%r auth_%s gave no answer", self.session.peer, mechanism)
        return "535 5.7.8 Authentication credentials invalid"

    def _authenticate(self, mechanism: str, auth_data) -> AuthResult:
        if self._authenticator is not None:
            return self._authenticator(self, self.session, self.envelope, mechanism, auth_data)
        if isinstance(auth_data, LoginPassword) and self._auth_callback(mechanism, *auth_data):
            return AuthResult(success=True, handled=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)



class _ProxyVerdict:
    """handle_PROXY's decision: go on with the session, or close it."""

    __slots__ = ("accepted",)

    def __init__(self, accepted: bool):
        self.accepted = accepted


class _Scram:
    """The answer to a SCRAM-SHA-256 lookup: the engine checks the proof."""

    __slots__ = ("password", "salt")

    def __init__(self, password: str, salt: bytes):
        self.password = password
        self.salt = salt


# A per-process secret, so the salt SCRAM shows for a user is stable within
# the process and unpredictable outside it.
_SCRAM_SECRET = os.urandom(16)


def _scram_salt(login: bytes) -> bytes:
    return hashlib.sha256(_SCRAM_SECRET + login).digest()[:16]


_SYNTAX = {
    "HELO": "HELO hostname",
    "EHLO": "EHLO hostname",
    "LHLO": "LHLO hostname",
    "MAIL": "MAIL FROM: <address>",
    "RCPT": "RCPT TO: <address>",
    "DATA": "DATA",
    "RSET": "RSET",
    "NOOP": "NOOP [ignored]",
    "QUIT": "QUIT",
    "VRFY": "VRFY <address>",
    "AUTH": "AUTH <mechanism>",
    "HELP": "HELP [command]",
    "STARTTLS": "STARTTLS",
}
