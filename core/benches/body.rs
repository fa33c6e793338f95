//! Body codec throughput on one 10 MiB realistic message, side by side with
//! smtp-proto's DATA receiver, a memchr line scan with copy, and memcpy.
//!
//! `cargo bench -p smtp-core --bench body -- --warm-up-time 1 --measurement-time 3`
//! (or `BODY_MIN=1 cargo bench -p smtp-core --bench body` on a loaded machine).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use smtp_core::body::{BareLineEndingPolicy, DotStuffer, DotUnstuffer};

const TARGET: usize = 10 * 1024 * 1024;

/// A message of ~76-octet text lines with CRLF, about one in 40 starting
/// with '.', built from a fixed LCG so every run measures the same bytes.
fn message() -> Vec<u8> {
    let mut seed: u64 = 0x5eed_cafe_f00d_d00d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let words: &[&[u8]] = &[
        b"the",
        b"message",
        b"body",
        b"of",
        b"an",
        b"SMTP",
        b"transaction",
        b"is",
        b"text",
        b"with",
        b"lines",
        b"quoted-printable",
        b"=3D",
        b"and",
        b"some",
        b"longer",
        b"words",
    ];
    let mut msg = Vec::with_capacity(TARGET + 128);
    while msg.len() < TARGET {
        let target = 60 + next() % 17; // 60..=76 octets of text
        let start = msg.len();
        if next() % 40 == 0 {
            msg.push(b'.');
        }
        while msg.len() - start < target {
            msg.extend_from_slice(words[next() % words.len()]);
            msg.push(b' ');
        }
        msg.extend_from_slice(b"\r\n");
    }
    msg
}

/// The message as on the wire: dot-stuffed, ending with CRLF.CRLF.
fn wire(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + msg.len() / 64);
    let mut s = DotStuffer::new(BareLineEndingPolicy::Refuse);
    s.push(msg, &mut out).unwrap();
    s.finish(&mut out).unwrap();
    out
}

/// `BODY_MIN=1 cargo bench -p smtp-core --bench body`: best of 60 runs of
/// each decoder, printed in GB/s. On a machine shared with other jobs the
/// minimum is steadier than criterion's mean.
fn min_time(wire: &[u8], out: &mut Vec<u8>) {
    use std::time::Instant;
    let mut best = [f64::MAX; 4];
    for _ in 0..60 {
        let t = Instant::now();
        out.clear();
        let mut u = DotUnstuffer::new();
        black_box(u.decode(black_box(wire), out));
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        out.clear();
        let mut rest = black_box(wire);
        while let Some(lf) = memchr::memchr(b'\n', rest) {
            let (line, tail) = rest.split_at(lf + 1);
            out.extend_from_slice(line);
            rest = tail;
        }
        black_box(&out);
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        out.clear();
        out.extend_from_slice(black_box(wire));
        black_box(&out);
        best[2] = best[2].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        out.clear();
        let mut r = smtp_proto::request::receiver::DataReceiver::new();
        black_box(r.ingest(&mut black_box(wire).iter(), out));
        best[3] = best[3].min(t.elapsed().as_secs_f64());
    }
    let gb = |s: f64| wire.len() as f64 / s / 1e9;
    eprintln!(
        "MIN ours {:.2} memchr {:.2} memcpy {:.2} proto {:.2} GB/s",
        gb(best[0]),
        gb(best[1]),
        gb(best[2]),
        gb(best[3])
    );
}

fn bench(c: &mut Criterion) {
    let msg = message();
    let wire = wire(&msg);
    if std::env::var_os("BODY_MIN").is_some() {
        min_time(&wire, &mut Vec::with_capacity(wire.len() + 1024));
        return;
    }
    let mut g = c.benchmark_group("body");
    g.throughput(Throughput::Bytes(wire.len() as u64));
    let mut out: Vec<u8> = Vec::with_capacity(wire.len() + 1024);

    // Sanity: all decoders agree before timing them.
    {
        let mut u = DotUnstuffer::new();
        let d = u.decode(&wire, &mut out);
        assert!(d.finished && d.consumed == wire.len());
        assert_eq!(out, msg);
        let mut r = smtp_proto::request::receiver::DataReceiver::new();
        let mut other = Vec::new();
        assert!(r.ingest(&mut wire.iter(), &mut other));
        assert_eq!(other, msg);
    }

    g.bench_function("unstuff/smtp-core", |b| {
        b.iter(|| {
            out.clear();
            let mut u = DotUnstuffer::new();
            black_box(u.decode(black_box(&wire), &mut out));
        })
    });
    g.bench_function("unstuff/smtp-core-64k-chunks", |b| {
        b.iter(|| {
            out.clear();
            let mut u = DotUnstuffer::new();
            for chunk in black_box(&wire).chunks(64 * 1024) {
                black_box(u.decode(chunk, &mut out));
            }
        })
    });
    g.bench_function("unstuff/smtp-proto-0.2.5", |b| {
        b.iter(|| {
            out.clear();
            let mut r = smtp_proto::request::receiver::DataReceiver::new();
            black_box(r.ingest(&mut black_box(&wire).iter(), &mut out));
        })
    });
    g.bench_function("baseline/memchr-lines-copy", |b| {
        b.iter(|| {
            out.clear();
            let mut rest = black_box(&wire[..]);
            while let Some(lf) = memchr::memchr(b'\n', rest) {
                let (line, tail) = rest.split_at(lf + 1);
                out.extend_from_slice(line);
                rest = tail;
            }
            out.extend_from_slice(rest);
            black_box(&out);
        })
    });
    g.bench_function("baseline/memcpy", |b| {
        b.iter(|| {
            out.clear();
            out.extend_from_slice(black_box(&wire));
            black_box(&out);
        })
    });
    g.throughput(Throughput::Bytes(msg.len() as u64));
    g.bench_function("stuff/smtp-core", |b| {
        b.iter(|| {
            out.clear();
            let mut s = DotStuffer::new(BareLineEndingPolicy::Refuse);
            s.push(black_box(&msg), &mut out).unwrap();
            s.finish(&mut out).unwrap();
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
