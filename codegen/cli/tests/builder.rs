//! `Builder`, as build.rs uses it, against the `litemodel` command: the same output as
//! `litemodel generate`, and a spec error carries the command's diagnostics.

mod common;

use std::fs;

use common::{litemodel, workspace_root};
use litemodel_codegen::{BuildError, Builder};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn builder_output_is_byte_identical_to_the_cli() -> TestResult {
    let root = workspace_root();
    let dir = tempfile::tempdir()?;
    let spec = root.join("models.toml");
    let written = Builder::new()
        .spec(&spec)
        .out_dir(dir.path())
        .emit_rerun_if_changed(false)
        .generate()?;
    assert_eq!(written, dir.path().join("models.rs"));
    litemodel()
        .current_dir(&root)
        .args(["generate", "--out"])
        .arg(dir.path().join("cli.rs"))
        .assert()
        .success();
    assert_eq!(fs::read(&written)?, fs::read(dir.path().join("cli.rs"))?);
    Ok(())
}

#[test]
fn a_spec_error_fails_with_the_cli_diagnostics() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::write(
        &spec,
        "[models.User]\n[models.User.columns]\nid = { type = \"integr\", primary_key = true }\n",
    )?;
    fs::write(dir.path().join("models.rs"), "previous")?;
    let error = Builder::new()
        .spec(&spec)
        .out_dir(dir.path())
        .emit_rerun_if_changed(false)
        .generate();
    let Err(BuildError::Spec(diagnostics)) = error else {
        return Err(format!("expected a spec error, got {error:?}").into());
    };
    let output = litemodel()
        .args(["--color", "never", "--spec"])
        .arg(&spec)
        .arg("generate")
        .args(["--out", "unused.rs"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(diagnostics.render(false), String::from_utf8(output.stderr)?);
    // What `fn main() -> Result<(), BuildError>` prints is the same rustc-style text.
    let debug = format!("{:?}", BuildError::Spec(diagnostics));
    assert!(debug.contains("error: unknown column type `integr`"));
    assert!(debug.contains("models.toml:3:"));
    assert_eq!(
        fs::read_to_string(dir.path().join("models.rs"))?,
        "previous",
        "nothing is written"
    );
    Ok(())
}
