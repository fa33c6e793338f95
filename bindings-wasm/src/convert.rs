//! Core values into JSON (replies, capabilities, paths, parameters,
//! transaction results) and JS arguments into core values (time, replies).
//! Field names are camelCase; enum values are the Rust variant names.

use smtp_core::client::MailResult;
use smtp_core::command::{BodyType, Notify, Ret};
use smtp_core::reply::EnhancedStatus;
use smtp_core::{
    Capabilities, Extensions, ForwardPath, MailParameters, RcptParameters, Reply, ReplyCode,
    ReversePath, Timestamp,
};

use crate::errors;
use crate::json::Json;

/// The caller's clock reading (milliseconds) as a core timestamp. The JS
/// layer has checked it is a finite number >= 0; fractions are dropped.
pub(crate) fn timestamp(now_ms: f64) -> Timestamp {
    // `as` saturates: NaN is 0, huge values are u64::MAX.
    Timestamp(now_ms as u64)
}

/// `{code, enhanced, lines, text}`: `enhanced` is `"x.y.z"` or null,
/// `lines` each line's text verbatim, `text` smtplib's form (each line
/// stripped, joined by `\n`).
pub(crate) fn reply(j: &mut Json, r: &Reply) {
    j.begin_object();
    j.key("code").number(u64::from(r.code().get()));
    j.key("enhanced");
    match r.enhanced() {
        Some(e) => j.string(&e.to_string()),
        None => j.null(),
    };
    j.key("lines").begin_array();
    for line in r.lines() {
        j.lossy(line);
    }
    j.end_array();
    j.key("text").lossy(&r.trimmed_text());
    j.end_object();
}

pub(crate) fn opt_reply(j: &mut Json, r: Option<&Reply>) {
    match r {
        Some(r) => reply(j, r),
        None => {
            j.null();
        }
    }
}

/// Every extension core knows (core names them: `Extensions::keywords`).
pub(crate) const ALL_EXTENSIONS: [Extensions; 17] = [
    Extensions::SIZE,
    Extensions::EIGHT_BIT_MIME,
    Extensions::PIPELINING,
    Extensions::CHUNKING,
    Extensions::BINARY_MIME,
    Extensions::SMTPUTF8,
    Extensions::DSN,
    Extensions::ENHANCED_STATUS_CODES,
    Extensions::STARTTLS,
    Extensions::AUTH,
    Extensions::REQUIRETLS,
    Extensions::VRFY,
    Extensions::EXPN,
    Extensions::HELP,
    Extensions::DELIVERBY,
    Extensions::MT_PRIORITY,
    Extensions::FUTURERELEASE,
];

/// What an EHLO/LHLO reply advertised: the greeting line; every keyword
/// with its parameters (upper-case keys; the first line of a keyword wins,
/// as core's `keyword_params`); the extensions core recognised (`AUTH`
/// also from the old `AUTH=` form); SIZE; the AUTH mechanisms.
pub(crate) fn capabilities(j: &mut Json, c: &Capabilities) {
    j.begin_object();
    j.key("greeting").string(c.greeting());
    j.key("keywords").begin_object();
    let mut seen: Vec<String> = Vec::new();
    for (name, params) in c.keywords() {
        let upper = name.to_ascii_uppercase();
        if !seen.contains(&upper) {
            j.key(&upper).string(params);
            seen.push(upper);
        }
    }
    j.end_object();
    j.key("extensions").begin_array();
    for name in c.extensions().keywords() {
        j.string(name);
    }
    j.end_array();
    j.key("maxSize").opt_number(c.max_size());
    j.key("authMechanisms").begin_array();
    for m in c.auth_mechanisms() {
        j.string(m);
    }
    j.end_array();
    j.end_object();
}

pub(crate) fn opt_capabilities(j: &mut Json, c: Option<&Capabilities>) {
    match c {
        Some(c) => capabilities(j, c),
        None => {
            j.null();
        }
    }
}

/// A path's on-wire text without its angle brackets: `""` for the null
/// reverse path, `"Postmaster"` for `<Postmaster>`.
fn unbracketed(wire: &str) -> &str {
    wire.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(wire)
}

pub(crate) fn reverse_path(j: &mut Json, p: &ReversePath) {
    j.string(unbracketed(&p.to_string()));
}

pub(crate) fn forward_path(j: &mut Json, p: &ForwardPath) {
    j.string(unbracketed(&p.to_string()));
}

fn other_params(j: &mut Json, other: &[smtp_core::command::OtherParameter]) {
    j.key("other").begin_array();
    for p in other {
        j.begin_object();
        j.key("keyword").string(&p.keyword);
        j.key("value").opt_string(p.value.as_deref());
        j.end_object();
    }
    j.end_array();
}

pub(crate) fn mail_params(j: &mut Json, p: &MailParameters) {
    j.begin_object();
    j.key("size").opt_number(p.size);
    j.key("body").opt_string(p.body.map(|b| match b {
        BodyType::SevenBit => "7BIT",
        BodyType::EightBitMime => "8BITMIME",
        BodyType::BinaryMime => "BINARYMIME",
        _ => "OTHER",
    }));
    j.key("smtputf8").boolean(p.smtputf8);
    j.key("ret").opt_string(p.ret.map(|r| match r {
        Ret::Full => "FULL",
        Ret::Headers => "HDRS",
        _ => "OTHER",
    }));
    j.key("envid").opt_string(p.envid.as_deref());
    j.key("auth").opt_string(p.auth.as_deref());
    j.key("requiretls").boolean(p.requiretls);
    other_params(j, &p.other);
    j.end_object();
}

pub(crate) fn rcpt_params(j: &mut Json, p: &RcptParameters) {
    j.begin_object();
    j.key("notify");
    match &p.notify {
        None => {
            j.null();
        }
        Some(Notify::On {
            success,
            failure,
            delay,
        }) => {
            j.begin_array();
            for (on, name) in [(success, "SUCCESS"), (failure, "FAILURE"), (delay, "DELAY")] {
                if *on {
                    j.string(name);
                }
            }
            j.end_array();
        }
        Some(_) => {
            j.begin_array().string("NEVER").end_array();
        }
    }
    j.key("orcpt");
    match &p.orcpt {
        Some(o) => {
            j.begin_object()
                .key("addrType")
                .string(&o.addr_type)
                .key("address")
                .string(&o.address)
                .end_object();
        }
        None => {
            j.null();
        }
    }
    other_params(j, &p.other);
    j.end_object();
}

/// A transaction's replies: the MAIL reply, one entry per recipient (with
/// core's verdict `accepted`), the end-of-data reply (SMTP), and the
/// refused recipients as core counts them (smtplib's `sendmail` result).
pub(crate) fn mail_result(j: &mut Json, r: &MailResult) {
    j.begin_object();
    j.key("mailReply");
    opt_reply(j, r.mail_reply.as_ref());
    j.key("recipients").begin_array();
    for rcpt in &r.recipients {
        j.begin_object();
        j.key("index").number(rcpt.index as u64);
        j.key("path");
        forward_path(j, &rcpt.path);
        j.key("rcptReply");
        reply(j, &rcpt.rcpt_reply);
        j.key("deliveryReply");
        opt_reply(j, rcpt.delivery_reply.as_ref());
        j.key("accepted").boolean(rcpt.accepted());
        j.end_object();
    }
    j.end_array();
    j.key("dataReply");
    opt_reply(j, r.data_reply.as_ref());
    j.key("accepted").number(r.accepted() as u64);
    j.key("refused").begin_array();
    for (rcpt, refusal) in r.refused() {
        j.begin_object();
        j.key("index").number(rcpt.index as u64);
        j.key("path");
        forward_path(j, &rcpt.path);
        j.key("reply");
        reply(j, refusal);
        j.end_object();
    }
    j.end_array();
    j.end_object();
}

/// A reply the server application gives: a code and its text (an enhanced
/// status at the start of the first line is recognised), or, with
/// `enhanced`, that status in front of every line (RFC 2034 §3).
pub(crate) fn reply_from_js(
    code: u16,
    enhanced: Option<String>,
    text: &str,
) -> Result<Reply, wasm_bindgen::JsValue> {
    let Some(code) = ReplyCode::new(code) else {
        return Err(errors::type_error(&format!(
            "reply code {code} is not a valid SMTP code (2yz-5yz, second digit 0-5)"
        )));
    };
    match enhanced {
        None => Ok(Reply::new(code, text)),
        Some(e) => {
            let status = EnhancedStatus::parse(e.as_bytes()).ok_or_else(|| {
                errors::type_error(&format!("{e:?} is not an enhanced status code (x.y.z)"))
            })?;
            Ok(Reply::with_enhanced(code, status, text))
        }
    }
}

/// The variant name of an enum value, from its `Debug` form: how a
/// fieldless value (`Phase`, `Stage`...) reaches JS, and how a variant
/// added to core after this binding still shows its name.
pub(crate) fn variant<T: core::fmt::Debug>(value: T) -> String {
    let debug = format!("{value:?}");
    let end = debug
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(debug.len());
    debug.get(..end).unwrap_or(&debug).to_string()
}

/// What the client machine waits for, e.g. `"Greeting"`, `"Idle"`.
pub(crate) fn phase(p: smtp_core::client::Phase) -> String {
    variant(p)
}

#[cfg(test)]
mod tests;
