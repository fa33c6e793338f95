use super::*;

#[test]
fn defaults_follow_rfc5321_4_5_3_2() {
    let t = ClientTimeouts::default();
    assert_eq!(t.greeting, Some(300_000));
    assert_eq!(t.data_initiation, Some(120_000));
    assert_eq!(t.data_block, Some(180_000));
    assert_eq!(t.data_termination, Some(600_000));
}

#[test]
fn plus_saturates() {
    assert_eq!(Timestamp(u64::MAX - 1).plus_millis(10), Timestamp(u64::MAX));
    assert_eq!(Timestamp(5).plus_millis(10).as_millis(), 15);
}
