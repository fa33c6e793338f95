//! What the session has established so far: the greeting command, TLS,
//! authentication and the open mail transaction. The command checks read
//! it; only the application's answers (and the TLS handshake) change it.

use crate::address::ForwardPathRef;
use crate::command::BodyType;
use crate::ehlo::Extensions;
use crate::session::HelloKind;

use super::config::ServerConfig;
use super::recipients::RecipientList;

/// The open mail transaction (RFC 5321 §3.3).
#[derive(Debug)]
pub(super) struct Transaction {
    /// MAIL carried SMTPUTF8: UTF-8 is allowed in RCPT (RFC 6531 §3.4).
    smtputf8: bool,
    /// MAIL's BODY= value.
    body: Option<BodyType>,
    /// A BDAT chunk was received: DATA is then a 503 (RFC 3030 §2).
    bdat_used: bool,
    /// Message octets handed over so far.
    octets: u64,
    /// The message passed the SIZE limit: the rest is drained.
    oversize: bool,
}

impl Transaction {
    pub(super) fn body(&self) -> Option<BodyType> {
        self.body
    }
    pub(super) fn bdat_used(&self) -> bool {
        self.bdat_used
    }
    pub(super) fn octets(&self) -> u64 {
        self.octets
    }
    pub(super) fn is_oversize(&self) -> bool {
        self.oversize
    }

    /// A BDAT chunk belongs to this transaction (RFC 3030 §2).
    pub(super) fn use_bdat(&mut self) {
        self.bdat_used = true;
    }

    /// The DATA body's octet count once it ended.
    pub(super) fn set_octets(&mut self, octets: u64) {
        self.octets = octets;
    }

    /// `n` more octets of a BDAT chunk; returns how many of them to hand
    /// over: those under `limit` (RFC 1870 §6). Past it the message is
    /// oversize, and nothing more is handed over.
    pub(super) fn add_octets(&mut self, n: usize, limit: Option<u64>) -> usize {
        let room = super::message::room(limit, self.octets);
        self.octets = self.octets.saturating_add(n as u64);
        if n > room {
            self.oversize = true;
        }
        n.min(room)
    }
}

/// The session's state as far as the protocol is concerned.
#[derive(Debug)]
pub(super) struct Session {
    hello: Option<HelloKind>,
    tls: bool,
    authenticated: bool,
    transaction: Option<Transaction>,
    /// The open transaction's recipients (empty without one); its memory
    /// is reused from transaction to transaction.
    recipients: RecipientList,
}

impl Session {
    pub(super) fn new(tls: bool) -> Session {
        Session {
            hello: None,
            tls,
            authenticated: false,
            transaction: None,
            recipients: RecipientList::default(),
        }
    }

    pub(super) fn hello(&self) -> Option<HelloKind> {
        self.hello
    }
    pub(super) fn is_tls(&self) -> bool {
        self.tls
    }
    pub(super) fn is_authenticated(&self) -> bool {
        self.authenticated
    }
    pub(super) fn transaction(&self) -> Option<&Transaction> {
        self.transaction.as_ref()
    }
    pub(super) fn transaction_mut(&mut self) -> Option<&mut Transaction> {
        self.transaction.as_mut()
    }
    /// The open transaction's accepted recipients.
    pub(super) fn recipients(&self) -> &RecipientList {
        &self.recipients
    }

    /// Whether `ext` is in force: offered, and the client said EHLO/LHLO
    /// (extensions do not exist after HELO, RFC 5321 §2.2.1).
    pub(super) fn ext_on(&self, cfg: &ServerConfig, ext: Extensions) -> bool {
        self.hello.is_some_and(HelloKind::is_extended) && cfg.offers(ext)
    }

    /// Whether AUTH may be used now: offered, and TLS is on or not
    /// required (RFC 4954 §4).
    pub(super) fn auth_usable(&self, cfg: &ServerConfig) -> bool {
        cfg.auth_usable(self.tls)
    }

    /// UTF-8 in command arguments: only with MAIL's SMTPUTF8, for the rest
    /// of that transaction (RFC 6531 §3.4).
    pub(super) fn utf8_allowed(&self) -> bool {
        self.transaction.as_ref().is_some_and(|t| t.smtputf8)
    }

    // ---- what answers change ----

    /// A positive reply to EHLO/HELO/LHLO: the transaction is cleared
    /// (RFC 5321 §4.1.4).
    pub(super) fn greeted(&mut self, kind: HelloKind) {
        self.hello = Some(kind);
        self.end_transaction();
    }

    /// A positive reply to MAIL opens a transaction.
    pub(super) fn open_transaction(&mut self, smtputf8: bool, body: Option<BodyType>) {
        self.transaction = Some(Transaction {
            smtputf8,
            body,
            bdat_used: false,
            octets: 0,
            oversize: false,
        });
        self.recipients.clear();
    }

    /// RCPT is reported: its recipient is kept tentatively (the command
    /// line it came from is gone once answered).
    pub(super) fn propose_recipient(&mut self, to: &ForwardPathRef<'_>) {
        self.recipients.propose(to);
    }

    /// The answer to RCPT: the recipient is kept only when it is positive.
    pub(super) fn recipient_answered(&mut self, accepted: bool) {
        if accepted && self.transaction.is_some() {
            self.recipients.confirm();
        } else {
            self.recipients.withdraw();
        }
    }

    /// RSET, the end of a message, a failed chunk.
    pub(super) fn end_transaction(&mut self) {
        self.transaction = None;
        self.recipients.clear();
    }

    pub(super) fn authenticated(&mut self) {
        self.authenticated = true;
    }

    /// The TLS handshake succeeded: everything learnt before is forgotten
    /// (RFC 3207 §4.2).
    pub(super) fn tls_started(&mut self) {
        self.hello = None;
        self.tls = true;
        self.authenticated = false;
        self.end_transaction();
    }
}
