//! SCRAM-SHA-256: the RFC 7677 §3 example from both sides, and the attacks.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::super::*;
// RFC 7677 §3.
const SCRAM_CNONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const SCRAM_SNONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const SCRAM_SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
const SCRAM_CLIENT_FIRST: &[u8] = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
const SCRAM_SERVER_FIRST: &[u8] =
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const SCRAM_CLIENT_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SCRAM_SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

pub(super) fn rfc7677_creds() -> ScramCredentials {
    ScramCredentials::derive("pencil", &STANDARD.decode(SCRAM_SALT).unwrap(), 4096)
}

#[test]
fn rfc7677_client() {
    let creds = Credentials::password("user", "pencil");
    let mut c = SaslClient::new(Mechanism::ScramSha256, creds, Some(SCRAM_CNONCE)).unwrap();
    assert_eq!(c.initial_response().as_deref(), Some(SCRAM_CLIENT_FIRST));
    assert_eq!(c.initial_response(), None);
    assert_eq!(
        c.respond(SCRAM_SERVER_FIRST).as_deref(),
        Ok(SCRAM_CLIENT_FINAL)
    );
    assert_eq!(c.finish(), Err(AuthError::ServerSignatureMismatch));
    assert_eq!(c.respond(SCRAM_SERVER_FINAL), Ok(Vec::new()));
    assert_eq!(c.finish(), Ok(()));
    assert_eq!(c.respond(b""), Err(AuthError::UnexpectedChallenge));
}

#[test]
fn rfc7677_server() {
    let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
    assert_eq!(
        s.start(Some(SCRAM_CLIENT_FIRST)),
        Ok(ServerStep::Verify(Verification::NeedCredentials {
            authzid: None,
            username: "user".into()
        }))
    );
    assert_eq!(
        s.provide_scram_credentials(rfc7677_creds()),
        Ok(ServerStep::Challenge(SCRAM_SERVER_FIRST.to_vec()))
    );
    assert_eq!(
        s.step(SCRAM_CLIENT_FINAL),
        Ok(ServerStep::Challenge(SCRAM_SERVER_FINAL.to_vec()))
    );
    assert_eq!(s.step(b""), Ok(ServerStep::Success(None)));
    assert!(s.is_done());
}

#[test]
fn scram_client_refuses_a_server_that_cannot_prove_itself() {
    let creds = Credentials::password("user", "pencil");
    let run = |server_final: &[u8]| {
        let mut c =
            SaslClient::new(Mechanism::ScramSha256, creds.clone(), Some(SCRAM_CNONCE)).unwrap();
        let _ = c.initial_response();
        c.respond(SCRAM_SERVER_FIRST).unwrap();
        let r = c.respond(server_final);
        (r, c.finish())
    };
    let mut forged = SCRAM_SERVER_FINAL.to_vec();
    if let Some(b) = forged.get_mut(5) {
        *b = if *b == b'A' { b'B' } else { b'A' };
    }
    for bad in [&forged[..], b"v=", b"v=!!!!", b"x=abc", b""] {
        let (r, fin) = run(bad);
        assert!(r.is_err(), "{bad:?}");
        assert_eq!(fin, Err(AuthError::ServerSignatureMismatch));
    }
    assert_eq!(
        run(b"e=invalid-proof").0,
        Err(AuthError::ServerError {
            message: "invalid-proof".into()
        })
    );
}

#[test]
fn scram_client_rejects_bad_server_first() {
    let creds = Credentials::password("user", "pencil");
    for bad in [
        &b"r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"[..],
        b"m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=!!,i=4096",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4294967295",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=+4096",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==",
        b"r=rOprNGfwEbeRWgbNEkqOx,i=4096",
    ] {
        let mut c =
            SaslClient::new(Mechanism::ScramSha256, creds.clone(), Some(SCRAM_CNONCE)).unwrap();
        let _ = c.initial_response();
        assert!(c.respond(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn scram_server_rejects_bad_client_messages() {
    let first = |msg: &[u8]| {
        let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
        s.start(Some(msg)).unwrap()
    };
    assert_eq!(
        first(b"p=tls-unique,,n=user,r=abc"),
        ServerStep::Failure(AuthFailure::ChannelBindingUnsupported)
    );
    for bad in [
        &b"n,,m=x,n=user,r=abc"[..],
        b"n,,n=,r=abc",
        b"n,,n=user",
        b"n,,n=us=er,r=abc",
        b"x,,n=user,r=abc",
        b"n,b=x,n=user,r=a",
    ] {
        assert!(
            matches!(
                first(bad),
                ServerStep::Failure(AuthFailure::Malformed { .. })
            ),
            "{bad:?}"
        );
    }
    assert_eq!(
        first(b"y,a=adm=2Cin,n=us=3Der,r=abc"),
        ServerStep::Verify(Verification::NeedCredentials {
            authzid: Some("adm,in".into()),
            username: "us=er".into()
        })
    );

    let final_step = |msg: &[u8]| {
        let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
        s.start(Some(SCRAM_CLIENT_FIRST)).unwrap();
        s.provide_scram_credentials(rfc7677_creds()).unwrap();
        s.step(msg).unwrap()
    };
    let wrong_proof = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    assert_eq!(
        final_step(wrong_proof),
        ServerStep::Failure(AuthFailure::BadProof)
    );
    let other_pw = {
        let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
        s.start(Some(SCRAM_CLIENT_FIRST)).unwrap();
        let salt = STANDARD.decode(SCRAM_SALT).unwrap();
        s.provide_scram_credentials(ScramCredentials::derive("pencil2", &salt, 4096))
            .unwrap();
        s.step(SCRAM_CLIENT_FINAL).unwrap()
    };
    assert_eq!(other_pw, ServerStep::Failure(AuthFailure::BadProof));
    for bad in [
        // c= is not the gs2 header "n,,".
        &b"c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="[..],
        // nonce differs
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzb",
        b"",
    ] {
        assert!(
            matches!(final_step(bad), ServerStep::Failure(AuthFailure::Malformed { .. })),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}
