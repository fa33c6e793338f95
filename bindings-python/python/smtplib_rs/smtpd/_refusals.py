"""smtpd's words for what the engine refuses by itself.

The engine decides that a command or a message is refused, and the class
of the reply (4xx or 5xx); the effect is the engine's either way. This
table only picks smtpd's text and, within that class, smtpd's code: smtpd
answered ``503 Error: send HELO first`` to a malformed ``RCPT`` before
``HELO`` where the engine says 501, and ``555`` to ``BODY=x`` when it did
not offer 8BITMIME.

`reasons` are the engine's names for the refusal, most specific first
(``Unrecognized``, ``Syntax/Mailbox``, ``Syntax``, ``InvalidParameter:BODY``,
``InvalidParameter``, ``BadSequence``, ``NotImplemented``,
``Message:TooLarge``...); `verb` is the refused line's first word,
upper-cased ("" for an empty line).
"""

_SUPPORTED = 'EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY'


def command_refusal(channel, verb, reasons):
    """smtpd's reply to a command line the engine refused (a str), or None
    to keep the engine's."""
    reason = reasons[-1]  # the general one
    if reason == 'LineTooLong':
        return '500 Error: line too long'
    if reason == 'BareLineEnding' or (reason == 'Unrecognized' and not verb):
        return '500 Error: bad syntax'
    if reason == 'Unrecognized':
        return '500 Error: command "%s" not recognized' % verb
    if verb in ('MAIL', 'RCPT', 'DATA') and not channel.seen_greeting:
        # smtpd checked the greeting before anything else.
        return '503 Error: send HELO first'
    if verb in ('HELO', 'EHLO'):
        return '501 Syntax: %s hostname' % verb
    if verb == 'MAIL':
        return _mail(channel, reasons)
    if verb == 'RCPT':
        return _rcpt(channel, reason)
    if verb == 'DATA':
        if reason in ('BadSequence', 'NoValidRecipients'):
            return '503 Error: need RCPT command'
        return '501 Syntax: DATA'
    if verb == 'EXPN':
        return '502 EXPN not implemented'
    if verb in ('RSET', 'NOOP', 'QUIT'):
        return '501 Syntax: %s' % verb
    if verb == 'VRFY':
        return '501 Syntax: VRFY <address>'
    if verb == 'HELP':
        return '501 Supported commands: ' + _SUPPORTED
    if reason == 'NotImplemented':
        # BDAT, STARTTLS, AUTH, LHLO...: smtpd had no method for them.
        return '500 Error: command "%s" not recognized' % verb
    return None


def message_refusal(reasons):
    """smtpd's reply to a message the engine refused after its end."""
    if 'Message:TooLarge' in reasons:
        return '552 Error: Too much mail data'
    return None


def _syntax(channel, verb):
    text = '501 Syntax: MAIL FROM: <address>' if verb == 'MAIL' else \
        '501 Syntax: RCPT TO: <address>'
    return text + (' [SP <mail-parameters>]' if channel.extended_smtp else '')


def _parameters(channel, verb):
    """Parameters the engine does not take: after HELO smtpd called them a
    syntax error, after EHLO 555."""
    if not channel.extended_smtp:
        return _syntax(channel, verb)
    return '555 %s parameters not recognized or not implemented' % (
        'MAIL FROM' if verb == 'MAIL' else 'RCPT TO')


def _mail(channel, reasons):
    reason = reasons[-1]
    if reason == 'BadSequence':
        return '503 Error: nested MAIL command'
    if reason == 'MessageTooLarge':
        return '552 Error: message size exceeds fixed maximum message size'
    if reason == 'ParameterNotImplemented':
        return _parameters(channel, 'MAIL')
    if 'InvalidParameter:BODY' in reasons:
        if channel._decode_data:  # 8BITMIME not offered: an unknown parameter
            return _parameters(channel, 'MAIL')
        return '501 Error: BODY can only be one of 7BIT, 8BITMIME'
    if 'InvalidParameter:SMTPUTF8' in reasons and channel.enable_SMTPUTF8:
        return '501 Error: SMTPUTF8 takes no arguments'
    if reason in ('Utf8NotAllowed', 'TlsRequired', 'AuthRequired'):
        return None
    return _syntax(channel, 'MAIL')


def _rcpt(channel, reason):
    if reason == 'BadSequence':
        return '503 Error: need MAIL command'
    if reason == 'ParameterNotImplemented':
        return _parameters(channel, 'RCPT')
    if reason in ('TooManyRecipients', 'Utf8NotAllowed'):
        return None
    return _syntax(channel, 'RCPT')
