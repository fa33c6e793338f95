//! Reply parsing, smtp-core vs smtp-proto 0.2.5, side by side on the same
//! inputs: (1) a realistic 12-line EHLO reply into capabilities, (2) a
//! ~1 MiB stream of mixed single and multi-line replies into replies.
//!
//! Run: `cargo bench -p smtp-core --bench replies -- --warm-up-time 1 --measurement-time 3`
//! (or `BENCH_MIN=1 cargo bench -p smtp-core --bench replies` on a loaded
//! machine).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use smtp_core::reply::ReplyParser;
use smtp_core::Capabilities;
use smtp_proto::response::parser::ResponseReceiver;
use smtp_proto::EhloResponse;

const EHLO: &[u8] = b"250-smtp.example.com at your service, [192.0.2.1]\r\n\
250-SIZE 35882577\r\n\
250-8BITMIME\r\n\
250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-PIPELINING\r\n\
250-CHUNKING\r\n\
250-STARTTLS\r\n\
250-DSN\r\n\
250-DELIVERBY\r\n\
250-REQUIRETLS\r\n\
250 SMTPUTF8\r\n";

/// Replies a client sees in a session, cycled until the stream passes 1 MiB.
const MIX: &[&[u8]] = &[
    b"220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n",
    EHLO,
    b"250 2.1.0 Ok\r\n",
    b"250 2.1.5 Ok\r\n",
    b"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table\r\n",
    b"354 End data with <CR><LF>.<CR><LF>\r\n",
    b"250 2.0.0 Ok: queued as 4Xk9Qd2Lm1z3vB\r\n",
    b"451-4.7.1 Please try again later; this server is greylisting you\r\n\
451-4.7.1 for a few minutes. See https://example.org/greylisting for\r\n\
451 4.7.1 more information about why this happens.\r\n",
    b"334 VXNlcm5hbWU6\r\n",
    b"235 2.7.0 Authentication successful\r\n",
    b"221 2.0.0 Bye\r\n",
];

fn stream() -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 20);
    while out.len() < 1 << 20 {
        for r in MIX {
            out.extend_from_slice(r);
        }
    }
    out
}

fn core_replies(input: &[u8]) -> usize {
    let mut parser = ReplyParser::new();
    let mut rest = input;
    let mut n = 0;
    loop {
        let (used, r) = parser.parse(rest);
        rest = rest.get(used..).unwrap_or_default();
        match r {
            Some(Ok(reply)) => {
                black_box(&reply);
                n += 1;
            }
            _ => return n,
        }
    }
}

fn proto_replies(input: &[u8]) -> usize {
    let mut rx = ResponseReceiver::default();
    let mut it = input.iter();
    let mut n = 0;
    while let Ok(resp) = rx.parse(&mut it) {
        black_box(&resp);
        rx.reset();
        n += 1;
    }
    n
}

fn core_ehlo(input: &[u8]) -> Capabilities {
    match ReplyParser::new().parse(input).1 {
        Some(Ok(reply)) => Capabilities::from_reply(&reply),
        _ => unreachable!(),
    }
}

/// `BENCH_MIN=1 cargo bench -p smtp-core --bench replies`: the EHLO reply
/// read 500 times in a row, the best of 2000 such batches for each side,
/// taken in turns, printed in ns per reply with the ratio. On a loaded
/// machine the minimum is steadier than criterion's mean.
fn min_time() {
    use std::time::Instant;
    const BATCH: u32 = 500;
    let (mut core, mut proto) = (f64::MAX, f64::MAX);
    for _ in 0..2000 {
        let t = Instant::now();
        for _ in 0..BATCH {
            black_box(core_ehlo(black_box(EHLO)));
        }
        core = core.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for _ in 0..BATCH {
            black_box(EhloResponse::parse(&mut black_box(EHLO).iter()).ok());
        }
        proto = proto.min(t.elapsed().as_secs_f64());
    }
    let ns = |s: f64| s / f64::from(BATCH) * 1e9;
    eprintln!(
        "MIN ehlo smtp-core {:.0} ns, smtp-proto {:.0} ns; smtp-core {:.2}x smtp-proto",
        ns(core),
        ns(proto),
        proto / core
    );
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("BENCH_MIN").is_some() {
        min_time();
        return;
    }
    // Both sides must see the same replies.
    let data = stream();
    assert_eq!(core_replies(&data), proto_replies(&data));
    let caps = Capabilities::from_reply(&ReplyParser::new().parse(EHLO).1.unwrap().unwrap());
    let proto = EhloResponse::parse(&mut EHLO.iter()).unwrap();
    assert_eq!(caps.max_size(), Some(proto.size as u64));
    assert!(caps.greeting().starts_with(&proto.hostname));

    let mut g = c.benchmark_group("ehlo");
    g.throughput(Throughput::Bytes(EHLO.len() as u64));
    g.bench_function("smtp-core", |b| b.iter(|| core_ehlo(black_box(EHLO))));
    g.bench_function("smtp-proto", |b| {
        b.iter(|| EhloResponse::parse(&mut black_box(EHLO).iter()))
    });
    g.finish();

    let mut g = c.benchmark_group("reply-stream-1MiB");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("smtp-core", |b| b.iter(|| core_replies(black_box(&data))));
    g.bench_function("smtp-proto", |b| b.iter(|| proto_replies(black_box(&data))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
