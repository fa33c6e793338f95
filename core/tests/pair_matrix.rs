//! ClientConnection against ServerConnection in memory, on a virtual clock,
//! over every combination of PIPELINING, CHUNKING, SMTPUTF8, LMTP, STARTTLS
//! and AUTH mechanism: the server must receive exactly the envelope and the
//! body bytes the client was given.

use smtp_core::auth::{Credentials, Mechanism, ScramCredentials, Verification};
use smtp_core::client::{ClientConfig, ClientConnection, Envelope, Event as CEvent};
use smtp_core::command::CommandRef;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event as SEvent, ServerConfig, ServerConnection};
use smtp_core::{Domain, ForwardPath, ReversePath, Timestamp};

const PASSWORD: &str = "correct horse";
const TOKEN: &str = "ya29.token";

#[derive(Clone, Copy, Debug)]
struct Combo {
    pipelining: bool,
    chunking: bool,
    smtputf8: bool,
    lmtp: bool,
    starttls: bool,
    auth: Option<&'static str>,
}

fn mechanism(name: &str) -> Mechanism {
    Mechanism::parse(name).unwrap()
}

fn credentials(name: &str) -> Credentials {
    match name {
        "XOAUTH2" | "OAUTHBEARER" => Credentials::bearer("user@example.org", TOKEN),
        _ => Credentials::password("user@example.org", PASSWORD),
    }
}

/// What the server application saw.
#[derive(Default, Debug)]
struct Received {
    from: Vec<ReversePath>,
    rcpts: Vec<ForwardPath>,
    body: Vec<u8>,
    messages: usize,
    authenticated: bool,
    bdat_chunks: usize,
    data_commands: usize,
    tls: bool,
}

fn server_config(c: Combo) -> ServerConfig {
    let mut cfg = ServerConfig::new("mx.example.org");
    let mut ext = Extensions::EIGHT_BIT_MIME | Extensions::ENHANCED_STATUS_CODES | Extensions::SIZE;
    if c.pipelining {
        ext |= Extensions::PIPELINING;
    }
    if c.chunking {
        ext |= Extensions::CHUNKING;
    }
    if c.smtputf8 {
        ext |= Extensions::SMTPUTF8;
    }
    if c.starttls {
        ext |= Extensions::STARTTLS;
    }
    cfg.extensions = ext;
    cfg.max_message_size = Some(1 << 20);
    cfg.lmtp = c.lmtp;
    if let Some(m) = c.auth {
        cfg.auth_mechanisms = vec![m.to_string()];
        cfg.auth_requires_tls = c.starttls;
        cfg.auth_required = true;
    }
    cfg
}

fn envelope(c: Combo) -> (ReversePath, Vec<ForwardPath>) {
    let (from, rcpts): (&str, &[&str]) = if c.smtputf8 {
        (
            "<j\u{f6}rg@b\u{fc}cher.example>",
            &[
                "<\u{7528}\u{6237}@\u{4f8b}\u{5b50}.example>",
                "<bob@example.net>",
            ],
        )
    } else {
        (
            "<alice@example.com>",
            &["<bob@example.net>", "<carol@example.net>"],
        )
    };
    (
        ReversePath::parse(from, c.smtputf8).unwrap(),
        rcpts
            .iter()
            .map(|r| ForwardPath::parse(r, c.smtputf8).unwrap())
            .collect(),
    )
}

fn body(c: Combo) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"From: alice\r\nSubject: pair test\r\n\r\n");
    b.extend_from_slice(b".leading dot\r\n.\r\n..two dots\r\n \r\n.\r\n");
    if c.smtputf8 {
        b.extend_from_slice("gr\u{fc}\u{df}e \u{4f60}\u{597d}\r\n".as_bytes());
    }
    for i in 0..3000 {
        b.extend_from_slice(
            format!("line {i} of a body long enough for several chunks\r\n").as_bytes(),
        );
    }
    b.extend_from_slice(b"last line\r\n");
    b
}

fn run(c: Combo) -> (Received, Vec<CEvent>) {
    let mut now = 0u64;
    let mut server = ServerConnection::new(server_config(c), Timestamp(now));
    server.set_nonce("c2VydmVyLW5vbmNl");
    let hello = Domain::Name("client.example".into());
    let ccfg = if c.lmtp {
        ClientConfig::lmtp(hello)
    } else {
        ClientConfig::new(hello)
    };
    let mut client = ClientConnection::new(ccfg, Timestamp(now)).unwrap();

    let (from, rcpts) = envelope(c);
    let message = body(c);
    let mut env = Envelope::new(from.clone(), rcpts.clone());
    env.size = Some(message.len() as u64);

    let mut got = Received::default();
    let mut client_events = Vec::new();
    let (mut c_tls, mut s_tls) = (false, false);
    let mut sent_mail = false;
    let mut body_offset: Option<usize> = None;
    let mut finished = false;
    let mut quitting = false;

    for _round in 0..100_000 {
        now += 1;
        let t = Timestamp(now);
        let mut progressed = false;

        // Server application: accept everything, check secrets.
        while let Some(e) = server.poll_event() {
            progressed = true;
            match (&e, server.command()) {
                (SEvent::MailFrom, Some(CommandRef::Mail { from, .. })) => {
                    got.from.push(from.into_owned())
                }
                (SEvent::RcptTo, Some(CommandRef::Rcpt { to, .. })) => {
                    got.rcpts.push(to.into_owned())
                }
                (SEvent::MailFrom | SEvent::RcptTo, other) => panic!("{e:?} lends {other:?}"),
                (SEvent::MessageData { .. }, _) => {
                    got.body.extend_from_slice(server.message_data())
                }
                (SEvent::TlsHandshake, _) => s_tls = true,
                (SEvent::Bdat { .. }, _) => got.bdat_chunks += 1,
                (SEvent::Data, _) => got.data_commands += 1,
                _ => {}
            }
            match e {
                SEvent::Auth(req) => match req.verification {
                    Verification::NeedCredentials { username, .. } => {
                        assert_eq!(username, "user@example.org");
                        let creds = ScramCredentials::derive(PASSWORD, b"pair salt", 4096);
                        server.provide_scram_credentials(creds).unwrap();
                    }
                    v => {
                        let ok = match v {
                            Verification::Plain {
                                username, password, ..
                            }
                            | Verification::Login { username, password } => {
                                username == "user@example.org" && password == PASSWORD
                            }
                            Verification::CramMd5 {
                                challenge, digest, ..
                            } => smtp_core::auth::verify_cram_md5(
                                PASSWORD.as_bytes(),
                                &challenge,
                                &digest,
                            ),
                            Verification::OAuth { token, .. } => token == TOKEN,
                            other => panic!("{other:?}"),
                        };
                        assert!(ok, "{c:?}: bad credentials");
                        got.authenticated = true;
                        server.accept().unwrap();
                    }
                },
                SEvent::MessageEnd { .. } => {
                    got.messages += 1;
                    let recipients = server.recipients().len();
                    for _ in 0..if c.lmtp { recipients } else { 1 } {
                        server.accept().unwrap();
                    }
                }
                SEvent::Ehlo { .. }
                | SEvent::Lhlo { .. }
                | SEvent::MailFrom { .. }
                | SEvent::RcptTo { .. }
                | SEvent::Data
                | SEvent::ChunkEnd { .. }
                | SEvent::Quit
                | SEvent::StartTls => server.accept().unwrap(),
                SEvent::CommandRefused { reply, .. } => panic!("{c:?}: server refused: {reply:?}"),
                SEvent::MessageRefused { reply, .. } => panic!("{c:?}: message refused: {reply:?}"),
                SEvent::Failed(err) => panic!("{c:?}: server failed: {err:?}"),
                _ => {}
            }
        }

        // Client application: the session script.
        while let Some(e) = client.poll_event() {
            progressed = true;
            match &e {
                CEvent::EhloAccepted { .. } => {
                    if c.starttls && !client.is_tls() {
                        client.starttls().unwrap();
                    } else if let (Some(m), false) = (c.auth, client.is_authenticated()) {
                        client
                            .authenticate_with(
                                mechanism(m),
                                credentials(m),
                                Some("Y2xpZW50LW5vbmNl"),
                            )
                            .unwrap();
                    } else if !sent_mail {
                        sent_mail = true;
                        client.send_mail(&env).unwrap();
                    }
                }
                CEvent::TlsHandshake { .. } => c_tls = true,
                CEvent::AuthSucceeded { .. } => {
                    sent_mail = true;
                    client.send_mail(&env).unwrap();
                }
                CEvent::ReadyForBody => body_offset = Some(0),
                CEvent::TransactionFinished { .. } => {
                    finished = true;
                    quitting = true;
                    client.quit().unwrap();
                }
                CEvent::AuthFailed { reply, .. } => panic!("{c:?}: auth failed {reply:?}"),
                CEvent::TransactionFailed { reply, .. } => {
                    panic!("{c:?}: transaction failed {reply:?}")
                }
                CEvent::Failed(err) => panic!("{c:?}: client failed {err:?}"),
                _ => {}
            }
            client_events.push(e);
        }

        // The body goes in pieces, as the client's buffer allows.
        if let Some(off) = body_offset {
            if off < message.len() && client.body_ready() {
                let end = (off + 10_000).min(message.len());
                if client.send_body(&message[off..end]).is_ok() {
                    body_offset = Some(end);
                    progressed = true;
                }
            }
            if body_offset == Some(message.len()) {
                client.finish_body().unwrap();
                body_offset = None;
                progressed = true;
            }
        }

        if c_tls && s_tls {
            client.tls_established(t).unwrap();
            server.tls_established(t).unwrap();
            c_tls = false;
            s_tls = false;
            progressed = true;
        }

        // The wire, both ways.
        let up = client.pending_transmit().to_vec();
        if !up.is_empty() && server.wants_input() {
            server.receive_data(&up, t);
            client.consume_transmit(up.len());
            progressed = true;
        }
        let down = server.pending_transmit().to_vec();
        if !down.is_empty() {
            client.receive_data(&down, t);
            server.consume_transmit(down.len());
            progressed = true;
        }
        let client_done = client_events
            .iter()
            .any(|e| matches!(e, CEvent::Closed { .. }));
        if server.is_closed() && server.pending_transmit().is_empty() && !client_done && !progressed
        {
            // The server's socket closes after its last words.
            client.receive_eof(t);
            progressed = true;
        }
        if client_done && server.is_closed() {
            break;
        }
        assert!(
            progressed,
            "{c:?}: stalled; client events {client_events:?}"
        );
    }
    assert!(finished && quitting, "{c:?}: no transaction end");
    got.tls = server.is_tls();
    (got, client_events)
}

#[test]
fn every_combination_delivers_exactly_what_was_given() {
    let mut runs = 0;
    let mechs: [Option<&str>; 7] = [
        None,
        Some("PLAIN"),
        Some("LOGIN"),
        Some("CRAM-MD5"),
        Some("SCRAM-SHA-256"),
        Some("XOAUTH2"),
        Some("OAUTHBEARER"),
    ];
    for bits in 0..32u8 {
        for auth in mechs {
            let c = Combo {
                pipelining: bits & 1 != 0,
                chunking: bits & 2 != 0,
                smtputf8: bits & 4 != 0,
                lmtp: bits & 8 != 0,
                starttls: bits & 16 != 0,
                auth,
            };
            let (got, client_events) = run(c);
            let (from, rcpts) = envelope(c);
            assert_eq!(got.from, vec![from], "{c:?}");
            assert_eq!(got.rcpts, rcpts, "{c:?}");
            assert_eq!(got.messages, 1, "{c:?}");
            assert!(
                got.body == body(c),
                "{c:?}: body differs ({} vs {} octets)",
                got.body.len(),
                body(c).len()
            );
            assert_eq!(
                got.authenticated,
                auth.is_some() && auth != Some("SCRAM-SHA-256"),
                "{c:?}"
            );
            assert_eq!(got.tls, c.starttls, "{c:?}");
            if c.chunking {
                // 64 KiB chunks (the client's default) and a last one.
                assert!(
                    got.bdat_chunks >= 3 && got.data_commands == 0,
                    "{c:?}: {got:?}"
                );
            } else {
                assert!(got.bdat_chunks == 0 && got.data_commands == 1, "{c:?}");
            }
            if c.lmtp {
                let deliveries = client_events
                    .iter()
                    .filter(|e| matches!(e, CEvent::DeliveryReply { .. }))
                    .count();
                assert_eq!(deliveries, 2, "{c:?}");
            }
            assert!(
                client_events
                    .iter()
                    .any(|e| matches!(e, CEvent::Closed { clean: true, .. })),
                "{c:?}: {client_events:?}"
            );
            runs += 1;
        }
    }
    assert_eq!(runs, 224);
}
