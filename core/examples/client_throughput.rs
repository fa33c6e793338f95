//! Measures the client machine alone: whole sessions (greeting, EHLO, one
//! pipelined transaction with three recipients, a 10 KiB body, QUIT)
//! against canned server bytes, no I/O.
//!
//! Run: `cargo run --release -p smtp-core --example client_throughput`

use std::time::Instant;

use smtp_core::client::{ClientConfig, ClientConnection, Envelope, Event};
use smtp_core::{Domain, ForwardPath, ReversePath, Timestamp};

const SERVER: &[&[u8]] = &[
    b"220 mx.example.org ESMTP\r\n",
    b"250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n",
    b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n354 go\r\n",
    b"250 2.0.0 queued\r\n221 2.0.0 bye\r\n",
];

fn session(env: &Envelope, body: &[u8]) -> usize {
    let config = ClientConfig::new(Domain::Name("client.example.com".into()));
    let mut c = ClientConnection::new(config, Timestamp(0)).expect("config");
    let mut wrote = 0;
    for chunk in SERVER {
        c.receive_data(chunk, Timestamp(1));
        while let Some(e) = c.poll_event() {
            match e {
                Event::EhloAccepted { .. } => c.send_mail(env).expect("send_mail"),
                Event::ReadyForBody => {
                    c.send_body(body).expect("body");
                    c.finish_body().expect("finish");
                    c.quit().expect("quit");
                }
                _ => {}
            }
        }
        wrote += c.pending_transmit().len();
        c.consume_transmit(usize::MAX);
    }
    c.receive_eof(Timestamp(2));
    assert!(matches!(
        c.poll_event(),
        Some(Event::Closed { clean: true, .. })
    ));
    wrote
}

fn main() {
    let from = ReversePath::parse("<alice@example.com>", false).expect("from");
    let to = [
        "<bob@example.org>",
        "<carol@example.org>",
        "<nobody@example.org>",
    ]
    .iter()
    .map(|t| ForwardPath::parse(t, false).expect("to"))
    .collect::<Vec<_>>();
    let body: Vec<u8> = b"A line of text that is sixty-four octets long, more or less.\r\n"
        .iter()
        .copied()
        .cycle()
        .take(10 * 1024)
        .collect();
    let env = Envelope::new(from, to).with_size(body.len() as u64);
    let n = 20_000;
    session(&env, &body);
    let start = Instant::now();
    let mut octets = 0;
    for _ in 0..n {
        octets += session(&env, &body);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} sessions in {secs:.3} s: {:.0} sessions/s, {:.2} µs each, {:.0} MB/s written",
        n as f64 / secs,
        secs * 1e6 / n as f64,
        octets as f64 / secs / 1e6
    );
}
