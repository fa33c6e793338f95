//! A server answering one scripted client session, in memory, printing the
//! transcript (`C:` what the client sent, `S:` what the server replied) and
//! the events the application saw.
//!
//! Run with `cargo run -p smtp-core --example server_session`.

use smtp_core::address::ForwardPathRef;
use smtp_core::command::CommandRef;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event, ServerConfig, ServerConnection};
use smtp_core::{Reply, ReplyCode, Timestamp};

/// The client's side, one write per entry: a pipelined envelope (RFC 2920),
/// a message with a dot-stuffed line, then QUIT.
const CLIENT: &[&str] = &[
    "EHLO client.example\r\n",
    "MAIL FROM:<alice@client.example> SIZE=120\r\nRCPT TO:<bob@mx.example>\r\nRCPT TO:<nobody@mx.example>\r\nDATA\r\n",
    "From: alice@client.example\r\nTo: bob@mx.example\r\nSubject: hello\r\n\r\n..a line starting with a dot\r\n.\r\n",
    "QUIT\r\n",
];

fn print_lines(prefix: &str, bytes: &[u8]) {
    for line in String::from_utf8_lossy(bytes).split_inclusive("\r\n") {
        println!("{prefix} {}", line.trim_end_matches("\r\n"));
    }
}

fn main() {
    let mut config = ServerConfig::new("mx.example");
    config.extensions |= Extensions::CHUNKING | Extensions::DSN;
    config.max_message_size = Some(10 * 1024 * 1024);

    let mut now = Timestamp(0);
    let mut server = ServerConnection::new(config, now);
    let mut message = Vec::new();

    let flush = |server: &mut ServerConnection| {
        let out = server.pending_transmit().to_vec();
        print_lines("S:", &out);
        server.consume_transmit(out.len());
    };
    flush(&mut server);

    for chunk in CLIENT {
        now = now.plus_millis(10);
        print_lines("C:", chunk.as_bytes());
        server.receive_data(chunk.as_bytes(), now);
        while let Some(event) = server.poll_event() {
            // What the event is about is lent by the machine: the command
            // being answered, the message octets. Reading it copies nothing.
            match server.command() {
                Some(command) => println!("   event: {event:?} ({command:?})"),
                None => println!("   event: {event:?}"),
            }
            let unknown_user = matches!(
                server.command(),
                Some(CommandRef::Rcpt { to: ForwardPathRef::Mailbox(m), .. })
                    if m.local_part == "nobody"
            );
            let result = match &event {
                Event::RcptTo if unknown_user => server.reply(Reply::new(
                    ReplyCode::MAILBOX_UNAVAILABLE,
                    "5.1.1 No such user here",
                )),
                Event::MessageData { .. } => {
                    message.extend_from_slice(server.message_data());
                    Ok(())
                }
                Event::Ehlo
                | Event::MailFrom
                | Event::RcptTo
                | Event::Data
                | Event::MessageEnd { .. }
                | Event::Quit => server.accept(),
                _ => Ok(()),
            };
            if let Err(e) = result {
                eprintln!("answer refused: {e}");
            }
        }
        flush(&mut server);
    }
    println!("\nmessage stored ({} octets):", message.len());
    print_lines("  |", &message);
    assert!(server.is_closed());
}
