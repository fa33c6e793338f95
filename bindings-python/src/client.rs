//! `sendmail` driven by `smtp_core::client::ClientConnection`.
//!
//! smtplib's objects talk to the server with their own `putcmd`/`getreply`
//! between transactions; a [`MailMachine`] is a client machine resumed in
//! the state those left the session in (greeted, EHLO answered with the
//! reply smtplib stored) and then runs whole transactions: pipelining
//! (RFC 2920), BDAT (RFC 3030), LMTP's per-recipient replies (RFC 2033
//! §4.2), RSET after a failure, 421 handling. Python only moves bytes and
//! turns the outcome into smtplib's return value or exception.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use smtp_core::client::{
    BodyMode, ClientConfig, ClientConnection, Envelope, Event, MailResult, Recipient, Stage,
    DEFAULT_MAX_IN_FLIGHT,
};
use smtp_core::command::CommandSpelling;
use smtp_core::reply::{ReplyError, ReplyParserConfig};
use smtp_core::{
    ClientTimeouts, Command, Domain, HelloKind, LocalError, RemoteError, Reply, ReplyCode,
    Security, SessionState, Timestamp,
};

use crate::outcome::Ending;
use crate::reply::{smtplib_text, unreadable, value_error, MAX_REPLY_LINES};

/// The write buffer may hold a whole body chunk of `sendmail` (1 MiB) plus
/// the commands in front of it: Python drains it after every call.
const TRANSMIT_HIGH_WATER: usize = 4 << 20;

/// How a transaction ended.
enum Outcome {
    Finished(MailResult),
    Failed {
        stage: Stage,
        reply: Reply,
        result: MailResult,
    },
    /// 421 (RFC 5321 §3.8) with no transaction outcome before it.
    Closing {
        reply: Reply,
    },
    /// The server broke the protocol, closed, or a timer fired.
    Broken(String),
    /// A reply too long to read: smtplib's SMTPResponseException.
    Unreadable(i32, String),
}

/// A client machine resumed after smtplib's greeting and EHLO.
#[pyclass(module = "smtplib_rs._core")]
pub struct MailMachine {
    conn: ClientConnection,
    outcome: Option<Outcome>,
    ready_for_body: bool,
    /// The server said 421 (RFC 5321 §3.8): the caller closes the socket.
    service_closing: bool,
}

fn now() -> Timestamp {
    // The machine's timers are off (smtplib's socket timeout applies), so
    // time only orders events: a constant is enough.
    Timestamp(0)
}

/// smtplib's `(code, msg)` of a reply.
fn reply_parts<'py>(
    py: Python<'py>,
    reply: &Reply,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    Ok((
        i32::from(reply.code().get()).into_pyobject(py)?.into_any(),
        PyBytes::new(py, &smtplib_text(reply)).into_any(),
    ))
}

impl MailMachine {
    fn drain(&mut self) {
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                Event::ReadyForBody => self.ready_for_body = true,
                Event::TransactionFinished { result } => {
                    self.outcome = Some(Outcome::Finished(result));
                }
                Event::TransactionFailed {
                    stage,
                    reply,
                    result,
                } => {
                    self.outcome = Some(Outcome::Failed {
                        stage,
                        reply,
                        result,
                    });
                }
                Event::ServiceClosing { reply, .. } => {
                    self.service_closing = true;
                    // The transaction's own outcome (the machine reports it
                    // first) stands; the 421 only adds that the server is
                    // closing.
                    if self.outcome.is_none() {
                        self.outcome = Some(Outcome::Closing { reply });
                    }
                }
                Event::Failed(e) => {
                    self.outcome = Some(match unreadable_remote(&e) {
                        Some((code, msg)) => Outcome::Unreadable(code, msg),
                        None => Outcome::Broken(e.to_string()),
                    });
                }
                Event::Closed { .. } if self.outcome.is_none() => {
                    self.outcome = Some(Outcome::Broken("Connection unexpectedly closed".into()));
                }
                Event::TimedOut { .. } => {
                    self.outcome = Some(Outcome::Broken("timed out".into()));
                }
                _ => {}
            }
        }
    }
}

/// `reply::unreadable` for the machine's error, which folds both bounds of
/// a reply into one (ours differ: MAX_REPLY_LINES, MAX_REPLY_OCTETS).
fn unreadable_remote(e: &RemoteError) -> Option<(i32, String)> {
    let e = match *e {
        RemoteError::ReplyLineTooLong { limit } => ReplyError::LineTooLong { limit },
        RemoteError::ReplyTooLong { limit } if limit == MAX_REPLY_LINES => {
            ReplyError::TooManyLines { limit }
        }
        RemoteError::ReplyTooLong { limit } => ReplyError::TooManyOctets { limit },
        _ => return None,
    };
    unreadable(&e)
}

/// Splits an smtplib MAIL/RCPT line into its command (for the machine),
/// when the machine writes that command back as the same bytes (in
/// smtplib's spelling): otherwise None, and smtplib's own calls send the
/// line (parameters in another order or case, an address the engine
/// would write differently).
fn parse(line: &str, smtputf8: bool) -> Option<Command> {
    let cmd = Command::parse(line.as_bytes(), smtputf8).ok()?;
    let mut again = Vec::with_capacity(line.len() + 2);
    cmd.encode_spelled(CommandSpelling::LowerCase, &mut again);
    (again.strip_suffix(b"\r\n") == Some(line.as_bytes())).then_some(cmd)
}

#[pymethods]
impl MailMachine {
    #[classattr]
    const NEED_INPUT: u8 = 0;
    #[classattr]
    const SEND_BODY: u8 = 1;
    #[classattr]
    const DONE: u8 = 2;

    /// A machine in the state smtplib's session is in: greeted, and the
    /// EHLO (LHLO) answered with `ehlo_msg` (smtplib's `ehlo_resp`).
    /// `tls` says whether the socket is already TLS (SMTP_SSL, or after
    /// starttls()): the machine then allows what needs TLS, such as
    /// REQUIRETLS (RFC 8689 §2).
    /// Raises ValueError when the session cannot be expressed (the caller
    /// then keeps to smtplib's step-by-step path).
    #[new]
    #[pyo3(signature = (hello_domain, lmtp, ehlo_msg, max_in_flight = DEFAULT_MAX_IN_FLIGHT, tls = false))]
    fn new(
        hello_domain: &str,
        lmtp: bool,
        ehlo_msg: &[u8],
        max_in_flight: usize,
        tls: bool,
    ) -> PyResult<Self> {
        let domain = Domain::parse(hello_domain, true).map_err(|_| value_error("hello domain"))?;
        let mut config = if lmtp {
            ClientConfig::lmtp(domain)
        } else {
            ClientConfig::new(domain)
        };
        config.timeouts = ClientTimeouts::uniform(None);
        // smtplib's bytes: `mail FROM:<a> size=21`, `rcpt TO:<b>`, `data`,
        // `rset`, whichever path writes them.
        config.command_spelling = CommandSpelling::LowerCase;
        let mut limits = ReplyParserConfig::default();
        // smtplib's limit: a line of up to 8192 octets, its LF included.
        limits.max_line = crate::reply::SMTPLIB_MAX_LINE;
        limits.max_lines = crate::reply::MAX_REPLY_LINES;
        limits.max_octets = crate::reply::MAX_REPLY_OCTETS;
        config.reply_limits = limits;
        config.transmit_high_water = TRANSMIT_HIGH_WATER;
        config.max_in_flight = max_in_flight;
        let lines: Vec<&[u8]> = ehlo_msg.split(|&b| b == b'\n').collect();
        let hello = Reply::from_lines(ReplyCode::OK, &lines);
        // smtplib did the greeting and EHLO itself; the machine starts idle
        // with the capabilities of that EHLO reply.
        let kind = if lmtp {
            HelloKind::Lhlo
        } else {
            HelloKind::Ehlo
        };
        let security = if tls { Security::Tls } else { Security::Plain };
        let conn =
            ClientConnection::resume(config, hello, kind, security, now()).map_err(value_error)?;
        Ok(MailMachine {
            conn,
            outcome: None,
            ready_for_body: false,
            service_closing: false,
        })
    }

    /// Starts a transaction from smtplib's own MAIL and RCPT lines (without
    /// CRLF). Returns False, sending nothing, when the machine would not
    /// send exactly what smtplib would (an address outside RFC 5321, a
    /// parameter the server did not advertise, a size over its limit...):
    /// the caller then runs smtplib's step-by-step path.
    #[pyo3(signature = (mail_line, rcpt_lines, bdat, smtputf8))]
    fn begin(
        &mut self,
        mail_line: &str,
        rcpt_lines: Vec<String>,
        bdat: bool,
        smtputf8: bool,
    ) -> bool {
        let Some(Command::Mail { from, params }) = parse(mail_line, smtputf8) else {
            return false;
        };
        let mut recipients = Vec::with_capacity(rcpt_lines.len());
        for line in &rcpt_lines {
            let Some(Command::Rcpt { to, params }) = parse(line, smtputf8) else {
                return false;
            };
            let mut r = Recipient::new(to);
            r.params = params;
            recipients.push(r);
        }
        let mut env = Envelope::new(from, []);
        env.mail_params = params;
        env.recipients = recipients;
        // The core sizes the chunks: a quarter of max_in_flight when they
        // are pipelined, DEFAULT_BDAT_CHUNK_SIZE otherwise.
        env.body_mode = if bdat {
            BodyMode::Bdat { chunk_size: None }
        } else {
            BodyMode::Data
        };
        self.outcome = None;
        self.ready_for_body = false;
        self.service_closing = false;
        if self.conn.send_mail(&env).is_err() {
            return false;
        }
        self.drain();
        true
    }

    /// Bytes to write now (taken out of the machine).
    fn transmit<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let out = PyBytes::new(py, self.conn.pending_transmit());
        let n = self.conn.pending_transmit().len();
        self.conn.consume_transmit(n);
        out
    }

    /// Bytes read from the socket; b"" for EOF.
    fn receive(&mut self, data: &[u8]) {
        if data.is_empty() {
            self.conn.receive_eof(now());
        } else {
            self.conn.receive_data(data, now());
        }
        self.drain();
    }

    /// Whether the connection is over (the server closed it, or broke
    /// the protocol): the caller closes its socket.
    #[getter]
    fn closed(&self) -> bool {
        self.conn.is_closed()
    }

    /// What the caller does next.
    fn status(&self) -> u8 {
        if self.conn.is_closed() {
            return Self::DONE;
        }
        match &self.outcome {
            Some(Outcome::Broken(_) | Outcome::Unreadable(..) | Outcome::Closing { .. }) => {
                Self::DONE
            }
            // After a failure the machine's RSET must be answered first.
            Some(_) if self.conn.in_flight() == 0 => Self::DONE,
            Some(_) => Self::NEED_INPUT,
            None if self.ready_for_body => Self::SEND_BODY,
            None => Self::NEED_INPUT,
        }
    }

    /// Feeds `data[start:end]` (offsets into the caller's bytes, so a
    /// message is fed piece by piece without copies); False when the
    /// machine cannot take it yet (BDAT chunks wait for the replies to
    /// those in flight): write, read, retry. Also False, and `status()` no
    /// longer SEND_BODY, when a reply refused the transaction meanwhile.
    #[pyo3(signature = (data, start = 0, end = None))]
    fn body(&mut self, data: &[u8], start: usize, end: Option<usize>) -> PyResult<bool> {
        let end = end.unwrap_or(data.len());
        let Some(chunk) = data.get(start..end) else {
            return Err(value_error("start and end must be within the data"));
        };
        match self.conn.send_body(chunk) {
            Ok(()) => Ok(true),
            Err(LocalError::BufferFull { .. }) => Ok(false),
            // A reply refused the transaction while its (pipelined BDAT)
            // body was being sent, or a 421 closed the session: the body is
            // no longer wanted, the outcome comes with the replies.
            Err(
                LocalError::InvalidState {
                    state: SessionState::Transaction,
                    ..
                }
                | LocalError::Closed,
            ) => {
                self.ready_for_body = false;
                Ok(false)
            }
            Err(e) => Err(value_error(e)),
        }
    }

    /// Ends the body (CRLF.CRLF or BDAT LAST).
    fn finish_body(&mut self) -> PyResult<()> {
        self.ready_for_body = false;
        match self.conn.finish_body() {
            // Refused meanwhile (see `body`): nothing to end.
            Ok(())
            | Err(
                LocalError::InvalidState {
                    state: SessionState::Transaction,
                    ..
                }
                | LocalError::Closed,
            ) => {}
            Err(e) => return Err(value_error(e)),
        }
        self.drain();
        Ok(())
    }

    /// The outcome, in the shape described in outcome.rs (the same as
    /// `TransactionLedger.outcome()`).
    fn outcome<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let listed = |pairs: &mut dyn Iterator<Item = (usize, &Reply)>| {
            let list = PyList::empty(py);
            for (index, reply) in pairs {
                let (code, msg) = reply_parts(py, reply)?;
                list.append((index, code, msg))?;
            }
            PyResult::Ok(list)
        };
        let refusals =
            |result: &MailResult| listed(&mut result.refused().map(|(r, reply)| (r.index, reply)));
        let ending = match &self.outcome {
            // LMTP: a 421 among the deliveries still finishes the
            // transaction (the recipients answered keep their outcome).
            Some(Outcome::Finished(result)) if result.accepted() == 0 => {
                Ending::NoRecipient(refusals(result)?)
            }
            Some(Outcome::Finished(result)) => Ending::Delivered(refusals(result)?),
            Some(Outcome::Failed {
                stage: Stage::Recipients,
                result,
                ..
            }) => Ending::NoRecipient(refusals(result)?),
            Some(Outcome::Failed { stage, reply, .. }) => {
                let (code, msg) = reply_parts(py, reply)?;
                Ending::Failed(*stage, code, msg)
            }
            // A 421 with no command of the transaction waiting for it
            // (while the body was being written): the data did not get
            // through.
            Some(Outcome::Closing { reply }) => {
                let (code, msg) = reply_parts(py, reply)?;
                Ending::Failed(Stage::DataEnd, code, msg)
            }
            Some(Outcome::Broken(reason)) => Ending::Broken(reason.clone()),
            Some(Outcome::Unreadable(code, msg)) => Ending::Unreadable(*code, msg.clone()),
            None if self.conn.is_closed() => {
                Ending::Broken("Connection unexpectedly closed".into())
            }
            None => return Err(value_error("the transaction has not ended")),
        };
        let closing = self.service_closing;
        ending.into_tuple(py, closing)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // smtp_core's default, for `SMTP.max_in_flight`.
    m.add("DEFAULT_MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT)?;
    m.add_class::<MailMachine>()
}
