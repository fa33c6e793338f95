//! An application that answers from what the server machine lends (the
//! command, the message data, the recipients) never allocates: once the
//! buffers have grown to a transaction's size, a whole pipelined
//! transaction (MAIL, five RCPT, DATA, body, end of data) allocates
//! nothing. Counted with a global allocator that counts this thread only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use smtp_core::address::ForwardPathRef;
use smtp_core::command::CommandRef;
use smtp_core::server::{Event, ServerConfig, ServerConnection};
use smtp_core::{Extensions, Timestamp};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: no panic while a thread is being torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are const-initialised thread locals, which do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(Cell::get)
}

fn transaction(t: usize) -> Vec<u8> {
    let mut out = format!("MAIL FROM:<sender{t}@mail.example.com> SIZE=2000\r\n").into_bytes();
    for r in 0..5 {
        out.extend_from_slice(format!("RCPT TO:<rcpt{r}.{t}@dept.example.org>\r\n").as_bytes());
    }
    out.extend_from_slice(b"DATA\r\nSubject: hi\r\n\r\n");
    for l in 0..20 {
        out.extend_from_slice(format!("line {l:02} of a body that looks like text\r\n").as_bytes());
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Feeds `input` in reads of `read` octets and answers every event from
/// the lent views; returns what the application read (so it is used).
fn run(s: &mut ServerConnection, input: &[u8], read: usize) -> usize {
    let mut seen = 0;
    for chunk in input.chunks(read) {
        s.receive_data(chunk, Timestamp(1));
        while let Some(e) = s.poll_event() {
            match e {
                Event::MessageData { .. } => seen += s.message_data().len(),
                Event::MessageEnd { .. } => seen += s.recipients().count(),
                _ => {}
            }
            if let Some(CommandRef::Rcpt {
                to: ForwardPathRef::Mailbox(m),
                ..
            }) = s.command()
            {
                seen += m.local_part.len();
            }
            if e.needs_answer() {
                s.accept().unwrap();
            }
        }
        let n = s.pending_transmit().len();
        s.consume_transmit(n);
    }
    seen
}

#[test]
fn a_steady_transaction_allocates_nothing() {
    let mut cfg = ServerConfig::new("mx.example.org");
    cfg.extensions |= Extensions::PIPELINING;
    let mut s = ServerConnection::new(cfg, Timestamp(0));
    let n = s.pending_transmit().len();
    s.consume_transmit(n);
    run(&mut s, b"EHLO client.example.com\r\n", 4096);
    for read in [4096, 512, 64] {
        // The first transaction of each read size grows the buffers.
        assert!(run(&mut s, &transaction(0), read) > 0);
        let input = transaction(1);
        let mut seen = 0;
        let n = allocations(|| seen = run(&mut s, &input, read));
        assert!(seen > 0);
        assert_eq!(
            n, 0,
            "{n} allocations in a transaction read {read} octets at a time"
        );
    }
}
