"""sendmail's two paths reach the same outcome from the same replies.

The engine's machine runs a transaction when it can; smtplib's own
mail()/rcpt()/data() calls run it otherwise (debug output on,
use_pipelining off, overridden methods), with the engine's
TransactionLedger reading each reply. Both paths must return the same
dict or raise the same exception, send RSET in the same cases, close on
421 alike, and leave the connection in step.
"""

import smtplib

import pytest

import smtplib_rs

PIPE = ["PIPELINING", "SIZE 10000000", "8BITMIME"]
PLAIN = ["SIZE 10000000", "8BITMIME"]

# (name, server behaviour, recipients)
SCENARIOS = [
    ("one refused", {}, ["a@x.org", "bad1@x.org"]),
    ("all refused", {}, ["bad1@x.org", "bad2@x.org"]),
    ("252 is not acceptance", {"rcpt_refusals": {"bad": "550 5.1.1 no such user",
                       "vrfy": "252 2.1.5 cannot verify"}},
     ["a@x.org", "vrfy@x.org"]),
    ("sender refused", {"mail_reply": "550 5.7.1 sender refused"}, ["a@x.org"]),
    ("sender 421", {"mail_reply": "421 4.3.2 closing"}, ["a@x.org"]),
    ("rcpt 421", {"rcpt_refusals": {"bad": "550 5.1.1 no such user",
                                    "bye": "421 4.3.2 closing"}},
     ["bad1@x.org", "bye@x.org", "a@x.org"]),
    ("data refused", {"data_reply": "554 5.3.0 no data today"}, ["a@x.org"]),
    ("data 421", {"data_reply": "421 4.3.2 closing"}, ["a@x.org"]),
    ("lmtp mixed", {"lmtp": True}, ["a@x.org", "full1@x.org", "bad@x.org", "b@x.org"]),
    ("lmtp nobody", {"lmtp": True}, ["full1@x.org", "bad@x.org"]),
    ("lmtp 421 midway", {"lmtp": True, "lmtp_data_refusals": {"bye": "421 4.3.2 shutting down"}},
     ["a@x.org", "bye@x.org", "b@x.org"]),
]

PATHS = {
    "machine, pipelined": (PIPE, True),
    "machine, one by one": (PLAIN, True),
    "smtplib's calls": (PIPE, False),
}


def run(make_server, behaviour, recipients, extensions, use_pipelining,
        use_chunking=False):
    srv = make_server(extensions=extensions, **behaviour)
    cls = smtplib_rs.LMTP if behaviour.get("lmtp") else smtplib_rs.SMTP
    s = cls(srv.host, srv.port, local_hostname="client.example", timeout=10)
    s.use_pipelining = use_pipelining
    s.use_chunking = use_chunking
    s.ehlo_or_helo_if_needed()
    start = len(srv.commands)
    try:
        outcome = ("returned", s.sendmail("me@x.org", recipients, "hello\n"))
    except smtplib.SMTPException as e:
        outcome = (type(e).__name__, e.args)
    closed = s.sock is None
    after = None if closed else s.noop()
    if not closed:
        s.quit()
    if not use_pipelining and not use_chunking:
        # smtplib's calls really ran: one command per write (a BDAT chunk
        # travels with its command, so that check is DATA's only).
        assert all(len(batch) <= 1 for batch in srv.batches), srv.batches
    # Commands after the envelope: RSET or not (NOOP/QUIT are ours).
    tail = [c.split()[0].upper() for c in srv.commands[start:]]
    resets = tail.count(b"RSET")
    return outcome, closed, after, resets, len(srv.transactions)


@pytest.mark.parametrize("name,behaviour,recipients", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_every_path_reaches_the_same_outcome(make_server, name, behaviour, recipients):
    results = {path: run(make_server, behaviour, recipients, *how)
               for path, how in PATHS.items()}
    first = results["machine, pipelined"]
    for path, result in results.items():
        assert result == first, "%s differs: %r vs %r" % (path, result, first)


def test_outcomes_are_smtplibs(make_server):
    # Spot checks that the shared outcome is smtplib's, not just consistent.
    outcome, closed, after, resets, _ = run(
        make_server, {"mail_reply": "550 5.7.1 sender refused"}, ["a@x.org"], PIPE, False)
    assert outcome == ("SMTPSenderRefused", (550, b"5.7.1 sender refused", "me@x.org"))
    assert (closed, after, resets) == (False, (250, b"ok"), 1)

    outcome, closed, after, resets, _ = run(
        make_server,
        {"rcpt_refusals": {"bad": "550 5.1.1 no such user", "bye": "421 4.3.2 closing"}},
        ["bad1@x.org", "bye@x.org", "a@x.org"], PIPE, False)
    assert outcome == ("SMTPRecipientsRefused", ({
        "bad1@x.org": (550, b"5.1.1 no such user"),
        "bye@x.org": (421, b"4.3.2 closing")},))
    assert closed and resets == 0

    outcome, closed, after, resets, delivered = run(
        make_server, {"lmtp": True}, ["full1@x.org", "a@x.org"], PIPE, False)
    assert outcome == ("returned", {"full1@x.org": (452, b"4.2.2 mailbox full")})
    assert (closed, after, resets, delivered) == (False, (250, b"ok"), 0, 1)


def test_lmtp_421_among_deliveries_keeps_who_got_it(make_server):
    # RFC 2033 §4.2 with RFC 5321 §3.8: a@ has the message; the 421 answers
    # for the two still waiting. Not an SMTPDataError: a retry would send
    # a@ a duplicate.
    outcome, closed, after, resets, delivered = run(
        make_server, {"lmtp": True, "lmtp_data_refusals": {"bye": "421 4.3.2 shutting down"}},
        ["a@x.org", "bye@x.org", "b@x.org"], PIPE, True)
    assert outcome == ("returned", {"bye@x.org": (421, b"4.3.2 shutting down"),
                                    "b@x.org": (421, b"4.3.2 shutting down")})
    assert closed and resets == 0 and delivered == 1
