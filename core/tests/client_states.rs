//! Every command in every state: allowed or a LocalError, and a LocalError
//! changes nothing (validate first, then mutate).

mod client_common;

use client_common::*;
use smtp_core::auth::Credentials;
use smtp_core::client::{Event, Phase};
use smtp_core::{ClientConnection, Command, HelloKind, LocalError, Security, Timestamp};

type Call = (
    &'static str,
    fn(&mut ClientConnection) -> Result<(), LocalError>,
);

const CALLS: &[Call] = &[
    ("ehlo", |c| c.ehlo()),
    ("helo", |c| c.helo()),
    ("hello", |c| c.hello()),
    ("starttls", |c| c.starttls()),
    ("authenticate", |c| {
        c.authenticate(Credentials::password("u", "p"), None)
    }),
    ("auth_custom", |c| c.auth_custom("X-TEST", None)),
    ("auth_respond", |c| c.auth_respond(b"r")),
    ("auth_cancel", |c| c.auth_cancel()),
    ("send_mail", |c| {
        c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
    }),
    ("send_body", |c| c.send_body(b"x")),
    ("finish_body", |c| c.finish_body()),
    ("noop", |c| c.noop().map(|_| ())),
    ("send_raw", |c| c.send_raw("XTEST").map(|_| ())),
    ("send_command", |c| {
        c.send_command(Command::Rset).map(|_| ())
    }),
    ("quit", |c| c.quit().map(|_| ())),
    ("tls_established", |c| c.tls_established(Timestamp(0))),
];

const EHLO: &[u8] = b"250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN X-TEST\r\n";

fn settle(c: &mut ClientConnection) {
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
}

fn fresh() -> ClientConnection {
    ClientConnection::new(config(), Timestamp(0)).unwrap()
}

fn greeted() -> ClientConnection {
    let mut cfg = config();
    cfg.auto_hello = false;
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n", Timestamp(0));
    settle(&mut c);
    c
}

fn ready() -> ClientConnection {
    let mut c = fresh();
    c.receive_data(b"220 x\r\n", Timestamp(0));
    c.receive_data(EHLO, Timestamp(0));
    settle(&mut c);
    c
}

fn in_rcpt() -> ClientConnection {
    let mut c = ready();
    c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
        .unwrap();
    c.receive_data(b"250 ok\r\n", Timestamp(0));
    settle(&mut c);
    c
}

fn in_body() -> ClientConnection {
    let mut c = in_rcpt();
    c.receive_data(b"250 ok\r\n354 go\r\n", Timestamp(0));
    settle(&mut c);
    c
}

fn body_finished() -> ClientConnection {
    let mut c = in_body();
    c.finish_body().unwrap();
    settle(&mut c);
    c
}

fn in_custom_auth() -> ClientConnection {
    let mut c = ready();
    c.auth_custom("X-TEST", None).unwrap();
    c.receive_data(b"334 \r\n", Timestamp(0));
    settle(&mut c);
    c
}

fn awaiting_tls() -> ClientConnection {
    let mut c = ready();
    c.starttls().unwrap();
    c.receive_data(b"220 go\r\n", Timestamp(0));
    settle(&mut c);
    c
}

fn refused() -> ClientConnection {
    let mut c = fresh();
    c.receive_data(b"554 no\r\n", Timestamp(0));
    settle(&mut c);
    c
}

fn quitting() -> ClientConnection {
    let mut c = ready();
    c.quit().unwrap();
    settle(&mut c);
    c
}

fn closing() -> ClientConnection {
    let mut c = ready();
    c.receive_data(b"421 bye\r\n", Timestamp(0));
    settle(&mut c);
    c
}

fn failed() -> ClientConnection {
    let mut c = ready();
    c.receive_data(b"garbage\r\n", Timestamp(0));
    settle(&mut c);
    c
}

/// What can be observed of a machine from outside.
fn snapshot(c: &ClientConnection) -> (Phase, usize, Vec<u8>, bool, Option<Timestamp>, bool, bool) {
    (
        c.phase(),
        c.in_flight(),
        c.pending_transmit().to_vec(),
        c.is_closed(),
        c.poll_timeout(),
        c.capabilities().is_some(),
        c.body_ready(),
    )
}

/// `allowed` lists the calls that succeed in this state.
fn check(state: &str, make: fn() -> ClientConnection, allowed: &[&str]) {
    for (name, call) in CALLS {
        let mut c = make();
        let before = snapshot(&c);
        let res = call(&mut c);
        if allowed.contains(name) {
            assert!(
                res.is_ok(),
                "{state}: {name} should be allowed, got {res:?}"
            );
        } else {
            assert!(res.is_err(), "{state}: {name} should be refused");
            assert_eq!(snapshot(&c), before, "{state}: {name} changed the machine");
            let ev: Option<Event> = c.poll_event();
            assert_eq!(ev, None, "{state}: {name} produced an event");
        }
    }
}

#[test]
fn waiting_for_greeting() {
    check("greeting", fresh, &[]);
}

#[test]
fn greeted_without_hello() {
    // No EHLO yet: no capabilities, so no STARTTLS, AUTH or transaction.
    check(
        "greeted",
        greeted,
        &[
            "ehlo",
            "helo",
            "hello",
            "noop",
            "send_raw",
            "send_command",
            "quit",
        ],
    );
}

#[test]
fn ready_after_ehlo() {
    check(
        "ready",
        ready,
        &[
            "ehlo",
            "helo",
            "hello",
            "starttls",
            "authenticate",
            "auth_custom",
            "send_mail",
            "noop",
            "send_raw",
            "send_command",
            "quit",
        ],
    );
}

#[test]
fn inside_a_transaction() {
    check("rcpt", in_rcpt, &[]);
}

#[test]
fn sending_the_body() {
    check("body", in_body, &["send_body", "finish_body"]);
}

#[test]
fn waiting_for_the_end_of_data_reply() {
    // RFC 2920 §4: QUIT may follow the final dot.
    check("finished", body_finished, &["quit"]);
}

#[test]
fn custom_auth_waiting_for_the_caller() {
    check("auth", in_custom_auth, &["auth_respond", "auth_cancel"]);
}

#[test]
fn waiting_for_the_tls_handshake() {
    check("tls", awaiting_tls, &["tls_established"]);
}

#[test]
fn after_a_refused_greeting() {
    check("refused", refused, &["quit"]);
}

#[test]
fn after_quit_421_or_failure() {
    check("quitting", quitting, &[]);
    check("closing", closing, &[]);
    check("failed", failed, &[]);
    let mut c = failed();
    assert_eq!(c.noop(), Err(LocalError::Closed));
}

#[test]
fn resumed_sessions_start_idle() {
    let ehlo = smtp_core::Reply::new(
        smtp_core::ReplyCode::OK,
        "mx\nPIPELINING\nSIZE 100\nREQUIRETLS",
    );
    let mut c = ClientConnection::resume(
        config(),
        ehlo.clone(),
        HelloKind::Ehlo,
        Security::Tls,
        Timestamp(5),
    )
    .unwrap();
    assert_eq!(c.poll_event(), None);
    assert!(c.pending_transmit().is_empty());
    assert_eq!(c.phase(), Phase::Idle);
    assert!(c.is_tls());
    assert_eq!(c.capabilities().and_then(|k| k.max_size()), Some(100));
    let mut env = envelope("<a@a.example>", &["<b@b.example>"]).with_size(10);
    env.mail_params.requiretls = true;
    c.send_mail(&env).unwrap();
    assert_eq!(
        c.pending_transmit(),
        b"MAIL FROM:<a@a.example> SIZE=10 REQUIRETLS\r\nRCPT TO:<b@b.example>\r\nDATA\r\n"
    );
    // After HELO: no extensions.
    let helo = smtp_core::Reply::new(smtp_core::ReplyCode::OK, "mx");
    let c = ClientConnection::resume(
        config(),
        helo,
        HelloKind::Helo,
        Security::Plain,
        Timestamp(5),
    )
    .unwrap();
    assert!(c.capabilities().is_none());
    let bad = smtp_core::Reply::new(smtp_core::ReplyCode::new(502).unwrap(), "no");
    assert_eq!(
        ClientConnection::resume(
            config(),
            bad,
            HelloKind::Ehlo,
            Security::Plain,
            Timestamp(5)
        )
        .err(),
        Some(LocalError::UnsuitableReply { expected: "2yz" })
    );
}

#[test]
fn machine_moves_between_threads() {
    // Bindings keep one machine per connection and may hand it to a thread.
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<ClientConnection>();
    send_sync::<Event>();
}
