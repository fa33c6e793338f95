"""What an ``SMTP`` instance asks of the engine: the machine's configuration,
the events Python handles (those the handler has hooks for), and
aiosmtpd's reply texts for the others, answered in Rust.

Faces are immutable and cached: every connection of a server shares one.
"""

from .. import _core

# aiosmtpd's texts for the replies it sends when a hook is absent.
AIOSMTPD_ANSWERS = {
    "MailFrom": "250 OK",
    "RcptTo": "250 OK",
    "Data": "354 End data with <CR><LF>.<CR><LF>",
    "MessageEnd": "250 OK",
    "Rset": "250 OK",
    "Noop": "250 OK",
    "Quit": "221 Bye",
    "Vrfy": "252 Cannot VRFY user, but will accept message and attempt delivery",
    "StartTls": "220 Ready to start TLS",
}

# aiosmtpd's texts for the refusals the engine decides (code within the
# engine's class; see _core.ServerFace's `refusals` for the keys).
AIOSMTPD_REFUSALS = {
    "Unrecognized": '500 Error: command "{verb}" not recognized',
    "Unrecognized:": "500 Error: bad syntax",
    "BareLineEnding": "500 Error: bad syntax",
    "LineTooLong": "500 Command line too long",
    "Utf8NotAllowed": "500 Error: strict ASCII mode",
    "Syntax:HELO": "501 Syntax: HELO hostname",
    "Syntax:EHLO": "501 Syntax: EHLO hostname",
    "Syntax:LHLO": "501 Syntax: LHLO hostname",
    "Syntax:MAIL": "501 Syntax: MAIL FROM: <address>",
    "Syntax:MAIL:esmtp": "501 Syntax: MAIL FROM: <address> [SP <mail-parameters>]",
    "Syntax:RCPT": "501 Syntax: RCPT TO: <address>",
    "Syntax:RCPT:esmtp": "501 Syntax: RCPT TO: <address> [SP <mail-parameters>]",
    "Syntax/Mailbox": "553 5.1.3 Error: malformed address",
    # aiosmtpd reads an unbracketed `Anne <anne@example.com>` as the
    # address `Anne` followed by parameters: a syntax error.
    "Syntax/Mailbox:MAIL": "501 Syntax: MAIL FROM: <address>",
    "Syntax/Mailbox:MAIL:esmtp": "501 Syntax: MAIL FROM: <address> [SP <mail-parameters>]",
    "Syntax/Mailbox:RCPT": "501 Syntax: RCPT TO: <address>",
    "Syntax/Mailbox:RCPT:esmtp": "501 Syntax: RCPT TO: <address> [SP <mail-parameters>]",
    "Syntax/A-d-l": "553 5.1.3 Error: malformed address",
    "Syntax/Domain:MAIL": "553 5.1.3 Error: malformed address",
    "Syntax/Domain:RCPT": "553 5.1.3 Error: malformed address",
    "Syntax/UTF8-non-ascii": "500 Error: strict ASCII mode",
    "Syntax:DATA": "501 Syntax: DATA",
    "Syntax:RSET": "501 Syntax: RSET",
    "Syntax:QUIT": "501 Syntax: QUIT",
    "Syntax:VRFY": "501 Syntax: VRFY <address>",
    "Syntax:STARTTLS": "501 Syntax: STARTTLS",
    "Syntax/sasl-mech": "501 Not enough value",
    "Syntax/sasl-mech:AUTH:nohello": "503 Error: send EHLO first",
    "Syntax/sasl-mech:AUTH:smtp": "500 Error: command 'AUTH' not recognized",
    "Syntax/sasl-mech:AUTH:authenticated": "503 Already authenticated",
    "Syntax/initial-response": "501 5.5.2 Can't decode base64",
    "Syntax/auth-command": "501 Too many values",
    "InvalidParameter:BODY": "501 Error: BODY can only be one of 7BIT, 8BITMIME",
    "InvalidParameter:SMTPUTF8": "501 Error: SMTPUTF8 takes no arguments",
    "InvalidParameter:MAIL:esmtp": "501 Syntax: MAIL FROM: <address> [SP <mail-parameters>]",
    "InvalidParameter:RCPT:esmtp": "501 Syntax: RCPT TO: <address> [SP <mail-parameters>]",
    "BadSequence:nohello": "503 Error: send HELO first",
    # aiosmtpd checks AUTH before sequence for MAIL, RCPT and DATA.
    "BadSequence:RCPT:unauthenticated": "530 5.7.0 Authentication required",
    "BadSequence:DATA:unauthenticated": "530 5.7.0 Authentication required",
    "NoValidRecipients:unauthenticated": "530 5.7.0 Authentication required",
    "BadSequence:AUTH:nohello": "503 Error: send EHLO first",
    "BadSequence:MAIL": "503 Error: nested MAIL command",
    "BadSequence:RCPT": "503 Error: need MAIL command",
    "BadSequence:DATA": "503 Error: need RCPT command",
    "BadSequence:AUTH": "503 Already authenticated",
    "NoValidRecipients": "503 Error: need RCPT command",
    "NotImplemented": '500 Error: command "{verb}" not recognized',
    # No line: a BDAT chunk, read off the wire, then refused.
    "NotImplemented:": '500 Error: command "BDAT" not recognized',
    "NotImplemented:EXPN": "502 EXPN not implemented",
    "NotImplemented:AUTH": "500 Error: command 'AUTH' not recognized",
    "ParameterNotImplemented:MAIL": "555 MAIL FROM parameters not recognized or not implemented",
    "ParameterNotImplemented/SMTPUTF8:MAIL": "501 Error: SMTPUTF8 disabled",
    "ParameterNotImplemented/SMTPUTF8:MAIL:smtp": "501 Syntax: MAIL FROM: <address>",
    "ParameterNotImplemented:MAIL:smtp": "501 Syntax: MAIL FROM: <address>",
    "ParameterNotImplemented:RCPT": "555 RCPT TO parameters not recognized or not implemented",
    "ParameterNotImplemented:RCPT:smtp": "501 Syntax: RCPT TO: <address>",
    "MessageTooLarge": "552 Error: message size exceeds fixed maximum message size",
    "TlsRequired": "530 Must issue a STARTTLS command first",
    "LocalPartTooLong": "553 5.1.3 Error: malformed address",
    "AuthRequired": "530 5.7.0 Authentication required",
    "EncryptionRequired":
        "538 5.7.11 Encryption required for requested authentication mechanism",
    "UnknownMechanism": "504 5.5.4 Unrecognized authentication type",
    "SaslFailed:InvalidBase64": "501 5.5.2 Can't decode base64",
    "SaslFailed:Malformed": "501 5.5.2 Can't split auth value",
    "SaslFailed:Cancelled": "501 5.7.0 Auth aborted",
    "SaslFailed:Rejected": "535 5.7.8 Authentication credentials invalid",
    "ServiceRefused": "554 Command refused due to lack of security",
    "TooManyCalls": "421 4.7.0 {verb} sent too many times",
    # aiosmtpd says 502 and closes; closing is announced with 421 (RFC
    # 5321 §3.8), in aiosmtpd's words.
    "TooManyUnknownCommands": "421 4.7.0 Too many unrecognized commands, goodbye.",
    "Message:TooLarge": "552 Error: Too much mail data",
    "Message:LineTooLong": "500 Line too long (see RFC5321 4.5.3.1.6)",
}

# Hook name (after "handle_") -> the event that calls it.
HOOK_EVENTS = {
    "HELO": "Helo",
    "EHLO": "Ehlo",
    "MAIL": "MailFrom",
    "RCPT": "RcptTo",
    "RSET": "Rset",
    "NOOP": "Noop",
    "QUIT": "Quit",
    "VRFY": "Vrfy",
    "DATA": "MessageEnd",
    "DATA_CHUNK": "MessageEnd",
}

# aiosmtpd's unrestricted recipient list, bounded: RFC 5321 §4.5.3.1.8 asks
# for at least 100; aiosmtpd has no limit.
MAX_RECIPIENTS = 1000

# aiosmtpd's limit of unknown verbs in a session: the fifth ends it.
BOGUS_LIMIT = 5

# aiosmtpd's command_size_limit (512 octets) plus CRLF.
COMMAND_LINE = 512 + 2

_cache = {}


def face_for(settings):
    """The cached ``ServerFace`` for ``settings`` (a hashable tuple built by
    ``plan``)."""
    face = _cache.get(settings)
    if face is None:
        if len(_cache) > 256:
            _cache.clear()
        face = _build(*settings)
        _cache[settings] = face
    return face


def plan(server, implicit_tls):
    """The hashable description of ``server``'s face."""
    events = set(server._subscribed)
    answers = ()
    refusals = ()
    if not server._enhanced_status_codes:
        refusals = tuple(AIOSMTPD_REFUSALS.items())
        if server._auth_require_tls:
            # aiosmtpd checks for TLS before AUTH's argument.
            refusals += (("Syntax/sasl-mech:AUTH:plain", AIOSMTPD_REFUSALS["EncryptionRequired"]),)
        answers = tuple(
            (kind, text.encode("ascii"))
            for kind, text in AIOSMTPD_ANSWERS.items()
        ) + (("Helo", ("250 %s" % server.hostname).encode("utf-8", "surrogateescape")),)
    # aiosmtpd serves VRFY without listing it, and lists HELP.
    extensions = ["HELP", "VRFY"]
    if server.data_size_limit:
        extensions.append("SIZE")
    if not server._decode_data:
        extensions.append("8BITMIME")
    if server.enable_SMTPUTF8:
        extensions.append("SMTPUTF8")
    if server.tls_context is not None and not implicit_tls:
        extensions.append("STARTTLS")
    for flag, keyword in ((server._pipelining, "PIPELINING"),
                          (server._chunking, "CHUNKING"),
                          (server._enhanced_status_codes, "ENHANCEDSTATUSCODES")):
        if flag:
            extensions.append(keyword)
    application = tuple(sorted(server._auth_methods))
    mechanisms = tuple(sorted(server._engine_mechanisms + list(application)))
    return (
        server.hostname,
        server.__ident__,
        isinstance(server, _lmtp_class()),
        tuple(sorted(events)),
        answers,
        server._body_mode,
        tuple(extensions),
        server.data_size_limit or None,
        mechanisms,
        bool(server._auth_require_tls),
        bool(server._auth_required),
        bool(server.require_starttls),
        implicit_tls,
        float(server._timeout_duration),
        server._proxy_timeout is not None,
        refusals,
        (server.AuthLoginUsernameChallenge, server.AuthLoginPasswordChallenge),
        application,
        server._call_limits(),
    )


def _lmtp_class():
    from .lmtp import LMTP
    return LMTP


def _build(hostname, ident, lmtp, events, answers, body, extensions, size,
           mechanisms, auth_requires_tls, auth_required, tls_required,
           implicit_tls, timeout, proxy, refusals, login_prompts, application,
           call_limits):
    return _core.ServerFace(
        hostname,
        subscribe=list(events),
        answers=[(k, v) for k, v in answers if k in _ANSWERABLE],
        body=body,
        lmtp=lmtp,
        extensions=list(extensions),
        max_message_size=size,
        auth_mechanisms=list(mechanisms),
        auth_requires_tls=auth_requires_tls,
        auth_required=auth_required,
        tls_required=tls_required,
        implicit_tls=implicit_tls,
        idle_timeout=timeout,
        max_recipients=MAX_RECIPIENTS,
        max_command_line=COMMAND_LINE,
        greeting=ident,
        # aiosmtpd keeps a bare CR or LF inside the data as it came; the
        # engine turns it into CRLF (it never ends the data either way).
        normalize_bare_line_endings=True,
        proxy_protocol=proxy,
        refusals=list(refusals),
        # aiosmtpd's EHLO reply opens with its host name alone.
        ehlo_greeting=hostname,
        unlisted=["VRFY"],
        login_prompts=login_prompts,
        # aiosmtpd reads `MAIL FROM:anne@example.com` as `<anne@example.com>`;
        # the address must still be one (RFC 5321 §4.1.2's grammar).
        unbracketed_paths=True,
        application_mechanisms=list(application),
        # command_call_limit, and aiosmtpd's fixed limit of unknown verbs:
        # the fifth ends the session.
        call_limits=call_limits,
        max_unknown_commands=BOGUS_LIMIT - 1,
    )


_ANSWERABLE = frozenset(AIOSMTPD_ANSWERS) | {"Helo"}
