use alloc::string::ToString;
use alloc::vec::Vec;

use super::RecipientList;
use crate::command::CommandRef;

/// The forward path of `RCPT TO:<path>`.
fn rcpt(list: &mut RecipientList, line: &str) {
    match CommandRef::parse(line.as_bytes(), true) {
        Ok(CommandRef::Rcpt { to, .. }) => list.propose(&to),
        other => panic!("not a RCPT line: {other:?}"),
    }
}

fn texts(list: &RecipientList) -> Vec<alloc::string::String> {
    list.iter().map(|p| p.to_string()).collect()
}

#[test]
fn accepted_recipients_come_back_in_order_and_equal_to_what_was_parsed() {
    let mut list = RecipientList::default();
    let lines = [
        "RCPT TO:<bob@example.net>",
        "RCPT TO:<Postmaster>",
        "RCPT TO:<\"a b\"@[192.0.2.1]>",
        "RCPT TO:<x@[IPv6:2001:db8::1]>",
        "RCPT TO:<y@[tag:content]>",
        "RCPT TO:<jösé@bücher.example>",
    ];
    for line in lines {
        rcpt(&mut list, line);
        list.confirm();
    }
    assert_eq!(list.len(), lines.len());
    for (got, line) in list.iter().zip(lines) {
        let Ok(CommandRef::Rcpt { to, .. }) = CommandRef::parse(line.as_bytes(), true) else {
            panic!("{line}");
        };
        assert_eq!(got, to, "{line}");
    }
    assert_eq!(list.iter().len(), lines.len());
    assert_eq!(
        list.iter().get(1).map(|p| p.to_string()),
        Some("<Postmaster>".into())
    );
}

#[test]
fn a_tentative_recipient_counts_only_once_confirmed() {
    let mut list = RecipientList::default();
    rcpt(&mut list, "RCPT TO:<a@x.example>");
    list.confirm();
    rcpt(&mut list, "RCPT TO:<refused@x.example>");
    assert_eq!(list.len(), 1);
    assert_eq!(texts(&list), ["<a@x.example>"]);
    list.withdraw();
    assert_eq!(list.len(), 1);
    // The refused one's text is gone too: the buffer holds only "a" + "x.example".
    assert_eq!(list.text, "ax.example");
    rcpt(&mut list, "RCPT TO:<Postmaster>");
    list.withdraw();
    rcpt(&mut list, "RCPT TO:<b@y.example>");
    list.confirm();
    assert_eq!(texts(&list), ["<a@x.example>", "<b@y.example>"]);
}

#[test]
fn clearing_keeps_the_memory() {
    let mut list = RecipientList::default();
    for _ in 0..3 {
        for i in 0..50 {
            rcpt(&mut list, &alloc::format!("RCPT TO:<user{i}@example.org>"));
            list.confirm();
        }
        assert_eq!(list.len(), 50);
        let capacity = (list.text.capacity(), list.entries.capacity());
        list.clear();
        assert_eq!(list.len(), 0);
        assert_eq!((list.text.capacity(), list.entries.capacity()), capacity);
    }
}
