//! Column types, defaults, generated values, constraints and names in the generated
//! code: `runtime/tests/types_common/types.toml` generates the module the runtime's
//! `tests/types.rs` runs (checked in, so it must be fresh), and its Rust and DDL are
//! held as snapshots here.

mod common;

use std::fs;

use common::{litemodel, workspace_root};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn types_spec() -> Result<String, std::io::Error> {
    fs::read_to_string(workspace_root().join("runtime/tests/types_common/types.toml"))
}

#[test]
fn generated_types_snapshots() -> TestResult {
    let checked = litemodel_codegen::check_for_rust("types.toml", &types_spec()?)
        .map_err(|d| d.render(false))?;
    insta::assert_snapshot!(
        "types_rust",
        litemodel_codegen::rust(&checked.schema, "types.toml")
    );
    insta::assert_snapshot!("types_ddl", litemodel_codegen::ddl(&checked.schema));
    Ok(())
}

/// prost's bootstrap test for `types_models.rs`; regenerate it with
/// `cargo run -q -p litemodel-codegen -- --spec types.toml generate --out types_models.rs`
/// in `runtime/tests/types_common`.
#[test]
fn runtime_types_models_are_fresh() -> TestResult {
    let dir = workspace_root().join("runtime/tests/types_common");
    let out_dir = tempfile::tempdir()?;
    let out = out_dir.path().join("out.rs");
    litemodel()
        .current_dir(&dir)
        .args(["--spec", "types.toml", "generate", "--out"])
        .arg(&out)
        .assert()
        .success();
    let fresh = fs::read_to_string(&out)?;
    let checked_in = fs::read_to_string(dir.join("types_models.rs"))?;
    assert!(
        fresh == checked_in,
        "runtime/tests/types_common/types_models.rs is stale: regenerate it from types.toml"
    );
    Ok(())
}
