"""Property: for any mix of replies, every sendmail path agrees.

Hypothesis draws the server's behaviour (the MAIL reply, each recipient's
RCPT reply, the DATA reply, LMTP's per-recipient replies, 421 anywhere)
and the envelope; `test_paths_agree.run` drives each path against a fresh
server and records what the caller sees. The machine sending one command at
a time and smtplib's command-by-command calls (kept by TransactionLedger)
must return or raise the same, reset alike and close alike; the pipelined
machine must return or raise the same.
"""

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _server import Behaviour
from _server import TestServer as Server
from test_paths_agree import PATHS, run

PIPE_CHUNKING = ["PIPELINING", "CHUNKING", "SIZE 10000000", "8BITMIME"]

RCPT_REPLIES = {
    "ok": None,
    "bad": "550 5.1.1 no such user",
    "tmp": "451 4.3.0 try later",
    "vrfy": "252 2.1.5 cannot verify",
    "fwd": "251 2.1.5 will forward",
    "bye": "421 4.3.2 closing",
}
DELIVERY_REPLIES = {
    "full": "452 4.2.2 mailbox full",
    "gone": "550 5.1.1 gone",
    "shut": "421 4.3.2 shutting down",
}

behaviours = st.fixed_dictionaries({
    "lmtp": st.booleans(),
    "mail_reply": st.sampled_from(
        [None, None, "550 5.7.1 refused", "451 4.3.0 later", "251 2.1.0 odd", "421 4.3.2 bye"]),
    "data_reply": st.sampled_from(
        [None, None, None, "554 5.3.0 no", "451 4.3.0 later", "421 4.3.2 bye"]),
})
# A recipient: its RCPT behaviour, and (LMTP) its delivery behaviour.
recipients = st.lists(
    st.tuples(st.sampled_from(sorted(RCPT_REPLIES)),
              st.sampled_from(["ok", "ok"] + sorted(DELIVERY_REPLIES))),
    min_size=1, max_size=5)


class Servers:
    """make_server without pytest's function scope (Hypothesis reruns the
    test body many times per fixture)."""

    def __init__(self, stack):
        self.stack = stack

    def __call__(self, **attrs):
        b = Behaviour()
        for k, v in attrs.items():
            setattr(b, k, v)
        server = Server(b)
        self.stack.callback(server.close)
        return server


def scenario(behaviour, rcpts):
    """The server's behaviour and the envelope for one example. The local
    part says how the server answers: "<rcpt>-<delivery>-<n>"."""
    addresses = ["%s-%s-%d@x.org" % (r, d, i) for i, (r, d) in enumerate(rcpts)]
    attrs = dict(behaviour)
    attrs["rcpt_refusals"] = {k: v for k, v in RCPT_REPLIES.items() if v}
    attrs["lmtp_data_refusals"] = {
        "%s-%s" % (r, d): DELIVERY_REPLIES[d]
        for r in RCPT_REPLIES for d in DELIVERY_REPLIES}
    return attrs, addresses


def run_paths(paths, attrs, addresses):
    with contextlib.ExitStack() as stack:
        servers = Servers(stack)
        return {path: run(servers, attrs, addresses, *how) for path, how in paths.items()}


# derandomize: CI replays the same 60 examples every run (a red run must
# be reproducible). To explore further, run with a larger max_examples and
# derandomize off; 600 random examples passed when this was written.
@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(behaviour=behaviours, rcpts=recipients)
def test_every_path_agrees_for_any_replies(behaviour, rcpts):
    results = run_paths(PATHS, *scenario(behaviour, rcpts))
    # Both one-command-at-a-time paths send the same commands: everything
    # they see and do must match.
    one_by_one = results["machine, one by one"]
    assert results["smtplib's calls"] == one_by_one
    # The pipelined path sends MAIL, RCPTs and DATA in one flight, so it may
    # hear a 421 to a command the others never sent (DATA after every RCPT
    # was refused) and close where they reset; what the caller gets back,
    # and what was delivered, must still be the same.
    piped = results["machine, pipelined"]
    (outcome, _, _, _, delivered) = one_by_one
    assert (piped[0], piped[4]) == (outcome, delivered), (piped, one_by_one)


BDAT_PATHS = {
    "machine, BDAT pipelined": (PIPE_CHUNKING, True, True),
    "smtplib's calls, BDAT": (PIPE_CHUNKING, False, True),
}


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(behaviour=behaviours, rcpts=recipients)
def test_bdat_paths_agree_for_any_replies(behaviour, rcpts):
    # CHUNKING (RFC 3030): the machine pipelines MAIL, RCPT and the BDAT
    # chunks; smtplib's calls send BDAT one chunk per reply. No DATA is
    # sent, so `data_reply` plays no part.
    results = run_paths(BDAT_PATHS, *scenario(behaviour, rcpts))
    piped, stepwise = results.values()
    assert (piped[0], piped[4]) == (stepwise[0], stepwise[4]), (piped, stepwise)
