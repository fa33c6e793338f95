"""The one place :mod:`smtplib_rs.smtpd` talks to the Rust engine.

:class:`Engine` runs smtp-core's server machine configured the way smtpd
behaves: the extensions smtpd offers, its 512-octet command line, its
greeting, bare line endings inside DATA taken as line breaks (never as the
end of the data), no text line limit, and the idle timer smtpd lacked.

Its interface is the shared server driver's (``_core.ServerDriver``):
every call returns ``(events, out)``, the events as tuples
``(kind, *fields)`` and the bytes to write. Until that driver is on main
this adapter drives ``_core.ServerConnection`` itself, so switching is a
change to this file only.
"""

from .. import _core

# smtpd's command line limit is 512 octets without the CRLF.
_COMMAND_LINE = 512 + 2

# idle_timeout=None: no deadline; the binding's None means core's default.
_NO_TIMEOUT = 1e9  # seconds, some 31 years

# Events that end the session, in the shared vocabulary.
FINAL = frozenset(["Closed", "TimedOut", "Failed"])


# The verbs of the engine's own commands.
_CORE_VERBS = frozenset(["HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP",
                         "QUIT", "VRFY", "EXPN", "HELP"])


class Engine:
    """One session's machine. `verbs`: the commands the channel answers
    (its ``smtp_<VERB>`` methods): VRFY, EXPN and HELP among them are
    switched on, and verbs the engine does not know reach the channel as
    ``Command`` events."""

    def __init__(self, *, hostname, greeting, size_limit, eight_bit_mime,
                 smtputf8, verbs, idle_timeout):
        keywords = []
        if size_limit:
            keywords.append("SIZE")
        if eight_bit_mime:
            keywords.append("8BITMIME")
        if smtputf8:
            keywords.append("SMTPUTF8")
        keywords.extend(v for v in ("VRFY", "EXPN", "HELP") if v in verbs)
        # smtpd's EHLO reply: "250-<fqdn>", the extensions, "250 HELP";
        # VRFY and EXPN are served without being listed.
        unlisted = [v for v in ("VRFY", "EXPN") if v in verbs]
        self._sc = _core.ServerConnection(
            hostname, chunking=False, pipelining=False,
            max_message_size=size_limit or None,
            idle_timeout=_NO_TIMEOUT if idle_timeout is None else idle_timeout,
            extensions=keywords, greeting=greeting,
            max_command_line=_COMMAND_LINE, bare_line_endings="normalize",
            long_lines="accept", unbracketed_paths=True, quit_argument=True,
            application_verbs=sorted(v for v in verbs if v not in _CORE_VERBS),
            worded_refusals=True, ehlo_greeting=hostname, unlisted=unlisted)
        self._body = []

    # -- calls, each returning (events, out) ---------------------------------------
    def start(self):
        """The greeting."""
        return self._run()

    def feed(self, data):
        """Bytes from the client; b"" is EOF."""
        self._sc.receive_data(data)
        return self._run()

    def accept(self):
        """Answers the pending event with the machine's reply."""
        self._sc.accept()
        return self._run()

    def reply(self, code, text):
        """Answers the pending event with `code text` (lines split on
        '\\n'). ValueError when the code cannot answer it."""
        self._sc.reply(code, text)
        return self._run()

    def handle_timeout(self):
        self._sc.handle_timeout()
        return self._run()

    def timeout(self):
        """Seconds until :meth:`handle_timeout` is due, or None."""
        return self._sc.timeout()

    def set_size_limit(self, limit):
        """``channel.data_size_limit`` changed mid-session: the next MAIL
        and DATA use it."""
        self._sc.set_max_message_size(limit or None)

    @property
    def closed(self):
        return self._sc.closed

    # -- translation -----------------------------------------------------------------
    def _run(self):
        events = []
        for ev in self._sc.events():
            item = self._translate(ev)
            if item is not None:
                events.append(item)
        return events, self._sc.transmit()

    def _translate(self, ev):
        kind = ev.kind
        if kind == "MessageData":
            self._body.append(ev.data)
            return None
        if kind in _COMMANDS:
            # smtpd's split of the line as sent: the verb, upper-cased, and
            # the stripped rest (None without a space).
            verb, space, arg = ev.line.partition(" ")
            head = (kind, verb.upper(), arg.strip() if space else None)
            if kind == "MailFrom":
                return head + (_bare(ev.from_addr), ev.params.upper().split())
            if kind == "RcptTo":
                return head + (_bare(ev.to_addr), ev.params.upper().split())
            return head
        if kind == "MessageEnd":
            body, self._body = b"".join(self._body), []
            return (kind, body)
        if kind in ("MessageRefused", "CommandRefused"):
            # Both await their wording: (kind, code, text, reasons, verb).
            if kind == "MessageRefused":
                self._body = []
            code, text = ev.reply
            verb = ev.fields.get("verb", "")
            return (kind, code, text.decode("utf-8", "replace"), ev.reasons, verb)
        if kind in ("Closed", "TimedOut"):
            lost = ev.lost and ("message" if ev.lost.startswith("Message") else "transaction")
            return (kind, ev.clean, lost) if kind == "Closed" else (kind, lost)
        if kind == "Failed":
            return (kind, ev.error)
        return None  # BDAT, TLS: not offered by this face


# Engine events that answer one command line.
_COMMANDS = frozenset(["Helo", "Ehlo", "MailFrom", "RcptTo", "Data", "Rset", "Noop",
                       "Quit", "Vrfy", "Expn", "Help", "Command"])


def _bare(path):
    """smtpd's form of a path: no angle brackets, '' for the null path."""
    if path.startswith("<") and path.endswith(">"):
        return path[1:-1]
    return path
