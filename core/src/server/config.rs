//! What a [`ServerConnection`](super::ServerConnection) offers and enforces.

use alloc::string::String;
use alloc::vec::Vec;

use crate::command::Leniency;
use crate::ehlo::Extensions;
use crate::framing::{MAX_COMMAND_LINE, MAX_TEXT_LINE};
use crate::timer::SERVER_IDLE_TIMEOUT_MS;

use super::limits::CallLimits;

/// Recipients kept per transaction. RFC 5321 §4.5.3.1.8 requires room for
/// at least 100; past the limit RCPT gets 452 (§4.5.3.1.10).
pub const DEFAULT_MAX_RECIPIENTS: usize = 100;

/// Bad commands tolerated before the session is closed with 421.
/// RFC 5321 §4.3.2 leaves the figure to the server; 10 is between exim's
/// default (3) and Postfix's hard limit (20).
pub const DEFAULT_MAX_BAD_COMMANDS: u32 = 10;

/// Unprocessed input held while the application has not answered yet.
///
/// A pipelined group (RFC 2920 §3.1) may carry MAIL, the 100 recipients of
/// RFC 5321 §4.5.3.1.8 at up to 512 octets each (§4.5.3.1.4) and DATA:
/// 102 × 512 = 52 224 octets, which fits in 64 KiB. Callers should stop
/// reading the socket while [`ServerConnection::wants_input`] is false. A
/// read taken while the machine wanted input is kept whole, whatever its
/// size (the caller's read size bounds it); input fed while it did not
/// want any counts against this bound, and past it the client is
/// disconnected with 421.
///
/// [`ServerConnection::wants_input`]: super::ServerConnection::wants_input
pub const DEFAULT_MAX_BUFFERED_INPUT: usize = 64 * 1024;

/// The text after the host name in the default greeting.
const DEFAULT_GREETING: &str = "ESMTP ready";

/// The first reply of the session (RFC 5321 §3.1, §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Greeting {
    /// `220 <hostname> <text>`: service ready.
    Ready(String),
    /// `554 <hostname> <text>`: no service. The session then answers every
    /// command except QUIT with 503 and waits for QUIT (RFC 5321 §3.1).
    NoService(String),
    /// `421 <hostname> <text>`: not available now (e.g. too many
    /// connections); the session ends at once, after the greeting (RFC 5321
    /// §3.1, §3.8).
    Unavailable(String),
}

/// What to do with a bare CR or LF inside DATA (RFC 5321 §2.3.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BareLineEndings {
    /// Stream the message as sent, then refuse it after its terminator with
    /// `550 5.6.0`. The default: a bare line ending in DATA is the raw
    /// material of SMTP smuggling.
    Refuse,
    /// Turn every bare CR and bare LF into CRLF before handing the data
    /// over, and accept the message.
    Normalize,
}

/// What to do with a text line over the limit inside DATA
/// (RFC 5321 §4.5.3.1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LongLines {
    /// Stream the message, then refuse it after its terminator with
    /// `550 5.6.0` (the RFC's 1000-octet rule; the default).
    Refuse,
    /// Accept the message anyway.
    Accept,
}

/// Server configuration: what is advertised, what is enforced, the limits.
///
/// Build it with [`ServerConfig::new`] and set the public fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// This server's name: first word of the greeting, EHLO and 221/421
    /// replies.
    pub hostname: String,
    /// The greeting sent at start.
    pub greeting: Greeting,
    /// Speak LMTP (RFC 2033): LHLO instead of EHLO/HELO and one reply per
    /// accepted recipient after the message. PIPELINING and
    /// ENHANCEDSTATUSCODES are then always on (RFC 2033 §5).
    pub lmtp: bool,
    /// Extensions to offer in the EHLO/LHLO reply. Commands of an extension
    /// not offered get 502 and its parameters 555. VRFY, EXPN and HELP are
    /// enabled only when their bit is set. AUTH is offered when
    /// [`auth_mechanisms`](Self::auth_mechanisms) is not empty, STARTTLS
    /// only before TLS, REQUIRETLS only after it (RFC 8689 §2).
    pub extensions: Extensions,
    /// SIZE limit in octets (RFC 1870); `None` advertises no limit when
    /// SIZE is offered and enforces none.
    pub max_message_size: Option<u64>,
    /// AUTH mechanisms offered, upper-case, e.g. `"PLAIN"` (RFC 4954).
    pub auth_mechanisms: Vec<String>,
    /// Mechanisms of [`auth_mechanisms`](Self::auth_mechanisms) the
    /// application runs itself, upper-case (e.g. a site-specific one, or
    /// its own `PLAIN`). AUTH with one of them becomes
    /// [`Event::SaslStep`](super::Event::SaslStep): the application decides
    /// each step, and the machine still frames the exchange (334
    /// challenges, base64, the SASL line limit, `*` to cancel; RFC 4954
    /// §4). A name listed here and not in `auth_mechanisms` is not offered.
    pub application_mechanisms: Vec<String>,
    /// AUTH only over TLS: AUTH on a plain connection gets 538
    /// (RFC 4954 §6) and is not advertised there. Default true.
    pub auth_requires_tls: bool,
    /// The JSON error status sent (base64, in a 334) when the application
    /// refuses an XOAUTH2/OAUTHBEARER token (RFC 7628 §3.2.2), e.g. with
    /// the server's `scope`; `None` sends
    /// [`DEFAULT_OAUTH_ERROR`](crate::auth::DEFAULT_OAUTH_ERROR).
    pub oauth_error: Option<String>,
    /// MAIL before a successful AUTH gets 530 5.7.0 (RFC 4954 §6).
    pub auth_required: bool,
    /// Before STARTTLS, every command but NOOP, EHLO (LHLO in LMTP),
    /// STARTTLS and QUIT gets `530 5.7.0 Must issue a STARTTLS command
    /// first` (RFC 3207 §4).
    pub tls_required: bool,
    /// The connection is already encrypted (implicit TLS, RFC 8314 §3.3).
    pub implicit_tls: bool,
    /// Idle timeout waiting for a command or for data, in milliseconds
    /// (RFC 5321 §4.5.3.2.7: at least 5 minutes); `None` disables it.
    pub timeout_ms: Option<u64>,
    /// Bad commands tolerated before 421.
    pub max_bad_commands: u32,
    /// How often one verb may be used in a session; the use past its limit
    /// gets 421 and the session ends (a client looping on NOOP or VRFY;
    /// aiosmtpd's `command_call_limit`). `None`: no limit.
    pub call_limits: Option<CallLimits>,
    /// Unknown verbs tolerated in a session; the next one gets 421 and the
    /// session ends. They count as bad commands too; `None`: only
    /// [`max_bad_commands`](Self::max_bad_commands) applies.
    pub max_unknown_commands: Option<u32>,
    /// Longest local part accepted in a MAIL or RCPT path, in octets
    /// (decoded); longer gets 501. RFC 5321 §4.5.3.1.1 names 64 and asks
    /// servers to accept longer ones where they can; `None` (the default)
    /// sets no limit beyond the command line's.
    pub max_local_part: Option<usize>,
    /// Recipients accepted per transaction before 452.
    pub max_recipients: usize,
    /// Command line limit, CRLF included (RFC 5321 §4.5.3.1.4).
    pub max_command_line: usize,
    /// Text line limit inside DATA, CRLF included (RFC 5321 §4.5.3.1.6).
    pub max_text_line: usize,
    /// Unprocessed input kept while waiting for the application, counting
    /// what was fed while [`ServerConnection::wants_input`] was false (see
    /// [`DEFAULT_MAX_BUFFERED_INPUT`]).
    ///
    /// [`ServerConnection::wants_input`]: super::ServerConnection::wants_input
    pub max_buffered_input: usize,
    /// Bare CR/LF inside DATA.
    pub bare_line_endings: BareLineEndings,
    /// Over-long text lines inside DATA.
    pub long_lines: LongLines,
    /// Accept command lines ended by a bare LF (RFC 5321 §2.3.8 says they
    /// end with CRLF; off by default: such a line gets 500).
    pub lenient_command_lines: bool,
    /// What command lines may hold beyond the grammar (paths without angle
    /// brackets, an argument to QUIT); none by default.
    pub leniency: Leniency,
    /// Verbs the application serves itself, upper-case (e.g. `"XCLIENT"`).
    /// A command with one of them that this configuration does not serve
    /// (unknown to the machine, or switched off, like EXPN or AUTH without
    /// mechanisms) becomes [`Event::Command`](super::Event::Command)
    /// instead of a 500/502. BDAT, whose octets must be read off the wire
    /// (RFC 3030 §2), is never handed over.
    pub application_verbs: Vec<String>,
    /// The application words the machine's refusals: with this on,
    /// [`Event::CommandRefused`](super::Event::CommandRefused) and
    /// [`Event::MessageRefused`](super::Event::MessageRefused) await an
    /// answer. `accept()` sends the machine's reply; `reply()` may change
    /// its text and its code within the same class (first digit), e.g. a
    /// face keeping an older server's wording. The machine has decided
    /// either way: the refusal's effect does not change. Off by default.
    pub worded_refusals: bool,
    /// The first line of the EHLO/LHLO reply, after the code, instead of
    /// `"<hostname> Hello <client>"`; the capability lines stay the
    /// machine's (RFC 5321 §4.1.1.1 leaves the greeting text free).
    pub ehlo_greeting: Option<String>,
    /// Extensions served but not listed in the EHLO reply: VRFY, EXPN and
    /// HELP are commands of RFC 5321 itself (§4.1.1.6-8), which a server
    /// may serve without advertising them.
    pub unlisted: Extensions,
    /// LOGIN's two challenges (username, password), sent base64-encoded;
    /// `None` sends `Username:` and `Password:`.
    pub login_prompts: Option<(String, String)>,
}

impl ServerConfig {
    /// A configuration for `hostname` offering the extensions most servers
    /// offer: PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, SMTPUTF8 and SIZE
    /// without a limit; no AUTH, no STARTTLS.
    pub fn new(hostname: &str) -> Self {
        ServerConfig {
            hostname: String::from(hostname),
            greeting: Greeting::Ready(String::from(DEFAULT_GREETING)),
            lmtp: false,
            extensions: Extensions::PIPELINING
                | Extensions::EIGHT_BIT_MIME
                | Extensions::ENHANCED_STATUS_CODES
                | Extensions::SMTPUTF8
                | Extensions::SIZE,
            max_message_size: None,
            auth_mechanisms: Vec::new(),
            application_mechanisms: Vec::new(),
            auth_requires_tls: true,
            oauth_error: None,
            auth_required: false,
            tls_required: false,
            implicit_tls: false,
            timeout_ms: Some(SERVER_IDLE_TIMEOUT_MS),
            max_bad_commands: DEFAULT_MAX_BAD_COMMANDS,
            call_limits: None,
            max_local_part: None,
            max_unknown_commands: None,
            max_recipients: DEFAULT_MAX_RECIPIENTS,
            max_command_line: MAX_COMMAND_LINE,
            max_text_line: MAX_TEXT_LINE,
            max_buffered_input: DEFAULT_MAX_BUFFERED_INPUT,
            bare_line_endings: BareLineEndings::Refuse,
            long_lines: LongLines::Refuse,
            lenient_command_lines: false,
            leniency: Leniency::default(),
            application_verbs: Vec::new(),
            worded_refusals: false,
            ehlo_greeting: None,
            unlisted: Extensions::NONE,
            login_prompts: None,
        }
    }

    /// The same configuration in LMTP mode (RFC 2033); the default
    /// greeting then says LMTP.
    pub fn lmtp(mut self) -> Self {
        self.lmtp = true;
        if self.greeting == Greeting::Ready(String::from(DEFAULT_GREETING)) {
            self.greeting = Greeting::Ready(String::from("LMTP ready"));
        }
        self
    }

    /// Whether AUTH may be used on a connection with TLS `tls`: offered,
    /// and TLS is on or not required (RFC 4954 §4).
    pub(crate) fn auth_usable(&self, tls: bool) -> bool {
        !self.auth_mechanisms.is_empty() && (tls || !self.auth_requires_tls)
    }

    /// Whether the application runs `mechanism` itself
    /// ([`application_mechanisms`](Self::application_mechanisms)).
    pub(crate) fn runs_mechanism(&self, mechanism: &str) -> bool {
        self.application_mechanisms
            .iter()
            .any(|m| m.eq_ignore_ascii_case(mechanism))
    }

    /// Whether the greeting refused service (554, RFC 5321 §3.1).
    pub(crate) fn greeting_refused(&self) -> bool {
        matches!(self.greeting, Greeting::NoService(_))
    }

    /// Whether `ext` goes in the EHLO reply: offered and not unlisted.
    pub(crate) fn lists(&self, ext: Extensions) -> bool {
        self.offers(ext) && !self.unlisted.contains(ext)
    }

    /// Whether `ext` is offered (LMTP forces PIPELINING and
    /// ENHANCEDSTATUSCODES on, RFC 2033 §5).
    pub(crate) fn offers(&self, ext: Extensions) -> bool {
        let forced = if self.lmtp {
            Extensions::PIPELINING | Extensions::ENHANCED_STATUS_CODES
        } else {
            Extensions::NONE
        };
        self.extensions.union(forced).contains(ext)
    }
}
