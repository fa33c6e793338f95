//! A whole SMTP session between the client and the server machines, in
//! memory, on a virtual clock: no socket, no thread, no real time. Prints
//! the transcript (`C:` what the client wrote, `S:` what the server wrote)
//! and what each application saw.
//!
//! The server offers PIPELINING, so the client sends MAIL, both RCPTs and
//! DATA in one flight (RFC 2920); the server refuses one recipient; the body
//! has a line starting with a dot and travels dot-stuffed.
//!
//! Run with `cargo run -p smtp-core --example in_memory_session`.

use smtp_core::address::ForwardPathRef;
use smtp_core::client::{ClientConfig, ClientConnection, Envelope, Event as ClientEvent};
use smtp_core::command::CommandRef;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event as ServerEvent, ServerConfig, ServerConnection};
use smtp_core::{Domain, ForwardPath, Reply, ReplyCode, ReversePath, Timestamp};

const MESSAGE: &[u8] = b"From: alice@client.example\r\n\
To: bob@mx.example\r\n\
Subject: hello from smtp-rs\r\n\
\r\n\
Hi Bob,\r\n\
.this line starts with a dot, so it is sent as '..this'.\r\n";

fn print_lines(prefix: &str, bytes: &[u8]) {
    for line in String::from_utf8_lossy(bytes).split_inclusive("\r\n") {
        println!("{prefix} {}", line.trim_end_matches("\r\n"));
    }
}

/// Moves everything one machine wants to write into the other one.
fn pump(client: &mut ClientConnection, server: &mut ServerConnection, now: Timestamp) {
    let from_server = server.pending_transmit().to_vec();
    if !from_server.is_empty() {
        print_lines("S:", &from_server);
        server.consume_transmit(from_server.len());
        client.receive_data(&from_server, now);
    }
    let from_client = client.pending_transmit().to_vec();
    if !from_client.is_empty() {
        print_lines("C:", &from_client);
        client.consume_transmit(from_client.len());
        server.receive_data(&from_client, now);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut server_config = ServerConfig::new("mx.example");
    server_config.extensions |= Extensions::PIPELINING | Extensions::CHUNKING;
    let client_config = ClientConfig::new(Domain::Name("client.example".into()));

    let mut now = Timestamp(0);
    let mut server = ServerConnection::new(server_config, now);
    let mut client = ClientConnection::new(client_config, now)?;

    let envelope = Envelope::new(
        ReversePath::parse("alice@client.example", false)?,
        [
            ForwardPath::parse("bob@mx.example", false)?,
            ForwardPath::parse("nobody@mx.example", false)?,
        ],
    )
    .with_body_mode(smtp_core::client::BodyMode::Data);
    let mut received = Vec::new();
    let mut mail_sent = false;
    let mut done = false;

    // Bounded: a correct session ends in a few dozen rounds.
    for _round in 0..100 {
        now = now.plus_millis(5);
        pump(&mut client, &mut server, now);

        while let Some(event) = server.poll_event() {
            match &event {
                ServerEvent::MessageData { len } => {
                    println!("   server app: {len} message octets");
                    received.extend_from_slice(server.message_data());
                }
                other => println!("   server app: {other:?}"),
            }
            let unknown_user = matches!(
                server.command(),
                Some(CommandRef::Rcpt { to: ForwardPathRef::Mailbox(m), .. })
                    if m.local_part == "nobody"
            );
            match event {
                ServerEvent::RcptTo if unknown_user => server.reply(Reply::new(
                    ReplyCode::MAILBOX_UNAVAILABLE,
                    "5.1.1 No such user here",
                ))?,
                ServerEvent::Ehlo
                | ServerEvent::MailFrom
                | ServerEvent::RcptTo
                | ServerEvent::Data
                | ServerEvent::MessageEnd { .. }
                | ServerEvent::Quit => server.accept()?,
                _ => {}
            }
        }

        while let Some(event) = client.poll_event() {
            println!("   client app: {event:?}");
            match event {
                ClientEvent::EhloAccepted { .. } if !mail_sent => {
                    mail_sent = true;
                    client.send_mail(&envelope)?;
                }
                ClientEvent::ReadyForBody => {
                    client.send_body(MESSAGE)?;
                    client.finish_body()?;
                }
                ClientEvent::TransactionFinished { .. } | ClientEvent::TransactionFailed { .. } => {
                    client.quit()?;
                }
                ClientEvent::Closed { .. } => done = true,
                ClientEvent::Failed(e) => return Err(e.into()),
                _ => {}
            }
        }
        if server.is_closed() && !done && server.pending_transmit().is_empty() {
            client.receive_eof(now);
        }
        if done {
            break;
        }
    }

    println!();
    println!("The server received {} octets:", received.len());
    print_lines("  |", &received);
    if received != MESSAGE {
        return Err("the server did not receive exactly the message the client sent".into());
    }
    if !done {
        return Err("the session did not end".into());
    }
    Ok(())
}
