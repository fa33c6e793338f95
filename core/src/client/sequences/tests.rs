use super::*;

fn meaning(exchange: Exchange, code: u16) -> ReplyMeaning {
    let code = ReplyCode::new(code).expect("valid code");
    reply_meaning(exchange, code)
}

#[test]
fn rfc_5321_sequences() {
    use Exchange::*;
    use ReplyMeaning::*;
    let table = [
        (Greeting, 220, Success),
        (Greeting, 554, Failure),
        (Hello, 250, Success),
        (Hello, 502, Failure),
        (Mail, 250, Success),
        (Mail, 251, Failure),
        (Mail, 552, Failure),
        (Rcpt, 250, Success),
        (Rcpt, 251, Success),
        (Rcpt, 252, Failure),
        (Rcpt, 550, Failure),
        (Rcpt, 451, Failure),
        (Data, 354, Intermediate),
        (Data, 250, Failure),
        (Data, 554, Failure),
        (DataEnd, 250, Success),
        (DataEnd, 552, Failure),
        (Bdat, 250, Success),
        (StartTls, 220, Success),
        (StartTls, 454, Failure),
        (Auth, 235, Success),
        (Auth, 334, Intermediate),
        (Auth, 535, Failure),
        (Vrfy, 252, Success),
        (Expn, 252, Success),
        (Help, 214, Success),
        (Quit, 221, Success),
        (Quit, 421, Failure),
        (Mail, 421, Closing),
        (DataEnd, 421, Closing),
        (Rset, 421, Closing),
    ];
    for (exchange, code, want) in table {
        assert_eq!(meaning(exchange, code), want, "{exchange:?} {code}");
    }
}
