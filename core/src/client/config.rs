//! Client configuration and its defaults.

use alloc::vec::Vec;

use crate::address::Domain;
use crate::auth::{Mechanism, DEFAULT_PREFERENCE};
use crate::body::BareLineEndingPolicy;
use crate::command::CommandSpelling;
use crate::reply::ReplyParserConfig;
use crate::timer::ClientTimeouts;

/// BDAT chunk size when the envelope does not name one. RFC 3030 sets no
/// figure. Servers spend a fixed cost per chunk (Postfix reads a 10 MiB
/// body 1.6 times faster in 1 MiB chunks than in 256 KiB ones, measured in
/// `bindings-python/benches`), and without PIPELINING each chunk waits a
/// round trip; the client stages at most one chunk, so 1 MiB is also the
/// memory it holds for a body.
pub const DEFAULT_BDAT_CHUNK_SIZE: usize = 1024 * 1024;

/// Pipelined BDAT chunks in flight at once, at most. Chunks the envelope
/// does not size are [`ClientConfig::max_in_flight`] divided by this (or
/// [`ClientConfig::bdat_chunk_size`] when smaller), and the window is the
/// smaller of `max_in_flight` and this many chunks. A server answers each
/// chunk of a doomed transaction with a 5yz, and servers count those
/// toward an error limit that ends the session (Postfix's
/// `smtpd_hard_error_limit` is 20); four keeps a failed transaction far
/// below it while the server always has the next chunk to read while it
/// answers one.
pub const MAX_PIPELINED_CHUNKS: usize = 4;

/// Body octets a client may send ahead of the replies that judge them,
/// when the server offers PIPELINING and CHUNKING: see
/// [`ClientConfig::max_in_flight`].
///
/// RFC 3030 sets no figure. The window sets the pace of a large body: 4 MiB
/// per round trip is about 330 Mbit/s on a path of 100 ms, and lets a
/// sender use chunks of 1 MiB with four in flight (servers spend a fixed
/// cost per chunk: Postfix reads a 10 MiB body 1.6 times faster in 1 MiB
/// chunks than in 256 KiB ones, measured in `bindings-python/benches`). A
/// transaction the server refuses (every recipient refused, a chunk
/// refused) wastes at most that much: a tenth of a second of such a link.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4 * 1024 * 1024;

/// How many octets may wait in the transmit buffer before
/// [`send_body`](crate::ClientConnection::send_body) refuses more with
/// [`LocalError::BufferFull`](crate::LocalError::BufferFull). Not an RFC
/// figure: it bounds the client's own memory.
pub const DEFAULT_TRANSMIT_HIGH_WATER: usize = 64 * 1024;

/// 334 challenges accepted in one AUTH exchange. RFC 4954 sets no bound;
/// every mechanism here needs at most 2, and smtplib allows 5.
pub const DEFAULT_MAX_AUTH_CHALLENGES: usize = 5;

/// When the RSET that follows a failed transaction is sent
/// (RFC 5321 §4.1.1.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ResetPolicy {
    /// At once, before the failure is even read by the caller (what
    /// smtplib does).
    #[default]
    Immediate,
    /// In front of the caller's next command, and not at all when that
    /// command is QUIT or RSET (RFC 2920 §4 ends a failed group with QUIT
    /// alone).
    Deferred,
}

/// Settings of one [`ClientConnection`](crate::ClientConnection).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The argument of EHLO/HELO/LHLO: this host's name or address literal
    /// (RFC 5321 §4.1.1.1).
    pub hello_domain: Domain,
    /// The connection is TLS from its first byte (RFC 8314 §3, smtplib's
    /// `SMTP_SSL`): [`is_tls`](crate::ClientConnection::is_tls) is true at
    /// once and STARTTLS is refused.
    pub implicit_tls: bool,
    /// Speak LMTP (RFC 2033): LHLO instead of EHLO, one reply per accepted
    /// recipient after the body.
    pub lmtp: bool,
    /// Send EHLO (LHLO) by itself after the greeting and after the TLS
    /// handshake, with HELO fallback on 5yz. Off for callers that say hello
    /// themselves (smtplib's lazy `ehlo_or_helo_if_needed`).
    pub auto_hello: bool,
    /// When to RSET after a failed transaction.
    pub reset_after_failure: ResetPolicy,
    /// Reply timers (RFC 5321 §4.5.3.2).
    pub timeouts: ClientTimeouts,
    /// Reply limits: line length (RFC 5321 §4.5.3.1.5), lines and octets
    /// per reply; a reply over them is a fatal
    /// [`RemoteError`](crate::RemoteError).
    pub reply_limits: ReplyParserConfig,
    /// SASL mechanisms in order of preference for
    /// [`authenticate`](crate::ClientConnection::authenticate).
    pub auth_preference: Vec<Mechanism>,
    /// Send the SASL initial response with the AUTH command when the
    /// mechanism has one and the line fits (RFC 4954 §4).
    pub auth_initial_response: bool,
    /// Bound on 334 challenges in one AUTH exchange.
    pub max_auth_challenges: usize,
    /// LOGIN: send the username as an initial response, as Python's
    /// smtplib does (the LOGIN draft has none).
    pub login_initial_username: bool,
    /// BDAT chunk size for [`BodyMode::Auto`](crate::client::BodyMode::Auto).
    pub bdat_chunk_size: usize,
    /// With PIPELINING and CHUNKING offered, how many body octets may be
    /// sent before their replies come (see [`DEFAULT_MAX_IN_FLIGHT`]).
    ///
    /// Above 0, BDAT is pipelined: [`Event::ReadyForBody`](crate::client::Event::ReadyForBody)
    /// comes right after [`send_mail`](crate::ClientConnection::send_mail),
    /// so MAIL, every RCPT and the first chunks leave together (RFC 2920
    /// §3.1 does not let BDAT end a group) and a small message costs one
    /// round trip; later chunks go without waiting for each chunk's reply
    /// (RFC 3030 §2: such a server discards chunks already in the pipeline
    /// after a failed one). Chunks are then at most this long, so a failed
    /// transaction wastes at most this many octets. 0 sends each chunk
    /// only once every earlier reply is in, as without PIPELINING.
    /// DATA bodies are not affected: DATA ends a group (RFC 2920 §3.1).
    pub max_in_flight: usize,
    /// See [`DEFAULT_TRANSMIT_HIGH_WATER`].
    pub transmit_high_water: usize,
    /// Bare CR/LF in DATA bodies: normalised to CRLF or refused
    /// (RFC 5321 §2.3.8).
    pub line_endings: BareLineEndingPolicy,
    /// The case of the commands the machine writes (default upper case;
    /// [`CommandSpelling::LowerCase`] writes Python smtplib's bytes).
    pub command_spelling: CommandSpelling,
}

impl ClientConfig {
    /// SMTP/ESMTP defaults, saying hello as `hello_domain`.
    pub fn new(hello_domain: Domain) -> Self {
        ClientConfig {
            hello_domain,
            implicit_tls: false,
            lmtp: false,
            auto_hello: true,
            reset_after_failure: ResetPolicy::Immediate,
            timeouts: ClientTimeouts::default(),
            reply_limits: ReplyParserConfig::default(),
            auth_preference: DEFAULT_PREFERENCE.to_vec(),
            auth_initial_response: true,
            max_auth_challenges: DEFAULT_MAX_AUTH_CHALLENGES,
            login_initial_username: false,
            bdat_chunk_size: DEFAULT_BDAT_CHUNK_SIZE,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            transmit_high_water: DEFAULT_TRANSMIT_HIGH_WATER,
            line_endings: BareLineEndingPolicy::Normalize,
            command_spelling: CommandSpelling::Upper,
        }
    }

    /// LMTP defaults (RFC 2033).
    pub fn lmtp(hello_domain: Domain) -> Self {
        ClientConfig {
            lmtp: true,
            ..ClientConfig::new(hello_domain)
        }
    }
}
