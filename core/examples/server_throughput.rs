//! Rough throughput of the server machine alone, in memory: a 32 MiB
//! message through DATA (dot-unstuffing) and through BDAT, and pipelined
//! envelopes per second. Not a benchmark harness; run in release:
//! `cargo run --release -p smtp-core --example server_throughput`.

use std::time::Instant;

use smtp_core::ehlo::Extensions;
use smtp_core::server::{ServerConfig, ServerConnection};
use smtp_core::Timestamp;

fn server() -> ServerConnection {
    let mut cfg = ServerConfig::new("mx.example");
    cfg.extensions |= Extensions::CHUNKING;
    let mut s = ServerConnection::new(cfg, Timestamp(0));
    feed(&mut s, b"EHLO c\r\n");
    s
}

/// Feeds and answers everything; returns message octets received.
fn feed(s: &mut ServerConnection, bytes: &[u8]) -> usize {
    s.receive_data(bytes, Timestamp(1));
    let mut octets = 0;
    while let Some(e) = s.poll_event() {
        if let smtp_core::server::Event::MessageData { .. } = e {
            octets += s.message_data().len();
        }
        if e.needs_answer() {
            s.accept().expect("an answer is awaited");
        }
    }
    let n = s.pending_transmit().len();
    s.consume_transmit(n);
    octets
}

fn main() {
    let line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n";
    let mut body = Vec::new();
    while body.len() < 32 << 20 {
        body.extend_from_slice(line);
    }

    let mut s = server();
    feed(
        &mut s,
        b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n",
    );
    let t = Instant::now();
    let mut got = 0;
    for chunk in body.chunks(64 * 1024) {
        got += feed(&mut s, chunk);
    }
    feed(&mut s, b".\r\n");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(got, body.len());
    println!(
        "DATA: {} MiB in {:.3} s = {:.0} MiB/s",
        body.len() >> 20,
        secs,
        (body.len() >> 20) as f64 / secs
    );

    let mut s = server();
    feed(
        &mut s,
        b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\n",
    );
    feed(&mut s, format!("BDAT {} LAST\r\n", body.len()).as_bytes());
    let t = Instant::now();
    let mut got = 0;
    for chunk in body.chunks(64 * 1024) {
        got += feed(&mut s, chunk);
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(got, body.len());
    println!(
        "BDAT: {} MiB in {:.3} s = {:.0} MiB/s",
        body.len() >> 20,
        secs,
        (body.len() >> 20) as f64 / secs
    );

    let mut s = server();
    let group = b"MAIL FROM:<alice@example.com> SIZE=1000\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\nRSET\r\n";
    let rounds = 100_000;
    let t = Instant::now();
    for _ in 0..rounds {
        feed(&mut s, group);
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "pipelined MAIL+2 RCPT+RSET groups: {rounds} in {secs:.3} s = {:.0} commands/s",
        (rounds * 4) as f64 / secs
    );
}
