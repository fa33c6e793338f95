//! [`Extensions`]: the EHLO keywords this crate knows, as a bitset, and
//! the one table that names them.

/// A typed bitset of the extensions this crate knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Extensions(pub(super) u32);

impl Extensions {
    /// No extension.
    pub const NONE: Extensions = Extensions(0);
    /// SIZE (RFC 1870).
    pub const SIZE: Extensions = Extensions(1 << 0);
    /// 8BITMIME (RFC 6152).
    pub const EIGHT_BIT_MIME: Extensions = Extensions(1 << 1);
    /// PIPELINING (RFC 2920).
    pub const PIPELINING: Extensions = Extensions(1 << 2);
    /// CHUNKING (RFC 3030).
    pub const CHUNKING: Extensions = Extensions(1 << 3);
    /// BINARYMIME (RFC 3030).
    pub const BINARY_MIME: Extensions = Extensions(1 << 4);
    /// SMTPUTF8 (RFC 6531).
    pub const SMTPUTF8: Extensions = Extensions(1 << 5);
    /// DSN (RFC 3461).
    pub const DSN: Extensions = Extensions(1 << 6);
    /// ENHANCEDSTATUSCODES (RFC 2034).
    pub const ENHANCED_STATUS_CODES: Extensions = Extensions(1 << 7);
    /// STARTTLS (RFC 3207).
    pub const STARTTLS: Extensions = Extensions(1 << 8);
    /// AUTH (RFC 4954), with mechanisms in
    /// [`Capabilities::auth_mechanisms`](super::Capabilities::auth_mechanisms).
    pub const AUTH: Extensions = Extensions(1 << 9);
    /// REQUIRETLS (RFC 8689).
    pub const REQUIRETLS: Extensions = Extensions(1 << 10);
    /// VRFY (RFC 5321 §3.5.2 lets servers advertise it).
    pub const VRFY: Extensions = Extensions(1 << 11);
    /// EXPN (RFC 5321 §3.5.2).
    pub const EXPN: Extensions = Extensions(1 << 12);
    /// HELP (RFC 5321 §4.1.1.8).
    pub const HELP: Extensions = Extensions(1 << 13);
    /// DELIVERBY (RFC 2852).
    pub const DELIVERBY: Extensions = Extensions(1 << 14);
    /// MT-PRIORITY (RFC 6710).
    pub const MT_PRIORITY: Extensions = Extensions(1 << 15);
    /// FUTURERELEASE (RFC 4865).
    pub const FUTURERELEASE: Extensions = Extensions(1 << 16);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Extensions) -> bool {
        self.0 & other.0 == other.0
    }
    /// The union of both sets.
    pub const fn union(self, other: Extensions) -> Extensions {
        Extensions(self.0 | other.0)
    }
    /// The extensions of `self` that are not in `other`, e.g. what a
    /// request needs minus what the server offered.
    pub const fn difference(self, other: Extensions) -> Extensions {
        Extensions(self.0 & !other.0)
    }
    /// Whether no extension is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The extension a keyword names, if this crate knows it. Keywords are
    /// case-insensitive (RFC 5321 §2.4).
    #[inline]
    pub fn from_keyword(name: &str) -> Option<Extensions> {
        // One table probe, then one comparison: this runs once per EHLO
        // line, and most lines name an extension.
        let b = name.as_bytes();
        let index = BY_SLOT.get(slot(b.len(), *b.first()?, *b.last()?))?;
        let &(ext, keyword) = KEYWORDS.get(usize::from(index.checked_sub(1)?))?;
        crate::syntax::eq_upper(b, keyword.as_bytes()).then_some(ext)
    }

    /// The EHLO keyword of a single extension (`Extensions::DSN.keyword()`
    /// is `Some("DSN")`); `None` for an empty set or several extensions.
    pub fn keyword(self) -> Option<&'static str> {
        KEYWORDS
            .iter()
            .find(|&&(ext, _)| ext == self)
            .map(|&(_, k)| k)
    }

    /// The EHLO keywords of every extension in the set, lowest bit first.
    pub fn keywords(self) -> impl Iterator<Item = &'static str> {
        KEYWORDS
            .iter()
            .filter(move |&&(ext, _)| self.contains(ext))
            .map(|&(_, k)| k)
    }
}

/// Every known extension and its EHLO keyword, in bit order.
const KEYWORDS: [(Extensions, &str); 17] = [
    (Extensions::SIZE, "SIZE"),
    (Extensions::EIGHT_BIT_MIME, "8BITMIME"),
    (Extensions::PIPELINING, "PIPELINING"),
    (Extensions::CHUNKING, "CHUNKING"),
    (Extensions::BINARY_MIME, "BINARYMIME"),
    (Extensions::SMTPUTF8, "SMTPUTF8"),
    (Extensions::DSN, "DSN"),
    (Extensions::ENHANCED_STATUS_CODES, "ENHANCEDSTATUSCODES"),
    (Extensions::STARTTLS, "STARTTLS"),
    (Extensions::AUTH, "AUTH"),
    (Extensions::REQUIRETLS, "REQUIRETLS"),
    (Extensions::VRFY, "VRFY"),
    (Extensions::EXPN, "EXPN"),
    (Extensions::HELP, "HELP"),
    (Extensions::DELIVERBY, "DELIVERBY"),
    (Extensions::MT_PRIORITY, "MT-PRIORITY"),
    (Extensions::FUTURERELEASE, "FUTURERELEASE"),
];

/// Where a keyword of this length, first and last octet sits in
/// [`BY_SLOT`]. Case-folded, so any spelling of a known keyword lands on
/// its slot; the 17 known keywords land on 17 different slots (the
/// round-trip test of every keyword checks it).
const fn slot(len: usize, first: u8, last: u8) -> usize {
    (len + (first | 0x20) as usize * 11 + (last | 0x20) as usize * 7) % SLOTS
}

const SLOTS: usize = 32;

/// 1 + the index in [`KEYWORDS`] of the keyword in each slot, 0 for none.
// Built at compile time, where an index out of range is a build error.
#[allow(clippy::indexing_slicing)]
static BY_SLOT: [u8; SLOTS] = {
    let mut table = [0u8; SLOTS];
    let mut i = 0;
    while i < KEYWORDS.len() {
        let k = KEYWORDS[i].1.as_bytes();
        table[slot(k.len(), k[0], k[k.len() - 1])] = i as u8 + 1;
        i += 1;
    }
    table
};

impl core::ops::BitOr for Extensions {
    type Output = Extensions;
    fn bitor(self, rhs: Extensions) -> Extensions {
        self.union(rhs)
    }
}

impl core::ops::BitOrAssign for Extensions {
    fn bitor_assign(&mut self, rhs: Extensions) {
        *self = self.union(rhs);
    }
}
