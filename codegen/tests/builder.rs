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

/// `serde(true)`, `type_attribute` and `field_attribute` put their items on the
/// generated structs and fields (`"."` is every model).
#[test]
fn builder_adds_serde_and_attributes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::copy(workspace_root().join("tests/fixtures/ok/seed.toml"), &spec)?;
    let path = Builder::new()
        .spec(&spec)
        .out_dir(dir.path())
        .emit_rerun_if_changed(false)
        .serde(true)
        .type_attribute(".", "#[serde(rename_all = \"camelCase\")]")
        .type_attribute("User", "#[derive(Eq, Hash)]")
        .field_attribute("User.username", "#[serde(rename = \"login\")]")
        .field_attribute("User.role", "#[doc(hidden)]")
        .generate()?;
    let code = fs::read_to_string(path)?;
    assert!(code.contains("litemodel::__require_feature!(serde);"));
    assert_eq!(
        code.matches("#[serde(crate = \"litemodel::serde\", deny_unknown_fields)]\n#[serde(rename_all = \"camelCase\")]").count(),
        2,
        "{code}"
    );
    assert!(code.contains("#[derive(Eq, Hash)]\n#[litemodel(table = \"users\""));
    assert!(code.contains("#[serde(rename = \"login\")]\n    pub username"));
    assert!(code.contains("#[doc(hidden)]\n    pub role:"), "{code}");
    Ok(())
}

/// A name the spec does not declare, or text that is not an attribute, fails
/// the build with every problem and a suggestion.
#[test]
fn builder_attribute_errors_name_the_problem() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::copy(workspace_root().join("tests/fixtures/ok/seed.toml"), &spec)?;
    let error = Builder::new()
        .spec(&spec)
        .out_dir(dir.path())
        .emit_rerun_if_changed(false)
        .type_attribute("Usr", "#[must_use]")
        .type_attribute("Role", "must_use")
        .field_attribute("User.usrname", "#[doc(hidden)]")
        .field_attribute("User", "#[doc(hidden)]")
        .field_attribute("Role.users", "#[doc(hidden)]")
        .generate();
    let Err(BuildError::Options(message)) = error else {
        return Err(format!("expected BuildError::Options, got {error:?}").into());
    };
    assert_eq!(
        message,
        "type_attribute names model `Usr`, which the spec does not declare; did you mean `User`?\n\
         type_attribute(\"Role\", ...): `must_use` is not a Rust attribute; write it as in Rust source, `#[...]`\n\
         field_attribute(\"User.usrname\", ...): model `User` has no column or relationship `usrname`; did you mean `username`?\n\
         field_attribute(\"User\", ...): expected `\"Model.field\"`\n\
         field_attribute(\"Role.users\", ...): relationship `users` is a query (`lazy = \"dynamic\"`) and has no field"
    );
    Ok(())
}
