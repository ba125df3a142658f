//! `cargo run --example hrllo` prints, for the seed's steps, what the Python
//! shell printed when the same steps ran through the real Flask-SQLAlchemy:
//! `tests/sqlalchemy/seed_transcript.txt`, recorded by
//! `tests/sqlalchemy/record_seed_transcript.py` (`tests/sqlalchemy/record.sh`;
//! it needs PyPI, this test does not).
//!
//! The example runs as a user runs it, a process started by cargo: its output
//! is compared line for line, for the dynamic (1)-(5) and the default (6)/(7)
//! models. Where Python prints the `AttributeError` traceback of (7), the
//! example prints the compiler's message instead, which is compared with the
//! compile-fail test's `.stderr` file. The book's session the example adds
//! after the seed is recorded and compared as well, and the README's copy of
//! the seed's output is compared with the example's.

use std::process::Command;
use std::sync::OnceLock;

const TRANSCRIPT: &str = include_str!("sqlalchemy/seed_transcript.txt");

/// The compile error for `order_by` on a loaded list, as trybuild holds it.
const ORDER_BY_ON_A_LOADED_LIST: &str =
    include_str!("../runtime/tests/ui/select_relationship_has_no_order_by.stderr");

/// The line the example prints before the compiler's message, where Python
/// prints `Traceback (most recent call last):`.
const DOES_NOT_COMPILE: &str =
    "In Rust this line does not compile (runtime/tests/ui/select_relationship_has_no_order_by.stderr):";

/// The seed's sessions, (1)-(5) and (6)/(7); the transcript's further
/// sessions go beyond the seed.
const SEED_SESSIONS: usize = 2;

/// The lesson of the seed's (7), the last line of its traceback.
const ATTRIBUTE_ERROR: &str =
    "AttributeError: 'InstrumentedList' object has no attribute 'order_by'";

/// The example's standard output. It runs once for all the tests of this
/// file: it recreates `examples/data.sqlite`, so two runs must not overlap.
///
/// Through `cargo run` rather than a path under `target/`: `cargo test --test
/// seed_transcript` does not build the examples, so that binary may be missing
/// or stale, while cargo rebuilds it when its sources changed (cargo holds no
/// build lock while the tests run).
fn example_output() -> &'static str {
    static OUTPUT: OnceLock<String> = OnceLock::new();
    OUTPUT.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["run", "--quiet", "--example", "hrllo"]);
        if !cfg!(debug_assertions) {
            cargo.arg("--release");
        }
        let output = cargo
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo starts");
        assert!(
            output.status.success(),
            "cargo run --example hrllo failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("the example prints UTF-8")
    })
}

/// A session of the shell: its `# ...` header line and the lines under it.
struct Section<'a> {
    header: &'a str,
    lines: Vec<&'a str>,
}

/// Splits a transcript at its `# ` header lines; lines before the first
/// header form a section with an empty header.
fn sections(text: &str) -> Vec<Section<'_>> {
    let mut sections = vec![Section {
        header: "",
        lines: Vec::new(),
    }];
    for line in text.lines() {
        if line.starts_with("# ") {
            sections.push(Section {
                header: line,
                lines: Vec::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.lines.push(line);
        }
    }
    sections
}

/// The recorded sessions, without the line saying how they were recorded.
fn recorded() -> Vec<Section<'static>> {
    let all = sections(TRANSCRIPT);
    assert!(all[0].lines.is_empty(), "text before the first header");
    assert!(all[1].header.starts_with("# Recorded by "));
    all.into_iter().skip(2).collect()
}

/// The example's sessions; it prints nothing before its first header.
fn printed() -> Vec<Section<'static>> {
    let all = sections(example_output());
    assert_eq!(
        all[0].lines,
        Vec::<&str>::new(),
        "output before the first header"
    );
    all.into_iter().skip(1).collect()
}

/// `actual` line for line equal to `expected`, or a message showing both.
fn assert_lines_eq(actual: (&str, &[&str]), expected: (&str, &[&str])) {
    let ((actual_name, actual), (expected_name, expected)) = (actual, expected);
    let first_difference = actual
        .iter()
        .zip(expected)
        .position(|(actual, expected)| actual != expected)
        .unwrap_or(actual.len().min(expected.len()));
    assert!(
        actual == expected,
        "{actual_name}:\n{}\n\n{expected_name}:\n{}\n\nfirst difference at line {}",
        actual.join("\n"),
        expected.join("\n"),
        first_difference + 1
    );
}

#[test]
fn the_seed_comes_first_and_only_what_goes_beyond_it_follows() {
    let recorded = recorded();
    let printed = printed();
    assert_eq!(
        recorded.len(),
        SEED_SESSIONS + 1,
        "the dynamic, the default and the book's session"
    );
    let headers = |sections: &[Section<'_>]| -> Vec<String> {
        sections.iter().map(|s| s.header.to_owned()).collect()
    };
    assert_eq!(headers(&printed), headers(&recorded));
    for section in &recorded[SEED_SESSIONS..] {
        assert!(
            section.header.starts_with("# Beyond the seed"),
            "not marked as beyond the seed: {}",
            section.header
        );
    }
}

#[test]
fn dynamic_steps_print_what_flask_sqlalchemy_prints() {
    let recorded = &recorded()[0];
    let printed = &printed()[0];
    assert!(recorded.header.contains("lazy='dynamic'"));
    assert!(recorded.lines.contains(&"[<User 'fred'>, <User 'steve'>]"));
    assert_eq!(printed.header, recorded.header);
    assert_lines_eq(
        ("the example printed", &printed.lines),
        ("the transcript has", &recorded.lines),
    );
}

#[test]
fn select_steps_print_what_flask_sqlalchemy_prints_and_the_compile_error_for_its_traceback() {
    let recorded = &recorded()[1];
    let printed = &printed()[1];
    assert!(recorded.header.contains("lazy='select'"));
    assert_eq!(printed.header, recorded.header);

    // Python: `>>> obs_role.users.order_by(...)`, then the traceback, last.
    let traceback = recorded
        .lines
        .iter()
        .position(|line| *line == "Traceback (most recent call last):")
        .expect("the recorded (7) ends with a traceback");
    assert_eq!(
        recorded.lines[traceback - 1],
        ">>> obs_role.users.order_by(User.username).all()"
    );
    assert_eq!(recorded.lines.last(), Some(&ATTRIBUTE_ERROR));

    // Rust: the same lines up to the `>>>` line, then the compiler's message.
    let mut expected = recorded.lines[..traceback].to_vec();
    expected.push(DOES_NOT_COMPILE);
    expected.extend(ORDER_BY_ON_A_LOADED_LIST.lines());
    assert_lines_eq(
        ("the example printed", &printed.lines),
        (
            "expected (the transcript, the .stderr for its traceback)",
            &expected,
        ),
    );
}

#[test]
fn the_books_session_beyond_the_seed_prints_what_flask_sqlalchemy_prints() {
    let recorded = &recorded()[SEED_SESSIONS];
    let printed = &printed()[SEED_SESSIONS];
    assert_eq!(printed.header, recorded.header);
    assert_lines_eq(
        ("the example printed", &printed.lines),
        ("the transcript has", &recorded.lines),
    );
}

#[test]
fn the_readme_shows_what_the_example_prints_for_the_seed() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("```text\n# (1)-(5)")
        .expect("the README shows the seed's output")
        + "```text\n".len();
    let length = readme[start..].find("```").expect("the block is closed");
    let shown: Vec<&str> = readme[start..start + length].lines().collect();

    let mut printed_for_the_seed = Vec::new();
    for section in &printed()[..SEED_SESSIONS] {
        printed_for_the_seed.push(section.header);
        printed_for_the_seed.extend(&section.lines);
    }
    assert_lines_eq(
        ("the README shows", &shown),
        ("the example printed", &printed_for_the_seed),
    );
}
