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
    if not server._enhanced_status_codes:
        answers = tuple(
            (kind, text.encode("ascii"))
            for kind, text in AIOSMTPD_ANSWERS.items()
        ) + (("Helo", ("250 %s" % server.hostname).encode("utf-8", "surrogateescape")),)
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
    mechanisms = tuple(server._engine_mechanisms)
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
    )


def _lmtp_class():
    from .lmtp import LMTP
    return LMTP


def _build(hostname, ident, lmtp, events, answers, body, extensions, size,
           mechanisms, auth_requires_tls, auth_required, tls_required,
           implicit_tls, timeout, proxy):
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
    )


_ANSWERABLE = frozenset(AIOSMTPD_ANSWERS) | {"Helo"}
