//! A blocking SMTP sink on `ServerConnection`: accepts every envelope and
//! message, offers PIPELINING and CHUNKING, and throws the messages away.
//! One thread per connection; the machine decides everything, the loop
//! only moves bytes. It is the fast server the Python benchmark measures
//! clients against (`bindings-python/benches`), where a server slower than
//! the clients would hide their differences.
//!
//! Run: `cargo run --release -p smtp-core --example sink_server -- 127.0.0.1:2525`

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event, ServerConfig, ServerConnection};
use smtp_core::Timestamp;

/// Octets read from the socket at once. The machine keeps what follows an
/// event that awaits an answer (a pipelined client's next commands and
/// chunks), so it must be allowed to keep a whole read.
const READ_SIZE: usize = 256 << 10;

fn config() -> ServerConfig {
    let mut config = ServerConfig::new("sink.example");
    config.max_buffered_input = READ_SIZE;
    config.extensions |= Extensions::PIPELINING
        | Extensions::CHUNKING
        | Extensions::EIGHT_BIT_MIME
        | Extensions::SIZE;
    config.max_message_size = Some(64 << 20);
    config
}

fn now(start: Instant) -> Timestamp {
    Timestamp(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

/// Serves one connection until either side closes it.
fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let start = Instant::now();
    let mut server = ServerConnection::new(config(), now(start));
    let mut buf = vec![0u8; READ_SIZE];
    loop {
        // Answer every question with the machine's default reply; message
        // data is dropped as it comes.
        while let Some(event) = server.poll_event() {
            if event.needs_answer() && server.accept().is_err() {
                break; // the session ended meanwhile
            }
            if let Event::Failed(e) = event {
                eprintln!("sink_server: {e}");
            }
        }
        let out = server.pending_transmit();
        if !out.is_empty() {
            stream.write_all(out)?;
            let n = out.len();
            server.consume_transmit(n);
        }
        if server.is_closed() {
            return Ok(());
        }
        match stream.read(&mut buf)? {
            0 => {
                server.receive_eof(now(start));
                return Ok(());
            }
            n => server.receive_data(&buf[..n], now(start)),
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:2525".into());
    let listener = TcpListener::bind(&addr)?;
    eprintln!("sink_server: listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || {
            if let Err(e) = serve(stream) {
                eprintln!("sink_server: {e}");
            }
        });
    }
    Ok(())
}
