//! The accepted recipients of the open transaction, kept in one text
//! buffer reused from transaction to transaction: accepting a recipient
//! copies its path, and allocates nothing once the buffer has grown to a
//! transaction's size. [`Recipients`] lends them out as
//! [`ForwardPathRef`]s.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::ops::Range;

use crate::address::{DomainRef, ForwardPathRef, MailboxRef};

/// A domain, its text as a range of the buffer.
#[derive(Clone, Debug)]
enum Domain {
    Name(Range<usize>),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    General {
        tag: Range<usize>,
        content: Range<usize>,
    },
}

/// One recipient.
#[derive(Clone, Debug)]
enum Entry {
    Postmaster,
    Mailbox {
        local_part: Range<usize>,
        domain: Domain,
    },
}

/// The recipients of one transaction, in the order they were accepted. The
/// last one may be tentative: added when RCPT is reported, kept only if the
/// application accepts it.
#[derive(Debug, Default)]
pub(super) struct RecipientList {
    text: String,
    entries: Vec<Entry>,
    tentative: bool,
}

impl RecipientList {
    /// Accepted recipients (a tentative one does not count).
    pub(super) fn len(&self) -> usize {
        self.entries.len() - usize::from(self.tentative)
    }

    /// Forgets every recipient, keeping the memory.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
        self.tentative = false;
    }

    fn store(&mut self, s: &str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(s);
        start..self.text.len()
    }

    /// Adds `path` tentatively (replacing a tentative one).
    pub(super) fn propose(&mut self, path: &ForwardPathRef<'_>) {
        self.withdraw();
        let entry = match path {
            ForwardPathRef::Postmaster => Entry::Postmaster,
            ForwardPathRef::Mailbox(m) => {
                let local_part = self.store(&m.local_part);
                let domain = match m.domain {
                    DomainRef::Name(n) => Domain::Name(self.store(n)),
                    DomainRef::Ipv4(a) => Domain::Ipv4(a),
                    DomainRef::Ipv6(a) => Domain::Ipv6(a),
                    DomainRef::General { tag, content } => Domain::General {
                        tag: self.store(tag),
                        content: self.store(content),
                    },
                };
                Entry::Mailbox { local_part, domain }
            }
        };
        self.entries.push(entry);
        self.tentative = true;
    }

    /// The tentative recipient was accepted.
    pub(super) fn confirm(&mut self) {
        self.tentative = false;
    }

    /// The tentative recipient was refused: forget it.
    pub(super) fn withdraw(&mut self) {
        if !core::mem::take(&mut self.tentative) {
            return;
        }
        if let Some(Entry::Mailbox { local_part, .. }) = self.entries.pop() {
            // Its text is the tail of the buffer, from its local part on.
            self.text.truncate(local_part.start);
        }
    }

    /// The accepted recipients.
    pub(super) fn iter(&self) -> Recipients<'_> {
        Recipients {
            list: self,
            entries: self.entries.get(..self.len()).unwrap_or_default().iter(),
        }
    }

    fn text(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    fn path<'a>(&'a self, entry: &Entry) -> ForwardPathRef<'a> {
        match entry {
            Entry::Postmaster => ForwardPathRef::Postmaster,
            Entry::Mailbox { local_part, domain } => ForwardPathRef::Mailbox(MailboxRef {
                local_part: Cow::Borrowed(self.text(local_part)),
                domain: match domain {
                    Domain::Name(n) => DomainRef::Name(self.text(n)),
                    Domain::Ipv4(a) => DomainRef::Ipv4(*a),
                    Domain::Ipv6(a) => DomainRef::Ipv6(*a),
                    Domain::General { tag, content } => DomainRef::General {
                        tag: self.text(tag),
                        content: self.text(content),
                    },
                },
            }),
        }
    }
}

/// The accepted recipients of the open transaction, oldest first, from
/// [`ServerConnection::recipients`](super::ServerConnection::recipients):
/// borrowed, nothing is copied.
#[derive(Clone, Debug)]
pub struct Recipients<'a> {
    list: &'a RecipientList,
    entries: core::slice::Iter<'a, Entry>,
}

impl<'a> Iterator for Recipients<'a> {
    type Item = ForwardPathRef<'a>;

    fn next(&mut self) -> Option<ForwardPathRef<'a>> {
        self.entries.next().map(|e| self.list.path(e))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for Recipients<'_> {}

impl<'a> Recipients<'a> {
    /// The `n`th recipient (0-based) of those left, without consuming the
    /// iterator.
    pub fn get(&self, n: usize) -> Option<ForwardPathRef<'a>> {
        self.entries.as_slice().get(n).map(|e| self.list.path(e))
    }
}

#[cfg(test)]
mod tests;
