//! Unit tests of the classification tables.

use super::*;
use crate::client::envelope::Envelope;

#[test]
fn rfc2920_group_enders() {
    // RFC 2920 §3.1, RFC 3207 §4.2, RFC 4954 §4; unknown verbs too.
    for v in [
        &b"EHLO"[..],
        b"data",
        b"VRFY",
        b"EXPN",
        b"TURN",
        b"QUIT",
        b"NOOP",
        b"STARTTLS",
        b"AUTH",
        b"XFOO",
        b"",
    ] {
        assert!(verb_ends_group(v), "{v:?}");
    }
    for v in [&b"MAIL"[..], b"rcpt", b"RSET", b"HELP"] {
        assert!(!verb_ends_group(v), "{v:?}");
    }
    assert!(Kind::Data.ends_group());
    assert!(!Kind::Mail.ends_group());
    assert!(!Kind::Rcpt(0).ends_group());
    assert!(!Kind::Bdat {
        last: false,
        octets: 1
    }
    .ends_group());
    assert!(!Kind::AutoRset.ends_group());
}

#[test]
fn raw_verbs_map_to_effects() {
    assert_eq!(verb_effect(b"ehlo"), Effect::Hello(HelloKind::Ehlo));
    assert_eq!(verb_effect(b"LHLO"), Effect::Hello(HelloKind::Lhlo));
    assert_eq!(verb_effect(b"StartTLS"), Effect::StartTls);
    assert_eq!(verb_effect(b"DATA"), Effect::Data);
    assert_eq!(verb_effect(b"QUIT"), Effect::Quit);
    assert_eq!(verb_effect(b"DATAX"), Effect::None);
    assert_eq!(command_effect(&Command::Rset), (Effect::None, false));
    assert_eq!(command_effect(&Command::Quit), (Effect::Quit, true));
}

#[test]
fn phases_name_each_wait() {
    let id = CommandId(0);
    let table = [
        (Kind::Mail, Phase::Mail),
        (Kind::Rcpt(3), Phase::Rcpt),
        (Kind::Data, Phase::Data),
        (Kind::DataEnd, Phase::DataEnd),
        (
            Kind::Bdat {
                last: true,
                octets: 1,
            },
            Phase::DataEnd,
        ),
        (
            Kind::Bdat {
                last: false,
                octets: 1,
            },
            Phase::Bdat,
        ),
        (Kind::AutoRset, Phase::Rset),
        (
            Kind::Low {
                id,
                effect: Effect::Quit,
                ender: true,
            },
            Phase::Quit,
        ),
        (
            Kind::Low {
                id,
                effect: Effect::None,
                ender: true,
            },
            Phase::Command,
        ),
    ];
    for (k, p) in table {
        assert_eq!(k.phase(), p, "{k:?}");
    }
}

#[test]
fn transmit_buffer_stays_bounded_under_partial_writes() {
    let cfg = ClientConfig::new(crate::address::Domain::Name("c.example".into()));
    let mut m = Machine::new(cfg, Timestamp(0)).unwrap();
    m.receive_data(b"220 x\r\n250 x\r\n", Timestamp(0));
    let env = Envelope::new(
        crate::address::ReversePath::Null,
        [crate::address::ForwardPath::Postmaster],
    );
    m.send_mail(&env).unwrap();
    m.receive_data(b"250 ok\r\n250 ok\r\n354 go\r\n", Timestamp(0));
    // A socket that always leaves a few bytes behind.
    for _ in 0..10_000 {
        m.send_body(&[b'a'; 1000]).unwrap();
        let n = m.pending().len().saturating_sub(10);
        m.consume(n);
        assert!(m.transmit.len() <= 2 * 1010, "{}", m.transmit.len());
    }
}
