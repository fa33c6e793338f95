use super::*;
use alloc::string::ToString;
use alloc::vec::Vec;

fn mechs(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| String::from(*s)).collect()
}

#[test]
fn parse_names() {
    let table: &[(&str, Option<Mechanism>)] = &[
        ("plain", Some(Mechanism::Plain)),
        ("LOGIN", Some(Mechanism::Login)),
        ("Cram-Md5", Some(Mechanism::CramMd5)),
        ("xoauth2", Some(Mechanism::XOAuth2)),
        ("OAUTHBEARER", Some(Mechanism::OAuthBearer)),
        ("scram-sha-256", Some(Mechanism::ScramSha256)),
        ("gssapi", Some(Mechanism::Other(String::from("GSSAPI")))),
        (
            "SCRAM-SHA-256-PLUS",
            Some(Mechanism::Other(String::from("SCRAM-SHA-256-PLUS"))),
        ),
        ("", None),
        ("PLAIN LOGIN", None),
        ("X\r\nRSET", None),
        ("ABCDEFGHIJKLMNOPQRSTU", None),
    ];
    for (name, want) in table {
        assert_eq!(Mechanism::parse(name), *want, "{name:?}");
    }
    assert_eq!(Mechanism::CramMd5.name(), "CRAM-MD5");
    assert_eq!(Mechanism::ScramSha256.to_string(), "SCRAM-SHA-256");
}

#[test]
fn choose_table() {
    let pw = Credentials::password("u", "p");
    let tok = Credentials::bearer("u", "t");
    let all = mechs(&[
        "login",
        "PLAIN",
        "CRAM-MD5",
        "SCRAM-SHA-256",
        "XOAUTH2",
        "OAUTHBEARER",
    ]);
    assert_eq!(
        choose(&all, DEFAULT_PREFERENCE, &pw),
        Some(Mechanism::ScramSha256)
    );
    assert_eq!(
        choose(&all, DEFAULT_PREFERENCE, &tok),
        Some(Mechanism::OAuthBearer)
    );
    assert_eq!(
        choose(&all, PYTHON_SMTPLIB_PREFERENCE, &pw),
        Some(Mechanism::CramMd5)
    );
    assert_eq!(choose(&all, PYTHON_SMTPLIB_PREFERENCE, &tok), None);
    let few = mechs(&["LOGIN", "PLAIN"]);
    assert_eq!(
        choose(&few, DEFAULT_PREFERENCE, &pw),
        Some(Mechanism::Plain)
    );
    assert_eq!(choose(&few, DEFAULT_PREFERENCE, &tok), None);
    assert_eq!(
        choose(&mechs(&["xoauth2"]), DEFAULT_PREFERENCE, &tok),
        Some(Mechanism::XOAuth2)
    );
    assert_eq!(choose::<&str>(&[], DEFAULT_PREFERENCE, &pw), None);
    let custom = [Mechanism::Other(String::from("GSSAPI"))];
    assert_eq!(
        choose(&mechs(&["GSSAPI"]), &custom, &pw),
        Some(custom[0].clone())
    );
}

#[test]
fn debug_redacts_secret() {
    let s = alloc::format!("{:?}", Credentials::password("joe", "hunter2"));
    assert!(s.contains("joe") && !s.contains("hunter2"), "{s}");
}
