//! Hostile specs make bounded output: a diagnostic quotes at most a window of a long
//! line and a shortened name, at most 50 diagnostics are rendered ("and N more
//! errors"), and checking stays fast. The specs are generated here rather than checked
//! in (some are megabytes); small versions seed the fuzzer (`fuzz/seeds/`).

use std::time::{Duration, Instant};

use litemodel_codegen::{check, diagnostics::MAX_RENDERED};

/// Rendered diagnostics of any spec stay below this.
const MAX_OUTPUT: usize = 64 * 1024;

/// Checking and rendering any spec here, in a debug build, stays below this: a
/// guard against the blow-ups of minutes these shapes once caused, loose enough
/// for a two-core machine running other builds (10 s failed there at 11-12 s).
/// The release figures, measured, are in docs/reliability.md.
const MAX_TIME: Duration = Duration::from_secs(60);

const SPEC: &str = r#"[models.User]
table = "users"

[models.User.columns]
id = { type = "integer", primary_key = true }
name = { type = "string(64)", nullable = false }
"#;

/// Checks `source`, returning the rendered diagnostics (colour off and on), after
/// asserting on their size and on the time taken.
fn rendered(what: &str, source: &str) -> String {
    let started = Instant::now();
    let diagnostics = match check("models.toml", source) {
        Ok(checked) => checked.warnings,
        Err(diagnostics) => diagnostics,
    };
    let plain = diagnostics.render(false);
    let colored = diagnostics.render(true);
    let elapsed = started.elapsed();
    assert!(
        plain.len() < MAX_OUTPUT && colored.len() < 2 * MAX_OUTPUT,
        "{what}: {} bytes of diagnostics:\n{}",
        plain.len(),
        plain.get(..4096).unwrap_or(&plain)
    );
    assert!(elapsed < MAX_TIME, "{what}: took {elapsed:?}");
    plain
}

fn longest_line(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The issue's first shape: a 200 KB string pasted into the middle of a line.
#[test]
fn a_long_string_mid_line_is_quoted_as_a_window() {
    let long = format!("\"{}\"", "x".repeat(200_000));
    let source = SPEC.replace("nullable = false", &format!("nullable = {long} false"));
    let out = rendered("200 KB string mid-line", &source);
    assert!(out.contains("error"), "{out}");
    assert!(out.contains("..."), "the line is cut: {out}");
    assert!(longest_line(&out) < 200, "{out}");
    // The location is the spec's, not the excerpt's.
    assert!(out.contains("models.toml:6:"), "{out}");
}

/// The issue's second shape: an inline table left open, nested 10,000 deep (52 KB).
#[test]
fn a_deeply_nested_unclosed_inline_table_stays_small() {
    let source = format!("[models.A.columns]\nid = {}\n", "{a = ".repeat(10_000));
    assert!(source.len() > 50_000);
    let out = rendered("10,000 nested inline tables", &source);
    assert!(out.contains("error"), "{out}");
    assert!(longest_line(&out) < 200, "{out}");
}

/// The same, closed: valid TOML nested far deeper than any spec.
#[test]
fn a_deeply_nested_closed_inline_table_stays_small() {
    let source = format!(
        "[models.A.columns]\nid = {}1{}\n",
        "{a = ".repeat(10_000),
        "}".repeat(10_000)
    );
    let out = rendered("10,000 nested closed inline tables", &source);
    assert!(out.contains("error"), "{out}");
    assert!(longest_line(&out) < 200, "{out}");
}

/// A key of 50 KB is shortened wherever a message or label quotes it.
#[test]
fn a_long_key_is_shortened_in_messages() {
    let key = "k".repeat(50_000);
    let source = format!("{SPEC}{key} = 1\n");
    let out = rendered("50 KB unknown key", &source);
    assert!(out.contains("kkk...kkk"), "{out}");
    // A help line quotes the key twice, each shortened; the whole text is cut at 400.
    assert!(longest_line(&out) < 450, "{out}");
}

/// Thousands of errors: the first 50 are shown, the rest counted.
#[test]
fn thousands_of_errors_are_counted_not_printed() {
    let mut source = String::new();
    for m in 0..2_000 {
        source.push_str(&format!(
            "[models.M{m}.columns]\nid = {{ type = \"integer\", primary_key = true }}\nx = {{ type = \"nope\" }}\n"
        ));
    }
    let diagnostics = match check("models.toml", &source) {
        Ok(_) => panic!("2,000 unknown types pass"),
        Err(diagnostics) => diagnostics,
    };
    let errors = diagnostics.error_count();
    assert!(errors >= 2_000, "{errors} errors");
    let out = rendered("2,000 errors", &source);
    assert_eq!(
        out.matches("\nerror").count() + 1,
        MAX_RENDERED + 1,
        "{out}"
    );
    assert!(
        out.contains(&format!("... and {} more errors", errors - MAX_RENDERED)),
        "{out}"
    );
    assert!(
        out.ends_with(&format!("due to {errors} previous errors\n")),
        "{out}"
    );
}

/// Five megabytes in a few shapes: one line, many lines, many models.
#[test]
fn five_megabytes_in_any_shape_stay_bounded() {
    const SIZE: usize = 5 * 1024 * 1024;
    let one_line = format!("{SPEC}x = \"{}\n", "y".repeat(SIZE));
    rendered("5 MB unclosed string", &one_line);
    let comment = format!("{SPEC}# {}\n", "z".repeat(SIZE));
    rendered("5 MB comment", &comment);
    let mut keys = String::from(SPEC);
    while keys.len() < SIZE {
        keys.push_str(&format!("unknown_{} = 1\n", keys.len()));
    }
    rendered("5 MB of unknown keys", &keys);
    let mut columns = String::from(SPEC);
    let mut c = 0;
    while columns.len() < SIZE {
        columns.push_str(&format!(
            "c{c} = {{ type = \"integer\", foreign_key = \"users.c{c}x\" }}\n"
        ));
        c += 1;
    }
    rendered("5 MB of columns with bad foreign keys", &columns);
}
