use super::Json;

#[test]
fn nested_values_get_commas_and_escapes() {
    let mut j = Json::new();
    j.begin_array();
    j.begin_object()
        .tag("type", "A")
        .key("n")
        .number(7)
        .key("s")
        .string("q\"\\\r\n\t\u{1}é")
        .key("list")
        .begin_array()
        .boolean(true)
        .null()
        .end_array()
        .key("b")
        .bytes(b"xyz")
        .end_object();
    j.begin_object().key("o").opt_string(None).end_object();
    j.end_array();
    let (text, payload) = j.take();
    assert_eq!(
        text,
        r#"[{"type":"A","n":7,"s":"q\"\\\r\n\t\u0001é","list":[true,null],"b":[0,3]},{"o":null}]"#
    );
    assert_eq!(payload, b"xyz");
    assert!(j.is_empty());
}

#[test]
fn invalid_utf8_from_the_peer_becomes_replacement_characters() {
    let mut j = Json::new();
    j.lossy(b"a\xffb");
    assert_eq!(j.take().0, "\"a\u{fffd}b\"");
}

#[test]
fn line_breaks_separate_top_level_values_and_never_occur_inside_one() {
    let mut j = Json::new();
    j.begin_object()
        .tag("type", "A")
        .key("s")
        .string("x\ny\r\n")
        .end_object();
    j.line_break();
    j.begin_object().tag("type", "B").end_object();
    let (text, _) = j.take();
    assert_eq!(
        text,
        "{\"type\":\"A\",\"s\":\"x\\ny\\r\\n\"}\n{\"type\":\"B\"}"
    );
    assert_eq!(text.lines().count(), 2);
}
