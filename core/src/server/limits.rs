//! Per-session command counts: how often each verb was used
//! ([`ServerConfig::call_limits`]) and how many unknown verbs came
//! ([`ServerConfig::max_unknown_commands`]). A client looping on one
//! command, or probing with unknown ones, is shown the door with 421
//! (RFC 5321 §3.8), as a bad-command limit does (§4.3.2 leaves the
//! numbers to the server).

use alloc::string::String;
use alloc::vec::Vec;

use super::config::ServerConfig;

/// Verbs longer than this are not counted one by one: no RFC 5321 verb
/// or extension verb comes close, so such a line is an unknown command,
/// which [`ServerConfig::max_unknown_commands`] limits.
const MAX_COUNTED_VERB: usize = 16;

/// Distinct verbs counted at most, so the table stays small whatever the
/// client sends (the verbs of RFC 5321 and its extensions are fewer).
const MAX_COUNTED_VERBS: usize = 32;

/// How often each verb may be used in a session
/// ([`ServerConfig::call_limits`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallLimits {
    /// Uses allowed of a verb not in `per_verb`.
    pub default: u32,
    /// `(verb, uses allowed)`, the verb upper-case, e.g. `("NOOP", 15)`.
    pub per_verb: Vec<(String, u32)>,
}

impl CallLimits {
    /// `default` uses allowed of every verb.
    #[must_use]
    pub fn new(default: u32) -> CallLimits {
        CallLimits {
            default,
            per_verb: Vec::new(),
        }
    }

    /// The same limits with `uses` allowed of `verb`.
    #[must_use]
    pub fn with_verb(mut self, verb: &str, uses: u32) -> CallLimits {
        self.per_verb.push((verb.to_ascii_uppercase(), uses));
        self
    }

    /// The uses allowed of `verb` (compared case-insensitively).
    #[must_use]
    pub fn limit(&self, verb: &[u8]) -> u32 {
        self.per_verb
            .iter()
            .find(|(v, _)| v.as_bytes().eq_ignore_ascii_case(verb))
            .map_or(self.default, |(_, n)| *n)
    }
}

/// What the counts say about one command line.
pub(super) enum Verdict {
    /// Go on.
    Within,
    /// The verb was used more often than allowed.
    TooManyCalls,
    /// One unknown verb too many.
    TooManyUnknown,
}

/// The counts of one session.
#[derive(Debug, Default)]
pub(super) struct Counts {
    /// `(verb upper-case, uses)`.
    calls: Vec<(String, u32)>,
    unknown: u32,
}

/// The line's verb: up to the first space.
pub(super) fn verb(line: &[u8]) -> &[u8] {
    line.split(|&b| b == b' ').next().unwrap_or_default()
}

impl Counts {
    /// Counts a command line's verb against the call limits.
    pub(super) fn call(&mut self, line: &[u8], cfg: &ServerConfig) -> Verdict {
        let Some(limits) = &cfg.call_limits else {
            return Verdict::Within;
        };
        let verb = verb(line);
        let countable = !verb.is_empty()
            && verb.len() <= MAX_COUNTED_VERB
            && verb.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-');
        if !countable {
            return Verdict::Within;
        }
        let known = self
            .calls
            .iter_mut()
            .find(|(v, _)| v.as_bytes().eq_ignore_ascii_case(verb));
        let uses = if let Some((_, n)) = known {
            *n = n.saturating_add(1);
            *n
        } else if self.calls.len() < MAX_COUNTED_VERBS {
            let name = String::from_utf8_lossy(verb).to_ascii_uppercase();
            self.calls.push((name, 1));
            1
        } else {
            return Verdict::Within;
        };
        if uses > limits.limit(verb) {
            Verdict::TooManyCalls
        } else {
            Verdict::Within
        }
    }

    /// Counts an unknown verb.
    pub(super) fn unknown(&mut self, cfg: &ServerConfig) -> Verdict {
        self.unknown = self.unknown.saturating_add(1);
        match cfg.max_unknown_commands {
            Some(max) if self.unknown > max => Verdict::TooManyUnknown,
            _ => Verdict::Within,
        }
    }
}
