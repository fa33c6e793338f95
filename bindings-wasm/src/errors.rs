//! Errors thrown to JavaScript, as JSON strings the JS layer turns into
//! `SmtpLocalError` (`kind: "local"`) or `TypeError` (`kind: "type"`).
//! `RemoteError`s are not thrown: they arrive as `Failed` events, written by
//! [`remote_error`].

use smtp_core::{CommandError, LocalError, RemoteError};
use wasm_bindgen::JsValue;

use crate::convert::variant;
use crate::json::Json;

/// The `code`, the message (core's, unless `message` is given) and the
/// fields of a `LocalError`, into an open object.
fn local_fields(j: &mut Json, e: &LocalError, message: Option<&str>) {
    j.tag("code", &variant(e));
    j.key("message").string(message.unwrap_or(&e.to_string()));
    match e {
        LocalError::InvalidState { call, state } => {
            j.key("call").string(call);
            j.key("state").string(&variant(state));
        }
        LocalError::CommandInjection { field } => {
            j.key("field").string(field);
        }
        LocalError::ExtensionNotOffered { extension } => {
            j.key("extension").string(extension);
        }
        LocalError::MessageTooLarge { size, limit } => {
            j.key("size").number(*size).key("limit").number(*limit);
        }
        LocalError::InvalidAddress { address, rule } => {
            j.key("address").string(address).key("rule").string(rule);
        }
        LocalError::InvalidArgument { field, rule } => {
            j.key("field").string(field).key("rule").string(rule);
        }
        LocalError::BareLineEnding { offset } => {
            j.key("offset").number(*offset as u64);
        }
        LocalError::BufferFull { pending, limit } => {
            j.key("pending")
                .number(*pending as u64)
                .key("limit")
                .number(*limit as u64);
        }
        LocalError::InvalidEnvelope { reason } | LocalError::InvalidCredentials { reason } => {
            j.key("reason").string(reason);
        }
        LocalError::UnsuitableReply { expected } => {
            j.key("expected").string(expected);
        }
        _ => {}
    }
}

/// A core `LocalError`, thrown as `SmtpLocalError`.
pub(crate) fn local(e: LocalError) -> JsValue {
    let mut j = Json::new();
    j.begin_object().tag("kind", "local");
    local_fields(&mut j, &e, None);
    j.end_object();
    JsValue::from_str(&j.take().0)
}

/// A wrong argument the JS layer could not check by type alone (a config
/// value that does not parse), thrown as `TypeError`.
pub(crate) fn type_error(message: &str) -> JsValue {
    let mut j = Json::new();
    j.begin_object()
        .tag("kind", "type")
        .key("message")
        .string(message)
        .end_object();
    JsValue::from_str(&j.take().0)
}

/// An argument that does not parse, as the `LocalError` the machine gives
/// for one it cannot send: an address is `InvalidAddress`, anything else
/// `InvalidArgument` naming the field and the grammar rule.
pub(crate) fn bad_argument(field: &'static str, value: &str, e: &CommandError) -> JsValue {
    let rule = match e {
        CommandError::Syntax { rule } => rule,
        CommandError::InvalidParameter { .. } => "esmtp-param",
        CommandError::Utf8NotAllowed => "SMTPUTF8",
        CommandError::UnknownCommand => "Command",
        _ => "syntax",
    };
    let local = match field {
        "from" | "to" => LocalError::InvalidAddress {
            address: value.to_string(),
            rule,
        },
        _ => LocalError::InvalidArgument { field, rule },
    };
    let mut j = Json::new();
    j.begin_object().tag("kind", "local");
    match e {
        CommandError::InvalidParameter { keyword } => {
            let message = format!("invalid {field}: bad parameter {keyword} ({value:?})");
            local_fields(&mut j, &local, Some(&message));
            j.key("keyword").string(keyword);
        }
        _ => local_fields(&mut j, &local, None),
    }
    j.end_object();
    JsValue::from_str(&j.take().0)
}

/// The fields of a `Failed` event (either machine): `type` and `error`.
pub(crate) fn failed(j: &mut Json, e: &RemoteError) {
    j.tag("type", "Failed");
    j.key("error");
    remote_error(j, e);
}

/// A `RemoteError` as the `error` object of a `Failed` event.
fn remote_error(j: &mut Json, e: &RemoteError) {
    j.begin_object();
    j.tag("code", &variant(e));
    j.key("message").string(&e.to_string());
    match e {
        RemoteError::ReplyLineTooLong { limit }
        | RemoteError::ReplyTooLong { limit }
        | RemoteError::InputLimitExceeded { limit } => {
            j.key("limit").number(*limit as u64);
        }
        RemoteError::MalformedReply { reason } | RemoteError::Auth { reason } => {
            j.key("reason").string(reason);
        }
        RemoteError::DataAfterStartTls { discarded } => {
            j.key("discarded").number(*discarded as u64);
        }
        _ => {}
    }
    j.end_object();
}
