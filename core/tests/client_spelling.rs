//! `ClientConfig::command_spelling`: with `CommandSpelling::LowerCase` the
//! machine writes Python smtplib's bytes (lower-case verbs and SIZE
//! keyword); the exchanges and events are those of the default spelling.

mod client_common;

use client_common::*;
use smtp_core::client::{BodyMode, ClientConfig, Envelope};
use smtp_core::command::CommandSpelling;

const EHLO: &str = "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n";
const EHLO_CHUNKING: &str = "250-mx.example\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SIZE 1000\r\n";

fn smtplib_config() -> ClientConfig {
    let mut c = config();
    c.command_spelling = CommandSpelling::LowerCase;
    c
}

fn sized(mut env: Envelope) -> Envelope {
    env.mail_params.size = Some(4);
    env
}

/// One transaction written in `mail`, `rcpts`, `data`, `quit`.
fn script<'a>(ehlo: &'a str, group: &'a str, quit: &'a str) -> [(&'a str, &'a str); 5] {
    [
        ("", "220 x\r\n"),
        (ehlo, EHLO),
        (group, "250 ok\r\n250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n"),
        ("hi\r\n.\r\n", "250 queued\r\n"),
        (quit, "221 bye\r\n"),
    ]
}

#[test]
fn a_pipelined_transaction_in_smtplibs_spelling() {
    let env = sized(envelope(
        "<a@a.example>",
        &["<b@b.example>", "<c@b.example>"],
    ));
    let spelled = script(
        "ehlo client.example\r\n",
        "mail FROM:<a@a.example> size=4\r\nrcpt TO:<b@b.example>\r\n\
         rcpt TO:<c@b.example>\r\ndata\r\n",
        "quit\r\n",
    );
    let spelled = run_all(smtplib_config, &spelled, true, || {
        send_one(env.clone(), b"hi")
    });
    // The same exchange in the default spelling gives the same events.
    let upper = script(
        "EHLO client.example\r\n",
        "MAIL FROM:<a@a.example> SIZE=4\r\nRCPT TO:<b@b.example>\r\n\
         RCPT TO:<c@b.example>\r\nDATA\r\n",
        "QUIT\r\n",
    );
    let upper = run_all(config, &upper, true, || send_one(env.clone(), b"hi"));
    assert_eq!(spelled.events, upper.events);
}

#[test]
fn the_reset_after_a_failure_is_smtplibs_rset() {
    let env = envelope("<a@a.example>", &["<b@b.example>"]);
    let script = [
        ("", "220 x\r\n"),
        ("ehlo client.example\r\n", EHLO),
        (
            "mail FROM:<a@a.example>\r\nrcpt TO:<b@b.example>\r\ndata\r\n",
            "250 ok\r\n550 5.1.1 unknown\r\n554 no valid recipients\r\n",
        ),
        // RSET at once (ResetPolicy::Immediate), QUIT from the driver.
        ("rset\r\nquit\r\n", "250 ok\r\n221 bye\r\n"),
    ];
    let run = run_all(smtplib_config, &script, true, || {
        send_one(env.clone(), b"hi")
    });
    assert!(names(&run.events).contains(&"TransactionFailed".to_string()));
}

#[test]
fn extension_verbs_keep_their_case() {
    // smtplib has no BDAT; the engine writes it as RFC 3030 does.
    let mut env = sized(envelope("<a@a.example>", &["<b@b.example>"]));
    env.body_mode = BodyMode::Bdat { chunk_size: None };
    let script = [
        ("", "220 x\r\n"),
        ("ehlo client.example\r\n", EHLO_CHUNKING),
        (
            "mail FROM:<a@a.example> size=4\r\nrcpt TO:<b@b.example>\r\nBDAT 4 LAST\r\nhi\r\n",
            "250 ok\r\n250 ok\r\n250 queued\r\n",
        ),
        ("quit\r\n", "221 bye\r\n"),
    ];
    run_all(smtplib_config, &script, true, || {
        send_one(env.clone(), b"hi\r\n")
    });
}
