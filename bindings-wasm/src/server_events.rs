//! Server events as JSON objects `{type: "<Variant>", ...camelCase fields,
//! needsAnswer, final}`.

use smtp_core::auth::Verification;
use smtp_core::command::Command;
use smtp_core::command::CommandError;
use smtp_core::server::{Event, Lost, MessageProblem, Refusal};
use smtp_core::{Domain, ServerConnection};

use crate::convert::{forward_path, mail_params, rcpt_params, reply, reverse_path, variant};
use crate::errors::failed;
use crate::json::Json;

/// Writes `event`; the fields the core lends rather than copies into the
/// event (the command line's arguments, message data, the recipients) are
/// read from `server` right after `poll_event`, while they are valid.
pub(crate) fn write(j: &mut Json, event: &Event, server: &ServerConnection) {
    j.begin_object();
    // The awaited command, owned for the JSON writer (one per command).
    let command = server.command().map(|c| c.into_owned());
    match (event, command) {
        (Event::Ehlo, Some(Command::Ehlo { domain })) => hello(j, "Ehlo", &domain),
        (Event::Helo, Some(Command::Helo { domain })) => hello(j, "Helo", &domain),
        (Event::Lhlo, Some(Command::Lhlo { domain })) => hello(j, "Lhlo", &domain),
        (Event::MailFrom, Some(Command::Mail { from, params })) => {
            j.tag("type", "MailFrom");
            j.key("from");
            reverse_path(j, &from);
            j.key("params");
            mail_params(j, &params);
        }
        (Event::RcptTo, Some(Command::Rcpt { to, params })) => {
            j.tag("type", "RcptTo");
            j.key("to");
            forward_path(j, &to);
            j.key("params");
            rcpt_params(j, &params);
        }
        (Event::Vrfy, Some(Command::Vrfy { argument })) => {
            j.tag("type", "Vrfy");
            j.key("argument").string(&argument);
        }
        (Event::Expn, Some(Command::Expn { argument })) => {
            j.tag("type", "Expn");
            j.key("argument").string(&argument);
        }
        (Event::Help, Some(Command::Help { topic })) => {
            j.tag("type", "Help");
            j.key("topic").opt_string(topic.as_deref());
        }
        (event, _) => write_plain(j, event, server),
    }
    j.key("needsAnswer").boolean(event.needs_answer());
    j.key("final").boolean(event.is_final());
    j.end_object();
}

/// The events whose fields the event itself carries (and the data and
/// recipients the machine lends).
fn write_plain(j: &mut Json, event: &Event, server: &ServerConnection) {
    match event {
        Event::Data => bare(j, "Data"),
        Event::Bdat { size, last } => {
            j.tag("type", "Bdat");
            j.key("size").number(*size).key("last").boolean(*last);
        }
        Event::MessageData { .. } => {
            j.tag("type", "MessageData");
            j.key("data").bytes(server.message_data());
        }
        Event::ChunkEnd { size } => {
            j.tag("type", "ChunkEnd");
            j.key("size").number(*size);
        }
        Event::MessageEnd { size } => {
            j.tag("type", "MessageEnd");
            j.key("size").number(*size);
            j.key("recipients").begin_array();
            for r in server.recipients() {
                forward_path(j, &r.into_owned());
            }
            j.end_array();
        }
        Event::MessageRefused { reason, reply: r } => {
            j.tag("type", "MessageRefused");
            j.key("reason");
            message_problem(j, reason);
            j.key("reply");
            reply(j, r);
        }
        Event::Rset => bare(j, "Rset"),
        Event::Noop => bare(j, "Noop"),
        Event::Quit => bare(j, "Quit"),
        Event::StartTls => bare(j, "StartTls"),
        Event::TlsHandshake => bare(j, "TlsHandshake"),
        Event::DataAfterStartTls { discarded } => {
            j.tag("type", "DataAfterStartTls");
            j.key("discarded").number(*discarded as u64);
        }
        Event::Auth(request) => {
            j.tag("type", "Auth");
            j.key("mechanism").string(request.mechanism.name());
            j.key("verification");
            verification(j, &request.verification);
        }
        Event::CommandRefused { reason, reply: r } => {
            j.tag("type", "CommandRefused");
            j.key("reason");
            refusal(j, reason);
            j.key("reply");
            reply(j, r);
        }
        Event::TimedOut { lost } => {
            j.tag("type", "TimedOut");
            j.key("lost");
            opt_lost(j, lost.as_ref());
        }
        Event::Closed { clean, lost } => {
            j.tag("type", "Closed");
            j.key("clean").boolean(*clean);
            j.key("lost");
            opt_lost(j, lost.as_ref());
        }
        Event::Failed(e) => failed(j, e),
        other => {
            j.tag("type", &variant(other));
        }
    }
}

fn bare(j: &mut Json, name: &str) {
    j.tag("type", name);
}

fn hello(j: &mut Json, name: &str, domain: &Domain) {
    j.tag("type", name);
    j.key("domain").string(&domain.to_string());
}

fn message_problem(j: &mut Json, p: &MessageProblem) {
    j.begin_object();
    match p {
        MessageProblem::TooLarge { limit } => {
            j.tag("code", "TooLarge");
            j.key("limit").number(*limit);
        }
        MessageProblem::BareLineEnding => {
            j.tag("code", "BareLineEnding");
        }
        MessageProblem::LineTooLong => {
            j.tag("code", "LineTooLong");
        }
        other => {
            j.tag("code", &variant(other));
        }
    }
    j.end_object();
}

/// `{code, syntax?}`: `syntax` details a `Syntax` refusal (the parse error).
fn refusal(j: &mut Json, r: &Refusal) {
    j.begin_object();
    match r {
        Refusal::Syntax(e) => {
            j.tag("code", "Syntax");
            j.key("syntax").begin_object();
            match e {
                CommandError::UnknownCommand => {
                    j.tag("code", "UnknownCommand");
                }
                CommandError::Syntax { rule } => {
                    j.tag("code", "Syntax");
                    j.key("rule").string(rule);
                }
                CommandError::InvalidParameter { keyword } => {
                    j.tag("code", "InvalidParameter");
                    j.key("keyword").string(keyword);
                }
                CommandError::Utf8NotAllowed => {
                    j.tag("code", "Utf8NotAllowed");
                }
                other => {
                    j.tag("code", &variant(other));
                }
            }
            j.key("message").string(&e.to_string());
            j.end_object();
        }
        other => {
            j.tag("code", &variant(other));
        }
    }
    j.end_object();
}

fn opt_lost(j: &mut Json, lost: Option<&Lost>) {
    match lost {
        None => {
            j.null();
        }
        Some(Lost::Transaction { recipients }) => {
            j.begin_object()
                .tag("type", "Transaction")
                .key("recipients")
                .number(*recipients as u64)
                .end_object();
        }
        Some(Lost::Message { recipients, octets }) => {
            j.begin_object()
                .tag("type", "Message")
                .key("recipients")
                .number(*recipients as u64)
                .key("octets")
                .number(*octets)
                .end_object();
        }
        Some(other) => {
            j.begin_object().tag("type", &variant(other)).end_object();
        }
    }
}

/// What the application checks for AUTH; `type` names the kind.
fn verification(j: &mut Json, v: &Verification) {
    j.begin_object();
    match v {
        Verification::Plain {
            authzid,
            username,
            password,
        } => {
            j.tag("type", "Plain");
            j.key("authzid").opt_string(authzid.as_deref());
            j.key("username").string(username);
            j.key("password").string(password);
        }
        Verification::Login { username, password } => {
            j.tag("type", "Login");
            j.key("username").string(username);
            j.key("password").string(password);
        }
        Verification::CramMd5 {
            username,
            challenge,
            digest,
        } => {
            j.tag("type", "CramMd5");
            j.key("username").string(username);
            j.key("challenge").bytes(challenge);
            j.key("digest").bytes(digest);
        }
        Verification::OAuth { username, token } => {
            j.tag("type", "OAuth");
            j.key("username").opt_string(username.as_deref());
            j.key("token").string(token);
        }
        Verification::NeedCredentials { authzid, username } => {
            j.tag("type", "NeedCredentials");
            j.key("authzid").opt_string(authzid.as_deref());
            j.key("username").string(username);
        }
        _ => {
            j.tag("type", "Unknown");
        }
    }
    j.end_object();
}
