use smtp_core::client::Phase;
use smtp_core::{LocalError, RemoteError, SessionState};

use super::variant;

#[test]
fn variant_names_for_unit_struct_and_tuple_variants() {
    assert_eq!(variant(Phase::Idle), "Idle");
    assert_eq!(
        variant(LocalError::InvalidState {
            call: "send_mail",
            state: SessionState::Transaction,
        }),
        "InvalidState"
    );
    assert_eq!(
        variant(RemoteError::ReplyLineTooLong { limit: 512 }),
        "ReplyLineTooLong"
    );
    assert_eq!(variant(Some(3)), "Some");
}
