//! The generated Rust: held as snapshots, and deterministic. (That the checked-in
//! generated modules of the runtime's tests are up to date is tested with the
//! `litemodel` command, in `codegen/cli/tests/rust.rs`.)

mod common;

use std::fs;
use std::path::Path;

use common::workspace_root;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn generate(spec: &Path) -> Result<String, String> {
    let source = fs::read_to_string(spec).map_err(|e| e.to_string())?;
    let checked =
        litemodel_codegen::check_for_rust("models.toml", &source).map_err(|d| d.render(false))?;
    Ok(litemodel_codegen::rust(&checked.schema, "models.toml"))
}

#[test]
fn generated_rust_snapshots() -> TestResult {
    let root = workspace_root();
    insta::assert_snapshot!("rust_models", generate(&root.join("models.toml"))?);
    insta::assert_snapshot!(
        "rust_seed",
        generate(&root.join("tests/fixtures/ok/seed.toml"))?
    );
    Ok(())
}

#[test]
fn generation_is_deterministic() -> TestResult {
    let spec = workspace_root().join("models.toml");
    assert_eq!(generate(&spec)?, generate(&spec)?);
    Ok(())
}
