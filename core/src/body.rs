//! Message bodies, streamed: `DotStuffer` (client), `DotUnstuffer` (server),
//! and the BDAT chunk reader (RFC 3030).
//!
//! OWNER: helper "body".
