//! The whole server machine on a pipelined session stream, driven as an
//! application drives it: client bytes in (16 KiB reads, only while the
//! machine wants input), every event drained, every answerable event
//! answered with `accept()`, replies taken out of the transmit buffer.
//!
//! Two applications: one that accepts every event and reads the message
//! data, and one that also reads every command it answers (sender,
//! recipient, parameters) through `ServerConnection::command`, as a real
//! server checks them.
//!
//! Reports commands per second (criterion, "elem/s") and, once before the
//! timing, allocations per command (a counting global allocator).
//!
//! Run: `taskset -c 0 cargo bench -p smtp-core --bench server_session -- --warm-up-time 1 --measurement-time 4`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use criterion::{Criterion, Throughput};
use smtp_core::command::CommandRef;
use smtp_core::server::{Event, ServerConfig, ServerConnection};
use smtp_core::{Extensions, Timestamp};

/// Counts every allocation and reallocation (frees are not counted).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED_BYTES.fetch_add(layout.size() as u64, Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED_BYTES.fetch_add(layout.size() as u64, Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED_BYTES.fetch_add(new_size as u64, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Mail transactions in the session.
const TRANSACTIONS: usize = 100;
/// Recipients per transaction.
const RECIPIENTS: usize = 5;
/// Socket read size.
const READ: usize = 16 * 1024;

/// EHLO, then `TRANSACTIONS` times MAIL (SIZE, BODY), five RCPT (NOTIFY),
/// DATA, a 20-line body, then QUIT, as a pipelining client sends them.
/// Returns the stream and its number of command lines.
fn session() -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    let mut commands = 0;
    out.extend_from_slice(b"EHLO client.example.com\r\n");
    commands += 1;
    for t in 0..TRANSACTIONS {
        out.extend_from_slice(
            format!("MAIL FROM:<sender.{t}@mail.example.com> SIZE=1400 BODY=8BITMIME\r\n")
                .as_bytes(),
        );
        for r in 0..RECIPIENTS {
            out.extend_from_slice(
                format!("RCPT TO:<recipient{r}.user@dept{t}.example.org>\r\n").as_bytes(),
            );
        }
        out.extend_from_slice(b"DATA\r\n");
        commands += 2 + RECIPIENTS as u64;
        out.extend_from_slice(format!("Subject: message {t}\r\n\r\n").as_bytes());
        for l in 0..20 {
            out.extend_from_slice(
                format!("Line {l:02} of the body, long enough to look like real text.\r\n")
                    .as_bytes(),
            );
        }
        out.extend_from_slice(b".\r\n");
    }
    out.extend_from_slice(b"QUIT\r\n");
    commands += 1;
    (out, commands)
}

fn config() -> ServerConfig {
    let mut config = ServerConfig::new("mx.example.org");
    config.extensions |= Extensions::DSN;
    config
}

/// What the second application reads of a command before accepting it.
fn inspect(command: Option<CommandRef<'_>>) -> u64 {
    match command {
        Some(CommandRef::Mail { from, params }) => {
            u64::from(from.is_ascii()) + params.size.unwrap_or(0)
        }
        Some(CommandRef::Rcpt { to, .. }) => match to {
            smtp_core::address::ForwardPathRef::Mailbox(m) => m.local_part.len() as u64,
            _ => 1,
        },
        Some(_) => 1,
        None => 0,
    }
}

/// One whole session; returns the message octets handed over (so nothing
/// is optimised away). `read_commands`: the application looks at every
/// command it answers.
fn drive(stream: &[u8], read_commands: bool) -> u64 {
    let mut server = ServerConnection::new(config(), Timestamp(0));
    let mut input = stream.chunks(READ);
    let mut octets = 0u64;
    let mut written = 0usize;
    loop {
        while let Some(event) = server.poll_event() {
            if let Event::MessageData { .. } = event {
                octets += server.message_data().len() as u64;
            }
            if event.needs_answer() {
                if read_commands {
                    octets += black_box(inspect(server.command()));
                }
                server.accept().expect("every awaited event takes accept()");
            }
        }
        let n = server.pending_transmit().len();
        written += n;
        server.consume_transmit(n);
        if server.is_closed() {
            break;
        }
        assert!(server.wants_input(), "the machine neither waits nor reads");
        match input.next() {
            Some(chunk) => server.receive_data(chunk, Timestamp(1)),
            None => panic!("the session did not end with QUIT"),
        }
    }
    black_box(written);
    octets
}

/// Counts the allocations of one session.
fn count_allocations(stream: &[u8], commands: u64, read_commands: bool, name: &str) {
    let before = (ALLOCATIONS.load(Relaxed), ALLOCATED_BYTES.load(Relaxed));
    let octets = drive(stream, read_commands);
    let allocations = ALLOCATIONS.load(Relaxed) - before.0;
    let bytes = ALLOCATED_BYTES.load(Relaxed) - before.1;
    assert!(octets > 0);
    println!(
        "server_session/{name}: {commands} commands, {} octets in; {allocations} allocations \
         ({:.2} per command, {:.0} octets allocated per command)",
        stream.len(),
        allocations as f64 / commands as f64,
        bytes as f64 / commands as f64,
    );
}

fn main() {
    let (stream, commands) = session();
    const ACCEPT: &str = "pipelined, accept every event";
    const READ: &str = "pipelined, read every command then accept";
    count_allocations(&stream, commands, false, ACCEPT);
    count_allocations(&stream, commands, true, READ);

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("server_session");
    group.throughput(Throughput::Elements(commands));
    group.bench_function(ACCEPT, |b| b.iter(|| drive(black_box(&stream), false)));
    group.bench_function(READ, |b| b.iter(|| drive(black_box(&stream), true)));
    group.finish();
    c.final_summary();
}
