//! `Builder`, as build.rs uses it: rewritten only on change, and a missing spec is an
//! I/O error naming it. (That it writes what `litemodel generate` writes and fails with
//! the command's diagnostics is tested with the command, in `codegen/cli/tests`.)

mod common;

use std::fs;

use common::workspace_root;
use litemodel_codegen::{BuildError, Builder};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn builder_rewrites_only_on_change() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::copy(workspace_root().join("tests/fixtures/ok/seed.toml"), &spec)?;
    let mut builder = Builder::new();
    builder
        .spec(&spec)
        .out_dir(dir.path())
        .out_file("seed.rs")
        .emit_rerun_if_changed(false);
    let path = builder.generate()?;
    let first = fs::metadata(&path)?.modified()?;
    std::thread::sleep(std::time::Duration::from_millis(20));
    builder.generate()?;
    assert_eq!(
        fs::metadata(&path)?.modified()?,
        first,
        "unchanged output is not rewritten"
    );

    let changed = fs::read_to_string(&spec)?.replace("string(64)", "string(80)");
    fs::write(&spec, changed)?;
    builder.generate()?;
    assert!(fs::read_to_string(&path)?.contains("VARCHAR(80)"));
    Ok(())
}

#[test]
fn a_missing_spec_is_an_io_error_naming_the_file() {
    let error = Builder::new()
        .spec("no/such/models.toml")
        .out_dir(std::env::temp_dir())
        .emit_rerun_if_changed(false)
        .generate();
    match error {
        Err(BuildError::Io { path, .. }) => assert!(path.ends_with("no/such/models.toml")),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}
