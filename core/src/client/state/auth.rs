//! Transitions of an AUTH exchange (RFC 4954): challenges answered by the
//! mechanism or handed to the caller, cancels, and the final verdict.

use crate::auth::{decode_challenge, encode_continuation, AuthError, SaslClient};
use crate::error::RemoteError;
use crate::reply::Reply;

use super::super::auth_exchange::AuthExchange;
use super::super::events::Event;
use super::super::sequences::{reply_meaning, succeeded, Exchange, ReplyMeaning};
use super::super::wire;
use super::{Kind, Machine};

impl Machine {
    pub(super) fn on_auth(&mut self, reply: Reply) {
        let Some(mut flow) = self.auth.take() else {
            return;
        };
        if reply_meaning(Exchange::Auth, reply.code()) != ReplyMeaning::Intermediate {
            self.end_auth(flow, reply);
            return;
        }
        flow.challenges = flow.challenges.saturating_add(1);
        if flow.cancelled {
            // RFC 4954 §4: after "*" the server must end the exchange.
            self.fail(RemoteError::Auth {
                reason: "server kept challenging after the client cancelled",
            });
            return;
        }
        let over = flow.challenges > self.cfg.max_auth_challenges;
        let challenge = decode_challenge(reply.lines().next().unwrap_or_default());
        let deferred = flow.deferred.take();
        let answer = match (over, challenge) {
            (true, _) => Err(AuthError::TooManyChallenges),
            // RFC 4954 §4: a challenge that does not decode is cancelled.
            (false, Err(e)) => Err(e),
            (false, Ok(ch)) => match (deferred, &mut flow.sasl) {
                (Some(ir), _) => Ok(ir),
                (None, Some(sasl)) => sasl.respond(&ch),
                (None, None) => {
                    flow.awaiting_caller = true;
                    self.auth = Some(flow);
                    self.events
                        .push_back(Event::AuthChallenge { challenge: ch });
                    return;
                }
            },
        };
        self.auth = Some(flow);
        match answer {
            Ok(resp) => self.send_now(Kind::Auth, &wire::line(&encode_continuation(&resp))),
            Err(e) => self.cancel_auth(Some(e)),
        }
    }

    fn end_auth(&mut self, flow: AuthExchange, reply: Reply) {
        let mechanism = flow.mechanism;
        if succeeded(Exchange::Auth, reply.code()) {
            // RFC 5802 §5: a SCRAM server that never proved it knows the
            // password is not trusted, whatever it says.
            if let Some(Err(e)) = flow.sasl.as_ref().map(SaslClient::finish) {
                self.fail(RemoteError::Auth { reason: e.reason() });
                return;
            }
            self.authenticated = true;
            self.events
                .push_back(Event::AuthSucceeded { mechanism, reply });
        } else if let Some(e @ AuthError::ServerSignatureMismatch) = flow.error {
            self.fail(RemoteError::Auth { reason: e.reason() });
        } else {
            self.events
                .push_back(Event::AuthFailed { mechanism, reply });
        }
    }
}
