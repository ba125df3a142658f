//! Python `repr` quoting, for the generated `Debug` impls.

use litemodel::repr;

fn r(s: &str) -> String {
    repr(s).to_string()
}

#[test]
fn quotes_like_python() {
    assert_eq!(r("fred"), "'fred'");
    assert_eq!(r(""), "''");
    // A single quote and no double quote: switch to double quotes.
    assert_eq!(r("O'Brien"), r#""O'Brien""#);
    // Double quotes alone stay inside single quotes.
    assert_eq!(r(r#"say "hi""#), r#"'say "hi"'"#);
    // Both: single quotes, the single one escaped.
    assert_eq!(r(r#"it's "x""#), r#"'it\'s "x"'"#);
}

#[test]
fn escapes_like_python() {
    assert_eq!(r("a\\b"), r"'a\\b'");
    assert_eq!(r("line\nbreak\ttab\rcr"), r"'line\nbreak\ttab\rcr'");
    assert_eq!(r("\0\x07\x1b\x7f"), r"'\x00\x07\x1b\x7f'");
    assert_eq!(r("\u{85}\u{a0}\u{ad}"), r"'\x85\xa0\xad'");
    assert_eq!(r("\u{2028}\u{200b}\u{feff}"), r"'\u2028\u200b\ufeff'");
    assert_eq!(r("\u{f0000}"), r"'\U000f0000'");
    // Printable non-ASCII stays as it is.
    assert_eq!(r("José 😀 中文"), "'José 😀 中文'");
}

#[test]
fn other_values() {
    assert_eq!(repr(&None::<String>).to_string(), "None");
    assert_eq!(repr(&Some("x".to_owned())).to_string(), "'x'");
    assert_eq!(repr(&42_i64).to_string(), "42");
    assert_eq!(repr(&-1.5_f64).to_string(), "-1.5");
    assert_eq!(repr(&2.0_f64).to_string(), "2.0");
    assert_eq!(repr(&true).to_string(), "True");
}

#[test]
fn model_lists_print_like_python() {
    struct User(&'static str);
    impl std::fmt::Debug for User {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "<User {}>", repr(self.0))
        }
    }
    let users = vec![User("fred"), User("steve")];
    assert_eq!(format!("{users:?}"), "[<User 'fred'>, <User 'steve'>]");
}
