//! Client events as JSON objects `{type: "<Variant>", ...camelCase fields}`.

use smtp_core::client::Event;

use crate::convert::{capabilities, mail_result, phase, reply, variant};
use crate::errors::failed;
use crate::json::Json;

pub(crate) fn write(j: &mut Json, event: &Event, _machine: &smtp_core::ClientConnection) {
    j.begin_object();
    match event {
        Event::Greeting { reply: r } => with_reply(j, "Greeting", r),
        Event::GreetingRefused { reply: r } => with_reply(j, "GreetingRefused", r),
        Event::EhloAccepted {
            reply: r,
            capabilities: c,
        } => {
            with_reply(j, "EhloAccepted", r);
            j.key("capabilities");
            capabilities(j, c);
        }
        Event::EhloRefused {
            reply: r,
            falling_back,
        } => {
            with_reply(j, "EhloRefused", r);
            j.key("fallingBack").boolean(*falling_back);
        }
        Event::HeloAccepted { reply: r } => with_reply(j, "HeloAccepted", r),
        Event::HeloRefused { reply: r } => with_reply(j, "HeloRefused", r),
        Event::TlsHandshake { reply: r } => with_reply(j, "TlsHandshake", r),
        Event::StartTlsRefused { reply: r } => with_reply(j, "StartTlsRefused", r),
        Event::AuthChallenge { challenge } => {
            j.tag("type", "AuthChallenge");
            j.key("challenge").bytes(challenge);
        }
        Event::AuthSucceeded {
            mechanism,
            reply: r,
        } => {
            with_reply(j, "AuthSucceeded", r);
            j.key("mechanism").string(mechanism);
        }
        Event::AuthFailed {
            mechanism,
            reply: r,
        } => {
            with_reply(j, "AuthFailed", r);
            j.key("mechanism").string(mechanism);
        }
        Event::RecipientReply { index, reply: r } => {
            with_reply(j, "RecipientReply", r);
            j.key("index").number(*index as u64);
        }
        Event::ReadyForBody => {
            j.tag("type", "ReadyForBody");
        }
        Event::DeliveryReply { index, reply: r } => {
            with_reply(j, "DeliveryReply", r);
            j.key("index").number(*index as u64);
        }
        Event::TransactionFinished { result } => {
            j.tag("type", "TransactionFinished");
            j.key("result");
            mail_result(j, result);
        }
        Event::TransactionFailed {
            stage,
            reply: r,
            result,
        } => {
            with_reply(j, "TransactionFailed", r);
            j.key("stage").string(&variant(stage));
            j.key("result");
            mail_result(j, result);
        }
        Event::Reply { id, reply: r } => {
            with_reply(j, "Reply", r);
            j.key("id").number(id.get());
        }
        Event::ServiceClosing {
            reply: r,
            in_flight,
        } => {
            with_reply(j, "ServiceClosing", r);
            j.key("inFlight").string(&phase(*in_flight));
        }
        Event::TimedOut { phase: p } => {
            j.tag("type", "TimedOut");
            j.key("phase").string(&phase(*p));
        }
        Event::Closed { clean, in_flight } => {
            j.tag("type", "Closed");
            j.key("clean").boolean(*clean);
            j.key("inFlight").string(&phase(*in_flight));
        }
        Event::Failed(e) => failed(j, e),
        // A variant added to core after this binding: its name, so the
        // caller sees it instead of nothing.
        other => {
            j.tag("type", &variant(other));
        }
    }
    j.key("final").boolean(event.is_final());
    j.end_object();
}

fn with_reply(j: &mut Json, name: &str, r: &smtp_core::Reply) {
    j.tag("type", name);
    j.key("reply");
    reply(j, r);
}
