//! What litemodel says about a spec: one fixture per case under `tests/fixtures/`,
//! its rendered diagnostics held as an insta snapshot.
//!
//! - `err/`: specs that must fail; each must raise at least one error.
//! - `warn/`: specs that work but raise warnings (and no errors).
//! - `ok/`: specs that must pass silently (their DDL is snapshotted by `tests/ddl.rs`).
//!
//! Fixtures are checked under their path relative to this crate, so the snapshots hold
//! no machine paths; rendering has colour off.

use std::fs;
use std::path::{Path, PathBuf};

use litemodel_codegen::{check, ddl, rust, Checked, Diagnostics};

/// `(file stem, path relative to the crate, contents)` of every fixture in `kind`, sorted.
fn fixtures(kind: &str) -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("UTF-8 file name")
                .to_owned();
            let relative = format!("tests/fixtures/{kind}/{stem}.toml");
            let source = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (stem, relative, source)
        })
        .collect()
}

fn snapshot(kind: &str, stem: &str, relative: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    // Recorded relative to the workspace root in the snapshot header.
    settings.set_input_file(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative));
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(format!("{kind}__{stem}"), text));
}

fn check_fixture(relative: &str, source: &str) -> Result<Checked, Diagnostics> {
    check(relative, source)
}

#[test]
fn every_err_fixture_fails_with_a_clear_error() {
    for (stem, relative, source) in fixtures("err") {
        let diagnostics = match check_fixture(&relative, &source) {
            Ok(_) => panic!("{relative} is valid, but fixtures in err/ must fail"),
            Err(diagnostics) => diagnostics,
        };
        assert!(
            diagnostics.has_errors(),
            "{relative} failed without an error"
        );
        snapshot("err", &stem, &relative, &diagnostics.render(false));
    }
}

#[test]
fn every_warn_fixture_passes_with_warnings() {
    for (stem, relative, source) in fixtures("warn") {
        let checked = check_fixture(&relative, &source)
            .unwrap_or_else(|d| panic!("{relative} must pass:\n{}", d.render(false)));
        assert!(
            checked.warnings.warning_count() > 0,
            "{relative} raised no warning, but fixtures in warn/ must"
        );
        snapshot("warn", &stem, &relative, &checked.warnings.render(false));
    }
}

/// Their DDL is snapshotted by `tests/ddl.rs`, with the other valid specs.
#[test]
fn every_ok_fixture_passes_silently() {
    for (_, relative, source) in fixtures("ok") {
        let checked = check_fixture(&relative, &source)
            .unwrap_or_else(|d| panic!("{relative} must pass:\n{}", d.render(false)));
        assert!(
            checked.warnings.is_empty(),
            "{relative} must raise no warning:\n{}",
            checked.warnings.render(false)
        );
    }
}

fn ok_fixture(stem: &str) -> Checked {
    let relative = format!("tests/fixtures/ok/{stem}.toml");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(&relative);
    let source = fs::read_to_string(&path).expect("fixture exists");
    check(&relative, &source).unwrap_or_else(|d| panic!("{}", d.render(false)))
}

/// Two foreign keys to one table are two constraints, whichever relationship uses them.
#[test]
fn two_foreign_keys_to_one_table_are_both_kept() {
    let checked = ok_fixture("two_foreign_keys_to_one_table");
    let ddl = ddl(&checked.schema);
    assert!(ddl.contains("FOREIGN KEY(sender_id) REFERENCES users (id)"));
    assert!(ddl.contains("FOREIGN KEY(recipient_id) REFERENCES users (id)"));
    let messages = &checked.schema.models[1];
    assert_eq!(messages.foreign_keys.len(), 2);
    let users = &checked.schema.models[0];
    let sent = users.relationships.iter().find(|r| r.name == "sent");
    let received = users.relationships.iter().find(|r| r.name == "received");
    let (Some(sent), Some(received)) = (sent, received) else {
        panic!("both relationships exist");
    };
    assert_ne!(sent.foreign_key, received.foreign_key);
}

/// Rust keywords and SQL reserved words are fine as column names: raw identifiers in
/// Rust, quoted identifiers in SQL, exactly where SQLAlchemy quotes.
#[test]
fn keywords_are_valid_column_names() {
    let checked = ok_fixture("keyword_names");
    let ddl = ddl(&checked.schema);
    assert!(ddl.contains("\t\"order\" INTEGER"), "{ddl}");
    assert!(ddl.contains("\t\"default\" BOOLEAN"), "{ddl}");
    assert!(ddl.contains("\ttype VARCHAR(16)"), "{ddl}");
    let code = rust(&checked.schema, "keyword_names.toml");
    assert!(code.contains("r#type"), "{code}");
    assert!(code.contains("self_"), "{code}");
}

/// No input makes the checker panic: every prefix of every fixture (most of them
/// broken TOML or half a spec) is checked.
#[test]
fn no_prefix_of_a_fixture_panics() {
    for kind in ["err", "warn", "ok"] {
        for (_, relative, source) in fixtures(kind) {
            for (end, _) in source.char_indices() {
                let _ = check(&relative, &source[..end]);
            }
        }
    }
}
