//! What a reply means for the exchange it ends: the command-reply sequences
//! of RFC 5321 §4.3.2, and those the extensions add (STARTTLS, RFC 3207 §4;
//! AUTH, RFC 4954 §4 and §6; BDAT, RFC 3030 §2).
//!
//! The machine judges every reply with [`reply_meaning`]. A caller that
//! sends commands one at a time and reads each reply itself (with
//! [`send_command`](super::ClientConnection::send_command), or over its own
//! connection) asks the same function, so each rule is written once.

use crate::reply::ReplyCode;

/// One command-reply exchange (RFC 5321 §4.3.2), named by its command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Exchange {
    /// The server's greeting when the connection opens.
    Greeting,
    /// EHLO, HELO or LHLO (RFC 2033 §4.1).
    Hello,
    /// STARTTLS (RFC 3207 §4).
    StartTls,
    /// One step of AUTH (RFC 4954 §4): 334 asks for the next response.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA, up to the 354 that invites the body.
    Data,
    /// The end of the message data: the final dot, or `BDAT ... LAST`
    /// (in LMTP, each of the per-recipient replies, RFC 2033 §4.2).
    DataEnd,
    /// A BDAT chunk that is not the last (RFC 3030 §2).
    Bdat,
    /// RSET.
    Rset,
    /// VRFY.
    Vrfy,
    /// EXPN.
    Expn,
    /// HELP.
    Help,
    /// NOOP.
    Noop,
    /// QUIT.
    Quit,
}

/// What a reply says about its exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplyMeaning {
    /// The exchange succeeded.
    Success,
    /// The server wants more from the client: 354 after DATA, 334 in AUTH.
    Intermediate,
    /// The exchange failed; the session goes on.
    Failure,
    /// 421 (RFC 5321 §3.8): the server is closing the connection; the
    /// exchange failed and nothing more will be answered.
    Closing,
}

/// RFC 5321 §3.8: the service is closing the transmission channel.
const SERVICE_CLOSING: u16 = 421;

/// What `code` means as the reply to `exchange`.
///
/// Success is the code the sequence names, not any 2yz: RFC 5321 §4.3.2
/// lists `S: 250` for MAIL, `S: 250, 251` for RCPT, `S: 220` for the
/// greeting, and so on; a code it does not list is a failure. After QUIT,
/// 421 is just a failure: the connection is closing anyway.
pub fn reply_meaning(exchange: Exchange, code: ReplyCode) -> ReplyMeaning {
    if is_service_closing(code) && exchange != Exchange::Quit {
        return ReplyMeaning::Closing;
    }
    let code = code.get();
    let (success, intermediate): (&[u16], &[u16]) = match exchange {
        Exchange::Greeting | Exchange::StartTls => (&[220], &[]),
        Exchange::Hello
        | Exchange::Mail
        | Exchange::DataEnd
        | Exchange::Bdat
        | Exchange::Rset
        | Exchange::Noop => (&[250], &[]),
        // §3.4: 251, "user not local; will forward".
        Exchange::Rcpt => (&[250, 251], &[]),
        Exchange::Data => (&[], &[354]),
        // RFC 4954 §6: 235 authenticated; §4: 334 a challenge.
        Exchange::Auth => (&[235], &[334]),
        // §3.5.3: 252, "cannot VRFY user, but will accept message".
        Exchange::Vrfy => (&[250, 251, 252], &[]),
        Exchange::Expn => (&[250, 252], &[]),
        Exchange::Help => (&[211, 214], &[]),
        Exchange::Quit => (&[221], &[]),
    };
    if success.contains(&code) {
        ReplyMeaning::Success
    } else if intermediate.contains(&code) {
        ReplyMeaning::Intermediate
    } else {
        ReplyMeaning::Failure
    }
}

/// 421 (RFC 5321 §3.8): the server is closing the channel, whatever was
/// asked; it may also say so unprompted.
pub(crate) fn is_service_closing(code: ReplyCode) -> bool {
    code.get() == SERVICE_CLOSING
}

/// Whether `code` is a success reply to `exchange`.
pub(crate) fn succeeded(exchange: Exchange, code: ReplyCode) -> bool {
    reply_meaning(exchange, code) == ReplyMeaning::Success
}

#[cfg(test)]
mod tests;
