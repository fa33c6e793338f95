//! Time as data: timestamps are inputs, timeouts are values.
//!
//! The machines never read a clock. Every input that can start or expire a
//! timer takes a [`Timestamp`], and [`poll_timeout`] style getters hand back
//! the next deadline so the caller can sleep until then and call
//! `handle_timeout(now)`.
//!
//! [`poll_timeout`]: crate::ClientConnection::poll_timeout

/// A point in time in milliseconds on the caller's monotonic clock.
///
/// Only differences between timestamps matter; the origin is the caller's
/// choice (process start, `Instant` at connection start, a virtual clock in
/// tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Builds a timestamp from milliseconds since the caller's origin.
    pub const fn from_millis(ms: u64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since the caller's origin.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// This instant plus `ms` milliseconds, saturating instead of wrapping.
    pub const fn plus_millis(self, ms: u64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }
}

const MINUTE_MS: u64 = 60 * 1000;

/// The client's timeouts, one per phase, in milliseconds.
///
/// Defaults are the minimums of RFC 5321 §4.5.3.2. `None` disables a timer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientTimeouts {
    /// Waiting for the 220 greeting (RFC 5321 §4.5.3.2.1: 5 minutes).
    pub greeting: Option<u64>,
    /// Waiting for the reply to MAIL (§4.5.3.2.2: 5 minutes).
    pub mail: Option<u64>,
    /// Waiting for the reply to each RCPT (§4.5.3.2.3: 5 minutes).
    pub rcpt: Option<u64>,
    /// Waiting for the 354 after DATA (§4.5.3.2.4: 2 minutes).
    pub data_initiation: Option<u64>,
    /// Between two writes of body data while the server reads
    /// (§4.5.3.2.5: 3 minutes).
    pub data_block: Option<u64>,
    /// Waiting for the reply after the end of data (§4.5.3.2.6: 10 minutes).
    pub data_termination: Option<u64>,
    /// Waiting for any other reply (EHLO, HELO, RSET, NOOP, VRFY, AUTH,
    /// STARTTLS, QUIT...). RFC 5321 names no figure; 5 minutes like MAIL.
    pub other: Option<u64>,
}

impl Default for ClientTimeouts {
    fn default() -> Self {
        ClientTimeouts {
            greeting: Some(5 * MINUTE_MS),
            mail: Some(5 * MINUTE_MS),
            rcpt: Some(5 * MINUTE_MS),
            data_initiation: Some(2 * MINUTE_MS),
            data_block: Some(3 * MINUTE_MS),
            data_termination: Some(10 * MINUTE_MS),
            other: Some(5 * MINUTE_MS),
        }
    }
}

impl ClientTimeouts {
    /// Every timer set to the same value (smtplib's single `timeout=`).
    pub fn uniform(ms: Option<u64>) -> Self {
        ClientTimeouts {
            greeting: ms,
            mail: ms,
            rcpt: ms,
            data_initiation: ms,
            data_block: ms,
            data_termination: ms,
            other: ms,
        }
    }
}

/// The server's idle timeout: RFC 5321 §4.5.3.2.7 says at least 5 minutes
/// waiting for the next command or the next chunk of data.
pub const SERVER_IDLE_TIMEOUT_MS: u64 = 5 * MINUTE_MS;

#[cfg(test)]
mod tests;
