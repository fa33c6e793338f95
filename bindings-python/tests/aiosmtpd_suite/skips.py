"""aiosmtpd 1.4.6's own tests that smtplib_rs.aiosmtpd does not run, each
with its reason: they read aiosmtpd's private internals, they need
behaviour refused for safety or RFC conformance, or they check a
deliberate difference. Keys are pytest
node ids (relative to the suite root); a key matches the test and all
its parametrizations. Generated lists are written out in full."""

SKIPS = {
    'aiosmtpd_suite/tests/test_smtp.py::TestProtocol':
        'private internals of aiosmtpd (drives SMTP._handler_coroutine directly)',
    'aiosmtpd_suite/tests/test_proxyprotocol.py::TestGetV1':
        'private internals of aiosmtpd (drives SMTP._handler_coroutine directly)',
    'aiosmtpd_suite/tests/test_proxyprotocol.py::TestGetV2':
        'private internals of aiosmtpd (drives SMTP._handler_coroutine directly)',
    'aiosmtpd_suite/tests/test_smtp.py::TestClientCrash':
        "private internals of aiosmtpd (spies on SMTP._writer, aiosmtpd's StreamWriter)",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTPWithController::test_long_line_leak':
        'private internals of aiosmtpd (patches aiosmtpd.smtp.EMPTY_BARR inside its DATA loop)',
    'aiosmtpd_suite/tests/test_smtp.py::TestAuthArgs::test_log_authmechanisms':
        "private internals of aiosmtpd (lists SMTP's builtin auth_* methods; the engine runs PLAIN and LOGIN)",
    'aiosmtpd_suite/tests/test_smtp.py::TestAuthMechanisms::test_plain1_goodcreds_sanitized_log':
        "private internals of aiosmtpd (checks aiosmtpd's debug log of command lines; the engine parses them, nothing is logged)",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTPWithController::test_process_message_error':
        'refused for RFC conformance: 499 and 599 are not reply codes (RFC 5321 §4.2: second digit 0-5); the engine will not send them',
    'aiosmtpd_suite/tests/test_handlers.py::TestHooks::test_hook_DATA':
        'refused for RFC conformance: 499 and 599 are not reply codes (RFC 5321 §4.2: second digit 0-5); the engine will not send them',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTPWithController::test_bad_encodings':
        'refused for safety: non-UTF-8 octets in an address (aiosmtpd keeps them as surrogates)',
    'aiosmtpd_suite/tests/test_lmtp.py::test_lhlo':
        'refused for RFC conformance: an LMTP server offers PIPELINING and ENHANCEDSTATUSCODES (RFC 2033 §5), so LHLO lists them',
    'aiosmtpd_suite/tests/test_smtp.py::TestTimeout::test_timeout':
        'differs by design: an idle session gets 421 before it is closed (RFC 5321 §4.5.3.2.7, §3.8); smtplib reads the 421 as the reply to its next command instead of a disconnection',
    'aiosmtpd_suite/tests/test_smtp.py::TestSleepingHandler::test_close_after_helo':
        "differs by design: commands read before the client's EOF (half-close) are still answered",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTPWithController::test_too_long_lines_then_too_long_body':
        'differs by design: a message both too large and with over-long lines is refused for its size (552) whichever came first',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_vrfy_not_address':
        "differs by design: VRFY's argument is not parsed as an address (any string is answered)",
    'aiosmtpd_suite/tests/test_starttls.py::TestNoTLS::test_disabled_tls':
        "differs by design: STARTTLS without a TLS context is a command not implemented (502); the engine's refusal class (5xx) cannot become aiosmtpd's 454",
    'aiosmtpd_suite/tests/test_proxyprotocol.py::TestModule::test_get_cut_v1':
        "differs by design: PROXY header errors carry the engine's texts",
    'aiosmtpd_suite/tests/test_proxyprotocol.py::TestModule::test_get_cut_v2':
        "differs by design: PROXY header errors carry the engine's texts",
    'aiosmtpd_suite/tests/test_smtp.py::TestLimits::test_limit_bogus':
        "differs by design: the fifth unknown verb ends the session with 421 (RFC 5321 §3.8: closing is announced with 421), not aiosmtpd's 502",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[14]':
        'refused for RFC conformance: [IPv6::1] is not an IPv6 address literal',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[15]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[16]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[17]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[18]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[28]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[29]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[30]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[31]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_mail_valid_address[39]':
        'refused for RFC conformance: an address without a domain (RFC 5321 §4.1.2)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[14]':
        'refused for RFC conformance: [IPv6::1] is not an IPv6 address literal',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[15]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[16]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[17]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[18]':
        'refused for safety: RFC 5322 comments inside an address (parser differentials)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[28]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[29]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[30]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[31]':
        "refused for safety: RFC 5322 obsolete local-part forms outside RFC 5321's grammar",
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[39]':
        'refused for RFC conformance: an address without a domain (RFC 5321 §4.1.2)',
    'aiosmtpd_suite/tests/test_smtp.py::TestSMTP::test_rcpt_valid_address[42]':
        'refused for RFC conformance: an address without a domain (RFC 5321 §4.1.2)',
}
