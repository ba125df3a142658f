//! `litemodel generate`: the checked-in generated modules of the runtime's tests are up
//! to date (prost's bootstrap test), and features the Rust generator lacks are errors.

mod common;

use std::fs;

use common::{litemodel, workspace_root};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `runtime/tests/common/*_models.rs` are generated from the `.toml` beside them and
/// checked in, so the runtime's tests run the generator's real output. Regenerate with
/// `litemodel --spec seed.toml generate --out seed_models.rs` in that folder.
#[test]
fn runtime_test_models_are_fresh() -> TestResult {
    let common = workspace_root().join("runtime/tests/common");
    for name in ["seed", "blog", "library", "cycles"] {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("out.rs");
        litemodel()
            .current_dir(&common)
            .args(["--spec", &format!("{name}.toml"), "generate", "--out"])
            .arg(&out)
            .assert()
            .success();
        let fresh = fs::read_to_string(&out)?;
        let checked_in = fs::read_to_string(common.join(format!("{name}_models.rs")))?;
        assert!(
            fresh == checked_in,
            "runtime/tests/common/{name}_models.rs is stale: regenerate it from {name}.toml"
        );
    }
    Ok(())
}

#[test]
fn generate_reports_features_the_rust_generator_lacks() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::write(
        &spec,
        r#"[models.Student]
[models.Student.columns]
id = { type = "integer", primary_key = true }
code = { type = "string(8)", unique = true }
[models.Student.relationships]
cards = { model = "Card" }

[models.Card]
[models.Card.columns]
id = { type = "integer", primary_key = true }
student_code = { type = "string(8)", foreign_key = "student.code", index = true }
"#,
    )?;
    litemodel()
        .current_dir(dir.path())
        .args(["--color", "never", "check"])
        .assert()
        .success();
    let output = litemodel()
        .current_dir(dir.path())
        .args(["--color", "never", "generate", "--out", "models.rs"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr)?;
    insta::assert_snapshot!("rust_unsupported", stderr);
    assert!(!dir.path().join("models.rs").exists(), "nothing is written");
    Ok(())
}
