//! The ledger fed reply by reply, as a command-by-command caller feeds it.

use alloc::vec::Vec;

use super::*;

/// The reply values are the codes themselves.
fn code(c: u16) -> ReplyCode {
    ReplyCode::new(c).expect("valid code")
}

fn smtp(recipients: usize) -> TransactionLedger<u16> {
    TransactionLedger::new(recipients, false)
}

fn refused(ledger: &TransactionLedger<u16>) -> Vec<(usize, u16)> {
    ledger.refused().map(|(i, r)| (i, *r)).collect()
}

#[test]
fn smtp_success_with_one_recipient_refused() {
    let mut l = smtp(3);
    assert_eq!(l.on_mail(code(250), 250), Expect::Rcpt(0));
    assert_eq!(l.on_rcpt(code(250), 250), Expect::Rcpt(1));
    assert_eq!(l.on_rcpt(code(550), 550), Expect::Rcpt(2));
    assert_eq!(l.on_rcpt(code(251), 251), Expect::Data);
    assert_eq!(l.on_data(code(354), 354), Expect::Body);
    assert_eq!(l.on_data_end(code(250), 250), Expect::Done);
    assert_eq!(l.failure(), None);
    assert!(!l.reset_owed());
    assert_eq!(refused(&l), [(1, 550)]);
    assert_eq!(l.delivered(), 2);
    assert_eq!(l.data_reply(), Some(&250));
}

#[test]
fn each_failure_names_its_stage_and_owes_a_reset() {
    let mut l = smtp(1);
    l.on_mail(code(550), 550);
    assert_eq!(l.failure(), Some((Stage::Mail, &550)));
    assert!(l.reset_owed() && !l.closing());

    let mut l = smtp(2);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(550), 550);
    assert_eq!(l.on_rcpt(code(451), 451), Expect::Done);
    assert_eq!(l.failure(), Some((Stage::Recipients, &451)));
    assert_eq!(refused(&l), [(0, 550), (1, 451)]);

    let mut l = smtp(1);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(250), 250);
    assert_eq!(l.on_data(code(554), 554), Expect::Done);
    assert_eq!(l.failure(), Some((Stage::Data, &554)));

    let mut l = smtp(1);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(250), 250);
    l.on_data(code(354), 354);
    l.on_data_end(code(552), 552);
    assert_eq!(l.failure(), Some((Stage::DataEnd, &552)));
    assert!(l.reset_owed());

    let mut l = smtp(1);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(250), 250);
    assert_eq!(l.on_bdat(code(250), 250), Expect::Body);
    assert_eq!(l.on_bdat(code(552), 552), Expect::Done);
    assert_eq!(l.failure(), Some((Stage::Body, &552)));
}

#[test]
fn success_is_the_code_rfc_5321_names_not_any_2yz() {
    // §4.3.2: MAIL succeeds with 250 only; 251 is a RCPT reply.
    let mut l = smtp(1);
    l.on_mail(code(251), 251);
    assert_eq!(l.failure(), Some((Stage::Mail, &251)));
    // A 252 to RCPT is not an acceptance.
    let mut l = smtp(1);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(252), 252);
    assert_eq!(l.failure(), Some((Stage::Recipients, &252)));
}

#[test]
fn a_421_ends_at_its_step_and_asks_for_close_not_reset() {
    let mut l = smtp(3);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(550), 550);
    assert_eq!(l.on_rcpt(code(421), 421), Expect::Done);
    assert_eq!(l.failure(), Some((Stage::Recipients, &421)));
    assert!(l.closing() && !l.reset_owed());
    // The recipient never asked is not in the result.
    assert_eq!(refused(&l), [(0, 550), (1, 421)]);

    let mut l = smtp(1);
    assert_eq!(l.on_mail(code(421), 421), Expect::Done);
    assert_eq!(l.failure(), Some((Stage::Mail, &421)));
    assert!(l.closing());
}

#[test]
fn no_recipients_is_refused_recipients() {
    let mut l = smtp(0);
    assert_eq!(l.on_mail(code(250), 250), Expect::Done);
    assert_eq!(l.failure(), Some((Stage::Recipients, &250)));
    assert!(l.reset_owed());
}

#[test]
fn lmtp_one_reply_per_accepted_recipient_in_rcpt_order() {
    let mut l = TransactionLedger::new(3, true);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(250), 250);
    l.on_rcpt(code(550), 550);
    l.on_rcpt(code(250), 250);
    l.on_data(code(354), 354);
    assert_eq!(l.awaiting_delivery(), Some(0));
    assert_eq!(l.on_data_end(code(452), 452), Expect::Delivery(2));
    assert_eq!(l.awaiting_delivery(), Some(2));
    assert_eq!(l.on_data_end(code(250), 250), Expect::Done);
    assert_eq!(l.failure(), None);
    assert_eq!(refused(&l), [(0, 452), (1, 550)]);
    assert_eq!(l.delivered(), 1);
    assert_eq!(l.data_reply(), None);
}

#[test]
fn lmtp_nobody_delivered_ends_without_a_failure_stage() {
    // The transaction is over (RFC 2033 §4.2): nothing to reset; the caller
    // sees no recipient took the message.
    let mut l = TransactionLedger::new(1, true);
    l.on_mail(code(250), 250);
    l.on_rcpt(code(250), 250);
    l.on_data(code(354), 354);
    assert_eq!(l.on_data_end(code(550), 550), Expect::Done);
    assert_eq!(
        (l.failure(), l.delivered(), l.reset_owed()),
        (None, 0, false)
    );
    assert_eq!(refused(&l), [(0, 550)]);
}

#[test]
fn replies_out_of_turn_change_nothing() {
    let mut l = smtp(1);
    assert_eq!(l.on_rcpt(code(250), 250), Expect::Mail);
    assert_eq!(l.on_data_end(code(250), 250), Expect::Mail);
    l.on_mail(code(250), 250);
    assert_eq!(l.on_mail(code(250), 250), Expect::Rcpt(0));
    assert_eq!(l.on_data(code(354), 354), Expect::Rcpt(0));
    assert!(l.entries().is_empty());
}

#[test]
fn lmtp_421_answers_for_the_recipients_still_waiting() {
    let mut l = TransactionLedger::new(3, true);
    l.on_mail(code(250), 250);
    for _ in 0..3 {
        l.on_rcpt(code(250), 250);
    }
    l.on_data(code(354), 354);
    assert_eq!(l.on_data_end(code(250), 250), Expect::Delivery(1));
    assert_eq!(l.on_data_end(code(421), 421), Expect::Done);
    // The first has the message; the other two are refused by the 421.
    assert_eq!(l.failure(), None);
    assert_eq!(l.delivered(), 1);
    assert_eq!(refused(&l), [(1, 421), (2, 421)]);
    assert!(l.closing() && !l.reset_owed());
    assert_eq!(l.closing_reply(), Some(&421));
}
